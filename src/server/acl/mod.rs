//! Users and what they may run (Redis 7.0's ACL): the user table with the
//! `default` user, passwords (kept as SHA-256 hex, never in clear), on/off,
//! the command permission bitmap indexed by command-table id (set by
//! `+cmd`, `-cmd`, `+@category`, `-@category`, `+cmd|sub`, the deprecated
//! `+cmd|firstarg`), key patterns (`~pat`, `%R~pat`, `%W~pat`, `allkeys`),
//! channel patterns (`&pat`, `allchannels`), extra selectors `(...)`, the
//! ACL log, and the checks the dispatcher makes before running a command.
//!
//! `ACL LIST` describes a user exactly as Redis does: the command rules are
//! recomputed from the bitmap by Redis's best-fit over categories, then
//! single commands (in command-table order, where Redis uses its hash
//! order). Categories come from the command table
//! (`CommandSpec::acl_categories`).
//!
//! `selector` holds one set of permissions (rules, description, checks),
//! `keys` finds the keys and channels a command touches; this file has the
//! users, authentication, the ACL log and the table of users.
//!
//! Imports the command table (for ids and categories), `util`.

mod file;
mod keys;
mod selector;

use std::collections::{BTreeMap, VecDeque};

use bytes::Bytes;

use crate::util::sha256::sha256_hex;
use keys::KeyCache;
pub use selector::category_flag;
use selector::{Selector, has_spaces};

/// Key pattern permissions.
pub const READ: u8 = 1;
pub const WRITE: u8 = 2;
const ALL_PERMS: u8 = READ | WRITE;

/// Why a command was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Denied {
    Cmd,
    /// The argument index of the first key not allowed.
    Key(usize),
    /// The argument index of the channel not allowed.
    Channel(usize),
}

impl Denied {
    fn rank(self) -> u8 {
        match self {
            Denied::Cmd => 1,
            Denied::Key(_) => 2,
            Denied::Channel(_) => 3,
        }
    }

    fn pos(self) -> usize {
        match self {
            Denied::Cmd => 0,
            Denied::Key(p) | Denied::Channel(p) => p,
        }
    }
}
/// Do new users get every channel (`acl-pubsub-default allchannels`)?
pub fn pubsub_default_all(config: &crate::config::Config) -> bool {
    config.get("acl-pubsub-default").as_deref() == Some("allchannels")
}

/// Why ACL SETUSER refused a rule (Redis's errno cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleError {
    Syntax,
    Unknown,
    KeyAfterStar,
    ChannelAfterStar,
    NoSuchPassword,
    BadHash,
    FirstArgOfSub,
    Unmatched,
}

impl RuleError {
    pub fn text(self) -> &'static str {
        match self {
            RuleError::Syntax => "Syntax error",
            RuleError::Unknown => "Unknown command or category name in ACL",
            RuleError::KeyAfterStar => {
                "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any \
                 effect. Try 'resetkeys' to start with an empty list of patterns"
            }
            RuleError::ChannelAfterStar => {
                "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have \
                 any effect. Try 'resetchannels' to start with an empty list of channels"
            }
            RuleError::NoSuchPassword => "The password you are trying to remove from the user does not exist",
            RuleError::BadHash => {
                "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
            }
            RuleError::FirstArgOfSub => "Allowing first-arg of a subcommand is not supported",
            RuleError::Unmatched => "Wrong format",
        }
    }
}

/// One user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    enabled: bool,
    nopass: bool,
    /// `Some(true)`: sanitize-payload, `Some(false)`: skip-sanitize-payload.
    sanitize: Option<bool>,
    /// SHA-256 hex of each password.
    passwords: Vec<String>,
    /// The root selector first, then `(...)` selectors.
    selectors: Vec<Selector>,
}

