//! An order-statistic B+tree of sorted-set entries: (score, id) pairs kept
//! in (score, member) order, where `id` is the member's index in the sorted
//! set's table and the member bytes are read through `Members`. Every inner
//! node keeps, per child, the number of entries below it and the child's
//! largest (score, id), so search, rank, select and insertion are
//! O(log n) with a handful of cache lines per level (64-way nodes; a million
//! entries is three or four levels). Leaves are linked both ways for range
//! walks.
//!
//! Nodes live in two arenas (`Vec`s) addressed by `u32`, with free lists;
//! no `unsafe`, no per-entry allocation. A leaf split at the tail keeps the
//! full leaf full (appending ascending scores, the usual time-series case,
//! packs leaves completely); a node that drops below a quarter merges with
//! a neighbour when they fit in one, and freed nodes are reused.
//!
//! Scores are never NaN. `-0.0` and `0.0` compare equal, ties broken by
//! member bytes (memcmp order), as in Redis's skiplist.

use std::cmp::Ordering;

/// Reads a member's bytes by id.
pub trait Members {
    fn member(&self, id: u32) -> &[u8];
}

const CAP: usize = 64;
const MIN_FILL: usize = CAP / 4;
const NIL: u32 = u32::MAX;
/// Trees up to this many leaves are rebuilt densely when more than half of
/// their nodes are free (well under a millisecond). Larger ones keep free
/// nodes for reuse and are rebuilt only once under 1/16 full, when the
/// rebuild (linear in the entries left) is cheap again.
const MAX_COMPACT_LEAVES: usize = 2048;

#[derive(Clone)]
struct Leaf {
    len: u32,
    prev: u32,
    next: u32,
    scores: [f64; CAP],
    ids: [u32; CAP],
}

impl Leaf {
    fn new() -> Leaf {
        Leaf { len: 0, prev: NIL, next: NIL, scores: [0.0; CAP], ids: [0; CAP] }
    }

    fn insert(&mut self, p: usize, s: f64, id: u32) {
        let n = self.len as usize;
        self.scores.copy_within(p..n, p + 1);
        self.ids.copy_within(p..n, p + 1);
        self.scores[p] = s;
        self.ids[p] = id;
        self.len += 1;
    }

    fn remove(&mut self, p: usize) -> u32 {
        let n = self.len as usize;
        let id = self.ids[p];
        self.scores.copy_within(p + 1..n, p);
        self.ids.copy_within(p + 1..n, p);
        self.len -= 1;
        id
    }
}

#[derive(Clone)]
struct Inner {
    len: u32,
    counts: [u32; CAP],
    children: [u32; CAP],
    max_scores: [f64; CAP],
    max_ids: [u32; CAP],
}

/// One child reference as an inner node stores it.
#[derive(Clone, Copy)]
struct ChildRef {
    node: u32,
    count: u32,
    max_score: f64,
    max_id: u32,
}

impl Inner {
    fn new() -> Inner {
        Inner { len: 0, counts: [0; CAP], children: [0; CAP], max_scores: [0.0; CAP], max_ids: [0; CAP] }
    }

    fn get(&self, i: usize) -> ChildRef {
        ChildRef {
            node: self.children[i],
            count: self.counts[i],
            max_score: self.max_scores[i],
            max_id: self.max_ids[i],
        }
    }

    fn set(&mut self, i: usize, c: ChildRef) {
        self.children[i] = c.node;
        self.counts[i] = c.count;
        self.max_scores[i] = c.max_score;
        self.max_ids[i] = c.max_id;
    }

    fn insert(&mut self, p: usize, c: ChildRef) {
        let n = self.len as usize;
        self.children.copy_within(p..n, p + 1);
        self.counts.copy_within(p..n, p + 1);
        self.max_scores.copy_within(p..n, p + 1);
        self.max_ids.copy_within(p..n, p + 1);
        self.set(p, c);
        self.len += 1;
    }

    fn remove(&mut self, p: usize) {
        let n = self.len as usize;
        self.children.copy_within(p + 1..n, p);
        self.counts.copy_within(p + 1..n, p);
        self.max_scores.copy_within(p + 1..n, p);
        self.max_ids.copy_within(p + 1..n, p);
        self.len -= 1;
    }

