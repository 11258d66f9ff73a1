//! MIGRATE: moves keys to another instance as RESTORE commands carrying
//! DUMP payloads, then deletes them here (unless COPY), as Redis 7.0's
//! `migrateCommand` does: synchronously, with the command's timeout on
//! each step, over a connection cached per target (`server::migrate`).
//! Propagated as `DEL` of the keys the target acknowledged.

use std::time::Duration;

use bytes::Bytes;

use super::args::is;
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group, acl};
use crate::config::notify as N;
use crate::keyspace::Access;
use crate::persistence::dump;
use crate::protocol::writer::encode_command;
use crate::server::migrate::{ConnectError, timed_out};
use crate::server::replication::word;
use crate::util::number::parse_i64;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("migrate", -6, WRITE, Group::Generic, migrate)
    .keys(3, 3, 1)
    .getkeys(migrate_keys)
    .acl(acl::DANGEROUS)
    .doc(
        "2.6.0",
        "Atomically transfer a key from a Redis instance to another one.",
        "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. \
         See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances \
         is performed.",
        "host port <key | \"\"> destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2 username password] \
         [KEYS key [key ...]]",
    )];

/// The key argument, or with KEYS the keys after it (`migrateGetKeys`).
fn migrate_keys(args: &[Bytes]) -> Vec<usize> {
    let mut j = 6;
    while j < args.len() {
        if is(&args[j], "keys") && args[3].is_empty() {
            return (j + 1..args.len()).collect();
        }
        j += 1;
    }
    vec![3]
}

struct Options<'a> {
    copy: bool,
    replace: bool,
    /// AUTH password, or AUTH2 username password.
    auth: Option<(Option<&'a Bytes>, &'a Bytes)>,
    keys: &'a [Bytes],
}

