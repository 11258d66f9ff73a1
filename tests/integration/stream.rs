//! Streams: exact replies and errors of every stream command (texts as
//! redis-server 7.0.15 answers them), consumer groups, blocking reads
//! (woken by XADD from another connection, timeouts, XGROUP DESTROY and key
//! deletion), persistence (SAVE and restart, DEBUG RELOAD, DUMP/RESTORE
//! both ways with a real redis-server), and a seeded random stream of
//! stream commands compared with redis-server in RESP2 and RESP3.

use std::time::{Duration, Instant};

use crate::common::*;

fn entry(id: &str, fields: &[&str]) -> Reply {
    arr(vec![bulk(id), bulks(fields)])
}

fn client_id(c: &mut Conn) -> String {
    match c.cmd(&["CLIENT", "ID"]) {
        Reply::Int(i) => i.to_string(),
        r => panic!("CLIENT ID answered {r:?}"),
    }
}

/// Waits until client `id` shows `cmd` as its command (it has blocked).
fn wait_blocked(ctl: &mut Conn, id: &str, cmd: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let needle = format!(" cmd={cmd} ");
    loop {
        let line = match ctl.cmd(&["CLIENT", "LIST", "ID", id]) {
            Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
            r => panic!("CLIENT LIST answered {r:?}"),
        };
        if line.contains(&needle) && line.contains("flags=b") {
            return;
        }
        assert!(Instant::now() < deadline, "client {id} never blocked in {cmd}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn xadd_ids_and_errors() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["XADD", "s", "1-1", "a", "1", "b", "2"]), bulk("1-1"));
    assert_eq!(
        c.cmd(&["XADD", "s", "1-1", "a", "1"]),
        err("ERR The ID specified in XADD is equal or smaller than the target stream top item")
    );
    assert_eq!(c.cmd(&["XADD", "s", "0-0", "a", "1"]), err("ERR The ID specified in XADD must be greater than 0-0"));
    assert_eq!(c.cmd(&["XADD", "s", "1-*", "a", "1"]), bulk("1-2"));
    assert_eq!(c.cmd(&["XADD", "s", "5", "a", "1"]), bulk("5-0"));
    assert_eq!(c.cmd(&["XADD", "s", "5-*", "a", "1"]), bulk("5-1"));
    assert_eq!(
        c.cmd(&["XADD", "s", "abc", "a", "1"]),
        err("ERR Invalid stream ID specified as stream command argument")
    );
    assert_eq!(c.cmd(&["XADD", "s", "*", "a"]), err("ERR wrong number of arguments for 'xadd' command"));
    assert_eq!(c.cmd(&["XADD", "s", "NOMKSTREAM", "7", "a"]), err("ERR wrong number of arguments for 'xadd' command"));
    assert_eq!(c.cmd(&["XADD", "t", "NOMKSTREAM", "7", "a", "b"]), Reply::Null);
    assert_eq!(c.cmd(&["EXISTS", "t"]), int(0));
    assert_eq!(c.cmd(&["XADD", "s", "MAXLEN", "-1", "9", "a", "b"]), err("ERR The MAXLEN argument must be >= 0."));
    assert_eq!(
        c.cmd(&["XADD", "s", "MAXLEN", "1", "LIMIT", "10", "9", "a", "b"]),
        err("ERR syntax error, LIMIT cannot be used without the special ~ option")
    );
    assert_eq!(
        c.cmd(&["XADD", "s", "MINID", "5", "MAXLEN", "1", "9", "a", "b"]),
        err("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
    );
    assert_eq!(
        c.cmd(&["XADD", "s", "LIMIT", "5", "9", "a", "b"]),
        err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
    );
    assert_eq!(c.cmd(&["XADD", "s", "MAXLEN", "2", "9", "a", "b"]), bulk("9-0"));
    assert_eq!(c.cmd(&["XLEN", "s"]), int(2));
    // The last possible id, then exhaustion.
    assert_eq!(
        c.cmd(&["XADD", "m", "18446744073709551615-18446744073709551614", "a", "b"]),
        bulk("18446744073709551615-18446744073709551614")
    );
    assert_eq!(
        c.cmd(&["XADD", "m", "18446744073709551615-*", "a", "b"]),
        bulk("18446744073709551615-18446744073709551615")
    );
    assert_eq!(
        c.cmd(&["XADD", "m", "*", "a", "b"]),
        err("ERR The stream has exhausted the last possible ID, unable to add more items")
    );
    assert_eq!(
        c.cmd(&["XADD", "m", "18446744073709551616-0", "a", "b"]),
        err("ERR Invalid stream ID specified as stream command argument")
    );
    c.cmd(&["SET", "str", "x"]);
    let wrongtype = err("WRONGTYPE Operation against a key holding the wrong kind of value");
    for args in [
        &["XADD", "str", "*", "a", "b"][..],
        &["XLEN", "str"],
        &["XRANGE", "str", "-", "+"],
        &["XTRIM", "str", "MAXLEN", "0"],
        &["XREAD", "STREAMS", "str", "0"],
        &["XINFO", "STREAM", "str"],
        &["XGROUP", "CREATE", "str", "g", "$"],
    ] {
        assert_eq!(c.cmd(args), wrongtype, "{args:?}");
    }
    assert_eq!(c.cmd(&["TYPE", "s"]), simple("stream"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "s"]), bulk("stream"));
    let Reply::Array(scan) = c.cmd(&["SCAN", "0", "TYPE", "stream"]) else { panic!("SCAN failed") };
    let Reply::Array(mut keys) = scan[1].clone() else { panic!("SCAN keys") };
    keys.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(keys, vec![bulk("m"), bulk("s")]);
}

#[test]
fn ranges_trims_and_deletes() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for i in 1..=5 {
        c.cmd(&["XADD", "s", &format!("{i}-0"), "f", &i.to_string()]);
    }
    assert_eq!(c.cmd(&["XRANGE", "s", "(1-0", "3"]), arr(vec![entry("2-0", &["f", "2"]), entry("3-0", &["f", "3"])]));
    assert_eq!(c.cmd(&["XREVRANGE", "s", "+", "-", "COUNT", "1"]), arr(vec![entry("5-0", &["f", "5"])]));
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "+", "COUNT", "0"]), Reply::NullArray);
    assert_eq!(c.cmd(&["XRANGE", "nokey", "-", "+"]), arr(vec![]));
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "(0-0"]), err("ERR invalid end ID for the interval"));
    assert_eq!(
        c.cmd(&["XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"]),
        err("ERR invalid start ID for the interval")
    );
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "+", "COUNT"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["XDEL", "s", "2-0", "9-0"]), int(1));
    assert_eq!(c.cmd(&["XDEL", "s", "x"]), err("ERR Invalid stream ID specified as stream command argument"));
    assert_eq!(c.cmd(&["XTRIM", "s"]), err("ERR wrong number of arguments for 'xtrim' command"));
    assert_eq!(c.cmd(&["XTRIM", "s", "FOO", "1"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["XTRIM", "s", "MAXLEN", "~", "1"]), int(0), "one node: nothing to trim approximately");
    assert_eq!(c.cmd(&["XTRIM", "s", "MINID", "4"]), int(2));
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "+"]), arr(vec![entry("4-0", &["f", "4"]), entry("5-0", &["f", "5"])]));
    assert_eq!(
        c.cmd(&["XSETID", "s", "1-0"]),
        err("ERR The ID specified in XSETID is smaller than the target stream top item")
    );
    assert_eq!(
        c.cmd(&["XSETID", "s", "10-0", "ENTRIESADDED", "1"]),
        err("ERR The entries_added specified in XSETID is smaller than the target stream length")
    );
    assert_eq!(
        c.cmd(&["XSETID", "s", "10-0", "MAXDELETEDID", "11-0"]),
        err("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
    );
    assert_eq!(c.cmd(&["XSETID", "nokey", "1-0"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["XSETID", "s", "10-0", "ENTRIESADDED", "9", "MAXDELETEDID", "3-0"]), ok());
    let info = c.cmd(&["XINFO", "STREAM", "s"]);
    assert_eq!(
        info,
        arr(vec![
            bulk("length"),
            int(2),
            bulk("radix-tree-keys"),
            int(1),
            bulk("radix-tree-nodes"),
            int(2),
            bulk("last-generated-id"),
            bulk("10-0"),
            bulk("max-deleted-entry-id"),
            bulk("3-0"),
            bulk("entries-added"),
            int(9),
            bulk("recorded-first-entry-id"),
            bulk("4-0"),
            bulk("groups"),
            int(0),
            bulk("first-entry"),
            entry("4-0", &["f", "4"]),
            bulk("last-entry"),
            entry("5-0", &["f", "5"]),
        ])
    );
}

#[test]
fn approximate_trimming_removes_whole_nodes() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for i in 1..=250 {
        c.cmd(&["XADD", "s", &format!("{i}-0"), "f", "v"]);
    }
    assert_eq!(c.cmd(&["XTRIM", "s", "MAXLEN", "~", "200"]), int(0));
    assert_eq!(c.cmd(&["XTRIM", "s", "MAXLEN", "~", "120"]), int(100));
    assert_eq!(c.cmd(&["XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "50"]), int(0), "a node is more than the limit");
    assert_eq!(c.cmd(&["XTRIM", "s", "MAXLEN", "=", "120"]), int(30));
    assert_eq!(c.cmd(&["XLEN", "s"]), int(120));
}

#[test]
fn consumer_groups() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(
        c.cmd(&["XGROUP", "CREATE", "s", "g", "$"]),
        err(
            "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
        )
    );
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]), ok());
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "$"]), err("BUSYGROUP Consumer Group name already exists"));
    assert_eq!(
        c.cmd(&["XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-5"]),
        err("ERR value for ENTRIESREAD must be positive or -1")
    );
    assert_eq!(
        c.cmd(&["XGROUP", "CREATE", "s", "g2", "0", "foo"]),
        err("ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.")
    );
    assert_eq!(c.cmd(&["XGROUP", "FOO", "s"]), err("ERR unknown subcommand 'FOO'. Try XGROUP HELP."));
    for i in 1..=3 {
        c.cmd(&["XADD", "s", &format!("{i}-0"), "f", &i.to_string()]);
    }
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"]),
        arr(vec![arr(vec![bulk("s"), arr(vec![entry("1-0", &["f", "1"]), entry("2-0", &["f", "2"])])])])
    );
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"]),
        arr(vec![arr(vec![bulk("s"), arr(vec![entry("3-0", &["f", "3"])])])])
    );
    assert_eq!(c.cmd(&["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"]), Reply::NullArray);
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "nog", "bob", "STREAMS", "s", ">"]),
        err("NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option")
    );
    assert!(
        matches!(c.cmd(&["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "$"]), Reply::Error(e) if e.starts_with("ERR The $ ID is meaningless"))
    );
    assert_eq!(
        c.cmd(&["XREAD", "STREAMS", "s", ">"]),
        err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
    );
    assert_eq!(
        c.cmd(&["XREADGROUP", "COUNT", "1", "NOACK", "STREAMS", "s", ">"]),
        err("ERR Missing GROUP option for XREADGROUP")
    );
    assert_eq!(
        c.cmd(&["XPENDING", "s", "g"]),
        arr(vec![
            int(3),
            bulk("1-0"),
            bulk("3-0"),
            arr(vec![arr(vec![bulk("alice"), bulk("2")]), arr(vec![bulk("bob"), bulk("1")])])
        ])
    );
    assert_eq!(c.cmd(&["XPENDING", "s", "nog"]), err("NOGROUP No such key 's' or consumer group 'nog'"));
    assert_eq!(c.cmd(&["XACK", "s", "g", "1-0", "9-0"]), int(1));
    assert_eq!(c.cmd(&["XACK", "s", "nog", "1-0"]), int(0));
    // History: alice's own pending entries.
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"]),
        arr(vec![arr(vec![bulk("s"), arr(vec![entry("2-0", &["f", "2"])])])])
    );
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "carol", "0", "2-0", "JUSTID"]), bulks(&["2-0"]));
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "carol", "0", "2-0", "FOO"]), err("ERR Unrecognized XCLAIM option 'FOO'"));
    assert_eq!(
        c.cmd(&["XCLAIM", "s", "nog", "carol", "0", "2-0"]),
        err("NOGROUP No such key 's' or consumer group 'nog'")
    );
    assert_eq!(c.cmd(&["XDEL", "s", "3-0"]), int(1));
    assert_eq!(
        c.cmd(&["XAUTOCLAIM", "s", "g", "dave", "0", "0"]),
        arr(vec![bulk("0-0"), arr(vec![entry("2-0", &["f", "2"])]), bulks(&["3-0"])])
    );
    assert_eq!(c.cmd(&["XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "0"]), err("ERR COUNT must be > 0"));
    assert_eq!(
        c.cmd(&["XINFO", "GROUPS", "s"]),
        arr(vec![arr(vec![
            bulk("name"),
            bulk("g"),
            bulk("consumers"),
            int(4),
            bulk("pending"),
            int(1),
            bulk("last-delivered-id"),
            bulk("3-0"),
            bulk("entries-read"),
            int(3),
            bulk("lag"),
            int(0),
        ])])
    );
    assert_eq!(c.cmd(&["XGROUP", "CREATECONSUMER", "s", "g", "erin"]), int(1));
    assert_eq!(c.cmd(&["XGROUP", "CREATECONSUMER", "s", "g", "erin"]), int(0));
    assert_eq!(c.cmd(&["XGROUP", "DELCONSUMER", "s", "g", "dave"]), int(1));
    assert_eq!(
        c.cmd(&["XGROUP", "SETID", "s", "nog", "0"]),
        err("NOGROUP No such consumer group 'nog' for key name 's'")
    );
    assert_eq!(c.cmd(&["XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"]), ok());
    assert_eq!(
        c.cmd(&["XINFO", "CONSUMERS", "s", "nog"]),
        err("NOGROUP No such consumer group 'nog' for key name 's'")
    );
    assert_eq!(c.cmd(&["XINFO", "STREAM", "nokey"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["XGROUP", "DESTROY", "s", "g"]), int(1));
    assert_eq!(c.cmd(&["XGROUP", "DESTROY", "s", "g"]), int(0));
}

#[test]
fn blocking_reads() {
    let s = TestServer::start(&[]);
    let mut ctl = s.conn();
    let mut c = s.conn();
    let id = client_id(&mut c);
    ctl.cmd(&["XADD", "s", "1-0", "f", "v"]);
    // XREAD BLOCK on `$` is woken by an XADD from another connection.
    c.send(&["XREAD", "BLOCK", "0", "STREAMS", "s", "nokey", "$", "$"]);
    wait_blocked(&mut ctl, &id, "xread");
    assert_eq!(ctl.cmd(&["XADD", "s", "2-0", "f", "v2"]), bulk("2-0"));
    assert_eq!(c.read_reply(), arr(vec![arr(vec![bulk("s"), arr(vec![entry("2-0", &["f", "v2"])])])]));
    // A timeout answers a null array.
    assert_eq!(c.cmd(&["XREAD", "BLOCK", "20", "STREAMS", "s", "$"]), Reply::NullArray);
    // XREADGROUP BLOCK, then XGROUP DESTROY and deletion unblock with errors.
    ctl.cmd(&["XGROUP", "CREATE", "s", "g", "$"]);
    c.send(&["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"]);
    wait_blocked(&mut ctl, &id, "xreadgroup");
    ctl.cmd(&["XADD", "s", "3-0", "f", "v3"]);
    assert_eq!(c.read_reply(), arr(vec![arr(vec![bulk("s"), arr(vec![entry("3-0", &["f", "v3"])])])]));
    c.send(&["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"]);
    wait_blocked(&mut ctl, &id, "xreadgroup");
    assert_eq!(ctl.cmd(&["XGROUP", "DESTROY", "s", "g"]), int(1));
    assert_eq!(c.read_reply(), err("NOGROUP the consumer group this client was blocked on no longer exists"));
    ctl.cmd(&["XGROUP", "CREATE", "s", "g", "$"]);
    c.send(&["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"]);
    wait_blocked(&mut ctl, &id, "xreadgroup");
    assert_eq!(ctl.cmd(&["DEL", "s"]), int(1));
    assert_eq!(c.read_reply(), err("UNBLOCKED the stream key no longer exists"));
    // Inside MULTI a blocking read answers at once.
    c.cmd(&["MULTI"]);
    c.cmd(&["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![Reply::NullArray]));
    assert!(matches!(
        c.cmd(&["EVAL", "return redis.call('xread','block','0','streams','s','$')", "0"]),
        Reply::Error(e) if e.starts_with("ERR xread command is not allowed with BLOCK option from scripts")
    ));
    // CLIENT UNBLOCK.
    c.send(&["XREAD", "BLOCK", "0", "STREAMS", "zz", "$"]);
    wait_blocked(&mut ctl, &id, "xread");
    assert_eq!(ctl.cmd(&["CLIENT", "UNBLOCK", &id]), int(1));
    assert_eq!(c.read_reply(), Reply::NullArray);
}

/// Values whose listpack element is 16,383 or 2,097,151 bytes long: the
/// first sizes whose back-length takes one byte more (Redis's
/// `lpEncodeBacklen` boundaries). The RDB reader used to expect one byte
/// less there, and DEBUG RELOAD failed on our own file.
#[test]
fn values_at_listpack_backlen_boundaries_reload() {
    let dir = tempdir::TempDir::new("streams-backlen");
    let d = dir.path().to_str().unwrap().to_string();
    let s = TestServer::start(&["--dir", &d, "--enable-debug-command", "yes"]);
    let mut c = s.conn();
    let (a, b) = ("x".repeat(16_383 - 5), "y".repeat(2_097_151 - 5));
    c.cmd(&["XADD", "s", "1-1", "f", &a]);
    c.cmd(&["XADD", "s", "1-2", "f", &b]);
    let before = c.cmd(&["XRANGE", "s", "-", "+"]);
    assert_eq!(before, Reply::Array(vec![entry("1-1", &["f", &a]), entry("1-2", &["f", &b])]));
    assert_eq!(c.cmd(&["DEBUG", "RELOAD"]), ok());
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "+"]), before);
}

#[test]
fn save_restart_and_reload() {
    let dir = tempdir::TempDir::new("streams");
    let d = dir.path().to_str().unwrap().to_string();
    let s = TestServer::start(&["--dir", &d, "--enable-debug-command", "yes"]);
    let mut c = s.conn();
    for i in 1..=230 {
        let fields: Vec<String> =
            if i % 7 == 0 { vec!["other".into(), "x".repeat(i)] } else { vec!["f".into(), i.to_string()] };
        let mut args = vec!["XADD".to_string(), "s".into(), format!("{i}-{i}")];
        args.extend(fields);
        let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        c.cmd(&a);
    }
    c.cmd(&["XDEL", "s", "5-5", "150-150"]);
    c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]);
    c.cmd(&["XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", ">"]);
    c.cmd(&["XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"]);
    let snapshot = |c: &mut Conn| {
        (
            c.cmd(&["XINFO", "STREAM", "s", "FULL", "COUNT", "0"]),
            c.cmd(&["XINFO", "STREAM", "e", "FULL"]),
            c.cmd(&["XRANGE", "s", "-", "+"]),
        )
    };
    let before = snapshot(&mut c);
    assert_eq!(c.cmd(&["DEBUG", "RELOAD"]), ok());
    assert_eq!(snapshot(&mut c), before);
    assert_eq!(c.cmd(&["SAVE"]), ok());
    drop(c);
    drop(s);
    let s = TestServer::start(&["--dir", &d]);
    let mut c = s.conn();
    assert_eq!(snapshot(&mut c), before);
}

