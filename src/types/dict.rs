//! Redis's `dict` in safe Rust, generic over what it stores: separate
//! chaining (`Option<Box<Node<T>>>` links), power-of-two bucket arrays, and
//! incremental rehashing between two tables so growing a 10M-entry table
//! never stalls the command thread. SCAN uses Redis's reverse-binary cursor,
//! so an element present for a whole iteration is returned at least once even
//! if the table grows or shrinks between calls.
//!
//! The keyspace stores its keys in it; hashes, sets and sorted sets may use
//! it for their large encodings. Items are found by `Keyed::key` bytes.
//!
//! Invariants: an item is in at most one table; while rehashing, buckets of
//! table 0 below `rehash_idx` are empty; new items go to table 1 while
//! rehashing.
//!
//! A *frozen* dict (an RDB snapshot is walking it) never rehashes, grows or
//! shrinks: every item stays in the bucket it was in when the freeze began,
//! so a walker can track buckets by index. Chains may grow meanwhile.

use std::hash::BuildHasher;
use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use crate::util::prefetch::prefetch;

/// What a dict stores: anything with a key.
pub trait Keyed {
    fn key(&self) -> &[u8];
}

pub type Link<T> = Option<Box<Node<T>>>;

/// A chain link around one item. Derefs to the item.
pub struct Node<T> {
    next: Link<T>,
    pub item: T,
}

impl<T> Deref for Node<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.item
    }
}

impl<T> DerefMut for Node<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.item
    }
}

struct Table<T> {
    buckets: Vec<Link<T>>,
    used: usize,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table { buckets: Vec::new(), used: 0 }
    }
}

impl<T> Table<T> {
    fn with_size(size: usize) -> Table<T> {
        let mut buckets = Vec::with_capacity(size);
        buckets.resize_with(size, || None);
        Table { buckets, used: 0 }
    }

    #[inline]
    fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }

    #[inline]
    fn bucket(&self, h: u64) -> &Link<T> {
        &self.buckets[h as usize & self.mask()]
    }
}

const INITIAL_SIZE: usize = 4;
/// Grow even while resizing is discouraged once chains average this length.
const FORCE_RESIZE_RATIO: usize = 5;
/// Under a memory limit, grow past it anyway once chains average this.
const MAX_LOAD_FACTOR: f64 = 1.618;
/// Shrink when fewer than this percentage of buckets are used.
const MIN_FILL_PERCENT: usize = 10;

pub struct Dict<T> {
    t: [Table<T>; 2],
    rehash_idx: Option<usize>,
    hasher: foldhash::fast::RandomState,
    /// False while a snapshot walks the table: only forced growth happens.
    pub can_resize: bool,
    /// The memory limit growth must respect (0: none). Doubling the bucket
    /// array is put off while it would take the process's allocated bytes
    /// past it, unless chains average more than 1.618 (Redis's
    /// `dictExpandAllowed`, set on the keyspace's tables only).
    pub grow_limit: usize,
    /// No rehash steps, no resize at all (see the module notes).
    frozen: bool,
}

impl<T: Keyed> Default for Dict<T> {
    fn default() -> Self {
        Dict::new()
    }
}

