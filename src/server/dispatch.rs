//! From a decoded request to a reply: command lookup, existence and arity
//! checks, authentication, ACL permissions, MULTI queueing, then the handler; errors are
//! written and counted here, in one place. After each top-level command the
//! keyspace's records are acted on: clients whose WATCHed keys were touched
//! are flagged, and clients blocked on keys that got values are served.
//! Every rule comes from the command table. With `maxmemory` set, keys are
//! evicted before each command, and commands that may grow memory are
//! refused while it stays over the limit (`oom_check`). While a script is
//! busy (`server::busy`), commands not flagged `allow_busy` get BUSY.
//! While clients are paused, a command that passed every check may be
//! postponed instead of run (`server::pause`).

use bytes::Bytes;

use super::Server;
use super::acl::{Denied, LogEntry, Reason};
use super::blocking;
use super::client::{Client, ReplyMode};
use super::memory;
use super::pause;
use super::tracking;
use crate::commands::{self, CmdError, Ctx, arity_ok, flags};
use crate::util::time::unix_us;

/// Resolves `args` to a table entry id, or the error Redis gives.
pub fn resolve(args: &[Bytes]) -> Result<usize, CmdError> {
    let t = commands::table();
    let Some(id) = t.lookup(&args[0]) else {
        return Err(unknown_command(args));
    };
    let spec = t.entries[id].spec;
    if spec.subcommands.is_empty() || args.len() == 1 {
        return Ok(id);
    }
    t.lookup_sub(id, &args[1]).ok_or_else(|| CmdError::UnknownSubcommand {
        sub: truncate(&args[1], 128),
        container: spec.name.to_ascii_uppercase(),
    })
}

/// An argument as Redis's `%.<max>s` prints it: at most `max` bytes, and
/// nothing from the first NUL on.
fn truncate(arg: &[u8], max: usize) -> Vec<u8> {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len()).min(max);
    arg[..end].to_vec()
}

fn unknown_command(args: &[Bytes]) -> CmdError {
    let mut list = Vec::new();
    for a in &args[1..] {
        if list.len() >= 128 {
            break;
        }
        let room = 128 - list.len();
        list.push(b'\'');
        list.extend_from_slice(&truncate(a, room));
        list.extend_from_slice(b"' ");
    }
    CmdError::UnknownCommand { name: truncate(&args[0], 128), args: list }
}

/// Runs one request for `client` (a top-level command from its connection)
/// and appends its reply to `client.out`.
pub fn execute(srv: &mut Server, client: &mut Client, args: &[Bytes]) {
    let started = *srv.clock_us.get_or_insert_with(unix_us);
    srv.now_ms = started / 1000;
    if srv.pause.active() {
        pause::check_timeout(srv);
    }
    client.push_ranges.clear();
    // Client-side caching (`server::tracking`): a test of a flag when unused.
    let tracking = srv.tracking_on;
    let tracking_prev = if tracking { tracking::enter(srv, client) } else { tracking::Saved::NONE };
    let mode_before = client.reply_mode;
    if client.reply_mode == ReplyMode::Skip {
        client.reply_mode = ReplyMode::SkipThis;
    }
    let reply_start = client.out.len();
    let checked = check(srv, client, args).and_then(|id| oom_check(srv, client, id, args).map(|()| id));
    if tracking && checked.is_ok() {
        tracking::before_run(srv, client);
    }
    match checked {
        Err((id, e)) => reject(srv, client, id, &e, args),
        Ok(id) if srv.pause.active() && pause::holds_back(srv, client, id, args) => {
            // Nothing ran: the command is processed again, from the start,
            // when the pause ends.
            client.reply_mode = mode_before;
            pause::postpone(srv, client, id, args);
            if tracking || srv.tracking_on {
                tracking::leave(srv, client, tracking_prev);
            }
            return;
        }
        Ok(id) => {
            let spec = commands::table().entries[id].spec;
            if client.multi.is_some() && !spec.has(flags::TX_CONTROL) {
                queue(client, id, args);
            } else {
                run(srv, client, id, args, true, started);
                if client.blocked.is_some() {
                    blocking::register(srv, client);
                }
            }
        }
    }
    finish_reply(client, reply_start);
    // (Also when this command turned tracking on: CLIENT TRACKING ON.)
    if tracking || srv.tracking_on {
        tracking::end_command(srv, client, tracking_prev);
    }
    // While a script is busy, blocked clients wait for it to end (its
    // writes are served by the EVAL's own `after_command`).
    if !srv.scripting.busy() {
        after_command(srv, client);
    }
}

