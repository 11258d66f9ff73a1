//! COMMAND and its subcommands: the command table as Redis 7.0 reports it
//! (COMMAND INFO's ten fields, COMMAND DOCS's documentation with argument
//! trees for redis-cli's hints, key extraction), plus the HELP reply shared
//! by container commands.

mod docs;
pub mod meta;

use bytes::Bytes;

use super::args::is;
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group, acl, flags, table};
use crate::protocol::ReplyWriter;
use crate::util::glob::glob_match;
pub use docs::{Arg, ArgType};
use meta::{BeginSearch, FindKeys, KeySpec};

const G: Group = Group::Server;
const F: u32 = LOADING | STALE;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("command", -1, F, G, command_all)
    .acl(acl::CONNECTION)
    .subcommands(SUBCOMMANDS)
    .doc("2.8.13", "Get array of Redis command details", "O(N) where N is the total number of Redis commands", "")];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("count", 2, F, G, count).acl(acl::CONNECTION).doc(
        "2.8.13",
        "Get total number of Redis commands",
        "O(1)",
        "",
    ),
    CommandSpec::new("docs", -2, F, G, command_docs).acl(acl::CONNECTION).doc(
        "7.0.0",
        "Get array of specific Redis command documentation",
        "O(N) where N is the number of commands to look up",
        "[command-name [command-name ...]]",
    ),
    CommandSpec::new("getkeys", -4, F, G, getkeys).acl(acl::CONNECTION).doc(
        "2.8.13",
        "Extract keys given a full Redis command",
        "O(N) where N is the number of arguments to the command",
        "",
    ),
    CommandSpec::new("getkeysandflags", -4, F, G, getkeys_and_flags).acl(acl::CONNECTION).doc(
        "7.0.0",
        "Extract keys and access flags given a full Redis command",
        "O(N) where N is the number of arguments to the command",
        "",
    ),
    CommandSpec::new("help", 2, F, G, help).acl(acl::CONNECTION).doc(
        "5.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("info", -2, F, G, command_info).acl(acl::CONNECTION).doc(
        "2.8.13",
        "Get array of specific Redis command details, or all when no argument is given.",
        "O(N) where N is the number of commands to look up",
        "[command-name [command-name ...]]",
    ),
    CommandSpec::new("list", -2, F, G, list).acl(acl::CONNECTION).doc(
        "7.0.0",
        "Get an array of Redis command names",
        "O(N) where N is the total number of Redis commands",
        "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]",
    ),
];

/// Commands we accept that Redis 7.0 does not have (Redis 7.2 additions that
/// clients send): they run, but COMMAND does not list them, so COMMAND
/// replies stay those of 7.0.
fn hidden(fullname: &str) -> bool {
    matches!(fullname, "client|setinfo" | "client|no-touch")
}

