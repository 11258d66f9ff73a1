//! The sorted set value type. Small sets are a `Listpack` of member, score,
//! member, score … in (score, member) order (Redis's `listpack` encoding).
//! Past `zset-max-listpack-entries` members, or with a member longer than
//! `zset-max-listpack-value`, a set becomes `Sorted` (`skiplist` to OBJECT
//! ENCODING): a `Table` of (member, score) for O(1) lookup by member, plus
//! an order-statistic B+tree (`tree`) of (score, member index) for O(log n)
//! rank, select and range queries. It never goes back, except that store
//! commands pick the encoding of the result they build, as Redis does.
//!
//! Ranges are expressed as rank intervals `[start, end)` in ascending order;
//! score and lex ranges are turned into ranks first. Lex ranges assume, as
//! Redis documents, that all scores are equal; for the listpack encoding the
//! exact linear walk Redis does is reproduced even when they are not.
//!
//! The handle is 16 bytes so it sits inline in the key's `Value`.

mod tree;

use std::cmp::Ordering;

use super::compact::CompactBytes;
use super::listpack::{Elem, Item, Listpack};
use super::table::{Link, Slot, Table};
use tree::{Members, Tree};

/// The thresholds from the config (`zset-max-listpack-*`).
#[derive(Debug, Clone, Copy)]
pub struct ZLimits {
    pub max_entries: usize,
    pub max_value: usize,
}

impl Default for ZLimits {
    fn default() -> Self {
        ZLimits { max_entries: 128, max_value: 64 }
    }
}

/// A member and its score in the table encoding (40 bytes).
#[derive(Clone)]
pub struct Entry {
    member: CompactBytes,
    score: f64,
    link: Link,
}

impl Slot for Entry {
    #[inline]
    fn key(&self) -> &[u8] {
        &self.member
    }
    #[inline]
    fn link(&self) -> &Link {
        &self.link
    }
    #[inline]
    fn link_mut(&mut self) -> &mut Link {
        &mut self.link
    }
}

struct ByTable<'a>(&'a Table<Entry>);

impl Members for ByTable<'_> {
    #[inline]
    fn member(&self, id: u32) -> &[u8] {
        &self.0.get(id).member
    }
}

/// The large encoding: members by hash, order by tree.
#[derive(Clone, Default)]
pub struct Sorted {
    table: Table<Entry>,
    tree: Tree,
}

impl Sorted {
    fn insert(&mut self, m: &[u8], score: f64) {
        let h = self.table.hash(m);
        let id = self.table.insert_new(h, Entry { member: CompactBytes::new(m), score, link: Link::default() });
        self.tree.insert(score, id, &ByTable(&self.table));
    }

    fn remove_idx(&mut self, idx: u32) -> Entry {
        let by = ByTable(&self.table);
        let e = self.table.get(idx);
        self.tree.remove(e.score, &e.member, &by);
        let last = (self.table.len() - 1) as u32;
        if idx != last {
            let moved = self.table.get(last);
            self.tree.replace_id(moved.score, &moved.member, last, idx, &by);
        }
        self.table.remove_at(idx)
    }

    fn set_score(&mut self, idx: u32, score: f64) {
        let by = ByTable(&self.table);
        let e = self.table.get(idx);
        self.tree.remove(e.score, &e.member, &by);
        self.table.get_mut(idx).score = score;
        self.tree.insert(score, idx, &ByTable(&self.table));
    }

    fn elem(&self, id: u32) -> Elem<'_> {
        Elem::Str(&self.table.get(id).member)
    }

    /// Builds from entries in (score, member) order.
    fn from_sorted(entries: impl ExactSizeIterator<Item = (CompactBytes, f64)>) -> Sorted {
        let mut table = Table::with_capacity(entries.len());
        for (member, score) in entries {
            let h = table.hash(&member);
            table.insert_new(h, Entry { member, score, link: Link::default() });
        }
        let tree = Tree::from_sorted(table.items().iter().enumerate().map(|(i, e)| (e.score, i as u32)));
        Sorted { table, tree }
    }
}

