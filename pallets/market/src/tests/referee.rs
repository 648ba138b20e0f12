//! Provisional verdicts, challenges and the chain as referee of wasm tasks: colluders who
//! out-vote an honest replica are overruled by the chain's own run of the task.

use super::*;
use crate::{Burned, Error, HoldReason, Jobs, Providers, TaskPhase};
use conun_primitives::{
	content_hash, Deadlines, FailReason, JobTerms, Program, Resources, TaskInput, TaskOutput,
	TaskStatus,
};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		dispatch::{DispatchResultWithPostInfo, Pays},
		traits::fungible::{InspectHold, Mutate},
	},
	sp_runtime::BoundedVec,
};

const PERIOD: BlockNumber = 5;
/// What the colluders reveal: a result nobody computed.
const FAKE: u8 = 0x66;

/// Copies its input (up to 1 KiB) to stdout: a real program the referee runs.
const ECHO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 1024))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
    (i32.store (i32.const 4) (i32.load (i32.const 16)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 20)))))"#;

const INPUT: &[u8] = b"the input of task 0";

fn code() -> Vec<u8> {
	wat::parse_str(ECHO).unwrap()
}

/// The result hash an honest worker computes for task 0.
fn truth() -> H256 {
	TaskOutput { status: TaskStatus::Exited(0), stdout: INPUT.to_vec(), files: Vec::new() }
		.result_hash()
}

/// Never ends: it needs more fuel than any limit.
fn endless() -> Vec<u8> {
	wat::parse_str(
		r#"(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))"#,
	)
	.unwrap()
}

fn echo_program(fuel: u64) -> Program {
	program_of(&code(), fuel)
}

fn program_of(code: &[u8], fuel: u64) -> Program {
	Program::Wasm {
		hash: content_hash(code),
		size: code.len() as u64,
		entry_point: b"_start".to_vec().try_into().unwrap(),
		fuel,
	}
}

fn echo_terms(memory_mib: u32) -> JobTerms<Balance, BlockNumber> {
	JobTerms {
		resources: Resources { cores: 1, memory_mib, gpus: 0 },
		replicas: 3,
		price: 10,
		min_reputation: 0,
		deadlines: Deadlines { execution: 5, commit: 2, reveal: 3 },
	}
}

/// Post the echo job (one task) from [`REQUESTER`].
fn post_echo_with(program: Program, terms: JobTerms<Balance, BlockNumber>) -> JobId {
	let id = crate::NextJobId::<Test>::get();
	let input = TaskInput { hash: content_hash(INPUT), size: INPUT.len() as u64 };
	assert_ok!(Market::post_job(
		RuntimeOrigin::signed(REQUESTER),
		program,
		vec![input].try_into().unwrap(),
		terms,
		contact(0),
	));
	id
}

fn post_echo() -> JobId {
	post_echo_with(echo_program(1_000_000), echo_terms(1))
}

/// Commit and reveal a raw result hash for `who`.
fn vote(who: AccountId, job: JobId, result: H256) {
	let task = TaskRef { job, task: 0 };
	assert_ok!(Market::commit_results(
		RuntimeOrigin::signed(who),
		vec![CommitItem { task, commitment: commitment(task, &who, &result, &salt(who)) }]
			.try_into()
			.unwrap()
	));
}

fn unveil(who: AccountId, job: JobId, result: H256) {
	assert_ok!(Market::reveal_results(
		RuntimeOrigin::signed(who),
		vec![RevealItem { task: TaskRef { job, task: 0 }, result, salt: salt(who) }]
			.try_into()
			.unwrap()
	));
}

/// Run task 0 of `job` with the replicas revealing `results` in assignment order; returns the
/// replicas.
fn decide(job: JobId, results: [H256; 3]) -> Vec<AccountId> {
	run_to_block(2);
	let assigned = replicas(job, 0);
	for (who, result) in assigned.iter().zip(results) {
		vote(*who, job, result);
	}
	for (who, result) in assigned.iter().zip(results) {
		unveil(*who, job, result);
	}
	assigned
}

/// The most fuel the mock's referee spends (its `MaxRefereeFuel`).
const REFEREE_FUEL: u64 = 10_000_000;

