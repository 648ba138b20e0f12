//! The pools' stake, as a tree of sums with sixteen children per node, one tree per runtime,
//! so that a draw weighted by stake over the whole pool costs one storage read per level
//! whatever the pool's size: 4 for the 16,384 providers of `MaxProviders` (the binary Fenwick
//! tree it replaced read 15, and wrote 15 for every change to a member).
//!
//! Each pool member at index `i` weighs `min(stake, StakeWeightCap)`, at least 1. The tree has
//! `depth()` levels, the root at level 0. A node at level `l`, position `j`, covers the pool
//! indexes `j·16^(D−l) .. (j+1)·16^(D−l)` and holds, in slot `c`, the sum of the weights of its
//! child `c`'s range; a node of the last level holds its sixteen members' weights themselves.
//! The root's slots add up to the pool's whole weight. Nodes are numbered as in a heap: the
//! root is 0 and node `n`'s children are `16n + 1 ..= 16n + 16`. A node whose slots are all
//! zero is not stored.
//!
//! Drawing a point below the total and descending the tree finds the member whose range holds
//! it: each member is drawn with probability proportional to its capped stake. Splitting stake
//! over many identities then buys nothing: a thousand 100-CON Sybils weigh what one
//! 100,000-CON provider weighs.
//!
//! Updates (a member joins, leaves, or its stake changes) rewrite one node per level.

use crate::{assignment::Draws, BalanceOf, Config, Pallet, PoolTree};
use conun_primitives::RuntimeKind;
use polkadot_sdk::{
	frame_support::defensive,
	sp_runtime::traits::{Get, Saturating, UniqueSaturatedInto},
};

/// Children per node of the stake tree.
pub const FANOUT: u32 = 16;

/// One node of the stake tree: the weight below each of its children.
pub type TreeNode = [u128; FANOUT as usize];

/// The number of child `slot` of `node`: nodes are numbered as in a heap.
pub(crate) fn child_node(node: u64, slot: usize) -> u64 {
	node.saturating_mul(u64::from(FANOUT))
		.saturating_add(1)
		.saturating_add(slot as u64)
}

/// The parent of `node` (not the root) and the slot it fills there: [`child_node`] undone.
pub(crate) fn parent_node(node: u64) -> (u64, usize) {
	let above = node.saturating_sub(1);
	(above / u64::from(FANOUT), (above % u64::from(FANOUT)) as usize)
}

/// The sum of a node's slots.
pub(crate) fn node_sum(node: &TreeNode) -> u128 {
	node.iter().fold(0u128, |sum, slot| sum.saturating_add(*slot))
}

impl<T: Config> Pallet<T> {
	/// What a provider with `stake` weighs in a draw: its stake up to the cap, at least 1.
	pub(crate) fn draw_weight(stake: BalanceOf<T>) -> u128 {
		let capped: u128 = stake.min(T::StakeWeightCap::get()).unique_saturated_into();
		capped.max(1)
	}

	/// The levels of the tree: the fewest whose leaves cover `MaxProviders` members (at least
	/// one).
	pub(crate) fn tree_depth() -> u32 {
		let capacity = u64::from(T::MaxProviders::get());
		let mut depth = 1u32;
		let mut span = u64::from(FANOUT);
		while span < capacity {
			depth.saturating_inc();
			span = span.saturating_mul(u64::from(FANOUT));
		}
		depth
	}

	/// The number of the first node of `level`: `(16^level − 1) / 15`.
	pub(crate) fn first_node(level: u32) -> u64 {
		let mut first = 0u64;
		for _ in 0..level {
			first = first.saturating_mul(u64::from(FANOUT)).saturating_add(1);
		}
		first
	}

	/// The pool indexes the tree can hold: `16^depth`.
	fn tree_span() -> u64 {
		u64::from(FANOUT).saturating_pow(Self::tree_depth())
	}

	/// The node of the last level holding `index`, and its slot there.
	fn leaf_of(index: u32) -> (u32, usize) {
		let first = Self::first_node(Self::tree_depth().saturating_sub(1));
		let node = first.saturating_add(u64::from(index / FANOUT));
		(node.unique_saturated_into(), (index % FANOUT) as usize)
	}

	/// The draw weight of the member at `index` of `kind`'s pool (zero beyond the pool).
	pub(crate) fn pool_weight(kind: RuntimeKind, index: u32) -> u128 {
		let (leaf, slot) = Self::leaf_of(index);
		PoolTree::<T>::get(kind, leaf)[slot]
	}

	/// Set the weight of the member at `index` (0-based) of `kind`'s pool; zero removes it.
	/// Returns whether anything changed.
	pub(crate) fn set_draw_weight(kind: RuntimeKind, index: u32, weight: u128) -> bool {
		if u64::from(index) >= Self::tree_span() {
			defensive!("a pool is no larger than MaxProviders");
			return false;
		}
		let old = Self::pool_weight(kind, index);
		if old == weight {
			return false;
		}
		let (grow, delta) = if weight > old { (true, weight - old) } else { (false, old - weight) };
		// From the root down: at each level the slot is the index's next base-16 digit.
		let depth = Self::tree_depth();
		let mut node = 0u64;
		for level in 0..depth {
			let shift = 4u32.saturating_mul(depth.saturating_sub(level).saturating_sub(1));
			let slot = (index.checked_shr(shift).unwrap_or(0) % FANOUT) as usize;
			let key: u32 = node.unique_saturated_into();
			PoolTree::<T>::mutate_exists(kind, key, |stored| {
				let mut sums = stored.unwrap_or_default();
				if grow {
					sums[slot].saturating_accrue(delta);
				} else {
					sums[slot].saturating_reduce(delta);
				}
				*stored = (node_sum(&sums) > 0).then_some(sums);
			});
			node = child_node(node, slot);
		}
		true
	}

	/// Draw an index of `kind`'s pool with probability proportional to its member's weight;
	/// `None` when the pool weighs nothing.
	pub(crate) fn draw_pool_index(kind: RuntimeKind, draws: &mut Draws) -> Option<u32> {
		let mut sums = PoolTree::<T>::get(kind, 0);
		let total = node_sum(&sums);
		if total == 0 {
			return None;
		}
		let mut target = draws.below_u128(total);
		let depth = Self::tree_depth();
		let mut node = 0u64;
		let mut position = 0u32;
		for level in 0..depth {
			let Some(slot) = sums.iter().position(|sum| {
				if target < *sum {
					return true;
				}
				target -= sum;
				false
			}) else {
				defensive!("a stake tree node's slots add up to its parent's slot");
				return None;
			};
			position = position.saturating_mul(FANOUT).saturating_add(slot as u32);
			if level.saturating_add(1) < depth {
				node = child_node(node, slot);
				let key: u32 = node.unique_saturated_into();
				sums = PoolTree::<T>::get(kind, key);
			}
		}
		Some(position)
	}
}
