//! Argument parsing shared by handlers, with Redis's error for each failure.

use super::CmdError;
use crate::util::number::{parse_f64, parse_i64};

/// An integer argument (`ERR value is not an integer or out of range`).
#[inline]
pub fn int(arg: &[u8]) -> Result<i64, CmdError> {
    parse_i64(arg).ok_or(CmdError::NotInteger)
}

/// A float argument (`ERR value is not a valid float`).
#[inline]
pub fn float(arg: &[u8]) -> Result<f64, CmdError> {
    parse_f64(arg).ok_or(CmdError::NotFloat)
}

/// Case-insensitive comparison of an argument with an ASCII keyword.
#[inline]
pub fn is(arg: &[u8], keyword: &str) -> bool {
    arg.eq_ignore_ascii_case(keyword.as_bytes())
}

/// A database index argument, checked against `databases`.
pub fn db_index(arg: &[u8], databases: usize) -> Result<usize, CmdError> {
    let n = int(arg)?;
    if n < 0 || n as usize >= databases {
        return Err(CmdError::DbIndexOutOfRange);
    }
    Ok(n as usize)
}

/// Lossy text of an argument for error messages.
pub fn text(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}
