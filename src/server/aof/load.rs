//! Loading the AOF (Redis's `loadAppendOnlyFiles`): the base and incr
//! files of the manifest replayed command by command through the
//! dispatcher as a fake client; truncated and bad files handled as Redis
//! does; the files created or opened at startup.

use super::*;

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

/// Outcome of loading one file or the whole AOF (Redis's AOF_* codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loaded {
    Ok,
    NotExist,
    Empty,
    Truncated,
    Failed,
}

/// Loads the AOF files of `m` into the (empty) dataset
/// (`loadAppendOnlyFiles`).
fn load_files(srv: &mut Server, m: &Manifest) -> Loaded {
    if m.is_empty() {
        return Loaded::NotExist;
    }
    let files: Vec<(String, bool)> =
        m.base.iter().map(|b| (b.name.clone(), true)).chain(m.incr.iter().map(|i| (i.name.clone(), false))).collect();
    let mut total = 0u64;
    for (name, _) in &files {
        match std::fs::metadata(file_path(srv, name)) {
            Ok(md) => total += md.len(),
            Err(e) => {
                crate::log::warning(&format!("Unable to obtain the AOF file {name} length. stat: {}", strerror(&e)));
                return Loaded::Failed;
            }
        }
    }
    if total == 0 {
        return Loaded::Empty;
    }
    if let Some(l) = srv.persist.loading.as_mut() {
        l.total_bytes = total;
    }
    let n = files.len();
    let mut ret = Loaded::Ok;
    let mut base_size = 0;
    for (i, (name, is_base)) in files.iter().enumerate() {
        let last = i + 1 == n;
        let started = std::time::Instant::now();
        if *is_base {
            base_size = std::fs::metadata(file_path(srv, name)).map(|m| m.len()).unwrap_or(0);
        }
        ret = load_one(srv, name);
        if ret == Loaded::Ok || (ret == Loaded::Truncated && last) {
            let kind = if *is_base { "base" } else { "incr" };
            crate::log::notice(&format!(
                "DB loaded from {kind} file {name}: {:.3} seconds",
                started.elapsed().as_secs_f64()
            ));
        }
        if ret == Loaded::Empty && !is_base {
            ret = Loaded::Ok;
        }
        if ret == Loaded::Truncated && !last {
            crate::log::warning("Fatal error: the truncated file is not the last file");
            return Loaded::Failed;
        }
        if ret == Loaded::Failed {
            return ret;
        }
    }
    srv.aof.current_size = total;
    srv.aof.base_size = base_size;
    ret
}

/// Loads one file (`loadSingleAppendOnlyFile`).
fn load_one(srv: &mut Server, name: &str) -> Loaded {
    let path = file_path(srv, name);
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::log::warning(&format!("The append log file {name} doesn't exist: {}", strerror(&e)));
            return Loaded::NotExist;
        }
        Err(e) => {
            crate::log::warning(&format!(
                "Fatal error: can't open the append log file {name} for reading: {}",
                strerror(&e)
            ));
            return Loaded::Failed;
        }
    };
    if data.is_empty() {
        return Loaded::Empty;
    }
    let mut start = 0;
    if data.starts_with(b"REDIS") {
        let old_style = name == srv.config.appendfilename;
        crate::log::notice(if old_style {
            "Reading RDB preamble from AOF file..."
        } else {
            "Reading RDB base file on AOF loading..."
        });
        match crate::server::save::load_rdb_preamble(srv, &data) {
            Ok(consumed) => start = consumed,
            Err(e) => {
                crate::log::warning(&e);
                crate::log::warning(&if old_style {
                    format!("Error reading the RDB preamble of the AOF file {name}, AOF loading aborted")
                } else {
                    format!("Error reading the RDB base file {name}, AOF loading aborted")
                });
                return Loaded::Failed;
            }
        }
        if old_style {
            crate::log::notice("Reading the remaining AOF tail...");
        }
    }
    replay(srv, name, &path, &data, start)
}

enum Parse {
    /// A command and the offset after it.
    Command(Vec<Bytes>, usize),
    Eof,
    /// Ends early (truncated).
    Short,
    Format,
}

