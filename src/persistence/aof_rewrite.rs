//! An AOF base in commands (`aof-use-rdb-preamble no`), as Redis's
//! `rewriteAppendOnlyFileRio` writes it: per database a SELECT, per key the
//! commands that rebuild it (SET; RPUSH, SADD, ZADD, HMSET in groups of 64
//! items; XADD, XSETID, XGROUP CREATE, XCLAIM … FORCE and XGROUP
//! CREATECONSUMER for streams), then PEXPIREAT for a key with a TTL. Made
//! from the RDB the rewrite's snapshot wrote (read back with the RDB
//! reader), on a background thread. FUNCTION LOAD records come last here
//! (Redis: first); loading order does not matter for them.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::decode::Source;
use super::load::{Event, LoadOptions, read_records};
use super::object::Loaded;
use crate::types::stream::{Stream, StreamId};

/// Redis's AOF_REWRITE_ITEMS_PER_CMD.
const ITEMS_PER_CMD: usize = 64;

/// Converts the RDB at `rdb` into a commands file at `out`.
/// `timestamp`: the `#TS:` annotation to start with
/// (`aof-timestamp-enabled`).
pub fn rdb_to_commands(rdb: &Path, out: &Path, databases: usize, timestamp: Option<u64>) -> Result<(), String> {
    let input = std::fs::File::open(rdb).map_err(|e| format!("{}: {e}", rdb.display()))?;
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    let mut io_err: Option<std::io::Error> = None;
    if let Some(ts) = timestamp {
        w.write_all(format!("#TS:{ts}\r\n").as_bytes()).map_err(|e| e.to_string())?;
    }
    // Keys already expired are written too, as Redis's rewrite does.
    let opts = LoadOptions {
        now_ms: 0,
        verify_checksum: true,
        replace_duplicates: false,
        key_delay: 0,
        encodings: Default::default(),
    };
    let mut src = Source::new(std::io::BufReader::with_capacity(1 << 16, input));
    let mut current_db = None;
    let mut buf = Vec::with_capacity(1 << 12);
    let stats = read_records(&mut src, databases, &opts, |event| {
        let Event::Key(r) = event else { return Ok(()) };
        buf.clear();
        if current_db != Some(r.db) {
            cmd(&mut buf, &[b"SELECT", r.db.to_string().as_bytes()]);
            current_db = Some(r.db);
        }
        key_commands(&mut buf, r.key, &r.value);
        if let Some(at) = r.expire {
            cmd(&mut buf, &[b"PEXPIREAT", r.key, at.to_string().as_bytes()]);
        }
        if let Err(e) = w.write_all(&buf) {
            io_err.get_or_insert(e);
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    if let Some(e) = io_err {
        return Err(e.to_string());
    }
    buf.clear();
    for code in &stats.functions {
        cmd(&mut buf, &[b"FUNCTION", b"LOAD", code]);
    }
    w.write_all(&buf).map_err(|e| e.to_string())?;
    let file = w.into_inner().map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| e.to_string())
}

/// One command in RESP.
fn cmd(buf: &mut Vec<u8>, argv: &[&[u8]]) {
    header(buf, argv.len());
    for a in argv {
        bulk(buf, a);
    }
}

fn header(buf: &mut Vec<u8>, n: usize) {
    buf.push(b'*');
    buf.extend_from_slice(n.to_string().as_bytes());
    buf.extend_from_slice(b"\r\n");
}

fn bulk(buf: &mut Vec<u8>, a: &[u8]) {
    buf.push(b'$');
    buf.extend_from_slice(a.len().to_string().as_bytes());
    buf.extend_from_slice(b"\r\n");
    buf.extend_from_slice(a);
    buf.extend_from_slice(b"\r\n");
}

/// `name key item…` in groups of at most 64 items, each item `per` strings.
fn grouped<'a>(buf: &mut Vec<u8>, name: &[u8], key: &[u8], items: impl ExactSizeIterator<Item = Vec<&'a [u8]>>) {
    let mut left = items.len();
    let mut in_cmd = 0;
    for item in items {
        if in_cmd == 0 {
            let n = left.min(ITEMS_PER_CMD);
            header(buf, 2 + n * item.len());
            bulk(buf, name);
            bulk(buf, key);
        }
        for s in item {
            bulk(buf, s);
        }
        in_cmd += 1;
        left -= 1;
        if in_cmd == ITEMS_PER_CMD {
            in_cmd = 0;
        }
    }
}

fn key_commands(buf: &mut Vec<u8>, key: &[u8], value: &Loaded) {
    match value {
        Loaded::Str(v) => cmd(buf, &[b"SET", key, v]),
        Loaded::List(items) => grouped(buf, b"RPUSH", key, items.iter().map(|i| vec![i.as_slice()])),
        Loaded::Set(items) => grouped(buf, b"SADD", key, items.iter().map(|i| vec![i.as_slice()])),
        Loaded::Hash(pairs) => {
            grouped(buf, b"HMSET", key, pairs.iter().map(|(f, v)| vec![f.as_slice(), v.as_slice()]));
        }
        Loaded::ZSet(items) => {
            let scores: Vec<String> = items.iter().map(|(_, s)| crate::util::number::format_g17(*s)).collect();
            grouped(buf, b"ZADD", key, items.iter().zip(&scores).map(|((m, _), s)| vec![s.as_bytes(), m.as_slice()]));
        }
        Loaded::Stream(s) => stream_commands(buf, key, s),
    }
}

fn id(i: StreamId) -> String {
    i.to_string()
}

fn stream_commands(buf: &mut Vec<u8>, key: &[u8], s: &Stream) {
    if s.is_empty() {
        cmd(buf, &[b"XADD", key, b"MAXLEN", b"0", b"0-1", b"x", b"y"]);
    } else {
        for (eid, fields) in s.range(StreamId { ms: 0, seq: 0 }, StreamId { ms: u64::MAX, seq: u64::MAX }, false) {
            header(buf, 3 + fields.count());
            bulk(buf, b"XADD");
            bulk(buf, key);
            bulk(buf, id(eid).as_bytes());
            for f in fields.iter() {
                bulk(buf, f);
            }
        }
    }
    cmd(
        buf,
        &[
            b"XSETID",
            key,
            id(s.last_id).as_bytes(),
            b"ENTRIESADDED",
            s.entries_added.to_string().as_bytes(),
            b"MAXDELETEDID",
            id(s.max_deleted_id).as_bytes(),
        ],
    );
    for (name, g) in &s.groups {
        cmd(
            buf,
            &[
                b"XGROUP",
                b"CREATE",
                key,
                name,
                id(g.last_id).as_bytes(),
                b"ENTRIESREAD",
                g.entries_read.to_string().as_bytes(),
            ],
        );
        for (cname, c) in &g.consumers {
            if c.pel.is_empty() {
                cmd(buf, &[b"XGROUP", b"CREATECONSUMER", key, name, cname]);
                continue;
            }
            for pid in &c.pel {
                let Some(nack) = g.pel.get(pid) else { continue };
                cmd(
                    buf,
                    &[
                        b"XCLAIM",
                        key,
                        name,
                        cname,
                        b"0",
                        id(*pid).as_bytes(),
                        b"TIME",
                        nack.delivery_time.to_string().as_bytes(),
                        b"RETRYCOUNT",
                        nack.delivery_count.to_string().as_bytes(),
                        b"JUSTID",
                        b"FORCE",
                    ],
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_go_in_groups_of_64() {
        let items: Vec<Vec<u8>> = (0..130).map(|i| i.to_string().into_bytes()).collect();
        let mut buf = Vec::new();
        key_commands(&mut buf, b"l", &Loaded::List(items));
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(text.matches("RPUSH").count(), 3);
        assert!(text.starts_with("*66\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\n0\r\n"));
        assert!(text.contains("*4\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$3\r\n128\r\n$3\r\n129\r\n"));
    }

    #[test]
    fn zset_scores_as_redis_prints_them() {
        let mut buf = Vec::new();
        key_commands(&mut buf, b"z", &Loaded::ZSet(vec![(b"a".to_vec(), 0.1)]));
        assert_eq!(buf, b"*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n");
    }
}
