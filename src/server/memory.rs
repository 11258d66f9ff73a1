//! The memory limit (the server half of Redis's `evict.c`) and the memory
//! figures of INFO and MEMORY STATS (Redis's `getMemoryOverheadData`).
//!
//! Used memory is the allocator's byte count (`crate::alloc`), which counts
//! everything Redis's zmalloc counts: keys, values, the key tables, client
//! query and output buffers. Redis leaves out of the eviction decision only
//! what eviction itself makes grow (replica output buffers past the
//! backlog, the AOF buffer); neither exists here, so that part is 0
//! (`not_counted`), as Redis's `freeMemoryGetNotCountedMemory` with no
//! replicas and AOF off.
//!
//! `perform_evictions` runs before every command while `maxmemory` is set
//! (`dispatch`), and in the eviction task when one call could not get back
//! under the limit within its time budget (`maxmemory-eviction-tenacity`):
//! the task evicts in slices of that budget, yielding to clients between
//! slices, until memory is under the limit or nothing is left to evict
//! (Redis's `evictionTimeProc`). CONFIG SET maxmemory starts the task.
//!
//! Evicted keys are deleted through `Db::evict`, which reports them to
//! WATCH bookkeeping; watchers are flagged right after.

use std::rc::Rc;
use std::time::Instant;

use tokio::sync::Notify;

use super::Server;
use super::client::Client;
use crate::config::{Config, MaxmemoryPolicy};
use crate::keyspace::evict::{AccessBits, Evictor, Policy, Rank};

/// What `perform_evictions` achieved (Redis's `EVICT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evict {
    /// Memory is under the limit (or eviction may not run now).
    Ok,
    /// Over the limit, still evicting in the background.
    Running,
    /// Over the limit with nothing left to evict: writes are refused.
    Fail,
}

/// Eviction state kept by the server.
pub struct EvictState {
    /// The eviction pool, kept across calls.
    pub evictor: Evictor,
    /// The background eviction task is running (or about to).
    pub task_running: bool,
    /// Wakes the eviction task.
    pub wake: Rc<Notify>,
    /// Over the limit with nothing to evict at the start of the running
    /// command: a script's first write that may grow memory is refused
    /// (Redis's `pre_command_oom_state`).
    pub pre_command_oom: bool,
    /// `used_memory` when the server started (`used_memory_startup`).
    pub startup: usize,
    /// Estimated bytes of evicted values handed to the lazyfree thread and
    /// not yet freed (reset once it has nothing pending).
    pub lazy_pending: usize,
}

impl Default for EvictState {
    fn default() -> Self {
        EvictState {
            evictor: Evictor::default(),
            task_running: false,
            wake: Rc::new(Notify::new()),
            pre_command_oom: false,
            startup: crate::alloc::used_memory(),
            lazy_pending: 0,
        }
    }
}

/// The eviction policy of `maxmemory-policy`; `None` for `noeviction`.
pub fn policy(p: MaxmemoryPolicy) -> Option<Policy> {
    let (rank, allkeys) = match p {
        MaxmemoryPolicy::VolatileLru => (Rank::Lru, false),
        MaxmemoryPolicy::VolatileLfu => (Rank::Lfu, false),
        MaxmemoryPolicy::VolatileRandom => (Rank::Random, false),
        MaxmemoryPolicy::VolatileTtl => (Rank::Ttl, false),
        MaxmemoryPolicy::AllkeysLru => (Rank::Lru, true),
        MaxmemoryPolicy::AllkeysLfu => (Rank::Lfu, true),
        MaxmemoryPolicy::AllkeysRandom => (Rank::Random, true),
        MaxmemoryPolicy::NoEviction => return None,
    };
    Some(Policy { rank, allkeys })
}

/// Does the policy keep LFU counters (so OBJECT FREQ answers)?
pub fn is_lfu(p: MaxmemoryPolicy) -> bool {
    matches!(p, MaxmemoryPolicy::VolatileLfu | MaxmemoryPolicy::AllkeysLfu)
}

