//! What COMMAND INFO reports beyond the command table: Redis 7.0's key
//! specifications (which arguments are keys and how the command uses them)
//! and command tips, for every Redis 7.0.15 command that has any. Keyed by
//! full command name. This is interface data: what redis-server 7.0.15
//! answers to `COMMAND INFO` (key specs and tips are part of the protocol
//! clients such as cluster-aware libraries read), kept so COMMAND INFO
//! matches Redis byte for byte whichever family file declares the command.
//! `tests/integration/introspection.rs` checks it against a live
//! redis-server. A command missing here gets a key spec derived from its
//! legacy key range.

/// Key spec flags, as COMMAND INFO names them.
pub const RO: u16 = 1 << 0;
pub const RW: u16 = 1 << 1;
pub const OW: u16 = 1 << 2;
pub const RM: u16 = 1 << 3;
pub const ACCESS: u16 = 1 << 4;
pub const UPDATE: u16 = 1 << 5;
pub const INSERT: u16 = 1 << 6;
pub const DELETE: u16 = 1 << 7;
pub const NOT_KEY: u16 = 1 << 8;
pub const INCOMPLETE: u16 = 1 << 9;
pub const VARIABLE_FLAGS: u16 = 1 << 10;

/// Flag names in Redis's order.
pub const FLAG_NAMES: &[(u16, &str)] = &[
    (RO, "RO"),
    (RW, "RW"),
    (OW, "OW"),
    (RM, "RM"),
    (ACCESS, "access"),
    (UPDATE, "update"),
    (INSERT, "insert"),
    (DELETE, "delete"),
    (NOT_KEY, "not_key"),
    (INCOMPLETE, "incomplete"),
    (VARIABLE_FLAGS, "variable_flags"),
];

/// Where the search for keys begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeginSearch {
    /// At this argument index.
    Index(i32),
    /// After this keyword, searched from `startfrom` (negative: from the end).
    Keyword(&'static str, i32),
    UnknownBs,
}

/// How keys are found from where the search began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindKeys {
    /// `lastkey` (relative to the first key; negative from the end),
    /// `keystep`, `limit`.
    Range(i32, i32, i32),
    /// `keynumidx`, `firstkey`, `keystep`: the key count is an argument.
    Keynum(i32, i32, i32),
    UnknownFk,
}

#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    pub notes: &'static str,
    pub flags: u16,
    pub bs: BeginSearch,
    pub fk: FindKeys,
}

impl KeySpec {
    const fn notes(mut self, notes: &'static str) -> KeySpec {
        self.notes = notes;
        self
    }
}

const fn ks(flags: u16, bs: BeginSearch, fk: FindKeys) -> KeySpec {
    KeySpec { notes: "", flags, bs, fk }
}

/// One command's extra metadata.
pub struct Meta {
    pub name: &'static str,
    pub tips: &'static [&'static str],
    pub key_specs: &'static [KeySpec],
}

const fn m(name: &'static str, tips: &'static [&'static str], key_specs: &'static [KeySpec]) -> Meta {
    Meta { name, tips, key_specs }
}

/// The metadata of command `fullname` (`get`, `client|list`), if any.
pub fn lookup(fullname: &str) -> Option<&'static Meta> {
    META.binary_search_by(|m| m.name.cmp(fullname)).ok().map(|i| &META[i])
}

use BeginSearch::*;
use FindKeys::*;

