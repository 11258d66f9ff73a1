//! Set commands.

use crate::config::notify as N;
use bytes::Bytes;

use super::args::{int, is};
use super::flags::*;
use super::hash::{
    bulk_elem, parse_cursor, positive_count, random_count, sample_distinct, scan_options, scan_reply, set_limits,
};
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::keyspace::{Access, Db, Ttl, Value};
use crate::protocol::ReplyWriter;
use crate::server::replication as repl;
use crate::types::listpack::Elem;
use crate::types::set::Set;

const G: Group = Group::Set;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sadd", -3, WRITE | DENYOOM | FAST, G, sadd).keys(1, 1, 1).doc(
        "1.0.0",
        "Add one or more members to a set",
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "key member [member ...]",
    ),
    CommandSpec::new("srem", -3, WRITE | FAST, G, srem).keys(1, 1, 1).doc(
        "1.0.0",
        "Remove one or more members from a set",
        "O(N) where N is the number of members to be removed.",
        "key member [member ...]",
    ),
    CommandSpec::new("scard", 2, READONLY | FAST, G, scard).keys(1, 1, 1).doc(
        "1.0.0",
        "Get the number of members in a set",
        "O(1)",
        "key",
    ),
    CommandSpec::new("sismember", 3, READONLY | FAST, G, sismember).keys(1, 1, 1).doc(
        "1.0.0",
        "Determine if a given value is a member of a set",
        "O(1)",
        "key member",
    ),
    CommandSpec::new("smismember", -3, READONLY | FAST, G, smismember).keys(1, 1, 1).doc(
        "6.2.0",
        "Returns the membership associated with the given elements for a set",
        "O(N) where N is the number of elements being checked for membership",
        "key member [member ...]",
    ),
    CommandSpec::new("smembers", 2, READONLY, G, smembers).keys(1, 1, 1).doc(
        "1.0.0",
        "Get all the members in a set",
        "O(N) where N is the set cardinality.",
        "key",
    ),
    CommandSpec::new("spop", -2, WRITE | FAST, G, spop).keys(1, 1, 1).doc(
        "1.0.0",
        "Remove and return one or multiple random members from a set",
        "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
        "key [count]",
    ),
    CommandSpec::new("srandmember", -2, READONLY, G, srandmember).keys(1, 1, 1).doc(
        "1.0.0",
        "Get one or multiple random members from a set",
        "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
        "key [count]",
    ),
    CommandSpec::new("smove", 4, WRITE | FAST, G, smove).keys(1, 2, 1).doc(
        "1.0.0",
        "Move a member from one set to another",
        "O(1)",
        "source destination member",
    ),
    CommandSpec::new("sinter", -2, READONLY, G, sinter).keys(1, -1, 1).doc(
        "1.0.0",
        "Intersect multiple sets",
        "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        "key [key ...]",
    ),
    CommandSpec::new("sintercard", -3, READONLY, G, sintercard).getkeys(numkeys_at_1).doc(
        "7.0.0",
        "Intersect multiple sets and return the cardinality of the result",
        "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        "numkeys key [key ...] [LIMIT limit]",
    ),
    CommandSpec::new("sinterstore", -3, WRITE | DENYOOM, G, sinterstore).keys(1, -1, 1).doc(
        "1.0.0",
        "Intersect multiple sets and store the resulting set in a key",
        "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        "destination key [key ...]",
    ),
    CommandSpec::new("sunion", -2, READONLY, G, sunion).keys(1, -1, 1).doc(
        "1.0.0",
        "Add multiple sets",
        "O(N) where N is the total number of elements in all given sets.",
        "key [key ...]",
    ),
    CommandSpec::new("sunionstore", -3, WRITE | DENYOOM, G, sunionstore).keys(1, -1, 1).doc(
        "1.0.0",
        "Add multiple sets and store the resulting set in a key",
        "O(N) where N is the total number of elements in all given sets.",
        "destination key [key ...]",
    ),
    CommandSpec::new("sdiff", -2, READONLY, G, sdiff).keys(1, -1, 1).doc(
        "1.0.0",
        "Subtract multiple sets",
        "O(N) where N is the total number of elements in all given sets.",
        "key [key ...]",
    ),
    CommandSpec::new("sdiffstore", -3, WRITE | DENYOOM, G, sdiffstore).keys(1, -1, 1).doc(
        "1.0.0",
        "Subtract multiple sets and store the resulting set in a key",
        "O(N) where N is the total number of elements in all given sets.",
        "destination key [key ...]",
    ),
    CommandSpec::new("sscan", -3, READONLY, G, sscan).keys(1, 1, 1).doc(
        "2.8.0",
        "Incrementally iterate Set elements",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        "key cursor [MATCH pattern] [COUNT count]",
    ),
];

