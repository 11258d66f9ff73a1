//! Data structures behind the non-string value types. Each module owns its
//! representation (compact for small, indexed for large) behind one API.
//! Pure data structures: no RESP, no keyspace, no server; imports only
//! `keyspace::compact` and `util`.

pub mod hash;
pub mod list;
pub mod set;
pub mod zset;

pub use hash::Hash;
pub use list::List;
pub use set::Set;
pub use zset::ZSet;
