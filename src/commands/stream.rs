//! Stream commands: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XREAD XSETID,
//! the consumer group commands XGROUP (CREATE SETID DESTROY CREATECONSUMER
//! DELCONSUMER HELP) XREADGROUP XACK XPENDING XCLAIM XAUTOCLAIM, and XINFO
//! (STREAM GROUPS CONSUMERS HELP).
//!
//! Each handler follows its Redis 7.0.15 counterpart in `t_stream.c`: the
//! order of its checks, its error texts, its `server.dirty` increments and
//! keyspace events, and its replies in RESP2 and RESP3. The data structure
//! is `types::stream`.
//!
//! Blocking (XREAD/XREADGROUP BLOCK): a read that finds nothing blocks the
//! client on its keys with `$` already resolved to the stream's last id in
//! the arguments kept, so running the command again when an XADD makes a
//! key ready answers exactly what Redis's `serveClientsBlockedOnStreamKey`
//! sends. XGROUP DESTROY and deleting the key also wake the key's clients:
//! `server::blocking` then answers XREADGROUP clients with the errors of
//! `blocked_group_error`.

use bytes::Bytes;

use super::args::{int, is, timeout_ms};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::config::notify as N;
use crate::keyspace::{Access, CompactBytes, Db, Value};
use crate::protocol::ReplyWriter;
use crate::server::replication::{num, word};
use crate::types::stream::{
    Consumer, ENTRIES_READ_INVALID, EntryRef, Group as CGroup, Nack, NodeLimits, Stream, StreamId, Trim, parse_id,
};

const G: Group = Group::Stream;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("xack", -4, WRITE | FAST, G, xack).keys(1, 1, 1).doc(
        "5.0.0",
        "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
        "O(1) for each message ID processed.",
        "key group id [id ...]",
    ),
    CommandSpec::new("xadd", -5, WRITE | DENYOOM | FAST, G, xadd).keys(1, 1, 1).doc(
        "5.0.0",
        "Appends a new entry to a stream",
        "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
        "key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]",
    ),
    CommandSpec::new("xautoclaim", -6, WRITE | FAST, G, xautoclaim).keys(1, 1, 1).doc(
        "6.2.0",
        "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.",
        "O(1) if COUNT is small.",
        "key group consumer min-idle-time start [COUNT count] [JUSTID]",
    ),
    CommandSpec::new("xclaim", -6, WRITE | FAST, G, xclaim).keys(1, 1, 1).doc(
        "5.0.0",
        "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.",
        "O(log N) with N being the number of messages in the PEL of the consumer group.",
        "key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id]",
    ),
    CommandSpec::new("xdel", -3, WRITE | FAST, G, xdel).keys(1, 1, 1).doc(
        "5.0.0",
        "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
        "O(1) for each single item to delete in the stream, regardless of the stream size.",
        "key id [id ...]",
    ),
    CommandSpec::new("xgroup", -2, 0, G, xgroup_help).subcommands(XGROUP).doc(
        "5.0.0",
        "A container for consumer groups commands",
        "Depends on subcommand.",
        "",
    ),
    CommandSpec::new("xinfo", -2, 0, G, xinfo_help).subcommands(XINFO).doc(
        "5.0.0",
        "A container for stream introspection commands",
        "Depends on subcommand.",
        "",
    ),
    CommandSpec::new("xlen", 2, READONLY | FAST, G, xlen).keys(1, 1, 1).doc(
        "5.0.0",
        "Return the number of entries in a stream",
        "O(1)",
        "key",
    ),
    CommandSpec::new("xpending", -3, READONLY, G, xpending).keys(1, 1, 1).doc(
        "5.0.0",
        "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.",
        "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
        "key group [[IDLE min-idle-time] start end count [consumer]]",
    ),
    CommandSpec::new("xrange", -4, READONLY, G, xrange).keys(1, 1, 1).doc(
        "5.0.0",
        "Return a range of elements in a stream, with IDs matching the specified IDs interval",
        "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
        "key start end [COUNT count]",
    ),
    CommandSpec::new("xread", -4, READONLY | BLOCKING, G, xread).getkeys(xread_keys).doc(
        "5.0.0",
        "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
        "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
        "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]",
    ),
    CommandSpec::new("xreadgroup", -7, WRITE | BLOCKING, G, xreadgroup).getkeys(xread_keys).doc(
        "5.0.0",
        "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.",
        "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
        "GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]",
    ),
    CommandSpec::new("xrevrange", -4, READONLY, G, xrevrange).keys(1, 1, 1).doc(
        "5.0.0",
        "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
        "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
        "key end start [COUNT count]",
    ),
    CommandSpec::new("xsetid", -3, WRITE | DENYOOM | FAST, G, xsetid).keys(1, 1, 1).doc(
        "5.0.0",
        "An internal command for replicating stream values",
        "O(1)",
        "key last-id [ENTRIESADDED entries_added] [MAXDELETEDID max_deleted_entry_id]",
    ),
    CommandSpec::new("xtrim", -4, WRITE, G, xtrim).keys(1, 1, 1).doc(
        "5.0.0",
        "Trims the stream to (approximately if '~' is passed) a certain size",
        "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
        "key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]",
    ),
];

static XGROUP: &[CommandSpec] = &[
    CommandSpec::new("create", -5, WRITE | DENYOOM, G, xgroup).keys(2, 2, 1).doc(
        "5.0.0",
        "Create a consumer group.",
        "O(1)",
        "key groupname <id | $> [MKSTREAM] [ENTRIESREAD entries_read]",
    ),
    CommandSpec::new("createconsumer", 5, WRITE | DENYOOM, G, xgroup).keys(2, 2, 1).doc(
        "6.2.0",
        "Create a consumer in a consumer group.",
        "O(1)",
        "key groupname consumername",
    ),
    CommandSpec::new("delconsumer", 5, WRITE, G, xgroup).keys(2, 2, 1).doc(
        "5.0.0",
        "Delete a consumer from a consumer group.",
        "O(1)",
        "key groupname consumername",
    ),
    CommandSpec::new("destroy", 4, WRITE, G, xgroup).keys(2, 2, 1).doc(
        "5.0.0",
        "Destroy a consumer group.",
        "O(N) where N is the number of entries in the group's pending entries list (PEL).",
        "key groupname",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, G, xgroup_help).doc(
        "5.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("setid", -5, WRITE, G, xgroup).keys(2, 2, 1).doc(
        "5.0.0",
        "Set a consumer group to an arbitrary last delivered ID value.",
        "O(1)",
        "key groupname <id | $> [ENTRIESREAD entries_read]",
    ),
];

static XINFO: &[CommandSpec] = &[
    CommandSpec::new("consumers", 4, READONLY, G, xinfo).keys(2, 2, 1).doc(
        "5.0.0",
        "List the consumers in a consumer group",
        "O(1)",
        "key groupname",
    ),
    CommandSpec::new("groups", 3, READONLY, G, xinfo).keys(2, 2, 1).doc(
        "5.0.0",
        "List the consumer groups of a stream",
        "O(1)",
        "key",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, G, xinfo_help).doc(
        "5.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("stream", -3, READONLY, G, xinfo).keys(2, 2, 1).doc(
        "5.0.0",
        "Get information about a stream",
        "O(1)",
        "key [FULL [COUNT count]]",
    ),
];

