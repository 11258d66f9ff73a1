//! MEMORY: USAGE (what one key costs), STATS and DOCTOR (where the used
//! memory goes, from `server::memory::overhead`), MALLOC-STATS and PURGE
//! (the system allocator has neither: Redis's answers without jemalloc),
//! HELP.

use bytes::Bytes;

use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::server::memory;
use crate::util::number::parse_i64;

const G: Group = Group::Server;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("memory", -2, 0, G, help).subcommands(SUBCOMMANDS).doc(
    "4.0.0",
    "A container for memory diagnostics commands",
    "Depends on subcommand.",
    "",
)];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("doctor", 2, 0, G, doctor).doc("4.0.0", "Outputs memory problems report", "O(1)", ""),
    CommandSpec::new("help", 2, LOADING | STALE, G, help).doc(
        "4.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("malloc-stats", 2, 0, G, malloc_stats).doc(
        "4.0.0",
        "Show allocator internal stats",
        "Depends on how much memory is allocated, could be slow",
        "",
    ),
    CommandSpec::new("purge", 2, 0, G, purge).doc(
        "4.0.0",
        "Ask the allocator to release memory",
        "Depends on how much memory is allocated, could be slow",
        "",
    ),
    CommandSpec::new("stats", 2, 0, G, stats).doc("4.0.0", "Show memory usage details", "O(1)", ""),
    CommandSpec::new("usage", -3, READONLY, G, usage).keys(2, 2, 1).doc(
        "4.0.0",
        "Estimate the memory usage of a key",
        "O(N) where N is the number of samples.",
        "key [SAMPLES count]",
    ),
];

const HELP: &[&str] = &[
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
];

/// Elements of a collection measured by default (Redis's
/// `OBJ_COMPUTE_SIZE_DEF_SAMPLES`).
const DEFAULT_SAMPLES: usize = 5;

/// MEMORY HELP (also the container's handler, never reached: the
/// dispatcher resolves a subcommand or answers an error first).
fn help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let out = ctx.out();
    out.array(HELP.len());
    for line in HELP {
        out.simple(line);
    }
    Ok(())
}

/// MEMORY USAGE key [SAMPLES count]: the key's node, its name if stored
/// apart, and its value (collections sampled). As in Redis the key is
/// looked up as stored: no expiry check, no hit or miss counted.
fn usage(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut samples = DEFAULT_SAMPLES;
    let mut i = 3;
    while i < args.len() {
        if !args[i].eq_ignore_ascii_case(b"samples") || i + 1 >= args.len() {
            return Err(CmdError::Syntax);
        }
        let n = parse_i64(&args[i + 1]).ok_or(CmdError::NotInteger)?;
        if n < 0 {
            return Err(CmdError::Syntax);
        }
        samples = if n == 0 { usize::MAX } else { usize::try_from(n).unwrap_or(usize::MAX) };
        i += 2;
    }
    let (db, out) = ctx.db_out();
    match db.peek(&args[2]) {
        None => out.null(),
        Some(e) => {
            let node =
                crate::alloc::usable_size(std::mem::size_of::<crate::types::dict::Node<crate::keyspace::Entry>>());
            let bytes = node + e.key().alloc_size() + e.value.memory_usage(samples);
            out.int(bytes as i64);
        }
    }
    Ok(())
}

/// MEMORY STATS: Redis's fields in Redis's order (doubles as Redis's
/// single-precision figures).
fn stats(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let mh = memory::overhead(ctx.srv, ctx.client);
    let rss = mh.rss as i64;
    let used = mh.total as i64;
    let frag = rss as f32 / used.max(1) as f32;
    let out = &mut ctx.client.out;
    let int = |out: &mut crate::protocol::ReplyWriter, name: &str, v: i64| {
        out.bulk(name.as_bytes());
        out.int(v);
    };
    let dbl = |out: &mut crate::protocol::ReplyWriter, name: &str, v: f32| {
        out.bulk(name.as_bytes());
        out.double(f64::from(v));
    };
    out.map(27 + mh.dbs.len());
    int(out, "peak.allocated", mh.peak as i64);
    int(out, "total.allocated", used);
    int(out, "startup.allocated", mh.startup as i64);
    int(out, "replication.backlog", 0);
    int(out, "clients.slaves", 0);
    int(out, "clients.normal", mh.clients_normal as i64);
    int(out, "cluster.links", 0);
    int(out, "aof.buffer", 0);
    int(out, "lua.caches", 0);
    int(out, "functions.caches", 0);
    for db in &mh.dbs {
        out.bulk(format!("db.{}", db.id).as_bytes());
        out.map(3);
        int(out, "overhead.hashtable.main", db.main as i64);
        int(out, "overhead.hashtable.expires", db.expires as i64);
        int(out, "overhead.hashtable.slot-to-keys", 0);
    }
    int(out, "overhead.total", mh.overhead_total as i64);
    int(out, "keys.count", mh.keys as i64);
    int(out, "keys.bytes-per-key", mh.bytes_per_key as i64);
    int(out, "dataset.bytes", mh.dataset as i64);
    dbl(out, "dataset.percentage", mh.dataset_perc as f32);
    dbl(out, "peak.percentage", mh.peak_perc as f32);
    // The system allocator reports no more than what it hands out.
    int(out, "allocator.allocated", used);
    int(out, "allocator.active", used);
    int(out, "allocator.resident", rss);
    dbl(out, "allocator-fragmentation.ratio", 1.0);
    int(out, "allocator-fragmentation.bytes", 0);
    dbl(out, "allocator-rss.ratio", frag);
    int(out, "allocator-rss.bytes", rss - used);
    dbl(out, "rss-overhead.ratio", 1.0);
    int(out, "rss-overhead.bytes", 0);
    dbl(out, "fragmentation", frag);
    int(out, "fragmentation.bytes", rss - used);
    Ok(())
}

