//! Replication, replica side: REPLICAOF host port connects, syncs and
//! applies the master's stream. Ours as a replica of ours, of a real
//! redis-server 7.0 (diskless and disk-based full sync), and a real
//! redis-server chained behind our replica: datasets equal after the
//! seeded random write mix of `replication.rs`, partial resync after the
//! master link is cut, promotion with REPLICAOF NO ONE, expired keys on a
//! replica, WAIT counting our ACKs.

use std::time::{Duration, Instant};

use crate::common::*;
use crate::replication::{dump_all, load_data, random_op, settle_expiry};

fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_link_up(r: &mut Conn) {
    wait_until("master_link_status:up", 60, || info_field(r, "replication", "master_link_status") == "up");
}

/// Waits until `r` applied everything `m` produced (same offsets).
fn wait_same_offset(m: &mut Conn, r: &mut Conn) {
    wait_until("the replica's offset", 30, || {
        let mine = info_field(m, "replication", "master_repl_offset");
        info_field(r, "replication", "master_repl_offset") == mine
    });
}

/// The random write mix on `w` (the master), then expiry settled and
/// stopped on the master, and the datasets of `m` and `r` compared.
fn random_writes_then_compare(w: &mut Conn, blocker: &mut Conn, r: &mut Conn, wait_replicas: i64) {
    let mut rng = TestRng::new(0x9e37_79b9_7f4a_7c15);
    for i in 0..1500 {
        random_op(&mut rng, w, blocker);
        if i % 300 == 0 {
            // Let short TTLs pass so lazy and active expiry delete keys.
            std::thread::sleep(Duration::from_millis(40));
        }
    }
    settle_expiry(w, wait_replicas);
    wait_same_offset(w, r);
    let ours = dump_all(w);
    let theirs = dump_all(r);
    assert!(ours.len() > 100, "a dataset worth comparing: {}", ours.len());
    assert_eq!(ours.len(), theirs.len());
    for ((a, ttl_a), (b, ttl_b)) in ours.iter().zip(theirs.iter()) {
        assert_eq!(a, b);
        assert_eq!(*ttl_a == -1, *ttl_b == -1, "{a}: TTL {ttl_a} vs {ttl_b}");
        assert!((ttl_a - ttl_b).abs() < 5000, "{a}: TTL {ttl_a} vs {ttl_b}");
    }
}

/// Cuts the replica's master link (CLIENT KILL TYPE master on the
/// replica): it comes back with a partial resync.
fn cut_link_and_continue(w: &mut Conn, r: &mut Conn) {
    assert_eq!(info_field(w, "stats", "sync_partial_ok"), "0");
    let full = info_field(w, "stats", "sync_full");
    assert_eq!(r.cmd(&["CLIENT", "KILL", "TYPE", "master"]), int(1));
    for i in 0..50 {
        w.cmd(&["RPUSH", "after-cut", &i.to_string()]);
    }
    wait_link_up(r);
    assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
    wait_same_offset(w, r);
    assert_eq!(r.cmd(&["LLEN", "after-cut"]), int(50));
    assert_eq!(info_field(w, "stats", "sync_full"), full, "no second full sync");
    assert_eq!(info_field(w, "stats", "sync_partial_ok"), "1", "a partial resync");
}

