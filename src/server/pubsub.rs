//! The Pub/Sub registry: channel → subscribers, pattern → subscribers,
//! shard channel → subscribers (server side), and each client's own
//! subscriptions (`ClientSubs`, in `Client::subs`). Both sides always agree:
//! every change goes through this file.
//!
//! Delivery appends the message to the subscriber's output buffer (a push
//! frame in RESP3, an array in RESP2) and wakes its connection task, which
//! writes it; so each subscriber sees one publisher's messages in publish
//! order, and a message published inside MULTI goes out when EXEC runs it.
//! After each append the subscriber's output limits are checked (class
//! `pubsub`): a subscriber that does not read is closed at its limit.
//!
//! The running command's own client is borrowed by its task: it is reached
//! through `current`. Another client borrowed elsewhere (a blocked client
//! being served while the command's client is borrowed) gets its message
//! through `deferred`, delivered after the command.
//!
//! Pushes to the running client's own output are recorded
//! (`Client::push_ranges`) so that CLIENT REPLY OFF/SKIP, which drops the
//! command's reply, keeps them, as Redis's `CLIENT_PUSHING` does.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use bytes::Bytes;

use super::Server;
use super::client::{Client, ReplyMode};
use super::clients::ClientSlot;
use crate::config::Config;
use crate::util::glob::glob_match;

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type Set<K> = HashSet<K, foldhash::fast::RandomState>;

/// What one client is subscribed to.
#[derive(Default)]
pub struct ClientSubs {
    pub channels: Set<Bytes>,
    /// In subscription order (Redis keeps a list).
    pub patterns: Vec<Bytes>,
    pub shard: Set<Bytes>,
}

/// The server side of the subscriptions.
#[derive(Default)]
pub struct PubSub {
    channels: Map<Bytes, Vec<Rc<ClientSlot>>>,
    patterns: Map<Bytes, Vec<Rc<ClientSlot>>>,
    shard: Map<Bytes, Vec<Rc<ClientSlot>>>,
    /// Messages for clients that were borrowed when they were published.
    deferred: Vec<Deferred>,
}

struct Deferred {
    target: u64,
    kind: Kind,
    pattern: Option<Bytes>,
    channel: Bytes,
    message: Bytes,
}

/// Global channels or shard channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Shard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Message,
    PMessage,
    SMessage,
}

impl PubSub {
    /// Channels with at least one subscriber (INFO `pubsub_channels`).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Distinct patterns subscribed (INFO `pubsub_patterns`, PUBSUB NUMPAT).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Shard channels with at least one subscriber.
    pub fn shard_channel_count(&self) -> usize {
        self.shard.len()
    }

    /// Subscribers of a channel (PUBSUB NUMSUB / SHARDNUMSUB).
    pub fn subscribers(&self, scope: Scope, channel: &[u8]) -> usize {
        self.map(scope).get(channel).map_or(0, Vec::len)
    }

    /// Active channels matching `pattern` (all without one).
    pub fn channels_matching(&self, scope: Scope, pattern: Option<&[u8]>) -> Vec<Bytes> {
        self.map(scope).keys().filter(|c| pattern.is_none_or(|p| glob_match(p, c, false))).cloned().collect()
    }

    fn map(&self, scope: Scope) -> &Map<Bytes, Vec<Rc<ClientSlot>>> {
        match scope {
            Scope::Global => &self.channels,
            Scope::Shard => &self.shard,
        }
    }

    fn map_mut(&mut self, scope: Scope) -> &mut Map<Bytes, Vec<Rc<ClientSlot>>> {
        match scope {
            Scope::Global => &mut self.channels,
            Scope::Shard => &mut self.shard,
        }
    }
}

impl ClientSubs {
    /// Channels plus patterns (the count subscribe replies carry).
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    fn is_empty(&self) -> bool {
        self.count() == 0 && self.shard.is_empty()
    }
}

/// Channels + patterns of a client (SUBSCRIBE/PSUBSCRIBE counts).
fn count(client: &Client, scope: Scope) -> i64 {
    client.subs.as_ref().map_or(0, |s| match scope {
        Scope::Global => s.count(),
        Scope::Shard => s.shard.len(),
    }) as i64
}

/// Runs `f` writing a push to the running client's own output, recording the
/// bytes so CLIENT REPLY OFF/SKIP keeps them.
fn push_to_self(client: &mut Client, f: impl FnOnce(&mut Client)) {
    let start = client.out.len();
    f(client);
    if matches!(client.reply_mode, ReplyMode::Off | ReplyMode::SkipThis) {
        let end = client.out.len();
        client.push_ranges.push((start, end));
    }
}

/// `[kind, name, count]`, name null when absent (mass unsubscribe of nothing).
fn confirm(client: &mut Client, kind: &str, name: Option<&[u8]>, count: i64) {
    push_to_self(client, |c| {
        c.out.push(3);
        c.out.bulk(kind.as_bytes());
        match name {
            Some(n) => c.out.bulk(n),
            None => c.out.null(),
        }
        c.out.int(count);
    });
}

