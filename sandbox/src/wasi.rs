//! The host interface a wasm task sees: a small, deterministic subset of WASI preview 1.
//!
//! | import (`wasi_snapshot_preview1`) | what it does |
//! |---|---|
//! | `args_sizes_get`, `args_get` | the task's arguments (`argv[0]` is `"task"`) |
//! | `environ_sizes_get`, `environ_get` | an empty environment |
//! | `fd_read` | fd 0 reads the task's input; other fds are `EBADF` |
//! | `fd_write` | fd 1 is the output (voted on), fd 2 the log; other fds are `EBADF` |
//! | `fd_fdstat_get` | fds 0 to 2 are character devices |
//! | `fd_close`, `fd_seek` | accepted on fds 0 to 2 / `ESPIPE` |
//! | `proc_exit` | ends the task with that exit code |
//! | `random_get` | fills the buffer with zeros: there is no randomness, but Rust's `HashMap` works |
//! | anything else of `wasi_snapshot_preview1` (clocks, files, sockets, polling) | `ENOSYS` |
//!
//! A module importing from any other module is an invalid program. Everything here depends
//! only on the program and its input, so every replica sees the same behaviour.

use crate::MAX_LOG_LEN;
use alloc::{format, string::String, vec::Vec};
use core::fmt;
use wasmi::{Caller, Error, Extern, ExternType, Linker, Memory, Module, StoreLimits, Val};

pub(crate) const WASI: &str = "wasi_snapshot_preview1";

// WASI errno values.
const SUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const ENOSYS: i32 = 52;
const ESPIPE: i32 = 70;

const FILETYPE_CHARACTER_DEVICE: u8 = 2;
const RIGHTS_FD_READ: u64 = 1 << 1;
const RIGHTS_FD_WRITE: u64 = 1 << 6;

/// The state a task's host functions work on.
pub(crate) struct Host {
	pub limits: StoreLimits,
	pub args: Vec<Vec<u8>>,
	pub stdin: Vec<u8>,
	pub stdin_read: usize,
	pub stdout: Vec<u8>,
	pub stderr: Vec<u8>,
	pub max_output: usize,
}

/// The program wrote more output than the job allows; ends the run.
#[derive(Debug)]
pub(crate) struct OutputTooLarge;

impl fmt::Display for OutputTooLarge {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("the task wrote more output than allowed")
	}
}

impl wasmi::errors::HostError for OutputTooLarge {}

/// The imports of `module` this interface cannot satisfy: imports from another module, or
/// anything but functions.
pub(crate) fn unsupported_imports(module: &Module) -> Vec<String> {
	module
		.imports()
		.filter(|import| import.module() != WASI || !matches!(import.ty(), ExternType::Func(_)))
		.map(|import| format!("{}::{}", import.module(), import.name()))
		.collect()
}

/// A linker offering the interface to `module`, with every other WASI function it imports
/// answering `ENOSYS`.
pub(crate) fn linker(engine: &wasmi::Engine, module: &Module) -> Result<Linker<Host>, Error> {
	let mut linker = Linker::<Host>::new(engine);
	// Every WASI function the module imports answers ENOSYS, unless defined below: the
	// definitions shadow these stubs.
	linker.allow_shadowing(true);
	for import in module.imports().filter(|import| import.module() == WASI) {
		if let ExternType::Func(ty) = import.ty() {
			let returns_errno = ty.results().len() == 1;
			linker.func_new(
				WASI,
				import.name(),
				ty.clone(),
				move |_, _: &[Val], results: &mut [Val]| {
					if returns_errno {
						results[0] = Val::I32(ENOSYS);
					}
					Ok(())
				},
			)?;
		}
	}
	linker.func_wrap(
		WASI,
		"args_sizes_get",
		|mut caller: Caller<'_, Host>, count: i32, size: i32| {
			let args = caller.data().args.clone();
			let bytes: usize = args.iter().map(|a| a.len() + 1).sum();
			errno(with_memory(&mut caller, |data, _| {
				put_u32(data, count, args.len() as u32)?;
				put_u32(data, size, bytes as u32)
			}))
		},
	)?;
	linker.func_wrap(WASI, "args_get", |mut caller: Caller<'_, Host>, argv: i32, buf: i32| {
		let args = caller.data().args.clone();
		errno(with_memory(&mut caller, |data, _| write_strings(data, &args, argv, buf)))
	})?;
	linker.func_wrap(
		WASI,
		"environ_sizes_get",
		|mut caller: Caller<'_, Host>, count: i32, size: i32| {
			errno(with_memory(&mut caller, |data, _| {
				put_u32(data, count, 0)?;
				put_u32(data, size, 0)
			}))
		},
	)?;
	linker.func_wrap(WASI, "environ_get", |_: Caller<'_, Host>, _: i32, _: i32| SUCCESS)?;
	linker.func_wrap(WASI, "fd_write", fd_write)?;
	linker.func_wrap(WASI, "fd_read", fd_read)?;
	linker.func_wrap(
		WASI,
		"fd_fdstat_get",
		|mut caller: Caller<'_, Host>, fd: i32, stat: i32| {
			if !(0..=2).contains(&fd) {
				return EBADF;
			}
			let rights = if fd == 0 { RIGHTS_FD_READ } else { RIGHTS_FD_WRITE };
			errno(with_memory(&mut caller, |data, _| {
				let mut record = [0u8; 24];
				record[0] = FILETYPE_CHARACTER_DEVICE;
				record[8..16].copy_from_slice(&rights.to_le_bytes());
				slice_mut(data, stat, 24)?.copy_from_slice(&record);
				Some(())
			}))
		},
	)?;
	linker.func_wrap(
		WASI,
		"fd_close",
		|_: Caller<'_, Host>, fd: i32| {
			if (0..=2).contains(&fd) {
				SUCCESS
			} else {
				EBADF
			}
		},
	)?;
	linker.func_wrap(
		WASI,
		"fd_seek",
		|_: Caller<'_, Host>, fd: i32, _: i64, _: i32, _: i32| {
			if (0..=2).contains(&fd) {
				ESPIPE
			} else {
				EBADF
			}
		},
	)?;
	linker.func_wrap(WASI, "proc_exit", |_: Caller<'_, Host>, code: i32| -> Result<(), Error> {
		Err(Error::i32_exit(code))
	})?;
	linker.func_wrap(WASI, "random_get", |mut caller: Caller<'_, Host>, buf: i32, len: i32| {
		errno(with_memory(&mut caller, |data, _| {
			slice_mut(data, buf, len)?.fill(0);
			Some(())
		}))
	})?;
	Ok(linker)
}

