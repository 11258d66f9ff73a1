//! The hash value type. Small hashes are a `Listpack` of field, value,
//! field, value … in insertion order (Redis's `listpack` encoding); a hash
//! that outgrows `hash-max-listpack-entries` or gets a field or value longer
//! than `hash-max-listpack-value` becomes a `Table` of (field, value) pairs
//! (`hashtable`) and never goes back, as in Redis.
//!
//! The handle is 16 bytes so it sits inline in the key's `Value`.

use super::compact::CompactBytes;
use super::listpack::{Elem, Item, Listpack};
use super::table::{Link, Slot, Table};

/// The thresholds from the config (`hash-max-listpack-*`).
#[derive(Debug, Clone, Copy)]
pub struct HashLimits {
    pub max_entries: usize,
    pub max_value: usize,
}

impl Default for HashLimits {
    fn default() -> Self {
        HashLimits { max_entries: 512, max_value: 64 }
    }
}

/// A field and its value in the table encoding.
#[derive(Clone)]
pub struct Pair {
    field: CompactBytes,
    value: CompactBytes,
    link: Link,
}

impl Slot for Pair {
    #[inline]
    fn key(&self) -> &[u8] {
        &self.field
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

impl Pair {
    #[inline]
    fn elems(&self) -> (Elem<'_>, Elem<'_>) {
        (Elem::Str(&self.field), Elem::Str(&self.value))
    }
}

#[derive(Clone)]
pub enum Hash {
    Packed(Listpack),
    Table(Box<Table<Pair>>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

impl Hash {
    pub fn new() -> Hash {
        Hash::Packed(Listpack::new())
    }

    pub fn len(&self) -> usize {
        match self {
            Hash::Packed(lp) => lp.count() / 2,
            Hash::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_packed(&self) -> bool {
        matches!(self, Hash::Packed(_))
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Packed(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<Elem<'_>> {
        match self {
            Hash::Packed(lp) => {
                let off = lp.find(field, 2)?;
                Some(lp.elem_at(lp.skip(off)).0)
            }
            Hash::Table(t) => t.find(field).map(|i| Elem::Str(&t.get(i).value)),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        match self {
            Hash::Packed(lp) => lp.find(field, 2).is_some(),
            Hash::Table(t) => t.find(field).is_some(),
        }
    }

    fn convert(&mut self) {
        let Hash::Packed(lp) = self else { return };
        let mut t = Table::with_capacity(lp.count() / 2);
        let mut it = lp.elems();
        while let (Some(f), Some(v)) = (it.next(), it.next()) {
            let field = f.to_compact();
            let h = t.hash(&field);
            t.insert_new(h, Pair { field, value: v.to_compact(), link: Link::default() });
        }
        *self = Hash::Table(Box::new(t));
    }

    /// Sets `field` to `value`. Returns true if the field is new.
    pub fn set(&mut self, field: &[u8], value: &[u8], lim: HashLimits) -> bool {
        if let Hash::Packed(lp) = self {
            if field.len() > lim.max_value || value.len() > lim.max_value {
                self.convert();
            } else {
                match lp.find(field, 2) {
                    Some(off) => {
                        let v = lp.skip(off);
                        let end = lp.skip(v);
                        lp.splice(v, end, 1, &[Item::Bytes(value)]);
                        return false;
                    }
                    None => {
                        lp.push(&[Item::Bytes(field), Item::Bytes(value)]);
                        if lp.count() / 2 > lim.max_entries {
                            self.convert();
                        }
                        return true;
                    }
                }
            }
        }
        let Hash::Table(t) = self else { unreachable!("converted above") };
        let h = t.hash(field);
        match t.find_h(h, field) {
            Some(i) => {
                t.get_mut(i).value = CompactBytes::new(value);
                false
            }
            None => {
                t.insert_new(
                    h,
                    Pair { field: CompactBytes::new(field), value: CompactBytes::new(value), link: Link::default() },
                );
                true
            }
        }
    }

    /// Removes `field`. Returns true if it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Packed(lp) => match lp.find(field, 2) {
                Some(off) => {
                    let end = lp.skip(lp.skip(off));
                    lp.splice(off, end, 2, &[]);
                    true
                }
                None => false,
            },
            Hash::Table(t) => match t.find(field) {
                Some(i) => {
                    t.remove_at(i);
                    true
                }
                None => false,
            },
        }
    }

    /// Every (field, value), in encoding order.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            Hash::Packed(lp) => Iter::Packed(lp.elems()),
            Hash::Table(t) => Iter::Table(t.items().iter()),
        }
    }

    /// The pair at position `i` of `iter()` (O(1) for tables, O(i) packed).
    pub fn nth(&self, i: usize) -> (Elem<'_>, Elem<'_>) {
        match self {
            Hash::Packed(_) => self.iter().nth(i).expect("index in range"),
            Hash::Table(t) => t.items()[i].elems(),
        }
    }

    /// Every pair, collected (for repeated random picks from a packed hash
    /// without walking it each time).
    pub fn pairs(&self) -> Vec<(Elem<'_>, Elem<'_>)> {
        self.iter().collect()
    }

    /// One step of HSCAN: the compact encoding returns everything with
    /// cursor 0, the table one bucket chain.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(Elem<'_>, Elem<'_>)) -> u64 {
        match self {
            Hash::Packed(_) => {
                for (k, v) in self.iter() {
                    f(k, v);
                }
                0
            }
            Hash::Table(t) => t.scan(cursor, |p| f(Elem::Str(&p.field), Elem::Str(&p.value))),
        }
    }

    /// Approximate heap bytes owned.
    pub fn heap_size(&self) -> usize {
        match self {
            Hash::Packed(lp) => lp.heap_size(),
            Hash::Table(t) => {
                std::mem::size_of::<Table<Pair>>()
                    + t.heap_size()
                    + t.items().iter().map(|p| p.field.heap_size() + p.value.heap_size()).sum::<usize>()
            }
        }
    }
}

/// Iterator over (field, value) pairs.
pub enum Iter<'a> {
    Packed(super::listpack::Elems<'a>),
    Table(std::slice::Iter<'a, Pair>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (Elem<'a>, Elem<'a>);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Packed(it) => Some((it.next()?, it.next()?)),
            Iter::Table(it) => it.next().map(Pair::elems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim(entries: usize, value: usize) -> HashLimits {
        HashLimits { max_entries: entries, max_value: value }
    }

    #[test]
    fn handle_is_16_bytes_and_pair_56() {
        assert_eq!(std::mem::size_of::<Hash>(), 16);
        assert_eq!(std::mem::size_of::<Pair>(), 56);
    }

    #[test]
    fn converts_on_entries_and_value_length() {
        let mut h = Hash::new();
        let l = lim(3, 10);
        assert!(h.set(b"a", b"1", l));
        assert!(!h.set(b"a", b"2", l));
        assert!(h.set(b"b", b"x", l));
        assert!(h.set(b"c", b"12345", l));
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(h.get(b"a"), Some(Elem::Int(2)));
        assert!(h.set(b"d", b"y", l));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 4);
        assert_eq!(h.get(b"c"), Some(Elem::Str(b"12345")));

        let mut h = Hash::new();
        h.set(b"a", b"1", l);
        h.set(b"b", b"01234567890", l);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 2);
        let mut h = Hash::new();
        h.set(b"0123456789a", b"1", l);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn remove_and_iterate_in_insertion_order() {
        let mut h = Hash::new();
        let l = HashLimits::default();
        for i in 0..10 {
            h.set(format!("f{i}").as_bytes(), format!("v{i}").as_bytes(), l);
        }
        assert!(h.remove(b"f3"));
        assert!(!h.remove(b"f3"));
        let fields: Vec<Vec<u8>> = h.iter().map(|(f, _)| f.to_vec()).collect();
        assert_eq!(fields.len(), 9);
        assert_eq!(fields[3], b"f4");
        assert_eq!(h.nth(8).1.to_vec(), b"v9");
        for i in 0..10 {
            h.remove(format!("f{i}").as_bytes());
        }
        assert!(h.is_empty());
    }
}