/// Sorted by name.
static META: &[Meta] = &[
    m("append", &[], &[ks(RW | INSERT, Index(1), Range(0, 1, 0))]),
    m("bitcount", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("bitfield", &[], &[ks(RW | UPDATE | ACCESS | VARIABLE_FLAGS, Index(1), Range(0, 1, 0)).notes("This command allows both access and modification of the key")]),
    m("bitfield_ro", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("bitop", &[], &[ks(OW | UPDATE, Index(2), Range(0, 1, 0)), ks(RO | ACCESS, Index(3), Range(-1, 1, 0))]),
    m("bitpos", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("blmove", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0)), ks(RW | INSERT, Index(2), Range(0, 1, 0))]),
    m("blmpop", &[], &[ks(RW | ACCESS | DELETE, Index(2), Keynum(0, 1, 1))]),
    m("blpop", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(-2, 1, 0))]),
    m("brpop", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(-2, 1, 0))]),
    m("brpoplpush", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0)), ks(RW | INSERT, Index(2), Range(0, 1, 0))]),
    m("bzmpop", &[], &[ks(RW | ACCESS | DELETE, Index(2), Keynum(0, 1, 1))]),
    m("bzpopmax", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(-2, 1, 0))]),
    m("bzpopmin", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(-2, 1, 0))]),
    m("client|info", &["nondeterministic_output"], &[]),
    m("client|list", &["nondeterministic_output"], &[]),
    m("cluster|bumpepoch", &["nondeterministic_output"], &[]),
    m("cluster|count-failure-reports", &["nondeterministic_output"], &[]),
    m("cluster|getkeysinslot", &["nondeterministic_output"], &[]),
    m("cluster|info", &["nondeterministic_output"], &[]),
    m("cluster|links", &["nondeterministic_output"], &[]),
    m("cluster|nodes", &["nondeterministic_output"], &[]),
    m("cluster|replicas", &["nondeterministic_output"], &[]),
    m("cluster|shards", &["nondeterministic_output"], &[]),
    m("cluster|slaves", &["nondeterministic_output"], &[]),
    m("cluster|slots", &["nondeterministic_output"], &[]),
    m("command", &["nondeterministic_output_order"], &[]),
    m("command|docs", &["nondeterministic_output_order"], &[]),
    m("command|info", &["nondeterministic_output_order"], &[]),
    m("command|list", &["nondeterministic_output_order"], &[]),
    m("config|set", &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    m("copy", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0)), ks(OW | UPDATE, Index(2), Range(0, 1, 0))]),
    m("dbsize", &["request_policy:all_shards", "response_policy:agg_sum"], &[]),
    m("decr", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0))]),
    m("decrby", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0))]),
    m("del", &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks(RM | DELETE, Index(1), Range(-1, 1, 0))]),
    m("dump", &["nondeterministic_output"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("eval", &[], &[ks(RW | ACCESS | UPDATE, Index(2), Keynum(0, 1, 1)).notes("We cannot tell how the keys will be used so we assume the worst, RW and UPDATE")]),
    m("eval_ro", &[], &[ks(RO | ACCESS, Index(2), Keynum(0, 1, 1)).notes("We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")]),
    m("evalsha", &[], &[ks(RW | ACCESS | UPDATE, Index(2), Keynum(0, 1, 1))]),
    m("evalsha_ro", &[], &[ks(RO | ACCESS, Index(2), Keynum(0, 1, 1))]),
    m("exists", &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks(RO, Index(1), Range(-1, 1, 0))]),
    m("expire", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("expireat", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("expiretime", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("fcall", &[], &[ks(RW | ACCESS | UPDATE, Index(2), Keynum(0, 1, 1)).notes("We cannot tell how the keys will be used so we assume the worst, RW and UPDATE")]),
    m("fcall_ro", &[], &[ks(RO | ACCESS, Index(2), Keynum(0, 1, 1)).notes("We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")]),
    m("flushall", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("flushdb", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("function|delete", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("function|flush", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("function|kill", &["request_policy:all_shards", "response_policy:one_succeeded"], &[]),
    m("function|list", &["nondeterministic_output_order"], &[]),
    m("function|load", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("function|restore", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("function|stats", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    m("geoadd", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("geodist", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("geohash", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("geopos", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("georadius", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0)), ks(OW | UPDATE, Keyword("STORE", 6), Range(0, 1, 0)), ks(OW | UPDATE, Keyword("STOREDIST", 6), Range(0, 1, 0))]),
    m("georadius_ro", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("georadiusbymember", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0)), ks(OW | UPDATE, Keyword("STORE", 5), Range(0, 1, 0)), ks(OW | UPDATE, Keyword("STOREDIST", 5), Range(0, 1, 0))]),
    m("georadiusbymember_ro", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("geosearch", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("geosearchstore", &[], &[ks(OW | UPDATE, Index(1), Range(0, 1, 0)), ks(RO | ACCESS, Index(2), Range(0, 1, 0))]),
    m("get", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("getbit", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("getdel", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0))]),
    m("getex", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0)).notes("RW and UPDATE because it changes the TTL")]),
    m("getrange", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("getset", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0))]),
    m("hdel", &[], &[ks(RW | DELETE, Index(1), Range(0, 1, 0))]),
    m("hexists", &[], &[ks(RO, Index(1), Range(0, 1, 0))]),
    m("hget", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("hgetall", &["nondeterministic_output_order"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("hincrby", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0))]),
    m("hincrbyfloat", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0))]),
    m("hkeys", &["nondeterministic_output_order"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("hlen", &[], &[ks(RO, Index(1), Range(0, 1, 0))]),
    m("hmget", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("hmset", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("hrandfield", &["nondeterministic_output"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("hscan", &["nondeterministic_output"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("hset", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("hsetnx", &[], &[ks(RW | INSERT, Index(1), Range(0, 1, 0))]),
    m("hstrlen", &[], &[ks(RO, Index(1), Range(0, 1, 0))]),
    m("hvals", &["nondeterministic_output_order"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("incr", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0))]),
    m("incrby", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0))]),
    m("incrbyfloat", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0))]),
    m("info", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    m("keys", &["request_policy:all_shards", "nondeterministic_output_order"], &[]),
    m("lastsave", &["nondeterministic_output"], &[]),
    m("latency|doctor", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    m("latency|graph", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    m("latency|histogram", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    m("latency|history", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    m("latency|latest", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    m("latency|reset", &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    m("lcs", &[], &[ks(RO | ACCESS, Index(1), Range(1, 1, 0))]),
    m("lindex", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("linsert", &[], &[ks(RW | INSERT, Index(1), Range(0, 1, 0))]),
    m("llen", &[], &[ks(RO, Index(1), Range(0, 1, 0))]),
    m("lmove", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0)), ks(RW | INSERT, Index(2), Range(0, 1, 0))]),
    m("lmpop", &[], &[ks(RW | ACCESS | DELETE, Index(1), Keynum(0, 1, 1))]),
    m("lpop", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0))]),
    m("lpos", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("lpush", &[], &[ks(RW | INSERT, Index(1), Range(0, 1, 0))]),
    m("lpushx", &[], &[ks(RW | INSERT, Index(1), Range(0, 1, 0))]),
    m("lrange", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("lrem", &[], &[ks(RW | DELETE, Index(1), Range(0, 1, 0))]),
    m("lset", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("ltrim", &[], &[ks(RW | DELETE, Index(1), Range(0, 1, 0))]),
    m("memory|doctor", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    m("memory|malloc-stats", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    m("memory|purge", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("memory|stats", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    m("memory|usage", &[], &[ks(RO, Index(2), Range(0, 1, 0))]),
    m("mget", &["request_policy:multi_shard"], &[ks(RO | ACCESS, Index(1), Range(-1, 1, 0))]),
    m("migrate", &["nondeterministic_output"], &[ks(RW | ACCESS | DELETE, Index(3), Range(0, 1, 0)), ks(RW | ACCESS | DELETE | INCOMPLETE, Keyword("KEYS", -2), Range(-1, 1, 0))]),
    m("module|list", &["nondeterministic_output_order"], &[]),
    m("move", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0))]),
    m("mset", &["request_policy:multi_shard", "response_policy:all_succeeded"], &[ks(OW | UPDATE, Index(1), Range(-1, 2, 0))]),
    m("msetnx", &["request_policy:multi_shard", "response_policy:agg_min"], &[ks(OW | INSERT, Index(1), Range(-1, 2, 0))]),
    m("object|encoding", &["nondeterministic_output"], &[ks(RO, Index(2), Range(0, 1, 0))]),
    m("object|freq", &["nondeterministic_output"], &[ks(RO, Index(2), Range(0, 1, 0))]),
    m("object|idletime", &["nondeterministic_output"], &[ks(RO, Index(2), Range(0, 1, 0))]),
    m("object|refcount", &["nondeterministic_output"], &[ks(RO, Index(2), Range(0, 1, 0))]),
    m("persist", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("pexpire", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("pexpireat", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("pexpiretime", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("pfadd", &[], &[ks(RW | INSERT, Index(1), Range(0, 1, 0))]),
    m("pfcount", &[], &[ks(RW | ACCESS, Index(1), Range(-1, 1, 0)).notes("RW because it may change the internal representation of the key, and propagate to replicas")]),
    m("pfdebug", &[], &[ks(RW | ACCESS, Index(2), Range(0, 1, 0))]),
    m("pfmerge", &[], &[ks(RW | ACCESS | INSERT, Index(1), Range(0, 1, 0)), ks(RO | ACCESS, Index(2), Range(-1, 1, 0))]),
    m("ping", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("psetex", &[], &[ks(OW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("pttl", &["nondeterministic_output"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("randomkey", &["request_policy:all_shards", "nondeterministic_output"], &[]),
    m("rename", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0)), ks(OW | UPDATE, Index(2), Range(0, 1, 0))]),
    m("renamenx", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0)), ks(OW | INSERT, Index(2), Range(0, 1, 0))]),
    m("restore", &[], &[ks(OW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("restore-asking", &[], &[ks(OW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("rpop", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0))]),
    m("rpoplpush", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0)), ks(RW | INSERT, Index(2), Range(0, 1, 0))]),
    m("rpush", &[], &[ks(RW | INSERT, Index(1), Range(0, 1, 0))]),
    m("rpushx", &[], &[ks(RW | INSERT, Index(1), Range(0, 1, 0))]),
    m("sadd", &[], &[ks(RW | INSERT, Index(1), Range(0, 1, 0))]),
    m("scan", &["nondeterministic_output", "request_policy:special"], &[]),
    m("scard", &[], &[ks(RO, Index(1), Range(0, 1, 0))]),
    m("script|exists", &["request_policy:all_shards", "response_policy:agg_logical_and"], &[]),
    m("script|flush", &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    m("script|kill", &["request_policy:all_shards", "response_policy:one_succeeded"], &[]),
    m("script|load", &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    m("sdiff", &["nondeterministic_output_order"], &[ks(RO | ACCESS, Index(1), Range(-1, 1, 0))]),
    m("sdiffstore", &[], &[ks(OW | UPDATE, Index(1), Range(0, 1, 0)), ks(RO | ACCESS, Index(2), Range(-1, 1, 0))]),
    m("set", &[], &[ks(RW | ACCESS | UPDATE | VARIABLE_FLAGS, Index(1), Range(0, 1, 0)).notes("RW and ACCESS due to the optional `GET` argument")]),
    m("setbit", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0))]),
    m("setex", &[], &[ks(OW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("setnx", &[], &[ks(OW | INSERT, Index(1), Range(0, 1, 0))]),
    m("setrange", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("sinter", &["nondeterministic_output_order"], &[ks(RO | ACCESS, Index(1), Range(-1, 1, 0))]),
    m("sintercard", &[], &[ks(RO | ACCESS, Index(1), Keynum(0, 1, 1))]),
    m("sinterstore", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0)), ks(RO | ACCESS, Index(2), Range(-1, 1, 0))]),
    m("sismember", &[], &[ks(RO, Index(1), Range(0, 1, 0))]),
    m("slowlog|get", &["request_policy:all_nodes", "nondeterministic_output"], &[]),
    m("slowlog|len", &["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"], &[]),
    m("slowlog|reset", &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    m("smembers", &["nondeterministic_output_order"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("smismember", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("smove", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0)), ks(RW | INSERT, Index(2), Range(0, 1, 0))]),
    m("sort", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0)), ks(RO | ACCESS, UnknownBs, UnknownFk).notes("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"), ks(OW | UPDATE, UnknownBs, UnknownFk).notes("For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array")]),
    m("sort_ro", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0)), ks(RO | ACCESS, UnknownBs, UnknownFk).notes("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort")]),
    m("spop", &["nondeterministic_output"], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0))]),
    m("spublish", &[], &[ks(NOT_KEY, Index(1), Range(0, 1, 0))]),
    m("srandmember", &["nondeterministic_output"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("srem", &[], &[ks(RW | DELETE, Index(1), Range(0, 1, 0))]),
    m("sscan", &["nondeterministic_output"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("ssubscribe", &[], &[ks(NOT_KEY, Index(1), Range(-1, 1, 0))]),
    m("strlen", &[], &[ks(RO, Index(1), Range(0, 1, 0))]),
    m("substr", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("sunion", &["nondeterministic_output_order"], &[ks(RO | ACCESS, Index(1), Range(-1, 1, 0))]),
    m("sunionstore", &[], &[ks(OW | UPDATE, Index(1), Range(0, 1, 0)), ks(RO | ACCESS, Index(2), Range(-1, 1, 0))]),
    m("sunsubscribe", &[], &[ks(NOT_KEY, Index(1), Range(-1, 1, 0))]),
    m("time", &["nondeterministic_output"], &[]),
    m("touch", &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks(RO, Index(1), Range(-1, 1, 0))]),
    m("ttl", &["nondeterministic_output"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("type", &[], &[ks(RO, Index(1), Range(0, 1, 0))]),
    m("unlink", &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks(RM | DELETE, Index(1), Range(-1, 1, 0))]),
    m("wait", &["request_policy:all_shards", "response_policy:agg_min"], &[]),
    m("watch", &[], &[ks(RO, Index(1), Range(-1, 1, 0))]),
    m("xack", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("xadd", &["nondeterministic_output"], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0)).notes("UPDATE instead of INSERT because of the optional trimming feature")]),
    m("xautoclaim", &["nondeterministic_output"], &[ks(RW | DELETE, Index(1), Range(0, 1, 0))]),
    m("xclaim", &["nondeterministic_output"], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("xdel", &[], &[ks(RW | DELETE, Index(1), Range(0, 1, 0))]),
    m("xgroup|create", &[], &[ks(RW | INSERT, Index(2), Range(0, 1, 0))]),
    m("xgroup|createconsumer", &[], &[ks(RW | INSERT, Index(2), Range(0, 1, 0))]),
    m("xgroup|delconsumer", &[], &[ks(RW | DELETE, Index(2), Range(0, 1, 0))]),
    m("xgroup|destroy", &[], &[ks(RW | DELETE, Index(2), Range(0, 1, 0))]),
    m("xgroup|setid", &[], &[ks(RW | UPDATE, Index(2), Range(0, 1, 0))]),
    m("xinfo|consumers", &["nondeterministic_output"], &[ks(RO | ACCESS, Index(2), Range(0, 1, 0))]),
    m("xinfo|groups", &[], &[ks(RO | ACCESS, Index(2), Range(0, 1, 0))]),
    m("xinfo|stream", &[], &[ks(RO | ACCESS, Index(2), Range(0, 1, 0))]),
    m("xlen", &[], &[ks(RO, Index(1), Range(0, 1, 0))]),
    m("xpending", &["nondeterministic_output"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("xrange", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("xread", &[], &[ks(RO | ACCESS, Keyword("STREAMS", 1), Range(-1, 1, 2))]),
    m("xreadgroup", &[], &[ks(RO | ACCESS, Keyword("STREAMS", 4), Range(-1, 1, 2))]),
    m("xrevrange", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("xsetid", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("xtrim", &["nondeterministic_output"], &[ks(RW | DELETE, Index(1), Range(0, 1, 0))]),
    m("zadd", &[], &[ks(RW | UPDATE, Index(1), Range(0, 1, 0))]),
    m("zcard", &[], &[ks(RO, Index(1), Range(0, 1, 0))]),
    m("zcount", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zdiff", &[], &[ks(RO | ACCESS, Index(1), Keynum(0, 1, 1))]),
    m("zdiffstore", &[], &[ks(OW | UPDATE, Index(1), Range(0, 1, 0)), ks(RO | ACCESS, Index(2), Keynum(0, 1, 1))]),
    m("zincrby", &[], &[ks(RW | ACCESS | UPDATE, Index(1), Range(0, 1, 0))]),
    m("zinter", &[], &[ks(RO | ACCESS, Index(1), Keynum(0, 1, 1))]),
    m("zintercard", &[], &[ks(RO | ACCESS, Index(1), Keynum(0, 1, 1))]),
    m("zinterstore", &[], &[ks(OW | UPDATE, Index(1), Range(0, 1, 0)), ks(RO | ACCESS, Index(2), Keynum(0, 1, 1))]),
    m("zlexcount", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zmpop", &[], &[ks(RW | ACCESS | DELETE, Index(1), Keynum(0, 1, 1))]),
    m("zmscore", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zpopmax", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0))]),
    m("zpopmin", &[], &[ks(RW | ACCESS | DELETE, Index(1), Range(0, 1, 0))]),
    m("zrandmember", &["nondeterministic_output"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zrange", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zrangebylex", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zrangebyscore", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zrangestore", &[], &[ks(OW | UPDATE, Index(1), Range(0, 1, 0)), ks(RO | ACCESS, Index(2), Range(0, 1, 0))]),
    m("zrank", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zrem", &[], &[ks(RW | DELETE, Index(1), Range(0, 1, 0))]),
    m("zremrangebylex", &[], &[ks(RW | DELETE, Index(1), Range(0, 1, 0))]),
    m("zremrangebyrank", &[], &[ks(RW | DELETE, Index(1), Range(0, 1, 0))]),
    m("zremrangebyscore", &[], &[ks(RW | DELETE, Index(1), Range(0, 1, 0))]),
    m("zrevrange", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zrevrangebylex", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zrevrangebyscore", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zrevrank", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zscan", &["nondeterministic_output"], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zscore", &[], &[ks(RO | ACCESS, Index(1), Range(0, 1, 0))]),
    m("zunion", &[], &[ks(RO | ACCESS, Index(1), Keynum(0, 1, 1))]),
    m("zunionstore", &[], &[ks(OW | UPDATE, Index(1), Range(0, 1, 0)), ks(RO | ACCESS, Index(2), Keynum(0, 1, 1))]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_found() {
        assert!(META.windows(2).all(|w| w[0].name < w[1].name));
        let set = lookup("set").expect("set");
        assert_eq!(set.key_specs[0].flags, RW | ACCESS | UPDATE | VARIABLE_FLAGS);
        assert_eq!(lookup("client|list").expect("client|list").tips, ["nondeterministic_output"]);
        assert!(lookup("echo").is_none());
        assert_eq!(lookup("ping").expect("ping").tips.len(), 2);
    }
}
