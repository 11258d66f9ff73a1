//! CLIENT and its subcommands: connection introspection (ID, INFO, LIST),
//! naming, killing, reply modes and the flags a connection can set.

use bytes::Bytes;

use super::args::{int, is, text};
use super::command::{reply_help, subcommand_syntax_error};
use super::connection::set_client_name;
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group, table};
use crate::server::client::{Client, ClientType, ReplyMode};
use crate::server::pause::{self, PauseKind};
use crate::util::number::parse_i64;

const G: Group = Group::Connection;
/// Flags shared by most CLIENT subcommands.
const F: u32 = NOSCRIPT | LOADING | STALE;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("client", -2, 0, G, help).subcommands(SUBCOMMANDS).doc(
    "2.4.0",
    "A container for client connection commands",
    "Depends on subcommand.",
    "",
)];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("caching", 3, F, G, caching).doc(
        "6.0.0",
        "Instruct the server about tracking or not keys in the next request",
        "O(1)",
        "<YES | NO>",
    ),
    CommandSpec::new("getname", 2, F, G, getname).doc("2.6.9", "Get the current connection name", "O(1)", ""),
    CommandSpec::new("getredir", 2, F, G, getredir).doc(
        "6.0.0",
        "Get tracking notifications redirection client ID if any",
        "O(1)",
        "",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, G, help).doc(
        "5.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("id", 2, F, G, id).doc("5.0.0", "Returns the client ID for the current connection", "O(1)", ""),
    CommandSpec::new("info", 2, F, G, info).doc(
        "6.2.0",
        "Returns information about the current client connection.",
        "O(1)",
        "",
    ),
    CommandSpec::new("kill", -3, ADMIN | F, G, kill).doc(
        "2.4.0",
        "Kill the connection of a client",
        "O(N) where N is the number of client connections",
        "<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | \
         [ADDR ip:port] | [LADDR ip:port] | [SKIPME yes/no]> [<[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | \
         REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME yes/no]> ...]>",
    ),
    CommandSpec::new("list", -2, ADMIN | F, G, list).doc(
        "2.4.0",
        "Get the list of client connections",
        "O(N) where N is the number of client connections",
        "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]",
    ),
    CommandSpec::new("no-evict", 3, ADMIN | F, G, no_evict).doc(
        "7.0.0",
        "Set client eviction mode for the current connection",
        "O(1)",
        "<ON | OFF>",
    ),
    // Redis 7.2; accepted (and hidden from COMMAND) for clients that send it.
    CommandSpec::new("no-touch", 3, F, G, no_touch).doc(
        "7.2.0",
        "Controls whether commands sent by the client will alter the LRU/LFU of the keys they access.",
        "O(1)",
        "<ON | OFF>",
    ),
    CommandSpec::new("pause", -3, ADMIN | F, G, pause).doc(
        "2.9.50",
        "Stop processing commands from clients for some time",
        "O(1)",
        "timeout [WRITE | ALL]",
    ),
    CommandSpec::new("reply", 3, F, G, reply).doc(
        "3.2.0",
        "Instruct the server whether to reply to commands",
        "O(1)",
        "<ON | OFF | SKIP>",
    ),
    CommandSpec::new("setinfo", 4, F, G, setinfo).doc(
        "7.2.0",
        "Set client or connection specific info",
        "O(1)",
        "<LIB-NAME libname | LIB-VER libver>",
    ),
    CommandSpec::new("setname", 3, F, G, setname).doc(
        "2.6.9",
        "Set the current connection name",
        "O(1)",
        "connection-name",
    ),
    CommandSpec::new("tracking", -3, F, G, tracking).doc(
        "6.0.0",
        "Enable or disable server assisted client side caching support",
        "O(1). Some options may introduce additional complexity.",
        "<ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]",
    ),
    CommandSpec::new("trackinginfo", 2, F, G, trackinginfo).doc(
        "6.2.0",
        "Return information about server assisted client side caching for the current connection",
        "O(1)",
        "",
    ),
    CommandSpec::new("unblock", -3, ADMIN | F, G, unblock).doc(
        "5.0.0",
        "Unblock a client blocked in a blocking command from a different connection",
        "O(log N) where N is the number of client connections",
        "client-id [TIMEOUT | ERROR]",
    ),
    CommandSpec::new("unpause", 2, ADMIN | F, G, unpause).doc(
        "6.2.0",
        "Resume processing of clients that were paused",
        "O(N) Where N is the number of paused clients",
        "",
    ),
];

