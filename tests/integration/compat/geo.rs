//! GEO commands for the compatibility stream: GEOADD (NX/XX/CH), GEOPOS,
//! GEODIST (units), GEOHASH, GEORADIUS/GEORADIUSBYMEMBER and their `_RO`
//! forms, GEOSEARCH and GEOSEARCHSTORE with every option (WITHCOORD,
//! WITHDIST, WITHHASH, COUNT [ANY], ASC/DESC, STORE/STOREDIST, BYBOX), and
//! ZADD of raw scores that are not geohashes. Points cluster around a few
//! centres (Sicily, the origin, both sides of the antimeridian, near the
//! poles) and often share exact positions, so searches find many points,
//! distances tie (the sort order of ties is Redis's qsort/pqsort), and the
//! neighbour boxes wrap and get pruned. Invalid coordinates, radii, units,
//! counts and option combinations are drawn too, for the error order.

use super::{Family, Gen, Step, arg};

pub struct Geo;

/// Centres points cluster around: (longitude, latitude).
const CENTRES: &[(f64, f64)] = &[
    (13.361389, 38.115556),
    (0.0, 0.0),
    (179.95, 0.5),
    (-179.95, -0.5),
    (2.35, 84.9),
    (-60.0, -84.95),
    (-122.42, 37.77),
];

/// A member: a small set so writes update and searches collide.
fn member(g: &mut Gen) -> String {
    if g.chance(3) {
        return g.pick(&["", "x y", "\u{e9}", "12345", "-7"]).into();
    }
    let pool = if g.chance(70) { 30 } else { 150 };
    format!("m{}", g.below(pool))
}

/// A member to search around: mostly one that is likely there.
fn centre_member(g: &mut Gen) -> String {
    if g.chance(90) { format!("m{}", g.below(30)) } else { member(g) }
}

/// A coordinate pair near a centre (or anywhere), as text.
fn near(g: &mut Gen) -> (String, String) {
    let (lon, lat) = match g.below(10) {
        0..=6 => {
            let (clon, clat) = CENTRES[g.below(CENTRES.len())];
            let spread = [0.001, 0.05, 1.0, 5.0][g.below(4)];
            let dlon = (g.rng.range(-1000, 1000) as f64) / 1000.0 * spread;
            let dlat = (g.rng.range(-1000, 1000) as f64) / 1000.0 * spread;
            ((clon + dlon).clamp(-180.0, 180.0), (clat + dlat).clamp(-85.05, 85.05))
        }
        7..=8 => {
            (g.rng.range(-180_000_000, 180_000_000) as f64 / 1e6, g.rng.range(-85_000_000, 85_000_000) as f64 / 1e6)
        }
        _ => {
            let edges = ["180", "-180", "0", "85.05112878", "-85.05112878", "179.9999999", "-179.9999999"];
            return (g.pick(&edges).into(), g.pick(&edges[2..5]).into());
        }
    };
    (format!("{lon:.6}"), format!("{lat:.6}"))
}

/// A coordinate pair, sometimes invalid or out of range.
fn lon_lat(g: &mut Gen) -> (String, String) {
    match g.below(100) {
        0..=1 => (g.pick(&["181", "-180.0000001", "1e300", "inf"]).into(), "0".into()),
        2..=3 => ("0".into(), g.pick(&["85.05112879", "-86", "90", "-inf"]).into()),
        4 => (g.pick(&["x", "", "nan", " 1", "1,5"]).into(), "1".into()),
        5 => ("1".into(), g.pick(&["x", "", "nan"]).into()),
        _ => near(g),
    }
}

fn unit(g: &mut Gen) -> &'static str {
    if g.chance(97) { g.pick(&["m", "km", "mi", "ft", "KM", "M", "Mi"]) } else { g.pick(&["yd", "", "kms"]) }
}

