//! The AOF's directory and manifest on disk: writing the manifest
//! (temp file, fsync, rename), reading it at startup with Redis's errors,
//! moving an old single `appendonly.aof` into the directory.

use super::*;

// ---------------------------------------------------------------------------
// Manifest and files
// ---------------------------------------------------------------------------

/// Writes the manifest through a temp file and rename (Redis's
/// `writeAofManifestFile`).
pub(super) fn persist_manifest(srv: &Server, m: &Manifest) -> Result<(), ()> {
    let name = manifest_name(srv);
    let tmp_name = format!("{TEMP_PREFIX}{name}");
    let path = file_path(srv, &name);
    let tmp = file_path(srv, &tmp_name);
    let write = || -> Result<(), String> {
        let mut f =
            File::create(&tmp).map_err(|e| format!("Can't open the AOF manifest file {tmp_name}: {}", strerror(&e)))?;
        f.write_all(m.format().as_bytes()).map_err(|e| {
            format!("Error trying to write the temporary AOF manifest file {tmp_name}: {}", strerror(&e))
        })?;
        f.sync_all().map_err(|e| format!("Fail to fsync the temp AOF file {tmp_name}: {}.", strerror(&e)))?;
        std::fs::rename(&tmp, &path).map_err(|e| {
            format!("Error trying to rename the temporary AOF manifest file {tmp_name} into {name}: {}", strerror(&e))
        })?;
        if let Ok(d) = File::open(dirname(srv)) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().map_err(|e| crate::log::warning(&e))
}

pub(super) fn create_dir(srv: &Server) -> Result<(), String> {
    let dir = dirname(srv);
    match std::fs::create_dir(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(format!("Can't open or create append-only dir {}: {}", srv.config.appenddirname, strerror(&e))),
    }
}

/// Reads the manifest at startup (`aofLoadManifestFromDisk`): none when
/// the directory or the file is missing; a bad one ends the server.
pub(super) fn load_manifest_from_disk(srv: &Server) -> Result<Manifest, String> {
    if !dirname(srv).is_dir() {
        return Ok(Manifest::default());
    }
    let path = file_path(srv, &manifest_name(srv));
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
        Err(e) => {
            return Err(format!(
                "Fatal error: can't open the AOF manifest file {} for reading: {}",
                path.display(),
                strerror(&e)
            ));
        }
    };
    Manifest::parse(&text).map_err(|e| {
        crate::log::warning("\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
        if let Some((n, line)) = &e.line {
            crate::log::warning(&format!("Reading the manifest file, at line {n}\n"));
            crate::log::warning(&format!(">>> '{line}'\n"));
        }
        format!("{}\n", e.message)
    })
}

/// Moves an old single `appendonly.aof` into the directory as the base
/// (`aofUpgradePrepare`).
pub(super) fn upgrade(srv: &Server, m: &mut Manifest) -> Result<(), String> {
    create_dir(srv)?;
    let name = srv.config.appendfilename.clone();
    m.base = Some(crate::persistence::aof_manifest::AofInfo { name: name.clone(), seq: 1, kind: b'b' });
    m.base_seq = 1;
    persist_manifest(srv, m).map_err(|()| "Can't persist the AOF manifest".to_string())?;
    std::fs::rename(&name, file_path(srv, &name)).map_err(|e| {
        format!("Error trying to move the old AOF file {name} into dir {}: {}", srv.config.appenddirname, strerror(&e))
    })?;
    crate::log::notice(&format!(
        "Successfully migrated an old-style AOF file ({name}) into the AOF directory ({}).",
        srv.config.appenddirname
    ));
    Ok(())
}
