//! HyperLogLog values, byte for byte as Redis 7.0 lays them out in a string
//! (`hyperloglog.c`), so a value written by either server reads the same in
//! the other.
//!
//! Layout: a 16-byte header (`HYLL`, the encoding byte, 3 unused bytes, the
//! cached cardinality as 8 little-endian bytes whose top bit marks it
//! stale), then the registers: 16384 six-bit registers packed LSB first
//! (dense, exactly 12288 bytes) or a run-length list of ZERO (`00xxxxxx`),
//! XZERO (`01xxxxxx xxxxxxxx`) and VAL (`1vvvvvxx`) opcodes (sparse).
//! An element hashes with MurmurHash64A (seed `0xadc83b19`): the low 14
//! bits pick the register, the run of zeros above them (plus one) is the
//! value the register keeps the maximum of. Cardinality is Ertl's estimator
//! as Redis 7.0 computes it.
//!
//! Every function takes any bytes a client could have stored: a malformed
//! sparse value is reported as `Corrupt` where Redis reports it, and reads
//! one byte past the end see 0, as Redis's reads of the string's NUL
//! terminator do. Pure functions over byte slices and `Vec<u8>`; imports
//! only `util`.

use crate::util::rng::Rng;

/// Bytes of the header.
pub const HDR: usize = 16;
/// Number of registers (2^14).
pub const REGISTERS: usize = 1 << P;
/// Length of a dense value.
pub const DENSE_SIZE: usize = HDR + (REGISTERS * BITS).div_ceil(8);
/// Encoding byte of a dense value.
pub const DENSE: u8 = 0;
/// Encoding byte of a sparse value.
pub const SPARSE: u8 = 1;

const P: usize = 14;
const Q: usize = 64 - P;
const BITS: usize = 6;
const REGISTER_MAX: u8 = (1 << BITS) - 1;
const SPARSE_VAL_MAX_VALUE: u8 = 32;
const SPARSE_VAL_MAX_LEN: usize = 4;
const SPARSE_ZERO_MAX_LEN: usize = 64;
const SPARSE_XZERO_MAX_LEN: usize = 16384;
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
const SEED: u64 = 0xadc8_3b19;

/// A sparse value whose opcodes do not cover exactly the 16384 registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// Redis's `isHLLObjectOrReply` once the value is known to be a string:
/// the magic, a known encoding, and the exact size of a dense value.
pub fn is_valid(s: &[u8]) -> bool {
    s.len() >= HDR && &s[..4] == b"HYLL" && s[4] <= SPARSE && (s[4] != DENSE || s.len() == DENSE_SIZE)
}

/// The encoding byte of a value that passed `is_valid`.
pub fn encoding(s: &[u8]) -> u8 {
    s[4]
}

/// A new, empty HLL: sparse, one XZERO covering every register.
pub fn new_sparse() -> Vec<u8> {
    let mut s = vec![0u8; HDR];
    s[..4].copy_from_slice(b"HYLL");
    s[4] = SPARSE;
    let mut left = REGISTERS;
    while left > 0 {
        let run = left.min(SPARSE_XZERO_MAX_LEN);
        s.extend_from_slice(&xzero(run));
        left -= run;
    }
    s
}

/// The cached cardinality, if it is valid.
pub fn cached_count(s: &[u8]) -> Option<u64> {
    if s[15] & 0x80 != 0 {
        return None;
    }
    Some(u64::from_le_bytes(s[8..16].try_into().expect("8 bytes")))
}

/// Stores `card` as the cached cardinality (valid).
pub fn set_cached_count(s: &mut [u8], card: u64) {
    s[8..16].copy_from_slice(&card.to_le_bytes());
}

/// Marks the cached cardinality stale.
pub fn invalidate_cache(s: &mut [u8]) {
    s[15] |= 0x80;
}

