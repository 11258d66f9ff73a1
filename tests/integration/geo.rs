//! GEO commands: exact replies (scores, positions, distances in every unit,
//! geohash strings) in RESP2 and RESP3 byte for byte, Redis's error texts
//! and their order, searches by radius and box with every option, STORE and
//! STOREDIST results, keyspace events, dirty counting, WATCH, COMMAND INFO
//! and GETKEYS; and, against a real redis-server, a fixed script of edge
//! cases and a seeded random stream focused on GEO.

use crate::common::*;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn conn(s: &TestServer, proto: u8) -> Conn {
    let mut c = s.conn();
    c.cmd(&["HELLO", &proto.to_string()]);
    c
}

/// The raw reply bytes of one command.
fn raw(c: &mut Conn, args: &[&str]) -> String {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    String::from_utf8(c.cmd_raw(&args).1).unwrap()
}

fn sicily(c: &mut Conn) {
    c.cmd(&["DEL", "Sicily"]);
    assert_eq!(
        c.cmd(&["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"]),
        int(2)
    );
}

fn dirty(c: &mut Conn) -> i64 {
    info_field(c, "persistence", "rdb_changes_since_last_save").parse().unwrap()
}

#[test]
fn geoadd_stores_redis_scores() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    sicily(&mut c);
    assert_eq!(c.cmd(&["ZSCORE", "Sicily", "Palermo"]), bulk("3479099956230698"));
    assert_eq!(c.cmd(&["ZSCORE", "Sicily", "Catania"]), bulk("3479447370796909"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "Sicily"]), bulk("listpack"));
    // Options: NX, XX, CH, as ZADD counts them.
    assert_eq!(c.cmd(&["GEOADD", "Sicily", "13.5", "38", "Palermo"]), int(0));
    assert_eq!(c.cmd(&["GEOADD", "Sicily", "CH", "13.6", "38", "Palermo"]), int(1));
    assert_eq!(c.cmd(&["GEOADD", "Sicily", "NX", "13.7", "38", "Palermo", "14", "37", "Ragusa"]), int(1));
    assert_eq!(c.cmd(&["GEOADD", "Sicily", "XX", "CH", "13.361389", "38.115556", "Palermo", "1", "1", "X"]), int(1));
    assert_eq!(c.cmd(&["ZSCORE", "Sicily", "Palermo"]), bulk("3479099956230698"));
    assert_eq!(c.cmd(&["ZCARD", "Sicily"]), int(3));
    // Limits and errors, in Redis's order.
    assert_eq!(
        c.cmd(&["GEOADD", "k", "181", "0", "m"]),
        err("ERR invalid longitude,latitude pair 181.000000,0.000000")
    );
    assert_eq!(
        c.cmd(&["GEOADD", "k", "0", "-85.06", "m"]),
        err("ERR invalid longitude,latitude pair 0.000000,-85.060000")
    );
    assert_eq!(c.cmd(&["GEOADD", "k", "x", "0", "m"]), err("ERR value is not a valid float"));
    assert_eq!(c.cmd(&["GEOADD", "k", "NX", "XX", "1", "1", "m"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["GEOADD", "k", "1", "1", "m", "2"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["GEOADD", "k", "CH", "CH", "CH"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["GEOADD", "k", "1", "1"]), err("ERR wrong number of arguments for 'geoadd' command"));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    c.cmd(&["SET", "str", "x"]);
    assert_eq!(c.cmd(&["GEOADD", "str", "1", "1", "m"]), err(WRONGTYPE));
    assert_eq!(
        c.cmd(&["GEOADD", "str", "181", "1", "m"]),
        err("ERR invalid longitude,latitude pair 181.000000,1.000000")
    );
    // The limits themselves are valid.
    assert_eq!(c.cmd(&["GEOADD", "edge", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw"]), int(2));
}

#[test]
fn positions_hashes_and_distances_in_both_protocols() {
    let s = TestServer::start(&[]);
    for proto in [2u8, 3] {
        let mut c = conn(&s, proto);
        sicily(&mut c);
        let (lon, lat) = ("13.36138933897018433", "38.11555639549629859");
        let coord = |v: &str| if proto == 3 { format!(",{v}\r\n") } else { format!("${}\r\n{v}\r\n", v.len()) };
        let null_array = if proto == 3 { "_\r\n" } else { "*-1\r\n" };
        let null = if proto == 3 { "_\r\n" } else { "$-1\r\n" };
        assert_eq!(
            raw(&mut c, &["GEOPOS", "Sicily", "Palermo", "nope"]),
            format!("*2\r\n*2\r\n{}{}{null_array}", coord(lon), coord(lat))
        );
        assert_eq!(raw(&mut c, &["GEOPOS", "nokey", "a"]), format!("*1\r\n{null_array}"));
        assert_eq!(raw(&mut c, &["GEOPOS", "Sicily"]), "*0\r\n");
        assert_eq!(raw(&mut c, &["GEOHASH", "Sicily", "Palermo", "Catania", "nope"]), {
            format!("*3\r\n$11\r\nsqc8b49rny0\r\n$11\r\nsqdtr74hyu0\r\n{null}")
        });
        assert_eq!(raw(&mut c, &["GEODIST", "Sicily", "Palermo", "Catania"]), "$11\r\n166274.1516\r\n");
        assert_eq!(raw(&mut c, &["GEODIST", "Sicily", "Palermo", "Catania", "km"]), "$8\r\n166.2742\r\n");
        assert_eq!(raw(&mut c, &["GEODIST", "Sicily", "Palermo", "Catania", "MI"]), "$8\r\n103.3182\r\n");
        assert_eq!(raw(&mut c, &["GEODIST", "Sicily", "Palermo", "Catania", "ft"]), "$11\r\n545518.8700\r\n");
        assert_eq!(raw(&mut c, &["GEODIST", "Sicily", "Palermo", "Palermo"]), "$6\r\n0.0000\r\n");
        assert_eq!(raw(&mut c, &["GEODIST", "Sicily", "Palermo", "nope"]), null);
        assert_eq!(raw(&mut c, &["GEODIST", "nokey", "a", "b"]), null);
        assert_eq!(
            c.cmd(&["GEODIST", "Sicily", "Palermo", "Catania", "yd"]),
            err("ERR unsupported unit provided. please use M, KM, FT, MI")
        );
        assert_eq!(c.cmd(&["GEODIST", "Sicily", "Palermo", "Catania", "km", "x"]), err("ERR syntax error"));
        // The unit is checked before the key.
        c.cmd(&["SET", "str", "x"]);
        assert_eq!(
            c.cmd(&["GEODIST", "str", "a", "b", "yd"]),
            err("ERR unsupported unit provided. please use M, KM, FT, MI")
        );
        assert_eq!(c.cmd(&["GEODIST", "str", "a", "b"]), err(WRONGTYPE));
        assert_eq!(c.cmd(&["GEOPOS", "str", "a"]), err(WRONGTYPE));
        assert_eq!(c.cmd(&["GEOHASH", "str", "a"]), err(WRONGTYPE));
        // Scores that are not geohashes decode the way Redis's casts do.
        c.cmd(&["ZADD", "Sicily", "-1", "neg", "1e30", "big"]);
        assert_eq!(
            raw(&mut c, &["GEOPOS", "Sicily", "neg"]),
            format!("*1\r\n*2\r\n{}{}", coord("180"), coord("85.0511287799999991"))
        );
        assert_eq!(raw(&mut c, &["GEOHASH", "Sicily", "big"]), "*1\r\n$11\r\n00bh0hbj200\r\n");
    }
}

#[test]
fn radius_searches_with_options() {
    let s = TestServer::start(&[]);
    for proto in [2u8, 3] {
        let mut c = conn(&s, proto);
        sicily(&mut c);
        let coord = |v: &str| if proto == 3 { format!(",{v}\r\n") } else { format!("${}\r\n{v}\r\n", v.len()) };
        assert_eq!(
            raw(&mut c, &["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH"]),
            format!(
                "*2\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n{}{}*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n{}{}",
                coord("13.36138933897018433"),
                coord("38.11555639549629859"),
                coord("15.08726745843887329"),
                coord("37.50266842333162032")
            )
        );
        assert_eq!(c.cmd(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "ASC"]), bulks(&["Catania", "Palermo"]));
        assert_eq!(c.cmd(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "DESC"]), bulks(&["Palermo", "Catania"]));
        assert_eq!(c.cmd(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1"]), bulks(&["Catania"]));
        assert_eq!(c.cmd(&["GEORADIUS", "Sicily", "15", "37", "100", "km"]), bulks(&["Catania"]));
        assert_eq!(c.cmd(&["GEORADIUS", "Sicily", "15", "37", "1", "m"]), arr(vec![]));
        assert_eq!(
            c.cmd(&["GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "WITHDIST"]),
            arr(vec![arr(vec![bulk("Palermo"), bulk("0.0000")]), arr(vec![bulk("Catania"), bulk("166.2742")])])
        );
        assert_eq!(c.cmd(&["GEORADIUSBYMEMBER_RO", "Sicily", "Catania", "100", "km"]), bulks(&["Catania"]));
        assert_eq!(
            c.cmd(&["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC", "WITHDIST"]),
            arr(vec![arr(vec![bulk("Catania"), bulk("56.4413")]), arr(vec![bulk("Palermo"), bulk("190.4424")])])
        );
        assert_eq!(
            c.cmd(&["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "100", "mi"]),
            bulks(&["Palermo"])
        );
        // A missing key answers an empty array, whatever the member.
        assert_eq!(c.cmd(&["GEORADIUSBYMEMBER", "nokey", "nope", "-1", "km"]), arr(vec![]));
        assert_eq!(c.cmd(&["GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km"]), arr(vec![]));
    }
}

#[test]
fn search_errors_in_redis_order() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    sicily(&mut c);
    let e = |c: &mut Conn, args: &[&str], want: &str| assert_eq!(c.cmd(args), err(want), "{args:?}");
    e(
        &mut c,
        &["GEORADIUS", "Sicily", "15", "100", "1", "km"],
        "ERR invalid longitude,latitude pair 15.000000,100.000000",
    );
    e(&mut c, &["GEORADIUS", "Sicily", "15", "37", "x", "km"], "ERR need numeric radius");
    e(&mut c, &["GEORADIUS", "Sicily", "15", "37", "-1", "km"], "ERR radius cannot be negative");
    e(
        &mut c,
        &["GEORADIUS", "Sicily", "15", "37", "1", "yd"],
        "ERR unsupported unit provided. please use M, KM, FT, MI",
    );
    e(&mut c, &["GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT", "0"], "ERR COUNT must be > 0");
    e(
        &mut c,
        &["GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT", "x"],
        "ERR value is not an integer or out of range",
    );
    e(&mut c, &["GEORADIUS", "Sicily", "15", "37", "1", "km", "ANY"], "ERR the ANY argument requires COUNT argument");
    e(&mut c, &["GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT"], "ERR syntax error");
    e(
        &mut c,
        &["GEORADIUS", "Sicily", "15", "37", "1", "km", "STORE", "d", "WITHDIST"],
        "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
    );
    e(&mut c, &["GEORADIUS_RO", "Sicily", "15", "37", "1", "km", "STORE", "d"], "ERR syntax error");
    e(&mut c, &["GEORADIUSBYMEMBER", "Sicily", "nope", "1", "km"], "ERR could not decode requested zset member");
    e(
        &mut c,
        &["GEOSEARCH", "Sicily", "BYRADIUS", "1", "km", "ASC", "DESC"],
        "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH",
    );
    e(
        &mut c,
        &["geosearch", "Sicily", "FROMLONLAT", "1", "1", "ASC", "WITHDIST"],
        "ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch",
    );
    e(
        &mut c,
        &["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"],
        "ERR syntax error",
    );
    e(
        &mut c,
        &["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"],
        "ERR syntax error",
    );
    e(
        &mut c,
        &["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "-1", "1", "km"],
        "ERR height or width cannot be negative",
    );
    e(&mut c, &["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "x", "1", "km"], "ERR need numeric width");
    e(&mut c, &["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "x", "km"], "ERR need numeric height");
    e(&mut c, &["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STOREDIST"], "ERR syntax error");
    e(
        &mut c,
        &["GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"],
        "ERR could not decode requested zset member",
    );
    e(
        &mut c,
        &["GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "WITHHASH"],
        "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
    );
    c.cmd(&["SET", "str", "x"]);
    e(&mut c, &["GEORADIUS", "str", "15", "100", "1", "km"], WRONGTYPE);
    e(&mut c, &["GEOSEARCHSTORE", "d", "str", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"], WRONGTYPE);
}

#[test]
fn store_and_storedist_results() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    sicily(&mut c);
    c.cmd(&["SET", "dst", "old"]);
    c.cmd(&["EXPIRE", "dst", "100"]);
    assert_eq!(c.cmd(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"]), int(2));
    assert_eq!(
        c.cmd(&["ZRANGE", "dst", "0", "-1", "WITHSCORES"]),
        bulks(&["Palermo", "3479099956230698", "Catania", "3479447370796909"])
    );
    assert_eq!(c.cmd(&["TTL", "dst"]), int(-1));
    assert_eq!(c.cmd(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "dst", "COUNT", "1"]), int(1));
    assert_eq!(c.cmd(&["ZRANGE", "dst", "0", "-1", "WITHSCORES"]), bulks(&["Catania", "56.441257870158204"]));
    assert_eq!(
        c.cmd(&["GEOSEARCHSTORE", "dst", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "STOREDIST"]),
        int(2)
    );
    assert_eq!(
        c.cmd(&["ZRANGE", "dst", "0", "-1", "WITHSCORES"]),
        bulks(&["Palermo", "0", "Catania", "166.27415156960032"])
    );
    // Nothing found, or no source: the destination is deleted.
    assert_eq!(c.cmd(&["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "dst"]), int(0));
    c.cmd(&["SET", "dst", "x"]);
    assert_eq!(c.cmd(&["GEORADIUSBYMEMBER", "nokey", "m", "1", "km", "STORE", "dst"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "dst"]), int(0));
    // Dirty: one per stored member, one for a deletion, none otherwise.
    let before = dirty(&mut c);
    c.cmd(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"]);
    assert_eq!(dirty(&mut c) - before, 2);
    c.cmd(&["GEORADIUS", "Sicily", "15", "37", "1", "m", "STORE", "dst"]);
    assert_eq!(dirty(&mut c) - before, 3);
    c.cmd(&["GEORADIUS", "Sicily", "15", "37", "1", "m", "STORE", "dst"]);
    c.cmd(&["GEORADIUS", "Sicily", "15", "37", "200", "km"]);
    assert_eq!(dirty(&mut c) - before, 3);
    c.cmd(&["GEOADD", "Sicily", "CH", "13.361389", "38.115556", "Palermo", "1", "1", "New"]);
    assert_eq!(dirty(&mut c) - before, 4);
}

#[test]
fn keyspace_events() {
    let s = TestServer::start(&[]);
    let got = crate::notify::events(
        &s,
        "KEA",
        &[
            &["GEOADD", "g", "13.361389", "38.115556", "Palermo"],
            &["GEOADD", "g", "13.361389", "38.115556", "Palermo"],
            &["GEORADIUS", "g", "13", "38", "100", "km", "STORE", "d1"],
            &["GEOSEARCHSTORE", "d2", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"],
            &["GEOSEARCHSTORE", "d2", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
        ],
    );
    assert_eq!(
        got,
        [
            "__keyspace@0__:g zadd",
            "__keyevent@0__:zadd g",
            "__keyspace@0__:d1 georadiusstore",
            "__keyevent@0__:georadiusstore d1",
            "__keyspace@0__:d2 geosearchstore",
            "__keyevent@0__:geosearchstore d2",
            "__keyspace@0__:d2 del",
            "__keyevent@0__:del d2",
        ]
    );
}

#[test]
fn watch_sees_stores() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    sicily(&mut c);
    c.cmd(&["WATCH", "dst"]);
    let mut other = s.conn();
    other.cmd(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"]);
    c.cmd(&["MULTI"]);
    c.cmd(&["PING"]);
    assert_eq!(c.cmd(&["EXEC"]), Reply::NullArray);
    // A search without STORE modifies nothing.
    c.cmd(&["WATCH", "Sicily"]);
    other.cmd(&["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"]);
    c.cmd(&["MULTI"]);
    c.cmd(&["PING"]);
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![simple("PONG")]));
}

#[test]
fn getkeys_and_flags() {
    let s = TestServer::start(&[]);
    let mut c = s.conn();
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "10", "km", "STORE", "d1", "STOREDIST", "d2"]),
        bulks(&["k", "d1", "d2"])
    );
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "GEORADIUSBYMEMBER", "k", "m", "10", "km"]), bulks(&["k"]));
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "km"]),
        bulks(&["d", "s"])
    );
    let Reply::Array(info) = c.cmd(&["COMMAND", "INFO", "georadius"]) else { panic!() };
    let Reply::Array(entry) = &info[0] else { panic!() };
    assert_eq!(entry[1], int(-6));
    let (Reply::Array(flags) | Reply::Set(flags)) = &entry[2] else { panic!() };
    assert_eq!(flags, &vec![simple("write"), simple("denyoom"), simple("movablekeys")]);
}

/// Edge cases compared with redis-server byte for byte, in both protocols:
/// poles, the antimeridian, huge radii, ties, COUNT with ANY.
#[test]
#[ignore = "needs redis-server"]
fn edge_cases_match_real_redis() {
    let real = RealRedis::start(&[]);
    let ours = TestServer::start(&[]);
    let script: &[&[&str]] = &[
        &["GEOADD", "p", "-180", "0", "a", "180", "0", "b", "0", "85.05112878", "c", "0", "-85.05112878", "d"],
        &["GEOADD", "p", "179.9999", "0", "e", "-179.9999", "0", "f", "179.5", "0.5", "g", "-179.5", "-0.5", "h"],
        &["GEOADD", "p", "10", "10", "t1", "10", "10", "t2", "10", "10", "t3", "10", "10", "t0", "10.0001", "10", "u"],
        &["GEOPOS", "p", "a", "b", "c", "d", "e", "f", "g", "h"],
        &["GEOHASH", "p", "a", "b", "c", "d", "e", "f", "g", "h"],
        &["GEORADIUS", "p", "180", "0", "100", "km", "WITHDIST", "WITHCOORD", "WITHHASH"],
        &["GEORADIUS", "p", "-180", "0", "100", "km", "WITHDIST", "ASC"],
        &["GEORADIUS", "p", "0", "85", "1000", "km", "WITHDIST", "WITHCOORD"],
        &["GEORADIUS", "p", "0", "-85", "1000", "km", "WITHDIST"],
        &["GEORADIUS", "p", "0", "0", "20000", "km", "WITHDIST", "DESC"],
        &["GEORADIUS", "p", "0", "0", "20000", "km", "COUNT", "3", "ANY"],
        &["GEORADIUS", "p", "10", "10", "1", "km", "ASC"],
        &["GEORADIUS", "p", "10", "10", "1", "km", "DESC"],
        &["GEORADIUS", "p", "10", "10", "1", "km", "COUNT", "2"],
        &["GEORADIUS", "p", "10", "10", "1", "km", "COUNT", "2", "DESC"],
        &["GEORADIUS", "p", "10", "10", "1", "km", "COUNT", "2", "ANY"],
        &["GEOSEARCH", "p", "FROMLONLAT", "0", "0", "BYBOX", "40000", "40000", "km", "WITHDIST"],
        &["GEOSEARCH", "p", "FROMLONLAT", "179.9", "0", "BYBOX", "100", "100", "km", "WITHDIST"],
        &["GEOSEARCH", "p", "FROMMEMBER", "c", "BYBOX", "500", "50", "mi", "WITHCOORD"],
        &["GEOSEARCH", "p", "FROMMEMBER", "t1", "BYRADIUS", "0", "m", "WITHHASH"],
        &["GEOSEARCHSTORE", "s", "p", "FROMMEMBER", "t1", "BYRADIUS", "20", "m", "STOREDIST"],
        &["ZRANGE", "s", "0", "-1", "WITHSCORES"],
        &["GEORADIUS", "p", "10", "10", "5000", "km", "STOREDIST", "s", "COUNT", "4", "DESC"],
        &["ZRANGE", "s", "0", "-1", "WITHSCORES"],
        &["ZADD", "p", "-1", "neg", "1e30", "big", "inf", "inf", "4503599627370496", "two52"],
        &["GEOPOS", "p", "neg", "big", "inf", "two52"],
        &["GEOHASH", "p", "neg", "big", "inf", "two52"],
        &["GEODIST", "p", "neg", "big", "km"],
        &["GEORADIUS", "p", "180", "85", "10", "km", "WITHCOORD", "WITHHASH"],
        &["GEOADD", "k", "1e300", "0", "m"],
        &["GEOADD", "k", "-inf", "0", "m"],
    ];
    for resp3 in [false, true] {
        let (mut r, mut o) = (real.conn(), ours.conn());
        r.cmd(&["FLUSHALL"]);
        o.cmd(&["FLUSHALL"]);
        if resp3 {
            r.cmd(&["HELLO", "3"]);
            o.cmd(&["HELLO", "3"]);
        }
        for args in script {
            let a: Vec<&[u8]> = args.iter().map(|x| x.as_bytes()).collect();
            let want = r.cmd_raw(&a).1;
            let got = o.cmd_raw(&a).1;
            assert_eq!(escape(&got), escape(&want), "{args:?} (resp3: {resp3})");
        }
    }
}

/// The GEO-focused compatibility stream: ≥ 10,000 GEO commands among key
/// and string commands on the same keys (see `compat.rs`).
fn geo_stream(seed: u64, resp3: bool) {
    let families = crate::compat::reweighted(&[("geo", 80), ("keys", 10), ("strings", 10)]);
    crate::compat::run_stream(
        families,
        env_u64("COMPAT_SEED", seed),
        env_u64("COMPAT_COMMANDS", 14_000) as usize,
        resp3,
    );
}

#[test]
#[ignore = "needs redis-server"]
fn compat_geo_stream_resp2() {
    geo_stream(0x6e0_0002, false);
}

#[test]
#[ignore = "needs redis-server"]
fn compat_geo_stream_resp3() {
    geo_stream(0x6e0_0003, true);
}
