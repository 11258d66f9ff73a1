//! Sorted-set commands. The blocking pops (BZPOPMIN, BZPOPMAX, BZMPOP)
//! belong with the lists/blocking family.

use crate::config::notify as N;
use std::collections::HashMap;

use bytes::Bytes;

use super::args::{float, int, is, timeout_secs};
use super::flags::*;
use super::hash::{
    bulk_elem, parse_cursor, positive_count, random_count, sample_distinct, scan_options, scan_reply, zset_limits,
};
use super::set::{numkeys_at_1, numkeys_at_2, numkeys_keys};
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::keyspace::{Access, CompactBytes, Db, Ttl, Value};
use crate::protocol::ReplyWriter;
use crate::types::listpack::Elem;
use crate::types::set::Set;
use crate::types::zset::{AddFlags, AddResult, LexBound, LexRange, ScoreRange, ZSet};
use crate::util::number::{format_g17, parse_f64, strtod_all};

const G: Group = Group::SortedSet;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("zadd", -4, WRITE | DENYOOM | FAST, G, zadd).keys(1, 1, 1).doc(
        "1.2.0",
        "Add one or more members to a sorted set, or update its score if it already exists",
        "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
    ),
    CommandSpec::new("zincrby", 4, WRITE | DENYOOM | FAST, G, zincrby).keys(1, 1, 1).doc(
        "1.2.0",
        "Increment the score of a member in a sorted set",
        "O(log(N)) where N is the number of elements in the sorted set.",
        "key increment member",
    ),
    CommandSpec::new("zscore", 3, READONLY | FAST, G, zscore).keys(1, 1, 1).doc(
        "1.2.0",
        "Get the score associated with the given member in a sorted set",
        "O(1)",
        "key member",
    ),
    CommandSpec::new("zmscore", -3, READONLY | FAST, G, zmscore).keys(1, 1, 1).doc(
        "6.2.0",
        "Get the score associated with the given members in a sorted set",
        "O(N) where N is the number of members being requested.",
        "key member [member ...]",
    ),
    CommandSpec::new("zcard", 2, READONLY | FAST, G, zcard).keys(1, 1, 1).doc(
        "1.2.0",
        "Get the number of members in a sorted set",
        "O(1)",
        "key",
    ),
    CommandSpec::new("zcount", 4, READONLY | FAST, G, zcount).keys(1, 1, 1).doc(
        "2.0.0",
        "Count the members in a sorted set with scores within the given values",
        "O(log(N)) with N being the number of elements in the sorted set.",
        "key min max",
    ),
    CommandSpec::new("zlexcount", 4, READONLY | FAST, G, zlexcount).keys(1, 1, 1).doc(
        "2.8.9",
        "Count the number of members in a sorted set between a given lexicographical range",
        "O(log(N)) with N being the number of elements in the sorted set.",
        "key min max",
    ),
    CommandSpec::new("zrank", 3, READONLY | FAST, G, zrank).keys(1, 1, 1).doc(
        "2.0.0",
        "Determine the index of a member in a sorted set",
        "O(log(N))",
        "key member",
    ),
    CommandSpec::new("zrevrank", 3, READONLY | FAST, G, zrevrank).keys(1, 1, 1).doc(
        "2.0.0",
        "Determine the index of a member in a sorted set, with scores ordered from high to low",
        "O(log(N))",
        "key member",
    ),
    CommandSpec::new("zrange", -4, READONLY, G, zrange).keys(1, 1, 1).doc(
        "1.2.0",
        "Return a range of members in a sorted set",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
    ),
    CommandSpec::new("zrangestore", -5, WRITE | DENYOOM, G, zrangestore).keys(1, 2, 1).doc(
        "6.2.0",
        "Store a range of members from sorted set into another key",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
        "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]",
    ),
    CommandSpec::new("zrangebyscore", -4, READONLY, G, zrangebyscore).keys(1, 1, 1).doc(
        "1.0.5",
        "Return a range of members in a sorted set, by score",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "key min max [WITHSCORES] [LIMIT offset count]",
    ),
    CommandSpec::new("zrevrangebyscore", -4, READONLY, G, zrevrangebyscore).keys(1, 1, 1).doc(
        "2.2.0",
        "Return a range of members in a sorted set, by score, with scores ordered from high to low",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "key max min [WITHSCORES] [LIMIT offset count]",
    ),
    CommandSpec::new("zrangebylex", -4, READONLY, G, zrangebylex).keys(1, 1, 1).doc(
        "2.8.9",
        "Return a range of members in a sorted set, by lexicographical range",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "key min max [LIMIT offset count]",
    ),
    CommandSpec::new("zrevrangebylex", -4, READONLY, G, zrevrangebylex).keys(1, 1, 1).doc(
        "2.8.9",
        "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "key max min [LIMIT offset count]",
    ),
    CommandSpec::new("zrevrange", -4, READONLY, G, zrevrange).keys(1, 1, 1).doc(
        "1.2.0",
        "Return a range of members in a sorted set, by index, with scores ordered from high to low",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "key start stop [WITHSCORES]",
    ),
    CommandSpec::new("zrem", -3, WRITE | FAST, G, zrem).keys(1, 1, 1).doc(
        "1.2.0",
        "Remove one or more members from a sorted set",
        "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
        "key member [member ...]",
    ),
    CommandSpec::new("zremrangebyrank", 4, WRITE, G, zremrangebyrank).keys(1, 1, 1).doc(
        "2.0.0",
        "Remove all members in a sorted set within the given indexes",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        "key start stop",
    ),
    CommandSpec::new("zremrangebyscore", 4, WRITE, G, zremrangebyscore).keys(1, 1, 1).doc(
        "1.2.0",
        "Remove all members in a sorted set within the given scores",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        "key min max",
    ),
    CommandSpec::new("zremrangebylex", 4, WRITE, G, zremrangebylex).keys(1, 1, 1).doc(
        "2.8.9",
        "Remove all members in a sorted set between the given lexicographical range",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        "key min max",
    ),
    CommandSpec::new("zpopmin", -2, WRITE | FAST, G, zpopmin).keys(1, 1, 1).doc(
        "5.0.0",
        "Remove and return members with the lowest scores in a sorted set",
        "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        "key [count]",
    ),
    CommandSpec::new("zpopmax", -2, WRITE | FAST, G, zpopmax).keys(1, 1, 1).doc(
        "5.0.0",
        "Remove and return members with the highest scores in a sorted set",
        "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        "key [count]",
    ),
    CommandSpec::new("zmpop", -4, WRITE, G, zmpop).getkeys(numkeys_at_1).doc(
        "7.0.0",
        "Remove and return members with scores in a sorted set",
        "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        "numkeys key [key ...] <MIN | MAX> [COUNT count]",
    ),
    CommandSpec::new("bzpopmin", -3, WRITE | NOSCRIPT | FAST | BLOCKING, G, bzpopmin).keys(1, -2, 1).doc(
        "5.0.0",
        "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
        "O(log(N)) with N being the number of elements in the sorted set.",
        "key [key ...] timeout",
    ),
    CommandSpec::new("bzpopmax", -3, WRITE | NOSCRIPT | FAST | BLOCKING, G, bzpopmax).keys(1, -2, 1).doc(
        "5.0.0",
        "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
        "O(log(N)) with N being the number of elements in the sorted set.",
        "key [key ...] timeout",
    ),
    CommandSpec::new("bzmpop", -5, WRITE | BLOCKING, G, bzmpop).getkeys(numkeys_at_2).doc(
        "7.0.0",
        "Remove and return members with scores in a sorted set or block until one is available",
        "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        "timeout numkeys key [key ...] <MIN | MAX> [COUNT count]",
    ),
    CommandSpec::new("zrandmember", -2, READONLY, G, zrandmember).keys(1, 1, 1).doc(
        "6.2.0",
        "Get one or multiple random elements from a sorted set",
        "O(N) where N is the number of elements returned",
        "key [count [WITHSCORES]]",
    ),
    CommandSpec::new("zunion", -3, READONLY, G, zunion).getkeys(numkeys_at_1).doc(
        "6.2.0",
        "Add multiple sorted sets",
        "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        "numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]",
    ),
    CommandSpec::new("zinter", -3, READONLY, G, zinter).getkeys(numkeys_at_1).doc(
        "6.2.0",
        "Intersect multiple sorted sets",
        "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        "numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]",
    ),
    CommandSpec::new("zdiff", -3, READONLY, G, zdiff).getkeys(numkeys_at_1).doc(
        "6.2.0",
        "Subtract multiple sorted sets",
        "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        "numkeys key [key ...] [WITHSCORES]",
    ),
    CommandSpec::new("zunionstore", -4, WRITE | DENYOOM, G, zunionstore).keys(1, 1, 1).getkeys(store_keys).doc(
        "2.0.0",
        "Add multiple sorted sets and store the resulting sorted set in a new key",
        "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        "destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM | MIN | MAX]",
    ),
    CommandSpec::new("zinterstore", -4, WRITE | DENYOOM, G, zinterstore).keys(1, 1, 1).getkeys(store_keys).doc(
        "2.0.0",
        "Intersect multiple sorted sets and store the resulting sorted set in a new key",
        "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        "destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM | MIN | MAX]",
    ),
    CommandSpec::new("zdiffstore", -4, WRITE | DENYOOM, G, zdiffstore).keys(1, 1, 1).getkeys(store_keys).doc(
        "6.2.0",
        "Subtract multiple sorted sets and store the resulting sorted set in a new key",
        "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        "destination numkeys key [key ...]",
    ),
    CommandSpec::new("zintercard", -3, READONLY, G, zintercard).getkeys(numkeys_at_1).doc(
        "7.0.0",
        "Intersect multiple sorted sets and return the cardinality of the result",
        "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
        "numkeys key [key ...] [LIMIT limit]",
    ),
    CommandSpec::new("zscan", -3, READONLY, G, zscan).keys(1, 1, 1).doc(
        "2.8.0",
        "Incrementally iterate sorted sets elements and associated scores",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        "key cursor [MATCH pattern] [COUNT count]",
    ),
];

