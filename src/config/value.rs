//! Value syntax shared by redis.conf, the command line and CONFIG SET, with
//! Redis's exact acceptance rules and error texts: yes/no, integers
//! (`string2ll`), memory sizes (`memtoull`: `1k` = 1000, `1kb` = 1024),
//! percentages, octal, enums, and C's `strtoll` where Redis uses it.

use crate::util::number::parse_i64;

/// How a numeric directive is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A plain integer (`string2ll`).
    Integer,
    /// Bytes, with optional `b k kb m mb g gb` suffix.
    Memory,
    /// Bytes or `N%` (stored negative).
    MemoryOrPercent,
    /// An octal number (`unixsocketperm`).
    Octal,
}

/// `yes`/`no`, any case.
pub fn yes_no(v: &str) -> Result<bool, &'static str> {
    if v.eq_ignore_ascii_case("yes") {
        Ok(true)
    } else if v.eq_ignore_ascii_case("no") {
        Ok(false)
    } else {
        Err("argument must be 'yes' or 'no'")
    }
}

pub fn yes_no_text(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Redis's `memtoull`: digits and an optional unit; no sign, no spaces.
/// The digits saturate like `strtoull` and the product wraps, as in Redis.
pub fn memtoull(v: &str) -> Option<u64> {
    let b = v.as_bytes();
    if b.first() == Some(&b'-') {
        return None;
    }
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let unit = &v[digits..];
    let mul: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in &b[..digits] {
        n = n.checked_mul(10).and_then(|n| n.checked_add(u64::from(c - b'0'))).unwrap_or(u64::MAX);
    }
    Some(n.wrapping_mul(mul))
}

/// C's `strtoll(s, &end, base)` where Redis then requires `*end == '\0'`:
/// leading white space, an optional sign, digits; saturates on overflow.
/// `None` when anything is left over (no digits at all consumes nothing,
/// so only the empty string gives `Some(0)` then).
pub fn strtoll_whole(s: &str, base: u32) -> Option<i64> {
    strtoll_checked(s, base).map(|(v, _)| v)
}

/// Like [`strtoll_whole`], also saying whether the value overflowed (ERANGE).
pub fn strtoll_checked(s: &str, base: u32) -> Option<(i64, bool)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let negative = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut magnitude: u128 = 0;
    while i < b.len() {
        let Some(d) = (b[i] as char).to_digit(base) else { break };
        magnitude = (magnitude * u128::from(base) + u128::from(d)).min(u128::from(u64::MAX) + 1);
        i += 1;
    }
    if i == start {
        // No conversion: the end pointer is the start of the string.
        return if s.is_empty() { Some((0, false)) } else { None };
    }
    if i != b.len() {
        return None;
    }
    let (value, overflow) = if negative {
        if magnitude > 1u128 << 63 { (i64::MIN, true) } else { ((magnitude as i128).wrapping_neg() as i64, false) }
    } else if magnitude > i64::MAX as u128 {
        (i64::MAX, true)
    } else {
        (magnitude as i64, false)
    };
    Some((value, overflow))
}

/// Parses a numeric directive's value as Redis's `numericParseString`.
pub fn parse_number(v: &str, unit: Unit) -> Result<i64, &'static str> {
    match unit {
        Unit::Integer => parse_i64(v.as_bytes()).ok_or("argument couldn't be parsed into an integer"),
        Unit::Memory => memtoull(v).map(|n| n as i64).ok_or("argument must be a memory value"),
        Unit::MemoryOrPercent => {
            if let Some(n) = memtoull(v) {
                return Ok(n as i64);
            }
            if v.len() > 1
                && let Some(p) = v.strip_suffix('%').and_then(|d| parse_i64(d.as_bytes()))
                && p >= 0
            {
                return Ok(-p);
            }
            Err("argument must be a memory or percent value")
        }
        Unit::Octal => match strtoll_checked(v, 8) {
            Some((n, false)) => Ok(n),
            _ => Err("argument couldn't be parsed as an octal number"),
        },
    }
}

