//! Posting and cancelling jobs, and the escrow they hold.

use super::*;
use crate::{Error, JobState, Jobs, NextJobId, Program, TaskPhase};
use polkadot_sdk::frame_support::{assert_noop, traits::fungible::InspectHold};

fn escrow_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&crate::HoldReason::JobEscrow.into(), &who)
}

fn post_with(
	program: Program,
	tasks: Vec<crate::TaskInput>,
	terms: conun_primitives::JobTerms<Balance, BlockNumber>,
) -> polkadot_sdk::sp_runtime::DispatchResult {
	Market::post_job(
		RuntimeOrigin::signed(REQUESTER),
		program,
		tasks.try_into().unwrap(),
		terms,
		contact(0),
	)
}

#[test]
fn post_job_holds_the_budget_with_a_margin_for_extra_replicas() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let job = post(3, 10);
		// 10 tasks × R 3 = 30 replicas, plus 20 % margin = 6 extra replicas, at 10 each.
		assert_eq!(escrow_held(REQUESTER), 360);
		let stored = Jobs::<Test>::get(job).unwrap();
		assert_eq!((stored.escrow, stored.spare_replicas, stored.tasks), (360, 6, 10));
		System::assert_last_event(
			Event::JobPosted {
				job,
				owner: REQUESTER,
				tasks: 10,
				replicas: 3,
				voting: true,
				budget: 360,
				deposit: 0,
			}
			.into(),
		);
		assert_eq!(Tasks::<Test>::get(job, 9).unwrap().phase, TaskPhase::Waiting);
	});
}

#[test]
fn a_job_with_one_replica_says_it_has_no_vote_and_no_margin() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		let job = post(1, 4);
		assert_eq!(escrow_held(REQUESTER), 40);
		System::assert_last_event(
			Event::JobPosted {
				job,
				owner: REQUESTER,
				tasks: 4,
				replicas: 1,
				voting: false,
				budget: 40,
				deposit: 0,
			}
			.into(),
		);
	});
}

#[test]
fn post_job_rejects_bad_terms() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		assert_noop!(post_with(wasm_program(), vec![], terms(1)), Error::<Test>::NoTasks);
		assert_noop!(
			post_with(wasm_program(), inputs(1), terms(0)),
			Error::<Test>::InvalidReplicas
		);
		assert_noop!(
			post_with(wasm_program(), inputs(1), terms(MAX_REPLICAS + 1)),
			Error::<Test>::InvalidReplicas
		);
		let mut free_job = terms(1);
		free_job.price = 0;
		assert_noop!(
			post_with(wasm_program(), inputs(1), free_job),
			Error::<Test>::PriceBelowMinimum
		);
		for (execution, commit, reveal) in [(0, 1, 1), (1, 0, 1), (1, 1, 0), (1_001, 1, 1)] {
			let mut bad = terms(1);
			bad.deadlines = crate::JobDeadlines { execution, commit, reveal };
			assert_noop!(post_with(wasm_program(), inputs(1), bad), Error::<Test>::InvalidDeadline);
		}
		let mut too_rich = terms(3);
		too_rich.price = Balance::MAX / 2;
		assert_noop!(post_with(wasm_program(), inputs(2), too_rich), Error::<Test>::BudgetOverflow);
		let mut too_dear = terms(1);
		too_dear.price = ENDOWMENT;
		assert_noop!(
			post_with(wasm_program(), inputs(1), too_dear),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn post_job_rejects_bad_programs_and_inputs() {
	ExtBuilder::default().build_and_execute(|| {
		let hash = H256::repeat_byte(1);
		let entry_point: conun_primitives::Bytes<{ conun_primitives::MAX_ENTRY_POINT_LEN }> =
			b"run".to_vec().try_into().unwrap();
		let bad_programs = [
			Program::Wasm { hash, size: 0, entry_point: entry_point.clone(), fuel: 1 },
			Program::Wasm { hash, size: 1, entry_point: entry_point.clone(), fuel: 0 },
			Program::Wasm { hash, size: 1, entry_point: Default::default(), fuel: 1 },
			Program::Docker {
				hash,
				size: 0,
				command: Default::default(),
				args: Default::default(),
			},
		];
		for program in bad_programs {
			assert_noop!(post_with(program, inputs(1), terms(1)), Error::<Test>::InvalidProgram);
		}
		let mut empty_input = inputs(2);
		empty_input[1].size = 0;
		assert_noop!(post_with(wasm_program(), empty_input, terms(1)), Error::<Test>::InvalidInput);
	});
}

#[test]
fn post_job_fails_when_job_ids_run_out() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		NextJobId::<Test>::put(u64::MAX);
		assert_noop!(post_with(wasm_program(), inputs(1), terms(1)), Error::<Test>::JobIdOverflow);
	});
}

#[test]
fn cancel_refunds_a_job_nobody_started() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let job = post(3, 5);
		assert_ok!(Market::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
		// The margin (3 extra replicas) comes back at once, each task in the next block.
		System::assert_last_event(Event::JobCancelled { job, refunded: 30 }.into());
		assert_eq!(escrow_held(REQUESTER), 150);
		run_to_block(2);
		assert_eq!(escrow_held(REQUESTER), 0);
		assert_eq!(free(REQUESTER), ENDOWMENT);
		let stored = Jobs::<Test>::get(job).unwrap();
		assert_eq!((stored.state, stored.cancelled), (JobState::Finished, 5));
		assert!(emitted(Event::TaskCancelled { job, task: 4, refunded: 30 }));
		System::assert_last_event(
			Event::JobFinished { job, verified: 0, failed: 0, cancelled: 5, refunded: 0 }.into(),
		);
	});
}

#[test]
fn cancel_mid_job_settles_committed_tasks_and_releases_the_rest() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let job = post(3, 2);
		run_to_block(2);
		// Task 0 has one commitment; task 1 none.
		let first = replicas(job, 0)[0];
		commit(first, job, 0, 7);
		assert_ok!(Market::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
		run_to_block(3);
		assert_eq!(Tasks::<Test>::get(job, 1).unwrap().phase, TaskPhase::Cancelled);
		assert_eq!(Tasks::<Test>::get(job, 0).unwrap().phase, TaskPhase::Running);
		assert_eq!(Jobs::<Test>::get(job).unwrap().state, JobState::Cancelled);
		// The other replicas of task 0 still commit and reveal, and everybody is paid.
		for who in replicas(job, 0).into_iter().filter(|w| *w != first) {
			commit(who, job, 0, 7);
		}
		for who in replicas(job, 0) {
			reveal(who, job, 0, 7);
		}
		assert!(matches!(Tasks::<Test>::get(job, 0).unwrap().phase, TaskPhase::Verified { .. }));
		let stored = Jobs::<Test>::get(job).unwrap();
		assert_eq!((stored.state, stored.verified, stored.cancelled), (JobState::Finished, 1, 1));
		assert_eq!(escrow_held(REQUESTER), 0);
		assert_eq!(free(REQUESTER), ENDOWMENT - 30);
	});
}

#[test]
fn cancel_fails_for_unknown_foreign_or_closed_jobs() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		assert_noop!(
			Market::cancel_job(RuntimeOrigin::signed(REQUESTER), 9),
			Error::<Test>::JobNotFound
		);
		let job = post(1, 1);
		assert_noop!(Market::cancel_job(RuntimeOrigin::signed(1), job), Error::<Test>::NotJobOwner);
		assert_ok!(Market::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
		assert_noop!(
			Market::cancel_job(RuntimeOrigin::signed(REQUESTER), job),
			Error::<Test>::JobNotOpen
		);
	});
}
