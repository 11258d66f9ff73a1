//! `redis-rs-server [FILE|-] [--directive value ...]`, as redis-server:
//! read the configuration (exit 1 with Redis's message on a bad one),
//! detach when `daemonize yes`, write the pid file, run the server.

use std::ffi::OsString;
use std::io::Write;
use std::process::{Command, Stdio};

use redis_rs_server::config::Supervised;
use redis_rs_server::config::parse::{Invocation, StartError, Startup, from_args};
use redis_rs_server::log;
use redis_rs_server::server::{self, REDIS_VERSION, SERVER_VERSION};

/// Set in the detached child of a daemonizing server.
const DAEMON_CHILD_ENV: &str = "REDIS_RS_SERVER_DAEMON_CHILD";
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
    let args: Vec<OsString> = std::env::args_os().collect();
    // Reading the configuration may chdir (`dir`); a daemon child starts over
    // from here.
    let start_dir = std::env::current_dir().ok();
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
    let Startup { mut config, warnings, stdin_text } = *startup;
    let daemon_child = std::env::var_os(DAEMON_CHILD_ENV).is_some();
    let background = config.daemonize && !supervised(config.supervised);
    if background && !daemon_child {
        std::process::exit(detach(&args, stdin_text.as_deref(), start_dir.as_deref()));
    }
    if let Err(e) = log::init(config.loglevel, &config.logfile) {
        eprintln!("Can't open the log file: {e}");
        std::process::exit(1);
    }
    for w in &warnings {
        log::warning(w);
    }
    let ignored = config.not_in_effect();
    if !ignored.is_empty() {
        log::notice(&format!(
            "Configuration accepted but not in effect in this server (not implemented yet): {}",
            ignored.join(", ")
        ));
    }
    if background && config.pidfile.is_empty() {
        config.pidfile = DEFAULT_PID_FILE.into();
    }
    let pidfile = config.pidfile.clone();
    if !pidfile.is_empty() {
        write_pid_file(&pidfile);
    }
    let result = server::run(config);
    if !pidfile.is_empty() {
        log::notice("Removing the pid file.");
        let _ = std::fs::remove_file(&pidfile);
    }
    if let Err(msg) = result {
        log::warning(&msg);
        eprintln!("{msg}");
        std::process::exit(1);
    }
}

/// Under a supervisor that Redis would detect (`supervised` with the
/// supervisor's environment), `daemonize` is ignored.
fn supervised(mode: Supervised) -> bool {
    let systemd = std::env::var_os("NOTIFY_SOCKET").is_some();
    let upstart = std::env::var_os("UPSTART_JOB").is_some();
    match mode {
        Supervised::No => false,
        Supervised::Systemd => systemd,
        Supervised::Upstart => upstart,
        Supervised::Auto => systemd || upstart,
    }
}

/// `daemonize yes`: starts this program again detached (own process
/// group, standard streams on /dev/null) with the same arguments, and
/// returns the exit code for the parent (0 once the child is started).
fn detach(args: &[OsString], stdin_text: Option<&[u8]>, start_dir: Option<&std::path::Path>) -> i32 {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            log::warning(&format!("Can't daemonize: {e}"));
            return 1;
        }
    };
    let mut cmd = Command::new(exe);
    cmd.args(&args[1..])
        .env(DAEMON_CHILD_ENV, "1")
        .stdin(if stdin_text.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(dir) = start_dir {
        cmd.current_dir(dir);
    }
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    match cmd.spawn() {
        Ok(mut child) => {
            if let (Some(text), Some(mut pipe)) = (stdin_text, child.stdin.take()) {
                let _ = pipe.write_all(text);
            }
            0
        }
        Err(e) => {
            log::warning(&format!("Can't daemonize: {e}"));
            1
        }
    }
}

fn write_pid_file(path: &str) {
    if let Err(e) = std::fs::write(path, format!("{}\n", std::process::id())) {
        log::warning(&format!("Failed to write PID file: {}", redis_rs_server::config::special::strerror(&e)));
    }
}