    fn total(&self) -> u32 {
        self.counts[..self.len as usize].iter().sum()
    }
}

/// (score, member) against an entry (score, id).
#[inline]
fn cmp_key<M: Members>(s: f64, k: &[u8], es: f64, eid: u32, m: &M) -> Ordering {
    match s.partial_cmp(&es) {
        Some(Ordering::Equal) | None => k.cmp(m.member(eid)),
        Some(o) => o,
    }
}

/// A position in the tree: a leaf and an index in it.
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    leaf: u32,
    pos: u32,
}

#[derive(Clone)]
pub struct Tree {
    leaves: Vec<Leaf>,
    inners: Vec<Inner>,
    free_leaves: Vec<u32>,
    free_inners: Vec<u32>,
    root: u32,
    /// Levels of inner nodes above the leaves (0: the root is a leaf).
    height: u32,
    len: usize,
    head: u32,
    tail: u32,
}

impl Default for Tree {
    fn default() -> Self {
        Tree::new()
    }
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            leaves: Vec::new(),
            inners: Vec::new(),
            free_leaves: Vec::new(),
            free_inners: Vec::new(),
            root: NIL,
            height: 0,
            len: 0,
            head: NIL,
            tail: NIL,
        }
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn alloc_leaf(&mut self) -> u32 {
        match self.free_leaves.pop() {
            Some(i) => {
                self.leaves[i as usize] = Leaf::new();
                i
            }
            None => {
                self.leaves.push(Leaf::new());
                (self.leaves.len() - 1) as u32
            }
        }
    }

    fn alloc_inner(&mut self) -> u32 {
        match self.free_inners.pop() {
            Some(i) => {
                self.inners[i as usize] = Inner::new();
                i
            }
            None => {
                self.inners.push(Inner::new());
                (self.inners.len() - 1) as u32
            }
        }
    }

    /// Unlinks a leaf from the leaf list and frees it.
    fn free_leaf(&mut self, l: u32) {
        let (prev, next) = (self.leaves[l as usize].prev, self.leaves[l as usize].next);
        if prev == NIL {
            self.head = next;
        } else {
            self.leaves[prev as usize].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.leaves[next as usize].prev = prev;
        }
        self.free_leaves.push(l);
    }

    /// Links leaf `r` right after leaf `l`.
    fn link_after(&mut self, l: u32, r: u32) {
        let next = self.leaves[l as usize].next;
        self.leaves[r as usize].prev = l;
        self.leaves[r as usize].next = next;
        if next == NIL {
            self.tail = r;
        } else {
            self.leaves[next as usize].prev = r;
        }
        self.leaves[l as usize].next = r;
    }

    /// The reference a parent keeps for `node` at `level`.
    fn child_ref(&self, node: u32, level: u32) -> ChildRef {
        if level == 0 {
            let l = &self.leaves[node as usize];
            let n = l.len as usize;
            ChildRef { node, count: l.len, max_score: l.scores[n - 1], max_id: l.ids[n - 1] }
        } else {
            let i = &self.inners[node as usize];
            let n = i.len as usize;
            ChildRef { node, count: i.total(), max_score: i.max_scores[n - 1], max_id: i.max_ids[n - 1] }
        }
    }

    /// Entries (leaf) or children (inner) in `node`.
    fn node_len(&self, node: u32, level: u32) -> usize {
        if level == 0 { self.leaves[node as usize].len as usize } else { self.inners[node as usize].len as usize }
    }

    /// First child of inner `node` whose max is ≥ the key, or the last child.
    fn inner_search<M: Members>(&self, node: u32, s: f64, k: &[u8], m: &M) -> usize {
        let inner = &self.inners[node as usize];
        let n = inner.len as usize;
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if cmp_key(s, k, inner.max_scores[mid], inner.max_ids[mid], m) == Ordering::Greater {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo.min(n - 1)
    }

    /// First position in leaf `l` whose entry is ≥ the key.
    fn leaf_search<M: Members>(&self, l: u32, s: f64, k: &[u8], m: &M) -> usize {
        let leaf = &self.leaves[l as usize];
        let (mut lo, mut hi) = (0, leaf.len as usize);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if cmp_key(s, k, leaf.scores[mid], leaf.ids[mid], m) == Ordering::Greater {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Inserts the entry (`s`, `id`); `m.member(id)` must already read the
    /// member, which must not be in the tree.
    pub fn insert<M: Members>(&mut self, s: f64, id: u32, m: &M) {
        self.len += 1;
        if self.root == NIL {
            let l = self.alloc_leaf();
            self.leaves[l as usize].insert(0, s, id);
            self.root = l;
            self.head = l;
            self.tail = l;
            self.height = 0;
            return;
        }
        let k = m.member(id);
        if let Some(sib) = self.insert_rec(self.root, self.height, s, k, id, m) {
            let left = self.child_ref(self.root, self.height);
            let right = self.child_ref(sib, self.height);
            let r = self.alloc_inner();
            let inner = &mut self.inners[r as usize];
            inner.insert(0, left);
            inner.insert(1, right);
            self.root = r;
            self.height += 1;
        }
    }

    fn insert_rec<M: Members>(&mut self, node: u32, level: u32, s: f64, k: &[u8], id: u32, m: &M) -> Option<u32> {
        if level == 0 {
            return self.leaf_insert(node, s, k, id, m);
        }
        let pos = self.inner_search(node, s, k, m);
        let child = self.inners[node as usize].children[pos];
        match self.insert_rec(child, level - 1, s, k, id, m) {
            None => {
                let c = self.child_ref_fast(child, level - 1, self.inners[node as usize].counts[pos] + 1);
                self.inners[node as usize].set(pos, c);
                None
            }
            Some(sib) => {
                let left = self.child_ref(child, level - 1);
                let right = self.child_ref(sib, level - 1);
                self.inners[node as usize].set(pos, left);
                self.inner_insert(node, pos + 1, right)
            }
        }
    }

    /// A child reference with a known count (avoids summing an inner node).
    fn child_ref_fast(&self, node: u32, level: u32, count: u32) -> ChildRef {
        if level == 0 {
            return self.child_ref(node, 0);
        }
        let i = &self.inners[node as usize];
        let n = i.len as usize;
        ChildRef { node, count, max_score: i.max_scores[n - 1], max_id: i.max_ids[n - 1] }
    }

    /// Inserts a child reference into inner `node`, splitting it if full.
    fn inner_insert(&mut self, node: u32, p: usize, c: ChildRef) -> Option<u32> {
        if (self.inners[node as usize].len as usize) < CAP {
            self.inners[node as usize].insert(p, c);
            return None;
        }
        let r = self.alloc_inner();
        let half = CAP / 2;
        let moved: Vec<ChildRef> = (half..CAP).map(|i| self.inners[node as usize].get(i)).collect();
        self.inners[node as usize].len = half as u32;
        for (i, cr) in moved.into_iter().enumerate() {
            self.inners[r as usize].insert(i, cr);
        }
        if p <= half {
            self.inners[node as usize].insert(p, c);
        } else {
            self.inners[r as usize].insert(p - half, c);
        }
        Some(r)
    }

    fn leaf_insert<M: Members>(&mut self, l: u32, s: f64, k: &[u8], id: u32, m: &M) -> Option<u32> {
        let p = self.leaf_search(l, s, k, m);
        let (len, prev, next) = {
            let leaf = &self.leaves[l as usize];
            (leaf.len as usize, leaf.prev, leaf.next)
        };
        if len < CAP {
            self.leaves[l as usize].insert(p, s, id);
            return None;
        }
        let r = self.alloc_leaf();
        if p == CAP && next == NIL {
            // Appending past the last entry: keep this leaf full.
            self.leaves[r as usize].insert(0, s, id);
        } else if p == 0 && prev == NIL {
            // Prepending before the first entry: move everything right.
            let old = self.leaves[l as usize].clone();
            let right = &mut self.leaves[r as usize];
            right.scores = old.scores;
            right.ids = old.ids;
            right.len = old.len;
            let left = &mut self.leaves[l as usize];
            left.len = 0;
            left.insert(0, s, id);
        } else {
            let half = CAP / 2;
            let (scores, ids) = {
                let left = &mut self.leaves[l as usize];
                left.len = half as u32;
                (left.scores, left.ids)
            };
            let right = &mut self.leaves[r as usize];
            right.scores[..CAP - half].copy_from_slice(&scores[half..]);
            right.ids[..CAP - half].copy_from_slice(&ids[half..]);
            right.len = (CAP - half) as u32;
            if p <= half {
                self.leaves[l as usize].insert(p, s, id);
            } else {
                self.leaves[r as usize].insert(p - half, s, id);
            }
        }
        self.link_after(l, r);
        Some(r)
    }

    /// Removes the entry with score `s` and member `k`; returns its id.
    pub fn remove<M: Members>(&mut self, s: f64, k: &[u8], m: &M) -> Option<u32> {
        if self.root == NIL {
            return None;
        }
        let id = self.remove_rec(self.root, self.height, s, k, m)?;
        self.len -= 1;
        while self.height > 0 && self.inners[self.root as usize].len == 1 {
            let child = self.inners[self.root as usize].children[0];
            self.free_inners.push(self.root);
            self.root = child;
            self.height -= 1;
        }
        if self.height == 0 && self.leaves[self.root as usize].len == 0 {
            *self = Tree::new();
        } else if self.leaves.len() >= 64
            && ((self.leaves.len() <= MAX_COMPACT_LEAVES && self.free_leaves.len() * 2 > self.leaves.len())
                || self.len * 16 < self.leaves.len() * CAP)
        {
            self.compact(m);
        }
        Some(id)
    }

    fn remove_rec<M: Members>(&mut self, node: u32, level: u32, s: f64, k: &[u8], m: &M) -> Option<u32> {
        if level == 0 {
            let p = self.leaf_search(node, s, k, m);
            let leaf = &self.leaves[node as usize];
            if p >= leaf.len as usize || cmp_key(s, k, leaf.scores[p], leaf.ids[p], m) != Ordering::Equal {
                return None;
            }
            return Some(self.leaves[node as usize].remove(p));
        }
        let pos = self.inner_search(node, s, k, m);
        let child = self.inners[node as usize].children[pos];
        let id = self.remove_rec(child, level - 1, s, k, m)?;
        let count = self.inners[node as usize].counts[pos] - 1;
        let clen = self.node_len(child, level - 1);
        if clen == 0 {
            self.inners[node as usize].remove(pos);
            if level == 1 {
                self.free_leaf(child);
            } else {
                self.free_inners.push(child);
            }
        } else {
            let c = self.child_ref_fast(child, level - 1, count);
            self.inners[node as usize].set(pos, c);
            if clen < MIN_FILL {
                self.try_merge(node, pos, level - 1);
            }
        }
        Some(id)
    }

    /// Merges child `pos` of `node` with a neighbour if both fit in one.
    fn try_merge(&mut self, node: u32, pos: usize, level: u32) {
        let n = self.inners[node as usize].len as usize;
        let (a, b) = if pos + 1 < n {
            (pos, pos + 1)
        } else if pos > 0 {
            (pos - 1, pos)
        } else {
            return;
        };
        let (ca, cb) = (self.inners[node as usize].get(a), self.inners[node as usize].get(b));
        if self.node_len(ca.node, level) + self.node_len(cb.node, level) > CAP {
            return;
        }
        if level == 0 {
            let src = self.leaves[cb.node as usize].clone();
            let dst = &mut self.leaves[ca.node as usize];
            let (dn, sn) = (dst.len as usize, src.len as usize);
            dst.scores[dn..dn + sn].copy_from_slice(&src.scores[..sn]);
            dst.ids[dn..dn + sn].copy_from_slice(&src.ids[..sn]);
            dst.len += src.len;
            self.free_leaf(cb.node);
        } else {
            let src = self.inners[cb.node as usize].clone();
            let dn = self.inners[ca.node as usize].len as usize;
            for i in 0..src.len as usize {
                self.inners[ca.node as usize].insert(dn + i, src.get(i));
            }
            self.free_inners.push(cb.node);
        }
        let merged = ChildRef { node: ca.node, count: ca.count + cb.count, max_score: cb.max_score, max_id: cb.max_id };
        let inner = &mut self.inners[node as usize];
        inner.set(a, merged);
        inner.remove(b);
    }

    /// Rebuilds the tree densely (after mass deletions left free nodes).
    fn compact<M: Members>(&mut self, _m: &M) {
        let entries: Vec<(f64, u32)> = self.iter_from(0, false).collect();
        *self = Tree::from_sorted(entries.into_iter());
    }

    /// Points the entry (`s`, `k`) at a new id (its member moved in the
    /// table). The old id must still read the member.
    pub fn replace_id<M: Members>(&mut self, s: f64, k: &[u8], old: u32, new: u32, m: &M) {
        let mut node = self.root;
        for _ in 0..self.height {
            let pos = self.inner_search(node, s, k, m);
            let inner = &mut self.inners[node as usize];
            if inner.max_ids[pos] == old {
                inner.max_ids[pos] = new;
            }
            node = inner.children[pos];
        }
        let p = self.leaf_search(node, s, k, m);
        let leaf = &mut self.leaves[node as usize];
        debug_assert!(p < leaf.len as usize && leaf.ids[p] == old, "entry to renumber not found");
        leaf.ids[p] = new;
    }

    /// Number of entries less than (`s`, `k`): the rank of a present entry.
    pub fn rank<M: Members>(&self, s: f64, k: &[u8], m: &M) -> usize {
        if self.root == NIL {
            return 0;
        }
        let mut r = 0usize;
        let mut node = self.root;
        for _ in 0..self.height {
            let pos = self.inner_search(node, s, k, m);
            let inner = &self.inners[node as usize];
            r += inner.counts[..pos].iter().map(|&c| c as usize).sum::<usize>();
            node = inner.children[pos];
        }
        r + self.leaf_search(node, s, k, m)
    }

    /// Number of leading entries for which `below(score, id)` holds; `below`
    /// must hold for a prefix of the order and fail after it.
    pub fn count_below(&self, below: impl Fn(f64, u32) -> bool) -> usize {
        if self.root == NIL {
            return 0;
        }
        let mut r = 0usize;
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let n = inner.len as usize;
            let (mut lo, mut hi) = (0, n);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if below(inner.max_scores[mid], inner.max_ids[mid]) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            r += inner.counts[..lo].iter().map(|&c| c as usize).sum::<usize>();
            if lo == n {
                return r;
            }
            node = inner.children[lo];
        }
        let leaf = &self.leaves[node as usize];
        let (mut lo, mut hi) = (0, leaf.len as usize);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if below(leaf.scores[mid], leaf.ids[mid]) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        r + lo
    }

    /// The position of the entry at `rank` (< len).
    fn select(&self, mut rank: usize) -> Cursor {
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let mut i = 0;
            while rank >= inner.counts[i] as usize {
                rank -= inner.counts[i] as usize;
                i += 1;
            }
            node = inner.children[i];
        }
        Cursor { leaf: node, pos: rank as u32 }
    }

    /// The entry at `rank`.
    #[cfg(test)]
    pub fn get(&self, rank: usize) -> (f64, u32) {
        let c = self.select(rank);
        let l = &self.leaves[c.leaf as usize];
        (l.scores[c.pos as usize], l.ids[c.pos as usize])
    }

    /// The first and last entries.
    pub fn first(&self) -> Option<(f64, u32)> {
        (self.head != NIL).then(|| (self.leaves[self.head as usize].scores[0], self.leaves[self.head as usize].ids[0]))
    }

    pub fn last(&self) -> Option<(f64, u32)> {
        (self.tail != NIL).then(|| {
            let l = &self.leaves[self.tail as usize];
            (l.scores[l.len as usize - 1], l.ids[l.len as usize - 1])
        })
    }

    /// Walks entries from `rank` forward (or backward with `rev`).
    pub fn iter_from(&self, rank: usize, rev: bool) -> Iter<'_> {
        let cur = if rank < self.len { Some(self.select(rank)) } else { None };
        Iter { tree: self, cur, rev }
    }

    /// Builds a tree from entries already in order.
    pub fn from_sorted(entries: impl Iterator<Item = (f64, u32)>) -> Tree {
        let mut t = Tree::new();
        let mut level: Vec<ChildRef> = Vec::new();
        let mut cur = NIL;
        for (s, id) in entries {
            if cur == NIL || t.leaves[cur as usize].len as usize == CAP {
                let l = t.alloc_leaf();
                if cur == NIL {
                    t.head = l;
                } else {
                    t.leaves[cur as usize].next = l;
                    t.leaves[l as usize].prev = cur;
                }
                cur = l;
            }
            let leaf = &mut t.leaves[cur as usize];
            let n = leaf.len as usize;
            leaf.scores[n] = s;
            leaf.ids[n] = id;
            leaf.len += 1;
            t.len += 1;
        }
        if cur == NIL {
            return t;
        }
        t.tail = cur;
        let mut l = t.head;
        while l != NIL {
            level.push(t.child_ref(l, 0));
            l = t.leaves[l as usize].next;
        }
        let mut height = 0;
        while level.len() > 1 {
            let mut up = Vec::with_capacity(level.len() / CAP + 1);
            for group in level.chunks(CAP) {
                let n = t.alloc_inner();
                for (i, c) in group.iter().enumerate() {
                    t.inners[n as usize].insert(i, *c);
                }
                let last = group[group.len() - 1];
                up.push(ChildRef {
                    node: n,
                    count: group.iter().map(|c| c.count).sum(),
                    max_score: last.max_score,
                    max_id: last.max_id,
                });
            }
            level = up;
            height += 1;
        }
        t.root = level[0].node;
        t.height = height;
        t
    }

    /// Heap bytes held by the node arenas.
    pub fn heap_size(&self) -> usize {
        self.leaves.capacity() * std::mem::size_of::<Leaf>()
            + self.inners.capacity() * std::mem::size_of::<Inner>()
            + (self.free_leaves.capacity() + self.free_inners.capacity()) * 4
    }

    /// Checks every invariant (tests).
    #[cfg(test)]
    pub fn check<M: Members>(&self, m: &M) {
        if self.root == NIL {
            assert_eq!(self.len, 0);
            return;
        }
        let n = self.check_node(self.root, self.height, m);
        assert_eq!(n, self.len);
        let all: Vec<(f64, u32)> = self.iter_from(0, false).collect();
        assert_eq!(all.len(), self.len);
        for w in all.windows(2) {
            assert_eq!(cmp_key(w[0].0, m.member(w[0].1), w[1].0, w[1].1, m), Ordering::Less);
        }
        let back: Vec<(f64, u32)> = self.iter_from(self.len - 1, true).collect();
        assert_eq!(back.len(), self.len);
    }

    #[cfg(test)]
    fn check_node<M: Members>(&self, node: u32, level: u32, m: &M) -> usize {
        if level == 0 {
            let l = &self.leaves[node as usize];
            assert!(l.len > 0);
            return l.len as usize;
        }
        let inner = &self.inners[node as usize];
        assert!(inner.len > 0);
        let mut total = 0;
        for i in 0..inner.len as usize {
            let c = inner.get(i);
            let n = self.check_node(c.node, level - 1, m);
            assert_eq!(n, c.count as usize, "count of child {i}");
            let actual = self.child_ref(c.node, level - 1);
            assert_eq!(actual.max_id, c.max_id, "max of child {i}");
            assert_eq!(actual.max_score.to_bits(), c.max_score.to_bits());
            total += n;
        }
        let _ = m;
        total
    }
}

