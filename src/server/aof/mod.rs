//! The append-only file (Redis 7.0's multi-part AOF, `aof.c`).
//!
//! **Files.** Under `dir/appenddirname`: the manifest
//! (`<appendfilename>.manifest`, `persistence::aof_manifest`), a base file
//! (`<appendfilename>.<n>.base.rdb`: an RDB written by the fork-free
//! snapshot of `server::save`) and incr files (`<n>.incr.aof`: commands).
//! Paths are relative, as Redis's: the server runs in `dir`.
//!
//! **Writing.** The command stream replicas get (`server::replication`:
//! `emit` calls `feed` for every command it propagates, the AOF keeping
//! its own SELECT state) is appended to `Aof::buf`, written to the incr
//! file before the replies of the batch leave (`connection::serve` calls
//! `write_buf`, as Redis's `beforeSleep` does) and by the cron.
//! `appendfsync always` fsyncs on the command thread after each write;
//! `everysec` hands an fsync to a short-lived thread at most once a second
//! (Redis's bio job), `no` leaves it to the kernel.
//!
//! **Rewrite.** BGREWRITEAOF opens a new incr file (new manifest) and
//! starts a BGSAVE of kind `aof` (`save::bgsave_start_aof`) whose file
//! becomes the new base when it ends (with `aof-use-rdb-preamble no` a
//! thread first turns it into commands, `persistence::aof_rewrite`); the
//! older base and incr files become history and are deleted. A write or
//! fsync error makes writes answer MISCONF until one succeeds.
//!
//! **Loading.** At startup with `appendonly yes` (and DEBUG LOADAOF) the
//! manifest's base (an RDB through the RDB loader, or commands) and incr
//! files are replayed: commands run through `dispatch::run_loaded` as a
//! fake client, with propagation off and nothing expiring (`Db::loading`,
//! as Redis while `server.loading`); every 1,024 commands other clients
//! are served and get LOADING (`busy::serve_clients`).
//!
//! May import: the server state and its modules, `persistence` (manifest,
//! the commands base), `config`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::mpsc::Receiver;

use bytes::Bytes;

mod files;
mod load;
mod rewrite;

use files::*;

pub use load::{debug_loadaof, startup};
use rewrite::*;
pub use rewrite::{bgrewriteaof, rewrite_done, rewrite_killed, rewrite_start};

use super::Server;
use super::client::Client;
use crate::config::AppendFsync;
use crate::persistence::aof_manifest::{MANIFEST_SUFFIX, Manifest, TEMP_PREFIX};
use crate::util::time::unix_ms;

/// An AOF operation failed; the reason is in the log.
#[derive(Debug)]
pub struct Failed;

/// Set to abandon a conversion running on its thread.
type Cancel = Arc<AtomicBool>;

/// Redis's `aof_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    #[default]
    Off,
    On,
    /// Turned on at runtime: the first rewrite makes the base; until it
    /// ends, writes go to a temporary incr file.
    WaitRewrite,
}

/// The AOF's state on the server.
#[derive(Default)]
pub struct Aof {
    pub state: State,
    /// Commands not yet written (Redis's `aof_buf`).
    pub buf: Vec<u8>,
    /// The database the file last selected.
    seldb: Option<usize>,
    file: Option<File>,
    pub manifest: Manifest,
    /// `aof_current_size`, `aof_base_size` (Redis's `aof_rewrite_base_size`).
    pub current_size: u64,
    pub base_size: u64,
    last_incr_size: u64,
    last_incr_fsync_offset: u64,
    /// Unix seconds of the last fsync (or its hand-off).
    last_fsync: u64,
    /// Background fsyncs not finished (`aof_pending_bio_fsync`).
    fsync_pending: Arc<AtomicU64>,
    /// The errno of the last background fsync if it failed, else 0
    /// (Redis's `aof_bio_fsync_status`).
    fsync_errno: Arc<AtomicI32>,
    /// The error of the last failed write (`aof_last_write_errno`), and
    /// when one was last logged (Unix s).
    last_write_error: String,
    last_write_error_log: u64,
    /// `aofRewriteLimited`: minutes of the current delay, and until when
    /// (Unix s) automatic and scheduled rewrites wait.
    limit_delay_minutes: u64,
    limit_until: u64,
    flush_postponed_start: u64,
    pub delayed_fsync: u64,
    /// The BGSAVE making the next base, and when it started (Unix s).
    pub rewrite: Option<(u64, u64)>,
    pub rewrite_scheduled: bool,
    pub last_rewrite_secs: i64,
    pub last_bgrewrite_ok: bool,
    pub rewrites: u64,
    pub consecutive_failures: u64,
    pub last_write_ok: bool,
    /// The last `#TS:` annotation written (Unix s).
    cur_timestamp: u64,
    /// `aof-timestamp-enabled` and `no-appendfsync-on-rewrite`, as the
    /// cron last read them.
    timestamps: bool,
    no_fsync_on_rewrite: bool,
    /// The running rewrite's base is an RDB (`aof-use-rdb-preamble` when
    /// it started); otherwise its snapshot is turned into commands.
    rewrite_rdb: bool,
    /// That conversion, on its thread: the outcome, and a flag that
    /// abandons it.
    converting: Option<(Receiver<Result<(), String>>, Cancel)>,
}

