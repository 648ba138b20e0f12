//! Tests of the market, by topic. Each test runs in [`ExtBuilder::build_and_execute`], which
//! checks every invariant at the end, and [`run_to_block`] checks them after every block.

mod availability;
mod charging;
mod escalation;
mod jobs;
mod lifecycle;
mod liveness;
mod providers;
mod pruning;
mod randomized;
mod referee;
mod stake_tree;
mod upgrade;
mod views;

use crate::{mock::*, CommitItem, Event, ReplicaState, RevealItem, TaskRef, Tasks};
use conun_primitives::{commitment, JobId, TaskIndex};
use polkadot_sdk::{frame_support::assert_ok, sp_core::H256};

/// The result hash a test provider computes: `byte` repeated.
pub fn result(byte: u8) -> H256 {
	H256::repeat_byte(byte)
}

/// The salt a test provider uses.
pub fn salt(who: AccountId) -> [u8; 32] {
	[who as u8; 32]
}

/// Post a wasm job of `tasks` tasks with R = `replicas` from [`REQUESTER`]; returns its id.
pub fn post(replicas: u32, tasks: u32) -> JobId {
	post_terms(tasks, terms(replicas))
}

/// Post a wasm job of `tasks` tasks from [`REQUESTER`] with `terms`; returns its id.
pub fn post_terms(tasks: u32, terms: conun_primitives::JobTerms<Balance, BlockNumber>) -> JobId {
	let id = crate::NextJobId::<Test>::get();
	assert_ok!(Market::post_job(
		RuntimeOrigin::signed(REQUESTER),
		wasm_program(),
		inputs(tasks).try_into().unwrap(),
		terms,
		contact(0),
	));
	id
}

/// Post a one-task docker job (which the chain cannot referee, so a challenge escalates) with
/// R = `replicas` from [`REQUESTER`]; returns its id.
pub fn post_docker(replicas: u32) -> JobId {
	let id = crate::NextJobId::<Test>::get();
	let program = conun_primitives::Program::Docker {
		hash: H256::repeat_byte(9),
		size: 100,
		command: b"run".to_vec().try_into().unwrap(),
		args: Default::default(),
	};
	assert_ok!(Market::post_job(
		RuntimeOrigin::signed(REQUESTER),
		program,
		inputs(1).try_into().unwrap(),
		terms(replicas),
		contact(0),
	));
	id
}

/// The live replicas of a task, in assignment order.
pub fn replicas(job: JobId, task: TaskIndex) -> Vec<AccountId> {
	Tasks::<Test>::get(job, task).unwrap().live().map(|r| r.provider).collect()
}

pub fn replica_state(job: JobId, task: TaskIndex, who: AccountId) -> ReplicaState {
	let task = Tasks::<Test>::get(job, task).unwrap();
	task.replicas.iter().rev().find(|r| r.provider == who).unwrap().state
}

pub fn commit_item(who: AccountId, job: JobId, task: TaskIndex, byte: u8) -> CommitItem {
	let task = TaskRef { job, task };
	CommitItem { task, commitment: commitment(task, &who, &result(byte), &salt(who)) }
}

pub fn reveal_item(who: AccountId, job: JobId, task: TaskIndex, byte: u8) -> RevealItem {
	RevealItem { task: TaskRef { job, task }, result: result(byte), salt: salt(who) }
}

pub fn commit(who: AccountId, job: JobId, task: TaskIndex, byte: u8) {
	assert_ok!(Market::commit_results(
		RuntimeOrigin::signed(who),
		vec![commit_item(who, job, task, byte)].try_into().unwrap()
	));
}

pub fn reveal(who: AccountId, job: JobId, task: TaskIndex, byte: u8) {
	assert_ok!(Market::reveal_results(
		RuntimeOrigin::signed(who),
		vec![reveal_item(who, job, task, byte)].try_into().unwrap()
	));
}

/// Whether the market emitted `event`.
pub fn emitted(event: Event<Test>) -> bool {
	market_events().contains(&event)
}

pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}
