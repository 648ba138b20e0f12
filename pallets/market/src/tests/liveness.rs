//! Liveness under hostile requesters and providers: every task ends in bounded time, nobody is
//! locked by a task that cannot go on, scheduling a deadline never fails, jobs take turns, the
//! queue's visits are all charged, and taking work without doing it costs stake.

use super::*;
use crate::{
	DeadlineBuckets, DeadlinePages, Error, Escalations, HoldReason, JobState, Jobs, Parked,
	ParkedHead, ParkedTail, Providers, Queue, ReplicaState, TaskPhase,
};
use conun_primitives::{FailReason, Resources, Unassignable};
use polkadot_sdk::{
	frame_support::{
		assert_noop,
		traits::{fungible::InspectHold, Hooks},
		weights::Weight,
	},
	sp_runtime::BoundedVec,
};

const HONEST: u8 = 7;

fn phase(job: JobId, task: TaskIndex) -> TaskPhase<BlockNumber> {
	Tasks::<Test>::get(job, task).unwrap().phase
}

fn unsettled(who: AccountId) -> u32 {
	Providers::<Test>::get(who).unwrap().unsettled
}

fn escrow_held() -> Balance {
	Balances::balance_on_hold(&HoldReason::JobEscrow.into(), &REQUESTER)
}

/// The job of every replica assigned so far, in the order they were assigned.
fn assignment_order() -> Vec<JobId> {
	market_events()
		.into_iter()
		.filter_map(|e| match e {
			Event::ReplicaAssigned { job, .. } => Some(job),
			_ => None,
		})
		.collect()
}

/// The number of queue entries, in the requesters' lanes and parked.
fn queued() -> (u64, u64) {
	let lanes = crate::LaneBounds::<Test>::iter_values().map(|(head, tail)| tail - head).sum();
	(lanes, ParkedTail::<Test>::get() - ParkedHead::<Test>::get())
}

#[test]
fn a_task_is_assigned_whole_or_not_at_all() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		assert_ok!(Market::pause(RuntimeOrigin::signed(3)));
		let job = post(3, 1);
		run_to_block(2);
		// Two providers could take a replica each, but the task needs three: nobody is locked.
		assert!(replicas(job, 0).is_empty());
		assert_eq!((unsettled(1), unsettled(2)), (0, 0));
		assert_eq!(
			Tasks::<Test>::get(job, 0).unwrap().stalled,
			Some(Unassignable::TooFewDistinctProviders)
		);
		assert_eq!(queued(), (0, 1), "the stuck task is parked");
		// Once a third is back, the parked task is retried and assigned whole.
		assert_ok!(Market::resume(RuntimeOrigin::signed(3)));
		run_to_block(3);
		assert_eq!(replicas(job, 0).len(), 3);
		assert_eq!(phase(job, 0), TaskPhase::Running);
	});
}

#[test]
fn a_replacement_nobody_can_take_ends_its_wait_and_the_live_replicas_decide() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let all = replicas(job, 0);
		let (late, live) = (all[0], &all[1..]);
		for who in live {
			commit(*who, job, 0, HONEST);
		}
		// The commit deadline (block 2 + 5 + 2) passes: the late replica is replaced, but the
		// only provider left is the one that missed.
		run_to_block(10);
		assert_eq!(replica_state(job, 0, late), ReplicaState::Missed);
		assert_eq!(phase(job, 0), TaskPhase::Waiting);
		let stalled_at = Tasks::<Test>::get(job, 0).unwrap().stalled_since.unwrap();
		// Before the wait is over the two who committed are locked...
		assert_noop!(
			Market::unbond(RuntimeOrigin::signed(live[0])),
			Error::<Test>::UnfinishedAssignments
		);
		run_to_block(stalled_at + UNASSIGNABLE_TIMEOUT);
		// ...then the task goes on with them: two of R = 3 can still make a strict majority.
		assert!(emitted(Event::TaskShortened { job, task: 0, replicas: 2 }));
		assert!(matches!(phase(job, 0), TaskPhase::Revealing { .. }));
		for who in live {
			reveal(*who, job, 0, HONEST);
		}
		assert_eq!(phase(job, 0), TaskPhase::Verified { result: result(HONEST) });
		for who in live {
			assert_eq!(unsettled(*who), 0);
			assert_ok!(Market::unbond(RuntimeOrigin::signed(*who)));
		}
		assert_eq!(Jobs::<Test>::get(job).unwrap().state, JobState::Finished);
		assert_eq!(escrow_held(), 0);
	});
}