impl User {
    /// A new user as Redis creates one: off, no password, no commands, no
    /// keys, channels per `acl-pubsub-default`.
    fn new(name: &str, all_channels: bool) -> User {
        User {
            name: name.to_string(),
            enabled: false,
            nopass: false,
            sanitize: None,
            passwords: Vec::new(),
            selectors: vec![Selector::new(all_channels)],
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn nopass(&self) -> bool {
        self.nopass
    }

    /// Applies one rule (Redis's `ACLSetUser`).
    fn apply(&mut self, op: &[u8], all_channels_default: bool) -> Result<(), RuleError> {
        if op.is_empty() {
            return Ok(());
        }
        let lower = op.to_ascii_lowercase();
        match &lower[..] {
            b"on" => self.enabled = true,
            b"off" => self.enabled = false,
            b"skip-sanitize-payload" => self.sanitize = Some(false),
            b"sanitize-payload" => self.sanitize = Some(true),
            b"nopass" => {
                self.nopass = true;
                self.passwords.clear();
            }
            b"resetpass" => {
                self.nopass = false;
                self.passwords.clear();
            }
            b"clearselectors" => self.selectors.truncate(1),
            b"reset" => {
                self.apply(b"resetpass", all_channels_default)?;
                self.apply(b"resetkeys", all_channels_default)?;
                self.apply(b"resetchannels", all_channels_default)?;
                if all_channels_default {
                    self.apply(b"allchannels", all_channels_default)?;
                }
                self.apply(b"off", all_channels_default)?;
                self.apply(b"sanitize-payload", all_channels_default)?;
                self.apply(b"clearselectors", all_channels_default)?;
                self.apply(b"-@all", all_channels_default)?;
            }
            _ => match op[0] {
                b'>' | b'#' => {
                    let hash = if op[0] == b'>' { sha256_hex(&op[1..]) } else { valid_hash(&op[1..])? };
                    if !self.passwords.contains(&hash) {
                        self.passwords.push(hash);
                    }
                    self.nopass = false;
                }
                b'<' | b'!' => {
                    let hash = if op[0] == b'<' { sha256_hex(&op[1..]) } else { valid_hash(&op[1..])? };
                    let i = self.passwords.iter().position(|p| *p == hash).ok_or(RuleError::NoSuchPassword)?;
                    self.passwords.remove(i);
                }
                b'(' if op.last() == Some(&b')') => {
                    let mut s = Selector::new(all_channels_default);
                    let inner = crate::util::split::split_args(&op[1..op.len() - 1]).ok_or(RuleError::Syntax)?;
                    for rule in inner {
                        s.apply(&rule)?;
                    }
                    self.selectors.push(s);
                }
                _ => self.selectors[0].apply(op)?,
            },
        }
        Ok(())
    }

    /// Does `pass` authenticate this user (Redis's `ACLCheckUserCredentials`)?
    fn accepts(&self, pass: &[u8]) -> bool {
        if !self.enabled {
            return false;
        }
        if self.nopass {
            return true;
        }
        let hash = sha256_hex(pass);
        // Compare every stored hash in full (no early exit on a mismatch).
        self.passwords.iter().fold(false, |found, p| found | constant_time_eq(p.as_bytes(), hash.as_bytes()))
    }

    /// The rules after `user <name> ` in ACL LIST (Redis's `ACLDescribeUser`).
    pub fn describe(&self) -> String {
        let mut s = String::new();
        s.push_str(if self.enabled { "on " } else { "off " });
        if self.nopass {
            s.push_str("nopass ");
        }
        match self.sanitize {
            Some(false) => s.push_str("skip-sanitize-payload "),
            Some(true) => s.push_str("sanitize-payload "),
            None => {}
        }
        for p in &self.passwords {
            s.push('#');
            s.push_str(p);
            s.push(' ');
        }
        s.push_str(&self.selectors[0].describe());
        for sel in &self.selectors[1..] {
            s.push_str(" (");
            s.push_str(&sel.describe());
            s.push(')');
        }
        s
    }

    /// ACL GETUSER's flags, in Redis's order.
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut v = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            v.push("nopass");
        }
        match self.sanitize {
            Some(false) => v.push("skip-sanitize-payload"),
            Some(true) => v.push("sanitize-payload"),
            None => {}
        }
        v
    }

    pub fn password_hashes(&self) -> &[String] {
        &self.passwords
    }

    /// (commands, keys, channels) of each selector, root first, as ACL
    /// GETUSER shows them.
    pub fn selector_descriptions(&self) -> Vec<(String, String, String)> {
        self.selectors
            .iter()
            .map(|s| (s.describe_commands(), s.describe_keys().join(" "), s.describe_channels().join(" ")))
            .collect()
    }

