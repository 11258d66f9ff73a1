//! The compatibility test: a seeded random stream of commands sent to a real
//! redis-server and to our server, one at a time, replies compared byte for
//! byte (or by a comparison suited to the command where Redis leaves
//! something unspecified: KEYS as a set, SCAN collected to completion,
//! RANDOMKEY as membership, TTLs and idle times within a tolerance).
//!
//! Run: `cargo test --release compat -- --ignored --nocapture`. Environment:
//! `COMPAT_SEED` (the stream's seed), `COMPAT_COMMANDS` (its length),
//! `COMPAT_SELF_TEST=1` (compare redis-server with a second redis-server: to
//! check that a new generator is deterministic), `COMPAT_SHOW_ALL=1` (print
//! every difference, not only the first). The
//! test prints `N identical of M`; on failure it shows the first differing
//! command, the commands before it, both replies and the seed.
//!
//! After a difference both servers are flushed (a "resync") so that one bug
//! does not make every later command differ; the figure counts every command.
//!
//! # Adding a family
//!
//! Commands come from generators, one per command family, each implementing
//! [`Family`] in its own file under `compat/` (see `compat/strings.rs`):
//!
//! 1. Write `compat/<family>.rs` with a unit struct implementing `Family`:
//!    `name`, `weight` (its share of the stream relative to the others; the
//!    string and key families weigh 40 and 30) and `step`, which returns one
//!    command (`cmd![...]`) and its [`Check`]. Draw keys from `g.key()` so
//!    commands of all families collide on the same small key space: that is
//!    what produces WRONGTYPE errors and type conversions. Include wrong
//!    arity, bad numbers, syntax errors and edge values, not only valid calls.
//! 2. Add `mod <family>;` below and a `Box::new(<family>::Family)` to
//!    [`families`]. For a stream focused on the family (say ≥ 10,000 of its
//!    commands among others on the same keys), call [`run_stream`] with
//!    [`reweighted`] families from the family's own test file (see
//!    `bitmap.rs`).
//! 3. Anything time-dependent must be compared with a tolerance (`Check::Near`)
//!    and TTLs must be either in the past (deleted at once) or far in the
//!    future (see `Gen::ttl_secs`), so no key expires during a run.
//! 4. Never generate commands that block, close the connection, or change
//!    server-wide state in ways the other server cannot mirror (SHUTDOWN,
//!    DEBUG, CONFIG SET, CLIENT KILL, QUIT …).

use std::collections::BTreeSet;

use crate::common::*;

/// Builds a command's arguments from anything byte-like.
macro_rules! cmd {
    ($($x:expr),* $(,)?) => { vec![$(crate::compat::arg($x)),*] };
}

mod bitmap;
mod geo;
mod keys;
mod misc;
pub mod streams;
mod strings;

/// One argument from anything byte-like.
pub fn arg(x: impl AsRef<[u8]>) -> Vec<u8> {
    x.as_ref().to_vec()
}

/// A generator of commands for one family (see the module docs).
pub trait Family {
    fn name(&self) -> &'static str;
    /// Share of the stream, relative to the other families' weights.
    fn weight(&self) -> u32;
    /// One command and how to compare its replies.
    fn step(&self, g: &mut Gen) -> Step;
}

/// Every family in the stream.
pub fn families() -> Vec<Box<dyn Family>> {
    vec![
        Box::new(strings::Strings),
        Box::new(keys::Keys),
        Box::new(misc::Misc),
        Box::new(bitmap::Bitmap),
        Box::new(geo::Geo),
    ]
}

/// A family with another share of the stream.
struct Weighted(Box<dyn Family>, u32);

impl Family for Weighted {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn weight(&self) -> u32 {
        self.1
    }

    fn step(&self, g: &mut Gen) -> Step {
        self.0.step(g)
    }
}

/// The named families with the given weights: a stream focused on one
/// family, mixed with others on the same keys (e.g. `[("bitmap", 70),
/// ("strings", 20), ("keys", 10)]`).
pub fn reweighted(weights: &[(&str, u32)]) -> Vec<Box<dyn Family>> {
    let mut all = families();
    weights
        .iter()
        .map(|&(name, w)| {
            let i = all.iter().position(|f| f.name() == name).unwrap_or_else(|| panic!("no family {name}"));
            Box::new(Weighted(all.remove(i), w)) as Box<dyn Family>
        })
        .collect()
}

