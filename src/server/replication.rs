//! The master side of replication (Redis's `replication.c` for a master,
//! and `propagate`/`alsoPropagate` of `server.c`).
//!
//! **Propagation.** While `Repl::active` (set when the first replica syncs,
//! as Redis creates its backlog then, and kept afterwards) every command
//! that changed the dataset (`Server::dirty` moved) is recorded by the
//! dispatcher (`dispatch::run` → `after_call`) into `Repl::pending`, with
//! the database it ran in and either its own arguments or the form a
//! handler asked for (`Ctx::propagate_as`: relative TTLs made absolute,
//! SPOP as SREM …). Extra commands a handler emits go in with
//! `Ctx::also_propagate`. Keys deleted by lazy or active expiry are
//! recorded by the key table (`Db::expired_log`) and go in as DEL (UNLINK
//! with `lazyfree-lazy-expire`) before the command that found them;
//! evicted keys as DEL. When the outermost command ends, `flush` writes the
//! pending commands to the stream: wrapped in MULTI/EXEC when there are
//! more than one (a transaction, a script's effects), with SELECT first
//! when the database differs from the stream's. EXEC and scripts are never
//! propagated themselves (their commands are).
//!
//! **The stream.** Each byte goes to the backlog (`repl-backlog-size`,
//! a ring), counts in `master_repl_offset`, and is appended to every
//! replica: online replicas get it in their output buffer (their task is
//! woken); replicas waiting for their RDB keep it in `ReplicaLink::buffered`
//! until the RDB has been queued before it.
//!
//! **Full sync.** SYNC/PSYNC start a BGSAVE (the fork-free snapshot of
//! `server::save`, point-in-time at the moment it starts: the stream from
//! then on is buffered for the replica), or wait for the running one to end
//! and start a new one. When it ends (`bgsave_done`) the RDB file is read
//! and queued as `$<len>\r\n<bytes>`, then the buffered stream; the replica
//! is online.
//!
//! **As a replica** (`Repl::master` set; `server::replica` runs the link)
//! `emit` feeds only the AOF: our stream is our master's, fed verbatim by
//! `proxy` as the master client applies it; `full_sync_done` and
//! `continue_from_master` adopt the master's replid and offset, and
//! REPLICAOF NO ONE (`unfollow`) shifts the replid to `replid2`, which
//! `start_sync` still honours up to `second_repl_offset`.
//!
//! With no replica ever attached the dispatcher's cost is one load and test
//! of `Repl::active` per command.

use std::time::Instant;

use bytes::Bytes;

use super::Server;
use super::client::Client;

/// A replica's progress through the full sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// REPLCONF seen, no SYNC yet: still a normal client.
    Handshake,
    /// Waits for a BGSAVE to start (one not made for replicas was running).
    WaitBgsaveStart,
    /// Waits for BGSAVE `id` to end; the stream is buffered meanwhile.
    WaitBgsaveEnd(u64),
    /// RDB queued; the stream goes straight to the output buffer.
    Online,
}

/// What a replica told us (REPLCONF) and where it is.
pub struct ReplicaLink {
    pub state: LinkState,
    pub listening_port: i64,
    pub ip: Option<String>,
    pub capa_eof: bool,
    pub capa_psync2: bool,
    /// The stream since the snapshot, while the RDB is not yet queued.
    pub buffered: Vec<u8>,
    /// REPLCONF ACK: the offset the replica processed, and when (Unix ms).
    pub ack_offset: u64,
    pub ack_time_ms: u64,
}

impl ReplicaLink {
    pub fn new() -> ReplicaLink {
        ReplicaLink {
            state: LinkState::Handshake,
            listening_port: 0,
            ip: None,
            capa_eof: false,
            capa_psync2: false,
            buffered: Vec::new(),
            ack_offset: 0,
            ack_time_ms: 0,
        }
    }

    pub fn is_replica(&self) -> bool {
        self.state != LinkState::Handshake
    }
}

impl Default for ReplicaLink {
    fn default() -> Self {
        Self::new()
    }
}

/// The replication backlog: the last `size` bytes of the stream.
pub struct Backlog {
    buf: Vec<u8>,
    /// Next write position in `buf`.
    idx: usize,
    /// Bytes held (≤ `buf.len()`).
    pub histlen: usize,
}

impl Backlog {
    fn new(size: usize) -> Backlog {
        Backlog { buf: vec![0; size.max(16 * 1024)], idx: 0, histlen: 0 }
    }

