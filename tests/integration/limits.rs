//! Limits and connection hygiene: maxclients, protected mode, timeout,
//! tcp-keepalive, tcp-backlog, client-output-buffer-limit (slow readers),
//! moving the listener with CONFIG SET port.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// A server on a known port with a log file (TestServer logs to stdout).
struct Logged {
    child: Child,
    port: u16,
    dir: tempdir::TempDir,
}

impl Logged {
    fn start(extra: &[&str]) -> Logged {
        let dir = tempdir::TempDir::new("limits");
        let port = free_port();
        let mut child = Command::new(server_bin())
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--dir"])
            .arg(dir.path())
            .arg("--logfile")
            .arg(dir.path().join("redis.log"))
            .args(extra)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(child.try_wait().unwrap().is_none(), "server exited");
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Logged { child, port, dir }
    }

    fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Peak and current RSS of a process, in KiB.
fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Everything the server sends until it closes the connection.
fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// A TCP connection from `local` (another loopback address) to `port`.
fn connect_from(local: &str, port: u16) -> TcpStream {
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let local: SocketAddr = format!("{local}:0").parse().unwrap();
    sock.bind(&local.into()).unwrap();
    let remote: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    sock.connect(&remote.into()).unwrap();
    let s: TcpStream = sock.into();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s
}

#[test]
fn maxclients_rejects_with_redis_text() {
    let s = TestServer::start(&["--maxclients", "2"]);
    let mut a = s.conn();
    let mut b = s.conn();
    assert_eq!(a.cmd(&["PING"]), simple("PONG"));
    assert_eq!(b.cmd(&["PING"]), simple("PONG"));
    let mut third = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    third.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    assert_eq!(read_to_close(&mut third), b"-ERR max number of clients reached\r\n");
    assert_eq!(info_field(&mut a, "stats", "rejected_connections"), "1");
    assert_eq!(info_field(&mut a, "stats", "total_connections_received"), "2");
    assert_eq!(info_field(&mut a, "clients", "maxclients"), "2");
    drop(b);
    // A slot is free again once a client leaves.
    wait_until("the slot to free", || {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        c.write_all(b"PING\r\n").unwrap();
        let mut buf = [0u8; 64];
        let n = c.read(&mut buf).unwrap_or(0);
        &buf[..n] == b"+PONG\r\n"
    });
}

#[test]
#[ignore = "needs redis-server"]
fn maxclients_and_protected_mode_match_real_redis() {
    let real = RealRedis::start(&["--maxclients", "1"]);
    let ours = TestServer::start(&["--maxclients", "1"]);
    for port in [real.port, ours.port] {
        // The start-up probe's connection may not be gone yet.
        let mut first = Conn::connect(port);
        while first.cmd(&["PING"]) != simple("PONG") {
            std::thread::sleep(Duration::from_millis(20));
            first = Conn::connect(port);
        }
        let mut second = TcpStream::connect(("127.0.0.1", port)).unwrap();
        second.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        assert_eq!(read_to_close(&mut second), b"-ERR max number of clients reached\r\n", "port {port}");
    }
    // Protected mode, bound to 127.0.0.1, no password: a client from
    // another address is refused with the same bytes by both.
    let real = RealRedis::start(&["--protected-mode", "yes"]);
    let ours = TestServer::start(&["--protected-mode", "yes"]);
    let theirs = read_to_close(&mut connect_from("127.0.0.2", real.port));
    let mine = read_to_close(&mut connect_from("127.0.0.2", ours.port));
    assert!(theirs.starts_with(b"-DENIED"), "{}", String::from_utf8_lossy(&theirs));
    assert_eq!(String::from_utf8_lossy(&mine), String::from_utf8_lossy(&theirs));
}

#[test]
fn protected_mode_refuses_non_loopback_clients() {
    let s = TestServer::start(&["--protected-mode", "yes"]);
    let got = read_to_close(&mut connect_from("127.0.0.2", s.port));
    assert_eq!(got, redis_rs_server::server::listener::DENIED.as_bytes());
    let mut local = s.conn();
    assert_eq!(local.cmd(&["PING"]), simple("PONG"));
    assert_eq!(info_field(&mut local, "stats", "rejected_connections"), "1");
    // Turned off at run time: the same client is served.
    assert_eq!(local.cmd(&["CONFIG", "SET", "protected-mode", "no"]), ok());
    let mut far = connect_from("127.0.0.2", s.port);
    far.write_all(b"PING\r\n").unwrap();
    let mut buf = [0u8; 7];
    far.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"+PONG\r\n");
    // With a password for the default user, protected mode lets it in (to
    // authenticate).
    assert_eq!(local.cmd(&["CONFIG", "SET", "protected-mode", "yes", "requirepass", "secret"]), ok());
    let mut far = connect_from("127.0.0.2", s.port);
    far.write_all(b"PING\r\n").unwrap();
    let mut buf = [0u8; 34];
    far.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"-NOAUTH Authentication required.\r\n");
}

