use crate::common::*;

#[test]
fn hello_switches_protocol() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    let reply = c.cmd(&["HELLO", "3"]);
    let Reply::Map(pairs) = reply else { panic!("HELLO 3 answers a map, got {reply:?}") };
    assert_eq!(pairs[0], (bulk("server"), bulk("redis")));
    assert_eq!(pairs[1], (bulk("version"), bulk("7.0.15")));
    assert_eq!(pairs[2], (bulk("proto"), int(3)));
    assert_eq!(c.cmd(&["GET", "missing"]), Reply::Null);
    assert_eq!(c.cmd(&["HELLO", "4"]), err("NOPROTO unsupported protocol version"));
    assert_eq!(c.cmd(&["HELLO", "x"]), err("ERR Protocol version is not an integer or out of range"));
}

#[test]
fn requirepass_gates_commands() {
    let s = TestServer::start(&["--requirepass", "secret"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "a"]), err("NOAUTH Authentication required."));
    assert_eq!(c.cmd(&["AUTH", "wrong"]), err("WRONGPASS invalid username-password pair or user is disabled."));
    assert_eq!(c.cmd(&["AUTH", "secret"]), ok());
    assert_eq!(c.cmd(&["GET", "a"]), nil());
}
