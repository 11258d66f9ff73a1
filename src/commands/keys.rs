//! Generic key commands: DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME
//! RENAMENX MOVE COPY TOUCH EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL
//! EXPIRETIME PEXPIRETIME PERSIST OBJECT.
//!
//! As in the string family, each handler keeps Redis's order of checks
//! (db.c, expire.c, object.c), its kind of lookup (hits/misses counted only
//! where Redis's lookupKeyRead counts them; `ReadNoTouch` for EXISTS, TYPE,
//! TTL and OBJECT) and its `server.dirty` increments.
//!
//! UNLINK frees values on the command thread for now, like DEL.

use crate::config::notify as N;
use crate::server::replication as repl;
use bytes::Bytes;

use super::args::{int, is};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group, acl};
use crate::keyspace::evict::lru_idle_ms;
use crate::keyspace::value::LAZYFREE_THRESHOLD;
use crate::keyspace::{Access, CompactBytes, shared_ints};
use crate::protocol::ReplyWriter;

const G: Group = Group::Generic;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("del", -2, WRITE, G, del).keys(1, -1, 1).doc(
        "1.0.0",
        "Delete a key",
        "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
        "key [key ...]",
    ),
    CommandSpec::new("unlink", -2, WRITE | FAST, G, del).keys(1, -1, 1).doc(
        "4.0.0",
        "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
        "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
        "key [key ...]",
    ),
    CommandSpec::new("exists", -2, READONLY | FAST, G, exists).keys(1, -1, 1).doc(
        "1.0.0",
        "Determine if a key exists",
        "O(N) where N is the number of keys to check.",
        "key [key ...]",
    ),
    CommandSpec::new("type", 2, READONLY | FAST, G, type_).keys(1, 1, 1).doc(
        "1.0.0",
        "Determine the type stored at key",
        "O(1)",
        "key",
    ),
    CommandSpec::new("keys", 2, READONLY, G, keys).acl(acl::DANGEROUS).doc(
        "1.0.0",
        "Find all keys matching the given pattern",
        "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
        "pattern",
    ),
    CommandSpec::new("scan", -2, READONLY, G, scan).doc(
        "2.8.0",
        "Incrementally iterate the keys space",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        "cursor [MATCH pattern] [COUNT count] [TYPE type]",
    ),
    CommandSpec::new("randomkey", 1, READONLY, G, randomkey).doc(
        "1.0.0",
        "Return a random key from the keyspace",
        "O(1)",
        "",
    ),
    CommandSpec::new("rename", 3, WRITE, G, rename).keys(1, 2, 1).doc("1.0.0", "Rename a key", "O(1)", "key newkey"),
    CommandSpec::new("renamenx", 3, WRITE | FAST, G, renamenx).keys(1, 2, 1).doc(
        "1.0.0",
        "Rename a key, only if the new key does not exist",
        "O(1)",
        "key newkey",
    ),
    CommandSpec::new("move", 3, WRITE | FAST, G, move_).keys(1, 1, 1).doc(
        "1.0.0",
        "Move a key to another database",
        "O(1)",
        "key db",
    ),
    CommandSpec::new("copy", -3, WRITE | DENYOOM, G, copy).keys(1, 2, 1).doc(
        "6.2.0",
        "Copy a key",
        "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
        "source destination [DB destination-db] [REPLACE]",
    ),
    CommandSpec::new("touch", -2, READONLY | FAST, G, touch).keys(1, -1, 1).doc(
        "3.2.1",
        "Alters the last access time of a key(s). Returns the number of existing keys specified.",
        "O(N) where N is the number of keys that will be touched.",
        "key [key ...]",
    ),
    CommandSpec::new("expire", -3, WRITE | FAST, G, expire).keys(1, 1, 1).doc(
        "1.0.0",
        "Set a key's time to live in seconds",
        "O(1)",
        "key seconds [NX | XX | GT | LT]",
    ),
    CommandSpec::new("pexpire", -3, WRITE | FAST, G, pexpire).keys(1, 1, 1).doc(
        "2.6.0",
        "Set a key's time to live in milliseconds",
        "O(1)",
        "key milliseconds [NX | XX | GT | LT]",
    ),
    CommandSpec::new("expireat", -3, WRITE | FAST, G, expireat).keys(1, 1, 1).doc(
        "1.2.0",
        "Set the expiration for a key as a UNIX timestamp",
        "O(1)",
        "key unix-time-seconds [NX | XX | GT | LT]",
    ),
    CommandSpec::new("pexpireat", -3, WRITE | FAST, G, pexpireat).keys(1, 1, 1).doc(
        "2.6.0",
        "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
        "O(1)",
        "key unix-time-milliseconds [NX | XX | GT | LT]",
    ),
    CommandSpec::new("ttl", 2, READONLY | FAST, G, ttl).keys(1, 1, 1).doc(
        "1.0.0",
        "Get the time to live for a key in seconds",
        "O(1)",
        "key",
    ),
    CommandSpec::new("pttl", 2, READONLY | FAST, G, pttl).keys(1, 1, 1).doc(
        "2.6.0",
        "Get the time to live for a key in milliseconds",
        "O(1)",
        "key",
    ),
    CommandSpec::new("expiretime", 2, READONLY | FAST, G, expiretime).keys(1, 1, 1).doc(
        "7.0.0",
        "Get the expiration Unix timestamp for a key",
        "O(1)",
        "key",
    ),
    CommandSpec::new("pexpiretime", 2, READONLY | FAST, G, pexpiretime).keys(1, 1, 1).doc(
        "7.0.0",
        "Get the expiration Unix timestamp for a key in milliseconds",
        "O(1)",
        "key",
    ),
    CommandSpec::new("persist", 2, WRITE | FAST, G, persist).keys(1, 1, 1).doc(
        "2.2.0",
        "Remove the expiration from a key",
        "O(1)",
        "key",
    ),
    CommandSpec::new("object", -2, 0, G, object_help)
        .subcommands(OBJECT_SUBCOMMANDS)
        .doc("2.2.3", "A container for object introspection commands", "Depends on subcommand.", ""),
];

