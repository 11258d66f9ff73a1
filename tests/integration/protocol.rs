//! The wire protocol over raw sockets: inline and multibulk requests,
//! malformed input (Redis's exact error text, then the connection closes,
//! requests before the bad one still answered), pipelining, partial and
//! abandoned requests, the unauthenticated limits and the query buffer limit.
//! The `*_match_redis` tests send the same bytes to a real redis-server and
//! compare replies and closed state.

use std::io::Write;
use std::time::Duration;

use crate::common::*;

fn pong() -> Reply {
    simple("PONG")
}

fn proto_err(what: &str) -> Reply {
    err(&format!("ERR Protocol error: {what}"))
}

/// Asserts what our server does with `input`: these replies, then closed or not.
fn expect(s: &TestServer, input: &[u8], replies: Vec<Reply>, closed: bool) {
    let got = exchange(s.port, input);
    assert_eq!(got.parsed(), replies, "replies to \"{}\": {got}", escape(input));
    assert_eq!(got.closed, closed, "closed state after \"{}\": {got}", escape(input));
}

/// Asserts that `input` is answered by `replies` followed by `error`, and
/// that the connection is then closed.
fn expect_error(s: &TestServer, input: &[u8], mut replies: Vec<Reply>, error: &str) {
    replies.push(proto_err(error));
    expect(s, input, replies, true);
}

#[test]
fn inline_commands() {
    let s = TestServer::start(&[]);
    expect(&s, b"PING\r\n", vec![pong()], false);
    expect(&s, b"PING\n", vec![pong()], false);
    expect(&s, b"ping hello\r\n", vec![bulk("hello")], false);
    expect(&s, b"  \t PING  \t\r\n", vec![pong()], false);
    expect(&s, b"SET k v\r\nGET k\r\n", vec![ok(), bulk("v")], false);
    expect(&s, b"PING\r\n*1\r\n$4\r\nPING\r\nPING\n", vec![pong(), pong(), pong()], false);
}

#[test]
fn inline_quoted_arguments() {
    let s = TestServer::start(&[]);
    expect(&s, b"ECHO \"a b\\x41\\n\\t\\\"q\\\"\"\r\n", vec![bulk("a bA\n\t\"q\"")], false);
    // Unknown escapes keep the character; an invalid \x keeps the x.
    expect(&s, b"ECHO \"\\x41\\x4g\\q\"\r\n", vec![bulk("Ax4gq")], false);
    expect(&s, b"ECHO 'it\\'s'\r\n", vec![bulk("it's")], false);
    // Single quotes do not interpret \n.
    expect(&s, b"ECHO 'a\\nb'\r\n", vec![bulk("a\\nb")], false);
    expect(&s, b"ECHO \"\"\r\n", vec![bulk("")], false);
    expect(&s, b"SET \"k 1\" 'v w'\r\n", vec![ok()], false);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "k 1"]), bulk("v w"));
    // An empty quoted word is an argument: an empty command name.
    expect(&s, b"\"\"\r\n", vec![err("ERR unknown command '', with args beginning with: ")], false);
    expect(&s, b"ECHO 'a' \"b\"\r\n", vec![err("ERR wrong number of arguments for 'echo' command")], false);
}

#[test]
fn inline_unbalanced_quotes_close_the_connection() {
    let s = TestServer::start(&[]);
    let unbalanced = "unbalanced quotes in request";
    expect_error(&s, b"ECHO \"abc\r\n", vec![], unbalanced);
    expect_error(&s, b"ECHO 'abc\r\n", vec![], unbalanced);
    // A closing quote must be followed by a space or the end of the line.
    expect_error(&s, b"ECHO \"a\"b\r\n", vec![], unbalanced);
    expect_error(&s, b"ECHO 'a'b\r\n", vec![], unbalanced);
    expect_error(&s, b"PING\r\n*1\r\n$4\r\nPING\r\nECHO \"abc\r\nPING\r\n", vec![pong(), pong()], unbalanced);
}

#[test]
fn empty_requests_are_ignored() {
    let s = TestServer::start(&[]);
    expect(&s, b"\r\n\n   \r\n\t\n*0\r\n*-1\r\n*-5\r\nPING\r\n", vec![pong()], false);
    expect(&s, b"*0\r\n*0\r\n*1\r\n$4\r\nPING\r\n*-1\r\n", vec![pong()], false);
}

