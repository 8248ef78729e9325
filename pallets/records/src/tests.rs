use crate::{
	mock::*, Anchor, Category, ErasureRequests, ErasureTarget, Error, Event, HoldReason,
	OverdueErasure, RecordCount, RecordCounts, RecordState, RecordVerdict, Records as RecordStore,
	Tombstone,
};
use ehr_primitives::{
	consent::{Purpose, StandardCategory},
	providers::ProviderDenial,
};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::DispatchResult,
	traits::fungible::{InspectHold, Mutate},
	BoundedVec,
};
use pallet_consent::{Categories, ConsentTerms, Grantee};
use sp_core::H256;
use sp_runtime::DispatchError;
use ErasureTarget::All;

const IMAGING: Category = Category::Standard(StandardCategory::Imaging);
const NOTES: Category = Category::Standard(StandardCategory::ClinicalNotes);
/// A sensitive category of `PATIENT` at `HOSPITAL`, by its commitment.
const BLINDED: Category = Category::Sensitive(H256([7; 32]));

fn record(n: u8) -> H256 {
	H256::repeat_byte(n)
}

fn content(n: u8) -> H256 {
	H256::repeat_byte(0xc0 | n)
}

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// `patient` consents to `grantee` seeing `categories` for `purpose`, from now on.
fn consent(patient: u64, grantee: Grantee<u64>, categories: &[Category], purpose: Purpose) {
	let terms = ConsentTerms {
		categories: Categories::Only(BoundedVec::truncate_from(categories.to_vec())),
		purposes: BoundedVec::truncate_from(vec![purpose]),
		from: NOW,
		until: None,
		max_accesses: None,
	};
	assert_ok!(Consent::grant(signed(patient), None, grantee, terms));
}

/// `PATIENT` consents to `HOSPITAL` seeing imaging, notes and `BLINDED` for treatment.
fn hospital_consent() {
	consent(
		PATIENT,
		Grantee::Organisation(HOSPITAL),
		&[IMAGING, NOTES, BLINDED],
		Purpose::Treatment,
	);
}

fn anchor(who: u64, patient: u64, id: u8, category: Category, hash: u8) -> DispatchResult {
	Records::anchor_record(signed(who), patient, record(id), category, content(hash))
}

fn verdict(patient: u64, id: u8, hash: u8) -> RecordVerdict {
	Records::verify_record(&patient, record(id), content(hash))
}

fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::RecordDeposit.into(), &who)
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

mod anchoring {
	use super::*;