impl<T: Keyed> Dict<T> {
    pub fn new() -> Dict<T> {
        Dict {
            t: Default::default(),
            rehash_idx: None,
            hasher: Default::default(),
            can_resize: true,
            frozen: false,
            grow_limit: 0,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.t[0].used + self.t[1].used
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_rehashing(&self) -> bool {
        self.rehash_idx.is_some()
    }

    /// Freezes or thaws the table shape (snapshots).
    pub fn set_frozen(&mut self, frozen: bool) {
        self.frozen = frozen;
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen
    }

    /// Bucket counts of table 0 and, while rehashing, table 1 (else 0).
    pub fn table_sizes(&self) -> [usize; 2] {
        [self.t[0].buckets.len(), if self.is_rehashing() { self.t[1].buckets.len() } else { 0 }]
    }

    /// Visits the items of bucket `idx` of table `table`.
    pub fn for_each_in_bucket(&self, table: usize, idx: usize, mut f: impl FnMut(&T)) {
        let mut cur = self.t[table].buckets[idx].as_deref();
        while let Some(n) = cur {
            f(&n.item);
            cur = n.next.as_deref();
        }
    }

    /// Number of buckets in both tables.
    pub fn slots(&self) -> usize {
        self.t[0].buckets.len() + self.t[1].buckets.len()
    }

    #[inline]
    pub fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Starts loading what finding each hash's item will touch: first the
    /// table slots of all of them, then the first node of each chain (both
    /// ends: a node may straddle two cache lines). Misses of a batch then
    /// overlap instead of following one another. Changes nothing.
    pub fn prefetch(&self, hashes: &[u64]) {
        let tables = &self.t[..self.tables_in_use()];
        for t in tables.iter().filter(|t| !t.buckets.is_empty()) {
            for &h in hashes {
                prefetch(t.bucket(h));
            }
        }
        for t in tables.iter().filter(|t| !t.buckets.is_empty()) {
            for &h in hashes {
                if let Some(n) = t.bucket(h).as_deref() {
                    let start: *const Node<T> = n;
                    prefetch(start);
                    prefetch(start.cast::<u8>().wrapping_add(std::mem::size_of::<Node<T>>() - 1));
                }
            }
        }
    }

    fn tables_in_use(&self) -> usize {
        if self.is_rehashing() { 2 } else { 1 }
    }

    pub fn find(&self, h: u64, key: &[u8]) -> Option<&T> {
        for t in &self.t[..self.tables_in_use()] {
            if t.buckets.is_empty() {
                continue;
            }
            let mut cur = t.bucket(h).as_deref();
            while let Some(n) = cur {
                if n.item.key() == key {
                    return Some(&n.item);
                }
                cur = n.next.as_deref();
            }
        }
        None
    }

    pub fn find_mut(&mut self, h: u64, key: &[u8]) -> Option<&mut T> {
        self.rehash_step();
        let rehashing = self.is_rehashing();
        let (t0, t1) = self.t.split_at_mut(1);
        if let Some(n) = chain_find_mut(&mut t0[0], h, key) {
            return Some(n);
        }
        if rehashing {
            return chain_find_mut(&mut t1[0], h, key);
        }
        None
    }

    /// Inserts an item whose key the caller knows is absent; `h` is the
    /// hash of its key. Returns the stored item.
    pub fn insert_new(&mut self, h: u64, item: T) -> &mut T {
        self.rehash_step();
        self.expand_if_needed();
        let t = &mut self.t[if self.rehash_idx.is_some() { 1 } else { 0 }];
        let idx = h as usize & t.mask();
        let node = Box::new(Node { next: t.buckets[idx].take(), item });
        t.used += 1;
        &mut t.buckets[idx].insert(node).item
    }

    /// Removes the item with `key` and returns it.
    pub fn remove(&mut self, h: u64, key: &[u8]) -> Option<T> {
        self.rehash_step();
        for ti in 0..self.tables_in_use() {
            let t = &mut self.t[ti];
            if t.buckets.is_empty() {
                continue;
            }
            let idx = h as usize & t.mask();
            if let Some(node) = chain_remove(&mut t.buckets[idx], key) {
                t.used -= 1;
                return Some(node.item);
            }
        }
        None
    }

    /// Visits the nodes in the chains where a key with hash `h` would live.
    pub fn for_each_in_chain(&self, h: u64, mut f: impl FnMut(&T)) {
        for t in &self.t[..self.tables_in_use()] {
            if t.buckets.is_empty() {
                continue;
            }
            let mut cur = t.bucket(h).as_deref();
            while let Some(n) = cur {
                f(&n.item);
                cur = n.next.as_deref();
            }
        }
    }

    /// Visits mutably the items in `h`'s chains whose key hashes to `h`.
    pub fn for_each_with_hash_mut(&mut self, h: u64, mut f: impl FnMut(&mut T)) {
        let tables = self.tables_in_use();
        let Dict { t, hasher, .. } = self;
        for t in &mut t[..tables] {
            if t.buckets.is_empty() {
                continue;
            }
            let idx = h as usize & t.mask();
            let mut cur = t.buckets[idx].as_deref_mut();
            while let Some(n) = cur {
                if hasher.hash_one(n.item.key()) == h {
                    f(&mut n.item);
                }
                cur = n.next.as_deref_mut();
            }
        }
    }

    /// Visits every node (KEYS, DEBUG, snapshots of small tables).
    pub fn for_each(&self, mut f: impl FnMut(&T)) {
        for t in &self.t[..self.tables_in_use()] {
            for b in &t.buckets {
                let mut cur = b.as_deref();
                while let Some(n) = cur {
                    f(&n.item);
                    cur = n.next.as_deref();
                }
            }
        }
    }

    /// One step of Redis's reverse-binary scan: visits the buckets for
    /// `cursor` and returns the next cursor (0 when the scan is complete).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&T)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let emit = |link: &Link<T>, f: &mut dyn FnMut(&T)| {
            let mut cur = link.as_deref();
            while let Some(n) = cur {
                f(&n.item);
                cur = n.next.as_deref();
            }
        };
        let next = |v: u64, mask: u64| (v | !mask).reverse_bits().wrapping_add(1).reverse_bits();
        let mut v = cursor;
        if !self.is_rehashing() {
            let t0 = &self.t[0];
            let m0 = t0.mask() as u64;
            emit(&t0.buckets[(v & m0) as usize], &mut f);
            v = next(v, m0);
        } else {
            let (small, large) = if self.t[0].buckets.len() <= self.t[1].buckets.len() {
                (&self.t[0], &self.t[1])
            } else {
                (&self.t[1], &self.t[0])
            };
            let (m0, m1) = (small.mask() as u64, large.mask() as u64);
            emit(&small.buckets[(v & m0) as usize], &mut f);
            loop {
                emit(&large.buckets[(v & m1) as usize], &mut f);
                v = next(v, m1);
                if v & (m0 ^ m1) == 0 {
                    break;
                }
            }
        }
        v
    }

