//! GEO commands: GEOADD, GEOPOS, GEODIST, GEOHASH, GEORADIUS,
//! GEORADIUSBYMEMBER (and their `_RO` forms), GEOSEARCH, GEOSEARCHSTORE,
//! as Redis 7.0's `geo.c`. A GEO value is a plain sorted set whose scores
//! are 52-bit geohashes (`types::geo`); GEOADD rewrites itself into ZADD and
//! runs ZADD's handler (its events, dirty counting and replies), searches
//! read score ranges through the sorted-set API and build stored results as
//! sorted sets. Argument checks happen in Redis's order, so the same bad
//! command gets the same error. Imports the keyspace, `types::geo`,
//! `types::zset`, `util` and the sorted-set handler ZADD.

use std::cmp::Ordering;

use bytes::Bytes;

use super::args::{float, int, is};
use super::flags::*;
use super::hash::zset_limits;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::config::notify as N;
use crate::keyspace::{Access, CompactBytes, Db, Ttl, Value};
use crate::protocol::ReplyWriter;
use crate::types::geo::{self, Shape, ShapeKind};
use crate::types::zset::{ScoreRange, ZSet};
use crate::util::csort;

const G: Group = Group::Geo;

const RADIUS_COMPLEXITY: &str = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.";
const SEARCH_COMPLEXITY: &str = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape";

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("geoadd", -5, WRITE | DENYOOM, G, geoadd).keys(1, 1, 1).doc(
        "3.2.0",
        "Add one or more geospatial items in the geospatial index represented using a sorted set",
        "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        "key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]",
    ),
    CommandSpec::new("geodist", -4, READONLY, G, geodist).keys(1, 1, 1).doc(
        "3.2.0",
        "Returns the distance between two members of a geospatial index",
        "O(log(N))",
        "key member1 member2 [M | KM | FT | MI]",
    ),
    CommandSpec::new("geohash", -2, READONLY, G, geohash).keys(1, 1, 1).doc(
        "3.2.0",
        "Returns members of a geospatial index as standard geohash strings",
        "O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
        "key member [member ...]",
    ),
    CommandSpec::new("geopos", -2, READONLY, G, geopos).keys(1, 1, 1).doc(
        "3.2.0",
        "Returns longitude and latitude of members of a geospatial index",
        "O(N) where N is the number of members requested.",
        "key member [member ...]",
    ),
    CommandSpec::new("georadius", -6, WRITE | DENYOOM, G, georadius).keys(1, 1, 1).getkeys(radius_keys::<6>).doc(
        "3.2.0",
        "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point",
        RADIUS_COMPLEXITY,
        "key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key] [STOREDIST key]",
    ),
    CommandSpec::new("georadius_ro", -6, READONLY, G, georadius_ro).keys(1, 1, 1).doc(
        "3.2.10",
        "A read-only variant for GEORADIUS",
        RADIUS_COMPLEXITY,
        "key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]",
    ),
    CommandSpec::new("georadiusbymember", -5, WRITE | DENYOOM, G, georadiusbymember)
        .keys(1, 1, 1)
        .getkeys(radius_keys::<5>)
        .doc(
            "3.2.0",
            "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member",
            RADIUS_COMPLEXITY,
            "key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key] [STOREDIST key]",
        ),
    CommandSpec::new("georadiusbymember_ro", -5, READONLY, G, georadiusbymember_ro).keys(1, 1, 1).doc(
        "3.2.10",
        "A read-only variant for GEORADIUSBYMEMBER",
        RADIUS_COMPLEXITY,
        "key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]",
    ),
    CommandSpec::new("geosearch", -7, READONLY, G, geosearch).keys(1, 1, 1).doc(
        "6.2.0",
        "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
        SEARCH_COMPLEXITY,
        "key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]",
    ),
    CommandSpec::new("geosearchstore", -8, WRITE | DENYOOM, G, geosearchstore).keys(1, 2, 1).doc(
        "6.2.0",
        "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.",
        SEARCH_COMPLEXITY,
        "destination source <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [STOREDIST]",
    ),
];

