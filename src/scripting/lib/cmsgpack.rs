//! The `cmsgpack` library (lua-cmsgpack 0.4.0 as Redis embeds it): `pack`
//! (any number of values into one stream), `unpack`, `unpack_one`,
//! `unpack_limit`. Encoding as the C library: integral numbers as the
//! smallest MessagePack integer, others as float32 when exact else float64,
//! tables whose keys are exactly 1..n as arrays, others as maps, tables
//! nested 16 deep as nil; strings always as (str 8/16/32) raw types.

use mlua::{Lua, MultiValue, Table, Value};

use crate::scripting::errors::{arg_error, lua_error};
use crate::scripting::lauxlib::{Args, as_number, number_to_integer};

const MAX_NESTING: usize = 16;
/// Lua's stack limit for the values one unpack returns.
const MAX_RESULTS: usize = 7990;

fn encode_bytes(out: &mut Vec<u8>, s: &[u8]) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

fn encode_double(out: &mut Vec<u8>, d: f64) {
    let f = d as f32;
    if d == f64::from(f) {
        out.push(0xca);
        out.extend_from_slice(&f.to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&d.to_be_bytes());
    }
}

fn encode_int(out: &mut Vec<u8>, n: i64) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_header(out: &mut Vec<u8>, n: u64, fix: u8, b16: u8, b32: u8) {
    if n <= 15 {
        out.push(fix | n as u8);
    } else if n <= 65535 {
        out.push(b16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(b32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// `(int64_t)x == x` on x86-64, infinities excluded.
fn int64_equivalent(x: f64) -> bool {
    x.is_finite() && number_to_integer(x) as f64 == x
}

/// `(int)x == x` on x86-64.
fn int_equivalent(x: f64) -> bool {
    let i = if (-2147483648.0..2147483648.0).contains(&x) { x as i32 } else { i32::MIN };
    x.is_finite() && f64::from(i) == x
}

/// True if the keys are exactly 1..n.
fn is_array(t: &Table) -> mlua::Result<bool> {
    let mut count: i64 = 0;
    let mut max: i64 = 0;
    for pair in t.clone().pairs::<Value, Value>() {
        let (k, _) = pair?;
        match as_number(&k) {
            Some(n) if n > 0.0 && int_equivalent(n) => {
                max = max.max(n as i64);
                count += 1;
            }
            _ => return Ok(false),
        }
    }
    Ok(max == count)
}

fn encode_value(out: &mut Vec<u8>, v: &Value, level: usize) -> mlua::Result<()> {
    match v {
        Value::String(s) => encode_bytes(out, &s.as_bytes()),
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(_) | Value::Number(_) => {
            let n = as_number(v).unwrap_or(0.0);
            if int64_equivalent(n) {
                encode_int(out, number_to_integer(n));
            } else {
                encode_double(out, n);
            }
        }
        Value::Table(t) if level < MAX_NESTING => {
            if is_array(t)? {
                let len = t.raw_len() as u64;
                encode_header(out, len, 0x90, 0xdc, 0xdd);
                for j in 1..=len {
                    // The C library reads items with lua_gettable (metamethods apply).
                    let item: Value = t.get(j)?;
                    encode_value(out, &item, level + 1)?;
                }
            } else {
                let len = t.clone().pairs::<Value, Value>().count() as u64;
                encode_header(out, len, 0x80, 0xde, 0xdf);
                for pair in t.clone().pairs::<Value, Value>() {
                    let (k, val) = pair?;
                    encode_value(out, &k, level + 1)?;
                    encode_value(out, &val, level + 1)?;
                }
            }
        }
        _ => out.push(0xc0),
    }
    Ok(())
}

fn pack(lua: &Lua, args: MultiValue) -> mlua::Result<Value> {
    if args.is_empty() {
        return Err(arg_error(lua, 0, "MessagePack pack needs input."));
    }
    let mut out = Vec::new();
    for v in args.iter() {
        encode_value(&mut out, v, 0)?;
    }
    Ok(Value::String(lua.create_string(&out)?))
}

enum DecodeError {
    Eof,
    BadFormat,
}

struct Cursor<'a> {
    s: &'a [u8],
    p: usize,
}

impl Cursor<'_> {
    fn need(&self, n: usize) -> Result<(), DecodeError> {
        if self.s.len() - self.p < n { Err(DecodeError::Eof) } else { Ok(()) }
    }

    fn be(&self, at: usize, n: usize) -> u64 {
        self.s[at..at + n].iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
    }
}

fn decode_value(lua: &Lua, c: &mut Cursor) -> mlua::Result<Result<Value, DecodeError>> {
    macro_rules! need {
        ($n:expr) => {
            if let Err(e) = c.need($n) {
                return Ok(Err(e));
            }
        };
    }
    need!(1);
    let p = c.p;
    let b = c.s[p];
    let num = |x: f64| Value::Number(x);
    let v = match b {
        0xcc => {
            need!(2);
            c.p += 2;
            num(f64::from(c.s[p + 1]))
        }
        0xd0 => {
            need!(2);
            c.p += 2;
            num(f64::from(c.s[p + 1] as i8))
        }
        0xcd => {
            need!(3);
            c.p += 3;
            num(c.be(p + 1, 2) as f64)
        }
        0xd1 => {
            need!(3);
            c.p += 3;
            num(f64::from(c.be(p + 1, 2) as u16 as i16))
        }
        0xce => {
            need!(5);
            c.p += 5;
            num(c.be(p + 1, 4) as f64)
        }
        0xd2 => {
            need!(5);
            c.p += 5;
            num(f64::from(c.be(p + 1, 4) as u32 as i32))
        }
        0xcf => {
            need!(9);
            c.p += 9;
            // lua_pushinteger of the unsigned value: it goes through int64.
            num(c.be(p + 1, 8) as i64 as f64)
        }
        0xd3 => {
            need!(9);
            c.p += 9;
            num(c.be(p + 1, 8) as i64 as f64)
        }
        0xc0 => {
            c.p += 1;
            Value::Nil
        }
        0xc3 => {
            c.p += 1;
            Value::Boolean(true)
        }
        0xc2 => {
            c.p += 1;
            Value::Boolean(false)
        }
        0xca => {
            need!(5);
            c.p += 5;
            num(f64::from(f32::from_bits(c.be(p + 1, 4) as u32)))
        }
        0xcb => {
            need!(9);
            c.p += 9;
            num(f64::from_bits(c.be(p + 1, 8)))
        }
        0xd9..=0xdb => {
            let hdr = match b {
                0xd9 => 1,
                0xda => 2,
                _ => 4,
            };
            need!(1 + hdr);
            let l = c.be(p + 1, hdr) as usize;
            c.p += 1 + hdr;
            need!(l);
            let s = lua.create_string(&c.s[c.p..c.p + l])?;
            c.p += l;
            Value::String(s)
        }
        0xdc..=0xdf => {
            let hdr = if b == 0xdc || b == 0xde { 2 } else { 4 };
            need!(1 + hdr);
            let l = c.be(p + 1, hdr) as usize;
            c.p += 1 + hdr;
            return if b <= 0xdd { decode_array(lua, c, l) } else { decode_map(lua, c, l) };
        }
        _ if b & 0x80 == 0 => {
            c.p += 1;
            num(f64::from(b))
        }
        _ if b & 0xe0 == 0xe0 => {
            c.p += 1;
            num(f64::from(b as i8))
        }
        _ if b & 0xe0 == 0xa0 => {
            let l = usize::from(b & 0x1f);
            need!(1 + l);
            let s = lua.create_string(&c.s[p + 1..p + 1 + l])?;
            c.p += 1 + l;
            Value::String(s)
        }
        _ if b & 0xf0 == 0x90 => {
            c.p += 1;
            return decode_array(lua, c, usize::from(b & 0xf));
        }
        _ if b & 0xf0 == 0x80 => {
            c.p += 1;
            return decode_map(lua, c, usize::from(b & 0xf));
        }
        _ => return Ok(Err(DecodeError::BadFormat)),
    };
    Ok(Ok(v))
}

fn decode_array(lua: &Lua, c: &mut Cursor, len: usize) -> mlua::Result<Result<Value, DecodeError>> {
    let t = lua.create_table()?;
    for i in 1..=len {
        match decode_value(lua, c)? {
            Ok(v) => t.raw_set(i as i64, v)?,
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(Value::Table(t)))
}

fn decode_map(lua: &Lua, c: &mut Cursor, len: usize) -> mlua::Result<Result<Value, DecodeError>> {
    let t = lua.create_table()?;
    for _ in 0..len {
        let k = match decode_value(lua, c)? {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let v = match decode_value(lua, c)? {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        // lua_settable: a nil key is an error, a nil value removes nothing.
        if matches!(k, Value::Nil) {
            return Err(lua_error(lua, "table index is nil"));
        }
        t.set(k, v)?;
    }
    Ok(Ok(Value::Table(t)))
}

fn unpack_full(lua: &Lua, args: &Args, limit: i64, offset: i64) -> mlua::Result<MultiValue> {
    let s = args.check_bytes(1)?;
    let len = s.len();
    let decode_all = limit == 0 && offset == 0;
    if offset < 0 || limit < 0 {
        return Err(lua_error(
            lua,
            format!("Invalid request to unpack with offset of {} and limit of {}.", offset as i32, len as i32),
        ));
    } else if offset as usize > len {
        return Err(lua_error(
            lua,
            format!("Start offset {} greater than input length {}.", offset as i32, len as i32),
        ));
    }
    let limit = if decode_all { i64::from(i32::MAX) } else { limit };
    let mut c = Cursor { s: &s, p: offset as usize };
    let mut out: Vec<Value> = Vec::new();
    let mut cnt = 0;
    while c.p < len && cnt < limit {
        if out.len() >= MAX_RESULTS {
            return Err(lua_error(lua, "too many return values at once; use unpack_one or unpack_limit instead."));
        }
        match decode_value(lua, &mut c)? {
            Ok(v) => out.push(v),
            Err(DecodeError::Eof) => return Err(lua_error(lua, "Missing bytes in input.")),
            Err(DecodeError::BadFormat) => return Err(lua_error(lua, "Bad data format in input.")),
        }
        cnt += 1;
    }
    if !decode_all {
        let next = if c.p == len { -1.0 } else { c.p as f64 };
        out.insert(0, Value::Number(next));
    }
    Ok(MultiValue::from_iter(out))
}

/// Builds the `cmsgpack` table.
pub fn open(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("pack", lua.create_function(pack)?)?;
    t.raw_set("unpack", lua.create_function(|lua, a: MultiValue| unpack_full(lua, &Args::new(lua, &a), 0, 0))?)?;
    t.raw_set(
        "unpack_one",
        lua.create_function(|lua, a: MultiValue| {
            let args = Args::new(lua, &a);
            let offset = args.opt_integer(2, 0)?;
            unpack_full(lua, &args, 1, offset)
        })?,
    )?;
    t.raw_set(
        "unpack_limit",
        lua.create_function(|lua, a: MultiValue| {
            let args = Args::new(lua, &a);
            let limit = args.check_integer(2)?;
            let offset = args.opt_integer(3, 0)?;
            unpack_full(lua, &args, limit, offset)
        })?,
    )?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    t.raw_set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    t.raw_set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    Ok(t)
}
