//! The server cron (Redis's `serverCron`), `hz` times a second: a shutdown
//! asked for by a signal, the end of a CLIENT PAUSE, active expiry (not
//! during a pause), incremental rehashing and
//! shrinking of tables, the ops/sec sample, closing idle clients
//! (`timeout`; never blocked or subscribed ones), trimming query buffers
//! (once a second), and save points.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::Server;
use crate::util::time::unix_ms;

pub async fn run(server: Rc<RefCell<Server>>) {
    let mut last_sample = 0u64;
    let mut last_resize = 0u64;
    loop {
        let hz = server.borrow().config.hz.clamp(1, 500);
        tokio::time::sleep(Duration::from_millis(1000 / u64::from(hz))).await;
        let mut guard = server.borrow_mut();
        let srv = &mut *guard;
        super::shutdown::handle_signal(srv);
        let now = unix_ms();
        srv.now_ms = now;
        // Ends a pause whose time is up; while one is on, nothing expires.
        let paused = super::pause::check_timeout(srv);
        // A replica leaves expiry to its master (`server::replica`).
        if srv.active_expire_enabled && !paused && srv.repl.master.is_none() {
            let started = std::time::Instant::now();
            let Server { keyspace, expire_cycle, rng, .. } = srv;
            expire_cycle.run(keyspace, hz, now, || rng.next_u64());
            // LATENCY's `expire-cycle` event, as Redis samples it.
            let ms = started.elapsed().as_millis() as u64;
            let threshold = srv.config.latency_monitor_threshold;
            if threshold > 0 && ms as i64 >= threshold {
                srv.latency_monitor.add("expire-cycle", ms, (now / 1000) as i64);
            }
        }
        super::notify::flush_table_events(srv, None);
        super::replication::after_cron(srv);
        if srv.tracking_on {
            super::tracking::cron(srv);
        }
        for db in &mut srv.keyspace.dbs {
            db.cron(Duration::from_millis(1));
        }
        if now >= last_sample + 100 {
            srv.stats.sample_ops(now);
            last_sample = now;
        }
        close_idle_clients(srv);
        if now >= last_resize + 1000 {
            resize_query_buffers(srv);
            last_resize = now;
        }
        super::save::cron(srv);
        super::aof::cron(srv);
        super::replication::cron(srv);
        if !srv.migrate_targets.is_empty() {
            srv.migrate_targets.cron(now / 1000);
        }
    }
}

/// Every client's query buffer resize check (a client busy running is
/// skipped until the next round).
fn resize_query_buffers(srv: &mut Server) {
    let now = srv.now_ms;
    for slot in srv.clients.iter() {
        if let Ok(mut c) = slot.state.try_borrow_mut() {
            super::connection::resize_query_buffer(&mut c, now);
        }
    }
}

fn close_idle_clients(srv: &mut Server) {
    let timeout = srv.config.timeout;
    if timeout == 0 {
        return;
    }
    let now = srv.now_ms;
    for slot in srv.clients.iter() {
        let Ok(mut c) = slot.state.try_borrow_mut() else {
            continue;
        };
        let exempt = c.blocked.is_some()
            || c.postponed.is_some()
            || matches!(
                c.client_type(),
                super::client::ClientType::PubSub
                    | super::client::ClientType::Master
                    | super::client::ClientType::Replica
            )
            || c.close_asap;
        if !exempt && now.saturating_sub(c.last_interaction_ms) / 1000 > timeout {
            crate::log::verbose("Closing idle client");
            c.close_asap = true;
            slot.wake.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::server::client::{BlockState, Client, TimeoutReply};

    #[test]
    fn timeout_spares_blocked_clients() {
        let mut srv = Server::new(Config { timeout: 1, ..Config::default() });
        let long_ago = unix_ms() - 5000;
        let mut idle = Client::new(1, "127.0.0.1:1".into(), "127.0.0.1:2".into(), 5, true);
        idle.last_interaction_ms = long_ago;
        let mut blocked = Client::new(2, "127.0.0.1:3".into(), "127.0.0.1:2".into(), 6, true);
        blocked.last_interaction_ms = long_ago;
        blocked.blocked = Some(BlockState {
            db: 0,
            keys: Vec::new(),
            cmd: 0,
            args: Vec::new(),
            deadline: None,
            wants: "list",
            on_timeout: TimeoutReply::NullArray,
        });
        let fresh = Client::new(3, "127.0.0.1:4".into(), "127.0.0.1:2".into(), 7, true);
        // A slot holds its connection's socket: three real ones.
        let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().expect("runtime");
        let _guard = rt.enter();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let stream = || {
            let s = std::net::TcpStream::connect(addr).expect("connect");
            s.set_nonblocking(true).expect("nonblocking");
            tokio::net::TcpStream::from_std(s).expect("register")
        };
        let slots =
            [srv.clients.add(idle, stream()), srv.clients.add(blocked, stream()), srv.clients.add(fresh, stream())];
        close_idle_clients(&mut srv);
        let closed: Vec<bool> = slots.iter().map(|s| s.state.borrow().close_asap).collect();
        assert_eq!(closed, [true, false, false]);
    }
}