#[test]
fn ours_replica_of_ours_matches_after_random_writes() {
    let m = TestServer::start(&["--stream-node-max-entries", "3"]);
    let rs = TestServer::start(&[]);
    let mut w = m.conn();
    load_data(&mut w);
    let mut r = rs.conn();
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &m.port.to_string()]), ok());
    wait_link_up(&mut r);
    // The master client: flag M, type master; writes are refused to others.
    let Reply::Bulk(list) = r.cmd(&["CLIENT", "LIST", "TYPE", "master"]) else { panic!() };
    let list = String::from_utf8_lossy(&list).into_owned();
    assert!(list.contains(" flags=M "), "{list}");
    assert!(list.contains(" user=(superuser) "), "{list}");
    assert_eq!(r.cmd(&["SET", "x", "1"]), err("READONLY You can't write against a read only replica."));
    assert_eq!(info_field(&mut r, "replication", "role"), "slave");
    assert_eq!(info_field(&mut r, "replication", "master_port"), m.port.to_string());
    assert_eq!(info_field(&mut r, "replication", "master_sync_in_progress"), "0");
    assert_eq!(info_field(&mut r, "replication", "master_replid"), info_field(&mut w, "replication", "master_replid"));
    let mut blocker = m.conn();
    random_writes_then_compare(&mut w, &mut blocker, &mut r, 1);
    let Reply::Array(role) = r.cmd(&["ROLE"]) else { panic!() };
    let off: i64 = info_field(&mut w, "replication", "master_repl_offset").parse().unwrap();
    assert_eq!(role, vec![bulk("slave"), bulk("127.0.0.1"), int(i64::from(m.port)), bulk("connected"), int(off)]);
    assert_eq!(info_field(&mut r, "replication", "slave_repl_offset"), off.to_string());

    cut_link_and_continue(&mut w, &mut r);

    // Promotion: the data stays, the old replid is kept as replid2 up to
    // our offset + 1, writes are accepted.
    let replid = info_field(&mut r, "replication", "master_replid");
    let off = info_field(&mut r, "replication", "master_repl_offset");
    assert_eq!(r.cmd(&["REPLICAOF", "NO", "ONE"]), ok());
    assert_eq!(info_field(&mut r, "replication", "role"), "master");
    assert_eq!(info_field(&mut r, "replication", "master_replid2"), replid);
    assert_ne!(info_field(&mut r, "replication", "master_replid"), replid);
    let second: u64 = info_field(&mut r, "replication", "second_repl_offset").parse().unwrap();
    assert_eq!(second, off.parse::<u64>().unwrap() + 1);
    assert_eq!(r.cmd(&["LLEN", "after-cut"]), int(50));
    assert_eq!(r.cmd(&["SET", "x", "1"]), ok());
    assert!(r.cmd(&["CLIENT", "LIST", "TYPE", "master"]) == bulk(""));
}

#[test]
fn replica_reads_of_expired_keys_answer_missing_until_the_master_deletes_them() {
    let m = TestServer::start(&[]);
    let rs = TestServer::start(&[]);
    let mut w = m.conn();
    let mut r = rs.conn();
    assert_eq!(w.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), ok());
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &m.port.to_string()]), ok());
    wait_link_up(&mut r);
    assert_eq!(w.cmd(&["SET", "k", "v", "PX", "100"]), ok());
    assert_eq!(w.cmd(&["SET", "keep", "v"]), ok());
    assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
    std::thread::sleep(Duration::from_millis(200));
    // Logically expired: missing to readers, still in the table.
    assert_eq!(r.cmd(&["GET", "k"]), nil());
    assert_eq!(r.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(r.cmd(&["TTL", "k"]), int(-2));
    assert_eq!(r.cmd(&["DBSIZE"]), int(2));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(r.cmd(&["DBSIZE"]), int(2), "the replica's active expiry does not run");
    // The master's lookup expires it: its DEL reaches the replica.
    assert_eq!(w.cmd(&["GET", "k"]), nil());
    assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
    wait_same_offset(&mut w, &mut r);
    assert_eq!(r.cmd(&["DBSIZE"]), int(1));
}

#[test]
fn psync_is_refused_by_a_replica_whose_link_is_down() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let dead = free_port();
    assert_eq!(c.cmd(&["REPLICAOF", "127.0.0.1", &dead.to_string()]), ok());
    let mut p = s.conn();
    assert_eq!(p.cmd(&["PSYNC", "?", "-1"]), err("NOMASTERLINK Can't SYNC while not connected with my master"));
    assert_eq!(info_field(&mut c, "replication", "master_link_status"), "down");
    assert_eq!(info_field(&mut c, "replication", "slave_repl_offset"), "0");
    assert_eq!(c.cmd(&["CONFIG", "GET", "replicaof"]), bulks(&["replicaof", &format!("127.0.0.1 {dead}")]));
    assert_eq!(
        c.cmd(&["WAIT", "1", "0"]),
        err("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is \
             configured to be writable (which is not the default) writes to replicas are just local and are not \
             propagated.")
    );
    assert_eq!(c.cmd(&["REPLICAOF", "NO", "ONE"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "GET", "replicaof"]), bulks(&["replicaof", ""]));
}

/// Ours as a replica of a real redis-server 7.0.15.
fn replica_of_real(extra: &[&str]) {
    let m = RealRedis::start(extra);
    let rs = TestServer::start(&[]);
    let mut w = m.conn();
    load_data(&mut w);
    let mut r = rs.conn();
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &m.port.to_string()]), ok());
    wait_link_up(&mut r);
    let mut blocker = m.conn();
    random_writes_then_compare(&mut w, &mut blocker, &mut r, 1);
    cut_link_and_continue(&mut w, &mut r);
}

#[test]
#[ignore = "needs redis-server"]
fn ours_replica_of_real_redis_diskless() {
    replica_of_real(&["--stream-node-max-entries", "3"]);
}