/// Keys of GEORADIUS (`FROM` = 6) and GEORADIUSBYMEMBER (`FROM` = 5), as
/// their key specs find them: the source, then the key after the first
/// `STORE` and the key after the first `STOREDIST` at or after `FROM`.
fn radius_keys<const FROM: usize>(args: &[Bytes]) -> Vec<usize> {
    let mut keys = vec![1];
    for kw in ["store", "storedist"] {
        let end = args.len().saturating_sub(1);
        if let Some(i) = (FROM..end).find(|&i| is(&args[i], kw)) {
            keys.push(i + 1);
        }
    }
    keys
}

// ---------------------------------------------------------------------------
// Argument helpers.

fn read<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut ZSet>, CmdError> {
    match db.lookup(key, now, Access::Read) {
        None => Ok(None),
        Some(e) => match &mut e.value {
            Value::ZSet(z) => Ok(Some(z)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// Longitude and latitude from two arguments (`extractLongLatOrReply`).
fn lon_lat(args: &[Bytes]) -> Result<[f64; 2], CmdError> {
    let lon = float(&args[0])?;
    let lat = float(&args[1])?;
    if !geo::valid_lon_lat(lon, lat) {
        return Err(CmdError::err(format!("invalid longitude,latitude pair {lon:.6},{lat:.6}")));
    }
    Ok([lon, lat])
}

/// Meters per unit (`extractUnitOrReply`).
fn unit(arg: &[u8]) -> Result<f64, CmdError> {
    if is(arg, "m") {
        Ok(1.0)
    } else if is(arg, "km") {
        Ok(1000.0)
    } else if is(arg, "ft") {
        Ok(0.3048)
    } else if is(arg, "mi") {
        Ok(1609.34)
    } else {
        Err(CmdError::err("unsupported unit provided. please use M, KM, FT, MI"))
    }
}

/// `radius unit` (`extractDistanceOrReply`): the radius and meters per unit.
fn radius_arg(args: &[Bytes]) -> Result<(f64, f64), CmdError> {
    let r = crate::util::number::parse_f64(&args[0]).ok_or_else(|| CmdError::err("need numeric radius"))?;
    if r < 0.0 {
        return Err(CmdError::err("radius cannot be negative"));
    }
    Ok((r, unit(&args[1])?))
}

/// `width height unit` (`extractBoxOrReply`).
fn box_arg(args: &[Bytes]) -> Result<(f64, f64, f64), CmdError> {
    let parse = |a: &[u8], what: &str| {
        crate::util::number::parse_f64(a).ok_or_else(|| CmdError::err(format!("need numeric {what}")))
    };
    let w = parse(&args[0], "width")?;
    let h = parse(&args[1], "height")?;
    if h < 0.0 || w < 0.0 {
        return Err(CmdError::err("height or width cannot be negative"));
    }
    Ok((w, h, unit(&args[2])?))
}

/// A member's position (`longLatFromMember`).
fn member_pos(z: &ZSet, member: &[u8]) -> Option<[f64; 2]> {
    z.score(member).and_then(geo::decode_score)
}

/// A coordinate: a RESP3 double or a bulk string, in Redis's human format.
fn coord(out: &mut ReplyWriter, d: f64) {
    let text = geo::format_coord(d);
    if out.is_resp3() {
        let mut line = Vec::with_capacity(text.len() + 3);
        line.push(b',');
        line.extend_from_slice(text.as_bytes());
        line.extend_from_slice(b"\r\n");
        out.raw(&line);
    } else {
        out.bulk(text.as_bytes());
    }
}

// ---------------------------------------------------------------------------
// GEOADD, GEOPOS, GEODIST, GEOHASH.

/// GEOADD key [NX|XX] [CH] lon lat member ...: checked here, then run as
/// `ZADD key [options] score member ...`, as Redis rewrites it.
fn geoadd(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (mut nx, mut xx) = (false, false);
    let mut at = 2;
    while at < args.len() {
        let o = &args[at];
        if is(o, "nx") {
            nx = true;
        } else if is(o, "xx") {
            xx = true;
        } else if !is(o, "ch") {
            break;
        }
        at += 1;
    }
    if !(args.len() - at).is_multiple_of(3) || (xx && nx) {
        return Err(CmdError::Syntax);
    }
    let mut zargs: Vec<Bytes> = Vec::with_capacity(at + (args.len() - at) / 3 * 2);
    zargs.push(Bytes::from_static(b"zadd"));
    zargs.extend_from_slice(&args[1..at]);
    for triple in args[at..].chunks(3) {
        let [lon, lat] = lon_lat(triple)?;
        let score = geo::score_of(lon, lat).unwrap_or(0);
        zargs.push(Bytes::from(score.to_string()));
        zargs.push(triple[2].clone());
    }
    super::zset::zadd_generic(ctx, &zargs, false)
}

fn geopos(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let z = read(db, &args[1], now)?;
    out.array(args.len() - 2);
    for m in &args[2..] {
        match z.as_ref().and_then(|z| member_pos(z, m)) {
            Some([lon, lat]) => {
                out.array(2);
                coord(out, lon);
                coord(out, lat);
            }
            None => out.null_array(),
        }
    }
    Ok(())
}

fn geohash(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let z = read(db, &args[1], now)?;
    out.array(args.len() - 2);
    for m in &args[2..] {
        match z.as_ref().and_then(|z| z.score(m)).and_then(geo::standard_geohash) {
            Some(h) => out.bulk(&h),
            None => out.null(),
        }
    }
    Ok(())
}

fn geodist(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let to_meter = match args.len() {
        5 => unit(&args[4])?,
        n if n > 5 => return Err(CmdError::Syntax),
        _ => 1.0,
    };
    let now = ctx.now();
    let (db, out) = ctx.db_out();
    let Some(z) = read(db, &args[1], now)? else {
        out.null();
        return Ok(());
    };
    let (Some(s1), Some(s2)) = (z.score(&args[2]), z.score(&args[3])) else {
        out.null();
        return Ok(());
    };
    match (geo::decode_score(s1), geo::decode_score(s2)) {
        (Some([x1, y1]), Some([x2, y2])) => {
            out.bulk(geo::format_distance(geo::distance(x1, y1, x2, y2) / to_meter).as_bytes())
        }
        _ => out.null(),
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// GEORADIUS, GEORADIUSBYMEMBER, GEOSEARCH, GEOSEARCHSTORE.

/// Which command is searching (Redis's `RADIUS_*`/`GEOSEARCH*` flags).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// GEORADIUS[_RO]: `key lon lat radius unit`.
    Coords { store: bool },
    /// GEORADIUSBYMEMBER[_RO]: `key member radius unit`.
    Member { store: bool },
    /// GEOSEARCH / GEOSEARCHSTORE: `[dest] key FROM... BY...`.
    Search { store: bool },
}

#[derive(Clone, Copy, PartialEq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// One point found by a search.
#[derive(Clone)]
struct Found {
    member: CompactBytes,
    score: f64,
    xy: [f64; 2],
    dist: f64,
}

/// The points of the zset inside `shape`, box by box in Redis's order
/// (`membersOfAllNeighbors`); stops once `limit` (if not 0) are found.
fn search(z: &ZSet, shape: &Shape, limit: usize) -> Vec<Found> {
    let boxes = shape.search_boxes();
    let mut found = Vec::new();
    // The box searched last, by index; 0 (the centre) never counts as a
    // repeat, as in Redis.
    let mut last = 0;
    for (i, b) in boxes.iter().enumerate() {
        if b.is_zero() || (last != 0 && boxes[last] == *b) {
            continue;
        }
        if !found.is_empty() && limit != 0 && found.len() >= limit {
            break;
        }
        let (min, max) = geo::box_score_range(*b);
        let range = ScoreRange { min: min as f64, max: max as f64, minex: false, maxex: true };
        let (start, end) = z.score_ranks(&range);
        let mut full = false;
        z.range(start, end, false, |e, score| {
            if full {
                return;
            }
            if let Some((xy, dist)) = shape.locate(score) {
                found.push(Found { member: e.to_compact(), score, xy, dist });
            }
            full = limit != 0 && found.len() >= limit;
        });
        last = i;
    }
    found
}

/// C's comparison of two distances (`sort_gp_asc`).
fn by_distance(a: &Found, b: &Found) -> Ordering {
    if a.dist > b.dist {
        Ordering::Greater
    } else if a.dist == b.dist {
        Ordering::Equal
    } else {
        Ordering::Less
    }
}

/// Redis's `georadiusGeneric`. `src` is the index of the source key.
fn radius_generic(ctx: &mut Ctx, args: &[Bytes], src: usize, kind: Kind) -> CmdResult {
    let now = ctx.now();
    let db = &mut ctx.srv.keyspace.dbs[ctx.client.db];
    let z = read(db, &args[src], now)?.map(|z| &*z);
    let mut store_key: Option<&Bytes> = None;
    let mut storedist = false;
    let mut center = [0.0; 2];
    let mut shape_kind = None;
    let mut conversion = 0.0;
    let base = match kind {
        Kind::Coords { .. } => {
            center = lon_lat(&args[2..4])?;
            let (r, conv) = radius_arg(&args[4..6])?;
            shape_kind = Some(ShapeKind::Radius(r));
            conversion = conv;
            6
        }
        Kind::Member { .. } => {
            if let Some(z) = z {
                center =
                    member_pos(z, &args[2]).ok_or_else(|| CmdError::err("could not decode requested zset member"))?;
                let (r, conv) = radius_arg(&args[3..5])?;
                shape_kind = Some(ShapeKind::Radius(r));
                conversion = conv;
            }
            5
        }
        Kind::Search { store } => {
            if store {
                store_key = Some(&args[1]);
                3
            } else {
                2
            }
        }
    };
    let may_store = matches!(kind, Kind::Coords { store: true } | Kind::Member { store: true });
    let searching = matches!(kind, Kind::Search { .. });
    let (mut withdist, mut withhash, mut withcoords) = (false, false, false);
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort = Sort::None;
    let mut any = false;
    let mut count: i64 = 0;
    let rest = &args[base.min(args.len())..];
    let remaining = rest.len();
    let mut i = 0;
    while i < remaining {
        let a = &rest[i];
        if is(a, "withdist") {
            withdist = true;
        } else if is(a, "withhash") {
            withhash = true;
        } else if is(a, "withcoord") {
            withcoords = true;
        } else if is(a, "any") {
            any = true;
        } else if is(a, "asc") {
            sort = Sort::Asc;
        } else if is(a, "desc") {
            sort = Sort::Desc;
        } else if is(a, "count") && i + 1 < remaining {
            count = int(&rest[i + 1])?;
            if count <= 0 {
                return Err(CmdError::err("COUNT must be > 0"));
            }
            i += 1;
        } else if is(a, "store") && i + 1 < remaining && may_store {
            store_key = Some(&rest[i + 1]);
            storedist = false;
            i += 1;
        } else if is(a, "storedist") && i + 1 < remaining && may_store {
            store_key = Some(&rest[i + 1]);
            storedist = true;
            i += 1;
        } else if is(a, "storedist") && kind == (Kind::Search { store: true }) {
            storedist = true;
        } else if is(a, "frommember") && i + 1 < remaining && searching && !fromloc {
            if let Some(z) = z {
                center = member_pos(z, &rest[i + 1])
                    .ok_or_else(|| CmdError::err("could not decode requested zset member"))?;
            }
            frommember = true;
            i += 1;
        } else if is(a, "fromlonlat") && i + 2 < remaining && searching && !frommember {
            center = lon_lat(&rest[i + 1..i + 3])?;
            fromloc = true;
            i += 2;
        } else if is(a, "byradius") && i + 2 < remaining && searching && !bybox {
            let (r, conv) = radius_arg(&rest[i + 1..i + 3])?;
            shape_kind = Some(ShapeKind::Radius(r));
            conversion = conv;
            byradius = true;
            i += 2;
        } else if is(a, "bybox") && i + 3 < remaining && searching && !byradius {
            let (width, height, conv) = box_arg(&rest[i + 1..i + 4])?;
            shape_kind = Some(ShapeKind::Box { width, height });
            conversion = conv;
            bybox = true;
            i += 3;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if store_key.is_some() && (withdist || withhash || withcoords) {
        let what = if kind == (Kind::Search { store: true }) { "GEOSEARCHSTORE" } else { "STORE option in GEORADIUS" };
        return Err(CmdError::err(format!("{what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options")));
    }
    let name = || String::from_utf8_lossy(&args[0]).into_owned();
    if searching && !(frommember || fromloc) {
        return Err(CmdError::err(format!("exactly one of FROMMEMBER or FROMLONLAT can be specified for {}", name())));
    }
    if searching && !(byradius || bybox) {
        return Err(CmdError::err(format!("exactly one of BYRADIUS and BYBOX can be specified for {}", name())));
    }
    if any && count == 0 {
        return Err(CmdError::err("the ANY argument requires COUNT argument"));
    }
    let (Some(z), Some(shape_kind)) = (z, shape_kind) else {
        match store_key {
            Some(dst) => {
                if db.remove(dst, now).is_some() {
                    ctx.srv.dirty += 1;
                    ctx.notify(N::GENERIC, "del", dst);
                }
                ctx.out().int(0);
            }
            None => ctx.out().array(0),
        }
        return Ok(());
    };
    if count != 0 && sort == Sort::None && !any {
        sort = Sort::Asc;
    }
    let shape = Shape { kind: shape_kind, xy: center, conversion };
    let limit = if any { count as usize } else { 0 };
    let mut found = search(z, &shape, limit);
    if found.is_empty() && store_key.is_none() {
        ctx.out().array(0);
        return Ok(());
    }
    let total = found.len();
    let returned = if count == 0 || (total as i64) < count { total } else { count as usize };
    if sort != Sort::None {
        let desc = |a: &Found, b: &Found| by_distance(a, b).reverse();
        match (sort, returned == total) {
            (Sort::Asc, true) => csort::merge_sort(&mut found, &by_distance),
            (_, true) => csort::merge_sort(&mut found, &desc),
            (Sort::Asc, false) => csort::partial_sort(&mut found, &by_distance, 0, returned - 1),
            (_, false) => csort::partial_sort(&mut found, &desc, 0, returned - 1),
        }
    }
    found.truncate(returned);
    match store_key {
        None => {
            let out = &mut ctx.client.out;
            let options = usize::from(withdist) + usize::from(withhash) + usize::from(withcoords);
            out.array(returned);
            for p in &found {
                if options > 0 {
                    out.array(options + 1);
                }
                out.bulk(&p.member);
                if withdist {
                    out.bulk(geo::format_distance(p.dist / conversion).as_bytes());
                }
                if withhash {
                    out.int(geo::cvttsd2si(p.score));
                }
                if withcoords {
                    out.array(2);
                    coord(out, p.xy[0]);
                    coord(out, p.xy[1]);
                }
            }
        }
        Some(dst) => {
            let dst = dst.clone();
            store(ctx, &dst, found, storedist, conversion, kind);
        }
    }
    Ok(())
}

/// Stores a search's result at `dst` (scores: geohashes, or distances in
/// the search's unit with STOREDIST), or deletes `dst` when there is none.
fn store(ctx: &mut Ctx, dst: &[u8], found: Vec<Found>, storedist: bool, conversion: f64, kind: Kind) {
    let now = ctx.now();
    let n = found.len();
    if n > 0 {
        let mut seen = std::collections::HashSet::with_capacity(n);
        let entries: Vec<(CompactBytes, f64)> = found
            .into_iter()
            .filter(|p| seen.insert(p.member.clone()))
            .map(|p| {
                let score = if storedist { p.dist / conversion } else { p.score };
                (p.member, score)
            })
            .collect();
        let z = ZSet::from_entries(entries, zset_limits(ctx));
        ctx.db().set(dst, Value::ZSet(z), Ttl::Clear, now);
        let event = if matches!(kind, Kind::Search { .. }) { "geosearchstore" } else { "georadiusstore" };
        ctx.notify(N::ZSET, event, dst);
        ctx.srv.dirty += n as u64;
    } else if ctx.db().remove(dst, now).is_some() {
        ctx.notify(N::GENERIC, "del", dst);
        ctx.srv.dirty += 1;
    }
    ctx.out().int(n as i64);
}

fn georadius(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    radius_generic(ctx, args, 1, Kind::Coords { store: true })
}

fn georadius_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    radius_generic(ctx, args, 1, Kind::Coords { store: false })
}

fn georadiusbymember(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    radius_generic(ctx, args, 1, Kind::Member { store: true })
}

fn georadiusbymember_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    radius_generic(ctx, args, 1, Kind::Member { store: false })
}

fn geosearch(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    radius_generic(ctx, args, 1, Kind::Search { store: false })
}

fn geosearchstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    radius_generic(ctx, args, 2, Kind::Search { store: true })
}
