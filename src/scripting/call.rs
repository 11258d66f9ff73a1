//! `redis.call` and `redis.pcall`: a command from a script runs through
//! `dispatch::call` as the script client (Redis's "fake client"), after the
//! checks Redis's `scriptCall` makes (known command, arity, not NOSCRIPT,
//! no writes from read-only scripts); its reply, rendered in the protocol
//! chosen with `redis.setresp`, is converted into Lua values. Errors become
//! `{err=…}` tables: raised by `redis.call`, returned by `redis.pcall`.

use bytes::{Bytes, BytesMut};
use mlua::{Lua, MultiValue, Value};

use super::convert::{error_table, reply_to_lua};
use super::engine::Shared;
use super::errors::{ScriptError, error_text};
use crate::commands::{self, arity_ok, flags};
use crate::server::acl::Denied;
use crate::server::{Server, dispatch};
use crate::util::number::format_g17;

/// An error before the command ran: Redis's text (`-CODE …`, or a message
/// that gets `ERR `).
struct Rejected {
    msg: std::borrow::Cow<'static, str>,
}

/// `scriptVerifyWriteCommandAllow`'s error while writes are refused.
static MISCONF: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| format!("-{}", crate::server::save::MISCONF));

/// Converts the call's arguments as Redis's `luaArgsToRedisArgv`: strings
/// as they are, numbers with `%.17g`. The bytes go into one reused buffer
/// and `argv` gets slices of it (no allocation per argument).
fn to_argv(args: &MultiValue, buf: &mut BytesMut, argv: &mut Vec<Bytes>) -> Result<(), &'static str> {
    if args.is_empty() {
        return Err("Please specify at least one argument for this redis lib call");
    }
    let mut ends = [0usize; 16];
    let mut many = Vec::new();
    for (i, v) in args.iter().enumerate() {
        match v {
            Value::String(s) => buf.extend_from_slice(&s.as_bytes()),
            Value::Integer(n) => buf.extend_from_slice(format_g17(*n as f64).as_bytes()),
            Value::Number(n) => buf.extend_from_slice(format_g17(*n).as_bytes()),
            _ => {
                buf.clear();
                return Err("Lua redis lib command arguments must be strings or integers");
            }
        }
        if i < ends.len() {
            ends[i] = buf.len();
        } else {
            many.push(buf.len());
        }
    }
    let all = buf.split().freeze();
    let mut start = 0;
    for &end in ends.iter().take(args.len()).chain(many.iter()) {
        argv.push(all.slice(start..end));
        start = end;
    }
    Ok(())
}

/// The error a failed call produces: raised (`redis.call`) or returned.
fn fail(lua: &Lua, msg: String, ignore_stats: bool, raise: bool) -> mlua::Result<Value> {
    if raise {
        Err(mlua::Error::external(ScriptError::Reply { msg, ignore_stats }))
    } else {
        Ok(Value::Table(error_table(lua, &msg, ignore_stats)?))
    }
}

/// `redis.call` (`raise`) and `redis.pcall`.
pub fn redis_call(lua: &Lua, shared: &Shared, args: MultiValue, raise: bool) -> mlua::Result<Value> {
    let mut argv = std::mem::take(&mut *shared.argv.borrow_mut());
    let converted = to_argv(&args, &mut shared.argbuf.borrow_mut(), &mut argv);
    drop(args);
    if let Err(msg) = converted {
        return fail(lua, error_text(msg), false, raise);
    }
    let outcome = shared.with_server(|srv| -> mlua::Result<Result<(Value, Option<String>), Rejected>> {
        if let Err(r) = run_command(srv, &argv) {
            return Ok(Err(r));
        }
        let fake = srv.scripting.client_mut();
        let parsed = reply_to_lua(lua, &fake.out.buf);
        fake.out.buf.clear();
        let parsed = parsed?;
        Ok(Ok((parsed.value, parsed.error)))
    });
    argv.clear();
    *shared.argv.borrow_mut() = argv;
    let outcome = outcome??;
    match outcome {
        Err(r) => fail(lua, error_text(&r.msg), true, raise),
        Ok((_, Some(err))) if raise => Err(mlua::Error::external(ScriptError::Reply { msg: err, ignore_stats: true })),
        Ok((value, _)) => Ok(value),
    }
}

/// Redis's `scriptCall`: checks, then runs the command as the script client.
fn run_command(srv: &mut Server, argv: &[Bytes]) -> Result<(), Rejected> {
    let table = commands::table();
    let id = match dispatch::resolve(argv) {
        Ok(id) => id,
        Err(_) => return Err(reject(srv, None, "Unknown Redis command called from script")),
    };
    let spec = table.entries[id].spec;
    if !arity_ok(spec.arity, argv.len()) {
        return Err(reject(srv, Some(id), "Wrong number of args calling Redis command from script"));
    }
    if spec.has(flags::NOSCRIPT) && !srv.scripting.disable_deny_script {
        return Err(reject(srv, Some(id), "This Redis command is not allowed from script"));
    }
    let Some(run) = srv.scripting.run.as_mut() else {
        return Err(reject(srv, Some(id), "This Redis command is not allowed from script"));
    };
    if let Some(caller) = &run.acl
        && let Err(denied) = srv.acl.check(&caller.user, id, argv)
    {
        let (user, info) = (caller.user.clone(), caller.info.clone());
        dispatch::acl_log(srv, &user, info, "lua", id, argv, denied);
        let why = match denied {
            Denied::Cmd => "can't run this command or subcommand",
            Denied::Key(_) => "can't access at least one of the keys mentioned in the command arguments",
            Denied::Channel(_) => "can't publish to the channel mentioned in the command",
        };
        return Err(reject(srv, Some(id), format!("The user executing the script {why}")));
    }
    let run = srv.scripting.run.as_mut().expect("checked above");
    if run.read_only && spec.has(flags::WRITE | flags::MAY_REPLICATE) {
        return Err(reject(srv, Some(id), "Write commands are not allowed from read-only scripts."));
    }
    // Checks on the server's state matter only until the script has written:
    // after that it must be allowed to finish.
    if spec.has(flags::WRITE) && !run.write_dirty && crate::server::save::writes_denied(srv) {
        return Err(reject(srv, Some(id), MISCONF.as_str()));
    }
    let run = srv.scripting.run.as_mut().expect("checked above");
    if spec.has(flags::WRITE) && !run.write_dirty && run.no_good_replicas {
        return Err(reject(srv, Some(id), "-NOREPLICAS Not enough good replicas to write."));
    }
    if run.deny_oom && !run.write_dirty && spec.has(flags::DENYOOM) {
        return Err(reject(srv, Some(id), "-OOM command not allowed when used memory > 'maxmemory'."));
    }
    if spec.has(flags::WRITE) {
        run.write_dirty = true;
    }
    super::with_script_client(srv, |srv, client| dispatch::call(srv, client, id, argv));
    Ok(())
}

/// Counts a command refused inside a script as Redis does (an error reply
/// and, for a known command, a rejected call).
fn reject(srv: &mut Server, id: Option<usize>, msg: impl Into<std::borrow::Cow<'static, str>>) -> Rejected {
    let msg = msg.into();
    srv.stats.error(error_text(&msg));
    if let Some(id) = id {
        srv.stats.command(id).rejected_calls += 1;
    }
    Rejected { msg }
}
