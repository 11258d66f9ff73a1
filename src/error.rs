//! Errors a command answers with. Each variant's `Display` is the exact text
//! Redis 7.0 sends (after the `-`), so clients map them to the same
//! exceptions. The first word is the error code counted in `INFO errorstats`.

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmdError {
    #[error("WRONGTYPE Operation against a key holding the wrong kind of value")]
    WrongType,
    #[error("ERR value is not an integer or out of range")]
    NotInteger,
    #[error("ERR value is not a valid float")]
    NotFloat,
    #[error("ERR syntax error")]
    Syntax,
    #[error("ERR no such key")]
    NoSuchKey,
    #[error("ERR increment or decrement would overflow")]
    Overflow,
    #[error("ERR wrong number of arguments for '{0}' command")]
    WrongArity(String),
    /// Raw bytes as the client sent them (see `wire`).
    #[error(
        "ERR unknown command '{}', with args beginning with: {}",
        String::from_utf8_lossy(name),
        String::from_utf8_lossy(args)
    )]
    UnknownCommand { name: Vec<u8>, args: Vec<u8> },
    #[error("ERR unknown subcommand '{}'. Try {container} HELP.", String::from_utf8_lossy(sub))]
    UnknownSubcommand { sub: Vec<u8>, container: String },
    #[error("ERR DB index is out of range")]
    DbIndexOutOfRange,
    #[error("ERR invalid expire time in '{0}' command")]
    InvalidExpireTime(&'static str),
    #[error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")]
    StringTooLong,
    #[error("NOAUTH Authentication required.")]
    NoAuth,
    #[error("WRONGPASS invalid username-password pair or user is disabled.")]
    WrongPass,
    #[error("ERR timeout is not a float or out of range")]
    TimeoutNotFloat,
    #[error("ERR timeout is negative")]
    TimeoutNegative,
    #[error("ERR value is out of range, must be positive")]
    NotPositive,
    /// Any other error; the text includes its code (`ERR ...`).
    #[error("{0}")]
    Other(Cow<'static, str>),
}

impl CmdError {
    /// An `ERR <msg>` error.
    pub fn err(msg: impl Into<String>) -> CmdError {
        CmdError::Other(Cow::Owned(format!("ERR {}", msg.into())))
    }

    /// An error whose full text (code included) is a static string.
    pub const fn text(full: &'static str) -> CmdError {
        CmdError::Other(Cow::Borrowed(full))
    }

    /// The error code: the first word of the text (`ERR`, `WRONGTYPE` …).
    pub fn code(text: &[u8]) -> &[u8] {
        text.split(|&b| b == b' ').next().unwrap_or(b"ERR")
    }

    /// The reply's exact bytes. Errors quoting client input carry the raw
    /// bytes (Redis formats them with `%s`, not as UTF-8).
    pub fn wire(&self) -> Vec<u8> {
        match self {
            CmdError::UnknownCommand { name, args } => {
                let mut v = b"ERR unknown command '".to_vec();
                v.extend_from_slice(name);
                v.extend_from_slice(b"', with args beginning with: ");
                v.extend_from_slice(args);
                v
            }
            CmdError::UnknownSubcommand { sub, container } => {
                let mut v = b"ERR unknown subcommand '".to_vec();
                v.extend_from_slice(sub);
                v.extend_from_slice(format!("'. Try {container} HELP.").as_bytes());
                v
            }
            other => other.to_string().into_bytes(),
        }
    }
}

pub type CmdResult = Result<(), CmdError>;
