//! One connected client's state: its output buffer and protocol, selected
//! database, name, authentication, and the flags CLIENT commands change.
//! The connection task owns the socket; this struct is what commands see.

use std::time::Instant;

use bytes::Bytes;

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
    pub last_interaction: Instant,
    /// Table id of the last command run (CLIENT LIST `cmd=`).
    pub last_cmd: Option<usize>,
    /// Close once the pending replies are written (QUIT, protocol error).
    pub close_after_reply: bool,
    /// Close now without writing (CLIENT KILL).
    pub close_asap: bool,
    pub reply_mode: ReplyMode,
    pub no_evict: bool,
    pub no_touch: bool,
    /// Bytes in the query buffer (CLIENT LIST `qbuf=`), updated per read.
    pub query_buf_len: usize,
    /// Set between MULTI and EXEC/DISCARD.
    pub multi: Option<MultiState>,
    /// Keys this client WATCHes: (database, key).
    pub watched: Vec<(usize, CompactBytes)>,
    /// A watched key was touched: the next EXEC fails.
    pub dirty_cas: bool,
    /// Blocking commands must not block (inside EXEC or a script).
    pub deny_blocking: bool,
    /// Set while the client waits in a blocking command.
    pub blocked: Option<BlockState>,
}

impl Client {
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
            last_interaction: now,
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
            blocked: None,
        }
    }
}
