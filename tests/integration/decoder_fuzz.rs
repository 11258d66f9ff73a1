//! Property tests of the request decoder: random, valid and mutated request
//! streams through `protocol::Decoder` directly (≥ 1,000,000 inputs in a
//! release build; `FUZZ_INPUTS=n` and `FUZZ_SEED=s` override), asserting no
//! panic, no hang (a watchdog, and every decoded request consumes input), the
//! exact arguments for valid streams, and the same outcome whether a stream
//! is fed at once, in random pieces, or byte by byte. A subset also goes
//! through a live server connection (and, ignored, through a real
//! redis-server to compare the bytes answered).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use redis_rs_server::protocol::Decoder;
use redis_rs_server::protocol::decode::{Limits, ProtocolError};

use crate::common::*;

/// Inputs stay below Redis's 64 KiB inline limit: above it, where an error is
/// found legitimately depends on how the bytes were split into reads.
const MAX_INPUT: usize = 60 * 1024;

/// Bytes that matter to the grammar, favoured by mutations and garbage.
const INTERESTING: &[u8] = b"*$\r\n\r\n-+0123456789 \t\"'\\x\0\xff:aA";

#[derive(Debug, Clone, PartialEq)]
enum End {
    /// Every complete request was decoded; this many bytes wait for more.
    NeedMore(usize),
    Error(ProtocolError),
}

/// What decoding a stream produced: its requests, then how it ended.
#[derive(Debug, Clone, PartialEq)]
struct Trace {
    requests: Vec<Vec<Bytes>>,
    end: End,
}

/// Feeds `input` in pieces ending at `cuts` (ascending, the last being
/// `input.len()`), decoding everything possible after each piece.
fn decode_pieces(input: &[u8], cuts: &[usize], limits: Limits) -> Trace {
    let mut dec = Decoder::new();
    let mut buf = BytesMut::new();
    let mut args = Vec::new();
    let mut requests = Vec::new();
    let mut start = 0;
    for &cut in cuts {
        buf.extend_from_slice(&input[start..cut]);
        start = cut;
        loop {
            let before = buf.len();
            match dec.decode(&mut buf, &mut args, limits) {
                Ok(true) => {
                    assert!(buf.len() < before, "a decoded request must consume input");
                    requests.push(std::mem::take(&mut args));
                }
                Ok(false) => {
                    assert_eq!(buf.len(), before, "needing more input consumes nothing");
                    break;
                }
                Err(e) => {
                    assert_eq!(buf.len(), before, "an error leaves the buffer as is");
                    return Trace { requests, end: End::Error(e) };
                }
            }
        }
    }
    Trace { requests, end: End::NeedMore(buf.len()) }
}

fn decode_whole(input: &[u8], limits: Limits) -> Trace {
    decode_pieces(input, &[input.len()], limits)
}

// ---------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------

/// A stream of requests and, when it is valid, the arguments it decodes to
/// (empty requests included, as the decoder reports them).
struct Stream {
    bytes: Vec<u8>,
    expected: Option<Vec<Vec<Vec<u8>>>>,
}

fn pick_bytes<'a>(rng: &mut TestRng, items: &[&'a [u8]]) -> &'a [u8] {
    items[rng.below(items.len())]
}

fn random_arg(rng: &mut TestRng) -> Vec<u8> {
    let len = match rng.below(20) {
        0 => 0,
        1 => rng.below(3000),
        _ => rng.below(24),
    };
    (0..len).map(|_| if rng.chance(30) { *rng.pick(INTERESTING) } else { rng.next_u64() as u8 }).collect()
}

fn multibulk(rng: &mut TestRng, out: &mut Vec<u8>, expected: &mut Vec<Vec<Vec<u8>>>) {
    let n = if rng.chance(5) { rng.below(40) } else { rng.below(8) };
    let args: Vec<Vec<u8>> = (0..n).map(|_| random_arg(rng)).collect();
    let refs: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
    out.extend(encode(&refs));
    expected.push(args);
}

