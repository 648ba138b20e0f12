//! Data the requester does not serve: the replicas that cannot fetch it report it and are
//! released unpunished, a majority of reports fails the task at the requester's cost, and no
//! provider can use a report to walk away from work it took.

use super::*;
use crate::{Burned, Error, Escalations, HoldReason, Jobs, Providers, TaskPhase};
use conun_primitives::FailReason;
use polkadot_sdk::frame_support::{assert_noop, traits::fungible::InspectHold, weights::Weight};

fn report(
	who: AccountId,
	job: JobId,
	tasks: &[TaskIndex],
) -> polkadot_sdk::frame_support::dispatch::DispatchResult {
	let tasks: Vec<TaskRef> = tasks.iter().map(|&task| TaskRef { job, task }).collect();
	Market::report_unavailable(RuntimeOrigin::signed(who), tasks.try_into().unwrap())
}

fn phase(job: JobId, task: TaskIndex) -> TaskPhase<BlockNumber> {
	Tasks::<Test>::get(job, task).unwrap().phase
}

fn stake(who: AccountId) -> Balance {
	Providers::<Test>::get(who).unwrap().stake
}

fn reputation(who: AccountId) -> u32 {
	Market::standing(&who).reputation
}

/// Post a one-task job (R = 3) whose replicas must commit two blocks after their assignment:
/// shorter than the fetch window.
fn post_short_job() -> JobId {
	let mut t = terms(3);
	t.deadlines.execution = 1;
	t.deadlines.commit = 1;
	post_terms(1, t)
}

fn deposit_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::StorageDeposit.into(), &who)
}

#[test]
fn a_requester_who_serves_nothing_pays_for_it_and_no_provider_is_slashed() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		JobDeposit::set(7);
		TaskDeposit::set(3);
		let job = post(3, 2);
		let burned_before = Burned::<Test>::get();
		run_to_block(2);
		assert_ok!(report(1, job, &[0, 1]));
		assert_ok!(report(2, job, &[0, 1]));
		// Two of three decide it: the third was released with the task, which has ended.
		assert_noop!(report(3, job, &[0]), Error::<Test>::TaskNotRunning);
		for task in [0, 1] {
			assert_eq!(phase(job, task), TaskPhase::Failed { reason: FailReason::Unavailable });
			assert!(emitted(Event::DepositBurned { job, task, burned: 3 }));
		}
		assert!(emitted(Event::DataUnavailable { job, task: 0, provider: 1 }));
		for who in [1, 2, 3] {
			assert_eq!(stake(who), 10_000, "provider {who} keeps its stake");
			assert_eq!(reputation(who), 500, "provider {who} keeps its reputation");
			assert_eq!(
				Providers::<Test>::get(who).unwrap().unsettled,
				0,
				"provider {who} is free to leave"
			);
		}
		// The requester got its whole escrow back and lost the two tasks' deposits, burned.
		assert_eq!(Balances::balance_on_hold(&HoldReason::JobEscrow.into(), &REQUESTER), 0);
		assert_eq!(deposit_held(REQUESTER), 7);
		assert_eq!(free(REQUESTER), ENDOWMENT - 7 - 2 * 3);
		assert_eq!(Burned::<Test>::get(), burned_before + 6);
		assert_eq!(Jobs::<Test>::get(job).unwrap().deposit, 7);
	});
}

#[test]
fn a_report_by_a_minority_releases_the_replica_and_a_fresh_provider_replaces_it() {
	ExtBuilder::default().providers(&[1, 2, 3, 4]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let first = replicas(job, 0);
		let reporter = first[0];
		assert_ok!(report(reporter, job, &[0]));
		assert_eq!(replica_state(job, 0, reporter), ReplicaState::Unavailable);
		assert_eq!(phase(job, 0), TaskPhase::Waiting);
		assert_eq!(Providers::<Test>::get(reporter).unwrap().unsettled, 0);

		run_to_block(3);
		let now = replicas(job, 0);
		assert_eq!(now.len(), 3);
		assert!(!now.contains(&reporter), "who reported is never drawn again for the task");
		for who in &now {
			commit(*who, job, 0, 7);
		}
		for who in &now {
			reveal(*who, job, 0, 7);
		}
		assert_eq!(phase(job, 0), TaskPhase::Verified { result: result(7) });
		assert_eq!(stake(reporter), 10_000);
		assert_eq!(reputation(reporter), 500);
		assert_eq!(Market::standing(&reporter).earned, 0, "a report earns nothing");
	});
}

