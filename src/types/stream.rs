//! The stream type (Redis 7.0's `t_stream.c` data model): entries ordered by
//! `StreamId` (ms-seq), each a packed list of field-value pairs, plus the
//! stream's counters (last generated id, first recorded id, largest deleted
//! id, entries ever added) and its consumer groups with their pending
//! entries lists (PEL) and consumers.
//!
//! Entries live in a `BTreeMap`. Beside it, `nodes` mirrors how Redis
//! packs entries into listpack nodes of its radix tree (the master entry's
//! fields, live and deleted counts, the node's byte size): approximate
//! trimming (`~`) removes whole nodes only, and XINFO reports node counts,
//! so both must follow Redis's node boundaries (`stream-node-max-entries`,
//! `stream-node-max-bytes`). The byte size is computed with Redis's listpack
//! encoding rules, without building the listpack.
//!
//! Pure data structure: no RESP, no keyspace; imports only `util`.

use std::collections::{BTreeMap, BTreeSet};

use super::lp_size;
use crate::util::number::parse_i64;

/// A stream entry id: milliseconds and sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const ZERO: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId { ms: u64::MAX, seq: u64::MAX };

    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next id (`streamIncrID`); `None` past the last possible one.
    pub fn incr(self) -> Option<StreamId> {
        if self.seq == u64::MAX {
            if self.ms == u64::MAX {
                return None;
            }
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            Some(StreamId::new(self.ms, self.seq + 1))
        }
    }

    /// The previous id (`streamDecrID`); `None` before 0-0.
    pub fn decr(self) -> Option<StreamId> {
        if self.seq == 0 {
            if self.ms == 0 {
                return None;
            }
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            Some(StreamId::new(self.ms, self.seq - 1))
        }
    }

    pub fn is_zero(self) -> bool {
        self.ms == 0 && self.seq == 0
    }

    /// The 16-byte big-endian form Redis keys its radix trees with.
    pub fn to_be_bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.ms.to_be_bytes());
        b[8..].copy_from_slice(&self.seq.to_be_bytes());
        b
    }

    pub fn from_be_bytes(b: &[u8; 16]) -> StreamId {
        StreamId::new(
            u64::from_be_bytes(b[..8].try_into().expect("8 bytes")),
            u64::from_be_bytes(b[8..].try_into().expect("8 bytes")),
        )
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// Redis's `string2ull`: a canonical non-negative `long long`, or what
/// `strtoull` accepts (leading spaces, a sign, leading zeros) without
/// overflow.
pub fn parse_ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = parse_i64(s) {
        return (v >= 0).then_some(v as u64);
    }
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    if i >= s.len() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in &s[i..] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// An id argument as `streamGenericParseIDOrReply` reads it: `-`/`+`
/// (unless `strict`), `ms`, `ms-seq`, and `ms-*` when `seq_star` (XADD).
/// `missing_seq` is the sequence of an id given as `ms` alone. Returns the
/// id and whether the sequence was given (false for `ms-*`).
pub fn parse_id(s: &[u8], missing_seq: u64, strict: bool, seq_star: bool) -> Option<(StreamId, bool)> {
    if s.len() > 127 {
        return None;
    }
    // The C code works on a NUL-terminated copy: a NUL ends the string.
    let s = match s.iter().position(|&b| b == 0) {
        Some(p) => &s[..p],
        None => s,
    };
    if s == b"-" || s == b"+" {
        if strict {
            return None;
        }
        return Some((if s == b"-" { StreamId::ZERO } else { StreamId::MAX }, true));
    }
    match s.iter().position(|&b| b == b'-') {
        Some(dash) => {
            let ms = parse_ull(&s[..dash])?;
            let rest = &s[dash + 1..];
            if seq_star && rest == b"*" {
                return Some((StreamId::new(ms, 0), false));
            }
            Some((StreamId::new(ms, parse_ull(rest)?), true))
        }
        None => Some((StreamId::new(parse_ull(s)?, missing_seq), true)),
    }
}

fn put_len(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn get_len(b: &[u8], off: &mut usize) -> u64 {
    let mut n = 0u64;
    let mut shift = 0;
    loop {
        let c = b[*off];
        *off += 1;
        n |= u64::from(c & 0x7f) << shift;
        if c & 0x80 == 0 {
            return n;
        }
        shift += 7;
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Entry flags inside a node (as Redis's `STREAM_ITEM_FLAG_*`).
pub const FLAG_DELETED: u8 = 1;
pub const FLAG_SAMEFIELDS: u8 = 2;

/// A view of one entry's field-value pairs inside its node: the values,
/// and the field names too unless they are the node's master fields.
#[derive(Clone, Copy, Debug)]
pub struct EntryRef<'a> {
    master: &'a [Box<[u8]>],
    same: bool,
    pairs: usize,
    body: &'a [u8],
}

impl<'a> EntryRef<'a> {
    /// Number of strings (twice the number of pairs).
    pub fn count(&self) -> usize {
        self.pairs * 2
    }

    /// The strings, fields and values alternating.
    pub fn iter(&self) -> EntryIter<'a> {
        EntryIter { e: *self, off: 0, i: 0 }
    }

    /// The strings as owned vectors (tests, comparisons).
    pub fn to_vec(&self) -> Vec<Vec<u8>> {
        self.iter().map(|s| s.to_vec()).collect()
    }

    /// Are the field names those of the node's master entry?
    pub fn same_fields(&self) -> bool {
        self.same
    }
}

pub struct EntryIter<'a> {
    e: EntryRef<'a>,
    off: usize,
    i: usize,
}

impl<'a> Iterator for EntryIter<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.i >= self.e.pairs * 2 {
            return None;
        }
        let i = self.i;
        self.i += 1;
        if self.e.same && i.is_multiple_of(2) {
            return Some(&self.e.master[i / 2]);
        }
        let n = get_len(self.e.body, &mut self.off) as usize;
        let s = &self.e.body[self.off..self.off + n];
        self.off += n;
        Some(s)
    }
}