/// Redis's `numericBoundaryCheck`; `unsigned` for the C types Redis checks
/// as unsigned (unsigned int, unsigned long long, size_t).
pub fn check_bounds(v: i64, min: i64, max: i64, unit: Unit, unsigned: bool) -> Result<(), String> {
    if unsigned {
        let (u, lo, hi) = (v as u64, min as u64, max as u64);
        if u > hi || u < lo {
            return Err(if unit == Unit::Octal {
                format!("argument must be between {lo:o} and {hi:o} inclusive")
            } else {
                format!("argument must be between {lo} and {hi} inclusive")
            });
        }
    } else if unit == Unit::MemoryOrPercent && v < 0 {
        if v < min {
            return Err(format!("percentage argument must be less or equal to {}", -min));
        }
    } else if v > max || v < min {
        return Err(format!("argument must be between {min} and {max} inclusive"));
    }
    Ok(())
}

/// CONFIG GET text of a numeric value.
pub fn format_number(v: i64, unit: Unit) -> String {
    match unit {
        Unit::MemoryOrPercent if v < 0 => format!("{}%", v.unsigned_abs()),
        Unit::Memory | Unit::MemoryOrPercent => (v as u64).to_string(),
        Unit::Octal => format!("{:o}", v as u64),
        Unit::Integer => v.to_string(),
    }
}

/// Parses enum words (one, or several OR-ed together for `multi`), any case.
pub fn parse_enum(values: &[(&str, i64)], words: &[String], multi: bool) -> Result<i64, String> {
    let bad = || {
        let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
        let mut msg = format!("argument(s) must be one of the following: {}", names.join(", "));
        // Redis copies the text into a 256-byte buffer.
        if msg.len() > 255 {
            msg.truncate(255);
        }
        msg
    };
    if words.is_empty() || (!multi && words.len() != 1) {
        return Err(bad());
    }
    let mut out = 0;
    for w in words {
        let mut matched = false;
        for (name, v) in values {
            if w.eq_ignore_ascii_case(name) {
                out |= v;
                matched = true;
            }
        }
        if !matched {
            return Err(bad());
        }
    }
    Ok(out)
}

/// CONFIG GET text of an enum value (`configEnumGetName`).
pub fn format_enum(values: &[(&str, i64)], v: i64, multi: bool) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut unmatched = v;
    for (name, val) in values {
        if *val == v {
            return (*name).to_string();
        }
        if multi && *val != 0 && *val == (unmatched & val) {
            names.push(name);
            unmatched &= !val;
        }
    }
    if names.is_empty() || unmatched != 0 { "unknown".to_string() } else { names.join(" ") }
}

