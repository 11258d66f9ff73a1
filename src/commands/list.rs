//! List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LINDEX LRANGE
//! LSET LTRIM LREM LINSERT LPOS RPOPLPUSH LMOVE LMPOP, and the blocking
//! BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP.
//!
//! Each handler follows its Redis 7.0 counterpart (t_list.c) in the order
//! of its checks (which argument is parsed before the key is looked up),
//! its kind of lookup (`Access::Read` where Redis's lookupKeyRead counts a
//! hit or miss, `Access::Write` otherwise), its `server.dirty` increments
//! and its replies in RESP2 and RESP3. An emptied list is deleted.
//!
//! Blocking: a blocking command that finds all its keys empty calls
//! `Ctx::block` and writes nothing; when one of the keys gets a list the
//! server runs the command again (see `server::blocking`), so serving is
//! the same code as the immediate case. Inside MULTI (or a script) it
//! answers as on timeout instead: a null array, or a null for
//! BLMOVE/BRPOPLPUSH, as Redis.

use crate::config::notify as N;
use crate::server::replication as repl;
use std::time::Duration;

use bytes::Bytes;

use super::args::{int, is, timeout_secs};
use super::flags::*;
use super::set::{numkeys_at_1, numkeys_at_2};
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::keyspace::{Access, CompactBytes, Db, Value};
use crate::protocol::ReplyWriter;
use crate::types::list::{End, Item, List, Needle};

const G: Group = Group::List;

const PUSH_COMPLEXITY: &str =
    "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.";
