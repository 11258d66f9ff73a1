//! CLIENT, COMMAND and INFO: exact replies, and byte-for-byte comparisons
//! with a real redis-server where Redis's output is deterministic.

use std::collections::HashMap;
use std::time::Duration;

use crate::common::*;

fn text(r: &Reply) -> String {
    match r {
        Reply::Bulk(b) | Reply::Verbatim(_, b) => String::from_utf8_lossy(b).into_owned(),
        Reply::Simple(s) => s.clone(),
        other => panic!("expected text, got {other:?}"),
    }
}

/// `field=value` pairs of a CLIENT LIST line, in order.
fn fields(line: &str) -> Vec<(String, String)> {
    line.split(' ')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("field=value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn field(line: &str, name: &str) -> String {
    fields(line).into_iter().find(|(k, _)| k == name).map(|(_, v)| v).unwrap_or_else(|| panic!("no {name}"))
}

/// INFO text as a field map.
fn info_map(r: &Reply) -> HashMap<String, String> {
    text(r)
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once(':').expect("field:value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn client_id(c: &mut Conn) -> i64 {
    match c.cmd(&["CLIENT", "ID"]) {
        Reply::Int(i) => i,
        other => panic!("CLIENT ID answered {other:?}"),
    }
}

#[test]
fn client_list_line_has_redis_fields() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let id = client_id(&mut c);
    let list = text(&c.cmd(&["CLIENT", "LIST"]));
    assert!(list.ends_with('\n'));
    let line = list.trim_end_matches('\n');
    assert!(!line.contains('\n'), "one client, one line");
    let keys: Vec<String> = fields(line).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            "id",
            "addr",
            "laddr",
            "fd",
            "name",
            "age",
            "idle",
            "flags",
            "db",
            "sub",
            "psub",
            "ssub",
            "multi",
            "qbuf",
            "qbuf-free",
            "argv-mem",
            "multi-mem",
            "rbs",
            "rbp",
            "obl",
            "oll",
            "omem",
            "tot-mem",
            "events",
            "cmd",
            "user",
            "redir",
            "resp"
        ]
    );
    assert_eq!(field(line, "id"), id.to_string());
    assert_eq!(field(line, "laddr"), format!("127.0.0.1:{}", s.port));
    assert!(field(line, "addr").starts_with("127.0.0.1:"));
    for (k, v) in [
        ("name", ""),
        ("flags", "N"),
        ("db", "0"),
        ("sub", "0"),
        ("psub", "0"),
        ("ssub", "0"),
        ("multi", "-1"),
        // `*2\r\n$6\r\nclient\r\n$4\r\nlist\r\n`: the request being run.
        ("qbuf", "26"),
        ("argv-mem", "10"),
        ("multi-mem", "0"),
        ("obl", "0"),
        ("oll", "0"),
        ("omem", "0"),
        ("events", "r"),
        ("cmd", "client|list"),
        ("user", "default"),
        ("redir", "-1"),
        ("resp", "2"),
    ] {
        assert_eq!(field(line, k), v, "field {k}");
    }
    let info = text(&c.cmd(&["CLIENT", "INFO"]));
    assert!(info.ends_with('\n'));
    assert_eq!(field(info.trim_end(), "cmd"), "client|info");
    assert_eq!(c.cmd(&["SELECT", "3"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "myname"]), ok());
    let info = text(&c.cmd(&["CLIENT", "INFO"]));
    assert_eq!(field(info.trim_end(), "name"), "myname");
    assert_eq!(field(info.trim_end(), "db"), "3");
}