fn fd_write(
	mut caller: Caller<'_, Host>,
	fd: i32,
	iovs: i32,
	count: i32,
	written: i32,
) -> Result<i32, Error> {
	if fd != 1 && fd != 2 {
		return Ok(EBADF);
	}
	let outcome = with_memory(&mut caller, |data, host| {
		let mut total = 0u32;
		for i in 0..count.max(0) as u32 {
			let (ptr, len) = iovec(data, iovs, i)?;
			let bytes = slice(data, ptr as i32, len as i32)?;
			if fd == 1 {
				if host.stdout.len() + bytes.len() > host.max_output {
					return Some(Err(()));
				}
				host.stdout.extend_from_slice(bytes);
			} else {
				let room = MAX_LOG_LEN.saturating_sub(host.stderr.len());
				host.stderr.extend_from_slice(&bytes[..bytes.len().min(room)]);
			}
			total = total.wrapping_add(len);
		}
		put_u32(data, written, total)?;
		Some(Ok(()))
	});
	match outcome {
		Some(Ok(())) => Ok(SUCCESS),
		Some(Err(())) => Err(Error::host(OutputTooLarge)),
		None => Ok(EFAULT),
	}
}

fn fd_read(mut caller: Caller<'_, Host>, fd: i32, iovs: i32, count: i32, read: i32) -> i32 {
	if fd != 0 {
		return EBADF;
	}
	errno(with_memory(&mut caller, |data, host| {
		let mut total = 0u32;
		for i in 0..count.max(0) as u32 {
			let (ptr, len) = iovec(data, iovs, i)?;
			let rest = &host.stdin[host.stdin_read..];
			let n = rest.len().min(len as usize);
			slice_mut(data, ptr as i32, n as i32)?.copy_from_slice(&rest[..n]);
			host.stdin_read += n;
			total = total.wrapping_add(n as u32);
			if n < len as usize {
				break;
			}
		}
		put_u32(data, read, total)
	}))
}

/// Run `f` on the caller's exported memory and host state; `None` when the module has no
/// memory or `f` found an address out of bounds.
fn with_memory<R>(
	caller: &mut Caller<'_, Host>,
	f: impl FnOnce(&mut [u8], &mut Host) -> Option<R>,
) -> Option<R> {
	let memory: Memory = caller.get_export("memory").and_then(Extern::into_memory)?;
	let (data, host) = memory.data_and_store_mut(caller);
	f(data, host)
}

fn errno(outcome: Option<()>) -> i32 {
	if outcome.is_some() {
		SUCCESS
	} else {
		EFAULT
	}
}

fn slice(data: &[u8], ptr: i32, len: i32) -> Option<&[u8]> {
	let start = ptr as u32 as usize;
	data.get(start..start.checked_add(len as u32 as usize)?)
}

fn slice_mut(data: &mut [u8], ptr: i32, len: i32) -> Option<&mut [u8]> {
	let start = ptr as u32 as usize;
	data.get_mut(start..start.checked_add(len as u32 as usize)?)
}

fn get_u32(data: &[u8], ptr: i32) -> Option<u32> {
	Some(u32::from_le_bytes(slice(data, ptr, 4)?.try_into().ok()?))
}

/// The buffer (pointer, length) of the `index`th entry of the iovec array at `iovs`.
fn iovec(data: &[u8], iovs: i32, index: u32) -> Option<(u32, u32)> {
	let entry = (iovs as u32).checked_add(index.checked_mul(8)?)?;
	Some((get_u32(data, entry as i32)?, get_u32(data, entry.checked_add(4)? as i32)?))
}

fn put_u32(data: &mut [u8], ptr: i32, value: u32) -> Option<()> {
	slice_mut(data, ptr, 4)?.copy_from_slice(&value.to_le_bytes());
	Some(())
}

/// Lay out `strings` as C strings at `buf`, with a pointer to each at `pointers`.
fn write_strings(data: &mut [u8], strings: &[Vec<u8>], pointers: i32, buf: i32) -> Option<()> {
	let mut at = buf as u32;
	for (i, string) in strings.iter().enumerate() {
		put_u32(data, (pointers as u32).checked_add(4 * i as u32)? as i32, at)?;
		let target = slice_mut(data, at as i32, string.len() as i32 + 1)?;
		target[..string.len()].copy_from_slice(string);
		target[string.len()] = 0;
		at = at.checked_add(string.len() as u32 + 1)?;
	}
	Some(())
}
