//! INFO: the text is rendered by `server::info`.

use bytes::Bytes;

use super::flags::*;
use super::{CmdResult, CommandSpec, Ctx, Group, acl};
use crate::server::info::{Sections, render};

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("info", -1, LOADING | STALE, Group::Server, info)
    .acl(acl::DANGEROUS)
    .doc("1.0.0", "Get information and statistics about the server", "O(1)", "[section [section ...]]")];

fn info(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let text = render(ctx.srv, ctx.client, Sections::from_args(&args[1..]));
    ctx.out().verbatim("txt", text.as_bytes());
    Ok(())
}
