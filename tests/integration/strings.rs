//! String commands: replies, errors and the state they leave, as Redis 7.0.15.
//! WRONGTYPE paths against collections wait for the collection types.

use crate::common::*;

fn ttl(c: &mut Conn, key: &str) -> i64 {
    match c.cmd(&["PTTL", key]) {
        Reply::Int(v) => v,
        other => panic!("PTTL answers an integer, got {other:?}"),
    }
}

#[test]
fn set_and_get_with_options() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "foo"]), nil());
    assert_eq!(c.cmd(&["SET", "foo", "bar"]), ok());
    assert_eq!(c.cmd(&["GET", "foo"]), bulk("bar"));
    assert_eq!(c.cmd(&["SET", "foo", "baz", "NX"]), nil());
    assert_eq!(c.cmd(&["SET", "new", "v", "XX"]), nil());
    assert_eq!(c.cmd(&["EXISTS", "new"]), int(0));
    assert_eq!(c.cmd(&["SET", "foo", "baz", "xx"]), ok());
    assert_eq!(c.cmd(&["SET", "foo", "qux", "GET"]), bulk("baz"));
    assert_eq!(c.cmd(&["SET", "foo", "zzz", "NX", "GET"]), bulk("qux"), "NX with GET answers the old value");
    assert_eq!(c.cmd(&["GET", "foo"]), bulk("qux"));
    assert_eq!(c.cmd(&["SET", "fresh", "v", "NX", "GET"]), nil());
    assert_eq!(c.cmd(&["GET", "fresh"]), bulk("v"));
    assert_eq!(c.cmd(&["SET", "foo", "v", "GET", "GET"]), bulk("qux"));
    for bad in [
        &["SET", "foo", "bar", "NX", "XX"][..],
        &["SET", "foo", "bar", "XX", "NX"],
        &["SET", "foo", "bar", "EX"],
        &["SET", "foo", "bar", "EX", "10", "PX", "10"],
        &["SET", "foo", "bar", "KEEPTTL", "EX", "10"],
        &["SET", "foo", "bar", "EX", "10", "KEEPTTL"],
        &["SET", "foo", "bar", "PERSIST"],
        &["SET", "foo", "bar", "foo"],
    ] {
        assert_eq!(c.cmd(bad), err("ERR syntax error"), "{bad:?}");
    }
    assert_eq!(c.cmd(&["SET", "foo"]), err("ERR wrong number of arguments for 'set' command"));
}

#[test]
fn set_expiry_options_and_errors() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k", "v", "EX", "100"]), ok());
    let t = ttl(&mut c, "k");
    assert!(t > 0 && t <= 100_000, "{t}");
    assert_eq!(c.cmd(&["SET", "k", "v2", "KEEPTTL"]), ok());
    assert!(ttl(&mut c, "k") > 0, "KEEPTTL keeps the TTL");
    assert_eq!(c.cmd(&["SET", "k", "v3"]), ok());
    assert_eq!(ttl(&mut c, "k"), -1, "plain SET clears the TTL");
    assert_eq!(c.cmd(&["SET", "k", "v", "PX", "100000"]), ok());
    assert!(ttl(&mut c, "k") > 0);
    assert_eq!(c.cmd(&["SET", "k", "v", "EXAT", "4102444800"]), ok());
    assert_eq!(c.cmd(&["EXPIRETIME", "k"]), int(4102444800));
    assert_eq!(c.cmd(&["SET", "k", "v", "PXAT", "4102444800123"]), ok());
    assert_eq!(c.cmd(&["PEXPIRETIME", "k"]), int(4102444800123));
    assert_eq!(c.cmd(&["SET", "k", "v", "PXAT", "1"]), ok(), "a past PXAT sets an already expired key");
    assert_eq!(c.cmd(&["GET", "k"]), nil());
    for (args, name) in [
        (&["SET", "k", "v", "EX", "0"][..], "set"),
        (&["SET", "k", "v", "EX", "-1"], "set"),
        (&["SET", "k", "v", "PX", "0"], "set"),
        (&["SET", "k", "v", "EX", "9223372036854776"], "set"),
        (&["SET", "k", "v", "PX", "9223372036854775807"], "set"),
        (&["SETEX", "k", "0", "v"], "setex"),
        (&["SETEX", "k", "-10", "v"], "setex"),
        (&["PSETEX", "k", "0", "v"], "psetex"),
        (&["GETEX", "k2", "EX", "0"], "getex"),
        (&["GETEX", "k2", "PXAT", "-1"], "getex"),
    ] {
        c.cmd(&["SET", "k2", "v"]);
        assert_eq!(c.cmd(args), err(&format!("ERR invalid expire time in '{name}' command")), "{args:?}");
    }
    assert_eq!(c.cmd(&["SET", "k", "v", "EX", "abc"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["SETEX", "k", "1.5", "v"]), err("ERR value is not an integer or out of range"));
}

