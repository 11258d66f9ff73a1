//! The hash value type. Placeholder until its issue lands: the type exists so
//! `Value` has its final shape; no command creates one yet.

/// A hash value.
#[derive(Debug, Default, Clone)]
pub struct Hash {
    len: usize,
}

impl Hash {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        "listpack"
    }

    /// Approximate heap bytes owned.
    pub fn heap_size(&self) -> usize {
        0
    }
}
