//! The command table: every command declared once, as in Redis's JSON files
//! and ripgrep's flag list. From the table come lookup, arity errors, MULTI
//! queueing, COMMAND's replies, the keys a command touches, ACL categories
//! and the DENYOOM check. Family files (`string`, `keys`, …) hold the
//! handlers and each exports its `COMMANDS` slice; `FAMILIES` joins them.
//!
//! A handler is a plain synchronous function: it parses its arguments, calls
//! the keyspace or type API, and writes its reply through `ctx.client.out`.
//! It may import `keyspace`, `types`, `protocol`, `util`, `config` and the
//! server state types in `server`; never sockets or tasks.

pub mod acl_cmd;
pub mod args;
pub mod bitmap;
pub mod client;
pub mod cluster;
pub mod command;
pub mod config;
pub mod connection;
pub mod debug;
pub mod geo;
pub mod hash;
pub mod hyperloglog;
pub mod info;
pub mod keys;
pub mod latency;
pub mod list;
pub mod lolwut;
pub mod memory;
pub mod migrate;
pub mod module;
pub mod persistence;
pub mod pubsub;
pub mod replication;
pub mod scripting;
pub mod server;
pub mod set;
pub mod slowlog;
pub mod sort;
pub mod stream;
pub mod string;
pub mod transactions;
pub mod zset;

use std::collections::HashMap;
use std::sync::OnceLock;

use bytes::Bytes;

pub use crate::error::{CmdError, CmdResult};
use crate::keyspace::Db;
use crate::protocol::ReplyWriter;
use crate::server::Server;
use crate::server::client::Client;

/// What a handler gets: the server state and the calling client.
pub struct Ctx<'a> {
    pub srv: &'a mut Server,
    pub client: &'a mut Client,
}

impl Ctx<'_> {
    /// The client's selected database.
    #[inline]
    pub fn db(&mut self) -> &mut Db {
        &mut self.srv.keyspace.dbs[self.client.db]
    }

    #[inline]
    pub fn out(&mut self) -> &mut ReplyWriter {
        &mut self.client.out
    }

    /// The selected database and the reply writer at once.
    #[inline]
    pub fn db_out(&mut self) -> (&mut Db, &mut ReplyWriter) {
        (&mut self.srv.keyspace.dbs[self.client.db], &mut self.client.out)
    }

    /// The command's clock: Unix ms, fixed for the whole command.
    #[inline]
    pub fn now(&self) -> u64 {
        self.srv.now_ms
    }

    /// May the running command block? Not inside EXEC or a script, where
    /// blocking commands answer as on timeout.
    pub fn may_block(&self) -> bool {
        !self.client.deny_blocking
    }

    /// Blocks the client until one of `keys` (in the selected database)
    /// holds a value of type `wants`, or `timeout` passes (`None`: forever).
    /// The handler writes no reply; the command runs again when served.
    pub fn block(&mut self, keys: &[Bytes], args: &[Bytes], timeout: Option<std::time::Duration>, wants: &'static str) {
        self.client.blocked = Some(crate::server::client::BlockState {
            db: self.client.db,
            keys: keys.iter().map(|k| crate::types::compact::CompactBytes::new(k)).collect(),
            cmd: usize::MAX,
            args: args.to_vec(),
            deadline: timeout.map(|t| std::time::Instant::now() + t),
            wants,
            on_timeout: crate::server::client::TimeoutReply::NullArray,
        });
    }

    /// Blocks the client on no key until `timeout` passes (`None`: until
    /// CLIENT UNBLOCK or disconnection), then answers the integer `reply`
    /// (WAIT with no replica to wait for).
    pub fn block_until_timeout(&mut self, args: &[Bytes], timeout: Option<std::time::Duration>, reply: i64) {
        self.block(&[], args, timeout, "");
        if let Some(b) = self.client.blocked.as_mut() {
            b.on_timeout = crate::server::client::TimeoutReply::Int(reply);
        }
    }
}

