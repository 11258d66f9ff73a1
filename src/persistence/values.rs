//! Where RDB values meet our `Value`: `into_value` builds a value from what
//! a file or DUMP payload held, `write_collection` writes a list, set,
//! sorted set or hash in the plain RDB encodings every Redis version loads
//! (`LIST`, `SET`, `ZSET_2`, `HASH`). Strings need nothing of this.
//!
//! MERGE NOTE: the list, hash, set and sorted set types are placeholders in
//! this branch (no command creates one). When they land, complete the four
//! arms marked below with their constructors and iterators; nothing else in
//! persistence depends on their representation.

use super::decode::LoadError;
use super::encode;
use super::object::Loaded;
use crate::keyspace::Value;

/// Builds our value from a loaded one. Fails on content our types reject.
pub fn into_value(l: Loaded) -> Result<Value, LoadError> {
    match l {
        Loaded::Str(s) => Ok(Value::from_vec(s)),
        // MERGE: build `Value::List` from the members, in order.
        Loaded::List(_) => Err(not_yet("list")),
        // MERGE: build `Value::Set`; a repeated member is corrupt
        // ("Duplicate set members detected").
        Loaded::Set(_) => Err(not_yet("set")),
        // MERGE: build `Value::Hash`; a repeated field is corrupt
        // ("Duplicate hash fields detected").
        Loaded::Hash(_) => Err(not_yet("hash")),
        // MERGE: build `Value::ZSet`; a repeated member is corrupt
        // ("Duplicate zset fields detected").
        Loaded::ZSet(_) => Err(not_yet("zset")),
    }
}

fn not_yet(kind: &str) -> LoadError {
    LoadError::Unsupported(format!("a {kind} value (this build has no {kind} type yet)"))
}

/// Appends a list body: count, then each member.
pub fn write_list<'a>(out: &mut Vec<u8>, len: usize, items: impl Iterator<Item = &'a [u8]>, compress: bool) {
    encode::len(out, len as u64);
    items.for_each(|m| encode::string(out, m, compress));
}

/// Appends a set body: count, then each member.
pub fn write_set<'a>(out: &mut Vec<u8>, len: usize, items: impl Iterator<Item = &'a [u8]>, compress: bool) {
    write_list(out, len, items, compress);
}

/// Appends a hash body: count, then field and value pairs.
pub fn write_hash<'a>(
    out: &mut Vec<u8>,
    len: usize,
    pairs: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    compress: bool,
) {
    encode::len(out, len as u64);
    for (f, v) in pairs {
        encode::string(out, f, compress);
        encode::string(out, v, compress);
    }
}

/// Appends a `ZSET_2` body: count, then member and binary score pairs.
pub fn write_zset<'a>(out: &mut Vec<u8>, len: usize, pairs: impl Iterator<Item = (&'a [u8], f64)>, compress: bool) {
    encode::len(out, len as u64);
    for (m, score) in pairs {
        encode::string(out, m, compress);
        encode::binary_double(out, score);
    }
}

/// Appends the body of a collection value (type byte and key already
/// written by `encode::entry`).
pub fn write_collection(out: &mut Vec<u8>, v: &Value, compress: bool) {
    match v {
        Value::Str(_) | Value::Raw(_) => unreachable!("strings are written by encode::value"),
        // MERGE: iterate the members (`write_list(out, l.len(), ..)`).
        Value::List(l) => write_list(out, l.len(), std::iter::empty(), compress),
        // MERGE: iterate the members.
        Value::Set(s) => write_set(out, s.len(), std::iter::empty(), compress),
        // MERGE: iterate field/value pairs.
        Value::Hash(h) => write_hash(out, h.len(), std::iter::empty(), compress),
        // MERGE: iterate member/score pairs.
        Value::ZSet(z) => write_zset(out, z.len(), std::iter::empty(), compress),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persistence::decode::Source;
    use crate::persistence::object;

    /// What the writers produce reads back through the loader.
    #[test]
    fn plain_encodings_round_trip() {
        let mut out = vec![crate::persistence::format::ty::HASH];
        write_hash(&mut out, 2, [(&b"f"[..], &b"12"[..]), (&b"g"[..], &[b'x'; 40][..])].into_iter(), true);
        let mut src = Source::new(&out[..]);
        let t = src.u8().unwrap();
        assert_eq!(
            object::read(&mut src, t).unwrap(),
            Loaded::Hash(vec![(b"f".to_vec(), b"12".to_vec()), (b"g".to_vec(), vec![b'x'; 40])])
        );
        let mut out = vec![crate::persistence::format::ty::ZSET_2];
        write_zset(&mut out, 1, [(&b"m"[..], -0.5)].into_iter(), false);
        let mut src = Source::new(&out[..]);
        let t = src.u8().unwrap();
        assert_eq!(object::read(&mut src, t).unwrap(), Loaded::ZSet(vec![(b"m".to_vec(), -0.5)]));
    }
}
