//! String commands: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET
//! MSETNX APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SUBSTR
//! SETRANGE LCS.
//!
//! Each handler follows its Redis counterpart (t_string.c) in the order of
//! its checks, so the first error Redis would give is the one we give, and
//! in how it looks keys up (`Access::Read` where Redis uses lookupKeyRead:
//! counts a keyspace hit or miss; `Access::Write` for lookupKeyWrite), and in
//! how much it adds to `srv.dirty`. In-place edits (APPEND, SETRANGE) grow
//! the string through `Value::string_mut`. INCRBYFLOAT computes in software
//! x87 long double (`util::ld80`) so its text matches Redis's.

use crate::config::notify as N;
use bytes::Bytes;

use super::args::{int, is};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::keyspace::{Access, Db, Ttl, Value};
use crate::server::replication as repl;
use crate::util::ld80::LongDouble;

const G: Group = Group::String;

const RANGE_COMPLEXITY: &str = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.";

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, READONLY | FAST, G, get).keys(1, 1, 1).doc("1.0.0", "Get the value of a key", "O(1)", "key"),
    CommandSpec::new("set", -3, WRITE | DENYOOM, G, set).keys(1, 1, 1).doc(
        "1.0.0",
        "Set the string value of a key",
        "O(1)",
        "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
    ),
    CommandSpec::new("setnx", 3, WRITE | DENYOOM | FAST, G, setnx).keys(1, 1, 1).doc(
        "1.0.0",
        "Set the value of a key, only if the key does not exist",
        "O(1)",
        "key value",
    ),
    CommandSpec::new("setex", 4, WRITE | DENYOOM, G, setex).keys(1, 1, 1).doc(
        "2.0.0",
        "Set the value and expiration of a key",
        "O(1)",
        "key seconds value",
    ),
    CommandSpec::new("psetex", 4, WRITE | DENYOOM, G, psetex).keys(1, 1, 1).doc(
        "2.6.0",
        "Set the value and expiration in milliseconds of a key",
        "O(1)",
        "key milliseconds value",
    ),
    CommandSpec::new("getset", 3, WRITE | DENYOOM | FAST, G, getset).keys(1, 1, 1).doc(
        "1.0.0",
        "Set the string value of a key and return its old value",
        "O(1)",
        "key value",
    ),
    CommandSpec::new("getdel", 2, WRITE | FAST, G, getdel).keys(1, 1, 1).doc(
        "6.2.0",
        "Get the value of a key and delete the key",
        "O(1)",
        "key",
    ),
    CommandSpec::new("getex", -2, WRITE | FAST, G, getex).keys(1, 1, 1).doc(
        "6.2.0",
        "Get the value of a key and optionally set its expiration",
        "O(1)",
        "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]",
    ),
    CommandSpec::new("mget", -2, READONLY | FAST, G, mget).keys(1, -1, 1).doc(
        "1.0.0",
        "Get the values of all the given keys",
        "O(N) where N is the number of keys to retrieve.",
        "key [key ...]",
    ),
    CommandSpec::new("mset", -3, WRITE | DENYOOM, G, mset).keys(1, -1, 2).doc(
        "1.0.1",
        "Set multiple keys to multiple values",
        "O(N) where N is the number of keys to set.",
        "key value [key value ...]",
    ),
    CommandSpec::new("msetnx", -3, WRITE | DENYOOM, G, msetnx).keys(1, -1, 2).doc(
        "1.0.1",
        "Set multiple keys to multiple values, only if none of the keys exist",
        "O(N) where N is the number of keys to set.",
        "key value [key value ...]",
    ),
    CommandSpec::new("append", 3, WRITE | DENYOOM | FAST, G, append).keys(1, 1, 1).doc(
        "2.0.0",
        "Append a value to a key",
        "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
        "key value",
    ),
    CommandSpec::new("strlen", 2, READONLY | FAST, G, strlen).keys(1, 1, 1).doc(
        "2.2.0",
        "Get the length of the value stored in a key",
        "O(1)",
        "key",
    ),
    CommandSpec::new("incr", 2, WRITE | DENYOOM | FAST, G, incr).keys(1, 1, 1).doc(
        "1.0.0",
        "Increment the integer value of a key by one",
        "O(1)",
        "key",
    ),
    CommandSpec::new("decr", 2, WRITE | DENYOOM | FAST, G, decr).keys(1, 1, 1).doc(
        "1.0.0",
        "Decrement the integer value of a key by one",
        "O(1)",
        "key",
    ),
    CommandSpec::new("incrby", 3, WRITE | DENYOOM | FAST, G, incrby).keys(1, 1, 1).doc(
        "1.0.0",
        "Increment the integer value of a key by the given amount",
        "O(1)",
        "key increment",
    ),
    CommandSpec::new("decrby", 3, WRITE | DENYOOM | FAST, G, decrby).keys(1, 1, 1).doc(
        "1.0.0",
        "Decrement the integer value of a key by the given number",
        "O(1)",
        "key decrement",
    ),
    CommandSpec::new("incrbyfloat", 3, WRITE | DENYOOM | FAST, G, incrbyfloat).keys(1, 1, 1).doc(
        "2.6.0",
        "Increment the float value of a key by the given amount",
        "O(1)",
        "key increment",
    ),
    CommandSpec::new("getrange", 4, READONLY, G, getrange).keys(1, 1, 1).doc(
        "2.4.0",
        "Get a substring of the string stored at a key",
        RANGE_COMPLEXITY,
        "key start end",
    ),
    CommandSpec::new("substr", 4, READONLY, G, getrange).keys(1, 1, 1).doc(
        "1.0.0",
        "Get a substring of the string stored at a key",
        RANGE_COMPLEXITY,
        "key start end",
    ),
    CommandSpec::new("setrange", 4, WRITE | DENYOOM, G, setrange).keys(1, 1, 1).doc(
        "2.2.0",
        "Overwrite part of a string at key starting at the specified offset",
        "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
        "key offset value",
    ),
    CommandSpec::new("lcs", -3, READONLY, G, lcs).keys(1, 2, 1).doc(
        "7.0.0",
        "Find longest common substring",
        "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        "key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]",
    ),
];

