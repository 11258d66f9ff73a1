//! Sorted-set commands: exact replies and errors in both protocols (scores
//! as `%.17g` bulk strings in RESP2, doubles in RESP3), ranges by rank,
//! score and lex, pops, set operations, stores, and a seeded random stream
//! compared with real redis-server.

use crate::common::*;
use crate::hash::{Check, Rand, other_type_command, run_compat};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn conn(s: &TestServer, proto: u8) -> Conn {
    let mut c = s.conn();
    c.cmd(&["HELLO", &proto.to_string()]);
    c
}

/// A score as the protocol sends it.
fn score(proto: u8, text: &str) -> Reply {
    if proto == 3 {
        Reply::Double(match text {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            t => t.parse().unwrap(),
        })
    } else {
        bulk(text)
    }
}

/// Members with scores as ZRANGE … WITHSCORES sends them: flat in RESP2,
/// [member, score] pairs in RESP3.
fn with_scores(proto: u8, pairs: &[(&str, &str)]) -> Reply {
    if proto == 3 {
        arr(pairs.iter().map(|(m, s)| arr(vec![bulk(m), score(3, s)])).collect())
    } else {
        arr(pairs.iter().flat_map(|(m, s)| [bulk(m), bulk(s)]).collect())
    }
}

#[test]
fn zadd_options_and_errors() {
    let s = TestServer::start(&[]);
    for proto in [2u8, 3] {
        let mut c = conn(&s, proto);
        c.cmd(&["FLUSHALL"]);
        assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b"]), int(2));
        assert_eq!(
            c.cmd(&["ZADD", "z", "NX", "XX", "1", "a"]),
            err("ERR XX and NX options at the same time are not compatible")
        );
        assert_eq!(
            c.cmd(&["ZADD", "z", "GT", "LT", "1", "a"]),
            err("ERR GT, LT, and/or NX options at the same time are not compatible")
        );
        assert_eq!(
            c.cmd(&["ZADD", "z", "NX", "GT", "1", "a"]),
            err("ERR GT, LT, and/or NX options at the same time are not compatible")
        );
        assert_eq!(
            c.cmd(&["ZADD", "z", "INCR", "1", "a", "2", "b"]),
            err("ERR INCR option supports a single increment-element pair")
        );
        assert_eq!(c.cmd(&["ZADD", "z", "NX", "1"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZADD", "z", "1"]), err("ERR wrong number of arguments for 'zadd' command"));
        assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZADD", "z", "x", "a"]), err("ERR value is not a valid float"));
        assert_eq!(c.cmd(&["ZADD", "z", "nan", "a"]), err("ERR value is not a valid float"));
        assert_eq!(c.cmd(&["ZADD", "z", "CH", "5", "a", "2", "b", "3", "c"]), int(2));
        assert_eq!(c.cmd(&["ZADD", "z", "XX", "9", "new"]), int(0));
        assert_eq!(c.cmd(&["ZADD", "z", "GT", "CH", "1", "a", "10", "b"]), int(1));
        assert_eq!(c.cmd(&["ZADD", "z", "LT", "CH", "1", "a"]), int(1));
        assert_eq!(c.cmd(&["ZADD", "z", "INCR", "2.5", "a"]), score(proto, "3.5"));
        assert_eq!(c.cmd(&["ZADD", "z", "INCR", "NX", "1", "a"]), Reply::Null);
        assert_eq!(c.cmd(&["ZADD", "missing", "XX", "INCR", "1", "a"]), Reply::Null);
        assert_eq!(c.cmd(&["EXISTS", "missing"]), int(0));
        assert_eq!(c.cmd(&["ZADD", "z", "inf", "i"]), int(1));
        assert_eq!(c.cmd(&["ZINCRBY", "z", "-inf", "i"]), err("ERR resulting score is not a number (NaN)"));
        assert_eq!(c.cmd(&["ZINCRBY", "z", "0.1", "c"]), score(proto, "3.1000000000000001"));
        assert_eq!(c.cmd(&["ZINCRBY", "z", "x", "c"]), err("ERR value is not a valid float"));
        assert_eq!(c.cmd(&["ZSCORE", "z", "i"]), score(proto, "inf"));
        assert_eq!(c.cmd(&["ZSCORE", "z", "nope"]), Reply::Null);
        assert_eq!(c.cmd(&["ZSCORE", "missing", "a"]), Reply::Null);
        assert_eq!(c.cmd(&["ZMSCORE", "z", "a", "nope"]), arr(vec![score(proto, "3.5"), Reply::Null]));
        assert_eq!(c.cmd(&["ZMSCORE", "missing", "a"]), arr(vec![Reply::Null]));
        assert_eq!(c.cmd(&["ZCARD", "z"]), int(4));
        c.cmd(&["SET", "str", "v"]);
        for cmd in
            [&["ZADD", "str", "1", "a"][..], &["ZSCORE", "str", "a"], &["ZRANGE", "str", "0", "-1"], &["ZCARD", "str"]]
        {
            assert_eq!(c.cmd(cmd), err(WRONGTYPE));
        }
    }
}

#[test]
fn ranges_by_rank_score_and_lex() {
    let s = TestServer::start(&[]);
    for proto in [2u8, 3] {
        let mut c = conn(&s, proto);
        c.cmd(&["FLUSHALL"]);
        c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "-inf", "lo"]);
        assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1"]), bulks(&["lo", "a", "b", "c", "d"]));
        assert_eq!(c.cmd(&["ZRANGE", "z", "0", "1", "WITHSCORES"]), with_scores(proto, &[("lo", "-inf"), ("a", "1")]));
        assert_eq!(c.cmd(&["ZREVRANGE", "z", "0", "1"]), bulks(&["d", "c"]));
        assert_eq!(c.cmd(&["ZRANGE", "z", "0", "1", "REV"]), bulks(&["d", "c"]));
        assert_eq!(c.cmd(&["ZRANGE", "z", "3", "1"]), arr(vec![]));
        assert_eq!(c.cmd(&["ZRANGE", "z", "(1", "3", "BYSCORE"]), bulks(&["b", "c"]));
        assert_eq!(
            c.cmd(&["ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "WITHSCORES"]),
            with_scores(proto, &[("c", "3"), ("b", "2")])
        );
        assert_eq!(c.cmd(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"]), bulks(&["a", "b"]));
        assert_eq!(c.cmd(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"]), arr(vec![]));
        assert_eq!(
            c.cmd(&["ZRANGE", "z", "0", "1", "LIMIT", "1", "2"]),
            err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
        );
        assert_eq!(
            c.cmd(&["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"]),
            err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
        );
        assert_eq!(c.cmd(&["ZRANGE", "z", "0", "1", "REV", "REV"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZRANGE", "z", "a", "b", "BYSCORE"]), err("ERR min or max is not a float"));
        assert_eq!(c.cmd(&["ZRANGE", "z", "a", "b", "BYLEX"]), err("ERR min or max not valid string range item"));
        assert_eq!(c.cmd(&["ZRANGE", "z", "0", "x"]), err("ERR value is not an integer or out of range"));
        assert_eq!(
            c.cmd(&["ZRANGEBYSCORE", "z", "2", "+inf", "WITHSCORES", "LIMIT", "0", "1"]),
            with_scores(proto, &[("b", "2")])
        );
        assert_eq!(c.cmd(&["ZREVRANGEBYSCORE", "z", "+inf", "(2"]), bulks(&["d", "c"]));
        assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "", "1"]), bulks(&["a"]), "an empty bound reads as 0");
        assert_eq!(c.cmd(&["ZCOUNT", "z", "(1", "3"]), int(2));
        assert_eq!(c.cmd(&["ZCOUNT", "z", "x", "3"]), err("ERR min or max is not a float"));
        assert_eq!(c.cmd(&["ZCOUNT", "missing", "0", "1"]), int(0));
        assert_eq!(c.cmd(&["ZRANK", "z", "b"]), int(2));
        assert_eq!(c.cmd(&["ZREVRANK", "z", "b"]), int(2));
        assert_eq!(c.cmd(&["ZRANK", "z", "nope"]), Reply::Null);
        assert_eq!(c.cmd(&["ZRANGE", "missing", "0", "-1"]), arr(vec![]));

        c.cmd(&["ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d"]);
        assert_eq!(c.cmd(&["ZRANGEBYLEX", "l", "[b", "(d"]), bulks(&["b", "c"]));
        assert_eq!(c.cmd(&["ZRANGEBYLEX", "l", "-", "+", "LIMIT", "1", "2"]), bulks(&["b", "c"]));
        assert_eq!(c.cmd(&["ZREVRANGEBYLEX", "l", "+", "[b"]), bulks(&["d", "c", "b"]));
        assert_eq!(c.cmd(&["ZRANGEBYLEX", "l", "+", "-"]), arr(vec![]));
        assert_eq!(c.cmd(&["ZRANGEBYLEX", "l", "b", "c"]), err("ERR min or max not valid string range item"));
        assert_eq!(c.cmd(&["ZLEXCOUNT", "l", "(a", "+"]), int(3));
        assert_eq!(c.cmd(&["ZLEXCOUNT", "l", "-", "-"]), int(0));
    }
}

#[test]
fn removals_and_pops() {
    let s = TestServer::start(&[]);
    for proto in [2u8, 3] {
        let mut c = conn(&s, proto);
        c.cmd(&["FLUSHALL"]);
        c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"]);
        assert_eq!(c.cmd(&["ZREM", "z", "a", "nope"]), int(1));
        assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "0", "0"]), int(1));
        assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "z", "(5", "+inf"]), int(1));
        assert_eq!(c.cmd(&["ZREMRANGEBYLEX", "z", "x", "y"]), err("ERR min or max not valid string range item"));
        assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "missing", "0", "-1"]), int(0));
        assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1"]), bulks(&["c", "d", "e"]));
        assert_eq!(
            c.cmd(&["ZPOPMIN", "z"]),
            with_scores(2, &[("c", "3")]).pipe(|r| if proto == 3 { arr(vec![bulk("c"), score(3, "3")]) } else { r })
        );
        assert_eq!(c.cmd(&["ZPOPMAX", "z", "1"]), with_scores(proto, &[("e", "5")]));
        assert_eq!(c.cmd(&["ZPOPMIN", "z", "0"]), arr(vec![]));
        assert_eq!(c.cmd(&["ZPOPMIN", "z", "-1"]), err("ERR value is out of range, must be positive"));
        assert_eq!(c.cmd(&["ZPOPMIN", "z", "1", "2"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZPOPMIN", "missing"]), arr(vec![]));
        assert_eq!(c.cmd(&["ZPOPMIN", "z", "5"]), with_scores(proto, &[("d", "4")]));
        assert_eq!(c.cmd(&["EXISTS", "z"]), int(0));

        c.cmd(&["ZADD", "y", "1", "a", "2", "b", "3", "c"]);
        assert_eq!(
            c.cmd(&["ZMPOP", "2", "missing", "y", "MAX", "COUNT", "2"]),
            arr(vec![
                bulk("y"),
                arr(vec![arr(vec![bulk("c"), score(proto, "3")]), arr(vec![bulk("b"), score(proto, "2")])])
            ])
        );
        assert_eq!(
            c.cmd(&["ZMPOP", "1", "missing", "MIN"]),
            Reply::NullArray.pipe(|r| if proto == 3 { Reply::Null } else { r })
        );
        assert_eq!(c.cmd(&["ZMPOP", "0", "y", "MIN"]), err("ERR numkeys should be greater than 0"));
        assert_eq!(c.cmd(&["ZMPOP", "1", "y", "FOO"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZMPOP", "1", "y", "MIN", "COUNT", "0"]), err("ERR count should be greater than 0"));
        assert_eq!(c.cmd(&["ZMPOP", "1", "y", "MIN", "COUNT", "1", "COUNT", "1"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZMPOP", "5", "y", "MIN"]), err("ERR syntax error"));
        assert_eq!(
            c.cmd(&["ZMPOP", "1", "y", "min"]),
            arr(vec![bulk("y"), arr(vec![arr(vec![bulk("a"), score(proto, "1")])])])
        );
        assert_eq!(c.cmd(&["EXISTS", "y"]), int(0));
    }
}

trait Pipe: Sized {
    fn pipe(self, f: impl FnOnce(Self) -> Self) -> Self {
        f(self)
    }
}

impl Pipe for Reply {}

#[test]
fn set_operations_and_stores() {
    let s = TestServer::start(&[]);
    for proto in [2u8, 3] {
        let mut c = conn(&s, proto);
        c.cmd(&["FLUSHALL"]);
        c.cmd(&["ZADD", "a", "1", "x", "2", "y", "3", "z"]);
        c.cmd(&["ZADD", "b", "10", "y", "20", "z", "30", "w"]);
        c.cmd(&["SADD", "s", "x", "w"]);
        c.cmd(&["SET", "str", "v"]);
        assert_eq!(
            c.cmd(&["ZUNION", "2", "a", "b", "WITHSCORES"]),
            with_scores(proto, &[("x", "1"), ("y", "12"), ("z", "23"), ("w", "30")])
        );
        assert_eq!(
            c.cmd(&["ZINTER", "2", "a", "b", "WEIGHTS", "2", "0.5", "AGGREGATE", "MAX", "WITHSCORES"]),
            with_scores(proto, &[("y", "5"), ("z", "10")])
        );
        assert_eq!(c.cmd(&["ZUNION", "2", "a", "s"]), bulks(&["w", "x", "y", "z"]), "plain sets count with score 1");
        assert_eq!(c.cmd(&["ZDIFF", "2", "a", "b", "WITHSCORES"]), with_scores(proto, &[("x", "1")]));
        assert_eq!(c.cmd(&["ZINTERCARD", "2", "a", "b"]), int(2));
        assert_eq!(c.cmd(&["ZINTERCARD", "2", "a", "b", "LIMIT", "1"]), int(1));
        assert_eq!(c.cmd(&["ZINTERCARD", "2", "a", "b", "LIMIT", "-1"]), err("ERR LIMIT can't be negative"));
        assert_eq!(c.cmd(&["ZUNION", "0", "a"]), err("ERR at least 1 input key is needed for 'zunion' command"));
        assert_eq!(
            c.cmd(&["ZUNIONSTORE", "d", "0", "a"]),
            err("ERR at least 1 input key is needed for 'zunionstore' command")
        );
        assert_eq!(c.cmd(&["ZUNION", "3", "a", "b"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZUNION", "2", "a", "b", "WEIGHTS", "1"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZUNION", "2", "a", "b", "WEIGHTS", "1", "x"]), err("ERR weight value is not a float"));
        assert_eq!(c.cmd(&["ZUNION", "2", "a", "b", "AGGREGATE", "AVG"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZDIFF", "2", "a", "b", "WEIGHTS", "1", "2"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZUNION", "2", "a", "str"]), err(WRONGTYPE));
        assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "2", "a", "b", "WITHSCORES"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "2", "a", "b"]), int(4));
        assert_eq!(
            c.cmd(&["ZRANGE", "d", "0", "-1", "WITHSCORES"]),
            with_scores(proto, &[("x", "1"), ("y", "12"), ("z", "23"), ("w", "30")])
        );
        assert_eq!(c.cmd(&["ZINTERSTORE", "d", "2", "a", "missing"]), int(0));
        assert_eq!(c.cmd(&["EXISTS", "d"]), int(0));
        assert_eq!(c.cmd(&["ZRANGESTORE", "d", "a", "1", "-1"]), int(2));
        assert_eq!(c.cmd(&["ZRANGE", "d", "0", "-1"]), bulks(&["y", "z"]));
        assert_eq!(c.cmd(&["ZRANGESTORE", "d", "a", "+inf", "(1", "BYSCORE", "REV", "LIMIT", "0", "1"]), int(1));
        assert_eq!(c.cmd(&["ZRANGE", "d", "0", "-1"]), bulks(&["z"]));
        assert_eq!(c.cmd(&["ZRANGESTORE", "d", "missing", "0", "-1"]), int(0));
        assert_eq!(c.cmd(&["EXISTS", "d"]), int(0));
        assert_eq!(c.cmd(&["ZRANGESTORE", "d", "a", "0", "-1", "WITHSCORES"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZUNIONSTORE", "str", "1", "a"]), int(3), "stores replace keys of any type");
    }
}

#[test]
fn random_members_and_scan() {
    let s = TestServer::start(&[]);
    for proto in [2u8, 3] {
        let mut c = conn(&s, proto);
        c.cmd(&["FLUSHALL"]);
        c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
        assert_eq!(c.cmd(&["ZRANDMEMBER", "missing"]), Reply::Null);
        assert_eq!(c.cmd(&["ZRANDMEMBER", "missing", "2"]), arr(vec![]));
        assert_eq!(
            c.cmd(&["ZRANDMEMBER", "z", "5", "WITHSCORES"]),
            with_scores(proto, &[("a", "1"), ("b", "2"), ("c", "3")])
        );
        let Reply::Array(v) = c.cmd(&["ZRANDMEMBER", "z", "-4", "WITHSCORES"]) else { panic!() };
        assert_eq!(v.len(), if proto == 3 { 4 } else { 8 });
        assert_eq!(c.cmd(&["ZRANDMEMBER", "z", "1", "SCORES"]), err("ERR syntax error"));
        assert_eq!(c.cmd(&["ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"]), err("ERR value is out of range"));
        assert_eq!(c.cmd(&["ZSCAN", "z", "0"]), arr(vec![bulk("0"), bulks(&["a", "1", "b", "2", "c", "3"])]));
        assert_eq!(c.cmd(&["ZSCAN", "z", "0", "MATCH", "b"]), arr(vec![bulk("0"), bulks(&["b", "2"])]));
        assert_eq!(c.cmd(&["ZSCAN", "missing", "0"]), arr(vec![bulk("0"), arr(vec![])]));
    }
}

#[test]
fn large_sets_keep_order_through_conversion() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for i in 0..1000 {
        c.cmd(&["ZADD", "z", &((i * 7919) % 1000).to_string(), &format!("m{i}")]);
    }
    assert_eq!(c.cmd(&["ZCARD", "z"]), int(1000));
    let Reply::Array(all) = c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]) else { panic!() };
    let scores: Vec<f64> = all
        .chunks(2)
        .map(|p| match &p[1] {
            Reply::Bulk(b) => String::from_utf8_lossy(b).parse().unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(scores.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(c.cmd(&["ZRANK", "z", "m0"]), int(0));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "100", "(200"]), int(100));
    // Scores are a permutation of 0..1000: m{i} has score i*7919 % 1000.
    let with_score = |sc: usize| format!("m{}", (0..1000).find(|i| (i * 7919) % 1000 == sc).unwrap());
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "500", "500"]), bulks(&[&with_score(500)]));
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "0", "899"]), int(900));
    assert_eq!(c.cmd(&["ZCARD", "z"]), int(100));
    assert_eq!(c.cmd(&["ZPOPMIN", "z"]), bulks(&[&with_score(900), "900"]));
    assert_eq!(c.cmd(&["ZREVRANK", "z", &with_score(901)]), int(98));
}

