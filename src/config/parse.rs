//! Reading the configuration as redis-server does: the command line
//! (`[FILE|-] [--directive value ...]`) becomes config text appended to the
//! file (and stdin), and the whole text is read line by line: `sdssplitargs`
//! quoting, comments, `include` (with globs), directive checks from the
//! table. A bad line stops the start with Redis's fatal message: the line
//! number within the text read, the line, and the reason.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::Config;
use super::directives::{self, Load, flags};
use super::value::repr;
use crate::util::glob::glob_match;
use crate::util::split::split_args;

/// What the command line asks for.
pub enum Invocation {
    Run(Box<Startup>),
    Version,
    Help,
}

/// A configuration ready to start the server with.
pub struct Startup {
    pub config: Config,
    /// Warnings Redis logs while reading the configuration.
    pub warnings: Vec<String>,
    /// The configuration read from stdin (`-`), if any.
    pub stdin_text: Option<Vec<u8>>,
}

/// Why the server can't start.
#[derive(Debug, PartialEq, Eq)]
pub enum StartError {
    /// Redis's `*** FATAL CONFIG FILE ERROR ***` block (for stderr).
    Fatal(String),
    /// A reason Redis writes as a warning log line (e.g. a config file that
    /// can't be opened).
    Log(String),
}

/// Directives Redis 7.0 still accepts in a file, with no effect.
const DEPRECATED: &[&str] = &["list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"];

/// Parses the command line (`args[0]` is the program) as redis-server does.
pub fn from_args<S: AsRef<OsStr>>(args: &[S]) -> Result<Invocation, StartError> {
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_ref().as_bytes()).collect();
    let mut load = Load::startup();
    let mut config = Config::default();
    if argv.len() < 2 {
        load.warnings.push(
            "Warning: no config file specified, using the default config. In order to specify a config file use \
             redis-rs-server /path/to/redis.conf"
                .into(),
        );
        return Ok(Invocation::Run(Box::new(Startup { config, warnings: load.warnings, stdin_text: None })));
    }
    match argv[1] {
        b"-v" | b"--version" => return Ok(Invocation::Version),
        b"--help" | b"-h" => return Ok(Invocation::Help),
        _ => {}
    }
    if argv[1..].iter().any(|a| *a == b"--sentinel") {
        return Err(StartError::Log("Sentinel mode is not supported by redis-rs-server".into()));
    }
    let mut j = 1;
    if argv[1].first() != Some(&b'-') {
        let path = absolute(OsStr::from_bytes(argv[1]));
        config.config_file = Some(path.display().to_string());
        j = 2;
    }
    let (options, from_stdin) = options_text(&argv, j);
    let mut text = Vec::new();
    if let Some(file) = &config.config_file {
        read_config_file(Path::new(file), &mut text)?;
    }
    let mut stdin_text = None;
    if from_stdin {
        load.warnings.push("Reading config from stdin".into());
        let mut input = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut input)
            .map_err(|e| StartError::Log(format!("Fatal error, can't read config from stdin: {e}")))?;
        text.extend_from_slice(&input);
        stdin_text = Some(input);
    }
    text.push(b'\n');
    text.extend_from_slice(&options);
    load_text(&mut config, &text, &mut load)?;
    finish(&config, &load)?;
    Ok(Invocation::Run(Box::new(Startup { config, warnings: load.warnings, stdin_text })))
}

/// Turns the options after the file into config text, as Redis's `main`:
/// `--name` starts a line, other words are quoted arguments of it; a lone
/// `-` first or last means "also read stdin"; `--save` with no value is
/// `save ""`.
fn options_text(argv: &[&[u8]], mut j: usize) -> (Vec<u8>, bool) {
    let argc = argv.len();
    let mut options: Vec<u8> = Vec::new();
    let mut from_stdin = false;
    let mut handled_last = true;
    while j < argc {
        let arg = argv[j];
        let is_option = |a: &[u8]| a.starts_with(b"--");
        if arg == b"-" && (j == 1 || j == argc - 1) {
            from_stdin = true;
        } else if handled_last && is_option(arg) {
            if !options.is_empty() {
                options.push(b'\n');
            }
            options.extend_from_slice(&arg[2..]);
            options.push(b' ');
            let words = split_args(arg).map(|w| w.len()).unwrap_or(0);
            if words == 1 {
                // Only a name, like `--port`: its value follows.
                handled_last = false;
                let is_save = arg.eq_ignore_ascii_case(b"--save");
                if j != argc - 1 && is_option(argv[j + 1]) && is_save {
                    options.extend_from_slice(b"\"\"");
                    handled_last = true;
                } else if j == argc - 1 && is_save {
                    options.extend_from_slice(b"\"\"");
                }
            } else {
                // Name and value in one word, like "--port 6380".
                handled_last = true;
            }
        } else {
            options.extend_from_slice(repr(arg).as_bytes());
            options.push(b' ');
            handled_last = true;
        }
        j += 1;
    }
    (options, from_stdin)
}

