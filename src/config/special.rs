//! Directives with their own syntax, as Redis's special configs: `dir`,
//! `save`, `client-output-buffer-limit`, `oom-score-adj-values`,
//! `notify-keyspace-events`, `bind`, `replicaof` and
//! `latency-tracking-info-percentiles`. Each has a setter (Redis's checks
//! and error texts), a getter (CONFIG GET text) and a reset to the default.

use super::directives::Load;
use super::value::{format_trimmed_f64, memtoull, strtoll_whole};
use super::{Config, ObufLimit, notify};
use crate::util::number::parse_f64;

pub use crate::util::strerror;

// dir: applied with chdir at once, like Redis; CONFIG GET shows the cwd.

pub fn dir_set(c: &mut Config, args: &[String], load: &mut Load) -> Result<(), String> {
    let [path] = args else {
        return Err("wrong number of arguments".into());
    };
    if load.chdir {
        std::env::set_current_dir(path).map_err(|e| strerror(&e))?;
        c.dir = std::env::current_dir().map(|p| p.display().to_string()).unwrap_or_else(|_| path.clone());
    } else {
        // Without chdir (tests): the same check chdir would make.
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => c.dir = path.clone(),
            Ok(_) => return Err("Not a directory".into()),
            Err(e) => return Err(strerror(&e)),
        }
    }
    Ok(())
}

pub fn dir_get(c: &Config) -> String {
    if c.dir.starts_with('/') {
        return c.dir.clone();
    }
    match std::env::current_dir() {
        Ok(cwd) if c.dir == "." => cwd.display().to_string(),
        Ok(cwd) => cwd.join(&c.dir).display().to_string(),
        Err(_) => c.dir.clone(),
    }
}

pub fn dir_reset(c: &mut Config) {
    c.dir = ".".into();
}

// save

pub fn save_set(c: &mut Config, args: &[String], load: &mut Load) -> Result<(), String> {
    const BAD: &str = "Invalid save parameters";
    let mut args = args;
    // A single "" means no save points.
    if args.len() == 1 && args[0].is_empty() {
        c.save.clear();
        args = &[];
    }
    if args.len() % 2 == 1 {
        return Err(BAD.into());
    }
    let mut points = Vec::with_capacity(args.len() / 2);
    for pair in args.chunks(2) {
        let seconds = strtoll_whole(&pair[0], 10).filter(|&s| s >= 1).ok_or(BAD)?;
        let changes = strtoll_whole(&pair[1], 10).filter(|&n| n >= 0).ok_or(BAD)?;
        // Redis keeps `changes` in a C int; a negative one means "always",
        // as 0 does.
        points.push((seconds as u64, (changes as i32).max(0) as u64));
    }
    // While reading the configuration the first `save` replaces the
    // defaults and later ones add to it; CONFIG SET replaces.
    if !load.reading_file || !load.save_seen {
        c.save.clear();
    }
    if load.reading_file {
        load.save_seen = true;
    }
    c.save.extend(points);
    Ok(())
}

pub fn save_get(c: &Config) -> String {
    let mut out = String::new();
    for (i, (seconds, changes)) in c.save.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&format!("{seconds} {changes}"));
    }
    out
}

pub fn save_reset(c: &mut Config) {
    c.save = vec![(3600, 1), (300, 100), (60, 10000)];
}

// client-output-buffer-limit

const OBUF_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];
const OBUF_DEFAULTS: [ObufLimit; 3] = [
    ObufLimit { hard_bytes: 0, soft_bytes: 0, soft_seconds: 0 },
    ObufLimit { hard_bytes: 256 << 20, soft_bytes: 64 << 20, soft_seconds: 60 },
    ObufLimit { hard_bytes: 32 << 20, soft_bytes: 8 << 20, soft_seconds: 60 },
];

pub fn obuf_set(c: &mut Config, args: &[String], _load: &mut Load) -> Result<(), String> {
    if !args.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut limits = c.client_output_buffer_limit;
    for group in args.chunks(4) {
        let class = match group[0].to_ascii_lowercase().as_str() {
            "normal" => 0,
            "slave" | "replica" => 1,
            "pubsub" => 2,
            _ => return Err("Invalid client class specified in buffer limit configuration.".into()),
        };
        let hard = memtoull(&group[1]);
        let soft = memtoull(&group[2]);
        // Redis reads the seconds with strtoll into a C int.
        let seconds = strtoll_whole(&group[3], 10).map(|s| s as i32);
        match (hard, soft, seconds) {
            (Some(hard_bytes), Some(soft_bytes), Some(s)) if s >= 0 => {
                limits[class] = ObufLimit { hard_bytes, soft_bytes, soft_seconds: i64::from(s) };
            }
            _ => return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".into()),
        }
    }
    c.client_output_buffer_limit = limits;
    Ok(())
}

pub fn obuf_get(c: &Config) -> String {
    let parts: Vec<String> = OBUF_CLASSES
        .iter()
        .zip(c.client_output_buffer_limit.iter())
        .map(|(name, l)| format!("{name} {} {} {}", l.hard_bytes, l.soft_bytes, l.soft_seconds))
        .collect();
    parts.join(" ")
}