/// The largest listpack Redis builds (`STREAM_LISTPACK_MAX_SIZE`).
pub const LISTPACK_MAX_SIZE: usize = 1 << 30;

/// One listpack node of Redis's representation, as far as it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The master entry's field names.
    pub master_fields: Vec<Box<[u8]>>,
    /// Entries not deleted.
    pub live: u64,
    /// Entries flagged deleted (still occupying the listpack).
    pub deleted: u64,
    /// Listpack bytes except the live and deleted counters.
    body: usize,
    /// The last entry ever appended to the node (deleted or not).
    pub last: StreamId,
    /// The entries back to back, deleted ones included: a flags byte,
    /// the id as zigzag deltas from the master id, then the values (with
    /// `FLAG_SAMEFIELDS`) or the pair count and fields and values, each
    /// string as a LEB128 length and its bytes.
    data: Vec<u8>,
}

/// One entry decoded from a node.
#[derive(Clone, Copy, Debug)]
pub struct RawEntry<'a> {
    pub id: StreamId,
    pub flags: u8,
    pub fields: EntryRef<'a>,
}

impl Node {
    fn bytes(&self) -> usize {
        self.body + lp_size::int(self.live as i64) + lp_size::int(self.deleted as i64)
    }

    /// The entry at byte offset `off` of `data` and the next offset.
    fn decode(&self, master: StreamId, off: usize) -> (RawEntry<'_>, usize) {
        let d = &self.data;
        let mut o = off;
        let flags = d[o];
        o += 1;
        let ms = master.ms.wrapping_add(unzigzag(get_len(d, &mut o)) as u64);
        let seq = master.seq.wrapping_add(unzigzag(get_len(d, &mut o)) as u64);
        let same = flags & FLAG_SAMEFIELDS != 0;
        let pairs = if same { self.master_fields.len() } else { get_len(d, &mut o) as usize };
        let strings = if same { pairs } else { 2 * pairs };
        let body_start = o;
        for _ in 0..strings {
            let n = get_len(d, &mut o) as usize;
            o += n;
        }
        let fields = EntryRef { master: &self.master_fields, same, pairs, body: &d[body_start..o] };
        (RawEntry { id: StreamId::new(ms, seq), flags, fields }, o)
    }

