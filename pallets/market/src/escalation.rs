//! Escalation: a verdict the chain cannot referee itself is decided by a fresh committee.
//!
//! Docker tasks, and wasm tasks beyond the referee's limits, cannot be run inside the runtime.
//! While such a verdict is open to challenge, a replica of the task or the job's owner may
//! escalate it with [`challenge_escalate`](crate::Pallet::challenge_escalate). The task's
//! replicas go on trial ([`ReplicaState::OnTrial`]): they stop voting but stay unsettled. A
//! committee of 2R + 1 providers, drawn like any replicas but excluding everyone who already
//! ran the task, runs it with its own commit and reveal, and only its reveals count. Its
//! strict majority (R + 1) decides:
//!
//! - the committee's majority is paid the job's price from the challenger's bond, its
//!   dissenters slashed as any out-voted replica;
//! - the verdict confirmed: the replicas on trial are settled as the verdict said (the
//!   majority paid from escrow, dissenters slashed), `ChallengeBond` of the bond is burned
//!   and the rest returned;
//! - the verdict overturned: the replicas on trial that revealed the committee's result are
//!   paid from escrow, the others lose [`Config::RefereeSlash`] of their stake (part of it to
//!   the challenger) and all reputation, and the rest of the bond is returned;
//! - no majority in the committee: the task fails and is refunded, the replicas on trial are
//!   released, the committee's revealers are paid the base fee from the bond and the rest of
//!   the bond is returned.
//!
//! The committee's verdict is final: a task is escalated once. Colluders would need a strict
//! majority of a committee drawn after the verdict, from providers who never ran the task.

use crate::{
	committee_size, reputation::Outcome, BalanceOf, Config, Error, Escalation, Escalations, Event,
	JobInfo, JobPrograms, Jobs, Pallet, ReplicaState, TaskInfo, Tasks, WeightInfo,
};
use alloc::vec::Vec;
use conun_primitives::{FailReason, Program, TaskPhase, TaskRef};
use polkadot_sdk::{
	frame_support::{dispatch::DispatchResultWithPostInfo, pallet_prelude::*, weights::Weight},
	frame_system,
	sp_core::H256,
	sp_runtime::traits::Saturating,
};

impl<T: Config> Pallet<T> {
	/// Whether the chain can referee a task of this job itself: a wasm program within the
	/// referee's program size, fuel and memory, with an input within its input size.
	pub(crate) fn refereeable(job: &JobInfo<T>, program: &Program, input_size: u64) -> bool {
		match program {
			Program::Wasm { size, fuel, .. } => {
				*size <= u64::from(T::MaxRefereeProgram::get())
					&& input_size <= u64::from(T::MaxRefereeInput::get())
					&& *fuel <= T::MaxRefereeFuel::get()
					&& job.resources.memory_mib <= T::MaxRefereeMemoryMib::get()
			},
			Program::Docker { .. } => false,
		}
	}

	/// What an escalation of a task of `job` holds from its challenger.
	pub(crate) fn escalation_bond(job: &JobInfo<T>) -> BalanceOf<T> {
		T::ChallengeBond::get()
			.saturating_add(job.price.saturating_mul(committee_size(job.replicas).into()))
	}

