//! Assignment, commit, reveal and verdict: the market's life cycle and every way it can go.

use super::*;
use crate::{
	Burned, Error, JobState, Jobs, PoolLen, Providers, RuntimeKind, TaskPhase, Unassignable,
};
use conun_primitives::FailReason;
use polkadot_sdk::{frame_support::assert_noop, sp_runtime::BoundedVec};

const HONEST: u8 = 7;

fn verified(job: JobId, task: TaskIndex) -> bool {
	Tasks::<Test>::get(job, task).unwrap().phase == TaskPhase::Verified { result: result(HONEST) }
}

fn unassignable_events(job: JobId) -> Vec<Unassignable> {
	market_events()
		.into_iter()
		.filter_map(|e| match e {
			Event::TaskUnassignable { job: j, reason, .. } if j == job => Some(reason),
			_ => None,
		})
		.collect()
}

#[test]
fn a_job_goes_from_post_to_paid() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let mut assigned = replicas(job, 0);
		assigned.sort();
		assert_eq!(assigned, vec![1, 2, 3]);
		assert_eq!(Tasks::<Test>::get(job, 0).unwrap().phase, TaskPhase::Running);
		assert!(emitted(Event::ReplicaAssigned { job, task: 0, provider: 1, commit_by: 9 }));

		for who in [1, 2, 3] {
			commit(who, job, 0, HONEST);
		}
		assert!(emitted(Event::ResultCommitted { job, task: 0, provider: 2 }));
		System::assert_last_event(Event::RevealsOpened { job, task: 0, deadline: 5 }.into());
		for who in [1, 2, 3] {
			reveal(who, job, 0, HONEST);
		}
		assert!(emitted(Event::ResultRevealed {
			job,
			task: 0,
			provider: 2,
			result: result(HONEST)
		}));
		assert!(verified(job, 0));
		assert!(emitted(Event::TaskVerified { job, task: 0, result: result(HONEST), agreeing: 3 }));
		for who in [1, 2, 3] {
			assert!(emitted(Event::ReplicaPaid { job, task: 0, provider: who, amount: 10 }));
			assert_eq!(free(who), ENDOWMENT - 10_000 + 10);
			let standing = Market::standing(&who);
			assert_eq!((standing.reputation, standing.verified, standing.earned), (505, 1, 10));
		}
		// 3 replicas paid; the margin (one fresh round, 3 replicas) is refunded.
		System::assert_last_event(
			Event::JobFinished { job, verified: 1, failed: 0, cancelled: 0, refunded: 30 }.into(),
		);
		assert_eq!(free(REQUESTER), ENDOWMENT - 30);
		assert_eq!(Jobs::<Test>::get(job).unwrap().state, JobState::Finished);
		assert_eq!(Market::assignments_of(&1), vec![]);
	});
}

#[test]
fn a_liar_is_slashed_and_its_slash_burned() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let issuance = Balances::total_issuance();
		let job = post(3, 1);
		run_to_block(2);
		commit(1, job, 0, HONEST);
		commit(2, job, 0, HONEST);
		commit(3, job, 0, 0x66);
		reveal(1, job, 0, HONEST);
		reveal(2, job, 0, HONEST);
		reveal(3, job, 0, 0x66);
		assert!(verified(job, 0));
		// 10 % of 10 000 slashed, all of it burned: paying it to the majority would pay
		// colluders for out-voting the honest.
		assert!(emitted(Event::ReplicaSlashed {
			job,
			task: 0,
			provider: 3,
			amount: 1_000,
			reputation: 333
		}));
		assert_eq!(Providers::<Test>::get(3).unwrap().stake, 9_000);
		assert_eq!([free(1), free(2)], [ENDOWMENT - 10_000 + 10; 2]);
		assert_eq!(Burned::<Test>::get(), 1_000);
		assert_eq!(Balances::total_issuance(), issuance - 1_000);
		let standing = Market::standing(&3);
		assert_eq!((standing.disagreed, standing.slashed, standing.earned), (1, 1_000, 0));
	});
}