#[test]
fn timeout_closes_idle_clients_only() {
    let s = TestServer::start(&["--timeout", "1"]);
    let mut idle = s.conn();
    assert_eq!(idle.cmd(&["PING"]), simple("PONG"));
    let mut busy = s.conn();
    // The busy client keeps talking while the idle one is closed.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert_eq!(busy.cmd(&["PING"]), simple("PONG"));
        if idle.is_closed(Duration::from_millis(200)) {
            break;
        }
        assert!(Instant::now() < deadline, "the idle client was not closed");
    }
    assert_eq!(busy.cmd(&["PING"]), simple("PONG"));
    assert_eq!(busy.cmd(&["CONFIG", "GET", "timeout"]), bulks(&["timeout", "1"]));
}

/// The server-side socket of a connection from local port `client_port`
/// to `port`: its `tr:tm->when` field of /proc/net/tcp.
fn server_socket_timer(port: u16, client_port: u16) -> String {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    for line in table.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f[1].ends_with(&format!(":{port:04X}")) && f[2].ends_with(&format!(":{client_port:04X}")) {
            return f[5].to_string();
        }
    }
    panic!("no socket {port} <- {client_port}");
}

#[test]
fn tcp_keepalive_arms_the_keepalive_timer() {
    let s = TestServer::start(&["--tcp-keepalive", "300"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    let local = c.stream.local_addr().unwrap().port();
    // Timer 2 is keepalive, due in (just under) 30000 ticks of 10 ms = 300 s.
    let timer = server_socket_timer(s.port, local);
    let (kind, when) = timer.split_once(':').unwrap();
    assert_eq!(kind, "02", "{timer}");
    let when = u64::from_str_radix(when, 16).unwrap();
    assert!((29_000..=30_000).contains(&when), "{timer}");

    let s = TestServer::start(&["--tcp-keepalive", "0"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    let local = c.stream.local_addr().unwrap().port();
    assert_eq!(server_socket_timer(s.port, local), "00:00000000");
}

#[test]
fn tcp_backlog_is_the_listen_backlog() {
    let s = TestServer::start(&["--tcp-backlog", "100"]);
    let Ok(out) = Command::new("ss").args(["-ltnH", &format!("sport = :{}", s.port)]).output() else {
        eprintln!("skipped: no ss");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let somaxconn: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn").unwrap().trim().parse().unwrap();
    // State, Recv-Q, Send-Q (the backlog, capped by somaxconn).
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(fields.get(2).copied(), Some(100.min(somaxconn).to_string().as_str()), "{text}");
}

#[test]
fn config_set_port_moves_the_listener() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let new_port = free_port();
    assert_eq!(c.cmd(&["CONFIG", "SET", "port", &new_port.to_string()]), ok());
    assert_eq!(Conn::connect(new_port).cmd(&["PING"]), simple("PONG"));
    assert!(TcpStream::connect(("127.0.0.1", s.port)).is_err(), "the old port is closed");
    // The existing connection stays.
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    assert_eq!(info_field(&mut c, "server", "tcp_port"), new_port.to_string());
    // A port in use fails and changes nothing.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port().to_string();
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "port", &busy_port]),
        err("ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check \
             server logs.")
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", "port"]), bulks(&["port", &new_port.to_string()]));
    assert_eq!(Conn::connect(new_port).cmd(&["PING"]), simple("PONG"));
    // bind can add an address on the same port.
    assert_eq!(c.cmd(&["CONFIG", "SET", "bind", "127.0.0.1 -::1"]), ok());
    assert_eq!(Conn::connect(new_port).cmd(&["PING"]), simple("PONG"));
}

/// Waits until a client connected after `c` took its snapshot of
/// `total` connections has come and gone (only `c` is left).
fn wait_gone(c: &mut Conn, total_before: u64) {
    wait_until("the slow reader to be disconnected", || {
        let total: u64 = info_field(c, "stats", "total_connections_received").parse().unwrap();
        total > total_before && info_field(c, "clients", "connected_clients") == "1"
    });
}

fn total_connections(c: &mut Conn) -> u64 {
    info_field(c, "stats", "total_connections_received").parse().unwrap()
}

/// Pipelines `n` GETs of `key` and never reads.
fn pipeline_gets(port: u16, key: &str, n: usize) -> TcpStream {
    pipeline_requests(port, &[b"GET", key.as_bytes()], n)
}

/// Pipelines `n` copies of the request `args` and never reads.
fn pipeline_requests(port: u16, args: &[&[u8]], n: usize) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let one = encode(args);
    let all: Vec<u8> = one.iter().copied().cycle().take(one.len() * n).collect();
    s.write_all(&all).unwrap();
    s
}

/// A client pipelining GETs of a 1 MiB value (a 1 GiB answer in all) that
/// never reads is disconnected at its hard limit, and the server's memory
/// stays bounded.
#[test]
fn slow_reader_is_cut_off_at_the_hard_limit() {
    let s = Logged::start(&["--client-output-buffer-limit", "normal 32mb 0 0"]);
    let mut c = s.conn();
    let value = "v".repeat(1 << 20);
    assert_eq!(c.cmd(&["SET", "big", &value]), ok());
    let (_, rss_before) = rss_kib(s.pid());
    let before = total_connections(&mut c);
    let slow = pipeline_gets(s.port, "big", 1024);
    wait_gone(&mut c, before);
    let (peak, rss_after) = rss_kib(s.pid());
    eprintln!("slow reader (hard limit 32mb): RSS before {rss_before} KiB, peak {peak} KiB, after {rss_after} KiB");
    assert!(peak < rss_before + 96 * 1024, "peak RSS {peak} KiB from {rss_before} KiB");
    let log = s.log();
    assert!(log.contains("scheduled to be closed ASAP for overcoming of output buffer limits."), "{log}");
    assert!(log.contains(" cmd=get user=default"), "{log}");
    drop(slow);
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
}

/// The issue's case: a client pipelining LRANGE of a large list (10,000
/// items, ~1 MiB per reply) that never reads is disconnected at its hard
/// limit, and the server's memory stays bounded.
#[test]
fn slow_lrange_reader_is_cut_off_at_the_hard_limit() {
    let s = Logged::start(&["--client-output-buffer-limit", "normal 32mb 0 0"]);
    let mut c = s.conn();
    let item = "i".repeat(100);
    for _ in 0..10 {
        let mut push = vec!["RPUSH", "biglist"];
        push.extend(std::iter::repeat_n(item.as_str(), 1000));
        c.cmd(&push);
    }
    assert_eq!(c.cmd(&["LLEN", "biglist"]), int(10_000));
    let (_, rss_before) = rss_kib(s.pid());
    let before = total_connections(&mut c);
    let slow = pipeline_requests(s.port, &[b"LRANGE", b"biglist", b"0", b"-1"], 1024);
    wait_gone(&mut c, before);
    let (peak, rss_after) = rss_kib(s.pid());
    eprintln!(
        "slow LRANGE reader (hard limit 32mb): RSS before {rss_before} KiB, peak {peak} KiB, after {rss_after} KiB"
    );
    assert!(peak < rss_before + 96 * 1024, "peak RSS {peak} KiB from {rss_before} KiB");
    assert!(s.log().contains(" cmd=lrange user=default"), "{}", s.log());
    drop(slow);
    assert_eq!(c.cmd(&["LLEN", "biglist"]), int(10_000));
}

/// Without any limit (Redis's default for normal clients) the same client
/// is not disconnected: the server stops reading it once about 1 MiB of
/// its replies wait, memory stays bounded, and every reply arrives intact
/// once the client reads.
#[test]
fn slow_reader_without_limit_is_throttled_not_buffered() {
    let s = Logged::start(&[]);
    let mut c = s.conn();
    let value = "w".repeat(256 << 10);
    assert_eq!(c.cmd(&["SET", "big", &value]), ok());
    let (_, rss_before) = rss_kib(s.pid());
    let n = 400;
    let mut slow = pipeline_gets(s.port, "big", n);
    // Let the server run what it will before it stalls.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(info_field(&mut c, "clients", "connected_clients"), "2");
    let (peak, _) = rss_kib(s.pid());
    eprintln!("slow reader (no limit, {n} x 256 KiB pending): RSS before {rss_before} KiB, peak {peak} KiB");
    assert!(peak < rss_before + 32 * 1024, "peak RSS {peak} KiB from {rss_before} KiB");
    // Now read everything: n replies of the value, in order.
    let header = format!("${}\r\n", value.len());
    let one = header.len() + value.len() + 2;
    let mut got = vec![0u8; one * n];
    slow.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    slow.read_exact(&mut got).unwrap();
    for chunk in got.chunks(one) {
        assert!(chunk.starts_with(header.as_bytes()) && chunk.ends_with(b"\r\n"));
        assert!(chunk[header.len()..one - 2].iter().all(|&b| b == b'w'));
    }
}

/// Over the soft limit for longer than its seconds: disconnected.
#[test]
fn slow_reader_is_cut_off_after_the_soft_limit_seconds() {
    let s = Logged::start(&["--client-output-buffer-limit", "normal 0 2mb 1"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "big", &"s".repeat(256 << 10)]), ok());
    let before = total_connections(&mut c);
    let _slow = pipeline_gets(s.port, "big", 100);
    wait_gone(&mut c, before);
    assert!(s.log().contains("for overcoming of output buffer limits."));
}

