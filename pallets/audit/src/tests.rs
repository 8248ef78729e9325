use crate::{
	mock::*, AccessDecision, AccessOutcome, DenyReason, EmergencyAccessId, EmergencyGrant,
	EmergencyGrants, EmergencyReason, Error, Event, OrganisationVerdicts, PatientLog,
	PendingReviews, PractitionerWindow, Referral, Referrals, Reviewer, Touched,
	UnjustifiedEmergencies, Verdict, WeightInfo,
};
use ehr_primitives::{
	consent::{Category, ConsentDenial, ConsentScope, ConsentWrites, Purpose, RecordCategory},
	providers::{PractitionerRole, ProviderDenial},
};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::GetDispatchInfo,
	traits::UnfilteredDispatchable,
	weights::{constants::ParityDbWeight, Weight},
};
use sp_core::H256;
use sp_runtime::DispatchError;
use Purpose::*;
use RecordCategory::*;

/// `category` as `PATIENT` and `HOSPITAL` name it on chain.
fn blind(category: RecordCategory) -> Category {
	let salt =
		ehr_privacy::Salt(sp_io::hashing::blake2_256(&codec::Encode::encode(&(PATIENT, HOSPITAL))));
	salt.blind(category)
}

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// `practitioner` asks for `PATIENT`'s `category` for `purpose`; returns the decision logged.
fn request(practitioner: u64, category: RecordCategory, purpose: Purpose) -> AccessDecision<u64> {
	let category = blind(category);
	assert_ok!(Audit::request_access(signed(practitioner), PATIENT, category, purpose, None));
	last_decision()
}

fn break_glass(practitioner: u64) -> AccessDecision<u64> {
	break_glass_into(practitioner, Allergies)
}

fn break_glass_into(practitioner: u64, category: RecordCategory) -> AccessDecision<u64> {
	assert_ok!(Audit::emergency_access(
		signed(practitioner),
		PATIENT,
		blind(category),
		EmergencyReason::PatientIncapacitated
	));
	last_decision()
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Audit(event) => Some(event),
			_ => None,
		})
		.collect()
}

fn last_decision() -> AccessDecision<u64> {
	events()
		.into_iter()
		.rev()
		.find_map(|event| match event {
			Event::AccessDecided { decision, .. } => Some(decision),
			_ => None,
		})
		.expect("a decision was emitted")
}

fn denied(reason: DenyReason) -> AccessOutcome {
	AccessOutcome::Denied { reason }
}

fn granted(consent: u64, scope: ConsentScope) -> AccessOutcome {
	AccessOutcome::Granted { consent, scope }
}

/// The outcome of a request by `PHYSICIAN` for imaging, for treatment.
fn outcome() -> AccessOutcome {
	request(PHYSICIAN, Imaging, Treatment).outcome
}

/// The outcome of `PHYSICIAN`'s request for the category `break_glass` breaks into.
fn emergency_outcome() -> AccessOutcome {
	request(PHYSICIAN, Allergies, Treatment).outcome
}

/// The physician's open grant on the patient's allergies.
fn allergies_grant() -> Option<EmergencyGrant> {
	EmergencyGrants::<Test>::get((PHYSICIAN, PATIENT, blind(Allergies)))
}

// --- granted ---

#[test]
fn a_practitioner_with_consent_is_granted_and_the_decision_is_kept() {
	new_test_ext().execute_with(|| {
		MockConsents::grant(PATIENT, PHYSICIAN, 7, ConsentScope::Practitioner);
		assert_ok!(Audit::request_access(
			signed(PHYSICIAN),
			PATIENT,
			blind(LaboratoryResults),
			Treatment,
			Some(H256::repeat_byte(9))
		));
		let decision = AccessDecision {
			seq: 1 << 32,
			at: NOW,
			block: 1,
			practitioner: PHYSICIAN,
			organisation: Some(HOSPITAL),
			role: Some(PractitionerRole::Physician),
			patient: PATIENT,
			category: blind(LaboratoryResults),
			purpose: Treatment,
			emergency: false,
			restricted: false,
			outcome: granted(7, ConsentScope::Practitioner),
		};
		assert_eq!(
			events(),
			vec![Event::AccessDecided {
				decision: decision.clone(),
				record: Some(H256::repeat_byte(9))
			}]
		);
		assert_eq!(Audit::window_of(&PHYSICIAN), vec![decision.clone()]);
		assert_eq!(Audit::accesses_of(&PATIENT, 0, 10), vec![decision]);
		assert_eq!(Touched::<Test>::get().into_inner(), vec![PHYSICIAN]);
		assert_eq!(MockConsents::uses(), 1);
	});
}

/// What `practitioner`'s request for `PATIENT`'s imaging, for treatment, was charged.
fn charged(practitioner: u64) -> Weight {
	let call = crate::Call::<Test>::request_access {
		patient: PATIENT,
		category: blind(Imaging),
		purpose: Treatment,
		record: None,
	};
	let info = call.get_dispatch_info();
	assert_eq!(info.call_weight, <() as WeightInfo>::request_access());
	let post = call.dispatch_bypass_filter(signed(practitioner)).expect("a decision");
	post.calc_actual_weight(&info)
}

/// The worst case's weight less `reads` and `writes` of the database.
fn worst_less(reads: u64, writes: u64) -> Weight {
	<() as WeightInfo>::request_access()
		.saturating_sub(ParityDbWeight::get().reads_writes(reads, writes))
}

#[test]
fn a_request_is_charged_for_the_storage_it_touched() {
	new_test_ext().execute_with(|| {
		// The worst case: a restricted record and the practitioner's referral read, the
		// closest consent had lapsed and was cleared, the emergency grant and the break-glass
		// policy read, the touched set grown.
		MockConsents::restrict(PATIENT, true);
		let referral = Referral { by: NURSE, from: NOW, until: NOW + DAY };
		Referrals::<Test>::insert(PHYSICIAN, PATIENT, referral);
		MockConsents::set(PATIENT, PHYSICIAN, Err(ConsentDenial::ConsentExhausted));
		MockConsents::writes(ConsentWrites::Cleared);
		assert_eq!(charged(PHYSICIAN), worst_less(0, 0));
		// From here on the record is not restricted: no referral read (the `1 +` below).
		MockConsents::restrict(PATIENT, false);

		// Granted by a consent without a limit, the practitioner already seen in the block: no
		// consent written, no patient's list nor emergency storage read, the touched set as it
		// was.
		MockConsents::grant(PATIENT, PHYSICIAN, 7, ConsentScope::Practitioner);
		MockConsents::writes(ConsentWrites::Nothing);
		assert_eq!(charged(PHYSICIAN), worst_less(1 + 1 + 2 + 1, 2 + 1));
		// A practitioner's first request in the block: the touched set grows.
		MockConsents::grant(PATIENT, HOSPITAL, 3, ConsentScope::Organisation);
		assert_eq!(charged(NURSE), worst_less(1 + 1 + 2, 2));
		// Counted against a limit: the grantee's list written.
		MockConsents::writes(ConsentWrites::Counted);
		assert_eq!(charged(PHYSICIAN), worst_less(1 + 1 + 2 + 1, 1 + 1));

		// Denied by consent: the emergency storage was read.
		MockConsents::revoke(PATIENT, HOSPITAL);
		MockConsents::set(PATIENT, PHYSICIAN, Err(ConsentDenial::NoConsent));
		MockConsents::writes(ConsentWrites::Nothing);
		assert_eq!(charged(PHYSICIAN), worst_less(1 + 1 + 1, 2 + 1));

		// Not active: no consent nor emergency storage consulted.
		MockRegistry::set_standing(LOCUM, Some(ProviderDenial::Suspended));
		assert_eq!(charged(LOCUM), worst_less(1 + 5, 2));
		assert!(Touched::<Test>::get().contains(&LOCUM));
	});
}

