//! MULTI/EXEC/DISCARD/WATCH. Every scenario runs on our server and, in the
//! `*_like_redis` tests, on a real redis-server too: the reply logs must be
//! identical, and each scenario also states the replies it expects.

use std::time::Duration;

use crate::common::*;

fn queued() -> Reply {
    simple("QUEUED")
}

fn basic(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut c = connect();
    vec![
        c.cmd(&["MULTI"]),
        c.cmd(&["SET", "a", "1"]),
        c.cmd(&["INCR", "a"]),
        c.cmd(&["GET", "a"]),
        c.cmd(&["EXEC"]),
        c.cmd(&["EXEC"]),
        c.cmd(&["DISCARD"]),
    ]
}

const BASIC_EXPECTED: fn() -> Vec<Reply> = || {
    vec![
        ok(),
        queued(),
        queued(),
        queued(),
        arr(vec![ok(), int(2), bulk("2")]),
        err("ERR EXEC without MULTI"),
        err("ERR DISCARD without MULTI"),
    ]
};

#[test]
fn multi_exec_basic() {
    assert_eq!(run_ours(basic), BASIC_EXPECTED());
}

#[test]
#[ignore = "needs redis-server"]
fn multi_exec_basic_like_redis() {
    assert_eq!(run_both(basic), BASIC_EXPECTED());
}

fn queue_errors(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut c = connect();
    let mut log = vec![c.cmd(&["MULTI"]), c.cmd(&["SET", "a", "1"]), c.cmd(&["NOSUCH", "x"]), c.cmd(&["EXEC"])];
    log.extend([c.cmd(&["GET", "a"]), c.cmd(&["MULTI"]), c.cmd(&["GET"]), c.cmd(&["EXEC"])]);
    // Errors Redis 7.0 answers inside MULTI without dooming the transaction.
    log.extend([
        c.cmd(&["MULTI"]),
        c.cmd(&["MULTI"]),
        c.cmd(&["WATCH", "a"]),
        c.cmd(&["SET", "b", "2"]),
        c.cmd(&["EXEC"]),
    ]);
    // Run-time errors take their slot in EXEC's reply.
    log.extend([
        c.cmd(&["MULTI"]),
        c.cmd(&["SET", "s", "abc"]),
        c.cmd(&["INCR", "s"]),
        c.cmd(&["SET", "n", "1"]),
        c.cmd(&["EXEC"]),
    ]);
    log
}

#[test]
#[ignore = "needs redis-server"]
fn queue_time_and_run_time_errors_like_redis() {
    let log = run_both(queue_errors);
    assert_eq!(log[2], err("ERR unknown command 'NOSUCH', with args beginning with: 'x' "));
    assert_eq!(log[3], err("EXECABORT Transaction discarded because of previous errors."));
    assert_eq!(log[4], nil(), "an aborted transaction runs nothing");
    assert_eq!(log[6], err("ERR wrong number of arguments for 'get' command"));
    assert_eq!(log[9], err("ERR MULTI calls can not be nested"));
    assert_eq!(log[10], err("ERR WATCH inside MULTI is not allowed"));
    assert_eq!(log[12], arr(vec![ok()]));
    assert_eq!(log[17], arr(vec![ok(), err("ERR value is not an integer or out of range"), ok()]));
}

/// WATCH a key, let `touch` act on it from another connection, then run a
/// transaction: returns EXEC's reply.
fn watch_then(connect: &mut dyn FnMut() -> Conn, setup: &[&[&str]], touch: &[&[&str]]) -> Reply {
    let mut c = connect();
    let mut other = connect();
    for cmd in setup {
        c.cmd(cmd);
    }
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    for cmd in touch {
        other.cmd(cmd);
    }
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["PING"]), queued());
    c.cmd(&["EXEC"])
}