/// How two servers' replies to one command are compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Check {
    /// Byte for byte.
    Exact,
    /// An array in an order Redis leaves unspecified (KEYS): compared sorted.
    Unordered,
    /// A SCAN-like command whose argument at `cursor_at` is the cursor:
    /// iterated from 0 until the cursor is 0 again on each server, and the
    /// union of the elements compared. Errors compared exactly.
    ScanAll { cursor_at: usize },
    /// RANDOMKEY: nil on both, or on each server a key that exists there.
    RandomKey,
    /// Integers within this distance (TTLs, idle times); negative values
    /// (-1/-2 codes) and anything else compared exactly.
    Near(i64),
}

/// A command to send to both servers.
pub struct Step {
    pub args: Vec<Vec<u8>>,
    pub check: Check,
}

impl Step {
    pub fn exact(args: Vec<Vec<u8>>) -> Step {
        Step { args, check: Check::Exact }
    }

    pub fn with(args: Vec<Vec<u8>>, check: Check) -> Step {
        Step { args, check }
    }
}

/// What generators draw from: the random source, the key space, values.
pub struct Gen {
    pub rng: TestRng,
    /// Unix time (seconds) when the run started: absolute expiry times are
    /// derived from it, so both servers get the same timestamps.
    pub now_s: i64,
}

/// The key space: small, so commands collide. `{x}` hash tags and `:` are
/// there for patterns.
pub const KEYS: &[&str] = &["a", "b", "c", "d", "k:1", "k:2", "n", "f", "{x}1", "{x}2"];

impl Gen {
    pub fn new(seed: u64) -> Gen {
        let now_s = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        Gen { rng: TestRng::new(seed), now_s }
    }

