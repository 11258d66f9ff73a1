//! The replication commands: SYNC, PSYNC and REPLCONF (a replica
//! attaches: `server::replication`; GETACK from our master:
//! `server::replica`), ROLE, WAIT (counts replicas' acknowledgements),
//! REPLICAOF / SLAVEOF (`server::replica` runs the link), FAILOVER
//! (answers as a master without a failover target).

use bytes::Bytes;

use super::args::{int, is, timeout_ms};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group, acl};
use crate::server::replication as repl;

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
    CommandSpec::new("sync", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, G, sync).doc(
        "1.0.0",
        "Internal command used for replication",
        "",
        "",
    ),
    CommandSpec::new("psync", -3, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, G, psync).doc(
        "2.8.0",
        "Internal command used for replication",
        "",
        "replicationid offset",
    ),
    CommandSpec::new("replconf", -1, ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY, G, replconf).doc(
        "3.0.0",
        "An internal command for configuring the replication stream",
        "O(1)",
        "",
    ),
    CommandSpec::new("failover", -1, ADMIN | NOSCRIPT | STALE, G, failover).doc(
        "6.2.0",
        "Start a coordinated failover between this server and one of its replicas.",
        "O(1)",
        "[TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]",
    ),
];

/// ROLE: `["master", replication offset, [[ip, port, acked offset] …]]`
/// (online replicas only, as Redis).
fn role(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    if ctx.srv.repl.master.is_some() {
        let (host, port, state, offset) = crate::server::replica::role(ctx.srv);
        let out = ctx.out();
        out.array(5);
        out.bulk(b"slave");
        out.bulk(host.as_bytes());
        out.int(port);
        out.bulk(state.as_bytes());
        out.int(offset);
        return Ok(());
    }
    let rows: Vec<_> =
        repl::replica_rows(ctx.srv).into_iter().filter(|(_, _, state, _, _)| *state == "online").collect();
    let offset = ctx.srv.repl.offset;
    let out = ctx.out();
    out.array(3);
    out.bulk(b"master");
    out.int(offset as i64);
    out.array(rows.len());
    for (ip, port, _, off, _) in rows {
        out.array(3);
        out.bulk(ip.as_bytes());
        out.bulk(port.to_string().as_bytes());
        out.bulk(off.to_string().as_bytes());
    }
    Ok(())
}

/// SYNC: a full resync without the `+FULLRESYNC` line (the pre-PSYNC
/// protocol); the RDB follows when its BGSAVE ends.
fn sync(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    sync_generic(ctx, None)
}

/// PSYNC replid offset: `+CONTINUE <replid>` and the backlog from that
/// offset if we still hold it, else `+FULLRESYNC <replid> <offset>`.
fn psync(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let offset = std::str::from_utf8(&args[2]).ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or(-1);
    sync_generic(ctx, Some((&args[1], offset)))
}

fn sync_generic(ctx: &mut Ctx, psync: Option<(&[u8], i64)>) -> CmdResult {
    // Ignored from a client that is already a replica (Redis's syncCommand).
    if ctx.client.repl.as_ref().is_some_and(|l| l.is_replica()) {
        return Ok(());
    }
    // A replica whose own link is down has no stream to offer.
    if ctx.srv.repl.master.is_some() && !crate::server::replica::link_up(ctx.srv) {
        return Err(CmdError::text("NOMASTERLINK Can't SYNC while not connected with my master"));
    }
    if ctx.client.out.len() + ctx.client.obuf_pending > 0 {
        return Err(CmdError::err("SYNC and PSYNC are invalid with pending output"));
    }
    match repl::start_sync(ctx.srv, ctx.client, psync) {
        repl::SyncStart::Full(offset) => {
            if psync.is_some() {
                let line = format!("FULLRESYNC {} {}", ctx.srv.replid, offset);
                ctx.out().simple(&line);
            }
        }
        repl::SyncStart::Continue(backlog) => {
            // The replid only for a replica that announced `capa psync2`.
            let psync2 = ctx.client.repl.as_ref().is_some_and(|l| l.capa_psync2);
            let line = if psync2 { format!("CONTINUE {}", ctx.srv.replid) } else { "CONTINUE".to_string() };
            ctx.out().simple(&line);
            ctx.client.out.buf.extend_from_slice(&backlog);
        }
    }
    Ok(())
}

