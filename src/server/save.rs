//! The seam between the server and RDB persistence: SAVE, the fork-free
//! BGSAVE (its driver task), save points, the SHUTDOWN and FLUSHALL saves,
//! DEBUG RELOAD, loading at startup, and the figures INFO persistence shows.
//! `crate::persistence` holds the file format and the writer thread;
//! `keyspace::snapshot` the point-in-time walk of a key table.
//!
//! A BGSAVE freezes every non-empty table and attaches a snapshot state to
//! it (`Db::snapshot_begin`), sends the header to a writer thread, and
//! wakes `run`, a local task that walks the tables in short slices (20 µs
//! while clients send commands, 2 ms when idle), yielding to the
//! connections between slices and pausing while the writer lags. Writes
//! meanwhile serialize the buckets they touch first, so the file is the
//! dataset at the moment BGSAVE was accepted.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, oneshot};

use super::{Server, lazyfree};
use crate::keyspace::Db;
use crate::persistence::load::{self, LoadOptions, LoadStats};
use crate::persistence::writer::{RdbFile, Writer, WriterOptions};
use crate::persistence::{LoadError, encode};
use crate::scripting::functions::RestorePolicy;
use crate::util::time::unix_ms;

/// Longest walk slice on the command thread while clients send commands
/// (a client's request waits at most this long behind the walk). Under
/// write load the writer paces the save, not the walk, so short slices
/// cost nothing in save time: 100 µs gave a write p95 during saves of
/// 0.47-0.50 ms, 30 µs 0.38-0.42, 15 µs 0.36-0.38 (bench-snapshot, 50
/// clients, 0.31-0.37 without a save).
const SLICE_BUSY: Duration = Duration::from_micros(20);
/// Longest walk slice once no command has run for `IDLE_AFTER`.
const SLICE_IDLE: Duration = Duration::from_millis(2);
/// A writer with work that wrote nothing for this long is starved.
const STARVED_AFTER: Duration = Duration::from_secs(1);
/// The walk takes idle slices only after this long without commands.
const IDLE_AFTER: Duration = Duration::from_millis(20);
/// Buckets one walk step visits before the clock is read again (about
/// 4-6 µs of work at 250-350 ns a key).
const STEP_BUCKETS: usize = 16;
/// The walk pauses while the writer has more than this queued: 1/64 of the
/// memory in use, between these bounds (the save's memory overhead).
const MAX_QUEUED: (usize, usize) = (256 << 10, 16 << 20);
/// Redis's CONFIG_BGSAVE_RETRY_DELAY: seconds between save-point retries
/// after a failed BGSAVE.
const BGSAVE_RETRY_DELAY: u64 = 5;

/// Persistence state on the server.
pub struct Persist {
    pub bgsave: Option<Bgsave>,
    /// BGSAVE SCHEDULE (or BGSAVE inside EXEC) waiting to start.
    pub scheduled: bool,
    /// `rdb_last_bgsave_status`.
    pub last_bgsave_ok: bool,
    /// Unix seconds of the last BGSAVE attempt.
    pub last_bgsave_try: u64,
    /// `rdb_last_bgsave_time_sec` (-1: none yet).
    pub last_bgsave_secs: i64,
    /// `rdb_saves`: SAVE and BGSAVE runs.
    pub saves: u64,
    /// `rdb_last_cow_size`: peak extra memory of the last BGSAVE.
    pub last_cow: u64,
    pub loading: Option<Loading>,
    pub last_load_loaded: u64,
    pub last_load_expired: u64,
    /// Wakes the snapshot task.
    pub wake: Rc<Notify>,
    next_id: u64,
}

impl Default for Persist {
    fn default() -> Self {
        Persist {
            bgsave: None,
            scheduled: false,
            last_bgsave_ok: true,
            last_bgsave_try: 0,
            last_bgsave_secs: -1,
            saves: 0,
            last_cow: 0,
            loading: None,
            last_load_loaded: 0,
            last_load_expired: 0,
            wake: Rc::new(Notify::new()),
            next_id: 0,
        }
    }
}

/// A dataset being loaded at startup.
pub struct Loading {
    pub start_unix: u64,
    started: Instant,
    pub total_bytes: u64,
    pub loaded_bytes: Arc<AtomicU64>,
}

/// A running BGSAVE.
pub struct Bgsave {
    id: u64,
    /// The snapshot is an AOF rewrite's new base (`server::aof`), not a
    /// BGSAVE: RDB statistics and replicas are left alone.
    pub aof: bool,
    start_unix: u64,
    dirty_before: u64,
    writer: Writer,
    /// The database of the last SELECTDB sent.
    current_db: Option<usize>,
    /// Key and TTL counts at the start per database, until its RESIZEDB
    /// is written.
    sizes: Vec<Option<(usize, usize)>>,
    pub keys_done: u64,
    pub keys_total: u64,
    /// Extra memory now and at most (queue, buffers, bitmaps).
    pub mem: usize,
    pub peak: usize,
    /// Serialized bytes not yet sent to the writer, and the keys in them.
    chunk: Vec<u8>,
    chunk_keys: u64,
    /// The walk pauses while the writer has more than this queued.
    max_queued: usize,
    /// A chunk is sent once it holds this much.
    chunk_bytes: usize,
    /// Time the walk took on the command thread, and its slices.
    walk_time: Duration,
    slices: u64,
    /// Commands processed when the previous slice ended.
    commands_seen: u64,
    /// When the walk last saw commands run between two of its slices.
    last_busy: Instant,
    /// The writer's progress as last seen, and when it last moved.
    writer_seen: (u64, Instant),
    /// The starved writer has been raised (or refused): done once.
    writer_promoted: bool,
}

