//! Listening and admitting connections: binding the configured addresses
//! (`bind`, `port`, `tcp-backlog`), moving the listeners when CONFIG SET
//! changes `port` or `bind`, and for each accepted socket Redis's admission
//! rules in Redis's order: `maxclients` (`-ERR max number of clients
//! reached`), then protected mode (a non-loopback client while the default
//! user has no password gets `-DENIED ...`; in 7.0 `bind` does not matter),
//! then `tcp-keepalive`, registration and the connection task. Also raises
//! the open-files limit for `maxclients` at startup, as Redis does.
//!
//! While a script is busy the reactor does not run: `accept_waiting`
//! accepts and admits the waiting connections with non-blocking accepts
//! (`server::busy`), their tasks starting once the script ends.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::{Rc, Weak};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::client::Client;
use super::clients::ClientSlot;
use super::{Server, connection};
use crate::config::Config;

/// File descriptors Redis keeps for itself beyond one per client
/// (`CONFIG_MIN_RESERVED_FDS`).
const RESERVED_FDS: u64 = 32;

/// Redis 7.0's reply to a non-loopback client in protected mode.
pub const DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no \
password is set for the default user. In this mode connections are only accepted from the loopback interface. If \
you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable \
protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis \
from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do \
so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by \
editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. \
3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a \
an authentication password for the default user. NOTE: You only need to do one of the above things in order for the \
server to start accepting connections from the outside.\r\n";

/// The running accept loops.
#[derive(Default)]
pub struct Listeners {
    active: Vec<Active>,
    server: Weak<RefCell<Server>>,
}

/// The server's handle, for tasks started from a command (the replica
/// link); `None` before the listeners started.
pub fn server_handle(srv: &Server) -> Option<Rc<RefCell<Server>>> {
    srv.listeners.server.upgrade()
}

/// One accept loop: the `bind` address (without a leading `-`) and port.
struct Active {
    addr: String,
    port: u16,
    task: tokio::task::AbortHandle,
    /// Shared with the accept loop (also accepted from while a script is
    /// busy).
    listener: Rc<TcpListener>,
}

/// A bound listener and the `bind` address it came from.
pub type Bound = (String, TcpListener);

/// Binds every address of `bind` on `port`. A leading `-` marks an address
/// whose failure is tolerated; `*` is every IPv4 address, `::*` every IPv6.
/// The error is Redis's two log lines for a failed bind (not yet logged).
pub fn bind_all(bind: &[String], port: u16, backlog: u32) -> Result<Vec<Bound>, String> {
    let mut listeners = Vec::new();
    let mut port = port;
    for spec in bind {
        let (optional, addr) = match spec.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, spec.as_str()),
        };
        let ip: IpAddr = match addr {
            "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            "::*" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            other => match other.parse() {
                Ok(ip) => ip,
                Err(_) if optional => continue,
                Err(_) => {
                    let why = format!("Could not create server TCP listening socket {other}:{port}: Invalid address");
                    return Err(failed_listening(&why, port));
                }
            },
        };
        match bind_one(SocketAddr::new(ip, port), backlog) {
            Ok(l) => {
                // With `port 0` every address shares the first one's port.
                if port == 0 {
                    port = l.local_addr().map(|a| a.port()).unwrap_or(0);
                }
                listeners.push((addr.to_string(), l));
            }
            Err((step, e)) if optional => {
                crate::log::verbose(&format!(
                    "Could not create server TCP listening socket {addr}:{port}: {step}: {}",
                    crate::config::special::strerror(&e)
                ));
            }
            Err((step, e)) => {
                let why = format!(
                    "Could not create server TCP listening socket {addr}:{port}: {step}: {}",
                    crate::config::special::strerror(&e)
                );
                return Err(failed_listening(&why, port));
            }
        }
    }
    if listeners.is_empty() {
        return Err(failed_listening("Could not create server TCP listening socket: no address", port));
    }
    Ok(listeners)
}

