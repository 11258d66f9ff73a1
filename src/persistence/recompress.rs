//! LZF compression moved off the command thread: the snapshot serializes
//! strings raw, and the writer thread rewrites each chunk, compressing every
//! raw string as `encode::string` would have (longer than 20 bytes, when it
//! saves at least 4). The output is byte for byte what compressing while
//! encoding gives.
//!
//! Only what `encode` writes is understood: the magic, SELECTDB, RESIZEDB,
//! EXPIRETIME_MS, AUX, EOF, and keys of type STRING, LIST_QUICKLIST_2, SET,
//! SET_INTSET, HASH, HASH_LISTPACK, ZSET_2, ZSET_LISTPACK and
//! STREAM_LISTPACKS_2.

use super::encode;
use super::format::{self, op, ty};

type Res<T> = Result<T, &'static str>;

struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
}

const BAD: &str = "unexpected record in a snapshot chunk";

impl<'a> Cursor<'a> {
    fn u8(&mut self) -> Res<u8> {
        let b = *self.input.get(self.pos).ok_or(BAD)?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Res<&'a [u8]> {
        let s = self.input.get(self.pos..self.pos + n).ok_or(BAD)?;
        self.pos += n;
        Ok(s)
    }

    /// A length: its value, and its encoded bytes.
    fn len(&mut self) -> Res<(u64, &'a [u8])> {
        let start = self.pos;
        let b = self.u8()?;
        let v = match b >> 6 {
            0 => u64::from(b & 0x3f),
            1 => (u64::from(b & 0x3f) << 8) | u64::from(self.u8()?),
            3 => return Err(BAD),
            _ => match b {
                format::LEN_32BIT => u64::from(u32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes"))),
                format::LEN_64BIT => u64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes")),
                _ => return Err(BAD),
            },
        };
        Ok((v, &self.input[start..self.pos]))
    }
}

/// Copies a length.
fn copy_len(c: &mut Cursor<'_>, out: &mut Vec<u8>) -> Res<u64> {
    let (n, raw) = c.len()?;
    out.extend_from_slice(raw);
    Ok(n)
}

/// Copies a string, compressing it if it is raw and worth it.
fn string(c: &mut Cursor<'_>, out: &mut Vec<u8>) -> Res<()> {
    let start = c.pos;
    let b = *c.input.get(start).ok_or(BAD)?;
    if b >> 6 == format::LEN_ENCVAL {
        c.pos += 1;
        let n = match b & 0x3f {
            format::ENC_INT8 => 1,
            format::ENC_INT16 => 2,
            format::ENC_INT32 => 4,
            _ => return Err(BAD),
        };
        c.take(n)?;
        out.extend_from_slice(&c.input[start..c.pos]);
        return Ok(());
    }
    let (n, _) = c.len()?;
    let s = c.take(usize::try_from(n).map_err(|_| BAD)?)?;
    if s.len() > 20 {
        encode::string(out, s, true);
    } else {
        out.extend_from_slice(&c.input[start..c.pos]);
    }
    Ok(())
}

/// Rewrites `input` (records encoded without compression) into `out` with
/// every raw string compressed as `encode::string(.., true)` would.
pub fn compress_records(input: &[u8], out: &mut Vec<u8>) -> Res<()> {
    let mut c = Cursor { input, pos: 0 };
    if input.starts_with(b"REDIS") {
        out.extend_from_slice(c.take(9)?);
    }
    while c.pos < input.len() {
        let t = c.u8()?;
        out.push(t);
        match t {
            op::EOF => {}
            op::SELECTDB => {
                copy_len(&mut c, out)?;
            }
            op::RESIZEDB => {
                copy_len(&mut c, out)?;
                copy_len(&mut c, out)?;
            }
            op::EXPIRETIME_MS => out.extend_from_slice(c.take(8)?),
            op::AUX => {
                string(&mut c, out)?;
                string(&mut c, out)?;
            }
            ty::STRING => {
                string(&mut c, out)?;
                string(&mut c, out)?;
            }
            ty::LIST | ty::SET | ty::HASH | ty::ZSET_2 => {
                string(&mut c, out)?;
                let n = copy_len(&mut c, out)?;
                for _ in 0..n {
                    string(&mut c, out)?;
                    match t {
                        ty::HASH => string(&mut c, out)?,
                        ty::ZSET_2 => out.extend_from_slice(c.take(8)?),
                        _ => {}
                    }
                }
            }
            ty::SET_INTSET | ty::HASH_LISTPACK | ty::ZSET_LISTPACK => {
                string(&mut c, out)?;
                string(&mut c, out)?;
            }
            ty::LIST_QUICKLIST_2 => {
                string(&mut c, out)?;
                let nodes = copy_len(&mut c, out)?;
                for _ in 0..nodes {
                    copy_len(&mut c, out)?;
                    string(&mut c, out)?;
                }
            }
            ty::STREAM_LISTPACKS_2 => {
                string(&mut c, out)?;
                stream(&mut c, out)?;
            }
            _ => return Err(BAD),
        }
    }
    Ok(())
}

/// Copies a stream's body (`persistence::stream::write`), compressing its
/// node listpacks.
fn stream(c: &mut Cursor<'_>, out: &mut Vec<u8>) -> Res<()> {
    let nodes = copy_len(c, out)?;
    for _ in 0..nodes {
        string(c, out)?;
        string(c, out)?;
    }
    // Length, last id, first id, max deleted id, entries added.
    for _ in 0..8 {
        copy_len(c, out)?;
    }
    let groups = copy_len(c, out)?;
    for _ in 0..groups {
        string(c, out)?;
        for _ in 0..3 {
            copy_len(c, out)?;
        }
        let pel = copy_len(c, out)?;
        for _ in 0..pel {
            out.extend_from_slice(c.take(16 + 8)?);
            copy_len(c, out)?;
        }
        let consumers = copy_len(c, out)?;
        for _ in 0..consumers {
            string(c, out)?;
            out.extend_from_slice(c.take(8)?);
            let n = copy_len(c, out)?;
            for _ in 0..n {
                out.extend_from_slice(c.take(16)?);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persistence::{Loaded, values};

    /// Compressing afterwards gives exactly what compressing while encoding
    /// gives.
    #[test]
    fn same_bytes_as_compressing_inline() {
        let strings: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"12345".to_vec(),
            b"-2147483648".to_vec(),
            b"short".to_vec(),
            vec![b'a'; 21],
            vec![b'a'; 20],
            (0..=255u8).collect(),
            b"abc".repeat(5000),
            vec![b'z'; 70_000],
        ];
        let mut stream = crate::types::Stream::new();
        for (i, s) in strings.iter().enumerate() {
            let id = crate::types::stream::StreamId::new(i as u64 + 1, 0);
            stream.append(id, &[b"field", s, &strings[strings.len() - 1 - i], b"v"], Default::default());
        }
        stream.delete(&[crate::types::stream::StreamId::new(2, 0)]);
        let name = [b'g'; 30];
        let mut g = crate::types::stream::Group::new(crate::types::stream::StreamId::new(3, 0), 3);
        g.consumers.insert(name[..].into(), Default::default());
        stream.groups.insert(name[..].into(), g);
        let build = |compress: bool| {
            let mut out = Vec::new();
            encode::header(&mut out, 1_700_000_000, 123_456_789_012);
            encode::select_db(&mut out, 3);
            encode::resize_db(&mut out, 100, 20_000);
            for (i, s) in strings.iter().enumerate() {
                if i % 2 == 0 {
                    out.push(op::EXPIRETIME_MS);
                    out.extend_from_slice(&(1u64 << 40).to_le_bytes());
                }
                out.push(ty::STRING);
                encode::string(&mut out, s, compress);
                encode::string(&mut out, &strings[strings.len() - 1 - i], compress);
            }
            let items = || strings.iter().map(|s| &s[..]);
            out.push(ty::LIST);
            encode::string(&mut out, &[b'k'; 30], compress);
            values::write_list(&mut out, strings.len(), items(), compress);
            out.push(ty::HASH);
            encode::string(&mut out, b"h", compress);
            values::write_hash(&mut out, strings.len(), items().zip(items().rev()), compress);
            out.push(ty::ZSET_2);
            encode::string(&mut out, b"z", compress);
            values::write_zset(&mut out, strings.len(), items().map(|s| (s, s.len() as f64)), compress);
            out.push(ty::STREAM_LISTPACKS_2);
            encode::string(&mut out, b"st", compress);
            crate::persistence::stream::write(&mut out, &stream, compress);
            // Values in the encodings the writer uses for them: a
            // quicklist of one node per element, an intset, a listpack hash
            // and zset.
            let owned = || strings.iter().cloned();
            let enc = values::Encodings { list_fill: 1, ..Default::default() };
            let small: Vec<Vec<u8>> = owned().take(3).collect();
            for loaded in [
                Loaded::List(owned().collect()),
                Loaded::Set(vec![b"1".to_vec(), b"-70000".to_vec()]),
                Loaded::Hash(small.iter().cloned().zip(small.iter().rev().cloned()).collect()),
                Loaded::ZSet(vec![(vec![b'm'; 25], 0.5), (b"n".to_vec(), 2.0)]),
            ] {
                let v = values::into_value(loaded, &enc).unwrap();
                out.push(encode::value_type(&v));
                encode::string(&mut out, b"v", compress);
                encode::value(&mut out, &v, compress);
            }
            encode::eof(&mut out);
            out
        };
        let mut got = Vec::new();
        compress_records(&build(false), &mut got).unwrap();
        assert_eq!(got, build(true));
        assert!(compress_records(&[ty::ZSET], &mut Vec::new()).is_err());
        assert!(compress_records(&[ty::STRING, 5, b'a'], &mut Vec::new()).is_err());
    }
}
