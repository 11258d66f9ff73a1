//! Client-side caching (CLIENT TRACKING): the exact bytes of invalidation
//! messages in RESP3 (pushes to the tracking client) and RESP2 (Pub/Sub
//! messages on `__redis__:invalidate` to a redirect target), where they
//! land relative to replies (own writes, MULTI/EXEC, scripts, blocked
//! clients served, evictions before the reply), BCAST with prefixes and
//! NOLOOP, OPTIN/OPTOUT with CLIENT CACHING, FLUSHDB/FLUSHALL nulls,
//! expiry, `tracking-table-max-keys`, broken redirects, every argument
//! error, TRACKINGINFO / GETREDIR / CLIENT LIST / INFO. With redis-server:
//! one session run on both servers, every reply and push compared byte
//! for byte, and redis-py's client-side cache (`tests/python/client_cache.py`).

use std::time::Duration;

use crate::common::*;

/// Sends a command and returns the raw bytes of the next reply.
fn raw(c: &mut Conn, args: &[&str]) -> Vec<u8> {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    c.cmd_raw(&a).1
}

/// The raw bytes of the next reply (or push) on `c`.
fn next(c: &mut Conn) -> Vec<u8> {
    c.try_read_reply_raw().expect("a reply").1
}

fn show(b: &[u8]) -> String {
    escape(b)
}

/// `>2 invalidate [keys]` as Redis sends it in RESP3.
fn inv3(keys: &[&str]) -> Vec<u8> {
    let mut v = format!(">2\r\n$10\r\ninvalidate\r\n*{}\r\n", keys.len()).into_bytes();
    for k in keys {
        v.extend_from_slice(format!("${}\r\n{k}\r\n", k.len()).as_bytes());
    }
    v
}

/// The RESP2 Pub/Sub form on `__redis__:invalidate`.
fn inv2(keys: &[&str]) -> Vec<u8> {
    let mut v = format!("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*{}\r\n", keys.len()).into_bytes();
    for k in keys {
        v.extend_from_slice(format!("${}\r\n{k}\r\n", k.len()).as_bytes());
    }
    v
}

fn client_id(c: &mut Conn) -> i64 {
    match c.cmd(&["CLIENT", "ID"]) {
        Reply::Int(i) => i,
        r => panic!("CLIENT ID: {r:?}"),
    }
}

/// A RESP2 connection subscribed to `__redis__:invalidate`, and its id.
fn redirect_target(s: &TestServer) -> (Conn, String) {
    let mut r = s.conn();
    let id = client_id(&mut r).to_string();
    r.send(&["SUBSCRIBE", "__redis__:invalidate"]);
    r.read_reply();
    (r, id)
}

fn resp3(s: &TestServer) -> Conn {
    let mut c = s.conn();
    c.cmd(&["HELLO", "3"]);
    c
}

#[test]
fn resp3_invalidation_push() {
    let s = TestServer::start(&[]);
    let mut c = resp3(&s);
    let mut w = s.conn();
    assert_eq!(raw(&mut c, &["CLIENT", "TRACKING", "on"]), b"+OK\r\n");
    w.cmd(&["SET", "a", "1"]);
    assert_eq!(raw(&mut c, &["GET", "a"]), b"$1\r\n1\r\n");
    w.cmd(&["SET", "a", "2"]);
    assert_eq!(next(&mut c), inv3(&["a"]));
    // The entry is gone until read again: no second message.
    w.cmd(&["SET", "a", "3"]);
    assert_eq!(raw(&mut c, &["PING"]), b"+PONG\r\n");
    // Only keys read are tracked (MGET's three, not INCR's).
    c.cmd(&["MGET", "a", "b", "c"]);
    w.cmd(&["INCR", "b"]);
    assert_eq!(next(&mut c), inv3(&["b"]));
    w.cmd(&["DEL", "a", "c"]);
    assert_eq!(next(&mut c), inv3(&["a"]));
    assert_eq!(raw(&mut c, &["PING"]), b"+PONG\r\n", "c never existed: DEL did not touch it");
    // Other types: a stream read with XRANGE, a hash with HGETALL.
    c.cmd(&["XRANGE", "s", "-", "+"]);
    c.cmd(&["HGETALL", "h"]);
    w.cmd(&["XADD", "s", "1-1", "f", "v"]);
    assert_eq!(next(&mut c), inv3(&["s"]));
    w.cmd(&["HSET", "h", "f", "v"]);
    assert_eq!(next(&mut c), inv3(&["h"]));
}

