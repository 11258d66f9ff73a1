//! Redis's number rules: which strings are integers and floats, and how numbers
//! are printed back. Parsing is strict exactly where Redis is strict (no spaces,
//! no `+` for integers, no leading zeros), so errors match the real server.

use std::fmt::Write;

/// Parses a signed 64-bit integer with Redis's `string2ll` rules: optional `-`,
/// no `+`, no leading zeros (except `"0"` itself), no spaces, at most 20 bytes.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        if v > (i64::MAX as u64) + 1 { None } else { Some((v as i64).wrapping_neg()) }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

/// Parses an unsigned 64-bit integer with the same strictness as [`parse_i64`].
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    if !(b'1'..=b'9').contains(&s[0]) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

/// Parses a double with Redis's `string2d` rules (strtod on the whole string):
/// no leading space, no trailing bytes, no NaN, no overflow to infinity (an
/// explicit `inf`/`infinity` is fine), no underflow to zero.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if s.is_empty() || s[0].is_ascii_whitespace() {
        return None;
    }
    let text = std::str::from_utf8(s).ok()?;
    let value: f64 = match text.parse() {
        Ok(v) => v,
        Err(_) => parse_hex_float(text)?,
    };
    if value.is_nan() {
        return None;
    }
    let body = text.trim_start_matches(['+', '-']);
    let spelled_inf = body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity");
    if value.is_infinite() && !spelled_inf {
        return None; // ERANGE overflow
    }
    if value == 0.0 && body.bytes().take_while(|c| *c != b'e' && *c != b'E').any(|c| (b'1'..=b'9').contains(&c)) {
        return None; // ERANGE underflow to zero
    }
    Some(value)
}

/// strtod also reads C99 hex floats (`0x1p3`, `0x10`); Rust's parser does not.
fn parse_hex_float(text: &str) -> Option<f64> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let rest = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X"))?;
    let (mantissa, exp) = match rest.find(['p', 'P']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i32>().ok()?),
        None => (rest, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int_part.chars() {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        value += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let value = value * 2f64.powi(exp);
    Some(if negative { -value } else { value })
}

/// Writes `v` in decimal into `out` without allocating.
pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(format_i64(&mut buf, v));
}