    /// A random node, as Redis's `dictGetRandomKey`: a random non-empty
    /// bucket, then a random node of its chain.
    pub fn random(&self, mut rnd: impl FnMut() -> u64) -> Option<&T> {
        if self.is_empty() {
            return None;
        }
        let head = loop {
            let link = match self.rehash_idx {
                Some(start) => {
                    let s0 = self.t[0].buckets.len();
                    let span = (self.slots() - start) as u64;
                    let h = start + (rnd() % span) as usize;
                    if h >= s0 { &self.t[1].buckets[h - s0] } else { &self.t[0].buckets[h] }
                }
                None => &self.t[0].buckets[rnd() as usize & self.t[0].mask()],
            };
            if let Some(n) = link.as_deref() {
                break n;
            }
        };
        let mut len = 0;
        let mut cur = Some(head);
        while let Some(n) = cur {
            len += 1;
            cur = n.next.as_deref();
        }
        let mut pick = (rnd() % len) as usize;
        let mut cur = head;
        while pick > 0 {
            cur = cur.next.as_deref().expect("chain length");
            pick -= 1;
        }
        Some(&cur.item)
    }

    /// Calls `f` with up to `count` items taken from consecutive buckets
    /// starting at a random one, as Redis's `dictGetSomeKeys`: cheap (at
    /// most `10 * count` bucket steps, and a long run of empty buckets jumps
    /// elsewhere), not uniform. Eviction samples candidates with it.
    /// Returns how many items were visited.
    pub fn sample(&self, count: usize, mut rnd: impl FnMut() -> u64, mut f: impl FnMut(&T)) -> usize {
        let count = count.min(self.len());
        if count == 0 {
            return 0;
        }
        let tables = self.tables_in_use();
        let mask = self.t[..tables].iter().map(|t| t.mask()).max().unwrap_or(0);
        let rehashed = self.rehash_idx.unwrap_or(0);
        let mut steps = count * 10;
        let mut i = rnd() as usize & mask;
        let mut empty_run = 0;
        let mut stored = 0;
        while stored < count && steps > 0 {
            steps -= 1;
            for j in 0..tables {
                // Buckets of table 0 below the rehash index are empty.
                if tables == 2 && j == 0 && i < rehashed {
                    if i >= self.t[1].buckets.len() {
                        i = rehashed;
                    } else {
                        continue;
                    }
                }
                let Some(link) = self.t[j].buckets.get(i) else { continue };
                let mut cur = link.as_deref();
                if cur.is_none() {
                    empty_run += 1;
                    if empty_run >= 5 && empty_run > count {
                        i = rnd() as usize & mask;
                        empty_run = 0;
                    }
                    continue;
                }
                empty_run = 0;
                while let Some(n) = cur {
                    f(&n.item);
                    stored += 1;
                    if stored == count {
                        return stored;
                    }
                    cur = n.next.as_deref();
                }
            }
            i = (i + 1) & mask;
        }
        stored
    }