/// Real Redis cuts the same slow reader off at the same limit.
#[test]
#[ignore = "needs redis-server"]
fn slow_reader_matches_real_redis() {
    let real = RealRedis::start(&["--client-output-buffer-limit", "normal 32mb 0 0"]);
    let ours = TestServer::start(&["--client-output-buffer-limit", "normal 32mb 0 0"]);
    for port in [real.port, ours.port] {
        let mut c = Conn::connect(port);
        assert_eq!(c.cmd(&["SET", "big", &"r".repeat(1 << 20)]), ok());
        let before = total_connections(&mut c);
        let _slow = pipeline_gets(port, "big", 1024);
        wait_gone(&mut c, before);
    }
}

/// A request bigger than `client-query-buffer-limit` closes the client.
#[test]
fn query_buffer_limit_closes_the_client() {
    let s = Logged::start(&["--client-query-buffer-limit", "1mb"]);
    let mut c = s.conn();
    let before = total_connections(&mut c);
    let mut big = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    big.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n".to_vec();
    req.extend(std::iter::repeat_n(b'x', 1_500_000));
    // The server may close while we are still writing.
    let _ = big.write_all(&req);
    assert_eq!(read_to_close(&mut big), b"");
    wait_gone(&mut c, before);
    assert!(s.log().contains("# Closing client that reached max query buffer length: "), "{}", s.log());
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
}

