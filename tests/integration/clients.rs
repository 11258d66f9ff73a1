//! Real clients against our server: redis-cli (one-shot, interactive in a
//! pseudo-terminal, `-n`, `--scan`, `--pipe`) and redis-py 8 (RESP3 by
//! default and `protocol=2`). Each scenario also runs against a real
//! redis-server and the outputs must be equal. The Python helpers live in
//! `tests/python/`.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::*;

/// Runs `redis-cli -p PORT args…`; returns stdout.
fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new(require_tool("redis-cli"))
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run redis-cli");
    assert!(out.status.success(), "redis-cli {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// An interactive redis-cli session typing `lines`; the transcript with the
/// port written PORT.
fn cli_session(port: u16, cli_args: &[&str], lines: &[&str]) -> String {
    let port = port.to_string();
    let mut args = vec!["--port", &port];
    let flags: Vec<String> = cli_args.iter().map(|a| format!("--cli-arg={a}")).collect();
    args.extend(flags.iter().map(|s| s.as_str()));
    args.push("--");
    args.extend_from_slice(lines);
    run_python("cli_session.py", &args)
}

/// Runs `f` against our server and a real redis-server; asserts equal
/// outputs and returns ours.
fn same_on_both(extra: &[&str], f: impl Fn(u16) -> String) -> String {
    let ours = TestServer::start(extra);
    let redis = RealRedis::start(extra);
    let mine = f(ours.port);
    let theirs = f(redis.port);
    if mine != theirs {
        let diff: Vec<String> = mine
            .lines()
            .zip(theirs.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(10)
            .map(|(i, (a, b))| format!("line {}:\n  redis: {b}\n  ours:  {a}", i + 1))
            .collect();
        panic!(
            "output differs from redis-server's ({} vs {} lines):\n{}\n--- redis ---\n{theirs}\n--- ours ---\n{mine}",
            theirs.lines().count(),
            mine.lines().count(),
            diff.join("\n")
        );
    }
    mine
}

#[test]
#[ignore = "needs redis-server"]
fn redis_cli_one_shot() {
    let s = TestServer::start(&[]);
    assert_eq!(cli(s.port, &["PING"]), "PONG\n");
    assert_eq!(cli(s.port, &["SET", "greeting", "hello world"]), "OK\n");
    assert_eq!(cli(s.port, &["GET", "greeting"]), "hello world\n");
    assert_eq!(cli(s.port, &["--no-raw", "GET", "greeting"]), "\"hello world\"\n");
    assert_eq!(cli(s.port, &["GET", "missing"]), "\n");
    assert_eq!(cli(s.port, &["--no-raw", "GET", "missing"]), "(nil)\n");
    assert_eq!(cli(s.port, &["EXISTS", "greeting", "missing"]), "1\n");
    assert_eq!(cli(s.port, &["--no-raw", "EXISTS", "greeting"]), "(integer) 1\n");
}

/// The redis-cli part of the tutorial, typed into an interactive session.
#[test]
#[ignore = "needs redis-server"]
fn redis_cli_interactive_tutorial() {
    let lines = [
        "PING",
        "SET Bahamas Nassau",
        "SET Croatia Zagreb",
        "GET Croatia",
        "GET Japan",
        "MSET Lebanon Beirut Norway Oslo France Paris",
        "MGET Lebanon Norway Bahamas",
        "EXISTS Norway",
        "EXISTS Sweden",
        "FLUSHDB",
        "QUIT",
    ];
    let transcript = same_on_both(&[], |port| cli_session(port, &[], &lines));
    let p = "127.0.0.1:PORT>";
    let expected = format!(
        "{p} PING\nPONG\n\
         {p} SET Bahamas Nassau\nOK\n\
         {p} SET Croatia Zagreb\nOK\n\
         {p} GET Croatia\n\"Zagreb\"\n\
         {p} GET Japan\n(nil)\n\
         {p} MSET Lebanon Beirut Norway Oslo France Paris\nOK\n\
         {p} MGET Lebanon Norway Bahamas\n1) \"Beirut\"\n2) \"Oslo\"\n3) \"Nassau\"\n\
         {p} EXISTS Norway\n(integer) 1\n\
         {p} EXISTS Sweden\n(integer) 0\n\
         {p} FLUSHDB\nOK\n\
         {p} QUIT\n"
    );
    assert_eq!(transcript, expected);
}

#[test]
#[ignore = "needs redis-server"]
fn redis_cli_selects_a_database() {
    let s = TestServer::start(&[]);
    assert_eq!(cli(s.port, &["-n", "5", "SET", "in5", "five"]), "OK\n");
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "in5"]), nil());
    assert_eq!(c.cmd(&["SELECT", "5"]), ok());
    assert_eq!(c.cmd(&["GET", "in5"]), bulk("five"));
    assert_eq!(cli(s.port, &["-n", "5", "GET", "in5"]), "five\n");
    // Interactively: the prompt shows the database.
    let transcript =
        same_on_both(&[], |port| cli_session(port, &["-n", "5"], &["SET k v", "GET k", "SELECT 0", "GET k"]));
    assert_eq!(
        transcript,
        "127.0.0.1:PORT[5]> SET k v\nOK\n127.0.0.1:PORT[5]> GET k\n\"v\"\n127.0.0.1:PORT[5]> SELECT 0\nOK\n\
         127.0.0.1:PORT> GET k\n(nil)\n127.0.0.1:PORT> "
    );
}

