//! Data that cannot be fetched: serving a job's program and inputs is its requester's part.
//!
//! Without this rule a requester who serves nothing gets every provider it is assigned slashed
//! as a no-show: the providers cannot commit what they cannot run, and the chain cannot tell
//! them from providers who never tried. So a replica that cannot fetch its task's data says so
//! with [`crate::Pallet::report_unavailable`], within [`Config::FetchWindow`] blocks of its
//! assignment (and at most halfway to its commit deadline) and before it commits:
//!
//! - the replica is released without reward or penalty ([`ReplicaState::Unavailable`]);
//! - once a majority of R (and at least two) of the task's current round have reported, and
//!   none of its replicas has committed, the task fails ([`FailReason::Unavailable`]), its
//!   budget is refunded, and [`Config::TaskDeposit`] of the requester's storage deposit is
//!   burned ([`Event::DepositBurned`]): posting tasks nobody can fetch costs the requester, not
//!   the providers;
//! - otherwise the reporter is replaced as a missed replica is, from
//!   [`Config::MaxReplacements`].
//!
//! How each side could cheat, and what stops it:
//!
//! - A provider that reports instead of working earns nothing, and can hold the replica only
//!   for the window: after it, the data is presumed fetched and only a commit or a miss (with
//!   its slash) ends the replica.
//! - Providers gain nothing from a false report: nothing is paid to anyone and the burn goes to
//!   no one, so colluders who fail an honest requester's task (a majority of its replicas,
//!   before anyone committed) only cost it the task deposit and a resubmission, and lose the
//!   reward themselves. Once a replica has committed, reports only replace: failing the task
//!   then would release the committed replica unpaid, and its result with it.
//! - A requester who serves some replicas and not others cannot single one out: fetched blobs
//!   are announced in the DHT, so a replica that could not reach the requester fetches from
//!   the replicas that did; and a report never costs the reporter anything.
//! - During an escalation reports are refused ([`Error::Escalated`]): the earlier replicas
//!   fetched the data and serve it, and free reports could use up the committee's
//!   replacements and leave it without a majority, which would release the replicas on trial.

use crate::{
	reputation::Outcome, Config, Error, Escalations, Event, JobInfo, Jobs, Pallet, ReplicaState,
	TaskInfo, Tasks, WeightInfo,
};
use conun_primitives::{FailReason, JobState, TaskPhase, TaskRef};
use polkadot_sdk::{
	frame_support::pallet_prelude::*,
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_runtime::traits::{Saturating, Zero},
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_report_unavailable(
		who: T::AccountId,
		tasks: BoundedVec<TaskRef, T::MaxBatch>,
	) -> DispatchResult {
		ensure!(!tasks.is_empty(), Error::<T>::EmptyBatch);
		let now = frame_system::Pallet::<T>::block_number();
		for task_ref in tasks.iter().copied() {
			let (mut task, index) = Self::running_replica(task_ref, &who)?;
			ensure!(!Escalations::<T>::contains_key(task_ref), Error::<T>::Escalated);
			let mut job = Jobs::<T>::get(task_ref.job).ok_or(Error::<T>::JobNotFound)?;
			let replica = &mut task.replicas[index];
			ensure!(replica.state == ReplicaState::Assigned, Error::<T>::AlreadyCommitted);
			ensure!(now <= replica.commit_by, Error::<T>::CommitDeadlinePassed);
			ensure!(now <= Self::fetch_window_end(replica), Error::<T>::FetchWindowOver);

			replica.state = ReplicaState::Unavailable;
			Self::settle_replica(task_ref, &who, true, Outcome::Released);
			Self::deposit_event(Event::DataUnavailable {
				job: task_ref.job,
				task: task_ref.task,
				provider: who.clone(),
			});
			// A commitment shows the data could be fetched (and its replica now serves it):
			// reports then only replace, or colluders could fail the task and free the result
			// of the replica that did the work.
			let fails = job.state == JobState::Open
				&& !task.any_committed()
				&& task.unavailable_this_round() >= Self::reports_to_fail(&job);
			if fails {
				let burned = Self::burn_deposit(&mut job, T::TaskDeposit::get());
				if !burned.is_zero() {
					Self::deposit_event(Event::DepositBurned {
						job: task_ref.job,
						task: task_ref.task,
						burned,
					});
				}
				Self::fail_task(task_ref, &mut job, &mut task, FailReason::Unavailable);
			} else {
				Self::lose_replicas(task_ref, &mut job, &mut task, 1);
				if matches!(task.phase, TaskPhase::Running) && task.all_committed() {
					Self::open_reveals(task_ref, &mut task, &job, now);
				}
			}
			Tasks::<T>::insert(task_ref.job, task_ref.task, task);
			Jobs::<T>::insert(task_ref.job, job);
		}
		Ok(())
	}

	/// The last block in which `replica` may report its data unavailable: [`Config::FetchWindow`]
	/// after its assignment, and no later than halfway to its commit deadline, so that a short
	/// job's replica cannot hold it to the end and walk away.
	pub(crate) fn fetch_window_end(replica: &crate::Replica<T>) -> BlockNumberFor<T> {
		let half = replica.commit_by.saturating_sub(replica.assigned_at) / 2u32.into();
		replica.assigned_at.saturating_add(T::FetchWindow::get().min(half))
	}

	/// Reports that fail a task: a majority of R, and never fewer than two providers, so that
	/// one provider alone (a one-replica task's) cannot fail a task on its word.
	pub(crate) fn reports_to_fail(job: &JobInfo<T>) -> u32 {
		job.majority().max(2)
	}

	/// The most [`Self::do_report_unavailable`] may weigh for `n` items: each one read and
	/// written as a commit is, and then the most expensive ending, a task of the most replicas
	/// failed and refunded (or requeued) with its deposit burned, and the pool edits of the
	/// replicas it releases (reports are refused during an escalation, so a task has at most
	/// `MaxReplicas` live replicas).
	pub(crate) fn report_unavailable_weight(n: u32) -> Weight {
		let per_item = T::WeightInfo::cancel_task(crate::ReplicaSlots::<T>::get())
			.saturating_add(Self::visit_weight())
			.saturating_add(T::DbWeight::get().reads_writes(1, 2))
			.saturating_add(Self::worst_pool_edits_weight(T::MaxReplicas::get()));
		T::WeightInfo::commit_results(n).saturating_add(per_item.saturating_mul(n.into()))
	}

	/// `lost` replicas of a running task stopped counting (they missed their commit deadline,
	/// or could not fetch the data): replace them while the job runs and replacements are left.
	/// The task wants fewer replicas by the rest, and fails when it wants none.
	pub(crate) fn lose_replicas(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		task: &mut TaskInfo<T>,
		lost: u32,
	) {
		let replaceable = if job.state == JobState::Open {
			lost.min(T::MaxReplacements::get().saturating_sub(task.replaced))
		} else {
			0
		};
		task.replaced.saturating_accrue(replaceable);
		task.wanted.saturating_reduce(lost.saturating_sub(replaceable));
		if task.wanted == 0 {
			Self::fail_task(task_ref, job, task, FailReason::NoResult);
		} else if task.missing() > 0 {
			task.phase = TaskPhase::Waiting;
			Self::enqueue(&job.owner, task_ref.job, task_ref.task, task_ref.task.saturating_add(1));
		} else {
			task.phase = TaskPhase::Running;
		}
	}
}
