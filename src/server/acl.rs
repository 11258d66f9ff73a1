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
//! Imports the command table (for ids and categories), `util`.

use std::collections::{BTreeMap, HashMap, VecDeque};

use bytes::Bytes;

use crate::commands::{self, acl as cat};
use crate::util::glob::glob_match;
use crate::util::sha256::sha256_hex;

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

#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyPattern {
    pattern: Vec<u8>,
    perms: u8,
}

/// A set of permissions: a user's root, or one of its `(...)` selectors.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Selector {
    /// Redis's ALLCOMMANDS flag: no bit test needed.
    all_commands: bool,
    /// Set by `+@all` only: the rules start from `+@all` (commands added
    /// later would be allowed too).
    future: bool,
    bits: Vec<u64>,
    /// `+cmd|firstarg` rules: command id → allowed first arguments.
    first_args: BTreeMap<usize, Vec<Vec<u8>>>,
    all_keys: bool,
    patterns: Vec<KeyPattern>,
    all_channels: bool,
    channels: Vec<Vec<u8>>,
}

fn commands_len() -> usize {
    commands::table().entries.len()
}

fn categories_of(id: usize) -> u32 {
    commands::table().entries[id].spec.acl_categories()
}

/// Table ids in Redis's walk order: each command, then its subcommands.
fn walk_ids() -> impl Iterator<Item = usize> {
    let t = commands::table();
    t.top_level().flat_map(move |id| std::iter::once(id).chain(t.subcommands_of(id)))
}

/// The flag of a category name (case-insensitive), if it exists.
pub fn category_flag(name: &[u8]) -> Option<u32> {
    cat::NAMES.iter().find(|(_, n)| n.as_bytes().eq_ignore_ascii_case(name)).map(|(f, _)| *f)
}

impl Selector {
    fn new(all_channels: bool) -> Selector {
        Selector {
            all_commands: false,
            future: false,
            bits: vec![0; commands_len().div_ceil(64)],
            first_args: BTreeMap::new(),
            all_keys: false,
            patterns: Vec::new(),
            all_channels,
            channels: Vec::new(),
        }
    }

    fn bit(&self, id: usize) -> bool {
        self.bits[id / 64] & (1 << (id % 64)) != 0
    }

    fn set_bit(&mut self, id: usize, on: bool) {
        if on {
            self.bits[id / 64] |= 1 << (id % 64);
        } else {
            self.bits[id / 64] &= !(1 << (id % 64));
            self.all_commands = false;
        }
    }

    /// Allows or denies a command, and all its subcommands for a container.
    fn change_perm(&mut self, id: usize, allow: bool) {
        self.set_bit(id, allow);
        self.first_args.remove(&id);
        for sub in commands::table().subcommands_of(id) {
            self.set_bit(sub, allow);
        }
    }

    fn set_category(&mut self, flag: u32, allow: bool) {
        for id in walk_ids() {
            if categories_of(id) & flag != 0 {
                self.change_perm(id, allow);
            }
        }
    }

    fn set_all(&mut self, allow: bool) {
        let n = commands_len();
        for (i, w) in self.bits.iter_mut().enumerate() {
            *w = if allow {
                let valid = n.saturating_sub(i * 64).min(64);
                if valid == 64 { u64::MAX } else { (1u64 << valid) - 1 }
            } else {
                0
            };
        }
        self.all_commands = allow;
        self.future = allow;
        self.first_args.clear();
    }

    fn count_category(&self, flag: u32) -> (usize, usize) {
        let (mut on, mut off) = (0, 0);
        for id in walk_ids() {
            if categories_of(id) & flag != 0 {
                if self.bit(id) {
                    on += 1;
                } else {
                    off += 1;
                }
            }
        }
        (on, off)
    }

