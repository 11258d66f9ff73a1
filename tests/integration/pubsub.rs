//! Pub/Sub: exact replies of (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH,
//! SPUBLISH and PUBSUB in RESP2 and RESP3; RESP2 subscribed mode (allowed
//! commands, Redis's error text, PING's form); pushes kept under CLIENT
//! REPLY OFF; MULTI delivery after EXEC; cleanup on RESET, disconnect and
//! CLIENT KILL; INFO and CLIENT LIST fields; output limits cutting off a
//! subscriber that does not read (hard and soft); a bounded stress run
//! (no loss, no duplicate, per-publisher order). With redis-server: the
//! same raw exchanges, redis-py 8 PubSub (RESP3 and RESP2) and redis-cli.
//!
//! The stress test runs small in CI; `PUBSUB_STRESS=full` runs the full
//! size (100 subscribers, 10 publishers x 10,000 messages) and prints the
//! server's RSS.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

fn push(items: Vec<Reply>) -> Reply {
    Reply::Push(items)
}

fn confirm(kind: &str, name: &str, n: i64) -> Reply {
    arr(vec![bulk(kind), bulk(name), int(n)])
}

#[test]
fn subscribe_publish_unsubscribe_resp2() {
    let s = TestServer::start(&[]);
    let mut sub = s.conn();
    let mut c = s.conn();
    sub.send(&["SUBSCRIBE", "a", "b", "a"]);
    assert_eq!(sub.read_reply(), confirm("subscribe", "a", 1));
    assert_eq!(sub.read_reply(), confirm("subscribe", "b", 2));
    assert_eq!(sub.read_reply(), confirm("subscribe", "a", 2));
    sub.send(&["PSUBSCRIBE", "a*", "[ab]"]);
    assert_eq!(sub.read_reply(), confirm("psubscribe", "a*", 3));
    assert_eq!(sub.read_reply(), confirm("psubscribe", "[ab]", 4));
    assert_eq!(c.cmd(&["PUBLISH", "a", "hello"]), int(3));
    assert_eq!(sub.read_reply(), bulks(&["message", "a", "hello"]));
    let mut pm = vec![sub.read_reply(), sub.read_reply()];
    pm.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(pm, [bulks(&["pmessage", "[ab]", "a", "hello"]), bulks(&["pmessage", "a*", "a", "hello"])]);
    assert_eq!(c.cmd(&["PUBLISH", "zzz", "x"]), int(0));
    assert_eq!(
        c.cmd(&["PUBSUB", "NUMSUB", "a", "b", "c"]),
        arr(vec![bulk("a"), int(1), bulk("b"), int(1), bulk("c"), int(0)])
    );
    assert_eq!(c.cmd(&["PUBSUB", "NUMPAT"]), int(2));
    assert_eq!(c.cmd(&["PUBSUB", "CHANNELS", "b*"]), bulks(&["b"]));
    assert_eq!(c.cmd(&["PUBSUB", "CHANNELS", "x*"]), arr(vec![]));
    // Unsubscribe: counts go down, unknown names still answered.
    sub.send(&["UNSUBSCRIBE", "a", "nosuch"]);
    assert_eq!(sub.read_reply(), confirm("unsubscribe", "a", 3));
    assert_eq!(sub.read_reply(), confirm("unsubscribe", "nosuch", 3));
    sub.send(&["PUNSUBSCRIBE"]);
    assert_eq!(sub.read_reply(), confirm("punsubscribe", "a*", 2));
    assert_eq!(sub.read_reply(), confirm("punsubscribe", "[ab]", 1));
    sub.send(&["UNSUBSCRIBE"]);
    assert_eq!(sub.read_reply(), confirm("unsubscribe", "b", 0));
    // Nothing left: a mass unsubscribe answers with a null name.
    sub.send(&["UNSUBSCRIBE"]);
    assert_eq!(sub.read_reply(), arr(vec![bulk("unsubscribe"), nil(), int(0)]));
    // Out of subscribed mode: normal commands again.
    assert_eq!(sub.cmd(&["PING"]), simple("PONG"));
    assert_eq!(c.cmd(&["PUBSUB", "NUMPAT"]), int(0));
    assert_eq!(c.cmd(&["PUBSUB", "CHANNELS"]), arr(vec![]));
}

#[test]
fn punsubscribe_counts_in_order() {
    let s = TestServer::start(&[]);
    let mut sub = s.conn();
    sub.send(&["PSUBSCRIBE", "p1", "p2", "p3"]);
    for i in 1..=3 {
        assert_eq!(sub.read_reply(), confirm("psubscribe", &format!("p{i}"), i));
    }
    // Patterns are a list in subscription order, as in Redis.
    sub.send(&["PUNSUBSCRIBE"]);
    for i in 1..=3 {
        assert_eq!(sub.read_reply(), confirm("punsubscribe", &format!("p{i}"), 3 - i));
    }
}