    pub fn chance(&mut self, percent: u32) -> bool {
        self.rng.chance(percent)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.rng.below(n)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.rng.below(items.len())]
    }

    /// A key from the key space, rarely one outside it.
    pub fn key(&mut self) -> String {
        if self.chance(2) {
            return self.pick(&["", "missing", "a\r\nb", "\u{e9}"]).to_string();
        }
        KEYS[self.rng.below(KEYS.len())].to_string()
    }

    /// 1..=max keys, possibly repeated.
    pub fn keys(&mut self, max: usize) -> Vec<Vec<u8>> {
        (0..1 + self.below(max)).map(|_| arg(self.key())).collect()
    }

    /// An integer as text, valid or not.
    pub fn int_text(&mut self) -> String {
        match self.below(10) {
            0..=3 => self.rng.range(-100, 100).to_string(),
            4 => self.rng.range(-10_000_000, 10_000_000).to_string(),
            5 => self.rng.range(i64::MIN / 2, i64::MAX / 2).to_string(),
            6 => self
                .pick(&["9223372036854775807", "-9223372036854775808", "9223372036854775806", "-9223372036854775807"])
                .into(),
            7 => self.pick(&["9223372036854775808", "-9223372036854775809", "18446744073709551616"]).into(),
            8 => self.pick(&["0", "-0", "+1", "007", " 1", "1 ", "1.0", "1e3", "0x10", "", "abc", "1a"]).into(),
            _ => self.pick(&["9999", "10000", "10001", "-1", "1", "2147483648", "4294967296"]).into(),
        }
    }

    /// A float as text, valid or not.
    pub fn float_text(&mut self) -> String {
        match self.below(8) {
            0..=2 => format!("{}.{}", self.rng.range(-1000, 1000), self.below(100)),
            3 => self.int_text(),
            4 => self
                .pick(&[
                    "0.1",
                    "0.2",
                    "-0.3",
                    "1.5",
                    "3e2",
                    "1E-3",
                    "2.5e+3",
                    "1e308",
                    "-1e308",
                    "5e-324",
                    "1.7976931348623157e308",
                ])
                .into(),
            5 => self.pick(&["inf", "-inf", "+inf", "Infinity", "nan", "NaN", "-nan"]).into(),
            6 => {
                self.pick(&["1.", ".5", "-.5", "0.0", "-0", "1_0", "1e", "e1", " 1.5", "1.5 ", "0x1p3", "", "x"]).into()
            }
            _ => format!("{}", self.rng.range(-1_000_000, 1_000_000) as f64 / 64.0),
        }
    }

    /// A string value: numbers (int encoding), short and long strings
    /// (embstr/raw), binary.
    pub fn value(&mut self) -> Vec<u8> {
        match self.below(12) {
            0..=2 => arg(self.int_text()),
            3 => arg(self.float_text()),
            4 => Vec::new(),
            5 => {
                let len = 40 + self.below(20);
                (0..len).map(|i| b'a' + (i % 26) as u8).collect()
            }
            6 => vec![0, b'\r', b'\n', 0xff, b' ', b'"'],
            7 => self.lcs_text(),
            _ => {
                let len = 1 + self.below(10);
                (0..len).map(|_| b'a' + self.below(26) as u8).collect()
            }
        }
    }

    /// Text over a small alphabet, so LCS and GETRANGE find structure.
    pub fn lcs_text(&mut self) -> Vec<u8> {
        if self.chance(20) {
            return arg(self.pick(&["ohmytext", "mynewtext", "", "a", "abcabcabc"]));
        }
        let len = self.below(14);
        (0..len).map(|_| *self.rng.pick(b"abcd")).collect()
    }

    /// A relative time in seconds: far future, past (deletes at once), or
    /// invalid. Nothing generated here expires during a run.
    pub fn ttl_secs(&mut self) -> String {
        match self.below(10) {
            0..=5 => self.rng.range(1_000, 100_000_000).to_string(),
            6 => self.pick(&["0", "-1", "-100"]).into(),
            7 => {
                self.pick(&["9223372036854775", "9223372036854775807", "-9223372036854775808", "9223372036854"]).into()
            }
            _ => self.pick(&["x", "1.5", "", " 100", "1e5"]).into(),
        }
    }

    /// A relative time in milliseconds (see [`Gen::ttl_secs`]).
    pub fn ttl_ms(&mut self) -> String {
        match self.below(10) {
            0..=5 => self.rng.range(1_000_000, 100_000_000_000).to_string(),
            6 => self.pick(&["0", "-1", "-100000"]).into(),
            7 => self.pick(&["9223372036854775807", "-9223372036854775808", "9223372036854775"]).into(),
            _ => self.pick(&["x", "1.5", ""]).into(),
        }
    }

    /// A Unix time in seconds: future, past, or invalid.
    pub fn unix_secs(&mut self) -> String {
        match self.below(10) {
            0..=5 => (self.now_s + self.rng.range(1_000, 100_000_000)).to_string(),
            6 => self.pick(&["1", "0", "-1", "1000000000"]).into(),
            7 => (self.now_s - 1000).to_string(),
            8 => self.pick(&["9223372036854775807", "9223372036854775", "-9223372036854775808"]).into(),
            _ => self.pick(&["x", "1.5", ""]).into(),
        }
    }

    /// A Unix time in milliseconds (see [`Gen::unix_secs`]).
    pub fn unix_ms(&mut self) -> String {
        match self.below(10) {
            0..=5 => (self.now_s * 1000 + self.rng.range(1_000_000, 100_000_000_000)).to_string(),
            6 => self.pick(&["1", "0", "-1", "1000000000000"]).into(),
            7 => ((self.now_s - 1000) * 1000).to_string(),
            8 => self.pick(&["9223372036854775807", "-9223372036854775808"]).into(),
            _ => self.pick(&["x", "1.5", ""]).into(),
        }
    }

    /// [`Gen::unix_secs`] without past times, for SET EXAT: Redis 7.0 stores
    /// such a key and leaves it to lazy or active expiry, whose timing
    /// (DBSIZE, SCAN TYPE none) no comparison can pin down.
    pub fn unix_secs_not_past(&mut self) -> String {
        let t = self.unix_secs();
        match t.parse::<i64>() {
            Ok(n) if n < self.now_s + 1000 => (self.now_s + 100_000).to_string(),
            _ => t,
        }
    }

    /// [`Gen::unix_ms`] without past times (see [`Gen::unix_secs_not_past`]).
    pub fn unix_ms_not_past(&mut self) -> String {
        let t = self.unix_ms();
        match t.parse::<i64>() {
            Ok(n) if n < (self.now_s + 1000) * 1000 => ((self.now_s + 100_000) * 1000).to_string(),
            _ => t,
        }
    }

    /// A glob pattern for KEYS / SCAN MATCH.
    pub fn pattern(&mut self) -> String {
        self.pick(&[
            "*", "a", "k:*", "*1", "?", "[a-c]", "[^a]*", "{x}*", "\\{x\\}*", "k?[0-9]", "*:*", "[", "[a", "\\",
            "nomatch*", "[!a]", "**", "[]a]", "[a-]",
        ])
        .into()
    }
}

