//! One numbered database: the key table plus what Redis keeps beside it,
//! TTLs, the count of keys with a TTL, hit/miss/expired counters.
//!
//! TTLs live in the node itself (8 bytes, no second table). To find keys with
//! a TTL quickly, the active expiry cycle samples `volatile`, a vector of the
//! key hashes of keys that got a TTL (8 bytes per such key, against the 32 a
//! Redis `expires` entry costs). Entries go stale when the key is deleted or
//! persisted; sampling a stale entry removes it. A node whose hash is in the
//! vector carries `META_VOLATILE_INDEXED` so it is pushed only once.
//!
//! Every access goes through `lookup`, which deletes a key whose TTL has
//! passed (Redis's lazy expiry: expired when `now > expire`).
//!
//! While an RDB snapshot runs, every path that changes a key (`set`,
//! `remove`, `set_expire`, `persist`, `insert_absent`, the expiry
//! deletions, and `lookup(.., Access::Write)`, which hands out the entry for
//! in-place edits) first lets the snapshot serialize the key's bucket
//! (`guard`; see `snapshot`). Commands must not change a value found with a
//! read lookup.

use super::entry::Entry;
use super::evict::AccessBits;
use super::interest::Interest;
use super::shared_ints;
use super::snapshot::{EncodeFn, TableSnapshot};
use super::value::Value;
use crate::types::compact::CompactBytes;
use crate::types::dict::Dict;
use crate::util::glob::glob_match;

/// Node flag: the node's key hash is in `Db::volatile`.
pub const META_VOLATILE_INDEXED: u32 = 1 << 31;
/// Node meta bits holding the key's access data: its LRU clock (28 bits)
/// or its LFU counter (the low 24), see `evict`. Bits 28..31 are flags.
pub const LRU_MASK: u32 = (1 << 28) - 1;

/// Redis's 24-bit, 1 s server LRU clock for a Unix time in ms (INFO
/// `lru_clock`). Keys record accesses in finer ticks: `evict::lru_ticks`.
pub fn lru_clock(now_ms: u64) -> u32 {
    ((now_ms / 1000) as u32) & ((1 << 24) - 1)
}

/// How a lookup counts and touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A read: counts a keyspace hit or miss, refreshes the LRU clock.
    Read,
    /// A read that leaves the LRU clock alone (EXISTS, TYPE, no-touch clients).
    ReadNoTouch,
    /// A write: no hit/miss accounting, refreshes the LRU clock.
    Write,
    /// Neither counts nor touches (introspection, OBJECT).
    Peek,
}

/// What happens to a key's TTL when a value is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// Drop any TTL (plain SET).
    Clear,
    /// Keep the current TTL (SET KEEPTTL, in-place edits).
    Keep,
    /// Expire at this Unix time in ms.
    At(u64),
}

/// Keyspace events the table raises itself (Redis fires them in `db.c` and
/// `expire.c`), recorded only when asked for (`Db::record_events`) and
/// published by the server after the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEvent {
    /// Deleted because its TTL passed (lazily or by the active cycle).
    Expired,
    /// Created (Redis's `dbAdd`).
    New,
    /// A read lookup found nothing.
    KeyMiss,
}