/// Keys of XREAD/XREADGROUP: the first half of the arguments after the
/// first `STREAMS` (Redis's key spec: keyword STREAMS, range -1, limit 2).
fn xread_keys(args: &[Bytes]) -> Vec<usize> {
    let Some(pos) = args.iter().skip(1).position(|a| is(a, "streams")) else {
        return Vec::new();
    };
    let first = pos + 2;
    let n = (args.len() - first) / 2;
    (first..first + n).collect()
}

// ---------------------------------------------------------------- helpers

const INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";

/// An id where `-` and `+` are accepted (`streamParseIDOrReply`).
fn id_arg(arg: &[u8], missing_seq: u64) -> Result<StreamId, CmdError> {
    parse_id(arg, missing_seq, false, false).map(|(id, _)| id).ok_or(CmdError::text(INVALID_ID))
}

/// An id where `-` and `+` are refused (`streamParseStrictIDOrReply`).
fn strict_id(arg: &[u8], missing_seq: u64) -> Result<StreamId, CmdError> {
    parse_id(arg, missing_seq, true, false).map(|(id, _)| id).ok_or(CmdError::text(INVALID_ID))
}

/// A range bound, `(` meaning exclusive (`streamParseIntervalIDOrReply`).
fn interval_id(arg: &[u8], missing_seq: u64) -> Result<(StreamId, bool), CmdError> {
    if arg.len() > 1 && arg[0] == b'(' {
        Ok((strict_id(&arg[1..], missing_seq)?, true))
    } else {
        Ok((id_arg(arg, missing_seq)?, false))
    }
}

fn start_bound(arg: &[u8]) -> Result<StreamId, CmdError> {
    let (id, ex) = interval_id(arg, 0)?;
    if ex {
        return id.incr().ok_or(CmdError::text("ERR invalid start ID for the interval"));
    }
    Ok(id)
}

fn end_bound(arg: &[u8]) -> Result<StreamId, CmdError> {
    let (id, ex) = interval_id(arg, u64::MAX)?;
    if ex {
        return id.decr().ok_or(CmdError::text("ERR invalid end ID for the interval"));
    }
    Ok(id)
}

fn stream_read<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut Stream>, CmdError> {
    stream_lookup(db, key, now, Access::Read)
}

fn stream_write<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut Stream>, CmdError> {
    stream_lookup(db, key, now, Access::Write)
}

