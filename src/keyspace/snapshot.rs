//! The keyspace half of the fork-free snapshot ("versioned traversal"): a
//! point-in-time walk of one database's key table while commands keep
//! changing it.
//!
//! When a snapshot begins, the table is frozen (`Dict::set_frozen`: no
//! rehash, no resize), so every key stays in the bucket it was in. A bitmap
//! per table in use (table 1 only if a rehash was in progress) records the
//! buckets already serialized. Before any change to key K, the database
//! serializes the whole bucket where K lives or would be inserted, in each
//! table, unless already done (`before_write`); the walk serializes the
//! remaining buckets in slices. Every bucket is thus serialized exactly
//! once, holding exactly what it held when the snapshot began: a new key
//! lands in a bucket that was serialized (without it) just before.
//!
//! The bytes go to `out`; whoever drives the snapshot drains them. How an
//! entry is serialized is the caller's (`EncodeFn`): the keyspace knows no
//! file format. Keys whose TTL had passed when the snapshot began are left
//! out (they are logically gone; a loader would drop them anyway).

use super::entry::Entry;
use crate::types::dict::Dict;

/// Buckets whose entries the walk loads ahead of serializing them.
const LOOKAHEAD: usize = 32;

/// Appends the serialized form of one key to `out` (`compress`: the
/// `rdbcompression` setting at the start of the snapshot).
pub type EncodeFn = fn(out: &mut Vec<u8>, entry: &Entry, compress: bool);

/// The snapshot state of one table. Lives beside the table (in `Db`) and
/// moves with it (SWAPDB, FLUSHDB).
pub struct TableSnapshot {
    /// The database number the table had when the snapshot began.
    pub db_id: usize,
    /// Bucket counts of the tables at the start (0: table not in use).
    sizes: [usize; 2],
    /// One bit per bucket: already serialized.
    done: [Vec<u64>; 2],
    /// The walk's next bucket: (table, index).
    cursor: (usize, usize),
    /// Serialized keys not yet handed on.
    pub out: Vec<u8>,
    encode: EncodeFn,
    compress: bool,
    /// Keys whose TTL passed before this Unix ms are skipped.
    now: u64,
    /// Keys serialized since the output was last drained.
    pub keys: u64,
}

impl TableSnapshot {
    /// Starts a snapshot of `dict` (and freezes it).
    pub fn new(dict: &mut Dict<Entry>, db_id: usize, encode: EncodeFn, compress: bool, now: u64) -> TableSnapshot {
        dict.set_frozen(true);
        let sizes = dict.table_sizes();
        let bitmap = |n: usize| vec![0u64; n.div_ceil(64)];
        TableSnapshot {
            db_id,
            sizes,
            done: [bitmap(sizes[0]), bitmap(sizes[1])],
            cursor: (0, 0),
            out: Vec::new(),
            encode,
            compress,
            now,
            keys: 0,
        }
    }

    /// Bytes of bookkeeping (the bitmaps) beyond the serialized output.
    pub fn overhead(&self) -> usize {
        (self.done[0].capacity() + self.done[1].capacity()) * 8
    }

    #[inline]
    fn is_done(&self, t: usize, idx: usize) -> bool {
        self.done[t][idx / 64] & (1 << (idx % 64)) != 0
    }

    fn serialize_bucket(&mut self, dict: &Dict<Entry>, t: usize, idx: usize) {
        self.done[t][idx / 64] |= 1 << (idx % 64);
        let (out, encode, compress, now, keys) = (&mut self.out, self.encode, self.compress, self.now, &mut self.keys);
        dict.for_each_in_bucket(t, idx, |e| {
            if e.expire().is_some_and(|at| now > at) {
                return;
            }
            encode(out, e, compress);
            *keys += 1;
        });
    }

    /// Called before any change to a key with hash `h`: serializes its
    /// buckets (in each table) that the snapshot has not written yet.
    #[inline]
    pub fn before_write(&mut self, dict: &Dict<Entry>, h: u64) {
        for t in 0..2 {
            let n = self.sizes[t];
            if n == 0 {
                continue;
            }
            let idx = h as usize & (n - 1);
            if !self.is_done(t, idx) {
                self.serialize_bucket(dict, t, idx);
            }
        }
    }

