//! Choosing keys to evict (the keyspace half of Redis's `evict.c`): the
//! policy, the access data each key carries in the low bits of its meta,
//! and the eviction pool.
//!
//! Access data: under an LRU policy (and any non-LFU one) the 28 bits of
//! `LRU_MASK` hold the LRU clock of the last access in ticks of
//! `LRU_TICK_MS`. Redis keeps 24 bits of seconds; a tenth of a second lets
//! the pool tell a key read a moment ago from one written half a second
//! ago, which decides whether a hot key survives when a fast writer turns
//! the whole cache over in a second or two, and 28 bits wrap after 310
//! days (Redis: 194), so OBJECT IDLETIME stays exact as long. Under an LFU
//! policy the low 24 bits hold Redis's LFU pair, 16 bits of "last decrement time" in minutes
//! and an 8-bit logarithmic access counter that starts at `LFU_INIT_VAL`,
//! grows with probability `1 / ((counter - 5) * lfu-log-factor + 1)` per
//! access and loses one per `lfu-decay-time` minutes without access.
//!
//! Choosing: LRU, LFU and volatile-ttl sample `maxmemory-samples` keys per
//! database (all keys, or keys with a TTL through `Db::volatile`) into a
//! pool of the 16 best candidates kept across calls, sorted by score
//! (idle ms, 255 - frequency, or time left), and evict the best one still
//! present. Random policies pick one key, visiting databases in turn. No
//! full scan anywhere: each pick costs a few samples.
//!
//! Knows nothing of the server: the caller measures memory, deletes the
//! chosen key (deleted through `Db::evict`) and counts it.

use super::db::{Db, LRU_MASK};
use super::entry::Entry;

/// Length of an LRU clock tick.
pub const LRU_TICK_MS: u64 = 100;

/// The LRU clock for a Unix time in ms, in ticks, 24 bits.
#[inline]
pub fn lru_ticks(now_ms: u64) -> u32 {
    ((now_ms / LRU_TICK_MS) as u32) & LRU_MASK
}

/// The counter of a key not yet accessed (Redis's `LFU_INIT_VAL`).
pub const LFU_INIT_VAL: u32 = 5;
/// Candidates kept in the pool (Redis's `EVPOOL_SIZE`).
pub const POOL_SIZE: usize = 16;

/// What the policy ranks keys by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    /// Least recently used first.
    Lru,
    /// Least frequently used first.
    Lfu,
    /// Nearest expiry first (volatile-ttl).
    Ttl,
    /// Any key.
    Random,
}

/// An eviction policy other than `noeviction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub rank: Rank,
    /// Every key may go (`allkeys-*`), or only keys with a TTL (`volatile-*`).
    pub allkeys: bool,
}

/// How accesses update a key's access bits; one per database, set from the
/// configuration (`maxmemory-policy`, `lfu-log-factor`, `lfu-decay-time`).
#[derive(Debug, Clone, Copy)]
pub struct AccessBits {
    pub lfu: bool,
    pub lfu_log_factor: u32,
    pub lfu_decay_time: u32,
    /// State of the generator behind the counter's chance of growing.
    rng: u64,
    /// Redis holds 0..9999 as shared objects with one clock per number
    /// (off when `maxmemory` is set with an LRU or LFU policy): see
    /// `shared_ints`.
    pub shared_ints: bool,
}

impl Default for AccessBits {
    fn default() -> Self {
        AccessBits { lfu: false, lfu_log_factor: 10, lfu_decay_time: 1, rng: 0x9E37_79B9_7F4A_7C15, shared_ints: true }
    }
}

impl AccessBits {
    pub fn new(lfu: bool, lfu_log_factor: u32, lfu_decay_time: u32) -> AccessBits {
        AccessBits { lfu, lfu_log_factor, lfu_decay_time, ..AccessBits::default() }
    }

    /// The bits of a new key (Redis's `createObject`).
    #[inline]
    pub fn initial(&self, now_ms: u64) -> u32 {
        if self.lfu { (lfu_minutes(now_ms) << 8) | LFU_INIT_VAL } else { lru_ticks(now_ms) }
    }

