//! SAVE BGSAVE BGREWRITEAOF LASTSAVE DUMP RESTORE. The work is in
//! `server::save` (the snapshot), `server::aof` (the append-only file) and
//! `persistence::dump` (the payload format).

use crate::config::notify as N;
use bytes::Bytes;

use super::args::is;
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group, acl};
use crate::config::MaxmemoryPolicy;
use crate::keyspace::{Access, CompactBytes};
use crate::persistence::{dump, values};
use crate::server::save;
use crate::util::number::parse_i64;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("save", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, Group::Server, save_cmd).doc(
        "1.0.0",
        "Synchronously save the dataset to disk",
        "O(N) where N is the total number of keys in all databases",
        "",
    ),
    CommandSpec::new("bgsave", -1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, Group::Server, bgsave).doc(
        "1.0.0",
        "Asynchronously save the dataset to disk",
        "O(1)",
        "[SCHEDULE]",
    ),
    CommandSpec::new("bgrewriteaof", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, Group::Server, bgrewriteaof).doc(
        "1.0.0",
        "Asynchronously rewrite the append-only file",
        "O(1)",
        "",
    ),
    CommandSpec::new("lastsave", 1, LOADING | STALE | FAST, Group::Server, lastsave)
        .acl(acl::ADMIN | acl::DANGEROUS)
        .doc("1.0.0", "Get the UNIX time stamp of the last successful save to disk", "O(1)", ""),
    CommandSpec::new("dump", 2, READONLY, Group::Generic, dump_cmd).keys(1, 1, 1).doc(
        "2.6.0",
        "Return a serialized version of the value stored at the specified key.",
        "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects \
         composing the value and M their average size. For small string values the time complexity is thus \
         O(1)+O(1*M) where M is small, so simply O(1).",
        "key",
    ),
    CommandSpec::new("restore", -4, WRITE | DENYOOM, Group::Generic, restore).keys(1, 1, 1).acl(acl::DANGEROUS).doc(
        "2.6.0",
        "Create a key using the provided serialized value, previously obtained using DUMP.",
        "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the \
         number of Redis objects composing the value and M their average size. For small string values the time \
         complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the \
         complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
        "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]",
    ),
];

const IN_PROGRESS: &str = "Background save already in progress";

/// Is a BGSAVE (not an AOF rewrite) running?
fn rdb_bgsave_running(ctx: &Ctx) -> bool {
    ctx.srv.persist.bgsave.as_ref().is_some_and(|b| !b.aof)
}

fn save_cmd(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    if rdb_bgsave_running(ctx) {
        return Err(CmdError::err(IN_PROGRESS));
    }
    ctx.srv.persist.saves += 1;
    save::save_sync(ctx.srv).map_err(|_| CmdError::text("ERR"))?;
    ctx.out().ok();
    Ok(())
}

fn bgsave(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let schedule = match args.len() {
        1 => false,
        2 if is(&args[1], "schedule") => true,
        _ => return Err(CmdError::Syntax),
    };
    if rdb_bgsave_running(ctx) {
        return Err(CmdError::err(IN_PROGRESS));
    }
    // Inside EXEC the save is scheduled (Redis never forks there); while
    // an AOF rewrite runs, only with SCHEDULE.
    let in_exec = !ctx.may_block();
    if ctx.srv.persist.bgsave.is_some() || in_exec {
        if schedule || in_exec {
            ctx.srv.persist.scheduled = true;
            ctx.out().simple("Background saving scheduled");
            return Ok(());
        }
        return Err(CmdError::err(
            "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to \
             schedule a BGSAVE whenever possible.",
        ));
    }
    save::bgsave_start(ctx.srv).map_err(|_| CmdError::text("ERR"))?;
    ctx.out().simple("Background saving started");
    Ok(())
}

fn bgrewriteaof(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let in_exec = !ctx.may_block();
    let reply = crate::server::aof::bgrewriteaof(ctx.srv, in_exec)?;
    ctx.out().simple(reply);
    Ok(())
}

fn lastsave(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let t = ctx.srv.lastsave as i64;
    ctx.out().int(t);
    Ok(())
}

