//! Assignment: the queue of tasks waiting for replicas, and the random, weighted draw of the
//! providers that run them.
//!
//! Each block, `on_initialize` takes queue entries from the front and fills their tasks'
//! replicas until its weight budget is spent. Every replica is drawn with probability
//! proportional to `min(stake, StakeWeightCap)` over the runtime's whole pool: a pool no
//! larger than [`Config::MaxSamplingAttempts`] is looked at whole and the draw is among its
//! eligible members; a larger one is sampled through its stake tree (`stake_tree.rs`), up to
//! that many times, until an eligible member comes up. Splitting stake over many identities
//! buys no more draws. Reputation decides who is eligible, not how often it is drawn.
//! Randomness is BABE's VRF output of the block, so neither requesters nor providers choose
//! who runs what; the block author cannot choose it either, only withhold its block.
//!
//! The cost of one replica is bounded by the attempts (each a descent of the stake tree,
//! O(log MaxProviders) reads), whatever the number of providers or queued tasks: pools are
//! dense arrays read by index, the queue is read at its front.

use crate::{
	Assignments, BalanceOf, Config, Event, JobInfo, Jobs, Pallet, Pool, PoolLen, ProviderInfo,
	Providers, Queue, QueueEntry, QueueHead, QueueTail, Replica, ReplicaSlots, ReplicaState,
	RuntimeProviders, TaskInfo, Tasks, WeightInfo,
};
use alloc::vec::Vec;
use codec::Encode;
use conun_primitives::{JobId, JobState, Resources, TaskIndex, TaskPhase, TaskRef, Unassignable};
use polkadot_sdk::{
	frame_support::{
		defensive,
		traits::Randomness,
		weights::{Weight, WeightMeter},
	},
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_crypto_hashing::blake2_256,
	sp_runtime::traits::{Get, Saturating},
};

/// A stream of random numbers derived from one seed.
pub(crate) struct Draws {
	seed: [u8; 32],
	counter: u64,
}

impl Draws {
	pub(crate) fn new(seed: [u8; 32]) -> Self {
		Self { seed, counter: 0 }
	}

	fn next_u64(&mut self) -> u64 {
		let hash = blake2_256(&(self.seed, self.counter).encode());
		self.counter = self.counter.wrapping_add(1);
		let mut bytes = [0u8; 8];
		bytes.copy_from_slice(&hash[..8]);
		u64::from_le_bytes(bytes)
	}

	/// A number in `0..n` (`n` > 0).
	pub(crate) fn below_u128(&mut self, n: u128) -> u128 {
		let wide = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
		wide % n.max(1)
	}
}

/// The first requirement of a job a provider fails, in the order they are checked.
#[derive(Clone, Copy)]
pub(crate) enum Misfit {
	Resources,
	Price,
	Reputation,
}

/// Check `provider` against a job's requirements, cheapest first: `reputation` is only asked
/// for (a storage read) once resources and price fit. Returns the reputation when it fits.
pub(crate) fn fit<T: Config>(
	provider: &ProviderInfo<T>,
	reputation: impl FnOnce() -> u32,
	resources: &Resources,
	price: BalanceOf<T>,
	min_reputation: u32,
) -> Result<u32, Misfit> {
	if !provider.capabilities.covers(resources) {
		return Err(Misfit::Resources);
	}
	if provider.price_floor > price {
		return Err(Misfit::Price);
	}
	let reputation = reputation();
	if reputation < min_reputation {
		return Err(Misfit::Reputation);
	}
	Ok(reputation)
}

/// How many providers failed each requirement.
#[derive(Default)]
pub(crate) struct Rejections {
	pub resources: u32,
	pub price: u32,
	pub reputation: u32,
}

impl Rejections {
	pub(crate) fn count(&mut self, misfit: Misfit) {
		match misfit {
			Misfit::Resources => self.resources.saturating_inc(),
			Misfit::Price => self.price.saturating_inc(),
			Misfit::Reputation => self.reputation.saturating_inc(),
		}
	}

