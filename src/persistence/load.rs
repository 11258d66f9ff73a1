//! Reads a whole RDB file (any version from 1 to 12) into databases, as
//! Redis's `rdbLoadRio`: AUX fields noted (unknown ones skipped), expired
//! keys dropped, empty collections skipped, duplicate keys refused (or
//! replaced, for DEBUG RELOAD MERGE), the CRC-64 trailer verified. On any
//! error the caller discards the databases: nothing is half-loaded.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use super::decode::{LoadError, LoadResult, Source, corrupt};
use super::format::{self, op};
use super::object::{self, Loaded};
use super::values;
use crate::keyspace::{CompactBytes, Db};

#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Keys whose expiry is before this Unix ms are dropped.
    pub now_ms: u64,
    /// Verify the CRC-64 trailer (`rdbchecksum`).
    pub verify_checksum: bool,
    /// A key already present replaces nothing and fails the load, unless
    /// this is set (then the file's value wins).
    pub replace_duplicates: bool,
    /// Redis's `key-load-delay` (tests): microseconds to wait per key
    /// (negative: one every -N keys).
    pub key_delay: i64,
    /// The compact-encoding thresholds values are built with.
    pub encodings: values::Encodings,
}

#[derive(Debug, Default, Clone)]
pub struct LoadStats {
    pub version: u16,
    pub loaded: u64,
    pub expired: u64,
    pub empty_skipped: u64,
    /// `used-mem` from the file's AUX fields.
    pub rdb_used_mem: u64,
    /// Lines Redis would log while loading (AUX information).
    pub notes: Vec<String>,
    /// The FUNCTION libraries' source codes (`FUNCTION2` records), for the
    /// server to load once the keys are in.
    pub functions: Vec<Vec<u8>>,
    /// `repl-stream-db` from the AUX fields: the database the master's
    /// stream has selected after this snapshot (replication).
    pub repl_stream_db: Option<usize>,
    /// `repl-id` and `repl-offset`: the replication history the snapshot
    /// is at (a replica restarted from it continues with PSYNC).
    pub repl_id: Option<String>,
    pub repl_offset: Option<i64>,
}

/// Loads the file at `path` into `dbs`. `Ok(None)` if there is no file.
pub fn load_file(
    path: &Path,
    dbs: &mut [Db],
    opts: &LoadOptions,
    progress: Option<Arc<AtomicU64>>,
) -> LoadResult<Option<LoadStats>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(LoadError::Io(e.to_string())),
    };
    let mut src = Source::new(file);
    if let Some(p) = progress {
        src = src.with_progress(p);
    }
    load(&mut src, dbs, opts).map(Some)
}

/// What the reader finds, in file order.
pub enum Event<'a> {
    /// RESIZEDB: database `db` will hold about `keys` keys.
    Resize {
        db: usize,
        keys: u64,
    },
    Key(Record<'a>),
}

/// One live key as read from a file.
pub struct Record<'a> {
    pub db: usize,
    pub key: &'a [u8],
    pub value: Loaded,
    /// Unix ms; `None` without a TTL.
    pub expire: Option<u64>,
    /// LRU idle seconds it was saved with.
    pub idle: Option<u64>,
}

/// Loads an RDB stream into `dbs`.
pub fn load<R: Read>(src: &mut Source<R>, dbs: &mut [Db], opts: &LoadOptions) -> LoadResult<LoadStats> {
    let databases = dbs.len();
    read_records(src, databases, opts, |event| {
        let r = match event {
            Event::Resize { db, keys } => {
                // A hint: trust it only up to a sane size.
                dbs[db].reserve(keys.min(1 << 24) as usize);
                return Ok(());
            }
            Event::Key(r) => r,
        };
        let value = values::into_value(r.value, &opts.encodings)?;
        let expire_ms = r.expire.unwrap_or(0);
        let target = &mut dbs[r.db];
        if let Err((k, v)) = target.load_insert(CompactBytes::new(r.key), value, expire_ms, r.idle, opts.now_ms) {
            if !opts.replace_duplicates {
                return Err(LoadError::Duplicate { key: r.key.to_vec(), db: r.db });
            }
            target.remove(r.key, opts.now_ms);
            let _ = target.load_insert(k, v, expire_ms, r.idle, opts.now_ms);
        }
        Ok(())
    })
}

