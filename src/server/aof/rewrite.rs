//! The AOF rewrite (Redis's `rewriteAppendOnlyFileBackground` and
//! `backgroundRewriteDoneHandler`): a new incr file at once, the new base
//! from the fork-free snapshot (turned into commands on a thread with
//! `aof-use-rdb-preamble no`), the manifest replaced, history deleted.

use super::*;

// ---------------------------------------------------------------------------
// Rewrite
// ---------------------------------------------------------------------------

/// Opens the incr file the writes go to from now on: a new one in the
/// manifest (AOF on), or the temporary one while waiting for the first
/// rewrite (`openNewIncrAofForAppend`).
pub(super) fn open_new_incr(srv: &mut Server) -> Result<(), ()> {
    if srv.aof.state == State::Off {
        return Ok(());
    }
    let mut m = None;
    let name = if srv.aof.state == State::WaitRewrite {
        temp_incr_name(srv)
    } else {
        let mut temp = srv.aof.manifest.clone();
        let name = temp.new_incr(&srv.config.appendfilename);
        m = Some(temp);
        name
    };
    let file = match OpenOptions::new().write(true).truncate(true).create(true).open(file_path(srv, &name)) {
        Ok(f) => f,
        Err(e) => {
            crate::log::warning(&format!("Can't open the append-only file {name}: {}", strerror(&e)));
            return Err(());
        }
    };
    if let Some(m) = &m {
        persist_manifest(srv, m)?;
    }
    crate::log::notice(&format!("Creating AOF incr file {name} on background rewrite"));
    if let Some(old) = srv.aof.file.take() {
        background_fsync(&old, &srv.aof.fsync_pending, &srv.aof.fsync_errno);
        srv.aof.last_fsync = now_secs();
    }
    srv.aof.file = Some(file);
    srv.aof.last_incr_size = 0;
    srv.aof.last_incr_fsync_offset = 0;
    if let Some(m) = m {
        srv.aof.manifest = m;
    }
    Ok(())
}

/// Starts a rewrite (`rewriteAppendOnlyFileBackground`); the caller made
/// sure no BGSAVE runs.
pub fn rewrite_start(srv: &mut Server) -> Result<(), Failed> {
    if srv.persist.bgsave.is_some() || srv.aof.rewrite.is_some() {
        return Err(Failed);
    }
    if let Err(e) = create_dir(srv) {
        crate::log::warning(&e);
        srv.aof.last_bgrewrite_ok = false;
        return Err(Failed);
    }
    srv.aof.seldb = None;
    write_buf(srv, true);
    if open_new_incr(srv).is_err() {
        srv.aof.last_bgrewrite_ok = false;
        return Err(Failed);
    }
    srv.aof.rewrites += 1;
    if crate::server::save::bgsave_start_aof(srv, temp_rewrite_path()).is_err() {
        srv.aof.last_bgrewrite_ok = false;
        crate::log::warning("Can't rewrite append only file in background: the snapshot did not start");
        return Err(Failed);
    }
    let id = crate::server::save::running_bgsave(srv).expect("started");
    srv.aof.rewrite = Some((id, now_secs()));
    srv.aof.rewrite_rdb = yes(srv, "aof-use-rdb-preamble");
    srv.aof.rewrite_scheduled = false;
    crate::log::notice(&format!("Background append only file rewriting started by pid {}", std::process::id()));
    Ok(())
}

/// The rewrite's snapshot ended (`backgroundRewriteDoneHandler`). With
/// `aof-use-rdb-preamble no` it is first turned into commands on a thread
/// (the cron waits for it).
pub fn rewrite_done(srv: &mut Server, ok: bool) {
    if srv.aof.rewrite.is_none() {
        return;
    }
    if ok && !srv.aof.rewrite_rdb {
        let (rdb, out) = (temp_rewrite_path(), temp_commands_path());
        let databases = srv.keyspace.dbs.len();
        let ts = srv.aof.timestamps.then(now_secs);
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new().name("aof-rewrite".into()).spawn(move || {
            let r = crate::persistence::aof_rewrite::rdb_to_commands(&rdb, &out, databases, ts);
            if flag.load(Ordering::Relaxed) {
                let _ = std::fs::remove_file(&out);
            }
            let _ = tx.send(r);
        });
        if spawned.is_ok() {
            srv.aof.converting = Some((rx, cancel));
            return;
        }
        finish_rewrite(srv, false, false);
        return;
    }
    finish_rewrite(srv, ok, true);
}

/// Waits (from the cron) for the conversion into commands.
pub(super) fn poll_conversion(srv: &mut Server) {
    let Some((rx, _)) = srv.aof.converting.as_ref() else { return };
    let outcome = match rx.try_recv() {
        Ok(r) => r,
        Err(std::sync::mpsc::TryRecvError::Empty) => return,
        Err(std::sync::mpsc::TryRecvError::Disconnected) => Err("the AOF rewrite thread ended".into()),
    };
    srv.aof.converting = None;
    if let Err(e) = &outcome {
        crate::log::warning(&format!("Write error writing append only file on disk: {e}"));
    }
    finish_rewrite(srv, outcome.is_ok(), false);
}

pub(super) fn finish_rewrite(srv: &mut Server, ok: bool, rdb: bool) {
    let Some((_, started)) = srv.aof.rewrite.take() else { return };
    if ok {
        crate::log::notice("Background AOF rewrite terminated with success");
        let tmp = if rdb { temp_rewrite_path() } else { temp_commands_path() };
        if install_rewrite(srv, &tmp, rdb).is_ok() {
            srv.aof.last_bgrewrite_ok = true;
            srv.aof.consecutive_failures = 0;
            crate::log::notice("Background AOF rewrite finished successfully");
            if srv.aof.state == State::WaitRewrite {
                srv.aof.state = State::On;
            }
        } else {
            srv.aof.last_bgrewrite_ok = false;
            srv.aof.consecutive_failures += 1;
        }
    } else {
        srv.aof.last_bgrewrite_ok = false;
        srv.aof.consecutive_failures += 1;
        crate::log::warning("Background AOF rewrite terminated with error");
    }
    rewrite_cleanup(srv, started);
}

