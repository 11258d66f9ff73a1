//! Server commands: DBSIZE FLUSHDB FLUSHALL SWAPDB TIME LASTSAVE SHUTDOWN.
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
    CommandSpec::new("time", 1, LOADING | STALE | FAST, G, time).doc(
        "2.6.0",
        "Return the current server time",
        "O(1)",
        "",
    ),
    CommandSpec::new("lastsave", 1, LOADING | STALE | FAST, G, lastsave).acl(acl::ADMIN | acl::DANGEROUS).doc(
        "1.0.0",
        "Get the UNIX time stamp of the last successful save to disk",
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
/// table is freed on the background thread.
fn empty_db(ctx: &mut Ctx, index: usize, lazy: bool) -> u64 {
    let old = ctx.srv.keyspace.dbs[index].clear();
    let n = old.len() as u64;
    if lazy {
        lazyfree::free_later(old, n);
    }
    n
}

fn flushdb(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let lazy = flush_async(args)?;
    let db = ctx.client.db;
    ctx.srv.dirty += empty_db(ctx, db, lazy);
    ctx.out().ok();
    Ok(())
}

fn flushall(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let lazy = flush_async(args)?;
    let mut removed = 0;
    for i in 0..ctx.srv.keyspace.dbs.len() {
        removed += empty_db(ctx, i, lazy);
    }
    // Redis then saves the RDB when save points are configured; that comes
    // with persistence.
    ctx.srv.dirty += removed;
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
    ctx.srv.dirty += 1;
    ctx.out().ok();
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

fn lastsave(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let t = ctx.srv.lastsave as i64;
    ctx.out().int(t);
    Ok(())
}

fn shutdown(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (mut nosave, mut save, mut abort, mut other) = (false, false, false, false);
    for a in &args[1..] {
        if is(a, "nosave") {
            nosave = true;
        } else if is(a, "save") {
            save = true;
        } else if is(a, "now") || is(a, "force") {
            other = true;
        } else if is(a, "abort") {
            abort = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if (abort && (nosave || save || other)) || (nosave && save) {
        return Err(CmdError::Syntax);
    }
    if abort {
        // Shutting down is immediate: there is never one in progress.
        return Err(CmdError::err("No shutdown in progress."));
    }
    // While a script is busy only SHUTDOWN NOSAVE may stop the server.
    if !nosave && ctx.srv.scripting.busy() {
        return Err(ctx.srv.scripting.busy_error());
    }
    // SAVE / NOSAVE are parsed; saving on shutdown arrives with persistence.
    ctx.srv.shutdown_requested = true;
    if let Some(n) = &ctx.srv.shutdown_notify {
        n.notify_one();
    }
    ctx.client.close_asap = true;
    Ok(())
}
