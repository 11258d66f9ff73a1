//! The reply writer: appends replies to a connection's output buffer in the
//! protocol that connection speaks. Handlers describe replies with RESP3's
//! vocabulary (map, set, double, null …) and the writer renders them as RESP2
//! when the client has not said `HELLO 3`. Writing never allocates except to
//! grow the buffer.

use bytes::{BufMut, BytesMut};

use crate::util::number::{format_g17, format_i64, format_u64};

/// Which RESP version a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resp {
    #[default]
    Two,
    Three,
}

impl Resp {
    pub fn number(self) -> i64 {
        match self {
            Resp::Two => 2,
            Resp::Three => 3,
        }
    }
}

/// An output buffer plus the protocol to render into it.
#[derive(Debug, Default)]
pub struct ReplyWriter {
    pub buf: BytesMut,
    pub resp: Resp,
}

impl ReplyWriter {
    pub fn new(resp: Resp) -> Self {
        ReplyWriter { buf: BytesMut::new(), resp }
    }

    pub fn is_resp3(&self) -> bool {
        self.resp == Resp::Three
    }

    fn line(&mut self, prefix: u8, body: &[u8]) {
        self.buf.reserve(body.len() + 3);
        self.buf.put_u8(prefix);
        self.buf.put_slice(body);
        self.buf.put_slice(b"\r\n");
    }

    fn header(&mut self, prefix: u8, n: u64) {
        let mut digits = [0u8; 20];
        let digits = format_u64(&mut digits, n);
        self.line(prefix, digits);
    }

    /// `+OK`
    pub fn ok(&mut self) {
        self.buf.put_slice(b"+OK\r\n");
    }

    /// A status reply such as `+PONG`. `s` must not contain CR or LF.
    pub fn simple(&mut self, s: &str) {
        self.line(b'+', s.as_bytes());
    }