#[test]
fn client_list_filters() {
    let s = TestServer::start(&[]);
    let mut a = s.conn();
    let mut b = s.conn();
    let (ida, idb) = (client_id(&mut a), client_id(&mut b));
    let all = text(&a.cmd(&["CLIENT", "LIST"]));
    assert_eq!(all.lines().count(), 2);
    assert_eq!(field(all.lines().nth(1).unwrap(), "cmd"), "client|id", "the other client's last command");
    let one = text(&a.cmd(&["CLIENT", "LIST", "ID", &idb.to_string(), "999"]));
    assert_eq!(one.lines().count(), 1);
    assert_eq!(field(one.trim_end(), "id"), idb.to_string());
    let both = text(&a.cmd(&["CLIENT", "LIST", "ID", &idb.to_string(), &ida.to_string()]));
    let ids: Vec<String> = both.lines().map(|l| field(l, "id")).collect();
    assert_eq!(ids, [idb.to_string(), ida.to_string()], "in the order asked");
    assert_eq!(text(&a.cmd(&["CLIENT", "LIST", "TYPE", "normal"])).lines().count(), 2);
    assert_eq!(a.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]), bulk(""));
    assert_eq!(a.cmd(&["CLIENT", "LIST", "TYPE", "replica"]), bulk(""));
    assert_eq!(a.cmd(&["CLIENT", "LIST", "TYPE", "foo"]), err("ERR Unknown client type 'foo'"));
    assert_eq!(a.cmd(&["CLIENT", "LIST", "ID", "x"]), err("ERR Invalid client ID"));
    assert_eq!(a.cmd(&["CLIENT", "LIST", "foo", "bar"]), err("ERR syntax error"));
}

#[test]
fn client_names() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), nil());
    assert_eq!(
        c.cmd(&["CLIENT", "SETNAME", "foo bar"]),
        err("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "n1"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk("n1"));
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", ""]), ok());
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), nil());
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "LIB-NAME", "redis-py"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "LIB-VER", "8.1.0"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "FOO", "x"]), err("ERR Unrecognized option 'FOO'"));
    assert_eq!(c.cmd(&["CLIENT", "NO-TOUCH", "on"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "on"]), ok());
    assert_eq!(field(text(&c.cmd(&["CLIENT", "INFO"])).trim_end(), "flags"), "e");
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "maybe"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["CLIENT", "FOO"]), err("ERR unknown subcommand 'FOO'. Try CLIENT HELP."));
    assert_eq!(c.cmd(&["CLIENT", "KILL"]), err("ERR wrong number of arguments for 'client|kill' command"));
    assert_eq!(c.cmd(&["CLIENT"]), err("ERR wrong number of arguments for 'client' command"));
    let Reply::Array(help) = c.cmd(&["client", "help"]) else { panic!("help is an array") };
    assert_eq!(help[0], simple("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
    assert_eq!(help[help.len() - 1], simple("    Prints this help."));
}

#[test]
fn client_kill_by_id_addr_and_filters() {
    let s = TestServer::start(&[]);
    let mut me = s.conn();
    let mut victim = s.conn();
    let vid = client_id(&mut victim);
    assert_eq!(me.cmd(&["CLIENT", "KILL", "ID", &vid.to_string()]), int(1));
    assert!(victim.is_closed(Duration::from_secs(10)), "the killed client's socket closes");
    assert_eq!(text(&me.cmd(&["CLIENT", "LIST"])).lines().count(), 1, "gone from the list at once");
    assert_eq!(me.cmd(&["CLIENT", "KILL", "ID", &vid.to_string()]), int(0));

    let mut victim = s.conn();
    let line = text(&victim.cmd(&["CLIENT", "INFO"]));
    let addr = field(line.trim_end(), "addr");
    assert_eq!(me.cmd(&["CLIENT", "KILL", &addr]), ok());
    assert!(victim.is_closed(Duration::from_secs(10)));
    assert_eq!(me.cmd(&["CLIENT", "KILL", &addr]), err("ERR No such client"));

    for (args, e) in [
        (vec!["id", "10", "wrong_arg"], "ERR syntax error"),
        (vec!["id", "str"], "ERR client-id should be greater than 0"),
        (vec!["id", "0"], "ERR client-id should be greater than 0"),
        (vec!["type", "wrong_type"], "ERR Unknown client type 'wrong_type'"),
        (vec!["user", "wrong_user"], "ERR No such user 'wrong_user'"),
        (vec!["skipme", "yes_or_no"], "ERR syntax error"),
    ] {
        let mut cmd = vec!["CLIENT", "KILL"];
        cmd.extend(args);
        assert_eq!(me.cmd(&cmd), err(e), "{cmd:?}");
    }

    let mut v1 = s.conn();
    let mut v2 = s.conn();
    assert_eq!(v1.cmd(&["PING"]), simple("PONG"));
    assert_eq!(v2.cmd(&["PING"]), simple("PONG"));
    let port = format!("127.0.0.1:{}", s.port);
    assert_eq!(me.cmd(&["CLIENT", "KILL", "LADDR", &port, "TYPE", "normal", "USER", "default"]), int(2));
    assert!(v1.is_closed(Duration::from_secs(10)) && v2.is_closed(Duration::from_secs(10)));
    // SKIPME no kills the caller too, after its reply.
    assert_eq!(me.cmd(&["CLIENT", "KILL", "SKIPME", "no"]), int(1));
    assert!(me.is_closed(Duration::from_secs(10)));
}

#[test]
fn client_reply_off_and_skip() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    c.send(&["CLIENT", "REPLY", "OFF"]);
    c.send(&["PING", "silenced"]);
    c.send(&["GET"]);
    assert_eq!(c.cmd(&["CLIENT", "REPLY", "ON"]), ok(), "the first reply after OFF is ON's own");
    c.send(&["CLIENT", "REPLY", "SKIP"]);
    c.send(&["PING", "skipped"]);
    assert_eq!(c.cmd(&["PING", "seen"]), bulk("seen"));
    c.send(&["CLIENT", "REPLY", "SKIP"]);
    assert_eq!(c.cmd(&["CLIENT", "REPLY", "ON"]), ok(), "ON cancels a pending SKIP");
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    assert_eq!(c.cmd(&["CLIENT", "REPLY", "MAYBE"]), err("ERR syntax error"));
}

