//! Replication, master side: the SYNC/PSYNC/REPLCONF handshake as a raw
//! client sees it (Redis's Tcl `attach_to_replication_stream`), the
//! commands a write is propagated as, INFO/ROLE/WAIT with a replica, and a
//! real redis-server 7.0 replica whose dataset must equal ours after a
//! seeded random mix of writes.

use std::time::{Duration, Instant};

use crate::common::*;

/// Reads the `$<len>\r\n<rdb>` payload (after optional newlines) and
/// returns the RDB bytes.
fn read_rdb(c: &mut Conn) -> Vec<u8> {
    let mut line = Vec::new();
    loop {
        let b = c.read_raw(1);
        assert_eq!(b.len(), 1, "connection closed before the RDB");
        if line.is_empty() && b[0] == b'\n' {
            continue;
        }
        line.push(b[0]);
        if line.ends_with(b"\r\n") {
            break;
        }
    }
    assert_eq!(line[0], b'$', "bulk length line, got {:?}", String::from_utf8_lossy(&line));
    let len: usize = std::str::from_utf8(&line[1..line.len() - 2]).unwrap().parse().unwrap();
    let rdb = c.read_raw(len);
    assert_eq!(rdb.len(), len);
    rdb
}

/// The next command of the stream that is not a PING, as text arguments.
fn next_cmd(c: &mut Conn) -> Vec<String> {
    loop {
        let Reply::Array(items) = c.read_reply() else { panic!("stream items are arrays") };
        let args: Vec<String> = items
            .into_iter()
            .map(|r| match r {
                Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
                other => panic!("bulk expected, got {other:?}"),
            })
            .collect();
        if args != ["PING"] {
            return args;
        }
    }
}

/// Asserts the next commands of the stream; `*` in an expected argument
/// matches any text (absolute times).
fn expect_stream(c: &mut Conn, expected: &[&[&str]]) {
    for want in expected {
        let got = next_cmd(c);
        let ok = got.len() == want.len() && got.iter().zip(want.iter()).all(|(g, w)| *w == "*" || g == w);
        assert!(ok, "expected {want:?}, got {got:?}");
    }
}

/// A raw client attached with SYNC, past its RDB.
fn attach(port: u16) -> Conn {
    let mut r = Conn::connect(port);
    r.send(&["SYNC"]);
    let rdb = read_rdb(&mut r);
    assert!(rdb.starts_with(b"REDIS0010"), "an RDB of version 10");
    r
}