#[test]
fn own_writes_are_invalidated_after_the_reply() {
    let s = TestServer::start(&[]);
    let mut c = resp3(&s);
    c.cmd(&["CLIENT", "TRACKING", "on"]);
    c.cmd(&["HSET", "h", "f", "1"]);
    c.cmd(&["HGET", "h", "f"]);
    assert_eq!(raw(&mut c, &["HDEL", "h", "f"]), b":1\r\n");
    assert_eq!(next(&mut c), inv3(&["h"]));
    // A transaction: the message follows EXEC's reply.
    c.cmd(&["MSET", "a", "1", "b", "2"]);
    c.cmd(&["GET", "a"]);
    c.cmd(&["MULTI"]);
    c.cmd(&["INCR", "a"]);
    c.cmd(&["GET", "b"]);
    assert_eq!(raw(&mut c, &["EXEC"]), b"*2\r\n:2\r\n$1\r\n2\r\n");
    assert_eq!(next(&mut c), inv3(&["a"]));
    // A script: after EVAL's reply.
    c.cmd(&["GET", "a"]);
    assert_eq!(raw(&mut c, &["EVAL", "return redis.call('incr', KEYS[1])", "1", "a"]), b":3\r\n");
    assert_eq!(next(&mut c), inv3(&["a"]));
    // A key that expires when read: null, then the message.
    c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    c.cmd(&["SET", "x", "1", "PX", "1"]);
    c.cmd(&["GET", "x"]);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(raw(&mut c, &["MGET", "a", "x"]), b"*2\r\n$1\r\n3\r\n_\r\n");
    assert_eq!(next(&mut c), inv3(&["x"]));
    c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
}

#[test]
fn resp2_redirect_to_subscriber() {
    let s = TestServer::start(&[]);
    let (mut r, rid) = redirect_target(&s);
    let mut c = s.conn();
    let mut w = s.conn();
    assert_eq!(raw(&mut c, &["CLIENT", "TRACKING", "on", "REDIRECT", &rid]), b"+OK\r\n");
    w.cmd(&["SET", "a", "1"]);
    w.cmd(&["SET", "b", "1"]);
    c.cmd(&["GET", "a"]);
    w.cmd(&["INCR", "b"]);
    w.cmd(&["INCR", "a"]);
    assert_eq!(next(&mut r), inv2(&["a"]));
    // The tracking client's own write goes to the target at once.
    c.cmd(&["GET", "a"]);
    assert_eq!(raw(&mut c, &["SET", "a", "x"]), b"+OK\r\n");
    assert_eq!(next(&mut r), inv2(&["a"]));
    assert_eq!(raw(&mut c, &["CLIENT", "GETREDIR"]), format!(":{rid}\r\n").into_bytes());
    // A RESP2 client without redirect gets nothing (but its keys are kept).
    let mut plain = s.conn();
    plain.cmd(&["CLIENT", "TRACKING", "on"]);
    plain.cmd(&["GET", "z"]);
    w.cmd(&["SET", "z", "1"]);
    assert_eq!(raw(&mut plain, &["PING"]), b"+PONG\r\n");
}

#[test]
fn redirect_target_writing_gets_the_message_before_its_reply() {
    let s = TestServer::start(&[]);
    let mut r = resp3(&s);
    let rid = client_id(&mut r).to_string();
    let mut c = s.conn();
    c.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &rid]);
    c.cmd(&["GET", "k"]);
    // Redis writes the invalidation while SET runs, before SET's reply.
    assert_eq!(raw(&mut r, &["SET", "k", "v"]), inv3(&["k"]));
    assert_eq!(next(&mut r), b"+OK\r\n");
}

#[test]
fn redirect_to_resp3_client_and_broken_redirect() {
    let s = TestServer::start(&[]);
    let mut r = resp3(&s);
    let rid = client_id(&mut r).to_string();
    let mut c = resp3(&s);
    let mut w = s.conn();
    c.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &rid]);
    c.cmd(&["GET", "k"]);
    w.cmd(&["SET", "k", "1"]);
    assert_eq!(next(&mut r), inv3(&["k"]));
    // The target goes away: the RESP3 tracking client is told.
    c.cmd(&["GET", "k"]);
    r.cmd(&["QUIT"]);
    assert!(r.is_closed(Duration::from_secs(5)));
    w.cmd(&["SET", "k", "2"]);
    assert_eq!(next(&mut c), format!(">2\r\n$21\r\ntracking-redir-broken\r\n:{rid}\r\n").into_bytes());
    let info = c.cmd(&["CLIENT", "TRACKINGINFO"]);
    assert_eq!(
        info,
        Reply::Map(vec![
            (bulk("flags"), Reply::Set(vec![bulk("on"), bulk("broken_redirect")])),
            (bulk("redirect"), int(rid.parse().unwrap())),
            (bulk("prefixes"), arr(vec![])),
        ])
    );
    let Reply::Verbatim(_, line) = c.cmd(&["CLIENT", "INFO"]) else { panic!() };
    let line = String::from_utf8_lossy(&line).into_owned();
    assert!(line.contains(" flags=tR ") && line.contains(&format!(" redir={rid} ")), "{line}");
}

