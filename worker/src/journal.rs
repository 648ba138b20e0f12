//! The worker's journal: where each of its tasks stands, kept in an embedded transactional
//! store (redb) so that a worker killed at any point picks up where it was.
//!
//! The rule that makes this crash-safe: a task's result hash and salt are durable in the
//! journal *before* its commitment is sent. After a restart the worker compares each open entry
//! with the chain's view of the assignment: a commitment the chain has not seen is sent again
//! (the same one, from the same salt), a commitment it has is revealed with the salt from the
//! journal. A result is never committed twice, and a commitment is never left unrevealable.
//!
//! Every write is recorded without waiting for the disk ([`Journal::note`], [`Journal::remove`]),
//! and one wait makes all of them durable ([`Journal::sync`]): the worker syncs before each batch
//! of commitments goes out, so the results and salts of a whole batch cost one wait for the disk,
//! not one each. A crash loses at most what was written since the last sync, all of which the
//! worker rebuilds: a run that started or finished but was not committed (the run starts again,
//! with a fresh salt, and nothing of it reached the chain), that the chain took a commitment or a
//! reveal (the chain still shows it), that a task is done (the chain no longer lists it).

use codec::{Decode, Encode};
use conun_primitives::{JobId, Salt, TaskIndex, TaskRef};
use polkadot_sdk::sp_core::H256;
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::Path;

/// Key: (job, task). Value: the SCALE-encoded [`Entry`].
const TASKS: TableDefinition<(JobId, TaskIndex), &[u8]> = TableDefinition::new("tasks");
/// Receipts of tasks the chain is done with, kept for the retention period so that requesters
/// can still ask why a task failed. Key: (job, task). Value: SCALE of ([`Receipt`], the Unix
/// time the task was forgotten, in seconds).
const RECEIPTS: TableDefinition<(JobId, TaskIndex), &[u8]> = TableDefinition::new("receipts");

/// Where one task stands, as far as this worker knows. A task's record is removed once the
/// chain, at a finalized block, no longer lists it for the provider: until then a reorg can
/// bring back any earlier phase, so the result and salt are never dropped before.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
	/// Assigned; fetching or running.
	#[codec(index = 0)]
	Running,
	/// Ran: the result and the salt of its commitment are recorded; the commitment may or may
	/// not have reached the chain.
	#[codec(index = 1)]
	Executed { result: H256, salt: Salt },
	/// The chain holds the commitment; the reveal may or may not have reached it.
	#[codec(index = 2)]
	Committed { result: H256, salt: Salt },
	/// The chain holds the reveal; waiting for the verdict.
	#[codec(index = 3)]
	Revealed { result: H256, salt: Salt },
}

impl Phase {
	/// The result and salt to commit or reveal, once the task ran.
	pub fn commitment(&self) -> Option<(H256, Salt)> {
		match *self {
			Phase::Executed { result, salt }
			| Phase::Committed { result, salt }
			| Phase::Revealed { result, salt } => Some((result, salt)),
			Phase::Running => None,
		}
	}
}

pub use conun_primitives::Receipt;

/// One task's record.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Entry {
	pub phase: Phase,
	pub receipt: Option<Receipt>,
}

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
	#[error("journal store: {0}")]
	Store(#[from] redb::Error),
	#[error("journal entry for job {job} task {task} is corrupt: {error}")]
	Corrupt { job: JobId, task: TaskIndex, error: codec::Error },
}

/// redb has an error type per operation, each convertible into `redb::Error`.
macro_rules! from_store_errors {
	($($error:ty),*) => {$(
		impl From<$error> for JournalError {
			fn from(error: $error) -> Self {
				Self::Store(error.into())
			}
		}
	)*};
}
from_store_errors!(
	redb::DatabaseError,
	redb::TransactionError,
	redb::TableError,
	redb::StorageError,
	redb::CommitError,
	redb::SetDurabilityError
);

/// The journal of one worker, in one file of its data directory.
pub struct Journal {
	db: Database,
}

impl Journal {
	/// Open the journal at `path`, creating it when missing.
	pub fn open(path: &Path) -> Result<Self, JournalError> {
		let db = Database::create(path)?;
		// Create the table once, so that readers never find it missing.
		let txn = db.begin_write()?;
		txn.open_table(TASKS)?;
		txn.open_table(RECEIPTS)?;
		txn.commit()?;
		Ok(Self { db })
	}

	/// The record of `task`, if the worker has one.
	pub fn get(&self, task: TaskRef) -> Result<Option<Entry>, JournalError> {
		let txn = self.db.begin_read()?;
		let table = txn.open_table(TASKS)?;
		let Some(value) = table.get((task.job, task.task))? else { return Ok(None) };
		decode(task.job, task.task, value.value()).map(Some)
	}