    /// Moves up to `n` buckets from table 0 to table 1. Returns true while
    /// more rehashing remains.
    pub fn rehash(&mut self, mut n: usize) -> bool {
        let Some(mut idx) = self.rehash_idx else {
            return false;
        };
        if self.frozen {
            return false;
        }
        let mut empty_visits = n * 10;
        let Dict { t, hasher, .. } = self;
        let (t0, t1) = t.split_at_mut(1);
        let (t0, t1) = (&mut t0[0], &mut t1[0]);
        while n > 0 && t0.used != 0 {
            while t0.buckets[idx].is_none() {
                idx += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    self.rehash_idx = Some(idx);
                    return true;
                }
            }
            let mut chain = t0.buckets[idx].take();
            while let Some(mut node) = chain {
                chain = node.next.take();
                let j = hasher.hash_one(node.item.key()) as usize & t1.mask();
                node.next = t1.buckets[j].take();
                t1.buckets[j] = Some(node);
                t0.used -= 1;
                t1.used += 1;
            }
            idx += 1;
            n -= 1;
        }
        if t0.used == 0 {
            *t0 = std::mem::take(t1);
            self.rehash_idx = None;
            return false;
        }
        self.rehash_idx = Some(idx);
        true
    }

    #[inline]
    fn rehash_step(&mut self) {
        if self.rehash_idx.is_some() && !self.frozen {
            self.rehash(1);
        }
    }

    /// Rehashes for about `budget` (the cron's `activerehashing`).
    pub fn rehash_for(&mut self, budget: Duration) {
        let start = Instant::now();
        while self.rehash(100) {
            if start.elapsed() >= budget {
                break;
            }
        }
    }

    fn expand_if_needed(&mut self) {
        let size = self.t[0].buckets.len();
        if self.is_rehashing() || (self.frozen && size != 0) {
            return;
        }
        if size == 0 {
            self.resize_to(INITIAL_SIZE);
        } else if self.t[0].used >= size
            && (self.can_resize || self.t[0].used / size > FORCE_RESIZE_RATIO)
            && self.growth_allowed()
        {
            self.resize_to(self.t[0].used + 1);
        }
    }

    /// Redis's `dictExpandAllowed`: with a memory limit, a growth that
    /// would cross it waits until chains average more than 1.618.
    fn growth_allowed(&self) -> bool {
        if self.grow_limit == 0 {
            return true;
        }
        let size = self.t[0].buckets.len();
        if self.t[0].used as f64 / size as f64 > MAX_LOAD_FACTOR {
            return true;
        }
        let more = (self.t[0].used + 1).next_power_of_two() * std::mem::size_of::<Link<T>>();
        crate::alloc::used_memory() + more <= self.grow_limit
    }

    /// Starts shrinking when the table is mostly empty (called by the cron).
    pub fn shrink_if_needed(&mut self) {
        let size = self.t[0].buckets.len();
        if self.can_resize
            && !self.frozen
            && !self.is_rehashing()
            && size > INITIAL_SIZE
            && self.t[0].used * 100 / size < MIN_FILL_PERCENT
        {
            self.resize_to(self.t[0].used.max(INITIAL_SIZE));
        }
    }

    /// Starts rehashing into a table of the smallest power of two ≥ `size`.
    fn resize_to(&mut self, size: usize) {
        let size = size.max(INITIAL_SIZE).next_power_of_two();
        if self.is_rehashing() || self.t[0].used > size || size == self.t[0].buckets.len() {
            return;
        }
        let table = Table::with_size(size);
        if self.t[0].buckets.is_empty() {
            self.t[0] = table;
        } else {
            self.t[1] = table;
            self.rehash_idx = Some(0);
        }
    }

    /// Grows ahead of a known number of inserts (RDB load, RESIZEDB).
    pub fn reserve(&mut self, additional: usize) {
        if !self.frozen && !self.is_rehashing() && self.len() + additional > self.t[0].buckets.len() {
            self.resize_to(self.len() + additional);
        }
    }

    /// Empties the table and returns what it held, so a caller can drop a
    /// huge table off the command thread.
    pub fn take(&mut self) -> Dict<T> {
        let mut fresh = Dict::new();
        fresh.can_resize = self.can_resize;
        fresh.grow_limit = self.grow_limit;
        std::mem::replace(self, fresh)
    }

    /// Bytes held by the bucket arrays.
    pub fn bucket_bytes(&self) -> usize {
        self.slots() * std::mem::size_of::<Link<T>>()
    }
}

