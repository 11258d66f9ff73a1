//! The server cron (Redis's `serverCron`), `hz` times a second: active
//! expiry, incremental rehashing and shrinking of tables, the ops/sec
//! sample, closing idle clients (`timeout`), and save points.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::Server;
use crate::util::time::unix_ms;

pub async fn run(server: Rc<RefCell<Server>>) {
    let mut last_sample = 0u64;
    loop {
        let hz = server.borrow().config.hz.clamp(1, 500);
        tokio::time::sleep(Duration::from_millis(1000 / u64::from(hz))).await;
        let mut guard = server.borrow_mut();
        let srv = &mut *guard;
        if srv.shutdown_requested {
            return;
        }
        let now = unix_ms();
        srv.now_ms = now;
        if srv.active_expire_enabled {
            let Server { keyspace, expire_cycle, rng, .. } = srv;
            expire_cycle.run(keyspace, hz, now, || rng.next_u64());
        }
        for db in &mut srv.keyspace.dbs {
            db.cron(Duration::from_millis(1));
        }
        if now >= last_sample + 100 {
            srv.stats.sample_ops(now);
            last_sample = now;
        }
        close_idle_clients(srv);
        super::save::cron(srv);
    }
}

fn close_idle_clients(srv: &mut Server) {
    let timeout = srv.config.timeout;
    if timeout == 0 {
        return;
    }
    let now = Instant::now();
    for slot in srv.clients.iter() {
        let Ok(mut c) = slot.state.try_borrow_mut() else {
            continue;
        };
        if now.duration_since(c.last_interaction).as_secs() > timeout {
            c.close_asap = true;
            slot.wake.notify_one();
        }
    }
}
