//! HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST.
//!
//! HLLs are plain string values edited in place (`Value::string_mut`, which
//! also turns an `embstr` into `raw` as Redis's `dbUnshareStringValue`
//! does); their layout and arithmetic live in `types::hyperloglog`. Each
//! handler follows `hyperloglog.c` (7.0.15) in the order of its checks, its
//! lookups (read lookups count keyspace hits and misses, write lookups do
//! not), what it adds to `srv.dirty`, and when it tells watchers: a write
//! lookup is promoted to a modification when the command changed `dirty`;
//! PFCOUNT, a read, signals the key itself when it refreshes the cache.

use bytes::Bytes;

use super::args::is;
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::config::notify as N;
use crate::keyspace::{Access, Ttl, Value};
use crate::types::hyperloglog::{self as hll, REGISTERS};

const G: Group = Group::Hyperloglog;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("pfadd", -2, WRITE | DENYOOM | FAST, G, pfadd).keys(1, 1, 1).doc(
        "2.8.9",
        "Adds the specified elements to the specified HyperLogLog.",
        "O(1) to add every element.",
        "key [element [element ...]]",
    ),
    CommandSpec::new("pfcount", -2, READONLY | MAY_REPLICATE, G, pfcount).keys(1, -1, 1).doc(
        "2.8.9",
        "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
        "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
        "key [key ...]",
    ),
    CommandSpec::new("pfmerge", -2, WRITE | DENYOOM, G, pfmerge).keys(1, -1, 1).doc(
        "2.8.9",
        "Merge N different HyperLogLogs into a single one.",
        "O(N) to merge N HyperLogLogs, but with high constant times.",
        "destkey sourcekey [sourcekey ...]",
    ),
    CommandSpec::new("pfdebug", 3, WRITE | DENYOOM | ADMIN, G, pfdebug).keys(2, 2, 1).doc(
        "2.8.9",
        "Internal commands for debugging HyperLogLog values",
        "N/A",
        "subcommand key",
    ),
    CommandSpec::new("pfselftest", 1, ADMIN, G, pfselftest).doc(
        "2.8.9",
        "An internal command for testing HyperLogLog values",
        "N/A",
        "",
    ),
];

const NOT_HLL: CmdError = CmdError::text("WRONGTYPE Key is not a valid HyperLogLog string value.");
const CORRUPT: CmdError = CmdError::text("INVALIDOBJ Corrupted HLL object detected");

impl From<hll::Corrupt> for CmdError {
    fn from(_: hll::Corrupt) -> CmdError {
        CORRUPT
    }
}

/// Redis's `isHLLObjectOrReply`: the bytes of a string holding a valid HLL.
fn hll_bytes(value: &Value) -> Result<&[u8], CmdError> {
    let s = value.as_str().ok_or(CmdError::WrongType)?;
    if hll::is_valid(s) { Ok(s) } else { Err(NOT_HLL) }
}

/// The same check, then the value's bytes for an in-place edit.
fn hll_bytes_mut(value: &mut Value) -> Result<&mut Vec<u8>, CmdError> {
    hll_bytes(value)?;
    Ok(value.string_mut().expect("a string"))
}

fn pfadd(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let max_bytes = ctx.srv.config.hll_sparse_max_bytes;
    let db = ctx.db();
    let mut updated = 0;
    let s = match db.lookup(&args[1], now, Access::Write) {
        Some(e) => hll_bytes_mut(&mut e.value)?,
        None => {
            updated += 1;
            let e = db.set(&args[1], Value::Raw(Box::new(hll::new_sparse())), Ttl::Clear, now);
            e.value.string_mut().expect("a string")
        }
    };
    let mut editor = hll::Editor::new(s);
    for element in &args[2..] {
        if editor.add(element, max_bytes)? {
            updated += 1;
        }
    }
    if updated > 0 {
        hll::invalidate_cache(s);
        ctx.srv.dirty += updated;
        ctx.notify(N::STRING, "pfadd", &args[1]);
    }
    ctx.out().int(i64::from(updated > 0));
    Ok(())
}