/// MurmurHash2, 64-bit version, reading words little-endian (as Redis
/// does on every architecture).
pub fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let mut k = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element falls in and the length of its `0…01` pattern.
pub fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, SEED);
    let index = (hash as usize) & (REGISTERS - 1);
    let rest = (hash >> P) | (1 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

// ---------------------------------------------------------------------------
// Dense registers: `regs` is the part after the header.

/// Register `i` of a dense array (a byte past the end reads 0).
pub fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte = i * BITS / 8;
    let fb = (i * BITS) & 7;
    let b0 = u16::from(regs[byte]);
    let b1 = u16::from(regs.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> fb) | (b1 << (8 - fb))) & u16::from(REGISTER_MAX)) as u8
}

/// Sets register `i` of a dense array to `v` (`v` ≤ 63).
pub fn dense_put(regs: &mut [u8], i: usize, v: u8) {
    let byte = i * BITS / 8;
    let fb = (i * BITS) & 7;
    let v = u16::from(v);
    let max = u16::from(REGISTER_MAX);
    regs[byte] = ((u16::from(regs[byte]) & !(max << fb)) | (v << fb)) as u8;
    if let Some(next) = regs.get_mut(byte + 1) {
        *next = ((u16::from(*next) & !(max >> (8 - fb))) | (v >> (8 - fb))) as u8;
    }
}

/// Raises register `i` to `count` if it is lower. Returns whether it did.
fn dense_raise(regs: &mut [u8], i: usize, count: u8) -> bool {
    if count > dense_get(regs, i) {
        dense_put(regs, i, count);
        true
    } else {
        false
    }
}

// ---------------------------------------------------------------------------
// Sparse opcodes.

/// One decoded opcode: `(registers covered, value, bytes taken)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Zero(usize),
    XZero(usize),
    Val(u8, usize),
}

impl Op {
    fn span(self) -> usize {
        match self {
            Op::Zero(n) | Op::XZero(n) | Op::Val(_, n) => n,
        }
    }

    fn bytes(self) -> usize {
        if matches!(self, Op::XZero(_)) { 2 } else { 1 }
    }
}

/// The opcode at `p`. A second byte past the end reads `past_end`: what
/// Redis finds after the string, its terminator, normally 0.
fn op_at(s: &[u8], p: usize, past_end: u8) -> Op {
    let b = s[p];
    if b & 0xc0 == 0 {
        Op::Zero(usize::from(b & 0x3f) + 1)
    } else if b & 0x80 == 0 {
        let lo = s.get(p + 1).copied().unwrap_or(past_end);
        Op::XZero(((usize::from(b & 0x3f) << 8) | usize::from(lo)) + 1)
    } else {
        Op::Val(((b >> 2) & 0x1f) + 1, usize::from(b & 3) + 1)
    }
}

fn val(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (len as u8 - 1)
}

fn zero(len: usize) -> u8 {
    (len - 1) as u8
}

fn xzero(len: usize) -> [u8; 2] {
    let l = len - 1;
    [0x40 | (l >> 8) as u8, (l & 0xff) as u8]
}

/// ZERO or XZERO for a run of `len` zero registers.
fn zero_run(seq: &mut Vec<u8>, len: usize) {
    if len > SPARSE_ZERO_MAX_LEN {
        seq.extend_from_slice(&xzero(len));
    } else {
        seq.push(zero(len));
    }
}

/// Calls `f(first register, op)` for each opcode of a sparse value. The
/// opcodes must cover exactly the 16384 registers: an opcode running past
/// them stops the walk, and either that or a short total is `Corrupt` (the
/// checks of Redis's fix for CVE-2025-32023, which the 7.0.15 packages
/// carry).
fn walk(s: &[u8], past_end: u8, mut f: impl FnMut(usize, Op)) -> Result<(), Corrupt> {
    let mut p = HDR;
    let mut idx = 0;
    while p < s.len() {
        let op = op_at(s, p, past_end);
        if idx + op.span() > REGISTERS {
            return Err(Corrupt);
        }
        f(idx, op);
        idx += op.span();
        p += op.bytes();
    }
    if idx == REGISTERS { Ok(()) } else { Err(Corrupt) }
}

/// Redis's `hllSparseToDense`: converts a sparse value in place (header
/// kept, encoding set to dense). Returns whether it converted; a dense
/// value is left alone.
pub fn to_dense(s: &mut Vec<u8>) -> Result<bool, Corrupt> {
    Editor::new(s).to_dense()
}

