//! The list value type: Redis's quicklist idea in safe Rust. A list is a
//! deque of chunks, each a run of packed entries (see `chunk`), so pushing
//! and popping at either end is O(1) and a long list of short items costs a
//! few bytes per item. Chunks are bounded by `list-max-listpack-size` read
//! when the list is created (Redis's `fill`: negative, a byte budget of
//! 4 KiB·2^(-fill-1) up to 64 KiB; positive, an entry count within 8 KiB);
//! an element larger than the budget gets a chunk of its own.
//!
//! Index-based operations (LINDEX, LSET, LINSERT, LRANGE's start) walk the
//! chunk counts from the nearer end, then the entries of one chunk: O(chunks
//! + chunk size), as Redis's quicklist.
//!
//! Invariants: no chunk is empty; `len` is the sum of the chunk counts;
//! every entry is stored in its canonical encoding (a canonical decimal
//! integer as an integer), so equal elements have equal encodings.
//! Pure data structure: no RESP, no keyspace; imports only `util`.

mod chunk;

use std::collections::VecDeque;
use std::fmt;

use crate::util::number::format_i64;
use chunk::{Chunk, Encoded, decode, entry_start};

/// Redis's default `list-max-listpack-size`: 8 KiB per chunk.
pub const DEFAULT_FILL: i32 = -2;
/// Byte budget of a chunk whose fill is a count (Redis's `SIZE_SAFETY_LIMIT`).
const SAFETY_LIMIT: usize = 8192;
/// Redis's `FILL_MAX`.
const FILL_MAX: i32 = (1 << 15) - 1;

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Head,
    Tail,
}

/// An element as stored: bytes, or an integer whose canonical decimal text
/// is the element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item<'a> {
    Bytes(&'a [u8]),
    Int(i64),
}

impl Item<'_> {
    /// Calls `f` with the element's bytes (an integer is formatted on the
    /// stack, without allocating).
    #[inline]
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Item::Bytes(b) => f(b),
            Item::Int(i) => {
                let mut buf = [0u8; 20];
                f(format_i64(&mut buf, i))
            }
        }
    }

    pub fn to_vec(self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }

    pub fn to_element(self) -> Element {
        match self {
            Item::Bytes(b) => Element::Bytes(b.to_vec()),
            Item::Int(i) => Element::Int(i),
        }
    }
}

/// An element taken out of a list (LMOVE carries it to another list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    Bytes(Vec<u8>),
    Int(i64),
}

impl Element {
    pub fn as_item(&self) -> Item<'_> {
        match self {
            Element::Bytes(b) => Item::Bytes(b),
            Element::Int(i) => Item::Int(*i),
        }
    }
}

/// A value compared with elements (LREM, LINSERT, LPOS). Integer entries
/// compare by value, as they are canonical.
pub struct Needle<'a> {
    bytes: &'a [u8],
    int: Option<i64>,
}

impl<'a> Needle<'a> {
    pub fn new(bytes: &'a [u8]) -> Needle<'a> {
        Needle { bytes, int: chunk::as_int(bytes) }
    }

    #[inline]
    pub fn matches(&self, item: Item<'_>) -> bool {
        match item {
            Item::Int(i) => self.int == Some(i),
            Item::Bytes(b) => b == self.bytes,
        }
    }
}

#[derive(Clone)]
pub struct List {
    chunks: VecDeque<Chunk>,
    len: usize,
    /// Redis's quicklist `fill`, clamped to -5..=32767.
    fill: i16,
}

impl Default for List {
    fn default() -> List {
        List::new(DEFAULT_FILL)
    }
}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(|i| String::from_utf8_lossy(&i.to_vec()).into_owned())).finish()
    }
}

/// May a chunk take one more entry (Redis's `_quicklistNodeAllowInsert`)?
/// An empty chunk takes anything.
#[inline]
fn allows(fill: i16, c: &Chunk, e: &Encoded) -> bool {
    fits(fill, c.count(), estimate(c.used(), e.raw_len()))
}

/// May two neighbouring chunks merge (`_quicklistNodeAllowMerge`: the
/// two listpacks less one header and terminator)?
fn allows_merge(fill: i16, a: &Chunk, b: &Chunk) -> bool {
    let merged = a.used() + b.used() + 3;
    if fill < 0 { merged <= byte_limit(fill) } else { merged <= SAFETY_LIMIT && a.count() + b.count() <= fill as usize }
}