fn watch_cases(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let set_k: &[&str] = &["SET", "k", "v"];
    vec![
        // untouched → runs
        watch_then(connect, &[&["FLUSHALL"], set_k], &[]),
        // written by another client
        watch_then(connect, &[&["FLUSHALL"], set_k], &[&["SET", "k", "w"]]),
        // deleted
        watch_then(connect, &[&["FLUSHALL"], set_k], &[&["DEL", "k"]]),
        // created while watched
        watch_then(connect, &[&["FLUSHALL"]], &[&["SET", "k", "new"]]),
        // renamed from
        watch_then(connect, &[&["FLUSHALL"], set_k], &[&["RENAME", "k", "k2"]]),
        // renamed to
        watch_then(connect, &[&["FLUSHALL"], &["SET", "src", "x"]], &[&["RENAME", "src", "k"]]),
        // moved away
        watch_then(connect, &[&["FLUSHALL"], set_k], &[&["MOVE", "k", "1"]]),
        // TTL changes
        watch_then(connect, &[&["FLUSHALL"], set_k], &[&["EXPIRE", "k", "100"]]),
        watch_then(connect, &[&["FLUSHALL"], &["SET", "k", "v", "EX", "100"]], &[&["PERSIST", "k"]]),
        // FLUSHDB / FLUSHALL with the key present
        watch_then(connect, &[&["FLUSHALL"], set_k], &[&["FLUSHDB"]]),
        watch_then(connect, &[&["FLUSHALL"], set_k], &[&["FLUSHALL"]]),
        // FLUSHDB of an empty database touches nothing
        watch_then(connect, &[&["FLUSHALL"]], &[&["FLUSHDB"]]),
        // a write that changes nothing (DEL of a missing key) touches nothing
        watch_then(connect, &[&["FLUSHALL"]], &[&["DEL", "k"]]),
        // a failed conditional write touches nothing
        watch_then(connect, &[&["FLUSHALL"], set_k], &[&["SET", "k", "z", "NX"]]),
        // the same key name in another database is another key
        watch_then(connect, &[&["FLUSHALL"], set_k], &[&["SELECT", "1"], &["SET", "k", "other-db"]]),
        // a read does not touch
        watch_then(connect, &[&["FLUSHALL"], set_k], &[&["GET", "k"]]),
        // APPEND to the watched key
        watch_then(connect, &[&["FLUSHALL"], set_k], &[&["APPEND", "k", "x"]]),
    ]
}

#[test]
fn watch_invalidation_cases() {
    let log = run_ours(watch_cases);
    let ran = arr(vec![simple("PONG")]);
    let expected = vec![
        ran.clone(),
        Reply::NullArray,
        Reply::NullArray,
        Reply::NullArray,
        Reply::NullArray,
        Reply::NullArray,
        Reply::NullArray,
        Reply::NullArray,
        Reply::NullArray,
        Reply::NullArray,
        Reply::NullArray,
        ran.clone(),
        ran.clone(),
        ran.clone(),
        ran.clone(),
        ran.clone(),
        Reply::NullArray,
    ];
    assert_eq!(log, expected);
}

#[test]
#[ignore = "needs redis-server"]
fn watch_invalidation_cases_like_redis() {
    run_both(watch_cases);
}

fn own_writes_and_clearing(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut c = connect();
    let mut log = Vec::new();
    // This client's own write before MULTI counts.
    for cmd in [&["WATCH", "k"][..], &["SET", "k", "1"], &["MULTI"], &["PING"], &["EXEC"]] {
        log.push(c.cmd(cmd));
    }
    // EXEC clears the watches: a later write does not fail the next EXEC.
    for cmd in [&["SET", "k", "2"][..], &["MULTI"], &["PING"], &["EXEC"]] {
        log.push(c.cmd(cmd));
    }
    // UNWATCH clears them.
    for cmd in [&["WATCH", "k"][..], &["UNWATCH"], &["SET", "k", "3"], &["MULTI"], &["PING"], &["EXEC"]] {
        log.push(c.cmd(cmd));
    }
    // DISCARD clears them.
    for cmd in [&["WATCH", "k"][..], &["MULTI"], &["DISCARD"], &["SET", "k", "4"], &["MULTI"], &["PING"], &["EXEC"]] {
        log.push(c.cmd(cmd));
    }
    // SELECT inside MULTI applies to the commands after it.
    for cmd in [&["MULTI"][..], &["SELECT", "3"], &["SET", "db3", "x"], &["EXEC"], &["GET", "db3"], &["SELECT", "0"]] {
        log.push(c.cmd(cmd));
    }
    log.push(c.cmd(&["GET", "db3"]));
    log
}

#[test]
fn own_writes_and_watch_clearing() {
    let log = run_ours(own_writes_and_clearing);
    assert_eq!(log[4], Reply::NullArray, "own write before MULTI fails EXEC");
    assert_eq!(log[8], arr(vec![simple("PONG")]));
    assert_eq!(log[14], arr(vec![simple("PONG")]));
    assert_eq!(log[21], arr(vec![simple("PONG")]));
    assert_eq!(log[25], arr(vec![ok(), ok()]));
    assert_eq!(log[26], bulk("x"));
    assert_eq!(log[28], nil());
}

#[test]
#[ignore = "needs redis-server"]
fn own_writes_and_watch_clearing_like_redis() {
    run_both(own_writes_and_clearing);
}