/// Redis's `hllAdd` on a value no other edit is under way on (see
/// `Editor::add`).
pub fn add(s: &mut Vec<u8>, element: &[u8], max_bytes: usize) -> Result<bool, Corrupt> {
    Editor::new(s).add(element, max_bytes)
}

/// One command's edits of a value. Besides the bytes it keeps the byte
/// Redis would find just past them: its string's terminator, normally 0,
/// but an opcode that ended the value with its second byte missing can
/// have Redis copy a byte over it, which later edits by the same command
/// read back. (Redis keeps that byte in its allocation across commands
/// too; a value here starts each command with 0 there.)
pub struct Editor<'a> {
    s: &'a mut Vec<u8>,
    past_end: u8,
}

impl<'a> Editor<'a> {
    pub fn new(s: &'a mut Vec<u8>) -> Editor<'a> {
        Editor { s, past_end: 0 }
    }

    /// Redis's `hllAdd`: adds `element` to a valid value. Returns whether
    /// a register changed. (The cache is the caller's: PFADD invalidates
    /// it once.)
    pub fn add(&mut self, element: &[u8], max_bytes: usize) -> Result<bool, Corrupt> {
        let (index, count) = pattern(element);
        self.set_register(index, count, max_bytes)
    }

    /// Raises register `index` to `count` in either encoding.
    pub fn set_register(&mut self, index: usize, count: u8, max_bytes: usize) -> Result<bool, Corrupt> {
        if self.s[4] == DENSE {
            Ok(dense_raise(&mut self.s[HDR..], index, count))
        } else {
            self.sparse_set(index, count, max_bytes)
        }
    }

    /// See `to_dense`.
    pub fn to_dense(&mut self) -> Result<bool, Corrupt> {
        let s = &mut *self.s;
        if s[4] == DENSE {
            return Ok(false);
        }
        let mut dense = vec![0u8; DENSE_SIZE];
        dense[..HDR].copy_from_slice(&s[..HDR]);
        dense[4] = DENSE;
        let regs = &mut dense[HDR..];
        walk(s, self.past_end, |first, op| {
            if let Op::Val(v, n) = op {
                for i in first..first + n {
                    dense_put(regs, i, v);
                }
            }
        })?;
        *s = dense;
        self.past_end = 0;
        Ok(true)
    }

    /// Converts to dense and sets the register (which must then change).
    fn promote(&mut self, index: usize, count: u8) -> Result<bool, Corrupt> {
        self.to_dense()?;
        Ok(dense_raise(&mut self.s[HDR..], index, count))
    }

    /// Redis's `hllSparseSet`: raises register `index` to `count` in a
    /// sparse value, promoting it to dense when `count` exceeds what VAL
    /// can hold or the value would outgrow `max_bytes`
    /// (`hll-sparse-max-bytes`). Returns whether a register changed.
    fn sparse_set(&mut self, index: usize, count: u8, max_bytes: usize) -> Result<bool, Corrupt> {
        if count > SPARSE_VAL_MAX_VALUE {
            return self.promote(index, count);
        }
        let past_end = self.past_end;
        // Step 1: the opcode covering `index`.
        let mut end = self.s.len();
        let mut p = HDR;
        let mut first = 0;
        let mut prev = None;
        let mut found = None;
        while p < end {
            let op = op_at(self.s, p, past_end);
            if index < first + op.span() {
                found = Some(op);
                break;
            }
            prev = Some(p);
            p += op.bytes();
            first += op.span();
        }
        let Some(op) = found else { return Err(Corrupt) };
        let next = Some(p + op.bytes()).filter(|&n| n < end);

        // Step 2: trivial updates in place, else the replacement sequence.
        let in_place = match op {
            Op::Val(old, _) if old >= count => return Ok(false),
            Op::Val(_, 1) | Op::Zero(1) => true,
            _ => false,
        };
        if in_place {
            self.s[p] = val(count, 1);
        } else {
            let last = first + op.span() - 1;
            let mut seq = Vec::with_capacity(5);
            if index != first {
                match op {
                    Op::Val(cur, _) => seq.push(val(cur, index - first)),
                    _ => zero_run(&mut seq, index - first),
                }
            }
            seq.push(val(count, 1));
            if index != last {
                match op {
                    Op::Val(cur, _) => seq.push(val(cur, last - index)),
                    _ => zero_run(&mut seq, last - index),
                }
            }
            // Step 3: splice it in place of the old opcode.
            let old_len = op.bytes();
            if seq.len() > old_len && self.s.len() + seq.len() - old_len > max_bytes {
                return self.promote(index, count);
            }
            let new_len = self.s.len() + seq.len() - old_len;
            self.past_end = 0;
            match next {
                Some(n) => {
                    self.s.splice(p..n, seq);
                }
                None => {
                    // The old opcode ends the value, its second byte maybe
                    // missing: Redis then copies the sequence's last byte
                    // over its terminator.
                    self.s.truncate(p);
                    self.s.extend_from_slice(&seq);
                    if self.s.len() > new_len {
                        self.past_end = self.s[new_len];
                    }
                    self.s.truncate(new_len);
                }
            }
            end = self.s.len();
        }

        // Step 4: merge adjacent VALs of the same value, scanning up to
        // five opcodes from the one before the change.
        let s = &mut *self.s;
        let mut p = prev.unwrap_or(HDR);
        let mut scan = 5;
        while p < end && scan > 0 {
            scan -= 1;
            match op_at(s, p, self.past_end) {
                Op::XZero(_) => p += 2,
                Op::Zero(_) => p += 1,
                Op::Val(v1, l1) => {
                    if p + 1 < end
                        && let Op::Val(v2, l2) = op_at(s, p + 1, self.past_end)
                        && v1 == v2
                        && l1 + l2 <= SPARSE_VAL_MAX_LEN
                    {
                        s[p + 1] = val(v1, l1 + l2);
                        s.remove(p);
                        // Redis's shortening writes a new terminator.
                        self.past_end = 0;
                        end -= 1;
                        continue;
                    }
                    p += 1;
                }
            }
        }
        invalidate_cache(s);
        Ok(true)
    }
}

/// Redis's `hllMerge`: `max[i] = max(max[i], register i)`. A sparse value
/// not covering exactly 16384 registers is `Corrupt` (`max` may then be
/// partly updated).
pub fn merge_into(max: &mut [u8; REGISTERS], s: &[u8]) -> Result<(), Corrupt> {
    if s[4] == DENSE {
        let regs = &s[HDR..];
        for (i, m) in max.iter_mut().enumerate() {
            *m = (*m).max(dense_get(regs, i));
        }
        return Ok(());
    }
    walk(s, 0, |first, op| {
        if let Op::Val(v, n) = op {
            for m in &mut max[first..first + n] {
                *m = (*m).max(v);
            }
        }
    })
}

/// Writes merged registers into a valid value (PFMERGE's destination):
/// dense first if `dense`, then every non-zero register raised.
pub fn store_registers(s: &mut Vec<u8>, max: &[u8; REGISTERS], dense: bool, max_bytes: usize) -> Result<(), Corrupt> {
    let mut editor = Editor::new(s);
    if dense {
        editor.to_dense()?;
    }
    for (i, &m) in max.iter().enumerate() {
        if m != 0 {
            // A valid destination cannot fail; Redis ignores the result.
            let _ = editor.set_register(i, m, max_bytes);
        }
    }
    invalidate_cache(s);
    Ok(())
}

// ---------------------------------------------------------------------------
// Cardinality.

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if prev == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        z -= (1.0 - x).powf(2.0) * y;
        if prev == z {
            return z / 3.0;
        }
    }
}

