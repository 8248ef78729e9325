//! A consortium's chain spec from the small configuration its members edit (its name, boot
//! nodes, and per member organisation: its governance account, its validators' session keys and
//! its nodes' peer ids). `ehr-node build-spec --chain my-consortium.json` reads one;
//! `--chain consortium` builds the example `docs/consortium.example.json`. The genesis is the
//! runtime's [`Genesis`]: the members' governance accounts are the council, their validators
//! author, finalise and are the sentinels, their nodes are the only well-known nodes, and
//! nobody holds `sudo`. The format is in `docs/operators.md`.

use crate::chain_spec::{properties, wasm, ChainSpec};
use ehr_primitives::calibration::CalibrationPolicy;
use ehr_runtime::{
	genesis_config_presets::{Genesis, Validator},
	opaque::SessionKeys,
	AccountId, Balance, MAX_VALIDATORS, UNIT,
};
use sc_network::config::MultiaddrWithPeerId;
use sc_service::ChainType;
use serde::Deserialize;
use sp_core::{crypto::Ss58Codec, ed25519, sr25519, OpaquePeerId};
use std::{collections::BTreeSet, str::FromStr};

/// The example configuration: four organisations with the development keys of Alice, Bob,
/// Charlie and Dave. A template to edit, never a chain to run with real data.
pub const EXAMPLE: &str = include_str!("../../docs/consortium.example.json");

/// The fewest validators a consortium starts with (the validator set's minimum).
const MIN_VALIDATORS: usize = 3;

/// A consortium's configuration, as its members write it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
	/// The chain's name, as wallets show it.
	name: String,
	/// The chain's id: its database directory's name.
	id: String,
	/// Addresses of members' nodes that a new node dials first.
	#[serde(default)]
	boot_nodes: Vec<String>,
	/// What each governance and validator account starts with, in whole EHR (fees, deposits).
	endowment: u64,
	members: Vec<Member>,
}

/// A member organisation.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Member {
	/// For the people who read the file; not on chain.
	organisation: String,
	/// Its governance account (SS58): its seat on the council, and the owner of its nodes.
	governance: String,
	#[serde(default)]
	validators: Vec<ValidatorKeys>,
	/// Its nodes' peer ids (`ehr-node key inspect-node-key`).
	#[serde(default)]
	nodes: Vec<String>,
}

/// A validator's account and session keys, as SS58 addresses.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ValidatorKeys {
	account: String,
	aura: String,
	grandpa: String,
	sentinel: String,
}

/// `text` as an SS58 address of the kind `T`, or an error naming `field`.
fn ss58<T: Ss58Codec>(field: &str, text: &str) -> Result<T, String> {
	T::from_ss58check(text).map_err(|e| format!("{field}: `{text}` is not an SS58 address ({e})"))
}

impl Config {
	/// Parse `json`, or say what is wrong with it.
	pub fn parse(json: &str) -> Result<Self, String> {
		serde_json::from_str(json).map_err(|e| format!("consortium configuration: {e}"))
	}

	/// The chain spec this configuration describes, or the first thing wrong with it.
	pub fn chain_spec(&self) -> Result<ChainSpec, String> {
		let boot_nodes = self
			.boot_nodes
			.iter()
			.map(|a| MultiaddrWithPeerId::from_str(a).map_err(|e| format!("bootNodes: `{a}`: {e}")))
			.collect::<Result<Vec<_>, _>>()?;
		Ok(ChainSpec::builder(wasm()?, None)
			.with_name(&self.name)
			.with_id(&self.id)
			.with_protocol_id("ehr")
			.with_chain_type(ChainType::Live)
			.with_boot_nodes(boot_nodes)
			.with_genesis_config_patch(self.genesis()?.patch())
			.with_properties(properties())
			.build())
	}

	/// The runtime's genesis for this consortium.
	fn genesis(&self) -> Result<Genesis, String> {
		if self.members.is_empty() {
			return Err("members: a consortium has at least one member".into());
		}
		let endowment = Balance::from(self.endowment).saturating_mul(UNIT);
		let mut genesis = Genesis {
			validators: Vec::new(),
			nodes: Vec::new(),
			balances: Vec::new(),
			council: Vec::new(),
			sudo: None,
			calibration: Some(CalibrationPolicy::DEFAULT),
		};
		for (m, member) in self.members.iter().enumerate() {
			let at = format!("members[{m}] ({})", member.organisation);
			let governance: AccountId = ss58(&format!("{at}.governance"), &member.governance)?;
			for (v, keys) in member.validators.iter().enumerate() {
				genesis.validators.push(keys.validator(&format!("{at}.validators[{v}]"))?);
			}
			for (n, node) in member.nodes.iter().enumerate() {
				genesis
					.nodes
					.push((peer_id(&format!("{at}.nodes[{n}]"), node)?, governance.clone()));
			}
			genesis.council.push(governance);
		}
		let accounts = genesis.council.iter().chain(genesis.validators.iter().map(|v| &v.account));
		genesis.balances =
			distinct(accounts.cloned()).into_iter().map(|a| (a, endowment)).collect();
		self.check(&genesis)?;
		Ok(genesis)
	}

