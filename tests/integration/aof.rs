//! The append-only file (Redis 7.0's multi-part AOF): what survives a
//! restart (and a kill), the files and manifest as Redis names them,
//! BGREWRITEAOF, CONFIG SET appendonly, DEBUG LOADAOF, truncated and bad
//! files, and directories crossing to and from redis-server 7.0.15.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::tempdir::TempDir;
use crate::common::*;

fn start_in(dir: &Path, extra: &[&str]) -> TestServer {
    let mut args = vec!["--dir", dir.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    TestServer::start(&args)
}

/// With `appendfsync always` unless `extra` says otherwise: the tests kill
/// servers (SIGKILL), and under `everysec` a write may be postponed while a
/// background fsync runs, as in Redis.
fn start_aof(dir: &Path, extra: &[&str]) -> TestServer {
    let mut args = vec!["--appendonly", "yes", "--appendfsync", "always"];
    args.extend_from_slice(extra);
    start_in(dir, &args)
}

/// Starts our server expecting it to exit: its exit code and output.
fn start_expecting_exit(dir: &Path, extra: &[&str]) -> (i32, String) {
    let dir = dir.to_str().expect("utf-8 path");
    let mut args = vec!["--appendonly", "yes", "--dir", dir];
    args.extend_from_slice(extra);
    start_expecting_exit_with(&args)
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until no rewrite runs or waits to start (both read from one
/// INFO: a scheduled rewrite may start between two).
fn wait_rewrite_done(c: &mut Conn) {
    wait_for("the AOF rewrite to end", || {
        let Reply::Bulk(b) = c.cmd(&["INFO", "persistence"]) else { panic!("INFO") };
        let text = String::from_utf8_lossy(&b);
        text.contains("aof_rewrite_in_progress:0\r\n") && text.contains("aof_rewrite_scheduled:0\r\n")
    });
}

fn aofdir(dir: &Path) -> PathBuf {
    dir.join("appendonlydir")
}

fn manifest(dir: &Path) -> String {
    std::fs::read_to_string(aofdir(dir).join("appendonly.aof.manifest")).expect("manifest")
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(aofdir(dir))
        .expect("aof dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A key's value read back in a form both servers give alike (DEBUG
/// DIGEST-VALUE of collections differs between redis-server and us).
fn canon(c: &mut Conn, key: &str) -> String {
    let Reply::Simple(t) = c.cmd(&["TYPE", key]) else { panic!("TYPE") };
    let v = match t.as_str() {
        "string" => c.cmd(&["GET", key]),
        "list" => c.cmd(&["LRANGE", key, "0", "-1"]),
        "hash" => c.cmd(&["HGETALL", key]),
        "set" => c.cmd(&["SORT", key, "ALPHA"]),
        "zset" => c.cmd(&["ZRANGE", key, "0", "-1", "WITHSCORES"]),
        "stream" => {
            // Groups without `entries-read` and `lag`: XREADGROUP goes to
            // the AOF as XCLAIM, which does not carry them, so a reload
            // shows them unknown, as redis-server's does.
            let Reply::Array(groups) = c.cmd(&["XINFO", "GROUPS", key]) else { panic!("XINFO GROUPS") };
            let groups = groups
                .into_iter()
                .map(|g| match g {
                    Reply::Array(mut f) => {
                        f.truncate(8);
                        Reply::Array(f)
                    }
                    other => other,
                })
                .collect();
            Reply::Array(vec![c.cmd(&["XRANGE", key, "-", "+"]), Reply::Array(groups), c.cmd(&["XPENDING", key, "g"])])
        }
        other => panic!("type {other}"),
    };
    format!("{t}:{v:?}")
}

/// Every key of databases 0..4 with its value and whether it has a TTL.
fn snapshot(c: &mut Conn) -> Vec<(usize, String, String, bool)> {
    let mut out = Vec::new();
    for db in 0..4 {
        c.cmd(&["SELECT", &db.to_string()]);
        let Reply::Array(keys) = c.cmd(&["KEYS", "*"]) else { panic!("KEYS") };
        for k in keys {
            let Reply::Bulk(k) = k else { panic!("key") };
            let k = String::from_utf8_lossy(&k).into_owned();
            let d = canon(c, &k);
            let Reply::Int(ttl) = c.cmd(&["PTTL", &k]) else { panic!("PTTL") };
            out.push((db, k, d, ttl > 0));
        }
    }
    c.cmd(&["SELECT", "0"]);
    out.sort();
    out
}

/// A dataset of every type, written through the commands Redis rewrites
/// for propagation (relative TTLs, INCRBYFLOAT, SPOP, transactions,
/// scripts, expired keys) in several databases.
fn write_mixed(c: &mut Conn) {
    assert_eq!(c.cmd(&["SET", "plain", "v"]), ok());
    assert_eq!(c.cmd(&["SET", "ttl", "v", "EX", "1000"]), ok());
    assert_eq!(c.cmd(&["SETEX", "setex", "1000", "v"]), ok());
    assert_eq!(c.cmd(&["SET", "exp", "v"]), ok());
    assert_eq!(c.cmd(&["EXPIRE", "exp", "1000"]), int(1));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "float", "1.5"]), bulk("1.5"));
    assert_eq!(c.cmd(&["RPUSH", "list", "a", "b", "c", "d"]), int(4));
    assert_eq!(c.cmd(&["LPOP", "list"]), bulk("a"));
    assert_eq!(c.cmd(&["HSET", "hash", "f1", "v1", "f2", "v2"]), int(2));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "hash", "n", "2.5"]), bulk("2.5"));
    assert_eq!(c.cmd(&["SADD", "set", "a", "b", "c", "d", "e"]), int(5));
    let Reply::Array(_) = c.cmd(&["SPOP", "set", "2"]) else { panic!("SPOP") };
    assert_eq!(c.cmd(&["ZADD", "zset", "1", "a", "2", "b", "3.5", "c"]), int(3));
    let Reply::Bulk(_) = c.cmd(&["XADD", "stream", "*", "f", "v"]) else { panic!("XADD") };
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "stream", "g", "0"]), ok());
    let Reply::Array(_) = c.cmd(&["XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "stream", ">"]) else {
        panic!("XREADGROUP")
    };
    assert_eq!(c.cmd(&["PFADD", "hll", "a", "b", "c"]), int(1));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["INCR", "tx1"]), simple("QUEUED"));
    assert_eq!(c.cmd(&["SET", "tx2", "v", "PX", "500000"]), simple("QUEUED"));
    let Reply::Array(_) = c.cmd(&["EXEC"]) else { panic!("EXEC") };
    assert_eq!(
        c.cmd(&[
            "EVAL",
            "redis.call('set', KEYS[1], 'x'); redis.call('append', KEYS[1], 'y'); return 1",
            "1",
            "script"
        ]),
        int(1)
    );
    assert_eq!(c.cmd(&["SET", "gone", "v", "PX", "1"]), ok());
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(c.cmd(&["GET", "gone"]), nil());
    assert_eq!(c.cmd(&["SET", "deleted", "v"]), ok());
    assert_eq!(c.cmd(&["DEL", "deleted"]), int(1));
    assert_eq!(c.cmd(&["SELECT", "2"]), ok());
    assert_eq!(c.cmd(&["SET", "in2", "v", "EX", "1000"]), ok());
    assert_eq!(c.cmd(&["RPUSH", "list2", "x"]), int(1));
    assert_eq!(c.cmd(&["SELECT", "3"]), ok());
    assert_eq!(c.cmd(&["SET", "in3", "v"]), ok());
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
}

