//! The RDB reader's primitives over any byte source: a buffered `Source`
//! that keeps a running CRC-64 of the bytes consumed, and the length,
//! string (integer, LZF, raw), time and double decodings. Every read is
//! bounds-checked: a short or malformed input is an error, never a panic.

use std::fmt;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::crc64::Crc64;
use super::format;
use super::lzf;

/// Why a dump could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// The input ended early (a truncated file).
    Eof,
    /// Not an RDB file.
    Signature,
    /// A version we cannot read.
    Version(u16),
    /// The trailer's checksum does not match the content.
    Checksum { expected: u64, got: u64 },
    /// Malformed content.
    Corrupt(String),
    /// Valid content this server cannot hold (modules, streams, …).
    Unsupported(String),
    /// More databases than configured.
    Databases(u64),
    /// The same key twice in one database.
    Duplicate { key: Vec<u8>, db: usize },
    /// Reading the file failed.
    Io(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Eof => f.write_str("Short read or OOM loading DB. Unrecoverable error, aborting now."),
            LoadError::Signature => f.write_str("Wrong signature trying to load DB from file"),
            LoadError::Version(v) => write!(f, "Can't handle RDB format version {v}"),
            LoadError::Checksum { expected, got } => {
                write!(f, "Wrong RDB checksum expected: ({expected:x}) but got ({got:x}). Aborting now.")
            }
            LoadError::Corrupt(what) => write!(f, "Corrupt RDB file: {what}. Aborting now."),
            LoadError::Unsupported(what) => write!(f, "The RDB file contains {what}, which this server cannot load"),
            LoadError::Databases(n) => write!(
                f,
                "FATAL: Data file was created with a Redis server configured to handle more than {n} databases. \
                 Exiting"
            ),
            LoadError::Duplicate { key, db } => {
                write!(f, "RDB has duplicated key '{}' in DB {db}", String::from_utf8_lossy(key))
            }
            LoadError::Io(e) => write!(f, "Error reading the RDB file: {e}"),
        }
    }
}

pub type LoadResult<T> = Result<T, LoadError>;

pub fn corrupt(what: impl Into<String>) -> LoadError {
    LoadError::Corrupt(what.into())
}

const BUF_SIZE: usize = 256 * 1024;

/// A buffered reader that checksums what it hands out.
pub struct Source<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Bytes of `buf` before this index are already in `crc`.
    hashed: usize,
    crc: Crc64,
    /// Bytes consumed before `buf[0]`.
    base: u64,
    /// Where to publish the bytes consumed (INFO `loading_loaded_bytes`).
    progress: Option<Arc<AtomicU64>>,
}

impl<R: Read> Source<R> {
    pub fn new(inner: R) -> Source<R> {
        Source {
            inner,
            buf: vec![0; BUF_SIZE],
            pos: 0,
            end: 0,
            hashed: 0,
            crc: Crc64::default(),
            base: 0,
            progress: None,
        }
    }

    pub fn with_progress(mut self, progress: Arc<AtomicU64>) -> Source<R> {
        self.progress = Some(progress);
        self
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Makes at least one more byte available; false at end of input.
    fn refill(&mut self) -> LoadResult<bool> {
        if self.pos == self.end {
            self.crc.update(&self.buf[self.hashed..self.pos]);
            self.base += self.pos as u64;
            self.pos = 0;
            self.end = 0;
            self.hashed = 0;
            if let Some(p) = &self.progress {
                p.store(self.base, Ordering::Relaxed);
            }
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(LoadError::Io(e.to_string())),
            }
        }
    }

