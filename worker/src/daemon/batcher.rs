//! Batching of the worker's transactions: commitments go out in one `commit_results`, reveals
//! in one `reveal_results` and reports of data nobody serves in one `report_unavailable` per
//! block, at most [`Batcher::max_batch`] items each. Commitments whose runs end after their
//! block's batch went out may go out in another batch at the same block ([`Batcher::reopen`]).
//!
//! The batcher only keeps the books; the daemon signs and sends. It remembers what was sent and
//! whether the node put it in a block, so that an item is not sent twice while its transaction
//! is pending, is sent again when a reorg took its block away ([`RESEND_AFTER`]), and goes out
//! on its own after its batch failed, so that one bad item cannot keep failing the batches of
//! the others.

use conun_primitives::{Salt, TaskRef};
use polkadot_sdk::sp_core::H256;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A transaction reported in a block, whose items the chain still does not show as done after
/// this many blocks (it fell out in a reorg), is sent again.
pub const RESEND_AFTER: u64 = 4;

/// The transactions a worker sends in batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
	Commit,
	Reveal,
	Report,
}

impl Step {
	/// The call's name, for logs and metrics.
	pub fn name(self) -> &'static str {
		match self {
			Step::Commit => "commit_results",
			Step::Reveal => "reveal_results",
			Step::Report => "report_unavailable",
		}
	}
}

/// One item of a batch: a result to commit or reveal, or a task to report unavailable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
	Result { task: TaskRef, result: H256, salt: Salt },
	Report(TaskRef),
}

impl Item {
	pub fn task(&self) -> TaskRef {
		match *self {
			Item::Result { task, .. } | Item::Report(task) => task,
		}
	}
}

/// The transactions to send at a block.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
	/// A transaction reported in a block is not on the chain any more (a reorg took it), and
	/// its nonce may be free again: count nonces from the chain's again before sending.
	pub reset_nonce: bool,
	/// The items of each transaction.
	pub batches: Vec<Vec<Item>>,
}

/// An item sent: at which block, and whether the node has reported it in a block.
#[derive(Clone, Copy, Debug)]
struct InFlight {
	sent_at: u64,
	in_block: bool,
}

/// The books of the worker's batched transactions.
pub struct Batcher {
	/// Items sent and not yet seen done on chain.
	in_flight: BTreeMap<(TaskRef, Step), InFlight>,
	/// Items of a batch that failed: sent on their own next.
	isolate: BTreeSet<(TaskRef, Step)>,
	/// Which block last carried a batch of each step, so that each goes out once per block.
	last_batch: HashMap<Step, u64>,
	/// The largest batch the chain takes (its `MaxBatch`).
	pub max_batch: usize,
	/// Steps whose batches the node refused as more than a block holds, and the size to try
	/// now: half the refused one. A `report_unavailable` item declares a whole failed task's
	/// worst case, so far fewer than `MaxBatch` of them fit in one transaction.
	fits: HashMap<Step, usize>,
}

impl Batcher {
	pub fn new(max_batch: usize) -> Self {
		Self {
			in_flight: BTreeMap::new(),
			isolate: BTreeSet::new(),
			last_batch: HashMap::new(),
			max_batch: max_batch.max(1),
			fits: HashMap::new(),
		}
	}

	/// Whether a batch of `step` already went out at block `number`.
	pub fn sent_at(&self, step: Step, number: u64) -> bool {
		self.last_batch.get(&step) == Some(&number)
	}

	/// Whether `task`'s `step` has been sent and not refused.
	pub fn is_in_flight(&self, task: TaskRef, step: Step) -> bool {
		self.in_flight.contains_key(&(task, step))
	}

	/// The node refused a batch of `step` of `size` items as more than a block holds: batches
	/// of that step are halved until one fits. A single item is not split further.
	pub fn too_large(&mut self, step: Step, size: usize) {
		if size > 1 {
			self.fits.insert(step, size / 2);
		}
	}

	/// How many items of `step` go in one transaction.
	fn batch_size(&self, step: Step) -> usize {
		self.fits.get(&step).map_or(self.max_batch, |&fits| fits.min(self.max_batch))
	}

