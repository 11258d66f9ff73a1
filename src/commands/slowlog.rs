//! SLOWLOG GET, LEN, RESET, HELP: reading and clearing the slow log
//! (`server::slowlog`, which the dispatcher fills).

use bytes::Bytes;

use super::command::{reply_help, subcommand_syntax_error};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::util::number::parse_i64;

const G: Group = Group::Server;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("slowlog", -2, 0, G, help).subcommands(SUBCOMMANDS).doc(
    "2.2.12",
    "A container for slow log commands",
    "Depends on subcommand.",
    "",
)];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", -2, ADMIN | LOADING | STALE, G, get).doc(
        "2.2.12",
        "Get the slow log's entries",
        "O(N) where N is the number of entries returned",
        "[count]",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, G, help).doc(
        "6.2.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("len", 2, ADMIN | LOADING | STALE, G, len).doc("2.2.12", "Get the slow log's length", "O(1)", ""),
    CommandSpec::new("reset", 2, ADMIN | LOADING | STALE, G, reset).doc(
        "2.2.12",
        "Clear all entries from the slow log",
        "O(N) where N is the number of entries in the slowlog",
        "",
    ),
];

const HELP: &[&str] = &[
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
];

/// Entries returned when GET names no count.
const DEFAULT_COUNT: usize = 10;

/// SLOWLOG HELP (also the container's handler, never reached: the
/// dispatcher resolves a subcommand or answers an error first).
fn help(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    reply_help(ctx.out(), &args[0], HELP);
    Ok(())
}

/// SLOWLOG GET [count]: the newest `count` entries (-1: all), each
/// `[id, unix time, µs, [args], "ip:port", name]`.
fn get(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let count = match args.len() {
        2 => DEFAULT_COUNT,
        3 => match parse_i64(&args[2]) {
            Some(-1) => usize::MAX,
            Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
            _ => return Err(CmdError::err("count should be greater than or equal to -1")),
        },
        _ => return Err(subcommand_syntax_error(args)),
    };
    let Ctx { srv, client } = ctx;
    let entries = &srv.slowlog.entries;
    let out = &mut client.out;
    out.array(entries.len().min(count));
    for e in entries.iter().take(count) {
        out.array(6);
        out.int(e.id as i64);
        out.int(e.time as i64);
        out.int(e.duration as i64);
        out.array(e.args.len());
        for a in &e.args {
            out.bulk(a);
        }
        out.bulk(e.peer.as_bytes());
        out.bulk(&e.client_name);
    }
    Ok(())
}

fn len(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let n = ctx.srv.slowlog.entries.len();
    ctx.out().int(n as i64);
    Ok(())
}

fn reset(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.srv.slowlog.reset();
    ctx.out().ok();
    Ok(())
}
