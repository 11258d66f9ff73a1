//! MULTI EXEC DISCARD WATCH UNWATCH. Queueing itself happens in the
//! dispatcher (commands not flagged `TX_CONTROL` are queued after MULTI);
//! EXEC runs the queue through `dispatch::call`, with blocking denied, so no
//! other client's command runs in between. WATCH registers the client with
//! the database's `Interest`, which flags it when a watched key changes.

use bytes::Bytes;

use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::server::client::{Client, MultiState};
use crate::server::{Server, dispatch};
use crate::types::compact::CompactBytes;

const G: Group = Group::Transactions;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("multi", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TX_CONTROL, G, multi).doc(
        "1.2.0",
        "Mark the start of a transaction block",
        "O(1)",
        "",
    ),
    CommandSpec::new("exec", 1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG | TX_CONTROL, G, exec).doc(
        "1.2.0",
        "Execute all commands issued after MULTI",
        "Depends on commands in the transaction",
        "",
    ),
    CommandSpec::new("discard", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TX_CONTROL, G, discard).doc(
        "2.0.0",
        "Discard all commands issued after MULTI",
        "O(N), when N is the number of queued commands",
        "",
    ),
    CommandSpec::new("watch", -2, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TX_CONTROL, G, watch)
        .keys(1, -1, 1)
        .doc(
            "2.2.0",
            "Watch the given keys to determine execution of the MULTI/EXEC block",
            "O(1) for every key.",
            "key [key ...]",
        ),
    CommandSpec::new("unwatch", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, G, unwatch).doc(
        "2.2.0",
        "Forget about all watched keys",
        "O(1)",
        "",
    ),
];

fn multi(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(CmdError::err("MULTI calls can not be nested"));
    }
    ctx.client.multi = Some(MultiState::default());
    ctx.out().ok();
    Ok(())
}

fn discard(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    if ctx.client.multi.is_none() {
        return Err(CmdError::err("DISCARD without MULTI"));
    }
    discard_transaction(ctx.srv, ctx.client);
    ctx.out().ok();
    Ok(())
}

/// Ends a transaction: drops the queue and all watches (Redis's
/// `discardTransaction`).
pub fn discard_transaction(srv: &mut Server, client: &mut Client) {
    client.multi = None;
    unwatch_all(srv, client);
}

/// Forgets every key the client watches and clears its dirty flag.
pub fn unwatch_all(srv: &mut Server, client: &mut Client) {
    for (db, key) in client.watched.drain(..) {
        srv.keyspace.dbs[db].interest.unwatch(&key, client.id);
    }
    client.dirty_cas = false;
}

fn watch(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(CmdError::err("WATCH inside MULTI is not allowed"));
    }
    if !ctx.client.dirty_cas {
        let (db, now, id) = (ctx.client.db, ctx.now(), ctx.client.id);
        for key in &args[1..] {
            if ctx.client.watched.iter().any(|(d, k)| *d == db && k.as_bytes() == &key[..]) {
                continue;
            }
            let d = &mut ctx.srv.keyspace.dbs[db];
            let expired = d.is_logically_expired(key, now);
            d.interest.watch(key, id, expired);
            ctx.client.watched.push((db, CompactBytes::new(key)));
        }
    }
    ctx.out().ok();
    Ok(())
}

fn unwatch(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    unwatch_all(ctx.srv, ctx.client);
    ctx.out().ok();
    Ok(())
}

/// Did a watched key expire since WATCH (Redis's `isWatchedKeyExpired`)?
fn watched_key_expired(srv: &Server, client: &Client) -> bool {
    client.watched.iter().any(|(db, key)| {
        let d = &srv.keyspace.dbs[*db];
        !d.interest.watched_as_expired(key, client.id) && d.is_logically_expired(key, srv.now_ms)
    })
}

fn exec(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let Some(state) = ctx.client.multi.take() else {
        return Err(CmdError::err("EXEC without MULTI"));
    };
    // Its commands are replicated (wrapped in MULTI/EXEC), never EXEC.
    ctx.prevent_propagation();
    if watched_key_expired(ctx.srv, ctx.client) {
        ctx.client.dirty_cas = true;
    }
    if state.failed || ctx.client.dirty_cas {
        discard_transaction(ctx.srv, ctx.client);
        if state.failed {
            return Err(CmdError::text("EXECABORT Transaction discarded because of previous errors."));
        }
        ctx.out().null_array();
        return Ok(());
    }
    unwatch_all(ctx.srv, ctx.client);
    let deny_before = ctx.client.deny_blocking;
    ctx.client.deny_blocking = true;
    ctx.out().array(state.queue.len());
    for (id, args) in &state.queue {
        dispatch::call(ctx.srv, ctx.client, *id, args);
    }
    ctx.client.deny_blocking = deny_before;
    Ok(())
}