/// `fgets` with Redis's 1024-byte buffer: the line (with its `\n`, if
/// any) from `pos`.
fn fgets(data: &[u8], pos: usize) -> Option<&[u8]> {
    if pos >= data.len() {
        return None;
    }
    let max = (data.len() - pos).min(1023);
    let end = data[pos..pos + max].iter().position(|&b| b == b'\n').map_or(pos + max, |i| pos + i + 1);
    Some(&data[pos..end])
}

fn atoi_prefix(s: &[u8]) -> i64 {
    let mut i = 0;
    while i < s.len() && (s[i] == b' ' || s[i] == b'\t') {
        i += 1;
    }
    let neg = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let mut n: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        n = n.saturating_mul(10).saturating_add(i64::from(s[i] - b'0'));
        i += 1;
    }
    if neg { -n } else { n }
}

/// Reads the next command at `pos` as Redis's loader does.
fn next_command(data: &[u8], mut pos: usize) -> Parse {
    loop {
        let Some(line) = fgets(data, pos) else { return Parse::Eof };
        pos += line.len();
        if line[0] == b'#' {
            continue;
        }
        if line[0] != b'*' {
            return Parse::Format;
        }
        if line.len() == 1 {
            return Parse::Short;
        }
        let argc = atoi_prefix(&line[1..]);
        if argc < 1 {
            return Parse::Format;
        }
        let mut argv = Vec::with_capacity(argc.min(1024) as usize);
        for _ in 0..argc {
            let Some(line) = fgets(data, pos) else { return Parse::Short };
            if line[0] != b'$' {
                return Parse::Format;
            }
            pos += line.len();
            let len = atoi_prefix(&line[1..]).max(0) as usize;
            if data.len() - pos < len || (len > 0 && pos >= data.len()) {
                return Parse::Short;
            }
            argv.push(Bytes::copy_from_slice(&data[pos..pos + len]));
            pos += len;
            if data.len() - pos < 2 {
                return Parse::Short;
            }
            pos += 2;
        }
        return Parse::Command(argv, pos);
    }
}

/// Runs the commands of `data` from `start` through the dispatcher as a
/// fake client.
fn replay(srv: &mut Server, name: &str, path: &Path, data: &[u8], start: usize) -> Loaded {
    let mut client = Client::new(crate::server::client::CLIENT_ID_AOF, String::new(), String::new(), -1, true);
    client.deny_blocking = true;
    let truncate_ok = yes(srv, "aof-load-truncated");
    let key_delay = srv.config.get("key-load-delay").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let mut loops: u64 = 0;
    let mut pos = start;
    let mut valid_up_to = start;
    let mut valid_before_multi = start;
    let failure = loop {
        // As Redis's `processEventsWhileBlocked`: while loading at startup
        // other clients are served (LOADING) every 1024 commands.
        if loops.is_multiple_of(1024)
            && let Some(l) = srv.persist.loading.as_ref()
        {
            l.loaded_bytes.store(l.loaded_bytes.load(Ordering::Relaxed).max(pos as u64), Ordering::Relaxed);
            crate::server::busy::serve_clients(srv);
        }
        loops += 1;
        match next_command(data, pos) {
            Parse::Eof => {
                if client.multi.is_some() {
                    crate::log::warning(&format!("Revert incomplete MULTI/EXEC transaction in AOF file {name}"));
                    valid_up_to = valid_before_multi;
                    break Some(Parse::Short);
                }
                break None;
            }
            Parse::Command(argv, next) => {
                if argv[0].eq_ignore_ascii_case(b"multi") {
                    valid_before_multi = valid_up_to;
                }
                if !crate::server::dispatch::run_loaded(srv, &mut client, &argv) {
                    crate::log::warning(&format!(
                        "Unknown command '{}' reading the append only file {name}",
                        String::from_utf8_lossy(&argv[0])
                    ));
                    return Loaded::Failed;
                }
                pos = next;
                if truncate_ok {
                    valid_up_to = pos;
                }
                crate::persistence::writer::key_delay(key_delay, 1);
            }
            other => break Some(other),
        }
    };
    match failure {
        None => Loaded::Ok,
        Some(Parse::Format) => {
            crate::log::warning(&format!(
                "Bad file format reading the append only file {name}: make a backup of your AOF file, then use \
                 ./redis-check-aof --fix <filename.manifest>"
            ));
            Loaded::Failed
        }
        Some(_) => {
            if truncate_ok {
                crate::log::warning(&format!("!!! Warning: short read while loading the AOF file {name}!!!"));
                crate::log::warning(&format!("!!! Truncating the AOF {name} at offset {valid_up_to} !!!"));
                match OpenOptions::new().write(true).open(path).and_then(|f| f.set_len(valid_up_to as u64)) {
                    Ok(()) => {
                        crate::log::warning(&format!("AOF {name} loaded anyway because aof-load-truncated is enabled"));
                        return Loaded::Truncated;
                    }
                    Err(e) => crate::log::warning(&format!("Error truncating the AOF file {name}: {}", strerror(&e))),
                }
            }
            crate::log::warning(&format!(
                "Unexpected end of file reading the append only file {name}. You can: 1) Make a backup of your AOF \
                 file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the \
                 'aof-load-truncated' configuration option to yes and restart the server."
            ));
            Loaded::Failed
        }
    }
}

