//! DEBUG: the subcommands Redis's test suite and tools use (SLEEP, OBJECT,
//! SET-ACTIVE-EXPIRE, DIGEST, DIGEST-VALUE, POPULATE, PROTOCOL …). Like
//! Redis's, it is one command that parses its own subcommand.

mod digest;

use bytes::Bytes;

use super::args::{is, text};
use super::command::{reply_help, subcommand_syntax_error};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::keyspace::db::lru_clock;
use crate::keyspace::{Entry, Ttl, Value};
use crate::util::number::parse_i64;
use crate::util::sha1::hex;

pub static COMMANDS: &[CommandSpec] =
    &[CommandSpec::new("debug", -2, ADMIN | NOSCRIPT | LOADING | STALE, Group::Server, debug).doc(
        "1.0.0",
        "A container for debugging commands",
        "Depends on subcommand.",
        "",
    )];

const HELP: &[&str] = &[
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
];

/// C's `strtod` on an argument: the longest numeric prefix, 0 if none.
fn strtod(arg: &[u8]) -> f64 {
    let s = String::from_utf8_lossy(arg);
    let s = s.trim_start();
    let end = s.find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c))).unwrap_or(s.len());
    (1..=end).rev().find_map(|n| s[..n].parse::<f64>().ok()).unwrap_or(0.0)
}

/// C's `atoi`: leading digits with an optional sign, 0 if none.
fn atoi(arg: &[u8]) -> i64 {
    let s = String::from_utf8_lossy(arg);
    let s = s.trim_start();
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    s[..end].parse().unwrap_or(0)
}

/// Redis's `enable-debug-command` protection: `yes`, `local` (loopback
/// clients only) or `no` (the default).
fn allowed(ctx: &Ctx) -> bool {
    ctx.srv.config.enable_debug_command.allows(ctx.client.ip())
}

