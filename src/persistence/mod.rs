//! RDB persistence: Redis's dump file format (writer and reader for every
//! version up to 12), DUMP/RESTORE payloads, and the file side of the
//! fork-free snapshot (the writer thread). The snapshot's walk over the key
//! table lives in `keyspace::snapshot`; the orchestration (SAVE, BGSAVE,
//! save points, loading at startup) in `server::save`.
//!
//! - `format`: magic, versions, opcodes, type bytes.
//! - `encode` / `decode`: the length, string (integer, LZF, raw), time and
//!   double encodings; `encode::entry` serializes one key.
//! - `lzf`, `crc64`: the compressor and the checksum Redis uses.
//! - `ziplist`, `listpack`, `intset`, `zipmap`: decoders of the compact
//!   encodings found in files written by Redis.
//! - `object`: reads one value of any RDB type into `Loaded`;
//!   `values` turns `Loaded` into our `Value` and writes our collections
//!   (the one place that knows both sides).
//! - `load`: reads a whole file into databases; `writer`: the temp file,
//!   checksum, fsync and rename, and the background writer thread, which
//!   also LZF-compresses the snapshot's strings (`recompress`) so the
//!   command thread does not; `dump`: DUMP/RESTORE payloads.
//!
//! May import `keyspace`, `types`, `util` and the server's version string;
//! knows nothing of clients or sockets.

pub mod aof_manifest;
pub mod aof_rewrite;
pub mod crc64;
pub mod decode;
pub mod dump;
pub mod encode;
pub mod format;
pub mod intset;
pub mod listpack;
pub mod load;
pub mod lzf;
pub mod object;
pub mod recompress;
pub mod stream;
pub mod values;
pub mod writer;
pub mod ziplist;
pub mod zipmap;

pub use decode::LoadError;
pub use object::Loaded;

/// One entry of a ziplist or listpack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Elem<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl Elem<'_> {
    /// The entry as a string (integers in decimal).
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            Elem::Int(v) => v.to_string().into_bytes(),
            Elem::Str(s) => s.to_vec(),
        }
    }

    /// The entry as a sorted-set score.
    pub fn to_f64(self) -> Option<f64> {
        match self {
            Elem::Int(v) => Some(v as f64),
            Elem::Str(s) => decode::parse_double(s),
        }
    }
}
