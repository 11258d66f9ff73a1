//! String commands for the compatibility stream: GET SET (every option) SETNX
//! SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX APPEND STRLEN INCR DECR
//! INCRBY DECRBY INCRBYFLOAT GETRANGE SUBSTR SETRANGE LCS, with bad numbers,
//! overflow, syntax errors and wrong arity mixed in.

use super::{Check, Family, Gen, Step, arg};

pub struct Strings;

/// A range index: small, negative, extreme or invalid.
fn index(g: &mut Gen) -> String {
    match g.below(10) {
        0..=6 => g.rng.range(-15, 15).to_string(),
        7 => g.pick(&["9223372036854775807", "-9223372036854775808", "2147483648", "-2147483649"]).into(),
        8 => g.pick(&["x", "", "1.5", " 1"]).into(),
        _ => g.rng.range(-100, 100).to_string(),
    }
}

/// SET's options in a random order, sometimes contradictory or incomplete.
fn set_options(g: &mut Gen, args: &mut Vec<Vec<u8>>) {
    let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
    if g.chance(30) {
        opts.push(cmd![g.pick(&["NX", "XX", "nx", "xx"])]);
    }
    if g.chance(25) {
        opts.push(cmd![g.pick(&["GET", "get"])]);
    }
    if g.chance(40) {
        let expiry = match g.below(5) {
            0 => cmd!["EX", g.ttl_secs()],
            1 => cmd!["PX", g.ttl_ms()],
            2 => cmd!["EXAT", g.unix_secs_not_past()],
            3 => cmd!["PXAT", g.unix_ms_not_past()],
            _ => cmd!["KEEPTTL"],
        };
        opts.push(expiry);
    }
    if g.chance(5) {
        // Contradictions, missing values, unknown options.
        opts.push(match g.below(6) {
            0 => cmd!["NX", "XX"],
            1 => cmd!["EX", "100000", "PX", "100000000"],
            2 => cmd!["EX"],
            3 => cmd!["KEEPTTL", "EX", "100000"],
            4 => cmd!["FOO"],
            _ => cmd!["GET", "GET"],
        });
    }
    // A fixed-size shuffle, enough for three groups.
    for i in (1..opts.len()).rev() {
        let j = g.below(i + 1);
        opts.swap(i, j);
    }
    args.extend(opts.into_iter().flatten());
}

fn getex_options(g: &mut Gen, args: &mut Vec<Vec<u8>>) {
    match g.below(9) {
        0 | 1 => {}
        2 => args.extend(cmd!["EX", g.ttl_secs()]),
        3 => args.extend(cmd!["PX", g.ttl_ms()]),
        4 => args.extend(cmd!["EXAT", g.unix_secs()]),
        5 => args.extend(cmd!["PXAT", g.unix_ms()]),
        6 => args.extend(cmd!["PERSIST"]),
        7 => args.extend(cmd![g.pick(&["EX", "PERSIST", "FOO"]), g.pick(&["PERSIST", "100000", "EX"])]),
        _ => args.extend(cmd!["EX", "100000", "PX", "100000000"]),
    }
}

fn lcs(g: &mut Gen) -> Vec<Vec<u8>> {
    let mut args = cmd!["LCS", g.key(), g.key()];
    if g.chance(5) {
        args.truncate(2);
        return args;
    }
    let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
    if g.chance(30) {
        opts.push(cmd!["LEN"]);
    }
    if g.chance(40) {
        opts.push(cmd!["IDX"]);
    }
    if g.chance(30) {
        let n = match g.below(4) {
            0 => "x".to_string(),
            1 => "-1".to_string(),
            _ => g.below(5).to_string(),
        };
        opts.push(cmd!["MINMATCHLEN", n]);
    }
    if g.chance(30) {
        opts.push(cmd!["WITHMATCHLEN"]);
    }
    if g.chance(3) {
        opts.push(cmd![g.pick(&["FOO", "MINMATCHLEN"])]);
    }
    for i in (1..opts.len()).rev() {
        let j = g.below(i + 1);
        opts.swap(i, j);
    }
    args.extend(opts.into_iter().flatten());
    args
}

