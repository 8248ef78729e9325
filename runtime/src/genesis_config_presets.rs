//! Genesis presets: `development` (one validator, Alice) and `local_testnet` (four validators,
//! Alice, Bob, Charlie and Dave). The node builds its `--dev` and `--chain local` specs from them.
//! Every validator is a sentinel (its sentinel key is its sr25519 development key, so its account
//! is the validator's), and the model the node embeds is the approved one. The council is made of
//! development accounts; only `development` has a sudo key.

use crate::{
	AccountId, BalancesConfig, CouncilMembershipConfig, RuntimeGenesisConfig, SentinelConfig,
	SudoConfig, UNIT,
};
use alloc::{vec, vec::Vec};
use ehr_primitives::calibration::CalibrationPolicy;
use frame_support::{build_struct_json_patch, BoundedVec};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_core::H256;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Balance given to each well-known development account: enough for fees and deposits in tests.
const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// A validator's keys: Aura (sr25519) for authoring blocks, GRANDPA (ed25519) for finality, and
/// the account of its sentinel key (sr25519).
struct Validator {
	aura: AuraId,
	grandpa: GrandpaId,
	sentinel: AccountId,
}

/// The keys `--alice`, `--bob`, ... put into a node's keystore.
fn well_known_validator(sr: Sr25519Keyring, ed: Ed25519Keyring) -> Validator {
	Validator {
		aura: sr.public().into(),
		grandpa: ed.public().into(),
		sentinel: sr.to_account_id(),
	}
}

/// The sha256 of the anomaly model the node embeds (`model/anomaly.onnx`), as committed next
/// to it.
pub fn embedded_model() -> Option<H256> {
	let digits = include_str!("../../model/anomaly.onnx.sha256").split_whitespace().next()?;
	ehr_primitives::anomaly::parse_sha256(digits).map(H256)
}

/// Every validator a sentinel; the quorum the runtime's least, more than two thirds of them;
/// peer groups calibrated by `calibration` (none: the threshold alone decides); `council` the
/// members' governance accounts; `sudo` a key above them, or none.
fn genesis(
	validators: Vec<Validator>,
	endowed: Vec<AccountId>,
	council: Vec<AccountId>,
	sudo: Option<AccountId>,
	calibration: Option<CalibrationPolicy>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|account| (account, ENDOWMENT)).collect::<Vec<_>>(),
		},
		aura: pallet_aura::GenesisConfig {
			authorities: validators.iter().map(|v| v.aura.clone()).collect::<Vec<_>>(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: validators.iter().map(|v| (v.grandpa.clone(), 1)).collect::<Vec<_>>(),
		},
		council_membership: CouncilMembershipConfig { members: BoundedVec::truncate_from(council) },
		sudo: SudoConfig { key: sudo },
		sentinel: SentinelConfig {
			sentinels: validators.iter().map(|v| v.sentinel.clone()).collect::<Vec<_>>(),
			quorum: None,
			approved_model: embedded_model(),
			calibration: calibration.map(|p| (p.burn_in, p.false_alert_rate)),
		},
	})
}

/// The well-known development accounts (Alice ... Ferdie and their `//stash` twins).
fn well_known_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// The first `count` of Alice, Bob, Charlie and Dave, as accounts.
fn council_of(count: usize) -> Vec<AccountId> {
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave]
		.iter()
		.take(count)
		.map(|k| k.to_account_id())
		.collect()
}

