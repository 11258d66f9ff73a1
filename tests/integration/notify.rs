//! Keyspace notifications: per event class, the exact `pmessage`s a
//! `PSUBSCRIBE *` client receives for a command sequence (keyspace and
//! keyevent channels), `expired` events from lazy and active expiry
//! (including a key nobody touches), `new`, `keymiss`, the CONFIG
//! round trip of the flags; and (`*_like_redis`) the event stream of a
//! command list covering every family, compared with redis-server's.

use std::time::Duration;

use crate::common::*;

/// Runs `cmds` on a fresh connection with `notify-keyspace-events flags`,
/// and returns the `pmessage`s a `PSUBSCRIBE *` subscriber got, as
/// "channel payload" strings, in order (up to a sentinel publish).
pub(crate) fn events(ep: &impl Endpoint, flags: &str, cmds: &[&[&str]]) -> Vec<String> {
    let mut c = ep.connect();
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", flags]), ok());
    let mut sub = ep.connect();
    sub.send(&["PSUBSCRIBE", "*"]);
    assert_eq!(sub.read_reply(), arr(vec![bulk("psubscribe"), bulk("*"), int(1)]));
    for cmd in cmds {
        c.cmd(cmd);
    }
    c.cmd(&["PUBLISH", "sentinel", "end"]);
    let mut got = Vec::new();
    loop {
        let Reply::Array(items) = sub.read_reply() else { panic!("not an array") };
        let text: Vec<String> = items.iter().map(|r| format!("{r:?}")).collect();
        let strings: Vec<String> = items
            .iter()
            .map(|r| match r {
                Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                other => panic!("unexpected {other:?} in {text:?}"),
            })
            .collect();
        assert_eq!(strings[0], "pmessage", "{text:?}");
        if strings[2] == "sentinel" {
            break;
        }
        got.push(format!("{} {}", strings[2], strings[3]));
    }
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", ""]);
    got
}

fn both(kind: &str, key: &str, event: &str) -> Vec<String> {
    let mut v = Vec::new();
    if kind.contains('K') {
        v.push(format!("__keyspace@0__:{key} {event}"));
    }
    if kind.contains('E') {
        v.push(format!("__keyevent@0__:{event} {key}"));
    }
    v
}

fn seq(kind: &str, items: &[(&str, &str)]) -> Vec<String> {
    items.iter().flat_map(|(k, e)| both(kind, k, e)).collect()
}

#[test]
fn generic_events() {
    let s = TestServer::start(&[]);
    let got = events(
        &s,
        "KEg",
        &[
            &["SET", "a", "1"],
            &["EXPIRE", "a", "100"],
            &["PERSIST", "a"],
            &["RENAME", "a", "b"],
            &["COPY", "b", "c"],
            &["MOVE", "c", "1"],
            &["DEL", "b", "nosuch"],
            &["SET", "d", "1"],
            &["PEXPIREAT", "d", "1"],
        ],
    );
    let mut want =
        seq("KE", &[("a", "expire"), ("a", "persist"), ("a", "rename_from"), ("b", "rename_to"), ("c", "copy_to")]);
    want.push("__keyspace@0__:c move_from".into());
    want.push("__keyevent@0__:move_from c".into());
    want.push("__keyspace@1__:c move_to".into());
    want.push("__keyevent@1__:move_to c".into());
    want.extend(seq("KE", &[("b", "del"), ("d", "del")]));
    assert_eq!(got, want);
}

#[test]
fn string_events() {
    let s = TestServer::start(&[]);
    let got = events(
        &s,
        "K$",
        &[
            &["SET", "s", "1"],
            &["INCR", "s"],
            &["INCRBYFLOAT", "s", "1.5"],
            &["APPEND", "s", "x"],
            &["SETRANGE", "s", "0", "y"],
            &["MSET", "m1", "1", "m2", "2"],
            &["SETBIT", "b", "3", "1"],
            &["SETBIT", "b", "3", "1"],
            &["GETSET", "s", "z"],
            &["SET", "e", "1", "EX", "100"],
        ],
    );
    let want = seq(
        "K",
        &[
            ("s", "set"),
            ("s", "incrby"),
            ("s", "incrbyfloat"),
            ("s", "append"),
            ("s", "setrange"),
            ("m1", "set"),
            ("m2", "set"),
            ("b", "setbit"),
            ("s", "set"),
            ("e", "set"),
        ],
    );
    assert_eq!(got, want, "the EXPIRE of SET EX is a generic event (not enabled)");
}

