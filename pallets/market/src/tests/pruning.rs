//! Storage deposits and pruning: a job's storage is paid for while it is kept, an ended job
//! leaves storage after the retention period with only its record, the deposit comes back,
//! and the record still proves the verdicts.

use super::*;
use crate::{Error, HoldReason, JobPrograms, JobRecords, Jobs, Pruning, TaskPhase};
use conun_primitives::{results_chain, JobState};
use polkadot_sdk::{
	frame_support::{assert_noop, traits::fungible::InspectHold, weights::Weight},
	sp_io,
};

fn deposit_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::StorageDeposit.into(), &who)
}

/// Run every task of `job` to an honest verdict, block by block as providers free up: each
/// replica commits once assigned, and reveals once reveals open.
fn verify_all(job: JobId, tasks: TaskIndex) {
	for _ in 0..500 {
		if Jobs::<Test>::get(job).unwrap().state == JobState::Finished {
			return;
		}
		run_to_block(System::block_number() + 1);
		for task in 0..tasks {
			let info = Tasks::<Test>::get(job, task).unwrap();
			if info.phase == TaskPhase::Running {
				for replica in
					info.replicas.iter().filter(|r| r.state == crate::ReplicaState::Assigned)
				{
					commit(replica.provider, job, task, 7);
				}
			}
			let info = Tasks::<Test>::get(job, task).unwrap();
			if let TaskPhase::Revealing { .. } = info.phase {
				for replica in info
					.replicas
					.iter()
					.filter(|r| matches!(r.state, crate::ReplicaState::Committed { .. }))
				{
					reveal(replica.provider, job, task, 7);
				}
			}
		}
	}
	panic!("job {job} did not finish");
}

/// The bytes the market's storage takes: every key under its prefix, and its value.
fn market_bytes() -> usize {
	market_bytes_by_item().values().sum()
}

/// The bytes of each of the market's storage items, by name.
fn market_bytes_by_item() -> std::collections::BTreeMap<String, usize> {
	let names = [
		"Providers",
		"ProviderContacts",
		"KeptStandings",
		"Jobs",
		"JobPrograms",
		"Tasks",
		"Assignments",
		"Queue",
		"QueueHead",
		"QueueTail",
		"Lanes",
		"LaneBounds",
		"DeadlineBuckets",
		"DeadlinePages",
		"Parked",
		"ParkedHead",
		"ParkedTail",
		"LargestOffer",
		"Retired",
		"RetiredHead",
		"RetiredTail",
		"Pruning",
		"JobRecords",
		"Burned",
		"DeadlineCursor",
		"NextJobId",
		"Pool",
		"PoolLen",
		"PoolIndex",
		"PoolTree",
		"ProviderCount",
		"RuntimeProviders",
		"Escalations",
	];
	let mut by_item = std::collections::BTreeMap::new();
	let prefix = sp_io::hashing::twox_128(b"Market");
	let mut key = prefix.to_vec();
	while let Some(next) = sp_io::storage::next_key(&key) {
		if !next.starts_with(&prefix) {
			break;
		}
		let item = names
			.iter()
			.find(|name| next[16..32] == sp_io::hashing::twox_128(name.as_bytes()))
			.map_or_else(|| "other".to_string(), |name| name.to_string());
		*by_item.entry(item).or_default() +=
			next.len() + sp_io::storage::get(&next).map_or(0, |value| value.len());
		key = next;
	}
	by_item
}

#[test]
fn a_job_holds_its_deposit_until_it_is_pruned_to_its_record() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		JobDeposit::set(7);
		TaskDeposit::set(3);
		RetentionPeriod::set(5);
		let before = free(REQUESTER);
		let job = post(3, 4);
		assert_eq!(deposit_held(REQUESTER), 7 + 4 * 3);
		assert_eq!(Jobs::<Test>::get(job).unwrap().deposit, 19);
		assert!(market_events()
			.iter()
			.any(|e| matches!(e, Event::JobPosted { deposit: 19, .. })));
		verify_all(job, 4);
		let ended = System::block_number();
		assert_eq!(Jobs::<Test>::get(job).unwrap().state, JobState::Finished);
		let phases: Vec<TaskPhase<BlockNumber>> =
			(0..4).map(|t| Tasks::<Test>::get(job, t).unwrap().phase).collect();

		// Kept for the retention period, for the requester to fetch its results.
		run_to_block(ended + 4);
		assert!(Jobs::<Test>::get(job).is_some() && Tasks::<Test>::get(job, 3).is_some());
		assert_eq!(deposit_held(REQUESTER), 19);
		run_to_block(ended + 5);
		assert!(Jobs::<Test>::get(job).is_none() && JobPrograms::<Test>::get(job).is_none());
		assert_eq!(Tasks::<Test>::iter_prefix(job).count(), 0);
		assert_eq!(deposit_held(REQUESTER), 0);
		// 4 tasks × 3 replicas paid 10 each: everything else came back.
		assert_eq!(free(REQUESTER), before - 120);
		let record = JobRecords::<Test>::get(job).unwrap();
		assert_eq!(
			(record.owner, record.tasks, record.verified, record.failed),
			(REQUESTER, 4, 4, 0)
		);
		assert_eq!(record.results, results_chain(&phases), "the record proves every verdict");
		System::assert_last_event(
			Event::JobPruned { job, results: record.results, deposit: 19 }.into(),
		);
	});
}

