//! Writing an RDB file safely: into a temp file beside the target,
//! with a running CRC-64 (the trailer; zero when `rdbchecksum no`), fsynced
//! (also every 4 MiB with `rdb-save-incremental-fsync`), renamed over the
//! target, and the directory fsynced. A failed or abandoned write removes
//! the temp file: the previous dump stays intact.
//!
//! `spawn` runs such a write on its own thread, fed chunks of RDB bytes
//! through a channel (the fork-free BGSAVE); it reports the outcome once.
//! That thread is in the kernel's idle class: it only gets CPUs that no
//! other thread wants, so it never delays the command thread; one that
//! gets none for long is raised by the caller (`promote`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use super::crc64::Crc64;
use crate::sys::ThreadClass;

const AUTOSYNC_BYTES: u64 = 4 * 1024 * 1024;

use crate::util::strerror;

fn cwd() -> String {
    std::env::current_dir().map(|p| p.display().to_string()).unwrap_or_else(|_| "unknown".into())
}

/// An RDB file being written under its temporary name.
pub struct RdbFile {
    out: Option<BufWriter<File>>,
    crc: Crc64,
    checksum: bool,
    incremental_fsync: bool,
    unsynced: u64,
    written: u64,
    tmp: PathBuf,
}

impl RdbFile {
    /// Creates (truncates) the temp file `tmp`.
    pub fn create(tmp: PathBuf, checksum: bool, incremental_fsync: bool) -> Result<RdbFile, String> {
        let file = File::create(&tmp).map_err(|e| {
            format!(
                "Failed opening the temp RDB file {} (in server root dir {}) for saving: {}",
                tmp.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                cwd(),
                strerror(&e)
            )
        })?;
        Ok(RdbFile {
            out: Some(BufWriter::with_capacity(1 << 20, file)),
            crc: Crc64::default(),
            checksum,
            incremental_fsync,
            unsynced: 0,
            written: 0,
            tmp,
        })
    }

    fn werr(op: &str, e: &std::io::Error) -> String {
        format!("Write error saving DB on disk({op}): {}", strerror(e))
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        let out = self.out.as_mut().expect("open until finished");
        if self.checksum {
            self.crc.update(bytes);
        }
        out.write_all(bytes).map_err(|e| Self::werr("rdbSaveRio", &e))?;
        self.written += bytes.len() as u64;
        self.unsynced += bytes.len() as u64;
        if self.incremental_fsync && self.unsynced >= AUTOSYNC_BYTES {
            out.flush().map_err(|e| Self::werr("fflush", &e))?;
            out.get_ref().sync_data().map_err(|e| Self::werr("fsync", &e))?;
            self.unsynced = 0;
        }
        Ok(())
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Appends the checksum trailer (after the EOF opcode the caller
    /// wrote), syncs, and renames over `dest`, unless `cancel` is set by
    /// then. Returns the file size.
    pub fn finish(mut self, dest: &Path, cancel: Option<&AtomicBool>) -> Result<u64, String> {
        let crc = if self.checksum { self.crc.value() } else { 0 };
        let mut out = self.out.take().expect("open until finished");
        out.write_all(&crc.to_le_bytes()).map_err(|e| Self::werr("rdbSaveRio", &e))?;
        out.flush().map_err(|e| Self::werr("fflush", &e))?;
        let file = out.into_inner().map_err(|e| Self::werr("fflush", e.error()))?;
        file.sync_all().map_err(|e| Self::werr("fsync", &e))?;
        drop(file);
        if cancel.is_some_and(|c| c.load(Ordering::Acquire)) {
            let _ = std::fs::remove_file(&self.tmp);
            return Err("saving abandoned".into());
        }
        if let Err(e) = std::fs::rename(&self.tmp, dest) {
            let _ = std::fs::remove_file(&self.tmp);
            return Err(format!(
                "Error moving temp DB file {} on the final destination {} (in server root dir {}): {}",
                self.tmp.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                dest.display(),
                cwd(),
                strerror(&e)
            ));
        }
        self.tmp = PathBuf::new();
        if let Some(dir) = dest.parent() {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Self::werr("fsyncFileDir", &e))?;
        }
        Ok(self.written + 8)
    }
}

impl Drop for RdbFile {
    /// An unfinished file is removed.
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            self.out = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// What the command thread sends the writer thread.
pub enum Msg {
    /// Bytes, and how many keys they hold.
    Data(Vec<u8>, u64),
    /// Everything, EOF opcode included, has been sent.
    Finish,
}

/// The command thread's side of a background write.
pub struct Writer {
    tx: Option<mpsc::Sender<Msg>>,
    /// Written chunks coming back for reuse: no malloc/free churn between
    /// the threads (cross-thread frees contend on the allocator's locks).
    spare: mpsc::Receiver<Vec<u8>>,
    /// Bytes (allocated) sent but not yet written.
    queued: Arc<AtomicUsize>,
    /// Bytes written so far (progress, to tell a starved writer).
    written: Arc<AtomicU64>,
    /// The writer thread's kernel id (0 until it has started).
    tid: Arc<AtomicI32>,
    /// The class of the thread that started the writer.
    home: ThreadClass,
    /// The temp file being written.
    tmp: PathBuf,
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    result: Option<tokio::sync::oneshot::Receiver<Result<u64, String>>>,
}

impl Writer {
    /// Starts a writer thread for `tmp`, to be renamed over `dest`.
    /// `compress`: LZF-compress the raw strings of the chunks received
    /// (`recompress`). `key_delay`: Redis's `rdb-key-save-delay`,
    /// microseconds to wait per key written (negative: one microsecond
    /// every -N keys), for tests.
    pub fn spawn(tmp: PathBuf, dest: PathBuf, opts: WriterOptions) -> Result<Writer, String> {
        let (tx, rx) = mpsc::channel::<Msg>();
        let (spare_tx, spare) = mpsc::sync_channel::<Vec<u8>>(SPARE_BUFFERS);
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let cancel = Arc::new(AtomicBool::new(false));
        let written = Arc::new(AtomicU64::new(0));
        let tid = Arc::new(AtomicI32::new(0));
        let (q, c, w, t) = (queued.clone(), cancel.clone(), written.clone(), tid.clone());
        // The temp file is created here, on the caller's thread, so that it
        // exists once `spawn` returns: `abort` then always removes it, and a
        // writer starved of CPU cannot create it after an abort. A failure
        // to create it is the writer's outcome, as before.
        let file = RdbFile::create(tmp.clone(), opts.checksum, opts.incremental_fsync);
        let tmp_path = tmp;
        let thread = std::thread::Builder::new()
            .name("rdb-writer".into())
            .spawn(move || {
                // Compressing and writing must never take a core from the
                // command thread: the writer runs only on CPUs nothing else
                // wants, and yields them at once (Redis's fork child competes
                // as an equal, which is what shows in its write latency).
                let me = crate::sys::thread_id();
                let _ = crate::sys::set_thread_class(me, ThreadClass::Idle);
                t.store(me, Ordering::Release);
                let result = file.and_then(|file| run(&rx, &spare_tx, file, &dest, opts, (&q, &c, &w)));
                let _ = done_tx.send(result);
            })
            .map_err(|e| format!("Can't save in background: {e}"))?;
        let home = crate::sys::thread_class(crate::sys::thread_id()).unwrap_or(ThreadClass::Normal(0));
        Ok(Writer {
            tx: Some(tx),
            spare,
            queued,
            written,
            tid,
            home,
            tmp: tmp_path,
            cancel,
            thread: Some(thread),
            result: Some(done_rx),
        })
    }

