//! Deadlines: per-block lists of tasks to look at, processed in `on_initialize` under the
//! weight meter.
//!
//! A task is put in the list of the block after a deadline of one of its replicas (commit)
//! or of its reveals. A block's list is kept in pages of [`Config::MaxDeadlinesPerBlock`]
//! tasks, and a block has as many pages as it needs: scheduling a deadline costs two reads and
//! two writes and never fails, so no honest commit is ever refused for want of room. A block
//! whose pages the meter could not finish is carried over: deadlines can be late under extreme
//! load, never lost. Handling a task whose deadline moved on (it committed, revealed or ended
//! meanwhile) does nothing.

use crate::{
	providers::count_pool_edits, reputation::Outcome, Config, DeadlineBuckets, DeadlineCursor,
	DeadlinePages, Event, Jobs, Pallet, ReplicaSlots, ReplicaState, Tasks, WeightInfo,
};
use alloc::vec::Vec;
use conun_primitives::{TaskPhase, TaskRef};
use polkadot_sdk::{
	frame_support::{pallet_prelude::*, weights::WeightMeter},
	frame_system::pallet_prelude::BlockNumberFor,
	sp_runtime::traits::Saturating,
};

impl<T: Config> Pallet<T> {
	/// Look at `task` again at block `at`: append it to the block's last page, or to a new
	/// page when that one is full. A task already last on the page is not added twice.
	pub(crate) fn schedule_deadline(task: TaskRef, at: BlockNumberFor<T>) {
		let pages = DeadlinePages::<T>::get(at);
		if let Some(last) = pages.checked_sub(1) {
			let placed = DeadlineBuckets::<T>::mutate(at, last, |page| {
				page.last() == Some(&task) || page.try_push(task).is_ok()
			});
			if placed {
				return;
			}
		}
		DeadlineBuckets::<T>::insert(at, pages, BoundedVec::truncate_from(alloc::vec![task]));
		DeadlinePages::<T>::insert(at, pages.saturating_add(1));
	}

	/// The weight of [`Self::schedule_deadline`]: the page count and the last page read, both
	/// written.
	pub(crate) fn schedule_deadline_weight() -> Weight {
		T::DbWeight::get().reads_writes(2, 2)
	}