/// Challenge task 0 of `job`, declaring all the fuel the referee spends.
fn challenge(
	who: AccountId,
	job: JobId,
	code: Vec<u8>,
	input: &[u8],
) -> DispatchResultWithPostInfo {
	challenge_with(who, job, code, input, REFEREE_FUEL)
}

fn challenge_with(
	who: AccountId,
	job: JobId,
	code: Vec<u8>,
	input: &[u8],
	fuel: u64,
) -> DispatchResultWithPostInfo {
	Market::challenge_wasm(
		RuntimeOrigin::signed(who),
		TaskRef { job, task: 0 },
		BoundedVec::truncate_from(code),
		BoundedVec::truncate_from(input.to_vec()),
		fuel,
	)
}

fn phase(job: JobId) -> TaskPhase<BlockNumber> {
	Tasks::<Test>::get(job, 0).unwrap().phase
}

fn stake(who: AccountId) -> Balance {
	Providers::<Test>::get(who).unwrap().stake
}

#[test]
fn a_verdict_pays_only_when_its_challenge_period_is_over() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = post_echo();
			decide(job, [truth(); 3]);
			let until = System::block_number() + PERIOD;
			assert_eq!(phase(job), TaskPhase::Provisional { result: truth(), until });
			assert!(emitted(Event::VerdictReached {
				job,
				task: 0,
				result: truth(),
				agreeing: 3,
				until
			}));
			// Nothing paid, nobody free to leave, while the verdict can still be overturned.
			assert_eq!(free(1), ENDOWMENT - 10_000);
			assert_eq!(Providers::<Test>::get(1).unwrap().unsettled, 1);
			assert!(!emitted(Event::TaskVerified { job, task: 0, result: truth(), agreeing: 3 }));

			run_to_block(until + 1);
			assert_eq!(phase(job), TaskPhase::Verified { result: truth() });
			assert!(emitted(Event::TaskVerified { job, task: 0, result: truth(), agreeing: 3 }));
			assert_eq!(free(1), ENDOWMENT - 10_000 + 10);
			assert_eq!(Providers::<Test>::get(1).unwrap().unsettled, 0);
		});
}

#[test]
fn cancelling_the_job_leaves_an_open_verdict_to_its_challenge_period() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = post_echo();
			decide(job, [truth(); 3]);
			let until = System::block_number() + PERIOD;
			assert_ok!(Market::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
			run_to_block(System::block_number() + 1);
			// The verdict stands, still open to challenge, and becomes final when its period ends.
			assert_eq!(phase(job), TaskPhase::Provisional { result: truth(), until });
			run_to_block(until + 1);
			assert_eq!(phase(job), TaskPhase::Verified { result: truth() });
			assert_eq!(free(1), ENDOWMENT - 10_000 + 10);
			assert_eq!(Jobs::<Test>::get(job).unwrap().state, crate::JobState::Finished);
		});
}

#[test]
fn two_colluders_are_overruled_by_the_chain_and_the_honest_replica_is_paid() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let issuance = Balances::total_issuance();
			let job = post_echo();
			let assigned = decide_with_liars(job, 2);
			let (liars, honest) = (&assigned[..2], assigned[2]);
			assert_eq!(phase(job).result(), Some(result(FAKE)));

			let outcome = challenge(honest, job, code(), INPUT).unwrap();
			// Whoever proves a verdict wrong does not pay for the proof.
			assert_eq!(outcome.pays_fee, Pays::No);
			assert!(emitted(Event::ChallengeUpheld {
				job,
				task: 0,
				challenger: honest,
				result: truth(),
				overturned: result(FAKE),
			}));
			assert_eq!(phase(job), TaskPhase::Verified { result: truth() });
			assert!(emitted(Event::TaskVerified { job, task: 0, result: truth(), agreeing: 1 }));
			// The honest replica is whole and paid, its bond back, and it receives half of each
			// colluder's slash; the other half is burned.
			assert_eq!(stake(honest), 10_000);
			assert_eq!(Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &honest), 0);
			assert_eq!(free(honest), ENDOWMENT - 10_000 + 10 + 2 * 2_500);
			assert_eq!(Market::standing(&honest).reputation, 505);
			for liar in liars {
				assert_eq!(stake(*liar), 5_000);
				assert!(emitted(Event::ReplicaSlashed {
					job,
					task: 0,
					provider: *liar,
					amount: 5_000,
					reputation: 0
				}));
				// Out of the market: below the reputation that gets work.
				assert_eq!(Market::standing(&liar).reputation, 0);
				assert_eq!(free(*liar), ENDOWMENT - 10_000);
			}
			assert_eq!(Burned::<Test>::get(), 5_000);
			assert_eq!(Balances::total_issuance(), issuance - 5_000);
			// The requester paid for one replica; the rest of the budget came back.
			assert_eq!(free(REQUESTER), ENDOWMENT - 10);
			assert_eq!(Jobs::<Test>::get(job).unwrap().escrow, 0);
		});
}