    /// Every entry of the node, deleted ones included, in order.
    pub fn entries(&self, master: StreamId) -> impl Iterator<Item = RawEntry<'_>> {
        let mut off = 0;
        std::iter::from_fn(move || {
            if off >= self.data.len() {
                return None;
            }
            let (e, next) = self.decode(master, off);
            off = next;
            Some(e)
        })
    }

    /// Offsets of the entries (for reverse iteration and in-place flags).
    fn offsets(&self, master: StreamId) -> Vec<usize> {
        let mut v = Vec::with_capacity((self.live + self.deleted) as usize);
        let mut off = 0;
        while off < self.data.len() {
            v.push(off);
            off = self.decode(master, off).1;
        }
        v
    }

    /// The live entry `id`: its offset.
    fn find(&self, master: StreamId, id: StreamId) -> Option<usize> {
        let mut off = 0;
        while off < self.data.len() {
            let (e, next) = self.decode(master, off);
            if e.id == id {
                return (e.flags & FLAG_DELETED == 0).then_some(off);
            }
            if e.id > id {
                return None;
            }
            off = next;
        }
        None
    }

    /// Appends an entry to `data`.
    fn push(&mut self, master: StreamId, id: StreamId, same: bool, deleted: bool, items: &[&[u8]]) {
        let mut flags = if same { FLAG_SAMEFIELDS } else { 0 };
        if deleted {
            flags |= FLAG_DELETED;
        }
        self.data.push(flags);
        put_len(&mut self.data, zigzag(id.ms.wrapping_sub(master.ms) as i64));
        put_len(&mut self.data, zigzag(id.seq.wrapping_sub(master.seq) as i64));
        if same {
            for v in items.iter().skip(1).step_by(2) {
                put_len(&mut self.data, v.len() as u64);
                self.data.extend_from_slice(v);
            }
        } else {
            put_len(&mut self.data, (items.len() / 2) as u64);
            for it in items {
                put_len(&mut self.data, it.len() as u64);
                self.data.extend_from_slice(it);
            }
        }
    }
}

/// The node limits (`stream-node-max-bytes`, `stream-node-max-entries`).
#[derive(Debug, Clone, Copy)]
pub struct NodeLimits {
    pub max_bytes: usize,
    pub max_entries: i64,
}

impl Default for NodeLimits {
    fn default() -> NodeLimits {
        NodeLimits { max_bytes: 4096, max_entries: 100 }
    }
}

/// A pending entry: delivered to a consumer, not yet acknowledged.
#[derive(Clone, Debug, PartialEq)]
pub struct Nack {
    pub delivery_time: u64,
    pub delivery_count: u64,
    pub consumer: Box<[u8]>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Consumer {
    pub seen_time: u64,
    /// Ids of the group's pending entries owned by this consumer.
    pub pel: BTreeSet<StreamId>,
}

/// `SCG_INVALID_ENTRIES_READ`.
pub const ENTRIES_READ_INVALID: i64 = -1;

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub last_id: StreamId,
    /// Entries read by the group (`-1`: unknown).
    pub entries_read: i64,
    pub pel: BTreeMap<StreamId, Nack>,
    pub consumers: BTreeMap<Box<[u8]>, Consumer>,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group { last_id, entries_read, pel: BTreeMap::new(), consumers: BTreeMap::new() }
    }

    /// Deletes a consumer and its pending entries; returns how many it had.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }

    /// Removes a pending entry from the group and its consumer.
    pub fn ack(&mut self, id: StreamId) -> bool {
        match self.pel.remove(&id) {
            Some(n) => {
                if let Some(c) = self.consumers.get_mut(&n.consumer) {
                    c.pel.remove(&id);
                }
                true
            }
            None => false,
        }
    }

    /// Gives the pending entry `id` to `consumer` (which exists).
    pub fn assign(&mut self, id: StreamId, consumer: &[u8]) {
        let nack = self.pel.get_mut(&id).expect("pending entry");
        if &*nack.consumer != consumer {
            if let Some(c) = self.consumers.get_mut(&nack.consumer) {
                c.pel.remove(&id);
            }
            nack.consumer = consumer.into();
        }
        self.consumers.get_mut(consumer).expect("consumer").pel.insert(id);
    }
}

/// Why XADD could not add an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddError {
    /// The id is not greater than the last one (or the sequence overflowed).
    NotGreater,
}

/// Trimming strategy of XADD/XTRIM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    MaxLen(u64),
    MinId(StreamId),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stream {
    nodes: BTreeMap<StreamId, Node>,
    /// Live entries.
    length: usize,
    pub last_id: StreamId,
    /// Redis's `first_id`: the first entry's id as recorded (0-0 when empty).
    pub first_id: StreamId,
    pub max_deleted_id: StreamId,
    pub entries_added: u64,
    pub groups: BTreeMap<Box<[u8]>, Group>,
}

