//! SAVE BGSAVE LASTSAVE DUMP RESTORE.

use super::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
