//! Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and the script cache,
//! as Redis 7.0 runs them.
//!
//! One Lua 5.1 state (`mlua`, vendored) runs every script on the command
//! thread, synchronously inside the calling command, so scripts are
//! atomic. Commands a script calls go through `dispatch::call` as a
//! script client whose replies are converted into Lua values (`call`,
//! `convert`). The state is sandboxed as Redis's (`engine`, `sandbox.lua`);
//! the libraries Redis embeds are in `lib`. A script running past
//! `busy-reply-threshold` lets other clients in through the engine's hook
//! (`busy`, `server::busy`).
//!
//! FUNCTION libraries run in a second engine (`functions`) and are called
//! with FCALL through the same machinery.
//!
//! May import the server state and dispatcher, the command table,
//! `protocol`, `util` and `config`.

pub mod api;
mod busy;
mod call;
pub mod convert;
pub mod dump;
pub mod engine;
pub mod errors;
pub mod functions;
pub mod lauxlib;
pub mod lib;
pub mod shebang;

use std::collections::HashMap;
use std::rc::Rc;

use bytes::Bytes;
use mlua::Function;

use crate::commands::{CmdError, CmdResult, Ctx};
use crate::protocol::writer::Resp;
use crate::server::Server;
use crate::server::client::Client;
use engine::{Engine, Outcome};
use shebang::Flags;

