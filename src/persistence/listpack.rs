//! Decoder and writer of Redis's listpack (the compact encoding of lists, hashes,
//! sets and sorted sets since 7.0): `total u32, count u16, elements, 0xFF`;
//! each element is `encoding+data, backlen` where backlen encodes the
//! element's size backwards in 1 to 5 bytes.

use super::Elem;
use crate::types::lp_size;
use crate::util::number::parse_i64;

/// Calls `f` with each element. Fails on any malformed byte.
pub fn for_each<'a>(lp: &'a [u8], mut f: impl FnMut(Elem<'a>)) -> Result<(), &'static str> {
    const BAD: &str = "listpack integrity check failed";
    if lp.len() < 7 {
        return Err(BAD);
    }
    let total = u32::from_le_bytes(lp[0..4].try_into().expect("4 bytes")) as usize;
    let count = u16::from_le_bytes(lp[4..6].try_into().expect("2 bytes")) as usize;
    if total != lp.len() || lp[total - 1] != 0xff {
        return Err(BAD);
    }
    let end = total - 1;
    let mut p = 6;
    let mut n = 0usize;
    while p < end {
        let b = lp[p];
        let get = |from: usize, len: usize| lp.get(from..from + len).filter(|_| from + len <= end).ok_or(BAD);
        let int = |from: usize, len: usize| -> Result<i64, &'static str> {
            let s = get(from, len)?;
            let mut w = [0u8; 8];
            w[..len].copy_from_slice(s);
            let shift = 64 - 8 * len as u32;
            Ok((i64::from_le_bytes(w) << shift) >> shift)
        };
        let (elem, size) = if b & 0x80 == 0 {
            (Elem::Int(i64::from(b & 0x7f)), 1)
        } else if b & 0xc0 == 0x80 {
            let len = (b & 0x3f) as usize;
            (Elem::Str(get(p + 1, len)?), 1 + len)
        } else if b & 0xe0 == 0xc0 {
            let raw = (((b & 0x1f) as u16) << 8) | *get(p + 1, 1)?.first().ok_or(BAD)? as u16;
            // 13-bit two's complement.
            let v = ((raw << 3) as i16 >> 3) as i64;
            (Elem::Int(v), 2)
        } else if b & 0xf0 == 0xe0 {
            let len = (((b & 0x0f) as usize) << 8) | *get(p + 1, 1)?.first().ok_or(BAD)? as usize;
            (Elem::Str(get(p + 2, len)?), 2 + len)
        } else {
            match b {
                0xf0 => {
                    let len = u32::from_le_bytes(get(p + 1, 4)?.try_into().expect("4 bytes")) as usize;
                    (Elem::Str(get(p + 5, len)?), 5 + len)
                }
                0xf1 => (Elem::Int(int(p + 1, 2)?), 3),
                0xf2 => (Elem::Int(int(p + 1, 3)?), 4),
                0xf3 => (Elem::Int(int(p + 1, 4)?), 5),
                0xf4 => (Elem::Int(int(p + 1, 8)?), 9),
                _ => return Err(BAD),
            }
        };
        let blen = lp_size::backlen(size);
        let back = get(p + size, blen)?;
        // The backlen holds `size` in 7-bit groups, most significant group
        // first in memory's last byte; every byte but the first read has
        // its high bit set.
        let mut v = 0usize;
        for (i, &byte) in back.iter().rev().enumerate() {
            v |= ((byte & 0x7f) as usize) << (7 * i);
        }
        if v != size {
            return Err(BAD);
        }
        f(elem);
        n += 1;
        p += size + blen;
    }
    if p != end || (count != u16::MAX as usize && count != n) {
        return Err(BAD);
    }
    Ok(())
}

/// Redis's listpack writer: elements as `lpAppend` encodes them (canonical
/// integers as integers), then `finish` writes the header and terminator.
pub struct Writer {
    buf: Vec<u8>,
    count: usize,
}