/// `getAbsolutePath`: relative paths are taken from the current directory.
fn absolute(p: &OsStr) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| PathBuf::from(p))
}

fn has_glob(p: &[u8]) -> bool {
    p.iter().any(|c| matches!(c, b'*' | b'?' | b'['))
}

/// Reads a config file (or every file a glob matches, sorted; none is fine)
/// and appends its text.
fn read_config_file(path: &Path, out: &mut Vec<u8>) -> Result<(), StartError> {
    let files = if has_glob(path.as_os_str().as_bytes()) { expand_glob(path) } else { vec![path.to_path_buf()] };
    for f in files {
        let data = std::fs::read(&f).map_err(|e| {
            StartError::Log(format!(
                "Fatal error, can't open config file '{}': {}",
                f.display(),
                super::special::strerror(&e)
            ))
        })?;
        out.extend_from_slice(&data);
    }
    Ok(())
}

/// The paths matching a glob (`*`, `?`, `[...]` in any component), sorted
/// as glob(3) sorts them; names starting with `.` need a pattern with `.`.
fn expand_glob(pattern: &Path) -> Vec<PathBuf> {
    let mut found = vec![PathBuf::from(if pattern.is_absolute() { "/" } else { "." })];
    for comp in pattern.components() {
        let part = comp.as_os_str().as_bytes();
        if matches!(comp, std::path::Component::RootDir) {
            continue;
        }
        let mut next = Vec::new();
        for base in &found {
            if !has_glob(part) {
                let p = base.join(comp.as_os_str());
                if p.exists() {
                    next.push(p);
                }
                continue;
            }
            let Ok(entries) = std::fs::read_dir(base) else { continue };
            let mut names: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name())
                .filter(|n| {
                    let n = n.as_bytes();
                    (!n.starts_with(b".") || part.starts_with(b".")) && glob_match(part, n, false)
                })
                .map(|n| base.join(n))
                .collect();
            names.sort();
            next.extend(names);
        }
        found = next;
    }
    let relative = !pattern.is_absolute();
    found
        .into_iter()
        .map(|p| if relative { p.strip_prefix(".").map(Path::to_path_buf).unwrap_or(p) } else { p })
        .collect()
}

/// Redis's fatal message for line `linenum` (None: no line, e.g. the log
/// file check after reading).
fn fatal(line: Option<(usize, &[u8])>, reason: &str) -> StartError {
    let mut s = format!("\n*** FATAL CONFIG FILE ERROR (Redis {}) ***\n", crate::server::REDIS_VERSION);
    if let Some((n, text)) = line {
        s.push_str(&format!("Reading the configuration file, at line {n}\n>>> '{}'\n", String::from_utf8_lossy(text)));
    }
    s.push_str(reason);
    s.push('\n');
    StartError::Fatal(s)
}

fn trim(line: &[u8]) -> &[u8] {
    let is_trim = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let start = line.iter().position(|c| !is_trim(c)).unwrap_or(line.len());
    let end = line.iter().rposition(|c| !is_trim(c)).map(|i| i + 1).unwrap_or(start);
    &line[start..end.max(start)]
}