#[test]
fn list_events() {
    let s = TestServer::start(&[]);
    let got = events(
        &s,
        "KEl",
        &[
            &["LPUSH", "l", "a", "b"],
            &["RPUSH", "l", "c"],
            &["LPOP", "l"],
            &["LINSERT", "l", "BEFORE", "c", "x"],
            &["LSET", "l", "0", "y"],
            &["LMOVE", "l", "m", "LEFT", "RIGHT"],
            &["LTRIM", "l", "0", "0"],
            &["LREM", "l", "0", "nosuch"],
        ],
    );
    let want = seq(
        "KE",
        &[
            ("l", "lpush"),
            ("l", "rpush"),
            ("l", "lpop"),
            ("l", "linsert"),
            ("l", "lset"),
            ("m", "rpush"),
            ("l", "lpop"),
            ("l", "ltrim"),
        ],
    );
    assert_eq!(got, want);
}

#[test]
fn blocking_pop_events_and_del() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]), ok());
    let mut sub = s.conn();
    sub.send(&["PSUBSCRIBE", "__keyspace@0__:*"]);
    sub.read_reply();
    let mut blocked = s.conn();
    blocked.send(&["BLPOP", "q", "0"]);
    // Make sure the BLPOP is waiting before the push.
    for _ in 0..100 {
        if let Reply::Bulk(b) = c.cmd(&["INFO", "clients"])
            && String::from_utf8_lossy(&b).contains("blocked_clients:1")
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(c.cmd(&["RPUSH", "q", "v"]), int(1));
    assert_eq!(blocked.read_reply(), bulks(&["q", "v"]));
    let mut got = Vec::new();
    for _ in 0..3 {
        let Reply::Array(items) = sub.read_reply() else { panic!() };
        got.push(items[3].clone());
    }
    assert_eq!(got, [bulk("rpush"), bulk("lpop"), bulk("del")]);
}

#[test]
fn hash_set_zset_events() {
    let s = TestServer::start(&[]);
    let got = events(
        &s,
        "Khsz",
        &[
            &["HSET", "h", "f", "1"],
            &["HMSET", "h", "g", "2"],
            &["HINCRBY", "h", "f", "1"],
            &["HINCRBYFLOAT", "h", "f", "1"],
            &["HDEL", "h", "f", "g"],
            &["SADD", "s", "a", "b"],
            &["SADD", "s", "a"],
            &["SREM", "s", "x"],
            &["SREM", "s", "a"],
            &["SMOVE", "s", "t", "b"],
            &["SUNIONSTORE", "u", "t"],
            &["ZADD", "z", "1", "a", "2", "b"],
            &["ZINCRBY", "z", "1", "a"],
            &["ZREM", "z", "x"],
            &["ZREM", "z", "a"],
            &["ZPOPMIN", "z"],
        ],
    );
    let want = seq(
        "K",
        &[
            ("h", "hset"),
            ("h", "hset"),
            ("h", "hincrby"),
            ("h", "hincrbyfloat"),
            ("h", "hdel"),
            ("s", "sadd"),
            ("s", "srem"),
            ("s", "srem"),
            ("t", "sadd"),
            ("u", "sunionstore"),
            ("z", "zadd"),
            ("z", "zincr"),
            ("z", "zrem"),
            ("z", "zpopmin"),
        ],
    );
    assert_eq!(got, want, "del events are generic (not enabled)");
}

#[test]
fn new_events_only_on_creation() {
    let s = TestServer::start(&[]);
    let got = events(
        &s,
        "En",
        &[&["SET", "foo", "bar"], &["SET", "foo", "baz"], &["SET", "bar", "bar"], &["LPUSH", "l", "x"]],
    );
    assert_eq!(got, ["__keyevent@0__:new foo", "__keyevent@0__:new bar", "__keyevent@0__:new l"]);
}

#[test]
fn keymiss_events() {
    let s = TestServer::start(&[]);
    let got = events(&s, "Em", &[&["GET", "nosuch"], &["SET", "x", "1"], &["GET", "x"], &["LRANGE", "nol", "0", "-1"]]);
    assert_eq!(got, ["__keyevent@0__:keymiss nosuch", "__keyevent@0__:keymiss nol"]);
}

#[test]
fn expired_events_lazy_and_active() {
    let s = TestServer::start(&["--hz", "100"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Ex"]), ok());
    let mut sub = s.conn();
    sub.send(&["PSUBSCRIBE", "*"]);
    sub.read_reply();
    // Nobody touches this key: the active cycle expires it.
    assert_eq!(c.cmd(&["SET", "untouched", "1", "PX", "50"]), ok());
    assert_eq!(sub.read_reply(), bulks(&["pmessage", "*", "__keyevent@0__:expired", "untouched"]));
    // A lazy expiry: the key is read after its TTL, before the cycle sees it.
    assert_eq!(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), ok());
    assert_eq!(c.cmd(&["SET", "lazy", "1", "PX", "1"]), ok());
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(c.cmd(&["GET", "lazy"]), nil());
    assert_eq!(sub.read_reply(), bulks(&["pmessage", "*", "__keyevent@0__:expired", "lazy"]));
    assert_eq!(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]), ok());
}

