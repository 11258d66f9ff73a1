//! `CompactBytes`: an immutable byte string in 24 bytes that keeps up to 22
//! bytes inline (no allocation) and longer ones in one exact-size heap block.
//! Keys, small string values and collection members use it, which is where
//! most of our per-key memory advantage over Redis comes from.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use super::dict::Keyed;

/// Bytes that fit without a heap allocation.
pub const INLINE_CAP: usize = 22;

#[derive(Clone)]
pub enum CompactBytes {
    Inline { len: u8, buf: [u8; INLINE_CAP] },
    Heap(Box<[u8]>),
}

impl CompactBytes {
    pub fn new(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE_CAP {
            let mut buf = [0u8; INLINE_CAP];
            buf[..bytes.len()].copy_from_slice(bytes);
            CompactBytes::Inline { len: bytes.len() as u8, buf }
        } else {
            CompactBytes::Heap(bytes.into())
        }
    }

    pub fn from_vec(v: Vec<u8>) -> Self {
        if v.len() <= INLINE_CAP { Self::new(&v) } else { CompactBytes::Heap(v.into_boxed_slice()) }
    }

    pub fn empty() -> Self {
        CompactBytes::Inline { len: 0, buf: [0; INLINE_CAP] }
    }

    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            CompactBytes::Inline { len, buf } => &buf[..*len as usize],
            CompactBytes::Heap(b) => b,
        }
    }

    /// Heap bytes owned beyond the 24-byte handle itself.
    pub fn heap_size(&self) -> usize {
        match self {
            CompactBytes::Inline { .. } => 0,
            CompactBytes::Heap(b) => b.len(),
        }
    }

    /// Bytes allocated for the string as the allocator counts them (0 inline).
    pub fn alloc_size(&self) -> usize {
        crate::alloc::usable_size(self.heap_size())
    }

    pub fn into_vec(self) -> Vec<u8> {
        match self {
            CompactBytes::Inline { len, buf } => buf[..len as usize].to_vec(),
            CompactBytes::Heap(b) => b.into_vec(),
        }
    }
}

impl Deref for CompactBytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Keyed for CompactBytes {
    #[inline]
    fn key(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<[u8]> for CompactBytes {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for CompactBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for CompactBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for CompactBytes {}

impl PartialOrd for CompactBytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CompactBytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl Hash for CompactBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state)
    }
}

impl fmt::Debug for CompactBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

impl From<&[u8]> for CompactBytes {
    fn from(b: &[u8]) -> Self {
        CompactBytes::new(b)
    }
}

impl From<&str> for CompactBytes {
    fn from(s: &str) -> Self {
        CompactBytes::new(s.as_bytes())
    }
}

impl From<Vec<u8>> for CompactBytes {
    fn from(v: Vec<u8>) -> Self {
        CompactBytes::from_vec(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_24_bytes_and_round_trips() {
        assert_eq!(std::mem::size_of::<CompactBytes>(), 24);
        for len in [0, 1, 22, 23, 1000] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let c = CompactBytes::new(&data);
            assert_eq!(c.as_bytes(), &data[..]);
            assert_eq!(c.heap_size(), if len > INLINE_CAP { len } else { 0 });
            assert_eq!(CompactBytes::from_vec(data.clone()), c);
        }
    }
}