static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("encoding", 3, READONLY, G, object_encoding).keys(2, 2, 1).doc(
        "2.2.3",
        "Inspect the internal encoding of a Redis object",
        "O(1)",
        "key",
    ),
    CommandSpec::new("freq", 3, READONLY, G, object_freq).keys(2, 2, 1).doc(
        "4.0.0",
        "Get the logarithmic access frequency counter of a Redis object",
        "O(1)",
        "key",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, G, object_help).doc(
        "6.2.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("idletime", 3, READONLY, G, object_idletime).keys(2, 2, 1).doc(
        "2.2.3",
        "Get the time since a Redis object was last accessed",
        "O(1)",
        "key",
    ),
    CommandSpec::new("refcount", 3, READONLY, G, object_refcount).keys(2, 2, 1).doc(
        "2.2.3",
        "Get the number of references to the value of the key",
        "O(1)",
        "key",
    ),
];

/// DEL and UNLINK. UNLINK (and DEL with `lazyfree-lazy-user-del`) hands
/// values costly to free to the background thread (Redis's `dbAsyncDelete`).
fn del(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let lazy = ctx.srv.config.lazyfree_lazy_user_del || args[0].eq_ignore_ascii_case(b"unlink");
    let mut removed = 0;
    for key in &args[1..] {
        if let Some(entry) = ctx.db().remove(key, now) {
            if lazy && entry.value.free_effort() > LAZYFREE_THRESHOLD {
                crate::server::lazyfree::free_later(entry, 1);
            }
            removed += 1;
            ctx.notify(N::GENERIC, "del", key);
        }
    }
    ctx.srv.dirty += removed as u64;
    ctx.out().int(removed as i64);
    Ok(())
}

fn exists(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let db = ctx.db();
    let n = args[1..].iter().filter(|k| db.lookup(k, now, Access::ReadNoTouch).is_some()).count();
    ctx.out().int(n as i64);
    Ok(())
}

fn type_(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let name = db.lookup(&args[1], now, Access::ReadNoTouch).map_or("none", |e| e.value.type_name());
    out.simple(name);
    Ok(())
}

fn keys(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    // The count comes first on the wire: render the keys aside, then copy.
    let mut body = ReplyWriter::new(out.resp);
    let mut n = 0;
    db.keys_matching(&args[1], now, |k| {
        body.bulk(k);
        n += 1;
    });
    out.array(n);
    out.raw(&body.buf);
    Ok(())
}