impl Bgsave {
    /// Adds serialized bytes of database `db` to the chunk.
    fn take(&mut self, db: usize, bytes: &[u8], keys: u64) {
        self.keys_done += keys;
        self.chunk_keys += keys;
        if bytes.is_empty() {
            return;
        }
        if self.current_db != Some(db) {
            encode::select_db(&mut self.chunk, db);
            if let Some((n, x)) = self.sizes[db].take() {
                encode::resize_db(&mut self.chunk, n, x);
            }
            self.current_db = Some(db);
        }
        self.chunk.extend_from_slice(bytes);
    }

    /// Sends the chunk to the writer. False if the writer has failed.
    fn send_chunk(&mut self) -> bool {
        if self.chunk.is_empty() {
            return true;
        }
        let next = self.writer.buffer(self.chunk_bytes);
        let chunk = std::mem::replace(&mut self.chunk, next);
        let keys = std::mem::take(&mut self.chunk_keys);
        self.writer.send(chunk, keys)
    }

    /// Raises the writer (an idle-class thread) once if it had work, wrote
    /// nothing for `STARVED_AFTER` and is waiting for a CPU, not for the
    /// disk: other threads keep every CPU busy.
    fn watch_writer(&mut self, pending: bool) {
        let written = self.writer.written();
        if written != self.writer_seen.0 || !pending {
            self.writer_seen = (written, Instant::now());
            return;
        }
        if self.writer_promoted || self.writer_seen.1.elapsed() < STARVED_AFTER {
            return;
        }
        if !self.writer.runnable() {
            self.writer_seen.1 = Instant::now();
            return;
        }
        self.writer_promoted = true;
        match self.writer.promote() {
            Ok(()) => crate::log::warning(
                "Background saving: the writer got no idle CPU for a second; it now competes for the CPU like the command thread",
            ),
            Err(e) => crate::log::warning(&format!(
                "Background saving: the writer gets no idle CPU and cannot be raised ({e}); the save goes on when a CPU is free"
            )),
        }
    }

    pub fn elapsed_secs(&self) -> i64 {
        (unix_ms() / 1000).saturating_sub(self.start_unix) as i64
    }
}

fn now_secs() -> u64 {
    unix_ms() / 1000
}

/// A hidden numeric directive (`rdb-key-save-delay`, `key-load-delay`).
fn delay(srv: &Server, name: &str) -> i64 {
    srv.config.get(name).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Frees a table on the background thread.
fn free_table(t: crate::types::dict::Dict<crate::keyspace::Entry>) {
    let n = t.len() as u64;
    lazyfree::free_later(t, n);
}

/// `dir/temp-<pid>.rdb` (SAVE) or `dir/temp-<pid>-<n>.rdb` (BGSAVE `n`:
/// an abandoned writer still running never shares a name with the next
/// save), and `dir/dbfilename`, absolute.
fn paths(srv: &Server, bgsave: Option<u64>) -> (PathBuf, PathBuf) {
    let dir = Path::new(&srv.config.dir);
    let dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir().map(|c| c.join(dir)).unwrap_or_else(|_| dir.to_path_buf())
    };
    let tmp = match bgsave {
        None => format!("temp-{}.rdb", std::process::id()),
        Some(n) => format!("temp-{}-{n}.rdb", std::process::id()),
    };
    (dir.join(tmp), dir.join(&srv.config.dbfilename))
}

/// Writes a snapshot of the whole dataset to `dir/dbfilename` before
/// returning (Redis's `rdbSave`), resetting `dirty` and `lastsave` on
/// success. A BGSAVE in progress is abandoned first.
pub fn save_sync(srv: &mut Server) -> Result<(), String> {
    if srv.persist.loading.is_some() {
        return Err("Can't save while loading the dataset".into());
    }
    abort_bgsave(srv);
    let (tmp, dest) = paths(srv, None);
    let now = unix_ms();
    match write_dataset(srv, tmp, &dest, now) {
        Ok(_) => {
            crate::log::notice("DB saved on disk");
            srv.dirty = 0;
            srv.lastsave = now / 1000;
            srv.persist.last_bgsave_ok = true;
            Ok(())
        }
        Err(e) => {
            crate::log::warning(&e);
            Err(e)
        }
    }
}

/// A replica's snapshot records where it is in its master's stream
/// (Redis's `rdbSaveInfo`): the stream's database, for its own replicas,
/// and the replication id and offset, to continue after a restart.
fn repl_aux(srv: &Server, out: &mut Vec<u8>) {
    if let Some(db) = super::replica::stream_db(srv) {
        encode::aux_int(out, b"repl-stream-db", db as i64);
        encode::aux_str(out, b"repl-id", srv.replid.as_bytes());
        encode::aux_int(out, b"repl-offset", srv.repl.offset as i64);
    }
}

