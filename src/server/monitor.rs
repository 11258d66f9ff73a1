//! MONITOR (Redis's `replicationFeedMonitors`): every command that runs is
//! shown to the clients in monitor mode as one simple-string line,
//! `+<unix s>.<µs> [<db> <addr>] "arg" "arg" …`, with `lua` as the address
//! of commands called from scripts and secrets redacted (`server::redact`).
//!
//! Fed by the dispatcher after a command runs (not for admin commands, nor
//! those flagged `skip_monitor`: EVAL and FCALL feed themselves before their
//! script runs, so the script's commands follow them, as in Redis), and for
//! an EXEC refused before running. A monitor that is borrowed at that moment
//! (it is the one being served) misses the line. May import the server state
//! and `config::value::repr`.

use bytes::Bytes;

use super::Server;
use super::client::Client;
use super::redact::redacted_positions;
use crate::config::value::repr;

/// Puts `client` in monitor mode. False if it already is (Redis then
/// answers nothing at all).
pub fn start(srv: &mut Server, client: &mut Client) -> bool {
    if client.monitor {
        return false;
    }
    client.monitor = true;
    srv.monitors.push(client.id);
    true
}

/// Takes `client` out of monitor mode (RESET, disconnect).
pub fn stop(srv: &mut Server, client: &mut Client) {
    if std::mem::take(&mut client.monitor) {
        srv.monitors.retain(|&id| id != client.id);
    }
}

/// Shows the command `args`, run by `client`, to every monitor.
pub fn feed(srv: &mut Server, client: &mut Client, args: &[Bytes]) {
    if srv.monitors.is_empty() || srv.persist.loading.is_some() {
        return;
    }
    let line = format_line(client, args);
    for &id in &srv.monitors {
        if id == client.id {
            client.out.raw(line.as_bytes());
            continue;
        }
        let Some(slot) = srv.clients.get(id) else { continue };
        if let Ok(mut monitor) = slot.state.try_borrow_mut() {
            monitor.out.raw(line.as_bytes());
            super::connection::close_if_over_limit(&srv.config, &mut monitor);
            slot.wake.notify_one();
        }
    }
}

fn format_line(client: &Client, args: &[Bytes]) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let addr = if client.script { "lua" } else { client.addr.as_str() };
    let mut line = format!("+{}.{:06} [{} {}]", now.as_secs(), now.subsec_micros(), client.db, addr);
    let redacted = redacted_positions(args);
    for (i, a) in args.iter().enumerate() {
        line.push(' ');
        if redacted.contains(&i) {
            line.push_str("\"(redacted)\"");
        } else {
            line.push_str(&repr(a));
        }
    }
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    #[test]
    fn line_format() {
        let mut c = Client::new(7, "127.0.0.1:5000".into(), "127.0.0.1:6379".into(), -1, true);
        c.db = 3;
        let line = format_line(&c, &args(&["set", "k\n", "a\"b"]));
        assert!(line.starts_with('+'), "{line}");
        assert!(line.ends_with(" [3 127.0.0.1:5000] \"set\" \"k\\n\" \"a\\\"b\"\r\n"), "{line}");
        let (secs, rest) = line[1..].split_once('.').unwrap();
        assert!(secs.parse::<u64>().unwrap() > 1_700_000_000);
        assert_eq!(rest.split_once(' ').unwrap().0.len(), 6);
    }
}
