//! Bit operations: exact replies and errors in both protocols, the state
//! they leave (lengths, encodings, TTLs), keyspace hits/misses and the dirty
//! counter as Redis counts them, `proto-max-bulk-len` as the limit, WATCH,
//! and seeded random streams compared with real redis-server.

use std::collections::HashMap;

use crate::common::*;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";
const BAD_BIT: &str = "ERR bit is not an integer or out of range";
const BAD_TYPE: &str =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";

fn info(c: &mut Conn, section: &str) -> HashMap<String, String> {
    let text = match c.cmd(&["INFO", section]) {
        Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        Reply::Verbatim(_, b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("INFO answers text, got {other:?}"),
    };
    text.lines().filter_map(|l| l.split_once(':')).map(|(k, v)| (k.to_string(), v.trim().to_string())).collect()
}

fn stat(c: &mut Conn, section: &str, field: &str) -> i64 {
    info(c, section)[field].parse().expect("a number")
}

fn dirty(c: &mut Conn) -> i64 {
    stat(c, "persistence", "rdb_changes_since_last_save")
}

fn get(c: &mut Conn, key: &str) -> Vec<u8> {
    match c.cmd(&["GET", key]) {
        Reply::Bulk(b) => b.to_vec(),
        other => panic!("GET {key}: {other:?}"),
    }
}

#[test]
fn setbit_and_getbit() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SETBIT", "k", "7", "1"]), int(0));
    assert_eq!(c.cmd(&["SETBIT", "k", "7", "1"]), int(1));
    assert_eq!(get(&mut c, "k"), [1]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "k"]), bulk("raw"));
    assert_eq!(c.cmd(&["SETBIT", "k", "17", "1"]), int(0));
    assert_eq!(get(&mut c, "k"), [1, 0, 0x40], "zero-padded to the byte of the bit");
    assert_eq!(c.cmd(&["GETBIT", "k", "17"]), int(1));
    assert_eq!(c.cmd(&["GETBIT", "k", "16"]), int(0));
    assert_eq!(c.cmd(&["GETBIT", "k", "1000000"]), int(0), "past the end reads 0");
    assert_eq!(c.cmd(&["GETBIT", "missing", "3"]), int(0));
    assert_eq!(c.cmd(&["SETBIT", "k", "17", "0"]), int(1));
    assert_eq!(get(&mut c, "k"), [1, 0, 0]);
    // Errors, in Redis's order: the offset, then the bit, then the type.
    for (args, e) in [
        (&["SETBIT", "k", "-1", "1"][..], BAD_OFFSET),
        (&["SETBIT", "k", "x", "1"], BAD_OFFSET),
        (&["SETBIT", "k", "4294967296", "1"], BAD_OFFSET),
        (&["SETBIT", "k", "1", "2"], BAD_BIT),
        (&["SETBIT", "k", "1", "-1"], BAD_BIT),
        (&["SETBIT", "k", "1", "x"], BAD_BIT),
        (&["SETBIT", "k", "x", "x"], BAD_OFFSET),
        (&["GETBIT", "k", "-1"], BAD_OFFSET),
        (&["GETBIT", "k", "4294967296"], BAD_OFFSET),
        (&["SETBIT", "k", "1"], "ERR wrong number of arguments for 'setbit' command"),
        (&["GETBIT", "k"], "ERR wrong number of arguments for 'getbit' command"),
    ] {
        assert_eq!(c.cmd(args), err(e), "{args:?}");
    }
    c.cmd(&["HSET", "h", "f", "v"]);
    assert_eq!(c.cmd(&["SETBIT", "h", "1", "1"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["SETBIT", "h", "1", "2"]), err(BAD_BIT), "arguments are checked before the type");
    assert_eq!(c.cmd(&["GETBIT", "h", "1"]), err(WRONGTYPE));
    // An integer-encoded string is read as its digits and becomes raw.
    c.cmd(&["SET", "n", "1"]);
    assert_eq!(c.cmd(&["GETBIT", "n", "2"]), int(1), "'1' is 0x31");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "n"]), bulk("int"));
    assert_eq!(c.cmd(&["SETBIT", "n", "7", "0"]), int(1));
    assert_eq!(c.cmd(&["GET", "n"]), bulk("0"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "n"]), bulk("raw"));
    // A TTL survives the edit.
    c.cmd(&["SET", "t", "a", "EX", "1000"]);
    c.cmd(&["SETBIT", "t", "100", "1"]);
    assert_eq!(c.cmd(&["TTL", "t"]), int(1000));
}

