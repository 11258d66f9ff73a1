//! From a decoded request to a reply: command lookup, existence and arity
//! checks, authentication, then the handler; errors are written and counted
//! here, in one place. Every rule comes from the command table.

use std::time::Instant;

use bytes::Bytes;

use super::Server;
use super::client::{Client, ReplyMode};
use crate::commands::{self, CmdError, Ctx, arity_ok, flags};
use crate::util::time::unix_ms;

/// Resolves `args` to a table entry id, or the error Redis gives.
pub fn resolve(args: &[Bytes]) -> Result<usize, CmdError> {
    let t = commands::table();
    let Some(id) = t.lookup(&args[0]) else {
        return Err(unknown_command(args));
    };
    let spec = t.entries[id].spec;
    if spec.subcommands.is_empty() || args.len() == 1 {
        return Ok(id);
    }
    t.lookup_sub(id, &args[1]).ok_or_else(|| CmdError::UnknownSubcommand {
        sub: truncate(&args[1], 128),
        container: spec.name.to_ascii_uppercase(),
    })
}

fn truncate(arg: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&arg[..arg.len().min(max)]).into_owned()
}

fn unknown_command(args: &[Bytes]) -> CmdError {
    let mut list = String::new();
    for a in &args[1..] {
        if list.len() >= 128 {
            break;
        }
        let room = 128 - list.len();
        list.push('\'');
        list.push_str(&truncate(a, room));
        list.push_str("' ");
    }
    CmdError::UnknownCommand { name: truncate(&args[0], 128), args: list }
}

/// Runs one request for `client` and appends its reply to `client.out`.
pub fn execute(srv: &mut Server, client: &mut Client, args: &[Bytes]) {
    srv.now_ms = unix_ms();
    if client.reply_mode == ReplyMode::Skip {
        client.reply_mode = ReplyMode::SkipThis;
    }
    let reply_start = client.out.len();
    let id = match check(srv, client, args) {
        Ok(id) => id,
        Err((id, e)) => {
            client.last_cmd = id;
            if let Some(id) = id {
                srv.stats.command(id).rejected_calls += 1;
            }
            reply_error(srv, client, &e);
            finish_reply(client, reply_start);
            return;
        }
    };
    client.last_cmd = Some(id);
    let spec = commands::table().entries[id].spec;
    let started = Instant::now();
    let result = (spec.handler)(&mut Ctx { srv, client }, args);
    let usec = started.elapsed().as_micros() as u64;
    let stat = srv.stats.command(id);
    stat.calls += 1;
    stat.usec += usec;
    srv.stats.record_latency(id, usec);
    if let Err(e) = result {
        srv.stats.command(id).failed_calls += 1;
        reply_error(srv, client, &e);
    }
    srv.stats.total_commands += 1;
    finish_reply(client, reply_start);
}

/// The checks Redis makes before running a command, in Redis's order.
fn check(srv: &Server, client: &Client, args: &[Bytes]) -> Result<usize, (Option<usize>, CmdError)> {
    let id = resolve(args).map_err(|e| (None, e))?;
    let entry = &commands::table().entries[id];
    let spec = entry.spec;
    if !arity_ok(spec.arity, args.len()) {
        return Err((Some(id), CmdError::WrongArity(entry.fullname.clone())));
    }
    if srv.auth_required() && !client.authenticated && !spec.has(flags::NO_AUTH) {
        return Err((Some(id), CmdError::NoAuth));
    }
    Ok(id)
}

fn reply_error(srv: &mut Server, client: &mut Client, e: &CmdError) {
    let msg = e.to_string();
    srv.stats.error(&msg);
    client.out.error(&msg);
}

/// Applies CLIENT REPLY OFF/SKIP by dropping what the command wrote.
fn finish_reply(client: &mut Client, reply_start: usize) {
    match client.reply_mode {
        ReplyMode::On | ReplyMode::Skip => {}
        ReplyMode::Off => client.out.buf.truncate(reply_start),
        ReplyMode::SkipThis => {
            client.out.buf.truncate(reply_start);
            client.reply_mode = ReplyMode::On;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    #[test]
    fn unknown_command_text() {
        let e = resolve(&args(&["foo", "a", "b"])).unwrap_err();
        assert_eq!(e.to_string(), "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
        let e = resolve(&args(&["foo"])).unwrap_err();
        assert_eq!(e.to_string(), "ERR unknown command 'foo', with args beginning with: ");
    }
}
