//! `Listpack`: Redis's listpack idea in safe Rust. Small hashes and sorted
//! sets keep their entries packed back to back in one exact-size heap block:
//! a 2-byte entry count, then each entry as a header byte plus payload.
//! Integers are stored as integers (as Redis does), so `"12345"` takes 3
//! bytes; a string takes its length plus one header byte (two above 127).
//!
//! Entry headers:
//! - `0x00..=0x7F`: string of that length follows
//! - `0x80..=0xBF`: string of length `128 + ((h & 0x3F) << 8 | next byte)`
//! - `0xC0..=0xDF`: the integer `h - 0xC0` (0..=31), no payload
//! - `0xE0`/`0xE1`/`0xE2`/`0xE3`: i8/i16/i32/i64 little endian
//! - `0xE4`: f64 little endian (sorted-set scores that are not integers)
//! - `0xF0`: string with a u32 little-endian length
//!
//! Only canonical integers (`util::number::parse_i64` accepts exactly the
//! strings that print back identically) are stored as integers, so every
//! entry reads back byte for byte as it was written. Lookups are linear,
//! which is what the size thresholds are for. Imports only `util`.

use std::cmp::Ordering;

use super::compact::CompactBytes;
use crate::util::number::{format_i64, parse_i64};

/// An element read from a compact encoding: a string, or an integer that
/// was stored as one (it reads back as its decimal digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem<'a> {
    Str(&'a [u8]),
    Int(i64),
}

impl<'a> Elem<'a> {
    /// The element's bytes: borrowed, or an integer printed into `buf`.
    #[inline]
    pub fn bytes<'b>(&self, buf: &'b mut [u8; 20]) -> &'b [u8]
    where
        'a: 'b,
    {
        match *self {
            Elem::Str(s) => s,
            Elem::Int(i) => format_i64(buf, i),
        }
    }

    /// Length of the string form.
    pub fn len(&self) -> usize {
        match *self {
            Elem::Str(s) => s.len(),
            Elem::Int(i) => {
                let mut buf = [0u8; 20];
                format_i64(&mut buf, i).len()
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Elem::Str(s) if s.is_empty())
    }

    pub fn to_compact(&self) -> CompactBytes {
        let mut buf = [0u8; 20];
        CompactBytes::new(self.bytes(&mut buf))
    }

    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = [0u8; 20];
        self.bytes(&mut buf).to_vec()
    }

    /// Byte-wise comparison with `other` (memcmp order, as Redis sorts members).
    pub fn cmp_bytes(&self, other: &[u8]) -> Ordering {
        let mut buf = [0u8; 20];
        self.bytes(&mut buf).cmp(other)
    }

    /// Does the element equal `key`, given `key`'s integer reading?
    #[inline]
    fn matches(&self, key: &[u8], key_int: Option<i64>) -> bool {
        match (*self, key_int) {
            (Elem::Str(s), None) => s == key,
            (Elem::Int(i), Some(k)) => i == k,
            _ => false,
        }
    }
}

/// A value to write as an entry.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Bytes(&'a [u8]),
    Int(i64),
    /// A sorted-set score: integral values are stored as integers.
    Score(f64),
}

impl<'a> From<Elem<'a>> for Item<'a> {
    fn from(e: Elem<'a>) -> Item<'a> {
        match e {
            Elem::Str(s) => Item::Bytes(s),
            Elem::Int(i) => Item::Int(i),
        }
    }
}

/// An entry as decoded: strings and integers are elements, floats are scores.
#[derive(Debug, Clone, Copy)]
enum Raw<'a> {
    Str(&'a [u8]),
    Int(i64),
    Float(f64),
}

impl<'a> Raw<'a> {
    #[inline]
    fn elem(self) -> Elem<'a> {
        match self {
            Raw::Str(s) => Elem::Str(s),
            Raw::Int(i) => Elem::Int(i),
            Raw::Float(f) => unreachable!("float entry {f} where an element was expected"),
        }
    }

    #[inline]
    fn score(self) -> f64 {
        match self {
            Raw::Int(i) => i as f64,
            Raw::Float(f) => f,
            Raw::Str(_) => unreachable!("string entry where a score was expected"),
        }
    }
}

/// Largest integral score stored as an integer, as Redis's `double2ll`
/// decides (`LLONG_MAX / 2`); every integral double up to it converts to
/// `i64` and back exactly.
const MAX_EXACT: f64 = (i64::MAX / 2) as f64;

