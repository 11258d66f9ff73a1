//! One connected client's state: its output buffer and protocol, selected
//! database, name, authentication, and the flags CLIENT commands change.
//! The connection task owns the socket; this struct is what commands see.
//! Also renders the client's CLIENT LIST / CLIENT INFO line.

use std::fmt::Write;
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::pubsub::ClientSubs;
use crate::protocol::Decoder;
use crate::types::compact::CompactBytes;

use crate::protocol::writer::{ReplyWriter, Resp};

/// CLIENT REPLY mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Drop the reply of the next command only.
    Skip,
    /// Set while running the command whose reply is dropped.
    SkipThis,
}

/// A transaction being queued (after MULTI).
#[derive(Default)]
pub struct MultiState {
    /// Queued commands: table id and arguments.
    pub queue: Vec<(usize, Vec<Bytes>)>,
    /// A command was refused while queueing: EXEC answers EXECABORT.
    pub failed: bool,
    /// Bytes of the queued arguments (they count toward the query buffer limit).
    pub queued_bytes: usize,
}

/// A command CLIENT PAUSE held back, with its arguments.
#[derive(Debug)]
pub enum Postponed {
    /// Waiting for the pause to end.
    Waiting(Vec<Bytes>),
    /// The pause ended: the client's task runs it next.
    Released(Vec<Bytes>),
}

/// Why and how a client is blocked (BLPOP and friends).
pub struct BlockState {
    pub db: usize,
    pub keys: Vec<CompactBytes>,
    /// The command to run again when one of the keys gets a value.
    pub cmd: usize,
    pub args: Vec<Bytes>,
    /// When to give up (`None`: wait forever).
    pub deadline: Option<Instant>,
    /// Only a key of this type (`Value::type_name`) can serve the client.
    pub wants: &'static str,
    /// The answer when the deadline passes (or CLIENT UNBLOCK times it out).
    pub on_timeout: TimeoutReply,
}

/// What a blocked client answers when its wait ends without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutReply {
    /// The key-blocking commands (BLPOP, BZPOPMIN …).
    NullArray,
    /// WAIT: how many replicas acknowledged (always 0 here).
    Int(i64),
}

/// Client classes, as CLIENT LIST TYPE and CLIENT KILL TYPE name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientType {
    Normal,
    Replica,
    PubSub,
    Master,
}

impl ClientType {
    /// Redis's `getClientTypeByName` (case-insensitive; `slave` = `replica`).
    pub fn from_name(name: &[u8]) -> Option<ClientType> {
        let lower = name.to_ascii_lowercase();
        match &lower[..] {
            b"normal" => Some(ClientType::Normal),
            b"slave" | b"replica" => Some(ClientType::Replica),
            b"pubsub" => Some(ClientType::PubSub),
            b"master" => Some(ClientType::Master),
            _ => None,
        }
    }
}

