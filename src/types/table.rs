//! `Table<E>`: the hash table behind large hashes, sets and sorted sets.
//!
//! Elements live inline in one dense `Vec` (no per-element allocation);
//! collision chains are `u32` links threaded through the elements, and the
//! bucket array holds `u32` chain heads. Each element also keeps 32 bits of
//! its key's hash (in what would otherwise be padding), so rehashing never
//! hashes a key again and lookups compare hashes before bytes. Removal swaps
//! the last element into the hole, so elements stay dense and a uniform
//! random element is one index away; `remove_at` reports the move so an
//! index kept elsewhere (the sorted set's tree) can follow it.
//!
//! Resizing is incremental, as in Redis's dict: a second bucket array is
//! filled a bucket at a time by each write, so no command pays for moving
//! millions of links at once. An element lives in the new array exactly when
//! its bucket in the old one has been moved (`old bucket < rehash_idx`), so
//! every lookup walks one chain. SCAN uses Redis's reverse-binary cursor over
//! both arrays: an element present for a whole iteration is returned at
//! least once however the table grows or shrinks between calls.
//!
//! Invariants: bucket arrays are empty or a power of two ≥ 4 long; every
//! element is in exactly one chain, the one its hash and the rehash position
//! say; the table starts growing when it would hold more than one element
//! per bucket and shrinking below 10% fill.

use std::hash::BuildHasher;

/// End of a chain. Links and bucket heads hold an element's index plus one,
/// so a fresh bucket array is all zeros: the allocator hands out untouched
/// zero pages and a huge resize costs no up-front memset.
const NIL: u32 = 0;

#[inline]
fn link_to(idx: u32) -> u32 {
    idx + 1
}

#[inline]
fn index_of(link: u32) -> usize {
    (link - 1) as usize
}

/// Chain link and hash bits stored in each element.
#[derive(Debug, Clone, Copy, Default)]
pub struct Link {
    next: u32,
    hash: u32,
}

/// What a table stores: an element with a key and a link.
pub trait Slot {
    fn key(&self) -> &[u8];
    fn link(&self) -> &Link;
    fn link_mut(&mut self) -> &mut Link;
}

const MIN_BUCKETS: usize = 4;
const MIN_FILL_PERCENT: usize = 10;
/// Empty old buckets a rehash step may skip before it stops.
const EMPTY_VISITS: usize = 10;

#[derive(Clone)]
pub struct Table<E> {
    items: Vec<E>,
    /// The bucket array (the old one while rehashing).
    buckets: Box<[u32]>,
    /// The array being filled while rehashing; empty otherwise.
    next_buckets: Box<[u32]>,
    /// Old buckets below this index have been moved.
    rehash_idx: usize,
    hasher: foldhash::fast::RandomState,
}

impl<E: Slot> Default for Table<E> {
    fn default() -> Self {
        Table::new()
    }
}

/// Which bucket array and index a chain is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Old(usize),
    New(usize),
}

impl<E: Slot> Table<E> {
    pub fn new() -> Table<E> {
        Table {
            items: Vec::new(),
            buckets: Box::default(),
            next_buckets: Box::default(),
            rehash_idx: 0,
            hasher: Default::default(),
        }
    }