#[test]
#[ignore = "needs redis-server"]
fn ours_replica_of_real_redis_disk_based() {
    replica_of_real(&["--stream-node-max-entries", "3", "--repl-diskless-sync", "no"]);
}

/// ours (master) → ours (replica) → real redis-server (replica of our
/// replica): the real one ends with the master's dataset, the stream
/// proxied verbatim (same offsets all along the chain).
#[test]
#[ignore = "needs redis-server"]
fn real_redis_chained_behind_our_replica() {
    let m = TestServer::start(&["--stream-node-max-entries", "3"]);
    let rs = TestServer::start(&[]);
    let mut w = m.conn();
    load_data(&mut w);
    let mut r = rs.conn();
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &m.port.to_string()]), ok());
    wait_link_up(&mut r);
    // Writes in a database other than 0 before the chain forms: the real
    // replica learns the stream's database from our snapshot.
    w.cmd(&["SELECT", "5"]);
    w.cmd(&["SET", "in5", "x"]);
    let real = RealRedis::start(&["--replicaof", "127.0.0.1", &rs.port.to_string()]);
    let mut rr = real.conn();
    wait_link_up(&mut rr);
    w.cmd(&["SET", "in5-after", "y"]);
    w.cmd(&["SELECT", "0"]);
    let mut blocker = m.conn();
    random_writes_then_compare(&mut w, &mut blocker, &mut rr, 1);
    wait_same_offset(&mut w, &mut r);
    assert_eq!(info_field(&mut rr, "replication", "master_replid"), info_field(&mut w, "replication", "master_replid"));
    rr.cmd(&["SELECT", "5"]);
    assert_eq!(rr.cmd(&["GET", "in5-after"]), bulk("y"));
}

/// AUTH with `masteruser`/`masterauth`; a replica with the AOF on writes
/// the synced dataset and the applied stream to it.
#[test]
fn replica_authenticates_and_keeps_its_aof() {
    let m = TestServer::start(&["--requirepass", "secret"]);
    let rs = TestServer::start(&["--appendonly", "yes"]);
    let mut w = m.conn();
    assert_eq!(w.cmd(&["AUTH", "secret"]), ok());
    assert_eq!(w.cmd(&["ACL", "SETUSER", "repl", "on", ">rpass", "+psync", "+replconf", "+ping"]), ok());
    assert_eq!(w.cmd(&["SET", "before", "1"]), ok());
    let mut r = rs.conn();
    assert_eq!(r.cmd(&["CONFIG", "SET", "masteruser", "repl"]), ok());
    assert_eq!(r.cmd(&["CONFIG", "SET", "masterauth", "rpass"]), ok());
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &m.port.to_string()]), ok());
    wait_link_up(&mut r);
    assert_eq!(w.cmd(&["SET", "after", "2"]), ok());
    assert_eq!(w.cmd(&["SELECT", "3"]), ok());
    assert_eq!(w.cmd(&["RPUSH", "l", "a", "b"]), int(2));
    assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
    wait_same_offset(&mut w, &mut r);
    wait_until("the AOF rewrite after the sync", 30, || {
        info_field(&mut r, "persistence", "aof_rewrite_in_progress") == "0"
            && info_field(&mut r, "persistence", "aof_rewrite_scheduled") == "0"
    });
    assert_eq!(r.cmd(&["DEBUG", "LOADAOF"]), ok());
    assert_eq!(r.cmd(&["GET", "before"]), bulk("1"));
    assert_eq!(r.cmd(&["GET", "after"]), bulk("2"));
    r.cmd(&["SELECT", "3"]);
    assert_eq!(r.cmd(&["LRANGE", "l", "0", "-1"]), bulks(&["a", "b"]));
}

