//! Server configuration: the typed values the server reads (`Config`), the
//! directive table every configuration path derives from (`directives`),
//! value syntax shared by all paths (`value`), the directives with their own
//! syntax (`special`), redis.conf and command-line loading (`parse`), the
//! atomic multi-directive update behind CONFIG SET (`set`) and CONFIG
//! REWRITE (`rewrite`).
//!
//! Invariants: every directive Redis 7.0 knows is declared once in
//! `directives::DIRECTIVES`, with its default; `Config::default()` is built
//! from those defaults, so the table is the only place a default lives.
//! Directives the server acts on (or soon will) have a typed field here;
//! the rest keep their CONFIG GET text in `Config::other`.
//! Imports only `util` (and the Redis version string for fatal messages).

pub mod directives;
pub mod parse;
pub mod rewrite;
pub mod set;
pub mod special;
pub mod value;

use std::collections::BTreeMap;

/// Declares a configuration enum: variants, their CONFIG names and values.
macro_rules! config_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal => $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($variant = $value),+
        }

        impl $name {
            /// Names and values, in the order Redis lists them in errors.
            pub const VALUES: &'static [(&'static str, i64)] = &[$(($text, $value)),+];
            const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The variant with value `v` (values come from `VALUES`).
            pub fn from_value(v: i64) -> $name {
                Self::ALL.iter().copied().find(|x| *x as i64 == v).unwrap_or(Self::ALL[0])
            }

            /// The name CONFIG GET shows.
            pub fn name(self) -> &'static str {
                Self::VALUES.iter().find(|(_, v)| *v == self as i64).map(|(n, _)| *n).unwrap_or("unknown")
            }
        }
    };
}

config_enum!(
    /// `loglevel`.
    LogLevel {
        Debug = "debug" => 0,
        Verbose = "verbose" => 1,
        Notice = "notice" => 2,
        Warning = "warning" => 3,
    }
);

config_enum!(
    /// `maxmemory-policy`.
    MaxmemoryPolicy {
        VolatileLru = "volatile-lru" => 0,
        VolatileLfu = "volatile-lfu" => 1,
        VolatileRandom = "volatile-random" => 2,
        VolatileTtl = "volatile-ttl" => 3,
        AllkeysLru = "allkeys-lru" => 4,
        AllkeysLfu = "allkeys-lfu" => 5,
        AllkeysRandom = "allkeys-random" => 6,
        NoEviction = "noeviction" => 7,
    }
);

config_enum!(
    /// `appendfsync`.
    AppendFsync {
        EverySec = "everysec" => 0,
        Always = "always" => 1,
        No = "no" => 2,
    }
);

config_enum!(
    /// `supervised`.
    Supervised {
        Upstart = "upstart" => 0,
        Systemd = "systemd" => 1,
        Auto = "auto" => 2,
        No = "no" => 3,
    }
);

config_enum!(
    /// `syslog-facility`.
    SyslogFacility {
        User = "user" => 0,
        Local0 = "local0" => 1,
        Local1 = "local1" => 2,
        Local2 = "local2" => 3,
        Local3 = "local3" => 4,
        Local4 = "local4" => 5,
        Local5 = "local5" => 6,
        Local6 = "local6" => 7,
        Local7 = "local7" => 8,
    }
);

config_enum!(
    /// `enable-protected-configs`, `enable-debug-command`, `enable-module-command`.
    ProtectedAction {
        No = "no" => 0,
        Yes = "yes" => 1,
        Local = "local" => 2,
    }
);

impl ProtectedAction {
    /// Is the action allowed for a client connected from `peer_ip`?
    /// (`local`: loopback only, as Redis's `islocalClient`.)
    pub fn allows(self, peer_ip: &str) -> bool {
        match self {
            ProtectedAction::Yes => true,
            ProtectedAction::No => false,
            ProtectedAction::Local => peer_ip == "127.0.0.1" || peer_ip == "::1",
        }
    }
}

config_enum!(
    /// `sanitize-dump-payload`.
    SanitizeDumpPayload {
        No = "no" => 0,
        Yes = "yes" => 1,
        Clients = "clients" => 2,
    }
);