    /// May this user run the command (Redis's `ACLCheckAllUserCommandPerm`)?
    /// On refusal, the most relevant reason over all selectors.
    pub fn check(&self, id: usize, args: &[Bytes]) -> Result<(), Denied> {
        let mut keys = KeyCache { keys: None };
        let mut relevant = Denied::Cmd;
        for s in &self.selectors {
            match s.check(id, args, &mut keys) {
                Ok(()) => return Ok(()),
                Err(d) => {
                    if d.rank() > relevant.rank() || (d.rank() == relevant.rank() && d.pos() > relevant.pos()) {
                        relevant = d;
                    }
                }
            }
        }
        Err(relevant)
    }

    /// Can every command, key and channel be used (no check needed)?
    fn unrestricted(&self) -> bool {
        self.selectors.iter().any(|s| s.all_commands && s.all_keys && s.all_channels)
    }
}

fn valid_hash(h: &[u8]) -> Result<String, RuleError> {
    if h.len() != 64 || !h.iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)) {
        return Err(RuleError::BadHash);
    }
    Ok(String::from_utf8_lossy(h).into_owned())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Why an ACL log entry was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Command,
    Key,
    Channel,
    Auth,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::Command => "command",
            Reason::Key => "key",
            Reason::Channel => "channel",
            Reason::Auth => "auth",
        }
    }
}

/// One ACL LOG entry.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub count: u64,
    pub reason: Reason,
    /// `toplevel` or `multi`.
    pub context: &'static str,
    pub object: String,
    pub username: String,
    pub ctime_ms: u64,
    pub client_info: String,
}

/// The ACL state of the server.
#[derive(Debug)]
pub struct Acl {
    default: User,
    others: BTreeMap<String, User>,
    /// Newest first.
    pub log: VecDeque<LogEntry>,
    /// Refusals by reason (INFO stats `acl_access_denied_*`).
    pub denied_auth: u64,
    pub denied_cmd: u64,
    pub denied_key: u64,
    pub denied_channel: u64,
    /// The default user can run everything: the per-command check is skipped.
    default_unrestricted: bool,
}

impl Acl {
    /// The `default` user (`+@all ~* &* on nopass`), with `requirepass` if set.
    pub fn new(requirepass: &str) -> Acl {
        let mut default = User::new("default", false);
        for rule in [&b"+@all"[..], b"~*", b"&*", b"on", b"nopass"] {
            default.apply(rule, false).expect("default user rules");
        }
        let mut acl = Acl {
            default,
            others: BTreeMap::new(),
            log: VecDeque::new(),
            denied_auth: 0,
            denied_cmd: 0,
            denied_key: 0,
            denied_channel: 0,
            default_unrestricted: true,
        };
        acl.set_default_password(requirepass);
        acl
    }

    /// `requirepass`: the default user's only password, or `nopass` when
    /// empty (Redis's `ACLUpdateDefaultUserPassword`).
    pub fn set_default_password(&mut self, pass: &str) {
        let _ = self.default.apply(b"resetpass", false);
        if pass.is_empty() {
            let _ = self.default.apply(b"nopass", false);
        } else {
            let mut op = b">".to_vec();
            op.extend_from_slice(pass.as_bytes());
            let _ = self.default.apply(&op, false);
        }
    }

    /// Must a new connection authenticate before running commands?
    /// (The default user has a password or is off.)
    pub fn auth_required(&self) -> bool {
        !self.default.nopass || !self.default.enabled
    }

    pub fn user(&self, name: &str) -> Option<&User> {
        if name == "default" { Some(&self.default) } else { self.others.get(name) }
    }

    /// Names in Redis's (lexicographic) order.
    pub fn users(&self) -> Vec<&User> {
        let mut v: Vec<&User> = self.others.values().collect();
        let at = v.partition_point(|u| u.name.as_str() < "default");
        v.insert(at, &self.default);
        v
    }

    /// Checks a username/password pair.
    pub fn authenticate(&self, name: &[u8], pass: &[u8]) -> Option<&User> {
        let name = std::str::from_utf8(name).ok()?;
        self.user(name).filter(|u| u.accepts(pass))
    }

    /// Does `user` pass every check without looking (the default user with
    /// every permission)?
    #[inline]
    pub fn unrestricted(&self, user: &str) -> bool {
        user == "default" && self.default_unrestricted
    }

