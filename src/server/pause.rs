//! CLIENT PAUSE / CLIENT UNPAUSE (Redis's `pauseClients`,
//! `unpauseClients`, `checkClientPauseTimeoutAndReturnIfPaused` and the
//! `BLOCKED_POSTPONE` clients of `processCommand`).
//!
//! While a pause is on, the dispatcher postpones a normal client's command
//! (after every check that could refuse it) when the pause is ALL, or when
//! it is WRITE and the command may write or replicate (`may_replicate`).
//! A postponed client keeps the command's arguments (`Client::postponed`),
//! counts in INFO `blocked_clients`, shows `b` in CLIENT LIST and reads
//! nothing more; the ids of postponed clients wait here in arrival order.
//! When the pause ends (CLIENT UNPAUSE, or its end time passing, noticed by
//! the cron, by lazy expiry and by eviction as in Redis) every postponed
//! client is released in that order and its task woken: it runs the command
//! through `dispatch::execute` again, from the start, as Redis reprocesses
//! it. During a pause the data set stands still: no lazy or active expiry
//! (reads see expired keys as missing; `Db::keep_expired`), no eviction.
//!
//! Imports server state, the client and the command table only.

use std::collections::VecDeque;

use bytes::Bytes;

use super::Server;
use super::client::{Client, ClientType, Postponed};
use crate::commands::{self, CommandSpec, flags};

/// What a pause holds back; ordered from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum PauseKind {
    #[default]
    Off,
    /// Commands that may write or replicate.
    Write,
    /// Every command.
    All,
}

#[derive(Debug, Default)]
pub struct PauseState {
    kind: PauseKind,
    /// Unix ms after which the pause is over.
    end_ms: u64,
    /// Ids of postponed clients, first postponed first.
    postponed: VecDeque<u64>,
}

impl PauseState {
    /// True while a pause is on (one compare: the dispatcher's hot path).
    #[inline]
    pub fn active(&self) -> bool {
        self.kind != PauseKind::Off
    }
}

/// CLIENT PAUSE: pauses until `end_ms`; a pause already on keeps the later
/// end time and the stronger kind.
pub fn pause(srv: &mut Server, end_ms: u64, kind: PauseKind) {
    let p = &mut srv.pause;
    if p.kind == PauseKind::Off {
        p.end_ms = end_ms;
        p.kind = kind;
    } else {
        p.end_ms = p.end_ms.max(end_ms);
        p.kind = p.kind.max(kind);
    }
    set_keep_expired(srv, true);
    check_timeout(srv);
}

/// CLIENT UNPAUSE: ends the pause at once and releases postponed clients.
pub fn unpause(srv: &mut Server) {
    if srv.pause.active() {
        end(srv);
    }
}

/// Ends the pause if its end time has passed. True if clients are still
/// paused (Redis's `checkClientPauseTimeoutAndReturnIfPaused`).
pub fn check_timeout(srv: &mut Server) -> bool {
    if !srv.pause.active() {
        return false;
    }
    if srv.pause.end_ms < srv.now_ms {
        end(srv);
    }
    srv.pause.active()
}

fn end(srv: &mut Server) {
    srv.pause.kind = PauseKind::Off;
    srv.pause.end_ms = 0;
    set_keep_expired(srv, false);
    release_all(srv);
}

fn set_keep_expired(srv: &mut Server, keep: bool) {
    for db in &mut srv.keyspace.dbs {
        db.keep_expired = keep;
    }
}

/// Wakes every postponed client, in the order they were postponed; each
/// runs its command again when its task gets its turn.
fn release_all(srv: &mut Server) {
    let ids = std::mem::take(&mut srv.pause.postponed);
    for id in ids {
        let Some(slot) = srv.clients.get(id).cloned() else { continue };
        let Ok(mut client) = slot.state.try_borrow_mut() else { continue };
        if let Some(Postponed::Waiting(args)) = client.postponed.take() {
            client.postponed = Some(Postponed::Released(args));
            srv.blocked_clients -= 1;
            slot.wake.notify_one();
        }
    }
}

/// Does the pause hold back this command of `client`? Only called while a
/// pause is on. Replicas are never paused.
pub fn holds_back(srv: &Server, client: &Client, id: usize, args: &[Bytes]) -> bool {
    match srv.pause.kind {
        PauseKind::Off => false,
        _ if client.client_type() == ClientType::Replica => false,
        PauseKind::All => true,
        PauseKind::Write => {
            let entry = &commands::table().entries[id];
            may_replicate(srv, entry.spec, args)
                || (entry.fullname == "exec"
                    && client.multi.as_ref().is_some_and(|m| {
                        m.queue.iter().any(|(q, a)| may_replicate(srv, commands::table().entries[*q].spec, a))
                    }))
        }
    }
}

/// Redis's WRITE or MAY_REPLICATE test on `getCommandFlags`: a script with
/// a shebang replaces both with "writes unless `no-writes`".
fn may_replicate(srv: &Server, spec: &CommandSpec, args: &[Bytes]) -> bool {
    match crate::scripting::declared_flags(srv, spec, args) {
        Some(f) if !f.compat => !f.no_writes,
        _ => spec.has(flags::WRITE | flags::MAY_REPLICATE),
    }
}

/// Postpones the client's command: it keeps the arguments and waits for
/// the pause to end.
pub fn postpone(srv: &mut Server, client: &mut Client, id: usize, args: &[Bytes]) {
    client.last_cmd = Some(id);
    client.postponed = Some(Postponed::Waiting(args.to_vec()));
    srv.pause.postponed.push_back(client.id);
    srv.blocked_clients += 1;
}

/// Forgets a client that goes away while postponed: its command never runs.
pub fn forget(srv: &mut Server, client: &mut Client) {
    if let Some(Postponed::Waiting(_)) = client.postponed.take() {
        srv.pause.postponed.retain(|&id| id != client.id);
        srv.blocked_clients -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_order_from_weakest() {
        assert!(PauseKind::Off < PauseKind::Write);
        assert!(PauseKind::Write < PauseKind::All);
    }

    #[test]
    fn second_pause_keeps_later_end_and_stronger_kind() {
        let mut srv = Server::new(crate::config::Config::default());
        srv.now_ms = 1000;
        pause(&mut srv, 5000, PauseKind::All);
        pause(&mut srv, 3000, PauseKind::Write);
        assert_eq!((srv.pause.kind, srv.pause.end_ms), (PauseKind::All, 5000));
        pause(&mut srv, 9000, PauseKind::Write);
        assert_eq!((srv.pause.kind, srv.pause.end_ms), (PauseKind::All, 9000));
        assert!(srv.keyspace.dbs.iter().all(|d| d.keep_expired));
        srv.now_ms = 9000;
        assert!(check_timeout(&mut srv));
        srv.now_ms = 9001;
        assert!(!check_timeout(&mut srv));
        assert!(srv.keyspace.dbs.iter().all(|d| !d.keep_expired));
    }

    #[test]
    fn unpause_ends_at_once() {
        let mut srv = Server::new(crate::config::Config::default());
        srv.now_ms = 1000;
        pause(&mut srv, 50_000, PauseKind::Write);
        assert!(srv.pause.active());
        unpause(&mut srv);
        assert!(!srv.pause.active());
    }
}