/// Redis's two lines for a failed bind.
fn failed_listening(why: &str, port: u16) -> String {
    format!("Warning: {why}\nFailed listening on port {port} (TCP), aborting.")
}

fn bind_one(addr: SocketAddr, backlog: u32) -> Result<TcpListener, (&'static str, std::io::Error)> {
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(|e| ("socket", e))?;
    socket.set_reuse_address(true).map_err(|e| ("setsockopt SO_REUSEADDR", e))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true).map_err(|e| ("setsockopt", e))?;
    }
    socket.set_nonblocking(true).map_err(|e| ("fcntl", e))?;
    socket.bind(&addr.into()).map_err(|e| ("bind", e))?;
    socket.listen(backlog.min(i32::MAX as u32) as i32).map_err(|e| ("listen", e))?;
    TcpListener::from_std(socket.into()).map_err(|e| ("listen", e))
}

/// Starts an accept loop per listener.
pub fn start(server: &Rc<RefCell<Server>>, bound: Vec<Bound>) {
    server.borrow_mut().listeners.server = Rc::downgrade(server);
    spawn(server, &mut server.borrow_mut(), bound);
}

fn spawn(server: &Rc<RefCell<Server>>, srv: &mut Server, bound: Vec<Bound>) {
    for (addr, l) in bound {
        let port = l.local_addr().map(|a| a.port()).unwrap_or(0);
        let listener = Rc::new(l);
        let task = tokio::task::spawn_local(accept_loop(server.clone(), listener.clone())).abort_handle();
        srv.listeners.active.push(Active { addr, port, task, listener });
    }
}

/// Listens on the configured `port` and `bind` (CONFIG SET). Addresses
/// already listened on are kept, the new ones bound first: on failure
/// nothing changes and the error is logged. `port 0` set over a real port
/// stops TCP listening, as in Redis; a server started with `port 0` (an
/// ephemeral port) keeps its port when only `bind` changes.
pub fn rebind(srv: &mut Server, old_port: u16) -> Result<(), String> {
    let Some(server) = srv.listeners.server.upgrade() else {
        return Err("the server is not listening yet".into());
    };
    let port = if srv.config.port == 0 && old_port == 0 { srv.tcp_port } else { srv.config.port };
    let wanted: Vec<(String, bool)> = if port == 0 {
        Vec::new()
    } else {
        srv.config.bind.iter().map(|b| (b.trim_start_matches('-').to_string(), b.starts_with('-'))).collect()
    };
    let is_active = |addr: &str| srv.listeners.active.iter().any(|a| a.addr == addr && a.port == port);
    let to_bind: Vec<String> = wanted
        .iter()
        .filter(|(addr, _)| !is_active(addr))
        .map(|(addr, optional)| if *optional { format!("-{addr}") } else { addr.clone() })
        .collect();
    let bound = if to_bind.is_empty() {
        Vec::new()
    } else {
        bind_all(&to_bind, port, srv.config.tcp_backlog).inspect_err(|e| {
            for line in e.lines() {
                crate::log::warning(line);
            }
        })?
    };
    srv.listeners.active.retain(|a| {
        let keep = a.port == port && wanted.iter().any(|(addr, _)| *addr == a.addr);
        if !keep {
            a.task.abort();
        }
        keep
    });
    spawn(&server, srv, bound);
    srv.tcp_port = port;
    Ok(())
}

