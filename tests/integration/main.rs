//! Integration tests: the server binary driven over TCP. One binary, one
//! module per command family or concern.

mod common;
mod connection;
mod hash;
mod keys;
mod set;
mod smoke;
mod strings;
mod zset;
