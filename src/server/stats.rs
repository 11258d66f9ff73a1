//! Counters behind INFO stats, commandstats and errorstats.

use std::collections::BTreeMap;

/// Per-command counters (INFO commandstats).
#[derive(Debug, Default, Clone, Copy)]
pub struct CommandStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

#[derive(Debug, Default)]
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
    /// Ring of (ms, total_commands) samples for instantaneous_ops_per_sec.
    pub ops_samples: Vec<(u64, u64)>,
}

impl Stats {
    /// Counts one error reply with text `msg`.
    pub fn error(&mut self, msg: &str) {
        self.total_error_replies += 1;
        let code = crate::error::CmdError::code(msg);
        match self.errors.get_mut(code) {
            Some(n) => *n += 1,
            None => {
                // Redis caps the number of distinct error codes it tracks.
                if self.errors.len() < 128 {
                    self.errors.insert(code.to_string(), 1);
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

    /// Records a sample for the ops/sec estimate (called by the cron).
    pub fn sample_ops(&mut self, now_ms: u64) {
        self.ops_samples.push((now_ms, self.total_commands));
        if self.ops_samples.len() > 16 {
            self.ops_samples.remove(0);
        }
    }

    pub fn instantaneous_ops_per_sec(&self) -> u64 {
        match (self.ops_samples.first(), self.ops_samples.last()) {
            (Some(a), Some(b)) if b.0 > a.0 => (b.1 - a.1) * 1000 / (b.0 - a.0),
            _ => 0,
        }
    }

    pub fn reset(&mut self) {
        *self = Stats { total_connections: 0, ..Default::default() };
    }
}
