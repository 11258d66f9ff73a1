//! The set value type, as Redis 7.0 encodes sets: an `IntSet` while every
//! member is an integer and there are at most `set-max-intset-entries` of
//! them (`intset`), otherwise a `Table` of members (`hashtable`). A set never
//! goes back to an intset; a new set starts as an intset when its first
//! member is an integer.
//!
//! Members are read as `Elem`s (intset members are integers). The handle is
//! 16 bytes so it sits inline in the key's `Value`.

use super::compact::CompactBytes;
use super::intset::IntSet;
use super::listpack::Elem;
use super::table::{Link, Slot, Table};
use crate::util::number::parse_i64;

/// The threshold from the config (`set-max-intset-entries`).
#[derive(Debug, Clone, Copy)]
pub struct SetLimits {
    pub max_intset_entries: usize,
}

impl Default for SetLimits {
    fn default() -> Self {
        SetLimits { max_intset_entries: 512 }
    }
}

/// A member in the table encoding (32 bytes).
#[derive(Clone)]
pub struct Member {
    member: CompactBytes,
    link: Link,
}

impl Slot for Member {
    #[inline]
    fn key(&self) -> &[u8] {
        &self.member
    }
    #[inline]
    fn link(&self) -> &Link {
        &self.link
    }
    #[inline]
    fn link_mut(&mut self) -> &mut Link {
        &mut self.link
    }
}

#[derive(Clone)]
pub enum Set {
    Ints(IntSet),
    Table(Box<Table<Member>>),
}

impl Default for Set {
    fn default() -> Self {
        Set::new_ints()
    }
}

#[inline]
fn as_int(m: &[u8]) -> Option<i64> {
    if m.len() <= 20 { parse_i64(m) } else { None }
}

impl Set {
    /// An empty set in the encoding Redis picks for a first member `first`.
    pub fn new_for(first: &[u8]) -> Set {
        if as_int(first).is_some() { Set::new_ints() } else { Set::Table(Box::default()) }
    }

    /// An empty intset (what set operations start their result from).
    pub fn new_ints() -> Set {
        Set::Ints(IntSet::new())
    }

    pub fn len(&self) -> usize {
        match self {
            Set::Ints(s) => s.len(),
            Set::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }

    pub fn contains(&self, m: &[u8]) -> bool {
        match self {
            Set::Ints(s) => as_int(m).is_some_and(|v| s.contains(v)),
            Set::Table(t) => t.find(m).is_some(),
        }
    }

    /// Does the set contain `e`? (Saves printing integers for intset pairs.)
    pub fn contains_elem(&self, e: Elem<'_>) -> bool {
        match (self, e) {
            (Set::Ints(s), Elem::Int(v)) => s.contains(v),
            _ => {
                let mut buf = [0u8; 20];
                self.contains(e.bytes(&mut buf))
            }
        }
    }

    fn convert(&mut self) {
        let Set::Ints(s) = self else { return };
        let mut t = Table::with_capacity(s.len() + 1);
        for v in s.iter() {
            let member = Elem::Int(v).to_compact();
            let h = t.hash(&member);
            t.insert_new(h, Member { member, link: Link::default() });
        }
        *self = Set::Table(Box::new(t));
    }

    /// Adds `m`. Returns true if it was not there.
    pub fn add(&mut self, m: &[u8], lim: SetLimits) -> bool {
        if let Set::Ints(s) = self {
            match as_int(m) {
                Some(v) => {
                    if !s.insert(v) {
                        return false;
                    }
                    if s.len() > lim.max_intset_entries.min(1 << 30) {
                        self.convert();
                    }
                    return true;
                }
                None => self.convert(),
            }
        }
        let Set::Table(t) = self else { unreachable!("converted above") };
        let h = t.hash(m);
        if t.find_h(h, m).is_some() {
            return false;
        }
        t.insert_new(h, Member { member: CompactBytes::new(m), link: Link::default() });
        true
    }

    /// Adds an element read from another collection.
    pub fn add_elem(&mut self, e: Elem<'_>, lim: SetLimits) -> bool {
        let mut buf = [0u8; 20];
        self.add(e.bytes(&mut buf), lim)
    }

    /// Removes `m`. Returns true if it was there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self {
            Set::Ints(s) => as_int(m).is_some_and(|v| s.remove(v)),
            Set::Table(t) => match t.find(m) {
                Some(i) => {
                    t.remove_at(i);
                    true
                }
                None => false,
            },
        }
    }

    /// The member at position `i` of `iter()` (O(1)).
    #[inline]
    pub fn nth(&self, i: usize) -> Elem<'_> {
        match self {
            Set::Ints(s) => Elem::Int(s.get(i)),
            Set::Table(t) => Elem::Str(&t.items()[i].member),
        }
    }

    /// Removes the member at position `i` and returns it.
    pub fn remove_nth(&mut self, i: usize) -> CompactBytes {
        match self {
            Set::Ints(s) => Elem::Int(s.remove_at(i)).to_compact(),
            Set::Table(t) => t.remove_at(i as u32).member,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Elem<'_>> + '_ {
        (0..self.len()).map(|i| self.nth(i))
    }

    /// One step of SSCAN: an intset returns everything with cursor 0, the
    /// table one bucket chain.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(Elem<'_>)) -> u64 {
        match self {
            Set::Ints(_) => {
                self.iter().for_each(f);
                0
            }
            Set::Table(t) => t.scan(cursor, |m| f(Elem::Str(&m.member))),
        }
    }

    /// Approximate heap bytes owned.
    pub fn heap_size(&self) -> usize {
        match self {
            Set::Ints(s) => s.heap_size(),
            Set::Table(t) => {
                std::mem::size_of::<Table<Member>>()
                    + t.heap_size()
                    + t.items().iter().map(|m| m.member.heap_size()).sum::<usize>()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(std::mem::size_of::<Set>(), 16);
        assert_eq!(std::mem::size_of::<Member>(), 32);
    }

    #[test]
    fn intset_until_a_string_or_too_many() {
        let lim = SetLimits { max_intset_entries: 3 };
        let mut s = Set::new_for(b"1");
        assert_eq!(s.encoding(), "intset");
        assert!(s.add(b"1", lim));
        assert!(!s.add(b"1", lim));
        assert!(s.add(b"-5", lim));
        assert!(s.add(b"7", lim));
        assert_eq!(s.encoding(), "intset");
        assert_eq!(
            s.iter().map(|e| e.to_vec()).collect::<Vec<_>>(),
            vec![b"-5".to_vec(), b"1".to_vec(), b"7".to_vec()]
        );
        assert!(s.add(b"8", lim));
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"-5") && s.contains(b"8") && !s.contains(b"9"));

        let mut s = Set::new_for(b"1");
        s.add(b"1", lim);
        assert!(s.add(b"x", lim));
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"1") && s.contains(b"x"));
        assert!(!s.contains(b"01"));
        assert_eq!(Set::new_for(b"01").encoding(), "hashtable");
    }

    #[test]
    fn remove_nth_empties() {
        let lim = SetLimits::default();
        let mut s = Set::new_for(b"a");
        for m in [&b"a"[..], b"b", b"c"] {
            s.add(m, lim);
        }
        let mut got: Vec<Vec<u8>> = (0..3).map(|_| s.remove_nth(0).to_vec()).collect();
        got.sort();
        assert_eq!(got, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert!(s.is_empty());
    }
}
