//! The Lua interpreter as Redis sets it up: Lua 5.1 with `string`, `table`,
//! `math`, `coroutine` and Redis's libraries (`cjson`, `cmsgpack`, `bit`,
//! `struct`, `redis`), no `os`/`io`/`loadfile`/`dofile`/`print`, globals
//! locked (`sandbox.lua`), and a count hook that notices scripts running
//! past `busy-reply-threshold`.
//!
//! While a script runs, the server state is lent to the engine: `run` moves
//! it into `Shared` (swapping it with a stand-in `Server`, so the move is a
//! 1.3 KB copy) and moves it back when the script ends, even by unwinding.
//! `redis.call` and the hook borrow it there (`Shared::with_server`). An
//! `mlua` scope lending `&mut Server` would do the same job safely too, but
//! costs about 3,000 instructions per script, a quarter of an EVALSHA.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use bytes::Bytes;
use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};

use super::errors::ScriptError;
use super::lib::rand::Rand48;
use super::{api, lib};
use crate::server::Server;

/// Instructions between two looks at the clock (Redis's hook count).
const HOOK_EVERY: u32 = 100_000;
/// The chunk name of the engine's own Lua code (skipped when locating errors).
const INTERNAL: &str = "=internal";
/// FUNCTION LOAD stops a library that runs longer than this (ms).
const LOAD_TIMEOUT_MS: u128 = 500;

/// Which engine: EVAL's, or the one FUNCTION libraries live in (Redis runs
/// them in two Lua states).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Eval,
    Functions,
}

/// A function a library registered while FUNCTION LOAD ran it.
pub struct Registered {
    pub name: String,
    pub desc: Option<bytes::Bytes>,
    pub flags: super::shebang::Flags,
    pub callback: Function,
}

/// FUNCTION LOAD in progress.
struct Loading {
    start: std::time::Instant,
    functions: Vec<Registered>,
}

/// Where a script failed: what Redis's error handler records.
#[derive(Debug, Clone, Default)]
pub struct ErrorInfo {
    /// `CODE message`.
    pub msg: String,
    /// Chunk and line of the failing Lua code (`@user_script`, 1).
    pub at: Option<(String, i64)>,
    /// Already counted in the error statistics.
    pub ignore_stats: bool,
}

/// State shared by the engine's Rust functions.
pub struct Shared {
    /// The server while a script runs; a stand-in otherwise (made on the
    /// first run).
    server: RefCell<Option<Box<Server>>>,
    /// A script is running (the server is lent).
    running: Cell<bool>,
    /// Set by the top-level error handler.
    pub error: RefCell<Option<ErrorInfo>>,
    /// `math.random`'s generator.
    pub rand: Cell<Rand48>,
    /// The hook fires on every line (after SCRIPT KILL).
    line_hook: Cell<bool>,
    /// `redis.call`'s argument vector and bytes, reused from call to call.
    pub argv: RefCell<Vec<Bytes>>,
    pub argbuf: RefCell<bytes::BytesMut>,
    /// FUNCTION LOAD running a library.
    loading: RefCell<Option<Loading>>,
}

impl Shared {
    /// Runs `f` with the server while a script runs.
    pub fn with_server<R>(&self, f: impl FnOnce(&mut Server) -> R) -> mlua::Result<R> {
        let mut slot = match self.server.try_borrow_mut() {
            Ok(slot) if self.running.get() => slot,
            _ => {
                return Err(super::errors::reply_error(
                    "redis.call/pcall can only be called inside a script invocation",
                ));
            }
        };
        match slot.as_deref_mut() {
            Some(srv) => Ok(f(srv)),
            None => Err(super::errors::reply_error("redis.call/pcall can only be called inside a script invocation")),
        }
    }

    pub fn running(&self) -> bool {
        self.running.get()
    }
}

/// The server lent to the engine for one run: moved in by `new`, moved back
/// on drop.
struct Lend<'a> {
    srv: &'a mut Server,
    shared: &'a Shared,
}

