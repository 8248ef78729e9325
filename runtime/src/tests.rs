//! The pallets working together, as the runtime wires them through the traits in
//! `ehr-primitives`: the registry and the consents decide what the audit pallet logs.

use crate::*;
use ehr_primitives::{
	audit::{AccessLog, DenyReason},
	consent::{BreakGlassPolicy, ConsentDenial},
	providers::ProviderDenial,
};
use frame_support::{assert_ok, traits::fungible::Mutate, BoundedVec};
use pallet_audit::{AccessOutcome, EmergencyReason};
use pallet_consent::{Categories, ConsentTerms, Grantee, Purpose, StandardCategory};
use pallet_providers::{Credential, OrganisationKind, PractitionerRole, StatusReason};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie, Dave, Eve};
use sp_runtime::BuildStorage;

const NOW: Moment = 1_700_000_000_000;
const YEAR: Moment = 365 * 24 * 60 * 60 * 1000;

pub(crate) fn signed(who: &AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who.clone())
}

/// A credential valid for a year from `from`.
pub(crate) fn credential_from(from: Moment) -> Credential {
	Credential {
		document_hash: Hash::repeat_byte(1),
		issuer: 1,
		jurisdiction: BoundedVec::truncate_from(b"GB".to_vec()),
		valid_until: from + YEAR,
	}
}

fn credential() -> Credential {
	credential_from(NOW)
}

