//! The chains this node knows by name: `dev` and `local`, built from the runtime's genesis
//! presets, and `consortium`, the example consortium (`crate::consortium`).

use crate::consortium::{self, Config};
use ehr_runtime::{SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY};
use sc_service::{ChainType, Properties};

/// The chain specification of an EHR Chain network.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol, decimals and address format, as wallets and Polkadot.js Apps read them.
pub fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

/// The runtime's wasm, which every chain spec carries.
pub fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY
		.ok_or_else(|| "the runtime wasm is not built in (built with SKIP_WASM_BUILD?)".into())
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name(name)
		.with_id(id)
		.with_protocol_id("ehr")
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// One validator, Alice; for development on one machine.
pub fn development() -> Result<ChainSpec, String> {
	from_preset(
		"EHR Chain Development",
		"ehr_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// Four validators, Alice, Bob, Charlie and Dave; for a local multi-node network.
pub fn local_testnet() -> Result<ChainSpec, String> {
	from_preset(
		"EHR Chain Local Testnet",
		"ehr_local",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}

/// The chain named `id`: `dev`, `local`, `consortium` (the example), or the path of a JSON
/// file: a consortium's configuration (it has `members`) or a chain spec.
pub fn load(id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
	Ok(match id {
		"dev" => Box::new(development()?),
		"local" | "" => Box::new(local_testnet()?),
		"consortium" => Box::new(Config::parse(consortium::EXAMPLE)?.chain_spec()?),
		path => {
			let json = std::fs::read_to_string(path).map_err(|e| {
				format!(
					"unknown chain `{id}` ({e}): expected `dev`, `local`, `consortium` or the path of a consortium configuration or chain spec JSON file"
				)
			})?;
			if is_consortium_config(&json) {
				Box::new(Config::parse(&json)?.chain_spec()?)
			} else {
				Box::new(ChainSpec::from_json_bytes(json.into_bytes())?)
			}
		},
	})
}

/// A consortium's configuration names its members; a chain spec has a genesis.
fn is_consortium_config(json: &str) -> bool {
	serde_json::from_str::<serde_json::Value>(json)
		.is_ok_and(|value| value.get("members").is_some() && value.get("genesis").is_none())
}
