//! CONFIG GET/SET/RESETSTAT/REWRITE.

use super::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