#[test]
fn restart_keeps_every_write_even_after_a_kill() {
    let dir = TempDir::new("aof");
    let before = {
        let s = start_aof(dir.path(), &["--appendfsync", "always"]);
        let mut c = s.conn();
        write_mixed(&mut c);
        snapshot(&mut c)
        // Dropped: killed (SIGKILL), no shutdown: the writes are in the file.
    };
    assert_eq!(before.len(), 17, "{before:?}");
    assert_eq!(
        manifest(dir.path()),
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    assert_eq!(
        files(dir.path()),
        ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]
    );
    let incr = std::fs::read(aofdir(dir.path()).join("appendonly.aof.1.incr.aof")).expect("incr");
    let text = String::from_utf8_lossy(&incr);
    assert!(
        text.starts_with("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$5\r\nplain\r\n$1\r\nv\r\n"),
        "{text}"
    );
    for needle in ["PXAT", "PEXPIREAT", "KEEPTTL", "MULTI", "EXEC", "SREM", "$3\r\nDEL\r\n$4\r\ngone"] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(snapshot(&mut c), before);
    assert_eq!(c.cmd(&["GET", "script"]), bulk("xy"));
    assert_eq!(c.cmd(&["GET", "tx1"]), bulk("1"));
    let Reply::Int(ttl) = c.cmd(&["TTL", "ttl"]) else { panic!("TTL") };
    assert!((990..=1000).contains(&ttl), "{ttl}");
    // The same incr file goes on.
    assert_eq!(c.cmd(&["SET", "more", "1"]), ok());
    drop(s);
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "more"]), bulk("1"));
    assert_eq!(c.cmd(&["DBSIZE"]), int(15));
}

