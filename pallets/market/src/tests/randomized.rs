//! Thousands of random calls and block advances, with every invariant checked after each step
//! and the total issuance moving only by what slashes burned.

use super::*;
use crate::{Burned, Jobs, TaskPhase};
use conun_primitives::JobState;
use polkadot_sdk::frame_support::traits::fungible::InspectHold;

/// A small deterministic generator (xorshift64*), so a failure reproduces from its seed.
struct Rng(u64);
impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}
	fn below(&mut self, n: u64) -> u64 {
		self.next() % n.max(1)
	}
	fn chance(&mut self, percent: u64) -> bool {
		self.below(100) < percent
	}
}

const PROVIDERS: std::ops::RangeInclusive<AccountId> = 1..=12;
const REQUESTERS: [AccountId; 3] = [100, 101, 102];

/// The result an honest replica computes for a task.
fn honest(job: JobId, task: TaskIndex) -> u8 {
	((job as u32 * 31 + task) % 200) as u8 + 1
}

/// The tasks `provider` should commit now (or reveal, with `reveal`), and the result byte it
/// gives each: the honest one, or 0xee for a liar.
fn due(provider: AccountId, liars: &[AccountId], reveal: bool) -> Vec<(TaskRef, u8)> {
	Market::assignments_of(&provider)
		.into_iter()
		.filter(|a| match a.phase {
			conun_primitives::AssignmentPhase::Execute { .. } => !reveal,
			conun_primitives::AssignmentPhase::Reveal { .. } => reveal,
			_ => false,
		})
		.map(|a| {
			let byte =
				if liars.contains(&provider) { 0xee } else { honest(a.task.job, a.task.task) };
			(a.task, byte)
		})
		.collect()
}

/// One random step: a call by a random party, or the next block.
fn step(rng: &mut Rng, liars: &[AccountId]) {
	let action = rng.below(100);
	let provider = *PROVIDERS.start() + rng.below(12);
	let requester = REQUESTERS[rng.below(3) as usize];
	let origin = RuntimeOrigin::signed;
	// Calls may fail: a failed call must change nothing, which the invariants check.
	let _ = match action {
		0..=4 => Market::register(
			origin(provider),
			1_000 + rng.below(20_000) as u128,
			caps(),
			contact(provider as u8),
			rng.below(15) as u128,
		),
		5..=6 => Market::bond_extra(origin(provider), rng.below(2_000) as u128),
		7 => Market::pause(origin(provider)),
		8..=9 => Market::resume(origin(provider)),
		10 => Market::unbond(origin(provider)),
		11 => Market::withdraw_unbonded(origin(provider)),
		12..=15 => {
			let mut t = terms(1 + rng.below(4) as u32);
			t.price = 1 + rng.below(12) as u128;
			t.deadlines.execution = 1 + rng.below(4);
			t.deadlines.reveal = 1 + rng.below(3);
			// Hostile terms: more replicas than providers can give, a reputation or machine
			// nobody has, or a price below every floor. Refused, or they wait and expire.
			if rng.chance(30) {
				t.replicas = 1 + rng.below(MAX_REPLICAS as u64) as u32;
				t.min_reputation = rng.below(1_100) as u32;
				t.resources.cores = 1 + rng.below(6) as u32;
			}
			Market::post_job(
				origin(requester),
				wasm_program(),
				inputs(1 + rng.below(6) as u32).try_into().unwrap(),
				t,
				contact(0),
			)
		},
		16 => {
			let job = rng.below(crate::NextJobId::<Test>::get() + 1);
			let owner = Jobs::<Test>::get(job).map(|j| j.owner).unwrap_or(requester);
			Market::cancel_job(origin(owner), job)
		},
		17..=56 => {
			// A provider commits everything it runs, in one batch; liars lie, some sleep.
			if rng.chance(15) {
				return;
			}
			// Some claim they could not fetch the data instead: refused after the fetch window,
			// and otherwise released unpunished (a majority fails the task).
			if rng.chance(8) {
				let tasks: Vec<_> =
					due(provider, liars, false).into_iter().map(|(task, _)| task).collect();
				if tasks.is_empty() {
					return;
				}
				let _ = Market::report_unavailable(origin(provider), tasks.try_into().unwrap());
				return;
			}
			let items: Vec<_> = due(provider, liars, false)
				.into_iter()
				.map(|(task, byte)| commit_item(provider, task.job, task.task, byte))
				.collect();
			if items.is_empty() {
				return;
			}
			Market::commit_results(origin(provider), items.try_into().unwrap())
				.map(|_| ())
				.map_err(|e| e.error)
		},
		57..=91 => {
			if rng.chance(10) {
				return;
			}
			let items: Vec<_> = due(provider, liars, true)
				.into_iter()
				.map(|(task, byte)| reveal_item(provider, task.job, task.task, byte))
				.collect();
			if items.is_empty() {
				return;
			}
			Market::reveal_results(origin(provider), items.try_into().unwrap())
				.map(|_| ())
				.map_err(|e| e.error)
		},
		92..=93 => {
			// A challenge of a random task with bytes that are not its program: refused.
			let job = rng.below(crate::NextJobId::<Test>::get() + 1);
			let task = TaskRef { job, task: rng.below(3) as u32 };
			Market::challenge_wasm(
				origin(provider),
				task,
				vec![0, 97, 115, 109].try_into().unwrap(),
				Default::default(),
				1_000,
			)
			.map(|_| ())
			.map_err(|e| e.error)
		},
		_ => {
			run_to_block(System::block_number() + 1);
			Ok(())
		},
	};
}

