//! The `redis` table scripts see (`redis.call`, `redis.pcall`, `redis.log`,
//! `redis.setresp`, `redis.sha1hex`, `redis.error_reply`,
//! `redis.status_reply`, `redis.set_repl`, `redis.replicate_commands`,
//! `redis.breakpoint`, `redis.debug`, `redis.acl_check_cmd`, the log and
//! replication constants, `REDIS_VERSION`) and Redis's `math.random`.

use std::rc::Rc;

use mlua::{Lua, MultiValue, Table, Value};

use super::call::redis_call;
use super::convert::error_table;
use super::engine::Shared;
use super::errors::reply_error;
use super::lauxlib::{Args, as_number, number_to_integer};
use super::lib::rand::LRAND48_MAX;
use crate::config::LogLevel;
use crate::protocol::writer::Resp;
use crate::server::REDIS_VERSION;

/// `REDIS_VERSION_NUM` of the version we implement (7.0.15).
const REDIS_VERSION_NUM: f64 = 0x0007_000f as f64;

/// Builds the `redis` table.
pub fn open(lua: &Lua, shared: &Rc<Shared>, mode: super::engine::Mode) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let sh = shared.clone();
    t.raw_set("call", lua.create_function(move |lua, args: MultiValue| redis_call(lua, &sh, args, true))?)?;
    let sh = shared.clone();
    t.raw_set("pcall", lua.create_function(move |lua, args: MultiValue| redis_call(lua, &sh, args, false))?)?;
    t.raw_set("log", lua.create_function(log)?)?;
    for (name, level) in [("LOG_DEBUG", 0), ("LOG_VERBOSE", 1), ("LOG_NOTICE", 2), ("LOG_WARNING", 3)] {
        t.raw_set(name, level)?;
    }
    t.raw_set("REDIS_VERSION_NUM", REDIS_VERSION_NUM)?;
    t.raw_set("REDIS_VERSION", REDIS_VERSION)?;
    let sh = shared.clone();
    t.raw_set("setresp", lua.create_function(move |lua, args: MultiValue| setresp(lua, &sh, args))?)?;
    t.raw_set("sha1hex", lua.create_function(sha1hex)?)?;
    t.raw_set("error_reply", lua.create_function(error_reply)?)?;
    t.raw_set("status_reply", lua.create_function(status_reply)?)?;
    let sh = shared.clone();
    t.raw_set("set_repl", lua.create_function(move |lua, args: MultiValue| set_repl(lua, &sh, args))?)?;
    for (name, v) in [("REPL_NONE", 0), ("REPL_AOF", 1), ("REPL_SLAVE", 2), ("REPL_REPLICA", 2), ("REPL_ALL", 3)] {
        t.raw_set(name, v)?;
    }
    let sh = shared.clone();
    t.raw_set("acl_check_cmd", lua.create_function(move |lua, args: MultiValue| acl_check_cmd(lua, &sh, args))?)?;
    if mode == super::engine::Mode::Eval {
        t.raw_set("replicate_commands", lua.create_function(|_, _: MultiValue| Ok(true))?)?;
        // Without the Lua debugger (LDB): breakpoint() answers false, debug() does nothing.
        t.raw_set("breakpoint", lua.create_function(|_, _: MultiValue| Ok(false))?)?;
        t.raw_set("debug", lua.create_function(|_, _: MultiValue| Ok(()))?)?;
    }
    Ok(t)
}

fn not_in_script(what: &str) -> mlua::Error {
    reply_error(&format!("{what} can only be called inside a script invocation"))
}

/// `redis.log(level, ...)`.
fn log(lua: &Lua, args: MultiValue) -> mlua::Result<()> {
    let a = Args::new(lua, &args);
    if a.len() < 2 {
        return Err(reply_error("redis.log() requires two arguments or more."));
    }
    let Some(level) = a.to_number(1) else {
        return Err(reply_error("First argument must be a number (log level)."));
    };
    let level = match number_to_integer(level) as i32 {
        0 => LogLevel::Debug,
        1 => LogLevel::Verbose,
        2 => LogLevel::Notice,
        3 => LogLevel::Warning,
        _ => return Err(reply_error("Invalid debug level.")),
    };
    let mut msg = Vec::new();
    for (j, v) in args.iter().enumerate().skip(1) {
        let bytes = match v {
            Value::String(s) => Some(s.as_bytes().to_vec()),
            Value::Integer(_) | Value::Number(_) => lua.coerce_string(v.clone())?.map(|s| s.as_bytes().to_vec()),
            _ => None,
        };
        if let Some(b) = bytes {
            if j != 1 {
                msg.push(b' ');
            }
            msg.extend_from_slice(&b);
        }
    }
    crate::log::log(level, &String::from_utf8_lossy(&msg));
    Ok(())
}

/// `redis.setresp(2|3)`: the protocol of the script client's replies.
fn setresp(lua: &Lua, shared: &Shared, args: MultiValue) -> mlua::Result<()> {
    if !shared.running() {
        return Err(not_in_script("redis.setresp"));
    }
    if args.len() != 1 {
        return Err(reply_error("redis.setresp() requires one argument."));
    }
    let resp = Args::new(lua, &args).to_number(1).map_or(0, |n| number_to_integer(n) as i32);
    let resp = match resp {
        2 => Resp::Two,
        3 => Resp::Three,
        _ => return Err(reply_error("RESP version must be 2 or 3.")),
    };
    shared.with_server(|srv| srv.scripting.client_mut().out.resp = resp)
}

