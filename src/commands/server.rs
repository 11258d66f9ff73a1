//! Server commands.

use bytes::Bytes;

use super::flags::*;
use super::{CmdResult, CommandSpec, Ctx, Group};

const G: Group = Group::Server;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("dbsize", 1, READONLY | FAST, G, dbsize).acl(super::acl::KEYSPACE).doc(
        "1.0.0",
        "Return the number of keys in the selected database",
        "O(1)",
        "",
    ),
    CommandSpec::new("flushdb", -1, WRITE, G, flushdb).acl(super::acl::KEYSPACE | super::acl::DANGEROUS).doc(
        "1.0.0",
        "Remove all keys from the current database",
        "O(N) where N is the number of keys in the selected database",
        "[ASYNC | SYNC]",
    ),
    CommandSpec::new("flushall", -1, WRITE, G, flushall).acl(super::acl::KEYSPACE | super::acl::DANGEROUS).doc(
        "1.0.0",
        "Remove all keys from all databases",
        "O(N) where N is the total number of keys in all databases",
        "[ASYNC | SYNC]",
    ),
    CommandSpec::new("shutdown", -1, ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY, G, shutdown).doc(
        "1.0.0",
        "Synchronously save the dataset to disk and then shut down the server",
        "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
        "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]",
    ),
];

fn dbsize(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let n = ctx.db().len();
    ctx.out().int(n as i64);
    Ok(())
}

fn flushdb(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let old = ctx.db().clear();
    ctx.srv.dirty += old.len() as u64;
    drop(old);
    ctx.out().ok();
    Ok(())
}

fn flushall(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let mut removed = 0;
    for db in &mut ctx.srv.keyspace.dbs {
        removed += db.clear().len();
    }
    ctx.srv.dirty += removed as u64;
    ctx.out().ok();
    Ok(())
}

fn shutdown(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.srv.shutdown_requested = true;
    if let Some(n) = &ctx.srv.shutdown_notify {
        n.notify_one();
    }
    ctx.client.close_asap = true;
    Ok(())
}