/// Redis's `addReplyHelp`: a header naming the command as typed, the lines,
/// and the HELP footer, as status replies.
pub fn reply_help(out: &mut ReplyWriter, name: &[u8], lines: &[&str]) {
    out.array(lines.len() + 3);
    let upper = String::from_utf8_lossy(name).to_ascii_uppercase();
    out.simple(&format!("{upper} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
    for l in lines {
        out.simple(l);
    }
    out.simple("HELP");
    out.simple("    Prints this help.");
}

/// Redis's `addReplySubcommandSyntaxError`, for a subcommand given the wrong
/// arguments (or an unknown one, for commands that parse their own).
pub fn subcommand_syntax_error(args: &[Bytes]) -> CmdError {
    let sub = args.get(1).map(|a| String::from_utf8_lossy(&a[..a.len().min(128)]).into_owned()).unwrap_or_default();
    let cmd = String::from_utf8_lossy(&args[0]).to_ascii_uppercase();
    CmdError::err(format!("unknown subcommand or wrong number of arguments for '{sub}'. Try {cmd} HELP."))
}

/// Finds a command by full name (`get`, `client|list`), case-insensitively,
/// as Redis's `lookupCommandBySds`.
pub fn lookup_fullname(name: &[u8]) -> Option<usize> {
    let t = table();
    let mut parts = name.split(|&b| b == b'|');
    let base = t.lookup(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(base),
        (Some(sub), None) => t.lookup_sub(base, sub),
        _ => None,
    }
}

/// Finds the command an argument vector runs, as Redis's `lookupCommand`.
fn lookup_argv(args: &[Bytes]) -> Option<usize> {
    let t = table();
    let base = t.lookup(args.first()?)?;
    if t.entries[base].spec.subcommands.is_empty() || args.len() == 1 {
        return Some(base);
    }
    t.lookup_sub(base, &args[1])
}

/// The key specs of entry `id`: Redis's, or one derived from the legacy range.
fn key_specs(id: usize) -> Vec<KeySpec> {
    let e = &table().entries[id];
    if let Some(m) = meta::lookup(&e.fullname) {
        return m.key_specs.to_vec();
    }
    let s = e.spec;
    if s.first_key <= 0 {
        return Vec::new();
    }
    let flags = if s.has(flags::WRITE) { meta::RW | meta::UPDATE } else { meta::RO | meta::ACCESS };
    let last = if s.last_key < 0 { s.last_key } else { s.last_key - s.first_key };
    vec![KeySpec {
        notes: "",
        flags,
        bs: BeginSearch::Index(s.first_key),
        fk: FindKeys::Range(last, s.key_step.max(1), 0),
    }]
}

fn tips(id: usize) -> &'static [&'static str] {
    meta::lookup(&table().entries[id].fullname).map(|m| m.tips).unwrap_or(&[])
}

fn write_flag_set<T: Copy>(out: &mut ReplyWriter, bits: T, names: &[(T, &str)], has: impl Fn(T, T) -> bool) {
    let present: Vec<&str> = names.iter().filter(|(f, _)| has(bits, *f)).map(|(_, n)| *n).collect();
    out.set(present.len());
    for n in present {
        out.simple(n);
    }
}

/// COMMAND INFO's ten-field reply for entry `id`.
pub fn write_info(out: &mut ReplyWriter, id: usize) {
    let t = table();
    let e = &t.entries[id];
    let s = e.spec;
    out.array(10);
    out.bulk(e.fullname.as_bytes());
    out.int(s.arity as i64);
    let shown: Vec<(u32, &str)> = flags::NAMES.iter().copied().filter(|(f, _)| *f != flags::MAY_REPLICATE).collect();
    write_flag_set(out, s.flags, &shown, |a, b| a & b != 0);
    out.int(s.first_key as i64);
    out.int(s.last_key as i64);
    out.int(s.key_step as i64);
    let cats = s.acl_categories();
    let present: Vec<&str> = acl::NAMES.iter().filter(|(c, _)| cats & c != 0).map(|(_, n)| *n).collect();
    out.set(present.len());
    for n in present {
        out.simple(&format!("@{n}"));
    }
    let tips = tips(id);
    out.set(tips.len());
    for tip in tips {
        out.bulk(tip.as_bytes());
    }
    let specs = key_specs(id);
    out.set(specs.len());
    for ks in &specs {
        write_key_spec(out, ks);
    }
    // Redis answers an empty *set* for a command without subcommands.
    if s.subcommands.is_empty() {
        out.set(0);
        return;
    }
    let subs: Vec<usize> = t.subcommands_of(id).filter(|&i| !hidden(&t.entries[i].fullname)).collect();
    out.array(subs.len());
    for sub in subs {
        write_info(out, sub);
    }
}

fn write_key_spec(out: &mut ReplyWriter, ks: &KeySpec) {
    out.map(if ks.notes.is_empty() { 3 } else { 4 });
    if !ks.notes.is_empty() {
        out.bulk(b"notes");
        out.bulk(ks.notes.as_bytes());
    }
    out.bulk(b"flags");
    write_flag_set(out, ks.flags, meta::FLAG_NAMES, |a, b| a & b != 0);
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    match ks.bs {
        BeginSearch::Index(pos) => {
            out.bulk(b"index");
            out.bulk(b"spec");
            out.map(1);
            out.bulk(b"index");
            out.int(pos as i64);
        }
        BeginSearch::Keyword(kw, startfrom) => {
            out.bulk(b"keyword");
            out.bulk(b"spec");
            out.map(2);
            out.bulk(b"keyword");
            out.bulk(kw.as_bytes());
            out.bulk(b"startfrom");
            out.int(startfrom as i64);
        }
        BeginSearch::UnknownBs => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map(0);
        }
    }
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    match ks.fk {
        FindKeys::Range(lastkey, keystep, limit) => {
            out.bulk(b"range");
            out.bulk(b"spec");
            out.map(3);
            for (k, v) in [("lastkey", lastkey), ("keystep", keystep), ("limit", limit)] {
                out.bulk(k.as_bytes());
                out.int(v as i64);
            }
        }
        FindKeys::Keynum(keynumidx, firstkey, keystep) => {
            out.bulk(b"keynum");
            out.bulk(b"spec");
            out.map(3);
            for (k, v) in [("keynumidx", keynumidx), ("firstkey", firstkey), ("keystep", keystep)] {
                out.bulk(k.as_bytes());
                out.int(v as i64);
            }
        }
        FindKeys::UnknownFk => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map(0);
        }
    }
}

