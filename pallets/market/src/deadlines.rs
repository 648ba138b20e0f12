//! Deadlines: per-block buckets of tasks to look at, processed in `on_initialize` under the
//! weight meter.
//!
//! A task is put in the bucket of the block after a deadline of one of its replicas (commit)
//! or of its reveals. A bucket that is full spills into the following blocks, and a bucket the
//! meter could not finish is carried over: deadlines can be late under extreme load, never
//! lost. Handling a task whose deadline moved on (it committed, revealed or ended meanwhile)
//! does nothing.

use crate::{
	reputation::Outcome, Config, DeadlineBuckets, DeadlineCursor, Error, Event, Jobs, Pallet,
	ReplicaSlots, ReplicaState, Tasks, WeightInfo,
};
use alloc::vec::Vec;
use conun_primitives::{FailReason, JobState, TaskPhase, TaskRef};
use polkadot_sdk::{
	frame_support::{pallet_prelude::*, weights::WeightMeter},
	frame_system::pallet_prelude::BlockNumberFor,
	sp_runtime::traits::Saturating,
};

/// How many buckets after the wanted one a deadline may spill into.
const MAX_SPILL: u32 = 64;

impl<T: Config> Pallet<T> {
	/// Look at `task` again at block `at` (or the first block after it with room).
	pub(crate) fn schedule_deadline(
		task: TaskRef,
		at: BlockNumberFor<T>,
	) -> Result<BlockNumberFor<T>, Error<T>> {
		let mut block = at;
		for _ in 0..MAX_SPILL {
			let placed = DeadlineBuckets::<T>::mutate(block, |bucket| {
				bucket.last() == Some(&task) || bucket.try_push(task).is_ok()
			});
			if placed {
				return Ok(block);
			}
			block.saturating_inc();
		}
		Err(Error::<T>::DeadlinesFull)
	}

	/// Handle the deadlines of every bucket up to `now` while `meter` allows.
	pub(crate) fn process_deadlines(now: BlockNumberFor<T>, meter: &mut WeightMeter) {
		let mut cursor = DeadlineCursor::<T>::get();
		let worst = Self::worst_deadline_weight();
		let bucket_read = T::DbWeight::get().reads_writes(1, 1);
		while cursor <= now && meter.try_consume(bucket_read).is_ok() {
			let bucket = DeadlineBuckets::<T>::take(cursor);
			let mut handled = 0;
			for task in bucket.iter() {
				if !meter.can_consume(worst) {
					break;
				}
				meter.consume(Self::handle_deadline(*task, now));
				handled += 1;
			}
			if handled < bucket.len() {
				let rest: Vec<TaskRef> = bucket.into_iter().skip(handled).collect();
				DeadlineBuckets::<T>::insert(cursor, BoundedVec::truncate_from(rest));
				break;
			}
			cursor.saturating_inc();
		}
		DeadlineCursor::<T>::put(cursor);
	}

	/// The most one task's deadline may cost: every replica missed, or a verdict.
	pub(crate) fn worst_deadline_weight() -> Weight {
		T::WeightInfo::process_deadline(ReplicaSlots::<T>::get())
			.saturating_add(Self::worst_verdict_weight())
	}

	/// Apply the deadlines that have passed to one task; returns the weight of what it did.
	pub(crate) fn handle_deadline(task_ref: TaskRef, now: BlockNumberFor<T>) -> Weight {
		let Some(mut job) = Jobs::<T>::get(task_ref.job) else {
			return T::WeightInfo::process_deadline(0);
		};
		let Some(mut task) = Tasks::<T>::get(task_ref.job, task_ref.task) else {
			return T::WeightInfo::process_deadline(0);
		};
		let mut weight = T::WeightInfo::process_deadline(task.replicas.len() as u32);
		match task.phase {
			TaskPhase::Waiting | TaskPhase::Running => {
				let mut missed = 0u32;
				for replica in task.replicas.iter_mut() {
					if replica.state == ReplicaState::Assigned && replica.commit_by < now {
						replica.state = ReplicaState::Missed;
						missed.saturating_inc();
						Self::penalise(task_ref, &replica.provider, true, Outcome::Missed);
					}
				}
				if missed > 0 {
					// Replace who missed while the job runs and replacements are left; the task
					// wants fewer replicas by the rest.
					let replaceable = if job.state == JobState::Open {
						missed.min(T::MaxReplacements::get().saturating_sub(task.replaced))
					} else {
						0
					};
					task.replaced.saturating_accrue(replaceable);
					task.wanted.saturating_reduce(missed - replaceable);
					if task.wanted == 0 {
						Self::fail_task(task_ref, &mut job, &mut task, FailReason::NoResult);
					} else if task.missing() > 0 {
						task.phase = TaskPhase::Waiting;
						Self::enqueue(task_ref.job, task_ref.task, task_ref.task.saturating_add(1));
					} else {
						task.phase = TaskPhase::Running;
					}
				}
				let ready = matches!(task.phase, TaskPhase::Running) && task.all_committed();
				if ready {
					Self::open_reveals_or_retry(task_ref, &mut task, &job, now);
				}
				if missed == 0 && !ready {
					return weight;
				}
			},
			TaskPhase::Revealing { deadline } if deadline < now => {
				for replica in task.replicas.iter_mut() {
					if matches!(replica.state, ReplicaState::Committed { .. }) {
						replica.state = ReplicaState::Missed;
						Self::penalise(task_ref, &replica.provider, false, Outcome::Withheld);
					}
				}
				weight.saturating_accrue(Self::conclude(task_ref, &mut job, &mut task));
			},
			TaskPhase::Provisional { until, .. } if until < now => {
				weight.saturating_accrue(Self::finalize_verdict(task_ref, &mut job, &mut task));
			},
			// Too early (the bucket it wanted was full and it spilled into an earlier one).
			TaskPhase::Provisional { until, .. } => {
				Self::schedule_verdict_end(task_ref, until, now);
				return weight;
			},
			_ => return weight,
		}
		Tasks::<T>::insert(task_ref.job, task_ref.task, task);
		Jobs::<T>::insert(task_ref.job, job);
		weight
	}

	/// A replica missed a deadline: settle it with `outcome` (missed or withheld) and say so.
	fn penalise(task: TaskRef, who: &T::AccountId, running: bool, outcome: Outcome<T::AccountId, crate::BalanceOf<T>>) {
		let (slashed, reputation) = Self::settle_replica(task, who, running, outcome);
		Self::deposit_event(Event::ReplicaMissed {
			job: task.job,
			task: task.task,
			provider: who.clone(),
			slashed,
			reputation,
		});
	}
}
