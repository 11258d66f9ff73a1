//! The cluster connection commands READONLY, READWRITE and ASKING, which
//! cluster clients send: this server never runs in cluster mode, so each
//! answers as Redis 7.0 does with cluster support disabled.

use bytes::Bytes;

use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group, acl};

const G: Group = Group::Cluster;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("readonly", 1, LOADING | STALE | FAST, G, disabled).acl(acl::CONNECTION).doc(
        "3.0.0",
        "Enables read queries for a connection to a cluster replica node",
        "O(1)",
        "",
    ),
    CommandSpec::new("readwrite", 1, LOADING | STALE | FAST, G, disabled).acl(acl::CONNECTION).doc(
        "3.0.0",
        "Disables read queries for a connection to a cluster replica node",
        "O(1)",
        "",
    ),
    CommandSpec::new("asking", 1, FAST, G, disabled).acl(acl::CONNECTION).doc(
        "3.0.0",
        "Sent by cluster clients after an -ASK redirect",
        "O(1)",
        "",
    ),
];

fn disabled(_ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    Err(CmdError::err("This instance has cluster support disabled"))
}
