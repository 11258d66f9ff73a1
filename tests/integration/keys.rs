//! Generic key commands: replies, errors and the state they leave, as Redis
//! 7.0.15. WRONGTYPE/type-specific paths (TYPE list, COPY of collections,
//! SCAN TYPE hash ...) wait for the collection types.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::*;

fn sorted_bulks(reply: Reply) -> Vec<String> {
    let Reply::Array(items) = reply else { panic!("an array, got {reply:?}") };
    let mut out: Vec<String> = items
        .into_iter()
        .map(|r| match r {
            Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
            other => panic!("a bulk string, got {other:?}"),
        })
        .collect();
    out.sort();
    out
}

/// One SCAN call: (next cursor, keys).
fn scan(c: &mut Conn, args: &[&str]) -> (String, Vec<String>) {
    let mut full = vec!["SCAN"];
    full.extend_from_slice(args);
    let reply = c.cmd(&full);
    let Reply::Array(mut parts) = reply else { panic!("SCAN answers an array, got {reply:?}") };
    assert_eq!(parts.len(), 2);
    let keys = sorted_bulks(parts.pop().unwrap());
    let Reply::Bulk(cursor) = parts.pop().unwrap() else { panic!("cursor is a bulk string") };
    (String::from_utf8(cursor.to_vec()).unwrap(), keys)
}

fn pttl(c: &mut Conn, key: &str) -> i64 {
    match c.cmd(&["PTTL", key]) {
        Reply::Int(v) => v,
        other => panic!("PTTL answers an integer, got {other:?}"),
    }
}

