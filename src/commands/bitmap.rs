//! Bit operations on strings: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
//! BITFIELD_RO.
//!
//! Each handler follows its Redis counterpart (bitops.c) in the order of its
//! checks, so the first error Redis would give is the one we give, and in
//! how it looks keys up (`Access::Read` where Redis uses lookupKeyRead: a
//! keyspace hit or miss; `Access::Write` for lookupKeyWrite) and in how
//! much it adds to `srv.dirty` (SETBIT and BITFIELD only when a value or the
//! length changed). Writers edit the string in place through
//! `Value::string_mut`; the bit arithmetic lives in `types::bits`.

use bytes::Bytes;

use super::args::{int, is};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::keyspace::{Access, Db, Ttl, Value};
use crate::protocol::ReplyWriter;
use crate::types::bits::{self, BitOp, Overflow};
use crate::util::number::parse_i64;

const G: Group = Group::Bitmap;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("setbit", 4, WRITE | DENYOOM, G, setbit).keys(1, 1, 1).doc(
        "2.2.0",
        "Sets or clears the bit at offset in the string value stored at key",
        "O(1)",
        "key offset value",
    ),
    CommandSpec::new("getbit", 3, READONLY | FAST, G, getbit).keys(1, 1, 1).doc(
        "2.2.0",
        "Returns the bit value at offset in the string value stored at key",
        "O(1)",
        "key offset",
    ),
    CommandSpec::new("bitcount", -2, READONLY, G, bitcount).keys(1, 1, 1).doc(
        "2.6.0",
        "Count set bits in a string",
        "O(N)",
        "key [start end [BYTE | BIT]]",
    ),
    CommandSpec::new("bitpos", -3, READONLY, G, bitpos).keys(1, 1, 1).doc(
        "2.8.7",
        "Find first bit set or clear in a string",
        "O(N)",
        "key bit [start [end [BYTE | BIT]]]",
    ),
    CommandSpec::new("bitop", -4, WRITE | DENYOOM, G, bitop).keys(2, -1, 1).doc(
        "2.6.0",
        "Perform bitwise operations between strings",
        "O(N)",
        "operation destkey key [key ...]",
    ),
    CommandSpec::new("bitfield", -2, WRITE | DENYOOM, G, bitfield).keys(1, 1, 1).doc(
        "3.2.0",
        "Perform arbitrary bitfield integer operations on strings",
        "O(1) for each subcommand specified",
        "key [<GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment>> [<GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment>> ...]]",
    ),
    CommandSpec::new("bitfield_ro", -2, READONLY | FAST, G, bitfield_ro).keys(1, 1, 1).doc(
        "6.0.0",
        "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
        "O(1) for each subcommand specified",
        "key [GET encoding offset [GET encoding offset ...]]",
    ),
];

const BAD_OFFSET: CmdError = CmdError::text("ERR bit offset is not an integer or out of range");
const BAD_BIT: CmdError = CmdError::text("ERR bit is not an integer or out of range");
const BAD_TYPE: CmdError =
    CmdError::text("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");

/// Redis's `getBitOffsetFromArgument`: a bit offset, `#N` meaning `N * bits`
/// when `bits` is given (BITFIELD), refused if negative or if its byte
/// reaches `proto-max-bulk-len` (`max`).
fn bit_offset(arg: &[u8], bits: Option<u32>, max: i64) -> Result<u64, CmdError> {
    let (digits, times) = match (arg.first(), bits) {
        (Some(b'#'), Some(bits)) => (&arg[1..], i64::from(bits)),
        _ => (arg, 1),
    };
    // C's signed overflow wraps in practice; Redis then refuses the result.
    let offset = parse_i64(digits).ok_or(BAD_OFFSET)?.wrapping_mul(times);
    if offset < 0 || (offset >> 3) >= max {
        return Err(BAD_OFFSET);
    }
    Ok(offset as u64)
}

