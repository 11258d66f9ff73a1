//! The server: its shared state (`Server`, behind `Rc<RefCell<_>>` on the
//! one command thread), the client registry, the listener and per-connection
//! tasks, dispatch of requests to the command table, and the cron.
//!
//! Only this module touches sockets and tasks. Commands see `Server` and
//! `Client` through `commands::Ctx`; a borrow of the state never crosses an
//! `.await`.

pub mod acl;
pub mod aof;
pub mod blocking;
pub mod busy;
pub mod busy_poll;
pub mod client;
pub mod clients;
pub mod connection;
pub mod cron;
pub mod dispatch;
pub mod info;
pub mod latency;
pub mod latency_monitor;
pub mod lazyfree;
pub mod listener;
pub mod memory;
pub mod migrate;
pub mod monitor;
pub mod notify;
pub mod pause;
pub mod pubsub;
pub mod redact;
pub mod replica;
pub mod replication;
pub mod save;
pub mod shutdown;
pub mod slowlog;
pub mod stats;
pub mod supervise;
pub mod tracking;

use std::time::Instant;

use crate::config::Config;
use crate::keyspace::Keyspace;
use crate::keyspace::expire::ExpireCycle;
use crate::util::rng::Rng;
use crate::util::time::unix_ms;

use clients::Clients;
use stats::Stats;

/// The version of Redis whose behaviour we implement (clients gate on it).
pub const REDIS_VERSION: &str = "7.0.15";
/// Our own version.
pub const SERVER_VERSION: &str = env!("CARGO_PKG_VERSION");

pub struct Server {
    /// Boxed: the state is moved while a script runs (`scripting::engine`),
    /// so it is kept small.
    pub config: Box<Config>,
    pub keyspace: Keyspace,
    pub clients: Clients,
    pub stats: Stats,
    /// Unix ms fixed at the start of each command (Redis's command time snapshot).
    pub now_ms: u64,
    /// The last clock reading (Unix µs) if it was taken at the end of the
    /// previous command of the batch being run: the next command starts
    /// from it instead of reading the clock again. Cleared before each
    /// batch (`connection::run_buffered`), so it never outlives an await.
    pub clock_us: Option<u64>,
    pub started: Instant,
    pub started_unix_ms: u64,
    pub run_id: String,
    /// Replication id (INFO `master_replid`; DEBUG CHANGE-REPL-ID renews it).
    pub replid: String,
    /// The TCP port actually bound (differs from config with `port 0`).
    pub tcp_port: u16,
    pub expire_cycle: ExpireCycle,
    pub active_expire_enabled: bool,
    pub rng: Rng,
    /// Clients waiting in a blocking command (INFO `blocked_clients`).
    pub blocked_clients: usize,
    /// Writes since the last successful save (`rdb_changes_since_last_save`).
    pub dirty: u64,
    /// Unix seconds of the last successful save.
    pub lastsave: u64,
    /// Users, permissions and the ACL log. (Boxed, as `persist`: the
    /// state is moved while a script runs, see `config`.)
    pub acl: Box<acl::Acl>,
    /// The accept loops, and how to move them (CONFIG SET port/bind).
    pub listeners: listener::Listeners,
    /// `maxmemory` eviction: the pool, the background task's state.
    pub evict: memory::EvictState,
    /// CLIENT PAUSE: its kind, end time and the postponed clients.
    pub pause: pause::PauseState,
    /// RDB persistence: BGSAVE in progress, save statistics, loading.
    pub persist: Box<save::Persist>,
    /// Wakes the busy-polling task (`busy_poll`).
    pub busy_poll: busy_poll::Poller,
    /// Pub/Sub channels and patterns with their subscribers.
    pub pubsub: pubsub::PubSub,
    /// Clients in MONITOR mode, by id.
    pub monitors: Vec<u64>,
    pub slowlog: slowlog::SlowLog,
    pub latency_monitor: latency_monitor::LatencyMonitor,
    /// The key tables record keyspace events for `notify` (see there).
    pub notify_recording: bool,
    /// The Lua engine, the script cache and the script running now.
    pub scripting: Box<crate::scripting::Scripting>,
    /// `min-replicas-to-write` cannot be met: writes answer NOREPLICAS.
    pub replicas_missing: bool,
    /// The master side of replication: propagation, backlog, replicas.
    pub repl: Box<replication::Repl>,
    /// The append-only file (`server::aof`).
    pub aof: Box<aof::Aof>,
    /// Client-side caching: the key table, BCAST prefixes, pending
    /// invalidations. (Boxed, as `persist`.)
    pub tracking: Box<tracking::Tracking>,
    /// MIGRATE's cached connections to target instances.
    pub migrate_targets: migrate::Targets,
    /// `tracking` has anything to do after commands (tracking clients,
    /// tracked keys or prefixes, messages waiting): the dispatcher's one
    /// test, kept here so it costs a single load.
    pub tracking_on: bool,
}