pub fn obuf_reset(c: &mut Config) {
    c.client_output_buffer_limit = OBUF_DEFAULTS;
}

// oom-score-adj-values (kept as text: not in effect)

pub fn oom_values_set(c: &mut Config, args: &[String], load: &mut Load) -> Result<(), String> {
    if args.len() != 3 {
        return Err("wrong number of arguments".into());
    }
    let mut values = [0i64; 3];
    for (slot, a) in values.iter_mut().zip(args) {
        *slot = strtoll_whole(a, 10)
            .filter(|v| (-2000..=2000).contains(v))
            .ok_or("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")?;
    }
    if values[1] < values[0] || values[2] < values[1] {
        load.warnings.push(
            "The oom-score-adj-values configuration may not work for non-privileged processes! \
             Please consult the documentation."
                .into(),
        );
    }
    c.other.insert("oom-score-adj-values".into(), format!("{} {} {}", values[0], values[1], values[2]));
    Ok(())
}

pub fn oom_values_get(c: &Config) -> String {
    c.other.get("oom-score-adj-values").cloned().unwrap_or_else(|| "0 200 800".into())
}

pub fn oom_values_reset(c: &mut Config) {
    c.other.remove("oom-score-adj-values");
}

// notify-keyspace-events

/// Parses event class characters (`keyspaceEventsStringToFlags`).
pub fn notify_flags(classes: &str) -> Option<u32> {
    let mut flags = 0;
    for ch in classes.bytes() {
        flags |= match ch {
            b'A' => notify::ALL,
            b'g' => notify::GENERIC,
            b'$' => notify::STRING,
            b'l' => notify::LIST,
            b's' => notify::SET,
            b'h' => notify::HASH,
            b'z' => notify::ZSET,
            b'x' => notify::EXPIRED,
            b'e' => notify::EVICTED,
            b'K' => notify::KEYSPACE,
            b'E' => notify::KEYEVENT,
            b't' => notify::STREAM,
            b'm' => notify::KEY_MISS,
            b'd' => notify::MODULE,
            b'n' => notify::NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// Event class characters of `flags` (`keyspaceEventsFlagsToString`).
pub fn notify_text(flags: u32) -> String {
    let mut s = String::new();
    if flags & notify::ALL == notify::ALL {
        s.push('A');
    } else {
        for (bit, ch) in [
            (notify::GENERIC, 'g'),
            (notify::STRING, '$'),
            (notify::LIST, 'l'),
            (notify::SET, 's'),
            (notify::HASH, 'h'),
            (notify::ZSET, 'z'),
            (notify::EXPIRED, 'x'),
            (notify::EVICTED, 'e'),
            (notify::STREAM, 't'),
            (notify::MODULE, 'd'),
            (notify::NEW, 'n'),
        ] {
            if flags & bit != 0 {
                s.push(ch);
            }
        }
    }
    for (bit, ch) in [(notify::KEYSPACE, 'K'), (notify::KEYEVENT, 'E'), (notify::KEY_MISS, 'm')] {
        if flags & bit != 0 {
            s.push(ch);
        }
    }
    s
}

pub fn notify_set(c: &mut Config, args: &[String], _load: &mut Load) -> Result<(), String> {
    let [classes] = args else {
        return Err("wrong number of arguments".into());
    };
    c.notify_keyspace_events = notify_flags(classes).ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
    Ok(())
}

pub fn notify_get(c: &Config) -> String {
    notify_text(c.notify_keyspace_events)
}

pub fn notify_reset(c: &mut Config) {
    c.notify_keyspace_events = 0;
}

// bind

pub fn bind_set(c: &mut Config, args: &[String], _load: &mut Load) -> Result<(), String> {
    if args.len() > 16 {
        return Err("Too many bind addresses specified.".into());
    }
    c.bind = if args.len() == 1 && args[0].is_empty() { Vec::new() } else { args.to_vec() };
    Ok(())
}

pub fn bind_get(c: &Config) -> String {
    c.bind.join(" ")
}

pub fn bind_reset(c: &mut Config) {
    c.bind = vec!["*".into(), "-::*".into()];
}

// replicaof (kept as text: not in effect)

pub fn replicaof_set(c: &mut Config, args: &[String], _load: &mut Load) -> Result<(), String> {
    let [host, port] = args else {
        return Err("wrong number of arguments".into());
    };
    c.other.remove("replicaof");
    if host.eq_ignore_ascii_case("no") && port.eq_ignore_ascii_case("one") {
        return Ok(());
    }
    // strtol: white space and a sign are fine, trailing bytes are not.
    let port = strtoll_whole(port, 10).filter(|p| (0..=65535).contains(p)).ok_or("Invalid master port")?;
    c.other.insert("replicaof".into(), format!("{host} {port}"));
    Ok(())
}

pub fn replicaof_get(c: &Config) -> String {
    c.other.get("replicaof").cloned().unwrap_or_default()
}

pub fn replicaof_reset(c: &mut Config) {
    c.other.remove("replicaof");
}

// latency-tracking-info-percentiles

pub fn percentiles_set(c: &mut Config, args: &[String], _load: &mut Load) -> Result<(), String> {
    let mut out = Vec::with_capacity(args.len());
    if !(args.len() == 1 && args[0].is_empty()) {
        for a in args {
            let p = parse_f64(a.as_bytes()).ok_or("Invalid latency-tracking-info-percentiles parameters")?;
            if !(0.0..=100.0).contains(&p) {
                return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into());
            }
            out.push(p);
        }
    }
    c.latency_tracking_info_percentiles = out;
    Ok(())
}

pub fn percentiles_get(c: &Config) -> String {
    let parts: Vec<String> = c.latency_tracking_info_percentiles.iter().map(|p| format_trimmed_f64(*p)).collect();
    parts.join(" ")
}

pub fn percentiles_reset(c: &mut Config) {
    c.latency_tracking_info_percentiles = vec![50.0, 99.0, 99.9];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn save_semantics() {
        let mut c = Config::default();
        // Reading a file: the first save line replaces the defaults, later
        // ones accumulate.
        let mut load = Load { reading_file: true, ..Load::default() };
        save_set(&mut c, &words(&["900", "1"]), &mut load).unwrap();
        save_set(&mut c, &words(&["60", "10000"]), &mut load).unwrap();
        assert_eq!(save_get(&c), "900 1 60 10000");
        // `save ""` clears, and later lines add again.
        save_set(&mut c, &words(&[""]), &mut load).unwrap();
        assert_eq!(save_get(&c), "");
        save_set(&mut c, &words(&["10", "2"]), &mut load).unwrap();
        assert_eq!(save_get(&c), "10 2");
        // CONFIG SET replaces.
        let mut runtime = Load::default();
        save_set(&mut c, &words(&["5", "6"]), &mut runtime).unwrap();
        assert_eq!(save_get(&c), "5 6");
        for bad in [&["1"][..], &["0", "1"], &["1", "-1"], &["a", "1"], &["1", "2x"]] {
            assert_eq!(save_set(&mut c, &words(bad), &mut runtime), Err("Invalid save parameters".into()));
        }
        assert_eq!(save_get(&c), "5 6", "a failed set changes nothing");
    }

    #[test]
    fn obuf_syntax() {
        let mut c = Config::default();
        let mut l = Load::default();
        obuf_set(&mut c, &words(&["replica", "1mb", "2k", "5"]), &mut l).unwrap();
        assert_eq!(obuf_get(&c), "normal 0 0 0 slave 1048576 2000 5 pubsub 33554432 8388608 60");
        assert_eq!(
            obuf_set(&mut c, &words(&["master", "0", "0", "0"]), &mut l),
            Err("Invalid client class specified in buffer limit configuration.".into())
        );
        assert_eq!(
            obuf_set(&mut c, &words(&["normal", "0", "0", "-1"]), &mut l),
            Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".into())
        );
        assert_eq!(
            obuf_set(&mut c, &words(&["normal", "0", "0"]), &mut l),
            Err("Wrong number of arguments in buffer limit configuration.".into())
        );
    }

    #[test]
    fn notify_classes() {
        assert_eq!(notify_flags("KEA").map(notify_text).as_deref(), Some("AKE"));
        assert_eq!(notify_flags("Ex").map(notify_text).as_deref(), Some("xE"));
        assert_eq!(notify_flags(""), Some(0));
        assert_eq!(notify_flags("Q"), None);
    }

    #[test]
    fn bind_and_replicaof() {
        let mut c = Config::default();
        let mut l = Load::default();
        bind_set(&mut c, &words(&["127.0.0.1", "-::1"]), &mut l).unwrap();
        assert_eq!(bind_get(&c), "127.0.0.1 -::1");
        let many: Vec<String> = (0..17).map(|i| format!("10.0.0.{i}")).collect();
        assert_eq!(bind_set(&mut c, &many, &mut l), Err("Too many bind addresses specified.".into()));
        replicaof_set(&mut c, &words(&["10.0.0.1", "6380"]), &mut l).unwrap();
        assert_eq!(replicaof_get(&c), "10.0.0.1 6380");
        replicaof_set(&mut c, &words(&["NO", "ONE"]), &mut l).unwrap();
        assert_eq!(replicaof_get(&c), "");
        assert_eq!(replicaof_set(&mut c, &words(&["h", "70000"]), &mut l), Err("Invalid master port".into()));
    }

    #[test]
    fn percentiles() {
        let mut c = Config::default();
        let mut l = Load::default();
        assert_eq!(percentiles_get(&c), "50 99 99.9");
        percentiles_set(&mut c, &words(&["99.99", "0"]), &mut l).unwrap();
        assert_eq!(percentiles_get(&c), "99.99 0");
        assert!(percentiles_set(&mut c, &words(&["101"]), &mut l).is_err());
        percentiles_set(&mut c, &words(&[""]), &mut l).unwrap();
        assert_eq!(percentiles_get(&c), "");
    }
}
