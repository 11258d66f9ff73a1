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
// Manifest and files
// ---------------------------------------------------------------------------

/// Writes the manifest through a temp file and rename (Redis's
/// `writeAofManifestFile`).
fn persist_manifest(srv: &Server, m: &Manifest) -> Result<(), ()> {
    let name = manifest_name(srv);
    let tmp_name = format!("{TEMP_PREFIX}{name}");
    let path = file_path(srv, &name);
    let tmp = file_path(srv, &tmp_name);
    let write = || -> Result<(), String> {
        let mut f =
            File::create(&tmp).map_err(|e| format!("Can't open the AOF manifest file {tmp_name}: {}", strerror(&e)))?;
        f.write_all(m.format().as_bytes()).map_err(|e| {
            format!("Error trying to write the temporary AOF manifest file {tmp_name}: {}", strerror(&e))
        })?;
        f.sync_all().map_err(|e| format!("Fail to fsync the temp AOF file {tmp_name}: {}.", strerror(&e)))?;
        std::fs::rename(&tmp, &path).map_err(|e| {
            format!("Error trying to rename the temporary AOF manifest file {tmp_name} into {name}: {}", strerror(&e))
        })?;
        if let Ok(d) = File::open(dirname(srv)) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().map_err(|e| crate::log::warning(&e))
}

fn create_dir(srv: &Server) -> Result<(), String> {
    let dir = dirname(srv);
    match std::fs::create_dir(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(format!("Can't open or create append-only dir {}: {}", srv.config.appenddirname, strerror(&e))),
    }
}

/// Reads the manifest at startup (`aofLoadManifestFromDisk`): none when
/// the directory or the file is missing; a bad one ends the server.
fn load_manifest_from_disk(srv: &Server) -> Result<Manifest, String> {
    if !dirname(srv).is_dir() {
        return Ok(Manifest::default());
    }
    let path = file_path(srv, &manifest_name(srv));
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
        Err(e) => {
            return Err(format!(
                "Fatal error: can't open the AOF manifest file {} for reading: {}",
                path.display(),
                strerror(&e)
            ));
        }
    };
    Manifest::parse(&text).map_err(|e| {
        crate::log::warning("\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
        if let Some((n, line)) = &e.line {
            crate::log::warning(&format!("Reading the manifest file, at line {n}\n"));
            crate::log::warning(&format!(">>> '{line}'\n"));
        }
        format!("{}\n", e.message)
    })
}

/// Moves an old single `appendonly.aof` into the directory as the base
/// (`aofUpgradePrepare`).
fn upgrade(srv: &Server, m: &mut Manifest) -> Result<(), String> {
    create_dir(srv)?;
    let name = srv.config.appendfilename.clone();
    m.base = Some(crate::persistence::aof_manifest::AofInfo { name: name.clone(), seq: 1, kind: b'b' });
    m.base_seq = 1;
    persist_manifest(srv, m).map_err(|()| "Can't persist the AOF manifest".to_string())?;
    std::fs::rename(&name, file_path(srv, &name)).map_err(|e| {
        format!("Error trying to move the old AOF file {name} into dir {}: {}", srv.config.appenddirname, strerror(&e))
    })?;
    crate::log::notice(&format!(
        "Successfully migrated an old-style AOF file ({name}) into the AOF directory ({}).",
        srv.config.appenddirname
    ));
    Ok(())
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

/// Outcome of loading one file or the whole AOF (Redis's AOF_* codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loaded {
    Ok,
    NotExist,
    Empty,
    Truncated,
    Failed,
}

/// Loads the AOF files of `m` into the (empty) dataset
/// (`loadAppendOnlyFiles`).
fn load_files(srv: &mut Server, m: &Manifest) -> Loaded {
    if m.is_empty() {
        return Loaded::NotExist;
    }
    let files: Vec<(String, bool)> =
        m.base.iter().map(|b| (b.name.clone(), true)).chain(m.incr.iter().map(|i| (i.name.clone(), false))).collect();
    let mut total = 0u64;
    for (name, _) in &files {
        match std::fs::metadata(file_path(srv, name)) {
            Ok(md) => total += md.len(),
            Err(e) => {
                crate::log::warning(&format!("Unable to obtain the AOF file {name} length. stat: {}", strerror(&e)));
                return Loaded::Failed;
            }
        }
    }
    if total == 0 {
        return Loaded::Empty;
    }
    if let Some(l) = srv.persist.loading.as_mut() {
        l.total_bytes = total;
    }
    let n = files.len();
    let mut ret = Loaded::Ok;
    let mut base_size = 0;
    for (i, (name, is_base)) in files.iter().enumerate() {
        let last = i + 1 == n;
        let started = std::time::Instant::now();
        if *is_base {
            base_size = std::fs::metadata(file_path(srv, name)).map(|m| m.len()).unwrap_or(0);
        }
        ret = load_one(srv, name);
        if ret == Loaded::Ok || (ret == Loaded::Truncated && last) {
            let kind = if *is_base { "base" } else { "incr" };
            crate::log::notice(&format!(
                "DB loaded from {kind} file {name}: {:.3} seconds",
                started.elapsed().as_secs_f64()
            ));
        }
        if ret == Loaded::Empty && !is_base {
            ret = Loaded::Ok;
        }
        if ret == Loaded::Truncated && !last {
            crate::log::warning("Fatal error: the truncated file is not the last file");
            return Loaded::Failed;
        }
        if ret == Loaded::Failed {
            return ret;
        }
    }
    srv.aof.current_size = total;
    srv.aof.base_size = base_size;
    ret
}

/// Loads one file (`loadSingleAppendOnlyFile`).
fn load_one(srv: &mut Server, name: &str) -> Loaded {
    let path = file_path(srv, name);
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::log::warning(&format!("The append log file {name} doesn't exist: {}", strerror(&e)));
            return Loaded::NotExist;
        }
        Err(e) => {
            crate::log::warning(&format!(
                "Fatal error: can't open the append log file {name} for reading: {}",
                strerror(&e)
            ));
            return Loaded::Failed;
        }
    };
    if data.is_empty() {
        return Loaded::Empty;
    }
    let mut start = 0;
    if data.starts_with(b"REDIS") {
        let old_style = name == srv.config.appendfilename;
        crate::log::notice(if old_style {
            "Reading RDB preamble from AOF file..."
        } else {
            "Reading RDB base file on AOF loading..."
        });
        match super::save::load_rdb_preamble(srv, &data) {
            Ok(consumed) => start = consumed,
            Err(e) => {
                crate::log::warning(&e);
                crate::log::warning(&if old_style {
                    format!("Error reading the RDB preamble of the AOF file {name}, AOF loading aborted")
                } else {
                    format!("Error reading the RDB base file {name}, AOF loading aborted")
                });
                return Loaded::Failed;
            }
        }
        if old_style {
            crate::log::notice("Reading the remaining AOF tail...");
        }
    }
    replay(srv, name, &path, &data, start)
}

