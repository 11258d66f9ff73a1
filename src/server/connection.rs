//! One task per connection, looping over three steps:
//!
//! 1. run every complete request in the query buffer (unless the client is
//!    blocked), with one borrow of the server state for the whole batch;
//! 2. write all pending replies with one write (the output buffer is swapped
//!    out first, so other clients' commands can keep appending to it: served
//!    blocked-client replies, pub/sub messages);
//! 3. wait for more input, a wake-up from another client's command, or the
//!    blocked client's timeout.
//!
//! On disconnect the client is removed everywhere it is registered (watched
//! keys, blocking queues) without losing anything: a blocked client that
//! goes away was never handed an item.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::client::Client;
use super::clients::ClientSlot;
use super::{Server, blocking, dispatch};
use crate::protocol::Decoder;
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

pub async fn serve(server: Rc<RefCell<Server>>, mut stream: TcpStream, slot: Rc<ClientSlot>) {
    let mut query = BytesMut::with_capacity(READ_CHUNK);
    let mut pending_write = BytesMut::new();
    let mut decoder = Decoder::new();
    let mut args: Vec<Bytes> = Vec::new();
    loop {
        let step = {
            let mut srv = server.borrow_mut();
            let mut client = slot.state.borrow_mut();
            run_buffered(&mut srv, &mut client, &mut decoder, &mut query, &mut args);
            std::mem::swap(&mut client.out.buf, &mut pending_write);
            Step {
                close_now: client.close_asap,
                close_after_write: client.close_after_reply,
                deadline: client.blocked.as_ref().and_then(|b| b.deadline),
            }
        };
        if step.close_now {
            break;
        }
        if !pending_write.is_empty() {
            if stream.write_all(&pending_write).await.is_err() {
                break;
            }
            server.borrow_mut().stats.net_output_bytes += pending_write.len() as u64;
            pending_write.clear();
            if pending_write.capacity() > KEEP_OUTPUT_CAPACITY {
                pending_write = BytesMut::new();
            }
        }
        if step.close_after_write {
            break;
        }
        if query.capacity() - query.len() < READ_CHUNK {
            query.reserve(READ_CHUNK);
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
            read = stream.read_buf(&mut query) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => server.borrow_mut().stats.net_input_bytes += n as u64,
            },
        }
    }
    let _ = stream.shutdown().await;
    let mut srv = server.borrow_mut();
    let mut client = slot.state.borrow_mut();
    disconnect(&mut srv, &mut client);
}

/// Runs every complete request in `query`, stopping early if the client
/// blocks or must close.
fn run_buffered(
    srv: &mut Server,
    client: &mut Client,
    decoder: &mut Decoder,
    query: &mut BytesMut,
    args: &mut Vec<Bytes>,
) {
    client.query_buf_len = query.len();
    client.query_buf_free = query.capacity() - query.len();
    // Checked right after reading, before running anything, as Redis does:
    // the query buffer plus the arguments queued by MULTI.
    let queued = client.multi.as_ref().map_or(0, |m| m.queued_bytes);
    if (query.len() + queued) as u64 > srv.config.client_query_buffer_limit {
        crate::log::warning(&format!(
            "Closing client that reached max query buffer length: id={} addr={} qbuf={}",
            client.id,
            client.addr,
            query.len()
        ));
        client.close_asap = true;
        return;
    }
    let mut limits = Limits {
        max_bulk_len: srv.config.proto_max_bulk_len,
        authenticated: !srv.auth_required() || client.authenticated,
    };
    while client.blocked.is_none() && !client.close_after_reply && !client.close_asap {
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
    client.query_buf_len = query.len();
    client.query_buf_free = query.capacity() - query.len();
}

/// Forgets a client everywhere it is registered.
pub fn disconnect(srv: &mut Server, client: &mut Client) {
    blocking::unregister(srv, client);
    crate::commands::transactions::unwatch_all(srv, client);
    srv.clients.remove(client.id);
}