    fn feed(&mut self, mut data: &[u8]) {
        let size = self.buf.len();
        if data.len() > size {
            data = &data[data.len() - size..];
        }
        let first = (size - self.idx).min(data.len());
        self.buf[self.idx..self.idx + first].copy_from_slice(&data[..first]);
        let rest = data.len() - first;
        self.buf[..rest].copy_from_slice(&data[first..]);
        self.idx = (self.idx + data.len()) % size;
        self.histlen = (self.histlen + data.len()).min(size);
    }

    pub fn size(&self) -> usize {
        self.buf.len()
    }

    /// The last `n` bytes (n ≤ histlen).
    fn tail(&self, n: usize) -> Vec<u8> {
        let size = self.buf.len();
        let start = (self.idx + size - n) % size;
        let mut v = Vec::with_capacity(n);
        if start + n <= size {
            v.extend_from_slice(&self.buf[start..start + n]);
        } else {
            v.extend_from_slice(&self.buf[start..]);
            v.extend_from_slice(&self.buf[..n - (size - start)]);
        }
        v
    }
}

/// The master's replication state.
#[derive(Default)]
pub struct Repl {
    /// A backlog exists: the stream goes to replicas.
    pub active: bool,
    /// Writes are propagated (to replicas, the AOF or both): the
    /// dispatcher's test. `active` or the AOF on.
    pub propagate: bool,
    /// `master_repl_offset`: bytes of stream produced so far.
    pub offset: u64,
    pub backlog: Option<Backlog>,
    /// The database the stream last selected (`None`: SELECT next).
    pub seldb: Option<usize>,
    /// Commands waiting for the outermost command's end: (db, argv).
    pub pending: Vec<(usize, Vec<Bytes>)>,
    /// Nesting of `dispatch::run` (EXEC, scripts call commands).
    pub depth: u32,
    /// The running command's replacement arguments (`Ctx::propagate_as`).
    pub rewrite: Option<Vec<Bytes>>,
    /// The running command is not propagated itself (scripts, EXEC).
    pub prevent: bool,
    /// The running command is propagated even if it changed nothing
    /// (FLUSHALL/FLUSHDB, Redis's `forceCommandPropagation`).
    pub force: bool,
    /// Ids of replica clients (any state past the handshake).
    pub replicas: Vec<u64>,
    /// The BGSAVE started for replicas, if running.
    pub sync_bgsave: Option<u64>,
    pub last_ping: Option<Instant>,
    /// Clients blocked in WAIT.
    pub waiters: Vec<Waiter>,
    /// Deletions to propagate after the running command, each alone
    /// (keys SWAPDB found expired: Redis finds them after the command).
    pub deferred: Vec<(usize, Vec<Bytes>)>,
    /// INFO stats: full syncs served, PSYNCs continued and refused.
    pub sync_full: u64,
    pub sync_partial_ok: u64,
    pub sync_partial_err: u64,
    /// REPLICAOF host port: the master we follow (`server::replica` runs
    /// the link). Writes get READONLY, and while the link is down, with
    /// `replica-serve-stale-data no`, most commands MASTERDOWN.
    pub master: Option<(String, i64)>,
    /// The replica side's state (`server::replica`).
    pub side: super::replica::Side,
    /// `master_replid2` and `second_repl_offset`: the id we had before the
    /// last change of history, valid up to that offset (Redis's
    /// `shiftReplicationId`).
    pub replid2: Option<(String, u64)>,
    /// Scratch for encoding the stream.
    scratch: Vec<u8>,
}

/// What `dispatch::run` saves of an outer command around a nested one.
pub struct Saved {
    rewrite: Option<Vec<Bytes>>,
    prevent: bool,
    force: bool,
}

/// Before a handler runs (only while `active`).
#[inline]
pub fn before_call(srv: &mut Server) -> Saved {
    let r = &mut srv.repl;
    r.depth += 1;
    Saved { rewrite: r.rewrite.take(), prevent: std::mem::take(&mut r.prevent), force: std::mem::take(&mut r.force) }
}