    #[inline]
    pub fn u8(&mut self) -> LoadResult<u8> {
        if self.pos == self.end && !self.refill()? {
            return Err(LoadError::Eof);
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    /// Fills `dst` from the input.
    pub fn read_into(&mut self, mut dst: &mut [u8]) -> LoadResult<()> {
        while !dst.is_empty() {
            if self.pos == self.end && !self.refill()? {
                return Err(LoadError::Eof);
            }
            let n = dst.len().min(self.end - self.pos);
            dst[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            dst = &mut dst[n..];
        }
        Ok(())
    }

    /// Reads `n` bytes into a new vector of exactly that capacity.
    pub fn bytes(&mut self, n: u64) -> LoadResult<Vec<u8>> {
        let mut v = Vec::new();
        self.bytes_into(n, &mut v)?;
        Ok(v)
    }

    /// Replaces `v`'s content with the next `n` bytes.
    pub fn bytes_into(&mut self, n: u64, v: &mut Vec<u8>) -> LoadResult<()> {
        let n = usize::try_from(n).map_err(|_| LoadError::Eof)?;
        v.clear();
        // Grow as data arrives rather than trusting a huge declared length.
        let first = n.min(BUF_SIZE * 4);
        v.try_reserve_exact(first).map_err(|_| LoadError::Eof)?;
        while v.len() < n {
            if self.pos == self.end && !self.refill()? {
                return Err(LoadError::Eof);
            }
            let take = (n - v.len()).min(self.end - self.pos);
            if v.capacity() - v.len() < take {
                v.try_reserve_exact((n - v.len()).min(v.capacity().max(take))).map_err(|_| LoadError::Eof)?;
            }
            v.extend_from_slice(&self.buf[self.pos..self.pos + take]);
            self.pos += take;
        }
        Ok(())
    }

    pub fn skip(&mut self, mut n: u64) -> LoadResult<()> {
        while n > 0 {
            if self.pos == self.end && !self.refill()? {
                return Err(LoadError::Eof);
            }
            let take = (n.min((self.end - self.pos) as u64)) as usize;
            self.pos += take;
            n -= take as u64;
        }
        Ok(())
    }

    /// The CRC-64 of every byte consumed so far.
    pub fn checksum(&mut self) -> u64 {
        self.crc.update(&self.buf[self.hashed..self.pos]);
        self.hashed = self.pos;
        self.crc.value()
    }

    pub fn u32_le(&mut self) -> LoadResult<u32> {
        let mut b = [0; 4];
        self.read_into(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    pub fn u64_le(&mut self) -> LoadResult<u64> {
        let mut b = [0; 8];
        self.read_into(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// A length or, with `true`, a special string encoding number.
    pub fn len_or_enc(&mut self) -> LoadResult<(u64, bool)> {
        let b = self.u8()?;
        match b >> 6 {
            0 => Ok((u64::from(b & 0x3f), false)),
            1 => Ok(((u64::from(b & 0x3f) << 8) | u64::from(self.u8()?), false)),
            3 => Ok((u64::from(b & 0x3f), true)),
            _ => match b {
                format::LEN_32BIT => {
                    let mut w = [0; 4];
                    self.read_into(&mut w)?;
                    Ok((u64::from(u32::from_be_bytes(w)), false))
                }
                format::LEN_64BIT => {
                    let mut w = [0; 8];
                    self.read_into(&mut w)?;
                    Ok((u64::from_be_bytes(w), false))
                }
                _ => Err(corrupt(format!("unknown length encoding {b}"))),
            },
        }
    }

    /// A plain length.
    pub fn length(&mut self) -> LoadResult<u64> {
        match self.len_or_enc()? {
            (n, false) => Ok(n),
            (_, true) => Err(corrupt("encoded value where a length was expected")),
        }
    }

    /// A string in any encoding, into `out` (replacing its content).
    pub fn string_into(&mut self, out: &mut Vec<u8>) -> LoadResult<()> {
        let (n, encoded) = self.len_or_enc()?;
        if !encoded {
            return self.bytes_into(n, out);
        }
        out.clear();
        let v: i64 = match n as u8 {
            format::ENC_INT8 => i64::from(self.u8()? as i8),
            format::ENC_INT16 => {
                let mut b = [0; 2];
                self.read_into(&mut b)?;
                i64::from(i16::from_le_bytes(b))
            }
            format::ENC_INT32 => {
                let mut b = [0; 4];
                self.read_into(&mut b)?;
                i64::from(i32::from_le_bytes(b))
            }
            format::ENC_LZF => {
                let clen = self.length()?;
                let len = self.length()?;
                let compressed = self.bytes(clen)?;
                let len = usize::try_from(len).map_err(|_| corrupt("Invalid LZF compressed string"))?;
                *out = lzf::decompress(&compressed, len).ok_or_else(|| corrupt("Invalid LZF compressed string"))?;
                return Ok(());
            }
            other => return Err(corrupt(format!("unknown RDB string encoding type {other}"))),
        };
        out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }

    /// A string in any encoding, as a new exact-size vector.
    pub fn string(&mut self) -> LoadResult<Vec<u8>> {
        let mut v = Vec::new();
        self.string_into(&mut v)?;
        Ok(v)
    }

    /// A double in the old text form of `ZSET` (RDB type 3).
    pub fn text_double(&mut self) -> LoadResult<f64> {
        match self.u8()? {
            255 => Ok(f64::NEG_INFINITY),
            254 => Ok(f64::INFINITY),
            253 => Ok(f64::NAN),
            n => {
                let mut b = vec![0; n as usize];
                self.read_into(&mut b)?;
                parse_double(&b).ok_or_else(|| corrupt("bad double value"))
            }
        }
    }

    /// A double in the binary form of `ZSET_2`.
    pub fn binary_double(&mut self) -> LoadResult<f64> {
        Ok(f64::from_bits(self.u64_le()?))
    }
}

/// C's `strtod` over a whole field (the scores of ziplists and old zsets).
pub fn parse_double(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?;
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => return Some(f64::INFINITY),
        "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
        "nan" | "-nan" | "+nan" => return Some(f64::NAN),
        _ => {}
    }
    t.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_in_every_encoding() {
        let data: &[u8] =
            b"\x03abc\xc0\xff\xc1\x39\x30\xc2\xff\xff\xff\x7f\xc3\x09\x40\x64\x01aa\xe0W\x00\x01aa\x40\x40";
        let mut s = Source::new(data);
        assert_eq!(s.string().unwrap(), b"abc");
        assert_eq!(s.string().unwrap(), b"-1");
        assert_eq!(s.string().unwrap(), b"12345");
        assert_eq!(s.string().unwrap(), b"2147483647");
        assert_eq!(s.string().unwrap(), vec![b'a'; 100]);
        assert_eq!(s.string(), Err(LoadError::Eof), "64 bytes declared, none there");
    }

    #[test]
    fn checksum_covers_consumed_bytes_only() {
        let mut s = Source::new(&b"123456789trailer"[..]);
        let mut b = [0; 9];
        s.read_into(&mut b).unwrap();
        assert_eq!(s.checksum(), 0xe9c6d914c4b8d9ca);
        assert_eq!(s.offset(), 9);
    }

    #[test]
    fn doubles() {
        let mut s = Source::new(&b"\xff\xfe\x031.5"[..]);
        assert_eq!(s.text_double().unwrap(), f64::NEG_INFINITY);
        assert_eq!(s.text_double().unwrap(), f64::INFINITY);
        assert_eq!(s.text_double().unwrap(), 1.5);
    }
}