/// One inline word as typed and as split: plain, double- or single-quoted.
fn inline_word(rng: &mut TestRng) -> (Vec<u8>, Vec<u8>) {
    const PLAIN: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_:.-*$?[]{}";
    match rng.below(4) {
        0 => {
            let mut raw = vec![b'"'];
            let mut val = Vec::new();
            for _ in 0..rng.below(12) {
                match rng.below(8) {
                    0 => {
                        let b = rng.next_u64() as u8;
                        raw.extend_from_slice(format!("\\x{b:02x}").as_bytes());
                        val.push(b);
                    }
                    1 => {
                        let (esc, b) = *rng.pick(&[(b'n', b'\n'), (b'r', b'\r'), (b't', b'\t'), (b'b', 8), (b'a', 7)]);
                        raw.extend_from_slice(&[b'\\', esc]);
                        val.push(b);
                    }
                    2 => {
                        let b = *rng.pick(b"\"\\q'");
                        raw.extend_from_slice(&[b'\\', b]);
                        val.push(b);
                    }
                    3 => {
                        raw.push(b' ');
                        val.push(b' ');
                    }
                    _ => {
                        let b = *rng.pick(PLAIN);
                        raw.push(b);
                        val.push(b);
                    }
                }
            }
            raw.push(b'"');
            (raw, val)
        }
        1 => {
            let mut raw = vec![b'\''];
            let mut val = Vec::new();
            for _ in 0..rng.below(10) {
                if rng.chance(15) {
                    raw.extend_from_slice(b"\\'");
                    val.push(b'\'');
                } else {
                    let b = *rng.pick(b"ab \"xyz\t09");
                    raw.push(b);
                    val.push(b);
                }
            }
            raw.push(b'\'');
            (raw, val)
        }
        _ => {
            let w: Vec<u8> = (0..1 + rng.below(12)).map(|_| *rng.pick(PLAIN)).collect();
            (w.clone(), w)
        }
    }
}

fn inline(rng: &mut TestRng, out: &mut Vec<u8>, expected: &mut Vec<Vec<Vec<u8>>>) {
    let mut words = Vec::new();
    // An inline request never starts with `*` (that makes it multibulk).
    if rng.chance(70) {
        out.extend_from_slice(pick_bytes(rng, &[b"", b" ", b"\t "]));
    }
    for i in 0..rng.below(6) {
        let (raw, val) = inline_word(rng);
        if i == 0 && raw.first() == Some(&b'*') {
            continue;
        }
        if i > 0 || out.last().is_some_and(|b| *b != b' ' && *b != b'\t') {
            out.extend_from_slice(pick_bytes(rng, &[b" ", b"  ", b"\t"]));
        }
        out.extend_from_slice(&raw);
        words.push(val);
    }
    if rng.chance(20) {
        out.push(b' ');
    }
    out.extend_from_slice(if rng.chance(80) { b"\r\n" } else { b"\n" });
    expected.push(words);
}

fn valid_stream(rng: &mut TestRng) -> Stream {
    let mut bytes = Vec::new();
    let mut expected = Vec::new();
    for _ in 0..1 + rng.below(6) {
        match rng.below(10) {
            0..=5 => multibulk(rng, &mut bytes, &mut expected),
            6..=8 => inline(rng, &mut bytes, &mut expected),
            _ => {
                bytes.extend_from_slice(pick_bytes(rng, &[b"*0\r\n", b"*-1\r\n", b"\r\n", b"*-7\r\n"]));
                expected.push(Vec::new());
            }
        }
    }
    if bytes.len() > MAX_INPUT {
        return Stream { bytes: b"PING\r\n".to_vec(), expected: Some(vec![vec![b"PING".to_vec()]]) };
    }
    Stream { bytes, expected: Some(expected) }
}

fn mutate(rng: &mut TestRng, bytes: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(3) {
        let len = bytes.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                bytes[i] = *rng.pick(INTERESTING);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                bytes[i] = rng.next_u64() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                bytes.insert(i, *rng.pick(INTERESTING));
            }
            3 if len > 0 => {
                bytes.remove(rng.below(len));
            }
            4 => bytes.truncate(rng.below(len + 1)),
            5 if len > 0 => {
                let a = rng.below(len);
                let b = a + rng.below(len - a + 1).min(64);
                let piece = bytes[a..b].to_vec();
                let at = rng.below(len + 1);
                bytes.splice(at..at, piece);
            }
            6 => {
                // Replace a number (a count or a length) with an extreme one.
                if let Some(i) = (0..len).map(|_| rng.below(len)).find(|&i| bytes[i].is_ascii_digit()) {
                    let end = (i..len).find(|&j| !bytes[j].is_ascii_digit()).unwrap_or(len);
                    let n = *rng.pick(&[
                        &b"0"[..],
                        b"-1",
                        b"-2",
                        b"10",
                        b"11",
                        b"16384",
                        b"16385",
                        b"2147483647",
                        b"2147483648",
                        b"536870912",
                        b"536870913",
                        b"9223372036854775807",
                        b"99999999999999999999",
                    ]);
                    bytes.splice(i..end, n.iter().copied());
                }
            }
            _ => {
                let at = rng.below(len + 1);
                let junk: Vec<u8> = (0..1 + rng.below(6)).map(|_| *rng.pick(INTERESTING)).collect();
                bytes.splice(at..at, junk);
            }
        }
    }
    bytes.truncate(MAX_INPUT);
}

