//! Configuration: starting with good and bad files and command lines, and
//! CONFIG GET/SET/RESETSTAT/REWRITE/HELP.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Runs the server expecting it to stop by itself (a bad configuration);
/// returns (exit code, stdout, stderr).
fn run_to_exit(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let dir = tempdir::TempDir::new("cfg-exit");
    let mut child = Command::new(server_bin())
        .args(args)
        .current_dir(dir.path())
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn server");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("server with {args:?} did not exit");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fatal(line: usize, text: &str, reason: &str) -> String {
    format!(
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line {line}\n>>> \
         '{text}'\n{reason}\n"
    )
}

/// A server started with exactly `args` (which must set `--port port`),
/// killed when dropped.
struct Started {
    child: Child,
    port: u16,
}

impl Started {
    fn new(args: &[&str], port: u16) -> Started {
        let child = Command::new(server_bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn server");
        let mut s = Started { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(s.child.try_wait().unwrap().is_none(), "server with {args:?} exited");
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CONFIG GET's reply as name → value.
fn config_map(reply: Reply) -> BTreeMap<String, String> {
    let text = |r: &Reply| match r {
        Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("expected a bulk string, got {other:?}"),
    };
    match reply {
        Reply::Array(items) => {
            assert!(items.len().is_multiple_of(2));
            items.chunks(2).map(|p| (text(&p[0]), text(&p[1]))).collect()
        }
        Reply::Map(pairs) => pairs.iter().map(|(k, v)| (text(k), text(v))).collect(),
        other => panic!("CONFIG GET answered {other:?}"),
    }
}

fn get_all(c: &mut Conn, pattern: &str) -> BTreeMap<String, String> {
    config_map(c.cmd(&["CONFIG", "GET", pattern]))
}

#[test]
fn bad_config_file_stops_the_start() {
    let dir = tempdir::TempDir::new("cfg-bad");
    let file = dir.path().join("bad.conf");
    std::fs::write(&file, "port 7000\n# a comment\n\nfoo bar\n").unwrap();
    let (code, _, stderr) = run_to_exit(&[file.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert_eq!(stderr, fatal(4, "foo bar", "Bad directive or wrong number of arguments"));

    std::fs::write(&file, "maxmemory 100mb\n  maxmemory-policy  sometimes \n").unwrap();
    let (code, _, stderr) = run_to_exit(&[file.to_str().unwrap(), "--port", "0"], None);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        fatal(
            2,
            "maxmemory-policy  sometimes",
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, \
             allkeys-lru, allkeys-lfu, allkeys-random, noeviction"
        )
    );

    std::fs::write(&file, "save 900\n").unwrap();
    let (code, _, stderr) = run_to_exit(&[file.to_str().unwrap()], None);
    assert_eq!((code, stderr), (1, fatal(1, "save 900", "Invalid save parameters")));

    let missing = dir.path().join("missing.conf");
    let (code, stdout, _) = run_to_exit(&[missing.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(&format!(
            "# Fatal error, can't open config file '{}': No such file or directory",
            missing.display()
        )),
        "{stdout}"
    );
}

#[test]
fn bad_command_line_stops_the_start() {
    // The options follow the (empty) file text after a newline, so the
    // first option is on line 2, as in Redis.
    let (code, _, stderr) = run_to_exit(&["--port", "5", "--no-such-thing", "1"], None);
    assert_eq!((code, stderr), (1, fatal(3, "no-such-thing \"1\"", "Bad directive or wrong number of arguments")));
    let (code, _, stderr) = run_to_exit(&["--port", "x"], None);
    assert_eq!((code, stderr), (1, fatal(2, "port \"x\"", "argument couldn't be parsed into an integer")));
    let (code, _, stderr) = run_to_exit(&["--daemonize"], None);
    assert_eq!((code, stderr), (1, fatal(2, "daemonize", "wrong number of arguments")));
    let (code, _, stderr) = run_to_exit(&["-", "--port", "1"], Some("hz 10\nport 70000\n"));
    assert_eq!((code, stderr), (1, fatal(2, "port 70000", "argument must be between 0 and 65535 inclusive")));
    let (code, _, stderr) = run_to_exit(&["--help"], None);
    assert_eq!(code, 1);
    assert!(stderr.starts_with("Usage: "), "{stderr}");
    let (code, stdout, _) = run_to_exit(&["--version"], None);
    assert_eq!(code, 0);
    assert!(stdout.contains("Redis 7.0.15"), "{stdout}");
}

#[test]
fn config_file_then_overrides() {
    let dir = tempdir::TempDir::new("cfg-file");
    let file = dir.path().join("redis.conf");
    std::fs::write(
        &file,
        "# test\nport 1\nbind 127.0.0.1\nsave 900 1\nsave 300 10\nmaxmemory 2mb\nhash-max-ziplist-entries 99\n\
         requirepass \"with space\"\nrename-command KEYS \"\"\ninclude ./nothing-here-*.conf\n",
    )
    .unwrap();
    let port = free_port();
    let port_s = port.to_string();
    let s = Started::new(
        &[file.to_str().unwrap(), "--port", &port_s, "--dir", dir.path().to_str().unwrap(), "--save", "60", "1"],
        port,
    );
    let mut c = s.conn();
    assert_eq!(c.cmd(&["AUTH", "with space"]), ok());
    let got = config_map(c.cmd(&["CONFIG", "GET", "port", "save", "maxmemory", "hash-max-ziplist-entries", "dir"]));
    let dir_text = std::fs::canonicalize(dir.path()).unwrap().display().to_string();
    let expected: BTreeMap<String, String> = [
        ("port", port_s.as_str()),
        ("save", "900 1 300 10 60 1"),
        ("maxmemory", "2097152"),
        ("hash-max-ziplist-entries", "99"),
        ("dir", dir_text.as_str()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, expected);
}

#[test]
fn config_get_patterns_and_aliases() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxmemory"]), bulks(&["maxmemory", "0"]));
    assert_eq!(c.cmd(&["CONFIG", "GET", "MaxMemory"]), bulks(&["MaxMemory", "0"]), "named as asked");
    assert_eq!(c.cmd(&["CONFIG", "GET", "nosuch"]), arr(vec![]));
    assert_eq!(
        get_all(&mut c, "hash-max-*"),
        [
            ("hash-max-listpack-entries", "512"),
            ("hash-max-listpack-value", "64"),
            ("hash-max-ziplist-entries", "512"),
            ("hash-max-ziplist-value", "64")
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    );
    // Several patterns; a name already matched is not repeated.
    let reply = c.cmd(&["CONFIG", "GET", "Port", "port", "bind", "hash-max-ziplist-value"]);
    let Reply::Array(items) = reply else { panic!() };
    assert_eq!(items.len(), 6);
    assert_eq!(items[0], bulk("Port"));
    let all = get_all(&mut c, "*");
    assert_eq!(all.len(), 192);
    assert_eq!(all["save"], "");
    assert_eq!(all["bind"], "127.0.0.1");
    assert_eq!(
        all["client-output-buffer-limit"],
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
    );
    assert_eq!(all["proto-max-bulk-len"], "536870912");
    assert_eq!(all["slaveof"], "");
    assert!(!all.contains_key("watchdog-period"), "hidden directives need their exact name");
    assert_eq!(c.cmd(&["CONFIG", "GET", "watchdog-period"]), bulks(&["watchdog-period", "0"]));
    assert_eq!(c.cmd(&["CONFIG", "GET"]), err("ERR wrong number of arguments for 'config|get' command"));
    // RESP3: a map.
    c.cmd(&["HELLO", "3"]);
    let reply = c.cmd(&["CONFIG", "GET", "timeout"]);
    assert_eq!(reply, Reply::Map(vec![(bulk("timeout"), bulk("0"))]));
}

#[test]
fn config_set_round_trips_and_errors() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let set = |c: &mut Conn, args: &[&str]| {
        let mut full = vec!["CONFIG", "SET"];
        full.extend_from_slice(args);
        c.cmd(&full)
    };
    assert_eq!(set(&mut c, &["maxmemory", "1gb", "maxmemory-policy", "ALLKEYS-LRU", "save", "100 1 200 2"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxmemory"]), bulks(&["maxmemory", "1073741824"]));
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxmemory-policy"]), bulks(&["maxmemory-policy", "allkeys-lru"]));
    assert_eq!(c.cmd(&["CONFIG", "GET", "save"]), bulks(&["save", "100 1 200 2"]));
    assert_eq!(set(&mut c, &["hz", "1000"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "GET", "hz"]), bulks(&["hz", "500"]));
    assert_eq!(set(&mut c, &["hz", "10", "notify-keyspace-events", "KEA"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "GET", "notify-keyspace-events"]), bulks(&["notify-keyspace-events", "AKE"]));
    assert_eq!(set(&mut c, &["lua-time-limit", "100"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "GET", "busy-reply-threshold"]), bulks(&["busy-reply-threshold", "100"]));

    // All or nothing.
    assert_eq!(
        set(&mut c, &["maxmemory", "5mb", "hz", "abc"]),
        err("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer")
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxmemory"]), bulks(&["maxmemory", "1073741824"]));
    assert_eq!(
        set(&mut c, &["nosuch", "1"]),
        err("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
    );
    assert_eq!(
        set(&mut c, &["daemonize", "yes"]),
        err("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")
    );
    assert_eq!(
        set(&mut c, &["dir", "/tmp"]),
        err("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")
    );
    assert_eq!(
        set(&mut c, &["port", "1", "PORT", "2"]),
        err("ERR CONFIG SET failed (possibly related to argument 'PORT') - duplicate parameter")
    );
    assert_eq!(
        set(&mut c, &["maxclients", "0"]),
        err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and \
             4294967295 inclusive")
    );
    assert_eq!(
        set(&mut c, &["appendonly", "maybe"]),
        err("ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'")
    );
    // A port that can't be listened on fails the whole command.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port().to_string();
    assert_eq!(
        set(&mut c, &["maxmemory", "10000001", "port", &busy_port, "client-query-buffer-limit", "10m"]),
        err("ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check \
             server logs.")
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxmemory"]), bulks(&["maxmemory", "1073741824"]));
    assert_eq!(c.cmd(&["CONFIG", "GET", "port"]), bulks(&["port", "0"]));
    assert_eq!(set(&mut c, &["port", "1", "hz"]), err("ERR syntax error"));
    assert_eq!(set(&mut c, &["port"]), err("ERR wrong number of arguments for 'config|set' command"));
}

#[test]
fn config_set_takes_effect() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "SET", "requirepass", "pw"]), ok());
    // The connection that set it stays authenticated; new ones must AUTH.
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    let mut other = s.conn();
    assert_eq!(other.cmd(&["PING"]), err("NOAUTH Authentication required."));
    assert_eq!(other.cmd(&["AUTH", "pw"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "SET", "requirepass", ""]), ok());
    let mut third = s.conn();
    assert_eq!(third.cmd(&["PING"]), simple("PONG"));

    assert_eq!(c.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"]), ok());
    third.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2097152\r\n");
    assert_eq!(third.read_reply(), err("ERR Protocol error: invalid bulk length"));

    // c and other are connected (the protocol error closed third).
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxclients", "2"]), ok());
    let mut extra = s.conn();
    assert_eq!(extra.read_reply(), err("ERR max number of clients reached"));
}

#[test]
fn config_dir_and_protected_configs() {
    let s = TestServer::start(&["--enable-protected-configs", "yes"]);
    let mut c = s.conn();
    let target = tempdir::TempDir::new("cfg-dir");
    let canonical = std::fs::canonicalize(target.path()).unwrap().display().to_string();
    assert_eq!(c.cmd(&["CONFIG", "SET", "dir", target.path().to_str().unwrap()]), ok());
    assert_eq!(c.cmd(&["CONFIG", "GET", "dir"]), bulks(&["dir", &canonical]));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "dir", "/nonexistent-dir"]),
        err("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "dbfilename", "a/b.rdb"]),
        err("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a \
             filename")
    );
    // A failure later in the same command puts the directory back.
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "dir", "/", "hz", "x"]),
        err("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer")
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", "dir"]), bulks(&["dir", &canonical]));
}

/// The Tcl harness restores settings with CONFIG SET of what CONFIG GET *
/// showed: every mutable value must be accepted back as it is shown.
#[test]
fn every_shown_value_can_be_set_back() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let all = get_all(&mut c, "*");
    let refused =
        |why: &str, name: &str| format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}");
    for (name, value) in &all {
        let reply = c.cmd(&["CONFIG", "SET", name, value]);
        match name.as_str() {
            "dir" | "dbfilename" => assert_eq!(reply, err(&refused("can't set protected config", name))),
            _ => {
                let immutable = err(&refused("can't set immutable config", name));
                assert!(reply == ok() || reply == immutable, "{name} {value:?}: {reply:?}");
            }
        }
    }
    assert_eq!(get_all(&mut c, "*"), all);
}

#[test]
fn config_resetstat_help_and_rewrite() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), ok());
    assert_eq!(
        c.cmd(&["CONFIG", "RESETSTAT", "x"]),
        err("ERR wrong number of arguments for 'config|resetstat' command")
    );
    let Reply::Array(lines) = c.cmd(&["CONFIG", "HELP"]) else { panic!() };
    assert_eq!(lines.len(), 11);
    assert_eq!(lines[0], simple("CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
    assert_eq!(c.cmd(&["CONFIG", "FOO"]), err("ERR unknown subcommand 'FOO'. Try CONFIG HELP."));
    assert_eq!(c.cmd(&["CONFIG"]), err("ERR wrong number of arguments for 'config' command"));
    assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), err("ERR The server is running without a config file"));