	pub(crate) fn do_challenge_escalate(
		who: T::AccountId,
		task_ref: TaskRef,
	) -> DispatchResultWithPostInfo {
		let job = Jobs::<T>::get(task_ref.job).ok_or(Error::<T>::JobNotFound)?;
		let mut task =
			Tasks::<T>::get(task_ref.job, task_ref.task).ok_or(Error::<T>::TaskNotFound)?;
		let TaskPhase::Provisional { result: verdict, until } = task.phase else {
			return Err(Error::<T>::NotProvisional.into());
		};
		ensure!(
			frame_system::Pallet::<T>::block_number() <= until,
			Error::<T>::ChallengePeriodOver
		);
		ensure!(
			job.owner == who || task.replica_of(&who).is_some(),
			Error::<T>::NotEntitledToChallenge
		);
		let program = JobPrograms::<T>::get(task_ref.job).ok_or(Error::<T>::JobNotFound)?.program;
		ensure!(!Self::refereeable(&job, &program, task.input.size), Error::<T>::UseTheReferee);
		// ReplicaSlots makes room for one committee after any other replicas a task can have.
		let committee = committee_size(job.replicas);
		let bond = Self::escalation_bond(&job);
		Self::hold_bond(&who, bond)?;

		let mut on_trial = 0u32;
		for replica in task.replicas.iter_mut() {
			if let ReplicaState::Revealed { result } = replica.state {
				replica.state = ReplicaState::OnTrial { result };
				on_trial.saturating_inc();
			}
		}
		task.wanted = committee;
		task.phase = TaskPhase::Waiting;
		task.stalled = None;
		task.stalled_since = None;
		Tasks::<T>::insert(task_ref.job, task_ref.task, task);
		Escalations::<T>::insert(task_ref, Escalation { challenger: who.clone(), verdict, bond });
		Self::enqueue(&job.owner, task_ref.job, task_ref.task, task_ref.task.saturating_add(1));
		Self::deposit_event(Event::Escalated {
			job: task_ref.job,
			task: task_ref.task,
			challenger: who,
			bond,
			committee,
		});
		Ok(Some(T::WeightInfo::challenge_escalate(on_trial)).into())
	}

	/// The committee of an escalated task has revealed (or its reveal deadline passed):
	/// decide the task. Returns the weight of what it did.
	pub(crate) fn conclude_escalation(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		task: &mut TaskInfo<T>,
		escalation: Escalation<T>,
	) -> Weight {
		Escalations::<T>::remove(task_ref);
		let Escalation { challenger, verdict, mut bond } = escalation;
		let committee = committee_size(job.replicas);
		let votes = task.votes();
		let majority = committee / 2 + 1;
		let decided = votes.iter().find(|(_, count)| *count >= majority).map(|(r, _)| *r);
		let settled = task.unsettled().count() as u32;
		let Some(result) = decided else {
			// No majority: nobody can tell who was right. The committee's revealers are paid
			// the base fee from the bond, the replicas on trial released, the task refunded.
			let fee = T::NoMajorityFee::get() * job.price;
			for replica in task.replicas.iter_mut() {
				let ReplicaState::Revealed { result } = replica.state else { continue };
				let paid = Self::pay_from_bond(&challenger, &replica.provider, fee.min(bond));
				bond.saturating_reduce(paid);
				Self::settle_replica(
					task_ref,
					&replica.provider,
					false,
					Outcome::Inconclusive { paid },
				);
				Self::paid_event(task_ref, &replica.provider, paid);
				replica.state = ReplicaState::Superseded { result };
			}
			for (who, _) in Self::on_trial(task) {
				Self::settle_replica(task_ref, &who, false, Outcome::Released);
			}
			Self::mark_settled(task);
			Self::release_bond(&challenger, bond);
			Self::fail_task(task_ref, job, task, FailReason::NoMajority);
			return Self::dearest_verdict_weight(settled);
		};

		// The committee: its majority paid from the bond, its dissenters out-voted.
		for who in Self::revealers(task, |r| r == result) {
			let paid = Self::pay_from_bond(&challenger, &who, job.price.min(bond));
			bond.saturating_reduce(paid);
			Self::settle_replica(task_ref, &who, false, Outcome::Agreed { paid });
			Self::paid_event(task_ref, &who, paid);
		}
		for who in Self::revealers(task, |r| r != result) {
			Self::slash_replica(task_ref, &who, Outcome::Disagreed);
		}
		// The replicas on trial, by the committee's result.
		let overturned = result != verdict;
		let mut right = 0u32;
		for (who, revealed) in Self::on_trial(task) {
			if revealed == result {
				Self::pay_replica(task_ref, job, &who);
				right.saturating_inc();
			} else if overturned {
				Self::slash_replica(task_ref, &who, Outcome::Overruled { challenger: &challenger });
			} else {
				Self::slash_replica(task_ref, &who, Outcome::Disagreed);
			}
		}
		Self::mark_settled(task);
		if overturned {
			Self::release_bond(&challenger, bond);
			Self::deposit_event(Event::ChallengeUpheld {
				job: task_ref.job,
				task: task_ref.task,
				challenger,
				result,
				overturned: verdict,
			});
		} else {
			let burned = Self::burn_bond(&challenger, bond.min(T::ChallengeBond::get()));
			Self::release_bond(&challenger, bond.saturating_sub(burned));
			Self::deposit_event(Event::ChallengeRejected {
				job: task_ref.job,
				task: task_ref.task,
				challenger,
				bond: burned,
			});
		}
		Self::record_verified(task_ref, job, task, result, right);
		Self::dearest_verdict_weight(settled)
	}

