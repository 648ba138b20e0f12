//! What the worker does about one assignment: the chain's view of it against the journal's
//! record, decided without I/O so that every row of the table is a unit test.
//!
//! | the chain says | the journal has | [`Action`] |
//! |---|---|---|
//! | `Execute` | nothing, or `Running` | [`Action::Run`]: fetch, run, record result and salt (or report the data unavailable, see [`report_due`]) |
//! | `Execute` | a result and salt | [`Action::Commit`] (again after a reorg: the same commitment) |
//! | `AwaitReveals` | `Executed` | [`Action::RecordCommitted`]: the commitment is on chain |
//! | `Reveal` | `Executed` | [`Action::Reveal`], recording the commitment first |
//! | `Reveal` | `Committed` or `Revealed` | [`Action::Reveal`] |
//! | `Reveal` | nothing, or `Running` | [`Action::NoRecord`]: the data directory was lost |
//! | `AwaitVerdict` | `Executed` or `Committed` | [`Action::RecordRevealed`]: the reveal is on chain |
//! | `Contest` | a result | [`Action::Contest`]: challenge the verdict that went against it |
//! | anything else | | [`Action::Wait`] |
//!
//! A task the chain no longer lists is forgotten once that is final ([`forget_due`]).

use crate::{
	chain::BlockNumber,
	journal::{Entry, Phase},
};
use conun_primitives::{AssignmentPhase, AssignmentView, Salt};
use polkadot_sdk::sp_core::H256;

/// What to do about one assignment at this block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
	/// Fetch and run the task, unless it is running, waiting to retry or being reported.
	Run { commit_by: BlockNumber },
	/// Commit the recorded result by `commit_by`.
	Commit { commit_by: BlockNumber, result: H256, salt: Salt },
	/// The chain holds the commitment: record it.
	RecordCommitted { result: H256, salt: Salt },
	/// Reveal the recorded result by `reveal_by`; `record` when the journal does not yet say
	/// the commitment is on chain.
	Reveal { reveal_by: BlockNumber, result: H256, salt: Salt, record: bool },
	/// The chain holds the reveal: record it.
	RecordRevealed { result: H256, salt: Salt },
	/// The verdict, open to challenge until `until`, went against the recorded result.
	Contest { verdict: H256, until: BlockNumber },
	/// Asked to reveal a result the journal has no record of.
	NoRecord,
	/// Nothing to do at this block.
	Wait,
}

/// The decision table of the module doc.
pub fn reconcile(view: &AssignmentView<BlockNumber>, entry: Option<&Entry>) -> Action {
	let phase = entry.map(|e| e.phase);
	let recorded = phase.and_then(|p| p.commitment());
	match (&view.phase, phase, recorded) {
		(AssignmentPhase::Execute { commit_by }, _, None) => Action::Run { commit_by: *commit_by },
		(AssignmentPhase::Execute { commit_by }, _, Some((result, salt))) => {
			Action::Commit { commit_by: *commit_by, result, salt }
		},
		(AssignmentPhase::AwaitReveals, Some(Phase::Executed { result, salt }), _) => {
			Action::RecordCommitted { result, salt }
		},
		(AssignmentPhase::Reveal { reveal_by }, Some(phase), Some((result, salt))) => {
			Action::Reveal {
				reveal_by: *reveal_by,
				result,
				salt,
				record: matches!(phase, Phase::Executed { .. }),
			}
		},
		(AssignmentPhase::Reveal { .. }, _, None) => Action::NoRecord,
		(
			AssignmentPhase::AwaitVerdict,
			Some(Phase::Executed { result, salt } | Phase::Committed { result, salt }),
			_,
		) => Action::RecordRevealed { result, salt },
		(AssignmentPhase::Contest { verdict, until }, _, Some(_)) => {
			Action::Contest { verdict: *verdict, until: *until }
		},
		_ => Action::Wait,
	}
}

/// Whether a transaction for an item with deadline `deadline` can still land in time: it lands
/// in the next block at the earliest, so an item due at this block would fail, and fail its
/// whole batch.
pub fn in_time(number: u64, deadline: BlockNumber) -> bool {
	number < u64::from(deadline)
}

/// The last block in which the chain takes a report of a task's data, as far as the worker can
/// tell: `fetch_window` after it saw the assignment (`seen`), and at most halfway to
/// `commit_by`.
pub fn window_end(seen: u64, fetch_window: u64, commit_by: u64) -> u64 {
	seen + fetch_window.min(commit_by.saturating_sub(seen) / 2)
}

/// Whether to report a task's data unavailable at block `number`: no peer could provide it in
/// `tries` tries in a row, and either that is `enough`, or one try was made and the window
/// (`window_end`) would close before another, `retry_after` blocks on.
pub fn report_due(tries: u32, enough: u32, number: u64, retry_after: u64, window_end: u64) -> bool {
	tries >= enough || (tries >= 1 && number + retry_after + 1 >= window_end)
}

/// Whether a recorded task the chain stopped listing at block `unlisted_since` can be forgotten
/// now that block `finalized` is final: no reorg can bring it back.
pub fn forget_due(unlisted_since: u64, finalized: u64) -> bool {
	finalized >= unlisted_since
}

#[cfg(test)]
mod tests {
	use super::*;
	use conun_primitives::{TaskInput, TaskRef};

	const RESULT: H256 = H256::repeat_byte(7);
	const SALT: Salt = [9; 32];