#[test]
fn bcast_with_prefixes_batched_per_prefix() {
    let s = TestServer::start(&[]);
    let (mut r, rid) = redirect_target(&s);
    let mut c = s.conn();
    assert_eq!(
        raw(&mut c, &["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", &rid, "PREFIX", "b:", "PREFIX", "a:"]),
        b"+OK\r\n"
    );
    c.cmd(&["MULTI"]);
    for k in ["a:2", "a:1", "b:1", "c:1", "b:2"] {
        c.cmd(&["INCR", k]);
    }
    c.cmd(&["EXEC"]);
    // One message per prefix, in prefix order, keys sorted.
    assert_eq!(next(&mut r), inv2(&["a:1", "a:2"]));
    assert_eq!(next(&mut r), inv2(&["b:1", "b:2"]));
    // Adding a prefix to BCAST mode.
    assert_eq!(raw(&mut c, &["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", &rid, "PREFIX", "c:"]), b"+OK\r\n");
    c.cmd(&["INCR", "c:1234"]);
    assert_eq!(next(&mut r), inv2(&["c:1234"]));
    let info = c.cmd(&["CLIENT", "TRACKINGINFO"]);
    assert_eq!(
        info,
        arr(vec![
            bulk("flags"),
            bulks(&["on", "bcast"]),
            bulk("redirect"),
            int(rid.parse().unwrap()),
            bulk("prefixes"),
            bulks(&["a:", "b:", "c:"]),
        ])
    );
    let mut i = s.conn();
    assert_eq!(info_field(&mut i, "stats", "tracking_total_prefixes"), "3");
    assert_eq!(info_field(&mut i, "clients", "tracking_clients"), "1");
    // BCAST with the empty prefix: every key.
    c.cmd(&["CLIENT", "TRACKING", "off"]);
    assert_eq!(info_field(&mut i, "stats", "tracking_total_prefixes"), "0");
    c.cmd(&["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", &rid]);
    c.cmd(&["MSET", "x", "1", "y", "2"]);
    assert_eq!(next(&mut r), inv2(&["x", "y"]));
    let Reply::Bulk(line) = c.cmd(&["CLIENT", "INFO"]) else { panic!() };
    assert!(String::from_utf8_lossy(&line).contains(" flags=tB "));
}

#[test]
fn noloop_standard_and_bcast() {
    let s = TestServer::start(&[]);
    let (mut r, rid) = redirect_target(&s);
    let mut c = s.conn();
    let mut w = s.conn();
    c.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &rid, "NOLOOP"]);
    c.cmd(&["MGET", "o1", "loop", "o2"]);
    w.cmd(&["SET", "o1", "1"]);
    c.cmd(&["SET", "loop", "1"]);
    w.cmd(&["SET", "o2", "1"]);
    assert_eq!(next(&mut r), inv2(&["o1"]));
    assert_eq!(next(&mut r), inv2(&["o2"]));
    c.cmd(&["CLIENT", "TRACKING", "off"]);
    c.cmd(&["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", &rid, "NOLOOP"]);
    w.cmd(&["SET", "o1", "1"]);
    c.cmd(&["SET", "loop", "1"]);
    w.cmd(&["SET", "o2", "1"]);
    assert_eq!(next(&mut r), inv2(&["o1"]));
    assert_eq!(next(&mut r), inv2(&["o2"]));
    // A key the client wrote itself that then expires lazily is sent.
    c.cmd(&["MULTI"]);
    c.cmd(&["SET", "mykey", "v", "PX", "1"]);
    c.cmd(&["SET", "other", "v"]);
    c.cmd(&["DEBUG", "SLEEP", "0.01"]);
    c.cmd(&["GET", "mykey"]);
    c.cmd(&["EXEC"]);
    assert_eq!(next(&mut r), inv2(&["mykey"]));
    let info = c.cmd(&["CLIENT", "TRACKINGINFO"]);
    assert_eq!(
        info,
        arr(vec![
            bulk("flags"),
            bulks(&["on", "bcast", "noloop"]),
            bulk("redirect"),
            int(rid.parse().unwrap()),
            bulk("prefixes"),
            bulks(&[""]),
        ])
    );
}

#[test]
fn optin_optout_and_caching() {
    let s = TestServer::start(&[]);
    let mut c = resp3(&s);
    let mut w = s.conn();
    c.cmd(&["CLIENT", "TRACKING", "on", "OPTIN"]);
    c.cmd(&["GET", "k1"]);
    w.cmd(&["SET", "k1", "1"]);
    assert_eq!(raw(&mut c, &["PING"]), b"+PONG\r\n", "OPTIN without CACHING yes: not tracked");
    assert_eq!(raw(&mut c, &["CLIENT", "CACHING", "yes"]), b"+OK\r\n");
    let info = c.cmd(&["CLIENT", "TRACKINGINFO"]);
    assert_eq!(
        info,
        Reply::Map(vec![
            (bulk("flags"), Reply::Set(vec![bulk("on"), bulk("optin"), bulk("caching-yes")])),
            (bulk("redirect"), int(0)),
            (bulk("prefixes"), arr(vec![])),
        ]),
        "a CLIENT subcommand keeps the flag"
    );
    c.cmd(&["GET", "k1"]);
    c.cmd(&["GET", "k2"]);
    w.cmd(&["SET", "k1", "2"]);
    w.cmd(&["SET", "k2", "2"]);
    assert_eq!(next(&mut c), inv3(&["k1"]));
    assert_eq!(raw(&mut c, &["PING"]), b"+PONG\r\n", "CACHING yes applied to one command only");
    // In MULTI it applies to the whole transaction.
    c.cmd(&["CLIENT", "CACHING", "yes"]);
    c.cmd(&["MULTI"]);
    c.cmd(&["GET", "k1"]);
    c.cmd(&["GET", "k2"]);
    c.cmd(&["EXEC"]);
    w.cmd(&["MSET", "k1", "3", "k2", "3"]);
    assert_eq!(next(&mut c), inv3(&["k1"]));
    assert_eq!(next(&mut c), inv3(&["k2"]));
    // OPTOUT.
    c.cmd(&["CLIENT", "TRACKING", "off"]);
    c.cmd(&["CLIENT", "TRACKING", "on", "OPTOUT"]);
    c.cmd(&["GET", "k1"]);
    assert_eq!(raw(&mut c, &["CLIENT", "CACHING", "no"]), b"+OK\r\n");
    c.cmd(&["GET", "k2"]);
    w.cmd(&["MSET", "k1", "4", "k2", "4"]);
    assert_eq!(next(&mut c), inv3(&["k1"]));
    assert_eq!(raw(&mut c, &["PING"]), b"+PONG\r\n");
}

