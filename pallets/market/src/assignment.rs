//! Assignment: the queue of tasks waiting for replicas, and the random, weighted draw of the
//! providers that run them.
//!
//! Each block, `on_initialize` takes queue entries from the front and fills their tasks'
//! replicas until its weight budget is spent: each entry a turn of [`Config::TasksPerTurn`]
//! tasks, then the next. A task gets all its missing replicas in one step or none, so nobody is
//! locked by a half-assigned task. An entry whose task cannot be filled is parked, retried a
//! few a block before fresh work and with the weight left after it, and a task that waited
//! [`Config::UnassignableTimeout`] blocks stops waiting (`give_up`): it goes on with the live
//! replicas it has when they can still decide it, an escalation lapses, a job whose tasks never
//! got a replica expires, anything else fails and is refunded. Every replica is drawn with probability
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
	committee_size, Assignments, BalanceOf, Config, Escalations, Event, JobInfo, Jobs, Pallet,
	Parked, ParkedHead, ParkedTail, Pool, PoolLen, ProviderInfo, Providers, Queue, QueueEntry,
	QueueHead, QueueTail, Replica, ReplicaSlots, ReplicaState, RuntimeProviders, TaskInfo, Tasks,
	WeightInfo,
};
use alloc::vec::Vec;
use codec::Encode;
use conun_primitives::{
	FailReason, JobId, JobState, Resources, TaskIndex, TaskPhase, TaskRef, Unassignable,
};
use core::marker::PhantomData;
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
	/// It could not get all its replicas, and none was assigned.
	Stuck,
	/// It stopped waiting: it ended, or goes on with the replicas it has. Its job changed.
	GaveUp,
}

/// What became of one queue entry in its turn.
enum Visit {
	/// Every task of it was handled.
	Done,
	/// It used its turn ([`Config::TasksPerTurn`]) with tasks left: it goes to the back.
	TurnOver(QueueEntry),
	/// Its first task left could not be assigned: it is parked.
	Stuck(QueueEntry),
	/// The block's weight ran out: it keeps its place.
	OutOfWeight(QueueEntry),
}

/// A FIFO of queue entries in storage: the queue of fresh work, or the parked entries.
trait EntryQueue {
	fn head() -> u64;
	fn tail() -> u64;
	fn set_bounds(head: u64, tail: u64);
	fn take(at: u64) -> Option<QueueEntry>;
	fn put(at: u64, entry: QueueEntry);

	fn push_back(entry: QueueEntry) {
		let tail = Self::tail();
		Self::put(tail, entry);
		Self::set_bounds(Self::head(), tail.saturating_add(1));
	}
}

/// The queue of fresh work.
struct Fresh<T>(PhantomData<T>);
impl<T: Config> EntryQueue for Fresh<T> {
	fn head() -> u64 {
		QueueHead::<T>::get()
	}
	fn tail() -> u64 {
		QueueTail::<T>::get()
	}
	fn set_bounds(head: u64, tail: u64) {
		QueueHead::<T>::put(head);
		QueueTail::<T>::put(tail);
	}
	fn take(at: u64) -> Option<QueueEntry> {
		Queue::<T>::take(at)
	}
	fn put(at: u64, entry: QueueEntry) {
		Queue::<T>::insert(at, entry)
	}
}

/// The parked entries.
struct Parking<T>(PhantomData<T>);
impl<T: Config> EntryQueue for Parking<T> {
	fn head() -> u64 {
		ParkedHead::<T>::get()
	}
	fn tail() -> u64 {
		ParkedTail::<T>::get()
	}
	fn set_bounds(head: u64, tail: u64) {
		ParkedHead::<T>::put(head);
		ParkedTail::<T>::put(tail);
	}
	fn take(at: u64) -> Option<QueueEntry> {
		Parked::<T>::take(at)
	}
	fn put(at: u64, entry: QueueEntry) {
		Parked::<T>::insert(at, entry)
	}
}

