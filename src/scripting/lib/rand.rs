//! Redis's `math.random`: the 48-bit linear congruential generator of
//! `rand48` (a = 0x5DEECE66D, c = 0xB), one sequence for all scripts,
//! reseeded only by `math.randomseed`, so a seed gives the same numbers on
//! every platform.

const A: u64 = 0x5_DEEC_E66D;
const C: u64 = 0xB;
const MASK: u64 = (1 << 48) - 1;
/// `REDIS_LRAND48_MAX`.
pub const LRAND48_MAX: i32 = i32::MAX;

#[derive(Debug, Clone, Copy)]
pub struct Rand48 {
    x: u64,
}

impl Default for Rand48 {
    /// The state before any `srand48`: x = 0x1234ABCD330E.
    fn default() -> Rand48 {
        Rand48 { x: 0x1234_ABCD_330E }
    }
}

impl Rand48 {
    /// `redisSrand48`: the seed's 32 bits above 0x330E.
    pub fn seed(&mut self, seed: i32) {
        self.x = (u64::from(seed as u32) << 16) | 0x330E;
    }

    /// `redisLrand48`: 31 random bits.
    pub fn next_i32(&mut self) -> i32 {
        self.x = (A.wrapping_mul(self.x).wrapping_add(C)) & MASK;
        (self.x >> 17) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_libc_lrand48() {
        // glibc: srand48(0); lrand48() x3
        let mut r = Rand48::default();
        r.seed(0);
        assert_eq!(r.next_i32(), 366850414);
        assert_eq!(r.next_i32(), 1610402240);
        r.seed(10);
        assert_eq!(r.next_i32(), 1887318415);
    }
}
