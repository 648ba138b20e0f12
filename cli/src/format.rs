//! Small formatting helpers shared by the commands.

use subxt::utils::AccountId32;

/// An account's address, shortened for tables: `5Grwva…utQY`.
pub fn short(account: &AccountId32) -> String {
	let full = account.to_string();
	if full.len() > 12 {
		format!("{}…{}", &full[..6], &full[full.len() - 4..])
	} else {
		full
	}
}

/// A duration in seconds with one decimal.
pub fn seconds(duration: std::time::Duration) -> String {
	format!("{:.1} s", duration.as_secs_f64())
}