#[test]
fn a_replica_that_never_commits_is_penalised_and_replaced() {
	ExtBuilder::default().providers(&[1, 2, 3, 4]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let assigned = replicas(job, 0);
		let (absent, present) = (assigned[0], &assigned[1..]);
		for who in present {
			commit(*who, job, 0, HONEST);
		}
		// Commit deadline is block 9; block 10 handles it and assigns a replacement.
		run_to_block(10);
		assert_eq!(replica_state(job, 0, absent), ReplicaState::Missed);
		assert!(emitted(Event::ReplicaMissed {
			job,
			task: 0,
			provider: absent,
			slashed: 200,
			reputation: 450
		}));
		assert_eq!(Market::standing(&absent).missed, 1);
		let now = replicas(job, 0);
		assert_eq!(now.len(), 3);
		let replacement = *now.iter().find(|w| !assigned.contains(w)).unwrap();
		let spare = (1..=4).find(|w| !assigned.contains(w)).unwrap();
		assert_eq!(replacement, spare);
		commit(replacement, job, 0, HONEST);
		for who in replicas(job, 0) {
			reveal(who, job, 0, HONEST);
		}
		assert!(verified(job, 0));
		assert_eq!(free(absent), ENDOWMENT - 10_000);
		assert_eq!(free(replacement), ENDOWMENT - 10_000 + 10);
	});
}

#[test]
fn a_replica_that_does_not_reveal_is_penalised_and_the_rest_decide() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		for who in [1, 2, 3] {
			commit(who, job, 0, HONEST);
		}
		reveal(1, job, 0, HONEST);
		reveal(2, job, 0, HONEST);
		// Reveal deadline is block 5; block 6 settles.
		run_to_block(6);
		assert_eq!(replica_state(job, 0, 3), ReplicaState::Missed);
		assert!(verified(job, 0));
		assert!(emitted(Event::TaskVerified { job, task: 0, result: result(HONEST), agreeing: 2 }));
		// Withholding a committed reveal costs what losing the vote costs (10 %, a third of
		// the reputation), not what a crash before committing costs (2 %, 50 points): a
		// cheater who sees it would lose gains nothing by staying silent.
		assert!(emitted(Event::ReplicaMissed {
			job,
			task: 0,
			provider: 3,
			slashed: 1_000,
			reputation: 333
		}));
		assert_eq!(Market::standing(&3).missed, 1);
		// Two paid; the third replica's share and the margin are refunded.
		assert_eq!(free(REQUESTER), ENDOWMENT - 20);
	});
}

/// Commit and reveal `results` for the live replicas of task 0 of `job`, in order.
fn vote(job: JobId, results: &[u8]) -> Vec<AccountId> {
	let who = replicas(job, 0);
	for (replica, byte) in who.iter().zip(results) {
		commit(*replica, job, 0, *byte);
	}
	for (replica, byte) in who.iter().zip(results) {
		reveal(*replica, job, 0, *byte);
	}
	who
}

#[test]
fn a_round_without_majority_pays_the_base_fee_and_a_fresh_round_follows_then_the_task_fails() {
	ExtBuilder::default().providers(&[1, 2, 3, 4, 5, 6, 7]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let first = vote(job, &[10, 11, 12]);
		// Nobody can tell who was right: each revealer gets half the price, nobody is slashed,
		// and three new providers decide the task on their own.
		System::assert_last_event(Event::RoundRestarted { job, task: 0, replicas: 3 }.into());
		for who in &first {
			assert!(emitted(Event::ReplicaPaid { job, task: 0, provider: *who, amount: 5 }));
			let standing = Market::standing(&who);
			assert_eq!((standing.reputation, standing.earned, standing.disagreed), (500, 5, 0));
		}
		assert!(!market_events().iter().any(|e| matches!(e, Event::ReplicaSlashed { .. })));
		run_to_block(3);
		let second = vote(job, &[20, 21, 22]);
		assert!(second.iter().all(|who| !first.contains(who)), "a fresh round has new providers");
		// Again no majority, and the margin held one fresh round: the task fails, and the
		// requester paid the six base fees and nothing else.
		assert!(emitted(Event::TaskFailed { job, task: 0, reason: FailReason::NoMajority }));
		assert_eq!(
			Tasks::<Test>::get(job, 0).unwrap().phase,
			TaskPhase::Failed { reason: FailReason::NoMajority }
		);
		assert_eq!(free(REQUESTER), ENDOWMENT - 6 * 5);
		assert_eq!(Jobs::<Test>::get(job).unwrap().state, JobState::Finished);
	});
}