fn garbage(rng: &mut TestRng) -> Vec<u8> {
    let len = rng.below(120);
    (0..len).map(|_| if rng.chance(70) { *rng.pick(INTERESTING) } else { rng.next_u64() as u8 }).collect()
}

/// One fuzz input: valid (40%), mutated (45%) or garbage (15%).
fn input(rng: &mut TestRng) -> Stream {
    match rng.below(20) {
        0..=7 => valid_stream(rng),
        8..=16 => {
            let mut s = valid_stream(rng);
            mutate(rng, &mut s.bytes);
            Stream { bytes: s.bytes, expected: None }
        }
        _ => Stream { bytes: garbage(rng), expected: None },
    }
}

fn random_cuts(rng: &mut TestRng, len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = (0..rng.below(6)).map(|_| rng.below(len + 1)).collect();
    cuts.push(len);
    cuts.sort_unstable();
    cuts
}

fn limits(rng: &mut TestRng) -> Limits {
    match rng.below(10) {
        0 => Limits { authenticated: false, ..Limits::default() },
        1 => Limits { max_bulk_len: rng.range(0, 200), authenticated: true },
        _ => Limits::default(),
    }
}

/// Checks one input; returns how many decodings were compared.
fn check_one(rng: &mut TestRng, stream: &Stream) -> usize {
    let limits = limits(rng);
    let input = &stream.bytes;
    let whole = decode_whole(input, limits);
    let default_limits = limits.authenticated && limits.max_bulk_len == Limits::default().max_bulk_len;
    if let (Some(expected), true) = (&stream.expected, default_limits) {
        let got: Vec<Vec<Vec<u8>>> = whole.requests.iter().map(|r| r.iter().map(|a| a.to_vec()).collect()).collect();
        assert_eq!(&got, expected, "valid stream decoded wrongly");
        assert_eq!(whole.end, End::NeedMore(0), "valid stream left bytes behind");
    }
    let cuts = random_cuts(rng, input.len());
    assert_eq!(decode_pieces(input, &cuts, limits), whole, "split at {cuts:?} differs from whole");
    let mut n = 2;
    if rng.below(64) == 0 {
        let every: Vec<usize> = (1..=input.len()).collect();
        assert_eq!(decode_pieces(input, &every, limits), whole, "byte by byte differs from whole");
        n += 1;
    }
    n
}

fn fuzz_count() -> usize {
    let default = if cfg!(debug_assertions) { 150_000 } else { 1_000_000 };
    env_u64("FUZZ_INPUTS", default) as usize
}

#[test]
fn decoder_random_and_mutated_inputs() {
    let seed = env_u64("FUZZ_SEED", 0x5eed_decd);
    let count = fuzz_count();
    let done = Arc::new(AtomicUsize::new(0));
    let current = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    let worker = {
        let (done, current) = (done.clone(), current.clone());
        std::thread::spawn(move || {
            let mut rng = TestRng::new(seed);
            let (mut decodings, mut valid, mut bytes) = (0usize, 0usize, 0usize);
            for i in 0..count {
                let stream = input(&mut rng);
                *current.lock().unwrap() = stream.bytes.clone();
                let result = catch_unwind(AssertUnwindSafe(|| check_one(&mut rng, &stream)));
                match result {
                    Ok(n) => decodings += n,
                    Err(_) => {
                        let _ = tx
                            .send(Err(format!("input #{i} (FUZZ_SEED={seed}) failed: \"{}\"", escape(&stream.bytes))));
                        return;
                    }
                }
                valid += stream.expected.is_some() as usize;
                bytes += stream.bytes.len();
                done.store(i + 1, Ordering::Relaxed);
            }
            let _ = tx.send(Ok((decodings, valid, bytes)));
        })
    };
    // A watchdog, not a benchmark: only a decoder stuck in a loop trips it.
    match rx.recv_timeout(Duration::from_secs(600)) {
        Ok(Ok((decodings, valid, bytes))) => {
            worker.join().unwrap();
            println!(
                "decoder fuzz: {count} inputs ({valid} valid, {} mutated or garbage, {bytes} bytes), \
                 {decodings} decodings compared, seed {seed}",
                count - valid
            );
        }
        Ok(Err(msg)) => panic!("{msg}"),
        Err(_) => panic!(
            "decoder hung after {} inputs (FUZZ_SEED={seed}); current input: \"{}\"",
            done.load(Ordering::Relaxed),
            escape(&current.lock().unwrap())
        ),
    }
}

