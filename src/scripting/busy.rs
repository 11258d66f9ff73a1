//! What the engine's hook does while a script runs: past
//! `busy-reply-threshold` the script is "timed out" (other clients get BUSY)
//! and the server serves other clients from the hook, at most every
//! `SERVE_EVERY` (a pass costs a read attempt per connection); SCRIPT KILL
//! ends the script (SHUTDOWN NOSAVE ends the process). A signal's shutdown
//! waits for the script to end, as in Redis (the cron acts on it).

use std::time::{Duration, Instant};

use crate::server::Server;

/// Minimum time between two passes over the clients while busy.
const SERVE_EVERY: Duration = Duration::from_millis(2);

/// Called from the hook with the server. True: stop the script now.
pub fn interrupt(srv: &mut Server) -> bool {
    let threshold = srv.config.busy_reply_threshold;
    let Some(run) = srv.scripting.run.as_mut() else { return false };
    if !run.timed_out {
        if threshold <= 0 {
            return false;
        }
        let elapsed = crate::util::time::unix_ms().saturating_sub(run.start_ms) as i64;
        if elapsed < threshold {
            return false;
        }
        crate::log::warning(&format!(
            "Slow script detected: still in execution after {elapsed} milliseconds. You can try killing the script \
             using the {} command. Script name is: {}.",
            if run.origin.is_eval() { "SCRIPT KILL" } else { "FUNCTION KILL" },
            run.origin.name()
        ));
        run.timed_out = true;
    }
    // Once told to stop, stop at once (the hook then fires on every line).
    if run.killed {
        return true;
    }
    let due = run.last_serve.is_none_or(|t| t.elapsed() >= SERVE_EVERY);
    if !due {
        return false;
    }
    run.last_serve = Some(Instant::now());
    // Commands run meanwhile must not move the script's clock.
    let now = srv.now_ms;
    crate::server::busy::serve_clients(srv);
    srv.now_ms = now;
    srv.scripting.run.as_ref().is_some_and(|r| r.killed)
}
