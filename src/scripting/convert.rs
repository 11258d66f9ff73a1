//! Conversions between replies and Lua values, as Redis documents them.
//!
//! Reply → Lua (what `redis.call` returns), from the RESP the script client
//! received: integer → number; bulk → string; null bulk / null array →
//! false; array → table (an inner RESP3 null leaves a hole); status →
//! `{ok=…}`; error → `{err=…}`; RESP3 map → `{map={…}}`, set →
//! `{set={k=true…}}`, null → nil, boolean → boolean, double →
//! `{double=…}`, big number → `{big_number=…}`, verbatim →
//! `{verbatim_string={format=…, string=…}}`; attributes are skipped.
//!
//! Lua → reply (what a script returns): string → bulk; number → integer
//! (truncated); boolean → `:1` / null under RESP2 scripts, a boolean under
//! `redis.setresp(3)`; tables → error (`err`), status (`ok`), double,
//! big number, verbatim, map, set, or an array up to the first nil; anything
//! else → null. The reply is rendered in the caller's protocol.

use bytes::BufMut;
use mlua::{Lua, Table, Value};

use super::errors::error_text;
use super::lauxlib::number_to_integer;
use crate::protocol::ReplyWriter;
use crate::util::number::parse_i64;

/// Nesting deeper than this fails as Redis's `lua_checkstack` does (Redis
/// stops near 8000 levels; each of our levels holds Lua references, so the
/// limit is lower).
const MAX_DEPTH: usize = 3000;

/// A parsed reply: the value and whether the top level was an error.
pub struct Parsed {
    pub value: Value,
    pub error: Option<String>,
}

/// Converts one RESP reply (as our writer renders it) into a Lua value.
pub fn reply_to_lua(lua: &Lua, buf: &[u8]) -> mlua::Result<Parsed> {
    let mut p = RespParser { lua, buf, pos: 0 };
    let top_error = (buf.first() == Some(&b'-')).then(|| {
        let end = buf.windows(2).position(|w| w == b"\r\n").unwrap_or(buf.len());
        error_text(&String::from_utf8_lossy(&buf[..end]))
    });
    let value = p.value()?;
    Ok(Parsed { value, error: top_error })
}

/// Builds the `{err = msg}` table Redis pushes for an error
/// (`ignore_error_stats_update` marks errors already counted).
pub fn error_table(lua: &Lua, msg: &str, ignore_stats: bool) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("err", msg)?;
    if ignore_stats {
        t.raw_set("ignore_error_stats_update", true)?;
    }
    Ok(t)
}

struct RespParser<'a> {
    lua: &'a Lua,
    buf: &'a [u8],
    pos: usize,
}