#[test]
fn an_organisation_consent_grants_its_practitioners() {
	new_test_ext().execute_with(|| {
		MockConsents::grant(PATIENT, HOSPITAL, 3, ConsentScope::Organisation);
		assert_eq!(
			request(NURSE, Imaging, Treatment).outcome,
			granted(3, ConsentScope::Organisation)
		);
		assert_eq!(
			request(LOCUM, Imaging, Treatment).outcome,
			denied(DenyReason::Consent(ConsentDenial::NoConsent))
		);
	});
}

#[test]
fn only_a_signed_request_is_decided() {
	new_test_ext().execute_with(|| {
		for origin in [RuntimeOrigin::root(), RuntimeOrigin::none()] {
			assert_noop!(
				Audit::request_access(origin.clone(), PATIENT, blind(Imaging), Treatment, None),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Audit::emergency_access(origin, PATIENT, blind(Imaging), EmergencyReason::Other),
				DispatchError::BadOrigin
			);
		}
	});
}

// --- denied: one test per reason; a denial is a successful extrinsic that is kept ---

/// Deny a request by `PHYSICIAN` after `setup`, and check that the denial is kept like a grant.
fn assert_denied(setup: impl FnOnce(), reason: DenyReason) {
	new_test_ext().execute_with(|| {
		setup();
		let decision = request(PHYSICIAN, Imaging, Treatment);
		assert_eq!(decision.outcome, denied(reason));
		assert!(!decision.emergency);
		assert_eq!(Audit::window_of(&PHYSICIAN), vec![decision.clone()]);
		assert_eq!(Audit::accesses_of(&PATIENT, 0, 10), vec![decision]);
		assert_eq!(Touched::<Test>::get().into_inner(), vec![PHYSICIAN]);
		assert_eq!(MockConsents::uses(), 0);
	});
}

fn standing(denial: ProviderDenial) -> impl FnOnce() {
	move || {
		MockConsents::grant(PATIENT, PHYSICIAN, 1, ConsentScope::Practitioner);
		MockRegistry::set_standing(PHYSICIAN, Some(denial));
	}
}

fn consent(denial: ConsentDenial) -> impl FnOnce() {
	move || MockConsents::set(PATIENT, PHYSICIAN, Err(denial))
}

#[test]
fn an_account_outside_the_registry_writes_nothing_and_is_refused_by_name() {
	new_test_ext().execute_with(|| {
		// The patient's care team has a history with it.
		MockConsents::grant(PATIENT, PHYSICIAN, 1, ConsentScope::Practitioner);
		request(PHYSICIAN, Imaging, Treatment);
		let history = Audit::accesses_of(&PATIENT, 0, 10);
		// An outsider tries to flush the patient's log, with requests and with break-glass;
		// `assert_noop` checks that not a byte of state changes.
		for _ in 0..PATIENT_LOG + 1 {
			assert_noop!(
				Audit::request_access(signed(STRANGER), PATIENT, blind(Imaging), Treatment, None),
				Error::<Test>::NotAPractitioner
			);
			assert_noop!(
				Audit::emergency_access(
					signed(STRANGER),
					PATIENT,
					blind(Imaging),
					EmergencyReason::Other
				),
				Error::<Test>::NotAPractitioner
			);
		}
		assert_eq!(Audit::accesses_of(&PATIENT, 0, 10), history);
		assert!(Audit::window_of(&STRANGER).is_empty());
	});
}

/// What the pool says of `call` signed by `who`: valid, or the custom code it refuses it with.
fn pool_check(who: u64, call: crate::Call<Test>) -> Result<(), u8> {
	use crate::CheckRegisteredPractitioner;
	use frame_support::dispatch::GetDispatchInfo;
	use sp_runtime::{
		traits::DispatchTransaction,
		transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	};
	let call = RuntimeCall::Audit(call);
	let info = call.get_dispatch_info();
	CheckRegisteredPractitioner::<Test>::new()
		.validate_only(signed(who), &call, &info, 0, TransactionSource::External, 0)
		.map(|_| ())
		.map_err(|error| match error {
			TransactionValidityError::Invalid(InvalidTransaction::Custom(code)) => code,
			other => panic!("refused with {other:?}"),
		})
}

#[test]
fn the_pool_refuses_requests_from_outside_the_registry_and_only_those() {
	new_test_ext().execute_with(|| {
		let ask = || crate::Call::request_access {
			patient: PATIENT,
			category: blind(Imaging),
			purpose: Treatment,
			record: None,
		};
		let glass = || crate::Call::emergency_access {
			patient: PATIENT,
			category: blind(Allergies),
			reason: EmergencyReason::Other,
		};
		for call in [ask(), glass()] {
			assert_eq!(pool_check(STRANGER, call.clone()), Err(crate::NOT_A_PRACTITIONER));
			// The organisation itself is not a practitioner either.
			assert_eq!(pool_check(HOSPITAL, call.clone()), Err(crate::NOT_A_PRACTITIONER));
			assert_eq!(pool_check(PHYSICIAN, call.clone()), Ok(()));
			// A suspended practitioner passes: its attempt is logged, denied.
			MockRegistry::set_standing(NURSE, Some(ProviderDenial::Suspended));
			assert_eq!(pool_check(NURSE, call), Ok(()));
		}
		// Calls that log nothing in the signer's name are not the extension's business.
		let end = crate::Call::end_referral { patient: PATIENT, consultant: CONSULTANT };
		assert_eq!(pool_check(STRANGER, end), Ok(()));
	});
}

#[test]
fn a_suspended_practitioners_break_glass_is_denied_and_logged() {
	new_test_ext().execute_with(|| {
		MockRegistry::set_standing(PHYSICIAN, Some(ProviderDenial::Suspended));
		let decision = break_glass(PHYSICIAN);
		assert_eq!(decision.outcome, denied(DenyReason::Provider(ProviderDenial::Suspended)));
		assert_eq!(
			(decision.organisation, decision.role),
			(Some(HOSPITAL), Some(PractitionerRole::Physician))
		);
		assert_eq!(Audit::accesses_of(&PATIENT, 0, 10), vec![decision]);
		assert!(PendingReviews::<Test>::iter().next().is_none());
	});
}

