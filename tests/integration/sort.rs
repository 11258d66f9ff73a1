//! SORT and SORT_RO: numeric and ALPHA sorts, BY weights in strings and
//! hash fields, BY nosort, LIMIT edge cases, GET patterns, STORE (and
//! STORE of an empty result deleting the destination), and the errors;
//! exact replies on our server, and the same replies as a real
//! redis-server for a longer script.

use crate::common::*;

const SETUP: &[&[&str]] = &[
    &["RPUSH", "l", "3", "1", "2", "10", "-5", "1.5"],
    &["RPUSH", "words", "b", "a", "c", "B", "a b"],
    &["ZADD", "z", "3", "c", "1", "a", "2", "b"],
    &["SADD", "s", "5", "3", "9", "1"],
    &["MSET", "w_3", "30", "w_1", "10", "w_2", "20", "w_10", "5", "o_1", "one", "o_2", "two"],
    &["HSET", "h_1", "f", "x1"],
    &["HSET", "h_2", "f", "x2"],
];

fn setup(c: &mut Conn) {
    for cmd in SETUP {
        c.cmd(cmd);
    }
}

#[test]
fn sort_replies() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    setup(&mut c);
    assert_eq!(c.cmd(&["SORT", "l"]), bulks(&["-5", "1", "1.5", "2", "3", "10"]));
    assert_eq!(c.cmd(&["SORT", "l", "DESC", "LIMIT", "1", "2"]), bulks(&["3", "2"]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "10", "2"]), arr(vec![]));
    assert_eq!(c.cmd(&["SORT", "words", "ALPHA"]), bulks(&["B", "a", "a b", "b", "c"]));
    assert_eq!(c.cmd(&["SORT", "s"]), bulks(&["1", "3", "5", "9"]));
    assert_eq!(c.cmd(&["SORT", "z", "BY", "nosort", "DESC"]), bulks(&["c", "b", "a"]));
    // Missing weights count as 0; ties are broken by the elements' bytes.
    assert_eq!(c.cmd(&["SORT", "l", "BY", "w_*"]), bulks(&["-5", "1.5", "10", "1", "2", "3"]));
    assert_eq!(
        c.cmd(&["SORT", "l", "BY", "w_*", "DESC", "LIMIT", "0", "2", "GET", "o_*", "GET", "#", "GET", "h_*->f"]),
        arr(vec![nil(), bulk("3"), nil(), bulk("two"), bulk("2"), bulk("x2")])
    );
    assert_eq!(c.cmd(&["SORT", "l", "STORE", "dst"]), int(6));
    assert_eq!(c.cmd(&["LRANGE", "dst", "0", "-1"]), bulks(&["-5", "1", "1.5", "2", "3", "10"]));
    assert_eq!(c.cmd(&["SORT", "s", "BY", "nosort", "STORE", "dst"]), int(4));
    assert_eq!(c.cmd(&["LRANGE", "dst", "0", "-1"]), bulks(&["1", "3", "5", "9"]));
    assert_eq!(c.cmd(&["SORT", "nokey", "STORE", "dst"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "dst"]), int(0));
    assert_eq!(c.cmd(&["SORT", "words"]), err("ERR One or more scores can't be converted into double"));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "a", "1"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "1"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["SORT_RO", "l", "STORE", "x"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["SORT", "w_1"]), err("WRONGTYPE Operation against a key holding the wrong kind of value"));
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "SORT", "l", "STORE", "a", "LIMIT", "0", "1", "STORE", "b"]),
        bulks(&["l", "b"])
    );
}

/// SORT ... STORE onto a watched key aborts the transaction, even when the
/// result is empty and the key is deleted.
#[test]
fn sort_store_touches_watched_keys() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["RPUSH", "foo", "bar"]);
    c.cmd(&["WATCH", "foo"]);
    assert_eq!(c.cmd(&["SORT", "emptylist", "STORE", "foo"]), int(0));
    c.cmd(&["MULTI"]);
    c.cmd(&["PING"]);
    assert_eq!(c.cmd(&["EXEC"]), Reply::NullArray);
}

const SCRIPT: &[&[&str]] = &[
    &["SORT", "l"],
    &["SORT", "l", "DESC"],
    &["SORT", "l", "LIMIT", "-1", "2"],
    &["SORT", "l", "LIMIT", "0", "0"],
    &["SORT", "l", "LIMIT", "2", "100"],
    &["SORT", "words", "ALPHA", "DESC", "LIMIT", "1", "3"],
    &["SORT", "z"],
    &["SORT", "z", "ALPHA", "DESC"],
    &["SORT", "z", "BY", "nosort", "LIMIT", "1", "5"],
    &["SORT", "l", "BY", "nosort"],
    &["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "3"],
    &["SORT", "l", "BY", "h_*->f", "ALPHA"],
    &["SORT", "l", "BY", "w_*", "ALPHA"],
    &["SORT", "l", "BY", "w_*", "GET", "nothere"],
    &["SORT", "l", "GET", "o_*", "STORE", "dst"],
    &["LRANGE", "dst", "0", "-1"],
    &["SORT_RO", "l", "DESC", "GET", "#", "GET", "w_*"],
    &["SORT", "l", "foo"],
    &["SORT", "h_1"],
    &["RPUSH", "e", "", "0", "-1", " 2", "1e400"],
    &["SORT", "e"],
    &["LPOP", "e"],
    &["SORT", "e"],
    &["SORT", "e", "ALPHA"],
    &["COMMAND", "INFO", "SORT", "SORT_RO"],
];

fn replies(port: u16, resp3: bool) -> Vec<Reply> {
    let mut c = Conn::connect(port);
    if resp3 {
        c.cmd(&["HELLO", "3"]);
    }
    setup(&mut c);
    SCRIPT.iter().map(|cmd| c.cmd(cmd)).collect()
}

#[test]
#[ignore = "needs redis-server"]
fn sort_like_redis() {
    let ours = TestServer::start(&[]);
    let redis = RealRedis::start(&[]);
    for resp3 in [false, true] {
        let (a, b) = (replies(ours.port, resp3), replies(redis.port, resp3));
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(x, y, "{:?} (RESP3: {resp3})", SCRIPT[i]);
        }
        ours.conn().cmd(&["FLUSHALL"]);
        redis.conn().cmd(&["FLUSHALL"]);
    }
}