fn zset_command(r: &mut Rand) -> (Vec<String>, Check) {
    let zkey = |r: &mut Rand| format!("k{}", r.below(6));
    let lkey = |r: &mut Rand| format!("L{}", r.below(3));
    let member = |r: &mut Rand| -> String {
        match r.below(10) {
            0..=2 => format!("{}", r.below(200)),
            3 if r.chance(5) => "Z".repeat(70),
            _ => format!("m{}", r.below(90)),
        }
    };
    let score = |r: &mut Rand| -> String {
        match r.below(12) {
            0 => "inf".into(),
            1 => "-inf".into(),
            2 => format!("{}.5", r.below(10)),
            3 if r.chance(20) => r.pick(&["x", "nan", "1e", ""]).into(),
            _ => format!("{}", r.below(40) as i64 - 20),
        }
    };
    let bound = |r: &mut Rand| -> String {
        match r.below(8) {
            0 => "-inf".into(),
            1 => "+inf".into(),
            2 => format!("({}", r.below(40) as i64 - 20),
            3 if r.chance(10) => r.pick(&["x", "(", "nan"]).into(),
            _ => format!("{}", r.below(40) as i64 - 20),
        }
    };
    let lex = |r: &mut Rand| -> String {
        match r.below(8) {
            0 => "-".into(),
            1 => "+".into(),
            2 => format!("(m{}", r.below(90)),
            3 if r.chance(10) => r.pick(&["m1", "", "+x"]).into(),
            _ => format!("[m{}", r.below(90)),
        }
    };
    let s = |x: &str| x.to_string();
    let k = zkey(r);
    if r.chance(5) {
        return other_type_command(r, &k);
    }
    let mut a: Vec<String> = vec![String::new(), k.clone()];
    let check = match r.below(40) {
        0..=7 => {
            a[0] = s("ZADD");
            for opt in ["NX", "XX", "GT", "LT", "CH", "INCR"] {
                if r.chance(8) {
                    a.push(s(opt));
                }
            }
            let n = if a.contains(&s("INCR")) && r.chance(90) { 1 } else { 1 + r.below(8) };
            for _ in 0..n {
                a.push(score(r));
                a.push(member(r));
            }
            Check::Exact
        }
        8 => {
            a = vec![s("ZADD"), lkey(r)];
            for _ in 0..1 + r.below(8) {
                a.push(s("0"));
                a.push(member(r));
            }
            Check::Exact
        }
        9 => {
            a[0] = s("ZINCRBY");
            a.push(score(r));
            a.push(member(r));
            Check::Exact
        }
        10 => {
            a[0] = s(r.pick(&["ZSCORE", "ZRANK", "ZREVRANK"]));
            a.push(member(r));
            Check::Exact
        }
        11 => {
            a[0] = s("ZMSCORE");
            for _ in 0..1 + r.below(4) {
                a.push(member(r));
            }
            Check::Exact
        }
        12 => {
            a[0] = s("ZCARD");
            Check::Exact
        }
        13 => {
            a[0] = s("ZCOUNT");
            a.push(bound(r));
            a.push(bound(r));
            Check::Exact
        }
        14 => {
            a = vec![s("ZLEXCOUNT"), lkey(r), lex(r), lex(r)];
            Check::Exact
        }
        15..=18 => {
            let by = r.below(3);
            if by == 2 {
                a[1] = lkey(r);
            }
            let store = r.chance(20);
            if store {
                a = vec![s("ZRANGESTORE"), format!("d{}", r.below(2)), a[1].clone()];
            } else {
                a[0] = s("ZRANGE");
            }
            match by {
                0 => {
                    a.push(format!("{}", r.below(20) as i64 - 10));
                    a.push(format!("{}", r.below(20) as i64 - 10));
                }
                1 => {
                    a.push(bound(r));
                    a.push(bound(r));
                    a.push(s("BYSCORE"));
                }
                _ => {
                    a.push(lex(r));
                    a.push(lex(r));
                    a.push(s("BYLEX"));
                }
            }
            if r.chance(40) {
                a.push(s("REV"));
            }
            if r.chance(30) {
                a.push(s("LIMIT"));
                a.push(s(r.pick(&["0", "1", "3", "-1", "100"])));
                a.push(s(r.pick(&["0", "2", "-1", "5"])));
            }
            if r.chance(40) {
                a.push(s("WITHSCORES"));
            }
            Check::Exact
        }
        19..=21 => {
            let cmd = r.pick(&["ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZREVRANGE"]);
            a[0] = s(cmd);
            if cmd.contains("LEX") {
                a[1] = lkey(r);
                a.push(lex(r));
                a.push(lex(r));
            } else if cmd == "ZREVRANGE" {
                a.push(format!("{}", r.below(20) as i64 - 10));
                a.push(format!("{}", r.below(20) as i64 - 10));
            } else {
                a.push(bound(r));
                a.push(bound(r));
            }
            if !cmd.contains("LEX") && r.chance(40) {
                a.push(s("WITHSCORES"));
            }
            if cmd != "ZREVRANGE" && r.chance(30) {
                a.push(s("LIMIT"));
                a.push(s(r.pick(&["0", "2", "-1"])));
                a.push(s(r.pick(&["1", "3", "-1"])));
            }
            Check::Exact
        }
        22 | 23 => {
            a[0] = s("ZREM");
            for _ in 0..1 + r.below(5) {
                a.push(member(r));
            }
            Check::Exact
        }
        24 => {
            match r.below(3) {
                0 => {
                    a[0] = s("ZREMRANGEBYRANK");
                    a.push(format!("{}", r.below(10) as i64 - 5));
                    a.push(format!("{}", r.below(10) as i64 - 5));
                }
                1 => {
                    a[0] = s("ZREMRANGEBYSCORE");
                    a.push(bound(r));
                    a.push(bound(r));
                }
                _ => a = vec![s("ZREMRANGEBYLEX"), lkey(r), lex(r), lex(r)],
            }
            Check::Exact
        }
        25 | 26 => {
            a[0] = s(r.pick(&["ZPOPMIN", "ZPOPMAX"]));
            if r.chance(50) {
                a.push(s(r.pick(&["0", "1", "3", "-1", "100"])));
            }
            Check::Exact
        }
        27 => {
            a = vec![s("ZMPOP"), s(r.pick(&["1", "2", "0"])), k, zkey(r), s(r.pick(&["MIN", "MAX", "MID"]))];
            if r.chance(50) {
                a.push(s("COUNT"));
                a.push(s(r.pick(&["1", "4", "0"])));
            }
            Check::Exact
        }
        28 | 29 => {
            a[0] = s("ZRANDMEMBER");
            if r.chance(80) {
                a.push(s(r.pick(&["0", "1", "3", "-3", "50", "-50", "500"])));
                if r.chance(50) {
                    a.push(s("WITHSCORES"));
                }
            }
            Check::Random
        }
        30..=34 => {
            let store = r.chance(40);
            let cmd = r.pick(&["UNION", "INTER", "DIFF", "INTERCARD"]);
            let store = store && cmd != "INTERCARD";
            a = vec![format!("Z{cmd}{}", if store { "STORE" } else { "" })];
            if store {
                a.push(format!("d{}", r.below(2)));
            }
            let n = 1 + r.below(3);
            a.push(s(if r.chance(5) { "0" } else { ["1", "2", "3"][n - 1] }));
            for _ in 0..n {
                a.push(zkey(r));
            }
            if r.chance(30) && cmd != "DIFF" && cmd != "INTERCARD" {
                a.push(s("WEIGHTS"));
                for _ in 0..n {
                    a.push(s(r.pick(&["1", "2", "0.5", "-1", "0"])));
                }
            }
            if r.chance(30) && cmd != "DIFF" && cmd != "INTERCARD" {
                a.push(s("AGGREGATE"));
                a.push(s(r.pick(&["SUM", "MIN", "MAX"])));
            }
            if cmd == "INTERCARD" && r.chance(40) {
                a.push(s("LIMIT"));
                a.push(s(r.pick(&["0", "1", "3"])));
            }
            if !store && cmd != "INTERCARD" && r.chance(50) {
                a.push(s("WITHSCORES"));
            }
            Check::Exact
        }
        35 => {
            a = vec![s("ZRANGE"), format!("d{}", r.below(2)), s("0"), s("-1"), s("WITHSCORES")];
            Check::Exact
        }
        _ => {
            a[0] = s("ZSCAN");
            a.push(s(r.pick(&["0", "0", "x"])));
            let opts: &[&[&str]] = &[&["COUNT", "5000"], &["MATCH", "m1*", "COUNT", "5000"], &["COUNT", "0"]];
            a.extend(opts[r.below(opts.len())].iter().map(|x| x.to_string()));
            Check::Scan { pairs: true }
        }
    };
    (a, check)
}

#[test]
#[ignore = "needs redis-server"]
fn compat_random_stream() {
    run_compat("sorted set", 0x25e7_0001, 10_000, zset_command);
}
