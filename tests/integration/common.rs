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
    pub fn start(extra: &[&str]) -> RealRedis {
        let dir = tempdir::TempDir::new("redis");
        let port = free_port();
        let mut cmd = Command::new("redis-server");
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
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        RealRedis { port, child, _dir: dir }
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

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
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
