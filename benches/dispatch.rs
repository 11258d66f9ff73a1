//! GET and SET through the whole command path short of the socket: decode
//! a pipelined batch, resolve each command in the table, check and run it,
//! render its reply. Run: `cargo bench --bench dispatch`.

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

struct Harness {
    srv: Server,
    client: Client,
    decoder: Decoder,
    buf: BytesMut,
    args: Vec<Bytes>,
}

impl Harness {
    fn new() -> Harness {
        let srv = Server::new(Config::default());
        let client = Client::new(1, "127.0.0.1:50000".into(), "127.0.0.1:6379".into(), -1, true);
        Harness { srv, client, decoder: Decoder::new(), buf: BytesMut::with_capacity(1 << 16), args: Vec::new() }
    }

    /// Runs every request in `input`; the replies are dropped as after a write.
    fn run(&mut self, input: &[u8]) {
        self.buf.extend_from_slice(input);
        while self.decoder.decode(&mut self.buf, &mut self.args, Limits::default()).expect("valid") {
            dispatch::execute(&mut self.srv, &mut self.client, &self.args);
        }
        black_box(&self.client.out.buf);
        self.client.out.buf.clear();
    }
}

fn get_set(c: &mut Criterion) {
    let mut h = Harness::new();
    for i in 0..10_000 {
        h.run(&request(&["SET", &format!("key:{i:06}"), "0123456789abcdef"]));
    }
    let mut g = c.benchmark_group("dispatch");
    for (name, args) in [
        ("get_hit", vec!["GET", "key:004242"]),
        ("get_miss", vec!["GET", "nokey"]),
        ("set", vec!["SET", "key:004242", "fedcba9876543210"]),
        ("incr", vec!["INCR", "counter"]),
    ] {
        let one = request(&args);
        let sixteen = one.repeat(16);
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("{name}/P1"), |b| b.iter(|| h.run(black_box(&one))));
        g.throughput(Throughput::Elements(16));
        g.bench_function(format!("{name}/P16"), |b| b.iter(|| h.run(black_box(&sixteen))));
    }
    g.finish();
}

criterion_group!(benches, get_set);
criterion_main!(benches);
