//! The `struct` library (Roberto Ierusalimschy's `struct.pack`,
//! `struct.unpack`, `struct.size`) with the x86-64 sizes Redis is built
//! with: `h` 2, `i`/`l`/`T` 8/4 as C's `int`/`long`/`size_t`, integers up
//! to 32 bytes wide carried in 64 bits, native little endian, alignment 1
//! until `!` sets it.

use mlua::{Lua, MultiValue, Table, Value};

use crate::scripting::errors::lua_error;
use crate::scripting::lauxlib::{Args, number_to_integer};

const MAXINTSIZE: usize = 32;
/// `MAXALIGN`: the alignment of a double next to a char (8).
const MAXALIGN: usize = 8;

#[derive(Clone, Copy)]
struct Header {
    little: bool,
    align: usize,
}

impl Header {
    fn new() -> Header {
        Header { little: true, align: 1 }
    }
}

struct Fmt<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Fmt<'_> {
    fn next(&mut self) -> Option<u8> {
        // The format is a C string: it ends at the first NUL.
        let c = *self.s.get(self.pos)?;
        if c == 0 {
            return None;
        }
        self.pos += 1;
        Some(c)
    }

    fn getnum(&mut self, lua: &Lua, default: usize) -> mlua::Result<usize> {
        if !self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
            return Ok(default);
        }
        let mut a: i64 = 0;
        while let Some(&d) = self.s.get(self.pos).filter(|d| d.is_ascii_digit()) {
            let digit = i64::from(d - b'0');
            if a > i64::from(i32::MAX) / 10 || a * 10 > i64::from(i32::MAX) - digit {
                return Err(lua_error(lua, "integral size overflow"));
            }
            a = a * 10 + digit;
            self.pos += 1;
        }
        Ok(a as usize)
    }
}

fn optsize(lua: &Lua, opt: u8, fmt: &mut Fmt) -> mlua::Result<usize> {
    Ok(match opt {
        b'B' | b'b' => 1,
        b'H' | b'h' => 2,
        b'L' | b'l' | b'T' | b'd' => 8,
        b'f' => 4,
        b'x' => 1,
        b'c' => fmt.getnum(lua, 1)?,
        b'i' | b'I' => {
            let sz = fmt.getnum(lua, 4)?;
            if sz > MAXINTSIZE {
                return Err(lua_error(lua, format!("integral size {sz} is larger than limit of {MAXINTSIZE}")));
            }
            sz
        }
        _ => 0,
    })
}

fn gettoalign(len: usize, h: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(h.align);
    (size - (len & (size - 1))) & (size - 1)
}

fn controloptions(args: &Args, opt: u8, fmt: &mut Fmt, h: &mut Header) -> mlua::Result<()> {
    match opt {
        b' ' => Ok(()),
        b'>' => {
            h.little = false;
            Ok(())
        }
        b'<' => {
            h.little = true;
            Ok(())
        }
        b'!' => {
            let a = fmt.getnum(args.lua, MAXALIGN)?;
            if a == 0 || a & (a - 1) != 0 {
                return Err(lua_error(args.lua, format!("alignment {a} is not a power of 2")));
            }
            h.align = a;
            Ok(())
        }
        _ => Err(crate::scripting::errors::arg_error(args.lua, 1, &format!("invalid format option '{}'", opt as char))),
    }
}

fn pack(args: &Args) -> mlua::Result<Value> {
    let fmt_bytes = args.check_bytes(1)?;
    let mut fmt = Fmt { s: &fmt_bytes, pos: 0 };
    let mut h = Header::new();
    let mut arg = 2;
    let mut out: Vec<u8> = Vec::new();
    while let Some(opt) = fmt.next() {
        let mut size = optsize(args.lua, opt, &mut fmt)?;
        let toalign = gettoalign(out.len(), &h, opt, size);
        out.resize(out.len() + toalign, 0);
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let n = args.check_number(arg)?;
                arg += 1;
                let mut value: u64 = if n < 0.0 { number_to_integer(n) as u64 } else { unsigned_of(n) };
                let mut buf = [0u8; MAXINTSIZE];
                for b in buf.iter_mut().take(size) {
                    *b = (value & 0xff) as u8;
                    value = value.checked_shr(8).unwrap_or(0);
                }
                if !h.little {
                    buf[..size].reverse();
                }
                out.extend_from_slice(&buf[..size]);
            }
            b'x' => out.push(0),
            b'f' => {
                let f = args.check_number(arg)? as f32;
                arg += 1;
                out.extend_from_slice(&if h.little { f.to_le_bytes() } else { f.to_be_bytes() });
            }
            b'd' => {
                let d = args.check_number(arg)?;
                arg += 1;
                out.extend_from_slice(&if h.little { d.to_le_bytes() } else { d.to_be_bytes() });
            }
            b'c' | b's' => {
                let s = args.check_bytes(arg)?;
                arg += 1;
                if size == 0 {
                    size = s.len();
                }
                args.check(s.len() >= size, arg, "string too short")?;
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                }
            }
            _ => controloptions(args, opt, &mut fmt, &mut h)?,
        }
    }
    Ok(Value::String(args.lua.create_string(&out)?))
}