    let dir = tempdir::TempDir::new("cfg-rewrite");
    let file = dir.path().join("r.conf");
    std::fs::write(&file, "# keep me\nmaxmemory 1000\nsave 900 1\nsave 300 10\nrename-command KEYS \"\"\n").unwrap();
    let port = free_port();
    let port_s = port.to_string();
    let dir_s = std::fs::canonicalize(dir.path()).unwrap().display().to_string();
    let s = Started::new(&[file.to_str().unwrap(), "--port", &port_s, "--bind", "127.0.0.1", "--dir", &dir_s], port);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "2mb", "save", "60 5"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), ok());
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        text,
        format!(
            "# keep me\nmaxmemory 2mb\nsave 60 5\n\nrename-command KEYS \"\"\n\n# Generated by CONFIG REWRITE\n\
             port {port}\ndir \"{dir_s}\"\nbind 127.0.0.1\nlatency-tracking-info-percentiles 50 99 99.9\n"
        )
    );
}

#[test]
fn startup_notice_lists_directives_not_in_effect() {
    let dir = tempdir::TempDir::new("cfg-notice");
    let port = free_port().to_string();
    let mut child = Command::new(server_bin())
        .args(["--port", &port, "--bind", "127.0.0.1", "--save", "", "--dir", dir.path().to_str().unwrap()])
        .args(["--repl-timeout", "5", "--rename-command", "KEYS", "", "--slowlog-max-len", "128"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut notice = None;
    for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
        let line = line.unwrap();
        if line.contains("not in effect") {
            notice = Some(line.clone());
        }
        if line.contains("Ready to accept connections") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    // Only directives changed from their default are listed.
    let notice = notice.expect("a notice line");
    assert!(
        notice.ends_with(
            "* Configuration accepted but not in effect in this server (not implemented yet): repl-timeout, \
             rename-command"
        ),
        "{notice}"
    );
}

#[test]
fn daemonize_detaches_and_writes_the_pid_file() {
    let dir = tempdir::TempDir::new("cfg-daemon");
    let pidfile = dir.path().join("d.pid");
    let port = free_port();
    let port_s = port.to_string();
    let dir_s = dir.path().to_str().unwrap();
    let log = dir.path().join("d.log");
    struct KillOnDrop(std::path::PathBuf);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            if let Ok(pid) = std::fs::read_to_string(&self.0) {
                let _ = Command::new("kill").arg(pid.trim()).status();
            }
        }
    }
    let _guard = KillOnDrop(pidfile.clone());
    let (code, stdout, stderr) = run_to_exit(
        &[
            "--daemonize",
            "yes",
            "--port",
            &port_s,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            dir_s,
            "--pidfile",
            pidfile.to_str().unwrap(),
            "--logfile",
            log.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""), "the parent exits at once");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() || !pidfile.exists() {
        assert!(Instant::now() < deadline, "the daemon did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid: u32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    assert!(pid > 0);
    let mut c = Conn::connect(port);
    assert_eq!(c.cmd(&["CONFIG", "GET", "daemonize"]), bulks(&["daemonize", "yes"]));
    c.send(&["SHUTDOWN"]);
    while pidfile.exists() {
        assert!(Instant::now() < deadline, "the pid file was not removed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every directive real redis-server 7.0 shows exists here with the same
/// default, and both refuse or accept setting each back the same way.
#[test]
#[ignore = "needs redis-server"]
fn defaults_match_real_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&["--appendonly", "no"]);
    let mut rc = real.conn();
    let mut oc = ours.conn();
    let theirs = get_all(&mut rc, "*");
    let mine = get_all(&mut oc, "*");
    // Intentional differences: each server's own port and directory.
    let differ = ["port", "dir"];
    for (name, value) in &theirs {
        let Some(v) = mine.get(name) else { panic!("{name} missing") };
        if !differ.contains(&name.as_str()) {
            assert_eq!(v, value, "default of {name}");
        }
    }
    let extra: Vec<&String> = mine.keys().filter(|k| !theirs.contains_key(*k)).collect();
    assert!(extra.is_empty(), "names Redis does not show: {extra:?}");
    // Setting each shown value back: same reply from both.
    for (name, value) in &theirs {
        if differ.contains(&name.as_str()) {
            continue;
        }
        let r = rc.cmd(&["CONFIG", "SET", name, value]);
        let o = oc.cmd(&["CONFIG", "SET", name, value]);
        assert_eq!(o, r, "CONFIG SET {name} {value:?}");
    }
    // And a few bad values: same errors.
    for (name, value) in [
        ("maxmemory", "-1"),
        ("maxmemory", "1.5mb"),
        ("hz", "01"),
        ("save", "1"),
        ("save", "1  2"),
        ("bind", ""),
        ("maxmemory-clients", "101%"),
        ("client-output-buffer-limit", "normal 1 2"),
        ("shutdown-on-sigint", "save nosave"),
        ("latency-tracking-info-percentiles", "a"),
        ("oom-score-adj-values", "1 2"),
        ("notify-keyspace-events", "KQ"),
        ("list-max-ziplist-size", "2147483648"),
        ("set-max-intset-entries", "-1"),
        ("activedefrag", "yes"),
        ("proc-title-template", "{nope}"),
        ("cluster-announce-hostname", "a b"),
        ("loglevel", "loud"),
    ] {
        if name == "bind" {
            continue; // would unbind the real server
        }
        let r = rc.cmd(&["CONFIG", "SET", name, value]);
        let o = oc.cmd(&["CONFIG", "SET", name, value]);
        assert_eq!(o, r, "CONFIG SET {name} {value:?}");
    }
    // Every directive with a range of good and bad values: the same reply
    // and the same value afterwards. Left out: what would move or stop the
    // real server (port, bind, appendonly, a huge maxclients), and what
    // differs by design (dir, logfile, pidfile).
    let skip = ["port", "bind", "dir", "dbfilename", "appendonly", "daemonize", "logfile", "pidfile", "maxclients"];
    let values = [
        "",
        "0",
        "1",
        "-1",
        "yes",
        "NO",
        "abc",
        "1mb",
        "1KB",
        "10%",
        "100%",
        "2147483648",
        "4294967296",
        "99999999999999999999",
        "1 2",
        "1 2 3 4",
        "save now",
        "default",
        "KEA",
        "01",
        "+1",
        " 1",
        "1.5",
        "0777",
        "normal 1 2 3",
        "replica 1mb 1mb 0 pubsub 0 0 0",
        "50 99.9",
        "{title}",
        "{port}",
        "a/b",
        "-2147483649",
        "allkeys-lru",
        "local",
        "relative",
        "nosave now",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
    ];
    for (name, original) in &theirs {
        if skip.contains(&name.as_str()) {
            continue;
        }
        for value in values {
            let r = rc.cmd(&["CONFIG", "SET", name, value]);
            let o = oc.cmd(&["CONFIG", "SET", name, value]);
            assert_eq!(o, r, "CONFIG SET {name} {value:?}");
            let r = rc.cmd(&["CONFIG", "GET", name]);
            let o = oc.cmd(&["CONFIG", "GET", name]);
            assert_eq!(o, r, "CONFIG GET {name} after setting {value:?}");
            rc.cmd(&["CONFIG", "SET", name, original]);
            oc.cmd(&["CONFIG", "SET", name, original]);
        }
    }
}

/// The unchanged Debian /etc/redis/redis.conf loads (as root, like Redis),
/// with the same values as real redis-server reading it.
#[test]
#[ignore = "needs redis-server"]
fn debian_redis_conf_loads() {
    let conf = "/etc/redis/redis.conf";
    assert!(std::path::Path::new(conf).exists(), "{conf} (apt-get install redis-server)");
    let dir = tempdir::TempDir::new("cfg-debian");
    let dir_s = dir.path().to_str().unwrap();
    let port = free_port();
    let port_s = port.to_string();
    // The port override only avoids clashing with another server on 6379.
    let ours = Started::new(&[conf, "--daemonize", "no", "--dir", dir_s, "--port", &port_s], port);
    let mine = get_all(&mut ours.conn(), "*");
    drop(ours);

    let real_dir = tempdir::TempDir::new("cfg-debian-real");
    let real_port = free_port();
    let real_port_s = real_port.to_string();
    let mut real = Command::new("redis-server")
        .args([conf, "--daemonize", "no", "--dir", real_dir.path().to_str().unwrap(), "--port", &real_port_s])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", real_port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let theirs = get_all(&mut Conn::connect(real_port), "*");
    let _ = real.kill();
    let _ = real.wait();
    for (name, value) in &theirs {
        if ["port", "dir"].contains(&name.as_str()) {
            continue;
        }
        assert_eq!(mine.get(name), Some(value), "{name}");
    }
}