/// After a handler ran (only if `before_call` did): records what the
/// command propagates; at the outermost level, writes it to the stream.
pub fn after_call(srv: &mut Server, client: &Client, args: &[Bytes], dirty: bool, saved: Saved) {
    collect_expired(srv);
    let r = &mut srv.repl;
    let rewrite = std::mem::replace(&mut r.rewrite, saved.rewrite);
    let prevent = std::mem::replace(&mut r.prevent, saved.prevent);
    let force = std::mem::replace(&mut r.force, saved.force);
    if (dirty || force) && !prevent {
        r.pending.push((client.db, rewrite.unwrap_or_else(|| args.to_vec())));
    }
    r.depth -= 1;
    if r.depth == 0 {
        // SCAN and RANDOMKEY (Redis's `touches-arbitrary-keys`) propagate
        // the keys they expired one by one, unwrapped.
        let arbitrary = args[0].eq_ignore_ascii_case(b"scan") || args[0].eq_ignore_ascii_case(b"randomkey");
        flush(srv, !arbitrary);
        if !srv.repl.deferred.is_empty() {
            for (db, argv) in std::mem::take(&mut srv.repl.deferred) {
                srv.repl.pending.push((db, argv));
                flush(srv, false);
            }
        }
    }
}

/// Recomputes `propagate` after replication or the AOF turned on or off.
pub fn refresh_propagate(srv: &mut Server) {
    srv.repl.propagate = srv.repl.active || srv.aof.on();
    // Expired keys are logged only while something takes the stream: a
    // log kept after the AOF is turned off would grow without end and go
    // out, stale, to the next replica.
    for db in &mut srv.keyspace.dbs {
        db.log_expired = srv.repl.propagate;
        if !srv.repl.propagate {
            db.expired_log.clear();
        }
    }
}

/// Keys the tables deleted because they expired go in as DEL (or UNLINK).
fn collect_expired(srv: &mut Server) {
    let lazy = srv.config.lazyfree_lazy_expire;
    for (i, db) in srv.keyspace.dbs.iter_mut().enumerate() {
        if db.expired_log.is_empty() {
            continue;
        }
        for key in db.expired_log.drain(..) {
            let name: &'static [u8] = if lazy { b"UNLINK" } else { b"DEL" };
            srv.repl.pending.push((i, vec![Bytes::from_static(name), Bytes::copy_from_slice(&key)]));
        }
    }
}

/// The keys deleted as expired so far by the running command go out after
/// it, each alone (SWAPDB: Redis finds them when it serves blocked
/// clients, after the command).
pub fn defer_expired(srv: &mut Server) {
    if !srv.repl.propagate {
        return;
    }
    let before = srv.repl.pending.len();
    collect_expired(srv);
    let found: Vec<_> = srv.repl.pending.drain(before..).collect();
    srv.repl.deferred.extend(found);
}

/// Propagates expired keys found outside a command (the active expiry
/// cycle, serving blocked clients after a command), each alone.
pub fn after_cron(srv: &mut Server) {
    if !srv.repl.propagate || srv.repl.depth != 0 {
        return;
    }
    collect_expired(srv);
    // Each deletion on its own, as Redis propagates them outside commands.
    let pending = std::mem::take(&mut srv.repl.pending);
    for (db, argv) in pending {
        emit(srv, db, &argv);
    }
}

/// An evicted key (Redis's `propagateDeletion` from `performEvictions`).
pub fn evicted(srv: &mut Server, db: usize, key: &[u8]) {
    if !srv.repl.propagate {
        return;
    }
    let name: &'static [u8] = if srv.config.lazyfree_lazy_eviction { b"UNLINK" } else { b"DEL" };
    let argv = vec![Bytes::from_static(name), Bytes::copy_from_slice(key)];
    if srv.repl.depth == 0 {
        emit(srv, db, &argv);
    } else {
        srv.repl.pending.push((db, argv));
    }
}

/// Writes the pending commands (Redis's `propagatePendingCommands`).
pub fn flush(srv: &mut Server, may_wrap: bool) {
    if srv.repl.pending.is_empty() {
        return;
    }
    let pending = std::mem::take(&mut srv.repl.pending);
    let wrap = may_wrap && pending.len() > 1;
    if wrap {
        emit(srv, pending[0].0, &[Bytes::from_static(b"MULTI")]);
    }
    for (db, argv) in &pending {
        emit(srv, *db, argv);
    }
    if wrap {
        emit(srv, pending[pending.len() - 1].0, &[Bytes::from_static(b"EXEC")]);
    }
    let mut pending = pending;
    pending.clear();
    if srv.repl.pending.is_empty() {
        srv.repl.pending = pending;
    }
}