#[test]
fn del_unlink_exists_type() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["MSET", "a", "1", "b", "2", "c", "3"]);
    assert_eq!(c.cmd(&["EXISTS", "a", "a", "nokey", "b"]), int(3), "EXISTS counts repeats");
    assert_eq!(c.cmd(&["DEL", "a", "a", "nokey"]), int(1));
    assert_eq!(c.cmd(&["UNLINK", "b", "nokey"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "a", "b"]), int(0));
    assert_eq!(c.cmd(&["TYPE", "c"]), simple("string"));
    assert_eq!(c.cmd(&["TYPE", "nokey"]), simple("none"));
    assert_eq!(c.cmd(&["DEL"]), err("ERR wrong number of arguments for 'del' command"));
    c.cmd(&["SET", "e", "v", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(c.cmd(&["DEL", "e"]), int(0), "an expired key is not deleted twice");
    assert_eq!(c.cmd(&["TYPE", "e"]), simple("none"));
}

#[test]
fn keys_glob_patterns() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for k in ["hello", "hallo", "hxllo", "hllo", "heeeello", "foo", "h*llo", "h[llo", "a\\b", "", "Z", "a", "_"] {
        c.cmd(&["SET", k, "v"]);
    }
    let keys = |c: &mut Conn, p: &str| sorted_bulks(c.cmd(&["KEYS", p]));
    assert_eq!(keys(&mut c, "h?llo"), ["h*llo", "h[llo", "hallo", "hello", "hxllo"]);
    assert_eq!(keys(&mut c, "h[ae]llo"), ["hallo", "hello"]);
    assert_eq!(keys(&mut c, "h[^e]llo"), ["h*llo", "h[llo", "hallo", "hxllo"]);
    assert_eq!(keys(&mut c, "h[a-b]llo"), ["hallo"]);
    assert_eq!(keys(&mut c, "h[b-a]llo"), ["hallo"], "reversed ranges are swapped");
    assert_eq!(keys(&mut c, "h\\*llo"), ["h*llo"]);
    assert_eq!(keys(&mut c, "h[\\[]llo"), ["h[llo"]);
    assert_eq!(keys(&mut c, "a\\\\b"), ["a\\b"]);
    assert_eq!(keys(&mut c, "[Z-a]"), ["Z", "_", "a"]);
    assert_eq!(keys(&mut c, "h*"), ["h*llo", "h[llo", "hallo", "heeeello", "hello", "hllo", "hxllo"]);
    assert_eq!(keys(&mut c, "*").len(), 13, "`*` alone lists every key, the empty one too");
    assert_eq!(keys(&mut c, "**").len(), 12, "a glob never matches the empty key");
    assert_eq!(keys(&mut c, ""), [""]);
    assert!(keys(&mut c, "h[").is_empty(), "an unclosed class takes the rest of the pattern");
    assert_eq!(keys(&mut c, "h[e"), Vec::<String>::new());
    assert_eq!(keys(&mut c, "[f]oo"), ["foo"]);
    assert_eq!(keys(&mut c, "nomatch*"), Vec::<String>::new());
    c.cmd(&["SET", "short", "v", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(5));
    assert!(keys(&mut c, "short").is_empty(), "KEYS skips expired keys");
}

#[test]
#[ignore = "needs redis-server"]
fn keys_glob_matches_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let (mut r, mut o) = (real.conn(), ours.conn());
    let keys = [
        "", "a", "b", "ab", "abc", "aXc", "a*c", "a?c", "a[c", "a]c", "a\\c", "a-c", "^", "[", "]", "\\", "*", "?",
        "A", "Z", "_", "z", "hello", "h[llo", "h]llo", "a^c", "a\\", "\\a", "-",
    ];
    for k in keys {
        r.cmd(&["SET", k, "v"]);
        o.cmd(&["SET", k, "v"]);
    }
    let patterns = [
        "*", "**", "***", "?", "??", "?*", "*?", "a*", "*c", "a*c", "a?c", "a[bX]c", "a[^bX]c", "a[a-z]c", "a[z-a]c",
        "a[\\]]c", "a[]]c", "a[]c", "a[", "a[c", "[", "[]", "[]]", "[^]", "[^]]", "[a-]", "[-a]", "[a-", "[\\", "\\",
        "\\\\", "a\\*c", "a\\?c", "a\\[c", "a\\", "\\a", "[*]", "[?]", "[\\*]", "[^a-z]", "[^]a]", "*\\", "a[\\",
        "a[!b]c", "h[]]llo", "h[[]llo", "[A-Z]", "[Z-A]", "[a-Z]", "[\\-]", "[\\^]", "[^\\^]", "", "a[-]c", "a[b-]c",
        "[]-a]", "*[", "*[]", "*a*", "*a*c*", "a**c", "?[", "[[]",
    ];
    for p in patterns {
        assert_eq!(sorted_bulks(o.cmd(&["KEYS", p])), sorted_bulks(r.cmd(&["KEYS", p])), "KEYS {p:?}");
    }
}

