//! Set commands: exact replies and errors in both protocols, the intset to
//! hashtable conversion, set algebra, and a seeded random stream compared
//! with real redis-server.

use crate::common::*;
use crate::hash::{Check, Rand, other_type_command, run_compat};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// A sorted copy of an array or set reply's items (sets have no order).
fn sorted(r: Reply) -> Vec<Reply> {
    let mut v = match r {
        Reply::Array(v) | Reply::Set(v) => v,
        other => panic!("expected an aggregate, got {other:?}"),
    };
    v.sort_by_key(|r| format!("{r:?}"));
    v
}

fn set_reply(proto: u8, items: &[&str]) -> Reply {
    let v = items.iter().map(|s| bulk(s)).collect();
    if proto == 3 { Reply::Set(v) } else { Reply::Array(v) }
}

#[test]
fn add_remove_and_membership() {
    let s = TestServer::start(&[]);
    for proto in [2u8, 3] {
        let mut c = s.conn();
        c.cmd(&["HELLO", &proto.to_string()]);
        c.cmd(&["FLUSHALL"]);
        assert_eq!(c.cmd(&["SADD", "s", "3", "1", "2", "1"]), int(3));
        assert_eq!(c.cmd(&["SMEMBERS", "s"]), set_reply(proto, &["1", "2", "3"]), "an intset answers in order");
        assert_eq!(c.cmd(&["SADD", "s", "x", "2"]), int(1));
        assert_eq!(sorted(c.cmd(&["SMEMBERS", "s"])), vec![bulk("1"), bulk("2"), bulk("3"), bulk("x")]);
        assert_eq!(c.cmd(&["SMEMBERS", "missing"]), set_reply(proto, &[]));
        assert_eq!(c.cmd(&["SCARD", "s"]), int(4));
        assert_eq!(c.cmd(&["SCARD", "missing"]), int(0));
        assert_eq!(c.cmd(&["SISMEMBER", "s", "x"]), int(1));
        assert_eq!(c.cmd(&["SISMEMBER", "s", "01"]), int(0));
        assert_eq!(c.cmd(&["SMISMEMBER", "s", "1", "y", "x"]), arr(vec![int(1), int(0), int(1)]));
        assert_eq!(c.cmd(&["SMISMEMBER", "missing", "1"]), arr(vec![int(0)]));
        assert_eq!(c.cmd(&["SREM", "s", "1", "nope"]), int(1));
        assert_eq!(c.cmd(&["SREM", "missing", "1"]), int(0));
        assert_eq!(c.cmd(&["SREM", "s", "2", "3", "x"]), int(3));
        assert_eq!(c.cmd(&["EXISTS", "s"]), int(0), "an emptied set is deleted");
        c.cmd(&["SET", "str", "v"]);
        for cmd in [&["SADD", "str", "a"][..], &["SMEMBERS", "str"], &["SREM", "str", "a"], &["SCARD", "str"]] {
            assert_eq!(c.cmd(cmd), err(WRONGTYPE));
        }
        assert_eq!(c.cmd(&["SMISMEMBER", "str", "a"]), err(WRONGTYPE));
    }
}

#[test]
fn intset_grows_into_a_hashtable() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for i in 0..600 {
        assert_eq!(c.cmd(&["SADD", "s", &i.to_string()]), int(1));
    }
    assert_eq!(c.cmd(&["SCARD", "s"]), int(600));
    assert_eq!(c.cmd(&["SISMEMBER", "s", "599"]), int(1));
    assert_eq!(c.cmd(&["SISMEMBER", "s", "-1"]), int(0));
    let Reply::Array(v) = c.cmd(&["SMEMBERS", "s"]) else { panic!() };
    assert_eq!(v.len(), 600);
    for i in 0..600 {
        assert_eq!(c.cmd(&["SREM", "s", &i.to_string()]), int(1));
    }
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
}

