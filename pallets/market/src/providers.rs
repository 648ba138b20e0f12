//! Providers: registration, stake, pause and unbonding, and the per-runtime pools that
//! assignment draws from.

use crate::{
	BalanceOf, Config, Error, Event, KeptStandings, LargestOffer, Pallet, Pool, PoolIndex, PoolLen,
	ProviderContacts, ProviderCount, ProviderInfo, Providers, RuntimeProviders, WeightInfo,
};
use conun_primitives::{Capabilities, Contact, ProviderStatus, RuntimeKind, RuntimeSet, Standing};
use polkadot_sdk::{
	frame_support::{defensive, pallet_prelude::*},
	frame_system,
	sp_runtime::traits::{Saturating, Zero},
};

environmental::environmental!(pool_edits: u32);

/// Run `f`, counting the pool edits it makes ([`Pallet::sync_pool`]); an enclosing count sees
/// them too.
///
/// A pool edit rewrites a path or two of the stake tree and the pool's slots: about 0.9 ms of
/// weight (`pool_edit`) that the benchmarks of the steps that cause one (an assignment filling
/// a provider's last slot, a commit freeing it, a payment raising its limit, a slash) do not
/// include, since an honest step with room to spare makes none. The hook and the calls that
/// may edit charge what this counts.
pub(crate) fn count_pool_edits<R>(f: impl FnOnce() -> R) -> (R, u32) {
	let mut edits = 0u32;
	let result = pool_edits::using(&mut edits, f);
	pool_edits::with(|outer| outer.saturating_accrue(edits));
	(result, edits)
}

impl<T: Config> Pallet<T> {
	pub(crate) fn do_register(
		who: T::AccountId,
		stake: BalanceOf<T>,
		capabilities: Capabilities,
		contact: Contact,
		price_floor: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!Providers::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		ensure!(stake >= T::MinStake::get(), Error::<T>::StakeBelowMinimum);
		Self::ensure_valid_capabilities(&capabilities)?;
		let count = ProviderCount::<T>::get();
		ensure!(count < T::MaxProviders::get(), Error::<T>::TooManyProviders);

		Self::hold_stake(&who, stake)?;
		// A provider that comes back finds its record where it left it.
		let standing =
			KeptStandings::<T>::take(&who).unwrap_or_else(crate::reputation::initial_standing::<T>);
		Self::count_runtimes(&capabilities.runtimes, true);
		Self::record_offer(&capabilities);
		ProviderCount::<T>::put(count.saturating_add(1));
		let provider = ProviderInfo::<T> {
			stake,
			status: ProviderStatus::Active,
			capabilities,
			price_floor,
			running: 0,
			unsettled: 0,
			registered_at: frame_system::Pallet::<T>::block_number(),
			standing,
		};
		Self::sync_pool(&who, &provider);
		Providers::<T>::insert(&who, provider);
		ProviderContacts::<T>::insert(&who, contact);
		Self::deposit_event(Event::ProviderRegistered { provider: who, stake });
		Ok(())
	}

	pub(crate) fn do_update(
		who: T::AccountId,
		capabilities: Capabilities,
		contact: Contact,
		price_floor: BalanceOf<T>,
	) -> DispatchResult {
		let mut provider = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		Self::ensure_valid_capabilities(&capabilities)?;

		Self::count_runtimes(&provider.capabilities.runtimes, false);
		Self::count_runtimes(&capabilities.runtimes, true);
		Self::record_offer(&capabilities);
		provider.capabilities = capabilities;
		provider.price_floor = price_floor;
		Self::sync_pool(&who, &provider);
		Providers::<T>::insert(&who, provider);
		ProviderContacts::<T>::insert(&who, contact);
		Self::deposit_event(Event::ProviderUpdated { provider: who });
		Ok(())
	}

	pub(crate) fn do_bond_extra(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut provider = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(
			!matches!(provider.status, ProviderStatus::Unbonding { .. }),
			Error::<T>::AlreadyUnbonding
		);

		Self::hold_stake(&who, amount)?;
		provider.stake.saturating_accrue(amount);
		let stake = provider.stake;
		let reinstated =
			provider.status == ProviderStatus::Suspended && stake >= T::MinStake::get();
		if reinstated {
			provider.status = ProviderStatus::Active;
		}
		Self::sync_pool(&who, &provider);
		Providers::<T>::insert(&who, provider);
		Self::deposit_event(Event::StakeBonded { provider: who.clone(), amount, stake });
		if reinstated {
			Self::deposit_event(Event::ProviderReinstated { provider: who, stake });
		}
		Ok(())
	}