impl Aof {
    pub fn new() -> Aof {
        Aof { last_rewrite_secs: -1, last_bgrewrite_ok: true, last_write_ok: true, ..Aof::default() }
    }

    pub fn on(&self) -> bool {
        self.state != State::Off
    }

    /// No write or background fsync error (the dispatcher's test before
    /// `write_error`).
    #[inline]
    pub fn writes_ok(&self) -> bool {
        self.last_write_ok && self.fsync_errno.load(Ordering::Relaxed) == 0
    }

    /// The AOF takes what `feed` gives it (Redis: AOF_ON, or waiting for
    /// its first rewrite while that rewrite runs).
    fn takes_writes(&self) -> bool {
        self.state == State::On || (self.state == State::WaitRewrite && self.rewrite.is_some())
    }
}

fn now_secs() -> u64 {
    unix_ms() / 1000
}

fn dirname(srv: &Server) -> PathBuf {
    PathBuf::from(&srv.config.appenddirname)
}

fn file_path(srv: &Server, name: &str) -> PathBuf {
    dirname(srv).join(name)
}

fn manifest_name(srv: &Server) -> String {
    format!("{}{MANIFEST_SUFFIX}", srv.config.appendfilename)
}

fn temp_incr_name(srv: &Server) -> String {
    format!("{TEMP_PREFIX}{}{}", srv.config.appendfilename, crate::persistence::aof_manifest::INCR_SUFFIX)
}

/// The temporary file the rewrite's snapshot is written to (in `dir`).
fn temp_rewrite_path() -> PathBuf {
    PathBuf::from(format!("temp-rewriteaof-bg-{}.aof", std::process::id()))
}

/// The snapshot turned into commands (`aof-use-rdb-preamble no`).
fn temp_commands_path() -> PathBuf {
    PathBuf::from(format!("temp-rewriteaof-bg-{}.cmd", std::process::id()))
}

fn strerror(e: &std::io::Error) -> String {
    crate::config::special::strerror(e)
}

/// A yes/no directive kept by name.
fn yes(srv: &Server, name: &str) -> bool {
    srv.config.get(name).is_some_and(|v| v == "yes")
}

// ---------------------------------------------------------------------------
// Feeding and writing
// ---------------------------------------------------------------------------

/// Appends one propagated command (Redis's `feedAppendOnlyFile`).
pub fn feed(srv: &mut Server, db: usize, argv: &[Bytes]) {
    let a = &mut srv.aof;
    if !a.takes_writes() {
        return;
    }
    if a.timestamps {
        let now = now_secs();
        if a.cur_timestamp < now {
            a.cur_timestamp = now;
            a.buf.extend_from_slice(format!("#TS:{now}\r\n").as_bytes());
        }
    }
    if a.seldb != Some(db) {
        let n = db.to_string();
        a.buf.extend_from_slice(format!("*2\r\n$6\r\nSELECT\r\n${}\r\n{n}\r\n", n.len()).as_bytes());
        a.seldb = Some(db);
    }
    encode(&mut a.buf, argv);
}

fn encode(buf: &mut Vec<u8>, argv: &[Bytes]) {
    use std::io::Write as _;
    let _ = write!(buf, "*{}\r\n", argv.len());
    for a in argv {
        let _ = write!(buf, "${}\r\n", a.len());
        buf.extend_from_slice(a);
        buf.extend_from_slice(b"\r\n");
    }
}

/// Does the AOF have something to write or fsync? (One test per batch.)
#[inline]
pub fn needs_flush(srv: &Server) -> bool {
    !srv.aof.buf.is_empty()
}