/// A radius (or box side) in any unit: zero, small, continental, invalid.
fn radius(g: &mut Gen) -> String {
    match g.below(40) {
        0 => "0".into(),
        1..=14 => (g.below(50_000) as f64 / 100.0).to_string(),
        15..=28 => (g.below(1_000_000) as f64 / 10.0).to_string(),
        29..=36 => g.below(20_000_000).to_string(),
        37 => g.pick(&["1e9", "40000000", "0.0001"]).into(),
        _ => g.pick(&["-1", "x", "", "inf", "-0"]).into(),
    }
}

fn count(g: &mut Gen) -> String {
    let most = if g.chance(70) { 8 } else { 100 };
    if g.chance(95) { (1 + g.below(most)).to_string() } else { g.pick(&["0", "-1", "x", "9223372036854775807"]).into() }
}

/// Reply and ordering options common to every search, in random order.
fn search_options(g: &mut Gen, args: &mut Vec<Vec<u8>>, with: bool) {
    let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
    if with {
        for o in ["WITHCOORD", "WITHDIST", "WITHHASH"] {
            if g.chance(35) {
                opts.push(cmd![o]);
            }
        }
    }
    if g.chance(45) {
        let mut c = cmd!["COUNT", count(g)];
        if g.chance(30) {
            c.push(arg("ANY"));
        }
        opts.push(c);
    } else if g.chance(4) {
        opts.push(cmd!["ANY"]);
    }
    if g.chance(50) {
        opts.push(cmd![g.pick(&["ASC", "DESC", "asc", "desc"])]);
    }
    if g.chance(2) {
        opts.push(cmd![g.pick(&["FOO", "COUNT", "WITHDISTS"])]);
    }
    while !opts.is_empty() {
        let i = g.below(opts.len());
        args.extend(opts.remove(i));
    }
}

/// FROMMEMBER/FROMLONLAT and BYRADIUS/BYBOX, sometimes missing or doubled.
fn search_shape(g: &mut Gen, args: &mut Vec<Vec<u8>>) {
    let mut parts: Vec<Vec<Vec<u8>>> = Vec::new();
    match g.below(20) {
        0 => {}
        1 => {
            let (lon, lat) = lon_lat(g);
            parts.push(cmd!["FROMMEMBER", member(g)]);
            parts.push(cmd!["FROMLONLAT", lon, lat]);
        }
        2..=9 => parts.push(cmd![g.pick(&["FROMMEMBER", "frommember"]), centre_member(g)]),
        _ => {
            let (lon, lat) = lon_lat(g);
            parts.push(cmd![g.pick(&["FROMLONLAT", "fromlonlat"]), lon, lat]);
        }
    }
    match g.below(20) {
        0 => {}
        1 => {
            parts.push(cmd!["BYRADIUS", radius(g), unit(g)]);
            parts.push(cmd!["BYBOX", radius(g), radius(g), unit(g)]);
        }
        2..=10 => parts.push(cmd![g.pick(&["BYRADIUS", "byradius"]), radius(g), unit(g)]),
        _ => parts.push(cmd![g.pick(&["BYBOX", "bybox"]), radius(g), radius(g), unit(g)]),
    }
    if g.chance(70) {
        args.extend(parts.into_iter().flatten());
    } else {
        parts.reverse();
        args.extend(parts.into_iter().flatten());
    }
}

/// A destination: rarely a key searches read from.
fn store_key(g: &mut Gen) -> String {
    if g.chance(95) { g.pick(&["dst", "dst2"]).into() } else { geo_key(g) }
}

/// The key: mostly one of a few keys reserved for points (so searches find
/// something), sometimes the shared key space (other types, WRONGTYPE).
fn geo_key(g: &mut Gen) -> String {
    if g.chance(85) { g.pick(&["geo:1", "geo:2"]).into() } else { g.key() }
}

