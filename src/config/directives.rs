//! The directives: how each one is applied. Minimal for now: the directives
//! in effect; everything else is rejected.

use super::{Config, LogLevel};

const BAD: &str = "Bad directive or wrong number of arguments";

fn yes_no(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

fn int(v: &str, min: i64, max: i64) -> Result<i64, String> {
    let n: i64 = v.parse().map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
    if n < min || n > max {
        return Err(format!("argument must be between {min} and {max} inclusive"));
    }
    Ok(n)
}

/// Parses a memory value: `100`, `1k` (1000), `1kb` (1024), `64mb`, `1gb`.
pub fn memory(v: &str) -> Result<i64, String> {
    let lower = v.to_ascii_lowercase();
    let units: [(&str, i64); 7] = [
        ("kb", 1024),
        ("mb", 1024 * 1024),
        ("gb", 1024 * 1024 * 1024),
        ("k", 1000),
        ("m", 1000 * 1000),
        ("g", 1000 * 1000 * 1000),
        ("b", 1),
    ];
    let (digits, mul) = units
        .iter()
        .find(|(suffix, _)| lower.ends_with(suffix))
        .map(|(suffix, mul)| (&lower[..lower.len() - suffix.len()], *mul))
        .unwrap_or((lower.as_str(), 1));
    digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(mul))
        .ok_or_else(|| "argument must be a memory value".to_string())
}

/// Applies one directive with its arguments.
pub fn apply(c: &mut Config, name: &str, args: &[String]) -> Result<(), String> {
    let one = || {
        if args.len() == 1 { Ok(args[0].as_str()) } else { Err(BAD.to_string()) }
    };
    match name {
        "port" => c.port = int(one()?, 0, 65535)? as u16,
        "bind" => c.bind = args.to_vec(),
        "protected-mode" => c.protected_mode = yes_no(one()?)?,
        "tcp-backlog" => c.tcp_backlog = int(one()?, 0, i32::MAX as i64)? as u32,
        "timeout" => c.timeout = int(one()?, 0, i32::MAX as i64)? as u64,
        "tcp-keepalive" => c.tcp_keepalive = int(one()?, 0, i32::MAX as i64)? as u64,
        "databases" => c.databases = int(one()?, 1, i32::MAX as i64)? as usize,
        "loglevel" => {
            c.loglevel = match one()?.to_ascii_lowercase().as_str() {
                "debug" => LogLevel::Debug,
                "verbose" => LogLevel::Verbose,
                "notice" => LogLevel::Notice,
                "warning" => LogLevel::Warning,
                _ => {
                    return Err(
                        "argument(s) must be one of the following: debug, verbose, notice, warning, nothing".into()
                    );
                }
            }
        }
        "logfile" => c.logfile = one()?.to_string(),
        "dir" => c.dir = one()?.to_string(),
        "dbfilename" => c.dbfilename = one()?.to_string(),
        "save" => {
            if args.len() == 1 && args[0].is_empty() {
                c.save.clear();
            } else if args.len().is_multiple_of(2) && !args.is_empty() {
                for pair in args.chunks(2) {
                    let secs = int(&pair[0], 0, i64::MAX).map_err(|_| "Invalid save parameters".to_string())?;
                    let changes = int(&pair[1], 0, i64::MAX).map_err(|_| "Invalid save parameters".to_string())?;
                    c.save.push((secs as u64, changes as u64));
                }
            } else {
                return Err("Invalid save parameters".into());
            }
        }
        "rdbcompression" => c.rdbcompression = yes_no(one()?)?,
        "rdbchecksum" => c.rdbchecksum = yes_no(one()?)?,
        "requirepass" => c.requirepass = one()?.to_string(),
        "maxclients" => c.maxclients = int(one()?, 1, u32::MAX as i64)? as u32,
        "hz" => c.hz = int(one()?, 0, i32::MAX as i64)?.clamp(1, 500) as u32,
        "proto-max-bulk-len" => c.proto_max_bulk_len = memory(one()?)?,
        "client-query-buffer-limit" => c.client_query_buffer_limit = memory(one()?)? as u64,
        "daemonize" => c.daemonize = yes_no(one()?)?,
        "pidfile" => c.pidfile = one()?.to_string(),
        _ => return Err(BAD.into()),
    }
    Ok(())
}