    /// The bits after an access (Redis's `updateLFU` or LRU clock refresh).
    #[inline]
    pub fn touched(&mut self, old: u32, now_ms: u64) -> u32 {
        if !self.lfu {
            return lru_ticks(now_ms);
        }
        let counter = lfu_decayed(old, self.lfu_decay_time, now_ms);
        let r = self.next_unit();
        (lfu_minutes(now_ms) << 8) | lfu_log_incr(counter, self.lfu_log_factor, r)
    }

    /// Access bits for a key idle for `idle_secs` (RESTORE IDLETIME, RDB
    /// loading: Redis's `objectSetLRUOrLFU`); `None` under an LFU policy.
    pub fn with_idle_secs(&self, idle_secs: u64, now_ms: u64) -> Option<u32> {
        if self.lfu {
            return None;
        }
        let idle = (idle_secs.saturating_mul(1000) / LRU_TICK_MS).min(u64::from(LRU_MASK)) as u32;
        let clock = lru_ticks(now_ms);
        Some(if idle <= clock { clock - idle } else { clock + LRU_MASK - idle })
    }

    /// Access bits with LFU counter `freq` (RESTORE FREQ, RDB loading);
    /// `None` unless the policy is LFU.
    pub fn with_freq(&self, freq: u8, now_ms: u64) -> Option<u32> {
        self.lfu.then(|| (lfu_minutes(now_ms) << 8) | u32::from(freq))
    }

