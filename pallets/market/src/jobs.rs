//! Jobs: posting with escrow, cancelling, and finishing when every task has ended.

use crate::{
	BalanceOf, Config, Error, Event, JobInfo, JobProgram, JobPrograms, Jobs, LargestOffer,
	NextJobId, Pallet, RuntimeProviders, TaskInfo, Tasks,
};
use conun_primitives::{
	Contact, JobId, JobState, JobTerms, Program, RuntimeKind, TaskInput, TaskPhase, TaskRef,
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
		ensure!((1..=T::MaxReplicas::get()).contains(&terms.replicas), Error::<T>::InvalidReplicas);
		ensure!(terms.price >= T::MinPrice::get(), Error::<T>::PriceBelowMinimum);
		let deadline_ok = |d: BlockNumberFor<T>| !d.is_zero() && d <= T::MaxDeadline::get();
		ensure!(
			deadline_ok(terms.deadlines.execution)
				&& deadline_ok(terms.deadlines.commit)
				&& deadline_ok(terms.deadlines.reveal),
			Error::<T>::InvalidDeadline
		);
		let program_ok = program.size() > 0
			&& match &program {
				Program::Wasm { fuel, entry_point, .. } => *fuel > 0 && !entry_point.is_empty(),
				Program::Docker { .. } => true,
			};
		ensure!(program_ok, Error::<T>::InvalidProgram);
		ensure!(inputs.iter().all(|input| input.size > 0), Error::<T>::InvalidInput);
		Self::ensure_feasible(program.runtime(), &terms)?;
		let tasks = inputs.len() as u32;
		let slots = tasks.checked_mul(terms.replicas).ok_or(Error::<T>::BudgetOverflow)?;
		// The margin pays for fresh rounds after rounds without a majority: at least one.
		let spare = if terms.replicas > 1 {
			T::ExtraReplicaMargin::get().mul_ceil(slots).max(terms.replicas)
		} else {
			0
		};
		let budget = terms
			.price
			.checked_mul(&BalanceOf::<T>::from(slots.saturating_add(spare)))
			.ok_or(Error::<T>::BudgetOverflow)?;
		let id = NextJobId::<T>::get();
		let next_id = id.checked_add(1).ok_or(Error::<T>::JobIdOverflow)?;

		Self::hold_escrow(&who, budget)?;
		let deposit = Self::storage_deposit(tasks);
		Self::hold_deposit(&who, deposit)?;
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
			expired: false,
			posted_at: frame_system::Pallet::<T>::block_number(),
			deposit,
		};
		Jobs::<T>::insert(id, job);
		JobPrograms::<T>::insert(id, JobProgram { program, requester: contact });
		Self::enqueue(&who, id, 0, tasks);
		Self::deposit_event(Event::JobPosted {
			job: id,
			owner: who,
			tasks,
			replicas: terms.replicas,
			voting: terms.replicas > 1,
			budget,
			deposit,
		});
		Ok(())
	}

	/// Refuse terms no registered provider could ever meet. What passes may still wait for
	/// providers (busy ones, or none with every requirement at once): the hook's bounded wait
	/// ([`Config::UnassignableTimeout`]) ends such a job.
	fn ensure_feasible(
		runtime: RuntimeKind,
		terms: &JobTerms<BalanceOf<T>, BlockNumberFor<T>>,
	) -> DispatchResult {
		ensure!(terms.min_reputation <= T::MaxReputation::get(), Error::<T>::ReputationUnreachable);
		ensure!(RuntimeProviders::<T>::get(runtime) >= terms.replicas, Error::<T>::TooFewProviders);
		let offer = LargestOffer::<T>::get(runtime);
		let needs = &terms.resources;
		ensure!(
			offer.cores >= needs.cores
				&& offer.memory_mib >= needs.memory_mib
				&& offer.gpus >= needs.gpus,
			Error::<T>::ResourcesUnavailable
		);
		Ok(())
	}

	/// Cancel `id`: refund the margin for extra replicas now, and queue every task for
	/// cancellation, which the hook carries out under its weight meter (`cancel_task`).
	pub(crate) fn do_cancel_job(who: T::AccountId, id: JobId) -> DispatchResult {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::JobNotFound)?;
		ensure!(job.owner == who, Error::<T>::NotJobOwner);
		ensure!(job.state == JobState::Open, Error::<T>::JobNotOpen);

		job.state = JobState::Cancelled;
		let spare = job.price.saturating_mul(job.spare_replicas.into());
		job.spare_replicas = 0;
		let refunded = Self::refund_escrow(&mut job, spare);
		Self::enqueue_front(&job.owner, id, 0, job.tasks);
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::JobCancelled { job: id, refunded });
		Ok(())
	}

	/// Cancel one task of a cancelled job. A task without any commitment ends: its replicas
	/// are released without penalty and its budget refunded. A task with a commitment is
	/// settled as usual, without new replicas. Returns how many replicas it has, for the
	/// weight.
	pub(crate) fn cancel_task(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		now: BlockNumberFor<T>,
	) -> u32 {
		let Some(mut task) = Tasks::<T>::get(task_ref.job, task_ref.task) else {
			defensive!("every task of a job is stored");
			return 0;
		};
		let replicas = task.replicas.len() as u32;
		// A verdict, final or still open to challenge, stands: the deadline handler makes an
		// open one final when its period ends.
		if task.phase.is_final() || matches!(task.phase, TaskPhase::Provisional { .. }) {
			return replicas;
		}
		if task.any_committed() {
			task.wanted = task.live().count() as u32;
			if !matches!(task.phase, TaskPhase::Revealing { .. }) {
				task.phase = TaskPhase::Running;
				if task.all_committed() {
					Self::open_reveals(task_ref, &mut task, job, now);
				}
			}
		} else {
			Self::abandon_escalation(task_ref, &mut task);
			let refunded = Self::release_and_refund(task_ref, job, &task);
			task.phase = TaskPhase::Cancelled;
			job.cancelled.saturating_inc();
			Self::deposit_event(Event::TaskCancelled {
				job: task_ref.job,
				task: task_ref.task,
				refunded,
			});
			Self::finish_job_if_done(task_ref.job, job);
		}
		Tasks::<T>::insert(task_ref.job, task_ref.task, task);
		replicas
	}

	/// The escrow a task still holds: R replicas plus the fresh rounds it took from the margin,
	/// less the base fees it already paid.
	pub(crate) fn task_budget(job: &JobInfo<T>, task: &TaskInfo<T>) -> BalanceOf<T> {
		job.price
			.saturating_mul(job.replicas.saturating_add(task.extra).into())
			.saturating_sub(task.spent)
	}

	/// When every task of `job` has ended, refund what is left in escrow and finish it.
	pub(crate) fn finish_job_if_done(id: JobId, job: &mut JobInfo<T>) {
		if job.state == JobState::Finished || job.finished() < job.tasks {
			return;
		}
		let refunded = Self::refund_escrow(job, job.escrow);
		job.state = JobState::Finished;
		job.spare_replicas = 0;
		Self::retire(id, frame_system::Pallet::<T>::block_number());
		Self::deposit_event(Event::JobFinished {
			job: id,
			verified: job.verified,
			failed: job.failed,
			cancelled: job.cancelled,
			refunded,
		});
	}
}
