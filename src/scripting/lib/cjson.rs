//! The `cjson` library (Lua CJSON 2.1.0 as Redis embeds it): `encode`,
//! `decode`, the configuration functions and `cjson.null`. Behaviour as
//! the C library: numbers printed with `%.14g`, `/` escaped, tables whose
//! keys are all positive integers become arrays (unless excessively
//! sparse), empty tables become `{}`, JSON `null` decodes to `cjson.null`
//! (a NULL light userdata), errors with the C library's texts. The
//! configuration lives as long as the Lua state (SCRIPT FLUSH resets it).

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{LightUserData, Lua, MultiValue, Table, Value};

use super::numfmt::{format_g, strtod};
use crate::scripting::errors::lua_error;
use crate::scripting::lauxlib::{Args, as_number, number_to_integer, type_name};

#[derive(Clone, Copy)]
struct Config {
    sparse_convert: bool,
    sparse_ratio: i64,
    sparse_safe: i64,
    encode_max_depth: i64,
    decode_max_depth: i64,
    /// 0 off, 1 on, 2 null.
    encode_invalid_numbers: usize,
    decode_invalid_numbers: bool,
    encode_number_precision: i64,
    encode_keep_buffer: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            sparse_convert: false,
            sparse_ratio: 2,
            sparse_safe: 10,
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            encode_invalid_numbers: 0,
            decode_invalid_numbers: true,
            encode_number_precision: 14,
            encode_keep_buffer: true,
        }
    }
}

type Cfg = Rc<RefCell<Config>>;

/// `cjson.null`.
fn null() -> Value {
    Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

/// Lua's stack limit (`LUAI_MAXCSTACK`): deeper nesting fails as C's
/// `lua_checkstack` would.
const MAX_STACK: i64 = 8000;

// ---------------------------------------------------------------- encode

struct Encoder<'a> {
    lua: &'a Lua,
    cfg: Config,
    out: Vec<u8>,
}

impl Encoder<'_> {
    fn exception(&self, v: &Value, reason: &str) -> mlua::Error {
        lua_error(self.lua, format!("Cannot serialise {}: {reason}", type_name(Some(v))))
    }

    fn string(&mut self, s: &[u8]) {
        self.out.reserve(s.len() + 2);
        self.out.push(b'"');
        for &c in s {
            match c {
                b'"' => self.out.extend_from_slice(b"\\\""),
                b'\\' => self.out.extend_from_slice(b"\\\\"),
                b'/' => self.out.extend_from_slice(b"\\/"),
                0x08 => self.out.extend_from_slice(b"\\b"),
                b'\t' => self.out.extend_from_slice(b"\\t"),
                b'\n' => self.out.extend_from_slice(b"\\n"),
                0x0c => self.out.extend_from_slice(b"\\f"),
                b'\r' => self.out.extend_from_slice(b"\\r"),
                0..=0x1f | 0x7f => {
                    let _ = std::io::Write::write_fmt(&mut self.out, format_args!("\\u{:04x}", c));
                }
                _ => self.out.push(c),
            }
        }
        self.out.push(b'"');
    }

    fn number(&mut self, v: &Value, n: f64) -> mlua::Result<()> {
        match self.cfg.encode_invalid_numbers {
            0 if !n.is_finite() => return Err(self.exception(v, "must not be NaN or Inf")),
            1 if n.is_nan() => {
                self.out.extend_from_slice(b"nan");
                return Ok(());
            }
            2 if !n.is_finite() => {
                self.out.extend_from_slice(b"null");
                return Ok(());
            }
            _ => {}
        }
        let text = format_g(n, self.cfg.encode_number_precision as usize);
        self.out.extend_from_slice(text.as_bytes());
        Ok(())
    }

    /// The array length of a table, or `None` for an object.
    fn array_length(&self, t: &Table) -> mlua::Result<Option<i64>> {
        let mut max: i64 = 0;
        let mut items: i64 = 0;
        for pair in t.clone().pairs::<Value, Value>() {
            let (k, _) = pair?;
            match as_number(&k) {
                Some(k) if k != 0.0 && k.floor() == k && k >= 1.0 => {
                    // C stores the key in an `int`.
                    let k = number_to_integer(k) as i32 as i64;
                    max = max.max(k);
                    items += 1;
                }
                _ => return Ok(None),
            }
        }
        if self.cfg.sparse_ratio > 0 && max > items * self.cfg.sparse_ratio && max > self.cfg.sparse_safe {
            if !self.cfg.sparse_convert {
                return Err(self.exception(&Value::Table(t.clone()), "excessively sparse array"));
            }
            return Ok(None);
        }
        Ok(Some(max))
    }

    fn value(&mut self, v: &Value, depth: i64) -> mlua::Result<()> {
        match v {
            Value::String(s) => self.string(&s.as_bytes()),
            Value::Integer(_) | Value::Number(_) => self.number(v, as_number(v).unwrap_or(0.0))?,
            Value::Boolean(b) => self.out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Nil => self.out.extend_from_slice(b"null"),
            Value::LightUserData(p) if p.0.is_null() => self.out.extend_from_slice(b"null"),
            Value::Table(t) => {
                let depth = depth + 1;
                if depth > self.cfg.encode_max_depth || depth * 2 > MAX_STACK {
                    return Err(lua_error(self.lua, format!("Cannot serialise, excessive nesting ({depth})")));
                }
                match self.array_length(t)? {
                    Some(len) if len > 0 => {
                        self.out.push(b'[');
                        for i in 1..=len {
                            if i > 1 {
                                self.out.push(b',');
                            }
                            let item: Value = t.raw_get(i)?;
                            self.value(&item, depth)?;
                        }
                        self.out.push(b']');
                    }
                    _ => {
                        self.out.push(b'{');
                        let mut comma = false;
                        for pair in t.clone().pairs::<Value, Value>() {
                            let (k, val) = pair?;
                            if comma {
                                self.out.push(b',');
                            }
                            comma = true;
                            match &k {
                                Value::Integer(_) | Value::Number(_) => {
                                    self.out.push(b'"');
                                    self.number(&k, as_number(&k).unwrap_or(0.0))?;
                                    self.out.extend_from_slice(b"\":");
                                }
                                Value::String(s) => {
                                    self.string(&s.as_bytes());
                                    self.out.push(b':');
                                }
                                _ => return Err(self.exception(&k, "table key must be a number or string")),
                            }
                            self.value(&val, depth)?;
                        }
                        self.out.push(b'}');
                    }
                }
            }
            _ => return Err(self.exception(v, "type not supported")),
        }
        Ok(())
    }
}

