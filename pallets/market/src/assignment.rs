//! Assignment: the queue of tasks waiting for replicas, and the random, weighted draw of the
//! providers that run them.
//!
//! Each block, `on_initialize` gives turns to the requesters in the queue's ring, in order,
//! until its weight budget is spent: in its turn a requester's first queue entry fills up to
//! [`Config::TasksPerTurn`] tasks' replicas, then goes to the back of its lane (when tasks are
//! left) and the requester to the back of the ring (when its lane is not empty). One large job
//! or one requester's many jobs thus get one turn in each round, as every other requester. A task gets all its missing replicas in one step or none, so nobody is
//! locked by a half-assigned task. An entry whose task cannot be filled is parked, retried a
//! few a block before fresh work and with the weight left after it, and a task that waited
//! [`Config::UnassignableTimeout`] blocks stops waiting (`give_up`): it goes on with the live
//! replicas it has when they can still decide it, an escalation lapses, a job whose tasks never
//! got a replica expires, anything else fails and is refunded. Every replica is drawn with probability
//! proportional to `min(stake, StakeWeightCap)` over the runtime's whole pool: a pool no
//! larger than [`Config::MaxSamplingAttempts`] is looked at whole, once for all of a task's
//! replicas, and the draw is among its eligible members; a larger one is sampled through its
//! stake tree (`stake_tree.rs`), up to that many times, until an eligible member comes up.
//! Splitting stake over many identities buys no more draws. Reputation decides who is
//! eligible, not how often it is drawn.
//! Randomness is BABE's VRF output of the block, so neither requesters nor providers choose
//! who runs what; the block author cannot choose it either, only withhold its block.
//!
//! The cost of one replica is bounded by the attempts (each a descent of the stake tree,
//! O(log MaxProviders) reads), whatever the number of providers or queued tasks: pools are
//! dense arrays read by index, the queue is read at its front.

