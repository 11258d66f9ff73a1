//! RDB persistence: SAVE, BGSAVE, LASTSAVE, save points, loading at
//! startup, the point-in-time fork-free BGSAVE, crash safety, refusing bad
//! files, DUMP/RESTORE, DEBUG RELOAD, MISCONF, and interop with the real
//! redis-server 7.0 and redis-check-rdb in both directions.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redis_rs_server::persistence::decode::Source;
use redis_rs_server::persistence::load::{Event, LoadOptions, read_records};
use redis_rs_server::persistence::{Loaded, crc64, encode};

use crate::common::tempdir::TempDir;
use crate::common::*;

// ---------------------------------------------------------------------------
// Datasets: built through commands, checked through commands. Add a `Val`
// variant (with its write and check) when a type lands.

#[derive(Clone, Debug, PartialEq)]
enum Val {
    Str(Vec<u8>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    Set(Vec<Vec<u8>>),
    /// Members with scores as ZSCORE prints them.
    ZSet(Vec<(Vec<u8>, String)>),
}

#[derive(Clone, Debug)]
struct Item {
    db: usize,
    key: Vec<u8>,
    val: Val,
    /// Unix ms.
    expire_at: Option<u64>,
}

/// 2100-01-01 in Unix ms.
const FAR: u64 = 4_102_444_800_000;

fn item(db: usize, key: &[u8], val: &[u8], expire_at: Option<u64>) -> Item {
    Item { db, key: key.to_vec(), val: Val::Str(val.to_vec()), expire_at }
}

/// Strings of every encoding an RDB file has (integers of 8/16/32 bits,
/// too long for int encoding, not canonical, LZF-compressible, not
/// compressible, large), binary keys and values, empty strings, TTLs, and
/// several databases.
fn strings_dataset() -> Vec<Item> {
    let noise: Vec<u8> = (0..3000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let mut v = vec![
        item(0, b"plain", b"hello", None),
        item(0, b"empty", b"", None),
        item(0, b"", b"empty key", None),
        item(0, b"int8", b"-128", None),
        item(0, b"int16", b"32767", None),
        item(0, b"int32", b"-2147483648", None),
        item(0, b"int64", b"9223372036854775807", None),
        item(0, b"not-canonical", b"007", None),
        item(0, b"minus-zero", b"-0", None),
        item(0, b"bin\x00\r\n\xff", b"\x00\x01\xff\r\n\x00", None),
        item(0, b"compressible", &b"abc".repeat(400), None),
        item(0, b"noise", &noise, None),
        item(0, b"large", &b"0123456789".repeat(30_000), None),
        item(0, b"ttl", b"soon", Some(FAR)),
        item(0, b"ttl-ms", b"x", Some(FAR + 123)),
        item(1, b"db1", b"one", None),
        item(1, b"plain", b"db1 value", Some(FAR)),
        item(15, b"last-db", &[b'z'; 100], None),
    ];
    for i in 0..200 {
        v.push(item(3, format!("k{i}").as_bytes(), format!("{i}").as_bytes(), None));
    }
    v
}

fn coll(db: usize, key: &[u8], val: Val, expire_at: Option<u64>) -> Item {
    Item { db, key: key.to_vec(), val, expire_at }
}

/// Strings plus hashes, sets and sorted sets in their small encodings
/// (listpack, intset) and their large ones (hashtable, skiplist), with
/// binary members, integers, TTLs and several databases.
fn full_dataset() -> Vec<Item> {
    let mut v = strings_dataset();
    let bytes = |s: &str| s.as_bytes().to_vec();
    let pairs = |n: usize, w: usize| -> Vec<(Vec<u8>, Vec<u8>)> {
        (0..n).map(|i| (format!("f{i}").into_bytes(), vec![b'a' + (i % 26) as u8; w])).collect()
    };
    v.push(coll(
        0,
        b"h-small",
        Val::Hash(vec![(bytes("a"), bytes("1")), (b"b\x00".to_vec(), b"\xff\r\n".to_vec())]),
        None,
    ));
    v.push(coll(0, b"h-big", Val::Hash(pairs(600, 8)), Some(FAR)));
    v.push(coll(2, b"h-long-value", Val::Hash(pairs(3, 100)), None));
    v.push(coll(
        0,
        b"s-ints",
        Val::Set((0..50).map(|i| format!("{}", i * 1000 - 7)).map(|s| s.into_bytes()).collect()),
        None,
    ));
    v.push(coll(0, b"s-ints-big", Val::Set((0..700).map(|i| format!("{i}").into_bytes()).collect()), None));
    v.push(coll(1, b"s-strs", Val::Set(vec![bytes("x"), bytes(""), b"\x00bin".to_vec()]), Some(FAR)));
    let members = |n: usize| -> Vec<(Vec<u8>, String)> {
        (0..n).map(|i| (format!("m{i}").into_bytes(), format!("{}", i as f64 * 1.5 - 10.0))).collect()
    };
    v.push(coll(
        0,
        b"z-small",
        Val::ZSet(vec![(bytes("a"), "1".into()), (bytes("b"), "-inf".into()), (bytes("c"), "0.5".into())]),
        None,
    ));
    v.push(coll(0, b"z-big", Val::ZSet(members(300)), None));
    v.push(coll(4, b"z-ttl", Val::ZSet(members(5)), Some(FAR + 7)));
    v
}

fn cmdb(c: &mut Conn, args: &[&[u8]]) -> Reply {
    c.cmd_bytes(args)
}

fn write_dataset(c: &mut Conn, items: &[Item]) {
    for it in items {
        assert_eq!(c.cmd(&["SELECT", &it.db.to_string()]), ok());
        match &it.val {
            Val::Str(s) => assert_eq!(cmdb(c, &[b"SET", &it.key, s]), ok()),
            Val::Hash(pairs) => {
                for (f, v) in pairs {
                    assert_eq!(cmdb(c, &[b"HSET", &it.key, f, v]), int(1));
                }
            }
            Val::Set(members) => {
                for m in members {
                    assert_eq!(cmdb(c, &[b"SADD", &it.key, m]), int(1));
                }
            }
            Val::ZSet(members) => {
                for (m, score) in members {
                    assert_eq!(cmdb(c, &[b"ZADD", &it.key, score.as_bytes(), m]), int(1));
                }
            }
        }
        if let Some(at) = it.expire_at {
            assert_eq!(cmdb(c, &[b"PEXPIREAT", &it.key, at.to_string().as_bytes()]), int(1));
        }
    }
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
}

/// Every key, value and TTL of `items` is there, and nothing else.
fn check_dataset(c: &mut Conn, items: &[Item]) {
    let mut per_db: BTreeMap<usize, i64> = BTreeMap::new();
    for it in items {
        *per_db.entry(it.db).or_default() += 1;
        assert_eq!(c.cmd(&["SELECT", &it.db.to_string()]), ok());
        let key = String::from_utf8_lossy(&it.key).into_owned();
        let sorted_bulks = |r: Reply| -> Vec<Vec<u8>> {
            let Reply::Array(items) = r else { panic!("{key}: expected an array, got {r:?}") };
            let mut v: Vec<Vec<u8>> =
                items.into_iter().map(|i| if let Reply::Bulk(b) = i { b.to_vec() } else { panic!("{i:?}") }).collect();
            v.sort();
            v
        };
        match &it.val {
            Val::Str(s) => {
                assert_eq!(cmdb(c, &[b"GET", &it.key]), Reply::Bulk(s.clone().into()), "db {} key {key}", it.db)
            }
            Val::Hash(pairs) => {
                let mut want: Vec<Vec<u8>> =
                    pairs.iter().map(|(f, v)| [f.clone(), b"=".to_vec(), v.clone()].concat()).collect();
                want.sort();
                let Reply::Array(flat) = cmdb(c, &[b"HGETALL", &it.key]) else { panic!("HGETALL {key}") };
                let mut got: Vec<Vec<u8>> = flat
                    .chunks(2)
                    .map(|p| match (&p[0], &p[1]) {
                        (Reply::Bulk(f), Reply::Bulk(v)) => [f.to_vec(), b"=".to_vec(), v.to_vec()].concat(),
                        other => panic!("{other:?}"),
                    })
                    .collect();
                got.sort();
                assert_eq!(got, want, "hash {key}");
            }
            Val::Set(members) => {
                let mut want = members.clone();
                want.sort();
                assert_eq!(sorted_bulks(cmdb(c, &[b"SMEMBERS", &it.key])), want, "set {key}");
            }
            Val::ZSet(members) => {
                for (m, score) in members {
                    assert_eq!(
                        cmdb(c, &[b"ZSCORE", &it.key, m]),
                        Reply::Bulk(score.clone().into_bytes().into()),
                        "{key}"
                    );
                }
                assert_eq!(cmdb(c, &[b"ZCARD", &it.key]), int(members.len() as i64), "zset {key}");
            }
        }
        let want = it.expire_at.map_or(-1, |t| t as i64);
        assert_eq!(cmdb(c, &[b"PEXPIRETIME", &it.key]), int(want), "TTL of {key}");
    }
    for db in 0..16 {
        assert_eq!(c.cmd(&["SELECT", &db.to_string()]), ok());
        assert_eq!(c.cmd(&["DBSIZE"]), int(per_db.get(&db).copied().unwrap_or(0)), "size of db {db}");
    }
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
}

// ---------------------------------------------------------------------------
// Helpers.

fn info_field(c: &mut Conn, name: &str) -> String {
    let Reply::Bulk(b) = c.cmd(&["INFO", "persistence"]) else { panic!("INFO is a bulk string") };
    let text = String::from_utf8_lossy(&b).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
        .unwrap_or_else(|| panic!("no {name} in INFO persistence"))
}

/// Polls until `f` holds (no timing assertion: only a generous deadline).
fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_bgsave_done(c: &mut Conn) {
    wait_for("the BGSAVE to end", || info_field(c, "rdb_bgsave_in_progress") == "0");
}

fn start_in(dir: &Path, extra: &[&str]) -> TestServer {
    let mut args = vec!["--dir", dir.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    TestServer::start(&args)
}

/// Starts our server on `dir` expecting it to exit at once; returns its
/// exit code and output.
fn start_expecting_exit(dir: &Path, extra: &[&str]) -> (i32, String) {
    let dir = dir.to_str().expect("utf-8 path");
    let mut args = vec!["--dir", dir];
    args.extend_from_slice(extra);
    start_expecting_exit_with(&args)
}

/// Reads an RDB file with our loader into (db, key) -> (value, expiry),
/// failing on a key written twice.
fn read_dump(path: &Path) -> BTreeMap<(usize, Vec<u8>), (Loaded, Option<u64>)> {
    let bytes = std::fs::read(path).expect("dump file");
    let mut keys = BTreeMap::new();
    let opts = LoadOptions {
        now_ms: 0,
        verify_checksum: true,
        replace_duplicates: false,
        key_delay: 0,
        encodings: Default::default(),
    };
    read_records(&mut Source::new(&bytes[..]), 16, &opts, |e| {
        if let Event::Key(r) = e {
            let old = keys.insert((r.db, r.key.to_vec()), (r.value, r.expire));
            assert!(old.is_none(), "key {:?} written twice", String::from_utf8_lossy(r.key));
        }
        Ok(())
    })
    .expect("a valid dump");
    keys
}

fn dump_path(dir: &Path) -> PathBuf {
    dir.join("dump.rdb")
}

// ---------------------------------------------------------------------------
// SAVE, restart, BGSAVE.

#[test]
fn save_then_restart_loads_every_key_and_ttl() {
    let dir = TempDir::new("rdb-save");
    let items = full_dataset();
    {
        let s = start_in(dir.path(), &[]);
        let mut c = s.conn();
        write_dataset(&mut c, &items);
        assert!(info_field(&mut c, "rdb_changes_since_last_save").parse::<u64>().unwrap() > 0);
        assert_eq!(c.cmd(&["SAVE"]), ok());
        assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
        assert_eq!(info_field(&mut c, "rdb_saves"), "1");
        let Reply::Int(last) = c.cmd(&["LASTSAVE"]) else { panic!("LASTSAVE") };
        assert!((last - unix_secs()).abs() < 5);
    }
    let s = start_in(dir.path(), &[]);
    let mut c = s.conn();
    check_dataset(&mut c, &items);
    assert_eq!(info_field(&mut c, "rdb_last_load_keys_loaded"), items.len().to_string());
    assert_eq!(info_field(&mut c, "loading"), "0");
    // Without compression or checksum the file loads as well.
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdbcompression", "no"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "RELOAD"]), ok());
    check_dataset(&mut c, &items);
}

fn unix_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn bgsave_replies_and_info() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    write_dataset(&mut c, &strings_dataset());
    assert_eq!(c.cmd(&["BGSAVE", "NOW"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    assert_eq!(info_field(&mut c, "rdb_saves"), "1");
    assert_ne!(info_field(&mut c, "rdb_last_bgsave_time_sec"), "-1");
    assert!(dump_path(s.dir.path()).exists());
    check_dataset_file(s.dir.path(), &strings_dataset());

    // A slow save (the writer waits per key) to see it in progress.
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "10000"]), ok());
    assert_eq!(c.cmd(&["BGSAVE", "SCHEDULE"]), simple("Background saving started"));
    assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "1");
    assert_eq!(info_field(&mut c, "current_save_keys_total"), strings_dataset().len().to_string());
    assert_ne!(info_field(&mut c, "rdb_current_bgsave_time_sec"), "-1");
    assert_eq!(c.cmd(&["BGSAVE"]), err("ERR Background save already in progress"));
    assert_eq!(c.cmd(&["BGSAVE", "SCHEDULE"]), err("ERR Background save already in progress"));
    assert_eq!(c.cmd(&["SAVE"]), err("ERR Background save already in progress"));
    assert_eq!(c.cmd(&["SET", "during", "save"]), ok(), "writes go on during the save");
    // FLUSHALL abandons the save (as Redis kills its child).
    assert_eq!(c.cmd(&["FLUSHALL"]), ok());
    assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "0");
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    let leftovers: Vec<_> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("temp-"))
        .collect();
    assert!(leftovers.is_empty(), "the abandoned save removed its temp file: {leftovers:?}");
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]), ok());

    // Inside MULTI: SAVE is refused, BGSAVE is scheduled for the cron.
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SAVE"]), err("ERR Command not allowed inside a transaction"));
    assert_eq!(c.cmd(&["DISCARD"]), ok());
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["BGSAVE"]), simple("QUEUED"));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![simple("Background saving scheduled")]));
    wait_for("the scheduled BGSAVE", || info_field(&mut c, "rdb_saves") == "3");
    wait_bgsave_done(&mut c);
}

