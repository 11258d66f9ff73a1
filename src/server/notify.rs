//! Keyspace notifications (Redis's `notify.c`): with `notify-keyspace-events`
//! enabling an event's class, an event on key K in database D publishes
//! `__keyspace@D__:K` → event (flag `K`) and `__keyevent@D__:event` → K
//! (flag `E`). The flags are parsed and printed by `config::special`.
//!
//! Handlers raise their events with `ctx.notify(class, "event", key)`, one
//! line where Redis calls `notifyKeyspaceEvent`. The events the key table
//! raises itself (`expired` from lazy and active expiry, `new` on creation,
//! `keymiss`) are recorded by `Db` when enabled and published here, before
//! the next handler event and after every command and expiry cycle, so
//! they keep their order relative to the command's own events.

use super::Server;
use super::client::Client;
use super::pubsub::{self, Scope};
use crate::commands::Ctx;
use crate::config::notify::{EXPIRED, KEY_MISS, KEYEVENT, KEYSPACE, NEW};
use crate::keyspace::KeyEvent;

pub use crate::config::notify as class;

impl Ctx<'_> {
    /// Raises a keyspace event on `key` of the client's database.
    #[inline]
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        if self.srv.config.notify_keyspace_events & class != 0 {
            let db = self.client.db;
            raise(self.srv, Some(self.client), class, event, key, db);
        }
    }

    /// Raises a keyspace event on `key` of database `db` (MOVE, COPY ... DB).
    #[inline]
    pub fn notify_db(&mut self, class: u32, event: &str, key: &[u8], db: usize) {
        if self.srv.config.notify_keyspace_events & class != 0 {
            raise(self.srv, Some(self.client), class, event, key, db);
        }
    }
}

/// Publishes an event if its class is enabled (Redis's `notifyKeyspaceEvent`).
/// Events the key table recorded before it go out first.
pub fn raise(srv: &mut Server, mut current: Option<&mut Client>, class: u32, event: &str, key: &[u8], db: usize) {
    let flags = srv.config.notify_keyspace_events;
    if flags & class == 0 {
        return;
    }
    flush_table_events(srv, current.as_deref_mut());
    publish_event(srv, current, flags, event, key, db);
}

fn publish_event(srv: &mut Server, mut current: Option<&mut Client>, flags: u32, event: &str, key: &[u8], db: usize) {
    let mut digits = [0u8; 20];
    let db = crate::util::number::format_u64(&mut digits, db as u64);
    let mut channel = Vec::with_capacity(16 + key.len().max(event.len()));
    if flags & KEYSPACE != 0 {
        channel.extend_from_slice(b"__keyspace@");
        channel.extend_from_slice(db);
        channel.extend_from_slice(b"__:");
        channel.extend_from_slice(key);
        pubsub::publish(srv, current.as_deref_mut(), Scope::Global, &channel, event.as_bytes());
    }
    if flags & KEYEVENT != 0 {
        channel.clear();
        channel.extend_from_slice(b"__keyevent@");
        channel.extend_from_slice(db);
        channel.extend_from_slice(b"__:");
        channel.extend_from_slice(event.as_bytes());
        pubsub::publish(srv, current, Scope::Global, &channel, key);
    }
}

/// The `KeyEvent`s the tables should record for these flags.
fn record_mask(flags: u32) -> u8 {
    if flags & (KEYSPACE | KEYEVENT) == 0 {
        return 0;
    }
    let mut m = 0;
    if flags & EXPIRED != 0 {
        m |= KeyEvent::Expired.bit();
    }
    if flags & NEW != 0 {
        m |= KeyEvent::New.bit();
    }
    if flags & KEY_MISS != 0 {
        m |= KeyEvent::KeyMiss.bit();
    }
    m
}

/// Tells the tables which events to record (after CONFIG SET, at start,
/// and for tables created since) and publishes what they recorded. Costs
/// one comparison per command while no table-raised event is enabled.
pub fn flush_table_events(srv: &mut Server, mut current: Option<&mut Client>) {
    let flags = srv.config.notify_keyspace_events;
    let mask = record_mask(flags);
    if mask == 0 && !srv.notify_recording {
        return;
    }
    srv.notify_recording = mask != 0;
    for db in 0..srv.keyspace.dbs.len() {
        let d = &mut srv.keyspace.dbs[db];
        d.record_events = mask;
        if d.events.is_empty() {
            continue;
        }
        let events = std::mem::take(&mut d.events);
        for (e, key) in &events {
            let (c, name) = match e {
                KeyEvent::Expired => (EXPIRED, "expired"),
                KeyEvent::New => (NEW, "new"),
                KeyEvent::KeyMiss => (KEY_MISS, "keymiss"),
            };
            if flags & c != 0 {
                publish_event(srv, current.as_deref_mut(), flags, name, key, db);
            }
        }
        // Keep the buffer's allocation for the next command.
        let d = &mut srv.keyspace.dbs[db];
        if d.events.is_empty() {
            let mut events = events;
            events.clear();
            d.events = events;
        }
    }
}
