//! The multi-part AOF manifest of Redis 7.0 (`aof.c`): which files make the
//! append-only file, one line each, `file <name> seq <n> type <b|h|i>`:
//! the base (at most one, first), history files (kept only until they are
//! deleted after a rewrite), then the incr files in sequence order. Parsing
//! and formatting only, no I/O: `server::aof` reads and writes the files.

use crate::util::split::split_args;

/// Suffixes of Redis's file names (`appendonly.aof.1.base.rdb`,
/// `appendonly.aof.1.incr.aof`, `appendonly.aof.manifest`).
pub const BASE_SUFFIX: &str = ".base";
pub const INCR_SUFFIX: &str = ".incr";
pub const RDB_SUFFIX: &str = ".rdb";
pub const AOF_SUFFIX: &str = ".aof";
pub const MANIFEST_SUFFIX: &str = ".manifest";
pub const TEMP_PREFIX: &str = "temp-";

/// One file of the AOF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofInfo {
    pub name: String,
    pub seq: i64,
    /// `b` (base), `h` (history) or `i` (incr).
    pub kind: u8,
}

/// The files making the AOF, as Redis's `aofManifest`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<AofInfo>,
    pub history: Vec<AofInfo>,
    pub incr: Vec<AofInfo>,
    pub base_seq: i64,
    pub incr_seq: i64,
}

/// Why a manifest was refused: Redis's message, and the line (number and
/// text) it was reading, if any.
#[derive(Debug, PartialEq, Eq)]
pub struct ManifestError {
    pub line: Option<(usize, String)>,
    pub message: &'static str,
}

impl Manifest {
    /// Parses a manifest as Redis's `aofLoadManifestFromFile` does.
    pub fn parse(text: &[u8]) -> Result<Manifest, ManifestError> {
        let mut m = Manifest::default();
        let mut maxseq = 0;
        if text.is_empty() {
            return Err(ManifestError { line: None, message: "Found an empty AOF manifest" });
        }
        let mut rest = text;
        let mut linenum = 0;
        while !rest.is_empty() {
            linenum += 1;
            let (raw, next, complete) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..], true),
                None => (rest, &rest[rest.len()..], false),
            };
            rest = next;
            if raw.first() == Some(&b'#') {
                continue;
            }
            let line = String::from_utf8_lossy(raw).trim_matches([' ', '\t', '\r', '\n']).to_string();
            let fail = |message| Err(ManifestError { line: Some((linenum, line.clone())), message });
            if !complete || raw.len() > 1024 {
                return fail("The AOF manifest file contains too long line");
            }
            if line.is_empty() {
                return fail("Invalid AOF manifest file format");
            }
            let Some(argv) = split_args(line.as_bytes()) else {
                return fail("Invalid AOF manifest file format");
            };
            if argv.len() < 6 || argv.len() % 2 == 1 {
                return fail("Invalid AOF manifest file format");
            }
            let (mut name, mut seq, mut kind) = (None, 0i64, 0u8);
            for pair in argv.chunks(2) {
                let key = String::from_utf8_lossy(&pair[0]).to_ascii_lowercase();
                match key.as_str() {
                    "file" => {
                        let n = String::from_utf8_lossy(&pair[1]).into_owned();
                        if n.contains('/') {
                            return fail("File can't be a path, just a filename");
                        }
                        name = Some(n);
                    }
                    "seq" => seq = atoll(&pair[1]),
                    "type" => kind = pair[1].first().copied().unwrap_or(0),
                    _ => {}
                }
            }
            let Some(name) = name.filter(|_| seq != 0 && kind != 0) else {
                return fail("Invalid AOF manifest file format");
            };
            let info = AofInfo { name, seq, kind };
            match kind {
                b'b' => {
                    if m.base.is_some() {
                        return fail("Found duplicate base file information");
                    }
                    m.base_seq = seq;
                    m.base = Some(info);
                }
                b'h' => m.history.push(info),
                b'i' => {
                    if seq <= maxseq {
                        return fail("Found a non-monotonic sequence number");
                    }
                    m.incr_seq = seq;
                    maxseq = seq;
                    m.incr.push(info);
                }
                _ => return fail("Unknown AOF file type"),
            }
        }
        if linenum == 0 {
            return Err(ManifestError { line: None, message: "Found an empty AOF manifest" });
        }
        Ok(m)
    }

    /// The manifest's text (Redis's `getAofManifestAsString`).
    pub fn format(&self) -> String {
        let mut out = String::new();
        for info in self.base.iter().chain(&self.history).chain(&self.incr) {
            out.push_str(&format!("file {} seq {} type {}\n", repr_name(&info.name), info.seq, info.kind as char));
        }
        out
    }

    /// A new base file's name; the current base becomes history
    /// (`getNewBaseFileNameAndMarkPreAsHistory`).
    pub fn new_base(&mut self, filename: &str, rdb: bool) -> String {
        if let Some(mut old) = self.base.take() {
            old.kind = b'h';
            self.history.insert(0, old);
        }
        self.base_seq += 1;
        let suffix = if rdb { RDB_SUFFIX } else { AOF_SUFFIX };
        let name = format!("{filename}.{}{BASE_SUFFIX}{suffix}", self.base_seq);
        self.base = Some(AofInfo { name: name.clone(), seq: self.base_seq, kind: b'b' });
        name
    }

    /// A new incr file's name, added last (`getNewIncrAofName`).
    pub fn new_incr(&mut self, filename: &str) -> String {
        self.incr_seq += 1;
        let name = format!("{filename}.{}{INCR_SUFFIX}{AOF_SUFFIX}", self.incr_seq);
        self.incr.push(AofInfo { name: name.clone(), seq: self.incr_seq, kind: b'i' });
        name
    }

    /// The incr files before the last one become history
    /// (`markRewrittenIncrAofAsHistory` with the AOF open).
    pub fn mark_rewritten_incr_as_history(&mut self, keep_last: bool) {
        let keep = usize::from(keep_last).min(self.incr.len());
        let done: Vec<AofInfo> = self.incr.drain(..self.incr.len() - keep).collect();
        for mut info in done.into_iter().rev() {
            info.kind = b'h';
            self.history.insert(0, info);
        }
    }

    /// No base and no incr file.
    pub fn is_empty(&self) -> bool {
        self.base.is_none() && self.incr.is_empty()
    }
}

