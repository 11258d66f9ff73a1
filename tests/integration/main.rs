//! Integration tests: the server binary driven over TCP. One binary, one
//! module per command family or concern.

mod clients;
mod common;
mod compat;
mod config;
mod connection;
mod decoder_fuzz;
mod introspection;
mod keys;
mod protocol;
mod scripting;
mod server_cmds;
mod smoke;
mod strings;
mod transactions;