impl<'a> RespParser<'a> {
    fn line(&mut self) -> &'a [u8] {
        let start = self.pos + 1;
        let buf: &'a [u8] = self.buf;
        let rest = &buf[start.min(buf.len())..];
        let end = rest.windows(2).position(|w| w == b"\r\n").unwrap_or(rest.len());
        self.pos = start + end + 2;
        &rest[..end]
    }

    fn blob(&mut self, len: usize) -> &'a [u8] {
        let buf: &'a [u8] = self.buf;
        let start = self.pos.min(buf.len());
        let end = (start + len).min(buf.len());
        self.pos = end + 2;
        &buf[start..end]
    }

    fn kv_table(&self, key: &str, v: impl mlua::IntoLua) -> mlua::Result<Value> {
        let t = self.lua.create_table()?;
        t.raw_set(key, v)?;
        Ok(Value::Table(t))
    }

    fn value(&mut self) -> mlua::Result<Value> {
        let Some(&kind) = self.buf.get(self.pos) else { return Ok(Value::Nil) };
        match kind {
            b':' => {
                let n = parse_i64(self.line()).unwrap_or(0);
                Ok(Value::Number(n as f64))
            }
            b'$' => {
                let n = parse_i64(self.line()).unwrap_or(-1);
                if n < 0 {
                    return Ok(Value::Boolean(false));
                }
                let data = self.blob(n as usize);
                Ok(Value::String(self.lua.create_string(data)?))
            }
            b'+' => {
                let line = self.line();
                let s = self.lua.create_string(line)?;
                self.kv_table("ok", s)
            }
            b'-' => {
                let line = self.line();
                let mut raw = Vec::with_capacity(line.len() + 1);
                raw.push(b'-');
                raw.extend_from_slice(line);
                let msg = error_text(&String::from_utf8_lossy(&raw));
                Ok(Value::Table(error_table(self.lua, &msg, true)?))
            }
            b'*' | b'~' | b'>' => {
                let n = parse_i64(self.line()).unwrap_or(-1);
                if n < 0 {
                    return Ok(Value::Boolean(false));
                }
                let n = n as usize;
                if kind == b'~' {
                    let set = self.lua.create_table()?;
                    for _ in 0..n {
                        let v = self.value()?;
                        if !matches!(v, Value::Nil) {
                            set.raw_set(v, true)?;
                        }
                    }
                    return self.kv_table("set", set);
                }
                let t = self.lua.create_table()?;
                for i in 1..=n {
                    let v = self.value()?;
                    t.raw_set(i as i64, v)?;
                }
                Ok(Value::Table(t))
            }
            b'%' | b'|' => {
                let n = parse_i64(self.line()).unwrap_or(0).max(0) as usize;
                if kind == b'|' {
                    // An attribute: skipped, the reply follows it.
                    for _ in 0..2 * n {
                        self.skip();
                    }
                    return self.value();
                }
                let map = self.lua.create_table()?;
                for _ in 0..n {
                    let k = self.value()?;
                    let v = self.value()?;
                    if !matches!(k, Value::Nil) {
                        map.raw_set(k, v)?;
                    }
                }
                self.kv_table("map", map)
            }
            b'_' => {
                self.line();
                Ok(Value::Nil)
            }
            b'#' => {
                let t = self.line() == b"t";
                Ok(Value::Boolean(t))
            }
            b',' => {
                let line = self.line();
                let d = match line {
                    b"inf" => f64::INFINITY,
                    b"-inf" => f64::NEG_INFINITY,
                    _ => std::str::from_utf8(line).ok().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN),
                };
                self.kv_table("double", d)
            }
            b'(' => {
                let line = self.line();
                let s = self.lua.create_string(line)?;
                self.kv_table("big_number", s)
            }
            b'=' => {
                let n = parse_i64(self.line()).unwrap_or(0).max(0) as usize;
                let data = self.blob(n);
                let (format, text) = if data.len() >= 4 { (&data[..3], &data[4..]) } else { (data, &[][..]) };
                let inner = self.lua.create_table()?;
                inner.raw_set("string", self.lua.create_string(text)?)?;
                inner.raw_set("format", self.lua.create_string(format)?)?;
                self.kv_table("verbatim_string", inner)
            }
            _ => {
                self.pos = self.buf.len();
                Ok(Value::Nil)
            }
        }
    }

    /// Skips one reply (attribute contents).
    fn skip(&mut self) {
        let Some(&kind) = self.buf.get(self.pos) else { return };
        match kind {
            b'$' | b'=' => {
                let n = parse_i64(self.line()).unwrap_or(-1);
                if n >= 0 {
                    self.blob(n as usize);
                }
            }
            b'*' | b'~' | b'>' => {
                let n = parse_i64(self.line()).unwrap_or(0).max(0);
                (0..n).for_each(|_| self.skip());
            }
            b'%' | b'|' => {
                let n = parse_i64(self.line()).unwrap_or(0).max(0);
                (0..2 * n).for_each(|_| self.skip());
            }
            _ => {
                self.line();
            }
        }
    }
}

/// What writing a script's result produced, for the caller's statistics.
#[derive(Default)]
pub struct Written {
    /// Error replies to count in `errorstats` (not counted before).
    pub counted_errors: Vec<Vec<u8>>,
    /// Some error reply was written (the command counts as failed).
    pub any_error: bool,
}

/// Writes the Lua value `v` as a reply. `resp3` is the protocol the script
/// chose with `redis.setresp` (it decides how booleans are sent).
pub fn lua_to_reply(v: &Value, out: &mut ReplyWriter, resp3: bool, written: &mut Written) {
    write_value(v, out, resp3, written, 0);
}

fn write_bytes_line(out: &mut ReplyWriter, prefix: u8, s: &[u8]) {
    out.buf.reserve(s.len() + 3);
    out.buf.put_u8(prefix);
    for &b in s {
        out.buf.put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
    }
    out.buf.put_slice(b"\r\n");
}

fn write_error(out: &mut ReplyWriter, msg: &[u8], count: bool, written: &mut Written) {
    write_bytes_line(out, b'-', msg);
    written.any_error = true;
    if count {
        written.counted_errors.push(msg.to_vec());
    }
}