/// One validator (Alice), who is also `sudo` and the only sentinel (its report is a quorum); a
/// council of Alice, Bob and Charlie to try motions on. No calibration: a developer's burst is
/// reported at once.
fn development() -> Value {
	genesis(
		vec![well_known_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		well_known_accounts(),
		council_of(3),
		Some(Sr25519Keyring::Alice.to_account_id()),
		None,
	)
}

/// Four validators (Alice, Bob, Charlie, Dave), three sentinels of four to suspend; the four are
/// the council, and nobody is `sudo`. Peer groups calibrated as a consortium's chain starts: two
/// weeks of shadow.
fn local_testnet() -> Value {
	genesis(
		vec![
			well_known_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			well_known_validator(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			well_known_validator(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			well_known_validator(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		well_known_accounts(),
		council_of(4),
		None,
		Some(CalibrationPolicy::DEFAULT),
	)
}

/// The JSON patch of the preset called `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_str() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{Aura, Balances, Grandpa, Runtime};
	use frame_support::traits::BuildGenesisConfig;

	/// Overlay `patch` on `base` the way the node applies a preset to the default genesis config.
	fn merge(base: &mut Value, patch: Value) {
		match (base, patch) {
			(Value::Object(base), Value::Object(patch)) => {
				for (key, value) in patch {
					merge(base.entry(key).or_insert(Value::Null), value);
				}
			},
			(base, patch) => *base = patch,
		}
	}

	/// Genesis storage of the preset `id`, ready to query.
	fn genesis_of(id: &str) -> sp_io::TestExternalities {
		let patch: Value = serde_json::from_slice(&get_preset(&id.into()).expect("known preset"))
			.expect("preset is JSON");
		let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("serialises");
		merge(&mut config, patch);
		let config: RuntimeGenesisConfig = serde_json::from_value(config).expect("valid config");
		let mut ext = sp_io::TestExternalities::new_empty();
		ext.execute_with(|| config.build());
		ext
	}

	/// The council's members (the collective keeps them sorted).
	fn council() -> Vec<AccountId> {
		pallet_collective::Members::<Runtime, crate::CouncilCollective>::get()
	}

	fn sorted(mut accounts: Vec<AccountId>) -> Vec<AccountId> {
		accounts.sort();
		accounts
	}

	fn aura_authorities() -> Vec<AuraId> {
		pallet_aura::Authorities::<Runtime>::get().into_inner()
	}

	#[test]
	fn development_has_alice_as_only_validator_and_sudo() {
		genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
			assert_eq!(aura_authorities(), vec![AuraId::from(Sr25519Keyring::Alice.public())]);
			assert_eq!(
				Grandpa::grandpa_authorities(),
				vec![(GrandpaId::from(Ed25519Keyring::Alice.public()), 1)]
			);
			assert_eq!(
				pallet_sudo::Key::<Runtime>::get(),
				Some(Sr25519Keyring::Alice.to_account_id())
			);
			assert_eq!(Balances::free_balance(Sr25519Keyring::Bob.to_account_id()), ENDOWMENT);
			assert_eq!(Aura::slot_duration(), crate::SLOT_DURATION);
			assert_eq!(crate::SLOT_DURATION, 2000);
			assert_eq!(
				pallet_sentinel::Sentinels::<Runtime>::get().into_inner(),
				vec![Sr25519Keyring::Alice.to_account_id()]
			);
			assert_eq!(pallet_sentinel::Pallet::<Runtime>::quorum_count(), 1);
			assert_eq!(pallet_sentinel::Threshold::<Runtime>::get(), 920_000);
			assert_eq!(pallet_sentinel::ApprovedModel::<Runtime>::get(), embedded_model());
			assert_eq!(pallet_sentinel::Calibration::<Runtime>::get(), None);
			assert_eq!(council(), sorted(council_of(3)));
		});
	}

	#[test]
	fn local_testnet_has_four_validators_a_council_and_no_sudo() {
		genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			let names = [
				(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
				(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
				(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
				(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
			];
			let aura: Vec<AuraId> = names.iter().map(|(sr, _)| sr.public().into()).collect();
			let grandpa: Vec<(GrandpaId, u64)> =
				names.iter().map(|(_, ed)| (ed.public().into(), 1)).collect();
			assert_eq!(aura_authorities(), aura);
			assert_eq!(Grandpa::grandpa_authorities(), grandpa);
			assert_eq!(pallet_sentinel::Sentinels::<Runtime>::get().len(), 4);
			// More than two thirds, as for finality: one faulty sentinel cannot suspend anyone.
			assert_eq!(pallet_sentinel::Pallet::<Runtime>::quorum_count(), 3);
			assert_eq!(
				pallet_sentinel::Calibration::<Runtime>::get(),
				Some(CalibrationPolicy::DEFAULT)
			);
			assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
			assert_eq!(council(), sorted(council_of(4)));
		});
	}

	#[test]
	fn the_approved_model_is_the_committed_one() {
		let committed = std::fs::read_to_string(concat!(
			env!("CARGO_MANIFEST_DIR"),
			"/../model/anomaly.onnx.sha256"
		))
		.expect("model/anomaly.onnx.sha256 is committed");
		let digits = committed.split_whitespace().next().unwrap_or_default();
		assert_eq!(embedded_model().map(|h| format!("{h:x}")), Some(digits.to_string()));
	}

	#[test]
	fn every_listed_preset_resolves_and_unknown_ones_do_not() {
		for name in preset_names() {
			assert!(get_preset(&name).is_some(), "preset {name} listed but missing");
		}
		assert_eq!(get_preset(&"nonsense".into()), None);
	}
}
