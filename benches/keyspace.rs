//! The keyspace alone at 1,000,000 keys: lookups, overwrites, inserts of
//! new keys and setting TTLs, without protocol or dispatch; and a batch of
//! 16 lookups with and without prefetching the batch first.
//! Run: `cargo bench --bench keyspace`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use redis_rs_server::keyspace::{Access, Db, Ttl, Value};

const KEYS: u64 = 1_000_000;
const NOW: u64 = 1_700_000_000_000;

fn key(buf: &mut [u8; 16], i: u64) -> &[u8] {
    buf[..4].copy_from_slice(b"key:");
    let mut n = i;
    for b in buf[4..].iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
    &buf[..]
}

/// A cheap reproducible sequence of key numbers (an LCG).
struct Keys(u64);

impl Keys {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % KEYS
    }
}

fn keyspace(c: &mut Criterion) {
    let mut db = Db::new(0);
    let mut buf = [0u8; 16];
    for i in 0..KEYS {
        db.set(key(&mut buf, i), Value::string(b"0123456789abcdef"), Ttl::Clear, NOW);
    }
    let mut keys = Keys(42);
    let mut g = c.benchmark_group("keyspace_1m");
    g.bench_function("get", |b| {
        b.iter(|| {
            let k = key(&mut buf, keys.next());
            black_box(db.lookup(k, NOW, Access::Read).is_some())
        })
    });
    g.bench_function("get_missing", |b| {
        b.iter(|| {
            let k = key(&mut buf, KEYS + keys.next());
            black_box(db.lookup(k, NOW, Access::Read).is_some())
        })
    });
    g.bench_function("set_overwrite", |b| {
        b.iter(|| {
            let k = key(&mut buf, keys.next());
            db.set(k, Value::string(b"fedcba9876543210"), Ttl::Clear, NOW);
        })
    });
    g.bench_function("expire", |b| {
        b.iter(|| {
            let k = key(&mut buf, keys.next());
            black_box(db.set_expire(k, NOW + 3_600_000, NOW))
        })
    });
    g.bench_function("set_new_then_delete", |b| {
        b.iter(|| {
            let k = key(&mut buf, KEYS + keys.next());
            db.set(k, Value::string(b"0123456789abcdef"), Ttl::Clear, NOW);
            db.remove(k, NOW);
        })
    });
    // A pipeline of 16 GETs, as the connection runs it: with and without
    // first prefetching the batch's table slots and nodes.
    for prefetch in [false, true] {
        let name = if prefetch { "get_batch16_prefetched" } else { "get_batch16" };
        g.bench_function(name, |b| {
            let mut bufs = [[0u8; 16]; 16];
            b.iter(|| {
                for buf in bufs.iter_mut() {
                    key(buf, keys.next());
                }
                if prefetch {
                    db.prefetch(bufs.iter().map(|b| &b[..]));
                }
                for buf in &bufs {
                    black_box(db.lookup(buf, NOW, Access::Read).is_some());
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, keyspace);
criterion_main!(benches);
