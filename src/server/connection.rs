//! One task per connection, looping over three steps:
//!
//! 1. run the complete requests in the query buffer (unless the client is
//!    blocked or its command postponed by CLIENT PAUSE; a command released
//!    by the pause's end runs first), with one borrow of the server state
//!    for the whole batch;
//! 2. hand the replies to the socket: when no write is in flight, the output
//!    buffer is swapped out and written as one batch (other clients'
//!    commands keep appending to the client's buffer meanwhile: served
//!    blocked-client replies, pub/sub messages);
//! 3. wait for the write to progress, more input, a wake-up from another
//!    client's command, or a deadline (blocked client timeout, soft output
//!    limit).
//!
//! The query buffer, decoder and output buffer live in `Client` and the
//! socket in its `ClientSlot`, so that while a script is busy the server can
//! answer this connection without its task (`server::busy`); the task then
//! carries on from whatever the buffers hold. (The batch in flight stays
//! with the task: `server::busy` writes the output buffer only when no
//! batch is in flight, so replies keep their order.)
//!
//! Output limits (`client-output-buffer-limit`, per client class): the
//! bytes not yet written (the batch in flight plus the buffer) are checked
//! after every command and whenever the task wakes. Past the hard limit, or
//! past the soft limit for longer than its seconds, the client is closed at
//! once, as Redis does. While a write is in flight the task keeps reading
//! and running requests, so a client that pipelines without reading grows
//! its output until its limit cuts it off; it stops reading (and running)
//! only at a stall point — the hard limit if there is one, else the soft
//! limit, else 1 MiB — so memory stays bounded even with no limit set
//! (Redis's default for normal clients), where Redis would let it grow.
//!
//! On disconnect the client is removed everywhere it is registered (watched
//! keys, blocking queues) without losing anything: a blocked client that
//! goes away was never handed an item.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};

use super::client::{Client, ClientType, Postponed};
use super::clients::ClientSlot;
use super::{Server, blocking, dispatch};
use crate::config::{Config, ObufClass};
use crate::protocol::decode::Limits;
use crate::protocol::peek::second_args;

/// Free space guaranteed in the query buffer before each read (Redis's 16 KiB).
const READ_CHUNK: usize = 16 * 1024;
/// An output buffer that grew beyond this is released after its write.
const KEEP_OUTPUT_CAPACITY: usize = 1024 * 1024;
/// The argument vector is reallocated after a request longer than this.
const KEEP_ARGS_CAPACITY: usize = 1024;
/// Redis's `PROTO_RESIZE_THRESHOLD`: a busy client's query buffer is
/// trimmed only above this size.
const RESIZE_THRESHOLD: usize = 32 * 1024;

/// Gives back query buffer space a client no longer uses (Redis's
/// `clientsCronResizeQueryBuffer`, once a second): all of it after two
/// seconds idle, else what is beyond twice the most it held recently.
/// Returns the bytes released.
pub fn resize_query_buffer(client: &mut Client, now_ms: u64) -> usize {
    let (len, cap) = (client.query.len(), client.query.capacity().max(client.query_alloc));
    let mut released = 0;
    if cap - len > 4 * 1024 {
        let idle = now_ms.saturating_sub(client.last_interaction_ms) / 1000 > 2;
        let keep = if idle {
            Some(len)
        } else if cap > RESIZE_THRESHOLD && cap / 2 > client.query_peak {
            Some(len.max(client.query_peak))
        } else {
            None
        };
        if let Some(keep) = keep {
            let mut fresh = BytesMut::with_capacity(keep);
            fresh.extend_from_slice(&client.query);
            client.query = fresh;
            released = cap - client.query.capacity();
            client.query_buf_len = len;
            client.query_buf_free = client.query.capacity() - len;
        }
    }
    client.query_peak = len;
    client.query_alloc = client.query.capacity();
    released
}
/// Unwritten output at which a client with no output limit stops being
/// read (and served) until its socket drains.
const DEFAULT_STALL: usize = 1024 * 1024;
/// Output that never counts toward the limits: Redis's per-client static
/// reply buffer (`PROTO_REPLY_CHUNK_BYTES`), which its limits leave out.
const STATIC_REPLY_BUF: usize = 16 * 1024;

/// What the task does after running the buffered requests.
struct Step {
    /// Close without writing (CLIENT KILL, a limit reached).
    close_now: bool,
    /// Close once the pending replies are written (QUIT, protocol error).
    close_after_write: bool,
    /// The blocked client's deadline, if it is blocked with a timeout.
    deadline: Option<Instant>,
    /// When the soft output limit will have been exceeded for too long.
    soft_deadline: Option<Instant>,
    /// Below the stall point: read more requests.
    may_read: bool,
}

