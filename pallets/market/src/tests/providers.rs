//! Provider registration, stake, pause and unbonding.

use super::*;
use crate::{
	Error, KeptStandings, PoolLen, ProviderCount, ProviderStatus, Providers, RuntimeKind,
	RuntimeProviders, RuntimeSet, Standing,
};
use polkadot_sdk::frame_support::{assert_noop, traits::fungible::InspectHold};

fn stake_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&crate::HoldReason::ProviderStake.into(), &who)
}

#[test]
fn register_holds_stake_and_pools_the_provider() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Market::register(RuntimeOrigin::signed(1), 5_000, caps(), contact(1), 7));
		assert_eq!(stake_held(1), 5_000);
		assert_eq!(free(1), ENDOWMENT - 5_000);
		let provider = Providers::<Test>::get(1).unwrap();
		assert_eq!(
			(provider.stake, provider.price_floor, provider.status),
			(5_000, 7, ProviderStatus::Active)
		);
		assert_eq!(Market::standing(&1).reputation, 500);
		assert_eq!(PoolLen::<Test>::get(RuntimeKind::Wasm), 1);
		assert_eq!(PoolLen::<Test>::get(RuntimeKind::Docker), 1);
		assert_eq!(ProviderCount::<Test>::get(), 1);
		System::assert_last_event(Event::ProviderRegistered { provider: 1, stake: 5_000 }.into());
	});
}

#[test]
fn register_fails_when_already_registered() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		assert_noop!(
			Market::register(RuntimeOrigin::signed(1), 5_000, caps(), contact(1), 1),
			Error::<Test>::AlreadyRegistered
		);
	});
}

#[test]
fn register_fails_below_minimum_stake() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Market::register(RuntimeOrigin::signed(1), MIN_STAKE - 1, caps(), contact(1), 1),
			Error::<Test>::StakeBelowMinimum
		);
	});
}

#[test]
fn register_fails_with_invalid_capabilities() {
	ExtBuilder::default().build_and_execute(|| {
		let mut no_runtime = caps();
		no_runtime.runtimes = RuntimeSet::default();
		let mut no_slots = caps();
		no_slots.max_tasks = 0;
		let mut no_cores = caps();
		no_cores.resources.cores = 0;
		for bad in [no_runtime, no_slots, no_cores] {
			assert_noop!(
				Market::register(RuntimeOrigin::signed(1), 5_000, bad, contact(1), 1),
				Error::<Test>::InvalidCapabilities
			);
		}
	});
}

#[test]
fn register_fails_when_the_registry_is_full() {
	let all: Vec<AccountId> = (1..=64).collect();
	ExtBuilder::default().providers(&all).build_and_execute(|| {
		assert_noop!(
			Market::register(RuntimeOrigin::signed(65), 5_000, caps(), contact(65), 1),
			Error::<Test>::TooManyProviders
		);
	});
}

#[test]
fn register_fails_without_the_balance() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Market::register(RuntimeOrigin::signed(1), ENDOWMENT, caps(), contact(1), 1),
			Error::<Test>::InsufficientBalance
		);
		// An account that does not exist cannot stake either.
		assert_noop!(
			Market::register(RuntimeOrigin::signed(999), 5_000, caps(), contact(1), 1),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn update_moves_the_provider_between_pools() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		let mut wasm_only = caps();
		wasm_only.runtimes = RuntimeSet { wasm: true, docker: false };
		assert_ok!(Market::update(RuntimeOrigin::signed(1), wasm_only, contact(9), 3));
		assert_eq!(PoolLen::<Test>::get(RuntimeKind::Docker), 0);
		assert_eq!(RuntimeProviders::<Test>::get(RuntimeKind::Docker), 0);
		assert_eq!(Providers::<Test>::get(1).unwrap().price_floor, 3);
		assert_eq!(crate::ProviderContacts::<Test>::get(1), Some(contact(9)));
		System::assert_last_event(Event::ProviderUpdated { provider: 1 }.into());
	});
}

#[test]
fn update_fails_when_not_registered_or_invalid() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		assert_noop!(
			Market::update(RuntimeOrigin::signed(2), caps(), contact(2), 1),
			Error::<Test>::NotRegistered
		);
		let mut bad = caps();
		bad.max_tasks = 0;
		assert_noop!(
			Market::update(RuntimeOrigin::signed(1), bad, contact(1), 1),
			Error::<Test>::InvalidCapabilities
		);
	});
}

#[test]
fn bond_extra_adds_stake() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		assert_ok!(Market::bond_extra(RuntimeOrigin::signed(1), 500));
		assert_eq!(stake_held(1), 10_500);
		System::assert_last_event(
			Event::StakeBonded { provider: 1, amount: 500, stake: 10_500 }.into(),
		);
	});
}

#[test]
fn bond_extra_fails_on_zero_unregistered_unbonding_or_poor() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		assert_noop!(Market::bond_extra(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
		assert_noop!(Market::bond_extra(RuntimeOrigin::signed(2), 5), Error::<Test>::NotRegistered);
		assert_noop!(
			Market::bond_extra(RuntimeOrigin::signed(1), ENDOWMENT),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(Market::unbond(RuntimeOrigin::signed(1)));
		assert_noop!(
			Market::bond_extra(RuntimeOrigin::signed(1), 5),
			Error::<Test>::AlreadyUnbonding
		);
	});
}