#[test]
fn setnx_setex_psetex_getset_getdel() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SETNX", "k", "a"]), int(1));
    assert_eq!(c.cmd(&["SETNX", "k", "b"]), int(0));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("a"));
    assert_eq!(c.cmd(&["SETEX", "k", "100", "b"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("b"));
    assert!(ttl(&mut c, "k") > 0);
    assert_eq!(c.cmd(&["PSETEX", "k", "100000", "c"]), ok());
    assert!(ttl(&mut c, "k") > 0);
    assert_eq!(c.cmd(&["GETSET", "k", "d"]), bulk("c"));
    assert_eq!(ttl(&mut c, "k"), -1, "GETSET clears the TTL");
    assert_eq!(c.cmd(&["GETSET", "missing", "x"]), nil());
    assert_eq!(c.cmd(&["GET", "missing"]), bulk("x"));
    assert_eq!(c.cmd(&["GETDEL", "k"]), bulk("d"));
    assert_eq!(c.cmd(&["GETDEL", "k"]), nil());
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
}

#[test]
fn getex_options() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GETEX", "nokey"]), nil());
    assert_eq!(c.cmd(&["GETEX", "nokey", "EX", "0"]), nil(), "the key is looked up before the time is checked");
    c.cmd(&["SET", "k", "v"]);
    assert_eq!(c.cmd(&["GETEX", "k"]), bulk("v"));
    assert_eq!(ttl(&mut c, "k"), -1);
    assert_eq!(c.cmd(&["GETEX", "k", "EX", "100"]), bulk("v"));
    assert!(ttl(&mut c, "k") > 0);
    assert_eq!(c.cmd(&["GETEX", "k", "PERSIST"]), bulk("v"));
    assert_eq!(ttl(&mut c, "k"), -1);
    assert_eq!(c.cmd(&["GETEX", "k", "PX", "100000"]), bulk("v"));
    assert!(ttl(&mut c, "k") > 0);
    assert_eq!(c.cmd(&["GETEX", "k", "EXAT", "4102444800"]), bulk("v"));
    assert_eq!(c.cmd(&["EXPIRETIME", "k"]), int(4102444800));
    assert_eq!(c.cmd(&["GETEX", "k", "PXAT", "1"]), bulk("v"), "a past time still answers the value");
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0), "and deletes the key");
    c.cmd(&["SET", "k", "v"]);
    for bad in [
        &["GETEX", "k", "PERSIST", "EX", "10"][..],
        &["GETEX", "k", "EX", "10", "PERSIST"],
        &["GETEX", "k", "KEEPTTL"],
        &["GETEX", "k", "NX"],
        &["GETEX", "k", "GET"],
        &["GETEX", "k", "EX"],
        &["GETEX", "k", "EX", "1", "PX", "1"],
    ] {
        assert_eq!(c.cmd(bad), err("ERR syntax error"), "{bad:?}");
    }
}