/// Sends one step to both servers; returns both replies (as shown in
/// messages) if they differ.
fn compare(step: &Step, redis: &mut Conn, ours: &mut Conn, errors: &mut usize) -> Option<(String, String)> {
    let refs: Vec<&[u8]> = step.args.iter().map(|a| a.as_slice()).collect();
    let (r_reply, r_raw) = redis.cmd_raw(&refs);
    let (o_reply, o_raw) = ours.cmd_raw(&refs);
    *errors += matches!(r_reply, Reply::Error(_)) as usize;
    let show = |raw: &[u8]| escape(&raw[..raw.len().min(400)]);
    let differ = || Some((show(&r_raw), show(&o_raw)));
    match (step.check, &r_reply, &o_reply) {
        (_, Reply::Error(_), _) | (_, _, Reply::Error(_)) | (Check::Exact, _, _) => {
            if r_raw != o_raw {
                return differ();
            }
        }
        (Check::Unordered, Reply::Array(a), Reply::Array(b)) => {
            let sorted = |v: &Vec<Reply>| {
                let mut v: Vec<String> = v.iter().map(|r| format!("{r:?}")).collect();
                v.sort();
                v
            };
            if sorted(a) != sorted(b) {
                return differ();
            }
        }
        (Check::ScanAll { cursor_at }, _, _) => {
            let collect = |c: &mut Conn, first: Reply| -> Result<BTreeSet<Vec<u8>>, String> {
                let mut all = BTreeSet::new();
                let mut reply = first;
                for _ in 0..100_000 {
                    let Reply::Array(parts) = &reply else { return Err(format!("{reply:?}")) };
                    let [Reply::Bulk(cursor), Reply::Array(items)] = &parts[..] else {
                        return Err(format!("{reply:?}"));
                    };
                    for item in items {
                        let Reply::Bulk(b) = item else { return Err(format!("{reply:?}")) };
                        all.insert(b.to_vec());
                    }
                    if &cursor[..] == b"0" {
                        return Ok(all);
                    }
                    let mut args: Vec<&[u8]> = refs.clone();
                    args[cursor_at] = cursor;
                    reply = c.cmd_bytes(&args);
                }
                Err("the cursor never came back to 0".into())
            };
            let a = collect(redis, r_reply);
            let b = collect(ours, o_reply);
            if a != b {
                let show = |x: &Result<BTreeSet<Vec<u8>>, String>| match x {
                    Ok(set) => {
                        format!("{} keys: {}", set.len(), set.iter().map(|k| escape(k)).collect::<Vec<_>>().join(" "))
                    }
                    Err(e) => e.clone(),
                };
                return Some((show(&a), show(&b)));
            }
        }
        (Check::RandomKey, Reply::Bulk(a), Reply::Bulk(b)) => {
            let exists_r = redis.cmd_bytes(&[b"EXISTS", a]);
            let exists_o = ours.cmd_bytes(&[b"EXISTS", b]);
            if exists_r != int(1) || exists_o != int(1) {
                return Some((
                    format!("{} (EXISTS: {exists_r:?})", show(&r_raw)),
                    format!("{} (EXISTS: {exists_o:?})", show(&o_raw)),
                ));
            }
        }
        (Check::Near(tolerance), Reply::Int(a), Reply::Int(b)) if *a >= 0 && *b >= 0 => {
            if (a - b).abs() > tolerance {
                return differ();
            }
        }
        _ => {
            if r_raw != o_raw {
                return differ();
            }
        }
    }
    None
}

/// Upper-case command name (with the subcommand for container commands).
fn command_name(args: &[Vec<u8>]) -> String {
    let upper = |a: &[u8]| escape(a).to_ascii_uppercase();
    let name = upper(args.first().map(|a| a.as_slice()).unwrap_or(b""));
    match args.get(1).map(|a| upper(a)) {
        Some(sub)
            if name == "OBJECT" && ["ENCODING", "REFCOUNT", "IDLETIME", "FREQ", "HELP"].contains(&sub.as_str()) =>
        {
            format!("{name} {sub}")
        }
        _ => name,
    }
}

fn show_command(args: &[Vec<u8>]) -> String {
    args.iter().map(|a| format!("\"{}\"", escape(a))).collect::<Vec<_>>().join(" ")
}

struct Difference {
    index: usize,
    command: String,
    before: Vec<String>,
    redis: String,
    ours: String,
}

