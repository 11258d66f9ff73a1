//! INFO's text: the sections Redis 7.0 prints, in Redis's order and format
//! (`# Section` headers, `field:value` lines, CRLF, a blank line between
//! sections). Values come from the server state, the stats counters, the
//! allocator's byte count, `getrusage` and (read once) /proc.

use std::fmt::Write;

use super::Server;
use super::client::Client;
use crate::commands;
use crate::keyspace::db::lru_clock;
use crate::server::{REDIS_VERSION, SERVER_VERSION};
use crate::sys::{CpuOf, cpu_time};

/// Which sections to render.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sections(u32);

impl Sections {
    pub const SERVER: u32 = 1 << 0;
    pub const CLIENTS: u32 = 1 << 1;
    pub const MEMORY: u32 = 1 << 2;
    pub const PERSISTENCE: u32 = 1 << 3;
    pub const STATS: u32 = 1 << 4;
    pub const REPLICATION: u32 = 1 << 5;
    pub const CPU: u32 = 1 << 6;
    pub const MODULES: u32 = 1 << 7;
    pub const COMMANDSTATS: u32 = 1 << 8;
    pub const ERRORSTATS: u32 = 1 << 9;
    pub const LATENCYSTATS: u32 = 1 << 10;
    pub const CLUSTER: u32 = 1 << 11;
    pub const KEYSPACE: u32 = 1 << 12;
    /// Redis's default set (no argument, or `default`).
    pub const DEFAULT: u32 = Self::SERVER
        | Self::CLIENTS
        | Self::MEMORY
        | Self::PERSISTENCE
        | Self::STATS
        | Self::REPLICATION
        | Self::CPU
        | Self::MODULES
        | Self::ERRORSTATS
        | Self::CLUSTER
        | Self::KEYSPACE;
    /// `all` and `everything`.
    pub const ALL: u32 = Self::DEFAULT | Self::COMMANDSTATS | Self::LATENCYSTATS;

    /// The sections INFO's arguments name (case-insensitive; unknown names
    /// select nothing, as in Redis).
    pub fn from_args(args: &[impl AsRef<[u8]>]) -> Sections {
        if args.is_empty() {
            return Sections(Self::DEFAULT);
        }
        let mut bits = 0;
        for a in args {
            let name = a.as_ref().to_ascii_lowercase();
            bits |= match &name[..] {
                b"default" => Self::DEFAULT,
                b"all" | b"everything" => Self::ALL,
                b"server" => Self::SERVER,
                b"clients" => Self::CLIENTS,
                b"memory" => Self::MEMORY,
                b"persistence" => Self::PERSISTENCE,
                b"stats" => Self::STATS,
                b"replication" => Self::REPLICATION,
                b"cpu" => Self::CPU,
                b"modules" | b"module_list" => Self::MODULES,
                b"commandstats" => Self::COMMANDSTATS,
                b"errorstats" => Self::ERRORSTATS,
                b"latencystats" => Self::LATENCYSTATS,
                b"cluster" => Self::CLUSTER,
                b"keyspace" => Self::KEYSPACE,
                _ => 0,
            };
        }
        Sections(bits)
    }

    pub fn has(self, section: u32) -> bool {
        self.0 & section != 0
    }
}

/// Redis's `bytesToHuman`: `100B`, `2.00K`, `1.50M` …
pub fn bytes_to_human(n: u64) -> String {
    const UNITS: [(&str, u64); 5] = [("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40), ("P", 1 << 50)];
    if n < 1024 {
        return format!("{n}B");
    }
    for (i, (unit, size)) in UNITS.iter().enumerate() {
        let next = UNITS.get(i + 1).map(|u| u.1).unwrap_or(u64::MAX);
        if n < next || i == UNITS.len() - 1 {
            if i == UNITS.len() - 1 && n >= (1u64 << 60) {
                return format!("{n}B");
            }
            return format!("{:.2}{unit}", n as f64 / *size as f64);
        }
    }
    format!("{n}B")
}

/// A config value kept as text (directives not yet modelled by `Config`).
fn maxmemory(srv: &Server) -> u64 {
    srv.config.maxmemory
}

/// Machine facts that do not change while the server runs, read once (as
/// Redis reads total memory once at startup).
mod machine {
    use std::sync::OnceLock;

    pub fn total_memory() -> u64 {
        static TOTAL: OnceLock<u64> = OnceLock::new();
        *TOTAL.get_or_init(|| {
            std::fs::read_to_string("/proc/meminfo")
                .ok()
                .and_then(|m| {
                    m.lines().find(|l| l.starts_with("MemTotal:")).and_then(|l| {
                        l.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()).map(|kb| kb * 1024)
                    })
                })
                .unwrap_or(0)
        })
    }

    pub fn os() -> &'static str {
        static OS: OnceLock<String> = OnceLock::new();
        OS.get_or_init(|| {
            let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
            let sysname = std::fs::read_to_string("/proc/sys/kernel/ostype").unwrap_or_else(|_| "Linux".into());
            format!("{} {} {}", sysname.trim(), release.trim(), std::env::consts::ARCH)
        })
    }
}

