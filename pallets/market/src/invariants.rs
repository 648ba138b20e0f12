//! The invariants the market keeps, checked by `try_state` after every test and by try-runtime.
//!
//! - Held escrow: each account's `JobEscrow` hold equals the escrow of its jobs, and each
//!   job's escrow is exactly `price × (R + extras) − base fees paid` for each task still open
//!   plus `price × spare replicas`.
//! - Held stake: each provider's `ProviderStake` hold equals its recorded stake.
//! - Assignments: every unsettled replica (live, or on trial in an escalation) is in
//!   `Assignments` and counted by its provider; no replica of an ended task is unsettled; a
//!   task's phase agrees with its replicas.
//! - Escalations: each is of an open task with replicas on trial, and each account's
//!   `ChallengeBond` hold equals the bonds of its escalations (a `challenge_wasm` bond never
//!   outlives its call).
//! - Queues: the ring of requesters, their lanes and the parked entries are dense; the ring
//!   holds each requester with a lane once; every task waiting for replicas is queued.
//! - Deposits and pruning: each account's `StorageDeposit` hold equals the deposits of its
//!   stored jobs; every ended job still stored waits to be pruned exactly once; a job being
//!   pruned has lost only its first tasks.
//! - Pools: each runtime's pool is dense and holds exactly the providers available for it;
//!   its stake tree holds each member's capped stake, its nodes the sums of their ranges.

use crate::{
	assignment::{Fifo, Lane, Parking, Ring},
	pruning::Retirement,
	stake_tree, Assignments, BalanceOf, Config, Escalations, HoldReason, JobRecords, Jobs,
	KeptStandings, LaneBounds, Lanes, Pallet, Parked, Pool, PoolIndex, PoolLen, PoolTree,
	ProviderCount, Providers, Pruning, Queue, QueueEntry, ReplicaState, Retired, RuntimeProviders,
	Tasks,
};
use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use conun_primitives::{JobState, RuntimeKind, TaskPhase};
use core::marker::PhantomData;
use polkadot_sdk::{
	frame_support::{
		ensure,
		traits::{fungible::InspectHold, GetStorageVersion},
	},
	sp_runtime::{
		traits::{Saturating, Zero},
		TryRuntimeError,
	},
};

