//! The `#!lua flags=…` first line of an EVAL script, as Redis 7.0 reads it.
//! Without a shebang a script runs in compatibility mode (no flags: it may
//! write, and OOM/stale checks happen per command).

use crate::util::split::split_args;

/// Script flags (`SCRIPT_FLAG_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    /// No shebang: Redis's backwards-compatible mode.
    pub compat: bool,
    pub no_writes: bool,
    pub allow_oom: bool,
    pub allow_stale: bool,
    pub no_cluster: bool,
    pub allow_cross_slot: bool,
}

/// Reads the shebang of `body`: its flags and the length of the shebang
/// line (the body is compiled without it, keeping the newline so line
/// numbers stay right). Errors carry Redis's text (without `ERR `).
pub fn parse(body: &[u8]) -> Result<(Flags, usize), String> {
    if !body.starts_with(b"#!") {
        return Ok((Flags { compat: true, ..Flags::default() }, 0));
    }
    let Some(end) = body.iter().position(|&b| b == b'\n') else {
        return Err("Invalid script shebang".into());
    };
    let parts = match split_args(&body[..end]) {
        Some(p) if !p.is_empty() => p,
        _ => return Err("Invalid engine in script shebang".into()),
    };
    if parts[0] != b"#!lua" {
        return Err(format!("Unexpected engine in script shebang: {}", String::from_utf8_lossy(&parts[0])));
    }
    let mut flags = Flags::default();
    for part in &parts[1..] {
        let Some(list) = part.strip_prefix(b"flags=") else {
            return Err(format!("Unknown lua shebang option: {}", String::from_utf8_lossy(part)));
        };
        // sdssplitlen on an empty string yields no elements.
        if list.is_empty() {
            continue;
        }
        for flag in list.split(|&b| b == b',') {
            match flag {
                b"no-writes" => flags.no_writes = true,
                b"allow-oom" => flags.allow_oom = true,
                b"allow-stale" => flags.allow_stale = true,
                b"no-cluster" => flags.no_cluster = true,
                b"allow-cross-slot-keys" => flags.allow_cross_slot = true,
                other => {
                    return Err(format!("Unexpected flag in script shebang: {}", String::from_utf8_lossy(other)));
                }
            }
        }
    }
    Ok((flags, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebangs() {
        assert!(parse(b"return 1").unwrap().0.compat);
        let (f, len) = parse(b"#!lua flags=no-writes,allow-oom\nreturn 1").unwrap();
        assert!(f.no_writes && f.allow_oom && !f.compat);
        assert_eq!(len, 31);
        assert_eq!(parse(b"#!lua\nreturn 1").unwrap().0, Flags::default());
        assert_eq!(parse(b"#!lua flags=\nreturn 1").unwrap().0, Flags::default());
        assert_eq!(parse(b"#!lua").unwrap_err(), "Invalid script shebang");
        assert_eq!(parse(b"#!not-lua\n").unwrap_err(), "Unexpected engine in script shebang: #!not-lua");
        assert_eq!(parse(b"#!lua badger=data\n").unwrap_err(), "Unknown lua shebang option: badger=data");
        assert_eq!(parse(b"#!lua flags=allow-oom,what?\n").unwrap_err(), "Unexpected flag in script shebang: what?");
        assert_eq!(parse(b"#!lua name=x\n").unwrap_err(), "Unknown lua shebang option: name=x");
    }
}