/// The FUNCTION libraries, after the header as Redis writes them (one
/// `FUNCTION2` record with its source code each).
fn functions(srv: &Server, out: &mut Vec<u8>) {
    for lib in srv.scripting.functions.libraries.values() {
        out.push(crate::persistence::format::op::FUNCTION2);
        encode::string(out, &lib.code, srv.config.rdbcompression);
    }
}

/// Loads the libraries read from a file (`policy`: what to do with the
/// ones already there). The error is the load's failure.
fn install_functions(srv: &mut Server, stats: &mut LoadStats, policy: RestorePolicy) -> Result<(), String> {
    let codes = std::mem::take(&mut stats.functions);
    if codes.is_empty() && policy != RestorePolicy::Flush {
        return Ok(());
    }
    srv.scripting.functions.restore(codes, policy).inspect_err(|e| {
        crate::log::warning(&format!("Failed loading library, {e}"));
    })
}

/// The whole dataset into `tmp`, renamed over `dest`, as an AOF base
/// file (an RDB with `aof-base` 1): the AOF's first base at startup.
pub fn write_aof_base(srv: &Server, tmp: PathBuf, dest: &Path) -> Result<u64, String> {
    write_dataset_as(srv, tmp, dest, unix_ms(), true)
}

/// The whole dataset into `tmp`, renamed over `dest`.
fn write_dataset(srv: &Server, tmp: PathBuf, dest: &Path, now: u64) -> Result<u64, String> {
    write_dataset_as(srv, tmp, dest, now, false)
}

fn write_dataset_as(srv: &Server, tmp: PathBuf, dest: &Path, now: u64, aof_base: bool) -> Result<u64, String> {
    let compress = srv.config.rdbcompression;
    let key_delay = delay(srv, "rdb-key-save-delay");
    let mut file = RdbFile::create(tmp, srv.config.rdbchecksum, srv.config.rdb_save_incremental_fsync)?;
    let mut buf = Vec::with_capacity(1 << 16);
    encode::header_with(&mut buf, now / 1000, crate::alloc::used_memory() as u64, aof_base);
    repl_aux(srv, &mut buf);
    functions(srv, &mut buf);
    let mut failed = None;
    for (i, db) in srv.keyspace.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        encode::select_db(&mut buf, i);
        encode::resize_db(&mut buf, db.len(), db.expires_count());
        db.dict().for_each(|e| {
            if failed.is_some() || e.expire().is_some_and(|at| now > at) {
                return;
            }
            encode::entry(&mut buf, e, compress);
            crate::persistence::writer::key_delay(key_delay, 1);
            if buf.len() >= 1 << 16 {
                if let Err(err) = file.write(&buf) {
                    failed = Some(err);
                }
                buf.clear();
            }
        });
        if let Some(err) = failed {
            return Err(err);
        }
    }
    encode::eof(&mut buf);
    file.write(&buf)?;
    file.finish(dest, None)
}

/// Starts a fork-free BGSAVE (the caller made sure none is running).
pub fn bgsave_start(srv: &mut Server) -> Result<(), String> {
    srv.persist.saves += 1;
    srv.persist.last_bgsave_try = now_secs();
    let dest = paths(srv, None).1;
    bgsave_begin(srv, dest, false)
}

/// Starts the snapshot of an AOF rewrite, written to `dest` (relative to
/// `dir`); `server::aof` installs it when it ends.
pub fn bgsave_start_aof(srv: &mut Server, dest: PathBuf) -> Result<(), String> {
    let dest = if dest.is_absolute() { dest } else { paths(srv, None).1.with_file_name(dest) };
    bgsave_begin(srv, dest, true)
}

