//! Geohash and distance math behind the GEO commands, as Redis 7.0 computes
//! it (`geohash.c`, `geohash_helper.c`, the helpers of `geo.c`). A GEO value
//! is a sorted set whose scores are 52-bit geohashes: longitude and latitude
//! quantized to 26 bits each over [-180, 180] and [-85.05112878,
//! 85.05112878] and interleaved (latitude in the even bits). Everything here
//! is a pure function on numbers and text; the same IEEE operations in the
//! same order as Redis, so scores, decoded positions, distances and the
//! boxes a search scans are bit-for-bit Redis's. No keyspace, no RESP;
//! imports nothing of the crate.

pub const LONG_MIN: f64 = -180.0;
pub const LONG_MAX: f64 = 180.0;
pub const LAT_MIN: f64 = -85.05112878;
pub const LAT_MAX: f64 = 85.05112878;
/// 26 bits per coordinate: 52-bit scores.
pub const STEP_MAX: u8 = 26;

const D_R: f64 = std::f64::consts::PI / 180.0;
/// Earth's quadratic mean radius for WGS-84, as Redis uses it.
const EARTH_RADIUS_IN_METERS: f64 = 6372797.560856;
const MERCATOR_MAX: f64 = 20037726.37;

/// A geohash of `step` bits per coordinate. All zero is "no box".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashBits {
    pub bits: u64,
    pub step: u8,
}

impl HashBits {
    pub fn is_zero(&self) -> bool {
        self.bits == 0 && self.step == 0
    }

    /// The hash as a 52-bit sorted-set score (`geohashAlign52Bits`).
    pub fn align52(&self) -> u64 {
        self.bits << (52 - u32::from(self.step) * 2)
    }
}

/// An interval of one coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

impl Range {
    fn is_zero(&self) -> bool {
        self.max == 0.0 && self.min == 0.0
    }
}

/// The ranges Redis's scores cover (Web Mercator's latitude limits).
pub const LONG_RANGE: Range = Range { min: LONG_MIN, max: LONG_MAX };
pub const LAT_RANGE: Range = Range { min: LAT_MIN, max: LAT_MAX };

/// The cell a hash stands for.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Area {
    pub hash: HashBits,
    pub longitude: Range,
    pub latitude: Range,
}

fn interleave64(xlo: u32, ylo: u32) -> u64 {
    const B: [u64; 5] =
        [0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF];
    const S: [u32; 5] = [1, 2, 4, 8, 16];
    let mut x = u64::from(xlo);
    let mut y = u64::from(ylo);
    for i in (0..5).rev() {
        x = (x | (x << S[i])) & B[i];
        y = (y | (y << S[i])) & B[i];
    }
    x | (y << 1)
}

fn deinterleave64(interleaved: u64) -> u64 {
    const B: [u64; 6] = [
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
        0x00000000FFFFFFFF,
    ];
    const S: [u32; 6] = [0, 1, 2, 4, 8, 16];
    let mut x = interleaved;
    let mut y = interleaved >> 1;
    for i in 0..6 {
        x = (x | (x >> S[i])) & B[i];
        y = (y | (y >> S[i])) & B[i];
    }
    x | (y << 32)
}

/// C's `(uint32_t)` of a non-negative double below 2^32 after the checks
/// `encode` makes (truncation toward zero).
fn to_u32(v: f64) -> u32 {
    v as u32
}

/// Encodes a position in the given ranges at `step` bits per coordinate
/// (`geohashEncode`); `None` outside the ranges or Redis's limits.
pub fn encode(long_range: Range, lat_range: Range, longitude: f64, latitude: f64, step: u8) -> Option<HashBits> {
    if step > 32 || step == 0 || lat_range.is_zero() || long_range.is_zero() {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&longitude) || !(LAT_MIN..=LAT_MAX).contains(&latitude) {
        return None;
    }
    if latitude < lat_range.min || latitude > lat_range.max || longitude < long_range.min || longitude > long_range.max
    {
        return None;
    }
    let mut lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min);
    let mut long_offset = (longitude - long_range.min) / (long_range.max - long_range.min);
    let scale = (1u64 << step) as f64;
    lat_offset *= scale;
    long_offset *= scale;
    Some(HashBits { bits: interleave64(to_u32(lat_offset), to_u32(long_offset)), step })
}