/// Looks `key` up and returns its string bytes: `Ok(None)` if it is missing,
/// `WRONGTYPE` if it holds another type.
fn lookup_str<'a>(db: &'a mut Db, key: &[u8], now: u64, access: Access) -> Result<Option<&'a [u8]>, CmdError> {
    match db.lookup(key, now, access) {
        None => Ok(None),
        Some(e) => e.value.as_str().map(Some).ok_or(CmdError::WrongType),
    }
}

/// Redis's `lookupStringForBitCommand`: the string at `key`, created or
/// zero-padded so that bit `max_bit` exists, handed to `f` with whether it
/// was created or grown.
fn with_string_for_write<R>(
    db: &mut Db,
    key: &[u8],
    max_bit: u64,
    now: u64,
    f: impl FnOnce(&mut Vec<u8>, bool) -> R,
) -> Result<R, CmdError> {
    let len = (max_bit >> 3) as usize + 1;
    match db.lookup(key, now, Access::Write) {
        Some(e) => {
            let s = e.value.string_mut().ok_or(CmdError::WrongType)?;
            let grown = bits::grow_zeroed(s, len);
            Ok(f(s, grown))
        }
        None => {
            let e = db.set(key, Value::Raw(Box::new(vec![0; len])), Ttl::Clear, now);
            Ok(f(e.value.string_mut().expect("a string"), true))
        }
    }
}

fn setbit(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let offset = bit_offset(&args[2], None, ctx.srv.config.proto_max_bulk_len)?;
    let on = parse_i64(&args[3]).ok_or(BAD_BIT)?;
    if on & !1 != 0 {
        return Err(BAD_BIT);
    }
    let now = ctx.now();
    let (old, grown) =
        with_string_for_write(ctx.db(), &args[1], offset, now, |s, grown| (bits::set_bit(s, offset, on == 1), grown))?;
    if grown || old != (on == 1) {
        ctx.srv.dirty += 1;
    }
    ctx.out().int(i64::from(old));
    Ok(())
}

fn getbit(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let offset = bit_offset(&args[2], None, ctx.srv.config.proto_max_bulk_len)?;
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let bit = lookup_str(db, &args[1], now, Access::Read)?.is_some_and(|s| bits::get_bit(s, offset));
    out.int(i64::from(bit));
    Ok(())
}

