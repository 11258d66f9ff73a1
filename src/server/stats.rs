//! Counters behind INFO stats, commandstats and errorstats, and the samples
//! behind the `instantaneous_*` rates.

use std::collections::BTreeMap;

use super::latency::Histogram;

/// Per-command counters (INFO commandstats).
#[derive(Debug, Default, Clone, Copy)]
pub struct CommandStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

/// One sample of the running totals, taken by the cron every 100 ms.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sample {
    pub ms: u64,
    pub commands: u64,
    pub net_input: u64,
    pub net_output: u64,
}

/// Samples kept for the instantaneous rates (Redis keeps 16).
const SAMPLES: usize = 16;

pub struct Stats {
    pub total_commands: u64,
    pub total_connections: u64,
    pub rejected_connections: u64,
    pub total_error_replies: u64,
    /// Error replies by code (`ERR`, `WRONGTYPE` …).
    pub errors: BTreeMap<String, u64>,
    /// Indexed by command table id.
    pub commands: Vec<CommandStat>,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    /// Ring of samples, oldest first.
    pub samples: Vec<Sample>,
    /// Highest `used_memory` seen (INFO `used_memory_peak`).
    pub peak_memory: usize,
    /// Per-command latency histograms (INFO latencystats), by table id.
    pub latency: Vec<Option<Box<Histogram>>>,
    /// `latency-tracking`: record latencies at all.
    pub latency_tracking: bool,
    /// `latency-tracking-info-percentiles`.
    pub latency_percentiles: Vec<f64>,
    /// Keys deleted to stay under `maxmemory` (INFO `evicted_keys`).
    pub evicted_keys: u64,
    /// Time spent over `maxmemory` in finished episodes, in µs
    /// (`total_eviction_exceeded_time`, shown in ms).
    pub eviction_exceeded_us: u64,
    /// Since when memory has been over the limit, if it is now.
    pub eviction_exceeded_since: Option<std::time::Instant>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            total_commands: 0,
            total_connections: 0,
            rejected_connections: 0,
            total_error_replies: 0,
            errors: BTreeMap::new(),
            commands: Vec::new(),
            net_input_bytes: 0,
            net_output_bytes: 0,
            samples: Vec::new(),
            peak_memory: 0,
            latency: Vec::new(),
            latency_tracking: true,
            latency_percentiles: vec![50.0, 99.0, 99.9],
            evicted_keys: 0,
            eviction_exceeded_us: 0,
            eviction_exceeded_since: None,
        }
    }
}

impl Stats {
    /// Counts one error reply with text `msg`.
    pub fn error(&mut self, msg: impl AsRef<[u8]>) {
        let msg = msg.as_ref();
        self.total_error_replies += 1;
        let code = String::from_utf8_lossy(crate::error::CmdError::code(msg));
        match self.errors.get_mut(code.as_ref()) {
            Some(n) => *n += 1,
            None => {
                // Redis caps the number of distinct error codes it tracks.
                if self.errors.len() < 128 {
                    self.errors.insert(code.into_owned(), 1);
                }
            }
        }
    }

    pub fn command(&mut self, id: usize) -> &mut CommandStat {
        if self.commands.len() <= id {
            self.commands.resize(id + 1, CommandStat::default());
        }
        &mut self.commands[id]
    }

    /// Records a call of command `id` that took `usec` microseconds (as
    /// Redis, which records its microsecond duration in nanoseconds).
    #[inline]
    pub fn record_latency(&mut self, id: usize, usec: u64) {
        if !self.latency_tracking {
            return;
        }
        if self.latency.len() <= id {
            self.latency.resize_with(id + 1, || None);
        }
        self.latency[id].get_or_insert_with(Default::default).record(usec.saturating_mul(1000));
    }

    /// The counters of command `id`, if it ever ran.
    pub fn command_stat(&self, id: usize) -> Option<&CommandStat> {
        self.commands.get(id)
    }

    /// Records a sample for the instantaneous rates and the memory peak
    /// (called by the cron every 100 ms).
    pub fn sample_ops(&mut self, now_ms: u64) {
        if self.samples.len() == SAMPLES {
            self.samples.remove(0);
        }
        self.samples.push(Sample {
            ms: now_ms,
            commands: self.total_commands,
            net_input: self.net_input_bytes,
            net_output: self.net_output_bytes,
        });
        self.update_peak_memory();
    }

    /// Raises the memory peak to the current use if it is higher.
    pub fn update_peak_memory(&mut self) -> usize {
        let used = crate::alloc::used_memory();
        self.peak_memory = self.peak_memory.max(used);
        used
    }

    /// Per-second rate of `field` over the sample window.
    fn rate(&self, field: impl Fn(&Sample) -> u64) -> f64 {
        match (self.samples.first(), self.samples.last()) {
            (Some(a), Some(b)) if b.ms > a.ms => (field(b) - field(a)) as f64 * 1000.0 / (b.ms - a.ms) as f64,
            _ => 0.0,
        }
    }

    pub fn instantaneous_ops_per_sec(&self) -> u64 {
        self.rate(|s| s.commands) as u64
    }

    /// Input rate in KiB/s.
    pub fn instantaneous_input_kbps(&self) -> f64 {
        self.rate(|s| s.net_input) / 1024.0
    }

    /// Output rate in KiB/s.
    pub fn instantaneous_output_kbps(&self) -> f64 {
        self.rate(|s| s.net_output) / 1024.0
    }

    /// CONFIG RESETSTAT: zeroes every counter, per-command ones and latency
    /// histograms included; the latency settings stay.
    pub fn reset(&mut self) {
        let tracking = self.latency_tracking;
        let percentiles = std::mem::take(&mut self.latency_percentiles);
        *self = Stats { latency_tracking: tracking, latency_percentiles: percentiles, ..Stats::default() };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_count_by_code() {
        let mut s = Stats::default();
        s.error("ERR syntax error");
        s.error("ERR x");
        s.error("WRONGTYPE Operation against a key holding the wrong kind of value");
        assert_eq!(s.total_error_replies, 3);
        assert_eq!(s.errors.get("ERR"), Some(&2));
        assert_eq!(s.errors.get("WRONGTYPE"), Some(&1));
    }

    #[test]
    fn rates_come_from_the_sample_window() {
        let mut s = Stats::default();
        s.sample_ops(1000);
        s.total_commands = 500;
        s.net_input_bytes = 2048;
        s.sample_ops(1500);
        assert_eq!(s.instantaneous_ops_per_sec(), 1000);
        assert_eq!(s.instantaneous_input_kbps(), 4.0);
        for i in 0..40 {
            s.sample_ops(2000 + i * 100);
        }
        assert_eq!(s.samples.len(), SAMPLES);
        assert_eq!(s.instantaneous_ops_per_sec(), 0);
    }
}