/// Redis's estimate of a quicklist node's size after one more entry of a
/// `raw_len`-byte value, for a node whose entries take `used` bytes: the
/// listpack (entries plus its 7 bytes of header and terminator), the
/// value's length and `SIZE_ESTIMATE_OVERHEAD`. Deciding as Redis does
/// gives the same node boundaries, so the RDB and DUMP bytes match.
#[inline]
fn estimate(used: usize, raw_len: usize) -> usize {
    used + 7 + raw_len + 8
}

/// The rule of `allows` for a chunk of `count` entries that would grow to
/// `new_size` bytes with one more.
#[inline]
fn fits(fill: i16, count: usize, new_size: usize) -> bool {
    if count == 0 {
        return true;
    }
    if fill < 0 { new_size <= byte_limit(fill) } else { new_size <= SAFETY_LIMIT && count < fill as usize }
}

/// The byte budget of a chunk.
#[inline]
fn byte_limit(fill: i16) -> usize {
    if fill < 0 { 4096 << (-(fill as i32) - 1).min(4) } else { SAFETY_LIMIT }
}

/// Byte offset of the `i`-th entry of a chunk, walking from its nearer end.
fn offset_in(c: &Chunk, i: usize) -> usize {
    let buf = c.buf();
    if i < c.count() / 2 {
        let mut p = c.start();
        for _ in 0..i {
            p += decode(buf, p).1;
        }
        p
    } else {
        let mut p = c.end();
        for _ in i..c.count() {
            p = entry_start(buf, p);
        }
        p
    }
}

