//! Decoder of Redis's intset (sets of integers): `encoding u32` (2, 4 or 8
//! bytes per member), `length u32`, then the members, little-endian and
//! sorted.

/// Calls `f` with each member.
pub fn for_each(is: &[u8], mut f: impl FnMut(i64)) -> Result<(), &'static str> {
    const BAD: &str = "intset integrity check failed";
    if is.len() < 8 {
        return Err(BAD);
    }
    let width = u32::from_le_bytes(is[0..4].try_into().expect("4 bytes")) as usize;
    let count = u32::from_le_bytes(is[4..8].try_into().expect("4 bytes")) as usize;
    if !matches!(width, 2 | 4 | 8) || count.checked_mul(width).map(|n| n + 8) != Some(is.len()) {
        return Err(BAD);
    }
    let mut prev: Option<i64> = None;
    for chunk in is[8..].chunks_exact(width) {
        let v = match width {
            2 => i64::from(i16::from_le_bytes(chunk.try_into().expect("2 bytes"))),
            4 => i64::from(i32::from_le_bytes(chunk.try_into().expect("4 bytes"))),
            _ => i64::from_le_bytes(chunk.try_into().expect("8 bytes")),
        };
        if prev.is_some_and(|p| p >= v) {
            return Err(BAD);
        }
        prev = Some(v);
        f(v);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_and_checks_order() {
        let mut v = Vec::new();
        super::for_each(b"\x02\x00\x00\x00\x03\x00\x00\x00\xfe\xff\x01\x00\x05\x00", |x| v.push(x)).unwrap();
        assert_eq!(v, [-2, 1, 5]);
        assert!(super::for_each(b"\x02\x00\x00\x00\x02\x00\x00\x00\x05\x00\x01\x00", |_| {}).is_err());
        assert!(super::for_each(b"\x03\x00\x00\x00\x00\x00\x00\x00", |_| {}).is_err());
    }
}
