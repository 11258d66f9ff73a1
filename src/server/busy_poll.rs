//! Busy polling: after commands ran, the command thread keeps polling the
//! sockets for up to `WINDOW` instead of going to sleep in `epoll_wait`.
//!
//! Why: a request that finds the thread asleep costs its sender a wakeup
//! (the kernel wakes the thread, often with an interrupt to its CPU) and the
//! request waits for the thread to be scheduled. Under request/response
//! traffic our thread is fast enough to run dry between requests, so it
//! slept ~51,000 times per 200,000 LRANGE_100 requests at `-P 1`, against
//! ~31,000 for redis-server, which spends longer per request;
//! `redis-benchmark`, bound by its own CPU, then ran ~5-8% slower against us. Polling after the last
//! command cut the sleeps to a few thousand and raised SET and GET at `-P 1
//! -c 50` from ~89k to ~99k requests/s (LRANGE_100: 69k → 76k) with the
//! same p99, our two builds side by side on pinned cores.
//!
//! Cost: CPU while traffic flows (at most `WINDOW` after each command, so
//! none on an idle server, ~100% of one core under a steady request
//! stream with gaps shorter than the window). It stands down while a
//! BGSAVE runs: its idle-priority writer lives on the CPU time the command
//! thread leaves.
//!
//! The task is woken by `Poller::activity` (each read from a client) and
//! polls by yielding: a yielding task makes the runtime poll the reactor
//! without blocking before it runs again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::Server;

/// How long the thread polls after the last command before it sleeps.
/// 5 µs kept about half of the throughput gain, 10 µs all of it; 30 µs
/// added nothing but raised SET/GET p99 at `-P 1` by ~0.03 ms.
const WINDOW: Duration = Duration::from_micros(10);

/// The wake-up side, on the server.
#[derive(Default)]
pub struct Poller {
    wake: Rc<Notify>,
    /// The task is polling (a read then needs no wake-up).
    polling: Cell<bool>,
}

impl Poller {
    /// A client sent something: poll after it.
    #[inline]
    pub fn activity(&self) {
        if !self.polling.get() {
            self.wake.notify_one();
        }
    }
}

/// The polling task. Spawned once, beside the cron.
pub async fn run(server: Rc<RefCell<Server>>) {
    let wake = server.borrow().busy_poll.wake.clone();
    loop {
        wake.notified().await;
        server.borrow().busy_poll.polling.set(true);
        // The command count last seen, and since when it has not moved
        // (read only once it stops moving: no clock read per iteration
        // while commands flow).
        let mut seen = u64::MAX;
        let mut still_since: Option<Instant> = None;
        loop {
            let commands = {
                let srv = server.borrow();
                if srv.persist.bgsave.is_some() {
                    break;
                }
                srv.stats.total_commands
            };
            if commands != seen {
                seen = commands;
                still_since = None;
            } else {
                let now = Instant::now();
                if now - *still_since.get_or_insert(now) >= WINDOW {
                    break;
                }
            }
            tokio::task::yield_now().await;
        }
        server.borrow().busy_poll.polling.set(false);
    }
}
