//! Benchmarks of every call and hook step, each in its worst case: the largest capabilities,
//! contact and program, and the most expensive path through the code (every commit opens
//! reveals, every verdict slashes all but two replicas, every deadline misses every replica).
//!
//! `assign_task(r, p)` and `assign_with_queue(q)` also show that assignment costs the same
//! whatever the number of providers `p` and of queued entries `q`; `provider_reads(p)` is the
//! storage baseline `assign_task` is compared with.

use super::*;
use crate::Pallet as Market;
use alloc::{vec, vec::Vec};
use conun_primitives::{
	commitment, Bytes, Capabilities, Contact, JobTerms, Program, ProviderStatus, Resources,
	RuntimeKind, RuntimeSet, TaskInput, TaskRef, MAX_ADDRS, MAX_ADDR_LEN, MAX_ARGS, MAX_ARG_LEN,
	MAX_GPU_MODEL_LEN, MAX_PEER_ID_LEN,
};
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::{
		pallet_prelude::*,
		traits::{fungible::Mutate, Hooks},
		weights::WeightMeter,
	},
	frame_system::{self, pallet_prelude::BlockNumberFor, RawOrigin},
	sp_core::H256,
	sp_runtime::traits::{Bounded, Saturating},
};

const SEED: u32 = 0;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1_000_000_000u32.into());
	who
}

fn full<const N: u32>() -> Bytes<N> {
	BoundedVec::truncate_from(vec![7u8; N as usize])
}

fn stake<T: Config>() -> BalanceOf<T> {
	T::MinStake::get().saturating_mul(10u32.into())
}

fn capabilities(max_tasks: u32) -> Capabilities {
	Capabilities {
		resources: Resources { cores: 1024, memory_mib: u32::MAX, gpus: 64 },
		gpu_model: full::<MAX_GPU_MODEL_LEN>(),
		runtimes: RuntimeSet { wasm: true, docker: true },
		max_tasks,
	}
}

fn contact() -> Contact {
	Contact {
		peer_id: full::<MAX_PEER_ID_LEN>(),
		addrs: BoundedVec::truncate_from(vec![full::<MAX_ADDR_LEN>(); MAX_ADDRS as usize]),
	}
}

fn program() -> Program {
	Program::Docker {
		hash: H256::repeat_byte(1),
		size: 1 << 30,
		command: full::<MAX_ARG_LEN>(),
		args: BoundedVec::truncate_from(vec![full::<MAX_ARG_LEN>(); MAX_ARGS as usize]),
	}
}

fn terms<T: Config>(replicas: u32) -> JobTerms<BalanceOf<T>, BlockNumberFor<T>> {
	JobTerms {
		resources: Resources { cores: 1, memory_mib: 1, gpus: 0 },
		replicas,
		price: T::MinPrice::get().max(1_000u32.into()),
		min_reputation: 0,
		deadlines: conun_primitives::Deadlines {
			execution: 10u32.into(),
			commit: 10u32.into(),
			reveal: 10u32.into(),
		},
	}
}

fn inputs<T: Config>(tasks: u32) -> BoundedVec<TaskInput, T::MaxTasksPerJob> {
	BoundedVec::truncate_from(
		(0..tasks)
			.map(|i| {
				let mut hash = [0u8; 32];
				hash[..4].copy_from_slice(&i.to_le_bytes());
				TaskInput { hash: H256(hash), size: 1 }
			})
			.collect(),
	)
}

/// A registered provider that takes up to `max_tasks` tasks at once: staked and with the
/// record (verified replicas) that many slots need.
fn provider<T: Config>(index: u32, max_tasks: u32) -> T::AccountId {
	let who = funded::<T>("provider", index);
	let stake = stake::<T>().max(T::StakePerTask::get().saturating_mul(max_tasks.into()));
	// A record kept from an earlier registration, which registering takes back.
	crate::KeptStandings::<T>::insert(
		&who,
		conun_primitives::Standing {
			reputation: T::InitialReputation::get(),
			verified: max_tasks,
			..Default::default()
		},
	);
	Market::<T>::do_register(who.clone(), stake, capabilities(max_tasks), contact(), 1u32.into())
		.expect("a funded account registers");
	who
}

fn providers<T: Config>(count: u32, max_tasks: u32) -> Vec<T::AccountId> {
	(0..count).map(|i| provider::<T>(i, max_tasks)).collect()
}

/// Post a job of `tasks` tasks with R = `replicas`; returns its id.
fn post<T: Config>(tasks: u32, replicas: u32) -> JobId {
	let owner = funded::<T>("requester", 0);
	let id = NextJobId::<T>::get();
	Market::<T>::do_post_job(owner, program(), inputs::<T>(tasks), terms::<T>(replicas), contact())
		.expect("a funded requester posts");
	id
}

