use crate::common::*;
use std::time::Duration;

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

/// The command thread's CPU seconds (user + system) from INFO cpu.
fn main_thread_cpu(c: &mut Conn) -> f64 {
    ["used_cpu_sys_main_thread", "used_cpu_user_main_thread"]
        .iter()
        .map(|f| info_field(c, "cpu", f).parse::<f64>().unwrap())
        .sum()
}

/// After a burst of requests the command thread polls the sockets for a
/// few microseconds (`server::busy_poll`), then sleeps: an idle server
/// costs no CPU.
#[test]
fn idle_server_stops_polling_after_traffic() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    for i in 0..2000 {
        assert_eq!(c.cmd(&["SET", "k", &i.to_string()]), ok());
    }
    std::thread::sleep(Duration::from_millis(100));
    let before = main_thread_cpu(&mut c);
    std::thread::sleep(Duration::from_secs(2));
    let used = main_thread_cpu(&mut c) - before;
    assert!(used < 0.3, "the idle command thread used {used:.2} s of CPU in 2 s");
}

/// CLIENT LIST's `idle=` field of the client named `name`.
fn idle_of(c: &mut Conn, name: &str) -> u64 {
    let Reply::Bulk(list) = c.cmd(&["CLIENT", "LIST"]) else { panic!("CLIENT LIST") };
    let list = String::from_utf8_lossy(&list).into_owned();
    let line = list.lines().find(|l| l.contains(&format!(" name={name} "))).expect("the named client");
    let field = line.split(' ').find_map(|f| f.strip_prefix("idle=")).expect("idle=");
    field.parse().expect("a number")
}

#[test]
fn client_list_idle_counts_from_the_last_request() {
    let s = TestServer::start(&[]);
    let mut watched = s.conn();
    assert_eq!(watched.cmd(&["CLIENT", "SETNAME", "watched"]), ok());
    let mut other = s.conn();
    assert_eq!(idle_of(&mut other, "watched"), 0);
    // Other clients' commands do not count as the watched one's.
    std::thread::sleep(Duration::from_millis(1300));
    assert_eq!(other.cmd(&["PING"]), simple("PONG"));
    assert_eq!(idle_of(&mut other, "watched"), 1);
    assert_eq!(watched.cmd(&["PING"]), simple("PONG"));
    assert_eq!(idle_of(&mut other, "watched"), 0);
}