impl<T: Config> Pallet<T> {
	/// Append tasks `next..end` of `job` to the queue.
	pub(crate) fn enqueue(job: JobId, next: TaskIndex, end: TaskIndex) {
		Fresh::<T>::push_back(QueueEntry { job, next, end });
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

	/// Assign replicas and cancel tasks while `meter` allows: first a few parked entries
	/// ([`Config::ParkedRetriesPerBlock`]), so that waiting tasks are retried, and their wait
	/// ends, however busy the queue; then the queue of fresh work, each entry in turns of
	/// [`Config::TasksPerTurn`] tasks; then the other parked entries with the weight left.
	/// Each parked entry is visited at most once per block, so entries that cannot be assigned
	/// neither spin nor hold up fresh work.
	pub(crate) fn process_queue(now: BlockNumberFor<T>, meter: &mut WeightMeter) {
		let mut draws: Option<Draws> = None;
		let mut parked = Parking::<T>::tail().saturating_sub(Parking::<T>::head());
		let first = parked.min(u64::from(T::ParkedRetriesPerBlock::get()));
		parked.saturating_reduce(first);
		Self::retry_parked(now, meter, &mut draws, first);
		Self::work_queue(now, meter, &mut draws);
		Self::retry_parked(now, meter, &mut draws, parked);
	}

	/// What one visit of a queue entry costs besides its tasks: the entry and its job read,
	/// the entry written back (or its queue's bounds).
	pub(crate) fn visit_weight() -> Weight {
		T::DbWeight::get().reads_writes(3, 2)
	}

	/// The fresh queue, entry by entry, while weight lasts.
	fn work_queue(now: BlockNumberFor<T>, meter: &mut WeightMeter, draws: &mut Option<Draws>) {
		let (mut head, mut tail) = (Fresh::<T>::head(), Fresh::<T>::tail());
		let least = Self::worst_task_weight().saturating_add(Self::visit_weight());
		// Every visit either ends its entry, parks it, or assigns a whole turn of tasks, so
		// this ends when the entries or the weight do.
		while head < tail && meter.can_consume(least) {
			let Some(entry) = Fresh::<T>::take(head) else {
				defensive!("the queue is dense between head and tail");
				head.saturating_inc();
				continue;
			};
			head.saturating_inc();
			match Self::visit(now, entry, meter, draws) {
				Visit::Done => {},
				Visit::TurnOver(entry) => {
					Fresh::<T>::put(tail, entry);
					tail.saturating_inc();
				},
				Visit::Stuck(entry) => Parking::<T>::push_back(entry),
				Visit::OutOfWeight(entry) => {
					head.saturating_dec();
					Fresh::<T>::put(head, entry);
					break;
				},
			}
		}
		Fresh::<T>::set_bounds(head, tail);
	}

	/// Retry up to `visits` parked entries from the front while weight lasts. One that
	/// assigns again goes back to the fresh queue; one still stuck to the back of the parked.
	fn retry_parked(
		now: BlockNumberFor<T>,
		meter: &mut WeightMeter,
		draws: &mut Option<Draws>,
		visits: u64,
	) {
		let least = Self::worst_task_weight().saturating_add(Self::visit_weight());
		for _ in 0..visits {
			let head = Parking::<T>::head();
			if head >= Parking::<T>::tail() || !meter.can_consume(least) {
				break;
			}
			let taken = Parking::<T>::take(head);
			Parking::<T>::set_bounds(head.saturating_add(1), Parking::<T>::tail());
			let Some(entry) = taken else {
				defensive!("the parked entries are dense between head and tail");
				continue;
			};
			match Self::visit(now, entry, meter, draws) {
				Visit::Done => {},
				Visit::TurnOver(entry) => Fresh::<T>::push_back(entry),
				Visit::Stuck(entry) => Parking::<T>::push_back(entry),
				Visit::OutOfWeight(entry) => {
					Parking::<T>::put(head, entry);
					Parking::<T>::set_bounds(head, Parking::<T>::tail());
					break;
				},
			}
		}
	}

	/// One turn of a queue entry: assign its open job's tasks (up to a turn's worth), cancel
	/// a cancelled job's, drop a finished job's. Charged to `meter` whatever it finds.
	fn visit(
		now: BlockNumberFor<T>,
		mut entry: QueueEntry,
		meter: &mut WeightMeter,
		draws: &mut Option<Draws>,
	) -> Visit {
		meter.consume(Self::visit_weight());
		let Some(mut job) = Jobs::<T>::get(entry.job) else {
			defensive!("queued jobs are stored");
			return Visit::Done;
		};
		let worst_task = Self::worst_task_weight();
		let mut changed = false;
		let mut assigned = 0u32;
		let mut visit = Visit::Done;
		while entry.next < entry.end {
			if !meter.can_consume(worst_task) {
				visit = Visit::OutOfWeight(entry);
				break;
			}
			let task_ref = TaskRef { job: entry.job, task: entry.next };
			match job.state {
				JobState::Open => {
					if assigned >= T::TasksPerTurn::get() {
						visit = Visit::TurnOver(entry);
						break;
					}
					let draws = draws.get_or_insert_with(|| Draws::new(Self::block_seed()));
					match Self::assign_task(now, &mut job, task_ref, draws, meter) {
						Step::Done => assigned.saturating_inc(),
						Step::GaveUp => changed = true,
						Step::Stuck => {
							visit = Visit::Stuck(entry);
							break;
						},
					}
				},
				JobState::Cancelled => {
					let replicas = Self::cancel_task(task_ref, &mut job, now);
					meter.consume(T::WeightInfo::cancel_task(replicas));
					changed = true;
				},
				// A finished job's leftover entries are dropped.
				JobState::Finished => break,
			}
			entry.next.saturating_inc();
		}
		if changed {
			Jobs::<T>::insert(entry.job, job);
		}
		visit
	}

	/// The most one task at the front of the queue may cost: its draws, or ending its wait.
	pub(crate) fn worst_task_weight() -> Weight {
		let replicas = T::MaxReplicas::get();
		T::WeightInfo::assign_task(replicas, T::MaxProviders::get())
			.saturating_add(
				T::WeightInfo::sampling_misses(replicas.saturating_mul(T::MaxSamplingAttempts::get())),
			)
			.max(T::WeightInfo::cancel_task(ReplicaSlots::<T>::get()))
			.max(Self::worst_give_up_weight())
	}

	/// The most ending one task's wait may cost: its draws missed, then its replicas released
	/// or its verdict settled, a deadline scheduled.
	fn worst_give_up_weight() -> Weight {
		let replicas = T::MaxReplicas::get();
		T::WeightInfo::assign_task(0, 0)
			.saturating_add(
				T::WeightInfo::sampling_misses(replicas.saturating_mul(T::MaxSamplingAttempts::get())),
			)
			.saturating_add(Self::worst_verdict_weight())
			.saturating_add(Self::schedule_deadline_weight())
	}

	/// Fill the missing replicas of one task, all of them or none, charging `meter` for the
	/// work done. A task that could not be filled for [`Config::UnassignableTimeout`] blocks
	/// stops waiting (`give_up`).
	fn assign_task(
		now: BlockNumberFor<T>,
		job: &mut JobInfo<T>,
		task_ref: TaskRef,
		draws: &mut Draws,
		meter: &mut WeightMeter,
	) -> Step {
		let (job_id, index) = (task_ref.job, task_ref.task);
		let Some(mut task) = Tasks::<T>::get(job_id, index) else {
			defensive!("queued tasks are stored");
			return Step::Done;
		};
		let missing = task.missing();
		if task.phase != TaskPhase::Waiting || missing == 0 {
			meter.consume(T::WeightInfo::assign_task(0, 0));
			return Step::Done;
		}
		// An expired job's tasks without replicas end without a draw; so does a task with no
		// room left for the replicas it wants.
		let no_room = task.replicas.len().saturating_add(missing as usize) >
			ReplicaSlots::<T>::get() as usize;
		if (job.expired && task.replicas.is_empty()) || no_room {
			meter.consume(T::WeightInfo::cancel_task(task.replicas.len() as u32));
			Self::fail_task(task_ref, job, &mut task, FailReason::Unassignable);
			Tasks::<T>::insert(job_id, index, task);
			return Step::GaveUp;
		}
		let commit_by = now
			.saturating_add(job.deadlines.execution)
			.saturating_add(job.deadlines.commit);
		let mut attempts = 0u32;
		let mut stalled = None;
		let first_new = task.replicas.len();
		for _ in 0..missing {
			match Self::draw_provider(job, &task, draws, &mut attempts) {
				Ok(provider) => {
					let replica = Replica::<T> {
						provider,
						assigned_at: now,
						commit_by,
						state: ReplicaState::Assigned,
					};
					if task.replicas.try_push(replica).is_err() {
						defensive!("room for the missing replicas was checked");
						stalled = Some(Unassignable::TooFewDistinctProviders);
						break;
					}
				},
				Err(reason) => {
					stalled = Some(reason);
					break;
				},
			}
		}
		if let Some(reason) = stalled {
			// Not all of them: assign none, so that nobody is locked by a half-assigned task.
			task.replicas.truncate(first_new);
			meter.consume(
				T::WeightInfo::assign_task(0, 0)
					.saturating_add(T::WeightInfo::sampling_misses(attempts)),
			);
			return Self::stall(now, job, task_ref, task, reason, meter);
		}
		Self::schedule_deadline(task_ref, commit_by.saturating_add(1u32.into()));
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
			T::WeightInfo::assign_task(missing, pool)
				.saturating_add(T::WeightInfo::sampling_misses(attempts))
				.saturating_add(Self::schedule_deadline_weight()),
		);
		task.phase = TaskPhase::Running;
		task.stalled = None;
		task.stalled_since = None;
		Tasks::<T>::insert(job_id, index, task);
		Step::Done
	}