/// Assign task 0 of `job` to `all`, who commit and reveal the same result: its verdict is
/// then open to challenge.
fn open_verdict<T: Config>(all: &[T::AccountId], job: JobId) {
	assign_all::<T>();
	for who in all.iter() {
		Market::<T>::do_commit_results(who.clone(), commit_items::<T>(who, job, 1, 1)).unwrap();
	}
	for who in all.iter() {
		Market::<T>::do_reveal_results(who.clone(), reveal_items::<T>(job, 1, 1)).unwrap();
	}
	assert!(matches!(Tasks::<T>::get(job, 0).unwrap().phase, TaskPhase::Provisional { .. }));
}

/// A replica of `who` that has revealed `result_of(byte)`, assigned and due now.
fn revealed<T: Config>(who: &T::AccountId, byte: u8) -> Replica<T> {
	Replica::<T> {
		provider: who.clone(),
		assigned_at: now::<T>(),
		commit_by: now::<T>(),
		state: ReplicaState::Revealed { result: result_of(byte) },
	}
}

/// `who` holds an unsettled replica of `task`, as an assignment leaves it.
fn hold_unsettled<T: Config>(who: &T::AccountId, task: TaskRef) {
	Assignments::<T>::insert(who, task, ());
	Providers::<T>::mutate(who, |p| p.as_mut().unwrap().unsettled = 1);
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

/// Run the assignment queue without a weight limit.
fn assign_all<T: Config>() {
	Market::<T>::process_queue(now::<T>(), &mut WeightMeter::new());
}

/// A pool of `members` providers (at least `replicas`) and one job of one task with R =
/// `replicas`, waiting to be assigned: the job and its record.
fn one_task_to_assign<T: Config>(members: u32, replicas: u32) -> (JobId, JobInfo<T>) {
	frame_system::Pallet::<T>::set_block_number(1u32.into());
	providers::<T>(members.max(replicas), 4);
	let job = post::<T>(1, replicas);
	(job, Jobs::<T>::get(job).unwrap())
}

/// Assign task 0 of `job` as the hook does, the block's randomness included.
fn assign_first_task<T: Config>(job: JobId, info: &mut JobInfo<T>, meter: &mut WeightMeter) {
	let mut draws = crate::assignment::Draws::new(Market::<T>::block_seed());
	Market::<T>::assign_task(now::<T>(), info, TaskRef { job, task: 0 }, &mut draws, meter);
}

fn result_of(byte: u8) -> H256 {
	H256::repeat_byte(byte)
}

fn salt() -> conun_primitives::Salt {
	[9u8; 32]
}

fn commit_items<T: Config>(
	who: &T::AccountId,
	job: JobId,
	tasks: u32,
	byte: u8,
) -> BoundedVec<CommitItem, T::MaxBatch> {
	BoundedVec::truncate_from(
		(0..tasks)
			.map(|task| {
				let task = TaskRef { job, task };
				CommitItem { task, commitment: commitment(task, who, &result_of(byte), &salt()) }
			})
			.collect(),
	)
}

fn reveal_items<T: Config>(
	job: JobId,
	tasks: u32,
	byte: u8,
) -> BoundedVec<RevealItem, T::MaxBatch> {
	BoundedVec::truncate_from(
		(0..tasks)
			.map(|task| RevealItem {
				task: TaskRef { job, task },
				result: result_of(byte),
				salt: salt(),
			})
			.collect(),
	)
}

/// A valid wasm module of about `size` bytes whose `_start` runs until its fuel is gone: a
/// function of `i32.const 1; drop` pairs, then `loop br 0 end`.
fn looping_module(size: usize) -> Vec<u8> {
	fn leb(mut n: usize, out: &mut Vec<u8>) {
		loop {
			let byte = (n & 0x7f) as u8;
			n >>= 7;
			if n == 0 {
				out.push(byte);
				return;
			}
			out.push(byte | 0x80);
		}
	}
	let pairs = size.saturating_sub(64) / 3;
	let mut body = vec![0x00]; // no locals
	for _ in 0..pairs {
		body.extend_from_slice(&[0x41, 0x01, 0x1a]); // i32.const 1; drop
	}
	body.extend_from_slice(&[0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b]); // loop; br 0; end; end
	let mut code = vec![0x01]; // one body
	leb(body.len(), &mut code);
	code.extend_from_slice(&body);
	let mut module = vec![0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
	module.extend_from_slice(&[0x01, 0x04, 0x01, 0x60, 0x00, 0x00]); // type () -> ()
	module.extend_from_slice(&[0x03, 0x02, 0x01, 0x00]); // one function of that type
	module.extend_from_slice(&[0x05, 0x03, 0x01, 0x00, 0x01]); // one memory of one page
	module.extend_from_slice(&[0x07, 0x13, 0x02]); // two exports
	module.extend_from_slice(&[0x06, b'm', b'e', b'm', b'o', b'r', b'y', 0x02, 0x00]);
	module.extend_from_slice(&[0x06, b'_', b's', b't', b'a', b'r', b't', 0x00, 0x00]);
	module.push(0x0a);
	leb(code.len(), &mut module);
	module.extend_from_slice(&code);
	module
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A provider that comes back, the dearer case: its kept standing moves into its record.
	#[benchmark]
	fn register() {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let who = funded::<T>("provider", 0);
		let record = conun_primitives::Standing {
			verified: 1,
			..crate::reputation::initial_standing::<T>()
		};
		crate::KeptStandings::<T>::insert(&who, record);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), stake::<T>(), capabilities(4), contact(), 1u32.into());

		assert_eq!(Providers::<T>::get(&who).map(|p| p.standing), Some(record));
		assert!(!crate::KeptStandings::<T>::contains_key(&who));
	}

	#[benchmark]
	fn update() {
		let who = funded::<T>("provider", 0);
		let mut wasm_only = capabilities(4);
		wasm_only.runtimes.docker = false;
		Market::<T>::do_register(who.clone(), stake::<T>(), wasm_only, contact(), 1u32.into())
			.unwrap();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), capabilities(4), contact(), 2u32.into());

		assert_eq!(PoolLen::<T>::get(RuntimeKind::Docker), 1);
	}

	#[benchmark]
	fn bond_extra() {
		let who = provider::<T>(0, 4);
		// Suspended: bonding reinstates it and puts it back in both pools.
		let mut record = Providers::<T>::get(&who).unwrap();
		record.status = ProviderStatus::Suspended;
		Market::<T>::sync_pool(&who, &record);
		Providers::<T>::insert(&who, record);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), T::MinStake::get());

		assert_eq!(Providers::<T>::get(&who).unwrap().status, ProviderStatus::Active);
	}

	#[benchmark]
	fn pause() {
		let who = provider::<T>(0, 4);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(Providers::<T>::get(&who).unwrap().status, ProviderStatus::Paused);
	}

	#[benchmark]
	fn resume() {
		let who = provider::<T>(0, 4);
		Market::<T>::do_pause(who.clone()).unwrap();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(Providers::<T>::get(&who).unwrap().status, ProviderStatus::Active);
	}

	#[benchmark]
	fn unbond() {
		let who = provider::<T>(0, 4);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(PoolLen::<T>::get(RuntimeKind::Wasm), 0);
	}

	#[benchmark]
	fn withdraw_unbonded() {
		let who = provider::<T>(0, 4);
		Market::<T>::do_unbond(who.clone()).unwrap();
		frame_system::Pallet::<T>::set_block_number(
			now::<T>().saturating_add(T::UnbondingPeriod::get()),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Providers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn post_job(n: Linear<1, { T::MaxTasksPerJob::get() }>) {
		// Enough providers of the runtime for its feasibility checks to pass.
		providers::<T>(T::MaxReplicas::get(), 4);
		let owner = funded::<T>("requester", 0);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner),
			program(),
			inputs::<T>(n),
			terms::<T>(T::MaxReplicas::get()),
			contact(),
		);

		assert_eq!(Jobs::<T>::get(0).unwrap().tasks, n);
	}

	#[benchmark]
	fn cancel_job() {
		providers::<T>(T::MaxReplicas::get(), 4);
		let job = post::<T>(1, T::MaxReplicas::get());
		let owner = Jobs::<T>::get(job).unwrap().owner;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), job);

		assert_eq!(Jobs::<T>::get(job).unwrap().state, JobState::Cancelled);
	}

	/// Every item is the last commitment of its task: each one opens reveals.
	#[benchmark]
	fn commit_results(n: Linear<1, { T::MaxBatch::get() }>) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let pair = providers::<T>(2, n + 1);
		let job = post::<T>(n, 2);
		assign_all::<T>();
		Market::<T>::do_commit_results(pair[1].clone(), commit_items::<T>(&pair[1], job, n, 1))
			.unwrap();
		let items = commit_items::<T>(&pair[0], job, n, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(pair[0].clone()), items);

		assert!(matches!(Tasks::<T>::get(job, n - 1).unwrap().phase, TaskPhase::Revealing { .. }));
	}

	/// Every item is the report that makes a majority of its task's R replicas, the most R:
	/// the task fails, its replicas are released and refunded, and its deposit share burned.
	/// (Not yet in `weights.rs`: the call is charged an upper bound composed of
	/// `commit_results` and `cancel_task`, until the weights are regenerated.)
	#[benchmark]
	fn report_unavailable(n: Linear<1, { T::MaxBatch::get() }>) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let r = T::MaxReplicas::get();
		let all = providers::<T>(r, n + 1);
		let job = post::<T>(n, r);
		assign_all::<T>();
		let tasks = || -> BoundedVec<TaskRef, T::MaxBatch> {
			BoundedVec::truncate_from((0..n).map(|task| TaskRef { job, task }).collect::<Vec<_>>())
		};
		let majority = r / 2 + 1;
		for who in all.iter().take(majority as usize - 1) {
			Market::<T>::do_report_unavailable(who.clone(), tasks()).unwrap();
		}
		let last = all[majority as usize - 1].clone();
		let items = tasks();

		#[extrinsic_call]
		_(RawOrigin::Signed(last), items);

		assert_eq!(
			Tasks::<T>::get(job, n - 1).unwrap().phase,
			TaskPhase::Failed { reason: conun_primitives::FailReason::Unavailable }
		);
	}

	/// Every item reveals a task of the most replicas without settling it (the others have
	/// not revealed yet); verdicts are charged apart, by `settle_task`.
	#[benchmark]
	fn reveal_results(n: Linear<1, { T::MaxBatch::get() }>) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let r = T::MaxReplicas::get();
		let all = providers::<T>(r, n + 1);
		let job = post::<T>(n, r);
		assign_all::<T>();
		for who in all.iter() {
			Market::<T>::do_commit_results(who.clone(), commit_items::<T>(who, job, n, 1)).unwrap();
		}
		let items = reveal_items::<T>(job, n, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(all[0].clone()), items);

		let task = Tasks::<T>::get(job, n - 1).unwrap();
		assert!(matches!(task.phase, TaskPhase::Revealing { .. }));
		assert_eq!(
			task.replicas[task.replica_of(&all[0]).unwrap()].state,
			ReplicaState::Revealed { result: result_of(1) }
		);
	}

	/// The verdict on a task made final: `a` replicas revealed its result and are paid, `d`
	/// revealed a result of their own each and are slashed (a slash also moves the provider's
	/// place in the stake tree, which a payment leaves alone). The task is its job's last, so
	/// the job ends and its margin is refunded. An honest task of R = 3 is `settle_task(3, 0)`.
	#[benchmark]
	fn settle_task(
		a: Linear<1, { 2 * T::MaxReplicas::get() }>,
		d: Linear<0, { 2 * T::MaxReplicas::get() }>,
	) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let r = a + d;
		let all = providers::<T>(r, 4);
		let job = post::<T>(1, r.min(3));
		let task_ref = TaskRef { job, task: 0 };
		let mut task = Tasks::<T>::get(job, 0).unwrap();
		for (i, who) in all.iter().enumerate() {
			let byte = if (i as u32) < a { 1 } else { 10u8.saturating_add(i as u8) };
			task.replicas.try_push(revealed::<T>(who, byte)).unwrap();
			hold_unsettled::<T>(who, task_ref);
		}
		task.extra = r.saturating_sub(3);
		task.wanted = r;
		task.phase = TaskPhase::Revealing { deadline: now::<T>() };

		task.phase = TaskPhase::Provisional { result: result_of(1), until: now::<T>() };

		#[block]
		{
			let mut info = Jobs::<T>::get(job).unwrap();
			Market::<T>::finalize_verdict(task_ref, &mut info, &mut task);
			Jobs::<T>::insert(job, info);
			Tasks::<T>::insert(job, 0, task);
		}

		assert!(matches!(Tasks::<T>::get(job, 0).unwrap().phase, TaskPhase::Verified { .. }));
		assert_eq!(Jobs::<T>::get(job).unwrap().state, JobState::Finished);
	}

	/// An honest verdict made final: all `a` replicas revealed its result and are paid, and
	/// the unspent share of the task's budget is refunded. The job has another task, so it
	/// goes on: the job's end is `finish_job`, charged to its last task alone. `settle_task`
	/// measures verdicts with slashes, whose fixed part (the burn, the stake tree) an honest
	/// verdict does not pay.
	#[benchmark]
	fn settle_paid(a: Linear<1, { 2 * T::MaxReplicas::get() }>) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let all = providers::<T>(a, 4);
		let job = post::<T>(2, a.min(3));
		let task_ref = TaskRef { job, task: 0 };
		let mut task = Tasks::<T>::get(job, 0).unwrap();
		for who in all.iter() {
			task.replicas.try_push(revealed::<T>(who, 1)).unwrap();
			hold_unsettled::<T>(who, task_ref);
		}
		task.extra = a.saturating_sub(3);
		task.wanted = a;
		task.phase = TaskPhase::Provisional { result: result_of(1), until: now::<T>() };

		#[block]
		{
			let mut info = Jobs::<T>::get(job).unwrap();
			Market::<T>::finalize_verdict(task_ref, &mut info, &mut task);
			Jobs::<T>::insert(job, info);
			Tasks::<T>::insert(job, 0, task);
		}

		assert!(matches!(Tasks::<T>::get(job, 0).unwrap().phase, TaskPhase::Verified { .. }));
		assert_eq!(Jobs::<T>::get(job).unwrap().state, JobState::Open);
	}

	/// A job's end, after the verdict on its last task: the rest of its escrow (its margin)
	/// refunded and its retirement queued for pruning. Charged with that verdict
	/// (`verdict_weight`), not with every task's.
	#[benchmark]
	fn finish_job() {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		providers::<T>(3, 4);
		let job = post::<T>(1, 3);
		let mut info = Jobs::<T>::get(job).unwrap();
		info.verified = info.tasks;

		#[block]
		{
			Market::<T>::finish_job_if_done(job, &mut info);
			Jobs::<T>::insert(job, info);
		}

		let info = Jobs::<T>::get(job).unwrap();
		assert_eq!(info.state, JobState::Finished);
		assert!(info.escrow.is_zero(), "the margin is refunded");
	}

	/// What the last reveal of a task adds to its item: the job and the escalation read, the
	/// provisional verdict of its agreeing replicas, its end scheduled
	/// (`after_last_reveal`, charged for every item of `reveal_results`).
	#[benchmark]
	fn last_reveal() {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let r = T::MaxReplicas::get();
		let all = providers::<T>(r, 4);
		let job = post::<T>(1, r);
		let task_ref = TaskRef { job, task: 0 };
		let mut task = Tasks::<T>::get(job, 0).unwrap();
		for who in all.iter() {
			task.replicas.try_push(revealed::<T>(who, 1)).unwrap();
		}
		task.wanted = r;
		task.phase = TaskPhase::Revealing { deadline: now::<T>() };
		let block = now::<T>();

		#[block]
		{
			Market::<T>::after_last_reveal(task_ref, &mut task, block).unwrap();
		}

		if !T::ChallengePeriod::get().is_zero() {
			assert!(matches!(task.phase, TaskPhase::Provisional { .. }));
		}
	}

	/// Not a weight the pallet charges: the verdict of an honest task of R = 3 made final
	/// (`settle_task(3, 0)`) with `p` providers registered, for the scale benchmark
	/// (`scripts/bench/scale.sh`): how the verdict's cost grows with the number of providers.
	#[benchmark]
	fn settle_in_pool(p: Linear<10, { T::MaxProviders::get().min(10_000) }>) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let all = providers::<T>(p, 4);
		let job = post::<T>(1, 3);
		let task_ref = TaskRef { job, task: 0 };
		let mut task = Tasks::<T>::get(job, 0).unwrap();
		for who in all.iter().take(3) {
			task.replicas.try_push(revealed::<T>(who, 1)).unwrap();
			hold_unsettled::<T>(who, task_ref);
		}
		task.phase = TaskPhase::Provisional { result: result_of(1), until: now::<T>() };

		#[block]
		{
			let mut info = Jobs::<T>::get(job).unwrap();
			Market::<T>::finalize_verdict(task_ref, &mut info, &mut task);
			Jobs::<T>::insert(job, info);
			Tasks::<T>::insert(job, 0, task);
		}

		assert!(matches!(Tasks::<T>::get(job, 0).unwrap().phase, TaskPhase::Verified { .. }));
	}

	/// Not a weight the pallet charges: the baseline for `assign_task(r, p)`. The storage reads
	/// that drawing the most replicas makes (a pool entry and a provider record, its standing
	/// inside, per candidate, at random places of a pool of `p`), and nothing else. Its growth
	/// with `p` is the state trie's, which `assign_task` shares.
	#[benchmark]
	fn provider_reads(p: Linear<10, { T::MaxProviders::get().min(10_000) }>) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		providers::<T>(p, 4);
		let kind = RuntimeKind::Docker;
		let len = PoolLen::<T>::get(kind);
		let draws = T::MaxReplicas::get();
		let mut found = 0u32;

		#[block]
		{
			for i in 0..draws {
				let hash = polkadot_sdk::sp_crypto_hashing::blake2_256(&i.to_le_bytes());
				let index = u32::from_le_bytes([hash[0], hash[1], hash[2], hash[3]]) % len;
				if let Some(who) = Pool::<T>::get(kind, index) {
					if Providers::<T>::get(&who).is_some() {
						found += 1;
					}
				}
			}
		}

		assert_eq!(found, draws);
	}

	/// The hook with nothing to do.
	#[benchmark]
	fn on_initialize_base() {
		let block: BlockNumberFor<T> = 2u32.into();
		frame_system::Pallet::<T>::set_block_number(block);
		#[block]
		{
			Market::<T>::on_initialize(block);
		}
	}

	/// Assign the `r` replicas of one task from a pool of `p` providers: the task alone, the
	/// block's randomness included; the queue visit that reaches it is `queue_visit`, charged
	/// once per visit (a visit assigns up to `TasksPerTurn` tasks). The pool is always sampled
	/// through the stake tree (more than `MaxSamplingAttempts` members), one attempt per
	/// replica: each attempt more is charged as `sampling_misses` adds it. (From 10 members,
	/// the fit mixed in pools small enough to be looked at whole, and its fixed part with them.)
	/// Not charged: it shows how assignment's cost in the benchmarking database grows with the
	/// pool (scripts/bench/scale.sh); the hook charges `assign_drawn`.
	#[benchmark]
	fn assign_task(
		r: Linear<1, { T::MaxReplicas::get() }>,
		p: Linear<{ T::MaxSamplingAttempts::get() + 1 }, { T::MaxProviders::get().min(10_000) }>,
	) {
		let (job, mut info) = one_task_to_assign::<T>(p, r);
		let mut meter = WeightMeter::new();

		#[block]
		{
			assign_first_task::<T>(job, &mut info, &mut meter);
		}

		assert_eq!(Tasks::<T>::get(job, 0).unwrap().live().count() as u32, r);
	}

	/// What the hook charges for assigning the `r` replicas of one task: `assign_task` in the
	/// smallest pool drawn through the stake tree (`MaxSamplingAttempts + 1` members), where
	/// the benchmarking database is small enough not to add its own cost per read (see
	/// `assign_task`'s slope in `p`, and `provider_reads`). Here the draws share one path down
	/// the tree; in a larger pool each draw after the first may read its own below the root:
	/// `Pallet::drawing_weight` adds those reads, priced by `DbWeight` as measured at the
	/// design's size.
	#[benchmark]
	fn assign_drawn(r: Linear<1, { T::MaxReplicas::get() }>) {
		let (job, mut info) = one_task_to_assign::<T>(T::MaxSamplingAttempts::get() + 1, r);
		let mut meter = WeightMeter::new();

		#[block]
		{
			assign_first_task::<T>(job, &mut info, &mut meter);
		}

		assert_eq!(Tasks::<T>::get(job, 0).unwrap().live().count() as u32, r);
	}

	/// One visit of the queue that finds its entry's task assigned already: the parking lot's
	/// and the ring's bounds, the lane and its entry, the job and the task read, the lane
	/// and the ring written back. What every visit costs besides the tasks it assigns.
	#[benchmark]
	fn queue_visit() {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		providers::<T>(1, 4);
		let job = post::<T>(1, 1);
		let mut task = Tasks::<T>::get(job, 0).unwrap();
		task.phase = TaskPhase::Running;
		Tasks::<T>::insert(job, 0, task);

		#[block]
		{
			Market::<T>::process_queue(now::<T>(), &mut WeightMeter::new());
		}

		use crate::assignment::{Fifo, Ring};
		assert!(Ring::<T>(PhantomData).is_empty());
		assert_eq!(Tasks::<T>::get(job, 0).unwrap().live().count(), 0);
	}

	/// One pool edit at its dearest: the first member of a large pool leaves it, and the last
	/// one, in another branch of the stake tree, moves into its place (two paths of the tree
	/// rewritten, the pool's slots and indexes moved). Steps that edit a pool are charged this
	/// once per edit, on top of their own weight.
	#[benchmark]
	fn pool_edit() {
		let kind = RuntimeKind::Wasm;
		// 16³ + 1 members: the first and the last part at the root of a four-level tree.
		let members = T::MaxProviders::get().min(4_097);
		let all = providers::<T>(members, 4);
		let leaving = all[0].clone();
		assert_eq!(crate::PoolLen::<T>::get(kind), members);
		assert_eq!(crate::PoolIndex::<T>::get(kind, &leaving), Some(0));

		#[block]
		{
			Market::<T>::remove_from_pool(kind, &leaving);
		}

		assert_eq!(crate::PoolIndex::<T>::get(kind, &leaving), None);
		assert_eq!(crate::PoolIndex::<T>::get(kind, &all[all.len() - 1]), Some(0));
	}

	/// `a` draws through the stake tree of a pool too large to look at whole, each finding a
	/// provider that cannot take the replica: the cost of one failed attempt, the dearest kind
	/// (a tree descent, then the member and its record). The pool is large enough that the
	/// draws rarely meet the same member twice, whose records would then be read once.
	#[benchmark]
	fn sampling_misses(a: Linear<1, { T::MaxReplicas::get() * T::MaxSamplingAttempts::get() }>) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let most = T::MaxReplicas::get().saturating_mul(T::MaxSamplingAttempts::get());
		let pool = most.saturating_mul(16).min(T::MaxProviders::get());
		for who in providers::<T>(pool, 4) {
			// Too dear for the job.
			let mut record = Providers::<T>::get(&who).unwrap();
			record.price_floor = BalanceOf::<T>::max_value();
			Providers::<T>::insert(&who, record);
		}
		let job = post::<T>(1, 1);
		let info = Jobs::<T>::get(job).unwrap();
		let task = Tasks::<T>::get(job, 0).unwrap();
		let mut draws = crate::assignment::Draws::new([7u8; 32]);
		let mut missed = 0u32;

		#[block]
		{
			for _ in 0..a {
				let index = Market::<T>::draw_pool_index(info.runtime, &mut draws).unwrap();
				if let Some(Err(_)) = Market::<T>::eligible(&info, &task, info.runtime, index) {
					missed += 1;
				}
			}
		}

		assert_eq!(missed, a);
	}

	/// Cancel one task of a cancelled job, releasing its `r` running replicas.
	#[benchmark]
	fn cancel_task(r: Linear<1, { T::MaxReplicas::get() }>) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		providers::<T>(r, 4);
		let job = post::<T>(1, r);
		assign_all::<T>();
		let owner = Jobs::<T>::get(job).unwrap().owner;
		Market::<T>::do_cancel_job(owner, job).unwrap();

		#[block]
		{
			assign_all::<T>();
		}

		assert_eq!(Tasks::<T>::get(job, 0).unwrap().phase, TaskPhase::Cancelled);
	}

	/// A commit deadline that all `r` replicas of a task missed: each is slashed, and the task
	/// queued for replacements.
	#[benchmark]
	fn process_deadline(r: Linear<1, { T::MaxReplicas::get() }>) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		providers::<T>(r, 4);
		let job = post::<T>(1, r);
		assign_all::<T>();
		let late = Tasks::<T>::get(job, 0).unwrap().replicas[0]
			.commit_by
			.saturating_add(1u32.into());
		frame_system::Pallet::<T>::set_block_number(late);

		#[block]
		{
			Market::<T>::handle_deadline(TaskRef { job, task: 0 }, late);
		}

		assert!(Tasks::<T>::get(job, 0).unwrap().live().count() == 0);
	}

	/// A deadline visit that finds nothing to do: the task's replicas all committed and its
	/// reveals are open, not yet due. Every honest task is visited so at its commit deadline
	/// and at its reveal deadline, its work done by then.
	#[benchmark]
	fn idle_deadline() {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let r = T::MaxReplicas::get();
		let all = providers::<T>(r, 4);
		let job = post::<T>(1, r);
		assign_all::<T>();
		for who in all.iter() {
			Market::<T>::do_commit_results(who.clone(), commit_items::<T>(who, job, 1, 1)).unwrap();
		}
		let later: BlockNumberFor<T> = 2u32.into();
		frame_system::Pallet::<T>::set_block_number(later);

		#[block]
		{
			Market::<T>::handle_deadline(TaskRef { job, task: 0 }, later);
		}

		assert!(matches!(Tasks::<T>::get(job, 0).unwrap().phase, TaskPhase::Revealing { .. }));
	}

	/// Assign the task at the front of a ring of `q` requesters, each with an entry queued.
	#[benchmark]
	fn assign_with_queue(q: Linear<10, 100_000>) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		providers::<T>(10, 4);
		let job = post::<T>(1, 1);
		for i in 1..q {
			Market::<T>::enqueue(&account("queued", i, 0), job, 0, 1);
		}
		// Room for one visit and its assignment: the queue stops after it.
		let mut meter = WeightMeter::with_limit(
			Market::<T>::worst_assignment_weight().saturating_add(Market::<T>::visit_weight()),
		);

		#[block]
		{
			Market::<T>::process_queue(now::<T>(), &mut meter);
		}

		assert_eq!(Tasks::<T>::get(job, 0).unwrap().live().count(), 1);
	}

	/// The chain referees a challenged wasm task of `b` bytes of program that burns `f` million
	/// fuel, and overrules every replica: the most expensive outcome (three slashed, the task
	/// refunded). The program is valid code throughout (a function of `i32.const; drop` pairs
	/// in front of an endless loop), so every byte is parsed, validated and compiled, not
	/// skipped as a custom section would be.
	#[benchmark]
	fn challenge_wasm(
		b: Linear<64, { T::MaxRefereeProgram::get() }>,
		f: Linear<1, { (T::MaxRefereeFuel::get() / crate::referee::FUEL_UNIT) as u32 }>,
	) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let all = providers::<T>(3, 4);
		let code = looping_module(b as usize);
		let input = vec![5u8; 64];
		let owner = funded::<T>("requester", 0);
		let job = NextJobId::<T>::get();
		let program = Program::Wasm {
			hash: conun_primitives::content_hash(&code),
			size: code.len() as u64,
			entry_point: BoundedVec::truncate_from(b"_start".to_vec()),
			fuel: u64::from(f) * crate::referee::FUEL_UNIT,
		};
		let input_ref =
			TaskInput { hash: conun_primitives::content_hash(&input), size: input.len() as u64 };
		Market::<T>::do_post_job(
			owner,
			program,
			BoundedVec::truncate_from(vec![input_ref]),
			terms::<T>(3),
			contact(),
		)
		.expect("a funded requester posts");
		open_verdict::<T>(&all, job);
		let challenger = all[0].clone();
		T::Currency::set_balance(&challenger, T::ChallengeBond::get().saturating_mul(10u32.into()));

		#[extrinsic_call]
		_(
			RawOrigin::Signed(challenger),
			TaskRef { job, task: 0 },
			BoundedVec::truncate_from(code),
			BoundedVec::truncate_from(input),
			u64::from(f) * crate::referee::FUEL_UNIT,
		);

		let phase = Tasks::<T>::get(job, 0).unwrap().phase;
		assert_eq!(
			phase,
			TaskPhase::Failed { reason: conun_primitives::FailReason::OverruledByReferee }
		);
	}

	/// Escalate the verdict on a docker task of R = `r` replicas: its replicas go on trial
	/// and the task waits for a committee of 2R + 1.
	#[benchmark]
	fn challenge_escalate(r: Linear<1, { T::MaxReplicas::get() }>) {
		frame_system::Pallet::<T>::set_block_number(1u32.into());
		let all = providers::<T>(r, 4);
		let job = post::<T>(1, r);
		open_verdict::<T>(&all, job);
		let challenger = all[0].clone();

		#[extrinsic_call]
		_(RawOrigin::Signed(challenger), TaskRef { job, task: 0 });

		assert!(crate::Escalations::<T>::contains_key(TaskRef { job, task: 0 }));
		assert_eq!(Tasks::<T>::get(job, 0).unwrap().phase, TaskPhase::Waiting);
	}

	impl_benchmark_test_suite!(
		Market,
		crate::mock::ExtBuilder::default().challenge_period(10).build(),
		crate::mock::Test
	);
}

#[cfg(test)]
mod tests {
	use super::looping_module;
	use conun_primitives::TaskStatus;
	use conun_sandbox::{Limits, WasmExecutor};

	/// The benchmark's program is a valid module that burns exactly the fuel it is given, at
	/// every size: otherwise the benchmark would measure a program refused at once.
	#[test]
	fn the_benchmark_program_runs_until_its_fuel_is_gone() {
		for size in [64, 1_000, 64 << 10] {
			let code = looping_module(size);
			assert!(
				code.len() <= size + 16 && code.len() + 64 >= size,
				"{} bytes for {size}",
				code.len()
			);
			let limits = Limits { fuel: 5_000_000, memory_bytes: 1 << 20, max_output: 1 << 20 };
			let started = std::time::Instant::now();
			let run = WasmExecutor::new().run(&code, "_start", b"", limits);
			println!("{size} bytes, 5 M fuel: {:?} natively", started.elapsed());
			assert_eq!(
				run.output.status,
				TaskStatus::OutOfFuel,
				"{}",
				String::from_utf8_lossy(&run.stderr)
			);
			// Up to the last instruction, which costs more than the fuel left.
			assert!(run.fuel_used > 4_999_990, "{}", run.fuel_used);
		}
	}
}