use crate::{
	committee_size, providers::count_pool_edits, Assignments, BalanceOf, Config, Escalations,
	Event, JobInfo, Jobs, LaneBounds, Lanes, Pallet, Parked, ParkedHead, ParkedTail, Pool, PoolLen,
	ProviderInfo, Providers, Queue, QueueEntry, QueueHead, QueueTail, Replica, ReplicaSlots,
	ReplicaState, RuntimeProviders, TaskInfo, Tasks, WeightInfo,
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

/// With the weight fresh work leaves, up to this many times [`Config::ParkedRetriesPerBlock`]
/// more parked entries are retried: enough that a parked entry is looked at again soon, few
/// enough that a griefer's parked junk does not take the whole hook (and the node's time) in
/// every block.
const SPARE_RETRIES: u64 = 4;

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

/// Check `provider` against a job's requirements, in this order: resources, price, reputation.
pub(crate) fn fit<T: Config>(
	provider: &ProviderInfo<T>,
	resources: &Resources,
	price: BalanceOf<T>,
	min_reputation: u32,
) -> Result<(), Misfit> {
	if !provider.capabilities.covers(resources) {
		return Err(Misfit::Resources);
	}
	if provider.price_floor > price {
		return Err(Misfit::Price);
	}
	if provider.standing.reputation < min_reputation {
		return Err(Misfit::Reputation);
	}
	Ok(())
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

/// The members of a small pool that can take a replica of one task, looked at once for all
/// its replicas, and why the others cannot.
pub(crate) struct SmallPool<AccountId> {
	candidates: Vec<(AccountId, u128)>,
	rejections: Rejections,
}

impl<AccountId> SmallPool<AccountId> {
	/// Draw one candidate weighted by stake and take it out (a task's replicas are distinct
	/// providers), or say why there is none left.
	pub(crate) fn draw(&mut self, draws: &mut Draws) -> Result<AccountId, Unassignable> {
		if self.candidates.is_empty() {
			return Err(self
				.rejections
				.most_common()
				.unwrap_or(Unassignable::TooFewDistinctProviders));
		}
		let total = self.candidates.iter().fold(0u128, |sum, (_, w)| sum.saturating_add(*w));
		let mut point = draws.below_u128(total);
		let mut chosen = self.candidates.len() - 1;
		for (index, (_, weight)) in self.candidates.iter().enumerate() {
			if point < *weight {
				chosen = index;
				break;
			}
			point -= weight;
		}
		// Only the last is taken by default, when weights saturated.
		Ok(self.candidates.remove(chosen).0)
	}
}

/// What became of one task at the front of the queue.
pub(crate) enum Step {
	/// Every replica it wants is assigned (or it wants none any more).
	Done,
	/// It could not get all its replicas, and none was assigned.
	Stuck,
	/// It stopped waiting: it ended, or goes on with the replicas it has. Its job changed.
	GaveUp,
	/// Ending it (its wait over, or no room left for its replicas) costs more than the weight
	/// left: it keeps its place for the next block. Its draws, if any, were charged.
	OutOfWeight,
}

/// What became of one queue entry in its turn.
enum Visit<AccountId> {
	/// Every task of it was handled.
	Done,
	/// It used its turn ([`Config::TasksPerTurn`]) with tasks left: it goes to the back of its
	/// requester's lane.
	TurnOver { entry: QueueEntry, requester: AccountId },
	/// Its first task left could not be assigned: it is parked.
	Stuck(QueueEntry),
	/// The block's weight ran out: it keeps its place.
	OutOfWeight(QueueEntry),
}

/// A FIFO in storage, `[head..tail]`, dense between its bounds: the ring of requesters, one
/// requester's lane, or the parked entries.
pub(crate) trait Fifo {
	type Item;
	fn bounds(&self) -> (u64, u64);
	fn set_bounds(&self, head: u64, tail: u64);
	/// The item at `at`, left in place (for reading, as the invariants do).
	fn get(&self, at: u64) -> Option<Self::Item>;
	fn take(&self, at: u64) -> Option<Self::Item>;
	fn put(&self, at: u64, item: Self::Item);

	fn is_empty(&self) -> bool {
		let (head, tail) = self.bounds();
		head >= tail
	}

	fn push_back(&self, item: Self::Item) {
		let (head, tail) = self.bounds();
		self.put(tail, item);
		self.set_bounds(head, tail.saturating_add(1));
	}

	/// Put `item` in front of the others, or at the back when the front cannot move.
	fn push_front(&self, item: Self::Item) {
		let (head, tail) = self.bounds();
		match head.checked_sub(1) {
			Some(front) if head < tail => {
				self.put(front, item);
				self.set_bounds(front, tail);
			},
			_ => self.push_back(item),
		}
	}

	/// Take the first item out.
	fn pop_front(&self) -> Option<Self::Item> {
		let (head, tail) = self.bounds();
		if head >= tail {
			return None;
		}
		let item = self.take(head);
		self.set_bounds(head.saturating_add(1), tail);
		if item.is_none() {
			defensive!("a queue is dense between its bounds");
		}
		item
	}
}

/// The assignment queue: the ring of requesters with work in their lanes.
pub(crate) struct Ring<T>(pub PhantomData<T>);
impl<T: Config> Fifo for Ring<T> {
	type Item = T::AccountId;
	fn bounds(&self) -> (u64, u64) {
		(QueueHead::<T>::get(), QueueTail::<T>::get())
	}
	fn set_bounds(&self, head: u64, tail: u64) {
		QueueHead::<T>::put(head);
		QueueTail::<T>::put(tail);
	}
	fn get(&self, at: u64) -> Option<T::AccountId> {
		Queue::<T>::get(at)
	}
	fn take(&self, at: u64) -> Option<T::AccountId> {
		Queue::<T>::take(at)
	}
	fn put(&self, at: u64, who: T::AccountId) {
		Queue::<T>::insert(at, who)
	}
}

/// One requester's lane of queue entries. Its bounds are stored only while it holds one.
pub(crate) struct Lane<'a, T: Config>(pub &'a T::AccountId);
impl<T: Config> Fifo for Lane<'_, T> {
	type Item = QueueEntry;
	fn bounds(&self) -> (u64, u64) {
		LaneBounds::<T>::get(self.0).unwrap_or_default()
	}
	fn set_bounds(&self, head: u64, tail: u64) {
		if head < tail {
			LaneBounds::<T>::insert(self.0, (head, tail));
		} else {
			LaneBounds::<T>::remove(self.0);
		}
	}
	fn get(&self, at: u64) -> Option<QueueEntry> {
		Lanes::<T>::get(self.0, at)
	}
	fn take(&self, at: u64) -> Option<QueueEntry> {
		Lanes::<T>::take(self.0, at)
	}
	fn put(&self, at: u64, entry: QueueEntry) {
		Lanes::<T>::insert(self.0, at, entry)
	}
}