/// A SCAN cursor as Redis's `parseScanCursorOrReply` reads it (`strtoul`,
/// base 10): optional sign (a negative cursor wraps), no leading space,
/// nothing after the digits (an embedded NUL ends the text, as in C), and
/// the empty string is cursor 0.
fn parse_cursor(arg: &[u8]) -> Option<u64> {
    if arg.first().is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')) {
        return None;
    }
    let text = arg.split(|&c| c == 0).next().unwrap_or(b"");
    if text.is_empty() {
        return Some(0);
    }
    let (neg, digits) = match text[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

fn scan(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&args[1]).ok_or(CmdError::text("ERR invalid cursor"))?;
    let mut count: usize = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut kind: Option<&[u8]> = None;
    let mut i = 2;
    while i < args.len() {
        let more = i + 1 < args.len();
        if is(&args[i], "count") && more {
            let c = int(&args[i + 1])?;
            if c < 1 {
                return Err(CmdError::Syntax);
            }
            count = usize::try_from(c).unwrap_or(usize::MAX);
        } else if is(&args[i], "match") && more {
            let p = &args[i + 1][..];
            pattern = if p == b"*" { None } else { Some(p) };
        } else if is(&args[i], "type") && more {
            kind = Some(&args[i + 1]);
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let (next, mut found) = db.scan_collect(cursor, count);
    db.scan_filter(&mut found, pattern, kind, now);
    out.array(2);
    let mut digits = [0u8; 20];
    out.bulk(crate::util::number::format_u64(&mut digits, next));
    out.array(found.len());
    for k in &found {
        out.bulk(k);
    }
    Ok(())
}

fn randomkey(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let db = &mut ctx.srv.keyspace.dbs[ctx.client.db];
    let rng = &mut ctx.srv.rng;
    match db.random_key(now, || rng.next_u64()) {
        Some(k) => ctx.client.out.bulk(&k),
        None => ctx.client.out.null(),
    }
    Ok(())
}

/// Redis's `renameGenericCommand`.
fn rename_generic(ctx: &mut Ctx, args: &[Bytes], nx: bool) -> CmdResult {
    let (src, dst) = (&args[1], &args[2]);
    let now = ctx.now();
    let db = ctx.db();
    if db.lookup(src, now, Access::Write).is_none() {
        return Err(CmdError::NoSuchKey);
    }
    let done = |ctx: &mut Ctx, moved: bool| {
        if nx {
            ctx.out().int(i64::from(moved));
        } else {
            ctx.out().ok();
        }
    };
    if src == dst {
        done(ctx, false);
        return Ok(());
    }
    if db.lookup(dst, now, Access::Write).is_some() {
        if nx {
            done(ctx, false);
            return Ok(());
        }
        db.remove(dst, now);
    }
    let (_, value, expire) = db.remove(src, now).expect("looked up above").into_parts();
    db.insert_absent(CompactBytes::new(dst), value, expire, now);
    ctx.srv.dirty += 1;
    ctx.notify(N::GENERIC, "rename_from", src);
    ctx.notify(N::GENERIC, "rename_to", dst);
    done(ctx, true);
    Ok(())
}

fn rename(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    rename_generic(ctx, args, false)
}

fn renamenx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    rename_generic(ctx, args, true)
}

/// A database number as MOVE and COPY read it: a C `int`
/// (`value is not an integer or out of range`), then within `databases`.
fn db_arg(ctx: &Ctx, arg: &[u8]) -> Result<usize, CmdError> {
    let n = int(arg)?;
    let n = i32::try_from(n)
        .map_err(|_| CmdError::text("ERR value is out of range, value must between -2147483648 and 2147483647"))?;
    if n < 0 || n as usize >= ctx.srv.config.databases {
        return Err(CmdError::DbIndexOutOfRange);
    }
    Ok(n as usize)
}

const SAME_OBJECT: CmdError = CmdError::text("ERR source and destination objects are the same");

fn move_(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let dst_id = db_arg(ctx, &args[2])?;
    let src_id = ctx.client.db;
    if src_id == dst_id {
        return Err(SAME_OBJECT);
    }
    let key = &args[1];
    let now = ctx.now();
    let (src, dst) = ctx.srv.keyspace.pair_mut(src_id, dst_id);
    if src.lookup(key, now, Access::Write).is_none() || dst.lookup(key, now, Access::Write).is_some() {
        ctx.client.out.int(0);
        return Ok(());
    }
    let (name, value, expire) = src.remove(key, now).expect("looked up above").into_parts();
    dst.insert_absent(name, value, expire, now);
    ctx.srv.dirty += 1;
    ctx.notify_db(N::GENERIC, "move_from", key, src_id);
    ctx.notify_db(N::GENERIC, "move_to", key, dst_id);
    ctx.client.out.int(1);
    Ok(())
}

fn copy(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let src_id = ctx.client.db;
    let mut dst_id = src_id;
    let mut replace = false;
    let mut j = 3;
    while j < args.len() {
        if is(&args[j], "replace") {
            replace = true;
        } else if is(&args[j], "db") && j + 1 < args.len() {
            dst_id = db_arg(ctx, &args[j + 1])?;
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let (key, newkey) = (&args[1], &args[2]);
    if src_id == dst_id && key == newkey {
        return Err(SAME_OBJECT);
    }
    let now = ctx.now();
    let dbs = &mut ctx.srv.keyspace.dbs;
    let Some((value, expire)) = dbs[src_id].lookup(key, now, Access::Read).map(|e| (e.value.clone(), e.expire()))
    else {
        ctx.client.out.int(0);
        return Ok(());
    };
    let dst = &mut dbs[dst_id];
    if dst.lookup(newkey, now, Access::Write).is_some() {
        if !replace {
            ctx.client.out.int(0);
            return Ok(());
        }
        dst.remove(newkey, now);
    }
    dst.insert_absent(CompactBytes::new(newkey), value, expire.unwrap_or(0), now);
    ctx.srv.dirty += 1;
    ctx.notify_db(N::GENERIC, "copy_to", newkey, dst_id);
    ctx.client.out.int(1);
    Ok(())
}

fn touch(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let db = ctx.db();
    let n = args[1..].iter().filter(|k| db.lookup(k, now, Access::Read).is_some()).count();
    ctx.out().int(n as i64);
    Ok(())
}

/// Redis's `expireGenericCommand`: `basetime` is now for relative forms and 0
/// for the *AT forms; the time argument is in seconds when `seconds`.
fn expire_generic(ctx: &mut Ctx, args: &[Bytes], relative: bool, seconds: bool, name: &'static str) -> CmdResult {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &args[3..] {
        if is(opt, "nx") {
            nx = true;
        } else if is(opt, "xx") {
            xx = true;
        } else if is(opt, "gt") {
            gt = true;
        } else if is(opt, "lt") {
            lt = true;
        } else {
            return Err(CmdError::err(format!("Unsupported option {}", String::from_utf8_lossy(opt))));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(CmdError::text("ERR NX and XX, GT or LT options at the same time are not compatible"));
    }
    if gt && lt {
        return Err(CmdError::text("ERR GT and LT options at the same time are not compatible"));
    }
    let mut when = int(&args[2])?;
    if seconds {
        when = when.checked_mul(1000).ok_or(CmdError::InvalidExpireTime(name))?;
    }
    let now = ctx.now();
    let base = if relative { now as i64 } else { 0 };
    let when = when.checked_add(base).ok_or(CmdError::InvalidExpireTime(name))?;
    let key = &args[1];
    let db = ctx.db();
    let Some(entry) = db.lookup(key, now, Access::Write) else {
        ctx.out().int(0);
        return Ok(());
    };
    let current = entry.expire().map(|e| e as i64);
    let refused = (nx && current.is_some())
        || (xx && current.is_none())
        || (gt && current.is_none_or(|c| when <= c))
        || (lt && current.is_some_and(|c| when >= c));
    if refused {
        ctx.out().int(0);
        return Ok(());
    }
    let deleted = when <= now as i64;
    if deleted {
        db.remove(key, now);
    } else {
        db.set_expire(key, when as u64, now);
    }
    ctx.srv.dirty += 1;
    ctx.notify(N::GENERIC, if deleted { "del" } else { "expire" }, key);
    ctx.out().int(1);
    // Replicated as DEL/UNLINK, or PEXPIREAT with the absolute time (the
    // options kept), as Redis's `expireGenericCommand`.
    if ctx.propagating() {
        let argv = if deleted {
            let del = if ctx.srv.config.lazyfree_lazy_expire { "UNLINK" } else { "DEL" };
            vec![repl::word(del), key.clone()]
        } else {
            let mut v = args.to_vec();
            v[0] = repl::word("PEXPIREAT");
            if relative || seconds {
                v[2] = repl::num(when);
            }
            v
        };
        ctx.propagate_as(argv);
    }
    Ok(())
}

fn expire(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, true, true, "expire")
}

fn pexpire(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, true, false, "pexpire")
}

fn expireat(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, false, true, "expireat")
}