#[test]
fn resp2_subscribed_mode() {
    let s = TestServer::start(&[]);
    let mut sub = s.conn();
    sub.send(&["SUBSCRIBE", "ch"]);
    sub.read_reply();
    assert_eq!(
        sub.cmd(&["GET", "x"]),
        err(
            "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        )
    );
    assert_eq!(
        sub.cmd(&["CLIENT", "LIST"]),
        err(
            "ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        )
    );
    assert_eq!(sub.cmd(&["PING"]), bulks(&["pong", ""]));
    assert_eq!(sub.cmd(&["PING", "hi"]), bulks(&["pong", "hi"]));
    assert!(matches!(sub.cmd(&["PING", "a", "b"]), Reply::Error(e) if e.contains("wrong number of arguments")));
    assert_eq!(sub.cmd(&["RESET"]), simple("RESET"));
    assert_eq!(sub.cmd(&["GET", "x"]), nil());
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PUBLISH", "ch", "m"]), int(0), "RESET unsubscribed");
    // QUIT is allowed.
    sub.send(&["SUBSCRIBE", "ch"]);
    sub.read_reply();
    assert_eq!(sub.cmd(&["QUIT"]), ok());
}

#[test]
fn resp3_pushes_and_all_commands_allowed() {
    let s = TestServer::start(&[]);
    let mut sub = s.conn();
    sub.cmd(&["HELLO", "3"]);
    sub.send(&["SUBSCRIBE", "ch"]);
    assert_eq!(sub.read_reply(), push(vec![bulk("subscribe"), bulk("ch"), int(1)]));
    assert_eq!(sub.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(sub.cmd(&["PING"]), simple("PONG"));
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PUBLISH", "ch", "m"]), int(1));
    assert_eq!(sub.read_reply(), push(vec![bulk("message"), bulk("ch"), bulk("m")]));
    // Publishing to itself: the push comes before the reply, as in Redis.
    sub.send(&["PUBLISH", "ch", "self"]);
    assert_eq!(sub.read_reply(), push(vec![bulk("message"), bulk("ch"), bulk("self")]));
    assert_eq!(sub.read_reply(), int(1));
    sub.send(&["UNSUBSCRIBE"]);
    assert_eq!(sub.read_reply(), push(vec![bulk("unsubscribe"), bulk("ch"), int(0)]));
    sub.send(&["UNSUBSCRIBE"]);
    assert_eq!(sub.read_reply(), push(vec![bulk("unsubscribe"), Reply::Null, int(0)]));
}

#[test]
fn pushes_survive_client_reply_off() {
    let s = TestServer::start(&[]);
    let mut sub = s.conn();
    sub.cmd(&["HELLO", "3"]);
    sub.send(&["CLIENT", "REPLY", "OFF"]);
    sub.send(&["SUBSCRIBE", "channel"]);
    assert_eq!(sub.read_reply(), push(vec![bulk("subscribe"), bulk("channel"), int(1)]));
    sub.send(&["SET", "k", "v"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PUBLISH", "channel", "hello"]), int(1));
    assert_eq!(sub.read_reply(), push(vec![bulk("message"), bulk("channel"), bulk("hello")]));
    // RESP2 and SKIP too.
    let mut sub2 = s.conn();
    sub2.send(&["CLIENT", "REPLY", "SKIP"]);
    sub2.send(&["PSUBSCRIBE", "*"]);
    assert_eq!(sub2.read_reply(), confirm("psubscribe", "*", 1));
}

#[test]
fn multi_publish_delivered_after_exec() {
    let s = TestServer::start(&[]);
    let mut sub = s.conn();
    sub.send(&["SUBSCRIBE", "tx"]);
    sub.read_reply();
    let mut c = s.conn();
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["PUBLISH", "tx", "1"]), simple("QUEUED"));
    assert_eq!(c.cmd(&["PUBLISH", "tx", "2"]), simple("QUEUED"));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![int(1), int(1)]));
    assert_eq!(sub.read_reply(), bulks(&["message", "tx", "1"]));
    assert_eq!(sub.read_reply(), bulks(&["message", "tx", "2"]));
    // SUBSCRIBE inside MULTI puts the client in subscribed mode at EXEC.
    let mut m = s.conn();
    m.cmd(&["MULTI"]);
    m.cmd(&["SUBSCRIBE", "q"]);
    assert_eq!(m.cmd(&["EXEC"]), arr(vec![confirm("subscribe", "q", 1)]));
    assert!(matches!(m.cmd(&["GET", "a"]), Reply::Error(_)));
}

#[test]
fn shard_channels() {
    let s = TestServer::start(&[]);
    let mut sub = s.conn();
    sub.send(&["SSUBSCRIBE", "s1", "s2", "s1"]);
    assert_eq!(sub.read_reply(), confirm("ssubscribe", "s1", 1));
    assert_eq!(sub.read_reply(), confirm("ssubscribe", "s2", 2));
    assert_eq!(sub.read_reply(), confirm("ssubscribe", "s1", 2));
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SPUBLISH", "s1", "m"]), int(1));
    assert_eq!(sub.read_reply(), bulks(&["smessage", "s1", "m"]));
    assert_eq!(c.cmd(&["PUBLISH", "s1", "m"]), int(0), "global and shard channels are separate");
    assert_eq!(c.cmd(&["PUBSUB", "SHARDNUMSUB", "s1", "x"]), arr(vec![bulk("s1"), int(1), bulk("x"), int(0)]));
    let mut names = match c.cmd(&["PUBSUB", "SHARDCHANNELS"]) {
        Reply::Array(v) => v,
        other => panic!("{other:?}"),
    };
    names.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(names, [bulk("s1"), bulk("s2")]);
    // Shard subscriptions do not count in the SUBSCRIBE count.
    sub.send(&["SUBSCRIBE", "g"]);
    assert_eq!(sub.read_reply(), confirm("subscribe", "g", 1));
    sub.send(&["SUNSUBSCRIBE", "s1"]);
    assert_eq!(sub.read_reply(), confirm("sunsubscribe", "s1", 1));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    c.cmd(&["SSUBSCRIBE", "x"]);
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![err("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")]));
}

