//! Data structures behind the non-string value types. Each module owns its
//! representation (compact for small, indexed for large) behind one API.
//! Also the building blocks: `CompactBytes` and the generic chained `Dict`
//! (the keyspace), `Listpack` and `IntSet` (small collections), `Table`
//! (the dense hash table of large collections) and `bits` (the bit routines
//! of SETBIT/BITCOUNT/BITPOS/BITOP/BITFIELD on strings), `hyperloglog`
//! (Redis's HLL string layout), `stream` (entries, listpack node
//! accounting, consumer groups) and `geo` (geohashes and distances for GEO
//! sorted sets). Pure data
//! structures: no RESP, no keyspace, no server; imports only `util`.

pub mod bits;
pub mod compact;
pub mod dict;
pub mod geo;
pub mod hash;
pub mod hyperloglog;
pub mod intset;
pub mod list;
pub mod listpack;
pub mod lp_size;
pub mod set;
pub mod stream;
pub mod table;
pub mod zset;

pub use hash::Hash;
pub use list::List;
pub use set::Set;
pub use stream::Stream;
pub use zset::ZSet;