fn encode(lua: &Lua, cfg: &Cfg, args: MultiValue) -> mlua::Result<Value> {
    let a = Args::new(lua, &args);
    a.check(a.len() == 1, 1, "expected 1 argument")?;
    let mut enc = Encoder { lua, cfg: *cfg.borrow(), out: Vec::new() };
    enc.value(&args[0], 0)?;
    Ok(Value::String(lua.create_string(&enc.out)?))
}

// ---------------------------------------------------------------- decode

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Str,
    Num,
    Bool,
    Null,
    Colon,
    Comma,
    End,
    Error,
}

impl Tok {
    fn name(self) -> &'static str {
        match self {
            Tok::ObjBegin => "T_OBJ_BEGIN",
            Tok::ObjEnd => "T_OBJ_END",
            Tok::ArrBegin => "T_ARR_BEGIN",
            Tok::ArrEnd => "T_ARR_END",
            Tok::Str => "T_STRING",
            Tok::Num => "T_NUMBER",
            Tok::Bool => "T_BOOLEAN",
            Tok::Null => "T_NULL",
            Tok::Colon => "T_COLON",
            Tok::Comma => "T_COMMA",
            Tok::End => "T_END",
            Tok::Error => "T_ERROR",
        }
    }
}

struct Token {
    kind: Tok,
    index: usize,
    string: Vec<u8>,
    number: f64,
    boolean: bool,
    error: &'static str,
}

struct Parser<'a> {
    lua: &'a Lua,
    cfg: Config,
    data: &'a [u8],
    ptr: usize,
    depth: i64,
}

