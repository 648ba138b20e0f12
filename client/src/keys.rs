//! Signing keys. An account's key is an sr25519 secret URI: a dev name (`//Alice`), a mnemonic
//! with an optional derivation path and password, or a hex seed (`0x` and 64 hex digits).

use std::str::FromStr;
use subxt_signer::{sr25519::Keypair, SecretUri};

/// The keypair a secret URI names. The error never repeats the secret.
pub fn keypair_from_uri(uri: &str) -> Result<Keypair, String> {
	let uri =
		SecretUri::from_str(uri.trim()).map_err(|e| {
			format!("the key is not a secret URI (//Alice, a mnemonic, or 0x and a 32-byte hex seed): {e}")
		})?;
	Keypair::from_uri(&uri).map_err(|e| format!("the key cannot be derived: {e}"))
}

/// The SS58 address (generic substrate prefix 42) of a keypair's account.
pub fn address(keypair: &Keypair) -> String {
	keypair.public_key().to_account_id().to_string()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn dev_names_seeds_and_garbage() {
		let alice = keypair_from_uri("//Alice").unwrap();
		assert_eq!(address(&alice), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
		let seed = format!("0x{}", "11".repeat(32));
		assert!(keypair_from_uri(&seed).is_ok());
		let error = keypair_from_uri("0xnothex").err().unwrap();
		assert!(error.contains("secret URI") || error.contains("derived"), "{error}");
	}
}
