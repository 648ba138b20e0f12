//! Escalation: a docker verdict (or a wasm one beyond the referee's limits) challenged while
//! open is decided by a fresh committee of 2R + 1 providers who never ran the task.

use super::*;
use crate::{Burned, Error, Escalations, HoldReason, JobState, Jobs, Providers, TaskPhase};
use conun_primitives::FailReason;
use polkadot_sdk::frame_support::{
	assert_noop,
	traits::fungible::{InspectHold, Mutate},
};

const PERIOD: BlockNumber = 5;
const HONEST: u8 = 7;
const FAKE: u8 = 0x66;
/// R = 3: a committee of 7 at a price of 10, plus the challenge bond.
const BOND: Balance = CHALLENGE_BOND + 7 * 10;

/// The live replicas of task 0 commit, then reveal, `results` in assignment order.
fn vote(job: JobId, results: &[u8]) -> Vec<AccountId> {
	let who = replicas(job, 0);
	assert_eq!(who.len(), results.len(), "{who:?}");
	for (replica, byte) in who.iter().zip(results) {
		commit(*replica, job, 0, *byte);
	}
	for (replica, byte) in who.iter().zip(results) {
		reveal(*replica, job, 0, *byte);
	}
	who
}

fn escalate(
	who: AccountId,
	job: JobId,
) -> polkadot_sdk::frame_support::dispatch::DispatchResultWithPostInfo {
	Market::challenge_escalate(RuntimeOrigin::signed(who), TaskRef { job, task: 0 })
}

fn phase(job: JobId) -> TaskPhase<BlockNumber> {
	Tasks::<Test>::get(job, 0).unwrap().phase
}

fn stake(who: AccountId) -> Balance {
	Providers::<Test>::get(who).unwrap().stake
}

fn ten() -> ExtBuilder {
	ExtBuilder::default()
		.providers(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
		.challenge_period(PERIOD)
}

/// Two colluders out-vote the honest replica (last); it escalates. Returns the three replicas
/// and the honest one's free balance before it did.
fn collude_and_escalate(job: JobId) -> (Vec<AccountId>, Balance) {
	run_to_block(2);
	let first = vote(job, &[FAKE, FAKE, HONEST]);
	assert!(matches!(phase(job), TaskPhase::Provisional { .. }));
	let honest = first[2];
	let before = free(honest);
	assert_ok!(escalate(honest, job));
	(first, before)
}

#[test]
fn a_fresh_committee_overturns_a_colluding_majority_and_the_honest_replica_is_paid() {
	ten().build_and_execute(|| {
		let job = post_docker(3);
		let (first, before) = collude_and_escalate(job);
		let honest = first[2];
		assert!(emitted(Event::Escalated {
			job,
			task: 0,
			challenger: honest,
			bond: BOND,
			committee: 7
		}));
		assert_eq!(free(honest), before - BOND);
		assert_eq!(phase(job), TaskPhase::Waiting);
		// On trial: not voting, not free to leave.
		assert!(replicas(job, 0).is_empty());
		for who in &first {
			assert_eq!(Providers::<Test>::get(who).unwrap().unsettled, 1);
		}

		run_to_block(3);
		let committee = vote(job, &[HONEST; 7]);
		// The committee's verdict is the hook's, at the next block.
		run_to_block(4);
		assert!(
			committee.iter().all(|who| !first.contains(who)),
			"nobody who ran the task sits on it"
		);
		assert!(emitted(Event::ChallengeUpheld {
			job,
			task: 0,
			challenger: honest,
			result: result(HONEST),
			overturned: result(FAKE)
		}));
		assert_eq!(phase(job), TaskPhase::Verified { result: result(HONEST) });
		for who in &committee {
			assert_eq!(Market::standing(&who).earned, 10, "paid from the bond");
		}
		for colluder in &first[..2] {
			assert_eq!(stake(*colluder), 5_000);
			assert_eq!(Market::standing(&colluder).reputation, 0);
		}
		// The honest replica: its price, half of each colluder's slash, its bond back but for
		// the committee's pay.
		assert_eq!(free(honest), before - 7 * 10 + 10 + 2 * 2_500);
		assert_eq!(stake(honest), 10_000);
		assert_eq!(Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &honest), 0);
		// The requester paid one price, as for any verified task with one replica right.
		assert_eq!(free(REQUESTER), ENDOWMENT - 10);
		assert_eq!(Jobs::<Test>::get(job).unwrap().state, JobState::Finished);
		assert!(!Escalations::<Test>::contains_key(TaskRef { job, task: 0 }));
	});
}

