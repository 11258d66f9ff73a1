//! Glob matching exactly as Redis's `stringmatchlen`: `*`, `?`, `[abc]`,
//! `[^a-z]`, `\` escapes; an unclosed `[` takes the rest of the pattern as its
//! set; reversed ranges are swapped. Runs in O(pattern × subject) time with
//! single-star backtracking, so hostile patterns cannot blow up.

/// Does `subject` match the glob `pattern`?
pub fn glob_match(pattern: &[u8], subject: &[u8], nocase: bool) -> bool {
    if subject.is_empty() {
        // Redis's loop never starts on an empty subject: only the empty
        // pattern matches it (`*` does not).
        return pattern.is_empty();
    }
    let (mut p, mut s) = (0usize, 0usize);
    // Where to resume after the most recent `*`: (pattern index after the run
    // of stars, subject index the star currently covers up to).
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        if p < pattern.len() {
            if pattern[p] == b'*' {
                while p < pattern.len() && pattern[p] == b'*' {
                    p += 1;
                }
                if p == pattern.len() {
                    return true;
                }
                backtrack = Some((p, s));
                continue;
            }
            if let Some(next_p) = subject.get(s).and_then(|&c| match_one(pattern, p, c, nocase)) {
                p = next_p;
                s += 1;
                continue;
            }
        } else if s == subject.len() {
            return true;
        }
        match backtrack {
            Some((bp, bs)) if bs < subject.len() => {
                backtrack = Some((bp, bs + 1));
                p = bp;
                s = bs + 1;
            }
            _ => return false,
        }
    }
}

/// Matches one pattern element at `p` (a literal, `?`, escape or class)
/// against byte `c`; returns the pattern index after the element on success.
fn match_one(pattern: &[u8], p: usize, c: u8, nocase: bool) -> Option<usize> {
    let eq = |a: u8, b: u8| {
        if nocase { a.eq_ignore_ascii_case(&b) } else { a == b }
    };
    match pattern[p] {
        b'?' => Some(p + 1),
        b'[' => {
            let mut i = p + 1;
            let negate = i < pattern.len() && pattern[i] == b'^';
            if negate {
                i += 1;
            }
            let mut matched = false;
            loop {
                if i >= pattern.len() {
                    // Unclosed class: Redis ends it at the end of the pattern.
                    break;
                }
                if pattern[i] == b'\\' && i + 1 < pattern.len() {
                    // An escaped byte in a class compares exactly, even nocase.
                    if pattern[i + 1] == c {
                        matched = true;
                    }
                    i += 2;
                } else if pattern[i] == b']' {
                    i += 1;
                    break;
                } else if i + 2 < pattern.len() && pattern[i + 1] == b'-' {
                    let (mut lo, mut hi) = (pattern[i], pattern[i + 2]);
                    let mut cc = c;
                    // Redis orders the bounds before lowering their case.
                    if lo > hi {
                        std::mem::swap(&mut lo, &mut hi);
                    }
                    if nocase {
                        lo = lo.to_ascii_lowercase();
                        hi = hi.to_ascii_lowercase();
                        cc = cc.to_ascii_lowercase();
                    }
                    if cc >= lo && cc <= hi {
                        matched = true;
                    }
                    i += 3;
                } else {
                    if eq(pattern[i], c) {
                        matched = true;
                    }
                    i += 1;
                }
            }
            if matched != negate { Some(i) } else { None }
        }
        b'\\' if p + 1 < pattern.len() => eq(pattern[p + 1], c).then_some(p + 2),
        lit => eq(lit, c).then_some(p + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    fn m(p: &str, s: &str) -> bool {
        glob_match(p.as_bytes(), s.as_bytes(), false)
    }

    #[test]
    fn redis_glob_rules() {
        assert!(!m("*", ""), "Redis: an empty subject matches only the empty pattern");
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hallo"));
        assert!(m("h\\*llo", "h*llo"));
        assert!(!m("h\\*llo", "hello"));
        assert!(m("x*", "xyz"));
        assert!(!m("x*", "axyz"));
        assert!(m("*a*b*c*", "zzazzbzzczz"));
        assert!(!m("*a*b*c*", "zzazzczzbzz"));
        assert!(!m("a[", "a["), "an unclosed class at the end matches nothing");
        assert!(m("a[b", "ab"));
        assert!(m("[\\]]", "]"));
        assert!(m("\\", "\\"));
        assert!(glob_match(b"HELLO", b"hello", true));
    }

    #[test]
    fn pathological_pattern_is_fast() {
        let subject = "a".repeat(10_000);
        let pattern = "*a".repeat(50) + "b";
        assert!(!m(&pattern, &subject));
    }
}
