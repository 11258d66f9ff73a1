//! Server commands: DBSIZE FLUSHDB FLUSHALL SWAPDB TIME SHUTDOWN.
//! (FUNCTION lives with the scripting commands.)

use bytes::Bytes;

use super::args::is;
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group, acl};
use crate::server::lazyfree;
use crate::util::number::parse_i64;

const G: Group = Group::Server;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("dbsize", 1, READONLY | FAST, G, dbsize).acl(acl::KEYSPACE).doc(
        "1.0.0",
        "Return the number of keys in the selected database",
        "O(1)",
        "",
    ),
    CommandSpec::new("flushdb", -1, WRITE, G, flushdb).acl(acl::KEYSPACE | acl::DANGEROUS).doc(
        "1.0.0",
        "Remove all keys from the current database",
        "O(N) where N is the number of keys in the selected database",
        "[ASYNC | SYNC]",
    ),
    CommandSpec::new("flushall", -1, WRITE, G, flushall).acl(acl::KEYSPACE | acl::DANGEROUS).doc(
        "1.0.0",
        "Remove all keys from all databases",
        "O(N) where N is the total number of keys in all databases",
        "[ASYNC | SYNC]",
    ),
    CommandSpec::new("swapdb", 3, WRITE | FAST, G, swapdb).acl(acl::KEYSPACE | acl::DANGEROUS).doc(
        "4.0.0",
        "Swaps two Redis databases",
        "O(N) where N is the count of clients watching or blocking on keys from both databases.",
        "index1 index2",
    ),
    CommandSpec::new("monitor", 1, ADMIN | NOSCRIPT | LOADING | STALE, G, monitor).doc(
        "1.0.0",
        "Listen for all requests received by the server in real time",
        "",
        "",
    ),
    CommandSpec::new("time", 1, LOADING | STALE | FAST, G, time).doc(
        "2.6.0",
        "Return the current server time",
        "O(1)",
        "",
    ),
    CommandSpec::new("shutdown", -1, ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY, G, shutdown).doc(
        "1.0.0",
        "Synchronously save the dataset to disk and then shut down the server",
        "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
        "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]",
    ),
];

fn dbsize(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let n = ctx.db().len();
    ctx.out().int(n as i64);
    Ok(())
}

/// `[ASYNC | SYNC]` of FLUSHDB/FLUSHALL: true for ASYNC.
fn flush_async(args: &[Bytes]) -> Result<bool, CmdError> {
    match args.len() {
        1 => Ok(false),
        2 if is(&args[1], "sync") => Ok(false),
        2 if is(&args[1], "async") => Ok(true),
        _ => Err(CmdError::Syntax),
    }
}

/// Empties database `index`; returns the keys removed. With `lazy` the old
/// table is freed on the background thread. (A table a BGSAVE has not
/// finished stays with the snapshot: `clear` then returns an empty one.)
fn empty_db(ctx: &mut Ctx, index: usize, lazy: bool) -> u64 {
    let n = ctx.srv.keyspace.dbs[index].len() as u64;
    let old = ctx.srv.keyspace.dbs[index].clear();
    if lazy {
        lazyfree::free_later(old, n);
    }
    n
}

fn flushdb(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let lazy = flush_async(args)?;
    crate::server::tracking::flushed(ctx.srv, Some(ctx.client));
    let db = ctx.client.db;
    ctx.srv.dirty += empty_db(ctx, db, lazy);
    ctx.force_propagation();
    ctx.out().ok();
    Ok(())
}

fn flushall(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let lazy = flush_async(args)?;
    crate::server::tracking::flushed(ctx.srv, Some(ctx.client));
    let mut removed = 0;
    for i in 0..ctx.srv.keyspace.dbs.len() {
        removed += empty_db(ctx, i, lazy);
    }
    ctx.srv.dirty += removed;
    // As Redis: a BGSAVE is abandoned, and with save points the (empty)
    // dataset is saved now (which resets the dirty counter).
    crate::server::save::flushall(ctx.srv);
    ctx.force_propagation();
    ctx.out().ok();
    Ok(())
}

fn swapdb(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let db_arg = |arg: &[u8], msg: &'static str| {
        parse_i64(arg).filter(|n| i32::try_from(*n).is_ok()).ok_or_else(|| CmdError::err(msg))
    };
    let a = db_arg(&args[1], "invalid first DB index")?;
    let b = db_arg(&args[2], "invalid second DB index")?;
    let n = ctx.srv.keyspace.dbs.len() as i64;
    if !(0..n).contains(&a) || !(0..n).contains(&b) {
        return Err(CmdError::DbIndexOutOfRange);
    }
    let now = ctx.now();
    ctx.srv.keyspace.swap(a as usize, b as usize, now);
    crate::server::replication::defer_expired(ctx.srv);
    ctx.srv.dirty += 1;
    ctx.out().ok();
    Ok(())
}

/// MONITOR: from now on the client receives every command run
/// (`server::monitor`). Already monitoring: no reply at all, as in Redis.
fn monitor(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    if !ctx.may_block() {
        return Err(CmdError::err("MONITOR isn't allowed for DENY BLOCKING client"));
    }
    if crate::server::monitor::start(ctx.srv, ctx.client) {
        ctx.out().ok();
    }
    Ok(())
}

fn time(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let us = crate::util::time::unix_us();
    let out = ctx.out();
    out.array(2);
    out.bulk_int((us / 1_000_000) as i64);
    out.bulk_int((us % 1_000_000) as i64);
    Ok(())
}

fn shutdown(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    use crate::config::shutdown::{FORCE, NOSAVE, NOW, SAVE};
    let (mut flags, mut abort) = (0, false);
    for a in &args[1..] {
        if is(a, "nosave") {
            flags |= NOSAVE;
        } else if is(a, "save") {
            flags |= SAVE;
        } else if is(a, "now") {
            flags |= NOW;
        } else if is(a, "force") {
            flags |= FORCE;
        } else if is(a, "abort") {
            abort = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if (abort && flags != 0) || (flags & NOSAVE != 0 && flags & SAVE != 0) {
        return Err(CmdError::Syntax);
    }
    if abort {
        if !crate::server::shutdown::abort() {
            return Err(CmdError::err("No shutdown in progress."));
        }
        ctx.out().ok();
        return Ok(());
    }
    // While a script is busy only `SHUTDOWN NOSAVE` (exactly) may stop the
    // server, as in Redis.
    if ctx.srv.scripting.busy() && !(args.len() == 2 && flags == NOSAVE) {
        return Err(ctx.srv.scripting.busy_error());
    }
    if flags & NOW == 0 && ctx.client.deny_blocking {
        return Err(CmdError::err("SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client"));
    }
    // Returns only when the shutdown failed (the final save, without FORCE).
    let _ = crate::server::shutdown::shutdown(ctx.srv, flags);
    Err(CmdError::err("Errors trying to SHUTDOWN. Check logs."))
}
