//! The council governs: motions of two thirds of its members approve providers, run the
//! sentinel and, through the mandate, authorise runtime upgrades; nothing less does.

use crate::{tests::signed, *};
use ehr_primitives::providers::ProviderStatus;
use frame_support::{
	assert_noop, assert_ok,
	dispatch::GetDispatchInfo,
	traits::{fungible::Mutate, EnsureOrigin},
};
use pallet_providers::{Credential, OrganisationKind};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie, Dave, Eve};
use sp_runtime::{
	traits::{BlakeTwo256, Hash as _},
	BoundedVec, BuildStorage, DispatchError, DispatchResult,
};

/// A chain whose council is Alice, Bob, Charlie and Dave, with Eve a pending hospital.
fn with_council(test: impl FnOnce()) {
	let members = [Alice, Bob, Charlie, Dave].map(|k| k.to_account_id()).to_vec();
	let storage = RuntimeGenesisConfig {
		council_membership: CouncilMembershipConfig {
			members: BoundedVec::truncate_from(members),
			..Default::default()
		},
		..Default::default()
	}
	.build_storage()
	.unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Runtime>::put(1_700_000_000_000);
		register_hospital(&Eve.to_account_id());
		test()
	});
}

/// `hospital`, funded, registers as a hospital (pending the registrar's approval).
pub(crate) fn register_hospital(hospital: &AccountId) {
	let _ = Balances::set_balance(hospital, 1_000 * UNIT);
	let credential = Credential {
		document_hash: Hash::repeat_byte(1),
		issuer: 1,
		jurisdiction: BoundedVec::truncate_from(b"GB".to_vec()),
		valid_until: 1_800_000_000_000,
	};
	assert_ok!(Providers::register_organisation(
		signed(hospital),
		OrganisationKind::Hospital,
		credential,
		0
	));
}

/// A motion of `proposal` at `threshold`, proposed by `ayes[0]`, approved by all of `ayes` (the
/// proposer votes too), closed: the proposal's result, from the council's `Executed` event.
pub(crate) fn motion(
	proposal: RuntimeCall,
	threshold: u32,
	ayes: &[sp_keyring::Sr25519Keyring],
) -> DispatchResult {
	let length = codec::Encode::encoded_size(&proposal) as u32;
	let weight = proposal.get_dispatch_info().call_weight;
	let hash = BlakeTwo256::hash_of(&proposal);
	let proposer = ayes[0].to_account_id();
	assert_ok!(Council::propose(signed(&proposer), threshold, Box::new(proposal), length));
	let index = pallet_collective::ProposalCount::<Runtime, CouncilCollective>::get() - 1;
	for voter in ayes {
		assert_ok!(Council::vote(signed(&voter.to_account_id()), hash, index, true));
	}
	assert_ok!(Council::close(signed(&proposer), hash, index, weight, length));
	System::events()
		.into_iter()
		.rev()
		.find_map(|record| match record.event {
			RuntimeEvent::Council(pallet_collective::Event::Executed { proposal_hash, result })
				if proposal_hash == hash =>
			{
				Some(result)
			},
			_ => None,
		})
		.expect("an approved motion executes")
}

fn approve_hospital() -> RuntimeCall {
	RuntimeCall::Providers(pallet_providers::Call::approve { provider: Eve.to_account_id().into() })
}

fn hospital_status() -> ProviderStatus {
	pallet_providers::Organisations::<Runtime>::get(Eve.to_account_id())
		.expect("registered")
		.status
		.status
}

#[test]
fn a_motion_of_two_thirds_approves_a_provider() {
	with_council(|| {
		assert_eq!(hospital_status(), ProviderStatus::Pending);
		assert_ok!(motion(approve_hospital(), 3, &[Alice, Bob, Charlie]));
		assert_eq!(hospital_status(), ProviderStatus::Active);
	});
}

#[test]
fn a_motion_below_two_thirds_executes_and_fails_with_bad_origin() {
	with_council(|| {
		// Two of four is a half: the motion passes at its own threshold, the registrar refuses.
		assert_eq!(motion(approve_hospital(), 2, &[Alice, Bob]), Err(DispatchError::BadOrigin));
		assert_eq!(hospital_status(), ProviderStatus::Pending);
	});
}

#[test]
fn a_signed_account_is_no_registrar_and_a_non_member_cannot_propose() {
	with_council(|| {
		let approve =
			pallet_providers::Call::<Runtime>::approve { provider: Eve.to_account_id().into() };
		assert_noop!(
			frame_support::traits::UnfilteredDispatchable::dispatch_bypass_filter(
				approve,
				signed(&Alice.to_account_id())
			),
			DispatchError::BadOrigin
		);
		let proposal = approve_hospital();
		let length = codec::Encode::encoded_size(&proposal) as u32;
		assert_noop!(
			Council::propose(signed(&Eve.to_account_id()), 3, Box::new(proposal), length),
			pallet_collective::Error::<Runtime, CouncilCollective>::NotMember
		);
	});
}

