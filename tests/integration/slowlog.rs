//! SLOWLOG: what is logged, how entries look, the length and threshold
//! settings, and the same sequence against real redis-server.

use crate::common::*;

/// One entry with its volatile fields (id, time, duration, client port)
/// checked and dropped: (arguments, client ip, client name).
fn entry_parts(e: &Reply) -> (Vec<String>, String, String) {
    let Reply::Array(f) = e else { panic!("entry: {e:?}") };
    assert_eq!(f.len(), 6, "{e:?}");
    let (Reply::Int(_id), Reply::Int(time), Reply::Int(_usec)) = (&f[0], &f[1], &f[2]) else { panic!("{e:?}") };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - time).abs() < 60, "time {time}");
    let text = |r: &Reply| match r {
        Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        r => panic!("not a bulk: {r:?}"),
    };
    let Reply::Array(args) = &f[3] else { panic!("{e:?}") };
    let peer = text(&f[4]);
    let ip = peer.rsplit_once(':').expect("ip:port").0.to_owned();
    (args.iter().map(text).collect(), ip, text(&f[5]))
}

fn entries(c: &mut Conn, args: &[&str]) -> Vec<(Vec<String>, String, String)> {
    let Reply::Array(list) = c.cmd(args) else { panic!("SLOWLOG GET") };
    list.iter().map(entry_parts).collect()
}

/// A session of commands, then the whole log.
fn session(c: &mut Conn) -> Vec<(Vec<String>, String, String)> {
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]), ok());
    assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "logged"]), ok());
    let long = "v".repeat(200);
    assert_eq!(c.cmd(&["SET", "k", &long]), ok());
    let many: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
    let mut sadd = vec!["SADD", "s"];
    sadd.extend(many.iter().map(String::as_str));
    assert_eq!(c.cmd(&sadd), int(40));
    assert_eq!(c.cmd(&["CONFIG", "SET", "masterauth", "secret", "maxmemory-samples", "5"]), ok());
    assert_eq!(c.cmd(&["ACL", "SETUSER", "bob", "on", ">pw"]), ok());
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["INCR", "n"]), simple("QUEUED"));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![int(1)]));
    assert_eq!(c.cmd(&["EVAL", "return redis.call('GET', 'n')", "0"]), bulk("1"));
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "-1"]), ok());
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    entries(c, &["SLOWLOG", "GET", "-1"])
}

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn logs_commands_as_redis_does() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let log = session(&mut c);
    let args: Vec<Vec<String>> = log.iter().map(|e| e.0.clone()).collect();
    let mut sadd = owned(&["SADD", "s"]);
    sadd.extend((0..29).map(|i| format!("m{i}")));
    sadd.push("... (11 more arguments)".into());
    assert_eq!(
        args,
        [
            owned(&["EVAL", "return redis.call('GET', 'n')", "0"]),
            owned(&["GET", "n"]),
            owned(&["INCR", "n"]),
            owned(&["MULTI"]),
            owned(&["ACL", "SETUSER", "(redacted)", "(redacted)", "(redacted)"]),
            owned(&["CONFIG", "SET", "masterauth", "(redacted)", "maxmemory-samples", "5"]),
            sadd,
            owned(&["SET", "k", &format!("{}... (72 more bytes)", "v".repeat(128))]),
            owned(&["CLIENT", "SETNAME", "logged"]),
            owned(&["SLOWLOG", "RESET"]),
        ]
    );
    // The CONFIG SET that turned the log off is not in it; EXEC is never
    // logged (its commands are). The script's command is logged as the
    // script client's ("?:0").
    assert_eq!((log[1].1.as_str(), log[1].2.as_str()), ("?", ""));
    assert_eq!((log[0].1.as_str(), log[0].2.as_str()), ("127.0.0.1", "logged"));
    assert_eq!(log.last().map(|e| e.2.as_str()), Some(""));
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), int(10));
    assert_eq!(entries(&mut c, &["SLOWLOG", "GET"]).len(), 10);
    assert_eq!(entries(&mut c, &["SLOWLOG", "GET", "2"]).len(), 2);
    assert_eq!(entries(&mut c, &["SLOWLOG", "GET", "0"]).len(), 0);
    let count_err = err("ERR count should be greater than or equal to -1");
    assert_eq!(c.cmd(&["SLOWLOG", "GET", "-2"]), count_err);
    assert_eq!(c.cmd(&["SLOWLOG", "GET", "x"]), count_err);
    assert_eq!(
        c.cmd(&["SLOWLOG", "GET", "1", "2"]),
        err("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
    );
}

#[test]
fn threshold_and_length_settings() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "GET", "slowlog-max-len"]), bulks(&["slowlog-max-len", "128"]));
    assert_eq!(c.cmd(&["CONFIG", "GET", "slowlog-log-slower-than"]), bulks(&["slowlog-log-slower-than", "10000"]));
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), int(0));
    // Only commands at least as slow as the threshold.
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "100000"]), ok());
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), int(0));
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0.2"]), ok());
    let Reply::Array(log) = c.cmd(&["SLOWLOG", "GET"]) else { panic!() };
    let Reply::Array(e) = &log[0] else { panic!() };
    assert!(matches!(e[2], Reply::Int(us) if us >= 200_000), "{e:?}");
    assert_eq!(e[3], bulks(&["DEBUG", "SLEEP", "0.2"]));
    // A zero length keeps nothing; a length keeps the newest.
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-max-len", "0", "slowlog-log-slower-than", "0"]), ok());
    for _ in 0..20 {
        assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    }
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), int(0));
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-max-len", "10"]), ok());
    for _ in 0..20 {
        assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    }
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), int(10));
    assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), ok());
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), int(1));
}

#[test]
#[ignore = "needs redis-server"]
fn same_log_as_real_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let theirs = session(&mut real.conn());
    let mine = session(&mut ours.conn());
    assert_eq!(mine, theirs);
}