#[test]
fn mget_mset_msetnx() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["MSET", "a", "1", "b", "2"]), ok());
    assert_eq!(c.cmd(&["MGET", "a", "nokey", "b"]), arr(vec![bulk("1"), nil(), bulk("2")]));
    assert_eq!(c.cmd(&["MSET", "a", "1", "b"]), err("ERR wrong number of arguments for 'mset' command"));
    assert_eq!(c.cmd(&["MSETNX", "a", "1", "b"]), err("ERR wrong number of arguments for 'msetnx' command"));
    assert_eq!(c.cmd(&["MSETNX", "a", "9", "c", "3"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "c"]), int(0), "MSETNX sets nothing when a key exists");
    assert_eq!(c.cmd(&["MSETNX", "c", "3", "d", "4"]), int(1));
    assert_eq!(c.cmd(&["MSETNX", "x", "1", "x", "2"]), int(1));
    assert_eq!(c.cmd(&["GET", "x"]), bulk("2"));
    c.cmd(&["SET", "t", "v", "EX", "100"]);
    c.cmd(&["MSET", "t", "w"]);
    assert_eq!(ttl(&mut c, "t"), -1, "MSET clears TTLs");
}

#[test]
fn append_strlen_and_encodings() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["APPEND", "k", "12"]), int(2));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "k"]), bulk("int"));
    assert_eq!(c.cmd(&["APPEND", "k", "34"]), int(4));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("1234"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "k"]), bulk("raw"), "an appended string is raw");
    assert_eq!(c.cmd(&["STRLEN", "k"]), int(4));
    assert_eq!(c.cmd(&["STRLEN", "nokey"]), int(0));
    c.cmd(&["SET", "t", "v", "EX", "100"]);
    c.cmd(&["APPEND", "t", "w"]);
    assert!(ttl(&mut c, "t") > 0, "APPEND keeps the TTL");
    for i in 0..200 {
        c.cmd(&["APPEND", "grow", &i.to_string()]);
    }
    let expected: String = (0..200).map(|i| i.to_string()).collect();
    assert_eq!(c.cmd(&["GET", "grow"]), bulk(&expected));
    assert_eq!(c.cmd(&["STRLEN", "grow"]), int(expected.len() as i64));
    c.cmd(&["SET", "e", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "e"]), bulk("embstr"));
    c.cmd(&["SET", "e", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "e"]), bulk("raw"));
    c.cmd(&["SET", "e", "-12"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "e"]), bulk("int"));
    c.cmd(&["SET", "e", "012"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "e"]), bulk("embstr"));
}

#[test]
fn append_and_setrange_obey_proto_max_bulk_len() {
    let s = TestServer::start(&["--proto-max-bulk-len", "1mb"]);
    let mut c = s.conn();
    let half = "x".repeat(600 * 1024);
    assert_eq!(c.cmd(&["SET", "k", &half]), ok());
    assert_eq!(c.cmd(&["APPEND", "k", &half]), err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
    assert_eq!(c.cmd(&["STRLEN", "k"]), int(600 * 1024), "nothing appended");
    assert_eq!(
        c.cmd(&["SETRANGE", "k", "1048576", "x"]),
        err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    );
    assert_eq!(
        c.cmd(&["SETRANGE", "new", "1048576", "x"]),
        err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    );
    assert_eq!(c.cmd(&["SETRANGE", "new", "1048575", "x"]), int(1048576));
    assert_eq!(c.cmd(&["SETRANGE", "k", "1048576", ""]), int(600 * 1024), "an empty value never errs");
}

#[test]
fn incr_decr_family() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["INCR", "n"]), int(1));
    assert_eq!(c.cmd(&["INCRBY", "n", "10"]), int(11));
    assert_eq!(c.cmd(&["DECR", "n"]), int(10));
    assert_eq!(c.cmd(&["DECRBY", "n", "20"]), int(-10));
    assert_eq!(c.cmd(&["INCRBY", "n", "-5"]), int(-15));
    assert_eq!(c.cmd(&["GET", "n"]), bulk("-15"));
    assert_eq!(c.cmd(&["SET", "big", "17179869184"]), ok());
    assert_eq!(c.cmd(&["DECRBY", "big", "17179869185"]), int(-1));
    c.cmd(&["SET", "t", "1", "EX", "100"]);
    c.cmd(&["INCR", "t"]);
    assert!(ttl(&mut c, "t") > 0, "INCR keeps the TTL");
    let not_int = err("ERR value is not an integer or out of range");
    for v in [" 1", "1 ", "01", "+1", "-0", "1.0", "abc", "", "9223372036854775808"] {
        c.cmd(&["SET", "x", v]);
        assert_eq!(c.cmd(&["INCR", "x"]), not_int, "{v:?}");
    }
    assert_eq!(c.cmd(&["INCRBY", "n", "abc"]), not_int);
    assert_eq!(c.cmd(&["INCRBY", "n", "9223372036854775808"]), not_int);
    c.cmd(&["SET", "x", "9223372036854775807"]);
    assert_eq!(c.cmd(&["INCR", "x"]), err("ERR increment or decrement would overflow"));
    c.cmd(&["SET", "x", "-9223372036854775808"]);
    assert_eq!(c.cmd(&["DECR", "x"]), err("ERR increment or decrement would overflow"));
    assert_eq!(c.cmd(&["DECRBY", "x", "-9223372036854775808"]), err("ERR decrement would overflow"));
    assert_eq!(c.cmd(&["GET", "x"]), bulk("-9223372036854775808"));
    c.cmd(&["SET", "x", "-1"]);
    assert_eq!(c.cmd(&["INCRBY", "x", "-9223372036854775807"]), int(i64::MIN));
}