	/// Handle the deadlines of every block up to `now` while `meter` allows, a block's pages
	/// from the last one down (nothing is added to a block once it is due).
	pub(crate) fn process_deadlines(now: BlockNumberFor<T>, meter: &mut WeightMeter) {
		let mut cursor = DeadlineCursor::<T>::get();
		let worst = Self::worst_deadline_weight();
		let page_read = T::DbWeight::get().reads_writes(2, 2);
		'blocks: while cursor <= now && meter.try_consume(page_read).is_ok() {
			let mut pages = DeadlinePages::<T>::get(cursor);
			while let Some(last) = pages.checked_sub(1) {
				let page = DeadlineBuckets::<T>::take(cursor, last);
				let mut handled = 0;
				for task in page.iter() {
					if !meter.can_consume(worst) {
						break;
					}
					let (weight, edits) = count_pool_edits(|| Self::handle_deadline(*task, now));
					meter.consume(weight.saturating_add(Self::pool_edits_weight(edits)));
					handled += 1;
				}
				if handled < page.len() {
					let rest: Vec<TaskRef> = page.into_iter().skip(handled).collect();
					DeadlineBuckets::<T>::insert(cursor, last, BoundedVec::truncate_from(rest));
					DeadlinePages::<T>::insert(cursor, pages);
					break 'blocks;
				}
				pages = last;
				if pages > 0 && meter.try_consume(page_read).is_err() {
					DeadlinePages::<T>::insert(cursor, pages);
					break 'blocks;
				}
			}
			DeadlinePages::<T>::remove(cursor);
			cursor.saturating_inc();
		}
		DeadlineCursor::<T>::put(cursor);
	}

	/// The most one task's deadline may cost: every replica missed, or a verdict, with the pool
	/// edits of every replica settled (each is settled once).
	pub(crate) fn worst_deadline_weight() -> Weight {
		let slots = ReplicaSlots::<T>::get();
		T::WeightInfo::process_deadline(slots)
			.saturating_add(Self::worst_verdict_weight())
			.saturating_add(Self::worst_pool_edits_weight(slots))
	}

	/// What a visit that finds nothing to do costs: the job and the task read and decoded
	/// (`idle_deadline`).
	///
	/// Most visits are of this kind: every task is scheduled at its commit deadline and at its
	/// reveal deadline, and an honest task has committed and revealed long before either. They
	/// were charged `process_deadline(r)`, every replica missing, about 3.9 ms for R = 3, which
	/// filled the hook with nothing (issue 17).
	pub(crate) fn idle_deadline_weight() -> Weight {
		T::WeightInfo::idle_deadline()
	}

	/// Apply the deadlines that have passed to one task; returns the weight of what it did.
	pub(crate) fn handle_deadline(task_ref: TaskRef, now: BlockNumberFor<T>) -> Weight {
		let idle = Self::idle_deadline_weight();
		let Some(mut job) = Jobs::<T>::get(task_ref.job) else {
			return idle;
		};
		let Some(mut task) = Tasks::<T>::get(task_ref.job, task_ref.task) else {
			return idle;
		};
		// Penalising replicas (slashes, reputation, replacements) costs `process_deadline(r)`;
		// a visit that only decides or finalizes a verdict costs the visit and the verdict.
		let penalties = T::WeightInfo::process_deadline(task.replicas.len() as u32);
		let mut weight = idle;
		match task.phase {
			TaskPhase::Waiting | TaskPhase::Running => {
				let mut missed = 0u32;
				for replica in task.replicas.iter_mut() {
					if replica.state == ReplicaState::Assigned && replica.commit_by < now {
						replica.state = ReplicaState::Missed;
						missed.saturating_inc();
						Self::penalise(
							task_ref,
							&replica.provider,
							true,
							Outcome::Missed { price: job.price },
						);
					}
				}
				if missed > 0 {
					weight = penalties;
					Self::lose_replicas(task_ref, &mut job, &mut task, missed);
				}
				let ready = matches!(task.phase, TaskPhase::Running) && task.all_committed();
				if ready {
					weight = penalties;
					Self::open_reveals(task_ref, &mut task, &job, now);
				}
				if missed == 0 && !ready {
					return weight;
				}
			},
			// Past the reveal deadline, or every replica revealed and the verdict was left to
			// the hook (`after_last_reveal`).
			TaskPhase::Revealing { deadline } if deadline < now || task.all_revealed() => {
				for replica in task.replicas.iter_mut() {
					if matches!(replica.state, ReplicaState::Committed { .. }) {
						weight = penalties;
						replica.state = ReplicaState::Missed;
						Self::penalise(
							task_ref,
							&replica.provider,
							false,
							Outcome::Withheld { price: job.price },
						);
					}
				}
				weight.saturating_accrue(Self::conclude(task_ref, &mut job, &mut task));
			},
			TaskPhase::Provisional { until, .. } if until < now => {
				weight.saturating_accrue(Self::finalize_verdict(task_ref, &mut job, &mut task));
			},
			// Too early (a commit deadline of a task that reached its verdict since): the end
			// of its challenge period is scheduled already.
			_ => return weight,
		}
		Tasks::<T>::insert(task_ref.job, task_ref.task, task);
		Jobs::<T>::insert(task_ref.job, job);
		weight
	}

	/// A replica missed a deadline: settle it with `outcome` (missed or withheld) and say so.
	fn penalise(
		task: TaskRef,
		who: &T::AccountId,
		running: bool,
		outcome: Outcome<T::AccountId, crate::BalanceOf<T>>,
	) {
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