/// Formats `v` into `buf` and returns the digits.
pub fn format_i64(buf: &mut [u8; 20], v: i64) -> &[u8] {
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Formats `v` into `buf` and returns the digits.
pub fn format_u64(buf: &mut [u8; 20], mut n: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

/// Prints a double as C's `printf("%.17g")` does: what Redis 7.0 sends for
/// scores and other doubles (`0.1` → `0.10000000000000001`).
pub fn format_g17(d: f64) -> String {
    if d.is_nan() {
        return "nan".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Integers below 1e17 print as all their digits: the common case of
    // scores, taken without formatting a float.
    if d.fract() == 0.0 && d.abs() < 1e17 {
        let mut buf = [0u8; 20];
        let digits = format_i64(&mut buf, d as i64);
        return std::str::from_utf8(digits).expect("ascii digits").to_owned();
    }
    // The 17 significant digits and the exponent, formatted on the stack.
    let mut sci = StackText { buf: [0u8; 40], len: 0 };
    let _ = write!(sci, "{:.16e}", d);
    let sci = &sci.buf[..sci.len];
    let e_at = sci.iter().position(|&c| c == b'e').expect("scientific format");
    let exp: i32 = std::str::from_utf8(&sci[e_at + 1..]).ok().and_then(|e| e.parse().ok()).expect("exponent");
    let mut digits = [0u8; 17];
    let mut n = 0;
    for &c in &sci[..e_at] {
        if c.is_ascii_digit() && n < digits.len() {
            digits[n] = c;
            n += 1;
        }
    }
    let digits = &digits[..n];
    let trim = |s: &[u8]| -> usize { s.iter().rposition(|&c| c != b'0').map_or(0, |p| p + 1) };
    let mut out = String::with_capacity(32);
    if d < 0.0 {
        out.push('-');
    }
    let push = |out: &mut String, s: &[u8]| out.push_str(std::str::from_utf8(s).expect("ascii digits"));
    if !(-4..17).contains(&exp) {
        push(&mut out, &digits[..1]);
        let rest = &digits[1..];
        let rest = &rest[..trim(rest)];
        if !rest.is_empty() {
            out.push('.');
            push(&mut out, rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", exp.unsigned_abs());
    } else if exp >= 0 {
        let split = exp as usize + 1;
        push(&mut out, &digits[..split]);
        let frac = &digits[split..];
        let frac = &frac[..trim(frac)];
        if !frac.is_empty() {
            out.push('.');
            push(&mut out, frac);
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        push(&mut out, &digits[..trim(digits)]);
    }
    out
}

/// A fixed buffer to format short text into without allocating.
struct StackText {
    buf: [u8; 40],
    len: usize,
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Prints the result of INCRBYFLOAT/HINCRBYFLOAT the way Redis's
/// `ld2string(.., LD_STR_HUMAN)` does: fixed notation, no exponent, no
/// trailing zeros, `-0` printed as `0`. Redis computes in `long double`; we
/// compute in `f64` and print the shortest decimal that reads back to the same
/// value, which gives the same text for every value a user types with up to
/// 15 significant digits.
pub fn format_human(d: f64) -> String {
    if d == 0.0 {
        return "0".into();
    }
    let s = format!("{}", d);
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// `strtod` over the whole argument, as `zslParseRange` reads scores:
/// leading spaces and `inf` allowed, an empty string is 0, NaN refused.
pub fn strtod_all(arg: &[u8]) -> Option<f64> {
    let arg = match arg.iter().position(|&c| c == 0) {
        Some(nul) => &arg[..nul],
        None => arg,
    };
    if arg.is_empty() {
        return Some(0.0);
    }
    let start = arg.iter().position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))?;
    let text = std::str::from_utf8(&arg[start..]).ok()?;
    let v = text.parse::<f64>().ok().or_else(|| parse_f64(text.as_bytes()))?;
    (!v.is_nan()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_follow_string2ll() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [&b""[..], b"-", b"+1", b"01", b"-0", b" 1", b"1 ", b"9223372036854775808", b"1.0", b"abc"] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn doubles_follow_string2d() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_f64(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"0x10"), Some(16.0));
        assert_eq!(parse_f64(b".5"), Some(0.5));
        for bad in [&b""[..], b" 1", b"1 ", b"nan", b"1e400", b"1e-400", b"abc", b"1e"] {
            assert_eq!(parse_f64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn g17_matches_printf() {
        assert_eq!(format_g17(0.1), "0.10000000000000001");
        assert_eq!(format_g17(1.5), "1.5");
        assert_eq!(format_g17(3.0), "3");
        assert_eq!(format_g17(1e17), "1e+17");
        assert_eq!(format_g17(1.5e-5), "1.5e-05");
        assert_eq!(format_g17(-0.0001), "-0.0001");
        assert_eq!(format_g17(123456789012345680.0), "1.2345678901234568e+17");
        assert_eq!(format_g17(f64::INFINITY), "inf");
        assert_eq!(format_g17(99999999999999999.0), "1e+17");
        assert_eq!(format_g17(12345678901234567.0), "12345678901234568");
        assert_eq!(format_g17(-42.0), "-42");
        assert_eq!(format_g17(-1.5e-300), "-1.5000000000000001e-300");
        assert_eq!(format_g17(1.7976931348623157e308), "1.7976931348623157e+308");
        assert_eq!(format_g17(5e-324), "4.9406564584124654e-324");
        assert_eq!(format_g17(0.000123), "0.00012300000000000001");
        assert_eq!(format_g17(2.5e16), "25000000000000000");
    }

    #[test]
    fn human_floats_have_no_exponent() {
        assert_eq!(format_human(10.5 + 0.1), "10.6");
        assert_eq!(format_human(1e25), "10000000000000000000000000");
        assert_eq!(format_human(-0.0), "0");
        assert_eq!(format_human(3.0), "3");
    }

    #[test]
    fn integer_formatting() {
        let mut b = [0u8; 20];
        assert_eq!(format_i64(&mut b, i64::MIN), b"-9223372036854775808");
        assert_eq!(format_i64(&mut b, 0), b"0");
        assert_eq!(format_u64(&mut b, u64::MAX), b"18446744073709551615");
    }
}
