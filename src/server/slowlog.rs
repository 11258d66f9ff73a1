//! The slow log (Redis's `slowlog.c`): commands that ran for at least
//! `slowlog-log-slower-than` µs, newest first, at most `slowlog-max-len`.
//!
//! An entry keeps copies of the arguments (never slices of a client's read
//! buffer, which they would pin), at most 32 of them, each cut at 128 bytes,
//! with Redis's markers for what was cut. Arguments that Redis redacts in
//! its handlers read `(redacted)` (`server::redact`). Imports the config.

use std::collections::VecDeque;

use bytes::Bytes;

use super::redact::redacted_positions;
use crate::config::Config;

/// Arguments kept per entry (Redis's `SLOWLOG_ENTRY_MAX_ARGC`).
const MAX_ARGS: usize = 32;
/// Bytes kept per argument (`SLOWLOG_ENTRY_MAX_STRING`).
const MAX_STRING: usize = 128;

pub struct Entry {
    pub id: u64,
    /// Unix seconds when it was logged.
    pub time: u64,
    /// µs the command ran.
    pub duration: u64,
    pub args: Vec<Bytes>,
    /// The client's `ip:port`.
    pub peer: String,
    pub client_name: Bytes,
}

#[derive(Default)]
pub struct SlowLog {
    pub entries: VecDeque<Entry>,
    next_id: u64,
}

impl SlowLog {
    /// Logs the command if it ran for at least `slowlog-log-slower-than` µs
    /// (a negative threshold turns the log off), then trims the log to
    /// `slowlog-max-len` (as Redis does after every command, so a lowered
    /// length applies at the next one).
    #[inline]
    pub fn push_if_slow(
        &mut self,
        config: &Config,
        args: &[Bytes],
        duration: u64,
        now_secs: u64,
        peer: &str,
        client_name: Option<&Bytes>,
    ) {
        let slower_than = config.slowlog_log_slower_than;
        if slower_than >= 0 && duration >= slower_than as u64 {
            let entry = Entry {
                id: self.next_id,
                time: now_secs,
                duration,
                args: logged_args(args),
                peer: peer.to_owned(),
                client_name: client_name.cloned().unwrap_or_default(),
            };
            self.next_id += 1;
            self.entries.push_front(entry);
        }
        self.entries.truncate(usize::try_from(config.slowlog_max_len).unwrap_or(usize::MAX));
    }

    pub fn reset(&mut self) {
        self.entries.clear();
    }
}

/// The arguments as the log keeps them: redacted, at most `MAX_ARGS` (the
/// last one then says how many more there were), each cut at `MAX_STRING`.
fn logged_args(args: &[Bytes]) -> Vec<Bytes> {
    let redacted = redacted_positions(args);
    let kept = args.len().min(MAX_ARGS);
    (0..kept)
        .map(|j| {
            if kept != args.len() && j == kept - 1 {
                Bytes::from(format!("... ({} more arguments)", args.len() - kept + 1))
            } else if redacted.contains(&j) {
                Bytes::from_static(b"(redacted)")
            } else if args[j].len() > MAX_STRING {
                let mut s = args[j][..MAX_STRING].to_vec();
                s.extend_from_slice(format!("... ({} more bytes)", args[j].len() - MAX_STRING).as_bytes());
                Bytes::from(s)
            } else {
                Bytes::copy_from_slice(&args[j])
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    fn logged(v: &[&str]) -> Vec<String> {
        logged_args(&args(v)).iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect()
    }

    #[test]
    fn long_commands_are_cut_as_redis_does() {
        let many: Vec<String> = (0..40).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let out = logged(&refs);
        assert_eq!(out.len(), 32);
        assert_eq!(out[30], "30");
        assert_eq!(out[31], "... (9 more arguments)");
        let long = "x".repeat(130);
        assert_eq!(logged(&["set", "k", &long])[2], format!("{}... (2 more bytes)", "x".repeat(128)));
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(logged(&["AUTH", "pw"]), ["AUTH", "(redacted)"]);
        assert_eq!(logged(&["auth", "u", "pw"]), ["auth", "(redacted)", "(redacted)"]);
        assert_eq!(
            logged(&["hello", "3", "AUTH", "u", "pw", "SETNAME", "n"]),
            ["hello", "3", "AUTH", "(redacted)", "(redacted)", "SETNAME", "n"]
        );
        assert_eq!(
            logged(&["acl", "setuser", "u", "on", ">pw"]),
            ["acl", "setuser", "(redacted)", "(redacted)", "(redacted)"]
        );
        assert_eq!(
            logged(&["config", "set", "requirepass", "pw", "maxmemory", "10"]),
            ["config", "set", "requirepass", "(redacted)", "maxmemory", "10"]
        );
        assert_eq!(logged(&["acl", "getuser", "u"]), ["acl", "getuser", "u"]);
    }

    #[test]
    fn threshold_and_length() {
        let mut log = SlowLog::default();
        let config = |slower_than: i64, max_len: u64| Config {
            slowlog_log_slower_than: slower_than,
            slowlog_max_len: max_len,
            ..Config::default()
        };
        log.push_if_slow(&config(-1, 10), &args(&["ping"]), 5, 0, "a:1", None);
        assert!(log.entries.is_empty());
        log.push_if_slow(&config(10, 10), &args(&["ping"]), 9, 0, "a:1", None);
        assert!(log.entries.is_empty());
        for _ in 0..5 {
            log.push_if_slow(&config(10, 3), &args(&["ping"]), 10, 0, "a:1", None);
        }
        assert_eq!(log.entries.len(), 3);
        assert_eq!(log.entries.iter().map(|e| e.id).collect::<Vec<_>>(), [4, 3, 2]);
        log.push_if_slow(&config(0, 0), &args(&["ping"]), 0, 0, "a:1", None);
        assert!(log.entries.is_empty());
    }
}
