//! Stream commands for the compatibility stream: XADD (explicit ids and
//! `ms-*`, NOMKSTREAM, MAXLEN/MINID with `=`/`~` and LIMIT), XLEN, XRANGE,
//! XREVRANGE (exclusive bounds, COUNT), XDEL, XTRIM, XREAD (no BLOCK),
//! XSETID, XGROUP (every subcommand), XREADGROUP (`>` and history, NOACK,
//! COUNT), XACK, XPENDING (summary), XCLAIM, XAUTOCLAIM, XINFO STREAM and
//! XINFO GROUPS. Ids are small (ms 0..40) so commands collide, and never
//! `*` alone (its id is the clock's). Replies carrying times (XPENDING's
//! extended form, XINFO CONSUMERS, XINFO STREAM FULL) are left out.
//! Not part of the default mix: `tests/integration/stream.rs` runs it.

use super::{Family, Gen, Step, arg};

pub struct Streams;

fn key(g: &mut Gen) -> String {
    if g.chance(85) { g.pick(&["s1", "s2", "s3"]).into() } else { g.key() }
}

fn id(g: &mut Gen) -> String {
    match g.below(30) {
        0 => {
            g.pick(&["-", "+", "0", "0-0", "abc", "1-", "-1", "18446744073709551615-18446744073709551615", "(5"]).into()
        }
        1..=4 => format!("{}", g.below(40)),
        5..=6 => format!("({}-{}", g.below(40), g.below(4)),
        _ => format!("{}-{}", g.below(40), g.below(4)),
    }
}

fn add_id(g: &mut Gen) -> String {
    match g.below(20) {
        0 => g.pick(&["0-0", "0", "abc", "1-*", "18446744073709551615-18446744073709551615"]).into(),
        1..=3 => format!("{}-*", g.below(60)),
        _ => format!("{}-{}", g.below(60), g.below(5)),
    }
}

fn group(g: &mut Gen) -> &'static str {
    g.pick(&["g1", "g1", "g2", "nog"])
}

fn consumer(g: &mut Gen) -> &'static str {
    g.pick(&["alice", "bob", "carol"])
}

fn fields(g: &mut Gen, args: &mut Vec<Vec<u8>>) {
    let n = 1 + g.below(3);
    for _ in 0..n {
        let f = if g.chance(70) { g.pick(&["f", "g"]).to_string() } else { format!("h{}", g.below(5)) };
        args.push(arg(f));
        args.push(arg(if g.chance(80) { format!("{}", g.below(1000)) } else { "x".repeat(g.below(80)) }));
    }
    if g.chance(2) {
        args.pop();
    }
}

fn trim(g: &mut Gen, args: &mut Vec<Vec<u8>>) {
    if g.chance(50) {
        args.push(arg(g.pick(&["MAXLEN", "maxlen"])));
        if g.chance(60) {
            args.push(arg(g.pick(&["~", "="])));
        }
        args.push(arg(g.pick(&["0", "1", "3", "10", "-1", "x"])));
    } else {
        args.push(arg("MINID"));
        if g.chance(60) {
            args.push(arg(g.pick(&["~", "="])));
        }
        let i = id(g);
        args.push(arg(i));
    }
    if g.chance(20) {
        args.push(arg("LIMIT"));
        args.push(arg(g.pick(&["0", "1", "100", "-1"])));
    }
}

