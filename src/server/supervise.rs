//! Supervision by systemd (`supervised systemd`, or `auto` with
//! `NOTIFY_SOCKET` set): the sd_notify protocol is one datagram per message
//! to the socket named by `NOTIFY_SOCKET` (a path, or `@name` in the
//! abstract namespace). As Redis: `STATUS=Redis is loading...` when
//! detected, `STATUS=Ready to accept connections` and `READY=1` once
//! ready, `STOPPING=1` and save statuses on shutdown. A supervised server
//! does not daemonize. Upstart is not supported.

use std::sync::OnceLock;

use crate::config::Supervised;

/// The notify socket, once systemd supervision is in effect.
static SOCKET: OnceLock<String> = OnceLock::new();

/// Decides whether the server is supervised (Redis's `redisIsSupervised`),
/// logging as Redis does. Call once, before daemonizing.
pub fn detect(mode: Supervised) -> bool {
    let notify_socket = std::env::var("NOTIFY_SOCKET").ok().filter(|s| !s.is_empty());
    let mode = match mode {
        Supervised::Auto if std::env::var_os("UPSTART_JOB").is_some() => {
            crate::log::verbose("Upstart supervision detected.");
            Supervised::Upstart
        }
        Supervised::Auto if notify_socket.is_some() => {
            crate::log::verbose("Systemd supervision detected.");
            Supervised::Systemd
        }
        other => other,
    };
    match mode {
        Supervised::Systemd => {
            let Some(path) = notify_socket else {
                crate::log::warning("systemd supervision error: NOTIFY_SOCKET not found!");
                return false;
            };
            if let Err(e) = send(&path, "STATUS=Redis is loading...\n") {
                crate::log::warning(&format!("systemd supervision error: sd_notify: {e}"));
                return false;
            }
            let _ = SOCKET.set(path);
            crate::log::notice(
                "Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and \
                 TimeoutStopSec in your service unit.",
            );
            true
        }
        Supervised::Upstart => {
            crate::log::warning("upstart supervision requested, but redis-rs-server does not support upstart.");
            false
        }
        Supervised::Auto | Supervised::No => false,
    }
}

/// INFO `process_supervised`.
pub fn name() -> &'static str {
    if SOCKET.get().is_some() { "systemd" } else { "no" }
}

/// Sends `msg` to systemd when supervised (a no-op otherwise).
pub fn notify(msg: &str) {
    if let Some(path) = SOCKET.get()
        && let Err(e) = send(path, msg)
    {
        crate::log::warning(&format!("systemd supervision error: sd_notify: {e}"));
    }
}

/// The server accepts connections.
pub fn ready() {
    notify("STATUS=Ready to accept connections\n");
    notify("READY=1\n");
}

fn send(path: &str, msg: &str) -> std::io::Result<()> {
    let sock = std::os::unix::net::UnixDatagram::unbound()?;
    match path.strip_prefix('@') {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            sock.send_to_addr(msg.as_bytes(), &addr)?;
        }
        None => {
            sock.send_to(msg.as_bytes(), path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sends_datagrams_to_a_path_and_an_abstract_name() {
        let dir = std::env::temp_dir().join(format!("rrs-notify-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let rx = std::os::unix::net::UnixDatagram::bind(&dir).unwrap();
        super::send(dir.to_str().unwrap(), "READY=1\n").unwrap();
        let mut buf = [0u8; 64];
        let n = rx.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\n");
        let _ = std::fs::remove_file(&dir);

        use std::os::linux::net::SocketAddrExt;
        let name = format!("rrs-notify-abstract-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let rx = std::os::unix::net::UnixDatagram::bind_addr(&addr).unwrap();
        super::send(&format!("@{name}"), "STOPPING=1\n").unwrap();
        let n = rx.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STOPPING=1\n");
    }
}
