//! EVAL EVALSHA EVAL_RO EVALSHA_RO and SCRIPT (LOAD EXISTS FLUSH KILL DEBUG
//! HELP). The engine, the script cache and the conversions live in
//! `crate::scripting`; these handlers parse arguments and answer.

use bytes::Bytes;

use super::args::is;
use super::command::reply_help;
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::scripting;

const G: Group = Group::Scripting;
const EVAL_SYNTAX: &str = "script numkeys [key [key ...]] [arg [arg ...]]";
const EVALSHA_SYNTAX: &str = "sha1 numkeys [key [key ...]] [arg [arg ...]]";
const EVAL_COMPLEXITY: &str = "Depends on the script that is executed.";

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("eval", -3, NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS, G, eval).getkeys(eval_keys).doc(
        "2.6.0",
        "Execute a Lua script server side",
        EVAL_COMPLEXITY,
        EVAL_SYNTAX,
    ),
    CommandSpec::new("evalsha", -3, NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS, G, evalsha)
        .getkeys(eval_keys)
        .doc("2.6.0", "Execute a Lua script server side", EVAL_COMPLEXITY, EVALSHA_SYNTAX),
    CommandSpec::new("eval_ro", -3, READONLY | NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS, G, eval_ro)
        .getkeys(eval_keys)
        .doc("7.0.0", "Execute a read-only Lua script server side", EVAL_COMPLEXITY, EVAL_SYNTAX),
    CommandSpec::new("evalsha_ro", -3, READONLY | NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS, G, evalsha_ro)
        .getkeys(eval_keys)
        .doc("7.0.0", "Execute a read-only Lua script server side", EVAL_COMPLEXITY, EVALSHA_SYNTAX),
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

fn eval(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    scripting::eval(ctx, args, false, false)
}

fn evalsha(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    scripting::eval(ctx, args, true, false)
}

fn eval_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    scripting::eval(ctx, args, false, true)
}

fn evalsha_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
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
    scripting::kill(ctx.srv)?;
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