/// The answer to commands that may grow memory past `maxmemory`.
pub const OOM: CmdError = CmdError::text("OOM command not allowed when used memory > 'maxmemory'.");

/// The checks Redis makes before running a command, in Redis's order.
fn check(srv: &mut Server, client: &Client, args: &[Bytes]) -> Result<usize, (Option<usize>, CmdError)> {
    let id = resolve(args).map_err(|e| (None, e))?;
    let entry = &commands::table().entries[id];
    let spec = entry.spec;
    if !arity_ok(spec.arity, args.len()) {
        return Err((Some(id), CmdError::WrongArity(entry.fullname.clone())));
    }
    if srv.auth_required() && !client.authenticated && !spec.has(flags::NO_AUTH) {
        return Err((Some(id), CmdError::NoAuth));
    }
    if client.multi.is_some() && spec.has(flags::NO_MULTI) {
        return Err((Some(id), CmdError::err("Command not allowed inside a transaction")));
    }
    if let Err(denied) = srv.acl.check(&client.user, id, args) {
        return Err((Some(id), acl_denied(srv, client, id, args, denied)));
    }
    // EXEC counts as write (or as not loading-safe) if a queued command is.
    let exec_queued = |test: fn(&commands::CommandSpec) -> bool| {
        entry.fullname == "exec"
            && client
                .multi
                .as_ref()
                .is_some_and(|m| m.queue.iter().any(|(q, _)| test(commands::table().entries[*q].spec)))
    };
    if (spec.has(flags::WRITE) || entry.fullname == "ping" || exec_queued(|s| s.has(flags::WRITE)))
        && super::save::writes_denied(srv)
    {
        return Err((Some(id), CmdError::text(super::save::MISCONF)));
    }
    // The AOF cannot be written (`server::aof`): Redis's MISCONF for it.
    // (The AOF on implies propagation: one test of a flag when unused.)
    if srv.repl.propagate
        && !srv.aof.writes_ok()
        && (spec.has(flags::WRITE) || entry.fullname == "ping" || exec_queued(|s| s.has(flags::WRITE)))
        && let Some(e) = super::aof::write_error(srv)
    {
        return Err((Some(id), CmdError::Other(e.into())));
    }
    // No replicas can ever be good here: with `min-replicas-to-write` set,
    // writes (and an EXEC holding one) are refused, as Redis without replicas.
    if srv.replicas_missing && (spec.has(flags::WRITE) || exec_queued(|s| s.has(flags::WRITE))) {
        return Err((Some(id), CmdError::text("NOREPLICAS Not enough good replicas to write.")));
    }
    // A replica (`server::replica`): READONLY, and MASTERDOWN while the
    // link is down.
    if srv.repl.master.is_some() {
        let write = spec.has(flags::WRITE) || exec_queued(|s| s.has(flags::WRITE));
        let deny_stale = !spec.has(flags::STALE) || exec_queued(|s| !s.has(flags::STALE));
        if let Some(e) = super::replication::as_replica_refuses(srv, write, deny_stale) {
            return Err((Some(id), e));
        }
    }
    if super::pubsub::resp2_subscribed(client) && !super::pubsub::allowed_in_subscribed_mode(&entry.fullname) {
        return Err((
            Some(id),
            CmdError::Other(
                format!(
                    "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed \
                     in this context",
                    entry.fullname
                )
                .into(),
            ),
        ));
    }
    if srv.persist.loading.is_some() && (!spec.has(flags::LOADING) || exec_queued(|s| !s.has(flags::LOADING))) {
        return Err((Some(id), CmdError::text("LOADING Redis is loading the dataset in memory")));
    }
    if srv.scripting.busy() && !spec.has(flags::ALLOW_BUSY) {
        return Err((Some(id), srv.scripting.busy_error()));
    }
    Ok(id)
}