fn check_dataset_file(dir: &Path, items: &[Item]) {
    let keys = read_dump(&dump_path(dir));
    assert_eq!(keys.len(), items.len());
    for it in items {
        let (val, exp) = keys.get(&(it.db, it.key.clone())).expect("key in the dump");
        // Collections are checked through commands (check_dataset).
        if let Val::Str(s) = &it.val {
            assert_eq!(val, &Loaded::Str(s.clone()));
        }
        assert_eq!(*exp, it.expire_at);
    }
}

#[test]
fn lastsave_and_dirty_follow_saves() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "a", "1"]), ok());
    assert_eq!(c.cmd(&["INCR", "a"]), int(2));
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "2");
    assert_eq!(c.cmd(&["SAVE"]), ok());
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    let Reply::Int(t) = c.cmd(&["LASTSAVE"]) else { panic!() };
    assert_eq!(info_field(&mut c, "rdb_last_save_time"), t.to_string());
}

// ---------------------------------------------------------------------------
// Point in time: the file holds the dataset as it was when BGSAVE was
// accepted, whatever happens during the save.

#[test]
fn bgsave_is_a_point_in_time_snapshot() {
    const N: usize = 200_000;
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", &N.to_string(), "key", "12"]), ok());
    // Other databases: one flushed, two swapped, one with TTLs, during the save.
    for (db, n) in [(1, 3000), (2, 2000), (3, 1000), (4, 500)] {
        assert_eq!(c.cmd(&["SELECT", &db.to_string()]), ok());
        assert_eq!(c.cmd(&["DEBUG", "POPULATE", &n.to_string(), &format!("d{db}"), "5"]), ok());
    }
    for i in 0..100 {
        assert_eq!(c.cmd(&["PEXPIREAT", &format!("d4:{i}"), &(FAR + i).to_string()]), int(1));
    }
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    // The writer waits 20µs per key: the save lasts 4 s at least, the walk
    // keeps pace with it, and the writes below land during it.
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "20"]), ok());
    assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
    let mut ops = 0;
    for i in (0..N).step_by(7) {
        c.send(&["SET", &format!("key:{i}"), "overwritten"]);
        c.send(&["DEL", &format!("key:{}", i + 3)]);
        c.send(&["SET", &format!("new:{i}"), "added"]);
        c.send(&["APPEND", &format!("key:{}", i + 5), "-appended"]);
        c.send(&["EXPIRE", &format!("key:{}", i + 6), "1000"]);
        ops += 5;
        if ops >= 1000 {
            for _ in 0..ops {
                assert!(!matches!(c.read_reply(), Reply::Error(_)));
            }
            ops = 0;
        }
    }
    c.send(&["RENAME", "key:1", "renamed"]);
    c.send(&["SELECT", "1"]);
    c.send(&["FLUSHDB"]);
    c.send(&["SET", "after-flush", "x"]);
    c.send(&["SWAPDB", "2", "3"]);
    c.send(&["SELECT", "4"]);
    c.send(&["PERSIST", "d4:0"]);
    c.send(&["DEL", "d4:1"]);
    c.send(&["SELECT", "0"]);
    ops += 9;
    for _ in 0..ops {
        assert!(!matches!(c.read_reply(), Reply::Error(_)));
    }
    assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "1", "the writes happened while the save was running");
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_eq!(c.cmd(&["GET", "key:0"]), bulk("overwritten"), "the live data has the writes");

    let keys = read_dump(&dump_path(s.dir.path()));
    assert_eq!(keys.len(), N + 3000 + 2000 + 1000 + 500);
    for i in 0..N {
        let value = format!("value:{i}");
        let mut want = value.into_bytes();
        want.resize(12, 0);
        let got = keys.get(&(0, format!("key:{i}").into_bytes())).unwrap_or_else(|| panic!("key:{i} missing"));
        assert_eq!(got, &(Loaded::Str(want), None), "key:{i}");
    }
    for (db, n) in [(1, 3000), (2, 2000), (3, 1000), (4, 500)] {
        for i in 0..n {
            let (val, exp) = keys.get(&(db, format!("d{db}:{i}").into_bytes())).expect("db key in the dump");
            let mut want = format!("value:{i}").into_bytes();
            want.resize(5, 0);
            assert_eq!(val, &Loaded::Str(want));
            assert_eq!(*exp, if db == 4 && i < 100 { Some(FAR + i) } else { None });
        }
    }
}