#[test]
fn a_task_left_with_too_few_replicas_to_decide_fails_and_is_refunded() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let before = free(REQUESTER);
		let job = post(3, 1);
		run_to_block(2);
		let all = replicas(job, 0);
		commit(all[2], job, 0, HONEST);
		// Two miss; no provider is left to replace them.
		run_to_block(10);
		let stalled_at = Tasks::<Test>::get(job, 0).unwrap().stalled_since.unwrap();
		run_to_block(stalled_at + UNASSIGNABLE_TIMEOUT);
		assert_eq!(phase(job, 0), TaskPhase::Failed { reason: FailReason::Unassignable });
		// The one that committed is released without penalty; the requester gets back all but
		// nothing: the misses were slashed, not paid.
		assert_eq!(unsettled(all[2]), 0);
		assert_eq!(Market::standing(&all[2]).missed, 0);
		assert_eq!(Jobs::<Test>::get(job).unwrap().state, JobState::Finished);
		assert_eq!(free(REQUESTER), before);
	});
}

#[test]
fn a_job_nobody_can_take_expires_refunded_and_says_why() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let before = free(REQUESTER);
		// Every provider has 500 reputation; the job asks 900, which one could reach some day.
		let mut demanding = terms(3);
		demanding.min_reputation = 900;
		let job = post_terms(20, demanding);
		run_to_block(2);
		assert_eq!(
			Tasks::<Test>::get(job, 0).unwrap().stalled,
			Some(Unassignable::ReputationTooLow)
		);
		assert_eq!(queued(), (0, 1));
		run_to_block(2 + UNASSIGNABLE_TIMEOUT);
		assert!(emitted(Event::JobExpired { job, reason: Unassignable::ReputationTooLow }));
		for task in 0..20 {
			assert_eq!(phase(job, task), TaskPhase::Failed { reason: FailReason::Unassignable });
		}
		let info = Jobs::<Test>::get(job).unwrap();
		assert_eq!((info.state, info.failed, info.escrow), (JobState::Finished, 20, 0));
		assert_eq!(free(REQUESTER), before);
		assert_eq!(queued(), (0, 0), "nothing of it is left in the queues");
	});
}

#[test]
fn a_wait_that_is_over_ends_when_the_hook_has_the_weight_to_end_it() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let mut demanding = terms(3);
		demanding.min_reputation = 900;
		let job = post_terms(1, demanding);
		run_to_block(2);
		// Room for the draws of one task, not for ending it (a verdict and pool edits): the
		// task keeps its place, still waiting, and nothing is half done.
		let page = <Test as polkadot_sdk::frame_system::Config>::DbWeight::get().reads_writes(2, 2);
		let room = <() as crate::WeightInfo>::on_initialize_base()
			+ page * 2
			+ Market::visit_weight()
			+ Market::worst_assignment_weight();
		assert!(room
			.all_lt(<() as crate::WeightInfo>::on_initialize_base() + Market::worst_task_weight()));
		HookWeightLimit::set(room);
		run_to_block(2 + UNASSIGNABLE_TIMEOUT + 2);
		let next = System::block_number() + 1;
		System::set_block_number(next);
		let used = Market::on_initialize(next);
		let drawn = Market::visit_weight() + <() as crate::WeightInfo>::assign_drawn(0);
		assert!(used.all_gte(drawn), "the task was visited and its draws made");
		assert_eq!(phase(job, 0), TaskPhase::Waiting);
		assert_eq!(Jobs::<Test>::get(job).unwrap().state, JobState::Open);
		assert_eq!(queued(), (0, 1));
		// With the weight, it ends at the next block.
		HookWeightLimit::set(Weight::from_parts(2_000_000_000_000, u64::MAX));
		run_to_block(2 + UNASSIGNABLE_TIMEOUT + 4);
		assert!(emitted(Event::JobExpired { job, reason: Unassignable::ReputationTooLow }));
		assert_eq!(phase(job, 0), TaskPhase::Failed { reason: FailReason::Unassignable });
	});
}