#[test]
fn info_client_list_and_cleanup() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let mut sub = s.conn();
    sub.send(&["SUBSCRIBE", "a", "b"]);
    sub.read_reply();
    sub.read_reply();
    sub.send(&["PSUBSCRIBE", "p*"]);
    sub.read_reply();
    sub.send(&["SSUBSCRIBE", "s"]);
    sub.read_reply();
    let info = match c.cmd(&["INFO", "stats"]) {
        Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("{other:?}"),
    };
    assert!(info.contains("pubsub_channels:2\r\npubsub_patterns:1\r\npubsubshard_channels:1\r\n"), "{info}");
    let list = match c.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]) {
        Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("{other:?}"),
    };
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(list.contains(" flags=P db=0 sub=2 psub=1 ssub=1 "), "{list}");
    // CLIENT KILL TYPE pubsub removes the subscriptions at once.
    assert_eq!(c.cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]), int(1));
    assert_eq!(c.cmd(&["PUBSUB", "NUMSUB", "a"]), arr(vec![bulk("a"), int(0)]));
    assert_eq!(c.cmd(&["PUBSUB", "NUMPAT"]), int(0));
    assert!(sub.is_closed(Duration::from_secs(5)));
    // A disconnect does too.
    let mut sub = s.conn();
    sub.send(&["SUBSCRIBE", "d"]);
    sub.read_reply();
    drop(sub);
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.cmd(&["PUBLISH", "d", "x"]) != int(0) {
        assert!(Instant::now() < deadline, "subscription outlived its connection");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(c.cmd(&["PUBSUB", "CHANNELS"]), arr(vec![]));
}

/// Raw exchanges, byte for byte the same as redis-server's.
#[test]
#[ignore = "needs redis-server"]
fn raw_exchanges_match_redis() {
    let ours = TestServer::start(&[]);
    let redis = RealRedis::start(&[]);
    let script: &[&[&str]] = &[
        &["SUBSCRIBE", "a", "b"],
        &["PSUBSCRIBE", "x*"],
        &["SSUBSCRIBE", "s"],
        &["PING"],
        &["PING", "m"],
        &["GET", "k"],
        &["PUBSUB", "NUMPAT"],
        &["UNSUBSCRIBE", "a", "zz"],
        &["PUNSUBSCRIBE", "x*"],
        &["SUNSUBSCRIBE"],
        &["UNSUBSCRIBE"],
        &["UNSUBSCRIBE"],
        &["PUNSUBSCRIBE"],
        &["SUNSUBSCRIBE"],
        &["PING"],
        &["PUBSUB", "NUMSUB", "a"],
        &["PUBSUB", "CHANNELS", "a", "b"],
        &["PUBSUB", "FOO"],
        &["PUBSUB"],
        &["PUBLISH", "a"],
        &["HELLO", "3"],
        &["SUBSCRIBE", "c"],
        &["GET", "k"],
        &["PUBLISH", "c", "me"],
        &["PING"],
        &["UNSUBSCRIBE"],
        &["UNSUBSCRIBE"],
        &["PUBSUB", "HELP"],
    ];
    let mut input = Vec::new();
    for cmd in script {
        let raw: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
        input.extend_from_slice(&encode(&raw));
    }
    // HELLO's client id differs: blank it.
    let norm = |o: Outcome| {
        let t = o.to_string();
        let at = t.find("$2\\r\\nid\\r\\n:").expect("HELLO reply") + 12;
        let end = at + t[at..].find('\\').unwrap();
        format!("{}N{}", &t[..at], &t[end..])
    };
    assert_eq!(norm(exchange(ours.port, &input)), norm(exchange(redis.port, &input)));
}

