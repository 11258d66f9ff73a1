//! The operating-system calls that neither std nor tokio offers, each behind
//! a safe function: detaching into a daemon (`fork` before the runtime
//! exists, `setsid`, standard streams on /dev/null), local time for log
//! lines (`localtime_r`), the open-files limit (`getrlimit`/`setrlimit`),
//! signal handlers that must act while the command thread is busy (a second
//! SIGINT during a long save), and the async-signal-safe pieces such a
//! handler may use (`open`/`write`/`close`, `unlink`, `_exit`), and the
//! scheduling class of a background thread (`sched_setscheduler`), a
//! malloc parameter (`mallopt`), and CPU time used (`getrusage`).
//!
//! With `alloc` (and `util::prefetch`'s one hint), this is where the
//! crate's `unsafe` lives; every block says why it is sound, and every
//! function has a test. Imports nothing of the crate.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_int};
use std::io;

// ---------------------------------------------------------------------------
// Thread scheduling and the allocator.

/// The kernel's id of the calling thread.
pub fn thread_id() -> i32 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() }
}

/// How the kernel schedules a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadClass {
    /// `SCHED_IDLE`: runs only on a CPU no other thread wants; any other
    /// thread that wakes up takes the CPU at once.
    Idle,
    /// `SCHED_OTHER` at this nice value.
    Normal(i32),
}

/// Puts thread `tid` of this process in `class`. Any thread may enter
/// `Idle` or raise its nice value; leaving `Idle` needs `CAP_SYS_NICE` or
/// an `RLIMIT_NICE` that allows the nice value (EPERM otherwise).
pub fn set_thread_class(tid: i32, class: ThreadClass) -> io::Result<()> {
    let (policy, nice) = match class {
        ThreadClass::Idle => (libc::SCHED_IDLE, None),
        ThreadClass::Normal(nice) => (libc::SCHED_OTHER, Some(nice)),
    };
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `param` is an initialized sched_param that outlives the call;
    // a bad tid or a refused change is reported as -1 and errno.
    if unsafe { libc::sched_setscheduler(tid, policy, &param) } == -1 {
        return Err(io::Error::last_os_error());
    }
    if let Some(nice) = nice {
        // SAFETY: setpriority on one thread id of ours; errors as -1/errno.
        if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, nice) } == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The class thread `tid` is scheduled in.
pub fn thread_class(tid: i32) -> io::Result<ThreadClass> {
    // SAFETY: sched_getscheduler only reads the policy of a thread id;
    // errors as -1/errno.
    let policy = unsafe { libc::sched_getscheduler(tid) };
    if policy == -1 {
        return Err(io::Error::last_os_error());
    }
    if policy == libc::SCHED_IDLE {
        return Ok(ThreadClass::Idle);
    }
    // SAFETY: getpriority reads the nice value of one thread id; -1 is
    // also a valid nice value, which is what we return then.
    Ok(ThreadClass::Normal(unsafe { libc::getpriority(libc::PRIO_PROCESS, tid as libc::id_t) }))
}

/// Makes glibc's malloc free without deferred work: no "fastbins", whose
/// chunks pile up while values are overwritten and are then merged all at
/// once by whichever allocation of a kilobyte or more comes next (100 ms
/// with a million keys rewritten, on the command thread). Small blocks
/// still come from glibc's per-thread cache. (Tested in
/// tests/allocator_tuning.rs, a process of its own.)
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a malloc parameter; M_MXFAST 0 is in
    // range and allowed at any time (glibc merges the fastbins first).
    unsafe {
        libc::mallopt(libc::M_MXFAST, 0);
    }
}

// ---------------------------------------------------------------------------
// Daemonizing.

/// Which side of the fork this process is on.
pub enum Forked {
    /// The process that was started: `ready` yields what the daemon reports
    /// once it listens (or fails), then end of file.
    Parent { child: i32, ready: io::PipeReader },
    /// The daemon: a new session, no terminal, standard streams on
    /// /dev/null. It writes its report to `ready` and drops it.
    Daemon { ready: io::PipeWriter },
}

/// Number of threads of this process (Linux: entries of /proc/self/task).
pub fn thread_count() -> io::Result<usize> {
    Ok(std::fs::read_dir("/proc/self/task")?.count())
}

