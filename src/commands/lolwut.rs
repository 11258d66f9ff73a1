//! LOLWUT [VERSION v] [args …]: computer art and the version, as Redis 7.0
//! picks it: version 5 draws Georg Nees's "Schotter" (squares that rotate
//! and shift more the lower they are) in Braille characters; every other
//! version prints the version line alone (Redis 7.0's default). Redis's
//! version 6 (a random skyline) is not drawn: it prints the version line.

use bytes::Bytes;

use super::args::{int, is};
use super::flags::*;
use super::{CmdResult, CommandSpec, Ctx, Group};
use crate::server::REDIS_VERSION;
use crate::util::rng::Rng;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("lolwut", -1, READONLY | FAST, Group::Server, lolwut).doc(
    "5.0.0",
    "Display some computer art and the Redis version",
    "",
    "[VERSION version]",
)];

fn lolwut(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut rest = &args[1..];
    let mut version = REDIS_VERSION.split('.').next().and_then(|v| v.parse().ok()).unwrap_or(7);
    if args.len() >= 3 && is(&args[1], "version") {
        // Redis formats the number as `%u.0.0` from a long: wraps to u32.
        version = int(&args[2])? as u32 as u64;
        rest = &args[3..];
    }
    let text = if version == 5 { schotter_command(rest)? } else { format!("Redis ver. {REDIS_VERSION}\n") };
    ctx.out().verbatim("txt", text.as_bytes());
    Ok(())
}

/// LOLWUT version 5 [columns [squares-per-row [squares-per-column]]].
fn schotter_command(args: &[Bytes]) -> Result<String, super::CmdError> {
    let mut params = [66i64, 8, 12];
    for (param, arg) in params.iter_mut().zip(args) {
        *param = int(arg)?;
    }
    let [cols, per_row, per_col] = params;
    let canvas = schotter(cols.clamp(1, 1000) as i32, per_row.clamp(1, 200) as i32, per_col.clamp(1, 200) as i32);
    let mut text = canvas.render();
    text.push_str("\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ");
    text.push_str(REDIS_VERSION);
    text.push('\n');
    Ok(text)
}

/// A grid of on/off pixels.
struct Canvas {
    width: i32,
    height: i32,
    pixels: Vec<bool>,
}

impl Canvas {
    fn new(width: i32, height: i32) -> Canvas {
        Canvas { width, height, pixels: vec![false; (width.max(0) as usize) * (height.max(0) as usize)] }
    }

    fn inside(&self, x: i32, y: i32) -> bool {
        (0..self.width).contains(&x) && (0..self.height).contains(&y)
    }

    fn set(&mut self, x: i32, y: i32) {
        if self.inside(x, y) {
            self.pixels[(x + y * self.width) as usize] = true;
        }
    }

    fn get(&self, x: i32, y: i32) -> bool {
        self.inside(x, y) && self.pixels[(x + y * self.width) as usize]
    }

    /// Bresenham's line.
    fn line(&mut self, (mut x1, mut y1): (i32, i32), (x2, y2): (i32, i32)) {
        let (dx, dy) = ((x2 - x1).abs(), (y2 - y1).abs());
        let (sx, sy) = (if x1 < x2 { 1 } else { -1 }, if y1 < y2 { 1 } else { -1 });
        let mut err = dx - dy;
        loop {
            self.set(x1, y1);
            if x1 == x2 && y1 == y2 {
                return;
            }
            let e2 = err * 2;
            if e2 > -dy {
                err -= dy;
                x1 += sx;
            }
            if e2 < dx {
                err += dx;
                y1 += sy;
            }
        }
    }

    /// A square of side `size` centred on (x, y), rotated by `angle`.
    fn square(&mut self, x: i32, y: i32, size: f32, angle: f32) {
        let radius = (size / std::f32::consts::SQRT_2).round();
        let mut k = std::f32::consts::FRAC_PI_4 + angle;
        let mut corners = [(0, 0); 4];
        for c in &mut corners {
            *c = ((k.sin() * radius + x as f32).round() as i32, (k.cos() * radius + y as f32).round() as i32);
            k += std::f32::consts::FRAC_PI_2;
        }
        for j in 0..4 {
            self.line(corners[j], corners[(j + 1) % 4]);
        }
    }

    /// Each 2x4 block of pixels as one Braille character, rows of blocks
    /// separated by newlines.
    fn render(&self) -> String {
        let mut text = String::new();
        for y in (0..self.height).step_by(4) {
            for x in (0..self.width).step_by(2) {
                let dots = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3)];
                let bits = dots
                    .iter()
                    .enumerate()
                    .fold(0u32, |acc, (bit, &(dx, dy))| acc | (u32::from(self.get(x + dx, y + dy)) << bit));
                text.push(char::from_u32(0x2800 + bits).unwrap_or(' '));
            }
            if y != self.height - 1 {
                text.push('\n');
            }
        }
        text
    }
}

/// Nees's Schotter on a canvas `cols` characters wide.
fn schotter(cols: i32, per_row: i32, per_col: i32) -> Canvas {
    let width = cols * 2;
    let padding = if width > 4 { 2 } else { 0 };
    let side = (width - padding * 2) as f32 / per_row as f32;
    let height = (side * per_col as f32) as i32 + padding * 2;
    let mut canvas = Canvas::new(width, height);
    let mut rng = Rng::from_entropy();
    let mut unit = || rng.below(1 << 24) as f32 / (1 << 24) as f32;
    for y in 0..per_col {
        for x in 0..per_row {
            let mut sx = (x as f32 * side + side / 2.0) as i32 + padding;
            let mut sy = (y as f32 * side + side / 2.0) as i32 + padding;
            let mut angle = 0.0;
            if y > 1 {
                let spread = y as f32 / per_col as f32;
                let mut jitter = || {
                    let r = unit() * spread;
                    if unit() < 0.5 { -r } else { r }
                };
                angle = jitter();
                sx += (jitter() * side / 3.0) as i32;
                sy += (jitter() * side / 3.0) as i32;
            }
            canvas.square(sx, sy, side, angle);
        }
    }
    canvas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schotter_has_the_size_and_rows_of_redis() {
        // 66 columns: a 132-pixel-wide canvas, 66 Braille characters a row;
        // 8 squares of side 16 a row, 12 rows: 196 pixels, 49 text rows.
        let canvas = schotter(66, 8, 12);
        assert_eq!((canvas.width, canvas.height), (132, 196));
        let text = canvas.render();
        // Every row ends in a newline (Redis skips it only after a row at
        // y = height - 1, which 196 rows never have).
        assert!(text.ends_with('\n'));
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows.len(), 49);
        assert!(rows.iter().all(|r| r.chars().count() == 66));
        assert!(canvas.pixels.iter().any(|&p| p));
    }

    #[test]
    fn a_straight_square_has_four_edges() {
        let mut c = Canvas::new(20, 20);
        c.square(10, 10, 8.0, 0.0);
        // Side 8: radius 6 (8/√2 rounded), corners at 10 ± 4 (6·sin 45°, rounded).
        assert!(c.get(6, 6) && c.get(14, 6) && c.get(6, 14) && c.get(14, 14));
        assert!(!c.get(10, 10));
    }
}