#[test]
fn flush_sends_null_invalidation() {
    let s = TestServer::start(&[]);
    let (mut r, rid) = redirect_target(&s);
    let mut c = s.conn();
    let mut c3 = resp3(&s);
    let mut w = s.conn();
    c.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &rid]);
    c3.cmd(&["CLIENT", "TRACKING", "on"]);
    c.cmd(&["GET", "k1"]);
    c.cmd(&["GET", "k2"]);
    let mut i = s.conn();
    assert_eq!(info_field(&mut i, "stats", "tracking_total_keys"), "2");
    assert_eq!(info_field(&mut i, "stats", "tracking_total_items"), "2");
    assert_eq!(info_field(&mut i, "clients", "tracking_clients"), "2");
    w.cmd(&["FLUSHALL", "ASYNC"]);
    assert_eq!(info_field(&mut i, "stats", "tracking_total_keys"), "0");
    // The null in the tracking client's protocol (RESP2 here).
    assert_eq!(next(&mut r), b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n");
    assert_eq!(next(&mut c3), b">2\r\n$10\r\ninvalidate\r\n_\r\n");
    w.cmd(&["FLUSHDB"]);
    assert_eq!(next(&mut r), b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n");
    assert_eq!(next(&mut c3), b">2\r\n$10\r\ninvalidate\r\n_\r\n");
    // The flushing client's own null follows EXEC's reply.
    c3.cmd(&["MULTI"]);
    c3.cmd(&["FLUSHDB"]);
    assert_eq!(raw(&mut c3, &["EXEC"]), b"*1\r\n+OK\r\n");
    assert_eq!(next(&mut c3), b">2\r\n$10\r\ninvalidate\r\n_\r\n");
    assert_eq!(next(&mut r), b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n");
}

#[test]
fn expired_keys_are_invalidated() {
    let s = TestServer::start(&[]);
    let mut c = resp3(&s);
    let mut w = s.conn();
    c.cmd(&["CLIENT", "TRACKING", "on"]);
    w.cmd(&["SET", "e", "1", "PX", "30"]);
    c.cmd(&["GET", "e"]);
    // The active cycle deletes it; the message arrives without a command.
    assert_eq!(next(&mut c), inv3(&["e"]));
    // BCAST clients hear of expired keys too.
    let (mut r, rid) = redirect_target(&s);
    let mut b = s.conn();
    b.cmd(&["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", &rid, "PREFIX", "ex"]);
    w.cmd(&["SET", "exp", "1", "PX", "30"]);
    assert_eq!(next(&mut r), inv2(&["exp"]), "the SET itself");
    assert_eq!(next(&mut r), inv2(&["exp"]), "its expiry");
}

#[test]
fn blocked_client_served_gets_its_invalidation_after_the_reply() {
    let s = TestServer::start(&[]);
    let mut c = resp3(&s);
    let mut w = s.conn();
    w.cmd(&["RPUSH", "dst", "a"]);
    c.cmd(&["CLIENT", "TRACKING", "on"]);
    c.cmd(&["LRANGE", "dst", "0", "-1"]);
    c.send(&["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"]);
    while info_field(&mut w, "clients", "blocked_clients") != "1" {
        std::thread::sleep(Duration::from_millis(5));
    }
    w.cmd(&["RPUSH", "src", "foo"]);
    assert_eq!(next(&mut c), b"$3\r\nfoo\r\n");
    assert_eq!(next(&mut c), inv3(&["dst"]));
}

#[test]
fn eviction_invalidation_precedes_the_reply() {
    let s = TestServer::start(&[]);
    let mut c = resp3(&s);
    c.cmd(&["CLIENT", "TRACKING", "on"]);
    let mut i = s.conn();
    let used: u64 = info_field(&mut i, "memory", "used_memory").parse().unwrap();
    c.cmd(&["CONFIG", "SET", "maxmemory", &(used + 100 * 1024).to_string()]);
    c.cmd(&["CONFIG", "SET", "maxmemory-policy", "volatile-random"]);
    c.cmd(&["SETEX", "volatile-key", "10000", "x"]);
    c.cmd(&["GET", "volatile-key"]);
    c.cmd(&["SETBIT", "big-key", "1600000", "0"]);
    assert_eq!(raw(&mut c, &["GETBIT", "big-key", "0"]), inv3(&["volatile-key"]));
    assert_eq!(next(&mut c), b":0\r\n");
    c.cmd(&["CONFIG", "SET", "maxmemory", "0"]);
}

#[test]
fn table_limit_evicts_keys_with_invalidations() {
    let s = TestServer::start(&[]);
    let (mut r, rid) = redirect_target(&s);
    let mut c = s.conn();
    let mut w = s.conn();
    c.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &rid]);
    for i in 0..250 {
        let k = format!("key{i}");
        w.cmd(&["SET", &k, "1"]);
        c.cmd(&["GET", &k]);
    }
    assert_eq!(info_field(&mut w, "stats", "tracking_total_keys"), "250");
    w.cmd(&["CONFIG", "SET", "tracking-table-max-keys", "1"]);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..249 {
        let Reply::Array(m) = r.read_reply() else { panic!() };
        let Reply::Array(keys) = &m[2] else { panic!() };
        assert_eq!(keys.len(), 1);
        assert!(seen.insert(format!("{:?}", keys[0])));
    }
    assert_eq!(info_field(&mut w, "stats", "tracking_total_keys"), "1");
    r.send(&["PING"]);
    assert_eq!(r.read_reply(), bulks(&["pong", ""]), "no 250th message");
}