pub type Handler = fn(&mut Ctx<'_>, &[Bytes]) -> CmdResult;
/// For commands whose key positions depend on their arguments.
pub type GetKeys = fn(&[Bytes]) -> Vec<usize>;

/// Command flags, as Redis 7.0 names them in COMMAND's reply.
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const FAST: u32 = 1 << 11;
    pub const NO_AUTH: u32 = 1 << 12;
    pub const MAY_REPLICATE: u32 = 1 << 13;
    pub const NO_MANDATORY_KEYS: u32 = 1 << 14;
    pub const NO_MULTI: u32 = 1 << 15;
    pub const MOVABLE_KEYS: u32 = 1 << 16;
    pub const ALLOW_BUSY: u32 = 1 << 17;
    pub const NO_ASYNC_LOADING: u32 = 1 << 18;
    /// Ours, not shown by COMMAND: runs at once inside MULTI instead of being
    /// queued (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET).
    pub const TX_CONTROL: u32 = 1 << 31;

    /// COMMAND's names for the flags above, in Redis's order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// ACL categories, as Redis 7.0 names them.
pub mod acl {
    pub const KEYSPACE: u32 = 1 << 0;
    pub const READ: u32 = 1 << 1;
    pub const WRITE: u32 = 1 << 2;
    pub const SET: u32 = 1 << 3;
    pub const SORTEDSET: u32 = 1 << 4;
    pub const LIST: u32 = 1 << 5;
    pub const HASH: u32 = 1 << 6;
    pub const STRING: u32 = 1 << 7;
    pub const BITMAP: u32 = 1 << 8;
    pub const HYPERLOGLOG: u32 = 1 << 9;
    pub const GEO: u32 = 1 << 10;
    pub const STREAM: u32 = 1 << 11;
    pub const PUBSUB: u32 = 1 << 12;
    pub const ADMIN: u32 = 1 << 13;
    pub const FAST: u32 = 1 << 14;
    pub const SLOW: u32 = 1 << 15;
    pub const BLOCKING: u32 = 1 << 16;
    pub const DANGEROUS: u32 = 1 << 17;
    pub const CONNECTION: u32 = 1 << 18;
    pub const TRANSACTION: u32 = 1 << 19;
    pub const SCRIPTING: u32 = 1 << 20;
    /// Not a category: in `CommandSpec::acl`, says the group's category
    /// does not apply (SORT is in the generic group but not in @keyspace).
    pub const NOT_GROUP: u32 = 1 << 31;

    pub const NAMES: &[(u32, &str)] = &[
        (KEYSPACE, "keyspace"),
        (READ, "read"),
        (WRITE, "write"),
        (SET, "set"),
        (SORTEDSET, "sortedset"),
        (LIST, "list"),
        (HASH, "hash"),
        (STRING, "string"),
        (BITMAP, "bitmap"),
        (HYPERLOGLOG, "hyperloglog"),
        (GEO, "geo"),
        (STREAM, "stream"),
        (PUBSUB, "pubsub"),
        (ADMIN, "admin"),
        (FAST, "fast"),
        (SLOW, "slow"),
        (BLOCKING, "blocking"),
        (DANGEROUS, "dangerous"),
        (CONNECTION, "connection"),
        (TRANSACTION, "transaction"),
        (SCRIPTING, "scripting"),
    ];
}

/// The documentation group (COMMAND DOCS `group`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Generic,
    String,
    List,
    Set,
    SortedSet,
    Hash,
    Bitmap,
    Hyperloglog,
    PubSub,
    Transactions,
    Connection,
    Server,
    Scripting,
    Cluster,
    Geo,
    Stream,
}