#[test]
fn an_expired_job_lets_its_running_tasks_finish() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		// Each provider takes 4 tasks at once: 4 tasks run (for long), the rest wait for
		// capacity.
		let mut slow = terms(3);
		slow.deadlines.execution = 500;
		let job = post_terms(6, slow);
		run_to_block(2);
		assert_eq!(replicas(job, 3).len(), 3);
		assert!(replicas(job, 4).is_empty());
		// Nobody commits for a while, then all do; the wait of task 4 has been over since.
		run_to_block(2 + UNASSIGNABLE_TIMEOUT);
		assert!(emitted(Event::JobExpired { job, reason: Unassignable::NoSpareCapacity }));
		assert_eq!(phase(job, 4), TaskPhase::Failed { reason: FailReason::Unassignable });
		assert_eq!(phase(job, 5), TaskPhase::Failed { reason: FailReason::Unassignable });
		for task in 0..4 {
			assert_eq!(phase(job, task), TaskPhase::Running, "task {task} goes on");
		}
		assert_eq!(Jobs::<Test>::get(job).unwrap().state, JobState::Open);
	});
}

#[test]
fn an_escalation_without_a_committee_lapses_and_the_verdict_stands() {
	// Four providers: R = 1 needs a committee of 3 who never ran the task, and only 3 are
	// left; one of them pauses, so no committee can be drawn.
	ExtBuilder::default()
		.providers(&[1, 2, 3, 4])
		.challenge_period(5)
		.build_and_execute(|| {
			let id = post_docker(1);
			run_to_block(2);
			let replica = replicas(id, 0)[0];
			commit(replica, id, 0, HONEST);
			reveal(replica, id, 0, HONEST);
			let other = (1..=4).find(|w| *w != replica).unwrap();
			assert_ok!(Market::pause(RuntimeOrigin::signed(other)));
			let held = free(REQUESTER);
			assert_ok!(Market::challenge_escalate(
				RuntimeOrigin::signed(REQUESTER),
				TaskRef { job: id, task: 0 }
			));
			run_to_block(3);
			assert_eq!(
				Tasks::<Test>::get(id, 0).unwrap().stalled,
				Some(Unassignable::TooFewDistinctProviders)
			);
			run_to_block(3 + UNASSIGNABLE_TIMEOUT);
			assert!(emitted(Event::EscalationLapsed { job: id, task: 0, challenger: REQUESTER }));
			assert!(Escalations::<Test>::get(TaskRef { job: id, task: 0 }).is_none());
			assert_eq!(phase(id, 0), TaskPhase::Verified { result: result(HONEST) });
			// The replica is paid, the challenger's bond returned whole.
			assert!(emitted(Event::ReplicaPaid {
				job: id,
				task: 0,
				provider: replica,
				amount: 10
			}));
			assert_eq!(free(REQUESTER), held + 0);
			assert_eq!(Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &REQUESTER), 0);
			assert_eq!(unsettled(replica), 0);
		});
}

#[test]
fn a_task_with_no_room_for_more_replicas_fails() {
	ExtBuilder::default().providers(&[1, 2, 3, 4]).build_and_execute(|| {
		let job = post(3, 1);
		// A task whose replica list is already full of missed replicas, wanting three more.
		Tasks::<Test>::mutate(job, 0, |task| {
			let task = task.as_mut().unwrap();
			let slots = <crate::ReplicaSlots<Test> as polkadot_sdk::frame_support::traits::Get<
				u32,
			>>::get() as usize;
			for _ in 0..slots - 2 {
				let missed = crate::Replica::<Test> {
					provider: 99,
					assigned_at: 1,
					commit_by: 1,
					state: ReplicaState::Missed,
				};
				task.replicas.try_push(missed).unwrap();
			}
		});
		run_to_block(2);
		assert_eq!(phase(job, 0), TaskPhase::Failed { reason: FailReason::Unassignable });
		assert_eq!(Jobs::<Test>::get(job).unwrap().state, JobState::Finished);
	});
}

