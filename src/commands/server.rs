//! Server commands: DBSIZE FLUSHDB FLUSHALL SWAPDB TIME LASTSAVE SHUTDOWN,
//! and FUNCTION (a container; only FLUSH does anything until scripting).

use bytes::Bytes;

use super::args::is;
use super::command::reply_help;
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
    CommandSpec::new("function", -2, 0, Group::Scripting, function_help).subcommands(FUNCTION).doc(
        "7.0.0",
        "A container for function commands",
        "Depends on subcommand.",
        "",
    ),
];

const S: Group = Group::Scripting;

static FUNCTION: &[CommandSpec] = &[
    CommandSpec::new("delete", 3, NOSCRIPT | WRITE, S, function_delete).doc(
        "7.0.0",
        "Delete a function by name",
        "O(1)",
        "library-name",
    ),
    CommandSpec::new("dump", 2, NOSCRIPT, S, function_dump).doc(
        "7.0.0",
        "Dump all functions into a serialized binary payload",
        "O(N) where N is the number of functions",
        "",
    ),
    CommandSpec::new("flush", -2, NOSCRIPT | WRITE, S, function_flush).doc(
        "7.0.0",
        "Deleting all functions",
        "O(N) where N is the number of functions deleted",
        "[ASYNC | SYNC]",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, S, function_help).doc(
        "7.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("kill", 2, NOSCRIPT | ALLOW_BUSY, S, function_kill).doc(
        "7.0.0",
        "Kill the function currently in execution.",
        "O(1)",
        "",
    ),
    CommandSpec::new("list", -2, NOSCRIPT, S, function_list).doc(
        "7.0.0",
        "List information about all the functions",
        "O(N) where N is the number of functions",
        "[LIBRARYNAME library-name-pattern] [WITHCODE]",
    ),
    CommandSpec::new("load", -3, NOSCRIPT | WRITE | DENYOOM, S, function_load).doc(
        "7.0.0",
        "Create a function with the given arguments (name, code, description)",
        "O(1) (considering compilation time is redundant)",
        "[REPLACE] function-code",
    ),
    CommandSpec::new("restore", -3, NOSCRIPT | WRITE | DENYOOM, S, function_restore).doc(
        "7.0.0",
        "Restore all the functions on the given payload",
        "O(N) where N is the number of functions on the payload",
        "serialized-value [FLUSH | APPEND | REPLACE]",
    ),
    CommandSpec::new("stats", 2, NOSCRIPT | ALLOW_BUSY, S, function_stats).doc(
        "7.0.0",
        "Return information about the function currently running (name, description, duration)",
        "O(1)",
        "",
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
        return Err(crate::server::dispatch::BUSY);
    }
    // SAVE / NOSAVE are parsed; saving on shutdown arrives with persistence.
    ctx.srv.shutdown_requested = true;
    if let Some(n) = &ctx.srv.shutdown_notify {
        n.notify_one();
    }
    ctx.client.close_asap = true;
    Ok(())
}

fn function_help(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    const LINES: &[&str] = &[
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE \
         command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
    ];
    reply_help(ctx.out(), &args[0], LINES);
    Ok(())
}

/// FUNCTION FLUSH [ASYNC|SYNC]: there are no libraries until scripting
/// arrives, so there is nothing to delete.
fn function_flush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let ok = match args.len() {
        2 => true,
        3 => is(&args[2], "async") || is(&args[2], "sync"),
        _ => false,
    };
    if !ok {
        return Err(CmdError::err("FUNCTION FLUSH only supports SYNC|ASYNC option"));
    }
    ctx.out().ok();
    Ok(())
}

fn function_list(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut i = 2;
    while i < args.len() {
        if is(&args[i], "withcode") {
            i += 1;
        } else if is(&args[i], "libraryname") {
            if i + 1 >= args.len() {
                return Err(CmdError::err("library name argument was not given"));
            }
            i += 2;
        } else {
            return Err(CmdError::err(format!("Unknown argument {}", String::from_utf8_lossy(&args[i]))));
        }
    }
    ctx.out().array(0);
    Ok(())
}

fn function_delete(_ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    Err(CmdError::err("Library not found"))
}

fn function_kill(_ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    Err(CmdError::text("NOTBUSY No scripts in execution right now."))
}

/// The payload of an empty function set: RDB version 10 and its CRC64.
const EMPTY_FUNCTIONS_DUMP: &[u8] = b"\n\0]\x9b\\@\x0f\x7f\xa2\xda";

fn function_dump(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.out().bulk(EMPTY_FUNCTIONS_DUMP);
    Ok(())
}

fn function_restore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 4 {
        return Err(CmdError::Syntax);
    }
    if args.len() == 4 && !(is(&args[3], "flush") || is(&args[3], "append") || is(&args[3], "replace")) {
        return Err(CmdError::err("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."));
    }
    if &args[2][..] != EMPTY_FUNCTIONS_DUMP {
        return Err(CmdError::err("DUMP payload version or checksum are wrong"));
    }
    ctx.out().ok();
    Ok(())
}

fn function_load(_ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut i = 2;
    while i < args.len() - 1 {
        if !is(&args[i], "replace") {
            return Err(CmdError::err(format!("Unknown option given: {}", String::from_utf8_lossy(&args[i]))));
        }
        i += 1;
    }
    let code = &args[args.len() - 1];
    if !code.starts_with(b"#!") {
        return Err(CmdError::err("Missing library metadata"));
    }
    let engine = code[2..].split(|&c| c == b' ' || c == b'\n').next().unwrap_or_default();
    Err(CmdError::err(format!("Engine '{}' not found", String::from_utf8_lossy(engine))))
}

fn function_stats(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let out = ctx.out();
    out.map(2);
    out.bulk(b"running_script");
    out.null();
    out.bulk(b"engines");
    out.map(1);
    out.bulk(b"LUA");
    out.map(2);
    out.bulk(b"libraries_count");
    out.int(0);
    out.bulk(b"functions_count");
    out.int(0);
    Ok(())
}
