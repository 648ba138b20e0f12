//! The chain as referee: a challenged wasm verdict is decided by running the task inside the
//! runtime.
//!
//! A verdict is provisional for [`Config::ChallengePeriod`] blocks (`verification.rs`). During
//! that time a replica of the task or the job's owner may call
//! [`challenge_wasm`](crate::Pallet::challenge_wasm) with the program's and the input's bytes.
//! The runtime checks them against the hashes on chain and runs the task in `conun-sandbox`,
//! the same wasmi, host interface, float routines and limits every worker runs, so an honest
//! worker's result hash is the chain's. No number of colluding replicas can out-vote that run.
//!
//! The referee's cost is bounded: the fuel it spends by [`Config::MaxRefereeFuel`] (a task
//! that needs more, whatever its job's limit, is too large to referee), its memory by
//! [`Config::MaxRefereeMemoryMib`], the bytes by [`Config::MaxRefereeProgram`] and
//! [`Config::MaxRefereeInput`]. Larger tasks, and docker tasks, are not refereed here.

use crate::{
	reputation::Outcome, Config, Error, Event, JobInfo, JobPrograms, Jobs, Pallet, ReplicaState,
	TaskInfo, Tasks, WeightInfo,
};
use alloc::vec::Vec;
use conun_primitives::{content_hash, FailReason, Program, TaskPhase, TaskRef, TaskStatus};
use conun_sandbox::{wasm_limits, WasmExecutor};
use polkadot_sdk::{
	frame_support::{
		dispatch::{DispatchResultWithPostInfo, Pays, PostDispatchInfo},
		pallet_prelude::*,
	},
	frame_system,
	sp_core::H256,
	sp_runtime::traits::Saturating,
};

/// Fuel is benchmarked in units of a million.
pub(crate) const FUEL_UNIT: u64 = 1_000_000;

impl<T: Config> Pallet<T> {
	/// The weight a challenge is charged up front: the referee run with the fuel the
	/// challenger declared (at most what the chain referees), plus settling the task whichever
	/// way it goes.
	pub(crate) fn worst_challenge_weight(program: u32, input: u32, fuel: u64) -> Weight {
		let fuel = fuel.min(T::MaxRefereeFuel::get()).div_ceil(FUEL_UNIT) as u32;
		T::WeightInfo::challenge_wasm(program.saturating_add(input), fuel)
			.saturating_add(Self::worst_verdict_weight())
			.saturating_add(Self::worst_pool_edits_weight(Self::most_settled()))
	}