/// The `replicaof` directive starts the link at startup (`PSYNC ? -1`: no
/// history to continue); a wrong `masterauth` keeps the link down.
#[test]
fn replicaof_directive_and_a_refused_auth() {
    let m = TestServer::start(&["--requirepass", "secret"]);
    let port = m.port.to_string();
    let rs = TestServer::start(&["--replicaof", "127.0.0.1", &port, "--masterauth", "secret"]);
    let mut r = rs.conn();
    wait_link_up(&mut r);
    let mut w = m.conn();
    assert_eq!(w.cmd(&["AUTH", "secret"]), ok());
    assert_eq!(w.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
    assert_eq!(r.cmd(&["GET", "k"]), bulk("v"));

    let bad = TestServer::start(&["--replicaof", "127.0.0.1", &port, "--masterauth", "wrong"]);
    let mut b = bad.conn();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(info_field(&mut b, "replication", "master_link_status"), "down");
    assert_eq!(info_field(&mut b, "replication", "master_link_down_since_seconds"), "-1");
    assert_eq!(info_field(&mut b, "replication", "slave_repl_offset"), "1");
    assert_eq!(b.cmd(&["GET", "k"]), nil());
}

/// A busy script on the replica leaves the master's stream waiting (it is
/// applied afterwards, bytes counted once); the idle `timeout` never
/// closes the master client; a writable replica's write to a logically
/// expired key creates it afresh.
#[test]
fn master_stream_waits_for_a_busy_script_and_is_never_idle() {
    let m = TestServer::start(&[]);
    let rs = TestServer::start(&["--timeout", "1", "--busy-reply-threshold", "100"]);
    let mut w = m.conn();
    let mut r = rs.conn();
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &m.port.to_string()]), ok());
    wait_link_up(&mut r);
    let mut script = rs.conn();
    script.send(&[
        "EVAL",
        "local t0 = redis.call('TIME') while true do local t = redis.call('TIME') \
         if (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 800000 then break end end return 1",
        "0",
    ]);
    std::thread::sleep(Duration::from_millis(200));
    for i in 0..100 {
        w.cmd(&["SET", &format!("k{i}"), "v"]);
    }
    let Reply::Error(e) = r.cmd(&["GET", "k1"]) else { panic!("BUSY expected") };
    assert!(e.starts_with("BUSY "), "{e}");
    assert_eq!(script.read_reply(), int(1));
    assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
    wait_same_offset(&mut w, &mut r);
    assert_eq!(r.cmd(&["DBSIZE"]), int(100));
    // Idle for more than `timeout`: the master client stays.
    std::thread::sleep(Duration::from_millis(2500));
    // (Our own idle connections were closed meanwhile.)
    let mut r = rs.conn();
    let mut w = m.conn();
    assert_eq!(info_field(&mut w, "stats", "sync_partial_ok"), "0");
    assert_eq!(info_field(&mut r, "replication", "master_link_status"), "up");
    // A writable replica.
    assert_eq!(w.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), ok());
    assert_eq!(w.cmd(&["SET", "e", "old", "PX", "50"]), ok());
    assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(r.cmd(&["CONFIG", "SET", "replica-read-only", "no"]), ok());
    assert_eq!(r.cmd(&["RPUSH", "e", "new"]), int(1));
    assert_eq!(r.cmd(&["LRANGE", "e", "0", "-1"]), bulks(&["new"]));
}

/// ours → ours → ours: the sub-replica gets the master's stream through
/// the middle one (same replid and offsets), continues partially after
/// its link is cut, and after the middle one's promotion continues with
/// PSYNC naming the old replid (our `master_replid2`), adopting the new.
#[test]
fn chained_replicas_continue_across_a_cut_and_a_promotion() {
    let m = TestServer::start(&[]);
    let mid = TestServer::start(&[]);
    let sub = TestServer::start(&[]);
    let mut w = m.conn();
    let mut r = mid.conn();
    let mut s = sub.conn();
    w.cmd(&["SELECT", "2"]);
    w.cmd(&["SET", "a", "1"]);
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &m.port.to_string()]), ok());
    wait_link_up(&mut r);
    w.cmd(&["SET", "b", "2"]);
    assert_eq!(s.cmd(&["REPLICAOF", "127.0.0.1", &mid.port.to_string()]), ok());
    wait_link_up(&mut s);
    // No SELECT since the sub-replica's sync: it learnt db 2 from the RDB.
    w.cmd(&["SET", "c", "3"]);
    assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
    wait_same_offset(&mut w, &mut s);
    s.cmd(&["SELECT", "2"]);
    assert_eq!(s.cmd(&["MGET", "a", "b", "c"]), bulks(&["1", "2", "3"]));
    let replid = info_field(&mut w, "replication", "master_replid");
    assert_eq!(info_field(&mut s, "replication", "master_replid"), replid);

    // Cut the sub-replica's link: partial resync from the middle's backlog.
    assert_eq!(s.cmd(&["CLIENT", "KILL", "TYPE", "master"]), int(1));
    w.cmd(&["SET", "d", "4"]);
    wait_link_up(&mut s);
    wait_same_offset(&mut w, &mut s);
    assert_eq!(s.cmd(&["GET", "d"]), bulk("4"));
    assert_eq!(info_field(&mut r, "stats", "sync_full"), "1");
    assert_eq!(info_field(&mut r, "stats", "sync_partial_ok"), "1");

    // Promote the middle one: the sub-replica continues with it.
    let off: u64 = info_field(&mut r, "replication", "master_repl_offset").parse().unwrap();
    assert_eq!(r.cmd(&["REPLICAOF", "NO", "ONE"]), ok());
    let new_id = info_field(&mut r, "replication", "master_replid");
    assert_ne!(new_id, replid);
    r.cmd(&["SELECT", "2"]);
    assert_eq!(r.cmd(&["SET", "e", "5"]), ok());
    wait_until("the sub-replica back on the new id", 30, || {
        info_field(&mut s, "replication", "master_replid") == new_id
            && info_field(&mut s, "replication", "master_link_status") == "up"
    });
    assert_eq!(r.cmd(&["WAIT", "1", "10000"]), int(1));
    wait_same_offset(&mut r, &mut s);
    assert_eq!(s.cmd(&["GET", "e"]), bulk("5"));
    assert_eq!(info_field(&mut s, "replication", "master_replid2"), replid);
    assert_eq!(info_field(&mut s, "replication", "second_repl_offset"), (off + 1).to_string());
    assert_eq!(info_field(&mut r, "stats", "sync_full"), "1", "no new full sync");
    assert_eq!(info_field(&mut r, "stats", "sync_partial_ok"), "2");
}

