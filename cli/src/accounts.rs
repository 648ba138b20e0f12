//! `conun account`: named keys kept in the data directory, one secret URI per file, readable by
//! the owner only. The dev chain's endowed accounts (alice ... ferdie) need no file.

use crate::{
	error::CliError,
	settings::{account_uri, Settings, DEV_ACCOUNTS},
};
use conun_client::keys::{address, keypair_from_uri};
use std::{io::Write, path::Path};

fn valid_name(name: &str) -> Result<(), CliError> {
	if name.is_empty()
		|| name.len() > 64
		|| !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
	{
		return Err(CliError::Usage(format!(
			"`{name}`: an account name is 1 to 64 letters, digits, - or _"
		)));
	}
	if DEV_ACCOUNTS.contains(&name.to_ascii_lowercase().as_str()) {
		return Err(CliError::Usage(format!("`{name}` is a dev account's name; pick another")));
	}
	Ok(())
}

/// Writes `uri` as account `name`, refusing to replace an existing one.
fn store(dir: &Path, name: &str, uri: &str) -> Result<String, CliError> {
	valid_name(name)?;
	let keypair = keypair_from_uri(uri).map_err(CliError::Usage)?;
	std::fs::create_dir_all(dir)?;
	let path = dir.join(name);
	let mut options = std::fs::OpenOptions::new();
	options.write(true).create_new(true);
	#[cfg(unix)]
	std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
	let mut file = options.open(&path).map_err(|e| match e.kind() {
		std::io::ErrorKind::AlreadyExists => CliError::Usage(format!(
			"an account named `{name}` exists already ({})",
			path.display()
		)),
		_ => CliError::Io(e),
	})?;
	file.write_all(format!("{uri}\n").as_bytes())?;
	file.sync_all()?;
	Ok(address(&keypair))
}

/// `conun account new NAME`: a fresh key from the operating system's randomness.
pub fn new(settings: &Settings, name: &str) -> Result<(), CliError> {
	let mut seed = [0u8; 32];
	std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut seed)?;
	let uri = format!("0x{}", seed.iter().map(|b| format!("{b:02x}")).collect::<String>());
	let address = store(&settings.accounts_dir(), name, &uri)?;
	crate::outln!("account {name}: {address}");
	crate::outln!(
		"its secret is in {} (keep a copy; whoever reads it controls the account)",
		settings.accounts_dir().join(name).display()
	);
	Ok(())
}

/// `conun account import NAME SECRET_URI`.
pub fn import(settings: &Settings, name: &str, uri: &str) -> Result<(), CliError> {
	let address = store(&settings.accounts_dir(), name, uri)?;
	crate::outln!("account {name}: {address}");
	Ok(())
}

/// `conun account list`: stored accounts, then the dev accounts.
pub fn list(settings: &Settings) -> Result<(), CliError> {
	let dir = settings.accounts_dir();
	let mut names: Vec<String> = match std::fs::read_dir(&dir) {
		Ok(entries) => entries
			.filter_map(|e| e.ok())
			.map(|e| e.file_name().to_string_lossy().into_owned())
			.collect(),
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
		Err(e) => return Err(e.into()),
	};
	names.sort();
	for name in &names {
		match keypair_from_uri(&account_uri(&settings.data_dir, name)?) {
			Ok(keypair) => crate::outln!("{name:<12} {}", address(&keypair)),
			Err(e) => crate::outln!("{name:<12} unreadable: {e}"),
		}
	}
	for name in DEV_ACCOUNTS {
		let keypair =
			keypair_from_uri(&account_uri(&settings.data_dir, name)?).map_err(CliError::Usage)?;
		crate::outln!("{name:<12} {}  (dev chain only)", address(&keypair));
	}
	Ok(())
}

/// `conun account show [NAME]`: the address of an account, or of the key in use.
pub fn show(settings: &Settings, name: Option<&str>) -> Result<(), CliError> {
	let keypair = match name {
		Some(name) => {
			keypair_from_uri(&account_uri(&settings.data_dir, name)?).map_err(CliError::Usage)?
		},
		None => settings.keypair()?,
	};
	crate::outln!("{}", address(&keypair));
	Ok(())
}
