//! Reads one value of any RDB type Redis writes into `Loaded`, a plain
//! intermediate form (strings, lists of members, pairs): plain encodings,
//! ziplists, listpacks, intsets, zipmaps and quicklists (v1 of ziplists, v2
//! of listpacks and plain nodes), and streams (`super::stream`). Module
//! values and hashes with field expiration are refused by name.

use std::io::Read;

use super::decode::{LoadError, LoadResult, Source, corrupt};
use super::format::{self, ty};
use super::{Elem, intset, listpack, ziplist, zipmap};

/// A value as read from a file, before it becomes one of our types.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    Set(Vec<Vec<u8>>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    ZSet(Vec<(Vec<u8>, f64)>),
    Stream(Box<crate::types::Stream>),
}

impl Loaded {
    /// Collections Redis would skip as empty keys on load.
    pub fn is_empty(&self) -> bool {
        match self {
            Loaded::Str(_) => false,
            Loaded::List(v) | Loaded::Set(v) => v.is_empty(),
            Loaded::Hash(v) => v.is_empty(),
            Loaded::ZSet(v) => v.is_empty(),
            // Redis keeps empty streams (consumer groups may remain).
            Loaded::Stream(_) => false,
        }
    }
}

/// Is `t` a value type byte (as opposed to an opcode or garbage)?
pub fn is_value_type(t: u8) -> bool {
    t <= ty::MODULE_2 || (ty::HASH_ZIPMAP..=ty::HASH_LISTPACK_EX).contains(&t)
}

/// Why a valid type cannot be loaded here, if it cannot.
pub fn unsupported(t: u8) -> Option<&'static str> {
    match t {
        ty::MODULE_PRE_GA | ty::MODULE_2 => Some("module"),
        ty::HASH_METADATA_PRE_GA | ty::HASH_LISTPACK_EX_PRE_GA | ty::HASH_METADATA | ty::HASH_LISTPACK_EX => {
            Some("hash with field expiration (Redis 7.4)")
        }
        _ => None,
    }
}

/// The name Redis gives a module type, from its 64-bit id (9 characters of
/// 6 bits above a 10-bit encoding version).
pub fn module_name(id: u64) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut id = id >> 10;
    let mut name = [0u8; 9];
    for slot in name.iter_mut().rev() {
        *slot = CHARS[(id & 63) as usize];
        id >>= 6;
    }
    String::from_utf8_lossy(&name).into_owned()
}

/// Starting capacity for a collection announced as `n` long: trust the
/// file only so far, grow as members actually arrive.
fn cap(n: u64) -> usize {
    n.min(1 << 16) as usize
}

fn blob_err(what: &'static str) -> LoadError {
    corrupt(what)
}

/// Reads the value of a key of type `t` (the key already read).
pub fn read<R: Read>(src: &mut Source<R>, t: u8) -> LoadResult<Loaded> {
    match t {
        ty::STRING => Ok(Loaded::Str(src.string()?)),
        ty::STREAM_LISTPACKS | ty::STREAM_LISTPACKS_2 | ty::STREAM_LISTPACKS_3 => {
            Ok(Loaded::Stream(Box::new(super::stream::read(src, t)?)))
        }
        ty::LIST | ty::SET => {
            let n = src.length()?;
            let mut v = Vec::with_capacity(cap(n));
            for _ in 0..n {
                v.push(src.string()?);
            }
            Ok(if t == ty::LIST { Loaded::List(v) } else { Loaded::Set(v) })
        }
        ty::ZSET | ty::ZSET_2 => {
            let n = src.length()?;
            let mut v = Vec::with_capacity(cap(n));
            for _ in 0..n {
                let member = src.string()?;
                let score = if t == ty::ZSET { src.text_double()? } else { src.binary_double()? };
                if score.is_nan() {
                    return Err(corrupt("Zset with NAN score detected"));
                }
                v.push((member, score));
            }
            Ok(Loaded::ZSet(v))
        }
        ty::HASH => {
            let n = src.length()?;
            let mut v = Vec::with_capacity(cap(n));
            for _ in 0..n {
                let field = src.string()?;
                let value = src.string()?;
                v.push((field, value));
            }
            Ok(Loaded::Hash(v))
        }
        ty::HASH_ZIPMAP => {
            let blob = src.string()?;
            let mut v = Vec::new();
            zipmap::for_each(&blob, |k, val| v.push((k.to_vec(), val.to_vec()))).map_err(blob_err)?;
            Ok(Loaded::Hash(v))
        }
        ty::LIST_ZIPLIST => {
            let blob = src.string()?;
            let mut v = Vec::new();
            ziplist::for_each(&blob, |e| v.push(e.to_vec())).map_err(blob_err)?;
            Ok(Loaded::List(v))
        }
        ty::SET_INTSET => {
            let blob = src.string()?;
            let mut v = Vec::new();
            intset::for_each(&blob, |x| v.push(x.to_string().into_bytes())).map_err(blob_err)?;
            Ok(Loaded::Set(v))
        }
        ty::SET_LISTPACK => {
            let blob = src.string()?;
            let mut v = Vec::new();
            listpack::for_each(&blob, |e| v.push(e.to_vec())).map_err(blob_err)?;
            Ok(Loaded::Set(v))
        }
        ty::ZSET_ZIPLIST | ty::ZSET_LISTPACK => {
            let blob = src.string()?;
            let mut items = Vec::new();
            packed(t == ty::ZSET_ZIPLIST, &blob, |e| items.push(e))?;
            zset_pairs(&items).map(Loaded::ZSet)
        }
        ty::HASH_ZIPLIST | ty::HASH_LISTPACK => {
            let blob = src.string()?;
            let mut items = Vec::new();
            packed(t == ty::HASH_ZIPLIST, &blob, |e| items.push(e.to_vec()))?;
            if !items.len().is_multiple_of(2) {
                return Err(corrupt("hash with an odd number of elements"));
            }
            let mut v = Vec::with_capacity(items.len() / 2);
            let mut it = items.into_iter();
            while let (Some(f), Some(val)) = (it.next(), it.next()) {
                v.push((f, val));
            }
            Ok(Loaded::Hash(v))
        }
        ty::LIST_QUICKLIST | ty::LIST_QUICKLIST_2 => {
            let nodes = src.length()?;
            let mut v = Vec::new();
            for _ in 0..nodes {
                let container = if t == ty::LIST_QUICKLIST_2 { src.length()? } else { format::QUICKLIST_NODE_PACKED };
                let blob = src.string()?;
                match container {
                    format::QUICKLIST_NODE_PLAIN => v.push(blob),
                    format::QUICKLIST_NODE_PACKED => {
                        packed(t == ty::LIST_QUICKLIST, &blob, |e| v.push(e.to_vec()))?;
                    }
                    other => return Err(corrupt(format!("Quicklist integrity check failed: container {other}"))),
                }
            }
            Ok(Loaded::List(v))
        }
        ty::MODULE_2 | ty::MODULE_PRE_GA => {
            let id = src.length()?;
            Err(LoadError::Unsupported(format!("a value of module type '{}'", module_name(id))))
        }
        _ => match unsupported(t) {
            Some(what) => Err(LoadError::Unsupported(format!("a {what} value"))),
            None => Err(corrupt(format!("Unknown RDB encoding type {t}"))),
        },
    }
}