// ---------------------------------------------------------------------------
// Crash safety and bad files.

#[test]
fn kill_during_bgsave_leaves_the_previous_dump() {
    let dir = TempDir::new("rdb-crash");
    let items = strings_dataset();
    {
        let mut s = start_in(dir.path(), &[]);
        let mut c = s.conn();
        write_dataset(&mut c, &items);
        assert_eq!(c.cmd(&["SAVE"]), ok());
        let before = std::fs::read(dump_path(dir.path())).unwrap();
        assert_eq!(c.cmd(&["DEBUG", "POPULATE", "50000"]), ok());
        assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "100"]), ok());
        assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
        // The first BGSAVE of this process writes temp-<pid>-1.rdb.
        let temp = dir.path().join(format!("temp-{}-1.rdb", s.child.id()));
        wait_for("the temp file", || std::fs::metadata(&temp).is_ok_and(|m| m.len() > 0));
        s.child.kill().expect("kill -9");
        s.child.wait().unwrap();
        assert_eq!(std::fs::read(dump_path(dir.path())).unwrap(), before, "the dump is untouched");
    }
    let s = start_in(dir.path(), &[]);
    check_dataset(&mut s.conn(), &items);
}

/// A valid dump of two keys, to be damaged.
fn small_dump(checksum: bool) -> Vec<u8> {
    let mut out = Vec::new();
    encode::header(&mut out, 1_700_000_000, 1000);
    encode::select_db(&mut out, 0);
    for (k, v) in [(&b"a"[..], &b"1"[..]), (b"b", b"hello world hello world hello world")] {
        out.push(0);
        encode::string(&mut out, k, true);
        encode::string(&mut out, v, true);
    }
    encode::eof(&mut out);
    let crc = if checksum { crc64::checksum(&out) } else { 0 };
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

#[test]
fn bad_dumps_stop_the_server() {
    let good = small_dump(true);
    let mut wrong_crc = good.clone();
    *wrong_crc.last_mut().unwrap() ^= 0x55;
    let mut flipped = good.clone();
    let mid = good.len() - 20;
    flipped[mid] ^= 0x01;
    let mut v13 = good.clone();
    v13[5..9].copy_from_slice(b"0013");
    let mut module = good[..good.len() - 9].to_vec();
    module.push(7);
    encode::string(&mut module, b"mod", false);
    encode::len(&mut module, 0x1234_5678_9abc_d000);
    let mut stream = good[..good.len() - 9].to_vec();
    stream.push(15);
    encode::string(&mut stream, b"events", false);
    // One node whose key is not a 16-byte stream id.
    stream.push(1);
    encode::string(&mut stream, b"abc", false);
    stream.extend_from_slice(&[0; 16]);
    // A library that does not load (the file itself is well formed: EOF and
    // a zero checksum, which is not verified).
    let mut function = good[..good.len() - 9].to_vec();
    function.push(245);
    encode::string(&mut function, b"#!lua name=bad\nthis is not lua", false);
    function.push(255);
    function.extend_from_slice(&[0; 8]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() / 2].to_vec(), "Short read or OOM loading DB"),
        ("truncated before the checksum", good[..good.len() - 4].to_vec(), "Short read"),
        ("wrong checksum", wrong_crc, "Wrong RDB checksum expected"),
        ("corrupt byte", flipped, "RDB"),
        ("version 13", v13, "Can't handle RDB format version 13"),
        ("not an RDB file", b"HELLO0010\xff".to_vec(), "Wrong signature trying to load DB from file"),
        ("module value", module, "module type"),
        ("stream node key", stream, "Stream node key entry is not the size of a stream ID"),
        ("function that does not load", function, "Failed loading library, Error compiling function"),
        ("empty file", Vec::new(), "Short read"),
    ];
    for (what, bytes, message) in cases {
        let dir = TempDir::new("rdb-bad");
        std::fs::write(dump_path(dir.path()), &bytes).unwrap();
        let (code, out) = start_expecting_exit(dir.path(), &[]);
        assert_eq!(code, 1, "{what}: exit code\n{out}");
        assert!(out.contains(message), "{what}: expected {message:?} in\n{out}");
        assert!(!out.contains("Ready to accept connections"), "{what}");
    }
    // The same file with a zero checksum (saved with `rdbchecksum no`) loads.
    let dir = TempDir::new("rdb-nocrc");
    std::fs::write(dump_path(dir.path()), small_dump(false)).unwrap();
    let s = start_in(dir.path(), &[]);
    assert_eq!(s.conn().cmd(&["GET", "b"]), bulk("hello world hello world hello world"));
}