/// Keys of `Z*STORE destination numkeys key [key ...]`.
fn store_keys(args: &[Bytes]) -> Vec<usize> {
    let mut keys = vec![1];
    keys.extend(numkeys_keys(args, 2));
    keys
}

// ---------------------------------------------------------------------------
// Parsing.

fn score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    match arg.first() {
        Some(b'(') => strtod_all(&arg[1..]).map(|v| (v, true)),
        _ => strtod_all(arg).map(|v| (v, false)),
    }
}

fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
    let bad = || CmdError::err("min or max is not a float");
    let (min, minex) = score_bound(min).ok_or_else(bad)?;
    let (max, maxex) = score_bound(max).ok_or_else(bad)?;
    Ok(ScoreRange { min, max, minex, maxex })
}

fn lex_bound(arg: &[u8]) -> Option<LexBound<'_>> {
    match arg.first()? {
        b'+' if arg.len() == 1 => Some(LexBound::PosInf),
        b'-' if arg.len() == 1 => Some(LexBound::NegInf),
        b'(' => Some(LexBound::Excl(&arg[1..])),
        b'[' => Some(LexBound::Incl(&arg[1..])),
        _ => None,
    }
}

fn parse_lex_range<'a>(min: &'a [u8], max: &'a [u8]) -> Result<LexRange<'a>, CmdError> {
    match (lex_bound(min), lex_bound(max)) {
        (Some(min), Some(max)) => Ok(LexRange { min, max }),
        _ => Err(CmdError::err("min or max not valid string range item")),
    }
}

