//! ACL: CAT DELUSER DRYRUN GENPASS GETUSER HELP LIST LOAD LOG SAVE SETUSER
//! USERS WHOAMI, and the authentication AUTH and HELLO use. (The module is
//! `acl_cmd` because `commands::acl` names the ACL categories.) The users,
//! rules and checks live in `server::acl`; these handlers parse, reply and
//! keep the ACL log. Passwords are never echoed or logged.

use bytes::Bytes;

use super::args::{is, text};
use super::command::{reply_help, subcommand_syntax_error};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group, acl as cat};
use crate::server::acl::{self as model, LogEntry, Reason};
use crate::util::number::parse_i64;

const G: Group = Group::Server;
const ADM: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("cat", -2, NOSCRIPT | LOADING | STALE, G, acl_cat).doc(
        "6.0.0",
        "List the ACL categories or the commands inside a category",
        "O(1) since the categories and commands are a fixed set.",
        "[categoryname]",
    ),
    CommandSpec::new("deluser", -3, ADM, G, deluser).doc(
        "6.0.0",
        "Remove the specified ACL users and the associated rules",
        "O(1) amortized time considering the typical user.",
        "username [username ...]",
    ),
    CommandSpec::new("dryrun", -4, ADM, G, dryrun).doc(
        "7.0.0",
        "Returns whether the user can execute the given command without executing the command.",
        "O(1).",
        "username command [arg [arg ...]]",
    ),
    CommandSpec::new("genpass", -2, NOSCRIPT | LOADING | STALE, G, genpass).doc(
        "6.0.0",
        "Generate a pseudorandom secure password to use for ACL users",
        "O(1)",
        "[bits]",
    ),
    CommandSpec::new("getuser", 3, ADM, G, getuser).doc(
        "6.0.0",
        "Get the rules for a specific ACL user",
        "O(N). Where N is the number of password, command and pattern rules that the user has.",
        "username",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, G, help).doc(
        "6.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("list", 2, ADM, G, list).doc(
        "6.0.0",
        "List the current ACL rules in ACL config file format",
        "O(N). Where N is the number of configured users.",
        "",
    ),
    CommandSpec::new("load", 2, ADM, G, load_save).doc(
        "6.0.0",
        "Reload the ACLs from the configured ACL file",
        "O(N). Where N is the number of configured users.",
        "",
    ),
    CommandSpec::new("log", -2, ADM, G, log).doc(
        "6.0.0",
        "List latest events denied because of ACLs in place",
        "O(N) with N being the number of entries shown.",
        "[count | RESET]",
    ),
    CommandSpec::new("save", 2, ADM, G, load_save).doc(
        "6.0.0",
        "Save the current ACL rules in the configured ACL file",
        "O(N). Where N is the number of configured users.",
        "",
    ),
    CommandSpec::new("setuser", -3, ADM, G, setuser).doc(
        "6.0.0",
        "Modify or create the rules for a specific ACL user",
        "O(N). Where N is the number of rules provided.",
        "username [rule [rule ...]]",
    ),
    CommandSpec::new("users", 2, ADM, G, users).doc(
        "6.0.0",
        "List the username of all the configured ACL rules",
        "O(N). Where N is the number of configured users.",
        "",
    ),
    CommandSpec::new("whoami", 2, NOSCRIPT | LOADING | STALE, G, whoami).doc(
        "6.0.0",
        "Return the name of the user associated to the current connection",
        "O(1)",
        "",
    ),
];

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("acl", -2, 0, G, container).subcommands(SUBCOMMANDS).doc(
    "6.0.0",
    "A container for Access List Control commands ",
    "Depends on subcommand.",
    "",
)];

/// Never runs: dispatch resolves a subcommand or reports the arity error.
fn container(_ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    Err(CmdError::WrongArity("acl".into()))
}

/// Authenticates the client as `user` (AUTH, HELLO AUTH). A refusal is
/// recorded in the ACL log and counted; the password appears nowhere.
pub fn authenticate(ctx: &mut Ctx, args: &[Bytes], user: &[u8], pass: &[u8]) -> bool {
    if let Some(u) = ctx.srv.acl.authenticate(user, pass) {
        ctx.client.user = u.name.clone();
        ctx.client.authenticated = true;
        return true;
    }
    let entry = log_entry(ctx, args, Reason::Auth, text(&args[0]), text(user));
    let max = ctx.srv.config.acllog_max_len as usize;
    ctx.srv.acl.log_denial(entry, max);
    false
}

