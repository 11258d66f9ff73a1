//! Request decoder. Reads every complete request at the front of a client's
//! buffer, one at a time, and hands its arguments out as zero-copy `Bytes`
//! slices of that buffer. Partial requests keep their progress, so a request
//! arriving byte by byte is scanned once. Errors carry Redis's exact text; after
//! one the connection answers it and closes, as Redis does.

use bytes::{Buf, Bytes, BytesMut};

use super::INLINE_MAX_SIZE;
use crate::util::number::parse_i64;
use crate::util::split::split_args;

/// A malformed request. `Display` is the error reply's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    // Note: `ExpectedDollar` holds a raw byte; use `wire()` for the exact reply.
    #[error("ERR Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    #[error("ERR Protocol error: invalid bulk length")]
    InvalidBulkLength,
    #[error("ERR Protocol error: expected '$', got '{}'", char::from(*.0))]
    ExpectedDollar(u8),
    #[error("ERR Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
    #[error("ERR Protocol error: too big inline request")]
    TooBigInline,
    #[error("ERR Protocol error: too big mbulk count string")]
    TooBigMultibulkCount,
    #[error("ERR Protocol error: too big bulk count string")]
    TooBigBulkCount,
    #[error("ERR Protocol error: unauthenticated multibulk length")]
    UnauthenticatedMultibulkLength,
    #[error("ERR Protocol error: unauthenticated bulk length")]
    UnauthenticatedBulkLength,
}

impl ProtocolError {
    /// The error reply's exact bytes. Redis prints the unexpected byte with
    /// `%c` (raw, not UTF-8) and its formatting stops at a NUL.
    pub fn wire(&self) -> Vec<u8> {
        match self {
            ProtocolError::ExpectedDollar(b) => {
                let mut v = b"ERR Protocol error: expected '$', got '".to_vec();
                if *b != 0 {
                    v.push(*b);
                    v.push(b'\'');
                }
                v
            }
            other => other.to_string().into_bytes(),
        }
    }
}

/// Per-call limits that depend on server config and client state.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `proto-max-bulk-len`.
    pub max_bulk_len: i64,
    /// False while `requirepass` is set and the client has not authenticated:
    /// requests are then limited to 10 arguments of at most 16 KiB each.
    pub authenticated: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bulk_len: 512 * 1024 * 1024, authenticated: true }
    }
}

/// Progress through a multibulk request whose bytes have not all arrived.
#[derive(Debug, Default)]
struct Multibulk {
    /// Arguments still to read.
    remaining: usize,
    /// Offset in the buffer where the next unread part starts.
    pos: usize,
    /// Length of the bulk whose `$len` header was read, if any.
    bulk_len: Option<usize>,
}

/// The argument ranges kept between requests (more after a long request
/// are freed).
const KEEP_RANGES: usize = 1024;

/// Incremental request decoder for one connection.
#[derive(Debug, Default)]
pub struct Decoder {
    pending: Option<Multibulk>,
    /// Byte ranges of the arguments of the pending request read so far
    /// (kept between requests so decoding does not allocate).
    ranges: Vec<(usize, usize)>,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// True when part of a request has been read but not all of it.
    pub fn in_request(&self) -> bool {
        self.pending.is_some()
    }