/// ZADD's options.
#[derive(Debug, Default, Clone, Copy)]
pub struct AddFlags {
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
    pub incr: bool,
}

/// What ZADD did to one member.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AddResult {
    /// New member with this score.
    Added(f64),
    /// Existing member, score changed to this.
    Updated(f64),
    /// Existing member, score already this.
    Same(f64),
    /// Nothing done (NX/XX/GT/LT said no).
    Nop,
    /// The increment made the score NaN.
    Nan,
}

/// A score interval (`ZRANGEBYSCORE` syntax: `(` makes a bound exclusive).
#[derive(Debug, Clone, Copy)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub minex: bool,
    pub maxex: bool,
}

impl ScoreRange {
    #[inline]
    pub fn gte_min(&self, s: f64) -> bool {
        if self.minex { s > self.min } else { s >= self.min }
    }

    #[inline]
    pub fn lte_max(&self, s: f64) -> bool {
        if self.maxex { s < self.max } else { s <= self.max }
    }

    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

/// One end of a lex range: `-`, `+`, `[x` or `(x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexBound<'a> {
    NegInf,
    PosInf,
    Incl(&'a [u8]),
    Excl(&'a [u8]),
}

impl LexBound<'_> {
    fn excl(&self) -> bool {
        !matches!(self, LexBound::Incl(_))
    }

    /// Redis's `sdscmplex` of a member against this bound.
    fn cmp_member(&self, m: &[u8]) -> Ordering {
        match self {
            LexBound::NegInf => Ordering::Greater,
            LexBound::PosInf => Ordering::Less,
            LexBound::Incl(b) | LexBound::Excl(b) => m.cmp(b),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct LexRange<'a> {
    pub min: LexBound<'a>,
    pub max: LexBound<'a>,
}

impl LexRange<'_> {
    #[inline]
    pub fn gte_min(&self, m: &[u8]) -> bool {
        let c = self.min.cmp_member(m);
        if self.min.excl() { c == Ordering::Greater } else { c != Ordering::Less }
    }

    #[inline]
    pub fn lte_max(&self, m: &[u8]) -> bool {
        let c = self.max.cmp_member(m);
        if self.max.excl() { c == Ordering::Less } else { c != Ordering::Greater }
    }

    pub fn is_empty(&self) -> bool {
        use LexBound::*;
        let cmp = match (self.min, self.max) {
            (NegInf, NegInf) | (PosInf, PosInf) => Ordering::Equal,
            (NegInf, _) | (_, PosInf) => Ordering::Less,
            (PosInf, _) | (_, NegInf) => Ordering::Greater,
            (Incl(a) | Excl(a), Incl(b) | Excl(b)) => a.cmp(b),
        };
        cmp == Ordering::Greater || (cmp == Ordering::Equal && (self.min.excl() || self.max.excl()))
    }
}

#[derive(Clone)]
pub enum ZSet {
    Packed(Listpack),
    Sorted(Box<Sorted>),
}

/// (score, member) order.
#[inline]
fn cmp_entry(s1: f64, m1: Elem<'_>, s2: f64, m2: &[u8]) -> Ordering {
    match s1.partial_cmp(&s2) {
        Some(Ordering::Equal) | None => m1.cmp_bytes(m2),
        Some(o) => o,
    }
}

/// Finds `m` in a packed set: (member offset, score, offset after the pair).
fn pk_find(lp: &Listpack, m: &[u8]) -> Option<(usize, f64, usize)> {
    let off = lp.find(m, 2)?;
    let (score, end) = lp.score_at(lp.skip(off));
    Some((off, score, end))
}

/// Offset of the first pair ordered after (`s`, `m`) in a packed set.
fn pk_insert_pos(lp: &Listpack, m: &[u8], s: f64) -> usize {
    let mut off = lp.first();
    let end = lp.end();
    while off < end {
        let (e, so) = lp.elem_at(off);
        let (es, next) = lp.score_at(so);
        if cmp_entry(es, e, s, m) == Ordering::Greater {
            return off;
        }
        off = next;
    }
    end
}

fn pk_insert(lp: &mut Listpack, m: &[u8], s: f64) {
    let at = pk_insert_pos(lp, m, s);
    lp.splice(at, at, 0, &[Item::Bytes(m), Item::Score(s)]);
}

/// Offsets of every pair plus the end offset.
fn pk_offsets(lp: &Listpack) -> Vec<u32> {
    let mut v = lp.offsets(2);
    v.push(lp.end() as u32);
    v
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::Packed(Listpack::new())
    }
}

impl ZSet {
    /// An empty set in the encoding Redis picks for a first member of
    /// `first_len` bytes.
    pub fn new(lim: ZLimits, first_len: usize) -> ZSet {
        if lim.max_entries == 0 || first_len > lim.max_value {
            ZSet::Sorted(Box::default())
        } else {
            ZSet::Packed(Listpack::new())
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ZSet::Packed(lp) => lp.count() / 2,
            ZSet::Sorted(z) => z.table.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            ZSet::Packed(_) => "listpack",
            ZSet::Sorted(_) => "skiplist",
        }
    }