#[test]
fn loading_answers_loading_to_other_commands() {
    let dir = TempDir::new("rdb-loading");
    {
        let s = start_in(dir.path(), &[]);
        let mut c = s.conn();
        assert_eq!(c.cmd(&["DEBUG", "POPULATE", "20000"]), ok());
        assert_eq!(c.cmd(&["SAVE"]), ok());
    }
    // 100µs per key: the load lasts 2 s at least.
    let mut child = Command::new(server_bin())
        .args(["--port", "0", "--bind", "127.0.0.1", "--save", "", "--key-load-delay", "100", "--dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("a log line").unwrap();
        if let Some(rest) = line.split("port=").nth(1) {
            break rest.trim_end_matches('.').parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let mut c = Conn::connect(port);
    assert_eq!(info_field(&mut c, "loading"), "1");
    assert_eq!(
        info_field(&mut c, "loading_total_bytes"),
        std::fs::metadata(dump_path(dir.path())).unwrap().len().to_string()
    );
    assert_eq!(c.cmd(&["GET", "key:1"]), err("LOADING Redis is loading the dataset in memory"));
    assert_eq!(c.cmd(&["PING"]), err("LOADING Redis is loading the dataset in memory"));
    assert_eq!(c.cmd(&["BGSAVE"]), err("LOADING Redis is loading the dataset in memory"));
    assert!(matches!(c.cmd(&["LASTSAVE"]), Reply::Int(_)), "LASTSAVE runs while loading");
    wait_for("the load to end", || info_field(&mut c, "loading") == "0");
    assert_eq!(c.cmd(&["DBSIZE"]), int(20000));
    assert_eq!(c.cmd(&["GET", "key:1"]), bulk("value:1"));
    let _ = child.kill();
    let _ = child.wait();
}

// ---------------------------------------------------------------------------
// Failed saves, save points, FLUSHALL, SHUTDOWN, DEBUG RELOAD.

#[test]
fn failed_bgsave_stops_writes_until_a_save_succeeds() {
    let base = TempDir::new("rdb-misconf");
    let dir = base.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    let s = start_in(&dir, &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "SET", "save", "3600 1000000"]), ok());
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "err");
    let misconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to \
                   disk. Commands that may modify the data set are disabled, because this instance is configured \
                   to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). \
                   Please check the Redis logs for details about the RDB error.";
    assert_eq!(c.cmd(&["SET", "k", "w"]), err(misconf));
    assert_eq!(c.cmd(&["PING"]), err(misconf));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"), "reads go on");
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SET", "k", "w"]), err(misconf));
    assert_eq!(c.cmd(&["EXEC"]), err("EXECABORT Transaction discarded because of previous errors."));
    assert_eq!(c.cmd(&["SAVE"]), err("ERR"));
    // Without save points, or with the option off, writes are allowed.
    assert_eq!(c.cmd(&["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"]), ok());
    assert_eq!(c.cmd(&["SET", "k", "w"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"]), ok());
    assert_eq!(c.cmd(&["SET", "k", "x"]), err(misconf));
    std::fs::create_dir(&dir).unwrap();
    assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_eq!(c.cmd(&["SET", "k", "x"]), ok());
}

#[test]
fn save_points_start_a_bgsave() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "SET", "save", "1 2"]), ok());
    assert_eq!(c.cmd(&["SET", "a", "1"]), ok());
    assert_eq!(c.cmd(&["SET", "b", "2"]), ok());
    wait_for("the save point", || info_field(&mut c, "rdb_saves") == "1");
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    assert_eq!(read_dump(&dump_path(s.dir.path())).len(), 2);
}