/// Clients blocked when REPLICAOF turns us into a replica get Redis's
/// error and are closed.
#[test]
fn replicaof_disconnects_blocked_clients() {
    let m = TestServer::start(&[]);
    let rs = TestServer::start(&[]);
    let mut r = rs.conn();
    let mut b = rs.conn();
    b.send(&["BLPOP", "nokey", "0"]);
    wait_until("the client blocks", 10, || info_field(&mut r, "clients", "blocked_clients") == "1");
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &m.port.to_string()]), ok());
    assert_eq!(
        b.read_reply(),
        err("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)")
    );
    assert!(b.is_closed(Duration::from_secs(5)));
    assert_eq!(info_field(&mut r, "clients", "blocked_clients"), "0");
}

/// CLIENT PAUSE WRITE on a replica holds the master's writes too (Redis
/// 7.0 pauses every client but replicas); they apply when it ends, bytes
/// counted once.
#[test]
fn client_pause_holds_the_masters_writes() {
    let m = TestServer::start(&[]);
    let rs = TestServer::start(&[]);
    let mut w = m.conn();
    let mut r = rs.conn();
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &m.port.to_string()]), ok());
    wait_link_up(&mut r);
    assert_eq!(r.cmd(&["CLIENT", "PAUSE", "600", "WRITE"]), ok());
    assert_eq!(w.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(w.cmd(&["MULTI"]), ok());
    w.cmd(&["INCR", "n"]);
    w.cmd(&["INCR", "n"]);
    assert_eq!(w.cmd(&["EXEC"]), arr(vec![int(1), int(2)]));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(r.cmd(&["GET", "k"]), nil());
    wait_same_offset(&mut w, &mut r);
    assert_eq!(r.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(r.cmd(&["GET", "n"]), bulk("2"));
    assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
}

/// A replica's snapshot records its replication history (`repl-id`,
/// `repl-offset`, `repl-stream-db`): restarted from it with the
/// `replicaof` directive, it continues with a partial resync.
#[test]
fn a_restarted_replica_continues_from_its_snapshot() {
    let dir = crate::common::tempdir::TempDir::new("replica-restart");
    let d = dir.path().to_str().unwrap().to_string();
    let m = TestServer::start(&[]);
    let port = m.port.to_string();
    let mut w = m.conn();
    w.cmd(&["SELECT", "4"]);
    w.cmd(&["SET", "a", "1"]);
    {
        let rs = TestServer::start(&["--dir", &d, "--replicaof", "127.0.0.1", &port]);
        let mut r = rs.conn();
        wait_link_up(&mut r);
        w.cmd(&["SET", "b", "2"]);
        assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
        wait_same_offset(&mut w, &mut r);
        assert_eq!(r.cmd(&["SAVE"]), ok());
    }
    // Written while the replica is down; the stream keeps db 4 selected.
    w.cmd(&["SET", "c", "3"]);
    let rs = TestServer::start(&["--dir", &d, "--replicaof", "127.0.0.1", &port]);
    let mut r = rs.conn();
    wait_link_up(&mut r);
    assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
    wait_same_offset(&mut w, &mut r);
    r.cmd(&["SELECT", "4"]);
    assert_eq!(r.cmd(&["MGET", "a", "b", "c"]), bulks(&["1", "2", "3"]));
    assert_eq!(info_field(&mut w, "stats", "sync_full"), "1");
    assert_eq!(info_field(&mut w, "stats", "sync_partial_ok"), "1");
}