impl List {
    /// An empty list whose chunks follow `fill` (`list-max-listpack-size`).
    pub fn new(fill: i32) -> List {
        List { chunks: VecDeque::with_capacity(1), len: 0, fill: fill.clamp(-5, FILL_MAX) as i16 }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The name OBJECT ENCODING reports: Redis 7.0 keeps every list in a
    /// quicklist, whatever its size.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Heap bytes owned: the chunk table and the chunk buffers.
    pub fn heap_size(&self) -> usize {
        std::mem::size_of::<List>()
            + self.chunks.capacity() * std::mem::size_of::<Chunk>()
            + self.chunks.iter().map(Chunk::capacity).sum::<usize>()
    }

    /// Number of chunks (Redis's quicklist nodes).
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Each chunk's entry count and entry bytes, head first. The entries
    /// are encoded as listpack elements are, so these are the bodies of
    /// Redis's quicklist node listpacks (for the RDB writer).
    pub fn chunk_entries(&self) -> impl Iterator<Item = (usize, &[u8])> {
        self.chunks.iter().map(|c| (c.count(), &c.buf()[c.start()..c.end()]))
    }

    #[inline]
    fn limit(&self) -> usize {
        byte_limit(self.fill)
    }

    /// Pushes `v` at `end`.
    #[inline]
    pub fn push(&mut self, end: End, v: &[u8]) {
        self.push_encoded(end, &Encoded::bytes(v));
    }

    /// Pushes `values` one after the other at `end` (LPUSH a b c leaves
    /// `c` at the head), growing each chunk once to the exact size needed.
    pub fn push_many<V: AsRef<[u8]>>(&mut self, end: End, values: &[V]) {
        if let [v] = values {
            return self.push(end, v.as_ref());
        }
        let (fill, limit) = (self.fill, self.limit());
        let mut i = 0;
        while i < values.len() {
            let first = Encoded::bytes(values[i].as_ref());
            let full = match end {
                End::Head => self.chunks.front(),
                End::Tail => self.chunks.back(),
            }
            .is_none_or(|c| !allows(fill, c, &first));
            if full {
                match end {
                    End::Head => self.chunks.push_front(Chunk::empty()),
                    End::Tail => self.chunks.push_back(Chunk::empty()),
                }
            }
            let c = match end {
                End::Head => self.chunks.front_mut(),
                End::Tail => self.chunks.back_mut(),
            }
            .expect("an end chunk");
            let (mut k, mut bytes) = (0, 0);
            for v in &values[i..] {
                let e = Encoded::bytes(v.as_ref());
                if !fits(fill, c.count() + k, estimate(c.used() + bytes, e.raw_len())) {
                    break;
                }
                bytes += e.len();
                k += 1;
            }
            c.reserve(end == End::Head, bytes);
            for v in &values[i..i + k] {
                let e = Encoded::bytes(v.as_ref());
                match end {
                    End::Head => c.push_front(&e, limit),
                    End::Tail => c.push_back(&e, limit),
                }
            }
            self.len += k;
            i += k;
        }
    }

    /// Pushes an element taken from a list.
    pub fn push_item(&mut self, end: End, item: Item<'_>) {
        self.push_encoded(end, &Encoded::item(item));
    }

    fn push_encoded(&mut self, end: End, e: &Encoded) {
        let (fill, limit) = (self.fill, self.limit());
        match end {
            End::Head => match self.chunks.front_mut() {
                Some(c) if allows(fill, c, e) => c.push_front(e, limit),
                _ => self.chunks.push_front(Chunk::with(e, true)),
            },
            End::Tail => match self.chunks.back_mut() {
                Some(c) if allows(fill, c, e) => c.push_back(e, limit),
                _ => self.chunks.push_back(Chunk::with(e, false)),
            },
        }
        self.len += 1;
    }

    /// Removes the element at `end` and returns what `f` makes of it.
    #[inline]
    pub fn pop_with<R>(&mut self, end: End, f: impl FnOnce(Item<'_>) -> R) -> Option<R> {
        let r = match end {
            End::Head => {
                let c = self.chunks.front_mut()?;
                let (item, size) = decode(c.buf(), c.start());
                let r = f(item);
                c.drop_front(size);
                if c.count() == 0 {
                    self.chunks.pop_front();
                }
                r
            }
            End::Tail => {
                let c = self.chunks.back_mut()?;
                let at = entry_start(c.buf(), c.end());
                let r = f(decode(c.buf(), at).0);
                c.drop_back(at);
                if c.count() == 0 {
                    self.chunks.pop_back();
                }
                r
            }
        };
        self.len -= 1;
        Some(r)
    }

    /// Removes and returns the element at `end`.
    pub fn pop(&mut self, end: End) -> Option<Element> {
        self.pop_with(end, |i| i.to_element())
    }

    /// The element at `end` without removing it.
    pub fn peek(&self, end: End) -> Option<Item<'_>> {
        match end {
            End::Head => self.chunks.front().map(|c| decode(c.buf(), c.start()).0),
            End::Tail => self.chunks.back().map(|c| decode(c.buf(), entry_start(c.buf(), c.end())).0),
        }
    }

    /// `index` counted from the tail when negative (Redis's convention),
    /// if it is within the list.
    pub fn index(&self, index: i64) -> Option<usize> {
        let i = if index < 0 { self.len as i64 + index } else { index };
        (0..self.len as i64).contains(&i).then_some(i as usize)
    }

    /// Chunk and byte offset of the element at `index` (< len).
    fn locate(&self, index: usize) -> (usize, usize) {
        debug_assert!(index < self.len);
        if index < self.len / 2 {
            let mut i = index;
            for (ci, c) in self.chunks.iter().enumerate() {
                if i < c.count() {
                    return (ci, offset_in(c, i));
                }
                i -= c.count();
            }
        } else {
            let mut i = self.len - 1 - index;
            for (ci, c) in self.chunks.iter().enumerate().rev() {
                if i < c.count() {
                    return (ci, offset_in(c, c.count() - 1 - i));
                }
                i -= c.count();
            }
        }
        unreachable!("list index {index} beyond its chunks")
    }

    /// The element at `index` (negative: from the tail).
    pub fn get(&self, index: i64) -> Option<Item<'_>> {
        let i = self.index(index)?;
        let (ci, off) = self.locate(i);
        Some(decode(self.chunks[ci].buf(), off).0)
    }

