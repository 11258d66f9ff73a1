//! Client-side caching (Redis's `tracking.c`): which clients may hold which
//! keys in a local cache, and the invalidation messages they get when those
//! keys change.
//!
//! * Default mode: after a read-only command of a tracking client, the keys
//!   it named are remembered in `table` (key → client ids). When such a key
//!   is modified, deleted, expired or evicted, each client in its entry gets
//!   an `invalidate` message and the entry is dropped.
//! * BCAST mode: clients subscribe to key prefixes; every key modified that
//!   matches a prefix is collected and sent to the prefix's clients once per
//!   batch of commands (Redis: once per event-loop iteration, in
//!   `beforeSleep`): `broadcast`.
//! * FLUSHDB/FLUSHALL send every tracking client a null invalidation ("all
//!   keys") and empty the table.
//!
//! Messages go to the client itself if it speaks RESP3 (a `>2 invalidate`
//! push), or to the client it redirects to: a RESP3 push, or in RESP2 a
//! Pub/Sub `message` on `__redis__:invalidate` if that client is in Pub/Sub
//! mode. A redirect to a client that is gone sets `broken_redirect` and
//! tells a RESP3 client with a `tracking-redir-broken` push.
//!
//! The keyspace records modified keys (`Interest::tracked`) only while
//! `Interest::track` is set, which this module keeps in step with its own
//! state (`sync`): set while the table holds keys or prefixes exist. The
//! dispatcher tests `Server::tracking_on` before calling in here,
//! so with no tracking client the cost is that test (and the keyspace's
//! test of `track` per modified key).
//!
//! Ordering, as Redis 7.0: invalidations of keys the running client
//! (Redis's `current_client`: the connection whose command runs, also
//! while its script or transaction runs, or the blocked client being
//! served) tracks itself are held in `pending` and written after the
//! reply of its top-level command; others are written at once (to the
//! running client itself, when it is a redirect target, before the reply
//! of the command that changed the key). A client whose state is borrowed
//! elsewhere (the caller of a running script) gets its messages after the
//! command (`deferred`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use super::Server;
use super::client::{Client, ReplyMode};
use super::clients::{ClientSlot, Clients};
use crate::commands::{self, flags};
use crate::config::Config;
use crate::protocol::writer::ReplyWriter;
use crate::types::compact::CompactBytes;

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The Pub/Sub channel on which RESP2 redirect targets get invalidations.
pub const CHANNEL: &[u8] = b"__redis__:invalidate";

/// One client's tracking mode (`Client::tracking`; `None` when off).
#[derive(Debug, Default)]
pub struct ClientTracking {
    /// Client id the messages go to (0: the client itself).
    pub redirect: u64,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    /// CLIENT CACHING yes/no applies to the next command (or transaction).
    pub caching: bool,
    pub noloop: bool,
    /// The redirect target was gone when a message was due.
    pub broken_redirect: bool,
    /// BCAST prefixes, in Redis's (byte) order.
    pub prefixes: BTreeSet<Vec<u8>>,
}

/// The options of CLIENT TRACKING ON.
#[derive(Debug, Default, Clone, Copy)]
pub struct Options {
    pub redirect: u64,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
}

/// One BCAST prefix: its clients, and the keys modified since the last
/// broadcast with the id of the client that last modified each (0: none,
/// e.g. expiry), for NOLOOP.
#[derive(Default)]
struct Bcast {
    keys: BTreeMap<Vec<u8>, u64>,
    clients: Vec<u64>,
}

/// The key table with O(1) random picks (for `tracking-table-max-keys`).
#[derive(Default)]
struct KeyTable {
    index: Map<CompactBytes, usize>,
    entries: Vec<(CompactBytes, Vec<u64>)>,
}

