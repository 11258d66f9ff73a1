//! EVAL EVALSHA EVAL_RO EVALSHA_RO, SCRIPT (LOAD EXISTS FLUSH KILL DEBUG
//! HELP), FCALL FCALL_RO and FUNCTION (LOAD DELETE FLUSH LIST STATS KILL
//! DUMP RESTORE HELP). The engines, the script cache, the function
//! libraries and the conversions live in `crate::scripting`; these handlers
//! parse arguments and answer.

use bytes::Bytes;

use super::args::is;
use super::command::{reply_help, subcommand_syntax_error};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::scripting;
use crate::scripting::functions::RestorePolicy;

const G: Group = Group::Scripting;
const EVAL_SYNTAX: &str = "script numkeys [key [key ...]] [arg [arg ...]]";
const EVALSHA_SYNTAX: &str = "sha1 numkeys [key [key ...]] [arg [arg ...]]";
const EVAL_COMPLEXITY: &str = "Depends on the script that is executed.";
const FCALL_SYNTAX: &str = "function numkeys [key [key ...]] [arg [arg ...]]";

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("eval", -3, NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MAY_REPLICATE, G, eval)
        .getkeys(eval_keys)
        .doc("2.6.0", "Execute a Lua script server side", EVAL_COMPLEXITY, EVAL_SYNTAX),
    CommandSpec::new("evalsha", -3, NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MAY_REPLICATE, G, evalsha)
        .getkeys(eval_keys)
        .doc("2.6.0", "Execute a Lua script server side", EVAL_COMPLEXITY, EVALSHA_SYNTAX),
    CommandSpec::new("eval_ro", -3, READONLY | NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS, G, eval_ro)
        .getkeys(eval_keys)
        .doc("7.0.0", "Execute a read-only Lua script server side", EVAL_COMPLEXITY, EVAL_SYNTAX),
    CommandSpec::new("evalsha_ro", -3, READONLY | NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS, G, evalsha_ro)
        .getkeys(eval_keys)
        .doc("7.0.0", "Execute a read-only Lua script server side", EVAL_COMPLEXITY, EVALSHA_SYNTAX),
    CommandSpec::new("fcall", -3, NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MAY_REPLICATE, G, fcall)
        .getkeys(eval_keys)
        .doc("7.0.0", "Invoke a function", "Depends on the function that is executed.", FCALL_SYNTAX),
    CommandSpec::new("fcall_ro", -3, READONLY | NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS, G, fcall_ro)
        .getkeys(eval_keys)
        .doc("7.0.0", "Invoke a read-only function", "Depends on the function that is executed.", FCALL_SYNTAX),
    CommandSpec::new("function", -2, 0, G, function_help).subcommands(FUNCTION).doc(
        "7.0.0",
        "A container for function commands",
        "Depends on subcommand.",
        "",
    ),
    CommandSpec::new("script", -2, 0, G, script_help).subcommands(SCRIPT).doc(
        "2.6.0",
        "A container for Lua scripts management commands",
        "Depends on subcommand.",
        "",
    ),
];

static SCRIPT: &[CommandSpec] = &[
    CommandSpec::new("help", 2, LOADING | STALE, G, script_help).doc(
        "5.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("exists", -3, NOSCRIPT, G, script_exists).doc(
        "2.6.0",
        "Check existence of scripts in the script cache.",
        "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
        "sha1 [sha1 ...]",
    ),
    CommandSpec::new("flush", -2, NOSCRIPT, G, script_flush).doc(
        "2.6.0",
        "Remove all the scripts from the script cache.",
        "O(N) with N being the number of scripts in cache",
        "[ASYNC | SYNC]",
    ),
    CommandSpec::new("kill", 2, NOSCRIPT | ALLOW_BUSY, G, script_kill).doc(
        "2.6.0",
        "Kill the script currently in execution.",
        "O(1)",
        "",
    ),
    CommandSpec::new("debug", 3, NOSCRIPT, G, script_debug).doc(
        "3.2.0",
        "Set the debug mode for executed scripts.",
        "O(1)",
        "<YES | SYNC | NO>",
    ),
    CommandSpec::new("load", 3, NOSCRIPT | STALE, G, script_load).doc(
        "2.6.0",
        "Load the specified Lua script into the script cache.",
        "O(N) with N being the length in bytes of the script body.",
        "script",
    ),
];