fn normalize(item: Item<'_>) -> Item<'_> {
    match item {
        Item::Bytes(b) if b.len() <= 20 => match parse_i64(b) {
            Some(i) => Item::Int(i),
            None => item,
        },
        // As in Redis, `-0` becomes the integer 0 in a listpack.
        Item::Score(f) if f.fract() == 0.0 && f.abs() <= MAX_EXACT => Item::Int(f as i64),
        _ => item,
    }
}

fn encoded_size(item: Item<'_>) -> usize {
    match normalize(item) {
        Item::Bytes(b) => {
            b.len()
                + match b.len() {
                    0..=127 => 1,
                    128..=16511 => 2,
                    _ => 5,
                }
        }
        Item::Int(i) => match i {
            0..=31 => 1,
            -128..=127 => 2,
            -32768..=32767 => 3,
            -2147483648..=2147483647 => 5,
            _ => 9,
        },
        Item::Score(_) => 9,
    }
}

/// Writes `item` at the start of `out`; returns the bytes written.
fn write_item(item: Item<'_>, out: &mut [u8]) -> usize {
    match normalize(item) {
        Item::Bytes(b) => {
            let h = match b.len() {
                0..=127 => {
                    out[0] = b.len() as u8;
                    1
                }
                128..=16511 => {
                    let l = b.len() - 128;
                    out[0] = 0x80 | (l >> 8) as u8;
                    out[1] = l as u8;
                    2
                }
                _ => {
                    out[0] = 0xF0;
                    out[1..5].copy_from_slice(&(b.len() as u32).to_le_bytes());
                    5
                }
            };
            out[h..h + b.len()].copy_from_slice(b);
            h + b.len()
        }
        Item::Int(i) => match i {
            0..=31 => {
                out[0] = 0xC0 + i as u8;
                1
            }
            -128..=127 => {
                out[0] = 0xE0;
                out[1] = i as i8 as u8;
                2
            }
            -32768..=32767 => {
                out[0] = 0xE1;
                out[1..3].copy_from_slice(&(i as i16).to_le_bytes());
                3
            }
            -2147483648..=2147483647 => {
                out[0] = 0xE2;
                out[1..5].copy_from_slice(&(i as i32).to_le_bytes());
                5
            }
            _ => {
                out[0] = 0xE3;
                out[1..9].copy_from_slice(&i.to_le_bytes());
                9
            }
        },
        Item::Score(f) => {
            out[0] = 0xE4;
            out[1..9].copy_from_slice(&f.to_le_bytes());
            9
        }
    }
}

/// Decodes the entry at `off`; returns it and the offset of the next one.
#[inline]
fn decode(buf: &[u8], off: usize) -> (Raw<'_>, usize) {
    let h = buf[off];
    let p = off + 1;
    let le = |n: usize| {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&buf[p..p + n]);
        b
    };
    match h {
        0x00..=0x7F => {
            let end = p + h as usize;
            (Raw::Str(&buf[p..end]), end)
        }
        0x80..=0xBF => {
            let len = 128 + (((h & 0x3F) as usize) << 8 | buf[p] as usize);
            (Raw::Str(&buf[p + 1..p + 1 + len]), p + 1 + len)
        }
        0xC0..=0xDF => (Raw::Int((h - 0xC0) as i64), p),
        0xE0 => (Raw::Int(buf[p] as i8 as i64), p + 1),
        0xE1 => (Raw::Int(i16::from_le_bytes([buf[p], buf[p + 1]]) as i64), p + 2),
        0xE2 => {
            let b = le(4);
            (Raw::Int(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64), p + 4)
        }
        0xE3 => (Raw::Int(i64::from_le_bytes(le(8))), p + 8),
        0xE4 => (Raw::Float(f64::from_le_bytes(le(8))), p + 8),
        0xF0 => {
            let b = le(4);
            let len = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
            (Raw::Str(&buf[p + 4..p + 4 + len]), p + 4 + len)
        }
        _ => unreachable!("corrupt listpack header {h:#x}"),
    }
}

/// Entries packed in one exact-size block (see the module docs).
#[derive(Clone, Default)]
pub struct Listpack {
    buf: Box<[u8]>,
}

const HEADER: usize = 2;
const COUNT_UNKNOWN: u16 = u16::MAX;

impl Listpack {
    pub fn new() -> Listpack {
        Listpack { buf: Box::default() }
    }

