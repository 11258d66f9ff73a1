//! Clients interested in keys of one database: those that WATCH a key and
//! those blocked on a key (BLPOP…). The database records what happens to
//! such keys; the server reads the records after each command and acts
//! (flags transactions as dirty, serves blocked clients). Client ids are
//! plain numbers here: the keyspace knows nothing of clients.
//!
//! It also records, for client-side caching (`server::tracking`), every key
//! modified while `track` is set: the server turns them into invalidation
//! messages after the command.
//!
//! Every method is a no-op costing one emptiness check (and one test of
//! `track`) when nobody watches, waits or tracks, which is the common case.

use std::collections::{HashMap, VecDeque};

use crate::types::compact::CompactBytes;

/// One client's WATCH of a key.
#[derive(Debug, Clone, Copy)]
struct Watcher {
    client: u64,
    /// The key was already logically expired when WATCH ran (Redis's
    /// `wk->expired`): its deletion is then no change.
    expired: bool,
}

#[derive(Default)]
pub struct Interest {
    /// WATCHed key → the clients watching it.
    watched: HashMap<CompactBytes, Vec<Watcher>>,
    /// Key → ids of the clients blocked on it, first come first served.
    blocked: HashMap<CompactBytes, VecDeque<u64>>,
    /// Clients whose watched keys were modified, to be flagged by the server.
    pub touched_clients: Vec<u64>,
    /// Watched keys (and, while `track` is set, any key) the running command
    /// looked up for writing: they count as
    /// modified if the command changes the dataset (Redis signals a key
    /// where it increments `server.dirty`).
    maybe_touched: Vec<CompactBytes>,
    /// Keys that got a value while clients were blocked on them.
    pub ready: Vec<CompactBytes>,
    /// Record modified keys in `tracked` (set by the server while some
    /// client may need an invalidation message).
    pub track: bool,
    /// Keys modified since the server last took them, in order, each with
    /// whether a client's command changed it (false: it expired).
    pub tracked: Vec<(CompactBytes, bool)>,
}

impl Interest {
    /// A key was modified, deleted or expired; `exists` says whether it is
    /// in the table afterwards. Redis's `touchWatchedKey`, including its
    /// rule for keys that were already expired when watched (and its early
    /// `break`, which we keep for fidelity).
    #[inline]
    pub fn modified(&mut self, key: &[u8], exists: bool) {
        if self.track {
            self.tracked.push((CompactBytes::new(key), true));
        }
        self.touch_watchers(key, exists);
    }

    /// A key was deleted because its TTL passed (lazily or by the active
    /// cycle): as `modified`, but not a client's change.
    #[inline]
    pub fn expired(&mut self, key: &[u8]) {
        if self.track {
            self.tracked.push((CompactBytes::new(key), false));
        }
        self.touch_watchers(key, false);
    }

    #[inline]
    fn touch_watchers(&mut self, key: &[u8], exists: bool) {
        if self.watched.is_empty() {
            return;
        }
        let Some(watchers) = self.watched.get_mut(key) else { return };
        for w in watchers.iter_mut() {
            if w.expired {
                if !exists {
                    w.expired = false;
                    continue;
                }
                break;
            }
            self.touched_clients.push(w.client);
        }
    }

    /// FLUSHDB/FLUSHALL/SWAPDB (Redis's `touchAllWatchedKeysInDb`): for each
    /// watched key, `in_emptied(key)` says whether it is in the table being
    /// emptied; `replacement(key)` is `None` without a replacing table, else
    /// `Some((exists, logically_expired))` in the table replacing it.
    pub fn emptied(&mut self, in_emptied: impl Fn(&[u8]) -> bool, replacement: impl Fn(&[u8]) -> Option<(bool, bool)>) {
        for (key, watchers) in self.watched.iter_mut() {
            let exists_in_emptied = in_emptied(key);
            let replaced = replacement(key);
            let exists_in_replacement = matches!(replaced, Some((true, _)));
            let expired_in_replacement = matches!(replaced, Some((true, true)));
            if !exists_in_emptied && !exists_in_replacement {
                continue;
            }
            for w in watchers.iter_mut() {
                if w.expired {
                    if !exists_in_replacement {
                        w.expired = false;
                        continue;
                    } else if expired_in_replacement {
                        continue;
                    }
                } else if !exists_in_emptied && expired_in_replacement {
                    w.expired = true;
                    continue;
                }
                self.touched_clients.push(w.client);
            }
        }
    }

    /// A key was looked up for writing by the running command.
    #[inline]
    pub fn write_lookup(&mut self, key: &[u8]) {
        if self.track || (!self.watched.is_empty() && self.watched.contains_key(key)) {
            self.maybe_touched.push(CompactBytes::new(key));
        }
    }