/// The documented arguments of entry `id`.
pub fn arguments(id: usize) -> Vec<Arg> {
    let e = &table().entries[id];
    docs::arguments(&e.fullname, e.spec, key_specs(id).len())
}

/// COMMAND DOCS's map for entry `id`.
pub fn write_docs(out: &mut ReplyWriter, id: usize) {
    let t = table();
    let s = t.entries[id].spec;
    let args = arguments(id);
    let subs: Vec<usize> = t.subcommands_of(id).filter(|&i| !hidden(&t.entries[i].fullname)).collect();
    let len = 2
        + usize::from(!s.summary.is_empty())
        + usize::from(!s.complexity.is_empty())
        + usize::from(!args.is_empty())
        + usize::from(!s.subcommands.is_empty());
    out.map(len);
    if !s.summary.is_empty() {
        out.bulk(b"summary");
        out.bulk(s.summary.as_bytes());
    }
    out.bulk(b"since");
    out.bulk(s.since.as_bytes());
    out.bulk(b"group");
    out.bulk(s.group.name().as_bytes());
    if !s.complexity.is_empty() {
        out.bulk(b"complexity");
        out.bulk(s.complexity.as_bytes());
    }
    if !args.is_empty() {
        out.bulk(b"arguments");
        write_args(out, &args);
    }
    if !s.subcommands.is_empty() {
        out.bulk(b"subcommands");
        out.map(subs.len());
        for sub in subs {
            out.bulk(t.entries[sub].fullname.as_bytes());
            write_docs(out, sub);
        }
    }
}

fn write_args(out: &mut ReplyWriter, args: &[Arg]) {
    out.array(args.len());
    for a in args {
        let flags = a.flag_names();
        let nested = matches!(a.kind, ArgType::OneOf | ArgType::Block);
        let len = 2
            + usize::from(a.key_spec_index.is_some())
            + usize::from(a.token.is_some())
            + usize::from(!flags.is_empty())
            + usize::from(nested);
        out.map(len);
        out.bulk(b"name");
        out.bulk(a.name.as_bytes());
        out.bulk(b"type");
        out.bulk(a.kind.name().as_bytes());
        if let Some(i) = a.key_spec_index {
            out.bulk(b"key_spec_index");
            out.int(i as i64);
        }
        if let Some(tok) = &a.token {
            out.bulk(b"token");
            out.bulk(tok.as_bytes());
        }
        if !flags.is_empty() {
            out.bulk(b"flags");
            out.set(flags.len());
            for f in flags {
                out.simple(f);
            }
        }
        if nested {
            out.bulk(b"arguments");
            write_args(out, &a.args);
        }
    }
}

