//! sum-range: the sum of the integers `a..=b`, a Conun wasm task.
//!
//! Input (stdin): `"a b\n"`, two unsigned 64-bit decimal integers with `a <= b`: the chunk of
//! the job's range this task covers. Output (stdout): the decimal sum (modulo 2^64) and `"\n"`.
//! The job's `reduce = "sum"` adds the outputs of every task into the job's result.
//!
//! Bad input: a message on stderr (fd 2, the task's log) and exit code 1.
//!
//! The module imports only `fd_read`, `fd_write` and `proc_exit` from `wasi_snapshot_preview1`
//! and exports `memory` and `_start`, which is all the sandbox needs. It is `no_std` with static
//! buffers and no allocator, so nothing from std or a panic can add an import. On any other
//! target it is an ordinary library, so `cargo test` runs the logic natively.

#![cfg_attr(target_arch = "wasm32", no_std)]

use core::hint::black_box;

/// The longest input accepted: two `u64::MAX` (20 digits each), a space and a newline, plus
/// some slack for extra whitespace.
pub const MAX_INPUT: usize = 64;

/// Parse `"a b"` (any ASCII whitespace around and between) into `(a, b)`.
pub fn parse(input: &[u8]) -> Option<(u64, u64)> {
	let mut words = input.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty());
	let a = parse_u64(words.next()?)?;
	let b = parse_u64(words.next()?)?;
	if words.next().is_some() || a > b {
		return None;
	}
	Some((a, b))
}

fn parse_u64(digits: &[u8]) -> Option<u64> {
	if digits.is_empty() {
		return None;
	}
	digits.iter().try_fold(0u64, |n, &d| {
		if !d.is_ascii_digit() {
			return None;
		}
		n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
	})
}

/// `a + (a+1) + ... + b`, modulo 2^64, one addition per number.
///
/// `black_box` hides each number from the optimiser: without it LLVM replaces the loop by the
/// closed form `(a + b)(b - a + 1) / 2`, and the task would do no work worth distributing.
pub fn sum(a: u64, b: u64) -> u64 {
	let mut s = 0u64;
	let mut i = a;
	loop {
		s = s.wrapping_add(black_box(i));
		if i == b {
			return s;
		}
		i += 1;
	}
}

/// `n` in decimal followed by `"\n"`, written at the end of `buf`; returns the written part.
pub fn format_line(n: u64, buf: &mut [u8; 21]) -> &[u8] {
	let mut at = buf.len() - 1;
	buf[at] = b'\n';
	let mut n = n;
	loop {
		at -= 1;
		buf[at] = b'0' + (n % 10) as u8;
		n /= 10;
		if n == 0 {
			return &buf[at..];
		}
	}
}

/// The entry point the sandbox calls.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn _start() {
	let mut input = [0u8; MAX_INPUT];
	let Some(len) = wasi::read_stdin(&mut input) else {
		wasi::fail(b"sum-range: the input is longer than 64 bytes; expected \"a b\\n\"\n");
	};
	let Some((a, b)) = parse(&input[..len]) else {
		wasi::fail(b"sum-range: expected \"a b\\n\": two unsigned decimal integers, a <= b\n");
	};
	let mut line = [0u8; 21];
	wasi::write(wasi::STDOUT, format_line(sum(a, b), &mut line));
}

/// The WASI functions, shared by the examples.
#[cfg(target_arch = "wasm32")]
use conun_wasi as wasi;

/// A panic (a bug: none is expected) ends the task with exit code 101, like Rust's std.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
	wasi::write(wasi::STDERR, b"sum-range: panicked\n");
	wasi::exit(101)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parses_the_chunk() {
		assert_eq!(parse(b"1 1000000\n"), Some((1, 1_000_000)));
		assert_eq!(parse(b"  7\t7 "), Some((7, 7)));
		assert_eq!(parse(b"0 18446744073709551615\n"), Some((0, u64::MAX)));
		for bad in [&b""[..], b"1", b"1 2 3", b"2 1", b"1 x", b"-1 2", b"0 18446744073709551616"] {
			assert_eq!(parse(bad), None, "{:?}", core::str::from_utf8(bad));
		}
	}

	#[test]
	fn sums_inclusive_ranges() {
		assert_eq!(sum(1, 100), 5050);
		assert_eq!(sum(5, 5), 5);
		assert_eq!(sum(u64::MAX, u64::MAX), u64::MAX);
		assert_eq!(sum(1, 1_000_000), 500_000_500_000);
	}

	#[test]
	fn formats_decimal_lines() {
		let mut buf = [0u8; 21];
		assert_eq!(format_line(0, &mut buf), b"0\n");
		assert_eq!(format_line(5050, &mut buf), b"5050\n");
		assert_eq!(format_line(u64::MAX, &mut buf), b"18446744073709551615\n");
	}
}