/// Runs `count` generated commands of `families` against both servers;
/// prints the number of identical replies (overall and per family), and
/// panics with the first difference if any.
pub fn run_stream(families: Vec<Box<dyn Family>>, seed: u64, count: usize, resp3: bool) {
    let redis = RealRedis::start(&[]);
    // COMPAT_SELF_TEST=1 compares redis-server with itself: a check that the
    // stream and its comparisons are deterministic.
    let ours: Box<dyn Endpoint> = if std::env::var_os("COMPAT_SELF_TEST").is_some() {
        Box::new(RealRedis::start(&[]))
    } else {
        Box::new(TestServer::start(&[]))
    };
    let (mut r, mut o) = (redis.connect(), ours.connect());
    if resp3 {
        r.cmd(&["HELLO", "3"]);
        o.cmd(&["HELLO", "3"]);
    }
    let total_weight: u32 = families.iter().map(|f| f.weight()).sum();
    let mut g = Gen::new(seed);
    let mut identical = 0;
    let mut first: Option<Difference> = None;
    let mut by_command: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut recent: std::collections::VecDeque<String> = Default::default();
    let mut resyncs = 0;
    let mut per_family = vec![0usize; families.len()];
    let mut identical_per_family = vec![0usize; families.len()];
    let mut errors = 0;
    let show_all = std::env::var_os("COMPAT_SHOW_ALL").is_some();
    for index in 0..count {
        let mut pick = g.rng.below(total_weight as usize) as u32;
        let which = families
            .iter()
            .position(|f| {
                if pick < f.weight() {
                    true
                } else {
                    pick -= f.weight();
                    false
                }
            })
            .expect("a family");
        per_family[which] += 1;
        let step = families[which].step(&mut g);
        let name = command_name(&step.args);
        let entry = by_command.entry(name).or_default();
        entry.0 += 1;
        match compare(&step, &mut r, &mut o, &mut errors) {
            None => {
                identical += 1;
                identical_per_family[which] += 1;
                recent.push_back(show_command(&step.args));
                if recent.len() > 8 {
                    recent.pop_front();
                }
            }
            Some((redis_reply, ours_reply)) => {
                entry.1 += 1;
                if show_all {
                    println!(
                        "#{index}: {}\n  after: {}\n  redis: {redis_reply}\n  ours:  {ours_reply}",
                        show_command(&step.args),
                        recent.back().map(String::as_str).unwrap_or("(resync)")
                    );
                }
                if first.is_none() {
                    first = Some(Difference {
                        index,
                        command: show_command(&step.args),
                        before: recent.iter().cloned().collect(),
                        redis: redis_reply,
                        ours: ours_reply,
                    });
                }
                // Resync: both servers back to an empty keyspace, db 0.
                for c in [&mut r, &mut o] {
                    assert_eq!(c.cmd(&["FLUSHALL"]), ok(), "FLUSHALL for a resync");
                    assert_eq!(c.cmd(&["SELECT", "0"]), ok(), "SELECT 0 for a resync");
                }
                recent.clear();
                resyncs += 1;
            }
        }
    }
    let protocol = if resp3 { "RESP3" } else { "RESP2" };
    println!("compat ({protocol}, COMPAT_SEED={seed}): {identical} identical of {count} commands, {resyncs} resyncs");
    let mix: Vec<String> = families
        .iter()
        .zip(per_family.iter().zip(&identical_per_family))
        .map(|(f, (n, same))| format!("{} {same} identical of {n}", f.name()))
        .collect();
    println!("commands per family: {}; {errors} of them answered with an error by redis-server", mix.join(", "));
    let differing: Vec<String> =
        by_command.iter().filter(|(_, (_, bad))| *bad > 0).map(|(n, (all, bad))| format!("{n} {bad}/{all}")).collect();
    if !differing.is_empty() {
        println!("differing by command (differing/sent): {}", differing.join(", "));
    }
    if let Some(d) = first {
        panic!(
            "{identical} identical of {count} ({protocol}); first difference at command #{} (COMPAT_SEED={seed}):\n\
             commands before it (since the last resync):\n  {}\n\
             command: {}\n  redis: {}\n  ours:  {}\n\
             differing by command (differing/sent): {}",
            d.index,
            d.before.join("\n  "),
            d.command,
            d.redis,
            d.ours,
            differing.join(", ")
        );
    }
}

#[test]
#[ignore = "needs redis-server"]
fn compat_strings_and_keys_resp2() {
    run_stream(families(), env_u64("COMPAT_SEED", 20240601), env_u64("COMPAT_COMMANDS", 10_000) as usize, false);
}

#[test]
#[ignore = "needs redis-server"]
fn compat_strings_and_keys_resp3() {
    run_stream(families(), env_u64("COMPAT_SEED", 20240602), env_u64("COMPAT_COMMANDS", 10_000) as usize, true);
}
