//! Hash commands, and the helpers the set and sorted-set families share:
//! the listpack/intset thresholds from the config, replying with an `Elem`,
//! random sampling, and HSCAN/SSCAN/ZSCAN's cursor and options.

use crate::config::notify as N;
use std::collections::HashSet;

use bytes::Bytes;

use super::args::{int, is};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::keyspace::{Access, Db, Ttl, Value};
use crate::protocol::ReplyWriter;
use crate::types::hash::{Hash, HashLimits};
use crate::types::listpack::Elem;
use crate::types::set::SetLimits;
use crate::types::zset::ZLimits;
use crate::util::glob::glob_match;
use crate::util::ld80::LongDouble;
use crate::util::number::parse_i64;
use crate::util::rng::Rng;

const G: Group = Group::Hash;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("hset", -4, WRITE | DENYOOM | FAST, G, hset).keys(1, 1, 1).doc(
        "2.0.0",
        "Set the string value of a hash field",
        "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
        "key field value [field value ...]",
    ),
    CommandSpec::new("hsetnx", 4, WRITE | DENYOOM | FAST, G, hsetnx).keys(1, 1, 1).doc(
        "2.0.0",
        "Set the value of a hash field, only if the field does not exist",
        "O(1)",
        "key field value",
    ),
    CommandSpec::new("hget", 3, READONLY | FAST, G, hget).keys(1, 1, 1).doc(
        "2.0.0",
        "Get the value of a hash field",
        "O(1)",
        "key field",
    ),
    CommandSpec::new("hmget", -3, READONLY | FAST, G, hmget).keys(1, 1, 1).doc(
        "2.0.0",
        "Get the values of all the given hash fields",
        "O(N) where N is the number of fields being requested.",
        "key field [field ...]",
    ),
    CommandSpec::new("hmset", -4, WRITE | DENYOOM | FAST, G, hmset).keys(1, 1, 1).doc(
        "2.0.0",
        "Set multiple hash fields to multiple values",
        "O(N) where N is the number of fields being set.",
        "key field value [field value ...]",
    ),
    CommandSpec::new("hdel", -3, WRITE | FAST, G, hdel).keys(1, 1, 1).doc(
        "2.0.0",
        "Delete one or more hash fields",
        "O(N) where N is the number of fields to be removed.",
        "key field [field ...]",
    ),
    CommandSpec::new("hlen", 2, READONLY | FAST, G, hlen).keys(1, 1, 1).doc(
        "2.0.0",
        "Get the number of fields in a hash",
        "O(1)",
        "key",
    ),
    CommandSpec::new("hstrlen", 3, READONLY | FAST, G, hstrlen).keys(1, 1, 1).doc(
        "3.2.0",
        "Get the length of the value of a hash field",
        "O(1)",
        "key field",
    ),
    CommandSpec::new("hexists", 3, READONLY | FAST, G, hexists).keys(1, 1, 1).doc(
        "2.0.0",
        "Determine if a hash field exists",
        "O(1)",
        "key field",
    ),
    CommandSpec::new("hkeys", 2, READONLY, G, hkeys).keys(1, 1, 1).doc(
        "2.0.0",
        "Get all the fields in a hash",
        "O(N) where N is the size of the hash.",
        "key",
    ),
    CommandSpec::new("hvals", 2, READONLY, G, hvals).keys(1, 1, 1).doc(
        "2.0.0",
        "Get all the values in a hash",
        "O(N) where N is the size of the hash.",
        "key",
    ),
    CommandSpec::new("hgetall", 2, READONLY, G, hgetall).keys(1, 1, 1).doc(
        "2.0.0",
        "Get all the fields and values in a hash",
        "O(N) where N is the size of the hash.",
        "key",
    ),
    CommandSpec::new("hincrby", 4, WRITE | DENYOOM | FAST, G, hincrby).keys(1, 1, 1).doc(
        "2.0.0",
        "Increment the integer value of a hash field by the given number",
        "O(1)",
        "key field increment",
    ),
    CommandSpec::new("hincrbyfloat", 4, WRITE | DENYOOM | FAST, G, hincrbyfloat).keys(1, 1, 1).doc(
        "2.6.0",
        "Increment the float value of a hash field by the given amount",
        "O(1)",
        "key field increment",
    ),
    CommandSpec::new("hrandfield", -2, READONLY, G, hrandfield).keys(1, 1, 1).doc(
        "6.2.0",
        "Get one or multiple random fields from a hash",
        "O(N) where N is the number of fields returned",
        "key [count [WITHVALUES]]",
    ),
    CommandSpec::new("hscan", -3, READONLY, G, hscan).keys(1, 1, 1).doc(
        "2.8.0",
        "Incrementally iterate hash fields and associated values",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        "key cursor [MATCH pattern] [COUNT count]",
    ),
];