#[test]
fn the_cursor_keeps_the_newest_decision_and_the_newest_before_its_block() {
	use ehr_primitives::audit::{AccessLog, LatestDecisions};
	new_test_ext().execute_with(|| {
		assert_eq!(<Audit as AccessLog<u64>>::latest_decisions(&PHYSICIAN), None);
		let first = request(PHYSICIAN, Imaging, Treatment).seq;
		let second = request(PHYSICIAN, Imaging, Treatment).seq;
		let latest = |who| <Audit as AccessLog<u64>>::latest_decisions(&who);
		assert_eq!(
			latest(PHYSICIAN),
			Some(LatestDecisions { newest: second, before_newest_block: 0 })
		);
		System::set_block_number(2);
		let third = request(PHYSICIAN, Imaging, Treatment).seq;
		let fourth = request(PHYSICIAN, Imaging, Treatment).seq;
		assert!(first < second && second < third && third < fourth);
		assert_eq!(
			latest(PHYSICIAN),
			Some(LatestDecisions { newest: fourth, before_newest_block: second })
		);
		// Another practitioner's requests move only its own cursor.
		request(NURSE, Imaging, Treatment);
		assert_eq!(latest(PHYSICIAN).map(|l| l.newest), Some(fourth));
	});
}

/// Rewrites the log and the emergency accesses waiting for review as version 1 stored them,
/// categories in clear (`clear` tells the category each blinded one stood for).
fn store_as_v1(clear: impl Fn(Category) -> RecordCategory) {
	use crate::migrations::v2::{DecisionV1, EmergencyAccessV1};
	use codec::Encode;
	let decision = |d: AccessDecision<u64>| {
		let category = clear(d.category);
		DecisionV1::of(d, category)
	};
	for (who, slot, d) in PractitionerWindow::<Test>::iter().collect::<Vec<_>>() {
		let key = PractitionerWindow::<Test>::hashed_key_for(who, slot);
		sp_io::storage::set(&key, &decision(d).encode());
	}
	for (who, slot, d) in PatientLog::<Test>::iter().collect::<Vec<_>>() {
		let key = PatientLog::<Test>::hashed_key_for(who, slot);
		sp_io::storage::set(&key, &decision(d).encode());
	}
	for (id, a) in PendingReviews::<Test>::iter().collect::<Vec<_>>() {
		let old = EmergencyAccessV1 {
			practitioner: a.practitioner,
			organisation: a.organisation,
			patient: a.patient,
			category: clear(a.category),
			reason: a.reason,
			opened_at: a.opened_at,
			until: a.until,
		};
		sp_io::storage::set(&PendingReviews::<Test>::hashed_key_for(id), &old.encode());
	}
}

#[test]
fn the_v1_migration_finds_the_latest_decisions_and_keys_each_grant_by_its_category() {
	use crate::{migrations, PractitionerCursors, WindowCursor};
	use codec::Encode;
	use ehr_primitives::audit::LatestDecisions;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		// Three decisions in block 1, two in block 2: the ring (4 slots) has wrapped.
		let mut seqs = Vec::new();
		for block in [1, 1, 1, 2, 2] {
			System::set_block_number(block);
			seqs.push(request(PHYSICIAN, Imaging, Treatment).seq);
		}
		// A grant the physician's break-glass on allergies opened, kept per patient; and one
		// whose access was reviewed already.
		let access = break_glass(PHYSICIAN).seq;
		EmergencyGrants::<Test>::remove((PHYSICIAN, PATIENT, blind(Allergies)));
		let grant = EmergencyGrant { access, until: NOW + EMERGENCY_GRANT };
		migrations::v1::v0::EmergencyGrants::<Test>::insert(PHYSICIAN, PATIENT, grant);
		let reviewed = EmergencyGrant { access: access + 1, until: NOW + EMERGENCY_GRANT };
		migrations::v1::v0::EmergencyGrants::<Test>::insert(NURSE, PATIENT, reviewed);
		crate::OpenEmergencies::<Test>::remove(PHYSICIAN);
		// The cursor, stored as version 0 did, and the log with categories in clear.
		let window = Audit::window_of(&PHYSICIAN);
		let cursor = PractitionerCursors::<Test>::get(PHYSICIAN);
		let old =
			migrations::v1::CursorV0 { logged: cursor.logged, last_block: 2, hours: cursor.hours };
		let key = PractitionerCursors::<Test>::hashed_key_for(PHYSICIAN);
		sp_io::storage::set(&key, &old.encode());
		store_as_v1(|c| c.standard().map(Into::into).unwrap_or(RecordCategory::Hiv));
		StorageVersion::new(0).put::<Audit>();

		migrations::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Audit::on_chain_storage_version(), 1);
		assert_eq!(
			PractitionerCursors::<Test>::get(PHYSICIAN),
			WindowCursor {
				logged: 6,
				latest: LatestDecisions { newest: access, before_newest_block: seqs[2] },
				hours: cursor.hours,
			}
		);
		assert_eq!(crate::OpenEmergencies::<Test>::get(PHYSICIAN), 1);
		// Run twice, it changes nothing.
		migrations::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(PractitionerCursors::<Test>::get(PHYSICIAN), cursor);

		// Version 2 reads back what version 1 kept: the grant, keyed by its category.
		migrations::MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Audit::on_chain_storage_version(), 2);
		assert_eq!(
			EmergencyGrants::<Test>::iter().collect::<Vec<_>>(),
			vec![((PHYSICIAN, PATIENT, blind(Allergies)), grant)]
		);
		assert_eq!(Audit::window_of(&PHYSICIAN), window);
	});
}

#[test]
fn the_v2_migration_blinds_what_version_1_logged_in_clear() {
	use crate::migrations;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		request(PHYSICIAN, Imaging, Treatment);
		request(PHYSICIAN, Hiv, Treatment);
		let hiv_access = break_glass_into(PHYSICIAN, Hiv).seq;
		let allergies_access = break_glass(NURSE).seq;
		// Version 1 kept HIV in clear, under a key of its own.
		store_as_v1(|c| c.standard().map(Into::into).unwrap_or(RecordCategory::Hiv));
		let grants: Vec<_> = EmergencyGrants::<Test>::drain().collect();
		for ((who, patient, category), grant) in grants {
			let clear = category.standard().map(Into::into).unwrap_or(RecordCategory::Hiv);
			migrations::v2::v1::EmergencyGrants::<Test>::insert((who, patient, clear), grant);
		}
		StorageVersion::new(1).put::<Audit>();

		migrations::MigrateToV2::<Test>::on_runtime_upgrade();

		assert_eq!(Audit::on_chain_storage_version(), 2);
		let logged: Vec<_> = Audit::window_of(&PHYSICIAN).iter().map(|d| d.category).collect();
		let sensitive = Category::SENSITIVE_UNNAMED;
		assert_eq!(logged, vec![blind(Imaging), sensitive, sensitive]);
		let patient_log: Vec<_> = Audit::accesses_of(&PATIENT, 0, 10);
		assert_eq!(patient_log.len(), PATIENT_LOG as usize);
		assert!(patient_log.iter().all(|d| d.category != blind(Hiv)));
		let pending = |access| PendingReviews::<Test>::get(access).map(|a| a.category);
		assert_eq!(pending(hiv_access), Some(sensitive));
		assert_eq!(pending(allergies_access), Some(blind(Allergies)));
		// The grant on HIV ended: its key named the category in clear. The other stays.
		let keys: Vec<_> = EmergencyGrants::<Test>::iter_keys().collect();
		assert_eq!(keys, vec![(NURSE, PATIENT, blind(Allergies))]);
	});
}

