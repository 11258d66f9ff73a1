//! DUMP / RESTORE payloads, as Redis's `createDumpPayload` and
//! `verifyDumpPayload`: the value's type byte and body in RDB encoding,
//! then the RDB version (2 bytes) and a CRC-64 of everything before it
//! (8 bytes), both little-endian.

use super::crc64;
use super::decode::{LoadResult, Source};
use super::encode;
use super::format;
use super::object::{self, Loaded};
use crate::keyspace::Value;

/// The payload DUMP answers for `v`.
pub fn create(v: &Value, compress: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    out.push(encode::value_type(v));
    encode::value(&mut out, v, compress);
    out.extend_from_slice(&format::RDB_VERSION.to_le_bytes());
    let crc = crc64::checksum(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Is the footer sound: a version we read and (unless skipped) a matching
/// checksum? Redis 7.0 accepts versions up to its own (10); we read every
/// version up to 12.
pub fn verify(p: &[u8], skip_checksum: bool) -> bool {
    if p.len() < 10 {
        return false;
    }
    let footer = &p[p.len() - 10..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > format::RDB_MAX_VERSION {
        return false;
    }
    skip_checksum || crc64::checksum(&p[..p.len() - 8]).to_le_bytes() == footer[2..]
}

/// The value in a verified payload.
pub fn parse(p: &[u8]) -> LoadResult<Loaded> {
    let mut src = Source::new(&p[..p.len() - 10]);
    let t = src.u8()?;
    if !object::is_value_type(t) {
        return Err(super::decode::corrupt("bad type"));
    }
    object::read(&mut src, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_match_redis() {
        // Redis 7.0.15: SET k3 12345; DUMP k3.
        let p = create(&Value::string(b"12345"), true);
        assert_eq!(p, b"\x00\xc190\n\x00\x9d\x94\xea'\x93\xfc\x08\xb9");
        assert!(verify(&p, false));
        assert_eq!(parse(&p).unwrap(), Loaded::Str(b"12345".to_vec()));
        let p = create(&Value::string(&[b'a'; 100]), true);
        assert_eq!(p, b"\x00\xc3\t@d\x01aa\xe0W\x00\x01aa\n\x00\xe8\xa3\xb5\x07\xb0m\xf2q");
        let mut bad = p.clone();
        bad[3] ^= 1;
        assert!(!verify(&bad, false));
        assert!(verify(&bad, true));
        assert!(!verify(b"\x00\x01a", false));
    }
}