impl Family for Streams {
    fn name(&self) -> &'static str {
        "streams"
    }

    fn weight(&self) -> u32 {
        80
    }

    fn step(&self, g: &mut Gen) -> Step {
        let k = key(g);
        let args = match g.below(100) {
            0..=24 => {
                let mut a = vec![arg("XADD"), arg(&k)];
                if g.chance(10) {
                    a.push(arg("NOMKSTREAM"));
                }
                if g.chance(20) {
                    trim(g, &mut a);
                }
                let i = add_id(g);
                a.push(arg(i));
                fields(g, &mut a);
                a
            }
            25..=27 => cmd!["XLEN", k],
            28..=35 => {
                let rev = g.chance(30);
                let (s, e) = (id(g), id(g));
                let mut a = if rev { cmd!["XREVRANGE", k, e, s] } else { cmd!["XRANGE", k, s, e] };
                if g.chance(40) {
                    a.push(arg("COUNT"));
                    a.push(arg(g.pick(&["0", "1", "2", "5", "-1"])));
                }
                a
            }
            36..=39 => {
                let mut a = cmd!["XDEL", k];
                for _ in 0..1 + g.below(3) {
                    let i = id(g);
                    a.push(arg(i));
                }
                a
            }
            40..=42 => {
                let mut a = cmd!["XTRIM", k];
                trim(g, &mut a);
                a
            }
            43..=47 => {
                let mut a = cmd!["XREAD"];
                if g.chance(40) {
                    a.push(arg("COUNT"));
                    a.push(arg(g.pick(&["1", "2", "0"])));
                }
                a.push(arg("STREAMS"));
                let k2 = key(g);
                let two = g.chance(30);
                a.push(arg(&k));
                if two {
                    a.push(arg(k2));
                }
                for _ in 0..if two { 2 } else { 1 } {
                    let i = if g.chance(10) { "$".to_string() } else { id(g) };
                    a.push(arg(i));
                }
                a
            }
            48..=49 => {
                let mut a = cmd!["XSETID", k, id(g)];
                if g.chance(30) {
                    a.push(arg("ENTRIESADDED"));
                    a.push(arg(format!("{}", g.below(50))));
                }
                if g.chance(20) {
                    a.push(arg("MAXDELETEDID"));
                    a.push(arg(id(g)));
                }
                a
            }
            50..=57 => match g.below(6) {
                0 | 1 => {
                    let start = if g.chance(30) { "$".into() } else { id(g) };
                    let mut a = cmd!["XGROUP", "CREATE", k, group(g), start];
                    if g.chance(50) {
                        a.push(arg("MKSTREAM"));
                    }
                    if g.chance(20) {
                        a.push(arg("ENTRIESREAD"));
                        a.push(arg(g.pick(&["-1", "0", "3", "-2"])));
                    }
                    a
                }
                2 => {
                    let start = if g.chance(30) { "$".into() } else { id(g) };
                    let mut a = cmd!["XGROUP", "SETID", k, group(g), start];
                    if g.chance(30) {
                        a.push(arg("ENTRIESREAD"));
                        a.push(arg(g.pick(&["-1", "0", "3"])));
                    }
                    a
                }
                3 => cmd!["XGROUP", "DESTROY", k, group(g)],
                4 => cmd!["XGROUP", "CREATECONSUMER", k, group(g), consumer(g)],
                _ => cmd!["XGROUP", "DELCONSUMER", k, group(g), consumer(g)],
            },
            58..=71 => {
                let mut a = cmd!["XREADGROUP", "GROUP", group(g), consumer(g)];
                if g.chance(40) {
                    a.push(arg("COUNT"));
                    a.push(arg(g.pick(&["1", "2", "0"])));
                }
                if g.chance(15) {
                    a.push(arg("NOACK"));
                }
                a.push(arg("STREAMS"));
                a.push(arg(&k));
                let i = if g.chance(75) { ">".to_string() } else { id(g) };
                a.push(arg(i));
                a
            }
            72..=77 => {
                let mut a = cmd!["XACK", k, group(g)];
                for _ in 0..1 + g.below(3) {
                    let i = id(g);
                    a.push(arg(i));
                }
                a
            }
            78..=80 => cmd!["XPENDING", k, group(g)],
            81..=86 => {
                let mut a = cmd!["XCLAIM", k, group(g), consumer(g), g.pick(&["0", "0", "100000", "x"])];
                for _ in 0..1 + g.below(3) {
                    let i = id(g);
                    a.push(arg(i));
                }
                if g.chance(30) {
                    a.push(arg("JUSTID"));
                }
                if g.chance(15) {
                    a.push(arg("FORCE"));
                }
                if g.chance(15) {
                    a.push(arg("RETRYCOUNT"));
                    a.push(arg(g.pick(&["0", "5", "x"])));
                }
                if g.chance(10) {
                    a.push(arg("LASTID"));
                    a.push(arg(id(g)));
                }
                a
            }
            87..=91 => {
                let mut a = cmd!["XAUTOCLAIM", k, group(g), consumer(g), g.pick(&["0", "0", "100000"]), id(g)];
                if g.chance(40) {
                    a.push(arg("COUNT"));
                    a.push(arg(g.pick(&["1", "2", "0", "100"])));
                }
                if g.chance(30) {
                    a.push(arg("JUSTID"));
                }
                a
            }
            92..=95 => cmd!["XINFO", "STREAM", k],
            96..=97 => cmd!["XINFO", "GROUPS", k],
            _ => cmd![g.pick(&["TYPE", "OBJECT", "DEL", "EXISTS"]), k],
        };
        let args = if args[0] == b"OBJECT" { cmd!["OBJECT", "ENCODING", &args[1]] } else { args };
        Step::exact(args)
    }
}