impl Group {
    pub const fn name(self) -> &'static str {
        match self {
            Group::Generic => "generic",
            Group::String => "string",
            Group::List => "list",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::Hash => "hash",
            Group::Bitmap => "bitmap",
            Group::Hyperloglog => "hyperloglog",
            Group::PubSub => "pubsub",
            Group::Transactions => "transactions",
            Group::Connection => "connection",
            Group::Server => "server",
            Group::Scripting => "scripting",
            Group::Cluster => "cluster",
            Group::Geo => "geo",
            Group::Stream => "stream",
        }
    }

    /// The ACL category every command of the group belongs to.
    const fn acl(self) -> u32 {
        match self {
            Group::Generic => acl::KEYSPACE,
            Group::String => acl::STRING,
            Group::List => acl::LIST,
            Group::Set => acl::SET,
            Group::SortedSet => acl::SORTEDSET,
            Group::Hash => acl::HASH,
            Group::Bitmap => acl::BITMAP,
            Group::Hyperloglog => acl::HYPERLOGLOG,
            // Redis derives @pubsub from the PUBSUB flag (PUBSUB HELP has none).
            Group::PubSub => 0,
            Group::Transactions => acl::TRANSACTION,
            Group::Connection => acl::CONNECTION,
            Group::Server => 0,
            Group::Scripting => acl::SCRIPTING,
            Group::Cluster => 0,
            Group::Geo => acl::GEO,
            Group::Stream => acl::STREAM,
        }
    }
}

/// One command (or subcommand) declaration.
#[derive(Clone, Copy)]
pub struct CommandSpec {
    /// Lowercase name (for a subcommand, without the container).
    pub name: &'static str,
    /// Redis arity: `N` exactly N words with the name, `-N` at least N.
    pub arity: i32,
    pub flags: u32,
    pub group: Group,
    /// ACL categories beyond those implied by flags and group.
    pub acl: u32,
    /// Legacy key positions: first, last (negative: from the end), step.
    pub first_key: i32,
    pub last_key: i32,
    pub key_step: i32,
    pub getkeys: Option<GetKeys>,
    pub handler: Handler,
    pub subcommands: &'static [CommandSpec],
    pub since: &'static str,
    pub summary: &'static str,
    pub complexity: &'static str,
    /// Argument syntax after the name, as in Redis's docs, e.g.
    /// `key value [NX | XX]`; COMMAND DOCS and hints derive from it.
    pub syntax: &'static str,
}

impl CommandSpec {
    pub const fn new(name: &'static str, arity: i32, flags: u32, group: Group, handler: Handler) -> CommandSpec {
        CommandSpec {
            name,
            arity,
            flags,
            group,
            acl: 0,
            first_key: 0,
            last_key: 0,
            key_step: 0,
            getkeys: None,
            handler,
            subcommands: &[],
            since: "1.0.0",
            summary: "",
            complexity: "",
            syntax: "",
        }
    }

    pub const fn keys(mut self, first: i32, last: i32, step: i32) -> CommandSpec {
        self.first_key = first;
        self.last_key = last;
        self.key_step = step;
        self
    }

    pub const fn getkeys(mut self, f: GetKeys) -> CommandSpec {
        self.getkeys = Some(f);
        self.flags |= flags::MOVABLE_KEYS;
        self
    }

    pub const fn acl(mut self, categories: u32) -> CommandSpec {
        self.acl = categories;
        self
    }

    pub const fn subcommands(mut self, subs: &'static [CommandSpec]) -> CommandSpec {
        self.subcommands = subs;
        self
    }

