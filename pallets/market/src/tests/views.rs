//! What the runtime API answers.

use super::*;
use conun_primitives::{
	AssignmentPhase, JobState, MatchQuery, Resources, RuntimeKind, Unassignable,
};

fn query(price: Balance, cores: u32, replicas: u32) -> MatchQuery<Balance> {
	MatchQuery {
		runtime: RuntimeKind::Wasm,
		resources: Resources { cores, memory_mib: 0, gpus: 0 },
		replicas,
		price,
		min_reputation: 0,
	}
}

#[test]
fn assignments_say_what_to_do_next() {
	ExtBuilder::default().providers(&[1, 2]).build_and_execute(|| {
		let job = post(2, 1);
		run_to_block(2);
		let task = TaskRef { job, task: 0 };
		let phases = |who| {
			Market::assignments_of(&who)
				.into_iter()
				.map(|a| (a.task, a.phase))
				.collect::<Vec<_>>()
		};
		assert_eq!(phases(1), vec![(task, AssignmentPhase::Execute { commit_by: 9 })]);
		commit(1, job, 0, 7);
		assert_eq!(phases(1), vec![(task, AssignmentPhase::AwaitReveals)]);
		commit(2, job, 0, 7);
		assert_eq!(phases(1), vec![(task, AssignmentPhase::Reveal { reveal_by: 5 })]);
		reveal(1, job, 0, 7);
		assert_eq!(phases(1), vec![(task, AssignmentPhase::AwaitVerdict)]);
		reveal(2, job, 0, 7);
		assert_eq!(phases(1), vec![]);
	});
}

#[test]
fn job_view_counts_tasks_by_phase() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		let job = post(1, 6);
		run_to_block(2);
		commit(1, job, 0, 7);
		reveal(1, job, 0, 7);
		commit(1, job, 1, 7);
		let view = Market::job_view(job).unwrap();
		assert_eq!(view.state, JobState::Open);
		assert_eq!((view.tasks, view.verified, view.revealing), (6, 1, 1));
		// Four slots: tasks 2 and 3 run; 4 and 5 wait (task 4 gets the slot freed by the
		// commits only in the next block).
		assert_eq!((view.running, view.waiting), (2, 2));
		assert_eq!(view.escrow, 50);
		assert!(Market::job_view(99).is_none());
	});
}

#[test]
fn provider_view_shows_stake_and_standing() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		let view = Market::provider_view(&1).unwrap();
		assert_eq!((view.stake, view.available, view.standing.reputation), (10_000, true, 500));
		assert!(Market::provider_view(&2).is_none());
	});
}

#[test]
fn match_job_explains_who_could_take_a_job() {
	ExtBuilder::default().providers(&[1, 2, 3]).build_and_execute(|| {
		assert_ok!(Market::pause(RuntimeOrigin::signed(3)));
		assert_ok!(Market::update(RuntimeOrigin::signed(2), caps(), contact(2), 50));
		let report = Market::match_job(query(10, 1, 1));
		assert_eq!(
			(report.providers, report.unavailable, report.price_too_low, report.eligible),
			(3, 1, 1, 1)
		);
		assert_eq!(report.unassignable, None);
		assert_eq!(
			Market::match_job(query(10, 1, 2)).unassignable,
			Some(Unassignable::TooFewDistinctProviders)
		);
		let too_big = Market::match_job(query(100, 64, 1));
		assert_eq!(too_big.insufficient_resources, 2);
		assert_eq!(too_big.unassignable, Some(Unassignable::InsufficientResources));
		let mut docker_only = query(10, 1, 1);
		docker_only.runtime = RuntimeKind::Docker;
		let mut wasm_only = caps();
		wasm_only.runtimes.docker = false;
		for who in [1, 2, 3] {
			assert_ok!(Market::update(
				RuntimeOrigin::signed(who),
				wasm_only.clone(),
				contact(1),
				1
			));
		}
		assert_eq!(
			Market::match_job(docker_only).unassignable,
			Some(Unassignable::NoProviderWithRuntime)
		);
	});
}