pub async fn serve(server: Rc<RefCell<Server>>, slot: Rc<ClientSlot>) {
    let mut pending = BytesMut::new();
    let mut pending_big = false;
    let mut args: Vec<Bytes> = Vec::new();
    loop {
        let step = {
            let mut srv = server.borrow_mut();
            let mut client = slot.state.borrow_mut();
            client.obuf_pending = pending.len();
            let stall = stall_point(&srv.config, &client);
            run_buffered(&mut srv, &mut client, &mut args, stall);
            // Redis's `beforeSleep`: the AOF is written before the replies.
            if super::aof::needs_flush(&srv) {
                super::aof::write_buf(&mut srv, false);
            }
            if srv.tracking_on {
                // Redis's `beforeSleep`: BCAST invalidations once per batch.
                super::tracking::broadcast(&mut srv, Some(&mut client));
                super::tracking::deliver_deferred(&mut srv, Some(&mut client));
            }
            if pending.is_empty() && !client.out.buf.is_empty() {
                if pending.capacity() > KEEP_OUTPUT_CAPACITY {
                    pending = BytesMut::new();
                }
                std::mem::swap(&mut client.out.buf, &mut pending);
                client.obuf_pending = pending.len();
                pending_big = pending.len() > KEEP_OUTPUT_CAPACITY;
            }
            close_if_over_limit(&srv.config, &mut client);
            Step {
                close_now: client.close_asap,
                close_after_write: client.close_after_reply,
                deadline: client.blocked.as_ref().and_then(|b| b.deadline),
                soft_deadline: soft_deadline(&srv.config, &client),
                may_read: !client.close_after_reply && client.out.len() + pending.len() < stall,
            }
        };
        if step.close_now || (step.close_after_write && pending.is_empty()) {
            break;
        }
        let deadline = step.deadline.map(tokio::time::Instant::from_std);
        let soft = step.soft_deadline.map(tokio::time::Instant::from_std);
        tokio::select! {
            biased;
            _ = slot.wake.notified() => {}
            () = sleep_until(deadline) => {
                let mut srv = server.borrow_mut();
                let mut client = slot.state.borrow_mut();
                blocking::time_out(&mut srv, &mut client);
            }
            // Wakes the loop to apply the soft limit.
            () = sleep_until(soft) => {}
            ready = slot.stream.writable(), if !pending.is_empty() => {
                if ready.is_err() || !write_some(&server, &slot, &mut pending) {
                    break;
                }
                if pending_big && pending.is_empty() {
                    // A big reply went out: give its buffer back now (its
                    // `capacity()` no longer shows the allocation).
                    pending = BytesMut::new();
                    pending_big = false;
                }
            }
            ready = slot.stream.readable(), if step.may_read => {
                if ready.is_err() || !read_some(&server, &slot) {
                    break;
                }
            }
        }
    }
    // Forget the client before the next await: a command running meanwhile
    // must not serve a blocked client whose connection is gone.
    {
        let mut srv = server.borrow_mut();
        let mut client = slot.state.borrow_mut();
        disconnect(&mut srv, &mut client);
    }
    let _ = socket2::SockRef::from(&slot.stream).shutdown(std::net::Shutdown::Write);
}

/// Sleeps until `deadline`, or forever without one. (`select!` builds
/// every branch's future, so a plain `sleep_until` would cost a clock read
/// and a timer entry per loop even when there is no deadline.)
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Writes what the socket takes of the batch in flight. False when the
/// connection is broken.
fn write_some(server: &RefCell<Server>, slot: &ClientSlot, pending: &mut BytesMut) -> bool {
    match slot.stream.try_write(pending) {
        Ok(0) => false,
        Ok(n) => {
            pending.advance(n);
            let mut srv = server.borrow_mut();
            srv.stats.net_output_bytes += n as u64;
            slot.state.borrow_mut().last_interaction_ms = srv.now_ms;
            true
        }
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
    }
}