pub async fn accept_loop(server: Rc<RefCell<Server>>, listener: Rc<TcpListener>) {
    loop {
        let (mut stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                crate::log::warning(&format!("Accepting client connection: {e}"));
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let refusal = {
            let mut srv = server.borrow_mut();
            let refusal = admission(&srv, peer);
            match refusal {
                Some(_) => srv.stats.rejected_connections += 1,
                None => srv.stats.total_connections += 1,
            }
            refusal
        };
        if let Some(reply) = refusal {
            // Best effort, as Redis: the client may already be gone.
            let _ = stream.write_all(reply.as_bytes()).await;
            continue;
        }
        let _ = stream.set_nodelay(true);
        let local = stream.local_addr().map(|a| a.to_string()).unwrap_or_default();
        let fd = {
            use std::os::fd::AsRawFd;
            stream.as_raw_fd()
        };
        let slot = register(&mut server.borrow_mut(), stream, peer, local, fd);
        tokio::task::spawn_local(connection::serve(server.clone(), slot));
    }
}

/// Accepts the connections waiting on the listeners without the reactor
/// (while a script is busy, `server::busy`), with the same admission rules:
/// they are registered and get their tasks as usual, which start once the
/// script ends.
pub fn accept_waiting(srv: &mut Server) {
    let Some(server) = srv.listeners.server.upgrade() else { return };
    let listeners: Vec<Rc<TcpListener>> = srv.listeners.active.iter().map(|a| a.listener.clone()).collect();
    for listener in &listeners {
        while let Ok((socket, addr)) = socket2::SockRef::from(&**listener).accept() {
            let Some(peer) = addr.as_socket() else { continue };
            let std_stream: std::net::TcpStream = socket.into();
            if std_stream.set_nonblocking(true).is_err() {
                continue;
            }
            let Ok(stream) = TcpStream::from_std(std_stream) else { continue };
            match admission(srv, peer) {
                Some(reply) => {
                    srv.stats.rejected_connections += 1;
                    let _ = stream.try_write(reply.as_bytes());
                    continue;
                }
                None => srv.stats.total_connections += 1,
            }
            let _ = stream.set_nodelay(true);
            let local = stream.local_addr().map(|a| a.to_string()).unwrap_or_default();
            let fd = {
                use std::os::fd::AsRawFd;
                stream.as_raw_fd()
            };
            let slot = register(srv, stream, peer, local, fd);
            tokio::task::spawn_local(connection::serve(server.clone(), slot));
        }
    }
}

/// Redis's admission checks for a new connection: the reply that refuses
/// it, if any.
fn admission(srv: &Server, peer: SocketAddr) -> Option<&'static str> {
    if srv.clients.len() >= srv.config.maxclients as usize {
        return Some("-ERR max number of clients reached\r\n");
    }
    let default_nopass = srv.acl.user("default").is_some_and(|u| u.nopass());
    if srv.config.protected_mode && default_nopass && !is_loopback(peer.ip()) {
        return Some(DENIED);
    }
    None
}

/// Redis's `islocalClient`: exactly 127.0.0.1 or ::1 (not the rest of
/// 127.0.0.0/8, nor IPv4-mapped addresses).
fn is_loopback(ip: IpAddr) -> bool {
    ip == IpAddr::V4(Ipv4Addr::LOCALHOST) || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
}

fn register(srv: &mut Server, stream: TcpStream, peer: SocketAddr, local: String, fd: i32) -> Rc<ClientSlot> {
    if let Some(tcp_keepalive) = keepalive(srv.config.tcp_keepalive) {
        let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&tcp_keepalive);
    }
    let id = srv.clients.next_id();
    let authenticated = !srv.auth_required();
    srv.clients.add(Client::new(id, format_addr(peer), local, fd, authenticated), stream)
}

/// Redis's `anetKeepAlive`: probes after `seconds` idle, then every third
/// of that (at least 1 s), 3 unanswered probes close the connection.
fn keepalive(seconds: u64) -> Option<socket2::TcpKeepalive> {
    if seconds == 0 {
        return None;
    }
    let idle = std::time::Duration::from_secs(seconds);
    let interval = std::time::Duration::from_secs((seconds / 3).max(1));
    Some(socket2::TcpKeepalive::new().with_time(idle).with_interval(interval).with_retries(3))
}

/// `ip:port` as Redis prints it (IPv6 without brackets).
fn format_addr(a: SocketAddr) -> String {
    format!("{}:{}", a.ip(), a.port())
}