/// Keys of `CMD numkeys key [key ...] ...` (SINTERCARD, ZUNION, ZMPOP …).
pub(super) fn numkeys_at_1(args: &[Bytes]) -> Vec<usize> {
    numkeys_keys(args, 1)
}

/// Keys of `CMD timeout numkeys key [key ...] ...` (BLMPOP, BZMPOP).
pub(super) fn numkeys_at_2(args: &[Bytes]) -> Vec<usize> {
    numkeys_keys(args, 2)
}

/// Keys counted by the number at `args[at]`, right after it; none when the
/// number is not positive or counts more keys than there are arguments.
pub(super) fn numkeys_keys(args: &[Bytes], at: usize) -> Vec<usize> {
    match args.get(at).and_then(|a| crate::util::number::parse_i64(a)) {
        Some(n) if n > 0 && (n as u64) < (args.len() - at) as u64 => (at + 1..=at + n as usize).collect(),
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// Key access.

fn read<'a>(db: &'a mut Db, key: &[u8], now: u64, access: Access) -> Result<Option<&'a mut Set>, CmdError> {
    match db.lookup(key, now, access) {
        None => Ok(None),
        Some(e) => match &mut e.value {
            Value::Set(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The set at `key` after a lookup already made it live (no accounting).
fn peek<'a>(db: &'a Db, key: &[u8]) -> Option<&'a Set> {
    let d = db.dict();
    match &d.find(d.hash(key), key)?.value {
        Value::Set(s) => Some(s),
        _ => None,
    }
}

/// Looks up every key for reading, in order, with Redis's accounting;
/// WRONGTYPE at the first key holding another type.
fn lookup_all(db: &mut Db, keys: &[Bytes], now: u64) -> Result<(), CmdError> {
    for k in keys {
        read(db, k, now, Access::Read)?;
    }
    Ok(())
}

/// Stores `result` at `dst` (replacing whatever is there, TTL cleared), or
/// deletes `dst` when it is empty. Replies with the size. Counts dirty.
fn store(ctx: &mut Ctx, dst: &[u8], result: Set, event: &str) {
    let now = ctx.now();
    let n = result.len();
    if n > 0 {
        ctx.db().set(dst, Value::Set(result), Ttl::Clear, now);
        ctx.srv.dirty += 1;
        ctx.notify(N::SET, event, dst);
    } else if ctx.db().remove(dst, now).is_some() {
        ctx.srv.dirty += 1;
        ctx.notify(N::GENERIC, "del", dst);
    }
    ctx.out().int(n as i64);
}

fn reply_set(out: &mut ReplyWriter, s: &Set) {
    out.set(s.len());
    s.iter().for_each(|e| bulk_elem(out, e));
}

// ---------------------------------------------------------------------------
// Handlers.

fn sadd(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let lim = set_limits(ctx);
    let now = ctx.now();
    let db = ctx.db();
    match db.lookup(&args[1], now, Access::Write).map(|e| matches!(e.value, Value::Set(_))) {
        Some(false) => return Err(CmdError::WrongType),
        Some(true) => {}
        None => {
            db.set(&args[1], Value::Set(Set::new_for(&args[2])), Ttl::Clear, now);
        }
    }
    let s = read(db, &args[1], now, Access::Peek)?.expect("set exists");
    let added = args[2..].iter().filter(|m| s.add(m, lim)).count();
    ctx.srv.dirty += added as u64;
    if added > 0 {
        ctx.notify(N::SET, "sadd", &args[1]);
    }
    ctx.out().int(added as i64);
    Ok(())
}

fn srem(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let db = ctx.db();
    let (deleted, empty) = match read(db, &args[1], now, Access::Write)? {
        None => (0, false),
        Some(s) => {
            let mut deleted = 0;
            for m in &args[2..] {
                if s.remove(m) {
                    deleted += 1;
                    if s.is_empty() {
                        break;
                    }
                }
            }
            (deleted, s.is_empty())
        }
    };
    if empty {
        db.remove(&args[1], now);
    }
    ctx.srv.dirty += deleted as u64;
    if deleted > 0 {
        ctx.notify(N::SET, "srem", &args[1]);
    }
    if empty {
        ctx.notify(N::GENERIC, "del", &args[1]);
    }
    ctx.out().int(deleted as i64);
    Ok(())
}

fn smove(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (src, dst, m) = (&args[1], &args[2], &args[3]);
    let lim = set_limits(ctx);
    let now = ctx.now();
    let db = ctx.db();
    let is_set = |e: &mut crate::keyspace::Entry| matches!(e.value, Value::Set(_));
    let src_kind = db.lookup(src, now, Access::Write).map(is_set);
    // The destination is only type-checked here: a write lookup would
    // count it as modified (WATCH) even when the member is already there.
    let dst_kind = db.lookup(dst, now, Access::Peek).map(is_set);
    let Some(src_ok) = src_kind else {
        ctx.out().int(0);
        return Ok(());
    };
    if !src_ok || dst_kind == Some(false) {
        return Err(CmdError::WrongType);
    }
    if src == dst {
        let member = peek(db, src).is_some_and(|s| s.contains(m));
        ctx.out().int(member as i64);
        return Ok(());
    }
    let s = read(db, src, now, Access::Peek)?.expect("source exists");
    if !s.remove(m) {
        ctx.out().int(0);
        return Ok(());
    }
    let src_deleted = s.is_empty();
    if src_deleted {
        db.remove(src, now);
    }
    let mut added = true;
    if dst_kind.is_none() {
        db.set(dst, Value::Set(Set::new_for(m)), Ttl::Clear, now);
        read(db, dst, now, Access::Peek)?.expect("destination created").add(m, lim);
    } else if peek(db, dst).is_some_and(|d| d.contains(m)) {
        added = false;
    } else {
        read(db, dst, now, Access::Write)?.expect("destination exists").add(m, lim);
    }
    ctx.srv.dirty += 1 + added as u64;
    ctx.notify(N::SET, "srem", src);
    if src_deleted {
        ctx.notify(N::GENERIC, "del", src);
    }
    if added {
        ctx.notify(N::SET, "sadd", dst);
    }
    ctx.out().int(1);
    Ok(())
}

fn sismember(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let found = read(db, &args[1], now, Access::Read)?.is_some_and(|s| s.contains(&args[2]));
    out.int(found as i64);
    Ok(())
}

fn smismember(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let s = read(db, &args[1], now, Access::Read)?;
    out.array(args.len() - 2);
    for m in &args[2..] {
        out.int(s.as_ref().is_some_and(|s| s.contains(m)) as i64);
    }
    Ok(())
}

fn scard(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let n = read(db, &args[1], now, Access::Read)?.map_or(0, |s| s.len());
    out.int(n as i64);
    Ok(())
}

fn smembers(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    match read(db, &args[1], now, Access::Read)? {
        None => out.set(0),
        Some(s) => reply_set(out, s),
    }
    Ok(())
}

fn spop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    match args.len() {
        2 => {}
        3 => return spop_count(ctx, args),
        _ => return Err(CmdError::Syntax),
    }
    let now = ctx.now();
    let srv = &mut *ctx.srv;
    let db = &mut srv.keyspace.dbs[ctx.client.db];
    let Some(s) = read(db, &args[1], now, Access::Write)? else {
        ctx.client.out.null();
        return Ok(());
    };
    let m = s.remove_nth(srv.rng.below(s.len() as u64) as usize);
    let deleted = s.is_empty();
    if deleted {
        db.remove(&args[1], now);
    }
    srv.dirty += 1;
    ctx.client.out.bulk(&m);
    // Replicated as SREM key member.
    if ctx.propagating() {
        ctx.propagate_as(vec![repl::word("SREM"), args[1].clone(), Bytes::copy_from_slice(&m)]);
    }
    ctx.notify(N::SET, "spop", &args[1]);
    if deleted {
        ctx.notify(N::GENERIC, "del", &args[1]);
    }
    Ok(())
}

fn spop_count(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let count = positive_count(&args[2])? as usize;
    let lim = set_limits(ctx);
    let now = ctx.now();
    let srv = &mut *ctx.srv;
    let db = &mut srv.keyspace.dbs[ctx.client.db];
    let out = &mut ctx.client.out;
    let Some(s) = read(db, &args[1], now, Access::Write)? else {
        out.set(0);
        return Ok(());
    };
    if count == 0 {
        out.set(0);
        return Ok(());
    }
    let size = s.len();
    srv.dirty += count.min(size) as u64;
    if count >= size {
        reply_set(out, s);
        db.remove(&args[1], now);
        // Replicated as DEL key.
        if ctx.propagating() {
            ctx.propagate_as(vec![repl::word("DEL"), args[1].clone()]);
        }
        ctx.notify(N::SET, "spop", &args[1]);
        ctx.notify(N::GENERIC, "del", &args[1]);
        return Ok(());
    }
    out.set(count);
    let remaining = size - count;
    // Replicated as one SREM per popped member (Redis's `alsoPropagate`).
    let mut popped: Option<Vec<Bytes>> = srv.repl.propagate.then(Vec::new);
    if remaining * 5 > count {
        for _ in 0..count {
            let m = s.remove_nth(srv.rng.below(s.len() as u64) as usize);
            out.bulk(&m);
            if let Some(p) = popped.as_mut() {
                p.push(Bytes::copy_from_slice(&m));
            }
        }
    } else {
        // Keep the few that stay in a new set; the old one is the reply.
        let mut kept: Option<Set> = None;
        for _ in 0..remaining {
            let m = s.remove_nth(srv.rng.below(s.len() as u64) as usize);
            kept.get_or_insert_with(|| Set::new_for(&m)).add(&m, lim);
        }
        s.iter().for_each(|e| bulk_elem(out, e));
        if let Some(p) = popped.as_mut() {
            p.extend(s.iter().map(|e| Bytes::from(e.to_vec())));
        }
        *s = kept.expect("at least one member stays");
    }
    if let Some(popped) = popped {
        let db = ctx.client.db;
        for m in popped {
            ctx.also_propagate(db, vec![repl::word("SREM"), args[1].clone(), m]);
        }
        ctx.prevent_propagation();
    }
    ctx.notify(N::SET, "spop", &args[1]);
    Ok(())
}

fn srandmember(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let l = if args.len() == 3 { Some(random_count(&args[2])?) } else { None };
    let srv = &mut *ctx.srv;
    let db = &mut srv.keyspace.dbs[ctx.client.db];
    let out = &mut ctx.client.out;
    let rng = &mut srv.rng;
    let s = read(db, &args[1], now, Access::Read)?;
    let Some(l) = l else {
        match s {
            None => out.null(),
            Some(s) => bulk_elem(out, s.nth(rng.below(s.len() as u64) as usize)),
        }
        return Ok(());
    };
    let Some(s) = s else {
        out.array(0);
        return Ok(());
    };
    let count = l.unsigned_abs() as usize;
    let size = s.len();
    if count == 0 {
        out.array(0);
    } else if l < 0 || count == 1 {
        out.array(count);
        for _ in 0..count {
            bulk_elem(out, s.nth(rng.below(size as u64) as usize));
        }
    } else if count >= size {
        out.array(size);
        s.iter().for_each(|e| bulk_elem(out, e));
    } else {
        out.array(count);
        for i in sample_distinct(size, count, rng) {
            bulk_elem(out, s.nth(i));
        }
    }
    Ok(())
}

/// What SINTER and friends do with the intersection.
enum InterOut<'a> {
    Reply,
    Card(usize),
    Store(&'a [u8]),
}

fn sinter_generic(ctx: &mut Ctx, keys: &[Bytes], mode: InterOut<'_>) -> CmdResult {
    let lim = set_limits(ctx);
    let now = ctx.now();
    let db = &mut ctx.srv.keyspace.dbs[ctx.client.db];
    lookup_all(db, keys, now)?;
    let db = &*db;
    let sets: Option<Vec<&Set>> = keys.iter().map(|k| peek(db, k)).collect();
    let Some(mut sets) = sets else {
        // An empty input makes the intersection empty.
        match mode {
            InterOut::Reply => ctx.out().set(0),
            InterOut::Card(_) => ctx.out().int(0),
            InterOut::Store(dst) => store(ctx, dst, Set::new_ints(), "sinterstore"),
        }
        return Ok(());
    };
    sets.sort_by_key(|s| s.len());
    let first = sets[0];
    let in_all = |e: Elem<'_>| sets[1..].iter().all(|s| std::ptr::eq(*s, first) || s.contains_elem(e));
    match mode {
        InterOut::Card(limit) => {
            let mut n = 0;
            for e in first.iter() {
                if in_all(e) {
                    n += 1;
                    if limit != 0 && n >= limit {
                        break;
                    }
                }
            }
            ctx.client.out.int(n as i64);
        }
        InterOut::Reply => {
            let found: Vec<Elem<'_>> = first.iter().filter(|&e| in_all(e)).collect();
            let out = &mut ctx.client.out;
            out.set(found.len());
            found.into_iter().for_each(|e| bulk_elem(out, e));
        }
        InterOut::Store(dst) => {
            let mut result = Set::new_ints();
            for e in first.iter().filter(|&e| in_all(e)) {
                result.add_elem(e, lim);
            }
            store(ctx, dst, result, "sinterstore");
        }
    }
    Ok(())
}

fn sinter(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    sinter_generic(ctx, &args[1..], InterOut::Reply)
}

fn sinterstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    sinter_generic(ctx, &args[2..], InterOut::Store(&args[1]))
}

