//! The pools' stake, as a Fenwick tree per runtime, so that a draw weighted by stake over the
//! whole pool costs O(log MaxProviders) reads, whatever the pool's size.
//!
//! Each pool member at index `i` weighs `min(stake, StakeWeightCap)` (`PoolStakes`), and
//! `PoolTree[kind][n]` holds the sum of the weights of indexes `n − lowbit(n) .. n` (1-based
//! nodes, up to `MaxProviders`). Drawing a point below the total and descending the tree
//! finds the member whose cumulative range holds it: each member is drawn with probability
//! proportional to its capped stake. Splitting stake over many identities then buys nothing:
//! a thousand 100-CON Sybils weigh what one 100,000-CON provider weighs.
//!
//! Updates (a member joins, leaves, or its stake changes) touch one node per level.

use crate::{assignment::Draws, BalanceOf, Config, Pallet, PoolStakes, PoolTotal, PoolTree};
use conun_primitives::RuntimeKind;
use polkadot_sdk::sp_runtime::traits::{Get, Saturating, UniqueSaturatedInto};

impl<T: Config> Pallet<T> {
	/// What a provider with `stake` weighs in a draw: its stake up to the cap, at least 1.
	pub(crate) fn draw_weight(stake: BalanceOf<T>) -> u128 {
		let capped: u128 = stake.min(T::StakeWeightCap::get()).unique_saturated_into();
		capped.max(1)
	}

	/// The nodes of the tree: one per possible pool member.
	fn capacity() -> u32 {
		T::MaxProviders::get()
	}

	/// Set the weight of the member at `index` (0-based) of `kind`'s pool; zero removes it.
	pub(crate) fn set_draw_weight(kind: RuntimeKind, index: u32, weight: u128) {
		let old = PoolStakes::<T>::get(kind, index);
		if old == weight {
			return;
		}
		let (grow, delta) = if weight > old { (true, weight - old) } else { (false, old - weight) };
		let mut node = index.saturating_add(1);
		while node <= Self::capacity() {
			PoolTree::<T>::mutate(kind, node, |sum| {
				if grow {
					sum.saturating_accrue(delta)
				} else {
					sum.saturating_reduce(delta)
				}
			});
			node = node.saturating_add(node & node.wrapping_neg());
		}
		PoolTotal::<T>::mutate(kind, |total| {
			if grow {
				total.saturating_accrue(delta)
			} else {
				total.saturating_reduce(delta)
			}
		});
		if weight == 0 {
			PoolStakes::<T>::remove(kind, index);
		} else {
			PoolStakes::<T>::insert(kind, index, weight);
		}
	}

	/// Draw an index of `kind`'s pool with probability proportional to its member's weight;
	/// `None` when the pool weighs nothing.
	pub(crate) fn draw_pool_index(kind: RuntimeKind, draws: &mut Draws) -> Option<u32> {
		let total = PoolTotal::<T>::get(kind);
		if total == 0 {
			return None;
		}
		let mut target = draws.below_u128(total);
		let capacity = Self::capacity();
		let mut position = 0u32;
		let mut step = if capacity == 0 { 0 } else { 1u32 << (31 - capacity.leading_zeros()) };
		while step > 0 {
			let next = position.saturating_add(step);
			if next <= capacity {
				let sum = PoolTree::<T>::get(kind, next);
				if sum <= target {
					target -= sum;
					position = next;
				}
			}
			step >>= 1;
		}
		Some(position)
	}
}