#[test]
fn incrbyfloat_prints_as_redis() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "1"]), bulk("1"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "0.25"]), bulk("1.25"));
    c.cmd(&["SET", "f", "0.1"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "0.2"]), bulk("0.3"), "long double, not f64");
    c.cmd(&["SET", "f", "1"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "-1.1"]), bulk("-0.1"));
    c.cmd(&["SET", "f", "10.5"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "0.1"]), bulk("10.6"));
    c.cmd(&["SET", "f", "5.0e3"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "2.0e2"]), bulk("5200"));
    c.cmd(&["SET", "f", "0"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "0x1p3"]), bulk("8"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "1e-18"]), bulk("8"));
    c.cmd(&["SET", "f", "0"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "0.000003814697265625"]), bulk("0.00000381469726562"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "-0.00000381469726562"]), bulk("0"));
    assert_eq!(
        c.cmd(&["INCRBYFLOAT", "h", "1e30"]),
        bulk("1000000000000000000024696061952"),
        "1e30 is not exact in long double"
    );
    let not_float = err("ERR value is not a valid float");
    for bad in ["abc", " 1", "1 ", "nan", "1e5000", "1e-5000", "", "1e"] {
        assert_eq!(c.cmd(&["INCRBYFLOAT", "f", bad]), not_float, "{bad:?}");
    }
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "inf"]), err("ERR increment would produce NaN or Infinity"));
    c.cmd(&["SET", "f", "1e4932"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "1e4932"]), err("ERR increment would produce NaN or Infinity"));
    c.cmd(&["SET", "f", "abc"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "1"]), not_float);
    c.cmd(&["SET", "t", "1", "EX", "100"]);
    c.cmd(&["INCRBYFLOAT", "t", "1.5"]);
    assert!(ttl(&mut c, "t") > 0, "INCRBYFLOAT keeps the TTL");
    assert_eq!(c.cmd(&["GET", "t"]), bulk("2.5"));
}

#[test]
fn getrange_and_substr() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["SET", "s", "Hello World"]);
    for (start, end, expected) in [
        ("0", "3", "Hell"),
        ("-3", "-1", "rld"),
        ("0", "-1", "Hello World"),
        ("10", "100", "d"),
        ("11", "100", ""),
        ("-1", "-5", ""),
        ("5", "3", ""),
        ("-100", "-50", "H"),
        ("-100", "2", "Hel"),
        ("0", "-100", "H"),
    ] {
        assert_eq!(c.cmd(&["GETRANGE", "s", start, end]), bulk(expected), "{start} {end}");
        assert_eq!(c.cmd(&["SUBSTR", "s", start, end]), bulk(expected), "SUBSTR {start} {end}");
    }
    assert_eq!(c.cmd(&["GETRANGE", "nokey", "0", "-1"]), bulk(""));
    c.cmd(&["SET", "e", ""]);
    assert_eq!(c.cmd(&["GETRANGE", "e", "0", "-1"]), bulk(""));
    c.cmd(&["SET", "i", "1234"]);
    assert_eq!(c.cmd(&["GETRANGE", "i", "1", "2"]), bulk("23"));
    assert_eq!(c.cmd(&["GETRANGE", "s", "a", "1"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["GETRANGE", "nokey", "0", "a"]), err("ERR value is not an integer or out of range"));
}