    /// Number of entries.
    pub fn count(&self) -> usize {
        if self.buf.len() < HEADER {
            return 0;
        }
        let c = u16::from_le_bytes([self.buf[0], self.buf[1]]);
        if c != COUNT_UNKNOWN {
            return c as usize;
        }
        let mut n = 0;
        let mut off = HEADER;
        while off < self.buf.len() {
            off = decode(&self.buf, off).1;
            n += 1;
        }
        n
    }

    fn set_count(v: &mut [u8], n: usize) {
        let c = if n >= COUNT_UNKNOWN as usize { COUNT_UNKNOWN } else { n as u16 };
        v[..HEADER].copy_from_slice(&c.to_le_bytes());
    }

    /// Bytes of the block.
    pub fn bytes_len(&self) -> usize {
        self.buf.len()
    }

    /// Offset of the first entry.
    #[inline]
    pub fn first(&self) -> usize {
        HEADER
    }

    /// Offset one past the last entry.
    #[inline]
    pub fn end(&self) -> usize {
        self.buf.len().max(HEADER)
    }

    /// The element at `off` and the offset of the next entry.
    #[inline]
    pub fn elem_at(&self, off: usize) -> (Elem<'_>, usize) {
        let (r, next) = decode(&self.buf, off);
        (r.elem(), next)
    }

    /// The score at `off` and the offset of the next entry.
    #[inline]
    pub fn score_at(&self, off: usize) -> (f64, usize) {
        let (r, next) = decode(&self.buf, off);
        (r.score(), next)
    }

    /// Offset of the entry after the one at `off`.
    #[inline]
    pub fn skip(&self, off: usize) -> usize {
        decode(&self.buf, off).1
    }

    /// Offsets of entries `0, step, 2*step …` (the keys of pairs when `step`
    /// is 2).
    pub fn offsets(&self, step: usize) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.count() / step.max(1));
        let mut off = HEADER;
        let mut i = 0;
        let end = self.end();
        while off < end {
            if i % step == 0 {
                out.push(off as u32);
            }
            off = self.skip(off);
            i += 1;
        }
        out
    }

    /// Finds `key` among entries `0, step, 2*step …`; returns its offset.
    pub fn find(&self, key: &[u8], step: usize) -> Option<usize> {
        let key_int = if key.len() <= 20 { parse_i64(key) } else { None };
        let mut off = HEADER;
        let end = self.end();
        while off < end {
            let (r, mut next) = decode(&self.buf, off);
            if let Raw::Str(_) | Raw::Int(_) = r
                && r.elem().matches(key, key_int)
            {
                return Some(off);
            }
            for _ in 1..step {
                next = self.skip(next);
            }
            off = next;
        }
        None
    }

    /// Replaces the entries in `start..end` (byte offsets at entry
    /// boundaries, `removed` entries) with `items`.
    pub fn splice(&mut self, start: usize, end: usize, removed: usize, items: &[Item<'_>]) {
        let count = self.count() - removed + items.len();
        let ins: usize = items.iter().map(|&i| encoded_size(i)).sum();
        let mut v = std::mem::take(&mut self.buf).into_vec();
        if v.len() < HEADER {
            v.resize(HEADER, 0);
        }
        let (start, end) = (start.max(HEADER), end.max(HEADER));
        let old_len = v.len();
        let gone = end - start;
        if ins > gone {
            let grow = ins - gone;
            v.reserve_exact(grow);
            v.resize(old_len + grow, 0);
            v.copy_within(end..old_len, end + grow);
        } else if ins < gone {
            let shrink = gone - ins;
            v.copy_within(end..old_len, end - shrink);
            v.truncate(old_len - shrink);
        }
        let mut w = start;
        for &it in items {
            w += write_item(it, &mut v[w..]);
        }
        if count == 0 {
            self.buf = Box::default();
            return;
        }
        Self::set_count(&mut v, count);
        self.buf = v.into_boxed_slice();
    }

    /// Appends entries at the end.
    pub fn push(&mut self, items: &[Item<'_>]) {
        let end = self.end();
        self.splice(end, end, 0, items);
    }

    /// Iterates the entries as elements (hash fields and values).
    pub fn elems(&self) -> Elems<'_> {
        Elems { lp: self, off: HEADER }
    }

    /// Iterates (element, score) pairs of a sorted set.
    pub fn scored(&self) -> Scored<'_> {
        Scored { lp: self, off: HEADER }
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        self.buf.len()
    }
}