impl<'a> Lend<'a> {
    fn new(srv: &'a mut Server, shared: &'a Shared) -> Lend<'a> {
        let mut slot = shared.server.borrow_mut();
        let stand_in = slot.get_or_insert_with(|| Box::new(Server::new(crate::config::Config::default())));
        std::mem::swap(srv, stand_in);
        drop(slot);
        shared.running.set(true);
        Lend { srv, shared }
    }
}

impl Drop for Lend<'_> {
    fn drop(&mut self) {
        self.shared.running.set(false);
        let mut slot = self.shared.server.borrow_mut();
        if let Some(real) = slot.as_deref_mut() {
            std::mem::swap(self.srv, real);
        }
    }
}

/// One Lua state and the functions the engine keeps in it.
pub struct Engine {
    pub lua: Lua,
    pub mode: Mode,
    /// Lua's `xpcall` and the error handler scripts run under.
    xpcall: Function,
    handler: Function,
    /// EVAL's KEYS and ARGV tables, refilled for each run.
    keys: Table,
    argv: Table,
    /// The real globals, the metatable of `_G`, and (functions engine) the
    /// API a library sees while it loads and the FCALL runner.
    globals: Table,
    gmeta: Table,
    library_api: Option<Table>,
    fcall: Function,
    pub shared: Rc<Shared>,
}

/// How a run ended.
pub enum Outcome {
    Ok(Value),
    /// The error as the handler recorded it.
    Failed(ErrorInfo),
    /// An error the handler did not see (error in the error handler).
    Broken(String),
}

impl Engine {
    pub fn new(mode: Mode) -> mlua::Result<Engine> {
        let lua = Lua::new_with(StdLib::TABLE | StdLib::STRING | StdLib::MATH, LuaOptions::new())?;
        let shared = Rc::new(Shared {
            server: RefCell::new(None),
            running: Cell::new(false),
            error: RefCell::new(None),
            rand: Cell::new(Rand48::default()),
            line_hook: Cell::new(false),
            argv: RefCell::new(Vec::new()),
            argbuf: RefCell::new(bytes::BytesMut::new()),
            loading: RefCell::new(None),
        });
        let g = lua.globals();
        // As the reference redis-server 7.0.15 build: no getfenv/setfenv/newproxy either.
        for name in ["print", "dofile", "loadfile", "module", "require", "package", "getfenv", "setfenv", "newproxy"] {
            g.raw_set(name, Value::Nil)?;
        }
        g.raw_set("cjson", lib::cjson::open(&lua)?)?;
        g.raw_set("struct", lib::structlib::open(&lua)?)?;
        g.raw_set("cmsgpack", lib::cmsgpack::open(&lua)?)?;
        g.raw_set("bit", lib::bit::open(&lua)?)?;
        g.raw_set("redis", api::open(&lua, &shared, mode)?)?;
        let math: Table = g.raw_get("math")?;
        api::install_random(&lua, &math, &shared)?;

        let readonly_newindex = lua.create_function(|lua, _: MultiValue| -> mlua::Result<()> {
            Err(super::errors::lua_error(lua, "Attempt to modify a readonly table"))
        })?;
        let readonly_error = lua.create_function(|_, _: MultiValue| -> mlua::Result<()> {
            Err(super::errors::plain_error("Attempt to modify a readonly table"))
        })?;
        let missing_global = lua.create_function(|lua, (_, k): (Value, Value)| -> mlua::Result<()> {
            let name = match &k {
                Value::String(s) => s.to_string_lossy(),
                Value::Integer(_) | Value::Number(_) => {
                    lua.coerce_string(k.clone())?.map(|s| s.to_string_lossy()).unwrap_or_default()
                }
                _ => {
                    return Err(super::errors::lua_error(
                        lua,
                        "Second argument to luaProtectedTableError must be a string or number",
                    ));
                }
            };
            Err(super::errors::lua_error(
                lua,
                format!("Script attempted to access nonexistent global variable '{name}'"),
            ))
        })?;
        let fix_error = lua.create_function(|lua, e: Value| pcall_error(lua, e))?;
        let error_object = lua.create_function(|lua, e: Value| handler_error(lua, e))?;
        let sh = shared.clone();
        let top_handler = lua.create_function(move |lua, e: Value| {
            let info = describe_error(lua, e);
            *sh.error.borrow_mut() = Some(info);
            Ok(Value::Nil)
        })?;
        let register = match mode {
            Mode::Eval => None,
            Mode::Functions => {
                let sh = shared.clone();
                Some(lua.create_function(move |lua, args: MultiValue| register_function(lua, &sh, args))?)
            }
        };
        let (globals, xpcall, gmeta, library_api, fcall): (Table, Function, Table, Option<Table>, Function) = lua
            .load(include_str!("sandbox.lua"))
            .set_name(INTERNAL)
            .call((readonly_newindex, readonly_error, missing_global, fix_error, error_object, register))?;
        let keys = lua.create_table()?;
        let argv = lua.create_table()?;
        if mode == Mode::Eval {
            globals.raw_set("KEYS", &keys)?;
            globals.raw_set("ARGV", &argv)?;
        }
        let engine =
            Engine { lua, mode, xpcall, handler: top_handler, keys, argv, globals, gmeta, library_api, fcall, shared };
        engine.set_hook(false)?;
        Ok(engine)
    }