#[test]
fn scripts_track_declared_keys_when_they_read() {
    let s = TestServer::start(&[]);
    let mut c = resp3(&s);
    let mut w = s.conn();
    c.cmd(&["CLIENT", "TRACKING", "on"]);
    // A script that only writes tracks nothing.
    c.cmd(&["EVAL", "redis.call('set', 'k3', 'bar')", "2", "k1", "k2"]);
    w.cmd(&["MSET", "k2", "1", "k1", "1"]);
    // One that reads tracks every declared key.
    c.cmd(&["EVAL", "redis.call('get', 'k3')", "2", "k1", "k2"]);
    w.cmd(&["MSET", "k2", "2", "k1", "2"]);
    assert_eq!(next(&mut c), inv3(&["k2"]));
    assert_eq!(next(&mut c), inv3(&["k1"]));
    c.cmd(&["EVAL_RO", "redis.call('ping')", "2", "k1", "k2"]);
    w.cmd(&["MSET", "k2", "3", "k1", "3"]);
    c.cmd(&["EVAL_RO", "redis.call('get', 'k1')", "2", "k1", "k2"]);
    w.cmd(&["MSET", "k2", "4", "k1", "4"]);
    assert_eq!(next(&mut c), inv3(&["k2"]));
    assert_eq!(next(&mut c), inv3(&["k1"]));
    assert_eq!(raw(&mut c, &["PING"]), b"+PONG\r\n");
}

#[test]
fn client_reply_off_keeps_invalidations() {
    let s = TestServer::start(&[]);
    let mut c = resp3(&s);
    let mut w = s.conn();
    c.cmd(&["CLIENT", "TRACKING", "on"]);
    c.cmd(&["GET", "foo"]);
    c.send(&["CLIENT", "REPLY", "OFF"]);
    w.cmd(&["SET", "foo", "bar"]);
    assert_eq!(next(&mut c), inv3(&["foo"]));
    // Its own write's message too.
    c.send(&["GET", "foo"]);
    c.send(&["SET", "foo", "baz"]);
    c.send(&["CLIENT", "REPLY", "ON"]);
    assert_eq!(next(&mut c), inv3(&["foo"]));
    assert_eq!(next(&mut c), b"+OK\r\n");
}

