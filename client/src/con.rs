//! Amounts of CON as people write them (`150`, `0.25`) and read them (`0.01 CON`).

/// CON has 12 decimals: one CON is 10¹² of its smallest unit.
pub const CON: u128 = 1_000_000_000_000;

/// Parses an amount of CON with up to 12 decimals (`"150"`, `"0.25"`) into the smallest unit.
pub fn parse_con(text: &str) -> Result<u128, String> {
	let bad = || format!("`{text}` is not an amount of CON (e.g. 150 or 0.25)");
	let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
	if whole.is_empty() && fraction.is_empty() || fraction.len() > 12 {
		return Err(bad());
	}
	let digits = |s: &str| s.is_empty() || s.bytes().all(|b| b.is_ascii_digit());
	if !digits(whole) || !digits(fraction) {
		return Err(bad());
	}
	let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
	let fraction: u128 = format!("{fraction:0<12}").parse().map_err(|_| bad())?;
	whole.checked_mul(CON).and_then(|w| w.checked_add(fraction)).ok_or_else(bad)
}

/// Formats an amount in the smallest unit as CON.
pub fn format_con(amount: u128) -> String {
	let fraction = format!("{:012}", amount % CON);
	let fraction = fraction.trim_end_matches('0');
	if fraction.is_empty() {
		format!("{} CON", amount / CON)
	} else {
		format!("{}.{fraction} CON", amount / CON)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn amounts_round_trip() {
		assert_eq!(parse_con("0.01"), Ok(CON / 100));
		assert_eq!(format_con(3 * CON + CON / 10), "3.1 CON");
		assert!(parse_con("1.0000000000001").is_err());
		assert!(parse_con("-1").is_err());
	}
}