/// Redis's `adjustOpenFilesLimit`: raises the open-files limit to
/// `maxclients` + 32, or lowers `maxclients` to what the limit allows and
/// says so. Err when not even the reserved descriptors are available.
/// Used at startup and by CONFIG SET maxclients.
pub fn adjust_open_files_limit(config: &mut Config) -> Result<(), String> {
    let maxfiles = u64::from(config.maxclients) + RESERVED_FDS;
    let old = match crate::sys::nofile_limit() {
        Ok((soft, _hard)) => soft,
        Err(e) => {
            crate::log::warning(&format!(
                "Unable to obtain the current NOFILE limit ({}), assuming 1024 and setting the max clients \
             configuration accordingly.",
                crate::config::special::strerror(&e)
            ));
            config.maxclients = (1024 - RESERVED_FDS) as u32;
            return Ok(());
        }
    };
    if old >= maxfiles {
        return Ok(());
    }
    let mut best = maxfiles;
    let mut error = None;
    while best > old {
        match crate::sys::set_nofile_limit(best) {
            Ok(()) => break,
            Err(e) => error = Some(e),
        }
        if best < 16 {
            best = old;
            break;
        }
        best -= 16;
    }
    best = best.max(old);
    if best >= maxfiles {
        crate::log::notice(&format!(
            "Increased maximum number of open files to {maxfiles} (it was originally set to {old})."
        ));
        return Ok(());
    }
    if best <= RESERVED_FDS {
        let msg = format!(
            "Your current 'ulimit -n' of {old} is not enough for the server to start. Please increase your open \
             file limit to at least {maxfiles}. Exiting."
        );
        crate::log::warning(&msg);
        return Err(msg);
    }
    let requested = config.maxclients;
    config.maxclients = (best - RESERVED_FDS) as u32;
    let why = error.map(|e| crate::config::special::strerror(&e)).unwrap_or_default();
    crate::log::warning(&format!(
        "You requested maxclients of {requested} requiring at least {maxfiles} max file descriptors."
    ));
    crate::log::warning(&format!("Server can't set maximum open files to {maxfiles} because of OS error: {why}."));
    crate::log::warning(&format!(
        "Current maximum open files is {best}. maxclients has been reduced to {} to compensate for low ulimit. If \
         you need higher maxclients increase 'ulimit -n'.",
        config.maxclients
    ));
    Ok(())
}

/// Redis's `checkTcpBacklogSettings`: warns when the kernel caps the
/// listen backlog below `tcp-backlog`.
pub fn check_tcp_backlog(backlog: u32) {
    let Ok(text) = std::fs::read_to_string("/proc/sys/net/core/somaxconn") else { return };
    if let Ok(somaxconn) = text.trim().parse::<u32>()
        && somaxconn < backlog
    {
        crate::log::warning(&format!(
            "WARNING: The TCP backlog setting of {backlog} cannot be enforced because /proc/sys/net/core/somaxconn \
             is set to the lower value of {somaxconn}."
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_exactly_two_addresses() {
        assert!(is_loopback("127.0.0.1".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        assert!(!is_loopback("127.0.0.2".parse().unwrap()));
        assert!(!is_loopback("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!is_loopback("10.1.2.3".parse().unwrap()));
    }

    #[test]
    fn keepalive_as_redis() {
        assert!(keepalive(0).is_none());
        // Only construction can be checked without a socket; the values
        // are read back in the integration test.
        assert!(keepalive(300).is_some());
        assert!(keepalive(1).is_some());
    }

    #[test]
    fn open_files_limit_is_enough_for_maxclients() {
        let mut c = Config { maxclients: 100, ..Config::default() };
        adjust_open_files_limit(&mut c).unwrap();
        assert_eq!(c.maxclients, 100);
        let (soft, _) = crate::sys::nofile_limit().unwrap();
        assert!(soft >= 132);
    }

    #[test]
    fn denied_text_is_redis_7_0() {
        assert!(DENIED.starts_with("-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode"));
        assert!(DENIED.ends_with("in order for the server to start accepting connections from the outside.\r\n"));
        assert!(!DENIED.contains("  "));
    }
}