#[test]
fn denied_provider_pending() {
	assert_denied(standing(ProviderDenial::Pending), DenyReason::Provider(ProviderDenial::Pending));
}

#[test]
fn denied_provider_suspended() {
	assert_denied(
		standing(ProviderDenial::Suspended),
		DenyReason::Provider(ProviderDenial::Suspended),
	);
}

#[test]
fn denied_provider_revoked() {
	assert_denied(standing(ProviderDenial::Revoked), DenyReason::Provider(ProviderDenial::Revoked));
}

#[test]
fn denied_credential_expired() {
	assert_denied(
		standing(ProviderDenial::CredentialExpired),
		DenyReason::Provider(ProviderDenial::CredentialExpired),
	);
}

#[test]
fn denied_organisation_inactive() {
	assert_denied(
		standing(ProviderDenial::OrganisationInactive),
		DenyReason::Provider(ProviderDenial::OrganisationInactive),
	);
}

#[test]
fn denied_no_consent() {
	assert_denied(|| {}, DenyReason::Consent(ConsentDenial::NoConsent));
}

#[test]
fn denied_category_not_covered() {
	assert_denied(
		consent(ConsentDenial::CategoryNotCovered),
		DenyReason::Consent(ConsentDenial::CategoryNotCovered),
	);
}

#[test]
fn denied_sensitive_category_not_covered() {
	assert_denied(
		consent(ConsentDenial::SensitiveCategoryNotCovered),
		DenyReason::Consent(ConsentDenial::SensitiveCategoryNotCovered),
	);
}

#[test]
fn denied_purpose_not_covered() {
	assert_denied(
		consent(ConsentDenial::PurposeNotCovered),
		DenyReason::Consent(ConsentDenial::PurposeNotCovered),
	);
}

#[test]
fn denied_consent_not_yet_valid() {
	assert_denied(
		consent(ConsentDenial::ConsentNotYetValid),
		DenyReason::Consent(ConsentDenial::ConsentNotYetValid),
	);
}

#[test]
fn denied_consent_expired() {
	assert_denied(
		consent(ConsentDenial::ConsentExpired),
		DenyReason::Consent(ConsentDenial::ConsentExpired),
	);
}

#[test]
fn denied_consent_exhausted() {
	assert_denied(
		consent(ConsentDenial::ConsentExhausted),
		DenyReason::Consent(ConsentDenial::ConsentExhausted),
	);
}

#[test]
fn a_denied_practitioner_is_logged_with_its_organisation_and_role() {
	new_test_ext().execute_with(|| {
		MockRegistry::set_standing(NURSE, Some(ProviderDenial::Suspended));
		let decision = request(NURSE, Imaging, Treatment);
		assert_eq!(decision.organisation, Some(HOSPITAL));
		assert_eq!(decision.role, Some(PractitionerRole::Nurse));
	});
}

// --- same-block effects ---

#[test]
fn a_revocation_or_suspension_holds_for_the_next_request_in_the_same_block() {
	new_test_ext().execute_with(|| {
		MockConsents::grant(PATIENT, PHYSICIAN, 1, ConsentScope::Practitioner);
		assert!(outcome().is_granted());
		MockConsents::revoke(PATIENT, PHYSICIAN);
		assert_eq!(outcome(), denied(DenyReason::Consent(ConsentDenial::NoConsent)));

		MockConsents::grant(PATIENT, PHYSICIAN, 2, ConsentScope::Practitioner);
		assert!(outcome().is_granted());
		MockRegistry::set_standing(PHYSICIAN, Some(ProviderDenial::Suspended));
		assert_eq!(outcome(), denied(DenyReason::Provider(ProviderDenial::Suspended)));
		assert_eq!(System::block_number(), 1);
	});
}

// --- break-glass ---

#[test]
fn break_glass_opens_a_reviewed_time_limited_grant() {
	new_test_ext().execute_with(|| {
		let opened = break_glass(PHYSICIAN);
		let access: EmergencyAccessId = opened.seq;
		assert_eq!(opened.outcome, AccessOutcome::EmergencyGranted { access });
		assert!(opened.emergency);
		assert_eq!(opened.purpose, Emergency);
		assert_eq!(
			events().last(),
			Some(&Event::EmergencyAccessOpened {
				access,
				practitioner: PHYSICIAN,
				patient: PATIENT,
				category: blind(Allergies),
				reason: EmergencyReason::PatientIncapacitated,
				until: NOW + EMERGENCY_GRANT,
			})
		);
		let pending = PendingReviews::<Test>::get(access).expect("queued for review");
		assert_eq!((pending.practitioner, pending.organisation), (PHYSICIAN, HOSPITAL));
		assert_eq!(
			allergies_grant(),
			Some(EmergencyGrant { access, until: NOW + EMERGENCY_GRANT })
		);

		// Without consent, treatment and emergency requests go through under the grant, flagged.
		for purpose in [Treatment, Emergency] {
			let decision = request(PHYSICIAN, Allergies, purpose);
			assert_eq!(decision.outcome, AccessOutcome::EmergencyGranted { access });
			assert!(decision.emergency);
		}
		// Not other categories (a sensitive one least of all), other purposes, other
		// practitioners, other patients.
		for (who, category, purpose) in [
			(PHYSICIAN, MentalHealth, Treatment),
			(PHYSICIAN, Imaging, Emergency),
			(PHYSICIAN, Allergies, Payment),
			(NURSE, Allergies, Treatment),
		] {
			assert_eq!(
				request(who, category, purpose).outcome,
				denied(DenyReason::Consent(ConsentDenial::NoConsent))
			);
		}
		assert_ok!(Audit::request_access(
			signed(PHYSICIAN),
			OTHER_PATIENT,
			blind(Allergies),
			Treatment,
			None
		));
		assert_eq!(last_decision().outcome, denied(DenyReason::Consent(ConsentDenial::NoConsent)));
	});
}

#[test]
fn a_consent_still_comes_before_an_emergency_grant() {
	new_test_ext().execute_with(|| {
		break_glass(PHYSICIAN);
		MockConsents::grant(PATIENT, HOSPITAL, 5, ConsentScope::Organisation);
		let decision = request(PHYSICIAN, Allergies, Treatment);
		assert_eq!(decision.outcome, granted(5, ConsentScope::Organisation));
		assert!(!decision.emergency);
	});
}

