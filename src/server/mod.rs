//! The server: its shared state (`Server`, behind `Rc<RefCell<_>>` on the
//! one command thread), the client registry, the listener and per-connection
//! tasks, dispatch of requests to the command table, and the cron.
//!
//! Only this module touches sockets and tasks. Commands see `Server` and
//! `Client` through `commands::Ctx`; a borrow of the state never crosses an
//! `.await`.

pub mod blocking;
pub mod busy;
pub mod client;
pub mod clients;
pub mod connection;
pub mod cron;
pub mod dispatch;
pub mod info;
pub mod latency;
pub mod lazyfree;
pub mod listener;
pub mod save;
pub mod stats;

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
    /// Set by SHUTDOWN or a signal; the listener stops when it is.
    pub shutdown_requested: bool,
    /// Wakes the main task to shut down.
    pub shutdown_notify: Option<std::rc::Rc<tokio::sync::Notify>>,
    /// The Lua engine, the script cache and the script running now.
    pub scripting: Box<crate::scripting::Scripting>,
    /// The listening sockets (also accepted from while a script is busy).
    pub listeners: Vec<std::rc::Rc<tokio::net::TcpListener>>,
    /// Memory was over `maxmemory` when the running command started.
    pub pre_command_oom: bool,
    /// This state's own handle, for tasks spawned from synchronous code.
    pub me: std::rc::Weak<std::cell::RefCell<Server>>,
}

impl Server {
    pub fn new(config: Config) -> Server {
        let now = unix_ms();
        let run_id = random_hex40();
        Server {
            keyspace: Keyspace::new(config.databases),
            clients: Clients::default(),
            stats: Stats::default(),
            now_ms: now,
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
            shutdown_requested: false,
            shutdown_notify: None,
            scripting: Box::new(crate::scripting::Scripting::new()),
            listeners: Vec::new(),
            pre_command_oom: false,
            me: std::rc::Weak::new(),
            config: Box::new(config),
        }
    }

    /// Is a password required before commands run?
    pub fn auth_required(&self) -> bool {
        !self.config.requirepass.is_empty()
    }
}

/// 40 random hex characters (run ids, replication ids).
pub fn random_hex40() -> String {
    (0..20).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

/// Binds, starts the accept loops and the cron on a single-threaded runtime,
/// and runs until SHUTDOWN or a termination signal.
pub fn run(config: Config) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("Failed creating the event loop: {e}"))?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, serve(config))
}

async fn serve(config: Config) -> Result<(), String> {
    let listeners = listener::bind_all(&config.bind, config.port, config.tcp_backlog)?;
    let port = listeners[0].local_addr().map(|a| a.port()).unwrap_or(config.port);
    let shutdown = std::rc::Rc::new(tokio::sync::Notify::new());
    let mut state = Server::new(config);
    state.tcp_port = port;
    state.shutdown_notify = Some(shutdown.clone());
    state.scripting.engine();
    let listeners: Vec<_> = listeners.into_iter().map(std::rc::Rc::new).collect();
    state.listeners = listeners.clone();
    let server = std::rc::Rc::new(std::cell::RefCell::new(state));
    server.borrow_mut().me = std::rc::Rc::downgrade(&server);
    crate::log::notice(&format!("Running mode=standalone, port={port}."));
    crate::log::notice("Server initialized");
    crate::log::notice("Ready to accept connections tcp");
    for l in listeners {
        tokio::task::spawn_local(listener::accept_loop(server.clone(), l));
    }
    tokio::task::spawn_local(cron::run(server.clone()));
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("Failed installing SIGTERM handler: {e}"))?;
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| format!("Failed installing SIGINT handler: {e}"))?;
    tokio::select! {
        _ = shutdown.notified() => {}
        _ = sigterm.recv() => crate::log::warning("Received SIGTERM scheduling shutdown..."),
        _ = sigint.recv() => crate::log::warning("Received SIGINT scheduling shutdown..."),
    }
    crate::log::warning("User requested shutdown...");
    server.borrow_mut().shutdown_requested = true;
    crate::log::warning("Redis is now ready to exit, bye bye...");
    Ok(())
}
