//! Redis-format log lines: `<pid>:<role> <dd Mon yyyy HH:MM:SS.mmm> <level> <msg>`
//! in local time, to the `logfile` or stdout, filtered by `loglevel`
//! (`.` debug, `-` verbose, `*` notice, `#` warning).
//!
//! As Redis, the file is opened for each line and closed again, so a log
//! rotated away (logrotate without copytruncate) is recreated at the next
//! line. The role is `C` until the server is initialized (Redis prints its
//! first three startup lines so, its pid not yet being recorded), then `M`.
//! `from_signal_handler` writes Redis's `<pid>:signal-handler (<unixtime>)
//! <msg>` lines with async-signal-safe calls only.
//! Imports `config` (the level type) and `sys`.

use std::ffi::CString;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::config::LogLevel;

struct Sink {
    level: LogLevel,
    /// `None`: stdout.
    path: Option<String>,
}

static SINK: Mutex<Sink> = Mutex::new(Sink { level: LogLevel::Notice, path: None });
static ROLE: AtomicU8 = AtomicU8::new(b'C');
/// The level as a number, for the signal handler (which may not lock).
static LEVEL: AtomicU8 = AtomicU8::new(LogLevel::Notice as u8);
/// The log file for the signal handler (`None`: stdout). Set once: the
/// `logfile` directive can't change at run time.
static HANDLER_PATH: OnceLock<Option<CString>> = OnceLock::new();
/// Daemonized with the log on stdout: the handler writes nothing (stdout
/// is /dev/null), as in Redis.
static DAEMONIZED: AtomicBool = AtomicBool::new(false);

/// Sets the level and destination (empty path: stdout), checking that the
/// file can be opened for appending.
pub fn init(level: LogLevel, path: &str) -> std::io::Result<()> {
    let path = if path.is_empty() {
        None
    } else {
        std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        Some(path.to_string())
    };
    let _ = HANDLER_PATH.set(path.as_deref().and_then(|p| CString::new(p).ok()));
    LEVEL.store(level as u8, Ordering::Relaxed);
    *SINK.lock().unwrap_or_else(|e| e.into_inner()) = Sink { level, path };
    Ok(())
}

/// Changes the level (CONFIG SET loglevel).
pub fn set_level(level: LogLevel) {
    LEVEL.store(level as u8, Ordering::Relaxed);
    SINK.lock().unwrap_or_else(|e| e.into_inner()).level = level;
}

/// The server is initialized: lines now carry the `M` (master) role.
pub fn set_role_master() {
    ROLE.store(b'M', Ordering::Relaxed);
}

/// The process is a daemon (stdout is /dev/null).
pub fn set_daemonized() {
    DAEMONIZED.store(true, Ordering::Relaxed);
}

fn rank(l: LogLevel) -> u8 {
    l as u8
}

fn mark(level: LogLevel) -> char {
    match level {
        LogLevel::Debug => '.',
        LogLevel::Verbose => '-',
        LogLevel::Notice => '*',
        LogLevel::Warning => '#',
    }
}

/// Would a line at `level` be written?
pub fn enabled(level: LogLevel) -> bool {
    rank(level) >= LEVEL.load(Ordering::Relaxed)
}

pub fn log(level: LogLevel, msg: &str) {
    let sink = SINK.lock().unwrap_or_else(|e| e.into_inner());
    if rank(level) < rank(sink.level) {
        return;
    }
    let line = format_line(std::process::id(), ROLE.load(Ordering::Relaxed) as char, level, msg);
    match &sink.path {
        Some(path) => {
            if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
                let _ = f.write_all(line.as_bytes());
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        }
    }
}

fn format_line(pid: u32, role: char, level: LogLevel, msg: &str) -> String {
    let ms = crate::util::time::unix_ms();
    let t = crate::sys::local_time((ms / 1000) as i64);
    format!("{pid}:{role} {} {} {msg}\n", timestamp(t, ms % 1000), mark(level))
}

/// `24 Nov 2026 03:52:01.123` (Redis's `%d %b %Y %H:%M:%S.` and milliseconds).
fn timestamp(t: crate::sys::LocalTime, ms: u64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        t.day,
        MONTHS[(t.month.clamp(1, 12) - 1) as usize],
        t.year,
        t.hour,
        t.minute,
        t.second,
        ms
    )
}

pub fn debug(msg: &str) {
    log(LogLevel::Debug, msg)
}
pub fn verbose(msg: &str) {
    log(LogLevel::Verbose, msg)
}
pub fn notice(msg: &str) {
    log(LogLevel::Notice, msg)
}
pub fn warning(msg: &str) {
    log(LogLevel::Warning, msg)
}

/// A warning line from a signal handler, in Redis's handler format
/// `<pid>:signal-handler (<unix time>) <msg>`: no lock, no allocation.
pub fn from_signal_handler(msg: &str) {
    let path = HANDLER_PATH.get().and_then(|p| p.as_deref());
    if path.is_none() && DAEMONIZED.load(Ordering::Relaxed) {
        return;
    }
    let (mut pid_buf, mut time_buf) = ([0u8; 20], [0u8; 20]);
    let pid = crate::sys::format_decimal(u64::from(std::process::id()), &mut pid_buf);
    let now = crate::sys::format_decimal(crate::sys::unix_seconds().max(0) as u64, &mut time_buf);
    crate::sys::signal_safe_append(path, &[pid, b":signal-handler (", now, b") ", msg.as_bytes(), b"\n"]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_format() {
        let t = crate::sys::LocalTime { year: 2026, month: 11, day: 4, hour: 3, minute: 2, second: 1 };
        assert_eq!(timestamp(t, 7), "04 Nov 2026 03:02:01.007");
    }

    #[test]
    fn line_format() {
        let line = format_line(42, 'C', LogLevel::Warning, "Configuration loaded");
        let (head, rest) = line.split_at(5);
        assert_eq!(head, "42:C ");
        assert!(rest.ends_with(" # Configuration loaded\n"), "{line}");
        // dd Mon yyyy HH:MM:SS.mmm
        assert_eq!(rest.len(), "24 Nov 2026 03:52:01.123 # Configuration loaded\n".len(), "{line}");
    }

    #[test]
    fn levels_filter() {
        assert_eq!(mark(LogLevel::Verbose), '-');
        assert!(rank(LogLevel::Warning) > rank(LogLevel::Notice));
        assert!(rank(LogLevel::Debug) < rank(LogLevel::Verbose));
    }
}