	pub(crate) fn do_pause(who: T::AccountId) -> DispatchResult {
		let mut provider = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(provider.status == ProviderStatus::Active, Error::<T>::NotActive);

		provider.status = ProviderStatus::Paused;
		Self::sync_pool(&who, &provider);
		Providers::<T>::insert(&who, provider);
		Self::deposit_event(Event::ProviderPaused { provider: who });
		Ok(())
	}

	pub(crate) fn do_resume(who: T::AccountId) -> DispatchResult {
		let mut provider = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(provider.status == ProviderStatus::Paused, Error::<T>::NotPaused);

		provider.status = ProviderStatus::Active;
		Self::sync_pool(&who, &provider);
		Providers::<T>::insert(&who, provider);
		Self::deposit_event(Event::ProviderResumed { provider: who });
		Ok(())
	}

	pub(crate) fn do_unbond(who: T::AccountId) -> DispatchResult {
		let mut provider = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(
			!matches!(provider.status, ProviderStatus::Unbonding { .. }),
			Error::<T>::AlreadyUnbonding
		);
		ensure!(provider.unsettled == 0, Error::<T>::UnfinishedAssignments);

		let until =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
		provider.status = ProviderStatus::Unbonding { until };
		Self::sync_pool(&who, &provider);
		Providers::<T>::insert(&who, provider);
		Self::deposit_event(Event::UnbondingStarted { provider: who, until });
		Ok(())
	}

	pub(crate) fn do_withdraw_unbonded(who: T::AccountId) -> DispatchResult {
		let provider = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		let ProviderStatus::Unbonding { until } = provider.status else {
			return Err(Error::<T>::NotUnbonding.into());
		};
		ensure!(frame_system::Pallet::<T>::block_number() >= until, Error::<T>::UnbondingNotOver);
		ensure!(provider.unsettled == 0, Error::<T>::UnfinishedAssignments);

		let amount = Self::release_stake(&who, provider.stake);
		Self::count_runtimes(&provider.capabilities.runtimes, false);
		ProviderCount::<T>::mutate(|count| count.saturating_dec());
		Providers::<T>::remove(&who);
		ProviderContacts::<T>::remove(&who);
		// A standing with nothing on it is what a newcomer gets anyway: it leaves with the
		// provider, so coming and going leaves nothing behind. Any other is kept, so that
		// leaving cannot launder a bad record.
		if provider.standing != crate::reputation::initial_standing::<T>() {
			KeptStandings::<T>::insert(&who, provider.standing);
		}
		Self::deposit_event(Event::StakeWithdrawn { provider: who, amount });
		Ok(())
	}

	fn ensure_valid_capabilities(capabilities: &Capabilities) -> DispatchResult {
		ensure!(
			!capabilities.runtimes.is_empty()
				&& capabilities.resources.cores > 0
				&& capabilities.max_tasks > 0,
			Error::<T>::InvalidCapabilities
		);
		ensure!(
			capabilities.max_tasks <= T::MaxTasksPerProvider::get(),
			Error::<T>::TooManyTaskSlots
		);
		Ok(())
	}

	/// Raise each runtime's largest offer to what `capabilities` offer.
	fn record_offer(capabilities: &Capabilities) {
		for kind in capabilities.runtimes.kinds() {
			LargestOffer::<T>::mutate(kind, |offer| {
				let lends = &capabilities.resources;
				offer.cores = offer.cores.max(lends.cores);
				offer.memory_mib = offer.memory_mib.max(lends.memory_mib);
				offer.gpus = offer.gpus.max(lends.gpus);
			});
		}
	}

	/// Count providers in or out of the per-runtime totals.
	fn count_runtimes(runtimes: &RuntimeSet, add: bool) {
		for kind in runtimes.kinds() {
			RuntimeProviders::<T>::mutate(kind, |count| {
				if add {
					count.saturating_inc()
				} else {
					count.saturating_dec()
				}
			});
		}
	}

	/// The standing of `who`, registered or not (all zero for an account that never
	/// registered, or left with a newcomer's record).
	pub fn standing(who: &T::AccountId) -> Standing<BalanceOf<T>> {
		Providers::<T>::get(who)
			.map(|provider| provider.standing)
			.or_else(|| KeptStandings::<T>::get(who))
			.unwrap_or_default()
	}

