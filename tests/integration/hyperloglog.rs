//! HyperLogLog commands: exact replies and errors, the bytes of the values
//! (sparse and dense, promotion at `hll-sparse-max-bytes`), the cache and
//! what counts as a change (dirty, WATCH), corrupted values written with
//! SET/SETRANGE, and seeded random PFADD/PFMERGE/PFCOUNT sequences compared
//! byte for byte with real redis-server.

use crate::common::*;

const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const CORRUPT: &str = "INVALIDOBJ Corrupted HLL object detected";

fn get(c: &mut Conn, key: &str) -> Vec<u8> {
    match c.cmd(&["GET", key]) {
        Reply::Bulk(b) => b.to_vec(),
        other => panic!("GET {key}: {other:?}"),
    }
}

fn dirty(c: &mut Conn) -> i64 {
    info_field(c, "persistence", "rdb_changes_since_last_save").parse().expect("a number")
}

fn header(encoding: u8, card: u64, stale: bool) -> Vec<u8> {
    let mut h = b"HYLL".to_vec();
    h.extend_from_slice(&[encoding, 0, 0, 0]);
    let mut c = card.to_le_bytes();
    if stale {
        c[7] |= 0x80;
    }
    h.extend_from_slice(&c);
    h
}

#[test]
fn pfadd_pfcount_basics() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PFADD", "h"]), int(1), "creating the key counts as a change");
    assert_eq!(c.cmd(&["PFADD", "h"]), int(0));
    // A change marks the cache stale, even the creation.
    let mut empty = header(1, 0, true);
    empty.extend_from_slice(&[0x7f, 0xff]);
    assert_eq!(get(&mut c, "h"), empty);
    assert_eq!(c.cmd(&["PFCOUNT", "h"]), int(0));
    assert_eq!(c.cmd(&["PFADD", "h", "a", "b", "c", "d", "e", "f", "g"]), int(1));
    assert_eq!(c.cmd(&["PFADD", "h", "a", "b"]), int(0));
    // The bytes redis-server 7.0.15 stores for these seven elements.
    let mut want = header(1, 0, true);
    want.extend_from_slice(b"\x46\x6d\x80\x56\x0c\x80\x44\x3c\x84\x38\x80\x50\xb1\x84\x49\x8c\x80\x42\x6d\x80\x42\x5a");
    assert_eq!(get(&mut c, "h"), want);
    assert_eq!(c.cmd(&["PFCOUNT", "h"]), int(7));
    assert_eq!(&get(&mut c, "h")[8..16], &[7, 0, 0, 0, 0, 0, 0, 0], "the cache is stored");
    assert_eq!(
        c.cmd(&["PFDEBUG", "DECODE", "h"]),
        bulk("Z:1646 v:1,1 Z:5645 v:1,1 Z:1085 v:2,1 z:57 v:1,1 Z:4274 v:2,1 Z:2445 v:1,1 Z:622 v:1,1 Z:603")
    );
    assert_eq!(c.cmd(&["PFCOUNT", "missing"]), int(0));
    assert_eq!(c.cmd(&["PFCOUNT", "h", "missing"]), int(7));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "h"]), bulk("raw"));
    assert_eq!(c.cmd(&["PFADD"]), err("ERR wrong number of arguments for 'pfadd' command"));
    assert_eq!(c.cmd(&["PFCOUNT"]), err("ERR wrong number of arguments for 'pfcount' command"));
    assert_eq!(c.cmd(&["PFMERGE"]), err("ERR wrong number of arguments for 'pfmerge' command"));
}

#[test]
fn cardinality_estimates() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for n in [10i64, 100, 1000, 10_000, 100_000] {
        let key = format!("n{n}");
        for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
            let els: Vec<String> = chunk.iter().map(|i| format!("ele:{i}")).collect();
            let mut args = vec!["PFADD", &key];
            args.extend(els.iter().map(String::as_str));
            c.cmd(&args);
        }
        let got = match c.cmd(&["PFCOUNT", &key]) {
            Reply::Int(i) => i,
            other => panic!("{other:?}"),
        };
        let tolerance = (n as f64 * 0.0081 * 3.0).max(1.0) as i64;
        assert!((got - n).abs() <= tolerance, "{n}: {got}");
    }
}

