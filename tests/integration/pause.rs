//! CLIENT PAUSE / CLIENT UNPAUSE with several real TCP clients: which
//! commands a WRITE or ALL pause holds back, the order postponed commands
//! run in once the pause ends (UNPAUSE or its timeout), expiry standing
//! still during a pause, and a postponed client that disconnects. A client
//! is known to be postponed when INFO `blocked_clients` counts it, so no
//! scenario depends on timing except the timeout's "not before" bound.
//! `scenario_like_redis` runs one scenario on a real redis-server too.

use std::time::{Duration, Instant};

use crate::common::*;

fn blocked_clients(ctl: &mut Conn) -> i64 {
    info_field(ctl, "clients", "blocked_clients").parse().expect("blocked_clients")
}

/// Waits until INFO counts `n` blocked (postponed) clients.
fn wait_blocked(ctl: &mut Conn, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while blocked_clients(ctl) != n {
        assert!(Instant::now() < deadline, "blocked_clients never reached {n}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// True if nothing arrives on `c` for `wait` (the client got no reply).
fn silent_for(c: &mut Conn, wait: Duration) -> bool {
    c.stream.set_read_timeout(Some(wait)).unwrap();
    let silent = c.stream.peek(&mut [0u8; 1]).is_err();
    c.stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    silent
}

fn client_list_line(ctl: &mut Conn, c: &mut Conn) -> String {
    let Reply::Int(id) = c.cmd(&["CLIENT", "ID"]) else { panic!("CLIENT ID") };
    match ctl.cmd(&["CLIENT", "LIST", "ID", &id.to_string()]) {
        Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        r => panic!("CLIENT LIST answered {r:?}"),
    }
}

#[test]
fn write_pause_postpones_writes_and_serves_reads() {
    let s = TestServer::start(&[]);
    let mut ctl = s.conn();
    let mut writer = s.conn();
    let mut reader = s.conn();
    let line = client_list_line(&mut ctl, &mut writer);
    assert!(line.contains(" flags=N "), "{line}");
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), ok());
    // The SET is held back, and the GET pipelined behind it with it.
    writer.send(&["SET", "k", "v"]);
    writer.send(&["GET", "k"]);
    wait_blocked(&mut ctl, 1);
    assert_eq!(reader.cmd(&["GET", "k"]), nil());
    assert_eq!(reader.cmd(&["PING"]), simple("PONG"));
    assert!(silent_for(&mut writer, Duration::from_millis(200)));
    let Reply::Bulk(list) = ctl.cmd(&["CLIENT", "LIST"]) else { panic!("CLIENT LIST") };
    let list = String::from_utf8_lossy(&list).into_owned();
    assert_eq!(list.lines().filter(|l| l.contains(" flags=b ") && l.contains(" cmd=set ")).count(), 1, "{list}");
    // Not counted as a call while postponed.
    let Reply::Bulk(stats) = ctl.cmd(&["INFO", "commandstats"]) else { panic!("INFO") };
    assert!(!String::from_utf8_lossy(&stats).contains("cmdstat_set:"));
    assert_eq!(ctl.cmd(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(writer.read_reply(), ok());
    assert_eq!(writer.read_reply(), bulk("v"));
    assert_eq!(blocked_clients(&mut ctl), 0);
    assert!(info_field(&mut ctl, "commandstats", "cmdstat_set").starts_with("calls=1,"));
}

#[test]
fn all_pause_postpones_everything_until_its_end() {
    let s = TestServer::start(&[]);
    let mut ctl = s.conn();
    let mut a = s.conn();
    let mut b = s.conn();
    let start = Instant::now();
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "1000", "ALL"]), ok());
    a.send(&["RPUSH", "l", "a1"]);
    a.send(&["LRANGE", "l", "0", "-1"]);
    b.send(&["PING"]);
    b.send(&["RPUSH", "l", "b1"]);
    a.send(&["RPUSH", "l", "a2"]);
    assert!(silent_for(&mut a, Duration::from_millis(200)));
    assert!(silent_for(&mut b, Duration::from_millis(100)));
    // Everything waits, CLIENT UNPAUSE and the pausing client included:
    // only the end time ends an ALL pause.
    ctl.send(&["CLIENT", "UNPAUSE"]);
    assert!(silent_for(&mut ctl, Duration::from_millis(100)));
    assert_eq!(a.read_reply(), int(1));
    assert!(start.elapsed() >= Duration::from_millis(990), "released after {:?}", start.elapsed());
    // Each released client runs what it has buffered, in the order the
    // clients were postponed (as Redis's reprocessing does).
    assert_eq!(a.read_reply(), bulks(&["a1"]));
    assert_eq!(a.read_reply(), int(2));
    assert_eq!(b.read_reply(), simple("PONG"));
    assert_eq!(b.read_reply(), int(3));
    assert_eq!(ctl.read_reply(), ok());
    assert_eq!(ctl.cmd(&["LRANGE", "l", "0", "-1"]), bulks(&["a1", "a2", "b1"]));
    assert_eq!(blocked_clients(&mut ctl), 0);
}