/// `notify-keyspace-events` class flags (Redis's `NOTIFY_*`).
pub mod notify {
    pub const KEYSPACE: u32 = 1 << 0;
    pub const KEYEVENT: u32 = 1 << 1;
    pub const GENERIC: u32 = 1 << 2;
    pub const STRING: u32 = 1 << 3;
    pub const LIST: u32 = 1 << 4;
    pub const SET: u32 = 1 << 5;
    pub const HASH: u32 = 1 << 6;
    pub const ZSET: u32 = 1 << 7;
    pub const EXPIRED: u32 = 1 << 8;
    pub const EVICTED: u32 = 1 << 9;
    pub const STREAM: u32 = 1 << 10;
    /// `m`, not part of `A`.
    pub const KEY_MISS: u32 = 1 << 11;
    pub const LOADED: u32 = 1 << 12;
    pub const MODULE: u32 = 1 << 13;
    pub const NEW: u32 = 1 << 14;
    /// `A`.
    pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

/// `shutdown-on-sigint` / `shutdown-on-sigterm` flags (Redis's `SHUTDOWN_*`).
pub mod shutdown {
    pub const SAVE: u32 = 1;
    pub const NOSAVE: u32 = 2;
    pub const NOW: u32 = 4;
    pub const FORCE: u32 = 8;
}

/// Client classes of `client-output-buffer-limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObufClass {
    Normal = 0,
    Replica = 1,
    Pubsub = 2,
}

/// One class's output buffer limits (0 = no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ObufLimit {
    pub hard_bytes: u64,
    pub soft_bytes: u64,
    pub soft_seconds: i64,
}

/// The configuration in effect.
#[derive(Debug, Clone)]
pub struct Config {
    // Network.
    pub port: u16,
    /// Addresses to listen on; a leading `-` marks an optional one.
    pub bind: Vec<String>,
    pub protected_mode: bool,
    pub tcp_backlog: u32,
    /// Close idle clients after this many seconds (0: never).
    pub timeout: u64,
    pub tcp_keepalive: u64,
    pub unixsocket: String,
    pub unixsocketperm: u32,
    pub maxclients: u32,

    // General.
    pub daemonize: bool,
    pub supervised: Supervised,
    /// Empty: no pid file.
    pub pidfile: String,
    pub loglevel: LogLevel,
    /// Empty: log to stdout.
    pub logfile: String,
    pub syslog_enabled: bool,
    pub syslog_ident: String,
    pub syslog_facility: SyslogFacility,
    pub databases: usize,
    pub always_show_logo: bool,
    pub hz: u32,
    pub dynamic_hz: bool,

    // Persistence.
    /// The working directory (absolute once applied).
    pub dir: String,
    pub dbfilename: String,
    /// Save points: (seconds, changes).
    pub save: Vec<(u64, u64)>,
    pub stop_writes_on_bgsave_error: bool,
    pub rdbcompression: bool,
    pub rdbchecksum: bool,
    pub rdb_del_sync_files: bool,
    pub rdb_save_incremental_fsync: bool,
    pub sanitize_dump_payload: SanitizeDumpPayload,
    pub appendonly: bool,
    pub appendfilename: String,
    pub appenddirname: String,
    pub appendfsync: AppendFsync,

    // Security.
    /// Empty: no password.
    pub requirepass: String,
    pub aclfile: String,
    pub acllog_max_len: u64,
    pub enable_protected_configs: ProtectedAction,
    pub enable_debug_command: ProtectedAction,
    pub enable_module_command: ProtectedAction,

    // Memory and eviction.
    pub maxmemory: u64,
    pub maxmemory_policy: MaxmemoryPolicy,
    pub maxmemory_samples: u32,
    pub maxmemory_eviction_tenacity: u32,
    pub lfu_log_factor: u32,
    pub lfu_decay_time: u32,
    pub active_expire_effort: u32,
    pub activerehashing: bool,
    pub lazyfree_lazy_eviction: bool,
    pub lazyfree_lazy_expire: bool,
    pub lazyfree_lazy_server_del: bool,
    pub lazyfree_lazy_user_del: bool,
    pub lazyfree_lazy_user_flush: bool,