/// Reads an RDB stream and hands each live key (and size hint) to
/// `on_event` (keys expired by `opts.now_ms` and empty collections are
/// counted and skipped). `databases`: how many the server has.
pub fn read_records<R: Read>(
    src: &mut Source<R>,
    databases: usize,
    opts: &LoadOptions,
    mut on_event: impl FnMut(Event<'_>) -> LoadResult<()>,
) -> LoadResult<LoadStats> {
    let mut magic = [0u8; 9];
    src.read_into(&mut magic)?;
    if &magic[..5] != b"REDIS" {
        return Err(LoadError::Signature);
    }
    // Redis reads the version with atoi: digits only.
    let version: u16 = std::str::from_utf8(&magic[5..]).ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    if !(1..=format::RDB_MAX_VERSION).contains(&version) {
        return Err(LoadError::Version(version));
    }
    let mut stats = LoadStats { version, ..Default::default() };
    let mut db = 0usize;
    let mut expire: Option<i64> = None;
    let mut idle: Option<u64> = None;
    let mut key = Vec::new();
    loop {
        let t = src.u8()?;
        match t {
            op::EXPIRETIME => {
                expire = Some(i64::from(src.u32_le()? as i32) * 1000);
                continue;
            }
            op::EXPIRETIME_MS => {
                expire = Some(src.u64_le()? as i64);
                continue;
            }
            op::FREQ => {
                src.u8()?;
                continue;
            }
            op::IDLE => {
                idle = Some(src.length()?);
                continue;
            }
            op::EOF => break,
            op::SELECTDB => {
                let id = src.length()?;
                if id >= databases as u64 {
                    return Err(LoadError::Databases(databases as u64));
                }
                db = id as usize;
                continue;
            }
            op::RESIZEDB => {
                let keys = src.length()?;
                src.length()?;
                on_event(Event::Resize { db, keys })?;
                continue;
            }
            op::AUX => {
                let k = src.string()?;
                let v = src.string()?;
                aux(&mut stats, &k, &v, opts.now_ms);
                continue;
            }
            op::MODULE_AUX => {
                let id = src.length()?;
                return Err(LoadError::Unsupported(format!("AUX data of module '{}'", object::module_name(id))));
            }
            op::FUNCTION2 => {
                stats.functions.push(src.string()?);
                continue;
            }
            op::FUNCTION_PRE_GA => {
                return Err(LoadError::Unsupported("Redis functions in the pre-GA format".into()));
            }
            op::SLOT_INFO => {
                src.length()?;
                src.length()?;
                src.length()?;
                continue;
            }
            t if !object::is_value_type(t) => return Err(corrupt(format!("Unknown RDB encoding type {t}"))),
            _ => {}
        }
        src.string_into(&mut key)?;
        let value = object::read(src, t).map_err(|e| match e {
            LoadError::Unsupported(what) => {
                LoadError::Unsupported(format!("{what} at key '{}'", String::from_utf8_lossy(&key)))
            }
            other => other,
        })?;
        let (at, idle_s) = (expire.take(), idle.take());
        super::writer::key_delay(opts.key_delay, 1);
        if value.is_empty() {
            stats.empty_skipped += 1;
            if stats.empty_skipped <= 10 {
                stats.notes.push(format!("rdbLoadObject skipping empty key: {}", String::from_utf8_lossy(&key)));
            }
            continue;
        }
        if let Some(at) = at
            && at < opts.now_ms as i64
        {
            stats.expired += 1;
            continue;
        }
        on_event(Event::Key(Record { db, key: &key, value, expire: at.map(|a| a.max(1) as u64), idle: idle_s }))?;
        stats.loaded += 1;
    }
    if version >= 5 {
        let computed = src.checksum();
        let stored = src.u64_le()?;
        if opts.verify_checksum {
            if stored == 0 {
                stats.notes.push("RDB file was saved with checksum disabled: no check performed.".into());
            } else if stored != computed {
                return Err(LoadError::Checksum { expected: computed, got: stored });
            }
        }
    }
    Ok(stats)
}

/// Notes an AUX field as Redis logs it.
fn aux(stats: &mut LoadStats, k: &[u8], v: &[u8], now_ms: u64) {
    let text = String::from_utf8_lossy(v);
    let num = || text.trim().parse::<i64>().unwrap_or(0);
    if k.first() == Some(&b'%') {
        stats.notes.push(format!("RDB '{}': {}", String::from_utf8_lossy(k), text));
        return;
    }
    match &k.to_ascii_lowercase()[..] {
        b"redis-ver" => stats.notes.push(format!("Loading RDB produced by version {text}")),
        b"ctime" => {
            let age = (now_ms / 1000) as i64 - num();
            stats.notes.push(format!("RDB age {} seconds", age.max(0)));
        }
        b"used-mem" => {
            stats.rdb_used_mem = num().max(0) as u64;
            stats.notes.push(format!("RDB memory usage when created {:.2} Mb", num() as f64 / (1024.0 * 1024.0)));
        }
        b"aof-preamble" if num() != 0 => stats.notes.push("RDB has an AOF tail".into()),
        b"aof-base" if num() != 0 => stats.notes.push("RDB is base AOF".into()),
        b"repl-stream-db" => stats.repl_stream_db = usize::try_from(num()).ok(),
        b"repl-id" if v.len() == 40 => stats.repl_id = Some(text.into_owned()),
        b"repl-offset" => stats.repl_offset = Some(num()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    type Keys = BTreeMap<(usize, Vec<u8>), (Loaded, Option<u64>)>;

    fn opts() -> LoadOptions {
        LoadOptions {
            now_ms: 1_700_000_000_000,
            verify_checksum: true,
            replace_duplicates: false,
            key_delay: 0,
            encodings: Default::default(),
        }
    }

    fn read_data(name: &str) -> LoadResult<(Keys, LoadStats)> {
        read_data_at(name, opts())
    }

    fn read_data_at(name: &str, opts: LoadOptions) -> LoadResult<(Keys, LoadStats)> {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        read_bytes(&bytes, opts)
    }

    fn read_bytes(bytes: &[u8], opts: LoadOptions) -> LoadResult<(Keys, LoadStats)> {
        let mut keys = Keys::new();
        let stats = read_records(&mut Source::new(bytes), 16, &opts, |e| {
            if let Event::Key(r) = e {
                keys.insert((r.db, r.key.to_vec()), (r.value, r.expire));
            }
            Ok(())
        })?;
        Ok((keys, stats))
    }

    fn get<'a>(keys: &'a Keys, db: usize, key: &str) -> &'a Loaded {
        &keys.get(&(db, key.as_bytes().to_vec())).unwrap_or_else(|| panic!("no key {key}")).0
    }

    fn list(items: &[&str]) -> Vec<Vec<u8>> {
        items.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    fn sorted(l: &Loaded) -> Loaded {
        match l.clone() {
            Loaded::Set(mut v) => {
                v.sort();
                Loaded::Set(v)
            }
            Loaded::Hash(mut v) => {
                v.sort();
                Loaded::Hash(v)
            }
            Loaded::ZSet(mut v) => {
                v.sort_by(|a, b| a.0.cmp(&b.0));
                Loaded::ZSet(v)
            }
            other => other,
        }
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut v: Vec<_> = items.iter().map(|(a, b)| (a.as_bytes().to_vec(), b.as_bytes().to_vec())).collect();
        v.sort();
        v
    }

    /// Redis's own test asset (RDB v4, Redis 2.x encodings: zipmap,
    /// ziplist, intset of 16/32/64 bits, linked lists and hash tables), with
    /// the contents its test suite expects.
    #[test]
    fn redis_encodings_asset() {
        let (keys, stats) = read_data("redis-asset-encodings.rdb").unwrap();
        assert_eq!(stats.loaded, 13);
        assert_eq!(get(&keys, 0, "compressible"), &Loaded::Str(vec![b'a'; 137]));
        assert_eq!(get(&keys, 0, "number"), &Loaded::Str(b"10".to_vec()));
        assert_eq!(get(&keys, 0, "string"), &Loaded::Str(b"Hello World".to_vec()));
        let l = list(&["1", "2", "3", "a", "b", "c", "100000", "6000000000"]);
        assert_eq!(get(&keys, 0, "list_zipped"), &Loaded::List(l.clone()));
        assert_eq!(get(&keys, 0, "list"), &Loaded::List(l.iter().cycle().take(24).cloned().collect()));
        assert_eq!(sorted(get(&keys, 0, "set_zipped_1")), Loaded::Set(list(&["1", "2", "3", "4"])));
        assert_eq!(
            sorted(get(&keys, 0, "set_zipped_3")),
            Loaded::Set(list(&["1000000000", "2000000000", "3000000000", "4000000000", "5000000000", "6000000000"]))
        );
        assert_eq!(sorted(get(&keys, 0, "hash_zipped")), Loaded::Hash(pairs(&[("a", "1"), ("b", "2"), ("c", "3")])));
        let Loaded::Hash(h) = get(&keys, 0, "hash") else { panic!() };
        assert!(h.contains(&(b"eee".to_vec(), b"5000000000".to_vec())));
        assert_eq!(
            sorted(get(&keys, 0, "zset_zipped")),
            Loaded::ZSet(vec![(b"a".to_vec(), 1.0), (b"b".to_vec(), 2.0), (b"c".to_vec(), 3.0)])
        );
        let Loaded::ZSet(z) = get(&keys, 0, "zset") else { panic!() };
        assert!(z.contains(&(b"bbbb".to_vec(), 5000000000.0)));
        assert_eq!(z.len(), 12);
    }

    #[test]
    fn redis_old_encoding_assets() {
        let (keys, _) = read_data("redis-asset-hash-zipmap.rdb").unwrap();
        assert_eq!(sorted(get(&keys, 0, "hash")), Loaded::Hash(pairs(&[("f1", "v1"), ("f2", "v2")])));
        let (keys, _) = read_data("redis-asset-hash-ziplist.rdb").unwrap();
        assert_eq!(sorted(get(&keys, 0, "hash")), Loaded::Hash(pairs(&[("f1", "v1"), ("f2", "v2")])));
        let (keys, _) = read_data("redis-asset-zset-ziplist.rdb").unwrap();
        assert_eq!(get(&keys, 0, "zset"), &Loaded::ZSet(vec![(b"one".to_vec(), 1.0), (b"two".to_vec(), 2.0)]));
        let (keys, _) = read_data("redis-asset-list-quicklist.rdb").unwrap();
        assert_eq!(get(&keys, 0, "x"), &Loaded::Str(b"7".to_vec()));
        assert!(matches!(get(&keys, 0, "list"), Loaded::List(l) if l[0] == b"7"));
        let (keys, stats) = read_data("redis-asset-scriptbackup.rdb").unwrap();
        assert!(keys.is_empty(), "a `lua` AUX field is skipped");
        assert_eq!(stats.loaded, 0);
    }

    #[test]
    fn empty_keys_are_skipped_and_corrupt_ziplists_refused() {
        let (keys, stats) = read_data("redis-asset-corrupt_empty_keys.rdb").unwrap();
        assert!(keys.is_empty());
        assert!(stats.empty_skipped >= 9, "{}", stats.empty_skipped);
        assert!(stats.notes.iter().any(|n| n == "rdbLoadObject skipping empty key: list_quicklist_empty_ziplist"));
        let err = read_data("redis-asset-corrupt_ziplist.rdb").unwrap_err();
        assert!(err.to_string().contains("integrity check failed"), "{err}");
    }

    /// Written by `scripts/make-rdb-testdata.py` with redis-server 7.0.15:
    /// listpacks, intsets, quicklists (with a plain node), hash tables,
    /// skiplists, binary data, expiries, databases 0, 1, 2 and 15.
    #[test]
    fn redis_7_all_types() {
        let now = LoadOptions { now_ms: crate::util::time::unix_ms(), ..opts() };
        let (keys, stats) = read_data_at("redis-7.0-all-types.rdb", now).unwrap();
        assert_eq!(stats.version, 10);
        assert_eq!(stats.expired, 1, "`gone` was past its TTL when saved");
        assert_eq!(stats.loaded, 25);
        assert_eq!(get(&keys, 0, "empty"), &Loaded::Str(Vec::new()));
        assert_eq!(get(&keys, 0, "int-64"), &Loaded::Str(b"9223372036854775807".to_vec()));
        let bin = keys.get(&(0, b"bin\x00key\r\n\xff".to_vec())).expect("binary key");
        assert_eq!(bin, &(Loaded::Str(b"\x00\x01\x02\xff\xfe\r\n".to_vec()), None));
        assert_eq!(get(&keys, 0, "compressible"), &Loaded::Str(vec![b'a'; 500]));
        assert_eq!(get(&keys, 0, "big"), &Loaded::Str(b"xyz".repeat(40000)));
        assert_eq!(keys[&(0, b"ttl".to_vec())].1, Some(4102444800000));
        assert_eq!(keys[&(15, b"db15".to_vec())].1, Some(4102444800001));
        assert_eq!(get(&keys, 1, "db1"), &Loaded::Str(b"one".to_vec()));
        assert_eq!(get(&keys, 2, "list-small"), &Loaded::List(list(&["a", "1", "", "\0b"])));
        let Loaded::List(big) = get(&keys, 2, "list-big") else { panic!() };
        assert_eq!(big.len(), 3000);
        assert_eq!(big[2999], b"2999".repeat(5));
        assert_eq!(get(&keys, 2, "list-plain-node"), &Loaded::List(vec![vec![b'q'; 10000], b"small".to_vec()]));
        assert_eq!(sorted(get(&keys, 2, "set-ints")), Loaded::Set(list(&["-5", "1", "1099511627776", "2", "3"])));
        assert_eq!(
            sorted(get(&keys, 2, "set-small")),
            Loaded::Set(vec![b"a".to_vec(), b"b".to_vec(), b"\xff".to_vec()])
        );
        assert!(matches!(get(&keys, 2, "set-big"), Loaded::Set(v) if v.len() == 1000));
        assert_eq!(
            sorted(get(&keys, 2, "hash-small")),
            Loaded::Hash(pairs(&[("f", "v"), ("n", "12"), ("", "empty-field")]))
        );
        assert_eq!(keys[&(2, b"hash-small".to_vec())].1, Some(4102444800000));
        assert!(
            matches!(get(&keys, 2, "hash-big"), Loaded::Hash(v) if v.len() == 1000 && v.contains(&(b"f999".to_vec(), b"v999".to_vec())))
        );
        assert_eq!(
            sorted(get(&keys, 2, "zset-small")),
            Loaded::ZSet(vec![(b"a".to_vec(), 1.5), (b"b".to_vec(), -2.0), (b"c".to_vec(), f64::INFINITY)])
        );
        let Loaded::ZSet(z) = get(&keys, 2, "zset-big") else { panic!() };
        assert_eq!(z.len(), 1000);
        assert!(z.contains(&(b"m999".to_vec(), 333.0)));
    }
}