fn expiry_cases(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut c = connect();
    let mut log = Vec::new();
    // A watched key that expires before EXEC fails it, even if nobody read it.
    log.push(c.cmd(&["SET", "k", "v", "PX", "50"]));
    log.push(c.cmd(&["WATCH", "k"]));
    std::thread::sleep(Duration::from_millis(150));
    log.push(c.cmd(&["MULTI"]));
    log.push(c.cmd(&["PING"]));
    log.push(c.cmd(&["EXEC"]));
    // A key already expired when watched does not fail EXEC when deleted.
    log.push(c.cmd(&["SET", "s", "v", "PX", "1"]));
    std::thread::sleep(Duration::from_millis(20));
    log.push(c.cmd(&["WATCH", "s"]));
    log.push(c.cmd(&["DEL", "s"]));
    log.push(c.cmd(&["MULTI"]));
    log.push(c.cmd(&["PING"]));
    log.push(c.cmd(&["EXEC"]));
    log
}

#[test]
fn watched_keys_and_expiry() {
    let log = run_ours(expiry_cases);
    assert_eq!(log[4], Reply::NullArray);
    assert_eq!(log[10], arr(vec![simple("PONG")]));
}

#[test]
#[ignore = "needs redis-server"]
fn watched_keys_and_expiry_like_redis() {
    run_both(expiry_cases);
}

#[test]
fn resp3_null_exec_and_isolation() {
    let s = TestServer::start(&[]);
    let mut a = s.conn();
    let mut b = s.conn();
    a.cmd(&["HELLO", "3"]);
    assert_eq!(a.cmd(&["WATCH", "k"]), ok());
    b.cmd(&["SET", "k", "1"]);
    a.cmd(&["MULTI"]);
    a.cmd(&["GET", "k"]);
    assert_eq!(a.cmd(&["EXEC"]), Reply::Null, "RESP3 null for an aborted EXEC");
    // Queued commands run with nothing in between: another client's command
    // sent while the transaction is queued runs before EXEC or after it.
    a.cmd(&["MULTI"]);
    for _ in 0..100 {
        a.cmd(&["INCR", "counter"]);
    }
    b.send(&["SET", "counter", "0"]);
    assert_eq!(b.read_reply(), ok());
    let Reply::Array(results) = a.cmd(&["EXEC"]) else { panic!("EXEC answers an array") };
    assert_eq!(results.first(), Some(&int(1)));
    assert_eq!(results.last(), Some(&int(100)));
}

#[test]
fn quit_inside_multi_closes() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["MULTI"]);
    assert_eq!(c.cmd(&["QUIT"]), ok());
    assert!(c.is_closed(Duration::from_secs(2)));
    let mut d = s.conn();
    assert_eq!(d.cmd(&["PING"]), simple("PONG"));
}

/// With `min-replicas-to-write` set, a server without replicas refuses
/// writes with NOREPLICAS, and an EXEC whose queue holds a write queued
/// before the setting changed aborts with it (nothing runs); reads and
/// `min-replicas-max-lag 0` (the check off) are unaffected.
fn min_replicas(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut c = connect();
    let mut admin = connect();
    let mut log = vec![c.cmd(&["SET", "xx", "1"]), c.cmd(&["MULTI"]), c.cmd(&["INCR", "xx"])];
    log.push(admin.cmd(&["CONFIG", "SET", "min-replicas-to-write", "2"]));
    log.push(c.cmd(&["EXEC"]));
    log.push(c.cmd(&["SET", "xx", "2"]));
    log.push(c.cmd(&["GET", "xx"]));
    log.push(admin.cmd(&["CONFIG", "SET", "min-replicas-max-lag", "0"]));
    log.push(c.cmd(&["SET", "xx", "3"]));
    log.push(admin.cmd(&["CONFIG", "SET", "min-replicas-max-lag", "10"]));
    log.push(admin.cmd(&["CONFIG", "SET", "min-replicas-to-write", "0"]));
    log.push(c.cmd(&["INCR", "xx"]));
    log
}

fn min_replicas_expected() -> Vec<Reply> {
    let noreplicas = "NOREPLICAS Not enough good replicas to write.";
    vec![
        ok(),
        ok(),
        queued(),
        ok(),
        err(&format!("EXECABORT Transaction discarded because of: {noreplicas}")),
        err(noreplicas),
        bulk("1"),
        ok(),
        ok(),
        ok(),
        ok(),
        int(4),
    ]
}

#[test]
fn min_replicas_to_write_refuses_writes() {
    assert_eq!(run_ours(min_replicas), min_replicas_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn min_replicas_to_write_refuses_writes_like_redis() {
    assert_eq!(run_both(min_replicas), min_replicas_expected());
}