#[test]
fn offsets_are_limited_by_proto_max_bulk_len() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"]), ok());
    let last = (1i64 << 20) * 8 - 1;
    assert_eq!(c.cmd(&["SETBIT", "k", &(last + 1).to_string(), "1"]), err(BAD_OFFSET));
    assert_eq!(c.cmd(&["GETBIT", "k", &(last + 1).to_string()]), err(BAD_OFFSET));
    assert_eq!(c.cmd(&["BITFIELD", "k", "SET", "u8", &(last + 1).to_string(), "1"]), err(BAD_OFFSET));
    assert_eq!(c.cmd(&["BITFIELD", "k", "GET", "u8", "#1048576"]), err(BAD_OFFSET), "#N is N * 8 bits");
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(c.cmd(&["SETBIT", "k", &last.to_string(), "1"]), int(0));
    assert_eq!(c.cmd(&["STRLEN", "k"]), int(1 << 20));
    assert_eq!(c.cmd(&["BITCOUNT", "k"]), int(1));
    assert_eq!(c.cmd(&["BITPOS", "k", "1"]), int(last));
    // A field may end past the limit when it starts before it.
    assert_eq!(c.cmd(&["BITFIELD", "k", "SET", "u8", &last.to_string(), "255"]), arr(vec![int(128)]));
    assert_eq!(c.cmd(&["STRLEN", "k"]), int((1 << 20) + 1));
}

#[test]
fn bitcount_ranges_and_errors() {
    let s = TestServer::start(&[]);
    for proto in ["2", "3"] {
        let mut c = s.conn();
        c.cmd(&["HELLO", proto]);
        c.cmd(&["FLUSHALL"]);
        c.cmd(&["SET", "s", "foobar"]);
        for (args, n) in [
            (&["BITCOUNT", "s"][..], 26),
            (&["BITCOUNT", "s", "1", "1"], 6),
            (&["BITCOUNT", "s", "1", "-2"], 18),
            (&["BITCOUNT", "s", "-2", "1"], 0),
            (&["BITCOUNT", "s", "0", "1000"], 26),
            (&["BITCOUNT", "s", "0", "-1", "BIT"], 26),
            (&["BITCOUNT", "s", "5", "30", "bit"], 17),
            (&["BITCOUNT", "s", "10", "-34", "BIT"], 4),
            (&["BITCOUNT", "s", "1", "1", "byte"], 6),
            (&["BITCOUNT", "s", "-1", "-5", "foo"], 0),
            (&["BITCOUNT", "missing", "x", "y", "z"], 0),
            (&["BITCOUNT", "missing", "1"], 0),
        ] {
            assert_eq!(c.cmd(args), int(n), "{args:?}");
        }
        for (args, e) in [
            (&["BITCOUNT", "s", "0"][..], SYNTAX),
            (&["BITCOUNT", "s", "0", "1", "hello"], SYNTAX),
            (&["BITCOUNT", "s", "0", "1", "bit", "x"], SYNTAX),
            (&["BITCOUNT", "s", "x", "1"], NOT_INT),
            (&["BITCOUNT", "s", "1", "x", "foo"], NOT_INT),
        ] {
            assert_eq!(c.cmd(args), err(e), "{args:?}");
        }
        c.cmd(&["SADD", "set", "m"]);
        assert_eq!(c.cmd(&["BITCOUNT", "set", "x"]), err(WRONGTYPE), "the type before the arguments");
        c.cmd(&["SET", "e", ""]);
        assert_eq!(c.cmd(&["BITCOUNT", "e"]), int(0));
    }
}