/// BYTE or BIT (`true` for BIT), else a syntax error.
fn unit(arg: &[u8]) -> Result<bool, CmdError> {
    if is(arg, "bit") {
        Ok(true)
    } else if is(arg, "byte") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

fn bitcount(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    // A missing key answers 0 before the range is even parsed.
    let Some(s) = lookup_str(db, &args[1], now, Access::Read)? else {
        out.int(0);
        return Ok(());
    };
    let range = match args.len() {
        2 => bits::resolve_range(s.len() as u64, 0, -1, false),
        4 | 5 => {
            let (start, end) = (int(&args[2])?, int(&args[3])?);
            if start < 0 && end < 0 && start > end {
                out.int(0);
                return Ok(());
            }
            let in_bits = if args.len() == 5 { unit(&args[4])? } else { false };
            bits::resolve_range(s.len() as u64, start, end, in_bits)
        }
        _ => return Err(CmdError::Syntax),
    };
    out.int(range.map_or(0, |(first, last)| bits::count_range(s, first, last)) as i64);
    Ok(())
}

fn bitpos(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let bit = int(&args[2])?;
    if bit != 0 && bit != 1 {
        return Err(CmdError::text("ERR The bit argument must be 1 or 0."));
    }
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    // A missing key is an endless run of zeros.
    let Some(s) = lookup_str(db, &args[1], now, Access::Read)? else {
        out.int(if bit == 1 { -1 } else { 0 });
        return Ok(());
    };
    let len = s.len() as u64;
    let (range, end_given) = match args.len() {
        3 => (bits::resolve_range(len, 0, -1, false), false),
        4..=6 => {
            let start = int(&args[3])?;
            let in_bits = if args.len() == 6 { unit(&args[5])? } else { false };
            let end = if args.len() >= 5 { int(&args[4])? } else { -1 };
            (bits::resolve_range(len, start, end, in_bits), args.len() >= 5)
        }
        _ => return Err(CmdError::Syntax),
    };
    let pos = match range {
        None => -1,
        Some((first, last)) => match bits::find_bit(s, bit == 1, first, last) {
            Some(p) => p as i64,
            // No clear bit: without an explicit end the string counts as
            // zero-padded on the right, so the answer is the bit after it.
            None if bit == 0 && !end_given => last as i64 + 1,
            None => -1,
        },
    };
    out.int(pos);
    Ok(())
}

fn bitop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let op = match &args[1][..] {
        o if is(o, "and") => BitOp::And,
        o if is(o, "or") => BitOp::Or,
        o if is(o, "xor") => BitOp::Xor,
        o if is(o, "not") => BitOp::Not,
        _ => return Err(CmdError::Syntax),
    };
    if op == BitOp::Not && args.len() != 4 {
        return Err(CmdError::text("ERR BITOP NOT must be called with a single source key."));
    }
    let now = ctx.now();
    let db = ctx.db();
    // First pass: count hits and misses, expire, stop at the first non-string.
    for key in &args[3..] {
        lookup_str(db, key, now, Access::Read)?;
    }
    let result = {
        let srcs: Vec<&[u8]> =
            args[3..].iter().map(|k| db.peek(k).and_then(|e| e.value.as_str()).unwrap_or(b"")).collect();
        bits::bitop(op, &srcs)
    };
    let len = result.len();
    if len > 0 {
        // Redis stores the result as a raw string, whatever its content.
        db.set(&args[2], Value::Raw(Box::new(result)), Ttl::Clear, now);
        ctx.srv.dirty += 1;
    } else if db.remove(&args[2], now).is_some() {
        ctx.srv.dirty += 1;
    }
    ctx.out().int(len as i64);
    Ok(())
}

/// One parsed BITFIELD operation.
#[derive(Clone, Copy)]
struct FieldOp {
    kind: FieldKind,
    offset: u64,
    bits: u32,
    signed: bool,
    /// SET's value or INCRBY's increment.
    value: i64,
    overflow: Overflow,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Get,
    Set,
    IncrBy,
}

/// Redis's `getBitfieldTypeFromArgument`: `i1`..`i64` or `u1`..`u63`.
/// (Redis reads the width with `strlen`, so a NUL byte ends it.)
fn field_type(arg: &[u8]) -> Result<(bool, u32), CmdError> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(BAD_TYPE),
    };
    let digits = &arg[1..];
    let digits = &digits[..digits.iter().position(|&b| b == 0).unwrap_or(digits.len())];
    match parse_i64(digits) {
        Some(n) if n >= 1 && n <= if signed { 64 } else { 63 } => Ok((signed, n as u32)),
        _ => Err(BAD_TYPE),
    }
}

