//! EVAL, EVALSHA, SCRIPT.

use super::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
