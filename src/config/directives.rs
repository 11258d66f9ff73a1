//! The directive table: every directive Redis 7.0.15 knows, declared once
//! with its alias, type (bool, number with range and unit, enum, string or
//! special), default, flags (changeable by CONFIG SET, in effect in this
//! server, hidden, protected, multi-argument, sensitive) and where its value
//! lives on `Config`. redis.conf parsing, `--directive value` overrides,
//! CONFIG GET and CONFIG SET all go through `Directive::set`/`get`.
//!
//! Entries, names, ranges and defaults follow Redis's `static_configs` in
//! `config.c`; a directive without a typed field keeps its CONFIG GET text in
//! `Config::other`.

use super::special;
use super::value::{self, Unit};
use super::{
    AppendFsync, Config, LogLevel, MaxmemoryPolicy, ProtectedAction, SanitizeDumpPayload, Supervised, SyslogFacility,
};

/// Directive flags.
pub mod flags {
    /// CONFIG SET may change it (Redis's MODIFIABLE_CONFIG).
    pub const MUTABLE: u16 = 1 << 0;
    /// This server acts on it.
    pub const IN_EFFECT: u16 = 1 << 1;
    /// Only an exact CONFIG GET name shows it, never a pattern.
    pub const HIDDEN: u16 = 1 << 2;
    /// CONFIG SET needs `enable-protected-configs`.
    pub const PROTECTED: u16 = 1 << 3;
    /// Takes several arguments (a single one is split on spaces).
    pub const MULTI_ARG: u16 = 1 << 4;
    /// Its value is redacted from logs and MONITOR.
    pub const SENSITIVE: u16 = 1 << 5;
    /// CONFIG SET refuses it while loading a dataset.
    pub const DENY_LOADING: u16 = 1 << 6;
    /// A string where empty means "not set" (Redis's EMPTY_STRING_IS_NULL):
    /// CONFIG REWRITE leaves it out of the file when empty.
    pub const NULLABLE: u16 = 1 << 7;
}
use flags::*;

const M: u16 = MUTABLE;
const I: u16 = IN_EFFECT;
const IMM: u16 = 0;
const N: u16 = NULLABLE;

const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;
const UINT_MAX: i64 = u32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
/// ULLONG_MAX as the bit pattern the unsigned bound check reads back.
const ULLONG_MAX: i64 = -1;
const MB: i64 = 1024 * 1024;

pub type BoolField = (fn(&Config) -> bool, fn(&mut Config, bool));
pub type NumField = (fn(&Config) -> i64, fn(&mut Config, i64));
pub type StrField = (fn(&Config) -> &str, fn(&mut Config, String));
pub type SpecialSet = fn(&mut Config, &[String], &mut Load) -> Result<(), String>;
/// Extra validity checks (Redis's `is_valid_fn`), with the error text.
pub type BoolCheck = fn(bool) -> Result<(), &'static str>;
pub type NumCheck = fn(i64) -> Result<(), &'static str>;
pub type StrCheck = fn(&str) -> Result<(), &'static str>;

/// How a directive's value is read, checked and stored.
pub enum Kind {
    Bool {
        default: bool,
        field: Option<BoolField>,
        check: Option<BoolCheck>,
    },
    Num {
        min: i64,
        max: i64,
        default: i64,
        unit: Unit,
        /// Redis bound-checks unsigned C types as unsigned.
        unsigned: bool,
        field: Option<NumField>,
        check: Option<NumCheck>,
    },
    Enum {
        values: &'static [(&'static str, i64)],
        default: i64,
        field: Option<NumField>,
        check: Option<NumCheck>,
    },
    Str {
        default: &'static str,
        field: Option<StrField>,
        check: Option<StrCheck>,
    },
    /// Own syntax (`save`, `bind`, `dir` …): see `special`.
    Special {
        set: SpecialSet,
        get: fn(&Config) -> String,
        reset: fn(&mut Config),
    },
}

pub struct Directive {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub flags: u16,
    pub kind: Kind,
}

/// The context a directive is applied in.
#[derive(Debug, Default)]
pub struct Load {
    /// Reading redis.conf / the command line (not CONFIG SET): the first
    /// `save` line replaces the defaults, later ones add to it.
    pub reading_file: bool,
    /// A `save` line was seen while reading.
    pub save_seen: bool,
    /// Apply `dir` with chdir (the server); off in unit tests.
    pub chdir: bool,
    /// Warnings to log once logging is set up.
    pub warnings: Vec<String>,
}

impl Load {
    /// Reading the configuration at startup.
    pub fn startup() -> Load {
        Load { reading_file: true, chdir: true, ..Load::default() }
    }