    pub const fn doc(
        mut self,
        since: &'static str,
        summary: &'static str,
        complexity: &'static str,
        syntax: &'static str,
    ) -> CommandSpec {
        self.since = since;
        self.summary = summary;
        self.complexity = complexity;
        self.syntax = syntax;
        self
    }

    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// ACL categories: the group's, those implied by flags, and extras.
    pub fn acl_categories(&self) -> u32 {
        // A container has no category of its own in Redis, only its flags'.
        let group = if self.subcommands.is_empty() && self.acl & acl::NOT_GROUP == 0 { self.group.acl() } else { 0 };
        let mut c = (self.acl & !acl::NOT_GROUP) | group;
        if self.has(flags::WRITE) {
            c |= acl::WRITE;
        }
        if self.has(flags::READONLY) && self.group != Group::Scripting {
            c |= acl::READ;
        }
        if self.has(flags::ADMIN) {
            c |= acl::ADMIN | acl::DANGEROUS;
        }
        if self.has(flags::PUBSUB) {
            c |= acl::PUBSUB;
        }
        if self.has(flags::FAST) {
            c |= acl::FAST;
        }
        if self.has(flags::BLOCKING) {
            c |= acl::BLOCKING;
        }
        if c & acl::FAST == 0 {
            c |= acl::SLOW;
        }
        c
    }

    /// Positions of the keys in `args` (args[0] is the command name).
    pub fn key_positions(&self, args: &[Bytes]) -> Vec<usize> {
        if let Some(f) = self.getkeys {
            return f(args);
        }
        if self.first_key <= 0 {
            return Vec::new();
        }
        let argc = args.len() as i32;
        let last = if self.last_key < 0 { argc + self.last_key } else { self.last_key };
        let step = self.key_step.max(1);
        let mut out = Vec::new();
        let mut i = self.first_key;
        while i <= last && i < argc {
            out.push(i as usize);
            i += step;
        }
        out
    }
}

/// A resolved table entry.
pub struct Entry {
    pub spec: &'static CommandSpec,
    /// `get`, or `client|list` for a subcommand.
    pub fullname: String,
    /// Index of the container for subcommands.
    pub parent: Option<usize>,
}

/// Every command family's declarations.
pub static FAMILIES: &[&[CommandSpec]] = &[
    connection::COMMANDS,
    server::COMMANDS,
    keys::COMMANDS,
    migrate::COMMANDS,
    string::COMMANDS,
    client::COMMANDS,
    command::COMMANDS,
    config::COMMANDS,
    info::COMMANDS,
    debug::COMMANDS,
    hash::COMMANDS,
    set::COMMANDS,
    zset::COMMANDS,
    geo::COMMANDS,
    bitmap::COMMANDS,
    hyperloglog::COMMANDS,
    list::COMMANDS,
    stream::COMMANDS,
    sort::COMMANDS,
    transactions::COMMANDS,
    pubsub::COMMANDS,
    scripting::COMMANDS,
    persistence::COMMANDS,
    acl_cmd::COMMANDS,
    memory::COMMANDS,
    slowlog::COMMANDS,
    replication::COMMANDS,
    cluster::COMMANDS,
    module::COMMANDS,
    lolwut::COMMANDS,
    latency::COMMANDS,
];

/// The table built from `FAMILIES` once.
pub struct Table {
    pub entries: Vec<Entry>,
    top: foldhash::HashMap<&'static str, usize>,
    /// For each container entry: (subcommand name, entry index).
    subs: HashMap<usize, Vec<(&'static str, usize)>>,
}

pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(Table::build)
}

impl Table {
    fn build() -> Table {
        let mut t = Table { entries: Vec::new(), top: Default::default(), subs: HashMap::new() };
        for family in FAMILIES {
            for spec in family.iter() {
                let id = t.entries.len();
                t.entries.push(Entry { spec, fullname: spec.name.to_string(), parent: None });
                t.top.insert(spec.name, id);
                let mut subs = Vec::new();
                for sub in spec.subcommands {
                    let sid = t.entries.len();
                    t.entries.push(Entry {
                        spec: sub,
                        fullname: format!("{}|{}", spec.name, sub.name),
                        parent: Some(id),
                    });
                    subs.push((sub.name, sid));
                }
                if !subs.is_empty() {
                    t.subs.insert(id, subs);
                }
            }
        }
        t
    }