/// Ertl's estimate from the register histogram (Redis 7.0's `hllCount`).
fn estimate(histo: &[i64; 64]) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - histo[Q + 1] as f64) / m);
    for j in (1..=Q).rev() {
        z += histo[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histo[0] as f64 / m);
    (ALPHA_INF * m * m / z).round() as u64
}

/// The estimated cardinality of a valid value (ignoring the cache). A
/// sparse value not covering exactly 16384 registers is `Corrupt`.
pub fn count(s: &[u8]) -> Result<u64, Corrupt> {
    let mut histo = [0i64; 64];
    if s[4] == DENSE {
        let regs = &s[HDR..];
        for i in 0..REGISTERS {
            histo[usize::from(dense_get(regs, i))] += 1;
        }
    } else {
        walk(s, 0, |_, op| match op {
            Op::Val(v, n) => histo[usize::from(v)] += n as i64,
            _ => histo[0] += op.span() as i64,
        })?;
    }
    Ok(estimate(&histo))
}

/// The estimated cardinality of plain registers (one byte each): the
/// union PFCOUNT computes for several keys.
pub fn count_registers(regs: &[u8; REGISTERS]) -> u64 {
    let mut histo = [0i64; 64];
    for &r in regs {
        histo[usize::from(r & 63)] += 1;
    }
    estimate(&histo)
}

