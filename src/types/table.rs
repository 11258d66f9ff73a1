//! `Table<E>`: the hash table behind large hashes, sets and sorted sets.
//!
//! Elements live inline in one dense `Vec` (no per-element allocation);
//! collision chains are `u32` indices threaded through the elements, and the
//! bucket array holds `u32` chain heads. Each element also keeps 32 bits of
//! its key's hash (in what would otherwise be padding), so growing never
//! rehashes a key and lookups compare hashes before bytes. Removal swaps the
//! last element into the hole, so elements stay dense and a uniform random
//! element is one index away; `remove_at` reports the move so an index
//! kept elsewhere (the sorted set's tree) can follow it.
//!
//! SCAN uses Redis's reverse-binary cursor over the power-of-two bucket
//! array, so an element present for a whole iteration is returned at least
//! once even if the table grows or shrinks between calls. Resizing happens
//! in one pass over the dense elements (no key is rehashed).
//!
//! Invariants: `buckets.len()` is 0 or a power of two ≥ 4; every element is
//! in exactly the chain of bucket `hash & mask`; the table grows when it
//! would exceed one element per bucket and shrinks below 10% fill.

use std::hash::BuildHasher;

/// End of a chain.
pub const NIL: u32 = u32::MAX;

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

#[derive(Clone)]
pub struct Table<E> {
    items: Vec<E>,
    buckets: Box<[u32]>,
    hasher: foldhash::fast::RandomState,
}

impl<E: Slot> Default for Table<E> {
    fn default() -> Self {
        Table::new()
    }
}

impl<E: Slot> Table<E> {
    pub fn new() -> Table<E> {
        Table { items: Vec::new(), buckets: Box::default(), hasher: Default::default() }
    }

    /// A table sized for `n` elements.
    pub fn with_capacity(n: usize) -> Table<E> {
        let mut t = Table::new();
        t.items.reserve_exact(n);
        t.resize(n);
        t
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Number of buckets.
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    #[inline]
    pub fn hash(&self, key: &[u8]) -> u32 {
        self.hasher.hash_one(key) as u32
    }

    #[inline]
    fn bucket(&self, h: u32) -> usize {
        h as usize & (self.buckets.len() - 1)
    }

    /// Index of the element with `key`, whose hash is `h`.
    #[inline]
    pub fn find_h(&self, h: u32, key: &[u8]) -> Option<u32> {
        if self.buckets.is_empty() {
            return None;
        }
        let mut i = self.buckets[self.bucket(h)];
        while i != NIL {
            let e = &self.items[i as usize];
            if e.link().hash == h && e.key() == key {
                return Some(i);
            }
            i = e.link().next;
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
        if self.items.len() >= self.buckets.len() {
            self.resize(self.items.len() + 1);
        }
        let idx = self.items.len() as u32;
        let b = self.bucket(h);
        *e.link_mut() = Link { next: self.buckets[b], hash: h };
        self.buckets[b] = idx;
        self.items.push(e);
        idx
    }

    /// Points whatever link holds `from` (a bucket head or a chain link) at `to`.
    fn relink(&mut self, h: u32, from: u32, to: u32) {
        let b = self.bucket(h);
        if self.buckets[b] == from {
            self.buckets[b] = to;
            return;
        }
        let mut j = self.buckets[b];
        loop {
            let next = self.items[j as usize].link().next;
            if next == from {
                self.items[j as usize].link_mut().next = to;
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
        self.relink(hash, idx, next);
        let last = (self.items.len() - 1) as u32;
        if idx != last {
            let h = self.items[last as usize].link().hash;
            self.relink(h, last, idx);
        }
        let e = self.items.swap_remove(idx as usize);
        self.shrink_if_needed();
        e
    }

    fn shrink_if_needed(&mut self) {
        let size = self.buckets.len();
        if size > MIN_BUCKETS && self.items.len() * 100 / size < MIN_FILL_PERCENT {
            self.resize(self.items.len());
        }
        if self.items.capacity() > 16 && self.items.len() * 4 < self.items.capacity() {
            self.items.shrink_to(self.items.len() * 2);
        }
    }

    /// Rebuilds the buckets for the smallest power of two ≥ `n` (at least 4).
    fn resize(&mut self, n: usize) {
        let size = n.max(MIN_BUCKETS).next_power_of_two();
        if size == self.buckets.len() {
            return;
        }
        self.buckets = vec![NIL; size].into_boxed_slice();
        let mask = size - 1;
        for (i, e) in self.items.iter_mut().enumerate() {
            let b = e.link().hash as usize & mask;
            e.link_mut().next = self.buckets[b];
            self.buckets[b] = i as u32;
        }
    }

    /// Grows ahead of `additional` inserts.
    pub fn reserve(&mut self, additional: usize) {
        let want = self.items.len() + additional;
        self.items.reserve(additional);
        if want > self.buckets.len() {
            self.resize(want);
        }
    }

    /// One step of Redis's reverse-binary scan: visits the chain of the
    /// bucket `cursor` names and returns the next cursor (0 when done).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&E)) -> u64 {
        if self.items.is_empty() {
            return 0;
        }
        let m = (self.buckets.len() - 1) as u64;
        let mut i = self.buckets[(cursor & m) as usize];
        while i != NIL {
            let e = &self.items[i as usize];
            f(e);
            i = e.link().next;
        }
        (cursor | !m).reverse_bits().wrapping_add(1).reverse_bits()
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.items = Vec::new();
        self.buckets = Box::default();
    }

    /// Heap bytes of the element array and buckets (not of what elements own).
    pub fn heap_size(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<E>() + self.buckets.len() * 4
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
        assert_eq!(t.buckets(), 8192);
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
        assert_eq!(t.buckets(), 4);
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