#[test]
fn appendonly_yes_without_an_aof_starts_empty_and_ignores_dump_rdb() {
    let dir = TempDir::new("aof");
    {
        let s = start_in(dir.path(), &[]);
        let mut c = s.conn();
        assert_eq!(c.cmd(&["SET", "fromrdb", "1"]), ok());
        assert_eq!(c.cmd(&["SAVE"]), ok());
    }
    assert!(dir.path().join("dump.rdb").exists());
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    assert_eq!(
        files(dir.path()),
        ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]
    );
    let base = std::fs::read(aofdir(dir.path()).join("appendonly.aof.1.base.rdb")).expect("base");
    assert!(base.starts_with(b"REDIS0010"), "an RDB base");
    assert_eq!(info_field(&mut c, "persistence", "aof_enabled"), "1");
    assert_eq!(info_field(&mut c, "persistence", "aof_base_size"), base.len().to_string());
}

#[test]
fn appenddirname_and_appendfilename_name_the_files() {
    let dir = TempDir::new("aof");
    let s = start_aof(dir.path(), &["--appenddirname", "mydir", "--appendfilename", "my.aof"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    let m = std::fs::read_to_string(dir.path().join("mydir/my.aof.manifest")).expect("manifest");
    assert_eq!(m, "file my.aof.1.base.rdb seq 1 type b\nfile my.aof.1.incr.aof seq 1 type i\n");
    drop(s);
    let s = start_aof(dir.path(), &["--appenddirname", "mydir", "--appendfilename", "my.aof"]);
    assert_eq!(s.conn().cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn bgrewriteaof_makes_a_new_base_and_deletes_history() {
    let dir = TempDir::new("aof");
    let before = {
        let s = start_aof(dir.path(), &[]);
        let mut c = s.conn();
        write_mixed(&mut c);
        assert_eq!(c.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
        wait_rewrite_done(&mut c);
        assert_eq!(info_field(&mut c, "persistence", "aof_last_bgrewrite_status"), "ok");
        assert_eq!(info_field(&mut c, "persistence", "aof_rewrites"), "1");
        assert_eq!(
            manifest(dir.path()),
            "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
        );
        assert_eq!(
            files(dir.path()),
            ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
        );
        // Written after the rewrite: in the new incr file.
        assert_eq!(c.cmd(&["SET", "after", "1"]), ok());
        assert_eq!(c.cmd(&["DEL", "plain"]), int(1));
        snapshot(&mut c)
    };
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(snapshot(&mut c), before);
    assert_eq!(c.cmd(&["GET", "plain"]), nil());
}

#[test]
fn bgrewriteaof_in_progress_scheduled_and_bgsave_replies() {
    let dir = TempDir::new("aof");
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    for i in 0..5 {
        assert_eq!(c.cmd(&["SET", &format!("k{i}"), "v"]), ok());
    }
    // 0.2 s per key: the rewrite lasts about a second.
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "200000"]), ok());
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
    assert_eq!(info_field(&mut c, "persistence", "aof_rewrite_in_progress"), "1");
    assert_eq!(info_field(&mut c, "persistence", "rdb_bgsave_in_progress"), "0");
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), err("ERR Background append only file rewriting already in progress"));
    assert_eq!(
        c.cmd(&["BGSAVE"]),
        err("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to \
             schedule a BGSAVE whenever possible.")
    );
    assert_eq!(c.cmd(&["BGSAVE", "SCHEDULE"]), simple("Background saving scheduled"));
    // Writes during the rewrite go to the new incr file.
    assert_eq!(c.cmd(&["SET", "during", "1"]), ok());
    wait_rewrite_done(&mut c);
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]), ok());
    wait_for("the scheduled BGSAVE", || info_field(&mut c, "persistence", "rdb_saves") == "1");
    wait_for("the BGSAVE to end", || info_field(&mut c, "persistence", "rdb_bgsave_in_progress") == "0");
    // A BGSAVE running: the rewrite is scheduled.
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "200000"]), ok());
    assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting scheduled"));
    assert_eq!(info_field(&mut c, "persistence", "aof_rewrite_scheduled"), "1");
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]), ok());
    wait_rewrite_done(&mut c);
    assert_eq!(info_field(&mut c, "persistence", "aof_rewrites"), "2");
    let m = manifest(dir.path());
    assert!(m.starts_with("file appendonly.aof.3.base.rdb seq 3 type b\n"), "{m}");
    drop(s);
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["DBSIZE"]), int(6));
    assert_eq!(c.cmd(&["GET", "during"]), bulk("1"));
}