/// A subscriber that never reads is closed at the hard limit; the server
/// keeps serving and its memory stays bounded.
#[test]
fn non_reading_subscriber_cut_at_hard_limit() {
    let s = TestServer::start(&[]);
    assert_eq!(s.conn().cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 0 0"]), ok());
    let mut slow = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    let _ = socket2::SockRef::from(&slow).set_recv_buffer_size(4096);
    std::io::Write::write_all(&mut slow, &encode(&[b"SUBSCRIBE", b"flood"])).unwrap();
    let mut c = s.conn();
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.cmd(&["PUBSUB", "NUMSUB", "flood"]) != arr(vec![bulk("flood"), int(1)]) {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    let payload = "x".repeat(1000);
    let mut n = 0;
    // Far more than the limit plus any socket buffers.
    while n < 20_000 {
        let r = c.cmd(&["PUBLISH", "flood", &payload]);
        n += 1;
        if r == int(0) {
            break;
        }
    }
    assert!(n < 20_000, "the subscriber was never cut off");
    assert_eq!(c.cmd(&["PUBSUB", "NUMSUB", "flood"]), arr(vec![bulk("flood"), int(0)]));
    let rss = rss_kb(s.child.id());
    assert!(rss < 200_000, "server RSS {rss} kB");
    let list = match c.cmd(&["CLIENT", "LIST"]) {
        Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("{other:?}"),
    };
    assert_eq!(list.lines().count(), 1, "only the publisher is left: {list}");
    let _ = slow.write(b"");
}

/// Over the soft limit: closed once it has lasted its seconds, even with
/// nothing more published.
#[test]
fn non_reading_subscriber_cut_at_soft_limit() {
    let s = TestServer::start(&[]);
    assert_eq!(s.conn().cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 256kb 1"]), ok());
    let slow = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    let _ = socket2::SockRef::from(&slow).set_recv_buffer_size(4096);
    let mut slow_w = slow.try_clone().unwrap();
    std::io::Write::write_all(&mut slow_w, &encode(&[b"SUBSCRIBE", b"soft"])).unwrap();
    let mut c = s.conn();
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.cmd(&["PUBSUB", "NUMSUB", "soft"]) != arr(vec![bulk("soft"), int(1)]) {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    let payload = "y".repeat(1000);
    // Beyond what the kernel's socket buffers absorb (a few MB), then well
    // over the soft limit, short of anything hard.
    for _ in 0..8000 {
        if c.cmd(&["PUBLISH", "soft", &payload]) == int(0) {
            break;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while c.cmd(&["PUBSUB", "NUMSUB", "soft"]) != arr(vec![bulk("soft"), int(0)]) {
        assert!(Instant::now() < deadline, "not closed after the soft limit's seconds");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Reads one message `[message|pmessage ..., channel, payload]` and
/// returns (channel, payload).
fn next_message(c: &mut Conn) -> (String, String) {
    match c.read_reply() {
        Reply::Array(items) => {
            let s: Vec<String> = items
                .iter()
                .map(|r| match r {
                    Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                    Reply::Int(i) => i.to_string(),
                    other => panic!("{other:?}"),
                })
                .collect();
            let n = s.len();
            (s[n - 2].clone(), s[n - 1].clone())
        }
        other => panic!("{other:?}"),
    }
}

/// Subscribers on channels and patterns, publishers pipelining: every
/// subscriber gets every message once, each publisher's in order.
#[test]
fn stress_no_loss_no_dup_in_order() {
    let full = std::env::var("PUBSUB_STRESS").as_deref() == Ok("full");
    let (subs, pubs, msgs) = if full { (100, 10, 10_000) } else { (20, 4, 500) };
    let s = TestServer::start(&[]);
    let port = s.port;
    let mut readers = Vec::new();
    for i in 0..subs {
        let mut c = Conn::connect(port);
        if i % 2 == 0 {
            let chans: Vec<String> = (0..pubs).map(|p| format!("ch:{p}")).collect();
            let mut args = vec!["SUBSCRIBE"];
            args.extend(chans.iter().map(|s| s.as_str()));
            c.send(&args);
            for _ in 0..pubs {
                c.read_reply();
            }
        } else {
            c.send(&["PSUBSCRIBE", "ch:*"]);
            c.read_reply();
        }
        readers.push(std::thread::spawn(move || {
            let mut last = vec![-1i64; pubs];
            for _ in 0..pubs * msgs {
                let (chan, payload) = next_message(&mut c);
                let p: usize = chan[3..].parse().unwrap();
                let seq: i64 = payload.split(':').nth(1).unwrap().parse().unwrap();
                assert_eq!(seq, last[p] + 1, "subscriber {i}: publisher {p} out of order or lost/duplicated");
                last[p] = seq;
            }
            // Nothing extra arrives.
            assert_eq!(c.cmd(&["PING"]), bulks(&["pong", ""]));
        }));
    }
    let started = Instant::now();
    let mut writers = Vec::new();
    for p in 0..pubs {
        writers.push(std::thread::spawn(move || {
            let mut c = Conn::connect(port);
            let chan = format!("ch:{p}");
            let batch = 100;
            let mut sent = 0;
            while sent < msgs {
                let n = batch.min(msgs - sent);
                let mut input = Vec::new();
                for k in sent..sent + n {
                    let payload = format!("{p}:{k}");
                    input.extend_from_slice(&encode(&[b"PUBLISH", chan.as_bytes(), payload.as_bytes()]));
                }
                for r in pipeline(&mut c, input, n) {
                    assert_eq!(r, int(subs as i64));
                }
                sent += n;
            }
        }));
    }
    let mut peak = 0;
    for w in writers {
        w.join().unwrap();
        peak = peak.max(rss_kb(s.child.id()));
    }
    for r in readers {
        r.join().unwrap();
    }
    peak = peak.max(rss_kb(s.child.id()));
    eprintln!(
        "pubsub stress: {subs} subscribers, {pubs} publishers x {msgs} messages: {} deliveries in {:?}, server RSS {} kB",
        subs * pubs * msgs,
        started.elapsed(),
        peak
    );
}

/// redis-py 8's PubSub gives the same results as against redis-server.
fn redis_py(protocol: &str) {
    let ours = TestServer::start(&[]);
    let redis = RealRedis::start(&[]);
    let mine = run_python("pubsub_py.py", &["--port", &ours.port.to_string(), "--protocol", protocol]);
    let theirs = run_python("pubsub_py.py", &["--port", &redis.port.to_string(), "--protocol", protocol]);
    assert_eq!(mine, theirs, "left ours, right redis-server");
    assert!(mine.contains("'type': 'pmessage'"), "{mine}");
    assert!(mine.contains("b'expired'"), "{mine}");
}

#[test]
#[ignore = "needs redis-server"]
fn redis_py_pubsub_default_protocol() {
    redis_py("default");
}

#[test]
#[ignore = "needs redis-server"]
fn redis_py_pubsub_protocol_2() {
    redis_py("2");
}

/// `redis-cli subscribe ch` prints what another redis-cli publishes.
#[test]
#[ignore = "needs redis-server"]
fn redis_cli_subscribe_receives() {
    let s = TestServer::start(&[]);
    let cli = require_tool("redis-cli");
    let mut child = Command::new(&cli)
        .args(["-p", &s.port.to_string(), "subscribe", "ch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-cli");
    let mut c = s.conn();
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.cmd(&["PUBSUB", "NUMSUB", "ch"]) != arr(vec![bulk("ch"), int(1)]) {
        assert!(Instant::now() < deadline, "redis-cli did not subscribe");
        std::thread::sleep(Duration::from_millis(10));
    }
    for m in ["hello", "world"] {
        let out = Command::new(&cli).args(["-p", &s.port.to_string(), "publish", "ch", m]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
    }
    // Unsubscribed by killing it: its output so far is complete.
    let mut stdout = child.stdout.take().unwrap();
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    let want = "subscribe\nch\n1\nmessage\nch\nhello\nmessage\nch\nworld\n";
    while !String::from_utf8_lossy(&text).ends_with(want) {
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "redis-cli ended early: {}", String::from_utf8_lossy(&text));
        text.extend_from_slice(&buf[..n]);
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = String::from_utf8_lossy(&text);
    assert!(text.starts_with("Reading messages... (press Ctrl-C to quit)\n") || text == want, "{text}");
}
