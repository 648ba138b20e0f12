//! The market's limits, read from the constants in the chain's metadata, so that the CLI and the
//! worker check a job or a registration as the chain will without keeping copies of its
//! configuration: when the runtime changes them, they follow.

use crate::{runtime::conun, AtBlock, Balance, BlockNumber, ChainError};

/// The bounds `post_job` and `register` check, and what a job holds while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketLimits {
	pub max_tasks_per_job: u32,
	pub max_replicas: u32,
	/// The longest execution, commit or reveal deadline, in blocks.
	pub max_deadline: BlockNumber,
	/// The highest reputation there is, and so the most a job may ask.
	pub max_reputation: u32,
	pub min_price: Balance,
	pub min_stake: Balance,
	pub max_tasks_per_provider: u32,
	/// The margin held for fresh rounds after a round without a majority, in parts per billion
	/// of the job's replicas.
	pub extra_replica_margin_ppb: u32,
	pub job_deposit: Balance,
	pub task_deposit: Balance,
	/// How long an ended job is kept before it is pruned and its deposit returned, in blocks.
	pub retention_period: BlockNumber,
}

/// What posting a job takes from its requester.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCost {
	/// Paid to providers if every replica agrees.
	pub paid: Balance,
	/// Held in escrow while it runs: the replicas and the margin for fresh rounds.
	pub escrow: Balance,
	/// Held for its storage until it is pruned.
	pub deposit: Balance,
}

impl MarketLimits {
	/// The limits of the runtime at `at`.
	pub fn at(at: &AtBlock) -> Result<Self, ChainError> {
		let market = conun::constants().market();
		let constants = at.constants();
		Ok(Self {
			max_tasks_per_job: constants.entry(market.max_tasks_per_job())?,
			max_replicas: constants.entry(market.max_replicas())?,
			max_deadline: constants.entry(market.max_deadline())?,
			max_reputation: constants.entry(market.max_reputation())?,
			min_price: constants.entry(market.min_price())?,
			min_stake: constants.entry(market.min_stake())?,
			max_tasks_per_provider: constants.entry(market.max_tasks_per_provider())?,
			extra_replica_margin_ppb: constants.entry(market.extra_replica_margin())?.0,
			job_deposit: constants.entry(market.job_deposit())?,
			task_deposit: constants.entry(market.task_deposit())?,
			retention_period: constants.entry(market.retention_period())?,
		})
	}

	/// What a job of `tasks` tasks with R = `replicas` at `price` a replica takes, as
	/// `post_job` works it out: R replicas a task, plus a margin of `ExtraReplicaMargin` of them
	/// (rounded up, and at least one fresh round of R) when there is a vote; and the deposit.
	pub fn cost(&self, tasks: u32, replicas: u32, price: Balance) -> JobCost {
		let slots = u128::from(tasks) * u128::from(replicas);
		let margin = if replicas > 1 {
			(slots * u128::from(self.extra_replica_margin_ppb))
				.div_ceil(1_000_000_000)
				.max(u128::from(replicas))
		} else {
			0
		};
		JobCost {
			paid: price.saturating_mul(slots),
			escrow: price.saturating_mul(slots + margin),
			deposit: self
				.task_deposit
				.saturating_mul(u128::from(tasks))
				.saturating_add(self.job_deposit),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn limits() -> MarketLimits {
		MarketLimits {
			max_tasks_per_job: 5_000,
			max_replicas: 7,
			max_deadline: 28_800,
			max_reputation: 1_000,
			min_price: 1,
			min_stake: 100,
			max_tasks_per_provider: 1_024,
			extra_replica_margin_ppb: 100_000_000,
			job_deposit: 100,
			task_deposit: 10,
			retention_period: 28_800,
		}
	}

	#[test]
	fn the_cost_is_what_post_job_holds() {
		let limits = limits();
		// 300 replicas and a 10 % margin of 30.
		assert_eq!(limits.cost(100, 3, 5), JobCost { paid: 1_500, escrow: 1_650, deposit: 1_100 });
		// A 10 % margin of 3 replicas rounds up to 1, but a fresh round needs all 3.
		assert_eq!(limits.cost(1, 3, 5), JobCost { paid: 15, escrow: 30, deposit: 110 });
		// No vote, no margin.
		assert_eq!(limits.cost(7, 1, 5), JobCost { paid: 35, escrow: 35, deposit: 170 });
	}
}
