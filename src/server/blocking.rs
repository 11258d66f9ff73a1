//! Blocked clients (BLPOP, BLMOVE, BZPOPMIN …). A blocking command whose keys
//! are empty calls `Ctx::block`; the dispatcher then queues the client on
//! each key, first come first served. When a key gets a value (the keyspace
//! records it as ready), the clients queued on it are served in order, as
//! Redis 7.0 does: keys in the order they became ready, and each client
//! from the ready key being handled (not from an earlier key it named that
//! also got data in the same command). Serving runs the client's command
//! again with its keys narrowed to that ready key, so the reply and the
//! bookkeeping are the immediate case's. A client that still finds nothing
//! stays queued in its place. Served clients have their reply in their
//! output buffer and their task is woken to write it.
//!
//! Timeouts, CLIENT UNBLOCK and disconnects remove the client from its
//! queues; nothing is popped for a client that is not served.

use bytes::Bytes;

use super::Server;
use super::client::{BlockState, Client, TimeoutReply};
use super::dispatch;
use crate::commands;
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
    if let Some(b) = unregister(srv, client) {
        match b.on_timeout {
            TimeoutReply::NullArray => client.out.null_array(),
            TimeoutReply::Int(n) => client.out.int(n),
        }
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
    // As Redis (`updateCachedTime` per ready key): the time is read again,
    // so a key that expired while the command ran (EXEC with DEBUG SLEEP)
    // is found expired, deleted, and serves nobody.
    srv.now_ms = crate::util::time::unix_ms();
    for id in srv.keyspace.dbs[db].interest.waiters(key) {
        let now = srv.now_ms;
        let kind = srv.keyspace.dbs[db].lookup(key, now, Access::Peek).map(|e| e.value.type_name());
        if id == current.id {
            continue;
        }
        let Some(slot) = srv.clients.get(id).cloned() else { continue };
        let Ok(mut waiter) = slot.state.try_borrow_mut() else { continue };
        // XREADGROUP clients are unblocked with an error when the key stops
        // being a stream or their group is gone (Redis 7.0's
        // `unblockDeletedStreamReadgroupClients` and the NOGROUP check of
        // `serveClientsBlockedOnStreamKey`).
        let gone = waiter.blocked.as_ref().and_then(|b| commands::stream::blocked_group(&b.args)).and_then(|g| {
            let value = srv.keyspace.dbs[db].lookup(key, now, Access::Peek).map(|e| &e.value);
            commands::stream::blocked_group_error(value, g)
        });
        if let Some(msg) = gone {
            if let Some(b) = unregister(srv, &mut waiter) {
                srv.stats.command(b.cmd).failed_calls += 1;
            }
            srv.stats.error(msg);
            waiter.out.error(msg);
            slot.wake.notify_one();
            continue;
        }
        let Some(kind) = kind else { continue };
        if waiter.blocked.as_ref().is_none_or(|b| b.wants != kind) {
            continue;
        }
        if serve(srv, &mut waiter, key) {
            slot.wake.notify_one();
        }
    }
}

/// Runs a blocked client's command again on `key`. True if it was served
/// (it no longer blocks); otherwise it stays queued where it was.
fn serve(srv: &mut Server, client: &mut Client, key: &[u8]) -> bool {
    let Some(state) = client.blocked.take() else { return false };
    let cmd = state.cmd;
    let args = if state.keys.len() <= 1 {
        state.args.clone()
    } else if state.wants == "stream" {
        narrow_streams(&state.args, key)
    } else {
        narrow_to_key(cmd, &state.args, key)
    };
    dispatch::call_again(srv, client, cmd, &args);
    let served = client.blocked.is_none();
    client.blocked = Some(state);
    if served {
        unregister(srv, client);
    }
    served
}

/// XREAD/XREADGROUP arguments (`... STREAMS k1 k2 id1 id2`) narrowed to
/// `key` and its id, as Redis serves one ready key at a time.
fn narrow_streams(args: &[Bytes], key: &[u8]) -> Vec<Bytes> {
    let Some(pos) = args.iter().position(|a| a.eq_ignore_ascii_case(b"streams")) else {
        return args.to_vec();
    };
    let n = (args.len() - pos - 1) / 2;
    let keys = &args[pos + 1..pos + 1 + n];
    let Some(i) = keys.iter().position(|k| &k[..] == key) else {
        return args.to_vec();
    };
    let mut out = args[..=pos].to_vec();
    out.push(args[pos + 1 + i].clone());
    out.push(args[pos + 1 + n + i].clone());
    out
}

/// The arguments of a multi-key blocking command (BLPOP k1 k2 … timeout,
/// BLMPOP timeout numkeys k1 k2 … LEFT) with its keys replaced by `key`
/// alone, and `numkeys` set to 1 for commands that take one.
fn narrow_to_key(cmd: usize, args: &[Bytes], key: &[u8]) -> Vec<Bytes> {
    let spec = commands::table().entries[cmd].spec;
    let positions = spec.key_positions(args);
    let (Some(&first), Some(&last)) = (positions.first(), positions.last()) else {
        return args.to_vec();
    };
    if last - first + 1 != positions.len() {
        return args.to_vec();
    }
    let mut out = Vec::with_capacity(args.len() - positions.len() + 1);
    out.extend_from_slice(&args[..first]);
    out.push(Bytes::copy_from_slice(key));
    out.extend_from_slice(&args[last + 1..]);
    if spec.getkeys.is_some() {
        out[first - 1] = Bytes::from_static(b"1");
    }
    out
}
