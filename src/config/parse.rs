//! Reading configuration: the command line (`[FILE|-] [--directive value ...]`)
//! and redis.conf text. Lines are split with Redis's quoting rules; errors
//! are reported as Redis reports them (file line, the line, the reason).

use super::Config;
use crate::util::split::split_args;

/// What the command line asks for.
pub enum Invocation {
    Run(Box<Config>),
    Version,
    Help,
}

/// Parses the command line as redis-server does.
pub fn from_args(args: &[String]) -> Result<Invocation, String> {
    let mut rest = args.iter().skip(1).peekable();
    match rest.peek().map(|s| s.as_str()) {
        Some("-v") | Some("--version") => return Ok(Invocation::Version),
        Some("-h") | Some("--help") => return Ok(Invocation::Help),
        _ => {}
    }
    let mut text = String::new();
    let mut config_file = None;
    if rest.peek().is_some_and(|f| !f.starts_with("--")) {
        let path = rest.next().expect("peeked").clone();
        text = if path == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| e.to_string())?;
            s
        } else {
            std::fs::read_to_string(&path).map_err(|e| format!("Fatal error, can't open config file '{path}': {e}"))?
        };
        config_file = Some(path);
    }
    // Options become config lines: `--port 7000 --save ""` → "port 7000\nsave \"\"".
    let mut options = String::new();
    for arg in rest {
        if let Some(name) = arg.strip_prefix("--") {
            if !options.is_empty() {
                options.push('\n');
            }
            options.push_str(name);
        } else {
            options.push(' ');
            options.push_str(&quote(arg));
        }
    }
    let mut config = Config { config_file: config_file.clone(), ..Config::default() };
    load_text(&mut config, &text, config_file.as_deref())?;
    load_text(&mut config, &options, None)?;
    Ok(Invocation::Run(Box::new(config)))
}

/// Quotes an argument so `split_args` gives it back unchanged.
fn quote(arg: &str) -> String {
    let mut s = String::from("\"");
    for c in arg.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Applies every line of `text`. Errors use Redis's fatal-config format.
pub fn load_text(config: &mut Config, text: &str, file: Option<&str>) -> Result<(), String> {
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |msg: &str| {
            format!(
                "\n*** FATAL CONFIG FILE ERROR (Redis {}) ***\nReading the configuration file{}, at line {}\n>>> '{}'\n{}",
                crate::server::REDIS_VERSION,
                file.map(|f| format!(" '{f}'")).unwrap_or_default(),
                i + 1,
                line,
                msg
            )
        };
        let Some(words) = split_args(line.as_bytes()) else {
            return Err(fail("Unbalanced quotes in configuration line"));
        };
        let words: Vec<String> = words.into_iter().map(|w| String::from_utf8_lossy(&w).into_owned()).collect();
        if words.is_empty() {
            continue;
        }
        let name = words[0].to_ascii_lowercase();
        if name == "include" && words.len() == 2 {
            let included =
                std::fs::read_to_string(&words[1]).map_err(|e| fail(&format!("Can't open include file: {e}")))?;
            load_text(config, &included, Some(&words[1]))?;
            continue;
        }
        super::directives::apply(config, &name, &words[1..]).map_err(|m| fail(&m))?;
    }
    Ok(())
}
