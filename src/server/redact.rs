//! Which arguments of a command Redis 7.0 replaces with `(redacted)`
//! before MONITOR and the slow log see them (`redactClientCommandArgument`
//! in its handlers): passwords of AUTH, HELLO AUTH and MIGRATE AUTH/AUTH2,
//! everything after ACL SETUSER, and CONFIG SET values of sensitive
//! directives. Imports the config directive table.

use bytes::Bytes;

use crate::config::directives::{self, flags::SENSITIVE};

/// Arguments Redis replaces with `(redacted)` (`redactClientCommandArgument`).
pub fn redacted_positions(args: &[Bytes]) -> Vec<usize> {
    let is = |a: &Bytes, s: &str| a.eq_ignore_ascii_case(s.as_bytes());
    let name = &args[0];
    if is(name, "auth") {
        return (1..args.len()).collect();
    }
    let mut out = Vec::new();
    if is(name, "hello") {
        let mut j = 2;
        while j < args.len() {
            if is(&args[j], "auth") && j + 2 < args.len() {
                out.extend([j + 1, j + 2]);
                j += 2;
            } else if is(&args[j], "setname") {
                j += 1;
            }
            j += 1;
        }
    } else if is(name, "migrate") {
        let mut j = 6;
        while j < args.len() {
            if is(&args[j], "auth") && j + 1 < args.len() {
                out.push(j + 1);
                j += 1;
            } else if is(&args[j], "auth2") && j + 2 < args.len() {
                out.extend([j + 1, j + 2]);
                j += 2;
            } else if is(&args[j], "keys") {
                break;
            }
            j += 1;
        }
    } else if is(name, "acl") && args.len() >= 3 && is(&args[1], "setuser") {
        out.extend(2..args.len());
    } else if is(name, "config") && args.len() >= 2 && is(&args[1], "set") {
        // The value of every sensitive directive named (Redis checks them
        // all before it validates any).
        out.extend((2..args.len()).step_by(2).filter(|&i| i + 1 < args.len() && sensitive(&args[i])).map(|i| i + 1));
    }
    out
}

fn sensitive(name: &[u8]) -> bool {
    directives::lookup(&String::from_utf8_lossy(name)).is_some_and(|(d, _)| d.has(SENSITIVE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    #[test]
    fn secrets_are_redacted_as_redis() {
        assert_eq!(redacted_positions(&args(&["auth", "u", "p"])), vec![1, 2]);
        assert_eq!(redacted_positions(&args(&["HELLO", "3", "AUTH", "u", "p", "SETNAME", "x"])), vec![3, 4]);
        assert_eq!(redacted_positions(&args(&["migrate", "h", "1", "k", "0", "5000", "AUTH", "p"])), vec![7]);
        assert_eq!(redacted_positions(&args(&["migrate", "h", "1", "k", "0", "5000", "AUTH2", "u", "p"])), vec![7, 8]);
        assert!(redacted_positions(&args(&["set", "auth", "x"])).is_empty());
        assert_eq!(redacted_positions(&args(&["acl", "SETUSER", "u", "on", ">p"])), vec![2, 3, 4]);
        assert!(redacted_positions(&args(&["acl", "getuser", "u"])).is_empty());
        assert_eq!(
            redacted_positions(&args(&["config", "set", "requirepass", "p", "maxmemory", "1", "masterauth", "q"])),
            vec![3, 7]
        );
    }
}
