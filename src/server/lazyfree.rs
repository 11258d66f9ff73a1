//! Freeing off the command thread (Redis's lazyfree): FLUSHALL/FLUSHDB ASYNC
//! hand the old tables, UNLINK the values costly to free, to one background
//! thread that drops them, so the command answers at once however large
//! the dataset or value was. Counts what is
//! pending and what was freed for INFO (`lazyfree_pending_objects`,
//! `lazyfreed_objects`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, OnceLock};

type Job = (Box<dyn Send>, u64);

static QUEUE: OnceLock<Option<Mutex<Sender<Job>>>> = OnceLock::new();
static PENDING: AtomicU64 = AtomicU64::new(0);
static FREED: AtomicU64 = AtomicU64::new(0);

fn queue() -> Option<&'static Mutex<Sender<Job>>> {
    QUEUE
        .get_or_init(|| {
            let (tx, rx) = channel::<Job>();
            let spawned = std::thread::Builder::new().name("lazyfree".into()).spawn(move || {
                for (value, objects) in rx {
                    drop(value);
                    PENDING.fetch_sub(objects, Ordering::Relaxed);
                    FREED.fetch_add(objects, Ordering::Relaxed);
                }
            });
            spawned.ok().map(|_| Mutex::new(tx))
        })
        .as_ref()
}

/// Drops `value` (holding `objects` keys or elements) on the background
/// thread; drops it here if that thread is unavailable.
pub fn free_later<T: Send + 'static>(value: T, objects: u64) {
    if objects == 0 {
        return;
    }
    let Some(q) = queue() else {
        drop(value);
        return;
    };
    PENDING.fetch_add(objects, Ordering::Relaxed);
    let sent = q.lock().unwrap_or_else(|e| e.into_inner()).send((Box::new(value), objects));
    if let Err(e) = sent {
        PENDING.fetch_sub(objects, Ordering::Relaxed);
        drop(e.0);
    }
}

/// Objects handed over but not yet freed.
pub fn pending_objects() -> u64 {
    PENDING.load(Ordering::Relaxed)
}

/// Objects freed in the background since start (or CONFIG RESETSTAT).
pub fn freed_objects() -> u64 {
    FREED.load(Ordering::Relaxed)
}

/// CONFIG RESETSTAT (Redis's `lazyfreeResetStats`).
pub fn reset_stats() {
    FREED.store(0, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frees_in_the_background() {
        let before = freed_objects();
        free_later(vec![1u8; 1000], 3);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while freed_objects() < before + 3 {
            assert!(std::time::Instant::now() < deadline, "the value was never freed");
            std::thread::yield_now();
        }
    }
}