	/// An escalated task ends without its committee's verdict (its committee could not be
	/// formed, or its job was cancelled first): release the replicas on trial and return the
	/// challenger's bond.
	pub(crate) fn abandon_escalation(task_ref: TaskRef, task: &mut TaskInfo<T>) {
		let Some(Escalation { challenger, bond, .. }) = Escalations::<T>::take(task_ref) else {
			return;
		};
		for (who, _) in Self::on_trial(task) {
			Self::settle_replica(task_ref, &who, false, Outcome::Released);
		}
		Self::mark_settled(task);
		Self::release_bond(&challenger, bond);
	}

	/// No committee could be drawn for an escalated task (or too few of it are left) within
	/// [`Config::UnassignableTimeout`]: the verdict stands, final, as if it had not been
	/// challenged; the committee members drawn are released and the challenger's bond is
	/// returned (nobody showed the verdict wrong, nor the challenge frivolous).
	pub(crate) fn lapse_escalation(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		task: &mut TaskInfo<T>,
		escalation: Escalation<T>,
	) {
		Escalations::<T>::remove(task_ref);
		let Escalation { challenger, verdict, bond } = escalation;
		for replica in task.live() {
			let running = replica.state == ReplicaState::Assigned;
			Self::settle_replica(task_ref, &replica.provider, running, Outcome::Released);
		}
		// The committee members released no longer count; the replicas on trial vote again.
		for replica in task.replicas.iter_mut() {
			match replica.state {
				ReplicaState::OnTrial { result } => {
					replica.state = ReplicaState::Revealed { result }
				},
				ReplicaState::Assigned | ReplicaState::Committed { .. } => {
					replica.state = ReplicaState::Missed
				},
				_ => {},
			}
		}
		Self::release_bond(&challenger, bond);
		Self::deposit_event(Event::EscalationLapsed {
			job: task_ref.job,
			task: task_ref.task,
			challenger,
		});
		Self::settle_verdict(task_ref, job, task, verdict);
	}

	/// The live replicas that revealed a result `keep` accepts.
	fn revealers(task: &TaskInfo<T>, keep: impl Fn(H256) -> bool) -> Vec<T::AccountId> {
		task.live()
			.filter_map(|r| match r.state {
				ReplicaState::Revealed { result } if keep(result) => Some(r.provider.clone()),
				_ => None,
			})
			.collect()
	}

	/// The replicas on trial and what each revealed.
	fn on_trial(task: &TaskInfo<T>) -> Vec<(T::AccountId, H256)> {
		task.replicas
			.iter()
			.filter_map(|r| match r.state {
				ReplicaState::OnTrial { result } => Some((r.provider.clone(), result)),
				_ => None,
			})
			.collect()
	}

	/// The replicas on trial are settled: they no longer await anything.
	fn mark_settled(task: &mut TaskInfo<T>) {
		for replica in task.replicas.iter_mut() {
			if let ReplicaState::OnTrial { result } = replica.state {
				replica.state = ReplicaState::Superseded { result };
			}
		}
	}

	fn paid_event(task_ref: TaskRef, who: &T::AccountId, amount: BalanceOf<T>) {
		Self::deposit_event(Event::ReplicaPaid {
			job: task_ref.job,
			task: task_ref.task,
			provider: who.clone(),
			amount,
		});
	}
}