#[test]
fn flushall_saves_when_save_points_exist() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "key", "value"]), ok());
    assert_eq!(c.cmd(&["FLUSHALL"]), ok());
    assert_ne!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    assert!(!dump_path(s.dir.path()).exists());
    assert_eq!(c.cmd(&["CONFIG", "SET", "save", "3600 1 300 100 60 10000"]), ok());
    assert_eq!(c.cmd(&["SET", "key", "value"]), ok());
    assert_eq!(c.cmd(&["FLUSHALL"]), ok());
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    assert!(read_dump(&dump_path(s.dir.path())).is_empty());
}

#[test]
fn shutdown_saves_as_configured() {
    let dir = TempDir::new("rdb-shutdown");
    let items = strings_dataset();
    let mut s = start_in(dir.path(), &["--save", "3600 1"]);
    let mut c = s.conn();
    write_dataset(&mut c, &items);
    c.send(&["SHUTDOWN"]);
    assert!(c.is_closed(Duration::from_secs(30)));
    s.child.wait().unwrap();
    let mut s = start_in(dir.path(), &[]);
    let mut c = s.conn();
    check_dataset(&mut c, &items);
    // NOSAVE: the dump stays as it was.
    assert_eq!(c.cmd(&["FLUSHALL"]), ok());
    c.send(&["SHUTDOWN", "NOSAVE"]);
    assert!(c.is_closed(Duration::from_secs(30)));
    s.child.wait().unwrap();
    let mut s = start_in(dir.path(), &[]);
    let mut c = s.conn();
    check_dataset(&mut c, &items);
    // SAVE without save points saves; a failing save keeps the server up.
    assert_eq!(c.cmd(&["FLUSHALL"]), ok());
    assert_eq!(c.cmd(&["SET", "extra", "1"]), ok());
    let moved = dir.path().with_extension("moved");
    std::fs::rename(dir.path(), &moved).unwrap();
    assert_eq!(c.cmd(&["SHUTDOWN", "SAVE"]), err("ERR Errors trying to SHUTDOWN. Check logs."));
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    std::fs::rename(&moved, dir.path()).unwrap();
    c.send(&["SHUTDOWN", "SAVE"]);
    assert!(c.is_closed(Duration::from_secs(30)));
    s.child.wait().unwrap();
    let s = start_in(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
    assert_eq!(c.cmd(&["GET", "extra"]), bulk("1"));
}

#[test]
fn debug_reload_variants() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "x", "10"]), ok());
    assert_eq!(c.cmd(&["EXPIRE", "x", "1000"]), int(1));
    assert_eq!(c.cmd(&["DEBUG", "RELOAD"]), ok());
    assert_eq!(c.cmd(&["GET", "x"]), bulk("10"));
    let Reply::Int(ttl) = c.cmd(&["TTL", "x"]) else { panic!() };
    assert!(ttl > 900 && ttl <= 1000);
    // NOSAVE: back to the file's content.
    assert_eq!(c.cmd(&["SET", "y", "new"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "RELOAD", "NOSAVE"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "y"]), int(0));
    // NOFLUSH MERGE: the file's keys are added, winning on conflicts.
    assert_eq!(c.cmd(&["SET", "x", "changed"]), ok());
    assert_eq!(c.cmd(&["SET", "z", "kept"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"]), ok());
    assert_eq!(c.cmd(&["GET", "x"]), bulk("10"));
    assert_eq!(c.cmd(&["GET", "z"]), bulk("kept"));
    // A missing file is an error and the dataset stays.
    std::fs::remove_file(dump_path(s.dir.path())).unwrap();
    assert_eq!(c.cmd(&["DEBUG", "RELOAD", "NOSAVE"]), err("ERR Error trying to load the RDB dump"));
    assert_eq!(c.cmd(&["GET", "z"]), bulk("kept"));
}

// ---------------------------------------------------------------------------
// DUMP and RESTORE.

fn dump(c: &mut Conn, key: &str) -> Vec<u8> {
    match c.cmd(&["DUMP", key]) {
        Reply::Bulk(b) => b.to_vec(),
        other => panic!("DUMP {key}: {other:?}"),
    }
}

#[test]
fn dump_and_restore() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["DUMP", "nokey"]), nil());
    assert_eq!(c.cmd(&["SET", "n", "12345"]), ok());
    // Byte for byte what Redis 7.0.15 answers.
    assert_eq!(dump(&mut c, "n"), b"\x00\xc190\n\x00\x9d\x94\xea'\x93\xfc\x08\xb9");
    assert_eq!(cmdb(&mut c, &[b"SET", b"bin", b"\x00\xff\r\nabcabcabcabcabcabcabcabc"]), ok());
    let payload = dump(&mut c, "bin");
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"bin", b"0", &payload]), err("BUSYKEY Target key name already exists."));
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"copy", b"0", &payload]), ok());
    assert_eq!(c.cmd(&["GET", "copy"]), Reply::Bulk(b"\x00\xff\r\nabcabcabcabcabcabcabcabc".to_vec().into()));
    assert_eq!(c.cmd(&["TTL", "copy"]), int(-1));
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"copy", b"5000", &payload, b"REPLACE"]), ok());
    let Reply::Int(pttl) = c.cmd(&["PTTL", "copy"]) else { panic!() };
    assert!(pttl > 3000 && pttl <= 5000, "{pttl}");
    let at = (unix_secs() as u64 + 100) * 1000;
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"abs", at.to_string().as_bytes(), &payload, b"ABSTTL"]), ok());
    assert_eq!(c.cmd(&["PEXPIRETIME", "abs"]), int(at as i64));
    // A TTL in the past: the key is replaced by nothing.
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"abs", b"1000", &payload, b"ABSTTL", b"REPLACE"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "abs"]), int(0));
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"idle", b"0", &payload, b"IDLETIME", b"1000"]), ok());
    let Reply::Int(idle) = c.cmd(&["OBJECT", "IDLETIME", "idle"]) else { panic!() };
    assert!((1000..=1010).contains(&idle), "{idle}");
    // Errors, in Redis's order.
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"e", b"0", &payload, b"BOGUS"]), err("ERR syntax error"));
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"e", b"0", &payload, b"IDLETIME"]), err("ERR syntax error"));
    assert_eq!(
        cmdb(&mut c, &[b"RESTORE", b"e", b"0", &payload, b"IDLETIME", b"1", b"FREQ", b"1"]),
        err("ERR syntax error")
    );
    assert_eq!(
        cmdb(&mut c, &[b"RESTORE", b"e", b"0", &payload, b"IDLETIME", b"-1"]),
        err("ERR Invalid IDLETIME value, must be >= 0")
    );
    assert_eq!(
        cmdb(&mut c, &[b"RESTORE", b"e", b"0", &payload, b"FREQ", b"256"]),
        err("ERR Invalid FREQ value, must be >= 0 and <= 255")
    );
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"e", b"x", &payload]), err("ERR value is not an integer or out of range"));
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"e", b"-1", &payload]), err("ERR Invalid TTL value, must be >= 0"));
    assert_eq!(
        cmdb(&mut c, &[b"RESTORE", b"bin", b"x", b"..."]),
        err("BUSYKEY Target key name already exists."),
        "the key is checked before the TTL"
    );
    let mut bad = payload.clone();
    bad[3] ^= 1;
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"e", b"0", &bad]), err("ERR DUMP payload version or checksum are wrong"));
    assert_eq!(
        cmdb(&mut c, &[b"RESTORE", b"e", b"0", b"short"]),
        err("ERR DUMP payload version or checksum are wrong")
    );
    // A sound footer around a body that is not a value.
    let mut junk = vec![0u8, 0x80, 0xff];
    junk.extend_from_slice(&10u16.to_le_bytes());
    let crc = crc64::checksum(&junk);
    junk.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(cmdb(&mut c, &[b"RESTORE", b"e", b"0", &junk]), err("ERR Bad data format"));
    assert_eq!(c.cmd(&["EXISTS", "e"]), int(0));
}