/// Does Redis hold 0..9999 as shared objects under these settings? Not
/// when a memory limit evicts by access (each key needs its own clock).
pub fn shares_integers(c: &Config) -> bool {
    !(c.maxmemory != 0
        && matches!(
            c.maxmemory_policy,
            MaxmemoryPolicy::VolatileLru
                | MaxmemoryPolicy::AllkeysLru
                | MaxmemoryPolicy::VolatileLfu
                | MaxmemoryPolicy::AllkeysLfu
        ))
}

/// Hands the memory settings to the keyspace: how accesses are recorded
/// (LRU clock or LFU counter) and the limit table growth must respect. Run
/// at start and after CONFIG SET.
pub fn apply_config(srv: &mut Server) {
    let c = &srv.config;
    let lfu = is_lfu(c.maxmemory_policy);
    let limit = usize::try_from(c.maxmemory).unwrap_or(usize::MAX);
    for db in &mut srv.keyspace.dbs {
        let a = &mut db.access_bits;
        if a.lfu != lfu || a.lfu_log_factor != c.lfu_log_factor || a.lfu_decay_time != c.lfu_decay_time {
            *a = AccessBits::new(lfu, c.lfu_log_factor, c.lfu_decay_time);
        }
        a.shared_ints = shares_integers(c);
        db.set_grow_limit(limit);
    }
}

/// CONFIG SET changed memory settings: apply them, and with a limit below
/// the memory in use, warn and start evicting in the background (Redis's
/// `updateMaxmemory`).
pub fn config_changed(srv: &mut Server, old: &Config) {
    let c = &srv.config;
    if c.maxmemory_policy != old.maxmemory_policy {
        srv.evict.evictor.clear();
    }
    apply_config(srv);
    if srv.config.maxmemory != old.maxmemory && srv.config.maxmemory != 0 {
        let used = crate::alloc::used_memory().saturating_sub(not_counted());
        if (srv.config.maxmemory as usize) < used {
            crate::log::warning(&format!(
                "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the current memory usage \
                 ({used}). This will result in key eviction and/or the inability to accept new write commands \
                 depending on the maxmemory-policy.",
                srv.config.maxmemory
            ));
        }
        start_task(srv);
    }
}

/// Memory left out of the eviction decision (Redis's
/// `freeMemoryGetNotCountedMemory`): replica buffers and the AOF buffer,
/// which do not exist here.
pub fn not_counted() -> usize {
    0
}

/// Redis's `getMaxmemoryState`: the bytes to free to be back under
/// `maxmemory`, or `None` when under it (or with no limit).
pub fn over_limit(maxmemory: u64) -> Option<usize> {
    if maxmemory == 0 {
        return None;
    }
    let limit = usize::try_from(maxmemory).unwrap_or(usize::MAX);
    let reported = crate::alloc::used_memory();
    if reported <= limit {
        return None;
    }
    let used = reported.saturating_sub(not_counted());
    (used > limit).then(|| used - limit)
}

/// `over_limit`, with `pending` bytes (handed to the lazyfree thread, not
/// yet freed) counted as freed.
fn over_limit_by(maxmemory: u64, pending: usize) -> Option<usize> {
    let over = over_limit(maxmemory)?;
    (over > pending).then(|| over - pending)
}

/// Elements measured to estimate what an evicted collection will free
/// once the lazyfree thread drops it (as MEMORY USAGE's default).
const SAMPLES_FOR_LAZY: usize = 5;

/// Used memory over `maxmemory`, as a fraction (Redis's `level`).
pub fn level(maxmemory: u64) -> f64 {
    if maxmemory == 0 {
        return 0.0;
    }
    crate::alloc::used_memory().saturating_sub(not_counted()) as f64 / maxmemory as f64
}

