//! Generic key commands.

use bytes::Bytes;

use super::flags::*;
use super::{CmdResult, CommandSpec, Ctx, Group};

const G: Group = Group::Generic;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("del", -2, WRITE, G, del).keys(1, -1, 1).doc(
        "1.0.0",
        "Delete a key",
        "O(N) where N is the number of keys that will be removed.",
        "key [key ...]",
    ),
    CommandSpec::new("exists", -2, READONLY | FAST, G, exists).keys(1, -1, 1).doc(
        "1.0.0",
        "Determine if a key exists",
        "O(N) where N is the number of keys to check.",
        "key [key ...]",
    ),
];

fn del(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let db = ctx.db();
    let removed = args[1..].iter().filter(|k| db.remove(k, now).is_some()).count();
    ctx.srv.dirty += removed as u64;
    ctx.out().int(removed as i64);
    Ok(())
}

fn exists(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let db = ctx.db();
    let n = args[1..].iter().filter(|k| db.lookup(k, now, crate::keyspace::Access::ReadNoTouch).is_some()).count();
    ctx.out().int(n as i64);
    Ok(())
}