/// Run task 0 with the first `liars` replicas revealing [`FAKE`] and the rest the truth.
fn decide_with_liars(job: JobId, liars: usize) -> Vec<AccountId> {
	run_to_block(2);
	let assigned = replicas(job, 0);
	let said = |i: usize| if i < liars { result(FAKE) } else { truth() };
	for (i, who) in assigned.iter().enumerate() {
		vote(*who, job, said(i));
	}
	for (i, who) in assigned.iter().enumerate() {
		unveil(*who, job, said(i));
	}
	assigned
}

#[test]
fn a_challenge_the_chain_disagrees_with_loses_its_bond_and_the_verdict_stands() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = post_echo();
			let assigned = decide_with_liars(job, 1);
			let liar = assigned[0];
			let issuance = Balances::total_issuance();

			let outcome = challenge(liar, job, code(), INPUT).unwrap();
			assert_eq!(outcome.pays_fee, Pays::Yes);
			assert!(emitted(Event::ChallengeRejected {
				job,
				task: 0,
				challenger: liar,
				bond: CHALLENGE_BOND
			}));
			// Confirmed by the chain: final at once, the liar slashed for its vote as well.
			assert_eq!(phase(job), TaskPhase::Verified { result: truth() });
			assert_eq!(stake(liar), 9_000);
			assert_eq!(free(liar), ENDOWMENT - 10_000 - CHALLENGE_BOND);
			assert_eq!(Balances::total_issuance(), issuance - CHALLENGE_BOND - 1_000);
			for honest in &assigned[1..] {
				assert_eq!(free(*honest), ENDOWMENT - 10_000 + 10);
			}
		});
}

#[test]
fn when_every_replica_lied_the_owner_s_challenge_fails_the_task_and_refunds_it() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = post_echo();
			let assigned = decide_with_liars(job, 3);

			assert_ok!(challenge(REQUESTER, job, code(), INPUT));
			assert_eq!(phase(job), TaskPhase::Failed { reason: FailReason::OverruledByReferee });
			assert!(emitted(Event::TaskFailed {
				job,
				task: 0,
				reason: FailReason::OverruledByReferee
			}));
			for liar in &assigned {
				assert_eq!(stake(*liar), 5_000);
			}
			// Everything back, plus half of each liar's slash.
			assert_eq!(free(REQUESTER), ENDOWMENT + 3 * 2_500);
			assert_eq!(Jobs::<Test>::get(job).unwrap().escrow, 0);
		});
}

#[test]
fn a_job_s_fuel_limit_above_the_referee_s_does_not_stop_a_task_that_needs_less() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = post_echo_with(echo_program(1_000_000_000), echo_terms(1));
			let assigned = decide_with_liars(job, 2);
			assert_ok!(challenge(assigned[2], job, code(), INPUT));
			assert_eq!(phase(job), TaskPhase::Verified { result: truth() });
		});
}