#[test]
fn sparse_promotes_to_dense_at_the_configured_limit() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "SET", "hll-sparse-max-bytes", "100"]), ok());
    c.cmd(&["PFADD", "h", "x"]);
    let mut i = 0;
    while c.cmd(&["PFDEBUG", "ENCODING", "h"]) == simple("sparse") {
        let len = get(&mut c, "h").len();
        assert!(len <= 100, "sparse value of {len} bytes");
        c.cmd(&["PFADD", "h", &format!("e{i}")]);
        i += 1;
    }
    assert_eq!(get(&mut c, "h").len(), 16 + 12288);
    assert_eq!(c.cmd(&["PFDEBUG", "DECODE", "h"]), err("ERR HLL encoding is not sparse"));
    assert_eq!(c.cmd(&["PFDEBUG", "TODENSE", "h"]), int(0));
    c.cmd(&["PFADD", "s", "a"]);
    assert_eq!(c.cmd(&["PFDEBUG", "TODENSE", "s"]), int(1));
    assert_eq!(c.cmd(&["PFDEBUG", "ENCODING", "s"]), simple("dense"));
    assert_eq!(c.cmd(&["PFCOUNT", "s"]), int(1));
    match c.cmd(&["PFDEBUG", "GETREG", "s"]) {
        Reply::Array(regs) => {
            assert_eq!(regs.len(), 16384);
            assert_eq!(regs.iter().filter(|r| **r != int(0)).count(), 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pfmerge_results() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["PFADD", "a", "1", "2", "3"]);
    c.cmd(&["PFADD", "b", "3", "4", "5"]);
    assert_eq!(c.cmd(&["PFMERGE", "d", "a", "b", "missing"]), ok());
    assert_eq!(c.cmd(&["PFCOUNT", "d"]), int(5));
    assert_eq!(c.cmd(&["PFDEBUG", "ENCODING", "d"]), simple("sparse"));
    assert_eq!(c.cmd(&["PFMERGE", "alone"]), ok(), "the destination alone");
    assert_eq!(c.cmd(&["PFCOUNT", "alone"]), int(0));
    c.cmd(&["PFDEBUG", "TODENSE", "b"]);
    assert_eq!(c.cmd(&["PFMERGE", "e", "a", "b"]), ok());
    assert_eq!(c.cmd(&["PFDEBUG", "ENCODING", "e"]), simple("dense"), "one dense input makes it dense");
    assert_eq!(c.cmd(&["PFCOUNT", "e"]), int(5));
    assert_eq!(c.cmd(&["PFCOUNT", "a", "b"]), int(5));
}

#[test]
fn errors_and_wrong_types() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["LPUSH", "l", "x"]);
    c.cmd(&["SET", "str", "not an hll at all"]);
    c.cmd(&["SET", "n", "12345"]);
    c.cmd(&["PFADD", "h", "a"]);
    for (args, e) in [
        (&["PFADD", "l", "a"][..], WRONGTYPE),
        (&["PFCOUNT", "l"], WRONGTYPE),
        (&["PFCOUNT", "h", "l"], WRONGTYPE),
        (&["PFMERGE", "h", "l"], WRONGTYPE),
        (&["PFADD", "str", "a"], NOT_HLL),
        (&["PFADD", "n", "a"], NOT_HLL),
        (&["PFCOUNT", "str"], NOT_HLL),
        (&["PFCOUNT", "h", "str"], NOT_HLL),
        (&["PFMERGE", "h", "str"], NOT_HLL),
        (&["PFMERGE", "str", "h"], NOT_HLL),
        (&["PFDEBUG", "GETREG", "missing"], "ERR The specified key does not exist"),
        (&["PFDEBUG", "GETREG", "str"], NOT_HLL),
        (&["PFDEBUG", "NOSUCH", "h"], "ERR Unknown PFDEBUG subcommand 'NOSUCH'"),
        (&["PFDEBUG", "GETREG"], "ERR wrong number of arguments for 'pfdebug' command"),
        (&["PFSELFTEST", "x"], "ERR wrong number of arguments for 'pfselftest' command"),
    ] {
        assert_eq!(c.cmd(args), err(e), "{args:?}");
    }
    // A dense header on a value of the wrong length is not an HLL.
    let mut bad = header(0, 0, true);
    bad.extend_from_slice(&[0; 100]);
    c.cmd_bytes(&[b"SET", b"d", &bad]);
    assert_eq!(c.cmd(&["PFCOUNT", "d"]), err(NOT_HLL));
    let mut bad = header(2, 0, true);
    bad.extend_from_slice(&[0x7f, 0xff]);
    c.cmd_bytes(&[b"SET", b"e", &bad]);
    assert_eq!(c.cmd(&["PFADD", "e", "x"]), err(NOT_HLL), "unknown encoding");
}