/// Forks into a daemon as Redis's `daemonize()` does, plus a pipe so the
/// parent can wait for the daemon to listen. Refuses (without forking) if
/// the process has more than one thread: only the calling thread would
/// survive in the child, with whatever locks the others held.
pub fn daemonize() -> io::Result<Forked> {
    let threads = thread_count()?;
    if threads != 1 {
        return Err(io::Error::other(format!("can't fork a process with {threads} threads")));
    }
    let (reader, writer) = io::pipe()?;
    // SAFETY: the process is single-threaded (checked just above), so the
    // child is an exact copy with no lock held by a vanished thread and no
    // runtime to corrupt; fork itself takes no pointers. Both sides keep
    // using only their own copies of the pipe ends.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            drop(reader);
            // SAFETY: setsid takes no arguments and only changes this
            // process's session; it fails only if we already lead a group,
            // which a freshly forked child never does.
            unsafe { libc::setsid() };
            redirect_stdio_to_null()?;
            Ok(Forked::Daemon { ready: writer })
        }
        child => {
            drop(writer);
            Ok(Forked::Parent { child, ready: reader })
        }
    }
}

/// Points stdin, stdout and stderr at /dev/null (as Redis's daemon does:
/// with no `logfile` its log then goes nowhere).
fn redirect_stdio_to_null() -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let null = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null")?;
    for target in [libc::STDIN_FILENO, libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        // SAFETY: both descriptors are open (`null` lives until the end of
        // this function); dup2 atomically replaces `target` with a copy and
        // no Rust object owns fds 0-2 exclusively (std's handles only write
        // to whatever they refer to).
        if unsafe { libc::dup2(null.as_raw_fd(), target) } == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Local time.

/// Broken-down local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i32,
    /// 1..=12
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

unsafe extern "C" {
    /// POSIX `tzset` (the libc crate does not declare it on Unix).
    fn tzset();
}

/// Reads `TZ` (and /etc/localtime) now, as Redis does at startup.
pub fn init_timezone() {
    // SAFETY: tzset takes no arguments; it only (re)initializes libc's
    // time-zone state, guarded by libc's own lock.
    unsafe { tzset() }
}

/// `secs` (Unix time) in the local time zone, via `localtime_r`.
pub fn local_time(secs: i64) -> LocalTime {
    let t: libc::time_t = secs;
    // SAFETY: `tm` is plain data for which all-zero is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the duration of the call and
    // localtime_r is thread-safe (it writes only into `tm`).
    let ok = !unsafe { libc::localtime_r(&t, &mut tm) }.is_null();
    if !ok {
        return LocalTime { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
    }
    LocalTime {
        year: tm.tm_year + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        minute: tm.tm_min as u32,
        second: tm.tm_sec as u32,
    }
}

// ---------------------------------------------------------------------------
// Open files limit.

/// The soft and hard `RLIMIT_NOFILE`.
pub fn nofile_limit() -> io::Result<(u64, u64)> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `lim` is a valid, writable rlimit for the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok((lim.rlim_cur, lim.rlim_max))
}

/// Sets both the soft and the hard `RLIMIT_NOFILE` to `n` (as Redis does).
pub fn set_nofile_limit(n: u64) -> io::Result<()> {
    let lim = libc::rlimit { rlim_cur: n, rlim_max: n };
    // SAFETY: `lim` is a valid rlimit for the duration of the call.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// CPU time.

/// Whose CPU time `cpu_time` reads (`getrusage`'s `who`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuOf {
    Process,
    /// Terminated and waited-for children.
    Children,
    /// The calling thread.
    Thread,
}

/// CPU time used, user and system, each as (seconds, microseconds): what
/// Redis prints as `%ld.%06ld` in INFO's CPU section. Zeros if it fails.
pub fn cpu_time(of: CpuOf) -> ((i64, i64), (i64, i64)) {
    let who = match of {
        CpuOf::Process => libc::RUSAGE_SELF,
        CpuOf::Children => libc::RUSAGE_CHILDREN,
        CpuOf::Thread => libc::RUSAGE_THREAD,
    };
    // SAFETY: `rusage` is plain integers, for which all-zero bytes are a
    // valid value; getrusage only writes into the struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage for the call.
    if unsafe { libc::getrusage(who, &mut usage) } == -1 {
        return ((0, 0), (0, 0));
    }
    let pair = |t: libc::timeval| (t.tv_sec, t.tv_usec);
    (pair(usage.ru_utime), pair(usage.ru_stime))
}

// ---------------------------------------------------------------------------
// Signals.

pub use libc::{SIGINT, SIGTERM};

/// Installs `handler` for SIGINT and SIGTERM and ignores SIGPIPE (a client
/// that goes away mid-write must not kill the server). The handler runs on
/// whatever thread the kernel picks, possibly in the middle of a command:
/// it may only touch atomics and the async-signal-safe calls below.
pub fn install_shutdown_handlers(handler: extern "C" fn(c_int)) -> io::Result<()> {
    for (sig, action) in [
        (libc::SIGINT, handler as *const () as libc::sighandler_t),
        (libc::SIGTERM, handler as *const () as libc::sighandler_t),
        (libc::SIGPIPE, libc::SIG_IGN),
    ] {
        // SAFETY: `sigaction` is plain data (all-zero is valid: empty mask,
        // no flags); the handler is an `extern "C" fn(c_int)` that lives for
        // the whole program, matching `sa_handler` without SA_SIGINFO.
        let rc = unsafe {
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = action;
            libc::sigemptyset(&mut act.sa_mask);
            libc::sigaction(sig, &act, std::ptr::null_mut())
        };
        if rc == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Sends `sig` to this process (tests, and re-raising).
pub fn raise(sig: c_int) {
    // SAFETY: raise takes a signal number and no pointers.
    unsafe { libc::raise(sig) };
}

/// Appends `parts` to the file at `path` (created 0644 if needed), or to
/// stdout without a path, using only async-signal-safe calls: usable from
/// a signal handler. Errors are ignored, as in Redis's handler logging.
pub fn signal_safe_append(path: Option<&CStr>, parts: &[&[u8]]) {
    // SAFETY: `path` is a NUL-terminated string; open returns a new
    // descriptor we own until the close below, or -1.
    let fd = match path {
        Some(p) => unsafe { libc::open(p.as_ptr(), libc::O_APPEND | libc::O_CREAT | libc::O_WRONLY, 0o644) },
        None => libc::STDOUT_FILENO,
    };
    if fd == -1 {
        return;
    }
    for part in parts {
        // SAFETY: the pointer and length describe a live byte slice.
        if unsafe { libc::write(fd, part.as_ptr().cast(), part.len()) } == -1 {
            break;
        }
    }
    if path.is_some() {
        // SAFETY: `fd` was opened above and is closed exactly once.
        unsafe { libc::close(fd) };
    }
}

/// Removes a file, async-signal-safely.
pub fn signal_safe_unlink(path: &CStr) {
    // SAFETY: `path` is a NUL-terminated string valid for the call.
    unsafe { libc::unlink(path.as_ptr()) };
}

/// Ends the process at once with `code`, without running destructors or
/// atexit handlers (async-signal-safe, unlike `std::process::exit`).
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit takes an int and never returns.
    unsafe { libc::_exit(code) }
}

/// Unix time in seconds, async-signal-safely (`time(NULL)`).
pub fn unix_seconds() -> i64 {
    // SAFETY: a null pointer asks time() only to return the value.
    unsafe { libc::time(std::ptr::null_mut()) }
}

/// Writes `n` in decimal into `buf`, returning the digits (no allocation:
/// usable from a signal handler).
pub fn format_decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        let ((user_s, user_us), _) = cpu_time(CpuOf::Thread);
        let before = user_s * 1_000_000 + user_us;
        let start = std::time::Instant::now();
        let mut x = 1u64;
        while start.elapsed() < std::time::Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        let ((thread_s, thread_us), (_, sys_us)) = cpu_time(CpuOf::Thread);
        let ((proc_s, proc_us), _) = cpu_time(CpuOf::Process);
        assert!(thread_s * 1_000_000 + thread_us > before, "the thread's user time did not grow");
        assert!(proc_s * 1_000_000 + proc_us >= thread_s * 1_000_000 + thread_us);
        assert!((0..1_000_000).contains(&thread_us) && (0..1_000_000).contains(&sys_us));
        assert_eq!(cpu_time(CpuOf::Children).0.0, 0, "no children were started");
    }

    #[test]
    fn decimal_digits() {
        let mut b = [0u8; 20];
        assert_eq!(format_decimal(0, &mut b), b"0");
        assert_eq!(format_decimal(1234567, &mut b), b"1234567");
        assert_eq!(format_decimal(u64::MAX, &mut b), b"18446744073709551615");
    }

    #[test]
    fn local_time_is_a_real_date() {
        init_timezone();
        let t = local_time(1_700_000_000);
        // 2023-11-14 22:13:20 UTC: any time zone puts it on the 14th or 15th.
        assert_eq!((t.year, t.month), (2023, 11));
        assert!(t.day == 14 || t.day == 15, "{t:?}");
        assert!(t.hour < 24 && t.minute < 60 && t.second < 60);
        assert_eq!(t.second, 20, "zones are whole minutes");
    }

    #[test]
    fn nofile_limit_round_trips() {
        let (soft, hard) = nofile_limit().unwrap();
        assert!(soft > 0 && soft <= hard);
        // Setting the current soft value as both limits lowers the hard
        // limit, which is irreversible for an unprivileged process: only
        // check that asking for the current values is accepted.
        let lim = libc::rlimit { rlim_cur: soft, rlim_max: hard };
        // SAFETY: as in set_nofile_limit.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
    }

    #[test]
    fn signal_safe_append_and_unlink() {
        let path = std::env::temp_dir().join(format!("rrs-sys-{}.log", std::process::id()));
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        signal_safe_append(Some(&c), &[b"12", b":signal-handler ", b"x\n"]);
        signal_safe_append(Some(&c), &[b"second\n"]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "12:signal-handler x\nsecond\n");
        signal_safe_unlink(&c);
        assert!(!path.exists());
    }

    #[test]
    fn thread_class_changes_only_the_named_thread() {
        let me = thread_class(thread_id()).unwrap();
        let (inside, before) = std::thread::spawn(|| {
            let tid = thread_id();
            let before = thread_class(tid).unwrap();
            set_thread_class(tid, ThreadClass::Idle).unwrap();
            (thread_class(tid).unwrap(), before)
        })
        .join()
        .unwrap();
        assert_eq!(before, me);
        assert_eq!(inside, ThreadClass::Idle);
        assert_eq!(thread_class(thread_id()).unwrap(), me);
        // Another thread of ours, by id: into Idle, and back to normal
        // (allowed here only with the privilege to lower a nice value).
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || {
            tx.send(thread_id()).unwrap();
            let _ = stop_rx.recv();
        });
        let tid = rx.recv().unwrap();
        set_thread_class(tid, ThreadClass::Idle).unwrap();
        assert_eq!(thread_class(tid).unwrap(), ThreadClass::Idle);
        match set_thread_class(tid, ThreadClass::Normal(19)) {
            Ok(()) => assert_eq!(thread_class(tid).unwrap(), ThreadClass::Normal(19)),
            Err(e) => assert_eq!(e.raw_os_error(), Some(libc::EPERM)),
        }
        stop_tx.send(()).unwrap();
        other.join().unwrap();
        assert!(set_thread_class(-5, ThreadClass::Idle).is_err());
    }

    #[test]
    fn unix_seconds_matches_std() {
        let std_now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        assert!((unix_seconds() - std_now).abs() <= 1);
    }

    static SEEN: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

    extern "C" fn record(sig: c_int) {
        SEEN.store(sig, std::sync::atomic::Ordering::SeqCst);
    }

    #[test]
    fn shutdown_handler_runs_on_sigterm() {
        install_shutdown_handlers(record).unwrap();
        raise(SIGTERM);
        assert_eq!(SEEN.load(std::sync::atomic::Ordering::SeqCst), SIGTERM);
    }

    /// The test binary runs tests on several threads: daemonize must refuse
    /// rather than fork a multi-threaded process. (The fork itself is
    /// exercised by the integration tests, which start `daemonize yes`
    /// servers.)
    #[test]
    fn daemonize_refuses_with_threads() {
        let _t = std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_millis(500)));
        match daemonize() {
            Err(e) => assert!(e.to_string().contains("threads"), "{e}"),
            Ok(_) => panic!("forked a multi-threaded process"),
        }
    }
}
