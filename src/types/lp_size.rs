//! The sizes of elements in Redis's own listpack encoding (`listpack.c`),
//! which is not the layout of our `Listpack`: what a stream node's
//! listpack would take in Redis (so nodes split where Redis splits them),
//! and how many bytes an element's back-length takes (the RDB listpack
//! reader needs it). Imports only `util`.

use crate::util::number::parse_i64;

/// Bytes `lpEncodeBacklen` takes for an element of `len` bytes.
pub fn backlen(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

/// Bytes of an integer element, back-length included.
pub fn int(v: i64) -> usize {
    let enc = if (0..=127).contains(&v) {
        1
    } else if (-4096..=4095).contains(&v) {
        2
    } else if i16::try_from(v).is_ok() {
        3
    } else if (-8_388_608..=8_388_607).contains(&v) {
        4
    } else if i32::try_from(v).is_ok() {
        5
    } else {
        9
    };
    enc + backlen(enc)
}

/// Bytes of a string element (an integer if it is one), back-length
/// included.
pub fn string(s: &[u8]) -> usize {
    if s.len() <= 20
        && let Some(v) = parse_i64(s)
    {
        return int(v);
    }
    let l = s.len();
    let enc = if l < 64 {
        1 + l
    } else if l < 4096 {
        2 + l
    } else {
        5 + l
    };
    enc + backlen(enc)
}

#[cfg(test)]
mod tests {
    use super::backlen;

    /// `lpEncodeBacklen`'s boundaries: `l <= 127`, `l < 16383`,
    /// `l < 2097151`, `l < 268435455`.
    #[test]
    fn backlen_boundaries_are_redis_s() {
        for (len, want) in
            [(127, 1), (128, 2), (16382, 2), (16383, 3), (2097150, 3), (2097151, 4), (268435454, 4), (268435455, 5)]
        {
            assert_eq!(backlen(len), want, "{len}");
        }
    }
}