#[test]
fn challenge_errors() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = post_echo();
			run_to_block(2);
			// No verdict yet.
			assert_noop!(challenge(REQUESTER, job, code(), INPUT), Error::<Test>::NotProvisional);
			assert_noop!(
				Market::challenge_wasm(
					RuntimeOrigin::signed(REQUESTER),
					TaskRef { job: 99, task: 0 },
					BoundedVec::new(),
					BoundedVec::new(),
					REFEREE_FUEL
				),
				Error::<Test>::JobNotFound
			);
			assert_noop!(
				Market::challenge_wasm(
					RuntimeOrigin::signed(REQUESTER),
					TaskRef { job, task: 5 },
					BoundedVec::new(),
					BoundedVec::new(),
					REFEREE_FUEL
				),
				Error::<Test>::TaskNotFound
			);
			let assigned = replicas(job, 0);
			for who in assigned.iter() {
				vote(*who, job, result(FAKE));
			}
			for who in assigned.iter() {
				unveil(*who, job, result(FAKE));
			}
			// A stranger to the task.
			assert_noop!(challenge(50, job, code(), INPUT), Error::<Test>::NotEntitledToChallenge);
			// Bytes that are not the job's.
			let mut other = code();
			other.push(0);
			assert_noop!(challenge(REQUESTER, job, other, INPUT), Error::<Test>::ProgramMismatch);
			assert_noop!(
				challenge(REQUESTER, job, code(), b"another input"),
				Error::<Test>::InputMismatch
			);
			// No free balance for the bond.
			<Balances as Mutate<AccountId>>::set_balance(&REQUESTER, 10);
			assert_noop!(
				challenge(REQUESTER, job, code(), INPUT),
				Error::<Test>::InsufficientBalance
			);
			// Too late (the hook has not made it final yet in this block).
			let Some(TaskPhase::Provisional { until, .. }) =
				Tasks::<Test>::get(job, 0).map(|t| t.phase)
			else {
				panic!("provisional")
			};
			System::set_block_number(until + 1);
			assert_noop!(
				challenge(assigned[0], job, code(), INPUT),
				Error::<Test>::ChallengePeriodOver
			);
		});
}

#[test]
fn tasks_beyond_the_referee_s_limits_or_not_wasm_are_not_refereed() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			// A task that needs more fuel than the chain spends on a referee run (the mock's
			// MaxRefereeFuel is 10 million), within its job's larger limit.
			let greedy = post_echo_with(program_of(&endless(), 10_000_001), echo_terms(1));
			// More memory than it referees (16 MiB).
			let big = post_echo_with(echo_program(1_000_000), echo_terms(17));
			let docker = post_echo_with(
				Program::Docker {
					hash: content_hash(&code()),
					size: 10,
					command: Default::default(),
					args: Default::default(),
				},
				echo_terms(1),
			);
			run_to_block(2);
			for job in [greedy, big, docker] {
				let assigned = replicas(job, 0);
				for who in assigned.iter() {
					vote(*who, job, result(FAKE));
				}
				for who in assigned.iter() {
					unveil(*who, job, result(FAKE));
				}
			}
			assert_noop!(
				challenge(REQUESTER, greedy, endless(), INPUT),
				Error::<Test>::TooLargeToReferee
			);
			assert_noop!(
				challenge(REQUESTER, big, code(), INPUT),
				Error::<Test>::TooLargeToReferee
			);
			assert_noop!(
				challenge(REQUESTER, docker, code(), INPUT),
				Error::<Test>::NotRefereeable
			);
			// More fuel declared than the chain spends on a referee run.
			assert_noop!(
				challenge_with(REQUESTER, greedy, endless(), INPUT, REFEREE_FUEL + 1),
				Error::<Test>::TooLargeToReferee
			);
		});
}

#[test]
fn a_challenge_declaring_less_fuel_than_the_task_burns_fails_and_can_be_made_again() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.challenge_period(PERIOD)
		.build_and_execute(|| {
			let job = post_echo();
			let assigned = decide_with_liars(job, 2);
			// The echo burns more than 10 fuel: the referee cannot finish, and the chain cannot
			// tell what the task gives. Nothing is held or settled.
			assert_noop!(
				challenge_with(assigned[2], job, code(), INPUT, 10),
				Error::<Test>::NotEnoughFuel
			);
			// With what its own run burned, the challenge goes through.
			let burned = conun_sandbox::WasmExecutor::new()
				.run(
					&code(),
					"_start",
					INPUT,
					conun_sandbox::Limits {
						fuel: 1_000_000,
						memory_bytes: 1 << 20,
						max_output: 1 << 20,
					},
				)
				.fuel_used;
			assert_ok!(challenge_with(assigned[2], job, code(), INPUT, burned));
			assert_eq!(phase(job), TaskPhase::Verified { result: truth() });
		});
}
