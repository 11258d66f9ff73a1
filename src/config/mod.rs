//! Server configuration: the values in effect, their defaults, and parsing of
//! redis.conf files and `--directive value` command-line overrides.
//! Imports only `util`.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Verbose,
    Notice,
    Warning,
}

/// The configuration in effect.
#[derive(Debug, Clone)]
pub struct Config {
    pub port: u16,
    pub bind: Vec<String>,
    pub protected_mode: bool,
    pub tcp_backlog: u32,
    /// Close idle clients after this many seconds (0: never).
    pub timeout: u64,
    pub tcp_keepalive: u64,
    pub databases: usize,
    pub loglevel: LogLevel,
    /// Empty: log to stdout.
    pub logfile: String,
    pub dir: String,
    pub dbfilename: String,
    /// Save points: (seconds, changes).
    pub save: Vec<(u64, u64)>,
    pub rdbcompression: bool,
    pub rdbchecksum: bool,
    /// Empty: no password.
    pub requirepass: String,
    pub maxclients: u32,
    pub hz: u32,
    pub proto_max_bulk_len: i64,
    pub client_query_buffer_limit: u64,
    pub daemonize: bool,
    pub pidfile: String,
    /// Directives accepted but not in effect, kept for CONFIG GET.
    pub other: BTreeMap<String, String>,
    /// The file the configuration was read from, if any.
    pub config_file: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6379,
            bind: vec!["*".into(), "-::*".into()],
            protected_mode: true,
            tcp_backlog: 511,
            timeout: 0,
            tcp_keepalive: 300,
            databases: 16,
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            dir: ".".into(),
            dbfilename: "dump.rdb".into(),
            save: vec![(3600, 1), (300, 100), (60, 10000)],
            rdbcompression: true,
            rdbchecksum: true,
            requirepass: String::new(),
            maxclients: 10000,
            hz: 10,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            daemonize: false,
            pidfile: String::new(),
            other: BTreeMap::new(),
            config_file: None,
        }
    }
}

pub mod directives;
pub mod parse;
