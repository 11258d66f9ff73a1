//! `redis-rs-server [FILE|-] [--directive value ...]`, as redis-server:
//! read the configuration (exit 1 with Redis's message on a bad one),
//! detach when `daemonize yes` (fork before any thread or runtime exists;
//! the first process exits 0 only once the daemon accepts connections, or
//! prints why it could not start and exits 1), log Redis's startup lines,
//! raise the open-files limit, install the signal handlers, write the pid
//! file once listening, and serve.

use std::ffi::OsString;
use std::io::{Read, Write};

use redis_rs_server::config::parse::{Invocation, StartError, Startup, from_args};
use redis_rs_server::log;
use redis_rs_server::server::{self, Lifecycle, REDIS_VERSION, SERVER_VERSION, listener, shutdown, supervise};
use redis_rs_server::sys::{self, Forked};

/// Redis's pid file when daemonized without `pidfile`.
const DEFAULT_PID_FILE: &str = "/var/run/redis.pid";

const USAGE: &str = "Usage: ./redis-rs-server [/path/to/redis.conf] [options] [-]
       ./redis-rs-server - (read config from stdin)
       ./redis-rs-server -v or --version
       ./redis-rs-server -h or --help

Examples:
       ./redis-rs-server (run the server with default conf)
       echo 'maxmemory 128mb' | ./redis-rs-server -
       ./redis-rs-server /etc/redis/6379.conf
       ./redis-rs-server --port 7777
       ./redis-rs-server /etc/myredis.conf --loglevel verbose -
       ./redis-rs-server /etc/myredis.conf --loglevel verbose
";

fn main() {
    redis_rs_server::sys::tune_allocator();
    let args: Vec<OsString> = std::env::args_os().collect();
    let startup = match from_args(&args) {
        Ok(Invocation::Run(startup)) => startup,
        Ok(Invocation::Version) => {
            println!("redis-rs-server v={SERVER_VERSION} (Redis {REDIS_VERSION} compatible) bits=64");
            return;
        }
        Ok(Invocation::Help) => {
            eprint!("{USAGE}");
            std::process::exit(1);
        }
        Err(StartError::Fatal(msg)) => {
            eprint!("{msg}");
            std::process::exit(1);
        }
        Err(StartError::Log(msg)) => {
            log::warning(&msg);
            std::process::exit(1);
        }
    };
    let Startup { mut config, warnings, .. } = *startup;
    if let Err(e) = log::init(config.loglevel, &config.logfile) {
        eprintln!("Can't open the log file: {}", redis_rs_server::config::special::strerror(&e));
        std::process::exit(1);
    }
    sys::init_timezone();
    let no_config_file = args.len() < 2;
    if !no_config_file {
        for w in &warnings {
            log::warning(w);
        }
    }

    let supervised = supervise::detect(config.supervised);
    let background = config.daemonize && !supervised;
    let mut report = None;
    if background {
        match sys::daemonize() {
            Err(e) => fail(&format!("Can't daemonize: {e}"), &mut None),
            Ok(Forked::Parent { child, ready }) => std::process::exit(wait_for_daemon(child, ready)),
            Ok(Forked::Daemon { ready }) => {
                log::set_daemonized();
                report = Some(ready);
            }
        }
    }

    log::warning("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
    log::warning(&format!(
        "Redis version={REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid={}, just started",
        std::process::id()
    ));
    if no_config_file {
        for w in &warnings {
            log::warning(w);
        }
    } else {
        log::warning("Configuration loaded");
    }
    log::set_role_master();
    let ignored = config.not_in_effect();
    if !ignored.is_empty() {
        log::notice(&format!(
            "Configuration accepted but not in effect in this server (not implemented yet): {}",
            ignored.join(", ")
        ));
    }
    if let Err(e) = listener::adjust_open_files_limit(&mut config) {
        fail(&e, &mut report);
    }
    if let Err(e) = shutdown::install_signal_handlers() {
        fail(&e, &mut report);
    }
    if background && config.pidfile.is_empty() {
        config.pidfile = DEFAULT_PID_FILE.into();
    }
    let pidfile = config.pidfile.clone();
    let ready_pipe = std::rc::Rc::new(std::cell::RefCell::new(report));
    let lifecycle = Lifecycle {
        on_listening: Some(Box::new({
            let pidfile = pidfile.clone();
            move |_| {
                if !pidfile.is_empty() {
                    write_pid_file(&pidfile);
                }
            }
        })),
        on_ready: Some(Box::new({
            let ready_pipe = ready_pipe.clone();
            move |_| {
                if let Some(mut pipe) = ready_pipe.borrow_mut().take() {
                    let _ = pipe.write_all(b"OK\n");
                }
            }
        })),
    };
    if let Err(msg) = server::run(config, lifecycle) {
        let mut report = ready_pipe.borrow_mut().take();
        fail(&msg, &mut report);
    }
}

/// Ends a failed start: the reason in the log, on the terminal (stderr,
/// or through the daemon's pipe to the first process), exit code 1.
fn fail(msg: &str, report: &mut Option<std::io::PipeWriter>) -> ! {
    for line in msg.lines() {
        log::warning(line);
    }
    match report.take() {
        Some(mut pipe) => {
            let _ = pipe.write_all(format!("ERR {msg}\n").as_bytes());
        }
        None => eprintln!("{msg}"),
    }
    std::process::exit(1)
}

/// The first process of a daemonizing start: waits for the daemon's report.
/// `OK`: the daemon accepts connections, exit 0. Otherwise the reason is
/// printed and the exit code is 1.
fn wait_for_daemon(child: i32, mut ready: std::io::PipeReader) -> i32 {
    let mut text = String::new();
    let _ = ready.read_to_string(&mut text);
    if text.starts_with("OK") {
        return 0;
    }
    match text.strip_prefix("ERR ") {
        Some(msg) => eprint!("{msg}"),
        None => eprintln!("redis-rs-server: the server (pid {child}) exited during startup; see its log file."),
    }
    1
}

/// Writes the pid file, best effort (Redis's `createPidFile`).
fn write_pid_file(path: &str) {
    if let Err(e) = std::fs::write(path, format!("{}\n", std::process::id())) {
        log::warning(&format!("Failed to write PID file: {}", redis_rs_server::config::special::strerror(&e)));
    }
}