	/// Lets one more batch of `step` go out at the block that already carried one: for items
	/// that became ready after it went out, which would otherwise wait a block.
	pub fn reopen(&mut self, step: Step) {
		self.last_batch.remove(&step);
	}

	/// The transactions that carry the items `due` at block `number`: none when a batch of
	/// `step` already went out at this block or every item waits for an earlier transaction.
	pub fn plan(&mut self, number: u64, step: Step, due: Vec<Item>) -> Option<Plan> {
		if self.sent_at(step, number) {
			return None;
		}
		let mut reset_nonce = false;
		let mut items = Vec::new();
		for item in due {
			match self.in_flight.get(&(item.task(), step)) {
				Some(f) if !f.in_block || number < f.sent_at + RESEND_AFTER => continue,
				Some(_) => reset_nonce = true,
				None => {},
			}
			items.push(item);
		}
		if items.is_empty() {
			return None;
		}
		self.last_batch.insert(step, number);
		let (alone, batched): (Vec<_>, Vec<_>) =
			items.into_iter().partition(|item| self.isolate.contains(&(item.task(), step)));
		let mut batches: Vec<Vec<Item>> =
			batched.chunks(self.batch_size(step)).map(<[Item]>::to_vec).collect();
		for item in alone {
			self.isolate.remove(&(item.task(), step));
			batches.push(vec![item]);
		}
		Some(Plan { reset_nonce, batches })
	}

	/// The node took a transaction of `step` carrying `tasks`, sent at block `number`.
	pub fn sent(&mut self, number: u64, step: Step, tasks: &[TaskRef]) {
		for task in tasks {
			self.in_flight
				.insert((*task, step), InFlight { sent_at: number, in_block: false });
		}
	}

	/// The node reported the outcome of a transaction of `step` carrying `tasks`. When it
	/// failed, the items of a batch go out on their own next; an item that failed on its own is
	/// returned, for the daemon to decide about.
	pub fn landed(&mut self, step: Step, tasks: &[TaskRef], ok: bool) -> Option<TaskRef> {
		if ok {
			for task in tasks {
				if let Some(f) = self.in_flight.get_mut(&(*task, step)) {
					f.in_block = true;
				}
			}
			return None;
		}
		for task in tasks {
			self.in_flight.remove(&(*task, step));
			if tasks.len() > 1 {
				self.isolate.insert((*task, step));
			}
		}
		match tasks {
			[alone] => Some(*alone),
			_ => None,
		}
	}