static FUNCTION: &[CommandSpec] = &[
    CommandSpec::new("delete", 3, NOSCRIPT | WRITE, G, function_delete).doc(
        "7.0.0",
        "Delete a function by name",
        "O(1)",
        "library-name",
    ),
    CommandSpec::new("dump", 2, NOSCRIPT, G, function_dump).doc(
        "7.0.0",
        "Dump all functions into a serialized binary payload",
        "O(N) where N is the number of functions",
        "",
    ),
    CommandSpec::new("flush", -2, NOSCRIPT | WRITE, G, function_flush).doc(
        "7.0.0",
        "Deleting all functions",
        "O(N) where N is the number of functions deleted",
        "[ASYNC | SYNC]",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, G, function_help).doc(
        "7.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("kill", 2, NOSCRIPT | ALLOW_BUSY, G, function_kill).doc(
        "7.0.0",
        "Kill the function currently in execution.",
        "O(1)",
        "",
    ),
    CommandSpec::new("list", -2, NOSCRIPT, G, function_list).doc(
        "7.0.0",
        "List information about all the functions",
        "O(N) where N is the number of functions",
        "[LIBRARYNAME library-name-pattern] [WITHCODE]",
    ),
    CommandSpec::new("load", -3, NOSCRIPT | WRITE | DENYOOM, G, function_load).doc(
        "7.0.0",
        "Create a function with the given arguments (name, code, description)",
        "O(1) (considering compilation time is redundant)",
        "[REPLACE] function-code",
    ),
    CommandSpec::new("restore", -3, NOSCRIPT | WRITE | DENYOOM, G, function_restore).doc(
        "7.0.0",
        "Restore all the functions on the given payload",
        "O(N) where N is the number of functions on the payload",
        "serialized-value [FLUSH | APPEND | REPLACE]",
    ),
    CommandSpec::new("stats", 2, NOSCRIPT | ALLOW_BUSY, G, function_stats).doc(
        "7.0.0",
        "Return information about the function currently running (name, description, duration)",
        "O(1)",
        "",
    ),
];

/// EVAL's keys: `numkeys` of them after it (none when it is not a number
/// that fits, as Redis's `evalGetKeys`).
fn eval_keys(args: &[Bytes]) -> Vec<usize> {
    let Some(n) = args.get(2).and_then(|a| crate::util::number::parse_i64(a)) else {
        return Vec::new();
    };
    if n <= 0 || n > (args.len() as i64 - 3) {
        return Vec::new();
    }
    (3..3 + n as usize).collect()
}

/// EVAL and FCALL show themselves to MONITOR before their script runs, so
/// the script's commands follow them (they are flagged `skip_monitor`).
fn monitored(ctx: &mut Ctx, args: &[Bytes]) {
    // Scripts replicate their effects (the commands they ran), never
    // themselves.
    ctx.prevent_propagation();
    crate::server::monitor::feed(ctx.srv, ctx.client, args);
}

fn eval(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    monitored(ctx, args);
    scripting::eval(ctx, args, false, false)
}

fn evalsha(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    monitored(ctx, args);
    scripting::eval(ctx, args, true, false)
}

fn eval_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    monitored(ctx, args);
    scripting::eval(ctx, args, false, true)
}

fn evalsha_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    monitored(ctx, args);
    scripting::eval(ctx, args, true, true)
}

fn script_help(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    const LINES: &[&str] = &[
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
    ];
    reply_help(ctx.out(), &args[0], LINES);
    Ok(())
}