/// The parked entries.
pub(crate) struct Parking<T>(pub PhantomData<T>);
impl<T: Config> Fifo for Parking<T> {
	type Item = QueueEntry;
	fn bounds(&self) -> (u64, u64) {
		(ParkedHead::<T>::get(), ParkedTail::<T>::get())
	}
	fn set_bounds(&self, head: u64, tail: u64) {
		ParkedHead::<T>::put(head);
		ParkedTail::<T>::put(tail);
	}
	fn get(&self, at: u64) -> Option<QueueEntry> {
		Parked::<T>::get(at)
	}
	fn take(&self, at: u64) -> Option<QueueEntry> {
		Parked::<T>::take(at)
	}
	fn put(&self, at: u64, entry: QueueEntry) {
		Parked::<T>::insert(at, entry)
	}
}

impl<T: Config> Pallet<T> {
	/// Append tasks `next..end` of `job` to its requester's lane.
	pub(crate) fn enqueue(requester: &T::AccountId, job: JobId, next: TaskIndex, end: TaskIndex) {
		Self::enqueue_entry(requester, QueueEntry { job, next, end }, false);
	}

	/// Put tasks `next..end` of `job` at the front of its requester's lane (a cancellation,
	/// which should not wait behind the requester's other jobs).
	pub(crate) fn enqueue_front(
		requester: &T::AccountId,
		job: JobId,
		next: TaskIndex,
		end: TaskIndex,
	) {
		Self::enqueue_entry(requester, QueueEntry { job, next, end }, true);
	}

