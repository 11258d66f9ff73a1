//! Serving clients while a script runs past `busy-reply-threshold`.
//!
//! A script runs synchronously inside its caller's command, on the one
//! command thread, so the tokio reactor cannot run until it ends. The
//! script engine's instruction-count hook calls `serve_clients` instead:
//! for every other connected client it reads what has arrived with
//! non-blocking reads straight from the socket into the client's query
//! buffer, runs the complete requests there (the dispatcher answers BUSY
//! except to commands flagged `allow_busy`: SCRIPT KILL, SHUTDOWN NOSAVE,
//! AUTH, HELLO, MULTI …), and writes the replies with non-blocking writes.
//! Whatever is left (a partial request, output the socket would not take)
//! stays in the client's buffers and its task, woken, carries on after the
//! script. Reading behind tokio's back is fine for its edge-triggered
//! reactor: a task that finds nothing to read just waits for the next edge.
//!
//! New connections are accepted the same way (non-blocking accept on the
//! listeners) and served in the same pass; their tasks start when the
//! script ends. The caller's own connection is skipped (its state is
//! borrowed by the running command), as are blocked clients' further
//! requests.

use std::io::{Read, Write};
use std::rc::Rc;

use bytes::{Buf, Bytes};

use super::Server;
use super::clients::ClientSlot;
use super::connection::{close_if_over_limit, run_buffered, stall_point};

/// Bytes read from one client per pass.
const MAX_READ: usize = 1024 * 1024;

/// One pass: accept waiting connections, then serve every client.
pub fn serve_clients(srv: &mut Server) {
    super::listener::accept_waiting(srv);
    let slots: Vec<Rc<ClientSlot>> = srv.clients.iter().cloned().collect();
    let mut args: Vec<Bytes> = Vec::new();
    for slot in slots {
        // The caller's state is borrowed by its running command.
        let Ok(mut client) = slot.state.try_borrow_mut() else { continue };
        // Our master's stream waits for the script to end (Redis's
        // `processInputBuffer` leaves it in the socket meanwhile): its
        // task applies it, counting its bytes.
        if client.close_asap || client.master {
            continue;
        }
        let sock = socket2::SockRef::from(&slot.stream);
        let mut chunk = [0u8; 16 * 1024];
        let mut read = 0;
        while read < MAX_READ {
            match (&*sock).read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    client.query.extend_from_slice(&chunk[..n]);
                    srv.stats.net_input_bytes += n as u64;
                    read += n;
                }
                Err(_) => break,
            }
        }
        if read > 0 || !client.query.is_empty() {
            let stall = stall_point(&srv.config, &client);
            run_buffered(srv, &mut client, &mut args, stall);
            close_if_over_limit(&srv.config, &mut client);
        }
        // With a batch in flight (its task's), this output must wait its turn.
        while client.obuf_pending == 0 && !client.close_asap && !client.out.buf.is_empty() {
            match (&*sock).write(&client.out.buf) {
                Ok(n) if n > 0 => {
                    client.out.buf.advance(n);
                    srv.stats.net_output_bytes += n as u64;
                }
                _ => break,
            }
        }
        if !client.query.is_empty() || !client.out.buf.is_empty() || client.close_asap || client.close_after_reply {
            slot.wake.notify_one();
        }
    }
}