fn bgsave_begin(srv: &mut Server, dest: PathBuf, aof: bool) -> Result<(), String> {
    let (tmp, _) = paths(srv, Some(srv.persist.next_id + 1));
    let key_delay = delay(srv, "rdb-key-save-delay");
    let opts = WriterOptions {
        checksum: srv.config.rdbchecksum,
        incremental_fsync: srv.config.rdb_save_incremental_fsync,
        compress: srv.config.rdbcompression,
        key_delay,
    };
    let mut writer = match Writer::spawn(tmp, dest, opts) {
        Ok(w) => w,
        Err(e) => {
            if !aof {
                srv.persist.last_bgsave_ok = false;
            }
            crate::log::warning(&e);
            return Err(e);
        }
    };
    let now = srv.now_ms.max(1);
    let mut header = Vec::with_capacity(128);
    encode::header_with(&mut header, now / 1000, crate::alloc::used_memory() as u64, aof);
    repl_aux(srv, &mut header);
    functions(srv, &mut header);
    writer.send(header, 0);
    // With `rdb-key-save-delay` (tests) the walk keeps pace with the writer.
    let (max_queued, chunk_bytes) = if key_delay != 0 {
        (0, 4 << 10)
    } else {
        let max = (crate::alloc::used_memory() / 64).clamp(MAX_QUEUED.0, MAX_QUEUED.1);
        (max, (max / 4).clamp(16 << 10, 256 << 10))
    };
    let mut sizes = vec![None; srv.keyspace.dbs.len()];
    let mut total = 0;
    for (i, db) in srv.keyspace.dbs.iter_mut().enumerate() {
        let (n, x) = (db.len(), db.expires_count());
        // Strings go raw: the writer thread compresses them.
        if db.snapshot_begin(encode::entry, false, now) {
            sizes[i] = Some((n, x));
            total += n as u64;
        }
    }
    srv.persist.next_id += 1;
    srv.persist.bgsave = Some(Bgsave {
        id: srv.persist.next_id,
        aof,
        start_unix: now_secs(),
        dirty_before: srv.dirty,
        writer,
        current_db: None,
        sizes,
        keys_done: 0,
        keys_total: total,
        mem: 0,
        peak: 0,
        chunk: Vec::with_capacity(chunk_bytes),
        chunk_keys: 0,
        max_queued,
        chunk_bytes,
        walk_time: Duration::ZERO,
        slices: 0,
        commands_seen: 0,
        last_busy: Instant::now(),
        writer_seen: (0, Instant::now()),
        writer_promoted: false,
    });
    if !aof {
        crate::log::notice("Background saving started (fork-free snapshot)");
    }
    srv.persist.wake.notify_one();
    Ok(())
}

/// The id of the running BGSAVE (replication waits for it).
pub fn running_bgsave(srv: &Server) -> Option<u64> {
    srv.persist.bgsave.as_ref().map(|b| b.id)
}

/// Abandons a running BGSAVE: the writer stops and removes its temp file,
/// tables thaw. Returns whether one was running.
pub fn abort_bgsave(srv: &mut Server) -> bool {
    let Some(mut b) = srv.persist.bgsave.take() else {
        return false;
    };
    b.writer.abort();
    for db in &mut srv.keyspace.dbs {
        db.snapshot_abort(&mut free_table);
    }
    if b.aof {
        super::aof::rewrite_killed(srv);
    }
    true
}

enum Slice {
    /// More to walk.
    More,
    /// The writer is behind: wait a little.
    Lagging,
    /// The walk is over (or the writer failed): the outcome arrives here.
    Done(oneshot::Receiver<Result<u64, String>>),
    /// Not the BGSAVE this walk was for.
    Gone,
}

/// One slice of the walk, on the command thread.
fn walk_slice(srv: &mut Server, id: u64) -> Slice {
    let Server { keyspace, persist, stats, .. } = srv;
    let Some(b) = persist.bgsave.as_mut().filter(|b| b.id == id) else {
        return Slice::Gone;
    };
    if stats.total_commands != b.commands_seen {
        b.commands_seen = stats.total_commands;
        b.last_busy = Instant::now();
    }
    // Clients that just sent nothing may be about to: long slices wait
    // until none came for a while.
    let busy = b.last_busy.elapsed() < IDLE_AFTER;
    b.watch_writer(b.writer.queued() > 0);
    let slice = if busy { SLICE_BUSY } else { SLICE_IDLE };
    let (max_queued, chunk_bytes) = (b.max_queued, b.chunk_bytes);
    if b.writer.queued() > max_queued {
        return Slice::Lagging;
    }
    let start = Instant::now();
    {
        let held = std::cell::Cell::new(b.chunk.len());
        let mut sink = |db: usize, bytes: &[u8], keys: u64| {
            b.take(db, bytes, keys);
            held.set(b.chunk.len());
        };
        for db in keyspace.dbs.iter_mut() {
            db.snapshot_drain(&mut sink);
        }
        'walk: for db in keyspace.dbs.iter_mut() {
            while db.snapshot_active() {
                db.snapshot_step(STEP_BUCKETS, chunk_bytes, &mut sink, &mut free_table);
                if start.elapsed() >= slice || held.get() >= chunk_bytes {
                    break 'walk;
                }
            }
        }
    }
    b.walk_time += start.elapsed();
    b.slices += 1;
    let done = keyspace.dbs.iter().all(|db| !db.snapshot_active());
    let held: usize = keyspace.dbs.iter().map(Db::snapshot_memory).sum();
    b.mem = b.writer.queued() + b.chunk.capacity() + held;
    b.peak = b.peak.max(b.mem);
    if done {
        encode::eof(&mut b.chunk);
    }
    if (done || b.chunk.len() >= chunk_bytes) && !b.send_chunk() {
        for db in keyspace.dbs.iter_mut() {
            db.snapshot_abort(&mut free_table);
        }
        return Slice::Done(b.writer.outcome());
    }
    if done {
        return Slice::Done(b.writer.finish());
    }
    Slice::More
}

/// The snapshot task: drives each BGSAVE to its end. Spawned once, beside
/// the cron.
pub async fn run(server: Rc<RefCell<Server>>) {
    let wake = server.borrow().persist.wake.clone();
    loop {
        wake.notified().await;
        loop {
            let Some(id) = server.borrow().persist.bgsave.as_ref().map(|b| b.id) else {
                break;
            };
            let slice = walk_slice(&mut server.borrow_mut(), id);
            match slice {
                Slice::More => tokio::task::yield_now().await,
                Slice::Lagging => tokio::time::sleep(Duration::from_millis(1)).await,
                Slice::Gone => {}
                Slice::Done(outcome) => {
                    let result = outcome.await.unwrap_or_else(|_| Err("the RDB writer thread ended".into()));
                    finish_bgsave(&mut server.borrow_mut(), id, result);
                }
            }
        }
    }
}

