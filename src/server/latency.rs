//! Per-command latency histograms for INFO latencystats: the layout of the
//! HdrHistogram Redis uses (values 1 ns .. 1 s, 2 significant digits), so
//! the percentiles INFO prints are the values Redis would print for the same
//! samples. 3072 `u32` counters (12 KiB), allocated for a command on its
//! first call.

/// Values are clamped to this range (ns), as Redis does.
const MIN: u64 = 1;
const MAX: u64 = 1_000_000_000;
/// log2 of half the sub-buckets per bucket (256 sub-buckets: 2 digits).
const HALF_MAG: u32 = 7;
const HALF: u64 = 1 << HALF_MAG;
const SUB_MASK: u64 = (1 << (HALF_MAG + 1)) - 1;
/// Buckets needed to reach `MAX` (23) plus one, times half the sub-buckets.
const COUNTS: usize = 24 * HALF as usize;

pub struct Histogram {
    counts: Box<[u32]>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: vec![0; COUNTS].into_boxed_slice(), total: 0 }
    }
}

fn bucket_of(v: u64) -> u32 {
    (64 - (v | SUB_MASK).leading_zeros()) - (HALF_MAG + 1)
}

fn index_of(v: u64) -> usize {
    let b = bucket_of(v);
    let sub = v >> b;
    (((b as u64 + 1) << HALF_MAG) + sub - HALF) as usize
}

fn value_at(index: usize) -> u64 {
    let mut bucket = (index >> HALF_MAG) as i64 - 1;
    let mut sub = (index as u64 & (HALF - 1)) + HALF;
    if bucket < 0 {
        sub -= HALF;
        bucket = 0;
    }
    sub << bucket
}

fn lowest_equivalent(v: u64) -> u64 {
    let b = bucket_of(v);
    (v >> b) << b
}

fn highest_equivalent(v: u64) -> u64 {
    let b = bucket_of(v);
    let size = if (v >> b) >= 2 * HALF { 1 << (b + 1) } else { 1 << b };
    lowest_equivalent(v) + size - 1
}

impl Histogram {
    /// Records one duration in nanoseconds.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        let v = ns.clamp(MIN, MAX);
        self.counts[index_of(v)] += 1;
        self.total += 1;
    }

    /// HdrHistogram's `hdr_value_at_percentile`, in nanoseconds.
    pub fn value_at_percentile(&self, percentile: f64) -> u64 {
        let p = percentile.min(100.0);
        let wanted = (((p / 100.0) * self.total as f64) + 0.5) as u64;
        let wanted = wanted.max(1);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= wanted {
                let v = value_at(i);
                return if percentile == 0.0 { lowest_equivalent(v) } else { highest_equivalent(v) };
            }
        }
        0
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// LATENCY HISTOGRAM's buckets: HdrHistogram's logarithmic iteration
    /// from 1,024 ns doubling, as `(µs, cumulative count)` for each level
    /// where the cumulative count grew. At a level L the iteration stands on
    /// the first counter whose value reaches L: the count includes it and
    /// the µs are its highest equivalent value.
    pub fn log2_buckets(&self) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let (mut level, mut index, mut cumulative, mut reported) = (1024u64, 0usize, 0u64, 0u64);
        while level <= MAX && reported < self.total {
            let floor = lowest_equivalent(level);
            while index < self.counts.len() && value_at(index) < floor {
                cumulative += u64::from(self.counts[index]);
                index += 1;
            }
            if index == self.counts.len() {
                break;
            }
            let at = cumulative + u64::from(self.counts[index]);
            if at > reported {
                out.push((highest_equivalent(value_at(index)) / 1000, at));
                reported = at;
            }
            level *= 2;
        }
        out
    }
}

/// Prints a percentile as Redis's `%f` + `trimDoubleString` does: `50`, `99.9`.
pub fn percentile_name(p: f64) -> String {
    let s = format!("{p:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_buckets_as_redis_reports_them() {
        let mut h = Histogram::default();
        for ns in [500, 900, 1_500, 1_500, 3_000, 9_000_000] {
            h.record(ns);
        }
        // Levels 1024, 2048, 4096 ns: highest equivalents 1031, 2063, 4127
        // ns; 9 ms is past level 8,388,608's counter (8,388,608..8,454,143)
        // and counted at level 16,777,216 (+131,071 → 16,908,287 ns).
        assert_eq!(h.log2_buckets(), vec![(1, 2), (2, 4), (4, 5), (16908, 6)]);
    }

    #[test]
    fn hdr_layout() {
        assert_eq!(index_of(1), 1);
        assert_eq!(index_of(255), 255);
        assert_eq!(index_of(256), 256);
        assert!(index_of(MAX) < COUNTS);
        for v in [1, 200, 255, 256, 1000, 45_000, 123_456, 1_000_000, MAX] {
            assert_eq!(lowest_equivalent(value_at(index_of(v))), lowest_equivalent(v), "{v}");
            assert!(highest_equivalent(v) >= v);
        }
        // Redis printed p50=45.055 for one 45 µs call.
        let mut h = Histogram::default();
        h.record(45_000);
        assert_eq!(h.value_at_percentile(50.0), 45_055);
        assert_eq!(h.value_at_percentile(99.9), 45_055);
    }

    #[test]
    fn percentiles_over_many() {
        let mut h = Histogram::default();
        for v in 1..=100u64 {
            h.record(v * 1000);
        }
        let p50 = h.value_at_percentile(50.0);
        assert!((50_000..=50_500).contains(&p50), "{p50}");
        assert!(h.value_at_percentile(100.0) >= 100_000);
        assert_eq!(percentile_name(50.0), "50");
        assert_eq!(percentile_name(99.9), "99.9");
    }
}
