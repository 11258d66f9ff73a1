//! CLUSTER with cluster support disabled (as a stock redis-server runs):
//! every subcommand, HELP and KEYSLOT included, answers "This instance has
//! cluster support disabled"; arity and unknown-subcommand errors come
//! first; READONLY/READWRITE/ASKING answer the same; COMMAND knows the 27
//! subcommands; ACL rules name them (`+cluster`, `+cluster|info`) and
//! enforce them. Side by side with redis-server: the same requests, byte
//! for byte.

use crate::common::*;

const DISABLED: &str = "ERR This instance has cluster support disabled";

/// Requests and the raw bytes of their replies.
fn requests() -> Vec<Vec<&'static str>> {
    let mut v: Vec<Vec<&str>> = vec![
        vec!["CLUSTER", "INFO"],
        vec!["CLUSTER", "NODES"],
        vec!["CLUSTER", "SLOTS"],
        vec!["CLUSTER", "SHARDS"],
        vec!["CLUSTER", "LINKS"],
        vec!["CLUSTER", "MYID"],
        vec!["CLUSTER", "HELP"],
        vec!["CLUSTER", "help"],
        vec!["CLUSTER", "KEYSLOT", "foo"],
        vec!["CLUSTER", "COUNTKEYSINSLOT", "1"],
        vec!["CLUSTER", "GETKEYSINSLOT", "1", "1"],
        vec!["CLUSTER", "ADDSLOTS", "1", "2"],
        vec!["CLUSTER", "ADDSLOTSRANGE", "1", "2"],
        vec!["CLUSTER", "DELSLOTS", "1"],
        vec!["CLUSTER", "DELSLOTSRANGE", "1", "2"],
        vec!["CLUSTER", "FLUSHSLOTS"],
        vec!["CLUSTER", "SETSLOT", "1", "STABLE"],
        vec!["CLUSTER", "MEET", "127.0.0.1", "7000"],
        vec!["CLUSTER", "FORGET", "abc"],
        vec!["CLUSTER", "REPLICATE", "abc"],
        vec!["CLUSTER", "REPLICAS", "abc"],
        vec!["CLUSTER", "SLAVES", "abc"],
        vec!["CLUSTER", "COUNT-FAILURE-REPORTS", "abc"],
        vec!["CLUSTER", "FAILOVER"],
        vec!["CLUSTER", "RESET", "HARD"],
        vec!["CLUSTER", "SAVECONFIG"],
        vec!["CLUSTER", "BUMPEPOCH"],
        vec!["CLUSTER", "SET-CONFIG-EPOCH", "1"],
        vec!["READONLY"],
        vec!["READWRITE"],
        vec!["ASKING"],
    ];
    // Errors the dispatcher gives before the handler.
    v.extend([
        vec!["CLUSTER"],
        vec!["CLUSTER", "NOSUCH"],
        vec!["CLUSTER", "KEYSLOT"],
        vec!["CLUSTER", "INFO", "extra"],
        vec!["CLUSTER", "SETSLOT", "1"],
        vec!["CLUSTER", "GETKEYSINSLOT", "1"],
        vec!["READONLY", "x"],
    ]);
    v
}

fn raw(c: &mut Conn, args: &[&str]) -> String {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    escape(&c.cmd_raw(&a).1)
}

#[test]
fn every_subcommand_is_disabled() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for req in requests() {
        let got = raw(&mut c, &req);
        let want = match req.as_slice() {
            ["CLUSTER"] => "-ERR wrong number of arguments for 'cluster' command".to_string(),
            ["CLUSTER", "NOSUCH"] => "-ERR unknown subcommand 'NOSUCH'. Try CLUSTER HELP.".to_string(),
            ["CLUSTER", "KEYSLOT"] => "-ERR wrong number of arguments for 'cluster|keyslot' command".to_string(),
            ["CLUSTER", "INFO", _] => "-ERR wrong number of arguments for 'cluster|info' command".to_string(),
            ["CLUSTER", "SETSLOT", _] => "-ERR wrong number of arguments for 'cluster|setslot' command".to_string(),
            ["CLUSTER", "GETKEYSINSLOT", _] => {
                "-ERR wrong number of arguments for 'cluster|getkeysinslot' command".to_string()
            }
            ["READONLY", _] => "-ERR wrong number of arguments for 'readonly' command".to_string(),
            _ => format!("-{DISABLED}"),
        };
        assert_eq!(got, format!("{want}\\r\\n"), "{req:?}");
    }
}

