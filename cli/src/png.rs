//! A minimal PNG encoder for 8-bit greyscale images: enough to show a rendered job's result, with
//! no image library (none is in the dependency tree; one would be built only for this). The
//! pixels are stored uncompressed ("stored" deflate blocks), which every PNG reader accepts.

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
	out.extend_from_slice(&(data.len() as u32).to_be_bytes());
	let start = out.len();
	out.extend_from_slice(kind);
	out.extend_from_slice(data);
	let crc = crc32fast::hash(&out[start..]);
	out.extend_from_slice(&crc.to_be_bytes());
}

fn adler32(bytes: &[u8]) -> u32 {
	let (mut a, mut b) = (1u32, 0u32);
	for chunk in bytes.chunks(5552) {
		for &byte in chunk {
			a += byte as u32;
			b += a;
		}
		a %= 65521;
		b %= 65521;
	}
	(b << 16) | a
}

/// Encodes `pixels` (row-major, one byte per pixel) as a `width`×`height` greyscale PNG.
pub fn encode_gray(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
	debug_assert_eq!(pixels.len(), width as usize * height as usize);
	// Each row starts with its filter type (0: none).
	let mut raw = Vec::with_capacity(pixels.len() + height as usize);
	for row in pixels.chunks(width as usize) {
		raw.push(0);
		raw.extend_from_slice(row);
	}
	let mut zlib = vec![0x78, 0x01];
	let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
	for (i, block) in blocks.iter().enumerate() {
		zlib.push(u8::from(i + 1 == blocks.len()));
		let len = block.len() as u16;
		zlib.extend_from_slice(&len.to_le_bytes());
		zlib.extend_from_slice(&(!len).to_le_bytes());
		zlib.extend_from_slice(block);
	}
	zlib.extend_from_slice(&adler32(&raw).to_be_bytes());

	let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
	let mut header = Vec::with_capacity(13);
	header.extend_from_slice(&width.to_be_bytes());
	header.extend_from_slice(&height.to_be_bytes());
	header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8 bits, greyscale, deflate, no filter choice, no interlace
	chunk(&mut png, b"IHDR", &header);
	chunk(&mut png, b"IDAT", &zlib);
	chunk(&mut png, b"IEND", &[]);
	png
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn adler32_of_a_known_string() {
		assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
	}

	#[test]
	fn png_layout() {
		let png = encode_gray(300, 300, &vec![7; 90_000]);
		assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
		assert_eq!(&png[12..16], b"IHDR");
		assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 300);
		assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
	}
}