#[test]
fn a_fresh_round_decides_alone_and_earlier_reveals_never_count() {
	ExtBuilder::default().providers(&[1, 2, 3, 4, 5, 6]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		// HONEST, 0x66 and 0x67: no majority. Counting these votes on, one extra replica that
		// read them could decide the task by siding with one.
		let first = vote(job, &[HONEST, 0x66, 0x67]);
		run_to_block(3);
		// The fresh round: 0x66 from a replica that copied the public reveal, HONEST and 0x68.
		// With the first round counted 0x66 (or HONEST) would have two votes and win.
		let second = vote(job, &[0x66, HONEST, 0x68]);
		assert!(second.iter().all(|who| !first.contains(who)));
		assert!(emitted(Event::TaskFailed { job, task: 0, reason: FailReason::NoMajority }));
		assert!(!market_events().iter().any(|e| matches!(e, Event::TaskVerified { .. })));
	});
}

#[test]
fn a_fresh_round_with_a_majority_is_verified_and_pays_the_first_round_only_its_base_fee() {
	ExtBuilder::default().providers(&[1, 2, 3, 4, 5, 6]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let first = vote(job, &[HONEST, 0x66, 0x67]);
		run_to_block(3);
		let second = vote(job, &[HONEST, HONEST, 0x70]);
		assert!(verified(job, 0));
		assert!(emitted(Event::TaskVerified { job, task: 0, result: result(HONEST), agreeing: 2 }));
		// The first round is settled already: base fees, no slash, whatever its results were.
		for who in &first {
			assert_eq!(Market::standing(&who).earned, 5);
			assert_eq!(Market::standing(&who).disagreed, 0);
		}
		for who in &second[..2] {
			assert_eq!(Market::standing(&who).earned, 10);
		}
		assert!(emitted(Event::ReplicaSlashed {
			job,
			task: 0,
			provider: second[2],
			amount: 1_000,
			reputation: 333
		}));
		// Three base fees and two prices.
		assert_eq!(free(REQUESTER), ENDOWMENT - 3 * 5 - 2 * 10);
	});
}

#[test]
fn every_replica_missing_without_replacements_fails_the_task() {
	ExtBuilder::default().providers(&[1, 2, 3, 4]).build_and_execute(|| {
		let job = post(1, 1);
		// Nobody ever commits. Misses at blocks 10, 18 and 26 are replaced (three replacements
		// at most); the miss at 34 leaves the task without a result: it fails, refunded.
		run_to_block(33);
		let missed = market_events()
			.iter()
			.filter(|e| matches!(e, Event::ReplicaMissed { .. }))
			.count();
		assert_eq!(missed, 3);
		assert_eq!(replicas(job, 0).len(), 1);
		run_to_block(34);
		System::assert_last_event(
			Event::JobFinished { job, verified: 0, failed: 1, cancelled: 0, refunded: 0 }.into(),
		);
		assert!(emitted(Event::TaskFailed { job, task: 0, reason: FailReason::NoResult }));
		assert_eq!(free(REQUESTER), ENDOWMENT);
	});
}

#[test]
fn a_cancelled_job_releases_running_replicas_without_penalty() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		let job = post(1, 1);
		run_to_block(2);
		assert_ok!(Market::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
		run_to_block(3);
		assert_eq!(Tasks::<Test>::get(job, 0).unwrap().phase, TaskPhase::Cancelled);
		assert_eq!(free(REQUESTER), ENDOWMENT);
		let provider = Providers::<Test>::get(1).unwrap();
		assert_eq!((provider.running, provider.unsettled, provider.stake), (0, 0, 10_000));
		assert_eq!(Market::standing(&1).missed, 0);
	});
}

#[test]
fn unassignable_tasks_say_why_once_and_are_assigned_when_a_provider_comes() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		// The only provider of wasm stops offering it after the job is posted.
		let job = post(1, 1);
		let mut docker_only = caps();
		docker_only.runtimes.wasm = false;
		assert_ok!(Market::update(RuntimeOrigin::signed(1), docker_only, contact(1), 1));
		run_to_block(4);
		assert_eq!(unassignable_events(job), vec![Unassignable::NoProviderWithRuntime]);
		assert_ok!(Market::register(RuntimeOrigin::signed(2), 5_000, caps(), contact(2), 1));
		run_to_block(5);
		assert_eq!(replicas(job, 0), vec![2]);
		assert_eq!(Tasks::<Test>::get(job, 0).unwrap().stalled, None);
	});
}