fn chain_find_mut<'a, T: Keyed>(t: &'a mut Table<T>, h: u64, key: &[u8]) -> Option<&'a mut T> {
    if t.buckets.is_empty() {
        return None;
    }
    let idx = h as usize & t.mask();
    let mut cur = t.buckets[idx].as_deref_mut();
    while let Some(n) = cur {
        if n.item.key() == key {
            return Some(&mut n.item);
        }
        cur = n.next.as_deref_mut();
    }
    None
}

fn chain_remove<T: Keyed>(mut link: &mut Link<T>, key: &[u8]) -> Option<Box<Node<T>>> {
    while link.as_ref().is_some_and(|n| n.item.key() != key) {
        link = &mut link.as_mut().expect("checked above").next;
    }
    let mut node = link.take()?;
    *link = node.next.take();
    Some(node)
}

impl<T> Drop for Dict<T> {
    /// Unlinks chains iteratively so a long chain cannot overflow the stack.
    fn drop(&mut self) {
        for t in &mut self.t {
            for b in &mut t.buckets {
                let mut cur = b.take();
                while let Some(mut n) = cur {
                    cur = n.next.take();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::compact::CompactBytes;
    use std::collections::HashSet;

    fn key(i: usize) -> Vec<u8> {
        format!("key:{i}").into_bytes()
    }

    fn insert(d: &mut Dict<CompactBytes>, i: usize) {
        let k = key(i);
        let h = d.hash(&k);
        assert!(d.find(h, &k).is_none());
        d.insert_new(h, CompactBytes::new(&k));
    }

    #[test]
    fn insert_find_remove_through_rehash() {
        let mut d = Dict::new();
        for i in 0..10_000 {
            insert(&mut d, i);
        }
        assert_eq!(d.len(), 10_000);
        for i in 0..10_000 {
            let k = key(i);
            assert!(d.find(d.hash(&k), &k).is_some(), "{i}");
        }
        for i in (0..10_000).step_by(2) {
            let k = key(i);
            let h = d.hash(&k);
            assert!(d.remove(h, &k).is_some());
            assert!(d.remove(h, &k).is_none());
        }
        assert_eq!(d.len(), 5_000);
        d.rehash_for(Duration::from_secs(1));
        d.shrink_if_needed();
        d.rehash_for(Duration::from_secs(1));
        for i in 0..10_000 {
            let k = key(i);
            assert_eq!(d.find(d.hash(&k), &k).is_some(), i % 2 == 1);
        }
    }

    /// Redis's SCAN guarantee: keys present for the whole scan are returned,
    /// however the table grows or shrinks between calls.
    #[test]
    fn prefetch_changes_nothing_while_empty_rehashing_or_settled() {
        let mut d = Dict::new();
        d.prefetch(&[d.hash(b"absent"), 0, u64::MAX]);
        let mut saw_rehashing = false;
        for i in 0..5_000 {
            insert(&mut d, i);
            saw_rehashing |= d.is_rehashing();
            let hashes: Vec<u64> = (0..=i).step_by(97).map(|j| d.hash(&key(j))).chain([d.hash(b"absent")]).collect();
            d.prefetch(&hashes);
        }
        assert!(saw_rehashing);
        assert_eq!(d.len(), 5_000);
        for i in 0..5_000 {
            let k = key(i);
            assert_eq!(d.find(d.hash(&k), &k).map(|n| n.to_vec()), Some(k.clone()));
        }
        assert!(d.find(d.hash(b"absent"), b"absent").is_none());
    }

    #[test]
    fn scan_survives_growth_and_shrink() {
        let mut d = Dict::new();
        for i in 0..1000 {
            insert(&mut d, i);
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut step = 0;
        loop {
            cursor = d.scan(cursor, |n| {
                seen.insert(n.to_vec());
            });
            step += 1;
            if step == 3 {
                for i in 1000..20_000 {
                    insert(&mut d, i);
                }
            }
            if step == 40 {
                for i in 1000..20_000 {
                    let k = key(i);
                    let h = d.hash(&k);
                    d.remove(h, &k);
                }
                d.shrink_if_needed();
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..1000 {
            assert!(seen.contains(&key(i)), "missed {i}");
        }
    }

    #[test]
    fn sample_visits_members_and_stops_at_count() {
        let mut d = Dict::new();
        assert_eq!(d.sample(5, || 3, |_| panic!("empty")), 0);
        for i in 0..1000 {
            insert(&mut d, i);
        }
        let mut x = 7u64;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut seen = HashSet::new();
        for _ in 0..200 {
            let mut got = 0;
            assert_eq!(
                d.sample(5, &mut rnd, |n| {
                    got += 1;
                    seen.insert(n.to_vec());
                }),
                5
            );
            assert_eq!(got, 5);
        }
        assert!(seen.len() > 500, "samples spread over the table: {}", seen.len());
        // While rehashing, both tables are sampled.
        for i in 1000..1100 {
            insert(&mut d, i);
        }
        assert!(d.is_rehashing());
        let n = d.sample(3000, &mut rnd, |_| {});
        assert!(n > 0 && n <= 1100, "asking beyond the size visits at most the size: {n}");
    }

    #[test]
    fn growth_waits_under_a_memory_limit() {
        let mut d = Dict::new();
        for i in 0..1024 {
            insert(&mut d, i);
        }
        d.rehash_for(Duration::from_secs(1));
        let slots = d.slots();
        d.grow_limit = 1; // Any growth would cross it.
        for i in 1024..1024 + slots / 2 {
            insert(&mut d, i);
        }
        assert_eq!(d.slots(), slots, "no growth below a 1.618 load factor");
        for i in 1024 + slots / 2..1024 + slots {
            insert(&mut d, i);
        }
        assert!(d.slots() > slots || d.is_rehashing(), "past the load factor it grows anyway");
    }

    #[test]
    fn random_returns_members() {
        let mut d = Dict::new();
        assert!(d.random(|| 7).is_none());
        for i in 0..100 {
            insert(&mut d, i);
        }
        let mut x = 1u64;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..100 {
            let n = d.random(&mut rnd).unwrap();
            assert!(n.starts_with(b"key:"));
        }
    }
}