/// Looks `key` up and returns its string bytes: `Ok(None)` if it is missing,
/// `WRONGTYPE` if it holds another type.
fn lookup_str<'a>(db: &'a mut Db, key: &[u8], now: u64, access: Access) -> Result<Option<&'a [u8]>, CmdError> {
    match db.lookup(key, now, access) {
        None => Ok(None),
        Some(e) => e.value.as_str().map(Some).ok_or(CmdError::WrongType),
    }
}

/// Redis's `checkStringLength`: would a string of `len + extra` bytes exceed
/// `proto-max-bulk-len` (`max`)?
fn check_string_length(max: i64, len: u64, extra: u64) -> CmdResult {
    match len.checked_add(extra) {
        Some(t) if t <= i64::MAX as u64 && t as i64 <= max => Ok(()),
        _ => Err(CmdError::StringTooLong),
    }
}

/// GET's reply (`getGenericCommand`): the value, or null; counts a hit/miss.
fn reply_get(ctx: &mut Ctx, key: &[u8]) -> Result<bool, CmdError> {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    match lookup_str(db, key, now, Access::Read)? {
        Some(s) => {
            out.bulk(s);
            Ok(true)
        }
        None => {
            out.null();
            Ok(false)
        }
    }
}

fn get(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    reply_get(ctx, &args[1]).map(|_| ())
}

/// The expiry options shared by SET and GETEX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpireOpt {
    None,
    Ex,
    Px,
    ExAt,
    PxAt,
    KeepTtl,
    Persist,
}