// ---------------------------------------------------------------------------
// Interop with the real redis-server 7.0 and redis-check-rdb.

/// Our dump passes `redis-check-rdb` and loads in redis-server with every
/// key, value and TTL.
#[test]
#[ignore = "needs redis-server"]
fn our_dump_loads_in_redis_server() {
    let items = full_dataset();
    for (compression, checksum, bgsave) in [("yes", "yes", false), ("yes", "yes", true), ("no", "no", false)] {
        let dir = TempDir::new("rdb-interop-out");
        {
            let s = start_in(dir.path(), &["--rdbcompression", compression, "--rdbchecksum", checksum]);
            let mut c = s.conn();
            write_dataset(&mut c, &items);
            if bgsave {
                assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
                wait_bgsave_done(&mut c);
            } else {
                assert_eq!(c.cmd(&["SAVE"]), ok());
            }
        }
        let check = Command::new("redis-check-rdb").arg(dump_path(dir.path())).output().expect("redis-check-rdb");
        let out = String::from_utf8_lossy(&check.stdout);
        let errs = format!("{}{:?}", String::from_utf8_lossy(&check.stderr), check.status);
        assert!(check.status.success() && out.contains("RDB looks OK"), "redis-check-rdb:\n{out}{errs}");
        let real = RealRedis::start(&["--dir", dir.path().to_str().unwrap()]);
        let mut c = real.conn();
        wait_for("redis-server to load", || !matches!(c.cmd(&["PING"]), Reply::Error(_)));
        check_dataset(&mut c, &items);
    }
}