enum Parse {
    /// A command and the offset after it.
    Command(Vec<Bytes>, usize),
    Eof,
    /// Ends early (truncated).
    Short,
    Format,
}

/// `fgets` with Redis's 1024-byte buffer: the line (with its `\n`, if
/// any) from `pos`.
fn fgets(data: &[u8], pos: usize) -> Option<&[u8]> {
    if pos >= data.len() {
        return None;
    }
    let max = (data.len() - pos).min(1023);
    let end = data[pos..pos + max].iter().position(|&b| b == b'\n').map_or(pos + max, |i| pos + i + 1);
    Some(&data[pos..end])
}

fn atoi_prefix(s: &[u8]) -> i64 {
    let mut i = 0;
    while i < s.len() && (s[i] == b' ' || s[i] == b'\t') {
        i += 1;
    }
    let neg = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let mut n: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        n = n.saturating_mul(10).saturating_add(i64::from(s[i] - b'0'));
        i += 1;
    }
    if neg { -n } else { n }
}

/// Reads the next command at `pos` as Redis's loader does.
fn next_command(data: &[u8], mut pos: usize) -> Parse {
    loop {
        let Some(line) = fgets(data, pos) else { return Parse::Eof };
        pos += line.len();
        if line[0] == b'#' {
            continue;
        }
        if line[0] != b'*' {
            return Parse::Format;
        }
        if line.len() == 1 {
            return Parse::Short;
        }
        let argc = atoi_prefix(&line[1..]);
        if argc < 1 {
            return Parse::Format;
        }
        let mut argv = Vec::with_capacity(argc.min(1024) as usize);
        for _ in 0..argc {
            let Some(line) = fgets(data, pos) else { return Parse::Short };
            if line[0] != b'$' {
                return Parse::Format;
            }
            pos += line.len();
            let len = atoi_prefix(&line[1..]).max(0) as usize;
            if data.len() - pos < len || (len > 0 && pos >= data.len()) {
                return Parse::Short;
            }
            argv.push(Bytes::copy_from_slice(&data[pos..pos + len]));
            pos += len;
            if data.len() - pos < 2 {
                return Parse::Short;
            }
            pos += 2;
        }
        return Parse::Command(argv, pos);
    }
}