#[test]
fn unassignable_reasons_name_the_requirement_nobody_meets() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		// Provider 3 lends 8 cores with little memory, the others 4 cores with more: nobody
		// lends 8 cores and 8 GiB at once, though each part is on offer.
		let mut many_cores = caps();
		many_cores.resources = conun_primitives::Resources { cores: 8, memory_mib: 1024, gpus: 0 };
		assert_ok!(Market::update(RuntimeOrigin::signed(3), many_cores, contact(3), 5));
		let mut big = terms(1);
		big.resources = conun_primitives::Resources { cores: 8, memory_mib: 8192, gpus: 0 };
		let mut cheap = terms(1);
		cheap.price = MIN_PRICE;
		assert_ok!(Market::update(RuntimeOrigin::signed(1), caps(), contact(1), 5));
		assert_ok!(Market::update(RuntimeOrigin::signed(2), caps(), contact(2), 5));
		assert_ok!(Market::pause(RuntimeOrigin::signed(3)));
		let mut picky = terms(1);
		picky.min_reputation = 900;
		let mut ids = vec![];
		for t in [big, cheap, picky, terms(3)] {
			ids.push(crate::NextJobId::<Test>::get());
			assert_ok!(Market::post_job(
				RuntimeOrigin::signed(REQUESTER),
				wasm_program(),
				inputs(1).try_into().unwrap(),
				t,
				contact(0)
			));
		}
		run_to_block(2);
		assert_eq!(unassignable_events(ids[0]), vec![Unassignable::InsufficientResources]);
		assert_eq!(unassignable_events(ids[1]), vec![Unassignable::PriceTooLow]);
		assert_eq!(unassignable_events(ids[2]), vec![Unassignable::ReputationTooLow]);
		assert_eq!(unassignable_events(ids[3]), vec![Unassignable::TooFewDistinctProviders]);
		assert!(replicas(ids[3], 0).is_empty(), "all three replicas or none");
		// Paused providers leave no capacity.
		assert_ok!(Market::pause(RuntimeOrigin::signed(1)));
		assert_ok!(Market::pause(RuntimeOrigin::signed(2)));
		let job = post(1, 1);
		run_to_block(3);
		assert_eq!(unassignable_events(job), vec![Unassignable::NoSpareCapacity]);
	});
}

#[test]
fn a_full_provider_gets_work_again_when_it_commits() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		let job = post(1, 5);
		run_to_block(2);
		// Four task slots: four tasks assigned, the fifth waits.
		assert_eq!(Providers::<Test>::get(1).unwrap().running, 4);
		assert_eq!(PoolLen::<Test>::get(RuntimeKind::Wasm), 0);
		assert!(replicas(job, 4).is_empty());
		assert_eq!(unassignable_events(job), vec![Unassignable::NoSpareCapacity]);
		commit(1, job, 0, HONEST);
		run_to_block(3);
		assert_eq!(replicas(job, 4), vec![1]);
	});
}

#[test]
fn assignment_work_per_block_is_bounded_and_the_queue_drains_over_blocks() {
	ExtBuilder::default().providers(&[1, 2, 3, 4]).build_and_execute(|| {
		use crate::WeightInfo;
		// Room for the base, the deadlines' pages (three in the first block, which catches up
		// from block 0), one visit and one assignment's worst case per block.
		let page = <Test as polkadot_sdk::frame_system::Config>::DbWeight::get().reads_writes(2, 2);
		HookWeightLimit::set(
			<() as WeightInfo>::on_initialize_base()
				+ page * 3 + Market::visit_weight()
				+ Market::worst_assignment_weight(),
		);
		let job = post(1, 8);
		run_to_block(2);
		let assigned = |job| (0..8).filter(|t| !replicas(job, *t).is_empty()).count();
		let first_block = assigned(job);
		assert_eq!(first_block, 1);
		run_to_block(5);
		assert_eq!(assigned(job), 4);
		run_to_block(9);
		assert_eq!(assigned(job), 8);
	});
}

