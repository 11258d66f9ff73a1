//! The active expiry cycle (Redis's slow `activeExpireCycle`): called by the
//! cron `hz` times a second, it samples keys with a TTL in each database and
//! deletes the expired ones, repeating while more than 10% of a sample was
//! expired, within a time budget of 25% of the cron period.

use std::time::{Duration, Instant};

use super::Keyspace;

/// Keys sampled per round per database.
const KEYS_PER_LOOP: usize = 20;
/// Keep going while more than this percentage of a sample was expired.
const ACCEPTABLE_STALE_PERCENT: usize = 10;
/// Share of the cron period the cycle may use.
const CPU_PERCENT: u64 = 25;

/// Where the cycle resumes, so every database gets its turn across calls.
#[derive(Debug, Default)]
pub struct ExpireCycle {
    next_db: usize,
}

impl ExpireCycle {
    /// Runs one cycle. Returns the number of keys deleted.
    pub fn run(&mut self, ks: &mut Keyspace, hz: u32, now_ms: u64, mut rnd: impl FnMut() -> u64) -> usize {
        let budget = Duration::from_micros(1_000_000 * CPU_PERCENT / u64::from(hz.max(1)) / 100);
        let start = Instant::now();
        let dbs = ks.dbs.len();
        let mut total = 0;
        for _ in 0..dbs {
            let db = &mut ks.dbs[self.next_db % dbs];
            self.next_db = (self.next_db + 1) % dbs;
            let mut rounds = 0u32;
            loop {
                if db.expires_count() == 0 {
                    break;
                }
                let (sampled, expired) = db.expire_sample(KEYS_PER_LOOP, now_ms, &mut rnd);
                total += expired;
                rounds += 1;
                if rounds.is_multiple_of(16) && start.elapsed() > budget {
                    return total;
                }
                if sampled == 0 || expired * 100 / sampled <= ACCEPTABLE_STALE_PERCENT {
                    break;
                }
            }
            if start.elapsed() > budget {
                break;
            }
        }
        total
    }
}