    /// CONFIG SET in the running server.
    pub fn runtime() -> Load {
        Load { chdir: true, ..Load::default() }
    }
}

impl Directive {
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// The name and the alias.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.name).chain(self.alias)
    }

    /// The CONFIG GET text of the value in `c`.
    pub fn get(&self, c: &Config) -> String {
        match &self.kind {
            Kind::Bool { default, field, .. } => match field {
                Some((get, _)) => value::yes_no_text(get(c)).to_string(),
                None => self.other(c).unwrap_or(value::yes_no_text(*default)).to_string(),
            },
            Kind::Num { default, unit, field, .. } => match field {
                Some((get, _)) => value::format_number(get(c), *unit),
                None => self.other(c).map(str::to_string).unwrap_or_else(|| value::format_number(*default, *unit)),
            },
            Kind::Enum { values, default, field, .. } => {
                let multi = self.has(MULTI_ARG);
                match field {
                    Some((get, _)) => value::format_enum(values, get(c), multi),
                    None => {
                        self.other(c).map(str::to_string).unwrap_or_else(|| value::format_enum(values, *default, multi))
                    }
                }
            }
            Kind::Str { default, field, .. } => match field {
                Some((get, _)) => get(c).to_string(),
                None => self.other(c).unwrap_or(default).to_string(),
            },
            Kind::Special { get, .. } => get(c),
        }
    }

    fn other<'a>(&self, c: &'a Config) -> Option<&'a str> {
        c.other.get(self.name).map(String::as_str)
    }

    fn store_other(&self, c: &mut Config, text: String) {
        c.other.insert(self.name.to_string(), text);
    }

    /// Applies `args` (one word, or several for MULTI_ARG directives),
    /// checked as Redis checks them. The error is Redis's reason text.
    pub fn set(&self, c: &mut Config, args: &[String], load: &mut Load) -> Result<(), String> {
        if let Kind::Special { set, .. } = &self.kind {
            return set(c, args, load);
        }
        if let Kind::Enum { values, field, check, .. } = &self.kind {
            let v = value::parse_enum(values, args, self.has(MULTI_ARG))?;
            if let Some(check) = check {
                check(v)?;
            }
            match field {
                Some((_, set)) => set(c, v),
                None => self.store_other(c, value::format_enum(values, v, self.has(MULTI_ARG))),
            }
            return Ok(());
        }
        let [arg] = args else {
            return Err("wrong number of arguments".into());
        };
        match &self.kind {
            Kind::Bool { field, check, .. } => {
                let v = value::yes_no(arg)?;
                if let Some(check) = check {
                    check(v)?;
                }
                match field {
                    Some((_, set)) => set(c, v),
                    None => self.store_other(c, value::yes_no_text(v).to_string()),
                }
            }
            Kind::Num { min, max, unit, unsigned, field, check, .. } => {
                let v = value::parse_number(arg, *unit)?;
                value::check_bounds(v, *min, *max, *unit, *unsigned)?;
                if let Some(check) = check {
                    check(v)?;
                }
                match field {
                    Some((_, set)) => set(c, v),
                    None => self.store_other(c, value::format_number(v, *unit)),
                }
            }
            Kind::Str { field, check, .. } => {
                if let Some(check) = check {
                    check(arg)?;
                }
                match field {
                    Some((_, set)) => set(c, arg.clone()),
                    None => self.store_other(c, arg.clone()),
                }
            }
            Kind::Enum { .. } | Kind::Special { .. } => unreachable!("handled above"),
        }
        Ok(())
    }

    /// Puts the default value in `c`.
    pub fn reset(&self, c: &mut Config) {
        c.other.remove(self.name);
        match &self.kind {
            Kind::Bool { default, field: Some((_, set)), .. } => set(c, *default),
            Kind::Num { default, field: Some((_, set)), .. } => set(c, *default),
            Kind::Enum { default, field: Some((_, set)), .. } => set(c, *default),
            Kind::Str { default, field: Some((_, set)), .. } => set(c, default.to_string()),
            Kind::Special { reset, .. } => reset(c),
            _ => {}
        }
    }
}

/// Finds a directive by name or alias, in any case. The flag says whether
/// `name` is the alias.
pub fn lookup(name: &str) -> Option<(&'static Directive, bool)> {
    DIRECTIVES.iter().find_map(|d| {
        if d.name.eq_ignore_ascii_case(name) {
            Some((d, false))
        } else if d.alias.is_some_and(|a| a.eq_ignore_ascii_case(name)) {
            Some((d, true))
        } else {
            None
        }
    })
}

