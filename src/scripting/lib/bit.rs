//! The `bit` library (LuaBitOp's API): 32-bit operations on Lua numbers.
//! A number becomes 32 bits by rounding to the nearest integer (ties to
//! even) and keeping the low 32 bits, as LuaBitOp's `2^52+2^51` trick does;
//! results are signed 32-bit numbers.

use mlua::{Lua, MultiValue, Table, Value};

use crate::scripting::lauxlib::Args;

/// LuaBitOp's conversion of a double to 32 bits.
fn to_bits(n: f64) -> u32 {
    (n + 6_755_399_441_055_744.0).to_bits() as u32
}

/// `barg`: a number argument as 32 bits (nil and non-numbers are errors).
fn barg(args: &Args, i: usize) -> mlua::Result<u32> {
    match args.to_number(i) {
        Some(n) => Ok(to_bits(n)),
        None => Err(crate::scripting::errors::arg_error(
            args.lua,
            i,
            &format!("number expected, got {}", crate::scripting::lauxlib::type_name(args.get(i))),
        )),
    }
}

fn ret(b: u32) -> Value {
    Value::Number(f64::from(b as i32))
}

type BitFn = fn(&Args) -> mlua::Result<Value>;

const FUNCS: &[(&str, BitFn)] = &[
    ("tobit", |a| Ok(ret(barg(a, 1)?))),
    ("bnot", |a| Ok(ret(!barg(a, 1)?))),
    ("band", |a| fold(a, |x, y| x & y)),
    ("bor", |a| fold(a, |x, y| x | y)),
    ("bxor", |a| fold(a, |x, y| x ^ y)),
    ("lshift", |a| shift(a, |b, n| b << n)),
    ("rshift", |a| shift(a, |b, n| b >> n)),
    ("arshift", |a| shift(a, |b, n| ((b as i32) >> n) as u32)),
    ("rol", |a| shift(a, |b, n| b.rotate_left(n))),
    ("ror", |a| shift(a, |b, n| b.rotate_right(n))),
    ("bswap", |a| Ok(ret(barg(a, 1)?.swap_bytes()))),
    ("tohex", tohex),
];

fn fold(a: &Args, op: fn(u32, u32) -> u32) -> mlua::Result<Value> {
    let mut b = barg(a, 1)?;
    // LuaBitOp folds from the last argument down to the second.
    for i in (2..=a.len()).rev() {
        b = op(b, barg(a, i)?);
    }
    Ok(ret(b))
}

fn shift(a: &Args, op: fn(u32, u32) -> u32) -> mlua::Result<Value> {
    let b = barg(a, 1)?;
    let n = barg(a, 2)? & 31;
    Ok(ret(op(b, n)))
}

fn tohex(a: &Args) -> mlua::Result<Value> {
    let mut b = barg(a, 1)?;
    let mut n = if a.get(2).is_none() { 8 } else { barg(a, 2)? as i32 };
    let digits: &[u8; 16] = if n < 0 {
        n = n.wrapping_neg();
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let n = (n as u32).min(8) as usize;
    let mut buf = [0u8; 8];
    for i in (0..n).rev() {
        buf[i] = digits[(b & 15) as usize];
        b >>= 4;
    }
    Ok(Value::String(a.lua.create_string(&buf[..n])?))
}

/// Builds the `bit` table.
pub fn open(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for &(name, f) in FUNCS {
        let func = lua.create_function(move |lua, args: MultiValue| f(&Args::new(lua, &args)))?;
        t.raw_set(name, func)?;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_rounds_and_wraps() {
        assert_eq!(to_bits(1.0), 1);
        assert_eq!(to_bits(-1.0), u32::MAX);
        assert_eq!(to_bits(2.5), 2);
        assert_eq!(to_bits(3.5), 4);
        assert_eq!(to_bits(4294967296.0 + 5.0), 5);
        assert_eq!(to_bits(1437217655.0), 1437217655);
    }
}