#[test]
fn bitcount_counts_long_strings_exactly() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let mut rng = TestRng::new(7);
    let data: Vec<u8> = (0..10_000).map(|_| rng.next_u64() as u8).collect();
    c.cmd_bytes(&[b"SET", b"big", &data]);
    let bits = |a: usize, b: usize| -> i64 { (a..=b).filter(|&i| data[i / 8] & (0x80 >> (i % 8)) != 0).count() as i64 };
    assert_eq!(c.cmd(&["BITCOUNT", "big"]), int(bits(0, 79_999)));
    for _ in 0..50 {
        let (x, y) = (rng.below(80_000), rng.below(80_000));
        let (a, b) = (x.min(y), x.max(y));
        assert_eq!(c.cmd(&["BITCOUNT", "big", &a.to_string(), &b.to_string(), "BIT"]), int(bits(a, b)));
        let (a, b) = (a / 8, b / 8);
        assert_eq!(c.cmd(&["BITCOUNT", "big", &a.to_string(), &b.to_string()]), int(bits(a * 8, b * 8 + 7)));
    }
}

#[test]
fn bitpos_rules() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd_bytes(&[b"SET", b"ff", b"\xff\xff\xff"]);
    c.cmd_bytes(&[b"SET", b"z", b"\x00\x00\x00"]);
    c.cmd_bytes(&[b"SET", b"mix", b"\xff\xf0\x00"]);
    for (args, n) in [
        (&["BITPOS", "ff", "0"][..], 24),
        (&["BITPOS", "ff", "0", "0"], 24),
        (&["BITPOS", "ff", "0", "0", "-1"], -1),
        (&["BITPOS", "ff", "0", "0", "-1", "bit"], -1),
        (&["BITPOS", "ff", "1"], 0),
        (&["BITPOS", "z", "1"], -1),
        (&["BITPOS", "z", "0"], 0),
        (&["BITPOS", "mix", "0"], 12),
        (&["BITPOS", "mix", "1", "2"], -1),
        (&["BITPOS", "mix", "1", "1"], 8),
        (&["BITPOS", "mix", "0", "1", "1"], 12),
        (&["BITPOS", "mix", "1", "5", "11", "BIT"], 5),
        (&["BITPOS", "mix", "0", "5", "11", "BIT"], -1),
        (&["BITPOS", "mix", "0", "5", "12", "BIT"], 12),
        (&["BITPOS", "mix", "1", "-3", "-1", "bit"], -1),
        (&["BITPOS", "mix", "1", "2", "1"], -1),
        (&["BITPOS", "missing", "0"], 0),
        (&["BITPOS", "missing", "1", "x"], -1),
        (&["BITPOS", "missing", "1"], -1),
    ] {
        assert_eq!(c.cmd(args), int(n), "{args:?}");
    }
    for (args, e) in [
        (&["BITPOS", "ff", "2"][..], "ERR The bit argument must be 1 or 0."),
        (&["BITPOS", "missing", "2"], "ERR The bit argument must be 1 or 0."),
        (&["BITPOS", "ff", "x"], NOT_INT),
        (&["BITPOS", "ff", "1", "x"], NOT_INT),
        (&["BITPOS", "ff", "1", "0", "1", "foo"], SYNTAX),
        (&["BITPOS", "ff", "1", "x", "1", "foo"], NOT_INT),
        (&["BITPOS", "ff", "1", "0", "x", "foo"], SYNTAX),
        (&["BITPOS", "ff", "1", "0", "1", "bit", "x"], SYNTAX),
    ] {
        assert_eq!(c.cmd(args), err(e), "{args:?}");
    }
    c.cmd(&["ZADD", "zs", "1", "m"]);
    assert_eq!(c.cmd(&["BITPOS", "zs", "1", "x"]), err(WRONGTYPE));
    // A long run is skipped a word at a time; the answer is exact.
    let mut big = vec![0u8; 100_003];
    big[99_999] = 0x04;
    c.cmd_bytes(&[b"SET", b"big", &big]);
    assert_eq!(c.cmd(&["BITPOS", "big", "1"]), int(99_999 * 8 + 5));
    assert_eq!(c.cmd(&["BITPOS", "big", "1", "3", "799996", "BIT"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "big", "1", "3", "799997", "BIT"]), int(799_997));
}