/// Redis's `evictionTimeLimitUs`: tenacity 0..=10 gives 0..500 µs, then
/// 15% more per step (about 2 minutes at 99), and no limit at 100.
pub fn time_limit_us(tenacity: u32) -> u64 {
    match tenacity {
        0..=10 => 50 * u64::from(tenacity),
        11..=99 => (500.0 * 1.15f64.powi(tenacity as i32 - 10)) as u64,
        _ => u64::MAX,
    }
}

/// Redis's `performEvictions`: while over the limit, evicts keys chosen by
/// the policy, for at most the tenacity's time budget (checked every 16
/// keys); if the budget runs out first, the eviction task carries on.
pub fn perform_evictions(srv: &mut Server) -> Evict {
    // While clients are paused the data set stands still.
    if super::pause::check_timeout(srv) {
        return Evict::Ok;
    }
    let result = evict_until_under(srv);
    let stats = &mut srv.stats;
    match result {
        Evict::Running | Evict::Fail => {
            stats.eviction_exceeded_since.get_or_insert_with(Instant::now);
        }
        Evict::Ok => {
            if let Some(since) = stats.eviction_exceeded_since.take() {
                stats.eviction_exceeded_us += since.elapsed().as_micros() as u64;
            }
        }
    }
    result
}

fn evict_until_under(srv: &mut Server) -> Evict {
    let budget = time_limit_us(srv.config.maxmemory_eviction_tenacity);
    let lazy = srv.config.lazyfree_lazy_eviction;
    if super::lazyfree::pending_objects() == 0 {
        srv.evict.lazy_pending = 0;
    }
    // Values evicted earlier and still being freed in the background count
    // as gone already.
    let Some(to_free) = over_limit_by(srv.config.maxmemory, srv.evict.lazy_pending) else {
        return Evict::Ok;
    };
    let Some(policy) = policy(srv.config.maxmemory_policy) else {
        return Evict::Fail;
    };
    let samples = srv.config.maxmemory_samples.max(1) as usize;
    let now = srv.now_ms;
    let start = Instant::now();
    let mut freed: i64 = 0;
    let mut keys = 0u64;
    while freed < to_free as i64 {
        let Server { keyspace, evict, rng, .. } = &mut *srv;
        let before = crate::alloc::used_memory() as i64;
        let Some((db, entry)) = evict.evictor.evict_one(&mut keyspace.dbs, policy, samples, now, || rng.next_u64())
        else {
            // Nothing left to evict; what the background thread is freeing
            // may still bring memory under the limit (Redis waits too).
            if lazy && wait_for_lazyfree(budget) && over_limit(srv.config.maxmemory).is_none() {
                srv.evict.lazy_pending = 0;
                return Evict::Ok;
            }
            return Evict::Fail;
        };
        // What the notification allocates (messages queued to subscribers)
        // does not count against what the eviction freed, as in Redis.
        let mark = crate::alloc::used_memory() as i64;
        notify_evicted(srv, db, entry.key());
        let notified = crate::alloc::used_memory() as i64 - mark;
        // A value freed in the background counts as freed now (its heap
        // estimate), or one call would evict far more than it needs to.
        let mut handed_off = 0;
        if lazy && entry.value.free_effort() > crate::keyspace::value::LAZYFREE_THRESHOLD {
            handed_off = entry.value.memory_usage(SAMPLES_FOR_LAZY);
            srv.evict.lazy_pending += handed_off;
            super::lazyfree::free_later(entry, 1);
        } else {
            drop(entry);
        }
        freed += before - crate::alloc::used_memory() as i64 + notified + handed_off as i64;
        srv.stats.evicted_keys += 1;
        keys += 1;
        if keys.is_multiple_of(16) {
            if lazy && over_limit_by(srv.config.maxmemory, srv.evict.lazy_pending).is_none() {
                break;
            }
            if start.elapsed().as_micros() as u64 > budget {
                start_task(srv);
                break;
            }
        }
    }
    if srv.evict.task_running { Evict::Running } else { Evict::Ok }
}

