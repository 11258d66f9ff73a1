//! The commands of a standalone master that has no replicas, modules or
//! cluster: ROLE, REPLICAOF/SLAVEOF, WAIT, FAILOVER, MODULE, READONLY/
//! READWRITE/ASKING, LOLWUT, and the latency monitor's LATENCY; plus the
//! same replies as real redis-server for all of them.

use std::time::{Duration, Instant};

use crate::common::*;

fn text(r: &Reply) -> String {
    match r {
        Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        Reply::Verbatim(_, b) => String::from_utf8_lossy(b).into_owned(),
        r => panic!("not text: {r:?}"),
    }
}

#[test]
fn a_master_without_replicas() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["ROLE"]), arr(vec![bulk("master"), int(0), arr(vec![])]));
    assert_eq!(c.cmd(&["REPLICAOF", "no", "one"]), ok());
    assert_eq!(c.cmd(&["SLAVEOF", "NO", "ONE"]), ok());
    assert_eq!(c.cmd(&["REPLICAOF", "localhost", "70000"]), err("ERR Invalid master port"));
    // Following a master is accepted, but the link never comes up (see
    // replication.rs); REPLICAOF NO ONE makes us a master again.
    assert_eq!(c.cmd(&["REPLICAOF", "localhost", "6379"]), ok());
    assert_eq!(c.cmd(&["REPLICAOF", "no", "one"]), ok());
    assert_eq!(c.cmd(&["ROLE"]), arr(vec![bulk("master"), int(0), arr(vec![])]), "a master again");
    assert_eq!(c.cmd(&["FAILOVER"]), err("ERR FAILOVER requires connected replicas."));
    assert_eq!(c.cmd(&["FAILOVER", "ABORT"]), err("ERR No failover in progress."));
    assert_eq!(c.cmd(&["FAILOVER", "TIMEOUT", "0"]), err("ERR FAILOVER timeout must be greater than 0"));
    assert_eq!(c.cmd(&["FAILOVER", "TO", "h"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["FAILOVER", "TO", "h", "x"]), err("ERR value is not an integer or out of range"));
    for cmd in ["READONLY", "READWRITE", "ASKING"] {
        assert_eq!(c.cmd(&[cmd]), err("ERR This instance has cluster support disabled"));
    }
}

#[test]
fn wait_answers_zero_at_once_or_after_its_timeout() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["WAIT", "0", "0"]), int(0));
    let start = Instant::now();
    assert_eq!(c.cmd(&["WAIT", "1", "150"]), int(0));
    assert!(start.elapsed() >= Duration::from_millis(140), "{:?}", start.elapsed());
    assert_eq!(c.cmd(&["WAIT", "1", "-1"]), err("ERR timeout is negative"));
    assert_eq!(c.cmd(&["WAIT", "x", "1"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["WAIT", "1", "x"]), err("ERR timeout is not an integer or out of range"));
    // Inside MULTI it may not block: 0 at once.
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["WAIT", "1", "0"]), simple("QUEUED"));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![int(0)]));
    // Forever, until CLIENT UNBLOCK answers it as a timeout.
    let Reply::Int(id) = c.cmd(&["CLIENT", "ID"]) else { panic!("id") };
    c.send(&["WAIT", "2", "0"]);
    let mut other = s.conn();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(info_field(&mut other, "clients", "blocked_clients"), "1");
    assert_eq!(other.cmd(&["CLIENT", "UNBLOCK", &id.to_string()]), int(1));
    assert_eq!(c.read_reply(), int(0));
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
}