#[test]
fn bitop_results_and_errors() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd_bytes(&[b"SET", b"a", b"\xf0\xff\x0f"]);
    c.cmd_bytes(&[b"SET", b"b", b"\x3c"]);
    assert_eq!(c.cmd(&["BITOP", "AND", "d", "a", "b"]), int(3));
    assert_eq!(get(&mut c, "d"), [0x30, 0, 0]);
    assert_eq!(c.cmd(&["BITOP", "or", "d", "a", "b", "missing"]), int(3));
    assert_eq!(get(&mut c, "d"), [0xfc, 0xff, 0x0f]);
    assert_eq!(c.cmd(&["BITOP", "XOR", "d", "a", "b"]), int(3));
    assert_eq!(get(&mut c, "d"), [0xcc, 0xff, 0x0f]);
    assert_eq!(c.cmd(&["BITOP", "NOT", "d", "b"]), int(1));
    assert_eq!(get(&mut c, "d"), [0xc3]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "d"]), bulk("raw"), "a BITOP result is raw");
    c.cmd(&["SET", "i", "12"]);
    assert_eq!(c.cmd(&["BITOP", "AND", "i2", "i"]), int(2));
    assert_eq!(c.cmd(&["GET", "i2"]), bulk("12"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "i2"]), bulk("raw"));
    // The destination loses its TTL; an empty result deletes it.
    c.cmd(&["EXPIRE", "d", "1000"]);
    assert_eq!(c.cmd(&["BITOP", "OR", "d", "a"]), int(3));
    assert_eq!(c.cmd(&["TTL", "d"]), int(-1));
    assert_eq!(c.cmd(&["BITOP", "OR", "d", "missing", "missing2"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "d"]), int(0));
    c.cmd(&["SET", "e", ""]);
    assert_eq!(c.cmd(&["BITOP", "NOT", "d", "e"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "d"]), int(0));
    // The destination may be a source.
    assert_eq!(c.cmd(&["BITOP", "NOT", "b", "b"]), int(1));
    assert_eq!(get(&mut c, "b"), [0xc3]);
    c.cmd(&["HSET", "h", "f", "v"]);
    assert_eq!(c.cmd(&["BITOP", "AND", "h", "a"]), int(3), "the destination's type does not matter");
    assert_eq!(c.cmd(&["TYPE", "h"]), simple("string"));
    c.cmd(&["HSET", "h2", "f", "v"]);
    for (args, e) in [
        (&["BITOP", "AND", "d", "a", "h2"][..], WRONGTYPE),
        (&["BITOP", "NAND", "d", "a"], SYNTAX),
        (&["BITOP", "NOT", "d", "a", "b"], "ERR BITOP NOT must be called with a single source key."),
        (&["BITOP", "NOT", "d", "h2", "b"], "ERR BITOP NOT must be called with a single source key."),
        (&["BITOP", "AND", "d"], "ERR wrong number of arguments for 'bitop' command"),
    ] {
        assert_eq!(c.cmd(args), err(e), "{args:?}");
    }
    assert_eq!(c.cmd(&["EXISTS", "d"]), int(0), "a failed BITOP writes nothing");
}

