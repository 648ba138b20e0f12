//! What the market charges for the work of an honest task, and that no caller can make a
//! transaction or the hook do work it was not charged for (issue 17: reveals declared the
//! dearest verdict per item, so batches did not fit a block, and idle deadline visits were
//! charged as if every replica had missed, so the hook was full of nothing).

use super::*;
use crate::{weights::WeightInfo, Pallet, TaskPhase};
use polkadot_sdk::frame_support::{
	dispatch::GetDispatchInfo,
	traits::{Get, Hooks},
	weights::Weight,
};

const PERIOD: BlockNumber = 5;
const HONEST: u8 = 7;

fn reveal_weight(who: AccountId, job: JobId, byte: u8) -> Weight {
	Market::reveal_results(
		RuntimeOrigin::signed(who),
		vec![reveal_item(who, job, 0, byte)].try_into().unwrap(),
	)
	.unwrap()
	.actual_weight
	.unwrap()
}

/// A one-task job of R = 3 whose replicas (providers 1, 2 and 3) all committed `HONEST`.
fn committed_honestly() -> JobId {
	let job = post(3, 1);
	run_to_block(2);
	for who in [1, 2, 3] {
		commit(who, job, 0, HONEST);
	}
	job
}

fn phase(job: JobId) -> TaskPhase<BlockNumber> {
	Tasks::<Test>::get(job, 0).unwrap().phase
}

#[test]
fn a_full_batch_of_reveals_is_charged_per_task_not_for_the_dearest_verdict() {
	ExtBuilder::default().challenge_period(PERIOD).build_and_execute(|| {
		let max = <Test as crate::Config>::MaxBatch::get();
		let items: Vec<RevealItem> = (0..max).map(|task| reveal_item(1, 0, task, HONEST)).collect();
		let call = crate::Call::<Test>::reveal_results { reveals: items.try_into().unwrap() };
		let declared = call.get_dispatch_info().call_weight;
		let per_item = <() as WeightInfo>::reveal_results(max)
			.saturating_add(Pallet::<Test>::reveal_verdict_weight().saturating_mul(max.into()));
		assert_eq!(declared, per_item);
		// Each item may bring its task's provisional verdict, never more: the dearest verdict
		// (an escalation's committee slashed) is not charged per item any more.
		let dearest = Pallet::<Test>::worst_verdict_weight();
		assert!(Pallet::<Test>::reveal_verdict_weight().ref_time() * 5 < dearest.ref_time());
		// With no challenge period the verdict is final at the reveal, and charged whole.
	});
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(
			Pallet::<Test>::reveal_verdict_weight(),
			Pallet::<Test>::worst_verdict_weight().saturating_add(
				Pallet::<Test>::worst_pool_edits_weight(Pallet::<Test>::most_settled())
			)
		);
	});
}

#[test]
fn the_last_reveal_of_an_agreeing_task_brings_its_provisional_verdict_at_its_charge() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = committed_honestly();
			let alone = <() as WeightInfo>::reveal_results(1);
			assert_eq!(reveal_weight(1, job, HONEST), alone);
			assert_eq!(reveal_weight(2, job, HONEST), alone);
			let last = reveal_weight(3, job, HONEST);
			assert_eq!(last, alone.saturating_add(Pallet::<Test>::reveal_verdict_weight()));
			assert!(matches!(phase(job), TaskPhase::Provisional { .. }));
		});
}

#[test]
fn a_round_without_a_majority_is_decided_by_the_hook_at_the_next_block() {
	// A cheater who reveals a different result cannot make a reveal do the dear work of a
	// failed round (pay every revealer, restart or fail the task) for the price of a reveal:
	// that work is the hook's, charged to its meter.
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = post(3, 1);
			run_to_block(2);
			for (who, byte) in [(1, 1), (2, 2), (3, 3)] {
				commit(who, job, 0, byte);
			}
			for (who, byte) in [(1, 1), (2, 2)] {
				reveal(who, job, 0, byte);
			}
			let last = reveal_weight(3, job, 3);
			assert!(last.all_lte(
				<() as WeightInfo>::reveal_results(1)
					.saturating_add(Pallet::<Test>::reveal_verdict_weight())
			));
			assert!(matches!(phase(job), TaskPhase::Revealing { .. }), "not decided by the reveal");
			let now = System::block_number();
			run_to_block(now + 1);
			// Each revealer is paid the base fee and a fresh round is asked for.
			assert!(emitted(Event::RoundRestarted { job, task: 0, replicas: 3 }));
			assert!(!matches!(phase(job), TaskPhase::Revealing { .. }));
		});
}