#[test]
fn client_misc_subcommands() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), int(-1));
    assert_eq!(
        c.cmd(&["CLIENT", "TRACKINGINFO"]),
        arr(vec![bulk("flags"), bulks(&["off"]), bulk("redirect"), int(-1), bulk("prefixes"), arr(vec![])])
    );
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "10"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "10", "WRITE"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "10", "foo"]), err("ERR CLIENT PAUSE mode must be WRITE or ALL"));
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "x"]), err("ERR timeout is not an integer or out of range"));
    assert_eq!(
        c.cmd(&["CLIENT", "PAUSE", "1", "ALL", "x"]),
        err("ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.")
    );
    assert_eq!(c.cmd(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "UNBLOCK", "1"]), int(0));
    assert_eq!(c.cmd(&["CLIENT", "UNBLOCK", "1", "x"]), err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
}

/// The GET entry of COMMAND INFO, as Redis 7.0.15 sends it.
fn get_info() -> Reply {
    let map = |pairs: Vec<(&str, Reply)>| arr(pairs.into_iter().flat_map(|(k, v)| [bulk(k), v]).collect());
    arr(vec![
        bulk("get"),
        int(2),
        arr(vec![simple("readonly"), simple("fast")]),
        int(1),
        int(1),
        int(1),
        arr(vec![simple("@read"), simple("@string"), simple("@fast")]),
        arr(vec![]),
        arr(vec![map(vec![
            ("flags", arr(vec![simple("RO"), simple("access")])),
            ("begin_search", map(vec![("type", bulk("index")), ("spec", map(vec![("index", int(1))]))])),
            (
                "find_keys",
                map(vec![
                    ("type", bulk("range")),
                    ("spec", map(vec![("lastkey", int(0)), ("keystep", int(1)), ("limit", int(0))])),
                ]),
            ),
        ])]),
        arr(vec![]),
    ])
}