#[test]
fn pop_and_random_members() {
    let s = TestServer::start(&[]);
    for proto in [2u8, 3] {
        let mut c = s.conn();
        c.cmd(&["HELLO", &proto.to_string()]);
        c.cmd(&["FLUSHALL"]);
        c.cmd(&["SADD", "s", "a", "b", "c", "d", "e"]);
        assert_eq!(c.cmd(&["SPOP", "missing"]), Reply::Null);
        assert_eq!(c.cmd(&["SPOP", "missing", "2"]), set_reply(proto, &[]));
        assert_eq!(c.cmd(&["SPOP", "s", "0"]), set_reply(proto, &[]));
        assert_eq!(c.cmd(&["SPOP", "s", "-1"]), err("ERR value is out of range, must be positive"));
        assert_eq!(c.cmd(&["SPOP", "s", "1", "2"]), err("ERR syntax error"));
        let popped = c.cmd(&["SPOP", "s", "2"]);
        assert!(
            matches!(&popped, Reply::Set(v) if proto == 3 && v.len() == 2)
                || matches!(&popped, Reply::Array(v) if proto == 2 && v.len() == 2)
        );
        assert_eq!(c.cmd(&["SCARD", "s"]), int(3));
        assert!(matches!(c.cmd(&["SPOP", "s"]), Reply::Bulk(_)));
        assert_eq!(c.cmd(&["SCARD", "s"]), int(2));
        assert_eq!(sorted(c.cmd(&["SPOP", "s", "10"])).len(), 2);
        assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));

        c.cmd(&["SADD", "r", "1", "2", "3"]);
        assert_eq!(c.cmd(&["SRANDMEMBER", "missing"]), Reply::Null);
        assert_eq!(c.cmd(&["SRANDMEMBER", "missing", "3"]), arr(vec![]));
        assert_eq!(c.cmd(&["SRANDMEMBER", "r", "0"]), arr(vec![]));
        assert_eq!(sorted(c.cmd(&["SRANDMEMBER", "r", "10"])), vec![bulk("1"), bulk("2"), bulk("3")]);
        let Reply::Array(v) = c.cmd(&["SRANDMEMBER", "r", "-7"]) else { panic!() };
        assert_eq!(v.len(), 7);
        let Reply::Array(mut v) = c.cmd(&["SRANDMEMBER", "r", "2"]) else { panic!() };
        v.dedup();
        assert_eq!(v.len(), 2, "a positive count gives distinct members");
        assert_eq!(c.cmd(&["SRANDMEMBER", "r", "1", "2"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["SCARD", "r"]), int(3));
    }
}

#[test]
fn smove_cases() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["SADD", "a", "1", "x"]);
    c.cmd(&["SET", "str", "v"]);
    assert_eq!(c.cmd(&["SMOVE", "missing", "str", "x"]), int(0), "a missing source wins over a wrong destination");
    assert_eq!(c.cmd(&["SMOVE", "a", "str", "x"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["SMOVE", "str", "a", "x"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["SMOVE", "a", "a", "x"]), int(1));
    assert_eq!(c.cmd(&["SMOVE", "a", "a", "nope"]), int(0));
    assert_eq!(c.cmd(&["SMOVE", "a", "b", "nope"]), int(0));
    assert_eq!(c.cmd(&["SMOVE", "a", "b", "x"]), int(1));
    assert_eq!(c.cmd(&["SMOVE", "a", "b", "1"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(0));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "b"])), vec![bulk("1"), bulk("x")]);
}

#[test]
fn smove_touches_the_destination_only_when_it_adds() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let mut other = s.conn();
    c.cmd(&["SADD", "src", "a", "b"]);
    c.cmd(&["SADD", "dst", "a"]);
    assert_eq!(c.cmd(&["WATCH", "dst"]), ok());
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SADD", "dst", "c"]), simple("QUEUED"));
    assert_eq!(other.cmd(&["SMOVE", "src", "dst", "a"]), int(1));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![int(1)]), "dst did not change: EXEC runs");
    assert_eq!(c.cmd(&["WATCH", "dst"]), ok());
    assert_eq!(c.cmd(&["MULTI"]), ok());
    c.cmd(&["SADD", "dst", "d"]);
    assert_eq!(other.cmd(&["SMOVE", "src", "dst", "b"]), int(1));
    assert_eq!(c.cmd(&["EXEC"]), Reply::NullArray, "dst changed: EXEC aborts");
}