/// Reads what has arrived into the client's query buffer. False when the
/// connection is closed.
fn read_some(server: &RefCell<Server>, slot: &ClientSlot) -> bool {
    let mut client = slot.state.borrow_mut();
    if client.query.capacity() - client.query.len() < READ_CHUNK {
        client.query.reserve(READ_CHUNK);
        client.query_alloc = client.query_alloc.max(client.query.capacity());
    }
    let free = client.query.capacity() - client.query.len();
    match slot.stream.try_read_buf(&mut client.query) {
        Ok(0) => false,
        Ok(n) => {
            if n < free {
                // The read left room in the buffer, so it drained the
                // socket: clear tokio's readiness (a WouldBlock from
                // `try_io` does, without a syscall) so the next read waits
                // for the next edge instead of costing a read that finds
                // nothing. Redis reads once per readable event too. Data
                // arriving later raises a new edge.
                let _ = slot.stream.try_io(tokio::io::Interest::READABLE, || -> std::io::Result<()> {
                    Err(std::io::ErrorKind::WouldBlock.into())
                });
            }
            let mut srv = server.borrow_mut();
            srv.stats.net_input_bytes += n as u64;
            srv.busy_poll.activity();
            client.last_interaction_ms = srv.now_ms;
            true
        }
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
    }
}

/// Runs the complete requests in the client's query buffer, stopping early
/// if the client blocks or must close, or once its unwritten output reaches
/// `stall`. `server::busy` runs it too, for other clients while a script is
/// busy.
pub fn run_buffered(srv: &mut Server, client: &mut Client, args: &mut Vec<Bytes>, stall: usize) {
    client.query_buf_len = client.query.len();
    client.query_peak = client.query_peak.max(client.query.len());
    client.query_buf_free = client.query.capacity() - client.query.len();
    // Checked right after reading, before running anything, as Redis does:
    // the query buffer plus the arguments queued by MULTI.
    let queued = client.multi.as_ref().map_or(0, |m| m.queued_bytes);
    if (client.query.len() + queued) as u64 > srv.config.client_query_buffer_limit {
        crate::log::warning(&format!(
            "Closing client that reached max query buffer length: id={} addr={} qbuf={}",
            client.id,
            client.addr,
            client.query.len()
        ));
        client.close_asap = true;
        return;
    }
    let mut limits = Limits {
        max_bulk_len: srv.config.proto_max_bulk_len,
        authenticated: !srv.auth_required() || client.authenticated,
    };
    // Time has passed since the last batch: its clock reading is stale.
    srv.clock_us = None;
    // A command postponed by CLIENT PAUSE goes first once released.
    match client.postponed.take() {
        Some(Postponed::Released(held)) => {
            dispatch::execute(srv, client, &held);
            limits.authenticated = !srv.auth_required() || client.authenticated;
            close_if_over_limit(&srv.config, client);
        }
        waiting => client.postponed = waiting,
    }
    if !client.decoder.in_request() {
        srv.keyspace.dbs[client.db].prefetch(second_args(&client.query));
    }
    while client.blocked.is_none()
        && client.postponed.is_none()
        && !client.close_after_reply
        && !client.close_asap
        && client.out.len() + client.obuf_pending < stall
    {
        let Client { decoder, query, .. } = &mut *client;
        match decoder.decode(query, args, limits) {
            Ok(true) => {
                if args.is_empty() {
                    continue;
                }
                dispatch::execute(srv, client, args);
                limits.authenticated = !srv.auth_required() || client.authenticated;
                close_if_over_limit(&srv.config, client);
            }
            Ok(false) => break,
            Err(e) => {
                let msg = e.wire();
                srv.stats.error(&msg);
                client.out.error(&msg);
                client.close_after_reply = true;
                break;
            }
        }
    }
    args.clear();
    if args.capacity() > KEEP_ARGS_CAPACITY {
        // A request with many arguments: give the vector back.
        *args = Vec::new();
    }
    client.query_buf_len = client.query.len();
    client.query_buf_free = client.query.capacity() - client.query.len();
}

/// The output limits of the client's class (masters count as normal).
fn limits_of(config: &Config, client: &Client) -> crate::config::ObufLimit {
    let class = match client.client_type() {
        ClientType::Replica => ObufClass::Replica,
        ClientType::PubSub => ObufClass::Pubsub,
        ClientType::Normal | ClientType::Master => ObufClass::Normal,
    };
    config.obuf_limit(class)
}

/// Unwritten output at which the client stops being read.
pub fn stall_point(config: &Config, client: &Client) -> usize {
    let l = limits_of(config, client);
    let limit = if l.hard_bytes > 0 { l.hard_bytes } else { l.soft_bytes };
    if limit > 0 {
        usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(STATIC_REPLY_BUF).max(DEFAULT_STALL)
    } else {
        DEFAULT_STALL
    }
}

/// Output counted by the limits: what is unwritten beyond the size of
/// Redis's static reply buffer (Redis counts only its reply list).
fn counted_output(client: &Client) -> u64 {
    (client.out.len() + client.obuf_pending).saturating_sub(STATIC_REPLY_BUF) as u64
}

