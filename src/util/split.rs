//! Redis's `sdssplitargs`: splits a line into words the way inline requests
//! and redis.conf lines are split.

/// Splits a line into words as Redis's `sdssplitargs` does: double quotes with
/// `\n \r \t \b \a \xHH` escapes, single quotes with `\'`, a closing quote
/// must be followed by a space or the end. The line ends at the first NUL.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let line = match line.iter().position(|&b| b == 0) {
        Some(n) => &line[..n],
        None => line,
    };
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let is_space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let mut words = Vec::new();
    let mut p = 0;
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Some(words);
        }
        let (mut in_double, mut in_single) = (false, false);
        let mut current = Vec::new();
        loop {
            let c = at(p);
            if in_double {
                if c == b'\\' && at(p + 1) == b'x' && at(p + 2).is_ascii_hexdigit() && at(p + 3).is_ascii_hexdigit() {
                    let hex = |d: u8| (d as char).to_digit(16).unwrap_or(0) as u8;
                    current.push(hex(at(p + 2)) * 16 + hex(at(p + 3)));
                    p += 3;
                } else if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    current.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else if in_single {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    other => current.push(other),
                }
            }
            p += 1;
        }
        words.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::split_args;

    fn words(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn inline_quoting() {
        assert_eq!(split_args(b"set k \"a\\x41\\n\" 'it\\'s'").unwrap(), words(&["set", "k", "aA\n", "it's"]));
        assert_eq!(split_args(b"a\"b c\"d").map(|_| ()), None);
        assert_eq!(split_args(b"  ").unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(split_args(b"a\0b c").unwrap(), words(&["a"]));
    }
}