#[test]
fn a_committee_that_confirms_the_verdict_burns_the_challenge_bond() {
	ten().build_and_execute(|| {
		let job = post_docker(3);
		run_to_block(2);
		let first = vote(job, &[HONEST, HONEST, FAKE]);
		let liar = first[2];
		let before = free(liar);
		let burned = Burned::<Test>::get();
		assert_ok!(escalate(liar, job));
		run_to_block(3);
		vote(job, &[HONEST; 7]);
		run_to_block(4);
		assert!(emitted(Event::ChallengeRejected {
			job,
			task: 0,
			challenger: liar,
			bond: CHALLENGE_BOND
		}));
		assert_eq!(phase(job), TaskPhase::Verified { result: result(HONEST) });
		// The verdict stands: its majority paid, the liar out-voted.
		for who in &first[..2] {
			assert_eq!(Market::standing(&who).earned, 10);
		}
		assert_eq!(stake(liar), 9_000);
		// It paid the committee and lost the bond.
		assert_eq!(free(liar), before - BOND);
		assert_eq!(Burned::<Test>::get(), burned + CHALLENGE_BOND + 1_000);
	});
}

#[test]
fn a_committee_without_a_majority_fails_the_task_and_returns_the_rest_of_the_bond() {
	ten().build_and_execute(|| {
		let job = post_docker(3);
		let (first, before) = collude_and_escalate(job);
		run_to_block(3);
		// 3, 3 and 1: no result has the four votes a committee of seven needs.
		vote(job, &[HONEST, HONEST, HONEST, FAKE, FAKE, FAKE, 0x70]);
		run_to_block(4);
		assert!(emitted(Event::TaskFailed { job, task: 0, reason: FailReason::NoMajority }));
		// Nobody can tell: the committee gets the base fee from the bond, the replicas on
		// trial are released unharmed, the requester is refunded.
		assert_eq!(free(first[2]), before - 7 * 5);
		for who in &first {
			assert_eq!(stake(*who), 10_000);
			assert_eq!(Providers::<Test>::get(who).unwrap().unsettled, 0);
		}
		assert_eq!(free(REQUESTER), ENDOWMENT);
	});
}

#[test]
fn cancelling_the_job_before_the_committee_commits_releases_everyone_and_returns_the_bond() {
	ten().build_and_execute(|| {
		let job = post_docker(3);
		let (first, before) = collude_and_escalate(job);
		assert_ok!(Market::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
		run_to_block(3);
		assert_eq!(phase(job), TaskPhase::Cancelled);
		assert_eq!(free(first[2]), before);
		for who in &first {
			assert_eq!((stake(*who), Providers::<Test>::get(who).unwrap().unsettled), (10_000, 0));
		}
		assert_eq!(free(REQUESTER), ENDOWMENT);
	});
}

#[test]
fn escalation_errors() {
	ten().build_and_execute(|| {
		// A wasm task the chain can run itself (1,000 bytes, a million fuel, 16 MiB) goes to
		// the referee.
		let wasm = crate::NextJobId::<Test>::get();
		let mut small = terms(3);
		small.resources.memory_mib = 16;
		assert_ok!(Market::post_job(
			RuntimeOrigin::signed(REQUESTER),
			wasm_program(),
			inputs(1).try_into().unwrap(),
			small,
			contact(0),
		));
		let docker = post_docker(3);
		run_to_block(2);
		assert_noop!(escalate(1, docker), Error::<Test>::NotProvisional);
		assert_noop!(
			Market::challenge_escalate(RuntimeOrigin::signed(1), TaskRef { job: 99, task: 0 }),
			Error::<Test>::JobNotFound
		);
		assert_noop!(
			Market::challenge_escalate(RuntimeOrigin::signed(1), TaskRef { job: docker, task: 9 }),
			Error::<Test>::TaskNotFound
		);
		let wasm_replicas = replicas(wasm, 0);
		for who in &wasm_replicas {
			commit(*who, wasm, 0, HONEST);
		}
		for who in &wasm_replicas {
			reveal(*who, wasm, 0, HONEST);
		}
		assert_noop!(escalate(wasm_replicas[0], wasm), Error::<Test>::UseTheReferee);
		let first = vote(docker, &[HONEST, HONEST, FAKE]);
		let stranger = (1..=10).find(|w| !first.contains(w) && !wasm_replicas.contains(w)).unwrap();
		assert_noop!(escalate(stranger, docker), Error::<Test>::NotEntitledToChallenge);
		// Too poor for the bond.
		let poor = first[2];
		<Balances as Mutate<AccountId>>::set_balance(&poor, BOND - 1);
		assert_noop!(escalate(poor, docker), Error::<Test>::InsufficientBalance);
		// Too late (the hook has not made it final yet in this block), then final.
		let TaskPhase::Provisional { until, .. } = phase(docker) else { panic!("open") };
		System::set_block_number(until + 1);
		assert_noop!(escalate(REQUESTER, docker), Error::<Test>::ChallengePeriodOver);
		run_to_block(until + 2);
		assert_noop!(escalate(REQUESTER, docker), Error::<Test>::NotProvisional);
	});
}

#[test]
fn a_wasm_task_beyond_the_referee_s_limits_is_escalated() {
	ten().build_and_execute(|| {
		// 512 MiB of memory: more than the chain runs a task with (the mock's 16 MiB).
		let job = post(3, 1);
		let (first, _) = collude_and_escalate(job);
		assert!(emitted(Event::Escalated {
			job,
			task: 0,
			challenger: first[2],
			bond: BOND,
			committee: 7
		}));
	});
}