	pub(crate) fn do_challenge_wasm(
		who: T::AccountId,
		task_ref: TaskRef,
		program: BoundedVec<u8, T::MaxRefereeProgram>,
		input: BoundedVec<u8, T::MaxRefereeInput>,
		fuel: u64,
	) -> DispatchResultWithPostInfo {
		let mut job = Jobs::<T>::get(task_ref.job).ok_or(Error::<T>::JobNotFound)?;
		let mut task =
			Tasks::<T>::get(task_ref.job, task_ref.task).ok_or(Error::<T>::TaskNotFound)?;
		let TaskPhase::Provisional { result: verdict, until } = task.phase else {
			return Err(Error::<T>::NotProvisional.into());
		};
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= until, Error::<T>::ChallengePeriodOver);
		ensure!(
			job.owner == who || task.replicas.iter().any(|r| r.provider == who),
			Error::<T>::NotEntitledToChallenge
		);
		let job_program =
			JobPrograms::<T>::get(task_ref.job).ok_or(Error::<T>::JobNotFound)?.program;
		let Program::Wasm { hash, entry_point, .. } = &job_program else {
			return Err(Error::<T>::NotRefereeable.into());
		};
		let mut limits =
			wasm_limits(&job_program, &job.resources).ok_or(Error::<T>::NotRefereeable)?;
		ensure!(
			job.resources.memory_mib <= T::MaxRefereeMemoryMib::get(),
			Error::<T>::TooLargeToReferee
		);
		// A job's fuel is a limit, most tasks burn far less: the referee runs the task with the
		// fuel the challenger declared (a worker knows what its run burned), up to
		// MaxRefereeFuel; only a task that needs more than that is too large for it. The
		// weight charged up front follows the declaration, so many challenges fit a block.
		ensure!(fuel <= T::MaxRefereeFuel::get(), Error::<T>::TooLargeToReferee);
		let job_fuel = limits.fuel;
		limits.fuel = limits.fuel.min(fuel);
		ensure!(content_hash(&program) == *hash, Error::<T>::ProgramMismatch);
		ensure!(content_hash(&input) == task.input.hash, Error::<T>::InputMismatch);
		let run = WasmExecutor::new().run(&program, &entry_point[..], &input, limits);
		// Out of the declared fuel but not of the job's: the chain cannot tell what the task
		// gives. The call fails (the bond is not taken) and its weight is paid, as for any
		// failed call.
		if run.output.status == TaskStatus::OutOfFuel && job_fuel > limits.fuel {
			return Err(if limits.fuel >= T::MaxRefereeFuel::get() {
				Error::<T>::TooLargeToReferee
			} else {
				Error::<T>::NotEnoughFuel
			}
			.into());
		}
		// Every check passed and the run is done (it changes no storage): only now is anything
		// written, so a refused challenge leaves no trace but its fee.
		let bond = T::ChallengeBond::get();
		Self::hold_bond(&who, bond)?;
		let truth = run.output.result_hash();
		let fuel = run.fuel_used.div_ceil(FUEL_UNIT) as u32;
		let bytes = (program.len() as u32).saturating_add(input.len() as u32);
		let mut weight = T::WeightInfo::challenge_wasm(bytes, fuel);

		let pays = if truth == verdict {
			let burned = Self::burn_bond(&who, bond);
			Self::deposit_event(Event::ChallengeRejected {
				job: task_ref.job,
				task: task_ref.task,
				challenger: who,
				bond: burned,
			});
			// The chain confirmed it: nothing is left to challenge.
			weight.saturating_accrue(Self::finalize_verdict(task_ref, &mut job, &mut task));
			Pays::Yes
		} else {
			Self::release_bond(&who, bond);
			Self::deposit_event(Event::ChallengeUpheld {
				job: task_ref.job,
				task: task_ref.task,
				challenger: who.clone(),
				result: truth,
				overturned: verdict,
			});
			let revealed = Self::settle_overruled(task_ref, &mut job, &mut task, truth, &who);
			weight.saturating_accrue(Self::dearest_verdict_weight(revealed));
			// Whoever proved a verdict wrong does not pay for the proof.
			Pays::No
		};
		Tasks::<T>::insert(task_ref.job, task_ref.task, task);
		Jobs::<T>::insert(task_ref.job, job);
		Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: pays })
	}

	/// The referee computed `truth`: pay every replica that revealed it, slash every replica
	/// that revealed something else (part of it to `challenger`), and record the result; when
	/// no replica revealed it, nobody holds the right output and the task fails, refunded.
	/// Returns how many replicas revealed.
	fn settle_overruled(
		task_ref: TaskRef,
		job: &mut JobInfo<T>,
		task: &mut TaskInfo<T>,
		truth: H256,
		challenger: &T::AccountId,
	) -> u32 {
		let revealed: Vec<(T::AccountId, H256)> = task
			.live()
			.filter_map(|r| match r.state {
				ReplicaState::Revealed { result } => Some((r.provider.clone(), result)),
				_ => None,
			})
			.collect();
		let mut right = 0u32;
		for (who, result) in revealed.iter() {
			if *result == truth {
				Self::pay_replica(task_ref, job, who);
				right.saturating_inc();
			} else {
				Self::slash_replica(task_ref, who, Outcome::Overruled { challenger });
			}
		}
		if right == 0 {
			Self::refund_escrow(job, Self::task_budget(job, task));
			Self::record_failed(task_ref, job, task, FailReason::OverruledByReferee);
		} else {
			Self::record_verified(task_ref, job, task, truth, right);
		}
		revealed.len() as u32
	}
}
