//! CONFIG GET/SET/RESETSTAT/REWRITE/HELP. The directive table
//! (`config::directives`) decides names, aliases, values and errors; these
//! handlers match patterns, write replies and apply what must change at once
//! in the running server (log level, working directory).

use bytes::Bytes;

use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::config::directives::{self, DIRECTIVES, Directive, Load, flags as dflags};
use crate::config::set::set_many;
use crate::util::glob::glob_match;

const G: Group = Group::Server;
const ADMIN_FLAGS: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", -3, ADMIN_FLAGS, G, get).doc(
        "2.0.0",
        "Get the values of configuration parameters",
        "O(N) when N is the number of configuration parameters provided",
        "parameter [parameter ...]",
    ),
    CommandSpec::new("set", -4, ADMIN_FLAGS, G, set).doc(
        "2.0.0",
        "Set configuration parameters to the given values",
        "O(N) when N is the number of configuration parameters provided",
        "parameter value [parameter value ...]",
    ),
    CommandSpec::new("resetstat", 2, ADMIN_FLAGS, G, resetstat).doc(
        "2.0.0",
        "Reset the stats returned by INFO",
        "O(1)",
        "",
    ),
    CommandSpec::new("rewrite", 2, ADMIN_FLAGS, G, rewrite).doc(
        "2.8.0",
        "Rewrite the configuration file with the in memory configuration",
        "O(1)",
        "",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, G, help).doc(
        "5.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
];

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("config", -2, 0, G, container).subcommands(SUBCOMMANDS).doc(
    "2.0.0",
    "A container for server configuration commands",
    "Depends on subcommand.",
    "",
)];

/// Never runs: dispatch resolves a subcommand or reports the arity error.
fn container(_ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    Err(CmdError::WrongArity("config".into()))
}