#[test]
fn algebra_and_store() {
    let s = TestServer::start(&[]);
    for proto in [2u8, 3] {
        let mut c = s.conn();
        c.cmd(&["HELLO", &proto.to_string()]);
        c.cmd(&["FLUSHALL"]);
        c.cmd(&["SADD", "a", "1", "2", "3", "x"]);
        c.cmd(&["SADD", "b", "2", "3", "4"]);
        c.cmd(&["SET", "str", "v"]);
        assert_eq!(sorted(c.cmd(&["SINTER", "a", "b"])), vec![bulk("2"), bulk("3")]);
        assert_eq!(c.cmd(&["SINTER", "a", "missing"]), set_reply(proto, &[]));
        assert_eq!(c.cmd(&["SINTER", "missing", "str"]), err(WRONGTYPE), "every key is type-checked");
        assert_eq!(sorted(c.cmd(&["SUNION", "a", "b", "missing"])).len(), 5);
        assert_eq!(sorted(c.cmd(&["SDIFF", "a", "b"])), vec![bulk("1"), bulk("x")]);
        assert_eq!(c.cmd(&["SDIFF", "a", "a"]), set_reply(proto, &[]));
        assert_eq!(c.cmd(&["SDIFF", "missing", "a"]), set_reply(proto, &[]));
        assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b"]), int(2));
        assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "LIMIT", "1"]), int(1));
        assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "LIMIT", "0"]), int(2));
        assert_eq!(c.cmd(&["SINTERCARD", "0", "a"]), err("ERR numkeys should be greater than 0"));
        assert_eq!(c.cmd(&["SINTERCARD", "x", "a"]), err("ERR numkeys should be greater than 0"));
        assert_eq!(
            c.cmd(&["SINTERCARD", "3", "a", "b"]),
            err("ERR Number of keys can't be greater than number of args")
        );
        assert_eq!(c.cmd(&["SINTERCARD", "1", "a", "LIMIT", "-1"]), err("ERR LIMIT can't be negative"));
        assert_eq!(c.cmd(&["SINTERCARD", "1", "a", "LIMIT"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["SINTERSTORE", "d", "a", "b"]), int(2));
        assert_eq!(c.cmd(&["SMEMBERS", "d"]), set_reply(proto, &["2", "3"]));
        assert_eq!(c.cmd(&["SUNIONSTORE", "d", "a", "b"]), int(5));
        assert_eq!(c.cmd(&["SDIFFSTORE", "d", "a", "b"]), int(2));
        assert_eq!(c.cmd(&["SINTERSTORE", "d", "a", "missing"]), int(0));
        assert_eq!(c.cmd(&["EXISTS", "d"]), int(0), "an empty result deletes the destination");
        assert_eq!(c.cmd(&["SUNIONSTORE", "str", "a"]), int(4), "store replaces a key of any type");
        assert_eq!(c.cmd(&["SCARD", "str"]), int(4));
    }
}

#[test]
fn sscan_cases() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["SADD", "i", "3", "1", "2"]);
    assert_eq!(c.cmd(&["SSCAN", "i", "0"]), arr(vec![bulk("0"), bulks(&["1", "2", "3"])]));
    assert_eq!(c.cmd(&["SSCAN", "i", "0", "MATCH", "2"]), arr(vec![bulk("0"), bulks(&["2"])]));
    assert_eq!(c.cmd(&["SSCAN", "missing", "0"]), arr(vec![bulk("0"), arr(vec![])]));
    assert_eq!(c.cmd(&["SSCAN", "i", "abc"]), err("ERR invalid cursor"));
    for i in 0..700 {
        c.cmd(&["SADD", "big", &format!("m{i}")]);
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let Reply::Array(r) = c.cmd(&["SSCAN", "big", &cursor, "COUNT", "20"]) else { panic!() };
        let Reply::Bulk(cur) = &r[0] else { panic!() };
        let Reply::Array(items) = &r[1] else { panic!() };
        // Mutate between calls: the guarantee covers members present throughout.
        c.cmd(&["SADD", "big", &format!("extra{}", seen.len())]);
        seen.extend(items.iter().map(|i| format!("{i:?}")));
        cursor = String::from_utf8_lossy(cur).into_owned();
        if cursor == "0" {
            break;
        }
    }
    for i in 0..700 {
        assert!(seen.contains(&format!("{:?}", bulk(&format!("m{i}")))), "m{i} missing");
    }
}