#[test]
fn aof_use_rdb_preamble_no_writes_a_commands_base() {
    let dir = TempDir::new("aof");
    let before = {
        let s = start_aof(dir.path(), &["--aof-use-rdb-preamble", "no"]);
        let mut c = s.conn();
        assert_eq!(
            manifest(dir.path()),
            "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
        );
        write_mixed(&mut c);
        for i in 0..100 {
            assert_eq!(c.cmd(&["RPUSH", "biglist", &i.to_string()]), int(i + 1));
        }
        assert_eq!(c.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
        wait_rewrite_done(&mut c);
        assert_eq!(info_field(&mut c, "persistence", "aof_last_bgrewrite_status"), "ok");
        assert_eq!(
            files(dir.path()),
            ["appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
        );
        let base = std::fs::read(aofdir(dir.path()).join("appendonly.aof.2.base.aof")).unwrap();
        let base = String::from_utf8_lossy(&base);
        assert!(base.starts_with("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"), "{base}");
        for needle in ["PEXPIREAT", "XSETID", "XGROUP", "XCLAIM", "HMSET", "ZADD", "SADD", "RPUSH"] {
            assert!(base.contains(needle), "{needle} in {base}");
        }
        assert_eq!(c.cmd(&["SET", "after", "1"]), ok());
        let snap = snapshot(&mut c);
        assert_eq!(c.cmd(&["DEBUG", "LOADAOF"]), ok());
        assert_eq!(snapshot(&mut c), snap);
        snap
    };
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(snapshot(&mut c), before);
}

#[test]
fn config_set_appendonly_yes_writes_a_base_then_restart_loads_it() {
    let dir = TempDir::new("aof");
    {
        let s = start_in(dir.path(), &[]);
        let mut c = s.conn();
        assert_eq!(info_field(&mut c, "persistence", "aof_enabled"), "0");
        assert_eq!(c.cmd(&["SET", "before", "1"]), ok());
        assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), int(1));
        assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "yes"]), ok());
        assert_eq!(info_field(&mut c, "persistence", "aof_enabled"), "1");
        wait_rewrite_done(&mut c);
        assert_eq!(
            manifest(dir.path()),
            "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
        );
        assert_eq!(c.cmd(&["SET", "after", "2"]), ok());
        assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "no"]), ok());
        assert_eq!(info_field(&mut c, "persistence", "aof_enabled"), "0");
        // Not in the AOF any more.
        assert_eq!(c.cmd(&["SET", "off", "3"]), ok());
    }
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "before"]), bulk("1"));
    assert_eq!(c.cmd(&["GET", "after"]), bulk("2"));
    assert_eq!(c.cmd(&["GET", "off"]), nil());
    assert_eq!(c.cmd(&["HGET", "h", "f"]), bulk("v"));
}

#[test]
fn auto_rewrite_on_growth() {
    let dir = TempDir::new("aof");
    let s = start_aof(
        dir.path(),
        &["--auto-aof-rewrite-percentage", "100", "--auto-aof-rewrite-min-size", "0", "--rdbcompression", "no"],
    );
    let mut c = s.conn();
    assert_eq!(info_field(&mut c, "persistence", "aof_rewrites"), "0");
    let big = "x".repeat(1000);
    assert_eq!(c.cmd(&["SET", "big", &big]), ok());
    // The cron sees the incr file more than double the base.
    wait_for("the automatic rewrite", || info_field(&mut c, "persistence", "aof_rewrites") == "1");
    wait_rewrite_done(&mut c);
    assert!(manifest(dir.path()).starts_with("file appendonly.aof.2.base.rdb seq 2 type b\n"));
    let base: u64 = info_field(&mut c, "persistence", "aof_base_size").parse().unwrap();
    assert!(base > 1000, "{base}");
    drop(s);
    let s = start_aof(dir.path(), &[]);
    assert_eq!(s.conn().cmd(&["STRLEN", "big"]), int(1000));
}