#[test]
fn corrupted_sparse_values_answer_invalidobj() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    // Registers covering 16383 instead of 16384.
    let mut short = header(1, 0, true);
    short.extend_from_slice(&[0x7f, 0xfe]);
    c.cmd_bytes(&[b"SET", b"short", &short]);
    assert_eq!(c.cmd(&["PFCOUNT", "short"]), err(CORRUPT));
    assert_eq!(c.cmd(&["PFCOUNT", "short", "short"]), err(CORRUPT));
    assert_eq!(c.cmd(&["PFMERGE", "d", "short"]), err(CORRUPT));
    assert_eq!(c.cmd(&["EXISTS", "d"]), int(0));
    assert_eq!(c.cmd(&["PFDEBUG", "TODENSE", "short"]), err(CORRUPT));
    assert_eq!(c.cmd(&["PFDEBUG", "GETREG", "short"]), err(CORRUPT));
    // A valid cache is answered without looking at the registers.
    let mut cached = header(1, 42, false);
    cached.extend_from_slice(&[0x7f, 0xfe]);
    c.cmd_bytes(&[b"SET", b"cached", &cached]);
    assert_eq!(c.cmd(&["PFCOUNT", "cached"]), int(42));
    // SETRANGE can break a valid value anywhere: no panic, an error or a count.
    c.cmd(&["PFADD", "v", "a", "b", "c"]);
    for i in 16..40 {
        for byte in [0u8, 0x3f, 0x40, 0x7f, 0x80, 0xff] {
            c.cmd(&["PFADD", "w", "a", "b", "c"]);
            c.cmd_bytes(&[b"SETRANGE", b"w", i.to_string().as_bytes(), &[byte]]);
            for cmd in
                [&["PFCOUNT", "w"][..], &["PFADD", "w", "zz", "yy"], &["PFCOUNT", "w", "v"], &["PFMERGE", "m", "w"]]
            {
                match c.cmd(cmd) {
                    Reply::Int(_) | Reply::Simple(_) => {}
                    Reply::Error(e) => assert!(e == CORRUPT || e == NOT_HLL, "{e}"),
                    other => panic!("{other:?}"),
                }
            }
            c.cmd(&["DEL", "w", "m"]);
        }
    }
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
}

#[test]
fn dirty_watch_and_cache() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let mut other = s.conn();
    let d0 = dirty(&mut c);
    c.cmd(&["PFADD", "h", "a", "b", "c"]);
    assert_eq!(dirty(&mut c) - d0, 4, "one for the creation, one per changed register");
    c.cmd(&["PFADD", "h", "a"]);
    assert_eq!(dirty(&mut c) - d0, 4);
    c.cmd(&["PFCOUNT", "h"]);
    assert_eq!(dirty(&mut c) - d0, 5, "refreshing the cache is a change");
    c.cmd(&["PFCOUNT", "h"]);
    assert_eq!(dirty(&mut c) - d0, 5, "a valid cache is not");
    c.cmd(&["PFCOUNT", "h", "h"]);
    assert_eq!(dirty(&mut c) - d0, 5, "the union never writes");
    for (cmd, touched) in [
        (&["PFADD", "h", "a"][..], false),
        (&["PFADD", "h", "new-element"], true),
        (&["PFCOUNT", "h"], true),
        (&["PFCOUNT", "h"], false),
        (&["PFCOUNT", "h", "x"], false),
        (&["PFMERGE", "h"], true),
    ] {
        assert_eq!(c.cmd(&["WATCH", "h"]), ok());
        other.cmd(cmd);
        c.cmd(&["MULTI"]);
        c.cmd(&["PING"]);
        let expect = if touched { Reply::NullArray } else { arr(vec![simple("PONG")]) };
        assert_eq!(c.cmd(&["EXEC"]), expect, "{cmd:?}");
    }
    // Inside MULTI.
    c.cmd(&["MULTI"]);
    c.cmd(&["PFADD", "m", "x"]);
    c.cmd(&["PFCOUNT", "m"]);
    c.cmd(&["PFMERGE", "m2", "m"]);
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![int(1), int(1), ok()]));
}

#[test]
fn keyspace_notifications() {
    let s = TestServer::start(&["--notify-keyspace-events", "KEA"]);
    let mut c = s.conn();
    let mut sub = s.conn();
    sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:*"]);
    c.cmd(&["PFADD", "h", "a"]);
    c.cmd(&["PFADD", "h", "a"]);
    c.cmd(&["PFCOUNT", "h"]);
    c.cmd(&["PFMERGE", "d", "h"]);
    let mut events = Vec::new();
    for _ in 0..2 {
        match sub.read_reply() {
            Reply::Array(items) => events.push(format!("{:?} {:?}", items[2], items[3])),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        events,
        [
            // Nothing for the PFADD that changed nothing, nor for PFCOUNT.
            format!("{:?} {:?}", bulk("__keyevent@0__:pfadd"), bulk("h")),
            format!("{:?} {:?}", bulk("__keyevent@0__:pfadd"), bulk("d")),
        ]
    );
}

#[test]
fn pfselftest_passes() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PFSELFTEST"]), ok());
}

