//! Helpers shared by the integration tests.

/// `len` bytes that differ from chunk to chunk (xorshift from `seed`), so that a chunk mixed up
/// with another is caught.
pub fn varied(len: usize, seed: u64) -> Vec<u8> {
	let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
	(0..len)
		.map(|_| {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			x as u8
		})
		.collect()
}