const MPOP_COMPLEXITY: &str = "O(N+M) where N is the number of provided keys and M is the number of elements returned.";

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("blmove", 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, G, blmove).keys(1, 2, 1).doc(
        "6.2.0",
        "Pop an element from a list, push it to another list and return it; or block until one is available",
        "O(1)",
        "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout",
    ),
    CommandSpec::new("blmpop", -5, WRITE | BLOCKING, G, blmpop).getkeys(numkeys_at_2).doc(
        "7.0.0",
        "Pop elements from a list, or block until one is available",
        MPOP_COMPLEXITY,
        "timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
    ),
    CommandSpec::new("blpop", -3, WRITE | NOSCRIPT | BLOCKING, G, blpop).keys(1, -2, 1).doc(
        "2.0.0",
        "Remove and get the first element in a list, or block until one is available",
        "O(N) where N is the number of provided keys.",
        "key [key ...] timeout",
    ),
    CommandSpec::new("brpop", -3, WRITE | NOSCRIPT | BLOCKING, G, brpop).keys(1, -2, 1).doc(
        "2.0.0",
        "Remove and get the last element in a list, or block until one is available",
        "O(N) where N is the number of provided keys.",
        "key [key ...] timeout",
    ),
    CommandSpec::new("brpoplpush", 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, G, brpoplpush).keys(1, 2, 1).doc(
        "2.2.0",
        "Pop an element from a list, push it to another list and return it; or block until one is available",
        "O(1)",
        "source destination timeout",
    ),
    CommandSpec::new("lindex", 3, READONLY, G, lindex).keys(1, 1, 1).doc(
        "1.0.0",
        "Get an element from a list by its index",
        "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
        "key index",
    ),
    CommandSpec::new("linsert", 5, WRITE | DENYOOM, G, linsert).keys(1, 1, 1).doc(
        "2.2.0",
        "Insert an element before or after another element in a list",
        "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
        "key <BEFORE | AFTER> pivot element",
    ),
    CommandSpec::new("llen", 2, READONLY | FAST, G, llen).keys(1, 1, 1).doc(
        "1.0.0",
        "Get the length of a list",
        "O(1)",
        "key",
    ),
    CommandSpec::new("lmove", 5, WRITE | DENYOOM, G, lmove).keys(1, 2, 1).doc(
        "6.2.0",
        "Pop an element from a list, push it to another list and return it",
        "O(1)",
        "source destination <LEFT | RIGHT> <LEFT | RIGHT>",
    ),
    CommandSpec::new("lmpop", -4, WRITE, G, lmpop).getkeys(numkeys_at_1).doc(
        "7.0.0",
        "Pop elements from a list",
        MPOP_COMPLEXITY,
        "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
    ),
    CommandSpec::new("lpop", -2, WRITE | FAST, G, lpop).keys(1, 1, 1).doc(
        "1.0.0",
        "Remove and get the first elements in a list",
        "O(N) where N is the number of elements returned",
        "key [count]",
    ),
    CommandSpec::new("lpos", -3, READONLY, G, lpos).keys(1, 1, 1).doc(
        "6.0.6",
        "Return the index of matching elements on a list",
        "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
        "key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
    ),
    CommandSpec::new("lpush", -3, WRITE | DENYOOM | FAST, G, lpush).keys(1, 1, 1).doc(
        "1.0.0",
        "Prepend one or multiple elements to a list",
        PUSH_COMPLEXITY,
        "key element [element ...]",
    ),
    CommandSpec::new("lpushx", -3, WRITE | DENYOOM | FAST, G, lpushx).keys(1, 1, 1).doc(
        "2.2.0",
        "Prepend an element to a list, only if the list exists",
        PUSH_COMPLEXITY,
        "key element [element ...]",
    ),
    CommandSpec::new("lrange", 4, READONLY, G, lrange).keys(1, 1, 1).doc(
        "1.0.0",
        "Get a range of elements from a list",
        "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
        "key start stop",
    ),
    CommandSpec::new("lrem", 4, WRITE, G, lrem).keys(1, 1, 1).doc(
        "1.0.0",
        "Remove elements from a list",
        "O(N+M) where N is the length of the list and M is the number of elements removed.",
        "key count element",
    ),
    CommandSpec::new("lset", 4, WRITE | DENYOOM, G, lset).keys(1, 1, 1).doc(
        "1.0.0",
        "Set the value of an element in a list by its index",
        "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
        "key index element",
    ),
    CommandSpec::new("ltrim", 4, WRITE, G, ltrim).keys(1, 1, 1).doc(
        "1.0.0",
        "Trim a list to the specified range",
        "O(N) where N is the number of elements to be removed by the operation.",
        "key start stop",
    ),
    CommandSpec::new("rpop", -2, WRITE | FAST, G, rpop).keys(1, 1, 1).doc(
        "1.0.0",
        "Remove and get the last elements in a list",
        "O(N) where N is the number of elements returned",
        "key [count]",
    ),
    CommandSpec::new("rpoplpush", 3, WRITE | DENYOOM, G, rpoplpush).keys(1, 2, 1).doc(
        "1.2.0",
        "Remove the last element in a list, prepend it to another list and return it",
        "O(1)",
        "source destination",
    ),
    CommandSpec::new("rpush", -3, WRITE | DENYOOM | FAST, G, rpush).keys(1, 1, 1).doc(
        "1.0.0",
        "Append one or multiple elements to a list",
        PUSH_COMPLEXITY,
        "key element [element ...]",
    ),
    CommandSpec::new("rpushx", -3, WRITE | DENYOOM | FAST, G, rpushx).keys(1, 1, 1).doc(
        "2.2.0",
        "Append an element to a list, only if the list exists",
        PUSH_COMPLEXITY,
        "key element [element ...]",
    ),
];