/// CONFIG SET maxclients beyond what the open-files limit can reach fails
/// with the number that fits, and changes nothing (Redis's updateMaxclients).
/// Can no process get 2000032 descriptors here (the kernel's `nr_open`)?
fn two_million_fds_impossible() -> bool {
    let nr_open = std::fs::read_to_string("/proc/sys/fs/nr_open").ok().and_then(|t| t.trim().parse::<u64>().ok());
    if nr_open.is_none_or(|n| n >= 2_000_032) {
        eprintln!("skipped: nr_open allows 2000032 descriptors");
        return false;
    }
    true
}

#[test]
fn config_set_maxclients_beyond_the_fd_limit() {
    if !two_million_fds_impossible() {
        return;
    }
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let Reply::Error(e) = c.cmd(&["CONFIG", "SET", "maxclients", "2000000"]) else { panic!("error") };
    assert!(
        e.starts_with(
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to \
             handle the specified number of clients, try with "
        ),
        "{e}"
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxclients"]), bulks(&["maxclients", "10000"]));
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxclients", "100"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxclients"]), bulks(&["maxclients", "100"]));
}

#[test]
#[ignore = "needs redis-server"]
fn config_set_maxclients_matches_real_redis() {
    if !two_million_fds_impossible() {
        return;
    }
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let (mut r, mut o) = (real.conn(), ours.conn());
    for cmd in [&["CONFIG", "SET", "maxclients", "2000000"][..], &["CONFIG", "GET", "maxclients"]] {
        assert_eq!(o.cmd(cmd), r.cmd(cmd), "{cmd:?}");
    }
}

/// Memory a long request or a big reply needed goes back once it is done:
/// the argument vectors at once, the query buffer within two cron seconds
/// (Redis's `clientsCronResizeQueryBuffer`), a big reply's buffer once
/// written; an idle client's query buffer is emptied (qbuf-free=0).
#[test]
fn long_requests_and_big_replies_give_their_memory_back() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let mut probe = s.conn();
    let used = |p: &mut Conn| info_field(p, "memory", "used_memory").parse::<u64>().unwrap();
    let base = used(&mut probe);
    let members: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
    let mut sadd = vec!["SADD", "s"];
    sadd.extend(members.iter().map(|m| m.as_str()));
    assert_eq!(c.cmd(&sadd), int(100_000));
    assert_eq!(c.cmd(&["UNLINK", "s"]), int(1));
    let big = "x".repeat(2_000_000);
    assert_eq!(c.cmd(&["ECHO", &big]), bulk(&big));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = used(&mut probe);
        if now < base + 200_000 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still {now} bytes used against {base} before");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let Reply::Bulk(list) = probe.cmd(&["CLIENT", "LIST"]) else { panic!() };
    let list = String::from_utf8_lossy(&list).into_owned();
    let line = list.lines().find(|l| l.contains("cmd=echo")).expect("the ECHO client");
    assert!(line.contains(" qbuf=0 qbuf-free=0 "), "{line}");
}
