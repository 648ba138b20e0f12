//! The journal keeps what the worker needs to resume, across restarts and kills.

use conun_primitives::{TaskRef, TaskStatus};
use conun_worker::journal::{Entry, Journal, JournalError, Phase, Receipt};
use polkadot_sdk::sp_core::H256;
use std::process::Command;

fn task(job: u64, task: u32) -> TaskRef {
	TaskRef { job, task }
}

fn executed(byte: u8) -> Entry {
	Entry {
		phase: Phase::Executed { result: H256::repeat_byte(byte), salt: [byte; 32] },
		receipt: Some(Receipt {
			result: H256::repeat_byte(byte),
			status: TaskStatus::Exited(0),
			work: 1_234,
			bytes_in: 10,
			bytes_out: 20,
			logs: H256::zero(),
		}),
	}
}

#[test]
fn notes_are_read_at_once_and_durable_with_the_next_put() {
	let dir = tempfile::tempdir().unwrap();
	let path = dir.path().join("journal.redb");
	let running = Entry { phase: Phase::Running, receipt: None };
	{
		let journal = Journal::open(&path).unwrap();
		journal.note(task(1, 0), &running).unwrap();
		assert_eq!(journal.get(task(1, 0)).unwrap(), Some(running.clone()));
		journal.put(task(1, 1), &executed(3)).unwrap();
		journal.remove(task(1, 1), 1_000).unwrap();
		journal.put(task(1, 2), &executed(4)).unwrap();
	}
	let journal = Journal::open(&path).unwrap();
	assert_eq!(journal.get(task(1, 0)).unwrap(), Some(running.clone()));
	assert_eq!(journal.get(task(1, 1)).unwrap(), None);
	assert!(journal.settled_receipt(task(1, 1)).unwrap().is_some());
	assert_eq!(journal.get(task(1, 2)).unwrap(), Some(executed(4)));
}

#[test]
fn entries_survive_reopening() {
	let dir = tempfile::tempdir().unwrap();
	let path = dir.path().join("journal.redb");
	{
		let journal = Journal::open(&path).unwrap();
		journal.put(task(1, 0), &executed(7)).unwrap();
	}
	let journal = Journal::open(&path).unwrap();
	assert_eq!(journal.get(task(1, 0)).unwrap(), Some(executed(7)));
	assert_eq!(journal.get(task(1, 1)).unwrap(), None);
	let (result, salt) = journal.get(task(1, 0)).unwrap().unwrap().phase.commitment().unwrap();
	assert_eq!((result, salt), (H256::repeat_byte(7), [7; 32]));
}

#[test]
fn open_tasks_are_what_a_restart_resumes() {
	let dir = tempfile::tempdir().unwrap();
	let journal = Journal::open(&dir.path().join("journal.redb")).unwrap();
	journal.put(task(2, 5), &executed(1)).unwrap();
	journal
		.put(task(1, 9), &Entry { phase: Phase::Running, receipt: None })
		.unwrap();
	journal
		.put(
			task(3, 0),
			&Entry {
				phase: Phase::Revealed { result: H256::repeat_byte(3), salt: [3; 32] },
				receipt: None,
			},
		)
		.unwrap();
	let open: Vec<TaskRef> = journal.open_tasks().unwrap().into_iter().map(|(t, _)| t).collect();
	assert_eq!(open, vec![task(1, 9), task(2, 5), task(3, 0)]);
	journal.remove(task(2, 5), 1_000).unwrap();
	assert_eq!(journal.open_tasks().unwrap().len(), 2);
	assert_eq!(
		journal.get(task(3, 0)).unwrap().unwrap().phase.commitment(),
		Some((H256::repeat_byte(3), [3; 32])),
		"a revealed task keeps its salt: a reorg may ask for the reveal again"
	);
}

/// Runs the test `child` of this binary in a child process, with the journal's path in `var`,
/// and checks that it aborted.
fn run_aborting_child(child: &str, var: &str, path: &std::path::Path) {
	let status = Command::new(std::env::current_exe().unwrap())
		.args(["--exact", child, "--nocapture"])
		.env(var, path)
		.status()
		.unwrap();
	assert!(!status.success(), "the child aborts");
}

