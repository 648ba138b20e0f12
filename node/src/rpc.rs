//! The node's JSON-RPC methods beyond Substrate's standard set: account nonces
//! (`system_accountNextIndex`) and fee queries (`payment_queryInfo`), which wallets use, and
//! `babe_epochAuthorship`, which tells an operator the slots its keys may author, and the
//! compute market's `market_*` methods ([`crate::market_rpc`]).

use std::sync::Arc;

use crate::market_rpc::{Market, MarketApiServer};
use conun_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};
use jsonrpsee::RpcModule;
use polkadot_sdk::{
	pallet_transaction_payment_rpc::{
		TransactionPayment, TransactionPaymentApiServer, TransactionPaymentRuntimeApi,
	},
	sc_consensus_babe::BabeWorkerHandle,
	sc_consensus_babe_rpc::{Babe, BabeApiServer},
	sc_transaction_pool_api::TransactionPool,
	sp_api::ProvideRuntimeApi,
	sp_block_builder::BlockBuilder,
	sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata},
	sp_consensus::SelectChain,
	sp_consensus_babe::BabeApi,
	sp_keystore::KeystorePtr,
	substrate_frame_rpc_system::{AccountNonceApi, System, SystemApiServer},
};

/// What the BABE RPC needs: BABE's epoch data, the node's keys and its chain selection.
pub struct BabeDeps<SC> {
	pub worker_handle: BabeWorkerHandle<Block>,
	pub keystore: KeystorePtr,
	pub select_chain: SC,
}

/// What the RPC extensions need from the node.
pub struct FullDeps<C, P, SC> {
	/// The client, to call runtime APIs.
	pub client: Arc<C>,
	/// The transaction pool, for nonces of pending transactions.
	pub pool: Arc<P>,
	pub babe: BabeDeps<SC>,
}

/// The RPC extensions of a full node.
pub fn create_full<C, P, SC>(
	deps: FullDeps<C, P, SC>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: AccountNonceApi<Block, AccountId, Nonce>
		+ TransactionPaymentRuntimeApi<Block, Balance>
		+ BlockBuilder<Block>
		+ BabeApi<Block>
		+ conun_primitives::ComputeMarketApi<Block, AccountId, Balance, BlockNumber>,
	P: TransactionPool + 'static,
	SC: SelectChain<Block> + Clone + 'static,
{
	let FullDeps { client, pool, babe } = deps;
	let mut module = RpcModule::new(());
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(Market::new(client.clone()).into_rpc())?;
	module.merge(
		Babe::new(client, babe.worker_handle, babe.keystore, babe.select_chain).into_rpc(),
	)?;
	Ok(module)
}