/// Redis's `checkClientOutputBufferLimits`: over the hard limit, or over the
/// soft limit continuously for more than its seconds. Updates the soft
/// limit clock as a side effect.
pub fn output_limit_reached(config: &Config, client: &mut Client, now: Instant) -> bool {
    let used = counted_output(client);
    let l = limits_of(config, client);
    let hard = l.hard_bytes > 0 && used >= l.hard_bytes;
    let mut soft = l.soft_bytes > 0 && used >= l.soft_bytes;
    if soft {
        match client.obuf_soft_since {
            None => {
                client.obuf_soft_since = Some(now);
                soft = false;
            }
            Some(since) => {
                if now.duration_since(since).as_secs() <= l.soft_seconds.max(0) as u64 {
                    soft = false;
                }
            }
        }
    } else {
        client.obuf_soft_since = None;
    }
    soft || hard
}

/// Closes the client at once if it is over its output limits (Redis's
/// `closeClientOnOutputBufferLimitReached`, asynchronous form). Other
/// code that appends to a client's output (pub/sub) may call it too.
pub fn close_if_over_limit(config: &Config, client: &mut Client) -> bool {
    if client.close_asap || counted_output(client) == 0 {
        return false;
    }
    if !output_limit_reached(config, client, Instant::now()) {
        return false;
    }
    let mut info = String::new();
    let cmd = client.last_cmd.map(|id| crate::commands::table().entries[id].fullname.as_str());
    client.write_info_line(&mut info, cmd, 0);
    crate::log::warning(&format!("Client {info} scheduled to be closed ASAP for overcoming of output buffer limits."));
    client.close_asap = true;
    true
}

/// When the soft limit, reached now, will have lasted too long.
fn soft_deadline(config: &Config, client: &Client) -> Option<Instant> {
    let since = client.obuf_soft_since?;
    let secs = limits_of(config, client).soft_seconds.max(0) as u64;
    Some(since + Duration::from_secs(secs + 1))
}

/// Forgets a client everywhere it is registered.
pub fn disconnect(srv: &mut Server, client: &mut Client) {
    blocking::unregister(srv, client);
    super::pause::forget(srv, client);
    crate::commands::transactions::unwatch_all(srv, client);
    super::pubsub::forget(srv, client);
    super::monitor::stop(srv, client);
    super::replication::forget(srv, client);
    super::tracking::disable(srv, client);
    srv.clients.remove(client.id);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ObufLimit;

    fn client_with_output(n: usize) -> Client {
        let mut c = Client::new(1, "127.0.0.1:1".into(), "127.0.0.1:2".into(), 5, true);
        c.out.buf.extend_from_slice(&vec![b'x'; n]);
        c
    }

    #[test]
    fn hard_limit() {
        let mut config = Config::default();
        config.client_output_buffer_limit[ObufClass::Normal as usize] =
            ObufLimit { hard_bytes: 1000, soft_bytes: 0, soft_seconds: 0 };
        let now = Instant::now();
        let base = STATIC_REPLY_BUF;
        assert!(!output_limit_reached(&config, &mut client_with_output(base + 999), now));
        assert!(output_limit_reached(&config, &mut client_with_output(base + 1000), now));
        let mut c = client_with_output(base + 600);
        c.obuf_pending = 400;
        assert!(output_limit_reached(&config, &mut c, now));
    }

    #[test]
    fn soft_limit_needs_its_seconds() {
        let mut config = Config::default();
        config.client_output_buffer_limit[ObufClass::Normal as usize] =
            ObufLimit { hard_bytes: 0, soft_bytes: 100, soft_seconds: 2 };
        let t0 = Instant::now();
        let mut c = client_with_output(STATIC_REPLY_BUF + 150);
        assert!(!output_limit_reached(&config, &mut c, t0));
        assert_eq!(c.obuf_soft_since, Some(t0));
        assert!(!output_limit_reached(&config, &mut c, t0 + Duration::from_secs(2)));
        assert!(output_limit_reached(&config, &mut c, t0 + Duration::from_secs(3)));
        // Dropping below the soft limit resets the clock.
        c.out.buf.truncate(10);
        assert!(!output_limit_reached(&config, &mut c, t0 + Duration::from_secs(4)));
        assert_eq!(c.obuf_soft_since, None);
    }

    #[test]
    fn no_limit_by_default_for_normal_clients() {
        let config = Config::default();
        let mut c = client_with_output(10 << 20);
        assert!(!output_limit_reached(&config, &mut c, Instant::now()));
        assert_eq!(stall_point(&config, &c), DEFAULT_STALL);
    }
}