fn help(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    const LINES: &[&str] = &[
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
    ];
    reply_help(ctx.out(), &args[0], LINES);
    Ok(())
}

fn id(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let id = ctx.client.id as i64;
    ctx.out().int(id);
    Ok(())
}

/// Appends `c`'s CLIENT LIST line and a newline. `me` is the caller, whose
/// running command's arguments (`argv_mem`) count only for itself; other
/// clients count the arguments they hold while blocked or postponed.
fn push_line(out: &mut String, c: &Client, me_id: u64, argv_mem: usize) {
    let cmd = c.last_cmd.map(|i| table().entries[i].fullname.as_str());
    c.write_info_line(out, cmd, if c.id == me_id { argv_mem } else { c.held_argv_mem() });
    out.push('\n');
}

fn argv_mem(args: &[Bytes]) -> usize {
    args.iter().map(|a| a.len()).sum()
}

fn info(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut s = String::new();
    push_line(&mut s, ctx.client, ctx.client.id, argv_mem(args));
    ctx.out().verbatim("txt", s.as_bytes());
    Ok(())
}

fn list(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let me = ctx.client.id;
    let mem = argv_mem(args);
    let mut s = String::new();
    if args.len() == 4 && is(&args[2], "type") {
        let Some(kind) = ClientType::from_name(&args[3]) else {
            return Err(CmdError::err(format!("Unknown client type '{}'", text(&args[3]))));
        };
        ctx.srv.clients.for_each(ctx.client, |c| {
            if c.client_type() == kind {
                push_line(&mut s, c, me, mem);
            }
        });
    } else if args.len() > 3 && is(&args[2], "id") {
        let mut ids = Vec::with_capacity(args.len() - 3);
        for a in &args[3..] {
            ids.push(parse_i64(a).ok_or_else(|| CmdError::err("Invalid client ID"))?);
        }
        for id in ids {
            if id == me as i64 {
                push_line(&mut s, ctx.client, me, mem);
            } else if let Some(slot) = ctx.srv.clients.get(id as u64)
                && let Ok(c) = slot.state.try_borrow()
            {
                push_line(&mut s, &c, me, mem);
            }
        }
    } else if args.len() != 2 {
        return Err(CmdError::Syntax);
    } else {
        ctx.srv.clients.for_each(ctx.client, |c| push_line(&mut s, c, me, mem));
    }
    ctx.out().verbatim("txt", s.as_bytes());
    Ok(())
}