/// The list at `key`, looked up for writing: `None` if missing, WRONGTYPE
/// if the key holds another type.
fn list_mut<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut List>, CmdError> {
    match db.lookup(key, now, Access::Write) {
        None => Ok(None),
        Some(e) => match &mut e.value {
            Value::List(l) => Ok(Some(l)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The list at `key`, looked up for reading (counts a keyspace hit or miss).
fn list_read<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a List>, CmdError> {
    match db.lookup(key, now, Access::Read) {
        None => Ok(None),
        Some(e) => match &e.value {
            Value::List(l) => Ok(Some(l)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The list at a key this command has just looked up and found to be one.
fn list_again<'a>(db: &'a mut Db, key: &[u8], now: u64) -> &'a mut List {
    match db.lookup(key, now, Access::Peek).map(|e| &mut e.value) {
        Some(Value::List(l)) => l,
        _ => unreachable!("the list was looked up by the same command"),
    }
}

/// Stores a new list at a key known to be absent.
fn create(db: &mut Db, key: &[u8], list: List, now: u64) {
    db.insert_absent(CompactBytes::new(key), Value::List(Box::new(list)), 0, now);
}

#[inline]
fn bulk_item(out: &mut ReplyWriter, item: Item<'_>) {
    item.with_bytes(|b| out.bulk(b));
}

/// `LEFT`/`RIGHT` (Redis's `getListPositionFromObjectOrReply`).
fn position(arg: &[u8]) -> Result<End, CmdError> {
    if is(arg, "right") {
        Ok(End::Tail)
    } else if is(arg, "left") {
        Ok(End::Head)
    } else {
        Err(CmdError::Syntax)
    }
}

/// Redis's `getRangeLongFromObjectOrReply(.., min, LONG_MAX, msg)`: `msg`
/// for a non-integer too.
fn int_at_least(arg: &[u8], min: i64, msg: &'static str) -> Result<i64, CmdError> {
    match crate::util::number::parse_i64(arg) {
        Some(v) if v >= min => Ok(v),
        _ => Err(CmdError::text(msg)),
    }
}

/// Redis's `getPositiveLongFromObjectOrReply` without a message.
fn non_negative(arg: &[u8]) -> Result<i64, CmdError> {
    crate::util::number::parse_i64(arg).filter(|&v| v >= 0).ok_or(CmdError::NotPositive)
}

fn fill(ctx: &Ctx) -> i32 {
    ctx.srv.config.list_max_listpack_size
}

// ---------------------------------------------------------------- pushes

fn lpush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    push(ctx, args, End::Head, false)
}

fn rpush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    push(ctx, args, End::Tail, false)
}

fn lpushx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    push(ctx, args, End::Head, true)
}

fn rpushx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    push(ctx, args, End::Tail, true)
}

/// LPUSH/RPUSH/LPUSHX/RPUSHX (`pushGenericCommand`).
fn push(ctx: &mut Ctx, args: &[Bytes], end: End, only_existing: bool) -> CmdResult {
    let (key, values) = (&args[1], &args[2..]);
    let (now, fill) = (ctx.now(), fill(ctx));
    let (db, out) = ctx.db_out();
    let len = match list_mut(db, key, now)? {
        Some(list) => {
            list.push_many(end, values);
            list.len()
        }
        None if only_existing => {
            out.int(0);
            return Ok(());
        }
        None => {
            let mut list = List::new(fill);
            list.push_many(end, values);
            let len = list.len();
            create(db, key, list, now);
            len
        }
    };
    out.int(len as i64);
    ctx.srv.dirty += values.len() as u64;
    ctx.notify(N::LIST, if end == End::Head { "lpush" } else { "rpush" }, key);
    Ok(())
}

// ---------------------------------------------------------------- pops

fn lpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    pop(ctx, args, End::Head)
}

fn rpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    pop(ctx, args, End::Tail)
}

/// Pops up to `count` elements of the list at `key` (which exists) into
/// the reply, one bulk each, and deletes the key if emptied. Returns how
/// many were popped and whether the key was deleted.
fn pop_into(db: &mut Db, out: &mut ReplyWriter, key: &[u8], end: End, count: usize, now: u64) -> (usize, bool) {
    let list = list_again(db, key, now);
    let n = count.min(list.len());
    for _ in 0..n {
        list.pop_with(end, |item| bulk_item(out, item));
    }
    let emptied = list.is_empty();
    if emptied {
        db.remove(key, now);
    }
    (n, emptied)
}

/// The events of elements popped from `key` (`listElementsRemoved`).
fn notify_popped(ctx: &mut Ctx, key: &[u8], end: End, deleted: bool) {
    ctx.notify(N::LIST, if end == End::Head { "lpop" } else { "rpop" }, key);
    if deleted {
        ctx.notify(N::GENERIC, "del", key);
    }
}