#[test]
fn a_deadline_visit_that_finds_nothing_to_do_is_charged_as_such() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = committed_honestly();
			let task = TaskRef { job, task: 0 };
			let now = System::block_number();
			let idle = Pallet::<Test>::idle_deadline_weight();
			// Committed, reveals open: its commit deadline finds nothing to do.
			assert_eq!(Pallet::<Test>::handle_deadline(task, now + 1), idle);
			for who in [1, 2, 3] {
				reveal(who, job, 0, HONEST);
			}
			// Revealed, verdict provisional: its reveal deadline finds nothing to do either.
			assert_eq!(Pallet::<Test>::handle_deadline(task, now + 1), idle);
			assert!(idle.all_lt(<() as WeightInfo>::process_deadline(0)));
			// The end of its challenge period makes it final: the visit and the verdict (the
			// job's last, so its end too), not the penalties of three missed replicas on top.
			let TaskPhase::Provisional { until, .. } = phase(job) else { panic!("provisional") };
			assert_eq!(
				Pallet::<Test>::handle_deadline(task, until + 1),
				idle.saturating_add(<() as WeightInfo>::settle_paid(3))
					.saturating_add(<() as WeightInfo>::finish_job())
			);
			assert!(matches!(phase(job), TaskPhase::Verified { .. }));
			// Gone: nothing to do.
			assert_eq!(
				Pallet::<Test>::handle_deadline(TaskRef { job: 99, task: 0 }, until + 1),
				idle
			);
		});
}

#[test]
fn a_replica_that_withholds_its_reveal_is_still_charged_its_penalty() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = committed_honestly();
			for who in [1, 2] {
				reveal(who, job, 0, HONEST);
			}
			let TaskPhase::Revealing { deadline } = phase(job) else { panic!("revealing") };
			let weight = Pallet::<Test>::handle_deadline(TaskRef { job, task: 0 }, deadline + 1);
			assert!(weight.all_gte(<() as WeightInfo>::process_deadline(3)));
			assert_eq!(replica_state(job, 0, 3), crate::ReplicaState::Missed);
			assert!(matches!(phase(job), TaskPhase::Provisional { .. }));
		});
}

/// Register providers 1, 2 and 3 (wasm and docker) with room for `slots` tasks each.
fn three_providers(slots: u32) {
	let mut capabilities = caps();
	capabilities.max_tasks = slots;
	for who in [1, 2, 3] {
		assert_ok!(Market::register(
			RuntimeOrigin::signed(who),
			10_000,
			capabilities.clone(),
			contact(who as u8),
			1
		));
	}
}

/// The hook's weight in block 2 after one task of R = 3 was posted to three providers with
/// `slots` slots each, and the wasm pool's length after it.
fn assignment_hook_weight(slots: u32) -> (Weight, u32) {
	let mut ext = ExtBuilder::default().build();
	ext.execute_with(|| {
		three_providers(slots);
		post(3, 1);
		System::set_block_number(2);
		let weight = Market::on_initialize(2);
		Market::do_try_state().expect("invariants hold");
		(weight, crate::PoolLen::<Test>::get(conun_primitives::RuntimeKind::Wasm))
	})
}

#[test]
fn the_hook_pays_for_the_pools_a_full_provider_leaves() {
	// A cheater registering providers of one slot each makes every assignment take them out
	// of both runtimes' pools: six pool edits for three replicas, which the assignment's own
	// benchmark (providers with room to spare) does not include.
	let (roomy, roomy_pool) = assignment_hook_weight(4);
	let (full, full_pool) = assignment_hook_weight(1);
	assert_eq!(roomy_pool, 3);
	assert_eq!(full_pool, 0);
	assert_eq!(full, roomy.saturating_add(Pallet::<Test>::pool_edits_weight(6)));
	assert!(Pallet::<Test>::pool_edits_weight(1).ref_time() > 0);
}

/// The declared and the actual weight of provider 1's commit of its replica of a one-task
/// job, providers having `slots` slots each.
fn commit_weights(slots: u32) -> (Weight, Weight) {
	let mut ext = ExtBuilder::default().build();
	ext.execute_with(|| {
		three_providers(slots);
		let job = post(3, 1);
		run_to_block(2);
		let call = crate::Call::<Test>::commit_results {
			commits: vec![commit_item(1, job, 0, HONEST)].try_into().unwrap(),
		};
		let declared = call.get_dispatch_info().call_weight;
		let actual = Market::commit_results(
			RuntimeOrigin::signed(1),
			vec![commit_item(1, job, 0, HONEST)].try_into().unwrap(),
		)
		.unwrap()
		.actual_weight
		.unwrap();
		Market::do_try_state().expect("invariants hold");
		(declared, actual)
	})
}

