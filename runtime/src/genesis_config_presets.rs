//! Genesis presets: `development` (one validator, Alice) and `local_testnet` (four validators,
//! Alice, Bob, Charlie and Dave). The node builds its `--dev` and `--chain local` specs from them.
//! Validators are the session pallet's: their session keys are their development keys (Aura and
//! the sentinel key sr25519, GRANDPA ed25519), so every validator is a sentinel whose account is
//! the validator's. Their nodes are the well-known nodes, with the development node keys (the
//! sha256 of the node's lowercase name, as zombienet gives them). The model the node embeds is
//! the approved one. The council is made of development accounts; only `development` has a sudo
//! key.

use crate::{
	opaque::SessionKeys, AccountId, BalancesConfig, CouncilMembershipConfig,
	NodeAuthorizationConfig, RuntimeGenesisConfig, SentinelConfig, SessionConfig, SudoConfig,
	ValidatorSetConfig, UNIT,
};
use alloc::{vec, vec::Vec};
use ehr_primitives::calibration::CalibrationPolicy;
use frame_support::{build_struct_json_patch, BoundedVec};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_core::{OpaquePeerId, H256};
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Balance given to each well-known development account: enough for fees and deposits in tests.
const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// A validator: its account and its session keys (Aura sr25519 for authoring blocks, GRANDPA
/// ed25519 for finality, the sentinel key sr25519).
pub struct Validator {
	pub account: AccountId,
	pub keys: SessionKeys,
}

/// What a chain starts with: the genesis of `dev`, `local` and a consortium's chain (the node
/// builds the last from the consortium's configuration).
pub struct Genesis {
	/// The validators, every one a sentinel.
	pub validators: Vec<Validator>,
	/// The well-known nodes and their owners.
	pub nodes: Vec<(OpaquePeerId, AccountId)>,
	/// Accounts and their balances.
	pub balances: Vec<(AccountId, crate::Balance)>,
	/// The council: the member organisations' governance accounts.
	pub council: Vec<AccountId>,
	/// A key above the council (development only).
	pub sudo: Option<AccountId>,
	/// How the sentinels calibrate peer groups (none: the threshold alone decides).
	pub calibration: Option<CalibrationPolicy>,
}

/// The keys `--alice`, `--bob`, ... put into a node's keystore, and its node, whose network key
/// is `sha256(name)`.
fn well_known_validator(
	sr: Sr25519Keyring,
	ed: Ed25519Keyring,
	node: [u8; 32],
) -> (Validator, (OpaquePeerId, AccountId)) {
	let keys = SessionKeys {
		aura: AuraId::from(sr.public()),
		grandpa: GrandpaId::from(ed.public()),
		sentinel: sr.public().into(),
	};
	(Validator { account: sr.to_account_id(), keys }, (peer_id(node), sr.to_account_id()))
}

/// The libp2p peer id of the node whose ed25519 node key's public half is `public`: the identity
/// multihash of its protobuf-encoded public key, as the node-authorization pallet stores it.
pub(crate) fn peer_id(public: [u8; 32]) -> OpaquePeerId {
	let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	bytes.extend_from_slice(&public);
	OpaquePeerId(bytes)
}

/// The public halves of the development node keys, `sha256("alice")` ... (the test below
/// derives them).
const ALICE_NODE: [u8; 32] =
	hex_literal::hex!("d5bf4a3fcce717b0388bcc2749ebc148ad9969b23f45ee1b605fd58778576ac4");
const BOB_NODE: [u8; 32] =
	hex_literal::hex!("ecc1b58727f3f12b3194881a9ecb9de0b28ce7b207230d8e930fe1bce75e256c");
const CHARLIE_NODE: [u8; 32] =
	hex_literal::hex!("c8bf2959a96bd99ffde4e7277b41e57331dba7f7918186c359cf7dce149bb567");
pub(crate) const DAVE_NODE: [u8; 32] =
	hex_literal::hex!("8d9293c327662be3c0faeb579b2aedd3b2cec33d74dadedceea76b7a94dc90c0");

/// The sha256 of the anomaly model the node embeds (`model/anomaly.onnx`), as committed next
/// to it.
pub fn embedded_model() -> Option<H256> {
	let digits = include_str!("../../model/anomaly.onnx.sha256").split_whitespace().next()?;
	ehr_primitives::anomaly::parse_sha256(digits).map(H256)
}

