//! Blocked clients (BLPOP, BLMOVE, BZPOPMIN …). A blocking command whose keys
//! are empty calls `Ctx::block`; the dispatcher then queues the client on
//! each key, first come first served. When a key gets a value (the keyspace
//! records it as ready), the clients queued on it are served in order by
//! running their command again (Redis 7.2's model, which serves from the
//! first key the client named that has data). A client that still finds
//! nothing stays queued in its place. Served clients have their reply in
//! their output buffer and their task is woken to write it.
//!
//! Timeouts, CLIENT UNBLOCK and disconnects remove the client from its
//! queues; nothing is popped for a client that is not served.

use super::Server;
use super::client::{BlockState, Client};
use super::dispatch;
use crate::keyspace::Access;

/// Queues a client that just blocked on each of its keys.
pub fn register(srv: &mut Server, client: &mut Client) {
    let Some(b) = client.blocked.as_ref() else { return };
    let db = &mut srv.keyspace.dbs[b.db];
    for key in &b.keys {
        db.interest.block(key, client.id);
    }
    srv.blocked_clients += 1;
}

/// Removes a blocked client from its queues and returns its state.
pub fn unregister(srv: &mut Server, client: &mut Client) -> Option<BlockState> {
    let b = client.blocked.take()?;
    let db = &mut srv.keyspace.dbs[b.db];
    for key in &b.keys {
        db.interest.unblock(key, client.id);
    }
    srv.blocked_clients -= 1;
    Some(b)
}

/// The client's wait ended without data: answer as Redis does on timeout.
pub fn time_out(srv: &mut Server, client: &mut Client) {
    if unregister(srv, client).is_some() {
        client.out.null_array();
    }
}

/// Serves the clients blocked on keys that got values, until no ready keys
/// remain (serving may make more keys ready, e.g. BLMOVE's destination).
pub fn serve_ready(srv: &mut Server, current: &mut Client) {
    loop {
        let mut found = false;
        for db in 0..srv.keyspace.dbs.len() {
            let mut ready = std::mem::take(&mut srv.keyspace.dbs[db].interest.ready);
            if ready.is_empty() {
                continue;
            }
            found = true;
            let mut seen = std::collections::HashSet::new();
            ready.retain(|k| seen.insert(k.clone()));
            for key in ready {
                serve_key(srv, current, db, &key);
            }
        }
        dispatch::flag_touched_watchers(srv, current);
        if !found {
            return;
        }
    }
}

fn serve_key(srv: &mut Server, current: &mut Client, db: usize, key: &[u8]) {
    for id in srv.keyspace.dbs[db].interest.waiters(key) {
        let now = srv.now_ms;
        let kind = match srv.keyspace.dbs[db].lookup(key, now, Access::Peek) {
            Some(e) => e.value.type_name(),
            None => return,
        };
        if id == current.id {
            continue;
        }
        let Some(slot) = srv.clients.get(id).cloned() else { continue };
        let Ok(mut waiter) = slot.state.try_borrow_mut() else { continue };
        if waiter.blocked.as_ref().is_none_or(|b| b.wants != kind) {
            continue;
        }
        if serve(srv, &mut waiter) {
            slot.wake.notify_one();
        }
    }
}

/// Runs a blocked client's command again. True if it was served (it no
/// longer blocks); otherwise it stays queued where it was.
fn serve(srv: &mut Server, client: &mut Client) -> bool {
    let Some(state) = client.blocked.take() else { return false };
    let (cmd, args) = (state.cmd, state.args.clone());
    client.blocked = None;
    dispatch::call(srv, client, cmd, &args);
    if client.blocked.is_some() {
        client.blocked = Some(state);
        return false;
    }
    client.blocked = Some(state);
    unregister(srv, client);
    true
}
