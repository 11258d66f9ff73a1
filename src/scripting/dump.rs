//! FUNCTION DUMP / FUNCTION RESTORE payloads, in Redis's format: for each
//! library the RDB opcode FUNCTION2 (245) and the library code as an RDB
//! string, then the RDB version (2 bytes, little endian) and the CRC64
//! (Jones polynomial, as Redis's `crc64`) of everything before it. Codes are
//! written uncompressed; LZF-compressed and integer-encoded strings (what
//! redis-server may write) are read.

/// The RDB version written and the newest accepted.
const RDB_VERSION: u16 = 10;
const OPCODE_FUNCTION: u8 = 246;
const OPCODE_FUNCTION2: u8 = 245;

/// Redis's `crc64`: reflected Jones polynomial, initial value 0.
pub fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    const POLY: u64 = 0x95ac_9329_ac4b_c9b5;
    for &b in data {
        crc ^= u64::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ POLY } else { crc >> 1 };
        }
    }
    crc
}

fn put_length(out: &mut Vec<u8>, len: usize) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(0x40 | (len >> 8) as u8);
        out.push(len as u8);
    } else if len <= u32::MAX as usize {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// The payload of FUNCTION DUMP for these library codes.
pub fn dump<'a>(codes: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(OPCODE_FUNCTION2);
        put_length(&mut out, code.len());
        out.extend_from_slice(code);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Why a payload cannot be restored (Redis's texts, without `ERR `).
#[derive(Debug, PartialEq, Eq)]
pub enum RestoreError {
    /// Bad version or checksum.
    Payload,
    Text(&'static str),
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    /// An RDB length, or the special encoding it announces.
    fn length(&mut self) -> Option<(usize, Option<u8>)> {
        let first = self.byte()?;
        Some(match first >> 6 {
            0 => (usize::from(first & 0x3f), None),
            1 => ((usize::from(first & 0x3f) << 8) | usize::from(self.byte()?), None),
            2 => match first {
                0x80 => (u32::from_be_bytes(self.take(4)?.try_into().ok()?) as usize, None),
                0x81 => (u64::from_be_bytes(self.take(8)?.try_into().ok()?) as usize, None),
                _ => return None,
            },
            _ => (0, Some(first & 0x3f)),
        })
    }

    fn string(&mut self) -> Option<Vec<u8>> {
        let (len, special) = self.length()?;
        match special {
            None => Some(self.take(len)?.to_vec()),
            Some(0) => Some((self.byte()? as i8).to_string().into_bytes()),
            Some(1) => Some(i16::from_le_bytes(self.take(2)?.try_into().ok()?).to_string().into_bytes()),
            Some(2) => Some(i32::from_le_bytes(self.take(4)?.try_into().ok()?).to_string().into_bytes()),
            Some(3) => {
                let (clen, _) = self.length()?;
                let (len, _) = self.length()?;
                lzf_decompress(self.take(clen)?, len)
            }
            _ => None,
        }
    }
}

/// LZF decompression (what Redis compresses RDB strings with).
fn lzf_decompress(input: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(len);
    let mut i = 0;
    while i < input.len() {
        let ctrl = usize::from(input[i]);
        i += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            out.extend_from_slice(input.get(i..i + run)?);
            i += run;
        } else {
            let mut n = ctrl >> 5;
            if n == 7 {
                n += usize::from(*input.get(i)?);
                i += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + usize::from(*input.get(i)?) + 1;
            i += 1;
            let start = out.len().checked_sub(back)?;
            for k in 0..n + 2 {
                let b = out[start + k];
                out.push(b);
            }
        }
    }
    (out.len() == len).then_some(out)
}

/// The library codes in a FUNCTION RESTORE payload.
pub fn parse(data: &[u8]) -> Result<Vec<Vec<u8>>, RestoreError> {
    if data.len() < 10 {
        return Err(RestoreError::Payload);
    }
    let footer = &data[data.len() - 10..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    let crc = u64::from_le_bytes(footer[2..].try_into().expect("8 bytes"));
    if version > RDB_VERSION || crc64(0, &data[..data.len() - 8]) != crc {
        return Err(RestoreError::Payload);
    }
    let mut r = Reader { data: &data[..data.len() - 10], pos: 0 };
    let mut codes = Vec::new();
    while r.pos < r.data.len() {
        let Some(kind) = r.byte() else {
            return Err(RestoreError::Text("can not read data type"));
        };
        if kind != OPCODE_FUNCTION2 && kind != OPCODE_FUNCTION {
            return Err(RestoreError::Text("given type is not a function"));
        }
        if kind == OPCODE_FUNCTION {
            // The pre-GA format (name, engine, description, code) is not read.
            return Err(RestoreError::Text("failed loading the given functions payload"));
        }
        match r.string() {
            Some(code) => codes.push(code),
            None => return Err(RestoreError::Text("failed loading the given functions payload")),
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_as_redis() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        // redis-server's FUNCTION DUMP with no libraries.
        assert_eq!(dump(std::iter::empty()), b"\n\0]\x9b\\@\x0f\x7f\xa2\xda");
    }

    #[test]
    fn round_trip_and_redis_encodings() {
        let long = vec![b'x'; 20000];
        let codes: Vec<&[u8]> = vec![b"#!lua name=a\nreturn 1", &long];
        let payload = dump(codes.iter().copied());
        assert_eq!(parse(&payload).unwrap(), vec![codes[0].to_vec(), long.clone()]);
        let mut bad = payload.clone();
        bad[3] ^= 1;
        assert_eq!(parse(&bad), Err(RestoreError::Payload));
        // An LZF-compressed string: "aaaaaaaaaa" as literal 'a' + back-reference.
        assert_eq!(lzf_decompress(&[0x00, b'a', 0xe0, 0x00, 0x00], 10).unwrap(), b"aaaaaaaaaa");
    }
}
