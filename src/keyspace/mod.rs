//! The keyspace: numbered databases of keys, each key a `Value` with an
//! optional TTL. Owns lazy and active expiry and the table's growth. Knows
//! nothing of RESP, clients or sockets; imports `types` and `util` only.

pub mod db;
pub mod entry;
pub mod evict;
pub mod expire;
pub mod interest;
pub mod shared_ints;
pub mod snapshot;
pub mod value;

pub use crate::types::compact::CompactBytes;
pub use db::{Access, Db, KeyEvent, Ttl};
pub use entry::Entry;
pub use value::Value;

pub struct Keyspace {
    pub dbs: Vec<Db>,
}

impl Keyspace {
    pub fn new(databases: usize) -> Keyspace {
        Keyspace { dbs: (0..databases).map(Db::new).collect() }
    }

    #[inline]
    pub fn db(&mut self, index: usize) -> &mut Db {
        &mut self.dbs[index]
    }

    /// Two distinct databases at once (MOVE, COPY ... DB). `a != b`.
    pub fn pair_mut(&mut self, a: usize, b: usize) -> (&mut Db, &mut Db) {
        assert_ne!(a, b, "pair_mut needs two distinct databases");
        if a < b {
            let (left, right) = self.dbs.split_at_mut(b);
            (&mut left[a], &mut right[0])
        } else {
            let (left, right) = self.dbs.split_at_mut(a);
            (&mut right[0], &mut left[b])
        }
    }

    /// SWAPDB: exchanges the contents of two databases.
    pub fn swap(&mut self, a: usize, b: usize, now: u64) {
        if a == b {
            return;
        }
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        let (left, right) = self.dbs.split_at_mut(hi);
        let (x, y) = (&mut left[lo], &mut right[0]);
        x.touch_watchers_for_swap(y, now);
        y.touch_watchers_for_swap(x, now);
        x.signal_lost_streams(Some(y));
        y.signal_lost_streams(Some(x));
        x.swap_contents(y);
        x.recheck_blocked_keys(now);
        y.recheck_blocked_keys(now);
    }

    /// Total keys over all databases.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(|d| d.len()).sum()
    }

    pub fn hits(&self) -> u64 {
        self.dbs.iter().map(|d| d.stats.hits).sum()
    }

    pub fn misses(&self) -> u64 {
        self.dbs.iter().map(|d| d.stats.misses).sum()
    }

    pub fn expired(&self) -> u64 {
        self.dbs.iter().map(|d| d.stats.expired).sum()
    }

    pub fn reset_stats(&mut self) {
        for d in &mut self.dbs {
            d.stats = Default::default();
        }
    }
}