/// Run by `a_killed_process_keeps_what_it_recorded` in a child process: record, then die
/// without any clean-up.
#[test]
fn child_records_then_aborts() {
	let Ok(path) = std::env::var("CONUN_JOURNAL_CHILD") else { return };
	let journal = Journal::open(path.as_ref()).unwrap();
	journal.put(task(4, 2), &executed(9)).unwrap();
	std::process::abort();
}

#[test]
fn a_killed_process_keeps_what_it_recorded() {
	let dir = tempfile::tempdir().unwrap();
	let path = dir.path().join("journal.redb");
	run_aborting_child("child_records_then_aborts", "CONUN_JOURNAL_CHILD", &path);
	let journal = Journal::open(&path).unwrap();
	assert_eq!(journal.get(task(4, 2)).unwrap(), Some(executed(9)));
}

/// Run by `a_sync_makes_every_note_before_it_survive_a_kill` in a child process: record runs
/// without waiting for the disk, sync once (as before a commit batch), then die.
#[test]
fn child_notes_syncs_then_aborts() {
	let Ok(path) = std::env::var("CONUN_JOURNAL_SYNC_CHILD") else { return };
	let journal = Journal::open(path.as_ref()).unwrap();
	for n in 0..100u8 {
		journal.note(task(5, u32::from(n)), &executed(n)).unwrap();
	}
	journal.sync().unwrap();
	std::process::abort();
}

#[test]
fn a_sync_makes_every_note_before_it_survive_a_kill() {
	let dir = tempfile::tempdir().unwrap();
	let path = dir.path().join("journal.redb");
	run_aborting_child("child_notes_syncs_then_aborts", "CONUN_JOURNAL_SYNC_CHILD", &path);
	let journal = Journal::open(&path).unwrap();
	for n in 0..100u8 {
		assert_eq!(journal.get(task(5, u32::from(n))).unwrap(), Some(executed(n)), "run {n}");
	}
}

#[test]
fn a_corrupt_entry_is_reported_with_its_task() {
	let dir = tempfile::tempdir().unwrap();
	let path = dir.path().join("journal.redb");
	drop(Journal::open(&path).unwrap());
	{
		let db = redb::Database::create(&path).unwrap();
		let txn = db.begin_write().unwrap();
		{
			let table: redb::TableDefinition<(u64, u32), &[u8]> =
				redb::TableDefinition::new("tasks");
			txn.open_table(table).unwrap().insert((5, 1), &[0xff_u8, 0xff][..]).unwrap();
		}
		txn.commit().unwrap();
	}
	let journal = Journal::open(&path).unwrap();
	match journal.get(task(5, 1)) {
		Err(JournalError::Corrupt { job: 5, task: 1, .. }) => {},
		other => panic!("expected a corrupt entry, got {other:?}"),
	}
}

#[test]
fn a_forgotten_task_keeps_its_receipt_for_the_retention_period() {
	let dir = tempfile::tempdir().unwrap();
	let journal = Journal::open(&dir.path().join("journal.redb")).unwrap();
	let receipt = Receipt {
		result: H256::repeat_byte(1),
		status: conun_primitives::TaskStatus::OutOfFuel,
		work: 10,
		bytes_in: 20,
		bytes_out: 30,
		logs: H256::repeat_byte(2),
	};
	let entry = Entry {
		phase: Phase::Revealed { result: receipt.result, salt: [1; 32] },
		receipt: Some(receipt),
	};
	journal.put(task(5, 0), &entry).unwrap();
	journal.put(task(5, 1), &entry).unwrap();
	assert_eq!(
		journal.settled_receipt(task(5, 0)).unwrap(),
		None,
		"an open task's receipt is not served"
	);
	journal.remove(task(5, 0), 100).unwrap();
	journal.remove(task(5, 1), 200).unwrap();
	assert_eq!(journal.get(task(5, 0)).unwrap(), None, "forgotten");
	assert!(journal.open_tasks().unwrap().is_empty());
	assert_eq!(
		journal.settled_receipt(task(5, 0)).unwrap(),
		Some(receipt),
		"but its receipt is served"
	);
	assert_eq!(journal.prune_receipts(150).unwrap(), 1);
	assert_eq!(journal.settled_receipt(task(5, 0)).unwrap(), None);
	assert_eq!(journal.settled_receipt(task(5, 1)).unwrap(), Some(receipt));
}
