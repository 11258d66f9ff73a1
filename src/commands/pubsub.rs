//! Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and
//! the PUBSUB introspection container. The registry and delivery live in
//! `server::pubsub`; these handlers parse and call it.

use bytes::Bytes;

use super::command::reply_help;
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::server::pubsub::{self, Scope};

const G: Group = Group::PubSub;
const SUB: u32 = PUBSUB | NOSCRIPT | LOADING | STALE;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("subscribe", -2, SUB, G, subscribe).doc(
        "2.0.0",
        "Listen for messages published to the given channels",
        "O(N) where N is the number of channels to subscribe to.",
        "channel [channel ...]",
    ),
    CommandSpec::new("unsubscribe", -1, SUB, G, unsubscribe).doc(
        "2.0.0",
        "Stop listening for messages posted to the given channels",
        "O(N) where N is the number of clients already subscribed to a channel.",
        "[channel [channel ...]]",
    ),
    CommandSpec::new("psubscribe", -2, SUB, G, psubscribe).doc(
        "2.0.0",
        "Listen for messages published to channels matching the given patterns",
        "O(N) where N is the number of patterns the client is already subscribed to.",
        "pattern [pattern ...]",
    ),
    CommandSpec::new("punsubscribe", -1, SUB, G, punsubscribe).doc(
        "2.0.0",
        "Stop listening for messages posted to channels matching the given patterns",
        "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total \
         patterns subscribed in the system (by any client).",
        "[pattern [pattern ...]]",
    ),
    CommandSpec::new("publish", 3, PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE, G, publish).doc(
        "2.0.0",
        "Post a message to a channel",
        "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of \
         subscribed patterns (by any client).",
        "channel message",
    ),
    CommandSpec::new("ssubscribe", -2, SUB, G, ssubscribe).keys(1, -1, 1).doc(
        "7.0.0",
        "Listen for messages published to the given shard channels",
        "O(N) where N is the number of shard channels to subscribe to.",
        "shardchannel [shardchannel ...]",
    ),
    CommandSpec::new("sunsubscribe", -1, SUB, G, sunsubscribe).keys(1, -1, 1).doc(
        "7.0.0",
        "Stop listening for messages posted to the given shard channels",
        "O(N) where N is the number of clients already subscribed to a shard channel.",
        "[shardchannel [shardchannel ...]]",
    ),
    CommandSpec::new("spublish", 3, PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE, G, spublish).keys(1, 1, 1).doc(
        "7.0.0",
        "Post a message to a shard channel",
        "O(N) where N is the number of clients subscribed to the receiving shard channel.",
        "shardchannel message",
    ),
    CommandSpec::new("pubsub", -2, 0, G, help).subcommands(SUBCOMMANDS).doc(
        "2.8.0",
        "A container for Pub/Sub commands",
        "Depends on subcommand.",
        "",
    ),
];

const INTRO: u32 = PUBSUB | LOADING | STALE;

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("channels", -2, INTRO, G, channels).doc(
        "2.8.0",
        "List active channels",
        "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively \
         short channels and patterns)",
        "[pattern]",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, G, help).doc(
        "6.2.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
    CommandSpec::new("numpat", 2, INTRO, G, numpat).doc(
        "2.8.0",
        "Get the count of unique patterns pattern subscriptions",
        "O(1)",
        "",
    ),
    CommandSpec::new("numsub", -2, INTRO, G, numsub).doc(
        "2.8.0",
        "Get the count of subscribers for channels",
        "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        "[channel [channel ...]]",
    ),
    CommandSpec::new("shardchannels", -2, INTRO, G, shardchannels).doc(
        "7.0.0",
        "List active shard channels",
        "O(N) where N is the number of active shard channels, and assuming constant time pattern matching \
         (relatively short shard channels).",
        "[pattern]",
    ),
    CommandSpec::new("shardnumsub", -2, INTRO, G, shardnumsub).doc(
        "7.0.0",
        "Get the count of subscribers for shard channels",
        "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
        "[shardchannel [shardchannel ...]]",
    ),
];