fn kill(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut user: Option<&[u8]> = None;
    let mut kind: Option<ClientType> = None;
    let mut id: Option<u64> = None;
    let old_form = args.len() == 3;
    // The old form `CLIENT KILL addr` may kill the caller itself.
    let mut skipme = !old_form;
    if old_form {
        addr = Some(&args[2]);
    } else {
        let mut i = 2;
        while i < args.len() {
            if i + 1 >= args.len() {
                return Err(CmdError::Syntax);
            }
            let (opt, val) = (&args[i], &args[i + 1]);
            if is(opt, "id") {
                let n = parse_i64(val).filter(|&n| n >= 1);
                id = Some(n.ok_or_else(|| CmdError::err("client-id should be greater than 0"))? as u64);
            } else if is(opt, "type") {
                kind = Some(
                    ClientType::from_name(val)
                        .ok_or_else(|| CmdError::err(format!("Unknown client type '{}'", text(val))))?,
                );
            } else if is(opt, "addr") {
                addr = Some(val);
            } else if is(opt, "laddr") {
                laddr = Some(val);
            } else if is(opt, "user") {
                if std::str::from_utf8(val).ok().and_then(|name| ctx.srv.acl.user(name)).is_none() {
                    return Err(CmdError::err(format!("No such user '{}'", text(val))));
                }
                user = Some(val);
            } else if is(opt, "skipme") {
                skipme = if is(val, "yes") {
                    true
                } else if is(val, "no") {
                    false
                } else {
                    return Err(CmdError::Syntax);
                };
            } else {
                return Err(CmdError::Syntax);
            }
            i += 2;
        }
    }
    let me = ctx.client.id;
    let mut victims = Vec::new();
    ctx.srv.clients.for_each(ctx.client, |c| {
        let matches = addr.is_none_or(|a| a == c.addr.as_bytes())
            && laddr.is_none_or(|a| a == c.laddr.as_bytes())
            && kind.is_none_or(|k| k == c.client_type())
            && id.is_none_or(|i| i == c.id)
            && user.is_none_or(|u| u == c.user.as_bytes())
            && !(skipme && c.id == me);
        if matches {
            victims.push(c.id);
        }
    });
    let mut killed = 0;
    let mut close_me = false;
    for v in victims {
        if v == me {
            close_me = true;
            killed += 1;
        } else {
            // Forgotten everywhere now, as Redis frees the client at once
            // (its task, woken, only closes the socket).
            crate::server::pubsub::forget_id(ctx.srv, v);
            if let Some(slot) = ctx.srv.clients.get(v).cloned()
                && let Ok(mut victim) = slot.state.try_borrow_mut()
            {
                crate::server::blocking::unregister(ctx.srv, &mut victim);
                super::transactions::unwatch_all(ctx.srv, &mut victim);
                crate::server::monitor::stop(ctx.srv, &mut victim);
            }
            if ctx.srv.clients.kill(v) {
                killed += 1;
            }
        }
    }
    if old_form {
        if killed == 0 {
            return Err(CmdError::err("No such client"));
        }
        ctx.out().ok();
    } else {
        ctx.out().int(killed);
    }
    // Flagged only after the reply is queued, so the reply still goes out.
    if close_me {
        ctx.client.close_after_reply = true;
    }
    Ok(())
}

fn reply(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mode = &args[2];
    if is(mode, "on") {
        ctx.client.reply_mode = ReplyMode::On;
        ctx.out().ok();
    } else if is(mode, "off") {
        ctx.client.reply_mode = ReplyMode::Off;
    } else if is(mode, "skip") {
        if ctx.client.reply_mode != ReplyMode::Off {
            ctx.client.reply_mode = ReplyMode::Skip;
        }
    } else {
        return Err(CmdError::Syntax);
    }
    Ok(())
}

