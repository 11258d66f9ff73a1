//! A reply as a value: the RESP3 vocabulary as a tree. Handlers usually write
//! straight into a [`ReplyWriter`]; this type is for replies built before
//! they are sent, for reading replies back (scripts call commands and read
//! their replies), and for tests.

use bytes::Bytes;

use super::writer::ReplyWriter;
use crate::util::number::parse_i64;

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Bytes),
    /// Null bulk (`$-1`) in RESP2; `_` in RESP3.
    Null,
    /// Null array (`*-1`) in RESP2; `_` in RESP3.
    NullArray,
    Array(Vec<Reply>),
    Map(Vec<(Reply, Reply)>),
    Set(Vec<Reply>),
    Double(f64),
    Bool(bool),
    Verbatim(String, Bytes),
    BigNumber(String),
    Push(Vec<Reply>),
}

impl Reply {
    pub fn bulk(b: impl Into<Bytes>) -> Reply {
        Reply::Bulk(b.into())
    }

    pub fn ok() -> Reply {
        Reply::Simple("OK".into())
    }

    /// Renders this reply into `w` in the writer's protocol.
    pub fn write(&self, w: &mut ReplyWriter) {
        match self {
            Reply::Simple(s) => w.simple(s),
            Reply::Error(e) => w.error(e),
            Reply::Int(i) => w.int(*i),
            Reply::Bulk(b) => w.bulk(b),
            Reply::Null => w.null(),
            Reply::NullArray => w.null_array(),
            Reply::Array(items) => {
                w.array(items.len());
                items.iter().for_each(|r| r.write(w));
            }
            Reply::Map(pairs) => {
                w.map(pairs.len());
                for (k, v) in pairs {
                    k.write(w);
                    v.write(w);
                }
            }
            Reply::Set(items) => {
                w.set(items.len());
                items.iter().for_each(|r| r.write(w));
            }
            Reply::Double(d) => w.double(*d),
            Reply::Bool(b) => w.boolean(*b),
            Reply::Verbatim(f, t) => w.verbatim(f, t),
            Reply::BigNumber(n) => w.big_number(n),
            Reply::Push(items) => {
                w.push(items.len());
                items.iter().for_each(|r| r.write(w));
            }
        }
    }

    /// Parses one RESP2/RESP3 reply from the front of `buf`. `Ok(None)` when
    /// incomplete; `Err(())` when malformed. Returns the reply and its length.
    #[allow(clippy::result_unit_err)]
    pub fn parse(buf: &[u8]) -> Result<Option<(Reply, usize)>, ()> {
        let Some(cr) = buf.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        if cr == 0 {
            return Err(());
        }
        let line = &buf[1..cr];
        let text = || String::from_utf8_lossy(line).into_owned();
        let num = || parse_i64(line).ok_or(());
        let after = cr + 2;
        let aggregate = |n: i64, per: usize| -> Result<Option<(Vec<Reply>, usize)>, ()> {
            let mut items = Vec::with_capacity((n.max(0) as usize).min(1024) * per);
            let mut pos = after;
            for _ in 0..n.max(0) as usize * per {
                match Reply::parse(&buf[pos..])? {
                    Some((r, used)) => {
                        items.push(r);
                        pos += used;
                    }
                    None => return Ok(None),
                }
            }
            Ok(Some((items, pos)))
        };
        let blob = |n: i64| -> Result<Option<(&[u8], usize)>, ()> {
            let n = usize::try_from(n).map_err(|_| ())?;
            if buf.len() < after + n + 2 {
                return Ok(None);
            }
            Ok(Some((&buf[after..after + n], after + n + 2)))
        };
        Ok(Some(match buf[0] {
            b'+' => (Reply::Simple(text()), after),
            b'-' => (Reply::Error(text()), after),
            b':' => (Reply::Int(num()?), after),
            b'_' => (Reply::Null, after),
            b'#' => (Reply::Bool(line == b"t"), after),
            b',' => {
                let d = match line {
                    b"inf" => f64::INFINITY,
                    b"-inf" => f64::NEG_INFINITY,
                    _ => text().parse().map_err(|_| ())?,
                };
                (Reply::Double(d), after)
            }
            b'(' => (Reply::BigNumber(text()), after),
            b'$' => {
                let n = num()?;
                if n < 0 {
                    (Reply::Null, after)
                } else {
                    match blob(n)? {
                        Some((data, end)) => (Reply::Bulk(Bytes::copy_from_slice(data)), end),
                        None => return Ok(None),
                    }
                }
            }
            b'=' => match blob(num()?)? {
                Some((data, end)) if data.len() >= 4 => {
                    let format = String::from_utf8_lossy(&data[..3]).into_owned();
                    (Reply::Verbatim(format, Bytes::copy_from_slice(&data[4..])), end)
                }
                Some(_) => return Err(()),
                None => return Ok(None),
            },
            b'*' | b'~' | b'>' => {
                let n = num()?;
                if n < 0 {
                    (Reply::NullArray, after)
                } else {
                    match aggregate(n, 1)? {
                        Some((items, end)) => match buf[0] {
                            b'*' => (Reply::Array(items), end),
                            b'~' => (Reply::Set(items), end),
                            _ => (Reply::Push(items), end),
                        },
                        None => return Ok(None),
                    }
                }
            }
            b'%' => match aggregate(num()?, 2)? {
                Some((items, end)) => {
                    let mut pairs = Vec::with_capacity(items.len() / 2);
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    (Reply::Map(pairs), end)
                }
                None => return Ok(None),
            },
            _ => return Err(()),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::writer::Resp;

    #[test]
    fn round_trip_resp3() {
        let reply = Reply::Array(vec![
            Reply::Map(vec![(Reply::bulk("a"), Reply::Double(1.5))]),
            Reply::Set(vec![Reply::Int(1)]),
            Reply::Null,
            Reply::Bool(false),
            Reply::Verbatim("txt".into(), Bytes::from_static(b"x")),
            Reply::Error("ERR e".into()),
        ]);
        let mut w = ReplyWriter::new(Resp::Three);
        reply.write(&mut w);
        let (parsed, used) = Reply::parse(&w.buf).unwrap().unwrap();
        assert_eq!(used, w.buf.len());
        assert_eq!(parsed, reply);
        assert_eq!(Reply::parse(&w.buf[..w.buf.len() - 1]).unwrap(), None);
    }
}