/// The maxmemory step of Redis's `processCommand`: evict first; if memory
/// stays over the limit with nothing left to evict, refuse a command that
/// may grow memory (flagged DENYOOM, an EXEC whose transaction holds one,
/// and anything queued inside MULTI except EXEC, DISCARD, QUIT and RESET).
/// Scripts declare with their flags whether they may grow memory
/// (`scripting::denies_oom`). Not while a script is busy: the commands
/// served meanwhile do not evict.
fn oom_check(
    srv: &mut Server,
    client: &mut Client,
    id: usize,
    args: &[Bytes],
) -> Result<(), (Option<usize>, CmdError)> {
    if srv.config.maxmemory == 0 || srv.scripting.busy() {
        return Ok(());
    }
    let evicted = srv.stats.evicted_keys;
    let out_of_memory = memory::perform_evictions(srv) == memory::Evict::Fail;
    if srv.stats.evicted_keys != evicted {
        flag_touched_watchers(srv, client);
        // Before the command runs, so before its reply (as Redis).
        if srv.tracking_on {
            tracking::drain(srv, Some(client), false, 0);
        }
    }
    if out_of_memory {
        let entry = &commands::table().entries[id];
        let mut refuse = entry.spec.has(flags::DENYOOM) || crate::scripting::denies_oom(srv, entry.spec, args);
        if let Some(m) = &client.multi {
            let name = entry.fullname.as_str();
            refuse |= !matches!(name, "exec" | "discard" | "quit" | "reset");
            refuse |=
                name == "exec" && m.queue.iter().any(|(q, _)| commands::table().entries[*q].spec.has(flags::DENYOOM));
        }
        if refuse {
            return Err((Some(id), OOM));
        }
    }
    srv.evict.pre_command_oom = out_of_memory;
    Ok(())
}

/// A command the client's user may not run: logged in the ACL log, and
/// answered with Redis's NOPERM text.
fn acl_denied(srv: &mut Server, client: &Client, id: usize, args: &[Bytes], denied: Denied) -> CmdError {
    let mut info = String::new();
    client.write_info_line(
        &mut info,
        Some(&commands::table().entries[id].fullname),
        args.iter().map(|a| a.len()).sum(),
    );
    let context = if client.multi.is_some() { "multi" } else { "toplevel" };
    acl_log(srv, &client.user, info, context, id, args, denied)
}

/// Logs a denial in the ACL log (`client_info` describes the client that
/// sent the command: for a script, its caller) and returns the NOPERM error
/// a top-level command gets.
pub fn acl_log(
    srv: &mut Server,
    user: &str,
    client_info: String,
    context: &'static str,
    id: usize,
    args: &[Bytes],
    denied: Denied,
) -> CmdError {
    let fullname = &commands::table().entries[id].fullname;
    let (reason, object, err) = match denied {
        Denied::Cmd => (
            Reason::Command,
            fullname.clone(),
            CmdError::Other(format!("NOPERM this user has no permissions to run the '{fullname}' command").into()),
        ),
        Denied::Key(p) => (
            Reason::Key,
            String::from_utf8_lossy(&args[p]).into_owned(),
            CmdError::text("NOPERM this user has no permissions to access one of the keys used as arguments"),
        ),
        Denied::Channel(p) => (
            Reason::Channel,
            String::from_utf8_lossy(&args[p]).into_owned(),
            CmdError::text("NOPERM this user has no permissions to access one of the channels used as arguments"),
        ),
    };
    let entry =
        LogEntry { count: 1, reason, context, object, username: user.to_string(), ctime_ms: srv.now_ms, client_info };
    let max = srv.config.acllog_max_len as usize;
    srv.acl.log_denial(entry, max);
    err
}

/// A command refused before running: counted, answered, and inside MULTI it
/// dooms the transaction (EXECABORT). A refused EXEC discards the
/// transaction and says why (Redis's `execCommandAbort`).
fn reject(srv: &mut Server, client: &mut Client, id: Option<usize>, e: &CmdError, args: &[Bytes]) {
    client.last_cmd = id;
    if let Some(id) = id {
        srv.stats.command(id).rejected_calls += 1;
        if commands::table().entries[id].fullname == "exec" {
            commands::transactions::discard_transaction(srv, client);
            // Redis formats these errors without the ERR code.
            let msg = e.wire();
            let why = msg.strip_prefix(b"ERR ").unwrap_or(&msg);
            let mut text = b"EXECABORT Transaction discarded because of: ".to_vec();
            text.extend_from_slice(why);
            srv.stats.error(&text);
            client.out.error(&text);
            // MONITOR saw MULTI: it sees the transaction end.
            super::monitor::feed(srv, client, args);
            return;
        }
    }
    if let Some(m) = client.multi.as_mut() {
        m.failed = true;
    }
    reply_error(srv, client, e);
}

/// Inside MULTI: queue the command and answer `+QUEUED`. Like Redis, a
/// transaction already doomed keeps answering QUEUED without storing.
fn queue(client: &mut Client, id: usize, args: &[Bytes]) {
    let doomed = client.dirty_cas;
    let m = client.multi.as_mut().expect("in MULTI");
    if !m.failed && !doomed {
        m.queued_bytes += args.iter().map(|a| a.len()).sum::<usize>();
        m.queue.push((id, args.to_vec()));
    }
    client.out.simple("QUEUED");
}

