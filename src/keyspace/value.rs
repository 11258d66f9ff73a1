//! What a key holds. One enum, 24 bytes, so it lives inline in the table's
//! node; lists and streams are boxed, hashes, sets and sorted sets are 16-byte handles
//! held inline (their small encodings are then one heap block), and their
//! representations belong to `crate::types`. Strings up to 22 bytes are stored inline.

use crate::types::compact::CompactBytes;
use crate::types::{Hash, List, Set, Stream, ZSet};
use crate::util::number::parse_i64;

#[derive(Clone)]
pub enum Value {
    /// A string as SET stores it (Redis's `int`/`embstr`/`raw` by content).
    Str(CompactBytes),
    /// A string Redis creates without trying the integer encoding
    /// (INCRBYFLOAT's result): `embstr`/`raw` whatever its content. Boxed:
    /// a second inline `CompactBytes` variant would make `Value` 32 bytes
    /// (and the key node 88), and these values are rare.
    Embstr(Box<CompactBytes>),
    /// A string edited in place by APPEND/SETRANGE/SETBIT: keeps spare
    /// capacity so repeated appends are amortized O(1) (Redis's `raw`).
    Raw(Box<Vec<u8>>),
    List(Box<List>),
    Hash(Hash),
    Set(Set),
    ZSet(ZSet),
    Stream(Box<Stream>),
}

/// Values whose `free_effort` exceeds this are freed in the background
/// by a lazy delete (Redis's `LAZYFREE_THRESHOLD`).
pub const LAZYFREE_THRESHOLD: usize = 64;

/// Redis's largest `embstr`: longer strings report `raw`.
const EMBSTR_MAX: usize = 44;

impl Value {
    pub fn string(bytes: &[u8]) -> Value {
        Value::Str(CompactBytes::new(bytes))
    }

    pub fn from_vec(v: Vec<u8>) -> Value {
        Value::Str(CompactBytes::from_vec(v))
    }

    /// A string that never reports the `int` encoding (see `Value::Embstr`).
    pub fn string_no_int(bytes: &[u8]) -> Value {
        Value::Embstr(Box::new(CompactBytes::new(bytes)))
    }

    /// The bytes of a string value; `None` for other types.
    #[inline]
    pub fn as_str(&self) -> Option<&[u8]> {
        match self {
            Value::Str(s) => Some(s.as_bytes()),
            Value::Embstr(s) => Some(s.as_bytes()),
            Value::Raw(v) => Some(v),
            _ => None,
        }
    }

    /// A growable view of a string value for in-place edits; converts the
    /// compact form to `Raw` first. `None` for other types.
    pub fn string_mut(&mut self) -> Option<&mut Vec<u8>> {
        let compact = match self {
            Value::Str(s) => Some(s),
            Value::Embstr(s) => Some(&mut **s),
            _ => None,
        };
        if let Some(s) = compact {
            let bytes = std::mem::replace(s, CompactBytes::empty()).into_vec();
            *self = Value::Raw(Box::new(bytes));
        }
        match self {
            Value::Raw(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::Str(_) | Value::Embstr(_) | Value::Raw(_))
    }

    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) | Value::Embstr(_) | Value::Raw(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The name OBJECT ENCODING reports, as Redis 7.0 would.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => {
                if s.len() <= 20 && parse_i64(s).is_some() {
                    "int"
                } else if s.len() <= EMBSTR_MAX {
                    "embstr"
                } else {
                    "raw"
                }
            }
            Value::Embstr(s) => {
                if s.len() <= EMBSTR_MAX {
                    "embstr"
                } else {
                    "raw"
                }
            }
            Value::Raw(_) => "raw",
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
            Value::Stream(_) => "stream",
        }
    }

    /// How much work freeing the value is (Redis's `lazyfreeGetFreeEffort`):
    /// the allocations of its big encodings, 1 for everything else. Above
    /// `LAZYFREE_THRESHOLD` a lazy delete hands the value to the background
    /// thread.
    pub fn free_effort(&self) -> usize {
        match self {
            Value::List(l) => l.chunk_count(),
            Value::Set(s) if s.encoding() == "hashtable" => s.len(),
            Value::ZSet(z) if !z.is_packed() => z.len(),
            Value::Hash(h) if h.encoding() == "hashtable" => h.len(),
            Value::Stream(s) => {
                // One allocation per radix tree node (counted exactly only
                // when it could decide), and per group and pending entry,
                // the first group's PEL standing for all.
                let nodes = if s.node_count() > LAZYFREE_THRESHOLD { s.node_count() } else { s.rax_node_count() };
                let groups = s.groups.values().next().map_or(0, |g| s.groups.len() * (1 + g.pel.len()));
                nodes + groups
            }
            _ => 1,
        }
    }

    /// Bytes allocated for the value beyond its slot in the key's node, as
    /// MEMORY USAGE reports them: allocator sizes, and for large
    /// collections the table plus the strings of `samples` elements scaled
    /// to all (Redis's `objectComputeSize`; `usize::MAX` counts all).
    pub fn memory_usage(&self, samples: usize) -> usize {
        use crate::alloc::usable_size;
        match self {
            Value::Str(s) => s.alloc_size(),
            Value::Embstr(s) => usable_size(std::mem::size_of::<CompactBytes>()) + s.alloc_size(),
            Value::Raw(v) => usable_size(std::mem::size_of::<Vec<u8>>()) + usable_size(v.capacity()),
            Value::List(l) => usable_size(std::mem::size_of::<crate::types::List>()) + l.heap_size(),
            Value::Hash(h) => h.memory_usage(samples),
            Value::Set(s) => s.memory_usage(samples),
            Value::ZSet(z) => z.memory_usage(samples),
            Value::Stream(s) => s.heap_size(),
        }
    }

    /// Approximate heap bytes owned by the value (for MEMORY USAGE, freeing
    /// decisions and the dataset estimate).
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(s) => s.heap_size(),
            Value::Embstr(s) => s.heap_size() + std::mem::size_of::<CompactBytes>(),
            Value::Raw(v) => v.capacity() + std::mem::size_of::<Vec<u8>>(),
            Value::List(l) => l.heap_size(),
            Value::Hash(h) => h.heap_size(),
            Value::Set(s) => s.heap_size(),
            Value::ZSet(z) => z.heap_size(),
            Value::Stream(s) => s.heap_size(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_24_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn string_encodings_follow_redis() {
        assert_eq!(Value::string(b"12345").encoding(), "int");
        assert_eq!(Value::string(b"012").encoding(), "embstr");
        assert_eq!(Value::string(&[b'a'; 44]).encoding(), "embstr");
        assert_eq!(Value::string(&[b'a'; 45]).encoding(), "raw");
        let mut v = Value::string(b"1");
        v.string_mut().unwrap().push(b'2');
        assert_eq!(v.as_str(), Some(&b"12"[..]));
        assert_eq!(v.encoding(), "raw");
    }
}