	/// The requirement failed most often (ties go to resources, then price), if any was.
	pub(crate) fn most_common(&self) -> Option<Unassignable> {
		let most = self.resources.max(self.price).max(self.reputation);
		if most == 0 {
			None
		} else if self.resources == most {
			Some(Unassignable::InsufficientResources)
		} else if self.price == most {
			Some(Unassignable::PriceTooLow)
		} else {
			Some(Unassignable::ReputationTooLow)
		}
	}
}

/// What became of one task at the front of the queue.
enum Step {
	/// Every replica it wants is assigned (or it wants none any more).
	Done,
	/// It still misses replicas; it goes to the back of the queue.
	Stuck,
}

impl<T: Config> Pallet<T> {
	/// Append tasks `next..end` of `job` to the queue.
	pub(crate) fn enqueue(job: JobId, next: TaskIndex, end: TaskIndex) {
		let tail = QueueTail::<T>::get();
		Queue::<T>::insert(tail, QueueEntry { job, next, end });
		QueueTail::<T>::put(tail.saturating_add(1));
	}

	/// Put tasks `next..end` of `job` at the front of the queue (a cancellation, which should
	/// not wait behind other jobs), or at the back when the front cannot move.
	pub(crate) fn enqueue_front(job: JobId, next: TaskIndex, end: TaskIndex) {
		match QueueHead::<T>::get().checked_sub(1) {
			Some(head) => {
				Queue::<T>::insert(head, QueueEntry { job, next, end });
				QueueHead::<T>::put(head);
			},
			None => Self::enqueue(job, next, end),
		}
	}

	/// The randomness of this block's assignments.
	pub(crate) fn block_seed() -> [u8; 32] {
		let (random, _) = T::Randomness::random(b"conun/market/assignment");
		let material = match random {
			Some(random) => random.encode(),
			None => frame_system::Pallet::<T>::parent_hash().encode(),
		};
		blake2_256(&material)
	}

	/// Work through the front of the queue while `meter` allows: assign replicas for open jobs,
	/// cancel the tasks of cancelled jobs. Each entry present at the start is visited at most
	/// once per block, so entries that cannot be assigned do not spin.
	pub(crate) fn process_queue(now: BlockNumberFor<T>, meter: &mut WeightMeter) {
		let mut head = QueueHead::<T>::get();
		let mut tail = QueueTail::<T>::get();
		let mut visits = tail.saturating_sub(head);
		let mut draws: Option<Draws> = None;
		let worst_task = Self::worst_task_weight();
		while visits > 0 && head < tail && meter.can_consume(worst_task) {
			visits -= 1;
			let Some(mut entry) = Queue::<T>::take(head) else {
				defensive!("the queue is dense between head and tail");
				head.saturating_inc();
				continue;
			};
			head.saturating_inc();
			let Some(mut job) = Jobs::<T>::get(entry.job) else {
				defensive!("queued jobs are stored");
				continue;
			};
			let cancelling = job.state == JobState::Cancelled;
			let mut stuck = false;
			let mut out_of_weight = false;
			while entry.next < entry.end {
				if !meter.can_consume(worst_task) {
					out_of_weight = true;
					break;
				}
				let task_ref = TaskRef { job: entry.job, task: entry.next };
				match job.state {
					JobState::Open => {
						let draws = draws.get_or_insert_with(|| Draws::new(Self::block_seed()));
						if let Step::Stuck = Self::assign_task(now, &job, task_ref, draws, meter) {
							stuck = true;
							break;
						}
					},
					JobState::Cancelled => {
						let replicas = Self::cancel_task(task_ref, &mut job, now);
						meter.consume(T::WeightInfo::cancel_task(replicas));
					},
					// A finished job's leftover entries are dropped.
					JobState::Finished => {
						entry.next = entry.end;
						break;
					},
				}
				entry.next.saturating_inc();
			}
			if cancelling {
				Jobs::<T>::insert(entry.job, job);
			}
			if out_of_weight {
				// Keep its place at the front for the next block.
				head.saturating_dec();
				Queue::<T>::insert(head, entry);
				break;
			}
			if stuck {
				// Let the tasks behind it have their turn.
				Queue::<T>::insert(tail, entry);
				tail.saturating_inc();
			}
		}
		QueueHead::<T>::put(head);
		QueueTail::<T>::put(tail);
	}

