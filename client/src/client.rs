//! A connection to a conun node: reads the market at a given block and, when it has an account's
//! key, sends that account's transactions with nonces it keeps itself.

use crate::runtime::conun::{
	self,
	runtime_types::{
		bounded_collections::bounded_vec::BoundedVec,
		pallet_market::types::{CommitItem, JobInfo, JobProgram, RevealItem},
	},
};
use conun_primitives::{AssignmentView, Capabilities, Contact, JobId, ProviderView};
use subxt::{
	client::OnlineClientAtBlock,
	config::DefaultExtrinsicParamsBuilder,
	rpcs::{LegacyRpcMethods, RpcClient},
	transactions::{Payload, TransactionStatus},
	utils::{AccountId32, Static, H256},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;
use tokio::sync::Mutex;

/// The chain's configuration as subxt sees it: our runtime uses Polkadot's account, address,
/// signature, hashing and transaction extensions.
pub type ChainConfig = PolkadotConfig;
/// The chain as it was at one block.
pub type AtBlock = OnlineClientAtBlock<ChainConfig>;
/// CON, in its smallest unit.
pub type Balance = u128;
/// The runtime's block number.
pub type BlockNumber = u32;

/// How long a transaction stays valid, in blocks: long enough to survive a busy pool, short
/// enough that a stale one does not linger.
const MORTALITY: u64 = 32;

/// Why talking to the chain failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	#[error("cannot reach the node at {url}: {reason}")]
	Connect { url: String, reason: String },
	#[error("the node's runtime does not match this worker's (client/metadata/conun.scale): {0}")]
	Incompatible(String),
	#[error("the node refused the transaction: {0}")]
	Rejected(String),
	#[error("the transaction failed on chain: {0}")]
	Failed(#[source] Box<subxt::error::TransactionEventsError>),
	/// The transaction went in, but without the event that says what it did.
	#[error("the chain took the transaction but emitted no {0}")]
	MissingEvent(&'static str),
	#[error("this connection has no key to sign with: pass --key or --account")]
	ReadOnly,
	#[error("the node has no best block")]
	NoBestBlock,
	#[error("the node lost its finalized block")]
	NoFinalizedBlock,
	/// Talking to the node, or decoding what it said, failed.
	#[error(transparent)]
	Rpc(Box<subxt::Error>),
	/// The node sent bytes that do not decode as the runtime's types say.
	#[error("the node sent {what} that does not decode: {reason}")]
	Undecodable { what: &'static str, reason: String },
}

impl ChainError {
	/// Whether the node's pool already held this very transaction ("Transaction is already
	/// imported"). A signed transaction's bytes are unique (its signature is randomized), so the
	/// transaction this was said of is on its way, not refused: its watcher lost a race with
	/// its own import.
	pub fn already_imported(&self) -> bool {
		matches!(self, ChainError::Rejected(message) if message.contains("already imported"))
	}

	/// Whether the node refused the transaction as more than a block can hold
	/// (`InvalidTransaction::ExhaustsResources`): a smaller batch of the same items may fit.
	pub fn exhausts_block(&self) -> bool {
		matches!(self, ChainError::Rejected(message) if message.contains("exhaust the block limits"))
	}

	/// The name of the pallet error a transaction failed with (`TooLargeToReferee`, ...), so
	/// that callers can act on the chain's reason without matching on its message.
	pub fn module_error(&self) -> Option<String> {
		use subxt::error::{DispatchError, TransactionEventsError};
		match self {
			ChainError::Failed(failure) => match &**failure {
				TransactionEventsError::ExtrinsicFailed(DispatchError::Module(error)) => {
					error.details().ok().map(|details| details.variant.name.clone())
				},
				_ => None,
			},
			_ => None,
		}
	}
}

impl From<subxt::Error> for ChainError {
	fn from(error: subxt::Error) -> Self {
		ChainError::Rpc(Box::new(error))
	}
}

macro_rules! rpc_error_from {
	($($error:ty),*) => {$(
		impl From<$error> for ChainError {
			fn from(error: $error) -> Self {
				ChainError::Rpc(Box::new(subxt::Error::from(error)))
			}
		}
	)*};
}
rpc_error_from!(
	subxt::error::OnlineClientAtBlockError,
	subxt::error::EventsError,
	subxt::error::StorageKeyError,
	subxt::error::RuntimeApiError,
	subxt::error::StorageError,
	subxt::error::StorageValueError,
	subxt::error::BlocksError,
	subxt::error::ExtrinsicError,
	subxt::error::ConstantError,
	subxt::rpcs::Error
);

/// A job's terms and program, as the worker needs them to run one of its tasks.
#[derive(Clone, Debug)]
pub struct JobSpec {
	pub resources: conun_primitives::Resources,
	pub deadlines: conun_primitives::Deadlines<BlockNumber>,
	pub program: conun_primitives::Program,
	/// Where the requester serves the program and inputs.
	pub requester: Contact,
}

/// A connection to a node, with an account's key (or none: read-only).
pub struct Chain {
	api: OnlineClient<ChainConfig>,
	rpc: LegacyRpcMethods<subxt::config::RpcConfigFor<ChainConfig>>,
	signer: Option<Keypair>,
	/// The signer's account; all zeroes on a read-only connection, which never signs.
	account: AccountId32,
	/// The nonce of the account's next transaction, once known. Kept here rather than read
	/// from the chain before each transaction: the chain only knows about transactions already
	/// in a block, and the worker sends its next batch before the last one is in.
	next_nonce: Mutex<Option<u64>>,
}

impl Chain {
	/// Connects to the node at `url` (`ws://` or `wss://`), signing with `signer`, and checks
	/// that its runtime is the one this program was built for.
	pub async fn connect(url: &str, signer: Keypair) -> Result<Self, ChainError> {
		Self::open(url, Some(signer)).await
	}

	/// Connects without a key: reads only; [`Chain::submit`] answers [`ChainError::ReadOnly`].
	pub async fn connect_read_only(url: &str) -> Result<Self, ChainError> {
		Self::open(url, None).await
	}

	async fn open(url: &str, signer: Option<Keypair>) -> Result<Self, ChainError> {
		let connect_error = |reason: String| ChainError::Connect { url: url.to_string(), reason };
		let rpc = RpcClient::from_insecure_url(url)
			.await
			.map_err(|e| connect_error(e.to_string()))?;
		let api = OnlineClient::<ChainConfig>::from_rpc_client(rpc.clone())
			.await
			.map_err(|e| connect_error(e.to_string()))?;
		let at = api.at_current_block().await?;
		if !conun::is_codegen_valid_for(&at.metadata()) {
			return Err(ChainError::Incompatible(format!(
				"the node runs spec version {}; rebuild against it (scripts/update-metadata.sh)",
				at.spec_version()
			)));
		}
		let account = signer
			.as_ref()
			.map(|signer| signer.public_key().to_account_id())
			.unwrap_or(AccountId32([0; 32]));
		Ok(Self {
			api,
			rpc: LegacyRpcMethods::new(rpc),
			signer,
			account,
			next_nonce: Mutex::new(None),
		})
	}

	/// The signer's account (all zeroes on a read-only connection).
	pub fn account(&self) -> &AccountId32 {
		&self.account
	}

	/// The signer's account, as the runtime's own type.
	pub fn account_id(&self) -> polkadot_sdk::sp_core::crypto::AccountId32 {
		polkadot_sdk::sp_core::crypto::AccountId32::new(self.account.0)
	}

	/// The underlying subxt client.
	pub fn api(&self) -> &OnlineClient<ChainConfig> {
		&self.api
	}

	/// The node's plain JSON-RPC methods, for the reads subxt's client has no call for.
	pub(crate) fn rpc(&self) -> &LegacyRpcMethods<subxt::config::RpcConfigFor<ChainConfig>> {
		&self.rpc
	}

	/// The hash of the parent of the block `at` stands at.
	pub async fn parent_hash(&self, at: &AtBlock) -> Result<H256, ChainError> {
		let header = self
			.rpc
			.chain_get_header(Some(at.block_hash()))
			.await?
			.ok_or(ChainError::NoBestBlock)?;
		Ok(header.parent_hash)
	}

	/// The chain at its best block (the newest, not yet final).
	pub async fn at_best(&self) -> Result<AtBlock, ChainError> {
		let hash = self
			.rpc
			.chain_get_block_hash(None)
			.await?
			.ok_or_else(|| ChainError::NoBestBlock)?;
		Ok(self.api.at_block(hash).await?)
	}

	/// The number of the node's best block.
	pub async fn best_number(&self) -> Result<u64, ChainError> {
		let header =
			self.rpc.chain_get_header(None).await?.ok_or_else(|| ChainError::NoBestBlock)?;
		Ok(subxt::config::Header::number(&header))
	}

	/// The number of the node's last finalized block.
	pub async fn finalized_number(&self) -> Result<u64, ChainError> {
		let hash = self.rpc.chain_get_finalized_head().await?;
		let header = self
			.rpc
			.chain_get_header(Some(hash))
			.await?
			.ok_or_else(|| ChainError::NoFinalizedBlock)?;
		Ok(subxt::config::Header::number(&header))
	}

	/// The chain at a block.
	pub async fn at(&self, hash: H256) -> Result<AtBlock, ChainError> {
		Ok(self.api.at_block(hash).await?)
	}

	/// The chain at the block of this number on the node's best chain, if it has one.
	pub async fn at_number(&self, number: u64) -> Result<Option<AtBlock>, ChainError> {
		let block = subxt::rpcs::methods::legacy::BlockNumber::Number(number);
		match self.rpc.chain_get_block_hash(Some(block)).await? {
			Some(hash) => Ok(Some(self.api.at_block(hash).await?)),
			None => Ok(None),
		}
	}

	/// The provider's unfinished assignments at `at`.
	pub async fn assignments(
		&self,
		at: &AtBlock,
	) -> Result<Vec<AssignmentView<BlockNumber>>, ChainError> {
		let call = conun::runtime_apis().compute_market_api().assignments(self.account);
		let views = at.runtime_apis().call(call).await?;
		Ok(views.into_iter().map(|Static(view)| view).collect())
	}

	/// The provider's registration and record at `at`, if it is registered.
	pub async fn provider(
		&self,
		at: &AtBlock,
		who: &AccountId32,
	) -> Result<Option<ProviderView<Balance, BlockNumber>>, ChainError> {
		let call = conun::runtime_apis().compute_market_api().provider(*who);
		Ok(at.runtime_apis().call(call).await?.map(|Static(view)| view))
	}

	/// What running a task of `job` takes, at `at`.
	pub async fn job_spec(&self, at: &AtBlock, job: JobId) -> Result<Option<JobSpec>, ChainError> {
		let storage = at.storage();
		let Some(info) = storage.try_fetch(conun::storage().market().jobs(), (job,)).await? else {
			return Ok(None);
		};
		let Some(program) =
			storage.try_fetch(conun::storage().market().job_programs(), (job,)).await?
		else {
			return Ok(None);
		};
		let info: JobInfo = info.decode()?;
		let program: JobProgram = program.decode()?;
		Ok(Some(JobSpec {
			resources: info.resources.0,
			deadlines: info.deadlines.0,
			program: program.program.0,
			requester: program.requester.0,
		}))
	}

	/// The signer's free balance at `at`.
	pub async fn free_balance(&self, at: &AtBlock) -> Result<Balance, ChainError> {
		Ok(self.balance_of(at, &self.account).await?.free)
	}

	/// Sends the provider's commitments in one transaction.
	pub async fn send_commits(
		&self,
		commits: Vec<(conun_primitives::TaskRef, H256)>,
	) -> Result<Submitted, ChainError> {
		let items = commits
			.into_iter()
			.map(|(task, commitment)| CommitItem { task: Static(task), commitment })
			.collect();
		self.submit(&conun::tx().market().commit_results(BoundedVec(items))).await
	}

	/// Sends the provider's reveals in one transaction.
	pub async fn send_reveals(
		&self,
		reveals: Vec<(conun_primitives::TaskRef, H256, conun_primitives::Salt)>,
	) -> Result<Submitted, ChainError> {
		let items = reveals
			.into_iter()
			.map(|(task, result, salt)| RevealItem { task: Static(task), result, salt })
			.collect();
		self.submit(&conun::tx().market().reveal_results(BoundedVec(items))).await
	}

	/// Reports, in one transaction, tasks whose program or input no peer could provide: the
	/// chain releases the provider from them without penalty.
	pub async fn send_unavailable(
		&self,
		tasks: Vec<conun_primitives::TaskRef>,
	) -> Result<Submitted, ChainError> {
		let tasks = tasks.into_iter().map(Static).collect();
		self.submit(&conun::tx().market().report_unavailable(BoundedVec(tasks))).await
	}

	/// Challenges the verdict on a wasm task while it is open to challenge: the chain runs the
	/// task itself on `program` and `input` (checked against their hashes on chain) with
	/// `fuel`, what the challenger's own run burned, and its result decides. Waits until the
	/// challenge is in a block.
	pub async fn challenge_wasm(
		&self,
		task: conun_primitives::TaskRef,
		program: Vec<u8>,
		input: Vec<u8>,
		fuel: u64,
	) -> Result<(), ChainError> {
		let call = conun::tx().market().challenge_wasm(
			Static(task),
			BoundedVec(program),
			BoundedVec(input),
			fuel,
		);
		self.submit_and_wait(&call).await
	}

	/// Escalates the verdict on a task the chain cannot referee itself (docker, or wasm beyond
	/// the referee's limits) while it is open to challenge: a fresh committee decides it.
	/// Holds the escalation's bond; waits until the challenge is in a block.
	pub async fn challenge_escalate(
		&self,
		task: conun_primitives::TaskRef,
	) -> Result<(), ChainError> {
		self.submit_and_wait(&conun::tx().market().challenge_escalate(Static(task)))
			.await
	}

	/// Registers the provider.
	pub async fn register(
		&self,
		stake: Balance,
		capabilities: Capabilities,
		contact: Contact,
		price_floor: Balance,
	) -> Result<(), ChainError> {
		let call = conun::tx().market().register(
			stake,
			Static(capabilities),
			Static(contact),
			price_floor,
		);
		self.submit_and_wait(&call).await
	}

	/// Updates a registered provider's capabilities, contact and price floor.
	pub async fn update(
		&self,
		capabilities: Capabilities,
		contact: Contact,
		price_floor: Balance,
	) -> Result<(), ChainError> {
		let call = conun::tx().market().update(Static(capabilities), Static(contact), price_floor);
		self.submit_and_wait(&call).await
	}

	/// Starts unbonding the provider's stake.
	pub async fn unbond(&self) -> Result<(), ChainError> {
		self.submit_and_wait(&conun::tx().market().unbond()).await
	}

	/// Releases the stake once unbonding is over.
	pub async fn withdraw_unbonded(&self) -> Result<(), ChainError> {
		self.submit_and_wait(&conun::tx().market().withdraw_unbonded()).await
	}

	/// Takes new assignments again after a pause.
	pub async fn resume(&self) -> Result<(), ChainError> {
		self.submit_and_wait(&conun::tx().market().resume()).await
	}

	/// Pauses new assignments.
	pub async fn pause(&self) -> Result<(), ChainError> {
		self.submit_and_wait(&conun::tx().market().pause()).await
	}

	/// Signs `call` with the next nonce and hands it to the node's pool, without waiting for
	/// it to be in a block. When the node refuses it the nonce is read afresh next time.
	///
	/// The transaction's mortality is counted from the last finalized block, not the best one:
	/// a transaction born on a block that a reorg removes would be invalid on the new fork, and
	/// its nonce would hold up every later transaction until it expired.
	pub async fn submit<Call: Payload>(&self, call: &Call) -> Result<Submitted, ChainError> {
		let signer = self.signer.as_ref().ok_or(ChainError::ReadOnly)?;
		let at = self.api.at_current_block().await?;
		let mut next_nonce = self.next_nonce.lock().await;
		let nonce = match *next_nonce {
			Some(nonce) => nonce,
			None => self.rpc.system_account_next_index(&self.account).await?,
		};
		let params = DefaultExtrinsicParamsBuilder::<ChainConfig>::new()
			.nonce(nonce)
			.mortal(MORTALITY)
			.build();
		let signed = at.transactions().create_signed(call, signer, params).await?;
		match signed.submit_and_watch().await {
			Ok(progress) => {
				*next_nonce = Some(nonce + 1);
				Ok(Submitted { nonce, progress })
			},
			Err(error) => {
				*next_nonce = None;
				Err(ChainError::Rejected(error.to_string()))
			},
		}
	}

	/// Sends `call` and waits until it is in a best block, reporting whether it succeeded.
	pub async fn submit_and_wait<Call: Payload>(&self, call: &Call) -> Result<(), ChainError> {
		let submitted = self.submit(call).await?;
		submitted.outcome().await.map(|_| ())
	}

	/// Sends `call`, waits until it is in a best block and returns the block's hash and the
	/// events the transaction emitted.
	pub async fn submit_for_events<Call: Payload>(
		&self,
		call: &Call,
	) -> Result<(H256, TransactionEvents), ChainError> {
		self.submit(call).await?.events().await
	}

	/// What sending `call` would cost in fees now, without sending it.
	pub async fn fee_estimate<Call: Payload>(&self, call: &Call) -> Result<Balance, ChainError> {
		let signer = self.signer.as_ref().ok_or(ChainError::ReadOnly)?;
		let at = self.api.at_current_block().await?;
		let signed = at
			.transactions()
			.create_signed(
				call,
				signer,
				DefaultExtrinsicParamsBuilder::<ChainConfig>::new().build(),
			)
			.await?;
		Ok(signed.partial_fee_estimate().await?)
	}

	/// Forgets the nonce, so that the next transaction reads it from the node's pool.
	pub async fn reset_nonce(&self) {
		*self.next_nonce.lock().await = None;
	}
}

/// A transaction in the node's pool.
pub struct Submitted {
	pub nonce: u64,
	progress: subxt::transactions::TransactionProgress<
		ChainConfig,
		subxt::client::OnlineClientAtBlockImpl<ChainConfig>,
	>,
}

/// The events one transaction emitted.
pub type TransactionEvents = subxt::extrinsics::ExtrinsicEvents<ChainConfig>;

impl Submitted {
	/// Waits until the transaction is in a best block; returns that block's hash, or why it
	/// failed or was dropped.
	pub async fn outcome(self) -> Result<H256, ChainError> {
		self.events().await.map(|(hash, _)| hash)
	}

	/// Waits until the transaction is in a best block; returns that block's hash and the
	/// transaction's events, or why it failed or was dropped.
	pub async fn events(mut self) -> Result<(H256, TransactionEvents), ChainError> {
		while let Some(status) = self.progress.next().await {
			match status.map_err(subxt::Error::from)? {
				TransactionStatus::InBestBlock(in_block)
				| TransactionStatus::InFinalizedBlock(in_block) => {
					return match in_block.wait_for_success().await {
						Ok(events) => Ok((in_block.block_hash(), events)),
						Err(error) => Err(ChainError::Failed(Box::new(error))),
					};
				},
				TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message }
				| TransactionStatus::Error { message } => return Err(ChainError::Rejected(message)),
				_ => {},
			}
		}
		Err(ChainError::Rejected("the node stopped reporting on the transaction".into()))
	}
}

#[cfg(test)]
mod tests {
	use super::ChainError;

	#[test]
	fn the_nodes_refusals_that_callers_act_on_are_told_apart() {
		let full = ChainError::Rejected(
			"Invalid Transaction: Transaction would exhaust the block limits".into(),
		);
		let twice = ChainError::Rejected("Transaction is already imported".into());
		let other = ChainError::Rejected("Invalid Transaction: Inability to pay some fees".into());
		assert!(full.exhausts_block() && !full.already_imported());
		assert!(twice.already_imported() && !twice.exhausts_block());
		assert!(!other.exhausts_block() && !other.already_imported());
	}
}