    /// The running command ended; `changed` says whether it changed the
    /// dataset. Promotes its write lookups to modifications if so.
    #[inline]
    pub fn end_command(&mut self, changed: bool) {
        if !self.maybe_touched.is_empty() {
            self.promote_write_lookups(changed);
        }
    }

    #[cold]
    fn promote_write_lookups(&mut self, changed: bool) {
        let keys = std::mem::take(&mut self.maybe_touched);
        if changed {
            for k in &keys {
                self.modified(k, true);
            }
        }
    }

    /// A key was created (Redis's `dbAdd`): wakes clients blocked on it.
    #[inline]
    pub fn added(&mut self, key: &[u8]) {
        if !self.blocked.is_empty() && self.blocked.contains_key(key) {
            self.ready.push(CompactBytes::new(key));
        }
    }

    /// `client` watches `key`; `expired` says the key is logically expired now.
    pub fn watch(&mut self, key: &[u8], client: u64, expired: bool) {
        let watchers = self.watched.entry(CompactBytes::new(key)).or_default();
        if !watchers.iter().any(|w| w.client == client) {
            watchers.push(Watcher { client, expired });
        }
    }

    pub fn unwatch(&mut self, key: &[u8], client: u64) {
        if let Some(watchers) = self.watched.get_mut(key) {
            watchers.retain(|w| w.client != client);
            if watchers.is_empty() {
                self.watched.remove(key);
            }
        }
    }

    /// Was `key` already expired when `client` watched it? (EXEC skips such
    /// keys when checking for keys that expired since WATCH.)
    pub fn watched_as_expired(&self, key: &[u8], client: u64) -> bool {
        self.watched.get(key).and_then(|ws| ws.iter().find(|w| w.client == client)).is_some_and(|w| w.expired)
    }

    pub fn has_watchers(&self) -> bool {
        !self.watched.is_empty()
    }

    /// Queues `client` behind the clients already blocked on `key`.
    pub fn block(&mut self, key: &[u8], client: u64) {
        self.blocked.entry(CompactBytes::new(key)).or_default().push_back(client);
    }

    pub fn unblock(&mut self, key: &[u8], client: u64) {
        if let Some(q) = self.blocked.get_mut(key) {
            q.retain(|&c| c != client);
            if q.is_empty() {
                self.blocked.remove(key);
            }
        }
    }

    /// The clients blocked on `key`, in arrival order.
    pub fn waiters(&self, key: &[u8]) -> Vec<u64> {
        self.blocked.get(key).map(|q| q.iter().copied().collect()).unwrap_or_default()
    }

    /// Keys some client is blocked on (SWAPDB re-checks them).
    pub fn blocked_keys(&self) -> Vec<CompactBytes> {
        self.blocked.keys().cloned().collect()
    }

    /// True if something happened that the server must act on.
    #[inline]
    pub fn has_events(&self) -> bool {
        !self.touched_clients.is_empty() || !self.ready.is_empty() || !self.maybe_touched.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_touch_and_promotion() {
        let mut i = Interest::default();
        i.modified(b"k", true);
        assert!(i.touched_clients.is_empty());
        i.watch(b"k", 7, false);
        i.watch(b"k", 7, false);
        i.watch(b"k", 8, false);
        i.modified(b"other", true);
        assert!(i.touched_clients.is_empty());
        i.write_lookup(b"k");
        i.end_command(false);
        assert!(i.touched_clients.is_empty(), "a write lookup that changed nothing touches nobody");
        i.write_lookup(b"k");
        i.end_command(true);
        assert_eq!(i.touched_clients, vec![7, 8]);
        i.unwatch(b"k", 7);
        i.unwatch(b"k", 8);
        assert!(!i.has_watchers());
    }

    #[test]
    fn deleting_a_key_expired_at_watch_time_is_no_change() {
        let mut i = Interest::default();
        i.watch(b"k", 1, true);
        i.modified(b"k", false);
        assert!(i.touched_clients.is_empty());
        assert!(!i.watched_as_expired(b"k", 1), "the flag is cleared once the key is gone");
        i.modified(b"k", true);
        assert_eq!(i.touched_clients, vec![1]);
    }

    #[test]
    fn blocked_fifo_and_ready() {
        let mut i = Interest::default();
        i.added(b"q");
        assert!(i.ready.is_empty());
        i.block(b"q", 1);
        i.block(b"q", 2);
        assert_eq!(i.waiters(b"q"), vec![1, 2]);
        i.added(b"q");
        assert_eq!(i.ready.len(), 1);
        i.unblock(b"q", 1);
        assert_eq!(i.waiters(b"q"), vec![2]);
        i.unblock(b"q", 2);
        assert!(i.blocked_keys().is_empty());
    }
}