/// Appends one command to the AOF (with its own SELECT state) and to the
/// replication stream, with SELECT first if needed. A replica
/// (REPLICAOF host port) never propagates its own writes to replicas.
fn emit(srv: &mut Server, db: usize, argv: &[Bytes]) {
    if srv.aof.on() {
        super::aof::feed(srv, db, argv);
    }
    if !srv.repl.active || srv.repl.master.is_some() {
        return;
    }
    let mut buf = std::mem::take(&mut srv.repl.scratch);
    buf.clear();
    if srv.repl.seldb != Some(db) {
        let n = db.to_string();
        encode(&mut buf, &[b"SELECT", n.as_bytes()]);
        srv.repl.seldb = Some(db);
    }
    encode(&mut buf, argv);
    feed(srv, &buf);
    srv.repl.scratch = buf;
}

fn encode<A: AsRef<[u8]>>(buf: &mut Vec<u8>, argv: &[A]) {
    buf.push(b'*');
    buf.extend_from_slice(argv.len().to_string().as_bytes());
    buf.extend_from_slice(b"\r\n");
    for a in argv {
        let a = a.as_ref();
        buf.push(b'$');
        buf.extend_from_slice(a.len().to_string().as_bytes());
        buf.extend_from_slice(b"\r\n");
        buf.extend_from_slice(a);
        buf.extend_from_slice(b"\r\n");
    }
}

/// Raw stream bytes: backlog, offset, every replica.
fn feed(srv: &mut Server, data: &[u8]) {
    if !srv.repl.active {
        return;
    }
    if let Some(b) = srv.repl.backlog.as_mut() {
        b.feed(data);
    }
    srv.repl.offset += data.len() as u64;
    for &id in &srv.repl.replicas {
        let Some(slot) = srv.clients.get(id) else { continue };
        let Ok(mut c) = slot.state.try_borrow_mut() else {
            crate::log::warning("replication: a replica's state was busy; its stream is now broken");
            continue;
        };
        let Some(link) = c.repl.as_deref_mut() else { continue };
        match link.state {
            LinkState::Online => {
                c.out.buf.extend_from_slice(data);
                slot.wake.notify_one();
            }
            LinkState::WaitBgsaveEnd(_) => link.buffered.extend_from_slice(data),
            LinkState::WaitBgsaveStart | LinkState::Handshake => {}
        }
    }
}

/// Turns propagation on (the first replica): a new replication id and a
/// backlog, as Redis's `syncCommand` does for the first replica.
fn activate(srv: &mut Server) {
    if srv.repl.active {
        return;
    }
    srv.replid = super::random_hex40();
    let size = backlog_size(srv);
    srv.repl.backlog = Some(Backlog::new(size));
    srv.repl.active = true;
    srv.repl.propagate = true;
    srv.repl.last_ping = Some(Instant::now());
    for db in &mut srv.keyspace.dbs {
        db.log_expired = true;
    }
}

fn backlog_size(srv: &Server) -> usize {
    srv.config.other.get("repl-backlog-size").and_then(|v| v.parse::<usize>().ok()).unwrap_or(1 << 20)
}

/// The result of PSYNC/SYNC for the handler to write.
pub enum SyncStart {
    /// Full resync at this offset.
    Full(u64),
    /// Partial: the backlog bytes to send after `+CONTINUE`.
    Continue(Vec<u8>),
}

/// SYNC/PSYNC from `client`: a partial resync if `psync` names our replid
/// and an offset the backlog still holds, else a full one.
pub fn start_sync(srv: &mut Server, client: &mut Client, psync: Option<(&[u8], i64)>) -> SyncStart {
    let known = |replid: &[u8], off: i64| {
        replid == srv.replid.as_bytes()
            || srv.repl.replid2.as_ref().is_some_and(|(id, upto)| replid == id.as_bytes() && off as u64 <= *upto)
    };
    if let Some((replid, off)) = psync
        && srv.repl.active
        && known(replid, off)
        && let Some(b) = srv.repl.backlog.as_ref()
    {
        let first = srv.repl.offset - b.histlen as u64 + 1;
        if off >= 0 && (off as u64) >= first && (off as u64) <= srv.repl.offset + 1 {
            let n = (srv.repl.offset + 1 - off as u64) as usize;
            let data = b.tail(n);
            let link = client.repl.get_or_insert_with(Default::default);
            link.state = LinkState::Online;
            srv.repl.replicas.push(client.id);
            srv.repl.sync_partial_ok += 1;
            return SyncStart::Continue(data);
        }
    }
    if psync.is_some_and(|(replid, _)| replid != b"?") {
        srv.repl.sync_partial_err += 1;
    }
    srv.repl.sync_full += 1;
    activate(srv);
    let link = client.repl.get_or_insert_with(Default::default);
    srv.repl.replicas.push(client.id);
    link.state = LinkState::WaitBgsaveStart;
    // With a BGSAVE running (even one started for other replicas: joining
    // it would need their buffered stream copied) the replica waits for the
    // next one.
    if srv.persist.bgsave.is_none() {
        start_bgsave_for_replicas(srv, Some(client));
    }
    SyncStart::Full(srv.repl.offset)
}