#[test]
fn the_results_chain_changes_with_any_task_s_outcome() {
	let verified = |byte| TaskPhase::<BlockNumber>::Verified { result: result(byte) };
	let honest = results_chain(&[verified(7), verified(7), TaskPhase::Cancelled]);
	assert_ne!(honest, results_chain(&[verified(7), verified(8), TaskPhase::Cancelled]));
	assert_ne!(honest, results_chain(&[verified(7), TaskPhase::Cancelled, verified(7)]));
	assert_ne!(honest, results_chain(&[verified(7), verified(7)]));
}

#[test]
fn a_deposit_the_requester_cannot_hold_refuses_the_job_and_holds_nothing() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		TaskDeposit::set(ENDOWMENT);
		let before = free(REQUESTER);
		assert_noop!(
			Market::post_job(
				RuntimeOrigin::signed(REQUESTER),
				wasm_program(),
				inputs(2).try_into().unwrap(),
				terms(3),
				contact(0),
			),
			Error::<Test>::InsufficientBalance
		);
		assert_eq!(free(REQUESTER), before);
	});
}

#[test]
fn pruning_takes_the_weight_left_and_resumes_where_it_stopped() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		JobDeposit::set(10);
		TaskDeposit::set(1);
		RetentionPeriod::set(2);
		let job = post(3, 200);
		assert_ok!(Market::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
		run_to_block(2);
		assert_eq!(Jobs::<Test>::get(job).unwrap().state, JobState::Finished);
		// Room for a few tasks' pruning a block only.
		let room = <() as crate::WeightInfo>::on_initialize_base()
			.saturating_add(Market::prune_job_weight().saturating_mul(3));
		HookWeightLimit::set(room);
		run_to_block(5);
		let cursor = Pruning::<Test>::get().expect("the job is being pruned");
		assert!(cursor.job == job && (1..200).contains(&cursor.next), "{cursor:?}");
		assert_eq!(Tasks::<Test>::iter_prefix(job).count() as u32, 200 - cursor.next);
		assert_eq!(deposit_held(REQUESTER), 210, "the deposit waits for the last task");
		HookWeightLimit::set(Weight::from_parts(2_000_000_000_000, u64::MAX));
		run_to_block(6);
		assert!(Pruning::<Test>::get().is_none() && Jobs::<Test>::get(job).is_none());
		assert_eq!(JobRecords::<Test>::get(job).unwrap().cancelled, 200);
		assert_eq!(deposit_held(REQUESTER), 0);
	});
}

#[test]
fn a_queue_entry_left_over_from_a_pruned_job_is_dropped() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		RetentionPeriod::set(1);
		let job = post(3, 1);
		assert_ok!(Market::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
		run_to_block(4);
		assert!(Jobs::<Test>::get(job).is_none());
		Market::enqueue(&REQUESTER, job, 0, 1);
		run_to_block(5);
		assert!(
			crate::LaneBounds::<Test>::get(REQUESTER).is_none(),
			"the entry was visited and dropped"
		);
	});
}

#[test]
fn a_pruned_job_leaves_a_few_bytes_per_task() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		JobDeposit::set(10);
		TaskDeposit::set(1);
		RetentionPeriod::set(3);
		// A first job, so that the market's counters and bounds are all stored already, and
		// every deadline it scheduled has passed.
		let warm_up = post(3, 20);
		verify_all(warm_up, 20);
		run_to_block(System::block_number() + 20);
		assert!(Jobs::<Test>::get(warm_up).is_none());

		let idle = market_bytes();
		let tasks = 100;
		let job = post(3, tasks);
		let stored = market_bytes() - idle;
		verify_all(job, tasks);
		let finished = market_bytes().saturating_sub(idle);
		// Pruned, and its deadlines (scheduled for the worst case, up to 10 blocks on) passed.
		run_to_block(System::block_number() + 20);
		assert!(Jobs::<Test>::get(job).is_none(), "the job was pruned");
		let left = market_bytes().saturating_sub(idle);
		println!(
			"a {tasks}-task job (R = 3): {stored} bytes posted, {finished} bytes finished, {left} bytes after pruning ({:.2} bytes per task)",
			left as f64 / tasks as f64
		);
		// What is left is its record (the providers' standings only grew by their earnings).
		assert!(left <= 2 * tasks as usize, "{left} bytes left");
		assert!(finished > 50 * left, "pruning frees most of it ({finished} → {left})");
	});
}
