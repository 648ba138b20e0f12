//! Answers for the runtime API ([`conun_primitives::ComputeMarketApi`]). These run off chain,
//! in a node's runtime call, so they may read as much storage as the question needs.

use crate::{
	assignment::{fit, Rejections},
	Assignments, BalanceOf, Config, JobPrograms, Jobs, Pallet, Providers, ReplicaState,
	RuntimeProviders, Tasks,
};
use alloc::vec::Vec;
use conun_primitives::{
	AssignmentPhase, AssignmentView, JobId, JobView, MatchQuery, MatchReport, ProviderView,
	TaskPhase, Unassignable,
};
use polkadot_sdk::frame_system::pallet_prelude::BlockNumberFor;

impl<T: Config> Pallet<T> {
	/// `who`'s unfinished assignments and what to do about each.
	pub fn assignments_of(who: &T::AccountId) -> Vec<AssignmentView<BlockNumberFor<T>>> {
		Assignments::<T>::iter_key_prefix(who)
			.filter_map(|task_ref| {
				let task = Tasks::<T>::get(task_ref.job, task_ref.task)?;
				let replica = &task.replicas[task.replica_of(who)?];
				let phase = match (replica.state, task.phase) {
					(ReplicaState::Assigned, _) => {
						AssignmentPhase::Execute { commit_by: replica.commit_by }
					},
					(ReplicaState::Committed { .. }, TaskPhase::Revealing { deadline }) => {
						AssignmentPhase::Reveal { reveal_by: deadline }
					},
					(ReplicaState::Committed { .. }, _) => AssignmentPhase::AwaitReveals,
					(
						ReplicaState::Revealed { result },
						TaskPhase::Provisional { result: verdict, until },
					) if result != verdict => AssignmentPhase::Contest { verdict, until },
					_ => AssignmentPhase::AwaitVerdict,
				};
				Some(AssignmentView { task: task_ref, input: task.input, phase })
			})
			.collect()
	}

	/// A job's terms and progress.
	pub fn job_view(id: JobId) -> Option<JobView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let job = Jobs::<T>::get(id)?;
		let program = JobPrograms::<T>::get(id)?.program;
		let mut view = JobView {
			owner: job.owner,
			state: job.state,
			program,
			replicas: job.replicas,
			price: job.price,
			escrow: job.escrow,
			deposit: job.deposit,
			posted_at: job.posted_at,
			tasks: job.tasks,
			waiting: 0,
			running: 0,
			revealing: 0,
			provisional: 0,
			verified: job.verified,
			failed: job.failed,
			cancelled: job.cancelled,
		};
		for (_, task) in Tasks::<T>::iter_prefix(id) {
			match task.phase {
				TaskPhase::Waiting => view.waiting += 1,
				TaskPhase::Running => view.running += 1,
				TaskPhase::Revealing { .. } => view.revealing += 1,
				TaskPhase::Provisional { .. } => view.provisional += 1,
				_ => {},
			}
		}
		Some(view)
	}

	/// A provider's registration and record.
	pub fn provider_view(
		who: &T::AccountId,
	) -> Option<ProviderView<BalanceOf<T>, BlockNumberFor<T>>> {
		let provider = Providers::<T>::get(who)?;
		Some(ProviderView {
			available: provider.is_available(),
			stake: provider.stake,
			status: provider.status,
			capabilities: provider.capabilities,
			price_floor: provider.price_floor,
			running: provider.running,
			unsettled: provider.unsettled,
			standing: provider.standing,
		})
	}

	/// Which providers could take a job with `query`'s requirements now, and if not enough of
	/// them, why. Looks at every provider.
	pub fn match_job(query: MatchQuery<BalanceOf<T>>) -> MatchReport {
		let mut report = MatchReport::default();
		let mut rejections = Rejections::default();
		for provider in Providers::<T>::iter_values() {
			report.providers += 1;
			if !provider.capabilities.runtimes.contains(query.runtime) {
				report.without_runtime += 1;
			} else if !provider.is_available() {
				report.unavailable += 1;
			} else {
				match fit(&provider, &query.resources, query.price, query.min_reputation) {
					Ok(_) => report.eligible += 1,
					Err(misfit) => rejections.count(misfit),
				}
			}
		}
		report.insufficient_resources = rejections.resources;
		report.price_too_low = rejections.price;
		report.reputation_too_low = rejections.reputation;
		if report.eligible < query.replicas.max(1) {
			report.unassignable = Some(if RuntimeProviders::<T>::get(query.runtime) == 0 {
				Unassignable::NoProviderWithRuntime
			} else if report.eligible > 0 {
				Unassignable::TooFewDistinctProviders
			} else {
				rejections.most_common().unwrap_or(Unassignable::NoSpareCapacity)
			});
		}
		report
	}
}