#[test]
fn aof_disable_auto_gc_keeps_history_until_turned_off() {
    let dir = TempDir::new("aof");
    let s = start_aof(dir.path(), &["--aof-disable-auto-gc", "yes"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
    wait_rewrite_done(&mut c);
    assert_eq!(
        manifest(dir.path()),
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\n\
         file appendonly.aof.1.base.rdb seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    assert_eq!(files(dir.path()).len(), 5);
    assert_eq!(c.cmd(&["CONFIG", "SET", "aof-disable-auto-gc", "no"]), ok());
    assert_eq!(
        manifest(dir.path()),
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    assert_eq!(
        files(dir.path()),
        ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
    );
}

#[test]
fn config_set_appendonly_yes_during_a_bgsave_or_in_multi_is_scheduled() {
    let dir = TempDir::new("aof");
    let s = start_in(dir.path(), &[]);
    let mut c = s.conn();
    for i in 0..5 {
        assert_eq!(c.cmd(&["SET", &format!("k{i}"), "v"]), ok());
    }
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "200000"]), ok());
    assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "yes"]), ok());
    assert_eq!(info_field(&mut c, "persistence", "aof_enabled"), "1");
    assert_eq!(info_field(&mut c, "persistence", "aof_rewrite_scheduled"), "1");
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]), ok());
    wait_rewrite_done(&mut c);
    assert_eq!(c.cmd(&["SET", "after", "1"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "no"]), ok());
    // Inside MULTI: scheduled too.
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "yes"]), simple("QUEUED"));
    assert_eq!(c.cmd(&["EXEC"]), Reply::Array(vec![ok()]));
    wait_rewrite_done(&mut c);
    assert_eq!(info_field(&mut c, "persistence", "aof_last_bgrewrite_status"), "ok");
    assert_eq!(c.cmd(&["SET", "after2", "1"]), ok());
    drop(s);
    let s = start_aof(dir.path(), &[]);
    assert_eq!(s.conn().cmd(&["DBSIZE"]), int(7));
}

#[test]
fn clients_get_loading_while_the_aof_loads() {
    let dir = TempDir::new("aof");
    {
        let s = start_aof(dir.path(), &[]);
        let mut c = s.conn();
        for i in 0..3000 {
            c.send(&["SET", &format!("k{i}"), "v"]);
        }
        for _ in 0..3000 {
            assert_eq!(c.read_reply(), ok());
        }
    }
    // 1 ms per command: about 3 s of loading, clients served every 1024.
    let port = free_port();
    let mut child = Command::new(server_bin())
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"])
        .args(["--key-load-delay", "1000", "--dir"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut c = loop {
        if let Ok(stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            drop(stream);
            break Conn::connect(port);
        }
        assert!(Instant::now() < deadline, "no listener");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(c.cmd(&["GET", "k1"]), err("LOADING Redis is loading the dataset in memory"));
    assert_eq!(info_field(&mut c, "persistence", "loading"), "1");
    wait_for("the load to end", || info_field(&mut c, "persistence", "loading") == "0");
    assert_eq!(c.cmd(&["DBSIZE"]), int(3000));
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn writes_get_misconf_while_the_aof_cannot_be_written() {
    let dir = TempDir::new("aof");
    let s = start_aof(dir.path(), &["--appendfsync", "everysec"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    // The next incr file is /dev/full: every write fails with ENOSPC.
    std::os::unix::fs::symlink("/dev/full", aofdir(dir.path()).join("appendonly.aof.2.incr.aof")).unwrap();
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
    wait_rewrite_done(&mut c);
    // The write fails after the command ran (as in Redis, its reply is sent).
    assert_eq!(c.cmd(&["SET", "k1", "v"]), ok());
    let misconf = err("MISCONF Errors writing to the AOF file: No space left on device");
    assert_eq!(c.cmd(&["SET", "k2", "v"]), misconf);
    assert_eq!(c.cmd(&["PING"]), misconf);
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(info_field(&mut c, "persistence", "aof_last_write_status"), "err");
    // Turning the AOF off lifts it.
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "no"]), ok());
    assert_eq!(c.cmd(&["SET", "k2", "v"]), ok());
}

#[test]
fn nothing_expires_while_the_aof_loads() {
    // As Redis: a TTL already past is set, not acted on, and later commands
    // see the key; it expires after the load.
    let dir = TempDir::new("aof");
    std::fs::create_dir(aofdir(dir.path())).unwrap();
    std::fs::write(aofdir(dir.path()).join("appendonly.aof.manifest"), "file appendonly.aof.1.incr.aof seq 1 type i\n")
        .unwrap();
    std::fs::write(
        aofdir(dir.path()).join("appendonly.aof.1.incr.aof"),
        "*3\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n$3\r\nfoo\r\n*3\r\n$9\r\nPEXPIREAT\r\n$4\r\nlist\r\n$4\r\n1000\r\n\
         *3\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n$3\r\nbar\r\n",
    )
    .unwrap();
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["LLEN", "list"]), int(0));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    drop(s);
    // A key of the base whose TTL passed after a command of the incr file
    // touched it: gone, not brought back without its TTL.
    let dir = TempDir::new("aof");
    {
        let s = start_aof(dir.path(), &[]);
        let mut c = s.conn();
        assert_eq!(c.cmd(&["SET", "k", "1", "PX", "1000"]), ok());
        assert_eq!(c.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
        wait_rewrite_done(&mut c);
        assert_eq!(c.cmd(&["INCR", "k"]), int(2));
    }
    std::thread::sleep(Duration::from_millis(1100));
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "k"]), nil());
}