    pub fn is_packed(&self) -> bool {
        matches!(self, ZSet::Packed(_))
    }

    pub fn score(&self, m: &[u8]) -> Option<f64> {
        match self {
            ZSet::Packed(lp) => pk_find(lp, m).map(|(_, s, _)| s),
            ZSet::Sorted(z) => z.table.find(m).map(|i| z.table.get(i).score),
        }
    }

    fn convert(&mut self) {
        let ZSet::Packed(lp) = self else { return };
        let sorted = Sorted::from_sorted(lp.scored().map(|(e, s)| (e.to_compact(), s)).collect::<Vec<_>>().into_iter());
        *self = ZSet::Sorted(Box::new(sorted));
    }

    /// Adds `m` (absent) with `score`, converting first if the listpack
    /// limits would be exceeded.
    fn insert_new(&mut self, m: &[u8], score: f64, lim: ZLimits) {
        if let ZSet::Packed(lp) = self {
            if lp.count() / 2 + 1 > lim.max_entries || m.len() > lim.max_value {
                self.convert();
            } else {
                pk_insert(lp, m, score);
                return;
            }
        }
        if let ZSet::Sorted(z) = self {
            z.insert(m, score);
        }
    }

    /// ZADD for one member (Redis's `zsetAdd`). `score` is not NaN.
    pub fn add(&mut self, m: &[u8], score: f64, f: AddFlags, lim: ZLimits) -> AddResult {
        let decide = |cur: f64| -> Result<f64, AddResult> {
            if f.nx {
                return Err(AddResult::Nop);
            }
            let s = if f.incr { score + cur } else { score };
            if s.is_nan() {
                return Err(AddResult::Nan);
            }
            if (f.lt && s >= cur) || (f.gt && s <= cur) {
                return Err(AddResult::Nop);
            }
            Ok(s)
        };
        match self {
            ZSet::Packed(lp) => {
                if let Some((off, cur, end)) = pk_find(lp, m) {
                    let s = match decide(cur) {
                        Ok(s) => s,
                        Err(r) => return r,
                    };
                    if s == cur {
                        return AddResult::Same(s);
                    }
                    lp.splice(off, end, 2, &[]);
                    pk_insert(lp, m, s);
                    return AddResult::Updated(s);
                }
            }
            ZSet::Sorted(z) => {
                if let Some(idx) = z.table.find(m) {
                    let cur = z.table.get(idx).score;
                    let s = match decide(cur) {
                        Ok(s) => s,
                        Err(r) => return r,
                    };
                    if s == cur {
                        return AddResult::Same(s);
                    }
                    z.set_score(idx, s);
                    return AddResult::Updated(s);
                }
            }
        }
        if f.xx {
            return AddResult::Nop;
        }
        self.insert_new(m, score, lim);
        AddResult::Added(score)
    }

