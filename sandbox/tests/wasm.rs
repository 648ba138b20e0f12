//! The wasm sandbox against real modules: each containment case ends in a clear status and
//! the executor goes on serving.

use conun_primitives::{Program, Resources, TaskStatus, MAX_OUTPUT_BYTES};
use conun_sandbox::{wasm_limits, Execution, Limits, WasmExecutor};

const LIMITS: Limits =
	Limits { fuel: 10_000_000, memory_bytes: 16 << 20, max_output: MAX_OUTPUT_BYTES as usize };

fn wasm(text: &str) -> Vec<u8> {
	wat::parse_str(text).expect("test modules are valid WAT")
}

fn run(text: &str, input: &[u8]) -> Execution {
	WasmExecutor::new().run(&wasm(text), "_start", input, LIMITS)
}

const IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
"#;

/// Copies its input (up to 1 KiB) to stdout, then exits with the code given.
fn echo(exit: i32) -> String {
	format!(
		r#"(module {IMPORTS}
		  (memory (export "memory") 1)
		  (func (export "_start")
		    (i32.store (i32.const 0) (i32.const 64))
		    (i32.store (i32.const 4) (i32.const 1024))
		    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
		    (i32.store (i32.const 4) (i32.load (i32.const 16)))
		    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 20)))
		    (if (i32.ne (i32.const {exit}) (i32.const 0)) (then (call $proc_exit (i32.const {exit}))))))"#
	)
}

#[test]
fn a_task_reads_its_input_and_writes_its_output() {
	let run = run(&echo(0), b"hello conun");
	assert_eq!(run.output.status, TaskStatus::Exited(0));
	assert_eq!(run.output.stdout, b"hello conun");
	assert!(run.fuel_used > 0 && run.fuel_used < LIMITS.fuel);
}

#[test]
fn the_same_task_gives_the_same_result_and_fuel_every_time() {
	let executor = WasmExecutor::new();
	let program = wasm(&echo(0));
	let first = executor.run(&program, "_start", b"same input", LIMITS);
	for _ in 0..3 {
		let again = executor.run(&program, "_start", b"same input", LIMITS);
		assert_eq!(again.output, first.output);
		assert_eq!(again.output.result_hash(), first.output.result_hash());
		assert_eq!(again.fuel_used, first.fuel_used);
	}
}

#[test]
fn an_exit_code_is_part_of_the_result() {
	let run = run(&echo(3), b"partial");
	assert_eq!(run.output.status, TaskStatus::Exited(3));
	assert_eq!(run.output.stdout, b"partial");
}

#[test]
fn the_task_sees_its_arguments() {
	let text = r#"(module
	  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
	  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
	  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
	  (memory (export "memory") 1)
	  (func (export "_start")
	    (drop (call $sizes (i32.const 0) (i32.const 4)))
	    (drop (call $args (i32.const 16) (i32.const 64)))
	    ;; write argv[0] without its NUL: buf_size - 1 bytes
	    (i32.store (i32.const 32) (i32.load (i32.const 16)))
	    (i32.store (i32.const 36) (i32.sub (i32.load (i32.const 4)) (i32.const 1)))
	    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 40)))))"#;
	let run = run(text, b"");
	assert_eq!(run.output.status, TaskStatus::Exited(0));
	assert_eq!(run.output.stdout, b"task");
}

#[test]
fn no_clock_and_no_randomness() {
	let text = r#"(module
	  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
	  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
	  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
	  (memory (export "memory") 1)
	  (func (export "_start")
	    (i32.store8 (i32.const 64) (call $clock (i32.const 0) (i64.const 1) (i32.const 128)))
	    (i64.store (i32.const 65) (i64.const -1))
	    (drop (call $random (i32.const 65) (i32.const 8)))
	    (i32.store (i32.const 0) (i32.const 64))
	    (i32.store (i32.const 4) (i32.const 9))
	    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))))"#;
	let run = run(text, b"");
	assert_eq!(run.output.status, TaskStatus::Exited(0));
	// clock_time_get answers ENOSYS (52); random_get gives zeros.
	assert_eq!(run.output.stdout, [52, 0, 0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
	let text = r#"(module (memory (export "memory") 1)
	  (func (export "_start") (loop $forever (br $forever))))"#;
	let run = run(text, b"");
	assert_eq!(run.output.status, TaskStatus::OutOfFuel);
	// Burned to the last unit it could: less is left than the next instruction costs.
	assert!(run.fuel_used > LIMITS.fuel - 16, "{}", run.fuel_used);
}

#[test]
fn a_memory_hog_is_stopped_at_the_limit() {
	let text = r#"(module (memory (export "memory") 1)
	  (func (export "_start") (loop $more (br_if $more (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))))"#;
	let run = run(text, b"");
	assert_eq!(run.output.status, TaskStatus::MemoryExceeded);
}