#[test]
fn a_commit_that_frees_a_full_providers_slot_pays_for_its_return_to_the_pools() {
	let batch_of_one = <() as WeightInfo>::commit_results(1);
	let most_edits = Pallet::<Test>::worst_pool_edits_weight(1);
	// With room to spare, a commit edits no pool and is refunded the edits it declared.
	let (declared, actual) = commit_weights(4);
	assert_eq!(declared, batch_of_one.saturating_add(most_edits));
	assert_eq!(actual, batch_of_one);
	// A provider of one slot goes back into both runtimes' pools: two edits.
	let (declared, actual) = commit_weights(1);
	assert_eq!(declared, batch_of_one.saturating_add(most_edits));
	assert_eq!(actual, batch_of_one.saturating_add(Pallet::<Test>::pool_edits_weight(2)));
}

#[test]
fn pool_edits_are_counted_for_the_step_that_made_them_and_the_steps_around_it() {
	ExtBuilder::default().build_and_execute(|| {
		let (((), inner), outer) = crate::providers::count_pool_edits(|| {
			crate::providers::count_pool_edits(|| three_providers(1))
		});
		// Three providers joined two pools each.
		assert_eq!(inner, 6);
		assert_eq!(outer, 6);
		// Outside any count, an edit goes nowhere.
		assert_ok!(Market::pause(RuntimeOrigin::signed(1)));
		assert_eq!(crate::providers::count_pool_edits(|| ()).1, 0);
	});
}

/// The hook's weight in block 2 after one task of R = 3 was posted to `members` providers
/// with room to spare, drawn through the stake tree.
fn tree_pool_hook_weight(members: AccountId) -> Weight {
	let providers: Vec<AccountId> = (1..=members).collect();
	let mut ext = ExtBuilder::default().providers(&providers).build();
	ext.execute_with(|| {
		let job = post(3, 1);
		System::set_block_number(2);
		let weight = Market::on_initialize(2);
		assert_eq!(replicas_of(job), 3);
		Market::do_try_state().expect("invariants hold");
		weight
	})
}

#[test]
fn assigning_a_task_is_charged_the_same_whatever_the_pools_size() {
	// The smallest pool drawn through the stake tree (one more than `MaxSamplingAttempts`)
	// and the largest the mock allows: a larger pool reads a deeper trie, which the database
	// weights price for every read already, so a large market does not pay more per task.
	let attempts: u32 = <Test as crate::Config>::MaxSamplingAttempts::get();
	let smallest_tree = AccountId::from(attempts) + 1;
	let largest: u32 = <Test as crate::Config>::MaxProviders::get();
	assert_eq!(tree_pool_hook_weight(smallest_tree), tree_pool_hook_weight(largest.into()));
}

/// The hook's weight in block 2 after one task of R = `replicas` was posted to three
/// providers with room to spare.
fn small_pool_hook_weight(replicas: u32) -> Weight {
	let mut ext = ExtBuilder::default().providers(&[1, 2, 3]).build();
	ext.execute_with(|| {
		let job = post(replicas, 1);
		System::set_block_number(2);
		let weight = Market::on_initialize(2);
		assert_eq!(replicas_of(job), replicas as usize);
		weight
	})
}

fn replicas_of(job: JobId) -> usize {
	replicas(job, 0).len()
}

#[test]
fn a_small_pool_is_looked_at_once_for_all_of_a_tasks_replicas() {
	// Three members: R = 1 looks at all three for its one replica, two attempts beyond what
	// `assign_task` measures; R = 3 looks at them once for its three replicas, none beyond.
	let one = small_pool_hook_weight(1);
	let three = small_pool_hook_weight(3);
	let misses = |a| <() as WeightInfo>::sampling_misses(a);
	let two_more = misses(2).saturating_sub(misses(0));
	let assign = |r| Market::drawing_weight(r);
	assert_eq!(
		three.saturating_add(two_more),
		one.saturating_add(assign(3)).saturating_sub(assign(1))
	);
}

#[test]
fn a_jobs_end_is_charged_to_its_last_verdict_alone() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = post(3, 2);
			run_to_block(2);
			for task in 0..2 {
				for who in [1, 2, 3] {
					commit(who, job, task, HONEST);
				}
			}
			for task in 0..2 {
				for who in [1, 2, 3] {
					reveal(who, job, task, HONEST);
				}
			}
			let until = match Tasks::<Test>::get(job, 1).unwrap().phase {
				TaskPhase::Provisional { until, .. } => until,
				other => panic!("provisional, not {other:?}"),
			};
			let idle = Pallet::<Test>::idle_deadline_weight();
			let verdict = idle.saturating_add(<() as WeightInfo>::settle_paid(3));
			let first = Pallet::<Test>::handle_deadline(TaskRef { job, task: 0 }, until + 1);
			assert_eq!(first, verdict, "the job goes on: no end to pay for");
			let last = Pallet::<Test>::handle_deadline(TaskRef { job, task: 1 }, until + 1);
			assert_eq!(last, verdict.saturating_add(<() as WeightInfo>::finish_job()));
			assert_eq!(crate::Jobs::<Test>::get(job).unwrap().state, crate::JobState::Finished);
		});
}