#[test]
#[ignore = "needs redis-server"]
fn redis_cli_scan_with_pattern() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let mut expected = Vec::new();
    for i in 0..300 {
        assert_eq!(c.cmd(&["SET", &format!("x{i}"), "v"]), ok());
        assert_eq!(c.cmd(&["SET", &format!("y{i}"), "v"]), ok());
        expected.push(format!("x{i}"));
    }
    assert_eq!(c.cmd(&["SET", "ax", "v"]), ok());
    for pattern in ["x*", "x1?", "x[2-3]*", "*x"] {
        let mut want: Vec<String> = expected.iter().filter(|k| glob(pattern, k)).cloned().collect();
        if pattern == "*x" {
            want.push("ax".into());
        }
        want.sort();
        let out = cli(s.port, &["--scan", "--pattern", pattern]);
        let mut got: Vec<String> = out.lines().map(String::from).collect();
        got.sort();
        got.dedup();
        assert_eq!(got, want, "redis-cli --scan --pattern {pattern}");
    }
    let out = cli(s.port, &["--scan"]);
    assert_eq!(out.lines().collect::<std::collections::BTreeSet<_>>().len(), 601);
}

/// The few glob shapes `redis_cli_scan_with_pattern` uses, on `x<n>` keys.
fn glob(pattern: &str, key: &str) -> bool {
    let n = &key[1..];
    match pattern {
        "x*" => true,
        "x1?" => n.len() == 2 && n.starts_with('1'),
        "x[2-3]*" => n.starts_with('2') || n.starts_with('3'),
        _ => false,
    }
}

/// Mass insertion as in Redis's documentation: 1,000,000 SETs through
/// `redis-cli --pipe`.
#[test]
#[ignore = "needs redis-server"]
fn redis_cli_pipe_mass_insertion() {
    let n = 1_000_000;
    let mut input = Vec::with_capacity(n * 40);
    for i in 0..n {
        let (k, v) = (format!("key:{i}"), format!("value:{i}"));
        input.extend(encode(&[b"SET", k.as_bytes(), v.as_bytes()]));
    }
    let s = TestServer::start(&[]);
    let mut child = Command::new(require_tool("redis-cli"))
        .args(["-p", &s.port.to_string(), "--pipe"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("redis-cli --pipe");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input).expect("feed redis-cli"));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "redis-cli --pipe failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("All data transferred. Waiting for the last reply..."), "{stdout}");
    assert!(stdout.contains("Last reply received from server."), "{stdout}");
    assert!(stdout.contains("errors: 0, replies: 1000000"), "{stdout}");
    let mut c = s.conn();
    assert_eq!(c.cmd(&["DBSIZE"]), int(n as i64));
    assert_eq!(c.cmd(&["GET", "key:0"]), bulk("value:0"));
    assert_eq!(c.cmd(&["GET", "key:999999"]), bulk("value:999999"));
}

fn redis_py(protocol: &str) {
    let out =
        same_on_both(&[], |port| run_python("redis_py_ops.py", &["--port", &port.to_string(), "--protocol", protocol]));
    // The script ran to the end, with redis-py 8.
    assert!(out.starts_with("[\"version major\", \"'8'\"]"), "{out}");
    assert!(out.contains("[\"pipeline dbsize\", "), "{out}");
    assert!(out.lines().count() > 50);
}

#[test]
#[ignore = "needs redis-server"]
fn redis_py_default_protocol_resp3() {
    redis_py("default");
}

#[test]
#[ignore = "needs redis-server"]
fn redis_py_protocol_2() {
    redis_py("2");
}

#[test]
#[ignore = "needs redis-server"]
fn redis_py_tutorial_strings_and_keys() {
    let out =
        same_on_both(&[], |port| run_python("tutorial.py", &["--port", &port.to_string(), "--section", "strings"]));
    assert!(out.contains("MGET [b'Beirut', b'Oslo', b'Nassau']\n"), "{out}");
    assert!(out.contains("get after expiry None\nexists after expiry 0\n"), "{out}");
    assert!(!out.contains("False"), "every check in the script holds: {out}");
}

/// Needs the set family (SADD SMEMBERS SCARD).
#[test]
#[ignore = "needs redis-server"]
fn redis_py_tutorial_sets() {
    let out = same_on_both(&[], |port| run_python("tutorial.py", &["--port", &port.to_string(), "--section", "sets"]));
    assert!(out.contains("sadd 3\nsmembers [b'alex', b'dan', b'jon']\nscard 3\n"), "{out}");
}