#[test]
fn the_last_replica_to_commit_can_report_and_reveals_open_without_it() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let who = replicas(job, 0);
		commit(who[0], job, 0, 7);
		commit(who[1], job, 0, 7);
		// Nobody is left to replace it: the task goes on with the two that committed, which can
		// still make a majority of three.
		assert_ok!(report(who[2], job, &[0]));
		run_to_block(2 + UNASSIGNABLE_TIMEOUT + 2);
		assert!(matches!(phase(job, 0), TaskPhase::Revealing { .. }), "{:?}", phase(job, 0));
		reveal(who[0], job, 0, 7);
		reveal(who[1], job, 0, 7);
		assert_eq!(phase(job, 0), TaskPhase::Verified { result: result(7) });
	});
}

#[test]
fn one_provider_alone_cannot_fail_a_one_replica_task() {
	ExtBuilder::default().providers(&[1, 2]).build_and_execute(|| {
		let job = post(1, 1);
		run_to_block(2);
		let first = replicas(job, 0)[0];
		assert_ok!(report(first, job, &[0]));
		assert_eq!(phase(job, 0), TaskPhase::Waiting, "replaced, not failed");
		run_to_block(3);
		let second = replicas(job, 0)[0];
		assert_ne!(second, first);
		assert_ok!(report(second, job, &[0]));
		assert_eq!(phase(job, 0), TaskPhase::Failed { reason: FailReason::Unavailable });
		assert_eq!(free(REQUESTER), ENDOWMENT);
	});
}

#[test]
fn once_a_replica_committed_reports_only_replace_and_its_result_is_not_freed() {
	ExtBuilder::default().providers(&[1, 2, 3, 4, 5]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let who = replicas(job, 0);
		commit(who[0], job, 0, 7);
		assert_ok!(report(who[1], job, &[0]));
		assert_ok!(report(who[2], job, &[0]));
		assert_eq!(phase(job, 0), TaskPhase::Waiting, "the commitment shows the data exists");
		run_to_block(3);
		let now = replicas(job, 0);
		assert_eq!(now.len(), 3);
		for w in &now[1..] {
			commit(*w, job, 0, 7);
		}
		for w in &now {
			reveal(*w, job, 0, 7);
		}
		assert_eq!(phase(job, 0), TaskPhase::Verified { result: result(7) });
		assert_eq!(Market::standing(&who[0]).earned, 10, "who did the work is paid");
	});
}

#[test]
fn colluders_who_fail_an_honest_task_by_lying_gain_nothing() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		TaskDeposit::set(3);
		let job = post(3, 1);
		run_to_block(2);
		let who = replicas(job, 0);
		let before: Vec<Balance> = who.iter().map(|w| free(*w)).collect();
		assert_ok!(report(who[1], job, &[0]));
		assert_ok!(report(who[2], job, &[0]));
		assert_eq!(phase(job, 0), TaskPhase::Failed { reason: FailReason::Unavailable });
		// Nobody is paid: the liars earn nothing for the work they did not do, and the honest
		// replica, still running, is released unpunished.
		for (i, w) in who.iter().enumerate() {
			assert_eq!(free(*w), before[i]);
			assert_eq!(stake(*w), 10_000);
			assert_eq!(Providers::<Test>::get(w).unwrap().unsettled, 0);
		}
		// The requester is refunded; what the lie cost it is the task's deposit and a retry.
		assert_eq!(free(REQUESTER), ENDOWMENT - 3);
	});
}

#[test]
fn a_replica_cannot_report_after_the_fetch_window_and_must_commit_or_miss() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let who = replicas(job, 0);
		run_to_block(2 + FETCH_WINDOW);
		assert_ok!(report(who[0], job, &[0]));
		run_to_block(3 + FETCH_WINDOW);
		assert_noop!(report(who[1], job, &[0]), Error::<Test>::FetchWindowOver);
	});
}