/// THE spot for the `evicted` keyspace notification (Redis's
/// `notifyKeyspaceEvent(NOTIFY_EVICTED, "evicted", key, db)`, class `e`):
/// called once per evicted key, after its deletion, before its value is
/// freed. The running command's client, if any, is borrowed by its task:
/// a message for it is delivered after the command (`server::pubsub`).
#[inline]
fn notify_evicted(srv: &mut Server, db: usize, key: &[u8]) {
    super::replication::evicted(srv, db, key);
    super::notify::raise(srv, None, crate::config::notify::EVICTED, "evicted", key, db);
}

/// Waits up to `budget_us` (at least 1 ms) for the lazyfree thread to free
/// what it was handed; returns whether it did.
fn wait_for_lazyfree(budget_us: u64) -> bool {
    let deadline = Instant::now() + std::time::Duration::from_micros(budget_us.clamp(1000, 100_000));
    while super::lazyfree::pending_objects() > 0 {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::yield_now();
    }
    true
}

/// Starts the background eviction task unless it runs already (Redis's
/// `startEvictionTimeProc`).
pub fn start_task(srv: &mut Server) {
    if !srv.evict.task_running {
        srv.evict.task_running = true;
        srv.evict.wake.notify_one();
    }
}

/// The eviction task (Redis's `evictionTimeProc`): once woken, evicts one
/// time-bounded slice per turn of the event loop until memory is under the
/// limit or nothing is left to evict.
pub async fn eviction_task(server: Rc<std::cell::RefCell<Server>>) {
    let wake = server.borrow().evict.wake.clone();
    loop {
        wake.notified().await;
        loop {
            tokio::task::yield_now().await;
            let mut guard = server.borrow_mut();
            let srv = &mut *guard;
            srv.now_ms = crate::util::time::unix_ms();
            let result = perform_evictions(srv);
            flag_watchers(srv);
            if srv.tracking_on {
                super::tracking::drain(srv, None, false, 0);
                super::tracking::broadcast(srv, None);
            }
            if result != Evict::Running {
                srv.evict.task_running = false;
                break;
            }
        }
    }
}

/// Flags the clients whose watched keys were evicted (outside any command,
/// so no client is running).
fn flag_watchers(srv: &mut Server) {
    for db in 0..srv.keyspace.dbs.len() {
        let touched = std::mem::take(&mut srv.keyspace.dbs[db].interest.touched_clients);
        for id in touched {
            if let Some(mut c) = srv.clients.get(id).and_then(|slot| slot.state.try_borrow_mut().ok()) {
                c.dirty_cas = true;
            }
        }
    }
}

/// Bytes per key of table overhead beyond the key and value themselves:
/// the node's link, expiry and meta words and the allocator's chunk header.
const KEY_OVERHEAD: usize = 32;

/// One database's share of the overhead (MEMORY STATS `db.N`).
pub struct DbOverhead {
    pub id: usize,
    pub main: usize,
    pub expires: usize,
}

/// Redis's `redisMemOverhead`: where the used memory goes.
pub struct Overhead {
    pub total: usize,
    pub startup: usize,
    pub peak: usize,
    pub clients_normal: usize,
    pub dbs: Vec<DbOverhead>,
    pub overhead_total: usize,
    pub keys: usize,
    pub bytes_per_key: usize,
    pub dataset: usize,
    pub dataset_perc: f64,
    pub peak_perc: f64,
    pub rss: usize,
}

/// Memory held by one client: its state, query buffer and output buffers.
pub fn client_memory(c: &Client) -> usize {
    std::mem::size_of::<Client>() + c.query_buf_len + c.query_buf_free + c.out.buf.capacity() + c.obuf_pending
}