/// Runs the commands of `data` from `start` through the dispatcher as a
/// fake client.
fn replay(srv: &mut Server, name: &str, path: &Path, data: &[u8], start: usize) -> Loaded {
    let mut client = Client::new(u64::MAX, String::new(), String::new(), -1, true);
    client.deny_blocking = true;
    let truncate_ok = yes(srv, "aof-load-truncated");
    let key_delay = srv.config.get("key-load-delay").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let mut loops: u64 = 0;
    let mut pos = start;
    let mut valid_up_to = start;
    let mut valid_before_multi = start;
    let failure = loop {
        // As Redis's `processEventsWhileBlocked`: while loading at startup
        // other clients are served (LOADING) every 1024 commands.
        if loops.is_multiple_of(1024)
            && let Some(l) = srv.persist.loading.as_ref()
        {
            l.loaded_bytes.store(l.loaded_bytes.load(Ordering::Relaxed).max(pos as u64), Ordering::Relaxed);
            super::busy::serve_clients(srv);
        }
        loops += 1;
        match next_command(data, pos) {
            Parse::Eof => {
                if client.multi.is_some() {
                    crate::log::warning(&format!("Revert incomplete MULTI/EXEC transaction in AOF file {name}"));
                    valid_up_to = valid_before_multi;
                    break Some(Parse::Short);
                }
                break None;
            }
            Parse::Command(argv, next) => {
                if argv[0].eq_ignore_ascii_case(b"multi") {
                    valid_before_multi = valid_up_to;
                }
                if !super::dispatch::run_loaded(srv, &mut client, &argv) {
                    crate::log::warning(&format!(
                        "Unknown command '{}' reading the append only file {name}",
                        String::from_utf8_lossy(&argv[0])
                    ));
                    return Loaded::Failed;
                }
                pos = next;
                if truncate_ok {
                    valid_up_to = pos;
                }
                crate::persistence::writer::key_delay(key_delay, 1);
            }
            other => break Some(other),
        }
    };
    match failure {
        None => Loaded::Ok,
        Some(Parse::Format) => {
            crate::log::warning(&format!(
                "Bad file format reading the append only file {name}: make a backup of your AOF file, then use \
                 ./redis-check-aof --fix <filename.manifest>"
            ));
            Loaded::Failed
        }
        Some(_) => {
            if truncate_ok {
                crate::log::warning(&format!("!!! Warning: short read while loading the AOF file {name}!!!"));
                crate::log::warning(&format!("!!! Truncating the AOF {name} at offset {valid_up_to} !!!"));
                match OpenOptions::new().write(true).open(path).and_then(|f| f.set_len(valid_up_to as u64)) {
                    Ok(()) => {
                        crate::log::warning(&format!("AOF {name} loaded anyway because aof-load-truncated is enabled"));
                        return Loaded::Truncated;
                    }
                    Err(e) => crate::log::warning(&format!("Error truncating the AOF file {name}: {}", strerror(&e))),
                }
            }
            crate::log::warning(&format!(
                "Unexpected end of file reading the append only file {name}. You can: 1) Make a backup of your AOF \
                 file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the \
                 'aof-load-truncated' configuration option to yes and restart the server."
            ));
            Loaded::Failed
        }
    }
}

/// Loading with propagation off (Redis: `server.loading`), then the
/// expiry log emptied: nothing loaded is fed back to the AOF or replicas.
fn load_quietly(srv: &mut Server, m: &Manifest) -> Loaded {
    let propagate = std::mem::replace(&mut srv.repl.propagate, false);
    for db in &mut srv.keyspace.dbs {
        db.loading = true;
    }
    // INFO `loading:1`; other clients get LOADING (startup and DEBUG
    // LOADAOF alike, as Redis's `startLoading`).
    super::save::loading_begin(srv, 0);
    let ret = load_files(srv, m);
    super::save::loading_end(srv);
    srv.repl.propagate = propagate;
    for db in &mut srv.keyspace.dbs {
        db.loading = false;
        db.expired_log.clear();
    }
    srv.dirty = 0;
    ret
}