/// Books the outcome of BGSAVE `id`, as Redis's
/// `backgroundSaveDoneHandlerDisk`.
fn finish_bgsave(srv: &mut Server, id: u64, result: Result<u64, String>) {
    if srv.persist.bgsave.as_ref().map(|b| b.id) != Some(id) {
        return;
    }
    // The writer thread has sent its outcome and is exiting; it is not
    // joined here: at its lower priority it may wait tens of milliseconds
    // for a CPU before it ends, and the command thread would wait with it.
    let b = srv.persist.bgsave.take().expect("checked above");
    for db in &mut srv.keyspace.dbs {
        db.snapshot_abort(&mut free_table);
    }
    if b.aof {
        super::aof::rewrite_done(srv, result.is_ok());
        return;
    }
    srv.persist.last_bgsave_secs = b.elapsed_secs();
    srv.persist.last_cow = b.peak as u64;
    crate::log::verbose(&format!(
        "Background saving: {} keys, {:.1} ms of walk on the command thread in {} slices, peak extra memory {} bytes",
        b.keys_done,
        b.walk_time.as_secs_f64() * 1000.0,
        b.slices,
        b.peak
    ));
    match result {
        Ok(_) => {
            crate::log::notice("DB saved on disk");
            crate::log::notice("Background saving terminated with success");
            srv.dirty = srv.dirty.saturating_sub(b.dirty_before);
            srv.lastsave = now_secs();
            srv.persist.last_bgsave_ok = true;
        }
        Err(e) => {
            crate::log::warning(&e);
            crate::log::warning("Background saving error");
            srv.persist.last_bgsave_ok = false;
        }
    }
    let ok = srv.persist.last_bgsave_ok;
    let dest = paths(srv, None).1;
    super::replication::bgsave_done(srv, id, ok, &dest);
}

/// The cron's part (Redis's `serverCron`): start a BGSAVE when a save
/// point is reached or one is scheduled; after a failed BGSAVE, save
/// points retry only every `BGSAVE_RETRY_DELAY` seconds.
pub fn cron(srv: &mut Server) {
    if srv.persist.loading.is_some() || srv.persist.bgsave.is_some() {
        return;
    }
    let now = now_secs();
    let may_retry = now.saturating_sub(srv.persist.last_bgsave_try) > BGSAVE_RETRY_DELAY || srv.persist.last_bgsave_ok;
    let point = srv
        .config
        .save
        .iter()
        .find(|&&(secs, changes)| srv.dirty >= changes && now.saturating_sub(srv.lastsave) > secs)
        .copied();
    if let Some((secs, changes)) = point
        && may_retry
    {
        crate::log::notice(&format!("{changes} changes in {secs} seconds. Saving..."));
        let _ = bgsave_start(srv);
        return;
    }
    if srv.persist.scheduled && may_retry && bgsave_start(srv).is_ok() {
        srv.persist.scheduled = false;
    }
}