	/// `task` could not get its replicas, for `reason`: say why (once per reason), start its
	/// wait, and give up on it when the wait is over.
	fn stall(
		now: BlockNumberFor<T>,
		job: &mut JobInfo<T>,
		task_ref: TaskRef,
		mut task: TaskInfo<T>,
		reason: Unassignable,
		meter: &mut WeightMeter,
	) -> Step {
		if task.stalled != Some(reason) {
			task.stalled = Some(reason);
			Self::deposit_event(Event::TaskUnassignable { job: task_ref.job, task: task_ref.task, reason });
		}
		// Every wait ends, whatever its reason: replicas may be locked waiting, terms may find
		// nobody, and providers that are paused or leaving may never come back.
		let since = *task.stalled_since.get_or_insert(now);
		if now >= since.saturating_add(T::UnassignableTimeout::get()) {
			meter.consume(Self::worst_verdict_weight().saturating_add(Self::schedule_deadline_weight()));
			Self::give_up(now, job, task_ref, &mut task, reason);
			Tasks::<T>::insert(task_ref.job, task_ref.task, task);
			return Step::GaveUp;
		}
		Tasks::<T>::insert(task_ref.job, task_ref.task, task);
		Step::Stuck
	}

	/// Stop waiting for `task`'s replicas. It goes on with the live replicas it has when they
	/// are enough for a strict majority; otherwise an escalation lapses (its verdict stands),
	/// a task that never had a replica expires its job, and any other task fails and is
	/// refunded.
	fn give_up(
		now: BlockNumberFor<T>,
		job: &mut JobInfo<T>,
		task_ref: TaskRef,
		task: &mut TaskInfo<T>,
		reason: Unassignable,
	) {
		let escalation = Escalations::<T>::get(task_ref);
		let needed = match escalation {
			Some(_) => committee_size(job.replicas) / 2 + 1,
			None => job.majority(),
		};
		let live = task.live().count() as u32;
		if live > 0 && live >= needed {
			task.wanted = live;
			task.phase = TaskPhase::Running;
			task.stalled = None;
			task.stalled_since = None;
			Self::deposit_event(Event::TaskShortened {
				job: task_ref.job,
				task: task_ref.task,
				replicas: live,
			});
			if task.all_committed() {
				Self::open_reveals(task_ref, task, job, now);
			}
		} else if let Some(escalation) = escalation {
			Self::lapse_escalation(task_ref, job, task, escalation);
		} else {
			if task.replicas.is_empty() && !job.expired {
				// Every task of a job has the same terms: the rest would wait as long.
				job.expired = true;
				Self::deposit_event(Event::JobExpired { job: task_ref.job, reason });
			}
			Self::fail_task(task_ref, job, task, FailReason::Unassignable);
		}
	}

	/// A provider just assigned a replica: one more running and unsettled replica.
	fn occupy_slot(who: &T::AccountId) {
		let Some(mut provider) = Providers::<T>::get(who) else {
			defensive!("pooled providers are registered");
			return;
		};
		provider.running.saturating_inc();
		provider.unsettled.saturating_inc();
		Self::sync_pool(who, &provider, &Self::standing(who));
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