impl<T: Config> Pallet<T> {
	/// Check every invariant of the market.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_storage_version()?;
		Self::check_jobs_and_escrow()?;
		Self::check_escalations()?;
		Self::check_providers_and_stake()?;
		Self::check_pools()?;
		Self::check_queues()?;
		Self::check_retirement()?;
		Ok(())
	}

	/// The stored layout is the one this code reads: a runtime upgrade that changed it ran its
	/// migration.
	fn check_storage_version() -> Result<(), TryRuntimeError> {
		ensure!(
			Self::on_chain_storage_version() == crate::STORAGE_VERSION,
			"the market's storage version is not the code's: a migration is missing"
		);
		Ok(())
	}

	/// Every ended job still stored waits to be pruned exactly once (in `Retired`, or under
	/// the cursor), nothing else does, and a pruned job leaves only its record.
	fn check_retirement() -> Result<(), TryRuntimeError> {
		let retirement = Retirement::<T>(PhantomData);
		let waiting = Self::dense(
			&retirement,
			Retired::<T>::iter().count(),
			"the retired jobs are dense between their bounds",
		)?;
		let mut retired = BTreeMap::new();
		for (_, job) in waiting {
			ensure!(retired.insert(job, ()).is_none(), "a job is retired once");
		}
		if let Some(cursor) = Pruning::<T>::get() {
			ensure!(
				retired.insert(cursor.job, ()).is_none(),
				"the job being pruned is not waiting too"
			);
		}
		for (id, job) in Jobs::<T>::iter() {
			let waits = retired.remove(&id).is_some();
			ensure!(
				waits == (job.state == JobState::Finished),
				"a stored job waits to be pruned exactly when it ended"
			);
			ensure!(
				!JobRecords::<T>::contains_key(id),
				"a job is either stored or pruned to its record"
			);
		}
		ensure!(retired.is_empty(), "only stored jobs wait to be pruned");
		Ok(())
	}

	/// The ring of requesters, each lane and the parked entries are dense between their
	/// bounds; every requester with a lane is in the ring exactly once, and nobody else is;
	/// every task waiting for replicas is in a lane or parked: no task is left behind.
	fn check_queues() -> Result<(), TryRuntimeError> {
		let mut covered: BTreeMap<conun_primitives::JobId, Vec<(u32, u32)>> = BTreeMap::new();
		let mut cover =
			|entry: QueueEntry| covered.entry(entry.job).or_default().push((entry.next, entry.end));
		let ring = Ring::<T>(PhantomData);
		let ringed =
			Self::dense(&ring, Queue::<T>::iter().count(), "the ring is dense between its bounds")?;
		let mut in_ring = BTreeMap::new();
		for who in ringed {
			ensure!(in_ring.insert(who, ()).is_none(), "a requester is in the ring at most once");
		}
		let lanes: Vec<T::AccountId> = LaneBounds::<T>::iter_keys().collect();
		ensure!(lanes.len() == in_ring.len(), "the ring holds exactly the requesters with a lane");
		for who in lanes {
			ensure!(in_ring.contains_key(&who), "a requester with a lane is in the ring");
			let lane = Lane::<T>(&who);
			ensure!(!lane.is_empty(), "a lane's bounds are stored only while it holds an entry");
			Self::dense(
				&lane,
				Lanes::<T>::iter_prefix(&who).count(),
				"a lane is dense between its bounds",
			)?
			.into_iter()
			.for_each(&mut cover);
		}
		ensure!(
			Lanes::<T>::iter_keys().all(|(who, _)| LaneBounds::<T>::contains_key(&who)),
			"every lane entry is within a lane's bounds"
		);
		let parking = Parking::<T>(PhantomData);
		Self::dense(
			&parking,
			Parked::<T>::iter().count(),
			"the parked entries are dense between their bounds",
		)?
		.into_iter()
		.for_each(&mut cover);
		for (job, index, task) in Tasks::<T>::iter() {
			if task.phase == TaskPhase::Waiting {
				let queued = covered.get(&job).is_some_and(|ranges| {
					ranges.iter().any(|(next, end)| (*next..*end).contains(&index))
				});
				ensure!(queued, "a task waiting for replicas is queued or parked");
			}
		}
		Ok(())
	}

	/// The items of `fifo`, which holds `stored` items in all: exactly those between its
	/// bounds, with none missing. `broken` names the invariant when it does not hold.
	fn dense<F: Fifo>(
		fifo: &F,
		stored: usize,
		broken: &'static str,
	) -> Result<Vec<F::Item>, TryRuntimeError> {
		let (head, tail) = fifo.bounds();
		ensure!(head <= tail && stored as u64 == tail - head, broken);
		(head..tail).map(|at| fifo.get(at).ok_or(broken.into())).collect()
	}

	fn check_jobs_and_escrow() -> Result<(), TryRuntimeError> {
		let mut escrow_by_owner: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		// Unsettled replicas found in tasks, per provider: (running, unsettled).
		let mut replicas_by_provider: BTreeMap<T::AccountId, (u32, u32)> = BTreeMap::new();
		let mut deposit_by_owner: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let pruning = Pruning::<T>::get();
		for (id, job) in Jobs::<T>::iter() {
			let mut slots: u32 = job.spare_replicas;
			let mut spent = BalanceOf::<T>::default();
			let (mut verified, mut failed, mut cancelled) = (0u32, 0u32, 0u32);
			let mut tasks = 0u32;
			for (index, task) in Tasks::<T>::iter_prefix(id) {
				tasks += 1;
				ensure!(index < job.tasks, "a task index beyond the job's tasks");
				match task.phase {
					TaskPhase::Verified { .. } => verified += 1,
					TaskPhase::Failed { .. } => failed += 1,
					TaskPhase::Cancelled => cancelled += 1,
					_ => {
						slots = slots.saturating_add(job.replicas + task.extra);
						spent.saturating_accrue(task.spent);
					},
				}
				let open = !task.phase.is_final();
				for replica in task.unsettled() {
					let task_ref = conun_primitives::TaskRef { job: id, task: index };
					let listed = Assignments::<T>::contains_key(&replica.provider, task_ref);
					ensure!(
						listed == open,
						"a replica is unsettled exactly while its task is open"
					);
					if open {
						let entry =
							replicas_by_provider.entry(replica.provider.clone()).or_default();
						entry.1 += 1;
						if replica.state == ReplicaState::Assigned {
							entry.0 += 1;
						}
					}
				}
				if let TaskPhase::Revealing { .. } = task.phase {
					ensure!(
						task.live().all(|r| r.state != ReplicaState::Assigned),
						"a revealing task has no replica still running"
					);
				}
				ensure!(
					task.live().count() as u32 <= task.wanted || !open,
					"more live replicas than wanted"
				);
			}
			// The job being pruned has lost its first tasks already.
			let pruned = pruning.filter(|cursor| cursor.job == id).map_or(0, |cursor| cursor.next);
			ensure!(
				tasks == job.tasks.saturating_sub(pruned),
				"every task of a job is stored until it is pruned"
			);
			ensure!(
				pruned > 0
					|| (verified, failed, cancelled) == (job.verified, job.failed, job.cancelled),
				"a job's counters match its tasks"
			);
			deposit_by_owner
				.entry(job.owner.clone())
				.or_default()
				.saturating_accrue(job.deposit);
			let expected = if job.state == JobState::Finished {
				BalanceOf::<T>::default()
			} else {
				job.price.saturating_mul(slots.into()).saturating_sub(spent)
			};
			ensure!(
				job.escrow == expected,
				"a job's escrow is the budget of its open tasks and spare replicas"
			);
			ensure!(
				(job.state == JobState::Finished) == (job.finished() == job.tasks),
				"a job is finished exactly when all its tasks have ended"
			);
			escrow_by_owner
				.entry(job.owner.clone())
				.or_default()
				.saturating_accrue(job.escrow);
		}
		for (owner, escrow) in escrow_by_owner.iter() {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::JobEscrow.into(), owner) == *escrow,
				"held escrow equals the escrow of the owner's jobs"
			);
		}
		// An owner whose jobs are all pruned holds nothing for them any more.
		for (_, record) in JobRecords::<T>::iter() {
			if !deposit_by_owner.contains_key(&record.owner) {
				ensure!(
					T::Currency::balance_on_hold(&HoldReason::StorageDeposit.into(), &record.owner)
						.is_zero() && T::Currency::balance_on_hold(
						&HoldReason::JobEscrow.into(),
						&record.owner
					)
					.is_zero(),
					"an owner whose jobs are all pruned holds no deposit or escrow"
				);
			}
		}
		for (owner, deposit) in deposit_by_owner.iter() {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::StorageDeposit.into(), owner) == *deposit,
				"a held storage deposit equals the deposits of the owner's stored jobs"
			);
		}
		for (who, task_ref, ()) in Assignments::<T>::iter() {
			let task = Tasks::<T>::get(task_ref.job, task_ref.task)
				.ok_or("an assignment to a missing task")?;
			ensure!(
				task.unsettled().any(|r| r.provider == who),
				"an assignment without an unsettled replica"
			);
		}
		for (who, provider) in Providers::<T>::iter() {
			let (running, unsettled) = replicas_by_provider.remove(&who).unwrap_or_default();
			ensure!(provider.running == running, "a provider's running count matches its replicas");
			ensure!(
				provider.unsettled == unsettled,
				"a provider's unsettled count matches its replicas"
			);
		}
		ensure!(
			replicas_by_provider.is_empty(),
			"unsettled replicas belong to registered providers"
		);
		Ok(())
	}

	fn check_escalations() -> Result<(), TryRuntimeError> {
		let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (task_ref, escalation) in Escalations::<T>::iter() {
			let task = Tasks::<T>::get(task_ref.job, task_ref.task)
				.ok_or("an escalation of a missing task")?;
			ensure!(!task.phase.is_final(), "an escalated task is open");
			ensure!(
				task.replicas.iter().any(|r| matches!(r.state, ReplicaState::OnTrial { .. })),
				"an escalated task has replicas on trial"
			);
			bonds
				.entry(escalation.challenger)
				.or_default()
				.saturating_accrue(escalation.bond);
		}
		for (task_ref, task) in Tasks::<T>::iter()
			.map(|(job, index, task)| (conun_primitives::TaskRef { job, task: index }, task))
		{
			let on_trial =
				task.replicas.iter().any(|r| matches!(r.state, ReplicaState::OnTrial { .. }));
			ensure!(
				!on_trial || Escalations::<T>::contains_key(task_ref),
				"replicas on trial belong to an escalation"
			);
		}
		for (who, bond) in bonds.iter() {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ChallengeBond.into(), who) == *bond,
				"held challenge bonds equal the bonds of open escalations"
			);
		}
		Ok(())
	}

	fn check_providers_and_stake() -> Result<(), TryRuntimeError> {
		let mut count = 0u32;
		let mut per_runtime = [0u32; 2];
		for (who, provider) in Providers::<T>::iter() {
			count += 1;
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ProviderStake.into(), &who)
					== provider.stake,
				"held stake equals the provider's stake"
			);
			ensure!(
				!KeptStandings::<T>::contains_key(&who),
				"a registered provider's standing lives in its record alone"
			);
			for kind in provider.capabilities.runtimes.kinds() {
				per_runtime[kind as usize] += 1;
			}
		}
		ensure!(count == ProviderCount::<T>::get(), "the provider count matches");
		for kind in RuntimeKind::ALL {
			ensure!(
				per_runtime[kind as usize] == RuntimeProviders::<T>::get(kind),
				"the per-runtime provider counts match"
			);
		}
		Ok(())
	}

	fn check_stake_tree(kind: RuntimeKind, len: u32) -> Result<(), TryRuntimeError> {
		for index in 0..len {
			let who = Pool::<T>::get(kind, index).ok_or("the pool is dense")?;
			let stake = Providers::<T>::get(&who).ok_or("pooled providers are registered")?.stake;
			ensure!(
				Self::pool_weight(kind, index) == Self::draw_weight(stake),
				"a pool member's draw weight is its capped stake"
			);
		}
		let depth = Self::tree_depth();
		let leaves = Self::first_node(depth.saturating_sub(1));
		let end = Self::first_node(depth);
		let fanout = u64::from(stake_tree::FANOUT);
		for (node, sums) in PoolTree::<T>::iter_prefix(kind) {
			let node = u64::from(node);
			ensure!(node < end, "stake tree nodes are within its depth");
			ensure!(stake_tree::node_sum(&sums) > 0, "a stake tree node of zeros is not stored");
			if node > 0 {
				let (parent, slot) = stake_tree::parent_node(node);
				ensure!(
					PoolTree::<T>::get(kind, parent as u32)[slot] == stake_tree::node_sum(&sums),
					"a stake tree node's slots add up to its parent's slot"
				);
			}
			for (slot, sum) in sums.iter().enumerate() {
				if node >= leaves {
					let index = (node - leaves) * fanout + slot as u64;
					ensure!(*sum == 0 || index < u64::from(len), "no draw weight beyond the pool");
				} else {
					let child = stake_tree::child_node(node, slot) as u32;
					ensure!(
						stake_tree::node_sum(&PoolTree::<T>::get(kind, child)) == *sum,
						"a stake tree slot sums its child"
					);
				}
			}
		}
		Ok(())
	}

	fn check_pools() -> Result<(), TryRuntimeError> {
		for kind in RuntimeKind::ALL {
			let len = PoolLen::<T>::get(kind);
			for index in 0..len {
				let who = Pool::<T>::get(kind, index).ok_or("the pool is dense")?;
				ensure!(PoolIndex::<T>::get(kind, &who) == Some(index), "the pool index matches");
			}
			ensure!(Pool::<T>::get(kind, len).is_none(), "nothing beyond the pool's length");
			let mut available = 0u32;
			for (who, provider) in Providers::<T>::iter() {
				let wanted =
					provider.capabilities.runtimes.contains(kind) && provider.is_available();
				ensure!(
					wanted == PoolIndex::<T>::contains_key(kind, &who),
					"the pool holds exactly the available providers"
				);
				available += wanted as u32;
			}
			ensure!(available == len, "the pool's length matches");
			Self::check_stake_tree(kind, len)?;
		}
		Ok(())
	}
}