#[test]
fn a_commit_is_never_refused_for_a_full_deadline_block() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		let job = post(1, 2);
		run_to_block(2);
		commit(1, job, 0, HONEST);
		// Task 1 committed in block 3 has its reveals due by block 6, looked at in block 7,
		// whose page is full of other tasks.
		let deadline = 7;
		let filler = TaskRef { job: 77, task: 0 };
		DeadlineBuckets::<Test>::insert(deadline, 0, BoundedVec::truncate_from(vec![filler; 64]));
		DeadlinePages::<Test>::insert(deadline, 1);
		System::set_block_number(3);
		commit(1, job, 1, HONEST);
		assert_eq!(DeadlinePages::<Test>::get(deadline), 2, "a second page holds task 1");
		// Both pages are handled when the block comes: task 1's reveal deadline passes.
		run_to_block(deadline);
		assert_eq!(DeadlinePages::<Test>::get(deadline), 0);
		assert!(DeadlineBuckets::<Test>::iter_prefix(deadline).next().is_none());
		assert_eq!(replica_state(job, 1, 1), ReplicaState::Missed);
	});
}

#[test]
fn deadline_pages_the_meter_cannot_finish_are_carried_over() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		let filler = TaskRef { job: 77, task: 0 };
		for page in 0..3 {
			DeadlineBuckets::<Test>::insert(2, page, BoundedVec::truncate_from(vec![filler; 64]));
		}
		DeadlinePages::<Test>::insert(2, 3);
		// Room for a page and a few deadlines only: each visit needs room for the dearest
		// deadline, and these visits find nothing to do.
		let room = Market::worst_deadline_weight()
			.saturating_add(Market::idle_deadline_weight().saturating_mul(20))
			.saturating_add(Market::schedule_deadline_weight());
		let mut meter = polkadot_sdk::frame_support::weights::WeightMeter::with_limit(room);
		System::set_block_number(2);
		Market::process_deadlines(2, &mut meter);
		assert_eq!(DeadlinePages::<Test>::get(2), 3, "the last page is not done yet");
		assert!(DeadlineBuckets::<Test>::get(2, 2).len() < 64);
		assert_eq!(crate::DeadlineCursor::<Test>::get(), 2);
		run_to_block(3);
		assert_eq!(DeadlinePages::<Test>::get(2), 0);
		assert!(crate::DeadlineCursor::<Test>::get() > 2);
	});
}

#[test]
fn jobs_take_turns_at_the_front_of_the_queue() {
	ExtBuilder::default()
		.providers(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
		.build_and_execute(|| {
			let large = post(1, 30);
			let small = post(1, 1);
			run_to_block(2);
			let order = assignment_order();
			// The large job's first turn, then the small job, then the large job again.
			let first_small = order.iter().position(|j| *j == small).unwrap();
			assert_eq!(first_small, TASKS_PER_TURN as usize, "{order:?}");
			assert!(order[first_small + 1..].iter().all(|j| *j == large));
		});
}

#[test]
fn parked_tasks_do_not_hold_up_fresh_work() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		// Fifty jobs nobody can take, posted first.
		let mut junk = terms(1);
		junk.min_reputation = 999;
		for _ in 0..50 {
			post_terms(1, junk.clone());
		}
		run_to_block(2);
		assert_eq!(queued(), (0, 50));
		// A hook with room for a few visits only: the parked get their few retries, and the
		// honest job posted now is still assigned in the next block.
		let visit = Market::worst_task_weight().saturating_add(Market::visit_weight());
		HookWeightLimit::set(visit.saturating_mul(8));
		let honest = post(3, 1);
		run_to_block(3);
		assert_eq!(replicas(honest, 0).len(), 3);
		HookWeightLimit::set(Weight::from_parts(2_000_000_000_000, u64::MAX));
	});
}

/// Post a one-task job from `who` that no provider can take (it asks a reputation of 999).
fn post_junk(who: AccountId) -> JobId {
	let mut junk = terms(1);
	junk.min_reputation = 999;
	let id = crate::NextJobId::<Test>::get();
	assert_ok!(Market::post_job(
		RuntimeOrigin::signed(who),
		wasm_program(),
		inputs(1).try_into().unwrap(),
		junk,
		contact(0),
	));
	id
}