#[test]
fn command_table_knows_cluster() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let Reply::Array(list) = c.cmd(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "cluster*"]) else { panic!() };
    assert_eq!(list.len(), 28, "the container and its 27 subcommands: {list:?}");
    let Reply::Array(info) = c.cmd(&["COMMAND", "INFO", "cluster"]) else { panic!() };
    let Reply::Array(entry) = &info[0] else { panic!() };
    assert_eq!(entry[0], bulk("cluster"));
    assert_eq!(entry[1], int(-2));
    let Reply::Array(subs) = &entry[9] else { panic!() };
    let keyslot =
        subs.iter().find(|s| matches!(s, Reply::Array(f) if f[0] == bulk("cluster|keyslot"))).expect("cluster|keyslot");
    let Reply::Array(f) = keyslot else { panic!() };
    assert_eq!(f[1], int(3));
    assert_eq!(f[2], arr(vec![simple("stale")]));
}

#[test]
fn acl_rules_name_cluster_commands() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["ACL", "SETUSER", "u", "on", "nopass", "+cluster|info", "+ping"]), ok());
    assert_eq!(c.cmd(&["ACL", "SETUSER", "v", "on", "nopass", "+cluster", "-cluster|reset"]), ok());
    let Reply::Array(u) = c.cmd(&["ACL", "GETUSER", "v"]) else { panic!() };
    let cmds = u.iter().skip_while(|x| **x != bulk("commands")).nth(1).cloned();
    assert_eq!(cmds, Some(bulk("-@all +cluster -cluster|reset")));
    assert_eq!(
        c.cmd(&["ACL", "SETUSER", "w", "+@cluster"]),
        err("ERR Error in ACL SETUSER modifier '+@cluster': Unknown command or category name in ACL")
    );
    let mut u = s.conn();
    assert_eq!(u.cmd(&["AUTH", "u", "x"]), ok());
    assert_eq!(u.cmd(&["CLUSTER", "INFO"]), err(DISABLED));
    assert_eq!(
        u.cmd(&["CLUSTER", "NODES"]),
        err("NOPERM this user has no permissions to run the 'cluster|nodes' command")
    );
    // CLIENT KILL USER takes any existing user (redis-py's
    // test_client_kill_filter_by_user names one with `+cluster`).
    assert_eq!(c.cmd(&["CLIENT", "KILL", "USER", "u"]), int(1));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "USER", "nosuch"]), err("ERR No such user 'nosuch'"));
    let mut v = s.conn();
    assert_eq!(v.cmd(&["AUTH", "v", "x"]), ok());
    assert_eq!(v.cmd(&["CLUSTER", "SLOTS"]), err(DISABLED));
    assert_eq!(
        v.cmd(&["CLUSTER", "RESET"]),
        err("NOPERM this user has no permissions to run the 'cluster|reset' command")
    );
}

#[test]
#[ignore = "needs redis-server"]
fn replies_match_redis() {
    let ours = TestServer::start(&[]);
    let redis = RealRedis::start(&[]);
    let session = |port: u16| {
        let mut c = Conn::connect(port);
        let mut log: Vec<String> = requests().iter().map(|r| raw(&mut c, r)).collect();
        for acl in [
            &["ACL", "SETUSER", "u", "on", "nopass", "+cluster|info"][..],
            &["ACL", "SETUSER", "u", "+cluster|keyslot"],
            &["ACL", "SETUSER", "v", "+cluster", "-cluster|reset"],
            &["ACL", "SETUSER", "w", "+@cluster"],
            &["ACL", "DRYRUN", "u", "CLUSTER", "KEYSLOT", "k"],
            &["ACL", "GETUSER", "v"],
            &["ACL", "DRYRUN", "u", "CLUSTER", "INFO"],
            &["ACL", "DRYRUN", "u", "CLUSTER", "NODES"],
            &["ACL", "DRYRUN", "v", "CLUSTER", "RESET"],
            // (SETSLOT's and FAILOVER's oneof names, and history /
            // deprecation notes, are not reproduced: see docs_hints in
            // introspection.rs for what redis-cli uses.)
            &["COMMAND", "DOCS", "cluster|addslotsrange", "cluster|keyslot", "cluster|reset", "cluster|info"],
            &["COMMAND", "INFO", "cluster|reset", "cluster|addslotsrange", "cluster|help", "readonly"],
            &["COMMAND", "GETKEYS", "CLUSTER", "INFO"],
        ] {
            log.push(raw(&mut c, acl));
        }
        let mut u = Conn::connect(port);
        log.push(raw(&mut u, &["AUTH", "u", "x"]));
        log.push(raw(&mut u, &["CLUSTER", "KEYSLOT", "k"]));
        log.push(raw(&mut u, &["CLUSTER", "MYID"]));
        log
    };
    let a = session(ours.port);
    let b = session(redis.port);
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "entry {i} differs (left: ours, right: redis-server)");
    }
    assert_eq!(a.len(), b.len());
}