/// `NOSCRIPT No matching script. Please use EVAL.`
pub const NOSCRIPT: CmdError = CmdError::text("NOSCRIPT No matching script. Please use EVAL.");
/// BUSY while an EVAL script runs (Redis's `slowevalerr`).
pub const BUSY_EVAL: CmdError =
    CmdError::text("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
/// BUSY while a function runs (Redis's `slowscripterr`).
pub const BUSY_FUNCTION: CmdError =
    CmdError::text("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.");

pub use functions::valid_name;

/// A cached script.
pub struct Script {
    pub body: Bytes,
    pub flags: Flags,
    func: Function,
}

/// What is running: an EVAL script or a function.
pub enum Origin {
    /// The script's SHA1 (lowercase hex).
    Eval([u8; 40]),
    /// The function's name and the FCALL command (FUNCTION STATS shows it).
    Function { name: Rc<str>, command: Vec<Bytes> },
}

impl Origin {
    /// The name errors and logs give: the SHA1 or the function's name.
    pub fn name(&self) -> &str {
        match self {
            Origin::Eval(sha) => std::str::from_utf8(sha).unwrap_or_default(),
            Origin::Function { name, .. } => name,
        }
    }

    pub fn is_eval(&self) -> bool {
        matches!(self, Origin::Eval(_))
    }
}

/// The script running now (Redis's `scriptRunCtx`).
pub struct RunState {
    pub origin: Origin,
    /// Unix ms when the script started (the command's clock).
    pub start_ms: u64,
    /// EVAL_RO, or a `no-writes` script: write commands are refused.
    pub read_only: bool,
    /// A write command ran: SCRIPT KILL is refused (UNKILLABLE).
    pub write_dirty: bool,
    /// Past `busy-reply-threshold`: other clients get BUSY.
    pub timed_out: bool,
    /// When the busy script last served other clients.
    pub last_serve: Option<std::time::Instant>,
    /// SCRIPT KILL asked the script to stop.
    pub killed: bool,
    /// Memory was over `maxmemory` when the script started and the script
    /// did not say `allow-oom`: commands that may add data are refused.
    pub deny_oom: bool,
    /// `min-replicas-to-write` cannot be met (there are no replicas).
    pub no_good_replicas: bool,
    /// The caller, when its user's permissions must be checked for every
    /// command the script calls (None: the unrestricted default user).
    pub acl: Option<Box<Caller>>,
}

/// The calling client as the ACL needs it (Redis runs a script's commands
/// as the caller's user, and logs denials with the caller's description).
pub struct Caller {
    pub user: String,
    /// Its CLIENT LIST line when the script started.
    pub info: String,
}

pub struct Scripting {
    /// Made on first use (`engine()`); the server starts it at boot.
    engine: std::cell::OnceCell<Rc<Engine>>,
    /// SHA1 (lowercase hex) → script.
    scripts: HashMap<[u8; 40], Rc<Script>, foldhash::fast::RandomState>,
    /// Body → SHA1 of the cached scripts (sharing the bodies' bytes): EVAL
    /// of a known body finds its script with a hash and a compare instead
    /// of computing its SHA1 (a third of EVAL's own cost).
    by_body: HashMap<Bytes, [u8; 40], foldhash::fast::RandomState>,
    /// Bytes held by cached bodies and their SHA1s.
    scripts_bytes: usize,
    /// The client scripts run commands as (Redis's "fake client").
    client: Option<Box<Client>>,
    pub run: Option<RunState>,
    /// DEBUG SET-DISABLE-DENY-SCRIPTS: NOSCRIPT commands allowed in scripts.
    pub disable_deny_script: bool,
    runs: u64,
    /// FUNCTION libraries.
    pub functions: functions::Functions,
}

impl Default for Scripting {
    fn default() -> Self {
        Self::new()
    }
}

fn new_engine() -> Engine {
    Engine::new(engine::Mode::Eval).expect("the Lua engine starts")
}

fn script_client() -> Box<Client> {
    let mut c = Client::new(0, String::new(), String::new(), -1, true);
    c.deny_blocking = true;
    c.script = true;
    Box::new(c)
}

impl Scripting {
    pub fn new() -> Scripting {
        Scripting {
            engine: std::cell::OnceCell::new(),
            scripts: HashMap::default(),
            by_body: HashMap::default(),
            scripts_bytes: 0,
            client: Some(script_client()),
            run: None,
            disable_deny_script: false,
            runs: 0,
            functions: functions::Functions::default(),
        }
    }

    /// The Lua engine (started on first use).
    pub fn engine(&self) -> &Rc<Engine> {
        self.engine.get_or_init(|| Rc::new(new_engine()))
    }

    /// A script is running past the threshold: other clients get BUSY.
    pub fn busy(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.timed_out)
    }

    /// The BUSY error for the script running now.
    pub fn busy_error(&self) -> CmdError {
        match &self.run {
            Some(r) if !r.origin.is_eval() => BUSY_FUNCTION,
            _ => BUSY_EVAL,
        }
    }

    /// The script client (between commands of a script).
    pub fn client_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("script client present between commands")
    }

    pub fn cached_scripts(&self) -> usize {
        self.scripts.len()
    }

    /// INFO `used_memory_lua` / `used_memory_vm_eval`.
    pub fn lua_memory(&self) -> usize {
        self.engine().used_memory()
    }

    /// INFO `used_memory_vm_functions`.
    pub fn functions_memory(&self) -> usize {
        self.functions.started().map_or(0, |e| e.used_memory())
    }

    /// INFO `used_memory_scripts_eval`: cached bodies plus the cache's overhead.
    pub fn scripts_memory(&self) -> usize {
        self.scripts_bytes + self.scripts.len() * 64 + self.scripts.capacity() * 8
    }

    pub fn exists(&self, sha: &[u8]) -> bool {
        sha_key(sha).is_some_and(|k| self.scripts.contains_key(&k))
    }

    /// SCRIPT FLUSH: a fresh Lua state and an empty cache (the
    /// `math.random` sequence carries on, as Redis's is global).
    pub fn flush(&mut self) {
        let rand = self.engine().shared.rand.get();
        self.scripts.clear();
        self.by_body.clear();
        self.scripts_bytes = 0;
        self.engine = std::cell::OnceCell::new();
        self.engine().shared.rand.set(rand);
    }

    /// Compiles and caches `body` unless cached (Redis's `luaCreateFunction`).
    pub fn create(&mut self, body: &Bytes) -> Result<([u8; 40], Rc<Script>), CmdError> {
        if let Some(key) = self.by_body.get(&body[..])
            && let Some(s) = self.scripts.get(key)
        {
            return Ok((*key, s.clone()));
        }
        let key = sha_of(body);
        if let Some(s) = self.scripts.get(&key) {
            return Ok((key, s.clone()));
        }
        let (flags, shebang_len) = shebang::parse(body).map_err(CmdError::err)?;
        let func = self
            .engine()
            .compile(&body[shebang_len..])
            .map_err(|e| CmdError::err(format!("Error compiling script (new function): {e}")))?;
        // A copy: `body` is a slice of a client's query buffer, which it
        // would otherwise keep alive.
        let body = Bytes::copy_from_slice(body);
        let script = Rc::new(Script { body: body.clone(), flags, func });
        self.scripts_bytes += body.len() + 40;
        self.scripts.insert(key, script.clone());
        self.by_body.insert(body, key);
        Ok((key, script))
    }
}

