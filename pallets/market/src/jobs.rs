//! Jobs: posting with escrow, cancelling, and finishing when every task has ended.

use crate::{
	reputation::Outcome, BalanceOf, Config, Error, Event, JobInfo, JobProgram, JobPrograms, Jobs,
	NextJobId, Pallet, ReplicaState, TaskInfo, Tasks,
};
use conun_primitives::{
	Contact, JobId, JobState, JobTerms, Program, TaskInput, TaskPhase, TaskRef,
};
use polkadot_sdk::{
	frame_support::{defensive, pallet_prelude::*},
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_runtime::traits::{CheckedMul, Saturating, Zero},
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_post_job(
		who: T::AccountId,
		program: Program,
		inputs: BoundedVec<TaskInput, T::MaxTasksPerJob>,
		terms: JobTerms<BalanceOf<T>, BlockNumberFor<T>>,
		contact: Contact,
	) -> DispatchResult {
		ensure!(!inputs.is_empty(), Error::<T>::NoTasks);
		ensure!(
			(1..=T::MaxReplicas::get()).contains(&terms.replicas),
			Error::<T>::InvalidReplicas
		);
		ensure!(!terms.price.is_zero(), Error::<T>::ZeroPrice);
		let deadline_ok = |d: BlockNumberFor<T>| !d.is_zero() && d <= T::MaxDeadline::get();
		ensure!(
			deadline_ok(terms.deadlines.execution) &&
				deadline_ok(terms.deadlines.commit) &&
				deadline_ok(terms.deadlines.reveal),
			Error::<T>::InvalidDeadline
		);
		let program_ok = program.size() > 0 &&
			match &program {
				Program::Wasm { fuel, entry_point, .. } => *fuel > 0 && !entry_point.is_empty(),
				Program::Docker { .. } => true,
			};
		ensure!(program_ok, Error::<T>::InvalidProgram);
		ensure!(inputs.iter().all(|input| input.size > 0), Error::<T>::InvalidInput);
		let tasks = inputs.len() as u32;
		let slots = tasks.checked_mul(terms.replicas).ok_or(Error::<T>::BudgetOverflow)?;
		let spare = if terms.replicas > 1 { T::ExtraReplicaMargin::get().mul_ceil(slots) } else { 0 };
		let budget = terms
			.price
			.checked_mul(&BalanceOf::<T>::from(slots.saturating_add(spare)))
			.ok_or(Error::<T>::BudgetOverflow)?;
		let id = NextJobId::<T>::get();
		let next_id = id.checked_add(1).ok_or(Error::<T>::JobIdOverflow)?;

		Self::hold_escrow(&who, budget)?;
		NextJobId::<T>::put(next_id);
		for (index, input) in inputs.into_iter().enumerate() {
			Tasks::<T>::insert(id, index as u32, TaskInfo::<T>::new(input, terms.replicas));
		}
		let job = JobInfo::<T> {
			owner: who.clone(),
			state: JobState::Open,
			runtime: program.runtime(),
			resources: terms.resources,
			replicas: terms.replicas,
			price: terms.price,
			min_reputation: terms.min_reputation,
			deadlines: terms.deadlines,
			tasks,
			escrow: budget,
			spare_replicas: spare,
			verified: 0,
			failed: 0,
			cancelled: 0,
			posted_at: frame_system::Pallet::<T>::block_number(),
		};
		Jobs::<T>::insert(id, job);
		JobPrograms::<T>::insert(id, JobProgram { program, requester: contact });
		Self::enqueue(id, 0, tasks);
		Self::deposit_event(Event::JobPosted {
			job: id,
			owner: who,
			tasks,
			replicas: terms.replicas,
			voting: terms.replicas > 1,
			budget,
		});
		Ok(())
	}

	/// Cancel `id`; returns the number of tasks looked at, for the weight.
	pub(crate) fn do_cancel_job(who: T::AccountId, id: JobId) -> Result<u32, DispatchError> {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::JobNotFound)?;
		ensure!(job.owner == who, Error::<T>::NotJobOwner);
		ensure!(job.state == JobState::Open, Error::<T>::JobNotOpen);

		job.state = JobState::Cancelled;
		let now = frame_system::Pallet::<T>::block_number();
		let mut refunded = BalanceOf::<T>::zero();
		for index in 0..job.tasks {
			let task_ref = TaskRef { job: id, task: index };
			let Some(mut task) = Tasks::<T>::get(id, index) else {
				defensive!("every task of a job is stored");
				continue;
			};
			if task.phase.is_final() {
				continue;
			}
			if task.any_committed() {
				// Settle what was committed; nothing new is assigned.
				task.wanted = task.live().count() as u32;
				if task.all_committed() {
					if !matches!(task.phase, TaskPhase::Revealing { .. }) {
						Self::open_reveals(task_ref, &mut task, &job, now)?;
					}
				} else {
					task.phase = TaskPhase::Running;
				}
			} else {
				for replica in task.live() {
					Self::settle_replica(
						task_ref,
						&replica.provider,
						replica.state == ReplicaState::Assigned,
						Outcome::Released,
					);
				}
				task.phase = TaskPhase::Cancelled;
				job.cancelled.saturating_inc();
				let budget = Self::task_budget(&job, &task);
				refunded.saturating_accrue(Self::refund_escrow(&mut job, budget));
				Self::deposit_event(Event::TaskCancelled { job: id, task: index });
			}
			Tasks::<T>::insert(id, index, task);
		}
		let spare = job.price.saturating_mul(job.spare_replicas.into());
		job.spare_replicas = 0;
		refunded.saturating_accrue(Self::refund_escrow(&mut job, spare));
		Self::deposit_event(Event::JobCancelled { job: id, refunded });
		Self::finish_job_if_done(id, &mut job);
		let tasks = job.tasks;
		Jobs::<T>::insert(id, job);
		Ok(tasks)
	}

	/// The escrow a task still holds: R replicas plus the extras it took from the margin.
	pub(crate) fn task_budget(job: &JobInfo<T>, task: &TaskInfo<T>) -> BalanceOf<T> {
		job.price.saturating_mul(job.replicas.saturating_add(task.extra).into())
	}

	/// When every task of `job` has ended, refund what is left in escrow and finish it.
	pub(crate) fn finish_job_if_done(id: JobId, job: &mut JobInfo<T>) {
		if job.state == JobState::Finished || job.finished() < job.tasks {
			return;
		}
		let refunded = Self::refund_escrow(job, job.escrow);
		job.state = JobState::Finished;
		job.spare_replicas = 0;
		Self::deposit_event(Event::JobFinished {
			job: id,
			verified: job.verified,
			failed: job.failed,
			cancelled: job.cancelled,
			refunded,
		});
	}
}