#[test]
#[ignore = "needs redis-server"]
fn dump_restore_with_redis_both_ways() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let mut r = real.conn();
    let mut o = ours.conn();
    let build = |c: &mut Conn| {
        for i in 1..=260 {
            let v = i.to_string();
            let big = "x".repeat(i);
            let args: Vec<&str> = if i % 5 == 0 {
                vec!["XADD", "s", &v, "other", &big]
            } else {
                vec!["XADD", "s", &v, "f", &v, "g", "val"]
            };
            c.cmd(&args);
        }
        c.cmd(&["XDEL", "s", "3", "100"]);
        c.cmd(&["XGROUP", "CREATE", "s", "g1", "0"]);
        c.cmd(&["XGROUP", "CREATE", "s", "g2", "$"]);
        c.cmd(&["XREADGROUP", "GROUP", "g1", "alice", "COUNT", "3", "STREAMS", "s", ">"]);
        c.cmd(&["XREADGROUP", "GROUP", "g1", "bob", "COUNT", "2", "STREAMS", "s", ">"]);
        c.cmd(&["XADD", "e", "1-1", "a", "b"]);
        c.cmd(&["XDEL", "e", "1-1"]);
        c.cmd(&["XGROUP", "CREATE", "e", "g", "$"]);
        c.cmd(&["XSETID", "e", "5-5", "ENTRIESADDED", "7", "MAXDELETEDID", "2-2"]);
    };
    let view = |c: &mut Conn, k: &str| {
        (
            c.cmd(&["XINFO", "STREAM", k, "FULL", "COUNT", "0"]),
            c.cmd(&["XRANGE", k, "-", "+"]),
            c.cmd(&["XINFO", "STREAM", k]),
            c.cmd(&["XINFO", "GROUPS", k]),
        )
    };
    for (from_real, _) in [(true, 0), (false, 1)] {
        let (src, dst) = if from_real { (&mut r, &mut o) } else { (&mut o, &mut r) };
        src.cmd(&["FLUSHALL"]);
        dst.cmd(&["FLUSHALL"]);
        build(src);
        for k in ["s", "e"] {
            let Reply::Bulk(payload) = src.cmd(&["DUMP", k]) else { panic!("DUMP failed") };
            assert_eq!(dst.cmd_bytes(&[b"RESTORE", k.as_bytes(), b"0", &payload]), ok());
            assert_eq!(view(src, k), view(dst, k), "{k} restored (from redis: {from_real})");
        }
    }
}

