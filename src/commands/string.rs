//! String commands.

use bytes::Bytes;

use super::args::{int, is};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::keyspace::{Access, Ttl, Value};

const G: Group = Group::String;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, READONLY | FAST, G, get).keys(1, 1, 1).doc("1.0.0", "Get the value of a key", "O(1)", "key"),
    CommandSpec::new("set", -3, WRITE | DENYOOM, G, set).keys(1, 1, 1).doc(
        "1.0.0",
        "Set the string value of a key",
        "O(1)",
        "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
    ),
];

fn get(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    match db.lookup(&args[1], now, Access::Read) {
        None => out.null(),
        Some(node) => match node.value.as_str() {
            Some(s) => out.bulk(s),
            None => return Err(CmdError::WrongType),
        },
    }
    Ok(())
}

/// The expiry options shared by SET and GETEX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpireOpt {
    None,
    Ex,
    Px,
    ExAt,
    PxAt,
    KeepTtl,
    Persist,
}

/// Turns an EX/PX/EXAT/PXAT argument into an absolute Unix ms time, with
/// Redis's checks (`invalid expire time in '<cmd>' command`).
pub fn expire_at(opt: ExpireOpt, arg: &[u8], now: u64, cmd: &'static str) -> Result<u64, CmdError> {
    let v = int(arg)?;
    let seconds = matches!(opt, ExpireOpt::Ex | ExpireOpt::ExAt);
    if v <= 0 || (seconds && v > i64::MAX / 1000) {
        return Err(CmdError::InvalidExpireTime(cmd));
    }
    let mut ms = if seconds { v * 1000 } else { v };
    if matches!(opt, ExpireOpt::Ex | ExpireOpt::Px) {
        ms = ms.checked_add(now as i64).ok_or(CmdError::InvalidExpireTime(cmd))?;
    }
    Ok(ms as u64)
}

fn set(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (mut nx, mut xx, mut get) = (false, false, false);
    let mut expire = ExpireOpt::None;
    let mut expire_arg: Option<&Bytes> = None;
    let mut j = 3;
    while j < args.len() {
        let opt = &args[j];
        let has_next = j + 1 < args.len();
        let no_other_expire = |e: ExpireOpt, allowed: ExpireOpt| e == ExpireOpt::None || e == allowed;
        if is(opt, "nx") && !xx {
            nx = true;
        } else if is(opt, "xx") && !nx {
            xx = true;
        } else if is(opt, "get") {
            get = true;
        } else if is(opt, "keepttl") && no_other_expire(expire, ExpireOpt::KeepTtl) {
            expire = ExpireOpt::KeepTtl;
        } else if let Some(kind) =
            [("ex", ExpireOpt::Ex), ("px", ExpireOpt::Px), ("exat", ExpireOpt::ExAt), ("pxat", ExpireOpt::PxAt)]
                .into_iter()
                .find(|(name, kind)| is(opt, name) && no_other_expire(expire, *kind) && has_next)
                .map(|(_, kind)| kind)
        {
            expire = kind;
            expire_arg = Some(&args[j + 1]);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let now = ctx.now();
    let at = match expire_arg {
        Some(arg) => Some(expire_at(expire, arg, now, "set")?),
        None => None,
    };
    let key = &args[1];
    let (db, out) = ctx.db_out();
    let found = match db.lookup(key, now, Access::Write) {
        Some(node) => {
            if get {
                match node.value.as_str() {
                    Some(old) => out.bulk(old),
                    None => return Err(CmdError::WrongType),
                }
            }
            true
        }
        None => {
            if get {
                out.null();
            }
            false
        }
    };
    if (nx && found) || (xx && !found) {
        if !get {
            ctx.out().null();
        }
        return Ok(());
    }
    let ttl = match (at, expire) {
        (Some(at), _) => Ttl::At(at),
        (None, ExpireOpt::KeepTtl) => Ttl::Keep,
        _ => Ttl::Clear,
    };
    ctx.db().set(key, Value::string(&args[2]), ttl, now);
    ctx.srv.dirty += 1;
    if !get {
        ctx.out().ok();
    }
    Ok(())
}
