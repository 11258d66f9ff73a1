//! Argument parsing shared by handlers, with Redis's error for each failure.

use std::time::Duration;

use super::CmdError;
use crate::util::ld80::LongDouble;
use crate::util::number::{parse_f64, parse_i64};

/// An integer argument (`ERR value is not an integer or out of range`).
#[inline]
pub fn int(arg: &[u8]) -> Result<i64, CmdError> {
    parse_i64(arg).ok_or(CmdError::NotInteger)
}

/// A float argument (`ERR value is not a valid float`).
#[inline]
pub fn float(arg: &[u8]) -> Result<f64, CmdError> {
    parse_f64(arg).ok_or(CmdError::NotFloat)
}

/// Case-insensitive comparison of an argument with an ASCII keyword.
#[inline]
pub fn is(arg: &[u8], keyword: &str) -> bool {
    arg.eq_ignore_ascii_case(keyword.as_bytes())
}

/// A database index argument, checked against `databases`.
pub fn db_index(arg: &[u8], databases: usize) -> Result<usize, CmdError> {
    let n = int(arg)?;
    if n < 0 || n as usize >= databases {
        return Err(CmdError::DbIndexOutOfRange);
    }
    Ok(n as usize)
}

/// Lossy text of an argument for error messages.
pub fn text(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

/// A timeout in milliseconds, as Redis's `getTimeoutFromObjectOrReply(..,
/// UNIT_MILLISECONDS)` (WAIT, CLIENT PAUSE): an integer, not negative, whose
/// deadline fits a `long long`. `None` means no timeout (0).
pub fn timeout_ms(arg: &[u8], now_ms: u64) -> Result<Option<Duration>, CmdError> {
    let ms = parse_i64(arg).ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(CmdError::TimeoutNegative);
    }
    if ms > i64::MAX - now_ms as i64 {
        return Err(CmdError::err("timeout is out of range"));
    }
    Ok((ms > 0).then(|| Duration::from_millis(ms as u64)))
}

/// A blocking command's timeout in seconds, as Redis's
/// `getTimeoutFromObjectOrReply(.., UNIT_SECONDS)`: a `long double`
/// (fractions, exponents, hex, `inf`), turned into `ceil(t * 1000)` ms. What
/// does not parse is `ERR timeout is not a float or out of range`; a
/// negative result, and anything beyond the `long long` range (which x87
/// converts to `LLONG_MIN`: `inf`, `1e30`), is `ERR timeout is negative`.
/// `None` means wait forever: 0, or a deadline past `LLONG_MAX` ms (Redis's
/// overflowed deadline never fires).
pub fn timeout_secs(arg: &[u8], now_ms: u64) -> Result<Option<Duration>, CmdError> {
    let exact = LongDouble::parse(arg).ok_or(CmdError::TimeoutNotFloat)?;
    let ms = match plain_decimal_ms(arg) {
        Some(ms) => ms,
        None => approx_ms(arg, exact),
    };
    if ms < 0 {
        return Err(CmdError::TimeoutNegative);
    }
    if ms == 0 || ms > i64::MAX - now_ms as i64 {
        return Ok(None);
    }
    Ok(Some(Duration::from_millis(ms as u64)))
}

/// `ceil(t * 1000)` for a plain decimal `[-]digits[.digits]`, exactly (the
/// common case, and the one where f64 is too coarse near `LLONG_MAX` ms);
/// `i64::MIN` beyond the `long long` range. `None` for other spellings.
fn plain_decimal_ms(arg: &[u8]) -> Option<i64> {
    let (negative, body) = match arg.first()? {
        b'-' => (true, &arg[1..]),
        b'+' => (false, &arg[1..]),
        _ => (false, arg),
    };
    let (int_part, frac) = match body.iter().position(|&c| c == b'.') {
        Some(dot) => (&body[..dot], &body[dot + 1..]),
        None => (body, &body[body.len()..]),
    };
    if (int_part.is_empty() && frac.is_empty()) || !int_part.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    let mut ms: u128 = 0;
    for &d in int_part {
        ms = ms * 10 + u128::from(d - b'0');
        if ms > u128::from(u64::MAX) {
            return Some(i64::MIN);
        }
    }
    for i in 0..3 {
        ms = ms * 10 + frac.get(i).map_or(0, |&d| u128::from(d - b'0'));
    }
    let rest_nonzero = frac.iter().skip(3).any(|&d| d != b'0');
    if rest_nonzero && !negative {
        ms += 1;
    }
    if negative {
        Some(if ms <= 1 << 63 { (ms as i128).wrapping_neg() as i64 } else { i64::MIN })
    } else {
        Some(if ms < 1 << 63 { ms as i64 } else { i64::MIN })
    }
}

/// `ceil(t * 1000)` through f64 for exponents, hex and infinities.
fn approx_ms(arg: &[u8], exact: LongDouble) -> i64 {
    let negative = arg.first() == Some(&b'-');
    let approx = std::str::from_utf8(arg).ok().and_then(|s| s.parse::<f64>().ok()).or_else(|| parse_f64(arg));
    match approx {
        // A nonzero value too small for f64: ceil gives 1 ms, or -0.
        Some(v) if v == 0.0 && exact != LongDouble::ZERO && Some(exact) != LongDouble::parse(b"-0") => {
            i64::from(!negative)
        }
        Some(v) => {
            let ms = (v * 1000.0).ceil();
            if ms.is_finite() && ms >= i64::MIN as f64 && ms < i64::MAX as f64 { ms as i64 } else { i64::MIN }
        }
        None => i64::MIN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_as_redis() {
        let t = |s: &str| timeout_secs(s.as_bytes(), 1_700_000_000_000);
        assert_eq!(t("0"), Ok(None));
        assert_eq!(t("-0"), Ok(None));
        assert_eq!(t("-0.0001"), Ok(None), "ceil(-0.1) is -0: forever");
        assert_eq!(t("0.0000001"), Ok(Some(Duration::from_millis(1))));
        assert_eq!(t("1e-400"), Ok(Some(Duration::from_millis(1))));
        assert_eq!(t("-1e-400"), Ok(None));
        assert_eq!(t("0.1"), Ok(Some(Duration::from_millis(100))));
        assert_eq!(t("1.5"), Ok(Some(Duration::from_millis(1500))));
        assert_eq!(t("0x10"), Ok(Some(Duration::from_secs(16))));
        assert_eq!(t("9223372036854775"), Ok(None), "deadline overflows: never fires");
        assert_eq!(t("1e15"), Ok(Some(Duration::from_secs(1_000_000_000_000_000))));
        for bad in ["abc", "", " 1", "1 ", "nan", "1e5000"] {
            assert_eq!(t(bad), Err(CmdError::TimeoutNotFloat), "{bad}");
        }
        for neg in ["-1", "-0.001", "inf", "-inf", "1e30", "9223372036854776", "9223372036854775807", "1e400"] {
            assert_eq!(t(neg), Err(CmdError::TimeoutNegative), "{neg}");
        }
    }
}
