//! One set of permissions (Redis's `aclSelector`): the command bitmap by
//! command-table id with its rules (`+cmd`, `-@cat`, first args …), key and
//! channel patterns, the check of one command against them, and Redis's
//! description of the set (`ACLDescribeSelector`, with the best-fit over
//! categories for the command rules).

use std::collections::BTreeMap;

use bytes::Bytes;

use super::keys::{KeyCache, channel_positions};
use super::{ALL_PERMS, Denied, READ, RuleError, WRITE};
use crate::commands::{self, acl as cat};
use crate::util::glob::glob_match;

#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyPattern {
    pattern: Vec<u8>,
    perms: u8,
}

/// A set of permissions: a user's root, or one of its `(...)` selectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Selector {
    /// Redis's ALLCOMMANDS flag: no bit test needed.
    pub(super) all_commands: bool,
    /// Set by `+@all` only: the rules start from `+@all` (commands added
    /// later would be allowed too).
    future: bool,
    bits: Vec<u64>,
    /// `+cmd|firstarg` rules: command id → allowed first arguments.
    first_args: BTreeMap<usize, Vec<Vec<u8>>>,
    pub(super) all_keys: bool,
    patterns: Vec<KeyPattern>,
    pub(super) all_channels: bool,
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
    pub(super) fn new(all_channels: bool) -> Selector {
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
    pub(super) fn apply(&mut self, op: &[u8]) -> Result<(), RuleError> {
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
    pub(super) fn describe_commands(&self) -> String {
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

    pub(super) fn describe_keys(&self) -> Vec<String> {
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

    pub(super) fn describe_channels(&self) -> Vec<String> {
        if self.all_channels {
            return vec!["&*".into()];
        }
        self.channels.iter().map(|c| format!("&{}", String::from_utf8_lossy(c))).collect()
    }

    /// Redis's `ACLDescribeSelector`.
    pub(super) fn describe(&self) -> String {
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
    pub(super) fn check(&self, id: usize, args: &[Bytes], keys: &mut KeyCache) -> Result<(), Denied> {
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

/// A command or `container|sub` name in the command table.
pub(super) fn lookup_command(name: &[u8]) -> Option<usize> {
    crate::commands::command::lookup_fullname(name)
}

pub(super) fn has_spaces(s: &[u8]) -> bool {
    s.iter().any(|&c| c.is_ascii_whitespace() || c == 0)
}
