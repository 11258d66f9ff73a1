//! One chunk of a list: a run of entries packed in a byte buffer, with free
//! space kept at both ends so that pushing and popping at either end of the
//! chunk is O(1) and only inserts in the middle move bytes.
//!
//! Entry layout (listpack's idea, our own code): an encoding byte that gives
//! the type and size, the payload, then the entry's forward length written
//! backwards as 7-bit groups so the entry can also be found from its end.
//! Canonical decimal integers are stored as integers (1 to 9 bytes), strings
//! with a 1, 2, 5 or 9 byte header. A 3-byte string costs 5 bytes, `42`
//! costs 2.
//!
//! Invariants: `start <= end <= buf.len()`; `buf[start..end]` holds exactly
//! `count` well-formed entries. Imports only `util`.

use super::Item;
use crate::util::number::parse_i64;

/// Encodings (first byte of an entry).
const STR6: u8 = 0x80; // 10xxxxxx: string of 0..63 bytes
const INT13: u8 = 0xC0; // 110xxxxx yyyyyyyy: signed 13-bit integer
const STR12: u8 = 0xE0; // 1110xxxx yyyyyyyy: string of up to 4095 bytes
const STR32: u8 = 0xF0; // + u32 LE length
const INT16: u8 = 0xF1;
const INT24: u8 = 0xF2;
const INT32: u8 = 0xF3;
const INT64: u8 = 0xF4;
const STR64: u8 = 0xF5; // + u64 LE length

/// Smallest buffer a chunk allocates.
const MIN_CAP: usize = 16;

/// A value encoded as an entry, ready to be copied into a chunk.
pub(super) struct Encoded<'a> {
    /// The length of the value as a string (what Redis's quicklist sizes
    /// its insert estimate by).
    raw_len: usize,
    head: [u8; 9],
    head_len: u8,
    payload: &'a [u8],
    back: [u8; 10],
    back_len: u8,
}

