//! mandelbrot: one tile of a 2048×2048 grey image of the Mandelbrot set, a Conun wasm task.
//!
//! The image covers x in [-2.2, 1.0] and y in [-1.6, 1.6] (square pixels) and is cut into 8×8
//! tiles of 256×256 pixels. Input (stdin): `"k k\n"` with `k` in `0..=63`, the tile at column
//! `k % 8` and row `k / 8`, tile 0 at the top left. Output (stdout): the tile's 65,536 pixels,
//! one byte each (gray8), row-major, top row first. The job's `reduce = "tiles"` puts the tiles
//! back together into the image.
//!
//! A pixel's value comes from the escape time of its centre `c`: how many steps of
//! `z ← z² + c` (from `z = 0`) it takes `|z|` to exceed 2, at most 255. Points that never
//! escape (the set) are black; the others get `255·n / (n + 8)`, so the slow-escaping points
//! near the set's edge glow almost white and the far field fades to dark grey in bands.
//!
//! Only f64 arithmetic, which wasm defines bit for bit (no fused multiply-add, canonical NaNs),
//! so every replica renders the same bytes. Like sum-range, the module imports only three
//! WASI functions and uses static buffers: no allocator, no std.

#![cfg_attr(target_arch = "wasm32", no_std)]

/// The image's side in pixels.
pub const IMAGE: usize = 2048;
/// A tile's side in pixels.
pub const TILE: usize = 256;
/// Tiles per row (and per column) of the image.
pub const COLUMNS: usize = IMAGE / TILE;
/// The number of tiles, hence of tasks.
pub const TILES: usize = COLUMNS * COLUMNS;

pub const X_MIN: f64 = -2.2;
pub const X_MAX: f64 = 1.0;
pub const Y_MIN: f64 = -1.6;
pub const Y_MAX: f64 = 1.6;
/// The most iterations per pixel; a point still bounded after them counts as in the set.
pub const MAX_ITER: u32 = 255;

const DX: f64 = (X_MAX - X_MIN) / IMAGE as f64;
const DY: f64 = (Y_MAX - Y_MIN) / IMAGE as f64;

/// Parse `"k k"` (the task's one-number chunk of the range 0..=63) into `k`.
pub fn parse(input: &[u8]) -> Option<usize> {
	let mut words = input.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty());
	let first = parse_index(words.next()?)?;
	let last = parse_index(words.next()?)?;
	(words.next().is_none() && first == last && first < TILES).then_some(first)
}

fn parse_index(digits: &[u8]) -> Option<usize> {
	if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_digit) {
		return None;
	}
	Some(digits.iter().fold(0, |n, d| n * 10 + usize::from(d - b'0')))
}

/// The number of iterations before `|z|` exceeds 2, or [`MAX_ITER`] if it never does.
pub fn escape_time(cx: f64, cy: f64) -> u32 {
	let (mut x, mut y, mut x2, mut y2) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
	let mut n = 0;
	while n < MAX_ITER && x2 + y2 <= 4.0 {
		y = 2.0 * x * y + cy;
		x = x2 - y2 + cx;
		x2 = x * x;
		y2 = y * y;
		n += 1;
	}
	n
}

/// The grey level of an escape time: black for the set, `255·n / (n + 8)` outside it.
pub fn shade(n: u32) -> u8 {
	if n >= MAX_ITER {
		0
	} else {
		(255 * n / (n + 8)) as u8
	}
}

/// Render tile `k` (column `k % 8`, row `k / 8`) into `out`, row-major.
pub fn render_tile(k: usize, out: &mut [u8; TILE * TILE]) {
	let (x0, y0) = ((k % COLUMNS) * TILE, (k / COLUMNS) * TILE);
	for (row, line) in out.chunks_exact_mut(TILE).enumerate() {
		// Pixel centres; row 0 of the image is the top (y = Y_MAX).
		let cy = Y_MAX - ((y0 + row) as f64 + 0.5) * DY;
		for (column, pixel) in line.iter_mut().enumerate() {
			let cx = X_MIN + ((x0 + column) as f64 + 0.5) * DX;
			*pixel = shade(escape_time(cx, cy));
		}
	}
}

/// The tile, in memory the module starts with (zeroed, so it costs nothing in the binary).
#[cfg(target_arch = "wasm32")]
static mut PIXELS: [u8; TILE * TILE] = [0; TILE * TILE];

/// The entry point the sandbox calls.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn _start() {
	let mut input = [0u8; 32];
	let Some(len) = wasi::read_stdin(&mut input) else {
		wasi::fail(b"mandelbrot: the input is longer than 32 bytes; expected \"k k\\n\"\n");
	};
	let Some(k) = parse(&input[..len]) else {
		wasi::fail(b"mandelbrot: expected \"k k\\n\" with k a tile number in 0..=63\n");
	};
	// The only reference to PIXELS, taken once: `_start` runs once per instance.
	let pixels = unsafe { &mut *core::ptr::addr_of_mut!(PIXELS) };
	render_tile(k, pixels);
	wasi::write(wasi::STDOUT, pixels);
}

/// The WASI functions, shared by the examples.
#[cfg(target_arch = "wasm32")]
use conun_wasi as wasi;

/// A panic (a bug: none is expected) ends the task with exit code 101, like Rust's std.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
	wasi::write(wasi::STDERR, b"mandelbrot: panicked\n");
	wasi::exit(101)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parses_the_tile_number() {
		assert_eq!(parse(b"0 0\n"), Some(0));
		assert_eq!(parse(b"63 63\n"), Some(63));
		for bad in [&b""[..], b"5", b"1 2", b"64 64", b"3 3 3", b"x x", b"99999 99999"] {
			assert_eq!(parse(bad), None, "{:?}", core::str::from_utf8(bad));
		}
	}

	#[test]
	fn escape_times() {
		assert_eq!(escape_time(0.0, 0.0), MAX_ITER);
		assert_eq!(escape_time(-1.0, 0.0), MAX_ITER);
		assert_eq!(escape_time(3.0, 0.0), 1);
		assert_eq!(shade(MAX_ITER), 0);
		assert_eq!(shade(1), 28);
		assert_eq!(shade(8), 127);
		assert_eq!(shade(254), 247);
	}

	#[test]
	fn tiles_cover_the_image() {
		// The top left tile is far from the set: every pixel escapes, none is black.
		let mut tile = [0u8; TILE * TILE];
		render_tile(0, &mut tile);
		assert!(tile.iter().all(|&p| p > 0));
		// Tile 27 (column 3, row 3) holds x in [-1.0, -0.6], y in [0.0, 0.4]: part of the
		// main cardioid, so some pixels are in the set.
		render_tile(27, &mut tile);
		assert!(tile.contains(&0));
	}
}
