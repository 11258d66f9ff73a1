use crate::common::*;

#[test]
fn set_get_del_round_trip() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(c.cmd(&["SET", "k", "w", "GET"]), bulk("v"));
    assert_eq!(c.cmd(&["DEL", "k", "nope"]), int(1));
    assert_eq!(c.cmd(&["GET", "k"]), nil());
}