/// Redis's rank sanitizing: negative from the end; `None` when empty.
fn rank_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize + 1))
}

/// The score as Redis prints it into a listpack (`d2string`): integral
/// values within ±2^62 as integers, otherwise `%.17g`.
fn listpack_score_text(s: f64) -> String {
    if s.is_finite() && s != 0.0 && s.fract() == 0.0 && s.abs() <= (i64::MAX / 2) as f64 {
        return format!("{}", s as i64);
    }
    format_g17(s)
}

// ---------------------------------------------------------------------------
// Key access and replies.

fn read<'a>(db: &'a mut Db, key: &[u8], now: u64, access: Access) -> Result<Option<&'a mut ZSet>, CmdError> {
    match db.lookup(key, now, access) {
        None => Ok(None),
        Some(e) => match &mut e.value {
            Value::ZSet(z) => Ok(Some(z)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// Stores a computed result at `dst` (TTL cleared), or deletes `dst` when
/// it is empty; replies with its size; counts dirty.
fn store(ctx: &mut Ctx, dst: &[u8], result: Vec<(CompactBytes, f64)>, event: &str) {
    let now = ctx.now();
    let n = result.len();
    if n > 0 {
        let z = ZSet::from_entries(result, zset_limits(ctx));
        ctx.db().set(dst, Value::ZSet(z), Ttl::Clear, now);
        ctx.srv.dirty += 1;
        ctx.notify(N::ZSET, event, dst);
    } else if ctx.db().remove(dst, now).is_some() {
        ctx.srv.dirty += 1;
        ctx.notify(N::GENERIC, "del", dst);
    }
    ctx.out().int(n as i64);
}

/// The header of a list of members, with scores: flat in RESP2, pairs in RESP3.
fn scored_header(out: &mut ReplyWriter, n: usize, withscores: bool) {
    out.array(if withscores && !out.is_resp3() { n * 2 } else { n });
}

fn scored_item(out: &mut ReplyWriter, e: Elem<'_>, s: f64, withscores: bool) {
    if withscores && out.is_resp3() {
        out.array(2);
    }
    bulk_elem(out, e);
    if withscores {
        out.double(s);
    }
}

// ---------------------------------------------------------------------------
// ZADD, ZINCRBY, ZREM, scores and ranks.

/// ZADD and ZINCRBY (Redis's `zaddGenericCommand`); GEOADD runs its
/// rewritten arguments through it.
pub(super) fn zadd_generic(ctx: &mut Ctx, args: &[Bytes], mut incr: bool) -> CmdResult {
    let mut f = AddFlags::default();
    let mut ch = false;
    let mut idx = 2;
    while idx < args.len() {
        let o = &args[idx];
        if is(o, "nx") {
            f.nx = true;
        } else if is(o, "xx") {
            f.xx = true;
        } else if is(o, "ch") {
            ch = true;
        } else if is(o, "incr") {
            incr = true;
        } else if is(o, "gt") {
            f.gt = true;
        } else if is(o, "lt") {
            f.lt = true;
        } else {
            break;
        }
        idx += 1;
    }
    f.incr = incr;
    let elements = args.len() - idx;
    if elements % 2 == 1 || elements == 0 {
        return Err(CmdError::Syntax);
    }
    if f.nx && f.xx {
        return Err(CmdError::err("XX and NX options at the same time are not compatible"));
    }
    if (f.nx && (f.gt || f.lt)) || (f.gt && f.lt) {
        return Err(CmdError::err("GT, LT, and/or NX options at the same time are not compatible"));
    }
    if incr && elements > 2 {
        return Err(CmdError::err("INCR option supports a single increment-element pair"));
    }
    let pairs = &args[idx..];
    let scores = pairs.chunks(2).map(|p| float(&p[0])).collect::<Result<Vec<f64>, _>>()?;
    let lim = zset_limits(ctx);
    let now = ctx.now();
    let db = ctx.db();
    let (mut added, mut updated, mut processed, mut last) = (0, 0, 0, 0.0);
    match db.lookup(&args[1], now, Access::Write).map(|e| matches!(e.value, Value::ZSet(_))) {
        Some(false) => return Err(CmdError::WrongType),
        Some(true) => {}
        None if f.xx => {}
        None => {
            db.set(&args[1], Value::ZSet(ZSet::new(lim, pairs[1].len())), Ttl::Clear, now);
        }
    }
    if let Some(z) = read(db, &args[1], now, Access::Peek)? {
        for (p, &score) in pairs.chunks(2).zip(&scores) {
            match z.add(&p[1], score, f, lim) {
                AddResult::Nan => return Err(CmdError::err("resulting score is not a number (NaN)")),
                AddResult::Nop => continue,
                AddResult::Added(s) => {
                    added += 1;
                    last = s;
                }
                AddResult::Updated(s) => {
                    updated += 1;
                    last = s;
                }
                AddResult::Same(s) => last = s,
            }
            processed += 1;
        }
    }
    ctx.srv.dirty += added + updated;
    if added + updated > 0 {
        ctx.notify(N::ZSET, if incr { "zincr" } else { "zadd" }, &args[1]);
    }
    let out = ctx.out();
    if incr {
        if processed > 0 { out.double(last) } else { out.null() }
    } else {
        out.int(if ch { added + updated } else { added } as i64);
    }
    Ok(())
}

fn zadd(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, args, false)
}

fn zincrby(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, args, true)
}

fn zrem(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let db = ctx.db();
    let (deleted, empty) = match read(db, &args[1], now, Access::Write)? {
        None => (0, false),
        Some(z) => {
            let mut deleted = 0;
            for m in &args[2..] {
                if z.remove(m) {
                    deleted += 1;
                }
                if z.is_empty() {
                    break;
                }
            }
            (deleted, z.is_empty())
        }
    };
    if empty {
        db.remove(&args[1], now);
    }
    ctx.srv.dirty += deleted as u64;
    if deleted > 0 {
        ctx.notify(N::ZSET, "zrem", &args[1]);
    }
    if empty {
        ctx.notify(N::GENERIC, "del", &args[1]);
    }
    ctx.out().int(deleted as i64);
    Ok(())
}

fn zcard(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let n = read(db, &args[1], now, Access::Read)?.map_or(0, |z| z.len());
    out.int(n as i64);
    Ok(())
}

fn zscore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    match read(db, &args[1], now, Access::Read)?.and_then(|z| z.score(&args[2])) {
        Some(s) => out.double(s),
        None => out.null(),
    }
    Ok(())
}

