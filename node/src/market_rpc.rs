//! `market_*` JSON-RPC methods: the compute market's runtime API
//! ([`conun_primitives::ComputeMarketApi`]) over JSON, for clients without a SCALE codec.
//! Clients that decode SCALE (polkadot.js, subxt) can call the runtime API directly with
//! `state_call`; both give the same answers.

use std::sync::Arc;

use conun_primitives::{
	AssignmentView, ComputeMarketApi, JobId, JobView, MatchQuery, MatchReport, ProviderView,
};
use conun_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Hash};
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::error::{ErrorObject, ErrorObjectOwned},
};
use polkadot_sdk::{sp_api::ProvideRuntimeApi, sp_blockchain::HeaderBackend};

/// The compute market's questions, at the best block or at block `at`.
#[rpc(server)]
pub trait MarketApi {
	/// A provider's unfinished assignments and what to do about each.
	#[method(name = "market_assignments")]
	fn assignments(
		&self,
		provider: AccountId,
		at: Option<Hash>,
	) -> RpcResult<Vec<AssignmentView<BlockNumber>>>;

	/// A job's terms and progress.
	#[method(name = "market_job")]
	fn job(
		&self,
		job: JobId,
		at: Option<Hash>,
	) -> RpcResult<Option<JobView<AccountId, Balance, BlockNumber>>>;

	/// A provider's registration and record.
	#[method(name = "market_provider")]
	fn provider(
		&self,
		provider: AccountId,
		at: Option<Hash>,
	) -> RpcResult<Option<ProviderView<Balance, BlockNumber>>>;

	/// Which providers could take a job with these requirements, and if none, why.
	#[method(name = "market_matchJob")]
	fn match_job(&self, query: MatchQuery<Balance>, at: Option<Hash>) -> RpcResult<MatchReport>;
}

/// Answers [`MarketApiServer`] from the client's runtime.
pub struct Market<C> {
	client: Arc<C>,
}

impl<C> Market<C> {
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

/// The runtime call failed (for example, the block is unknown or pruned).
fn runtime_error(error: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObject::owned(1, "runtime API call failed", Some(error.to_string()))
}

impl<C> Market<C>
where
	C: HeaderBackend<Block>,
{
	fn at(&self, at: Option<Hash>) -> Hash {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}
}

impl<C> MarketApiServer for Market<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ComputeMarketApi<Block, AccountId, Balance, BlockNumber>,
{
	fn assignments(
		&self,
		provider: AccountId,
		at: Option<Hash>,
	) -> RpcResult<Vec<AssignmentView<BlockNumber>>> {
		self.client
			.runtime_api()
			.assignments(self.at(at), provider)
			.map_err(runtime_error)
	}

	fn job(
		&self,
		job: JobId,
		at: Option<Hash>,
	) -> RpcResult<Option<JobView<AccountId, Balance, BlockNumber>>> {
		self.client.runtime_api().job(self.at(at), job).map_err(runtime_error)
	}

	fn provider(
		&self,
		provider: AccountId,
		at: Option<Hash>,
	) -> RpcResult<Option<ProviderView<Balance, BlockNumber>>> {
		self.client.runtime_api().provider(self.at(at), provider).map_err(runtime_error)
	}

	fn match_job(&self, query: MatchQuery<Balance>, at: Option<Hash>) -> RpcResult<MatchReport> {
		self.client.runtime_api().match_job(self.at(at), query).map_err(runtime_error)
	}
}