#[test]
fn setrange_edits_in_place() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SETRANGE", "k", "1", "foo"]), int(4));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("\0foo"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "k"]), bulk("raw"));
    c.cmd(&["SET", "k", "foo"]);
    assert_eq!(c.cmd(&["SETRANGE", "k", "4", "bar"]), int(7));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("foo\0bar"));
    assert_eq!(c.cmd(&["SETRANGE", "k", "1", "X"]), int(7));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("fXo\0bar"));
    c.cmd(&["SET", "i", "1234"]);
    assert_eq!(c.cmd(&["SETRANGE", "i", "0", ""]), int(4));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "i"]), bulk("int"), "setting nothing keeps the encoding");
    assert_eq!(c.cmd(&["SETRANGE", "i", "0", "2"]), int(4));
    assert_eq!(c.cmd(&["GET", "i"]), bulk("2234"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "i"]), bulk("raw"));
    assert_eq!(c.cmd(&["SETRANGE", "nokey", "5", ""]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "nokey"]), int(0), "setting nothing creates nothing");
    assert_eq!(c.cmd(&["SETRANGE", "k", "-1", "x"]), err("ERR offset is out of range"));
    assert_eq!(c.cmd(&["SETRANGE", "k", "abc", "x"]), err("ERR value is not an integer or out of range"));
    assert_eq!(
        c.cmd(&["SETRANGE", "k", "536870912", "x"]),
        err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    );
    c.cmd(&["SET", "t", "v", "EX", "100"]);
    c.cmd(&["SETRANGE", "t", "0", "w"]);
    assert!(ttl(&mut c, "t") > 0, "SETRANGE keeps the TTL");
}

#[test]
fn lcs_resp2_and_resp3() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.cmd(&["MSET", "a", "ohmytext", "b", "mynewtext"]);
    assert_eq!(c.cmd(&["LCS", "a", "b"]), bulk("mytext"));
    assert_eq!(c.cmd(&["LCS", "a", "b", "LEN"]), int(6));
    assert_eq!(c.cmd(&["LCS", "nokey", "b"]), bulk(""));
    let range = |a: i64, b: i64| arr(vec![int(a), int(b)]);
    let matches = vec![arr(vec![range(4, 7), range(5, 8)]), arr(vec![range(2, 3), range(0, 1)])];
    assert_eq!(c.cmd(&["LCS", "a", "b", "IDX"]), arr(vec![bulk("matches"), arr(matches.clone()), bulk("len"), int(6)]));
    assert_eq!(
        c.cmd(&["LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]),
        arr(vec![bulk("matches"), arr(vec![arr(vec![range(4, 7), range(5, 8), int(4)])]), bulk("len"), int(6)])
    );
    assert_eq!(
        c.cmd(&["LCS", "a", "b", "IDX", "MINMATCHLEN", "-5"]),
        arr(vec![bulk("matches"), arr(matches.clone()), bulk("len"), int(6)])
    );
    assert_eq!(
        c.cmd(&["LCS", "a", "b", "LEN", "IDX"]),
        err("ERR If you want both the length and indexes, please just use IDX.")
    );
    assert_eq!(c.cmd(&["LCS", "a", "b", "foo"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["LCS", "a", "b", "MINMATCHLEN"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["LCS", "a", "b", "MINMATCHLEN", "x"]), err("ERR value is not an integer or out of range"));
    c.cmd(&["HELLO", "3"]);
    assert_eq!(
        c.cmd(&["LCS", "a", "b", "IDX"]),
        Reply::Map(vec![(bulk("matches"), arr(matches)), (bulk("len"), int(6))])
    );
}

#[test]
fn lcs_obeys_proto_max_bulk_len() {
    let s = TestServer::start(&["--proto-max-bulk-len", "1mb"]);
    let mut c = s.conn();
    let long = "a".repeat(1000);
    c.cmd(&["MSET", "a", &long, "b", &long]);
    assert_eq!(
        c.cmd(&["LCS", "a", "b", "LEN"]),
        err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
    );
}

/// Runs the same commands against redis-server and us; replies must be equal
/// in RESP2 and RESP3.
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
            assert_eq!(o.cmd(cmd), r.cmd(cmd), "{cmd:?} (resp3: {resp3})");
        }
    }
}