fn dump_cmd(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let compress = ctx.srv.config.rdbcompression;
    let (db, out) = ctx.db_out();
    match db.lookup(&args[1], now, Access::Read) {
        None => out.null(),
        Some(e) => {
            let payload = dump::create(&e.value, compress);
            out.bulk(&payload);
        }
    }
    Ok(())
}

/// `getLongLongFromObjectOrReply`'s error.
fn int_arg(arg: &[u8]) -> Result<i64, CmdError> {
    parse_i64(arg).ok_or(CmdError::NotInteger)
}

fn restore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < args.len() {
        let more = args.len() - j - 1;
        let a = &args[j];
        if is(a, "replace") {
            replace = true;
        } else if is(a, "absttl") {
            absttl = true;
        } else if is(a, "idletime") && more >= 1 && freq.is_none() {
            let v = int_arg(&args[j + 1])?;
            if v < 0 {
                return Err(CmdError::err("Invalid IDLETIME value, must be >= 0"));
            }
            idle = Some(v);
            j += 1;
        } else if is(a, "freq") && more >= 1 && idle.is_none() {
            let v = int_arg(&args[j + 1])?;
            if !(0..=255).contains(&v) {
                return Err(CmdError::err("Invalid FREQ value, must be >= 0 and <= 255"));
            }
            freq = Some(v);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let now = ctx.now();
    let key = &args[1];
    if !replace && ctx.db().lookup(key, now, Access::Write).is_some() {
        return Err(CmdError::text("BUSYKEY Target key name already exists."));
    }
    let ttl = int_arg(&args[2])?;
    if ttl < 0 {
        return Err(CmdError::err("Invalid TTL value, must be >= 0"));
    }
    let payload = &args[3];
    if !dump::verify(payload, false) {
        return Err(CmdError::err("DUMP payload version or checksum are wrong"));
    }
    let value = dump::parse(payload)
        .ok()
        .filter(|l| !l.is_empty())
        .and_then(|l| values::into_value(l, &values::Encodings::from_config(&ctx.srv.config)).ok())
        .ok_or_else(|| CmdError::err("Bad data format"))?;
    let lfu = matches!(ctx.srv.config.maxmemory_policy, MaxmemoryPolicy::AllkeysLfu | MaxmemoryPolicy::VolatileLfu);
    let db = ctx.db();
    let access = db.access_bits;
    let shares = access.shared_ints;
    let deleted = replace && db.remove(key, now).is_some();
    let at = if ttl != 0 && !absttl { ttl.saturating_add(now as i64) } else { ttl };
    if ttl != 0 && at <= now as i64 && !db.loading {
        // Already expired: only the deletion of the old value remains.
        if deleted {
            ctx.srv.dirty += 1;
            ctx.notify(N::GENERIC, "del", key);
            ctx.propagate_as(vec![crate::server::replication::word("DEL"), key.clone()]);
        }
        ctx.out().ok();
        return Ok(());
    }
    let entry = db.insert_absent(CompactBytes::new(key), value, if ttl != 0 { at as u64 } else { 0 }, now);
    // Redis's objectSetLRUOrLFU: IDLETIME under an LRU policy, FREQ under
    // an LFU one; the other is ignored.
    let bits = match (idle, freq) {
        (Some(idle), _) if !lfu => access.with_idle_secs(idle as u64, now),
        (_, Some(freq)) if lfu => access.with_freq(freq as u8, now),
        _ => None,
    };
    if let Some(bits) = bits {
        crate::keyspace::shared_ints::set_bits_of(entry, bits, shares);
    }
    ctx.srv.dirty += 1;
    ctx.notify(N::GENERIC, "restore", key);
    ctx.out().ok();
    // A relative TTL is replicated as an absolute one (… <ms> … ABSTTL).
    if ttl != 0 && !absttl && ctx.propagating() {
        let mut argv = args.to_vec();
        argv[2] = crate::server::replication::num(at);
        argv.push(crate::server::replication::word("ABSTTL"));
        ctx.propagate_as(argv);
    }
    Ok(())
}
