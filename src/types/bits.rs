//! Bit-level routines on byte strings: what SETBIT, GETBIT, BITCOUNT,
//! BITPOS, BITOP and BITFIELD compute, free of RESP and of the keyspace.
//!
//! Bit 0 of a string is the most significant bit of its first byte (Redis's
//! convention); bit fields read and write big-endian across byte
//! boundaries. Reads past the end of a string see zeros. Writers take a
//! slice already long enough (`grow_zeroed` makes it so, growing a `Vec`
//! greedily as Redis's `sdsMakeRoomFor` does: double below 1 MiB, +1 MiB
//! above). Counting and searching go a word at a time: no per-bit loops
//! over a range. Imports nothing of the crate.

/// How far `grow_zeroed` over-allocates: doubling up to here, then this much.
const GROW_GREEDY_LIMIT: usize = 1 << 20;

/// Set bits in `s`.
pub fn popcount(s: &[u8]) -> u64 {
    let mut words = s.chunks_exact(8);
    // LLVM vectorizes this loop (SWAR in vector registers), ~8 GB/s.
    let mut n: u64 = 0;
    for w in &mut words {
        n += u64::from(u64::from_ne_bytes(w.try_into().expect("8 bytes")).count_ones());
    }
    n + words.remainder().iter().map(|b| u64::from(b.count_ones())).sum::<u64>()
}

/// The bits of byte `i` (0 = most significant) from bit `from` onwards.
#[inline]
fn mask_from(from: u64) -> u8 {
    0xff >> (from & 7)
}

/// The bits of a byte up to and including bit `to` (0 = most significant).
#[inline]
fn mask_to(to: u64) -> u8 {
    0xff << (7 - (to & 7))
}

/// Set bits in the inclusive bit range `first..=last`; `last` must lie
/// within `s`.
pub fn count_range(s: &[u8], first: u64, last: u64) -> u64 {
    debug_assert!(first <= last && last < s.len() as u64 * 8);
    let (fb, lb) = ((first >> 3) as usize, (last >> 3) as usize);
    if fb == lb {
        return u64::from((s[fb] & mask_from(first) & mask_to(last)).count_ones());
    }
    u64::from((s[fb] & mask_from(first)).count_ones())
        + popcount(&s[fb + 1..lb])
        + u64::from((s[lb] & mask_to(last)).count_ones())
}

/// The first bit equal to `bit` in the inclusive range `first..=last`
/// (which must lie within `s`), or `None`.
pub fn find_bit(s: &[u8], bit: bool, first: u64, last: u64) -> Option<u64> {
    debug_assert!(first <= last && last < s.len() as u64 * 8);
    // Look for a set bit in `want(byte)`: the byte itself or its complement.
    let want = |b: u8| if bit { b } else { !b };
    let at = |byte: usize, m: u8| Some(byte as u64 * 8 + u64::from(m.leading_zeros()));
    let (fb, lb) = ((first >> 3) as usize, (last >> 3) as usize);
    if fb == lb {
        let m = want(s[fb]) & mask_from(first) & mask_to(last);
        return if m != 0 { at(fb, m) } else { None };
    }
    let m = want(s[fb]) & mask_from(first);
    if m != 0 {
        return at(fb, m);
    }
    let middle = &s[fb + 1..lb];
    let skip = if bit { 0 } else { u64::MAX };
    let mut words = middle.chunks_exact(8);
    let mut base = fb + 1;
    for w in &mut words {
        let v = u64::from_be_bytes(w.try_into().expect("8 bytes"));
        if v != skip {
            let x = if bit { v } else { !v };
            return Some(base as u64 * 8 + u64::from(x.leading_zeros()));
        }
        base += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if want(b) != 0 {
            return at(base + i, want(b));
        }
    }
    let m = want(s[lb]) & mask_to(last);
    if m != 0 { at(lb, m) } else { None }
}

/// The bit at `offset` (false past the end).
#[inline]
pub fn get_bit(s: &[u8], offset: u64) -> bool {
    let byte = offset >> 3;
    byte < s.len() as u64 && s[byte as usize] & (0x80 >> (offset & 7)) != 0
}

/// Sets or clears the bit at `offset` (within `s`); returns its old value.
#[inline]
pub fn set_bit(s: &mut [u8], offset: u64, on: bool) -> bool {
    let byte = &mut s[(offset >> 3) as usize];
    let m = 0x80 >> (offset & 7);
    let old = *byte & m != 0;
    if on {
        *byte |= m;
    } else {
        *byte &= !m;
    }
    old
}