/// `printf("%f")` trimmed of trailing zeros and dot (Redis's `trimDoubleString`).
pub fn format_trimmed_f64(d: f64) -> String {
    let s = format!("{d:.6}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// Redis's `sdscatrepr`: a double-quoted string that `sdssplitargs` reads back.
pub fn repr(arg: &[u8]) -> String {
    let mut s = String::with_capacity(arg.len() + 2);
    s.push('"');
    for &c in arg {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units() {
        assert_eq!(memtoull("100"), Some(100));
        assert_eq!(memtoull("1k"), Some(1000));
        assert_eq!(memtoull("1K"), Some(1000));
        assert_eq!(memtoull("1kb"), Some(1024));
        assert_eq!(memtoull("1Kb"), Some(1024));
        assert_eq!(memtoull("64mb"), Some(64 << 20));
        assert_eq!(memtoull("1m"), Some(1_000_000));
        assert_eq!(memtoull("1gB"), Some(1 << 30));
        assert_eq!(memtoull("1g"), Some(1_000_000_000));
        assert_eq!(memtoull("10b"), Some(10));
        assert_eq!(memtoull("01"), Some(1));
        assert_eq!(memtoull(""), Some(0), "Redis accepts an empty memory value as 0");
        assert_eq!(memtoull("kb"), Some(0));
        assert_eq!(memtoull("99999999999999999999"), Some(u64::MAX));
        assert_eq!(memtoull("17179869184gb"), Some(0), "the product wraps as in C");
        for bad in ["-1", " 1", "+1", "1.5mb", "0x10", "1 kb", "1tb", "1kbb"] {
            assert_eq!(memtoull(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers_by_unit() {
        assert_eq!(parse_number("10", Unit::Integer), Ok(10));
        assert_eq!(parse_number("-2", Unit::Integer), Ok(-2));
        assert_eq!(parse_number("010", Unit::Integer), Err("argument couldn't be parsed into an integer"));
        assert_eq!(parse_number("1mb", Unit::Integer), Err("argument couldn't be parsed into an integer"));
        assert_eq!(parse_number("1mb", Unit::Memory), Ok(1 << 20));
        assert_eq!(parse_number("10%", Unit::Memory), Err("argument must be a memory value"));
        assert_eq!(parse_number("10%", Unit::MemoryOrPercent), Ok(-10));
        assert_eq!(parse_number("x%", Unit::MemoryOrPercent), Err("argument must be a memory or percent value"));
        assert_eq!(parse_number("700", Unit::Octal), Ok(0o700));
        assert_eq!(parse_number("8", Unit::Octal), Err("argument couldn't be parsed as an octal number"));
        assert_eq!(format_number(-10, Unit::MemoryOrPercent), "10%");
        assert_eq!(format_number(-1, Unit::Memory), "18446744073709551615");
        assert_eq!(format_number(0o700, Unit::Octal), "700");
    }

    #[test]
    fn bounds_like_redis() {
        assert_eq!(
            check_bounds(-1, 1, u32::MAX as i64, Unit::Integer, true),
            Err("argument must be between 1 and 4294967295 inclusive".into())
        );
        assert_eq!(
            check_bounds(70000, 0, 65535, Unit::Integer, false),
            Err("argument must be between 0 and 65535 inclusive".into())
        );
        assert_eq!(
            check_bounds(-200, -100, i64::MAX, Unit::MemoryOrPercent, false),
            Err("percentage argument must be less or equal to 100".into())
        );
        assert_eq!(
            check_bounds(0o1000, 0, 0o777, Unit::Octal, true),
            Err("argument must be between 0 and 777 inclusive".into())
        );
        assert!(check_bounds(-1, 0, -1, Unit::Memory, true).is_ok(), "ULLONG_MAX upper bound");
    }

    #[test]
    fn strtoll_rules() {
        assert_eq!(strtoll_whole("12", 10), Some(12));
        assert_eq!(strtoll_whole(" +12", 10), Some(12));
        assert_eq!(strtoll_whole("-3", 10), Some(-3));
        assert_eq!(strtoll_whole("", 10), Some(0));
        assert_eq!(strtoll_whole(" ", 10), None);
        assert_eq!(strtoll_whole("1x", 10), None);
        assert_eq!(strtoll_whole("99999999999999999999", 10), Some(i64::MAX));
    }

    #[test]
    fn enums() {
        let v = &[("default", 0), ("save", 1), ("nosave", 2), ("now", 4), ("force", 8)];
        assert_eq!(parse_enum(v, &["SAVE".into(), "now".into()], true), Ok(5));
        assert_eq!(format_enum(v, 5, true), "save now");
        assert_eq!(format_enum(v, 0, true), "default");
        assert!(parse_enum(v, &[], true).is_err());
        let lv = &[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3)];
        assert_eq!(
            parse_enum(lv, &["x".into()], false),
            Err("argument(s) must be one of the following: debug, verbose, notice, warning".into())
        );
        let oom = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
        assert_eq!(format_enum(oom, parse_enum(oom, &["relative".into()], false).unwrap(), false), "yes");
    }

    #[test]
    fn repr_and_floats() {
        assert_eq!(repr(b"a \"b\"\n\x01\xff"), "\"a \\\"b\\\"\\n\\x01\\xff\"");
        assert_eq!(format_trimmed_f64(99.9), "99.9");
        assert_eq!(format_trimmed_f64(50.0), "50");
        assert_eq!(format_trimmed_f64(0.0), "0");
    }
}
