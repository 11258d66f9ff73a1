//! One task per connection: read whatever has arrived into the query buffer,
//! decode and run every complete request in it, then write all replies with
//! one write. Other clients' commands may append to this client's output
//! (and wake the task) between batches; the buffer is swapped out before the
//! write so they never wait on this socket.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::clients::ClientSlot;
use super::{Server, dispatch};
use crate::protocol::Decoder;
use crate::protocol::decode::Limits;

/// Free space guaranteed in the query buffer before each read (Redis's 16 KiB).
const READ_CHUNK: usize = 16 * 1024;
/// An output buffer that grew beyond this is released after its write.
const KEEP_OUTPUT_CAPACITY: usize = 1024 * 1024;

pub async fn serve(server: Rc<RefCell<Server>>, mut stream: TcpStream, slot: Rc<ClientSlot>) {
    let mut query = BytesMut::with_capacity(READ_CHUNK);
    let mut pending_write = BytesMut::new();
    let mut decoder = Decoder::new();
    let mut args: Vec<Bytes> = Vec::new();
    loop {
        if query.capacity() - query.len() < READ_CHUNK {
            query.reserve(READ_CHUNK);
        }
        tokio::select! {
            biased;
            _ = slot.wake.notified() => {}
            read = stream.read_buf(&mut query) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => server.borrow_mut().stats.net_input_bytes += n as u64,
            },
        }
        let close_after_write = {
            let mut srv = server.borrow_mut();
            let mut client = slot.state.borrow_mut();
            if client.close_asap {
                break;
            }
            client.query_buf_len = query.len();
            client.query_buf_free = query.capacity() - query.len();
            let mut limits = Limits {
                max_bulk_len: srv.config.proto_max_bulk_len,
                authenticated: !srv.auth_required() || client.authenticated,
            };
            loop {
                match decoder.decode(&mut query, &mut args, limits) {
                    Ok(true) => {
                        if args.is_empty() {
                            continue;
                        }
                        client.last_interaction = Instant::now();
                        dispatch::execute(&mut srv, &mut client, &args);
                        if client.close_after_reply || client.close_asap {
                            break;
                        }
                        limits.authenticated = !srv.auth_required() || client.authenticated;
                    }
                    Ok(false) => break,
                    Err(e) => {
                        let msg = e.to_string();
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
            if query.len() as u64 > srv.config.client_query_buffer_limit {
                crate::log::warning(&format!(
                    "Closing client that reached max query buffer length: id={} addr={} qbuf={}",
                    client.id,
                    client.addr,
                    query.len()
                ));
                break;
            }
            if client.close_asap {
                break;
            }
            std::mem::swap(&mut client.out.buf, &mut pending_write);
            client.close_after_reply
        };
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
        if close_after_write {
            break;
        }
    }
    let _ = stream.shutdown().await;
    server.borrow_mut().clients.remove(slot.id);
}