impl Family for Strings {
    fn name(&self) -> &'static str {
        "strings"
    }

    fn weight(&self) -> u32 {
        40
    }

    fn step(&self, g: &mut Gen) -> Step {
        let key = g.key();
        let args = match g.below(100) {
            0..=9 => cmd!["GET", key],
            10..=21 => {
                let mut args = cmd![g.pick(&["SET", "set"]), key, g.value()];
                set_options(g, &mut args);
                args
            }
            22..=23 => cmd!["SETNX", key, g.value()],
            24..=25 => cmd!["SETEX", key, g.ttl_secs(), g.value()],
            26 => cmd!["PSETEX", key, g.ttl_ms(), g.value()],
            27..=28 => cmd!["GETSET", key, g.value()],
            29..=30 => cmd!["GETDEL", key],
            31..=33 => {
                let mut args = cmd!["GETEX", key];
                getex_options(g, &mut args);
                args
            }
            34..=36 => {
                let mut args = cmd!["MGET"];
                args.extend(g.keys(5));
                args
            }
            37..=39 => {
                let mut args = cmd![g.pick(&["MSET", "MSETNX"])];
                for _ in 0..1 + g.below(3) {
                    args.extend(cmd![g.key(), g.value()]);
                }
                if g.chance(5) {
                    args.pop();
                }
                args
            }
            40..=43 => {
                let value = if g.chance(60) { g.lcs_text() } else { g.value() };
                cmd!["APPEND", key, value]
            }
            44..=45 => cmd!["STRLEN", key],
            46..=50 => cmd![g.pick(&["INCR", "DECR"]), key],
            51..=56 => cmd![g.pick(&["INCRBY", "DECRBY"]), key, g.int_text()],
            57..=61 => cmd!["INCRBYFLOAT", key, g.float_text()],
            62..=66 => cmd![g.pick(&["GETRANGE", "SUBSTR"]), key, index(g), index(g)],
            67..=70 => {
                let offset = match g.below(10) {
                    0 => g.pick(&["-1", "x", "536870912", "536870913", "9223372036854775807"]).to_string(),
                    1 => g.below(300).to_string(),
                    _ => g.below(20).to_string(),
                };
                let value = if g.chance(15) { Vec::new() } else { g.lcs_text() };
                cmd!["SETRANGE", key, offset, value]
            }
            71..=75 => lcs(g),
            76..=79 => {
                // Values that are numbers, for INCR* to act on.
                let n = if g.chance(70) { g.rng.range(-1000, 1000).to_string() } else { g.float_text() };
                cmd!["SET", key, n]
            }
            80..=83 => cmd!["INCRBY", key, g.rng.range(-100, 100).to_string()],
            84..=86 => cmd!["INCRBYFLOAT", key, format!("{}.{}", g.rng.range(-10, 10), g.below(10))],
            _ => {
                // Wrong arity and malformed calls.
                let name = g.pick(&[
                    "GET",
                    "SET",
                    "SETNX",
                    "SETEX",
                    "PSETEX",
                    "GETSET",
                    "GETDEL",
                    "GETEX",
                    "MGET",
                    "MSET",
                    "MSETNX",
                    "APPEND",
                    "STRLEN",
                    "INCR",
                    "DECR",
                    "INCRBY",
                    "DECRBY",
                    "INCRBYFLOAT",
                    "GETRANGE",
                    "SUBSTR",
                    "SETRANGE",
                    "LCS",
                ]);
                let n = g.below(5);
                let mut args = vec![arg(name)];
                for _ in 0..n {
                    args.push(arg(g.key()));
                }
                args
            }
        };
        Step::with(args, Check::Exact)
    }
}
