//! MONITOR: the lines a monitoring client receives (timestamps and client
//! ports normalized), on our server with the expected lines and, in the
//! `_like_redis` test, identical to redis-server's: commands after they
//! run with the database they ran in, MULTI/EXEC order, an aborted EXEC,
//! EVAL before its script's commands (`lua`), redacted AUTH/HELLO
//! secrets, admin commands (CONFIG) hidden, a second MONITOR unanswered, RESET
//! ending monitor mode.

use crate::common::*;

/// `+1732430000.123456 [0 127.0.0.1:5000] "get" "k"` → `[0 ADDR] "get" "k"`.
fn normalize(line: &str) -> String {
    let parts = line.split_once(' ').and_then(|(_, rest)| rest.split_once(' ')).and_then(|(db, rest)| {
        let (addr, args) = rest.split_once(']')?;
        Some((db, addr, args))
    });
    let Some((db, addr, args)) = parts else { panic!("not a monitor line: {line:?}") };
    let addr = if addr == "lua" { "lua" } else { "ADDR" };
    format!("{db} {addr}]{args}")
}

fn next_line(m: &mut Conn) -> String {
    match m.read_reply() {
        Reply::Simple(s) => s,
        r => panic!("monitor got {r:?}"),
    }
}

fn scenario(port: u16) -> Vec<String> {
    let mut m = Conn::connect(port);
    let mut c = Conn::connect(port);
    let mut log = vec![format!("{:?}", m.cmd(&["MONITOR"]))];
    let commands: &[&[&str]] = &[
        &["SET", "k", "v\n\"x"],
        &["SELECT", "2"],
        &["GET", "k"],
        &["SELECT", "0"],
        &["MULTI"],
        &["SET", "a", "1"],
        &["EXEC"],
        &["MULTI"],
        &["NOSUCH"],
        &["EXEC"],
        &["EVAL", "redis.call('set',KEYS[1],ARGV[1])", "1", "foo", "bar"],
        &["AUTH", "not-real"],
        &["HELLO", "2", "AUTH", "u", "p"],
        &["CONFIG", "GET", "maxmemory"],
        &["CLIENT", "ID"],
    ];
    for cmd in commands {
        c.cmd(cmd);
    }
    for _ in 0..14 {
        log.push(normalize(&next_line(&mut m)));
    }
    // A second MONITOR is not answered: the next reply is PING's.
    m.send(&["MONITOR"]);
    log.push(format!("{:?}", m.cmd(&["PING"])));
    log.push(normalize(&next_line(&mut m)));
    log.push(format!("{:?}", m.cmd(&["RESET"])));
    c.cmd(&["SET", "after", "reset"]);
    log.push(format!("{:?}", m.cmd(&["PING"])));
    log
}

fn expected() -> Vec<String> {
    let mut v: Vec<String> = vec![format!("{:?}", ok())];
    v.extend(
        [
            r#"[0 ADDR] "SET" "k" "v\n\"x""#,
            r#"[2 ADDR] "SELECT" "2""#,
            r#"[2 ADDR] "GET" "k""#,
            r#"[0 ADDR] "SELECT" "0""#,
            r#"[0 ADDR] "MULTI""#,
            r#"[0 ADDR] "SET" "a" "1""#,
            r#"[0 ADDR] "EXEC""#,
            r#"[0 ADDR] "MULTI""#,
            r#"[0 ADDR] "EXEC""#,
            r#"[0 ADDR] "EVAL" "redis.call('set',KEYS[1],ARGV[1])" "1" "foo" "bar""#,
            r#"[0 lua] "set" "foo" "bar""#,
            r#"[0 ADDR] "AUTH" "(redacted)""#,
            r#"[0 ADDR] "HELLO" "2" "AUTH" "(redacted)" "(redacted)""#,
            r#"[0 ADDR] "CLIENT" "ID""#,
        ]
        .map(String::from),
    );
    v.push(format!("{:?}", simple("PONG")));
    v.push(r#"[0 ADDR] "PING""#.into());
    v.push(format!("{:?}", simple("RESET")));
    v.push(format!("{:?}", simple("PONG")));
    v
}

#[test]
fn monitor_lines() {
    let s = TestServer::start(&[]);
    assert_eq!(scenario(s.port), expected());
}

#[test]
#[ignore = "needs redis-server"]
fn monitor_lines_like_redis() {
    let r = RealRedis::start(&[]);
    assert_eq!(scenario(r.port), expected());
}
