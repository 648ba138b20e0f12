//! The worker's view of the chain: the shared client, `conun-client`.
pub use conun_client::*;
