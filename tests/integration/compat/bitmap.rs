//! Bit operations for the compatibility stream: SETBIT GETBIT BITCOUNT
//! BITPOS (BYTE|BIT ranges) BITOP BITFIELD (GET SET INCRBY, OVERFLOW, iN/uN,
//! `#` offsets) BITFIELD_RO, with invalid offsets, types, bits and ranges,
//! wrong arity, and hash/set/sorted-set/string writes on the same keys so
//! WRONGTYPE and in-place edits of other strings are exercised.
//!
//! Offsets stay below 100,000 bits (strings of at most ~12 KB) except
//! refused ones: nothing here makes either server allocate much.

use super::{Family, Gen, Step, arg};

pub struct Bitmap;

/// A bit offset: mostly small, sometimes larger, edges and refused ones.
fn offset(g: &mut Gen) -> String {
    match g.below(40) {
        0..=23 => g.below(200).to_string(),
        24..=28 => g.below(2_000).to_string(),
        29..=30 => g.below(100_000).to_string(),
        31..=35 => g.pick(&["0", "7", "8", "63", "64", "65", "127"]).into(),
        36 => g.pick(&["4294967296", "4294967297", "9223372036854775807", "-9223372036854775808"]).into(),
        _ => g.pick(&["-1", "x", "", "1.5", " 1", "+1", "-0", "007", "0x10", "#1"]).into(),
    }
}

/// SETBIT's value: 0 or 1, sometimes not.
fn bit_value(g: &mut Gen) -> &'static str {
    if g.chance(92) {
        g.pick(&["0", "1"])
    } else {
        g.pick(&["2", "-1", "x", "", "01", "1.0", "9223372036854775807", " 1"])
    }
}

/// A BITCOUNT/BITPOS index: bytes or bits, negative, extreme or invalid.
fn index(g: &mut Gen, bits: bool) -> String {
    let span = if bits { 200 } else { 25 };
    match g.below(12) {
        0..=8 => g.rng.range(-span, span).to_string(),
        9 => g.pick(&["9223372036854775807", "-9223372036854775808", "4294967296", "-4294967296"]).into(),
        10 => g.pick(&["0", "-1", "1000", "-1000"]).into(),
        _ => g.pick(&["x", "", "1.5", " 1"]).into(),
    }
}

/// BYTE or BIT in any case, rarely something else.
fn unit(g: &mut Gen) -> &'static str {
    if g.chance(90) { g.pick(&["BYTE", "BIT", "byte", "bit", "Bit"]) } else { g.pick(&["BITS", "", "foo"]) }
}

/// A bitfield type: valid signed/unsigned widths, edges, invalid ones.
fn field_type(g: &mut Gen) -> String {
    match g.below(20) {
        0..=7 => format!("{}{}", g.pick(&["i", "u"]), 1 + g.below(16)),
        8..=11 => g.pick(&["i8", "u8", "i16", "u16", "i32", "u32", "i64", "u63", "i63", "u1", "i1"]).into(),
        12..=15 => format!("{}{}", g.pick(&["i", "u"]), 1 + g.below(63)),
        16..=17 => g.pick(&["u64", "i65", "i0", "u0", "I8", "U8", "x8", "", "i", "u08", "i-1", "i 8"]).into(),
        _ => "i64".into(),
    }
}

/// A bitfield offset: plain, `#N` (multiplied by the width), invalid.
fn field_offset(g: &mut Gen) -> String {
    match g.below(10) {
        0..=4 => g.below(100).to_string(),
        5..=6 => format!("#{}", g.below(12)),
        7 => g.below(3_000).to_string(),
        8 => g.pick(&["#-1", "#", "#x", "-1", "4294967296", "#1152921504606846976", "##1", "x"]).into(),
        _ => g.pick(&["0", "1", "7", "8", "63", "64"]).into(),
    }
}

/// A SET value or INCRBY increment: small, near the widths' limits, extreme.
fn field_value(g: &mut Gen) -> String {
    match g.below(12) {
        0..=5 => g.rng.range(-300, 300).to_string(),
        6 => g
            .pick(&["127", "128", "-128", "-129", "255", "256", "32767", "-32768", "65535", "4294967295", "2147483648"])
            .into(),
        7..=8 => g.rng.range(-10_000_000, 10_000_000).to_string(),
        _ => g.int_text(),
    }
}

