//! The chains this node knows by name: `dev` and `local`, built from the runtime's genesis presets.

use ehr_runtime::{SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY};
use sc_service::{ChainType, Properties};

/// The chain specification of an EHR Chain network.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol, decimals and address format, as wallets and Polkadot.js Apps read them.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	let wasm =
		WASM_BINARY.ok_or("the runtime wasm is not built in (built with SKIP_WASM_BUILD?)")?;
	Ok(ChainSpec::builder(wasm, None)
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

/// The chain named `id`: `dev`, `local`, or the path of a chain spec JSON file.
pub fn load(id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
	Ok(match id {
		"dev" => Box::new(development()?),
		"local" | "" => Box::new(local_testnet()?),
		path => {
			let path = std::path::PathBuf::from(path);
			if !path.is_file() {
				return Err(format!(
					"unknown chain `{id}`: expected `dev`, `local` or the path of a chain spec JSON file"
				));
			}
			Box::new(ChainSpec::from_json_file(path)?)
		},
	})
}
