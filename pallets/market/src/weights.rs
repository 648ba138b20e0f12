//! Weights of pallet-market. PROVISIONAL: to be replaced by the file the benchmarks generate
//! (`scripts/benchmark.sh`).

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
	fn cancel_job(n: u32) -> Weight;
	fn commit_results(n: u32) -> Weight;
	fn reveal_results(n: u32) -> Weight;
	fn on_initialize_base() -> Weight;
	fn assign_task(r: u32, a: u32) -> Weight;
	fn process_deadline(r: u32) -> Weight;
}

/// Weights measured on the reference machine, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		Weight::from_parts(60_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(6, 9))
	}
	fn update() -> Weight {
		Weight::from_parts(40_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(6, 9))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(50_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(5, 6))
	}
	fn pause() -> Weight {
		Weight::from_parts(30_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(5, 6))
	}
	fn resume() -> Weight {
		Weight::from_parts(30_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(5, 6))
	}
	fn unbond() -> Weight {
		Weight::from_parts(30_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(5, 6))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(50_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(5, 6))
	}
	fn post_job(n: u32) -> Weight {
		Weight::from_parts(60_000_000, 4000)
			.saturating_add(Weight::from_parts(5_000_000, 100).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(3, 6))
			.saturating_add(T::DbWeight::get().writes(n.into()))
	}
	fn cancel_job(n: u32) -> Weight {
		Weight::from_parts(60_000_000, 4000)
			.saturating_add(Weight::from_parts(30_000_000, 3000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(3, 3))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2).saturating_mul(n.into()))
	}
	fn commit_results(n: u32) -> Weight {
		Weight::from_parts(30_000_000, 4000)
			.saturating_add(Weight::from_parts(20_000_000, 3000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(3, 3))
			.saturating_add(T::DbWeight::get().reads_writes(3, 2).saturating_mul(n.into()))
	}
	fn reveal_results(n: u32) -> Weight {
		Weight::from_parts(30_000_000, 4000)
			.saturating_add(Weight::from_parts(200_000_000, 20000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(20, 20).saturating_mul(n.into()))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(5_000_000, 1000).saturating_add(T::DbWeight::get().reads_writes(4, 3))
	}
	fn assign_task(r: u32, a: u32) -> Weight {
		Weight::from_parts(30_000_000, 4000)
			.saturating_add(Weight::from_parts(30_000_000, 3000).saturating_mul(r.into()))
			.saturating_add(Weight::from_parts(10_000_000, 3000).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads_writes(3, 3))
			.saturating_add(T::DbWeight::get().reads_writes(4, 6).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(3).saturating_mul(a.into()))
	}
	fn process_deadline(r: u32) -> Weight {
		Weight::from_parts(40_000_000, 4000)
			.saturating_add(Weight::from_parts(60_000_000, 5000).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads_writes(3, 3))
			.saturating_add(T::DbWeight::get().reads_writes(6, 8).saturating_mul(r.into()))
	}
}

/// For tests: the same shape with the reference database weights.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(60_000_000, 4000).saturating_add(RocksDbWeight::get().reads_writes(6, 9))
	}
	fn update() -> Weight {
		Weight::from_parts(40_000_000, 4000).saturating_add(RocksDbWeight::get().reads_writes(6, 9))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(50_000_000, 4000).saturating_add(RocksDbWeight::get().reads_writes(5, 6))
	}
	fn pause() -> Weight {
		Weight::from_parts(30_000_000, 4000).saturating_add(RocksDbWeight::get().reads_writes(5, 6))
	}
	fn resume() -> Weight {
		Weight::from_parts(30_000_000, 4000).saturating_add(RocksDbWeight::get().reads_writes(5, 6))
	}
	fn unbond() -> Weight {
		Weight::from_parts(30_000_000, 4000).saturating_add(RocksDbWeight::get().reads_writes(5, 6))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(50_000_000, 4000).saturating_add(RocksDbWeight::get().reads_writes(5, 6))
	}
	fn post_job(n: u32) -> Weight {
		Weight::from_parts(60_000_000, 4000)
			.saturating_add(Weight::from_parts(5_000_000, 100).saturating_mul(n.into()))
	}
	fn cancel_job(n: u32) -> Weight {
		Weight::from_parts(60_000_000, 4000)
			.saturating_add(Weight::from_parts(30_000_000, 3000).saturating_mul(n.into()))
	}
	fn commit_results(n: u32) -> Weight {
		Weight::from_parts(30_000_000, 4000)
			.saturating_add(Weight::from_parts(20_000_000, 3000).saturating_mul(n.into()))
	}
	fn reveal_results(n: u32) -> Weight {
		Weight::from_parts(30_000_000, 4000)
			.saturating_add(Weight::from_parts(200_000_000, 20000).saturating_mul(n.into()))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(5_000_000, 1000)
	}
	fn assign_task(r: u32, a: u32) -> Weight {
		Weight::from_parts(30_000_000, 4000)
			.saturating_add(Weight::from_parts(30_000_000, 3000).saturating_mul(r.into()))
			.saturating_add(Weight::from_parts(10_000_000, 3000).saturating_mul(a.into()))
	}
	fn process_deadline(r: u32) -> Weight {
		Weight::from_parts(40_000_000, 4000)
			.saturating_add(Weight::from_parts(60_000_000, 5000).saturating_mul(r.into()))
	}
}