/// The stream at `key`: `None` if missing, WRONGTYPE for another type.
/// (Group bookkeeping changes streams found with a read lookup, as Redis's
/// XREADGROUP/XCLAIM do; those paths use a write lookup here so a running
/// snapshot sees the change.)
fn stream_lookup<'a>(db: &'a mut Db, key: &[u8], now: u64, access: Access) -> Result<Option<&'a mut Stream>, CmdError> {
    match db.lookup(key, now, access) {
        None => Ok(None),
        Some(e) => match &mut e.value {
            Value::Stream(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// Looks a key up like Redis's `lookupKeyRead` (counting a hit or miss)
/// but hands out the entry for changes (a snapshot sees it first).
fn stream_read_for_update<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut Stream>, CmdError> {
    if stream_read(db, key, now)?.is_none() {
        return Ok(None);
    }
    stream_write(db, key, now)
}

fn limits(ctx: &Ctx) -> NodeLimits {
    NodeLimits { max_bytes: ctx.srv.config.stream_node_max_bytes, max_entries: ctx.srv.config.stream_node_max_entries }
}

fn id_bulk(out: &mut ReplyWriter, id: StreamId) {
    let mut buf = [0u8; 41];
    let n = {
        use std::io::Write;
        let mut c = std::io::Cursor::new(&mut buf[..]);
        let _ = write!(c, "{}-{}", id.ms, id.seq);
        c.position() as usize
    };
    out.bulk(&buf[..n]);
}

/// `[id, [field, value, ...]]`.
fn entry_reply(out: &mut ReplyWriter, id: StreamId, fields: EntryRef<'_>) {
    out.array(2);
    id_bulk(out, id);
    out.array(fields.count());
    for s in fields.iter() {
        out.bulk(s);
    }
}

fn nogroup_read(key: &[u8], group: &[u8]) -> CmdError {
    CmdError::Other(
        format!(
            "NOGROUP No such key '{}' or consumer group '{}'",
            String::from_utf8_lossy(key),
            String::from_utf8_lossy(group)
        )
        .into(),
    )
}

fn nogroup_key(group: &[u8], key: &[u8]) -> CmdError {
    CmdError::Other(
        format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(group),
            String::from_utf8_lossy(key)
        )
        .into(),
    )
}

/// Creates `name` in group `g` if missing (`streamCreateConsumer`);
/// returns true if created. Refreshes the seen time of an existing one
/// when `refresh`.
fn ensure_consumer(g: &mut CGroup, name: &[u8], now: u64, refresh: bool) -> bool {
    match g.consumers.get_mut(name) {
        Some(c) => {
            if refresh {
                c.seen_time = now;
            }
            false
        }
        None => {
            g.consumers.insert(name.into(), Consumer { seen_time: now, pel: Default::default() });
            true
        }
    }
}

// ---------------------------------------------------------------- XADD / XTRIM

struct TrimArgs {
    how: Option<Trim>,
    approx: bool,
    limit: u64,
    no_mkstream: bool,
    /// XADD: the explicit id and whether its sequence was given.
    id: Option<(StreamId, bool)>,
    /// The index of the MAXLEN/MINID threshold argument.
    threshold_at: usize,
}

/// `streamParseAddOrTrimArgsOrReply`: returns the parsed options and the
/// index of the id argument (XADD).
fn parse_trim_args(ctx: &Ctx, args: &[Bytes], xadd: bool) -> Result<(TrimArgs, usize), CmdError> {
    let mut t = TrimArgs { how: None, approx: false, limit: 0, no_mkstream: false, id: None, threshold_at: 0 };
    let mut limit_given = false;
    let mut limit: i64 = 0;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let opt = &args[i][..];
        if xadd && opt == b"*" {
            break;
        } else if is(opt, "maxlen") && more > 0 {
            if t.how.is_some() {
                return Err(CmdError::err(
                    "syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            t.approx = false;
            let next = &args[i + 1][..];
            if more >= 2 && next == b"~" {
                t.approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            let n = int(&args[i + 1])?;
            if n < 0 {
                return Err(CmdError::err("The MAXLEN argument must be >= 0."));
            }
            i += 1;
            t.threshold_at = i;
            t.how = Some(Trim::MaxLen(n as u64));
        } else if is(opt, "minid") && more > 0 {
            if t.how.is_some() {
                return Err(CmdError::err(
                    "syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            t.approx = false;
            let next = &args[i + 1][..];
            if more >= 2 && next == b"~" {
                t.approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            let id = strict_id(&args[i + 1], 0)?;
            i += 1;
            t.threshold_at = i;
            t.how = Some(Trim::MinId(id));
        } else if is(opt, "limit") && more > 0 {
            limit = int(&args[i + 1])?;
            if limit < 0 {
                return Err(CmdError::err("The LIMIT argument must be >= 0."));
            }
            limit_given = true;
            i += 1;
        } else if xadd && is(opt, "nomkstream") {
            t.no_mkstream = true;
        } else if xadd {
            let parsed = parse_id(opt, 0, true, true).ok_or(CmdError::text(INVALID_ID))?;
            t.id = Some(parsed);
            break;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if limit != 0 && t.how.is_none() {
        return Err(CmdError::err("syntax error, LIMIT cannot be used without specifying a trimming strategy"));
    }
    if !xadd && t.how.is_none() {
        return Err(CmdError::err("syntax error, XTRIM must be called with a trimming strategy"));
    }
    if ctx.client.must_obey() {
        // Rewritten for the AOF to an exact threshold, which is obeyed in
        // full whatever LIMIT says.
        t.limit = 0;
    } else if limit_given {
        if !t.approx {
            return Err(CmdError::err("syntax error, LIMIT cannot be used without the special ~ option"));
        }
        t.limit = limit as u64;
    } else if t.approx {
        let mut l = 100i64.saturating_mul(ctx.srv.config.stream_node_max_entries);
        if l <= 0 {
            l = 10000;
        }
        if l > 1_000_000 {
            l = 1_000_000;
        }
        t.limit = l as u64;
    }
    Ok((t, i))
}

/// An approximate trim goes to replicas and the AOF as the exact trim to
/// what the stream holds now (Redis's `streamRewriteApproxSpecifier` and
/// `streamRewriteTrimArgument`), so replaying it trims as it did here.
fn exact_trim(argv: &mut [Bytes], t: &TrimArgs, s: &Stream) {
    argv[t.threshold_at - 1] = word("=");
    argv[t.threshold_at] = match t.how {
        Some(Trim::MaxLen(_)) => num(s.len() as i64),
        _ => Bytes::from(s.first_id_with_tombstones().to_string()),
    };
}

/// The XCLAIM that recreates pending entry `id` as it is now, whatever
/// the replica holds (Redis's `streamPropagateXCLAIM`): XREADGROUP,
/// XCLAIM and XAUTOCLAIM propagate their deliveries this way.
fn xclaim_argv(key: &[u8], group: &[u8], id: Bytes, nack: &Nack, last_id: StreamId) -> Vec<Bytes> {
    vec![
        word("XCLAIM"),
        Bytes::copy_from_slice(key),
        Bytes::copy_from_slice(group),
        Bytes::copy_from_slice(&nack.consumer),
        word("0"),
        id,
        word("TIME"),
        num(nack.delivery_time as i64),
        word("RETRYCOUNT"),
        num(nack.delivery_count as i64),
        word("FORCE"),
        word("JUSTID"),
        word("LASTID"),
        Bytes::from(last_id.to_string()),
    ]
}

/// `XGROUP SETID key group last-id ENTRIESREAD n` (Redis's
/// `streamPropagateGroupID`): a group's position when no XCLAIM carries it.
fn setid_argv(key: &[u8], group: &[u8], g: &CGroup) -> Vec<Bytes> {
    vec![
        word("XGROUP"),
        word("SETID"),
        Bytes::copy_from_slice(key),
        Bytes::copy_from_slice(group),
        Bytes::from(g.last_id.to_string()),
        word("ENTRIESREAD"),
        num(g.entries_read),
    ]
}

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
fn xadd(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (t, idpos) = parse_trim_args(ctx, args, true)?;
    let field_pos = idpos + 1;
    if args.len() < field_pos + 2 || (args.len() - field_pos) % 2 == 1 {
        return Err(CmdError::WrongArity("xadd".into()));
    }
    if let Some((id, true)) = t.id
        && id.is_zero()
    {
        return Err(CmdError::err("The ID specified in XADD must be greater than 0-0"));
    }
    let key = &args[1];
    let (now, lim, propagating) = (ctx.now(), limits(ctx), ctx.propagating());
    let (db, out) = ctx.db_out();
    let exists = stream_write(db, key, now)?.is_some();
    if !exists {
        if t.no_mkstream {
            out.null();
            return Ok(());
        }
        db.insert_absent(CompactBytes::new(key), Value::Stream(Box::default()), 0, now);
    }
    let s = stream_write(db, key, now)?.expect("the stream exists");
    if s.last_id == StreamId::MAX {
        return Err(CmdError::err("The stream has exhausted the last possible ID, unable to add more items"));
    }
    let id = match s.next_id(t.id, now) {
        Ok(id) => id,
        Err(_) => {
            return Err(CmdError::err("The ID specified in XADD is equal or smaller than the target stream top item"));
        }
    };
    let items: Vec<&[u8]> = args[field_pos..].iter().map(|a| &a[..]).collect();
    s.append(id, &items, lim);
    id_bulk(out, id);
    let trimmed = match t.how {
        Some(how) => s.trim(how, t.approx, t.limit) > 0,
        None => false,
    };
    // Propagated with the id actually generated, so a replica's entry has
    // the same id, and with an approximate trim made exact.
    let rewrite = (propagating && (t.approx || !matches!(t.id, Some((_, true))))).then(|| {
        let mut argv = args.to_vec();
        if t.approx {
            exact_trim(&mut argv, &t, s);
        }
        if !matches!(t.id, Some((_, true))) {
            argv[idpos] = Bytes::from(id.to_string());
        }
        argv
    });
    db.interest.added(key);
    ctx.srv.dirty += 1;
    if let Some(argv) = rewrite {
        ctx.propagate_as(argv);
    }
    ctx.notify(N::STREAM, "xadd", key);
    if trimmed {
        ctx.notify(N::STREAM, "xtrim", key);
    }
    Ok(())
}

/// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
fn xtrim(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (t, _) = parse_trim_args(ctx, args, false)?;
    let key = &args[1];
    let (now, propagating) = (ctx.now(), ctx.propagating());
    let (db, out) = ctx.db_out();
    let Some(s) = stream_write(db, key, now)? else {
        out.int(0);
        return Ok(());
    };
    let deleted = s.trim(t.how.expect("a strategy"), t.approx, t.limit);
    out.int(deleted as i64);
    if deleted > 0 {
        let rewrite = (t.approx && propagating).then(|| {
            let mut argv = args.to_vec();
            exact_trim(&mut argv, &t, s);
            argv
        });
        if let Some(argv) = rewrite {
            ctx.propagate_as(argv);
        }
        ctx.srv.dirty += deleted;
        ctx.notify(N::STREAM, "xtrim", key);
    }
    Ok(())
}

// ---------------------------------------------------------------- reads

fn xlen(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let n = stream_read(db, &args[1], now)?.map_or(0, |s| s.len());
    out.int(n as i64);
    Ok(())
}

fn xrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    range_generic(ctx, args, false)
}

fn xrevrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    range_generic(ctx, args, true)
}

/// XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n].
fn range_generic(ctx: &mut Ctx, args: &[Bytes], rev: bool) -> CmdResult {
    let (start_arg, end_arg) = if rev { (&args[3], &args[2]) } else { (&args[2], &args[3]) };
    let start = start_bound(start_arg)?;
    let end = end_bound(end_arg)?;
    let mut count: i64 = -1;
    let mut j = 4;
    while j < args.len() {
        if is(&args[j], "count") && j + 1 < args.len() {
            count = int(&args[j + 1])?.max(0);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(s) = stream_read(db, &args[1], now)? else {
        out.array(0);
        return Ok(());
    };
    if count == 0 {
        out.null_array();
        return Ok(());
    }
    let limit = if count < 0 { usize::MAX } else { count as usize };
    let items: Vec<(StreamId, EntryRef<'_>)> = s.range(start, end, rev).take(limit).collect();
    out.array(items.len());
    for (id, f) in items {
        entry_reply(out, id, f);
    }
    Ok(())
}

/// The options of XREAD/XREADGROUP.
struct ReadArgs {
    timeout: Option<Option<std::time::Duration>>,
    count: usize,
    streams_arg: usize,
    streams: usize,
    group: Option<(Bytes, Bytes)>,
    noack: bool,
}

fn parse_read_args(ctx: &Ctx, args: &[Bytes], xreadgroup: bool) -> Result<ReadArgs, CmdError> {
    let mut r = ReadArgs { timeout: None, count: 0, streams_arg: 0, streams: 0, group: None, noack: false };
    let mut i = 1;
    while i < args.len() {
        let more = args.len() - i - 1;
        let o = &args[i][..];
        if is(o, "block") && more > 0 {
            if ctx.client.script {
                return Err(CmdError::err(format!(
                    "{} command is not allowed with BLOCK option from scripts",
                    String::from_utf8_lossy(&args[0])
                )));
            }
            i += 1;
            r.timeout = Some(timeout_ms(&args[i], ctx.now())?);
        } else if is(o, "count") && more > 0 {
            i += 1;
            r.count = int(&args[i])?.max(0) as usize;
        } else if is(o, "streams") && more > 0 {
            r.streams_arg = i + 1;
            let n = args.len() - r.streams_arg;
            if !n.is_multiple_of(2) {
                return Err(CmdError::err(
                    "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            r.streams = n / 2;
            break;
        } else if is(o, "group") && more >= 2 {
            if !xreadgroup {
                return Err(CmdError::err(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.group = Some((args[i + 1].clone(), args[i + 2].clone()));
            i += 2;
        } else if is(o, "noack") {
            if !xreadgroup {
                return Err(CmdError::err(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.noack = true;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if r.streams_arg == 0 {
        return Err(CmdError::Syntax);
    }
    if xreadgroup && r.group.is_none() {
        return Err(CmdError::err("Missing GROUP option for XREADGROUP"));
    }
    Ok(r)
}

fn xread(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    read_generic(ctx, args, false)
}

fn xreadgroup(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    read_generic(ctx, args, true)
}

/// XREAD / XREADGROUP (`xreadCommand`).
fn read_generic(ctx: &mut Ctx, args: &[Bytes], xreadgroup: bool) -> CmdResult {
    let r = parse_read_args(ctx, args, xreadgroup)?;
    let now = ctx.now();
    let keys = &args[r.streams_arg..r.streams_arg + r.streams];
    let id_args = &args[r.streams_arg + r.streams..];
    // Resolve the ids (`$` and `>`), checking types and groups first.
    let mut ids: Vec<StreamId> = Vec::with_capacity(r.streams);
    let mut resolved_dollar = false;
    {
        let db = ctx.db();
        for (key, id_arg) in keys.iter().zip(id_args) {
            let s = stream_read(db, key, now)?;
            if let Some((group, _)) = &r.group
                && s.as_ref().is_none_or(|s| !s.groups.contains_key(&group[..]))
            {
                return Err(CmdError::Other(
                    format!(
                        "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                        String::from_utf8_lossy(key),
                        String::from_utf8_lossy(group)
                    )
                    .into(),
                ));
            }
            if &id_arg[..] == b"$" {
                if xreadgroup {
                    return Err(CmdError::err(
                        "The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
                    ));
                }
                resolved_dollar = true;
                ids.push(s.map_or(StreamId::ZERO, |s| s.last_id));
                continue;
            } else if &id_arg[..] == b">" {
                if !xreadgroup {
                    return Err(CmdError::err(
                        "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                    ));
                }
                ids.push(StreamId::MAX);
                continue;
            }
            ids.push(strict_id(id_arg, 0)?);
        }
    }
    // Serve what is available.
    let resp3 = ctx.client.out.is_resp3();
    let mut served = 0usize;
    let mut body = ReplyWriter::new(ctx.client.out.resp);
    let mut props = (xreadgroup && ctx.propagating()).then(Vec::new);
    for (i, key) in keys.iter().enumerate() {
        let gt = ids[i];
        let mut created = false;
        let served_now = {
            let db = ctx.db();
            if xreadgroup {
                serve_group(db, &mut body, key, gt, &r, now, &mut created, props.as_mut())?
            } else {
                let Some(s) = stream_read(db, key, now)? else { continue };
                let has_new = s.last_entry_id().is_some_and(|m| m > gt);
                if has_new {
                    if !resp3 {
                        body.array(2);
                    }
                    body.bulk(key);
                    let start = gt.incr().unwrap_or(StreamId::MAX);
                    let limit = if r.count == 0 { usize::MAX } else { r.count };
                    let items: Vec<(StreamId, EntryRef<'_>)> =
                        s.range(start, StreamId::MAX, false).take(limit).collect();
                    body.array(items.len());
                    for (id, f) in items {
                        entry_reply(&mut body, id, f);
                    }
                }
                has_new
            }
        };
        if created {
            ctx.srv.dirty += 1;
            ctx.notify(N::STREAM, "xgroup-createconsumer", key);
        }
        if served_now {
            served += 1;
            if xreadgroup {
                ctx.srv.dirty += 1;
            }
        }
    }
    if xreadgroup {
        // Propagated as what it did to the group, never as itself.
        let db = ctx.client.db;
        for argv in props.into_iter().flatten() {
            ctx.also_propagate(db, argv);
        }
        ctx.prevent_propagation();
    }
    if served > 0 {
        let out = ctx.out();
        if resp3 {
            out.map(served);
        } else {
            out.array(served);
        }
        out.raw(&body.buf);
        return Ok(());
    }
    let Some(timeout) = r.timeout else {
        ctx.out().null_array();
        return Ok(());
    };
    if !ctx.may_block() {
        ctx.out().null_array();
        return Ok(());
    }
    // Block with `$` resolved, so serving later reads after the id seen now,
    // and with Redis's count for a served client (`XREAD_BLOCKED_DEFAULT_COUNT`).
    let mut kept = args.to_vec();
    if resolved_dollar {
        for (i, id_arg) in id_args.iter().enumerate() {
            if &id_arg[..] == b"$" {
                kept[r.streams_arg + r.streams + i] = Bytes::from(ids[i].to_string());
            }
        }
    }
    if r.count == 0 {
        kept.splice(1..1, [Bytes::from_static(b"COUNT"), Bytes::from_static(b"1000")]);
    }
    ctx.block(keys, &kept, timeout, "stream");
    Ok(())
}

/// XREADGROUP on one stream (`xreadCommand`'s loop body with a group):
/// new entries for `>`, else the consumer's history from `gt`. With
/// `props`, adds the commands that replay what it did (`>` only, as Redis:
/// an XCLAIM per delivered entry, or with NOACK the consumer's creation
/// and the group's new position).
#[allow(clippy::too_many_arguments)]
fn serve_group(
    db: &mut Db,
    out: &mut ReplyWriter,
    key: &[u8],
    gt: StreamId,
    r: &ReadArgs,
    now: u64,
    created: &mut bool,
    mut props: Option<&mut Vec<Vec<Bytes>>>,
) -> Result<bool, CmdError> {
    let (group, consumer) = r.group.as_ref().expect("a group");
    let Some(s) = stream_read_for_update(db, key, now)? else { return Ok(false) };
    let g = s.groups.get(&group[..]).expect("checked");
    let history = gt != StreamId::MAX;
    if !history {
        let Some(max) = s.last_entry_id() else { return Ok(false) };
        if max <= g.last_id {
            return Ok(false);
        }
    }
    if !out.is_resp3() {
        out.array(2);
    }
    out.bulk(key);
    let g = s.groups.get_mut(&group[..]).expect("checked");
    *created = ensure_consumer(g, consumer, now, true);
    if *created
        && r.noack
        && let Some(p) = props.as_mut()
    {
        p.push(vec![
            word("XGROUP"),
            word("CREATECONSUMER"),
            Bytes::copy_from_slice(key),
            group.clone(),
            consumer.clone(),
        ]);
    }
    let limit = if r.count == 0 { usize::MAX } else { r.count };
    if history {
        // The consumer's own pending entries from `gt` on.
        let start = gt.incr().unwrap_or(StreamId::MAX);
        let ids: Vec<StreamId> = g.consumers[&consumer[..]].pel.range(start..).take(limit).copied().collect();
        out.array(ids.len());
        for id in ids {
            match s.get(id) {
                Some(f) => {
                    entry_reply(out, id, f);
                    let n = s.groups.get_mut(&group[..]).expect("group").pel.get_mut(&id).expect("pending");
                    n.delivery_time = now;
                    n.delivery_count += 1;
                }
                None => {
                    out.array(2);
                    id_bulk(out, id);
                    out.null_array();
                }
            }
        }
        return Ok(true);
    }
    let start = g.last_id.incr().unwrap_or(StreamId::MAX);
    let ids: Vec<StreamId> = s.range(start, StreamId::MAX, false).take(limit).map(|(id, _)| id).collect();
    let advanced = !ids.is_empty();
    out.array(ids.len());
    for id in ids {
        s.group_advance(group, id);
        entry_reply(out, id, s.get(id).expect("entry"));
        if !r.noack {
            let g = s.groups.get_mut(&group[..]).expect("group");
            let nack = Nack { delivery_time: now, delivery_count: 1, consumer: consumer[..].into() };
            if let Some(old) = g.pel.insert(id, nack) {
                // Already pending (XGROUP SETID moved the group back):
                // reassign it to this consumer.
                if *old.consumer != consumer[..]
                    && let Some(c) = g.consumers.get_mut(&old.consumer)
                {
                    c.pel.remove(&id);
                }
            }
            g.consumers.get_mut(&consumer[..]).expect("consumer").pel.insert(id);
            if let Some(p) = props.as_mut() {
                p.push(xclaim_argv(key, group, Bytes::from(id.to_string()), &g.pel[&id], g.last_id));
            }
        }
    }
    if r.noack
        && advanced
        && let Some(p) = props
    {
        p.push(setid_argv(key, group, &s.groups[&group[..]]));
    }
    Ok(true)
}

/// For `server::blocking`: the group an XREADGROUP client is blocked on.
pub fn blocked_group(args: &[Bytes]) -> Option<&Bytes> {
    if !is(&args[0], "xreadgroup") {
        return None;
    }
    let mut i = 1;
    while i < args.len() {
        if is(&args[i], "streams") {
            return None;
        }
        if is(&args[i], "group") && i + 2 < args.len() {
            return Some(&args[i + 1]);
        }
        i += 1;
    }
    None
}

/// For `server::blocking`: the error a client blocked in XREADGROUP on
/// `group` gets when its key changed, if it must be unblocked (the key is
/// no longer a stream, or the group is gone), as Redis 7.0 answers.
pub fn blocked_group_error(value: Option<&Value>, group: &[u8]) -> Option<&'static str> {
    match value {
        Some(Value::Stream(s)) => (!s.groups.contains_key(group))
            .then_some("NOGROUP the consumer group this client was blocked on no longer exists"),
        _ => Some("UNBLOCKED the stream key no longer exists"),
    }
}

// ---------------------------------------------------------------- XDEL / XSETID

fn xdel(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(_) = stream_write(db, key, now)? else {
        out.int(0);
        return Ok(());
    };
    let ids = args[2..].iter().map(|a| strict_id(a, 0)).collect::<Result<Vec<_>, _>>()?;
    let s = stream_write(db, key, now)?.expect("exists");
    let deleted = s.delete(&ids);
    out.int(deleted as i64);
    if deleted > 0 {
        ctx.srv.dirty += deleted as u64;
        ctx.notify(N::STREAM, "xdel", key);
    }
    Ok(())
}

/// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
fn xsetid(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let id = strict_id(&args[2], 0)?;
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::ZERO;
    let mut i = 3;
    while i < args.len() {
        let more = args.len() - 1 - i;
        if is(&args[i], "entriesadded") && more > 0 {
            entries_added = int(&args[i + 1])?;
            if entries_added < 0 {
                return Err(CmdError::err("entries_added must be positive"));
            }
            i += 2;
        } else if is(&args[i], "maxdeletedid") && more > 0 {
            max_xdel = strict_id(&args[i + 1], 0)?;
            if id < max_xdel {
                return Err(CmdError::err(
                    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let key = &args[1];
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(s) = stream_write(db, key, now)? else {
        return Err(CmdError::NoSuchKey);
    };
    if let Some(max) = s.last_entry_id() {
        if id < max {
            return Err(CmdError::err("The ID specified in XSETID is smaller than the target stream top item"));
        }
        if entries_added != -1 && s.len() as i64 > entries_added {
            return Err(CmdError::err(
                "The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    s.last_id = id;
    if entries_added != -1 {
        s.entries_added = entries_added as u64;
    }
    if !max_xdel.is_zero() {
        s.max_deleted_id = max_xdel;
    }
    out.ok();
    ctx.srv.dirty += 1;
    ctx.notify(N::STREAM, "xsetid", key);
    Ok(())
}

// ---------------------------------------------------------------- XGROUP

const XGROUP_HELP: &[&str] = &[
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
];

const XINFO_HELP: &[&str] = &[
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
];

fn help(out: &mut ReplyWriter, lines: &[&str]) {
    out.array(lines.len());
    for l in lines {
        out.simple(l);
    }
}

fn xgroup_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    help(ctx.out(), XGROUP_HELP);
    Ok(())
}

fn xinfo_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    help(ctx.out(), XINFO_HELP);
    Ok(())
}

fn subcommand_syntax(args: &[Bytes], container: &str) -> CmdError {
    CmdError::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {container} HELP.",
        String::from_utf8_lossy(&args[1])
    ))
}

/// XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER (`xgroupCommand`).
fn xgroup(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let opt = &args[1][..];
    let create = is(opt, "create");
    let setid = is(opt, "setid");
    let mut mkstream = false;
    let mut entries_read = ENTRIES_READ_INVALID;
    let key = &args[2];
    let grp = &args[3];
    let now = ctx.now();
    let mut i = 5;
    while i < args.len() {
        if create && is(&args[i], "mkstream") {
            mkstream = true;
            i += 1;
        } else if (create || setid) && is(&args[i], "entriesread") && i + 1 < args.len() {
            entries_read = int(&args[i + 1])?;
            if entries_read < 0 && entries_read != ENTRIES_READ_INVALID {
                return Err(CmdError::err("value for ENTRIESREAD must be positive or -1"));
            }
            i += 2;
        } else {
            return Err(subcommand_syntax(args, "XGROUP"));
        }
    }
    let db = ctx.db();
    let exists = stream_write(db, key, now)?.is_some();
    if !mkstream {
        if !exists {
            return Err(CmdError::err(
                "The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
            ));
        }
        let s = stream_write(db, key, now)?.expect("exists");
        if !s.groups.contains_key(&grp[..]) && (setid || is(opt, "createconsumer") || is(opt, "delconsumer")) {
            return Err(nogroup_key(grp, key));
        }
    }
    if create && (5..=8).contains(&args.len()) {
        let id = if &args[4][..] == b"$" {
            stream_write(db, key, now)?.map_or(StreamId::ZERO, |s| s.last_id)
        } else {
            strict_id(&args[4], 0)?
        };
        if !exists {
            db.insert_absent(CompactBytes::new(key), Value::Stream(Box::default()), 0, now);
        }
        let s = stream_write(db, key, now)?.expect("exists");
        if s.groups.contains_key(&grp[..]) {
            return Err(CmdError::text("BUSYGROUP Consumer Group name already exists"));
        }
        s.groups.insert(grp[..].into(), CGroup::new(id, entries_read));
        ctx.out().ok();
        ctx.srv.dirty += 1;
        ctx.notify(N::STREAM, "xgroup-create", key);
    } else if setid && (args.len() == 5 || args.len() == 7) {
        let s = stream_write(db, key, now)?.expect("exists");
        let id = if &args[4][..] == b"$" { s.last_id } else { id_arg(&args[4], 0)? };
        let g = s.groups.get_mut(&grp[..]).expect("checked");
        g.last_id = id;
        g.entries_read = entries_read;
        ctx.out().ok();
        ctx.srv.dirty += 1;
        ctx.notify(N::STREAM, "xgroup-setid", key);
    } else if is(opt, "destroy") && args.len() == 4 {
        let s = stream_write(db, key, now)?.expect("exists");
        if s.groups.remove(&grp[..]).is_some() {
            db.interest.added(key);
            ctx.out().int(1);
            ctx.srv.dirty += 1;
            ctx.notify(N::STREAM, "xgroup-destroy", key);
        } else {
            ctx.out().int(0);
        }
    } else if is(opt, "createconsumer") && args.len() == 5 {
        let s = stream_write(db, key, now)?.expect("exists");
        let g = s.groups.get_mut(&grp[..]).expect("checked");
        let created = ensure_consumer(g, &args[4], now, false);
        ctx.out().int(i64::from(created));
        if created {
            ctx.srv.dirty += 1;
            ctx.notify(N::STREAM, "xgroup-createconsumer", key);
        }
    } else if is(opt, "delconsumer") && args.len() == 5 {
        let s = stream_write(db, key, now)?.expect("exists");
        let g = s.groups.get_mut(&grp[..]).expect("checked");
        match g.delete_consumer(&args[4]) {
            Some(pending) => {
                ctx.out().int(pending as i64);
                ctx.srv.dirty += 1;
                ctx.notify(N::STREAM, "xgroup-delconsumer", key);
            }
            None => ctx.out().int(0),
        }
    } else {
        return Err(subcommand_syntax(args, "XGROUP"));
    }
    Ok(())
}

// ---------------------------------------------------------------- XACK / XPENDING

fn xack(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let has_group = match stream_read(db, key, now)? {
        Some(s) => s.groups.contains_key(&args[2][..]),
        None => false,
    };
    if !has_group {
        out.int(0);
        return Ok(());
    }
    let ids = args[3..].iter().map(|a| strict_id(a, 0)).collect::<Result<Vec<_>, _>>()?;
    let s = stream_write(db, key, now)?.expect("exists");
    let g = s.groups.get_mut(&args[2][..]).expect("exists");
    let mut acked = 0;
    for id in ids {
        if g.ack(id) {
            acked += 1;
        }
    }
    out.int(acked);
    ctx.srv.dirty += acked as u64;
    Ok(())
}

/// XPENDING key group [[IDLE min-idle] start end count [consumer]]
fn xpending(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let justinfo = args.len() == 3;
    if args.len() != 3 && (args.len() < 6 || args.len() > 9) {
        return Err(CmdError::Syntax);
    }
    let mut range = None;
    let mut consumer: Option<&Bytes> = None;
    let mut minidle: i64 = 0;
    if args.len() >= 6 {
        let mut startidx = 3;
        if is(&args[3], "idle") {
            minidle = int(&args[4])?;
            if args.len() < 8 {
                return Err(CmdError::Syntax);
            }
            startidx += 2;
        }
        let count = int(&args[startidx + 2])?.max(0);
        let start = start_bound(&args[startidx])?;
        let end = end_bound(&args[startidx + 1])?;
        if startidx + 3 < args.len() {
            consumer = Some(&args[startidx + 3]);
        }
        range = Some((start, end, count as usize));
    }
    let key = &args[1];
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let s = stream_read(db, key, now)?;
    let Some(g) = s.as_ref().and_then(|s| s.groups.get(&args[2][..])) else {
        return Err(nogroup_read(key, &args[2]));
    };
    if justinfo {
        out.array(4);
        out.int(g.pel.len() as i64);
        if g.pel.is_empty() {
            out.null();
            out.null();
            out.null_array();
        } else {
            id_bulk(out, *g.pel.keys().next().expect("not empty"));
            id_bulk(out, *g.pel.keys().next_back().expect("not empty"));
            let with: Vec<_> = g.consumers.iter().filter(|(_, c)| !c.pel.is_empty()).collect();
            out.array(with.len());
            for (name, c) in with {
                out.array(2);
                out.bulk(name);
                out.bulk_int(c.pel.len() as i64);
            }
        }
        return Ok(());
    }
    let (start, end, count) = range.expect("a range");
    let ids: Vec<StreamId> = match consumer {
        Some(name) => match g.consumers.get(&name[..]) {
            Some(c) => c.pel.iter().copied().filter(|id| *id >= start).collect(),
            None => {
                out.array(0);
                return Ok(());
            }
        },
        None => g.pel.range(start..).map(|(id, _)| *id).collect(),
    };
    let mut rows = Vec::new();
    for id in ids {
        if rows.len() >= count || id > end {
            break;
        }
        let n = &g.pel[&id];
        let idle = now as i64 - n.delivery_time as i64;
        if minidle != 0 && idle < minidle {
            continue;
        }
        rows.push((id, n));
    }
    out.array(rows.len());
    for (id, n) in rows {
        out.array(4);
        id_bulk(out, id);
        out.bulk(&n.consumer);
        out.int((now as i64 - n.delivery_time as i64).max(0));
        out.int(n.delivery_count as i64);
    }
    Ok(())
}

// ---------------------------------------------------------------- XCLAIM / XAUTOCLAIM

fn int_msg(arg: &[u8], msg: &'static str) -> Result<i64, CmdError> {
    crate::util::number::parse_i64(arg).ok_or(CmdError::text(msg))
}

/// XCLAIM key group consumer min-idle-time id [id ...] [options]
fn xclaim(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let grp = &args[2][..];
    let name = &args[3][..];
    let now = ctx.now();
    {
        let db = ctx.db();
        let s = stream_read(db, key, now)?;
        if s.is_none_or(|s| !s.groups.contains_key(grp)) {
            return Err(nogroup_read(key, grp));
        }
    }
    let minidle = int_msg(&args[4], "ERR Invalid min-idle-time argument for XCLAIM")?.max(0);
    let mut ids = Vec::new();
    let mut j = 5;
    while j < args.len() {
        match parse_id(&args[j], 0, true, false) {
            Some((id, _)) => ids.push(id),
            None => break,
        }
        j += 1;
    }
    let (mut force, mut justid) = (false, false);
    let mut retrycount: i64 = -1;
    let mut deliverytime: i64 = -1;
    let mut last_id = StreamId::ZERO;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = &args[j][..];
        if is(opt, "force") {
            force = true;
        } else if is(opt, "justid") {
            justid = true;
        } else if is(opt, "idle") && more > 0 {
            j += 1;
            deliverytime = int_msg(&args[j], "ERR Invalid IDLE option argument for XCLAIM")?;
            deliverytime = (now as i64).wrapping_sub(deliverytime);
        } else if is(opt, "time") && more > 0 {
            j += 1;
            deliverytime = int_msg(&args[j], "ERR Invalid TIME option argument for XCLAIM")?;
        } else if is(opt, "retrycount") && more > 0 {
            j += 1;
            retrycount = int_msg(&args[j], "ERR Invalid RETRYCOUNT option argument for XCLAIM")?;
        } else if is(opt, "lastid") && more > 0 {
            j += 1;
            last_id = strict_id(&args[j], 0)?;
        } else {
            return Err(CmdError::err(format!("Unrecognized XCLAIM option '{}'", String::from_utf8_lossy(opt))));
        }
        j += 1;
    }
    let propagating = ctx.propagating();
    let mut props: Vec<Vec<Bytes>> = Vec::new();
    let (db, out) = ctx.db_out();
    let s = stream_write(db, key, now)?.expect("exists");
    let mut dirty = 0u64;
    let mut propagate_last_id = false;
    {
        let g = s.groups.get_mut(grp).expect("exists");
        if last_id > g.last_id {
            g.last_id = last_id;
            propagate_last_id = true;
            dirty += 1;
        }
    }
    if deliverytime != -1 {
        if deliverytime < 0 || deliverytime > now as i64 {
            deliverytime = now as i64;
        }
    } else {
        deliverytime = now as i64;
    }
    let mut claimed: Vec<StreamId> = Vec::new();
    let mut consumer_ready = false;
    let mut created = false;
    for (id, id_arg) in ids.into_iter().zip(&args[5..]) {
        let exists = s.contains(id);
        let g = s.groups.get_mut(grp).expect("exists");
        if !exists {
            // The entry is gone: its pending entry goes too.
            if propagating && let Some(nack) = g.pel.get(&id) {
                props.push(xclaim_argv(key, grp, id_arg.clone(), nack, g.last_id));
                propagate_last_id = false;
            }
            if g.ack(id) {
                dirty += 1;
            }
            continue;
        }
        let forced = force && !g.pel.contains_key(&id);
        if forced {
            g.pel.insert(id, Nack { delivery_time: now, delivery_count: 1, consumer: Box::default() });
        }
        let Some(nack) = g.pel.get(&id) else { continue };
        if !forced {
            let idle = now as i64 - nack.delivery_time as i64;
            if minidle != 0 && idle < minidle {
                continue;
            }
        }
        if !consumer_ready {
            created = ensure_consumer(g, name, now, true);
            consumer_ready = true;
        }
        g.assign(id, name);
        let nack = g.pel.get_mut(&id).expect("pending");
        nack.delivery_time = deliverytime as u64;
        if retrycount >= 0 {
            nack.delivery_count = retrycount as u64;
        } else if !justid {
            nack.delivery_count += 1;
        }
        if propagating {
            props.push(xclaim_argv(key, grp, id_arg.clone(), nack, g.last_id));
            propagate_last_id = false;
        }
        claimed.push(id);
        dirty += 1;
    }
    if propagating && propagate_last_id {
        props.push(setid_argv(key, grp, &s.groups[grp]));
    }
    out.array(claimed.len());
    for id in claimed {
        if justid {
            id_bulk(out, id);
        } else {
            entry_reply(out, id, s.get(id).expect("exists"));
        }
    }
    ctx.srv.dirty += dirty;
    if created {
        ctx.srv.dirty += 1;
        ctx.notify(N::STREAM, "xgroup-createconsumer", key);
    }
    propagate_instead(ctx, props);
    Ok(())
}

/// The running command goes to replicas and the AOF as `props`, never as
/// itself (XCLAIM, XAUTOCLAIM).
fn propagate_instead(ctx: &mut Ctx, props: Vec<Vec<Bytes>>) {
    let db = ctx.client.db;
    for argv in props {
        ctx.also_propagate(db, argv);
    }
    ctx.prevent_propagation();
}

/// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
fn xautoclaim(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let grp = &args[2][..];
    let name = &args[3][..];
    let minidle = int_msg(&args[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM")?.max(0);
    let start = start_bound(&args[5])?;
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if is(&args[j], "count") && more > 0 {
            let max_count = i64::MAX / 16;
            count = match crate::util::number::parse_i64(&args[j + 1]) {
                Some(v) if (1..=max_count).contains(&v) => v,
                _ => return Err(CmdError::err("COUNT must be > 0")),
            };
            j += 1;
        } else if is(&args[j], "justid") {
            justid = true;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let (now, propagating) = (ctx.now(), ctx.propagating());
    let mut props: Vec<Vec<Bytes>> = Vec::new();
    let (db, out) = ctx.db_out();
    {
        let s = stream_read(db, key, now)?;
        if s.is_none_or(|s| !s.groups.contains_key(grp)) {
            return Err(nogroup_read(key, grp));
        }
    }
    let s = stream_write(db, key, now)?.expect("exists");
    let mut attempts = count.saturating_mul(10);
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut dirty = 0u64;
    let mut cursor = start;
    let mut next: Option<StreamId> = None;
    let mut consumer_ready = false;
    let mut created = false;
    let pending: Vec<StreamId> = s.groups[grp].pel.range(start..).map(|(id, _)| *id).collect();
    let mut it = pending.into_iter();
    loop {
        if attempts == 0 || count == 0 {
            break;
        }
        let Some(id) = it.next() else {
            break;
        };
        attempts -= 1;
        cursor = id;
        let exists = s.contains(id);
        let g = s.groups.get_mut(grp).expect("exists");
        if !exists {
            if propagating {
                props.push(xclaim_argv(key, grp, Bytes::from(id.to_string()), &g.pel[&id], g.last_id));
            }
            g.ack(id);
            deleted.push(id);
            dirty += 1;
            count -= 1;
            continue;
        }
        let nack = &g.pel[&id];
        if minidle != 0 {
            let idle = now as i64 - nack.delivery_time as i64;
            if idle < minidle {
                continue;
            }
        }
        if !consumer_ready {
            created = ensure_consumer(g, name, now, true);
            consumer_ready = true;
        }
        g.assign(id, name);
        let nack = g.pel.get_mut(&id).expect("pending");
        nack.delivery_time = now;
        if !justid {
            nack.delivery_count += 1;
        }
        if propagating {
            props.push(xclaim_argv(key, grp, Bytes::from(id.to_string()), nack, g.last_id));
        }
        claimed.push(id);
        count -= 1;
        dirty += 1;
    }
    let _ = cursor;
    // The next pending id after the last one examined (0-0 at the end).
    if let Some(id) = it.next() {
        next = Some(id);
    }
    // Ids examined may have been acknowledged; what counts is the PEL now.
    let next = next.and_then(|n| s.groups[grp].pel.range(n..).next().map(|(id, _)| *id));
    out.array(3);
    id_bulk(out, next.unwrap_or(StreamId::ZERO));
    out.array(claimed.len());
    for id in claimed {
        if justid {
            id_bulk(out, id);
        } else {
            entry_reply(out, id, s.get(id).expect("exists"));
        }
    }
    out.array(deleted.len());
    for id in deleted {
        id_bulk(out, id);
    }
    ctx.srv.dirty += dirty;
    if created {
        ctx.srv.dirty += 1;
        ctx.notify(N::STREAM, "xgroup-createconsumer", key);
    }
    propagate_instead(ctx, props);
    Ok(())
}

// ---------------------------------------------------------------- XINFO

fn xinfo(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let opt = &args[1][..];
    let key = &args[2];
    let now = ctx.now();
    if is(opt, "stream") {
        // Options are checked before the key is looked up.
        let optc = args.len() - 3;
        let mut full = false;
        let mut count: i64 = 10;
        if optc != 0 {
            if optc != 1 && optc != 3 {
                return Err(subcommand_syntax(args, "XINFO"));
            }
            if !is(&args[3], "full") {
                return Err(subcommand_syntax(args, "XINFO"));
            }
            full = true;
            if optc == 3 {
                if !is(&args[4], "count") {
                    return Err(subcommand_syntax(args, "XINFO"));
                }
                count = int(&args[5])?;
                if count < 0 {
                    count = 10;
                }
            }
        }
        let (db, out) = ctx.db_out();
        let Some(s) = stream_read(db, key, now)? else {
            return Err(CmdError::NoSuchKey);
        };
        info_stream(out, s, full, count as usize);
        return Ok(());
    }
    let (db, out) = ctx.db_out();
    let Some(s) = stream_read(db, key, now)? else {
        return Err(CmdError::NoSuchKey);
    };
    if is(opt, "consumers") {
        let Some(g) = s.groups.get(&args[3][..]) else {
            return Err(nogroup_key(&args[3], key));
        };
        out.array(g.consumers.len());
        for (name, c) in &g.consumers {
            out.map(3);
            out.bulk(b"name");
            out.bulk(name);
            out.bulk(b"pending");
            out.int(c.pel.len() as i64);
            out.bulk(b"idle");
            out.int((now as i64 - c.seen_time as i64).max(0));
        }
    } else {
        out.array(s.groups.len());
        for (name, g) in &s.groups {
            out.map(6);
            out.bulk(b"name");
            out.bulk(name);
            out.bulk(b"consumers");
            out.int(g.consumers.len() as i64);
            out.bulk(b"pending");
            out.int(g.pel.len() as i64);
            out.bulk(b"last-delivered-id");
            id_bulk(out, g.last_id);
            out.bulk(b"entries-read");
            entries_read(out, g);
            out.bulk(b"lag");
            lag(out, s, g);
        }
    }
    Ok(())
}

fn entries_read(out: &mut ReplyWriter, g: &CGroup) {
    if g.entries_read != ENTRIES_READ_INVALID {
        out.int(g.entries_read);
    } else {
        out.null();
    }
}

fn lag(out: &mut ReplyWriter, s: &Stream, g: &CGroup) {
    match s.lag(g) {
        Some(l) => out.int(l),
        None => out.null(),
    }
}

/// XINFO STREAM key [FULL [COUNT n]] (`xinfoReplyWithStreamInfo`).
fn info_stream(out: &mut ReplyWriter, s: &Stream, full: bool, count: usize) {
    out.map(if full { 9 } else { 10 });
    out.bulk(b"length");
    out.int(s.len() as i64);
    out.bulk(b"radix-tree-keys");
    out.int(s.node_count() as i64);
    out.bulk(b"radix-tree-nodes");
    out.int(s.rax_node_count() as i64);
    out.bulk(b"last-generated-id");
    id_bulk(out, s.last_id);
    out.bulk(b"max-deleted-entry-id");
    id_bulk(out, s.max_deleted_id);
    out.bulk(b"entries-added");
    out.int(s.entries_added as i64);
    out.bulk(b"recorded-first-entry-id");
    id_bulk(out, s.first_id);
    let limit = if count == 0 { usize::MAX } else { count };
    if !full {
        out.bulk(b"groups");
        out.int(s.groups.len() as i64);
        out.bulk(b"first-entry");
        match s.range(StreamId::ZERO, StreamId::MAX, false).next() {
            Some((id, f)) => entry_reply(out, id, f),
            None => out.null(),
        }
        out.bulk(b"last-entry");
        match s.range(StreamId::ZERO, StreamId::MAX, true).next() {
            Some((id, f)) => entry_reply(out, id, f),
            None => out.null(),
        }
        return;
    }
    out.bulk(b"entries");
    let items: Vec<_> = s.range(StreamId::ZERO, StreamId::MAX, false).take(limit).collect();
    out.array(items.len());
    for (id, f) in items {
        entry_reply(out, id, f);
    }
    out.bulk(b"groups");
    out.array(s.groups.len());
    for (name, g) in &s.groups {
        out.map(7);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"last-delivered-id");
        id_bulk(out, g.last_id);
        out.bulk(b"entries-read");
        entries_read(out, g);
        out.bulk(b"lag");
        lag(out, s, g);
        out.bulk(b"pel-count");
        out.int(g.pel.len() as i64);
        out.bulk(b"pending");
        let pel: Vec<_> = g.pel.iter().take(limit).collect();
        out.array(pel.len());
        for (id, n) in pel {
            out.array(4);
            id_bulk(out, *id);
            out.bulk(&n.consumer);
            out.int(n.delivery_time as i64);
            out.int(n.delivery_count as i64);
        }
        out.bulk(b"consumers");
        out.array(g.consumers.len());
        for (cname, c) in &g.consumers {
            out.map(4);
            out.bulk(b"name");
            out.bulk(cname);
            out.bulk(b"seen-time");
            out.int(c.seen_time as i64);
            out.bulk(b"pel-count");
            out.int(c.pel.len() as i64);
            out.bulk(b"pending");
            let pel: Vec<_> = c.pel.iter().take(limit).collect();
            out.array(pel.len());
            for id in pel {
                let n = &g.pel[id];
                out.array(3);
                id_bulk(out, *id);
                out.int(n.delivery_time as i64);
                out.int(n.delivery_count as i64);
            }
        }
    }
}