	#[test]
	fn a_practitioner_under_consent_anchors_a_record_its_organisation_then_holds() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
			assert_eq!(
				last_event(),
				Event::RecordAnchored {
					patient: PATIENT,
					record_id: record(1),
					version: 1,
					content_hash: content(1),
					custodian: HOSPITAL,
					by: PHYSICIAN,
				}
				.into()
			);
			let stored = RecordStore::<Test>::get(PATIENT, record(1)).unwrap();
			assert_eq!(stored.custodian, HOSPITAL);
			assert_eq!(stored.category, IMAGING);
			assert_eq!(
				stored.state,
				RecordState::Live(BoundedVec::truncate_from(vec![Anchor {
					content_hash: content(1),
					anchored_at: NOW,
					anchored_by: PHYSICIAN,
				}]))
			);
			// The organisation pays, not the practitioner.
			assert_eq!(held(HOSPITAL), RECORD_DEPOSIT + VERSION_DEPOSIT);
			assert_eq!(held(PHYSICIAN), 0);
			assert_eq!(RecordCounts::<Test>::get(PATIENT), RecordCount { total: 1, live: 1 });
			assert_eq!(verdict(PATIENT, 1, 1), RecordVerdict::Current { version: 1 });
		});
	}

	#[test]
	fn a_second_anchor_is_a_new_version_and_the_first_becomes_outdated() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
			pass(HOUR);
			// A colleague of the same custodian versions it.
			assert_ok!(anchor(NURSE, PATIENT, 1, IMAGING, 2));
			assert!(matches!(
				last_event(),
				RuntimeEvent::Records(Event::RecordAnchored { version: 2, by: NURSE, .. })
			));
			assert_eq!(verdict(PATIENT, 1, 2), RecordVerdict::Current { version: 2 });
			assert_eq!(verdict(PATIENT, 1, 1), RecordVerdict::Outdated { current_version: 2 });
			// An altered copy, another record, another patient: unknown.
			assert_eq!(verdict(PATIENT, 1, 3), RecordVerdict::Unknown);
			assert_eq!(verdict(PATIENT, 2, 2), RecordVerdict::Unknown);
			assert_eq!(verdict(OTHER_PATIENT, 1, 2), RecordVerdict::Unknown);
			// Back to the first content: a third version, current again.
			assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
			assert_eq!(verdict(PATIENT, 1, 1), RecordVerdict::Current { version: 3 });
			assert_eq!(verdict(PATIENT, 1, 2), RecordVerdict::Outdated { current_version: 3 });
			assert_eq!(held(HOSPITAL), RECORD_DEPOSIT + 3 * VERSION_DEPOSIT);
			let info = Records::record_info(&PATIENT, record(1)).unwrap();
			let times: Vec<_> =
				info.versions.iter().map(|a| (a.anchored_at, a.anchored_by)).collect();
			assert_eq!(times, [(NOW, PHYSICIAN), (NOW + HOUR, NURSE), (NOW + HOUR, PHYSICIAN)]);
		});
	}

	#[test]
	fn a_version_keeps_the_category_and_changes_the_content() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
			assert_noop!(anchor(PHYSICIAN, PATIENT, 1, NOTES, 2), Error::<Test>::CategoryMismatch);
			assert_noop!(
				anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1),
				Error::<Test>::UnchangedContent
			);
		});
	}

	#[test]
	fn versions_and_records_are_bounded() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			for hash in 1..=MAX_VERSIONS as u8 {
				assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, hash));
			}
			assert_noop!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 9), Error::<Test>::TooManyVersions);
			for id in 2..=MAX_RECORDS as u8 {
				assert_ok!(anchor(PHYSICIAN, PATIENT, id, IMAGING, 1));
			}
			assert_noop!(anchor(PHYSICIAN, PATIENT, 9, IMAGING, 1), Error::<Test>::TooManyRecords);
		});
	}

	#[test]
	fn a_sensitive_record_is_anchored_by_its_commitment_only_under_a_consent_naming_it() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			assert_ok!(anchor(PHYSICIAN, PATIENT, 1, BLINDED, 1));
			// Another commitment (another category, or one made without the salt) is not covered.
			let guessed = Category::Sensitive(H256([8; 32]));
			assert_noop!(
				anchor(PHYSICIAN, PATIENT, 2, guessed, 1),
				Error::<Test>::NotCoveredByConsent
			);
			assert_noop!(
				anchor(PHYSICIAN, PATIENT, 2, Category::SENSITIVE_UNNAMED, 1),
				Error::<Test>::NotCoveredByConsent
			);
		});
	}

	#[test]
	fn the_patient_anchors_a_record_it_keeps_and_pays_for_it() {
		new_test_ext().execute_with(|| {
			assert_ok!(anchor(PATIENT, PATIENT, 1, NOTES, 1));
			assert_ok!(anchor(PATIENT, PATIENT, 1, NOTES, 2));
			assert_eq!(RecordStore::<Test>::get(PATIENT, record(1)).unwrap().custodian, PATIENT);
			assert_eq!(held(PATIENT), RECORD_DEPOSIT + 2 * VERSION_DEPOSIT);
			// A hospital's practitioner, even with consent, does not version it.
			hospital_consent();
			assert_noop!(anchor(PHYSICIAN, PATIENT, 1, NOTES, 3), Error::<Test>::NotCustodian);
		});
	}
}

mod anchoring_is_refused {
	use super::*;