/// LPOP/RPOP key [count] (`popGenericCommand`).
fn pop(ctx: &mut Ctx, args: &[Bytes], end: End) -> CmdResult {
    if args.len() > 3 {
        let name = if end == End::Head { "lpop" } else { "rpop" };
        return Err(CmdError::WrongArity(name.into()));
    }
    let count = args.get(2).map(|a| non_negative(a)).transpose()?;
    let key = &args[1];
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    if list_mut(db, key, now)?.is_none() {
        if count.is_some() {
            out.null_array();
        } else {
            out.null();
        }
        return Ok(());
    }
    let (popped, deleted) = match count {
        Some(0) => {
            out.array(0);
            return Ok(());
        }
        None => pop_into(db, out, key, end, 1, now),
        Some(c) => {
            let len = list_again(db, key, now).len();
            out.array((c as usize).min(len));
            pop_into(db, out, key, end, c as usize, now)
        }
    };
    ctx.srv.dirty += popped as u64;
    notify_popped(ctx, key, end, deleted);
    Ok(())
}

/// Pops from the first non-empty list among `keys` (Redis's
/// `mpopGenericCommand` and the non-blocking half of
/// `blockingPopGenericCommand`): replies `[key, element]` (single) or
/// `[key, [elements]]` (`count`). Returns false if every key is missing.
fn pop_first(ctx: &mut Ctx, keys: &[Bytes], end: End, count: Option<usize>) -> Result<bool, CmdError> {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    for key in keys {
        let Some(list) = list_mut(db, key, now)? else { continue };
        let len = list.len();
        if len == 0 {
            continue;
        }
        out.array(2);
        out.bulk(key);
        let (popped, deleted) = match count {
            None => pop_into(db, out, key, end, 1, now),
            Some(c) => {
                out.array(c.min(len));
                pop_into(db, out, key, end, c, now)
            }
        };
        ctx.srv.dirty += popped as u64;
        notify_popped(ctx, key, end, deleted);
        // Replicated as [LR]POP key [count] (also when served to a
        // blocked client).
        if ctx.propagating() {
            let name = repl::word(if end == End::Head { "LPOP" } else { "RPOP" });
            let mut argv = vec![name, key.clone()];
            if count.is_some() {
                argv.push(repl::num(popped as i64));
            }
            ctx.propagate_as(argv);
        }
        return Ok(true);
    }
    Ok(false)
}

/// The part of BLPOP/BRPOP/BLMPOP after argument parsing
/// (`blockingPopGenericCommand`).
fn blocking_pop(
    ctx: &mut Ctx,
    args: &[Bytes],
    keys: &[Bytes],
    end: End,
    count: Option<usize>,
    timeout: Option<Duration>,
) -> CmdResult {
    if pop_first(ctx, keys, end, count)? {
        return Ok(());
    }
    if !ctx.may_block() {
        ctx.out().null_array();
        return Ok(());
    }
    ctx.block(keys, args, timeout, "list");
    Ok(())
}

fn blpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    bpop(ctx, args, End::Head)
}

fn brpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    bpop(ctx, args, End::Tail)
}

/// BLPOP/BRPOP key [key ...] timeout.
fn bpop(ctx: &mut Ctx, args: &[Bytes], end: End) -> CmdResult {
    let timeout = timeout_secs(&args[args.len() - 1], ctx.now())?;
    blocking_pop(ctx, args, &args[1..args.len() - 1], end, None, timeout)
}

