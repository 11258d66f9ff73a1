//! No allocation per reply on the hot paths: GET hits, SET overwrites,
//! INCR and inline requests (redis-benchmark's PING_INLINE) run through the decoder and the dispatcher the way a connection runs
//! a pipelined batch, and the thread's allocation counter (the counting
//! global allocator of `redis_rs_server::alloc`) must not move after a
//! warm-up batch. One test per binary keeps other threads out of the count.

use bytes::{Bytes, BytesMut};
use redis_rs_server::alloc::thread_allocations;
use redis_rs_server::config::Config;
use redis_rs_server::protocol::{Decoder, Limits};
use redis_rs_server::server::client::Client;
use redis_rs_server::server::{Server, dispatch};

fn request(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
    }
    out
}

/// Decodes and runs every request in `input` as one batch, then empties the
/// client's output as the connection does after its write. Returns the
/// replies' bytes and the allocations the batch made.
fn run_batch(conn: &mut Connection, srv: &mut Server, client: &mut Client, input: &[u8]) -> (Vec<u8>, u64) {
    let Connection { read_buf, decoder, args } = conn;
    let mut replies = Vec::with_capacity(client.out.len() + 64 * 1024);
    let before = thread_allocations();
    read_buf.extend_from_slice(input);
    while decoder.decode(read_buf, args, Limits::default()).expect("valid request") {
        dispatch::execute(srv, client, args);
        args.clear();
    }
    replies.extend_from_slice(&client.out.buf);
    client.out.buf.clear();
    let allocations = thread_allocations() - before;
    (replies, allocations)
}

/// What a connection keeps between batches.
struct Connection {
    read_buf: BytesMut,
    decoder: Decoder,
    args: Vec<Bytes>,
}

fn batch(args: &[&str], n: usize) -> Vec<u8> {
    request(args).repeat(n)
}

#[test]
fn get_set_incr_hits_do_not_allocate() {
    let mut srv = Server::new(Config::default());
    let mut client = Client::new(1, "127.0.0.1:50000".into(), "127.0.0.1:6379".into(), -1, true);
    let mut conn =
        Connection { read_buf: BytesMut::with_capacity(64 * 1024), decoder: Decoder::new(), args: Vec::new() };
    let set = batch(&["SET", "key:000001", "0123456789abcdef"], 100);
    let get = batch(&["GET", "key:000001"], 100);
    let incr = batch(&["INCR", "counter"], 100);
    // Warm-up: the key and counter exist, buffers have grown to size.
    for input in [&set, &get, &incr] {
        run_batch(&mut conn, &mut srv, &mut client, input);
    }
    let (replies, allocations) = run_batch(&mut conn, &mut srv, &mut client, &get);
    assert_eq!(replies, b"$16\r\n0123456789abcdef\r\n".repeat(100));
    assert_eq!(allocations, 0, "100 GET hits allocated");
    let (replies, allocations) = run_batch(&mut conn, &mut srv, &mut client, &incr);
    assert_eq!(&replies[..6], b":101\r\n");
    assert_eq!(allocations, 0, "100 INCRs allocated");
    let (replies, allocations) = run_batch(&mut conn, &mut srv, &mut client, &set);
    assert_eq!(replies, b"+OK\r\n".repeat(100));
    assert_eq!(allocations, 0, "100 SET overwrites allocated");
    let inline = b"PING\r\nGET key:000001\r\n".repeat(50);
    run_batch(&mut conn, &mut srv, &mut client, &inline);
    let (replies, allocations) = run_batch(&mut conn, &mut srv, &mut client, &inline);
    assert_eq!(replies, b"+PONG\r\n$16\r\n0123456789abcdef\r\n".repeat(50));
    assert_eq!(allocations, 0, "100 inline requests allocated");
}