#[test]
fn flags_config_round_trip() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for (set, get) in [("gKE", "gKE"), ("$lshzxeKE", "$lshzxeKE"), ("KA", "AK"), ("EA", "AE"), ("Knm", "nKm"), ("", "")]
    {
        assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", set]), ok());
        assert_eq!(c.cmd(&["CONFIG", "GET", "notify-keyspace-events"]), bulks(&["notify-keyspace-events", get]));
    }
    assert!(matches!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KQ"]), Reply::Error(_)));
    // From the command line too.
    let s = TestServer::start(&["--notify-keyspace-events", "KEA"]);
    let got = events(&s, "KEA", &[&["SET", "k", "v"]]);
    assert_eq!(got, seq("KE", &[("k", "set")]));
}

#[test]
fn no_events_when_disabled() {
    let s = TestServer::start(&[]);
    let got = events(&s, "", &[&["SET", "k", "v"], &["DEL", "k"], &["GET", "k"]]);
    assert!(got.is_empty());
}

/// One command list over every family; the event streams of ours and
/// redis-server's must be identical.
#[test]
#[ignore = "needs redis-server"]
fn event_stream_like_redis() {
    let cmds: &[&[&str]] = &[
        &["SET", "s", "1"],
        &["SET", "s", "2", "EX", "100"],
        &["SETNX", "s", "3"],
        &["SETEX", "s2", "100", "x"],
        &["GETEX", "s2", "PERSIST"],
        &["GETEX", "s2", "EX", "50"],
        &["GETDEL", "s2"],
        &["INCRBY", "n", "5"],
        &["DECR", "n"],
        &["MSETNX", "a1", "1", "a2", "2"],
        &["APPEND", "a1", "x"],
        &["SETRANGE", "a1", "5", "y"],
        &["SETBIT", "bits", "7", "1"],
        &["BITOP", "OR", "bdst", "bits"],
        &["BITOP", "AND", "bdst", "nosuch"],
        &["BITFIELD", "bits", "SET", "u8", "0", "255"],
        &["EXPIRE", "a1", "100"],
        &["EXPIRE", "a1", "-1"],
        &["RENAME", "a2", "a3"],
        &["RENAMENX", "a3", "s"],
        &["COPY", "s", "s3"],
        &["COPY", "s", "s3", "REPLACE"],
        &["MOVE", "s3", "2"],
        &["LPUSH", "l", "1", "2", "3"],
        &["RPUSHX", "l", "4"],
        &["SORT", "l", "STORE", "srt"],
        &["SORT", "nosuch", "STORE", "srt"],
        &["LPUSHX", "nol", "4"],
        &["RPOP", "l", "2"],
        &["LMPOP", "1", "l", "LEFT"],
        &["RPOPLPUSH", "l", "l2"],
        &["LREM", "l2", "0", "2"],
        &["HSET", "h", "a", "1", "b", "2"],
        &["HSETNX", "h", "a", "1"],
        &["HDEL", "h", "a", "b"],
        &["SADD", "st", "1", "2", "3"],
        &["SPOP", "st"],
        &["SPOP", "st", "5"],
        &["SADD", "st1", "a"],
        &["SADD", "st2", "b"],
        &["SINTERSTORE", "sd", "st1", "st2"],
        &["SDIFFSTORE", "sd", "st1", "st2"],
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["ZADD", "z", "1", "a"],
        &["ZREMRANGEBYSCORE", "z", "0", "1"],
        &["ZRANGESTORE", "zd", "z", "0", "-1"],
        &["ZUNIONSTORE", "zu", "2", "z", "zd"],
        &["ZINTERSTORE", "zi", "1", "nosuch"],
        &["BZPOPMIN", "z", "0"],
        &["ZPOPMAX", "z", "5"],
        &["DEL", "zd", "zu", "zz"],
        &["UNLINK", "s"],
        &["GET", "nosuch"],
    ];
    let ours = TestServer::start(&[]);
    let redis = RealRedis::start(&[]);
    for flags in ["KEA", "KEAnm", "Eg$lshz"] {
        let mine = events(&ours, flags, cmds);
        let theirs = events(&redis, flags, cmds);
        assert_eq!(mine, theirs, "flags {flags}: left ours, right redis-server");
        let mut c = ours.conn();
        c.cmd(&["FLUSHALL"]);
        let mut c = redis.conn();
        c.cmd(&["FLUSHALL"]);
    }
}

#[test]
fn evicted_events() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Ee"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]), ok());
    let mut sub = s.conn();
    sub.send(&["PSUBSCRIBE", "*"]);
    sub.read_reply();
    assert_eq!(c.cmd(&["SET", "foo", "bar"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "1"]), ok());
    assert_eq!(sub.read_reply(), bulks(&["pmessage", "*", "__keyevent@0__:evicted", "foo"]));
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "0"]), ok());
}