	fn view(phase: AssignmentPhase<BlockNumber>) -> AssignmentView<BlockNumber> {
		AssignmentView {
			task: TaskRef { job: 1, task: 2 },
			input: TaskInput { hash: H256::zero(), size: 0 },
			phase,
		}
	}

	fn entry(phase: Phase) -> Entry {
		Entry { phase, receipt: None }
	}

	fn executed() -> Entry {
		entry(Phase::Executed { result: RESULT, salt: SALT })
	}
	fn committed() -> Entry {
		entry(Phase::Committed { result: RESULT, salt: SALT })
	}
	fn revealed() -> Entry {
		entry(Phase::Revealed { result: RESULT, salt: SALT })
	}

	const EXECUTE: AssignmentPhase<BlockNumber> = AssignmentPhase::Execute { commit_by: 30 };
	const REVEAL: AssignmentPhase<BlockNumber> = AssignmentPhase::Reveal { reveal_by: 40 };

	#[test]
	fn a_new_assignment_is_run() {
		assert_eq!(reconcile(&view(EXECUTE), None), Action::Run { commit_by: 30 });
	}

	#[test]
	fn a_task_still_running_after_a_restart_is_run_again() {
		assert_eq!(
			reconcile(&view(EXECUTE), Some(&entry(Phase::Running))),
			Action::Run { commit_by: 30 }
		);
	}

	#[test]
	fn a_recorded_result_is_committed_and_after_a_reorg_committed_again() {
		let commit = Action::Commit { commit_by: 30, result: RESULT, salt: SALT };
		assert_eq!(reconcile(&view(EXECUTE), Some(&executed())), commit);
		// A reorg took the commitment out: the same one goes again, from the same salt.
		assert_eq!(reconcile(&view(EXECUTE), Some(&committed())), commit);
		assert_eq!(reconcile(&view(EXECUTE), Some(&revealed())), commit);
	}

	#[test]
	fn a_commitment_on_chain_is_recorded_while_the_others_commit() {
		let view = view(AssignmentPhase::AwaitReveals);
		assert_eq!(
			reconcile(&view, Some(&executed())),
			Action::RecordCommitted { result: RESULT, salt: SALT }
		);
		assert_eq!(reconcile(&view, Some(&committed())), Action::Wait);
	}

	#[test]
	fn a_reveal_due_before_the_commitment_was_recorded_records_it_and_reveals() {
		assert_eq!(
			reconcile(&view(REVEAL), Some(&executed())),
			Action::Reveal { reveal_by: 40, result: RESULT, salt: SALT, record: true }
		);
	}

	#[test]
	fn a_recorded_commitment_is_revealed_and_after_a_reorg_revealed_again() {
		let reveal = Action::Reveal { reveal_by: 40, result: RESULT, salt: SALT, record: false };
		assert_eq!(reconcile(&view(REVEAL), Some(&committed())), reveal);
		assert_eq!(reconcile(&view(REVEAL), Some(&revealed())), reveal);
	}

	#[test]
	fn a_reveal_without_a_recorded_result_is_flagged() {
		assert_eq!(reconcile(&view(REVEAL), None), Action::NoRecord);
		assert_eq!(reconcile(&view(REVEAL), Some(&entry(Phase::Running))), Action::NoRecord);
	}

	#[test]
	fn a_reveal_on_chain_is_recorded_while_waiting_for_the_verdict() {
		let view = view(AssignmentPhase::AwaitVerdict);
		let record = Action::RecordRevealed { result: RESULT, salt: SALT };
		assert_eq!(reconcile(&view, Some(&executed())), record);
		assert_eq!(reconcile(&view, Some(&committed())), record);
		assert_eq!(reconcile(&view, Some(&revealed())), Action::Wait);
	}

	#[test]
	fn a_verdict_against_a_recorded_result_is_contested() {
		let verdict = H256::repeat_byte(1);
		let view = view(AssignmentPhase::Contest { verdict, until: 50 });
		assert_eq!(reconcile(&view, Some(&revealed())), Action::Contest { verdict, until: 50 });
		// Nothing to stand up for without a result of its own.
		assert_eq!(reconcile(&view, None), Action::Wait);
	}

	#[test]
	fn nothing_is_done_where_the_table_has_no_row() {
		assert_eq!(reconcile(&view(AssignmentPhase::AwaitReveals), None), Action::Wait);
		assert_eq!(reconcile(&view(AssignmentPhase::AwaitVerdict), None), Action::Wait);
	}

	#[test]
	fn an_item_due_at_this_block_is_too_late_to_send() {
		assert!(in_time(29, 30));
		assert!(!in_time(30, 30));
	}

	#[test]
	fn the_report_window_is_the_fetch_window_or_half_the_way_to_the_commit_deadline() {
		assert_eq!(window_end(100, 50, 1000), 150);
		assert_eq!(window_end(100, 50, 120), 110);
		assert_eq!(window_end(100, 50, 90), 100);
	}

	#[test]
	fn data_is_reported_after_enough_tries_or_after_one_when_the_window_closes() {
		assert!(!report_due(0, 2, 100, 2, 200));
		assert!(!report_due(1, 2, 100, 2, 200));
		assert!(report_due(2, 2, 100, 2, 200));
		// One try, and the next would come after the window: report now.
		assert!(report_due(1, 2, 197, 2, 200));
		assert!(!report_due(0, 2, 199, 2, 200));
	}

	#[test]
	fn a_task_is_forgotten_only_once_its_unlisting_is_final() {
		assert!(!forget_due(10, 9));
		assert!(forget_due(10, 10));
	}
}
