//! FRAME benchmarks of the runtime's pallets, run by `conun-node benchmark pallet`
//! (built with `--features runtime-benchmarks`).

use alloc::{string::String, vec::Vec};
use polkadot_sdk::{
	frame_benchmarking::{baseline, BenchmarkBatch, BenchmarkConfig, BenchmarkList},
	frame_support::traits::{StorageInfo, StorageInfoTrait, WhitelistedStorageKeys},
	sp_storage::TrackedStorageKey,
	*,
};

use crate::{AllPalletsWithSystem, Balances, Market, Runtime, Sudo, Timestamp};

type SystemBench = frame_system_benchmarking::Pallet<Runtime>;
type BaselineBench = baseline::Pallet<Runtime>;

impl frame_system_benchmarking::Config for Runtime {}
impl baseline::Config for Runtime {}

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench]
	[frame_system, SystemBench]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_market, Market]
);

/// The benchmarks this runtime offers, and the storage items they touch.
pub fn metadata(extra: bool) -> (Vec<BenchmarkList>, Vec<StorageInfo>) {
	let mut list = Vec::<BenchmarkList>::new();
	list_benchmarks!(list, extra);
	(list, AllPalletsWithSystem::storage_info())
}

/// Runs the benchmarks selected by `config`.
pub fn dispatch(config: BenchmarkConfig) -> Result<Vec<BenchmarkBatch>, String> {
	let whitelist: Vec<TrackedStorageKey> = AllPalletsWithSystem::whitelisted_storage_keys();
	let mut batches = Vec::<BenchmarkBatch>::new();
	let params = (&config, &whitelist);
	add_benchmarks!(params, batches);
	Ok(batches)
}