/// Redis's reply to writes after a failed BGSAVE.
pub const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist \
                           to disk. Commands that may modify the data set are disabled, because this instance is \
                           configured to report errors during writes if RDB snapshotting fails \
                           (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the \
                           RDB error.";

/// Are writes refused (`stop-writes-on-bgsave-error yes`, save points
/// configured, and the last BGSAVE failed)?
pub fn writes_denied(srv: &Server) -> bool {
    srv.config.stop_writes_on_bgsave_error && !srv.config.save.is_empty() && !srv.persist.last_bgsave_ok
}

/// Should a shutdown save? (`SHUTDOWN SAVE` forces, `NOSAVE` forbids,
/// otherwise only when save points are configured; never while loading,
/// which would overwrite the dump with a partial dataset.)
pub fn shutdown_wants_save(srv: &Server, save: bool, nosave: bool) -> bool {
    srv.persist.loading.is_none() && !nosave && (save || !srv.config.save.is_empty())
}

/// SHUTDOWN's save failed (without FORCE): the server must keep running.
#[derive(Debug)]
pub struct ShutdownSaveFailed;

/// SHUTDOWN's persistence step, as Redis's `finishShutdown`: abandon a
/// BGSAVE, then save if wanted.
pub fn shutdown_save(srv: &mut Server, save: bool, nosave: bool, force: bool) -> Result<(), ShutdownSaveFailed> {
    if super::aof::shutdown(srv, force).is_err() {
        crate::log::warning("Errors trying to shut down the server. Check the logs for more information.");
        return Err(ShutdownSaveFailed);
    }
    if abort_bgsave(srv) {
        crate::log::warning("There is a child saving an .rdb. Killing it!");
    }
    if !shutdown_wants_save(srv, save, nosave) {
        return Ok(());
    }
    crate::log::notice("Saving the final RDB snapshot before exiting.");
    if save_sync(srv).is_ok() {
        return Ok(());
    }
    if force {
        crate::log::warning("Error trying to save the DB. Exit anyway.");
        return Ok(());
    }
    crate::log::warning("Error trying to save the DB, can't exit.");
    crate::log::warning("Errors trying to shut down the server. Check the logs for more information.");
    Err(ShutdownSaveFailed)
}

/// FLUSHALL's persistence step (after emptying), as Redis's
/// `flushAllDataAndResetRDB`: a BGSAVE is abandoned, and with save points
/// the (empty) dataset is saved at once.
pub fn flushall(srv: &mut Server) {
    abort_bgsave(srv);
    if !srv.config.save.is_empty() {
        let _ = save_sync(srv);
    }
}

/// DEBUG RELOAD: save (unless `nosave`), then replace the dataset with the
/// file's (or, with `noflush`, add the file's keys; `merge`: the file wins
/// on a duplicate). The file is read into fresh databases first, so a bad
/// file leaves the dataset as it was (unless `noflush`).
pub fn debug_reload(srv: &mut Server, nosave: bool, noflush: bool, merge: bool) -> Result<(), String> {
    if !nosave {
        save_sync(srv).map_err(|_| "ERR".to_string())?;
    }
    let (_, dest) = paths(srv, None);
    let opts = LoadOptions {
        now_ms: unix_ms(),
        verify_checksum: srv.config.rdbchecksum,
        replace_duplicates: merge,
        key_delay: delay(srv, "key-load-delay"),
        encodings: crate::persistence::values::Encodings::from_config(&srv.config),
    };
    let started = Instant::now();
    let stats = if noflush {
        load::load_file(&dest, &mut srv.keyspace.dbs, &opts, None)
    } else {
        let mut fresh: Vec<Db> = (0..srv.keyspace.dbs.len()).map(Db::new).collect();
        let stats = load::load_file(&dest, &mut fresh, &opts, None);
        if let Ok(Some(_)) = stats {
            // Redis empties the dataset first (`emptyData`): tracking
            // clients get the flush invalidation.
            super::tracking::flushed(srv, None);
            install(srv, fresh);
        }
        stats
    };
    // As Redis: without NOFLUSH the libraries are emptied with the data; a
    // library already there fails the load unless MERGE.
    let policy = match (noflush, merge) {
        (false, _) => RestorePolicy::Flush,
        (true, false) => RestorePolicy::Append,
        (true, true) => RestorePolicy::Replace,
    };
    let stats = stats.and_then(|s| match s {
        Some(mut s) => match install_functions(srv, &mut s, policy) {
            Ok(()) => Ok(Some(s)),
            Err(e) => Err(crate::persistence::decode::LoadError::Io(e)),
        },
        None => Ok(None),
    });
    match stats {
        Ok(Some(stats)) => {
            log_loaded(srv, &stats, started.elapsed(), false);
            crate::log::warning("DB reloaded by DEBUG RELOAD");
            Ok(())
        }
        Ok(None) => {
            crate::log::warning("Fatal error loading the DB: No such file or directory");
            Err("ERR Error trying to load the RDB dump".into())
        }
        Err(e) => {
            crate::log::warning(&e.to_string());
            Err("ERR Error trying to load the RDB dump".into())
        }
    }
}

/// Loads an RDB held in memory (an AOF base or preamble) into the
/// dataset, FUNCTION libraries included. Returns the bytes it took (an
/// old-style AOF continues with commands after them).
pub fn load_rdb_preamble(srv: &mut Server, data: &[u8]) -> Result<usize, String> {
    // Keys already expired are loaded too (Redis's RDBFLAGS_AOF_PREAMBLE):
    // the commands after the base may still touch them.
    let opts = LoadOptions {
        now_ms: 0,
        verify_checksum: srv.config.rdbchecksum,
        replace_duplicates: false,
        key_delay: delay(srv, "key-load-delay"),
        encodings: crate::persistence::values::Encodings::from_config(&srv.config),
    };
    let now = unix_ms();
    let started = Instant::now();
    let mut src = crate::persistence::decode::Source::new(data);
    let databases = srv.keyspace.dbs.len();
    let dbs = &mut srv.keyspace.dbs;
    let mut stats = load::read_records(&mut src, databases, &opts, |event| {
        let r = match event {
            load::Event::Resize { db, keys } => {
                dbs[db].reserve(keys.min(1 << 24) as usize);
                return Ok(());
            }
            load::Event::Key(r) => r,
        };
        let value = crate::persistence::values::into_value(r.value, &opts.encodings)?;
        let key = crate::keyspace::CompactBytes::new(r.key);
        dbs[r.db]
            .load_insert(key, value, r.expire.unwrap_or(0), r.idle, now)
            .map_err(|_| LoadError::Duplicate { key: r.key.to_vec(), db: r.db })
    })
    .map_err(|e| e.to_string())?;
    install_functions(srv, &mut stats, RestorePolicy::Replace)?;
    log_loaded(srv, &stats, started.elapsed(), false);
    Ok(src.offset() as usize)
}

/// Replaces every database's content with `fresh`'s.
fn install(srv: &mut Server, mut fresh: Vec<Db>) {
    for (live, loaded) in srv.keyspace.dbs.iter_mut().zip(fresh.iter_mut()) {
        free_table(live.clear());
        live.swap_contents(loaded);
    }
}

fn log_loaded(srv: &mut Server, stats: &LoadStats, elapsed: Duration, at_startup: bool) {
    for note in &stats.notes {
        crate::log::notice(note);
    }
    if stats.empty_skipped > 0 {
        crate::log::warning(&format!(
            "Done loading RDB, keys loaded: {}, keys expired: {}, empty keys skipped: {}.",
            stats.loaded, stats.expired, stats.empty_skipped
        ));
    } else {
        crate::log::notice(&format!(
            "Done loading RDB, keys loaded: {}, keys expired: {}.",
            stats.loaded, stats.expired
        ));
    }
    if at_startup {
        crate::log::notice(&format!("DB loaded from disk: {:.3} seconds", elapsed.as_secs_f64()));
    }
    srv.persist.last_load_loaded = stats.loaded;
    srv.persist.last_load_expired = stats.expired;
}

/// Marks the dataset as loading (INFO `loading:1`, commands without the
/// LOADING flag refused) for a load run on the command thread (the AOF).
/// The counter is the progress to update.
pub fn loading_begin(srv: &mut Server, total_bytes: u64) -> Arc<AtomicU64> {
    let progress = Arc::new(AtomicU64::new(0));
    srv.persist.loading =
        Some(Loading { start_unix: now_secs(), started: Instant::now(), total_bytes, loaded_bytes: progress.clone() });
    progress
}

/// The end of `loading_begin`.
pub fn loading_end(srv: &mut Server) {
    srv.persist.loading = None;
}

type LoadOutcome = Result<Option<(Vec<Db>, LoadStats)>, LoadError>;

/// Starts loading `dir/dbfilename` on a thread, into fresh databases;
/// meanwhile INFO shows `loading:1` and commands without the LOADING flag
/// are refused. `None` when there is no file.
pub fn start_loading(srv: &mut Server) -> Option<oneshot::Receiver<LoadOutcome>> {
    let (_, dest) = paths(srv, None);
    let total_bytes = match std::fs::metadata(&dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(_) => 0,
        Ok(m) => m.len(),
    };
    let (progress, opts, databases) = begin_loading(srv, total_bytes);
    let (tx, rx) = oneshot::channel();
    let spawned = std::thread::Builder::new().name("rdb-loader".into()).spawn(move || {
        let mut dbs: Vec<Db> = (0..databases).map(Db::new).collect();
        let outcome = load::load_file(&dest, &mut dbs, &opts, Some(progress)).map(|s| s.map(|s| (dbs, s)));
        let _ = tx.send(outcome);
    });
    if let Err(e) = spawned {
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(Err(LoadError::Io(e.to_string())));
        return Some(rx);
    }
    Some(rx)
}

/// Marks a load of `total_bytes` as running (INFO's loading fields) and
/// gives the loader thread its progress counter, options and database
/// count.
fn begin_loading(srv: &mut Server, total_bytes: u64) -> (Arc<AtomicU64>, LoadOptions, usize) {
    let progress = Arc::new(AtomicU64::new(0));
    srv.persist.loading =
        Some(Loading { start_unix: now_secs(), started: Instant::now(), total_bytes, loaded_bytes: progress.clone() });
    let opts = LoadOptions {
        now_ms: unix_ms(),
        verify_checksum: srv.config.rdbchecksum,
        replace_duplicates: false,
        key_delay: delay(srv, "key-load-delay"),
        encodings: crate::persistence::values::Encodings::from_config(&srv.config),
    };
    (progress, opts, srv.keyspace.dbs.len())
}

/// Replication (`server::replica`): the RDB a master sent is written to
/// `dbfilename` (through a temp file, as Redis's disk-based load) and
/// loaded into fresh databases on a thread; meanwhile INFO shows
/// `loading:1` and commands without the LOADING flag are refused.
pub fn start_loading_bytes(srv: &mut Server, data: Vec<u8>) -> oneshot::Receiver<LoadOutcome> {
    let (_, dest) = paths(srv, None);
    let tmp = dest.with_file_name(format!("temp-{}.{}.rdb", now_secs(), std::process::id()));
    let (progress, opts, databases) = begin_loading(srv, data.len() as u64);
    let (tx, rx) = oneshot::channel();
    let spawned = std::thread::Builder::new().name("rdb-loader".into()).spawn(move || {
        if std::fs::write(&tmp, &data).and_then(|()| std::fs::rename(&tmp, &dest)).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        let mut dbs: Vec<Db> = (0..databases).map(Db::new).collect();
        let mut src = crate::persistence::decode::Source::new(&data[..]);
        let outcome = load::load(&mut src, &mut dbs, &opts).map(|s| Some((dbs, s)));
        progress.store(data.len() as u64, Ordering::Relaxed);
        let _ = tx.send(outcome);
    });
    if let Err(e) = spawned {
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(Err(LoadError::Io(e.to_string())));
        return rx;
    }
    rx
}

/// The end of `start_loading_bytes`: the loaded databases replace the
/// dataset (FUNCTION libraries too). Returns the file's `repl-stream-db`.
pub async fn finish_loading_bytes(
    server: &RefCell<Server>,
    outcome: oneshot::Receiver<LoadOutcome>,
) -> Result<Option<usize>, String> {
    let outcome = outcome.await.unwrap_or_else(|_| Err(LoadError::Io("the loader thread ended".into())));
    let mut srv = server.borrow_mut();
    let started = srv.persist.loading.take().map(|l| l.started);
    match outcome {
        Ok(Some((dbs, mut stats))) => {
            super::tracking::flushed(&mut srv, None);
            install(&mut srv, dbs);
            install_functions(&mut srv, &mut stats, RestorePolicy::Flush)?;
            log_loaded(&mut srv, &stats, started.map(|s| s.elapsed()).unwrap_or_default(), false);
            Ok(stats.repl_stream_db)
        }
        Ok(None) => Err("no data".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Waits for the startup load and installs the dataset. Returns only on
/// failure, with the message to exit with; on success it never returns.
/// Waits for the loader thread and installs what it read. An error ends
/// the server (Redis exits after an RDB reading failure).
pub async fn finish_loading(
    server: Rc<RefCell<Server>>,
    outcome: oneshot::Receiver<LoadOutcome>,
) -> Result<(), String> {
    let outcome = outcome.await.unwrap_or_else(|_| Err(LoadError::Io("the loader thread ended".into())));
    {
        let mut srv = server.borrow_mut();
        let started = srv.persist.loading.take().map(|l| l.started);
        match outcome {
            Ok(Some((dbs, mut stats))) => {
                install(&mut srv, dbs);
                if let (Some(id), Some(offset)) = (stats.repl_id.take(), stats.repl_offset) {
                    super::replica::restore_history(&mut srv, id, offset, stats.repl_stream_db);
                }
                if install_functions(&mut srv, &mut stats, RestorePolicy::Append).is_err() {
                    return Err("Terminating server after rdb file reading failure.".into());
                }
                log_loaded(&mut srv, &stats, started.map(|s| s.elapsed()).unwrap_or_default(), true);
            }
            Ok(None) => {}
            Err(e) => {
                crate::log::warning(&e.to_string());
                return Err("Terminating server after rdb file reading failure.".into());
            }
        }
    }
    Ok(())
}

/// The RDB fields of INFO persistence, in Redis's order.
pub fn info_fields(srv: &Server) -> Vec<(&'static str, String)> {
    let p = &srv.persist;
    let b = p.bgsave.as_ref();
    let f: Vec<(&'static str, String)> = vec![
        ("loading", u8::from(p.loading.is_some()).to_string()),
        ("async_loading", "0".into()),
        ("current_cow_peak", b.map_or(0, |b| b.peak).to_string()),
        ("current_cow_size", b.map_or(0, |b| b.mem).to_string()),
        ("current_cow_size_age", "0".into()),
        ("current_fork_perc", "0.00".into()),
        ("current_save_keys_processed", b.map_or(0, |b| b.keys_done).to_string()),
        ("current_save_keys_total", b.map_or(0, |b| b.keys_total).to_string()),
        ("rdb_changes_since_last_save", srv.dirty.to_string()),
        ("rdb_bgsave_in_progress", u8::from(b.is_some_and(|b| !b.aof)).to_string()),
        ("rdb_last_save_time", srv.lastsave.to_string()),
        ("rdb_last_bgsave_status", if p.last_bgsave_ok { "ok" } else { "err" }.into()),
        ("rdb_last_bgsave_time_sec", p.last_bgsave_secs.to_string()),
        ("rdb_current_bgsave_time_sec", b.filter(|b| !b.aof).map_or(-1, |b| b.elapsed_secs()).to_string()),
        ("rdb_saves", p.saves.to_string()),
        ("rdb_last_cow_size", p.last_cow.to_string()),
        ("rdb_last_load_keys_expired", p.last_load_expired.to_string()),
        ("rdb_last_load_keys_loaded", p.last_load_loaded.to_string()),
    ];
    f
}

/// The `loading_*` fields that end INFO persistence while loading.
pub fn info_loading_fields(srv: &Server) -> Vec<(&'static str, String)> {
    let mut f = Vec::new();
    if let Some(l) = &srv.persist.loading {
        let loaded = l.loaded_bytes.load(Ordering::Relaxed);
        let perc = if l.total_bytes > 0 { loaded as f64 / l.total_bytes as f64 * 100.0 } else { 0.0 };
        let elapsed = now_secs().saturating_sub(l.start_unix);
        let eta = if loaded == 0 { 1 } else { elapsed * l.total_bytes.saturating_sub(loaded) / (loaded + 1) };
        f.push(("loading_start_time", l.start_unix.to_string()));
        f.push(("loading_total_bytes", l.total_bytes.to_string()));
        f.push(("loading_rdb_used_mem", "0".into()));
        f.push(("loading_loaded_bytes", loaded.to_string()));
        f.push(("loading_loaded_perc", format!("{perc:.2}")));
        f.push(("loading_eta_seconds", eta.to_string()));
    }
    f
}
