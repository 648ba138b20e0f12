//! `providers` and `balance`: the market's public record, read-only.

use crate::{error::CliError, format::short, settings::Settings};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use conun_client::{con::format_con, Chain};
use conun_primitives::ProviderStatus;
use serde::Serialize;
use std::str::FromStr;
use subxt::utils::AccountId32;

#[derive(Serialize)]
struct ProviderJson {
	account: String,
	status: String,
	available: bool,
	stake: String,
	reputation: u32,
	runtimes: Vec<String>,
	cores: u32,
	memory_mib: u32,
	gpus: u32,
	running: u32,
	max_tasks: u32,
	price_floor: String,
	verified: u32,
	disagreed: u32,
	missed: u32,
	earned: String,
	slashed: String,
}

/// `providers [--json]`: every registered provider, its stake, reputation, offer and record.
pub async fn providers(settings: &Settings, json: bool) -> Result<(), CliError> {
	let chain = Chain::connect_read_only(&settings.node).await?;
	let at = chain.at_best().await?;
	let providers = chain.providers(&at).await?;
	let rows: Vec<(AccountId32, ProviderJson)> = providers
		.into_iter()
		.map(|(account, p)| {
			let status = match p.status {
				ProviderStatus::Active => "active".to_string(),
				ProviderStatus::Paused => "paused".into(),
				ProviderStatus::Unbonding { until } => format!("leaving (block {until})"),
				ProviderStatus::Suspended => "suspended".into(),
			};
			let json = ProviderJson {
				account: account.to_string(),
				status,
				available: p.available,
				stake: format_con(p.stake),
				reputation: p.standing.reputation,
				runtimes: p.capabilities.runtimes.kinds().map(|k| k.to_string()).collect(),
				cores: p.capabilities.resources.cores,
				memory_mib: p.capabilities.resources.memory_mib,
				gpus: p.capabilities.resources.gpus,
				running: p.running,
				max_tasks: p.capabilities.max_tasks,
				price_floor: format_con(p.price_floor),
				verified: p.standing.verified,
				disagreed: p.standing.disagreed,
				missed: p.standing.missed,
				earned: format_con(p.standing.earned),
				slashed: format_con(p.standing.slashed),
			};
			(account, json)
		})
		.collect();
	if json {
		let list: Vec<&ProviderJson> = rows.iter().map(|(_, j)| j).collect();
		crate::outln!("{}", serde_json::to_string_pretty(&list).map_err(std::io::Error::other)?);
		return Ok(());
	}
	if rows.is_empty() {
		crate::outln!("no provider is registered on this chain yet (providers join with `conun-worker register`)");
		return Ok(());
	}
	let mut table = Table::new();
	table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
		"provider",
		"status",
		"stake",
		"reputation",
		"runtimes",
		"per task",
		"running",
		"price floor",
		"verified",
		"disagreed",
		"missed",
		"earned",
	]);
	for (account, p) in &rows {
		let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
		table.add_row(vec![
			Cell::new(short(account)),
			Cell::new(&p.status),
			right(p.stake.clone()),
			right(p.reputation.to_string()),
			Cell::new(p.runtimes.join(",")),
			Cell::new(format!(
				"{} cores, {} MiB{}",
				p.cores,
				p.memory_mib,
				if p.gpus > 0 { format!(", {} GPUs", p.gpus) } else { String::new() }
			)),
			right(format!("{}/{}", p.running, p.max_tasks)),
			right(p.price_floor.clone()),
			right(p.verified.to_string()),
			right(p.disagreed.to_string()),
			right(p.missed.to_string()),
			right(p.earned.clone()),
		]);
	}
	crate::outln!("{table}");
	Ok(())
}

/// `balance [ACCOUNT]`: an address, a stored or dev account's name, or the signing account.
pub async fn balance(settings: &Settings, who: Option<&str>) -> Result<(), CliError> {
	let account = match who {
		Some(text) => match AccountId32::from_str(text) {
			Ok(account) => account,
			Err(_) => {
				let uri = crate::settings::account_uri(&settings.data_dir, text)?;
				conun_client::keys::keypair_from_uri(&uri)
					.map_err(CliError::Usage)?
					.public_key()
					.to_account_id()
			},
		},
		None => settings.keypair()?.public_key().to_account_id(),
	};
	let chain = Chain::connect_read_only(&settings.node).await?;
	let balance = chain.balance_of(&chain.at_best().await?, &account).await?;
	crate::outln!("{account}");
	crate::outln!("  free      {}", format_con(balance.free));
	crate::outln!("  reserved  {} (stakes and job escrows)", format_con(balance.reserved));
	if balance.frozen > 0 {
		crate::outln!("  frozen    {}", format_con(balance.frozen));
	}
	Ok(())
}