/// Loading with propagation off (Redis: `server.loading`), then the
/// expiry log emptied: nothing loaded is fed back to the AOF or replicas.
fn load_quietly(srv: &mut Server, m: &Manifest) -> Loaded {
    let propagate = std::mem::replace(&mut srv.repl.propagate, false);
    for db in &mut srv.keyspace.dbs {
        db.loading = true;
    }
    // INFO `loading:1`; other clients get LOADING (startup and DEBUG
    // LOADAOF alike, as Redis's `startLoading`).
    crate::server::save::loading_begin(srv, 0);
    let ret = load_files(srv, m);
    crate::server::save::loading_end(srv);
    srv.repl.propagate = propagate;
    for db in &mut srv.keyspace.dbs {
        db.loading = false;
        db.expired_log.clear();
    }
    srv.dirty = 0;
    ret
}

/// Startup with `appendonly yes` (Redis's `loadDataFromDisk` for the AOF
/// and `aofOpenIfNeededOnServerStart`). The error is the last log line
/// before exiting.
pub fn startup(srv: &mut Server) -> Result<(), String> {
    srv.aof.state = State::On;
    srv.aof.timestamps = yes(srv, "aof-timestamp-enabled");
    srv.aof.no_fsync_on_rewrite = yes(srv, "no-appendfsync-on-rewrite");
    let mut m = load_manifest_from_disk(srv)?;
    let old = Path::new(&srv.config.appendfilename);
    if old.is_file() {
        let dir_exists = dirname(srv).is_dir();
        let only_old_base = m.incr.is_empty()
            && m.base.as_ref().is_some_and(|b| b.name == srv.config.appendfilename)
            && !file_path(srv, &srv.config.appendfilename).exists();
        if !dir_exists || m.is_empty() || only_old_base {
            upgrade(srv, &mut m)?;
        }
    }
    let started = std::time::Instant::now();
    match load_quietly(srv, &m) {
        // Redis's last line before exiting is the loader's own (logged).
        Loaded::Failed => return Err(String::new()),
        Loaded::NotExist => {}
        _ => crate::log::notice(&format!(
            "DB loaded from append only file: {:.3} seconds",
            started.elapsed().as_secs_f64()
        )),
    }
    srv.aof.manifest = m;
    open_on_start(srv)?;
    crate::server::replication::refresh_propagate(srv);
    Ok(())
}