/// Walks entries in order (or reverse order).
pub struct Iter<'a> {
    tree: &'a Tree,
    cur: Option<Cursor>,
    rev: bool,
}

impl Iterator for Iter<'_> {
    type Item = (f64, u32);
    #[inline]
    fn next(&mut self) -> Option<(f64, u32)> {
        let c = self.cur?;
        let leaf = &self.tree.leaves[c.leaf as usize];
        let out = (leaf.scores[c.pos as usize], leaf.ids[c.pos as usize]);
        self.cur = if self.rev {
            if c.pos > 0 {
                Some(Cursor { leaf: c.leaf, pos: c.pos - 1 })
            } else if leaf.prev != NIL {
                let p = leaf.prev;
                Some(Cursor { leaf: p, pos: self.tree.leaves[p as usize].len - 1 })
            } else {
                None
            }
        } else if c.pos + 1 < leaf.len {
            Some(Cursor { leaf: c.leaf, pos: c.pos + 1 })
        } else if leaf.next != NIL {
            Some(Cursor { leaf: leaf.next, pos: 0 })
        } else {
            None
        };
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::rng::Rng;

    struct Names(Vec<Vec<u8>>);

    impl Members for Names {
        fn member(&self, id: u32) -> &[u8] {
            &self.0[id as usize]
        }
    }

    fn names(n: usize) -> Names {
        Names((0..n).map(|i| format!("m{i:07}").into_bytes()).collect())
    }

    #[test]
    fn random_inserts_and_removes_keep_order_and_counts() {
        let n = 20_000;
        let m = names(n);
        let mut rng = Rng::new(7);
        let scores: Vec<f64> = (0..n).map(|_| (rng.below(1000) as f64) / 4.0).collect();
        let mut t = Tree::new();
        let mut model: Vec<(f64, u32)> = Vec::new();
        for id in 0..n as u32 {
            t.insert(scores[id as usize], id, &m);
            model.push((scores[id as usize], id));
        }
        model.sort_by(|a, b| cmp_key(a.0, m.member(a.1), b.0, b.1, &m));
        t.check(&m);
        for (rank, &(s, id)) in model.iter().enumerate().step_by(97) {
            assert_eq!(t.rank(s, m.member(id), &m), rank);
            assert_eq!(t.get(rank), (s, id));
        }
        let below = t.count_below(|s, _| s < 100.0);
        assert_eq!(below, model.iter().filter(|e| e.0 < 100.0).count());
        for id in (0..n as u32).filter(|i| i % 3 != 0) {
            assert_eq!(t.remove(scores[id as usize], m.member(id), &m), Some(id));
        }
        assert_eq!(t.remove(1e9, b"nope", &m), None);
        model.retain(|e| e.1 % 3 == 0);
        t.check(&m);
        assert_eq!(t.iter_from(0, false).collect::<Vec<_>>(), model);
        for &(s, id) in &model {
            t.remove(s, m.member(id), &m);
        }
        assert!(t.is_empty());
    }

    #[test]
    fn ascending_appends_fill_leaves() {
        let n = 64 * 100;
        let m = names(n);
        let mut t = Tree::new();
        for id in 0..n as u32 {
            t.insert(id as f64, id, &m);
        }
        t.check(&m);
        assert_eq!(t.leaves.len(), 100);
        let mut d = Tree::new();
        for id in (0..n as u32).rev() {
            d.insert(id as f64, id, &m);
        }
        d.check(&m);
        assert_eq!(d.leaves.len(), 100);
    }

    #[test]
    fn bulk_build_and_renumber() {
        let n = 10_000;
        let m = names(n + 1);
        let t = Tree::from_sorted((0..n as u32).map(|i| (0.0, i)));
        t.check(&m);
        let mut t = t;
        assert_eq!(t.rank(0.0, m.member(5000), &m), 5000);
        let mut m2 = Names(m.0.clone());
        m2.0[n] = m.0[4999].clone();
        t.replace_id(0.0, m.member(4999), 4999, n as u32, &m2);
        assert_eq!(t.get(4999), (0.0, n as u32));
        assert_eq!(t.iter_from(n - 1, true).count(), n);
        assert_eq!(t.first(), Some((0.0, 0)));
        assert_eq!(t.last(), Some((0.0, n as u32 - 1)));
    }
}
