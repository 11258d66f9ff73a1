//! CRC-64 as Redis computes it (Jones polynomial, reflected, init 0, no
//! final xor): the RDB trailer and the DUMP payload footer. The `crc`
//! crate's catalogued `CRC_64_REDIS` with a slicing-by-16 table.

use crc::{CRC_64_REDIS, Crc, Digest, Table};

static CRC64: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_REDIS);

/// The CRC-64 of `bytes`.
pub fn checksum(bytes: &[u8]) -> u64 {
    CRC64.checksum(bytes)
}

/// A running CRC-64 over bytes fed in pieces.
pub struct Crc64(Digest<'static, u64, Table<16>>);

impl Default for Crc64 {
    fn default() -> Self {
        Crc64(CRC64.digest())
    }
}

impl Crc64 {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The CRC of everything fed so far (the digest keeps running).
    pub fn value(&self) -> u64 {
        self.0.clone().finalize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_redis_test_vector() {
        // Redis's crc64.c self test: crc64(0, "123456789") = e9c6d914c4b8d9ca.
        assert_eq!(checksum(b"123456789"), 0xe9c6d914c4b8d9ca);
        let mut c = Crc64::default();
        c.update(b"1234");
        c.update(b"56789");
        assert_eq!(c.value(), 0xe9c6d914c4b8d9ca);
    }
}
