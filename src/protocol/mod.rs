//! RESP on the wire, and nothing else: decoding requests (multibulk and
//! inline), rendering replies as RESP2 or RESP3, and parsing replies back
//! (for scripts and tests). Knows nothing of commands, keys or sockets;
//! imports only `util`.

pub mod decode;
pub mod peek;
pub mod reply;
pub mod writer;

pub use decode::{Decoder, Limits, ProtocolError};
pub use reply::Reply;
pub use writer::ReplyWriter;

/// Longest inline request or request header line Redis accepts (64 KiB).
pub const INLINE_MAX_SIZE: usize = 64 * 1024;