/// `organisation` (active) invites `practitioner` as a `role`, the account accepts, the
/// registrar approves.
pub(crate) fn register_practitioner(
	organisation: &AccountId,
	practitioner: &AccountId,
	role: PractitionerRole,
	credential: Credential,
) {
	let (org, who) = (organisation.clone(), practitioner.clone());
	assert_ok!(Providers::invite_practitioner(signed(&org), who.clone().into(), role, credential));
	assert_ok!(Providers::accept_invitation(signed(&who), org.into()));
	assert_ok!(Providers::approve(RuntimeOrigin::root(), who.into()));
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
			credential(),
			0
		));
		assert_ok!(Providers::approve(RuntimeOrigin::root(), hospital.clone().into()));
		register_practitioner(&hospital, &physician, PractitionerRole::Physician, credential());
		let terms = ConsentTerms {
			categories: Categories::Only(BoundedVec::truncate_from(vec![
				StandardCategory::Imaging.into(),
			])),
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
		StandardCategory::Imaging.into(),
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
				StandardCategory::Allergies.into(),
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

/// A signed sentinel report, by Alice's development key, on `practitioner`'s latest window.
fn alice_reports(practitioner: &AccountId) -> RuntimeCall {
	use sp_core::Pair;
	let key = sp_keyring::Sr25519Keyring::Alice.pair();
	let window_end = Audit::latest_decisions(practitioner).map(|l| l.newest).unwrap_or_default();
	let report = pallet_sentinel::Report {
		sentinel: key.public().into(),
		practitioner: practitioner.clone(),
		score_ppm: 990_000,
		model_hash: Hash::repeat_byte(7),
		window_end,
	};
	let signature = key.sign(&Sentinel::signed_message(&report)).into();
	RuntimeCall::Sentinel(pallet_sentinel::Call::report { report, signature })
}

/// Alice the only sentinel, a model approved.
fn alice_watches() {
	pallet_sentinel::Sentinels::<Runtime>::put(BoundedVec::truncate_from(vec![
		sp_keyring::Sr25519Keyring::Alice.to_account_id(),
	]));
	pallet_sentinel::ApprovedModel::<Runtime>::put(Hash::repeat_byte(7));
}

#[test]
fn an_unconfirmed_automatic_suspension_lapses_through_the_registry_and_sticks() {
	use frame_support::{
		dispatch::GetDispatchInfo,
		traits::{Authorize, Hooks},
	};
	use frame_system::RawOrigin;
	use sp_runtime::traits::Dispatchable;
	with_consent(|physician, patient, _| {
		alice_watches();
		request(physician, patient);
		let report = alice_reports(physician);
		assert!(
			report.get_dispatch_info().class == frame_support::dispatch::DispatchClass::Operational
		);
		let authorized =
			report.authorize(sp_runtime::transaction_validity::TransactionSource::Local);
		assert!(matches!(authorized, Some(Ok(_))), "the pool accepts it: {authorized:?}");
		assert_ok!(report.dispatch(RawOrigin::Authorized.into()));
		let status = || Providers::practitioner_access(physician);
		assert_eq!(status(), Err(ProviderDenial::Suspended));

		// The council does not confirm it within a day: the practitioner is back, and the
		// burst that led to it can no longer be reported.
		let deadline = 1 + DAYS;
		System::set_block_number(deadline);
		Sentinel::on_initialize(deadline);
		assert!(status().is_ok());
		let record = pallet_providers::Practitioners::<Runtime>::get(physician).unwrap().status;
		assert_eq!(record.reason, StatusReason::ReviewPeriodElapsed);
		let again = alice_reports(physician);
		let refused = again.authorize(sp_runtime::transaction_validity::TransactionSource::Local);
		assert!(matches!(refused, Some(Err(_))), "the cleared window is refused: {refused:?}");
	});
}

#[test]
fn the_councils_reinstatement_clears_what_the_sentinel_may_report() {
	with_consent(|physician, patient, _| {
		request(physician, patient);
		let newest = Audit::latest_decisions(physician).map(|l| l.newest);
		assert_ok!(Providers::suspend(
			RuntimeOrigin::root(),
			physician.clone().into(),
			StatusReason::CouncilDecision
		));
		assert_ok!(Providers::reinstate(RuntimeOrigin::root(), physician.clone().into()));
		assert_eq!(Some(pallet_sentinel::ClearedThrough::<Runtime>::get(physician)), newest);
	});
}

#[test]
fn the_runtimes_migrations_bring_every_pallet_to_its_storage_version() {
	use codec::Encode;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	with_consent(|physician, patient, _| {
		request(physician, patient);
		let cursor = pallet_audit::PractitionerCursors::<Runtime>::get(physician);
		let window = Audit::window_of(physician);
		// As version 0 stored them: the cursor with its last block, the decision's category in
		// clear, the quorum a count.
		let old = pallet_audit::migrations::v1::CursorV0 {
			logged: cursor.logged,
			last_block: 1,
			hours: cursor.hours,
		};
		let key = pallet_audit::PractitionerCursors::<Runtime>::hashed_key_for(physician);
		sp_io::storage::set(&key, &old.encode());
		for (who, slot, d) in
			pallet_audit::PractitionerWindow::<Runtime>::iter().collect::<Vec<_>>()
		{
			let imaging = ehr_primitives::consent::RecordCategory::Imaging;
			let old = pallet_audit::migrations::v2::DecisionV1::of(d, imaging);

			let key = pallet_audit::PractitionerWindow::<Runtime>::hashed_key_for(who, slot);
			sp_io::storage::set(&key, &old.encode());
		}
		let four: Vec<AccountId> =
			[Alice, Bob, Charlie, Dave].iter().map(|k| k.to_account_id()).collect();
		pallet_sentinel::Sentinels::<Runtime>::put(BoundedVec::truncate_from(four));
		frame_support::storage::unhashed::put(
			&pallet_sentinel::Quorum::<Runtime>::hashed_key(),
			&1u32,
		);
		// The patient's consent, imaging named as version 0 of the consent pallet did.
		let grantee = Grantee::Practitioner(physician.clone());
		let consents = pallet_consent::Consents::<Runtime>::get(&grantee, patient);
		let old: Vec<_> = consents
			.iter()
			.map(|c| pallet_consent::migrations::v1::ConsentV0 {
				id: c.id,
				terms: pallet_consent::migrations::v1::TermsV0 {
					categories: pallet_consent::migrations::v1::CategoriesV0::Only(vec![
						ehr_primitives::consent::RecordCategory::Imaging,
					]),
					purposes: c.terms.purposes.clone(),
					from: c.terms.from,
					until: c.terms.until,
					max_accesses: c.terms.max_accesses,
				},
				accesses: c.accesses,
				granted_by: c.granted_by.clone(),
				granted_at: c.granted_at,
			})
			.collect();
		let key = pallet_consent::Consents::<Runtime>::hashed_key_for(&grantee, patient);
		sp_io::storage::set(&key, &old.encode());
		StorageVersion::new(0).put::<Audit>();
		StorageVersion::new(0).put::<Sentinel>();
		StorageVersion::new(0).put::<Consent>();

		<crate::Migrations as OnRuntimeUpgrade>::on_runtime_upgrade();
		assert_eq!(Audit::on_chain_storage_version(), 2);
		assert_eq!(Consent::on_chain_storage_version(), 1);
		assert_eq!(Sentinel::on_chain_storage_version(), 1);
		assert_eq!(pallet_audit::PractitionerCursors::<Runtime>::get(physician), cursor);
		assert_eq!(Audit::window_of(physician), window);
		assert_eq!(pallet_consent::Consents::<Runtime>::get(&grantee, patient), consents);
		// One key of four no longer suspends: more than two thirds do.
		assert_eq!(Sentinel::quorum_count(), 3);
	});
}