#[test]
fn an_emergency_grant_ends_after_its_duration() {
	new_test_ext().execute_with(|| {
		let access = break_glass(PHYSICIAN).seq;
		next_block(NOW + EMERGENCY_GRANT - 1);
		assert_eq!(emergency_outcome(), AccessOutcome::EmergencyGranted { access });
		next_block(NOW + EMERGENCY_GRANT);
		assert_eq!(emergency_outcome(), denied(DenyReason::Consent(ConsentDenial::NoConsent)));
	});
}

#[test]
fn opting_out_of_break_glass_ends_the_grants_open_on_the_record() {
	new_test_ext().execute_with(|| {
		let access = break_glass(PHYSICIAN).seq;
		assert_eq!(emergency_outcome(), AccessOutcome::EmergencyGranted { access });
		MockConsents::opt_out(PATIENT);
		assert_eq!(emergency_outcome(), denied(DenyReason::Consent(ConsentDenial::NoConsent)));
		// The access still waits for its review.
		assert!(PendingReviews::<Test>::contains_key(access));
	});
}

#[test]
fn a_practitioner_with_too_many_unreviewed_emergencies_is_denied_the_next_and_it_is_logged() {
	new_test_ext().execute_with(|| {
		let first = break_glass(PHYSICIAN).seq;
		break_glass(PHYSICIAN);
		assert_eq!(crate::OpenEmergencies::<Test>::get(PHYSICIAN), MAX_OPEN_EMERGENCIES);
		let refused = break_glass(PHYSICIAN);
		assert_eq!(refused.outcome, denied(DenyReason::EmergencyLimitReached));
		assert_eq!(Audit::accesses_of(&PATIENT, 0, 10).last(), Some(&refused));
		assert_eq!(PendingReviews::<Test>::iter().count(), 2);
		// A review makes room.
		assert_ok!(Audit::review_emergency(signed(HOSPITAL), first, Verdict::Justified));
		assert!(matches!(break_glass(PHYSICIAN).outcome, AccessOutcome::EmergencyGranted { .. }));
		// Another practitioner was never limited by this one's queue.
		assert!(matches!(break_glass(NURSE).outcome, AccessOutcome::EmergencyGranted { .. }));
	});
}

#[test]
fn break_glass_is_refused_when_the_patient_opted_out() {
	new_test_ext().execute_with(|| {
		MockConsents::opt_out(PATIENT);
		let decision = break_glass(PHYSICIAN);
		assert_eq!(decision.outcome, denied(DenyReason::BreakGlassOptedOut));
		assert!(decision.emergency);
		assert_eq!(allergies_grant(), None);
		assert_eq!(PendingReviews::<Test>::iter().count(), 0);
		assert_eq!(Audit::accesses_of(&PATIENT, 0, 10), vec![decision]);
	});
}

#[test]
fn break_glass_is_refused_to_a_practitioner_who_may_not_act() {
	new_test_ext().execute_with(|| {
		MockRegistry::set_standing(PHYSICIAN, Some(ProviderDenial::Suspended));
		assert_eq!(
			break_glass(PHYSICIAN).outcome,
			denied(DenyReason::Provider(ProviderDenial::Suspended))
		);
		assert_noop!(
			Audit::emergency_access(
				signed(STRANGER),
				PATIENT,
				blind(Allergies),
				EmergencyReason::Other
			),
			Error::<Test>::NotAPractitioner
		);
		assert_eq!(EmergencyGrants::<Test>::iter().count(), 0);
		assert_eq!(PendingReviews::<Test>::iter().count(), 0);
	});
}

#[test]
fn the_organisation_reviews_a_justified_emergency_and_the_grant_runs_on() {
	new_test_ext().execute_with(|| {
		let access = break_glass(PHYSICIAN).seq;
		assert_ok!(Audit::review_emergency(signed(HOSPITAL), access, Verdict::Justified));
		assert_eq!(
			events().last(),
			Some(&Event::EmergencyReviewed {
				access,
				practitioner: PHYSICIAN,
				verdict: Verdict::Justified,
				by: Reviewer::Organisation(HOSPITAL),
			})
		);
		assert_eq!(PendingReviews::<Test>::get(access), None);
		assert_eq!(UnjustifiedEmergencies::<Test>::get(PHYSICIAN), 0);
		assert_eq!(emergency_outcome(), AccessOutcome::EmergencyGranted { access });
		assert_noop!(
			Audit::review_emergency(signed(HOSPITAL), access, Verdict::Justified),
			Error::<Test>::UnknownEmergencyAccess
		);
	});
}

#[test]
fn an_unjustified_emergency_counts_against_the_practitioner_and_closes_the_grant() {
	new_test_ext().execute_with(|| {
		let access = break_glass(PHYSICIAN).seq;
		assert_ok!(Audit::review_emergency(RuntimeOrigin::root(), access, Verdict::Unjustified));
		assert_eq!(
			events().last(),
			Some(&Event::EmergencyReviewed {
				access,
				practitioner: PHYSICIAN,
				verdict: Verdict::Unjustified,
				by: Reviewer::ReviewOrigin,
			})
		);
		assert_eq!(UnjustifiedEmergencies::<Test>::get(PHYSICIAN), 1);
		assert_eq!(allergies_grant(), None);
		assert_eq!(emergency_outcome(), denied(DenyReason::Consent(ConsentDenial::NoConsent)));
	});
}

#[test]
fn reviewing_an_ended_emergency_clears_its_grant() {
	new_test_ext().execute_with(|| {
		let access = break_glass(PHYSICIAN).seq;
		next_block(NOW + EMERGENCY_GRANT);
		assert_ok!(Audit::review_emergency(signed(HOSPITAL), access, Verdict::Justified));
		assert_eq!(allergies_grant(), None);
	});
}

#[test]
fn only_the_organisation_or_the_review_origin_reviews() {
	new_test_ext().execute_with(|| {
		let access = break_glass(PHYSICIAN).seq;
		for reviewer in [CLINIC, PHYSICIAN, STRANGER] {
			assert_noop!(
				Audit::review_emergency(signed(reviewer), access, Verdict::Unjustified),
				Error::<Test>::NotReviewer
			);
		}
		assert_noop!(
			Audit::review_emergency(RuntimeOrigin::none(), access, Verdict::Justified),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Audit::review_emergency(RuntimeOrigin::root(), access + 1, Verdict::Justified),
			Error::<Test>::UnknownEmergencyAccess
		);
	});
}