    /// Replaces the element at `index` (negative: from the tail). False if
    /// the index is out of range.
    pub fn set(&mut self, index: i64, v: &[u8]) -> bool {
        let Some(i) = self.index(index) else { return false };
        let (ci, off) = self.locate(i);
        let e = Encoded::bytes(v);
        let c = &mut self.chunks[ci];
        let old = decode(c.buf(), off).1;
        if old == e.len() {
            c.overwrite(off, &e);
            return true;
        }
        if c.count() == 1 {
            *c = Chunk::with(&e, false);
            return true;
        }
        // Replaced in place whatever the chunk's size, as `lpReplace`.
        let limit = self.limit();
        let c = &mut self.chunks[ci];
        let at = c.remove(off, old, 1);
        c.insert(at, &e, limit);
        true
    }

    /// Inserts `e` at byte offset `at` of chunk `ci`, before the entry
    /// there or (`after`) after the one ending there, as quicklist's
    /// `_quicklistInsert` does: into the chunk if it has room, else into
    /// the neighbour at that edge, else a new chunk at that edge, else the
    /// chunk is split at `at`, `e` joins the new part, and the chunks
    /// around are merged where they fit (`_quicklistMergeNodes`).
    fn insert_at(&mut self, ci: usize, at: usize, e: &Encoded, after: bool) {
        let (fill, limit) = (self.fill, self.limit());
        let c = &self.chunks[ci];
        let full = !allows(fill, c, e);
        let at_tail = after && at == c.end();
        let at_head = !after && at == c.start();
        if !full {
            self.chunks[ci].insert(at, e, limit);
        } else if at_tail && ci + 1 < self.chunks.len() && allows(fill, &self.chunks[ci + 1], e) {
            self.chunks[ci + 1].push_front(e, limit);
        } else if at_head && ci > 0 && allows(fill, &self.chunks[ci - 1], e) {
            self.chunks[ci - 1].push_back(e, limit);
        } else if at_tail {
            self.chunks.insert(ci + 1, Chunk::with(e, true));
        } else if at_head {
            self.chunks.insert(ci, Chunk::with(e, false));
        } else {
            let mut right = self.chunks[ci].split_off(at);
            let center = if after {
                right.push_front(e, limit);
                self.chunks.insert(ci + 1, right);
                ci
            } else {
                let mut left = std::mem::replace(&mut self.chunks[ci], right);
                left.push_back(e, limit);
                self.chunks.insert(ci, left);
                ci + 1
            };
            self.merge_around(center);
        }
        self.len += 1;
    }

    /// `_quicklistMergeNodes`: merges the two chunks before `center`, the
    /// two after it, then `center` with the one before and the result with
    /// the one after, each where the merged chunk fits.
    fn merge_around(&mut self, mut center: usize) {
        let fill = self.fill;
        if center >= 2 && allows_merge(fill, &self.chunks[center - 1], &self.chunks[center - 2]) {
            self.merge_next(center - 2);
            center -= 1;
        }
        if center + 2 < self.chunks.len() && allows_merge(fill, &self.chunks[center + 1], &self.chunks[center + 2]) {
            self.merge_next(center + 1);
        }
        let target = if center >= 1 && allows_merge(fill, &self.chunks[center], &self.chunks[center - 1]) {
            self.merge_next(center - 1);
            center - 1
        } else {
            center
        };
        if target + 1 < self.chunks.len() && allows_merge(fill, &self.chunks[target], &self.chunks[target + 1]) {
            self.merge_next(target);
        }
    }

    /// Moves chunk `ci + 1`'s entries to the end of chunk `ci`.
    fn merge_next(&mut self, ci: usize) {
        let limit = self.limit();
        let next = self.chunks.remove(ci + 1).expect("a next chunk");
        self.chunks[ci].append(&next, limit);
    }

    /// LINSERT: inserts `v` before or after the first element equal to
    /// `pivot`. False if there is none.
    pub fn insert(&mut self, pivot: &[u8], v: &[u8], after: bool) -> bool {
        let needle = Needle::new(pivot);
        for ci in 0..self.chunks.len() {
            let c = &self.chunks[ci];
            let mut p = c.start();
            while p < c.end() {
                let (item, size) = decode(c.buf(), p);
                if needle.matches(item) {
                    let at = if after { p + size } else { p };
                    self.insert_at(ci, at, &Encoded::bytes(v), after);
                    return true;
                }
                p += size;
            }
        }
        false
    }