	#[test]
	fn to_whoever_is_not_a_practitioner_or_the_patient() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			assert_noop!(anchor(STRANGER, PATIENT, 1, IMAGING, 1), Error::<Test>::NotAPractitioner);
			// Another patient cannot anchor into this patient's record.
			assert_noop!(
				anchor(OTHER_PATIENT, PATIENT, 1, IMAGING, 1),
				Error::<Test>::NotAPractitioner
			);
			// Nor the organisation's own account: its practitioners sign.
			assert_noop!(anchor(HOSPITAL, PATIENT, 1, IMAGING, 1), Error::<Test>::NotAPractitioner);
			assert_noop!(
				Records::anchor_record(
					RuntimeOrigin::root(),
					PATIENT,
					record(1),
					IMAGING,
					content(1)
				),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Records::anchor_record(
					RuntimeOrigin::none(),
					PATIENT,
					record(1),
					IMAGING,
					content(1)
				),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn to_a_practitioner_suspended_or_revoked() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			for denial in [
				ProviderDenial::Suspended,
				ProviderDenial::Revoked,
				ProviderDenial::OrganisationInactive,
			] {
				Registry::set_standing(PHYSICIAN, Some(denial));
				assert_noop!(
					anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1),
					Error::<Test>::NotAPractitioner
				);
			}
			Registry::set_standing(PHYSICIAN, None);
			assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
		});
	}

	#[test]
	fn without_a_consent_for_treatment_of_that_category() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1),
				Error::<Test>::NotCoveredByConsent
			);
			// A consent for research only, or for another category, does not do.
			consent(PATIENT, Grantee::Organisation(HOSPITAL), &[IMAGING], Purpose::Research);
			consent(PATIENT, Grantee::Organisation(HOSPITAL), &[NOTES], Purpose::Treatment);
			assert_noop!(
				anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1),
				Error::<Test>::NotCoveredByConsent
			);
			// Another organisation's consent does not do.
			consent(PATIENT, Grantee::Organisation(CLINIC), &[IMAGING], Purpose::Treatment);
			assert_noop!(
				anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1),
				Error::<Test>::NotCoveredByConsent
			);
		});
	}

	#[test]
	fn after_the_consent_is_revoked() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
			assert_ok!(Consent::revoke(signed(PATIENT), None, 0));
			assert_noop!(
				anchor(PHYSICIAN, PATIENT, 1, IMAGING, 2),
				Error::<Test>::NotCoveredByConsent
			);
		});
	}

	#[test]
	fn to_another_custodian_versioning_a_record_it_does_not_hold() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			consent(PATIENT, Grantee::Organisation(CLINIC), &[IMAGING], Purpose::Treatment);
			assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
			assert_noop!(anchor(LOCUM, PATIENT, 1, IMAGING, 2), Error::<Test>::NotCustodian);
			// The patient does not overwrite its hospital's record either.
			assert_noop!(anchor(PATIENT, PATIENT, 1, IMAGING, 2), Error::<Test>::NotCustodian);
		});
	}

	#[test]
	fn on_a_restricted_record_to_a_consent_given_to_the_organisation() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			assert_ok!(Consent::set_restriction(signed(PATIENT), None, true));
			assert_noop!(
				anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1),
				Error::<Test>::NotCoveredByConsent
			);
			// A consent naming the practitioner opens it.
			consent(PATIENT, Grantee::Practitioner(PHYSICIAN), &[IMAGING], Purpose::Treatment);
			assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
			assert_noop!(anchor(NURSE, PATIENT, 1, IMAGING, 2), Error::<Test>::NotCoveredByConsent);
		});
	}

	#[test]
	fn when_the_custodian_cannot_pay_the_deposit() {
		new_test_ext().execute_with(|| {
			consent(PATIENT, Grantee::Organisation(POOR_LAB), &[IMAGING], Purpose::Treatment);
			assert_noop!(
				anchor(TECHNICIAN, PATIENT, 1, IMAGING, 1),
				Error::<Test>::InsufficientDeposit
			);
			// Funded for the record but not for a second version.
			assert_ok!(Balances::mint_into(&POOR_LAB, 1 + RECORD_DEPOSIT + VERSION_DEPOSIT));
			assert_ok!(anchor(TECHNICIAN, PATIENT, 1, IMAGING, 1));
			assert_noop!(
				anchor(TECHNICIAN, PATIENT, 1, IMAGING, 2),
				Error::<Test>::InsufficientDeposit
			);
		});
	}
}