/// Encodes in Redis's ranges (`geohashEncodeWGS84`).
pub fn encode_wgs84(longitude: f64, latitude: f64, step: u8) -> Option<HashBits> {
    encode(LONG_RANGE, LAT_RANGE, longitude, latitude, step)
}

/// The cell of `hash` (`geohashDecode`); `None` for the zero hash.
pub fn decode(long_range: Range, lat_range: Range, hash: HashBits) -> Option<Area> {
    if hash.is_zero() || lat_range.is_zero() || long_range.is_zero() {
        return None;
    }
    let step = hash.step;
    let sep = deinterleave64(hash.bits);
    let lat_scale = lat_range.max - lat_range.min;
    let long_scale = long_range.max - long_range.min;
    let ilato = sep as u32;
    let ilono = (sep >> 32) as u32;
    // `+ 1` in 32 bits, as C adds to the `uint32_t` (wraps for garbage scores).
    let div = (1u64 << step) as f64;
    Some(Area {
        hash,
        latitude: Range {
            min: lat_range.min + (f64::from(ilato) * 1.0 / div) * lat_scale,
            max: lat_range.min + (f64::from(ilato.wrapping_add(1)) * 1.0 / div) * lat_scale,
        },
        longitude: Range {
            min: long_range.min + (f64::from(ilono) * 1.0 / div) * long_scale,
            max: long_range.min + (f64::from(ilono.wrapping_add(1)) * 1.0 / div) * long_scale,
        },
    })
}