// Typed field accessors for the table.
macro_rules! fb {
    ($f:ident) => {
        Some((|c: &Config| c.$f, |c: &mut Config, v: bool| c.$f = v))
    };
}
macro_rules! fnum {
    ($f:ident, $t:ty) => {
        Some((|c: &Config| c.$f as i64, |c: &mut Config, v: i64| c.$f = v as $t))
    };
}
macro_rules! fenum {
    ($f:ident, $t:ident) => {
        Some((|c: &Config| c.$f as i64, |c: &mut Config, v: i64| c.$f = $t::from_value(v)))
    };
}
macro_rules! fstr {
    ($f:ident) => {
        Some((|c: &Config| c.$f.as_str(), |c: &mut Config, v: String| c.$f = v))
    };
}

const fn d(name: &'static str, alias: Option<&'static str>, flags: u16, kind: Kind) -> Directive {
    Directive { name, alias, flags, kind }
}
const fn yes(default: bool, field: Option<BoolField>) -> Kind {
    Kind::Bool { default, field, check: None }
}
const fn num(min: i64, max: i64, default: i64, unit: Unit, unsigned: bool, field: Option<NumField>) -> Kind {
    Kind::Num { min, max, default, unit, unsigned, field, check: None }
}
/// A signed integer directive.
const fn int(min: i64, max: i64, default: i64, field: Option<NumField>) -> Kind {
    num(min, max, default, Unit::Integer, false, field)
}
/// An unsigned integer directive (unsigned int, size_t, unsigned long long).
const fn uint(min: i64, max: i64, default: i64, field: Option<NumField>) -> Kind {
    num(min, max, default, Unit::Integer, true, field)
}
const fn mem(min: i64, max: i64, default: i64, field: Option<NumField>) -> Kind {
    num(min, max, default, Unit::Memory, false, field)
}
const fn umem(min: i64, max: i64, default: i64, field: Option<NumField>) -> Kind {
    num(min, max, default, Unit::Memory, true, field)
}
const fn text(default: &'static str, field: Option<StrField>) -> Kind {
    Kind::Str { default, field, check: None }
}
const fn choice(values: &'static [(&'static str, i64)], default: i64, field: Option<NumField>) -> Kind {
    Kind::Enum { values, default, field, check: None }
}
const fn special(set: SpecialSet, get: fn(&Config) -> String, reset: fn(&mut Config)) -> Kind {
    Kind::Special { set, get, reset }
}

const REPL_DISKLESS_LOAD: &[(&str, i64)] = &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
const OOM_SCORE_ADJ: &[(&str, i64)] = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
const ACL_PUBSUB_DEFAULT: &[(&str, i64)] = &[("allchannels", 1), ("resetchannels", 0)];
const CLUSTER_ENDPOINT_TYPE: &[(&str, i64)] = &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
const PROPAGATION_ERROR_BEHAVIOR: &[(&str, i64)] = &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];
const TLS_AUTH_CLIENTS: &[(&str, i64)] = &[("no", 0), ("yes", 1), ("optional", 2)];
const SHUTDOWN_ON_SIG: &[(&str, i64)] = &[("default", 0), ("save", 1), ("nosave", 2), ("now", 4), ("force", 8)];

fn no_active_defrag(yes: bool) -> Result<(), &'static str> {
    if yes {
        return Err("Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified \
                    Jemalloc like the one shipped by default with the Redis source distribution");
    }
    Ok(())
}

/// TLS can't be configured here: turning it on fails as it does in Redis
/// without usable certificates.
const NO_TLS: &str = "Unable to update TLS configuration. Check server logs.";

fn no_tls_port(port: i64) -> Result<(), &'static str> {
    if port != 0 { Err(NO_TLS) } else { Ok(()) }
}

fn no_tls(on: bool) -> Result<(), &'static str> {
    if on { Err(NO_TLS) } else { Ok(()) }
}

fn valid_shutdown_flags(v: i64) -> Result<(), &'static str> {
    if v & 1 != 0 && v & 2 != 0 {
        return Err("shutdown options SAVE and NOSAVE can't be used simultaneously");
    }
    Ok(())
}

fn is_base_name(v: &str) -> bool {
    !v.contains('/') && !v.contains('\\')
}

fn valid_dbfilename(v: &str) -> Result<(), &'static str> {
    if !is_base_name(v) {
        return Err("dbfilename can't be a path, just a filename");
    }
    Ok(())
}

fn valid_appendfilename(v: &str) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("appendfilename can't be empty");
    }
    if !is_base_name(v) {
        return Err("appendfilename can't be a path, just a filename");
    }
    Ok(())
}

fn valid_appenddirname(v: &str) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("appenddirname can't be empty");
    }
    if !is_base_name(v) {
        return Err("appenddirname can't be a path, just a dirname");
    }
    Ok(())
}

