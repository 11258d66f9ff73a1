//! Errors raised inside scripts. Lua 5.1 errors are values: Redis raises
//! tables (`{err = "CODE message"}`) for failed `redis.call`s and API misuse,
//! and strings (with a `user_script:<line>: ` prefix, as `luaL_error` adds)
//! for everything else. Errors raised by our Rust functions travel through
//! `mlua` as `ScriptError`s; the top-level error handler and the `pcall`
//! wrapper turn them back into what Redis's C functions would have raised.

use mlua::Lua;

/// An error raised by one of our Lua-facing functions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptError {
    /// What Redis raises as an error table: `msg` is `CODE message`.
    /// `ignore_stats`: the error was already counted (a command's own error).
    Reply { msg: String, ignore_stats: bool },
    /// What Redis raises as a string, position prefix included.
    Message(String),
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScriptError::Reply { msg, .. } => f.write_str(msg),
            ScriptError::Message(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ScriptError {}

impl ScriptError {
    /// Finds the `ScriptError` an `mlua` error carries, if any.
    pub fn of(e: &mlua::Error) -> Option<&ScriptError> {
        e.downcast_ref::<ScriptError>()
    }
}

/// Redis's `luaPushErrorBuff` normalisation: `-CODE msg` keeps its code,
/// anything else gets `ERR `; trailing CR/LF are trimmed.
pub fn error_text(raw: &str) -> String {
    let (code, msg) = match raw.strip_prefix('-') {
        Some(rest) => match rest.split_once(' ') {
            Some((code, msg)) => (code, msg),
            None => ("ERR", rest),
        },
        None => ("ERR", raw),
    };
    let msg = msg.trim_matches(|c| c == '\r' || c == '\n');
    format!("{code} {msg}")
}

/// An error table raised by a Redis API function (`luaPushError` + `lua_error`).
pub fn reply_error(raw: &str) -> mlua::Error {
    mlua::Error::external(ScriptError::Reply { msg: error_text(raw), ignore_stats: false })
}

/// `luaL_where(L, level)`: `chunk:line: ` of the function at `level`, or
/// nothing when it is not Lua code.
pub fn position(lua: &Lua, level: usize) -> String {
    lua.inspect_stack(level, |d| {
        let line = d.current_line().unwrap_or(0);
        if line > 0 {
            let src = d.source();
            format!("{}:{}: ", src.short_src.as_deref().unwrap_or("?"), line)
        } else {
            String::new()
        }
    })
    .unwrap_or_default()
}

/// `luaL_error`: the message with the caller's position.
pub fn lua_error(lua: &Lua, msg: impl AsRef<str>) -> mlua::Error {
    mlua::Error::external(ScriptError::Message(format!("{}{}", position(lua, 1), msg.as_ref())))
}

/// An error with no position (`luaG_runerror` inside a C function).
pub fn plain_error(msg: impl Into<String>) -> mlua::Error {
    mlua::Error::external(ScriptError::Message(msg.into()))
}

/// `luaL_argerror`: `bad argument #n to 'name' (extra)`.
pub fn arg_error(lua: &Lua, narg: usize, extra: &str) -> mlua::Error {
    let names = lua.inspect_stack(0, |d| {
        let n = d.names();
        (n.name.map(|s| s.to_string()), n.name_what.map(|s| s.to_string()))
    });
    let (name, what) = names.unwrap_or((None, None));
    let mut narg = narg as i64;
    if what.as_deref() == Some("method") {
        narg -= 1;
        if narg == 0 {
            return lua_error(lua, format!("calling '{}' on bad self ({extra})", name.as_deref().unwrap_or("?")));
        }
    }
    lua_error(lua, format!("bad argument #{narg} to '{}' ({extra})", name.as_deref().unwrap_or("?")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_as_redis() {
        assert_eq!(error_text("-WRONGTYPE Operation"), "WRONGTYPE Operation");
        assert_eq!(error_text("-nocode"), "ERR nocode");
        assert_eq!(error_text("plain words"), "ERR plain words");
        assert_eq!(error_text("-ERR x\r\n"), "ERR x");
        assert_eq!(error_text("-"), "ERR ");
    }
}