/// Computes the overhead figures; `me` is the calling client.
pub fn overhead(srv: &mut Server, me: &Client) -> Overhead {
    let total = srv.stats.update_peak_memory();
    let peak = srv.stats.peak_memory;
    let startup = srv.evict.startup.min(total);
    let mut clients_normal = 0;
    srv.clients.for_each(me, |c| clients_normal += client_memory(c));
    let mut overhead_total = startup + clients_normal;
    let mut dbs = Vec::new();
    let mut keys = 0;
    for db in &srv.keyspace.dbs {
        if db.is_empty() {
            continue;
        }
        keys += db.len();
        let main = db.len() * KEY_OVERHEAD + db.dict().bucket_bytes();
        let expires = db.volatile_index_bytes();
        overhead_total += main + expires;
        dbs.push(DbOverhead { id: db.id, main, expires });
    }
    let dataset = total.saturating_sub(overhead_total);
    let net = if total > startup { total - startup } else { 1 };
    Overhead {
        total,
        startup,
        peak,
        clients_normal,
        dbs,
        overhead_total,
        keys,
        bytes_per_key: net.checked_div(keys).unwrap_or(0),
        dataset,
        dataset_perc: dataset as f64 * 100.0 / net as f64,
        peak_perc: if peak == 0 { 0.0 } else { total as f64 * 100.0 / peak as f64 },
        rss: crate::alloc::rss(),
    }
}

/// Redis's MEMORY DOCTOR report for these figures.
pub fn doctor(o: &Overhead, clients: usize) -> String {
    if o.total < 5 << 20 {
        return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in \
                these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and \
                I will be back to our programming as soon as I finished rebooting.\n"
            .into();
    }
    let mut issues = String::new();
    if o.peak as f64 / o.total as f64 > 1.5 {
        issues.push_str(
            " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The \
             allocator is normally not able to release memory after a peak, so you can expect to see a big \
             fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the \
             Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as \
             soon as you fill the Redis instance with more data. If the memory peak was only occasional and you \
             want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is \
             to shutdown and restart the instance.\n\n",
        );
    }
    let frag = o.rss as f64 / o.total.max(1) as f64;
    if frag > 1.4 && o.rss.saturating_sub(o.total) > 10 << 20 {
        issues.push_str(
            " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this \
             means that the Resident Set Size of the Redis process is much larger than the sum of the logical \
             allocations Redis performed). This problem is usually due either to a large peak memory (check if \
             there is a peak memory entry above in the report) or may result from a workload that causes the \
             allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. \
             Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The \
             currently used allocator is \"libc\".\n\n",
        );
    }
    if clients > 0 && o.clients_normal / clients > 200 * 1024 {
        issues.push_str(
            " * Big client buffers: The clients output buffers in this instance are greater than 200K per client \
             (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot \
             not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients \
             sending commands with large replies or very large sequences of commands in the same pipeline. Please \
             use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, \
             or to understand better why certain clients are using a big amount of memory.\n\n",
        );
    }
    if issues.is_empty() {
        return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this \
                base.\n"
            .into();
    }
    format!(
        "Sam, I detected a few issues in this Redis instance memory implants:\n\n{issues}I'm here to keep you safe, \
         Sam. I want to help you.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenacity_to_time_limit() {
        assert_eq!(time_limit_us(0), 0);
        assert_eq!(time_limit_us(10), 500);
        assert_eq!(time_limit_us(11), 575);
        assert!((100_000_000..200_000_000).contains(&time_limit_us(99)), "about 2 minutes");
        assert_eq!(time_limit_us(100), u64::MAX);
    }

    #[test]
    fn policies() {
        assert!(policy(MaxmemoryPolicy::NoEviction).is_none());
        assert_eq!(policy(MaxmemoryPolicy::VolatileTtl), Some(Policy { rank: Rank::Ttl, allkeys: false }));
        assert_eq!(policy(MaxmemoryPolicy::AllkeysLfu), Some(Policy { rank: Rank::Lfu, allkeys: true }));
        assert!(is_lfu(MaxmemoryPolicy::VolatileLfu) && !is_lfu(MaxmemoryPolicy::AllkeysLru));
    }

    #[test]
    fn no_limit_is_never_over() {
        assert_eq!(over_limit(0), None);
        assert_eq!(over_limit(u64::MAX), None);
        assert!(over_limit(1).is_some());
        assert_eq!(level(0), 0.0);
    }
}