    /// A number in [0, 1) (xorshift64*).
    #[inline]
    fn next_unit(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Minutes since the epoch, 16 bits (Redis's `LFUGetTimeInMinutes`).
#[inline]
pub fn lfu_minutes(now_ms: u64) -> u32 {
    ((now_ms / 60_000) & 0xFFFF) as u32
}

/// Minutes since `ldt`, the clock wrapping at most once.
fn lfu_elapsed(ldt: u32, now_ms: u64) -> u32 {
    let now = lfu_minutes(now_ms);
    if now >= ldt { now - ldt } else { 65535 - ldt + now }
}

/// The counter of LFU bits `bits` after the decay due by now (Redis's
/// `LFUDecrAndReturn`; the bits themselves are not updated).
#[inline]
pub fn lfu_decayed(bits: u32, decay_time: u32, now_ms: u64) -> u32 {
    let ldt = (bits >> 8) & 0xFFFF;
    let counter = bits & 255;
    let periods = lfu_elapsed(ldt, now_ms).checked_div(decay_time).unwrap_or(0);
    counter.saturating_sub(periods)
}

/// Redis's `LFULogIncr`: grows the counter with probability
/// `1 / ((counter - LFU_INIT_VAL) * factor + 1)`, saturating at 255; `r`
/// is uniform in [0, 1).
#[inline]
pub fn lfu_log_incr(counter: u32, factor: u32, r: f64) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
    if r < 1.0 / (base * f64::from(factor) + 1.0) { counter + 1 } else { counter }
}

/// Milliseconds since the access recorded in LRU bits (Redis's
/// `estimateObjectIdleTime`, with its wrap formula). OBJECT IDLETIME, DEBUG
/// OBJECT and RDB files show it in seconds.
#[inline]
pub fn lru_idle_ms(bits: u32, now_ms: u64) -> u64 {
    let lru = bits & LRU_MASK;
    let clock = lru_ticks(now_ms);
    let ticks = if clock >= lru { clock - lru } else { clock + (LRU_MASK - lru) };
    u64::from(ticks) * LRU_TICK_MS
}

/// One pool slot; the key buffer is reused (Redis caches an sds per slot).
#[derive(Default)]
struct Slot {
    used: bool,
    score: u64,
    db: usize,
    key: Vec<u8>,
}

/// The eviction pool and the random policies' database cursor. Kept by the
/// server across evictions: candidates found by earlier samples keep
/// competing, which is what makes the approximation good.
pub struct Evictor {
    pool: Vec<Slot>,
    next_db: usize,
}

impl Default for Evictor {
    fn default() -> Self {
        Evictor { pool: (0..POOL_SIZE).map(|_| Slot::default()).collect(), next_db: 0 }
    }
}

/// The score a candidate is ranked by: higher is evicted first.
#[inline]
fn score(rank: Rank, e: &Entry, decay_time: u32, now_ms: u64) -> u64 {
    match rank {
        Rank::Lru => lru_idle_ms(e.meta, now_ms),
        Rank::Lfu => 255 - u64::from(lfu_decayed(e.meta, decay_time, now_ms)),
        Rank::Ttl => u64::MAX - e.expire().unwrap_or(u64::MAX),
        Rank::Random => 0,
    }
}

/// Upper bound on pool refills for one pick; each refill samples every
/// database, so this is only reached if sampling keeps finding nothing.
const MAX_REFILLS: usize = 1000;

impl Evictor {
    /// Chooses a key under `policy` and deletes it (`Db::evict`): returns
    /// its database index and entry, for the caller to free. `None` when no
    /// database has an evictable key.
    pub fn evict_one(
        &mut self,
        dbs: &mut [Db],
        policy: Policy,
        samples: usize,
        now_ms: u64,
        mut rnd: impl FnMut() -> u64,
    ) -> Option<(usize, Entry)> {
        if policy.rank == Rank::Random {
            let (db, key) = self.pick_random(dbs, policy.allkeys, &mut rnd)?;
            return dbs[db].evict(&key, false).map(|e| (db, e));
        }
        for _ in 0..MAX_REFILLS {
            let mut total = 0;
            for (i, db) in dbs.iter_mut().enumerate() {
                let keys = if policy.allkeys { db.len() } else { db.expires_count() };
                if keys == 0 {
                    continue;
                }
                total += keys;
                let decay = db.access_bits.lfu_decay_time;
                let pool = &mut self.pool;
                db.sample(samples, !policy.allkeys, &mut rnd, |e| {
                    insert(pool, score(policy.rank, e, decay, now_ms), e.key(), i);
                });
            }
            if total == 0 {
                return None;
            }
            // The best candidate still present goes; the others are ghosts
            // (deleted since they were sampled).
            for slot in self.pool.iter_mut().rev() {
                if !slot.used {
                    continue;
                }
                slot.used = false;
                slot.score = 0;
                if let Some(e) = dbs[slot.db].evict(&slot.key, !policy.allkeys) {
                    return Some((slot.db, e));
                }
            }
        }
        None
    }

    fn pick_random(
        &mut self,
        dbs: &mut [Db],
        allkeys: bool,
        rnd: &mut impl FnMut() -> u64,
    ) -> Option<(usize, Vec<u8>)> {
        let n = dbs.len();
        for _ in 0..n {
            self.next_db = self.next_db.wrapping_add(1);
            let j = self.next_db % n;
            let db = &mut dbs[j];
            let key = if allkeys {
                db.dict().random(&mut *rnd).map(|e| e.key().to_vec())
            } else {
                db.random_volatile(&mut *rnd)
            };
            if let Some(key) = key {
                return Some((j, key));
            }
        }
        None
    }

    /// Forgets every candidate (FLUSHALL, policy changes).
    pub fn clear(&mut self) {
        for s in &mut self.pool {
            s.used = false;
        }
    }
}

/// Redis's pool insertion: slots are sorted by ascending score; a candidate
/// worse than every slot of a full pool is dropped, otherwise it takes its
/// place, pushing the worst candidate out when the pool is full.
fn insert(pool: &mut [Slot], score: u64, key: &[u8], db: usize) {
    let n = pool.len();
    let mut k = 0;
    while k < n && pool[k].used && pool[k].score < score {
        k += 1;
    }
    if k == 0 && pool[n - 1].used {
        return;
    }
    if k < n && !pool[k].used {
        // An empty slot at the right place.
    } else if !pool[n - 1].used {
        // Room on the right: shift k.. right, the empty last slot comes to k.
        pool[k..].rotate_right(1);
    } else {
        // Full: drop the worst (slot 0), shift 1..=k-1 left.
        k -= 1;
        pool[..=k].rotate_left(1);
    }
    let s = &mut pool[k];
    s.key.clear();
    s.key.extend_from_slice(key);
    s.score = score;
    s.db = db;
    s.used = true;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyspace::{Ttl, Value};

    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed | 1;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    #[test]
    fn pool_keeps_the_best_sorted() {
        let mut pool: Vec<Slot> = (0..4).map(|_| Slot::default()).collect();
        for (s, k) in [(5, "e"), (1, "a"), (9, "i"), (3, "c")] {
            insert(&mut pool, s, k.as_bytes(), 0);
        }
        let order = |p: &[Slot]| p.iter().filter(|s| s.used).map(|s| s.score).collect::<Vec<_>>();
        assert_eq!(order(&pool), [1, 3, 5, 9]);
        insert(&mut pool, 0, b"z", 0);
        assert_eq!(order(&pool), [1, 3, 5, 9], "worse than all of a full pool: dropped");
        insert(&mut pool, 4, b"d", 0);
        assert_eq!(order(&pool), [3, 4, 5, 9], "the worst is pushed out");
        assert_eq!(pool[1].key, b"d");
        insert(&mut pool, 10, b"j", 0);
        assert_eq!(order(&pool), [4, 5, 9, 10]);
        pool[2].used = false;
        insert(&mut pool, 7, b"g", 0);
        assert_eq!(order(&pool), [4, 5, 7, 10], "a hole at the right place is filled");
    }

    #[test]
    fn lfu_counter_grows_logarithmically_and_decays() {
        assert_eq!(lfu_log_incr(5, 10, 0.99), 6, "at or below the initial value it always grows");
        assert_eq!(lfu_log_incr(255, 10, 0.0), 255);
        assert_eq!(lfu_log_incr(15, 10, 0.5), 15, "p = 1/101");
        assert_eq!(lfu_log_incr(15, 10, 0.005), 16);
        let now = 1_000 * 60_000;
        let bits = (lfu_minutes(now) << 8) | 20;
        assert_eq!(lfu_decayed(bits, 1, now), 20);
        assert_eq!(lfu_decayed(bits, 1, now + 3 * 60_000), 17);
        assert_eq!(lfu_decayed(bits, 2, now + 3 * 60_000), 19);
        assert_eq!(lfu_decayed(bits, 0, now + 300 * 60_000), 20, "decay time 0: never");
        assert_eq!(lfu_decayed(bits, 1, now + 300 * 60_000), 0);
        let mut a = AccessBits::new(true, 10, 1);
        let mut b = a.initial(now);
        assert_eq!(b & 255, LFU_INIT_VAL);
        for _ in 0..10_000 {
            b = a.touched(b, now);
        }
        let c = b & 255;
        assert!((20..60).contains(&c), "10k hits with factor 10: about 30, got {c}");
    }

    #[test]
    fn lru_idle_wraps() {
        let now = 5_000_000;
        assert_eq!(lru_idle_ms(lru_ticks(now), now), 0);
        assert_eq!(lru_idle_ms(lru_ticks(now - 7000), now), 7000);
        let late = (LRU_MASK as u64 + 3) * LRU_TICK_MS;
        assert_eq!(lru_idle_ms(LRU_MASK - 1, late), 3 * LRU_TICK_MS, "Redis's wrap formula");
        let a = AccessBits::default();
        assert_eq!(lru_idle_ms(a.with_idle_secs(1000, now).unwrap(), now), 1_000_000);
        assert_eq!(lru_idle_ms(a.with_idle_secs(7, 1000).unwrap(), 1000), 7000, "before the clock's zero: wraps");
        assert!(a.with_freq(3, now).is_none());
        let lfu = AccessBits::new(true, 10, 1);
        assert_eq!(lfu_decayed(lfu.with_freq(100, now).unwrap(), 1, now), 100);
        assert!(lfu.with_idle_secs(5, now).is_none());
    }

    fn filled(n: usize, ttl: impl Fn(usize) -> Ttl, now: u64) -> Db {
        let mut db = Db::new(0);
        for i in 0..n {
            db.set(format!("k{i}").as_bytes(), Value::string(b"v"), ttl(i), now);
        }
        db
    }

    #[test]
    fn lru_evicts_the_idle_keys() {
        let mut dbs = vec![filled(1000, |_| Ttl::Clear, 1_000_000)];
        // Half the keys are touched 100 s later.
        let later = 1_100_000;
        for i in (0..1000).step_by(2) {
            dbs[0].lookup(format!("k{i}").as_bytes(), later, crate::keyspace::Access::Read);
        }
        let mut ev = Evictor::default();
        let mut rnd = rng(3);
        let policy = Policy { rank: Rank::Lru, allkeys: true };
        let mut recent = 0;
        for _ in 0..300 {
            let (_, e) = ev.evict_one(&mut dbs, policy, 5, later, &mut rnd).unwrap();
            let n: usize = std::str::from_utf8(&e.key()[1..]).unwrap().parse().unwrap();
            recent += usize::from(n.is_multiple_of(2));
        }
        // An approximation: a pool left with only recent keys picks one.
        assert!(recent <= 15, "evicted {recent} recently used keys of 300");
    }

    #[test]
    fn volatile_policies_only_pick_keys_with_a_ttl() {
        let now = 1_000_000;
        for rank in [Rank::Lru, Rank::Lfu, Rank::Ttl, Rank::Random] {
            let mut dbs =
                vec![filled(200, |i| if i % 2 == 0 { Ttl::At(now + 10_000 + i as u64) } else { Ttl::Clear }, now)];
            let mut ev = Evictor::default();
            let mut rnd = rng(5);
            let policy = Policy { rank, allkeys: false };
            let mut evicted = Vec::new();
            while let Some((_, e)) = ev.evict_one(&mut dbs, policy, 5, now, &mut rnd) {
                assert!(e.expire().is_some());
                evicted.push(e.key().to_vec());
            }
            assert_eq!(evicted.len(), 100, "{rank:?}");
            assert_eq!(dbs[0].len(), 100);
            assert_eq!(dbs[0].expires_count(), 0);
            if rank == Rank::Ttl {
                // Sampling is approximate, but the first picks have short TTLs.
                let first: usize = std::str::from_utf8(&evicted[0][1..]).unwrap().parse().unwrap();
                assert!(first < 150, "first volatile-ttl pick k{first}");
            }
        }
    }

    #[test]
    fn lfu_keeps_the_frequent_keys() {
        let now = 10 * 60_000;
        let mut dbs = vec![Db::new(0)];
        dbs[0].access_bits = AccessBits::new(true, 10, 1);
        for i in 0..500 {
            dbs[0].set(format!("k{i}").as_bytes(), Value::string(b"v"), Ttl::Clear, now);
        }
        for _ in 0..50 {
            for i in 0..50 {
                dbs[0].lookup(format!("k{i}").as_bytes(), now, crate::keyspace::Access::Read);
            }
        }
        let mut ev = Evictor::default();
        let mut rnd = rng(9);
        let policy = Policy { rank: Rank::Lfu, allkeys: true };
        for _ in 0..400 {
            ev.evict_one(&mut dbs, policy, 5, now, &mut rnd).unwrap();
        }
        let hot = (0..50).filter(|i| dbs[0].peek(format!("k{i}").as_bytes()).is_some()).count();
        assert_eq!(hot, 50, "the 50 frequently read keys stay");
    }

    #[test]
    fn nothing_to_pick_in_empty_databases() {
        let mut dbs = vec![Db::new(0), Db::new(1)];
        let mut ev = Evictor::default();
        for rank in [Rank::Lru, Rank::Random] {
            for allkeys in [true, false] {
                assert!(ev.evict_one(&mut dbs, Policy { rank, allkeys }, 5, 0, rng(1)).is_none());
            }
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    use crate::keyspace::{Ttl, Value};

    #[test]
    #[ignore]
    fn bench_pick() {
        let mut dbs: Vec<Db> = (0..16).map(Db::new).collect();
        let v = vec![b'v'; 100];
        for i in 0..110_000u64 {
            dbs[0].set(format!("key:{i:012}").as_bytes(), Value::string(&v), Ttl::Clear, 1_000_000);
        }
        let mut ev = Evictor::default();
        let mut x = 88172645463325252u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let policy = Policy { rank: Rank::Lru, allkeys: true };
        let t = std::time::Instant::now();
        let n = 500_000u64;
        for i in 0..n {
            let now = 1_000_000 + i / 100;
            ev.evict_one(&mut dbs, policy, 5, now, &mut rnd).unwrap();
            dbs[0].set(format!("key:{:012}", 110_000 + i).as_bytes(), Value::string(&v), Ttl::Clear, now);
        }
        eprintln!("{:?} per eviction + set", t.elapsed() / n as u32);
    }
}