    /// Installs the count hook (and the line hook after SCRIPT KILL).
    fn set_hook(&self, every_line: bool) -> mlua::Result<()> {
        self.shared.line_hook.set(every_line);
        let mut triggers = HookTriggers::new().every_nth_instruction(HOOK_EVERY);
        if every_line {
            triggers = triggers.every_line();
        }
        let shared = self.shared.clone();
        self.lua.set_global_hook(triggers, move |lua, _| hook(lua, &shared))
    }

    /// Compiles a script body (without its shebang line, whose newline is
    /// kept so line numbers match). The error is Lua's message.
    pub fn compile(&self, code: &[u8]) -> Result<Function, String> {
        self.lua.load(code).set_name("@user_script").into_function().map_err(|e| match e {
            mlua::Error::SyntaxError { message, .. } => message,
            other => other.to_string(),
        })
    }

    /// Runs `func` with `keys` and `args` (EVAL: as the KEYS and ARGV
    /// globals; FCALL: as its two arguments), lending `srv` to the script
    /// for the run.
    pub fn run(&self, srv: &mut Server, func: &Function, keys: &[Bytes], args: &[Bytes]) -> mlua::Result<Outcome> {
        *self.shared.error.borrow_mut() = None;
        let result = match self.mode {
            Mode::Eval => {
                fill(&self.lua, &self.keys, keys)?;
                fill(&self.lua, &self.argv, args)?;
                let lend = Lend::new(srv, &self.shared);
                let r = self.xpcall.call::<(bool, Value)>((func, &self.handler));
                drop(lend);
                r
            }
            Mode::Functions => {
                // Fresh tables: a library can keep references between calls.
                let k = array(&self.lua, keys)?;
                let a = array(&self.lua, args)?;
                let lend = Lend::new(srv, &self.shared);
                let r = self.fcall.call::<(bool, Value)>((func, k, a, &self.handler));
                drop(lend);
                r
            }
        };
        if self.shared.line_hook.get() {
            self.set_hook(false)?;
        }
        Ok(match result {
            Ok((true, v)) => Outcome::Ok(v),
            Ok((false, v)) => match self.shared.error.borrow_mut().take() {
                Some(info) => Outcome::Failed(info),
                None => Outcome::Broken(match v {
                    Value::String(s) => s.to_string_lossy(),
                    _ => "execution failure".into(),
                }),
            },
            // The hook can raise outside the handler (after SCRIPT KILL).
            Err(e) => match ScriptError::of(&e) {
                Some(se) => Outcome::Failed(ErrorInfo { msg: se.to_string(), at: None, ignore_stats: false }),
                None => Outcome::Broken(e.to_string()),
            },
        })
    }