#[test]
fn the_council_overrides_an_organisation_that_whitewashes_its_own_staff() {
	new_test_ext().execute_with(|| {
		// The hospital calls its physician's break-glass justified; the council does not.
		let access = break_glass(PHYSICIAN).seq;
		assert_ok!(Audit::review_emergency(signed(HOSPITAL), access, Verdict::Justified));
		assert_eq!(emergency_outcome(), AccessOutcome::EmergencyGranted { access });
		next_block(NOW + HOUR);
		assert_ok!(Audit::override_verdict(RuntimeOrigin::root(), access, Verdict::Unjustified));
		assert_eq!(
			events().last(),
			Some(&Event::EmergencyVerdictOverridden {
				access,
				practitioner: PHYSICIAN,
				organisation_verdict: Verdict::Justified,
				verdict: Verdict::Unjustified,
			})
		);
		assert_eq!(UnjustifiedEmergencies::<Test>::get(PHYSICIAN), 1);
		assert_eq!(allergies_grant(), None);
		assert_eq!(emergency_outcome(), denied(DenyReason::Consent(ConsentDenial::NoConsent)));
		// Once: the council's word is final.
		assert_noop!(
			Audit::override_verdict(RuntimeOrigin::root(), access, Verdict::Justified),
			Error::<Test>::UnknownVerdict
		);
	});
}

#[test]
fn an_overridden_unjustified_verdict_takes_the_count_back() {
	new_test_ext().execute_with(|| {
		let access = break_glass(PHYSICIAN).seq;
		assert_ok!(Audit::review_emergency(signed(HOSPITAL), access, Verdict::Unjustified));
		assert_eq!(UnjustifiedEmergencies::<Test>::get(PHYSICIAN), 1);
		assert_ok!(Audit::override_verdict(RuntimeOrigin::root(), access, Verdict::Justified));
		assert!(!UnjustifiedEmergencies::<Test>::contains_key(PHYSICIAN));
		// The grant it closed stays closed.
		assert_eq!(allergies_grant(), None);
	});
}

#[test]
fn only_the_review_origin_overrides_and_only_an_organisations_verdict_within_the_period() {
	new_test_ext().execute_with(|| {
		let by_council = break_glass(PHYSICIAN).seq;
		assert_ok!(Audit::review_emergency(RuntimeOrigin::root(), by_council, Verdict::Justified));
		assert_noop!(
			Audit::override_verdict(RuntimeOrigin::root(), by_council, Verdict::Unjustified),
			Error::<Test>::UnknownVerdict
		);
		let access = break_glass(PHYSICIAN).seq;
		assert_ok!(Audit::review_emergency(signed(HOSPITAL), access, Verdict::Justified));
		for who in [HOSPITAL, PHYSICIAN, STRANGER] {
			assert_noop!(
				Audit::override_verdict(signed(who), access, Verdict::Unjustified),
				DispatchError::BadOrigin
			);
		}
		// Nobody clears it while the council may still act.
		assert_noop!(
			Audit::forget_verdict(signed(STRANGER), access),
			Error::<Test>::OverridePeriodOpen
		);
		next_block(NOW + OVERRIDE_PERIOD);
		assert_noop!(
			Audit::override_verdict(RuntimeOrigin::root(), access, Verdict::Unjustified),
			Error::<Test>::OverridePeriodOver
		);
		assert_ok!(Audit::forget_verdict(signed(STRANGER), access));
		assert_eq!(events().last(), Some(&Event::EmergencyVerdictForgotten { access }));
		assert_eq!(OrganisationVerdicts::<Test>::get(access), None);
		assert_eq!(UnjustifiedEmergencies::<Test>::get(PHYSICIAN), 0);
		assert_noop!(
			Audit::forget_verdict(signed(STRANGER), access),
			Error::<Test>::UnknownVerdict
		);
	});
}

// --- what is kept ---

#[test]
fn sequence_numbers_are_unique_and_increasing_across_blocks() {
	new_test_ext().execute_with(|| {
		MockConsents::grant(PATIENT, PHYSICIAN, 1, ConsentScope::Practitioner);
		let first = request(PHYSICIAN, Imaging, Treatment).seq;
		let second = request(NURSE, Imaging, Treatment).seq;
		next_block(NOW + 2000);
		let third = request(PHYSICIAN, Imaging, Treatment);
		assert!(first < second && second < third.seq);
		assert_eq!(first >> 32, 1);
		assert_eq!(third.seq >> 32, 2);
		assert_eq!(third.block, 2);
		assert_eq!(third.at, NOW + 2000);
	});
}

#[test]
fn the_practitioner_window_keeps_the_last_window_length_decisions() {
	new_test_ext().execute_with(|| {
		let all: Vec<_> = (0..WINDOW + 2).map(|_| request(PHYSICIAN, Imaging, Treatment)).collect();
		let kept = &all[2..];
		assert_eq!(Audit::window_of(&PHYSICIAN), kept.to_vec());
		assert_eq!(PractitionerWindow::<Test>::iter_prefix(PHYSICIAN).count(), WINDOW as usize);
		// Other practitioners have windows of their own.
		assert!(Audit::window_of(&NURSE).is_empty());
	});
}

#[test]
fn every_decision_notes_its_hour_in_the_practitioners_working_hours() {
	use ehr_primitives::{audit::AccessLog, features::WorkingHours};
	new_test_ext().execute_with(|| {
		const HOUR: u64 = 3_600_000;
		let mut expected = WorkingHours::default();
		for at in [NOW, NOW + 3 * HOUR, NOW + 27 * HOUR] {
			next_block(at);
			expected.record(at);
			// Denied or granted: the practitioner asked at that hour.
			request(PHYSICIAN, Imaging, Treatment);
		}
		assert_eq!(Audit::working_hours(&PHYSICIAN), expected);
		// NOW is 22:13 UTC: that day at 22:00, the next two at 01:00.
		assert_eq!(expected.hours[..3], [1 << 1, 1 << 1, 1 << 22]);
		assert_eq!(Audit::working_hours(&NURSE), WorkingHours::default());
	});
}

#[test]
fn working_hours_are_noted_in_the_organisations_local_time() {
	use ehr_primitives::{audit::AccessLog, features::WorkingHours};
	new_test_ext().execute_with(|| {
		// The hospital is in New York, UTC-5: NOW, 22:13 UTC, is 17:13 there.
		MockRegistry::set_utc_offset(PHYSICIAN, -300);
		request(PHYSICIAN, Imaging, Treatment);
		let mut expected = WorkingHours::default();
		expected.record(NOW - 5 * 3_600_000);
		assert_eq!(Audit::working_hours(&PHYSICIAN), expected);
		assert_eq!(expected.hours[0], 1 << 17);
	});
}