/// Applies every line of `text` (Redis's `loadServerConfigFromString`).
pub fn load_text(config: &mut Config, text: &[u8], load: &mut Load) -> Result<(), StartError> {
    for (i, raw) in text.split(|&c| c == b'\n').enumerate() {
        let line = trim(raw);
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let at = Some((i + 1, line));
        let Some(words) = split_args(line) else {
            return Err(fatal(at, "Unbalanced quotes in configuration line"));
        };
        if words.is_empty() {
            continue;
        }
        let words: Vec<String> = words.iter().map(|w| String::from_utf8_lossy(w).into_owned()).collect();
        let name = words[0].to_ascii_lowercase();
        let argc = words.len();
        if let Some((d, _)) = directives::lookup(&name) {
            let multi = d.has(flags::MULTI_ARG);
            if !multi && argc != 2 {
                return Err(fatal(at, "wrong number of arguments"));
            }
            let split;
            let args: &[String] = if multi && argc == 2 && !words[1].is_empty() {
                // `save "900 1 300 10"`: a single argument is split again.
                split = split_args(words[1].as_bytes())
                    .unwrap_or_default()
                    .iter()
                    .map(|w| String::from_utf8_lossy(w).into_owned())
                    .collect::<Vec<_>>();
                &split
            } else {
                &words[1..]
            };
            d.set(config, args, load).map_err(|reason| fatal(at, &reason))?;
            continue;
        }
        if argc == 2 && DEPRECATED.contains(&name.as_str()) {
            continue;
        }
        match name.as_str() {
            "include" if argc == 2 => {
                let mut included = Vec::new();
                read_config_file(Path::new(&words[1]), &mut included)?;
                load_text(config, &included, load)?;
            }
            "rename-command" if argc == 3 => config.rename_commands.push((words[1].clone(), words[2].clone())),
            "user" if argc >= 2 => config.users.push(words[1..].to_vec()),
            "loadmodule" if argc >= 2 => config.loadmodules.push(words[1..].to_vec()),
            _ if name.contains('.') => {
                if argc < 2 {
                    return Err(fatal(at, "Module config specified without value"));
                }
                config.module_configs.push((name.clone(), words[1..].join(" ")));
            }
            "sentinel" => {
                if argc != 1 {
                    return Err(fatal(at, "sentinel directive while not in sentinel mode"));
                }
            }
            _ => return Err(fatal(at, "Bad directive or wrong number of arguments")),
        }
    }
    if !config.logfile.is_empty()
        && let Err(e) = std::fs::OpenOptions::new().create(true).append(true).open(&config.logfile)
    {
        return Err(fatal(None, &format!("Can't open the log file: {}", super::special::strerror(&e))));
    }
    Ok(())
}

/// Checks Redis makes once everything is read.
fn finish(config: &Config, _load: &Load) -> Result<(), StartError> {
    if !config.module_configs.is_empty() && config.loadmodules.is_empty() {
        return Err(StartError::Log(
            "Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting".into(),
        ));
    }
    Ok(())
}