impl Server {
    pub fn new(config: Config) -> Server {
        let now = unix_ms();
        let run_id = random_hex40();
        let mut srv = Server {
            keyspace: Keyspace::new(config.databases),
            clients: Clients::default(),
            stats: Stats::default(),
            now_ms: now,
            clock_us: None,
            started: Instant::now(),
            started_unix_ms: now,
            run_id,
            replid: random_hex40(),
            tcp_port: config.port,
            expire_cycle: ExpireCycle::default(),
            active_expire_enabled: true,
            rng: Rng::from_entropy(),
            dirty: 0,
            blocked_clients: 0,
            lastsave: now / 1000,
            acl: Box::new(acl::Acl::new(&config.requirepass)),
            listeners: listener::Listeners::default(),
            evict: memory::EvictState::default(),
            pause: pause::PauseState::default(),
            persist: Box::default(),
            busy_poll: busy_poll::Poller::default(),
            scripting: Box::new(crate::scripting::Scripting::new()),
            replicas_missing: false,
            repl: Box::default(),
            aof: Box::new(aof::Aof::new()),
            pubsub: pubsub::PubSub::default(),
            monitors: Vec::new(),
            slowlog: slowlog::SlowLog::default(),
            latency_monitor: latency_monitor::LatencyMonitor::default(),
            notify_recording: false,
            tracking: Box::default(),
            migrate_targets: migrate::Targets::default(),
            tracking_on: false,
            config: Box::new(config),
        };
        // Every command's counters up front, as Redis keeps them in its
        // command table: a first call must not grow memory (an eviction
        // margin of a few KB would see it).
        srv.stats.command(crate::commands::table().entries.len() - 1);
        srv.stats.latency_tracking = srv.config.latency_tracking;
        srv.stats.latency_percentiles.clone_from(&srv.config.latency_tracking_info_percentiles);
        memory::apply_config(&mut srv);
        // Redis creates its shared integers at startup, after loading the
        // configuration: their clock starts now.
        let now = crate::util::time::unix_ms();
        crate::keyspace::shared_ints::reset(srv.keyspace.dbs[0].access_bits.initial(now));
        srv.replicas_missing = crate::scripting::replicas_missing(&srv);
        srv.evict.startup = crate::alloc::used_memory();
        srv
    }

    /// Must a connection authenticate before running commands? (The
    /// default user has a password, or is disabled.)
    pub fn auth_required(&self) -> bool {
        self.acl.auth_required()
    }
}

