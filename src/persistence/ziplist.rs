//! Decoder of Redis's ziplist (lists, hashes and sorted sets in RDB files
//! before 7.0, and the nodes of quicklist v1): `zlbytes u32, zltail u32,
//! zllen u16, entries, 0xFF`; each entry is `prevlen, encoding, data`.

use super::Elem;

/// Calls `f` with each entry. Fails on any malformed byte.
pub fn for_each<'a>(zl: &'a [u8], mut f: impl FnMut(Elem<'a>)) -> Result<(), &'static str> {
    const BAD: &str = "ziplist integrity check failed";
    if zl.len() < 11 {
        return Err(BAD);
    }
    let bytes = u32::from_le_bytes(zl[0..4].try_into().expect("4 bytes")) as usize;
    let tail = u32::from_le_bytes(zl[4..8].try_into().expect("4 bytes")) as usize;
    let count = u16::from_le_bytes(zl[8..10].try_into().expect("2 bytes")) as usize;
    if bytes != zl.len() || zl[bytes - 1] != 0xff || tail > bytes - 1 {
        return Err(BAD);
    }
    let end = bytes - 1;
    let mut p = 10;
    let mut n = 0usize;
    let mut prev_len = 0usize;
    while p < end {
        let start = p;
        // prevlen
        let prev = if zl[p] < 254 {
            p += 1;
            zl[p - 1] as usize
        } else if zl[p] == 254 {
            let b = zl.get(p + 1..p + 5).ok_or(BAD)?;
            p += 5;
            u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize
        } else {
            return Err(BAD);
        };
        if prev != prev_len {
            return Err(BAD);
        }
        let enc = *zl.get(p).ok_or(BAD)?;
        let get = |from: usize, len: usize| zl.get(from..from + len).filter(|_| from + len <= end).ok_or(BAD);
        let elem = match enc >> 6 {
            0 => {
                let len = (enc & 0x3f) as usize;
                p += 1;
                let s = get(p, len)?;
                p += len;
                Elem::Str(s)
            }
            1 => {
                let len = (((enc & 0x3f) as usize) << 8) | *zl.get(p + 1).ok_or(BAD)? as usize;
                p += 2;
                let s = get(p, len)?;
                p += len;
                Elem::Str(s)
            }
            2 => {
                let b = get(p + 1, 4)?;
                let len = u32::from_be_bytes(b.try_into().expect("4 bytes")) as usize;
                p += 5;
                let s = get(p, len)?;
                p += len;
                Elem::Str(s)
            }
            _ => {
                p += 1;
                let int = |len: usize, p: usize| -> Result<i64, &'static str> {
                    let b = get(p, len)?;
                    let mut w = [0u8; 8];
                    w[..len].copy_from_slice(b);
                    // Sign-extend from the top byte.
                    let shift = 64 - 8 * len as u32;
                    Ok((i64::from_le_bytes(w) << shift) >> shift)
                };
                let (v, len) = match enc {
                    0xc0 => (int(2, p)?, 2),
                    0xd0 => (int(4, p)?, 4),
                    0xe0 => (int(8, p)?, 8),
                    0xf0 => (int(3, p)?, 3),
                    0xfe => (int(1, p)?, 1),
                    0xf1..=0xfd => (i64::from(enc & 0x0f) - 1, 0),
                    _ => return Err(BAD),
                };
                p += len;
                Elem::Int(v)
            }
        };
        f(elem);
        n += 1;
        prev_len = p - start;
    }
    if p != end || (count != u16::MAX as usize && count != n) {
        return Err(BAD);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a ziplist the way Redis lays one out.
    pub fn build(items: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0usize;
        for it in items {
            let start = body.len();
            body.push(prev as u8);
            body.push(it.len() as u8);
            body.extend_from_slice(it);
            prev = body.len() - start;
        }
        let mut zl = Vec::new();
        let total = 10 + body.len() + 1;
        zl.extend_from_slice(&(total as u32).to_le_bytes());
        zl.extend_from_slice(&((10 + body.len() - prev) as u32).to_le_bytes());
        zl.extend_from_slice(&(items.len() as u16).to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(0xff);
        zl
    }

    #[test]
    fn decodes_strings_and_integers() {
        let mut zl = build(&[b"a", b"bc"]);
        let mut got = Vec::new();
        for_each(&zl, |e| got.push(e.to_vec())).unwrap();
        assert_eq!(got, vec![b"a".to_vec(), b"bc".to_vec()]);
        // An immediate integer 5 (0xf6) and an int16 -2 appended.
        zl.pop();
        zl.extend_from_slice(&[4, 0xf6, 2, 0xc0, 0xfe, 0xff, 0xff]);
        let n = zl.len() as u32;
        zl[0..4].copy_from_slice(&n.to_le_bytes());
        zl[8] = 4;
        got.clear();
        for_each(&zl, |e| got.push(e.to_vec())).unwrap();
        assert_eq!(got[2..], [b"5".to_vec(), b"-2".to_vec()]);
        zl[8] = 3;
        assert!(for_each(&zl, |_| {}).is_err(), "wrong count");
        assert!(for_each(&zl[..zl.len() - 1], |_| {}).is_err());
    }
}
