//! The replica side of replication (Redis's `replication.c` for a
//! replica: `connectWithMaster`, `syncWithMaster`,
//! `slaveTryPartialResynchronization`, `readSyncBulkPayload`,
//! `replicationCron`).
//!
//! **The link task.** `REPLICAOF host port` (or the `replicaof` directive)
//! starts one task on the command thread's `LocalSet` for the master it
//! names (`Side::epoch` identifies it: a task whose epoch is no longer
//! current ends at its next step). It connects, handshakes as Redis 7.0
//! does (PING, AUTH with `masteruser`/`masterauth`, `REPLCONF
//! listening-port`, `REPLCONF ip-address` with `replica-announce-ip`,
//! `REPLCONF capa eof capa psync2`, then `PSYNC <replid> <offset+1>` when
//! it has a master state to continue — ours after REPLICAOF, the lost
//! master's after a disconnection — or `PSYNC ? -1`), and on `+FULLRESYNC`
//! receives the RDB (`$<len>` or the diskless `$EOF:<mark>` form), which
//! `server::save` writes to `dbfilename` and loads on a thread (clients get
//! LOADING meanwhile) before it replaces the dataset. On failure it tries
//! again a second later, as Redis's `replicationCron`. No borrow of the
//! state crosses an `.await`.
//!
//! **The stream.** Once synced, the connection becomes the master client
//! (`Client::master`: flag `M`, type `master`, `must_obey`) in the client
//! registry; the task reads into its query buffer and runs each command
//! through `dispatch::execute_obeyed`, dropping the replies. The bytes of
//! each command applied (outside MULTI: a transaction's bytes after its
//! EXEC) are fed verbatim to our backlog and our own replicas
//! (`replication::proxy`, Redis's `replicationFeedStreamFromMasterStream`)
//! and advance `master_repl_offset`; the commands' effects reach the AOF
//! through the dispatcher as any command's. `REPLCONF ACK <offset>` goes
//! out every second and after `REPLCONF GETACK`. A master silent for
//! `repl-timeout` seconds is dropped.
//!
//! **Expiry.** While a replica, the key tables never delete expired keys
//! (`Db::replica`): reads answer them as missing, the master's DELs remove
//! them, and the master's own commands see them as live
//! (`Db::obey_master`). The active expiry cycle does not run.
//!
//! May import: `server` state, `dispatch`, `save`, `replication`, `protocol`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Server;
use super::client::Client;
use super::clients::ClientSlot;
use crate::protocol::decode::Limits;

/// Redis's `repl_state`, as ROLE names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    /// Not a replica.
    #[default]
    None,
    /// Waiting for the next attempt.
    Connect,
    /// TCP connect under way.
    Connecting,
    /// PING, AUTH, REPLCONF, PSYNC.
    Handshake,
    /// Receiving the RDB.
    Transfer,
    /// The master client is streaming.
    Connected,
}

impl State {
    fn role_name(self) -> &'static str {
        match self {
            State::None => "none",
            State::Connect => "connect",
            State::Connecting => "connecting",
            State::Handshake => "handshake",
            State::Transfer => "sync",
            State::Connected => "connected",
        }
    }
}

/// Our state as a replica.
#[derive(Default)]
pub struct Side {
    /// The current link task's generation (bumped by REPLICAOF).
    pub epoch: u64,
    pub state: State,
    /// The master client's id while connected.
    pub client: Option<u64>,
    /// We hold a master's state to continue from (Redis's cached master,
    /// or our own after REPLICAOF): PSYNC names `replid`/`offset + 1`.
    pub cached: bool,
    /// `slave_read_repl_offset`: stream bytes read from the master.
    pub read_offset: u64,
    /// Unix ms the link went down (`master_link_down_since_seconds`).
    pub down_since_ms: Option<u64>,
    /// Unix ms of the last byte from the master.
    pub last_io_ms: u64,
    /// The RDB transfer's size (-1 while unknown: EOF mark) and progress.
    pub transfer_size: i64,
    pub transfer_read: u64,
    /// The database the master's stream has selected (after the last
    /// applied command): a snapshot of ours records it.
    pub stream_db: usize,
    /// A `REPLCONF GETACK` was just run by the master client.
    pub ack_now: bool,
    /// Bytes at the front of the unfed stream applied inside a transaction
    /// not yet ended (fed with its EXEC).
    pub held: usize,
    /// The bytes of the master's command CLIENT PAUSE holds back (they
    /// follow `held`).
    pub postponed_len: usize,
}