fn pexpireat(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, false, false, "pexpireat")
}

/// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 without the key, -1 without a TTL.
fn ttl_generic(ctx: &mut Ctx, key: &[u8], ms: bool, absolute: bool) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let reply = match db.lookup(key, now, Access::ReadNoTouch) {
        None => -2,
        Some(e) => match e.expire() {
            None => -1,
            Some(at) => {
                let v = if absolute { at as i64 } else { (at as i64 - now as i64).max(0) };
                // Rounded to seconds in unsigned arithmetic: for an expiry near
                // i64::MAX Redis's result is the unsigned one, not a wrap.
                if ms { v } else { ((v as u64 + 500) / 1000) as i64 }
            }
        },
    };
    out.int(reply);
    Ok(())
}

fn ttl(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &args[1], false, false)
}

fn pttl(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &args[1], true, false)
}

fn expiretime(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &args[1], false, true)
}

fn pexpiretime(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &args[1], true, true)
}

fn persist(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let db = ctx.db();
    let removed = db.lookup(&args[1], now, Access::Write).is_some() && db.persist(&args[1], now);
    if removed {
        ctx.srv.dirty += 1;
        ctx.notify(N::GENERIC, "persist", &args[1]);
    }
    ctx.out().int(i64::from(removed));
    Ok(())
}

fn maxmemory_policy<'a>(ctx: &'a Ctx) -> &'a str {
    ctx.srv.config.maxmemory_policy.name()
}

fn lfu_policy(ctx: &Ctx) -> bool {
    maxmemory_policy(ctx).ends_with("-lfu")
}

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