/// Writes the buffer to the incr file and fsyncs as `appendfsync` says
/// (Redis's `flushAppendOnlyFile`). `force`: write even while a
/// background fsync is slow.
pub fn write_buf(srv: &mut Server, force: bool) {
    let fsync = srv.config.appendfsync;
    // The cached clock (Redis's `server.unixtime`), refreshed per command
    // and by the cron.
    let now = srv.now_ms / 1000;
    let no_fsync_now = srv.aof.no_fsync_on_rewrite && srv.persist.bgsave.is_some();
    let a = &mut srv.aof;
    let Some(file) = a.file.as_mut() else {
        a.buf.clear();
        return;
    };
    let sync_in_progress = a.fsync_pending.load(Ordering::Relaxed) != 0;
    if a.buf.is_empty() {
        let unsynced = a.last_incr_fsync_offset != a.last_incr_size;
        let due = match fsync {
            AppendFsync::EverySec => unsynced && now > a.last_fsync && !sync_in_progress,
            AppendFsync::Always => unsynced,
            AppendFsync::No => false,
        };
        if !due {
            return;
        }
    } else {
        if fsync == AppendFsync::EverySec && !force && sync_in_progress {
            if a.flush_postponed_start == 0 {
                a.flush_postponed_start = now;
                return;
            } else if now.saturating_sub(a.flush_postponed_start) < 2 {
                return;
            }
            a.delayed_fsync += 1;
            crate::log::notice(
                "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting \
                 for fsync to complete, this may slow down Redis.",
            );
        }
        a.flush_postponed_start = 0;
        match file.write_all(&a.buf) {
            Ok(()) => {
                if !a.last_write_ok {
                    crate::log::warning("AOF write error looks solved, Redis can write again.");
                    a.last_write_ok = true;
                }
                let n = a.buf.len() as u64;
                a.current_size += n;
                a.last_incr_size += n;
                if a.buf.capacity() > 1 << 20 {
                    a.buf = Vec::new();
                } else {
                    a.buf.clear();
                }
            }
            Err(e) => {
                // Logged at most every 30 s (Redis's AOF_WRITE_LOG_ERROR_RATE):
                // the cron retries 10 times a second.
                if now.saturating_sub(a.last_write_error_log) > 30 {
                    a.last_write_error_log = now;
                    crate::log::warning(&format!("Error writing to the AOF file: {}", strerror(&e)));
                }
                a.last_write_error = strerror(&e);
                // What was written of a short write is cut off again.
                let _ = file.set_len(a.last_incr_size);
                if fsync == AppendFsync::Always {
                    crate::log::warning(
                        "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...",
                    );
                    std::process::exit(1);
                }
                a.last_write_ok = false;
                return;
            }
        }
    }
    if no_fsync_now {
        return;
    }
    match fsync {
        AppendFsync::Always => {
            if let Err(e) = file.sync_data() {
                crate::log::warning(&format!(
                    "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. Exiting...",
                    strerror(&e)
                ));
                std::process::exit(1);
            }
            a.last_incr_fsync_offset = a.last_incr_size;
            a.last_fsync = now;
        }
        AppendFsync::EverySec if now > a.last_fsync => {
            if !sync_in_progress {
                background_fsync(file, &a.fsync_pending, &a.fsync_errno);
                a.last_incr_fsync_offset = a.last_incr_size;
            }
            a.last_fsync = now;
        }
        _ => {}
    }
}

/// fsyncs a copy of the file's descriptor on a short-lived thread (Redis's
/// bio fsync job), recording its failure in `errno`.
fn background_fsync(file: &File, pending: &Arc<AtomicU64>, errno: &Arc<AtomicI32>) {
    let Ok(f) = file.try_clone() else { return };
    pending.fetch_add(1, Ordering::Relaxed);
    let (counter, errno) = (pending.clone(), errno.clone());
    let spawned = std::thread::Builder::new().name("aof-fsync".into()).spawn(move || {
        match f.sync_data() {
            Ok(()) => errno.store(0, Ordering::Relaxed),
            Err(e) => {
                crate::log::warning(&format!("Fail to fsync the AOF file: {}", strerror(&e)));
                errno.store(e.raw_os_error().unwrap_or(libc_eio()), Ordering::Relaxed);
            }
        }
        drop(f);
        counter.fetch_sub(1, Ordering::Relaxed);
    });
    if spawned.is_err() {
        pending.fetch_sub(1, Ordering::Relaxed);
    }
}

/// EIO, for an error without an OS code.
const fn libc_eio() -> i32 {
    5
}