/// Walks a ziplist (`true`) or a listpack.
fn packed<'a>(ziplist: bool, blob: &'a [u8], f: impl FnMut(Elem<'a>)) -> LoadResult<()> {
    if ziplist { ziplist::for_each(blob, f) } else { listpack::for_each(blob, f) }.map_err(blob_err)
}

fn zset_pairs(items: &[Elem<'_>]) -> LoadResult<Vec<(Vec<u8>, f64)>> {
    if !items.len().is_multiple_of(2) {
        return Err(corrupt("zset with an odd number of elements"));
    }
    items
        .chunks_exact(2)
        .map(|pair| {
            let score = pair[1].to_f64().filter(|s| !s.is_nan()).ok_or_else(|| corrupt("bad zset score"))?;
            Ok((pair[0].to_vec(), score))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_payload(bytes: &[u8]) -> LoadResult<Loaded> {
        let mut src = Source::new(bytes);
        let t = src.u8()?;
        read(&mut src, t)
    }

    /// DUMP payloads from Redis 7.0.15 (footer stripped).
    #[test]
    fn redis_7_payloads() {
        assert_eq!(
            read_payload(b"\x10\x14\x14\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x83bcd\x04\xde\xd4\x02\xff").unwrap(),
            Loaded::Hash(vec![(b"a".to_vec(), b"1".to_vec()), (b"bcd".to_vec(), b"-300".to_vec())])
        );
        assert_eq!(
            read_payload(b"\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\xfe\xff\x01\x00\x05\x00").unwrap(),
            Loaded::Set(vec![b"-2".to_vec(), b"1".to_vec(), b"5".to_vec()])
        );
        assert_eq!(
            read_payload(b"\x12\x01\x02\x13\x13\x00\x00\x00\x03\x00\x81a\x02\x01\x01\x85hello\x06\xff").unwrap(),
            Loaded::List(vec![b"a".to_vec(), b"1".to_vec(), b"hello".to_vec()])
        );
        assert_eq!(
            read_payload(b"\x11\x14\x14\x00\x00\x00\x04\x00\x81a\x02\x831.5\x04\x81b\x02\x02\x01\xff").unwrap(),
            Loaded::ZSet(vec![(b"a".to_vec(), 1.5), (b"b".to_vec(), 2.0)])
        );
    }

    #[test]
    fn plain_types() {
        let mut p = vec![ty::ZSET_2, 1, 1, b'm'];
        p.extend_from_slice(&2.5f64.to_le_bytes());
        assert_eq!(read_payload(&p).unwrap(), Loaded::ZSet(vec![(b"m".to_vec(), 2.5)]));
        assert_eq!(
            read_payload(b"\x03\x01\x01m\x04-inf").unwrap(),
            Loaded::ZSet(vec![(b"m".to_vec(), f64::NEG_INFINITY)])
        );
        assert_eq!(read_payload(b"\x04\x01\x01f\x01v").unwrap(), Loaded::Hash(vec![(b"f".to_vec(), b"v".to_vec())]));
        assert_eq!(read_payload(b"\x01\x02\x01a\xc0\x07").unwrap(), Loaded::List(vec![b"a".to_vec(), b"7".to_vec()]));
        assert!(matches!(read_payload(b"\x06\x00"), Err(LoadError::Unsupported(_))), "module values");
        assert!(matches!(read_payload(b"\x08\x00"), Err(LoadError::Corrupt(_))));
    }

    #[test]
    fn module_names() {
        // A module id is name (9 × 6 bits) << 10 | encoding version.
        let id = (0..9).fold(0u64, |acc, i| (acc << 6) | [32, 34, 52, 48, 49, 51, 53, 40, 37][i]) << 10 | 3;
        assert_eq!(module_name(id), "gi0wxz1ol");
    }
}