/// Grows `v` to `len` bytes with zeros (never shrinks). The capacity grows
/// greedily, so a string extended a little at a time reallocates rarely;
/// one large step allocates once. Returns whether the length changed.
pub fn grow_zeroed(v: &mut Vec<u8>, len: usize) -> bool {
    if v.len() >= len {
        return false;
    }
    if len > v.capacity() {
        let target = if len < GROW_GREEDY_LIMIT { len * 2 } else { len.saturating_add(GROW_GREEDY_LIMIT) };
        v.reserve_exact(target - v.len());
    }
    v.resize(len, 0);
    true
}

/// The 9-byte window starting at byte `byte`, zero-padded past the end,
/// as the low 72 bits of a `u128` (first byte most significant).
#[inline]
fn window(s: &[u8], byte: usize) -> u128 {
    let mut w: u128 = 0;
    for i in 0..9 {
        w = (w << 8) | u128::from(s.get(byte + i).copied().unwrap_or(0));
    }
    w
}

#[inline]
fn field_mask(bits: u32) -> u64 {
    if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 }
}

/// The unsigned `bits`-wide (1..=64) field at bit `offset`, zero-padded past
/// the end of `s`.
pub fn get_unsigned(s: &[u8], offset: u64, bits: u32) -> u64 {
    debug_assert!((1..=64).contains(&bits));
    let w = window(s, (offset >> 3) as usize);
    let shift = 72 - (offset & 7) as u32 - bits;
    (w >> shift) as u64 & field_mask(bits)
}

/// The signed (two's complement) `bits`-wide field at bit `offset`.
pub fn get_signed(s: &[u8], offset: u64, bits: u32) -> i64 {
    let v = get_unsigned(s, offset, bits);
    if bits < 64 && v & (1 << (bits - 1)) != 0 { (v | (u64::MAX << bits)) as i64 } else { v as i64 }
}

/// Stores the low `bits` bits of `value` at bit `offset`; the field must lie
/// within `s`.
pub fn set_field(s: &mut [u8], offset: u64, bits: u32, value: u64) {
    debug_assert!((1..=64).contains(&bits));
    let byte = (offset >> 3) as usize;
    let last = ((offset + u64::from(bits) - 1) >> 3) as usize;
    let shift = 72 - (offset & 7) as u32 - bits;
    let mask = u128::from(field_mask(bits)) << shift;
    let w = (window(s, byte) & !mask) | ((u128::from(value) << shift) & mask);
    for (i, b) in s[byte..=last].iter_mut().enumerate() {
        *b = (w >> (64 - 8 * i)) as u8;
    }
}

/// What BITFIELD does when a SET or INCRBY goes past a field's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Wrap around (modulo for unsigned, two's complement for signed).
    Wrap,
    /// Saturate at the minimum or maximum.
    Sat,
    /// Do nothing and answer null.
    Fail,
}

/// Would `value + incr` leave the range of an unsigned `bits`-wide field
/// (Redis's `checkUnsignedBitfieldOverflow`, `value` as Redis sees it)?
/// `None` if it fits; otherwise the value to store under `ow` (unused for
/// `Fail`).
pub fn unsigned_overflow(value: u64, incr: i64, bits: u32, ow: Overflow) -> Option<u64> {
    let max = field_mask(bits);
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let wrapped = || value.wrapping_add(incr as u64) & field_mask(bits);
    if value > max || (incr > 0 && incr > max_incr) {
        Some(if ow == Overflow::Sat { max } else { wrapped() })
    } else if incr < 0 && incr < min_incr {
        Some(if ow == Overflow::Sat { 0 } else { wrapped() })
    } else {
        None
    }
}

/// Would `value + incr` leave the range of a signed `bits`-wide field
/// (Redis's `checkSignedBitfieldOverflow`, including which way it decides
/// when the arithmetic of its checks wraps)? `None` if it fits; otherwise the
/// value to store under `ow`.
pub fn signed_overflow(value: i64, incr: i64, bits: u32, ow: Overflow) -> Option<i64> {
    let max: i64 = if bits == 64 { i64::MAX } else { (1i64 << (bits - 1)) - 1 };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrapped = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let high = u64::MAX << bits;
            if c & (1 << (bits - 1)) != 0 {
                c |= high;
            } else {
                c &= !high;
            }
        }
        c as i64
    };
    let full = bits == 64;
    if value > max || (!full && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr) {
        Some(if ow == Overflow::Sat { max } else { wrapped() })
    } else if value < min || (!full && incr < min_incr) || (value < 0 && incr < 0 && incr < min_incr) {
        Some(if ow == Overflow::Sat { min } else { wrapped() })
    } else {
        None
    }
}

