//! The council's validators and peers on the local chain (four validators, Alice, Bob, Charlie
//! and Dave, who are also the council): admitted with registered session keys, applied at the
//! session boundary two blocks later, removed with their nodes in one motion.

use crate::{
	genesis_config_presets::{peer_id, tests::genesis_of, DAVE_NODE},
	governance_tests::{motion, register_hospital},
	tests::signed,
	*,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Hooks},
};
use sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave, Eve};
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::DispatchError;

/// The local chain at block 1, with a keystore for session keys.
fn local_chain(test: impl FnOnce()) {
	let mut ext = genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET);
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Runtime>::put(1_700_000_000_000);
		test()
	});
}

/// The next block's session hook, as the block's initialisation runs it.
fn next_block() {
	let next = System::block_number() + 1;
	System::set_block_number(next);
	Session::on_initialize(next);
}

/// New session keys in the keystore, registered for `who` with their proof of possession (what
/// `author_rotateKeysWithOwner` and `session.set_keys` do on a node).
fn register_keys(who: &AccountId) -> opaque::SessionKeys {
	let generated = opaque::SessionKeys::generate(&who.encode(), None);
	assert_ok!(Session::set_keys(signed(who), generated.keys.clone(), generated.proof.encode()));
	generated.keys
}

fn session_validators() -> Vec<AccountId> {
	pallet_session::Validators::<Runtime>::get()
}

fn aura_authorities() -> Vec<sp_consensus_aura::sr25519::AuthorityId> {
	pallet_aura::Authorities::<Runtime>::get().into_inner()
}

fn add_validator(who: &AccountId) -> RuntimeCall {
	RuntimeCall::ValidatorSet(pallet_validator_set::Call::add_validator {
		validator: who.clone().into(),
	})
}

const COUNCIL_MAJORITY: &[Sr25519Keyring] = &[Alice, Bob, Charlie];

#[test]
fn the_council_admits_a_validator_that_authors_and_reports_two_blocks_later() {
	local_chain(|| {
		let eve = Eve.to_account_id();
		let keys = register_keys(&eve);
		// Registered keys hold the session key deposit.
		let keys_hold = RuntimeHoldReason::Session(pallet_session::HoldReason::Keys);
		assert_eq!(Balances::balance_on_hold(&keys_hold, &eve), SessionKeyDeposit::get());
		assert_ok!(motion(add_validator(&eve), 3, COUNCIL_MAJORITY));

		next_block();
		assert!(!session_validators().contains(&eve), "planned, not yet authoring");
		next_block();
		assert!(session_validators().contains(&eve));
		assert!(aura_authorities().contains(&keys.aura));
		let grandpa_next = pallet_grandpa::PendingChange::<Runtime>::get()
			.map(|change| change.next_authorities.into_inner());
		assert!(grandpa_next.is_some_and(|next| next.contains(&(keys.grandpa.clone(), 1))));
		let sentinel = pallet_sentinel::account_of::<Runtime>(&keys.sentinel);
		assert!(pallet_sentinel::Sentinels::<Runtime>::get().contains(&sentinel));
		assert_eq!(pallet_sentinel::Sentinels::<Runtime>::get().len(), 5);

		// Sessions are periodic again.
		next_block();
		assert_eq!(pallet_session::CurrentIndex::<Runtime>::get(), 2);
	});
}

#[test]
fn keys_without_a_proof_of_possession_are_refused() {
	local_chain(|| {
		let eve = Eve.to_account_id();
		let generated = opaque::SessionKeys::generate(&eve.encode(), None);
		// Bob's proof for Eve's keys: made for another owner.
		let for_bob = generated.keys.clone().create_ownership_proof(&Bob.to_account_id().encode());
		let Ok(for_bob) = for_bob else { panic!("keys in the keystore sign") };
		assert_noop!(
			Session::set_keys(signed(&eve), generated.keys, for_bob.encode()),
			pallet_session::Error::<Runtime>::InvalidProof
		);
	});
}

#[test]
fn only_a_council_motion_admits_a_validator_and_only_one_with_keys() {
	local_chain(|| {
		let eve = Eve.to_account_id();
		// Without registered keys the motion executes and fails.
		assert_eq!(
			motion(add_validator(&eve), 3, COUNCIL_MAJORITY),
			Err(pallet_validator_set::Error::<Runtime>::NoSessionKeys.into())
		);
		register_keys(&eve);
		// Eve herself, or half the council, cannot.
		assert_noop!(
			ValidatorSet::add_validator(signed(&eve), eve.clone().into()),
			DispatchError::BadOrigin
		);
		assert_eq!(motion(add_validator(&eve), 2, &[Alice, Bob]), Err(DispatchError::BadOrigin));
		next_block();
		next_block();
		assert!(!session_validators().contains(&eve));
	});
}