#[test]
fn scan_options_and_errors() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for i in 0..50 {
        c.cmd(&["SET", &format!("key:{i}"), "v"]);
    }
    c.cmd(&["SET", "other", "v"]);
    // A full iteration returns every key.
    let mut seen = HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let (next, keys) = scan(&mut c, &[&cursor, "COUNT", "7"]);
        seen.extend(keys);
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 51);
    let (next, keys) = scan(&mut c, &["0", "COUNT", "1000", "MATCH", "key:1*"]);
    assert_eq!(next, "0");
    assert_eq!(keys.len(), 11);
    let (_, keys) = scan(&mut c, &["0", "COUNT", "1000", "MATCH", "*"]);
    assert_eq!(keys.len(), 51);
    let (_, keys) = scan(&mut c, &["0", "COUNT", "1000", "TYPE", "STRING"]);
    assert_eq!(keys.len(), 51, "TYPE compares case-insensitively");
    let (_, keys) = scan(&mut c, &["0", "COUNT", "1000", "TYPE", "list"]);
    assert!(keys.is_empty());
    let (_, keys) = scan(&mut c, &["", "COUNT", "1000"]);
    assert_eq!(keys.len(), 51, "an empty cursor is 0");
    let (_, keys) = scan(&mut c, &["+0", "COUNT", "1000"]);
    assert_eq!(keys.len(), 51);
    let invalid = err("ERR invalid cursor");
    for bad in [" 0", "abc", "0x1", "18446744073709551616", "1 ", "+", "-"] {
        assert_eq!(c.cmd(&["SCAN", bad]), invalid, "{bad:?}");
    }
    assert!(matches!(c.cmd(&["SCAN", "-1"]), Reply::Array(_)), "a negative cursor wraps, as strtoul");
    assert!(matches!(c.cmd(&["SCAN", "18446744073709551615"]), Reply::Array(_)));
    assert_eq!(c.cmd(&["SCAN", "0", "COUNT", "0"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["SCAN", "0", "COUNT", "-1"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["SCAN", "0", "COUNT", "x"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["SCAN", "0", "MATCH"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["SCAN", "0", "FOO", "bar"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["SCAN", "abc", "FOO"]), invalid, "the cursor is checked first");
    c.cmd(&["FLUSHALL"]);
    assert_eq!(c.cmd(&["SCAN", "0"]), arr(vec![bulk("0"), arr(vec![])]));
}

#[test]
fn scan_guarantee_under_growth() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let originals: Vec<String> = (0..500).map(|i| format!("orig:{i}")).collect();
    for k in &originals {
        c.cmd(&["SET", k, "v"]);
    }
    let mut seen = HashSet::new();
    let mut cursor = "0".to_string();
    let mut added = 0;
    loop {
        let (next, keys) = scan(&mut c, &[&cursor, "COUNT", "10"]);
        seen.extend(keys);
        cursor = next;
        if cursor == "0" {
            break;
        }
        // Grow the table between calls: several rehashes happen mid-scan.
        for _ in 0..40 {
            c.cmd(&["SET", &format!("new:{added}"), "v"]);
            added += 1;
        }
    }
    let missed: Vec<&String> = originals.iter().filter(|k| !seen.contains(*k)).collect();
    assert!(missed.is_empty(), "SCAN missed {} original keys, e.g. {:?}", missed.len(), &missed[..missed.len().min(5)]);
    assert!(added > 500, "the table grew during the scan");
}

#[test]
fn scan_guarantee_under_shrink() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for i in 0..2000 {
        c.cmd(&["SET", &format!("k:{i}"), "v"]);
    }
    let kept: Vec<String> = (0..2000).step_by(50).map(|i| format!("k:{i}")).collect();
    let mut seen = HashSet::new();
    let (mut cursor, keys) = scan(&mut c, &["0", "COUNT", "10"]);
    seen.extend(keys);
    // Delete most keys: the table shrinks (cron) while the scan goes on.
    for i in 0..2000 {
        if i % 50 != 0 {
            c.cmd(&["DEL", &format!("k:{i}")]);
        }
    }
    while cursor != "0" {
        let (next, keys) = scan(&mut c, &[&cursor, "COUNT", "10"]);
        seen.extend(keys);
        cursor = next;
    }
    for k in &kept {
        assert!(seen.contains(k), "SCAN missed {k}");
    }
}

#[test]
fn scan_skips_expired_keys() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for i in 0..20 {
        c.cmd(&["SET", &format!("live:{i}"), "v"]);
        c.cmd(&["SET", &format!("gone:{i}"), "v", "PX", "1"]);
    }
    std::thread::sleep(Duration::from_millis(5));
    let (_, keys) = scan(&mut c, &["0", "COUNT", "1000"]);
    assert_eq!(keys.len(), 20);
    assert!(keys.iter().all(|k| k.starts_with("live:")));
}

#[test]
fn randomkey() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["RANDOMKEY"]), nil());
    c.cmd(&["MSET", "a", "1", "b", "2"]);
    for _ in 0..20 {
        let reply = c.cmd(&["RANDOMKEY"]);
        assert!(reply == bulk("a") || reply == bulk("b"), "{reply:?}");
    }
    c.cmd(&["FLUSHALL"]);
    for i in 0..10 {
        c.cmd(&["SET", &format!("e{i}"), "v", "PX", "1"]);
    }
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(c.cmd(&["RANDOMKEY"]), nil(), "expired keys are never answered");
}