/// An ACL log entry about the calling client.
pub fn log_entry(ctx: &Ctx, args: &[Bytes], reason: Reason, object: String, username: String) -> LogEntry {
    let mut info = String::new();
    let cmd = ctx.client.last_cmd.map(|id| super::table().entries[id].fullname.as_str());
    ctx.client.write_info_line(&mut info, cmd, args.iter().map(|a| a.len()).sum());
    LogEntry {
        count: 1,
        reason,
        context: if ctx.client.multi.is_some() { "multi" } else { "toplevel" },
        object,
        username,
        ctime_ms: ctx.now(),
        client_info: info,
    }
}

fn acl_cat(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    match args.len() {
        2 => {
            let out = ctx.out();
            out.array(cat::NAMES.len());
            for (_, name) in cat::NAMES {
                out.bulk(name.as_bytes());
            }
        }
        3 => {
            let Some(flag) = model::category_flag(&args[2]) else {
                let name = &args[2][..args[2].len().min(128)];
                return Err(CmdError::err(format!("Unknown category '{}'", text(name))));
            };
            let t = super::table();
            let names: Vec<&str> = t
                .top_level()
                .flat_map(|id| std::iter::once(id).chain(t.subcommands_of(id)))
                .filter(|&id| t.entries[id].spec.acl_categories() & flag != 0)
                .map(|id| t.entries[id].fullname.as_str())
                .collect();
            let out = ctx.out();
            out.array(names.len());
            for n in names {
                out.bulk(n.as_bytes());
            }
        }
        _ => return Err(subcommand_syntax_error(args)),
    }
    Ok(())
}

fn setuser(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let rules: Vec<&[u8]> = args[3..].iter().map(|a| &a[..]).collect();
    let all_channels = model::pubsub_default_all(&ctx.srv.config);
    ctx.srv.acl.set_user(&args[2], &rules, all_channels).map_err(CmdError::err)?;
    ctx.out().ok();
    Ok(())
}

fn deluser(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args[2..].iter().any(|a| &a[..] == b"default") {
        return Err(CmdError::err("The 'default' user cannot be removed"));
    }
    let mut deleted = 0;
    for name in &args[2..] {
        let name = text(name);
        if ctx.srv.acl.del_user(&name) {
            deleted += 1;
            disconnect_user(ctx, &name);
        }
    }
    ctx.out().int(deleted);
    Ok(())
}

/// Clients authenticated as a deleted user go back to the default user,
/// unauthenticated, and are disconnected (the caller after this reply).
fn disconnect_user(ctx: &mut Ctx, name: &str) {
    let me = ctx.client.id;
    if ctx.client.user == name {
        ctx.client.user = "default".into();
        ctx.client.authenticated = false;
        ctx.client.close_after_reply = true;
    }
    let victims: Vec<u64> = ctx
        .srv
        .clients
        .iter()
        .filter(|s| s.id != me)
        .filter_map(|s| {
            let mut c = s.state.try_borrow_mut().ok()?;
            if c.user != name {
                return None;
            }
            c.user = "default".into();
            c.authenticated = false;
            Some(s.id)
        })
        .collect();
    for id in victims {
        ctx.srv.clients.kill(id);
    }
}

fn getuser(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let name = text(&args[2]);
    let Some(u) = ctx.srv.acl.user(&name) else {
        ctx.out().null();
        return Ok(());
    };
    let flags = u.flag_names();
    let passwords = u.password_hashes().to_vec();
    let selectors = u.selector_descriptions();
    let out = &mut ctx.client.out;
    out.map(6);
    out.bulk(b"flags");
    out.set(flags.len());
    for f in flags {
        out.bulk(f.as_bytes());
    }
    out.bulk(b"passwords");
    out.array(passwords.len());
    for p in &passwords {
        out.bulk(p.as_bytes());
    }
    let describe = |out: &mut crate::protocol::ReplyWriter, (commands, keys, channels): &(String, String, String)| {
        out.bulk(b"commands");
        out.bulk(commands.as_bytes());
        out.bulk(b"keys");
        out.bulk(keys.as_bytes());
        out.bulk(b"channels");
        out.bulk(channels.as_bytes());
    };
    describe(out, &selectors[0]);
    out.bulk(b"selectors");
    out.array(selectors.len() - 1);
    for s in &selectors[1..] {
        out.map(3);
        describe(out, s);
    }
    Ok(())
}

fn list(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let lines: Vec<String> = ctx.srv.acl.users().iter().map(|u| format!("user {} {}", u.name, u.describe())).collect();
    let out = ctx.out();
    out.array(lines.len());
    for l in lines {
        out.bulk(l.as_bytes());
    }
    Ok(())
}

fn users(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let names: Vec<String> = ctx.srv.acl.users().iter().map(|u| u.name.clone()).collect();
    let out = ctx.out();
    out.array(names.len());
    for n in names {
        out.bulk(n.as_bytes());
    }
    Ok(())
}