    /// Finds a top-level command by name, case-insensitively, without allocating.
    #[inline]
    pub fn lookup(&self, name: &[u8]) -> Option<usize> {
        let mut buf = [0u8; 32];
        if name.len() > buf.len() {
            return None;
        }
        for (d, s) in buf.iter_mut().zip(name) {
            *d = s.to_ascii_lowercase();
        }
        let lower = std::str::from_utf8(&buf[..name.len()]).ok()?;
        self.top.get(lower).copied()
    }

    /// Finds a subcommand of the container `id`.
    pub fn lookup_sub(&self, id: usize, name: &[u8]) -> Option<usize> {
        self.subs.get(&id)?.iter().find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name)).map(|&(_, i)| i)
    }

    /// The subcommand entries of container `id`.
    pub fn subcommands_of(&self, id: usize) -> impl Iterator<Item = usize> + '_ {
        self.subs.get(&id).into_iter().flatten().map(|&(_, i)| i)
    }

    /// Top-level entries, in declaration order.
    pub fn top_level(&self) -> impl Iterator<Item = usize> + '_ {
        self.entries.iter().enumerate().filter(|(_, e)| e.parent.is_none()).map(|(i, _)| i)
    }
}

/// Does `argc` satisfy `arity`?
pub fn arity_ok(arity: i32, argc: usize) -> bool {
    let argc = argc as i32;
    if arity >= 0 { argc == arity } else { argc >= -arity }
}

/// Running command lines in-process, for the family files' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use bytes::Bytes;

    use crate::protocol::Reply;
    use crate::server::Server;
    use crate::server::client::Client;
    use crate::server::dispatch::execute;
    use crate::util::split::split_args;

    /// Runs one command line (split as redis-cli would) and returns its reply.
    pub fn run(srv: &mut Server, client: &mut Client, line: &str) -> Reply {
        let args: Vec<Bytes> = split_args(line.as_bytes()).expect("valid line").into_iter().map(Bytes::from).collect();
        let start = client.out.len();
        execute(srv, client, &args);
        let (reply, _) = Reply::parse(&client.out.buf[start..]).expect("valid reply").expect("complete reply");
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_invariants() {
        let t = table();
        let mut names = HashSet::new();
        for e in &t.entries {
            let s = e.spec;
            assert!(names.insert(e.fullname.clone()), "duplicate {}", e.fullname);
            assert_eq!(s.name, s.name.to_lowercase(), "{} not lowercase", e.fullname);
            assert!(s.arity != 0, "{} has arity 0", e.fullname);
            // WATCH names keys without reading or writing them, nor do EVAL,
            // EVALSHA and FCALL say how their scripts use theirs, and the
            // shard channel commands name channels in key positions (as in Redis).
            if (s.first_key > 0 || s.getkeys.is_some())
                && !matches!(e.fullname.as_str(), "watch" | "eval" | "evalsha" | "fcall")
                && !s.has(flags::PUBSUB)
            {
                assert!(
                    s.has(flags::WRITE) || s.has(flags::READONLY),
                    "{} takes keys but is neither write nor readonly",
                    e.fullname
                );
            }
            if s.first_key > 0 && s.arity > 0 {
                assert!(s.first_key < s.arity, "{}: first key beyond arity", e.fullname);
                assert!(s.last_key < s.arity, "{}: last key beyond arity", e.fullname);
            }
            if s.first_key > 0 {
                assert!(s.key_step > 0, "{}: key step must be positive", e.fullname);
            }
            assert!(!(s.has(flags::WRITE) && s.has(flags::READONLY)), "{} both write and readonly", e.fullname);
            assert!(!s.summary.is_empty(), "{} has no summary", e.fullname);
            if !s.subcommands.is_empty() {
                assert!(s.arity < 0, "container {} must take a variable arity", e.fullname);
            }
        }
    }

    #[test]
    fn lookup_is_case_insensitive() {
        let t = table();
        let id = t.lookup(b"GeT").expect("get exists");
        assert_eq!(t.entries[id].fullname, "get");
        assert!(t.lookup(b"nosuchcommand").is_none());
        assert!(t.lookup(&[b'a'; 100]).is_none());
    }
}