fn visible_top_level() -> Vec<usize> {
    let t = table();
    t.top_level().filter(|&i| !hidden(&t.entries[i].fullname)).collect()
}

/// COMMAND (no subcommand): every command's details.
fn command_all(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let ids = visible_top_level();
    let out = ctx.out();
    out.array(ids.len());
    for id in ids {
        write_info(out, id);
    }
    Ok(())
}

fn count(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let n = visible_top_level().len();
    ctx.out().int(n as i64);
    Ok(())
}

fn command_info(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() == 2 {
        return command_all(ctx, args);
    }
    let out = ctx.out();
    out.array(args.len() - 2);
    for name in &args[2..] {
        match lookup_fullname(name) {
            Some(id) => write_info(out, id),
            None => out.null(),
        }
    }
    Ok(())
}

fn command_docs(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let t = table();
    let ids: Vec<usize> = if args.len() == 2 {
        visible_top_level()
    } else {
        args[2..].iter().filter_map(|n| lookup_fullname(n)).collect()
    };
    let out = ctx.out();
    out.map(ids.len());
    for id in ids {
        out.bulk(t.entries[id].fullname.as_bytes());
        write_docs(out, id);
    }
    Ok(())
}

enum Filter<'a> {
    Module,
    AclCat(u32),
    Pattern(&'a [u8]),
}

