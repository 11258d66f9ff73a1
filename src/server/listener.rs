//! Binding the configured addresses and accepting connections. Each accepted
//! socket becomes a registered client and a connection task.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::client::Client;
use super::clients::ClientSlot;
use super::{Server, connection};

/// Binds every address of `bind` on `port`. A leading `-` marks an address
/// whose failure is tolerated; `*` is every IPv4 address, `::*` every IPv6.
pub fn bind_all(bind: &[String], port: u16, backlog: u32) -> Result<Vec<TcpListener>, String> {
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
                Err(_) => return Err(format!("Invalid bind address '{other}'")),
            },
        };
        match bind_one(SocketAddr::new(ip, port), backlog) {
            Ok(l) => {
                // With `port 0` every address shares the first one's port.
                if port == 0 {
                    port = l.local_addr().map(|a| a.port()).unwrap_or(0);
                }
                listeners.push(l);
            }
            Err(e) if optional => {
                crate::log::verbose(&format!("Could not bind optional address {addr}:{port}: {e}"));
            }
            Err(e) => {
                return Err(format!("Could not create server TCP listening socket {addr}:{port}: {e}"));
            }
        }
    }
    if listeners.is_empty() {
        return Err("Failed listening on port (tcp), aborting.".into());
    }
    Ok(listeners)
}

fn bind_one(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog.min(i32::MAX as u32) as i32)?;
    TcpListener::from_std(socket.into())
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
        let _ = stream.set_nodelay(true);
        let local = stream.local_addr().map(|a| a.to_string()).unwrap_or_default();
        let fd = {
            use std::os::fd::AsRawFd;
            stream.as_raw_fd()
        };
        let full = {
            let mut srv = server.borrow_mut();
            srv.stats.total_connections += 1;
            let full = srv.clients.len() >= srv.config.maxclients as usize;
            if full {
                srv.stats.rejected_connections += 1;
            }
            full
        };
        if full {
            let _ = stream.write_all(b"-ERR max number of clients reached\r\n").await;
            continue;
        }
        let slot = register(&mut server.borrow_mut(), stream, peer, local, fd);
        tokio::task::spawn_local(connection::serve(server.clone(), slot));
    }
}

/// Accepts the connections waiting on the listeners without the reactor
/// (while a script is busy, `server::busy`): they are registered and get
/// their tasks as usual, which start once the script ends.
pub fn accept_waiting(srv: &mut Server) {
    let Some(server) = srv.me.upgrade() else { return };
    let listeners = srv.listeners.clone();
    for listener in &listeners {
        while let Ok((socket, addr)) = socket2::SockRef::from(&**listener).accept() {
            let Some(peer) = addr.as_socket() else { continue };
            let std_stream: std::net::TcpStream = socket.into();
            if std_stream.set_nonblocking(true).is_err() {
                continue;
            }
            let Ok(stream) = TcpStream::from_std(std_stream) else { continue };
            let _ = stream.set_nodelay(true);
            let local = stream.local_addr().map(|a| a.to_string()).unwrap_or_default();
            let fd = {
                use std::os::fd::AsRawFd;
                stream.as_raw_fd()
            };
            srv.stats.total_connections += 1;
            if srv.clients.len() >= srv.config.maxclients as usize {
                srv.stats.rejected_connections += 1;
                let _ = stream.try_write(b"-ERR max number of clients reached\r\n");
                continue;
            }
            let slot = register(srv, stream, peer, local, fd);
            tokio::task::spawn_local(connection::serve(server.clone(), slot));
        }
    }
}

fn register(srv: &mut Server, stream: TcpStream, peer: SocketAddr, local: String, fd: i32) -> Rc<ClientSlot> {
    if let Some(tcp_keepalive) = keepalive(srv.config.tcp_keepalive) {
        let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&tcp_keepalive);
    }
    let id = srv.clients.next_id();
    let authenticated = !srv.auth_required();
    srv.clients.add(Client::new(id, format_addr(peer), local, fd, authenticated), stream)
}

fn keepalive(seconds: u64) -> Option<socket2::TcpKeepalive> {
    if seconds == 0 {
        return None;
    }
    let interval = std::time::Duration::from_secs(seconds);
    Some(socket2::TcpKeepalive::new().with_time(interval).with_interval(interval / 3))
}

/// `ip:port` as Redis prints it (IPv6 without brackets).
fn format_addr(a: SocketAddr) -> String {
    format!("{}:{}", a.ip(), a.port())
}