#[test]
fn a_replica_that_committed_or_a_stranger_cannot_report() {
	ExtBuilder::default().providers(&[1, 2, 3, 4]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let who = replicas(job, 0);
		commit(who[0], job, 0, 7);
		assert_noop!(report(who[0], job, &[0]), Error::<Test>::AlreadyCommitted);
		let stranger = [1, 2, 3, 4].into_iter().find(|w| !who.contains(w)).unwrap();
		assert_noop!(report(stranger, job, &[0]), Error::<Test>::NotAssigned);
		assert_noop!(report(who[1], job, &[5]), Error::<Test>::TaskNotFound);
		assert_noop!(
			Market::report_unavailable(RuntimeOrigin::signed(who[1]), Default::default()),
			Error::<Test>::EmptyBatch
		);
		// All or nothing: a bad item fails the call, and the good one before it is not
		// reported either.
		assert_noop!(report(who[1], job, &[0, 5]), Error::<Test>::TaskNotFound);
		assert_eq!(replica_state(job, 0, who[1]), ReplicaState::Assigned);
	});
}

#[test]
fn a_replica_whose_reveals_opened_cannot_report() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let who = replicas(job, 0);
		for w in &who {
			commit(*w, job, 0, 7);
		}
		assert_noop!(report(who[0], job, &[0]), Error::<Test>::TaskNotRunning);
	});
}

#[test]
fn a_report_after_the_commit_deadline_is_refused_even_before_the_hook_marks_the_miss() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let id = post_short_job();
		run_to_block(2);
		let who = replicas(id, 0);
		let commit_by = Tasks::<Test>::get(id, 0).unwrap().replicas[0].commit_by;
		assert!(commit_by < 2 + FETCH_WINDOW);
		// The hook has no weight beyond its base: the miss is not marked yet when the report
		// comes.
		HookWeightLimit::set(<() as crate::weights::WeightInfo>::on_initialize_base());
		run_to_block(commit_by + 1);
		assert_noop!(report(who[0], id, &[0]), Error::<Test>::CommitDeadlinePassed);
		HookWeightLimit::set(Weight::from_parts(2_000_000_000_000, u64::MAX));
	});
}

#[test]
fn during_an_escalation_reports_only_replace_committee_members() {
	ExtBuilder::default()
		.providers(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
		.challenge_period(5)
		.build_and_execute(|| {
			let job = post_docker(3);
			run_to_block(2);
			let first = replicas(job, 0);
			for (w, byte) in first.iter().zip([0x66, 0x66, 7]) {
				commit(*w, job, 0, byte);
			}
			for (w, byte) in first.iter().zip([0x66, 0x66, 7]) {
				reveal(*w, job, 0, byte);
			}
			assert_ok!(Market::challenge_escalate(
				RuntimeOrigin::signed(first[2]),
				TaskRef { job, task: 0 }
			));
			run_to_block(3);
			let committee = replicas(job, 0);
			assert_eq!(committee.len(), 7);
			// The earlier replicas fetched the data: free reports could only use up the
			// committee's replacements and save the replicas on trial.
			assert_noop!(report(committee[0], job, &[0]), Error::<Test>::Escalated);
			assert!(Escalations::<Test>::contains_key(TaskRef { job, task: 0 }));
		});
}

#[test]
fn a_short_job_s_fetch_window_ends_halfway_to_the_commit_deadline() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let id = post_short_job();
		run_to_block(2);
		let task = Tasks::<Test>::get(id, 0).unwrap();
		let (assigned, commit_by) = (task.replicas[0].assigned_at, task.replicas[0].commit_by);
		let end = assigned + (commit_by - assigned) / 2;
		assert!(end < assigned + FETCH_WINDOW);
		let who = replicas(id, 0);
		run_to_block(end);
		assert_ok!(report(who[0], id, &[0]));
		run_to_block(end + 1);
		assert_noop!(report(who[1], id, &[0]), Error::<Test>::FetchWindowOver);
	});
}
