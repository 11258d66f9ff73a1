//! MODULE LIST, HELP, LOAD, LOADEX, UNLOAD. This server has no module API:
//! LIST is always empty and loading fails (with Redis's error and a log
//! line), behind the same `enable-module-command` protection as Redis.

use bytes::Bytes;

use super::command::reply_help;
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};

const G: Group = Group::Server;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("module", -2, 0, G, help).subcommands(SUBCOMMANDS).doc(
    "4.0.0",
    "A container for module commands",
    "Depends on subcommand.",
    "",
)];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("help", 2, LOADING | STALE, G, help).doc(
        "5.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("list", 2, ADMIN | NOSCRIPT, G, list).doc(
        "4.0.0",
        "List all modules loaded by the server",
        "O(N) where N is the number of loaded modules.",
        "",
    ),
    CommandSpec::new("load", -3, NO_ASYNC_LOADING | ADMIN | NOSCRIPT, G, load).doc(
        "4.0.0",
        "Load a module",
        "O(1)",
        "path [arg [arg ...]]",
    ),
    CommandSpec::new("loadex", -3, NO_ASYNC_LOADING | ADMIN | NOSCRIPT, G, load).doc(
        "7.0.0",
        "Load a module with extended parameters",
        "O(1)",
        "path [CONFIG name value [CONFIG name value ...]] [ARGS arg [arg ...]]",
    ),
    CommandSpec::new("unload", 3, NO_ASYNC_LOADING | ADMIN | NOSCRIPT, G, unload).doc(
        "4.0.0",
        "Unload a module",
        "O(1)",
        "name",
    ),
];

const HELP: &[&str] = &[
    "LIST",
    "    Return a list of loaded modules.",
    "LOAD <path> [<arg> ...]",
    "    Load a module library from <path>, passing to it any optional arguments.",
    "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
    "    Load a module library from <path>, while passing it module configurations and optional arguments.",
    "UNLOAD <name>",
    "    Unload a module.",
];

/// MODULE HELP (also the container's handler, never reached).
fn help(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    reply_help(ctx.out(), &args[0], HELP);
    Ok(())
}

fn list(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.out().array(0);
    Ok(())
}

/// LOAD, LOADEX and UNLOAD are protected actions, as in Redis.
fn check_allowed(ctx: &Ctx) -> CmdResult {
    if ctx.srv.config.enable_module_command.allows(ctx.client.ip()) {
        return Ok(());
    }
    Err(CmdError::text(
        "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it \
         from a local connection, otherwise you need to set this option in the configuration file, and then \
         restart the server.",
    ))
}

fn load(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    check_allowed(ctx)?;
    crate::log::warning(&format!(
        "Module {} failed to load: this server does not support modules",
        String::from_utf8_lossy(&args[2])
    ));
    Err(CmdError::err("Error loading the extension. Please check the server logs."))
}

fn unload(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    check_allowed(ctx)?;
    Err(CmdError::err("Error unloading module: no such module with that name"))
}