    /// May `user` run table entry `id` with `args`?
    #[inline]
    pub fn check(&self, user: &str, id: usize, args: &[Bytes]) -> Result<(), Denied> {
        if user == "default" {
            if self.default_unrestricted {
                return Ok(());
            }
            return self.default.check(id, args);
        }
        match self.others.get(user) {
            Some(u) => u.check(id, args),
            // A deleted user's clients are disconnected; refuse meanwhile.
            None => Err(Denied::Cmd),
        }
    }

    /// ACL SETUSER: applies every rule to a copy of the user (or a new one),
    /// keeping it only if all succeed. The error is Redis's text.
    pub fn set_user(&mut self, name: &[u8], rules: &[&[u8]], all_channels_default: bool) -> Result<(), String> {
        if has_spaces(name) {
            return Err("Usernames can't contain spaces or null characters".into());
        }
        let name = String::from_utf8_lossy(name).into_owned();
        let rules = merge_selector_args(rules).map_err(|start| {
            format!("Unmatched parenthesis in acl selector starting at '{}'.", String::from_utf8_lossy(start))
        })?;
        let mut user = self.user(&name).cloned().unwrap_or_else(|| User::new(&name, all_channels_default));
        for rule in &rules {
            user.apply(rule, all_channels_default).map_err(|e| {
                format!("Error in ACL SETUSER modifier '{}': {}", String::from_utf8_lossy(rule), e.text())
            })?;
        }
        if name == "default" {
            self.default = user;
            self.default_unrestricted = self.default.unrestricted();
        } else {
            self.others.insert(name, user);
        }
        Ok(())
    }

    /// Creates the users of redis.conf's `user` lines (Redis's
    /// `ACLLoadConfiguredUsers`): `user default` starts from `reset`. On a
    /// bad rule, logs Redis's lines and returns the reason to stop.
    pub fn load_config_users(&mut self, users: &[Vec<String>], all_channels: bool) -> Result<(), String> {
        const FATAL: &str = "Critical error while loading ACLs. Exiting.";
        for line in users {
            let Some((name, rules)) = line.split_first() else { continue };
            if has_spaces(name.as_bytes()) {
                crate::log::warning("Spaces not allowed in ACL usernames");
                return Err(FATAL.into());
            }
            let mut user = if name == "default" {
                let mut u = self.default.clone();
                let _ = u.apply(b"reset", all_channels);
                u
            } else {
                User::new(name, all_channels)
            };
            let rules: Vec<&[u8]> = rules.iter().map(|r| r.as_bytes()).collect();
            let merged = merge_selector_args(&rules).map_err(|_| FATAL.to_string())?;
            for rule in &merged {
                if let Err(e) = user.apply(rule, all_channels) {
                    crate::log::warning(&format!(
                        "Error loading ACL rule '{}' for the user named '{name}': {}",
                        String::from_utf8_lossy(rule),
                        e.text()
                    ));
                    return Err(FATAL.into());
                }
            }
            if !user.enabled {
                crate::log::notice(&format!(
                    "The user '{name}' is disabled (there is no 'on' modifier in the user description). Make sure \
                     this is not a configuration error."
                ));
            }
            if name == "default" {
                self.default = user;
                self.default_unrestricted = self.default.unrestricted();
            } else {
                self.others.insert(name.clone(), user);
            }
        }
        Ok(())
    }

    /// Removes a user; false if there was none. (`default` can't be removed:
    /// the caller checks first.)
    pub fn del_user(&mut self, name: &str) -> bool {
        self.others.remove(name).is_some()
    }

    /// Records a refusal in the ACL log (grouping it with a similar recent
    /// entry as Redis does) and counts it.
    pub fn log_denial(&mut self, mut entry: LogEntry, max_len: usize) {
        match entry.reason {
            Reason::Auth => self.denied_auth += 1,
            Reason::Command => self.denied_cmd += 1,
            Reason::Key => self.denied_key += 1,
            Reason::Channel => self.denied_channel += 1,
        }
        let similar = self.log.iter().take(10).position(|e| {
            e.reason == entry.reason
                && e.context == entry.context
                && e.ctime_ms.abs_diff(entry.ctime_ms) <= 60_000
                && e.object == entry.object
                && e.username == entry.username
        });
        if let Some(i) = similar {
            let mut old = self.log.remove(i).expect("entry exists");
            old.client_info = std::mem::take(&mut entry.client_info);
            old.ctime_ms = entry.ctime_ms;
            old.count += 1;
            self.log.push_front(old);
        } else {
            self.log.push_front(entry);
            self.log.truncate(max_len);
        }
    }
}