fn zmscore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let z = read(db, &args[1], now, Access::Read)?;
    out.array(args.len() - 2);
    for m in &args[2..] {
        match z.as_ref().and_then(|z| z.score(m)) {
            Some(s) => out.double(s),
            None => out.null(),
        }
    }
    Ok(())
}

fn rank_generic(ctx: &mut Ctx, args: &[Bytes], rev: bool) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    match read(db, &args[1], now, Access::Read)?.and_then(|z| z.rank(&args[2], rev)) {
        Some(r) => out.int(r as i64),
        None => out.null(),
    }
    Ok(())
}

fn zrank(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    rank_generic(ctx, args, false)
}

fn zrevrank(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    rank_generic(ctx, args, true)
}

fn zcount(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let r = parse_score_range(&args[2], &args[3])?;
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let n = read(db, &args[1], now, Access::Read)?.map_or(0, |z| {
        let (s, e) = z.score_ranks(&r);
        e - s
    });
    out.int(n as i64);
    Ok(())
}

fn zlexcount(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let r = parse_lex_range(&args[2], &args[3])?;
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let n = read(db, &args[1], now, Access::Read)?.map_or(0, |z| {
        let (s, e) = z.lex_ranks(&r, false);
        e - s
    });
    out.int(n as i64);
    Ok(())
}

// ---------------------------------------------------------------------------
// ZRANGE and its variants.