#[test]
#[ignore = "needs redis-server"]
fn blocking_like_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let scenario = |port: u16, resp3: bool| -> Vec<Reply> {
        let mut log = Vec::new();
        let mut ctl = Conn::connect(port);
        let mut c = Conn::connect(port);
        if resp3 {
            c.cmd(&["HELLO", "3"]);
        }
        let id = client_id(&mut c);
        ctl.cmd(&["FLUSHALL"]);
        ctl.cmd(&["XADD", "s", "1-0", "f", "v"]);
        c.send(&["XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "k1", "s", "0", "$"]);
        wait_blocked(&mut ctl, &id, "xread");
        ctl.cmd(&["XADD", "s", "2-0", "f", "v2"]);
        log.push(c.read_reply());
        log.push(c.cmd(&["XREAD", "BLOCK", "10", "STREAMS", "s", "$"]));
        ctl.cmd(&["XGROUP", "CREATE", "s2", "g", "$", "MKSTREAM"]);
        c.send(&["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s2", ">"]);
        wait_blocked(&mut ctl, &id, "xreadgroup");
        ctl.cmd(&["SET", "s2", "x"]);
        log.push(c.read_reply());
        log
    };
    for resp3 in [false, true] {
        assert_eq!(scenario(real.port, resp3), scenario(ours.port, resp3), "resp3: {resp3}");
    }
}

fn stream_mix(seed: u64, resp3: bool) {
    let mut families = crate::compat::reweighted(&[("keys", 10), ("strings", 10)]);
    families.push(Box::new(crate::compat::streams::Streams));
    crate::compat::run_stream(
        families,
        env_u64("COMPAT_SEED", seed),
        env_u64("COMPAT_COMMANDS", 15_000) as usize,
        resp3,
    );
}

#[test]
#[ignore = "needs redis-server"]
fn compat_stream_resp2() {
    stream_mix(0x57ea_0002, false);
}

#[test]
#[ignore = "needs redis-server"]
fn compat_stream_resp3() {
    stream_mix(0x57ea_0003, true);
}

/// BGSAVE writes the streams as they were when it was accepted, whatever
/// stream commands run during the save.
#[test]
fn bgsave_sees_streams_at_a_point_in_time() {
    const N: usize = 2000;
    let dir = tempdir::TempDir::new("streams-bgsave");
    let d = dir.path().to_str().unwrap().to_string();
    let s = TestServer::start(&["--dir", &d]);
    let mut c = s.conn();
    for i in 0..N {
        let k = format!("s{i}");
        for j in 1..=3 {
            c.send(&["XADD", &k, &format!("{j}-0"), "f", &j.to_string()]);
        }
        c.send(&["XGROUP", "CREATE", &k, "g", "0"]);
    }
    for _ in 0..N * 4 {
        assert!(!matches!(c.read_reply(), Reply::Error(_)));
    }
    // The writer waits 300µs per key: the save lasts 0.6 s at least.
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "300"]), ok());
    assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
    for i in 0..N {
        let k = format!("s{i}");
        c.send(&["XADD", &k, "9-0", "f", "new"]);
        c.send(&["XDEL", &k, "1-0"]);
        c.send(&["XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", &k, ">"]);
        c.send(&["XTRIM", &k, "MAXLEN", "1"]);
    }
    for _ in 0..N * 4 {
        assert!(!matches!(c.read_reply(), Reply::Error(_)));
    }
    assert_eq!(
        info_field(&mut c, "persistence", "rdb_bgsave_in_progress"),
        "1",
        "the writes happened while the save was running"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while info_field(&mut c, "persistence", "rdb_bgsave_in_progress") != "0" {
        assert!(Instant::now() < deadline, "the BGSAVE never ended");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(info_field(&mut c, "persistence", "rdb_last_bgsave_status"), "ok");
    drop(c);
    drop(s);
    let s = TestServer::start(&["--dir", &d]);
    let mut c = s.conn();
    for i in 0..N {
        let k = format!("s{i}");
        assert_eq!(
            c.cmd(&["XRANGE", &k, "-", "+"]),
            arr(vec![entry("1-0", &["f", "1"]), entry("2-0", &["f", "2"]), entry("3-0", &["f", "3"])]),
            "{k}"
        );
        assert_eq!(c.cmd(&["XPENDING", &k, "g"]), arr(vec![int(0), Reply::Null, Reply::Null, Reply::NullArray]), "{k}");
    }
}

#[test]
fn acl_category_and_keyspace_events() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let Reply::Array(cat) = c.cmd(&["ACL", "CAT", "stream"]) else { panic!("ACL CAT failed") };
    let mut names: Vec<String> = cat
        .into_iter()
        .map(|r| match r {
            Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
            r => panic!("{r:?}"),
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "xack",
            "xadd",
            "xautoclaim",
            "xclaim",
            "xdel",
            "xgroup|create",
            "xgroup|createconsumer",
            "xgroup|delconsumer",
            "xgroup|destroy",
            "xgroup|help",
            "xgroup|setid",
            "xinfo|consumers",
            "xinfo|groups",
            "xinfo|help",
            "xinfo|stream",
            "xlen",
            "xpending",
            "xrange",
            "xread",
            "xreadgroup",
            "xrevrange",
            "xsetid",
            "xtrim"
        ]
    );
    // The events redis-server 7.0.15 sends for this sequence.
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]), ok());
    let mut sub = s.conn();
    sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:*"]);
    for args in [
        &["XADD", "s", "1-0", "a", "1"][..],
        &["XADD", "s", "MAXLEN", "1", "2-0", "a", "1"],
        &["XGROUP", "CREATE", "s", "g", "0"],
        &["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"],
        &["XGROUP", "CREATECONSUMER", "s", "g", "d"],
        &["XCLAIM", "s", "g", "e", "0", "2-0"],
        &["XAUTOCLAIM", "s", "g", "f", "0", "0"],
        &["XGROUP", "SETID", "s", "g", "0"],
        &["XGROUP", "DELCONSUMER", "s", "g", "d"],
        &["XGROUP", "DESTROY", "s", "g"],
        &["XSETID", "s", "9-9"],
        &["XDEL", "s", "2-0"],
        &["XADD", "s", "10-0", "a", "1"],
        &["XTRIM", "s", "MAXLEN", "0"],
        &["DEL", "s"],
    ] {
        assert!(!matches!(c.cmd(args), Reply::Error(_)), "{args:?}");
    }
    let expected = [
        "xadd",
        "xadd",
        "xtrim",
        "xgroup-create",
        "xgroup-createconsumer",
        "xgroup-createconsumer",
        "xgroup-createconsumer",
        "xgroup-createconsumer",
        "xgroup-setid",
        "xgroup-delconsumer",
        "xgroup-destroy",
        "xsetid",
        "xdel",
        "xadd",
        "xtrim",
        "del",
    ];
    for event in expected {
        let Reply::Array(msg) = sub.read_reply() else { panic!("not a message") };
        assert_eq!(msg[2], bulk(&format!("__keyevent@0__:{event}")));
        assert_eq!(msg[3], bulk("s"));
    }
}