#[test]
fn command_info_count_list() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["COMMAND", "INFO", "get", "nosuch", "GET"]), arr(vec![get_info(), nil(), get_info()]));
    let Reply::Array(list) = c.cmd(&["COMMAND", "LIST"]) else { panic!("array") };
    let top = list.iter().filter(|n| !text(n).contains('|')).count() as i64;
    assert_eq!(c.cmd(&["COMMAND", "COUNT"]), int(top));
    assert!(list.contains(&bulk("client|list")) && list.contains(&bulk("command|docs")));
    assert!(!list.contains(&bulk("client|setinfo")), "7.2 additions are not listed");
    let Reply::Array(all) = c.cmd(&["COMMAND"]) else { panic!("array") };
    assert_eq!(all.len() as i64, top);
    assert_eq!(
        c.cmd(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "command|*"]),
        bulks(&[
            "command|count",
            "command|docs",
            "command|getkeys",
            "command|getkeysandflags",
            "command|help",
            "command|info",
            "command|list"
        ])
    );
    assert_eq!(c.cmd(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"]), arr(vec![]));
    assert_eq!(c.cmd(&["COMMAND", "LIST", "FILTERBY", "MODULE", "m"]), arr(vec![]));
    assert_eq!(c.cmd(&["COMMAND", "LIST", "FILTERBY", "x", "y"]), err("ERR syntax error"));
    let Reply::Array(info) = c.cmd(&["COMMAND", "INFO", "client|kill", "CLIENT|LIST", "client|"]) else {
        panic!("array")
    };
    let Reply::Array(kill) = &info[0] else { panic!("an entry") };
    assert_eq!(kill[..2], [bulk("client|kill"), int(-3)]);
    let Reply::Array(list) = &info[1] else { panic!("an entry") };
    assert_eq!(list[0], bulk("client|list"));
    assert_eq!(info[2], nil());
}

#[test]
fn command_getkeys() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "del", "a", "b"]), bulks(&["a", "b"]));
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "set", "k", "v"]),
        arr(vec![arr(vec![bulk("k"), arr(vec![simple("OW"), simple("update")])])])
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "get"]),
        arr(vec![arr(vec![bulk("k"), arr(vec![simple("RW"), simple("access"), simple("update")])])])
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "del", "a"]),
        arr(vec![arr(vec![bulk("a"), arr(vec![simple("RM"), simple("delete")])])])
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "get"]),
        err("ERR wrong number of arguments for 'command|getkeys' command")
    );
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "ping", "x", "y"]), err("ERR The command has no key arguments"));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "nosuch", "x", "y"]), err("ERR Invalid command specified"));
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "get", "a", "b"]),
        err("ERR Invalid number of arguments specified for command")
    );
}

/// What redis-cli 7 shows as the hint for a command, from COMMAND DOCS
/// (a port of its `cliAddArgument`).
fn hint(args: &[Reply]) -> String {
    args.iter().map(hint_one).collect::<Vec<_>>().join(" ")
}

fn pairs(r: &Reply) -> Vec<(String, Reply)> {
    match r {
        Reply::Array(items) => items.chunks(2).map(|p| (text(&p[0]), p[1].clone())).collect(),
        Reply::Map(p) => p.iter().map(|(k, v)| (text(k), v.clone())).collect(),
        other => panic!("not a map: {other:?}"),
    }
}

