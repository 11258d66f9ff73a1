//! The RDB writer's encodings, appending to a `Vec<u8>`: lengths, strings
//! (integer-encoded, LZF-compressed or raw, chosen as Redis's
//! `rdbSaveRawString` does), times, doubles, the header with its AUX fields,
//! database selectors, and one key with its value.

use super::format::{self, op, ty};
use super::lzf;
use super::values;
use crate::keyspace::{Entry, Value};
use crate::types::{Hash, Set};
use crate::util::number::parse_i64;

/// Appends an RDB length.
pub fn len(out: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        out.push(n as u8);
    } else if n < 1 << 14 {
        out.push(((n >> 8) as u8) | (format::LEN_14BIT << 6));
        out.push(n as u8);
    } else if n <= u64::from(u32::MAX) {
        out.push(format::LEN_32BIT);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(format::LEN_64BIT);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// Appends `v` in the 8/16/32-bit integer string encoding if it fits.
fn try_int(out: &mut Vec<u8>, v: i64) -> bool {
    let enc = format::LEN_ENCVAL << 6;
    if let Ok(b) = i8::try_from(v) {
        out.extend_from_slice(&[enc | format::ENC_INT8, b as u8]);
    } else if let Ok(h) = i16::try_from(v) {
        out.push(enc | format::ENC_INT16);
        out.extend_from_slice(&h.to_le_bytes());
    } else if let Ok(w) = i32::try_from(v) {
        out.push(enc | format::ENC_INT32);
        out.extend_from_slice(&w.to_le_bytes());
    } else {
        return false;
    }
    true
}

/// Appends a string as Redis does: integer-encoded when it is the canonical
/// form of a 32-bit integer (up to 11 bytes), LZF-compressed when
/// `compress` and longer than 20 bytes and it saves at least 4 bytes,
/// otherwise raw.
pub fn string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11
        && let Some(v) = parse_i64(s)
        && try_int(out, v)
    {
        return;
    }
    if compress && s.len() > 20 && lzf_string(out, s) {
        return;
    }
    len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Appends `s` LZF-compressed if that saves more than 4 bytes.
fn lzf_string(out: &mut Vec<u8>, s: &[u8]) -> bool {
    let start = out.len();
    // Header: encoding byte, compressed length, original length; the
    // compressed length is only known afterwards, so compress first into
    // the tail and move it behind the header.
    let Some(clen) = lzf::compress(s, s.len() - 4, out) else {
        return false;
    };
    let mut header = Vec::with_capacity(11);
    header.push((format::LEN_ENCVAL << 6) | format::ENC_LZF);
    len(&mut header, clen as u64);
    len(&mut header, s.len() as u64);
    out.splice(start..start, header);
    true
}

/// Appends an integer as a string (AUX fields, Redis's
/// `rdbSaveLongLongAsStringObject`).
pub fn int_string(out: &mut Vec<u8>, v: i64) {
    if !try_int(out, v) {
        let s = v.to_string();
        len(out, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
    }
}

/// Appends a double in the binary form of `ZSET_2`.
pub fn binary_double(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// The file header: magic, version, and the AUX fields Redis 7.0 writes.
pub fn header(out: &mut Vec<u8>, ctime_secs: u64, used_mem: u64) {
    header_with(out, ctime_secs, used_mem, false);
}

/// The header; `aof_base`: the file is an AOF base (`aof-base` 1).
pub fn header_with(out: &mut Vec<u8>, ctime_secs: u64, used_mem: u64, aof_base: bool) {
    out.extend_from_slice(format!("REDIS{:04}", format::RDB_VERSION).as_bytes());
    aux(out, b"redis-ver", |o| string(o, crate::server::REDIS_VERSION.as_bytes(), false));
    aux(out, b"redis-bits", |o| int_string(o, usize::BITS as i64));
    aux(out, b"ctime", |o| int_string(o, ctime_secs as i64));
    aux(out, b"used-mem", |o| int_string(o, used_mem as i64));
    aux(out, b"aof-base", |o| int_string(o, i64::from(aof_base)));
}

/// An AUX field with an integer value (`repl-stream-db` of a replica's
/// snapshot).
pub fn aux_int(out: &mut Vec<u8>, key: &[u8], v: i64) {
    aux(out, key, |o| int_string(o, v));
}

/// An AUX field with a string value (`repl-id`).
pub fn aux_str(out: &mut Vec<u8>, key: &[u8], v: &[u8]) {
    aux(out, key, |o| string(o, v, false));
}

fn aux(out: &mut Vec<u8>, key: &[u8], value: impl FnOnce(&mut Vec<u8>)) {
    out.push(op::AUX);
    string(out, key, false);
    value(out);
}

pub fn select_db(out: &mut Vec<u8>, id: usize) {
    out.push(op::SELECTDB);
    len(out, id as u64);
}

pub fn resize_db(out: &mut Vec<u8>, keys: usize, expires: usize) {
    out.push(op::RESIZEDB);
    len(out, keys as u64);
    len(out, expires as u64);
}

/// The end marker (the checksum follows it).
pub fn eof(out: &mut Vec<u8>) {
    out.push(op::EOF);
}

/// The type byte a value is written with: Redis 7.0's for its encoding
/// (quicklist of listpacks, intset, listpack for small hashes and sorted
/// sets).
pub fn value_type(v: &Value) -> u8 {
    match v {
        Value::Str(_) | Value::Embstr(_) | Value::Raw(_) => ty::STRING,
        Value::List(_) => ty::LIST_QUICKLIST_2,
        Value::Set(Set::Ints(_)) => ty::SET_INTSET,
        Value::Set(Set::Table(_)) => ty::SET,
        Value::ZSet(z) if z.is_packed() => ty::ZSET_LISTPACK,
        Value::ZSet(_) => ty::ZSET_2,
        Value::Hash(Hash::Packed(_)) => ty::HASH_LISTPACK,
        Value::Hash(Hash::Table(_)) => ty::HASH,
        Value::Stream(_) => ty::STREAM_LISTPACKS_2,
    }
}

/// Appends a value's body (after its type byte and key).
pub fn value(out: &mut Vec<u8>, v: &Value, compress: bool) {
    match v.as_str() {
        Some(s) => string(out, s, compress),
        None => values::write_collection(out, v, compress),
    }
}

/// Appends one key: its expiry if any, type, key and value. This is the
/// function the fork-free snapshot serializes buckets with.
pub fn entry(out: &mut Vec<u8>, e: &Entry, compress: bool) {
    if let Some(at) = e.expire() {
        out.push(op::EXPIRETIME_MS);
        out.extend_from_slice(&at.to_le_bytes());
    }
    out.push(value_type(&e.value));
    string(out, e.key(), compress);
    value(out, &e.value, compress);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &[u8], compress: bool) -> Vec<u8> {
        let mut out = Vec::new();
        string(&mut out, s, compress);
        out
    }

    #[test]
    fn lengths() {
        let l = |n| {
            let mut o = Vec::new();
            len(&mut o, n);
            o
        };
        assert_eq!(l(0), [0]);
        assert_eq!(l(63), [63]);
        assert_eq!(l(64), [0x40, 64]);
        assert_eq!(l(16383), [0x7f, 0xff]);
        assert_eq!(l(16384), [0x80, 0, 0, 0x40, 0]);
        assert_eq!(l(1 << 32), [0x81, 0, 0, 0, 1, 0, 0, 0, 0]);
    }

    #[test]
    fn strings_as_redis_writes_them() {
        // Compared with Redis 7.0.15's DUMP payloads.
        assert_eq!(enc(b"12345", true), b"\xc190");
        assert_eq!(enc(b"-1", true), b"\xc0\xff");
        assert_eq!(enc(b"123456789012", true), b"\x0c123456789012");
        assert_eq!(enc(b"0123", true), b"\x040123", "not canonical: raw");
        assert_eq!(enc(b"2147483647", true), b"\xc2\xff\xff\xff\x7f");
        assert_eq!(enc(b"2147483648", true), b"\x0a2147483648");
        assert_eq!(enc(&[b'a'; 100], true), b"\xc3\x09\x40\x64\x01aa\xe0W\x00\x01aa");
        assert_eq!(enc(&[b'a'; 100], false)[..2], [0x40, 100]);
        assert_eq!(enc(b"", true), b"\x00");
    }
}