#[test]
fn argument_errors() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let other = client_id(&mut s.conn()) + 100;
    let cases: &[(&[&str], &str)] = &[
        (&["CLIENT", "TRACKING", "maybe"], "-ERR syntax error"),
        (&["CLIENT", "TRACKING", "on", "foo"], "-ERR syntax error"),
        (&["CLIENT", "TRACKING", "off", "extra"], "-ERR syntax error"),
        (&["CLIENT", "TRACKING", "on", "REDIRECT"], "-ERR syntax error"),
        (&["CLIENT", "TRACKING", "on", "PREFIX"], "-ERR syntax error"),
        (&["CLIENT", "TRACKING", "on", "REDIRECT", "abc"], "-ERR value is not an integer or out of range"),
        (&["CLIENT", "TRACKING", "on", "REDIRECT", "0"], "-ERR The client ID you want redirect to does not exist"),
        (
            &["CLIENT", "TRACKING", "on", "REDIRECT", &other.to_string()],
            "-ERR The client ID you want redirect to does not exist",
        ),
        (&["CLIENT", "TRACKING", "on", "PREFIX", "a"], "-ERR PREFIX option requires BCAST mode to be enabled"),
        (&["CLIENT", "TRACKING", "on", "BCAST", "OPTIN"], "-ERR OPTIN and OPTOUT are not compatible with BCAST"),
        (&["CLIENT", "TRACKING", "on", "BCAST", "OPTOUT"], "-ERR OPTIN and OPTOUT are not compatible with BCAST"),
        (&["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"], "-ERR You can't specify both OPTIN mode and OPTOUT mode"),
        (
            &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "FOOBAR", "PREFIX", "FOO"],
            "-ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. Prefixes for a single client must not \
             overlap.",
        ),
        (
            &["CLIENT", "CACHING", "yes"],
            "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode \
             enabled",
        ),
        (&["CLIENT", "CACHING"], "-ERR wrong number of arguments for 'client|caching' command"),
        (&["CLIENT", "GETREDIR", "x"], "-ERR wrong number of arguments for 'client|getredir' command"),
        (&["CLIENT", "TRACKING"], "-ERR wrong number of arguments for 'client|tracking' command"),
    ];
    for (args, want) in cases {
        assert_eq!(show(&raw(&mut c, args)), format!("{want}\\r\\n"), "{args:?}");
    }
    let id = client_id(&mut c).to_string();
    assert_eq!(
        show(&raw(&mut c, &["CLIENT", "TRACKING", "on", "REDIRECT", &id, "REDIRECT", &id])),
        "-ERR A client can only redirect to a single other client\\r\\n"
    );
    c.cmd(&["CLIENT", "TRACKING", "off"]);
    c.cmd(&["CLIENT", "TRACKING", "on", "OPTIN"]);
    let cases: &[(&[&str], &str)] = &[
        (&["CLIENT", "CACHING", "no"], "-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."),
        (&["CLIENT", "CACHING", "maybe"], "-ERR syntax error"),
        (
            &["CLIENT", "TRACKING", "on", "OPTOUT"],
            "-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then \
             re-enabling it with a different mode.",
        ),
        (
            &["CLIENT", "TRACKING", "on", "BCAST"],
            "-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then \
             re-enabling it with a different mode.",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(show(&raw(&mut c, args)), format!("{want}\\r\\n"), "{args:?}");
    }
    c.cmd(&["CLIENT", "TRACKING", "off"]);
    c.cmd(&["CLIENT", "TRACKING", "on", "OPTOUT"]);
    assert_eq!(
        show(&raw(&mut c, &["CLIENT", "CACHING", "yes"])),
        "-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\\r\\n"
    );
    // Prefixes against the client's own.
    c.cmd(&["CLIENT", "TRACKING", "off"]);
    c.cmd(&["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "FOO", "PREFIX", "BAR"]);
    assert_eq!(
        show(&raw(&mut c, &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "FO"])),
        "-ERR Prefix 'FO' overlaps with an existing prefix 'FOO'. Prefixes for a single client must not overlap.\\r\\n"
    );
    assert_eq!(
        show(&raw(&mut c, &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "BARB"])),
        "-ERR Prefix 'BARB' overlaps with an existing prefix 'BAR'. Prefixes for a single client must not \
         overlap.\\r\\n"
    );
    assert_eq!(
        show(&raw(&mut c, &["CLIENT", "TRACKING", "on", "PREFIX", "x"])),
        "-ERR PREFIX option requires BCAST mode to be enabled\\r\\n"
    );
    // Redis 7.0: an overlap found after the first prefix is reported, and
    // tracking is enabled all the same (an error, then +OK).
    let mut d = s.conn();
    d.send(&["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "b", "PREFIX", "bc"]);
    assert_eq!(
        show(&next(&mut d)),
        "-ERR Prefix 'b' overlaps with another provided prefix 'bc'. Prefixes for a single client must not \
         overlap.\\r\\n"
    );
    assert_eq!(next(&mut d), b"+OK\r\n");
    assert_eq!(
        d.cmd(&["CLIENT", "TRACKINGINFO"]),
        arr(vec![
            bulk("flags"),
            bulks(&["on", "bcast"]),
            bulk("redirect"),
            int(0),
            bulk("prefixes"),
            bulks(&["a", "b", "bc"])
        ])
    );
}

#[test]
fn trackinginfo_getredir_and_client_list() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let off = arr(vec![bulk("flags"), bulks(&["off"]), bulk("redirect"), int(-1), bulk("prefixes"), arr(vec![])]);
    assert_eq!(c.cmd(&["CLIENT", "TRACKINGINFO"]), off);
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), int(-1));
    c.cmd(&["CLIENT", "TRACKING", "on"]);
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), int(0));
    assert_eq!(
        c.cmd(&["CLIENT", "TRACKINGINFO"]),
        arr(vec![bulk("flags"), bulks(&["on"]), bulk("redirect"), int(0), bulk("prefixes"), arr(vec![])])
    );
    let Reply::Bulk(line) = c.cmd(&["CLIENT", "INFO"]) else { panic!() };
    let line = String::from_utf8_lossy(&line).into_owned();
    assert!(line.contains(" flags=t ") && line.contains(" redir=0 "), "{line}");
    c.cmd(&["CLIENT", "TRACKING", "off"]);
    let Reply::Bulk(line) = c.cmd(&["CLIENT", "INFO"]) else { panic!() };
    let line = String::from_utf8_lossy(&line).into_owned();
    assert!(line.contains(" flags=N ") && line.contains(" redir=-1 "), "{line}");
    // RESET and disconnect turn tracking off.
    c.cmd(&["CLIENT", "TRACKING", "on", "BCAST"]);
    assert_eq!(info_field(&mut c, "clients", "tracking_clients"), "1");
    c.cmd(&["RESET"]);
    assert_eq!(info_field(&mut c, "clients", "tracking_clients"), "0");
    assert_eq!(info_field(&mut c, "stats", "tracking_total_prefixes"), "0");
    let mut d = s.conn();
    d.cmd(&["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p"]);
    assert_eq!(info_field(&mut c, "clients", "tracking_clients"), "1");
    drop(d);
    let mut n = 0;
    while info_field(&mut c, "clients", "tracking_clients") != "0" {
        n += 1;
        assert!(n < 500, "tracking client not cleared on disconnect");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(info_field(&mut c, "stats", "tracking_total_prefixes"), "0");
}