#[test]
fn assignment_favours_stake() {
	ExtBuilder::default().build_and_execute(|| {
		let mut roomy = caps();
		roomy.max_tasks = 1_000;
		assert_ok!(Market::register(
			RuntimeOrigin::signed(1),
			90_000,
			roomy.clone(),
			contact(1),
			1
		));
		assert_ok!(Market::register(RuntimeOrigin::signed(2), 10_000, roomy, contact(2), 1));
		let job = post(1, 200);
		run_to_block(2);
		let to_big = (0..200).filter(|t| replicas(job, *t) == vec![1]).count();
		assert!(to_big > 150 && to_big < 200, "the 90 % stake got {to_big} of 200 tasks");
	});
}

#[test]
fn many_small_identities_do_not_crowd_out_large_stakes() {
	ExtBuilder::default().build_and_execute(|| {
		// 60 Sybils at the minimum stake (60,000 in all) against two providers of 100,000
		// each: by stake, the two should get about 200 / 260 of the draws. Sampling pool
		// members uniformly would give the Sybils nearly all of them.
		let mut roomy = caps();
		roomy.max_tasks = 1_000;
		for big in [1, 2] {
			assert_ok!(Market::register(
				RuntimeOrigin::signed(big),
				100_000,
				roomy.clone(),
				contact(big as u8),
				1
			));
		}
		for sybil in 10..70 {
			assert_ok!(Market::register(
				RuntimeOrigin::signed(sybil),
				MIN_STAKE,
				roomy.clone(),
				contact(sybil as u8),
				1
			));
		}
		assert_eq!(crate::PoolLen::<Test>::get(RuntimeKind::Wasm), 62);
		let job = post(1, 200);
		run_to_block(2);
		let to_big = (0..200).filter(|t| [1, 2].contains(&replicas(job, *t)[0])).count();
		assert!(to_big > 120 && to_big < 190, "the two large stakes got {to_big} of 200 tasks");
	});
}

#[test]
fn commit_errors() {
	ExtBuilder::default().providers(&[1, 2, 3, 4]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let assigned = replicas(job, 0);
		let outsider = (1..=4).find(|w| !assigned.contains(w)).unwrap();
		let who = assigned[0];
		let signed = RuntimeOrigin::signed;
		assert_noop!(
			Market::commit_results(signed(who), BoundedVec::new()),
			Error::<Test>::EmptyBatch
		);
		assert_noop!(
			Market::commit_results(
				signed(who),
				vec![commit_item(who, 9, 0, 1)].try_into().unwrap()
			),
			Error::<Test>::TaskNotFound
		);
		assert_noop!(
			Market::commit_results(
				signed(outsider),
				vec![commit_item(outsider, job, 0, 1)].try_into().unwrap()
			),
			Error::<Test>::NotAssigned
		);
		// All or nothing: a duplicate in the batch fails the whole batch.
		let twice = vec![commit_item(who, job, 0, 1), commit_item(who, job, 0, 1)];
		assert_noop!(
			Market::commit_results(signed(who), twice.try_into().unwrap()),
			Error::<Test>::AlreadyCommitted
		);
		commit(who, job, 0, HONEST);
		assert_noop!(
			Market::commit_results(
				signed(who),
				vec![commit_item(who, job, 0, 1)].try_into().unwrap()
			),
			Error::<Test>::AlreadyCommitted
		);
		// Past the deadline (block 9), before the hook has handled it.
		System::set_block_number(10);
		assert_noop!(
			Market::commit_results(
				signed(assigned[1]),
				vec![commit_item(assigned[1], job, 0, 1)].try_into().unwrap()
			),
			Error::<Test>::CommitDeadlinePassed
		);
		System::set_block_number(2);
		commit(assigned[1], job, 0, HONEST);
		commit(assigned[2], job, 0, HONEST);
		assert_noop!(
			Market::commit_results(
				signed(who),
				vec![commit_item(who, job, 0, 1)].try_into().unwrap()
			),
			Error::<Test>::TaskNotRunning
		);
	});
}