/// Runs a resolved command's handler and keeps the books: command stats,
/// error replies, and WATCH bookkeeping for the keys it looked up to write.
/// EXEC and scripts use it to run their commands.
pub fn call(srv: &mut Server, client: &mut Client, id: usize, args: &[Bytes]) {
    run(srv, client, id, args, true, unix_us());
}

/// Runs a blocked client's command again to serve it. Redis counts a
/// blocking command once, when it is called: the serving run adds its time
/// (and a failure, if it fails) but not another call.
pub fn call_again(srv: &mut Server, client: &mut Client, id: usize, args: &[Bytes]) {
    // The served client is Redis's current client meanwhile: invalidations
    // of its own keys follow its reply.
    let tracking_prev = if srv.tracking_on { Some(tracking::enter(srv, client)) } else { None };
    run(srv, client, id, args, false, unix_us());
    if let Some(prev) = tracking_prev {
        tracking::leave(srv, client, prev);
    }
}

/// Runs a command read from the AOF (Redis's `loadSingleAppendOnlyFile`):
/// no checks, commands after MULTI are queued, the reply is dropped, the
/// call is not counted. False for an unknown command.
pub fn run_loaded(srv: &mut Server, client: &mut Client, args: &[Bytes]) -> bool {
    let Ok(id) = resolve(args) else { return false };
    let spec = commands::table().entries[id].spec;
    if client.multi.is_some() && !spec.has(flags::TX_CONTROL) {
        queue(client, id, args);
    } else {
        run(srv, client, id, args, false, unix_us());
    }
    client.out.buf.clear();
    true
}

/// Runs a command from our master (`server::replica`; Redis's
/// `mustObeyClient` path of `processCommand`): no ACL, READONLY, OOM or
/// MISCONF checks, CLIENT PAUSE may postpone it (`Client::postponed`),
/// commands after MULTI are queued, expired keys are live
/// to it (the master's DEL removes them), the reply is left in
/// `client.out` for the caller to drop. Watchers and blocked clients are
/// served after it, as after any command.
pub fn execute_obeyed(srv: &mut Server, client: &mut Client, args: &[Bytes]) {
    let started = *srv.clock_us.get_or_insert_with(unix_us);
    srv.now_ms = started / 1000;
    let id = match resolve(args) {
        Ok(id) if arity_ok(commands::table().entries[id].spec.arity, args.len()) => id,
        Ok(id) => {
            let e = CmdError::WrongArity(commands::table().entries[id].fullname.clone());
            return reject(srv, client, Some(id), &e, args);
        }
        Err(e) => return reject(srv, client, None, &e, args),
    };
    // CLIENT PAUSE holds the master's commands too, as Redis 7.0 does
    // (only replicas are never paused): the caller runs it again later.
    if srv.pause.active() && pause::holds_back(srv, client, id, args) {
        pause::postpone(srv, client, id, args);
        return;
    }
    let spec = commands::table().entries[id].spec;
    if client.multi.is_some() && !spec.has(flags::TX_CONTROL) {
        queue(client, id, args);
        return;
    }
    for db in &mut srv.keyspace.dbs {
        db.obey_master = true;
    }
    run(srv, client, id, args, true, started);
    for db in &mut srv.keyspace.dbs {
        db.obey_master = false;
    }
    after_command(srv, client);
}

