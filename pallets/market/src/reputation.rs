//! Reputation and the settlement of one replica: what a replica's outcome does to its
//! provider's score, record, stake and status.
//!
//! Scores are asymmetric, as in iExec: agreeing with the verdict earns
//! [`Config::ReputationGain`] (up to [`Config::MaxReputation`]); disagreeing keeps only
//! [`Config::DisagreementKeeps`] of the score; missing a deadline costs
//! [`Config::MissedDeadlinePenalty`], and withholding a committed reveal costs at least as much
//! as disagreeing; being proved wrong by the chain's referee costs everything. Below [`Config::ReputationThreshold`] a provider receives
//! no work.

use crate::{Assignments, BalanceOf, Config, Event, Pallet, Providers};
use conun_primitives::{ProviderStatus, Standing, TaskRef};
use polkadot_sdk::{
	frame_support::{defensive, pallet_prelude::*},
	sp_runtime::traits::{Saturating, Zero},
};

/// How one replica ended.
pub(crate) enum Outcome<'a, AccountId, Balance> {
	/// Its result won the vote and it was paid `paid`.
	Agreed { paid: Balance },
	/// Its result lost the vote. Its slash is burned.
	Disagreed,
	/// The chain's referee proved its revealed result wrong; `challenger` receives part of its
	/// slash.
	Overruled { challenger: &'a AccountId },
	/// It missed its commit deadline (it may have crashed). It loses at least the replica's
	/// `price`: taking work and not doing it is never cheaper than doing it.
	Missed { price: Balance },
	/// It committed and then missed its reveal deadline: withholding a reveal costs at least
	/// as much as revealing a losing result, so a cheater who sees it would lose gains nothing
	/// by staying silent, and at least the replica's `price`.
	Withheld { price: Balance },
	/// Its round had no majority: it was paid `paid`, the base fee, and its score is unchanged
	/// (nobody can tell who was right).
	Inconclusive { paid: Balance },
	/// Released without reward or penalty: its job was cancelled before it revealed.
	Released,
}

impl<T: Config> Pallet<T> {
	/// Close `who`'s replica of `task`: apply `outcome` to its standing and stake, free its
	/// slot, and refresh its pool membership. `running` says whether the replica had not
	/// committed yet (it still occupied a task slot). Returns the amount slashed and the new
	/// reputation.
	pub(crate) fn settle_replica(
		task: TaskRef,
		who: &T::AccountId,
		running: bool,
		outcome: Outcome<T::AccountId, BalanceOf<T>>,
	) -> (BalanceOf<T>, u32) {
		Assignments::<T>::remove(who, task);
		let Some(mut provider) = Providers::<T>::get(who) else {
			defensive!("a provider with unsettled replicas cannot deregister");
			return (Zero::zero(), Self::standing(who).reputation);
		};
		let place = Self::pool_place(&provider);
		let mut standing = provider.standing;
		if running {
			provider.running.saturating_dec();
		}
		provider.unsettled.saturating_dec();

		let mut slashed = BalanceOf::<T>::zero();
		match outcome {
			Outcome::Agreed { paid } => {
				standing.reputation = standing
					.reputation
					.saturating_add(T::ReputationGain::get())
					.min(T::MaxReputation::get());
				standing.verified.saturating_inc();
				standing.earned.saturating_accrue(paid);
			},
			Outcome::Disagreed => {
				slashed = Self::slash_stake(
					who,
					&mut provider,
					T::DisagreementSlash::get(),
					Zero::zero(),
					&[],
				);
				standing.reputation = T::DisagreementKeeps::get() * standing.reputation;
				standing.disagreed.saturating_inc();
			},
			Outcome::Overruled { challenger } => {
				slashed = Self::slash_stake(
					who,
					&mut provider,
					T::RefereeSlash::get(),
					Zero::zero(),
					core::slice::from_ref(challenger),
				);
				standing.reputation = 0;
				standing.disagreed.saturating_inc();
			},
			Outcome::Withheld { price } => {
				let share = T::DisagreementSlash::get().max(T::MissedDeadlineSlash::get());
				slashed = Self::slash_stake(who, &mut provider, share, price, &[]);
				standing.reputation = (T::DisagreementKeeps::get() * standing.reputation)
					.min(standing.reputation.saturating_sub(T::MissedDeadlinePenalty::get()));
				standing.missed.saturating_inc();
			},
			Outcome::Missed { price } => {
				slashed = Self::slash_stake(
					who,
					&mut provider,
					T::MissedDeadlineSlash::get(),
					price,
					&[],
				);
				standing.reputation =
					standing.reputation.saturating_sub(T::MissedDeadlinePenalty::get());
				standing.missed.saturating_inc();
			},
			Outcome::Inconclusive { paid } => standing.earned.saturating_accrue(paid),
			Outcome::Released => {},
		}
		standing.slashed.saturating_accrue(slashed);
		provider.standing = standing;

		let suspended = provider.stake < T::MinStake::get()
			&& matches!(provider.status, ProviderStatus::Active | ProviderStatus::Paused);
		if suspended {
			provider.status = ProviderStatus::Suspended;
		}
		Self::refresh_pool(who, place, &provider);
		let stake = provider.stake;
		Providers::<T>::insert(who, provider);
		if suspended {
			Self::deposit_event(Event::ProviderSuspended { provider: who.clone(), stake });
		}
		(slashed, standing.reputation)
	}
}

/// A provider's standing after registering for the first time.
pub(crate) fn initial_standing<T: Config>() -> Standing<BalanceOf<T>> {
	Standing { reputation: T::InitialReputation::get(), ..Default::default() }
}