#[test]
fn rename_and_renamenx() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["SET", "a", "1", "EX", "100"]);
    assert_eq!(c.cmd(&["RENAME", "a", "b"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(0));
    assert_eq!(c.cmd(&["GET", "b"]), bulk("1"));
    assert!(pttl(&mut c, "b") > 0, "the TTL moves with the key");
    assert_eq!(c.cmd(&["RENAME", "nokey", "x"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["RENAME", "nokey", "nokey"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["RENAME", "b", "b"]), ok());
    c.cmd(&["SET", "c", "3"]);
    assert_eq!(c.cmd(&["RENAME", "b", "c"]), ok(), "RENAME overwrites");
    assert_eq!(c.cmd(&["GET", "c"]), bulk("1"));
    assert!(pttl(&mut c, "c") > 0);
    c.cmd(&["SET", "d", "4"]);
    assert_eq!(c.cmd(&["RENAMENX", "c", "d"]), int(0));
    assert_eq!(c.cmd(&["GET", "d"]), bulk("4"));
    assert_eq!(c.cmd(&["RENAMENX", "c", "c"]), int(0));
    assert_eq!(c.cmd(&["RENAMENX", "c", "e"]), int(1));
    assert_eq!(c.cmd(&["GET", "e"]), bulk("1"));
    assert_eq!(c.cmd(&["RENAMENX", "nokey", "e"]), err("ERR no such key"));
    c.cmd(&["SET", "p", "v"]);
    c.cmd(&["SET", "q", "v", "EX", "100"]);
    c.cmd(&["RENAME", "p", "q"]);
    assert_eq!(pttl(&mut c, "q"), -1, "the destination's TTL goes with its value");
}

#[test]
fn move_between_databases() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["SET", "k", "v", "EX", "100"]);
    assert_eq!(c.cmd(&["MOVE", "k", "1"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(c.cmd(&["MOVE", "k", "1"]), int(0));
    c.cmd(&["SELECT", "1"]);
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert!(pttl(&mut c, "k") > 0, "the TTL moves with the key");
    c.cmd(&["SET", "k2", "db1"]);
    c.cmd(&["SELECT", "0"]);
    c.cmd(&["SET", "k2", "db0"]);
    assert_eq!(c.cmd(&["MOVE", "k2", "1"]), int(0), "the target key exists");
    assert_eq!(c.cmd(&["GET", "k2"]), bulk("db0"));
    assert_eq!(c.cmd(&["MOVE", "k2", "0"]), err("ERR source and destination objects are the same"));
    assert_eq!(c.cmd(&["MOVE", "k2", "16"]), err("ERR DB index is out of range"));
    assert_eq!(c.cmd(&["MOVE", "k2", "-1"]), err("ERR DB index is out of range"));
    assert_eq!(c.cmd(&["MOVE", "k2", "x"]), err("ERR value is not an integer or out of range"));
    assert_eq!(
        c.cmd(&["MOVE", "k2", "4294967296"]),
        err("ERR value is out of range, value must between -2147483648 and 2147483647")
    );
}

#[test]
fn copy_keys() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["SET", "src", "v", "EX", "100"]);
    assert_eq!(c.cmd(&["COPY", "src", "dst"]), int(1));
    assert_eq!(c.cmd(&["GET", "dst"]), bulk("v"));
    assert!(pttl(&mut c, "dst") > 0, "the TTL is copied");
    c.cmd(&["APPEND", "dst", "w"]);
    assert_eq!(c.cmd(&["GET", "src"]), bulk("v"), "the copy is independent");
    assert_eq!(c.cmd(&["COPY", "src", "dst"]), int(0));
    assert_eq!(c.cmd(&["COPY", "src", "dst", "REPLACE"]), int(1));
    assert_eq!(c.cmd(&["GET", "dst"]), bulk("v"));
    assert_eq!(c.cmd(&["COPY", "nokey", "dst", "REPLACE"]), int(0));
    assert_eq!(c.cmd(&["COPY", "src", "src"]), err("ERR source and destination objects are the same"));
    assert_eq!(c.cmd(&["COPY", "src", "src", "DB", "0"]), err("ERR source and destination objects are the same"));
    assert_eq!(c.cmd(&["COPY", "src", "src", "DB", "2"]), int(1));
    assert_eq!(c.cmd(&["COPY", "src", "x", "DB"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["COPY", "src", "x", "FOO"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["COPY", "src", "x", "DB", "16"]), err("ERR DB index is out of range"));
    assert_eq!(c.cmd(&["COPY", "src", "x", "DB", "x"]), err("ERR value is not an integer or out of range"));
    c.cmd(&["SELECT", "2"]);
    assert_eq!(c.cmd(&["GET", "src"]), bulk("v"));
    assert!(pttl(&mut c, "src") > 0);
}

#[test]
fn touch_counts_existing_keys() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["MSET", "a", "1", "b", "2"]);
    assert_eq!(c.cmd(&["TOUCH", "a", "b", "nokey", "a"]), int(3));
    assert_eq!(c.cmd(&["TOUCH", "nokey"]), int(0));
}

#[test]
fn expire_family() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["SET", "k", "v"]);
    assert_eq!(c.cmd(&["EXPIRE", "k", "100", "XX"]), int(0), "XX needs a TTL");
    assert_eq!(c.cmd(&["EXPIRE", "k", "100", "GT"]), int(0), "no TTL counts as infinite for GT");
    assert_eq!(c.cmd(&["EXPIRE", "k", "100", "NX"]), int(1));
    assert_eq!(c.cmd(&["EXPIRE", "k", "200", "NX"]), int(0));
    assert_eq!(c.cmd(&["EXPIRE", "k", "50", "GT"]), int(0));
    assert_eq!(c.cmd(&["EXPIRE", "k", "500", "gt"]), int(1));
    assert_eq!(c.cmd(&["EXPIRE", "k", "600", "LT"]), int(0));
    assert_eq!(c.cmd(&["EXPIRE", "k", "400", "lt"]), int(1));
    assert_eq!(c.cmd(&["EXPIRE", "k", "300", "XX", "LT"]), int(1));
    let t = pttl(&mut c, "k");
    assert!(t > 200_000 && t <= 300_000, "{t}");
    c.cmd(&["SET", "n", "v"]);
    assert_eq!(c.cmd(&["EXPIRE", "n", "100", "LT"]), int(1), "no TTL counts as infinite for LT");
    assert_eq!(c.cmd(&["PEXPIRE", "k", "100000"]), int(1));
    assert_eq!(c.cmd(&["EXPIREAT", "k", "4102444800"]), int(1));
    assert_eq!(c.cmd(&["EXPIRETIME", "k"]), int(4102444800));
    assert_eq!(c.cmd(&["PEXPIREAT", "k", "4102444800123"]), int(1));
    assert_eq!(c.cmd(&["PEXPIRETIME", "k"]), int(4102444800123));
    assert_eq!(c.cmd(&["EXPIRETIME", "k"]), int(4102444800));
    assert_eq!(c.cmd(&["EXPIRE", "nokey", "100"]), int(0));
    let nx_err = err("ERR NX and XX, GT or LT options at the same time are not compatible");
    assert_eq!(c.cmd(&["EXPIRE", "k", "100", "NX", "XX"]), nx_err);
    assert_eq!(c.cmd(&["EXPIRE", "k", "100", "NX", "GT"]), nx_err);
    assert_eq!(c.cmd(&["EXPIRE", "k", "100", "LT", "NX"]), nx_err);
    assert_eq!(
        c.cmd(&["EXPIRE", "k", "100", "GT", "LT"]),
        err("ERR GT and LT options at the same time are not compatible")
    );
    assert_eq!(c.cmd(&["EXPIRE", "k", "100", "FOO"]), err("ERR Unsupported option FOO"));
    assert_eq!(c.cmd(&["EXPIRE", "k", "abc", "FOO"]), err("ERR Unsupported option FOO"), "options first");
    assert_eq!(c.cmd(&["EXPIRE", "k", "abc"]), err("ERR value is not an integer or out of range"));
    for (args, name) in [
        (&["EXPIRE", "k", "9223372036854776"][..], "expire"),
        (&["EXPIRE", "k", "-9223372036854776"], "expire"),
        (&["EXPIRE", "k", "9223372036854775"], "expire"),
        (&["PEXPIRE", "k", "9223372036854775807"], "pexpire"),
        (&["EXPIREAT", "k", "9223372036854776"], "expireat"),
        (&["EXPIRE", "nokey", "9223372036854775"], "expire"),
    ] {
        assert_eq!(c.cmd(args), err(&format!("ERR invalid expire time in '{name}' command")), "{args:?}");
    }
    assert_eq!(c.cmd(&["PEXPIREAT", "k", "9223372036854775807"]), int(1), "the largest time is fine");
    assert_eq!(c.cmd(&["PEXPIRETIME", "k"]), int(i64::MAX));
    // A time in the past deletes the key at once.
    for args in [
        &["EXPIRE", "k", "-1"][..],
        &["EXPIRE", "k", "0"],
        &["PEXPIRE", "k", "-100"],
        &["EXPIREAT", "k", "1"],
        &["PEXPIREAT", "k", "0"],
        &["EXPIRE", "k", "-9223372036854775"],
    ] {
        c.cmd(&["SET", "k", "v"]);
        assert_eq!(c.cmd(args), int(1), "{args:?}");
        assert_eq!(c.cmd(&["EXISTS", "k"]), int(0), "{args:?} deletes");
    }
    c.cmd(&["SET", "k", "v", "EX", "100"]);
    assert_eq!(c.cmd(&["EXPIRE", "k", "-1", "GT"]), int(0), "GT refuses before the past time deletes");
    assert_eq!(c.cmd(&["EXPIRE", "k", "-1", "LT"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
}

#[test]
fn short_ttl_expires() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["SET", "k", "v"]);
    assert_eq!(c.cmd(&["PEXPIRE", "k", "5"]), int(1));
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(c.cmd(&["GET", "k"]), nil());
    assert_eq!(c.cmd(&["TTL", "k"]), int(-2));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0), "a lazily expired key is gone");
}