fn debug(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if !allowed(ctx) {
        return Err(CmdError::text(
            "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run \
             it from a local connection, otherwise you need to set this option in the configuration file, and then \
             restart the server.",
        ));
    }
    let sub = &args[1];
    let argc = args.len();
    if argc == 2 && is(sub, "help") {
        reply_help(ctx.out(), &args[0], HELP);
    } else if is(sub, "sleep") && argc == 3 {
        // Blocks the whole server, as Redis's nanosleep does.
        if let Ok(d) = std::time::Duration::try_from_secs_f64(strtod(&args[2])) {
            std::thread::sleep(d);
        }
        ctx.out().ok();
    } else if is(sub, "set-active-expire") && argc == 3 {
        ctx.srv.active_expire_enabled = atoi(&args[2]) != 0;
        ctx.out().ok();
    } else if is(sub, "object") && argc == 3 {
        object(ctx, &args[2])?;
    } else if is(sub, "digest") && argc == 2 {
        let d = digest::dataset(&ctx.srv.keyspace.dbs);
        ctx.out().simple(&hex(&d));
    } else if is(sub, "digest-value") && argc >= 2 {
        let db = &ctx.srv.keyspace.dbs[ctx.client.db];
        let digests: Vec<String> = args[2..]
            .iter()
            .map(|k| {
                let mut d = [0u8; 20];
                if let Some(e) = peek(db, k) {
                    digest::mix_entry(&mut d, e);
                }
                hex(&d)
            })
            .collect();
        let out = ctx.out();
        out.array(digests.len());
        for d in digests {
            out.simple(&d);
        }
    } else if is(sub, "loadaof") && argc == 2 {
        crate::server::aof::debug_loadaof(ctx.srv);
        ctx.out().ok();
    } else if is(sub, "reload") {
        if args[2..].iter().any(|o| !(is(o, "merge") || is(o, "noflush") || is(o, "nosave"))) {
            return Err(CmdError::err("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."));
        }
        let has = |name: &str| args[2..].iter().any(|o| is(o, name));
        crate::server::save::debug_reload(ctx.srv, has("nosave"), has("noflush"), has("merge"))
            .map_err(|e| CmdError::Other(e.into()))?;
        ctx.out().ok();
    } else if is(sub, "populate") && (3..=5).contains(&argc) {
        populate(ctx, args)?;
    } else if is(sub, "protocol") && argc == 3 {
        protocol(ctx, &args[2])?;
    } else if is(sub, "error") && argc == 3 {
        return Err(CmdError::Other(String::from_utf8_lossy(&args[2]).into_owned().into()));
    } else if is(sub, "log") && argc == 3 {
        crate::log::warning(&format!("DEBUG LOG: {}", text(&args[2])));
        ctx.out().ok();
    } else if is(sub, "change-repl-id") && argc == 2 {
        crate::log::warning("Changing replication IDs after receiving DEBUG change-repl-id");
        ctx.srv.replid = crate::server::random_hex40();
        ctx.out().ok();
    } else if is(sub, "quicklist-packed-threshold") && argc == 3 {
        let ok = crate::config::value::memtoull(&text(&args[2])).is_some_and(|n| n <= 1 << 32);
        if !ok {
            return Err(CmdError::err("argument must be a memory value bigger than 1 and smaller than 4gb"));
        }
        ctx.out().ok();
    } else if (is(sub, "listpack") && argc == 3) || (is(sub, "quicklist") && (argc == 3 || argc == 4)) {
        let want = if is(sub, "listpack") { "listpack" } else { "quicklist" };
        let db = &ctx.srv.keyspace.dbs[ctx.client.db];
        let Some(e) = peek(db, &args[2]) else { return Err(CmdError::NoSuchKey) };
        if e.value.encoding() != want {
            return Err(CmdError::err(format!("Not a {want} encoded object.")));
        }
        ctx.out().simple(if want == "listpack" {
            "Listpack structure printed on stdout"
        } else {
            "Quicklist structure printed on stdout"
        });
    } else if is(sub, "stringmatch-test") && argc == 2 {
        ctx.out().simple("Apparently Redis did not crash: test passed");
    } else if is(sub, "client-eviction") && argc == 2 {
        return Err(CmdError::err("maxmemory-clients is disabled."));
    } else if is(sub, "set-disable-deny-scripts") && argc == 3 {
        ctx.srv.scripting.disable_deny_script = atoi(&args[2]) != 0;
        ctx.out().ok();
    } else if (argc == 3
        && ["set-skip-checksum-validation", "aof-flush-sleep", "pause-cron", "leak"].iter().any(|n| is(sub, n)))
        || (is(sub, "replicate") && argc >= 3)
    {
        ctx.out().ok();
    } else if is(sub, "drop-cluster-packet-filter") && argc == 3 {
        parse_i64(&args[2]).ok_or(CmdError::NotInteger)?;
        ctx.out().ok();
    } else if is(sub, "structsize") && argc == 2 {
        let s = format!("bits:{} ", usize::BITS);
        ctx.out().bulk(s.as_bytes());
    } else {
        return Err(subcommand_syntax_error(args));
    }
    Ok(())
}

/// A key's entry as stored, expired or not (no stats, no LRU touch).
fn peek<'a>(db: &'a crate::keyspace::Db, key: &[u8]) -> Option<&'a Entry> {
    let dict = db.dict();
    dict.find(dict.hash(key), key)
}

/// Bytes of an RDB length prefix.
fn rdb_len_size(n: usize) -> usize {
    if n < 1 << 6 {
        1
    } else if n < 1 << 14 {
        2
    } else if n as u64 <= u32::MAX as u64 {
        5
    } else {
        9
    }
}

/// What the value would take in an RDB file (strings as Redis encodes them,
/// without LZF compression; collections estimated).
fn serialized_length(v: &Value) -> usize {
    match v.as_str() {
        Some(s) => {
            if s.len() <= 11
                && let Some(n) = parse_i64(s)
            {
                if (-128..=127).contains(&n) {
                    return 2;
                } else if (-32768..=32767).contains(&n) {
                    return 3;
                } else if i32::try_from(n).is_ok() {
                    return 5;
                }
            }
            rdb_len_size(s.len()) + s.len()
        }
        None => rdb_len_size(v.heap_size()) + v.heap_size(),
    }
}