    /// LREM: removes elements equal to `v`, at most `count` from the head
    /// (`count > 0`), at most `-count` from the tail (`count < 0`), or all
    /// (`0`). Returns how many were removed.
    pub fn remove(&mut self, v: &[u8], count: i64) -> usize {
        let needle = Needle::new(v);
        let mut left = if count == 0 { usize::MAX } else { count.unsigned_abs() as usize };
        let total = left;
        if count >= 0 {
            let mut ci = 0;
            while ci < self.chunks.len() && left > 0 {
                let k = self.chunks[ci].retain_front(left, |it| needle.matches(it));
                left -= k;
                ci = if k > 0 { self.after_removal(ci) } else { ci + 1 };
            }
        } else {
            let mut ci = self.chunks.len();
            while ci > 0 && left > 0 {
                ci -= 1;
                let k = self.chunks[ci].retain_back(left, |it| needle.matches(it));
                left -= k;
                if k > 0 {
                    self.after_removal(ci);
                }
            }
        }
        let removed = total - left;
        self.len -= removed;
        removed
    }

    /// Tidies chunk `ci` after entries were removed from it: drops it if
    /// empty, else releases spare memory and merges it into its previous
    /// neighbour when both are small. Returns the index of the next chunk.
    fn after_removal(&mut self, ci: usize) -> usize {
        if self.chunks[ci].count() == 0 {
            self.chunks.remove(ci);
            return ci;
        }
        self.chunks[ci].compact();
        if ci > 0 {
            let (prev, cur) = (&self.chunks[ci - 1], &self.chunks[ci]);
            let fits = prev.used() + cur.used() <= self.limit() / 2
                && (self.fill < 0 || prev.count() + cur.count() <= self.fill as usize);
            if fits {
                let cur = self.chunks.remove(ci).expect("chunk exists");
                let limit = self.limit();
                self.chunks[ci - 1].append(&cur, limit);
                return ci;
            }
        }
        ci + 1
    }

    /// Removes `n` elements starting at index `start` (within the list).
    pub fn remove_range(&mut self, start: usize, mut n: usize) {
        if n == 0 {
            return;
        }
        debug_assert!(start + n <= self.len);
        let (mut ci, mut off) = self.locate(start);
        self.len -= n;
        while n > 0 {
            let c = &mut self.chunks[ci];
            if off == c.start() && n >= c.count() {
                n -= c.count();
                self.chunks.remove(ci);
            } else {
                let (mut p, mut k) = (off, 0);
                while p < c.end() && k < n {
                    p += decode(c.buf(), p).1;
                    k += 1;
                }
                c.remove(off, p - off, k);
                n -= k;
                ci = self.after_removal(ci);
            }
            if let Some(c) = self.chunks.get(ci) {
                off = c.start();
            }
        }
    }

    /// LTRIM: removes `head` elements from the head and `tail` from the tail.
    pub fn trim(&mut self, head: usize, tail: usize) {
        let head = head.min(self.len);
        self.remove_range(0, head);
        let tail = tail.min(self.len);
        self.remove_range(self.len - tail, tail);
    }

    /// Elements from the head.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0, false)
    }

    /// Elements from `index` towards the tail, or towards the head if
    /// `reverse`. Empty if `index` is out of range.
    pub fn iter_from(&self, index: usize, reverse: bool) -> Iter<'_> {
        if index >= self.len {
            return Iter { chunks: &self.chunks, ci: 0, buf: &[], lo: 0, hi: 0, pos: 0, left: 0, reverse };
        }
        let (ci, off) = self.locate(index);
        let c = &self.chunks[ci];
        let (buf, lo, hi) = (c.buf(), c.start(), c.end());
        if reverse {
            let pos = off + decode(buf, off).1;
            Iter { chunks: &self.chunks, ci, buf, lo, hi, pos, left: index + 1, reverse }
        } else {
            Iter { chunks: &self.chunks, ci, buf, lo, hi, pos: off, left: self.len - index, reverse }
        }
    }
}

/// Iterator over a list's elements (see `List::iter_from`). Keeps the
/// current chunk's bytes at hand: moving to the next chunk is the only
/// lookup in the chunk table.
pub struct Iter<'a> {
    chunks: &'a VecDeque<Chunk>,
    ci: usize,
    buf: &'a [u8],
    lo: usize,
    hi: usize,
    pos: usize,
    left: usize,
    reverse: bool,
}