/// Parses `ON`/`OFF` (anything else: syntax error).
fn on_off(arg: &[u8]) -> Result<bool, CmdError> {
    if is(arg, "on") {
        Ok(true)
    } else if is(arg, "off") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

fn no_evict(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ctx.client.no_evict = on_off(&args[2])?;
    ctx.out().ok();
    Ok(())
}

fn no_touch(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ctx.client.no_touch = on_off(&args[2])?;
    ctx.out().ok();
    Ok(())
}

fn setname(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    set_client_name(ctx, &args[2])?;
    ctx.out().ok();
    Ok(())
}

fn getname(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    match ctx.client.name.clone() {
        Some(n) => ctx.out().bulk(&n),
        None => ctx.out().null(),
    }
    Ok(())
}

/// CLIENT SETINFO LIB-NAME|LIB-VER value, as Redis 7.2 answers it (7.0 has
/// no SETINFO; redis-py 8 sends it on every connection, and answering it
/// keeps those connections from counting two error replies each).
fn setinfo(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (attr, value) = (&args[2], &args[3]);
    if !value.iter().all(|&c| (b'!'..=b'~').contains(&c)) {
        return Err(CmdError::err(format!(
            "{} cannot contain spaces, newlines or special characters.",
            text(attr).to_ascii_uppercase()
        )));
    }
    let value = (!value.is_empty()).then(|| Bytes::copy_from_slice(value));
    if is(attr, "lib-name") {
        ctx.client.lib_name = value;
    } else if is(attr, "lib-ver") {
        ctx.client.lib_ver = value;
    } else {
        return Err(CmdError::err(format!("Unrecognized option '{}'", text(attr))));
    }
    ctx.out().ok();
    Ok(())
}

/// CLIENT PAUSE timeout [WRITE|ALL]: validated and acknowledged. Pausing is
/// not implemented yet: clients keep being served.
fn pause(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 4 {
        return Err(subcommand_syntax_error(args));
    }
    if args.len() == 4 && !is(&args[3], "write") && !is(&args[3], "all") {
        return Err(CmdError::err("CLIENT PAUSE mode must be WRITE or ALL"));
    }
    let kind = if args.len() == 4 && is(&args[3], "write") { PauseKind::Write } else { PauseKind::All };
    let now = ctx.now();
    // A timeout of 0 ends at once (Redis's end time 0).
    let end = super::args::timeout_ms(&args[2], now)?.map_or(0, |d| now + d.as_millis() as u64);
    pause::pause(ctx.srv, end, kind);
    ctx.out().ok();
    Ok(())
}

fn unpause(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    pause::unpause(ctx.srv);
    ctx.out().ok();
    Ok(())
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: a blocked client answers as on
/// timeout, or with the UNBLOCKED error, and goes on with its next command.
fn unblock(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 4 {
        return Err(subcommand_syntax_error(args));
    }
    if args.len() == 4 && !is(&args[3], "timeout") && !is(&args[3], "error") {
        return Err(CmdError::err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
    }
    let id = int(&args[2])?;
    let with_error = args.len() == 4 && is(&args[3], "error");
    // The caller is never blocked, so the target is always another client.
    let target =
        u64::try_from(id).ok().filter(|&id| id != ctx.client.id).and_then(|id| ctx.srv.clients.get(id).cloned());
    let Some(slot) = target else {
        ctx.out().int(0);
        return Ok(());
    };
    let mut other = slot.state.borrow_mut();
    if other.blocked.is_none() {
        ctx.out().int(0);
        return Ok(());
    }
    if with_error {
        crate::server::blocking::unregister(ctx.srv, &mut other);
        const MSG: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
        ctx.srv.stats.error(MSG);
        other.out.error(MSG);
    } else {
        crate::server::blocking::time_out(ctx.srv, &mut other);
    }
    drop(other);
    slot.wake.notify_one();
    ctx.out().int(1);
    Ok(())
}

/// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN]
/// [OPTOUT] [NOLOOP]: the options are parsed before ON/OFF is looked at,
/// then checked in Redis's order (`server::tracking` does the rest).
fn tracking(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    use crate::server::tracking;
    let mut opts = tracking::Options::default();
    let mut prefixes: Vec<&[u8]> = Vec::new();
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        let a = &args[j];
        if is(a, "redirect") && more {
            j += 1;
            if opts.redirect != 0 {
                return Err(CmdError::err("A client can only redirect to a single other client"));
            }
            let id = parse_i64(&args[j]).ok_or(CmdError::NotInteger)?;
            let exists = u64::try_from(id).is_ok_and(|id| id == ctx.client.id || ctx.srv.clients.get(id).is_some());
            if !exists {
                return Err(CmdError::err("The client ID you want redirect to does not exist"));
            }
            opts.redirect = id as u64;
        } else if is(a, "bcast") {
            opts.bcast = true;
        } else if is(a, "optin") {
            opts.optin = true;
        } else if is(a, "optout") {
            opts.optout = true;
        } else if is(a, "noloop") {
            opts.noloop = true;
        } else if is(a, "prefix") && more {
            j += 1;
            prefixes.push(&args[j]);
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if is(&args[2], "off") {
        tracking::disable(ctx.srv, ctx.client);
        ctx.out().ok();
        return Ok(());
    }
    if !is(&args[2], "on") {
        return Err(CmdError::Syntax);
    }
    if !opts.bcast && !prefixes.is_empty() {
        return Err(CmdError::err("PREFIX option requires BCAST mode to be enabled"));
    }
    if ctx.client.tracking.as_ref().is_some_and(|t| t.bcast != opts.bcast) {
        return Err(CmdError::err(
            "You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling \
             it with a different mode.",
        ));
    }
    if opts.bcast && (opts.optin || opts.optout) {
        return Err(CmdError::err("OPTIN and OPTOUT are not compatible with BCAST"));
    }
    if opts.optin && opts.optout {
        return Err(CmdError::err("You can't specify both OPTIN mode and OPTOUT mode"));
    }
    if let Some(t) = ctx.client.tracking.as_ref()
        && ((opts.optin && t.optout) || (opts.optout && t.optin))
    {
        return Err(CmdError::err(
            "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling \
             it with a different mode.",
        ));
    }
    if opts.bcast
        && let Err((msg, stop)) = tracking::check_prefixes(ctx.client, &prefixes)
    {
        if stop {
            return Err(CmdError::Other(msg.into()));
        }
        // Redis 7.0 reports an overlap found after the first prefix and
        // enables tracking all the same: an error, then +OK.
        ctx.srv.stats.error(msg.as_bytes());
        ctx.out().error(msg.as_bytes());
    }
    tracking::enable(ctx.srv, ctx.client, opts, &prefixes);
    ctx.out().ok();
    Ok(())
}

/// CLIENT CACHING YES|NO (OPTIN / OPTOUT modes).
fn caching(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let Some(t) = ctx.client.tracking.as_mut() else {
        return Err(CmdError::err(
            "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        ));
    };
    if is(&args[2], "yes") {
        if !t.optin {
            return Err(CmdError::err("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."));
        }
    } else if is(&args[2], "no") {
        if !t.optout {
            return Err(CmdError::err("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."));
        }
    } else {
        return Err(CmdError::Syntax);
    }
    t.caching = true;
    ctx.out().ok();
    Ok(())
}

fn getredir(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let redir = ctx.client.tracking.as_ref().map_or(-1, |t| t.redirect as i64);
    ctx.out().int(redir);
    Ok(())
}

/// CLIENT TRACKINGINFO: flags (a set), redirect, prefixes.
fn trackinginfo(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let t = ctx.client.tracking.as_deref();
    let mut flags: Vec<&[u8]> = vec![if t.is_some() { b"on" } else { b"off" }];
    if let Some(t) = t {
        if t.bcast {
            flags.push(b"bcast");
        }
        if t.optin {
            flags.push(b"optin");
            if t.caching {
                flags.push(b"caching-yes");
            }
        }
        if t.optout {
            flags.push(b"optout");
            if t.caching {
                flags.push(b"caching-no");
            }
        }
        if t.noloop {
            flags.push(b"noloop");
        }
        if t.broken_redirect {
            flags.push(b"broken_redirect");
        }
    }
    let redirect = t.map_or(-1, |t| t.redirect as i64);
    let prefixes: Vec<Vec<u8>> = t.map(|t| t.prefixes.iter().cloned().collect()).unwrap_or_default();
    let out = &mut ctx.client.out;
    out.map(3);
    out.bulk(b"flags");
    out.set(flags.len());
    for f in flags {
        out.bulk(f);
    }
    out.bulk(b"redirect");
    out.int(redirect);
    out.bulk(b"prefixes");
    out.array(prefixes.len());
    for p in &prefixes {
        out.bulk(p);
    }
    Ok(())
}