fn write_value(v: &Value, out: &mut ReplyWriter, resp3: bool, written: &mut Written, depth: usize) {
    if depth > MAX_DEPTH {
        write_error(out, b"ERR reached lua stack limit", true, written);
        return;
    }
    match v {
        Value::String(s) => out.bulk(&s.as_bytes()),
        Value::Boolean(b) => {
            if resp3 {
                out.boolean(*b);
            } else if *b {
                out.int(1);
            } else {
                out.null();
            }
        }
        Value::Integer(i) => out.int(*i),
        Value::Number(n) => out.int(number_to_integer(*n)),
        Value::Table(t) => write_table(t, out, resp3, written, depth),
        _ => out.null(),
    }
}

fn raw_get(t: &Table, key: &str) -> Value {
    t.raw_get::<Value>(key).unwrap_or(Value::Nil)
}

fn write_table(t: &Table, out: &mut ReplyWriter, resp3: bool, written: &mut Written, depth: usize) {
    if write_typed_scalar(t, out, written) {
        return;
    }
    if let Value::Table(m) = raw_get(t, "map") {
        let n = m.pairs::<Value, Value>().count();
        out.map(n);
        for (k, v) in m.pairs::<Value, Value>().filter_map(Result::ok).take(n) {
            write_value(&k, out, resp3, written, depth + 2);
            write_value(&v, out, resp3, written, depth + 2);
        }
        return;
    }
    if let Value::Table(s) = raw_get(t, "set") {
        let n = s.pairs::<Value, Value>().count();
        out.set(n);
        for (k, _) in s.pairs::<Value, Value>().filter_map(Result::ok).take(n) {
            write_value(&k, out, resp3, written, depth + 2);
        }
        return;
    }
    // An array up to the first nil: counted first, then written one item at
    // a time (only the items on the current path are held).
    let mut n = 0;
    while matches!(t.raw_get::<Value>(n + 1), Ok(v) if !matches!(v, Value::Nil)) {
        n += 1;
    }
    out.array(n);
    for i in 1..=n {
        let v = t.raw_get::<Value>(i).unwrap_or(Value::Nil);
        write_value(&v, out, resp3, written, depth + 1);
    }
}

/// Writes a table that stands for one non-aggregate reply (`err`, `ok`,
/// `double`, `big_number`, `verbatim_string`); false if `t` is none of
/// them. Kept out of `write_table` so the frames of a deeply nested
/// reply's recursion stay small.
#[inline(never)]
fn write_typed_scalar(t: &Table, out: &mut ReplyWriter, written: &mut Written) -> bool {
    if let Value::String(e) = raw_get(t, "err") {
        let ignore = matches!(t.get::<Value>("ignore_error_stats_update"), Ok(Value::Boolean(true)));
        write_error(out, &e.as_bytes(), !ignore, written);
        return true;
    }
    if let Value::String(s) = raw_get(t, "ok") {
        write_bytes_line(out, b'+', &s.as_bytes());
        return true;
    }
    if let v @ (Value::Number(_) | Value::Integer(_)) = raw_get(t, "double") {
        let d = super::lauxlib::as_number(&v).unwrap_or(0.0);
        if d.is_nan() {
            // printf's "%.17g" keeps NaN's sign (0/0 is -nan on x86).
            let text: &[u8] = if d.is_sign_negative() { b"-nan" } else { b"nan" };
            if out.is_resp3() {
                write_bytes_line(out, b',', text);
            } else {
                out.bulk(text);
            }
        } else {
            out.double(d);
        }
        return true;
    }
    if let Value::String(s) = raw_get(t, "big_number") {
        let digits: Vec<u8> = s.as_bytes().iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }).collect();
        if out.is_resp3() {
            write_bytes_line(out, b'(', &digits);
        } else {
            out.bulk(&digits);
        }
        return true;
    }
    if let Value::Table(vt) = raw_get(t, "verbatim_string")
        && let (Value::String(format), Value::String(text)) = (raw_get(&vt, "format"), raw_get(&vt, "string"))
    {
        let text = text.as_bytes();
        if out.is_resp3() {
            let mut ext = [b' '; 3];
            for (d, s) in ext.iter_mut().zip(format.as_bytes().iter()) {
                *d = *s;
            }
            let mut payload = Vec::with_capacity(text.len() + 4);
            payload.extend_from_slice(&ext);
            payload.push(b':');
            payload.extend_from_slice(&text);
            let mut digits = [0u8; 20];
            let n = crate::util::number::format_u64(&mut digits, payload.len() as u64);
            out.buf.put_u8(b'=');
            out.buf.put_slice(n);
            out.buf.put_slice(b"\r\n");
            out.buf.put_slice(&payload);
            out.buf.put_slice(b"\r\n");
        } else {
            out.bulk(&text);
        }
        return true;
    }
    false
}