// ---------------------------------------------------------------------------
// Side by side with redis-server.

/// One session over several connections, logging every reply and push as
/// raw bytes (client ids replaced by their connection's name).
fn session(port: u16) -> Vec<String> {
    let conn = || Conn::connect(port);
    let mut log = Vec::new();
    let mut ids: Vec<(String, String)> = Vec::new();
    let mut rec = |ids: &Vec<(String, String)>, bytes: Vec<u8>, whole: bool| {
        let mut s = escape(&bytes);
        for (id, name) in ids {
            if whole && s == format!(":{id}\\r\\n") {
                s = format!(":<{name}>\\r\\n");
            }
            for ctx in ["redirect\\r\\n", "tracking-redir-broken\\r\\n", "$2\\r\\nid\\r\\n"] {
                s = s.replace(&format!("{ctx}:{id}\\r\\n"), &format!("{ctx}:<{name}>\\r\\n"));
            }
        }
        log.push(s);
    };
    let mut r2 = conn();
    let mut r3 = conn();
    let mut t2 = conn();
    let mut t3 = conn();
    let mut w = conn();
    for (c, name) in [(&mut r2, "r2"), (&mut r3, "r3"), (&mut t2, "t2"), (&mut t3, "t3"), (&mut w, "w")] {
        ids.push((client_id(c).to_string(), name.to_string()));
    }
    let id = |n: &str| ids.iter().find(|(_, x)| x == n).unwrap().0.clone();
    let (r2id, r3id, t2id) = (id("r2"), id("r3"), id("t2"));
    macro_rules! cmd {
        ($c:expr, $($a:expr),+) => {{ let b = raw(&mut $c, &[$($a),+]); rec(&ids, b, false); }};
    }
    macro_rules! read {
        ($c:expr) => {{
            let b = next(&mut $c);
            rec(&ids, b, false);
        }};
    }
    macro_rules! getredir {
        ($c:expr) => {{
            let b = raw(&mut $c, &["CLIENT", "GETREDIR"]);
            rec(&ids, b, true);
        }};
    }
    cmd!(r2, "SUBSCRIBE", "__redis__:invalidate");
    cmd!(r3, "HELLO", "3");
    cmd!(t3, "HELLO", "3");
    // Errors.
    for args in [
        &["CLIENT", "TRACKING", "on", "PREFIX", "a"][..],
        &["CLIENT", "TRACKING", "on", "BCAST", "OPTIN"],
        &["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"],
        &["CLIENT", "TRACKING", "on", "REDIRECT", "999999"],
        &["CLIENT", "TRACKING", "on", "REDIRECT", "x"],
        &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"],
        &["CLIENT", "TRACKING", "bogus"],
        &["CLIENT", "CACHING", "yes"],
        &["CLIENT", "TRACKINGINFO"],
        &["CLIENT", "GETREDIR"],
    ] {
        let b = raw(&mut t2, args);
        rec(&ids, b, false);
        let b = raw(&mut t3, args);
        rec(&ids, b, false);
    }
    // Default mode, RESP2 redirected to a subscriber, RESP3 to itself.
    cmd!(t2, "CLIENT", "TRACKING", "on", "REDIRECT", &r2id);
    cmd!(t3, "CLIENT", "TRACKING", "on");
    cmd!(w, "MSET", "a", "1", "b", "2", "c", "3");
    cmd!(t2, "MGET", "a", "b");
    cmd!(t3, "GET", "a");
    cmd!(t3, "HGETALL", "c");
    cmd!(w, "SET", "a", "x");
    read!(r2);
    read!(t3);
    cmd!(w, "DEL", "b", "c");
    read!(r2);
    read!(t3);
    // Own writes, transactions, scripts.
    cmd!(t3, "GET", "a");
    cmd!(t3, "APPEND", "a", "y");
    read!(t3);
    cmd!(t3, "GET", "a");
    cmd!(t3, "MULTI");
    cmd!(t3, "INCR", "n");
    cmd!(t3, "SET", "a", "z");
    cmd!(t3, "EXEC");
    read!(t3);
    cmd!(t3, "MGET", "a", "n");
    cmd!(t3, "EVAL", "redis.call('del', KEYS[1]); return redis.call('incr', KEYS[2])", "2", "a", "n");
    read!(t3);
    read!(t3);
    cmd!(t3, "CLIENT", "TRACKINGINFO");
    cmd!(t2, "CLIENT", "TRACKINGINFO");
    getredir!(t2);
    // Redirect to a RESP3 client; the target writes the key itself.
    cmd!(t2, "CLIENT", "TRACKING", "on", "REDIRECT", &r3id);
    cmd!(t2, "GET", "k");
    cmd!(r3, "SET", "k", "1");
    read!(r3);
    // OPTIN / OPTOUT.
    cmd!(t3, "CLIENT", "TRACKING", "off");
    cmd!(t3, "CLIENT", "TRACKING", "on", "OPTIN", "NOLOOP");
    cmd!(t3, "GET", "o1");
    cmd!(t3, "CLIENT", "CACHING", "yes");
    cmd!(t3, "CLIENT", "TRACKINGINFO");
    cmd!(t3, "GET", "o2");
    cmd!(t3, "SET", "o2", "self");
    cmd!(w, "MSET", "o1", "1", "o2", "2");
    cmd!(t3, "GET", "o2");
    cmd!(t3, "CLIENT", "TRACKING", "off");
    cmd!(t3, "CLIENT", "TRACKING", "on", "OPTOUT");
    cmd!(t3, "CLIENT", "CACHING", "no");
    cmd!(t3, "GET", "o1");
    cmd!(t3, "GET", "o2");
    cmd!(w, "MSET", "o1", "3", "o2", "3");
    read!(t3);
    // BCAST with prefixes, NOLOOP.
    cmd!(t3, "CLIENT", "TRACKING", "off");
    cmd!(t3, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "obj:", "NOLOOP");
    cmd!(t3, "CLIENT", "TRACKINGINFO");
    cmd!(w, "MULTI");
    cmd!(w, "SET", "user:2", "x");
    cmd!(w, "SET", "user:1", "x");
    cmd!(w, "SET", "other", "x");
    cmd!(w, "SET", "obj:9", "x");
    cmd!(w, "EXEC");
    read!(t3);
    read!(t3);
    cmd!(t3, "SET", "user:3", "mine");
    cmd!(w, "SET", "user:4", "theirs");
    read!(t3);
    // Flushes.
    cmd!(t2, "GET", "k");
    cmd!(w, "FLUSHALL");
    read!(r3);
    read!(t3);
    cmd!(t3, "FLUSHDB");
    read!(r3);
    read!(t3);
    cmd!(w, "SET", "k", "v");
    cmd!(t2, "GET", "k");
    cmd!(w, "DEBUG", "RELOAD");
    read!(r3);
    read!(t3);
    cmd!(t2, "GET", "k");
    // The redirect target leaves: tracking-redir-broken to the RESP3 client.
    cmd!(t3, "CLIENT", "TRACKING", "off");
    cmd!(t3, "CLIENT", "TRACKING", "on", "REDIRECT", &t2id);
    cmd!(t3, "GET", "q");
    cmd!(t2, "QUIT");
    assert!(t2.is_closed(Duration::from_secs(5)));
    cmd!(w, "SET", "q", "1");
    read!(t3);
    cmd!(t3, "CLIENT", "TRACKINGINFO");
    getredir!(t3);
    let Reply::Bulk(info) = w.cmd(&["INFO", "everything"]) else { panic!() };
    let info = String::from_utf8_lossy(&info).into_owned();
    for field in ["tracking_clients", "tracking_total_keys", "tracking_total_items", "tracking_total_prefixes"] {
        let line = info.lines().find(|l| l.starts_with(field)).unwrap_or("missing").to_string();
        log.push(line);
    }
    let Reply::Verbatim(_, line) = t3.cmd(&["CLIENT", "INFO"]) else { panic!() };
    let line = String::from_utf8_lossy(&line).into_owned();
    let flags = line.split(' ').find(|f| f.starts_with("flags=")).unwrap().to_string();
    log.push(flags);
    log
}

#[test]
#[ignore = "needs redis-server"]
fn session_matches_redis() {
    let ours = TestServer::start(&[]);
    let redis = RealRedis::start(&[]);
    let a = session(ours.port);
    let b = session(redis.port);
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "entry {i} differs (left: ours, right: redis-server)");
    }
    assert_eq!(a.len(), b.len());
    assert!(a.len() > 100, "the session ran to its end: {}", a.len());
    let pushes = a.iter().filter(|e| e.contains("invalidate")).count();
    assert!(pushes >= 18, "{pushes} invalidations compared");
}

#[test]
#[ignore = "needs redis-server"]
fn redis_py_client_side_cache_matches_redis() {
    let ours = TestServer::start(&[]);
    let redis = RealRedis::start(&[]);
    let mine = run_python("client_cache.py", &["--port", &ours.port.to_string()]);
    let theirs = run_python("client_cache.py", &["--port", &redis.port.to_string()]);
    assert_eq!(mine, theirs, "left ours, right redis-server");
    assert!(mine.contains(r#"["after write", "b'v2'"]"#), "{mine}");
    assert!(mine.contains(r#"["after flushall", "None"]"#), "{mine}");
}
