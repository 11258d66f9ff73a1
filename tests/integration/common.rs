//! Test harness: starts the built server (or a real redis-server) on a free
//! port, and talks raw RESP to it over TCP.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use redis_rs_server::protocol::Reply;

/// A server process, killed when dropped.
pub struct TestServer {
    pub port: u16,
    pub child: Child,
    pub dir: tempdir::TempDir,
}

pub mod tempdir {
    /// A directory removed when dropped.
    pub struct TempDir(pub std::path::PathBuf);

    impl TempDir {
        pub fn new(tag: &str) -> TempDir {
            static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("rrs-{}-{}-{}", tag, std::process::id(), n));
            std::fs::create_dir_all(&path).expect("temp dir");
            TempDir(path)
        }

        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Path of the server binary under test.
pub fn server_bin() -> &'static str {
    env!("CARGO_BIN_EXE_redis-rs-server")
}

impl TestServer {
    /// Starts our server with `--port 0` plus `extra` arguments (`--directive value` pairs).
    pub fn start(extra: &[&str]) -> TestServer {
        let dir = tempdir::TempDir::new("srv");
        let mut cmd = Command::new(server_bin());
        cmd.args(["--port", "0", "--bind", "127.0.0.1", "--save", "", "--enable-debug-command", "yes", "--dir"]);
        cmd.arg(dir.path());
        cmd.args(extra);
        cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("spawn server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut port = None;
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(rest) = line.split("port=").nth(1) {
                port = rest.trim_end_matches('.').parse().ok();
            }
            if line.contains("Ready to accept connections") {
                break;
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let port = port.expect("server printed its port");
        TestServer { port, child, dir }
    }

    pub fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real redis-server on a free port (for compatibility tests).
pub struct RealRedis {
    pub port: u16,
    child: Child,
    _dir: tempdir::TempDir,
}

impl RealRedis {
    /// Starts `redis-server` on a free port. The port is picked before the
    /// server binds it, so another process may take it first: the server's
    /// `INFO` must then show our child's pid, else it starts again elsewhere.
    pub fn start(extra: &[&str]) -> RealRedis {
        for _ in 0..5 {
            if let Some(redis) = Self::try_start(extra) {
                return redis;
            }
        }
        panic!("redis-server did not start (see its command line in RealRedis::start)")
    }

    fn try_start(extra: &[&str]) -> Option<RealRedis> {
        let dir = tempdir::TempDir::new("redis");
        let port = free_port();
        let mut cmd = Command::new(require_tool("redis-server"));
        cmd.args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--enable-debug-command",
            "yes",
            "--dir",
        ]);
        cmd.arg(dir.path());
        cmd.args(extra);
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let child = cmd.spawn().expect("redis-server must be installed (apt-get install redis-server)");
        let mut redis = RealRedis { port, child, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline || redis.child.try_wait().ok().flatten().is_some() {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // With requirepass, INFO needs AUTH first.
        let pass = extra.windows(2).find(|w| w[0] == "--requirepass").map(|w| w[1]);
        // With `maxclients 1` the probe above may still hold the only slot
        // for a moment: retry while the server refuses us.
        let mut info = None;
        for _ in 0..100 {
            let mut c = Conn::connect(port);
            if let Some(pass) = pass {
                c.cmd(&["AUTH", pass]);
            }
            if let Some(Reply::Bulk(b)) = c.try_read_reply_after(&["INFO", "server"]) {
                info = Some(String::from_utf8_lossy(&b).into_owned());
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let info = info?;
        let ours = format!("process_id:{}\r\n", redis.child.id());
        info.contains(&ours).then_some(redis)
    }

    pub fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }
}

impl Drop for RealRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port for a server to listen on. Not the kernel's pick (`bind :0`):
/// that comes from the ephemeral range, where between this call and the
/// server's bind a parallel test's client connection could take it, or a
/// parallel `free_port` get it again (one test then talked to another
/// test's server and saw it reset). These come from below the ephemeral
/// range (32768+ by default), each handed out once per test process.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    const FIRST: u16 = 20_000;
    const SPAN: u16 = 12_000;
    static NEXT: AtomicU16 = AtomicU16::new(0);
    // Spread test processes apart (cargo runs one test binary at a time,
    // but a developer may run two).
    let offset = (std::process::id() % u32::from(SPAN)) as u16;
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = FIRST + (offset + n % SPAN) % SPAN;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A raw RESP connection.
pub struct Conn {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

/// Encodes a command as a RESP multibulk request.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl Conn {
    pub fn connect(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        stream.set_nodelay(true).unwrap();
        Conn { stream, buf: Vec::new() }
    }

    /// Sends a command and reads its reply.
    pub fn cmd(&mut self, args: &[&str]) -> Reply {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.cmd_bytes(&raw)
    }

    pub fn cmd_bytes(&mut self, args: &[&[u8]]) -> Reply {
        self.send_bytes(args);
        self.read_reply()
    }

    pub fn send(&mut self, args: &[&str]) {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.send_bytes(&raw);
    }

    pub fn send_bytes(&mut self, args: &[&[u8]]) {
        self.stream.write_all(&encode(args)).expect("write");
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Sends a command and reads its reply; `None` if the server closed the
    /// connection first.
    pub fn try_read_reply_after(&mut self, args: &[&str]) -> Option<Reply> {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        if self.stream.write_all(&encode(&raw)).is_err() {
            return None;
        }
        self.try_read_reply()
    }

    /// Reads one reply; panics on timeout or close.
    pub fn read_reply(&mut self) -> Reply {
        self.try_read_reply().expect("reply before the connection closed")
    }

    /// Reads one reply; `None` if the server closed the connection first.
    pub fn try_read_reply(&mut self) -> Option<Reply> {
        loop {
            if let Some((reply, used)) = Reply::parse(&self.buf).expect("well-formed reply") {
                self.buf.drain(..used);
                return Some(reply);
            }
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    /// True if the server closed the connection (reads until EOF or timeout).
    pub fn is_closed(&mut self, within: Duration) -> bool {
        self.stream.set_read_timeout(Some(within)).unwrap();
        let mut chunk = [0u8; 1024];
        let closed = loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => break true,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
                Err(_) => break false,
            }
        };
        self.stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        closed
    }

    /// Reads raw bytes until `n` have arrived or the connection closes.
    pub fn read_raw(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(k) => self.buf.extend_from_slice(&chunk[..k]),
            }
        }
        let take = n.min(self.buf.len());
        self.buf.drain(..take).collect()
    }
}

/// Shorthands for expected replies.
/// A field of an INFO section, as text.
pub fn info_field(c: &mut Conn, section: &str, field: &str) -> String {
    let Reply::Bulk(b) = c.cmd(&["INFO", section]) else { panic!("INFO") };
    let text = String::from_utf8_lossy(&b).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")).map(str::to_string))
        .unwrap_or_else(|| panic!("{field} in {text}"))
}

pub fn bulk(s: &str) -> Reply {
    Reply::Bulk(bytes::Bytes::copy_from_slice(s.as_bytes()))
}
pub fn simple(s: &str) -> Reply {
    Reply::Simple(s.into())
}
pub fn ok() -> Reply {
    simple("OK")
}
pub fn int(i: i64) -> Reply {
    Reply::Int(i)
}
pub fn err(s: &str) -> Reply {
    Reply::Error(s.into())
}
pub fn arr(items: Vec<Reply>) -> Reply {
    Reply::Array(items)
}
pub fn bulks(items: &[&str]) -> Reply {
    Reply::Array(items.iter().map(|s| bulk(s)).collect())
}
pub fn nil() -> Reply {
    Reply::Null
}

// ---------------------------------------------------------------------------
// Extensions for protocol, compatibility and client tests.
// ---------------------------------------------------------------------------

/// Anything tests can open connections to: our server or a real redis-server.
pub trait Endpoint {
    fn port(&self) -> u16;
    /// "ours" or "redis", for messages.
    fn label(&self) -> &'static str;
    fn connect(&self) -> Conn {
        Conn::connect(self.port())
    }
}

impl Endpoint for TestServer {
    fn port(&self) -> u16 {
        self.port
    }
    fn label(&self) -> &'static str {
        "ours"
    }
}

impl Endpoint for RealRedis {
    fn port(&self) -> u16 {
        self.port
    }
    fn label(&self) -> &'static str {
        "redis"
    }
}

/// Finds an external program on `PATH` (redis-cli, python3 …); panics with
/// an install hint when it is missing, so ignored tests fail loudly rather
/// than pass vacuously.
pub fn require_tool(name: &str) -> std::path::PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain(["/usr/bin".into(), "/usr/local/bin".into()]) {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!("{name} not found on PATH: run .ci/run (installs redis-server, redis-tools and redis-py 8)")
}

/// Path of a helper script under `tests/python/`.
pub fn python_script(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python").join(name)
}

/// Runs `python3 tests/python/<script> args…`; returns stdout, panicking with
/// stderr if the script fails.
pub fn run_python(script: &str, args: &[&str]) -> String {
    let out = Command::new(require_tool("python3"))
        .arg(python_script(script))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python3 {script} {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Escapes bytes for messages: printable ASCII as is, the rest as `\xHH`.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

/// The request a test appends after its input to learn, without waiting on a
/// timer, whether the server is still reading: `HELLO 999999999`, allowed
/// before authentication, changes nothing and answers [`SENTINEL_REPLY`].
pub const SENTINEL: &[u8] = b"*2\r\n$5\r\nHELLO\r\n$9\r\n999999999\r\n";
pub const SENTINEL_REPLY: &str = "NOPROTO unsupported protocol version";

/// What a server did with some raw input: the bytes it answered and whether
/// it closed the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub replies: Vec<u8>,
    pub closed: bool,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"{}", escape(&self.replies), if self.closed { " then closed" } else { " (still open)" })
    }
}