impl KeyEvent {
    /// Bit of this event in `Db::record_events`.
    pub const fn bit(self) -> u8 {
        match self {
            KeyEvent::Expired => 1,
            KeyEvent::New => 2,
            KeyEvent::KeyMiss => 4,
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct DbStats {
    pub hits: u64,
    pub misses: u64,
    /// Keys deleted because their TTL passed (lazily or actively).
    pub expired: u64,
}

pub struct Db {
    pub id: usize,
    dict: Dict<Entry>,
    volatile: Vec<u64>,
    expires: usize,
    /// Running estimate of the TTL of keys with one, in ms (INFO keyspace).
    pub avg_ttl: u64,
    pub stats: DbStats,
    /// Clients watching or blocked on keys of this database (stays with the
    /// database number across SWAPDB).
    pub interest: Interest,
    /// How accesses update a key's LRU clock or LFU counter (set from the
    /// eviction policy, see `evict`).
    pub access_bits: AccessBits,
    /// The running snapshot's state for `dict` (moves with it on SWAPDB).
    snap: Option<Box<TableSnapshot>>,
    /// Tables emptied (FLUSHDB/FLUSHALL) while a snapshot had not finished
    /// them: the snapshot walks them to the end, then they are freed.
    detached: Vec<(Dict<Entry>, Box<TableSnapshot>)>,
    /// Which `KeyEvent`s to record (bits of `KeyEvent::bit`; 0: none).
    pub record_events: u8,
    /// While clients are paused: reads report expired keys missing without
    /// deleting them (Redis's `expireIfNeeded` during CLIENT PAUSE). Writes
    /// still delete them.
    pub keep_expired: bool,
    /// The AOF is being replayed into this table: nothing expires (Redis's
    /// `keyIsExpired` while `server.loading`); commands set TTLs already
    /// past instead of deleting (`checkAlreadyExpired`).
    pub loading: bool,
    /// A replica (Redis 7.0's `expireIfNeeded` with `masterhost` set):
    /// expired keys read as missing but are not deleted by reads; the
    /// master's DELs delete them (a write lookup, only possible on a
    /// writable replica, still deletes).
    pub replica: bool,
    /// The master's command is running on a replica: expired keys are
    /// live to it (the master decides when they go).
    pub obey_master: bool,
    /// Recorded events, oldest first, until the server publishes them.
    pub events: Vec<(KeyEvent, CompactBytes)>,
    /// Replication is on: keys deleted because they expired are logged in
    /// `expired_log` until the server propagates their deletion.
    pub log_expired: bool,
    pub expired_log: Vec<CompactBytes>,
}

/// Refreshes the shared clock of a value Redis holds as a shared integer
/// (see `shared_ints`); the key's own bits are refreshed by the caller.
#[inline]
fn touch_shared(access: &mut AccessBits, value: &Value, now: u64) {
    if access.shared_ints
        && let Some(i) = shared_ints::index(value)
    {
        shared_ints::set_bits(i, access.touched(shared_ints::bits(i), now));
    }
}

impl Db {
    pub fn new(id: usize) -> Db {
        Db {
            id,
            dict: Dict::new(),
            volatile: Vec::new(),
            expires: 0,
            avg_ttl: 0,
            stats: DbStats::default(),
            interest: Interest::default(),
            access_bits: AccessBits::default(),
            snap: None,
            detached: Vec::new(),
            record_events: 0,
            keep_expired: false,
            loading: false,
            replica: false,
            obey_master: false,
            events: Vec::new(),
            log_expired: false,
            expired_log: Vec::new(),
        }
    }

    /// Records a keyspace event if asked to.
    #[inline]
    fn event(&mut self, e: KeyEvent, key: &[u8]) {
        if self.record_events & e.bit() != 0 {
            self.events.push((e, CompactBytes::new(key)));
        }
    }

    /// Before changing the key with hash `h`: a running snapshot writes its
    /// bucket first (see the module notes).
    #[inline]
    fn guard(&mut self, h: u64) {
        if let Some(s) = self.snap.as_deref_mut() {
            s.before_write(&self.dict, h);
        }
    }

    /// The memory limit the key table's growth must respect (0: none; see
    /// `Dict::grow_limit`).
    pub fn set_grow_limit(&mut self, limit: usize) {
        self.dict.grow_limit = limit;
    }

    /// Keys in the table, including expired ones not yet reclaimed.
    pub fn len(&self) -> usize {
        self.dict.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    /// Keys with a TTL.
    pub fn expires_count(&self) -> usize {
        self.expires
    }

    /// Bytes of the volatile index (the TTL overhead in MEMORY STATS).
    pub fn volatile_index_bytes(&self) -> usize {
        self.volatile.capacity() * std::mem::size_of::<u64>()
    }

    pub fn dict(&self) -> &Dict<Entry> {
        &self.dict
    }

    /// Grows the table ahead of `additional` inserts (RDB load).
    pub fn reserve(&mut self, additional: usize) {
        self.dict.reserve(additional);
    }

    /// Deletes `key` if its TTL has passed. Returns whether a live key exists.
    #[inline]
    fn check_live(&mut self, h: u64, key: &[u8], now: u64) -> bool {
        self.check_live_as(h, key, now, true)
    }

    /// `check_live` for a read: while `keep_expired`, an expired key is
    /// reported missing but left in place.
    #[inline]
    fn check_live_as(&mut self, h: u64, key: &[u8], now: u64, write: bool) -> bool {
        match self.dict.find(h, key) {
            None => false,
            Some(n) if n.expire != 0 && now > n.expire && !self.loading && !self.obey_master => {
                // A write (a writable replica's client) deletes it: the
                // caller then inserts the key as absent.
                if write || !(self.keep_expired || self.replica) {
                    self.delete_expired(h, key);
                }
                false
            }
            Some(_) => true,
        }
    }

    /// Finds a live key. An expired key is deleted and reported missing.
    #[inline]
    pub fn lookup(&mut self, key: &[u8], now: u64, access: Access) -> Option<&mut Entry> {
        let h = self.dict.hash(key);
        let live = self.check_live_as(h, key, now, access == Access::Write);
        if matches!(access, Access::Read | Access::ReadNoTouch) {
            if live {
                self.stats.hits += 1;
            } else {
                self.stats.misses += 1;
                self.event(KeyEvent::KeyMiss, key);
            }
        }
        if !live {
            return None;
        }
        if access == Access::Write {
            self.interest.write_lookup(key);
            self.guard(h);
        }
        let n = self.dict.find_mut(h, key)?;
        if matches!(access, Access::Read | Access::Write) {
            n.meta = (n.meta & !LRU_MASK) | self.access_bits.touched(n.meta & LRU_MASK, now);
            touch_shared(&mut self.access_bits, &n.value, now);
        }
        Some(n)
    }

    /// Starts loading the table slots and nodes of `keys` (the first 32), so
    /// a pipeline's lookups that follow find them in cache. A single key is
    /// left alone: its lookup follows at once. Changes nothing.
    pub fn prefetch<'a>(&self, keys: impl Iterator<Item = &'a [u8]>) {
        let mut keys = keys.take(32);
        let (Some(first), Some(second)) = (keys.next(), keys.next()) else {
            return;
        };
        let mut hashes = [0u64; 32];
        hashes[0] = self.dict.hash(first);
        hashes[1] = self.dict.hash(second);
        let mut n = 2;
        for key in keys {
            hashes[n] = self.dict.hash(key);
            n += 1;
        }
        self.dict.prefetch(&hashes[..n]);
    }

    /// The access bits (LRU clock or LFU counter) Redis would show for an
    /// entry (see `shared_ints::bits_of`).
    pub fn access_bits_of(&self, e: &Entry) -> u32 {
        shared_ints::bits_of(e, self.access_bits.shared_ints)
    }

    /// True if a live key exists (no accounting, no touch).
    pub fn contains(&mut self, key: &[u8], now: u64) -> bool {
        let h = self.dict.hash(key);
        self.check_live_as(h, key, now, false)
    }

    /// Stores `value` at `key`, creating or overwriting it, with the TTL rule
    /// given. Returns the entry.
    pub fn set(&mut self, key: &[u8], value: Value, ttl: Ttl, now: u64) -> &mut Entry {
        let h = self.dict.hash(key);
        let live = self.check_live(h, key, now);
        self.guard(h);
        if live {
            self.interest.modified(key, true);
            let n = self.dict.find_mut(h, key).expect("live key");
            let old = n.expire;
            let new = match ttl {
                Ttl::At(at) => at,
                Ttl::Keep => old,
                Ttl::Clear => 0,
            };
            if matches!(n.value, Value::Stream(_)) {
                // Clients blocked in XREADGROUP on it are unblocked.
                self.interest.added(key);
            }
            // An overwrite is an access (of the old value, which may be a
            // shared integer); under LFU the counter carries over (Redis's
            // lookupKeyWrite, then dbSetValue keeping `lru`).
            touch_shared(&mut self.access_bits, &n.value, now);
            n.value = value;
            n.meta = (n.meta & !LRU_MASK) | self.access_bits.touched(n.meta & LRU_MASK, now);
            n.expire = new;
            if old == 0 && new != 0 {
                self.expires += 1;
                if n.meta & META_VOLATILE_INDEXED == 0 {
                    n.meta |= META_VOLATILE_INDEXED;
                    self.volatile.push(h);
                }
            } else if old != 0 && new == 0 {
                self.expires -= 1;
            }
            n
        } else {
            let expire = match ttl {
                Ttl::At(at) => at,
                Ttl::Keep | Ttl::Clear => 0,
            };
            let mut meta = self.access_bits.initial(now);
            if expire != 0 {
                self.expires += 1;
                self.volatile.push(h);
                meta |= META_VOLATILE_INDEXED;
            }
            self.interest.modified(key, true);
            self.interest.added(key);
            self.event(KeyEvent::New, key);
            self.dict.insert_new(h, Entry::new(CompactBytes::new(key), value, expire, meta))
        }
    }

    /// Takes `key` (hash `h`) out of the table: the snapshot sees it first,
    /// the TTL count and watchers are updated.
    fn unlink(&mut self, h: u64, key: &[u8]) -> Option<Entry> {
        self.guard(h);
        let node = self.dict.remove(h, key)?;
        if node.expire != 0 {
            self.expires -= 1;
        }
        self.interest.modified(key, false);
        if matches!(node.value, Value::Stream(_)) {
            // Clients blocked in XREADGROUP on it are unblocked.
            self.interest.added(key);
        }
        Some(node)
    }

    /// Deletes a live key and returns its entry. Expired keys count as absent.
    pub fn remove(&mut self, key: &[u8], now: u64) -> Option<Entry> {
        let h = self.dict.hash(key);
        if !self.check_live(h, key, now) {
            return None;
        }
        self.unlink(h, key)
    }

    /// Sets the TTL (Unix ms) of a live key. Returns false if it is missing.
    pub fn set_expire(&mut self, key: &[u8], at: u64, now: u64) -> bool {
        let h = self.dict.hash(key);
        if !self.check_live(h, key, now) {
            return false;
        }
        self.guard(h);
        self.interest.modified(key, true);
        let n = self.dict.find_mut(h, key).expect("live key");
        if n.expire == 0 {
            self.expires += 1;
            if n.meta & META_VOLATILE_INDEXED == 0 {
                n.meta |= META_VOLATILE_INDEXED;
                self.volatile.push(h);
            }
        }
        n.expire = at;
        true
    }

    /// Removes the TTL of a live key. Returns true if it had one.
    pub fn persist(&mut self, key: &[u8], now: u64) -> bool {
        let h = self.dict.hash(key);
        if !self.check_live(h, key, now) {
            return false;
        }
        self.guard(h);
        let n = self.dict.find_mut(h, key).expect("live key");
        if n.expire == 0 {
            return false;
        }
        n.expire = 0;
        self.expires -= 1;
        self.interest.modified(key, true);
        true
    }

    fn delete_expired(&mut self, h: u64, key: &[u8]) {
        self.guard(h);
        if let Some(node) = self.dict.remove(h, key) {
            if node.expire != 0 {
                self.expires -= 1;
            }
            self.stats.expired += 1;
            self.interest.expired(key);
            if matches!(node.value, Value::Stream(_)) {
                self.interest.added(key);
            }
            self.event(KeyEvent::Expired, key);
            if self.log_expired {
                self.expired_log.push(CompactBytes::new(key));
            }
        }
    }

    /// Empties the database and returns the old table, so a caller can drop
    /// it off the command thread. While a snapshot has not finished the
    /// table, the table stays with the snapshot (an empty one is returned).
    pub fn clear(&mut self) -> Dict<Entry> {
        self.signal_lost_streams(None);
        if self.interest.has_watchers() {
            let dict = &self.dict;
            self.interest.emptied(|k| dict.find(dict.hash(k), k).is_some(), |_| None);
        }
        self.volatile = Vec::new();
        self.expires = 0;
        self.avg_ttl = 0;
        let old = self.dict.take();
        match self.snap.take() {
            Some(state) => {
                self.detached.push((old, state));
                Dict::new()
            }
            None => old,
        }
    }

    /// SWAPDB, before the swap: touch this database's watchers whose key
    /// exists here or in `other` (which is about to replace this content).
    pub fn touch_watchers_for_swap(&mut self, other: &Db, now: u64) {
        if !self.interest.has_watchers() {
            return;
        }
        let mine = &self.dict;
        let theirs = &other.dict;
        self.interest.emptied(
            |k| mine.find(mine.hash(k), k).is_some(),
            |k| theirs.find(theirs.hash(k), k).map(|e| (true, e.expire != 0 && now > e.expire)),
        );
    }

    /// Before FLUSHDB/FLUSHALL (`replacement` `None`) or SWAPDB: keys clients
    /// are blocked on that hold a stream here and will not hold one
    /// afterwards become ready, so XREADGROUP clients are unblocked (Redis's
    /// `scanDatabaseForDeletedStreams`).
    pub fn signal_lost_streams(&mut self, replacement: Option<&Db>) {
        let is_stream =
            |d: &Dict<Entry>, k: &[u8]| matches!(d.find(d.hash(k), k).map(|e| &e.value), Some(Value::Stream(_)));
        for key in self.interest.blocked_keys() {
            if is_stream(&self.dict, &key) && !replacement.is_some_and(|o| is_stream(&o.dict, &key)) {
                self.interest.added(&key);
            }
        }
    }

    /// After SWAPDB: keys clients are blocked on that now exist become ready.
    pub fn recheck_blocked_keys(&mut self, now: u64) {
        for key in self.interest.blocked_keys() {
            if self.contains(&key, now) {
                self.interest.ready.push(key);
            }
        }
    }

    /// Is `key` in the table but past its TTL (Redis's `keyIsExpired`)?
    pub fn is_logically_expired(&self, key: &[u8], now: u64) -> bool {
        self.dict.find(self.dict.hash(key), key).is_some_and(|e| e.expire != 0 && now > e.expire)
    }

    /// The running command has ended: promote its write lookups of watched
    /// keys to modifications if it changed the dataset.
    #[inline]
    pub fn end_command(&mut self, changed: bool) {
        self.interest.end_command(changed);
    }

    /// Exchanges contents with another database (SWAPDB); ids stay.
    pub fn swap_contents(&mut self, other: &mut Db) {
        std::mem::swap(&mut self.dict, &mut other.dict);
        std::mem::swap(&mut self.volatile, &mut other.volatile);
        std::mem::swap(&mut self.expires, &mut other.expires);
        std::mem::swap(&mut self.avg_ttl, &mut other.avg_ttl);
        std::mem::swap(&mut self.snap, &mut other.snap);
    }

    /// Active expiry: samples up to `count` entries of the volatile index and
    /// deletes the expired keys found. Returns (sampled, expired).
    pub fn expire_sample(&mut self, count: usize, now: u64, mut rnd: impl FnMut() -> u64) -> (usize, usize) {
        let (mut sampled, mut expired) = (0, 0);
        let mut ttl_sum: u64 = 0;
        let mut ttl_samples: u64 = 0;
        let mut doomed: Vec<CompactBytes> = Vec::new();
        while sampled < count && !self.volatile.is_empty() && self.expires > 0 {
            let idx = (rnd() % self.volatile.len() as u64) as usize;
            let h = self.volatile[idx];
            sampled += 1;
            let mut live = false;
            let dict = &self.dict;
            dict.for_each_in_chain(h, |n| {
                if n.expire == 0 {
                    return;
                }
                if now > n.expire {
                    doomed.push(n.key().clone());
                } else if dict.hash(n.key()) == h {
                    live = true;
                    ttl_sum = ttl_sum.saturating_add(n.expire - now);
                    ttl_samples += 1;
                }
            });
            for key in doomed.drain(..) {
                let kh = self.dict.hash(&key);
                self.delete_expired(kh, &key);
                expired += 1;
            }
            if !live {
                self.volatile.swap_remove(idx);
                self.dict.for_each_with_hash_mut(h, |e| e.meta &= !META_VOLATILE_INDEXED);
            }
        }
        if let Some(avg) = ttl_sum.checked_div(ttl_samples) {
            self.avg_ttl = if self.avg_ttl == 0 { avg } else { (self.avg_ttl / 50) * 49 + avg / 50 };
        }
        if self.expires == 0 {
            self.volatile = Vec::new();
            self.avg_ttl = 0;
        }
        (sampled, expired)
    }

    /// Eviction sampling: calls `f` with about `count` entries, from all
    /// keys (`Dict::sample`) or, with `volatile_only`, from keys with a TTL
    /// found through the volatile index (stale index entries met on the way
    /// are dropped). Expired keys may be among them, as in Redis.
    pub fn sample(
        &mut self,
        count: usize,
        volatile_only: bool,
        mut rnd: impl FnMut() -> u64,
        mut f: impl FnMut(&Entry),
    ) {
        if !volatile_only {
            self.dict.sample(count, rnd, f);
            return;
        }
        let mut found = 0;
        let mut tries = 0;
        while found < count && tries < count * 10 && self.expires > 0 && !self.volatile.is_empty() {
            tries += 1;
            let idx = (rnd() % self.volatile.len() as u64) as usize;
            let h = self.volatile[idx];
            let before = found;
            self.dict.for_each_in_chain(h, |n| {
                if n.expire != 0 {
                    f(n);
                    found += 1;
                }
            });
            if found == before {
                self.drop_volatile_entry(idx);
            }
        }
    }

    /// A random key with a TTL (volatile-random), or `None` if there is none.
    pub fn random_volatile(&mut self, mut rnd: impl FnMut() -> u64) -> Option<Vec<u8>> {
        while self.expires > 0 && !self.volatile.is_empty() {
            let idx = (rnd() % self.volatile.len() as u64) as usize;
            let h = self.volatile[idx];
            let mut n = 0u64;
            self.dict.for_each_in_chain(h, |e| n += u64::from(e.expire != 0));
            if n > 0 {
                let mut pick = rnd() % n;
                let mut key = None;
                self.dict.for_each_in_chain(h, |e| {
                    if e.expire != 0 {
                        if pick == 0 && key.is_none() {
                            key = Some(e.key().to_vec());
                        }
                        pick = pick.saturating_sub(1);
                    }
                });
                return key;
            }
            self.drop_volatile_entry(idx);
        }
        None
    }

    /// Removes a stale entry of the volatile index (no key with its hash
    /// has a TTL), clearing the indexed flag of keys with that hash.
    fn drop_volatile_entry(&mut self, idx: usize) {
        let h = self.volatile.swap_remove(idx);
        self.dict.for_each_with_hash_mut(h, |e| e.meta &= !META_VOLATILE_INDEXED);
    }

    /// Deletes `key` to free memory (Redis's eviction: `dbSyncDelete` plus
    /// `signalModifiedKey`), whether or not its TTL has passed, and returns
    /// the entry so the caller can free it now or in the background. With
    /// `volatile_only`, a key without a TTL stays.
    pub fn evict(&mut self, key: &[u8], volatile_only: bool) -> Option<Entry> {
        let h = self.dict.hash(key);
        if volatile_only && self.dict.find(h, key).is_none_or(|e| e.expire == 0) {
            return None;
        }
        self.unlink(h, key)
    }

    /// Scan step over keys (see `Dict::scan`).
    pub fn scan(&self, cursor: u64, f: impl FnMut(&Entry)) -> u64 {
        self.dict.scan(cursor, f)
    }

    /// A random live key, as RANDOMKEY: expired picks are deleted and another
    /// key is drawn (each draw either answers or deletes a key, so this ends).
    /// While `keep_expired` nothing is deleted: after 100 expired picks the
    /// last one is answered (as a Redis replica does with a table of
    /// expired keys).
    pub fn random_key(&mut self, now: u64, mut rnd: impl FnMut() -> u64) -> Option<CompactBytes> {
        let mut tries = 100;
        loop {
            let (key, expired) = {
                let n = self.dict.random(&mut rnd)?;
                (n.key().clone(), n.expire != 0 && now > n.expire)
            };
            if !expired {
                return Some(key);
            }
            if self.keep_expired || self.replica {
                tries -= 1;
                if tries == 0 {
                    return Some(key);
                }
                continue;
            }
            let h = self.dict.hash(&key);
            self.delete_expired(h, &key);
        }
    }

    /// One SCAN call over the key table, as Redis's `scanGenericCommand`:
    /// visits buckets until `count` keys are collected, the cursor wraps to 0,
    /// or `count * 10` extra buckets were visited. Returns the next cursor and
    /// the keys seen (not yet filtered: see `scan_filter`).
    pub fn scan_collect(&self, mut cursor: u64, count: usize) -> (u64, Vec<CompactBytes>) {
        let mut keys = Vec::new();
        let mut budget = count.saturating_mul(10);
        loop {
            cursor = self.dict.scan(cursor, |e| keys.push(e.key().clone()));
            if cursor == 0 || budget == 0 || keys.len() >= count {
                break;
            }
            budget -= 1;
        }
        (cursor, keys)
    }

    /// Filters SCAN results in place as Redis does: by glob `pattern`, then by
    /// type name (a lookup that counts a hit or miss, as Redis's), then drops
    /// keys whose TTL has passed (deleting them).
    pub fn scan_filter(&mut self, keys: &mut Vec<CompactBytes>, pattern: Option<&[u8]>, kind: Option<&[u8]>, now: u64) {
        keys.retain(|k| {
            if let Some(p) = pattern
                && !glob_match(p, k, false)
            {
                return false;
            }
            if let Some(kind) = kind {
                let name = self.lookup(k, now, Access::ReadNoTouch).map_or("none", |e| e.value.type_name());
                if !kind.eq_ignore_ascii_case(name.as_bytes()) {
                    return false;
                }
            }
            !self.expire_if_needed(k, now)
        });
    }

    /// Calls `f` with each live key matching `pattern` (KEYS). Expired keys
    /// are skipped but not deleted, as in Redis.
    pub fn keys_matching(&self, pattern: &[u8], now: u64, mut f: impl FnMut(&[u8])) {
        let all = pattern == b"*";
        self.dict.for_each(|e| {
            let k = e.key().as_bytes();
            if (all || glob_match(pattern, k, false)) && !(e.expire != 0 && now > e.expire) {
                f(k);
            }
        });
    }

    /// Deletes `key` if its TTL has passed (Redis's `expireIfNeeded`; not
    /// while `keep_expired`). Returns true if the key is expired.
    pub fn expire_if_needed(&mut self, key: &[u8], now: u64) -> bool {
        let h = self.dict.hash(key);
        match self.dict.find(h, key) {
            Some(n) if n.expire != 0 && now > n.expire && !self.loading && !self.obey_master => {
                if !self.keep_expired && !self.replica {
                    self.delete_expired(h, key);
                }
                true
            }
            _ => false,
        }
    }

    /// The entry of `key` without expiry check, accounting or touch. Only
    /// for a key the same command has just looked up (which expired it if
    /// needed), when a shared borrow is all that is left to take.
    pub fn peek(&self, key: &[u8]) -> Option<&Entry> {
        self.dict.find(self.dict.hash(key), key)
    }

    /// The entry of a live `key` the same command has just found with a
    /// read lookup, for an in-place edit that is not a write lookup (PFCOUNT
    /// updating its cached cardinality): a running snapshot sees the old
    /// value first; no touch, no accounting, watchers not told (the caller
    /// signals a real change through `interest`).
    pub fn prepare_edit(&mut self, key: &[u8]) -> Option<&mut Entry> {
        let h = self.dict.hash(key);
        self.guard(h);
        self.dict.find_mut(h, key)
    }

    /// Adds a key the caller knows is absent (it has just looked it up or
    /// removed it), with an expiry (0: none). RENAME, MOVE and COPY use it
    /// to re-home a value with its TTL.
    pub fn insert_absent(&mut self, key: CompactBytes, value: Value, expire: u64, now: u64) -> &mut Entry {
        let h = self.dict.hash(&key);
        debug_assert!(self.dict.find(h, &key).is_none(), "insert_absent on a present key");
        self.guard(h);
        let mut meta = self.access_bits.initial(now);
        if expire != 0 {
            self.expires += 1;
            self.volatile.push(h);
            meta |= META_VOLATILE_INDEXED;
        }
        self.interest.modified(&key, true);
        self.interest.added(&key);
        self.event(KeyEvent::New, &key);
        self.dict.insert_new(h, Entry::new(key, value, expire, meta))
    }

    /// Adds a key read from an RDB file: `expire` 0 for none, `idle` the
    /// LRU idle seconds it was saved with. If the key is already present,
    /// adds nothing and hands key and value back.
    pub fn load_insert(
        &mut self,
        key: CompactBytes,
        value: Value,
        expire: u64,
        idle: Option<u64>,
        now: u64,
    ) -> Result<(), (CompactBytes, Value)> {
        let h = self.dict.hash(&key);
        if self.dict.find(h, &key).is_some() {
            return Err((key, value));
        }
        self.guard(h);
        let mut meta = idle
            .and_then(|idle| self.access_bits.with_idle_secs(idle, now))
            .unwrap_or_else(|| self.access_bits.initial(now));
        if expire != 0 {
            self.expires += 1;
            self.volatile.push(h);
            meta |= META_VOLATILE_INDEXED;
        }
        self.interest.modified(&key, true);
        self.interest.added(&key);
        self.dict.insert_new(h, Entry::new(key, value, expire, meta));
        Ok(())
    }

    /// Starts a point-in-time snapshot of this database's table (see
    /// `snapshot`). Returns false, attaching nothing, if it is empty.
    pub fn snapshot_begin(&mut self, encode: EncodeFn, compress: bool, now: u64) -> bool {
        debug_assert!(self.snap.is_none(), "one snapshot at a time");
        if self.dict.is_empty() {
            return false;
        }
        self.snap = Some(Box::new(TableSnapshot::new(&mut self.dict, self.id, encode, compress, now)));
        true
    }

    /// Does a snapshot still have work in this database?
    pub fn snapshot_active(&self) -> bool {
        self.snap.is_some() || !self.detached.is_empty()
    }

    /// Walks the snapshot on (tables emptied meanwhile first), visiting up
    /// to `budget` buckets per table, and hands every serialized byte to
    /// `sink` with the database number it belongs to. Tables emptied by
    /// FLUSHDB that are finished go to `free`. Returns true when the
    /// snapshot has nothing left to do here.
    pub fn snapshot_step(
        &mut self,
        budget: usize,
        max_bytes: usize,
        sink: &mut dyn FnMut(usize, &[u8], u64),
        free: &mut dyn FnMut(Dict<Entry>),
    ) -> bool {
        while let Some((dict, state)) = self.detached.last_mut() {
            let done = state.walk(dict, budget, max_bytes);
            sink(state.db_id, &state.out, std::mem::take(&mut state.keys));
            state.out.clear();
            if !done {
                return false;
            }
            let (mut dict, _) = self.detached.pop().expect("last exists");
            dict.set_frozen(false);
            free(dict);
        }
        let Some(state) = self.snap.as_deref_mut() else {
            return true;
        };
        let done = state.walk(&self.dict, budget, max_bytes);
        sink(state.db_id, &state.out, std::mem::take(&mut state.keys));
        state.out.clear();
        if done {
            self.snap = None;
            self.dict.set_frozen(false);
        }
        done
    }

    /// Hands what writes serialized ahead of the walk to `sink`.
    pub fn snapshot_drain(&mut self, sink: &mut dyn FnMut(usize, &[u8], u64)) {
        for state in self.snap.iter_mut().chain(self.detached.iter_mut().map(|(_, s)| s)) {
            if !state.out.is_empty() {
                sink(state.db_id, &state.out, std::mem::take(&mut state.keys));
                state.out.clear();
            }
        }
    }

    /// Abandons a running snapshot: thaws the table; tables emptied
    /// meanwhile go to `free`.
    pub fn snapshot_abort(&mut self, free: &mut dyn FnMut(Dict<Entry>)) {
        if self.snap.take().is_some() {
            self.dict.set_frozen(false);
        }
        for (dict, _) in self.detached.drain(..) {
            free(dict);
        }
    }

    /// The snapshot's memory here: bytes held by its buffers and bitmaps.
    pub fn snapshot_memory(&self) -> usize {
        self.snap.iter().chain(self.detached.iter().map(|(_, s)| s)).map(|s| s.out.capacity() + s.overhead()).sum()
    }

    /// Cron housekeeping: shrink a mostly empty table, rehash for a while.
    pub fn cron(&mut self, rehash_budget: std::time::Duration) {
        self.dict.shrink_if_needed();
        if self.dict.is_rehashing() {
            self.dict.rehash_for(rehash_budget);
        }
        if self.volatile.len() > 4 * self.expires + 4096 {
            self.rebuild_volatile_index();
        }
    }

    fn rebuild_volatile_index(&mut self) {
        let mut fresh = Vec::with_capacity(self.expires);
        let dict = &self.dict;
        dict.for_each(|n| {
            if n.expire != 0 {
                fresh.push(dict.hash(n.key()));
            }
        });
        self.volatile = fresh;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::string(v.as_bytes())
    }

    #[test]
    fn lazy_expiry_on_lookup() {
        let mut db = Db::new(0);
        db.set(b"a", s("1"), Ttl::At(1000), 0);
        assert_eq!(db.expires_count(), 1);
        assert!(db.lookup(b"a", 1000, Access::Read).is_some(), "expired only when now > expire");
        assert!(db.lookup(b"a", 1001, Access::Read).is_none());
        assert_eq!(db.len(), 0);
        assert_eq!(db.expires_count(), 0);
        assert_eq!(db.stats.expired, 1);
        assert_eq!(db.stats.hits, 1);
        assert_eq!(db.stats.misses, 1);
    }

    #[test]
    fn set_clears_or_keeps_ttl() {
        let mut db = Db::new(0);
        db.set(b"a", s("1"), Ttl::At(5000), 0);
        db.set(b"a", s("2"), Ttl::Keep, 0);
        assert_eq!(db.lookup(b"a", 0, Access::Peek).unwrap().expire(), Some(5000));
        db.set(b"a", s("3"), Ttl::Clear, 0);
        assert_eq!(db.lookup(b"a", 0, Access::Peek).unwrap().expire(), None);
        assert_eq!(db.expires_count(), 0);
        assert!(db.set_expire(b"a", 10, 0));
        assert!(db.persist(b"a", 0));
        assert!(!db.persist(b"a", 0));
        assert!(!db.set_expire(b"missing", 10, 0));
    }

    #[test]
    fn active_expiry_reclaims_untouched_keys() {
        let mut db = Db::new(0);
        for i in 0..1000 {
            let ttl = if i % 2 == 0 { Ttl::At(100) } else { Ttl::Clear };
            db.set(format!("k{i}").as_bytes(), s("v"), ttl, 0);
        }
        assert_eq!(db.expires_count(), 500);
        let mut x = 88172645463325252u64;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut rounds = 0;
        while db.expires_count() > 0 && rounds < 10_000 {
            db.expire_sample(20, 200, &mut rnd);
            rounds += 1;
        }
        assert_eq!(db.expires_count(), 0);
        assert_eq!(db.len(), 500);
        assert_eq!(db.stats.expired, 500);
    }

    #[test]
    fn stale_index_entries_are_dropped() {
        let mut db = Db::new(0);
        db.set(b"a", s("1"), Ttl::At(100), 0);
        db.remove(b"a", 0);
        db.set(b"a", s("1"), Ttl::Clear, 0);
        let (sampled, expired) = db.expire_sample(20, 0, || 0);
        assert_eq!((sampled, expired), (0, 0), "no key has a TTL: nothing to sample");
        db.set(b"b", s("1"), Ttl::At(100), 0);
        db.persist(b"b", 0);
        db.set_expire(b"b", 50, 0);
        db.expire_sample(20, 60, || 0);
        assert!(!db.contains(b"b", 0));
    }

    #[test]
    fn random_key_never_answers_an_expired_key() {
        let mut db = Db::new(0);
        for i in 0..50 {
            db.set(format!("k{i}").as_bytes(), s("v"), Ttl::At(10), 0);
        }
        let mut x = 1u64;
        assert!(
            db.random_key(11, || {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                x >> 11
            })
            .is_none()
        );
        assert!(db.is_empty(), "every expired pick was deleted");
        assert_eq!(db.stats.expired, 50);
    }

    #[test]
    fn insert_absent_keeps_ttl_accounting() {
        let mut db = Db::new(0);
        db.insert_absent(CompactBytes::new(b"a"), s("1"), 500, 0);
        db.insert_absent(CompactBytes::new(b"b"), s("2"), 0, 0);
        assert_eq!(db.expires_count(), 1);
        assert_eq!(db.lookup(b"a", 0, Access::Peek).unwrap().expire(), Some(500));
        let (key, value, expire) = db.remove(b"a", 0).unwrap().into_parts();
        assert_eq!(db.expires_count(), 0);
        db.insert_absent(key, value, expire, 0);
        assert_eq!(db.expires_count(), 1);
        assert!(db.expire_if_needed(b"a", 501));
        assert!(!db.expire_if_needed(b"b", 501));
        assert_eq!(db.expires_count(), 0);
    }

    #[test]
    fn scan_collect_and_filter() {
        let mut db = Db::new(0);
        for i in 0..100 {
            db.set(format!("k{i}").as_bytes(), s("v"), if i < 10 { Ttl::At(5) } else { Ttl::Clear }, 0);
        }
        let (mut cursor, mut all) = (0, Vec::new());
        loop {
            let (next, keys) = db.scan_collect(cursor, 7);
            all.extend(keys);
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(all.len(), 100);
        db.scan_filter(&mut all, Some(b"k1*"), None, 10);
        // k1 (expired, dropped) and k10..k19.
        assert_eq!(all.len(), 10);
        assert_eq!(db.len(), 99, "the expired key seen was deleted");
        let mut seen = Vec::new();
        db.keys_matching(b"k?", 10, |k| seen.push(k.to_vec()));
        assert_eq!(seen.len(), 0, "k0..k9 are all expired: skipped");
        db.keys_matching(b"k??", 0, |k| seen.push(k.to_vec()));
        assert_eq!(seen.len(), 90);
    }
}
