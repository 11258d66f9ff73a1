//! Redis-style log lines: `<pid>:M <dd Mon yyyy HH:MM:SS.mmm> <level> <msg>`,
//! to the configured log file or stdout, filtered by `loglevel`.

use std::io::Write;
use std::sync::Mutex;

use crate::config::LogLevel;

struct Sink {
    level: LogLevel,
    file: Option<std::fs::File>,
}

static SINK: Mutex<Option<Sink>> = Mutex::new(None);

/// Sets the level and destination (empty path: stdout).
pub fn init(level: LogLevel, path: &str) -> std::io::Result<()> {
    let file =
        if path.is_empty() { None } else { Some(std::fs::OpenOptions::new().create(true).append(true).open(path)?) };
    *SINK.lock().unwrap_or_else(|e| e.into_inner()) = Some(Sink { level, file });
    Ok(())
}

fn rank(l: LogLevel) -> u8 {
    match l {
        LogLevel::Debug => 0,
        LogLevel::Verbose => 1,
        LogLevel::Notice => 2,
        LogLevel::Warning => 3,
    }
}

pub fn log(level: LogLevel, msg: &str) {
    let mut guard = SINK.lock().unwrap_or_else(|e| e.into_inner());
    let (threshold, file) = match guard.as_mut() {
        Some(s) => (s.level, s.file.as_mut()),
        None => (LogLevel::Notice, None),
    };
    if rank(level) < rank(threshold) {
        return;
    }
    let mark = match level {
        LogLevel::Debug => '.',
        LogLevel::Verbose => '-',
        LogLevel::Notice => '*',
        LogLevel::Warning => '#',
    };
    let line = format!("{}:M {} {} {}\n", std::process::id(), timestamp(), mark, msg);
    match file {
        Some(f) => {
            let _ = f.write_all(line.as_bytes());
        }
        None => {
            let _ = std::io::stdout().write_all(line.as_bytes());
        }
    }
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

/// `24 Nov 2026 03:52:01.123` in UTC.
fn timestamp() -> String {
    let ms = crate::util::time::unix_ms();
    let secs = (ms / 1000) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        d,
        MONTHS[(m - 1) as usize],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_781), (2026, 11, 24));
    }
}