/// `(unsigned long)n` for a non-negative double on x86-64.
fn unsigned_of(n: f64) -> u64 {
    if n >= 18446744073709551616.0 || n.is_nan() {
        // Out of range: x86's conversion gives the "indefinite" value.
        0x8000_0000_0000_0000
    } else {
        n as u64
    }
}

fn getinteger(data: &[u8], little: bool, signed: bool) -> f64 {
    let size = data.len();
    let mut l: u64 = 0;
    let mut push = |b: u8| l = (l << 8) | u64::from(b);
    if little {
        data.iter().rev().for_each(|&b| push(b));
    } else {
        data.iter().for_each(|&b| push(b));
    }
    if !signed {
        return l as f64;
    }
    let bits = size * 8;
    if bits == 0 || bits > 64 {
        return l as i64 as f64;
    }
    let mask = u64::MAX << (bits - 1);
    if l & mask != 0 {
        l |= mask;
    }
    l as i64 as f64
}

fn unpack(args: &Args) -> mlua::Result<MultiValue> {
    let fmt_bytes = args.check_bytes(1)?;
    let data = args.check_bytes(2)?;
    let ld = data.len();
    let pos = args.opt_integer(3, 1)?;
    args.check(pos > 0, 3, "offset must be 1 or greater")?;
    let mut pos = (pos - 1) as usize;
    let mut fmt = Fmt { s: &fmt_bytes, pos: 0 };
    let mut h = Header::new();
    let mut out: Vec<Value> = Vec::new();
    while let Some(opt) = fmt.next() {
        let mut size = optsize(args.lua, opt, &mut fmt)?;
        pos += gettoalign(pos, &h, opt, size);
        args.check(size <= ld && pos <= ld - size, 2, "data string too short")?;
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let v = getinteger(&data[pos..pos + size], h.little, opt.is_ascii_lowercase());
                out.push(Value::Number(v));
            }
            b'x' => {}
            b'f' => {
                let b: [u8; 4] = data[pos..pos + 4].try_into().expect("4 bytes");
                let f = if h.little { f32::from_le_bytes(b) } else { f32::from_be_bytes(b) };
                out.push(Value::Number(f64::from(f)));
            }
            b'd' => {
                let b: [u8; 8] = data[pos..pos + 8].try_into().expect("8 bytes");
                out.push(Value::Number(if h.little { f64::from_le_bytes(b) } else { f64::from_be_bytes(b) }));
            }
            b'c' => {
                if size == 0 {
                    let prev = out.last().and_then(crate::scripting::lauxlib::as_number);
                    let Some(n) = prev else {
                        return Err(lua_error(args.lua, "format 'c0' needs a previous size"));
                    };
                    out.pop();
                    size = n as usize;
                    args.check(size <= ld && pos <= ld - size, 2, "data string too short")?;
                }
                out.push(Value::String(args.lua.create_string(&data[pos..pos + size])?));
            }
            b's' => {
                let Some(e) = data[pos..].iter().position(|&b| b == 0) else {
                    return Err(lua_error(args.lua, "unfinished string in data"));
                };
                size = e + 1;
                out.push(Value::String(args.lua.create_string(&data[pos..pos + e])?));
            }
            _ => controloptions(args, opt, &mut fmt, &mut h)?,
        }
        pos += size;
    }
    out.push(Value::Number((pos + 1) as f64));
    Ok(MultiValue::from_iter(out))
}

fn size(args: &Args) -> mlua::Result<Value> {
    let fmt_bytes = args.check_bytes(1)?;
    let mut fmt = Fmt { s: &fmt_bytes, pos: 0 };
    let mut h = Header::new();
    let mut pos = 0usize;
    while let Some(opt) = fmt.next() {
        let size = optsize(args.lua, opt, &mut fmt)?;
        pos += gettoalign(pos, &h, opt, size);
        if opt == b's' {
            return Err(crate::scripting::errors::arg_error(args.lua, 1, "option 's' has no fixed size"));
        } else if opt == b'c' && size == 0 {
            return Err(crate::scripting::errors::arg_error(args.lua, 1, "option 'c0' has no fixed size"));
        }
        if !opt.is_ascii_alphanumeric() {
            controloptions(args, opt, &mut fmt, &mut h)?;
        }
        pos += size;
    }
    Ok(Value::Number(pos as f64))
}

/// Builds the `struct` table.
pub fn open(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("pack", lua.create_function(|lua, a: MultiValue| pack(&Args::new(lua, &a)))?)?;
    t.raw_set("unpack", lua.create_function(|lua, a: MultiValue| unpack(&Args::new(lua, &a)))?)?;
    t.raw_set("size", lua.create_function(|lua, a: MultiValue| size(&Args::new(lua, &a)))?)?;
    Ok(t)
}