/// The arguments of LMPOP/BLMPOP from `numkeys` at `at`
/// (`lmpopGenericCommand`): the keys, the end and the count.
fn parse_mpop(args: &[Bytes], at: usize) -> Result<(&[Bytes], End, usize), CmdError> {
    let numkeys = int_at_least(&args[at], 1, "ERR numkeys should be greater than 0")?;
    let where_idx = (numkeys as u64).checked_add(at as u64 + 1).filter(|&i| i < args.len() as u64);
    let Some(where_idx) = where_idx.map(|i| i as usize) else {
        return Err(CmdError::Syntax);
    };
    let end = position(&args[where_idx])?;
    let mut count = None;
    let mut j = where_idx + 1;
    while j < args.len() {
        if count.is_none() && is(&args[j], "count") && j + 1 < args.len() {
            j += 1;
            count = Some(int_at_least(&args[j], 1, "ERR count should be greater than 0")?);
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok((&args[at + 1..where_idx], end, count.unwrap_or(1) as usize))
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count].
fn lmpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (keys, end, count) = parse_mpop(args, 1)?;
    if !pop_first(ctx, keys, end, Some(count))? {
        ctx.out().null_array();
    }
    Ok(())
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count].
fn blmpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (keys, end, count) = parse_mpop(args, 2)?;
    let timeout = timeout_secs(&args[1], ctx.now())?;
    blocking_pop(ctx, args, keys, end, Some(count), timeout)
}

// ---------------------------------------------------------------- moves

fn rpoplpush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    lmove_generic(ctx, &args[1], &args[2], End::Tail, End::Head)
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT.
fn lmove(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let from = position(&args[3])?;
    let to = position(&args[4])?;
    lmove_generic(ctx, &args[1], &args[2], from, to)
}

/// Pops from `src` and pushes onto `dst` (`lmoveGenericCommand`): null if
/// `src` is missing, WRONGTYPE (nothing popped) if `dst` holds another
/// type. Moving within one list rotates it without deleting the key.
fn lmove_generic(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) -> CmdResult {
    let (now, fill) = (ctx.now(), fill(ctx));
    let (db, out) = ctx.db_out();
    let Some(source) = list_mut(db, src, now)? else {
        out.null();
        return Ok(());
    };
    if src == dst {
        let e = source.pop(from).expect("lists are never empty");
        source.push_item(to, e.as_item());
        bulk_item(out, e.as_item());
        ctx.srv.dirty += 1;
        ctx.notify(N::LIST, if to == End::Head { "lpush" } else { "rpush" }, dst);
        notify_popped(ctx, src, from, false);
        return Ok(());
    }
    let dst_exists = list_mut(db, dst, now)?.is_some();
    let source = list_again(db, src, now);
    let e = source.pop(from).expect("lists are never empty");
    let src_deleted = source.is_empty();
    if src_deleted {
        db.remove(src, now);
    }
    if dst_exists {
        list_again(db, dst, now).push_item(to, e.as_item());
    } else {
        let mut list = List::new(fill);
        list.push_item(to, e.as_item());
        create(db, dst, list, now);
    }
    bulk_item(out, e.as_item());
    ctx.srv.dirty += 1;
    ctx.notify(N::LIST, if to == End::Head { "lpush" } else { "rpush" }, dst);
    notify_popped(ctx, src, from, src_deleted);
    Ok(())
}

/// BLMOVE/BRPOPLPUSH after parsing (`blmoveGenericCommand`): only the
/// source decides whether to block.
fn blmove_generic(ctx: &mut Ctx, args: &[Bytes], from: End, to: End, timeout: Option<Duration>) -> CmdResult {
    let now = ctx.now();
    if list_mut(ctx.db(), &args[1], now)?.is_some() {
        // Replicated as LMOVE / RPOPLPUSH (also when served).
        if ctx.propagating() {
            let argv = if args.len() == 4 {
                vec![repl::word("RPOPLPUSH"), args[1].clone(), args[2].clone()]
            } else {
                vec![repl::word("LMOVE"), args[1].clone(), args[2].clone(), args[3].clone(), args[4].clone()]
            };
            ctx.propagate_as(argv);
        }
        return lmove_generic(ctx, &args[1], &args[2], from, to);
    }
    if !ctx.may_block() {
        ctx.out().null();
        return Ok(());
    }
    ctx.block(std::slice::from_ref(&args[1]), args, timeout, "list");
    Ok(())
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout.
fn blmove(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let from = position(&args[3])?;
    let to = position(&args[4])?;
    let timeout = timeout_secs(&args[5], ctx.now())?;
    blmove_generic(ctx, args, from, to, timeout)
}

/// BRPOPLPUSH source destination timeout.
fn brpoplpush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let timeout = timeout_secs(&args[3], ctx.now())?;
    blmove_generic(ctx, args, End::Tail, End::Head, timeout)
}