impl Parser<'_> {
    fn at(&self, i: usize) -> u8 {
        // The C parser reads a NUL-terminated string.
        self.data.get(i).copied().unwrap_or(0)
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.data.len() >= self.ptr + s.len() && &self.data[self.ptr..self.ptr + s.len()] == s
    }

    fn is_invalid_number(&self) -> bool {
        let mut p = self.ptr;
        if self.at(p) == b'+' {
            return true;
        }
        if self.at(p) == b'-' {
            p += 1;
        }
        if self.at(p) == b'0' {
            let c2 = self.at(p + 1);
            return (c2 | 0x20) == b'x' || c2.is_ascii_digit();
        } else if self.at(p) <= b'9' {
            return false;
        }
        let rest = &self.data[p.min(self.data.len())..];
        let ci = |w: &[u8]| rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(w);
        ci(b"inf") || ci(b"nan")
    }

    fn error_token(&self, t: &mut Token, msg: &'static str) {
        t.kind = Tok::Error;
        t.index = self.ptr;
        t.error = msg;
    }

    fn number_token(&mut self, t: &mut Token) {
        t.kind = Tok::Num;
        let end = self.data.iter().position(|&b| b == 0).unwrap_or(self.data.len());
        let (v, used) = strtod(&self.data[self.ptr..end]);
        if used == 0 {
            self.error_token(t, "invalid number");
        } else {
            t.number = v;
            self.ptr += used;
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let mut v = 0u32;
        for i in 0..4 {
            v = (v << 4) | (self.at(at + i) as char).to_digit(16)?;
        }
        Some(v)
    }

    fn unicode_escape(&mut self, out: &mut Vec<u8>) -> bool {
        let Some(mut cp) = self.hex4(self.ptr + 2) else { return false };
        let mut escape_len = 6;
        if cp & 0xF800 == 0xD800 {
            if cp & 0x400 != 0 {
                return false;
            }
            if self.at(self.ptr + 6) != b'\\' || self.at(self.ptr + 7) != b'u' {
                return false;
            }
            let Some(low) = self.hex4(self.ptr + 8) else { return false };
            if low & 0xFC00 != 0xDC00 {
                return false;
            }
            cp = (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
            escape_len = 12;
        }
        let mut buf = [0u8; 4];
        let n = if cp <= 0x7F {
            buf[0] = cp as u8;
            1
        } else if cp <= 0x7FF {
            buf[0] = ((cp >> 6) | 0xC0) as u8;
            buf[1] = ((cp & 0x3F) | 0x80) as u8;
            2
        } else if cp <= 0xFFFF {
            buf[0] = ((cp >> 12) | 0xE0) as u8;
            buf[1] = (((cp >> 6) & 0x3F) | 0x80) as u8;
            buf[2] = ((cp & 0x3F) | 0x80) as u8;
            3
        } else {
            buf[0] = ((cp >> 18) | 0xF0) as u8;
            buf[1] = (((cp >> 12) & 0x3F) | 0x80) as u8;
            buf[2] = (((cp >> 6) & 0x3F) | 0x80) as u8;
            buf[3] = ((cp & 0x3F) | 0x80) as u8;
            4
        };
        out.extend_from_slice(&buf[..n]);
        self.ptr += escape_len;
        true
    }

    fn string_token(&mut self, t: &mut Token) {
        self.ptr += 1;
        let mut out = Vec::new();
        loop {
            let ch = self.at(self.ptr);
            if ch == b'"' {
                break;
            }
            if ch == 0 {
                self.error_token(t, "unexpected end of string");
                return;
            }
            let mut c = ch;
            if ch == b'\\' {
                let e = self.at(self.ptr + 1);
                c = match e {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => 0x08,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'f' => 0x0c,
                    b'r' => b'\r',
                    b'u' => {
                        if self.unicode_escape(&mut out) {
                            continue;
                        }
                        self.error_token(t, "invalid unicode escape code");
                        return;
                    }
                    _ => {
                        self.error_token(t, "invalid escape code");
                        return;
                    }
                };
                self.ptr += 1;
            }
            out.push(c);
            self.ptr += 1;
        }
        self.ptr += 1;
        t.kind = Tok::Str;
        t.string = out;
    }

    fn next_token(&mut self) -> Token {
        let mut t = Token { kind: Tok::Error, index: 0, string: Vec::new(), number: 0.0, boolean: false, error: "" };
        while matches!(self.at(self.ptr), b' ' | b'\t' | b'\n' | b'\r') {
            self.ptr += 1;
        }
        t.index = self.ptr;
        let ch = self.at(self.ptr);
        let single = match ch {
            b'{' => Some(Tok::ObjBegin),
            b'}' => Some(Tok::ObjEnd),
            b'[' => Some(Tok::ArrBegin),
            b']' => Some(Tok::ArrEnd),
            b',' => Some(Tok::Comma),
            b':' => Some(Tok::Colon),
            0 => {
                t.kind = Tok::End;
                return t;
            }
            _ => None,
        };
        if let Some(k) = single {
            t.kind = k;
            self.ptr += 1;
            return t;
        }
        let unknown = matches!(ch, b'f' | b'i' | b'I' | b'n' | b'N' | b't' | b'"' | b'+' | b'-' | b'0'..=b'9');
        if !unknown {
            self.error_token(&mut t, "invalid token");
            return t;
        }
        if ch == b'"' {
            self.string_token(&mut t);
        } else if ch == b'-' || ch.is_ascii_digit() {
            if !self.cfg.decode_invalid_numbers && self.is_invalid_number() {
                self.error_token(&mut t, "invalid number");
            } else {
                self.number_token(&mut t);
            }
        } else if self.starts_with(b"true") {
            t.kind = Tok::Bool;
            t.boolean = true;
            self.ptr += 4;
        } else if self.starts_with(b"false") {
            t.kind = Tok::Bool;
            self.ptr += 5;
        } else if self.starts_with(b"null") {
            t.kind = Tok::Null;
            self.ptr += 4;
        } else if self.cfg.decode_invalid_numbers && self.is_invalid_number() {
            self.number_token(&mut t);
        } else {
            self.error_token(&mut t, "invalid token");
        }
        t
    }

    fn parse_error(&self, expected: &str, t: &Token) -> mlua::Error {
        let found = if t.kind == Tok::Error { t.error } else { t.kind.name() };
        lua_error(self.lua, format!("Expected {expected} but found {found} at character {}", t.index + 1))
    }

    fn descend(&mut self, slots: i64) -> mlua::Result<()> {
        self.depth += 1;
        if self.depth <= self.cfg.decode_max_depth && self.depth * slots < MAX_STACK {
            return Ok(());
        }
        Err(lua_error(
            self.lua,
            format!("Found too many nested data structures ({}) at character {}", self.depth, self.ptr),
        ))
    }

    fn value(&mut self, t: Token) -> mlua::Result<Value> {
        Ok(match t.kind {
            Tok::Str => Value::String(self.lua.create_string(&t.string)?),
            Tok::Num => Value::Number(t.number),
            Tok::Bool => Value::Boolean(t.boolean),
            Tok::Null => null(),
            Tok::ObjBegin => {
                self.descend(3)?;
                let table = self.lua.create_table()?;
                let mut t = self.next_token();
                if t.kind != Tok::ObjEnd {
                    loop {
                        if t.kind != Tok::Str {
                            return Err(self.parse_error("object key string", &t));
                        }
                        let key = self.lua.create_string(&t.string)?;
                        let colon = self.next_token();
                        if colon.kind != Tok::Colon {
                            return Err(self.parse_error("colon", &colon));
                        }
                        let vt = self.next_token();
                        let v = self.value(vt)?;
                        table.raw_set(key, v)?;
                        let n = self.next_token();
                        if n.kind == Tok::ObjEnd {
                            break;
                        }
                        if n.kind != Tok::Comma {
                            return Err(self.parse_error("comma or object end", &n));
                        }
                        t = self.next_token();
                    }
                }
                self.depth -= 1;
                Value::Table(table)
            }
            Tok::ArrBegin => {
                self.descend(2)?;
                let table = self.lua.create_table()?;
                let mut t = self.next_token();
                if t.kind != Tok::ArrEnd {
                    let mut i: i64 = 1;
                    loop {
                        let v = self.value(t)?;
                        table.raw_set(i, v)?;
                        i += 1;
                        let n = self.next_token();
                        if n.kind == Tok::ArrEnd {
                            break;
                        }
                        if n.kind != Tok::Comma {
                            return Err(self.parse_error("comma or array end", &n));
                        }
                        t = self.next_token();
                    }
                }
                self.depth -= 1;
                Value::Table(table)
            }
            _ => return Err(self.parse_error("value", &t)),
        })
    }
}

fn decode(lua: &Lua, cfg: &Cfg, args: MultiValue) -> mlua::Result<Value> {
    let a = Args::new(lua, &args);
    a.check(a.len() == 1, 1, "expected 1 argument")?;
    let data = a.check_bytes(1)?;
    if data.len() >= 2 && (data[0] == 0 || data[1] == 0) {
        return Err(lua_error(lua, "JSON parser does not support UTF-16 or UTF-32"));
    }
    let mut p = Parser { lua, cfg: *cfg.borrow(), data: &data, ptr: 0, depth: 0 };
    let t = p.next_token();
    let v = p.value(t)?;
    let end = p.next_token();
    if end.kind != Tok::End {
        return Err(p.parse_error("the end", &end));
    }
    Ok(v)
}

// ---------------------------------------------------------------- config

/// `json_arg_init`: at most `n` arguments.
fn arg_init(a: &Args, n: usize) -> mlua::Result<()> {
    a.check(a.len() <= n, n + 1, "found too many arguments")
}

fn integer_option(a: &Args, i: usize, setting: &mut i64, min: i64, max: i64) -> mlua::Result<Value> {
    if !a.is_none_or_nil(i) {
        let v = a.check_integer(i)? as i32 as i64;
        a.check(min <= v && v <= max, 1, &format!("expected integer between {min} and {max}"))?;
        *setting = v;
    }
    Ok(Value::Number(*setting as f64))
}

/// `json_enum_option` with `options`; `bool_true` is the index `true` maps to.
fn enum_option(a: &Args, i: usize, setting: &mut usize, options: &[&str], bool_true: usize) -> mlua::Result<Value> {
    if !a.is_none_or_nil(i) {
        if let Some(Value::Boolean(b)) = a.get(i) {
            *setting = if *b { bool_true } else { 0 };
        } else {
            let s = a.check_bytes(i)?;
            match options.iter().position(|o| o.as_bytes() == &s[..]) {
                Some(p) => *setting = p,
                None => {
                    return Err(crate::scripting::errors::arg_error(
                        a.lua,
                        i,
                        &format!("invalid option '{}'", String::from_utf8_lossy(&s)),
                    ));
                }
            }
        }
    }
    if *setting == 0 || *setting == bool_true {
        Ok(Value::Boolean(*setting != 0))
    } else {
        Ok(Value::String(a.lua.create_string(options[*setting])?))
    }
}

fn bool_option(a: &Args, i: usize, setting: &mut bool) -> mlua::Result<Value> {
    let mut v = usize::from(*setting);
    let r = enum_option(a, i, &mut v, &["off", "on"], 1)?;
    *setting = v != 0;
    Ok(r)
}

type ConfigFn = fn(&Args, &mut Config) -> mlua::Result<MultiValue>;

const CONFIG_FUNCS: &[(&str, ConfigFn)] = &[
    ("encode_sparse_array", |a, c| {
        arg_init(a, 3)?;
        let r1 = bool_option(a, 1, &mut c.sparse_convert)?;
        let r2 = integer_option(a, 2, &mut c.sparse_ratio, 0, i32::MAX as i64)?;
        let r3 = integer_option(a, 3, &mut c.sparse_safe, 0, i32::MAX as i64)?;
        Ok(MultiValue::from_iter([r1, r2, r3]))
    }),
    ("encode_max_depth", |a, c| {
        arg_init(a, 1)?;
        Ok(MultiValue::from_iter([integer_option(a, 1, &mut c.encode_max_depth, 1, i32::MAX as i64)?]))
    }),
    ("decode_max_depth", |a, c| {
        arg_init(a, 1)?;
        Ok(MultiValue::from_iter([integer_option(a, 1, &mut c.decode_max_depth, 1, i32::MAX as i64)?]))
    }),
    ("encode_number_precision", |a, c| {
        arg_init(a, 1)?;
        Ok(MultiValue::from_iter([integer_option(a, 1, &mut c.encode_number_precision, 1, 14)?]))
    }),
    ("encode_keep_buffer", |a, c| {
        arg_init(a, 1)?;
        Ok(MultiValue::from_iter([bool_option(a, 1, &mut c.encode_keep_buffer)?]))
    }),
    ("encode_invalid_numbers", |a, c| {
        arg_init(a, 1)?;
        Ok(MultiValue::from_iter([enum_option(a, 1, &mut c.encode_invalid_numbers, &["off", "on", "null"], 1)?]))
    }),
    ("decode_invalid_numbers", |a, c| {
        arg_init(a, 1)?;
        Ok(MultiValue::from_iter([bool_option(a, 1, &mut c.decode_invalid_numbers)?]))
    }),
];

/// Builds a `cjson` table with its own configuration (`cjson.new` makes another).
pub fn open(lua: &Lua) -> mlua::Result<Table> {
    let cfg: Cfg = Rc::new(RefCell::new(Config::default()));
    let t = lua.create_table()?;
    let c = cfg.clone();
    t.raw_set("encode", lua.create_function(move |lua, a: MultiValue| encode(lua, &c, a))?)?;
    let c = cfg.clone();
    t.raw_set("decode", lua.create_function(move |lua, a: MultiValue| decode(lua, &c, a))?)?;
    for &(name, f) in CONFIG_FUNCS {
        let c = cfg.clone();
        let func = lua.create_function(move |lua, a: MultiValue| {
            let mut conf = *c.borrow();
            let r = f(&Args::new(lua, &a), &mut conf);
            *c.borrow_mut() = conf;
            r
        })?;
        t.raw_set(name, func)?;
    }
    t.raw_set("new", lua.create_function(|lua, ()| open(lua))?)?;
    t.raw_set("null", null())?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    Ok(t)
}
