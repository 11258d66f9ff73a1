//! Server commands (DBSIZE, FLUSH*, SWAPDB, TIME, LASTSAVE, SHUTDOWN,
//! FUNCTION), DEBUG, RESET and the HELLO/AUTH edge cases.

use std::time::Duration;

use crate::common::*;

fn text(r: &Reply) -> String {
    match r {
        Reply::Bulk(b) | Reply::Verbatim(_, b) => String::from_utf8_lossy(b).into_owned(),
        Reply::Simple(s) => s.clone(),
        other => panic!("expected text, got {other:?}"),
    }
}

fn fill(c: &mut Conn, db: &str, keys: &[&str]) {
    assert_eq!(c.cmd(&["SELECT", db]), ok());
    for k in keys {
        assert_eq!(c.cmd(&["SET", k, "v"]), ok());
    }
}

#[test]
fn flush_and_dbsize() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    fill(&mut c, "1", &["a", "b"]);
    fill(&mut c, "0", &["x", "y", "z"]);
    assert_eq!(c.cmd(&["DBSIZE"]), int(3));
    assert_eq!(c.cmd(&["FLUSHDB", "foo"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["FLUSHDB", "SYNC", "x"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["FLUSHDB", "ASYNC"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    assert_eq!(c.cmd(&["SELECT", "1"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(2), "FLUSHDB touches only the selected database");
    fill(&mut c, "2", &["q"]);
    assert_eq!(c.cmd(&["FLUSHALL", "async"]), ok());
    for db in ["0", "1", "2"] {
        assert_eq!(c.cmd(&["SELECT", db]), ok());
        assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    }
    fill(&mut c, "0", &["a"]);
    assert_eq!(c.cmd(&["FLUSHALL"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    assert_eq!(c.cmd(&["FLUSHALL", "x"]), err("ERR syntax error"));
}

#[test]
fn swapdb_time_lastsave() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    fill(&mut c, "0", &["a"]);
    fill(&mut c, "1", &["b", "c"]);
    assert_eq!(c.cmd(&["SWAPDB", "0", "1"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(1), "db 1 now holds what db 0 held");
    assert_eq!(c.cmd(&["GET", "a"]), bulk("v"));
    assert_eq!(c.cmd(&["SWAPDB", "1", "1"]), ok());
    assert_eq!(c.cmd(&["SWAPDB", "a", "1"]), err("ERR invalid first DB index"));
    assert_eq!(c.cmd(&["SWAPDB", "0", "b"]), err("ERR invalid second DB index"));
    assert_eq!(c.cmd(&["SWAPDB", "0", "16"]), err("ERR DB index is out of range"));
    assert_eq!(c.cmd(&["SWAPDB", "-1", "0"]), err("ERR DB index is out of range"));
    let Reply::Array(t) = c.cmd(&["TIME"]) else { panic!("TIME is an array") };
    assert_eq!(t.len(), 2);
    let secs: u64 = text(&t[0]).parse().unwrap();
    let micros: u64 = text(&t[1]).parse().unwrap();
    assert!(micros < 1_000_000);
    let Reply::Int(last) = c.cmd(&["LASTSAVE"]) else { panic!("LASTSAVE is an integer") };
    assert!(last as u64 <= secs && last > 1_600_000_000);
    assert_eq!(c.cmd(&["TIME", "x"]), err("ERR wrong number of arguments for 'time' command"));
}

#[test]
fn function_container() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH"]), ok());
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH", "ASYNC"]), ok());
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH", "sync"]), ok());
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH", "x"]), err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"));
    assert_eq!(c.cmd(&["FUNCTION", "LIST"]), arr(vec![]));
    assert_eq!(c.cmd(&["FUNCTION", "DELETE", "lib"]), err("ERR Library not found"));
    assert_eq!(c.cmd(&["FUNCTION", "KILL"]), err("NOTBUSY No scripts in execution right now."));
    assert_eq!(c.cmd(&["FUNCTION", "NOPE"]), err("ERR unknown subcommand 'NOPE'. Try FUNCTION HELP."));
    let dump = c.cmd(&["FUNCTION", "DUMP"]);
    let Reply::Bulk(payload) = &dump else { panic!("bulk") };
    assert_eq!(c.cmd_bytes(&[b"FUNCTION", b"RESTORE", payload]), ok());
}

#[test]
fn shutdown_arguments() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SHUTDOWN", "foo"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["SHUTDOWN", "SAVE", "NOSAVE"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["SHUTDOWN", "ABORT", "NOW"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["SHUTDOWN", "ABORT"]), err("ERR No shutdown in progress."));
    c.send(&["SHUTDOWN", "NOSAVE", "NOW"]);
    assert!(c.is_closed(Duration::from_secs(10)), "SHUTDOWN closes without a reply");
    let mut s = s;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while s.child.try_wait().expect("wait").is_none() {
        assert!(std::time::Instant::now() < deadline, "the server exits");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn debug_subcommands() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let Reply::Array(help) = c.cmd(&["debug", "help"]) else { panic!("help") };
    assert_eq!(help[0], simple("DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
    assert_eq!(
        c.cmd(&["DEBUG", "nosuch"]),
        err("ERR unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP.")
    );
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0.01"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "OBJECT", "nokey"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["SET", "k", "hello"]), ok());
    let line = text(&c.cmd(&["DEBUG", "OBJECT", "k"]));
    assert!(line.starts_with("Value at:0x"), "{line}");
    assert!(line.contains(" refcount:1 encoding:embstr serializedlength:6 lru:"), "{line}");
    assert!(line.contains(" lru_seconds_idle:"), "{line}");
    assert_eq!(c.cmd(&["SET", "n", "123"]), ok());
    let line = text(&c.cmd(&["DEBUG", "OBJECT", "n"]));
    assert!(line.contains(" refcount:2147483647 encoding:int serializedlength:2 "), "{line}");
    assert_eq!(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), ok());
    assert_eq!(c.cmd(&["SET", "e", "v", "PX", "1"]), ok());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(c.cmd(&["DBSIZE"]), int(3), "active expiry is off: the key waits for an access");
    assert_eq!(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "RELOAD"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), Reply::bulk("hello"), "saved, flushed and loaded back");
    assert_eq!(
        c.cmd(&["DEBUG", "RELOAD", "x"]),
        err("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
    );
    assert_eq!(c.cmd(&["DEBUG", "CHANGE-REPL-ID"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1K"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "STRINGMATCH-TEST"]), simple("Apparently Redis did not crash: test passed"));
    assert_eq!(c.cmd(&["DEBUG", "ERROR", "CODE text"]), err("CODE text"));
    assert_eq!(c.cmd(&["DEBUG", "PROTOCOL", "bignum"]), bulk("1234567999999999999999999999999999999"));
    assert_eq!(c.cmd(&["FLUSHALL"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "5", "p", "10"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(5));
    assert_eq!(c.cmd(&["GET", "p:3"]), bulk("value:3\0\0\0"));
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "-1"]), err("ERR value is out of range, must be positive"));
}

#[test]
fn debug_digest() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let zeros = "0000000000000000000000000000000000000000";
    assert_eq!(c.cmd(&["DEBUG", "DIGEST"]), simple(zeros));
    assert_eq!(c.cmd(&["SET", "a", "1"]), ok());
    assert_eq!(c.cmd(&["SET", "b", "2"]), ok());
    let d1 = c.cmd(&["DEBUG", "DIGEST"]);
    assert_ne!(d1, simple(zeros));
    assert_eq!(c.cmd(&["DEBUG", "DIGEST"]), d1, "stable");
    assert_eq!(c.cmd(&["SET", "b", "3"]), ok());
    assert_ne!(c.cmd(&["DEBUG", "DIGEST"]), d1, "content changes the digest");
    assert_eq!(c.cmd(&["SET", "b", "2"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "DIGEST"]), d1, "equal data, equal digest");
    let Reply::Array(v) = c.cmd(&["DEBUG", "DIGEST-VALUE", "a", "nokey"]) else { panic!("array") };
    assert_eq!(v[1], simple(zeros));
    assert_ne!(v[0], simple(zeros));
    assert_eq!(c.cmd(&["DEBUG", "DIGEST-VALUE"]), arr(vec![]));
}

#[test]
fn reset_restores_a_fresh_connection() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert!(matches!(c.cmd(&["HELLO", "3"]), Reply::Map(_)));
    assert_eq!(c.cmd(&["SELECT", "4"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "x"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "on"]), ok());
    assert_eq!(c.cmd(&["RESET"]), simple("RESET"));
    assert_eq!(c.cmd(&["GET", "missing"]), Reply::Null);
    c.send(&["GET", "missing"]);
    assert_eq!(c.read_raw(5), b"$-1\r\n", "back to RESP2");
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), nil());
    let info = text(&c.cmd(&["CLIENT", "INFO"]));
    assert!(info.contains(" flags=N db=0 "), "{info}");
    c.send(&["CLIENT", "REPLY", "OFF"]);
    assert_eq!(c.cmd(&["RESET"]), simple("RESET"), "replies are back on");
    assert_eq!(c.cmd(&["RESET", "x"]), err("ERR wrong number of arguments for 'reset' command"));
}

#[test]
fn reset_logs_out_with_requirepass() {
    let s = TestServer::start(&["--requirepass", "pw"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["AUTH", "pw"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    assert_eq!(c.cmd(&["RESET"]), simple("RESET"));
    assert_eq!(c.cmd(&["DBSIZE"]), err("NOAUTH Authentication required."));
}

#[test]
fn hello_and_auth_edges() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(
        c.cmd(&["AUTH", "x"]),
        err(
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
        )
    );
    assert_eq!(c.cmd(&["AUTH", "default", "anything"]), ok(), "the default user has no password");
    assert_eq!(c.cmd(&["AUTH", "bob", "x"]), err("WRONGPASS invalid username-password pair or user is disabled."));
    assert_eq!(c.cmd(&["AUTH", "a", "b", "c"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["HELLO", "3", "foo"]), err("ERR Syntax error in HELLO option 'foo'"));
    assert_eq!(c.cmd(&["HELLO", "3", "AUTH", "a"]), err("ERR Syntax error in HELLO option 'AUTH'"));
    assert_eq!(
        c.cmd(&["HELLO", "2", "SETNAME", "a b"]),
        err("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    let Reply::Array(h) = c.cmd(&["HELLO", "2", "SETNAME", "nm"]) else { panic!("RESP2 map as array") };
    assert_eq!(h[..6], [bulk("server"), bulk("redis"), bulk("version"), bulk("7.0.15"), bulk("proto"), int(2)]);
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk("nm"));

    let s = TestServer::start(&["--requirepass", "pw"]);
    let mut c = s.conn();
    assert_eq!(
        c.cmd(&["HELLO", "3"]),
        err(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
        )
    );
    assert_eq!(
        c.cmd(&["HELLO", "3", "AUTH", "default", "no"]),
        err("WRONGPASS invalid username-password pair or user is disabled.")
    );
    assert!(matches!(c.cmd(&["HELLO", "3", "AUTH", "default", "pw", "SETNAME", "me"]), Reply::Map(_)));
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk("me"));
}

/// Runs each command on both servers and compares the replies (for
/// deterministic replies only).
#[test]
#[ignore = "needs redis-server"]
fn edge_cases_match_real_redis() {
    let real = RealRedis::start(&["--enable-debug-command", "yes"]);
    let ours = TestServer::start(&[]);
    let (mut r, mut o) = (real.conn(), ours.conn());
    let cases: &[&[&str]] = &[
        &["CLIENT", "KILL", "ID", "10", "wrong_arg"],
        &["CLIENT", "KILL", "ID", "-1"],
        &["CLIENT", "KILL", "TYPE", "foo"],
        &["CLIENT", "KILL", "USER", "nobody"],
        &["CLIENT", "KILL", "SKIPME", "maybe"],
        &["CLIENT", "KILL", "1.2.3.4:5"],
        &["CLIENT", "KILL", "ID", "12345"],
        &["CLIENT", "LIST", "TYPE", "foo"],
        &["CLIENT", "LIST", "ID", "abc"],
        &["CLIENT", "LIST", "foo", "bar"],
        &["CLIENT", "LIST", "TYPE", "master"],
        &["CLIENT", "SETNAME", "a b"],
        &["CLIENT", "GETNAME"],
        &["CLIENT", "REPLY", "foo"],
        &["CLIENT", "NO-EVICT", "foo"],
        &["CLIENT", "PAUSE", "abc"],
        &["CLIENT", "PAUSE", "-1"],
        &["CLIENT", "PAUSE", "10", "foo"],
        &["CLIENT", "PAUSE", "10", "write", "x"],
        &["CLIENT", "UNPAUSE"],
        &["CLIENT", "UNBLOCK", "abc"],
        &["CLIENT", "UNBLOCK", "1", "foo"],
        &["CLIENT", "GETREDIR"],
        &["CLIENT", "TRACKINGINFO"],
        &["CLIENT", "HELP"],
        &["CLIENT", "nosuch"],
        &["COMMAND", "HELP"],
        &["COMMAND", "COUNT", "x"],
        &["COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "get"],
        &["COMMAND", "GETKEYSANDFLAGS", "del", "a", "b"],
        &["COMMAND", "GETKEYS", "get", "a", "b"],
        &["COMMAND", "GETKEYS", "client", "list", "x"],
        &["COMMAND", "LIST", "FILTERBY", "pattern"],
        &["COMMAND", "LIST", "FILTERBY", "module", "x"],
        &["INFO", "nosuch"],
        &["DEBUG", "nosuch"],
        &["DEBUG", "OBJECT", "nokey"],
        &["SET", "k", "v"],
        &["SET", "n", "12"],
        &["DEBUG", "DIGEST"],
        &["DEBUG", "DIGEST-VALUE", "k", "n", "nokey"],
        &["DEBUG", "PROTOCOL", "double"],
        &["DEBUG", "PROTOCOL", "map"],
        &["DEBUG", "PROTOCOL", "foo"],
        &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "abc"],
        &["DEBUG", "LISTPACK", "k"],
        &["DEBUG", "POPULATE", "abc"],
        &["DEBUG", "POPULATE", "3", "pre", "2"],
        &["GET", "pre:1"],
        &["DEBUG", "DIGEST"],
        &["FLUSHDB", "foo"],
        &["FLUSHALL", "async"],
        &["SWAPDB", "a", "1"],
        &["SWAPDB", "0", "b"],
        &["SWAPDB", "0", "100"],
        &["SWAPDB", "99999999999", "0"],
        &["SHUTDOWN", "foo"],
        &["SHUTDOWN", "abort"],
        &["SHUTDOWN", "save", "nosave"],
        &["FUNCTION", "FLUSH", "x"],
        &["FUNCTION", "LIST", "LIBRARYNAME"],
        &["FUNCTION", "LIST", "foo"],
        &["FUNCTION", "STATS"],
        &["FUNCTION", "DUMP"],
        &["FUNCTION", "DELETE", "x"],
        &["FUNCTION", "KILL"],
        &["FUNCTION", "RESTORE", "abc"],
        &["FUNCTION", "HELP"],
        &["HELLO", "4"],
        &["HELLO", "x"],
        &["HELLO", "3", "foo"],
        &["HELLO", "2", "AUTH", "nouser", "x"],
        &["AUTH", "x"],
        &["AUTH", "a", "b", "c"],
        &["SELECT", "100"],
        &["RESET", "x"],
        &["RESET"],
        &["ECHO", "a", "b"],
    ];
    for cmd in cases {
        assert_eq!(o.cmd(cmd), r.cmd(cmd), "{cmd:?}");
    }
}