	/// Add `entry` to `requester`'s lane; a lane that was empty joins the ring at its back.
	fn enqueue_entry(requester: &T::AccountId, entry: QueueEntry, front: bool) {
		let lane = Lane::<T>(requester);
		let joins = lane.is_empty();
		if front {
			lane.push_front(entry);
		} else {
			lane.push_back(entry);
		}
		if joins {
			Ring::<T>(PhantomData).push_back(requester.clone());
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
	/// ends, however busy the queue; then the ring of requesters, each in its turn visiting the
	/// first entry of its lane for up to [`Config::TasksPerTurn`] tasks; then, with the weight
	/// left, up to [`SPARE_RETRIES`] times as many parked entries again. Each parked entry is visited at most once per block, so
	/// entries that cannot be assigned neither spin nor hold up fresh work.
	pub(crate) fn process_queue(now: BlockNumberFor<T>, meter: &mut WeightMeter) {
		let mut draws: Option<Draws> = None;
		let (head, tail) = Parking::<T>(PhantomData).bounds();
		let mut parked = tail.saturating_sub(head);
		let retries = u64::from(T::ParkedRetriesPerBlock::get());
		let first = parked.min(retries);
		parked.saturating_reduce(first);
		Self::retry_parked(now, meter, &mut draws, first);
		Self::work_queue(now, meter, &mut draws);
		Self::retry_parked(
			now,
			meter,
			&mut draws,
			parked.min(retries.saturating_mul(SPARE_RETRIES)),
		);
	}

	/// What one visit of a queue entry costs besides its tasks: the ring's bounds and slot,
	/// the lane's bounds and entry, and the job read; the ring and the lane written back
	/// (`queue_visit` measures one).
	pub(crate) fn visit_weight() -> Weight {
		T::WeightInfo::queue_visit()
	}

	/// The ring of requesters, one turn each, while weight lasts. A requester whose lane still
	/// holds entries after its turn goes to the back of the ring.
	fn work_queue(now: BlockNumberFor<T>, meter: &mut WeightMeter, draws: &mut Option<Draws>) {
		let ring = Ring::<T>(PhantomData);
		let least = Self::worst_assignment_weight().saturating_add(Self::visit_weight());
		// Every turn is charged at least a visit and either ends its entry, parks it, or
		// assigns a whole turn of tasks, so this ends when the entries or the weight do.
		while !ring.is_empty() && meter.can_consume(least) {
			let Some(requester) = ring.pop_front() else { continue };
			let lane = Lane::<T>(&requester);
			let (head, tail) = lane.bounds();
			// The entry stays in the lane during its visit, so the lane is not empty and
			// anything queued for the requester meanwhile joins the lane, not the ring.
			let Some(entry) = lane.get(head) else {
				defensive!("a requester in the ring has an entry in its lane");
				// Skip the missing slot only; the rest of the lane keeps its turn.
				lane.set_bounds(head.saturating_add(1), tail);
				if !lane.is_empty() {
					ring.push_back(requester);
				}
				continue;
			};
			match Self::visit(now, entry, meter, draws) {
				Visit::Done => {
					lane.pop_front();
				},
				Visit::TurnOver { entry, .. } => {
					lane.pop_front();
					lane.push_back(entry);
				},
				Visit::Stuck(entry) => {
					lane.pop_front();
					Parking::<T>(PhantomData).push_back(entry);
				},
				Visit::OutOfWeight(entry) => {
					lane.put(head, entry);
					ring.push_front(requester);
					break;
				},
			}
			if !lane.is_empty() {
				ring.push_back(requester);
			}
		}
	}

	/// Retry up to `visits` parked entries from the front while weight lasts. One that
	/// assigns again goes back to its requester's lane; one still stuck to the back of the
	/// parked.
	fn retry_parked(
		now: BlockNumberFor<T>,
		meter: &mut WeightMeter,
		draws: &mut Option<Draws>,
		visits: u64,
	) {
		let parking = Parking::<T>(PhantomData);
		let least = Self::worst_assignment_weight().saturating_add(Self::visit_weight());
		for _ in 0..visits {
			if parking.is_empty() || !meter.can_consume(least) {
				break;
			}
			let Some(entry) = parking.pop_front() else { continue };
			match Self::visit(now, entry, meter, draws) {
				Visit::Done => {},
				Visit::TurnOver { entry, requester } => {
					Self::enqueue_entry(&requester, entry, false)
				},
				Visit::Stuck(entry) => parking.push_back(entry),
				Visit::OutOfWeight(entry) => {
					parking.push_front(entry);
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
	) -> Visit<T::AccountId> {
		meter.consume(Self::visit_weight());
		// An entry left over from a job that ended and was pruned meanwhile ends here.
		let Some(mut job) = Jobs::<T>::get(entry.job) else { return Visit::Done };
		let mut changed = false;
		let mut assigned = 0u32;
		let mut visit = Visit::Done;
		while entry.next < entry.end {
			// Each step is checked against the most it may cost; ending a task's wait, dearer
			// and rare, is checked again when it comes (`stall`).
			let worst_step = match job.state {
				JobState::Open => Self::worst_assignment_weight(),
				JobState::Cancelled => Self::worst_cancel_weight(),
				JobState::Finished => Weight::zero(),
			};
			if !meter.can_consume(worst_step) {
				visit = Visit::OutOfWeight(entry);
				break;
			}
			let task_ref = TaskRef { job: entry.job, task: entry.next };
			match job.state {
				JobState::Open => {
					if assigned >= T::TasksPerTurn::get() {
						visit = Visit::TurnOver { entry, requester: job.owner.clone() };
						break;
					}
					let draws = draws.get_or_insert_with(|| Draws::new(Self::block_seed()));
					let step = Self::charging_pool_edits(meter, |meter| {
						Self::assign_task(now, &mut job, task_ref, draws, meter)
					});
					match step {
						Step::Done => assigned.saturating_inc(),
						Step::GaveUp => changed = true,
						Step::Stuck => {
							visit = Visit::Stuck(entry);
							break;
						},
						Step::OutOfWeight => {
							visit = Visit::OutOfWeight(entry);
							break;
						},
					}
				},
				JobState::Cancelled => {
					let replicas = Self::charging_pool_edits(meter, |_| {
						Self::cancel_task(task_ref, &mut job, now)
					});
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

	/// The most one task at the front of the queue may cost, whatever becomes of it: the hook
	/// must fit it.
	pub(crate) fn worst_task_weight() -> Weight {
		Self::worst_assignment_weight()
			.max(Self::worst_cancel_weight())
			.max(Self::worst_give_up_weight())
	}

	/// The most drawing one task's replicas may cost: every attempt missed, or every replica
	/// assigned and every provider drawn leaving its pools. What the queue checks before each
	/// task of an open job.
	pub(crate) fn worst_assignment_weight() -> Weight {
		let replicas = T::MaxReplicas::get();
		Self::drawing_weight(replicas)
			.saturating_add(T::WeightInfo::sampling_misses(
				replicas.saturating_mul(T::MaxSamplingAttempts::get()),
			))
			.saturating_add(Self::worst_pool_edits_weight(replicas))
			.saturating_add(Self::schedule_deadline_weight())
	}

	/// The most cancelling or failing one task may cost: its replicas released, and each
	/// provider back in its pools.
	pub(crate) fn worst_cancel_weight() -> Weight {
		Self::ending_weight(ReplicaSlots::<T>::get())
	}

	/// What ending a task of `replicas` replicas may cost: each released, back in its pools.
	fn ending_weight(replicas: u32) -> Weight {
		T::WeightInfo::cancel_task(replicas).saturating_add(Self::worst_pool_edits_weight(replicas))
	}

	/// The most ending one task's wait may cost: its draws missed, then its replicas released
	/// or its verdict settled, with their pool edits, and a deadline scheduled.
	fn worst_give_up_weight() -> Weight {
		let replicas = T::MaxReplicas::get();
		T::WeightInfo::assign_drawn(0)
			.saturating_add(T::WeightInfo::sampling_misses(
				replicas.saturating_mul(T::MaxSamplingAttempts::get()),
			))
			.saturating_add(Self::give_up_weight())
	}

	/// What giving up on a task adds to its missed draws: a verdict settled or its replicas
	/// released, with their pool edits, and a deadline scheduled.
	fn give_up_weight() -> Weight {
		Self::worst_verdict_weight()
			.saturating_add(Self::worst_pool_edits_weight(ReplicaSlots::<T>::get()))
			.saturating_add(Self::schedule_deadline_weight())
	}

	/// Run one step of the hook and charge `meter` for the pool edits it made besides its own
	/// weight ([`count_pool_edits`]). The weight the step was checked against
	/// (`worst_assignment_weight`, `worst_cancel_weight`, `give_up_weight`) holds the most it
	/// can make.
	pub(crate) fn charging_pool_edits<R>(
		meter: &mut WeightMeter,
		step: impl FnOnce(&mut WeightMeter) -> R,
	) -> R {
		let (result, edits) = count_pool_edits(|| step(&mut *meter));
		let weight = Self::pool_edits_weight(edits);
		if meter.try_consume(weight).is_err() {
			defensive!("a step's pool edits fit the reserve it was checked against");
			meter.consume(meter.remaining());
		}
		result
	}

	/// Fill the missing replicas of one task, all of them or none, charging `meter` for the
	/// work done. A task that could not be filled for [`Config::UnassignableTimeout`] blocks
	/// stops waiting (`give_up`).
	pub(crate) fn assign_task(
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
			meter.consume(T::WeightInfo::assign_drawn(0));
			return Step::Done;
		}
		// An expired job's tasks without replicas end without a draw; so does a task with no
		// room left for the replicas it wants.
		let no_room = task.replicas.len().saturating_add(missing as usize)
			> ReplicaSlots::<T>::get() as usize;
		if (job.expired && task.replicas.is_empty()) || no_room {
			let replicas = task.replicas.len() as u32;
			if !meter.can_consume(Self::ending_weight(replicas)) {
				return Step::OutOfWeight;
			}
			meter.consume(T::WeightInfo::cancel_task(replicas));
			Self::fail_task(task_ref, job, &mut task, FailReason::Unassignable);
			Tasks::<T>::insert(job_id, index, task);
			return Step::GaveUp;
		}
		let commit_by =
			now.saturating_add(job.deadlines.execution).saturating_add(job.deadlines.commit);
		let mut attempts = 0u32;
		let mut stalled = None;
		let first_new = task.replicas.len();
		// A small pool is looked at once for all the task's missing replicas.
		let mut small = Self::scan_small_pool(job, &task, &mut attempts);
		for _ in 0..missing {
			let drawn = match small.as_mut() {
				Some(pool) => pool.draw(draws),
				None => Self::draw_provider(job, &task, draws, &mut attempts),
			};
			match drawn {
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
				T::WeightInfo::assign_drawn(0)
					.saturating_add(T::WeightInfo::sampling_misses(attempts)),
			);
			return Self::stall(now, job, task_ref, task, reason, meter);
		}
		// The benchmark measures one attempt per replica and the deadline scheduled; each
		// attempt more (a misfit drawn, or a member of a small pool beyond one per replica)
		// costs what one more miss adds. Providers the task fills up leave their pools below,
		// edits charged apart.
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
		meter.consume(
			Self::drawing_weight(missing)
				.saturating_add(Self::extra_attempts_weight(attempts.saturating_sub(missing))),
		);
		task.phase = TaskPhase::Running;
		task.stalled = None;
		task.stalled_since = None;
		Tasks::<T>::insert(job_id, index, task);
		Step::Done
	}

	/// What assigning `replicas` replicas of a task costs, one attempt each, whatever the pool's
	/// size: `assign_drawn`, measured in the smallest pool drawn through the stake tree, where
	/// the draws share one path down the tree, and the reads a larger pool's draws may add:
	/// each draw after the first its own path below the root. Those reads are priced by the
	/// runtime's `DbWeight` as measured at the design's size (10,000 providers and 100,000
	/// queued tasks: `runtime/src/db_weights.rs`); for R = 3 they make 24 reads, the most
	/// `assign_task(3, p)` measured in any pool up to 10,000 members.
	///
	/// Not `assign_task(r, p)`, whose slope in `p` is the in-memory benchmarking database
	/// reading a larger trie (`provider_reads(p)`, the same reads alone, grows as fast): a
	/// cost `DbWeight` already prices for every read. Its fit's intercept, a straight line
	/// through a curve that rises fast and then slowly, also charged about three times the
	/// execution it measures at 17 members. A node executing assignments on a state of the
	/// design's size, its trie cache off, takes a fifth of that weight
	/// (`scripts/bench/scale-node.sh`, docs/benchmarks.md).
	pub(crate) fn drawing_weight(replicas: u32) -> Weight {
		let own_paths =
			Self::tree_depth().saturating_sub(1).saturating_mul(replicas.saturating_sub(1));
		T::WeightInfo::assign_drawn(replicas)
			.saturating_add(T::DbWeight::get().reads(own_paths.into()))
	}

	/// What `attempts` draws more than `assign_drawn` measured add: the slope of
	/// `sampling_misses`, not its fixed part (the first descent of the stake tree, which
	/// `drawing_weight` pays already).
	fn extra_attempts_weight(attempts: u32) -> Weight {
		T::WeightInfo::sampling_misses(attempts).saturating_sub(T::WeightInfo::sampling_misses(0))
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
			Self::deposit_event(Event::TaskUnassignable {
				job: task_ref.job,
				task: task_ref.task,
				reason,
			});
		}
		// Every wait ends, whatever its reason: replicas may be locked waiting, terms may find
		// nobody, and providers that are paused or leaving may never come back.
		let since = *task.stalled_since.get_or_insert(now);
		if now >= since.saturating_add(T::UnassignableTimeout::get()) {
			if !meter.can_consume(Self::give_up_weight()) {
				Tasks::<T>::insert(task_ref.job, task_ref.task, task);
				return Step::OutOfWeight;
			}
			// The pool edits are charged as they are counted (`charging_pool_edits`).
			meter.consume(
				Self::worst_verdict_weight().saturating_add(Self::schedule_deadline_weight()),
			);
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
		let place = Self::pool_place(&provider);
		provider.running.saturating_inc();
		provider.unsettled.saturating_inc();
		Self::refresh_pool(who, place, &provider);
		Providers::<T>::insert(who, provider);
	}

	/// Look at every member of `job`'s runtime pool once, when the pool is no larger than
	/// [`Config::MaxSamplingAttempts`], and keep those that can take a replica of `task`, each
	/// with its draw weight; `None` for a larger pool, which is sampled through the stake tree
	/// instead ([`Self::draw_provider`]).
	pub(crate) fn scan_small_pool(
		job: &JobInfo<T>,
		task: &TaskInfo<T>,
		attempts: &mut u32,
	) -> Option<SmallPool<T::AccountId>> {
		let kind = job.runtime;
		let len = PoolLen::<T>::get(kind);
		if len == 0 || len > T::MaxSamplingAttempts::get() {
			return None;
		}
		let mut pool = SmallPool { candidates: Vec::new(), rejections: Rejections::default() };
		for index in 0..len {
			attempts.saturating_inc();
			match Self::eligible(job, task, kind, index) {
				Some(Ok(candidate)) => pool.candidates.push(candidate),
				Some(Err(misfit)) => pool.rejections.count(misfit),
				None => {},
			}
		}
		Some(pool)
	}

	/// Draw one provider for a replica of `task` from a pool too large to look at whole,
	/// weighted by stake, or say why none could be found: the stake tree is sampled until an
	/// eligible member comes up or [`Config::MaxSamplingAttempts`] run out.
	pub(crate) fn draw_provider(
		job: &JobInfo<T>,
		task: &TaskInfo<T>,
		draws: &mut Draws,
		attempts: &mut u32,
	) -> Result<T::AccountId, Unassignable> {
		let kind = job.runtime;
		if PoolLen::<T>::get(kind) == 0 {
			return Err(if RuntimeProviders::<T>::get(kind) == 0 {
				Unassignable::NoProviderWithRuntime
			} else {
				Unassignable::NoSpareCapacity
			});
		}
		let mut rejections = Rejections::default();
		for _ in 0..T::MaxSamplingAttempts::get() {
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
			fit(&provider, &job.resources, job.price, job.min_reputation)
				.map(|_| (who, Self::draw_weight(provider.stake))),
		)
	}
}
