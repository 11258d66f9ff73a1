//! INFO and its sections.

use super::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