fn object(ctx: &mut Ctx, key: &[u8]) -> CmdResult {
    let now = ctx.now();
    let db = &ctx.srv.keyspace.dbs[ctx.client.db];
    let Some(e) = peek(db, key) else { return Err(CmdError::NoSuchKey) };
    let encoding = e.value.encoding();
    // Small integers are Redis's shared objects.
    let shared = encoding == "int" && e.value.as_str().and_then(parse_i64).is_some_and(|n| (0..10000).contains(&n));
    let refcount = if shared { i32::MAX as i64 } else { 1 };
    let bits = db.access_bits_of(e);
    let idle = crate::keyspace::evict::lru_idle_ms(bits, now) / 1000;
    // Redis prints its object's `lru` field: the 24-bit seconds clock of the
    // last access (or the LFU bits, which keys here keep as Redis does).
    let lru = if db.access_bits.lfu { bits } else { lru_clock(now).wrapping_sub(idle as u32) & ((1 << 24) - 1) };
    let line = format!(
        "Value at:{:p} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
        &e.value,
        refcount,
        encoding,
        serialized_length(&e.value),
        lru,
        idle
    );
    ctx.out().simple(&line);
    Ok(())
}

fn populate(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let positive = |a: &[u8]| parse_i64(a).filter(|&n| n >= 0).map(|n| n as usize).ok_or(CmdError::NotPositive);
    let count = positive(&args[2])?;
    let valsize = if args.len() == 5 { positive(&args[4])? } else { 0 };
    let prefix: &[u8] = if args.len() >= 4 { &args[3] } else { b"key" };
    let now = ctx.now();
    let db = ctx.db();
    let mut key = Vec::with_capacity(prefix.len() + 21);
    for j in 0..count {
        key.clear();
        key.extend_from_slice(prefix);
        key.push(b':');
        key.extend_from_slice(j.to_string().as_bytes());
        if db.contains(&key, now) {
            continue;
        }
        let mut val = format!("value:{j}").into_bytes();
        if valsize > 0 {
            val.resize(valsize, 0);
        }
        db.set(&key, Value::from_vec(val), Ttl::Clear, now);
    }
    ctx.out().ok();
    Ok(())
}

fn protocol(ctx: &mut Ctx, kind: &[u8]) -> CmdResult {
    let resp3 = ctx.client.out.is_resp3();
    let out = ctx.out();
    let k = kind.to_ascii_lowercase();
    match &k[..] {
        b"string" => out.bulk(b"Hello World"),
        b"integer" => out.int(12345),
        // Redis's test value, not π.
        #[allow(clippy::approx_constant)]
        b"double" => out.double(3.141),
        b"bignum" => out.big_number("1234567999999999999999999999999999999"),
        b"null" => out.null(),
        b"array" => {
            out.array(3);
            (0..3).for_each(|j| out.int(j));
        }
        b"set" => {
            out.set(3);
            (0..3).for_each(|j| out.int(j));
        }
        b"map" => {
            out.map(3);
            for j in 0..3 {
                out.int(j);
                out.boolean(j == 1);
            }
        }
        b"attrib" => {
            if resp3 {
                out.raw(b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n");
            }
            out.bulk(b"Some real reply following the attribute");
        }
        b"push" => {
            if !resp3 {
                return Err(CmdError::err("RESP2 is not supported by this command"));
            }
            out.push(2);
            out.bulk(b"server-cpu-usage");
            out.int(42);
            out.bulk(b"Some real reply following the push reply");
        }
        b"true" => out.boolean(true),
        b"false" => out.boolean(false),
        b"verbatim" => out.verbatim("txt", b"This is a verbatim\nstring"),
        _ => {
            return Err(CmdError::err(
                "Wrong protocol type name. Please use one of the following: \
                 string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_number_parsing() {
        assert_eq!(strtod(b"0.05"), 0.05);
        assert_eq!(strtod(b"1abc"), 1.0);
        assert_eq!(strtod(b"abc"), 0.0);
        assert_eq!(atoi(b"1"), 1);
        assert_eq!(atoi(b"0x"), 0);
        assert_eq!(atoi(b"-3z"), -3);
        assert_eq!(atoi(b""), 0);
    }

    #[test]
    fn serialized_lengths() {
        assert_eq!(serialized_length(&Value::string(b"12")), 2);
        assert_eq!(serialized_length(&Value::string(b"1000")), 3);
        assert_eq!(serialized_length(&Value::string(b"100000")), 5);
        assert_eq!(serialized_length(&Value::string(b"abc")), 4);
    }
}