#[test]
fn the_council_keeps_three_validators_at_least() {
	local_chain(|| {
		let remove = |who: Sr25519Keyring| {
			RuntimeCall::ValidatorSet(pallet_validator_set::Call::remove_validator {
				validator: who.to_account_id().into(),
			})
		};
		assert_ok!(motion(remove(Dave), 3, COUNCIL_MAJORITY));
		assert_eq!(
			motion(remove(Charlie), 3, COUNCIL_MAJORITY),
			Err(pallet_validator_set::Error::<Runtime>::TooFewValidators.into())
		);
		next_block();
		next_block();
		assert_eq!(session_validators().len(), 3);
		assert_eq!(aura_authorities().len(), 3);
		assert_eq!(pallet_sentinel::Sentinels::<Runtime>::get().len(), 3);
	});
}

#[test]
fn one_motion_suspends_a_member_organisation_with_its_validator_node_and_seat() {
	local_chain(|| {
		// Dave's organisation: a registered, approved hospital whose governance account, validator
		// and node are Dave's.
		let dave = Dave.to_account_id();
		register_hospital(&dave);
		let approve = RuntimeCall::Providers(pallet_providers::Call::approve {
			provider: dave.clone().into(),
		});
		assert_ok!(motion(approve, 3, COUNCIL_MAJORITY));

		let suspension = RuntimeCall::Utility(pallet_utility::Call::batch_all {
			calls: vec![
				RuntimeCall::Providers(pallet_providers::Call::suspend {
					provider: dave.clone().into(),
					reason: ehr_primitives::providers::StatusReason::CouncilDecision,
				}),
				RuntimeCall::ValidatorSet(pallet_validator_set::Call::remove_validator {
					validator: dave.clone().into(),
				}),
				RuntimeCall::NodeAuthorization(
					pallet_node_authorization::Call::remove_well_known_node {
						node: peer_id(DAVE_NODE),
					},
				),
				RuntimeCall::CouncilMembership(pallet_membership::Call::remove_member {
					who: dave.clone().into(),
				}),
			],
		});
		assert_ok!(motion(suspension, 3, COUNCIL_MAJORITY));

		let organisation = pallet_providers::Organisations::<Runtime>::get(&dave).expect("kept");
		assert_eq!(
			organisation.status.status,
			ehr_primitives::providers::ProviderStatus::Suspended
		);
		assert!(!pallet_node_authorization::WellKnownNodes::<Runtime>::get()
			.contains(&peer_id(DAVE_NODE)));
		assert!(!pallet_collective::Members::<Runtime, CouncilCollective>::get().contains(&dave));
		next_block();
		next_block();
		assert!(!session_validators().contains(&dave));
		assert!(!pallet_sentinel::Sentinels::<Runtime>::get().contains(&dave));
	});
}

#[test]
fn nobody_claims_a_peer_id_or_opens_connections_for_it() {
	local_chain(|| {
		let eve = Eve.to_account_id();
		let node = sp_core::OpaquePeerId(vec![7; 38]);
		let calls = [
			pallet_node_authorization::Call::claim_node { node: node.clone() },
			pallet_node_authorization::Call::add_connections {
				node: node.clone(),
				connections: vec![peer_id(DAVE_NODE)],
			},
		];
		for call in calls {
			let call = RuntimeCall::NodeAuthorization(call);
			assert_noop!(
				sp_runtime::traits::Dispatchable::dispatch(call, signed(&eve)),
				frame_system::Error::<Runtime>::CallFiltered
			);
		}
		assert_eq!(pallet_node_authorization::Owners::<Runtime>::get(&node), None);
		// Nor does anyone but the council add a well-known node.
		assert_noop!(
			NodeAuthorization::add_well_known_node(signed(&eve), node, eve.clone().into()),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn every_validator_can_be_a_sentinel() {
	use frame_support::traits::Get;
	assert!(
		<<Runtime as pallet_sentinel::Config>::MaxSentinels as Get<u32>>::get()
			>= <<Runtime as pallet_validator_set::Config>::MaxValidators as Get<u32>>::get()
	);
}