#[test]
fn postponed_clients_resume_in_arrival_order() {
    let s = TestServer::start(&[]);
    let mut ctl = s.conn();
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), ok());
    let mut clients: Vec<Conn> = (0..5).map(|_| s.conn()).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        c.send(&["RPUSH", "order", &i.to_string()]);
        wait_blocked(&mut ctl, i as i64 + 1);
    }
    assert_eq!(ctl.cmd(&["CLIENT", "UNPAUSE"]), ok());
    let mut lengths: Vec<i64> = Vec::new();
    for c in &mut clients {
        let Reply::Int(n) = c.read_reply() else { panic!("RPUSH") };
        lengths.push(n);
    }
    assert_eq!(lengths, [1, 2, 3, 4, 5]);
    assert_eq!(ctl.cmd(&["LRANGE", "order", "0", "-1"]), bulks(&["0", "1", "2", "3", "4"]));
}

#[test]
fn pause_timeout_releases_not_before_its_end() {
    let s = TestServer::start(&[]);
    let mut ctl = s.conn();
    let mut w = s.conn();
    let start = Instant::now();
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "400", "WRITE"]), ok());
    w.send(&["SET", "k", "v"]);
    assert_eq!(w.read_reply(), ok());
    // Millisecond end times: allow for the rounding of two clocks.
    assert!(start.elapsed() >= Duration::from_millis(390), "released after {:?}", start.elapsed());
    assert_eq!(ctl.cmd(&["GET", "k"]), bulk("v"));
    // A timeout of 0 pauses nothing.
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "0", "ALL"]), ok());
    assert_eq!(w.cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn second_pause_keeps_later_end_and_stronger_kind() {
    let s = TestServer::start(&[]);
    let mut ctl = s.conn();
    let mut c = s.conn();
    let start = Instant::now();
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "1200", "WRITE"]), ok());
    // Shorter, but ALL: the kind strengthens, the later end stays.
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "10", "ALL"]), ok());
    std::thread::sleep(Duration::from_millis(200));
    c.send(&["GET", "k"]);
    assert!(silent_for(&mut c, Duration::from_millis(200)));
    assert_eq!(c.read_reply(), nil());
    assert!(start.elapsed() >= Duration::from_millis(1190), "released after {:?}", start.elapsed());
    // CLIENT UNPAUSE ends a WRITE pause at once.
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), ok());
    c.send(&["SET", "k", "v"]);
    wait_blocked(&mut ctl, 1);
    assert_eq!(ctl.cmd(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(c.read_reply(), ok());
}

#[test]
fn keys_do_not_expire_during_a_pause() {
    let s = TestServer::start(&[]);
    let mut ctl = s.conn();
    assert_eq!(ctl.cmd(&["SET", "k", "v", "PX", "50"]), ok());
    assert_eq!(ctl.cmd(&["SET", "k2", "v", "PX", "50"]), ok());
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), ok());
    // Several cron periods: the active cycle would have deleted them.
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(ctl.cmd(&["GET", "k"]), nil());
    assert_eq!(ctl.cmd(&["EXISTS", "k", "k2"]), int(0));
    assert_eq!(ctl.cmd(&["DBSIZE"]), int(2));
    assert_eq!(info_field(&mut ctl, "stats", "expired_keys"), "0");
    assert_eq!(ctl.cmd(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(ctl.cmd(&["GET", "k"]), nil());
    assert_eq!(ctl.cmd(&["GET", "k2"]), nil());
    assert_eq!(info_field(&mut ctl, "stats", "expired_keys"), "2");
    assert_eq!(ctl.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn postponed_client_that_disconnects_is_dropped() {
    let s = TestServer::start(&[]);
    let mut ctl = s.conn();
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), ok());
    let mut gone = s.conn();
    gone.send(&["SET", "gone", "1"]);
    wait_blocked(&mut ctl, 1);
    let mut stays = s.conn();
    stays.send(&["SET", "stays", "1"]);
    wait_blocked(&mut ctl, 2);
    drop(gone);
    wait_blocked(&mut ctl, 1);
    assert_eq!(ctl.cmd(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(stays.read_reply(), ok());
    assert_eq!(ctl.cmd(&["EXISTS", "gone"]), int(0));
    assert_eq!(ctl.cmd(&["EXISTS", "stays"]), int(1));
    assert_eq!(blocked_clients(&mut ctl), 0);
}

#[test]
fn write_pause_and_transactions_and_scripts() {
    let s = TestServer::start(&[]);
    let mut ctl = s.conn();
    assert_eq!(ctl.cmd(&["SET", "foo", "bar"]), ok());
    // A transaction that only reads runs.
    let mut r = s.conn();
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), ok());
    assert_eq!(r.cmd(&["MULTI"]), ok());
    assert_eq!(r.cmd(&["GET", "foo"]), simple("QUEUED"));
    assert_eq!(r.cmd(&["EXEC"]), arr(vec![bulk("bar")]));
    // Scripts without the no-writes flag, PUBLISH and PFCOUNT may replicate.
    assert_eq!(r.cmd(&["EVAL", "#!lua flags=no-writes\nreturn 7", "0"]), int(7));
    assert_eq!(r.cmd(&["EVAL_RO", "return 8", "0"]), int(8));
    let mut e = s.conn();
    e.send(&["EVAL", "return 1", "0"]);
    wait_blocked(&mut ctl, 1);
    let mut p = s.conn();
    p.send(&["PUBLISH", "ch", "m"]);
    wait_blocked(&mut ctl, 2);
    // A write inside MULTI is held back when it is queued.
    let mut m = s.conn();
    assert_eq!(m.cmd(&["MULTI"]), ok());
    m.send(&["SET", "foo", "baz"]);
    wait_blocked(&mut ctl, 3);
    assert_eq!(ctl.cmd(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(e.read_reply(), int(1));
    assert_eq!(p.read_reply(), int(0));
    assert_eq!(m.read_reply(), simple("QUEUED"));
    // An EXEC holding a write is held back too.
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), ok());
    m.send(&["EXEC"]);
    wait_blocked(&mut ctl, 1);
    assert_eq!(ctl.cmd(&["GET", "foo"]), bulk("bar"));
    assert_eq!(ctl.cmd(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(m.read_reply(), arr(vec![ok()]));
    assert_eq!(ctl.cmd(&["GET", "foo"]), bulk("baz"));
    // Commands refused by a check are answered at once.
    assert_eq!(ctl.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), ok());
    assert_eq!(r.cmd(&["SET", "foo"]), err("ERR wrong number of arguments for 'set' command"));
    assert_eq!(ctl.cmd(&["CLIENT", "UNPAUSE"]), ok());
}

/// One scenario's replies and INFO/CLIENT LIST readings, as text.
fn scenario(e: &impl Endpoint) -> Vec<String> {
    let mut log = Vec::new();
    let mut ctl = e.connect();
    let mut w = e.connect();
    let mut r = e.connect();
    log.push(format!("{:?}", ctl.cmd(&["SET", "t", "v", "PX", "30"])));
    log.push(format!("{:?}", ctl.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"])));
    log.push(format!("{:?}", ctl.cmd(&["CLIENT", "PAUSE", "abc"])));
    log.push(format!("{:?}", ctl.cmd(&["CLIENT", "PAUSE", "-1"])));
    log.push(format!("{:?}", ctl.cmd(&["CLIENT", "PAUSE", "10", "READ"])));
    let Reply::Int(w_id) = w.cmd(&["CLIENT", "ID"]) else { panic!("CLIENT ID") };
    w.send(&["INCR", "n"]);
    wait_blocked(&mut ctl, 1);
    let Reply::Bulk(line) = ctl.cmd(&["CLIENT", "LIST", "ID", &w_id.to_string()]) else { panic!("CLIENT LIST") };
    let line = String::from_utf8_lossy(&line).into_owned();
    let shown = ["flags=", "cmd=", "argv-mem=", "qbuf="];
    log.push(line.split(' ').filter(|f| shown.iter().any(|p| f.starts_with(p))).collect::<Vec<_>>().join(" "));
    std::thread::sleep(Duration::from_millis(200));
    log.push(format!("{:?}", r.cmd(&["GET", "t"])));
    log.push(format!("{:?}", r.cmd(&["DBSIZE"])));
    log.push(info_field(&mut ctl, "stats", "expired_keys"));
    log.push(info_field(&mut ctl, "clients", "blocked_clients"));
    log.push(format!("{:?}", ctl.cmd(&["CLIENT", "UNPAUSE"])));
    log.push(format!("{:?}", w.read_reply()));
    log.push(format!("{:?}", r.cmd(&["GET", "t"])));
    log.push(format!("{:?}", r.cmd(&["DBSIZE"])));
    log.push(info_field(&mut ctl, "stats", "expired_keys"));
    log
}

#[test]
#[ignore = "needs redis-server"]
fn scenario_like_redis() {
    let ours = scenario(&TestServer::start(&[]));
    let redis = scenario(&RealRedis::start(&[]));
    assert_eq!(ours, redis);
}