	/// What the runtime would refuse (or panic on) at genesis, said here.
	fn check(&self, genesis: &Genesis) -> Result<(), String> {
		let validators = genesis.validators.len();
		if !(MIN_VALIDATORS..=MAX_VALIDATORS as usize).contains(&validators) {
			return Err(format!(
				"validators: {validators} in all; a consortium starts with {MIN_VALIDATORS} to {MAX_VALIDATORS}"
			));
		}
		if distinct(genesis.validators.iter().map(|v| v.account.clone())).len() != validators {
			return Err("validators: an account is named twice".into());
		}
		if distinct(genesis.council.iter().cloned()).len() != genesis.council.len() {
			return Err("members: a governance account is named twice".into());
		}
		if distinct(genesis.nodes.iter().map(|(node, _)| node.0.clone())).len()
			!= genesis.nodes.len()
		{
			return Err("nodes: a peer id is named twice".into());
		}
		Ok(())
	}
}

impl ValidatorKeys {
	fn validator(&self, at: &str) -> Result<Validator, String> {
		let account = ss58(&format!("{at}.account"), &self.account)?;
		let aura: sr25519::Public = ss58(&format!("{at}.aura"), &self.aura)?;
		let grandpa: ed25519::Public = ss58(&format!("{at}.grandpa"), &self.grandpa)?;
		let sentinel: sr25519::Public = ss58(&format!("{at}.sentinel"), &self.sentinel)?;
		let keys =
			SessionKeys { aura: aura.into(), grandpa: grandpa.into(), sentinel: sentinel.into() };
		Ok(Validator { account, keys })
	}
}

/// The peer id `text` (base58, as the node prints it) as the node-authorization pallet stores it.
fn peer_id(at: &str, text: &str) -> Result<OpaquePeerId, String> {
	let peer = sc_network::PeerId::from_str(text)
		.map_err(|e| format!("{at}: `{text}` is not a peer id ({e})"))?;
	Ok(OpaquePeerId(peer.to_bytes()))
}

fn distinct<T: Ord>(items: impl Iterator<Item = T>) -> BTreeSet<T> {
	items.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::Value;

	/// The example configuration with `edit` applied to its JSON.
	fn example_with(edit: impl FnOnce(&mut Value)) -> Result<ChainSpec, String> {
		let mut json: Value = serde_json::from_str(EXAMPLE).expect("the example is JSON");
		edit(&mut json);
		Config::parse(&json.to_string())?.chain_spec()
	}

	fn error_of(edit: impl FnOnce(&mut Value)) -> String {
		match example_with(edit) {
			Err(error) => error,
			Ok(_) => panic!("the edited configuration was accepted"),
		}
	}

	#[test]
	fn the_example_has_a_council_validators_nodes_and_no_sudo() {
		let spec = example_with(|_| {}).expect("the example builds");
		let json: Value = serde_json::from_str(&spec.as_json(false).expect("a spec")).unwrap();
		let patch = &json["genesis"]["runtimeGenesis"]["patch"];
		assert_eq!(json["chainType"], "Live");
		assert_eq!(patch["councilMembership"]["members"].as_array().map(Vec::len), Some(4));
		assert_eq!(patch["validatorSet"]["validators"].as_array().map(Vec::len), Some(4));
		assert_eq!(patch["session"]["keys"].as_array().map(Vec::len), Some(4));
		assert_eq!(patch["nodeAuthorization"]["nodes"].as_array().map(Vec::len), Some(4));
		assert_eq!(patch["sudo"]["key"], Value::Null);
		assert_eq!(json["bootNodes"].as_array().map(Vec::len), Some(1));
	}

	#[test]
	fn fewer_than_three_validators_are_refused() {
		let error = error_of(|json| {
			json["members"].as_array_mut().unwrap().truncate(2);
		});
		assert!(error.contains("validators: 2 in all"), "{error}");
	}

	#[test]
	fn a_malformed_key_or_peer_id_is_named() {
		let error = error_of(|json| json["members"][1]["validators"][0]["grandpa"] = "5Grw".into());
		assert!(
			error.contains("members[1] (Example County Laboratory).validators[0].grandpa"),
			"{error}"
		);
		let error = error_of(|json| json["members"][2]["nodes"][0] = "not-a-peer".into());
		assert!(error.contains("members[2] (Example Mutual Insurance).nodes[0]"), "{error}");
		let error = error_of(|json| json["bootNodes"][0] = "/ip4/127.0.0.1/tcp/30333".into());
		assert!(error.contains("bootNodes"), "{error}");
	}

	#[test]
	fn a_validator_peer_or_member_named_twice_is_refused() {
		let twice = |json: &mut Value, field: &str| {
			json["members"][3][field] = json["members"][0][field].clone();
		};
		assert!(error_of(|json| twice(json, "validators")).contains("an account is named twice"));
		assert!(error_of(|json| twice(json, "nodes")).contains("a peer id is named twice"));
		assert!(error_of(|json| twice(json, "governance")).contains("named twice"));
	}

	#[test]
	fn unknown_fields_are_refused() {
		let error = error_of(|json| {
			json["sudo"] = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into()
		});
		assert!(error.contains("unknown field `sudo`"), "{error}");
	}
}