impl Stream {
    pub fn new() -> Stream {
        Stream::default()
    }

    pub fn len(&self) -> usize {
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Listpack nodes (`radix-tree-keys`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Nodes of Redis's radix tree holding the listpack nodes, keyed by
    /// their 16-byte master ids (`radix-tree-nodes`): one per branching
    /// point and compressed run, plus the leaves.
    pub fn rax_node_count(&self) -> usize {
        let keys: Vec<[u8; 16]> = self.nodes.keys().map(|id| id.to_be_bytes()).collect();
        fn count(keys: &[[u8; 16]], depth: usize) -> usize {
            if keys.is_empty() {
                return 1;
            }
            if depth == 16 {
                return 1;
            }
            // Common prefix of all keys from `depth`.
            let first = &keys[0];
            let last = &keys[keys.len() - 1];
            let mut d = depth;
            while d < 16 && first[d] == last[d] {
                d += 1;
            }
            if d > depth {
                // A compressed node for the run, then what follows it.
                return 1 + count(keys, d);
            }
            // A branching node with one child per distinct byte.
            let mut n = 1;
            let mut i = 0;
            while i < keys.len() {
                let b = keys[i][depth];
                let mut j = i;
                while j < keys.len() && keys[j][depth] == b {
                    j += 1;
                }
                n += count(&keys[i..j], depth + 1);
                i = j;
            }
            n
        }
        if keys.is_empty() {
            return 1;
        }
        count(&keys, 0)
    }

    /// The nodes, by master id.
    pub fn nodes(&self) -> impl Iterator<Item = (&StreamId, &Node)> {
        self.nodes.iter()
    }

    /// The live entry `id`.
    pub fn get(&self, id: StreamId) -> Option<EntryRef<'_>> {
        let (m, n) = self.nodes.range(..=id).next_back()?;
        let off = n.find(*m, id)?;
        Some(n.decode(*m, off).0.fields)
    }

    pub fn contains(&self, id: StreamId) -> bool {
        self.get(id).is_some()
    }

    /// The first live entry's id.
    pub fn first_entry_id(&self) -> Option<StreamId> {
        self.range(StreamId::ZERO, StreamId::MAX, false).next().map(|(id, _)| id)
    }

    /// The first entry's id, deleted ones included, or `MAX` when there
    /// is none (`streamGetEdgeID(s, 1, 0, ..)`).
    pub fn first_id_with_tombstones(&self) -> StreamId {
        self.nodes().next().and_then(|(m, n)| n.entries(*m).next()).map_or(StreamId::MAX, |e| e.id)
    }

    /// The last live entry's id (`streamLastValidID`).
    pub fn last_entry_id(&self) -> Option<StreamId> {
        self.range(StreamId::ZERO, StreamId::MAX, true).next().map(|(id, _)| id)
    }

    /// Live entries with ids in `[start, end]`, ascending or (`rev`)
    /// descending.
    pub fn range(
        &self,
        start: StreamId,
        end: StreamId,
        rev: bool,
    ) -> Box<dyn Iterator<Item = (StreamId, EntryRef<'_>)> + '_> {
        if start > end {
            return Box::new(std::iter::empty());
        }
        let first = self.nodes.range(..=start).next_back().map(|(k, _)| *k).unwrap_or(start);
        let nodes = self.nodes.range(first..=end);
        let live = |e: &RawEntry<'_>| e.flags & FLAG_DELETED == 0;
        if rev {
            Box::new(
                nodes
                    .rev()
                    .flat_map(|(m, n)| {
                        let offs = n.offsets(*m);
                        offs.into_iter().rev().map(move |o| n.decode(*m, o).0)
                    })
                    .filter(live)
                    .skip_while(move |e| e.id > end)
                    .take_while(move |e| e.id >= start)
                    .map(|e| (e.id, e.fields)),
            )
        } else {
            Box::new(
                nodes
                    .flat_map(|(m, n)| n.entries(*m))
                    .filter(live)
                    .skip_while(move |e| e.id < start)
                    .take_while(move |e| e.id <= end)
                    .map(|e| (e.id, e.fields)),
            )
        }
    }

    /// The id XADD would give an entry: `given` is the explicit id and
    /// whether its sequence was given (`ms-*` not), `None` for `*`.
    pub fn next_id(&self, given: Option<(StreamId, bool)>, now_ms: u64) -> Result<StreamId, AddError> {
        let id = match given {
            Some((id, true)) => id,
            Some((id, false)) => {
                if self.last_id.ms == id.ms {
                    if self.last_id.seq == u64::MAX {
                        return Err(AddError::NotGreater);
                    }
                    StreamId::new(id.ms, self.last_id.seq + 1)
                } else {
                    id
                }
            }
            None => {
                if now_ms > self.last_id.ms {
                    StreamId::new(now_ms, 0)
                } else {
                    self.last_id.incr().unwrap_or(StreamId::ZERO)
                }
            }
        };
        if id <= self.last_id {
            return Err(AddError::NotGreater);
        }
        Ok(id)
    }

    /// Appends an entry with `id` (greater than `last_id`, checked by
    /// `next_id`); `items` are fields and values alternating.
    pub fn append(&mut self, id: StreamId, items: &[&[u8]], limits: NodeLimits) {
        let numfields = items.len() / 2;
        let total: usize = items.iter().map(|s| s.len()).sum();
        let mut max_bytes = limits.max_bytes;
        if max_bytes == 0 || max_bytes > LISTPACK_MAX_SIZE {
            max_bytes = LISTPACK_MAX_SIZE;
        }
        let new_node = match self.nodes.last_key_value() {
            None => true,
            Some((_, n)) => {
                n.bytes() + total >= max_bytes
                    || (limits.max_entries != 0 && (n.live + n.deleted) as i64 >= limits.max_entries)
            }
        };
        if new_node {
            let master_fields: Vec<Box<[u8]>> = items.iter().step_by(2).map(|f| Box::<[u8]>::from(*f)).collect();
            let body = 6
                + 1
                + lp_size::int(numfields as i64)
                + master_fields.iter().map(|f| lp_size::string(f)).sum::<usize>()
                + lp_size::int(0);
            self.nodes.insert(id, Node { master_fields, live: 0, deleted: 0, body, last: id, data: Vec::new() });
        }
        let (master, node) = self.nodes.iter_mut().next_back().expect("a node");
        let same = node.master_fields.len() == numfields
            && node.master_fields.iter().zip(items.iter().step_by(2)).all(|(a, b)| &**a == *b);
        let mut size = lp_size::int(if same { 2 } else { 0 })
            + lp_size::int(id.ms.wrapping_sub(master.ms) as i64)
            + lp_size::int(id.seq.wrapping_sub(master.seq) as i64);
        let mut lp_count = numfields as i64 + 3;
        if !same {
            size += lp_size::int(numfields as i64);
            lp_count += numfields as i64 + 1;
            size += items.iter().map(|s| lp_size::string(s)).sum::<usize>();
        } else {
            size += items.iter().skip(1).step_by(2).map(|s| lp_size::string(s)).sum::<usize>();
        }
        size += lp_size::int(lp_count);
        node.body += size;
        node.live += 1;
        node.last = id;
        let master = *master;
        node.push(master, id, same, false, items);
        self.length += 1;
        self.last_id = id;
        self.entries_added += 1;
        if self.length == 1 {
            self.first_id = id;
        }
    }

    /// Flags the entry at `off` of node `master` deleted and updates the
    /// counts; a node left without live entries is removed when `drop_empty`.
    fn mark_deleted(&mut self, master: StreamId, off: usize, drop_empty: bool) {
        let n = self.nodes.get_mut(&master).expect("node");
        self.length -= 1;
        if n.live <= 1 && drop_empty {
            self.nodes.remove(&master);
            return;
        }
        n.data[off] |= FLAG_DELETED;
        n.live -= 1;
        n.deleted += 1;
    }

    /// Removes one entry as XDEL does (not the counters XDEL updates).
    fn remove_entry(&mut self, id: StreamId) -> bool {
        let Some((m, n)) = self.nodes.range(..=id).next_back() else { return false };
        let m = *m;
        let Some(off) = n.find(m, id) else { return false };
        self.mark_deleted(m, off, true);
        true
    }

    /// XDEL of several ids: returns how many existed. Updates the first
    /// and largest deleted ids as Redis does.
    pub fn delete(&mut self, ids: &[StreamId]) -> usize {
        let mut deleted = 0;
        let mut first_entry = false;
        for &id in ids {
            if self.remove_entry(id) {
                if id == self.first_id {
                    first_entry = true;
                }
                if id > self.max_deleted_id {
                    self.max_deleted_id = id;
                }
                deleted += 1;
            }
        }
        if deleted > 0 {
            if self.length == 0 {
                self.first_id = StreamId::ZERO;
            } else if first_entry {
                self.first_id = self.first_entry_id().expect("not empty");
            }
        }
        deleted
    }

    /// Redis's `streamTrim`: whole nodes first; within a node only when not
    /// `approx`. `limit` (0: none) caps the entries removed with whole nodes.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted: u64 = 0;
        // Only the first node is ever looked at: it is removed whole (and the
        // next one becomes first) or the trimming ends there.
        while let Some((&master, node)) = self.nodes.first_key_value() {
            if let Trim::MaxLen(max) = how
                && self.length as u64 <= max
            {
                break;
            }
            let entries = node.live;
            if limit != 0 && deleted + entries > limit {
                break;
            }
            let remove_node = match how {
                Trim::MaxLen(max) => self.length as u64 - entries >= max,
                Trim::MinId(min) => node.last < min,
            };
            if remove_node {
                self.nodes.remove(&master);
                self.length -= entries as usize;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            let live: Vec<(usize, StreamId)> = node
                .offsets(master)
                .into_iter()
                .map(|o| (o, node.decode(master, o).0))
                .filter(|(_, e)| e.flags & FLAG_DELETED == 0)
                .map(|(o, e)| (o, e.id))
                .collect();
            for (off, id) in live {
                let stop = match how {
                    Trim::MaxLen(max) => self.length as u64 <= max,
                    Trim::MinId(min) => id >= min,
                };
                if stop {
                    break;
                }
                self.mark_deleted(master, off, false);
                deleted += 1;
            }
            break;
        }
        if self.length == 0 {
            self.first_id = StreamId::ZERO;
        } else if deleted > 0 {
            self.first_id = self.first_entry_id().expect("not empty");
        }
        deleted
    }

    /// `streamRangeHasTombstones` from `start` to the end.
    pub fn range_has_tombstones(&self, start: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id
    }

    /// `streamEstimateDistanceFromFirstEverEntry`: the logical read counter
    /// of `id`, or `ENTRIES_READ_INVALID`.
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        if self.entries_added == 0 {
            return 0;
        }
        let len = self.length as u64;
        if len == 0 && id <= self.last_id {
            return self.entries_added as i64;
        }
        if id == self.last_id {
            return self.entries_added as i64;
        } else if id > self.last_id {
            return ENTRIES_READ_INVALID;
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            if id < self.first_id {
                return (self.entries_added - len) as i64;
            } else if id == self.first_id {
                return (self.entries_added - len + 1) as i64;
            }
        }
        ENTRIES_READ_INVALID
    }

    /// A group's lag (`streamReplyWithCGLag`); `None` when unknown.
    pub fn lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != ENTRIES_READ_INVALID && !self.range_has_tombstones(g.last_id) {
            return Some(self.entries_added as i64 - g.entries_read);
        }
        let read = self.estimate_distance(g.last_id);
        (read != ENTRIES_READ_INVALID).then(|| self.entries_added as i64 - read)
    }