fn open_on_start(srv: &mut Server) -> Result<(), String> {
    create_dir(srv)?;
    let incr_len = srv.aof.manifest.incr.len();
    if srv.aof.manifest.base.is_none() && incr_len == 0 {
        let rdb = yes(srv, "aof-use-rdb-preamble");
        let name = srv.aof.manifest.new_base(&srv.config.appendfilename, rdb);
        let tmp = PathBuf::from(format!("temp-rewriteaof-{}.aof", std::process::id()));
        let dest = file_path(srv, &name);
        let snapshot =
            if rdb { dest.clone() } else { PathBuf::from(format!("temp-rewriteaof-{}.rdb", std::process::id())) };
        let written = crate::server::save::write_aof_base(srv, tmp, &snapshot).and_then(|_| {
            if rdb {
                return Ok(());
            }
            let ts = srv.aof.timestamps.then(now_secs);
            let r = crate::persistence::aof_rewrite::rdb_to_commands(&snapshot, &dest, srv.keyspace.dbs.len(), ts);
            let _ = std::fs::remove_file(&snapshot);
            r
        });
        written.map_err(|e| {
            crate::log::warning(&e);
            "Can't create the AOF base file".to_string()
        })?;
        srv.aof.base_size = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
        srv.aof.current_size = srv.aof.base_size;
        crate::log::notice(&format!("Creating AOF base file {name} on server start"));
    }
    let name = match srv.aof.manifest.incr.last() {
        Some(i) => i.name.clone(),
        None => srv.aof.manifest.new_incr(&srv.config.appendfilename),
    };
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(file_path(srv, &name))
        .map_err(|e| format!("Can't open the append-only file {name}: {}", strerror(&e)))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    srv.aof.file = Some(file);
    persist_manifest(srv, &srv.aof.manifest).map_err(|()| "Can't persist the AOF manifest".to_string())?;
    srv.aof.last_incr_size = size;
    srv.aof.last_incr_fsync_offset = size;
    srv.aof.last_fsync = now_secs();
    srv.aof.seldb = None;
    if incr_len > 0 {
        crate::log::notice(&format!("Opening AOF incr file {name} on server start"));
    } else {
        crate::log::notice(&format!("Creating AOF incr file {name} on server start"));
    }
    Ok(())
}

/// DEBUG LOADAOF: write the buffer, empty the dataset, load the AOF again.
/// A failure ends the server, as in Redis.
pub fn debug_loadaof(srv: &mut Server) {
    if srv.aof.state == State::On {
        write_buf(srv, true);
    }
    crate::server::tracking::flushed(srv, None);
    for db in &mut srv.keyspace.dbs {
        let t = db.clear();
        crate::server::lazyfree::free_later(t, 0);
    }
    let m = match load_manifest_from_disk(srv) {
        Ok(m) => m,
        Err(e) => {
            crate::log::warning(&e);
            std::process::exit(1);
        }
    };
    srv.aof.manifest = m.clone();
    delete_history(srv);
    let m = srv.aof.manifest.clone();
    match load_quietly(srv, &m) {
        Loaded::Ok | Loaded::Empty => {}
        _ => std::process::exit(1),
    }
    srv.dirty = 0;
    crate::log::warning("Append Only File loaded by DEBUG LOADAOF");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(data: &[u8]) -> Vec<Vec<Bytes>> {
        let mut pos = 0;
        let mut out = Vec::new();
        while let Parse::Command(argv, next) = next_command(data, pos) {
            out.push(argv);
            pos = next;
        }
        out
    }

    #[test]
    fn parses_commands_and_skips_annotations() {
        let mut buf = b"#TS:1700000000\r\n".to_vec();
        encode(&mut buf, &[Bytes::from_static(b"SET"), Bytes::from_static(b"k"), Bytes::from_static(b"")]);
        let c = cmds(&buf);
        assert_eq!(c, vec![vec![Bytes::from_static(b"SET"), Bytes::from_static(b"k"), Bytes::new()]]);
        assert!(matches!(next_command(b"*2\r\n$3\r\nSET\r\n$1\r\n", 0), Parse::Short));
        assert!(matches!(next_command(b"*2\r\n$3\r\nSET\r\n", 0), Parse::Short));
        assert!(matches!(next_command(b"*", 0), Parse::Short));
        assert!(matches!(next_command(b"x\r\n", 0), Parse::Format));
        assert!(matches!(next_command(b"*1\r\nx\r\n", 0), Parse::Format));
        assert!(matches!(next_command(b"", 0), Parse::Eof));
    }
}