#[test]
fn membership_changes_apply_to_the_next_motion() {
	with_council(|| {
		let add_eve = RuntimeCall::CouncilMembership(pallet_membership::Call::add_member {
			who: Eve.to_account_id().into(),
		});
		assert_ok!(motion(add_eve, 3, &[Alice, Bob, Charlie]));
		assert!(pallet_collective::Members::<Runtime, CouncilCollective>::get()
			.contains(&Eve.to_account_id()));
		// Five members now: three ayes are three fifths, below two thirds.
		assert_eq!(
			motion(approve_hospital(), 3, &[Alice, Bob, Charlie]),
			Err(DispatchError::BadOrigin)
		);
		assert_ok!(motion(approve_hospital(), 4, &[Alice, Bob, Charlie, Eve]));
		assert_eq!(hospital_status(), ProviderStatus::Active);
	});
}

#[test]
fn only_the_councils_mandate_authorises_a_runtime_upgrade() {
	with_council(|| {
		let code_hash = BlakeTwo256::hash(b"the next runtime");
		let authorize = RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash });
		// Not a member alone, not a motion by itself (a motion is not Root).
		assert_noop!(
			Mandate::dispatch_as_root(signed(&Alice.to_account_id()), Box::new(authorize.clone())),
			DispatchError::BadOrigin
		);
		assert_eq!(
			motion(authorize.clone(), 3, &[Alice, Bob, Charlie]),
			Err(DispatchError::BadOrigin)
		);
		assert!(System::authorized_upgrade().is_none());
		// A motion of the mandate.
		let mandate = RuntimeCall::Mandate(pallet_mandate::Call::dispatch_as_root {
			call: Box::new(authorize),
		});
		assert_ok!(motion(mandate, 3, &[Alice, Bob, Charlie]));
		assert_eq!(System::authorized_upgrade().map(|a| *a.code_hash()), Some(code_hash));
	});
}

#[test]
fn the_council_runs_the_sentinel() {
	with_council(|| {
		let calibration_off =
			RuntimeCall::Sentinel(pallet_sentinel::Call::set_calibration { policy: None });
		assert_ok!(motion(calibration_off, 3, &[Alice, Bob, Charlie]));
		assert_eq!(pallet_sentinel::Calibration::<Runtime>::get(), None);
	});
}

#[test]
fn one_motion_does_several_acts_all_or_none() {
	with_council(|| {
		let batch = |calls| RuntimeCall::Utility(pallet_utility::Call::batch_all { calls });
		let suspend = RuntimeCall::Providers(pallet_providers::Call::suspend {
			provider: Eve.to_account_id().into(),
			reason: pallet_providers::StatusReason::CouncilDecision,
		});
		// Suspending a pending hospital fails, so approving it in the same motion is undone.
		assert!(motion(
			batch(vec![suspend.clone(), approve_hospital()]),
			3,
			&[Alice, Bob, Charlie]
		)
		.is_err());
		assert_eq!(hospital_status(), ProviderStatus::Pending);
		assert_ok!(motion(batch(vec![approve_hospital(), suspend]), 3, &[Alice, Bob, Charlie]));
		assert_eq!(hospital_status(), ProviderStatus::Suspended);
	});
}

#[test]
fn the_council_decides_who_deploys_contracts() {
	with_council(|| {
		let upload =
			|origin: RuntimeOrigin| Revive::upload_code(origin, b"not code".to_vec(), UNIT);
		let council = || -> RuntimeOrigin {
			pallet_collective::RawOrigin::<AccountId, CouncilCollective>::Members(3, 4).into()
		};
		// No sudo key on this chain: a member alone is not the council, a hospital is no
		// uploader.
		assert_noop!(upload(signed(&Alice.to_account_id())), DispatchError::BadOrigin);
		assert_noop!(upload(signed(&Eve.to_account_id())), DispatchError::BadOrigin);
		// A motion of two thirds passes the origin (and the engine then refuses the bytes).
		assert_ne!(upload(council()), Err(DispatchError::BadOrigin));
		assert_eq!(ContractUploader::try_origin(council()).ok(), Some(CouncilAccount::get()));
		// As docs/operators.md prints it.
		assert_eq!(
			sp_core::crypto::Ss58Codec::to_ss58check(&CouncilAccount::get()),
			"5EYCAe5gX7sKa6dQNX6Chfg6jryh32dL32C1QY9ZkuxLgWvW"
		);
		let half: RuntimeOrigin =
			pallet_collective::RawOrigin::<AccountId, CouncilCollective>::Members(2, 4).into();
		assert!(ContractUploader::try_origin(half).is_err());

		// Instantiating: an active organisation, not a pending one nor anyone else.
		let eve = Eve.to_account_id();
		assert!(ContractInstantiator::try_origin(signed(&eve)).is_err());
		assert_ok!(motion(approve_hospital(), 3, &[Alice, Bob, Charlie]));
		assert_eq!(ContractInstantiator::try_origin(signed(&eve)).ok(), Some(eve.clone()));
		assert!(ContractInstantiator::try_origin(signed(&Alice.to_account_id())).is_err());
		assert!(ContractUploader::try_origin(signed(&eve)).is_err());
	});
}

#[test]
fn on_a_chain_with_a_sudo_key_any_signed_account_deploys() {
	with_council(|| {
		pallet_sudo::Key::<Runtime>::put(Alice.to_account_id());
		let ferdie = sp_keyring::Sr25519Keyring::Ferdie.to_account_id();
		assert_eq!(ContractUploader::try_origin(signed(&ferdie)).ok(), Some(ferdie.clone()));
		assert_eq!(ContractInstantiator::try_origin(signed(&ferdie)).ok(), Some(ferdie));
	});
}