	/// Record `entry` for `task`. Durable when this returns: a crash afterwards keeps it, and
	/// every record written before.
	pub fn put(&self, task: TaskRef, entry: &Entry) -> Result<(), JournalError> {
		self.write(task, entry, Durability::Immediate)
	}

	/// Record `entry` for `task` without waiting for the disk: readable at once, durable with the
	/// next [`Journal::sync`] (or [`Journal::put`]).
	pub fn note(&self, task: TaskRef, entry: &Entry) -> Result<(), JournalError> {
		self.write(task, entry, Durability::None)
	}

	/// Makes every record written so far durable, with one wait for the disk: redb persists the
	/// commits made without durability along with the first durable one after them.
	pub fn sync(&self) -> Result<(), JournalError> {
		let mut txn = self.db.begin_write()?;
		txn.set_durability(Durability::Immediate)?;
		txn.commit()?;
		Ok(())
	}

	fn write(
		&self,
		task: TaskRef,
		entry: &Entry,
		durability: Durability,
	) -> Result<(), JournalError> {
		let mut txn = self.db.begin_write()?;
		txn.set_durability(durability)?;
		{
			let mut table = txn.open_table(TASKS)?;
			table.insert((task.job, task.task), entry.encode().as_slice())?;
		}
		txn.commit()?;
		Ok(())
	}

	/// Forget `task`: the chain has finished with it. Its receipt is kept (see
	/// [`Journal::prune_receipts`]); `now` is the Unix time in seconds. Like [`Journal::note`],
	/// durable with the next [`Journal::sync`]: a crash before may bring the record back, and
	/// the worker forgets it again.
	pub fn remove(&self, task: TaskRef, now: u64) -> Result<(), JournalError> {
		let mut txn = self.db.begin_write()?;
		txn.set_durability(Durability::None)?;
		{
			let mut tasks = txn.open_table(TASKS)?;
			let removed = tasks.remove((task.job, task.task))?;
			let receipt = match removed {
				Some(value) => decode(task.job, task.task, value.value())?.receipt,
				None => None,
			};
			if let Some(receipt) = receipt {
				let mut receipts = txn.open_table(RECEIPTS)?;
				receipts.insert((task.job, task.task), (receipt, now).encode().as_slice())?;
			}
		}
		txn.commit()?;
		Ok(())
	}

	/// The receipt of `task` once the chain is done with it and the worker forgot it, for the
	/// retention period. A task still open has none to give: its receipt carries the result
	/// hash, and a co-replica that had not run the task could commit that hash as its own.
	pub fn settled_receipt(&self, task: TaskRef) -> Result<Option<Receipt>, JournalError> {
		let txn = self.db.begin_read()?;
		let table = txn.open_table(RECEIPTS)?;
		let Some(value) = table.get((task.job, task.task))? else { return Ok(None) };
		let (receipt, _) = <(Receipt, u64)>::decode(&mut value.value())
			.map_err(|error| JournalError::Corrupt { job: task.job, task: task.task, error })?;
		Ok(Some(receipt))
	}

	/// Drops the receipts of tasks forgotten before `before` (Unix seconds); returns how many.
	pub fn prune_receipts(&self, before: u64) -> Result<usize, JournalError> {
		let txn = self.db.begin_write()?;
		let mut pruned = 0;
		{
			let mut table = txn.open_table(RECEIPTS)?;
			table.retain(|_, mut value| {
				let keep = <(Receipt, u64)>::decode(&mut value).is_ok_and(|(_, at)| at >= before);
				pruned += usize::from(!keep);
				keep
			})?;
		}
		txn.commit()?;
		Ok(pruned)
	}

	/// Every task recorded, in (job, task) order: what a restarted worker resumes. A record
	/// that cannot be decoded is reported and skipped, so that one bad record does not stop the
	/// worker from handling the others.
	pub fn open_tasks(&self) -> Result<Vec<(TaskRef, Entry)>, JournalError> {
		let txn = self.db.begin_read()?;
		let table = txn.open_table(TASKS)?;
		let mut open = Vec::new();
		for row in table.iter()? {
			let (key, value) = row?;
			let (job, task) = key.value();
			match decode(job, task, value.value()) {
				Ok(entry) => open.push((TaskRef { job, task }, entry)),
				Err(error) => tracing::error!(%error, "skipping a journal record"),
			}
		}
		Ok(open)
	}
}

fn decode(job: JobId, task: TaskIndex, mut bytes: &[u8]) -> Result<Entry, JournalError> {
	Entry::decode(&mut bytes).map_err(|error| JournalError::Corrupt { job, task, error })
}