/// Turns an EX/PX/EXAT/PXAT argument into an absolute Unix ms time, with
/// Redis's checks (`invalid expire time in '<cmd>' command`).
pub fn expire_at(opt: ExpireOpt, arg: &[u8], now: u64, cmd: &'static str) -> Result<u64, CmdError> {
    let v = int(arg)?;
    let seconds = matches!(opt, ExpireOpt::Ex | ExpireOpt::ExAt);
    if v <= 0 || (seconds && v > i64::MAX / 1000) {
        return Err(CmdError::InvalidExpireTime(cmd));
    }
    let mut ms = if seconds { v * 1000 } else { v };
    if matches!(opt, ExpireOpt::Ex | ExpireOpt::Px) {
        ms = ms.checked_add(now as i64).ok_or(CmdError::InvalidExpireTime(cmd))?;
    }
    Ok(ms as u64)
}

/// Parses the options of SET (from argument 3) or GETEX (from argument 2)
/// as Redis's `parseExtendedStringArgumentsOrReply`: an option that
/// conflicts with an earlier one, or lacks its argument, is a syntax error.
struct StringOpts<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    expire: ExpireOpt,
    expire_arg: Option<&'a [u8]>,
}

fn parse_string_opts<'a>(args: &'a [Bytes], first: usize, is_set: bool) -> Result<StringOpts<'a>, CmdError> {
    let mut o = StringOpts { nx: false, xx: false, get: false, expire: ExpireOpt::None, expire_arg: None };
    let mut j = first;
    while j < args.len() {
        let opt = &args[j][..];
        let next = args.get(j + 1);
        let free = |allowed: ExpireOpt| o.expire == ExpireOpt::None || o.expire == allowed;
        if is_set && is(opt, "nx") && !o.xx {
            o.nx = true;
        } else if is_set && is(opt, "xx") && !o.nx {
            o.xx = true;
        } else if is_set && is(opt, "get") {
            o.get = true;
        } else if is_set && is(opt, "keepttl") && free(ExpireOpt::KeepTtl) {
            o.expire = ExpireOpt::KeepTtl;
        } else if !is_set && is(opt, "persist") && free(ExpireOpt::Persist) {
            o.expire = ExpireOpt::Persist;
        } else if let Some(kind) =
            [("ex", ExpireOpt::Ex), ("px", ExpireOpt::Px), ("exat", ExpireOpt::ExAt), ("pxat", ExpireOpt::PxAt)]
                .into_iter()
                .find(|(name, kind)| is(opt, name) && free(*kind) && next.is_some())
                .map(|(_, kind)| kind)
        {
            o.expire = kind;
            o.expire_arg = next.map(|b| &b[..]);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// What `set_generic` answers when it sets, and when NX/XX stops it.
#[derive(Clone, Copy)]
enum SetReply {
    /// `+OK` / null (SET, SETEX, PSETEX).
    OkOrNull,
    /// `:1` / `:0` (SETNX).
    OneOrZero,
}

/// Redis's `setGenericCommand`.
fn set_generic(
    ctx: &mut Ctx,
    key: &[u8],
    value: &[u8],
    opts: &StringOpts,
    cmd: &'static str,
    reply: SetReply,
) -> CmdResult {
    let now = ctx.now();
    let at = match opts.expire_arg {
        Some(arg) => Some(expire_at(opts.expire, arg, now, cmd)?),
        None => None,
    };
    let found = if opts.get {
        // GET first, as a read (it counts a hit or miss); a wrong type stops here.
        reply_get(ctx, key)?
    } else if opts.nx || opts.xx {
        ctx.db().lookup(key, now, Access::Write).is_some()
    } else {
        // Plain SET: `Db::set` expires and overwrites in one lookup.
        false
    };
    if (opts.nx && found) || (opts.xx && !found) {
        if !opts.get {
            match reply {
                SetReply::OkOrNull => ctx.out().null(),
                SetReply::OneOrZero => ctx.out().int(0),
            }
        }
        return Ok(());
    }
    let ttl = match (at, opts.expire) {
        (Some(at), _) => Ttl::At(at),
        (None, ExpireOpt::KeepTtl) => Ttl::Keep,
        _ => Ttl::Clear,
    };
    ctx.db().set(key, Value::string(value), ttl, now);
    ctx.srv.dirty += 1;
    ctx.notify(N::STRING, "set", key);
    if let Some(at) = at {
        ctx.notify(N::GENERIC, "expire", key);
        // Replicated as SET key value PXAT <ms>.
        if ctx.propagating() {
            let argv = vec![
                repl::word("SET"),
                Bytes::copy_from_slice(key),
                Bytes::copy_from_slice(value),
                repl::word("PXAT"),
                repl::num(at as i64),
            ];
            ctx.propagate_as(argv);
        }
    }
    if !opts.get {
        match reply {
            SetReply::OkOrNull => ctx.out().ok(),
            SetReply::OneOrZero => ctx.out().int(1),
        }
    }
    Ok(())
}

fn set(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let opts = parse_string_opts(args, 3, true)?;
    // Replicated without its GET arguments (unless rewritten with PXAT).
    if opts.get && opts.expire_arg.is_none() && ctx.propagating() {
        let argv = args.iter().enumerate().filter(|(j, a)| *j < 3 || !is(a, "get")).map(|(_, a)| a.clone()).collect();
        ctx.propagate_as(argv);
    }
    set_generic(ctx, &args[1], &args[2], &opts, "set", SetReply::OkOrNull)
}

fn setnx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let opts = StringOpts { nx: true, xx: false, get: false, expire: ExpireOpt::None, expire_arg: None };
    set_generic(ctx, &args[1], &args[2], &opts, "setnx", SetReply::OneOrZero)
}

fn setex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let opts = StringOpts { nx: false, xx: false, get: false, expire: ExpireOpt::Ex, expire_arg: Some(&args[2]) };
    set_generic(ctx, &args[1], &args[3], &opts, "setex", SetReply::OkOrNull)
}