// ---------------------------------------------------------------------------
// Shared by the hash, set and sorted-set families.

/// The compact-encoding thresholds from the config.
pub(super) fn hash_limits(ctx: &Ctx) -> HashLimits {
    let c = &ctx.srv.config;
    HashLimits { max_entries: c.hash_max_listpack_entries, max_value: c.hash_max_listpack_value }
}

pub(super) fn set_limits(ctx: &Ctx) -> SetLimits {
    SetLimits { max_intset_entries: ctx.srv.config.set_max_intset_entries }
}

pub(super) fn zset_limits(ctx: &Ctx) -> ZLimits {
    let c = &ctx.srv.config;
    ZLimits { max_entries: c.zset_max_listpack_entries, max_value: c.zset_max_listpack_value }
}

/// Replies with an element as a bulk string.
#[inline]
pub(super) fn bulk_elem(out: &mut ReplyWriter, e: Elem<'_>) {
    match e {
        Elem::Str(s) => out.bulk(s),
        Elem::Int(i) => out.bulk_int(i),
    }
}

/// A count for the random commands (`-LONG_MAX..=LONG_MAX`).
pub(super) fn random_count(arg: &[u8]) -> Result<i64, CmdError> {
    let v = int(arg)?;
    if v == i64::MIN {
        return Err(CmdError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    Ok(v)
}

/// A non-negative count (`ERR value is out of range, must be positive`).
pub(super) fn positive_count(arg: &[u8]) -> Result<i64, CmdError> {
    let v = int(arg)?;
    if v < 0 {
        return Err(CmdError::NotPositive);
    }
    Ok(v)
}

/// `count` distinct positions out of `0..n` (`count < n`), uniformly: a
/// partial shuffle when the sample is a large part of `n`, rejection of
/// repeats otherwise (Redis's cases 3 and 4).
pub(super) fn sample_distinct(n: usize, count: usize, rng: &mut Rng) -> Vec<usize> {
    if count * 3 > n {
        let mut idx: Vec<usize> = (0..n).collect();
        for i in 0..count {
            let j = i + rng.below((n - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx.truncate(count);
        idx
    } else {
        let mut seen = HashSet::with_capacity(count);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let i = rng.below(n as u64) as usize;
            if seen.insert(i) {
                out.push(i);
            }
        }
        out
    }
}

/// Parses a SCAN cursor as Redis does (`strtoul`, no leading space).
pub(super) fn parse_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    let bad = || CmdError::err("invalid cursor");
    if arg.is_empty() {
        return Ok(0);
    }
    if matches!(arg[0], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        return Err(bad());
    }
    let (neg, digits) = match arg[0] {
        b'-' => (true, &arg[1..]),
        b'+' => (false, &arg[1..]),
        _ => (false, arg),
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return Err(bad());
        }
        v = v.checked_mul(10).and_then(|v| v.checked_add(u64::from(c - b'0'))).ok_or_else(bad)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// HSCAN/SSCAN/ZSCAN options after the cursor: (COUNT, MATCH pattern).
pub(super) fn scan_options(args: &[Bytes]) -> Result<(usize, Option<&[u8]>), CmdError> {
    let (mut count, mut pattern) = (10usize, None);
    let mut i = 3;
    while i < args.len() {
        let more = args.len() - i >= 2;
        if is(&args[i], "count") && more {
            let c = int(&args[i + 1])?;
            if c < 1 {
                return Err(CmdError::Syntax);
            }
            count = c as usize;
        } else if is(&args[i], "match") && more {
            let p = &args[i + 1][..];
            pattern = if p == b"*" { None } else { Some(p) };
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    Ok((count, pattern))
}

/// Runs a collection scan as Redis's `scanGenericCommand` does: steps
/// until `count` items (keys, or keys and values when `pairs`) are
/// collected, the cursor returns to 0, or `count * 10` steps pass; then
/// filters by pattern and replies `[cursor, [items…]]`. `step` performs one
/// scan step, pushing (key, value) strings.
pub(super) fn scan_reply(
    out: &mut ReplyWriter,
    mut cursor: u64,
    count: usize,
    pattern: Option<&[u8]>,
    pairs: bool,
    mut step: impl FnMut(u64, &mut Vec<(Vec<u8>, Option<Vec<u8>>)>) -> u64,
) {
    let want = if pairs { count.saturating_mul(2) } else { count };
    let per_item = if pairs { 2 } else { 1 };
    let mut items: Vec<(Vec<u8>, Option<Vec<u8>>)> = Vec::new();
    let mut budget = want.saturating_mul(10);
    loop {
        cursor = step(cursor, &mut items);
        if cursor == 0 || budget == 0 || items.len() * per_item >= want {
            break;
        }
        budget -= 1;
    }
    if let Some(p) = pattern {
        items.retain(|(k, _)| glob_match(p, k, false));
    }
    out.array(2);
    out.bulk_int(cursor as i64);
    out.array(items.len() * per_item);
    for (k, v) in &items {
        out.bulk(k);
        if let Some(v) = v {
            out.bulk(v);
        }
    }
}

// ---------------------------------------------------------------------------
// Key access.

/// The hash at `key` for reading (counts a hit or miss); WRONGTYPE for
/// another type.
fn read<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut Hash>, CmdError> {
    match db.lookup(key, now, Access::Read) {
        None => Ok(None),
        Some(e) => match &mut e.value {
            Value::Hash(h) => Ok(Some(h)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The hash at `key` for writing, created empty when missing.
fn write_or_create<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<&'a mut Hash, CmdError> {
    match db.lookup(key, now, Access::Write).map(|e| matches!(e.value, Value::Hash(_))) {
        Some(false) => return Err(CmdError::WrongType),
        Some(true) => {}
        None => {
            db.set(key, Value::Hash(Hash::new()), Ttl::Clear, now);
        }
    }
    match db.lookup(key, now, Access::Peek).map(|e| &mut e.value) {
        Some(Value::Hash(h)) => Ok(h),
        _ => unreachable!("hash just checked or created"),
    }
}

// ---------------------------------------------------------------------------
// Handlers.

fn hset_generic(ctx: &mut Ctx, args: &[Bytes], name: &str) -> Result<usize, CmdError> {
    if args.len() % 2 == 1 {
        return Err(CmdError::WrongArity(name.into()));
    }
    let lim = hash_limits(ctx);
    let now = ctx.now();
    let h = write_or_create(ctx.db(), &args[1], now)?;
    let created = args[2..].chunks(2).filter(|p| h.set(&p[0], &p[1], lim)).count();
    ctx.srv.dirty += ((args.len() - 2) / 2) as u64;
    ctx.notify(N::HASH, "hset", &args[1]);
    Ok(created)
}

fn hset(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let created = hset_generic(ctx, args, "hset")?;
    ctx.out().int(created as i64);
    Ok(())
}

fn hmset(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    hset_generic(ctx, args, "hmset")?;
    ctx.out().ok();
    Ok(())
}

fn hsetnx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let lim = hash_limits(ctx);
    let now = ctx.now();
    let h = write_or_create(ctx.db(), &args[1], now)?;
    let added = !h.contains(&args[2]) && h.set(&args[2], &args[3], lim);
    if added {
        ctx.srv.dirty += 1;
        ctx.notify(N::HASH, "hset", &args[1]);
    }
    ctx.out().int(added as i64);
    Ok(())
}

fn hget(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    match read(db, &args[1], now)?.and_then(|h| h.get(&args[2])) {
        Some(v) => bulk_elem(out, v),
        None => out.null(),
    }
    Ok(())
}

fn hmget(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let h = read(db, &args[1], now)?;
    out.array(args.len() - 2);
    for f in &args[2..] {
        match h.as_ref().and_then(|h| h.get(f)) {
            Some(v) => bulk_elem(out, v),
            None => out.null(),
        }
    }
    Ok(())
}

fn hdel(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let db = ctx.db();
    let (deleted, empty) = match db.lookup(&args[1], now, Access::Write) {
        None => (0, false),
        Some(e) => {
            let Value::Hash(h) = &mut e.value else { return Err(CmdError::WrongType) };
            let mut deleted = 0;
            for f in &args[2..] {
                if h.remove(f) {
                    deleted += 1;
                    if h.is_empty() {
                        break;
                    }
                }
            }
            (deleted, h.is_empty())
        }
    };
    if empty {
        db.remove(&args[1], now);
    }
    ctx.srv.dirty += deleted as u64;
    if deleted > 0 {
        ctx.notify(N::HASH, "hdel", &args[1]);
    }
    if empty {
        ctx.notify(N::GENERIC, "del", &args[1]);
    }
    ctx.out().int(deleted as i64);
    Ok(())
}

fn hlen(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let n = read(db, &args[1], now)?.map_or(0, |h| h.len());
    out.int(n as i64);
    Ok(())
}

fn hstrlen(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let n = read(db, &args[1], now)?.and_then(|h| h.get(&args[2])).map_or(0, |v| v.len());
    out.int(n as i64);
    Ok(())
}

fn hexists(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let found = read(db, &args[1], now)?.is_some_and(|h| h.contains(&args[2]));
    out.int(found as i64);
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Keys,
    Vals,
    Both,
}

fn getall(ctx: &mut Ctx, args: &[Bytes], part: Part) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(h) = read(db, &args[1], now)? else {
        if part == Part::Both {
            out.map(0)
        } else {
            out.array(0)
        }
        return Ok(());
    };
    if part == Part::Both {
        out.map(h.len());
    } else {
        out.array(h.len());
    }
    for (k, v) in h.iter() {
        if part != Part::Vals {
            bulk_elem(out, k);
        }
        if part != Part::Keys {
            bulk_elem(out, v);
        }
    }
    Ok(())
}

fn hkeys(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    getall(ctx, args, Part::Keys)
}

fn hvals(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    getall(ctx, args, Part::Vals)
}

fn hgetall(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    getall(ctx, args, Part::Both)
}

fn hincrby(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let incr = int(&args[3])?;
    let lim = hash_limits(ctx);
    let now = ctx.now();
    let h = write_or_create(ctx.db(), &args[1], now)?;
    let old = match h.get(&args[2]) {
        None => 0,
        Some(Elem::Int(i)) => i,
        Some(Elem::Str(s)) => parse_i64(s).ok_or_else(|| CmdError::err("hash value is not an integer"))?,
    };
    let new = old.checked_add(incr).ok_or(CmdError::Overflow)?;
    let mut buf = [0u8; 20];
    h.set(&args[2], Elem::Int(new).bytes(&mut buf), lim);
    ctx.srv.dirty += 1;
    ctx.notify(N::HASH, "hincrby", &args[1]);
    ctx.out().int(new);
    Ok(())
}

fn hincrbyfloat(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // Redis computes in x87 `long double` and prints with `%.17Lf`.
    let incr = LongDouble::parse(&args[3]).ok_or(CmdError::NotFloat)?;
    if !incr.is_finite() {
        return Err(CmdError::err("value is NaN or Infinity"));
    }
    let lim = hash_limits(ctx);
    let now = ctx.now();
    let h = write_or_create(ctx.db(), &args[1], now)?;
    let old = match h.get(&args[2]) {
        None => LongDouble::ZERO,
        Some(Elem::Int(i)) => LongDouble::from_i64(i),
        Some(Elem::Str(s)) => LongDouble::parse(s).ok_or_else(|| CmdError::err("hash value is not a float"))?,
    };
    let new = old + incr;
    if !new.is_finite() {
        return Err(CmdError::err("increment would produce NaN or Infinity"));
    }
    let text = new.format_human();
    h.set(&args[2], text.as_bytes(), lim);
    ctx.srv.dirty += 1;
    ctx.notify(N::HASH, "hincrbyfloat", &args[1]);
    ctx.out().bulk(text.as_bytes());
    // Replicated as HSET key field <result>.
    if ctx.propagating() {
        let argv = vec![
            crate::server::replication::word("HSET"),
            args[1].clone(),
            args[2].clone(),
            Bytes::from(text.into_bytes()),
        ];
        ctx.propagate_as(argv);
    }
    Ok(())
}

fn hrandfield(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    if args.len() == 2 {
        let srv = &mut *ctx.srv;
        let db = &mut srv.keyspace.dbs[ctx.client.db];
        let out = &mut ctx.client.out;
        match read(db, &args[1], now)? {
            None => out.null(),
            Some(h) => {
                let i = srv.rng.below(h.len() as u64) as usize;
                bulk_elem(out, h.nth(i).0);
            }
        }
        return Ok(());
    }
    let l = random_count(&args[2])?;
    let withvalues = match args.len() {
        3 => false,
        4 if is(&args[3], "withvalues") => true,
        _ => return Err(CmdError::Syntax),
    };
    if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return Err(CmdError::err("value is out of range"));
    }
    let srv = &mut *ctx.srv;
    let db = &mut srv.keyspace.dbs[ctx.client.db];
    let out = &mut ctx.client.out;
    let rng = &mut srv.rng;
    let Some(h) = read(db, &args[1], now)? else {
        out.array(0);
        return Ok(());
    };
    let count = l.unsigned_abs() as usize;
    if count == 0 {
        out.array(0);
        return Ok(());
    }
    let resp3 = out.is_resp3();
    let emit = |out: &mut ReplyWriter, (k, v): (Elem<'_>, Elem<'_>)| {
        if withvalues && resp3 {
            out.array(2);
        }
        bulk_elem(out, k);
        if withvalues {
            bulk_elem(out, v);
        }
    };
    let size = h.len();
    let header = |out: &mut ReplyWriter, n: usize| out.array(if withvalues && !resp3 { n * 2 } else { n });
    // A packed hash is walked once, not once per pick.
    let pairs = if h.is_packed() { h.pairs() } else { Vec::new() };
    let pick = |i: usize| if pairs.is_empty() { h.nth(i) } else { pairs[i] };
    if l < 0 || count == 1 {
        header(out, count);
        for _ in 0..count {
            emit(out, pick(rng.below(size as u64) as usize));
        }
        return Ok(());
    }
    header(out, count.min(size));
    if count >= size {
        h.iter().for_each(|p| emit(out, p));
        return Ok(());
    }
    for i in sample_distinct(size, count, rng) {
        emit(out, pick(i));
    }
    Ok(())
}

fn hscan(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&args[2])?;
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(h) = read(db, &args[1], now)? else {
        out.array(2);
        out.bulk(b"0");
        out.array(0);
        return Ok(());
    };
    let (count, pattern) = scan_options(args)?;
    scan_reply(out, cursor, count, pattern, true, |c, items| {
        h.scan(c, |k, v| items.push((k.to_vec(), Some(v.to_vec()))))
    });
    Ok(())
}