    /// An error reply. `msg` starts with the error code (`ERR`, `WRONGTYPE` …);
    /// CR and LF inside it become spaces, as in Redis.
    pub fn error(&mut self, msg: impl AsRef<[u8]>) {
        let msg = msg.as_ref();
        self.buf.reserve(msg.len() + 3);
        self.buf.put_u8(b'-');
        for &b in msg {
            self.buf.put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
        self.buf.put_slice(b"\r\n");
    }

    pub fn int(&mut self, v: i64) {
        let mut digits = [0u8; 20];
        let digits = format_i64(&mut digits, v);
        self.line(b':', digits);
    }

    pub fn bulk(&mut self, data: &[u8]) {
        self.header(b'$', data.len() as u64);
        self.buf.reserve(data.len() + 2);
        self.buf.put_slice(data);
        self.buf.put_slice(b"\r\n");
    }

    /// An integer sent as a bulk string (as Redis does for e.g. INCRBYFLOAT).
    pub fn bulk_int(&mut self, v: i64) {
        let mut digits = [0u8; 20];
        let digits = format_i64(&mut digits, v);
        let len = digits.len();
        let mut tmp = [0u8; 20];
        tmp[..len].copy_from_slice(digits);
        self.bulk(&tmp[..len]);
    }

    /// The null bulk string: `$-1` in RESP2, `_` in RESP3.
    pub fn null(&mut self) {
        match self.resp {
            Resp::Two => self.buf.put_slice(b"$-1\r\n"),
            Resp::Three => self.buf.put_slice(b"_\r\n"),
        }
    }

    /// The null array: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        match self.resp {
            Resp::Two => self.buf.put_slice(b"*-1\r\n"),
            Resp::Three => self.buf.put_slice(b"_\r\n"),
        }
    }

    pub fn array(&mut self, n: usize) {
        self.header(b'*', n as u64);
    }

    /// A map of `n` pairs: `%n` in RESP3, an array of `2n` items in RESP2.
    pub fn map(&mut self, n: usize) {
        match self.resp {
            Resp::Two => self.header(b'*', 2 * n as u64),
            Resp::Three => self.header(b'%', n as u64),
        }
    }

    /// A set of `n` items: `~n` in RESP3, an array in RESP2.
    pub fn set(&mut self, n: usize) {
        match self.resp {
            Resp::Two => self.header(b'*', n as u64),
            Resp::Three => self.header(b'~', n as u64),
        }
    }

    /// An out-of-band push of `n` items: `>n` in RESP3, an array in RESP2.
    pub fn push(&mut self, n: usize) {
        match self.resp {
            Resp::Two => self.header(b'*', n as u64),
            Resp::Three => self.header(b'>', n as u64),
        }
    }

    /// A double: `,d` in RESP3, a bulk string in RESP2 (`%.17g`, `inf`, `-inf`).
    pub fn double(&mut self, d: f64) {
        let text = format_g17(d);
        match self.resp {
            Resp::Two => self.bulk(text.as_bytes()),
            Resp::Three => self.line(b',', text.as_bytes()),
        }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    pub fn boolean(&mut self, b: bool) {
        match (self.resp, b) {
            (Resp::Two, true) => self.buf.put_slice(b":1\r\n"),
            (Resp::Two, false) => self.buf.put_slice(b":0\r\n"),
            (Resp::Three, true) => self.buf.put_slice(b"#t\r\n"),
            (Resp::Three, false) => self.buf.put_slice(b"#f\r\n"),
        }
    }

    /// Verbatim text (`=len\r\ntxt:...`) in RESP3, a bulk string in RESP2.
    /// `format` is three bytes such as `txt`.
    pub fn verbatim(&mut self, format: &str, text: &[u8]) {
        match self.resp {
            Resp::Two => self.bulk(text),
            Resp::Three => {
                self.header(b'=', (text.len() + 4) as u64);
                self.buf.put_slice(format.as_bytes());
                self.buf.put_u8(b':');
                self.buf.put_slice(text);
                self.buf.put_slice(b"\r\n");
            }
        }
    }

    /// A big number: `(digits` in RESP3, a bulk string in RESP2.
    pub fn big_number(&mut self, digits: &str) {
        match self.resp {
            Resp::Two => self.bulk(digits.as_bytes()),
            Resp::Three => self.line(b'(', digits.as_bytes()),
        }
    }

    /// Appends bytes that are already valid RESP for this connection.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.put_slice(bytes);
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// A request as a client sends it, an array of bulk strings: what a
/// replica, the AOF and MIGRATE's target receive.
pub fn encode_command<A: AsRef<[u8]>>(buf: &mut Vec<u8>, argv: &[A]) {
    let mut n = [0u8; 20];
    buf.push(b'*');
    buf.extend_from_slice(format_u64(&mut n, argv.len() as u64));
    buf.extend_from_slice(b"\r\n");
    for a in argv {
        let a = a.as_ref();
        buf.push(b'$');
        buf.extend_from_slice(format_u64(&mut n, a.len() as u64));
        buf.extend_from_slice(b"\r\n");
        buf.extend_from_slice(a);
        buf.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(resp: Resp, f: impl Fn(&mut ReplyWriter)) -> String {
        let mut w = ReplyWriter::new(resp);
        f(&mut w);
        String::from_utf8(w.buf.to_vec()).unwrap()
    }

    #[test]
    fn resp2_and_resp3_shapes() {
        let both = |f: fn(&mut ReplyWriter)| (render(Resp::Two, f), render(Resp::Three, f));
        assert_eq!(both(|w| w.null()), ("$-1\r\n".into(), "_\r\n".into()));
        assert_eq!(both(|w| w.null_array()), ("*-1\r\n".into(), "_\r\n".into()));
        assert_eq!(both(|w| w.map(2)), ("*4\r\n".into(), "%2\r\n".into()));
        assert_eq!(both(|w| w.set(3)), ("*3\r\n".into(), "~3\r\n".into()));
        assert_eq!(both(|w| w.push(3)), ("*3\r\n".into(), ">3\r\n".into()));
        assert_eq!(
            both(|w| w.double(0.1)),
            ("$19\r\n0.10000000000000001\r\n".into(), ",0.10000000000000001\r\n".into())
        );
        assert_eq!(both(|w| w.double(f64::NEG_INFINITY)), ("$4\r\n-inf\r\n".into(), ",-inf\r\n".into()));
        assert_eq!(both(|w| w.boolean(true)), (":1\r\n".into(), "#t\r\n".into()));
        assert_eq!(both(|w| w.verbatim("txt", b"hi")), ("$2\r\nhi\r\n".into(), "=6\r\ntxt:hi\r\n".into()));
        assert_eq!(both(|w| w.int(-5)), (":-5\r\n".into(), ":-5\r\n".into()));
        assert_eq!(both(|w| w.bulk(b"")), ("$0\r\n\r\n".into(), "$0\r\n\r\n".into()));
        assert_eq!(both(|w| w.error("ERR a\r\nb")), ("-ERR a  b\r\n".into(), "-ERR a  b\r\n".into()));
    }

    #[test]
    fn commands_encode_as_arrays_of_bulks() {
        let mut buf = Vec::new();
        super::encode_command(&mut buf, &["SET", "k", ""]);
        assert_eq!(buf, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    }
}