#[test]
fn shutdown_refused_while_the_first_rewrite_runs_unless_forced() {
    let dir = TempDir::new("aof");
    let mut s = start_in(dir.path(), &[]);
    let mut c = s.conn();
    for i in 0..3 {
        assert_eq!(c.cmd(&["SET", &format!("k{i}"), "v"]), ok());
    }
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "1000000"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "yes"]), ok());
    assert_eq!(c.cmd(&["SHUTDOWN"]), err("ERR Errors trying to SHUTDOWN. Check logs."));
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    assert!(c.try_read_reply_after(&["SHUTDOWN", "FORCE"]).is_none());
    let status = s.child.wait().expect("exit");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn bgrewriteaof_with_the_aof_off_writes_only_a_base() {
    // Redis's "AOF rewrite doesn't open new aof when AOF turn off" and
    // "AOF can produce consecutive sequence number after reload".
    let dir = TempDir::new("aof");
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "no"]), ok());
    assert_eq!(c.cmd(&["SET", "k2", "v2"]), ok());
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
    wait_rewrite_done(&mut c);
    assert_eq!(manifest(dir.path()), "file appendonly.aof.2.base.rdb seq 2 type b\n");
    assert_eq!(files(dir.path()), ["appendonly.aof.2.base.rdb", "appendonly.aof.manifest"]);
    assert_eq!(c.cmd(&["DEBUG", "LOADAOF"]), ok());
    assert_eq!(c.cmd(&["GET", "k2"]), bulk("v2"));
    // On again: a new base, and (the manifest read back by DEBUG LOADAOF
    // had no incr file) incr numbering from 1.
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "yes"]), ok());
    wait_rewrite_done(&mut c);
    assert_eq!(
        manifest(dir.path()),
        "file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    assert_eq!(c.cmd(&["DEBUG", "LOADAOF"]), ok());
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
    wait_rewrite_done(&mut c);
    assert_eq!(
        manifest(dir.path()),
        "file appendonly.aof.4.base.rdb seq 4 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
}

#[test]
fn debug_loadaof_reloads_the_dataset_from_the_aof() {
    let dir = TempDir::new("aof");
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    write_mixed(&mut c);
    let before = snapshot(&mut c);
    assert_eq!(c.cmd(&["DEBUG", "LOADAOF"]), ok());
    assert_eq!(snapshot(&mut c), before);
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
    wait_rewrite_done(&mut c);
    assert_eq!(c.cmd(&["SET", "after", "1"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "LOADAOF"]), ok());
    assert_eq!(c.cmd(&["GET", "after"]), bulk("1"));
    assert_eq!(c.cmd(&["DBSIZE"]), int(15));
    // DEBUG LOADAOF resets the dirty counter: it is not written to the AOF
    // (else the next load would run it again, and again).
    let incr = std::fs::read(aofdir(dir.path()).join("appendonly.aof.2.incr.aof")).unwrap();
    assert!(!String::from_utf8_lossy(&incr).to_ascii_uppercase().contains("LOADAOF"));
    drop(s);
    let s = start_aof(dir.path(), &[]);
    assert_eq!(s.conn().cmd(&["DBSIZE"]), int(15));
}

/// A server that wrote `SET k1 v1`, `SET k2 v2`; the incr file then gets
/// a partial third command.
fn truncated_dir() -> TempDir {
    let dir = TempDir::new("aof");
    {
        // Killed below: `always` writes before every reply (`everysec`
        // postpones a write while a background fsync runs, as Redis does).
        let s = start_aof(dir.path(), &["--appendfsync", "always"]);
        let mut c = s.conn();
        assert_eq!(c.cmd(&["SET", "k1", "v1"]), ok());
        assert_eq!(c.cmd(&["SET", "k2", "v2"]), ok());
    }
    let incr = aofdir(dir.path()).join("appendonly.aof.1.incr.aof");
    let mut data = std::fs::read(&incr).expect("incr");
    data.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$2\r\nk3\r\n$2\r\nv");
    std::fs::write(&incr, data).expect("write");
    dir
}

#[test]
fn truncated_aof_is_cut_with_aof_load_truncated_yes() {
    let dir = truncated_dir();
    let incr = aofdir(dir.path()).join("appendonly.aof.1.incr.aof");
    let full = std::fs::metadata(&incr).expect("incr").len();
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["DBSIZE"]), int(2));
    assert_eq!(c.cmd(&["GET", "k2"]), bulk("v2"));
    let cut = std::fs::metadata(&incr).expect("incr").len();
    assert_eq!(full - cut, 26, "the partial command is cut off");
    assert_eq!(c.cmd(&["SET", "k4", "v4"]), ok());
    drop(s);
    let s = start_aof(dir.path(), &[]);
    assert_eq!(s.conn().cmd(&["DBSIZE"]), int(3));
}