impl<'a> Iter<'a> {
    #[cold]
    fn enter(&mut self, ci: usize) {
        let c = &self.chunks[ci];
        self.ci = ci;
        self.buf = c.buf();
        self.lo = c.start();
        self.hi = c.end();
        self.pos = if self.reverse { self.hi } else { self.lo };
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Item<'a>;

    #[inline]
    fn next(&mut self) -> Option<Item<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        if self.reverse {
            if self.pos == self.lo {
                self.enter(self.ci - 1);
            }
            self.pos = entry_start(self.buf, self.pos);
            Some(decode(self.buf, self.pos).0)
        } else {
            if self.pos == self.hi {
                self.enter(self.ci + 1);
            }
            let (item, size) = decode(self.buf, self.pos);
            self.pos += size;
            Some(item)
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::rng::Rng;

    fn items(l: &List) -> Vec<Vec<u8>> {
        l.iter().map(Item::to_vec).collect()
    }

    /// Checks the list against a model, forwards, backwards and by index.
    fn check(l: &List, model: &VecDeque<Vec<u8>>) {
        assert_eq!(l.len(), model.len());
        let m: Vec<Vec<u8>> = model.iter().cloned().collect();
        assert_eq!(items(l), m);
        let rev: Vec<Vec<u8>> = l.iter_from(l.len().saturating_sub(1), true).map(Item::to_vec).collect();
        assert_eq!(rev, m.iter().rev().cloned().collect::<Vec<_>>());
        assert_eq!(l.chunks.iter().map(Chunk::count).sum::<usize>(), l.len());
        assert!(l.chunks.iter().all(|c| c.count() > 0), "no empty chunk");
        if !m.is_empty() {
            for i in [0, m.len() / 3, m.len() / 2, m.len() - 1] {
                assert_eq!(l.get(i as i64).unwrap().to_vec(), m[i]);
                assert_eq!(l.get(i as i64 - m.len() as i64).unwrap().to_vec(), m[i]);
            }
        }
        assert!(l.get(m.len() as i64).is_none());
    }

    fn value(rng: &mut Rng) -> Vec<u8> {
        match rng.below(6) {
            0 => rng.below(300).to_string().into_bytes(),
            1 => format!("-{}", rng.below(100_000)).into_bytes(),
            2 => vec![b'z'; rng.below(200) as usize],
            3 => (rng.next_u64() as i64).to_string().into_bytes(),
            4 => format!("0{}", rng.below(10)).into_bytes(),
            _ => format!("v{}", rng.below(50)).into_bytes(),
        }
    }

    #[test]
    fn random_operations_match_a_model() {
        for fill in [-2, -1, 1, 3, 0, 128] {
            let mut rng = Rng::new((fill as u64).wrapping_add(17));
            let mut l = List::new(fill);
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for step in 0..6000 {
                match rng.below(12) {
                    0..=2 => {
                        let v = value(&mut rng);
                        l.push(End::Head, &v);
                        m.push_front(v);
                    }
                    3 | 4 => {
                        let v = value(&mut rng);
                        l.push(End::Tail, &v);
                        m.push_back(v);
                    }
                    5 => {
                        let vs: Vec<Vec<u8>> = (0..rng.below(40)).map(|_| value(&mut rng)).collect();
                        let end = if rng.below(2) == 0 { End::Head } else { End::Tail };
                        l.push_many(end, &vs);
                        for v in vs {
                            match end {
                                End::Head => m.push_front(v),
                                End::Tail => m.push_back(v),
                            }
                        }
                    }
                    6 => assert_eq!(l.pop(End::Head).map(|e| e.as_item().to_vec()), m.pop_front()),
                    7 => assert_eq!(l.pop(End::Tail).map(|e| e.as_item().to_vec()), m.pop_back()),
                    8 if !m.is_empty() => {
                        let i = rng.below(m.len() as u64) as usize;
                        let v = value(&mut rng);
                        assert!(l.set(i as i64, &v));
                        m[i] = v;
                    }
                    9 if !m.is_empty() => {
                        let pivot = m[rng.below(m.len() as u64) as usize].clone();
                        let v = value(&mut rng);
                        let after = rng.below(2) == 0;
                        assert!(l.insert(&pivot, &v, after));
                        let at = m.iter().position(|x| *x == pivot).unwrap() + usize::from(after);
                        m.insert(at, v);
                    }
                    10 if !m.is_empty() => {
                        let v = m[rng.below(m.len() as u64) as usize].clone();
                        let count = rng.below(5) as i64 - 2;
                        let removed = l.remove(&v, count);
                        let mut left = if count == 0 { usize::MAX } else { count.unsigned_abs() as usize };
                        let mut n = 0;
                        if count >= 0 {
                            let mut i = 0;
                            while i < m.len() && left > 0 {
                                if m[i] == v {
                                    m.remove(i);
                                    left -= 1;
                                    n += 1;
                                } else {
                                    i += 1;
                                }
                            }
                        } else {
                            let mut i = m.len();
                            while i > 0 && left > 0 {
                                i -= 1;
                                if m[i] == v {
                                    m.remove(i);
                                    left -= 1;
                                    n += 1;
                                }
                            }
                        }
                        assert_eq!(removed, n);
                    }
                    11 if !m.is_empty() => {
                        let a = rng.below(m.len() as u64 / 4 + 1) as usize;
                        let b = rng.below(m.len() as u64 / 4 + 1) as usize;
                        l.trim(a, b);
                        let a = a.min(m.len());
                        m.drain(..a);
                        let b = b.min(m.len());
                        m.truncate(m.len() - b);
                    }
                    _ => {}
                }
                if step % 97 == 0 {
                    check(&l, &m);
                }
            }
            check(&l, &m);
        }
    }

    #[test]
    fn chunks_respect_fill() {
        let mut l = List::new(-2);
        for i in 0..100_000 {
            l.push(End::Tail, format!("item:{i}").as_bytes());
        }
        assert!(l.chunks.iter().all(|c| c.capacity() <= 8192));
        assert!(l.chunk_count() < 100_000 * 13 / 8000);
        let mut l = List::new(5);
        for i in 0..100 {
            l.push(End::Head, i.to_string().as_bytes());
        }
        assert_eq!(l.chunk_count(), 20);
        let big = vec![b'x'; 20_000];
        let mut l = List::new(-2);
        l.push(End::Tail, b"a");
        l.push(End::Tail, &big);
        l.push(End::Tail, b"b");
        assert_eq!(l.chunk_count(), 3);
        assert_eq!(l.get(1).unwrap().to_vec(), big);
    }

    #[test]
    fn a_million_short_items_stay_compact() {
        let mut l = List::new(-2);
        for i in 0..1_000_000u32 {
            l.push(End::Tail, format!("item-{i}").as_bytes());
        }
        // 1 header byte + ~11 payload bytes + 1 back-length byte per item.
        assert!(l.heap_size() < 13_300_000, "{}", l.heap_size());
        assert_eq!(l.get(500_000).unwrap().to_vec(), b"item-500000");
        assert_eq!(l.iter_from(999_998, false).map(Item::to_vec).collect::<Vec<_>>().len(), 2);
        l.remove_range(10, 999_980);
        assert_eq!(l.len(), 20);
        assert_eq!(l.get(10).unwrap().to_vec(), b"item-999990");
    }

    #[test]
    fn integers_keep_their_text() {
        let mut l = List::default();
        for v in ["0", "-1", "127", "128", "-4096", "99999", "9223372036854775807", "-9223372036854775808", "007"] {
            l.push(End::Tail, v.as_bytes());
        }
        let got: Vec<String> = l.iter().map(|i| String::from_utf8(i.to_vec()).unwrap()).collect();
        assert_eq!(
            got,
            ["0", "-1", "127", "128", "-4096", "99999", "9223372036854775807", "-9223372036854775808", "007"]
        );
        assert_eq!(l.peek(End::Tail), Some(Item::Bytes(b"007")));
        assert_eq!(l.peek(End::Head), Some(Item::Int(0)));
        assert!(Needle::new(b"128").matches(l.get(3).unwrap()));
        assert!(!Needle::new(b"0128").matches(l.get(3).unwrap()));
    }
}