    /// A group read past `id` (`streamReplyWithRange` with a group): moves
    /// its last id and read counter.
    pub fn group_advance(&mut self, group: &[u8], id: StreamId) {
        let has_tomb = self.range_has_tombstones(id);
        let est = self.estimate_distance(id);
        let added = self.entries_added;
        let g = self.groups.get_mut(group).expect("group");
        if id > g.last_id {
            if g.entries_read != ENTRIES_READ_INVALID && !has_tomb {
                g.entries_read += 1;
            } else if added != 0 {
                g.entries_read = est;
            }
            g.last_id = id;
        }
    }

    /// Restores a node loaded from a file: its master fields and every
    /// entry with its flags, deleted ones included (RDB load). `lp_bytes`
    /// is the size of the listpack it came from.
    pub fn load_node(
        &mut self,
        master: StreamId,
        master_fields: Vec<Box<[u8]>>,
        entries: &[LoadedEntry],
        lp_bytes: usize,
    ) {
        let mut node = Node { master_fields, live: 0, deleted: 0, body: 0, last: master, data: Vec::new() };
        for e in entries {
            let items: Vec<&[u8]> = e.items.iter().map(|v| &v[..]).collect();
            let same = node.master_fields.len() * 2 == items.len()
                && node.master_fields.iter().zip(items.iter().step_by(2)).all(|(a, b)| &**a == *b);
            node.push(master, e.id, same, e.deleted, &items);
            if e.deleted {
                node.deleted += 1;
            } else {
                node.live += 1;
            }
            node.last = e.id;
        }
        node.body = lp_bytes.saturating_sub(lp_size::int(node.live as i64) + lp_size::int(node.deleted as i64));
        self.length += node.live as usize;
        self.nodes.insert(master, node);
    }