/// Startup with `appendonly yes` (Redis's `loadDataFromDisk` for the AOF
/// and `aofOpenIfNeededOnServerStart`). The error is the last log line
/// before exiting.
pub fn startup(srv: &mut Server) -> Result<(), String> {
    srv.aof.state = State::On;
    srv.aof.timestamps = yes(srv, "aof-timestamp-enabled");
    srv.aof.no_fsync_on_rewrite = yes(srv, "no-appendfsync-on-rewrite");
    let mut m = load_manifest_from_disk(srv)?;
    let old = Path::new(&srv.config.appendfilename);
    if old.is_file() {
        let dir_exists = dirname(srv).is_dir();
        let only_old_base = m.incr.is_empty()
            && m.base.as_ref().is_some_and(|b| b.name == srv.config.appendfilename)
            && !file_path(srv, &srv.config.appendfilename).exists();
        if !dir_exists || m.is_empty() || only_old_base {
            upgrade(srv, &mut m)?;
        }
    }
    let started = std::time::Instant::now();
    match load_quietly(srv, &m) {
        // Redis's last line before exiting is the loader's own (logged).
        Loaded::Failed => return Err(String::new()),
        Loaded::NotExist => {}
        _ => crate::log::notice(&format!(
            "DB loaded from append only file: {:.3} seconds",
            started.elapsed().as_secs_f64()
        )),
    }
    srv.aof.manifest = m;
    open_on_start(srv)?;
    super::replication::refresh_propagate(srv);
    Ok(())
}

fn open_on_start(srv: &mut Server) -> Result<(), String> {
    create_dir(srv)?;
    let incr_len = srv.aof.manifest.incr.len();
    if srv.aof.manifest.base.is_none() && incr_len == 0 {
        let rdb = yes(srv, "aof-use-rdb-preamble");
        let name = srv.aof.manifest.new_base(&srv.config.appendfilename, rdb);
        let tmp = PathBuf::from(format!("temp-rewriteaof-{}.aof", std::process::id()));
        let dest = file_path(srv, &name);
        let snapshot =
            if rdb { dest.clone() } else { PathBuf::from(format!("temp-rewriteaof-{}.rdb", std::process::id())) };
        let written = super::save::write_aof_base(srv, tmp, &snapshot).and_then(|_| {
            if rdb {
                return Ok(());
            }
            let ts = srv.aof.timestamps.then(now_secs);
            let r = crate::persistence::aof_rewrite::rdb_to_commands(&snapshot, &dest, srv.keyspace.dbs.len(), ts);
            let _ = std::fs::remove_file(&snapshot);
            r
        });
        written.map_err(|e| {
            crate::log::warning(&e);
            "Can't create the AOF base file".to_string()
        })?;
        srv.aof.base_size = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
        srv.aof.current_size = srv.aof.base_size;
        crate::log::notice(&format!("Creating AOF base file {name} on server start"));
    }
    let name = match srv.aof.manifest.incr.last() {
        Some(i) => i.name.clone(),
        None => srv.aof.manifest.new_incr(&srv.config.appendfilename),
    };
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(file_path(srv, &name))
        .map_err(|e| format!("Can't open the append-only file {name}: {}", strerror(&e)))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    srv.aof.file = Some(file);
    persist_manifest(srv, &srv.aof.manifest).map_err(|()| "Can't persist the AOF manifest".to_string())?;
    srv.aof.last_incr_size = size;
    srv.aof.last_incr_fsync_offset = size;
    srv.aof.last_fsync = now_secs();
    srv.aof.seldb = None;
    if incr_len > 0 {
        crate::log::notice(&format!("Opening AOF incr file {name} on server start"));
    } else {
        crate::log::notice(&format!("Creating AOF incr file {name} on server start"));
    }
    Ok(())
}

