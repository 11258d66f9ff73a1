//! `IntSet`: Redis's intset. A sorted array of distinct integers in one
//! exact-size block, each stored in the narrowest width that fits every
//! member (2, 4 or 8 bytes); the width only grows. Membership is a binary
//! search. Small all-integer sets use it (`set-max-intset-entries`).

/// Layout: byte 0 is the width in bytes; then the members, little endian,
/// ascending. The empty set owns no heap block.
#[derive(Clone, Default)]
pub struct IntSet {
    buf: Box<[u8]>,
}

fn width_for(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

impl IntSet {
    pub fn new() -> IntSet {
        IntSet { buf: Box::default() }
    }

    #[inline]
    fn width(&self) -> usize {
        if self.buf.is_empty() { 2 } else { self.buf[0] as usize }
    }

    /// Redis's intset blob (`encoding u32`, `length u32`, the members
    /// little endian), as the RDB stores it.
    pub fn to_blob(&self) -> Vec<u8> {
        let w = self.width();
        let mut out = Vec::with_capacity(8 + self.len() * w);
        out.extend_from_slice(&(w as u32).to_le_bytes());
        out.extend_from_slice(&(self.len() as u32).to_le_bytes());
        if !self.buf.is_empty() {
            out.extend_from_slice(&self.buf[1..]);
        }
        out
    }

    pub fn len(&self) -> usize {
        if self.buf.is_empty() { 0 } else { (self.buf.len() - 1) / self.width() }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The member at position `i` (ascending order).
    #[inline]
    pub fn get(&self, i: usize) -> i64 {
        let w = self.width();
        let p = 1 + i * w;
        let b = &self.buf[p..p + w];
        match w {
            2 => i16::from_le_bytes([b[0], b[1]]) as i64,
            4 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            _ => i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }

    /// `Ok(position)` if present, else `Err(insertion point)`.
    fn search(&self, v: i64) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid).cmp(&v) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    pub fn contains(&self, v: i64) -> bool {
        if width_for(v) > self.width() {
            return false;
        }
        self.search(v).is_ok()
    }

    /// Adds `v`; false if it was already there.
    pub fn insert(&mut self, v: i64) -> bool {
        let pos = match self.search(v) {
            Ok(_) => return false,
            Err(p) => p,
        };
        let n = self.len();
        let w = self.width().max(width_for(v));
        let mut out = Vec::with_capacity(1 + (n + 1) * w);
        out.push(w as u8);
        let put = |out: &mut Vec<u8>, x: i64| out.extend_from_slice(&x.to_le_bytes()[..w]);
        if w == self.width() && n > 0 {
            let split = 1 + pos * w;
            out.extend_from_slice(&self.buf[1..split]);
            put(&mut out, v);
            out.extend_from_slice(&self.buf[split..]);
        } else {
            for i in 0..pos {
                put(&mut out, self.get(i));
            }
            put(&mut out, v);
            for i in pos..n {
                put(&mut out, self.get(i));
            }
        }
        self.buf = out.into_boxed_slice();
        true
    }

    /// Removes `v`; false if it was not there.
    pub fn remove(&mut self, v: i64) -> bool {
        if width_for(v) > self.width() {
            return false;
        }
        let Ok(pos) = self.search(v) else {
            return false;
        };
        self.remove_at(pos);
        true
    }

    /// Removes the member at position `i` and returns it.
    pub fn remove_at(&mut self, i: usize) -> i64 {
        let v = self.get(i);
        if self.len() == 1 {
            self.buf = Box::default();
            return v;
        }
        let w = self.width();
        let mut out = std::mem::take(&mut self.buf).into_vec();
        out.drain(1 + i * w..1 + (i + 1) * w);
        self.buf = out.into_boxed_slice();
        v
    }

    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Heap bytes owned.
    /// Bytes allocated for the block, as the allocator counts them.
    pub fn alloc_size(&self) -> usize {
        crate::alloc::usable_size(self.buf.len())
    }

    pub fn heap_size(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_distinct_and_upgrades() {
        let mut s = IntSet::new();
        assert!(s.insert(5));
        assert!(s.insert(-3));
        assert!(!s.insert(5));
        assert_eq!(s.heap_size(), 1 + 2 * 2);
        assert!(s.insert(70000));
        assert_eq!(s.heap_size(), 1 + 3 * 4);
        assert!(s.insert(i64::MIN));
        assert!(s.insert(i64::MAX));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![i64::MIN, -3, 5, 70000, i64::MAX]);
        assert!(s.contains(70000) && !s.contains(6));
        assert!(s.remove(-3));
        assert!(!s.remove(-3));
        assert_eq!(s.remove_at(0), i64::MIN);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![5, 70000, i64::MAX]);
        for v in [5, 70000, i64::MAX] {
            assert!(s.remove(v));
        }
        assert!(s.is_empty());
        assert_eq!(s.heap_size(), 0);
    }

    #[test]
    fn narrow_set_rejects_wide_values_fast() {
        let mut s = IntSet::new();
        s.insert(1);
        assert!(!s.contains(1 << 40));
        assert!(!s.remove(1 << 40));
    }
}