fn list(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut filter = None;
    let mut i = 2;
    while i < args.len() {
        if is(&args[i], "filterby") && args.len() - 1 - i == 2 {
            let arg = &args[i + 2];
            filter = Some(if is(&args[i + 1], "module") {
                Filter::Module
            } else if is(&args[i + 1], "aclcat") {
                let cat = acl::NAMES.iter().find(|(_, n)| is(arg, n)).map(|(c, _)| *c).unwrap_or(0);
                Filter::AclCat(cat)
            } else if is(&args[i + 1], "pattern") {
                Filter::Pattern(arg)
            } else {
                return Err(CmdError::Syntax);
            });
            i += 3;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let t = table();
    let mut names: Vec<&str> = Vec::new();
    for top in visible_top_level() {
        for id in std::iter::once(top).chain(t.subcommands_of(top)) {
            let e = &t.entries[id];
            if hidden(&e.fullname) {
                continue;
            }
            let keep = match &filter {
                None => true,
                Some(Filter::Module) => false,
                Some(Filter::AclCat(cat)) => *cat != 0 && e.spec.acl_categories() & cat != 0,
                Some(Filter::Pattern(p)) => glob_match(p, e.fullname.as_bytes(), true),
            };
            if keep {
                names.push(&e.fullname);
            }
        }
    }
    let out = ctx.out();
    out.array(names.len());
    for n in names {
        out.bulk(n.as_bytes());
    }
    Ok(())
}

fn help(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    const LINES: &[&str] = &[
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
    ];
    reply_help(ctx.out(), &args[0], LINES);
    Ok(())
}

/// Positions of the keys in `argv` found with Redis's key specs, with each
/// key's flags; `None` when a spec cannot be evaluated on these arguments.
fn keys_by_specs(specs: &[KeySpec], argv: &[Bytes]) -> Option<Vec<(usize, u16)>> {
    let argc = argv.len() as i64;
    let mut found = Vec::new();
    for ks in specs {
        let first = match ks.bs {
            BeginSearch::Index(pos) => {
                if pos as i64 >= argc {
                    continue;
                }
                pos as i64
            }
            BeginSearch::Keyword(kw, startfrom) => {
                let (start, end, step) =
                    if startfrom >= 0 { (startfrom as i64, argc - 1, 1) } else { (argc + startfrom as i64, 0, -1) };
                let mut i = start;
                let mut at = None;
                while (step > 0 && i <= end) || (step < 0 && i >= end) {
                    if i >= 0 && i < argc && is(&argv[i as usize], kw) {
                        at = Some(i + 1);
                        break;
                    }
                    i += step;
                }
                match at {
                    Some(a) => a,
                    None => continue,
                }
            }
            BeginSearch::UnknownBs => return None,
        };
        let (first, last, step) = match ks.fk {
            FindKeys::Range(lastkey, keystep, limit) => {
                let last = if lastkey >= 0 {
                    first + lastkey as i64
                } else if limit == 0 {
                    argc + lastkey as i64
                } else {
                    first + ((argc - first) / limit as i64 + lastkey as i64)
                };
                (first, last, keystep as i64)
            }
            FindKeys::Keynum(keynumidx, firstkey, keystep) => {
                let idx = first + keynumidx as i64;
                if idx >= argc {
                    return None;
                }
                let n = crate::util::number::parse_i64(&argv[idx as usize]).filter(|&n| n >= 0)?;
                let first = first + firstkey as i64;
                (first, first + (n - 1) * keystep as i64, keystep as i64)
            }
            FindKeys::UnknownFk => return None,
        };
        if step <= 0 {
            return None;
        }
        let mut i = first;
        while i <= last {
            if i >= argc || i < 0 {
                return None;
            }
            found.push((i as usize, ks.flags));
            i += step;
        }
    }
    Some(found)
}

fn getkeys_common(ctx: &mut Ctx, args: &[Bytes], with_flags: bool) -> CmdResult {
    let argv = &args[2..];
    let Some(id) = lookup_argv(argv) else {
        return Err(CmdError::err("Invalid command specified"));
    };
    let s = table().entries[id].spec;
    let specs = key_specs(id);
    if s.getkeys.is_none() && (specs.is_empty() || specs.iter().all(|k| k.flags & meta::NOT_KEY != 0)) {
        return Err(CmdError::err("The command has no key arguments"));
    }
    if !super::arity_ok(s.arity, argv.len()) {
        return Err(CmdError::err("Invalid number of arguments specified for command"));
    }
    let variable = specs.iter().any(|k| k.flags & meta::VARIABLE_FLAGS != 0);
    let by_specs = if variable { None } else { keys_by_specs(&specs, argv) };
    let keys: Vec<(usize, u16)> = match by_specs {
        Some(k) if !k.is_empty() || s.getkeys.is_none() => k,
        _ => {
            let default = specs.first().map(|k| k.flags & !meta::VARIABLE_FLAGS).unwrap_or(meta::RW | meta::UPDATE);
            let covered = keys_by_specs(&specs, argv).unwrap_or_default();
            s.key_positions(argv)
                .into_iter()
                .map(|p| {
                    let f = covered.iter().find(|(q, _)| *q == p).map(|(_, f)| *f & !meta::VARIABLE_FLAGS);
                    (p, variable_flags(id, argv).unwrap_or(f.unwrap_or(default)))
                })
                .collect()
        }
    };
    if keys.is_empty() {
        if s.has(flags::NO_MANDATORY_KEYS) {
            ctx.out().array(0);
            return Ok(());
        }
        return Err(CmdError::err("Invalid arguments specified for command"));
    }
    let out = ctx.out();
    out.array(keys.len());
    for (pos, f) in keys {
        if with_flags {
            out.array(2);
            out.bulk(&argv[pos]);
            write_flag_set(out, f, meta::FLAG_NAMES, |a, b| a & b != 0);
        } else {
            out.bulk(&argv[pos]);
        }
    }
    Ok(())
}

/// The flags Redis's own getkeys function gives commands whose key flags
/// depend on their arguments (`variable_flags`).
fn variable_flags(id: usize, argv: &[Bytes]) -> Option<u16> {
    match table().entries[id].fullname.as_str() {
        "set" => Some(if argv[3..].iter().any(|a| is(a, "get")) {
            meta::RW | meta::ACCESS | meta::UPDATE
        } else {
            meta::OW | meta::UPDATE
        }),
        _ => None,
    }
}

fn getkeys(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    getkeys_common(ctx, args, false)
}

fn getkeys_and_flags(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    getkeys_common(ctx, args, true)
}