	/// Forgets everything about `task`.
	pub fn forget(&mut self, task: TaskRef) {
		self.in_flight.retain(|(t, _), _| *t != task);
		self.isolate.retain(|(t, _)| *t != task);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn task(n: u32) -> TaskRef {
		TaskRef { job: 1, task: n }
	}

	fn reports(tasks: &[u32]) -> Vec<Item> {
		tasks.iter().map(|&n| Item::Report(task(n))).collect()
	}

	fn tasks(batch: &[Item]) -> Vec<TaskRef> {
		batch.iter().map(Item::task).collect()
	}

	#[test]
	fn items_go_out_in_batches_of_at_most_max_batch_once_per_block() {
		let mut batcher = Batcher::new(2);
		let plan = batcher.plan(10, Step::Report, reports(&[1, 2, 3])).unwrap();
		assert_eq!(
			plan,
			Plan { reset_nonce: false, batches: vec![reports(&[1, 2]), reports(&[3])] }
		);
		assert_eq!(batcher.plan(10, Step::Report, reports(&[4])), None);
		// Each step has its own batch.
		assert!(batcher.plan(10, Step::Commit, reports(&[4])).is_some());
	}

	#[test]
	fn a_reopened_step_sends_what_became_ready_at_the_same_block_and_nothing_twice() {
		let mut batcher = Batcher::new(128);
		batcher.plan(10, Step::Commit, reports(&[1]));
		batcher.sent(10, Step::Commit, &[task(1)]);
		assert_eq!(batcher.plan(10, Step::Commit, reports(&[1, 2])), None);
		batcher.reopen(Step::Commit);
		let plan = batcher.plan(10, Step::Commit, reports(&[1, 2])).unwrap();
		assert_eq!(plan.batches, vec![reports(&[2])]);
		// Other steps keep their own once-a-block rule.
		batcher.plan(10, Step::Reveal, reports(&[3]));
		batcher.reopen(Step::Commit);
		assert_eq!(batcher.plan(10, Step::Reveal, reports(&[4])), None);
	}

	#[test]
	fn a_batch_refused_as_beyond_a_block_is_halved_until_it_fits() {
		let mut batcher = Batcher::new(128);
		let all: Vec<u32> = (0..100).collect();
		assert_eq!(batcher.plan(10, Step::Report, reports(&all)).unwrap().batches.len(), 1);
		batcher.too_large(Step::Report, 100);
		let plan = batcher.plan(11, Step::Report, reports(&all)).unwrap();
		assert_eq!(plan.batches, vec![reports(&all[..50]), reports(&all[50..])]);
		batcher.too_large(Step::Report, 50);
		assert_eq!(batcher.plan(12, Step::Report, reports(&all)).unwrap().batches.len(), 4);
		// A lone item is not split, and other steps keep their size.
		batcher.too_large(Step::Report, 1);
		assert_eq!(batcher.plan(13, Step::Report, reports(&all)).unwrap().batches.len(), 4);
		assert_eq!(batcher.plan(13, Step::Commit, reports(&all)).unwrap().batches.len(), 1);
	}

	#[test]
	fn an_item_pending_or_just_in_a_block_is_not_sent_again() {
		let mut batcher = Batcher::new(128);
		batcher.plan(10, Step::Commit, reports(&[1]));
		batcher.sent(10, Step::Commit, &[task(1)]);
		assert_eq!(batcher.plan(11, Step::Commit, reports(&[1])), None);
		batcher.landed(Step::Commit, &[task(1)], true);
		assert_eq!(batcher.plan(10 + RESEND_AFTER - 1, Step::Commit, reports(&[1])), None);
	}

	#[test]
	fn an_item_whose_block_a_reorg_took_is_sent_again_with_fresh_nonces() {
		let mut batcher = Batcher::new(128);
		batcher.sent(10, Step::Reveal, &[task(1)]);
		batcher.landed(Step::Reveal, &[task(1)], true);
		let plan = batcher.plan(10 + RESEND_AFTER, Step::Reveal, reports(&[1, 2])).unwrap();
		assert_eq!(plan, Plan { reset_nonce: true, batches: vec![reports(&[1, 2])] });
	}

	#[test]
	fn the_items_of_a_failed_batch_go_out_on_their_own() {
		let mut batcher = Batcher::new(128);
		batcher.sent(10, Step::Commit, &[task(1), task(2)]);
		assert_eq!(batcher.landed(Step::Commit, &[task(1), task(2)], false), None);
		assert!(!batcher.is_in_flight(task(1), Step::Commit));
		let plan = batcher.plan(11, Step::Commit, reports(&[1, 2, 3])).unwrap();
		let batches: Vec<_> = plan.batches.iter().map(|b| tasks(b)).collect();
		assert_eq!(batches, vec![vec![task(3)], vec![task(1)], vec![task(2)]]);
		// Once sent alone, they rejoin the batch.
		let plan = batcher.plan(12, Step::Commit, reports(&[1, 2, 3])).unwrap();
		assert_eq!(plan.batches, vec![reports(&[1, 2, 3])]);
	}

	#[test]
	fn an_item_that_fails_on_its_own_is_handed_back() {
		let mut batcher = Batcher::new(128);
		batcher.sent(10, Step::Report, &[task(1)]);
		assert_eq!(batcher.landed(Step::Report, &[task(1)], false), Some(task(1)));
		assert!(batcher.plan(11, Step::Report, reports(&[1])).is_some());
	}

	#[test]
	fn a_forgotten_task_leaves_no_trace() {
		let mut batcher = Batcher::new(128);
		batcher.sent(10, Step::Commit, &[task(1), task(2)]);
		batcher.landed(Step::Commit, &[task(1), task(2)], false);
		batcher.sent(11, Step::Reveal, &[task(1)]);
		batcher.forget(task(1));
		assert!(!batcher.is_in_flight(task(1), Step::Reveal));
		let plan = batcher.plan(12, Step::Commit, reports(&[1, 2])).unwrap();
		assert_eq!(plan.batches, vec![reports(&[1]), reports(&[2])]);
	}
}