/// `redis.sha1hex(s)`.
fn sha1hex(lua: &Lua, args: MultiValue) -> mlua::Result<Value> {
    if args.len() != 1 {
        return Err(reply_error("wrong number of arguments"));
    }
    let data: Vec<u8> = match &args[0] {
        Value::String(s) => s.as_bytes().to_vec(),
        v @ (Value::Integer(_) | Value::Number(_)) => {
            lua.coerce_string(v.clone())?.map(|s| s.as_bytes().to_vec()).unwrap_or_default()
        }
        // lua_tolstring of a non-string gives NULL: Redis hashes nothing.
        _ => Vec::new(),
    };
    let hex = crate::util::sha1::hex(&crate::util::sha1::sha1(&data));
    Ok(Value::String(lua.create_string(hex)?))
}

/// One string argument, or Redis's "wrong number or type" error table.
fn single_string(args: &MultiValue) -> Option<Vec<u8>> {
    match args.iter().collect::<Vec<_>>().as_slice() {
        [Value::String(s)] => Some(s.as_bytes().to_vec()),
        _ => None,
    }
}

/// `redis.error_reply(msg)`: `{err = msg}` (the error table, not raised).
fn error_reply(lua: &Lua, args: MultiValue) -> mlua::Result<Table> {
    let Some(msg) = single_string(&args) else {
        return error_table(lua, "ERR wrong number or type of arguments", false);
    };
    let text = String::from_utf8_lossy(&msg);
    let raw = if text.starts_with('-') { text.into_owned() } else { format!("-{text}") };
    error_table(lua, &super::errors::error_text(&raw), false)
}

/// `redis.status_reply(msg)`: `{ok = msg}`.
fn status_reply(lua: &Lua, args: MultiValue) -> mlua::Result<Table> {
    let Some(msg) = single_string(&args) else {
        return error_table(lua, "ERR wrong number or type of arguments", false);
    };
    let t = lua.create_table_with_capacity(0, 1)?;
    t.raw_set("ok", lua.create_string(&msg)?)?;
    Ok(t)
}

/// `redis.set_repl(flags)`: accepted (there is no replication yet).
fn set_repl(lua: &Lua, shared: &Shared, args: MultiValue) -> mlua::Result<()> {
    if !shared.running() {
        return Err(not_in_script("redis.set_repl"));
    }
    if args.len() != 1 {
        return Err(reply_error("redis.set_repl() requires two arguments."));
    }
    let flags = Args::new(lua, &args).to_number(1).map_or(0, |n| number_to_integer(n) as i32);
    if flags & !3 != 0 {
        return Err(reply_error("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."));
    }
    Ok(())
}

/// `redis.acl_check_cmd(cmd, ...)`: true when the command exists (every
/// user may run every command until ACLs arrive).
fn acl_check_cmd(_lua: &Lua, shared: &Shared, args: MultiValue) -> mlua::Result<bool> {
    if !shared.running() {
        return Err(not_in_script("redis.acl_check_cmd"));
    }
    if args.is_empty() {
        return Err(reply_error("Please specify at least one argument for this redis lib call"));
    }
    let mut argv = Vec::with_capacity(args.len());
    for v in args.iter() {
        match v {
            Value::String(s) => argv.push(bytes::Bytes::copy_from_slice(&s.as_bytes())),
            Value::Integer(_) | Value::Number(_) => {
                argv.push(bytes::Bytes::from(crate::util::number::format_g17(as_number(v).unwrap_or(0.0))))
            }
            _ => return Err(reply_error("Lua redis lib command arguments must be strings or integers")),
        }
    }
    let Ok(id) = crate::server::dispatch::resolve(&argv) else {
        return Err(reply_error("Invalid command passed to redis.acl_check_cmd()"));
    };
    // The caller's user, as the script's own commands are checked.
    shared.with_server(|srv| {
        let Some(caller) = srv.scripting.run.as_ref().and_then(|r| r.acl.as_ref()) else { return true };
        srv.acl.check(&caller.user, id, &argv).is_ok()
    })
}

/// Replaces `math.random` and `math.randomseed` with Redis's versions.
pub fn install_random(lua: &Lua, math: &Table, shared: &Rc<Shared>) -> mlua::Result<()> {
    let sh = shared.clone();
    let random = lua.create_function(move |lua, args: MultiValue| {
        if !sh.running() {
            return Err(super::errors::lua_error(lua, "math.random can only be called inside a script invocation"));
        }
        let mut rng = sh.rand.get();
        let r = f64::from(rng.next_i32() % LRAND48_MAX) / f64::from(LRAND48_MAX);
        sh.rand.set(rng);
        let a = Args::new(lua, &args);
        match a.len() {
            0 => Ok(r),
            1 => {
                let u = a.check_integer(1)? as i32;
                a.check(1 <= u, 1, "interval is empty")?;
                Ok((r * f64::from(u)).floor() + 1.0)
            }
            2 => {
                let l = a.check_integer(1)? as i32;
                let u = a.check_integer(2)? as i32;
                a.check(l <= u, 2, "interval is empty")?;
                Ok((r * (f64::from(u) - f64::from(l) + 1.0)).floor() + f64::from(l))
            }
            _ => Err(a.error("wrong number of arguments")),
        }
    })?;
    let sh = shared.clone();
    let randomseed = lua.create_function(move |lua, args: MultiValue| {
        if !sh.running() {
            return Err(super::errors::lua_error(lua, "math.randomseed can only be called inside a script invocation"));
        }
        let seed = Args::new(lua, &args).check_integer(1)? as i32;
        let mut rng = sh.rand.get();
        rng.seed(seed);
        sh.rand.set(rng);
        Ok(())
    })?;
    math.raw_set("random", random)?;
    math.raw_set("randomseed", randomseed)?;
    Ok(())
}
