//! The seam between the server and RDB persistence: what SAVE, SHUTDOWN,
//! signals, save points and DEBUG RELOAD call. The RDB issue implements it
//! (`crate::persistence` holds the file format and the fork-free snapshot;
//! this module only orchestrates: counters, `lastsave`, logging).

use super::Server;

/// Writes a snapshot of the whole dataset to `dir/dbfilename` before
/// returning (Redis's `rdbSave`), resetting `dirty` and `lastsave` on
/// success.
pub fn save_sync(srv: &mut Server) -> Result<(), String> {
    let _ = srv;
    Err("RDB persistence is not implemented yet".into())
}

/// Should a shutdown save? (`SHUTDOWN SAVE` forces, `NOSAVE` forbids,
/// otherwise only when save points are configured.)
pub fn shutdown_wants_save(srv: &Server, save: bool, nosave: bool) -> bool {
    !nosave && (save || !srv.config.save.is_empty())
}