#[test]
fn pause_and_resume_take_the_provider_out_of_and_back_into_the_pools() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		assert_ok!(Market::pause(RuntimeOrigin::signed(1)));
		assert_eq!(PoolLen::<Test>::get(RuntimeKind::Wasm), 0);
		System::assert_last_event(Event::ProviderPaused { provider: 1 }.into());
		assert_noop!(Market::pause(RuntimeOrigin::signed(1)), Error::<Test>::NotActive);
		assert_ok!(Market::resume(RuntimeOrigin::signed(1)));
		assert_eq!(PoolLen::<Test>::get(RuntimeKind::Wasm), 1);
		System::assert_last_event(Event::ProviderResumed { provider: 1 }.into());
		assert_noop!(Market::resume(RuntimeOrigin::signed(1)), Error::<Test>::NotPaused);
		assert_noop!(Market::pause(RuntimeOrigin::signed(2)), Error::<Test>::NotRegistered);
		assert_noop!(Market::resume(RuntimeOrigin::signed(2)), Error::<Test>::NotRegistered);
	});
}

#[test]
fn unbond_then_withdraw_releases_the_stake_and_leaves_nothing_behind() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		assert_ok!(Market::unbond(RuntimeOrigin::signed(1)));
		System::assert_last_event(
			Event::UnbondingStarted { provider: 1, until: 1 + UNBONDING }.into(),
		);
		assert_noop!(Market::unbond(RuntimeOrigin::signed(1)), Error::<Test>::AlreadyUnbonding);
		assert_noop!(
			Market::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::UnbondingNotOver
		);
		run_to_block(1 + UNBONDING);
		assert_ok!(Market::withdraw_unbonded(RuntimeOrigin::signed(1)));
		System::assert_last_event(Event::StakeWithdrawn { provider: 1, amount: 10_000 }.into());
		assert_eq!(free(1), ENDOWMENT);
		assert!(Providers::<Test>::get(1).is_none());
		// Nothing was on its record: coming and going leaves no storage behind.
		assert!(KeptStandings::<Test>::get(1).is_none());
		assert_eq!(ProviderCount::<Test>::get(), 0);
	});
}

#[test]
fn a_provider_that_leaves_keeps_a_record_with_anything_on_it() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		let record =
			Standing { reputation: 350, verified: 4, missed: 3, slashed: 60, ..Default::default() };
		Providers::<Test>::mutate(1, |p| p.as_mut().unwrap().standing = record);
		assert_ok!(Market::unbond(RuntimeOrigin::signed(1)));
		run_to_block(1 + UNBONDING);
		assert_ok!(Market::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!(
			KeptStandings::<Test>::get(1),
			Some(record),
			"leaving does not launder a record"
		);
		assert_eq!(Market::standing(&1), record, "and it stays public");
		// Coming back starts from it, not from a newcomer's, and it lives in the record again.
		assert_ok!(Market::register(RuntimeOrigin::signed(1), 10_000, caps(), contact(1), 1));
		assert_eq!(Providers::<Test>::get(1).unwrap().standing, record);
		assert!(KeptStandings::<Test>::get(1).is_none());
		assert_eq!(Market::do_try_state(), Ok(()));
	});
}

#[test]
fn unbond_and_withdraw_fail_when_not_registered_or_not_unbonding() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		assert_noop!(Market::unbond(RuntimeOrigin::signed(2)), Error::<Test>::NotRegistered);
		assert_noop!(
			Market::withdraw_unbonded(RuntimeOrigin::signed(2)),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			Market::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::NotUnbonding
		);
	});
}

#[test]
fn unbonding_is_refused_while_assignments_are_open() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		let job = post(1, 1);
		run_to_block(2);
		assert_eq!(replicas(job, 0), vec![1]);
		assert_noop!(
			Market::unbond(RuntimeOrigin::signed(1)),
			Error::<Test>::UnfinishedAssignments
		);
		commit(1, job, 0, 7);
		assert_noop!(
			Market::unbond(RuntimeOrigin::signed(1)),
			Error::<Test>::UnfinishedAssignments
		);
		reveal(1, job, 0, 7);
		assert_ok!(Market::unbond(RuntimeOrigin::signed(1)));
	});
}

#[test]
fn a_provider_that_left_keeps_its_reputation_when_it_returns() {
	ExtBuilder::default().providers(&[1]).build_and_execute(|| {
		Providers::<Test>::mutate(1, |p| p.as_mut().unwrap().standing.reputation = 150);
		assert_ok!(Market::unbond(RuntimeOrigin::signed(1)));
		run_to_block(1 + UNBONDING);
		assert_ok!(Market::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_ok!(Market::register(RuntimeOrigin::signed(1), 5_000, caps(), contact(1), 1));
		assert_eq!(Market::standing(&1).reputation, 150);
	});
}

#[test]
fn a_provider_slashed_below_the_minimum_is_suspended_until_it_bonds_again() {
	ExtBuilder::default()
		.providers(&[1, 2, 3])
		.stake(MIN_STAKE)
		.build_and_execute(|| {
			let job = post(3, 1);
			run_to_block(2);
			for who in [1, 2] {
				commit(who, job, 0, 7);
			}
			commit(3, job, 0, 8);
			for who in [1, 2] {
				reveal(who, job, 0, 7);
			}
			reveal(3, job, 0, 8);
			assert_eq!(Providers::<Test>::get(3).unwrap().status, ProviderStatus::Suspended);
			assert!(emitted(Event::ProviderSuspended { provider: 3, stake: MIN_STAKE - 100 }));
			assert_eq!(PoolLen::<Test>::get(RuntimeKind::Wasm), 2);
			assert_ok!(Market::bond_extra(RuntimeOrigin::signed(3), 100));
			assert_eq!(Providers::<Test>::get(3).unwrap().status, ProviderStatus::Active);
			System::assert_last_event(
				Event::ProviderReinstated { provider: 3, stake: MIN_STAKE }.into(),
			);
			assert_eq!(PoolLen::<Test>::get(RuntimeKind::Wasm), 3);
		});
}