/// DEBUG LOADAOF: write the buffer, empty the dataset, load the AOF again.
/// A failure ends the server, as in Redis.
pub fn debug_loadaof(srv: &mut Server) {
    if srv.aof.state == State::On {
        write_buf(srv, true);
    }
    super::tracking::flushed(srv, None);
    for db in &mut srv.keyspace.dbs {
        let t = db.clear();
        super::lazyfree::free_later(t, 0);
    }
    let m = match load_manifest_from_disk(srv) {
        Ok(m) => m,
        Err(e) => {
            crate::log::warning(&e);
            std::process::exit(1);
        }
    };
    srv.aof.manifest = m.clone();
    delete_history(srv);
    let m = srv.aof.manifest.clone();
    match load_quietly(srv, &m) {
        Loaded::Ok | Loaded::Empty => {}
        _ => std::process::exit(1),
    }
    srv.dirty = 0;
    crate::log::warning("Append Only File loaded by DEBUG LOADAOF");
}

// ---------------------------------------------------------------------------
// Rewrite
// ---------------------------------------------------------------------------

/// Opens the incr file the writes go to from now on: a new one in the
/// manifest (AOF on), or the temporary one while waiting for the first
/// rewrite (`openNewIncrAofForAppend`).
fn open_new_incr(srv: &mut Server) -> Result<(), ()> {
    if srv.aof.state == State::Off {
        return Ok(());
    }
    let mut m = None;
    let name = if srv.aof.state == State::WaitRewrite {
        temp_incr_name(srv)
    } else {
        let mut temp = srv.aof.manifest.clone();
        let name = temp.new_incr(&srv.config.appendfilename);
        m = Some(temp);
        name
    };
    let file = match OpenOptions::new().write(true).truncate(true).create(true).open(file_path(srv, &name)) {
        Ok(f) => f,
        Err(e) => {
            crate::log::warning(&format!("Can't open the append-only file {name}: {}", strerror(&e)));
            return Err(());
        }
    };
    if let Some(m) = &m {
        persist_manifest(srv, m)?;
    }
    crate::log::notice(&format!("Creating AOF incr file {name} on background rewrite"));
    if let Some(old) = srv.aof.file.take() {
        background_fsync(&old, &srv.aof.fsync_pending, &srv.aof.fsync_errno);
        srv.aof.last_fsync = now_secs();
    }
    srv.aof.file = Some(file);
    srv.aof.last_incr_size = 0;
    srv.aof.last_incr_fsync_offset = 0;
    if let Some(m) = m {
        srv.aof.manifest = m;
    }
    Ok(())
}

/// Starts a rewrite (`rewriteAppendOnlyFileBackground`); the caller made
/// sure no BGSAVE runs.
pub fn rewrite_start(srv: &mut Server) -> Result<(), Failed> {
    if srv.persist.bgsave.is_some() || srv.aof.rewrite.is_some() {
        return Err(Failed);
    }
    if let Err(e) = create_dir(srv) {
        crate::log::warning(&e);
        srv.aof.last_bgrewrite_ok = false;
        return Err(Failed);
    }
    srv.aof.seldb = None;
    write_buf(srv, true);
    if open_new_incr(srv).is_err() {
        srv.aof.last_bgrewrite_ok = false;
        return Err(Failed);
    }
    srv.aof.rewrites += 1;
    if super::save::bgsave_start_aof(srv, temp_rewrite_path()).is_err() {
        srv.aof.last_bgrewrite_ok = false;
        crate::log::warning("Can't rewrite append only file in background: the snapshot did not start");
        return Err(Failed);
    }
    let id = super::save::running_bgsave(srv).expect("started");
    srv.aof.rewrite = Some((id, now_secs()));
    srv.aof.rewrite_rdb = yes(srv, "aof-use-rdb-preamble");
    srv.aof.rewrite_scheduled = false;
    crate::log::notice(&format!("Background append only file rewriting started by pid {}", std::process::id()));
    Ok(())
}

/// The rewrite's snapshot ended (`backgroundRewriteDoneHandler`). With
/// `aof-use-rdb-preamble no` it is first turned into commands on a thread
/// (the cron waits for it).
pub fn rewrite_done(srv: &mut Server, ok: bool) {
    if srv.aof.rewrite.is_none() {
        return;
    }
    if ok && !srv.aof.rewrite_rdb {
        let (rdb, out) = (temp_rewrite_path(), temp_commands_path());
        let databases = srv.keyspace.dbs.len();
        let ts = srv.aof.timestamps.then(now_secs);
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new().name("aof-rewrite".into()).spawn(move || {
            let r = crate::persistence::aof_rewrite::rdb_to_commands(&rdb, &out, databases, ts);
            if flag.load(Ordering::Relaxed) {
                let _ = std::fs::remove_file(&out);
            }
            let _ = tx.send(r);
        });
        if spawned.is_ok() {
            srv.aof.converting = Some((rx, cancel));
            return;
        }
        finish_rewrite(srv, false, false);
        return;
    }
    finish_rewrite(srv, ok, true);
}