#[derive(Clone, Copy, PartialEq)]
enum RangeBy {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Applies `LIMIT offset count` to the ranks `[s, e)` walked forward (or
/// backward with `rev`), as Redis's range walks do; returns the ranks
/// `[start, end)` to emit.
fn apply_limit(s: usize, e: usize, rev: bool, offset: i64, limit: i64) -> (usize, usize) {
    if offset < 0 || s >= e {
        return (0, 0);
    }
    let avail = e - s;
    let offset = offset as usize;
    if offset >= avail {
        return (0, 0);
    }
    let mut n = avail - offset;
    if limit >= 0 {
        n = n.min(limit as usize);
    }
    if rev { (e - offset - n, e - offset) } else { (s + offset, s + offset + n) }
}

/// ZRANGE, ZRANGESTORE and the older Z[REV]RANGE[BYSCORE|BYLEX] commands
/// (Redis's `zrangeGenericCommand`). `at` is the index of the source key.
fn zrange_generic(
    ctx: &mut Ctx,
    args: &[Bytes],
    at: usize,
    dst: Option<&[u8]>,
    mut by: RangeBy,
    rev: Option<bool>,
) -> CmdResult {
    let storing = dst.is_some();
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut rev_opt = rev;
    let mut j = at + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = &args[j];
        if !storing && is(a, "withscores") {
            withscores = true;
        } else if is(a, "limit") && left >= 2 {
            offset = int(&args[j + 1])?;
            limit = int(&args[j + 2])?;
            j += 2;
        } else if rev_opt.is_none() && is(a, "rev") {
            rev_opt = Some(true);
        } else if by == RangeBy::Auto && is(a, "bylex") {
            by = RangeBy::Lex;
        } else if by == RangeBy::Auto && is(a, "byscore") {
            by = RangeBy::Score;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let rev = rev_opt.unwrap_or(false);
    if by == RangeBy::Auto {
        by = RangeBy::Rank;
    }
    if limit != -1 && by == RangeBy::Rank {
        return Err(CmdError::err("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"));
    }
    if withscores && by == RangeBy::Lex {
        return Err(CmdError::err("syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    let (mut lo, mut hi) = (&args[at + 1], &args[at + 2]);
    if rev && by != RangeBy::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    enum Spec<'a> {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange<'a>),
    }
    let spec = match by {
        RangeBy::Score => Spec::Score(parse_score_range(lo, hi)?),
        RangeBy::Lex => Spec::Lex(parse_lex_range(lo, hi)?),
        _ => Spec::Rank(int(lo)?, int(hi)?),
    };
    let now = ctx.now();
    let db = &mut ctx.srv.keyspace.dbs[ctx.client.db];
    let Some(z) = read(db, &args[at], now, Access::Read)? else {
        match dst {
            Some(dst) => store(ctx, dst, Vec::new(), "zrangestore"),
            None => ctx.client.out.array(0),
        }
        return Ok(());
    };
    let (start, end) = match spec {
        Spec::Rank(s, e) => match rank_range(s, e, z.len()) {
            // Reverse ranks count from the highest score.
            Some((s, e)) if rev => (z.len() - e, z.len() - s),
            Some(r) => r,
            None => (0, 0),
        },
        Spec::Score(r) => {
            let (s, e) = z.score_ranks(&r);
            apply_limit(s, e, rev, offset, limit)
        }
        Spec::Lex(r) => {
            let (s, e) = z.lex_ranks(&r, rev);
            apply_limit(s, e, rev, offset, limit)
        }
    };
    match dst {
        Some(dst) => {
            let mut result = Vec::with_capacity(end.saturating_sub(start));
            z.range(start, end, rev, |e, s| result.push((e.to_compact(), s)));
            store(ctx, dst, result, "zrangestore");
        }
        None => {
            let out = &mut ctx.client.out;
            scored_header(out, end.saturating_sub(start), withscores);
            z.range(start, end, rev, |e, s| scored_item(out, e, s, withscores));
        }
    }
    Ok(())
}

fn zrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeBy::Auto, None)
}

fn zrangestore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 2, Some(&args[1]), RangeBy::Auto, None)
}

fn zrevrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeBy::Rank, Some(true))
}

fn zrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeBy::Score, Some(false))
}

fn zrevrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeBy::Score, Some(true))
}

fn zrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeBy::Lex, Some(false))
}

fn zrevrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeBy::Lex, Some(true))
}

// ---------------------------------------------------------------------------
// ZREMRANGEBY*.

fn zremrange(ctx: &mut Ctx, args: &[Bytes], by: RangeBy) -> CmdResult {
    let (rank, score, lex) = match by {
        RangeBy::Rank => (Some((int(&args[2])?, int(&args[3])?)), None, None),
        RangeBy::Score => (None, Some(parse_score_range(&args[2], &args[3])?), None),
        _ => (None, None, Some(parse_lex_range(&args[2], &args[3])?)),
    };
    let now = ctx.now();
    let db = ctx.db();
    let (deleted, empty) = match read(db, &args[1], now, Access::Write)? {
        None => (0, false),
        Some(z) => {
            let (s, e) = if let Some((s, e)) = rank {
                rank_range(s, e, z.len()).unwrap_or((0, 0))
            } else if let Some(r) = score {
                z.score_ranks(&r)
            } else {
                z.lex_ranks(&lex.expect("lex range"), false)
            };
            let n = z.remove_ranks(s, e);
            (n, z.is_empty())
        }
    };
    if empty {
        db.remove(&args[1], now);
    }
    ctx.srv.dirty += deleted as u64;
    if deleted > 0 {
        let event = match by {
            RangeBy::Rank => "zremrangebyrank",
            RangeBy::Score => "zremrangebyscore",
            _ => "zremrangebylex",
        };
        ctx.notify(N::ZSET, event, &args[1]);
    }
    if empty {
        ctx.notify(N::GENERIC, "del", &args[1]);
    }
    ctx.out().int(deleted as i64);
    Ok(())
}

fn zremrangebyrank(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zremrange(ctx, args, RangeBy::Rank)
}

fn zremrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zremrange(ctx, args, RangeBy::Score)
}

fn zremrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zremrange(ctx, args, RangeBy::Lex)
}

// ---------------------------------------------------------------------------
// Pops.