/// Starts a BGSAVE for the replicas waiting for one; they buffer the stream
/// from now on. `current` is the client running the command, if any.
fn start_bgsave_for_replicas(srv: &mut Server, mut current: Option<&mut Client>) {
    if let Err(e) = super::save::bgsave_start(srv) {
        crate::log::warning(&format!("Can't start a BGSAVE for replication: {e}"));
        return;
    }
    let id = super::save::running_bgsave(srv).expect("started");
    srv.repl.sync_bgsave = Some(id);
    // The stream after the snapshot starts with a SELECT.
    srv.repl.seldb = None;
    let start = |c: &mut Client| {
        if let Some(link) = c.repl.as_deref_mut()
            && link.state == LinkState::WaitBgsaveStart
        {
            link.state = LinkState::WaitBgsaveEnd(id);
            link.buffered.clear();
        }
    };
    for &rid in &srv.repl.replicas {
        if let Some(c) = current.as_deref_mut().filter(|c| c.id == rid) {
            start(c);
            continue;
        }
        if let Some(mut c) = srv.clients.get(rid).and_then(|s| s.state.try_borrow_mut().ok()) {
            start(&mut c);
        }
    }
}

/// A BGSAVE ended (`server::save`): replicas waiting for it get the RDB
/// and their buffered stream, or are dropped if it failed.
pub fn bgsave_done(srv: &mut Server, id: u64, ok: bool, path: &std::path::Path) {
    if srv.repl.sync_bgsave == Some(id) {
        srv.repl.sync_bgsave = None;
    }
    if srv.repl.replicas.is_empty() {
        return;
    }
    let rdb = if ok { std::fs::read(path).ok() } else { None };
    let mut waiting_start = false;
    for &rid in &srv.repl.replicas {
        let Some(slot) = srv.clients.get(rid) else { continue };
        let Ok(mut c) = slot.state.try_borrow_mut() else { continue };
        let c = &mut *c;
        let Some(link) = c.repl.as_deref_mut() else { continue };
        match link.state {
            LinkState::WaitBgsaveEnd(x) if x == id => match &rdb {
                Some(bytes) => {
                    c.out.buf.extend_from_slice(format!("${}\r\n", bytes.len()).as_bytes());
                    c.out.buf.extend_from_slice(bytes);
                    c.out.buf.extend_from_slice(&link.buffered);
                    link.buffered = Vec::new();
                    link.state = LinkState::Online;
                    crate::log::notice(&format!("Synchronization with replica {} succeeded", c.addr));
                    slot.wake.notify_one();
                }
                None => {
                    crate::log::warning("SYNC failed. BGSAVE child returned an error");
                    c.close_asap = true;
                    slot.wake.notify_one();
                }
            },
            LinkState::WaitBgsaveStart => waiting_start = true,
            _ => {}
        }
    }
    if waiting_start && srv.persist.bgsave.is_none() {
        start_bgsave_for_replicas(srv, None);
    }
}