#[test]
fn modules_cannot_be_loaded() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["MODULE", "LIST"]), arr(vec![]));
    let not_allowed = "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you \
                       can run it from a local connection, otherwise you need to set this option in the \
                       configuration file, and then restart the server.";
    assert_eq!(c.cmd(&["MODULE", "LOAD", "/x.so"]), err(not_allowed));
    assert_eq!(c.cmd(&["MODULE", "UNLOAD", "x"]), err(not_allowed));
    let Reply::Array(help) = c.cmd(&["MODULE", "HELP"]) else { panic!("help") };
    assert_eq!(help.len(), 11);
    let local = TestServer::start(&["--enable-module-command", "local"]);
    let mut c = local.conn();
    assert_eq!(
        c.cmd(&["MODULE", "LOAD", "/x.so", "a"]),
        err("ERR Error loading the extension. Please check the server logs.")
    );
    assert_eq!(
        c.cmd(&["MODULE", "LOADEX", "/x.so"]),
        err("ERR Error loading the extension. Please check the server logs.")
    );
    assert_eq!(c.cmd(&["MODULE", "UNLOAD", "x"]), err("ERR Error unloading module: no such module with that name"));
}

#[test]
fn lolwut_prints_the_version_and_schotter() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(text(&c.cmd(&["LOLWUT"])), "Redis ver. 7.0.15\n");
    assert_eq!(text(&c.cmd(&["LOLWUT", "VERSION", "7", "1", "2"])), "Redis ver. 7.0.15\n");
    assert_eq!(c.cmd(&["LOLWUT", "VERSION", "x"]), err("ERR value is not an integer or out of range"));
    let art = text(&c.cmd(&["LOLWUT", "VERSION", "5", "10", "2", "1"]));
    let lines: Vec<&str> = art.lines().collect();
    // 10 columns, two squares of side 8 a row, one row: 20x12 pixels, 3
    // Braille rows of 10, each ending in a newline; then a newline and the
    // caption.
    assert_eq!(lines.len(), 5, "{art}");
    assert!(
        lines[..3]
            .iter()
            .all(|l| l.chars().count() == 10 && l.chars().all(|ch| ('\u{2800}'..='\u{28ff}').contains(&ch)))
    );
    assert_eq!(lines[3], "");
    assert_eq!(lines[4], "Georg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15");
    assert!(art.ends_with("7.0.15\n"));
    assert_eq!(c.cmd(&["LOLWUT", "VERSION", "5", "x"]), err("ERR value is not an integer or out of range"));
}

#[test]
fn latency_monitor_records_slow_commands() {
    let s = TestServer::start(&["--enable-debug-command", "yes"]);
    let mut c = s.conn();
    let doctor = text(&c.cmd(&["LATENCY", "DOCTOR"]));
    assert!(doctor.starts_with("I'm sorry, Dave, I can't do that. Latency monitoring is disabled"), "{doctor}");
    assert_eq!(c.cmd(&["LATENCY", "LATEST"]), arr(vec![]));
    assert_eq!(c.cmd(&["LATENCY", "HISTORY", "command"]), arr(vec![]));
    assert_eq!(c.cmd(&["LATENCY", "GRAPH", "command"]), err("ERR No samples available for event 'command'"));
    assert_eq!(c.cmd(&["LATENCY", "RESET"]), int(0));
    assert_eq!(c.cmd(&["CONFIG", "SET", "latency-monitor-threshold", "5"]), ok());
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0.03"]), ok());
    assert_eq!(c.cmd(&["PING"]), simple("PONG"), "fast and below the threshold: not recorded");
    let Reply::Array(latest) = c.cmd(&["LATENCY", "LATEST"]) else { panic!("latest") };
    assert_eq!(latest.len(), 1, "{latest:?}");
    let Reply::Array(f) = &latest[0] else { panic!("{latest:?}") };
    assert_eq!(f[0], bulk("command"));
    let (Reply::Int(when), Reply::Int(ms), Reply::Int(max)) = (&f[1], &f[2], &f[3]) else { panic!("{f:?}") };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - when).abs() < 10 && (30..200).contains(ms) && max == ms, "{f:?}");
    let Reply::Array(history) = c.cmd(&["LATENCY", "HISTORY", "command"]) else { panic!("history") };
    assert_eq!(history, vec![arr(vec![int(*when), int(*ms)])]);
    let graph = text(&c.cmd(&["LATENCY", "GRAPH", "command"]));
    assert!(
        graph
            .starts_with(&format!("command - high {ms} ms, low {ms} ms (all time high {ms} ms)\n{}\n", "-".repeat(80)))
    );
    let doctor = text(&c.cmd(&["LATENCY", "DOCTOR"]));
    assert!(doctor.contains("1. command: 1 latency spikes (average"), "{doctor}");
    assert!(doctor.contains("Please use 'CONFIG SET slowlog-log-slower-than 5000'"), "{doctor}");
    assert_eq!(c.cmd(&["LATENCY", "RESET", "command", "nope"]), int(1));
    assert_eq!(c.cmd(&["LATENCY", "LATEST"]), arr(vec![]));
}

