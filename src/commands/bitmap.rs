//! Bit operations on strings.

use super::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