#[test]
fn truncated_aof_stops_the_server_with_aof_load_truncated_no() {
    let dir = truncated_dir();
    let (code, out) = start_expecting_exit(dir.path(), &["--aof-load-truncated", "no"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. You can: 1) Make a \
             backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you \
             can set the 'aof-load-truncated' configuration option to yes and restart the server."
        ),
        "{out}"
    );
}

#[test]
fn bad_files_stop_the_server_with_redis_messages() {
    // A format error.
    let dir = TempDir::new("aof");
    std::fs::create_dir(aofdir(dir.path())).unwrap();
    std::fs::write(aofdir(dir.path()).join("appendonly.aof.manifest"), "file appendonly.aof.1.incr.aof seq 1 type i\n")
        .unwrap();
    std::fs::write(aofdir(dir.path()).join("appendonly.aof.1.incr.aof"), "*1\r\n$4\r\nPING\r\nxx\r\n").unwrap();
    let (code, out) = start_expecting_exit(dir.path(), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Bad file format reading the append only file appendonly.aof.1.incr.aof"), "{out}");
    // An unknown command.
    std::fs::write(aofdir(dir.path()).join("appendonly.aof.1.incr.aof"), "*1\r\n$5\r\nNOPE!\r\n").unwrap();
    let (code, out) = start_expecting_exit(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(out.contains("Unknown command 'NOPE!' reading the append only file appendonly.aof.1.incr.aof"), "{out}");
    // A manifest naming a missing file.
    std::fs::write(aofdir(dir.path()).join("appendonly.aof.manifest"), "file missing.aof seq 1 type i\n").unwrap();
    let (code, _) = start_expecting_exit(dir.path(), &[]);
    assert_eq!(code, 1);
    // A bad manifest.
    std::fs::write(aofdir(dir.path()).join("appendonly.aof.manifest"), "file x seq 1 type z\n").unwrap();
    let (code, out) = start_expecting_exit(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(out.contains("Unknown AOF file type"), "{out}");
    assert!(out.contains(">>> 'file x seq 1 type z'"), "{out}");
}

#[test]
fn an_old_single_appendonly_aof_is_migrated_into_the_directory() {
    let dir = TempDir::new("aof");
    std::fs::write(
        dir.path().join("appendonly.aof"),
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$5\r\nvalue\r\n",
    )
    .unwrap();
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "old"]), bulk("value"));
    assert!(!dir.path().join("appendonly.aof").exists());
    assert_eq!(manifest(dir.path()), "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
    assert_eq!(c.cmd(&["SET", "new", "1"]), ok());
    drop(s);
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "old"]), bulk("value"));
    assert_eq!(c.cmd(&["GET", "new"]), bulk("1"));
}

