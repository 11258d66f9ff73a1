//! FUNCTION libraries (Redis 7.0's functions): `FUNCTION LOAD` runs a
//! library's code in the functions engine (a Lua state of its own), which
//! registers functions with `redis.register_function`; `FCALL` runs them.
//! This is the registry: libraries by name, functions by name (function
//! names are case-insensitive across libraries, as in Redis), and the
//! `#!lua name=…` metadata line.

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use bytes::Bytes;
use mlua::Function;

use super::engine::{Engine, Mode};
use super::shebang::Flags;
use crate::util::split::split_args;

/// One registered function.
pub struct FunctionDef {
    pub name: Rc<str>,
    pub library: Rc<str>,
    pub desc: Option<Bytes>,
    pub flags: Flags,
    pub callback: Function,
}

/// One loaded library.
pub struct Library {
    pub name: Rc<str>,
    /// The code as given to FUNCTION LOAD (metadata line included).
    pub code: Bytes,
    /// In registration order.
    pub functions: Vec<Rc<FunctionDef>>,
}

#[derive(Default)]
pub struct Functions {
    engine: OnceCell<Rc<Engine>>,
    /// Library name → library (names are case-sensitive).
    pub libraries: BTreeMap<Rc<str>, Library>,
    /// Lowercase function name → function.
    functions: HashMap<String, Rc<FunctionDef>>,
}

/// Redis's `functionsVerifyName`: letters, digits and underscores.
pub fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

const BAD_NAME: &str =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// A library's metadata: engine, name, and the code after the line.
type Metadata<'a> = (Vec<u8>, Vec<u8>, &'a [u8]);

/// The `#!<engine> name=<library>` line: engine, name, and the code after
/// the line (its newline kept, so line numbers match).
fn metadata(code: &[u8]) -> Result<Metadata<'_>, String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err("Invalid library metadata".into());
    };
    let parts = match split_args(&code[..end]) {
        Some(p) if !p.is_empty() => p,
        _ => return Err("Invalid library metadata".into()),
    };
    let engine = parts[0].get(2..).unwrap_or_default().to_vec();
    let mut name = None;
    for part in &parts[1..] {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err("Invalid metadata value, name argument was given multiple times".into());
            }
            name = Some(part[5..].to_vec());
            continue;
        }
        return Err(format!("Invalid metadata value given: {}", String::from_utf8_lossy(part)));
    }
    let Some(name) = name else {
        return Err("Library name was not given".into());
    };
    Ok((engine, name, &code[end..]))
}

impl Functions {
    /// The functions engine (started on first use).
    pub fn engine(&self) -> &Rc<Engine> {
        self.engine.get_or_init(|| Rc::new(Engine::new(Mode::Functions).expect("the Lua engine starts")))
    }

    pub fn started(&self) -> Option<&Rc<Engine>> {
        self.engine.get()
    }

    /// A function by name (case-insensitive).
    pub fn get(&self, name: &[u8]) -> Option<Rc<FunctionDef>> {
        self.functions.get(&String::from_utf8_lossy(name).to_lowercase()).cloned()
    }

    pub fn function_count(&self) -> usize {
        self.functions.len()
    }

    /// FUNCTION LOAD [REPLACE]: the library's name, or Redis's error text.
    pub fn load(&mut self, code: &Bytes, replace: bool) -> Result<Rc<str>, String> {
        let (engine, name, body) = metadata(code)?;
        if !valid_name(&name) {
            return Err(BAD_NAME.into());
        }
        if !engine.eq_ignore_ascii_case(b"lua") {
            return Err(format!("Engine '{}' not found", String::from_utf8_lossy(&engine)));
        }
        let name: Rc<str> = String::from_utf8_lossy(&name).into();
        if self.libraries.contains_key(&name) && !replace {
            return Err(format!("Library '{name}' already exists"));
        }
        let registered = self.engine().load_library(body)?;
        if registered.is_empty() {
            return Err("No functions registered".into());
        }
        for f in &registered {
            let taken = self.functions.get(&f.name.to_lowercase()).is_some_and(|other| other.library != name);
            if taken {
                return Err(format!("Function {} already exists", f.name));
            }
        }
        self.delete(&name);
        let functions: Vec<Rc<FunctionDef>> = registered
            .into_iter()
            .map(|r| {
                Rc::new(FunctionDef {
                    name: r.name.into(),
                    library: name.clone(),
                    desc: r.desc,
                    flags: r.flags,
                    callback: r.callback,
                })
            })
            .collect();
        for f in &functions {
            self.functions.insert(f.name.to_lowercase(), f.clone());
        }
        self.libraries.insert(name.clone(), Library { name: name.clone(), code: code.clone(), functions });
        Ok(name)
    }

    /// FUNCTION DELETE: false if there is no such library.
    pub fn delete(&mut self, name: &str) -> bool {
        let Some(lib) = self.libraries.remove(name) else { return false };
        for f in &lib.functions {
            self.functions.remove(&f.name.to_lowercase());
        }
        true
    }

    /// FUNCTION FLUSH.
    pub fn flush(&mut self) {
        self.libraries.clear();
        self.functions.clear();
    }

    /// FUNCTION RESTORE: loads the libraries (in the same engine), then
    /// joins them as `policy` says, or changes nothing and returns Redis's
    /// error text.
    pub fn restore(&mut self, codes: Vec<Vec<u8>>, policy: RestorePolicy) -> Result<(), String> {
        let mut staged = Functions { engine: OnceCell::from(self.engine().clone()), ..Functions::default() };
        for code in codes {
            staged.load(&Bytes::from(code), false)?;
        }
        if policy == RestorePolicy::Flush {
            self.flush();
        } else {
            for name in staged.libraries.keys() {
                if self.libraries.contains_key(name) && policy == RestorePolicy::Append {
                    return Err(format!("Library {name} already exists"));
                }
            }
            for (key, f) in &staged.functions {
                if let Some(other) = self.functions.get(key)
                    && !staged.libraries.contains_key(&other.library)
                {
                    return Err(format!("Function {} already exists", f.name));
                }
            }
        }
        let Functions { libraries, functions, .. } = staged;
        for name in libraries.keys() {
            self.delete(name);
        }
        self.libraries.extend(libraries);
        self.functions.extend(functions);
        Ok(())
    }
}

/// What FUNCTION RESTORE does with the libraries already loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestorePolicy {
    /// Add; a name already taken fails the restore.
    Append,
    /// Add, replacing libraries of the same name.
    Replace,
    /// Drop every library first.
    Flush,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_metadata() {
        let (engine, name, rest) = metadata(b"#!lua name=mylib\nreturn 1").unwrap();
        assert_eq!((engine.as_slice(), name.as_slice(), rest), (&b"lua"[..], &b"mylib"[..], &b"\nreturn 1"[..]));
        assert_eq!(metadata(b"#!lua NAME=x\n").unwrap().1, b"x");
        assert_eq!(metadata(b"return 1").unwrap_err(), "Missing library metadata");
        assert_eq!(metadata(b"#!lua name=x").unwrap_err(), "Invalid library metadata");
        assert_eq!(metadata(b"#!lua\n").unwrap_err(), "Library name was not given");
        assert_eq!(metadata(b"#!lua foo=bar\n").unwrap_err(), "Invalid metadata value given: foo=bar");
        assert_eq!(
            metadata(b"#!lua name=a name=b\n").unwrap_err(),
            "Invalid metadata value, name argument was given multiple times"
        );
        assert!(valid_name(b"my_lib1") && !valid_name(b"") && !valid_name(b"a-b"));
    }
}