#[test]
fn bitfield_operations_and_overflow() {
    let s = TestServer::start(&[]);
    for proto in ["2", "3"] {
        let mut c = s.conn();
        c.cmd(&["HELLO", proto]);
        c.cmd(&["FLUSHALL"]);
        assert_eq!(c.cmd(&["BITFIELD", "k", "SET", "u8", "0", "255", "GET", "u8", "0"]), arr(vec![int(0), int(255)]));
        assert_eq!(c.cmd(&["BITFIELD", "k", "GET", "i8", "0", "GET", "u4", "4", "GET", "i64", "0"]), {
            arr(vec![int(-1), int(15), int(-72057594037927936)])
        });
        assert_eq!(c.cmd(&["BITFIELD", "k", "INCRBY", "u8", "0", "10"]), arr(vec![int(9)]), "WRAP by default");
        assert_eq!(
            c.cmd(&["BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300", "INCRBY", "i8", "0", "-300"]),
            arr(vec![int(255), int(-128)])
        );
        assert_eq!(
            c.cmd(&["BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "200", "INCRBY", "u8", "0", "1"]),
            arr(vec![nil(), int(129)])
        );
        assert_eq!(c.cmd(&["BITFIELD", "k", "SET", "u8", "#1", "7", "GET", "u8", "8"]), arr(vec![int(0), int(7)]));
        assert_eq!(
            c.cmd(&["BITFIELD", "k", "SET", "i5", "#3", "-1", "GET", "u16", "8"]),
            arr(vec![int(-16), int(0x7f0)])
        );
        assert_eq!(c.cmd(&["BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "0", "-1"]), arr(vec![int(129)]));
        assert_eq!(c.cmd(&["BITFIELD", "k", "GET", "u8", "0"]), arr(vec![int(255)]));
        assert_eq!(c.cmd(&["BITFIELD", "k"]), arr(vec![]));
        assert_eq!(c.cmd(&["BITFIELD", "missing", "GET", "u8", "100"]), arr(vec![int(0)]));
        assert_eq!(c.cmd(&["EXISTS", "missing"]), int(0), "GETs never create the key");
        assert_eq!(c.cmd(&["BITFIELD_RO", "k", "GET", "u8", "0", "get", "i4", "#1"]), arr(vec![int(255), int(-1)]));
        // A write that fails still creates and pads the string, as in Redis.
        assert_eq!(c.cmd(&["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "20", "9"]), arr(vec![nil()]));
        assert_eq!(c.cmd(&["STRLEN", "f"]), int(3));
        assert_eq!(
            c.cmd(&["BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", "i64", "0", "9223372036854775807"]),
            arr(vec![int(9153548650444488703)])
        );
        for (args, e) in [
            (&["BITFIELD", "k", "GET", "u64", "0"][..], BAD_TYPE),
            (&["BITFIELD", "k", "GET", "i65", "0"], BAD_TYPE),
            (&["BITFIELD", "k", "GET", "I8", "0"], BAD_TYPE),
            (&["BITFIELD", "k", "GET", "i0", "0"], BAD_TYPE),
            (&["BITFIELD", "k", "GET", "u08", "0"], BAD_TYPE),
            (&["BITFIELD", "k", "GET", "u8", "-1"], BAD_OFFSET),
            (&["BITFIELD", "k", "GET", "u8", "#-1"], BAD_OFFSET),
            (&["BITFIELD", "k", "GET", "u8", "#"], BAD_OFFSET),
            (&["BITFIELD", "k", "SET", "u8", "0", "x"], NOT_INT),
            (&["BITFIELD", "k", "GET", "u8"], SYNTAX),
            (&["BITFIELD", "k", "FOO"], SYNTAX),
            (&["BITFIELD", "k", "OVERFLOW"], SYNTAX),
            (&["BITFIELD", "k", "OVERFLOW", "FOO"], "ERR Invalid OVERFLOW type specified"),
            (&["BITFIELD_RO", "k", "SET", "u8", "0", "1"], "ERR BITFIELD_RO only supports the GET subcommand"),
            (&["BITFIELD_RO", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "x"], NOT_INT),
            (&["BITFIELD_RO", "k", "GET", "x", "0", "SET", "u8", "0", "1"], BAD_TYPE),
        ] {
            assert_eq!(c.cmd(args), err(e), "{args:?}");
        }
        c.cmd(&["SADD", "set", "m"]);
        assert_eq!(c.cmd(&["BITFIELD", "set", "GET", "u8", "0"]), err(WRONGTYPE));
        assert_eq!(c.cmd(&["BITFIELD", "set", "SET", "u8", "0", "1"]), err(WRONGTYPE));
        assert_eq!(c.cmd(&["BITFIELD", "set"]), err(WRONGTYPE));
        assert_eq!(c.cmd(&["BITFIELD", "set", "GET", "u64", "0"]), err(BAD_TYPE), "arguments before the type");
    }
}

#[test]
fn dirty_and_keyspace_stats_follow_redis() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let d0 = dirty(&mut c);
    c.cmd(&["SETBIT", "foo", "0", "0"]);
    c.cmd(&["BITFIELD", "foo2", "SET", "i5", "0", "0"]);
    assert_eq!(dirty(&mut c), d0 + 2, "creating a key always counts");
    c.cmd(&["SETBIT", "foo", "0", "0"]);
    c.cmd(&["BITFIELD", "foo2", "SET", "i5", "0", "0"]);
    assert_eq!(dirty(&mut c), d0 + 2, "no change, no count");
    for v in ["1", "1", "0", "0"] {
        c.cmd(&["SETBIT", "foo", "0", v]);
        c.cmd(&["BITFIELD", "foo2", "SET", "i5", "0", v]);
    }
    assert_eq!(dirty(&mut c), d0 + 6);
    c.cmd(&["SETBIT", "foo", "90", "0"]);
    c.cmd(&["BITFIELD", "foo2", "SET", "i5", "90", "0", "SET", "i5", "0", "0"]);
    assert_eq!(dirty(&mut c), d0 + 9, "growing counts, for every write of the command");
    c.cmd(&["BITFIELD", "foo2", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"]);
    c.cmd(&["BITFIELD", "new", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"]);
    assert_eq!(dirty(&mut c), d0 + 9, "a failed write counts nothing, even when it created the key");
    c.cmd(&["BITOP", "OR", "dest", "foo"]);
    c.cmd(&["BITOP", "OR", "dest", "nothing"]);
    c.cmd(&["BITOP", "OR", "dest", "nothing"]);
    assert_eq!(dirty(&mut c), d0 + 11, "BITOP: a store, a delete, nothing");

    let hits = |c: &mut Conn| (stat(c, "stats", "keyspace_hits"), stat(c, "stats", "keyspace_misses"));
    let (h0, m0) = hits(&mut c);
    c.cmd(&["SETBIT", "foo", "1", "1"]); // a write lookup: not counted
    c.cmd(&["GETBIT", "foo", "1"]);
    c.cmd(&["GETBIT", "nope", "1"]);
    c.cmd(&["GETBIT", "nope", "-1"]); // refused before the lookup
    c.cmd(&["BITCOUNT", "foo", "x", "1"]); // looked up before the range is parsed
    c.cmd(&["BITPOS", "nope", "1"]);
    c.cmd(&["BITPOS", "nope", "2"]);
    c.cmd(&["BITOP", "AND", "d2", "foo", "nope", "foo"]);
    c.cmd(&["BITFIELD", "foo", "GET", "u8", "0"]);
    c.cmd(&["BITFIELD_RO", "nope", "GET", "u8", "0"]);
    c.cmd(&["BITFIELD", "foo", "SET", "u8", "0", "1"]);
    assert_eq!(hits(&mut c), (h0 + 5, m0 + 4));
}

#[test]
fn watch_sees_bit_writes_only_when_they_change_something() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let mut other = s.conn();
    c.cmd(&["SETBIT", "w", "3", "1"]);
    for (cmd, touched) in [
        (&["SETBIT", "w", "3", "1"][..], false),
        (&["BITFIELD", "w", "SET", "u1", "3", "1"], false),
        (&["GETBIT", "w", "3"], false),
        (&["SETBIT", "w", "3", "0"], true),
        (&["BITFIELD", "w", "INCRBY", "u4", "0", "1"], true),
        (&["BITOP", "NOT", "w", "w"], true),
    ] {
        assert_eq!(c.cmd(&["WATCH", "w"]), ok());
        other.cmd(cmd);
        c.cmd(&["MULTI"]);
        c.cmd(&["PING"]);
        let reply = c.cmd(&["EXEC"]);
        let expect = if touched { Reply::NullArray } else { arr(vec![simple("PONG")]) };
        assert_eq!(reply, expect, "{cmd:?}");
    }
}

#[test]
fn huge_offset_allocates_the_string_once() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let used = |c: &mut Conn| stat(c, "memory", "used_memory");
    const MB: i64 = 1 << 20;
    // 64 MiB of zeros: one exact allocation for a new key.
    let m0 = used(&mut c);
    assert_eq!(c.cmd(&["SETBIT", "big", &((64u64 << 23) - 1).to_string(), "1"]), int(0));
    let m1 = used(&mut c);
    assert!(m1 - m0 >= 64 * MB && m1 - m0 < 65 * MB, "{} bytes for a 64 MiB bitmap", m1 - m0);
    assert_eq!(c.cmd(&["STRLEN", "big"]), int(64 * MB));
    assert_eq!(c.cmd(&["BITCOUNT", "big"]), int(1));
    assert_eq!(c.cmd(&["BITPOS", "big", "1"]), int((64 << 23) - 1));
    assert_eq!(c.cmd(&["BITPOS", "big", "0", "-1"]), int((64 << 23) - 8));
    // Extending a short string far: one allocation with Redis's greedy
    // margin (1 MiB past 1 MiB), not a doubling.
    c.cmd(&["SET", "small", "x"]);
    let m2 = used(&mut c);
    assert_eq!(c.cmd(&["SETBIT", "small", &((32u64 << 23) + 5).to_string(), "1"]), int(0));
    let m3 = used(&mut c);
    assert!(m3 - m2 >= 32 * MB && m3 - m2 < 34 * MB, "{} bytes for a 32 MiB bitmap", m3 - m2);
    assert_eq!(c.cmd(&["STRLEN", "small"]), int(32 * MB + 1));
    assert_eq!(c.cmd(&["BITCOUNT", "small"]), int(5), "x is 0x78");
    assert_eq!(c.cmd(&["BITOP", "OR", "both", "big", "small"]), int(64 * MB));
    assert_eq!(c.cmd(&["BITCOUNT", "both"]), int(6));
}

/// The bit-focused compatibility stream: ≥ 10,000 bit commands among string
/// and key commands on the same keys (see `compat.rs`).
fn bit_stream(seed: u64, resp3: bool) {
    let families = crate::compat::reweighted(&[("bitmap", 70), ("strings", 20), ("keys", 10)]);
    crate::compat::run_stream(
        families,
        env_u64("COMPAT_SEED", seed),
        env_u64("COMPAT_COMMANDS", 15_000) as usize,
        resp3,
    );
}

#[test]
#[ignore = "needs redis-server"]
fn compat_bit_stream_resp2() {
    bit_stream(0xb175_0002, false);
}

#[test]
#[ignore = "needs redis-server"]
fn compat_bit_stream_resp3() {
    bit_stream(0xb175_0003, true);
}
