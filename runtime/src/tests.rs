//! The pallets working together, as the runtime wires them through the traits in
//! `ehr-primitives`: the registry and the consents decide what the audit pallet logs.

use crate::*;
use ehr_primitives::{
	audit::DenyReason,
	consent::{BreakGlassPolicy, ConsentDenial},
	providers::ProviderDenial,
};
use frame_support::{assert_ok, traits::fungible::Mutate, BoundedVec};
use pallet_audit::{AccessOutcome, EmergencyReason};
use pallet_consent::{Categories, ConsentTerms, Grantee, Purpose, RecordCategory};
use pallet_providers::{Credential, OrganisationKind, PractitionerRole, StatusReason};
use sp_keyring::Sr25519Keyring::{Charlie, Dave, Eve};
use sp_runtime::BuildStorage;

const NOW: Moment = 1_700_000_000_000;
const YEAR: Moment = 365 * 24 * 60 * 60 * 1000;

fn signed(who: &AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who.clone())
}

fn credential() -> Credential {
	Credential {
		document_hash: Hash::repeat_byte(1),
		issuer: 1,
		jurisdiction: BoundedVec::truncate_from(b"GB".to_vec()),
		valid_until: NOW + YEAR,
	}
}

/// A chain at `NOW` with an active hospital (Charlie) and physician (Dave), and a patient (Eve)
/// who has given the physician a consent for imaging, for treatment.
fn with_consent(test: impl FnOnce(&AccountId, &AccountId, u64)) {
	let storage = frame_system::GenesisConfig::<Runtime>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Runtime>::put(NOW);
		let (hospital, physician, patient) =
			(Charlie.to_account_id(), Dave.to_account_id(), Eve.to_account_id());
		let _ = Balances::set_balance(&hospital, 1_000 * UNIT);
		assert_ok!(Providers::register_organisation(
			signed(&hospital),
			OrganisationKind::Hospital,
			credential()
		));
		assert_ok!(Providers::approve(RuntimeOrigin::root(), hospital.clone().into()));
		assert_ok!(Providers::register_practitioner(
			signed(&hospital),
			physician.clone().into(),
			PractitionerRole::Physician,
			credential()
		));
		assert_ok!(Providers::approve(RuntimeOrigin::root(), physician.clone().into()));
		let terms = ConsentTerms {
			categories: Categories::Only(BoundedVec::truncate_from(vec![RecordCategory::Imaging])),
			purposes: BoundedVec::truncate_from(vec![Purpose::Treatment]),
			from: NOW,
			until: None,
			max_accesses: None,
		};
		assert_ok!(Consent::grant(
			signed(&patient),
			None,
			Grantee::Practitioner(physician.clone()),
			terms
		));
		test(&physician, &patient, 0);
	});
}

/// `physician` asks for `patient`'s imaging for treatment; the outcome logged.
fn request(physician: &AccountId, patient: &AccountId) -> AccessOutcome {
	assert_ok!(Audit::request_access(
		signed(physician),
		patient.clone().into(),
		RecordCategory::Imaging,
		Purpose::Treatment,
		None
	));
	Audit::window_of(physician).last().expect("logged").outcome
}

fn denied(reason: DenyReason) -> AccessOutcome {
	AccessOutcome::Denied { reason }
}

#[test]
fn a_revocation_denies_the_next_request_in_the_same_block() {
	with_consent(|physician, patient, consent| {
		assert_eq!(
			request(physician, patient),
			AccessOutcome::Granted { consent, scope: pallet_consent::ConsentScope::Practitioner }
		);
		assert_ok!(Consent::revoke(signed(patient), None, consent));
		assert_eq!(
			request(physician, patient),
			denied(DenyReason::Consent(ConsentDenial::NoConsent))
		);
		assert_eq!(System::block_number(), 1);
	});
}

#[test]
fn a_suspension_denies_the_next_request_in_the_same_block() {
	with_consent(|physician, patient, _| {
		assert!(request(physician, patient).is_granted());
		assert_ok!(Providers::suspend(
			RuntimeOrigin::root(),
			physician.clone().into(),
			StatusReason::CouncilDecision
		));
		assert_eq!(
			request(physician, patient),
			denied(DenyReason::Provider(ProviderDenial::Suspended))
		);
		assert_eq!(Audit::accesses_of(patient, 0, 10).len(), 2);
	});
}

#[test]
fn break_glass_follows_the_patients_policy() {
	with_consent(|physician, patient, _| {
		let break_glass = || {
			assert_ok!(Audit::emergency_access(
				signed(physician),
				patient.clone().into(),
				RecordCategory::Allergies,
				EmergencyReason::LifeThreatening
			));
			Audit::window_of(physician).last().expect("logged").outcome
		};
		assert_ok!(Consent::set_break_glass_policy(
			signed(patient),
			None,
			BreakGlassPolicy::OptedOut
		));
		assert_eq!(break_glass(), denied(DenyReason::BreakGlassOptedOut));
		assert_ok!(Consent::set_break_glass_policy(
			signed(patient),
			None,
			BreakGlassPolicy::Allowed
		));
		assert!(matches!(break_glass(), AccessOutcome::EmergencyGranted { .. }));
	});
}