    /// A table sized for `n` elements.
    pub fn with_capacity(n: usize) -> Table<E> {
        let mut t = Table::new();
        t.items.reserve_exact(n);
        t.buckets = vec![NIL; n.max(MIN_BUCKETS).next_power_of_two()].into_boxed_slice();
        t
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Number of buckets in both arrays.
    pub fn buckets(&self) -> usize {
        self.buckets.len() + self.next_buckets.len()
    }

    pub fn is_rehashing(&self) -> bool {
        !self.next_buckets.is_empty()
    }

    #[inline]
    pub fn hash(&self, key: &[u8]) -> u32 {
        self.hasher.hash_one(key) as u32
    }

    /// Where the chain for hash `h` is (the bucket arrays are not empty).
    #[inline]
    fn at(&self, h: u32) -> At {
        let b = h as usize & (self.buckets.len() - 1);
        if self.next_buckets.is_empty() || b >= self.rehash_idx {
            At::Old(b)
        } else {
            At::New(h as usize & (self.next_buckets.len() - 1))
        }
    }

    #[inline]
    fn head(&self, at: At) -> u32 {
        match at {
            At::Old(b) => self.buckets[b],
            At::New(b) => self.next_buckets[b],
        }
    }

    #[inline]
    fn head_mut(&mut self, at: At) -> &mut u32 {
        match at {
            At::Old(b) => &mut self.buckets[b],
            At::New(b) => &mut self.next_buckets[b],
        }
    }

    /// Index of the element with `key`, whose hash is `h`.
    #[inline]
    pub fn find_h(&self, h: u32, key: &[u8]) -> Option<u32> {
        if self.buckets.is_empty() {
            return None;
        }
        let mut l = self.head(self.at(h));
        while l != NIL {
            let e = &self.items[index_of(l)];
            if e.link().hash == h && e.key() == key {
                return Some(l - 1);
            }
            l = e.link().next;
        }
        None
    }

    #[inline]
    pub fn find(&self, key: &[u8]) -> Option<u32> {
        self.find_h(self.hash(key), key)
    }

    #[inline]
    pub fn get(&self, idx: u32) -> &E {
        &self.items[idx as usize]
    }

    /// Mutable access to an element; the caller must not change its key.
    #[inline]
    pub fn get_mut(&mut self, idx: u32) -> &mut E {
        &mut self.items[idx as usize]
    }

    /// The elements, densely, in no particular order.
    #[inline]
    pub fn items(&self) -> &[E] {
        &self.items
    }

    /// Inserts an element whose key (hash `h`) the caller knows is absent.
    /// Returns its index.
    pub fn insert_new(&mut self, h: u32, mut e: E) -> u32 {
        self.rehash_step();
        if self.buckets.is_empty() {
            self.buckets = vec![NIL; MIN_BUCKETS].into_boxed_slice();
        } else if !self.is_rehashing() && self.items.len() >= self.buckets.len() {
            self.start_resize(self.items.len() + 1);
        }
        let idx = self.items.len() as u32;
        let at = self.at(h);
        *e.link_mut() = Link { next: self.head(at), hash: h };
        *self.head_mut(at) = link_to(idx);
        self.items.push(e);
        idx
    }

    /// Points whatever link holds `from` (a bucket head or a chain link) at `to`.
    /// Both are links (index plus one, or `NIL` for `to`).
    fn relink(&mut self, h: u32, from: u32, to: u32) {
        let at = self.at(h);
        if self.head(at) == from {
            *self.head_mut(at) = to;
            return;
        }
        let mut j = self.head(at);
        loop {
            let next = self.items[index_of(j)].link().next;
            if next == from {
                self.items[index_of(j)].link_mut().next = to;
                return;
            }
            debug_assert!(next != NIL, "element missing from its chain");
            j = next;
        }
    }

    /// Removes the element at `idx` and returns it. The last element takes
    /// its place: it moved from index `len()` (after the call) to `idx`
    /// unless `idx` was the last.
    pub fn remove_at(&mut self, idx: u32) -> E {
        let Link { next, hash } = *self.items[idx as usize].link();
        self.relink(hash, link_to(idx), next);
        let last = (self.items.len() - 1) as u32;
        if idx != last {
            let h = self.items[last as usize].link().hash;
            self.relink(h, link_to(last), link_to(idx));
        }
        let e = self.items.swap_remove(idx as usize);
        if self.items.is_empty() {
            self.clear();
            return e;
        }
        self.rehash_step();
        let size = self.buckets.len();
        if !self.is_rehashing() && size > MIN_BUCKETS && self.items.len() * 100 / size < MIN_FILL_PERCENT {
            self.start_resize(self.items.len());
        }
        if self.items.capacity() > 16 && self.items.len() * 4 < self.items.capacity() {
            self.items.shrink_to(self.items.len() * 2);
        }
        e
    }

    /// Starts moving to a bucket array for `n` elements (the smallest power
    /// of two ≥ `n`, at least 4).
    fn start_resize(&mut self, n: usize) {
        let size = n.max(MIN_BUCKETS).next_power_of_two();
        if size == self.buckets.len() || self.is_rehashing() {
            return;
        }
        self.next_buckets = vec![NIL; size].into_boxed_slice();
        self.rehash_idx = 0;
        self.rehash_step();
    }

    /// Moves one non-empty old bucket (skipping a few empty ones) to the new
    /// array; finishes the rehash when the old array is drained.
    fn rehash_step(&mut self) {
        if !self.is_rehashing() {
            return;
        }
        let mask = self.next_buckets.len() - 1;
        let mut visits = EMPTY_VISITS;
        while self.rehash_idx < self.buckets.len() {
            let mut l = std::mem::replace(&mut self.buckets[self.rehash_idx], NIL);
            self.rehash_idx += 1;
            if l == NIL {
                visits -= 1;
                if visits == 0 {
                    break;
                }
                continue;
            }
            while l != NIL {
                let e = &mut self.items[index_of(l)];
                let next = e.link().next;
                let b = e.link().hash as usize & mask;
                e.link_mut().next = self.next_buckets[b];
                self.next_buckets[b] = l;
                l = next;
            }
            break;
        }
        if self.rehash_idx >= self.buckets.len() {
            self.buckets = std::mem::take(&mut self.next_buckets);
            self.rehash_idx = 0;
        }
    }

    /// Grows ahead of `additional` inserts.
    pub fn reserve(&mut self, additional: usize) {
        self.items.reserve(additional);
        let want = self.items.len() + additional;
        if self.items.is_empty() && want > self.buckets.len() {
            self.buckets = vec![NIL; want.max(MIN_BUCKETS).next_power_of_two()].into_boxed_slice();
        }
    }

    /// One step of Redis's reverse-binary scan: visits the chains the
    /// `cursor` names and returns the next cursor (0 when done).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&E)) -> u64 {
        if self.items.is_empty() {
            return 0;
        }
        let emit = |head: u32, f: &mut dyn FnMut(&E)| {
            let mut l = head;
            while l != NIL {
                let e = &self.items[index_of(l)];
                f(e);
                l = e.link().next;
            }
        };
        let next = |v: u64, mask: u64| (v | !mask).reverse_bits().wrapping_add(1).reverse_bits();
        let mut v = cursor;
        if !self.is_rehashing() {
            let m0 = (self.buckets.len() - 1) as u64;
            emit(self.buckets[(v & m0) as usize], &mut f);
            return next(v, m0);
        }
        let (small, large) = if self.buckets.len() <= self.next_buckets.len() {
            (&self.buckets, &self.next_buckets)
        } else {
            (&self.next_buckets, &self.buckets)
        };
        let (m0, m1) = ((small.len() - 1) as u64, (large.len() - 1) as u64);
        emit(small[(v & m0) as usize], &mut f);
        loop {
            emit(large[(v & m1) as usize], &mut f);
            v = next(v, m1);
            if v & (m0 ^ m1) == 0 {
                break;
            }
        }
        v
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.items = Vec::new();
        self.buckets = Box::default();
        self.next_buckets = Box::default();
        self.rehash_idx = 0;
    }