impl<'a> Encoded<'a> {
    /// Encodes `v`, as an integer if it is a canonical decimal integer.
    pub fn bytes(v: &'a [u8]) -> Encoded<'a> {
        match as_int(v) {
            Some(i) => Encoded::int(i),
            None => Encoded::string(v),
        }
    }

    /// The value's length as a string.
    #[inline]
    pub fn raw_len(&self) -> usize {
        self.raw_len
    }

    pub fn item(item: Item<'a>) -> Encoded<'a> {
        match item {
            Item::Int(i) => Encoded::int(i),
            Item::Bytes(b) => Encoded::bytes(b),
        }
    }

    pub fn int(i: i64) -> Encoded<'static> {
        let mut head = [0u8; 9];
        let head_len = if (0..=127).contains(&i) {
            head[0] = i as u8;
            1
        } else if (-4096..=4095).contains(&i) {
            let raw = (i as u16) & 0x1FFF;
            head[0] = INT13 | (raw >> 8) as u8;
            head[1] = raw as u8;
            2
        } else if i16::try_from(i).is_ok() {
            head[0] = INT16;
            head[1..3].copy_from_slice(&(i as i16).to_le_bytes());
            3
        } else if (-(1 << 23)..(1 << 23)).contains(&i) {
            head[0] = INT24;
            head[1..4].copy_from_slice(&(i as i32).to_le_bytes()[..3]);
            4
        } else if i32::try_from(i).is_ok() {
            head[0] = INT32;
            head[1..5].copy_from_slice(&(i as i32).to_le_bytes());
            5
        } else {
            head[0] = INT64;
            head[1..9].copy_from_slice(&i.to_le_bytes());
            9
        };
        let digits = i.unsigned_abs().checked_ilog10().map_or(1, |d| d as usize + 1);
        Encoded::finish(head, head_len, &[], digits + usize::from(i < 0))
    }

    fn string(v: &'a [u8]) -> Encoded<'a> {
        let n = v.len();
        let mut head = [0u8; 9];
        let head_len = if n < 64 {
            head[0] = STR6 | n as u8;
            1
        } else if n < 4096 {
            head[0] = STR12 | (n >> 8) as u8;
            head[1] = n as u8;
            2
        } else if let Ok(n32) = u32::try_from(n) {
            head[0] = STR32;
            head[1..5].copy_from_slice(&n32.to_le_bytes());
            5
        } else {
            head[0] = STR64;
            head[1..9].copy_from_slice(&(n as u64).to_le_bytes());
            9
        };
        Encoded::finish(head, head_len, v, n)
    }

    fn finish(head: [u8; 9], head_len: usize, payload: &'a [u8], raw_len: usize) -> Encoded<'a> {
        let mut back = [0u8; 10];
        let back_len = write_back(&mut back, head_len + payload.len());
        Encoded { raw_len, head, head_len: head_len as u8, payload, back, back_len: back_len as u8 }
    }

    /// Bytes the entry takes in a chunk.
    #[inline]
    pub fn len(&self) -> usize {
        self.head_len as usize + self.payload.len() + self.back_len as usize
    }

    /// Writes the entry into `dst`, which is exactly `len()` bytes.
    #[inline]
    fn write(&self, dst: &mut [u8]) {
        let (h, p) = (self.head_len as usize, self.payload.len());
        dst[..h].copy_from_slice(&self.head[..h]);
        dst[h..h + p].copy_from_slice(self.payload);
        dst[h + p..].copy_from_slice(&self.back[..self.back_len as usize]);
    }
}

/// `v` as an integer if it is one in canonical form (Redis's rule for
/// storing list elements as integers: `string2ll` accepts it).
#[inline]
pub(super) fn as_int(v: &[u8]) -> Option<i64> {
    match v.first() {
        Some(b'-' | b'0'..=b'9') if v.len() <= 20 => parse_i64(v),
        _ => None,
    }
}

/// Writes `len` as backward 7-bit groups into the end of `out`'s first
/// `n` bytes (`n` returned): the last byte holds the low 7 bits and a flag
/// when more groups precede it.
fn write_back(out: &mut [u8; 10], len: usize) -> usize {
    let mut groups = [0u8; 10];
    let mut n = 0;
    let mut v = len;
    loop {
        groups[n] = (v & 0x7F) as u8;
        v >>= 7;
        n += 1;
        if v == 0 {
            break;
        }
    }
    // groups[0] (low bits) goes last in memory; every group but the highest
    // carries the "more before me" flag.
    for (i, g) in groups[..n].iter().enumerate() {
        out[n - 1 - i] = if i + 1 < n { g | 0x80 } else { *g };
    }
    n
}

/// Size of the backward length of an entry whose forward part is `len`.
#[inline(always)]
fn back_size(len: usize) -> usize {
    if len < 128 {
        return 1;
    }
    let bits = usize::BITS - len.leading_zeros();
    (bits.max(1) as usize).div_ceil(7)
}

/// Decodes the entry at `pos`: the value and the entry's total size.
#[inline(always)]
pub(super) fn decode(buf: &[u8], pos: usize) -> (Item<'_>, usize) {
    let b = buf[pos];
    let (item, fwd) = if b < 0x80 {
        (Item::Int(i64::from(b)), 1)
    } else if b < INT13 {
        let n = usize::from(b & 0x3F);
        (Item::Bytes(&buf[pos + 1..pos + 1 + n]), 1 + n)
    } else if b < STR12 {
        let raw = (u16::from(b & 0x1F) << 8) | u16::from(buf[pos + 1]);
        (Item::Int(i64::from(((raw << 3) as i16) >> 3)), 2)
    } else if b < STR32 {
        let n = (usize::from(b & 0x0F) << 8) | usize::from(buf[pos + 1]);
        (Item::Bytes(&buf[pos + 2..pos + 2 + n]), 2 + n)
    } else {
        let le = |n: usize| {
            let mut w = [0u8; 8];
            w[..n].copy_from_slice(&buf[pos + 1..pos + 1 + n]);
            u64::from_le_bytes(w)
        };
        match b {
            STR32 => {
                let n = le(4) as usize;
                (Item::Bytes(&buf[pos + 5..pos + 5 + n]), 5 + n)
            }
            STR64 => {
                let n = le(8) as usize;
                (Item::Bytes(&buf[pos + 9..pos + 9 + n]), 9 + n)
            }
            INT16 => (Item::Int(i64::from(le(2) as u16 as i16)), 3),
            INT24 => (Item::Int(i64::from(((le(3) as u32) << 8) as i32 >> 8)), 4),
            INT32 => (Item::Int(i64::from(le(4) as u32 as i32)), 5),
            INT64 => (Item::Int(le(8) as i64), 9),
            _ => unreachable!("corrupt list entry encoding {b:#x}"),
        }
    };
    (item, fwd + back_size(fwd))
}

/// Start of the entry that ends at `end`.
#[inline(always)]
pub(super) fn entry_start(buf: &[u8], end: usize) -> usize {
    let mut p = end - 1;
    let mut len = usize::from(buf[p] & 0x7F);
    let mut shift = 7;
    while buf[p] & 0x80 != 0 {
        p -= 1;
        len |= usize::from(buf[p] & 0x7F) << shift;
        shift += 7;
    }
    p - len
}

#[derive(Clone)]
pub(super) struct Chunk {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    count: usize,
}

impl Chunk {
    /// A chunk holding one entry, with its free space on the side that
    /// grows next (`at_head`: the chunk is the list's new head).
    pub fn with(e: &Encoded, at_head: bool) -> Chunk {
        let n = e.len();
        let cap = n.max(MIN_CAP).next_multiple_of(8);
        let mut buf = vec![0u8; cap].into_boxed_slice();
        let start = if at_head { cap - n } else { 0 };
        e.write(&mut buf[start..start + n]);
        Chunk { buf, start, end: start + n, count: 1 }
    }

    pub fn empty() -> Chunk {
        Chunk { buf: Box::default(), start: 0, end: 0, count: 0 }
    }

    #[inline]
    pub fn count(&self) -> usize {
        self.count
    }

    /// Bytes of entries.
    #[inline]
    pub fn used(&self) -> usize {
        self.end - self.start
    }

    #[inline]
    pub fn start(&self) -> usize {
        self.start
    }

    #[inline]
    pub fn end(&self) -> usize {
        self.end
    }

    #[inline]
    pub fn buf(&self) -> &[u8] {
        &self.buf
    }

    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Makes `need` free bytes at `at` (an entry boundary) and returns the
    /// (possibly moved) offset where they start. `limit` caps the capacity
    /// growth (the chunk's byte budget).
    fn open_gap(&mut self, at: usize, need: usize, limit: usize) -> usize {
        let front_gap = self.start;
        let back_gap = self.buf.len() - self.end;
        let before = at - self.start;
        let after = self.end - at;
        // Cheapest: move the smaller side into the gap next to it.
        if front_gap >= need && (before <= after || back_gap < need) {
            self.buf.copy_within(self.start..at, self.start - need);
            self.start -= need;
            return at - need;
        }
        if back_gap >= need {
            self.buf.copy_within(at..self.end, at + need);
            self.end += need;
            return at;
        }
        let used = self.used();
        let free = front_gap + back_gap;
        // Enough room in total, and growing is not allowed or not worth it:
        // re-centre the data around the gap.
        if free >= need && (self.buf.len() >= limit || free >= used / 4) {
            return self.rebuild_in_place(at, need, (free - need) / 2);
        }
        let required = used + need;
        let grown = (self.buf.len() + self.buf.len() / 4).max(required).max(MIN_CAP);
        let cap = grown.min(limit.max(required)).next_multiple_of(8);
        let spare = cap - required;
        // Pushes at an end keep going that way: put the spare room there.
        let lead = if at == self.start {
            spare
        } else if at == self.end {
            0
        } else {
            spare / 2
        };
        let mut buf = vec![0u8; cap].into_boxed_slice();
        buf[lead..lead + before].copy_from_slice(&self.buf[self.start..at]);
        let gap = lead + before;
        buf[gap + need..gap + need + after].copy_from_slice(&self.buf[at..self.end]);
        self.buf = buf;
        self.start = lead;
        self.end = lead + required;
        gap
    }

    /// Moves the data within the buffer so that it starts at `lead` with a
    /// gap of `need` bytes at `at`. Returns the gap's offset.
    fn rebuild_in_place(&mut self, at: usize, need: usize, lead: usize) -> usize {
        let (before, after) = (at - self.start, self.end - at);
        let new_at = lead + before;
        // Move the tail part first or last depending on the direction so
        // that neither copy overwrites bytes not yet moved.
        if lead <= self.start {
            self.buf.copy_within(self.start..at, lead);
            self.buf.copy_within(at..self.end, new_at + need);
        } else {
            self.buf.copy_within(at..self.end, new_at + need);
            self.buf.copy_within(self.start..at, lead);
        }
        self.start = lead;
        self.end = new_at + need + after;
        new_at
    }

    /// Inserts an entry at byte offset `at` (an entry boundary).
    pub fn insert(&mut self, at: usize, e: &Encoded, limit: usize) {
        let n = e.len();
        let pos = self.open_gap(at, n, limit);
        e.write(&mut self.buf[pos..pos + n]);
        self.count += 1;
    }

    /// Makes sure `extra` free bytes follow (or, `at_head`, precede) the
    /// entries, growing the buffer to the exact size needed: a push of many
    /// elements allocates once, with no spare room.
    pub fn reserve(&mut self, at_head: bool, extra: usize) {
        let (front, back) = (self.start, self.buf.len() - self.end);
        if (at_head && front >= extra) || (!at_head && back >= extra) {
            return;
        }
        let used = self.used();
        let cap = if front + back >= extra { self.buf.len() } else { (used + extra).max(MIN_CAP).next_multiple_of(8) };
        let lead = if at_head { cap - used } else { 0 };
        if cap == self.buf.len() {
            self.buf.copy_within(self.start..self.end, lead);
        } else {
            let mut buf = vec![0u8; cap].into_boxed_slice();
            buf[lead..lead + used].copy_from_slice(&self.buf[self.start..self.end]);
            self.buf = buf;
        }
        self.start = lead;
        self.end = lead + used;
    }

    #[inline]
    pub fn push_front(&mut self, e: &Encoded, limit: usize) {
        let n = e.len();
        if self.start >= n {
            self.start -= n;
            e.write(&mut self.buf[self.start..self.start + n]);
            self.count += 1;
        } else {
            self.insert(self.start, e, limit);
        }
    }

    #[inline]
    pub fn push_back(&mut self, e: &Encoded, limit: usize) {
        let n = e.len();
        if self.buf.len() - self.end >= n {
            e.write(&mut self.buf[self.end..self.end + n]);
            self.end += n;
            self.count += 1;
        } else {
            self.insert(self.end, e, limit);
        }
    }

    /// Removes `len` bytes holding `k` entries at `at`. Returns the offset
    /// where the entries after them now start.
    pub fn remove(&mut self, at: usize, len: usize, k: usize) -> usize {
        let boundary = if at - self.start <= self.end - (at + len) {
            self.buf.copy_within(self.start..at, self.start + len);
            self.start += len;
            at + len
        } else {
            self.buf.copy_within(at + len..self.end, at);
            self.end -= len;
            at
        };
        self.count -= k;
        if self.count == 0 {
            *self = Chunk::empty();
            return 0;
        }
        boundary
    }

    /// Drops the first entry (of `size` bytes).
    #[inline]
    pub fn drop_front(&mut self, size: usize) {
        self.start += size;
        self.count -= 1;
        self.maybe_shrink();
    }

    /// Drops the last entry, which starts at `at`.
    #[inline]
    pub fn drop_back(&mut self, at: usize) {
        self.end = at;
        self.count -= 1;
        self.maybe_shrink();
    }

    /// Releases most of a buffer that has become mostly free.
    #[inline]
    fn maybe_shrink(&mut self) {
        if self.count == 0 {
            *self = Chunk::empty();
        } else if self.buf.len() > 256 && self.used() < self.buf.len() / 4 {
            self.reallocate(self.used() * 2);
        }
    }

    /// Copies the data into a fresh buffer of `cap` bytes, centred.
    fn reallocate(&mut self, cap: usize) {
        let used = self.used();
        let cap = cap.max(used).max(MIN_CAP).next_multiple_of(8);
        let lead = (cap - used) / 2;
        let mut buf = vec![0u8; cap].into_boxed_slice();
        buf[lead..lead + used].copy_from_slice(&self.buf[self.start..self.end]);
        self.buf = buf;
        self.start = lead;
        self.end = lead + used;
    }

    /// After removals in the middle: give back a mostly empty buffer.
    pub fn compact(&mut self) {
        if self.count == 0 {
            *self = Chunk::empty();
        } else if self.buf.len() > 64 && self.used() < self.buf.len() / 2 {
            self.reallocate(self.used() + self.used() / 4);
        }
    }

    /// Splits off the entries from byte offset `at` into a new chunk.
    pub fn split_off(&mut self, at: usize) -> Chunk {
        let tail = &self.buf[at..self.end];
        let mut k = 0;
        let mut p = 0;
        while p < tail.len() {
            p += decode(tail, p).1;
            k += 1;
        }
        let mut buf = vec![0u8; tail.len().max(MIN_CAP).next_multiple_of(8)].into_boxed_slice();
        buf[..tail.len()].copy_from_slice(tail);
        let right = Chunk { buf, start: 0, end: tail.len(), count: k };
        self.end = at;
        self.count -= k;
        self.compact();
        right
    }

    /// Appends all of `other`'s entries.
    pub fn append(&mut self, other: &Chunk, limit: usize) {
        let n = other.used();
        let at = self.end;
        let pos = self.open_gap(at, n, limit);
        self.buf[pos..pos + n].copy_from_slice(&other.buf[other.start..other.end]);
        self.count += other.count;
    }

    /// Overwrites the entry at `at`, of the same size as `e`.
    pub fn overwrite(&mut self, at: usize, e: &Encoded) {
        e.write(&mut self.buf[at..at + e.len()]);
    }

    /// Removes, scanning from the front, entries for which `hit` is true,
    /// at most `limit` of them. Returns how many were removed.
    pub fn retain_front(&mut self, limit: usize, mut hit: impl FnMut(Item<'_>) -> bool) -> usize {
        let (mut read, mut write, mut removed) = (self.start, self.start, 0);
        while read < self.end && removed < limit {
            let (item, size) = decode(&self.buf, read);
            if hit(item) {
                removed += 1;
            } else {
                if write != read {
                    self.buf.copy_within(read..read + size, write);
                }
                write += size;
            }
            read += size;
        }
        if removed > 0 {
            self.buf.copy_within(read..self.end, write);
            self.end -= read - write;
            self.count -= removed;
        }
        removed
    }

    /// As `retain_front`, scanning from the back.
    pub fn retain_back(&mut self, limit: usize, mut hit: impl FnMut(Item<'_>) -> bool) -> usize {
        let (mut read, mut write, mut removed) = (self.end, self.end, 0);
        while read > self.start && removed < limit {
            let at = entry_start(&self.buf, read);
            let size = read - at;
            if hit(decode(&self.buf, at).0) {
                removed += 1;
            } else {
                if write != read {
                    self.buf.copy_within(at..read, write - size);
                }
                write -= size;
            }
            read = at;
        }
        if removed > 0 {
            self.buf.copy_within(self.start..read, self.start + (write - read));
            self.start += write - read;
            self.count -= removed;
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip_in_every_width() {
        let cases = [
            0i64,
            1,
            127,
            128,
            -1,
            -4096,
            4095,
            4096,
            -4097,
            32767,
            -32768,
            32768,
            (1 << 23) - 1,
            -(1 << 23),
            1 << 23,
            i32::MAX as i64,
            i32::MIN as i64,
            i32::MAX as i64 + 1,
            i64::MAX,
            i64::MIN,
        ];
        for v in cases {
            let e = Encoded::int(v);
            let mut buf = vec![0u8; e.len()];
            e.write(&mut buf);
            assert_eq!(decode(&buf, 0), (Item::Int(v), e.len()), "{v}");
            assert_eq!(entry_start(&buf, buf.len()), 0, "{v}");
        }
        assert_eq!(Encoded::int(5).len(), 2);
        assert_eq!(Encoded::int(1000).len(), 3);
    }

    #[test]
    fn strings_round_trip_and_integers_are_canonical_only() {
        for n in [0usize, 1, 63, 64, 126, 127, 128, 4095, 4096, 20000] {
            let s = vec![b'x'; n];
            let e = Encoded::bytes(&s);
            let mut buf = vec![0u8; e.len()];
            e.write(&mut buf);
            assert_eq!(decode(&buf, 0), (Item::Bytes(&s), e.len()), "{n}");
            assert_eq!(entry_start(&buf, buf.len()), 0, "{n}");
        }
        for s in ["007", "-0", "+1", " 1", "1 ", "99999999999999999999", ""] {
            assert_eq!(as_int(s.as_bytes()), None, "{s}");
        }
        assert_eq!(as_int(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(Encoded::bytes(b"xxx").len(), 5);
    }

    #[test]
    fn gap_moves_keep_entries() {
        let mut c = Chunk::with(&Encoded::bytes(b"m"), true);
        for i in 0..200 {
            let s = format!("v{i}");
            if i % 3 == 0 {
                c.push_front(&Encoded::bytes(s.as_bytes()), 1 << 16);
            } else {
                c.push_back(&Encoded::bytes(s.as_bytes()), 1 << 16);
            }
        }
        let mut p = c.start();
        let mut n = 0;
        while p < c.end() {
            p += decode(c.buf(), p).1;
            n += 1;
        }
        assert_eq!(n, 201);
        assert_eq!(n, c.count());
    }
}