/// Renders the INFO text for `sections`. `me` is the calling client.
pub fn render(srv: &mut Server, me: &Client, sections: Sections) -> String {
    // Memory figures first, before this reply's own buffer is allocated (a
    // client polling INFO under maxmemory must not see INFO itself).
    let mh = sections.has(Sections::MEMORY).then(|| super::memory::overhead(srv, me));
    let mut out = String::with_capacity(4096);
    let mut first = true;
    let mut header = |out: &mut String, name: &str| {
        if !first {
            out.push_str("\r\n");
        }
        first = false;
        out.push_str("# ");
        out.push_str(name);
        out.push_str("\r\n");
    };
    macro_rules! line {
        ($out:expr, $($arg:tt)*) => {{
            let _ = write!($out, $($arg)*);
            $out.push_str("\r\n");
        }};
    }
    let now_ms = crate::util::time::unix_ms();
    let uptime = srv.started.elapsed().as_secs();

    if sections.has(Sections::SERVER) {
        header(&mut out, "Server");
        let exe = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default();
        let config_file = srv
            .config
            .config_file
            .as_deref()
            .map(|f| std::fs::canonicalize(f).map(|p| p.display().to_string()).unwrap_or_else(|_| f.to_string()))
            .unwrap_or_default();
        line!(out, "redis_version:{REDIS_VERSION}");
        line!(out, "redis_git_sha1:00000000");
        line!(out, "redis_git_dirty:0");
        line!(out, "redis_build_id:{}", &srv.run_id[..16]);
        line!(out, "redis_rs_server_version:{SERVER_VERSION}");
        line!(out, "redis_mode:standalone");
        line!(out, "os:{}", machine::os());
        line!(out, "arch_bits:{}", usize::BITS);
        line!(out, "monotonic_clock:POSIX clock_gettime");
        line!(out, "multiplexing_api:epoll");
        line!(out, "atomicvar_api:c11-builtin");
        line!(out, "gcc_version:0.0.0");
        line!(out, "process_id:{}", std::process::id());
        line!(out, "process_supervised:{}", super::supervise::name());
        line!(out, "run_id:{}", srv.run_id);
        line!(out, "tcp_port:{}", srv.tcp_port);
        line!(out, "server_time_usec:{}", crate::util::time::unix_us());
        line!(out, "uptime_in_seconds:{uptime}");
        line!(out, "uptime_in_days:{}", uptime / 86400);
        line!(out, "hz:{}", srv.config.hz);
        line!(out, "configured_hz:{}", srv.config.hz);
        line!(out, "lru_clock:{}", lru_clock(now_ms));
        line!(out, "executable:{exe}");
        line!(out, "config_file:{config_file}");
        line!(out, "io_threads_active:0");
    }

    if sections.has(Sections::CLIENTS) {
        header(&mut out, "Clients");
        let (mut max_in, mut max_out) = (0, 0);
        srv.clients.for_each(me, |c| {
            max_in = max_in.max(c.query_buf_len);
            max_out = max_out.max(c.out.len());
        });
        line!(out, "connected_clients:{}", srv.clients.len());
        line!(out, "cluster_connections:0");
        line!(out, "maxclients:{}", srv.config.maxclients);
        line!(out, "client_recent_max_input_buffer:{max_in}");
        line!(out, "client_recent_max_output_buffer:{max_out}");
        line!(out, "blocked_clients:{}", srv.blocked_clients);
        line!(out, "tracking_clients:{}", srv.tracking.clients);
        line!(out, "clients_in_timeout_table:0");
    }

    if let Some(mh) = mh {
        header(&mut out, "Memory");
        let used = mh.total as u64;
        let peak = mh.peak as u64;
        let rss = mh.rss as u64;
        let total = machine::total_memory();
        let maxmem = maxmemory(srv);
        let startup = mh.startup as u64;
        let overhead = mh.overhead_total as u64;
        let dataset = mh.dataset as u64;
        let perc = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 * 100.0 / b as f64 };
        let frag = if used == 0 { 0.0 } else { rss as f64 / used as f64 };
        let policy = srv.config.maxmemory_policy.name();
        line!(out, "used_memory:{used}");
        line!(out, "used_memory_human:{}", bytes_to_human(used));
        line!(out, "used_memory_rss:{rss}");
        line!(out, "used_memory_rss_human:{}", bytes_to_human(rss));
        line!(out, "used_memory_peak:{peak}");
        line!(out, "used_memory_peak_human:{}", bytes_to_human(peak));
        line!(out, "used_memory_peak_perc:{:.2}%", perc(used, peak));
        line!(out, "used_memory_overhead:{overhead}");
        line!(out, "used_memory_startup:{startup}");
        line!(out, "used_memory_dataset:{dataset}");
        line!(out, "used_memory_dataset_perc:{:.2}%", mh.dataset_perc);
        line!(out, "allocator_allocated:{used}");
        line!(out, "allocator_active:{used}");
        line!(out, "allocator_resident:{rss}");
        line!(out, "total_system_memory:{total}");
        line!(out, "total_system_memory_human:{}", bytes_to_human(total));
        let lua = srv.scripting.lua_memory();
        let scripts = srv.scripting.scripts_memory();
        line!(out, "used_memory_lua:{lua}");
        line!(out, "used_memory_vm_eval:{lua}");
        line!(out, "used_memory_lua_human:{}", bytes_to_human(lua as u64));
        line!(out, "used_memory_scripts_eval:{scripts}");
        line!(out, "number_of_cached_scripts:{}", srv.scripting.cached_scripts());
        let fmem = srv.scripting.functions_memory();
        line!(out, "number_of_functions:{}", srv.scripting.functions.function_count());
        line!(out, "number_of_libraries:{}", srv.scripting.functions.libraries.len());
        line!(out, "used_memory_vm_functions:{fmem}");
        line!(out, "used_memory_vm_total:{}", lua + fmem);
        line!(out, "used_memory_vm_total_human:{}", bytes_to_human((lua + fmem) as u64));
        line!(out, "used_memory_functions:0");
        line!(out, "used_memory_scripts:{scripts}");
        line!(out, "used_memory_scripts_human:{}", bytes_to_human(scripts as u64));
        line!(out, "maxmemory:{maxmem}");
        line!(out, "maxmemory_human:{}", bytes_to_human(maxmem));
        line!(out, "maxmemory_policy:{policy}");
        line!(out, "allocator_frag_ratio:1.00");
        line!(out, "allocator_frag_bytes:0");
        line!(out, "allocator_rss_ratio:{frag:.2}");
        line!(out, "allocator_rss_bytes:{}", rss as i64 - used as i64);
        line!(out, "rss_overhead_ratio:1.00");
        line!(out, "rss_overhead_bytes:0");
        line!(out, "mem_fragmentation_ratio:{frag:.2}");
        line!(out, "mem_fragmentation_bytes:{}", rss as i64 - used as i64);
        line!(out, "mem_not_counted_for_evict:0");
        line!(out, "mem_replication_backlog:0");
        line!(out, "mem_total_replication_buffers:0");
        line!(out, "mem_clients_slaves:0");
        line!(out, "mem_clients_normal:{}", mh.clients_normal);
        line!(out, "mem_cluster_links:0");
        line!(out, "mem_aof_buffer:{}", srv.aof.buf.capacity());
        line!(out, "mem_allocator:libc");
        line!(out, "active_defrag_running:0");
        line!(out, "lazyfree_pending_objects:{}", super::lazyfree::pending_objects());
        line!(out, "lazyfreed_objects:{}", super::lazyfree::freed_objects());
    }

    if sections.has(Sections::PERSISTENCE) {
        header(&mut out, "Persistence");
        for (name, value) in super::save::info_fields(srv) {
            line!(out, "{name}:{value}");
        }
        for (name, value) in super::aof::info_fields(srv) {
            line!(out, "{name}:{value}");
        }
        for (name, value) in super::save::info_loading_fields(srv) {
            line!(out, "{name}:{value}");
        }
    }

    if sections.has(Sections::STATS) {
        header(&mut out, "Stats");
        let st = &srv.stats;
        line!(out, "total_connections_received:{}", st.total_connections);
        line!(out, "total_commands_processed:{}", st.total_commands);
        line!(out, "instantaneous_ops_per_sec:{}", st.instantaneous_ops_per_sec());
        line!(out, "total_net_input_bytes:{}", st.net_input_bytes);
        line!(out, "total_net_output_bytes:{}", st.net_output_bytes);
        line!(out, "total_net_repl_input_bytes:0");
        line!(out, "total_net_repl_output_bytes:0");
        line!(out, "instantaneous_input_kbps:{:.2}", st.instantaneous_input_kbps());
        line!(out, "instantaneous_output_kbps:{:.2}", st.instantaneous_output_kbps());
        line!(out, "instantaneous_input_repl_kbps:0.00");
        line!(out, "instantaneous_output_repl_kbps:0.00");
        line!(out, "rejected_connections:{}", st.rejected_connections);
        line!(out, "sync_full:{}", srv.repl.sync_full);
        line!(out, "sync_partial_ok:{}", srv.repl.sync_partial_ok);
        line!(out, "sync_partial_err:{}", srv.repl.sync_partial_err);
        line!(out, "expired_keys:{}", srv.keyspace.expired());
        line!(out, "expired_stale_perc:0.00");
        line!(out, "expired_time_cap_reached_count:0");
        line!(out, "expire_cycle_cpu_milliseconds:0");
        let exceeded_now = st.eviction_exceeded_since.map_or(0, |t| t.elapsed().as_micros() as u64);
        line!(out, "evicted_keys:{}", st.evicted_keys);
        line!(out, "evicted_clients:0");
        line!(out, "total_eviction_exceeded_time:{}", (st.eviction_exceeded_us + exceeded_now) / 1000);
        line!(out, "current_eviction_exceeded_time:{}", exceeded_now / 1000);
        line!(out, "keyspace_hits:{}", srv.keyspace.hits());
        line!(out, "keyspace_misses:{}", srv.keyspace.misses());
        line!(out, "pubsub_channels:{}", srv.pubsub.channel_count());
        line!(out, "pubsub_patterns:{}", srv.pubsub.pattern_count());
        line!(out, "pubsubshard_channels:{}", srv.pubsub.shard_channel_count());
        line!(out, "latest_fork_usec:0");
        line!(out, "total_forks:0");
        line!(out, "migrate_cached_sockets:0");
        line!(out, "slave_expires_tracked_keys:0");
        line!(out, "active_defrag_hits:0");
        line!(out, "active_defrag_misses:0");
        line!(out, "active_defrag_key_hits:0");
        line!(out, "active_defrag_key_misses:0");
        line!(out, "total_active_defrag_time:0");
        line!(out, "current_active_defrag_time:0");
        line!(out, "tracking_total_keys:{}", srv.tracking.total_keys());
        line!(out, "tracking_total_items:{}", srv.tracking.total_items());
        line!(out, "tracking_total_prefixes:{}", srv.tracking.total_prefixes());
        line!(out, "unexpected_error_replies:0");
        line!(out, "total_error_replies:{}", st.total_error_replies);
        line!(out, "dump_payload_sanitizations:0");
        line!(out, "total_reads_processed:0");
        line!(out, "total_writes_processed:0");
        line!(out, "io_threaded_reads_processed:0");
        line!(out, "io_threaded_writes_processed:0");
        line!(out, "reply_buffer_shrinks:0");
        line!(out, "reply_buffer_expands:0");
        // Redis 7.2's ACL counters (7.0 has none).
        line!(out, "acl_access_denied_auth:{}", srv.acl.denied_auth);
        line!(out, "acl_access_denied_cmd:{}", srv.acl.denied_cmd);
        line!(out, "acl_access_denied_key:{}", srv.acl.denied_key);
        line!(out, "acl_access_denied_channel:{}", srv.acl.denied_channel);
    }

    if sections.has(Sections::REPLICATION) {
        header(&mut out, "Replication");
        super::replication::info(srv, &mut out);
    }

    if sections.has(Sections::CPU) {
        header(&mut out, "CPU");
        // This runs on the command thread: `Thread` is Redis's main thread.
        for (of, suffix) in [(CpuOf::Process, ""), (CpuOf::Children, "_children"), (CpuOf::Thread, "_main_thread")] {
            let ((user_s, user_us), (sys_s, sys_us)) = cpu_time(of);
            line!(out, "used_cpu_sys{suffix}:{sys_s}.{sys_us:06}");
            line!(out, "used_cpu_user{suffix}:{user_s}.{user_us:06}");
        }
    }

    if sections.has(Sections::MODULES) {
        header(&mut out, "Modules");
    }

    if sections.has(Sections::COMMANDSTATS) {
        header(&mut out, "Commandstats");
        let table = commands::table();
        for (id, entry) in table.entries.iter().enumerate() {
            let Some(s) = srv.stats.command_stat(id) else { continue };
            if s.calls == 0 && s.failed_calls == 0 && s.rejected_calls == 0 {
                continue;
            }
            let per_call = if s.calls == 0 { 0.0 } else { s.usec as f32 / s.calls as f32 };
            line!(
                out,
                "cmdstat_{}:calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}",
                safe_info_name(&entry.fullname),
                s.calls,
                s.usec,
                per_call,
                s.rejected_calls,
                s.failed_calls
            );
        }
    }

    if sections.has(Sections::ERRORSTATS) {
        header(&mut out, "Errorstats");
        for (code, count) in &srv.stats.errors {
            line!(out, "errorstat_{}:count={count}", safe_info_name(code));
        }
    }

    if sections.has(Sections::LATENCYSTATS) {
        header(&mut out, "Latencystats");
        if srv.stats.latency_tracking {
            let table = commands::table();
            let names: Vec<String> =
                srv.stats.latency_percentiles.iter().map(|&p| super::latency::percentile_name(p)).collect();
            for (id, h) in srv.stats.latency.iter().enumerate() {
                let Some(h) = h.as_deref().filter(|h| !h.is_empty()) else { continue };
                let _ = write!(out, "latency_percentiles_usec_{}:", safe_info_name(&table.entries[id].fullname));
                for (i, (p, name)) in srv.stats.latency_percentiles.iter().zip(&names).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "p{name}={:.3}", h.value_at_percentile(*p) as f64 / 1000.0);
                }
                out.push_str("\r\n");
            }
        }
    }

    if sections.has(Sections::CLUSTER) {
        header(&mut out, "Cluster");
        line!(out, "cluster_enabled:0");
    }

    if sections.has(Sections::KEYSPACE) {
        header(&mut out, "Keyspace");
        for db in &srv.keyspace.dbs {
            let (keys, expires) = (db.len(), db.expires_count());
            if keys > 0 || expires > 0 {
                line!(out, "db{}:keys={keys},expires={expires},avg_ttl={}", db.id, db.avg_ttl);
            }
        }
    }
    out
}

/// Redis's `getSafeInfoString`: `#`, `:`, CR and LF become `_`.
fn safe_info_name(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['#', ':', '\r', '\n']) {
        std::borrow::Cow::Owned(s.replace(['#', ':', '\r', '\n'], "_"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_as_redis() {
        assert_eq!(bytes_to_human(0), "0B");
        assert_eq!(bytes_to_human(1023), "1023B");
        assert_eq!(bytes_to_human(1024), "1.00K");
        assert_eq!(bytes_to_human(941008), "918.95K");
        assert_eq!(bytes_to_human(7155712), "6.82M");
        assert_eq!(bytes_to_human(25276514304), "23.54G");
    }

    #[test]
    fn section_names() {
        assert_eq!(Sections::from_args(&[] as &[&[u8]]), Sections(Sections::DEFAULT));
        assert_eq!(Sections::from_args(&[b"CPU".as_slice()]), Sections(Sections::CPU));
        assert_eq!(Sections::from_args(&[b"everything".as_slice()]), Sections(Sections::ALL));
        assert_eq!(Sections::from_args(&[b"nosuch".as_slice()]), Sections(0));
        assert!(!Sections::from_args(&[b"default".as_slice()]).has(Sections::COMMANDSTATS));
    }
}