/// The cache key of a SHA1 given by a client (any case), if it can be one.
fn sha_key(sha: &[u8]) -> Option<[u8; 40]> {
    let mut key: [u8; 40] = sha.try_into().ok()?;
    key.make_ascii_lowercase();
    Some(key)
}

fn sha_of(body: &[u8]) -> [u8; 40] {
    let hex = crate::util::sha1::hex(&crate::util::sha1::sha1(body));
    hex.as_bytes().try_into().expect("40 hex digits")
}

/// Runs `f` with the script client taken out of the server state.
pub fn with_script_client<R>(srv: &mut Server, f: impl FnOnce(&mut Server, &mut Client) -> R) -> R {
    let mut client = srv.scripting.client.take().expect("script client present");
    let r = f(srv, &mut client);
    srv.scripting.client = Some(client);
    r
}

/// The flags a script declares, for EVAL and friends (the cached script's,
/// else the body's shebang) and FCALL (the function's); `None` for other
/// commands and for a script or function not found (Redis's
/// `evalGetCommandFlags` / `fcallGetCommandFlags` then keep the command's
/// own flags).
pub fn declared_flags(srv: &Server, spec: &crate::commands::CommandSpec, args: &[Bytes]) -> Option<shebang::Flags> {
    match spec.name {
        "eval" | "eval_ro" => match srv.scripting.scripts.get(&sha_of(&args[1])) {
            Some(s) => Some(s.flags),
            None => shebang::parse(&args[1]).ok().map(|(f, _)| f),
        },
        "evalsha" | "evalsha_ro" => sha_key(&args[1]).and_then(|k| srv.scripting.scripts.get(&k)).map(|s| s.flags),
        "fcall" | "fcall_ro" => srv.scripting.functions.get(&args[1]).map(|f| f.flags),
        _ => None,
    }
}

/// Does this command count as DENYOOM? For EVAL and friends it depends on
/// the script's shebang flags (Redis's `evalGetCommandFlags`): a script
/// with flags may write unless `no-writes`, and is refused past maxmemory
/// unless `allow-oom`.
pub fn denies_oom(srv: &Server, spec: &crate::commands::CommandSpec, args: &[Bytes]) -> bool {
    let is_script = matches!(spec.name, "eval" | "eval_ro" | "evalsha" | "evalsha_ro" | "fcall" | "fcall_ro");
    if !is_script {
        return spec.has(crate::commands::flags::DENYOOM);
    }
    declared_flags(srv, spec, args).is_some_and(|f| !f.compat && !f.allow_oom && !f.no_writes)
}

/// `min-replicas-to-write` asks for replicas this server cannot have
/// (Redis's `checkGoodReplicasStatus` with no replicas connected). Kept in
/// `Server::replicas_missing` (set at startup and by CONFIG SET).
pub fn replicas_missing(srv: &Server) -> bool {
    // Untyped directives keep their text in `other` when set (defaults: 0 and 10).
    let num =
        |name: &str, default: i64| srv.config.other.get(name).map_or(default, |v| v.parse::<i64>().unwrap_or(default));
    let (min, max_lag) = (num("min-replicas-to-write", 0), num("min-replicas-max-lag", 10));
    min > 0 && max_lag > 0 && crate::server::replication::good_replicas(srv, max_lag) < min
}