fn whoami(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let name = ctx.client.user.clone();
    ctx.out().bulk(name.as_bytes());
    Ok(())
}

/// ACL LOAD / ACL SAVE: the users from / to `aclfile`. A load replaces
/// every user and disconnects the clients of the users it replaced (as
/// Redis frees them), `default`'s excepted.
fn load_save(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let path = ctx.srv.config.aclfile.clone();
    if path.is_empty() {
        return Err(CmdError::err(
            "This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL \
             SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in \
             order to store users in the Redis configuration.",
        ));
    }
    if is(&args[1], "save") {
        if let Err(e) = ctx.srv.acl.save_file(&path) {
            crate::log::warning(&format!("Saving ACL file for ACL SAVE: {}", crate::util::strerror(&e)));
            return Err(CmdError::err(
                "There was an error trying to save the ACLs. Please check the server logs for more information",
            ));
        }
        ctx.out().ok();
        return Ok(());
    }
    let all_channels = crate::server::acl::pubsub_default_all(&ctx.srv.config);
    let replaced = ctx.srv.acl.load_file(&path, all_channels).map_err(CmdError::err)?;
    for name in replaced {
        disconnect_user(ctx, &name);
    }
    ctx.out().ok();
    Ok(())
}

fn genpass(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    const MAX_BITS: i64 = 4096;
    let bits = match args.len() {
        2 => 256,
        3 => parse_i64(&args[2]).ok_or(CmdError::NotInteger)?,
        _ => return Err(subcommand_syntax_error(args)),
    };
    if bits <= 0 || bits > MAX_BITS {
        return Err(CmdError::err(format!(
            "ACL GENPASS argument must be the number of bits for the output password, a positive number up to \
             {MAX_BITS}"
        )));
    }
    let chars = ((bits + 3) / 4) as usize;
    let mut pass = String::with_capacity(chars);
    while pass.len() < chars {
        pass.push_str(&format!("{:016x}", rand::random::<u64>()));
    }
    pass.truncate(chars);
    ctx.out().bulk(pass.as_bytes());
    Ok(())
}

fn log(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut count = 10i64;
    match args.len() {
        2 => {}
        3 if is(&args[2], "reset") => {
            ctx.srv.acl.log.clear();
            ctx.out().ok();
            return Ok(());
        }
        3 => count = parse_i64(&args[2]).ok_or(CmdError::NotInteger)?.max(0),
        _ => return Err(subcommand_syntax_error(args)),
    }
    let now = ctx.now();
    let entries: Vec<LogEntry> = ctx.srv.acl.log.iter().take(count as usize).cloned().collect();
    let out = ctx.out();
    out.array(entries.len());
    for e in entries {
        out.map(7);
        out.bulk(b"count");
        out.int(e.count as i64);
        out.bulk(b"reason");
        out.bulk(e.reason.name().as_bytes());
        out.bulk(b"context");
        out.bulk(e.context.as_bytes());
        out.bulk(b"object");
        out.bulk(e.object.as_bytes());
        out.bulk(b"username");
        out.bulk(e.username.as_bytes());
        out.bulk(b"age-seconds");
        out.double(now.saturating_sub(e.ctime_ms) as f64 / 1000.0);
        out.bulk(b"client-info");
        out.bulk(e.client_info.as_bytes());
    }
    Ok(())
}

fn dryrun(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let name = text(&args[2]);
    let Some(user) = ctx.srv.acl.user(&name) else {
        return Err(CmdError::err(format!("User '{name}' not found")));
    };
    let cmd_args = &args[3..];
    let Ok(id) = crate::server::dispatch::resolve(cmd_args) else {
        return Err(CmdError::err(format!("Command '{}' not found", text(&cmd_args[0]))));
    };
    let entry = &super::table().entries[id];
    if !super::arity_ok(entry.spec.arity, cmd_args.len()) {
        return Err(CmdError::WrongArity(entry.fullname.clone()));
    }
    let msg = match user.check(id, cmd_args) {
        Ok(()) => None,
        Err(model::Denied::Cmd) => {
            Some(format!("This user has no permissions to run the '{}' command", entry.fullname))
        }
        Err(model::Denied::Key(p)) => {
            Some(format!("This user has no permissions to access the '{}' key", text(&cmd_args[p])))
        }
        Err(model::Denied::Channel(p)) => {
            Some(format!("This user has no permissions to access the '{}' channel", text(&cmd_args[p])))
        }
    };
    match msg {
        None => ctx.out().ok(),
        Some(m) => ctx.out().bulk(m.as_bytes()),
    }
    Ok(())
}

fn help(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    const LINES: &[&str] = &[
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
    ];
    reply_help(ctx.out(), &args[0], LINES);
    Ok(())
}