    // Limits and encodings.
    pub proto_max_bulk_len: i64,
    pub client_query_buffer_limit: u64,
    /// Indexed by `ObufClass`.
    pub client_output_buffer_limit: [ObufLimit; 3],
    pub hash_max_listpack_entries: usize,
    pub hash_max_listpack_value: usize,
    pub set_max_intset_entries: usize,
    pub zset_max_listpack_entries: usize,
    pub zset_max_listpack_value: usize,
    pub list_max_listpack_size: i32,
    pub list_compress_depth: u32,
    pub stream_node_max_bytes: usize,
    pub stream_node_max_entries: i64,
    pub hll_sparse_max_bytes: usize,
    pub tracking_table_max_keys: usize,

    // Events, scripting, monitoring.
    /// `notify` flags.
    pub notify_keyspace_events: u32,
    /// Milliseconds (`busy-reply-threshold`, alias `lua-time-limit`).
    pub busy_reply_threshold: i64,
    pub slowlog_log_slower_than: i64,
    pub slowlog_max_len: u64,
    pub latency_monitor_threshold: i64,
    pub latency_tracking: bool,
    pub latency_tracking_info_percentiles: Vec<f64>,
    pub shutdown_timeout: u32,
    /// `shutdown` flags.
    pub shutdown_on_sigint: u32,
    pub shutdown_on_sigterm: u32,

    /// Directives without a typed field: their CONFIG GET text by name
    /// (absent: the default).
    pub other: BTreeMap<String, String>,
    /// `rename-command` lines (old, new), accepted but not in effect.
    pub rename_commands: Vec<(String, String)>,
    /// `user` lines (arguments after `user`): the users created at startup.
    pub users: Vec<Vec<String>>,
    /// `loadmodule` lines (path and arguments), accepted but not in effect.
    pub loadmodules: Vec<Vec<String>>,
    /// Module directives (`name.option value`), waiting for their module.
    pub module_configs: Vec<(String, String)>,
    /// The file the configuration was read from (absolute), if any.
    pub config_file: Option<String>,
}

impl Config {
    /// Every field at its zero value; `default()` then applies the table.
    fn blank() -> Config {
        Config {
            port: 0,
            bind: Vec::new(),
            protected_mode: false,
            tcp_backlog: 0,
            timeout: 0,
            tcp_keepalive: 0,
            unixsocket: String::new(),
            unixsocketperm: 0,
            maxclients: 0,
            daemonize: false,
            supervised: Supervised::No,
            pidfile: String::new(),
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            syslog_enabled: false,
            syslog_ident: String::new(),
            syslog_facility: SyslogFacility::Local0,
            databases: 0,
            always_show_logo: false,
            hz: 0,
            dynamic_hz: false,
            dir: ".".into(),
            dbfilename: String::new(),
            save: Vec::new(),
            stop_writes_on_bgsave_error: false,
            rdbcompression: false,
            rdbchecksum: false,
            rdb_del_sync_files: false,
            rdb_save_incremental_fsync: false,
            sanitize_dump_payload: SanitizeDumpPayload::No,
            appendonly: false,
            appendfilename: String::new(),
            appenddirname: String::new(),
            appendfsync: AppendFsync::EverySec,
            requirepass: String::new(),
            aclfile: String::new(),
            acllog_max_len: 0,
            enable_protected_configs: ProtectedAction::No,
            enable_debug_command: ProtectedAction::No,
            enable_module_command: ProtectedAction::No,
            maxmemory: 0,
            maxmemory_policy: MaxmemoryPolicy::NoEviction,
            maxmemory_samples: 0,
            maxmemory_eviction_tenacity: 0,
            lfu_log_factor: 0,
            lfu_decay_time: 0,
            active_expire_effort: 0,
            activerehashing: false,
            lazyfree_lazy_eviction: false,
            lazyfree_lazy_expire: false,
            lazyfree_lazy_server_del: false,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_user_flush: false,
            proto_max_bulk_len: 0,
            client_query_buffer_limit: 0,
            client_output_buffer_limit: [ObufLimit::default(); 3],
            hash_max_listpack_entries: 0,
            hash_max_listpack_value: 0,
            set_max_intset_entries: 0,
            zset_max_listpack_entries: 0,
            zset_max_listpack_value: 0,
            list_max_listpack_size: 0,
            list_compress_depth: 0,
            stream_node_max_bytes: 0,
            stream_node_max_entries: 0,
            hll_sparse_max_bytes: 0,
            tracking_table_max_keys: 0,
            notify_keyspace_events: 0,
            busy_reply_threshold: 0,
            slowlog_log_slower_than: 0,
            slowlog_max_len: 0,
            latency_monitor_threshold: 0,
            latency_tracking: false,
            latency_tracking_info_percentiles: Vec::new(),
            shutdown_timeout: 0,
            shutdown_on_sigint: 0,
            shutdown_on_sigterm: 0,
            other: BTreeMap::new(),
            rename_commands: Vec::new(),
            users: Vec::new(),
            loadmodules: Vec::new(),
            module_configs: Vec::new(),
            config_file: None,
        }
    }