    /// FUNCTION LOAD: runs a library's code (without its shebang line) with
    /// only the library API visible, and returns the functions it
    /// registered, or Redis's error text (without `ERR `).
    pub fn load_library(&self, code: &[u8]) -> Result<Vec<Registered>, String> {
        let chunk = self.lua.load(code).set_name("@user_function").into_function().map_err(|e| match e {
            mlua::Error::SyntaxError { message, .. } => format!("Error compiling function: {message}"),
            other => format!("Error compiling function: {other}"),
        })?;
        let Some(api) = &self.library_api else {
            return Err("redis.register_function can only be called on FUNCTION LOAD command".into());
        };
        let outcome = (|| -> mlua::Result<(bool, Value)> {
            self.gmeta.raw_set("__index", api)?;
            *self.shared.loading.borrow_mut() =
                Some(Loading { start: std::time::Instant::now(), functions: Vec::new() });
            let identity = self.lua.create_function(|_, e: Value| Ok(e))?;
            let r = self.xpcall.call::<(bool, Value)>((chunk, identity));
            self.gmeta.raw_set("__index", &self.globals)?;
            r
        })();
        let loading = self.shared.loading.borrow_mut().take();
        if self.shared.line_hook.get() {
            let _ = self.set_hook(false);
        }
        match outcome {
            Ok((true, _)) => Ok(loading.map(|l| l.functions).unwrap_or_default()),
            Ok((false, e)) => Err(format!("Error registering functions: {}", describe_error(&self.lua, e).msg)),
            Err(e) => Err(format!("Error registering functions: {}", rust_error_message(&e))),
        }
    }

    /// Bytes used by the Lua state (INFO `used_memory_lua`).
    pub fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Redis runs a GC step every 50 scripts.
    pub fn gc_step(&self) {
        let _ = self.lua.gc_step();
    }
}

/// Makes `t` (KEYS or ARGV) hold exactly `items`: whatever the last
/// script did to it (more items, other keys, a metatable) is undone, so
/// each script sees a fresh array as with Redis's new tables.
fn fill(lua: &Lua, t: &Table, items: &[Bytes]) -> mlua::Result<()> {
    if t.metatable().is_some() {
        t.set_metatable(None)?;
    }
    t.clear()?;
    for (i, item) in items.iter().enumerate() {
        match std::str::from_utf8(item) {
            Ok(s) => t.raw_set(i + 1, s)?,
            Err(_) => t.raw_set(i + 1, lua.create_string(item)?)?,
        }
    }
    Ok(())
}

/// The count hook: once the run passes the threshold, serve other clients;
/// stop the script after SCRIPT KILL (or SHUTDOWN NOSAVE), firing on every
/// line from then on so `pcall` cannot swallow the error.
fn hook(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<VmState> {
    if !shared.running() {
        let timed_out =
            shared.loading.borrow().as_ref().is_some_and(|l| l.start.elapsed().as_millis() > LOAD_TIMEOUT_MS);
        if timed_out {
            return Err(stop(lua, shared, "ERR FUNCTION LOAD timeout"));
        }
        return Ok(VmState::Continue);
    }
    let kill = shared.with_server(super::busy::interrupt)?;
    if !kill {
        return Ok(VmState::Continue);
    }
    if !shared.line_hook.get() {
        crate::log::warning("Lua script killed by user with SCRIPT KILL.");
    }
    Err(stop(lua, shared, "ERR Script killed by user with SCRIPT KILL..."))
}

/// The error that stops a script; from then on the hook fires on every
/// line so `pcall` cannot swallow it.
fn stop(lua: &Lua, shared: &Rc<Shared>, msg: &str) -> mlua::Error {
    if !shared.line_hook.get() {
        shared.line_hook.set(true);
        let sh = shared.clone();
        let triggers = HookTriggers::new().every_nth_instruction(HOOK_EVERY).every_line();
        if let Err(e) = lua.set_global_hook(triggers, move |lua, _| hook(lua, &sh)) {
            return e;
        }
    }
    mlua::Error::external(ScriptError::Reply { msg: msg.into(), ignore_stats: false })
}

/// A fresh KEYS/ARGV array for a function.
fn array(lua: &Lua, items: &[Bytes]) -> mlua::Result<Table> {
    if items.iter().all(|i| std::str::from_utf8(i).is_ok()) {
        return lua.create_sequence_from(items.iter().map(|i| std::str::from_utf8(i).unwrap_or_default()));
    }
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, item) in items.iter().enumerate() {
        t.raw_set(i + 1, lua.create_string(item)?)?;
    }
    Ok(t)
}

