//! Where the CON is, read from a live chain by walking its storage: the total issuance, what
//! the market has burned, every account's balance, each hold the market places (summed over
//! accounts), and what the market's own records say those holds must be.
//!
//! The market keeps its accounting invariants in `try_state` (pallet tests, try-runtime); this
//! is the same accounting as anyone can check it on a running network, without trusting the
//! runtime's own word: the network tests run it after every scenario, and an auditor can too.
//!
//! - [`Ledger::problems`]: every CON is somewhere (the accounts add up to the issuance), and
//!   each market hold equals what the market's records owe (escrow of the stored jobs, stakes
//!   of the providers, storage deposits, challenge bonds);
//! - [`Ledger::unaccounted_since`]: between two blocks, issuance plus what the market burned
//!   changed by exactly the transaction fees paid in between (fees are burned).
//!
//! It reads every account, job, provider and escalation: a query for tests and audits, not for
//! every block.

use crate::{
	runtime::conun::{
		self,
		runtime_types::{conun_runtime::RuntimeHoldReason, pallet_market::pallet::HoldReason},
	},
	AtBlock, Balance, Chain, ChainError,
};
use subxt::utils::AccountId32;

/// The four holds of the market, each summed over every account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketHolds {
	/// Budgets held from requesters for their jobs.
	pub escrow: Balance,
	/// Providers' stakes.
	pub stake: Balance,
	/// Requesters' storage deposits for their stored jobs.
	pub deposit: Balance,
	/// Challengers' bonds for open escalations.
	pub bond: Balance,
}

/// The chain's accounting at one block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
	/// The block's number.
	pub block: u64,
	/// `Balances::TotalIssuance`.
	pub issuance: Balance,
	/// Everything the market has burned (slashes, lost bonds and deposits), `Market::Burned`.
	pub burned: Balance,
	/// The sum of every account's free and reserved (held) balance.
	pub accounts: Balance,
	/// The market's holds as the balances pallet records them.
	pub held: MarketHolds,
	/// Holds for reasons other than the market's.
	pub held_otherwise: Balance,
	/// What the market's records say it holds: the escrow and deposit of every stored job, the
	/// stake of every provider and the bond of every escalation.
	pub owed: MarketHolds,
}

impl Ledger {
	/// Walks the chain's storage at `at`.
	pub async fn at(at: &AtBlock) -> Result<Self, ChainError> {
		let storage = at.storage();
		let mut ledger = Ledger {
			block: at.block_number(),
			issuance: storage
				.fetch(conun::storage().balances().total_issuance(), ())
				.await?
				.decode()?,
			burned: storage.fetch(conun::storage().market().burned(), ()).await?.decode()?,
			..Default::default()
		};

		let mut accounts = storage.iter(conun::storage().system().account(), ()).await?;
		while let Some(entry) = accounts.next().await {
			let data = entry?.value().decode()?.data;
			ledger.accounts =
				ledger.accounts.saturating_add(data.free).saturating_add(data.reserved);
		}

		let mut holds = storage.iter(conun::storage().balances().holds(), ()).await?;
		while let Some(entry) = holds.next().await {
			for hold in entry?.value().decode()?.0 {
				let sum = match hold.id {
					RuntimeHoldReason::Market(HoldReason::JobEscrow) => &mut ledger.held.escrow,
					RuntimeHoldReason::Market(HoldReason::ProviderStake) => &mut ledger.held.stake,
					RuntimeHoldReason::Market(HoldReason::StorageDeposit) => {
						&mut ledger.held.deposit
					},
					RuntimeHoldReason::Market(HoldReason::ChallengeBond) => &mut ledger.held.bond,
					#[allow(unreachable_patterns)]
					_ => &mut ledger.held_otherwise,
				};
				*sum = sum.saturating_add(hold.amount);
			}
		}

		let mut jobs = storage.iter(conun::storage().market().jobs(), ()).await?;
		while let Some(entry) = jobs.next().await {
			let job = entry?.value().decode()?;
			ledger.owed.escrow = ledger.owed.escrow.saturating_add(job.escrow);
			ledger.owed.deposit = ledger.owed.deposit.saturating_add(job.deposit);
		}
		let mut providers = storage.iter(conun::storage().market().providers(), ()).await?;
		while let Some(entry) = providers.next().await {
			ledger.owed.stake = ledger.owed.stake.saturating_add(entry?.value().decode()?.stake);
		}
		let mut escalations = storage.iter(conun::storage().market().escalations(), ()).await?;
		while let Some(entry) = escalations.next().await {
			ledger.owed.bond = ledger.owed.bond.saturating_add(entry?.value().decode()?.bond);
		}
		Ok(ledger)
	}

	/// What is wrong with this block's accounting, one sentence each; empty when nothing is.
	pub fn problems(&self) -> Vec<String> {
		let mut problems = Vec::new();
		if self.accounts != self.issuance {
			problems.push(format!(
				"the accounts hold {} but the total issuance is {}",
				self.accounts, self.issuance
			));
		}
		let pairs = [
			("escrow", self.held.escrow, self.owed.escrow, "the stored jobs' escrow"),
			("stake", self.held.stake, self.owed.stake, "the providers' stakes"),
			("deposit", self.held.deposit, self.owed.deposit, "the stored jobs' deposits"),
			("bond", self.held.bond, self.owed.bond, "the open escalations' bonds"),
		];
		for (hold, held, owed, what) in pairs {
			if held != owed {
				problems.push(format!("{held} is held as {hold}, but {what} add up to {owed}"));
			}
		}
		problems
	}

	/// How far issuance plus burned moved between `before` and this ledger beyond the `fees`
	/// paid in between: zero when every CON that left the issuance was a fee or a burn the
	/// market recorded, positive when CON vanished unrecorded, negative when CON appeared.
	pub fn unaccounted_since(&self, before: &Ledger, fees: Balance) -> i128 {
		let total = |l: &Ledger| l.issuance as i128 + l.burned as i128;
		total(before) - fees as i128 - total(self)
	}
}

/// The transaction fees (tips included) paid in the block `at`, by `payer` only when given.
pub async fn fees_in(at: &AtBlock, payer: Option<&AccountId32>) -> Result<Balance, ChainError> {
	let events = at.events().fetch().await?;
	let mut fees: Balance = 0;
	for event in events.find::<conun::transaction_payment::events::TransactionFeePaid>() {
		let event = event?;
		if payer.is_none_or(|payer| *payer == event.who) {
			fees = fees.saturating_add(event.actual_fee);
		}
	}
	Ok(fees)
}

impl Chain {
	/// The fees paid (by `payer` only, when given) in the blocks after `from` up to and
	/// including `to`, on the node's best chain. The node must still hold those blocks' state
	/// (an archive node, or blocks within its pruning window).
	pub async fn fees_between(
		&self,
		from: u64,
		to: u64,
		payer: Option<&AccountId32>,
	) -> Result<Balance, ChainError> {
		let mut fees: Balance = 0;
		for number in from + 1..=to {
			let at = self.at_number(number).await?.ok_or(ChainError::NoBestBlock)?;
			fees = fees.saturating_add(fees_in(&at, payer).await?);
		}
		Ok(fees)
	}
}
