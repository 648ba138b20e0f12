//! Fault injection, for tests only: a worker that lies, stalls or crashes at a chosen point, so
//! that tests can show the protocol catching it. Compiled in only with the `fault-injection`
//! cargo feature, which release builds never enable; without it, [`Fault::from_env`] always
//! answers [`Fault::None`] and the variable is ignored.

/// The misbehaviour asked for in `CONUN_WORKER_FAULT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
	/// Behave.
	None,
	/// `lie`: commit and reveal a result other than the one computed.
	Lie,
	/// `collude`: run nothing; commit and reveal a fake result that every colluder derives the
	/// same way from the task alone, so colluders drawn for one task agree.
	Collude,
	/// `stall`: run tasks but never commit them.
	Stall,
	/// `crash-after-execute`: abort once a task's result is in the journal, before it is synced
	/// and committed.
	CrashAfterExecute,
	/// `crash-after-commit`: abort once a commitment is in a block, before revealing.
	CrashAfterCommit,
}

impl Fault {
	/// The fault named in `CONUN_WORKER_FAULT`, when fault injection is compiled in.
	pub fn from_env() -> Result<Self, String> {
		let Ok(name) = std::env::var("CONUN_WORKER_FAULT") else { return Ok(Fault::None) };
		if !cfg!(feature = "fault-injection") {
			tracing::warn!(
				"CONUN_WORKER_FAULT is set but this build has no fault injection; ignored"
			);
			return Ok(Fault::None);
		}
		Self::parse(&name)
	}

	fn parse(name: &str) -> Result<Self, String> {
		Ok(match name {
			"" | "none" => Fault::None,
			"lie" => Fault::Lie,
			"collude" => Fault::Collude,
			"stall" => Fault::Stall,
			"crash-after-execute" => Fault::CrashAfterExecute,
			"crash-after-commit" => Fault::CrashAfterCommit,
			other => return Err(format!("unknown fault `{other}`")),
		})
	}

	/// Aborts the process (no cleanup, like a power cut) when this fault crashes at `point`.
	pub fn crash_if(self, point: Fault) {
		if self == point && self != Fault::None {
			tracing::error!(?point, "fault injection: crashing");
			std::process::abort();
		}
	}
}

#[cfg(test)]
mod tests {
	#[test]
	fn names_parse() {
		use super::Fault;
		assert_eq!(Fault::parse("lie"), Ok(Fault::Lie));
		assert_eq!(Fault::parse("collude"), Ok(Fault::Collude));
		assert_eq!(Fault::parse("crash-after-commit"), Ok(Fault::CrashAfterCommit));
		assert!(Fault::parse("explode").is_err());
	}
}
