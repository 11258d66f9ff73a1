//! The replication commands of a server that is always a master with no
//! replicas: ROLE, REPLICAOF / SLAVEOF (only `NO ONE`), WAIT, FAILOVER.
//! Each answers what Redis 7.0 answers in that state, so clients that probe
//! the role or wait for replicas work; becoming a replica is refused.

use bytes::Bytes;

use super::args::{int, is, timeout_ms};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group, acl};

const G: Group = Group::Server;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("role", 1, NOSCRIPT | LOADING | STALE | FAST, G, role).acl(acl::ADMIN | acl::DANGEROUS).doc(
        "2.8.12",
        "Return the role of the instance in the context of replication",
        "O(1)",
        "",
    ),
    CommandSpec::new("replicaof", 3, ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING, G, replicaof).doc(
        "5.0.0",
        "Make the server a replica of another instance, or promote it as master.",
        "O(1)",
        "host port | NO ONE",
    ),
    CommandSpec::new("slaveof", 3, ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING, G, replicaof).doc(
        "1.0.0",
        "Make the server a replica of another instance, or promote it as master.",
        "O(1)",
        "host port | NO ONE",
    ),
    CommandSpec::new("wait", 3, NOSCRIPT, Group::Generic, wait).acl(acl::CONNECTION | acl::NOT_GROUP).doc(
        "3.0.0",
        "Wait for the synchronous replication of all the write commands sent in the context of the current \
         connection",
        "O(1)",
        "numreplicas timeout",
    ),
    CommandSpec::new("failover", -1, ADMIN | NOSCRIPT | STALE, G, failover).doc(
        "6.2.0",
        "Start a coordinated failover between this server and one of its replicas.",
        "O(1)",
        "[TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]",
    ),
];

/// ROLE: `["master", replication offset, [replicas]]`.
fn role(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let out = ctx.out();
    out.array(3);
    out.bulk(b"master");
    out.int(0);
    out.array(0);
    Ok(())
}

/// REPLICAOF NO ONE: already a master, `+OK`. REPLICAOF host port:
/// replication is not implemented, so the server refuses to follow a master
/// (after Redis's own argument checks) rather than pretend.
fn replicaof(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if is(&args[1], "no") && is(&args[2], "one") {
        ctx.out().ok();
        return Ok(());
    }
    match int(&args[2]) {
        Ok(port) if (0..=65535).contains(&port) => {
            Err(CmdError::err("REPLICAOF host port is not supported: this server cannot be a replica"))
        }
        _ => Err(CmdError::err("Invalid master port")),
    }
}

/// WAIT numreplicas timeout: no replica ever acknowledges, so the reply is
/// 0, at once when 0 replicas are asked for (or the client may not block),
/// otherwise when the timeout passes (0: never), as with Redis and no
/// replicas.
fn wait(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let replicas = int(&args[1])?;
    let timeout = timeout_ms(&args[2], ctx.now())?;
    if replicas <= 0 || !ctx.may_block() {
        ctx.out().int(0);
        return Ok(());
    }
    ctx.block_until_timeout(args, timeout, 0);
    Ok(())
}

/// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: Redis's argument
/// checks in Redis's order, then the error a master without replicas gives.
fn failover(_ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() == 2 && is(&args[1], "abort") {
        return Err(CmdError::err("No failover in progress."));
    }
    let (mut timeout, mut to, mut force) = (false, false, false);
    let mut j = 1;
    while j < args.len() {
        if is(&args[j], "timeout") && j + 1 < args.len() && !timeout {
            if int(&args[j + 1])? <= 0 {
                return Err(CmdError::err("FAILOVER timeout must be greater than 0"));
            }
            timeout = true;
            j += 1;
        } else if is(&args[j], "to") && j + 2 < args.len() && !to {
            int(&args[j + 2])?;
            to = true;
            j += 2;
        } else if is(&args[j], "force") && !force {
            force = true;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Err(CmdError::err("FAILOVER requires connected replicas."))
}