	/// Put `who` in, or take it out of, each runtime's pool, so that the pools hold exactly the
	/// providers that can take new work. Call after every change to a provider.
	///
	/// Each runtime's pool it joins or leaves, or where its weight changes, is one pool edit,
	/// counted for the step that caused it ([`count_pool_edits`]).
	pub(crate) fn sync_pool(who: &T::AccountId, provider: &ProviderInfo<T>) {
		let available = provider.is_available();
		for kind in RuntimeKind::ALL {
			let wanted = available && provider.capabilities.runtimes.contains(kind);
			let edited = match (wanted, PoolIndex::<T>::get(kind, who)) {
				(true, None) => {
					let len = PoolLen::<T>::get(kind);
					Pool::<T>::insert(kind, len, who);
					PoolIndex::<T>::insert(kind, who, len);
					PoolLen::<T>::insert(kind, len.saturating_add(1));
					Self::set_draw_weight(kind, len, Self::draw_weight(provider.stake));
					true
				},
				// Its stake may have changed.
				(true, Some(index)) => {
					Self::set_draw_weight(kind, index, Self::draw_weight(provider.stake))
				},
				(false, Some(_)) => {
					Self::remove_from_pool(kind, who);
					true
				},
				(false, None) => false,
			};
			if edited {
				pool_edits::with(|edits| edits.saturating_inc());
			}
		}
	}

	/// What decides a provider's place in the pools: whether it can take new work, and its
	/// draw weight.
	pub(crate) fn pool_place(provider: &ProviderInfo<T>) -> (bool, u128) {
		(provider.is_available(), Self::draw_weight(provider.stake))
	}

	/// Refresh `who`'s pools after a change to its record (its standing too), given its place
	/// before the change ([`Self::pool_place`]). A change that moves neither (most commits,
	/// assignments and payments: a provider with room to spare stays where it is) leaves the
	/// pools alone without reading them.
	pub(crate) fn refresh_pool(
		who: &T::AccountId,
		before: (bool, u128),
		provider: &ProviderInfo<T>,
	) {
		if Self::pool_place(provider) != before {
			Self::sync_pool(who, provider);
		}
	}

	/// What `edits` pool edits weigh, each at the dearest (`pool_edit`: a member leaves from
	/// the front of a large pool and the last one moves into its place), with the other
	/// runtime's pool index `sync_pool` reads besides.
	pub(crate) fn pool_edits_weight(edits: u32) -> Weight {
		T::WeightInfo::pool_edit()
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_mul(u64::from(edits))
	}

	/// The most pool edits settling or releasing `replicas` replicas may bring: each provider
	/// joins or leaves each runtime's pool, or changes weight there, at most once per sync.
	pub(crate) fn worst_pool_edits_weight(replicas: u32) -> Weight {
		Self::pool_edits_weight(replicas.saturating_mul(RuntimeKind::ALL.len() as u32))
	}

	/// Run a call that may edit the pools and add what its edits weigh to the weight it
	/// reports (a call that reports none is charged what it declared, which holds the most
	/// edits it can make).
	pub(crate) fn with_pool_edits(
		call: impl FnOnce() -> DispatchResultWithPostInfo,
	) -> DispatchResultWithPostInfo {
		let (result, edits) = count_pool_edits(call);
		let edits = Self::pool_edits_weight(edits);
		result.map(|mut info| {
			info.actual_weight = info.actual_weight.map(|weight| weight.saturating_add(edits));
			info
		})
	}

	/// Remove `who` from `kind`'s pool by moving the last member into its place.
	pub(crate) fn remove_from_pool(kind: RuntimeKind, who: &T::AccountId) {
		let Some(index) = PoolIndex::<T>::take(kind, who) else { return };
		let len = PoolLen::<T>::get(kind);
		let Some(last) = len.checked_sub(1) else {
			defensive!("a pooled provider means a non-empty pool");
			return;
		};
		if index != last {
			if let Some(moved) = Pool::<T>::get(kind, last) {
				Pool::<T>::insert(kind, index, &moved);
				PoolIndex::<T>::insert(kind, moved, index);
				Self::set_draw_weight(kind, index, Self::pool_weight(kind, last));
			}
		}
		Self::set_draw_weight(kind, last, 0);
		Pool::<T>::remove(kind, last);
		PoolLen::<T>::insert(kind, last);
	}
}
