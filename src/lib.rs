//! redis-rs-server: a Redis 7.0-compatible server. See `docs/architecture.md`
//! for the map of modules and the path of a request.

pub mod alloc;
pub mod commands;
pub mod config;
pub mod error;
pub mod keyspace;
pub mod log;
pub mod persistence;
pub mod protocol;
pub mod scripting;
pub mod server;
pub mod sys;
pub mod types;
pub mod util;
