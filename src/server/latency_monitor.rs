//! The latency monitor (Redis's latency.c): for each event class that took
//! at least `latency-monitor-threshold` ms, a ring of the last 160 samples,
//! one per second (a second's worst), and the all-time worst. LATENCY reads
//! it. The dispatcher records the `command` and `fast-command` events; no
//! other event class is measured yet. Imports nothing of the crate.

/// Samples kept per event (Redis's `LATENCY_TS_LEN`).
pub const SAMPLES: usize = 160;

/// One sample: when (Unix seconds; 0 = empty slot) and how long (ms).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sample {
    pub time: i64,
    pub latency: u64,
}

/// One event class's history.
#[derive(Debug, Clone)]
pub struct Series {
    /// The slot the next sample goes to.
    next: usize,
    pub max: u64,
    samples: [Sample; SAMPLES],
}

impl Series {
    /// The samples, oldest first.
    pub fn samples(&self) -> impl Iterator<Item = &Sample> {
        (0..SAMPLES).map(move |j| &self.samples[(self.next + j) % SAMPLES]).filter(|s| s.time != 0)
    }

    /// The most recent sample.
    pub fn latest(&self) -> Sample {
        self.samples[(self.next + SAMPLES - 1) % SAMPLES]
    }
}

/// Every event class with samples, in the order each first occurred.
#[derive(Debug, Default)]
pub struct LatencyMonitor {
    pub events: Vec<(&'static str, Series)>,
}

impl LatencyMonitor {
    /// Records `latency` ms for `event` at `now` (Unix seconds). A sample in
    /// the same second as the previous one only raises it.
    pub fn add(&mut self, event: &'static str, latency: u64, now: i64) {
        let i = match self.events.iter().position(|(name, _)| *name == event) {
            Some(i) => i,
            None => {
                self.events.push((event, Series { next: 0, max: 0, samples: [Sample::default(); SAMPLES] }));
                self.events.len() - 1
            }
        };
        let s = &mut self.events[i].1;
        s.max = s.max.max(latency);
        let prev = (s.next + SAMPLES - 1) % SAMPLES;
        if s.samples[prev].time == now {
            s.samples[prev].latency = s.samples[prev].latency.max(latency);
            return;
        }
        s.samples[s.next] = Sample { time: now, latency };
        s.next = (s.next + 1) % SAMPLES;
    }

    pub fn get(&self, event: &[u8]) -> Option<(&'static str, &Series)> {
        self.events.iter().find(|(name, _)| name.as_bytes() == event).map(|(n, s)| (*n, s))
    }

    /// Forgets `event` (all events with `None`); returns how many were forgotten.
    pub fn reset(&mut self, event: Option<&[u8]>) -> usize {
        let before = self.events.len();
        match event {
            None => self.events.clear(),
            Some(e) => self.events.retain(|(name, _)| name.as_bytes() != e),
        }
        before - self.events.len()
    }
}

/// Redis's `analyzeLatencyForEvent`: samples, average, mean absolute
/// deviation (ms), and the seconds since the oldest sample (at least 1).
pub fn analyze(series: &Series, now: i64) -> (u64, u64, u64, i64) {
    let samples: Vec<u64> = series.samples().map(|s| s.latency).collect();
    let n = samples.len() as u64;
    if n == 0 {
        return (0, 0, 0, 0);
    }
    let avg = samples.iter().sum::<u64>() / n;
    let mad = samples.iter().map(|&l| avg.abs_diff(l)).sum::<u64>() / n;
    let oldest = series.samples().map(|s| s.time).min().unwrap_or(now);
    let period = now - oldest;
    (n, avg, mad, if period == 0 { 1 } else { period })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sample_per_second_keeps_the_worst() {
        let mut m = LatencyMonitor::default();
        m.add("command", 5, 100);
        m.add("command", 9, 100);
        m.add("command", 7, 100);
        m.add("command", 3, 101);
        let (_, s) = m.get(b"command").unwrap();
        let got: Vec<(i64, u64)> = s.samples().map(|s| (s.time, s.latency)).collect();
        assert_eq!(got, vec![(100, 9), (101, 3)]);
        assert_eq!((s.max, s.latest()), (9, Sample { time: 101, latency: 3 }));
        assert_eq!(analyze(s, 104), (2, 6, 3, 4));
    }

    #[test]
    fn the_ring_keeps_the_last_160() {
        let mut m = LatencyMonitor::default();
        for t in 1..=200 {
            m.add("fast-command", t as u64, t);
        }
        let (_, s) = m.get(b"fast-command").unwrap();
        let times: Vec<i64> = s.samples().map(|s| s.time).collect();
        assert_eq!(times, (41..=200).collect::<Vec<_>>());
        assert_eq!(m.reset(Some(b"nope")), 0);
        assert_eq!(m.reset(None), 1);
        assert!(m.events.is_empty());
    }
}