    /// Bytes the writer has written so far.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Is the writer thread runnable (running or waiting for a CPU), rather
    /// than sleeping or waiting for the disk? (Linux: its /proc state.)
    pub fn runnable(&self) -> bool {
        let tid = self.tid.load(Ordering::Acquire);
        let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap_or_default();
        // "tid (comm) S ...": the state follows the last parenthesis.
        stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('R'))
    }

    /// Moves a writer that gets no idle CPU (other processes keep every core
    /// busy) to the class of the thread that started it, so the save ends
    /// (the writer then competes for the CPU as Redis's fork child does).
    /// Needs the privilege to leave `SCHED_IDLE`: `CAP_SYS_NICE`, or an
    /// `RLIMIT_NICE` that allows the nice value (systemd: `LimitNICE=+0`
    /// for nice 0); the error says why it was refused.
    pub fn promote(&self) -> Result<(), String> {
        let tid = self.tid.load(Ordering::Acquire);
        if tid == 0 {
            return Err("the writer thread has not started".into());
        }
        crate::sys::set_thread_class(tid, self.home).map_err(|e| strerror(&e))
    }

    /// An empty buffer of at least `capacity` bytes, reused if one came back.
    pub fn buffer(&mut self, capacity: usize) -> Vec<u8> {
        match self.spare.try_recv() {
            Ok(mut v) => {
                v.reserve(capacity);
                v
            }
            Err(_) => Vec::with_capacity(capacity),
        }
    }

    /// Bytes (allocated) handed over and not yet written.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Hands bytes holding `keys` keys over. False if the writer has
    /// stopped (it failed).
    pub fn send(&mut self, bytes: Vec<u8>, keys: u64) -> bool {
        let n = bytes.capacity();
        self.queued.fetch_add(n, Ordering::Relaxed);
        let ok = self.tx.as_ref().is_some_and(|tx| tx.send(Msg::Data(bytes, keys)).is_ok());
        if !ok {
            self.queued.fetch_sub(n, Ordering::Relaxed);
        }
        ok
    }