/// A dump written by redis-server loads here identically.
#[test]
#[ignore = "needs redis-server"]
fn redis_server_dump_loads_here() {
    let items = full_dataset();
    let dir = TempDir::new("rdb-interop-in");
    {
        let real = RealRedis::start(&[]);
        let mut c = real.conn();
        write_dataset(&mut c, &items);
        let Reply::Array(d) = c.cmd(&["CONFIG", "GET", "dir"]) else { panic!() };
        let Reply::Bulk(real_dir) = &d[1] else { panic!() };
        assert_eq!(c.cmd(&["SAVE"]), ok());
        let src = PathBuf::from(String::from_utf8_lossy(real_dir).into_owned()).join("dump.rdb");
        std::fs::copy(src, dump_path(dir.path())).unwrap();
    }
    let s = start_in(dir.path(), &[]);
    check_dataset(&mut s.conn(), &items);
}

/// The committed dump written by redis-server 7.0.15
/// (`scripts/make-rdb-testdata.py`) loads at startup.
#[test]
fn committed_redis_dump_loads() {
    let dir = TempDir::new("rdb-committed");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/redis-7.0-strings.rdb"),
        dump_path(dir.path()),
    )
    .unwrap();
    let s = start_in(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(
        cmdb(&mut c, &[b"GET", b"bin\x00key\r\n\xff"]),
        Reply::Bulk(b"\x00\x01\x02\xff\xfe\r\n".to_vec().into())
    );
    assert_eq!(c.cmd(&["GET", "compressible"]), bulk(&"a".repeat(500)));
    assert_eq!(c.cmd(&["GET", "int-32"]), bulk("2147483647"));
    assert_eq!(c.cmd(&["GET", "empty"]), bulk(""));
    assert_eq!(c.cmd(&["STRLEN", "big"]), int(120_000));
    assert_eq!(c.cmd(&["PEXPIRETIME", "ttl"]), int(FAR as i64));
    assert_eq!(c.cmd(&["EXISTS", "gone"]), int(0), "expired in the file: dropped");
    assert_eq!(c.cmd(&["DBSIZE"]), int(13));
    assert_eq!(info_field(&mut c, "rdb_last_load_keys_expired"), "1");
    assert_eq!(c.cmd(&["SELECT", "15"]), ok());
    assert_eq!(c.cmd(&["GET", "db15"]), bulk("fifteen"));
}

/// DUMP payloads are byte-identical to Redis's and restore both ways.
#[test]
#[ignore = "needs redis-server"]
fn dump_payloads_interoperate_with_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let (mut r, mut o) = (real.conn(), ours.conn());
    for it in full_dataset().iter().filter(|i| i.db == 0) {
        let Val::Str(v) = &it.val else { continue };
        for c in [&mut r, &mut o] {
            assert_eq!(cmdb(c, &[b"SET", &it.key, v]), ok());
        }
        let theirs = cmdb(&mut r, &[b"DUMP", &it.key]);
        let mine = cmdb(&mut o, &[b"DUMP", &it.key]);
        assert_eq!(mine, theirs, "DUMP of {:?}", String::from_utf8_lossy(&it.key));
        let Reply::Bulk(p) = theirs else { panic!() };
        assert_eq!(cmdb(&mut o, &[b"RESTORE", b"from-redis", b"0", &p, b"REPLACE"]), ok());
        assert_eq!(cmdb(&mut o, &[b"GET", b"from-redis"]), Reply::Bulk(v.clone().into()));
        let Reply::Bulk(p) = mine else { panic!() };
        assert_eq!(cmdb(&mut r, &[b"RESTORE", b"from-us", b"0", &p, b"REPLACE"]), ok());
        assert_eq!(cmdb(&mut r, &[b"GET", b"from-us"]), Reply::Bulk(v.clone().into()));
    }
}