#[test]
fn a_module_whose_initial_memory_is_over_the_limit_does_not_start() {
	// 512 pages = 32 MiB, over the 16 MiB limit.
	let run = run(r#"(module (memory (export "memory") 512) (func (export "_start")))"#, b"");
	assert_eq!(
		run.output.status,
		TaskStatus::MemoryExceeded,
		"{}",
		String::from_utf8_lossy(&run.stderr)
	);
}

#[test]
fn oversized_output_is_cut_off() {
	let text = format!(
		r#"(module {IMPORTS}
		  (memory (export "memory") 2)
		  (func (export "_start")
		    (i32.store (i32.const 0) (i32.const 64))
		    (i32.store (i32.const 4) (i32.const 65536))
		    (loop $more (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16))) (br $more))))"#
	);
	let limits = Limits { max_output: 1 << 20, fuel: u64::MAX / 2, ..LIMITS };
	let run = WasmExecutor::new().run(&wasm(&text), "_start", b"", limits);
	assert_eq!(run.output.status, TaskStatus::OutputTooLarge);
	assert!(run.output.stdout.is_empty());
}

#[test]
fn a_trap_is_a_result() {
	let run =
		run(r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#, b"");
	assert_eq!(run.output.status, TaskStatus::Trapped);
	assert!(String::from_utf8_lossy(&run.stderr).contains("stopped"));
}

#[test]
fn malformed_modules_are_invalid_programs() {
	let executor = WasmExecutor::new();
	for program in [&b"not wasm at all"[..], b"(module)", b"\0asm\x01\0\0\0\x05garbage", b""] {
		let run = executor.run(program, "_start", b"", LIMITS);
		assert_eq!(run.output.status, TaskStatus::InvalidProgram, "{program:?}");
		assert!(!run.stderr.is_empty());
	}
}

#[test]
fn imports_outside_the_sandbox_are_refused() {
	let text = r#"(module
	  (import "env" "connect" (func $connect (param i32) (result i32)))
	  (memory (export "memory") 1)
	  (func (export "_start") (drop (call $connect (i32.const 0)))))"#;
	let run = run(text, b"");
	assert_eq!(run.output.status, TaskStatus::InvalidProgram);
	assert!(String::from_utf8_lossy(&run.stderr).contains("env::connect"));
}

#[test]
fn a_missing_entry_point_is_an_invalid_program() {
	let program = wasm(r#"(module (memory (export "memory") 1) (func (export "main")))"#);
	let run = WasmExecutor::new().run(&program, "_start", b"", LIMITS);
	assert_eq!(run.output.status, TaskStatus::InvalidProgram);
	let run = WasmExecutor::new().run(&program, "main", b"", LIMITS);
	assert_eq!(run.output.status, TaskStatus::Exited(0));
}

#[test]
fn an_entry_point_that_is_not_utf8_is_an_invalid_program() {
	let program = wasm(r#"(module (memory (export "memory") 1) (func (export "main")))"#);
	let run = WasmExecutor::new().run(&program, [b'm', 0xff], b"", LIMITS);
	assert_eq!(run.output.status, TaskStatus::InvalidProgram);
	assert!(String::from_utf8_lossy(&run.stderr).contains("not UTF-8"));
}

#[test]
fn a_job_s_terms_give_the_limits_its_tasks_run_under() {
	let program = Program::Wasm {
		hash: Default::default(),
		size: 10,
		entry_point: b"_start".to_vec().try_into().unwrap(),
		fuel: 123_456,
	};
	let resources = Resources { cores: 2, memory_mib: 48, gpus: 0 };
	assert_eq!(
		wasm_limits(&program, &resources),
		Some(Limits {
			fuel: 123_456,
			memory_bytes: 48 << 20,
			max_output: MAX_OUTPUT_BYTES as usize
		})
	);
	let docker = Program::Docker {
		hash: Default::default(),
		size: 10,
		command: Default::default(),
		args: Default::default(),
	};
	assert_eq!(wasm_limits(&docker, &resources), None);
}

#[test]
fn the_executor_keeps_serving_after_failures() {
	let executor = WasmExecutor::new();
	let bad = [
		wasm(r#"(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))"#),
		wasm(r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#),
		b"garbage".to_vec(),
	];
	for program in &bad {
		assert_ne!(
			executor.run(program, "_start", b"", LIMITS).output.status,
			TaskStatus::Exited(0)
		);
	}
	let good = executor.run(&wasm(&echo(0)), "_start", b"still here", LIMITS);
	assert_eq!(good.output.stdout, b"still here");
}