/// OBJECT HELP (also the container's handler, which the dispatcher never
/// reaches: it resolves a subcommand or answers an error first).
fn object_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let out = ctx.out();
    out.array(OBJECT_HELP.len());
    for line in OBJECT_HELP {
        out.simple(line);
    }
    Ok(())
}

/// OBJECT's lookup: counts a hit or miss, leaves the access time alone; a
/// missing key answers null.
fn object_lookup<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a mut crate::keyspace::Entry> {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let entry = db.lookup(key, now, Access::ReadNoTouch);
    if entry.is_none() {
        out.null();
    }
    entry
}

fn object_encoding(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    match db.lookup(&args[2], now, Access::ReadNoTouch) {
        Some(e) => out.bulk(e.value.encoding().as_bytes()),
        None => out.null(),
    }
    Ok(())
}

fn object_refcount(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let shared = crate::server::memory::shares_integers(&ctx.srv.config);
    let Some(entry) = object_lookup(ctx, &args[2]) else { return Ok(()) };
    let refcount = if shared && shared_ints::index(&entry.value).is_some() { i32::MAX as i64 } else { 1 };
    ctx.out().int(refcount);
    Ok(())
}

fn object_idletime(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let lfu = lfu_policy(ctx);
    let now = ctx.now();
    let shares = ctx.srv.keyspace.dbs[ctx.client.db].access_bits.shared_ints;
    let Some(entry) = object_lookup(ctx, &args[2]) else { return Ok(()) };
    let bits = shared_ints::bits_of(entry, shares);
    let idle = lru_idle_ms(bits, now) / 1000;
    if lfu {
        return Err(CmdError::text(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    ctx.out().int(idle as i64);
    Ok(())
}

fn object_freq(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let lfu = lfu_policy(ctx);
    let (now, decay) = (ctx.now(), ctx.srv.config.lfu_decay_time);
    let shares = ctx.srv.keyspace.dbs[ctx.client.db].access_bits.shared_ints;
    let Some(entry) = object_lookup(ctx, &args[2]) else { return Ok(()) };
    let bits = shared_ints::bits_of(entry, shares);
    let counter = crate::keyspace::evict::lfu_decayed(bits, decay, now);
    if !lfu {
        return Err(CmdError::text(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    ctx.out().int(i64::from(counter));
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::run;
    use crate::config::Config;
    use crate::protocol::Reply;
    use crate::server::Server;
    use crate::server::client::Client;

    fn counters(srv: &Server) -> (u64, u64, u64) {
        (srv.keyspace.hits(), srv.keyspace.misses(), srv.dirty)
    }

    /// Keyspace hits, misses and dirty increments per command, as measured on
    /// redis-server 7.0.15 (INFO keyspace_hits/misses, rdb_changes_since_last_save).
    #[test]
    fn hits_misses_and_dirty_match_redis() {
        let mut srv = Server::new(Config::default());
        let mut client = Client::new(1, "127.0.0.1:1".into(), "127.0.0.1:2".into(), -1, true);
        for line in ["set s v", "set n 5", "set t v", "pexpire t 100000", "set f 1.5", "set a1 abc", "set a2 abd"] {
            run(&mut srv, &mut client, line);
        }
        let table: &[(&str, u64, u64, u64)] = &[
            ("get s", 1, 0, 0),
            ("get nokey", 0, 1, 0),
            ("set s v", 0, 0, 1),
            ("set s v get", 1, 0, 1),
            ("set nokey2 v get", 0, 1, 1),
            ("set s v nx", 0, 0, 0),
            ("set s v nx get", 1, 0, 0),
            ("set zz v xx", 0, 0, 0),
            ("setnx s v", 0, 0, 0),
            ("setnx q v", 0, 0, 1),
            ("setex s 100 v", 0, 0, 1),
            ("getset s w", 1, 0, 1),
            ("getset g1 w", 0, 1, 1),
            ("getdel s", 1, 0, 1),
            ("getdel nokey", 0, 1, 0),
            ("getex nokey", 0, 1, 0),
            ("getex t", 1, 0, 0),
            ("getex t persist", 1, 0, 1),
            ("getex t persist", 1, 0, 0),
            ("getex n ex 100", 1, 0, 1),
            ("getex n exat 1", 1, 0, 1),
            ("mget s n nokey", 0, 3, 0),
            ("mset m1 1 m2 2", 0, 0, 2),
            ("msetnx m1 1 m3 3", 0, 0, 0),
            ("msetnx m4 1 m5 3", 0, 0, 2),
            ("append a1 x", 0, 0, 1),
            ("append nap x", 0, 0, 1),
            ("strlen a1", 1, 0, 0),
            ("strlen nokey", 0, 1, 0),
            ("incr n2", 0, 0, 1),
            ("incrby n2 5", 0, 0, 1),
            ("incrbyfloat f 1", 0, 0, 1),
            ("getrange a1 0 1", 1, 0, 0),
            ("getrange nokey 0 1", 0, 1, 0),
            ("setrange a1 0 z", 0, 0, 1),
            ("setrange a1 0 \"\"", 0, 0, 0),
            ("setrange nsr 0 \"\"", 0, 0, 0),
            ("lcs a1 a2", 2, 0, 0),
            ("lcs a1 nokey", 1, 1, 0),
            ("del m1 m2 nokey", 0, 0, 2),
            ("unlink m3", 0, 0, 0),
            ("exists a1 nokey", 1, 1, 0),
            ("type a1", 1, 0, 0),
            ("type nokey", 0, 1, 0),
            ("keys *", 0, 0, 0),
            ("scan 0", 0, 0, 0),
            ("randomkey", 0, 0, 0),
            ("rename a1 a3", 0, 0, 1),
            ("rename a3 a3", 0, 0, 0),
            ("renamenx a3 a2", 0, 0, 0),
            ("move a3 1", 0, 0, 1),
            ("copy a2 a4", 1, 0, 1),
            ("copy nokey a5", 0, 1, 0),
            ("copy a2 a4", 1, 0, 0),
            ("touch a2 nokey a4", 2, 1, 0),
            ("expire a2 100", 0, 0, 1),
            ("expire a2 100 nx", 0, 0, 0),
            ("expire nokey 100", 0, 0, 0),
            ("expire a2 -1", 0, 0, 1),
            ("ttl a4", 1, 0, 0),
            ("ttl nokey", 0, 1, 0),
            ("pttl a4", 1, 0, 0),
            ("expiretime a4", 1, 0, 0),
            ("persist a4", 0, 0, 0),
            ("persist nokey", 0, 0, 0),
            ("pexpire a4 100000", 0, 0, 1),
            ("persist a4", 0, 0, 1),
            ("object encoding a4", 1, 0, 0),
            ("object encoding nokey", 0, 1, 0),
            ("object refcount a4", 1, 0, 0),
            ("object idletime a4", 1, 0, 0),
            ("object freq a4", 1, 0, 0),
        ];
        for &(line, hits, misses, dirty) in table {
            let before = counters(&srv);
            run(&mut srv, &mut client, line);
            let after = counters(&srv);
            assert_eq!(
                (after.0 - before.0, after.1 - before.1, after.2 - before.2),
                (hits, misses, dirty),
                "{line}: (hits, misses, dirty)"
            );
        }
    }

    #[test]
    fn scan_type_filter_counts_a_lookup_per_key() {
        let mut srv = Server::new(Config::default());
        let mut client = Client::new(1, "127.0.0.1:1".into(), "127.0.0.1:2".into(), -1, true);
        run(&mut srv, &mut client, "mset a 1 b 2 c 3");
        let before = counters(&srv);
        let reply = run(&mut srv, &mut client, "scan 0 type string");
        let Reply::Array(parts) = reply else { panic!("SCAN answers an array") };
        assert_eq!(parts[0], Reply::bulk("0"));
        assert_eq!(counters(&srv).0 - before.0, 3, "one hit per key seen");
    }

    #[test]
    fn object_freq_and_idletime_follow_the_policy() {
        let mut srv = Server::new(Config::default());
        let mut client = Client::new(1, "127.0.0.1:1".into(), "127.0.0.1:2".into(), -1, true);
        run(&mut srv, &mut client, "set k 100");
        assert_eq!(run(&mut srv, &mut client, "object refcount k"), Reply::Int(i32::MAX as i64));
        srv.config.maxmemory_policy = crate::config::MaxmemoryPolicy::AllkeysLfu;
        crate::server::memory::apply_config(&mut srv);
        run(&mut srv, &mut client, "del k");
        run(&mut srv, &mut client, "set k 100");
        // (Not 100: a shared integer keeps the clock it had under LRU, as
        // in Redis.)
        run(&mut srv, &mut client, "set f v");
        assert_eq!(run(&mut srv, &mut client, "object freq f"), Reply::Int(5), "a new key starts at LFU_INIT_VAL");
        run(&mut srv, &mut client, "get f");
        assert_eq!(
            run(&mut srv, &mut client, "object freq f"),
            Reply::Int(6),
            "at the initial value a read always counts"
        );
        assert_eq!(
            run(&mut srv, &mut client, "object idletime k"),
            Reply::Error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.".into())
        );
        srv.config.maxmemory = 100 * 1024 * 1024;
        assert_eq!(run(&mut srv, &mut client, "object refcount k"), Reply::Int(1), "no shared integers");
        assert_eq!(run(&mut srv, &mut client, "object freq nokey"), Reply::Null);
    }

    /// Keys holding the same small integer share one clock, as Redis's
    /// shared objects do: storing 7777 leaves it, reading any key holding
    /// 7777 refreshes it for all; other values keep their own.
    #[test]
    fn small_integers_share_one_clock() {
        let mut srv = Server::new(Config::default());
        let mut client = Client::new(1, "127.0.0.1:1".into(), "127.0.0.1:2".into(), -1, true);
        let idle = |srv: &mut Server, client: &mut Client, key: &str| match run(
            srv,
            client,
            &format!("object idletime {key}"),
        ) {
            Reply::Int(n) => n,
            other => panic!("{other:?}"),
        };
        run(&mut srv, &mut client, "set a 7777");
        run(&mut srv, &mut client, "set other 77777");
        let aged = srv.keyspace.dbs[0].access_bits.with_idle_secs(7, crate::util::time::unix_ms()).unwrap();
        crate::keyspace::shared_ints::set_bits(7777, aged);
        run(&mut srv, &mut client, "set b 7777");
        assert!((7..=8).contains(&idle(&mut srv, &mut client, "a")));
        assert!((7..=8).contains(&idle(&mut srv, &mut client, "b")), "a new key holding 7777 shares its clock");
        assert!(idle(&mut srv, &mut client, "other") <= 1, "77777 is not shared");
        run(&mut srv, &mut client, "get a");
        assert!(idle(&mut srv, &mut client, "b") <= 1, "reading a refreshed b's clock");
        srv.config.maxmemory = 100 * 1024 * 1024;
        srv.config.maxmemory_policy = crate::config::MaxmemoryPolicy::AllkeysLru;
        crate::server::memory::apply_config(&mut srv);
        crate::keyspace::shared_ints::set_bits(7777, aged);
        assert!(idle(&mut srv, &mut client, "b") <= 1, "no sharing under an LRU memory limit");
    }

    #[test]
    fn idletime_counts_seconds_since_last_access() {
        let mut srv = Server::new(Config::default());
        let mut client = Client::new(1, "127.0.0.1:1".into(), "127.0.0.1:2".into(), -1, true);
        run(&mut srv, &mut client, "set k v");
        // Age the entry by rewinding its LRU clock 7 seconds.
        let db = &mut srv.keyspace.dbs[0];
        let aged = db.access_bits.with_idle_secs(7, crate::util::time::unix_ms()).unwrap();
        let e = db.lookup(b"k", 0, crate::keyspace::Access::Peek).unwrap();
        e.meta = (e.meta & !crate::keyspace::db::LRU_MASK) | aged;
        let Reply::Int(idle) = run(&mut srv, &mut client, "object idletime k") else { panic!() };
        assert!((7..=8).contains(&idle), "idle {idle}");
        run(&mut srv, &mut client, "get k");
        let Reply::Int(idle) = run(&mut srv, &mut client, "object idletime k") else { panic!() };
        assert!(idle <= 1, "GET touches the key");
    }

    /// Arity, flags, key positions, ACL categories and `since` as
    /// redis-server 7.0.15 reports them in COMMAND INFO / COMMAND DOCS.
    #[test]
    fn table_matches_command_info() {
        use crate::commands::{acl, flags, table};
        type Row = (&'static str, i32, &'static str, i32, i32, i32, &'static str, &'static str);
        let rows: &[Row] = &[
            ("get", 2, "readonly fast", 1, 1, 1, "@read @string @fast", "1.0.0"),
            ("set", -3, "write denyoom", 1, 1, 1, "@write @string @slow", "1.0.0"),
            ("setnx", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", "1.0.0"),
            ("setex", 4, "write denyoom", 1, 1, 1, "@write @string @slow", "2.0.0"),
            ("psetex", 4, "write denyoom", 1, 1, 1, "@write @string @slow", "2.6.0"),
            ("getset", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", "1.0.0"),
            ("getdel", 2, "write fast", 1, 1, 1, "@write @string @fast", "6.2.0"),
            ("getex", -2, "write fast", 1, 1, 1, "@write @string @fast", "6.2.0"),
            ("mget", -2, "readonly fast", 1, -1, 1, "@read @string @fast", "1.0.0"),
            ("mset", -3, "write denyoom", 1, -1, 2, "@write @string @slow", "1.0.1"),
            ("msetnx", -3, "write denyoom", 1, -1, 2, "@write @string @slow", "1.0.1"),
            ("append", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", "2.0.0"),
            ("strlen", 2, "readonly fast", 1, 1, 1, "@read @string @fast", "2.2.0"),
            ("incr", 2, "write denyoom fast", 1, 1, 1, "@write @string @fast", "1.0.0"),
            ("decr", 2, "write denyoom fast", 1, 1, 1, "@write @string @fast", "1.0.0"),
            ("incrby", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", "1.0.0"),
            ("decrby", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", "1.0.0"),
            ("incrbyfloat", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", "2.6.0"),
            ("getrange", 4, "readonly", 1, 1, 1, "@read @string @slow", "2.4.0"),
            ("substr", 4, "readonly", 1, 1, 1, "@read @string @slow", "1.0.0"),
            ("setrange", 4, "write denyoom", 1, 1, 1, "@write @string @slow", "2.2.0"),
            ("lcs", -3, "readonly", 1, 2, 1, "@read @string @slow", "7.0.0"),
            ("del", -2, "write", 1, -1, 1, "@keyspace @write @slow", "1.0.0"),
            ("unlink", -2, "write fast", 1, -1, 1, "@keyspace @write @fast", "4.0.0"),
            ("exists", -2, "readonly fast", 1, -1, 1, "@keyspace @read @fast", "1.0.0"),
            ("type", 2, "readonly fast", 1, 1, 1, "@keyspace @read @fast", "1.0.0"),
            ("keys", 2, "readonly", 0, 0, 0, "@keyspace @read @slow @dangerous", "1.0.0"),
            ("scan", -2, "readonly", 0, 0, 0, "@keyspace @read @slow", "2.8.0"),
            ("randomkey", 1, "readonly", 0, 0, 0, "@keyspace @read @slow", "1.0.0"),
            ("rename", 3, "write", 1, 2, 1, "@keyspace @write @slow", "1.0.0"),
            ("renamenx", 3, "write fast", 1, 2, 1, "@keyspace @write @fast", "1.0.0"),
            ("move", 3, "write fast", 1, 1, 1, "@keyspace @write @fast", "1.0.0"),
            ("copy", -3, "write denyoom", 1, 2, 1, "@keyspace @write @slow", "6.2.0"),
            ("touch", -2, "readonly fast", 1, -1, 1, "@keyspace @read @fast", "3.2.1"),
            ("expire", -3, "write fast", 1, 1, 1, "@keyspace @write @fast", "1.0.0"),
            ("pexpire", -3, "write fast", 1, 1, 1, "@keyspace @write @fast", "2.6.0"),
            ("expireat", -3, "write fast", 1, 1, 1, "@keyspace @write @fast", "1.2.0"),
            ("pexpireat", -3, "write fast", 1, 1, 1, "@keyspace @write @fast", "2.6.0"),
            ("ttl", 2, "readonly fast", 1, 1, 1, "@keyspace @read @fast", "1.0.0"),
            ("pttl", 2, "readonly fast", 1, 1, 1, "@keyspace @read @fast", "2.6.0"),
            ("expiretime", 2, "readonly fast", 1, 1, 1, "@keyspace @read @fast", "7.0.0"),
            ("pexpiretime", 2, "readonly fast", 1, 1, 1, "@keyspace @read @fast", "7.0.0"),
            ("persist", 2, "write fast", 1, 1, 1, "@keyspace @write @fast", "2.2.0"),
            ("object", -2, "", 0, 0, 0, "@slow", "2.2.3"),
            ("object|freq", 3, "readonly", 2, 2, 1, "@keyspace @read @slow", "4.0.0"),
            ("object|refcount", 3, "readonly", 2, 2, 1, "@keyspace @read @slow", "2.2.3"),
            ("object|encoding", 3, "readonly", 2, 2, 1, "@keyspace @read @slow", "2.2.3"),
            ("object|help", 2, "loading stale", 0, 0, 0, "@keyspace @slow", "6.2.0"),
            ("object|idletime", 3, "readonly", 2, 2, 1, "@keyspace @read @slow", "2.2.3"),
        ];
        let t = table();
        for &(name, arity, flag_names, first, last, step, categories, since) in rows {
            let entry = t.entries.iter().find(|e| e.fullname == name).unwrap_or_else(|| panic!("{name} missing"));
            let s = entry.spec;
            assert_eq!(s.arity, arity, "{name} arity");
            let ours: Vec<&str> = flags::NAMES.iter().filter(|(bit, _)| s.has(*bit)).map(|(_, n)| *n).collect();
            let mut want: Vec<&str> = flag_names.split_whitespace().collect();
            let mut got = ours.clone();
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, want, "{name} flags");
            assert_eq!((s.first_key, s.last_key, s.key_step), (first, last, step), "{name} keys");
            let cats = s.acl_categories();
            let ours: Vec<String> =
                acl::NAMES.iter().filter(|(bit, _)| cats & bit != 0).map(|(_, n)| format!("@{n}")).collect();
            if name == "object" {
                // A container lists only @slow in Redis; COMMAND must special-case
                // containers (our derivation adds the group's @keyspace).
                assert!(ours.contains(&"@slow".to_string()));
            } else {
                assert_eq!(ours.join(" "), categories, "{name} ACL categories");
            }
            assert_eq!(s.since, since, "{name} since");
        }
    }
}
