//! The libraries Redis embeds in its Lua, written in Rust with the C
//! libraries' behaviour: `bit`, `struct`, `cjson`, `cmsgpack`, and the
//! generator behind `math.random`.

pub mod bit;
pub mod cjson;
pub mod cmsgpack;
pub mod numfmt;
pub mod rand;
pub mod structlib;
