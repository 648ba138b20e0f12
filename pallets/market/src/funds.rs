//! Every movement of CON the market makes: stakes, escrow, storage deposits and challengers'
//! bonds are holds on the native currency; payments move escrow (or an escalation's bond) to
//! providers, refunds release it, slashes move part of a stake to a challenger who won and burn the rest. Nothing
//! else in the pallet touches the currency.

use crate::{BalanceOf, Burned, Config, Error, HoldReason, JobInfo, Pallet, ProviderInfo};
use polkadot_sdk::{
	frame_support::{
		defensive,
		pallet_prelude::*,
		traits::{
			fungible::MutateHold,
			tokens::{Fortitude, Precision, Restriction},
		},
	},
	sp_runtime::{
		traits::{Saturating, Zero},
		Perbill,
	},
};

impl<T: Config> Pallet<T> {
	/// Hold `amount` of `who`'s free balance as stake.
	pub(crate) fn hold_stake(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		T::Currency::hold(&HoldReason::ProviderStake.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Release `amount` of `who`'s stake to its free balance; returns what was released.
	pub(crate) fn release_stake(who: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		T::Currency::release(&HoldReason::ProviderStake.into(), who, amount, Precision::BestEffort)
			.unwrap_or_else(|_| {
				defensive!("a provider's recorded stake is always held");
				Zero::zero()
			})
	}

	/// Hold `amount` of `who`'s free balance as a job's storage deposit.
	pub(crate) fn hold_deposit(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		T::Currency::hold(&HoldReason::StorageDeposit.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Return a pruned job's storage deposit to its owner; returns what was returned.
	pub(crate) fn release_deposit(job: &JobInfo<T>) -> BalanceOf<T> {
		if job.deposit.is_zero() {
			return job.deposit;
		}
		T::Currency::release(
			&HoldReason::StorageDeposit.into(),
			&job.owner,
			job.deposit,
			Precision::BestEffort,
		)
		.unwrap_or_else(|_| {
			defensive!("a job's deposit is held until it is pruned");
			Zero::zero()
		})
	}

	/// Burn up to `amount` of `job`'s storage deposit (its requester did not serve a task's
	/// data); returns what was burned, already taken off `job.deposit`.
	pub(crate) fn burn_deposit(job: &mut JobInfo<T>, amount: BalanceOf<T>) -> BalanceOf<T> {
		let amount = amount.min(job.deposit);
		if amount.is_zero() {
			return amount;
		}
		let burned = T::Currency::burn_held(
			&HoldReason::StorageDeposit.into(),
			&job.owner,
			amount,
			Precision::BestEffort,
			Fortitude::Force,
		)
		.unwrap_or_else(|_| {
			defensive!("a job's deposit is held until it is pruned");
			Zero::zero()
		});
		job.deposit.saturating_reduce(burned);
		Burned::<T>::mutate(|total| total.saturating_accrue(burned));
		burned
	}

	/// Hold `amount` of `who`'s free balance as a job's escrow.
	pub(crate) fn hold_escrow(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		T::Currency::hold(&HoldReason::JobEscrow.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Pay `amount` from `job`'s escrow to `to`; returns what was paid.
	pub(crate) fn pay_from_escrow(
		job: &mut JobInfo<T>,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		let amount = amount.min(job.escrow);
		let paid = T::Currency::transfer_on_hold(
			&HoldReason::JobEscrow.into(),
			&job.owner,
			to,
			amount,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Polite,
		)
		.unwrap_or_else(|_| {
			defensive!("a job's escrow is always held by its owner");
			Zero::zero()
		});
		job.escrow.saturating_reduce(paid);
		paid
	}

	/// Release `amount` of `job`'s escrow back to its owner; returns what was refunded.
	pub(crate) fn refund_escrow(job: &mut JobInfo<T>, amount: BalanceOf<T>) -> BalanceOf<T> {
		let amount = amount.min(job.escrow);
		if amount.is_zero() {
			return amount;
		}
		let refunded = T::Currency::release(
			&HoldReason::JobEscrow.into(),
			&job.owner,
			amount,
			Precision::BestEffort,
		)
		.unwrap_or_else(|_| {
			defensive!("a job's escrow is always held by its owner");
			Zero::zero()
		});
		job.escrow.saturating_reduce(refunded);
		refunded
	}

	/// Hold `amount` of `who`'s free balance as a challenger's bond.
	pub(crate) fn hold_bond(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		T::Currency::hold(&HoldReason::ChallengeBond.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Pay `amount` of `challenger`'s bond to `to` (a member of an escalation's committee);
	/// returns what was paid.
	pub(crate) fn pay_from_bond(
		challenger: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		T::Currency::transfer_on_hold(
			&HoldReason::ChallengeBond.into(),
			challenger,
			to,
			amount,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_default()
	}

	/// Burn `amount` of `who`'s bond: its challenge lost. Returns what was burned.
	pub(crate) fn burn_bond(who: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		let burned = T::Currency::burn_held(
			&HoldReason::ChallengeBond.into(),
			who,
			amount,
			Precision::BestEffort,
			Fortitude::Force,
		)
		.unwrap_or_default();
		Burned::<T>::mutate(|total| total.saturating_accrue(burned));
		burned
	}

	/// Return `amount` of `who`'s bond to its free balance; returns what was released.
	pub(crate) fn release_bond(who: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		if amount.is_zero() {
			return amount;
		}
		T::Currency::release(&HoldReason::ChallengeBond.into(), who, amount, Precision::BestEffort)
			.unwrap_or_else(|_| {
				defensive!("a challenger's bond is held until its challenge is decided");
				Zero::zero()
			})
	}

	/// Slash `share` of `provider`'s stake, and at least `at_least` (all of it when it has
	/// less). When `rewarded` is not empty, it shares
	/// [`Config::SlashRewardShare`] of the slash equally; the rest is burned. Returns the amount
	/// slashed, already taken off `provider.stake`.
	pub(crate) fn slash_stake(
		who: &T::AccountId,
		provider: &mut ProviderInfo<T>,
		share: Perbill,
		at_least: BalanceOf<T>,
		rewarded: &[T::AccountId],
	) -> BalanceOf<T> {
		let reason = HoldReason::ProviderStake.into();
		let amount = share.mul_floor(provider.stake).max(at_least).min(provider.stake);
		let mut slashed = BalanceOf::<T>::zero();
		if !rewarded.is_empty() {
			let each = (T::SlashRewardShare::get() * amount) / (rewarded.len() as u32).into();
			for to in rewarded {
				slashed.saturating_accrue(
					T::Currency::transfer_on_hold(
						&reason,
						who,
						to,
						each,
						Precision::BestEffort,
						Restriction::Free,
						Fortitude::Force,
					)
					.unwrap_or_default(),
				);
			}
		}
		let burn = amount.saturating_sub(slashed);
		let burned =
			T::Currency::burn_held(&reason, who, burn, Precision::BestEffort, Fortitude::Force)
				.unwrap_or_default();
		Burned::<T>::mutate(|total| total.saturating_accrue(burned));
		slashed.saturating_accrue(burned);
		provider.stake.saturating_reduce(slashed);
		slashed
	}
}