/// Redis's `genericZpopCommand`: pops from the first non-empty key of
/// `keys`. `count` is `None` for the single-pop form. With `emit_key` the
/// reply is `[key, [[member, score] …]]` (ZMPOP), and nothing to pop
/// answers a null array.
fn zpop_generic(
    ctx: &mut Ctx,
    keys: &[Bytes],
    max: bool,
    count: Option<usize>,
    nested: bool,
    emit_key: bool,
) -> CmdResult {
    let now = ctx.now();
    let db = &mut ctx.srv.keyspace.dbs[ctx.client.db];
    let out = &mut ctx.client.out;
    let mut found = None;
    for k in keys {
        if read(db, k, now, Access::Write)?.is_some() {
            found = Some(k);
            break;
        }
    }
    let Some(key) = found else {
        if emit_key {
            out.null_array()
        } else {
            out.array(0)
        }
        return Ok(());
    };
    if count == Some(0) {
        out.array(0);
        return Ok(());
    }
    let z = read(db, key, now, Access::Peek)?.expect("key found above");
    let n = count.unwrap_or(1).min(z.len());
    match (nested, emit_key) {
        (false, false) => out.array(n * 2),
        (false, true) => {
            out.array(n * 2 + 1);
            out.bulk(key);
        }
        (true, false) => out.array(n),
        (true, true) => {
            out.array(2);
            out.bulk(key);
            out.array(n);
        }
    }
    for _ in 0..n {
        let (m, s) = z.pop(max).expect("counted above");
        if nested {
            out.array(2);
        }
        out.bulk(&m);
        out.double(s);
    }
    let deleted = z.is_empty();
    if deleted {
        db.remove(key, now);
    }
    ctx.srv.dirty += n as u64;
    // ZMPOP and the blocking pops are replicated as ZPOPMIN/ZPOPMAX key [n].
    if emit_key && ctx.propagating() {
        let mut argv = vec![crate::server::replication::word(if max { "ZPOPMAX" } else { "ZPOPMIN" }), key.clone()];
        if count.is_some() {
            argv.push(crate::server::replication::num(n as i64));
        }
        ctx.propagate_as(argv);
    }
    ctx.notify(N::ZSET, if max { "zpopmax" } else { "zpopmin" }, key);
    if deleted {
        ctx.notify(N::GENERIC, "del", key);
    }
    Ok(())
}

fn zpop_minmax(ctx: &mut Ctx, args: &[Bytes], max: bool) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let count = match args.get(2) {
        Some(a) => Some(positive_count(a)? as usize),
        None => None,
    };
    let nested = ctx.client.out.is_resp3() && count.is_some();
    zpop_generic(ctx, &args[1..2], max, count, nested, false)
}

fn zpopmin(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zpop_minmax(ctx, args, false)
}

fn zpopmax(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zpop_minmax(ctx, args, true)
}

