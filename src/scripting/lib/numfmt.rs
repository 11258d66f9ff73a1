//! C's number text conversions as the embedded Lua libraries use them:
//! `printf("%.<p>g")` (cjson's number output) and `strtod` on the front of
//! a buffer (cjson's number input). Pure functions.

use std::fmt::Write;

/// `printf("%.<precision>g", d)`, precision 1..=17.
pub fn format_g(d: f64, precision: usize) -> String {
    let precision = precision.clamp(1, 17);
    if d.is_nan() {
        return if d.is_sign_negative() { "-nan".into() } else { "nan".into() };
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let sci = format!("{:.*e}", precision - 1, d);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::with_capacity(24);
    if negative {
        out.push('-');
    }
    if exp < -4 || exp >= precision as i32 {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        let rest = rest.trim_end_matches('0');
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", exp.unsigned_abs());
    } else if exp >= 0 {
        let split = exp as usize + 1;
        out.push_str(&digits[..split]);
        let frac = digits[split..].trim_end_matches('0');
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits.trim_end_matches('0'));
    }
    out
}

/// `strtod` on the front of `s`: the value and how many bytes it used
/// (0 when no number starts there). Accepts what glibc accepts: an optional
/// sign, decimal digits with an optional fraction and exponent, hexadecimal
/// (`0x1.8p3`), `inf`, `infinity` and `nan` in any case. Leading spaces are
/// skipped.
pub fn strtod(s: &[u8]) -> (f64, usize) {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let start = i;
    let mut negative = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        negative = s[i] == b'-';
        i += 1;
    }
    let sign = if negative { -1.0 } else { 1.0 };
    let rest = &s[i..];
    let lower = |n: usize| rest.len() >= n && rest[..n].eq_ignore_ascii_case(&b"infinity"[..n]);
    if lower(8) {
        return (sign * f64::INFINITY, i + 8);
    }
    if lower(3) {
        return (sign * f64::INFINITY, i + 3);
    }
    if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"nan") {
        let mut end = i + 3;
        // nan(chars) form
        if end < s.len() && s[end] == b'(' {
            let mut j = end + 1;
            while j < s.len() && (s[j].is_ascii_alphanumeric() || s[j] == b'_') {
                j += 1;
            }
            if j < s.len() && s[j] == b')' {
                end = j + 1;
            }
        }
        return (if negative { -f64::NAN } else { f64::NAN }, end);
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        if let Some((v, used)) = hex_float(&rest[2..]) {
            return (sign * v, i + 2 + used);
        }
        // "0x" without hex digits: only the "0" is a number.
        return (sign * 0.0, i + 1);
    }
    let mut j = i;
    let digits_start = j;
    while j < s.len() && s[j].is_ascii_digit() {
        j += 1;
    }
    let mut ndigits = j - digits_start;
    if j < s.len() && s[j] == b'.' {
        let k = j + 1;
        let mut m = k;
        while m < s.len() && s[m].is_ascii_digit() {
            m += 1;
        }
        ndigits += m - k;
        if ndigits > 0 {
            j = m;
        }
    }
    if ndigits == 0 {
        return (0.0, 0);
    }
    if j < s.len() && (s[j] | 0x20) == b'e' {
        let mut k = j + 1;
        if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
            k += 1;
        }
        let exp_start = k;
        while k < s.len() && s[k].is_ascii_digit() {
            k += 1;
        }
        if k > exp_start {
            j = k;
        }
    }
    let text = std::str::from_utf8(&s[start..j]).unwrap_or("0");
    let text = text.strip_prefix('+').unwrap_or(text);
    (text.parse::<f64>().unwrap_or(0.0), j)
}

/// Hexadecimal digits with an optional fraction and binary exponent.
fn hex_float(s: &[u8]) -> Option<(f64, usize)> {
    let mut i = 0;
    let mut mantissa = 0f64;
    let mut any = false;
    while i < s.len() && s[i].is_ascii_hexdigit() {
        mantissa = mantissa * 16.0 + f64::from((s[i] as char).to_digit(16)?);
        any = true;
        i += 1;
    }
    let mut scale = 0i32;
    if i < s.len() && s[i] == b'.' {
        let mut j = i + 1;
        let mut frac_any = false;
        while j < s.len() && s[j].is_ascii_hexdigit() {
            mantissa = mantissa * 16.0 + f64::from((s[j] as char).to_digit(16)?);
            scale -= 4;
            frac_any = true;
            j += 1;
        }
        if any || frac_any {
            i = j;
            any = true;
        }
    }
    if !any {
        return None;
    }
    if i < s.len() && (s[i] | 0x20) == b'p' {
        let mut k = i + 1;
        let mut neg = false;
        if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
            neg = s[k] == b'-';
            k += 1;
        }
        let start = k;
        let mut e = 0i32;
        while k < s.len() && s[k].is_ascii_digit() {
            e = e.saturating_mul(10).saturating_add(i32::from(s[k] - b'0'));
            k += 1;
        }
        if k > start {
            scale = scale.saturating_add(if neg { -e } else { e });
            i = k;
        }
    }
    Some((mantissa * 2f64.powi(scale), i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format_like_printf() {
        assert_eq!(format_g(0.0003, 14), "0.0003");
        assert_eq!(format_g(1023.2, 14), "1023.2");
        assert_eq!(format_g(-5000.0, 14), "-5000");
        assert_eq!(format_g(1e20, 14), "1e+20");
        assert_eq!(format_g(0.1, 14), "0.1");
        assert_eq!(format_g(123456789012345.0, 14), "1.2345678901234e+14");
        assert_eq!(format_g(0.00001, 14), "1e-05");
        assert_eq!(format_g(100.0, 3), "100");
        assert_eq!(format_g(1000.0, 3), "1e+03");
    }

    #[test]
    fn strtod_prefixes() {
        assert_eq!(strtod(b"0.3e-3,"), (0.0003, 6));
        assert_eq!(strtod(b"-5e3]"), (-5000.0, 4));
        assert_eq!(strtod(b"12abc"), (12.0, 2));
        assert_eq!(strtod(b"1e"), (1.0, 1));
        assert_eq!(strtod(b"0x10"), (16.0, 4));
        assert_eq!(strtod(b"-Infinity"), (f64::NEG_INFINITY, 9));
        assert_eq!(strtod(b"abc"), (0.0, 0));
        assert_eq!(strtod(b"."), (0.0, 0));
        assert_eq!(strtod(b".5"), (0.5, 2));
        assert!(strtod(b"nan").0.is_nan());
    }
}