fn set_command(r: &mut Rand) -> (Vec<String>, Check) {
    let key = |r: &mut Rand| format!("k{}", r.below(6));
    let k = key(r);
    if r.chance(5) {
        return other_type_command(r, &k);
    }
    let member = |r: &mut Rand| -> String {
        match r.below(10) {
            0..=3 => format!("{}", r.below(700)),
            4 if r.chance(5) => "M".repeat(70),
            5 => format!("-{}", r.below(20)),
            _ => format!("m{}", r.below(50)),
        }
    };
    let mut a = vec![String::new(), k];
    let check = match r.below(24) {
        0..=4 => {
            a[0] = "SADD".into();
            for _ in 0..1 + r.below(12) {
                a.push(member(r));
            }
            Check::Exact
        }
        5 | 6 => {
            a[0] = "SREM".into();
            for _ in 0..1 + r.below(6) {
                a.push(member(r));
            }
            Check::Exact
        }
        7 => {
            a[0] = r.pick(&["SCARD", "SMEMBERS"]).into();
            Check::Unordered
        }
        8 => {
            a[0] = "SISMEMBER".into();
            a.push(member(r));
            Check::Exact
        }
        9 => {
            a[0] = "SMISMEMBER".into();
            for _ in 0..1 + r.below(4) {
                a.push(member(r));
            }
            Check::Exact
        }
        10 | 11 => {
            a[0] = "SPOP".into();
            if r.chance(60) {
                a.push(r.pick(&["0", "1", "2", "5", "30", "1000", "-1"]).into());
            }
            Check::Pop
        }
        12 => {
            a[0] = "SRANDMEMBER".into();
            if r.chance(80) {
                a.push(r.pick(&["0", "1", "3", "-3", "50", "-50", "2000", "x"]).into());
            }
            Check::Random
        }
        13 => {
            a[0] = "SMOVE".into();
            a.push(key(r));
            a.push(member(r));
            Check::Exact
        }
        14 | 15 => {
            a[0] = r.pick(&["SINTER", "SUNION", "SDIFF"]).into();
            for _ in 0..r.below(3) {
                a.push(key(r));
            }
            Check::Unordered
        }
        16 | 17 => {
            a[0] = r.pick(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]).into();
            a.insert(1, format!("d{}", r.below(2)));
            for _ in 0..r.below(3) {
                a.push(key(r));
            }
            Check::Exact
        }
        18 => {
            a = vec!["SMEMBERS".into(), format!("d{}", r.below(2))];
            Check::Unordered
        }
        19 => {
            a[0] = "SINTERCARD".into();
            let n = 1 + r.below(3);
            a[1] = r.pick(&["1", "2", "3", "0", "x"]).into();
            for _ in 0..n {
                a.push(key(r));
            }
            if r.chance(40) {
                a.push("LIMIT".into());
                a.push(r.pick(&["0", "1", "5", "-1"]).into());
            }
            Check::Exact
        }
        20 | 21 => {
            a[0] = "SSCAN".into();
            a.push(r.pick(&["0", "0", "x"]).into());
            let opts: &[&[&str]] = &[&["COUNT", "5000"], &["MATCH", "m1*", "COUNT", "5000"], &["COUNT", "0"], &["BAR"]];
            a.extend(opts[r.below(opts.len())].iter().map(|s| s.to_string()));
            Check::Scan { pairs: false }
        }
        _ => {
            a[0] = "SCARD".into();
            Check::Exact
        }
    };
    (a, check)
}

#[test]
#[ignore = "needs redis-server"]
fn compat_random_stream() {
    run_compat("set", 0x5e7_5e75, 10_000, set_command);
}
