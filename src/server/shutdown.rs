//! The one shutdown routine, used by SHUTDOWN, SIGTERM and SIGINT (Redis's
//! `prepareForShutdown`/`finishShutdown`): log `User requested
//! shutdown...`, save when `save::shutdown_wants_save` says so (a failed
//! save stops the shutdown unless FORCE), remove the pid file, log `Redis
//! is now ready to exit, bye bye...` and end the process, which closes
//! every client and listener.
//!
//! Signals: the handler only logs Redis's signal-handler line and raises a
//! flag, which the cron turns into a shutdown (with the flags of
//! `shutdown-on-sigint` / `shutdown-on-sigterm`). A SIGINT that arrives
//! while that flag is up — the server is busy, e.g. saving for the
//! shutdown — ends the process at once (`You insist... exiting now.`, exit
//! code 1), as in Redis. SIGPIPE is ignored.

use std::ffi::CString;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use super::Server;
use super::save;
use super::supervise;
use crate::config::shutdown::{FORCE, NOSAVE, SAVE};
use crate::sys;

/// A signal asked for a shutdown the cron has not started yet (Redis's
/// `shutdown_asap`); also up while a signal-started shutdown runs.
static ASAP: AtomicBool = AtomicBool::new(false);
static LAST_SIGNAL: AtomicI32 = AtomicI32::new(0);
/// `temp-<pid>.rdb` (relative to `dir`, the working directory): the file a
/// save in progress writes, removed when a second SIGINT cuts it short.
static TEMP_RDB: OnceLock<CString> = OnceLock::new();

/// Installs the SIGINT/SIGTERM handler and ignores SIGPIPE. Call in the
/// process that will serve (after daemonizing).
pub fn install_signal_handlers() -> Result<(), String> {
    let _ = TEMP_RDB.set(CString::new(format!("temp-{}.rdb", std::process::id())).expect("no NUL"));
    sys::install_shutdown_handlers(on_signal).map_err(|e| format!("Failed installing signal handlers: {e}"))
}

/// Runs on the signal (any thread, any moment): atomics and
/// async-signal-safe calls only.
extern "C" fn on_signal(sig: i32) {
    if ASAP.load(Ordering::SeqCst) && sig == sys::SIGINT {
        crate::log::from_signal_handler("You insist... exiting now.");
        if let Some(temp) = TEMP_RDB.get() {
            sys::signal_safe_unlink(temp);
        }
        sys::exit_now(1);
    }
    let msg = match sig {
        sys::SIGINT => "Received SIGINT scheduling shutdown...",
        sys::SIGTERM => "Received SIGTERM scheduling shutdown...",
        _ => "Received shutdown signal, scheduling shutdown...",
    };
    crate::log::from_signal_handler(msg);
    LAST_SIGNAL.store(sig, Ordering::SeqCst);
    ASAP.store(true, Ordering::SeqCst);
}

/// Called by the cron: starts the shutdown a signal asked for. If it
/// fails (a save error), the server keeps running.
pub fn handle_signal(srv: &mut Server) {
    if !ASAP.load(Ordering::SeqCst) {
        return;
    }
    let flags = match LAST_SIGNAL.load(Ordering::SeqCst) {
        sys::SIGINT if srv.config.shutdown_on_sigint != 0 => srv.config.shutdown_on_sigint,
        sys::SIGTERM if srv.config.shutdown_on_sigterm != 0 => srv.config.shutdown_on_sigterm,
        _ => 0,
    };
    let _ = shutdown(srv, flags);
}

/// SHUTDOWN ABORT: cancels a shutdown a signal asked for and the cron has
/// not started. False if there is none ("No shutdown in progress.").
pub fn abort() -> bool {
    if ASAP.swap(false, Ordering::SeqCst) {
        crate::log::notice("Shutdown manually aborted.");
        true
    } else {
        false
    }
}

/// Why a shutdown did not end the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownFailed;

/// Shuts the server down with `config::shutdown` flags (SAVE, NOSAVE,
/// FORCE; NOW changes nothing without replicas). On success the process
/// exits with code 0 and this never returns; on failure (the final save
/// failed without FORCE) the shutdown is cancelled, Redis's lines are
/// logged, and the server goes on.
pub fn shutdown(srv: &mut Server, flags: u32) -> Result<std::convert::Infallible, ShutdownFailed> {
    crate::log::warning("User requested shutdown...");
    supervise::notify("STOPPING=1\n");
    let (want_save, refuse_save, force) = (flags & SAVE != 0, flags & NOSAVE != 0, flags & FORCE != 0);
    if save::shutdown_wants_save(srv, want_save, refuse_save) {
        supervise::notify("STATUS=Saving the final RDB snapshot\n");
    }
    // Abandons a running BGSAVE, saves when asked or when save points exist,
    // and logs Redis's lines (including the failure's reason).
    if save::shutdown_save(srv, want_save, refuse_save, force).is_err() {
        supervise::notify("STATUS=Error trying to save the DB, can't exit.\n");
        ASAP.store(false, Ordering::SeqCst);
        LAST_SIGNAL.store(0, Ordering::SeqCst);
        return Err(ShutdownFailed);
    }
    if srv.config.daemonize || !srv.config.pidfile.is_empty() {
        crate::log::notice("Removing the pid file.");
        let _ = std::fs::remove_file(&srv.config.pidfile);
    }
    crate::log::warning("Redis is now ready to exit, bye bye...");
    std::process::exit(0)
}
