//! The worker's view of the chain.
pub mod runtime;
pub mod client;
pub use client::*;