/// BITFIELD's (or BITFIELD_RO's) subcommands.
fn field_ops(g: &mut Gen, args: &mut Vec<Vec<u8>>, read_only: bool) {
    for _ in 0..g.below(5) {
        match g.below(20) {
            0..=5 => args.extend(cmd![g.pick(&["GET", "get"]), field_type(g), field_offset(g)]),
            6..=9 if !read_only || g.chance(10) => {
                args.extend(cmd![g.pick(&["SET", "set"]), field_type(g), field_offset(g), field_value(g)])
            }
            10..=14 if !read_only || g.chance(10) => {
                args.extend(cmd![g.pick(&["INCRBY", "incrby"]), field_type(g), field_offset(g), field_value(g)])
            }
            15..=17 if !read_only || g.chance(10) => {
                args.extend(cmd!["OVERFLOW", g.pick(&["WRAP", "SAT", "FAIL", "wrap", "sat", "fail"])])
            }
            18 => {
                // Incomplete or unknown subcommands.
                let bad = match g.below(6) {
                    0 => cmd!["GET", field_type(g)],
                    1 => cmd!["SET", field_type(g), field_offset(g)],
                    2 => cmd!["INCRBY"],
                    3 => cmd!["OVERFLOW"],
                    4 => cmd!["OVERFLOW", g.pick(&["FOO", "", "WRAPS"])],
                    _ => cmd![g.pick(&["FOO", "GETT", ""])],
                };
                args.extend(bad);
            }
            _ => args.extend(cmd!["GET", field_type(g), field_offset(g)]),
        }
    }
}

/// Writes of other types and strings on the same keys.
fn other(g: &mut Gen, key: String) -> Vec<Vec<u8>> {
    match g.below(12) {
        0..=1 => cmd!["HSET", key, "f", g.value()],
        2 => cmd!["SADD", key, g.value()],
        3 => cmd!["ZADD", key, g.pick(&["1", "2.5", "-3"]), g.value()],
        4..=5 => cmd!["SET", key, g.value()],
        6 => cmd!["APPEND", key, g.value()],
        7 => cmd!["SETRANGE", key, g.below(40).to_string(), g.value()],
        8 => cmd!["GET", key],
        9 => cmd!["STRLEN", key],
        10 => cmd!["DEL", key],
        _ => cmd!["OBJECT", "ENCODING", key],
    }
}

impl Family for Bitmap {
    fn name(&self) -> &'static str {
        "bitmap"
    }

    fn weight(&self) -> u32 {
        20
    }

    fn step(&self, g: &mut Gen) -> Step {
        let key = g.key();
        Step::exact(match g.below(100) {
            0..=17 => cmd!["SETBIT", key, offset(g), bit_value(g)],
            18..=27 => cmd!["GETBIT", key, offset(g)],
            28..=39 => {
                let mut args = cmd!["BITCOUNT", key];
                match g.below(10) {
                    0..=2 => {}
                    3..=5 => args.extend(cmd![index(g, false), index(g, false)]),
                    6..=8 => {
                        let u = unit(g);
                        let bits = u.eq_ignore_ascii_case("bit");
                        args.extend(cmd![index(g, bits), index(g, bits), u]);
                    }
                    _ => {
                        // Missing end, or too many arguments.
                        args.push(arg(index(g, false)));
                        if g.chance(50) {
                            args.extend(cmd![index(g, false), unit(g), "x"]);
                        }
                    }
                }
                args
            }
            40..=53 => {
                let bit = if g.chance(90) { g.pick(&["0", "1"]) } else { g.pick(&["2", "-1", "x", ""]) };
                let mut args = cmd!["BITPOS", key, bit];
                let u = unit(g);
                let bits = u.eq_ignore_ascii_case("bit");
                match g.below(10) {
                    0..=2 => {}
                    3..=4 => args.push(arg(index(g, bits))),
                    5..=6 => args.extend(cmd![index(g, bits), index(g, bits)]),
                    7..=8 => args.extend(cmd![index(g, bits), index(g, bits), u]),
                    _ => args.extend(cmd![index(g, bits), index(g, bits), u, "x"]),
                }
                args
            }
            54..=65 => {
                let op = if g.chance(92) {
                    g.pick(&["AND", "OR", "XOR", "NOT", "and", "or", "xor", "not"])
                } else {
                    g.pick(&["NAND", "", "ANDX"])
                };
                let mut args = cmd!["BITOP", op, g.key()];
                let sources = if op.eq_ignore_ascii_case("not") && g.chance(85) { 1 } else { 1 + g.below(4) };
                for _ in 0..sources {
                    args.push(arg(g.key()));
                }
                args
            }
            66..=81 => {
                let mut args = cmd!["BITFIELD", key];
                field_ops(g, &mut args, false);
                args
            }
            82..=85 => {
                let mut args = cmd!["BITFIELD_RO", key];
                field_ops(g, &mut args, true);
                args
            }
            86..=96 => other(g, key),
            _ => {
                // Wrong arity.
                match g.below(7) {
                    0 => cmd!["SETBIT", key, offset(g)],
                    1 => cmd!["GETBIT", key],
                    2 => cmd!["GETBIT", key, "1", "2"],
                    3 => cmd!["BITCOUNT"],
                    4 => cmd!["BITPOS", key],
                    5 => cmd!["BITOP", "AND", key],
                    _ => cmd![g.pick(&["BITFIELD", "BITFIELD_RO", "SETBIT"])],
                }
            }
        })
    }
}