    /// Walks on: serializes buckets not yet written, visiting at most
    /// `budget` buckets (a fully written word of 64 counts as one) or
    /// stopping once `out` holds `max_bytes`. Returns true when the whole
    /// table has been written.
    pub fn walk(&mut self, dict: &Dict<Entry>, mut budget: usize, max_bytes: usize) -> bool {
        let mut touched_to = 0;
        loop {
            let (t, idx) = self.cursor;
            if t >= 2 {
                return true;
            }
            if idx >= self.sizes[t] {
                self.cursor = (t + 1, 0);
                continue;
            }
            if budget == 0 || self.out.len() >= max_bytes {
                return false;
            }
            budget -= 1;
            if idx % 64 == 0 && self.done[t][idx / 64] == u64::MAX {
                self.cursor.1 = idx + 64;
                continue;
            }
            if idx >= touched_to {
                // The walk is bound by memory latency (one miss per node and
                // per heap value): load the next buckets' entries together,
                // so their misses overlap, before serializing them.
                touched_to = (idx + LOOKAHEAD).min(self.sizes[t]);
                let mut acc = 0u8;
                for i in idx..touched_to {
                    dict.for_each_in_bucket(t, i, |e| {
                        acc ^= e.key().first().copied().unwrap_or(0);
                        // Every cache line of a string value, not only the
                        // first: the copy into the output would miss on each.
                        if let Some(s) = e.value.as_str() {
                            acc ^= s.iter().step_by(64).fold(s.last().copied().unwrap_or(0), |a, &b| a ^ b);
                        }
                    });
                }
                std::hint::black_box(acc);
            }
            if !self.is_done(t, idx) {
                self.serialize_bucket(dict, t, idx);
            }
            self.cursor.1 = idx + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyspace::{Db, Ttl, Value};

    fn encode(out: &mut Vec<u8>, e: &Entry, _compress: bool) {
        out.extend_from_slice(e.key());
        out.push(b'=');
        out.extend_from_slice(e.value.as_str().unwrap());
        out.push(b'\n');
    }

    fn parse(bytes: &[u8]) -> std::collections::BTreeMap<Vec<u8>, Vec<u8>> {
        bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                let eq = l.iter().position(|&b| b == b'=').unwrap();
                (l[..eq].to_vec(), l[eq + 1..].to_vec())
            })
            .collect()
    }

    /// Writes during the walk never show: the output is the table as it
    /// was at the start, each key exactly once.
    #[test]
    fn walk_with_concurrent_writes_is_point_in_time() {
        let mut db = Db::new(0);
        for i in 0..5000 {
            db.set(format!("k{i}").as_bytes(), Value::string(format!("v{i}").as_bytes()), Ttl::Clear, 0);
        }
        // Leave a rehash in progress so both tables are in use.
        for i in 5000..6000 {
            db.set(format!("k{i}").as_bytes(), Value::string(format!("v{i}").as_bytes()), Ttl::Clear, 0);
        }
        let mut expect = std::collections::BTreeMap::new();
        for i in 0..6000 {
            expect.insert(format!("k{i}").into_bytes(), format!("v{i}").into_bytes());
        }
        assert!(db.snapshot_begin(encode, false, 0));
        let mut out = Vec::new();
        let mut step = 0;
        loop {
            // Overwrite, delete and add keys between slices.
            for j in 0..40 {
                let i = (step * 97 + j * 31) % 7000;
                match j % 4 {
                    0 => drop(db.remove(format!("k{i}").as_bytes(), 0)),
                    1 => drop(db.set(format!("k{i}").as_bytes(), Value::string(b"new"), Ttl::Clear, 0)),
                    2 => drop(db.set_expire(format!("k{i}").as_bytes(), 99, 0)),
                    _ => drop(db.set(format!("n{step}-{j}").as_bytes(), Value::string(b"x"), Ttl::Clear, 0)),
                }
            }
            step += 1;
            let done = db.snapshot_step(50, 1 << 20, &mut |_, bytes, _| out.extend_from_slice(bytes), &mut |_| {});
            if done {
                break;
            }
        }
        assert!(!db.snapshot_active());
        let got = parse(&out);
        assert_eq!(got.len(), expect.len(), "each key exactly once");
        assert_eq!(got, expect);
    }

    #[test]
    fn flushed_table_is_finished_by_the_walk() {
        let mut db = Db::new(3);
        for i in 0..1000 {
            db.set(format!("k{i}").as_bytes(), Value::string(b"v"), Ttl::Clear, 0);
        }
        assert!(db.snapshot_begin(encode, false, 0));
        let old = db.clear();
        assert_eq!(old.len(), 0, "the old table stays with the snapshot");
        db.set(b"after", Value::string(b"flush"), Ttl::Clear, 0);
        let mut out = Vec::new();
        let mut freed = 0;
        while !db.snapshot_step(
            10,
            1 << 20,
            &mut |id, b, _| {
                assert_eq!(id, 3);
                out.extend_from_slice(b)
            },
            &mut |d| freed += d.len(),
        ) {}
        assert_eq!(parse(&out).len(), 1000);
        assert_eq!(freed, 1000);
        assert_eq!(db.len(), 1);
    }
}