/// A script that may write, while writes are refused (Redis's
/// `scriptPrepareForRun`).
const MISCONF_SCRIPT: CmdError = CmdError::text(
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable \
     scripts are blocked. Use 'no-writes' flag for read only scripts.",
);

/// EVAL / EVALSHA / EVAL_RO / EVALSHA_RO.
pub fn eval(ctx: &mut Ctx, args: &[Bytes], by_sha: bool, read_only: bool) -> CmdResult {
    if by_sha && args[1].len() != 40 {
        return Err(NOSCRIPT);
    }
    let numkeys = crate::util::number::parse_i64(&args[2]).ok_or(CmdError::NotInteger)?;
    if numkeys > (args.len() - 3) as i64 {
        return Err(CmdError::err("Number of keys can't be greater than number of args"));
    } else if numkeys < 0 {
        return Err(CmdError::err("Number of keys can't be negative"));
    }
    let (key, script) = if by_sha {
        let key = sha_key(&args[1]).ok_or(NOSCRIPT)?;
        match ctx.srv.scripting.scripts.get(&key) {
            Some(s) => (key, s.clone()),
            None => return Err(NOSCRIPT),
        }
    } else {
        ctx.srv.scripting.create(&args[1])?
    };
    let flags = script.flags;
    let no_good_replicas = ctx.srv.replicas_missing;
    let oom = ctx.srv.config.maxmemory != 0 && ctx.srv.evict.pre_command_oom;
    if !flags.compat && !flags.no_writes {
        may_write(ctx.srv, read_only)?;
    }
    if !flags.compat && oom && !flags.allow_oom && !flags.no_writes {
        return Err(CmdError::text(
            "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
        ));
    }
    let keys = &args[3..3 + numkeys as usize];
    let argv = &args[3 + numkeys as usize..];
    let limits = Limits {
        read_only: read_only || (!flags.compat && flags.no_writes),
        deny_oom: oom && (flags.compat || !flags.allow_oom),
        no_good_replicas,
    };
    let engine = ctx.srv.scripting.engine().clone();
    run(ctx, &engine, &script.func, Origin::Eval(key), keys, argv, limits)
}

/// Why a script that may write cannot run now (EVAL and FCALL alike):
/// a failed save with `stop-writes-on-bgsave-error`, a `*_RO` command,
/// too few good replicas.
fn may_write(srv: &crate::server::Server, read_only: bool) -> CmdResult {
    if crate::server::save::writes_denied(srv) {
        return Err(MISCONF_SCRIPT);
    }
    if read_only {
        return Err(CmdError::err("Can not execute a script with write flag using *_ro command."));
    }
    if srv.replicas_missing {
        return Err(CmdError::text("NOREPLICAS Not enough good replicas to write."));
    }
    Ok(())
}

/// FCALL / FCALL_RO.
pub fn fcall(ctx: &mut Ctx, args: &[Bytes], read_only: bool) -> CmdResult {
    let Some(function) = ctx.srv.scripting.functions.get(&args[1]) else {
        return Err(CmdError::err("Function not found"));
    };
    let numkeys =
        crate::util::number::parse_i64(&args[2]).ok_or_else(|| CmdError::err("Bad number of keys provided"))?;
    if numkeys > (args.len() - 3) as i64 {
        return Err(CmdError::err("Number of keys can't be greater than number of args"));
    } else if numkeys < 0 {
        return Err(CmdError::err("Number of keys can't be negative"));
    }
    let flags = function.flags;
    let no_good_replicas = ctx.srv.replicas_missing;
    let oom = ctx.srv.config.maxmemory != 0 && ctx.srv.evict.pre_command_oom;
    if !flags.no_writes {
        may_write(ctx.srv, read_only)?;
    }
    if oom && !flags.allow_oom && !flags.no_writes {
        return Err(CmdError::text(
            "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
        ));
    }
    let keys = &args[3..3 + numkeys as usize];
    let argv = &args[3 + numkeys as usize..];
    let limits =
        Limits { read_only: read_only || flags.no_writes, deny_oom: oom && !flags.allow_oom, no_good_replicas };
    let engine = ctx.srv.scripting.functions.engine().clone();
    let origin = Origin::Function { name: function.name.clone(), command: args.to_vec() };
    run(ctx, &engine, &function.callback, origin, keys, argv, limits)
}

