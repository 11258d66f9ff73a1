//! Generic key commands for the compatibility stream: DEL UNLINK EXISTS TYPE
//! KEYS SCAN RANDOMKEY RENAME RENAMENX MOVE COPY TOUCH EXPIRE PEXPIRE EXPIREAT
//! PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST OBJECT, with bad
//! arguments and wrong arity mixed in.

use super::{Check, Family, Gen, Step, arg};

pub struct Keys;

/// EXPIRE's NX/XX/GT/LT flags, sometimes several or unknown ones.
fn expire_flags(g: &mut Gen, args: &mut Vec<Vec<u8>>) {
    match g.below(12) {
        0 => args.push(arg("NX")),
        1 => args.push(arg("XX")),
        2 => args.push(arg("GT")),
        3 => args.push(arg("LT")),
        4 => args.extend(cmd![g.pick(&["NX", "GT", "xx"]), g.pick(&["XX", "LT", "GT", "gt"])]),
        5 => args.push(arg(g.pick(&["FOO", "nx"]))),
        _ => {}
    }
}

fn db(g: &mut Gen) -> String {
    match g.below(10) {
        0 => g.pick(&["16", "-1", "x", "99999999999999999999"]).into(),
        _ => g.below(3).to_string(),
    }
}

impl Family for Keys {
    fn name(&self) -> &'static str {
        "keys"
    }

    fn weight(&self) -> u32 {
        30
    }

    fn step(&self, g: &mut Gen) -> Step {
        let key = g.key();
        let ttl_tolerance_ms = 2_000;
        match g.below(100) {
            0..=5 => {
                let mut args = cmd![g.pick(&["DEL", "UNLINK"])];
                args.extend(g.keys(3));
                Step::exact(args)
            }
            6..=10 => {
                let mut args = cmd!["EXISTS"];
                args.extend(g.keys(4));
                Step::exact(args)
            }
            11..=14 => Step::exact(cmd!["TYPE", key]),
            15..=18 => Step::with(cmd!["KEYS", g.pattern()], Check::Unordered),
            19..=23 => {
                let mut args = cmd!["SCAN", "0"];
                if g.chance(40) {
                    args.extend(cmd!["MATCH", g.pattern()]);
                }
                if g.chance(40) {
                    let count = match g.below(6) {
                        0 => g.pick(&["0", "-1", "x"]).to_string(),
                        _ => (1 + g.below(20)).to_string(),
                    };
                    args.extend(cmd!["COUNT", count]);
                }
                if g.chance(25) {
                    args.extend(cmd![
                        "TYPE",
                        g.pick(&["string", "STRING", "hash", "list", "set", "zset", "none", "foo"])
                    ]);
                }
                if g.chance(3) {
                    args.push(arg(g.pick(&["MATCH", "COUNT", "FOO"])));
                }
                Step::with(args, Check::ScanAll { cursor_at: 1 })
            }
            // Invalid cursors; "" reads as 0.
            24 => Step::with(
                cmd!["SCAN", g.pick(&["abc", "", "1.5", " 0", "18446744073709551616"])],
                Check::ScanAll { cursor_at: 1 },
            ),
            25..=27 => Step::with(cmd!["RANDOMKEY"], Check::RandomKey),
            28..=31 => Step::exact(cmd![g.pick(&["RENAME", "RENAMENX"]), key, g.key()]),
            32..=33 => Step::exact(cmd!["MOVE", key, db(g)]),
            34..=37 => {
                let mut args = cmd!["COPY", key, g.key()];
                if g.chance(40) {
                    args.extend(cmd!["DB", db(g)]);
                }
                if g.chance(40) {
                    args.push(arg("REPLACE"));
                }
                if g.chance(3) {
                    args.push(arg(g.pick(&["DB", "FOO"])));
                }
                Step::exact(args)
            }
            38..=40 => {
                let mut args = cmd!["TOUCH"];
                args.extend(g.keys(4));
                Step::exact(args)
            }
            41..=47 => {
                let (name, time) = match g.below(4) {
                    0 => ("EXPIRE", g.ttl_secs()),
                    1 => ("PEXPIRE", g.ttl_ms()),
                    2 => ("EXPIREAT", g.unix_secs()),
                    _ => ("PEXPIREAT", g.unix_ms()),
                };
                let mut args = cmd![name, key, time];
                expire_flags(g, &mut args);
                Step::exact(args)
            }
            48..=52 => Step::with(cmd!["TTL", key], Check::Near(2)),
            53..=56 => Step::with(cmd!["PTTL", key], Check::Near(ttl_tolerance_ms)),
            57..=58 => Step::with(cmd!["EXPIRETIME", key], Check::Near(2)),
            59..=60 => Step::with(cmd!["PEXPIRETIME", key], Check::Near(ttl_tolerance_ms)),
            61..=64 => Step::exact(cmd!["PERSIST", key]),
            65..=70 => Step::exact(cmd!["OBJECT", g.pick(&["ENCODING", "encoding", "REFCOUNT"]), key]),
            71..=72 => Step::with(cmd!["OBJECT", "IDLETIME", key], Check::Near(2)),
            73 => Step::exact(cmd!["OBJECT", "FREQ", key]),
            74 => Step::exact(match g.below(4) {
                0 => cmd!["OBJECT", "HELP"],
                1 => cmd!["OBJECT", "FOO", key],
                2 => cmd!["OBJECT", "ENCODING"],
                _ => cmd!["OBJECT", "ENCODING", key, "extra"],
            }),
            75..=79 => {
                // Give keys a TTL the other commands can see.
                Step::exact(cmd!["EXPIRE", key, g.rng.range(1_000, 1_000_000).to_string()])
            }
            _ => {
                // Wrong arity and malformed calls.
                let name = g.pick(&[
                    "DEL",
                    "UNLINK",
                    "EXISTS",
                    "TYPE",
                    "KEYS",
                    "SCAN",
                    "RANDOMKEY",
                    "RENAME",
                    "RENAMENX",
                    "MOVE",
                    "COPY",
                    "TOUCH",
                    "EXPIRE",
                    "PEXPIRE",
                    "EXPIREAT",
                    "PEXPIREAT",
                    "TTL",
                    "PTTL",
                    "EXPIRETIME",
                    "PEXPIRETIME",
                    "PERSIST",
                    "OBJECT",
                ]);
                let mut args = vec![arg(name)];
                for _ in 0..g.below(4) {
                    args.push(arg(g.key()));
                }
                // Some of these are valid calls (KEYS a, SCAN "", TTL a):
                // keep their replies comparable.
                let check = match name {
                    "KEYS" if args.len() == 2 => Check::Unordered,
                    "SCAN" => Check::ScanAll { cursor_at: 1 },
                    "RANDOMKEY" if args.len() == 1 => Check::RandomKey,
                    "TTL" | "EXPIRETIME" | "OBJECT" => Check::Near(2),
                    "PTTL" | "PEXPIRETIME" => Check::Near(ttl_tolerance_ms),
                    _ => Check::Exact,
                };
                Step::with(args, check)
            }
        }
    }
}
