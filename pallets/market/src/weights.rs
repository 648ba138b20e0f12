//! Weights of pallet-market. PROVISIONAL, generous estimates: replaced by the file the
//! benchmarks generate (`scripts/benchmark.sh`).

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for pallet-market.
pub trait WeightInfo {
	fn register() -> Weight;
	fn update() -> Weight;
	fn bond_extra() -> Weight;
	fn pause() -> Weight;
	fn resume() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn post_job(n: u32) -> Weight;
	fn cancel_job() -> Weight;
	fn commit_results(n: u32) -> Weight;
	fn reveal_results(n: u32, r: u32) -> Weight;
	fn on_initialize_base() -> Weight;
	fn assign_task(r: u32, p: u32) -> Weight;
	fn sampling_misses(a: u32) -> Weight;
	fn cancel_task(r: u32) -> Weight;
	fn process_deadline(r: u32) -> Weight;
	fn assign_with_queue(q: u32) -> Weight;
}

/// Weights for pallet-market with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn update() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn pause() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn resume() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn unbond() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn post_job(n: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn commit_results(n: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn reveal_results(n: u32, r: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn assign_task(r: u32, p: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(r.into()))
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn sampling_misses(a: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn cancel_task(r: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn process_deadline(r: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn assign_with_queue(q: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(q.into()))
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
}

/// For tests.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn update() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn pause() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn resume() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn unbond() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn post_job(n: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn commit_results(n: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn reveal_results(n: u32, r: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn assign_task(r: u32, p: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(r.into()))
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(p.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn sampling_misses(a: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(a.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn cancel_task(r: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn process_deadline(r: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn assign_with_queue(q: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(Weight::from_parts(100_000_000, 10_000).saturating_mul(q.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
}
