//! The three WASI functions Conun's wasm examples use (`fd_read`, `fd_write`, `proc_exit` from
//! `wasi_snapshot_preview1`), declared by hand: there is no wasm32-wasip1 standard library here,
//! and a `no_std` module that imports only these is one the sandbox accepts. Empty on other
//! targets, so the examples' logic still builds and tests natively.

#![no_std]
#![cfg(target_arch = "wasm32")]

pub const STDIN: i32 = 0;
pub const STDOUT: i32 = 1;
pub const STDERR: i32 = 2;

/// WASI's `iovec`/`ciovec`: a 32-bit pointer and a 32-bit length on wasm32.
#[repr(C)]
struct Iovec {
	buf: *const u8,
	len: usize,
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
	fn fd_read(fd: i32, iovs: *const Iovec, iovs_len: usize, nread: *mut usize) -> i32;
	fn fd_write(fd: i32, iovs: *const Iovec, iovs_len: usize, nwritten: *mut usize) -> i32;
	fn proc_exit(code: i32) -> !;
}

/// All of stdin into `buf`; `None` if it does not fit (or cannot be read).
pub fn read_stdin(buf: &mut [u8]) -> Option<usize> {
	let mut filled = 0;
	while filled < buf.len() {
		let rest = &mut buf[filled..];
		let iov = Iovec { buf: rest.as_mut_ptr(), len: rest.len() };
		let mut n = 0;
		if unsafe { fd_read(STDIN, &iov, 1, &mut n) } != 0 {
			return None;
		}
		if n == 0 {
			return Some(filled);
		}
		filled += n;
	}
	None
}

/// All of `bytes` to `fd`; exits with code 1 if the host refuses them.
pub fn write(fd: i32, mut bytes: &[u8]) {
	while !bytes.is_empty() {
		let iov = Iovec { buf: bytes.as_ptr(), len: bytes.len() };
		let mut n = 0;
		if unsafe { fd_write(fd, &iov, 1, &mut n) } != 0 || n == 0 {
			exit(1);
		}
		bytes = &bytes[n..];
	}
}

pub fn exit(code: i32) -> ! {
	unsafe { proc_exit(code) }
}

/// `message` to the log, then exit code 1.
pub fn fail(message: &[u8]) -> ! {
	write(STDERR, message);
	exit(1)
}
