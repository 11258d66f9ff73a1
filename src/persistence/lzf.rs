//! LZF, the compressor of RDB strings, implemented from the format and
//! liblzf's algorithm (as Redis configures it: 16-bit hash table,
//! `VERY_FAST`), so our compressed output is byte-identical to Redis's and
//! DUMP payloads match.
//!
//! Compressed format: `000LLLLL` + L+1 literal bytes; `LLLooooo oooooooo`
//! a back reference of L+2 bytes (L < 7) at offset o+1; `111ooooo LLLLLLLL
//! oooooooo` a back reference of L+9 bytes.

use std::cell::RefCell;

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

/// liblzf's hash table, reused across calls: a slot holds `base + position`
/// of the last place a 3-byte prefix was seen; slots not above `base` are
/// from earlier calls and count as empty (liblzf's table is uninitialized,
/// and its `ref > in_data` test never matches position 0 either).
struct Table {
    slots: Vec<u32>,
    base: u32,
}

thread_local! {
    static TABLE: RefCell<Table> = const { RefCell::new(Table { slots: Vec::new(), base: 0 }) };
}

#[inline]
fn idx(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1)
}

/// Compresses `input` into at most `max_out` bytes appended to `out`.
/// Returns the compressed length, or `None` when it would not fit (then
/// `out` is left as it was).
pub fn compress(input: &[u8], max_out: usize, out: &mut Vec<u8>) -> Option<usize> {
    if input.is_empty() || max_out == 0 {
        return None;
    }
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        if t.slots.is_empty() {
            t.slots = vec![0; HSIZE];
        }
        let needed = input.len() as u64 + 1;
        if u64::from(t.base) + needed >= u64::from(u32::MAX) {
            t.slots.iter_mut().for_each(|s| *s = 0);
            t.base = 0;
        }
        if needed >= u64::from(u32::MAX) {
            return None;
        }
        let start = out.len();
        // Slack past the limit so the format's bounded overruns never index
        // out of range; the result is rejected if it used them.
        out.resize(start + max_out + 8, 0);
        let n = compress_into(input, &mut out[start..], max_out, &mut t);
        let base = t.base;
        t.base = base + input.len() as u32 + 1;
        match n {
            Some(n) if n <= max_out => {
                out.truncate(start + n);
                Some(n)
            }
            _ => {
                out.truncate(start);
                None
            }
        }
    })
}