pub struct Client {
    pub id: u64,
    pub out: ReplyWriter,
    pub db: usize,
    pub name: Option<Bytes>,
    pub lib_name: Option<Bytes>,
    pub lib_ver: Option<Bytes>,
    pub authenticated: bool,
    pub user: String,
    pub addr: String,
    pub laddr: String,
    pub fd: i32,
    pub created: Instant,
    /// Unix ms of the last read or write (from the cached `Server::now_ms`,
    /// as Redis uses its cached `unixtime`): CLIENT LIST `idle`, `timeout`.
    pub last_interaction_ms: u64,
    /// Table id of the command running or last run (CLIENT LIST `cmd=`);
    /// `None` after an unknown command, as Redis's `NULL`.
    pub last_cmd: Option<usize>,
    /// Close once the pending replies are written (QUIT, protocol error).
    pub close_after_reply: bool,
    /// Close now without writing (CLIENT KILL).
    pub close_asap: bool,
    pub reply_mode: ReplyMode,
    pub no_evict: bool,
    pub no_touch: bool,
    /// Bytes in the query buffer when the current batch of requests was
    /// read (CLIENT LIST `qbuf=`, as Redis's `sdslen(querybuf)` mid-batch).
    pub query_buf_len: usize,
    /// Set between MULTI and EXEC/DISCARD.
    pub multi: Option<MultiState>,
    /// Keys this client WATCHes: (database, key).
    pub watched: Vec<(usize, CompactBytes)>,
    /// A watched key was touched: the next EXEC fails.
    pub dirty_cas: bool,
    /// Blocking commands must not block (inside EXEC or a script).
    pub deny_blocking: bool,
    /// The client scripts run their commands as (Redis's `CLIENT_SCRIPT`).
    pub script: bool,
    /// In MONITOR mode (`server::monitor`).
    pub monitor: bool,
    /// Set while the client waits in a blocking command.
    pub blocked: Option<BlockState>,
    /// A command held back by CLIENT PAUSE (`server::pause`).
    pub postponed: Option<Postponed>,
    /// Free space in the query buffer at the same moment (`qbuf-free=`).
    pub query_buf_free: usize,
    /// The most the query buffer held since the last resize check
    /// (Redis's `querybuf_peak`).
    pub query_peak: usize,
    /// The largest the query buffer's allocation grew to since then. (Its
    /// `capacity()` counts only what follows the unread bytes, while split
    /// off requests keep the whole allocation alive until it is replaced.)
    pub query_alloc: usize,
    /// Output handed to the socket but not yet written (counts toward the
    /// output buffer limits with `out`).
    pub obuf_pending: usize,
    /// Since when the output has been over its soft limit.
    pub obuf_soft_since: Option<Instant>,
    /// Pub/Sub subscriptions (`None`: not in Pub/Sub mode).
    pub subs: Option<Box<ClientSubs>>,
    /// Byte ranges of `out` written as pushes by the running command, kept
    /// when CLIENT REPLY OFF/SKIP drops its reply.
    pub push_ranges: Vec<(usize, usize)>,
    /// Bytes read from the connection and not yet run (Redis's `querybuf`).
    /// The connection task reads into it; while a script is busy the
    /// server reads into it too (`server::busy`).
    pub query: BytesMut,
    /// The request decoder's progress through `query`.
    pub decoder: Decoder,
    /// REPLCONF/SYNC state: a replica once it sent SYNC/PSYNC
    /// (`server::replication`).
    pub repl: Option<Box<super::replication::ReplicaLink>>,
    /// Client-side caching mode (`None`: CLIENT TRACKING off).
    pub tracking: Option<Box<super::tracking::ClientTracking>>,
    /// The link to our master (`server::replica`): its commands are the
    /// replication stream (Redis's `CLIENT_MASTER`).
    pub master: bool,
}

/// The id of the client that replays the AOF (Redis's `CLIENT_ID_AOF`).
pub const CLIENT_ID_AOF: u64 = u64::MAX;

impl Client {
    /// Commands from the AOF and from our master are obeyed as written
    /// (Redis's `mustObeyClient`): they were already checked when first
    /// run, and some were rewritten into forms a user may not send.
    pub fn must_obey(&self) -> bool {
        self.id == CLIENT_ID_AOF || self.master
    }

    pub fn new(id: u64, addr: String, laddr: String, fd: i32, authenticated: bool) -> Client {
        let now = Instant::now();
        Client {
            id,
            out: ReplyWriter::new(Resp::Two),
            db: 0,
            name: None,
            lib_name: None,
            lib_ver: None,
            authenticated,
            user: "default".into(),
            addr,
            laddr,
            fd,
            created: now,
            last_interaction_ms: crate::util::time::unix_ms(),
            last_cmd: None,
            close_after_reply: false,
            close_asap: false,
            reply_mode: ReplyMode::On,
            no_evict: false,
            no_touch: false,
            query_buf_len: 0,
            multi: None,
            watched: Vec::new(),
            dirty_cas: false,
            deny_blocking: false,
            script: false,
            monitor: false,
            blocked: None,
            postponed: None,
            query_buf_free: 0,
            query_peak: 0,
            query_alloc: 0,
            obuf_pending: 0,
            obuf_soft_since: None,
            subs: None,
            push_ranges: Vec::new(),
            query: BytesMut::new(),
            decoder: Decoder::new(),
            repl: None,
            tracking: None,
            master: false,
        }
    }

    /// The class CLIENT LIST TYPE / CLIENT KILL TYPE match against.
    pub fn client_type(&self) -> ClientType {
        if self.master {
            ClientType::Master
        } else if self.repl.as_ref().is_some_and(|l| l.is_replica()) {
            ClientType::Replica
        } else if self.subs.is_some() {
            ClientType::PubSub
        } else {
            ClientType::Normal
        }
    }

    /// RESET: back to the state of a fresh connection (Redis's
    /// `clearClientConnectionState`): db 0, RESP2, no name, replies on,
    /// no-evict/no-touch off, and authenticated only if no password is needed.
    pub fn reset_connection_state(&mut self, auth_required: bool) {
        self.db = 0;
        self.out.resp = Resp::Two;
        self.name = None;
        self.reply_mode = ReplyMode::On;
        self.no_evict = false;
        self.no_touch = false;
        self.user = "default".into();
        self.authenticated = !auth_required;
    }

    /// The peer's IP address (`addr` without its port).
    pub fn ip(&self) -> &str {
        self.addr.rsplit_once(':').map_or("", |(ip, _)| ip)
    }