#[test]
fn the_patient_log_keeps_the_last_entries_and_pages_by_sequence() {
	new_test_ext().execute_with(|| {
		let all: Vec<_> = [PHYSICIAN, NURSE, LOCUM, PHYSICIAN, NURSE]
			.into_iter()
			.map(|practitioner| request(practitioner, Imaging, Treatment))
			.collect();
		let kept = &all[2..];
		assert_eq!(Audit::accesses_of(&PATIENT, 0, 10), kept.to_vec());
		assert_eq!(PatientLog::<Test>::iter_prefix(PATIENT).count(), PATIENT_LOG as usize);
		assert_eq!(Audit::accesses_of(&PATIENT, kept[1].seq, 10), kept[1..].to_vec());
		assert_eq!(Audit::accesses_of(&PATIENT, 0, 1), kept[..1].to_vec());
		assert!(Audit::accesses_of(&OTHER_PATIENT, 0, 10).is_empty());
		// The sentinel reads the same log newest first.
		use ehr_primitives::audit::AccessLog;
		let newest_first: Vec<_> = kept.iter().rev().cloned().collect();
		assert_eq!(<Audit as AccessLog<_>>::patient_log(PATIENT).collect::<Vec<_>>(), newest_first);
		assert_eq!(<Audit as AccessLog<_>>::patient_log(OTHER_PATIENT).count(), 0);
	});
}

#[test]
fn the_touched_set_lists_each_practitioner_once_and_is_cleared_each_block() {
	new_test_ext().execute_with(|| {
		for practitioner in [PHYSICIAN, NURSE, PHYSICIAN, LOCUM, NURSE] {
			request(practitioner, Imaging, Treatment);
		}
		assert_eq!(Touched::<Test>::get().into_inner(), vec![PHYSICIAN, NURSE, LOCUM]);
		next_block(NOW + 2000);
		assert!(Touched::<Test>::get().is_empty());
		request(NURSE, Imaging, Treatment);
		break_glass(PHYSICIAN);
		assert_eq!(Touched::<Test>::get().into_inner(), vec![NURSE, PHYSICIAN]);
	});
}

// --- referrals ---

/// `PHYSICIAN` cares for `PATIENT`: its organisation's consent lets it read the patient now.
fn physician_cares_for_the_patient() {
	MockConsents::grant(PATIENT, HOSPITAL, 5, ConsentScope::Organisation);
	request(PHYSICIAN, Imaging, Treatment);
}

fn refer(referrer: u64, consultant: u64, until: u64) -> sp_runtime::DispatchResult {
	Audit::refer(signed(referrer), PATIENT, consultant, until)
}

fn end(who: u64) -> sp_runtime::DispatchResult {
	Audit::end_referral(signed(who), PATIENT, CONSULTANT)
}

#[test]
fn a_practitioner_caring_for_a_patient_refers_it_to_a_consultant() {
	new_test_ext().execute_with(|| {
		physician_cares_for_the_patient();
		assert_ok!(refer(PHYSICIAN, CONSULTANT, NOW + DAY));
		assert_eq!(
			Referrals::<Test>::get(CONSULTANT, PATIENT),
			Some(Referral { by: PHYSICIAN, from: NOW, until: NOW + DAY })
		);
		assert_eq!(
			events().last(),
			Some(&Event::Referred {
				patient: PATIENT,
				consultant: CONSULTANT,
				by: PHYSICIAN,
				until: NOW + DAY
			})
		);
		// The sentinel's features read when it ends.
		use ehr_primitives::audit::AccessLog;
		assert_eq!(<Audit as AccessLog<_>>::referral_until(&CONSULTANT, &PATIENT), Some(NOW + DAY));
		assert_eq!(<Audit as AccessLog<_>>::referral_until(&NURSE, &PATIENT), None);
		// Another organisation's practitioner can be consulted too; a new referral of the same
		// pair replaces the old one.
		assert_ok!(refer(PHYSICIAN, LOCUM, NOW + DAY));
		next_block(NOW + HOUR);
		assert_ok!(refer(PHYSICIAN, CONSULTANT, NOW + 2 * DAY));
		assert_eq!(
			Referrals::<Test>::get(CONSULTANT, PATIENT),
			Some(Referral { by: PHYSICIAN, from: NOW + HOUR, until: NOW + 2 * DAY })
		);
	});
}

#[test]
fn a_referral_opens_no_access() {
	new_test_ext().execute_with(|| {
		MockConsents::grant(PATIENT, PHYSICIAN, 5, ConsentScope::Practitioner);
		request(PHYSICIAN, Imaging, Treatment);
		assert_ok!(refer(PHYSICIAN, CONSULTANT, NOW + DAY));
		assert_eq!(
			request(CONSULTANT, Imaging, Treatment).outcome,
			denied(DenyReason::Consent(ConsentDenial::NoConsent))
		);
	});
}

#[test]
fn only_a_practitioner_granted_access_to_the_patient_recently_refers_it() {
	new_test_ext().execute_with(|| {
		// Never read it, or was denied.
		assert_noop!(refer(PHYSICIAN, CONSULTANT, NOW + DAY), Error::<Test>::NotInCare);
		request(PHYSICIAN, Imaging, Treatment);
		assert_noop!(refer(PHYSICIAN, CONSULTANT, NOW + DAY), Error::<Test>::NotInCare);
		// Granted, but longer ago than `CareLookback`.
		physician_cares_for_the_patient();
		next_block(NOW + CARE_LOOKBACK + 1);
		assert_noop!(
			refer(PHYSICIAN, CONSULTANT, NOW + CARE_LOOKBACK + DAY),
			Error::<Test>::NotInCare
		);
		// Granted, but pushed out of its window by other patients since.
		next_block(NOW + CARE_LOOKBACK + 2);
		physician_cares_for_the_patient();
		for _ in 0..WINDOW {
			assert_ok!(Audit::request_access(
				signed(PHYSICIAN),
				OTHER_PATIENT,
				blind(Imaging),
				Treatment,
				None
			));
		}
		assert_noop!(
			refer(PHYSICIAN, CONSULTANT, NOW + CARE_LOOKBACK + DAY),
			Error::<Test>::NotInCare
		);
		// Under an emergency grant, it cares for the patient.
		break_glass(NURSE);
		assert_ok!(refer(NURSE, CONSULTANT, NOW + CARE_LOOKBACK + DAY));
	});
}