    /// Approximate heap bytes.
    pub fn heap_size(&self) -> usize {
        let nodes: usize = self
            .nodes
            .values()
            .map(|n| n.data.capacity() + 64 + n.master_fields.iter().map(|f| f.len() + 16).sum::<usize>())
            .sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(n, g)| {
                n.len()
                    + 64
                    + g.pel.values().map(|p| p.consumer.len() + 64).sum::<usize>()
                    + g.consumers.iter().map(|(n, c)| n.len() + 48 + c.pel.len() * 24).sum::<usize>()
            })
            .sum();
        std::mem::size_of::<Stream>() + nodes + groups
    }
}

/// An entry read from a file, before it joins a node.
pub struct LoadedEntry {
    pub id: StreamId,
    pub deleted: bool,
    /// Fields and values alternating.
    pub items: Vec<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(s: &mut Stream, ms: u64, seq: u64, items: &[&[u8]]) {
        let id = s.next_id(Some((StreamId::new(ms, seq), true)), 0).unwrap();
        s.append(id, items, NodeLimits::default());
    }

    #[test]
    fn ids_parse_as_redis() {
        assert_eq!(parse_id(b"1-2", 0, true, false), Some((StreamId::new(1, 2), true)));
        assert_eq!(parse_id(b"5", 7, true, false), Some((StreamId::new(5, 7), true)));
        assert_eq!(parse_id(b"-", 0, true, false), None);
        assert_eq!(parse_id(b"+", 0, false, false), Some((StreamId::MAX, true)));
        assert_eq!(parse_id(b"3-*", 0, true, true), Some((StreamId::new(3, 0), false)));
        assert_eq!(parse_id(b"3-*", 0, true, false), None);
        assert_eq!(parse_id(b"18446744073709551616", 0, true, false), None);
        assert_eq!(parse_id(b"-1", 0, true, false), None);
        assert_eq!(parse_id(b"1-", 0, true, false), None);
        assert_eq!(parse_id(b"007-1", 0, true, false), Some((StreamId::new(7, 1), true)));
    }