mod erasure {
	use super::*;

	/// `PATIENT`'s record 1 at `HOSPITAL` in two versions.
	fn hospital_record() {
		hospital_consent();
		assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
		assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 2));
	}

	#[test]
	fn the_custodian_confirms_a_requested_erasure_and_a_tombstone_remains() {
		new_test_ext().execute_with(|| {
			hospital_record();
			assert_ok!(Records::request_erasure(
				signed(PATIENT),
				None,
				ErasureTarget::Record(record(1))
			));
			assert_eq!(
				last_event(),
				Event::ErasureRequested {
					patient: PATIENT,
					target: ErasureTarget::Record(record(1)),
					by: PATIENT,
					due: NOW + ERASURE_PERIOD,
				}
				.into()
			);
			let info = Records::record_info(&PATIENT, record(1)).unwrap();
			assert_eq!(info.erasure_requested, Some(NOW));
			// The record takes no new version meanwhile.
			assert_noop!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 3), Error::<Test>::ErasurePending);

			pass(DAY);
			assert_ok!(Records::confirm_erasure(signed(HOSPITAL), PATIENT, record(1)));
			assert_eq!(
				last_event(),
				Event::RecordErased {
					patient: PATIENT,
					record_id: record(1),
					custodian: HOSPITAL,
					requested_at: NOW,
					erased_at: NOW + DAY,
				}
				.into()
			);
			let tombstone = Tombstone { versions: 2, requested_at: NOW, erased_at: NOW + DAY };
			let stored = RecordStore::<Test>::get(PATIENT, record(1)).unwrap();
			assert_eq!(stored.state, RecordState::Erased(tombstone));
			// No content hash is left in state, and every copy verifies as erased.
			assert_eq!(verdict(PATIENT, 1, 1), RecordVerdict::Erased);
			assert_eq!(verdict(PATIENT, 1, 2), RecordVerdict::Erased);
			let info = Records::record_info(&PATIENT, record(1)).unwrap();
			assert!(info.versions.is_empty());
			assert_eq!((info.erased, info.erasure_requested), (Some(tombstone), None));
			// The versions' deposits are back; the tombstone's stays.
			assert_eq!(held(HOSPITAL), RECORD_DEPOSIT);
			assert_eq!(RecordCounts::<Test>::get(PATIENT), RecordCount { total: 1, live: 0 });
			assert!(!ErasureRequests::<Test>::contains_key(
				PATIENT,
				ErasureTarget::Record(record(1))
			));
			// Erased for good: no new version, no second erasure.
			assert_noop!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 3), Error::<Test>::RecordErased);
			assert_noop!(
				Records::request_erasure(signed(PATIENT), None, ErasureTarget::Record(record(1))),
				Error::<Test>::RecordErased
			);
			assert_noop!(
				Records::confirm_erasure(signed(HOSPITAL), PATIENT, record(1)),
				Error::<Test>::RecordErased
			);
		});
	}

	#[test]
	fn erasing_all_reaches_every_custodian_and_completes_with_the_last() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			consent(PATIENT, Grantee::Organisation(CLINIC), &[NOTES], Purpose::Treatment);
			assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
			assert_ok!(anchor(LOCUM, PATIENT, 2, NOTES, 1));
			assert_ok!(Records::request_erasure(signed(PATIENT), None, All));
			// No new record, nor version, while it runs.
			assert_noop!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 2), Error::<Test>::ErasurePending);
			assert_noop!(anchor(PATIENT, PATIENT, 3, NOTES, 1), Error::<Test>::ErasurePending);
			assert_noop!(
				Records::request_erasure(signed(PATIENT), None, ErasureTarget::Record(record(1))),
				Error::<Test>::ErasureAlreadyRequested
			);

			assert_ok!(Records::confirm_erasure(signed(CLINIC), PATIENT, record(2)));
			assert!(ErasureRequests::<Test>::contains_key(PATIENT, All));
			assert_ok!(Records::confirm_erasure(signed(HOSPITAL), PATIENT, record(1)));
			assert_eq!(last_event(), Event::ErasureCompleted { patient: PATIENT }.into());
			assert!(!ErasureRequests::<Test>::contains_key(PATIENT, All));
			assert_eq!(verdict(PATIENT, 2, 1), RecordVerdict::Erased);
			// The patient may have records again (new ids).
			assert_ok!(anchor(PATIENT, PATIENT, 3, NOTES, 1));
		});
	}

	#[test]
	fn a_guardian_asks_for_the_patient_while_its_guardianship_runs() {
		new_test_ext().execute_with(|| {
			hospital_record();
			assert_ok!(Consent::set_guardian(signed(PATIENT), PARENT, Some(NOW + DAY)));
			assert_ok!(Records::request_erasure(signed(PARENT), Some(PATIENT), All));
			assert!(matches!(
				last_event(),
				RuntimeEvent::Records(Event::ErasureRequested { by: PARENT, .. })
			));
			assert_ok!(Records::confirm_erasure(signed(HOSPITAL), PATIENT, record(1)));

			assert_ok!(anchor(PATIENT, PATIENT, 2, NOTES, 1));
			pass(DAY);
			assert_noop!(
				Records::request_erasure(signed(PARENT), Some(PATIENT), All),
				Error::<Test>::NotPatientOrGuardian
			);
		});
	}

	#[test]
	fn nobody_else_asks() {
		new_test_ext().execute_with(|| {
			hospital_record();
			for who in [STRANGER, PHYSICIAN, HOSPITAL, OTHER_PATIENT] {
				assert_noop!(
					Records::request_erasure(signed(who), Some(PATIENT), All),
					Error::<Test>::NotPatientOrGuardian
				);
			}
			assert_noop!(
				Records::request_erasure(RuntimeOrigin::root(), Some(PATIENT), All),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn only_the_custodian_confirms_and_only_what_was_asked() {
		new_test_ext().execute_with(|| {
			hospital_record();
			assert_noop!(
				Records::confirm_erasure(signed(HOSPITAL), PATIENT, record(1)),
				Error::<Test>::NoErasureRequested
			);
			assert_ok!(Records::request_erasure(
				signed(PATIENT),
				None,
				ErasureTarget::Record(record(1))
			));
			for who in [CLINIC, PHYSICIAN, PATIENT, STRANGER] {
				assert_noop!(
					Records::confirm_erasure(signed(who), PATIENT, record(1)),
					Error::<Test>::NotCustodian
				);
			}
			assert_noop!(
				Records::confirm_erasure(signed(HOSPITAL), PATIENT, record(2)),
				Error::<Test>::UnknownRecord
			);
		});
	}

	#[test]
	fn a_request_names_something_to_erase_once() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Records::request_erasure(signed(PATIENT), None, All),
				Error::<Test>::NothingToErase
			);
			assert_noop!(
				Records::request_erasure(signed(PATIENT), None, ErasureTarget::Record(record(1))),
				Error::<Test>::UnknownRecord
			);
			hospital_record();
			assert_ok!(Records::request_erasure(
				signed(PATIENT),
				None,
				ErasureTarget::Record(record(1))
			));
			assert_noop!(
				Records::request_erasure(signed(PATIENT), None, ErasureTarget::Record(record(1))),
				Error::<Test>::ErasureAlreadyRequested
			);
		});
	}

	#[test]
	fn a_patients_own_record_is_erased_by_the_patient_as_its_custodian() {
		new_test_ext().execute_with(|| {
			assert_ok!(anchor(PATIENT, PATIENT, 1, NOTES, 1));
			assert_ok!(Records::request_erasure(signed(PATIENT), None, All));
			assert_ok!(Records::confirm_erasure(signed(PATIENT), PATIENT, record(1)));
			assert_eq!(held(PATIENT), RECORD_DEPOSIT);
			assert_eq!(last_event(), Event::ErasureCompleted { patient: PATIENT }.into());
		});
	}

	#[test]
	fn a_request_unconfirmed_for_the_erasure_period_is_listed_as_overdue_until_confirmed() {
		new_test_ext().execute_with(|| {
			hospital_consent();
			consent(OTHER_PATIENT, Grantee::Organisation(HOSPITAL), &[IMAGING], Purpose::Treatment);
			assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
			assert_ok!(anchor(PHYSICIAN, OTHER_PATIENT, 2, IMAGING, 1));
			assert_ok!(Records::request_erasure(
				signed(PATIENT),
				None,
				ErasureTarget::Record(record(1))
			));
			pass(DAY);
			assert_ok!(Records::request_erasure(signed(OTHER_PATIENT), None, All));

			pass(ERASURE_PERIOD - DAY - 1);
			assert_eq!(Records::overdue_erasures(None, 10), vec![]);
			pass(1);
			let first = OverdueErasure {
				patient: PATIENT,
				target: ErasureTarget::Record(record(1)),
				requested_at: NOW,
				due: NOW + ERASURE_PERIOD,
			};
			assert_eq!(Records::overdue_erasures(None, 10), vec![first.clone()]);
			pass(DAY);
			let all = Records::overdue_erasures(None, 10);
			assert_eq!(all.len(), 2);
			// A page at a time.
			let page = Records::overdue_erasures(None, 1);
			let rest = Records::overdue_erasures(Some((page[0].patient, page[0].target)), 10);
			assert_eq!([page, rest].concat(), all);

			assert_ok!(Records::confirm_erasure(signed(HOSPITAL), PATIENT, record(1)));
			assert_ok!(Records::confirm_erasure(signed(HOSPITAL), OTHER_PATIENT, record(2)));
			assert_eq!(Records::overdue_erasures(None, 10), vec![]);
		});
	}
}