/// The cron's part: replicas whose BGSAVE was abandoned are dropped,
/// replicas waiting for one get it started, PING every
/// `repl-ping-replica-period` seconds.
pub fn cron(srv: &mut Server) {
    if srv.repl.propagate {
        // Tables made since (DEBUG RELOAD, loading) log their expired keys.
        for db in &mut srv.keyspace.dbs {
            db.log_expired = true;
        }
    }
    if srv.repl.replicas.is_empty() {
        return;
    }
    srv.replicas_missing = crate::scripting::replicas_missing(srv);
    let running = super::save::running_bgsave(srv);
    let mut waiting_start = false;
    for &rid in &srv.repl.replicas {
        let Some(slot) = srv.clients.get(rid) else { continue };
        let Ok(mut c) = slot.state.try_borrow_mut() else { continue };
        let state = c.repl.as_ref().map(|l| l.state);
        match state {
            Some(LinkState::WaitBgsaveEnd(id)) if running != Some(id) && srv.repl.sync_bgsave != Some(id) => {
                c.close_asap = true;
                slot.wake.notify_one();
            }
            Some(LinkState::WaitBgsaveStart) => waiting_start = true,
            _ => {}
        }
    }
    if waiting_start && running.is_none() {
        start_bgsave_for_replicas(srv, None);
    }
    let period = srv.config.other.get("repl-ping-replica-period").and_then(|v| v.parse::<u64>().ok()).unwrap_or(10);
    let due = srv.repl.last_ping.is_none_or(|t| t.elapsed().as_secs() >= period.max(1));
    // A replica does not PING its replicas: they get its master's stream.
    if due && srv.repl.master.is_none() {
        srv.repl.last_ping = Some(Instant::now());
        // Redis's PING goes in its own db-less form; the stream's SELECT
        // state is unchanged.
        let mut buf = Vec::new();
        encode(&mut buf, &[b"PING"]);
        feed(srv, &buf);
    }
}

/// A replica client went away.
pub fn forget(srv: &mut Server, client: &Client) {
    if client.repl.as_ref().is_some_and(|l| l.is_replica()) {
        srv.repl.replicas.retain(|&id| id != client.id);
        crate::log::notice(&format!("Connection with replica {} lost.", client.addr));
        srv.replicas_missing = crate::scripting::replicas_missing(srv);
    }
}

/// Online replicas whose last ACK is at most `max_lag` seconds old
/// (`min-replicas-to-write`; Redis's `refreshGoodSlavesCount`).
pub fn good_replicas(srv: &Server, max_lag: i64) -> i64 {
    let now_s = srv.now_ms / 1000;
    let mut n = 0;
    for &rid in &srv.repl.replicas {
        if let Some(c) = srv.clients.get(rid).and_then(|s| s.state.try_borrow().ok())
            && let Some(l) = c.repl.as_ref()
            && l.state == LinkState::Online
            && now_s.saturating_sub(l.ack_time_ms / 1000) as i64 <= max_lag
        {
            n += 1;
        }
    }
    n
}

/// Replicas whose ack reached `offset` (WAIT). `current` is the client
/// running the command (its state is borrowed), which may be a replica.
pub fn acked(srv: &Server, offset: u64, current: Option<&Client>) -> i64 {
    let good = |c: &Client| c.repl.as_ref().is_some_and(|l| l.state == LinkState::Online && l.ack_offset >= offset);
    let mut n = 0;
    for &rid in &srv.repl.replicas {
        if let Some(cur) = current.filter(|c| c.id == rid) {
            n += i64::from(good(cur));
        } else if let Some(c) = srv.clients.get(rid).and_then(|s| s.state.try_borrow().ok()) {
            n += i64::from(good(&c));
        }
    }
    n
}

/// A client blocked in WAIT.
pub struct Waiter {
    pub client: u64,
    pub offset: u64,
    pub replicas: i64,
}

/// After an ACK: WAITs that now have enough replicas answer; the others
/// keep the current count as their timeout answer.
pub fn serve_waiters(srv: &mut Server, current: Option<&Client>) {
    if srv.repl.waiters.is_empty() {
        return;
    }
    let waiters = std::mem::take(&mut srv.repl.waiters);
    let mut kept = Vec::new();
    for w in waiters {
        let Some(slot) = srv.clients.get(w.client).cloned() else { continue };
        let Ok(mut c) = slot.state.try_borrow_mut() else {
            kept.push(w);
            continue;
        };
        let Some(b) = c.blocked.as_mut() else { continue };
        if !matches!(b.on_timeout, super::client::TimeoutReply::Int(_)) {
            continue;
        }
        let n = acked(srv, w.offset, current);
        b.on_timeout = super::client::TimeoutReply::Int(n);
        if n >= w.replicas {
            super::blocking::time_out(srv, &mut c);
            slot.wake.notify_one();
        } else {
            kept.push(w);
        }
    }
    srv.repl.waiters = kept;
}

/// Asks every replica for an ACK (`REPLCONF GETACK *`), as Redis's
/// `beforeSleep` does for WAIT. Goes through the stream.
pub fn request_acks(srv: &mut Server) {
    if srv.repl.replicas.is_empty() || srv.repl.master.is_some() {
        return;
    }
    let mut buf = Vec::new();
    encode(&mut buf, &[&b"REPLCONF"[..], b"GETACK", b"*"]);
    feed(srv, &buf);
}

