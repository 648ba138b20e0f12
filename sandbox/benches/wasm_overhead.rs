//! The worker's wasm sandbox against the same module run with wasmi by hand, in one run.
//!
//! Both sides compile the module, instantiate it with fuel metering and eager compilation (the
//! sandbox's engine settings) and call `_start`; the baseline links only the one import the
//! module uses. Prints the median time of each and the ratio (target: at most 1.05).

use conun_primitives::MAX_OUTPUT_BYTES;
use conun_sandbox::{Limits, WasmExecutor};
use std::time::{Duration, Instant};
use wasmi::{Caller, CompilationMode, Config, Engine, Linker, Module, Store};

/// Sums 1..=N in a loop and writes the 8 bytes of the sum to stdout.
const PROGRAM: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i64) (local $sum i64)
    (local.set $i (i64.const 1))
    (loop $next
      (local.set $sum (i64.add (local.get $sum) (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $next (i64.le_u (local.get $i) (i64.const 20000000))))
    (i64.store (i32.const 64) (local.get $sum))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 8))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))))"#;

const FUEL: u64 = 1_000_000_000;

fn by_hand(program: &[u8]) -> u64 {
	let mut config = Config::default();
	config.consume_fuel(true).compilation_mode(CompilationMode::Eager);
	let engine = Engine::new(&config);
	let module = Module::new(&engine, program).unwrap();
	let mut store = Store::new(&engine, 0u64);
	store.set_fuel(FUEL).unwrap();
	let mut linker = Linker::<u64>::new(&engine);
	linker
		.func_wrap(
			"wasi_snapshot_preview1",
			"fd_write",
			|mut caller: Caller<'_, u64>, _: i32, _: i32, _: i32, _: i32| {
				let memory = caller.get_export("memory").unwrap().into_memory().unwrap();
				let mut sum = [0u8; 8];
				memory.read(&caller, 64, &mut sum).unwrap();
				*caller.data_mut() = u64::from_le_bytes(sum);
				0
			},
		)
		.unwrap();
	let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
	instance
		.get_typed_func::<(), ()>(&store, "_start")
		.unwrap()
		.call(&mut store, ())
		.unwrap();
	*store.data()
}

fn median(mut samples: Vec<Duration>) -> Duration {
	samples.sort();
	samples[samples.len() / 2]
}

fn main() {
	let program = wat::parse_str(PROGRAM).unwrap();
	let executor = WasmExecutor::new();
	let limits =
		Limits { fuel: FUEL, memory_bytes: 16 << 20, max_output: MAX_OUTPUT_BYTES as usize };
	let expected: u64 = 20_000_000 * 20_000_001 / 2;
	let rounds = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(15);
	let (mut hand, mut worker) = (Vec::new(), Vec::new());
	for round in 0..rounds {
		// Interleave, and take turns at going first, so that both see the same machine.
		for side in [round % 2, 1 - round % 2] {
			let started = Instant::now();
			if side == 0 {
				assert_eq!(by_hand(&program), expected);
				hand.push(started.elapsed());
			} else {
				let run = executor.run(&program, "_start", b"", limits);
				worker.push(started.elapsed());
				assert_eq!(run.output.stdout, expected.to_le_bytes());
			}
		}
	}
	let (hand, worker) = (median(hand), median(worker));
	println!("wasm task, 20,000,000 loop iterations, median of {rounds} runs each");
	println!("  wasmi by hand:      {:>8.2} ms", hand.as_secs_f64() * 1e3);
	println!("  conun-worker sandbox: {:>6.2} ms", worker.as_secs_f64() * 1e3);
	println!("  ratio: {:.3} (target <= 1.05)", worker.as_secs_f64() / hand.as_secs_f64());
}