fn valid_hostname(v: &str) -> Result<(), &'static str> {
    if v.len() >= 256 {
        return Err("Hostnames must be less than 256 characters");
    }
    if !v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.') {
        return Err("Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
    Ok(())
}

/// `proc-title-template`: known `{variables}` only, and not empty once
/// expanded (Redis's `validateProcTitleTemplate`).
fn valid_proc_title(v: &str) -> Result<(), &'static str> {
    const BAD: &str = "template format is invalid or contains unknown variables";
    let mut out = String::new();
    let mut rest = v;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if after.is_empty() {
            return Err(BAD);
        }
        if let Some(quoted) = after.strip_prefix('{') {
            out.push('{');
            rest = quoted;
            continue;
        }
        let close = after.find('}').ok_or(BAD)?;
        out.push_str(match &after[..close] {
            "title" | "server-mode" => "",
            "listen-addr" => "*:6379",
            "config-file" => "-",
            "port" | "tls-port" => "0",
            "unixsocket" => "",
            _ => return Err(BAD),
        });
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    if out.trim_matches(' ').is_empty() {
        return Err(BAD);
    }
    Ok(())
}

/// Every directive, in Redis's `static_configs` order.
pub static DIRECTIVES: &[Directive] = &[
    // Bool directives.
    d("rdbchecksum", None, IMM | I, yes(true, fb!(rdbchecksum))),
    d("daemonize", None, IMM | I, yes(false, fb!(daemonize))),
    d("io-threads-do-reads", None, IMM, yes(false, None)),
    d("always-show-logo", None, IMM, yes(false, fb!(always_show_logo))),
    d("protected-mode", None, M | I, yes(true, fb!(protected_mode))),
    d("rdbcompression", None, M | I, yes(true, fb!(rdbcompression))),
    d("rdb-del-sync-files", None, M, yes(false, fb!(rdb_del_sync_files))),
    d("activerehashing", None, M, yes(true, fb!(activerehashing))),
    d("stop-writes-on-bgsave-error", None, M | I, yes(true, fb!(stop_writes_on_bgsave_error))),
    d("set-proc-title", None, IMM, yes(true, None)),
    d("dynamic-hz", None, M, yes(true, fb!(dynamic_hz))),
    d("lazyfree-lazy-eviction", None, M, yes(false, fb!(lazyfree_lazy_eviction))),
    d("lazyfree-lazy-expire", None, M, yes(false, fb!(lazyfree_lazy_expire))),
    d("lazyfree-lazy-server-del", None, M, yes(false, fb!(lazyfree_lazy_server_del))),
    d("lazyfree-lazy-user-del", None, M, yes(false, fb!(lazyfree_lazy_user_del))),
    d("lazyfree-lazy-user-flush", None, M, yes(false, fb!(lazyfree_lazy_user_flush))),
    d("repl-disable-tcp-nodelay", None, M, yes(false, None)),
    d("repl-diskless-sync", None, M, yes(true, None)),
    d("aof-rewrite-incremental-fsync", None, M, yes(true, None)),
    d("no-appendfsync-on-rewrite", None, M | I, yes(false, None)),
    d("cluster-require-full-coverage", None, M, yes(true, None)),
    d("rdb-save-incremental-fsync", None, M | I, yes(true, fb!(rdb_save_incremental_fsync))),
    d("aof-load-truncated", None, M | I, yes(true, None)),
    d("aof-use-rdb-preamble", None, M | I, yes(true, None)),
    d("aof-timestamp-enabled", None, M | I, yes(false, None)),
    d("cluster-replica-no-failover", Some("cluster-slave-no-failover"), M, yes(false, None)),
    d("replica-lazy-flush", Some("slave-lazy-flush"), M, yes(false, None)),
    d("replica-serve-stale-data", Some("slave-serve-stale-data"), M, yes(true, None)),
    d("replica-read-only", Some("slave-read-only"), M, yes(true, None)),
    d("replica-ignore-maxmemory", Some("slave-ignore-maxmemory"), M, yes(true, None)),
    d("jemalloc-bg-thread", None, M, yes(true, None)),
    d("activedefrag", None, M, Kind::Bool { default: false, field: None, check: Some(no_active_defrag) }),
    d("syslog-enabled", None, IMM, yes(false, fb!(syslog_enabled))),
    d("cluster-enabled", None, IMM, yes(false, None)),
    d("appendonly", None, M | I | DENY_LOADING, yes(false, fb!(appendonly))),
    d("cluster-allow-reads-when-down", None, M, yes(false, None)),
    d("cluster-allow-pubsubshard-when-down", None, M, yes(true, None)),
    d("crash-log-enabled", None, M, yes(true, None)),
    d("crash-memcheck-enabled", None, M, yes(true, None)),
    d("use-exit-on-panic", None, M | HIDDEN, yes(false, None)),
    d("disable-thp", None, IMM, yes(true, None)),
    d("cluster-allow-replica-migration", None, M, yes(true, None)),
    d("replica-announced", None, M, yes(true, None)),
    d("latency-tracking", None, M, yes(true, fb!(latency_tracking))),
    d("aof-disable-auto-gc", None, M | I, yes(false, None)),
    d("replica-ignore-disk-write-errors", None, M, yes(false, None)),
    // String directives.
    d("aclfile", None, IMM, text("", fstr!(aclfile))),
    d("unixsocket", None, IMM | N, text("", fstr!(unixsocket))),
    d("pidfile", None, IMM | I | N, text("", fstr!(pidfile))),
    d("replica-announce-ip", Some("slave-announce-ip"), M | N, text("", None)),
    d("masteruser", None, M | SENSITIVE | N, text("", None)),
    d("cluster-announce-ip", None, M | N, text("", None)),
    d("cluster-config-file", None, IMM, text("nodes.conf", None)),
    d("cluster-announce-hostname", None, M | N, Kind::Str { default: "", field: None, check: Some(valid_hostname) }),
    d("syslog-ident", None, IMM, text("redis", fstr!(syslog_ident))),
    d(
        "dbfilename",
        None,
        M | I | PROTECTED,
        Kind::Str { default: "dump.rdb", field: fstr!(dbfilename), check: Some(valid_dbfilename) },
    ),
    d(
        "appendfilename",
        None,
        IMM | I,
        Kind::Str { default: "appendonly.aof", field: fstr!(appendfilename), check: Some(valid_appendfilename) },
    ),
    d(
        "appenddirname",
        None,
        IMM | I,
        Kind::Str { default: "appendonlydir", field: fstr!(appenddirname), check: Some(valid_appenddirname) },
    ),
    d("server_cpulist", None, IMM | N, text("", None)),
    d("bio_cpulist", None, IMM | N, text("", None)),
    d("aof_rewrite_cpulist", None, IMM | N, text("", None)),
    d("bgsave_cpulist", None, IMM | N, text("", None)),
    d("ignore-warnings", None, M, text("", None)),
    d(
        "proc-title-template",
        None,
        M,
        Kind::Str { default: "{title} {listen-addr} {server-mode}", field: None, check: Some(valid_proc_title) },
    ),
    d("bind-source-addr", None, M | N, text("", None)),
    d("logfile", None, IMM | I, text("", fstr!(logfile))),
    d("masterauth", None, M | SENSITIVE | N, text("", None)),
    d("requirepass", None, M | I | SENSITIVE | N, text("", fstr!(requirepass))),
    // Enum directives.
    d("supervised", None, IMM, choice(Supervised::VALUES, Supervised::No as i64, fenum!(supervised, Supervised))),
    d(
        "syslog-facility",
        None,
        IMM,
        choice(SyslogFacility::VALUES, SyslogFacility::Local0 as i64, fenum!(syslog_facility, SyslogFacility)),
    ),
    d("repl-diskless-load", None, M | DENY_LOADING, choice(REPL_DISKLESS_LOAD, 0, None)),
    d("loglevel", None, M | I, choice(LogLevel::VALUES, LogLevel::Notice as i64, fenum!(loglevel, LogLevel))),
    d(
        "maxmemory-policy",
        None,
        M,
        choice(MaxmemoryPolicy::VALUES, MaxmemoryPolicy::NoEviction as i64, fenum!(maxmemory_policy, MaxmemoryPolicy)),
    ),
    d(
        "appendfsync",
        None,
        M | I,
        choice(AppendFsync::VALUES, AppendFsync::EverySec as i64, fenum!(appendfsync, AppendFsync)),
    ),
    d("oom-score-adj", None, M, choice(OOM_SCORE_ADJ, 0, None)),
    d("acl-pubsub-default", None, M, choice(ACL_PUBSUB_DEFAULT, 0, None)),
    d(
        "sanitize-dump-payload",
        None,
        M,
        choice(
            SanitizeDumpPayload::VALUES,
            SanitizeDumpPayload::No as i64,
            fenum!(sanitize_dump_payload, SanitizeDumpPayload),
        ),
    ),
    d(
        "enable-protected-configs",
        None,
        IMM,
        choice(ProtectedAction::VALUES, 0, fenum!(enable_protected_configs, ProtectedAction)),
    ),
    d(
        "enable-debug-command",
        None,
        I,
        choice(ProtectedAction::VALUES, 0, fenum!(enable_debug_command, ProtectedAction)),
    ),
    d(
        "enable-module-command",
        None,
        I,
        choice(ProtectedAction::VALUES, 0, fenum!(enable_module_command, ProtectedAction)),
    ),
    d("cluster-preferred-endpoint-type", None, M, choice(CLUSTER_ENDPOINT_TYPE, 0, None)),
    d("propagation-error-behavior", None, M, choice(PROPAGATION_ERROR_BEHAVIOR, 0, None)),
    d(
        "shutdown-on-sigint",
        None,
        M | MULTI_ARG,
        Kind::Enum {
            values: SHUTDOWN_ON_SIG,
            default: 0,
            field: fnum!(shutdown_on_sigint, u32),
            check: Some(valid_shutdown_flags),
        },
    ),
    d(
        "shutdown-on-sigterm",
        None,
        M | MULTI_ARG,
        Kind::Enum {
            values: SHUTDOWN_ON_SIG,
            default: 0,
            field: fnum!(shutdown_on_sigterm, u32),
            check: Some(valid_shutdown_flags),
        },
    ),
    // Integer directives (C int: signed bounds).
    d("databases", None, IMM | I, int(1, INT_MAX, 16, fnum!(databases, usize))),
    d("port", None, M | I, int(0, 65535, 6379, fnum!(port, u16))),
    d("io-threads", None, IMM, int(1, 128, 1, None)),
    d("auto-aof-rewrite-percentage", None, M | I, int(0, INT_MAX, 100, None)),
    d("cluster-replica-validity-factor", Some("cluster-slave-validity-factor"), M, int(0, INT_MAX, 10, None)),
    d(
        "list-max-listpack-size",
        Some("list-max-ziplist-size"),
        M,
        int(INT_MIN, INT_MAX, -2, fnum!(list_max_listpack_size, i32)),
    ),
    d("tcp-keepalive", None, M | I, int(0, INT_MAX, 300, fnum!(tcp_keepalive, u64))),
    d("cluster-migration-barrier", None, M, int(0, INT_MAX, 1, None)),
    d("active-defrag-cycle-min", None, M, int(1, 99, 1, None)),
    d("active-defrag-cycle-max", None, M, int(1, 99, 25, None)),
    d("active-defrag-threshold-lower", None, M, int(0, 1000, 10, None)),
    d("active-defrag-threshold-upper", None, M, int(0, 1000, 100, None)),
    d("lfu-log-factor", None, M, int(0, INT_MAX, 10, fnum!(lfu_log_factor, u32))),
    d("lfu-decay-time", None, M, int(0, INT_MAX, 1, fnum!(lfu_decay_time, u32))),
    d("replica-priority", Some("slave-priority"), M, int(0, INT_MAX, 100, None)),
    d("repl-diskless-sync-delay", None, M, int(0, INT_MAX, 5, None)),
    d("maxmemory-samples", None, M, int(1, INT_MAX, 5, fnum!(maxmemory_samples, u32))),
    d("maxmemory-eviction-tenacity", None, M, int(0, 100, 10, fnum!(maxmemory_eviction_tenacity, u32))),
    d("timeout", None, M | I, int(0, INT_MAX, 0, fnum!(timeout, u64))),
    d("replica-announce-port", Some("slave-announce-port"), M, int(0, 65535, 0, None)),
    d("tcp-backlog", None, IMM | I, int(0, INT_MAX, 511, fnum!(tcp_backlog, u32))),
    d("cluster-port", None, IMM, int(0, 65535, 0, None)),
    d("cluster-announce-bus-port", None, M, int(0, 65535, 0, None)),
    d("cluster-announce-port", None, M, int(0, 65535, 0, None)),
    d("cluster-announce-tls-port", None, M, int(0, 65535, 0, None)),
    d("repl-timeout", None, M, int(1, INT_MAX, 60, None)),
    d("repl-ping-replica-period", Some("repl-ping-slave-period"), M, int(1, INT_MAX, 10, None)),
    d("list-compress-depth", None, M, int(0, INT_MAX, 0, fnum!(list_compress_depth, u32))),
    d("rdb-key-save-delay", None, M | I | HIDDEN, int(INT_MIN, INT_MAX, 0, None)),
    d("key-load-delay", None, M | I | HIDDEN, int(INT_MIN, INT_MAX, 0, None)),
    d("active-expire-effort", None, M, int(1, 10, 1, fnum!(active_expire_effort, u32))),
    // Redis accepts any hz and caps it to 1..=500 when applying it.
    d(
        "hz",
        None,
        M | I,
        int(0, INT_MAX, 10, Some((|c: &Config| c.hz as i64, |c: &mut Config, v: i64| c.hz = v.clamp(1, 500) as u32))),
    ),
    d("min-replicas-to-write", Some("min-slaves-to-write"), M, int(0, INT_MAX, 0, None)),
    d("min-replicas-max-lag", Some("min-slaves-max-lag"), M, int(0, INT_MAX, 10, None)),
    d("watchdog-period", None, M | HIDDEN, int(0, INT_MAX, 0, None)),
    d("shutdown-timeout", None, M, int(0, INT_MAX, 10, fnum!(shutdown_timeout, u32))),
    d("repl-diskless-sync-max-replicas", None, M, int(0, INT_MAX, 0, None)),
    // Unsigned int directives.
    d("maxclients", None, M | I, uint(1, UINT_MAX, 10000, fnum!(maxclients, u32))),
    d("unixsocketperm", None, IMM, num(0, 0o777, 0, Unit::Octal, true, fnum!(unixsocketperm, u32))),
    d("socket-mark-id", None, IMM, uint(0, UINT_MAX, 0, None)),
    // Unsigned long directives (Redis checks their bounds as signed).
    d("active-defrag-max-scan-fields", None, M, int(1, LONG_MAX, 1000, None)),
    d("slowlog-max-len", None, M | I, int(0, LONG_MAX, 128, fnum!(slowlog_max_len, u64))),
    d("acllog-max-len", None, M, int(0, LONG_MAX, 128, fnum!(acllog_max_len, u64))),
    // Long long directives.
    d("busy-reply-threshold", Some("lua-time-limit"), M, int(0, LONG_MAX, 5000, fnum!(busy_reply_threshold, i64))),
    d("cluster-node-timeout", None, M, int(0, LONG_MAX, 15000, None)),
    d("slowlog-log-slower-than", None, M | I, int(-1, LONG_MAX, 10000, fnum!(slowlog_log_slower_than, i64))),
    d("latency-monitor-threshold", None, M | I, int(0, LONG_MAX, 0, fnum!(latency_monitor_threshold, i64))),
    d("proto-max-bulk-len", None, M | I, mem(MB, LONG_MAX, 512 * MB, fnum!(proto_max_bulk_len, i64))),
    d("stream-node-max-entries", None, M, int(0, LONG_MAX, 100, fnum!(stream_node_max_entries, i64))),
    d("repl-backlog-size", None, M, mem(1, LONG_MAX, MB, None)),
    // Unsigned long long directives.
    d("maxmemory", None, M, umem(0, ULLONG_MAX, 0, fnum!(maxmemory, u64))),
    d("cluster-link-sendbuf-limit", None, M, umem(0, ULLONG_MAX, 0, None)),
    // size_t directives.
    d(
        "hash-max-listpack-entries",
        Some("hash-max-ziplist-entries"),
        M,
        uint(0, LONG_MAX, 512, fnum!(hash_max_listpack_entries, usize)),
    ),
    d("set-max-intset-entries", None, M, uint(0, LONG_MAX, 512, fnum!(set_max_intset_entries, usize))),
    d(
        "zset-max-listpack-entries",
        Some("zset-max-ziplist-entries"),
        M,
        uint(0, LONG_MAX, 128, fnum!(zset_max_listpack_entries, usize)),
    ),
    d("active-defrag-ignore-bytes", None, M, umem(1, LONG_MAX, 100 * MB, None)),
    d(
        "hash-max-listpack-value",
        Some("hash-max-ziplist-value"),
        M,
        umem(0, LONG_MAX, 64, fnum!(hash_max_listpack_value, usize)),
    ),
    d("stream-node-max-bytes", None, M, umem(0, LONG_MAX, 4096, fnum!(stream_node_max_bytes, usize))),
    d(
        "zset-max-listpack-value",
        Some("zset-max-ziplist-value"),
        M,
        umem(0, LONG_MAX, 64, fnum!(zset_max_listpack_value, usize)),
    ),
    d("hll-sparse-max-bytes", None, M | I, umem(0, LONG_MAX, 3000, fnum!(hll_sparse_max_bytes, usize))),
    d("tracking-table-max-keys", None, M, uint(0, LONG_MAX, 1_000_000, fnum!(tracking_table_max_keys, usize))),
    d("client-query-buffer-limit", None, M | I, umem(MB, LONG_MAX, 1024 * MB, fnum!(client_query_buffer_limit, u64))),
    d("maxmemory-clients", None, M, num(-100, LONG_MAX, 0, Unit::MemoryOrPercent, false, None)),
    // time_t and off_t directives.
    d("repl-backlog-ttl", None, M, int(0, LONG_MAX, 3600, None)),
    d("auto-aof-rewrite-min-size", None, M | I, mem(0, LONG_MAX, 64 * MB, None)),
    d("loading-process-events-interval-bytes", None, M | HIDDEN, int(1024, INT_MAX, 2 * MB, None)),
    // TLS directives (Redis built with TLS, as Debian's).
    d(
        "tls-port",
        None,
        M,
        Kind::Num {
            min: 0,
            max: 65535,
            default: 0,
            unit: Unit::Integer,
            unsigned: false,
            field: None,
            check: Some(no_tls_port),
        },
    ),
    d("tls-session-cache-size", None, M, int(0, INT_MAX, 20 * 1024, None)),
    d("tls-session-cache-timeout", None, M, int(0, INT_MAX, 300, None)),
    d("tls-cluster", None, M, Kind::Bool { default: false, field: None, check: Some(no_tls) }),
    d("tls-replication", None, M, Kind::Bool { default: false, field: None, check: Some(no_tls) }),
    d("tls-auth-clients", None, M, choice(TLS_AUTH_CLIENTS, 1, None)),
    d("tls-prefer-server-ciphers", None, M, yes(false, None)),
    d("tls-session-caching", None, M, yes(true, None)),
    d("tls-cert-file", None, M | N, text("", None)),
    d("tls-key-file", None, M | N, text("", None)),
    d("tls-key-file-pass", None, M | N, text("", None)),
    d("tls-client-cert-file", None, M | N, text("", None)),
    d("tls-client-key-file", None, M | N, text("", None)),
    d("tls-client-key-file-pass", None, M | N, text("", None)),
    d("tls-dh-params-file", None, M | N, text("", None)),
    d("tls-ca-cert-file", None, M | N, text("", None)),
    d("tls-ca-cert-dir", None, M | N, text("", None)),
    d("tls-protocols", None, M | N, text("", None)),
    d("tls-ciphers", None, M | N, text("", None)),
    d("tls-ciphersuites", None, M | N, text("", None)),
    // Special directives.
    d("dir", None, M | I | PROTECTED | DENY_LOADING, special(special::dir_set, special::dir_get, special::dir_reset)),
    d("save", None, M | I | MULTI_ARG, special(special::save_set, special::save_get, special::save_reset)),
    d(
        "client-output-buffer-limit",
        None,
        M | MULTI_ARG,
        special(special::obuf_set, special::obuf_get, special::obuf_reset),
    ),
    d(
        "oom-score-adj-values",
        None,
        M | MULTI_ARG,
        special(special::oom_values_set, special::oom_values_get, special::oom_values_reset),
    ),
    d("notify-keyspace-events", None, M | I, special(special::notify_set, special::notify_get, special::notify_reset)),
    d("bind", None, M | I | MULTI_ARG, special(special::bind_set, special::bind_get, special::bind_reset)),
    d(
        "replicaof",
        Some("slaveof"),
        IMM | MULTI_ARG,
        special(special::replicaof_set, special::replicaof_get, special::replicaof_reset),
    ),
    d(
        "latency-tracking-info-percentiles",
        None,
        M | MULTI_ARG,
        special(special::percentiles_set, special::percentiles_get, special::percentiles_reset),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_lowercase() {
        let mut seen = HashSet::new();
        for d in DIRECTIVES {
            for n in d.names() {
                assert!(seen.insert(n), "duplicate {n}");
                assert_eq!(n, n.to_ascii_lowercase());
            }
        }
        assert_eq!(seen.len(), 197, "192 names CONFIG GET * shows plus 5 hidden ones");
    }

    #[test]
    fn lookup_by_name_and_alias() {
        let (d, alias) = lookup("HASH-MAX-ZIPLIST-ENTRIES").unwrap();
        assert_eq!(d.name, "hash-max-listpack-entries");
        assert!(alias);
        assert!(lookup("slaveof").unwrap().1);
        assert!(!lookup("port").unwrap().1);
        assert!(lookup("no-such-directive").is_none());
    }

    #[test]
    fn every_default_round_trips_through_set() {
        // Setting each directive to the text CONFIG GET shows for its default
        // must succeed and leave the same text (the Tcl harness relies on it).
        let base = Config::default();
        for d in DIRECTIVES {
            if d.name == "dir" {
                continue;
            }
            let text = d.get(&base);
            let args: Vec<String> = if d.has(MULTI_ARG) {
                if text.is_empty() { Vec::new() } else { text.split(' ').map(str::to_string).collect() }
            } else {
                vec![text.clone()]
            };
            let mut c = base.clone();
            let mut load = Load::default();
            let result = d.set(&mut c, &args, &mut load);
            if d.name == "replicaof" {
                assert_eq!(result, Err("wrong number of arguments".into()));
                continue;
            }
            assert_eq!(result, Ok(()), "{}", d.name);
            assert_eq!(d.get(&c), text, "{}", d.name);
        }
    }
}