    #[test]
    fn nodes_split_at_100_entries_and_trim_whole_nodes() {
        let mut s = Stream::new();
        for i in 1..=250 {
            add(&mut s, i, 0, &[b"f", b"v"]);
        }
        assert_eq!(s.node_count(), 3);
        assert_eq!(s.trim(Trim::MaxLen(200), true, 0), 0, "the first node holds 100 entries");
        assert_eq!(s.trim(Trim::MaxLen(150), true, 0), 100);
        assert_eq!(s.len(), 150);
        assert_eq!(s.first_id, StreamId::new(101, 0));
        assert_eq!(s.trim(Trim::MaxLen(10), false, 0), 140);
        assert_eq!(s.len(), 10);
    }

    #[test]
    fn delete_updates_counters() {
        let mut s = Stream::new();
        add(&mut s, 1, 0, &[b"a", b"1"]);
        add(&mut s, 2, 0, &[b"a", b"2"]);
        assert_eq!(s.delete(&[StreamId::new(1, 0), StreamId::new(9, 0)]), 1);
        assert_eq!(s.first_id, StreamId::new(2, 0));
        assert_eq!(s.max_deleted_id, StreamId::new(1, 0));
        assert_eq!(s.delete(&[StreamId::new(2, 0)]), 1);
        assert_eq!(s.node_count(), 0);
        assert_eq!(s.first_id, StreamId::ZERO);
    }

    #[test]
    fn rax_nodes() {
        let mut s = Stream::new();
        assert_eq!(s.rax_node_count(), 1);
        add(&mut s, 1, 0, &[b"a", b"1"]);
        assert_eq!(s.rax_node_count(), 2);
    }
}