fn get(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // (name as shown, directive); names compare without case, as Redis's
    // result dict does.
    let mut matches: Vec<(String, &'static Directive)> = Vec::new();
    let seen = |m: &[(String, &Directive)], n: &[u8]| m.iter().any(|(k, _)| k.as_bytes().eq_ignore_ascii_case(n));
    for pattern in &args[2..] {
        if !pattern.iter().any(|c| matches!(c, b'[' | b'*' | b'?')) {
            if seen(&matches, pattern) {
                continue;
            }
            let name = String::from_utf8_lossy(pattern);
            if let Some((d, _)) = directives::lookup(&name) {
                matches.push((name.into_owned(), d));
            }
            continue;
        }
        for d in DIRECTIVES {
            // Hidden directives answer only to their exact name.
            if d.has(dflags::HIDDEN) {
                continue;
            }
            for n in d.names() {
                if !seen(&matches, n.as_bytes()) && glob_match(pattern, n.as_bytes(), true) {
                    matches.push((n.to_string(), d));
                }
            }
        }
    }
    let values: Vec<String> = matches.iter().map(|(_, d)| d.get(&ctx.srv.config)).collect();
    let out = ctx.out();
    out.map(matches.len());
    for ((name, _), value) in matches.iter().zip(&values) {
        out.bulk(name.as_bytes());
        out.bulk(value.as_bytes());
    }
    Ok(())
}

fn set(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() % 2 == 1 {
        return Err(CmdError::Syntax);
    }
    let pairs: Vec<(String, String)> = args[2..]
        .chunks(2)
        .map(|p| (String::from_utf8_lossy(&p[0]).into_owned(), String::from_utf8_lossy(&p[1]).into_owned()))
        .collect();
    let protected_allowed = ctx.srv.config.enable_protected_configs.allows(ctx.client.ip());
    let old = ctx.srv.config.clone();
    let mut load = Load::runtime();
    set_many(&mut ctx.srv.config, &pairs, protected_allowed, &mut load).map_err(CmdError::err)?;
    if let Err(e) = check_listen(ctx.srv, &old, &pairs) {
        ctx.srv.config = old;
        return Err(e);
    }
    if ctx.srv.config.maxclients != old.maxclients
        && let Err(e) = raise_open_files_limit(ctx.srv)
    {
        ctx.srv.config = old;
        return Err(e);
    }
    // Redis's `updateAppendonly`.
    if ctx.srv.config.appendonly != old.appendonly {
        if old.appendonly {
            crate::server::aof::stop(ctx.srv);
        } else {
            let in_exec = !ctx.may_block();
            if crate::server::aof::start(ctx.srv, in_exec).is_err() {
                ctx.srv.config = old;
                return Err(CmdError::err(
                    "CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.",
                ));
            }
        }
    }
    if ctx.srv.config.get("aof-disable-auto-gc") != old.get("aof-disable-auto-gc") {
        crate::server::aof::auto_gc_changed(ctx.srv);
    }
    if ctx.srv.config.requirepass != old.requirepass {
        let pass = ctx.srv.config.requirepass.clone();
        ctx.srv.acl.set_default_password(&pass);
    }
    crate::server::memory::config_changed(ctx.srv, &old);
    ctx.srv.replicas_missing = crate::scripting::replicas_missing(ctx.srv);
    // Latency tracking is applied from the configuration (a first call of a
    // command otherwise allocates its histogram even with tracking off).
    ctx.srv.stats.latency_tracking = ctx.srv.config.latency_tracking;
    ctx.srv.stats.latency_percentiles.clone_from(&ctx.srv.config.latency_tracking_info_percentiles);
    let config = &ctx.srv.config;
    if config.loglevel != old.loglevel {
        crate::log::set_level(config.loglevel);
    }
    for w in &load.warnings {
        crate::log::warning(w);
    }
    ctx.out().ok();
    Ok(())
}

/// Redis applies a new `port` or `bind` by listening there, and fails the
/// CONFIG SET when it can't; the server then keeps its current listeners.
fn check_listen(srv: &mut crate::server::Server, old: &crate::config::Config, pairs: &[(String, String)]) -> CmdResult {
    if old.port == srv.config.port && old.bind == srv.config.bind {
        return Ok(());
    }
    if crate::server::listener::rebind(srv, old.port).is_ok() {
        return Ok(());
    }
    // The first of port/bind named in the command is the one reported.
    let first = pairs
        .iter()
        .filter_map(|(n, _)| directives::lookup(n))
        .map(|(d, _)| d.name)
        .find(|n| (*n == "port" && old.port != srv.config.port) || (*n == "bind" && old.bind != srv.config.bind))
        .unwrap_or("port");
    let why = if first == "port" {
        "Unable to listen on this port. Check server logs."
    } else {
        "Failed to bind to specified addresses."
    };
    Err(CmdError::err(format!("CONFIG SET failed (possibly related to argument '{first}') - {why}")))
}

/// Redis's `updateMaxclients`: the open-files limit must allow the new
/// `maxclients`, or the CONFIG SET fails with the number that would fit.
fn raise_open_files_limit(srv: &mut crate::server::Server) -> CmdResult {
    let wanted = srv.config.maxclients;
    let adjusted = crate::server::listener::adjust_open_files_limit(&mut srv.config);
    if adjusted.is_err() || srv.config.maxclients != wanted {
        return Err(CmdError::err(format!(
            "CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to \
             handle the specified number of clients, try with {}",
            srv.config.maxclients
        )));
    }
    Ok(())
}

fn resetstat(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.srv.stats.reset();
    ctx.srv.keyspace.reset_stats();
    crate::server::lazyfree::reset_stats();
    ctx.out().ok();
    Ok(())
}

fn rewrite(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let Some(path) = ctx.srv.config.config_file.clone() else {
        return Err(CmdError::err("The server is running without a config file"));
    };
    match crate::config::rewrite::rewrite_file(&ctx.srv.config, std::path::Path::new(&path), false) {
        Ok(()) => {
            crate::log::warning("CONFIG REWRITE executed with success.");
            ctx.out().ok();
            Ok(())
        }
        Err(e) => {
            let why = crate::config::special::strerror(&e);
            crate::log::warning(&format!("CONFIG REWRITE failed: {why}"));
            Err(CmdError::err(format!("Rewriting config file: {why}")))
        }
    }
}

fn help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    const LINES: &[&str] = &[
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    ];
    let out = ctx.out();
    out.array(LINES.len());
    for line in LINES {
        out.simple(line);
    }
    Ok(())
}