/// DUMP of every value whose bytes do not depend on hash-table order is
/// byte-identical to redis-server's: lists (quicklist nodes split and
/// merged as Redis's, at every `list-max-listpack-size`), listpack hashes
/// and sorted sets, intsets, skiplist sorted sets. A seeded random mix of
/// writes runs on both servers; every such key is compared after each.
#[test]
#[ignore = "needs redis-server"]
fn collection_dump_payloads_are_byte_identical_to_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let (mut r, mut o) = (real.conn(), ours.conn());
    let mut rng = TestRng::new(0xd0_5eed);
    const KEYS: [&str; 8] = ["l0", "l1", "h0", "h1", "z0", "z1", "s0", "s1"];
    let value = |rng: &mut TestRng| -> String {
        match rng.below(4) {
            0 => rng.range(-10_000, 1_000_000_000_000).to_string(),
            1 => "x".repeat(rng.below(600)),
            2 => "y".repeat(rng.below(6)),
            _ => format!("{}", rng.range(0, 1_000_000) as f64 / 7.0),
        }
    };
    let score = |rng: &mut TestRng| -> String {
        rng.pick(&["-0", "inf", "-inf", "1e20", "0.1", "3e-5", "7", "-12"]).to_string()
    };
    for fill in ["-2", "-1", "5", "128", "-5"] {
        for c in [&mut r, &mut o] {
            assert_eq!(c.cmd(&["CONFIG", "SET", "list-max-listpack-size", fill]), ok());
        }
        for _ in 0..400 {
            let key = KEYS[rng.below(KEYS.len())];
            let mut cmd: Vec<String> = Vec::new();
            let push = |cmd: &mut Vec<String>, words: &[&str]| cmd.extend(words.iter().map(|w| w.to_string()));
            match (&key[..1], rng.below(6)) {
                ("l", 0 | 1) => {
                    push(&mut cmd, &[*rng.pick(&["RPUSH", "LPUSH"]), key]);
                    let n = 1 + rng.below(150);
                    cmd.extend((0..n).map(|_| value(&mut rng)));
                }
                ("l", 2) => {
                    let Reply::Array(items) = o.cmd(&["LRANGE", key, "0", "-1"]) else { panic!() };
                    let pivot = match items.get(rng.below(items.len().max(1))) {
                        Some(Reply::Bulk(b)) => String::from_utf8_lossy(b).into_owned(),
                        _ => "none".into(),
                    };
                    push(&mut cmd, &["LINSERT", key, *rng.pick(&["BEFORE", "AFTER"]), &pivot]);
                    cmd.push(value(&mut rng));
                }
                ("l", 3) => push(&mut cmd, &["LSET", key, &rng.range(-40, 40).to_string(), &value(&mut rng)]),
                ("l", 4) => push(&mut cmd, &[*rng.pick(&["LPOP", "RPOP"]), key, &(1 + rng.below(30)).to_string()]),
                ("l", _) => push(&mut cmd, &["LREM", key, &rng.range(-3, 3).to_string(), &value(&mut rng)]),
                ("h", 0..=2) => {
                    push(&mut cmd, &["HSET", key]);
                    for _ in 0..1 + rng.below(4) {
                        cmd.push(value(&mut rng));
                        cmd.push(value(&mut rng));
                    }
                }
                ("h", 3) => push(&mut cmd, &["HINCRBY", key, &rng.below(5).to_string(), "3"]),
                ("h", _) => push(&mut cmd, &["HDEL", key, &rng.below(5).to_string(), &value(&mut rng)]),
                ("z", 0..=2) => {
                    push(&mut cmd, &["ZADD", key]);
                    for _ in 0..1 + rng.below(4) {
                        cmd.push(score(&mut rng));
                        cmd.push(rng.below(200).to_string());
                    }
                }
                ("z", 3) => push(&mut cmd, &["ZINCRBY", key, &score(&mut rng), &rng.below(200).to_string()]),
                ("z", _) => push(&mut cmd, &["ZREM", key, &rng.below(200).to_string()]),
                (_, 0..=2) => {
                    push(&mut cmd, &["SADD", key]);
                    for _ in 0..1 + rng.below(4) {
                        cmd.push(rng.range(-40_000, 40_000).to_string());
                    }
                }
                (_, 3) => push(&mut cmd, &["SADD", key, &rng.range(-(1 << 40), 1 << 40).to_string()]),
                (_, _) => push(&mut cmd, &["SREM", key, &rng.range(-40_000, 40_000).to_string()]),
            }
            let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
            assert_eq!(o.cmd(&args), r.cmd(&args), "{:?}", &args[..args.len().min(4)]);
            for k in KEYS {
                let deterministic = matches!(o.cmd(&["OBJECT", "ENCODING", k]),
                    Reply::Bulk(e) if [&b"quicklist"[..], b"listpack", b"intset", b"skiplist"].contains(&&e[..]));
                if deterministic {
                    assert_eq!(
                        o.cmd(&["DUMP", k]),
                        r.cmd(&["DUMP", k]),
                        "DUMP {k} after {:?}",
                        &args[..args.len().min(4)]
                    );
                }
            }
        }
    }
}