/// The running client's slot (its registry entry).
fn slot_of(srv: &Server, client: &Client) -> Option<Rc<ClientSlot>> {
    srv.clients.get(client.id).cloned()
}

/// SUBSCRIBE / SSUBSCRIBE one channel, with its confirmation.
pub fn subscribe(srv: &mut Server, client: &mut Client, scope: Scope, channel: &[u8]) {
    let subs = client.subs.get_or_insert_with(Default::default);
    let set = match scope {
        Scope::Global => &mut subs.channels,
        Scope::Shard => &mut subs.shard,
    };
    if !set.contains(channel) {
        let name = Bytes::copy_from_slice(channel);
        set.insert(name.clone());
        if let Some(slot) = slot_of(srv, client) {
            srv.pubsub.map_mut(scope).entry(name).or_default().push(slot);
        }
    }
    let kind = if scope == Scope::Global { "subscribe" } else { "ssubscribe" };
    let n = count(client, scope);
    confirm(client, kind, Some(channel), n);
}

/// PSUBSCRIBE one pattern, with its confirmation.
pub fn psubscribe(srv: &mut Server, client: &mut Client, pattern: &[u8]) {
    let subs = client.subs.get_or_insert_with(Default::default);
    if !subs.patterns.iter().any(|p| p[..] == *pattern) {
        let name = Bytes::copy_from_slice(pattern);
        subs.patterns.push(name.clone());
        if let Some(slot) = slot_of(srv, client) {
            srv.pubsub.patterns.entry(name).or_default().push(slot);
        }
    }
    let n = count(client, Scope::Global);
    confirm(client, "psubscribe", Some(pattern), n);
}

fn remove_from(map: &mut Map<Bytes, Vec<Rc<ClientSlot>>>, name: &[u8], id: u64) {
    if let Some(list) = map.get_mut(name) {
        if let Some(i) = list.iter().position(|s| s.id == id) {
            list.remove(i);
        }
        if list.is_empty() {
            map.remove(name);
        }
    }
}

/// UNSUBSCRIBE / SUNSUBSCRIBE one channel; confirms if `notify`.
pub fn unsubscribe(srv: &mut Server, client: &mut Client, scope: Scope, channel: &[u8], notify: bool) -> bool {
    let removed = client.subs.as_mut().is_some_and(|s| match scope {
        Scope::Global => s.channels.remove(channel),
        Scope::Shard => s.shard.remove(channel),
    });
    if removed {
        remove_from(srv.pubsub.map_mut(scope), channel, client.id);
    }
    if notify {
        let kind = if scope == Scope::Global { "unsubscribe" } else { "sunsubscribe" };
        let n = count(client, scope);
        confirm(client, kind, Some(channel), n);
    }
    removed
}

/// PUNSUBSCRIBE one pattern; confirms if `notify`.
pub fn punsubscribe(srv: &mut Server, client: &mut Client, pattern: &[u8], notify: bool) -> bool {
    let mut removed = false;
    if let Some(s) = client.subs.as_mut()
        && let Some(i) = s.patterns.iter().position(|p| p[..] == *pattern)
    {
        s.patterns.remove(i);
        removed = true;
        remove_from(&mut srv.pubsub.patterns, pattern, client.id);
    }
    if notify {
        let n = count(client, Scope::Global);
        confirm(client, "punsubscribe", Some(pattern), n);
    }
    removed
}

/// UNSUBSCRIBE / SUNSUBSCRIBE without arguments: from every channel, with a
/// confirmation each (or one with a null name if there were none).
pub fn unsubscribe_all(srv: &mut Server, client: &mut Client, scope: Scope, notify: bool) {
    let names: Vec<Bytes> = client
        .subs
        .as_ref()
        .map(|s| match scope {
            Scope::Global => s.channels.iter().cloned().collect(),
            Scope::Shard => s.shard.iter().cloned().collect(),
        })
        .unwrap_or_default();
    for n in &names {
        unsubscribe(srv, client, scope, n, notify);
    }
    if notify && names.is_empty() {
        let kind = if scope == Scope::Global { "unsubscribe" } else { "sunsubscribe" };
        let n = count(client, scope);
        confirm(client, kind, None, n);
    }
    drop_if_empty(client);
}

/// PUNSUBSCRIBE without arguments.
pub fn punsubscribe_all(srv: &mut Server, client: &mut Client, notify: bool) {
    let names: Vec<Bytes> = client.subs.as_ref().map(|s| s.patterns.clone()).unwrap_or_default();
    for n in &names {
        punsubscribe(srv, client, n, notify);
    }
    if notify && names.is_empty() {
        let n = count(client, Scope::Global);
        confirm(client, "punsubscribe", None, n);
    }
    drop_if_empty(client);
}

/// Leaves Pub/Sub mode when nothing is left.
pub fn drop_if_empty(client: &mut Client) {
    if client.subs.as_ref().is_some_and(|s| s.is_empty()) {
        client.subs = None;
    }
}