impl Genesis {
	/// The genesis config patch: the sentinels' quorum the runtime's least (more than two thirds
	/// of the validators), the model the node embeds approved.
	pub fn patch(self) -> Value {
		let Genesis { validators, nodes, balances, council, sudo, calibration } = self;
		build_struct_json_patch!(RuntimeGenesisConfig {
			balances: BalancesConfig { balances },
			validator_set: ValidatorSetConfig {
				validators: validators.iter().map(|v| v.account.clone()).collect::<Vec<_>>(),
			},
			// Aura's and GRANDPA's authorities (and the sentinels) come from these.
			session: SessionConfig {
				keys: validators
					.iter()
					.map(|v| (v.account.clone(), v.account.clone(), v.keys.clone()))
					.collect::<Vec<_>>(),
			},
			node_authorization: NodeAuthorizationConfig { nodes },
			council_membership: CouncilMembershipConfig {
				members: BoundedVec::truncate_from(council)
			},
			sudo: SudoConfig { key: sudo },
			sentinel: SentinelConfig {
				quorum: None,
				approved_model: embedded_model(),
				calibration: calibration.map(|p| (p.burn_in, p.false_alert_rate)),
			},
		})
	}
}

/// The development validators named by `keys`, and their nodes.
fn development_network(
	keys: &[(Sr25519Keyring, Ed25519Keyring, [u8; 32])],
) -> (Vec<Validator>, Vec<(OpaquePeerId, AccountId)>) {
	keys.iter().map(|(sr, ed, node)| well_known_validator(*sr, *ed, *node)).unzip()
}

/// The well-known development accounts (Alice ... Ferdie and their `//stash` twins), endowed.
fn well_known_accounts() -> Vec<(AccountId, crate::Balance)> {
	Sr25519Keyring::well_known().map(|k| (k.to_account_id(), ENDOWMENT)).collect()
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
	let (validators, nodes) =
		development_network(&[(Sr25519Keyring::Alice, Ed25519Keyring::Alice, ALICE_NODE)]);
	Genesis {
		validators,
		nodes,
		balances: well_known_accounts(),
		council: council_of(3),
		sudo: Some(Sr25519Keyring::Alice.to_account_id()),
		calibration: None,
	}
	.patch()
}

/// Four validators (Alice, Bob, Charlie, Dave), three sentinels of four to suspend; the four are
/// the council, and nobody is `sudo`. Peer groups calibrated as a consortium's chain starts: two
/// weeks of shadow.
fn local_testnet() -> Value {
	let (validators, nodes) = development_network(&[
		(Sr25519Keyring::Alice, Ed25519Keyring::Alice, ALICE_NODE),
		(Sr25519Keyring::Bob, Ed25519Keyring::Bob, BOB_NODE),
		(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie, CHARLIE_NODE),
		(Sr25519Keyring::Dave, Ed25519Keyring::Dave, DAVE_NODE),
	]);
	Genesis {
		validators,
		nodes,
		balances: well_known_accounts(),
		council: council_of(4),
		sudo: None,
		calibration: Some(CalibrationPolicy::DEFAULT),
	}
	.patch()
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
pub(crate) mod tests {
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
	pub(crate) fn genesis_of(id: &str) -> sp_io::TestExternalities {
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
			// In the order of their accounts, as the validator set keeps them.
			let mut names = [
				(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
				(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
				(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
				(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
			];
			names.sort_by_key(|(sr, _)| sr.to_account_id());
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
			let accounts: Vec<AccountId> = names.iter().map(|(sr, _)| sr.to_account_id()).collect();
			assert_eq!(pallet_session::Validators::<Runtime>::get(), accounts);
			assert_eq!(pallet_validator_set::Validators::<Runtime>::get().into_inner(), accounts);
			let nodes = [ALICE_NODE, BOB_NODE, CHARLIE_NODE, DAVE_NODE].map(peer_id);
			let owners = [
				Sr25519Keyring::Alice,
				Sr25519Keyring::Bob,
				Sr25519Keyring::Charlie,
				Sr25519Keyring::Dave,
			]
			.map(|k| k.to_account_id());
			assert_eq!(
				pallet_node_authorization::WellKnownNodes::<Runtime>::get(),
				nodes.iter().cloned().collect()
			);
			for (node, owner) in nodes.iter().zip(&owners) {
				assert_eq!(
					pallet_node_authorization::Owners::<Runtime>::get(node).as_ref(),
					Some(owner)
				);
			}
		});
	}

	#[test]
	fn development_node_keys_are_the_sha256_of_the_names() {
		use sp_core::Pair;
		for (name, public) in [
			("alice", ALICE_NODE),
			("bob", BOB_NODE),
			("charlie", CHARLIE_NODE),
			("dave", DAVE_NODE),
		] {
			let secret = sp_io::hashing::sha2_256(name.as_bytes());
			assert_eq!(sp_core::ed25519::Pair::from_seed(&secret).public().0, public, "{name}");
		}
		// The peer id the node prints for `--node-key sha256("alice")`.
		assert_eq!(
			sp_core::bytes::to_hex(&peer_id(ALICE_NODE).0, false),
			"0x002408011220d5bf4a3fcce717b0388bcc2749ebc148ad9969b23f45ee1b605fd58778576ac4"
		);
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