/// Is the link to our master up (`repl_state == CONNECTED`)?
pub fn link_up(srv: &Server) -> bool {
    srv.repl.side.state == State::Connected
}

/// The database of the master's stream, when we are a connected replica.
pub fn stream_db(srv: &Server) -> Option<usize> {
    (srv.repl.master.is_some() && srv.repl.side.client.is_some()).then_some(srv.repl.side.stream_db)
}

/// REPLCONF GETACK from the master client: an ACK goes out after it.
pub fn getack(srv: &mut Server, client: &Client) {
    if client.master {
        srv.repl.side.ack_now = true;
    }
}

/// Becomes a replica of `host:port` (REPLICAOF, the `replicaof`
/// directive): the link task starts; a previous one ends. `was_master`:
/// our own replid and offset are what PSYNC tries first (Redis's
/// `replicationCacheMasterUsingMyself`).
pub fn start(srv: &mut Server, host: &str, port: i64, psync_myself: bool) {
    // The master we leave is cached: PSYNC tries to continue its history
    // with the new one (Redis's `replicationSetMaster`).
    let had_master = srv.repl.side.client.is_some();
    drop_master_client(srv);
    disconnect_blocked(srv);
    let side = &mut srv.repl.side;
    side.epoch += 1;
    side.state = State::Connect;
    side.cached = psync_myself || had_master || side.cached;
    side.read_offset = srv.repl.offset;
    if side.down_since_ms.is_none() {
        side.down_since_ms = Some(0);
    }
    for db in &mut srv.keyspace.dbs {
        db.replica = true;
    }
    crate::log::notice(&format!("Connecting to MASTER {host}:{port}"));
    let epoch = side.epoch;
    if let Some(server) = super::listener::server_handle(srv) {
        tokio::task::spawn_local(run(server, epoch));
    }
}

/// Clients blocked in a command (on keys, in WAIT) get an error and are
/// closed: the state they wait on belongs to another master now (Redis's
/// `disconnectAllBlockedClients`). Postponed clients (CLIENT PAUSE) stay.
pub fn disconnect_blocked(srv: &mut Server) {
    const MSG: &str = "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)";
    let slots: Vec<_> = srv.clients.iter().cloned().collect();
    for slot in slots {
        let Ok(mut c) = slot.state.try_borrow_mut() else { continue };
        if c.blocked.is_none() {
            continue;
        }
        super::blocking::unregister(srv, &mut c);
        srv.stats.error(MSG);
        c.out.error(MSG);
        c.close_after_reply = true;
        drop(c);
        slot.wake.notify_one();
    }
    let clients = &srv.clients;
    srv.repl
        .waiters
        .retain(|w| clients.get(w.client).is_some_and(|s| s.state.try_borrow().is_ok_and(|c| c.blocked.is_some())));
}

/// At startup, a snapshot that records its replication history
/// (`repl-id`, `repl-offset`, `repl-stream-db`) makes a replica continue
/// from it with PSYNC (Redis's `loadDataFromDisk` for a replica).
pub fn restore_history(srv: &mut Server, replid: String, offset: i64, db: Option<usize>) {
    if !srv.config.other.contains_key("replicaof") || offset < 0 {
        return;
    }
    srv.replid = replid;
    srv.repl.offset = offset as u64;
    srv.repl.side.cached = true;
    srv.repl.side.stream_db = db.unwrap_or(0);
}

/// REPLICAOF NO ONE: the link task ends, the master client goes.
pub fn stop(srv: &mut Server) {
    drop_master_client(srv);
    let side = &mut srv.repl.side;
    side.epoch += 1;
    side.state = State::None;
    side.cached = false;
    side.down_since_ms = None;
    for db in &mut srv.keyspace.dbs {
        db.replica = false;
    }
}