#[test]
fn both_practitioners_must_be_able_to_act_and_differ() {
	new_test_ext().execute_with(|| {
		physician_cares_for_the_patient();
		assert_noop!(refer(PHYSICIAN, PHYSICIAN, NOW + DAY), Error::<Test>::SelfReferral);
		assert_noop!(refer(PHYSICIAN, STRANGER, NOW + DAY), Error::<Test>::ConsultantMayNotAct);
		MockRegistry::set_standing(CONSULTANT, Some(ProviderDenial::Suspended));
		assert_noop!(refer(PHYSICIAN, CONSULTANT, NOW + DAY), Error::<Test>::ConsultantMayNotAct);
		MockRegistry::set_standing(CONSULTANT, None);
		MockRegistry::set_standing(PHYSICIAN, Some(ProviderDenial::Revoked));
		assert_noop!(refer(PHYSICIAN, CONSULTANT, NOW + DAY), Error::<Test>::ReferrerMayNotAct);
		assert_noop!(
			Audit::refer(RuntimeOrigin::none(), PATIENT, CONSULTANT, NOW + DAY),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_referral_ends_after_now_and_within_the_longest_duration() {
	new_test_ext().execute_with(|| {
		physician_cares_for_the_patient();
		for until in [NOW - 1, NOW, NOW + MAX_REFERRAL + 1] {
			assert_noop!(refer(PHYSICIAN, CONSULTANT, until), Error::<Test>::ReferralPeriod);
		}
		assert_ok!(refer(PHYSICIAN, CONSULTANT, NOW + MAX_REFERRAL));
	});
}

#[test]
fn the_referrer_the_consultant_or_the_patient_ends_a_referral() {
	new_test_ext().execute_with(|| {
		physician_cares_for_the_patient();
		for who in [PHYSICIAN, CONSULTANT, PATIENT] {
			assert_ok!(refer(PHYSICIAN, CONSULTANT, NOW + DAY));
			assert_noop!(end(NURSE), Error::<Test>::NotReferralParty);
			assert_ok!(end(who));
			// Kept, ended now: reads made under it stay care.
			assert_eq!(
				Referrals::<Test>::get(CONSULTANT, PATIENT),
				Some(Referral { by: PHYSICIAN, from: NOW, until: NOW })
			);
			assert_eq!(
				<Audit as ehr_primitives::audit::AccessLog<u64>>::referral_until(
					&CONSULTANT,
					&PATIENT
				),
				Some(NOW)
			);
			assert_noop!(end(who), Error::<Test>::ReferralEnded);
			assert_eq!(
				events().last(),
				Some(&Event::ReferralEnded { patient: PATIENT, consultant: CONSULTANT, by: who })
			);
		}
		assert_noop!(end(PATIENT), Error::<Test>::ReferralEnded);
		assert_noop!(
			Audit::end_referral(signed(PATIENT), PATIENT, NURSE),
			Error::<Test>::UnknownReferral
		);
		assert_noop!(
			Audit::end_referral(RuntimeOrigin::none(), PATIENT, CONSULTANT),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn anyone_clears_a_referral_that_ran_out_a_care_lookback_ago() {
	new_test_ext().execute_with(|| {
		physician_cares_for_the_patient();
		assert_ok!(refer(PHYSICIAN, CONSULTANT, NOW + DAY));
		// Run out, but the consultant's window may still hold reads made under it.
		next_block(NOW + DAY + CARE_LOOKBACK - 1);
		assert_noop!(end(STRANGER), Error::<Test>::NotReferralParty);
		next_block(NOW + DAY + CARE_LOOKBACK);
		assert_ok!(end(STRANGER));
		assert!(!Referrals::<Test>::contains_key(CONSULTANT, PATIENT));
	});
}

#[test]
fn a_consultants_referrals_are_read_at_once_up_to_a_bound() {
	use ehr_primitives::audit::AccessLog;
	new_test_ext().execute_with(|| {
		for (patient, until) in [(PATIENT, NOW + HOUR), (STRANGER, NOW + DAY)] {
			let referral = Referral { by: PHYSICIAN, from: NOW, until };
			Referrals::<Test>::insert(CONSULTANT, patient, referral);
		}
		Referrals::<Test>::insert(
			NURSE,
			PATIENT,
			Referral { by: PHYSICIAN, from: NOW, until: NOW },
		);
		let mut all = Audit::referrals_of(&CONSULTANT, 2).expect("two fit");
		all.sort();
		let mut expected = vec![(PATIENT, NOW + HOUR), (STRANGER, NOW + DAY)];
		expected.sort();
		assert_eq!(all, expected);
		assert_eq!(Audit::referrals_of(&CONSULTANT, 1), None);
		assert_eq!(Audit::referrals_of(&PHYSICIAN, 0), Some(vec![]));
	});
}

// --- restricted records ---

#[test]
fn a_colleague_snooping_on_a_restricted_record_is_denied_and_logged() {
	new_test_ext().execute_with(|| {
		// Every practitioner of the hospital is covered, the physician by name too.
		MockConsents::grant(PATIENT, HOSPITAL, 5, ConsentScope::Organisation);
		MockConsents::grant(PATIENT, PHYSICIAN, 6, ConsentScope::Practitioner);
		assert_eq!(
			request(NURSE, Imaging, Treatment).outcome,
			granted(5, ConsentScope::Organisation)
		);

		MockConsents::restrict(PATIENT, true);
		let snoop = request(NURSE, Imaging, Treatment);
		assert_eq!(snoop.outcome, denied(DenyReason::Consent(ConsentDenial::RecordRestricted)));
		assert!(snoop.restricted);
		assert_eq!(Audit::accesses_of(&PATIENT, 0, 10).last(), Some(&snoop));
		let named = request(PHYSICIAN, Imaging, Treatment);
		assert_eq!(named.outcome, granted(6, ConsentScope::Practitioner));
		assert!(named.restricted);
	});
}

#[test]
fn a_referral_opens_a_restricted_record_to_its_consultant_while_it_runs() {
	new_test_ext().execute_with(|| {
		physician_cares_for_the_patient();
		MockConsents::restrict(PATIENT, true);
		let before = request(CONSULTANT, Imaging, Treatment);
		assert_eq!(before.outcome, denied(DenyReason::Consent(ConsentDenial::RecordRestricted)));

		assert_ok!(refer(PHYSICIAN, CONSULTANT, NOW + DAY));
		let consult = request(CONSULTANT, Imaging, Treatment);
		assert_eq!(consult.outcome, granted(5, ConsentScope::Organisation));
		// Not another colleague; and not the consultant once the referral has ended.
		let nurse = request(NURSE, Imaging, Treatment);
		assert_eq!(nurse.outcome, denied(DenyReason::Consent(ConsentDenial::RecordRestricted)));
		next_block(NOW + DAY);
		let after = request(CONSULTANT, Imaging, Treatment);
		assert_eq!(after.outcome, denied(DenyReason::Consent(ConsentDenial::RecordRestricted)));
	});
}

#[test]
fn break_glass_on_a_restricted_record_is_reviewed_by_the_council_not_the_organisation() {
	new_test_ext().execute_with(|| {
		MockConsents::restrict(PATIENT, true);
		let opened = break_glass(NURSE);
		assert_eq!(opened.outcome, AccessOutcome::EmergencyGranted { access: opened.seq });
		assert!(opened.restricted);
		assert!(PendingReviews::<Test>::get(opened.seq).is_some_and(|a| a.restricted));
		// The nurse's own organisation would whitewash it: refused, and still pending.
		assert_noop!(
			Audit::review_emergency(signed(HOSPITAL), opened.seq, Verdict::Justified),
			Error::<Test>::ReviewedByCouncil
		);
		assert_ok!(Audit::review_emergency(
			RuntimeOrigin::root(),
			opened.seq,
			Verdict::Unjustified
		));
		assert_eq!(UnjustifiedEmergencies::<Test>::get(NURSE), 1);
		assert!(!OrganisationVerdicts::<Test>::contains_key(opened.seq));
	});
}