// ---------------------------------------------------------------------------
// PFDEBUG and PFSELFTEST.

/// The registers of a dense value.
pub fn dense_registers(s: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let regs = &s[HDR..];
    (0..REGISTERS).map(move |i| dense_get(regs, i))
}

/// PFDEBUG DECODE's text for a sparse value: `z:N`, `Z:N`, `v:V,N`.
pub fn decode_sparse(s: &[u8]) -> String {
    let mut words = Vec::new();
    let mut p = HDR;
    while p < s.len() {
        let op = op_at(s, p, 0);
        words.push(match op {
            Op::Zero(n) => format!("z:{n}"),
            Op::XZero(n) => format!("Z:{n}"),
            Op::Val(v, n) => format!("v:{v},{n}"),
        });
        p += op.bytes();
    }
    words.join(" ")
}

/// Redis's PFSELFTEST: register access on random values (1000 rounds),
/// then 10 million elements added to a dense and a sparse HLL, checking
/// at each power of ten that the sparse one stays sparse while small,
/// both agree, and the error is within six standard errors. `Err` is the
/// failure text.
pub fn selftest(rng: &mut Rng, max_bytes: usize) -> Result<(), String> {
    let mut dense = vec![0u8; DENSE_SIZE];
    let mut values = vec![0u8; REGISTERS];
    for _ in 0..1000 {
        for (i, v) in values.iter_mut().enumerate() {
            *v = (rng.next_u64() as u8) & REGISTER_MAX;
            dense_put(&mut dense[HDR..], i, *v);
        }
        for (i, &v) in values.iter().enumerate() {
            let got = dense_get(&dense[HDR..], i);
            if got != v {
                return Err(format!("TESTFAILED Register {i} should be {v} but is {got}"));
            }
        }
    }
    dense[HDR..].fill(0);
    dense[..4].copy_from_slice(b"HYLL");
    let mut sparse_value = new_sparse();
    let mut sparse = Editor::new(&mut sparse_value);
    let relerr = 1.04 / (REGISTERS as f64).sqrt();
    let mut checkpoint: u64 = 1;
    let seed = rng.next_u64();
    for j in 1..=10_000_000u64 {
        let ele = (j ^ seed).to_le_bytes();
        let (index, count_) = pattern(&ele);
        dense_raise(&mut dense[HDR..], index, count_);
        sparse.set_register(index, count_, max_bytes).map_err(|_| "TESTFAILED sparse corrupted".to_string())?;
        if j != checkpoint {
            continue;
        }
        if (j as usize) < max_bytes / 2 && sparse.s[4] != SPARSE {
            return Err("TESTFAILED sparse encoding not used".into());
        }
        let d = count(&dense).expect("dense");
        if Ok(d) != count(sparse.s) {
            return Err("TESTFAILED dense/sparse disagree".into());
        }
        let abserr = (checkpoint as i64 - d as i64).unsigned_abs();
        let maxerr = if j == 10 { 1 } else { (relerr * 6.0 * checkpoint as f64).ceil() as u64 };
        if abserr > maxerr {
            return Err(format!("TESTFAILED Too big error. card:{checkpoint} abserr:{abserr}"));
        }
        checkpoint *= 10;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hll_with(elements: impl IntoIterator<Item = Vec<u8>>, max_bytes: usize) -> Vec<u8> {
        let mut s = new_sparse();
        for e in elements {
            add(&mut s, &e, max_bytes).expect("valid");
        }
        s
    }

    #[test]
    fn empty_value_is_redis_s_bytes() {
        let s = new_sparse();
        assert_eq!(s, b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff");
        assert!(is_valid(&s));
        assert_eq!(count(&s), Ok(0));
        assert_eq!(cached_count(&s), Some(0));
    }

    #[test]
    fn bytes_match_redis() {
        // What redis-server 7.0.15 stores after PFADD h a b c d e f g.
        let s = hll_with([b"a", b"b", b"c", b"d", b"e", b"f", b"g"].map(|e| e.to_vec()), 3000);
        let mut want = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80".to_vec();
        want.extend_from_slice(
            b"\x46\x6d\x80\x56\x0c\x80\x44\x3c\x84\x38\x80\x50\xb1\x84\x49\x8c\x80\x42\x6d\x80\x42\x5a",
        );
        assert_eq!(s, want);
        assert_eq!(count(&s), Ok(7));
        assert_eq!(
            decode_sparse(&s),
            "Z:1646 v:1,1 Z:5645 v:1,1 Z:1085 v:2,1 z:57 v:1,1 Z:4274 v:2,1 Z:2445 v:1,1 Z:622 v:1,1 Z:603"
        );
    }

    #[test]
    fn dense_registers_round_trip() {
        let mut regs = vec![0u8; DENSE_SIZE - HDR];
        for i in 0..REGISTERS {
            dense_put(&mut regs, i, (i % 64) as u8);
        }
        for i in 0..REGISTERS {
            assert_eq!(dense_get(&regs, i), (i % 64) as u8);
        }
    }

    #[test]
    fn sparse_and_dense_agree() {
        let elements: Vec<Vec<u8>> = (0..2000u32).map(|i| format!("e{i}").into_bytes()).collect();
        let sparse = hll_with(elements.clone(), 1 << 20);
        assert_eq!(sparse[4], SPARSE);
        let mut dense = sparse.clone();
        assert_eq!(to_dense(&mut dense), Ok(true));
        assert_eq!(dense.len(), DENSE_SIZE);
        assert_eq!(count(&sparse), count(&dense));
        let n = count(&dense).unwrap();
        assert!((1900..2100).contains(&n), "{n}");
        let mut max = [0u8; REGISTERS];
        merge_into(&mut max, &sparse).unwrap();
        assert_eq!(count_registers(&max), n);
        assert!(dense_registers(&dense).eq(max.iter().copied()));
    }

    #[test]
    fn promotes_at_the_size_limit() {
        let mut s = new_sparse();
        let mut i = 0u32;
        while s[4] == SPARSE {
            let before = s.len();
            add(&mut s, format!("x{i}").as_bytes(), 300).unwrap();
            if s[4] == SPARSE {
                assert!(s.len() <= 300, "grew to {} from {before}", s.len());
            }
            i += 1;
        }
        assert_eq!(s.len(), DENSE_SIZE);
    }

    #[test]
    fn corrupted_values_never_panic() {
        let mut rng = Rng::new(7);
        for _ in 0..20_000 {
            let len = HDR + rng.below(12) as usize;
            let mut s: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            s[..4].copy_from_slice(b"HYLL");
            s[4] = SPARSE;
            let _ = count(&s);
            let mut max = [0u8; REGISTERS];
            let _ = merge_into(&mut max, &s);
            let _ = decode_sparse(&s);
            let mut t = s.clone();
            let _ = to_dense(&mut t);
            let mut t = s.clone();
            for e in 0..8u8 {
                if add(&mut t, &[e], 3000).is_err() {
                    break;
                }
            }
        }
    }

    #[test]
    fn selftest_passes() {
        let mut rng = Rng::new(42);
        // The full run is long in debug builds; the register part is enough here.
        let mut dense = vec![0u8; DENSE_SIZE];
        for i in 0..REGISTERS {
            let v = (rng.next_u64() as u8) & REGISTER_MAX;
            dense_put(&mut dense[HDR..], i, v);
            assert_eq!(dense_get(&dense[HDR..], i), v);
        }
        if !cfg!(debug_assertions) {
            assert_eq!(selftest(&mut rng, 3000), Ok(()));
        }
    }
}
