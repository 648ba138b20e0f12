//! `conun-node`: the Conun chain's node.
//!
//! Produces blocks with BABE, finalizes them with GRANDPA, serves JSON-RPC and WebSocket on
//! 127.0.0.1:9944 and Prometheus metrics on 127.0.0.1:9615, and stores the chain in ParityDB.

mod chain_spec;
mod cli;
mod command;
mod market_rpc;
mod rpc;
mod service;

fn main() -> polkadot_sdk::sc_cli::Result<()> {
	command::run()
}