fn script_exists(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (srv, out) = (&ctx.srv, &mut ctx.client.out);
    out.array(args.len() - 2);
    for sha in &args[2..] {
        out.int(i64::from(srv.scripting.exists(sha)));
    }
    Ok(())
}

/// SCRIPT FLUSH [ASYNC|SYNC]: both drop the cache and the Lua state at once
/// (there is nothing large to free in the background).
fn script_flush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let ok = match args.len() {
        2 => true,
        3 => is(&args[2], "sync") || is(&args[2], "async"),
        _ => false,
    };
    if !ok {
        return Err(CmdError::err("SCRIPT FLUSH only support SYNC|ASYNC option"));
    }
    ctx.srv.scripting.flush();
    ctx.out().ok();
    Ok(())
}

fn script_kill(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    scripting::kill(ctx.srv, true)?;
    ctx.out().ok();
    Ok(())
}

/// SCRIPT DEBUG: there is no Lua debugger (LDB); NO is accepted.
fn script_debug(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if is(&args[2], "no") {
        ctx.out().ok();
        return Ok(());
    }
    if is(&args[2], "yes") || is(&args[2], "sync") {
        return Err(CmdError::err("SCRIPT DEBUG is not supported by this server (no Lua debugger)"));
    }
    Err(CmdError::err("Use SCRIPT DEBUG YES/SYNC/NO"))
}

fn script_load(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (sha, _) = ctx.srv.scripting.create(&args[2])?;
    ctx.out().bulk(&sha);
    Ok(())
}

fn fcall(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    monitored(ctx, args);
    scripting::fcall(ctx, args, false)
}

fn fcall_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    monitored(ctx, args);
    scripting::fcall(ctx, args, true)
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
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
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

/// FUNCTION LOAD [REPLACE] code.
fn function_load(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut replace = false;
    for opt in &args[2..args.len() - 1] {
        if !is(opt, "replace") {
            return Err(CmdError::err(format!("Unknown option given: {}", String::from_utf8_lossy(opt))));
        }
        replace = true;
    }
    let name = ctx.srv.scripting.functions.load(&args[args.len() - 1], replace).map_err(CmdError::err)?;
    ctx.srv.dirty += 1;
    ctx.out().bulk(name.as_bytes());
    Ok(())
}

fn function_delete(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if !ctx.srv.scripting.functions.delete(&String::from_utf8_lossy(&args[2])) {
        return Err(CmdError::err("Library not found"));
    }
    ctx.srv.dirty += 1;
    ctx.out().ok();
    Ok(())
}

/// FUNCTION FLUSH [ASYNC|SYNC] (both at once: there is little to free).
fn function_flush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(subcommand_syntax_error(args));
    }
    if args.len() == 3 && !(is(&args[2], "sync") || is(&args[2], "async")) {
        return Err(CmdError::err("FUNCTION FLUSH only supports SYNC|ASYNC option"));
    }
    ctx.srv.scripting.functions.flush();
    ctx.srv.dirty += 1;
    ctx.out().ok();
    Ok(())
}

/// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE].
fn function_list(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (mut with_code, mut pattern): (bool, Option<&[u8]>) = (false, None);
    let mut i = 2;
    while i < args.len() {
        if !with_code && is(&args[i], "withcode") {
            with_code = true;
        } else if pattern.is_none() && is(&args[i], "libraryname") {
            if i >= args.len() - 1 {
                return Err(CmdError::err("library name argument was not given"));
            }
            i += 1;
            pattern = Some(&args[i]);
        } else {
            return Err(CmdError::err(format!("Unknown argument {}", String::from_utf8_lossy(&args[i]))));
        }
        i += 1;
    }
    let (srv, out) = (&ctx.srv, &mut ctx.client.out);
    let libs: Vec<_> = srv
        .scripting
        .functions
        .libraries
        .values()
        .filter(|l| pattern.is_none_or(|p| crate::util::glob::glob_match(p, l.name.as_bytes(), true)))
        .collect();
    out.array(libs.len());
    for lib in libs {
        out.map(if with_code { 4 } else { 3 });
        out.bulk(b"library_name");
        out.bulk(lib.name.as_bytes());
        out.bulk(b"engine");
        out.bulk(b"LUA");
        out.bulk(b"functions");
        out.array(lib.functions.len());
        for f in &lib.functions {
            out.map(3);
            out.bulk(b"name");
            out.bulk(f.name.as_bytes());
            out.bulk(b"description");
            match &f.desc {
                Some(d) => out.bulk(d),
                None => out.null(),
            }
            out.bulk(b"flags");
            let flags = f.flags;
            let names: Vec<&str> = [
                (flags.no_writes, "no-writes"),
                (flags.allow_oom, "allow-oom"),
                (flags.allow_stale, "allow-stale"),
                (flags.no_cluster, "no-cluster"),
                (flags.allow_cross_slot, "allow-cross-slot-keys"),
            ]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
            out.set(names.len());
            for n in names {
                out.simple(n);
            }
        }
        if with_code {
            out.bulk(b"library_code");
            out.bulk(&lib.code);
        }
    }
    Ok(())
}

fn function_kill(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    scripting::kill(ctx.srv, false)?;
    ctx.out().ok();
    Ok(())
}

/// FUNCTION STATS: the running function (while one is busy) and the engine.
fn function_stats(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let srv = &ctx.srv;
    if srv.scripting.run.as_ref().is_some_and(|r| r.origin.is_eval()) {
        return Err(scripting::BUSY_EVAL);
    }
    let out = &mut ctx.client.out;
    out.map(2);
    out.bulk(b"running_script");
    match &srv.scripting.run {
        Some(run) => {
            out.map(3);
            out.bulk(b"name");
            out.bulk(run.origin.name().as_bytes());
            out.bulk(b"command");
            let command: &[Bytes] = match &run.origin {
                scripting::Origin::Function { command, .. } => command,
                scripting::Origin::Eval(_) => &[],
            };
            out.array(command.len());
            for a in command {
                out.bulk(a);
            }
            out.bulk(b"duration_ms");
            out.int(crate::util::time::unix_ms().saturating_sub(run.start_ms) as i64);
        }
        None => out.null(),
    }
    let functions = &srv.scripting.functions;
    out.bulk(b"engines");
    out.map(1);
    out.bulk(b"LUA");
    out.map(2);
    out.bulk(b"libraries_count");
    out.int(functions.libraries.len() as i64);
    out.bulk(b"functions_count");
    out.int(functions.function_count() as i64);
    Ok(())
}

fn function_dump(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let libs = &ctx.srv.scripting.functions.libraries;
    let payload = scripting::dump::dump(libs.values().map(|l| &l.code[..]));
    ctx.client.out.bulk(&payload);
    Ok(())
}

/// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE].
fn function_restore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 4 {
        return Err(subcommand_syntax_error(args));
    }
    let policy = match args.get(3) {
        None => RestorePolicy::Append,
        Some(p) if is(p, "append") => RestorePolicy::Append,
        Some(p) if is(p, "replace") => RestorePolicy::Replace,
        Some(p) if is(p, "flush") => RestorePolicy::Flush,
        Some(_) => {
            return Err(CmdError::err("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."));
        }
    };
    let codes = scripting::dump::parse(&args[2]).map_err(|e| match e {
        scripting::dump::RestoreError::Payload => CmdError::err("DUMP payload version or checksum are wrong"),
        scripting::dump::RestoreError::Text(t) => CmdError::err(t),
    })?;
    ctx.srv.scripting.functions.restore(codes, policy).map_err(CmdError::err)?;
    ctx.srv.dirty += 1;
    ctx.out().ok();
    Ok(())
}
