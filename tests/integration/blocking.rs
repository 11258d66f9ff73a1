//! Blocking list commands with several real TCP clients. Each rule is a
//! scenario that returns every reply it saw; it runs on our server (with
//! the replies it must give) and, in the `*_like_redis` tests, on a real
//! redis-server too, where the logs must be identical. A client is known to
//! be blocked when CLIENT LIST shows its blocking command (`cmd=`), so no
//! scenario depends on timing. Also: the tutorial's ipwatcher consumer and
//! a bounded stress test of producers and disconnecting consumers.

use std::collections::{HashMap, HashSet};
use std::net::Shutdown;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::common::*;

fn client_id(c: &mut Conn) -> String {
    match c.cmd(&["CLIENT", "ID"]) {
        Reply::Int(i) => i.to_string(),
        r => panic!("CLIENT ID answered {r:?}"),
    }
}

fn client_line(ctl: &mut Conn, id: &str) -> String {
    match ctl.cmd(&["CLIENT", "LIST", "ID", id]) {
        Reply::Bulk(b) | Reply::Verbatim(_, b) => String::from_utf8_lossy(&b).into_owned(),
        r => panic!("CLIENT LIST answered {r:?}"),
    }
}

/// Waits until client `id` has run `cmd` (it is then blocked in it, or was
/// served).
fn wait_ran(ctl: &mut Conn, id: &str, cmd: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let needle = format!(" cmd={cmd} ");
    while !client_line(ctl, id).contains(&needle) {
        assert!(Instant::now() < deadline, "client {id} never ran {cmd}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Waits until client `id` is gone from CLIENT LIST.
fn wait_gone(ctl: &mut Conn, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !client_line(ctl, id).trim().is_empty() {
        assert!(Instant::now() < deadline, "client {id} never left");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A connection blocked in `args` (whose command name is `cmd` in CLIENT
/// LIST), once the server has run it.
fn blocked(connect: &mut dyn FnMut() -> Conn, ctl: &mut Conn, args: &[&str]) -> Conn {
    let mut c = connect();
    let id = client_id(&mut c);
    c.send(args);
    wait_ran(ctl, &id, &args[0].to_ascii_lowercase());
    c
}

fn kv(k: &str, v: &str) -> Reply {
    bulks(&[k, v])
}

// ------------------------------------------------------------ FIFO per key

fn fifo(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut p = connect();
    let mut c1 = blocked(connect, &mut p, &["BLPOP", "q", "0"]);
    let mut c2 = blocked(connect, &mut p, &["BRPOP", "q", "0"]);
    let mut c3 = blocked(connect, &mut p, &["BLMPOP", "0", "1", "q", "LEFT", "COUNT", "2"]);
    let mut c4 = blocked(connect, &mut p, &["BLPOP", "q", "0"]);
    // One command pushing several items serves several waiters, in order.
    let mut log = vec![p.cmd(&["RPUSH", "q", "a", "b", "c", "d"])];
    log.extend([c1.read_reply(), c2.read_reply(), c3.read_reply()]);
    log.push(p.cmd(&["LLEN", "q"]));
    // One push at a time: the next waiter in line.
    let mut c5 = blocked(connect, &mut p, &["BLPOP", "q", "0"]);
    log.push(p.cmd(&["LPUSH", "q", "x"]));
    log.push(c4.read_reply());
    log.push(p.cmd(&["LPUSH", "q", "y"]));
    log.push(c5.read_reply());
    log.push(p.cmd(&["EXISTS", "q"]));
    log
}

fn fifo_expected() -> Vec<Reply> {
    vec![
        int(4),
        kv("q", "a"),
        kv("q", "d"),
        arr(vec![bulk("q"), bulks(&["b", "c"])]),
        int(0),
        int(1),
        kv("q", "x"),
        int(1),
        kv("q", "y"),
        int(0),
    ]
}

#[test]
fn first_come_first_served() {
    assert_eq!(run_ours(fifo), fifo_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn first_come_first_served_like_redis() {
    assert_eq!(run_both(fifo), fifo_expected());
}

// ------------------------------------------------------------ several keys

/// A client blocked on several keys is served from the key that got data;
/// when several do in one transaction, Redis 7.0 serves from the first to
/// become ready (not the first named).
fn several_keys(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut p = connect();
    let mut c = connect();
    let cid = client_id(&mut c);
    c.send(&["BLPOP", "k1", "k2", "k3", "0"]);
    wait_ran(&mut p, &cid, "blpop");
    let mut log = vec![p.cmd(&["RPUSH", "k2", "a"]), c.read_reply()];
    c.send(&["BRPOP", "k1", "k2", "k3", "0"]);
    wait_ran(&mut p, &cid, "brpop");
    let mut d = blocked(connect, &mut p, &["BLMPOP", "0", "3", "k1", "k2", "k3", "RIGHT", "COUNT", "5"]);
    log.push(p.cmd(&["MULTI"]));
    log.push(p.cmd(&["RPUSH", "k3", "x"]));
    log.push(p.cmd(&["RPUSH", "k1", "y", "z"]));
    log.push(p.cmd(&["RPUSH", "k2", "w"]));
    log.push(p.cmd(&["EXEC"]));
    log.push(c.read_reply());
    log.push(d.read_reply());
    log.push(p.cmd(&["LRANGE", "k2", "0", "-1"]));
    // The same key named twice (Redis issue #801).
    let mut e = blocked(connect, &mut p, &["BLPOP", "k9", "k8", "k8", "k9", "0"]);
    log.push(p.cmd(&["RPUSH", "k8", "v"]));
    log.push(e.read_reply());
    log
}

fn several_keys_expected() -> Vec<Reply> {
    vec![
        int(1),
        kv("k2", "a"),
        ok(),
        simple("QUEUED"),
        simple("QUEUED"),
        simple("QUEUED"),
        arr(vec![int(1), int(2), int(1)]),
        kv("k3", "x"),
        arr(vec![bulk("k1"), bulks(&["z", "y"])]),
        bulks(&["w"]),
        int(1),
        kv("k8", "v"),
    ]
}

#[test]
fn several_keys_served_from_the_ready_key() {
    assert_eq!(run_ours(several_keys), several_keys_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn several_keys_served_from_the_ready_key_like_redis() {
    assert_eq!(run_both(several_keys), several_keys_expected());
}

// ------------------------------------------------------------ MULTI/EXEC

/// Pushes inside a transaction wake waiters only after EXEC, and see the
/// transaction's final state.
fn exec_wakes(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut p = connect();
    let mut obs = connect();
    let mut c1 = blocked(connect, &mut p, &["BLPOP", "q", "0"]);
    let mut c2 = blocked(connect, &mut p, &["BLPOP", "q", "0"]);
    let mut log = vec![
        p.cmd(&["MULTI"]),
        p.cmd(&["LPUSH", "q", "a"]),
        p.cmd(&["LPUSH", "q", "b"]),
        p.cmd(&["LPUSH", "q", "c"]),
        // Nothing ran yet: the item is not there and nobody was served.
        obs.cmd(&["EXISTS", "q"]),
    ];
    log.push(p.cmd(&["EXEC"]));
    log.push(c1.read_reply());
    log.push(c2.read_reply());
    log.push(p.cmd(&["LRANGE", "q", "0", "-1"]));
    log
}

fn exec_wakes_expected() -> Vec<Reply> {
    vec![
        ok(),
        simple("QUEUED"),
        simple("QUEUED"),
        simple("QUEUED"),
        int(0),
        arr(vec![int(1), int(2), int(3)]),
        kv("q", "c"),
        kv("q", "b"),
        bulks(&["a"]),
    ]
}

#[test]
fn exec_wakes_waiters_after_the_transaction() {
    assert_eq!(run_ours(exec_wakes), exec_wakes_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn exec_wakes_waiters_after_the_transaction_like_redis() {
    assert_eq!(run_both(exec_wakes), exec_wakes_expected());
}

/// Inside MULTI a blocking command does not block: it answers as on
/// timeout (a null for BLMOVE/BRPOPLPUSH), or pops if there is data.
fn in_multi(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut c = connect();
    let mut r3 = connect();
    r3.cmd(&["HELLO", "3"]);
    let mut log = vec![c.cmd(&["RPUSH", "full", "a", "b"]), c.cmd(&["MULTI"])];
    for cmd in [
        &["BLPOP", "empty", "0"][..],
        &["BRPOP", "empty", "full", "0"],
        &["BLMOVE", "empty", "d", "LEFT", "LEFT", "0"],
        &["BRPOPLPUSH", "empty", "d", "0"],
        &["BLMPOP", "0", "1", "empty", "LEFT"],
        &["BLPOP", "full", "0"],
        &["BLPOP", "full", "0"],
    ] {
        log.push(c.cmd(cmd));
    }
    log.push(c.cmd(&["EXEC"]));
    log.push(r3.cmd(&["MULTI"]));
    log.push(r3.cmd(&["BLPOP", "empty", "0"]));
    log.push(r3.cmd(&["BLMOVE", "empty", "d", "LEFT", "LEFT", "0"]));
    log.push(r3.cmd(&["EXEC"]));
    log
}

fn in_multi_expected() -> Vec<Reply> {
    let q = || simple("QUEUED");
    vec![
        int(2),
        ok(),
        q(),
        q(),
        q(),
        q(),
        q(),
        q(),
        q(),
        arr(vec![Reply::NullArray, kv("full", "b"), nil(), nil(), Reply::NullArray, kv("full", "a"), Reply::NullArray]),
        ok(),
        q(),
        q(),
        arr(vec![nil(), nil()]),
    ]
}

#[test]
fn blocking_commands_inside_multi_do_not_block() {
    assert_eq!(run_ours(in_multi), in_multi_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn blocking_commands_inside_multi_do_not_block_like_redis() {
    assert_eq!(run_both(in_multi), in_multi_expected());
}

// ------------------------------------------------------------ moves

/// LMOVE/RPOPLPUSH/BLMOVE whose destination another client waits on wakes
/// it; chains and cycles of BRPOPLPUSH; a move within one list.
fn moves_wake(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut p = connect();
    let mut log = Vec::new();
    let mut w1 = blocked(connect, &mut p, &["BLPOP", "dst", "0"]);
    log.push(p.cmd(&["RPUSH", "src", "a", "b"]));
    log.push(p.cmd(&["LMOVE", "src", "dst", "LEFT", "RIGHT"]));
    log.push(w1.read_reply());
    let mut w2 = blocked(connect, &mut p, &["BRPOP", "dst", "0"]);
    log.push(p.cmd(&["RPOPLPUSH", "src", "dst"]));
    log.push(w2.read_reply());
    // Linked BLMOVEs: src2 -> mid -> end, and a BLPOP on end.
    let mut m1 = blocked(connect, &mut p, &["BLMOVE", "src2", "mid", "RIGHT", "LEFT", "0"]);
    let mut m2 = blocked(connect, &mut p, &["BLMOVE", "mid", "end", "LEFT", "RIGHT", "0"]);
    let mut m3 = blocked(connect, &mut p, &["BLPOP", "end", "0"]);
    log.push(p.cmd(&["RPUSH", "src2", "z"]));
    log.extend([m1.read_reply(), m2.read_reply(), m3.read_reply()]);
    log.push(p.cmd(&["EXISTS", "src2", "mid", "end"]));
    // Circular BRPOPLPUSH.
    let mut r1 = blocked(connect, &mut p, &["BRPOPLPUSH", "list1", "list2", "0"]);
    let mut r2 = blocked(connect, &mut p, &["BRPOPLPUSH", "list2", "list1", "0"]);
    log.push(p.cmd(&["RPUSH", "list1", "foo"]));
    log.extend([r1.read_reply(), r2.read_reply()]);
    log.push(p.cmd(&["LRANGE", "list1", "0", "-1"]));
    log.push(p.cmd(&["LRANGE", "list2", "0", "-1"]));
    // Self-referential BRPOPLPUSH keeps the item.
    let mut s = blocked(connect, &mut p, &["BRPOPLPUSH", "self", "self", "0"]);
    log.push(p.cmd(&["RPUSH", "self", "x"]));
    log.push(s.read_reply());
    log.push(p.cmd(&["LRANGE", "self", "0", "-1"]));
    log
}

fn moves_wake_expected() -> Vec<Reply> {
    vec![
        int(2),
        bulk("a"),
        kv("dst", "a"),
        bulk("b"),
        kv("dst", "b"),
        int(1),
        bulk("z"),
        bulk("z"),
        kv("end", "z"),
        int(0),
        int(1),
        bulk("foo"),
        bulk("foo"),
        bulks(&["foo"]),
        arr(vec![]),
        int(1),
        bulk("x"),
        bulks(&["x"]),
    ]
}

#[test]
fn moves_wake_clients_waiting_on_the_destination() {
    assert_eq!(run_ours(moves_wake), moves_wake_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn moves_wake_clients_waiting_on_the_destination_like_redis() {
    assert_eq!(run_both(moves_wake), moves_wake_expected());
}

// ------------------------------------------------------------ disconnects

/// A blocked client that disconnects is forgotten; no item goes to it.
fn disconnects(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut p = connect();
    let mut gone = connect();
    let gone_id = client_id(&mut gone);
    gone.send(&["BLPOP", "q", "0"]);
    wait_ran(&mut p, &gone_id, "blpop");
    let mut stays = blocked(connect, &mut p, &["BLPOP", "q", "0"]);
    let mut gone2 = connect();
    let gone2_id = client_id(&mut gone2);
    gone2.send(&["BLMOVE", "q", "other", "LEFT", "LEFT", "0"]);
    wait_ran(&mut p, &gone2_id, "blmove");
    drop(gone);
    drop(gone2);
    wait_gone(&mut p, &gone_id);
    wait_gone(&mut p, &gone2_id);
    vec![
        p.cmd(&["RPUSH", "q", "a", "b"]),
        stays.read_reply(),
        p.cmd(&["LRANGE", "q", "0", "-1"]),
        p.cmd(&["EXISTS", "other"]),
    ]
}

fn disconnects_expected() -> Vec<Reply> {
    vec![int(2), kv("q", "a"), bulks(&["b"]), int(0)]
}

#[test]
fn disconnected_waiters_are_forgotten() {
    assert_eq!(run_ours(disconnects), disconnects_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn disconnected_waiters_are_forgotten_like_redis() {
    assert_eq!(run_both(disconnects), disconnects_expected());
}

// ------------------------------------------------------------ databases

/// Waiters are served from their own database; SWAPDB brings a list into a
/// waiter's database and serves it.
fn databases(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut p = connect();
    let mut c = connect();
    let id = client_id(&mut c);
    let mut log = vec![c.cmd(&["SELECT", "1"])];
    c.send(&["BLPOP", "q", "0"]);
    wait_ran(&mut p, &id, "blpop");
    log.push(p.cmd(&["RPUSH", "q", "db0"]));
    log.push(p.cmd(&["SELECT", "1"]));
    log.push(p.cmd(&["RPUSH", "q", "db1"]));
    log.push(c.read_reply());
    log.push(p.cmd(&["SELECT", "0"]));
    log.push(p.cmd(&["LRANGE", "q", "0", "-1"]));
    // SWAPDB: db 0 holds q, the waiter is in db 9.
    let mut s = connect();
    let sid = client_id(&mut s);
    log.push(s.cmd(&["SELECT", "9"]));
    s.send(&["BRPOP", "q", "0"]);
    wait_ran(&mut p, &sid, "brpop");
    log.push(p.cmd(&["SWAPDB", "0", "9"]));
    log.push(s.read_reply());
    log.push(p.cmd(&["SELECT", "9"]));
    log.push(p.cmd(&["EXISTS", "q"]));
    log
}

fn databases_expected() -> Vec<Reply> {
    vec![ok(), int(1), ok(), int(1), kv("q", "db1"), ok(), bulks(&["db0"]), ok(), ok(), kv("q", "db0"), ok(), int(0)]
}

#[test]
fn selected_databases_are_respected() {
    assert_eq!(run_ours(databases), databases_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn selected_databases_are_respected_like_redis() {
    assert_eq!(run_both(databases), databases_expected());
}

// ------------------------------------------------------------ type changes

/// A key that is pushed, deleted and re-created as a string while a client
/// waits neither crashes nor serves it; a wrong-type destination answers
/// WRONGTYPE and keeps the items in order.
fn type_changes(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut p = connect();
    let mut c = blocked(connect, &mut p, &["BLPOP", "q", "0"]);
    let mut log = vec![
        p.cmd(&["MULTI"]),
        p.cmd(&["LPUSH", "q", "a"]),
        p.cmd(&["DEL", "q"]),
        p.cmd(&["SET", "q", "foo"]),
        p.cmd(&["EXEC"]),
        p.cmd(&["GET", "q"]),
        p.cmd(&["DEL", "q"]),
        p.cmd(&["LPUSH", "q", "b"]),
        c.read_reply(),
    ];
    // Created as another type: the waiter keeps waiting.
    let mut z = blocked(connect, &mut p, &["BLPOP", "h", "0"]);
    log.push(p.cmd(&["SET", "h", "v"]));
    log.push(p.cmd(&["DEL", "h"]));
    log.push(p.cmd(&["RPUSH", "h", "list"]));
    log.push(z.read_reply());
    // BRPOPLPUSH to a string: WRONGTYPE, nothing popped.
    log.push(p.cmd(&["SET", "target", "nolist"]));
    let mut w = blocked(connect, &mut p, &["BRPOPLPUSH", "blist", "target", "0"]);
    log.push(p.cmd(&["RPUSH", "blist", "a", "b", "c"]));
    log.push(w.read_reply());
    log.push(p.cmd(&["LRANGE", "blist", "0", "-1"]));
    log
}

fn type_changes_expected() -> Vec<Reply> {
    vec![
        ok(),
        simple("QUEUED"),
        simple("QUEUED"),
        simple("QUEUED"),
        arr(vec![int(1), int(1), ok()]),
        bulk("foo"),
        int(1),
        int(1),
        kv("q", "b"),
        ok(),
        int(1),
        int(1),
        kv("h", "list"),
        ok(),
        int(3),
        err("WRONGTYPE Operation against a key holding the wrong kind of value"),
        bulks(&["a", "b", "c"]),
    ]
}

#[test]
fn type_changes_while_waiting() {
    assert_eq!(run_ours(type_changes), type_changes_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn type_changes_while_waiting_like_redis() {
    assert_eq!(run_both(type_changes), type_changes_expected());
}

// ------------------------------------------------------------ timeouts

/// Timeouts answer a null array (RESP2 `*-1`, RESP3 `_`) for every blocking
/// list command, and a timed-out client takes nothing pushed later.
fn timeouts(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut c = connect();
    let mut r3 = connect();
    r3.cmd(&["HELLO", "3"]);
    let mut p = connect();
    let mut log = vec![
        c.cmd(&["BLPOP", "q", "0.05"]),
        c.cmd(&["BRPOP", "q", "q2", "0.001"]),
        c.cmd(&["BLMOVE", "q", "d", "LEFT", "RIGHT", "0.05"]),
        c.cmd(&["BRPOPLPUSH", "q", "d", "0.05"]),
        c.cmd(&["BLMPOP", "0.05", "1", "q", "LEFT"]),
        r3.cmd(&["BLPOP", "q", "0.05"]),
        r3.cmd(&["BLMOVE", "q", "d", "LEFT", "RIGHT", "0.05"]),
    ];
    log.push(p.cmd(&["RPUSH", "q", "later"]));
    log.push(p.cmd(&["LRANGE", "q", "0", "-1"]));
    log.push(c.cmd(&["BLPOP", "q", "1"]));
    log
}

fn timeouts_expected() -> Vec<Reply> {
    let n = || Reply::NullArray;
    vec![n(), n(), n(), n(), n(), nil(), nil(), int(1), bulks(&["later"]), kv("q", "later")]
}

#[test]
fn timeouts_answer_null_arrays() {
    assert_eq!(run_ours(timeouts), timeouts_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn timeouts_answer_null_arrays_like_redis() {
    assert_eq!(run_both(timeouts), timeouts_expected());
}

// ------------------------------------------------------------ CLIENT UNBLOCK / KILL

/// CLIENT UNBLOCK (TIMEOUT and ERROR) and CLIENT KILL on blocked clients;
/// INFO's `blocked_clients` and CLIENT LIST's flags while they wait.
fn unblock(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut p = connect();
    let blocked_count = |p: &mut Conn| -> String {
        let Reply::Bulk(info) = p.cmd(&["INFO", "clients"]) else { panic!("INFO") };
        let info = String::from_utf8_lossy(&info).into_owned();
        info.lines().find(|l| l.starts_with("blocked_clients:")).unwrap_or("").trim().to_string()
    };
    let mut a = connect();
    let a_id = client_id(&mut a);
    a.send(&["BLPOP", "q", "0"]);
    wait_ran(&mut p, &a_id, "blpop");
    let mut b = connect();
    let b_id = client_id(&mut b);
    b.send(&["BLMOVE", "q", "d", "LEFT", "LEFT", "0"]);
    wait_ran(&mut p, &b_id, "blmove");
    let mut k = connect();
    let k_id = client_id(&mut k);
    k.send(&["BRPOP", "q", "0"]);
    wait_ran(&mut p, &k_id, "brpop");
    let line = client_line(&mut p, &a_id);
    let mut log = vec![
        Reply::Simple(blocked_count(&mut p)),
        Reply::Bool(line.contains(" flags=b ") && line.contains(" cmd=blpop ")),
        p.cmd(&["CLIENT", "UNBLOCK", &a_id]),
    ];
    // Fail now rather than wait for a reply that will not come.
    assert_eq!(log[2], int(1), "CLIENT UNBLOCK did not unblock (log so far: {log:?})");
    log.extend([
        a.read_reply(),
        p.cmd(&["CLIENT", "UNBLOCK", &b_id, "ERROR"]),
        b.read_reply(),
        p.cmd(&["CLIENT", "UNBLOCK", &b_id]),
        p.cmd(&["CLIENT", "KILL", "ID", &k_id]),
    ]);
    wait_gone(&mut p, &k_id);
    log.push(Reply::Simple(blocked_count(&mut p)));
    log.push(p.cmd(&["RPUSH", "q", "kept"]));
    log.push(p.cmd(&["LRANGE", "q", "0", "-1"]));
    log
}

fn unblock_expected() -> Vec<Reply> {
    vec![
        simple("blocked_clients:3"),
        Reply::Bool(true),
        int(1),
        Reply::NullArray,
        int(1),
        err("UNBLOCKED client unblocked via CLIENT UNBLOCK"),
        int(0),
        int(1),
        simple("blocked_clients:0"),
        int(1),
        bulks(&["kept"]),
    ]
}

#[test]
#[ignore = "needs CLIENT UNBLOCK, INFO blocked_clients and CLIENT LIST flags=b from the CLIENT/INFO helper's branch"]
fn client_unblock_and_kill() {
    assert_eq!(run_ours(unblock), unblock_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn client_unblock_and_kill_redis_reference() {
    // The reference behaviour our server must reach once CLIENT UNBLOCK lands.
    let redis = RealRedis::start(&[]);
    let port = redis.port;
    assert_eq!(unblock(&mut || Conn::connect(port)), unblock_expected());
}

// ------------------------------------------------------------ ipwatcher

/// The tutorial's bot detector: a consumer in BLPOP on `ips` (database 5)
/// counts visits per address and minute with INCRBY + EXPIRE and flags an
/// address from its 15th visit. Four addresses are queued before it starts,
/// then a scraper pushes twenty visits while it waits. The minute is taken
/// once (the tutorial reads the clock per item; a fixed minute keeps the
/// test from splitting counts across a minute boundary).
fn ipwatcher(port: u16) -> (Vec<String>, HashSet<std::net::IpAddr>) {
    const MAXVISITS: i64 = 15;
    let mut r = Conn::connect(port);
    r.cmd(&["SELECT", "5"]);
    r.cmd(&["FLUSHDB"]);
    for (n, ip) in ["51.218.112.236", "90.213.45.98", "115.215.230.176", "51.218.112.236"].iter().enumerate() {
        assert_eq!(r.cmd(&["LPUSH", "ips", ip]), int(n as i64 + 1));
    }
    let minute = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 60) % 60;
    let consumer = std::thread::spawn(move || {
        let mut w = Conn::connect(port);
        w.cmd(&["SELECT", "5"]);
        let mut blacklist = HashSet::new();
        let mut out = Vec::new();
        for _ in 0..24 {
            let Reply::Array(kv) = w.cmd(&["BLPOP", "ips", "0"]) else { panic!("BLPOP") };
            let Reply::Bulk(addr) = &kv[1] else { panic!("address") };
            let addr: std::net::IpAddr = std::str::from_utf8(addr).unwrap().parse().unwrap();
            let addrts = format!("{addr}:{minute}");
            let Reply::Int(n) = w.cmd(&["INCRBY", &addrts, "1"]) else { panic!("INCRBY") };
            if n >= MAXVISITS {
                out.push(format!("Hat bot detected!:  {addr}"));
                blacklist.insert(addr);
            } else {
                out.push(format!("saw {addr}"));
            }
            assert_eq!(w.cmd(&["EXPIRE", &addrts, "60"]), int(1));
        }
        (out, blacklist)
    });
    // Let the consumer drain the queue and block again before the scraper.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let line = match r.cmd(&["CLIENT", "LIST"]) {
            Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
            other => panic!("{other:?}"),
        };
        if r.cmd(&["EXISTS", "ips"]) == int(0) && line.contains("cmd=blpop") {
            break;
        }
        assert!(Instant::now() < deadline, "the consumer never drained the queue");
        std::thread::sleep(Duration::from_millis(5));
    }
    for _ in 0..20 {
        r.cmd(&["LPUSH", "ips", "104.174.118.18"]);
    }
    consumer.join().unwrap()
}

fn check_ipwatcher(out: &[String], blacklist: &HashSet<std::net::IpAddr>) {
    let mut expected: Vec<String> = ["51.218.112.236", "115.215.230.176", "90.213.45.98", "51.218.112.236"]
        .iter()
        .map(|a| format!("saw {a}"))
        .collect();
    expected.extend((1..=14).map(|_| "saw 104.174.118.18".to_string()));
    expected.extend((15..=20).map(|_| "Hat bot detected!:  104.174.118.18".to_string()));
    assert_eq!(out, expected);
    let bot: std::net::IpAddr = "104.174.118.18".parse().unwrap();
    assert_eq!(blacklist, &HashSet::from([bot]));
}

#[test]
fn tutorial_ipwatcher() {
    let s = TestServer::start(&[]);
    let (out, blacklist) = ipwatcher(s.port);
    check_ipwatcher(&out, &blacklist);
    // The counters expire (EXPIRE 60 after each visit).
    let mut c = s.conn();
    c.cmd(&["SELECT", "5"]);
    let Reply::Array(keys) = c.cmd(&["KEYS", "104.174.118.18:*"]) else { panic!("KEYS") };
    assert_eq!(keys.len(), 1);
    let Reply::Bulk(key) = &keys[0] else { panic!("key") };
    let key = String::from_utf8_lossy(key).into_owned();
    assert_eq!(c.cmd(&["GET", &key]), bulk("20"));
    assert!(matches!(c.cmd(&["TTL", &key]), Reply::Int(t) if t > 0 && t <= 60));
}

#[test]
#[ignore = "needs redis-server"]
fn tutorial_ipwatcher_like_redis() {
    let r = RealRedis::start(&[]);
    let (out, blacklist) = ipwatcher(r.port);
    check_ipwatcher(&out, &blacklist);
}

/// Runs `tests/python/<script>` and returns its output.
fn run_python(script: &str, args: &[&str]) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python").join(script);
    let out = std::process::Command::new("python3").arg(path).args(args).output().expect("python3 must be installed");
    assert!(out.status.success(), "{script} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The tutorial's ipwatcher as written, with redis-py (RESP2 and RESP3):
/// same output on our server and on redis-server.
#[test]
#[ignore = "needs redis-server and python3 with redis-py"]
fn tutorial_ipwatcher_with_redis_py() {
    for protocol in ["2", "3"] {
        let run = |port: u16| run_python("ipwatcher.py", &["--port", &port.to_string(), "--protocol", protocol]);
        let ours = run(TestServer::start(&[]).port);
        let theirs = run(RealRedis::start(&[]).port);
        assert_eq!(ours, theirs, "RESP{protocol}: output differs (left: ours, right: redis-server)");
        let lines: Vec<&str> = ours.lines().collect();
        assert_eq!(lines[..4], ["lpush 1", "lpush 2", "lpush 3", "lpush 4"]);
        assert_eq!(lines[4], "saw 51.218.112.236");
        assert_eq!(lines[4 + 4 + 13], "saw 104.174.118.18", "14th visit");
        assert_eq!(lines[4 + 4 + 14], "Hat bot detected!:  104.174.118.18", "15th visit");
        assert_eq!(lines.iter().filter(|l| l.starts_with("Hat bot")).count(), 6);
        assert!(ours.contains("blacklist ['104.174.118.18']\ncount b'20' ttl in (0, 60] True"), "{ours}");
    }
}

// ------------------------------------------------------------ stress

/// 50 consumers blocked in BRPOP (on all 5 lists, in a random order) or
/// BLMOVE (from one list with a short timeout, moving to `done:<list>`), 10
/// producers pushing 20,000 items each (1 to 4 per
/// LPUSH), consumers that disconnect at random. A consumer leaves by
/// shutting down its write side and reading until the server closes: an
/// item served before the server saw it leave arrives and counts as
/// delivered; one pushed after is never sent to it. At the end every item
/// was delivered exactly once (a BRPOP reply or in a `done` list), and each
/// producer's items came off each list in order.
#[test]
fn stress_producers_and_disconnecting_consumers() {
    const LISTS: usize = 5;
    const PRODUCERS: usize = 10;
    const ITEMS: usize = 20_000;
    const CONSUMERS: usize = 50;
    const MAX_LEAVES: usize = 1000;
    let s = TestServer::start(&[]);
    let port = s.port;
    let mut deadline = Instant::now() + Duration::from_secs(600);
    let stop = Arc::new(AtomicBool::new(false));
    let leaves = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Departures with no reply: the consumer was blocked when it left.
    let left_blocked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Runs of three consecutive items go to one list.
    let list_of = |p: usize, seq: usize| (seq / 3 * 7 + p) % LISTS;

    // A consumer thread returns the items it got by BRPOP (list, item) in
    // the order received, and how many BLMOVE replies it got.
    let mut consumers = Vec::new();
    let streams = Arc::new(std::sync::Mutex::new(Vec::<std::net::TcpStream>::new()));
    for ci in 0..CONSUMERS {
        let (stop, leaves, streams, left_blocked) =
            (stop.clone(), leaves.clone(), streams.clone(), left_blocked.clone());
        consumers.push(std::thread::spawn(move || {
            let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ ((ci as u64 + 1) * 0x1234_5678);
            let mut next = move || {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng
            };
            let mut got: Vec<(String, String)> = Vec::new();
            let mut moved = 0usize;
            let brpop = ci % 2 == 0;
            'connection: loop {
                let mut c = Conn::connect(port);
                c.stream.set_read_timeout(Some(Duration::from_secs(600))).unwrap();
                streams.lock().unwrap().push(c.stream.try_clone().unwrap());
                loop {
                    if stop.load(Ordering::SeqCst) {
                        break 'connection;
                    }
                    let first = (next() % LISTS as u64) as usize;
                    let cmd: Vec<String> = if brpop {
                        // Every list, starting from a random one: a BRPOP
                        // consumer never waits on an empty list while
                        // another has items.
                        let mut v = vec!["BRPOP".to_string()];
                        v.extend((0..LISTS).map(|k| format!("q{}", (first + k) % LISTS)));
                        v.push("0".into());
                        v
                    } else {
                        let timeout = ["0.05", "0.2", "1"][(next() % 3) as usize];
                        ["BLMOVE", &format!("q{first}"), &format!("done:{first}"), "RIGHT", "RIGHT", timeout]
                            .iter()
                            .map(|s| s.to_string())
                            .collect()
                    };
                    let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
                    c.send(&args);
                    // Leave at random: mostly just after sending (racing
                    // with the producers: served or blocked), sometimes right
                    // after a reply.
                    let leave = next() % 100 == 0 && leaves.fetch_add(1, Ordering::SeqCst) < MAX_LEAVES;
                    if leave && next() % 4 != 0 {
                        // Leave now: the server runs the command and then
                        // sees the connection end. If it blocked, it must
                        // forget it; if it was served, the reply arrives.
                        let _ = c.stream.shutdown(Shutdown::Write);
                        let mut replies = 0;
                        while let Some(r) = c.try_read_reply() {
                            record(r, &mut got, &mut moved);
                            replies += 1;
                        }
                        if replies == 0 {
                            left_blocked.fetch_add(1, Ordering::SeqCst);
                        }
                        continue 'connection;
                    }
                    match c.try_read_reply() {
                        Some(r) => record(r, &mut got, &mut moved),
                        None => break 'connection,
                    }
                    if leave {
                        let _ = c.stream.shutdown(Shutdown::Write);
                        while let Some(r) = c.try_read_reply() {
                            record(r, &mut got, &mut moved);
                        }
                        continue 'connection;
                    }
                }
            }
            (got, moved)
        }));
    }

    fn record(r: Reply, got: &mut Vec<(String, String)>, moved: &mut usize) {
        match r {
            Reply::Array(kv) => {
                let s = |r: &Reply| match r {
                    Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                    other => panic!("unexpected {other:?}"),
                };
                got.push((s(&kv[0]), s(&kv[1])));
            }
            Reply::Bulk(_) => *moved += 1,
            Reply::NullArray => {}
            other => panic!("unexpected consumer reply {other:?}"),
        }
    }

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            std::thread::spawn(move || {
                let mut c = Conn::connect(port);
                let mut seq = 0;
                let mut rng = p as u64 + 99;
                while seq < ITEMS {
                    // A few LPUSHes (pipelined in bursts), each with 1 to 4
                    // items of one list.
                    let burst = if (seq / 64) % 8 == 0 { 8 } else { 1 };
                    let mut sent = 0;
                    for _ in 0..burst {
                        if seq >= ITEMS {
                            break;
                        }
                        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        let n = 1 + (rng >> 60) as usize % 4;
                        let list = list_of(p, seq);
                        let mut args = vec!["LPUSH".to_string(), format!("q{list}")];
                        while args.len() < 2 + n && seq < ITEMS && list_of(p, seq) == list {
                            args.push(format!("{p}:{seq}"));
                            seq += 1;
                        }
                        let a: Vec<&str> = args.iter().map(String::as_str).collect();
                        c.send(&a);
                        sent += 1;
                    }
                    for _ in 0..sent {
                        assert!(matches!(c.read_reply(), Reply::Int(_)));
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    deadline = deadline.min(Instant::now() + Duration::from_secs(60));
    let mut ctl = Conn::connect(port);
    loop {
        let left: i64 = (0..LISTS)
            .map(|l| match ctl.cmd(&["LLEN", &format!("q{l}")]) {
                Reply::Int(n) => n,
                r => panic!("{r:?}"),
            })
            .sum();
        if left == 0 {
            break;
        }
        if Instant::now() > deadline {
            let list = ctl.cmd(&["CLIENT", "LIST"]);
            let lens: Vec<Reply> = (0..LISTS).map(|l| ctl.cmd(&["LLEN", &format!("q{l}")])).collect();
            panic!("{left} items never consumed: {lens:?}\n{list:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Everything was popped: stop the consumers (they are blocked) by
    // closing their write side; they read what is in flight, then EOF.
    stop.store(true, Ordering::SeqCst);
    for st in streams.lock().unwrap().iter() {
        let _ = st.shutdown(Shutdown::Write);
    }
    let mut delivered: HashMap<String, usize> = HashMap::new();
    let mut per_list: Vec<Vec<String>> = vec![Vec::new(); LISTS];
    let mut moved_replies = 0;
    let mut brpop_seqs: Vec<Vec<(String, String)>> = Vec::new();
    for c in consumers {
        let (got, moved) = c.join().unwrap();
        moved_replies += moved;
        for (_, item) in &got {
            *delivered.entry(item.clone()).or_default() += 1;
        }
        brpop_seqs.push(got);
    }
    for (l, done) in per_list.iter_mut().enumerate() {
        let Reply::Array(items) = ctl.cmd(&["LRANGE", &format!("done:{l}"), "0", "-1"]) else { panic!("LRANGE") };
        for it in items {
            let Reply::Bulk(b) = it else { panic!("item") };
            let item = String::from_utf8_lossy(&b).into_owned();
            *delivered.entry(item.clone()).or_default() += 1;
            done.push(item);
        }
    }
    // Exactly once.
    let dups: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(dups.is_empty(), "duplicated items: {dups:?}");
    let mut lost = Vec::new();
    for p in 0..PRODUCERS {
        for seq in 0..ITEMS {
            if !delivered.contains_key(&format!("{p}:{seq}")) {
                lost.push(format!("{p}:{seq}"));
            }
        }
    }
    assert!(lost.is_empty(), "{} items lost, e.g. {:?}", lost.len(), &lost[..lost.len().min(5)]);
    assert_eq!(delivered.len(), PRODUCERS * ITEMS);
    let moved_total: usize = per_list.iter().map(Vec::len).sum();
    assert!(moved_replies <= moved_total, "BLMOVE replies beyond the moved items");
    // In order: per list, per producer, in the pop order of the done lists
    // and in each BRPOP consumer's order.
    let parse = |item: &str| -> (usize, usize) {
        let (p, s) = item.split_once(':').unwrap();
        (p.parse().unwrap(), s.parse().unwrap())
    };
    for (l, done) in per_list.iter().enumerate() {
        let mut last = [None::<usize>; PRODUCERS];
        for item in done {
            let (p, seq) = parse(item);
            assert_eq!(list_of(p, seq), l, "{item} on the wrong list");
            assert!(last[p].is_none_or(|x| x < seq), "done:{l}: {item} after {p}:{:?}", last[p]);
            last[p] = Some(seq);
        }
    }
    for got in &brpop_seqs {
        let mut last: HashMap<(String, usize), usize> = HashMap::new();
        for (list, item) in got {
            let (p, seq) = parse(item);
            assert_eq!(format!("q{}", list_of(p, seq)), *list, "{item} from the wrong list");
            if let Some(prev) = last.insert((list.clone(), p), seq) {
                assert!(prev < seq, "{list}: {item} after {p}:{prev}");
            }
        }
    }
    let brpop_total: usize = brpop_seqs.iter().map(Vec::len).sum();
    println!(
        "stress: {} items delivered exactly once ({brpop_total} by BRPOP, {moved_total} by BLMOVE), {} consumer departures, {} of them while blocked, then {CONSUMERS} shut down while blocked",
        delivered.len(),
        leaves.load(Ordering::SeqCst).min(MAX_LEAVES),
        left_blocked.load(Ordering::SeqCst)
    );
}

// ------------------------------------------------------------ sorted sets

/// BZPOPMIN/BZPOPMAX/BZMPOP: immediate pops, waiters served in order from
/// the key that got members (reply `[key, member, score]` and, for BZMPOP,
/// `[key, [[member, score] …]]`), a list pushed to a key a zset waiter
/// waits on does not serve it, WRONGTYPE on a key of another type, and the
/// errors of bad arguments.
fn zsets(connect: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut p = connect();
    let mut log = vec![
        p.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]),
        p.cmd(&["BZPOPMIN", "none", "z", "0"]),
        p.cmd(&["BZPOPMAX", "z", "0"]),
        p.cmd(&["BZMPOP", "0", "2", "none", "z", "MIN", "COUNT", "5"]),
        p.cmd(&["EXISTS", "z"]),
    ];
    let mut c1 = blocked(connect, &mut p, &["BZPOPMIN", "z1", "z2", "0"]);
    let mut c2 = blocked(connect, &mut p, &["BZMPOP", "0", "1", "z2", "MAX", "COUNT", "2"]);
    let mut c3 = blocked(connect, &mut p, &["BZPOPMAX", "z2", "0"]);
    log.push(p.cmd(&["RPUSH", "z2", "list"]));
    log.push(p.cmd(&["DEL", "z2"]));
    log.push(p.cmd(&["ZADD", "z2", "10", "x", "20", "y", "30", "w", "40", "v"]));
    log.extend([c1.read_reply(), c2.read_reply(), c3.read_reply()]);
    log.push(p.cmd(&["ZRANGE", "z2", "0", "-1", "WITHSCORES"]));
    log.push(p.cmd(&["SET", "s", "x"]));
    log.push(p.cmd(&["BZPOPMIN", "none", "s", "z2", "0"]));
    log.push(p.cmd(&["BZPOPMIN", "z2", "-1"]));
    log.push(p.cmd(&["BZPOPMIN", "z2", "soon"]));
    log.push(p.cmd(&["BZMPOP", "0", "0", "z2", "MIN"]));
    log.push(p.cmd(&["BZMPOP", "0", "1", "z2", "MIDDLE"]));
    log.push(p.cmd(&["BZMPOP", "0", "1", "z2", "MIN", "COUNT", "0"]));
    log.push(p.cmd(&["BZPOPMIN", "z2"]));
    log.push(p.cmd(&["BZPOPMIN", "gone", "0.01"]));
    log.push(p.cmd(&["BZMPOP", "0.01", "1", "gone", "MAX"]));
    log
}

fn zsets_expected() -> Vec<Reply> {
    vec![
        int(3),
        bulks(&["z", "a", "1"]),
        bulks(&["z", "c", "3"]),
        arr(vec![bulk("z"), arr(vec![bulks(&["b", "2"])])]),
        int(0),
        int(1),
        int(1),
        int(4),
        bulks(&["z2", "x", "10"]),
        arr(vec![bulk("z2"), arr(vec![bulks(&["v", "40"]), bulks(&["w", "30"])])]),
        bulks(&["z2", "y", "20"]),
        arr(vec![]),
        ok(),
        err("WRONGTYPE Operation against a key holding the wrong kind of value"),
        err("ERR timeout is negative"),
        err("ERR timeout is not a float or out of range"),
        err("ERR numkeys should be greater than 0"),
        err("ERR syntax error"),
        err("ERR count should be greater than 0"),
        err("ERR wrong number of arguments for 'bzpopmin' command"),
        Reply::NullArray,
        Reply::NullArray,
    ]
}

#[test]
fn sorted_set_waiters() {
    assert_eq!(run_ours(zsets), zsets_expected());
}

#[test]
#[ignore = "needs redis-server"]
fn sorted_set_waiters_like_redis() {
    assert_eq!(run_both(zsets), zsets_expected());
}