fn compress_into(inp: &[u8], out: &mut [u8], out_len: usize, t: &mut Table) -> Option<usize> {
    let in_len = inp.len();
    let base = t.base;
    let htab = &mut t.slots;
    let mut ip = 0usize;
    let mut op = 1usize; // room for the first literal run's control byte
    let mut lit = 0usize;
    if in_len >= 3 {
        let mut hval: u32 = (u32::from(inp[0]) << 8) | u32::from(inp[1]);
        while ip < in_len - 2 {
            hval = (hval << 8) | u32::from(inp[ip + 2]);
            let slot = idx(hval);
            let stored = htab[slot];
            htab[slot] = base + ip as u32;
            let reference = (stored > base).then(|| (stored - base) as usize);
            let matched = reference.filter(|&r| {
                r < ip
                    && ip - r - 1 < MAX_OFF
                    && inp[r + 2] == inp[ip + 2]
                    && inp[r] == inp[ip]
                    && inp[r + 1] == inp[ip + 1]
            });
            if let Some(r) = matched {
                let off = ip - r - 1;
                let mut len = 2usize;
                let maxlen = (in_len - ip - len).min(MAX_REF);
                if op + 3 + 1 >= out_len && op - usize::from(lit == 0) + 3 + 1 >= out_len {
                    return None;
                }
                out[op - lit - 1] = (lit as u8).wrapping_sub(1);
                op -= usize::from(lit == 0);
                let mut unrolled_all = true;
                if maxlen > 16 {
                    for _ in 0..16 {
                        len += 1;
                        if inp[r + len] != inp[ip + len] {
                            unrolled_all = false;
                            break;
                        }
                    }
                }
                if unrolled_all {
                    loop {
                        len += 1;
                        if !(len < maxlen && inp[r + len] == inp[ip + len]) {
                            break;
                        }
                    }
                }
                len -= 2;
                ip += 1;
                if len < 7 {
                    out[op] = ((off >> 8) + (len << 5)) as u8;
                    op += 1;
                } else {
                    out[op] = ((off >> 8) + (7 << 5)) as u8;
                    out[op + 1] = (len - 7) as u8;
                    op += 2;
                }
                out[op] = off as u8;
                op += 1;
                lit = 0;
                op += 1;
                ip += len + 1;
                if ip >= in_len - 2 {
                    break;
                }
                ip -= 2;
                hval = (u32::from(inp[ip]) << 8) | u32::from(inp[ip + 1]);
                hval = (hval << 8) | u32::from(inp[ip + 2]);
                htab[idx(hval)] = base + ip as u32;
                ip += 1;
                hval = (hval << 8) | u32::from(inp[ip + 2]);
                htab[idx(hval)] = base + ip as u32;
                ip += 1;
            } else {
                if op >= out_len {
                    return None;
                }
                lit += 1;
                out[op] = inp[ip];
                op += 1;
                ip += 1;
                if lit == MAX_LIT {
                    out[op - lit - 1] = (lit - 1) as u8;
                    lit = 0;
                    op += 1;
                }
            }
        }
    }
    if op + 3 > out_len {
        return None;
    }
    while ip < in_len {
        lit += 1;
        out[op] = inp[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1);
    op -= usize::from(lit == 0);
    Some(op)
}

/// Decompresses `input`, which must expand to exactly `len` bytes.
pub fn decompress(input: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::new();
    out.try_reserve_exact(len).ok()?;
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < 32 {
            let n = ctrl + 1;
            if out.len() + n > len || ip + n > input.len() {
                return None;
            }
            out.extend_from_slice(&input[ip..ip + n]);
            ip += n;
        } else {
            let mut n = ctrl >> 5;
            if n == 7 {
                n += *input.get(ip)? as usize;
                ip += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + *input.get(ip)? as usize + 1;
            ip += 1;
            n += 2;
            if out.len() + n > len || back > out.len() {
                return None;
            }
            // An overlapping reference repeats the last `back` bytes: copy
            // what is available, which doubles each round.
            let from = out.len() - back;
            let mut left = n;
            while left > 0 {
                let take = left.min(out.len() - from);
                out.extend_from_within(from..from + take);
                left -= take;
            }
        }
    }
    (out.len() == len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(data: &[u8]) {
        let mut out = Vec::new();
        if let Some(n) = compress(data, data.len().saturating_sub(4), &mut out) {
            assert_eq!(n, out.len());
            assert_eq!(decompress(&out, data.len()).as_deref(), Some(data));
        }
    }

    #[test]
    fn compresses_repetitive_data_and_roundtrips() {
        let data = vec![b'a'; 1000];
        let mut out = Vec::new();
        let n = compress(&data, 996, &mut out).expect("compressible");
        assert!(n < 40, "{n}");
        assert_eq!(decompress(&out, 1000).unwrap(), data);
        roundtrip(b"hello hello hello hello hello hello");
        let mut x = 12345u64;
        let noise: Vec<u8> = (0..5000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 7) as u8 + b'a'
            })
            .collect();
        roundtrip(&noise);
        for len in 0..100 {
            roundtrip(&noise[..len]);
        }
    }

    #[test]
    fn incompressible_data_is_refused() {
        let data: Vec<u8> = (0..=255u8).collect();
        assert!(compress(&data, data.len() - 4, &mut Vec::new()).is_none());
    }

    #[test]
    fn output_matches_liblzf() {
        // What Redis 7.0.15's DUMP holds for these strings (after the type
        // byte and the LZF header).
        let mut out = Vec::new();
        compress(&[b'a'; 100], 96, &mut out).unwrap();
        assert_eq!(out, b"\x01aa\xe0W\x00\x01aa");
        out.clear();
        let s = b"hello world hello world hello world 12345 hello";
        compress(s, s.len() - 4, &mut out).unwrap();
        assert_eq!(out, b"\x0chello world h\xe0\x0e\x0b\x0412345@\x1d\x01lo");
    }

    #[test]
    fn corrupt_input_is_rejected() {
        assert!(decompress(b"\x20\x00", 3).is_none(), "back reference before the start");
        assert!(decompress(b"\x05ab", 6).is_none(), "literal run past the input");
        assert!(decompress(b"\x00a", 2).is_none(), "short output");
    }
}
