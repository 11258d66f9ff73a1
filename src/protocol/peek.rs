//! A read-only look ahead over the requests waiting in a query buffer: the
//! second argument (for most commands, the first key) of each complete
//! multibulk request at its front. The connection prefetches those keys'
//! table slots before running the batch. Only a hint: it stops at the first
//! thing it does not recognise (an inline request, a partial request, a
//! malformed length), and the decoder alone decides what the bytes mean.

/// The second argument of each complete multibulk request at the front of
/// `buf` that has one (requests with one argument are skipped).
pub fn second_args(buf: &[u8]) -> SecondArgs<'_> {
    SecondArgs { buf, pos: 0 }
}

pub struct SecondArgs<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// Longest count or length the look ahead parses (larger ones end it).
const MAX_DIGITS: usize = 10;

impl<'a> SecondArgs<'a> {
    /// Parses `<prefix><digits>\r\n` at the position; None ends the scan.
    fn number(&mut self, prefix: u8) -> Option<usize> {
        let buf = self.buf;
        if buf.get(self.pos) != Some(&prefix) {
            return None;
        }
        let mut n = 0usize;
        let mut i = self.pos + 1;
        while let Some(&b) = buf.get(i) {
            if b == b'\r' {
                break;
            }
            if !b.is_ascii_digit() || i - self.pos > MAX_DIGITS {
                return None;
            }
            n = n * 10 + usize::from(b - b'0');
            i += 1;
        }
        if buf.get(i + 1) != Some(&b'\n') {
            return None;
        }
        self.pos = i + 2;
        Some(n)
    }

    /// Parses one `$<len>\r\n<bytes>\r\n` bulk string.
    fn bulk(&mut self) -> Option<&'a [u8]> {
        let len = self.number(b'$')?;
        let end = self.pos.checked_add(len)?;
        if self.buf.get(end..end + 2) != Some(b"\r\n") {
            return None;
        }
        let arg = &self.buf[self.pos..end];
        self.pos = end + 2;
        Some(arg)
    }
}

impl<'a> Iterator for SecondArgs<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            let count = self.number(b'*')?;
            let mut second = None;
            for i in 0..count {
                let arg = self.bulk()?;
                if i == 1 {
                    second = Some(arg);
                }
            }
            if second.is_some() {
                return second;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::second_args;

    fn all(buf: &[u8]) -> Vec<&[u8]> {
        second_args(buf).collect()
    }

    #[test]
    fn yields_the_second_argument_of_each_complete_request() {
        let buf = b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$2\r\nbb\r\n$0\r\n\r\n";
        assert_eq!(all(buf), vec![&b"a"[..], b"bb"]);
    }

    #[test]
    fn stops_at_a_partial_inline_or_malformed_request() {
        assert_eq!(all(b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$5\r\nab"), vec![&b"a"[..]]);
        assert_eq!(all(b"*2\r\n$3\r\nGET\r\n$1\r\na\r\nGET b\r\n"), vec![&b"a"[..]]);
        assert!(all(b"*2\r\n$3\r\nGET\r\n$-1\r\n").is_empty());
        assert!(all(b"*2\r\n$3\r\nGET\r\n$1\r\nab\r\n").is_empty());
        assert!(all(b"*99999999999999999999\r\n").is_empty());
        assert!(all(b"*2\r\n$99999999999999999999\r\n").is_empty());
        assert!(all(b"*2\r").is_empty());
        assert!(all(b"").is_empty());
    }

    /// On random cuts and corruptions of a valid pipeline, the look ahead
    /// never panics and yields a prefix of what the decoder hands out as
    /// the second arguments of the same requests.
    #[test]
    fn agrees_with_the_decoder_on_arbitrary_input() {
        use crate::protocol::{Decoder, Limits};
        let mut rng = crate::util::rng::Rng::new(7);
        let valid =
            b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
        let limits = Limits { max_bulk_len: 512 << 20, authenticated: true };
        for _ in 0..20_000 {
            let mut buf = valid.repeat(3);
            let cut = rng.below(buf.len() as u64 + 1) as usize;
            buf.truncate(cut);
            if rng.below(2) == 0 && !buf.is_empty() {
                let at = rng.below(buf.len() as u64) as usize;
                buf[at] = rng.below(256) as u8;
            }
            let peeked: Vec<Vec<u8>> = second_args(&buf).map(<[u8]>::to_vec).collect();
            let mut decoded = Vec::new();
            let mut query = bytes::BytesMut::from(&buf[..]);
            let mut decoder = Decoder::new();
            let mut args = Vec::new();
            while let Ok(true) = decoder.decode(&mut query, &mut args, limits) {
                if args.len() >= 2 {
                    decoded.push(args[1].to_vec());
                }
            }
            assert!(decoded.starts_with(&peeked), "{:?}: {peeked:?} vs {decoded:?}", String::from_utf8_lossy(&buf));
        }
    }
}