    /// Heap bytes of the element array and buckets (not of what elements own).
    pub fn heap_size(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<E>() + self.buckets() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::compact::CompactBytes;
    use std::collections::HashSet;

    #[derive(Clone)]
    struct K(CompactBytes, Link);

    impl Slot for K {
        fn key(&self) -> &[u8] {
            &self.0
        }
        fn link(&self) -> &Link {
            &self.1
        }
        fn link_mut(&mut self) -> &mut Link {
            &mut self.1
        }
    }

    fn key(i: usize) -> Vec<u8> {
        format!("member:{i}").into_bytes()
    }

    fn add(t: &mut Table<K>, i: usize) {
        let k = key(i);
        let h = t.hash(&k);
        assert!(t.find_h(h, &k).is_none());
        t.insert_new(h, K(CompactBytes::new(&k), Link::default()));
    }

    fn remove(t: &mut Table<K>, i: usize) -> bool {
        match t.find(&key(i)) {
            Some(idx) => {
                t.remove_at(idx);
                true
            }
            None => false,
        }
    }

    #[test]
    fn element_is_32_bytes() {
        assert_eq!(std::mem::size_of::<K>(), 32);
    }

    #[test]
    fn insert_find_remove_with_moves() {
        let mut t = Table::new();
        for i in 0..5000 {
            add(&mut t, i);
        }
        assert_eq!(t.len(), 5000);
        assert!(t.buckets() >= 8192);
        for i in (0..5000).step_by(3) {
            assert!(remove(&mut t, i));
            assert!(!remove(&mut t, i));
        }
        for i in 0..5000 {
            assert_eq!(t.find(&key(i)).is_some(), i % 3 != 0, "{i}");
        }
        for i in 0..5000 {
            remove(&mut t, i);
        }
        assert!(t.is_empty());
        assert_eq!(t.buckets(), 0);
    }

    /// Every element stays findable at every step of a grow and a shrink.
    #[test]
    fn incremental_rehash_keeps_everything_findable() {
        let mut t = Table::new();
        for i in 0..3000 {
            add(&mut t, i);
            if i % 97 == 0 {
                assert!((0..=i).all(|j| t.find(&key(j)).is_some()), "after inserting {i}");
            }
        }
        let mut saw_rehash = false;
        for i in 0..2900 {
            assert!(remove(&mut t, i));
            saw_rehash |= t.is_rehashing();
            if i % 97 == 0 {
                assert!((i + 1..3000).all(|j| t.find(&key(j)).is_some()), "after removing {i}");
            }
        }
        assert!(saw_rehash, "shrinking went through a rehash");
        assert_eq!(t.len(), 100);
    }

    #[test]
    fn scan_survives_growth_and_shrink() {
        let mut t = Table::new();
        for i in 0..1000 {
            add(&mut t, i);
        }
        let mut seen = HashSet::new();
        let (mut cursor, mut step) = (0, 0);
        loop {
            cursor = t.scan(cursor, |e| {
                seen.insert(e.0.to_vec());
            });
            step += 1;
            if step == 3 {
                for i in 1000..20_000 {
                    add(&mut t, i);
                }
            }
            if step == 40 {
                for i in 1000..20_000 {
                    remove(&mut t, i);
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..1000 {
            assert!(seen.contains(&key(i)), "missed {i}");
        }
    }
}
