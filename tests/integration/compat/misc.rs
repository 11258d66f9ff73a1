//! Everything else the stream needs: database switches (so MOVE and COPY DB
//! are observed), DBSIZE, rare FLUSHDB, PING/ECHO, and unknown commands.

use super::{Family, Gen, Step, arg};

pub struct Misc;

impl Family for Misc {
    fn name(&self) -> &'static str {
        "misc"
    }

    fn weight(&self) -> u32 {
        6
    }

    fn step(&self, g: &mut Gen) -> Step {
        Step::exact(match g.below(100) {
            0..=29 => cmd!["SELECT", g.pick(&["0", "0", "0", "1", "2", "16", "-1", "x"])],
            30..=49 => cmd!["DBSIZE"],
            50..=52 => cmd!["FLUSHDB", g.pick(&["SYNC", "ASYNC"])],
            53..=59 => cmd!["PING"],
            60..=64 => cmd!["ECHO", g.value()],
            _ => {
                let mut args = vec![arg(g.pick(&["FOO", "GETT", "SETT", "", "get\r\n", "KEYSS", "OBJECTS", "\u{e9}"]))];
                for _ in 0..g.below(3) {
                    args.push(g.value());
                }
                args
            }
        })
    }
}