#[test]
fn ttl_family_and_persist() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(c.cmd(&[cmd, "nokey"]), int(-2), "{cmd}");
    }
    c.cmd(&["SET", "k", "v"]);
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(c.cmd(&[cmd, "k"]), int(-1), "{cmd}");
    }
    c.cmd(&["EXPIRE", "k", "100"]);
    let Reply::Int(t) = c.cmd(&["TTL", "k"]) else { panic!() };
    assert!((99..=100).contains(&t), "TTL rounds to the nearest second: {t}");
    c.cmd(&["PEXPIRE", "k", "1499"]);
    assert_eq!(c.cmd(&["TTL", "k"]), int(1));
    assert_eq!(c.cmd(&["PERSIST", "k"]), int(1));
    assert_eq!(c.cmd(&["PERSIST", "k"]), int(0));
    assert_eq!(c.cmd(&["PERSIST", "nokey"]), int(0));
    assert_eq!(c.cmd(&["TTL", "k"]), int(-1));
}

#[test]
fn object_subcommands() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["SET", "small", "100"]);
    c.cmd(&["SET", "large", "100000"]);
    c.cmd(&["SET", "str", "hello"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "small"]), bulk("int"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "str"]), bulk("embstr"));
    assert_eq!(c.cmd(&["OBJECT", "encoding", "nokey"]), nil());
    assert_eq!(c.cmd(&["OBJECT", "REFCOUNT", "small"]), int(2147483647), "shared integer");
    assert_eq!(c.cmd(&["OBJECT", "REFCOUNT", "large"]), int(1));
    assert_eq!(c.cmd(&["OBJECT", "REFCOUNT", "str"]), int(1));
    assert_eq!(c.cmd(&["OBJECT", "REFCOUNT", "nokey"]), nil());
    assert_eq!(c.cmd(&["OBJECT", "IDLETIME", "str"]), int(0));
    assert_eq!(c.cmd(&["OBJECT", "IDLETIME", "nokey"]), nil());
    assert_eq!(
        c.cmd(&["OBJECT", "FREQ", "str"]),
        err(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
        )
    );
    assert_eq!(c.cmd(&["OBJECT", "FREQ", "nokey"]), nil());
    let Reply::Array(help) = c.cmd(&["OBJECT", "HELP"]) else { panic!("HELP answers an array") };
    assert_eq!(help.len(), 15);
    assert_eq!(help[0], simple("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
    assert_eq!(help[14], simple("    Prints this help."));
    assert_eq!(c.cmd(&["OBJECT", "FOO", "k"]), err("ERR unknown subcommand 'FOO'. Try OBJECT HELP."));
    assert_eq!(c.cmd(&["OBJECT"]), err("ERR wrong number of arguments for 'object' command"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING"]), err("ERR wrong number of arguments for 'object|encoding' command"));
    assert_eq!(c.cmd(&["OBJECT", "HELP", "x"]), err("ERR wrong number of arguments for 'object|help' command"));
}

/// Runs the same commands against redis-server and us (RESP2 and RESP3);
/// KEYS/SCAN key lists are compared as sets.
fn same_as_redis(cmds: &[&[&str]]) {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    for resp3 in [false, true] {
        let (mut r, mut o) = (real.conn(), ours.conn());
        if resp3 {
            r.cmd(&["HELLO", "3"]);
            o.cmd(&["HELLO", "3"]);
        }
        r.cmd(&["FLUSHALL"]);
        o.cmd(&["FLUSHALL"]);
        for cmd in cmds {
            let (a, b) = (o.cmd(cmd), r.cmd(cmd));
            if cmd[0].eq_ignore_ascii_case("keys") {
                assert_eq!(sorted_bulks(a), sorted_bulks(b), "{cmd:?}");
            } else {
                assert_eq!(a, b, "{cmd:?} (resp3: {resp3})");
            }
        }
    }
}

#[test]
#[ignore = "needs redis-server"]
fn key_commands_match_redis() {
    same_as_redis(&[
        &["MSET", "a", "1", "b", "2", "hello", "x", "hallo", "y"],
        &["DEL", "a", "a", "nokey"],
        &["EXISTS", "b", "b", "nokey"],
        &["TYPE", "b"],
        &["TYPE", "nokey"],
        &["KEYS", "h?llo"],
        &["SCAN", "abc"],
        &["SCAN", "0", "COUNT", "0"],
        &["SCAN", "0", "COUNT", "9223372036854775808"],
        &["SCAN", "0", "MATCH", "nomatch", "COUNT", "1000"],
        &["SCAN", "0", "TYPE", "hash", "COUNT", "1000"],
        &["RENAME", "b", "b"],
        &["RENAME", "nokey", "b"],
        &["RENAMENX", "b", "hello"],
        &["RENAMENX", "b", "c"],
        &["MOVE", "c", "1"],
        &["MOVE", "c", "1"],
        &["MOVE", "hello", "0"],
        &["MOVE", "hello", "99"],
        &["MOVE", "hello", "2147483648"],
        &["COPY", "hello", "hello"],
        &["COPY", "hello", "h2", "DB", "1", "REPLACE"],
        &["COPY", "hello", "h2", "DB", "1"],
        &["COPY", "hello", "h2", "DB", "-2147483649"],
        &["COPY", "hello", "h2", "REPLACE", "DB"],
        &["TOUCH", "hello", "nokey"],
        &["EXPIRE", "hello", "100", "nx", "nx"],
        // Not 100: whether now+100 s is greater depends on the clock ticking
        // a millisecond between the two commands.
        &["EXPIRE", "hello", "50", "xx", "gt"],
        &["EXPIRE", "hello", "100", "lt", "gt"],
        &["EXPIRE", "hello", "100", "bogus"],
        &["EXPIRE", "hello", "100", ""],
        &["EXPIREAT", "hello", "4102444800"],
        &["EXPIRETIME", "hello"],
        &["PEXPIRETIME", "hello"],
        &["PEXPIREAT", "hello", "4102444800999"],
        &["EXPIRETIME", "hello"],
        &["PEXPIRE", "hello", "-9223372036854775808"],
        &["EXISTS", "hello"],
        &["PERSIST", "hallo"],
        &["OBJECT", "ENCODING", "hallo"],
        &["OBJECT", "REFCOUNT", "hallo"],
        &["OBJECT", "FREQ", "hallo"],
        &["OBJECT", "HELP"],
        &["OBJECT", "help", "extra"],
        &["OBJECT", "nosuch"],
        &["OBJECT", "encoding", "a", "b"],
    ]);
}

/// UNLINK (and DEL with lazyfree-lazy-user-del) frees a value in the
/// background when freeing it is costly (Redis's free effort above 64:
/// hash table sets and hashes, skiplists, list nodes, stream nodes and
/// groups); small values go at once. INFO counts what the background
/// freed; CONFIG RESETSTAT zeroes it.
#[test]
fn unlink_frees_costly_values_in_the_background() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let freed = |c: &mut Conn| info_field(c, "memory", "lazyfreed_objects").parse::<u64>().unwrap();
    let settle = |c: &mut Conn, want: u64| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while freed(c) != want || info_field(c, "memory", "lazyfree_pending_objects") != "0" {
            assert!(std::time::Instant::now() < deadline, "lazyfreed_objects never reached {want}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    let members: Vec<String> = (0..65).map(|i| format!("m{i}")).collect();
    let mut sadd = vec!["SADD", "big"];
    sadd.extend(members.iter().map(|m| m.as_str()));
    c.cmd(&sadd);
    sadd[1] = "small";
    sadd.truncate(66);
    c.cmd(&sadd[..66]);
    c.cmd(&["SREM", "small", "m64"]);
    assert_eq!(c.cmd(&["UNLINK", "small", "big", "missing"]), int(2));
    settle(&mut c, 1);
    // A stream whose only group was destroyed: one node, no group.
    c.cmd(&["XADD", "st", "*", "a", "b"]);
    c.cmd(&["XGROUP", "CREATE", "st", "g", "$"]);
    c.cmd(&["XGROUP", "DESTROY", "st", "g"]);
    assert_eq!(c.cmd(&["UNLINK", "st"]), int(1));
    settle(&mut c, 1);
    // DEL is lazy only with lazyfree-lazy-user-del.
    let mut again = vec!["SADD", "big"];
    again.extend(members.iter().map(|m| m.as_str()));
    assert_eq!(c.cmd(&again), int(65));
    assert_eq!(c.cmd(&["DEL", "big"]), int(1));
    settle(&mut c, 1);
    assert_eq!(c.cmd(&["CONFIG", "SET", "lazyfree-lazy-user-del", "yes"]), ok());
    assert_eq!(c.cmd(&again), int(65));
    assert_eq!(c.cmd(&["DEL", "big"]), int(1));
    settle(&mut c, 2);
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), ok());
    assert_eq!(freed(&mut c), 0);
}