/// Writes are refused while the AOF cannot be written or fsynced (Redis's
/// `writeCommandsDeniedByDiskError`): the MISCONF error, if so.
pub fn write_error(srv: &Server) -> Option<String> {
    let a = &srv.aof;
    if a.state == State::Off {
        return None;
    }
    let reason = if !a.last_write_ok {
        a.last_write_error.clone()
    } else {
        match a.fsync_errno.load(Ordering::Relaxed) {
            0 => return None,
            n => strerror(&std::io::Error::from_raw_os_error(n)),
        }
    };
    Some(format!("MISCONF Errors writing to the AOF file: {reason}"))
}

/// Writes and fsyncs everything now (SHUTDOWN, CONFIG SET appendonly no).
fn flush_and_sync(srv: &mut Server) {
    write_buf(srv, true);
    if let Some(f) = srv.aof.file.as_ref() {
        match f.sync_data() {
            Ok(()) => srv.aof.last_fsync = now_secs(),
            Err(e) => crate::log::warning(&format!("Fail to fsync the AOF file: {}", strerror(&e))),
        }
        srv.aof.last_incr_fsync_offset = srv.aof.last_incr_size;
    }
}

// ---------------------------------------------------------------------------
// Runtime switches, cron, shutdown, INFO
// ---------------------------------------------------------------------------

/// CONFIG SET changed something: the flags the write path caches.
pub fn config_changed(srv: &mut Server) {
    srv.aof.timestamps = yes(srv, "aof-timestamp-enabled");
    srv.aof.no_fsync_on_rewrite = yes(srv, "no-appendfsync-on-rewrite");
}

/// CONFIG SET appendonly yes (`startAppendOnly`).
pub fn start(srv: &mut Server, in_exec: bool) -> Result<(), Failed> {
    srv.aof.state = State::WaitRewrite;
    srv.aof.timestamps = yes(srv, "aof-timestamp-enabled");
    srv.aof.no_fsync_on_rewrite = yes(srv, "no-appendfsync-on-rewrite");
    if srv.persist.bgsave.is_some() && srv.aof.rewrite.is_none() {
        srv.aof.rewrite_scheduled = true;
        crate::log::warning(
            "AOF was enabled but there is already another background operation. An AOF background was scheduled \
             to start when possible.",
        );
    } else if in_exec {
        srv.aof.rewrite_scheduled = true;
        crate::log::warning(
            "AOF was enabled during a transaction. An AOF background was scheduled to start when possible.",
        );
    } else {
        if srv.aof.rewrite.is_some() {
            crate::log::warning(
                "AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and \
                 starting a rewrite now.",
            );
            kill_rewrite(srv);
        }
        if rewrite_start(srv).is_err() {
            srv.aof.state = State::Off;
            crate::log::warning(
                "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the \
                 above logs for more info about the error.",
            );
            return Err(Failed);
        }
    }
    srv.aof.last_fsync = now_secs();
    if srv.aof.fsync_errno.swap(0, Ordering::Relaxed) != 0 {
        crate::log::warning("AOF reopen, just ignore the AOF fsync error in bio job");
    }
    if !srv.aof.last_write_ok {
        crate::log::warning("AOF reopen, just ignore the last error.");
        srv.aof.last_write_ok = true;
    }
    super::replication::refresh_propagate(srv);
    Ok(())
}

/// CONFIG SET appendonly no (`stopAppendOnly`).
pub fn stop(srv: &mut Server) {
    flush_and_sync(srv);
    srv.aof.file = None;
    srv.aof.seldb = None;
    srv.aof.state = State::Off;
    srv.aof.rewrite_scheduled = false;
    srv.aof.last_incr_size = 0;
    srv.aof.last_incr_fsync_offset = 0;
    if srv.aof.rewrite.is_some() {
        kill_rewrite(srv);
    }
    srv.aof.buf = Vec::new();
    super::replication::refresh_propagate(srv);
}

/// The cron's part: scheduled and automatic rewrites, and the write and
/// fsync Redis's `beforeSleep` makes on every loop.
pub fn cron(srv: &mut Server) {
    poll_conversion(srv);
    if srv.aof.state == State::Off && !srv.aof.rewrite_scheduled {
        return;
    }
    srv.aof.timestamps = yes(srv, "aof-timestamp-enabled");
    srv.aof.no_fsync_on_rewrite = yes(srv, "no-appendfsync-on-rewrite");
    if srv.persist.bgsave.is_none() && srv.persist.loading.is_none() && srv.aof.rewrite.is_none() {
        if srv.aof.rewrite_scheduled {
            if !rewrite_limited(srv) {
                let _ = rewrite_start(srv);
            }
        } else if srv.aof.state == State::On {
            let perc = srv.config.get("auto-aof-rewrite-percentage").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            let min = srv.config.get("auto-aof-rewrite-min-size").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            if perc > 0 && srv.aof.current_size > min {
                let base = srv.aof.base_size.max(1);
                let growth = (srv.aof.current_size * 100 / base) as i64 - 100;
                if growth >= perc as i64 && !rewrite_limited(srv) {
                    crate::log::notice(&format!("Starting automatic rewriting of AOF on {growth}% growth"));
                    let _ = rewrite_start(srv);
                }
            }
        }
    }
    write_buf(srv, false);
}