/// Waits (from the cron) for the conversion into commands.
fn poll_conversion(srv: &mut Server) {
    let Some((rx, _)) = srv.aof.converting.as_ref() else { return };
    let outcome = match rx.try_recv() {
        Ok(r) => r,
        Err(std::sync::mpsc::TryRecvError::Empty) => return,
        Err(std::sync::mpsc::TryRecvError::Disconnected) => Err("the AOF rewrite thread ended".into()),
    };
    srv.aof.converting = None;
    if let Err(e) = &outcome {
        crate::log::warning(&format!("Write error writing append only file on disk: {e}"));
    }
    finish_rewrite(srv, outcome.is_ok(), false);
}

fn finish_rewrite(srv: &mut Server, ok: bool, rdb: bool) {
    let Some((_, started)) = srv.aof.rewrite.take() else { return };
    if ok {
        crate::log::notice("Background AOF rewrite terminated with success");
        let tmp = if rdb { temp_rewrite_path() } else { temp_commands_path() };
        if install_rewrite(srv, &tmp, rdb).is_ok() {
            srv.aof.last_bgrewrite_ok = true;
            srv.aof.consecutive_failures = 0;
            crate::log::notice("Background AOF rewrite finished successfully");
            if srv.aof.state == State::WaitRewrite {
                srv.aof.state = State::On;
            }
        } else {
            srv.aof.last_bgrewrite_ok = false;
            srv.aof.consecutive_failures += 1;
        }
    } else {
        srv.aof.last_bgrewrite_ok = false;
        srv.aof.consecutive_failures += 1;
        crate::log::warning("Background AOF rewrite terminated with error");
    }
    rewrite_cleanup(srv, started);
}

/// Abandons the running rewrite, in its snapshot or its conversion.
fn kill_rewrite(srv: &mut Server) {
    if srv.persist.bgsave.as_ref().is_some_and(|b| b.aof) {
        super::save::abort_bgsave(srv);
    } else {
        rewrite_killed(srv);
    }
}

/// A rewrite abandoned (FLUSHALL, SAVE, SHUTDOWN, turning the AOF off):
/// not a failure; one waiting to turn the AOF on starts again later.
pub fn rewrite_killed(srv: &mut Server) {
    let Some((_, started)) = srv.aof.rewrite.take() else { return };
    if let Some((_, cancel)) = srv.aof.converting.take() {
        cancel.store(true, Ordering::Relaxed);
    }
    crate::log::notice(&format!("Killing running AOF rewrite child: {}", std::process::id()));
    rewrite_cleanup(srv, started);
    // Redis's rewrite survives SAVE and FLUSHALL; ours is started again.
    srv.aof.rewrite_scheduled = srv.aof.on();
}

fn rewrite_cleanup(srv: &mut Server, started: u64) {
    let _ = std::fs::remove_file(temp_rewrite_path());
    let _ = std::fs::remove_file(temp_commands_path());
    if srv.aof.state == State::WaitRewrite {
        srv.aof.buf.clear();
        let name = temp_incr_name(srv);
        crate::log::notice(&format!("Removing the temp incr aof file {name} in the background"));
        let _ = std::fs::remove_file(file_path(srv, &name));
        srv.aof.rewrite_scheduled = true;
    }
    srv.aof.last_rewrite_secs = now_secs().saturating_sub(started) as i64;
}