/// `redis.register_function(name, callback)` or
/// `redis.register_function{function_name=…, callback=…, flags={…}, description=…}`
/// while FUNCTION LOAD runs a library.
fn register_function(lua: &Lua, shared: &Shared, args: MultiValue) -> mlua::Result<()> {
    use super::errors::reply_error;
    if shared.loading.borrow().is_none() {
        return Err(reply_error("redis.register_function can only be called on FUNCTION LOAD command"));
    }
    let string_of = |v: &Value| -> Option<Vec<u8>> {
        match v {
            Value::String(s) => Some(s.as_bytes().to_vec()),
            Value::Integer(_) | Value::Number(_) => {
                lua.coerce_string(v.clone()).ok().flatten().map(|s| s.as_bytes().to_vec())
            }
            _ => None,
        }
    };
    let (name, desc, callback, flags) = match args.len() {
        1 => {
            let Value::Table(t) = &args[0] else {
                return Err(reply_error(
                    "calling redis.register_function with a single argument is only applicable to Lua table \
                     (representing named arguments).",
                ));
            };
            let (mut name, mut desc, mut callback, mut flags) = (None, None, None, super::shebang::Flags::default());
            for pair in t.pairs::<Value, Value>() {
                let (k, v) = pair?;
                let Some(key) = string_of(&k) else {
                    return Err(reply_error("named argument key given to redis.register_function is not a string"));
                };
                match key.to_ascii_lowercase().as_slice() {
                    b"function_name" => match string_of(&v) {
                        Some(n) => name = Some(n),
                        None => {
                            return Err(reply_error(
                                "function_name argument given to redis.register_function must be a string",
                            ));
                        }
                    },
                    b"description" => match string_of(&v) {
                        Some(d) => desc = Some(d),
                        None => {
                            return Err(reply_error(
                                "description argument given to redis.register_function must be a string",
                            ));
                        }
                    },
                    b"callback" => match v {
                        Value::Function(f) => callback = Some(f),
                        _ => {
                            return Err(reply_error(
                                "callback argument given to redis.register_function must be a function",
                            ));
                        }
                    },
                    b"flags" => {
                        let Value::Table(ft) = v else {
                            return Err(reply_error(
                                "flags argument to redis.register_function must be a table representing function flags",
                            ));
                        };
                        flags = read_flags(&ft).ok_or_else(|| reply_error("unknown flag given"))?;
                    }
                    _ => return Err(reply_error("unknown argument given to redis.register_function")),
                }
            }
            let Some(name) = name else {
                return Err(reply_error("redis.register_function must get a function name argument"));
            };
            let Some(callback) = callback else {
                return Err(reply_error("redis.register_function must get a callback argument"));
            };
            (name, desc, callback, flags)
        }
        2 => {
            let Some(name) = string_of(&args[0]) else {
                return Err(reply_error("first argument to redis.register_function must be a string"));
            };
            let Value::Function(callback) = &args[1] else {
                return Err(reply_error("second argument to redis.register_function must be a function"));
            };
            (name, None, callback.clone(), super::shebang::Flags::default())
        }
        _ => return Err(reply_error("wrong number of arguments to redis.register_function")),
    };
    if !super::valid_name(&name) {
        return Err(reply_error(
            "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    let name = String::from_utf8_lossy(&name).into_owned();
    let mut loading = shared.loading.borrow_mut();
    let loading = loading.as_mut().expect("checked above");
    if loading.functions.iter().any(|f| f.name == name) {
        return Err(reply_error("Function already exists in the library"));
    }
    loading.functions.push(Registered { name, desc: desc.map(bytes::Bytes::from), flags, callback });
    Ok(())
}

/// A function's `flags={…}` (Redis matches them case-insensitively).
fn read_flags(t: &Table) -> Option<super::shebang::Flags> {
    let mut flags = super::shebang::Flags::default();
    for i in 1.. {
        let v: Value = t.get(i).ok()?;
        let name = match v {
            Value::Nil => break,
            Value::String(s) => s.as_bytes().to_ascii_lowercase(),
            _ => return None,
        };
        match name.as_slice() {
            b"no-writes" => flags.no_writes = true,
            b"allow-oom" => flags.allow_oom = true,
            b"allow-stale" => flags.allow_stale = true,
            b"no-cluster" => flags.no_cluster = true,
            b"allow-cross-slot-keys" => flags.allow_cross_slot = true,
            _ => return None,
        }
    }
    Some(flags)
}

/// The message of an error raised by Rust code or `mlua` itself.
pub fn rust_error_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => rust_error_message(cause),
        mlua::Error::WithContext { cause, .. } => rust_error_message(cause),
        mlua::Error::RuntimeError(s) => s.clone(),
        mlua::Error::ExternalError(inner) => inner.to_string(),
        other => other.to_string(),
    }
}

/// Lua's `tostring` for an error value that is not a string or table.
fn tostring(lua: &Lua, v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(_) | Value::Number(_) | Value::String(_) => {
            lua.coerce_string(v.clone()).ok().flatten().map(|s| s.to_string_lossy()).unwrap_or_default()
        }
        other => format!("{}: {:p}", other.type_name(), other.to_pointer()),
    }
}

