//! The cache workload of `scripts/evict_vs_redis.py` (std only, built with
//! plain `rustc -O`): one connection writes fresh keys in pipelined
//! batches while reading a hot set of keys, refilling a hot key whenever a
//! read misses (as a cache client does). Prints one JSON line of counts.
//!
//! Usage: evict_load PORT TOTAL_BYTES VALUE_SIZE HOT READ_EVERY BATCH TTL_MODE
//!   TOTAL_BYTES  key + value bytes to write (cold keys)
//!   READ_EVERY   one GET of a random hot key per this many writes
//!   TTL_MODE     none | volatile (hot keys EX 86400, cold keys EX 3600)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

fn arg(i: usize) -> String {
    std::env::args().nth(i).unwrap_or_else(|| panic!("missing argument {i}"))
}

fn bulk(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", b.len()).as_bytes());
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

fn set_cmd(out: &mut Vec<u8>, key: &[u8], value: &[u8], ex: Option<&[u8]>) {
    out.extend_from_slice(if ex.is_some() { b"*5\r\n" } else { b"*3\r\n" });
    bulk(out, b"SET");
    bulk(out, key);
    bulk(out, value);
    if let Some(secs) = ex {
        bulk(out, b"EX");
        bulk(out, secs);
    }
}

/// One reply: `Ok(Some(len))` for a bulk, `Ok(None)` for a null or a simple
/// string, `Err(text)` for an error reply.
fn read_reply(r: &mut BufReader<TcpStream>, line: &mut Vec<u8>, skip: &mut Vec<u8>) -> Result<Option<usize>, String> {
    line.clear();
    r.read_until(b'\n', line).expect("read");
    match line.first() {
        Some(b'+') | Some(b':') => Ok(None),
        Some(b'-') => Err(String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned()),
        Some(b'$') => {
            let n: i64 = std::str::from_utf8(&line[1..line.len() - 2]).unwrap().parse().unwrap();
            if n < 0 {
                return Ok(None);
            }
            skip.resize(n as usize + 2, 0);
            r.read_exact(skip).expect("read bulk");
            Ok(Some(n as usize))
        }
        _ => panic!("unexpected reply {:?}", String::from_utf8_lossy(line)),
    }
}

fn main() {
    let port: u16 = arg(1).parse().unwrap();
    let total: u64 = arg(2).parse().unwrap();
    let vsize: usize = arg(3).parse().unwrap();
    let hot: u64 = arg(4).parse().unwrap();
    let read_every: u64 = arg(5).parse().unwrap();
    let batch: usize = arg(6).parse().unwrap();
    let volatile = arg(7) == "volatile";
    let (hot_ex, cold_ex): (Option<&[u8]>, Option<&[u8]>) =
        if volatile { (Some(b"86400"), Some(b"3600")) } else { (None, None) };

    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_nodelay(true).ok();
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::with_capacity(1 << 20, stream);
    let value = vec![b'v'; vsize];
    let (mut line, mut skip) = (Vec::new(), Vec::new());
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };

    // The hot set first.
    let mut buf = Vec::with_capacity(1 << 20);
    for i in 0..hot {
        set_cmd(&mut buf, format!("hot:{i}").as_bytes(), &value, hot_ex);
    }
    w.write_all(&buf).unwrap();
    for _ in 0..hot {
        read_reply(&mut r, &mut line, &mut skip).expect("hot set stored");
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Write,
        Read(u64),
    }
    let start = Instant::now();
    let (mut written, mut writes, mut ops) = (0u64, 0u64, 0u64);
    let (mut reads, mut hits, mut refills, mut write_errors) = (0u64, 0u64, 0u64, 0u64);
    let mut first_error = String::new();
    let mut refill: Vec<u64> = Vec::new();
    let mut kinds: Vec<Kind> = Vec::with_capacity(batch + 64);
    let mut n = 0u64;
    while written < total {
        buf.clear();
        kinds.clear();
        for h in refill.drain(..) {
            set_cmd(&mut buf, format!("hot:{h}").as_bytes(), &value, hot_ex);
            kinds.push(Kind::Write);
            refills += 1;
        }
        while kinds.len() < batch && written < total {
            let key = format!("key:{n:012}");
            n += 1;
            set_cmd(&mut buf, key.as_bytes(), &value, cold_ex);
            written += (key.len() + vsize) as u64;
            writes += 1;
            kinds.push(Kind::Write);
            if n.is_multiple_of(read_every) {
                let h = next() % hot;
                let key = format!("hot:{h}");
                buf.extend_from_slice(b"*2\r\n");
                bulk(&mut buf, b"GET");
                bulk(&mut buf, key.as_bytes());
                kinds.push(Kind::Read(h));
            }
        }
        w.write_all(&buf).unwrap();
        for k in &kinds {
            let reply = read_reply(&mut r, &mut line, &mut skip);
            ops += 1;
            match (*k, reply) {
                (Kind::Write, Err(e)) => {
                    write_errors += 1;
                    if first_error.is_empty() {
                        first_error = e;
                    }
                }
                (Kind::Write, Ok(_)) => {}
                (Kind::Read(h), Ok(Some(_))) => {
                    reads += 1;
                    hits += 1;
                    let _ = h;
                }
                (Kind::Read(h), _) => {
                    reads += 1;
                    refill.push(h);
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"secs\": {secs:.3}, \"ops\": {ops}, \"writes\": {writes}, \"written_bytes\": {written}, \"hot_reads\": {reads}, \
         \"hot_hits\": {hits}, \"refills\": {refills}, \"write_errors\": {write_errors}, \"first_error\": {:?}}}",
        first_error
    );
}
