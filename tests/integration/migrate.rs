//! MIGRATE between two servers: moved and copied keys with their TTLs,
//! REPLACE, BUSYKEY and authentication errors from the target, NOKEY, the
//! KEYS form, argument errors, an unreachable target, and the DEL it is
//! propagated as; ours against ours, redis-server against redis-server, and
//! across (our DUMP payloads restore in redis-server and theirs in ours).

use crate::common::*;

/// Runs the same MIGRATE script from `src` to the server on `dst_port`
/// and returns every reply from both sides (TTLs as "positive").
fn migrate_script(src: &mut Conn, dst: &mut Conn, dst_port: u16) -> Vec<Reply> {
    let port = dst_port.to_string();
    let closed = free_port().to_string();
    let mut log = Vec::new();
    let m = |src: &mut Conn, rest: &[&str]| {
        let mut argv = vec!["MIGRATE", "127.0.0.1", &port];
        argv.extend_from_slice(rest);
        src.cmd(&argv)
    };
    let positive = |r: Reply| match r {
        Reply::Int(n) if n > 0 => simple("positive"),
        other => other,
    };
    log.push(src.cmd(&["SET", "a", "1"]));
    log.push(src.cmd(&["SET", "b", "2", "PX", "100000"]));
    log.push(src.cmd(&["RPUSH", "l", "x", "y"]));
    log.push(src.cmd(&["HSET", "h", "f", "v"]));
    log.push(m(src, &["a", "0", "5000"]));
    log.push(src.cmd(&["EXISTS", "a"]));
    log.push(dst.cmd(&["GET", "a"]));
    log.push(dst.cmd(&["PTTL", "a"]));
    log.push(m(src, &["b", "0", "5000", "COPY"]));
    log.push(src.cmd(&["EXISTS", "b"]));
    log.push(positive(dst.cmd(&["PTTL", "b"])));
    log.push(m(src, &["b", "0", "5000"]));
    log.push(src.cmd(&["EXISTS", "b"]));
    log.push(m(src, &["b", "0", "5000", "REPLACE"]));
    log.push(src.cmd(&["EXISTS", "b"]));
    log.push(m(src, &["nokey", "0", "5000"]));
    log.push(m(src, &["", "3", "0", "KEYS", "l", "missing", "h"]));
    log.push(src.cmd(&["EXISTS", "l", "h"]));
    log.push(dst.cmd(&["SELECT", "3"]));
    log.push(dst.cmd(&["LRANGE", "l", "0", "-1"]));
    log.push(dst.cmd(&["HGETALL", "h"]));
    log.push(dst.cmd(&["SELECT", "0"]));
    log.push(m(src, &["k", "0", "5000", "KEYS", "l"]));
    log.push(m(src, &["k", "x", "5000"]));
    log.push(m(src, &["k", "0", "y"]));
    log.push(m(src, &["k", "0", "5000", "FOO"]));
    log.push(m(src, &["k", "0", "5000", "AUTH"]));
    log.push(m(src, &["k", "0", "5000", "AUTH2", "u"]));
    log.push(src.cmd(&["SET", "c", "3"]));
    log.push(src.cmd(&["MIGRATE", "127.0.0.1", &closed, "c", "0", "200"]));
    log.push(dst.cmd(&["ACL", "SETUSER", "mig", "on", ">secret", "~*", "+@all"]));
    log.push(m(src, &["c", "0", "5000", "AUTH2", "mig", "wrong"]));
    log.push(src.cmd(&["EXISTS", "c"]));
    log.push(m(src, &["c", "0", "5000", "AUTH2", "mig", "secret"]));
    log.push(dst.cmd(&["GET", "c"]));
    log.push(src.cmd(&["SET", "d", "4"]));
    log.push(m(src, &["d", "0", "5000", "AUTH", "nopass-for-default"]));
    log.push(src.cmd(&["SELECT", "1"]));
    log.push(src.cmd(&["SET", "e", "5"]));
    log.push(m(src, &["e", "20", "5000"]));
    log
}