impl Writer {
    pub fn new() -> Writer {
        Writer { buf: vec![0; 6], count: 0 }
    }

    /// The element's size written backwards (`lpEncodeBacklen`).
    fn backlen(&mut self, l: usize) {
        if l <= 127 {
            self.buf.push(l as u8);
        } else if l < 16383 {
            self.buf.extend_from_slice(&[(l >> 7) as u8, (l & 127) as u8 | 128]);
        } else if l < 2097151 {
            self.buf.extend_from_slice(&[(l >> 14) as u8, ((l >> 7) & 127) as u8 | 128, (l & 127) as u8 | 128]);
        } else if l < 268435455 {
            self.buf.extend_from_slice(&[
                (l >> 21) as u8,
                ((l >> 14) & 127) as u8 | 128,
                ((l >> 7) & 127) as u8 | 128,
                (l & 127) as u8 | 128,
            ]);
        } else {
            self.buf.extend_from_slice(&[
                (l >> 28) as u8,
                ((l >> 21) & 127) as u8 | 128,
                ((l >> 14) & 127) as u8 | 128,
                ((l >> 7) & 127) as u8 | 128,
                (l & 127) as u8 | 128,
            ]);
        }
    }

    pub fn int(&mut self, v: i64) {
        let start = self.buf.len();
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let uv = if v < 0 { ((1i64 << 13) + v) as u64 } else { v as u64 };
            self.buf.extend_from_slice(&[(uv >> 8) as u8 | 0xC0, uv as u8]);
        } else if let Ok(x) = i16::try_from(v) {
            self.buf.push(0xF1);
            self.buf.extend_from_slice(&x.to_le_bytes());
        } else if (-8_388_608..=8_388_607).contains(&v) {
            self.buf.push(0xF2);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if let Ok(x) = i32::try_from(v) {
            self.buf.push(0xF3);
            self.buf.extend_from_slice(&x.to_le_bytes());
        } else {
            self.buf.push(0xF4);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        let l = self.buf.len() - start;
        self.backlen(l);
        self.count += 1;
    }

    pub fn string(&mut self, s: &[u8]) {
        if s.len() <= 20
            && let Some(v) = parse_i64(s)
        {
            return self.int(v);
        }
        let start = self.buf.len();
        let l = s.len();
        if l < 64 {
            self.buf.push(0x80 | l as u8);
        } else if l < 4096 {
            self.buf.extend_from_slice(&[0xE0 | (l >> 8) as u8, l as u8]);
        } else {
            self.buf.push(0xF0);
            self.buf.extend_from_slice(&(l as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(s);
        let enc = self.buf.len() - start;
        self.backlen(enc);
        self.count += 1;
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(0xFF);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let count = if self.count < 65535 { self.count as u16 } else { 65535 };
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }

    /// A whole listpack from elements already encoded as listpack
    /// elements (a list chunk's bytes).
    pub fn from_encoded(count: usize, body: &[u8]) -> Vec<u8> {
        let mut w = Writer { buf: Vec::with_capacity(body.len() + 7), count };
        w.buf.extend_from_slice(&[0; 6]);
        w.buf.extend_from_slice(body);
        w.finish()
    }
}

impl Default for Writer {
    fn default() -> Self {
        Writer::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_redis_listpack() {
        // HSET h a 1 bcd -300 in Redis 7.0: the listpack in its DUMP.
        let lp = b"\x14\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x83bcd\x04\xde\xd4\x02\xff";
        let mut got = Vec::new();
        for_each(lp, |e| got.push(e.to_vec())).unwrap();
        assert_eq!(got, vec![b"a".to_vec(), b"1".to_vec(), b"bcd".to_vec(), b"-300".to_vec()]);
        assert!(for_each(&lp[..lp.len() - 1], |_| {}).is_err());
        let mut bad = lp.to_vec();
        bad[4] = 5;
        assert!(for_each(&bad, |_| {}).is_err(), "count mismatch");
    }
}