/// Seeded random PFADD/PFMERGE/PFCOUNT/PFDEBUG on a few keys, at several
/// sparse limits; every reply and the final bytes must match.
fn random_hll_scenario(c: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut conn = c();
    let mut log = Vec::new();
    let keys = ["k0", "k1", "k2", "k3"];
    for (round, limit) in ["3000", "200", "60"].iter().enumerate() {
        conn.cmd(&["FLUSHALL"]);
        conn.cmd(&["CONFIG", "SET", "hll-sparse-max-bytes", limit]);
        let mut rng = TestRng::new(0x411 + round as u64);
        for _ in 0..1500 {
            let key = *rng.pick(&keys);
            let r = rng.below(100);
            let reply = if r < 60 {
                let n = *rng.pick(&[1usize, 1, 3, 10, 100]);
                let span = *rng.pick(&[10i64, 1000, 100_000_000]);
                let els: Vec<String> = (0..n).map(|_| rng.range(0, span).to_string()).collect();
                let mut args = vec!["PFADD", key];
                args.extend(els.iter().map(String::as_str));
                conn.cmd(&args)
            } else if r < 75 {
                let n = 1 + rng.below(3);
                let ks: Vec<&str> = (0..n).map(|_| *rng.pick(&keys)).collect();
                let mut args = vec!["PFCOUNT"];
                args.extend(ks);
                conn.cmd(&args)
            } else if r < 88 {
                let n = rng.below(3);
                let ks: Vec<&str> = (0..n).map(|_| *rng.pick(&keys)).collect();
                let mut args = vec!["PFMERGE", key];
                args.extend(ks);
                conn.cmd(&args)
            } else if r < 93 {
                conn.cmd(&["PFDEBUG", *rng.pick(&["ENCODING", "DECODE", "TODENSE"]), key])
            } else {
                conn.cmd(&["GET", key])
            };
            log.push(reply);
        }
        for k in keys {
            log.push(conn.cmd(&["GET", k]));
            log.push(conn.cmd(&["PFCOUNT", k]));
        }
    }
    log
}

#[test]
fn random_sequences_keep_their_invariants() {
    run_ours(random_hll_scenario);
}

#[test]
#[ignore = "needs redis-server"]
fn random_sequences_match_redis_byte_for_byte() {
    run_both(random_hll_scenario);
}

/// Corrupted sparse values (random opcodes after a valid header) through
/// every command, compared with redis-server.
fn corrupted_scenario(c: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
    let mut conn = c();
    let mut log = Vec::new();
    let mut rng = TestRng::new(0xbad_411);
    for _ in 0..1500 {
        let mut v = header(1, rng.range(0, 50) as u64, rng.chance(70));
        for _ in 0..rng.below(12) {
            v.push(rng.next_u64() as u8);
        }
        conn.cmd_bytes(&[b"SET", b"x", &v]);
        conn.cmd_bytes(&[b"SET", b"y", &v]);
        let e1 = rng.range(0, 1000).to_string();
        let e2 = rng.range(0, 1000).to_string();
        for cmd in [
            &["PFCOUNT", "x"][..],
            &["GET", "x"],
            &["PFADD", "x", &e1, &e2],
            &["GET", "x"],
            &["PFCOUNT", "y", "x"],
            &["PFMERGE", "z", "y"],
            &["GET", "z"],
            &["PFDEBUG", "DECODE", "y"],
            &["PFDEBUG", "TODENSE", "y"],
            &["GET", "y"],
            &["DEL", "z"],
        ] {
            log.push(conn.cmd(cmd));
        }
    }
    log
}

#[test]
fn corrupted_values_never_break_the_server() {
    run_ours(corrupted_scenario);
}

#[test]
#[ignore = "needs redis-server"]
fn corrupted_values_match_redis() {
    run_both(corrupted_scenario);
}

#[test]
#[ignore = "needs redis-server"]
fn command_info_matches_redis() {
    fn scenario(c: &mut dyn FnMut() -> Conn) -> Vec<Reply> {
        let mut conn = c();
        vec![conn.cmd(&["COMMAND", "INFO", "pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest"])]
    }
    run_both(scenario);
}
