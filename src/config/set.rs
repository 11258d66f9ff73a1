//! CONFIG SET's rules on a `Config`: all pairs are checked first (unknown
//! names, immutable or protected directives, duplicates), then applied in
//! order; the first failure leaves the configuration as it was. Error texts
//! are Redis's, without the leading `ERR `.

use super::Config;
use super::directives::{self, Directive, Load, flags};

/// Sets every `(name, value)` pair or none. `protected_allowed`: whether
/// the caller may change PROTECTED directives (`enable-protected-configs`).
pub fn set_many(
    config: &mut Config,
    pairs: &[(String, String)],
    protected_allowed: bool,
    load: &mut Load,
) -> Result<(), String> {
    // Pass 1: resolve and vet every name, as Redis does, remembering only
    // the first problem.
    let mut resolved: Vec<(&'static Directive, bool)> = Vec::with_capacity(pairs.len());
    let mut unknown: Option<&str> = None;
    let mut refused: Option<(&str, &str)> = None;
    for (name, _) in pairs {
        let Some((d, alias)) = directives::lookup(name) else {
            if unknown.is_none() && refused.is_none() {
                unknown = Some(name);
            }
            continue;
        };
        if unknown.is_some() || refused.is_some() {
            continue;
        }
        if !d.has(flags::MUTABLE) {
            refused = Some((name, "can't set immutable config"));
            continue;
        }
        if d.has(flags::PROTECTED) && !protected_allowed {
            refused = Some((name, "can't set protected config"));
            continue;
        }
        // The alias and the name are distinct entries in Redis's table, so
        // only the same spelling counts as a duplicate.
        if resolved.iter().any(|&(r, a)| std::ptr::eq(r, d) && a == alias) {
            refused = Some((name, "duplicate parameter"));
            continue;
        }
        resolved.push((d, alias));
    }
    if let Some(name) = unknown {
        return Err(format!("Unknown option or number of arguments for CONFIG SET - '{name}'"));
    }
    if let Some((name, why)) = refused {
        return Err(format!("CONFIG SET failed (possibly related to argument '{name}') - {why}"));
    }
    // Pass 2: apply to a copy, then keep it.
    let cwd = std::env::current_dir().ok();
    let mut next = config.clone();
    for (&(d, alias), (_, value)) in resolved.iter().zip(pairs) {
        let args: Vec<String> = if d.has(flags::MULTI_ARG) {
            // Redis splits on single spaces: "a  b" has an empty word.
            if value.is_empty() { Vec::new() } else { value.split(' ').map(str::to_string).collect() }
        } else {
            vec![value.clone()]
        };
        let before = d.get(&next);
        let result = d.set(&mut next, &args, load);
        if result.is_ok() && d.get(&next) != before {
            apply_changed(d, &mut next);
        }
        if let Err(why) = result {
            if let Some(cwd) = &cwd {
                let _ = std::env::set_current_dir(cwd);
            }
            let shown = if alias { d.alias.unwrap_or(d.name) } else { d.name };
            return Err(format!("CONFIG SET failed (possibly related to argument '{shown}') - {why}"));
        }
    }
    *config = next;
    Ok(())
}

/// What Redis's apply step does to a changed value beyond storing it.
fn apply_changed(d: &Directive, c: &mut Config) {
    // resizeReplicationBacklog: never below 16kb.
    if d.name == "repl-backlog-size"
        && let Ok(v) = d.get(c).parse::<i64>()
        && v < 16 * 1024
    {
        let _ = d.set(c, &["16384".to_string()], &mut Load::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(c: &mut Config, pairs: &[(&str, &str)]) -> Result<(), String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        set_many(c, &pairs, false, &mut Load::default())
    }

    #[test]
    fn all_or_nothing() {
        let mut c = Config::default();
        assert_eq!(
            set(&mut c, &[("maxmemory", "10mb"), ("hz", "abc")]),
            Err("CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"
                .into())
        );
        assert_eq!(c.maxmemory, 0);
        set(&mut c, &[("maxmemory", "10mb"), ("hz", "1000"), ("save", "")]).unwrap();
        assert_eq!((c.maxmemory, c.hz), (10 << 20, 500));
        assert!(c.save.is_empty());
    }

    #[test]
    fn refusals_in_redis_order() {
        let mut c = Config::default();
        assert_eq!(
            set(&mut c, &[("nosuch", "1"), ("daemonize", "yes")]),
            Err("Unknown option or number of arguments for CONFIG SET - 'nosuch'".into())
        );
        assert_eq!(
            set(&mut c, &[("daemonize", "yes"), ("nosuch", "1")]),
            Err("CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config".into())
        );
        assert_eq!(
            set(&mut c, &[("PORT", "1"), ("port", "2")]),
            Err("CONFIG SET failed (possibly related to argument 'port') - duplicate parameter".into())
        );
        assert_eq!(
            set(&mut c, &[("dir", "/tmp")]),
            Err("CONFIG SET failed (possibly related to argument 'dir') - can't set protected config".into())
        );
        assert_eq!(
            set(&mut c, &[("MAXMEMORY", "foo")]),
            Err("CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value".into())
        );
        assert_eq!(
            set(&mut c, &[("HASH-MAX-ZIPLIST-ENTRIES", "x")]),
            Err("CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - argument couldn't be \
                 parsed into an integer"
                .into())
        );
        // Name and alias are not duplicates of each other: the last wins.
        set(&mut c, &[("hash-max-ziplist-entries", "1"), ("hash-max-listpack-entries", "2")]).unwrap();
        assert_eq!(c.hash_max_listpack_entries, 2);
        set(&mut c, &[("repl-backlog-size", "1")]).unwrap();
        assert_eq!(c.get("repl-backlog-size").unwrap(), "16384");
        assert_eq!(
            set(&mut c, &[("tls-port", "6380")]),
            Err("CONFIG SET failed (possibly related to argument 'tls-port') - Unable to update TLS configuration. \
                 Check server logs."
                .into())
        );
        assert_eq!(
            set(&mut c, &[("save", "3600  1")]),
            Err("CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters".into())
        );
    }
}