/// Node boundaries as redis-server's: random XADDs (values of every listpack
/// size class, fields shared or not), XDEL, exact and approximate XTRIM
/// under several `stream-node-max-entries`/`-bytes` settings; XINFO STREAM
/// (node counts), XREVRANGE and DUMP (the payload, deleted entries
/// included) must be byte for byte the same.
#[test]
#[ignore = "needs redis-server"]
fn nodes_and_dump_like_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let mut r = real.conn();
    let mut o = ours.conn();
    let mut rng = TestRng::new(env_u64("COMPAT_SEED", 0x5eed_0de5));
    let mut sent = 0;
    for (entries, bytes) in [("100", "4096"), ("5", "4096"), ("0", "300"), ("3", "0")] {
        let mut cmds: Vec<Vec<String>> = vec![
            vec!["CONFIG".into(), "SET".into(), "stream-node-max-entries".into(), entries.into()],
            vec!["CONFIG".into(), "SET".into(), "stream-node-max-bytes".into(), bytes.into()],
            vec!["DEL".into(), "s".into()],
        ];
        for i in 1..600u64 {
            let mut add = vec!["XADD".to_string(), "s".into(), format!("{i}-{}", rng.below(4))];
            for _ in 0..*rng.pick(&[1, 1, 2, 3]) {
                add.push(rng.pick(&["f", "g", "h", "12", "-5"]).to_string());
                add.push(if rng.chance(50) {
                    rng.range(-100_000, 100_000).to_string()
                } else {
                    "x".repeat(*rng.pick(&[0, 5, 63, 64, 200, 4095, 5000]))
                });
            }
            cmds.push(add);
            let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
            if rng.chance(5) {
                cmds.push(s(&["XDEL", "s", &format!("{}-{}", 1 + rng.below(i as usize), rng.below(4))]));
            }
            if rng.chance(3) {
                cmds.push(s(&["XTRIM", "s", "MAXLEN", "~", &rng.below(300).to_string()]));
            }
            if rng.chance(3) {
                cmds.push(s(&["XTRIM", "s", "MINID", "~", &rng.below(i as usize).to_string()]));
            }
            if rng.chance(2) {
                cmds.push(s(&["XTRIM", "s", "MINID", &rng.below(i as usize).to_string()]));
            }
            if rng.chance(2) {
                cmds.push(s(&["XTRIM", "s", "MAXLEN", &rng.below(300).to_string()]));
            }
            if rng.chance(2) {
                cmds.push(s(&[
                    "XTRIM",
                    "s",
                    "MAXLEN",
                    "~",
                    &rng.below(300).to_string(),
                    "LIMIT",
                    &rng.below(50).to_string(),
                ]));
            }
            if rng.chance(5) {
                cmds.push(s(&["XINFO", "STREAM", "s"]));
            }
            if rng.chance(2) {
                cmds.push(s(&["XREVRANGE", "s", "+", "-", "COUNT", "7"]));
            }
            if rng.chance(1) {
                cmds.push(s(&["DUMP", "s"]));
            }
        }
        cmds.push(vec!["XINFO".into(), "STREAM".into(), "s".into(), "FULL".into()]);
        cmds.push(vec!["DUMP".into(), "s".into()]);
        for cmd in &cmds {
            let args: Vec<&str> = cmd.iter().map(|s| s.as_str()).collect();
            assert_eq!(r.cmd(&args), o.cmd(&args), "{args:?}");
            sent += 1;
        }
    }
    assert!(sent > 2000);
}