fn hint_one(arg: &Reply) -> String {
    let (mut name, mut kind, mut token) = (String::new(), String::new(), String::new());
    let (mut optional, mut multiple, mut multiple_token) = (false, false, false);
    let mut nested = Vec::new();
    for (k, v) in pairs(arg) {
        match k.as_str() {
            "name" => name = text(&v),
            "type" => kind = text(&v),
            "token" => token = text(&v),
            "arguments" => {
                if let Reply::Array(a) = v {
                    nested = a
                }
            }
            "flags" => {
                let (Reply::Array(f) | Reply::Set(f)) = v else { panic!("flags") };
                for flag in f {
                    assert!(matches!(flag, Reply::Simple(_)), "redis-cli asserts flags are status replies");
                    match text(&flag).as_str() {
                        "optional" => optional = true,
                        "multiple" => multiple = true,
                        "multiple_token" => multiple_token = true,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let repeat = match kind.as_str() {
        "oneof" => nested.iter().map(hint_one).collect::<Vec<_>>().join("|"),
        "block" => nested.iter().map(hint_one).collect::<Vec<_>>().join(" "),
        "pure-token" => String::new(),
        _ => name,
    };
    if !token.is_empty() && kind != "pure-token" {
        token.push(' ');
    }
    let mut s = String::new();
    if optional {
        s.push('[');
    }
    s.push_str(&token);
    s.push_str(&repeat);
    if multiple {
        s.push_str(" [");
        if multiple_token {
            s.push_str(&token);
        }
        s.push_str(&repeat);
        s.push_str(" ...]");
    }
    if optional {
        s.push(']');
    }
    s
}

/// Command name → (summary, since, group, hint) for every command and
/// subcommand in a COMMAND DOCS reply.
fn docs_hints(reply: &Reply) -> HashMap<String, (String, String, String, String)> {
    let mut out = HashMap::new();
    for (name, doc) in pairs(reply) {
        let mut entry = (String::new(), String::new(), String::new(), String::new());
        for (k, v) in pairs(&doc) {
            match k.as_str() {
                "summary" => entry.0 = text(&v),
                "since" => entry.1 = text(&v),
                "group" => entry.2 = text(&v),
                "arguments" => {
                    let Reply::Array(a) = v else { panic!("arguments") };
                    entry.3 = hint(&a)
                }
                "subcommands" => out.extend(docs_hints(&v)),
                _ => {}
            }
        }
        out.insert(name, entry);
    }
    out
}

#[test]
fn command_docs_give_redis_cli_hints() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let docs = docs_hints(&c.cmd(&["COMMAND", "DOCS", "set", "client", "nosuch"]));
    assert_eq!(
        docs["set"],
        (
            "Set the string value of a key".into(),
            "1.0.0".into(),
            "string".into(),
            "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT \
             unix-time-milliseconds|KEEPTTL]"
                .into()
        )
    );
    assert_eq!(docs["client|list"].3, "[TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]");
    assert_eq!(docs["client|kill"].2, "connection");
    assert!(!docs.contains_key("nosuch"));
    // RESP3 renders the same tree with maps and sets.
    assert!(matches!(c.cmd(&["HELLO", "3"]), Reply::Map(_)));
    let docs3 = docs_hints(&c.cmd(&["COMMAND", "DOCS", "set", "client"]));
    assert_eq!(docs3, docs);
}

#[test]
fn info_sections_and_fields() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let all = text(&c.cmd(&["INFO"]));
    let headers: Vec<&str> = all.split("\r\n").filter(|l| l.starts_with('#')).collect();
    assert_eq!(
        headers,
        [
            "# Server",
            "# Clients",
            "# Memory",
            "# Persistence",
            "# Stats",
            "# Replication",
            "# CPU",
            "# Modules",
            "# Errorstats",
            "# Cluster",
            "# Keyspace"
        ]
    );
    assert!(all.contains("\r\n\r\n# Clients\r\n"), "a blank line between sections");
    let m = info_map(&c.cmd(&["INFO"]));
    assert_eq!(m["redis_version"], "7.0.15");
    assert_eq!(m["redis_rs_server_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["redis_mode"], "standalone");
    assert_eq!(m["tcp_port"], s.port.to_string());
    assert_eq!(m["process_id"], s.child.id().to_string());
    assert_eq!(m["run_id"].len(), 40);
    assert_eq!(m["connected_clients"], "1");
    assert_eq!(m["blocked_clients"], "0");
    assert_eq!(m["role"], "master");
    assert_eq!(m["loading"], "0");
    assert_eq!(m["aof_enabled"], "0");
    assert_eq!(m["rdb_last_bgsave_status"], "ok");
    for num in [
        "uptime_in_seconds",
        "used_memory",
        "used_memory_rss",
        "used_memory_peak",
        "maxmemory",
        "total_connections_received",
        "total_commands_processed",
        "rdb_changes_since_last_save",
        "rdb_last_save_time",
        "keyspace_hits",
        "total_error_replies",
    ] {
        m[num].parse::<u64>().unwrap_or_else(|_| panic!("{num}={} is a number", m[num]));
    }
    for float in ["used_cpu_sys", "used_cpu_user", "mem_fragmentation_ratio"] {
        m[float].parse::<f64>().unwrap_or_else(|_| panic!("{float}={} is a number", m[float]));
    }
    assert!(m["used_memory"].parse::<u64>().unwrap() > 0);
    assert_eq!(m["used_memory_human"].chars().last().map(|c| "BKMG".contains(c)), Some(true));
    assert_eq!(c.cmd(&["INFO", "nosuchsection"]), bulk(""));
    let cpu = text(&c.cmd(&["INFO", "cpu", "CLUSTER"]));
    assert!(cpu.starts_with("# CPU\r\nused_cpu_sys:"));
    assert!(cpu.ends_with("\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n"));
    let everything = text(&c.cmd(&["INFO", "everything"]));
    assert!(everything.contains("# Commandstats\r\n") && everything.contains("# Latencystats\r\n"));
    assert!(!text(&c.cmd(&["INFO", "default"])).contains("# Commandstats"));
    // RESP3: a verbatim string.
    assert!(matches!(c.cmd(&["HELLO", "3"]), Reply::Map(_)));
    let Reply::Verbatim(format, _) = c.cmd(&["INFO", "server"]) else { panic!("verbatim") };
    assert_eq!(format, "txt");
}

#[test]
fn info_keyspace_and_counters() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "a", "1"]), ok());
    assert_eq!(c.cmd(&["SET", "b", "1", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["SELECT", "5"]), ok());
    assert_eq!(c.cmd(&["SET", "c", "1"]), ok());
    assert_eq!(c.cmd(&["GET", "c"]), bulk("1"));
    assert_eq!(c.cmd(&["GET", "nokey"]), nil());
    let ks = text(&c.cmd(&["INFO", "keyspace"]));
    assert!(ks.starts_with("# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl="), "{ks}");
    assert!(ks.ends_with("\r\ndb5:keys=1,expires=0,avg_ttl=0\r\n"), "{ks}");
    let m = info_map(&c.cmd(&["INFO", "stats", "persistence"]));
    assert_eq!(m["keyspace_hits"], "1");
    assert_eq!(m["keyspace_misses"], "1");
    assert_eq!(m["rdb_changes_since_last_save"], "3");
    assert_eq!(m["total_commands_processed"], "7", "the running INFO is not counted yet");
}

#[test]
fn errorstats_and_commandstats() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k"]), err("ERR wrong number of arguments for 'set' command"));
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["SET", "k", "v", "bad"]), err("ERR syntax error"));
    assert!(matches!(c.cmd(&["NOSUCH"]), Reply::Error(_)));
    assert!(matches!(c.cmd(&["DEBUG", "ERROR", "MYCODE hello"]), Reply::Error(_)));
    let stats = text(&c.cmd(&["INFO", "commandstats"]));
    let set_line = stats.lines().find(|l| l.starts_with("cmdstat_set:")).expect("set counted");
    assert!(set_line.starts_with("cmdstat_set:calls=2,usec="), "{set_line}");
    assert!(set_line.contains(",usec_per_call="));
    assert!(set_line.ends_with(",rejected_calls=1,failed_calls=1"), "{set_line}");
    assert_eq!(c.cmd(&["CLIENT", "ID"]), c.cmd(&["CLIENT", "ID"]));
    let stats = text(&c.cmd(&["INFO", "commandstats"]));
    assert!(stats.contains("\r\ncmdstat_client|id:calls=2,"), "subcommands by full name");
    let errs = text(&c.cmd(&["INFO", "errorstats"]));
    assert_eq!(errs, "# Errorstats\r\nerrorstat_ERR:count=3\r\nerrorstat_MYCODE:count=1\r\n");
    assert_eq!(info_map(&c.cmd(&["INFO", "stats"]))["total_error_replies"], "4");
    let lat = info_map(&c.cmd(&["INFO", "latencystats"]));
    let set = &lat["latency_percentiles_usec_set"];
    let parts: Vec<&str> = set.split(',').collect();
    assert_eq!(parts.len(), 3, "{set}");
    for (part, name) in parts.iter().zip(["p50=", "p99=", "p99.9="]) {
        let value = part.strip_prefix(name).unwrap_or_else(|| panic!("{set}"));
        assert_eq!(value.split('.').nth(1).map(str::len), Some(3), "three decimals: {set}");
        value.parse::<f64>().expect("a number");
    }
    assert!(lat.contains_key("latency_percentiles_usec_client|id"));
}

