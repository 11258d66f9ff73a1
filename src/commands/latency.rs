//! LATENCY LATEST, HISTORY, RESET, GRAPH, DOCTOR, HISTOGRAM, HELP: reading
//! the latency monitor (`server::latency_monitor`) and the per-command
//! latency histograms (`server::latency`), with Redis 7.0's replies and
//! texts. DOCTOR gives advice only for the event classes this server
//! records (`command`, `fast-command`).

use bytes::Bytes;

use super::command::{lookup_fullname, reply_help};
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::server::Server;
use crate::server::latency_monitor::{Series, analyze};

const G: Group = Group::Server;
const FLAGS: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("latency", -2, 0, G, help).subcommands(SUBCOMMANDS).doc(
    "2.8.13",
    "A container for latency diagnostics commands",
    "Depends on subcommand.",
    "",
)];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("doctor", 2, FLAGS, G, doctor).doc(
        "2.8.13",
        "Return a human readable latency analysis report.",
        "O(1)",
        "",
    ),
    CommandSpec::new("graph", 3, FLAGS, G, graph).doc(
        "2.8.13",
        "Return a latency graph for the event.",
        "O(1)",
        "event",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, G, help).doc(
        "2.8.13",
        "Show helpful text about the different subcommands.",
        "O(1)",
        "",
    ),
    CommandSpec::new("histogram", -2, FLAGS, G, histogram).doc(
        "7.0.0",
        "Return the cumulative distribution of latencies of a subset of commands or all.",
        "O(N) where N is the number of commands with latency information being retrieved.",
        "[command [command ...]]",
    ),
    CommandSpec::new("history", 3, FLAGS, G, history).doc(
        "2.8.13",
        "Return timestamp-latency samples for the event.",
        "O(1)",
        "event",
    ),
    CommandSpec::new("latest", 2, FLAGS, G, latest).doc(
        "2.8.13",
        "Return the latest latency samples for all events.",
        "O(1)",
        "",
    ),
    CommandSpec::new("reset", -2, FLAGS, G, reset).doc(
        "2.8.13",
        "Reset latency data for one or more events.",
        "O(1)",
        "[event [event ...]]",
    ),
];

const HELP: &[&str] = &[
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
];

/// LATENCY HELP (also the container's handler, never reached).
fn help(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    reply_help(ctx.out(), &args[0], HELP);
    Ok(())
}

fn now_secs(srv: &Server) -> i64 {
    (srv.now_ms / 1000) as i64
}

/// `[[event, time, latest ms, max ms] …]`.
fn latest(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let Ctx { srv, client } = ctx;
    let out = &mut client.out;
    out.array(srv.latency_monitor.events.len());
    for (name, series) in &srv.latency_monitor.events {
        let last = series.latest();
        out.array(4);
        out.bulk(name.as_bytes());
        out.int(last.time);
        out.int(last.latency as i64);
        out.int(series.max as i64);
    }
    Ok(())
}

/// `[[time, ms] …]`, oldest first; empty for an unknown event.
fn history(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let Ctx { srv, client } = ctx;
    let out = &mut client.out;
    let Some((_, series)) = srv.latency_monitor.get(&args[2]) else {
        out.array(0);
        return Ok(());
    };
    out.array(series.samples().count());
    for s in series.samples() {
        out.array(2);
        out.int(s.time);
        out.int(s.latency as i64);
    }
    Ok(())
}

fn reset(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let monitor = &mut ctx.srv.latency_monitor;
    let n = if args.len() == 2 { monitor.reset(None) } else { args[2..].iter().map(|e| monitor.reset(Some(e))).sum() };
    ctx.out().int(n as i64);
    Ok(())
}

fn graph(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = now_secs(ctx.srv);
    let Some((name, series)) = ctx.srv.latency_monitor.get(&args[2]) else {
        return Err(CmdError::err(format!("No samples available for event '{}'", String::from_utf8_lossy(&args[2]))));
    };
    let text = graph_text(name, series, now);
    ctx.out().verbatim("txt", text.as_bytes());
    Ok(())
}

/// Columns of LATENCY GRAPH (Redis's `LATENCY_GRAPH_COLS`).
const GRAPH_COLS: usize = 80;

/// Redis's `latencyCommandGenSparkeline`: a header, a rule, and the samples
/// as a 4-row filled sparkline labelled with how long ago each was.
fn graph_text(name: &str, series: &Series, now: i64) -> String {
    let samples: Vec<(u64, String)> = series
        .samples()
        .map(|s| {
            let ago = now - s.time;
            let label = match ago {
                ..60 => format!("{ago}s"),
                60..3600 => format!("{}m", ago / 60),
                3600..86400 => format!("{}h", ago / 3600),
                _ => format!("{}d", ago / 86400),
            };
            (s.latency, label)
        })
        .collect();
    let high = samples.iter().map(|s| s.0).max().unwrap_or(0);
    let low = samples.iter().map(|s| s.0).min().unwrap_or(0);
    let mut text = format!("{name} - high {high} ms, low {low} ms (all time high {} ms)\n", series.max);
    text.push_str(&"-".repeat(GRAPH_COLS));
    text.push('\n');
    for (n, chunk) in samples.chunks(GRAPH_COLS).enumerate() {
        if n != 0 {
            text.push('\n');
        }
        sparkline(&mut text, chunk, low as f64, high as f64);
    }
    text
}

