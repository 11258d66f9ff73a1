//! Where RDB values meet our `Value`: `into_value` builds a value from what
//! a file or DUMP payload held (in the encoding Redis would give it under the
//! configured thresholds), `write_collection` writes a list, set, sorted set
//! or hash in the plain RDB encodings every Redis version loads (`LIST`,
//! `SET`, `ZSET_2`, `HASH`). Strings need nothing of this.

use std::collections::HashSet;

use super::decode::LoadError;
use super::object::Loaded;
use super::{encode, format, listpack};
use crate::config::Config;
use crate::keyspace::{CompactBytes, Value};
use crate::types::hash::{Hash, HashLimits};
use crate::types::list::{End, List};
use crate::types::listpack::Elem;
use crate::types::set::{Set, SetLimits};
use crate::types::zset::{ZLimits, ZSet};

/// The compact-encoding thresholds loaded values are built with.
#[derive(Debug, Clone, Copy)]
pub struct Encodings {
    pub hash: HashLimits,
    pub set: SetLimits,
    pub zset: ZLimits,
    /// `list-max-listpack-size` (the chunk budget of loaded lists).
    pub list_fill: i32,
}

impl Default for Encodings {
    fn default() -> Encodings {
        Encodings {
            hash: HashLimits::default(),
            set: SetLimits::default(),
            zset: ZLimits::default(),
            list_fill: crate::types::list::DEFAULT_FILL,
        }
    }
}

impl Encodings {
    pub fn from_config(c: &Config) -> Encodings {
        Encodings {
            hash: HashLimits { max_entries: c.hash_max_listpack_entries, max_value: c.hash_max_listpack_value },
            set: SetLimits { max_intset_entries: c.set_max_intset_entries },
            zset: ZLimits { max_entries: c.zset_max_listpack_entries, max_value: c.zset_max_listpack_value },
            list_fill: c.list_max_listpack_size,
        }
    }
}

/// Builds our value from a loaded one. Fails on content Redis rejects
/// (duplicate members or fields).
pub fn into_value(l: Loaded, enc: &Encodings) -> Result<Value, LoadError> {
    match l {
        Loaded::Str(s) => Ok(Value::from_vec(s)),
        Loaded::Stream(s) => Ok(Value::Stream(s)),
        Loaded::List(items) => {
            if items.is_empty() {
                return Err(corrupt("Empty list"));
            }
            let mut list = List::new(enc.list_fill);
            list.push_many(End::Tail, &items);
            Ok(Value::List(Box::new(list)))
        }
        Loaded::Set(members) => {
            let Some(first) = members.first() else { return Err(corrupt("Empty set")) };
            let mut set = Set::new_for(first);
            for m in &members {
                if !set.add(m, enc.set) {
                    return Err(corrupt("Duplicate set members detected"));
                }
            }
            Ok(Value::Set(set))
        }
        Loaded::Hash(pairs) => {
            let mut hash = Hash::new();
            for (f, v) in &pairs {
                if !hash.set(f, v, enc.hash) {
                    return Err(corrupt("Duplicate hash fields detected"));
                }
            }
            Ok(Value::Hash(hash))
        }
        Loaded::ZSet(pairs) => {
            let mut seen = HashSet::with_capacity(pairs.len());
            let mut entries = Vec::with_capacity(pairs.len());
            for (m, score) in pairs {
                if score.is_nan() {
                    return Err(corrupt("Zset with NAN score detected"));
                }
                if !seen.insert(m.clone()) {
                    return Err(corrupt("Duplicate zset fields detected"));
                }
                entries.push((CompactBytes::from_vec(m), score));
            }
            Ok(Value::ZSet(ZSet::from_entries(entries, enc.zset)))
        }
    }
}

fn corrupt(what: &str) -> LoadError {
    LoadError::Corrupt(what.into())
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

/// Appends one element (integers are printed first, as Redis stores them).
fn elem(out: &mut Vec<u8>, e: Elem<'_>, compress: bool) {
    let mut buf = [0u8; 20];
    encode::string(out, e.bytes(&mut buf), compress);
}

/// Appends the body of a collection value (type byte and key already
/// written by `encode::entry`).
pub fn write_collection(out: &mut Vec<u8>, v: &Value, compress: bool) {
    match v {
        Value::Str(_) | Value::Embstr(_) | Value::Raw(_) => unreachable!("strings are written by encode::value"),
        Value::List(l) => {
            // `LIST_QUICKLIST_2`: each chunk as a packed node.
            encode::len(out, l.chunk_count() as u64);
            for (count, body) in l.chunk_entries() {
                encode::len(out, format::QUICKLIST_NODE_PACKED);
                encode::string(out, &listpack::Writer::from_encoded(count, body), compress);
            }
        }
        Value::Set(Set::Ints(i)) => encode::string(out, &i.to_blob(), compress),
        Value::Set(s) => {
            encode::len(out, s.len() as u64);
            s.iter().for_each(|m| elem(out, m, compress));
        }
        Value::Hash(Hash::Packed(_)) => {
            let Value::Hash(h) = v else { unreachable!() };
            let mut lp = listpack::Writer::new();
            for (f, v) in h.iter() {
                lp_elem(&mut lp, f);
                lp_elem(&mut lp, v);
            }
            encode::string(out, &lp.finish(), compress);
        }
        Value::Hash(h) => {
            encode::len(out, h.len() as u64);
            for (f, v) in h.iter() {
                elem(out, f, compress);
                elem(out, v, compress);
            }
        }
        Value::ZSet(z) if z.is_packed() => {
            // Members and scores as `zzlInsertAt` appends them: the score
            // as `d2string` prints it (an integer one is stored as one).
            let mut lp = listpack::Writer::new();
            z.for_each(|m, score| {
                lp_elem(&mut lp, m);
                lp.string(d2string(score).as_bytes());
            });
            encode::string(out, &lp.finish(), compress);
        }
        Value::ZSet(z) => {
            // From the greatest to the smallest, as Redis walks its skiplist.
            encode::len(out, z.len() as u64);
            z.range(0, z.len(), true, |m, score| {
                elem(out, m, compress);
                encode::binary_double(out, score);
            });
        }
        Value::Stream(s) => super::stream::write(out, s, compress),
    }
}

fn lp_elem(lp: &mut listpack::Writer, e: Elem<'_>) {
    match e {
        Elem::Int(v) => lp.int(v),
        other => {
            let mut buf = [0u8; 20];
            lp.string(other.bytes(&mut buf));
        }
    }
}

/// Redis's `d2string`: integral values within ±2^62 as integers, others
/// as `%.17g`.
fn d2string(d: f64) -> String {
    const LIMIT: f64 = (i64::MAX / 2) as f64;
    if d != 0.0 && (-LIMIT..=LIMIT).contains(&d) && (d as i64) as f64 == d {
        return (d as i64).to_string();
    }
    crate::util::number::format_g17(d)
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
