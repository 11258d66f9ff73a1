//! CLIENT and its subcommands.

use super::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