fn drop_master_client(srv: &mut Server) {
    if let Some(id) = srv.repl.side.client.take() {
        srv.clients.kill(id);
    }
}

/// The link task: connect, sync, stream; again a second after a failure
/// (Redis's `replicationCron`, which logs each new attempt).
async fn run(server: Rc<RefCell<Server>>, epoch: u64) {
    let mut retry = false;
    loop {
        if retry {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        {
            let mut srv = server.borrow_mut();
            if srv.repl.side.epoch != epoch {
                return;
            }
            if retry && let Some((host, port)) = &srv.repl.master {
                crate::log::notice(&format!("Connecting to MASTER {host}:{port}"));
            }
            srv.repl.side.state = State::Connecting;
        }
        retry = true;
        if let Err(Some(e)) = session(&server, epoch).await {
            crate::log::warning(&e);
        }
        let mut srv = server.borrow_mut();
        if srv.repl.side.epoch != epoch {
            return;
        }
        // (`master_link_down_since_seconds` counts from a lost link, not
        // from failed attempts.)
        srv.repl.side.state = State::Connect;
    }
}

/// `Err(Some(msg))`: log it; `Err(None)`: already logged.
type Outcome<T> = Result<T, Option<String>>;

/// The connection during the handshake and transfer: the socket and what
/// was read past the last line or payload.
struct Link {
    stream: TcpStream,
    buf: BytesMut,
    timeout: Duration,
}

impl Link {
    async fn fill(&mut self) -> Outcome<()> {
        self.buf.reserve(64 * 1024);
        match tokio::time::timeout(self.timeout, self.stream.read_buf(&mut self.buf)).await {
            Err(_) => Err(Some("Timeout connecting to the MASTER...".into())),
            Ok(Ok(0)) => Err(Some("Master closed the connection".into())),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(Some(format!("I/O error reading from MASTER: {e}"))),
        }
    }

    /// One reply line, without its end (a bare newline is a keepalive:
    /// an empty line).
    async fn line(&mut self) -> Outcome<String> {
        loop {
            if let Some(nl) = self.buf.iter().position(|&b| b == b'\n') {
                let raw = self.buf.split_to(nl + 1);
                let end = if nl > 0 && raw[nl - 1] == b'\r' { nl - 1 } else { nl };
                return Ok(String::from_utf8_lossy(&raw[..end]).into_owned());
            }
            self.fill().await?;
        }
    }

    /// A reply line, skipping keepalive newlines.
    async fn reply(&mut self) -> Outcome<String> {
        loop {
            let l = self.line().await?;
            if !l.is_empty() {
                return Ok(l);
            }
        }
    }

    async fn send(&mut self, data: &[u8]) -> Outcome<()> {
        match tokio::time::timeout(self.timeout, self.stream.write_all(data)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Some(format!("Sending command to master in replication handshake: {e}"))),
            Err(_) => Err(Some("Timeout sending to the MASTER".into())),
        }
    }
}