/// The centre of a cell, clamped to Redis's limits.
fn area_center(area: &Area) -> [f64; 2] {
    let lon = ((area.longitude.min + area.longitude.max) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let lat = ((area.latitude.min + area.latitude.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    [lon, lat]
}

/// C's `(uint64_t)` of a double as x86-64 code does it: truncation below
/// 2^63 (negative values wrap, out of range and NaN give 2^63), 2^63 and
/// above through the subtract-and-flip path (2^64 and beyond give 0).
pub fn score_to_u64(score: f64) -> u64 {
    const TWO63: f64 = 9223372036854775808.0;
    if score >= TWO63 { cvttsd2si(score - TWO63) as u64 ^ (1 << 63) } else { cvttsd2si(score) as u64 }
}

/// x86-64's `cvttsd2si`: truncation, `i64::MIN` when out of range or NaN.
/// Also C's `(long long)` of a double.
pub fn cvttsd2si(v: f64) -> i64 {
    if (-9223372036854775808.0..9223372036854775808.0).contains(&v) { v as i64 } else { i64::MIN }
}

/// The position a score stands for (`decodeGeohash`): [longitude, latitude].
pub fn decode_score(score: f64) -> Option<[f64; 2]> {
    let hash = HashBits { bits: score_to_u64(score), step: STEP_MAX };
    decode(LONG_RANGE, LAT_RANGE, hash).map(|a| area_center(&a))
}

/// The score GEOADD stores for a position (already checked against the
/// limits).
pub fn score_of(longitude: f64, latitude: f64) -> Option<u64> {
    encode_wgs84(longitude, latitude, STEP_MAX).map(|h| h.align52())
}

/// Is the pair within Redis's limits (`extractLongLatOrReply`)?
pub fn valid_lon_lat(longitude: f64, latitude: f64) -> bool {
    (LONG_MIN..=LONG_MAX).contains(&longitude) && (LAT_MIN..=LAT_MAX).contains(&latitude)
}

/// The 11-character standard geohash of a score (GEOHASH): decoded, then
/// re-encoded over latitude [-90, 90]; the 11th character is always `0`.
pub fn standard_geohash(score: f64) -> Option<[u8; 11]> {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let [lon, lat] = decode_score(score)?;
    let bits =
        encode(Range { min: -180.0, max: 180.0 }, Range { min: -90.0, max: 90.0 }, lon, lat, 26).map_or(0, |h| h.bits);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().enumerate().take(10) {
        *c = ALPHABET[((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize];
    }
    Some(out)
}

/// Shifts by `64 - 2 * step` wrap as x86 does (a step of 0 shifts by 0),
/// so a zero hash never panics.
fn move_x(hash: &mut HashBits, d: i8) {
    move_along(hash, d, 0xaaaa_aaaa_aaaa_aaaa);
}

fn move_y(hash: &mut HashBits, d: i8) {
    move_along(hash, d, 0x5555_5555_5555_5555);
}

/// Moves `hash` one cell by `d` (-1, 0, +1) along the axis whose
/// interleaved bits `axis` selects (longitude: the odd bits, latitude: the
/// even ones): add or subtract one in those bits alone, carrying across the
/// other axis's bits, then drop what carried past the hash's precision.
fn move_along(hash: &mut HashBits, d: i8, axis: u64) {
    if d == 0 {
        return;
    }
    let mut moved = hash.bits & axis;
    let kept = hash.bits & !axis;
    let shift = 64 - u32::from(hash.step) * 2;
    let carry = (!axis).wrapping_shr(shift);
    if d > 0 {
        moved = moved.wrapping_add(carry + 1);
    } else {
        moved |= carry;
        moved = moved.wrapping_sub(carry + 1);
    }
    moved &= axis.wrapping_shr(shift);
    hash.bits = moved | kept;
}

fn moved(hash: HashBits, dx: i8, dy: i8) -> HashBits {
    let mut h = hash;
    move_x(&mut h, dx);
    move_y(&mut h, dy);
    h
}

/// The eight cells around a cell.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Neighbors {
    pub north: HashBits,
    pub south: HashBits,
    pub east: HashBits,
    pub west: HashBits,
    pub north_east: HashBits,
    pub north_west: HashBits,
    pub south_east: HashBits,
    pub south_west: HashBits,
}

pub fn neighbors(hash: HashBits) -> Neighbors {
    Neighbors {
        east: moved(hash, 1, 0),
        west: moved(hash, -1, 0),
        south: moved(hash, 0, -1),
        north: moved(hash, 0, 1),
        north_west: moved(hash, -1, 1),
        north_east: moved(hash, 1, 1),
        south_east: moved(hash, 1, -1),
        south_west: moved(hash, -1, -1),
    }
}

/// The step (bits per coordinate) of the nine boxes a search of this radius
/// at this latitude scans (`geohashEstimateStepsByRadius`).
pub fn estimate_steps_by_radius(range_meters: f64, lat: f64) -> u8 {
    if range_meters == 0.0 {
        return 26;
    }
    let mut range = range_meters;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

fn deg_rad(ang: f64) -> f64 {
    ang * D_R
}

fn rad_deg(ang: f64) -> f64 {
    ang / D_R
}

/// Distance along a meridian (`geohashGetLatDistance`).
pub fn lat_distance(lat1d: f64, lat2d: f64) -> f64 {
    EARTH_RADIUS_IN_METERS * (deg_rad(lat2d) - deg_rad(lat1d)).abs()
}

/// Haversine great-circle distance in meters (`geohashGetDistance`).
pub fn distance(lon1d: f64, lat1d: f64, lon2d: f64, lat2d: f64) -> f64 {
    let lon1r = deg_rad(lon1d);
    let lon2r = deg_rad(lon2d);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1d, lat2d);
    }
    let lat1r = deg_rad(lat1d);
    let lat2r = deg_rad(lat2d);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// What a search covers: a circle or an axis-aligned box around `xy`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShapeKind {
    /// Radius in the search's unit.
    Radius(f64),
    /// Width and height in the search's unit.
    Box { width: f64, height: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub kind: ShapeKind,
    /// Centre: [longitude, latitude].
    pub xy: [f64; 2],
    /// Meters per unit.
    pub conversion: f64,
}

impl Shape {
    /// The search's bounding box: [min lon, min lat, max lon, max lat]
    /// (`geohashBoundingBox`).
    pub fn bounding_box(&self) -> [f64; 4] {
        let [longitude, latitude] = self.xy;
        let (height, width) = match self.kind {
            ShapeKind::Radius(r) => (self.conversion * r, self.conversion * r),
            ShapeKind::Box { width, height } => (self.conversion * (height / 2.0), self.conversion * (width / 2.0)),
        };
        let lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
        let long_delta_top = rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(latitude + lat_delta).cos());
        let long_delta_bottom = rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(latitude - lat_delta).cos());
        let southern = latitude < 0.0;
        let delta = if southern { long_delta_bottom } else { long_delta_top };
        [longitude - delta, latitude - lat_delta, longitude + delta, latitude + lat_delta]
    }

    /// The boxes to scan, in Redis's order: the centre cell, then north,
    /// south, east, west, north-east, north-west, south-east, south-west;
    /// boxes found useless are zero (`geohashCalculateAreasByShapeWGS84`).
    pub fn search_boxes(&self) -> [HashBits; 9] {
        let [min_lon, min_lat, max_lon, max_lat] = self.bounding_box();
        let [longitude, latitude] = self.xy;
        let radius_meters = match self.kind {
            ShapeKind::Radius(r) => r,
            ShapeKind::Box { width, height } => {
                ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
            }
        } * self.conversion;
        let mut steps = estimate_steps_by_radius(radius_meters, latitude);
        let cell = |steps: u8| {
            let hash = encode(LONG_RANGE, LAT_RANGE, longitude, latitude, steps).unwrap_or_default();
            let n = neighbors(hash);
            let area = decode(LONG_RANGE, LAT_RANGE, hash).unwrap_or_default();
            (hash, n, area)
        };
        let (mut hash, mut n, mut area) = cell(steps);
        let dec = |h: HashBits| decode(LONG_RANGE, LAT_RANGE, h).unwrap_or_default();
        let decrease_step = dec(n.north).latitude.max < max_lat
            || dec(n.south).latitude.min > min_lat
            || dec(n.east).longitude.max < max_lon
            || dec(n.west).longitude.min > min_lon;
        if steps > 1 && decrease_step {
            steps -= 1;
            (hash, n, area) = cell(steps);
        }
        if steps >= 2 {
            let zero = HashBits::default();
            if area.latitude.min < min_lat {
                (n.south, n.south_west, n.south_east) = (zero, zero, zero);
            }
            if area.latitude.max > max_lat {
                (n.north, n.north_east, n.north_west) = (zero, zero, zero);
            }
            if area.longitude.min < min_lon {
                (n.west, n.south_west, n.north_west) = (zero, zero, zero);
            }
            if area.longitude.max > max_lon {
                (n.east, n.south_east, n.north_east) = (zero, zero, zero);
            }
        }
        [hash, n.north, n.south, n.east, n.west, n.north_east, n.north_west, n.south_east, n.south_west]
    }

    /// If the point a score stands for is inside the shape: its position
    /// and its distance from the centre in meters (`geoWithinShape`).
    pub fn locate(&self, score: f64) -> Option<([f64; 2], f64)> {
        let xy = decode_score(score)?;
        let [x1, y1] = self.xy;
        let [x2, y2] = xy;
        match self.kind {
            ShapeKind::Radius(r) => {
                let d = distance(x1, y1, x2, y2);
                (d <= r * self.conversion || d.is_nan()).then_some((xy, d))
            }
            ShapeKind::Box { width, height } => {
                let (width_m, height_m) = (width * self.conversion, height * self.conversion);
                if lat_distance(y2, y1) > height_m / 2.0 {
                    return None;
                }
                if distance(x2, y2, x1, y2) > width_m / 2.0 {
                    return None;
                }
                Some((xy, distance(x1, y1, x2, y2)))
            }
        }
    }
}

/// The score range `[min, max)` holding every point of a box
/// (`scoresOfGeoHashBox`).
pub fn box_score_range(hash: HashBits) -> (u64, u64) {
    let min = hash.align52();
    let max = HashBits { bits: hash.bits.wrapping_add(1), step: hash.step }.align52();
    (min, max)
}

/// A distance as Redis replies it: 4 decimals (`fixedpoint_d2string`),
/// rounded half to even; values C's `llrint` cannot hold print as its
/// `LLONG_MIN`.
pub fn format_distance(d: f64) -> String {
    if d == 0.0 {
        return "0.0000".into();
    }
    let scaled = (d * 10000.0).round_ties_even();
    let v = if scaled.is_nan() || !(-9223372036854775808.0..9223372036854775808.0).contains(&scaled) {
        i64::MIN
    } else {
        scaled as i64
    };
    let neg = v < 0;
    let digits = v.unsigned_abs().to_string();
    let (int_part, frac) = if digits.len() > 4 { digits.split_at(digits.len() - 4) } else { ("0", digits.as_str()) };
    format!("{}{}.{:0>4}", if neg { "-" } else { "" }, int_part, frac)
}

/// A coordinate as Redis replies it (`ld2string(.., LD_STR_HUMAN)` of the
/// double widened to long double, which is exact): `%.17f` without
/// trailing zeros, `-0` as `0`.
pub fn format_coord(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{d:.17}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    if s == "-0" { "0".into() } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_redis() {
        // GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        assert_eq!(score_of(13.361389, 38.115556), Some(3479099956230698));
        assert_eq!(score_of(15.087269, 37.502669), Some(3479447370796909));
        assert_eq!(score_of(181.0, 0.0), None);
    }

    #[test]
    fn decoding_matches_geopos() {
        let [lon, lat] = decode_score(3479099956230698.0).unwrap();
        assert_eq!(format_coord(lon), "13.36138933897018433");
        assert_eq!(format_coord(lat), "38.11555639549629859");
        assert!(decode_score(0.0).is_some(), "zero bits with step 26 is not the zero hash");
    }

    #[test]
    fn geohash_strings() {
        assert_eq!(&standard_geohash(3479099956230698.0).unwrap(), b"sqc8b49rny0");
    }

    #[test]
    fn distances_and_formats() {
        let [a, b] = decode_score(3479099956230698.0).unwrap();
        let [c, d] = decode_score(3479447370796909.0).unwrap();
        assert_eq!(format_distance(distance(a, b, c, d) / 1000.0), "166.2742");
        assert_eq!(format_distance(0.0), "0.0000");
        assert_eq!(format_distance(0.00005), "0.0000");
        assert_eq!(format_distance(0.00015), "0.0001", "0.00015 * 1e4 is just below 1.5");
        assert_eq!(format_distance(-2.5), "-2.5000");
        assert_eq!(format_distance(12.5), "12.5000");
        assert_eq!(format_distance(f64::NAN), "-922337203685477.5808");
        assert_eq!(format_coord(-0.0), "0");
        assert_eq!(format_coord(180.0), "180");
        assert_eq!(format_coord(0.25), "0.25");
    }

    #[test]
    fn casts_follow_x86() {
        assert_eq!(score_to_u64(-1.0), u64::MAX);
        assert_eq!(score_to_u64(f64::NAN), 1 << 63);
        assert_eq!(score_to_u64(f64::INFINITY), 0);
        assert_eq!(score_to_u64(1e19), 10000000000000000000);
        assert_eq!(score_to_u64(-1e30), 1 << 63);
    }

    #[test]
    fn interleave_round_trips() {
        for (x, y) in [(0u32, 0u32), (1, 0), (0, 1), (0xdead_beef, 0x1234_5678), (u32::MAX, 7)] {
            let i = interleave64(x, y);
            let d = deinterleave64(i);
            assert_eq!((d as u32, (d >> 32) as u32), (x, y));
        }
    }

    #[test]
    fn neighbors_of_the_zero_hash_do_not_panic() {
        let n = neighbors(HashBits::default());
        assert_eq!(n.north.step, 0);
        let h = encode_wgs84(0.0, 0.0, 1).unwrap();
        let n = neighbors(h);
        assert_eq!((n.east.step, n.west.step), (1, 1));
    }

    #[test]
    fn steps_by_radius() {
        assert_eq!(estimate_steps_by_radius(0.0, 0.0), 26);
        assert_eq!(estimate_steps_by_radius(200_000.0, 37.0), 6);
        assert_eq!(estimate_steps_by_radius(200_000.0, 70.0), 5);
        assert_eq!(estimate_steps_by_radius(200_000.0, 85.0), 4);
        assert_eq!(estimate_steps_by_radius(1e9, 0.0), 1);
    }
}