	/// The most one task at the front of the queue may cost.
	pub(crate) fn worst_task_weight() -> Weight {
		let replicas = T::MaxReplicas::get();
		T::WeightInfo::assign_task(replicas, T::MaxProviders::get())
			.saturating_add(
				T::WeightInfo::sampling_misses(replicas.saturating_mul(T::MaxSamplingAttempts::get())),
			)
			.max(T::WeightInfo::cancel_task(ReplicaSlots::<T>::get()))
	}

	/// Fill the missing replicas of one task, charging `meter` for the work done.
	fn assign_task(
		now: BlockNumberFor<T>,
		job: &JobInfo<T>,
		task_ref: TaskRef,
		draws: &mut Draws,
		meter: &mut WeightMeter,
	) -> Step {
		let (job_id, index) = (task_ref.job, task_ref.task);
		let Some(mut task) = Tasks::<T>::get(job_id, index) else {
			defensive!("queued tasks are stored");
			return Step::Done;
		};
		if task.phase != TaskPhase::Waiting || task.missing() == 0 {
			meter.consume(T::WeightInfo::assign_task(0, 0));
			return Step::Done;
		}
		let commit_by = now
			.saturating_add(job.deadlines.execution)
			.saturating_add(job.deadlines.commit);
		let mut attempts = 0u32;
		let mut stalled = None;
		let first_new = task.replicas.len();
		while task.missing() > 0 {
			match Self::draw_provider(job, &task, draws, &mut attempts) {
				Ok(provider) => {
					let replica = Replica::<T> {
						provider,
						assigned_at: now,
						commit_by,
						state: ReplicaState::Assigned,
					};
					if task.replicas.try_push(replica).is_err() {
						defensive!("replicas are bounded by R plus extras plus replacements");
						break;
					}
				},
				Err(reason) => {
					stalled = Some(reason);
					break;
				},
			}
		}
		let assigned = (task.replicas.len() - first_new) as u32;
		// Only a task that got replicas needs its commit deadline watched.
		if assigned > 0 &&
			Self::schedule_deadline(task_ref, commit_by.saturating_add(1u32.into())).is_err()
		{
			// Every deadline bucket in reach is full: drop this block's draws (nothing was
			// stored yet) and try again next block.
			meter.consume(
				T::WeightInfo::assign_task(0, 0)
					.saturating_add(T::WeightInfo::sampling_misses(attempts)),
			);
			return Step::Stuck;
		}
		for replica in &task.replicas[first_new..] {
			Self::occupy_slot(&replica.provider);
			Assignments::<T>::insert(&replica.provider, task_ref, ());
			Self::deposit_event(Event::ReplicaAssigned {
				job: job_id,
				task: index,
				provider: replica.provider.clone(),
				commit_by,
			});
		}
		// Drawing reads a larger trie when the pool is larger: the benchmark measures that.
		let pool = PoolLen::<T>::get(job.runtime);
		meter.consume(
			T::WeightInfo::assign_task(assigned, pool)
				.saturating_add(T::WeightInfo::sampling_misses(attempts)),
		);
		let step = if task.missing() == 0 {
			task.phase = TaskPhase::Running;
			task.stalled = None;
			Step::Done
		} else {
			if stalled.is_some() && task.stalled != stalled {
				task.stalled = stalled;
				if let Some(reason) = stalled {
					Self::deposit_event(Event::TaskUnassignable { job: job_id, task: index, reason });
				}
			}
			Step::Stuck
		};
		Tasks::<T>::insert(job_id, index, task);
		step
	}