#[test]
fn a_spammer_s_many_jobs_get_one_turn_in_each_round_of_requesters() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		const SPAMMER: AccountId = 110;
		let junk: Vec<JobId> = (0..40).map(|_| post_junk(SPAMMER)).collect();
		// Posted behind all of them, by another requester: in a queue of jobs it would wait
		// for forty visits.
		let honest = post(3, 1);
		run_to_block(2);
		let events = market_events();
		let at = |wanted: &dyn Fn(&Event<Test>) -> bool| events.iter().position(wanted).unwrap();
		let first_junk =
			at(&|e| matches!(e, Event::TaskUnassignable { job, .. } if *job == junk[0]));
		let second_junk =
			at(&|e| matches!(e, Event::TaskUnassignable { job, .. } if *job == junk[1]));
		let honest_assigned =
			at(&|e| matches!(e, Event::ReplicaAssigned { job, .. } if *job == honest));
		assert!(first_junk < honest_assigned && honest_assigned < second_junk, "{events:?}");
		assert_eq!(replicas(honest, 0).len(), 3);
		// The spammer's turns come round again, one entry each, until all its jobs are parked.
		assert_eq!(queued(), (0, 40), "every junk job was visited and parked");
		assert!(Queue::<Test>::iter().next().is_none(), "the ring is empty with the lanes");
	});
}

#[test]
fn a_requester_s_own_jobs_take_turns_in_its_lane() {
	ExtBuilder::default()
		.providers(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
		.build_and_execute(|| {
			const OTHER: AccountId = 110;
			let large = post(1, 30);
			let small = post(1, 1);
			let other = {
				let id = crate::NextJobId::<Test>::get();
				assert_ok!(Market::post_job(
					RuntimeOrigin::signed(OTHER),
					wasm_program(),
					inputs(1).try_into().unwrap(),
					terms(1),
					contact(0),
				));
				id
			};
			run_to_block(2);
			let order = assignment_order();
			// The large job's turn, the other requester's, then the requester's small job.
			let turn = TASKS_PER_TURN as usize;
			assert!(order[..turn].iter().all(|j| *j == large), "{order:?}");
			assert_eq!((order[turn], order[turn + 1]), (other, small), "{order:?}");
			assert!(order[turn + 2..].iter().all(|j| *j == large), "{order:?}");
		});
}

#[test]
fn every_queue_visit_is_charged_even_to_a_job_that_is_gone() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let jobs: Vec<JobId> = (0..40).map(|_| post(1, 1)).collect();
		for job in &jobs {
			assert_ok!(Market::cancel_job(RuntimeOrigin::signed(REQUESTER), *job));
		}
		// 80 entries: each job's tasks, and each cancellation at the front.
		assert_eq!(queued().0, 80);
		System::set_block_number(2);
		let used = Market::on_initialize(2);
		let visit = Market::visit_weight();
		assert!(used.all_gte(visit.saturating_mul(80)), "{used:?} < 80 × {visit:?}");
		// With room for a few visits only, the entries are worked through over several blocks.
		let jobs: Vec<JobId> = (0..40).map(|_| post(1, 1)).collect();
		for job in &jobs {
			assert_ok!(Market::cancel_job(RuntimeOrigin::signed(REQUESTER), *job));
		}
		// Room for the dearest step a visit checks for, and a few cheap visits more.
		let step = Market::worst_cancel_weight().max(Market::worst_assignment_weight());
		let cheap = visit.saturating_add(<() as crate::WeightInfo>::cancel_task(0));
		let room = <() as crate::WeightInfo>::on_initialize_base()
			.saturating_add(step.saturating_add(visit))
			.saturating_add(cheap.saturating_mul(4));
		HookWeightLimit::set(room);
		System::set_block_number(3);
		let used = Market::on_initialize(3);
		assert!(room.all_gte(used));
		assert!(queued().0 > 0, "not every entry fits one block");
		HookWeightLimit::set(Weight::from_parts(2_000_000_000_000, u64::MAX));
		run_to_block(10);
		assert_eq!(queued(), (0, 0));
	});
}