/// After 3 failed rewrites in a row, automatic and scheduled ones wait 1,
/// 2, 4 … 60 minutes (Redis's `aofRewriteLimited`); BGREWRITEAOF resets
/// the count.
fn rewrite_limited(srv: &mut Server) -> bool {
    let a = &mut srv.aof;
    if a.consecutive_failures < 3 {
        a.limit_delay_minutes = 0;
        a.limit_until = 0;
        return false;
    }
    let now = srv.now_ms / 1000;
    if a.limit_until != 0 {
        if now < a.limit_until {
            return true;
        }
        a.limit_until = 0;
        return false;
    }
    a.limit_delay_minutes = if a.limit_delay_minutes == 0 { 1 } else { (a.limit_delay_minutes * 2).min(60) };
    a.limit_until = now + a.limit_delay_minutes * 60;
    crate::log::warning(&format!(
        "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {} minutes",
        a.limit_delay_minutes
    ));
    true
}

/// CONFIG SET aof-disable-auto-gc no deletes the history files at once.
pub fn auto_gc_changed(srv: &mut Server) {
    if !yes(srv, "aof-disable-auto-gc") {
        delete_history(srv);
    }
}

/// SHUTDOWN: a rewrite is abandoned, the buffer written and fsynced.
/// Refused (without FORCE) while the first rewrite after CONFIG SET
/// appendonly yes runs: the dataset would be lost (Redis's
/// `prepareForShutdown`).
pub fn shutdown(srv: &mut Server, force: bool) -> Result<(), Failed> {
    if srv.aof.rewrite.is_some() {
        if srv.aof.state == State::WaitRewrite {
            if !force {
                crate::log::warning("Writing initial AOF, can't exit.");
                return Err(Failed);
            }
            crate::log::warning("Writing initial AOF. Exit anyway.");
        }
        crate::log::warning("There is a child rewriting the AOF. Killing it!");
        kill_rewrite(srv);
    }
    if srv.aof.on() {
        crate::log::notice("Calling fsync() on the AOF file.");
        flush_and_sync(srv);
    }
    Ok(())
}

/// The AOF fields of INFO persistence, in Redis's order, after the RDB
/// ones.
pub fn info_fields(srv: &Server) -> Vec<(&'static str, String)> {
    let a = &srv.aof;
    let mut f: Vec<(&'static str, String)> = vec![
        ("aof_enabled", u8::from(a.on()).to_string()),
        ("aof_rewrite_in_progress", u8::from(a.rewrite.is_some()).to_string()),
        ("aof_rewrite_scheduled", u8::from(a.rewrite_scheduled).to_string()),
        ("aof_last_rewrite_time_sec", a.last_rewrite_secs.to_string()),
        (
            "aof_current_rewrite_time_sec",
            a.rewrite.map_or(-1, |(_, s)| now_secs().saturating_sub(s) as i64).to_string(),
        ),
        ("aof_last_bgrewrite_status", if a.last_bgrewrite_ok { "ok" } else { "err" }.into()),
        ("aof_rewrites", a.rewrites.to_string()),
        ("aof_rewrites_consecutive_failures", a.consecutive_failures.to_string()),
        ("aof_last_write_status", if a.last_write_ok { "ok" } else { "err" }.into()),
        ("aof_last_cow_size", "0".into()),
        ("module_fork_in_progress", "0".into()),
        ("module_fork_last_cow_size", "0".into()),
    ];
    if srv.config.appendonly {
        f.push(("aof_current_size", a.current_size.to_string()));
        f.push(("aof_base_size", a.base_size.to_string()));
        f.push(("aof_pending_rewrite", u8::from(a.rewrite_scheduled).to_string()));
        f.push(("aof_buffer_length", a.buf.len().to_string()));
        f.push(("aof_pending_bio_fsync", a.fsync_pending.load(Ordering::Relaxed).to_string()));
        f.push(("aof_delayed_fsync", a.delayed_fsync.to_string()));
    }
    f
}