/// Iterator over every entry as an element.
pub struct Elems<'a> {
    lp: &'a Listpack,
    off: usize,
}

impl<'a> Iterator for Elems<'a> {
    type Item = Elem<'a>;
    #[inline]
    fn next(&mut self) -> Option<Elem<'a>> {
        if self.off >= self.lp.buf.len() {
            return None;
        }
        let (r, next) = decode(&self.lp.buf, self.off);
        self.off = next;
        Some(r.elem())
    }
}

/// Iterator over (member, score) entry pairs.
pub struct Scored<'a> {
    lp: &'a Listpack,
    off: usize,
}

impl<'a> Scored<'a> {
    /// Offset of the next pair.
    pub fn offset(&self) -> usize {
        self.off
    }
}

impl<'a> Iterator for Scored<'a> {
    type Item = (Elem<'a>, f64);
    #[inline]
    fn next(&mut self) -> Option<(Elem<'a>, f64)> {
        if self.off >= self.lp.buf.len() {
            return None;
        }
        let (m, next) = decode(&self.lp.buf, self.off);
        let (s, next) = decode(&self.lp.buf, next);
        self.off = next;
        Some((m.elem(), s.score()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(lp: &Listpack) -> Vec<Vec<u8>> {
        lp.elems().map(|e| e.to_vec()).collect()
    }

    #[test]
    fn round_trips_every_encoding() {
        let long = vec![b'x'; 200];
        let huge = vec![b'y'; 20000];
        let values: Vec<&[u8]> = vec![
            b"",
            b"a",
            b"0",
            b"31",
            b"32",
            b"-1",
            b"-128",
            b"200",
            b"-40000",
            b"3000000000",
            b"-9223372036854775808",
            b"9223372036854775807",
            b"012",
            b"-0",
            b"+1",
            b"1.5",
            &long,
            &huge,
        ];
        let mut lp = Listpack::new();
        for v in &values {
            lp.push(&[Item::Bytes(v)]);
        }
        assert_eq!(lp.count(), values.len());
        assert_eq!(strings(&lp), values.iter().map(|v| v.to_vec()).collect::<Vec<_>>());
        assert!(matches!(lp.elem_at(lp.find(b"3000000000", 1).unwrap()).0, Elem::Int(3000000000)));
        assert!(matches!(lp.elem_at(lp.find(b"012", 1).unwrap()).0, Elem::Str(b"012")));
        assert!(lp.find(b"12", 1).is_none());
    }

    #[test]
    fn scores_keep_precision_and_lose_negative_zero() {
        let mut lp = Listpack::new();
        let scores = [-0.0, 0.0, 1.5, 3.0, -7.0, 1e300, f64::INFINITY, 9007199254740994.0, 4e18, 5e18];
        for (i, s) in scores.iter().enumerate() {
            lp.push(&[Item::Bytes(format!("m{i}").as_bytes()), Item::Score(*s)]);
        }
        let back: Vec<f64> = lp.scored().map(|(_, s)| s).collect();
        assert!(back[0] == 0.0 && back[0].is_sign_positive(), "-0 is stored as the integer 0, as in Redis");
        assert_eq!(&back[1..], &scores[1..]);
    }

    #[test]
    fn splice_replaces_and_removes() {
        let mut lp = Listpack::new();
        lp.push(&[Item::Bytes(b"f1"), Item::Bytes(b"v1"), Item::Bytes(b"f2"), Item::Bytes(b"v2")]);
        let f1 = lp.find(b"f1", 2).unwrap();
        let v1 = lp.skip(f1);
        let after = lp.skip(v1);
        lp.splice(v1, after, 1, &[Item::Bytes(b"a much longer value")]);
        assert_eq!(strings(&lp), vec![b"f1".to_vec(), b"a much longer value".to_vec(), b"f2".to_vec(), b"v2".to_vec()]);
        let f2 = lp.find(b"f2", 2).unwrap();
        assert!(lp.find(b"v2", 2).is_none(), "values are not keys");
        let end = lp.skip(lp.skip(f2));
        lp.splice(f2, end, 2, &[]);
        assert_eq!(lp.count(), 2);
        let end = lp.end();
        lp.splice(lp.first(), end, 2, &[]);
        assert_eq!(lp.count(), 0);
        assert_eq!(lp.heap_size(), 0);
    }
}