/// The arguments of ZMPOP/BZMPOP from `numkeys` at `at`
/// (`zmpopGenericCommand`): the number of keys, MAX or not, the count.
fn parse_zmpop(args: &[Bytes], at: usize) -> Result<(usize, bool, usize), CmdError> {
    let numkeys = match int(&args[at]) {
        Ok(n) if n >= 1 => n as usize,
        _ => return Err(CmdError::err("numkeys should be greater than 0")),
    };
    let where_idx = numkeys.checked_add(at + 1).filter(|&w| w < args.len()).ok_or(CmdError::Syntax)?;
    let max = if is(&args[where_idx], "min") {
        false
    } else if is(&args[where_idx], "max") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let mut count = None;
    let mut j = where_idx + 1;
    while j < args.len() {
        if count.is_none() && is(&args[j], "count") && j + 1 < args.len() {
            count = match int(&args[j + 1]) {
                Ok(n) if n >= 1 => Some(n as usize),
                _ => return Err(CmdError::err("count should be greater than 0")),
            };
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok((numkeys, max, count.unwrap_or(1)))
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].
fn zmpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (numkeys, max, count) = parse_zmpop(args, 1)?;
    zpop_generic(ctx, &args[2..2 + numkeys], max, Some(count), true, true)
}

// ---------------------------------------------------------------------------
// Blocking pops.

/// BZPOPMIN/BZPOPMAX/BZMPOP after parsing (`blockingGenericZpopCommand`):
/// the timeout is checked first, then the first non-empty key is popped
/// from; WRONGTYPE stops the scan. With nothing to pop the client blocks,
/// or gets a null array where it may not block (MULTI, scripts).
fn blocking_zpop(
    ctx: &mut Ctx,
    args: &[Bytes],
    keys: &[Bytes],
    timeout_arg: &Bytes,
    max: bool,
    count: Option<usize>,
) -> CmdResult {
    let now = ctx.now();
    let timeout = timeout_secs(timeout_arg, now)?;
    let db = &mut ctx.srv.keyspace.dbs[ctx.client.db];
    for (i, k) in keys.iter().enumerate() {
        if read(db, k, now, Access::Write)?.is_some() {
            return zpop_generic(ctx, &keys[i..=i], max, count, count.is_some(), true);
        }
    }
    if !ctx.may_block() {
        ctx.client.out.null_array();
        return Ok(());
    }
    ctx.block(keys, args, timeout, "zset");
    Ok(())
}

/// BZPOPMIN/BZPOPMAX key [key ...] timeout.
fn bzpop_minmax(ctx: &mut Ctx, args: &[Bytes], max: bool) -> CmdResult {
    let last = args.len() - 1;
    blocking_zpop(ctx, args, &args[1..last], &args[last], max, None)
}

fn bzpopmin(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    bzpop_minmax(ctx, args, false)
}

fn bzpopmax(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    bzpop_minmax(ctx, args, true)
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count].
fn bzmpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (numkeys, max, count) = parse_zmpop(args, 2)?;
    blocking_zpop(ctx, args, &args[3..3 + numkeys], &args[1], max, Some(count))
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER.

fn zrandmember(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let mut l = None;
    let mut withscores = false;
    if args.len() >= 3 {
        let v = random_count(&args[2])?;
        match args.len() {
            3 => {}
            4 if is(&args[3], "withscores") => withscores = true,
            _ => return Err(CmdError::Syntax),
        }
        if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&v) {
            return Err(CmdError::err("value is out of range"));
        }
        l = Some(v);
    }
    let srv = &mut *ctx.srv;
    let db = &mut srv.keyspace.dbs[ctx.client.db];
    let out = &mut ctx.client.out;
    let rng = &mut srv.rng;
    let z = read(db, &args[1], now, Access::Read)?;
    let Some(l) = l else {
        match z {
            None => out.null(),
            Some(z) => bulk_elem(out, z.nth(rng.below(z.len() as u64) as usize).0),
        }
        return Ok(());
    };
    let Some(z) = z else {
        out.array(0);
        return Ok(());
    };
    let count = l.unsigned_abs() as usize;
    if count == 0 {
        out.array(0);
        return Ok(());
    }
    let size = z.len();
    let pairs = if z.is_packed() { z.pairs() } else { Vec::new() };
    let pick = |i: usize| if pairs.is_empty() { z.nth(i) } else { pairs[i] };
    if l < 0 || count == 1 {
        scored_header(out, count, withscores);
        for _ in 0..count {
            let (e, s) = pick(rng.below(size as u64) as usize);
            scored_item(out, e, s, withscores);
        }
    } else if count >= size {
        scored_header(out, size, withscores);
        z.for_each(|e, s| scored_item(out, e, s, withscores));
    } else {
        scored_header(out, count, withscores);
        for i in sample_distinct(size, count, rng) {
            let (e, s) = pick(i);
            scored_item(out, e, s, withscores);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD.

/// An input of a set operation: sorted sets, and plain sets with score 1.
#[derive(Clone, Copy)]
enum Src<'a> {
    Missing,
    Set(&'a Set),
    Z(&'a ZSet),
}

impl Src<'_> {
    fn len(&self) -> usize {
        match self {
            Src::Missing => 0,
            Src::Set(s) => s.len(),
            Src::Z(z) => z.len(),
        }
    }

    fn score(&self, m: Elem<'_>) -> Option<f64> {
        match self {
            Src::Missing => None,
            Src::Set(s) => s.contains_elem(m).then_some(1.0),
            Src::Z(z) => {
                let mut buf = [0u8; 20];
                z.score(m.bytes(&mut buf))
            }
        }
    }

    fn for_each(&self, mut f: impl FnMut(Elem<'_>, f64)) {
        match self {
            Src::Missing => {}
            Src::Set(s) => s.iter().for_each(|e| f(e, 1.0)),
            Src::Z(z) => z.for_each(f),
        }
    }

    /// Same key (same value in the keyspace)?
    fn same(&self, other: &Src<'_>) -> bool {
        match (self, other) {
            (Src::Set(a), Src::Set(b)) => std::ptr::eq(*a, *b),
            (Src::Z(a), Src::Z(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn aggregate(a: Aggregate, target: &mut f64, v: f64) {
    match a {
        Aggregate::Sum => {
            *target += v;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => *target = if v < *target { v } else { *target },
        Aggregate::Max => *target = if v > *target { v } else { *target },
    }
}

/// Redis's `zunionInterDiffGenericCommand`. `nk` is the index of numkeys.
fn zsetop(ctx: &mut Ctx, args: &[Bytes], dst: Option<&[u8]>, nk: usize, op: SetOp, card_only: bool) -> CmdResult {
    let setnum = int(&args[nk])?;
    if setnum < 1 {
        let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
        return Err(CmdError::err(format!("at least 1 input key is needed for '{name}' command")));
    }
    if setnum as usize > args.len() - (nk + 1) {
        return Err(CmdError::Syntax);
    }
    let setnum = setnum as usize;
    let keys = &args[nk + 1..nk + 1 + setnum];
    let now = ctx.now();
    let db = &mut ctx.srv.keyspace.dbs[ctx.client.db];
    for k in keys {
        if let Some(e) = db.lookup(k, now, Access::Read)
            && !matches!(e.value, Value::ZSet(_) | Value::Set(_))
        {
            return Err(CmdError::WrongType);
        }
    }
    let mut weights = vec![1.0f64; setnum];
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let mut j = nk + 1 + setnum;
    while j < args.len() {
        let remaining = args.len() - j;
        let a = &args[j];
        if op != SetOp::Diff && !card_only && remaining > setnum && is(a, "weights") {
            for (i, w) in weights.iter_mut().enumerate() {
                *w = parse_f64(&args[j + 1 + i]).ok_or_else(|| CmdError::err("weight value is not a float"))?;
            }
            j += 1 + setnum;
        } else if op != SetOp::Diff && !card_only && remaining >= 2 && is(a, "aggregate") {
            let v = &args[j + 1];
            agg = if is(v, "sum") {
                Aggregate::Sum
            } else if is(v, "min") {
                Aggregate::Min
            } else if is(v, "max") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
            j += 2;
        } else if dst.is_none() && !card_only && is(a, "withscores") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && is(a, "limit") {
            limit = match int(&args[j + 1]) {
                Ok(n) if n >= 0 => n as usize,
                _ => return Err(CmdError::err("LIMIT can't be negative")),
            };
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let db = &*db;
    let d = db.dict();
    let mut srcs: Vec<(Src<'_>, f64)> = keys
        .iter()
        .zip(&weights)
        .map(|(k, &w)| {
            let src = match d.find(d.hash(k), k).map(|e| &e.value) {
                Some(Value::ZSet(z)) => Src::Z(z),
                Some(Value::Set(s)) => Src::Set(s),
                _ => Src::Missing,
            };
            (src, w)
        })
        .collect();
    if op != SetOp::Diff {
        srcs.sort_by_key(|(s, _)| s.len());
    }
    let mut result: Vec<(CompactBytes, f64)> = Vec::new();
    let mut cardinality = 0usize;
    match op {
        SetOp::Inter => {
            let (first, w0) = srcs[0];
            let mut stop = false;
            first.for_each(|e, s0| {
                if stop {
                    return;
                }
                let mut score = w0 * s0;
                if score.is_nan() {
                    score = 0.0;
                }
                for (src, w) in &srcs[1..] {
                    let v = if src.same(&first) { Some(s0) } else { src.score(e) };
                    match v {
                        Some(v) => aggregate(agg, &mut score, v * w),
                        None => return,
                    }
                }
                if card_only {
                    cardinality += 1;
                    stop = limit != 0 && cardinality >= limit;
                } else {
                    result.push((e.to_compact(), score));
                }
            });
        }
        SetOp::Union => {
            let mut acc: HashMap<CompactBytes, f64> = HashMap::new();
            for (src, w) in &srcs {
                src.for_each(|e, s| {
                    let mut score = w * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    let mut buf = [0u8; 20];
                    match acc.get_mut(e.bytes(&mut buf)) {
                        Some(t) => aggregate(agg, t, score),
                        None => {
                            acc.insert(e.to_compact(), score);
                        }
                    }
                });
            }
            result = acc.into_iter().collect();
        }
        SetOp::Diff => {
            let (first, _) = srcs[0];
            first.for_each(|e, s| {
                if !srcs[1..].iter().any(|(src, _)| src.same(&first) || src.score(e).is_some()) {
                    result.push((e.to_compact(), s));
                }
            });
        }
    }
    if let Some(dst) = dst {
        let event = match op {
            SetOp::Union => "zunionstore",
            SetOp::Inter => "zinterstore",
            SetOp::Diff => "zdiffstore",
        };
        store(ctx, dst, result, event);
    } else if card_only {
        ctx.out().int(cardinality as i64);
    } else {
        result.sort_unstable_by(|a, b| {
            a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.0.cmp(&b.0))
        });
        let out = ctx.out();
        scored_header(out, result.len(), withscores);
        for (m, s) in &result {
            scored_item(out, Elem::Str(m), *s, withscores);
        }
    }
    Ok(())
}

fn zunion(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zsetop(ctx, args, None, 1, SetOp::Union, false)
}

fn zinter(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zsetop(ctx, args, None, 1, SetOp::Inter, false)
}

fn zdiff(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zsetop(ctx, args, None, 1, SetOp::Diff, false)
}

fn zintercard(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zsetop(ctx, args, None, 1, SetOp::Inter, true)
}

fn zunionstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zsetop(ctx, args, Some(&args[1]), 2, SetOp::Union, false)
}

fn zinterstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zsetop(ctx, args, Some(&args[1]), 2, SetOp::Inter, false)
}

fn zdiffstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zsetop(ctx, args, Some(&args[1]), 2, SetOp::Diff, false)
}

// ---------------------------------------------------------------------------
// ZSCAN.

fn zscan(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&args[2])?;
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(z) = read(db, &args[1], now, Access::Read)? else {
        out.array(2);
        out.bulk(b"0");
        out.array(0);
        return Ok(());
    };
    let (count, pattern) = scan_options(args)?;
    let packed = z.is_packed();
    scan_reply(out, cursor, count, pattern, true, |c, items| {
        z.scan(c, |e, s| {
            let text = if packed { listpack_score_text(s) } else { format_g17(s) };
            items.push((e.to_vec(), Some(text.into_bytes())));
        })
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_ranges_parse_like_strtod() {
        assert_eq!(strtod_all(b""), Some(0.0));
        assert_eq!(strtod_all(b" 1.5"), Some(1.5));
        assert_eq!(strtod_all(b"  "), None);
        assert_eq!(strtod_all(b"1e400"), Some(f64::INFINITY));
        assert_eq!(strtod_all(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(strtod_all(b"0x10"), Some(16.0));
        assert_eq!(strtod_all(b"nan"), None);
        assert_eq!(strtod_all(b"1x"), None);
        assert_eq!(score_bound(b"(3"), Some((3.0, true)));
        assert_eq!(score_bound(b"("), Some((0.0, true)));
    }

    #[test]
    fn ranks_sanitize_like_redis() {
        assert_eq!(rank_range(0, -1, 5), Some((0, 5)));
        assert_eq!(rank_range(-100, 100, 5), Some((0, 5)));
        assert_eq!(rank_range(3, 2, 5), None);
        assert_eq!(rank_range(5, 10, 5), None);
        assert_eq!(rank_range(-2, -1, 5), Some((3, 5)));
        assert_eq!(apply_limit(2, 8, false, 1, 2), (3, 5));
        assert_eq!(apply_limit(2, 8, true, 1, 2), (5, 7));
        assert_eq!(apply_limit(2, 8, false, 0, -1), (2, 8));
        assert_eq!(apply_limit(2, 8, false, -1, 5), (0, 0));
        assert_eq!(apply_limit(2, 8, false, 6, 5), (0, 0));
    }

    #[test]
    fn listpack_scores_print_as_d2string() {
        assert_eq!(listpack_score_text(1e17), "100000000000000000");
        assert_eq!(listpack_score_text(1e19), "1e+19");
        assert_eq!(listpack_score_text(1.5), "1.5");
        assert_eq!(listpack_score_text(f64::INFINITY), "inf");
    }
}