/// Abandons the running rewrite, in its snapshot or its conversion.
pub(super) fn kill_rewrite(srv: &mut Server) {
    if srv.persist.bgsave.as_ref().is_some_and(|b| b.aof) {
        crate::server::save::abort_bgsave(srv);
    } else {
        rewrite_killed(srv);
    }
}

/// A rewrite abandoned (FLUSHALL, SAVE, SHUTDOWN, turning the AOF off):
/// not a failure; one waiting to turn the AOF on starts again later.
pub fn rewrite_killed(srv: &mut Server) {
    let Some((_, started)) = srv.aof.rewrite.take() else { return };
    if let Some((_, cancel)) = srv.aof.converting.take() {
        cancel.store(true, Ordering::Relaxed);
    }
    crate::log::notice(&format!("Killing running AOF rewrite child: {}", std::process::id()));
    rewrite_cleanup(srv, started);
    // Redis's rewrite survives SAVE and FLUSHALL; ours is started again.
    srv.aof.rewrite_scheduled = srv.aof.on();
}

pub(super) fn rewrite_cleanup(srv: &mut Server, started: u64) {
    let _ = std::fs::remove_file(temp_rewrite_path());
    let _ = std::fs::remove_file(temp_commands_path());
    if srv.aof.state == State::WaitRewrite {
        srv.aof.buf.clear();
        let name = temp_incr_name(srv);
        crate::log::notice(&format!("Removing the temp incr aof file {name} in the background"));
        let _ = std::fs::remove_file(file_path(srv, &name));
        srv.aof.rewrite_scheduled = true;
    }
    srv.aof.last_rewrite_secs = now_secs().saturating_sub(started) as i64;
}

pub(super) fn install_rewrite(srv: &mut Server, tmp: &Path, rdb: bool) -> Result<(), ()> {
    let mut m = srv.aof.manifest.clone();
    let base = m.new_base(&srv.config.appendfilename, rdb);
    let base_path = file_path(srv, &base);
    if let Err(e) = std::fs::rename(tmp, &base_path) {
        crate::log::warning(&format!(
            "Error trying to rename the temporary AOF base file {} into {}: {}",
            tmp.display(),
            base_path.display(),
            strerror(&e)
        ));
        return Err(());
    }
    crate::log::notice(&format!("Successfully renamed the temporary AOF base file {} into {base}", tmp.display()));
    let mut new_incr_path = None;
    if srv.aof.state == State::WaitRewrite {
        let temp_name = temp_incr_name(srv);
        let incr = m.new_incr(&srv.config.appendfilename);
        let path = file_path(srv, &incr);
        if let Err(e) = std::fs::rename(file_path(srv, &temp_name), &path) {
            crate::log::warning(&format!(
                "Error trying to rename the temporary AOF incr file {temp_name} into {incr}: {}",
                strerror(&e)
            ));
            let _ = std::fs::remove_file(&base_path);
            return Err(());
        }
        crate::log::notice(&format!("Successfully renamed the temporary AOF incr file {temp_name} into {incr}"));
        new_incr_path = Some(path);
    }
    m.mark_rewritten_incr_as_history(srv.aof.file.is_some());
    if persist_manifest(srv, &m).is_err() {
        let _ = std::fs::remove_file(&base_path);
        if let Some(p) = new_incr_path {
            let _ = std::fs::remove_file(p);
        }
        return Err(());
    }
    srv.aof.manifest = m;
    if srv.aof.state != State::Off {
        let base_size = std::fs::metadata(&base_path).map(|m| m.len()).unwrap_or(0);
        srv.aof.current_size = base_size + srv.aof.last_incr_size;
        srv.aof.base_size = srv.aof.current_size;
    }
    delete_history(srv);
    Ok(())
}

/// Deletes the history files (`aofDelHistoryFiles`).
pub(super) fn delete_history(srv: &mut Server) {
    let gc_off = srv.config.get("aof-disable-auto-gc").is_some_and(|v| v == "yes");
    if gc_off || srv.aof.manifest.history.is_empty() {
        return;
    }
    for h in std::mem::take(&mut srv.aof.manifest.history) {
        crate::log::notice(&format!("Removing the history file {} in the background", h.name));
        let _ = std::fs::remove_file(file_path(srv, &h.name));
    }
    let m = srv.aof.manifest.clone();
    let _ = persist_manifest(srv, &m);
}

/// BGREWRITEAOF's reply, as Redis's `bgrewriteaofCommand`.
pub fn bgrewriteaof(srv: &mut Server, in_exec: bool) -> Result<&'static str, crate::commands::CmdError> {
    if srv.aof.rewrite.is_some() {
        return Err(crate::commands::CmdError::err("Background append only file rewriting already in progress"));
    }
    if srv.persist.bgsave.is_some() || in_exec {
        srv.aof.rewrite_scheduled = true;
        srv.aof.consecutive_failures = 0;
        return Ok("Background append only file rewriting scheduled");
    }
    rewrite_start(srv).map(|()| "Background append only file rewriting started").map_err(|Failed| {
        crate::commands::CmdError::err(
            "Can't execute an AOF background rewriting. Please check the server logs for more information.",
        )
    })
}