/// REPLCONF option value …: the options a replica sends a master, with
/// Redis 7.0's replies (`ACK` and `GETACK` answer nothing).
fn replconf(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    for pair in args[1..].chunks(2) {
        let (opt, val) = (&pair[0], &pair[1]);
        if is(opt, "listening-port") {
            let port = int(val)?;
            ctx.client.repl.get_or_insert_with(Default::default).listening_port = port;
        } else if is(opt, "ip-address") {
            if val.len() >= 46 {
                return Err(CmdError::err(format!(
                    "REPLCONF ip-address provided by replica instance is too long: {} bytes",
                    val.len()
                )));
            }
            ctx.client.repl.get_or_insert_with(Default::default).ip = Some(String::from_utf8_lossy(val).into_owned());
        } else if is(opt, "capa") {
            let link = ctx.client.repl.get_or_insert_with(Default::default);
            if is(val, "eof") {
                link.capa_eof = true;
            } else if is(val, "psync2") {
                link.capa_psync2 = true;
            }
        } else if is(opt, "ack") {
            let now = ctx.now();
            let Some(link) = ctx.client.repl.as_deref_mut().filter(|l| l.is_replica()) else {
                return Ok(());
            };
            let Ok(offset) = int(val) else {
                return Ok(());
            };
            if offset > link.ack_offset as i64 {
                link.ack_offset = offset as u64;
            }
            link.ack_time_ms = now;
            repl::serve_waiters(ctx.srv, Some(ctx.client));
            return Ok(());
        } else if is(opt, "getack") {
            // Our master asks for an ACK (`server::replica` sends it).
            crate::server::replica::getack(ctx.srv, ctx.client);
            return Ok(());
        } else if is(opt, "rdb-only") {
            let v = int(val).ok().filter(|v| (0..=1).contains(v));
            if v.is_none() {
                return Err(CmdError::err("value is out of range, must be positive"));
            }
        } else if is(opt, "rdb-filter-only") {
            for f in crate::util::split::split_args(val).unwrap_or_default() {
                if !f.eq_ignore_ascii_case(b"functions") {
                    return Err(CmdError::err(format!(
                        "Unsupported rdb-filter-only option: {}",
                        String::from_utf8_lossy(&f)
                    )));
                }
            }
        } else {
            return Err(CmdError::err(format!("Unrecognized REPLCONF option: {}", String::from_utf8_lossy(opt))));
        }
    }
    ctx.out().ok();
    Ok(())
}

/// REPLICAOF NO ONE: a master (again, keeping the data), `+OK`.
/// REPLICAOF host port: a replica of that master (`server::replica`
/// connects and syncs in the background).
fn replicaof(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if is(&args[1], "no") && is(&args[2], "one") {
        repl::unfollow(ctx.srv);
        ctx.out().ok();
        return Ok(());
    }
    if ctx.client.repl.as_ref().is_some_and(|l| l.is_replica()) {
        return Err(CmdError::err("Command is not valid when client is a replica."));
    }
    let port = match int(&args[2]) {
        Ok(port) if (0..=65535).contains(&port) => port,
        _ => return Err(CmdError::err("Invalid master port")),
    };
    let host = String::from_utf8_lossy(&args[1]).into_owned();
    if !repl::follow(ctx.srv, &host, port) {
        crate::log::notice(
            "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.",
        );
        ctx.out().simple("OK Already connected to specified master");
        return Ok(());
    }
    crate::log::notice(&format!("REPLICAOF {host}:{port} enabled (user request from 'id={}')", ctx.client.id));
    ctx.out().ok();
    Ok(())
}

/// WAIT numreplicas timeout: the number of replicas that acknowledged the
/// stream up to now (`master_repl_offset`; Redis uses the offset after the
/// client's own last write), at once if enough did (or the client may not
/// block), else when enough have or the timeout passes (0: never). While
/// it waits, replicas are asked for an ACK.
fn wait(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if ctx.srv.repl.master.is_some() {
        return Err(CmdError::err(
            "WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is \
             configured to be writable (which is not the default) writes to replicas are just local and are not \
             propagated.",
        ));
    }
    let replicas = int(&args[1])?;
    let timeout = timeout_ms(&args[2], ctx.now())?;
    let offset = ctx.srv.repl.offset;
    let acked = repl::acked(ctx.srv, offset, Some(ctx.client));
    if acked >= replicas || !ctx.may_block() {
        ctx.out().int(acked);
        return Ok(());
    }
    ctx.block_until_timeout(args, timeout, acked);
    let id = ctx.client.id;
    ctx.srv.repl.waiters.retain(|w| w.client != id);
    ctx.srv.repl.waiters.push(repl::Waiter { client: id, offset, replicas });
    repl::request_acks(ctx.srv);
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