/// 40 random hex characters (run ids, replication ids).
pub fn random_hex40() -> String {
    (0..20).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

/// What the program around the server does at two moments of the start:
/// once the listeners are bound (write the pid file) and once the server is
/// ready (a daemon's first process may exit).
#[derive(Default)]
pub struct Lifecycle {
    pub on_listening: Option<Hook>,
    pub on_ready: Option<Hook>,
}

/// A step of the program around the server, run once.
pub type Hook = Box<dyn FnOnce(&Server)>;

/// Binds, starts the accept loops and the cron on a single-threaded runtime,
/// and serves until a shutdown ends the process (`shutdown`). Returns only
/// on a failed start, with the reason.
pub fn run(config: Config, lifecycle: Lifecycle) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("Failed creating the event loop: {e}"))?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, serve(config, lifecycle))
}

async fn serve(config: Config, lifecycle: Lifecycle) -> Result<(), String> {
    let bound = listener::bind_all(&config.bind, config.port, config.tcp_backlog)?;
    let port = bound.first().and_then(|(_, l)| l.local_addr().ok()).map(|a| a.port()).unwrap_or(config.port);
    let backlog = config.tcp_backlog;
    let mut state = Server::new(config);
    state.tcp_port = port;
    state.scripting.engine();
    let users = state.config.users.clone();
    let aclfile = state.config.aclfile.clone();
    if !aclfile.is_empty() && !users.is_empty() {
        return Err("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is \
                    invalid. This setup is very likely to lead to configuration errors and security holes, please \
                    define either an ACL file or declare users directly in your redis.conf, but not both."
            .into());
    }
    let all_channels = acl::pubsub_default_all(&state.config);
    state.acl.load_config_users(&users, all_channels)?;
    if !aclfile.is_empty() {
        state
            .acl
            .load_file(&aclfile, all_channels)
            .map_err(|e| format!("Aborting Redis startup because of ACL errors: {e}"))?;
    }
    let server = std::rc::Rc::new(std::cell::RefCell::new(state));
    if let Some(f) = lifecycle.on_listening {
        f(&server.borrow());
    }
    if server.borrow().config.always_show_logo {
        // Redis draws its ASCII logo here; its facts, on one line (Redis's
        // Tcl harness waits for " PID: <pid>").
        crate::log::notice(&format!(
            "Redis {REDIS_VERSION} 64 bit, Running in standalone mode, Port: {port}, PID: {}",
            std::process::id()
        ));
    } else {
        crate::log::notice(&format!("Running mode=standalone, port={port}."));
    }
    listener::check_tcp_backlog(backlog);
    crate::log::warning("Server initialized");
    // With `appendonly yes` the AOF is the dataset (dump.rdb is not read).
    let appendonly = server.borrow().config.appendonly;
    let loading = if appendonly { None } else { save::start_loading(&mut server.borrow_mut()) };
    listener::start(&server, bound);
    if appendonly {
        // On this thread; clients connecting meanwhile get LOADING.
        aof::startup(&mut server.borrow_mut())?;
    }
    tokio::task::spawn_local(cron::run(server.clone()));
    tokio::task::spawn_local(save::run(server.clone()));
    tokio::task::spawn_local(memory::eviction_task(server.clone()));
    tokio::task::spawn_local(busy_poll::run(server.clone()));
    if let Some(rx) = loading {
        save::finish_loading(server.clone(), rx).await?;
    }
    // The `replicaof` directive: the link starts once the dataset (and the
    // replication history it records) is loaded.
    let replicaof = server.borrow().config.other.get("replicaof").cloned();
    if let Some((host, port)) = replicaof.as_deref().and_then(|v| v.split_once(' ')) {
        let port = port.parse().unwrap_or(0);
        let mut srv = server.borrow_mut();
        srv.repl.master = Some((host.to_string(), port));
        let cached = srv.repl.side.cached;
        replica::start(&mut srv, host, port, cached);
    }
    crate::log::notice("Ready to accept connections");
    supervise::ready();
    if let Some(f) = lifecycle.on_ready {
        f(&server.borrow());
    }
    // Shutdown (SHUTDOWN, or a signal seen by the cron) ends the process.
    std::future::pending::<()>().await;
    Ok(())
}