/// Joins `(` ... `)` selector rules given as several arguments (Redis's
/// `ACLMergeSelectorArguments`); on an unclosed one, its first argument.
fn merge_selector_args<'a>(rules: &[&'a [u8]]) -> Result<Vec<std::borrow::Cow<'a, [u8]>>, &'a [u8]> {
    let mut out = Vec::with_capacity(rules.len());
    let mut open: Option<(Vec<u8>, &'a [u8])> = None;
    for &op in rules {
        if let Some((mut sel, start)) = open.take() {
            sel.push(b' ');
            sel.extend_from_slice(op);
            if op.last() == Some(&b')') {
                out.push(std::borrow::Cow::Owned(sel));
            } else {
                open = Some((sel, start));
            }
            continue;
        }
        if op.first() == Some(&b'(') && op.last() != Some(&b')') {
            open = Some((op.to_vec(), op));
            continue;
        }
        out.push(std::borrow::Cow::Borrowed(op));
    }
    match open {
        Some((_, start)) => Err(start),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::selector::lookup_command;
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    fn id(name: &str) -> usize {
        lookup_command(name.as_bytes()).unwrap()
    }

    fn set(acl: &mut Acl, name: &str, rules: &[&str]) -> Result<(), String> {
        let r: Vec<&[u8]> = rules.iter().map(|s| s.as_bytes()).collect();
        acl.set_user(name.as_bytes(), &r, false)
    }

    #[test]
    fn default_user() {
        let acl = Acl::new("");
        assert_eq!(acl.user("default").unwrap().describe(), "on nopass ~* &* +@all");
        assert!(!acl.auth_required());
        let acl = Acl::new("foo");
        assert_eq!(
            acl.user("default").unwrap().describe(),
            "on #2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae ~* &* +@all"
        );
        assert!(acl.auth_required());
        assert!(acl.authenticate(b"default", b"foo").is_some());
        assert!(acl.authenticate(b"default", b"bar").is_none());
        assert!(acl.authenticate(b"nobody", b"foo").is_none());
    }

    #[test]
    fn describe_as_redis() {
        let mut acl = Acl::new("");
        set(&mut acl, "alice", &["on", ">p1", "+@all", "-@dangerous", "~k*"]).unwrap();
        assert_eq!(
            acl.user("alice").unwrap().describe(),
            "on #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a ~k* resetchannels +@all -@dangerous"
        );
        set(&mut acl, "bob", &[]).unwrap();
        assert_eq!(acl.user("bob").unwrap().describe(), "off resetchannels -@all");
        set(&mut acl, "carol", &["on", "nopass", "+get", "+set", "~*"]).unwrap();
        assert_eq!(acl.user("carol").unwrap().describe(), "on nopass ~* resetchannels -@all +get +set");
        set(&mut acl, "dave", &["on", "%R~r*", "%W~w*", "&ch*", "+@read", "-get"]).unwrap();
        assert_eq!(acl.user("dave").unwrap().describe(), "on %R~r* %W~w* resetchannels &ch* -@all +@read -get");
        set(&mut acl, "f", &["on", "+@all", "-config|get"]).unwrap();
        assert_eq!(acl.user("f").unwrap().describe(), "on resetchannels +@all -config|get");
        let names: Vec<&str> = acl.users().iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob", "carol", "dave", "default", "f"]);
    }

    #[test]
    fn rule_errors() {
        let mut acl = Acl::new("");
        let e = |acl: &mut Acl, rules: &[&str]| set(acl, "x", rules).unwrap_err();
        assert_eq!(e(&mut acl, &["foo"]), "Error in ACL SETUSER modifier 'foo': Syntax error");
        assert_eq!(
            e(&mut acl, &["+nosuch"]),
            "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL"
        );
        assert!(e(&mut acl, &["~*", "~y"]).starts_with("Error in ACL SETUSER modifier '~y': Adding a pattern after"));
        assert!(
            e(&mut acl, &["<nope"]).ends_with("The password you are trying to remove from the user does not exist")
        );
        assert!(e(&mut acl, &["#abc"]).ends_with("contain only lowercase hexadecimal characters"));
        assert_eq!(
            e(&mut acl, &["+config|get|x"]),
            "Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported"
        );
        assert_eq!(e(&mut acl, &["(+get", "~x"]), "Unmatched parenthesis in acl selector starting at '(+get'.");
        // Nothing was created by the failures.
        assert!(acl.user("x").is_none());
        assert_eq!(acl.set_user(b"a b", &[], false).unwrap_err(), "Usernames can't contain spaces or null characters");
    }

    #[test]
    fn permission_checks() {
        let mut acl = Acl::new("");
        set(&mut acl, "u", &["on", "nopass", "+@all", "-@dangerous", "~k*"]).unwrap();
        assert_eq!(acl.check("u", id("get"), &args(&["get", "k1"])), Ok(()));
        assert_eq!(acl.check("u", id("get"), &args(&["get", "other"])), Err(Denied::Key(1)));
        assert_eq!(acl.check("u", id("flushall"), &args(&["flushall"])), Err(Denied::Cmd));
        // NO_AUTH commands are always allowed.
        set(&mut acl, "v", &["on", "nopass", "-@all"]).unwrap();
        assert_eq!(acl.check("v", id("auth"), &args(&["auth", "a", "b"])), Ok(()));
        assert_eq!(acl.check("v", id("ping"), &args(&["ping"])), Err(Denied::Cmd));
        // Subcommands and first args.
        set(&mut acl, "w", &["on", "nopass", "+config|get", "+select|0"]).unwrap();
        assert_eq!(acl.check("w", id("config|get"), &args(&["config", "get", "x"])), Ok(()));
        assert_eq!(acl.check("w", id("config|set"), &args(&["config", "set", "x", "y"])), Err(Denied::Cmd));
        assert_eq!(acl.check("w", id("select"), &args(&["select", "0"])), Ok(()));
        assert_eq!(acl.check("w", id("select"), &args(&["select", "1"])), Err(Denied::Cmd));
        // Read/write key patterns follow the key specs.
        set(&mut acl, "r", &["on", "nopass", "+@all", "%R~r*", "%W~w*"]).unwrap();
        assert_eq!(acl.check("r", id("get"), &args(&["get", "r1"])), Ok(()));
        assert_eq!(acl.check("r", id("get"), &args(&["get", "w1"])), Err(Denied::Key(1)));
        assert_eq!(acl.check("r", id("del"), &args(&["del", "w1", "r1"])), Err(Denied::Key(2)));
        // A selector can grant what the root does not.
        set(&mut acl, "s", &["on", "nopass", "+get", "~a*", "(+set ~b*)"]).unwrap();
        assert_eq!(acl.check("s", id("set"), &args(&["set", "b1", "v"])), Ok(()));
        assert_eq!(acl.check("s", id("set"), &args(&["set", "a1", "v"])), Err(Denied::Key(1)));
        assert_eq!(
            acl.user("s").unwrap().describe(),
            "on nopass ~a* resetchannels -@all +get (~b* resetchannels -@all +set)"
        );
    }

    #[test]
    fn default_user_restrictions_apply() {
        let mut acl = Acl::new("");
        assert_eq!(acl.check("default", id("flushall"), &args(&["flushall"])), Ok(()));
        set(&mut acl, "default", &["-flushall"]).unwrap();
        assert_eq!(acl.check("default", id("flushall"), &args(&["flushall"])), Err(Denied::Cmd));
        assert_eq!(acl.user("default").unwrap().describe(), "on nopass ~* &* +@all -flushall");
        set(&mut acl, "default", &["off"]).unwrap();
        assert!(acl.auth_required());
    }

    #[test]
    fn log_groups_similar_entries() {
        let mut acl = Acl::new("");
        let entry = |object: &str, t: u64| LogEntry {
            count: 1,
            reason: Reason::Auth,
            context: "toplevel",
            object: object.into(),
            username: "u".into(),
            ctime_ms: t,
            client_info: format!("c{t}"),
        };
        acl.log_denial(entry("auth", 1000), 128);
        acl.log_denial(entry("auth", 2000), 128);
        acl.log_denial(entry("hello", 3000), 128);
        assert_eq!(acl.log.len(), 2);
        assert_eq!((acl.log[1].count, acl.log[1].client_info.as_str()), (2, "c2000"));
        acl.log_denial(entry("auth", 200_000), 1);
        assert_eq!(acl.log.len(), 1);
        assert_eq!(acl.denied_auth, 4);
    }
}