impl KeyTable {
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds `id` to `key`'s clients; true if it was not there.
    fn insert(&mut self, key: &[u8], id: u64) -> bool {
        let i = match self.index.get(key) {
            Some(&i) => i,
            None => {
                let k = CompactBytes::new(key);
                self.entries.push((k.clone(), Vec::new()));
                self.index.insert(k, self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        let ids = &mut self.entries[i].1;
        if ids.contains(&id) {
            return false;
        }
        ids.push(id);
        true
    }

    fn remove(&mut self, key: &[u8]) -> Option<Vec<u64>> {
        let i = self.index.remove(key)?;
        let (_, ids) = self.entries.swap_remove(i);
        if let Some((moved, _)) = self.entries.get(i) {
            *self.index.get_mut(&moved[..]).expect("indexed") = i;
        }
        Some(ids)
    }

    fn clear(&mut self) {
        self.index = Map::default();
        self.entries = Vec::new();
    }
}

/// A message kept for later.
enum Msg {
    Key(CompactBytes),
    /// FLUSHDB/FLUSHALL: every key.
    Null,
    /// A BCAST array of keys, already RESP.
    Raw(Rc<[u8]>),
}

impl Msg {
    fn as_ref(&self) -> MsgRef<'_> {
        match self {
            Msg::Key(k) => MsgRef::Key(k),
            Msg::Null => MsgRef::Null,
            Msg::Raw(p) => MsgRef::Raw(p),
        }
    }
}

#[derive(Clone, Copy)]
enum MsgRef<'a> {
    Key(&'a [u8]),
    Null,
    Raw(&'a [u8]),
}

impl MsgRef<'_> {
    fn to_owned(self) -> Msg {
        match self {
            MsgRef::Key(k) => Msg::Key(CompactBytes::new(k)),
            MsgRef::Null => Msg::Null,
            MsgRef::Raw(p) => Msg::Raw(Rc::from(p)),
        }
    }
}

/// A message for a client whose state was borrowed elsewhere.
enum Deferred {
    /// For tracking client `id` (checked and routed when delivered).
    Target { id: u64, msg: Msg },
    /// For redirect target `id`; `null3`: the tracking client speaks RESP3.
    Recipient { id: u64, null3: bool, msg: Msg },
}

/// The server-wide tracking state (`Server::tracking`).
#[derive(Default)]
pub struct Tracking {
    /// Clients with tracking on (INFO `tracking_clients`).
    pub clients: usize,
    /// The keyspace records modified keys (`Interest::track`).
    recording: bool,
    /// Some client ever enabled tracking (Redis's `TrackingTable != NULL`).
    created: bool,
    table: KeyTable,
    /// Client ids over all keys of the table (INFO `tracking_total_items`).
    items: u64,
    prefixes: BTreeMap<Vec<u8>, Bcast>,
    /// A BCAST prefix collected keys since the last broadcast.
    bcast_dirty: bool,
    /// Invalidations for the running client's own keys, written after the
    /// reply of its top-level command (`None`: the flush null).
    pending: Vec<Option<CompactBytes>>,
    deferred: Vec<Deferred>,
    /// Redis's `server.current_client`: the id of the connection whose
    /// command runs (0 between commands).
    pub current: u64,
    /// That client's mode when its command started, for when its state is
    /// borrowed (a script's caller).
    current_mode: Mode,
    /// Consecutive `limit_used_slots` runs that stayed over the limit.
    limit_misses: u32,
    /// A script's read-only command ran: the script's caller remembers its
    /// keys when the script ends.
    script_read: bool,
}

impl Tracking {
    pub fn total_keys(&self) -> usize {
        self.table.len()
    }

    pub fn total_items(&self) -> u64 {
        self.items
    }

    pub fn total_prefixes(&self) -> usize {
        self.prefixes.len()
    }
}

/// Keeps `on` and the keyspace's recording flag in step with the state.
fn sync(srv: &mut Server) {
    let t = &mut srv.tracking;
    let record = !t.table.is_empty() || !t.prefixes.is_empty();
    srv.tracking_on = t.clients > 0 || record || !t.deferred.is_empty() || !t.pending.is_empty();
    if record != t.recording {
        t.recording = record;
        for db in &mut srv.keyspace.dbs {
            db.interest.track = record;
            if !record {
                db.interest.tracked.clear();
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Reaching clients and writing messages.

/// A client reached for writing: the running one, or another through its slot.
enum Handle<'x> {
    Running(&'x mut Client),
    Other(std::cell::RefMut<'x, Client>, &'x ClientSlot),
}

impl Handle<'_> {
    fn client(&mut self) -> &mut Client {
        match self {
            Handle::Running(c) => c,
            Handle::Other(c, _) => c,
        }
    }
}

enum Miss {
    Gone,
    Busy,
}

/// Where messages go while this module works: the registry, the running
/// client (if any) and where its messages are inserted.
struct Out<'a, 'r> {
    clients: &'a Clients,
    config: &'a Config,
    running: Option<&'r mut Client>,
    /// `Some(pos)`: messages for the running client go before its current
    /// command's reply, which starts at `pos` (Redis writes them into its
    /// buffer while the command runs, before the reply).
    splice: Option<usize>,
    deferred: Vec<Deferred>,
}

impl Out<'_, '_> {
    fn exists(&self, id: u64) -> bool {
        self.running.as_deref().is_some_and(|r| r.id == id) || self.clients.get(id).is_some()
    }
}

/// Reaches client `id` (fields of `Out` passed apart, so the others stay
/// usable while the handle lives).
fn handle<'x>(clients: &'x Clients, running: &'x mut Option<&mut Client>, id: u64) -> Result<Handle<'x>, Miss> {
    if let Some(r) = running.as_deref_mut()
        && r.id == id
    {
        return Ok(Handle::Running(r));
    }
    let slot = clients.get(id).ok_or(Miss::Gone)?;
    match slot.state.try_borrow_mut() {
        Ok(c) if c.close_asap => Err(Miss::Gone),
        Ok(c) => Ok(Handle::Other(c, slot)),
        Err(_) => Err(Miss::Busy),
    }
}

/// Writes a message through `h` (recording it as a push for the running
/// client, so CLIENT REPLY OFF keeps it), then wakes another client's task.
fn write(h: Handle<'_>, splice: &mut Option<usize>, config: &Config, f: impl FnOnce(&mut ReplyWriter)) {
    match h {
        Handle::Running(c) => {
            let keep = matches!(c.reply_mode, ReplyMode::Off | ReplyMode::SkipThis);
            match splice {
                None => {
                    let start = c.out.len();
                    f(&mut c.out);
                    if keep {
                        let end = c.out.len();
                        c.push_ranges.push((start, end));
                    }
                }
                Some(pos) => {
                    let mut w = ReplyWriter::new(c.out.resp);
                    f(&mut w);
                    let n = w.buf.len();
                    let tail = c.out.buf.split_off(*pos);
                    c.out.buf.extend_from_slice(&w.buf);
                    c.out.buf.extend_from_slice(&tail);
                    for r in c.push_ranges.iter_mut().filter(|r| r.0 >= *pos) {
                        r.0 += n;
                        r.1 += n;
                    }
                    if keep {
                        c.push_ranges.push((*pos, *pos + n));
                    }
                    *pos += n;
                }
            }
        }
        Handle::Other(mut c, slot) => {
            f(&mut c.out);
            super::connection::close_if_over_limit(config, &mut c);
            slot.wake.notify_one();
        }
    }
}

/// `>2 invalidate <keys>` (RESP3) or a `message` on `__redis__:invalidate`.
fn write_invalidation(w: &mut ReplyWriter, null3: bool, msg: MsgRef<'_>) {
    if w.is_resp3() {
        w.push(2);
        w.bulk(b"invalidate");
    } else {
        w.array(3);
        w.bulk(b"message");
        w.bulk(CHANNEL);
    }
    match msg {
        MsgRef::Key(k) => {
            w.array(1);
            w.bulk(k);
        }
        MsgRef::Null => w.raw(if null3 { b"_\r\n" } else { b"$-1\r\n" }),
        MsgRef::Raw(p) => w.raw(p),
    }
}

/// Redis's `sendTrackingMessage`: to tracking client `target`, or where it
/// redirects.
fn send(o: &mut Out<'_, '_>, target: u64, msg: MsgRef<'_>) {
    let config = o.config;
    let mut splice = o.splice;
    let (redirect, null3) = match handle(o.clients, &mut o.running, target) {
        Ok(mut h) => {
            let c = h.client();
            let null3 = c.out.is_resp3();
            let redirect = c.tracking.as_ref().map_or(0, |t| t.redirect);
            if redirect == 0 && null3 {
                write(h, &mut splice, config, |w| write_invalidation(w, null3, msg));
            }
            (redirect, null3)
        }
        Err(Miss::Busy) => {
            o.deferred.push(Deferred::Target { id: target, msg: msg.to_owned() });
            return;
        }
        Err(Miss::Gone) => return,
    };
    o.splice = splice;
    if redirect == 0 {
        return;
    }
    if !o.exists(redirect) {
        let Ok(mut h) = handle(o.clients, &mut o.running, target) else { return };
        let c = h.client();
        if let Some(t) = c.tracking.as_mut() {
            t.broken_redirect = true;
        }
        if null3 {
            write(h, &mut splice, config, |w| {
                w.push(2);
                w.bulk(b"tracking-redir-broken");
                w.int(redirect as i64);
            });
        }
        o.splice = splice;
        return;
    }
    deliver_redirected(o, redirect, null3, msg);
}

/// Writes an invalidation to a redirect target: a push if it speaks RESP3,
/// a Pub/Sub message if it is in Pub/Sub mode, nothing otherwise.
fn deliver_redirected(o: &mut Out<'_, '_>, id: u64, null3: bool, msg: MsgRef<'_>) {
    let config = o.config;
    let mut splice = o.splice;
    match handle(o.clients, &mut o.running, id) {
        Ok(mut h) => {
            let c = h.client();
            if c.out.is_resp3() || c.subs.is_some() {
                write(h, &mut splice, config, |w| write_invalidation(w, null3, msg));
            }
        }
        Err(Miss::Busy) => o.deferred.push(Deferred::Recipient { id, null3, msg: msg.to_owned() }),
        Err(Miss::Gone) => {}
    }
    o.splice = splice;
}

// ---------------------------------------------------------------------------
// The invalidation of keys.

/// The parts of the state `invalidate_key` works on, split from `Out`.
struct Ctx<'t> {
    t: &'t mut Tracking,
    /// Messages for the running client's own keys wait for its reply.
    deferring: bool,
}

/// Redis's `trackingInvalidateKey`: `modifier` is the client that changed
/// the key (0: none), `bcast` false for the table's own evictions.
fn invalidate_key(cx: &mut Ctx<'_>, o: &mut Out<'_, '_>, key: &[u8], modifier: u64, bcast: bool) {
    let t = &mut *cx.t;
    if !t.created {
        return;
    }
    if bcast && !t.prefixes.is_empty() {
        for (prefix, bs) in t.prefixes.iter_mut() {
            if key.starts_with(prefix) {
                bs.keys.insert(key.to_vec(), modifier);
                t.bcast_dirty = true;
            }
        }
    }
    let Some(ids) = t.table.remove(key) else { return };
    t.items -= ids.len() as u64;
    for id in ids {
        if id == t.current && t.current != 0 {
            let m = match o.running.as_deref() {
                Some(r) if r.id == id => mode(r),
                _ => t.current_mode,
            };
            if !m.on || m.bcast || m.noloop {
                continue;
            }
            if cx.deferring {
                t.pending.push(Some(CompactBytes::new(key)));
                continue;
            }
        } else {
            match handle(o.clients, &mut o.running, id) {
                Ok(mut h) => {
                    let m = mode(h.client());
                    if !m.on || m.bcast {
                        continue;
                    }
                }
                Err(Miss::Busy) => {
                    o.deferred.push(Deferred::Target { id, msg: Msg::Key(CompactBytes::new(key)) });
                    continue;
                }
                Err(Miss::Gone) => continue,
            }
        }
        send(o, id, MsgRef::Key(key));
    }
}

/// What `invalidate_key` and `flushed` need to know of a client's mode.
#[derive(Debug, Default, Clone, Copy)]
struct Mode {
    on: bool,
    bcast: bool,
    noloop: bool,
}

fn mode(c: &Client) -> Mode {
    c.tracking.as_ref().map_or(Mode::default(), |t| Mode { on: true, bcast: t.bcast, noloop: t.noloop })
}

/// Runs `f` with the split state; then stores the deferred messages and
/// re-syncs.
fn with_out(
    srv: &mut Server,
    running: Option<&mut Client>,
    splice: Option<usize>,
    deferring: bool,
    f: impl FnOnce(&mut Ctx<'_>, &mut Out<'_, '_>, &mut crate::keyspace::Keyspace, &mut crate::util::rng::Rng),
) {
    let deferred = std::mem::take(&mut srv.tracking.deferred);
    let Server { clients, config, tracking, keyspace, rng, .. } = srv;
    let mut o = Out { clients, config, running, splice, deferred };
    let mut cx = Ctx { t: tracking, deferring };
    f(&mut cx, &mut o, keyspace, rng);
    srv.tracking.deferred = o.deferred;
    sync(srv);
}

/// Turns the keys the keyspace recorded into invalidations. `running` is
/// the client whose command ran (`in_command`: its own messages wait for
/// its reply and other messages for it go before the reply starting at
/// `reply_start`), or the client about to run one (evictions), or none.
#[inline(never)]
pub fn drain(srv: &mut Server, running: Option<&mut Client>, in_command: bool, reply_start: usize) {
    if !srv.tracking.recording {
        return;
    }
    let modifier = running.as_deref().map_or(0, |c| c.id);
    let splice = (in_command && running.is_some()).then_some(reply_start);
    with_out(srv, running, splice, in_command, |cx, o, keyspace, _| {
        for db in &mut keyspace.dbs {
            if db.interest.tracked.is_empty() {
                continue;
            }
            let keys = std::mem::take(&mut db.interest.tracked);
            for (key, by_client) in &keys {
                invalidate_key(cx, o, key, if *by_client { modifier } else { 0 }, true);
            }
        }
    });
}

// ---------------------------------------------------------------------------
// Hooks of the dispatcher.

/// The current client and its mode saved by `enter`, restored by `leave`
/// (commands can nest: a busy script's server runs other clients'
/// commands). Packed in one word: the id in the low 61 bits, the mode in
/// the top three (ids never get near 2^61).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved(u64);

impl Saved {
    /// No current client.
    pub const NONE: Saved = Saved(0);
    const ID: u64 = (1 << 61) - 1;

    fn pack(id: u64, m: Mode) -> Saved {
        Saved((id & Self::ID) | u64::from(m.on) << 63 | u64::from(m.bcast) << 62 | u64::from(m.noloop) << 61)
    }

    fn id(self) -> u64 {
        self.0 & Self::ID
    }

    fn mode(self) -> Mode {
        Mode { on: self.0 >> 63 & 1 == 1, bcast: self.0 >> 62 & 1 == 1, noloop: self.0 >> 61 & 1 == 1 }
    }
}

/// `client`'s command starts (a top-level command, or a blocked client's
/// command run again to serve it): it becomes Redis's `current_client`.
/// Returns the previous one, for `leave`.
#[inline(never)]
pub fn enter(srv: &mut Server, client: &Client) -> Saved {
    let t = &mut srv.tracking;
    let prev = Saved::pack(t.current, t.current_mode);
    t.current_mode = mode(client);
    t.current = client.id;
    prev
}

/// Before a command runs (Redis's `processCommand`, after eviction): the
/// key table is kept within `tracking-table-max-keys`.
#[inline(never)]
pub fn before_run(srv: &mut Server, client: &mut Client) {
    if srv.tracking.clients > 0 {
        limit_used_slots(srv, Some(client));
    }
}

/// `client`'s command ended (its reply is written): its pending
/// invalidations follow; `prev` becomes current again.
#[inline(never)]
pub fn leave(srv: &mut Server, client: &mut Client, prev: Saved) {
    flush_pending(srv, client);
    srv.tracking.current = prev.id();
    srv.tracking.current_mode = prev.mode();
    sync(srv);
}

/// After a top-level command: `leave`, then CLIENT CACHING's flag is
/// cleared (unless in MULTI or the command was one of CLIENT's).
#[inline(never)]
pub fn end_command(srv: &mut Server, client: &mut Client, prev: Saved) {
    if let Some(t) = client.tracking.as_mut()
        && client.multi.is_none()
        && !client.last_cmd.is_some_and(|id| commands::table().entries[id].fullname.starts_with("client|"))
    {
        t.caching = false;
    }
    leave(srv, client, prev);
}

/// The cron's part (no client runs): keys expired by the active cycle,
/// the table's limit, BCAST invalidations, deferred messages.
pub fn cron(srv: &mut Server) {
    drain(srv, None, false, 0);
    if srv.tracking.clients > 0 {
        limit_used_slots(srv, None);
    }
    broadcast(srv, None);
    deliver_deferred(srv, None);
}

/// Writes the running client's pending invalidations (after its reply).
pub fn flush_pending(srv: &mut Server, client: &mut Client) {
    if srv.tracking.pending.is_empty() {
        return;
    }
    let pending = std::mem::take(&mut srv.tracking.pending);
    with_out(srv, Some(client), None, false, |_, o, _, _| {
        let id = o.running.as_deref().map_or(0, |c| c.id);
        for key in &pending {
            match key {
                Some(k) => send(o, id, MsgRef::Key(k)),
                None => send(o, id, MsgRef::Null),
            }
        }
    });
}

/// After a command's handler ran (`Tracking::on`): the keys it modified
/// are invalidated, then the keys a read-only command read are remembered
/// for its client (Redis's `call`). A script's reads count for its caller,
/// with the script's declared keys, when the script's command ends.
#[inline(never)]
pub fn after_run(srv: &mut Server, client: &mut Client, id: usize, args: &[bytes::Bytes], reply_start: usize) {
    drain(srv, Some(client), true, reply_start);
    let entry = &commands::table().entries[id];
    let spec = entry.spec;
    let readonly =
        spec.has(flags::READONLY) && !matches!(entry.fullname.as_str(), "eval_ro" | "evalsha_ro" | "fcall_ro");
    if client.script {
        if readonly && srv.tracking.clients > 0 {
            srv.tracking.script_read = true;
        }
        return;
    }
    let script_read = std::mem::take(&mut srv.tracking.script_read);
    if (readonly || script_read) && client.tracking.as_ref().is_some_and(|t| !t.bcast) {
        remember_keys(srv, client, spec, args);
    }
}

/// Redis's `trackingRememberKeys`.
fn remember_keys(srv: &mut Server, client: &Client, spec: &commands::CommandSpec, args: &[bytes::Bytes]) {
    let Some(t) = client.tracking.as_ref() else { return };
    if (t.optin && !t.caching) || (t.optout && t.caching) {
        return;
    }
    if spec.has(flags::PUBSUB) {
        return;
    }
    let positions = spec.key_positions(args);
    if positions.is_empty() {
        return;
    }
    for p in positions {
        if let Some(key) = args.get(p)
            && srv.tracking.table.insert(key, client.id)
        {
            srv.tracking.items += 1;
        }
    }
    sync(srv);
}

/// Redis's `trackingInvalidateKeysOnFlush`: every tracking client gets the
/// null invalidation (the current client after its reply); the table is
/// emptied. `running` is the client running FLUSHDB/FLUSHALL, if the
/// caller has it (DEBUG RELOAD's does not).
pub fn flushed(srv: &mut Server, running: Option<&mut Client>) {
    if !srv.tracking_on {
        return;
    }
    if srv.tracking.clients > 0 {
        let ids: Vec<u64> = srv.clients.iter().map(|s| s.id).collect();
        with_out(srv, running, None, true, |cx, o, _, _| {
            let current = cx.t.current;
            for id in ids {
                if id == current {
                    let tracks = match o.running.as_deref() {
                        Some(r) if r.id == id => r.tracking.is_some(),
                        _ => cx.t.current_mode.on,
                    };
                    if tracks {
                        cx.t.pending.push(None);
                    }
                    continue;
                }
                match handle(o.clients, &mut o.running, id) {
                    Ok(mut h) => {
                        if h.client().tracking.is_none() {
                            continue;
                        }
                    }
                    Err(Miss::Busy) => {
                        o.deferred.push(Deferred::Target { id, msg: Msg::Null });
                        continue;
                    }
                    Err(Miss::Gone) => continue,
                }
                send(o, id, MsgRef::Null);
            }
        });
    }
    let t = &mut srv.tracking;
    if t.created {
        t.table.clear();
        t.items = 0;
    }
    sync(srv);
}

/// Redis's `trackingLimitUsedSlots`: while the table holds more keys than
/// `tracking-table-max-keys`, invalidate random keys, with an effort that
/// grows while it stays over.
pub fn limit_used_slots(srv: &mut Server, running: Option<&mut Client>) {
    let max = srv.config.tracking_table_max_keys;
    let t = &mut srv.tracking;
    if !t.created || max == 0 {
        return;
    }
    if t.table.len() <= max {
        t.limit_misses = 0;
        return;
    }
    let mut effort = 100 * (u64::from(t.limit_misses) + 1);
    with_out(srv, running, None, false, |cx, o, _, rng| {
        while effort > 0 {
            effort -= 1;
            let len = cx.t.table.len();
            if len == 0 {
                break;
            }
            let key = cx.t.table.entries[rng.below(len as u64) as usize].0.clone();
            invalidate_key(cx, o, &key, 0, false);
            if cx.t.table.len() <= max {
                cx.t.limit_misses = 0;
                return;
            }
        }
        cx.t.limit_misses += 1;
    });
}

/// Redis's `trackingBroadcastInvalidationMessages` (in `beforeSleep`): the
/// keys collected for each prefix go to its clients, one array per prefix
/// (without the keys a NOLOOP client changed itself). `running` is the
/// client whose task calls (its state is borrowed), if any.
pub fn broadcast(srv: &mut Server, running: Option<&mut Client>) {
    if !srv.tracking.bcast_dirty {
        return;
    }
    srv.tracking.bcast_dirty = false;
    if srv.tracking.clients == 0 {
        for bs in srv.tracking.prefixes.values_mut() {
            bs.keys.clear();
        }
        return;
    }
    with_out(srv, running, None, false, |cx, o, _, _| {
        for bs in cx.t.prefixes.values_mut() {
            if bs.keys.is_empty() {
                continue;
            }
            let keys = std::mem::take(&mut bs.keys);
            let proto: Option<Rc<[u8]>> = build_keys(&keys, None).map(Rc::from);
            for &id in &bs.clients {
                let noloop = match handle(o.clients, &mut o.running, id) {
                    Ok(mut h) => h.client().tracking.as_ref().is_some_and(|t| t.noloop),
                    Err(_) => false,
                };
                if noloop {
                    if let Some(adhoc) = build_keys(&keys, Some(id)) {
                        send(o, id, MsgRef::Raw(&adhoc));
                    }
                } else if let Some(p) = &proto {
                    send(o, id, MsgRef::Raw(p));
                }
            }
        }
    });
}

/// The RESP array of `keys`, leaving out those last changed by `skip`;
/// `None` if that leaves nothing.
fn build_keys(keys: &BTreeMap<Vec<u8>, u64>, skip: Option<u64>) -> Option<Vec<u8>> {
    let count = keys.values().filter(|&&m| skip != Some(m)).count();
    if count == 0 {
        return None;
    }
    let mut w = ReplyWriter::new(crate::protocol::writer::Resp::Two);
    w.array(count);
    for (k, &m) in keys {
        if skip != Some(m) {
            w.bulk(k);
        }
    }
    Some(w.buf.to_vec())
}

/// Delivers the messages that found their client borrowed (after a
/// command; `current` is the connection whose command ran, if any).
#[inline(never)]
pub fn deliver_deferred(srv: &mut Server, current: Option<&mut Client>) {
    if srv.tracking.deferred.is_empty() {
        return;
    }
    let list = std::mem::take(&mut srv.tracking.deferred);
    with_out(srv, current, None, false, |_, o, _, _| {
        for d in &list {
            match d {
                Deferred::Target { id, msg } => {
                    let ok = match handle(o.clients, &mut o.running, *id) {
                        Ok(mut h) => match (h.client().tracking.as_ref(), msg) {
                            (None, _) => false,
                            (Some(t), Msg::Key(_)) => !t.bcast,
                            (Some(_), _) => true,
                        },
                        Err(_) => false,
                    };
                    if ok {
                        send(o, *id, msg.as_ref());
                    }
                }
                Deferred::Recipient { id, null3, msg } => deliver_redirected(o, *id, *null3, msg.as_ref()),
            }
        }
        // Whatever is still borrowed now is dropped rather than kept forever.
        o.deferred.clear();
    });
}

// ---------------------------------------------------------------------------
// Turning tracking on and off (CLIENT TRACKING, RESET, disconnect).

/// Redis's `enableTracking` (the options were checked by the caller).
pub fn enable(srv: &mut Server, client: &mut Client, opts: Options, prefixes: &[&[u8]]) {
    let t = &mut srv.tracking;
    if client.tracking.is_none() {
        t.clients += 1;
        client.tracking = Some(Box::default());
    }
    t.created = true;
    let id = client.id;
    // Tracking was off for the whole server when this command started, so
    // the dispatcher did not make the client current: do it now (the
    // dispatcher restores the previous one when the command ends).
    if t.current == 0 {
        t.current = id;
    }
    let ct = client.tracking.as_mut().expect("tracking on");
    ct.broken_redirect = false;
    ct.bcast = false;
    ct.redirect = opts.redirect;
    if opts.bcast {
        ct.bcast = true;
        let mut add = |p: &[u8]| {
            let bs = t.prefixes.entry(p.to_vec()).or_default();
            if !bs.clients.contains(&id) {
                bs.clients.push(id);
                ct.prefixes.insert(p.to_vec());
            }
        };
        if prefixes.is_empty() {
            add(b"");
        }
        for p in prefixes {
            add(p);
        }
    }
    ct.optin = opts.optin;
    ct.optout = opts.optout;
    ct.noloop = opts.noloop;
    if t.current == id {
        t.current_mode = mode(client);
    }
    sync(srv);
}

/// Redis's `disableTracking`. The client's ids stay in the key table until
/// those keys change (as in Redis: no cleanup cost on disconnect).
pub fn disable(srv: &mut Server, client: &mut Client) {
    let Some(ct) = client.tracking.take() else { return };
    if ct.bcast {
        for p in &ct.prefixes {
            if let Some(bs) = srv.tracking.prefixes.get_mut(p) {
                bs.clients.retain(|&c| c != client.id);
                if bs.clients.is_empty() {
                    srv.tracking.prefixes.remove(p);
                }
            }
        }
    }
    srv.tracking.clients -= 1;
    sync(srv);
}

/// Redis's `checkPrefixCollisionsOrReply`: `Err(message)` for the first
/// prefix overlapping one of the client's or a later one given. Redis then
/// stops only if that was the first prefix given (`Err((msg, true))`);
/// otherwise it reports the error and goes on to enable tracking.
pub fn check_prefixes(client: &Client, prefixes: &[&[u8]]) -> Result<(), (String, bool)> {
    let existing = client.tracking.as_ref().map(|t| &t.prefixes);
    let show = |p: &[u8]| {
        let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
        String::from_utf8_lossy(&p[..end]).into_owned()
    };
    let overlap = |a: &[u8], b: &[u8]| {
        let n = a.len().min(b.len());
        a[..n] == b[..n]
    };
    for (i, p) in prefixes.iter().enumerate() {
        if let Some(existing) = existing {
            for e in existing {
                if overlap(e, p) {
                    return Err((
                        format!(
                            "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must \
                             not overlap.",
                            show(p),
                            show(e)
                        ),
                        true,
                    ));
                }
            }
        }
        for q in &prefixes[i + 1..] {
            if overlap(p, q) {
                return Err((
                    format!(
                        "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client \
                         must not overlap.",
                        show(p),
                        show(q)
                    ),
                    i == 0,
                ));
            }
        }
    }
    Ok(())
}

/// The CLIENT LIST `flags=` letters of tracking (`t`, `R`, `B`).
pub fn flag_letters(c: &Client, f: &mut String) {
    if let Some(t) = c.tracking.as_ref() {
        f.push('t');
        if t.broken_redirect {
            f.push('R');
        }
        if t.bcast {
            f.push('B');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_current_round_trips() {
        let m = Mode { on: true, bcast: false, noloop: true };
        let s = Saved::pack(123_456, m);
        assert_eq!(s.id(), 123_456);
        let back = s.mode();
        assert!(back.on && !back.bcast && back.noloop);
        assert_eq!(Saved::NONE.id(), 0);
        assert!(!Saved::NONE.mode().on);
    }

    #[test]
    fn key_table_swap_remove_keeps_index() {
        let mut t = KeyTable::default();
        assert!(t.insert(b"a", 1));
        assert!(!t.insert(b"a", 1));
        assert!(t.insert(b"a", 2));
        assert!(t.insert(b"b", 1));
        assert!(t.insert(b"c", 3));
        assert_eq!(t.remove(b"a"), Some(vec![1, 2]));
        assert_eq!(t.len(), 2);
        assert_eq!(t.remove(b"c"), Some(vec![3]));
        assert_eq!(t.remove(b"b"), Some(vec![1]));
        assert!(t.is_empty());
        assert_eq!(t.remove(b"b"), None);
    }

    #[test]
    fn broadcast_array_leaves_out_own_keys() {
        let mut keys = BTreeMap::new();
        keys.insert(b"b".to_vec(), 7);
        keys.insert(b"a".to_vec(), 0);
        assert_eq!(build_keys(&keys, None).unwrap(), b"*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assert_eq!(build_keys(&keys, Some(7)).unwrap(), b"*1\r\n$1\r\na\r\n");
        keys.remove(&b"a"[..]);
        assert_eq!(build_keys(&keys, Some(7)), None);
    }

    #[test]
    fn prefix_collisions() {
        let c = Client::new(1, String::new(), String::new(), 0, true);
        assert!(check_prefixes(&c, &[b"foo", b"bar"]).is_ok());
        let (msg, stop) = check_prefixes(&c, &[b"FOOBAR", b"FOO"]).unwrap_err();
        assert_eq!(
            msg,
            "ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. Prefixes for a single client must not \
             overlap."
        );
        assert!(stop);
        assert!(!check_prefixes(&c, &[b"a", b"b", b"bc"]).unwrap_err().1);
    }
}