fn encode(out: &mut Vec<u8>, argv: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for a in argv {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// What PSYNC answered.
enum Psync {
    Full { replid: String, offset: u64 },
    Continue(Option<String>),
}

/// One connection to the master, from connect to its loss.
async fn session(server: &Rc<RefCell<Server>>, epoch: u64) -> Outcome<()> {
    let (host, port, timeout) = {
        let srv = server.borrow();
        let Some((h, p)) = srv.repl.master.clone() else { return Ok(()) };
        (h, p, Duration::from_secs(config_int(&srv, "repl-timeout", 60).max(1) as u64))
    };
    let addr = format!("{host}:{port}");
    crate::log::notice("MASTER <-> REPLICA sync started");
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(&addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(Some(format!("Error condition on socket for SYNC: {}", strerror(&e)))),
        Err(_) => return Err(Some("Timeout connecting to the MASTER...".into())),
    };
    let _ = stream.set_nodelay(true);
    crate::log::notice("Non blocking connect for SYNC fired the event.");
    let mut link = Link { stream, buf: BytesMut::new(), timeout };
    if !current(server, epoch, State::Handshake) {
        return Ok(());
    }
    // PING: +PONG, or an authentication error (AUTH comes next).
    link.send(b"*1\r\n$4\r\nPING\r\n").await?;
    let r = link.reply().await?;
    if !r.starts_with('+')
        && !r.starts_with("-NOAUTH")
        && !r.starts_with("-NOPERM")
        && !r.starts_with("-ERR operation not permitted")
    {
        return Err(Some(format!("Error reply to PING from master: '{r}'")));
    }
    crate::log::notice("Master replied to PING, replication can continue...");
    // AUTH, REPLCONF listening-port, ip-address, capa: sent at once, the
    // replies read in order.
    let (auth, listen_port, announce_ip) = {
        let srv = server.borrow();
        let user = config_text(&srv, "masteruser");
        let pass = config_text(&srv, "masterauth");
        let auth = (!pass.is_empty()).then(|| if user.is_empty() { vec![pass] } else { vec![user, pass] });
        let announce = config_int(&srv, "replica-announce-port", 0);
        let port = if announce != 0 { announce } else { i64::from(srv.tcp_port) };
        let ip = config_text(&srv, "replica-announce-ip");
        (auth, port, (!ip.is_empty()).then_some(ip))
    };
    let mut out = Vec::new();
    if let Some(a) = &auth {
        let mut argv: Vec<&[u8]> = vec![b"AUTH"];
        argv.extend(a.iter().map(|s| s.as_bytes()));
        encode(&mut out, &argv);
    }
    let port_s = listen_port.to_string();
    encode(&mut out, &[b"REPLCONF", b"listening-port", port_s.as_bytes()]);
    if let Some(ip) = &announce_ip {
        encode(&mut out, &[b"REPLCONF", b"ip-address", ip.as_bytes()]);
    }
    encode(&mut out, &[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"]);
    link.send(&out).await?;
    if auth.is_some() {
        let r = link.reply().await?;
        if let Some(e) = r.strip_prefix('-') {
            return Err(Some(format!("Unable to AUTH to MASTER: {e}")));
        }
    }
    let r = link.reply().await?;
    if let Some(e) = r.strip_prefix('-') {
        crate::log::notice(&format!("(Non critical) Master does not understand REPLCONF listening-port: {e}"));
    }
    if announce_ip.is_some() {
        let r = link.reply().await?;
        if let Some(e) = r.strip_prefix('-') {
            crate::log::notice(&format!("(Non critical) Master does not understand REPLCONF ip-address: {e}"));
        }
    }
    let r = link.reply().await?;
    if let Some(e) = r.strip_prefix('-') {
        crate::log::notice(&format!("(Non critical) Master does not understand REPLCONF capa: {e}"));
    }
    // PSYNC.
    let (psync_id, psync_off) = {
        let srv = server.borrow();
        if srv.repl.side.cached {
            (srv.replid.clone(), (srv.repl.offset + 1).to_string())
        } else {
            ("?".to_string(), "-1".to_string())
        }
    };
    if psync_id == "?" {
        crate::log::notice("Partial resynchronization not possible (no cached master)");
    } else {
        crate::log::notice(&format!("Trying a partial resynchronization (request {psync_id}:{psync_off})."));
    }
    let mut out = Vec::new();
    encode(&mut out, &[b"PSYNC", psync_id.as_bytes(), psync_off.as_bytes()]);
    link.send(&out).await?;
    let r = link.reply().await?;
    let psync = if let Some(rest) = r.strip_prefix("+FULLRESYNC") {
        let mut it = rest.split_whitespace();
        match (it.next(), it.next().and_then(|o| o.parse::<u64>().ok())) {
            (Some(id), Some(offset)) if id.len() == 40 => {
                crate::log::notice(&format!("Full resync from master: {id}:{offset}"));
                Psync::Full { replid: id.to_string(), offset }
            }
            _ => return Err(Some("Master replied with wrong +FULLRESYNC syntax.".into())),
        }
    } else if let Some(rest) = r.strip_prefix("+CONTINUE") {
        crate::log::notice("Successful partial resynchronization with master.");
        let id = rest.trim();
        Psync::Continue((id.len() == 40).then(|| id.to_string()))
    } else if r.starts_with("-NOMASTERLINK") || r.starts_with("-LOADING") {
        return Err(Some(format!("Master is currently unable to PSYNC but should be in the future: {r}")));
    } else {
        // Redis falls back to SYNC here; every master we meet knows PSYNC.
        if r.starts_with("-ERR") {
            crate::log::notice(&format!("Master does not support PSYNC or is in error state (reply: {r})"));
        } else {
            crate::log::warning(&format!("Unexpected reply to PSYNC from master: {r}"));
        }
        return Err(None);
    };
    let db;
    match psync {
        Psync::Continue(new_id) => {
            let mut srv = server.borrow_mut();
            if srv.repl.side.epoch != epoch {
                return Ok(());
            }
            super::replication::continue_from_master(&mut srv, new_id);
            db = srv.repl.side.stream_db;
            crate::log::notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        }
        Psync::Full { replid, offset } => {
            let aof_was_on;
            if !current(server, epoch, State::Transfer) {
                return Ok(());
            }
            let (data, eof) = receive_rdb(server, epoch, &mut link).await?;
            let rx = {
                let mut srv = server.borrow_mut();
                if srv.repl.side.epoch != epoch {
                    return Ok(());
                }
                // Redis's `replicationAttachToNewMaster`: our replicas must
                // sync again, the backlog restarts.
                super::replication::drop_replicas(&mut srv);
                // The AOF restarts from the new dataset (Redis stops it
                // here and rewrites it after the load).
                aof_was_on = srv.aof.on();
                if aof_was_on {
                    super::aof::stop(&mut srv);
                }
                crate::log::notice("MASTER <-> REPLICA sync: Flushing old data");
                crate::log::notice("MASTER <-> REPLICA sync: Loading DB in memory");
                super::save::start_loading_bytes(&mut srv, data)
            };
            match super::save::finish_loading_bytes(server, rx).await {
                Ok(d) => db = d.unwrap_or(0),
                Err(e) => {
                    crate::log::warning(&format!(
                        "Failed trying to load the MASTER synchronization DB from disk, check server logs. ({e})"
                    ));
                    return Err(None);
                }
            }
            let ack = {
                let mut srv = server.borrow_mut();
                if srv.repl.side.epoch != epoch {
                    return Ok(());
                }
                super::replication::full_sync_done(&mut srv, replid, offset);
                crate::log::notice("MASTER <-> REPLICA sync: Finished with success");
                if aof_was_on && super::aof::start(&mut srv, false).is_err() {
                    crate::log::warning(
                        "Failed enabling the AOF after successful master synchronization! Trying it again in one \
                         second.",
                    );
                }
                ack_bytes(srv.repl.offset)
            };
            if eof {
                // The diskless master puts us online on our first ACK.
                link.send(&ack).await?;
            }
        }
    }
    serve_master(server, epoch, link, db).await
}

/// Sets the state if the task is still current.
fn current(server: &RefCell<Server>, epoch: u64, state: State) -> bool {
    let mut srv = server.borrow_mut();
    if srv.repl.side.epoch != epoch {
        return false;
    }
    srv.repl.side.state = state;
    true
}

/// Reads the RDB payload: `$<len>\r\n<bytes>` or `$EOF:<mark>\r\n<bytes><mark>`.
/// Returns it and whether the EOF form was used.
async fn receive_rdb(server: &RefCell<Server>, epoch: u64, link: &mut Link) -> Outcome<(Vec<u8>, bool)> {
    let head = link.reply().await?;
    if !head.starts_with('$') {
        return Err(Some(format!(
            "Bad protocol from MASTER, the first byte is not '$' (we received '{head}'), are you sure the host and \
             port are right?"
        )));
    }
    if let Some(mark) = head.strip_prefix("$EOF:").filter(|m| m.len() >= 40) {
        let mark = mark.as_bytes()[..40].to_vec();
        crate::log::notice(&format!(
            "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF {}",
            "to disk"
        ));
        set_transfer(server, epoch, 0, 0);
        let mut data: Vec<u8> = Vec::new();
        loop {
            let searched_from = data.len().saturating_sub(mark.len());
            data.extend_from_slice(&link.buf);
            link.buf.clear();
            if let Some(p) = data[searched_from..].windows(mark.len()).position(|w| w == mark.as_slice()) {
                let end = searched_from + p;
                link.buf.extend_from_slice(&data[end + mark.len()..]);
                data.truncate(end);
                set_transfer(server, epoch, 0, data.len() as u64);
                return Ok((data, true));
            }
            set_transfer(server, epoch, 0, data.len() as u64);
            link.fill().await?;
        }
    }
    let len: usize = head[1..].trim().parse().map_err(|_| Some(format!("Bad bulk length from MASTER: {head}")))?;
    crate::log::notice(&format!("MASTER <-> REPLICA sync: receiving {len} bytes from master to disk"));
    set_transfer(server, epoch, len as i64, 0);
    while link.buf.len() < len {
        set_transfer(server, epoch, len as i64, link.buf.len() as u64);
        link.fill().await?;
    }
    let data = link.buf.split_to(len).to_vec();
    Ok((data, false))
}

fn set_transfer(server: &RefCell<Server>, epoch: u64, size: i64, read: u64) {
    let mut srv = server.borrow_mut();
    if srv.repl.side.epoch != epoch {
        return;
    }
    let now = crate::util::time::unix_ms();
    let side = &mut srv.repl.side;
    side.transfer_size = size;
    side.transfer_read = read;
    side.last_io_ms = now;
}

fn ack_bytes(offset: u64) -> Vec<u8> {
    let mut out = Vec::new();
    encode(&mut out, &[b"REPLCONF", b"ACK", offset.to_string().as_bytes()]);
    out
}

/// The master client's life: it joins the registry, its commands run,
/// ACKs go out, until the connection is lost or killed.
async fn serve_master(server: &Rc<RefCell<Server>>, epoch: u64, link: Link, db: usize) -> Outcome<()> {
    let Link { stream, buf, timeout } = link;
    let slot = {
        let mut srv = server.borrow_mut();
        if srv.repl.side.epoch != epoch {
            return Ok(());
        }
        let id = srv.clients.next_id();
        let addr = stream.peer_addr().map(|a| a.to_string()).unwrap_or_default();
        let laddr = stream.local_addr().map(|a| a.to_string()).unwrap_or_default();
        let fd = {
            use std::os::fd::AsRawFd;
            stream.as_raw_fd()
        };
        let mut c = Client::new(id, addr, laddr, fd, true);
        c.master = true;
        c.deny_blocking = true;
        c.db = db;
        c.query.extend_from_slice(&buf);
        c.last_interaction_ms = srv.now_ms;
        let slot = srv.clients.add(c, stream);
        let now = crate::util::time::unix_ms();
        let read_offset = srv.repl.offset + buf.len() as u64;
        let side = &mut srv.repl.side;
        side.client = Some(id);
        side.held = 0;
        side.postponed_len = 0;
        side.state = State::Connected;
        side.cached = false;
        side.stream_db = db;
        side.last_io_ms = now;
        side.down_since_ms = None;
        side.read_offset = read_offset;
        slot
    };
    // The bytes read and not yet fed to our own stream (the query buffer's
    // raw form: a command's bytes are fed once it has been applied).
    let mut raw: Vec<u8> = buf.to_vec();
    let mut args: Vec<Bytes> = Vec::new();
    let mut last_ack = Instant::now();
    let lost = loop {
        let (out, close) = {
            let mut srv = server.borrow_mut();
            if srv.repl.side.epoch != epoch {
                break None;
            }
            let mut c = slot.state.borrow_mut();
            if c.close_asap {
                break Some("Connection with master lost.");
            }
            let mut out = Vec::new();
            apply(&mut srv, &mut c, &mut raw, &mut args, &mut out);
            if super::aof::needs_flush(&srv) {
                super::aof::write_buf(&mut srv, false);
            }
            if last_ack.elapsed() >= Duration::from_secs(1) {
                last_ack = Instant::now();
                out.extend_from_slice(&ack_bytes(srv.repl.offset));
            }
            let now = crate::util::time::unix_ms();
            let close = now.saturating_sub(srv.repl.side.last_io_ms) > timeout.as_millis() as u64;
            (out, close)
        };
        if close {
            crate::log::warning("MASTER timeout: no data nor PING received...");
            break Some("Connection with master lost.");
        }
        if !out.is_empty() && !write_all(&slot.stream, &out).await {
            break Some("Connection with master lost.");
        }
        let tick = Duration::from_secs(1).saturating_sub(last_ack.elapsed());
        tokio::select! {
            biased;
            () = slot.wake.notified() => {}
            ready = slot.stream.readable() => {
                if ready.is_err() || !read_some(server, &slot, &mut raw) {
                    break Some("Connection with master lost.");
                }
            }
            () = tokio::time::sleep(tick) => {}
        }
    };
    let mut srv = server.borrow_mut();
    {
        let mut c = slot.state.borrow_mut();
        super::connection::disconnect(&mut srv, &mut c);
    }
    if srv.repl.side.epoch == epoch {
        let offset = srv.repl.offset;
        let side = &mut srv.repl.side;
        side.client = None;
        // Redis's `replicationCacheMaster`: the next PSYNC continues from
        // what was applied.
        side.cached = true;
        side.down_since_ms = Some(crate::util::time::unix_ms());
        side.state = State::Connect;
        side.read_offset = offset;
    }
    drop(srv);
    let _ = socket2::SockRef::from(&slot.stream).shutdown(std::net::Shutdown::Both);
    if let Some(msg) = lost {
        crate::log::notice(msg);
        crate::log::notice("Caching the disconnected master state.");
    }
    Ok(())
}

async fn write_all(stream: &TcpStream, mut data: &[u8]) -> bool {
    while !data.is_empty() {
        if stream.writable().await.is_err() {
            return false;
        }
        match stream.try_write(data) {
            Ok(0) => return false,
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return false,
        }
    }
    true
}

/// Reads what arrived into the master client's query buffer (and `raw`).
fn read_some(server: &RefCell<Server>, slot: &ClientSlot, raw: &mut Vec<u8>) -> bool {
    let mut c = slot.state.borrow_mut();
    c.query.reserve(64 * 1024);
    let before = c.query.len();
    match slot.stream.try_read_buf(&mut c.query) {
        Ok(0) => false,
        Ok(n) => {
            raw.extend_from_slice(&c.query[before..]);
            let mut srv = server.borrow_mut();
            srv.stats.net_input_bytes += n as u64;
            let now = crate::util::time::unix_ms();
            c.last_interaction_ms = now;
            srv.repl.side.last_io_ms = now;
            srv.repl.side.read_offset += n as u64;
            true
        }
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
    }
}

/// Runs the complete commands in the master client's query buffer and
/// feeds their bytes to our own stream (a transaction's after its EXEC).
/// ACKs asked for by GETACK go into `out`.
fn apply(srv: &mut Server, c: &mut Client, raw: &mut Vec<u8>, args: &mut Vec<Bytes>, out: &mut Vec<u8>) {
    let limits = Limits { max_bulk_len: i64::MAX, authenticated: true };
    // Bytes of `raw` applied (a transaction still open holds its bytes
    // from an earlier batch); of those, the ones outside a transaction.
    let (mut applied, mut ready) = (srv.repl.side.held, 0usize);
    srv.clock_us = None;
    // A command CLIENT PAUSE held back runs first once released; while it
    // waits nothing after it runs.
    match c.postponed.take() {
        Some(super::client::Postponed::Released(held)) => {
            run_one(srv, c, &held, out, ready);
            if c.postponed.is_none() {
                applied += std::mem::take(&mut srv.repl.side.postponed_len);
                if c.multi.is_none() {
                    ready = applied;
                }
            }
        }
        other => c.postponed = other,
    }
    while !c.close_asap && c.postponed.is_none() {
        let before = c.query.len();
        let Client { decoder, query, .. } = &mut *c;
        match decoder.decode(query, args, limits) {
            Ok(true) => {
                let consumed = before - c.query.len();
                if !args.is_empty() {
                    run_one(srv, c, args, out, ready);
                    if c.postponed.is_some() {
                        // Its bytes count once it has run.
                        srv.repl.side.postponed_len = consumed;
                        break;
                    }
                }
                applied += consumed;
                if c.multi.is_none() {
                    ready = applied;
                }
            }
            Ok(false) => break,
            Err(e) => {
                crate::log::warning(&format!("Protocol error from MASTER: {e}"));
                c.close_asap = true;
                break;
            }
        }
    }
    args.clear();
    srv.repl.side.held = applied - ready;
    if ready > 0 {
        super::replication::proxy(srv, &raw[..ready]);
        raw.drain(..ready);
    }
    srv.repl.side.stream_db = c.db;
}

/// Runs one command of the master's; `ready`: bytes applied so far
/// outside a transaction (an ACK asked for reports them).
fn run_one(srv: &mut Server, c: &mut Client, args: &[Bytes], out: &mut Vec<u8>, ready: usize) {
    super::dispatch::execute_obeyed(srv, c, args);
    if c.out.buf.first() == Some(&b'-') {
        let text = c.out.buf.strip_suffix(b"\r\n").unwrap_or(&c.out.buf);
        crate::log::warning(&format!(
            "== CRITICAL == This replica is sending an error to its master: '{}' after processing the command '{}'",
            String::from_utf8_lossy(&text[1..]),
            String::from_utf8_lossy(&args[0])
        ));
    }
    c.out.buf.clear();
    if std::mem::take(&mut srv.repl.side.ack_now) {
        out.extend_from_slice(&ack_bytes(srv.repl.offset + ready as u64));
    }
}

/// INFO replication's replica lines (after `role:slave`).
pub fn info(srv: &Server, out: &mut String) {
    use std::fmt::Write;
    let side = &srv.repl.side;
    let Some((host, port)) = &srv.repl.master else { return };
    let now = crate::util::time::unix_ms();
    let (reploff, read) =
        if side.client.is_some() || side.cached { (srv.repl.offset, side.read_offset) } else { (1, 1) };
    let last_io = if side.client.is_some() { (now.saturating_sub(side.last_io_ms) / 1000) as i64 } else { -1 };
    let _ = write!(
        out,
        "master_host:{host}\r\nmaster_port:{port}\r\nmaster_link_status:{}\r\nmaster_last_io_seconds_ago:{last_io}\r\n\
         master_sync_in_progress:{}\r\nslave_read_repl_offset:{read}\r\nslave_repl_offset:{reploff}\r\n",
        if side.state == State::Connected { "up" } else { "down" },
        u8::from(side.state == State::Transfer),
    );
    if side.state == State::Transfer {
        let perc =
            if side.transfer_size > 0 { side.transfer_read as f64 / side.transfer_size as f64 * 100.0 } else { 0.0 };
        let _ = write!(
            out,
            "master_sync_total_bytes:{}\r\nmaster_sync_read_bytes:{}\r\nmaster_sync_left_bytes:{}\r\n\
             master_sync_perc:{perc:.2}\r\nmaster_sync_last_io_seconds_ago:{}\r\n",
            side.transfer_size,
            side.transfer_read,
            side.transfer_size - side.transfer_read as i64,
            now.saturating_sub(side.last_io_ms) / 1000
        );
    }
    if side.state != State::Connected {
        let down = match side.down_since_ms {
            Some(t) if t > 0 => (now.saturating_sub(t) / 1000) as i64,
            _ => -1,
        };
        let _ = write!(out, "master_link_down_since_seconds:{down}\r\n");
    }
    let _ = write!(
        out,
        "slave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
        config_int(srv, "replica-priority", 100),
        u8::from(config_text(srv, "replica-read-only") != "no"),
        u8::from(config_text(srv, "replica-announced") != "no"),
    );
}

/// ROLE as a replica: `slave host port state offset`.
pub fn role(srv: &Server) -> (String, i64, &'static str, i64) {
    let (host, port) = srv.repl.master.clone().unwrap_or_default();
    let side = &srv.repl.side;
    let offset = if side.client.is_some() { srv.repl.offset as i64 } else { -1 };
    (host, port, side.state.role_name(), offset)
}

/// An I/O error as C's `strerror` words it (without Rust's "(os error N)").
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn config_text(srv: &Server, name: &str) -> String {
    srv.config.get(name).unwrap_or_default()
}

fn config_int(srv: &Server, name: &str, default: i64) -> i64 {
    srv.config.get(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}