impl Outcome {
    /// The replies parsed, for assertions.
    pub fn parsed(&self) -> Vec<Reply> {
        let mut out = Vec::new();
        let mut pos = 0;
        while let Ok(Some((r, used))) = Reply::parse(&self.replies[pos..]) {
            out.push(r);
            pos += used;
        }
        assert_eq!(pos, self.replies.len(), "trailing bytes in {self}");
        out
    }
}

/// Sends `input` followed by [`SENTINEL`] on a fresh connection and reads
/// until the sentinel's reply (`closed: false`, the sentinel's reply not
/// included) or until the server closes (`closed: true`). Panics if neither
/// happens within the connection's read timeout.
pub fn exchange(port: u16, input: &[u8]) -> Outcome {
    let mut c = Conn::connect(port);
    let mut data = input.to_vec();
    data.extend_from_slice(SENTINEL);
    // The server may close before reading everything: a failed write is fine.
    let _ = c.stream.write_all(&data);
    let mut replies = Vec::new();
    loop {
        match c.try_read_reply_raw() {
            None => return Outcome { replies, closed: true },
            Some((Reply::Error(e), _)) if e == SENTINEL_REPLY => return Outcome { replies, closed: false },
            Some((_, raw)) => replies.extend_from_slice(&raw),
        }
    }
}