fn run(seed: u64, steps: u32) {
	ExtBuilder::default()
		.providers(&[1, 2, 3, 4, 5, 6])
		.challenge_period(3)
		.build_and_execute(|| {
			// Deposits held and jobs pruned while the calls go on.
			JobDeposit::set(5);
			TaskDeposit::set(1);
			RetentionPeriod::set(40);
			let mut rng = Rng(seed);
			let liars = [5, 11];
			let issuance = Balances::total_issuance();
			for _ in 0..steps {
				step(&mut rng, &liars);
				Market::do_try_state().expect("invariants hold after every step");
				assert_eq!(
					Balances::total_issuance() + Burned::<Test>::get(),
					issuance,
					"the total issuance moves only by what slashes burned"
				);
			}
			// Let every deadline and every wait pass: every job ends, whatever was called, and no
			// provider is left holding a replica.
			run_to_block(System::block_number() + 200 + 4 * UNASSIGNABLE_TIMEOUT);
			for (id, job) in Jobs::<Test>::iter() {
				assert_eq!(job.state, JobState::Finished, "job {id} ended: {job:?}");
			}
			for (who, provider) in crate::Providers::<Test>::iter() {
				assert_eq!(provider.unsettled, 0, "provider {who} holds no replica");
			}
			let jobs = crate::NextJobId::<Test>::get();
			assert!(jobs > 5, "the run posted jobs ({jobs})");
			let verified: u32 = Jobs::<Test>::iter().map(|(_, j)| j.verified).sum::<u32>()
				+ crate::JobRecords::<Test>::iter().map(|(_, r)| r.verified).sum::<u32>();
			let mut kinds = std::collections::BTreeMap::<String, u32>::new();
			for e in market_events() {
				let name = format!("{e:?}");
				*kinds.entry(name.split([' ', '{']).next().unwrap().to_string()).or_default() += 1;
			}
			println!("seed {seed}: {jobs} jobs, {verified} verified; events {kinds:?}");
			assert!(verified > 0, "some tasks were verified");
			for (id, job) in Jobs::<Test>::iter() {
				if job.state == JobState::Finished {
					assert_eq!(job.escrow, 0);
				}
				for (index, task) in Tasks::<Test>::iter_prefix(id) {
					let TaskPhase::Verified { result: verdict } = task.phase else { continue };
					let liars_voting = task.live().filter(|r| liars.contains(&r.provider)).count();
					if job.replicas >= 3 && liars_voting <= 1 {
						assert_eq!(
							verdict,
							result(honest(id, index)),
							"a lone liar never wins a vote"
						);
					}
				}
			}
			// Then every ended job is pruned to its record and every deposit goes back.
			run_to_block(System::block_number() + RetentionPeriod::get() + 50);
			assert_eq!(Jobs::<Test>::iter().count(), 0, "every job was pruned");
			assert_eq!(
				crate::JobRecords::<Test>::iter().count() as u64,
				jobs,
				"every job left its record"
			);
			for who in REQUESTERS {
				let deposit =
					Balances::balance_on_hold(&crate::HoldReason::StorageDeposit.into(), &who);
				assert_eq!(
					deposit, 0,
					"requester {who} has its deposits back (or burned, for data it did not serve)"
				);
			}
		});
}

#[test]
fn random_calls_keep_every_invariant() {
	for seed in [1, 7, 42] {
		run(seed, 1_500);
	}
}