fn install_rewrite(srv: &mut Server, tmp: &Path, rdb: bool) -> Result<(), ()> {
    let mut m = srv.aof.manifest.clone();
    let base = m.new_base(&srv.config.appendfilename, rdb);
    let base_path = file_path(srv, &base);
    if let Err(e) = std::fs::rename(tmp, &base_path) {
        crate::log::warning(&format!(
            "Error trying to rename the temporary AOF base file {} into {}: {}",
            tmp.display(),
            base_path.display(),
            strerror(&e)
        ));
        return Err(());
    }
    crate::log::notice(&format!("Successfully renamed the temporary AOF base file {} into {base}", tmp.display()));
    let mut new_incr_path = None;
    if srv.aof.state == State::WaitRewrite {
        let temp_name = temp_incr_name(srv);
        let incr = m.new_incr(&srv.config.appendfilename);
        let path = file_path(srv, &incr);
        if let Err(e) = std::fs::rename(file_path(srv, &temp_name), &path) {
            crate::log::warning(&format!(
                "Error trying to rename the temporary AOF incr file {temp_name} into {incr}: {}",
                strerror(&e)
            ));
            let _ = std::fs::remove_file(&base_path);
            return Err(());
        }
        crate::log::notice(&format!("Successfully renamed the temporary AOF incr file {temp_name} into {incr}"));
        new_incr_path = Some(path);
    }
    m.mark_rewritten_incr_as_history(srv.aof.file.is_some());
    if persist_manifest(srv, &m).is_err() {
        let _ = std::fs::remove_file(&base_path);
        if let Some(p) = new_incr_path {
            let _ = std::fs::remove_file(p);
        }
        return Err(());
    }
    srv.aof.manifest = m;
    if srv.aof.state != State::Off {
        let base_size = std::fs::metadata(&base_path).map(|m| m.len()).unwrap_or(0);
        srv.aof.current_size = base_size + srv.aof.last_incr_size;
        srv.aof.base_size = srv.aof.current_size;
    }
    delete_history(srv);
    Ok(())
}

/// Deletes the history files (`aofDelHistoryFiles`).
fn delete_history(srv: &mut Server) {
    let gc_off = srv.config.get("aof-disable-auto-gc").is_some_and(|v| v == "yes");
    if gc_off || srv.aof.manifest.history.is_empty() {
        return;
    }
    for h in std::mem::take(&mut srv.aof.manifest.history) {
        crate::log::notice(&format!("Removing the history file {} in the background", h.name));
        let _ = std::fs::remove_file(file_path(srv, &h.name));
    }
    let m = srv.aof.manifest.clone();
    let _ = persist_manifest(srv, &m);
}

/// BGREWRITEAOF's reply, as Redis's `bgrewriteaofCommand`.
pub fn bgrewriteaof(srv: &mut Server, in_exec: bool) -> Result<&'static str, crate::commands::CmdError> {
    if srv.aof.rewrite.is_some() {
        return Err(crate::commands::CmdError::err("Background append only file rewriting already in progress"));
    }
    if srv.persist.bgsave.is_some() || in_exec {
        srv.aof.rewrite_scheduled = true;
        srv.aof.consecutive_failures = 0;
        return Ok("Background append only file rewriting scheduled");
    }
    rewrite_start(srv).map(|()| "Background append only file rewriting started").map_err(|Failed| {
        crate::commands::CmdError::err(
            "Can't execute an AOF background rewriting. Please check the server logs for more information.",
        )
    })
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
pub fn shutdown(srv: &mut Server) {
    if srv.aof.rewrite.is_some() {
        kill_rewrite(srv);
    }
    if srv.aof.on() {
        crate::log::notice("Calling fsync() on the AOF file.");
        flush_and_sync(srv);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(data: &[u8]) -> Vec<Vec<Bytes>> {
        let mut pos = 0;
        let mut out = Vec::new();
        while let Parse::Command(argv, next) = next_command(data, pos) {
            out.push(argv);
            pos = next;
        }
        out
    }

    #[test]
    fn parses_commands_and_skips_annotations() {
        let mut buf = b"#TS:1700000000\r\n".to_vec();
        encode(&mut buf, &[Bytes::from_static(b"SET"), Bytes::from_static(b"k"), Bytes::from_static(b"")]);
        let c = cmds(&buf);
        assert_eq!(c, vec![vec![Bytes::from_static(b"SET"), Bytes::from_static(b"k"), Bytes::new()]]);
        assert!(matches!(next_command(b"*2\r\n$3\r\nSET\r\n$1\r\n", 0), Parse::Short));
        assert!(matches!(next_command(b"*2\r\n$3\r\nSET\r\n", 0), Parse::Short));
        assert!(matches!(next_command(b"*", 0), Parse::Short));
        assert!(matches!(next_command(b"x\r\n", 0), Parse::Format));
        assert!(matches!(next_command(b"*1\r\nx\r\n", 0), Parse::Format));
        assert!(matches!(next_command(b"", 0), Parse::Eof));
    }
}