fn pfcount(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    if args.len() > 2 {
        // The union of several HLLs, computed on plain registers; writes nothing.
        let mut max = Box::new([0u8; REGISTERS]);
        let (db, out) = ctx.db_out();
        for key in &args[1..] {
            if let Some(e) = db.lookup(key, now, Access::Read) {
                hll::merge_into(&mut max, hll_bytes(&e.value)?)?;
            }
        }
        out.int(hll::count_registers(&max) as i64);
        return Ok(());
    }
    let key = &args[1];
    let db = ctx.db();
    let Some(e) = db.lookup(key, now, Access::Read) else {
        ctx.out().int(0);
        return Ok(());
    };
    hll_bytes(&e.value)?;
    let s = db.prepare_edit(key).expect("just found").value.string_mut().expect("a string");
    let card = match hll::cached_count(s) {
        Some(card) => card,
        None => {
            let card = hll::count(s)?;
            hll::set_cached_count(s, card);
            db.interest.modified(key, true);
            ctx.srv.dirty += 1;
            card
        }
    };
    ctx.out().int(card as i64);
    Ok(())
}

fn pfmerge(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let max_bytes = ctx.srv.config.hll_sparse_max_bytes;
    let db = ctx.db();
    let mut max = Box::new([0u8; REGISTERS]);
    let mut dense = false;
    // Every key, the destination included, is a source.
    for key in &args[1..] {
        if let Some(e) = db.lookup(key, now, Access::Read) {
            let s = hll_bytes(&e.value)?;
            dense |= hll::encoding(s) == hll::DENSE;
            hll::merge_into(&mut max, s)?;
        }
    }
    let s = match db.lookup(&args[1], now, Access::Write) {
        Some(e) => e.value.string_mut().expect("checked above"),
        None => {
            let e = db.set(&args[1], Value::Raw(Box::new(hll::new_sparse())), Ttl::Clear, now);
            e.value.string_mut().expect("a string")
        }
    };
    hll::store_registers(s, &max, dense, max_bytes)?;
    ctx.srv.dirty += 1;
    // Redis raises `pfadd` for a merge too: in effect a mass add.
    ctx.notify(N::STRING, "pfadd", &args[1]);
    ctx.out().ok();
    Ok(())
}

fn pfdebug(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (sub, key) = (&args[1][..], &args[2]);
    let now = ctx.now();
    let out = &mut ctx.client.out;
    let Some(e) = ctx.srv.keyspace.dbs[ctx.client.db].lookup(key, now, Access::Write) else {
        return Err(CmdError::text("ERR The specified key does not exist"));
    };
    let s = hll_bytes_mut(&mut e.value)?;
    let mut converted = false;
    if is(sub, "getreg") {
        converted = hll::to_dense(s)?;
        out.array(REGISTERS);
        for r in hll::dense_registers(s) {
            out.int(i64::from(r));
        }
    } else if is(sub, "decode") {
        if hll::encoding(s) != hll::SPARSE {
            return Err(CmdError::text("ERR HLL encoding is not sparse"));
        }
        out.bulk(hll::decode_sparse(s).as_bytes());
    } else if is(sub, "encoding") {
        out.simple(if hll::encoding(s) == hll::DENSE { "dense" } else { "sparse" });
    } else if is(sub, "todense") {
        converted = hll::to_dense(s)?;
        out.int(i64::from(converted));
    } else {
        return Err(CmdError::err(format!("Unknown PFDEBUG subcommand '{}'", String::from_utf8_lossy(sub))));
    }
    if converted {
        // Redis counts the change of encoding so it propagates.
        ctx.srv.dirty += 1;
    }
    Ok(())
}

fn pfselftest(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let max_bytes = ctx.srv.config.hll_sparse_max_bytes;
    hll::selftest(&mut ctx.srv.rng, max_bytes).map_err(CmdError::err)?;
    ctx.out().ok();
    Ok(())
}
