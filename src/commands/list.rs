//! List commands, blocking ones included.

use super::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
