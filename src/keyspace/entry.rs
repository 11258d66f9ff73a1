//! One key of a database: the key, its value, its TTL and its meta bits, as
//! stored in the key table. With the table's link it makes a 72-byte node
//! (one 80-byte malloc chunk).

use crate::types::compact::CompactBytes;
use crate::types::dict::Keyed;

use super::value::Value;

pub struct Entry {
    key: CompactBytes,
    pub value: Value,
    /// Absolute expiry in Unix ms; 0 when the key has no TTL.
    pub(super) expire: u64,
    /// Low 24 bits: LRU clock (or LFU data); high bits: flags (see `db`).
    pub meta: u32,
}

impl Entry {
    pub(super) fn new(key: CompactBytes, value: Value, expire: u64, meta: u32) -> Entry {
        Entry { key, value, expire, meta }
    }

    pub fn key(&self) -> &CompactBytes {
        &self.key
    }

    /// Absolute expiry in Unix ms, if any.
    pub fn expire(&self) -> Option<u64> {
        (self.expire != 0).then_some(self.expire)
    }

    /// Takes the key, value and expiry (0 = none) out.
    pub fn into_parts(self) -> (CompactBytes, Value, u64) {
        (self.key, self.value, self.expire)
    }
}

impl Keyed for Entry {
    #[inline]
    fn key(&self) -> &[u8] {
        self.key.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn node_is_72_bytes() {
        assert_eq!(std::mem::size_of::<crate::types::dict::Node<super::Entry>>(), 72);
    }
}