fn parse_options(args: &[Bytes]) -> Result<Options<'_>, CmdError> {
    let mut o = Options { copy: false, replace: false, auth: None, keys: &args[3..4] };
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let a = &args[j];
        if is(a, "copy") {
            o.copy = true;
        } else if is(a, "replace") {
            o.replace = true;
        } else if is(a, "auth") {
            if more == 0 {
                return Err(CmdError::Syntax);
            }
            o.auth = Some((None, &args[j + 1]));
            j += 1;
        } else if is(a, "auth2") {
            if more < 2 {
                return Err(CmdError::Syntax);
            }
            o.auth = Some((Some(&args[j + 1]), &args[j + 2]));
            j += 2;
        } else if is(a, "keys") {
            if !args[3].is_empty() {
                return Err(CmdError::err(
                    "When using MIGRATE KEYS option, the key argument must be set to the empty string",
                ));
            }
            o.keys = &args[j + 1..];
            break;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

fn long_arg(a: &[u8]) -> Result<i64, CmdError> {
    parse_i64(a).ok_or(CmdError::NotInteger)
}

/// Why an attempt failed on the socket.
enum SocketError {
    Writing { timed_out: bool },
    Reading { timed_out: bool },
}

/// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH ..|AUTH2 ..] [KEYS key ..]
fn migrate(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let o = parse_options(args)?;
    let mut timeout = long_arg(&args[5])?;
    let dbid = long_arg(&args[4])?;
    if timeout <= 0 {
        timeout = 1000;
    }
    let timeout = Duration::from_millis(timeout as u64);
    let now = ctx.now();
    let keys: Vec<&Bytes> = {
        let db = ctx.db();
        o.keys.iter().filter(|k| db.lookup(k, now, Access::Read).is_some()).collect()
    };
    if keys.is_empty() {
        ctx.out().simple("NOKEY");
        return Ok(());
    }
    let (host, port) = (&args[1], &args[2]);
    let mut may_retry = true;
    loop {
        let failure = match attempt(ctx, &o, &keys, host, port, dbid, timeout) {
            Ok(reply) => return reply,
            Err(f) => f,
        };
        ctx.srv.migrate_targets.close(host, port);
        let (what, timed_out) = match failure {
            SocketError::Writing { timed_out } => ("writing", timed_out),
            SocketError::Reading { timed_out } => ("reading", timed_out),
        };
        if !timed_out && may_retry {
            may_retry = false;
            continue;
        }
        return Err(CmdError::Other(format!("IOERR error or timeout {what} to target instance").into()));
    }
}

/// One try over the (cached) connection. `Err` is a socket failure before
/// anything was acknowledged, which the caller may retry once.
fn attempt(
    ctx: &mut Ctx,
    o: &Options<'_>,
    keys: &[&Bytes],
    host: &Bytes,
    port: &Bytes,
    dbid: i64,
    timeout: Duration,
) -> Result<CmdResult, SocketError> {
    let now_secs = ctx.srv.now_ms / 1000;
    let target = match ctx.srv.migrate_targets.get(host, port, timeout, now_secs) {
        Ok(target) => target,
        Err(ConnectError::Resolve) => {
            return Ok(Err(CmdError::text("IOERR error or timeout connecting to the client")));
        }
        Err(ConnectError::Connect(e)) => return Err(SocketError::Writing { timed_out: timed_out(&e) }),
    };
    let select = target.last_dbid != dbid;
    let mut cmd = Vec::new();
    if let Some((user, password)) = o.auth {
        let mut argv = vec![word("AUTH")];
        argv.extend(user.cloned());
        argv.push(password.clone());
        encode_command(&mut cmd, &argv);
    }
    if select {
        encode_command(&mut cmd, &[word("SELECT"), Bytes::from(dbid.to_string())]);
    }
    // The RESTOREs, for keys still not expired; a TTL is relative, at least 1 ms.
    let compress = ctx.srv.config.rdbcompression;
    let now_ms = crate::util::time::unix_ms();
    let mut sent: Vec<&Bytes> = Vec::with_capacity(keys.len());
    for &key in keys {
        let Some(e) = ctx.srv.keyspace.dbs[ctx.client.db].peek(key) else { continue };
        let ttl = match e.expire() {
            Some(at) if at < now_ms => continue,
            Some(at) => (at - now_ms).max(1),
            None => 0,
        };
        let payload = Bytes::from(dump::create(&e.value, compress));
        let mut argv = vec![word("RESTORE"), key.clone(), Bytes::from(ttl.to_string()), payload];
        if o.replace {
            argv.push(word("REPLACE"));
        }
        encode_command(&mut cmd, &argv);
        sent.push(key);
    }
    let target = ctx.srv.migrate_targets.get(host, port, timeout, now_secs).ok().expect("connected above");
    target.write_all(&cmd, timeout).map_err(|e| SocketError::Writing { timed_out: timed_out(&e) })?;
    let reading = |e: std::io::Error| SocketError::Reading { timed_out: timed_out(&e) };
    let auth_reply = match o.auth {
        Some(_) => Some(target.read_line(timeout).map_err(reading)?),
        None => None,
    };
    let select_reply = if select { Some(target.read_line(timeout).map_err(reading)?) } else { None };
    let setup_error = [&auth_reply, &select_reply].into_iter().flatten().find(|l| l[0] == b'-').cloned();
    let mut target_error: Option<Vec<u8>> = None;
    let mut acknowledged: Vec<Bytes> = Vec::new();
    let mut socket_error = None;
    for (i, key) in sent.iter().enumerate() {
        let line = match target.read_line(timeout) {
            Ok(line) => line,
            Err(e) => {
                socket_error = Some((i, e));
                break;
            }
        };
        if let Some(err) = setup_error.as_ref().or((line[0] == b'-').then_some(&line)) {
            if target_error.is_none() {
                target.last_dbid = -1;
                target_error = Some(err.clone());
            }
        } else if !o.copy {
            acknowledged.push((*key).clone());
        }
    }
    if let Some((0, e)) = &socket_error
        && target_error.is_none()
    {
        return Err(reading(std::io::Error::from(e.kind())));
    }
    if socket_error.is_some() {
        ctx.srv.migrate_targets.close(host, port);
    } else if target_error.is_none() {
        let target = ctx.srv.migrate_targets.get(host, port, timeout, now_secs).ok().expect("connected above");
        target.last_dbid = dbid;
    }
    // The target has the acknowledged keys: they go here.
    let now = ctx.now();
    for key in &acknowledged {
        ctx.db().remove(key, now);
        ctx.notify(N::GENERIC, "del", key);
        ctx.srv.dirty += 1;
    }
    if !acknowledged.is_empty() {
        let mut del = vec![word("DEL")];
        del.extend(acknowledged);
        ctx.propagate_as(del);
    }
    if let Some(err) = target_error {
        return Ok(Err(CmdError::err(format!(
            "Target instance replied with error: {}",
            String::from_utf8_lossy(&err[1..])
        ))));
    }
    if socket_error.is_some() {
        // Keys may be gone already: no retry, only the error.
        return Ok(Err(CmdError::text("IOERR error or timeout reading to target instance")));
    }
    ctx.out().ok();
    Ok(Ok(()))
}
