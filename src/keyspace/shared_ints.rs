//! Redis's shared integer objects, for the one trace they leave: their
//! access time. Redis stores a string holding 0..9999 as a pointer to one
//! process-wide object per number (unless `maxmemory` is set with an LRU or
//! LFU policy), so every key holding 33 shares one LRU clock (or LFU
//! counter): reading any of them refreshes it for all, and storing 33 in a
//! key leaves it as it was. OBJECT IDLETIME/FREQ and DEBUG OBJECT show that
//! shared clock. Keys here keep their own bits too; this table holds the
//! shared ones, and `Db` consults it for values that Redis would share.
//!
//! Process-wide like Redis's objects, so a plain static (atomics only
//! because statics must be `Sync`; one thread uses it).

use std::sync::atomic::{AtomicU32, Ordering};

use super::db::LRU_MASK;
use super::entry::Entry;
use super::value::Value;
use crate::util::number::parse_i64;

/// Redis's `OBJ_SHARED_INTEGERS`.
const COUNT: usize = 10_000;

static BITS: [AtomicU32; COUNT] = [const { AtomicU32::new(0) }; COUNT];

/// The number a value is, if Redis would hold it as a shared integer (a
/// string in canonical form from 0 to 9999, stored as SET stores strings).
#[inline]
pub fn index(value: &Value) -> Option<usize> {
    match value {
        Value::Str(s) if s.len() <= 4 => parse_i64(s).and_then(|n| usize::try_from(n).ok()),
        _ => None,
    }
}

/// The access bits Redis would show for an entry: the shared ones of a
/// value it holds as a shared integer (`shares`: sharing is on).
pub fn bits_of(e: &Entry, shares: bool) -> u32 {
    match index(&e.value) {
        Some(i) if shares => bits(i),
        _ => e.meta & LRU_MASK,
    }
}

/// Sets an entry's access bits (RESTORE IDLETIME/FREQ), and the shared
/// ones of a shared integer, as Redis's `objectSetLRUOrLFU` does.
pub fn set_bits_of(e: &mut Entry, bits: u32, shares: bool) {
    e.meta = (e.meta & !LRU_MASK) | bits;
    if let Some(i) = index(&e.value).filter(|_| shares) {
        set_bits(i, bits);
    }
}

/// Sets every shared integer's bits (Redis creates them at startup).
pub fn reset(bits: u32) {
    for b in &BITS {
        b.store(bits, Ordering::Relaxed);
    }
}

/// The shared access bits of integer `i` (from `index`).
#[inline]
pub fn bits(i: usize) -> u32 {
    BITS[i].load(Ordering::Relaxed)
}

#[inline]
pub fn set_bits(i: usize, bits: u32) {
    BITS[i].store(bits, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::index;
    use crate::keyspace::Value;

    #[test]
    fn only_canonical_small_integers_set_stores_are_shared() {
        for (text, want) in [("0", Some(0)), ("33", Some(33)), ("9999", Some(9999)), ("10000", None), ("-1", None)] {
            assert_eq!(index(&Value::string(text.as_bytes())), want, "{text}");
        }
        for text in ["033", "+3", " 3", "3.0", "", "abc"] {
            assert_eq!(index(&Value::string(text.as_bytes())), None, "{text}");
        }
        assert_eq!(index(&Value::string_no_int(b"33")), None, "INCRBYFLOAT's strings are not shared");
    }
}