fn psetex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let opts = StringOpts { nx: false, xx: false, get: false, expire: ExpireOpt::Px, expire_arg: Some(&args[2]) };
    set_generic(ctx, &args[1], &args[3], &opts, "psetex", SetReply::OkOrNull)
}

fn getset(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    reply_get(ctx, &args[1])?;
    let now = ctx.now();
    ctx.db().set(&args[1], Value::string(&args[2]), Ttl::Clear, now);
    ctx.srv.dirty += 1;
    ctx.notify(N::STRING, "set", &args[1]);
    if ctx.propagating() {
        ctx.propagate_as(vec![repl::word("SET"), args[1].clone(), args[2].clone()]);
    }
    Ok(())
}

fn getdel(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if reply_get(ctx, &args[1])? {
        let now = ctx.now();
        ctx.db().remove(&args[1], now);
        ctx.srv.dirty += 1;
        ctx.notify(N::GENERIC, "del", &args[1]);
        if ctx.propagating() {
            let del = if ctx.srv.config.lazyfree_lazy_user_del { "UNLINK" } else { "DEL" };
            ctx.propagate_as(vec![repl::word(del), args[1].clone()]);
        }
    }
    Ok(())
}

fn getex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let opts = parse_string_opts(args, 2, false)?;
    let now = ctx.now();
    let key = &args[1];
    let (db, out) = ctx.db_out();
    let Some(value) = lookup_str(db, key, now, Access::Read)? else {
        out.null();
        return Ok(());
    };
    let at = match opts.expire_arg {
        Some(arg) => Some(expire_at(opts.expire, arg, now, "getex")?),
        None => None,
    };
    out.bulk(value);
    match (at, opts.expire) {
        (Some(at), ExpireOpt::ExAt | ExpireOpt::PxAt) if at <= now && !db.loading => {
            db.remove(key, now);
            ctx.srv.dirty += 1;
            ctx.notify(N::GENERIC, "del", key);
            let del = if ctx.srv.config.lazyfree_lazy_expire { "UNLINK" } else { "DEL" };
            ctx.propagate_as(vec![repl::word(del), key.clone()]);
        }
        (Some(at), _) => {
            db.set_expire(key, at, now);
            ctx.srv.dirty += 1;
            ctx.notify(N::GENERIC, "expire", key);
            ctx.propagate_as(vec![repl::word("PEXPIREAT"), key.clone(), repl::num(at as i64)]);
        }
        (None, ExpireOpt::Persist) if db.persist(key, now) => {
            ctx.srv.dirty += 1;
            ctx.notify(N::GENERIC, "persist", key);
            ctx.propagate_as(vec![repl::word("PERSIST"), key.clone()]);
        }
        _ => {}
    }
    Ok(())
}