/// (ip, port, state, offset, lag) of each replica, for INFO and ROLE.
pub fn replica_rows(srv: &Server) -> Vec<(String, i64, &'static str, u64, u64)> {
    let now_s = srv.now_ms / 1000;
    let mut rows = Vec::new();
    for &rid in &srv.repl.replicas {
        let Some(c) = srv.clients.get(rid).and_then(|s| s.state.try_borrow().ok()) else { continue };
        let Some(l) = c.repl.as_ref() else { continue };
        let ip = l.ip.clone().unwrap_or_else(|| c.addr.rsplit_once(':').map_or(c.addr.clone(), |(h, _)| h.to_string()));
        let state = match l.state {
            LinkState::Online => "online",
            LinkState::WaitBgsaveStart | LinkState::WaitBgsaveEnd(_) => "wait_bgsave",
            LinkState::Handshake => continue,
        };
        rows.push((ip, l.listening_port, state, l.ack_offset, now_s.saturating_sub(l.ack_time_ms / 1000)));
    }
    rows
}

impl crate::commands::Ctx<'_> {
    /// Is the stream on? Handlers test it before building a rewritten form.
    #[inline]
    pub fn propagating(&self) -> bool {
        self.srv.repl.propagate
    }

    /// Propagate the running command as `argv` (if it changed the
    /// dataset), Redis's `rewriteClientCommandVector`.
    pub fn propagate_as(&mut self, argv: Vec<Bytes>) {
        if self.srv.repl.propagate {
            self.srv.repl.rewrite = Some(argv);
        }
    }

    /// Propagate `argv` in database `db` now, before the running command
    /// (Redis's `alsoPropagate`).
    pub fn also_propagate(&mut self, db: usize, argv: Vec<Bytes>) {
        if self.srv.repl.propagate {
            self.srv.repl.pending.push((db, argv));
        }
    }

    /// The running command is not propagated itself (Redis's
    /// `preventCommandPropagation`): EXEC, scripts, SPOP with a count.
    pub fn prevent_propagation(&mut self) {
        self.srv.repl.prevent = true;
    }

    /// Propagate the running command even if it changed nothing.
    pub fn force_propagation(&mut self) {
        self.srv.repl.force = true;
    }
}

/// A shared argument (Redis's `shared.*` objects).
pub fn word(w: &'static str) -> Bytes {
    Bytes::from_static(w.as_bytes())
}

/// A number as an argument.
pub fn num(n: i64) -> Bytes {
    Bytes::from(n.to_string())
}

/// INFO's replication section (after its header).
pub fn info(srv: &Server, out: &mut String) {
    use std::fmt::Write;
    let rows = replica_rows(srv);
    let r = &srv.repl;
    match &r.master {
        None => out.push_str("role:master\r\n"),
        Some(_) => {
            out.push_str("role:slave\r\n");
            super::replica::info(srv, out);
        }
    }
    let _ = write!(out, "connected_slaves:{}\r\n", rows.len());
    for (i, (ip, port, state, offset, lag)) in rows.iter().enumerate() {
        let _ = write!(out, "slave{i}:ip={ip},port={port},state={state},offset={offset},lag={lag}\r\n");
    }
    let (size, first, histlen) = match &r.backlog {
        Some(b) => (b.size(), r.offset + 1 - b.histlen as u64, b.histlen),
        None => (backlog_size(srv), 0, 0),
    };
    let _ = write!(
        out,
        "master_failover_state:no-failover\r\nmaster_replid:{}\r\n\
         master_replid2:{}\r\nmaster_repl_offset:{}\r\n\
         second_repl_offset:{}\r\nrepl_backlog_active:{}\r\nrepl_backlog_size:{}\r\n\
         repl_backlog_first_byte_offset:{}\r\nrepl_backlog_histlen:{}\r\n",
        srv.replid,
        r.replid2.as_ref().map_or("0000000000000000000000000000000000000000", |(id, _)| id.as_str()),
        r.offset,
        r.replid2.as_ref().map_or(-1, |(_, o)| *o as i64),
        u8::from(r.backlog.is_some()),
        size,
        first,
        histlen
    );
}

