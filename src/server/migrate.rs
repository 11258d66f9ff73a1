//! MIGRATE's connections to target instances (Redis's
//! `migrateCachedSocket`): one blocking TCP connection per `host:port`,
//! kept for reuse and closed after `TTL_SECS` unused (by `cron`) or on any
//! error, with the database last selected on it so a SELECT is sent only
//! when it changes.
//!
//! The I/O is synchronous on the command thread, with the command's
//! timeout on each connect, write and read, exactly as Redis does it: the
//! server waits for the target while a MIGRATE runs. Imports only std.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// At most this many cached connections (`MIGRATE_SOCKET_CACHE_ITEMS`).
const MAX_CACHED: usize = 64;
/// Closed after this many seconds unused (`MIGRATE_SOCKET_CACHE_TTL`).
const TTL_SECS: u64 = 10;
/// Writes go out in chunks of this size, each with the full timeout.
const CHUNK: usize = 64 * 1024;
/// A reply line longer than this is cut (Redis reads into 1 KiB buffers).
const MAX_LINE: usize = 1023;

/// One cached connection.
pub struct Target {
    stream: TcpStream,
    /// The database selected on the target (-1: unknown, SELECT first).
    pub last_dbid: i64,
    last_use: u64,
}

#[derive(Default)]
pub struct Targets {
    by_addr: HashMap<String, Target>,
}

fn name(host: &[u8], port: &[u8]) -> String {
    format!("{}:{}", String::from_utf8_lossy(host), String::from_utf8_lossy(port))
}

/// `atoi`: leading digits, 0 if none.
fn atoi(s: &[u8]) -> u16 {
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).take(5);
    let n = digits.fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    u16::try_from(n).unwrap_or(0)
}

/// Why no connection could be had.
pub enum ConnectError {
    /// The address did not resolve: Redis's "connecting" error.
    Resolve,
    /// The connection failed or timed out. Redis's blocking connect
    /// reports success either way and the first write fails, so this is a
    /// write error.
    Connect(io::Error),
}

fn connect(host: &[u8], port: &[u8], timeout: Duration) -> Result<TcpStream, ConnectError> {
    let host = std::str::from_utf8(host).map_err(|_| ConnectError::Resolve)?;
    let addrs: Vec<_> = (host, atoi(port)).to_socket_addrs().map_err(|_| ConnectError::Resolve)?.collect();
    let mut last = io::Error::from(io::ErrorKind::AddrNotAvailable);
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                s.set_nodelay(true).map_err(ConnectError::Connect)?;
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(if last.kind() == io::ErrorKind::AddrNotAvailable {
        ConnectError::Resolve
    } else {
        ConnectError::Connect(last)
    })
}

impl Targets {
    /// The cached connection to `host:port`, or a new one made within
    /// `timeout`.
    pub fn get(
        &mut self,
        host: &[u8],
        port: &[u8],
        timeout: Duration,
        now_secs: u64,
    ) -> Result<&mut Target, ConnectError> {
        let key = name(host, port);
        if !self.by_addr.contains_key(&key) {
            if self.by_addr.len() >= MAX_CACHED
                && let Some(victim) = self.by_addr.keys().next().cloned()
            {
                // Redis drops one at random; any will do.
                self.by_addr.remove(&victim);
            }
            let stream = connect(host, port, timeout)?;
            self.by_addr.insert(key.clone(), Target { stream, last_dbid: -1, last_use: now_secs });
        }
        let t = self.by_addr.get_mut(&key).expect("inserted above");
        t.last_use = now_secs;
        Ok(t)
    }

    /// Forgets (and closes) the connection to `host:port`.
    pub fn close(&mut self, host: &[u8], port: &[u8]) {
        self.by_addr.remove(&name(host, port));
    }

    /// Closes connections unused for more than `TTL_SECS`.
    pub fn cron(&mut self, now_secs: u64) {
        self.by_addr.retain(|_, t| now_secs.saturating_sub(t.last_use) <= TTL_SECS);
    }

    pub fn len(&self) -> usize {
        self.by_addr.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_addr.is_empty()
    }
}

impl Target {
    /// Writes all of `buf` (`connSyncWrite` per 64 KiB chunk).
    pub fn write_all(&mut self, buf: &[u8], timeout: Duration) -> io::Result<()> {
        self.stream.set_write_timeout(Some(timeout))?;
        for chunk in buf.chunks(CHUNK) {
            self.stream.write_all(chunk)?;
        }
        Ok(())
    }

    /// One reply line without its CR LF (`connSyncReadLine`: byte by byte,
    /// so nothing past the line is consumed).
    pub fn read_line(&mut self, timeout: Duration) -> io::Result<Vec<u8>> {
        self.stream.set_read_timeout(Some(timeout))?;
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        loop {
            if self.stream.read(&mut b)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            match b[0] {
                b'\n' => break,
                c if line.len() < MAX_LINE => line.push(c),
                _ => {}
            }
        }
        if line.is_empty() {
            // A bare LF is a failed read for Redis.
            return Err(io::ErrorKind::InvalidData.into());
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(line)
    }
}

/// Was this a timeout (Redis does not retry after `ETIMEDOUT`)?
pub fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_read_as_atoi_reads_them() {
        assert_eq!(atoi(b"6379"), 6379);
        assert_eq!(atoi(b"63x"), 63);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b"99999"), 0);
        assert_eq!(atoi(b"123456"), 12345);
    }

    #[test]
    fn lines_are_read_one_at_a_time_and_idle_targets_closed() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port().to_string();
        let peer = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut req = [0u8; 4];
            s.read_exact(&mut req).unwrap();
            s.write_all(b"+OK\r\n-ERR bad\r\n").unwrap();
        });
        let mut targets = Targets::default();
        let t = Duration::from_secs(5);
        let Ok(target) = targets.get(b"127.0.0.1", port.as_bytes(), t, 100) else { panic!("connects") };
        target.write_all(b"PING", t).unwrap();
        assert_eq!(target.read_line(t).unwrap(), b"+OK");
        assert_eq!(target.read_line(t).unwrap(), b"-ERR bad");
        peer.join().unwrap();
        assert!(target.read_line(t).is_err(), "the peer closed");
        targets.cron(110);
        assert_eq!(targets.len(), 1);
        targets.cron(111);
        assert!(targets.is_empty());
        let closed = targets.get(b"127.0.0.1", b"1", Duration::from_millis(200), 0);
        assert!(matches!(closed, Err(ConnectError::Connect(_))), "refused");
        assert!(matches!(targets.get(b"", b"1", t, 0), Err(ConnectError::Resolve)));
    }
}