/// Parses BITFIELD's operations as Redis does, all before touching the key.
fn parse_field_ops(args: &[Bytes], max: i64) -> Result<Vec<FieldOp>, CmdError> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 2;
    while j < args.len() {
        let rest = args.len() - j - 1;
        let sub = &args[j][..];
        let kind = if is(sub, "get") && rest >= 2 {
            FieldKind::Get
        } else if is(sub, "set") && rest >= 3 {
            FieldKind::Set
        } else if is(sub, "incrby") && rest >= 3 {
            FieldKind::IncrBy
        } else if is(sub, "overflow") && rest >= 1 {
            let name = &args[j + 1][..];
            overflow = if is(name, "wrap") {
                Overflow::Wrap
            } else if is(name, "sat") {
                Overflow::Sat
            } else if is(name, "fail") {
                Overflow::Fail
            } else {
                return Err(CmdError::text("ERR Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        } else {
            return Err(CmdError::Syntax);
        };
        let (signed, bits) = field_type(&args[j + 1])?;
        let offset = bit_offset(&args[j + 2], Some(bits), max)?;
        let value = if kind == FieldKind::Get { 0 } else { int(&args[j + 3])? };
        ops.push(FieldOp { kind, offset, bits, signed, value, overflow });
        j += if kind == FieldKind::Get { 3 } else { 4 };
    }
    Ok(ops)
}

/// Runs one SET or INCRBY on `s`: replies with the old value (SET) or the
/// new one (INCRBY), or null when OVERFLOW FAIL stops it. Returns whether
/// it wrote (`None`: stopped) a different value.
fn apply_write(s: &mut [u8], op: &FieldOp, out: &mut ReplyWriter) -> Option<bool> {
    let (old, new, reply) = if op.signed {
        let old = bits::get_signed(s, op.offset, op.bits);
        let (value, incr) = if op.kind == FieldKind::IncrBy { (old, op.value) } else { (op.value, 0) };
        let new = match bits::signed_overflow(value, incr, op.bits, op.overflow) {
            Some(_) if op.overflow == Overflow::Fail => {
                out.null();
                return None;
            }
            Some(limit) => limit,
            None => value.wrapping_add(incr),
        };
        let reply = if op.kind == FieldKind::IncrBy { new } else { old };
        (old as u64, new as u64, reply)
    } else {
        let old = bits::get_unsigned(s, op.offset, op.bits);
        let (value, incr) = if op.kind == FieldKind::IncrBy { (old, op.value) } else { (op.value as u64, 0) };
        let new = match bits::unsigned_overflow(value, incr, op.bits, op.overflow) {
            Some(_) if op.overflow == Overflow::Fail => {
                out.null();
                return None;
            }
            Some(limit) => limit,
            None => value.wrapping_add(incr as u64),
        };
        let reply = if op.kind == FieldKind::IncrBy { new } else { old };
        (old, new, reply as i64)
    };
    out.int(reply);
    bits::set_field(s, op.offset, op.bits, new);
    Some(old != new)
}

/// A GET: the field, signed or not, zero-padded past the end of `s`.
fn read_field(s: &[u8], op: &FieldOp) -> i64 {
    if op.signed { bits::get_signed(s, op.offset, op.bits) } else { bits::get_unsigned(s, op.offset, op.bits) as i64 }
}

fn bitfield_generic(ctx: &mut Ctx, args: &[Bytes], readonly_cmd: bool) -> CmdResult {
    let ops = parse_field_ops(args, ctx.srv.config.proto_max_bulk_len)?;
    let now = ctx.now();
    let highest = ops.iter().filter(|op| op.kind != FieldKind::Get).map(|op| op.offset + u64::from(op.bits) - 1).max();
    let Some(highest) = highest else {
        // Only GETs: a read lookup; a missing key reads as zeros.
        let (db, out) = ctx.db_out();
        let s = lookup_str(db, &args[1], now, Access::Read)?.unwrap_or(b"");
        out.array(ops.len());
        for op in &ops {
            out.int(read_field(s, op));
        }
        return Ok(());
    };
    if readonly_cmd {
        return Err(CmdError::text("ERR BITFIELD_RO only supports the GET subcommand"));
    }
    let (db, out) = ctx.db_out();
    let changes = with_string_for_write(db, &args[1], highest, now, |s, grown| {
        out.array(ops.len());
        let mut changes = 0;
        for op in &ops {
            if op.kind == FieldKind::Get {
                out.int(read_field(s, op));
            } else if let Some(changed) = apply_write(s, op, out)
                && (changed || grown)
            {
                changes += 1;
            }
        }
        changes
    })?;
    ctx.srv.dirty += changes;
    Ok(())
}

fn bitfield(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    bitfield_generic(ctx, args, false)
}

fn bitfield_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    bitfield_generic(ctx, args, true)
}