/// C's `atoll`: leading digits, 0 if none.
fn atoll(s: &[u8]) -> i64 {
    let t = String::from_utf8_lossy(s);
    let t = t.trim_start();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let n: i64 = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |acc, d| acc.wrapping_mul(10).wrapping_add(i64::from(d - b'0')));
    if neg { -n } else { n }
}

/// A file name as Redis writes it: quoted (`sdscatrepr`) when it holds
/// spaces, quotes or non-printable bytes.
fn repr_name(name: &str) -> String {
    let needs = name.bytes().any(|b| b == b'\\' || b == b'"' || b == b'\'' || !(b.is_ascii_graphic()));
    if !needs {
        return name.to_string();
    }
    let mut out = String::from("\"");
    for b in name.bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            b if b.is_ascii_graphic() || b == b' ' => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_names() {
        let mut m = Manifest::default();
        assert_eq!(m.new_base("appendonly.aof", true), "appendonly.aof.1.base.rdb");
        assert_eq!(m.new_incr("appendonly.aof"), "appendonly.aof.1.incr.aof");
        let text = m.format();
        assert_eq!(text, "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
        assert_eq!(Manifest::parse(text.as_bytes()).unwrap(), m);
        m.new_incr("appendonly.aof");
        m.new_base("appendonly.aof", false);
        m.mark_rewritten_incr_as_history(true);
        assert_eq!(
            m.format(),
            "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\n\
             file appendonly.aof.1.base.rdb seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
        );
        let m2 = Manifest::parse(m.format().as_bytes()).unwrap();
        assert_eq!(m2.base_seq, 2);
        assert_eq!(m2.incr_seq, 2);
    }

    #[test]
    fn errors_as_redis() {
        assert_eq!(Manifest::parse(b"").unwrap_err().message, "Found an empty AOF manifest");
        assert_eq!(Manifest::parse(b"file a seq 1\n").unwrap_err().message, "Invalid AOF manifest file format");
        assert_eq!(
            Manifest::parse(b"file a seq 1 type b\nfile b seq 2 type b\n").unwrap_err().message,
            "Found duplicate base file information"
        );
        assert_eq!(
            Manifest::parse(b"file a seq 2 type i\nfile b seq 1 type i\n").unwrap_err().message,
            "Found a non-monotonic sequence number"
        );
        assert_eq!(Manifest::parse(b"file a seq 1 type x\n").unwrap_err().message, "Unknown AOF file type");
        assert_eq!(
            Manifest::parse(b"file a/b seq 1 type b\n").unwrap_err().message,
            "File can't be a path, just a filename"
        );
        let e = Manifest::parse(b"# comment\n\nfile a seq 1 type b\n").unwrap_err();
        assert_eq!(e.line, Some((2, String::new())));
        // Forward compatibility: extra pairs are ignored.
        let m = Manifest::parse(b"file a seq 1 type b x y\n").unwrap();
        assert_eq!(m.base.unwrap().name, "a");
        assert_eq!(repr_name("a b"), "\"a b\"");
    }
}
