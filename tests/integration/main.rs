//! Integration tests: the server binary driven over TCP. One binary, one
//! module per command family or concern.

mod acl;
mod common;
mod config;
mod connection;
mod daemon;
mod introspection;
mod keys;
mod limits;
mod server_cmds;
mod smoke;
mod strings;
mod transactions;
