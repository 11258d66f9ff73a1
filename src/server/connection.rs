//! One task per connection, looping over three steps:
//!
//! 1. run every complete request in the query buffer (unless the client is
//!    blocked), with one borrow of the server state for the whole batch;
//! 2. write all pending replies, usually with one write (no borrow is held
//!    while the socket is full, so other clients' commands can keep
//!    appending to the output: served blocked-client replies, pub/sub);
//! 3. wait for more input, a wake-up from another client's command, or the
//!    blocked client's timeout.
//!
//! The query buffer, decoder and output buffer live in `Client` and the
//! socket in its `ClientSlot`, so that while a script is busy the server can
//! answer this connection without its task (`server::busy`); the task then
//! carries on from whatever the buffers hold.
//!
//! On disconnect the client is removed everywhere it is registered (watched
//! keys, blocking queues) without losing anything: a blocked client that
//! goes away was never handed an item.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};

use super::client::Client;
use super::clients::ClientSlot;
use super::{Server, blocking, dispatch};
use crate::protocol::decode::Limits;

/// Free space guaranteed in the query buffer before each read (Redis's 16 KiB).
const READ_CHUNK: usize = 16 * 1024;
/// An output buffer that grew beyond this is released after its write.
const KEEP_OUTPUT_CAPACITY: usize = 1024 * 1024;

/// What the task does after running the buffered requests.
struct Step {
    /// Close without writing (CLIENT KILL, query buffer overflow).
    close_now: bool,
    /// Close once the pending replies are written (QUIT, protocol error).
    close_after_write: bool,
    /// The blocked client's deadline, if it is blocked with a timeout.
    deadline: Option<Instant>,
}

pub async fn serve(server: Rc<RefCell<Server>>, slot: Rc<ClientSlot>) {
    let mut args: Vec<Bytes> = Vec::new();
    loop {
        let step = {
            let mut srv = server.borrow_mut();
            let mut client = slot.state.borrow_mut();
            run_buffered(&mut srv, &mut client, &mut args);
            Step {
                close_now: client.close_asap,
                close_after_write: client.close_after_reply,
                deadline: client.blocked.as_ref().and_then(|b| b.deadline),
            }
        };
        if step.close_now || !flush(&server, &slot).await {
            break;
        }
        if step.close_after_write {
            break;
        }
        let deadline = step.deadline.map(tokio::time::Instant::from_std);
        tokio::select! {
            biased;
            _ = slot.wake.notified() => {}
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                let mut srv = server.borrow_mut();
                let mut client = slot.state.borrow_mut();
                blocking::time_out(&mut srv, &mut client);
            }
            ready = slot.stream.readable() => {
                if ready.is_err() || !read_some(&server, &slot) {
                    break;
                }
            }
        }
    }
    let _ = socket2::SockRef::from(&slot.stream).shutdown(std::net::Shutdown::Write);
    let mut srv = server.borrow_mut();
    let mut client = slot.state.borrow_mut();
    disconnect(&mut srv, &mut client);
}

/// Reads what has arrived into the client's query buffer. False when the
/// connection is closed.
fn read_some(server: &RefCell<Server>, slot: &ClientSlot) -> bool {
    let mut client = slot.state.borrow_mut();
    if client.query.capacity() - client.query.len() < READ_CHUNK {
        client.query.reserve(READ_CHUNK);
    }
    match slot.stream.try_read_buf(&mut client.query) {
        Ok(0) => false,
        Ok(n) => {
            server.borrow_mut().stats.net_input_bytes += n as u64;
            true
        }
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
    }
}

/// Writes the client's pending replies (others may append while the socket
/// is full). False when the connection is broken.
async fn flush(server: &RefCell<Server>, slot: &ClientSlot) -> bool {
    loop {
        {
            let mut client = slot.state.borrow_mut();
            let out = &mut client.out.buf;
            if out.is_empty() {
                if out.capacity() > KEEP_OUTPUT_CAPACITY {
                    *out = BytesMut::new();
                }
                return true;
            }
            match slot.stream.try_write(out) {
                Ok(n) => {
                    out.advance(n);
                    server.borrow_mut().stats.net_output_bytes += n as u64;
                    continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return false,
            }
        }
        if slot.stream.writable().await.is_err() {
            return false;
        }
    }
}

/// Runs every complete request in the client's query buffer, stopping
/// early if the client blocks or must close. `server::busy` runs it too,
/// for other clients while a script is busy.
pub fn run_buffered(srv: &mut Server, client: &mut Client, args: &mut Vec<Bytes>) {
    client.query_buf_len = client.query.len();
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
    while client.blocked.is_none() && !client.close_after_reply && !client.close_asap {
        let Client { decoder, query, .. } = &mut *client;
        match decoder.decode(query, args, limits) {
            Ok(true) => {
                if args.is_empty() {
                    continue;
                }
                client.last_interaction = Instant::now();
                dispatch::execute(srv, client, args);
                limits.authenticated = !srv.auth_required() || client.authenticated;
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
    client.query_buf_len = client.query.len();
    client.query_buf_free = client.query.capacity() - client.query.len();
}

/// Forgets a client everywhere it is registered.
pub fn disconnect(srv: &mut Server, client: &mut Client) {
    blocking::unregister(srv, client);
    crate::commands::transactions::unwatch_all(srv, client);
    srv.clients.remove(client.id);
}
