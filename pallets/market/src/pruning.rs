//! Pruning: an ended job and its tasks leave storage [`Config::RetentionPeriod`] blocks after
//! they end, and its requester gets the storage deposit back.
//!
//! Jobs end in order of time, and all wait the same period, so the ones waiting are a FIFO
//! (`Retired`) read at its front. The hook prunes with the weight assignment leaves, one task
//! at a time (a job may have [`Config::MaxTasksPerJob`] of them), keeping its place in
//! `Pruning` between blocks. Each task's final phase is folded into the job's results chain
//! ([`conun_primitives::results_link`]) as it goes, and what stays is a [`JobRecord`]: the
//! owner, the counters and that chain, so that a verdict can still be proven by anyone
//! holding the results.
//!
//! Nothing else needs an ended job's tasks by then: its replicas are all settled, a deadline
//! still scheduled for one of them (deadlines may lie up to twice `MaxDeadline` ahead) finds it
//! gone and does nothing, and a queue entry left over from it ends its visit the same way.
//!
//! A few tasks are pruned in every block before assignment ([`PRUNED_FIRST`]), so that a busy
//! queue cannot hold deposits back for ever; the rest is pruned with the weight left.

use crate::{
	assignment::Fifo, BalanceOf, Config, Event, JobInfo, JobPrograms, JobRecord, JobRecords, Jobs,
	Pallet, PruneCursor, Pruning, Retired, RetiredHead, RetiredTail, Tasks,
};
use conun_primitives::{results_link, JobId};
use core::marker::PhantomData;
use polkadot_sdk::{
	frame_support::{
		defensive,
		traits::Get,
		weights::{Weight, WeightMeter},
	},
	frame_system::pallet_prelude::BlockNumberFor,
	sp_core::H256,
	sp_runtime::traits::Saturating,
};

/// Tasks (or ends of a pruning) pruned in every block before assignment, whatever the queue.
pub(crate) const PRUNED_FIRST: u32 = 16;

/// Ended jobs waiting to be pruned, each with the block it may be pruned from.
pub(crate) struct Retirement<T>(pub PhantomData<T>);
impl<T: Config> Fifo for Retirement<T> {
	type Item = (BlockNumberFor<T>, JobId);
	fn bounds(&self) -> (u64, u64) {
		(RetiredHead::<T>::get(), RetiredTail::<T>::get())
	}
	fn set_bounds(&self, head: u64, tail: u64) {
		RetiredHead::<T>::put(head);
		RetiredTail::<T>::put(tail);
	}
	fn get(&self, at: u64) -> Option<Self::Item> {
		Retired::<T>::get(at)
	}
	fn take(&self, at: u64) -> Option<Self::Item> {
		Retired::<T>::take(at)
	}
	fn put(&self, at: u64, item: Self::Item) {
		Retired::<T>::insert(at, item)
	}
}

impl<T: Config> Pallet<T> {
	/// The storage deposit of a job of `tasks` tasks.
	pub(crate) fn storage_deposit(tasks: u32) -> BalanceOf<T> {
		T::TaskDeposit::get()
			.saturating_mul(tasks.into())
			.saturating_add(T::JobDeposit::get())
	}

	/// `job` just ended: it is pruned [`Config::RetentionPeriod`] blocks from `now`.
	pub(crate) fn retire(job: JobId, now: BlockNumberFor<T>) {
		Retirement::<T>(PhantomData)
			.push_back((now.saturating_add(T::RetentionPeriod::get()), job));
	}

	/// What pruning one task costs: the job read, the task taken and hashed, the cursor kept.
	pub(crate) fn prune_task_weight() -> Weight {
		T::DbWeight::get()
			.reads_writes(3, 2)
			.saturating_add(Weight::from_parts(5_000_000, 0))
	}

	/// What ending a pruning costs: the job and program removed, the record written, the
	/// deposit released (a hold and the account), the FIFO's front moved.
	pub(crate) fn prune_job_weight() -> Weight {
		T::DbWeight::get()
			.reads_writes(6, 8)
			.saturating_add(Weight::from_parts(50_000_000, 0))
	}

	/// Prune ended jobs whose time has come, a task at a time, up to `steps` tasks (or ends of
	/// a pruning) while `meter` allows.
	pub(crate) fn process_pruning(now: BlockNumberFor<T>, meter: &mut WeightMeter, steps: u32) {
		let retirement = Retirement::<T>(PhantomData);
		let least = Self::prune_task_weight().max(Self::prune_job_weight());
		for _ in 0..steps {
			if !meter.can_consume(least) {
				break;
			}
			let mut cursor = match Pruning::<T>::get() {
				Some(cursor) => cursor,
				None => {
					let (head, _) = retirement.bounds();
					match retirement.get(head) {
						Some((from, _)) if from > now => break,
						None if retirement.is_empty() => break,
						_ => {},
					}
					meter.consume(T::DbWeight::get().reads_writes(3, 2));
					let Some((_, job)) = retirement.pop_front() else { continue };
					PruneCursor { job, next: 0, results: H256::zero() }
				},
			};
			let Some(job) = Jobs::<T>::get(cursor.job) else {
				defensive!("a retired job is stored until it is pruned");
				Pruning::<T>::kill();
				continue;
			};
			if cursor.next < job.tasks {
				meter.consume(Self::prune_task_weight());
				match Tasks::<T>::take(cursor.job, cursor.next) {
					Some(task) => {
						cursor.results = results_link(&cursor.results, cursor.next, &task.phase)
					},
					None => {
						defensive!("every task of a job is stored until it is pruned");
					},
				}
				cursor.next.saturating_inc();
				Pruning::<T>::put(cursor);
			} else {
				meter.consume(Self::prune_job_weight());
				Self::end_pruning(cursor, job, now);
			}
		}
	}

	/// Every task of the job under `cursor` is gone: remove the job, keep its record and
	/// return its deposit.
	fn end_pruning(cursor: PruneCursor, job: JobInfo<T>, now: BlockNumberFor<T>) {
		Pruning::<T>::kill();
		Jobs::<T>::remove(cursor.job);
		JobPrograms::<T>::remove(cursor.job);
		let returned = Self::release_deposit(&job);
		JobRecords::<T>::insert(
			cursor.job,
			JobRecord::<T> {
				owner: job.owner,
				tasks: job.tasks,
				verified: job.verified,
				failed: job.failed,
				cancelled: job.cancelled,
				results: cursor.results,
				pruned_at: now,
			},
		);
		Self::deposit_event(Event::JobPruned {
			job: cursor.job,
			results: cursor.results,
			deposit: returned,
		});
	}
}