fn sintercard(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let numkeys = match int(&args[1]) {
        Ok(n) if n >= 1 => n as usize,
        _ => return Err(CmdError::err("numkeys should be greater than 0")),
    };
    if numkeys > args.len() - 2 {
        return Err(CmdError::err("Number of keys can't be greater than number of args"));
    }
    let mut limit = 0;
    let mut j = 2 + numkeys;
    while j < args.len() {
        if is(&args[j], "limit") && j + 1 < args.len() {
            limit = match int(&args[j + 1]) {
                Ok(n) if n >= 0 => n as usize,
                _ => return Err(CmdError::err("LIMIT can't be negative")),
            };
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    sinter_generic(ctx, &args[2..2 + numkeys], InterOut::Card(limit))
}

/// SUNION/SDIFF and their STORE forms (Redis's `sunionDiffGenericCommand`,
/// including its choice of diff algorithm, which decides the encoding of a
/// stored result).
fn sunion_diff(ctx: &mut Ctx, keys: &[Bytes], dst: Option<&[u8]>, diff: bool) -> CmdResult {
    let lim = set_limits(ctx);
    let now = ctx.now();
    let db = &mut ctx.srv.keyspace.dbs[ctx.client.db];
    lookup_all(db, keys, now)?;
    let db = &*db;
    let mut sets: Vec<Option<&Set>> = keys.iter().map(|k| peek(db, k)).collect();
    let sameset = match sets[0] {
        Some(first) => sets[1..].iter().any(|s| s.is_some_and(|s| std::ptr::eq(s, first))),
        None => false,
    };
    let mut result = Set::new_ints();
    if !diff {
        for s in sets.iter().flatten() {
            s.iter().for_each(|e| {
                result.add_elem(e, lim);
            });
        }
    } else if let (Some(first), false) = (sets[0], sameset) {
        let one: usize = sets.iter().flatten().map(|_| first.len()).sum::<usize>() / 2;
        let two: usize = sets.iter().flatten().map(|s| s.len()).sum();
        if one <= two {
            sets[1..].sort_by_key(|s| std::cmp::Reverse(s.map_or(0, |s| s.len())));
            for e in first.iter() {
                if !sets[1..].iter().flatten().any(|s| s.contains_elem(e)) {
                    result.add_elem(e, lim);
                }
            }
        } else {
            first.iter().for_each(|e| {
                result.add_elem(e, lim);
            });
            for s in sets[1..].iter().flatten() {
                if result.is_empty() {
                    break;
                }
                let mut buf = [0u8; 20];
                for e in s.iter() {
                    result.remove(e.bytes(&mut buf));
                }
            }
        }
    }
    match dst {
        Some(dst) => store(ctx, dst, result, if diff { "sdiffstore" } else { "sunionstore" }),
        None => reply_set(ctx.out(), &result),
    }
    Ok(())
}

fn sunion(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    sunion_diff(ctx, &args[1..], None, false)
}

fn sunionstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    sunion_diff(ctx, &args[2..], Some(&args[1]), false)
}

fn sdiff(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    sunion_diff(ctx, &args[1..], None, true)
}

fn sdiffstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    sunion_diff(ctx, &args[2..], Some(&args[1]), true)
}

fn sscan(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&args[2])?;
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(s) = read(db, &args[1], now, Access::Read)? else {
        out.array(2);
        out.bulk(b"0");
        out.array(0);
        return Ok(());
    };
    let (count, pattern) = scan_options(args)?;
    scan_reply(out, cursor, count, pattern, false, |c, items| s.scan(c, |e| items.push((e.to_vec(), None))));
    Ok(())
}
