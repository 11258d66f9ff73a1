//! Connection commands: PING ECHO QUIT SELECT HELLO AUTH RESET.

use bytes::Bytes;

use super::args::{db_index, int, is, text};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::protocol::writer::Resp;
use crate::server::REDIS_VERSION;

const G: Group = Group::Connection;

pub static COMMANDS: &[CommandSpec] =
    &[
        CommandSpec::new("ping", -1, FAST, G, ping).doc("1.0.0", "Ping the server", "O(1)", "[message]"),
        CommandSpec::new("echo", 2, LOADING | STALE | FAST, G, echo).doc(
            "1.0.0",
            "Echo the given string",
            "O(1)",
            "message",
        ),
        CommandSpec::new("quit", -1, ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | TX_CONTROL, G, quit)
            .doc("1.0.0", "Close the connection", "O(1)", ""),
        CommandSpec::new("select", 2, LOADING | STALE | FAST, G, select).doc(
            "1.0.0",
            "Change the selected database for the current connection",
            "O(1)",
            "index",
        ),
        CommandSpec::new("hello", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, G, hello).doc(
            "6.0.0",
            "Handshake with Redis",
            "O(1)",
            "[protover [AUTH username password] [SETNAME clientname]]",
        ),
        CommandSpec::new("auth", -2, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, G, auth).doc(
            "1.0.0",
            "Authenticate to the server",
            "O(N) where N is the number of passwords defined for the user",
            "[username] password",
        ),
        CommandSpec::new("reset", 1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY | TX_CONTROL, G, reset)
            .doc("6.2.0", "Reset the connection", "O(1)", ""),
    ];

fn ping(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if crate::server::pubsub::resp2_subscribed(ctx.client) && args.len() <= 2 {
        let out = ctx.out();
        out.array(2);
        out.bulk(b"pong");
        out.bulk(args.get(1).map_or(&b""[..], |a| &a[..]));
        return Ok(());
    }
    match args.len() {
        1 => ctx.out().simple("PONG"),
        2 => ctx.out().bulk(&args[1]),
        _ => return Err(CmdError::WrongArity("ping".into())),
    }
    Ok(())
}

fn echo(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ctx.out().bulk(&args[1]);
    Ok(())
}

fn quit(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.out().ok();
    ctx.client.close_after_reply = true;
    Ok(())
}

fn select(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let db = db_index(&args[1], ctx.srv.config.databases)?;
    ctx.client.db = db;
    ctx.out().ok();
    Ok(())
}

fn auth(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (user, pass): (&[u8], &[u8]) = match args.len() {
        2 => {
            if ctx.srv.acl.user("default").is_none_or(|u| u.nopass()) {
                return Err(CmdError::err(
                    "AUTH <password> called without any password configured for the default user. \
                     Are you sure your configuration is correct?",
                ));
            }
            (b"default", &args[1])
        }
        3 => (&args[1], &args[2]),
        _ => return Err(CmdError::Syntax),
    };
    if !super::acl_cmd::authenticate(ctx, args, user, pass) {
        return Err(CmdError::WrongPass);
    }
    ctx.out().ok();
    Ok(())
}

/// A client name may not contain spaces, newlines or other special characters.
pub fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

fn hello(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut version = None;
    let mut i = 1;
    if args.len() >= 2 {
        let v = int(&args[1]).map_err(|_| CmdError::err("Protocol version is not an integer or out of range"))?;
        if !(2..=3).contains(&v) {
            return Err(CmdError::text("NOPROTO unsupported protocol version"));
        }
        version = Some(v);
        i = 2;
    }
    // Options take effect in order, as in Redis: a SETNAME before a failing
    // AUTH stays applied.
    while i < args.len() {
        let more = args.len() - i - 1;
        if is(&args[i], "auth") && more >= 2 {
            if !super::acl_cmd::authenticate(ctx, args, &args[i + 1], &args[i + 2]) {
                return Err(CmdError::WrongPass);
            }
            i += 3;
        } else if is(&args[i], "setname") && more >= 1 {
            set_client_name(ctx, &args[i + 1])?;
            i += 2;
        } else {
            return Err(CmdError::err(format!("Syntax error in HELLO option '{}'", text(&args[i]))));
        }
    }
    if !ctx.client.authenticated {
        return Err(CmdError::text(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH \
             <user> <pass> option can be used to authenticate the client and select the RESP protocol version \
             at the same time",
        ));
    }
    if let Some(v) = version {
        ctx.client.out.resp = if v == 3 { Resp::Three } else { Resp::Two };
    }
    let id = ctx.client.id as i64;
    let proto = ctx.client.out.resp.number();
    let out = ctx.out();
    out.map(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(proto);
    out.bulk(b"id");
    out.int(id);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array(0);
    Ok(())
}

/// Sets (or, with an empty name, clears) the client's name, with Redis's
/// check and error (CLIENT SETNAME, HELLO SETNAME).
pub fn set_client_name(ctx: &mut Ctx, name: &Bytes) -> CmdResult {
    if !valid_client_name(name) {
        return Err(CmdError::err("Client names cannot contain spaces, newlines or special characters."));
    }
    // Copied: a slice would pin the whole query buffer.
    ctx.client.name = (!name.is_empty()).then(|| Bytes::copy_from_slice(name));
    Ok(())
}

/// RESET: the connection goes back to its initial state (database 0,
/// RESP2, no name, replies on, authenticated only without a password).
fn reset(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let auth_required = ctx.srv.auth_required();
    super::transactions::discard_transaction(ctx.srv, ctx.client);
    crate::server::pubsub::forget(ctx.srv, ctx.client);
    crate::server::monitor::stop(ctx.srv, ctx.client);
    crate::server::tracking::disable(ctx.srv, ctx.client);
    ctx.client.reset_connection_state(auth_required);
    ctx.out().simple("RESET");
    Ok(())
}