    /// Removes `m`. Returns true if it was there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self {
            ZSet::Packed(lp) => match pk_find(lp, m) {
                Some((off, _, end)) => {
                    lp.splice(off, end, 2, &[]);
                    true
                }
                None => false,
            },
            ZSet::Sorted(z) => match z.table.find(m) {
                Some(idx) => {
                    z.remove_idx(idx);
                    true
                }
                None => false,
            },
        }
    }

    /// 0-based rank of `m` (from the highest score with `rev`).
    pub fn rank(&self, m: &[u8], rev: bool) -> Option<usize> {
        let r = match self {
            ZSet::Packed(lp) => {
                let key_off = lp.find(m, 2)?;
                lp.offsets(2).iter().position(|&o| o as usize == key_off)?
            }
            ZSet::Sorted(z) => {
                let idx = z.table.find(m)?;
                let e = z.table.get(idx);
                z.tree.rank(e.score, &e.member, &ByTable(&z.table))
            }
        };
        Some(if rev { self.len() - 1 - r } else { r })
    }

    /// The ranks `[start, end)` of the members whose scores are in `r`.
    pub fn score_ranks(&self, r: &ScoreRange) -> (usize, usize) {
        if r.is_empty() {
            return (0, 0);
        }
        let (start, end) = match self {
            ZSet::Packed(lp) => {
                let scores: Vec<f64> = lp.scored().map(|(_, s)| s).collect();
                (
                    scores.iter().take_while(|&&s| !r.gte_min(s)).count(),
                    scores.iter().take_while(|&&s| r.lte_max(s)).count(),
                )
            }
            ZSet::Sorted(z) => (z.tree.count_below(|s, _| !r.gte_min(s)), z.tree.count_below(|s, _| r.lte_max(s))),
        };
        (start, end.max(start))
    }

    /// The ranks `[start, end)` of the members in the lex range `r`, as a
    /// forward (or, with `rev`, backward) walk finds them.
    pub fn lex_ranks(&self, r: &LexRange<'_>, rev: bool) -> (usize, usize) {
        if r.is_empty() || self.is_empty() {
            return (0, 0);
        }
        match self {
            ZSet::Packed(lp) => {
                let members: Vec<Elem<'_>> = lp.scored().map(|(e, _)| e).collect();
                let gte = |e: &Elem<'_>| r.gte_min(e.bytes(&mut [0u8; 20]));
                let lte = |e: &Elem<'_>| r.lte_max(e.bytes(&mut [0u8; 20]));
                let n = members.len();
                if !gte(&members[n - 1]) || !lte(&members[0]) {
                    return (0, 0);
                }
                if !rev {
                    let s = members.iter().position(gte).unwrap_or(n);
                    let e = s + members[s..].iter().take_while(|m| lte(m)).count();
                    (s, e)
                } else {
                    let Some(l) = members.iter().rposition(lte) else { return (0, 0) };
                    let s = l + 1 - members[..=l].iter().rev().take_while(|m| gte(m)).count();
                    (s, l + 1)
                }
            }
            ZSet::Sorted(z) => {
                let by = ByTable(&z.table);
                let s = z.tree.count_below(|_, id| !r.gte_min(by.member(id)));
                let e = z.tree.count_below(|_, id| r.lte_max(by.member(id)));
                (s, e.max(s))
            }
        }
    }

    /// Calls `f` for the members with ranks in `[start, end)`, ascending, or
    /// descending with `rev`.
    pub fn range(&self, start: usize, end: usize, rev: bool, mut f: impl FnMut(Elem<'_>, f64)) {
        let end = end.min(self.len());
        if start >= end {
            return;
        }
        match self {
            ZSet::Packed(lp) => {
                if rev {
                    let all: Vec<(Elem<'_>, f64)> = lp.scored().take(end).collect();
                    for &(e, s) in all[start..].iter().rev() {
                        f(e, s);
                    }
                } else {
                    for (e, s) in lp.scored().skip(start).take(end - start) {
                        f(e, s);
                    }
                }
            }
            ZSet::Sorted(z) => {
                let from = if rev { end - 1 } else { start };
                for (s, id) in z.tree.iter_from(from, rev).take(end - start) {
                    f(z.elem(id), s);
                }
            }
        }
    }

    /// Every member in order.
    pub fn for_each(&self, f: impl FnMut(Elem<'_>, f64)) {
        self.range(0, self.len(), false, f);
    }

    /// Removes the members with ranks in `[start, end)`; returns how many.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        let end = end.min(self.len());
        if start >= end {
            return 0;
        }
        let n = end - start;
        match self {
            ZSet::Packed(lp) => {
                let offs = pk_offsets(lp);
                lp.splice(offs[start] as usize, offs[end] as usize, 2 * n, &[]);
            }
            ZSet::Sorted(z) => {
                if n * 2 > z.table.len() {
                    let keep: Vec<(CompactBytes, f64)> = z
                        .tree
                        .iter_from(0, false)
                        .enumerate()
                        .filter(|(r, _)| *r < start || *r >= end)
                        .map(|(_, (s, id))| (z.table.get(id).member.clone(), s))
                        .collect();
                    **z = Sorted::from_sorted(keep.into_iter());
                } else {
                    let doomed: Vec<CompactBytes> =
                        z.tree.iter_from(start, false).take(n).map(|(_, id)| z.table.get(id).member.clone()).collect();
                    for m in doomed {
                        if let Some(idx) = z.table.find(&m) {
                            z.remove_idx(idx);
                        }
                    }
                }
            }
        }
        n
    }

    /// Removes and returns the member with the lowest (or highest) score.
    pub fn pop(&mut self, max: bool) -> Option<(CompactBytes, f64)> {
        match self {
            ZSet::Packed(lp) => {
                let n = lp.count() / 2;
                let rank = if max { n.checked_sub(1)? } else { 0 };
                let offs = pk_offsets(lp);
                let (e, so) = lp.elem_at(offs[rank] as usize);
                let (m, s) = (e.to_compact(), lp.score_at(so).0);
                lp.splice(offs[rank] as usize, offs[rank + 1] as usize, 2, &[]);
                Some((m, s))
            }
            ZSet::Sorted(z) => {
                let (s, id) = if max { z.tree.last() } else { z.tree.first() }?;
                Some((z.remove_idx(id).member, s))
            }
        }
    }

    /// The member at position `i` of an arbitrary fixed order (for uniform
    /// random picks: O(1) in the table encoding).
    pub fn nth(&self, i: usize) -> (Elem<'_>, f64) {
        match self {
            ZSet::Packed(lp) => lp.scored().nth(i).expect("index in range"),
            ZSet::Sorted(z) => {
                let e = &z.table.items()[i];
                (Elem::Str(&e.member), e.score)
            }
        }
    }

    /// Every (member, score), collected (random picks from a packed set).
    pub fn pairs(&self) -> Vec<(Elem<'_>, f64)> {
        match self {
            ZSet::Packed(lp) => lp.scored().collect(),
            ZSet::Sorted(z) => z.table.items().iter().map(|e| (Elem::Str(&e.member), e.score)).collect(),
        }
    }

    /// One step of ZSCAN: the listpack returns everything with cursor 0, the
    /// table one bucket chain.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(Elem<'_>, f64)) -> u64 {
        match self {
            ZSet::Packed(lp) => {
                lp.scored().for_each(|(e, s)| f(e, s));
                0
            }
            ZSet::Sorted(z) => z.table.scan(cursor, |e| f(Elem::Str(&e.member), e.score)),
        }
    }

    /// Builds a set from distinct members, in the encoding Redis gives a
    /// stored result: a listpack when it fits the limits.
    pub fn from_entries(mut v: Vec<(CompactBytes, f64)>, lim: ZLimits) -> ZSet {
        v.sort_unstable_by(|a, b| match a.1.partial_cmp(&b.1) {
            Some(Ordering::Equal) | None => a.0.cmp(&b.0),
            Some(o) => o,
        });
        let max_len = v.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        if v.len() <= lim.max_entries && max_len <= lim.max_value {
            let mut lp = Listpack::new();
            let items: Vec<Item<'_>> = v.iter().flat_map(|(m, s)| [Item::Bytes(m), Item::Score(*s)]).collect();
            lp.push(&items);
            ZSet::Packed(lp)
        } else {
            ZSet::Sorted(Box::new(Sorted::from_sorted(v.into_iter())))
        }
    }

    /// Approximate heap bytes owned.
    pub fn heap_size(&self) -> usize {
        match self {
            ZSet::Packed(lp) => lp.heap_size(),
            ZSet::Sorted(z) => {
                std::mem::size_of::<Sorted>()
                    + z.table.heap_size()
                    + z.tree.heap_size()
                    + z.table.items().iter().map(|e| e.member.heap_size()).sum::<usize>()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::rng::Rng;

    fn members(z: &ZSet) -> Vec<(Vec<u8>, f64)> {
        let mut v = Vec::new();
        z.for_each(|e, s| v.push((e.to_vec(), s)));
        v
    }

    fn add(z: &mut ZSet, m: &str, s: f64, lim: ZLimits) -> AddResult {
        z.add(m.as_bytes(), s, AddFlags::default(), lim)
    }

    #[test]
    fn sizes() {
        assert_eq!(std::mem::size_of::<ZSet>(), 16);
        assert_eq!(std::mem::size_of::<Entry>(), 40);
    }

    /// Both encodings give the same answers to every query.
    #[test]
    fn encodings_agree() {
        let small = ZLimits::default();
        let big = ZLimits { max_entries: 0, max_value: 0 };
        let mut a = ZSet::new(small, 1);
        let mut b = ZSet::new(big, 1);
        assert_eq!((a.encoding(), b.encoding()), ("listpack", "skiplist"));
        let mut rng = Rng::new(3);
        for i in 0..100 {
            let m = format!("m{}", rng.below(60));
            let s = (rng.below(20) as f64) - 10.0;
            let f = AddFlags { incr: i % 5 == 0, gt: i % 7 == 0, ..Default::default() };
            assert_eq!(a.add(m.as_bytes(), s, f, small), b.add(m.as_bytes(), s, f, big));
            if i % 9 == 0 {
                let m = format!("m{}", rng.below(60));
                assert_eq!(a.remove(m.as_bytes()), b.remove(m.as_bytes()));
            }
        }
        assert_eq!(a.encoding(), "listpack");
        assert_eq!(members(&a), members(&b));
        for m in 0..60 {
            let m = format!("m{m}");
            assert_eq!(a.rank(m.as_bytes(), false), b.rank(m.as_bytes(), false));
            assert_eq!(a.rank(m.as_bytes(), true), b.rank(m.as_bytes(), true));
        }
        for (min, max, minex, maxex) in
            [(-3.0, 4.0, false, true), (-100.0, 100.0, true, true), (2.0, 2.0, false, false)]
        {
            let r = ScoreRange { min, max, minex, maxex };
            assert_eq!(a.score_ranks(&r), b.score_ranks(&r));
        }
        // Lex ranges need equal scores.
        let (mut c, mut d) = (ZSet::new(small, 1), ZSet::new(big, 1));
        for _ in 0..50 {
            let m = format!("m{}", rng.below(80));
            c.add(m.as_bytes(), 0.0, AddFlags::default(), small);
            d.add(m.as_bytes(), 0.0, AddFlags::default(), big);
        }
        for rev in [false, true] {
            for r in [
                LexRange { min: LexBound::Incl(b"m2"), max: LexBound::Excl(b"m5") },
                LexRange { min: LexBound::NegInf, max: LexBound::Incl(b"m3") },
                LexRange { min: LexBound::Excl(b"m7"), max: LexBound::PosInf },
            ] {
                let walk = |z: &ZSet| {
                    let mut v = Vec::new();
                    let (s, e) = z.lex_ranks(&r, rev);
                    z.range(s, e, rev, |m, _| v.push(m.to_vec()));
                    v
                };
                assert_eq!(walk(&c), walk(&d));
            }
        }
        assert_eq!(a.remove_ranks(2, 5), b.remove_ranks(2, 5));
        assert_eq!(members(&a), members(&b));
        assert_eq!(a.pop(true), b.pop(true));
        assert_eq!(a.pop(false), b.pop(false));
        assert_eq!(members(&a), members(&b));
    }

    #[test]
    fn converts_past_limits() {
        let lim = ZLimits { max_entries: 3, max_value: 5 };
        let mut z = ZSet::new(lim, 1);
        for (i, m) in ["a", "b", "c"].iter().enumerate() {
            assert_eq!(add(&mut z, m, i as f64, lim), AddResult::Added(i as f64));
        }
        assert_eq!(z.encoding(), "listpack");
        add(&mut z, "d", 0.5, lim);
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(
            members(&z).iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
            vec![b"a".to_vec(), b"d".to_vec(), b"b".to_vec(), b"c".to_vec()]
        );
        let mut z = ZSet::new(lim, 1);
        add(&mut z, "toolong", 1.0, lim);
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(ZSet::new(lim, 6).encoding(), "skiplist");
    }

    #[test]
    fn flags_follow_zsetadd() {
        let lim = ZLimits::default();
        let mut z = ZSet::default();
        let f = |nx, xx, gt, lt, incr| AddFlags { nx, xx, gt, lt, incr };
        assert_eq!(z.add(b"a", 1.0, f(false, true, false, false, false), lim), AddResult::Nop);
        assert_eq!(z.add(b"a", 1.0, f(true, false, false, false, false), lim), AddResult::Added(1.0));
        assert_eq!(z.add(b"a", 5.0, f(true, false, false, false, false), lim), AddResult::Nop);
        assert_eq!(z.add(b"a", 0.5, f(false, false, true, false, false), lim), AddResult::Nop);
        assert_eq!(z.add(b"a", 2.0, f(false, false, true, false, true), lim), AddResult::Updated(3.0));
        assert_eq!(z.add(b"a", 0.0, f(false, false, false, false, true), lim), AddResult::Same(3.0));
        assert_eq!(
            z.add(b"a", f64::INFINITY, f(false, false, false, false, false), lim),
            AddResult::Updated(f64::INFINITY)
        );
        assert_eq!(z.add(b"a", f64::NEG_INFINITY, f(false, false, false, false, true), lim), AddResult::Nan);
    }

    #[test]
    fn lex_ranges_and_emptiness() {
        let lim = ZLimits::default();
        let mut z = ZSet::default();
        for m in ["a", "b", "c", "d"] {
            add(&mut z, m, 0.0, lim);
        }
        let r = |min, max| LexRange { min, max };
        assert_eq!(z.lex_ranks(&r(LexBound::NegInf, LexBound::PosInf), false), (0, 4));
        assert_eq!(z.lex_ranks(&r(LexBound::Excl(b"a"), LexBound::Incl(b"c")), false), (1, 3));
        assert!(r(LexBound::NegInf, LexBound::NegInf).is_empty());
        assert!(r(LexBound::PosInf, LexBound::NegInf).is_empty());
        assert!(r(LexBound::Excl(b"a"), LexBound::Incl(b"a")).is_empty());
        assert!(!r(LexBound::Incl(b"a"), LexBound::Incl(b"a")).is_empty());
    }

    #[test]
    fn big_set_ranks_and_removals() {
        let lim = ZLimits::default();
        let mut z = ZSet::default();
        for i in 0..5000 {
            add(&mut z, &format!("m{i}"), (i % 100) as f64, lim);
        }
        assert_eq!(z.encoding(), "skiplist");
        let r = ScoreRange { min: 10.0, max: 20.0, minex: true, maxex: false };
        assert_eq!(z.score_ranks(&r), (11 * 50, 21 * 50));
        assert_eq!(z.remove_ranks(0, 4000), 4000);
        assert_eq!(z.len(), 1000);
        assert_eq!(z.remove_ranks(0, 10), 10);
        let mut prev = f64::NEG_INFINITY;
        z.for_each(|_, s| {
            assert!(s >= prev);
            prev = s;
        });
        for i in 0..5000 {
            z.remove(format!("m{i}").as_bytes());
        }
        assert!(z.is_empty());
    }
}