#[test]
fn malformed_multibulk_closes_the_connection() {
    let s = TestServer::start(&[]);
    let invalid_mb = "invalid multibulk length";
    let invalid_bulk = "invalid bulk length";
    expect_error(&s, b"*a\r\n", vec![], invalid_mb);
    expect_error(&s, b"*\r\n", vec![], invalid_mb);
    expect_error(&s, b"*+1\r\n$4\r\nPING\r\n", vec![], invalid_mb);
    expect_error(&s, b"*01\r\n$4\r\nPING\r\n", vec![], invalid_mb);
    expect_error(&s, b"*1 \r\n$4\r\nPING\r\n", vec![], invalid_mb);
    expect_error(&s, b"*2147483648\r\n", vec![], invalid_mb);
    expect_error(&s, b"*99999999999999999999\r\n", vec![], invalid_mb);
    expect_error(&s, b"*1\r\n$-1\r\n", vec![], invalid_bulk);
    expect_error(&s, b"*1\r\n$\r\n", vec![], invalid_bulk);
    expect_error(&s, b"*1\r\n$+4\r\nPING\r\n", vec![], invalid_bulk);
    expect_error(&s, b"*1\r\n$ 4\r\nPING\r\n", vec![], invalid_bulk);
    expect_error(&s, b"*1\r\n$4 \r\nPING\r\n", vec![], invalid_bulk);
    expect_error(&s, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$-0\r\n\r\n", vec![], invalid_bulk);
    expect_error(&s, b"*1\r\n$536870913\r\n", vec![], invalid_bulk);
    expect_error(&s, b"*1\r\nx\r\n", vec![], "expected '$', got 'x'");
    expect_error(&s, b"*2\r\n$4\r\nECHO\r\n:1\r\n", vec![], "expected '$', got ':'");
    // The offending byte is `\r`, written as a space (no newline in errors).
    expect_error(&s, b"*1\r\n\r\n", vec![], "expected '$', got ' '");
    expect_error(&s, b"*1\r\n\n\r\n", vec![], "expected '$', got ' '");
    // Requests before the bad one are answered.
    expect_error(&s, b"PING\r\n*1\r\n$4\r\nPING\r\n*a\r\n", vec![pong(), pong()], invalid_mb);
    expect_error(&s, b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$-1\r\n", vec![pong()], invalid_bulk);
    // The server still serves others.
    assert_eq!(s.conn().cmd(&["PING"]), pong());
}

#[test]
fn multibulk_edge_cases_that_are_not_errors() {
    let s = TestServer::start(&[]);
    // The two bytes after a bulk payload are skipped unchecked.
    expect(&s, b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", vec![pong(), pong()], false);
    expect(&s, b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", vec![bulk("")], false);
    // An inline request that starts with `$` is a command name like any other.
    expect(&s, b"$1\r\n", vec![err("ERR unknown command '$1', with args beginning with: ")], false);
    // The largest count and length are accepted: the server waits for the rest.
    let mut c = s.conn();
    c.send_raw(b"*2147483647\r\n$4\r\nPING\r\n");
    assert!(!c.is_closed(Duration::from_millis(300)));
    c.send_raw(b"$-1\r\n");
    assert_eq!(c.try_read_reply(), Some(proto_err("invalid bulk length")));
    assert!(c.is_closed(Duration::from_secs(10)));
    let mut c = s.conn();
    c.send_raw(b"*1\r\n$536870912\r\nabc");
    assert!(!c.is_closed(Duration::from_millis(300)));
    assert_eq!(s.conn().cmd(&["PING"]), pong());
}

/// Sends `input` alone (a sentinel would complete the line) and expects
/// `error` then the connection closed.
fn expect_lone_error(s: &TestServer, input: &[u8], error: &str) {
    let mut c = s.conn();
    c.try_send_raw(input);
    assert_eq!(c.try_read_reply(), Some(proto_err(error)));
    assert!(c.is_closed(Duration::from_secs(10)), "closed after {error}");
}

#[test]
fn too_big_inline_and_count_strings() {
    let s = TestServer::start(&[]);
    let mut inline = b"ECHO ".to_vec();
    inline.extend(vec![b'a'; 70_000]);
    expect_lone_error(&s, &inline, "too big inline request");
    let mut count = b"*".to_vec();
    count.extend(vec![b'1'; 70_000]);
    expect_lone_error(&s, &count, "too big mbulk count string");
    let mut bulk_count = b"*1\r\n$".to_vec();
    bulk_count.extend(vec![b'1'; 70_000]);
    expect_lone_error(&s, &bulk_count, "too big bulk count string");
    // A long line with its newline is a (long) inline request.
    let mut long = b"ECHO ".to_vec();
    long.extend(vec![b'b'; 70_000]);
    long.extend_from_slice(b"\r\n");
    expect(&s, &long, vec![bulk(&"b".repeat(70_000))], false);
}

#[test]
fn quit_closes_after_the_replies_before_it() {
    let s = TestServer::start(&[]);
    expect(&s, b"PING\r\nQUIT\r\nPING\r\n", vec![pong(), ok()], true);
}

/// 10,000 requests of mixed shapes in one write, answered in order.
#[test]
fn ten_thousand_commands_in_one_write() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let mut input = Vec::new();
    let mut expected = Vec::new();
    for i in 0..10_000 {
        let v = format!("v{i}");
        match i % 5 {
            0 => {
                input.extend(encode(&[b"ECHO", v.as_bytes()]));
                expected.push(bulk(&v));
            }
            1 => {
                input.extend_from_slice(format!("ECHO {v}\r\n").as_bytes());
                expected.push(bulk(&v));
            }
            2 => {
                input.extend(encode(&[b"SET", format!("k{}", i % 100).as_bytes(), v.as_bytes()]));
                expected.push(ok());
            }
            3 => {
                // Reads the key the previous request set.
                input.extend(encode(&[b"GET", format!("k{}", (i - 1) % 100).as_bytes()]));
                expected.push(bulk(&format!("v{}", i - 1)));
            }
            _ => {
                input.extend_from_slice(b"PING\r\n");
                expected.push(pong());
            }
        }
    }
    let replies = pipeline(&mut c, input, expected.len());
    for (i, (got, want)) in replies.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "reply {i} of 10000");
    }
    assert_eq!(c.cmd(&["PING"]), pong());
}

/// Requests split byte by byte across writes are put back together.
#[test]
fn request_split_byte_by_byte() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let mut input = encode(&[b"SET", b"key", b"hello\r\nworld"]);
    input.extend(encode(&[b"GET", b"key"]));
    input.extend_from_slice(b"ECHO \"split inline\"\r\n*0\r\n\r\n");
    input.extend(encode(&[b"ECHO", &[b'x'; 40_000]]));
    for (i, byte) in input.iter().enumerate() {
        c.stream.write_all(&[*byte]).unwrap();
        // Give the server a chance to read the first requests one byte at a time.
        if i < 80 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    assert_eq!(c.read_reply(), ok());
    assert_eq!(c.read_reply(), bulk("hello\r\nworld"));
    assert_eq!(c.read_reply(), bulk("split inline"));
    assert_eq!(c.read_reply(), bulk(&"x".repeat(40_000)));
    assert_eq!(c.cmd(&["PING"]), pong());
}

/// Clients that vanish mid-pipeline, mid-bulk, or with unread replies do not
/// disturb the server; a partial request has no effect.
#[test]
fn clients_disconnecting_mid_request() {
    let s = TestServer::start(&[]);
    let mut other = s.conn();
    assert_eq!(other.cmd(&["SET", "before", "1"]), ok());

    // Mid-pipeline: 1000 complete requests and the start of another.
    let mut c = s.conn();
    let mut input = Vec::new();
    for i in 0..1000 {
        input.extend(encode(&[b"SET", format!("p{i}").as_bytes(), b"v"]));
    }
    input.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$7\r\npartial\r\n$5\r\nva");
    c.send_raw(&input);
    drop(c);

    // Mid-bulk: a large value cut short.
    let mut c = s.conn();
    c.send_raw(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$100000\r\n");
    c.send_raw(&[b'z'; 50_000]);
    drop(c);

    // Mid-header.
    let mut c = s.conn();
    c.send_raw(b"*3\r\n$3\r\nSET\r\n$3\r\nhdr\r\n$1");
    drop(c);

    // Many replies never read: the server's writes fail.
    let mut c = s.conn();
    let mut input = Vec::new();
    let payload = vec![b'r'; 1000];
    for _ in 0..20_000 {
        input.extend(encode(&[b"ECHO", &payload]));
    }
    let mut writer = c.stream.try_clone().unwrap();
    let handle = std::thread::spawn(move || {
        let _ = writer.write_all(&input);
    });
    assert_eq!(c.read_reply(), bulk(std::str::from_utf8(&payload).unwrap()));
    let _ = c.stream.shutdown(std::net::Shutdown::Both);
    handle.join().unwrap();
    drop(c);

    // The server still serves the client that stayed, and new ones.
    assert_eq!(other.cmd(&["PING"]), pong());
    assert_eq!(other.cmd(&["GET", "before"]), bulk("1"));
    assert_eq!(other.cmd(&["GET", "partial"]), nil());
    assert_eq!(other.cmd(&["GET", "big"]), nil());
    assert_eq!(other.cmd(&["GET", "hdr"]), nil());
    let mut fresh = s.conn();
    assert_eq!(fresh.cmd(&["ECHO", "alive"]), bulk("alive"));
}

#[test]
fn unauthenticated_limits() {
    let s = TestServer::start(&["--requirepass", "secret"]);
    let noauth = || err("NOAUTH Authentication required.");
    let mut ten = b"*10\r\n$3\r\nDEL\r\n".to_vec();
    for i in 0..9 {
        ten.extend_from_slice(format!("$2\r\nk{i}\r\n").as_bytes());
    }
    expect(&s, &ten, vec![noauth()], false);
    expect_error(&s, b"*11\r\n", vec![], "unauthenticated multibulk length");
    expect_error(&s, b"PING\r\n*11\r\n", vec![noauth()], "unauthenticated multibulk length");
    expect_error(&s, b"*2\r\n$4\r\nECHO\r\n$16385\r\n", vec![], "unauthenticated bulk length");
    let mut max_bulk = b"*2\r\n$4\r\nECHO\r\n$16384\r\n".to_vec();
    max_bulk.extend(vec![b'a'; 16384]);
    max_bulk.extend_from_slice(b"\r\n");
    expect(&s, &max_bulk, vec![noauth()], false);
    // Inline requests have no argument-count limit.
    let many = format!("DEL {}\r\n", (0..20).map(|i| format!("k{i}")).collect::<Vec<_>>().join(" "));
    expect(&s, many.as_bytes(), vec![noauth()], false);

    // After AUTH the limits are lifted.
    let mut input = b"AUTH secret\r\n".to_vec();
    let keys: Vec<String> = (0..20).map(|i| format!("k{i}")).collect();
    let mut del: Vec<&[u8]> = vec![b"DEL"];
    del.extend(keys.iter().map(|k| k.as_bytes()));
    input.extend(encode(&del));
    input.extend(encode(&[b"ECHO", &[b'e'; 20_000]]));
    expect(&s, &input, vec![ok(), int(0), bulk(&"e".repeat(20_000))], false);
}

#[test]
fn query_buffer_limit_closes_the_connection() {
    let s = TestServer::start(&["--client-query-buffer-limit", "1mb"]);
    let mut other = s.conn();
    // Under the limit: fine.
    let value = vec![b'v'; 900 * 1024];
    assert_eq!(other.cmd_bytes(&[b"SET", b"k", &value]), ok());
    // One request bigger than the limit: closed without a reply.
    let mut c = s.conn();
    let big = encode(&[b"SET", b"big", &vec![b'w'; 2 * 1024 * 1024]]);
    c.try_send_raw(&big);
    assert_eq!(c.try_read_reply(), None, "no reply, the connection is closed");
    // Many small requests adding up to more than the limit: all answered,
    // since only unprocessed input counts.
    let mut c = s.conn();
    let mut input = Vec::new();
    let n = 40_000;
    for i in 0..n {
        input.extend(encode(&[b"SET", format!("s{}", i % 10).as_bytes(), b"0123456789012345678901234567890123456789"]));
    }
    assert!(input.len() > 2 * 1024 * 1024);
    let replies = pipeline(&mut c, input, n);
    assert!(replies.iter().all(|r| *r == ok()));
    assert_eq!(other.cmd(&["GET", "big"]), nil());
    assert_eq!(other.cmd_bytes(&[b"GET", b"k"]), Reply::Bulk(value.into()));
}

#[test]
fn big_arguments_round_trip() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for size in [16 * 1024 - 1, 32 * 1024, 1024 * 1024 + 7, 3 * 1024 * 1024] {
        let value: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        assert_eq!(c.cmd_bytes(&[b"SET", b"big", &value]), ok());
        assert_eq!(c.cmd_bytes(&[b"GET", b"big"]), Reply::Bulk(value.clone().into()), "size {size}");
        assert_eq!(c.cmd_bytes(&[b"ECHO", &value]), Reply::Bulk(value.into()), "size {size}");
    }
}

// ---------------------------------------------------------------------------
// The same bytes to a real redis-server.
// ---------------------------------------------------------------------------

/// Inputs whose outcome (replies, closed or not) must be Redis's exactly.
fn comparison_inputs() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        &b"PING\r\n"[..],
        b"PING\n",
        b"ping hello\r\n",
        b"  \t PING  \t\r\n",
        b"ECHO \"a b\\x41\\n\\t\\\"q\\\"\"\r\n",
        b"ECHO \"\\x41\\x4g\\q\"\r\n",
        b"ECHO 'it\\'s'\r\n",
        b"ECHO 'a\\nb'\r\n",
        b"\"\"\r\n",
        b"ECHO \"abc\r\n",
        b"ECHO 'abc\r\n",
        b"ECHO \"a\"b\r\n",
        b"PING\r\n*1\r\n$4\r\nPING\r\nECHO \"abc\r\nPING\r\n",
        b"\r\n\n   \r\n\t\n*0\r\n*-1\r\n*-5\r\nPING\r\n",
        b"*a\r\n",
        b"*\r\n",
        b"*+1\r\n$4\r\nPING\r\n",
        b"*01\r\n$4\r\nPING\r\n",
        b"*1 \r\n$4\r\nPING\r\n",
        b"*2147483648\r\n",
        b"*1\r\n$-1\r\n",
        b"*1\r\n$\r\n",
        b"*1\r\n$+4\r\nPING\r\n",
        b"*1\r\n$536870913\r\n",
        b"*1\r\nx\r\n",
        b"*2\r\n$4\r\nECHO\r\n:1\r\n",
        b"*1\r\n\r\n",
        b"*1\r\n\n\r\n",
        b"PING\r\n*1\r\n$4\r\nPING\r\n*a\r\n",
        b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n",
        b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
        b"$1\r\n",
        b"PING\r\nQUIT\r\nPING\r\n",
        b"SET k v\r\nGET k\r\nDEL k\r\nGET k\r\n",
        // Bytes C string functions stop at, or that are not ASCII.
        b"*1\r\n\xff\r\n",
        b"*1\r\n\x00\r\n",
        b"PING\x00junk\r\n",
        b"\x00\r\n",
        b"ECHO \"\\x00\\xff\"\r\n",
    ]
    .iter()
    .map(|b| with_ping(b))
    .collect();
    // 10,000 requests of mixed shapes in one write.
    let mut pipeline = Vec::new();
    for i in 0..10_000 {
        match i % 4 {
            0 => pipeline.extend(encode(&[b"SET", format!("k{}", i % 100).as_bytes(), format!("v{i}").as_bytes()])),
            1 => pipeline.extend(encode(&[b"GET", format!("k{}", (i - 1) % 100).as_bytes()])),
            2 => pipeline.extend_from_slice(format!("ECHO \"inline {i}\"\r\n").as_bytes()),
            _ => pipeline.extend_from_slice(b"*0\r\nPING\r\n"),
        }
    }
    v.push(with_ping(&pipeline));
    // Lone oversized lines: no PING, whose newline would end them.
    let mut inline = b"ECHO ".to_vec();
    inline.extend(vec![b'a'; 70_000]);
    v.push(inline);
    let mut count = b"*".to_vec();
    count.extend(vec![b'1'; 70_000]);
    v.push(count);
    v
}