    /// Applies one selector rule (Redis's `ACLSetSelector`).
    fn apply(&mut self, op: &[u8]) -> Result<(), RuleError> {
        let lower = op.to_ascii_lowercase();
        match &lower[..] {
            b"allkeys" | b"~*" => {
                self.all_keys = true;
                self.patterns.clear();
            }
            b"resetkeys" => {
                self.all_keys = false;
                self.patterns.clear();
            }
            b"allchannels" | b"&*" => {
                self.all_channels = true;
                self.channels.clear();
            }
            b"resetchannels" => {
                self.all_channels = false;
                self.channels.clear();
            }
            b"allcommands" | b"+@all" => self.set_all(true),
            b"nocommands" | b"-@all" => self.set_all(false),
            _ => match op[0] {
                b'~' | b'%' => self.add_key_pattern(op)?,
                b'&' => {
                    if self.all_channels {
                        return Err(RuleError::ChannelAfterStar);
                    }
                    let pat = &op[1..];
                    if has_spaces(pat) {
                        return Err(RuleError::Syntax);
                    }
                    if !self.channels.iter().any(|c| c == pat) {
                        self.channels.push(pat.to_vec());
                    }
                    self.all_channels = false;
                }
                b'+' | b'-' if op.get(1) == Some(&b'@') => {
                    let flag = category_flag(&op[2..]).ok_or(RuleError::Unknown)?;
                    self.set_category(flag, op[0] == b'+');
                }
                b'+' => self.allow_command(&op[1..])?,
                b'-' => {
                    let id = lookup_command(&op[1..]).ok_or(RuleError::Unknown)?;
                    self.change_perm(id, false);
                }
                _ => return Err(RuleError::Syntax),
            },
        }
        Ok(())
    }

    fn add_key_pattern(&mut self, op: &[u8]) -> Result<(), RuleError> {
        if self.all_keys {
            return Err(RuleError::KeyAfterStar);
        }
        let (perms, offset) = if op[0] == b'%' {
            let mut perms = 0;
            let mut i = 1;
            loop {
                match op.get(i).map(u8::to_ascii_uppercase) {
                    Some(b'R') if perms & READ == 0 => perms |= READ,
                    Some(b'W') if perms & WRITE == 0 => perms |= WRITE,
                    Some(b'~') => {
                        i += 1;
                        break;
                    }
                    _ => return Err(RuleError::Syntax),
                }
                i += 1;
            }
            (perms, i)
        } else {
            (ALL_PERMS, 1)
        };
        let pattern = &op[offset.min(op.len())..];
        if has_spaces(pattern) {
            return Err(RuleError::Syntax);
        }
        match self.patterns.iter_mut().find(|p| p.pattern == pattern) {
            Some(p) => p.perms |= perms,
            None => self.patterns.push(KeyPattern { pattern: pattern.to_vec(), perms }),
        }
        self.all_keys = false;
        Ok(())
    }

    fn allow_command(&mut self, name: &[u8]) -> Result<(), RuleError> {
        let Some(bar) = name.iter().rposition(|&c| c == b'|') else {
            let id = lookup_command(name).ok_or(RuleError::Unknown)?;
            self.change_perm(id, true);
            return Ok(());
        };
        let (container, sub) = (&name[..bar], &name[bar + 1..]);
        let id = lookup_command(container).ok_or(RuleError::Unknown)?;
        let t = commands::table();
        if t.entries[id].parent.is_some() {
            return Err(RuleError::FirstArgOfSub);
        }
        if sub.is_empty() {
            return Err(RuleError::Syntax);
        }
        if t.entries[id].spec.subcommands.is_empty() {
            crate::log::warning(&format!(
                "Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and \
                 may get disabled in the future (offender: +{})",
                String::from_utf8_lossy(name)
            ));
            let list = self.first_args.entry(id).or_default();
            if !list.iter().any(|a| a.eq_ignore_ascii_case(sub)) {
                list.push(sub.to_vec());
            }
        } else {
            let sid = t.lookup_sub(id, sub).ok_or(RuleError::Unknown)?;
            self.change_perm(sid, true);
        }
        Ok(())
    }

