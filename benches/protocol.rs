//! The protocol layer alone: decoding requests (one command, a 16-command
//! pipeline, a large bulk, 16 inline PINGs) and rendering replies in RESP2
//! and RESP3.
//! Run: `cargo bench --bench protocol`.

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use redis_rs_server::protocol::writer::Resp;
use redis_rs_server::protocol::{Decoder, Limits, ReplyWriter};

fn request(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Decodes every request in `input`, as a connection does with one read.
fn decode_all(decoder: &mut Decoder, buf: &mut BytesMut, args: &mut Vec<Bytes>, input: &[u8]) -> usize {
    buf.extend_from_slice(input);
    let mut n = 0;
    while decoder.decode(buf, args, Limits::default()).expect("valid") {
        n += black_box(args.len());
    }
    n
}

fn decoder(c: &mut Criterion) {
    let single = request(&[b"SET", b"key:000000000042", b"0123456789abcdef"]);
    let pipeline = request(&[b"GET", b"key:000000000042"]).repeat(16);
    let large = request(&[b"SET", b"big", &vec![b'x'; 1 << 20]]);
    let inline = b"PING\r\n".repeat(16);
    let mut g = c.benchmark_group("decode");
    let inputs = [
        ("set_single", &single),
        ("get_pipeline_16", &pipeline),
        ("set_bulk_1mb", &large),
        ("ping_inline_pipeline_16", &inline),
    ];
    for (name, input) in inputs {
        g.throughput(Throughput::Bytes(input.len() as u64));
        let (mut decoder, mut buf, mut args) = (Decoder::new(), BytesMut::with_capacity(input.len()), Vec::new());
        g.bench_function(name, |b| b.iter(|| decode_all(&mut decoder, &mut buf, &mut args, black_box(input))));
    }
    g.finish();
}

fn encoder(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode");
    for (proto, resp) in [("resp2", Resp::Two), ("resp3", Resp::Three)] {
        let mut w = ReplyWriter::new(resp);
        g.bench_function(format!("{proto}/bulk_16"), |b| {
            b.iter(|| {
                w.buf.clear();
                w.bulk(black_box(b"0123456789abcdef"));
            })
        });
        g.bench_function(format!("{proto}/int"), |b| {
            b.iter(|| {
                w.buf.clear();
                w.int(black_box(1_234_567_890));
            })
        });
        g.bench_function(format!("{proto}/null"), |b| {
            b.iter(|| {
                w.buf.clear();
                w.null();
            })
        });
        g.bench_function(format!("{proto}/map_10_doubles"), |b| {
            b.iter(|| {
                w.buf.clear();
                w.map(10);
                for i in 0..10 {
                    w.bulk(b"field");
                    w.double(black_box(i as f64 * 1.5));
                }
            })
        });
        g.bench_function(format!("{proto}/array_100_bulks"), |b| {
            b.iter(|| {
                w.buf.clear();
                w.array(100);
                for _ in 0..100 {
                    w.bulk(black_box(b"member:0000001"));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, decoder, encoder);
criterion_main!(benches);