    /// Decodes the request at the front of `buf` into `args` (cleared first).
    /// `Ok(true)`: a request was consumed (possibly empty: skip it).
    /// `Ok(false)`: more bytes are needed. On `Err` the buffer is left as is.
    pub fn decode(&mut self, buf: &mut BytesMut, args: &mut Vec<Bytes>, limits: Limits) -> Result<bool, ProtocolError> {
        args.clear();
        if self.pending.is_none() {
            if buf.is_empty() {
                return Ok(false);
            }
            if buf[0] != b'*' {
                return decode_inline(buf, args);
            }
            let Some(cr) = find(buf, 1, b'\r') else {
                if buf.len() > INLINE_MAX_SIZE {
                    return Err(ProtocolError::TooBigMultibulkCount);
                }
                return Ok(false);
            };
            if cr + 1 >= buf.len() {
                return Ok(false);
            }
            let count = match parse_i64(&buf[1..cr]) {
                Some(n) if n <= i64::from(i32::MAX) => n,
                _ => return Err(ProtocolError::InvalidMultibulkLength),
            };
            if count > 10 && !limits.authenticated {
                return Err(ProtocolError::UnauthenticatedMultibulkLength);
            }
            if count <= 0 {
                buf.advance(cr + 2);
                return Ok(true);
            }
            self.ranges.clear();
            self.ranges.reserve((count as usize).min(1024));
            self.pending = Some(Multibulk { remaining: count as usize, pos: cr + 2, bulk_len: None });
        }
        let mb = self.pending.as_mut().expect("pending multibulk");
        while mb.remaining > 0 {
            let len = match mb.bulk_len {
                Some(len) => len,
                None => {
                    let Some(cr) = find(buf, mb.pos, b'\r') else {
                        if buf.len() - mb.pos > INLINE_MAX_SIZE {
                            return Err(ProtocolError::TooBigBulkCount);
                        }
                        return Ok(false);
                    };
                    if cr + 1 >= buf.len() {
                        return Ok(false);
                    }
                    if buf[mb.pos] != b'$' {
                        return Err(ProtocolError::ExpectedDollar(buf[mb.pos]));
                    }
                    let len = match parse_i64(&buf[mb.pos + 1..cr]) {
                        Some(n) if n >= 0 && n <= limits.max_bulk_len => n as usize,
                        _ => return Err(ProtocolError::InvalidBulkLength),
                    };
                    if len > 16384 && !limits.authenticated {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    mb.pos = cr + 2;
                    mb.bulk_len = Some(len);
                    len
                }
            };
            // Redis skips the two bytes after the payload without checking them.
            let end = mb.pos + len + 2;
            if buf.len() < end {
                buf.reserve(end - buf.len());
                return Ok(false);
            }
            self.ranges.push((mb.pos, mb.pos + len));
            mb.pos = end;
            mb.bulk_len = None;
            mb.remaining -= 1;
        }
        let mb = self.pending.take().expect("pending multibulk");
        let frame = buf.split_to(mb.pos).freeze();
        args.extend(self.ranges.iter().map(|&(s, e)| frame.slice(s..e)));
        if self.ranges.capacity() > KEEP_RANGES {
            // A request with many arguments: give the space back.
            self.ranges = Vec::new();
        }
        Ok(true)
    }
}

/// Redis finds line ends with `strchr`, which stops at a NUL byte: a NUL
/// before the line end means "no line end yet".
fn find(buf: &[u8], from: usize, byte: u8) -> Option<usize> {
    let i = buf.get(from..)?.iter().position(|&b| b == byte || b == 0)? + from;
    (buf[i] == byte).then_some(i)
}

/// An inline request: one line of space-separated words, as typed in telnet.
fn decode_inline(buf: &mut BytesMut, args: &mut Vec<Bytes>) -> Result<bool, ProtocolError> {
    let Some(nl) = find(buf, 0, b'\n') else {
        if buf.len() > INLINE_MAX_SIZE {
            return Err(ProtocolError::TooBigInline);
        }
        return Ok(false);
    };
    let line_end = if nl > 0 && buf[nl - 1] == b'\r' { nl - 1 } else { nl };
    if buf[..line_end].iter().any(|&b| b == b'"' || b == b'\'') {
        let words = split_args(&buf[..line_end]).ok_or(ProtocolError::UnbalancedQuotes)?;
        buf.advance(nl + 1);
        args.extend(words.into_iter().map(Bytes::from));
        return Ok(true);
    }
    // Without quotes the words are what `split_args` finds, as Redis's
    // sdssplitargs does: a word starts after C `isspace` bytes and ends at a
    // space, tab, CR or LF (not at a vertical tab or form feed). Hand them
    // out as slices of the line, with no copy.
    let line = buf.split_to(nl + 1).freeze();
    let mut word_start = None;
    for (i, &b) in line[..line_end].iter().enumerate() {
        match word_start {
            None if !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) => word_start = Some(i),
            Some(start) if matches!(b, b' ' | b'\t' | b'\n' | b'\r') => {
                args.push(line.slice(start..i));
                word_start = None;
            }
            _ => {}
        }
    }
    if let Some(start) = word_start {
        args.push(line.slice(start..line_end));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8]) -> (Vec<Vec<Vec<u8>>>, Option<ProtocolError>, usize) {
        let mut buf = BytesMut::from(input);
        let mut dec = Decoder::new();
        let mut args = Vec::new();
        let mut out = Vec::new();
        loop {
            match dec.decode(&mut buf, &mut args, Limits::default()) {
                Ok(true) => out.push(args.iter().map(|a| a.to_vec()).collect()),
                Ok(false) => return (out, None, buf.len()),
                Err(e) => return (out, Some(e), buf.len()),
            }
        }
    }

    fn words(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn multibulk_and_pipeline() {
        let (reqs, err, rest) = decode_all(b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*1\r\n$3\r\nG");
        assert_eq!(reqs, vec![words(&["PING"]), words(&["ECHO", "hi"])]);
        assert!(err.is_none());
        assert_eq!(rest, 9, "the partial request stays in the buffer");
    }

    #[test]
    fn payload_terminator_is_skipped_unchecked() {
        let (reqs, _, _) = decode_all(b"*2\r\n$4\r\nECHO\r\n$1\r\nabcd\r\n");
        assert_eq!(reqs, vec![words(&["ECHO", "a"]), words(&["d"])]);
    }

    #[test]
    fn byte_by_byte() {
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
        let mut dec = Decoder::new();
        let mut buf = BytesMut::new();
        let mut args = Vec::new();
        for (i, b) in input.iter().enumerate() {
            buf.extend_from_slice(&[*b]);
            let done = dec.decode(&mut buf, &mut args, Limits::default()).unwrap();
            assert_eq!(done, i == input.len() - 1);
        }
        assert_eq!(args.iter().map(|a| a.to_vec()).collect::<Vec<_>>(), words(&["SET", "k", "hello"]));
    }

    #[test]
    fn errors_have_redis_text() {
        assert_eq!(decode_all(b"*a\r\n").1.unwrap().to_string(), "ERR Protocol error: invalid multibulk length");
        assert_eq!(decode_all(b"*2147483648\r\n").1, Some(ProtocolError::InvalidMultibulkLength));
        assert_eq!(decode_all(b"*1\r\n$-1\r\n").1, Some(ProtocolError::InvalidBulkLength));
        assert_eq!(decode_all(b"*1\r\n$536870913\r\n").1, Some(ProtocolError::InvalidBulkLength));
        assert_eq!(decode_all(b"*1\r\nx\r\n").1.unwrap().to_string(), "ERR Protocol error: expected '$', got 'x'");
        assert_eq!(decode_all(b"PING \"a\r\n").1, Some(ProtocolError::UnbalancedQuotes));
        assert_eq!(decode_all(b"PING \"a\"b\r\n").1, Some(ProtocolError::UnbalancedQuotes));
        assert_eq!(decode_all(&vec![b'a'; 70000]).1, Some(ProtocolError::TooBigInline));
        let mut big = b"*".to_vec();
        big.extend(vec![b'1'; 70000]);
        assert_eq!(decode_all(&big).1, Some(ProtocolError::TooBigMultibulkCount));
    }

    #[test]
    fn empty_requests_are_skipped() {
        let (reqs, _, _) = decode_all(b"*0\r\n*-1\r\n\r\n\r\nPING\r\n");
        assert_eq!(reqs, vec![vec![], vec![], vec![], vec![], words(&["PING"])]);
    }

    #[test]
    fn unauthenticated_limits() {
        let limits = Limits { authenticated: false, ..Limits::default() };
        let mut dec = Decoder::new();
        let mut args = Vec::new();
        let mut buf = BytesMut::from(&b"*11\r\n"[..]);
        assert_eq!(dec.decode(&mut buf, &mut args, limits), Err(ProtocolError::UnauthenticatedMultibulkLength));
        let mut dec = Decoder::new();
        let mut buf = BytesMut::from(&b"*1\r\n$16385\r\n"[..]);
        assert_eq!(dec.decode(&mut buf, &mut args, limits), Err(ProtocolError::UnauthenticatedBulkLength));
    }

    #[test]
    fn numbers_are_strict() {
        for bad in
            [&b"*+1\r\n"[..], b"*01\r\n", b"*1 \r\n", b"* 1\r\n", b"*\r\n", b"*1a\r\n", b"*99999999999999999999\r\n"]
        {
            assert_eq!(decode_all(bad).1, Some(ProtocolError::InvalidMultibulkLength), "{bad:?}");
        }
        for bad in [&b"*1\r\n$+4\r\n"[..], b"*1\r\n$04\r\n", b"*1\r\n$4 \r\n", b"*1\r\n$\r\n", b"*1\r\n$-0\r\n"] {
            assert_eq!(decode_all(bad).1, Some(ProtocolError::InvalidBulkLength), "{bad:?}");
        }
    }

    #[test]
    fn largest_count_and_length_wait_for_more() {
        let (reqs, err, rest) = decode_all(b"*2147483647\r\n$4\r\nPING\r\n");
        assert_eq!((reqs.len(), err, rest), (0, None, 23), "kept until the request is complete");
        let (reqs, err, _) = decode_all(b"*1\r\n$536870912\r\nabc");
        assert_eq!((reqs.len(), err), (0, None));
        let mut dec = Decoder::new();
        let mut buf = BytesMut::from(&b"*1\r\n$5\r\nab"[..]);
        let mut args = Vec::new();
        assert_eq!(dec.decode(&mut buf, &mut args, Limits::default()), Ok(false));
        assert!(dec.in_request());
        buf.extend_from_slice(b"cde\r\n");
        assert_eq!(dec.decode(&mut buf, &mut args, Limits::default()), Ok(true));
        assert!(!dec.in_request());
        assert_eq!(args, vec![Bytes::from_static(b"abcde")]);
        assert!(buf.is_empty());
    }

    #[test]
    fn proto_max_bulk_len_is_a_limit() {
        let limits = Limits { max_bulk_len: 10, authenticated: true };
        let mut dec = Decoder::new();
        let mut args = Vec::new();
        let mut buf = BytesMut::from(&b"*1\r\n$10\r\n0123456789\r\n*1\r\n$11\r\n"[..]);
        assert_eq!(dec.decode(&mut buf, &mut args, limits), Ok(true));
        assert_eq!(dec.decode(&mut buf, &mut args, limits), Err(ProtocolError::InvalidBulkLength));
    }

    #[test]
    fn unauthenticated_boundaries_are_accepted() {
        let limits = Limits { authenticated: false, ..Limits::default() };
        let mut input = b"*10\r\n".to_vec();
        for _ in 0..9 {
            input.extend_from_slice(b"$1\r\na\r\n");
        }
        input.extend_from_slice(b"$16384\r\n");
        input.extend(vec![b'b'; 16384]);
        input.extend_from_slice(b"\r\n");
        let mut dec = Decoder::new();
        let mut args = Vec::new();
        let mut buf = BytesMut::from(&input[..]);
        assert_eq!(dec.decode(&mut buf, &mut args, limits), Ok(true));
        assert_eq!(args.len(), 10);
        assert_eq!(args[9].len(), 16384);
    }

    #[test]
    fn inline_quoting() {
        let (reqs, err, _) = decode_all(b"SET \"a b\" 'c\\'d' \"\\x41\\x4g\\n\"\nECHO \"\"\r\n");
        assert!(err.is_none());
        assert_eq!(reqs[0], words(&["SET", "a b", "c'd", "Ax4g\n"]));
        assert_eq!(reqs[1], words(&["ECHO", ""]));
        assert_eq!(decode_all(b"ECHO 'a'b\r\n").1, Some(ProtocolError::UnbalancedQuotes));
        assert_eq!(decode_all(b"ECHO 'abc\r\n").1, Some(ProtocolError::UnbalancedQuotes));
    }

    #[test]
    fn unquoted_inline_words_match_split_args() {
        // The quote-free fast path must split exactly as `split_args` does.
        let alphabet = [b'a', b'Z', b' ', b'\t', b'\r', 0x0b, 0x0c, b'\\', b'x'];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            let mut line = Vec::new();
            for _ in 0..(seed % 12) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                line.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let mut input = line.clone();
            input.extend_from_slice(b"\r\n");
            let (reqs, err, rest) = decode_all(&input);
            assert!(err.is_none() && rest == 0, "{line:?}");
            assert_eq!(reqs, vec![split_args(&line).unwrap()], "{line:?}");
        }
        let (reqs, _, _) = decode_all(b"  PING \t\n\tECHO  hi  \r\n\r\n");
        assert_eq!(reqs, vec![words(&["PING"]), words(&["ECHO", "hi"]), words(&[])]);
    }

    #[test]
    fn expected_dollar_reports_the_byte() {
        assert_eq!(decode_all(b"*2\r\n$4\r\nECHO\r\n:1\r\n").1, Some(ProtocolError::ExpectedDollar(b':')));
        assert_eq!(decode_all(b"*1\r\n\r\n").1, Some(ProtocolError::ExpectedDollar(b'\r')));
    }

    #[test]
    fn a_failed_request_leaves_the_buffer() {
        let mut dec = Decoder::new();
        let mut args = Vec::new();
        let mut buf = BytesMut::from(&b"*1\r\n$4\r\nPING\r\n*x\r\n"[..]);
        assert_eq!(dec.decode(&mut buf, &mut args, Limits::default()), Ok(true));
        assert_eq!(dec.decode(&mut buf, &mut args, Limits::default()), Err(ProtocolError::InvalidMultibulkLength));
        assert_eq!(&buf[..], b"*x\r\n");
    }
}
