//! CLUSTER and its subcommands, and the cluster connection commands
//! READONLY, READWRITE and ASKING, which cluster clients send: this server
//! never runs in cluster mode, so each answers as Redis 7.0 does with
//! `cluster-enabled no` ("This instance has cluster support disabled", even
//! CLUSTER HELP and KEYSLOT). They are declared with Redis's arity, flags
//! and docs so that COMMAND, arity errors and ACL rules (`+cluster`,
//! `+cluster|info`) behave as in Redis.

use bytes::Bytes;

use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group, acl};

const G: Group = Group::Cluster;

/// `NO_ASYNC_LOADING | ADMIN | STALE`, the flags of most cluster changes.
const CHANGE: u32 = NO_ASYNC_LOADING | ADMIN | STALE;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("cluster", -2, 0, G, disabled).subcommands(SUBCOMMANDS).doc(
        "3.0.0",
        "A container for cluster commands",
        "Depends on subcommand.",
        "",
    ),
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

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("addslots", -3, CHANGE, G, disabled).doc(
        "3.0.0",
        "Assign new hash slots to receiving node",
        "O(N) where N is the total number of hash slot arguments",
        "slot [slot ...]",
    ),
    CommandSpec::new("addslotsrange", -4, CHANGE, G, disabled).doc(
        "7.0.0",
        "Assign new hash slots to receiving node",
        "O(N) where N is the total number of the slots between the start slot and end slot arguments.",
        "start-slot end-slot [start-slot end-slot ...]",
    ),
    CommandSpec::new("bumpepoch", 2, CHANGE, G, disabled).doc("3.0.0", "Advance the cluster config epoch", "O(1)", ""),
    CommandSpec::new("count-failure-reports", 3, ADMIN | STALE, G, disabled).doc(
        "3.0.0",
        "Return the number of failure reports active for a given node",
        "O(N) where N is the number of failure reports",
        "node-id",
    ),
    CommandSpec::new("countkeysinslot", 3, STALE, G, disabled).doc(
        "3.0.0",
        "Return the number of local keys in the specified hash slot",
        "O(1)",
        "slot",
    ),
    CommandSpec::new("delslots", -3, CHANGE, G, disabled).doc(
        "3.0.0",
        "Set hash slots as unbound in receiving node",
        "O(N) where N is the total number of hash slot arguments",
        "slot [slot ...]",
    ),
    CommandSpec::new("delslotsrange", -4, CHANGE, G, disabled).doc(
        "7.0.0",
        "Set hash slots as unbound in receiving node",
        "O(N) where N is the total number of the slots between the start slot and end slot arguments.",
        "start-slot end-slot [start-slot end-slot ...]",
    ),
    CommandSpec::new("failover", -2, CHANGE, G, disabled).doc(
        "3.0.0",
        "Forces a replica to perform a manual failover of its master.",
        "O(1)",
        "[FORCE | TAKEOVER]",
    ),
    CommandSpec::new("flushslots", 2, CHANGE, G, disabled).doc(
        "3.0.0",
        "Delete a node's own slots information",
        "O(1)",
        "",
    ),
    CommandSpec::new("forget", 3, CHANGE, G, disabled).doc(
        "3.0.0",
        "Remove a node from the nodes table",
        "O(1)",
        "node-id",
    ),
    CommandSpec::new("getkeysinslot", 4, STALE, G, disabled).doc(
        "3.0.0",
        "Return local key names in the specified hash slot",
        "O(log(N)) where N is the number of requested keys",
        "slot count",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, G, disabled).doc(
        "5.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("info", 2, STALE, G, disabled).doc(
        "3.0.0",
        "Provides info about Redis Cluster node state",
        "O(1)",
        "",
    ),
    CommandSpec::new("keyslot", 3, STALE, G, disabled).doc(
        "3.0.0",
        "Returns the hash slot of the specified key",
        "O(N) where N is the number of bytes in the key",
        "key",
    ),
    CommandSpec::new("links", 2, STALE, G, disabled).doc(
        "7.0.0",
        "Returns a list of all TCP links to and from peer nodes in cluster",
        "O(N) where N is the total number of Cluster nodes",
        "",
    ),
    CommandSpec::new("meet", -4, CHANGE, G, disabled).doc(
        "3.0.0",
        "Force a node cluster to handshake with another node",
        "O(1)",
        "ip port [cluster_bus_port]",
    ),
    CommandSpec::new("myid", 2, STALE, G, disabled).doc("3.0.0", "Return the node id", "O(1)", ""),
    CommandSpec::new("nodes", 2, STALE, G, disabled).doc(
        "3.0.0",
        "Get Cluster config for the node",
        "O(N) where N is the total number of Cluster nodes",
        "",
    ),
    CommandSpec::new("replicas", 3, ADMIN | STALE, G, disabled).doc(
        "5.0.0",
        "List replica nodes of the specified master node",
        "O(1)",
        "node-id",
    ),
    CommandSpec::new("replicate", 3, CHANGE, G, disabled).doc(
        "3.0.0",
        "Reconfigure a node as a replica of the specified master node",
        "O(1)",
        "node-id",
    ),
    CommandSpec::new("reset", -2, ADMIN | STALE | NOSCRIPT, G, disabled).doc(
        "3.0.0",
        "Reset a Redis Cluster node",
        "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.",
        "[HARD | SOFT]",
    ),
    CommandSpec::new("saveconfig", 2, CHANGE, G, disabled).doc(
        "3.0.0",
        "Forces the node to save cluster state on disk",
        "O(1)",
        "",
    ),
    CommandSpec::new("set-config-epoch", 3, CHANGE, G, disabled).doc(
        "3.0.0",
        "Set the configuration epoch in a new node",
        "O(1)",
        "config-epoch",
    ),
    CommandSpec::new("setslot", -4, CHANGE, G, disabled).doc(
        "3.0.0",
        "Bind a hash slot to a specific node",
        "O(1)",
        "slot <IMPORTING node-id | MIGRATING node-id | NODE node-id | STABLE>",
    ),
    CommandSpec::new("shards", 2, STALE, G, disabled).doc(
        "7.0.0",
        "Get array of cluster slots to node mappings",
        "O(N) where N is the total number of cluster nodes",
        "",
    ),
    CommandSpec::new("slaves", 3, ADMIN | STALE, G, disabled).doc(
        "3.0.0",
        "List replica nodes of the specified master node",
        "O(1)",
        "node-id",
    ),
    CommandSpec::new("slots", 2, STALE, G, disabled).doc(
        "3.0.0",
        "Get array of Cluster slot to node mappings",
        "O(N) where N is the total number of Cluster nodes",
        "",
    ),
];

fn disabled(_ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    Err(CmdError::err("This instance has cluster support disabled"))
}