#[test]
fn timestamp_annotations_are_written_and_skipped() {
    let dir = TempDir::new("aof");
    {
        let s = start_aof(dir.path(), &["--aof-timestamp-enabled", "yes"]);
        let mut c = s.conn();
        assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    }
    let incr = std::fs::read_to_string(aofdir(dir.path()).join("appendonly.aof.1.incr.aof")).unwrap();
    assert!(incr.starts_with("#TS:"), "{incr}");
    let s = start_aof(dir.path(), &[]);
    assert_eq!(s.conn().cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn info_persistence_aof_fields() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let Reply::Bulk(b) = c.cmd(&["INFO", "persistence"]) else { panic!("INFO") };
    let text = String::from_utf8_lossy(&b);
    assert!(
        text.contains(
            "aof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:-1\r\n\
             aof_current_rewrite_time_sec:-1\r\naof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\n\
             aof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\naof_last_cow_size:0\r\n\
             module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n"
        ),
        "{text}"
    );
    assert!(!text.contains("aof_current_size"));
    let dir = TempDir::new("aof");
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    let Reply::Bulk(b) = c.cmd(&["INFO", "persistence"]) else { panic!("INFO") };
    let text = String::from_utf8_lossy(&b);
    for f in [
        "aof_current_size:",
        "aof_base_size:",
        "aof_pending_rewrite:0",
        "aof_buffer_length:0",
        "aof_pending_bio_fsync:",
        "aof_delayed_fsync:0",
    ] {
        assert!(text.contains(f), "{f} in {text}");
    }
}

#[test]
fn every_appendfsync_policy_writes_the_same_stream() {
    for policy in ["always", "everysec", "no"] {
        let dir = TempDir::new("aof");
        {
            let s = start_aof(dir.path(), &["--appendfsync", policy]);
            let mut c = s.conn();
            assert_eq!(c.cmd(&["RPUSH", "l", "a", "b"]), int(2));
            for i in 0..100 {
                assert_eq!(c.cmd(&["RPUSH", "l2", &i.to_string()]), int(i + 1));
            }
            shutdown(&mut c);
        }
        let s = start_aof(dir.path(), &[]);
        let mut c = s.conn();
        assert_eq!(c.cmd(&["LRANGE", "l", "0", "-1"]), bulks(&["a", "b"]));
        assert_eq!(c.cmd(&["LLEN", "l2"]), int(100));
    }
}

fn shutdown(c: &mut Conn) {
    assert!(c.try_read_reply_after(&["SHUTDOWN"]).is_none());
}

#[test]
#[ignore = "needs redis-server"]
fn our_aof_directory_loads_in_redis_server() {
    for preamble in ["yes", "no"] {
        our_aof_directory_loads_in_redis_server_with(preamble);
    }
}

fn our_aof_directory_loads_in_redis_server_with(preamble: &str) {
    let dir = TempDir::new("aof");
    let d = dir.path().to_str().unwrap();
    let ours = {
        let s = start_aof(dir.path(), &["--aof-use-rdb-preamble", preamble]);
        let mut c = s.conn();
        write_mixed(&mut c);
        assert_eq!(
            c.cmd(&["FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)"]),
            bulk("lib")
        );
        assert_eq!(c.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
        wait_rewrite_done(&mut c);
        // After the rewrite: in the incr file, with a SELECT of its own.
        assert_eq!(c.cmd(&["SET", "after", "1"]), ok());
        assert_eq!(c.cmd(&["SELECT", "1"]), ok());
        assert_eq!(c.cmd(&["ZADD", "z1", "1", "a"]), int(1));
        assert_eq!(c.cmd(&["SELECT", "0"]), ok());
        let snap = snapshot(&mut c);
        shutdown(&mut c);
        snap
    };
    assert_eq!(ours.len(), 19);
    let r = RealRedis::start(&["--appendonly", "yes", "--dir", d]);
    let mut rc = r.conn();
    assert_eq!(snapshot(&mut rc), ours, "preamble {preamble}");
    assert_eq!(rc.cmd(&["FCALL", "f", "0"]), int(1));
    // And redis-server's own additions come back to us.
    assert_eq!(rc.cmd(&["SET", "fromredis", "v", "EX", "1000"]), ok());
    assert_eq!(rc.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
    wait_rewrite_done(&mut rc);
    assert_eq!(rc.cmd(&["HSET", "fromredis2", "f", "v"]), int(1));
    let theirs = snapshot(&mut rc);
    shutdown(&mut rc);
    drop(r);
    let s = start_aof(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(snapshot(&mut c), theirs, "preamble {preamble}");
    assert_eq!(c.cmd(&["FCALL", "f", "0"]), int(1));
}

#[test]
#[ignore = "needs redis-server"]
fn a_redis_server_aof_directory_loads_here() {
    for preamble in ["yes", "no"] {
        let dir = TempDir::new("aof");
        let d = dir.path().to_str().unwrap();
        let theirs = {
            let r = RealRedis::start(&["--appendonly", "yes", "--aof-use-rdb-preamble", preamble, "--dir", d]);
            let mut rc = r.conn();
            write_mixed(&mut rc);
            assert_eq!(rc.cmd(&["BGREWRITEAOF"]), simple("Background append only file rewriting started"));
            wait_rewrite_done(&mut rc);
            assert_eq!(rc.cmd(&["SET", "after", "1"]), ok());
            let snap = snapshot(&mut rc);
            shutdown(&mut rc);
            snap
        };
        let s = start_aof(dir.path(), &[]);
        let mut c = s.conn();
        assert_eq!(snapshot(&mut c), theirs, "preamble {preamble}");
    }
}