/// What the script may do, decided when it starts.
struct Limits {
    read_only: bool,
    deny_oom: bool,
    no_good_replicas: bool,
}

fn run(
    ctx: &mut Ctx,
    engine: &Engine,
    func: &Function,
    origin: Origin,
    keys: &[Bytes],
    argv: &[Bytes],
    limits: Limits,
) -> CmdResult {
    {
        let c = ctx.srv.scripting.client_mut();
        c.db = ctx.client.db;
        c.out.resp = Resp::Two;
        c.out.buf.clear();
    }
    let acl = (!ctx.srv.acl.unrestricted(&ctx.client.user)).then(|| {
        let mut info = String::new();
        let cmd = ctx.client.last_cmd.map(|id| crate::commands::table().entries[id].fullname.as_str());
        ctx.client.write_info_line(&mut info, cmd, 0);
        Box::new(Caller { user: ctx.client.user.clone(), info })
    });
    ctx.srv.scripting.run = Some(RunState {
        origin,
        start_ms: ctx.srv.now_ms,
        read_only: limits.read_only,
        write_dirty: false,
        timed_out: false,
        last_serve: None,
        killed: false,
        deny_oom: limits.deny_oom,
        no_good_replicas: limits.no_good_replicas,
        acl,
    });
    let outcome = engine.run(ctx.srv, func, keys, argv);
    let origin = ctx.srv.scripting.run.take().map(|r| r.origin);
    ctx.srv.scripting.runs += 1;
    if ctx.srv.scripting.runs.is_multiple_of(50) {
        engine.gc_step();
    }
    let resp3 = ctx.srv.scripting.client_mut().out.resp == Resp::Three;
    let name = origin.as_ref().map_or("", Origin::name);
    match outcome {
        Ok(Outcome::Ok(value)) => {
            let mut written = convert::Written::default();
            convert::lua_to_reply(&value, &mut ctx.client.out, resp3, &mut written);
            drop(value);
            for msg in &written.counted_errors {
                ctx.srv.stats.error(msg);
            }
            if written.any_error {
                failed(ctx);
            }
            Ok(())
        }
        Ok(Outcome::Failed(info)) => {
            let mut text = info.msg;
            if let Some((source, line)) = info.at {
                text.push_str(&format!(" script: {name}, on {source}:{line}."));
            }
            if info.ignore_stats {
                ctx.client.out.error(text.as_bytes());
                failed(ctx);
                Ok(())
            } else {
                Err(CmdError::Other(text.into()))
            }
        }
        Ok(Outcome::Broken(msg)) => {
            let msg: String = msg.chars().take(100).collect();
            Err(CmdError::err(format!("Error running script {name}, {msg}")))
        }
        Err(e) => Err(CmdError::err(format!("Error running script {name}, {}", engine::rust_error_message(&e)))),
    }
}

/// The running command failed without its error being counted again.
fn failed(ctx: &mut Ctx) {
    if let Some(id) = ctx.client.last_cmd {
        ctx.srv.stats.command(id).failed_calls += 1;
    }
}

/// SCRIPT KILL (`eval`) and FUNCTION KILL.
pub fn kill(srv: &mut Server, eval: bool) -> CmdResult {
    let Some(run) = srv.scripting.run.as_mut() else {
        return Err(CmdError::text("NOTBUSY No scripts in execution right now."));
    };
    if run.write_dirty {
        return Err(CmdError::text(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait \
             the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
        ));
    }
    if eval && !run.origin.is_eval() {
        return Err(BUSY_FUNCTION);
    }
    if !eval && run.origin.is_eval() {
        return Err(BUSY_EVAL);
    }
    run.killed = true;
    Ok(())
}
