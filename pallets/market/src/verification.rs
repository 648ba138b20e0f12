//! Verification: commit, reveal and the verdict.
//!
//! A replica commits [`conun_primitives::commitment`] of its result, bound to its own account.
//! Reveals open when every wanted replica has committed (or missed its deadline). The verdict
//! comes with the last reveal, or at the reveal deadline: the result revealed by a strict
//! majority of R wins, provisionally: the verdict is open to challenge for
//! [`Config::ChallengePeriod`] blocks (`referee.rs`), and only when that period ends is the
//! majority paid its price from escrow and each replica that revealed something else slashed
//! [`Config::DisagreementSlash`] of its stake, all of it burned (paying it to the majority
//! would pay colluders for out-voting the honest). Without a majority each replica that
//! revealed is paid the base fee ([`Config::NoMajorityFee`] of the price) and its round is
//! over: a fresh round of R new providers commits and reveals on its own, while the job's
//! margin and [`Config::MaxExtraReplicas`] allow, and the earlier reveals, public by then, never
//! count in it. When no fresh round is left the task fails and the rest of its budget is
//! refunded.

use crate::{
	reputation::Outcome, BalanceOf, CommitItem, Config, Error, Escalations, Event, JobInfo, Jobs,
	Pallet, Providers, ReplicaSlots, ReplicaState, RevealItem, TaskInfo, Tasks, WeightInfo,
};
use alloc::vec::Vec;
use conun_primitives::{commitment, FailReason, JobState, TaskPhase, TaskRef};
use polkadot_sdk::{
	frame_support::{defensive, pallet_prelude::*, weights::Weight},
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_core::H256,
	sp_runtime::traits::{One, Saturating, Zero},
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_commit_results(
		who: T::AccountId,
		commits: BoundedVec<CommitItem, T::MaxBatch>,
	) -> DispatchResult {
		ensure!(!commits.is_empty(), Error::<T>::EmptyBatch);
		let now = frame_system::Pallet::<T>::block_number();
		for item in commits.iter() {
			let task_ref = item.task;
			let (mut task, index) = Self::running_replica(task_ref, &who)?;
			let replica = &mut task.replicas[index];
			ensure!(replica.state == ReplicaState::Assigned, Error::<T>::AlreadyCommitted);
			ensure!(now <= replica.commit_by, Error::<T>::CommitDeadlinePassed);

			replica.state = ReplicaState::Committed { commitment: item.commitment };
			Self::deposit_event(Event::ResultCommitted {
				job: task_ref.job,
				task: task_ref.task,
				provider: who.clone(),
			});
			if task.all_committed() {
				let job = Jobs::<T>::get(task_ref.job).ok_or(Error::<T>::JobNotFound)?;
				Self::open_reveals(task_ref, &mut task, &job, now);
			}
			Tasks::<T>::insert(task_ref.job, task_ref.task, task);
		}
		// Committed replicas no longer occupy task slots.
		Self::free_slots(&who, commits.len() as u32);
		Ok(())
	}

	/// `task_ref`'s task and the position of `who`'s live replica in it, while the task still
	/// runs (it waits for replicas or commitments): what a commit or a report needs.
	pub(crate) fn running_replica(
		task_ref: TaskRef,
		who: &T::AccountId,
	) -> Result<(TaskInfo<T>, usize), DispatchError> {
		let task = Tasks::<T>::get(task_ref.job, task_ref.task).ok_or(Error::<T>::TaskNotFound)?;
		let index = task.replica_of(who).ok_or(Error::<T>::NotAssigned)?;
		ensure!(
			matches!(task.phase, TaskPhase::Waiting | TaskPhase::Running),
			Error::<T>::TaskNotRunning
		);
		Ok((task, index))
	}

	/// Reveal `reveals` for `who`; returns the weight of the verdicts the reveals brought.
	pub(crate) fn do_reveal_results(
		who: T::AccountId,
		reveals: BoundedVec<RevealItem, T::MaxBatch>,
	) -> Result<Weight, DispatchError> {
		ensure!(!reveals.is_empty(), Error::<T>::EmptyBatch);
		let now = frame_system::Pallet::<T>::block_number();
		let mut settled = Weight::zero();
		for item in reveals.iter() {
			let task_ref = item.task;
			let mut task =
				Tasks::<T>::get(task_ref.job, task_ref.task).ok_or(Error::<T>::TaskNotFound)?;
			let index = task.replica_of(&who).ok_or(Error::<T>::NotAssigned)?;
			let TaskPhase::Revealing { deadline } = task.phase else {
				return Err(Error::<T>::RevealsNotOpen.into());
			};
			ensure!(now <= deadline, Error::<T>::RevealDeadlinePassed);
			let replica = &mut task.replicas[index];
			let committed = match replica.state {
				ReplicaState::Committed { commitment } => commitment,
				ReplicaState::Revealed { .. } => return Err(Error::<T>::AlreadyRevealed.into()),
				// Still running while reveals are open cannot happen: reveals open once all
				// live replicas have committed.
				_ => return Err(Error::<T>::RevealsNotOpen.into()),
			};
			ensure!(
				commitment(task_ref, &who, &item.result, &item.salt) == committed,
				Error::<T>::CommitmentMismatch
			);

			replica.state = ReplicaState::Revealed { result: item.result };
			Self::deposit_event(Event::ResultRevealed {
				job: task_ref.job,
				task: task_ref.task,
				provider: who.clone(),
				result: item.result,
			});
			if task.all_revealed() {
				settled.saturating_accrue(Self::after_last_reveal(task_ref, &mut task, now)?);
			}
			Tasks::<T>::insert(task_ref.job, task_ref.task, task);
		}
		Ok(settled)
	}

	/// Every live replica of `task` has revealed: reach what a reveal may reach and leave the
	/// rest to the hook. Returns the weight of what it did, at most
	/// [`Self::reveal_verdict_weight`].
	///
	/// A clear majority of a task that is not escalated reaches its provisional verdict here: a
	/// few reads and writes whatever the task. Anything dearer (a round without a majority paid
	/// and restarted or failed, an escalation's committee decided) is the hook's, from the next
	/// block, under its weight meter: a reveal that could bring it would have to be charged for
	/// the dearest verdict up front, which made a batch of reveals too heavy for a block (issue
	/// 17). With no challenge period every verdict is final at once, so it comes here whole and
	/// reveals are charged for the dearest.
	pub(crate) fn after_last_reveal(
		task_ref: TaskRef,
		task: &mut TaskInfo<T>,
		now: BlockNumberFor<T>,
	) -> Result<Weight, DispatchError> {
		let mut job = Jobs::<T>::get(task_ref.job).ok_or(Error::<T>::JobNotFound)?;
		if T::ChallengePeriod::get().is_zero() {
			let weight = Self::conclude(task_ref, &mut job, task);
			Jobs::<T>::insert(task_ref.job, job);
			return Ok(weight);
		}
		if !Escalations::<T>::contains_key(task_ref) {
			if let Some((result, agreeing)) = Self::clear_majority(&job, task) {
				Self::provisional_verdict(task_ref, task, result, agreeing);
				return Ok(Self::reveal_verdict_weight());
			}
		}
		Self::schedule_deadline(task_ref, now.saturating_add(One::one()));
		Ok(Self::reveal_verdict_weight())
	}

	/// The most the last reveal of a task may add to `reveal_results`, charged for every item
	/// up front: the job and the escalation read, then a provisional verdict or the task
	/// scheduled for the hook (`last_reveal`). With no challenge period, the dearest verdict and
	/// its pool edits.
	pub(crate) fn reveal_verdict_weight() -> Weight {
		if T::ChallengePeriod::get().is_zero() {
			return Self::worst_verdict_weight()
				.saturating_add(Self::worst_pool_edits_weight(Self::most_settled()));
		}
		T::WeightInfo::last_reveal()
	}

	/// A verdict made final that pays `paid` replicas and slashes `slashed`, and `ended` its
	/// job or not: an honest one (nobody slashed) is `settle_paid`, plus `finish_job` for the
	/// job's last task; one with slashes is `settle_task`, measured ending its job.
	///
	/// A job ends once, with its last task: charging every honest verdict for the end (as
	/// until `spec_version` 106) charged a job of 3,000 tasks for 3,000 ends (issue 17).
	pub(crate) fn verdict_weight(paid: u32, slashed: u32, ended: bool) -> Weight {
		if slashed > 0 {
			return T::WeightInfo::settle_task(paid, slashed);
		}
		let end = if ended { T::WeightInfo::finish_job() } else { Weight::zero() };
		T::WeightInfo::settle_paid(paid).saturating_add(end)
	}

	/// The result a strict majority of the task's round revealed, with how many revealed it,
	/// when no other result has as many votes.
	fn clear_majority(job: &JobInfo<T>, task: &TaskInfo<T>) -> Option<(H256, u32)> {
		let votes = task.votes();
		let top = votes.iter().map(|(_, count)| *count).max().unwrap_or(0);
		let tied = votes.iter().filter(|(_, count)| *count == top).count() > 1;
		let winner = votes.iter().find(|(_, count)| *count == top).map(|(r, _)| *r)?;
		(top >= job.majority() && !tied).then_some((winner, top))
	}

	/// The most one verdict may weigh: the most replicas a verdict settles at once (an
	/// escalation's committee and the replicas on trial), paid, slashed or failed.
	pub(crate) fn worst_verdict_weight() -> Weight {
		let replicas = Self::most_settled();
		Self::dearest_verdict_weight(replicas)
			.saturating_add(T::WeightInfo::cancel_task(0))
			.max(T::WeightInfo::cancel_task(replicas))
	}

	/// The most replicas one verdict settles: an escalation's committee and the replicas on
	/// trial.
	pub(crate) fn most_settled() -> u32 {
		let max = T::MaxReplicas::get();
		crate::committee_size(max).saturating_add(max)
	}

	/// The most settling `replicas` revealed replicas may weigh, whichever of them are paid
	/// and whichever slashed: all paid, or one paid and the others slashed (`settle_task` is
	/// linear in each, so one of the two ends is the dearest).
	pub(crate) fn dearest_verdict_weight(replicas: u32) -> Weight {
		T::WeightInfo::settle_task(replicas, 0)
			.max(T::WeightInfo::settle_task(1, replicas.saturating_sub(1)))
			.max(Self::verdict_weight(replicas, 0, true))
	}

	/// `count` replicas of `who` committed: they free its task slots.
	fn free_slots(who: &T::AccountId, count: u32) {
		let Some(mut provider) = Providers::<T>::get(who) else {
			defensive!("a provider with assignments is registered");
			return;
		};
		let place = Self::pool_place(&provider);
		provider.running.saturating_reduce(count);
		Self::refresh_pool(who, place, &provider);
		Providers::<T>::insert(who, provider);
	}

	/// Every wanted replica committed: reveals are due within the job's reveal deadline.
	pub(crate) fn open_reveals(
		task_ref: TaskRef,
		task: &mut TaskInfo<T>,
		job: &JobInfo<T>,
		now: BlockNumberFor<T>,
	) {
		let deadline = now.saturating_add(job.deadlines.reveal);
		Self::schedule_deadline(task_ref, deadline.saturating_add(One::one()));
		task.phase = TaskPhase::Revealing { deadline };
		Self::deposit_event(Event::RevealsOpened {
			job: task_ref.job,
			task: task_ref.task,
			deadline,
		});
	}

	/// Decide a task whose reveals are all in (or whose reveal deadline passed); returns the
	/// weight of what it did.
	pub(crate) fn conclude(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		task: &mut TaskInfo<T>,
	) -> Weight {
		if let Some(escalation) = Escalations::<T>::get(task_ref) {
			return Self::conclude_escalation(task_ref, job, task, escalation);
		}
		match Self::clear_majority(job, task) {
			Some((result, agreeing)) => {
				if T::ChallengePeriod::get().is_zero() {
					return Self::settle_verdict(task_ref, job, task, result);
				}
				Self::provisional_verdict(task_ref, task, result, agreeing);
				T::WeightInfo::last_reveal()
			},
			None => {
				let revealed = Self::close_round(task_ref, job, task);
				let round = job.replicas;
				let can_rerun = job.state == JobState::Open
					&& task.extra.saturating_add(round) <= T::MaxExtraReplicas::get()
					&& job.spare_replicas >= round
					&& (task.replicas.len() as u32).saturating_add(round)
						<= ReplicaSlots::<T>::get();
				if can_rerun {
					task.extra.saturating_accrue(round);
					task.wanted = round;
					job.spare_replicas.saturating_reduce(round);
					task.phase = TaskPhase::Waiting;
					Self::enqueue(
						&job.owner,
						task_ref.job,
						task_ref.task,
						task_ref.task.saturating_add(1),
					);
					Self::deposit_event(Event::RoundRestarted {
						job: task_ref.job,
						task: task_ref.task,
						replicas: round,
					});
					Self::dearest_verdict_weight(revealed)
				} else {
					Self::fail_task(task_ref, job, task, FailReason::NoMajority);
					Self::dearest_verdict_weight(revealed)
						.saturating_add(T::WeightInfo::cancel_task(0))
				}
			},
		}
	}

	/// End a round without a majority: pay each replica that revealed the base fee from the
	/// task's budget and take it out of the vote. Returns how many were paid.
	fn close_round(task_ref: TaskRef, job: &mut JobInfo<T>, task: &mut TaskInfo<T>) -> u32 {
		let fee = T::NoMajorityFee::get() * job.price;
		let mut paid_replicas = 0u32;
		for replica in task.replicas.iter_mut() {
			let ReplicaState::Revealed { result } = replica.state else { continue };
			let paid = Self::pay_from_escrow(job, &replica.provider, fee);
			task.spent.saturating_accrue(paid);
			Self::settle_replica(
				task_ref,
				&replica.provider,
				false,
				Outcome::Inconclusive { paid },
			);
			Self::deposit_event(Event::ReplicaPaid {
				job: task_ref.job,
				task: task_ref.task,
				provider: replica.provider.clone(),
				amount: paid,
			});
			replica.state = ReplicaState::Superseded { result };
			paid_replicas.saturating_inc();
		}
		paid_replicas
	}

	/// A majority revealed `result`: hold the verdict open to challenge for
	/// [`Config::ChallengePeriod`] blocks; the deadline handler makes it final then.
	fn provisional_verdict(task_ref: TaskRef, task: &mut TaskInfo<T>, result: H256, agreeing: u32) {
		let now = frame_system::Pallet::<T>::block_number();
		let until = now.saturating_add(T::ChallengePeriod::get());
		task.phase = TaskPhase::Provisional { result, until };
		Self::schedule_deadline(task_ref, until.saturating_add(One::one()));
		Self::deposit_event(Event::VerdictReached {
			job: task_ref.job,
			task: task_ref.task,
			result,
			agreeing,
			until,
		});
	}

	/// Make a provisional verdict final: pay, slash and record it. Returns the weight.
	pub(crate) fn finalize_verdict(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		task: &mut TaskInfo<T>,
	) -> Weight {
		let TaskPhase::Provisional { result, .. } = task.phase else {
			defensive!("only a provisional verdict becomes final");
			return Weight::zero();
		};
		Self::settle_verdict(task_ref, job, task, result)
	}

	/// Pay the majority, slash the dissent, record the result and refund the unspent share;
	/// returns the weight of it all ([`Self::verdict_weight`]).
	pub(crate) fn settle_verdict(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		task: &mut TaskInfo<T>,
		result: H256,
	) -> Weight {
		let was_finished = job.state == JobState::Finished;
		let revealed = |r: &&crate::Replica<T>| matches!(r.state, ReplicaState::Revealed { .. });
		let majority: Vec<T::AccountId> = task
			.live()
			.filter(|r| r.state == ReplicaState::Revealed { result })
			.map(|r| r.provider.clone())
			.collect();
		let dissent: Vec<T::AccountId> = task
			.live()
			.filter(revealed)
			.filter(|r| r.state != ReplicaState::Revealed { result })
			.map(|r| r.provider.clone())
			.collect();
		for who in majority.iter() {
			Self::pay_replica(task_ref, job, who);
		}
		// A dissenter's slash is burned: rewarding the majority with it would make colluding
		// against honest replicas pay.
		for who in dissent.iter() {
			Self::slash_replica(task_ref, who, Outcome::Disagreed);
		}
		let (paid, slashed) = (majority.len() as u32, dissent.len() as u32);
		Self::record_verified(task_ref, job, task, result, paid);
		let ended = !was_finished && job.state == JobState::Finished;
		Self::verdict_weight(paid, slashed, ended)
	}

	/// Pay `who`, a replica that revealed the task's result, the job's price from escrow.
	pub(crate) fn pay_replica(task_ref: TaskRef, job: &mut JobInfo<T>, who: &T::AccountId) {
		let paid = Self::pay_from_escrow(job, who, job.price);
		Self::settle_replica(task_ref, who, false, Outcome::Agreed { paid });
		Self::deposit_event(Event::ReplicaPaid {
			job: task_ref.job,
			task: task_ref.task,
			provider: who.clone(),
			amount: paid,
		});
	}

	/// Settle `who`, a replica that revealed another result than the task's, with `outcome`.
	pub(crate) fn slash_replica(
		task_ref: TaskRef,
		who: &T::AccountId,
		outcome: Outcome<T::AccountId, BalanceOf<T>>,
	) {
		let (amount, reputation) = Self::settle_replica(task_ref, who, false, outcome);
		Self::deposit_event(Event::ReplicaSlashed {
			job: task_ref.job,
			task: task_ref.task,
			provider: who.clone(),
			amount,
			reputation,
		});
	}

	/// Make `result` the task's final result, with `agreeing` replicas paid; refund the rest of
	/// its budget.
	pub(crate) fn record_verified(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		task: &mut TaskInfo<T>,
		result: H256,
		agreeing: u32,
	) {
		let paid = job.price.saturating_mul(agreeing.into());
		Self::refund_escrow(job, Self::task_budget(job, task).saturating_sub(paid));
		task.phase = TaskPhase::Verified { result };
		job.verified.saturating_inc();
		Self::deposit_event(Event::TaskVerified {
			job: task_ref.job,
			task: task_ref.task,
			result,
			agreeing,
		});
		Self::finish_job_if_done(task_ref.job, job);
	}

	/// End a task without a result: release its replicas (those on trial of an escalation
	/// too, returning the challenger's bond), refund its budget.
	pub(crate) fn fail_task(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		task: &mut TaskInfo<T>,
		reason: FailReason,
	) {
		Self::abandon_escalation(task_ref, task);
		Self::release_and_refund(task_ref, job, task);
		Self::record_failed(task_ref, job, task, reason);
	}

	/// Record that a task ended without a result, its replicas already settled and its budget
	/// refunded.
	pub(crate) fn record_failed(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		task: &mut TaskInfo<T>,
		reason: FailReason,
	) {
		task.phase = TaskPhase::Failed { reason };
		job.failed.saturating_inc();
		Self::deposit_event(Event::TaskFailed { job: task_ref.job, task: task_ref.task, reason });
		Self::finish_job_if_done(task_ref.job, job);
	}

	/// Release a task's live replicas without reward or penalty and refund its budget to the
	/// job's owner; returns the refund. For tasks that end without a verdict.
	pub(crate) fn release_and_refund(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		task: &TaskInfo<T>,
	) -> BalanceOf<T> {
		for replica in task.live() {
			Self::settle_replica(
				task_ref,
				&replica.provider,
				replica.state == ReplicaState::Assigned,
				Outcome::Released,
			);
		}
		Self::refund_escrow(job, Self::task_budget(job, task))
	}
}
