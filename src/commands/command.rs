//! COMMAND and its subcommands (COUNT INFO DOCS LIST GETKEYS).

use super::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