fn doctor(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let mh = memory::overhead(ctx.srv, ctx.client);
    let report = memory::doctor(&mh, ctx.srv.clients.len());
    ctx.out().verbatim("txt", report.as_bytes());
    Ok(())
}

/// Redis's answer when not built with jemalloc.
fn malloc_stats(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.out().bulk(b"Stats not supported for the current allocator");
    Ok(())
}

/// Nothing to purge with the system allocator: OK, as Redis without jemalloc.
fn purge(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.out().ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::run;
    use crate::config::Config;
    use crate::protocol::Reply;
    use crate::server::Server;
    use crate::server::client::Client;

    fn int(r: Reply) -> i64 {
        match r {
            Reply::Int(i) => i,
            other => panic!("not an integer: {other:?}"),
        }
    }

    #[test]
    fn usage_arguments_and_sizes() {
        let mut srv = Server::new(Config::default());
        let mut c = Client::new(1, "127.0.0.1:1".into(), "127.0.0.1:2".into(), -1, true);
        run(&mut srv, &mut c, "set a b");
        assert_eq!(int(run(&mut srv, &mut c, "memory usage a")), 72, "one node, all inline");
        assert_eq!(run(&mut srv, &mut c, "memory usage nokey"), Reply::Null);
        let syntax = Reply::Error("ERR syntax error".into());
        assert_eq!(run(&mut srv, &mut c, "memory usage a samples"), syntax);
        assert_eq!(run(&mut srv, &mut c, "memory usage a samples -1"), syntax);
        assert_eq!(run(&mut srv, &mut c, "memory usage a foo 1"), syntax);
        assert_eq!(
            run(&mut srv, &mut c, "memory usage a samples x"),
            Reply::Error("ERR value is not an integer or out of range".into())
        );
        assert_eq!(int(run(&mut srv, &mut c, "memory usage a SAMPLES 0")), 72);
        let long = "x".repeat(1000);
        run(&mut srv, &mut c, &format!("set {long} {long}"));
        assert_eq!(
            int(run(&mut srv, &mut c, &format!("memory usage {long}"))),
            72 + 1000 + 1000,
            "malloc chunks of 1000 usable bytes"
        );
        for i in 0..1000 {
            run(&mut srv, &mut c, &format!("sadd s member:{i}:{long}"));
        }
        let sampled = int(run(&mut srv, &mut c, "memory usage s"));
        let all = int(run(&mut srv, &mut c, "memory usage s samples 0"));
        assert!(all > 1000 * 1000 && all < 1200 * 1000, "{all}");
        assert!((sampled - all).abs() < all / 50, "uniform members: sampling is close ({sampled} vs {all})");
    }

    #[test]
    fn stats_and_doctor() {
        let mut srv = Server::new(Config::default());
        let mut c = Client::new(1, "127.0.0.1:1".into(), "127.0.0.1:2".into(), -1, true);
        run(&mut srv, &mut c, "set a b");
        let Reply::Array(fields) = run(&mut srv, &mut c, "memory stats") else { panic!("RESP2 map is an array") };
        assert_eq!(fields.len(), 2 * 28, "27 fields and db.0");
        assert_eq!(fields[0], Reply::bulk("peak.allocated"));
        assert_eq!(fields[20], Reply::bulk("db.0"));
        assert_eq!(fields[24], Reply::bulk("keys.count"));
        assert_eq!(fields[25], Reply::Int(1));
        assert!(matches!(run(&mut srv, &mut c, "memory doctor"), Reply::Bulk(_)));
        assert_eq!(run(&mut srv, &mut c, "memory purge"), Reply::Simple("OK".into()));
        assert_eq!(
            run(&mut srv, &mut c, "memory malloc-stats"),
            Reply::bulk("Stats not supported for the current allocator")
        );
        let Reply::Array(help) = run(&mut srv, &mut c, "memory help") else { panic!() };
        assert_eq!(help.len(), 14);
    }
}
