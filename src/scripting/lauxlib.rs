//! Argument checks as Lua 5.1's `lauxlib` makes them, for our Lua-facing
//! functions: the same coercions (numeric strings are numbers, numbers are
//! strings) and the same error texts (`bad argument #1 to 'band' (number
//! expected, got nil)`).

use mlua::{Lua, MultiValue, Value};

use super::errors::{arg_error, lua_error};

/// `lua_typename`.
pub fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "no value",
        Some(Value::Nil) => "nil",
        Some(Value::Boolean(_)) => "boolean",
        Some(Value::LightUserData(_)) | Some(Value::UserData(_)) | Some(Value::Error(_)) => "userdata",
        Some(Value::Integer(_)) | Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Table(_)) => "table",
        Some(Value::Function(_)) => "function",
        Some(Value::Thread(_)) => "thread",
        Some(_) => "userdata",
    }
}

/// A number value, without string coercion.
pub fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Number(n) => Some(*n),
        _ => None,
    }
}

/// `lua_number2integer` on x86-64: truncation, `i64::MIN` when out of range.
pub fn number_to_integer(n: f64) -> i64 {
    // 2^63: the first double beyond i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if (-LIMIT..LIMIT).contains(&n) { n as i64 } else { i64::MIN }
}

/// The arguments of one call, 1-based as in Lua.
pub struct Args<'a> {
    pub lua: &'a Lua,
    pub values: &'a MultiValue,
}

impl<'a> Args<'a> {
    pub fn new(lua: &'a Lua, values: &'a MultiValue) -> Args<'a> {
        Args { lua, values }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&Value> {
        self.values.get(i - 1)
    }

    /// `lua_isnoneornil`.
    pub fn is_none_or_nil(&self, i: usize) -> bool {
        matches!(self.get(i), None | Some(Value::Nil))
    }

    fn type_error(&self, i: usize, expected: &str) -> mlua::Error {
        arg_error(self.lua, i, &format!("{expected} expected, got {}", type_name(self.get(i))))
    }

    /// `lua_tonumber` (numbers and numeric strings), `None` otherwise.
    pub fn to_number(&self, i: usize) -> Option<f64> {
        match self.get(i)? {
            Value::String(s) => {
                let v = Value::String(s.clone());
                self.lua.coerce_number(v).ok().flatten()
            }
            v => as_number(v),
        }
    }

    /// `luaL_checknumber`.
    pub fn check_number(&self, i: usize) -> mlua::Result<f64> {
        self.to_number(i).ok_or_else(|| self.type_error(i, "number"))
    }

    /// `luaL_checkinteger` / `luaL_checkint` (as `i64`).
    pub fn check_integer(&self, i: usize) -> mlua::Result<i64> {
        self.check_number(i).map(number_to_integer)
    }

    /// `luaL_optinteger`.
    pub fn opt_integer(&self, i: usize, default: i64) -> mlua::Result<i64> {
        if self.is_none_or_nil(i) { Ok(default) } else { self.check_integer(i) }
    }

    /// `luaL_checklstring`: strings, and numbers converted as Lua does.
    pub fn check_bytes(&self, i: usize) -> mlua::Result<Vec<u8>> {
        match self.get(i) {
            Some(Value::String(s)) => Ok(s.as_bytes().to_vec()),
            Some(v @ (Value::Integer(_) | Value::Number(_))) => match self.lua.coerce_string(v.clone()) {
                Ok(Some(s)) => Ok(s.as_bytes().to_vec()),
                _ => Err(self.type_error(i, "string")),
            },
            _ => Err(self.type_error(i, "string")),
        }
    }

    /// `luaL_argcheck`.
    pub fn check(&self, cond: bool, i: usize, msg: &str) -> mlua::Result<()> {
        if cond { Ok(()) } else { Err(arg_error(self.lua, i, msg)) }
    }

    /// `luaL_error` with the caller's position.
    pub fn error(&self, msg: impl AsRef<str>) -> mlua::Error {
        lua_error(self.lua, msg)
    }
}
