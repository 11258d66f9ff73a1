//! Integration tests: the server binary driven over TCP. One binary, one
//! module per command family or concern.

mod acl;
mod admin;
mod bitmap;
mod blocking;
mod clients;
mod common;
mod compat;
mod config;
mod connection;
mod daemon;
mod decoder_fuzz;
mod eviction;
mod geo;
mod hash;
mod hyperloglog;
mod introspection;
mod keys;
mod limits;
mod list;
mod monitor;
mod notify;
mod pause;
mod persistence;
mod protocol;
mod pubsub;
mod scripting;
mod server_cmds;
mod set;
mod slowlog;
mod smoke;
mod sort;
mod strings;
mod tracking;
mod transactions;
mod zset;