/// `input` then `PING`: a PONG at the end of the answer means the
/// connection was still open after the input.
fn with_ping(input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    v.extend_from_slice(b"PING\r\n");
    v
}

/// Sends each input to both servers (then EOF) and compares the bytes
/// answered.
fn compare_inputs(ours: &TestServer, redis: &RealRedis, inputs: &[Vec<u8>]) {
    let mut differences = Vec::new();
    for input in inputs {
        let (mine, theirs) = std::thread::scope(|scope| {
            let t = scope.spawn(|| exchange_half_close(redis.port, input));
            let mine = exchange_half_close(ours.port, input);
            (mine, t.join().unwrap())
        });
        if mine != theirs {
            differences.push(format!(
                "input \"{}\":\n  redis: \"{}\"\n  ours:  \"{}\"",
                escape(&input[..input.len().min(100)]),
                escape(&theirs[..theirs.len().min(300)]),
                escape(&mine[..mine.len().min(300)])
            ));
        }
    }
    println!("{} of {} inputs answered as redis-server does", inputs.len() - differences.len(), inputs.len());
    assert!(differences.is_empty(), "{} differences:\n{}", differences.len(), differences.join("\n"));
}

#[test]
#[ignore = "needs redis-server"]
fn protocol_inputs_match_redis() {
    let ours = TestServer::start(&[]);
    let redis = RealRedis::start(&[]);
    compare_inputs(&ours, &redis, &comparison_inputs());
}

