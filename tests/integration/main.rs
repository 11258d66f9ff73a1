//! Integration tests: the server binary driven over TCP. One binary, one
//! module per command family or concern.

mod common;
mod config;
mod connection;
mod introspection;
mod keys;
mod persistence;
mod server_cmds;
mod smoke;
mod strings;
mod transactions;