#[test]
fn replconf_and_psync_framing() {
    let s = TestServer::start(&["--repl-ping-replica-period", "1000"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["REPLCONF", "listening-port", "6380"]), ok());
    assert_eq!(c.cmd(&["REPLCONF", "capa", "eof", "capa", "psync2"]), ok());
    assert_eq!(c.cmd(&["REPLCONF", "capa", "whatever"]), ok());
    assert_eq!(c.cmd(&["REPLCONF", "ip-address", "10.0.0.9"]), ok());
    assert_eq!(c.cmd(&["REPLCONF", "listening-port"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["REPLCONF", "listening-port", "x"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["REPLCONF", "foo", "bar"]), err("ERR Unrecognized REPLCONF option: foo"));
    assert_eq!(c.cmd(&["REPLCONF"]), ok());
    // ACK from a client that is not a replica and GETACK answer nothing.
    c.send(&["REPLCONF", "ACK", "10"]);
    c.send(&["REPLCONF", "GETACK", "*"]);
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SYNC"]), err("ERR Command not allowed inside a transaction"));
    assert_eq!(c.cmd(&["DISCARD"]), ok());

    c.send(&["PSYNC", "?", "-1"]);
    let Reply::Simple(line) = c.read_reply() else { panic!("+FULLRESYNC") };
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts[0], "FULLRESYNC");
    assert_eq!(parts[1].len(), 40);
    assert!(parts[1].bytes().all(|b| b.is_ascii_hexdigit()));
    let offset: u64 = parts[2].parse().unwrap();
    read_rdb(&mut c);

    let mut w = s.conn();
    assert_eq!(info_field(&mut w, "replication", "master_replid"), parts[1]);
    assert_eq!(info_field(&mut w, "replication", "connected_slaves"), "1");
    let slave0 = info_field(&mut w, "replication", "slave0");
    assert!(slave0.starts_with("ip=10.0.0.9,port=6380,state=online,offset=0,lag="), "{slave0}");
    assert_eq!(info_field(&mut w, "replication", "repl_backlog_active"), "1");
    assert_eq!(info_field(&mut w, "replication", "repl_backlog_first_byte_offset"), (offset + 1).to_string());
    let Reply::Bulk(list) = w.cmd(&["CLIENT", "LIST", "TYPE", "replica"]) else { panic!() };
    let list = String::from_utf8_lossy(&list).into_owned();
    assert!(list.contains(" flags=S "), "{list}");
    assert!(list.contains(" cmd=psync "), "{list}");

    // The replica acknowledges: WAIT counts it; ROLE lists it.
    assert_eq!(w.cmd(&["SET", "k", "v"]), ok());
    expect_stream(&mut c, &[&["SELECT", "0"], &["SET", "k", "v"]]);
    let now = info_field(&mut w, "replication", "master_repl_offset");
    c.send(&["REPLCONF", "ACK", &now]);
    assert_eq!(w.cmd(&["WAIT", "1", "0"]), int(1));
    assert_eq!(w.cmd(&["WAIT", "2", "50"]), int(1));
    let n: i64 = now.parse().unwrap();
    let Reply::Array(role) = w.cmd(&["ROLE"]) else { panic!() };
    assert_eq!(role[0], bulk("master"));
    assert!(matches!(role[1], Reply::Int(x) if x >= n));
    assert_eq!(role[2], arr(vec![bulks(&["10.0.0.9", "6380", &now])]));

    // A second PSYNC with our replid and an offset in the backlog continues.
    let mut p = s.conn();
    assert_eq!(p.cmd(&["REPLCONF", "capa", "psync2"]), ok());
    p.send(&["PSYNC", parts[1], &(offset + 1).to_string()]);
    assert_eq!(p.read_reply(), simple(&format!("CONTINUE {}", parts[1])));
    expect_stream(&mut p, &[&["SELECT", "0"], &["SET", "k", "v"]]);

    // CLIENT KILL TYPE replica (and slave) closes the replicas.
    assert_eq!(w.cmd(&["CLIENT", "KILL", "TYPE", "slave"]), int(2));
    assert!(c.is_closed(Duration::from_secs(5)));
    assert_eq!(info_field(&mut w, "replication", "connected_slaves"), "0");
}

#[test]
fn writes_are_propagated_as_redis_7_0_does() {
    let s = TestServer::start(&["--repl-ping-replica-period", "1000"]);
    let mut w = s.conn();
    assert_eq!(w.cmd(&["SET", "before", "1"]), ok());
    let mut r = attach(s.port);
    let run = |w: &mut Conn, cmds: &[&[&str]]| {
        for c in cmds {
            w.cmd(c);
        }
    };
    run(
        &mut w,
        &[
            &["DEL", "missing"],
            &["set", "foo", "bar", "EX", "100"],
            &["SET", "g", "1", "GET"],
            &["SETEX", "a", "10", "b"],
            &["EXPIRE", "foo", "200", "GT"],
            &["PEXPIRE", "foo", "0"],
            &["INCRBYFLOAT", "f", "1.5"],
            &["HINCRBYFLOAT", "h", "x", "2.5"],
            &["INCR", "i"],
            &["SADD", "s", "a", "b", "c"],
            &["SELECT", "3"],
            &["GETEX", "nokey", "EX", "10"],
            &["GETSET", "gs", "1"],
            &["GETDEL", "gs"],
            &["FLUSHDB"],
        ],
    );
    expect_stream(
        &mut r,
        &[
            &["SELECT", "0"],
            &["SET", "foo", "bar", "PXAT", "*"],
            &["SET", "g", "1"],
            &["SET", "a", "b", "PXAT", "*"],
            &["PEXPIREAT", "foo", "*", "GT"],
            &["DEL", "foo"],
            &["SET", "f", "1.5", "KEEPTTL"],
            &["HSET", "h", "x", "2.5"],
            &["INCR", "i"],
            &["SADD", "s", "a", "b", "c"],
            &["SELECT", "3"],
            &["SET", "gs", "1"],
            &["DEL", "gs"],
            &["FLUSHDB"],
        ],
    );
    // Transactions and scripts are wrapped in MULTI/EXEC (one write alone
    // is not); SPOP becomes SREM or DEL.
    run(
        &mut w,
        &[
            &["SELECT", "0"],
            &["MULTI"],
            &["SET", "x", "1"],
            &["GET", "x"],
            &["EXEC"],
            &["MULTI"],
            &["SET", "x", "2"],
            &["INCR", "x"],
            &["EXEC"],
            &["EVAL", "redis.call('set','e','1'); redis.call('incr','e')", "0"],
            &["EVAL", "return redis.call('get','e')", "0"],
            &["SPOP", "s"],
            &["SPOP", "s", "5"],
        ],
    );
    expect_stream(
        &mut r,
        &[
            &["SELECT", "0"],
            &["SET", "x", "1"],
            &["MULTI"],
            &["SET", "x", "2"],
            &["INCR", "x"],
            &["EXEC"],
            &["MULTI"],
            &["set", "e", "1"],
            &["incr", "e"],
            &["EXEC"],
            &["SREM", "s", "*"],
            &["DEL", "s"],
        ],
    );
    // A key found expired by a write: DEL, then the write, in MULTI/EXEC;
    // found by a read: DEL alone.
    run(&mut w, &[&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]]);
    run(&mut w, &[&["SET", "t", "v", "PX", "1"], &["SET", "t2", "v", "PX", "1"]]);
    std::thread::sleep(Duration::from_millis(20));
    run(&mut w, &[&["SET", "t", "w"], &["GET", "t2"]]);
    expect_stream(
        &mut r,
        &[
            &["SET", "t", "v", "PXAT", "*"],
            &["SET", "t2", "v", "PXAT", "*"],
            &["MULTI"],
            &["DEL", "t"],
            &["SET", "t", "w"],
            &["EXEC"],
            &["DEL", "t2"],
        ],
    );
    // Blocking pops served by a push: the push, then the non-blocking form.
    let mut b = s.conn();
    for (block, push, expect) in [
        (vec!["BLPOP", "l1", "0"], vec!["RPUSH", "l1", "a", "b"], vec!["LPOP", "l1"]),
        (vec!["BRPOPLPUSH", "l2", "d", "0"], vec!["RPUSH", "l2", "a"], vec!["RPOPLPUSH", "l2", "d"]),
        (vec!["BLMPOP", "0", "1", "l3", "LEFT", "COUNT", "5"], vec!["RPUSH", "l3", "a", "b"], vec!["LPOP", "l3", "2"]),
        (vec!["BZPOPMIN", "z1", "0"], vec!["ZADD", "z1", "1", "a"], vec!["ZPOPMIN", "z1"]),
    ] {
        b.send(&block);
        wait_blocked(&mut w, 1);
        w.cmd(&push);
        b.read_reply();
        let push_ref: Vec<&str> = push.clone();
        expect_stream(&mut r, &[&push_ref, &expect]);
    }
    // FLUSHALL is propagated even when there was nothing to flush, and
    // PUBLISH always.
    run(&mut w, &[&["FLUSHALL"], &["FLUSHALL"], &["PUBLISH", "ch", "hi"]]);
    expect_stream(&mut r, &[&["FLUSHALL"], &["FLUSHALL"], &["PUBLISH", "ch", "hi"]]);
}