#[test]
#[ignore = "needs redis-server"]
fn unauthenticated_limits_match_redis() {
    let ours = TestServer::start(&["--requirepass", "secret"]);
    let redis = RealRedis::start(&["--requirepass", "secret"]);
    let mut ten = b"*10\r\n$3\r\nDEL\r\n".to_vec();
    for i in 0..9 {
        ten.extend_from_slice(format!("$2\r\nk{i}\r\n").as_bytes());
    }
    let mut max_bulk = b"*2\r\n$4\r\nECHO\r\n$16384\r\n".to_vec();
    max_bulk.extend(vec![b'a'; 16384]);
    max_bulk.extend_from_slice(b"\r\n");
    let mut after_auth = b"AUTH secret\r\n".to_vec();
    after_auth.extend(encode(&[b"DEL", b"a", b"b", b"c", b"d", b"e", b"f", b"g", b"h", b"i", b"j", b"k"]));
    after_auth.extend(encode(&[b"ECHO", &[b'e'; 20_000]]));
    let inputs: Vec<Vec<u8>> = [
        &ten[..],
        b"*11\r\n",
        b"PING\r\n*11\r\n",
        b"*2\r\n$4\r\nECHO\r\n$16385\r\n",
        &max_bulk,
        b"DEL k0 k1 k2 k3 k4 k5 k6 k7 k8 k9 k10 k11 k12\r\n",
        b"AUTH wrong\r\n*11\r\n",
        &after_auth,
    ]
    .iter()
    .map(|b| with_ping(b))
    .collect();
    compare_inputs(&ours, &redis, &inputs);
}

#[test]
#[ignore = "needs redis-server"]
fn query_buffer_limit_matches_redis() {
    let ours = TestServer::start(&["--client-query-buffer-limit", "1mb"]);
    let redis = RealRedis::start(&["--client-query-buffer-limit", "1mb"]);
    let mut small = Vec::new();
    for i in 0..20_000 {
        small.extend(encode(&[b"SET", format!("s{}", i % 10).as_bytes(), b"0123456789012345678901234567890123456789"]));
    }
    small.extend(encode(&[b"DBSIZE"]));
    for server in [&redis as &dyn Endpoint, &ours] {
        let mut c = server.connect();
        let big = encode(&[b"SET", b"big", &vec![b'w'; 2 * 1024 * 1024]]);
        c.try_send_raw(&big);
        assert_eq!(c.try_read_reply(), None, "{}: closed without a reply", server.label());
        let mut c = server.connect();
        let replies = pipeline(&mut c, small.clone(), 20_001);
        assert_eq!(replies[20_000], int(10), "{}", server.label());
        assert_eq!(c.cmd(&["EXISTS", "big"]), int(0), "{}", server.label());
    }
}