/// Reads configuration text as a file would be read, without chdir (tests
/// and tools). Errors are the fatal message text.
pub fn load_str(text: &str) -> Result<Config, String> {
    let mut config = Config::default();
    let mut load = Load { reading_file: true, ..Load::default() };
    load_text(&mut config, text.as_bytes(), &mut load).map_err(|e| match e {
        StartError::Fatal(s) | StartError::Log(s) => s,
    })?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fatal_text(line: usize, text: &str, reason: &str) -> String {
        format!(
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line {line}\n>>> \
             '{text}'\n{reason}\n"
        )
    }

    #[test]
    fn quoting_comments_and_blank_lines() {
        let c = load_str(
            "# comment\n\n   port 7000   \r\nrequirepass \"a b\\x41\\n\"\nlogfile ''\n  # indented comment\n\
             dbfilename 'it\\'s.rdb'\n",
        )
        .unwrap();
        assert_eq!(c.port, 7000);
        assert_eq!(c.requirepass, "a bA\n");
        assert_eq!(c.logfile, "");
        assert_eq!(c.dbfilename, "it's.rdb");
    }

    #[test]
    fn units_and_case() {
        let c =
            load_str("MAXMEMORY 1Gb\nproto-max-bulk-len 2mb\nclient-query-buffer-limit 1048576\nhz 1000\n").unwrap();
        assert_eq!(c.maxmemory, 1 << 30);
        assert_eq!(c.proto_max_bulk_len, 2 << 20);
        assert_eq!(c.client_query_buffer_limit, 1 << 20);
        assert_eq!(c.hz, 500, "hz is capped like Redis");
        let c = load_str("maxmemory 1k\nhash-max-ziplist-value 1kb\nloglevel WARNING\nprotected-mode NO\n").unwrap();
        assert_eq!(c.maxmemory, 1000);
        assert_eq!(c.hash_max_listpack_value, 1024);
        assert_eq!(c.loglevel, super::super::LogLevel::Warning);
        assert!(!c.protected_mode);
    }

    #[test]
    fn save_lines() {
        assert_eq!(load_str("port 1\n").unwrap().get("save").unwrap(), "3600 1 300 100 60 10000");
        assert_eq!(load_str("save 900 1\nsave 300 10\n").unwrap().get("save").unwrap(), "900 1 300 10");
        assert_eq!(load_str("save \"900 1 300 10\"\n").unwrap().get("save").unwrap(), "900 1 300 10");
        assert_eq!(load_str("save \"\"\n").unwrap().get("save").unwrap(), "");
        assert_eq!(load_str("save 900 1\nsave \"\"\nsave 5 5\n").unwrap().get("save").unwrap(), "5 5");
    }

    #[test]
    fn multi_arg_and_aliases() {
        let c = load_str(
            "bind 127.0.0.1 -::1\nslaveof 10.0.0.1 6380\nhash-max-ziplist-entries 7\n\
             client-output-buffer-limit replica 256mb 64mb 60\nlist-max-ziplist-entries 5\n\
             rename-command FLUSHALL \"\"\nshutdown-on-sigterm save now\n",
        )
        .unwrap();
        assert_eq!(c.bind, vec!["127.0.0.1", "-::1"]);
        assert_eq!(c.get("replicaof").unwrap(), "10.0.0.1 6380");
        assert_eq!(c.hash_max_listpack_entries, 7);
        assert_eq!(c.rename_commands, vec![("FLUSHALL".to_string(), String::new())]);
        assert_eq!(c.get("shutdown-on-sigterm").unwrap(), "save now");
    }

    #[test]
    fn errors_match_redis() {
        assert_eq!(
            load_str("port 7000\n# c\nfoo bar\n").unwrap_err(),
            fatal_text(3, "foo bar", "Bad directive or wrong number of arguments")
        );
        assert_eq!(
            load_str("port abc").unwrap_err(),
            fatal_text(1, "port abc", "argument couldn't be parsed into an integer")
        );
        assert_eq!(load_str("port 1 2").unwrap_err(), fatal_text(1, "port 1 2", "wrong number of arguments"));
        assert_eq!(
            load_str("port 70000").unwrap_err(),
            fatal_text(1, "port 70000", "argument must be between 0 and 65535 inclusive")
        );
        assert_eq!(
            load_str("  requirepass \"abc  ").unwrap_err(),
            fatal_text(1, "requirepass \"abc", "Unbalanced quotes in configuration line")
        );
        assert_eq!(
            load_str("maxmemory 1tb").unwrap_err(),
            fatal_text(1, "maxmemory 1tb", "argument must be a memory value")
        );
        assert_eq!(
            load_str("appendonly maybe").unwrap_err(),
            fatal_text(1, "appendonly maybe", "argument must be 'yes' or 'no'")
        );
        assert_eq!(
            load_str("maxmemory-policy lru").unwrap_err(),
            fatal_text(
                1,
                "maxmemory-policy lru",
                "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, \
                 volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"
            )
        );
        assert_eq!(load_str("save 0 1").unwrap_err(), fatal_text(1, "save 0 1", "Invalid save parameters"));
        assert_eq!(
            load_str("dbfilename a/b.rdb").unwrap_err(),
            fatal_text(1, "dbfilename a/b.rdb", "dbfilename can't be a path, just a filename")
        );
        assert_eq!(
            load_str("sentinel monitor x").unwrap_err(),
            fatal_text(1, "sentinel monitor x", "sentinel directive while not in sentinel mode")
        );
        assert_eq!(
            load_str("mymod.opt").unwrap_err(),
            fatal_text(1, "mymod.opt", "Module config specified without value")
        );
        assert_eq!(
            load_str("include").unwrap_err(),
            fatal_text(1, "include", "Bad directive or wrong number of arguments")
        );
        assert_eq!(
            load_str("set-max-listpack-entries 1").unwrap_err(),
            fatal_text(1, "set-max-listpack-entries 1", "Bad directive or wrong number of arguments"),
            "a Redis 7.2 directive is unknown to 7.0"
        );
        assert_eq!(
            load_str("logfile /nonexistent-dir/x.log").unwrap_err(),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n"
        );
    }

    #[test]
    fn include_files_and_globs() {
        let dir = std::env::temp_dir().join(format!("rrs-include-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("conf.d")).unwrap();
        std::fs::write(dir.join("conf.d/a.conf"), "port 7001\n").unwrap();
        std::fs::write(dir.join("conf.d/b.conf"), "port 7002\ntimeout 5\n").unwrap();
        std::fs::write(dir.join("bad.conf"), "\n\nnope 1\n").unwrap();
        let c = load_str(&format!("include {}/conf.d/*.conf\n", dir.display())).unwrap();
        assert_eq!((c.port, c.timeout), (7002, 5), "files are read in sorted order");
        let c = load_str(&format!("include {}/none/*.conf\nport 9\n", dir.display())).unwrap();
        assert_eq!(c.port, 9, "a glob matching nothing is skipped");
        // Line numbers of an included file count from its own start.
        assert_eq!(
            load_str(&format!("port 1\ninclude {}/bad.conf\n", dir.display())).unwrap_err(),
            fatal_text(3, "nope 1", "Bad directive or wrong number of arguments")
        );
        let missing = format!("{}/missing.conf", dir.display());
        assert_eq!(
            load_str(&format!("include {missing}\n")).unwrap_err(),
            format!("Fatal error, can't open config file '{missing}': No such file or directory")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn example_file_loads() {
        let text = include_str!("../../redis.conf.example").replace("logfile /var/log/redis_6379.log", "logfile \"\"");
        let c = load_str(&text).unwrap();
        assert_eq!((c.port, c.bind.clone()), (6379, vec!["127.0.0.1".to_string(), "-::1".to_string()]));
        assert!(c.daemonize);
        assert_eq!(c.pidfile, "/var/run/redis_6379.pid");
        assert_eq!(c.get("save").unwrap(), "3600 1 300 100 60 10000");
        // Everything it sets is in effect.
        assert!(c.not_in_effect().is_empty(), "{:?}", c.not_in_effect());
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let name = line.split(' ').next().unwrap();
            let (d, _) = directives::lookup(name).unwrap();
            assert!(d.has(flags::IN_EFFECT), "{name} is documented but not in effect");
        }
    }

    fn opts(args: &[&str]) -> String {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let (text, _) = options_text(&argv, 1);
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn command_line_becomes_config_text() {
        assert_eq!(opts(&["x", "--port", "7000", "--save", "900", "1"]), "port \"7000\" \nsave \"900\" \"1\" ");
        assert_eq!(opts(&["x", "--save"]), "save \"\"");
        assert_eq!(opts(&["x", "--save", "--port", "1"]), "save \"\"\nport \"1\" ");
        assert_eq!(opts(&["x", "--requirepass", "--secret"]), "requirepass \"--secret\" ");
        assert_eq!(opts(&["x", "--port 7000"]), "port 7000 ");
        assert_eq!(opts(&["x", "--requirepass", "a\"b"]), "requirepass \"a\\\"b\" ");
        assert_eq!(opts(&["x", "-x"]), "\"-x\" ");
    }

    #[test]
    fn command_line_errors_count_lines_like_redis() {
        // No file: the options text follows an empty first line.
        let err = from_args(&["redis-rs-server", "--port", "5", "--foo", "1"]).err().unwrap();
        assert_eq!(err, StartError::Fatal(fatal_text(3, "foo \"1\"", "Bad directive or wrong number of arguments")));
        let err = from_args(&["redis-rs-server", "--port", "7", "--port"]).err().unwrap();
        assert_eq!(err, StartError::Fatal(fatal_text(3, "port", "wrong number of arguments")));
        let err = from_args(&["redis-rs-server", "/nonexistent.conf"]).err().unwrap();
        assert_eq!(
            err,
            StartError::Log(
                "Fatal error, can't open config file '/nonexistent.conf': No such file or directory".into()
            )
        );
        assert!(matches!(from_args(&["redis-rs-server", "-v"]), Ok(Invocation::Version)));
        assert!(matches!(from_args(&["redis-rs-server", "--help"]), Ok(Invocation::Help)));
    }
}