#[test]
fn reveal_errors() {
	ExtBuilder::default().providers(&[1, 2, 3, 4]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		let assigned = replicas(job, 0);
		let outsider = (1..=4).find(|w| !assigned.contains(w)).unwrap();
		let who = assigned[0];
		let signed = RuntimeOrigin::signed;
		let one = |w, byte| -> BoundedVec<_, _> {
			vec![reveal_item(w, job, 0, byte)].try_into().unwrap()
		};
		assert_noop!(
			Market::reveal_results(signed(who), BoundedVec::new()),
			Error::<Test>::EmptyBatch
		);
		commit(who, job, 0, HONEST);
		assert_noop!(
			Market::reveal_results(signed(who), one(who, HONEST)),
			Error::<Test>::RevealsNotOpen
		);
		commit(assigned[1], job, 0, HONEST);
		commit(assigned[2], job, 0, HONEST);
		assert_noop!(
			Market::reveal_results(
				signed(who),
				vec![reveal_item(who, 9, 0, HONEST)].try_into().unwrap()
			),
			Error::<Test>::TaskNotFound
		);
		assert_noop!(
			Market::reveal_results(signed(outsider), one(outsider, HONEST)),
			Error::<Test>::NotAssigned
		);
		assert_noop!(
			Market::reveal_results(signed(who), one(who, 0x66)),
			Error::<Test>::CommitmentMismatch
		);
		// Another provider's salt does not open this commitment either.
		let mut stolen = reveal_item(who, job, 0, HONEST);
		stolen.salt = salt(assigned[1]);
		assert_noop!(
			Market::reveal_results(signed(who), vec![stolen].try_into().unwrap()),
			Error::<Test>::CommitmentMismatch
		);
		reveal(who, job, 0, HONEST);
		assert_noop!(
			Market::reveal_results(signed(who), one(who, HONEST)),
			Error::<Test>::AlreadyRevealed
		);
		// The reveal deadline is block 5.
		System::set_block_number(6);
		assert_noop!(
			Market::reveal_results(signed(assigned[1]), one(assigned[1], HONEST)),
			Error::<Test>::RevealDeadlinePassed
		);
		System::set_block_number(2);
	});
}

#[test]
fn a_copied_commitment_does_not_open_for_the_copier() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		commit(1, job, 0, HONEST);
		// Provider 2 copies provider 1's commitment as its own.
		let copied = commit_item(1, job, 0, HONEST);
		assert_ok!(Market::commit_results(
			RuntimeOrigin::signed(2),
			vec![copied].try_into().unwrap()
		));
		commit(3, job, 0, HONEST);
		// Even knowing 1's result and salt, 2 cannot open it: the commitment binds provider 1.
		let mut replay = reveal_item(1, job, 0, HONEST);
		replay.salt = salt(1);
		assert_noop!(
			Market::reveal_results(RuntimeOrigin::signed(2), vec![replay].try_into().unwrap()),
			Error::<Test>::CommitmentMismatch
		);
	});
}

#[test]
fn a_reveal_pays_only_for_the_verdict_it_brings() {
	use crate::weights::WeightInfo;
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		let job = post(3, 1);
		run_to_block(2);
		for who in [1, 2, 3] {
			commit(who, job, 0, HONEST);
		}
		let reveal = |who| {
			Market::reveal_results(
				RuntimeOrigin::signed(who),
				vec![reveal_item(who, job, 0, HONEST)].try_into().unwrap(),
			)
			.unwrap()
			.actual_weight
			.unwrap()
		};
		let charged =
			<() as WeightInfo>::reveal_results(1).saturating_add(Market::reveal_verdict_weight());
		// Neither of the first two reveals brings a verdict: each pays for itself only.
		assert_eq!(reveal(1), <() as WeightInfo>::reveal_results(1));
		assert_eq!(reveal(2), <() as WeightInfo>::reveal_results(1));
		// The last one settles a task of three replicas, its job's last: the job's end too.
		let last = reveal(3);
		assert_eq!(
			last,
			<() as WeightInfo>::reveal_results(1)
				.saturating_add(<() as WeightInfo>::settle_paid(3))
				.saturating_add(<() as WeightInfo>::finish_job())
		);
		assert!(verified(job, 0));
		assert!(last.all_lt(charged));
	});
}