    /// Everything is sent: the writer finishes the file. Returns where its
    /// outcome arrives.
    pub fn finish(&mut self) -> tokio::sync::oneshot::Receiver<Result<u64, String>> {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Msg::Finish);
        }
        self.result.take().expect("finish once")
    }

    /// Where the outcome arrives, after a failed `send`.
    pub fn outcome(&mut self) -> tokio::sync::oneshot::Receiver<Result<u64, String>> {
        self.tx = None;
        self.result.take().expect("outcome once")
    }

    /// Abandons the write: the temp file is removed now and the target left
    /// alone (unless the rename already happened). The thread is not waited
    /// for: it stops at its next chunk and ends by itself (a writer starved
    /// of CPU would keep the command thread waiting).
    pub fn abort(&mut self) {
        self.cancel.store(true, Ordering::Release);
        self.tx = None;
        let _ = std::fs::remove_file(&self.tmp);
        self.thread = None;
    }

    /// Waits for the thread to end (tests).
    #[cfg(test)]
    fn join(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Redis's `debugDelay` for `keys` keys: `delay` microseconds each, or
/// with a negative `delay` one microsecond every `-delay` keys.
pub fn key_delay(delay: i64, keys: u64) {
    let us = match delay {
        0 => 0,
        d if d > 0 => keys.saturating_mul(d as u64),
        d => keys / d.unsigned_abs(),
    };
    if us > 0 {
        std::thread::sleep(std::time::Duration::from_micros(us));
    }
}

/// How a background write works.
#[derive(Debug, Clone, Copy)]
pub struct WriterOptions {
    /// Write the CRC-64 trailer (`rdbchecksum`), else zero.
    pub checksum: bool,
    /// fsync every 4 MiB (`rdb-save-incremental-fsync`).
    pub incremental_fsync: bool,
    /// LZF-compress raw strings (`rdbcompression`).
    pub compress: bool,
    /// `rdb-key-save-delay`.
    pub key_delay: i64,
}

/// Written buffers kept for reuse.
const SPARE_BUFFERS: usize = 4;

fn run(
    rx: &mpsc::Receiver<Msg>,
    spare: &mpsc::SyncSender<Vec<u8>>,
    mut file: RdbFile,
    dest: &Path,
    opts: WriterOptions,
    (queued, cancel, written): (&AtomicUsize, &AtomicBool, &AtomicU64),
) -> Result<u64, String> {
    let mut compressed = Vec::new();
    loop {
        match rx.recv() {
            Ok(Msg::Data(mut bytes, keys)) => {
                let r = if opts.compress {
                    compressed.clear();
                    super::recompress::compress_records(&bytes, &mut compressed)
                        .map_err(str::to_string)
                        .and_then(|()| file.write(&compressed))
                } else {
                    file.write(&bytes)
                };
                key_delay(opts.key_delay, keys);
                queued.fetch_sub(bytes.capacity(), Ordering::Relaxed);
                r?;
                written.store(file.written(), Ordering::Relaxed);
                bytes.clear();
                let _ = spare.try_send(bytes);
                if cancel.load(Ordering::Acquire) {
                    return Err("saving abandoned".into());
                }
            }
            Ok(Msg::Finish) => return file.finish(dest, Some(cancel)),
            Err(_) => return Err("saving abandoned".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: WriterOptions =
        WriterOptions { checksum: true, incremental_fsync: true, compress: false, key_delay: 0 };

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("rrs-writer-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn finished_file_replaces_target_and_abandoned_one_does_not() {
        let d = tmpdir("a");
        let dest = d.join("dump.rdb");
        std::fs::write(&dest, b"old").unwrap();
        // Each save has its own temp name, as BGSAVE does: the abandoned
        // writer is detached and may still be ending while the next runs.
        let mut w = Writer::spawn(d.join("temp-1.rdb"), dest.clone(), OPTS).unwrap();
        assert!(w.send(b"123456789".to_vec(), 0));
        w.abort();
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        // The file was created by `spawn`, so abort removes it at once,
        // whether or not the detached thread has run yet.
        assert!(!d.join("temp-1.rdb").exists(), "abandoned temp file left behind");

        let mut w = Writer::spawn(d.join("temp-2.rdb"), dest.clone(), OPTS).unwrap();
        assert!(w.send(b"1234".to_vec(), 0));
        assert!(w.send(b"56789".to_vec(), 0));
        let rx = w.finish();
        let n = rx.blocking_recv().unwrap().unwrap();
        w.join();
        assert_eq!(n, 17);
        let got = std::fs::read(&dest).unwrap();
        assert_eq!(&got[..9], b"123456789");
        assert_eq!(u64::from_le_bytes(got[9..].try_into().unwrap()), 0xe9c6d914c4b8d9ca);
        assert_eq!(w.queued(), 0);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn unwritable_directory_fails_cleanly() {
        let mut w =
            Writer::spawn("/nonexistent-dir/temp.rdb".into(), "/nonexistent-dir/dump.rdb".into(), OPTS).unwrap();
        let rx = w.outcome();
        let err = rx.blocking_recv().unwrap().unwrap_err();
        assert!(err.starts_with("Failed opening the temp RDB file temp.rdb"), "{err}");
        w.join();
    }
}
