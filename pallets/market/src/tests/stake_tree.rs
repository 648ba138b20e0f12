//! The stake tree: draws weighted by stake over pools that span several of its nodes.

use super::*;
use crate::{assignment::Draws, PoolTree};
use conun_primitives::RuntimeKind;

const KIND: RuntimeKind = RuntimeKind::Wasm;

fn draw(draws: &mut Draws) -> Option<u32> {
	Market::draw_pool_index(KIND, draws)
}

#[test]
fn the_tree_has_the_fewest_levels_that_hold_max_providers() {
	ExtBuilder::default().build().execute_with(|| {
		// The mock allows 64 providers: a root of 16 slots and 16 leaves of 16 members.
		assert_eq!(Market::tree_depth(), 2);
		assert_eq!(Market::first_node(1), 1);
		assert_eq!(Market::first_node(2), 17);
	});
}

#[test]
fn a_lone_member_is_drawn_wherever_it_sits_and_leaves_no_node_behind() {
	ExtBuilder::default().build().execute_with(|| {
		let mut draws = Draws::new([7; 32]);
		assert_eq!(draw(&mut draws), None, "an empty pool draws nobody");
		for index in [0, 15, 16, 37, 63] {
			assert!(Market::set_draw_weight(KIND, index, 5));
			assert!(!Market::set_draw_weight(KIND, index, 5), "the same weight changes nothing");
			assert_eq!(Market::pool_weight(KIND, index), 5);
			for _ in 0..20 {
				assert_eq!(draw(&mut draws), Some(index));
			}
			assert!(Market::set_draw_weight(KIND, index, 0));
			assert_eq!(PoolTree::<Test>::iter_prefix(KIND).count(), 0);
			assert_eq!(draw(&mut draws), None);
		}
	});
}

#[test]
#[cfg_attr(debug_assertions, should_panic(expected = "Defensive failure"))]
fn a_member_beyond_the_tree_is_refused() {
	ExtBuilder::default().build().execute_with(|| {
		// 16² = 256 indexes fit the mock's tree; the pool never grows past MaxProviders (64).
		assert!(!Market::set_draw_weight(KIND, 256, 5));
		assert_eq!(PoolTree::<Test>::iter_prefix(KIND).count(), 0);
	});
}

#[test]
fn draws_follow_weight_across_the_leaves() {
	ExtBuilder::default().build().execute_with(|| {
		// Member i weighs i + 1: the first leaf (members 0..16) holds 136 of 2,080, the last
		// (48..64) 904.
		for index in 0..64u32 {
			Market::set_draw_weight(KIND, index, u128::from(index) + 1);
		}
		assert_eq!(crate::stake_tree::node_sum(&PoolTree::<Test>::get(KIND, 0)), 2_080);
		let mut draws = Draws::new([3; 32]);
		let mut per_leaf = [0u32; 4];
		let rounds = 20_000;
		for _ in 0..rounds {
			let index = draw(&mut draws).expect("the pool weighs something");
			assert!(index < 64);
			per_leaf[(index / 16) as usize] += 1;
		}
		let share = |count: u32| f64::from(count) / f64::from(rounds);
		for (leaf, weight) in [(0, 136.0), (1, 392.0), (2, 648.0), (3, 904.0)] {
			let expected = weight / 2_080.0;
			assert!((share(per_leaf[leaf]) - expected).abs() < 0.015, "{per_leaf:?}");
		}
	});
}