/// Runs the handler; `started` is a clock reading (Unix µs) taken just
/// before. The reading at the end times the command and is kept in
/// `srv.clock_us` as the start of the next command of the same batch, so a
/// pipelined command costs one clock read (Redis's `call` takes two).
fn run(srv: &mut Server, client: &mut Client, id: usize, args: &[Bytes], count_call: bool, started: u64) {
    let spec = commands::table().entries[id].spec;
    let dirty_before = srv.dirty;
    client.last_cmd = Some(id);
    // Replication (`server::replication`): one test when no replica ever
    // attached.
    let repl = if srv.repl.propagate { Some(super::replication::before_call(srv)) } else { None };
    let reply_start = client.out.len();
    let result = (spec.handler)(&mut Ctx { srv, client }, args);
    if let Some(saved) = repl {
        // As Redis's `call`: a command that lowered `dirty` (SAVE, DEBUG
        // RELOAD/LOADAOF reset it) changed nothing to propagate.
        super::replication::after_call(srv, client, args, srv.dirty > dirty_before, saved);
    }
    let ended = unix_us();
    srv.clock_us = Some(ended);
    if count_call && !srv.monitors.is_empty() && !spec.has(flags::SKIP_MONITOR | flags::ADMIN) {
        super::monitor::feed(srv, client, args);
    }
    let usec = ended.saturating_sub(started);
    // A command that blocked is logged when it is served (`call_again`).
    if client.blocked.is_none() && !spec.has(flags::SKIP_SLOWLOG) {
        let peer = if client.script { "?:0" } else { client.addr.as_str() };
        srv.slowlog.push_if_slow(&srv.config, args, usec, ended / 1_000_000, peer, client.name.as_ref());
    }
    let threshold = srv.config.latency_monitor_threshold;
    if threshold > 0 && (usec / 1000) as i64 >= threshold {
        let event = if spec.has(flags::FAST) { "fast-command" } else { "command" };
        srv.latency_monitor.add(event, usec / 1000, (ended / 1_000_000) as i64);
    }
    let stat = srv.stats.command(id);
    stat.calls += u64::from(count_call);
    stat.usec += usec;
    srv.stats.record_latency(id, usec);
    if let Err(e) = result {
        srv.stats.command(id).failed_calls += 1;
        reply_error(srv, client, &e);
    }
    if let Some(b) = client.blocked.as_mut().filter(|b| b.cmd == usize::MAX) {
        b.cmd = id;
    }
    srv.stats.total_commands += u64::from(count_call);
    srv.stats.update_peak_memory();
    let changed = srv.dirty != dirty_before;
    for db in &mut srv.keyspace.dbs {
        db.end_command(changed);
    }
    if srv.tracking_on {
        tracking::after_run(srv, client, id, args, reply_start);
    }
}

fn reply_error(srv: &mut Server, client: &mut Client, e: &CmdError) {
    let msg = e.wire();
    srv.stats.error(&msg);
    client.out.error(&msg);
}

/// Applies CLIENT REPLY OFF/SKIP by dropping what the command wrote.
/// Pushes (Pub/Sub) are kept, as Redis's `CLIENT_PUSHING` does.
fn finish_reply(client: &mut Client, reply_start: usize) {
    match client.reply_mode {
        ReplyMode::On | ReplyMode::Skip => {}
        ReplyMode::Off => drop_reply(client, reply_start),
        ReplyMode::SkipThis => {
            drop_reply(client, reply_start);
            client.reply_mode = ReplyMode::On;
        }
    }
    client.push_ranges.clear();
}

fn drop_reply(client: &mut Client, reply_start: usize) {
    if client.push_ranges.is_empty() {
        client.out.buf.truncate(reply_start);
        return;
    }
    let kept: Vec<u8> = client
        .push_ranges
        .iter()
        .filter(|&&(s, _)| s >= reply_start)
        .flat_map(|&(s, e)| client.out.buf[s..e].iter().copied())
        .collect();
    client.out.buf.truncate(reply_start);
    client.out.buf.extend_from_slice(&kept);
}

/// After a top-level command: flag clients whose watched keys were touched,
/// then serve clients blocked on keys that got values.
pub fn after_command(srv: &mut Server, client: &mut Client) {
    super::notify::flush_table_events(srv, Some(client));
    super::pubsub::deliver_deferred(srv, client);
    if srv.tracking_on {
        tracking::deliver_deferred(srv, Some(client));
    }
    if !srv.keyspace.dbs.iter().any(|db| db.interest.has_events()) {
        return;
    }
    flag_touched_watchers(srv, client);
    blocking::serve_ready(srv, client);
    // Keys found expired while serving blocked clients.
    super::replication::after_cron(srv);
}

/// Sets `dirty_cas` on every client whose watched key was touched.
pub fn flag_touched_watchers(srv: &mut Server, current: &mut Client) {
    for db in 0..srv.keyspace.dbs.len() {
        let touched = std::mem::take(&mut srv.keyspace.dbs[db].interest.touched_clients);
        for id in touched {
            if id == current.id {
                current.dirty_cas = true;
            } else if let Some(mut other) = srv.clients.get(id).and_then(|slot| slot.state.try_borrow_mut().ok()) {
                other.dirty_cas = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    #[test]
    fn unknown_command_text() {
        let e = resolve(&args(&["foo", "a", "b"])).unwrap_err();
        assert_eq!(e.to_string(), "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
        let e = resolve(&args(&["foo"])).unwrap_err();
        assert_eq!(e.to_string(), "ERR unknown command 'foo', with args beginning with: ");
    }
}