#[test]
fn latency_histogram_counts_calls_per_command() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for _ in 0..5 {
        assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    }
    let Reply::Array(map) = c.cmd(&["LATENCY", "HISTOGRAM", "set", "nosuch", "config"]) else { panic!("map") };
    // set, then config|set (this test's server ran CONFIG SET? no: none).
    assert_eq!(map[0], bulk("set"), "{map:?}");
    let Reply::Array(fields) = &map[1] else { panic!("{map:?}") };
    assert_eq!(fields[..2], [bulk("calls"), int(5)]);
    let Reply::Array(buckets) = &fields[3] else { panic!("{fields:?}") };
    assert_eq!(buckets.last(), Some(&int(5)), "cumulative: the last bucket counts every call");
    assert_eq!(map.len(), 2, "only commands with calls: {map:?}");
    let Reply::Array(all) = c.cmd(&["LATENCY", "HISTOGRAM"]) else { panic!("map") };
    let names: Vec<Reply> = all.iter().step_by(2).cloned().collect();
    assert!(names.contains(&bulk("set")) && names.contains(&bulk("latency|histogram")), "{names:?}");
}

#[test]
#[ignore = "needs redis-server"]
fn same_replies_as_real_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let (mut r, mut o) = (real.conn(), ours.conn());
    let script: &[&[&str]] = &[
        &["ROLE"],
        &["REPLICAOF", "NO", "ONE"],
        &["REPLICAOF", "h", "-1"],
        &["REPLICAOF", "h", "x"],
        &["SLAVEOF", "no", "one"],
        &["WAIT", "0", "0"],
        &["WAIT", "1", "20"],
        &["WAIT", "1", "-5"],
        &["WAIT", "1", "x"],
        &["WAIT", "1.5", "1"],
        &["FAILOVER"],
        &["FAILOVER", "ABORT"],
        &["FAILOVER", "FORCE"],
        &["FAILOVER", "TIMEOUT", "-1"],
        &["FAILOVER", "TIMEOUT", "10", "TIMEOUT", "10"],
        &["FAILOVER", "TO", "h", "1", "FORCE", "TIMEOUT", "5"],
        &["FAILOVER", "ABORT", "FORCE"],
        &["READONLY"],
        &["READWRITE"],
        &["ASKING"],
        &["MODULE", "LIST"],
        &["MODULE", "HELP"],
        &["MODULE", "LOAD", "/nonexistent.so"],
        &["MODULE", "UNLOAD", "m"],
        &["MODULE", "NOPE"],
        &["LOLWUT"],
        &["LOLWUT", "VERSION", "1"],
        &["LOLWUT", "VERSION", "x"],
        &["LATENCY", "HELP"],
        &["LATENCY", "DOCTOR"],
        &["LATENCY", "LATEST"],
        &["LATENCY", "HISTORY", "command"],
        &["LATENCY", "GRAPH", "command"],
        &["LATENCY", "RESET"],
        &["LATENCY", "RESET", "a", "b"],
        &["LATENCY", "NOPE"],
        &["LATENCY", "HISTOGRAM", "nosuch"],
    ];
    for proto in ["2", "3"] {
        assert!(!matches!(o.cmd(&["HELLO", proto]), Reply::Error(_)));
        assert!(!matches!(r.cmd(&["HELLO", proto]), Reply::Error(_)));
        for cmd in script {
            assert_eq!(o.cmd(cmd), r.cmd(cmd), "{cmd:?} (RESP{proto})");
        }
    }
}