#[test]
fn post_job_refuses_terms_no_registered_provider_could_meet() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let post_with = |terms| {
			Market::post_job(
				RuntimeOrigin::signed(REQUESTER),
				wasm_program(),
				inputs(1).try_into().unwrap(),
				terms,
				contact(0),
			)
		};
		let mut cheap = terms(3);
		cheap.price = MIN_PRICE - 1;
		assert_noop!(post_with(cheap), Error::<Test>::PriceBelowMinimum);
		let mut unreachable = terms(3);
		unreachable.min_reputation = 1_001;
		assert_noop!(post_with(unreachable), Error::<Test>::ReputationUnreachable);
		assert_noop!(post_with(terms(4)), Error::<Test>::TooFewProviders);
		for resources in [
			Resources { cores: 5, memory_mib: 512, gpus: 0 },
			Resources { cores: 1, memory_mib: 8193, gpus: 0 },
			Resources { cores: 1, memory_mib: 512, gpus: 1 },
		] {
			let mut big = terms(3);
			big.resources = resources;
			assert_noop!(post_with(big), Error::<Test>::ResourcesUnavailable);
		}
		// A provider lending more raises the largest offer.
		let mut gpu = caps();
		gpu.resources.gpus = 1;
		assert_ok!(Market::register(RuntimeOrigin::signed(4), 10_000, gpu, contact(4), 1));
		let mut with_gpu = terms(1);
		with_gpu.resources.gpus = 1;
		assert_ok!(post_with(with_gpu));
	});
}

#[test]
fn task_slots_are_bounded_declared_staked_and_earned() {
	// The mock's statics are per test thread: this test alone sees real admission limits.
	StakePerTask::set(1_000);
	NewcomerTasks::set(4);
	ExtBuilder::default().build_and_execute(|| {
		let mut many = caps();
		many.max_tasks = MAX_TASKS_PER_PROVIDER + 1;
		assert_noop!(
			Market::register(RuntimeOrigin::signed(1), 10_000, many.clone(), contact(1), 1),
			Error::<Test>::TooManyTaskSlots
		);

		// 16 slots declared, 3 staked (1000 each), a newcomer's 4: it holds 3 at once.
		many.max_tasks = 16;
		assert_ok!(Market::register(RuntimeOrigin::signed(1), 3_000, many.clone(), contact(1), 1));
		let provider = Providers::<Test>::get(1).unwrap();
		assert_eq!(provider.task_limit(0), 3);
		// Staked for 16: a newcomer still holds only 4, and one more per verified replica.
		assert_ok!(Market::bond_extra(RuntimeOrigin::signed(1), 13_000));
		let provider = Providers::<Test>::get(1).unwrap();
		assert_eq!(provider.task_limit(0), 4);
		assert_eq!(provider.task_limit(5), 4 + 5);
		assert_eq!(provider.task_limit(100), 16);
		let job = post(1, 10);
		run_to_block(2);
		let held = (0..10).filter(|t| !replicas(job, *t).is_empty()).count() as u32;
		assert_eq!(held, 4);
		// Each verified replica opens one more slot.
		commit(1, job, 0, HONEST);
		reveal(1, job, 0, HONEST);
		run_to_block(3);
		let held = (0..10).filter(|t| !replicas(job, *t).is_empty()).count() as u32;
		assert_eq!(held, 4 + 1 + 1, "task 0 verified, two more assigned");
	});
}

#[test]
fn a_missed_replica_costs_at_least_its_price() {
	// A 2 % slash of 1000 is 20; a price of 50 is more, so 50 is slashed.
	ExtBuilder::default().providers(&[1]).stake(1_000).build_and_execute(|| {
		let mut dear = terms(1);
		dear.price = 50;
		let job = post_terms(1, dear);
		run_to_block(10);
		assert!(emitted(Event::ReplicaMissed {
			job,
			task: 0,
			provider: 1,
			slashed: 50,
			reputation: 450
		}));
		assert_eq!(Providers::<Test>::get(1).unwrap().stake, 950);
	});
}

#[test]
fn the_parked_entries_of_a_cancelled_job_are_cancelled_too() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let mut demanding = terms(3);
		demanding.min_reputation = 900;
		let job = post_terms(3, demanding);
		run_to_block(2);
		assert_eq!(queued(), (0, 1));
		assert_ok!(Market::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
		run_to_block(3);
		let info = Jobs::<Test>::get(job).unwrap();
		assert_eq!((info.state, info.cancelled), (JobState::Finished, 3));
		run_to_block(4);
		assert_eq!(queued(), (0, 0));
		assert!(Queue::<Test>::iter().next().is_none() && Parked::<Test>::iter().next().is_none());
	});
}
