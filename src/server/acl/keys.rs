//! The keys (with the read/write access each needs, from Redis's key specs)
//! and the channels a command names, for the ACL checks.

use std::collections::HashMap;

use bytes::Bytes;

use super::{ALL_PERMS, READ, WRITE};
use crate::commands;

/// Keys of a command with the access each needs, computed once per check.
pub(super) struct KeyCache {
    pub(super) keys: Option<Vec<(usize, u8)>>,
}

impl KeyCache {
    pub(super) fn get(&mut self, id: usize, args: &[Bytes]) -> &[(usize, u8)] {
        self.keys.get_or_insert_with(|| key_access(id, args))
    }
}

/// Each key argument of a command and the permissions it needs (read for
/// access, write for insert/update/delete), from the command's key specs
/// as Redis derives them; commands without key specs need both.
fn key_access(id: usize, args: &[Bytes]) -> Vec<(usize, u8)> {
    use crate::commands::command::meta;
    let entry = &commands::table().entries[id];
    let positions = entry.spec.key_positions(args);
    if positions.is_empty() {
        return Vec::new();
    }
    let specs = meta::lookup(&entry.fullname).map(|m| m.key_specs).unwrap_or(&[]);
    let mut by_pos: HashMap<usize, u16> = HashMap::new();
    for ks in specs {
        for p in key_spec_positions(ks, args) {
            *by_pos.entry(p).or_default() |= ks.flags;
        }
    }
    positions
        .into_iter()
        .map(|p| {
            let perms = match by_pos.get(&p) {
                Some(&f) => {
                    let mut perms = 0;
                    if f & meta::ACCESS != 0 {
                        perms |= READ;
                    }
                    if f & (meta::INSERT | meta::UPDATE | meta::DELETE) != 0 {
                        perms |= WRITE;
                    }
                    perms
                }
                None => ALL_PERMS,
            };
            (p, perms)
        })
        .collect()
}

/// The argument positions one key spec selects (Redis's
/// `getKeysUsingKeySpecs` for one spec; none if it does not apply).
fn key_spec_positions(ks: &crate::commands::command::meta::KeySpec, args: &[Bytes]) -> Vec<usize> {
    use crate::commands::command::meta::{BeginSearch, FindKeys};
    let argc = args.len() as i64;
    let first = match ks.bs {
        BeginSearch::Index(i) => i64::from(i),
        BeginSearch::Keyword(kw, startfrom) => {
            let startfrom = i64::from(startfrom);
            let (start, end) = if startfrom > 0 { (startfrom, argc - 1) } else { (argc + startfrom, 1) };
            let mut i = start;
            let mut found = None;
            while i != end {
                if i >= argc || i < 1 {
                    break;
                }
                if args[i as usize].eq_ignore_ascii_case(kw.as_bytes()) {
                    found = Some(i + 1);
                    break;
                }
                i += if start <= end { 1 } else { -1 };
            }
            match found {
                Some(f) => f,
                None => return Vec::new(),
            }
        }
        BeginSearch::UnknownBs => return Vec::new(),
    };
    let (first, last, step) = match ks.fk {
        FindKeys::Range(lastkey, step, limit) => {
            let (lastkey, limit) = (i64::from(lastkey), i64::from(limit));
            let last = if lastkey >= 0 {
                first + lastkey
            } else if limit == 0 {
                argc + lastkey
            } else {
                first + ((argc - first) / limit + lastkey)
            };
            (first, last, i64::from(step))
        }
        FindKeys::Keynum(keynumidx, firstkey, step) => {
            let at = first + i64::from(keynumidx);
            let Some(n) = args.get(at as usize).and_then(|a| crate::util::number::parse_i64(a)).filter(|n| *n >= 0)
            else {
                return Vec::new();
            };
            let first = first + i64::from(firstkey);
            (first, first + n - 1, i64::from(step))
        }
        FindKeys::UnknownFk => return Vec::new(),
    };
    if last >= argc || last < first || first >= argc || step <= 0 {
        return Vec::new();
    }
    (first..=last).step_by(step as usize).map(|i| i as usize).collect()
}

/// The channel arguments a command publishes or subscribes to (Redis's
/// channel key specs): `(position, is a pattern)`.
pub(super) fn channel_positions(fullname: &str, args: &[Bytes]) -> Vec<(usize, bool)> {
    match fullname {
        "publish" | "spublish" if args.len() > 1 => vec![(1, false)],
        "subscribe" | "ssubscribe" => (1..args.len()).map(|i| (i, false)).collect(),
        "psubscribe" => (1..args.len()).map(|i| (i, true)).collect(),
        _ => Vec::new(),
    }
}
