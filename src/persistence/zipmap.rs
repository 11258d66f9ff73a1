//! Decoder of Redis's zipmap (small hashes in RDB files of Redis 2.x):
//! `zmlen u8`, then `len key len free value [free bytes]` pairs, then
//! 0xFF. A length is one byte below 254, or 254 and four bytes.

/// Calls `f` with each field and value.
pub fn for_each(zm: &[u8], mut f: impl FnMut(&[u8], &[u8])) -> Result<(), &'static str> {
    const BAD: &str = "zipmap integrity check failed";
    let mut p = 1;
    if zm.is_empty() {
        return Err(BAD);
    }
    let len = |p: &mut usize| -> Result<usize, &'static str> {
        match *zm.get(*p).ok_or(BAD)? {
            b @ 0..=253 => {
                *p += 1;
                Ok(b as usize)
            }
            254 => {
                let b = zm.get(*p + 1..*p + 5).ok_or(BAD)?;
                *p += 5;
                Ok(u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
            }
            _ => Err(BAD),
        }
    };
    loop {
        if *zm.get(p).ok_or(BAD)? == 255 {
            break;
        }
        let klen = len(&mut p)?;
        let key = zm.get(p..p + klen).ok_or(BAD)?;
        p += klen;
        let vlen = len(&mut p)?;
        let free = *zm.get(p).ok_or(BAD)? as usize;
        p += 1;
        let value = zm.get(p..p + vlen).ok_or(BAD)?;
        p += vlen + free;
        f(key, value);
    }
    if p + 1 != zm.len() {
        return Err(BAD);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_pairs() {
        let zm = b"\x02\x03foo\x03\x00bar\x01k\x02\x01vvX\xff";
        let mut got = Vec::new();
        super::for_each(zm, |k, v| got.push((k.to_vec(), v.to_vec()))).unwrap();
        assert_eq!(got, vec![(b"foo".to_vec(), b"bar".to_vec()), (b"k".to_vec(), b"vv".to_vec())]);
        assert!(super::for_each(&zm[..zm.len() - 1], |_, _| {}).is_err());
    }
}