    /// Bytes of the arguments of a command the client is blocked in or
    /// that CLIENT PAUSE postponed (Redis keeps its `argv` meanwhile).
    pub fn held_argv_mem(&self) -> usize {
        let args = match (&self.blocked, &self.postponed) {
            (Some(b), _) => &b.args,
            (None, Some(Postponed::Waiting(a) | Postponed::Released(a))) => a,
            (None, None) => return 0,
        };
        args.iter().map(|a| a.len()).sum()
    }

    /// The `flags=` letters of CLIENT LIST (`N` when none apply).
    fn flags(&self) -> String {
        let mut f = String::new();
        if self.repl.as_ref().is_some_and(|l| l.is_replica()) {
            f.push('S');
        }
        if self.master {
            f.push('M');
        }
        if self.monitor {
            f.push('O');
        }
        if self.subs.is_some() {
            f.push('P');
        }
        if self.multi.is_some() {
            f.push('x');
        }
        if self.blocked.is_some() || matches!(self.postponed, Some(Postponed::Waiting(_))) {
            f.push('b');
        }
        super::tracking::flag_letters(self, &mut f);
        if self.dirty_cas {
            f.push('d');
        }
        if self.close_after_reply {
            f.push('c');
        }
        if self.close_asap {
            f.push('A');
        }
        if self.no_evict {
            f.push('e');
        }
        if f.is_empty() {
            f.push('N');
        }
        f
    }

    /// Appends this client's CLIENT LIST line (without the newline), with
    /// Redis 7.0's fields in Redis's order. `cmd_name` is the full name of
    /// the last command; `argv_mem` the size of the arguments of the command
    /// running now (0 for a client between commands).
    pub fn write_info_line(&self, out: &mut String, cmd_name: Option<&str>, argv_mem: usize) {
        let name = self.name.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
        let out_cap = self.out.buf.capacity();
        let obl = self.out.len();
        let tot_mem = std::mem::size_of::<Client>() + self.query_buf_len + self.query_buf_free + out_cap + argv_mem;
        let _ = write!(
            out,
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} \
             qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll=0 omem=0 tot-mem={} events=r \
             cmd={} user={} redir={} resp={}",
            self.id,
            self.addr,
            self.laddr,
            self.fd,
            name,
            self.created.elapsed().as_secs(),
            crate::util::time::unix_ms().saturating_sub(self.last_interaction_ms) / 1000,
            self.flags(),
            self.db,
            self.subs.as_ref().map_or(0, |s| s.channels.len()),
            self.subs.as_ref().map_or(0, |s| s.patterns.len()),
            self.subs.as_ref().map_or(0, |s| s.shard.len()),
            self.multi.as_ref().map_or(-1, |m| m.queue.len() as i64),
            self.query_buf_len,
            self.query_buf_free,
            argv_mem,
            self.multi.as_ref().map_or(0, |m| m.queued_bytes),
            out_cap,
            out_cap,
            obl,
            tot_mem,
            cmd_name.unwrap_or("NULL"),
            // Redis's master client has no user: it is obeyed as written.
            if self.master { "(superuser)" } else { self.user.as_str() },
            self.tracking.as_ref().map_or(-1, |t| t.redirect as i64),
            self.out.resp.number(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_line_has_redis_fields_in_order() {
        let mut c = Client::new(7, "127.0.0.1:5000".into(), "127.0.0.1:6379".into(), 9, true);
        c.name = Some(Bytes::from_static(b"me"));
        let mut line = String::new();
        c.write_info_line(&mut line, Some("client|list"), 10);
        let keys: Vec<&str> = line.split(' ').map(|kv| kv.split('=').next().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "id",
                "addr",
                "laddr",
                "fd",
                "name",
                "age",
                "idle",
                "flags",
                "db",
                "sub",
                "psub",
                "ssub",
                "multi",
                "qbuf",
                "qbuf-free",
                "argv-mem",
                "multi-mem",
                "rbs",
                "rbp",
                "obl",
                "oll",
                "omem",
                "tot-mem",
                "events",
                "cmd",
                "user",
                "redir",
                "resp"
            ]
        );
        assert!(
            line.starts_with("id=7 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=9 name=me age=0 idle=0 flags=N db=0")
        );
        assert!(line.ends_with("events=r cmd=client|list user=default redir=-1 resp=2"));
    }

    #[test]
    fn type_names() {
        assert_eq!(ClientType::from_name(b"SLAVE"), Some(ClientType::Replica));
        assert_eq!(ClientType::from_name(b"replica"), Some(ClientType::Replica));
        assert_eq!(ClientType::from_name(b"Normal"), Some(ClientType::Normal));
        assert_eq!(ClientType::from_name(b"foo"), None);
    }
}
