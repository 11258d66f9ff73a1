//! The ACL file (`aclfile`): loading it whole or not at all, with Redis
//! 7.0's per-line error texts (`ACLLoadFromFile`), and writing the users
//! back in ACL LIST's form (`ACLSaveToFile`). Part of `server::acl`.

use std::collections::BTreeMap;
use std::io::Write;

use super::{Acl, RuleError, User, has_spaces, merge_selector_args};

impl Acl {
    /// Replaces every user with those of `path`'s `user <name> rules...`
    /// lines; on any error nothing changes and the error is Redis's
    /// one-line description of every problem. On success returns the names
    /// of the users replaced (other than `default`), whose clients Redis
    /// disconnects.
    pub fn load_file(&mut self, path: &str, all_channels: bool) -> Result<Vec<String>, String> {
        let text = std::fs::read(path)
            .map_err(|e| format!("Error loading ACLs, opening file '{path}': {}", crate::util::strerror(&e)))?;
        let mut errors = String::new();
        let mut fresh: BTreeMap<String, User> = BTreeMap::new();
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            let n = i + 1;
            let line = line.trim_ascii_start();
            let line = trim_end(line);
            if line.is_empty() {
                continue;
            }
            // Split on single spaces, as `sdssplitlen(line, " ")` does: a
            // run of spaces gives empty rules, which change nothing.
            let argv: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
            if argv[0] != b"user" || argv.len() < 2 {
                errors.push_str(&format!("{path}:{n} should start with user keyword followed by the username. "));
                continue;
            }
            let name = String::from_utf8_lossy(argv[1]).into_owned();
            if has_spaces(argv[1]) {
                errors.push_str(&format!("'{path}:{n}: username '{name}' contains invalid characters. "));
                continue;
            }
            if fresh.contains_key(&name) {
                errors.push_str(&format!("WARNING: Duplicate user '{name}' found on line {n}. "));
                continue;
            }
            let mut user = User::new(&name, all_channels);
            let rules: Vec<&[u8]> = argv[2..].to_vec();
            let merged = match merge_selector_args(&rules) {
                Ok(m) => m,
                Err(_) => {
                    errors.push_str(&format!("{path}:{n}: Unmatched parenthesis in selector definition."));
                    fresh.insert(name, user);
                    continue;
                }
            };
            let mut reported = false;
            for rule in &merged {
                let rule = trim_end(rule);
                if rule.is_empty() {
                    continue;
                }
                match user.apply(rule, all_channels) {
                    Ok(()) => {}
                    Err(RuleError::Unknown) => errors.push_str(&format!(
                        "{path}:{n}: Error in applying operation '{}': {}. ",
                        String::from_utf8_lossy(rule),
                        RuleError::Unknown.text()
                    )),
                    Err(e) if !reported => {
                        errors.push_str(&format!("{path}:{n}: {}. ", e.text()));
                        reported = true;
                    }
                    Err(_) => {}
                }
            }
            fresh.insert(name, user);
        }
        if !errors.is_empty() {
            errors.push_str("WARNING: ACL errors detected, no change to the previously active ACL rules was performed");
            return Err(errors);
        }
        // The file's default user (or a fresh `+@all ~* &* on nopass` one).
        self.default = fresh.remove("default").unwrap_or_else(|| Acl::new("").default);
        self.default_unrestricted = self.default.unrestricted();
        let replaced = std::mem::replace(&mut self.others, fresh);
        Ok(replaced.into_keys().collect())
    }

    /// Writes every user as `user <name> <rules>` to `path` (through a
    /// temporary file renamed over it).
    pub fn save_file(&self, path: &str) -> std::io::Result<()> {
        let mut text = String::new();
        for u in self.users() {
            text.push_str(&format!("user {} {}\n", u.name, u.describe()));
        }
        let tmp = format!("{path}.tmp-{}-{}", std::process::id(), crate::util::time::unix_ms());
        let written = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(text.as_bytes()));
        let result = written.and_then(|()| std::fs::rename(&tmp, path));
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// `sdstrim(s, " \t\r\n")` on the right (the left was trimmed of spaces).
fn trim_end(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n')).map_or(0, |p| p + 1);
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> String {
        let path = std::env::temp_dir().join(format!("rrs-aclfile-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn a_file_loads_whole_and_saves_back_as_acl_list() {
        let path = write("ok", "user default off\n\n  user alice on >pw ~k* +get  \r\nuser bob on nopass +@all ~*\n");
        let mut acl = Acl::new("");
        acl.set_user(b"old", &[b"on"], false).unwrap();
        assert_eq!(acl.load_file(&path, false), Ok(vec!["old".to_string()]));
        let names: Vec<&str> = acl.users().iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob", "default"]);
        assert!(!acl.user("default").unwrap().enabled());
        assert!(acl.authenticate(b"alice", b"pw").is_some());
        acl.save_file(&path).unwrap();
        let saved = std::fs::read_to_string(&path).unwrap();
        assert!(saved.starts_with("user alice on #"), "{saved}");
        assert!(saved.ends_with("user default off resetchannels -@all\n"), "{saved}");
        let mut again = Acl::new("");
        assert_eq!(again.load_file(&path, false), Ok(vec![]));
        let describe = |a: &Acl| a.users().iter().map(|u| u.describe()).collect::<Vec<_>>();
        assert_eq!(describe(&again), describe(&acl));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn errors_are_listed_per_line_and_change_nothing() {
        let path = write(
            "bad",
            "user a on +nosuch +alsonot\nuser b on ~x allkeys ~y\n#comment\nuser a on\nuser\nuser c on (+get\n",
        );
        let mut acl = Acl::new("");
        let err = acl.load_file(&path, false).unwrap_err();
        assert_eq!(
            err,
            format!(
                "{path}:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. \
                 {path}:1: Error in applying operation '+alsonot': Unknown command or category name in ACL. \
                 {path}:2: Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not \
                 have any effect. Try 'resetkeys' to start with an empty list of patterns. \
                 {path}:3 should start with user keyword followed by the username. \
                 WARNING: Duplicate user 'a' found on line 4. \
                 {path}:5 should start with user keyword followed by the username. \
                 {path}:6: Unmatched parenthesis in selector definition.\
                 WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
            )
        );
        assert_eq!(acl.users().len(), 1);
        let missing = acl.load_file("/nonexistent/users.acl", false).unwrap_err();
        assert_eq!(missing, "Error loading ACLs, opening file '/nonexistent/users.acl': No such file or directory");
        std::fs::remove_file(&path).unwrap();
    }
}
