//! Small helpers shared by every layer: Redis's number parsing and formatting,
//! glob matching, clocks. Pure functions only; imports nothing from the crate.

pub mod csort;
pub mod glob;
pub mod ld80;
pub mod number;
pub mod prefetch;
pub mod rng;
pub mod sha1;
pub mod sha256;
pub mod split;
pub mod time;

/// The text of an OS error as C's `strerror` prints it (without Rust's
/// " (os error N)" suffix), for Redis's log and error lines.
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