fn mget(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    out.array(args.len() - 1);
    for key in &args[1..] {
        match db.lookup(key, now, Access::Read).and_then(|e| e.value.as_str()) {
            Some(s) => out.bulk(s),
            None => out.null(),
        }
    }
    Ok(())
}

fn mset_generic(ctx: &mut Ctx, args: &[Bytes], nx: bool) -> CmdResult {
    if args.len().is_multiple_of(2) {
        let name = if nx { "msetnx" } else { "mset" };
        return Err(CmdError::WrongArity(name.into()));
    }
    let now = ctx.now();
    let db = ctx.db();
    if nx && args[1..].chunks(2).any(|kv| db.lookup(&kv[0], now, Access::Write).is_some()) {
        ctx.out().int(0);
        return Ok(());
    }
    for kv in args[1..].chunks(2) {
        ctx.db().set(&kv[0], Value::string(&kv[1]), Ttl::Clear, now);
        ctx.notify(N::STRING, "set", &kv[0]);
    }
    ctx.srv.dirty += (args.len() as u64 - 1) / 2;
    if nx {
        ctx.out().int(1);
    } else {
        ctx.out().ok();
    }
    Ok(())
}

fn mset(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    mset_generic(ctx, args, false)
}

fn msetnx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    mset_generic(ctx, args, true)
}

fn append(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let max = ctx.srv.config.proto_max_bulk_len;
    let (key, tail) = (&args[1], &args[2]);
    let db = ctx.db();
    let total = match db.lookup(key, now, Access::Write) {
        Some(e) => {
            let len = e.value.as_str().ok_or(CmdError::WrongType)?.len();
            check_string_length(max, len as u64, tail.len() as u64)?;
            let s = e.value.string_mut().expect("a string");
            s.extend_from_slice(tail);
            s.len()
        }
        None => {
            db.set(key, Value::string(tail), Ttl::Clear, now);
            tail.len()
        }
    };
    ctx.srv.dirty += 1;
    ctx.notify(N::STRING, "append", key);
    ctx.out().int(total as i64);
    Ok(())
}

fn strlen(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let len = lookup_str(db, &args[1], now, Access::Read)?.map_or(0, <[u8]>::len);
    out.int(len as i64);
    Ok(())
}

/// Redis's `incrDecrCommand`: the value must be a string `string2ll` accepts.
fn incr_decr(ctx: &mut Ctx, key: &[u8], by: i64) -> CmdResult {
    let now = ctx.now();
    let db = ctx.db();
    let entry = db.lookup(key, now, Access::Write);
    let old = match &entry {
        None => 0,
        Some(e) => {
            crate::util::number::parse_i64(e.value.as_str().ok_or(CmdError::WrongType)?).ok_or(CmdError::NotInteger)?
        }
    };
    let new = old.checked_add(by).ok_or(CmdError::Overflow)?;
    let mut digits = [0u8; 20];
    let text = crate::util::number::format_i64(&mut digits, new);
    match entry {
        Some(e) => e.value = Value::string(text),
        None => {
            db.set(key, Value::string(text), Ttl::Clear, now);
        }
    }
    ctx.srv.dirty += 1;
    ctx.notify(N::STRING, "incrby", key);
    ctx.out().int(new);
    Ok(())
}

fn incr(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    incr_decr(ctx, &args[1], 1)
}

fn decr(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    incr_decr(ctx, &args[1], -1)
}

fn incrby(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let by = int(&args[2])?;
    incr_decr(ctx, &args[1], by)
}

fn decrby(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let by = int(&args[2])?;
    if by == i64::MIN {
        return Err(CmdError::text("ERR decrement would overflow"));
    }
    incr_decr(ctx, &args[1], -by)
}