/// Redis's `__redis__err__handler`: what failed and where.
fn describe_error(lua: &Lua, e: Value) -> ErrorInfo {
    let at = locate(lua);
    let (msg, ignore_stats) = match &e {
        Value::Error(err) => match ScriptError::of(err) {
            Some(ScriptError::Reply { msg, ignore_stats }) => (msg.clone(), *ignore_stats),
            Some(ScriptError::Message(m)) => (format!("ERR {m}"), false),
            None => (format!("ERR {}", rust_error_message(err)), false),
        },
        Value::Table(t) => {
            let ignore = matches!(t.get::<Value>("ignore_error_stats_update"), Ok(Value::Boolean(true)));
            match t.get::<Value>("err") {
                Ok(v @ (Value::String(_) | Value::Integer(_) | Value::Number(_))) => (tostring(lua, &v), ignore),
                _ => (format!("ERR {}", tostring(lua, &e)), ignore),
            }
        }
        other => (format!("ERR {}", tostring(lua, other)), false),
    };
    ErrorInfo { msg, at, ignore_stats }
}

/// The failing Lua frame: the function that raised (its caller if it is
/// a C function), skipping the engine's own wrappers.
fn locate(lua: &Lua) -> Option<(String, i64)> {
    let info = |level: usize| {
        lua.inspect_stack(level, |d| {
            let s = d.source();
            (s.what.to_string(), s.source.map(|x| x.to_string()).unwrap_or_default(), d.current_line())
        })
    };
    let mut level = 1;
    let mut frame = info(level)?;
    if frame.0 == "C" {
        level += 1;
        frame = info(level)?;
    }
    // Our wrappers, and the marks of the tail calls they make.
    while frame.1 == INTERNAL || frame.0 == "tail" {
        level += 1;
        frame = info(level)?;
        if frame.0 == "C" {
            level += 1;
            frame = info(level)?;
        }
    }
    Some((frame.1, frame.2.map_or(-1, |l| l as i64)))
}

/// What Redis's `pcall` returns as the error: error tables become their
/// message.
fn pcall_error(lua: &Lua, e: Value) -> mlua::Result<Value> {
    Ok(match &e {
        Value::Error(err) => {
            let text = match ScriptError::of(err) {
                Some(se) => se.to_string(),
                None => rust_error_message(err),
            };
            Value::String(lua.create_string(text)?)
        }
        Value::Table(t) => match t.get::<Value>("err")? {
            v @ (Value::String(_) | Value::Integer(_) | Value::Number(_)) => v,
            _ => e,
        },
        _ => e,
    })
}

/// The error object a user's `xpcall` handler sees: tables for Redis
/// errors, strings for Lua ones.
fn handler_error(lua: &Lua, e: Value) -> mlua::Result<Value> {
    Ok(match &e {
        Value::Error(err) => match ScriptError::of(err) {
            Some(ScriptError::Reply { msg, ignore_stats }) => {
                Value::Table(super::convert::error_table(lua, msg, *ignore_stats)?)
            }
            Some(ScriptError::Message(m)) => Value::String(lua.create_string(m)?),
            None => Value::String(lua.create_string(rust_error_message(err))?),
        },
        _ => e,
    })
}