#[test]
fn migrate_moves_copies_and_reports_target_errors() {
    let (a, b) = (TestServer::start(&[]), TestServer::start(&[]));
    let log = migrate_script(&mut a.conn(), &mut b.conn(), b.port);
    let want = vec![
        ok(),
        ok(),
        int(2),
        int(1),
        ok(),
        int(0),
        bulk("1"),
        int(-1),
        ok(),
        int(1),
        simple("positive"),
        err("ERR Target instance replied with error: BUSYKEY Target key name already exists."),
        int(1),
        ok(),
        int(0),
        simple("NOKEY"),
        ok(),
        int(0),
        ok(),
        bulks(&["x", "y"]),
        bulks(&["f", "v"]),
        ok(),
        err("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"),
        err("ERR value is not an integer or out of range"),
        err("ERR value is not an integer or out of range"),
        err("ERR syntax error"),
        err("ERR syntax error"),
        err("ERR syntax error"),
        ok(),
        // Redis's blocking connect reports success; the write fails.
        err("IOERR error or timeout writing to target instance"),
        ok(),
        // The AUTH fails but the connection's default user restores the key.
        err("ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled."),
        int(1),
        err("ERR Target instance replied with error: BUSYKEY Target key name already exists."),
        bulk("3"),
        ok(),
        err("ERR Target instance replied with error: ERR AUTH <password> called without any password configured for \
             the default user. Are you sure your configuration is correct?"),
        ok(),
        ok(),
        err("ERR Target instance replied with error: ERR DB index is out of range"),
    ];
    assert_eq!(log, want);
}

#[test]
#[ignore = "needs redis-server"]
fn migrate_matches_redis_server_both_ways() {
    let pair = |src: u16, dst: u16| migrate_script(&mut Conn::connect(src), &mut Conn::connect(dst), dst);
    let (o1, o2) = (TestServer::start(&[]), TestServer::start(&[]));
    let (r1, r2) = (RealRedis::start(&[]), RealRedis::start(&[]));
    let theirs = pair(r1.port, r2.port);
    assert_eq!(pair(o1.port, o2.port), theirs, "ours to ours");
    let (o3, r3) = (TestServer::start(&[]), RealRedis::start(&[]));
    assert_eq!(pair(o3.port, r3.port), theirs, "ours to redis-server");
    let (r4, o4) = (RealRedis::start(&[]), TestServer::start(&[]));
    assert_eq!(pair(r4.port, o4.port), theirs, "redis-server to ours");
}

#[test]
fn migrate_is_propagated_as_del_of_the_moved_keys() {
    let (a, b) = (TestServer::start(&[]), TestServer::start(&[]));
    let mut c = a.conn();
    let mut replica = Conn::connect(a.port);
    replica.send(&["SYNC"]);
    // Skip the RDB payload: `$<len>\r\n<bytes>`.
    let mut line = Vec::new();
    while !line.ends_with(b"\r\n") || line == b"\n" {
        let b = replica.read_raw(1);
        if line.is_empty() && b[0] == b'\n' {
            continue;
        }
        line.extend(b);
    }
    let len: usize = std::str::from_utf8(&line[1..line.len() - 2]).unwrap().parse().unwrap();
    replica.read_raw(len);
    let port = b.port.to_string();
    assert_eq!(c.cmd(&["MSET", "k1", "1", "k2", "2"]), ok());
    assert_eq!(c.cmd(&["MIGRATE", "127.0.0.1", &port, "", "0", "5000", "COPY", "KEYS", "k1"]), ok());
    assert_eq!(c.cmd(&["MIGRATE", "127.0.0.1", &port, "", "0", "5000", "REPLACE", "KEYS", "k1", "k2", "k3"]), ok());
    assert_eq!(replica.read_reply(), bulks(&["SELECT", "0"]));
    assert_eq!(replica.read_reply(), bulks(&["MSET", "k1", "1", "k2", "2"]));
    assert_eq!(replica.read_reply(), bulks(&["DEL", "k1", "k2"]), "COPY changed nothing here");
}