/// The decoder's own edge cases, deterministic.
#[test]
fn decoder_split_consistency_on_edge_cases() {
    let cases: &[&[u8]] = &[
        b"*1\r\n$4\r\nPING\r\n",
        b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
        b"*1\r\n$4\r\nPINGxx",
        b"PING\r\n",
        b"PING\n",
        b"\r\n\n*0\r\n*-1\r\n",
        b"*a\r\n",
        b"*1\r\nx\r\n",
        b"*1\r\n$-1\r\n",
        b"ECHO \"a\r\n",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*1\r\n$4\r\nPI",
        b"*2147483647\r\n$1\r\na\r\n",
    ];
    for input in cases {
        let whole = decode_whole(input, Limits::default());
        for split in 0..=input.len() {
            let cuts = [split, input.len()];
            assert_eq!(decode_pieces(input, &cuts, Limits::default()), whole, "\"{}\" split at {split}", escape(input));
        }
        let every: Vec<usize> = (1..=input.len()).collect();
        assert_eq!(decode_pieces(input, &every, Limits::default()), whole, "\"{}\" byte by byte", escape(input));
    }
}

// ---------------------------------------------------------------------------
// Through a live connection.
// ---------------------------------------------------------------------------

/// Requests built from commands that exist today and are harmless whatever
/// their arguments become, then mutated.
fn live_input(rng: &mut TestRng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..1 + rng.below(4) {
        let key = format!("k{}", rng.below(4));
        let cmd: Vec<&[u8]> = match rng.below(6) {
            0 => vec![b"PING"],
            1 => vec![b"ECHO", b"hello world"],
            2 => vec![b"SET", key.as_bytes(), b"value"],
            3 => vec![b"GET", key.as_bytes()],
            4 => vec![b"DEL", key.as_bytes(), b"k9"],
            _ => vec![b"EXISTS", key.as_bytes()],
        };
        if rng.chance(30) {
            let line: Vec<String> = cmd.iter().map(|a| format!("\"{}\"", String::from_utf8_lossy(a))).collect();
            out.extend_from_slice(line.join(" ").as_bytes());
            out.extend_from_slice(b"\r\n");
        } else {
            out.extend(encode(&cmd));
        }
    }
    if rng.chance(80) {
        mutate(rng, &mut out);
    }
    out
}

/// Checks that `answer` is a sequence of well-formed replies.
fn well_formed(answer: &[u8]) -> bool {
    let mut pos = 0;
    while pos < answer.len() {
        match Reply::parse(&answer[pos..]) {
            Ok(Some((_, used))) => pos += used,
            _ => return false,
        }
    }
    true
}

#[test]
fn decoder_fuzz_through_a_live_connection() {
    let s = TestServer::start(&[]);
    let mut watcher = s.conn();
    let mut rng = TestRng::new(env_u64("FUZZ_SEED", 0x11fe));
    let n = 2_000;
    for i in 0..n {
        let input = live_input(&mut rng);
        let answer = exchange_half_close(s.port, &input);
        assert!(well_formed(&answer), "input #{i} \"{}\" got malformed \"{}\"", escape(&input), escape(&answer));
        if i % 200 == 0 {
            assert_eq!(watcher.cmd(&["PING"]), simple("PONG"), "server alive after input #{i}");
        }
    }
    assert_eq!(watcher.cmd(&["PING"]), simple("PONG"));
    println!("live decoder fuzz: {n} inputs, each on its own connection");
}

#[test]
#[ignore = "needs redis-server"]
fn decoder_fuzz_matches_redis() {
    let ours = TestServer::start(&[]);
    let redis = RealRedis::start(&[]);
    let seed = env_u64("FUZZ_SEED", 0xc0ffee);
    let mut rng = TestRng::new(seed);
    let n = 1_000;
    let mut differences = Vec::new();
    let (mut ours_admin, mut redis_admin) = (ours.conn(), redis.conn());
    for _ in 0..n {
        let input = live_input(&mut rng);
        let theirs = exchange_half_close(redis.port, &input);
        let mine = exchange_half_close(ours.port, &input);
        // Each input starts from an empty keyspace, so one difference does not cascade.
        assert_eq!(redis_admin.cmd(&["FLUSHALL"]), ok());
        assert_eq!(ours_admin.cmd(&["FLUSHALL"]), ok());
        if mine != theirs {
            differences.push(format!(
                "input \"{}\":\n  redis: \"{}\"\n  ours:  \"{}\"",
                escape(&input),
                escape(&theirs),
                escape(&mine)
            ));
        }
    }
    println!("{} identical of {n} fuzzed inputs (FUZZ_SEED={seed})", n - differences.len());
    assert!(
        differences.is_empty(),
        "{} differ; the first ones:\n{}",
        differences.len(),
        differences.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
}
