//! Integration tests: the server binary driven over TCP. One binary, one
//! module per command family or concern.

mod blocking;
mod common;
mod config;
mod connection;
mod introspection;
mod keys;
mod list;
mod server_cmds;
mod smoke;
mod strings;
mod transactions;