fn incrbyfloat(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let db = ctx.db();
    let entry = db.lookup(&args[1], now, Access::Write);
    let old = match &entry {
        None => LongDouble::ZERO,
        Some(e) => LongDouble::parse(e.value.as_str().ok_or(CmdError::WrongType)?).ok_or(CmdError::NotFloat)?,
    };
    let by = LongDouble::parse(&args[2]).ok_or(CmdError::NotFloat)?;
    let sum = old + by;
    if !sum.is_finite() {
        return Err(CmdError::text("ERR increment would produce NaN or Infinity"));
    }
    let text = sum.format_human();
    match entry {
        Some(e) => e.value = Value::string_no_int(text.as_bytes()),
        None => {
            db.set(&args[1], Value::string_no_int(text.as_bytes()), Ttl::Clear, now);
        }
    }
    ctx.srv.dirty += 1;
    ctx.notify(N::STRING, "incrbyfloat", &args[1]);
    ctx.out().bulk(text.as_bytes());
    // Replicated as SET key <result> KEEPTTL: the float text is exact.
    if ctx.propagating() {
        let argv = vec![repl::word("SET"), args[1].clone(), Bytes::from(text.into_bytes()), repl::word("KEEPTTL")];
        ctx.propagate_as(argv);
    }
    Ok(())
}

fn getrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut start = int(&args[2])?;
    let mut end = int(&args[3])?;
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(s) = lookup_str(db, &args[1], now, Access::Read)? else {
        out.bulk(b"");
        return Ok(());
    };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        out.bulk(b"");
        return Ok(());
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0).min(len - 1);
    if start > end || len == 0 {
        out.bulk(b"");
    } else {
        out.bulk(&s[start as usize..=end as usize]);
    }
    Ok(())
}

fn setrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let offset = int(&args[2])?;
    if offset < 0 {
        return Err(CmdError::text("ERR offset is out of range"));
    }
    let (key, value) = (&args[1], &args[3]);
    let offset = offset as u64;
    let now = ctx.now();
    let max = ctx.srv.config.proto_max_bulk_len;
    let (db, out) = ctx.db_out();
    let total = match db.lookup(key, now, Access::Write) {
        Some(e) => {
            let len = e.value.as_str().ok_or(CmdError::WrongType)?.len();
            if value.is_empty() {
                out.int(len as i64);
                return Ok(());
            }
            check_string_length(max, offset, value.len() as u64)?;
            let (offset, end) = (offset as usize, offset as usize + value.len());
            let s = e.value.string_mut().expect("a string");
            if s.len() < end {
                s.resize(end, 0);
            }
            s[offset..end].copy_from_slice(value);
            s.len()
        }
        None => {
            if value.is_empty() {
                out.int(0);
                return Ok(());
            }
            check_string_length(max, offset, value.len() as u64)?;
            let (offset, end) = (offset as usize, offset as usize + value.len());
            let mut s = vec![0u8; end];
            s[offset..].copy_from_slice(value);
            db.set(key, Value::Raw(Box::new(s)), Ttl::Clear, now);
            end
        }
    };
    ctx.srv.dirty += 1;
    ctx.notify(N::STRING, "setrange", key);
    ctx.out().int(total as i64);
    Ok(())
}

/// LCS options.
struct LcsOpts {
    len: bool,
    idx: bool,
    withmatchlen: bool,
    minmatchlen: u64,
}