// ---------------------------------------------------------------- reads

/// LLEN key.
fn llen(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let len = list_read(db, &args[1], now)?.map_or(0, List::len);
    out.int(len as i64);
    Ok(())
}

/// LINDEX key index: the key is looked up before the index is parsed.
fn lindex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(list) = list_read(db, &args[1], now)? else {
        out.null();
        return Ok(());
    };
    match list.get(int(&args[2])?) {
        Some(item) => bulk_item(out, item),
        None => out.null(),
    }
    Ok(())
}

/// Redis's range normalization (`addListRangeReply`, LTRIM): negative
/// indexes from the end, clamped. Returns (start, count).
fn range(start: i64, end: i64, len: usize) -> (usize, usize) {
    let len = len as i64;
    let mut start = if start < 0 { len.saturating_add(start) } else { start };
    let mut end = if end < 0 { len.saturating_add(end) } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return (0, 0);
    }
    if end >= len {
        end = len - 1;
    }
    (start as usize, (end - start + 1) as usize)
}

/// LRANGE key start stop.
fn lrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let start = int(&args[2])?;
    let end = int(&args[3])?;
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(list) = list_read(db, &args[1], now)? else {
        out.array(0);
        return Ok(());
    };
    let (from, n) = range(start, end, list.len());
    out.array(n);
    for item in list.iter_from(from, false).take(n) {
        bulk_item(out, item);
    }
    Ok(())
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
fn lpos(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut rank: i64 = 1;
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        if is(&args[j], "rank") && more {
            j += 1;
            rank = int(&args[j])?;
            if rank == 0 {
                return Err(CmdError::text(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
        } else if is(&args[j], "count") && more {
            j += 1;
            count = Some(int_at_least(&args[j], 0, "ERR COUNT can't be negative")?);
        } else if is(&args[j], "maxlen") && more {
            j += 1;
            maxlen = int_at_least(&args[j], 0, "ERR MAXLEN can't be negative")?;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    // A negative rank searches from the tail (Redis negates it; LONG_MIN
    // stays negative there, which makes it match like -1).
    let reverse = rank < 0;
    if reverse {
        rank = rank.wrapping_neg();
    }
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(list) = list_read(db, &args[1], now)? else {
        if count.is_some() {
            out.array(0);
        } else {
            out.null();
        }
        return Ok(());
    };
    let needle = Needle::new(&args[2]);
    let len = list.len();
    let start = if reverse { len.saturating_sub(1) } else { 0 };
    let mut found = Vec::new();
    let mut matches: i64 = 0;
    let mut single = None;
    for (index, item) in list.iter_from(start, reverse).enumerate() {
        if maxlen != 0 && index as i64 >= maxlen {
            break;
        }
        if !needle.matches(item) {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        let at = if reverse { len - index - 1 } else { index } as i64;
        match count {
            None => {
                single = Some(at);
                break;
            }
            Some(c) => {
                found.push(at);
                if c != 0 && matches - rank + 1 >= c {
                    break;
                }
            }
        }
    }
    if count.is_some() {
        out.array(found.len());
        for at in found {
            out.int(at);
        }
    } else {
        match single {
            Some(at) => out.int(at),
            None => out.null(),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- edits

/// LSET key index element: "no such key" before the index is parsed.
fn lset(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(list) = list_mut(db, &args[1], now)? else {
        return Err(CmdError::NoSuchKey);
    };
    let index = int(&args[2])?;
    if !list.set(index, &args[3]) {
        return Err(CmdError::text("ERR index out of range"));
    }
    out.ok();
    ctx.srv.dirty += 1;
    ctx.notify(N::LIST, "lset", &args[1]);
    Ok(())
}

/// LTRIM key start stop. Redis signals the key as modified even when
/// nothing is trimmed, so WATCH sees it.
fn ltrim(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let start = int(&args[2])?;
    let end = int(&args[3])?;
    let key = &args[1];
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(list) = list_mut(db, key, now)? else {
        out.ok();
        return Ok(());
    };
    let len = list.len();
    let (from, n) = range(start, end, len);
    let (head, tail) = if n == 0 { (len, 0) } else { (from, len - from - n) };
    list.trim(head, tail);
    let deleted = list.is_empty();
    if deleted {
        db.remove(key, now);
    } else {
        db.interest.modified(key, true);
    }
    out.ok();
    ctx.srv.dirty += (head + tail) as u64;
    ctx.notify(N::LIST, "ltrim", key);
    if deleted {
        ctx.notify(N::GENERIC, "del", key);
    }
    Ok(())
}

/// LREM key count element.
fn lrem(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let count = int(&args[2])?;
    let key = &args[1];
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(list) = list_mut(db, key, now)? else {
        out.int(0);
        return Ok(());
    };
    let removed = list.remove(&args[3], count);
    let deleted = list.is_empty();
    if deleted {
        db.remove(key, now);
    }
    out.int(removed as i64);
    ctx.srv.dirty += removed as u64;
    if removed > 0 {
        ctx.notify(N::LIST, "lrem", key);
    }
    if deleted {
        ctx.notify(N::GENERIC, "del", key);
    }
    Ok(())
}

/// LINSERT key BEFORE|AFTER pivot element.
fn linsert(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let after = if is(&args[2], "after") {
        true
    } else if is(&args[2], "before") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(list) = list_mut(db, &args[1], now)? else {
        out.int(0);
        return Ok(());
    };
    if !list.insert(&args[3], &args[4], after) {
        out.int(-1);
        return Ok(());
    }
    out.int(list.len() as i64);
    ctx.srv.dirty += 1;
    ctx.notify(N::LIST, "linsert", &args[1]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    #[test]
    fn ranges_as_redis() {
        assert_eq!(range(0, -1, 5), (0, 5));
        assert_eq!(range(-100, 100, 5), (0, 5));
        assert_eq!(range(3, 1, 5), (0, 0));
        assert_eq!(range(5, 10, 5), (0, 0));
        assert_eq!(range(-2, -1, 5), (3, 2));
        assert_eq!(range(0, -6, 5), (0, 0));
        assert_eq!(range(i64::MIN, i64::MAX, 5), (0, 5));
    }

    #[test]
    fn mpop_keys_and_parsing() {
        assert_eq!(numkeys_at_1(&args(&["lmpop", "2", "a", "b", "left"])), vec![2, 3]);
        assert_eq!(numkeys_at_2(&args(&["blmpop", "0", "1", "a", "left"])), vec![3]);
        assert!(numkeys_at_1(&args(&["lmpop", "5", "a", "left"])).is_empty());
        let a = args(&["lmpop", "2", "a", "b", "RIGHT", "COUNT", "3"]);
        let (keys, end, count) = parse_mpop(&a, 1).unwrap();
        assert_eq!((keys.len(), end, count), (2, End::Tail, 3));
        let e = |v: &[&str]| parse_mpop(&args(v), 1).unwrap_err().to_string();
        assert_eq!(e(&["lmpop", "0", "a", "left"]), "ERR numkeys should be greater than 0");
        assert_eq!(e(&["lmpop", "x", "a", "left"]), "ERR numkeys should be greater than 0");
        assert_eq!(e(&["lmpop", "9223372036854775807", "a", "left"]), "ERR syntax error");
        assert_eq!(e(&["lmpop", "1", "a", "up"]), "ERR syntax error");
        assert_eq!(e(&["lmpop", "1", "a", "left", "count", "0"]), "ERR count should be greater than 0");
        assert_eq!(e(&["lmpop", "1", "a", "left", "count", "1", "count", "1"]), "ERR syntax error");
        assert_eq!(e(&["lmpop", "1", "a", "left", "count"]), "ERR syntax error");
    }
}