	/// A provider just assigned a replica: one more running and unsettled replica.
	fn occupy_slot(who: &T::AccountId) {
		let Some(mut provider) = Providers::<T>::get(who) else {
			defensive!("pooled providers are registered");
			return;
		};
		provider.running.saturating_inc();
		provider.unsettled.saturating_inc();
		Self::sync_pool(who, &provider, Self::reputation(who));
		Providers::<T>::insert(who, provider);
	}

	/// Draw one provider for a replica of `task`, weighted by stake, or say why none could be
	/// found. A pool no larger than [`Config::MaxSamplingAttempts`] is looked at whole and the
	/// draw is among its eligible members; a larger one is sampled through the stake tree
	/// until an eligible member comes up or the attempts run out.
	pub(crate) fn draw_provider(
		job: &JobInfo<T>,
		task: &TaskInfo<T>,
		draws: &mut Draws,
		attempts: &mut u32,
	) -> Result<T::AccountId, Unassignable> {
		let kind = job.runtime;
		let len = PoolLen::<T>::get(kind);
		if len == 0 {
			return Err(if RuntimeProviders::<T>::get(kind) == 0 {
				Unassignable::NoProviderWithRuntime
			} else {
				Unassignable::NoSpareCapacity
			});
		}
		let mut rejections = Rejections::default();
		let max_attempts = T::MaxSamplingAttempts::get();
		if len <= max_attempts {
			let mut candidates: Vec<(T::AccountId, u128)> = Vec::new();
			for index in 0..len {
				attempts.saturating_inc();
				match Self::eligible(job, task, kind, index) {
					Some(Ok((who, weight))) => candidates.push((who, weight)),
					Some(Err(misfit)) => rejections.count(misfit),
					None => {},
				}
			}
			let total = candidates.iter().fold(0u128, |sum, (_, w)| sum.saturating_add(*w));
			let mut point = draws.below_u128(total);
			for (who, weight) in candidates.iter() {
				if point < *weight {
					return Ok(who.clone());
				}
				point -= weight;
			}
			// Only reached with no candidate at all (or weights that saturated).
			return candidates.pop().map(|(who, _)| who).ok_or(
				rejections.most_common().unwrap_or(Unassignable::TooFewDistinctProviders),
			);
		}
		for _ in 0..max_attempts {
			attempts.saturating_inc();
			let Some(index) = Self::draw_pool_index(kind, draws) else { break };
			match Self::eligible(job, task, kind, index) {
				Some(Ok((who, _))) => return Ok(who),
				Some(Err(misfit)) => rejections.count(misfit),
				None => {},
			}
		}
		// Every provider drawn either misfit or already runs the task.
		Err(rejections.most_common().unwrap_or(Unassignable::TooFewDistinctProviders))
	}

	/// The member at `index` of `kind`'s pool and its draw weight if it can take a replica of
	/// `task`, the requirement it fails if not, or `None` when it already ran the task.
	pub(crate) fn eligible(
		job: &JobInfo<T>,
		task: &TaskInfo<T>,
		kind: conun_primitives::RuntimeKind,
		index: u32,
	) -> Option<Result<(T::AccountId, u128), Misfit>> {
		let Some(who) = Pool::<T>::get(kind, index) else {
			defensive!("the pool is dense below its length");
			return None;
		};
		if task.replicas.iter().any(|r| r.provider == who) {
			return None;
		}
		let Some(provider) = Providers::<T>::get(&who) else {
			defensive!("pooled providers are registered");
			return None;
		};
		Some(
			fit(&provider, || Self::reputation(&who), &job.resources, job.price, job.min_reputation)
				.map(|_| (who, Self::draw_weight(provider.stake))),
		)
	}
}