/// Sends `input`, half-closes the socket and reads everything until the
/// server closes. Needs no timer: both Redis and we close on EOF. Replies
/// that are not well-formed RESP are returned as they are.
pub fn exchange_half_close(port: u16, input: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // Written from another thread so that big inputs cannot deadlock
    // against replies nobody reads yet.
    let mut writer = stream.try_clone().expect("clone stream");
    let input_owned = input.to_vec();
    std::thread::spawn(move || {
        let _ = writer.write_all(&input_owned);
        let _ = writer.shutdown(std::net::Shutdown::Write);
    });
    let mut out = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return out,
            Err(e) => panic!("server neither answered nor closed after {} bytes of input: {e}", input.len()),
        }
    }
}

/// Writes `input` from a second thread while reading `n` replies, so that
/// neither side blocks on a full socket buffer however big the pipeline.
pub fn pipeline(c: &mut Conn, input: Vec<u8>, n: usize) -> Vec<Reply> {
    let mut writer = c.stream.try_clone().expect("clone stream");
    let handle = std::thread::spawn(move || writer.write_all(&input).expect("write pipeline"));
    let replies = (0..n).map(|_| c.read_reply()).collect();
    handle.join().expect("writer thread");
    replies
}

impl Conn {
    /// Reads one reply and the exact bytes it was sent as; `None` if the
    /// server closed the connection first.
    pub fn try_read_reply_raw(&mut self) -> Option<(Reply, Vec<u8>)> {
        loop {
            match Reply::parse(&self.buf) {
                Ok(Some((reply, used))) => {
                    let raw = self.buf.drain(..used).collect();
                    return Some((reply, raw));
                }
                Ok(None) => {}
                Err(()) => panic!("malformed reply: \"{}\"", escape(&self.buf)),
            }
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    /// Sends a command and returns its reply with the reply's exact bytes.
    pub fn cmd_raw(&mut self, args: &[&[u8]]) -> (Reply, Vec<u8>) {
        self.send_bytes(args);
        self.try_read_reply_raw().expect("reply before the connection closed")
    }

    /// Writes raw bytes; false if the server has closed the connection.
    pub fn try_send_raw(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).is_ok()
    }
}

/// A small deterministic PRNG (SplitMix64) for generated tests: the same
/// seed gives the same stream on every platform and crate version.
#[derive(Debug, Clone)]
pub struct TestRng(u64);

impl TestRng {
    pub fn new(seed: u64) -> TestRng {
        TestRng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        // Wrapping: a span of 2^63 (i64::MIN / 2 ..= i64::MAX / 2) overflows i64.
        lo.wrapping_add((self.next_u64() % (hi.wrapping_sub(lo) as u64).wrapping_add(1)) as i64)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A seed from the environment variable `name` (decimal), else `default`.
pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// A scenario with several connections: it gets a way to open them and
/// returns every reply it saw (`run_ours`, `run_both`).
pub type Scenario = fn(&mut dyn FnMut() -> Conn) -> Vec<Reply>;

/// Runs `scenario` against a fresh server of ours.
pub fn run_ours(scenario: Scenario) -> Vec<Reply> {
    let s = TestServer::start(&[]);
    let port = s.port;
    scenario(&mut || Conn::connect(port))
}

/// Runs `scenario` against ours and a real redis-server; the reply logs
/// must be identical.
pub fn run_both(scenario: Scenario) -> Vec<Reply> {
    let ours = run_ours(scenario);
    let redis = RealRedis::start(&[]);
    let port = redis.port;
    let theirs = scenario(&mut || Conn::connect(port));
    assert_eq!(ours, theirs, "reply logs differ (left: ours, right: redis-server)");
    ours
}

/// Runs our server with `args` (after `--port 0 --bind 127.0.0.1 --save ""`)
/// expecting it to exit by itself within 30 s: its exit code and output.
pub fn start_expecting_exit_with(args: &[&str]) -> (i32, String) {
    let mut child = Command::new(server_bin())
        .args(["--port", "0", "--bind", "127.0.0.1", "--save", ""])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().expect("output");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (status.code().unwrap_or(-1), text)
}