    /// Redis's `ACLDescribeSelectorCommandRules`.
    fn describe_commands(&self) -> String {
        let mut rules = String::new();
        let mut fake = Selector::new(false);
        let additive = !self.future;
        if additive {
            rules.push_str("-@all ");
            fake.set_all(false);
        } else {
            rules.push_str("+@all ");
            fake.set_all(true);
        }
        let mut temp = self.clone();
        let mut applied = [false; 32];
        loop {
            let mut best = None;
            let (mut mindiff, mut maxsame) = (usize::MAX, 0);
            for (j, (flag, _)) in cat::NAMES.iter().enumerate() {
                if applied[j] {
                    continue;
                }
                let (on, off) = temp.count_category(*flag);
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
                    best = Some(j);
                    mindiff = diff;
                    maxsame = same;
                }
            }
            let Some(j) = best else { break };
            let (flag, name) = cat::NAMES[j];
            fake.set_category(flag, additive);
            temp.set_category(flag, !additive);
            rules.push_str(if additive { "+@" } else { "-@" });
            rules.push_str(name);
            rules.push(' ');
            applied[j] = true;
        }
        let t = commands::table();
        for id in walk_ids() {
            let (user, fake_bit) = (self.bit(id), fake.bit(id));
            if user != fake_bit {
                rules.push(if user { '+' } else { '-' });
                rules.push_str(&t.entries[id].fullname);
                rules.push(' ');
                fake.change_perm(id, user);
            }
            if !user && let Some(args) = self.first_args.get(&id) {
                for a in args {
                    rules.push('+');
                    rules.push_str(&t.entries[id].fullname);
                    rules.push('|');
                    rules.push_str(&String::from_utf8_lossy(a));
                    rules.push(' ');
                }
            }
        }
        rules.pop();
        rules
    }

    fn describe_keys(&self) -> Vec<String> {
        if self.all_keys {
            return vec!["~*".into()];
        }
        self.patterns
            .iter()
            .map(|p| {
                let prefix = match p.perms {
                    READ => "%R~",
                    WRITE => "%W~",
                    _ => "~",
                };
                format!("{prefix}{}", String::from_utf8_lossy(&p.pattern))
            })
            .collect()
    }

    fn describe_channels(&self) -> Vec<String> {
        if self.all_channels {
            return vec!["&*".into()];
        }
        self.channels.iter().map(|c| format!("&{}", String::from_utf8_lossy(c))).collect()
    }

    /// Redis's `ACLDescribeSelector`.
    fn describe(&self) -> String {
        let mut s = String::new();
        for k in self.describe_keys() {
            s.push_str(&k);
            s.push(' ');
        }
        if !self.all_channels {
            s.push_str("resetchannels ");
        }
        for c in self.describe_channels() {
            s.push_str(&c);
            s.push(' ');
        }
        s.push_str(&self.describe_commands());
        s
    }

    /// Redis's `ACLSelectorCheckCmd`.
    fn check(&self, id: usize, args: &[Bytes], keys: &mut KeyCache) -> Result<(), Denied> {
        let spec = commands::table().entries[id].spec;
        if !self.all_commands && !spec.has(commands::flags::NO_AUTH) && !self.bit(id) {
            let arg_at = if commands::table().entries[id].parent.is_some() { 2 } else { 1 };
            let allowed = match (self.first_args.get(&id), args.get(arg_at)) {
                (Some(list), Some(arg)) => list.iter().any(|a| a.eq_ignore_ascii_case(arg)),
                _ => false,
            };
            if !allowed {
                return Err(Denied::Cmd);
            }
        }
        if !self.all_keys {
            for &(pos, perms) in keys.get(id, args) {
                let ok =
                    self.patterns.iter().any(|p| p.perms & perms == perms && glob_match(&p.pattern, &args[pos], false));
                if !ok {
                    return Err(Denied::Key(pos));
                }
            }
        }
        if !self.all_channels {
            for (pos, is_pattern) in channel_positions(&commands::table().entries[id].fullname, args) {
                let ch = &args[pos];
                let ok =
                    self.channels.iter().any(|p| if is_pattern { p[..] == ch[..] } else { glob_match(p, ch, false) });
                if !ok {
                    return Err(Denied::Channel(pos));
                }
            }
        }
        Ok(())
    }
}

/// Keys of a command with the access each needs, computed once per check.
struct KeyCache {
    keys: Option<Vec<(usize, u8)>>,
}

impl KeyCache {
    fn get(&mut self, id: usize, args: &[Bytes]) -> &[(usize, u8)] {
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
fn channel_positions(fullname: &str, args: &[Bytes]) -> Vec<(usize, bool)> {
    match fullname {
        "publish" | "spublish" if args.len() > 1 => vec![(1, false)],
        "subscribe" | "ssubscribe" => (1..args.len()).map(|i| (i, false)).collect(),
        "psubscribe" => (1..args.len()).map(|i| (i, true)).collect(),
        _ => Vec::new(),
    }
}

/// Do new users get every channel (`acl-pubsub-default allchannels`)?
pub fn pubsub_default_all(config: &crate::config::Config) -> bool {
    config.get("acl-pubsub-default").as_deref() == Some("allchannels")
}

/// A command or `container|sub` name in the command table.
fn lookup_command(name: &[u8]) -> Option<usize> {
    crate::commands::command::lookup_fullname(name)
}

fn has_spaces(s: &[u8]) -> bool {
    s.iter().any(|&c| c.is_ascii_whitespace() || c == 0)
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