impl Family for Geo {
    fn name(&self) -> &'static str {
        "geo"
    }

    fn weight(&self) -> u32 {
        15
    }

    fn step(&self, g: &mut Gen) -> Step {
        let key = geo_key(g);
        Step::exact(match g.below(100) {
            0..=24 => {
                let mut args = cmd!["GEOADD", key];
                for o in ["NX", "XX", "CH"] {
                    if g.chance(8) {
                        args.push(arg(o));
                    }
                }
                let most = if g.chance(80) { 5 } else { 25 };
                let n = 1 + g.below(most);
                let shared = near(g);
                let invalid_at = if g.chance(8) { g.below(n) } else { n };
                for i in 0..n {
                    // Points at exactly the same spot make distances tie.
                    let (lon, lat) = if i == invalid_at {
                        lon_lat(g)
                    } else if g.chance(30) {
                        shared.clone()
                    } else {
                        near(g)
                    };
                    args.extend(cmd![lon, lat, member(g)]);
                }
                if g.chance(2) {
                    args.pop();
                }
                args
            }
            25..=30 => {
                let mut args = cmd!["GEOPOS", key];
                for _ in 0..g.below(4) {
                    args.push(arg(member(g)));
                }
                args
            }
            31..=35 => {
                let mut args = cmd!["GEODIST", key, member(g), member(g)];
                match g.below(6) {
                    0..=2 => args.push(arg(unit(g))),
                    3 if g.chance(20) => args.extend(cmd![unit(g), "x"]),
                    _ => {}
                }
                args
            }
            36..=39 => {
                let mut args = cmd!["GEOHASH", key];
                for _ in 0..g.below(4) {
                    args.push(arg(member(g)));
                }
                args
            }
            40..=52 => {
                let name = g.pick(&["GEORADIUS", "GEORADIUS_RO", "georadius"]);
                let (lon, lat) = lon_lat(g);
                let mut args = cmd![name, key, lon, lat, radius(g), unit(g)];
                let with = g.chance(90);
                search_options(g, &mut args, with);
                if g.chance(15) {
                    args.extend(cmd![g.pick(&["STORE", "STOREDIST"]), store_key(g)]);
                }
                args
            }
            53..=62 => {
                let name = g.pick(&["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"]);
                let mut args = cmd![name, key, centre_member(g), radius(g), unit(g)];
                let with = g.chance(90);
                search_options(g, &mut args, with);
                if g.chance(15) {
                    args.extend(cmd![g.pick(&["STORE", "STOREDIST"]), store_key(g)]);
                }
                args
            }
            63..=79 => {
                let mut args = cmd!["GEOSEARCH", key];
                search_shape(g, &mut args);
                search_options(g, &mut args, true);
                args
            }
            80..=87 => {
                let mut args = cmd!["GEOSEARCHSTORE", store_key(g), key];
                search_shape(g, &mut args);
                let with = g.chance(5);
                search_options(g, &mut args, with);
                if g.chance(30) {
                    args.push(arg("STOREDIST"));
                }
                args
            }
            88..=90 => cmd!["ZRANGE", g.pick(&["dst", "dst2", "geo:1", "geo:2"]), "0", "-1", "WITHSCORES"],
            91..=92 => {
                let score = g.pick(&["-1", "1e20", "4503599627370496", "4503599627370495", "0", "inf", "3.5"]);
                cmd!["ZADD", key, score, member(g)]
            }
            93 => cmd!["DEL", g.pick(&["geo:1", "geo:2", "dst", "dst", "dst", "dst2"])],
            94 => cmd!["ZREM", key, member(g)],
            _ => match g.below(8) {
                0 => cmd!["GEOADD", key, "1", "2"],
                1 => cmd!["GEOPOS"],
                2 => cmd!["GEODIST", key, "a"],
                3 => cmd!["GEORADIUS", key, "1", "2", "3"],
                4 => cmd!["GEORADIUSBYMEMBER", key, "m1", "3"],
                5 => cmd!["GEOSEARCH", key, "FROMMEMBER", "m1"],
                6 => cmd!["GEOSEARCHSTORE", "dst", key, "BYRADIUS", "1", "km"],
                _ => cmd!["GEOHASH"],
            },
        })
    }
}