    /// The CONFIG GET text of directive `name` (primary name or alias).
    pub fn get(&self, name: &str) -> Option<String> {
        directives::lookup(name).map(|(d, _)| d.get(self))
    }

    /// Directives set to something other than their default that this
    /// server does not act on yet (for the startup notice), plus the
    /// accepted-but-ignored `rename-command` and `loadmodule` lines.
    pub fn not_in_effect(&self) -> Vec<&'static str> {
        let defaults = Config::default();
        let mut out: Vec<&'static str> = directives::DIRECTIVES
            .iter()
            .filter(|d| !d.has(directives::flags::IN_EFFECT) && d.get(self) != d.get(&defaults))
            .map(|d| d.name)
            .collect();
        if !self.rename_commands.is_empty() {
            out.push("rename-command");
        }
        if !self.loadmodules.is_empty() {
            out.push("loadmodule");
        }
        out
    }

    /// The output buffer limits of a client class.
    pub fn obuf_limit(&self, class: ObufClass) -> ObufLimit {
        self.client_output_buffer_limit[class as usize]
    }
}

impl Default for Config {
    /// Every directive at the default its table entry declares.
    fn default() -> Self {
        let mut c = Config::blank();
        for d in directives::DIRECTIVES {
            d.reset(&mut c);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_from_the_table() {
        let c = Config::default();
        assert_eq!(c.port, 6379);
        assert_eq!(c.bind, vec!["*".to_string(), "-::*".to_string()]);
        assert!(c.protected_mode);
        assert_eq!(c.tcp_backlog, 511);
        assert_eq!(c.tcp_keepalive, 300);
        assert_eq!(c.databases, 16);
        assert_eq!(c.loglevel, LogLevel::Notice);
        assert_eq!(c.save, vec![(3600, 1), (300, 100), (60, 10000)]);
        assert_eq!(c.maxclients, 10000);
        assert_eq!(c.hz, 10);
        assert_eq!(c.proto_max_bulk_len, 512 * 1024 * 1024);
        assert_eq!(c.client_query_buffer_limit, 1024 * 1024 * 1024);
        assert_eq!(c.maxmemory_policy, MaxmemoryPolicy::NoEviction);
        assert_eq!(c.maxmemory_samples, 5);
        assert_eq!(c.hash_max_listpack_entries, 512);
        assert_eq!(c.list_max_listpack_size, -2);
        assert_eq!(c.busy_reply_threshold, 5000);
        assert_eq!(c.latency_tracking_info_percentiles, vec![50.0, 99.0, 99.9]);
        assert_eq!(
            c.obuf_limit(ObufClass::Replica),
            ObufLimit { hard_bytes: 256 << 20, soft_bytes: 64 << 20, soft_seconds: 60 }
        );
        assert_eq!(c.get("save").as_deref(), Some("3600 1 300 100 60 10000"));
        assert_eq!(c.get("hash-max-ziplist-entries").as_deref(), Some("512"));
    }

    #[test]
    fn enum_names_round_trip() {
        for (name, v) in MaxmemoryPolicy::VALUES {
            assert_eq!(MaxmemoryPolicy::from_value(*v).name(), *name);
        }
        assert!(ProtectedAction::Local.allows("::1"));
        assert!(!ProtectedAction::Local.allows("10.0.0.1"));
    }
}