/// A BITOP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// BITOP's result: the operation over `srcs` (shorter ones zero-padded to
/// the longest), as long as the longest. NOT takes the first source only.
pub fn bitop(op: BitOp, srcs: &[&[u8]]) -> Vec<u8> {
    let maxlen = srcs.iter().map(|s| s.len()).max().unwrap_or(0);
    let Some((first, rest)) = srcs.split_first() else { return Vec::new() };
    let mut res = Vec::with_capacity(maxlen);
    res.extend_from_slice(first);
    res.resize(maxlen, 0);
    match op {
        BitOp::Not => res.iter_mut().for_each(|b| *b = !*b),
        BitOp::And => {
            for s in rest {
                res.iter_mut().zip(s.iter()).for_each(|(d, x)| *d &= x);
                res[s.len()..].fill(0);
            }
        }
        BitOp::Or => {
            for s in rest {
                res.iter_mut().zip(s.iter()).for_each(|(d, x)| *d |= x);
            }
        }
        BitOp::Xor => {
            for s in rest {
                res.iter_mut().zip(s.iter()).for_each(|(d, x)| *d ^= x);
            }
        }
    }
    res
}

/// A BITCOUNT/BITPOS range (`start`, `end`: byte or bit indexes, negative
/// from the end) over a string of `len` bytes, resolved as Redis does:
/// the inclusive bit range, or `None` if it is empty.
pub fn resolve_range(len: u64, start: i64, end: i64, in_bits: bool) -> Option<(u64, u64)> {
    let total = if in_bits { len as i64 * 8 } else { len as i64 };
    let fix = |i: i64| if i < 0 { (i + total).max(0) } else { i };
    let (start, end) = (fix(start), fix(end).min(total - 1));
    if start > end {
        return None;
    }
    let (start, end) = (start as u64, end as u64);
    Some(if in_bits { (start, end) } else { (start * 8, end * 8 + 7) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bits of `s` as a string of '0'/'1' (the reference model).
    fn bits_of(s: &[u8]) -> Vec<bool> {
        s.iter().flat_map(|&b| (0..8).map(move |i| b & (0x80 >> i) != 0)).collect()
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn bytes(&mut self, len: usize) -> Vec<u8> {
            // Runs of 0x00 / 0xff and random bytes, so word skipping is exercised.
            let kind = self.below(4);
            (0..len)
                .map(|_| match kind {
                    0 => 0,
                    1 => 0xff,
                    _ if self.below(20) == 0 => self.next() as u8,
                    2 => 0,
                    _ => 0xff,
                })
                .collect()
        }
    }

    #[test]
    fn popcount_and_ranges_match_a_bit_by_bit_model() {
        let mut r = Rng(0x1234_5678);
        for _ in 0..2000 {
            let len = 1 + r.below(90) as usize;
            let s = r.bytes(len);
            let model = bits_of(&s);
            assert_eq!(popcount(&s), model.iter().filter(|&&b| b).count() as u64);
            let a = r.below(len as u64 * 8);
            let b = r.below(len as u64 * 8);
            let (first, last) = (a.min(b), a.max(b));
            let slice = &model[first as usize..=last as usize];
            assert_eq!(count_range(&s, first, last), slice.iter().filter(|&&b| b).count() as u64);
            for bit in [false, true] {
                let expect = slice.iter().position(|&x| x == bit).map(|p| first + p as u64);
                assert_eq!(find_bit(&s, bit, first, last), expect, "{s:?} {bit} {first}..={last}");
            }
        }
    }

    #[test]
    fn single_bits() {
        let mut s = vec![0u8; 2];
        assert!(!set_bit(&mut s, 7, true));
        assert!(set_bit(&mut s, 7, true));
        assert_eq!(s, [1, 0]);
        assert!(get_bit(&s, 7));
        assert!(!get_bit(&s, 6));
        assert!(!get_bit(&s, 1 << 40), "past the end reads 0");
        assert!(set_bit(&mut s, 7, false));
        assert_eq!(s, [0, 0]);
    }

    #[test]
    fn fields_round_trip_at_every_alignment() {
        let mut r = Rng(99);
        for _ in 0..5000 {
            let bits = 1 + r.below(64) as u32;
            let offset = r.below(100);
            let mut s = r.bytes(1 + ((offset + u64::from(bits) - 1) >> 3) as usize);
            let before = bits_of(&s);
            let value = r.next();
            set_field(&mut s, offset, bits, value);
            let after = bits_of(&s);
            for (i, (a, b)) in before.iter().zip(&after).enumerate() {
                let i = i as u64;
                if i < offset || i >= offset + u64::from(bits) {
                    assert_eq!(a, b, "bit {i} outside the field changed");
                } else {
                    let want = value >> (u64::from(bits) - 1 - (i - offset)) & 1 == 1;
                    assert_eq!(*b, want);
                }
            }
            assert_eq!(get_unsigned(&s, offset, bits), value & field_mask(bits));
            let signed = get_signed(&s, offset, bits);
            assert_eq!(signed as u64 & field_mask(bits), value & field_mask(bits));
            assert!(bits == 64 || (signed >= -(1i64 << (bits - 1)) && signed < (1i64 << (bits - 1))));
        }
        assert_eq!(get_unsigned(&[0xff], 4, 8), 0xf0, "zero-padded past the end");
        assert_eq!(get_signed(&[0x80], 0, 1), -1);
        assert_eq!(get_signed(&[0x80, 0, 0, 0, 0, 0, 0, 0], 0, 64), i64::MIN);
    }

    #[test]
    fn overflow_rules() {
        use Overflow::*;
        assert_eq!(unsigned_overflow(250, 10, 8, Wrap), Some(4));
        assert_eq!(unsigned_overflow(250, 10, 8, Sat), Some(255));
        assert_eq!(unsigned_overflow(5, -10, 8, Sat), Some(0));
        assert_eq!(unsigned_overflow(5, -10, 8, Wrap), Some(251));
        assert_eq!(unsigned_overflow(5, -5, 8, Wrap), None);
        assert_eq!(unsigned_overflow(u64::MAX, 0, 8, Sat), Some(255), "SET u8 -1 saturates high");
        assert_eq!(signed_overflow(120, 10, 8, Wrap), Some(-126));
        assert_eq!(signed_overflow(120, 10, 8, Sat), Some(127));
        assert_eq!(signed_overflow(-120, -10, 8, Sat), Some(-128));
        assert_eq!(signed_overflow(-120, -10, 8, Wrap), Some(126));
        assert_eq!(signed_overflow(i64::MAX, 1, 64, Wrap), Some(i64::MIN));
        assert_eq!(signed_overflow(i64::MIN, -1, 64, Sat), Some(i64::MIN));
        assert_eq!(signed_overflow(3, 4, 4, Sat), None);
        // Redis's check wraps here and reports an overflow upwards.
        assert_eq!(signed_overflow(i64::MIN, 0, 8, Sat), Some(127));
    }

    #[test]
    fn bitop_pads_with_zeros() {
        let (a, b): (&[u8], &[u8]) = (&[0xf0, 0xff], &[0x3c]);
        assert_eq!(bitop(BitOp::And, &[a, b]), [0x30, 0]);
        assert_eq!(bitop(BitOp::Or, &[a, b]), [0xfc, 0xff]);
        assert_eq!(bitop(BitOp::Xor, &[a, b]), [0xcc, 0xff]);
        assert_eq!(bitop(BitOp::Not, &[a]), [0x0f, 0]);
        assert_eq!(bitop(BitOp::And, &[b, a]), [0x30, 0]);
        assert!(bitop(BitOp::Or, &[&[], &[]]).is_empty());
    }

    #[test]
    fn ranges_resolve_like_redis() {
        assert_eq!(resolve_range(6, 0, -1, false), Some((0, 47)));
        assert_eq!(resolve_range(6, 1, -2, false), Some((8, 39)));
        assert_eq!(resolve_range(6, -2, 1, false), None);
        assert_eq!(resolve_range(6, 0, 1000, false), Some((0, 47)));
        assert_eq!(resolve_range(6, 10, -34, true), Some((10, 14)));
        assert_eq!(resolve_range(4, 32, 87, true), None);
        assert_eq!(resolve_range(0, 0, -1, false), None);
        assert_eq!(resolve_range(3, -100, -100, false), Some((0, 7)));
    }

    #[test]
    fn growth_is_greedy_and_zeroed() {
        let mut v = vec![1u8];
        assert!(grow_zeroed(&mut v, 10));
        assert_eq!(v, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(v.capacity() >= 20);
        assert!(!grow_zeroed(&mut v, 5));
        assert_eq!(v.len(), 10);
    }
}