fn parse_lcs_opts(args: &[Bytes]) -> Result<LcsOpts, CmdError> {
    let mut o = LcsOpts { len: false, idx: false, withmatchlen: false, minmatchlen: 0 };
    let mut j = 3;
    while j < args.len() {
        let opt = &args[j];
        if is(opt, "idx") {
            o.idx = true;
        } else if is(opt, "len") {
            o.len = true;
        } else if is(opt, "withmatchlen") {
            o.withmatchlen = true;
        } else if is(opt, "minmatchlen") && j + 1 < args.len() {
            o.minmatchlen = int(&args[j + 1])?.max(0) as u64;
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if o.len && o.idx {
        return Err(CmdError::text("ERR If you want both the length and indexes, please just use IDX."));
    }
    Ok(o)
}

/// One matching range of LCS IDX: positions in a and b (inclusive) and length.
struct LcsMatch {
    a: (usize, usize),
    b: (usize, usize),
    len: usize,
}

fn lcs(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let db = ctx.db();
    let a_is_str = db.lookup(&args[1], now, Access::Read).map(|e| e.value.is_string());
    let b_is_str = db.lookup(&args[2], now, Access::Read).map(|e| e.value.is_string());
    if a_is_str == Some(false) || b_is_str == Some(false) {
        return Err(CmdError::text("ERR The specified keys must contain string values"));
    }
    let opts = parse_lcs_opts(args)?;
    let max = ctx.srv.config.proto_max_bulk_len;
    let (db, out) = ctx.db_out();
    let a = db.peek(&args[1]).and_then(|e| e.value.as_str()).unwrap_or(b"");
    let b = db.peek(&args[2]).and_then(|e| e.value.as_str()).unwrap_or(b"");
    if a.len() as u64 >= u64::from(u32::MAX) - 1 || b.len() as u64 >= u64::from(u32::MAX) - 1 {
        return Err(CmdError::text("ERR String too long for LCS"));
    }
    let cells = (a.len() as u64 + 1) * (b.len() as u64 + 1);
    if cells.saturating_mul(4) > max.max(0) as u64 {
        return Err(CmdError::text("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
    }
    let mut table: Vec<u32> = Vec::new();
    if table.try_reserve_exact(cells as usize).is_err() {
        return Err(CmdError::text("ERR Insufficient memory, failed allocating transient memory for LCS"));
    }
    // table[i * (blen + 1) + j] = length of the LCS of a[..i] and b[..j].
    let w = b.len() + 1;
    table.resize(cells as usize, 0);
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            table[i * w + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * w + j - 1] + 1
            } else {
                table[(i - 1) * w + j].max(table[i * w + j - 1])
            };
        }
    }
    let total = table[a.len() * w + b.len()] as usize;
    if opts.len && !opts.idx {
        out.int(total as i64);
        return Ok(());
    }
    // Walk back from the end, building the LCS string and the ranges.
    let mut result = vec![0u8; total];
    let mut matches: Vec<LcsMatch> = Vec::new();
    let (mut i, mut j, mut k) = (a.len(), b.len(), total);
    let mut range: Option<((usize, usize), (usize, usize))> = None;
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[k - 1] = a[i - 1];
            match &mut range {
                None => range = Some(((i - 1, i - 1), (j - 1, j - 1))),
                Some((ra, rb)) => {
                    if ra.0 == i && rb.0 == j {
                        ra.0 -= 1;
                        rb.0 -= 1;
                    } else {
                        emit = true;
                    }
                }
            }
            if let Some((ra, rb)) = range
                && (ra.0 == 0 || rb.0 == 0)
            {
                emit = true;
            }
            k -= 1;
            i -= 1;
            j -= 1;
        } else {
            if table[(i - 1) * w + j] > table[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if range.is_some() {
                emit = true;
            }
        }
        if emit && let Some((ra, rb)) = range.take() {
            let len = ra.1 - ra.0 + 1;
            if opts.minmatchlen == 0 || len as u64 >= opts.minmatchlen {
                matches.push(LcsMatch { a: ra, b: rb, len });
            }
        }
    }
    if !opts.idx {
        out.bulk(&result);
        return Ok(());
    }
    out.map(2);
    out.bulk(b"matches");
    out.array(matches.len());
    for m in &matches {
        out.array(if opts.withmatchlen { 3 } else { 2 });
        out.array(2);
        out.int(m.a.0 as i64);
        out.int(m.a.1 as i64);
        out.array(2);
        out.int(m.b.0 as i64);
        out.int(m.b.1 as i64);
        if opts.withmatchlen {
            out.int(m.len as i64);
        }
    }
    out.bulk(b"len");
    out.int(total as i64);
    Ok(())
}