fn subscribe(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    for ch in &args[1..] {
        pubsub::subscribe(ctx.srv, ctx.client, Scope::Global, ch);
    }
    Ok(())
}

fn ssubscribe(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if ctx.client.deny_blocking {
        return Err(CmdError::err("SSUBSCRIBE isn't allowed for a DENY BLOCKING client"));
    }
    for ch in &args[1..] {
        pubsub::subscribe(ctx.srv, ctx.client, Scope::Shard, ch);
    }
    Ok(())
}

fn psubscribe(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    for p in &args[1..] {
        pubsub::psubscribe(ctx.srv, ctx.client, p);
    }
    Ok(())
}

fn unsubscribe_scope(ctx: &mut Ctx, args: &[Bytes], scope: Scope) -> CmdResult {
    if args.len() == 1 {
        pubsub::unsubscribe_all(ctx.srv, ctx.client, scope, true);
    } else {
        for ch in &args[1..] {
            pubsub::unsubscribe(ctx.srv, ctx.client, scope, ch, true);
        }
        pubsub::drop_if_empty(ctx.client);
    }
    Ok(())
}

fn unsubscribe(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    unsubscribe_scope(ctx, args, Scope::Global)
}

fn sunsubscribe(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    unsubscribe_scope(ctx, args, Scope::Shard)
}

fn punsubscribe(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() == 1 {
        pubsub::punsubscribe_all(ctx.srv, ctx.client, true);
    } else {
        for p in &args[1..] {
            pubsub::punsubscribe(ctx.srv, ctx.client, p, true);
        }
        pubsub::drop_if_empty(ctx.client);
    }
    Ok(())
}

fn publish(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = pubsub::publish(ctx.srv, Some(&mut *ctx.client), Scope::Global, &args[1], &args[2]);
    // Replicas get the message too (Redis forces its propagation).
    ctx.force_propagation();
    ctx.out().int(n as i64);
    Ok(())
}

fn spublish(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = pubsub::publish(ctx.srv, Some(&mut *ctx.client), Scope::Shard, &args[1], &args[2]);
    // Replicas get the message too (Redis forces its propagation).
    ctx.force_propagation();
    ctx.out().int(n as i64);
    Ok(())
}

fn help(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() == 1 {
        return Err(CmdError::WrongArity("pubsub".into()));
    }
    const LINES: &[&str] = &[
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
    ];
    reply_help(ctx.out(), &args[0], LINES);
    Ok(())
}

fn list_channels(ctx: &mut Ctx, args: &[Bytes], scope: Scope) -> CmdResult {
    if args.len() > 3 {
        return Err(super::command::subcommand_syntax_error(args));
    }
    let names = ctx.srv.pubsub.channels_matching(scope, args.get(2).map(|p| &p[..]));
    let out = ctx.out();
    out.array(names.len());
    for n in &names {
        out.bulk(n);
    }
    Ok(())
}

fn channels(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    list_channels(ctx, args, Scope::Global)
}

fn shardchannels(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    list_channels(ctx, args, Scope::Shard)
}

fn count_subscribers(ctx: &mut Ctx, args: &[Bytes], scope: Scope) -> CmdResult {
    let Ctx { srv, client } = ctx;
    let out = &mut client.out;
    out.array((args.len() - 2) * 2);
    for ch in &args[2..] {
        out.bulk(ch);
        out.int(srv.pubsub.subscribers(scope, ch) as i64);
    }
    Ok(())
}

fn numsub(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    count_subscribers(ctx, args, Scope::Global)
}

fn shardnumsub(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    count_subscribers(ctx, args, Scope::Shard)
}

fn numpat(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let n = ctx.srv.pubsub.pattern_count();
    ctx.out().int(n as i64);
    Ok(())
}