#[test]
#[ignore = "needs redis-server"]
fn string_commands_match_redis() {
    same_as_redis(&[
        &["SET", "foo", "bar", "NX", "GET"],
        &["SET", "foo", "bar", "GET", "XX"],
        &["SET", "foo", "bar", "KEEPTTL", "GET"],
        &["SET", "foo", "bar", "EXAT", "9223372036854775"],
        &["SET", "foo", "bar", "PXAT", "9223372036854775807"],
        &["SET", "foo", "bar", "EX", "9223372036854775"],
        &["SETEX", "foo", "abc", "v"],
        &["GETEX", "foo", "EX", "abc"],
        &["GETEX", "foo", "EXAT", "9223372036854775808"],
        &["MGET", "foo", "nokey"],
        &["MSETNX", "a", "1", "b"],
        &["APPEND", "foo", "xyz"],
        &["INCRBYFLOAT", "f", "0.1"],
        &["INCRBYFLOAT", "f", "0.2"],
        &["INCRBYFLOAT", "f", "-0.30000000000000001"],
        &["INCRBYFLOAT", "f", "1.18973149535723176502e+4932"],
        &["INCRBYFLOAT", "g", "1e400"],
        &["INCRBYFLOAT", "g", "0x1.8p-16440"],
        &["INCRBYFLOAT", "h", "1.8226e-4951"],
        &["INCRBYFLOAT", "h", "1.8225e-4951"],
        &["INCRBYFLOAT", "h", "+.5e+3"],
        &["INCRBYFLOAT", "h", "123456789012345678901234567890.123456789"],
        &["INCRBY", "foo", "1"],
        &["DECRBY", "n", "-9223372036854775808"],
        &["GETRANGE", "foo", "-1", "-5"],
        &["GETRANGE", "foo", "9223372036854775807", "-9223372036854775808"],
        &["SETRANGE", "foo", "9223372036854775807", "x"],
        &["SETRANGE", "foo", "9223372036854775808", "x"],
        &["SET", "l1", "ohmytextandsomethingelse"],
        &["SET", "l2", "mynewtextsomethingandelse"],
        &["LCS", "l1", "l2"],
        &["LCS", "l1", "l2", "IDX", "WITHMATCHLEN"],
        &["LCS", "l1", "l2", "IDX", "MINMATCHLEN", "3"],
        &["LCS", "l1", "nokey", "IDX"],
        &["LCS", "nokey", "nokey2", "IDX", "WITHMATCHLEN"],
        &["LCS", "l1", "l2", "LEN", "LEN"],
    ]);
}

#[test]
#[ignore = "needs redis-server"]
fn incrbyfloat_sequences_match_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let (mut r, mut o) = (real.conn(), ours.conn());
    // A deterministic pseudo-random walk over increments of many shapes.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for seq in 0..200 {
        let key = format!("f{seq}");
        for _ in 0..6 {
            let n = next();
            let inc = match n % 7 {
                0 => format!("{}.{}", n % 1000, (n >> 10) % 1000),
                1 => format!("-{}.{:03}", (n >> 3) % 100, (n >> 12) % 1000),
                2 => format!("0.{}", n >> 8),
                3 => format!("{}e{}", n % 999 + 1, (n >> 20) % 61) + if n & 1 == 0 { "" } else { "0" },
                4 => format!("{}e-{}", n % 999 + 1, (n >> 20) % 40),
                5 => format!("0x{:x}.{:x}p{}", n % 4096, (n >> 12) % 4096, (n >> 30) % 41),
                _ => format!("{}", (n as i64) >> 20),
            };
            assert_eq!(o.cmd(&["INCRBYFLOAT", &key, &inc]), r.cmd(&["INCRBYFLOAT", &key, &inc]), "{key} += {inc}");
        }
    }
}