fn wait_blocked(c: &mut Conn, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(c, "clients", "blocked_clients") != n.to_string() {
        assert!(Instant::now() < deadline, "client did not block");
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub(crate) fn load_data(c: &mut Conn) {
    for db in ["0", "1", "5"] {
        c.cmd(&["SELECT", db]);
        for i in 0..50 {
            let k = format!("str:{i}");
            c.cmd(&["SET", &k, &format!("value-{i}-{db}")]);
            c.cmd(&["RPUSH", &format!("list:{}", i % 5), &k, "x", "12345"]);
            c.cmd(&["HSET", &format!("hash:{}", i % 7), &k, &i.to_string()]);
            c.cmd(&["SADD", &format!("set:{}", i % 3), &k, &i.to_string()]);
            c.cmd(&["ZADD", &format!("zset:{}", i % 4), &format!("{}.5", i), &k]);
        }
        c.cmd(&["EXPIRE", "str:1", "1000"]);
        c.cmd(&["PEXPIRE", "list:1", "500000"]);
        c.cmd(&["SET", "big", &"y".repeat(5000)]);
    }
    c.cmd(&["SELECT", "0"]);
}

/// One random write (or read that may expire keys) on a small key space.
pub(crate) fn random_op(rng: &mut TestRng, c: &mut Conn, blocker: &mut Conn) {
    let k = |rng: &mut TestRng, p: &str| format!("{p}:{}", rng.below(8));
    match rng.below(32) {
        0 => c.cmd(&["SET", &k(rng, "str"), &rng.next_u64().to_string()]),
        1 => c.cmd(&["SET", &k(rng, "str"), "v", "EX", &(1 + rng.below(1000)).to_string()]),
        2 => c.cmd(&["SET", &k(rng, "tmp"), "v", "PX", &(1 + rng.below(30)).to_string()]),
        3 => c.cmd(&["INCR", &k(rng, "cnt")]),
        4 => c.cmd(&["INCRBYFLOAT", &k(rng, "flt"), "1.1"]),
        5 => c.cmd(&["HINCRBYFLOAT", &k(rng, "hash"), "f", "0.3"]),
        6 => c.cmd(&["EXPIRE", &k(rng, "str"), &(1 + rng.below(500)).to_string()]),
        7 => c.cmd(&["PEXPIRE", &k(rng, "list"), &(1 + rng.below(20)).to_string()]),
        8 => c.cmd(&["SPOP", &k(rng, "set")]),
        9 => c.cmd(&["SPOP", &k(rng, "set"), &rng.below(4).to_string()]),
        10 => c.cmd(&["SADD", &k(rng, "set"), &rng.below(100).to_string(), &rng.below(100).to_string()]),
        11 => c.cmd(&["RPUSH", &k(rng, "list"), &rng.below(100).to_string()]),
        12 => c.cmd(&["LPOP", &k(rng, "list")]),
        13 => c.cmd(&["ZADD", &k(rng, "zset"), &rng.below(50).to_string(), &rng.below(20).to_string()]),
        14 => c.cmd(&["ZPOPMIN", &k(rng, "zset")]),
        15 => c.cmd(&["DEL", &k(rng, "str"), &k(rng, "hash")]),
        16 => {
            let db = ["0", "1", "5"][rng.below(3)];
            c.cmd(&["SELECT", db])
        }
        17 => {
            c.cmd(&["MULTI"]);
            c.cmd(&["INCR", &k(rng, "cnt")]);
            c.cmd(&["LPUSH", &k(rng, "list"), "m"]);
            c.cmd(&["SETEX", &k(rng, "str"), "100", "x"]);
            c.cmd(&["EXEC"])
        }
        18 => c.cmd(&[
            "EVAL",
            "redis.call('incrbyfloat', KEYS[1], '2.5'); redis.call('spop', KEYS[2]); \
             return redis.call('rpush', KEYS[3], 'z')",
            "3",
            &k(rng, "flt"),
            &k(rng, "set"),
            &k(rng, "list"),
        ]),
        19 => {
            // A blocking pop served by a push (on the blocker's db 0).
            let key = format!("bl:{}", rng.next_u64());
            blocker.send(&["BLPOP", &key, "0"]);
            wait_blocked(c, 1);
            let db = c.cmd(&["CLIENT", "INFO"]);
            let Reply::Bulk(info) = db else { panic!() };
            let info = String::from_utf8_lossy(&info).into_owned();
            let current = info.split(" db=").nth(1).unwrap().split(' ').next().unwrap().to_string();
            c.cmd(&["SELECT", "0"]);
            c.cmd(&["RPUSH", &key, "a", "b"]);
            blocker.read_reply();
            c.cmd(&["SELECT", &current])
        }
        20 => c.cmd(&["GET", &k(rng, "tmp")]),
        21 => c.cmd(&["GETEX", &k(rng, "str"), "PX", &(1 + rng.below(10)).to_string()]),
        22 => c.cmd(&["LMOVE", &k(rng, "list"), &k(rng, "list"), "LEFT", "RIGHT"]),
        24..=31 => stream_op(rng, c),
        _ => c.cmd(&["HSET", &k(rng, "hash"), &rng.below(10).to_string(), &rng.next_u64().to_string()]),
    };
}

/// Makes the master `w` and its `replicas` hold the same keys for good:
/// WAIT for their ACKs, expire on the master what is due (the replicas
/// never expire keys themselves), stop its expiry, WAIT again.
pub(crate) fn settle_expiry(w: &mut Conn, replicas: i64) {
    let n = replicas.to_string();
    w.cmd(&["SELECT", "0"]);
    assert_eq!(w.cmd(&["WAIT", &n, "10000"]), int(replicas));
    std::thread::sleep(Duration::from_millis(50));
    for db in ["0", "1", "5"] {
        w.cmd(&["SELECT", db]);
        w.cmd(&["SCAN", "0", "COUNT", "100000"]);
        let Reply::Array(keys) = w.cmd(&["KEYS", "*"]) else { panic!() };
        for k in keys {
            if let Reply::Bulk(k) = k {
                w.cmd_bytes(&[b"EXISTS", &k]);
            }
        }
    }
    w.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    w.cmd(&["SELECT", "0"]);
    assert_eq!(w.cmd(&["WAIT", &n, "10000"]), int(replicas));
}

/// A consumer-group command or an approximate trim (the master runs with
/// small stream nodes, so `~` trims delete where the replica's would not).
fn stream_op(rng: &mut TestRng, c: &mut Conn) -> Reply {
    let key = format!("st:{}", rng.below(2));
    let consumer = format!("c{}", rng.below(3));
    let first = |c: &mut Conn, cmd: &[&str]| -> Option<String> {
        let Reply::Array(items) = c.cmd(cmd) else { return None };
        let Reply::Array(item) = items.into_iter().next()? else { return None };
        match item.into_iter().next()? {
            Reply::Bulk(id) => Some(String::from_utf8_lossy(&id).into_owned()),
            _ => None,
        }
    };
    match rng.below(8) {
        0 | 1 => c.cmd(&["XADD", &key, "MAXLEN", "~", "6", "*", "f", &rng.below(100).to_string()]),
        2 => c.cmd(&["XGROUP", "CREATE", &key, "g", "0", "MKSTREAM"]),
        3 => c.cmd(&["XREADGROUP", "GROUP", "g", &consumer, "COUNT", "2", "STREAMS", &key, ">"]),
        4 => c.cmd(&["XREADGROUP", "GROUP", "g", &consumer, "NOACK", "COUNT", "1", "STREAMS", &key, ">"]),
        5 => c.cmd(&["XAUTOCLAIM", &key, "g", &consumer, "0", "0-0", "COUNT", "2"]),
        6 => match first(c, &["XRANGE", &key, "-", "+", "COUNT", "1"]) {
            Some(id) => c.cmd(&["XDEL", &key, &id]),
            None => Reply::Null,
        },
        _ => match first(c, &["XPENDING", &key, "g", "-", "+", "1"]) {
            Some(id) => c.cmd(&["XCLAIM", &key, "g", &consumer, "0", &id]),
            None => Reply::Null,
        },
    }
}

/// A stream's entries, and its groups as a replica must hold them: name,
/// consumers, pending count and last id; pending entries with owner and
/// delivery count. (Not `entries-read`: XCLAIM's LASTID does not carry it,
/// so a redis-server replica differs from its redis-server master there.)
fn dump_stream(c: &mut Conn, k: &str) -> Reply {
    let mut out = vec![c.cmd(&["XRANGE", k, "-", "+"])];
    let Reply::Array(groups) = c.cmd(&["XINFO", "GROUPS", k]) else { panic!("XINFO GROUPS") };
    for g in groups {
        let Reply::Array(mut fields) = g else { panic!() };
        fields.truncate(8);
        let name = match &fields[1] {
            Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("{other:?}"),
        };
        out.push(Reply::Array(fields));
        let Reply::Array(pending) = c.cmd(&["XPENDING", k, &name, "-", "+", "100000"]) else { panic!() };
        for p in pending {
            let Reply::Array(mut p) = p else { panic!() };
            p.remove(2); // idle time
            out.push(Reply::Array(p));
        }
    }
    Reply::Array(out)
}

/// Every key of every database with its type and content (values read
/// back through commands both servers share), and its PTTL. (Our DEBUG
/// DIGEST does not follow Redis's algorithm, so digests cannot be compared.)
pub(crate) fn dump_all(c: &mut Conn) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for db in ["0", "1", "5"] {
        c.cmd(&["SELECT", db]);
        let Reply::Array(keys) = c.cmd(&["KEYS", "*"]) else { panic!() };
        let mut keys: Vec<String> = keys
            .into_iter()
            .map(|k| match k {
                Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
                _ => panic!(),
            })
            .collect();
        keys.sort();
        for k in keys {
            let t = c.cmd(&["TYPE", &k]);
            let v = match &t {
                Reply::Simple(s) if s == "string" => c.cmd(&["GET", &k]),
                Reply::Simple(s) if s == "list" => c.cmd(&["LRANGE", &k, "0", "-1"]),
                Reply::Simple(s) if s == "hash" => sorted(c.cmd(&["HGETALL", &k])),
                Reply::Simple(s) if s == "set" => sorted(c.cmd(&["SMEMBERS", &k])),
                Reply::Simple(s) if s == "zset" => c.cmd(&["ZRANGE", &k, "0", "-1", "WITHSCORES"]),
                Reply::Simple(s) if s == "stream" => dump_stream(c, &k),
                other => panic!("type {other:?}"),
            };
            let Reply::Int(ttl) = c.cmd(&["PTTL", &k]) else { panic!("PTTL") };
            out.push((format!("{db} {k} {t:?} {v:?}"), ttl));
        }
    }
    c.cmd(&["SELECT", "0"]);
    out
}

fn sorted(r: Reply) -> Reply {
    match r {
        Reply::Array(mut v) => {
            v.sort_by_key(|x| format!("{x:?}"));
            Reply::Array(v)
        }
        other => other,
    }
}

#[test]
#[ignore = "needs redis-server"]
fn real_replica_dataset_matches_after_random_writes() {
    let s = TestServer::start(&["--stream-node-max-entries", "3"]);
    let mut w = s.conn();
    load_data(&mut w);
    let port = s.port.to_string();
    let replica = RealRedis::start(&["--replicaof", "127.0.0.1", &port]);
    let mut rc = replica.conn();
    let deadline = Instant::now() + Duration::from_secs(30);
    while info_field(&mut rc, "replication", "master_link_status") != "up" {
        assert!(Instant::now() < deadline, "the replica did not sync");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut blocker = s.conn();
    let mut rng = TestRng::new(0x9e37_79b9_7f4a_7c15);
    for i in 0..1500 {
        random_op(&mut rng, &mut w, &mut blocker);
        if i % 300 == 0 {
            // Let short TTLs pass so lazy and active expiry delete keys.
            std::thread::sleep(Duration::from_millis(40));
        }
    }
    settle_expiry(&mut w, 1);
    let ours = dump_all(&mut w);
    let theirs = dump_all(&mut rc);
    assert!(ours.len() > 100, "a dataset worth comparing: {}", ours.len());
    assert_eq!(ours.len(), theirs.len());
    for ((a, ttl_a), (b, ttl_b)) in ours.iter().zip(theirs.iter()) {
        assert_eq!(a, b);
        // Same absolute expire times, read a moment apart.
        assert_eq!(*ttl_a == -1, *ttl_b == -1, "{a}: TTL {ttl_a} vs {ttl_b}");
        assert!((ttl_a - ttl_b).abs() < 5000, "{a}: TTL {ttl_a} vs {ttl_b}");
    }
    // The replica processed exactly the stream we produced.
    let same_offset = |w: &mut Conn, rc: &mut Conn| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mine = info_field(w, "replication", "master_repl_offset");
            if info_field(rc, "replication", "master_repl_offset") == mine {
                break;
            }
            assert!(Instant::now() < deadline, "replica offset never reached {mine}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    same_offset(&mut w, &mut rc);

    // Cut the link: the replica reconnects with PSYNC <replid> <offset>
    // and continues from the backlog (no new full sync).
    assert_eq!(info_field(&mut w, "stats", "sync_full"), "1");
    assert_eq!(w.cmd(&["CLIENT", "KILL", "TYPE", "replica"]), int(1));
    for i in 0..50 {
        w.cmd(&["RPUSH", "after-cut", &i.to_string()]);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while info_field(&mut w, "replication", "connected_slaves") != "1"
        || !info_field(&mut w, "replication", "slave0").contains("state=online")
    {
        assert!(Instant::now() < deadline, "the replica did not come back");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(w.cmd(&["WAIT", "1", "10000"]), int(1));
    same_offset(&mut w, &mut rc);
    assert_eq!(rc.cmd(&["LLEN", "after-cut"]), int(50));
    assert_eq!(info_field(&mut w, "stats", "sync_full"), "1", "no second full sync");
    assert_eq!(info_field(&mut w, "stats", "sync_partial_ok"), "1", "a partial resync");
}

#[test]
fn replicaof_host_port_without_a_master_is_a_replica_whose_link_stays_down() {
    let s = TestServer::start(&["--repl-ping-replica-period", "1000"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["REPLICAOF", "localhost", "x"]), err("ERR Invalid master port"));
    assert_eq!(c.cmd(&["REPLICAOF", "localhost", "9999"]), ok());
    assert_eq!(c.cmd(&["REPLICAOF", "LOCALHOST", "9999"]), simple("OK Already connected to specified master"));
    assert_eq!(c.cmd(&["SET", "k", "w"]), err("READONLY You can't write against a read only replica."));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(info_field(&mut c, "replication", "role"), "slave");
    assert_eq!(info_field(&mut c, "replication", "master_link_status"), "down");
    // Between attempts "connect"; while one is under way "connecting".
    let role = c.cmd(&["ROLE"]);
    let want = |state| arr(vec![bulk("slave"), bulk("localhost"), int(9999), bulk(state), int(-1)]);
    assert!(role == want("connect") || role == want("connecting"), "{role:?}");
    assert_eq!(c.cmd(&["CONFIG", "SET", "replica-serve-stale-data", "no"]), ok());
    assert_eq!(
        c.cmd(&["GET", "k"]),
        err("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
    );
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![]));
    assert_eq!(c.cmd(&["REPLICAOF", "NO", "ONE"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(c.cmd(&["SET", "k", "w"]), ok());

    // Demoted inside a transaction: nothing of it reaches the stream.
    let mut r = attach(s.port);
    assert_eq!(c.cmd(&["SET", "foo", "bar"]), ok());
    assert_eq!(c.cmd(&["MULTI"]), ok());
    c.cmd(&["SET", "foo2", "bar"]);
    c.cmd(&["REPLICAOF", "localhost", "9999"]);
    c.cmd(&["SET", "foo3", "bar"]);
    c.cmd(&["EXEC"]);
    // Promoted again: the replicas are disconnected (Redis's
    // `replicationUnsetMaster`), to reconnect with PSYNC.
    assert_eq!(c.cmd(&["REPLICAOF", "NO", "ONE"]), ok());
    assert_eq!(c.cmd(&["SET", "after", "1"]), ok());
    expect_stream(&mut r, &[&["SELECT", "0"], &["SET", "foo", "bar"]]);
    assert!(r.is_closed(Duration::from_secs(5)));
}

#[test]
fn expired_keys_found_by_scan_are_not_wrapped_and_restore_gets_an_absolute_ttl() {
    let s = TestServer::start(&["--repl-ping-replica-period", "1000"]);
    let mut w = s.conn();
    assert_eq!(w.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), ok());
    w.cmd(&["SET", "foo1", "bar", "PX", "1"]);
    w.cmd(&["SET", "foo2", "bar", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(5));
    let mut r = attach(s.port);
    w.cmd(&["SCAN", "0"]);
    let a = next_cmd(&mut r);
    assert_eq!(a, ["SELECT", "0"]);
    let (x, y) = (next_cmd(&mut r), next_cmd(&mut r));
    assert!(x[0] == "DEL" && y[0] == "DEL", "{x:?} {y:?}");

    w.cmd(&["SET", "src", "v"]);
    let Reply::Bulk(payload) = w.cmd(&["DUMP", "src"]) else { panic!("DUMP") };
    w.cmd_bytes(&[b"RESTORE", b"dst", b"100000", &payload]);
    expect_stream(&mut r, &[&["SET", "src", "v"]]);
    let got = next_cmd(&mut r);
    assert_eq!((got[0].as_str(), got[1].as_str(), got.len()), ("RESTORE", "dst", 5), "{got:?}");
    assert_eq!(got[4], "ABSTTL");
    let at: u64 = got[2].parse().unwrap();
    assert!(at > 1_000_000_000_000, "absolute ms: {at}");
}

#[test]
fn xadd_is_propagated_with_the_generated_id() {
    let s = TestServer::start(&["--repl-ping-replica-period", "1000"]);
    let mut w = s.conn();
    let mut r = attach(s.port);
    let Reply::Bulk(id) = w.cmd(&["XADD", "st", "*", "f", "v"]) else { panic!("XADD") };
    let id = String::from_utf8(id.to_vec()).unwrap();
    expect_stream(&mut r, &[&["SELECT", "0"], &["XADD", "st", &id, "f", "v"]]);
}

/// Consumer-group commands and approximate trims, run on a server with a
/// replica attached; returns the stream they produced (up to the closing
/// `SET end 1`), with absolute delivery times masked.
fn stream_group_propagation(port: u16) -> Vec<Vec<String>> {
    let mut w = Conn::connect(port);
    let mut r = attach(port);
    let script: &[&[&str]] = &[
        &["XGROUP", "CREATE", "st", "g", "$", "MKSTREAM"],
        &["XADD", "st", "1-1", "f", "v"],
        &["XADD", "st", "2-1", "f", "v"],
        &["XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "st", ">"],
        &["XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "st", ">"],
        &["XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "st", ">"],
        &["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "st", "0"],
        &["XCLAIM", "st", "g", "bob", "0", "1-1"],
        &["XCLAIM", "st", "g", "bob", "0", "9-9", "LASTID", "5-0"],
        &["XADD", "st", "6-1", "f", "v"],
        &["XREADGROUP", "GROUP", "g", "carol", "STREAMS", "st", ">"],
        &["XDEL", "st", "1-1"],
        &["XAUTOCLAIM", "st", "g", "dave", "0", "0-0", "COUNT", "5"],
        &["XADD", "st", "MAXLEN", "~", "1", "7-1", "f", "v"],
        &["XADD", "st", "8-*", "f", "v"],
        &["XADD", "st", "MINID", "~", "8", "LIMIT", "100", "9-1", "f", "v"],
        &["XTRIM", "st", "MAXLEN", "~", "0"],
        &["XTRIM", "st", "MAXLEN", "~", "100"],
        &["SET", "end", "1"],
    ];
    for cmd in script {
        let reply = w.cmd(cmd);
        assert!(!matches!(reply, Reply::Error(_)), "{cmd:?}: {reply:?}");
    }
    let mut got = Vec::new();
    loop {
        let mut cmd = next_cmd(&mut r);
        if let Some(t) = cmd.iter().position(|a| a == "TIME") {
            cmd[t + 1] = "<ms>".into();
        }
        let end = cmd == ["SET", "end", "1"];
        got.push(cmd);
        if end {
            return got;
        }
    }
}

#[test]
fn stream_groups_and_approximate_trims_are_propagated_as_redis_7_0_does() {
    let s = TestServer::start(&["--repl-ping-replica-period", "1000", "--stream-node-max-entries", "2"]);
    let got = stream_group_propagation(s.port);
    let xclaim = |consumer: &str, id: &str, count: &str, last: &str| -> Vec<String> {
        ["XCLAIM", "st", "g", consumer, "0", id, "TIME", "<ms>", "RETRYCOUNT", count, "FORCE", "JUSTID", "LASTID", last]
            .map(String::from)
            .to_vec()
    };
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let want = vec![
        v(&["SELECT", "0"]),
        v(&["XGROUP", "CREATE", "st", "g", "$", "MKSTREAM"]),
        v(&["XADD", "st", "1-1", "f", "v"]),
        v(&["XADD", "st", "2-1", "f", "v"]),
        // A delivery goes as the XCLAIM that recreates it; NOACK reads as
        // the consumer's creation and the group's position; a read of
        // nothing new, or of the history, as nothing.
        xclaim("alice", "1-1", "1", "1-1"),
        v(&["MULTI"]),
        v(&["XGROUP", "CREATECONSUMER", "st", "g", "bob"]),
        v(&["XGROUP", "SETID", "st", "g", "2-1", "ENTRIESREAD", "2"]),
        v(&["EXEC"]),
        // XCLAIM likewise (the history read counted a delivery); a LASTID
        // that claimed nothing as SETID.
        xclaim("bob", "1-1", "3", "2-1"),
        v(&["XGROUP", "SETID", "st", "g", "5-0", "ENTRIESREAD", "2"]),
        v(&["XADD", "st", "6-1", "f", "v"]),
        xclaim("carol", "6-1", "1", "6-1"),
        v(&["XDEL", "st", "1-1"]),
        // XAUTOCLAIM: the deleted entry's pending entry goes with an XCLAIM
        // the replica turns into the same deletion; then the claim.
        v(&["MULTI"]),
        xclaim("bob", "1-1", "3", "6-1"),
        xclaim("dave", "6-1", "2", "6-1"),
        v(&["EXEC"]),
        // Approximate trims go as exact ones to what the stream holds; a
        // generated id as itself; a trim that deleted nothing, not at all.
        v(&["XADD", "st", "MAXLEN", "=", "2", "7-1", "f", "v"]),
        v(&["XADD", "st", "8-0", "f", "v"]),
        v(&["XADD", "st", "MINID", "=", "8-0", "LIMIT", "100", "9-1", "f", "v"]),
        v(&["XTRIM", "st", "MAXLEN", "=", "0"]),
        v(&["SET", "end", "1"]),
    ];
    assert_eq!(got, want);
    // A user may not send LIMIT with an exact trim (the AOF's client may).
    assert_eq!(
        s.conn().cmd(&["XADD", "st", "MAXLEN", "=", "1", "LIMIT", "5", "*", "f", "v"]),
        err("ERR syntax error, LIMIT cannot be used without the special ~ option")
    );
}

#[test]
#[ignore = "needs redis-server"]
fn stream_group_propagation_matches_redis_server() {
    let ours = TestServer::start(&["--stream-node-max-entries", "2"]);
    let redis = RealRedis::start(&["--stream-node-max-entries", "2"]);
    assert_eq!(stream_group_propagation(ours.port), stream_group_propagation(redis.port));
}

/// Keys that expired while the AOF was on and then off are not kept for
/// the stream: the first replica after gets only what happens after it
/// attached (the expired-key log used to outlive the AOF and went out,
/// stale and wrapped in MULTI with the next write).
#[test]
fn expiries_while_nothing_takes_the_stream_are_not_sent_later() {
    let s = TestServer::start(&["--repl-ping-replica-period", "1000"]);
    let mut w = s.conn();
    assert_eq!(w.cmd(&["CONFIG", "SET", "appendonly", "yes"]), ok());
    let deadline = Instant::now() + Duration::from_secs(20);
    while info_field(&mut w, "persistence", "aof_rewrite_in_progress") != "0"
        || info_field(&mut w, "persistence", "aof_rewrite_scheduled") != "0"
    {
        assert!(Instant::now() < deadline, "the first rewrite never ended");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(w.cmd(&["CONFIG", "SET", "appendonly", "no"]), ok());
    for k in ["a", "b", "c"] {
        assert_eq!(w.cmd(&["SET", k, "v", "PX", "1"]), ok());
    }
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(w.cmd(&["MGET", "a", "b", "c"]), arr(vec![nil(), nil(), nil()]));
    let mut r = attach(s.port);
    assert_eq!(w.cmd(&["SET", "after", "1"]), ok());
    expect_stream(&mut r, &[&["SELECT", "0"], &["SET", "after", "1"]]);
}