/// A yes/no directive kept as text (default when never set).
fn config_yes(srv: &Server, name: &str, default: bool) -> bool {
    srv.config.other.get(name).map_or(default, |v| v.eq_ignore_ascii_case("yes"))
}

/// What a command gets while we are a replica whose link is down
/// (Redis's `processCommand`): READONLY for writes with
/// `replica-read-only`, MASTERDOWN for commands not flagged `stale` with
/// `replica-serve-stale-data no`.
pub fn as_replica_refuses(srv: &Server, write: bool, deny_stale: bool) -> Option<crate::commands::CmdError> {
    if write && config_yes(srv, "replica-read-only", true) {
        return Some(crate::commands::CmdError::text("READONLY You can't write against a read only replica."));
    }
    if deny_stale && !super::replica::link_up(srv) && !config_yes(srv, "replica-serve-stale-data", true) {
        return Some(crate::commands::CmdError::text(
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        ));
    }
    None
}

/// REPLICAOF host port: become a replica of `host:port` (the link task
/// of `server::replica` connects). What the running command (and its
/// transaction) had to propagate is dropped. False if already following
/// that master.
pub fn follow(srv: &mut Server, host: &str, port: i64) -> bool {
    if srv.repl.master.as_ref().is_some_and(|(h, p)| h.eq_ignore_ascii_case(host) && *p == port) {
        return false;
    }
    srv.repl.pending.clear();
    srv.repl.prevent = true;
    let was_master = srv.repl.master.is_none();
    srv.repl.master = Some((host.to_string(), port));
    // CONFIG GET/REWRITE replicaof show the master we follow.
    srv.config.other.insert("replicaof".into(), format!("{host} {port}"));
    // Clients blocked in WAIT or on keys give up (Redis's
    // `disconnectAllBlockedClients` is for keys; WAIT answers as timed out).
    super::replica::start(srv, host, port, was_master);
    true
}

/// REPLICAOF NO ONE: a master again, keeping the data; the replication id
/// changes, the old one stays valid up to our offset (Redis's
/// `shiftReplicationId`), so our replicas can continue with PSYNC.
pub fn unfollow(srv: &mut Server) {
    if srv.repl.master.take().is_some() {
        srv.config.other.remove("replicaof");
        super::replica::stop(srv);
        drop_replicas(srv);
        srv.repl.replid2 = Some((std::mem::replace(&mut srv.replid, super::random_hex40()), srv.repl.offset + 1));
        crate::log::notice(&format!(
            "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
            srv.repl.replid2.as_ref().map_or("", |(id, _)| id.as_str()),
            srv.repl.offset + 1,
            srv.replid
        ));
        // The next SELECT must be emitted: our replicas' stream had the
        // master's.
        srv.repl.seldb = None;
        crate::log::notice("MASTER MODE enabled (user request from 'id=?')");
    }
}

/// The stream bytes our master sent, applied: to our backlog, offset and
/// replicas, verbatim (Redis's `replicationFeedStreamFromMasterStream`).
pub fn proxy(srv: &mut Server, data: &[u8]) {
    feed(srv, data);
}

/// A full sync from our master ended: its replid and offset are ours,
/// the backlog starts afresh from there.
pub fn full_sync_done(srv: &mut Server, replid: String, offset: u64) {
    srv.replid = replid;
    srv.repl.offset = offset;
    srv.repl.replid2 = None;
    srv.repl.backlog = Some(Backlog::new(backlog_size(srv)));
    srv.repl.active = true;
    srv.repl.last_ping = Some(Instant::now());
    refresh_propagate(srv);
}

/// `+CONTINUE [replid]` from our master: a new id shifts ours (the old one
/// stays valid up to our offset) and our replicas must reconnect.
pub fn continue_from_master(srv: &mut Server, new_id: Option<String>) {
    if let Some(id) = new_id
        && id != srv.replid
    {
        crate::log::warning(&format!("Master replication ID changed to {id}"));
        srv.repl.replid2 = Some((std::mem::replace(&mut srv.replid, id), srv.repl.offset + 1));
        drop_replicas(srv);
    }
    if srv.repl.backlog.is_none() {
        srv.repl.backlog = Some(Backlog::new(backlog_size(srv)));
        srv.repl.active = true;
        refresh_propagate(srv);
    }
}

/// Disconnects our replicas (Redis's `disconnectSlaves`).
pub fn drop_replicas(srv: &mut Server) {
    for id in std::mem::take(&mut srv.repl.replicas) {
        srv.clients.kill(id);
    }
}