/// Every subscription of a client, silently (disconnect, RESET, CLIENT KILL).
pub fn forget(srv: &mut Server, client: &mut Client) {
    if client.subs.is_none() {
        return;
    }
    unsubscribe_all(srv, client, Scope::Global, false);
    unsubscribe_all(srv, client, Scope::Shard, false);
    punsubscribe_all(srv, client, false);
    client.subs = None;
}

/// `forget` for another client, by id (CLIENT KILL).
pub fn forget_id(srv: &mut Server, id: u64) {
    let Some(slot) = srv.clients.get(id).cloned() else { return };
    if let Ok(mut c) = slot.state.try_borrow_mut() {
        forget(srv, &mut c);
    }
}

/// Writes one message into `client`'s output.
fn write_message(client: &mut Client, kind: Kind, pattern: Option<&[u8]>, channel: &[u8], message: &[u8]) {
    let out = &mut client.out;
    match kind {
        Kind::Message | Kind::SMessage => {
            out.push(3);
            out.bulk(if kind == Kind::Message { b"message" } else { b"smessage" });
        }
        Kind::PMessage => {
            out.push(4);
            out.bulk(b"pmessage");
            out.bulk(pattern.unwrap_or_default());
        }
    }
    out.bulk(channel);
    out.bulk(message);
}

/// Delivers to one subscriber: the running client directly, another client
/// through its slot (then its limits are checked and its task woken), or
/// later if that client is borrowed.
#[allow(clippy::too_many_arguments)]
fn deliver(
    config: &Config,
    deferred: &mut Vec<Deferred>,
    current: &mut Option<&mut Client>,
    slot: &ClientSlot,
    kind: Kind,
    pattern: Option<&[u8]>,
    channel: &[u8],
    message: &[u8],
) {
    if let Some(me) = current.as_deref_mut()
        && me.id == slot.id
    {
        push_to_self(me, |c| write_message(c, kind, pattern, channel, message));
        return;
    }
    match slot.state.try_borrow_mut() {
        Ok(mut c) => {
            if c.close_asap {
                return;
            }
            write_message(&mut c, kind, pattern, channel, message);
            super::connection::close_if_over_limit(config, &mut c);
            slot.wake.notify_one();
        }
        Err(_) => deferred.push(Deferred {
            target: slot.id,
            kind,
            pattern: pattern.map(Bytes::copy_from_slice),
            channel: Bytes::copy_from_slice(channel),
            message: Bytes::copy_from_slice(message),
        }),
    }
}

/// PUBLISH / SPUBLISH (and keyspace events): delivers `message` to the
/// channel's subscribers, then (global scope) to every matching pattern's.
/// Returns the number of receivers. `current` is the running command's
/// client, if any.
pub fn publish(
    srv: &mut Server,
    mut current: Option<&mut Client>,
    scope: Scope,
    channel: &[u8],
    message: &[u8],
) -> usize {
    let Server { pubsub, config, .. } = srv;
    let PubSub { channels, patterns, shard, deferred } = pubsub;
    let mut receivers = 0;
    let (map, kind) = match scope {
        Scope::Global => (&*channels, Kind::Message),
        Scope::Shard => (&*shard, Kind::SMessage),
    };
    if let Some(list) = map.get(channel) {
        for slot in list {
            deliver(config, deferred, &mut current, slot, kind, None, channel, message);
            receivers += 1;
        }
    }
    if scope == Scope::Shard || patterns.is_empty() {
        return receivers;
    }
    for (pattern, list) in patterns.iter() {
        if !glob_match(pattern, channel, false) {
            continue;
        }
        for slot in list {
            deliver(config, deferred, &mut current, slot, Kind::PMessage, Some(pattern), channel, message);
            receivers += 1;
        }
    }
    receivers
}

/// Delivers the messages that found their client borrowed (after a command).
pub fn deliver_deferred(srv: &mut Server, current: &mut Client) {
    if srv.pubsub.deferred.is_empty() {
        return;
    }
    let pending = std::mem::take(&mut srv.pubsub.deferred);
    for d in pending {
        let pattern = d.pattern.as_deref();
        if d.target == current.id {
            write_message(current, d.kind, pattern, &d.channel, &d.message);
            continue;
        }
        let Some(slot) = srv.clients.get(d.target).cloned() else { continue };
        if let Ok(mut c) = slot.state.try_borrow_mut()
            && !c.close_asap
        {
            write_message(&mut c, d.kind, pattern, &d.channel, &d.message);
            super::connection::close_if_over_limit(&srv.config, &mut c);
            slot.wake.notify_one();
        }
    }
}

/// RESP2 subscribed mode: a client with subscriptions that speaks RESP2.
pub fn resp2_subscribed(client: &Client) -> bool {
    client.subs.is_some() && !client.out.is_resp3()
}

/// Is this command allowed in RESP2 subscribed mode?
pub fn allowed_in_subscribed_mode(fullname: &str) -> bool {
    matches!(
        fullname,
        "ping"
            | "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "quit"
            | "reset"
    )
}