/// Redis's `sparklineRenderRange` with `SPARKLINE_FILL`, 4 rows, labels
/// one row below the graph. `min`/`max` are over the whole sequence.
fn sparkline(text: &mut String, samples: &[(u64, String)], min: f64, max: f64) {
    const ROWS: i64 = 4;
    const FILL: &[u8] = b"_o#";
    let steps = FILL.len() as i64 * ROWS;
    let range = if max - min == 0.0 { 1.0 } else { max - min };
    let mut row = 0i64;
    loop {
        let mut line = vec![b' '; samples.len()];
        let mut more = false;
        for (j, (value, label)) in samples.iter().enumerate() {
            let step = (((*value as f64 - min) * steps as f64) as i64 as f64 / range) as i64;
            let step = step.clamp(0, steps - 1);
            if row < ROWS {
                more = true;
                let idx = step - (ROWS - row - 1) * FILL.len() as i64;
                if (0..FILL.len() as i64).contains(&idx) {
                    line[j] = FILL[idx as usize];
                } else if idx >= FILL.len() as i64 {
                    line[j] = b'|';
                }
            } else {
                // One blank row between the graph and the labels.
                if row - ROWS < 1 {
                    more = true;
                    break;
                }
                let at = (row - ROWS - 1) as usize;
                if let Some(&c) = label.as_bytes().get(at) {
                    more = true;
                    line[j] = c;
                }
            }
        }
        if !more {
            return;
        }
        row += 1;
        text.push_str(&String::from_utf8_lossy(&line));
        text.push('\n');
    }
}

fn doctor(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let text = doctor_text(ctx.srv);
    ctx.out().verbatim("txt", text.as_bytes());
    Ok(())
}

/// Redis's `createLatencyReport`, for the events this server records.
fn doctor_text(srv: &Server) -> String {
    let threshold = srv.config.latency_monitor_threshold;
    let events = &srv.latency_monitor.events;
    if events.is_empty() && threshold == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \
                \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a \
                deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
            .to_string();
    }
    let now = now_secs(srv);
    let mut text = String::new();
    let (mut slowlog_enabled, mut slowlog_tuning, mut slowlog_inspect, mut large_objects, mut scheduler) =
        (false, false, false, false, false);
    let mut advices = 0;
    for (n, (name, series)) in events.iter().enumerate() {
        if n == 0 {
            text.push_str(
                "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do \
                 you Dave?\n\n",
            );
        }
        let (samples, avg, mad, period) = analyze(series, now);
        text.push_str(&format!(
            "{}. {name}: {samples} latency spikes (average {avg}ms, mean deviation {mad}ms, period {:.2} sec). Worst \
             all time event {}ms.",
            n + 1,
            period as f64 / samples.max(1) as f64,
            series.max
        ));
        if *name == "command" {
            let slower_than = srv.config.slowlog_log_slower_than;
            if slower_than < 0 {
                slowlog_enabled = true;
                advices += 1;
            } else if slower_than / 1000 > threshold {
                slowlog_tuning = true;
                advices += 1;
            }
            slowlog_inspect = true;
            large_objects = true;
            advices += 2;
        }
        if *name == "fast-command" {
            scheduler = true;
            advices += 1;
        }
        text.push('\n');
    }
    if events.is_empty() && advices == 0 {
        text.push_str(
            "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest \
             bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n",
        );
        return text;
    }
    if advices == 0 {
        text.push_str(
            "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis \
             community to get some help, providing this report in your help request.\n",
        );
        return text;
    }
    text.push_str("\nI have a few advices for you:\n\n");
    let us = threshold.max(0) as u64 * 1000;
    if slowlog_enabled {
        text.push_str(&format!(
            "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log \
             Redis feature using the command 'CONFIG SET slowlog-log-slower-than {us}'. If the Slow log is disabled \
             Redis is not able to log slow commands execution for you.\n"
        ));
    }
    if slowlog_tuning {
        text.push_str(&format!(
            "- Your current Slow Log configuration only logs events that are slower than your configured latency \
             monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {us}'.\n"
        ));
    }
    if slowlog_inspect {
        text.push_str(
            "- Check your Slow Log to understand what are the commands you are running which are too slow to \
             execute. Please check https://redis.io/commands/slowlog for more information.\n",
        );
    }
    if scheduler {
        text.push_str(
            "- The system is slow to execute Redis code paths not containing system calls. This usually means the \
             system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the \
             system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same \
             system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli \
             --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is \
             allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may \
             create fragmentation problems.\n",
        );
    }
    if large_objects {
        text.push_str(
            "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If \
             you have very large objects that are often deleted, expired, or evicted, try to fragment those objects \
             into multiple smaller objects.\n",
        );
    }
    text
}

/// LATENCY HISTOGRAM [command …]: `{name: {calls, histogram_usec: {µs:
/// cumulative count …}}}` for the named commands (with their subcommands)
/// that have samples, or for every command with samples.
fn histogram(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let table = super::table();
    let Ctx { srv, client } = ctx;
    let with_data = |id: usize| srv.stats.latency.get(id).and_then(|h| h.as_deref()).filter(|h| !h.is_empty());
    let mut ids: Vec<usize> = Vec::new();
    if args.len() == 2 {
        ids.extend((0..table.entries.len()).filter(|&id| with_data(id).is_some()));
    } else {
        for name in &args[2..] {
            let Some(id) = lookup_fullname(name) else { continue };
            ids.push(id);
            ids.extend(table.subcommands_of(id));
        }
        ids.retain(|&id| with_data(id).is_some());
    }
    let out = &mut client.out;
    out.map(ids.len());
    for id in ids {
        let h = with_data(id).expect("filtered");
        out.bulk(table.entries[id].fullname.as_bytes());
        out.map(2);
        out.bulk(b"calls");
        out.int(h.total() as i64);
        out.bulk(b"histogram_usec");
        let buckets = h.log2_buckets();
        out.map(buckets.len());
        for (us, count) in buckets {
            out.int(us as i64);
            out.int(count as i64);
        }
    }
    Ok(())
}
