//! One connected client's state: its output buffer and protocol, selected
//! database, name, authentication, and the flags CLIENT commands change.
//! The connection task owns the socket; this struct is what commands see.

use std::time::Instant;

use bytes::Bytes;

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
        }
    }
}