#[test]
fn a_patients_records_are_listed_a_page_at_a_time() {
	new_test_ext().execute_with(|| {
		hospital_consent();
		assert_ok!(anchor(PHYSICIAN, PATIENT, 1, IMAGING, 1));
		assert_ok!(anchor(PATIENT, PATIENT, 2, NOTES, 1));
		let all = Records::records_of(&PATIENT, None, 10);
		let mut ids: Vec<_> = all.iter().map(|r| r.record_id).collect();
		ids.sort();
		assert_eq!(ids, [record(1), record(2)]);
		let page = Records::records_of(&PATIENT, None, 1);
		let rest = Records::records_of(&PATIENT, Some(page[0].record_id), 10);
		assert_eq!([page, rest].concat(), all);
		assert_eq!(Records::records_of(&OTHER_PATIENT, None, 10), vec![]);
	});
}

#[test]
fn guardians_act_for_the_patient_through_the_consent_pallet() {
	use ehr_primitives::consent::PatientAgents;
	new_test_ext().execute_with(|| {
		assert!(Consent::acts_for(&PATIENT, &PATIENT, NOW));
		assert!(!Consent::acts_for(&PARENT, &PATIENT, NOW));
		assert_ok!(Consent::set_guardian(signed(PATIENT), PARENT, Some(NOW + DAY)));
		assert!(Consent::acts_for(&PARENT, &PATIENT, NOW + DAY - 1));
		assert!(!Consent::acts_for(&PARENT, &PATIENT, NOW + DAY));
		assert!(!Consent::acts_for(&PATIENT, &PARENT, NOW));
	});
}