#[test]
#[ignore = "needs redis-server"]
fn command_info_matches_real_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let (mut r, mut o) = (real.conn(), ours.conn());
    let Reply::Array(list) = o.cmd(&["COMMAND", "LIST"]) else { panic!("array") };
    let names: Vec<String> = list.iter().map(text).filter(|n| !n.contains('|')).collect();
    assert!(names.len() > 20);
    // Subcommands come in hash order in Redis: compare them sorted.
    fn normalize(r: Reply) -> Reply {
        match r {
            Reply::Array(mut f) if f.len() == 10 => {
                if let Reply::Array(subs) = &mut f[9] {
                    let mut v: Vec<Reply> = std::mem::take(subs).into_iter().map(normalize).collect();
                    v.sort_by_key(|s| format!("{s:?}"));
                    *subs = v;
                }
                Reply::Array(f)
            }
            other => other,
        }
    }
    let mut differ = Vec::new();
    for proto in ["2", "3"] {
        assert!(!matches!(o.cmd(&["HELLO", proto]), Reply::Error(_)));
        assert!(!matches!(r.cmd(&["HELLO", proto]), Reply::Error(_)));
        for n in &names {
            let one = |reply: Reply| match reply {
                Reply::Array(mut entries) if entries.len() == 1 => normalize(entries.remove(0)),
                other => other,
            };
            let a = one(o.cmd(&["COMMAND", "INFO", n]));
            let b = one(r.cmd(&["COMMAND", "INFO", n]));
            if a != b {
                differ.push(format!("{n} (RESP{proto}):\n  ours {a:?}\n  real {b:?}"));
            }
        }
    }
    assert!(differ.is_empty(), "COMMAND INFO differs:\n{}", differ.join("\n"));
}

#[test]
#[ignore = "needs redis-server"]
fn command_docs_hints_match_real_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let (mut r, mut o) = (real.conn(), ours.conn());
    let ours_docs = docs_hints(&o.cmd(&["COMMAND", "DOCS"]));
    let real_docs = docs_hints(&r.cmd(&["COMMAND", "DOCS"]));
    let mut differ = Vec::new();
    for (name, doc) in &ours_docs {
        let Some(want) = real_docs.get(name) else {
            if !["client|setinfo", "client|no-touch"].contains(&name.as_str()) {
                differ.push(format!("{name}: not a Redis 7.0 command"));
            }
            continue;
        };
        if doc != want {
            differ.push(format!("{name}:\n  ours {doc:?}\n  real {want:?}"));
        }
    }
    assert!(differ.is_empty(), "COMMAND DOCS differ:\n{}", differ.join("\n"));
}

#[test]
#[ignore = "needs redis-server"]
fn redis_cli_starts_and_shows_hints() {
    let s = TestServer::start(&[]);
    // redis-cli in a pseudo-terminal, typing `SET k v `: it loads COMMAND DOCS
    // at start and prints the rest of SET's syntax as a hint.
    let script = r#"
import os, pty, sys, time, select, fcntl, termios, struct
pid, fd = pty.fork()
if pid == 0:
    os.environ['TERM'] = 'xterm'
    os.execvp('redis-cli', ['redis-cli', '-p', sys.argv[1]])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 200, 0, 0))
# Reads until `until` shows (then a little more) or `t` seconds pass: a
# loaded machine may take seconds to start redis-cli.
def drain(t, until=None):
    out = b''
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try: d = os.read(fd, 65536)
            except OSError: break
            out += d
            if b'\x1b[6n' in d: os.write(fd, b'\x1b[1;20R')
            if until is not None and until in out:
                end = min(end, time.time() + 0.5)
    return out
start = drain(30, b'> ')
os.write(fd, b'SET k v ')
typed = drain(30, b'milliseconds')
os.write(fd, b'\x03'); time.sleep(0.2); os.write(fd, b'\x04')
drain(1)
sys.stdout.write(repr(start) + '\n' + repr(typed) + '\n')
"#;
    let out =
        std::process::Command::new("python3").args(["-c", script, &s.port.to_string()]).output().expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("127.0.0.1:{}> ", s.port)), "the prompt appears: {text}");
    assert!(!text.to_lowercase().contains("error"), "no error at start: {text}");
    assert!(
        text.contains("SET k v \\x1b[0;90;49m[NX|XX] [GET] [EX seconds|PX milliseconds"),
        "the hint appears: {text}"
    );
}
