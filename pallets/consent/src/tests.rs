use crate::{
	mock::*, BreakGlass, BreakGlassPolicy, Categories, ConsentDenial, ConsentId, ConsentInspect,
	ConsentMatch, ConsentReach, ConsentScope, ConsentState, ConsentTerms, ConsentWrites, Consents,
	Error, Event, Grantee, Guardians, Guardianship, LapseCause, NextConsentId, PatientConsents,
	Purpose,
};
use ehr_primitives::consent::{Category, RecordCategory, StandardCategory};
use frame_support::{assert_noop, assert_ok};
use frame_support::{traits::Get, BoundedVec};
use sp_runtime::DispatchError;
use ConsentDenial::*;
use ConsentWrites::*;
use Purpose::*;
use RecordCategory::*;

const SENSITIVE: [RecordCategory; 5] =
	[MentalHealth, SubstanceUse, SexualReproductiveHealth, Genetics, Hiv];

/// A record that is not restricted: consents to the practitioner and its organisation count.
const ANY: ConsentReach = ConsentReach::PractitionerOrOrganisation;

fn list<T: Clone, S: Get<u32>>(items: &[T]) -> BoundedVec<T, S> {
	BoundedVec::truncate_from(items.to_vec())
}

/// `category` as `PATIENT` and `HOSPITAL` name it on chain.
fn blind(category: RecordCategory) -> Category {
	salt(PATIENT, HOSPITAL).blind(category)
}

/// Exactly `categories`, blinded for `PATIENT` at `HOSPITAL`.
fn only(categories: &[RecordCategory]) -> Categories {
	Categories::Only(list(&categories.iter().map(|c| blind(*c)).collect::<Vec<_>>()))
}

/// Every standard category and the sensitive `categories`, blinded for `PATIENT` at `HOSPITAL`.
fn all_standard_and(sensitive: &[RecordCategory]) -> Categories {
	let commitments: Vec<_> =
		sensitive.iter().filter_map(|c| salt(PATIENT, HOSPITAL).commitment(*c)).collect();
	Categories::AllStandard { sensitive: list(&commitments) }
}

/// Terms for `categories` and `purposes`, from now on, without end or limit.
fn terms(categories: Categories, purposes: &[Purpose]) -> ConsentTerms {
	ConsentTerms {
		categories,
		purposes: list(purposes),
		from: NOW,
		until: None,
		max_accesses: None,
	}
}

/// Terms for exactly `categories`, for treatment.
fn treatment(categories: &[RecordCategory]) -> ConsentTerms {
	terms(only(categories), &[Treatment])
}

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// `patient` grants `terms` to `grantee` itself; returns the consent's id.
fn grant(patient: u64, grantee: Grantee<u64>, terms: ConsentTerms) -> ConsentId {
	let id = NextConsentId::<Test>::get();
	assert_ok!(Consent::grant(signed(patient), None, grantee, terms));
	id
}

fn to_physician() -> Grantee<u64> {
	Grantee::Practitioner(PHYSICIAN)
}

fn to_hospital() -> Grantee<u64> {
	Grantee::Organisation(HOSPITAL)
}

/// Whether `PATIENT`'s `category` may be seen by `practitioner` of `HOSPITAL` for `purpose`
/// now, without counting.
fn check_by(
	practitioner: u64,
	category: RecordCategory,
	purpose: Purpose,
) -> Result<ConsentMatch, ConsentDenial> {
	Consent::check(
		&PATIENT,
		&practitioner,
		&HOSPITAL,
		blind(category),
		purpose,
		Timestamp::get(),
		ANY,
	)
}

fn check(category: RecordCategory, purpose: Purpose) -> Result<ConsentMatch, ConsentDenial> {
	check_by(PHYSICIAN, category, purpose)
}

/// `PHYSICIAN` of `HOSPITAL` accesses `PATIENT`'s `category` for `purpose` now: the decision,
/// and what it wrote.
fn use_consent(
	category: RecordCategory,
	purpose: Purpose,
) -> (Result<ConsentMatch, ConsentDenial>, ConsentWrites) {
	let (category, now) = (blind(category), Timestamp::get());
	Consent::use_consent(&PATIENT, &PHYSICIAN, &HOSPITAL, category, purpose, now, ANY)
}

fn by_physician(consent: ConsentId) -> Result<ConsentMatch, ConsentDenial> {
	Ok(ConsentMatch { consent, scope: ConsentScope::Practitioner })
}

fn by_hospital(consent: ConsentId) -> Result<ConsentMatch, ConsentDenial> {
	Ok(ConsentMatch { consent, scope: ConsentScope::Organisation })
}

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|record| match record.event {
			RuntimeEvent::Consent(event) => Some(event),
			_ => None,
		})
		.expect("an event of the consent pallet")
}

/// The event of `PATIENT`'s consent `consent` to `grantee` lapsing.
fn lapsed(consent: ConsentId, grantee: Grantee<u64>, cause: LapseCause) -> Event<Test> {
	Event::ConsentLapsed { consent, patient: PATIENT, grantee, cause }
}

fn consent_ids_of(patient: u64) -> Vec<ConsentId> {
	PatientConsents::<Test>::get(patient).iter().map(|r| r.consent).collect()
}

fn stored(grantee: Grantee<u64>) -> Vec<ConsentId> {
	Consents::<Test>::get(grantee, PATIENT).iter().map(|c| c.id).collect()
}

fn set_guardian(guardian: u64, until: Option<u64>) {
	assert_ok!(Consent::set_guardian(signed(PATIENT), guardian, until));
}

// --- grant ---

#[test]
fn a_patient_grants_a_consent() {
	new_test_ext().execute_with(|| {
		let terms = treatment(&[Imaging]);
		assert_ok!(Consent::grant(signed(PATIENT), None, to_physician(), terms.clone()));

		let stored = Consents::<Test>::get(to_physician(), PATIENT);
		assert_eq!(
			stored.into_inner(),
			vec![crate::Consent {
				id: 0,
				terms: terms.clone(),
				accesses: 0,
				granted_by: PATIENT,
				granted_at: NOW
			}]
		);
		assert_eq!(consent_ids_of(PATIENT), vec![0]);
		assert_eq!(NextConsentId::<Test>::get(), 1);
		assert_eq!(
			last_event(),
			Event::ConsentGranted {
				consent: 0,
				patient: PATIENT,
				grantee: to_physician(),
				terms,
				by: PATIENT
			}
		);
		assert_eq!(check(Imaging, Treatment), by_physician(0));
	});
}

#[test]
fn naming_oneself_as_the_patient_is_the_same_as_none() {
	new_test_ext().execute_with(|| {
		assert_ok!(Consent::grant(
			signed(PATIENT),
			Some(PATIENT),
			to_hospital(),
			treatment(&[Imaging])
		));
		assert_eq!(check(Imaging, Treatment), by_hospital(0));
	});
}

#[test]
fn grant_needs_a_signed_origin() {
	new_test_ext().execute_with(|| {
		for origin in [RuntimeOrigin::root(), RuntimeOrigin::none()] {
			assert_noop!(
				Consent::grant(origin, Some(PATIENT), to_physician(), treatment(&[Imaging])),
				DispatchError::BadOrigin
			);
		}
	});
}

#[test]
fn a_window_may_start_in_the_past_but_not_end_there() {
	new_test_ext().execute_with(|| {
		let mut t = treatment(&[Imaging]);
		t.from = NOW - DAY;
		t.until = Some(NOW + 1);
		grant(PATIENT, to_physician(), t.clone());

		t.until = Some(NOW);
		assert_noop!(
			Consent::grant(signed(PATIENT), None, to_physician(), t),
			Error::<Test>::WindowInPast
		);
	});
}

#[test]
fn until_must_come_after_from() {
	new_test_ext().execute_with(|| {
		let mut t = treatment(&[Imaging]);
		t.from = NOW + DAY;
		for until in [NOW + DAY, NOW + HOUR] {
			t.until = Some(until);
			assert_noop!(
				Consent::grant(signed(PATIENT), None, to_physician(), t.clone()),
				Error::<Test>::UntilBeforeFrom
			);
		}
	});
}

#[test]
fn bad_category_and_purpose_lists_are_refused() {
	new_test_ext().execute_with(|| {
		let refused = |terms: ConsentTerms, error: Error<Test>| {
			assert_noop!(Consent::grant(signed(PATIENT), None, to_physician(), terms), error);
		};
		refused(treatment(&[]), Error::<Test>::EmptyCategorySet);
		refused(treatment(&[Imaging, Allergies, Imaging]), Error::<Test>::DuplicateCategory);
		refused(
			terms(all_standard_and(&[Hiv, Hiv]), &[Treatment]),
			Error::<Test>::DuplicateCategory,
		);
		// Six commitments: at least one names no category (there are five).
		let six = [0u8, 1, 2, 3, 4, 5].map(|n| Category::Sensitive([n; 32].into()));
		refused(
			terms(Categories::Only(list(&six)), &[Treatment]),
			Error::<Test>::TooManySensitiveCategories,
		);
		refused(terms(only(&[Imaging]), &[]), Error::<Test>::EmptyPurposeSet);
		refused(
			terms(only(&[Imaging]), &[Treatment, Research, Treatment]),
			Error::<Test>::DuplicatePurpose,
		);
		refused(
			ConsentTerms { max_accesses: Some(0), ..treatment(&[Imaging]) },
			Error::<Test>::NoAccessesAllowed,
		);
	});
}

#[test]
fn a_patient_has_at_most_max_consents() {
	new_test_ext().execute_with(|| {
		// Spread over grantees so the per-grantee bound is not what stops it.
		for practitioner in 0..MAX_CONSENTS_PER_PATIENT as u64 {
			grant(PATIENT, Grantee::Practitioner(100 + practitioner), treatment(&[Imaging]));
		}
		assert_noop!(
			Consent::grant(signed(PATIENT), None, to_physician(), treatment(&[Imaging])),
			Error::<Test>::TooManyConsents
		);
		// Another patient is not affected.
		grant(OTHER_PATIENT, to_physician(), treatment(&[Imaging]));
	});
}

#[test]
fn a_patient_gives_one_grantee_at_most_max_consents() {
	new_test_ext().execute_with(|| {
		for _ in 0..MAX_CONSENTS_PER_GRANTEE {
			grant(PATIENT, to_physician(), treatment(&[Imaging]));
		}
		assert_noop!(
			Consent::grant(signed(PATIENT), None, to_physician(), treatment(&[Imaging])),
			Error::<Test>::TooManyConsentsForGrantee
		);
		grant(PATIENT, to_hospital(), treatment(&[Imaging]));
	});
}

#[test]
fn consent_ids_do_not_wrap() {
	new_test_ext().execute_with(|| {
		NextConsentId::<Test>::put(ConsentId::MAX);
		assert_noop!(
			Consent::grant(signed(PATIENT), None, to_physician(), treatment(&[Imaging])),
			Error::<Test>::ConsentIdsExhausted
		);
	});
}

// --- which consent allows what ---

#[test]
fn all_standard_never_reaches_a_sensitive_category() {
	new_test_ext().execute_with(|| {
		grant(PATIENT, to_physician(), terms(all_standard_and(&[]), &[Treatment]));
		for category in StandardCategory::ALL.map(RecordCategory::from) {
			assert_eq!(check(category, Treatment), by_physician(0), "{category:?}");
		}
		for category in SENSITIVE {
			assert_eq!(check(category, Treatment), Err(SensitiveCategoryNotCovered));
		}
	});
}

#[test]
fn all_standard_reaches_the_sensitive_categories_it_names() {
	new_test_ext().execute_with(|| {
		grant(PATIENT, to_physician(), terms(all_standard_and(&[Hiv, Genetics]), &[Treatment]));
		assert_eq!(check(Hiv, Treatment), by_physician(0));
		assert_eq!(check(Genetics, Treatment), by_physician(0));
		assert_eq!(check(MentalHealth, Treatment), Err(SensitiveCategoryNotCovered));
		assert_eq!(check(Imaging, Treatment), by_physician(0));
	});
}

#[test]
fn only_covers_exactly_the_categories_listed() {
	new_test_ext().execute_with(|| {
		grant(PATIENT, to_physician(), treatment(&[Imaging, MentalHealth]));
		assert_eq!(check(Imaging, Treatment), by_physician(0));
		assert_eq!(check(MentalHealth, Treatment), by_physician(0));
		assert_eq!(check(Conditions, Treatment), Err(CategoryNotCovered));
		assert_eq!(check(SubstanceUse, Treatment), Err(SensitiveCategoryNotCovered));
	});
}

#[test]
fn a_blinded_category_matches_only_its_own_commitment() {
	new_test_ext().execute_with(|| {
		grant(PATIENT, to_hospital(), treatment(&[Hiv]));
		let ask = |practitioner, organisation, category| {
			Consent::check(&PATIENT, &practitioner, &organisation, category, Treatment, NOW, ANY)
		};
		assert_eq!(ask(PHYSICIAN, HOSPITAL, blind(Hiv)), by_hospital(0));
		// The same category under another patient's salt, or this patient's salt with another
		// organisation, is another commitment: not covered.
		for (patient, organisation) in [(OTHER_PATIENT, HOSPITAL), (PATIENT, CLINIC)] {
			let elsewhere = salt(patient, organisation).blind(Hiv);
			assert_ne!(elsewhere, blind(Hiv));
			assert_eq!(ask(PHYSICIAN, HOSPITAL, elsewhere), Err(SensitiveCategoryNotCovered));
		}
		// Another sensitive category under the right salt is not covered either.
		assert_eq!(ask(PHYSICIAN, HOSPITAL, blind(Genetics)), Err(SensitiveCategoryNotCovered));
		// And the consent is stored and announced without the category in clear.
		let ConsentTerms { categories: Categories::Only(listed), .. } =
			Consents::<Test>::get(to_hospital(), PATIENT)[0].terms.clone()
		else {
			panic!("an Only consent")
		};
		assert_eq!(listed.into_inner(), vec![blind(Hiv)]);
		assert!(matches!(blind(Hiv), Category::Sensitive(_)));
	});
}

#[test]
fn a_consent_covers_only_its_purposes() {
	new_test_ext().execute_with(|| {
		grant(PATIENT, to_physician(), terms(only(&[Imaging]), &[Treatment, Emergency]));
		assert_eq!(check(Imaging, Emergency), by_physician(0));
		assert_eq!(check(Imaging, Payment), Err(PurposeNotCovered));
	});
}

#[test]
fn without_any_consent_the_answer_is_no_consent() {
	new_test_ext().execute_with(|| {
		assert_eq!(check(Imaging, Treatment), Err(NoConsent));
		// A consent of another patient, or to another practitioner, is not this one's.
		grant(OTHER_PATIENT, to_physician(), treatment(&[Imaging]));
		grant(PATIENT, Grantee::Practitioner(NURSE), treatment(&[Imaging]));
		assert_eq!(check(Imaging, Treatment), Err(NoConsent));
	});
}

#[test]
fn an_organisation_consent_covers_its_practitioners_only() {
	new_test_ext().execute_with(|| {
		grant(PATIENT, to_hospital(), treatment(&[Imaging]));
		assert_eq!(check_by(PHYSICIAN, Imaging, Treatment), by_hospital(0));
		assert_eq!(check_by(NURSE, Imaging, Treatment), by_hospital(0));
		assert_eq!(
			Consent::check(&PATIENT, &PHYSICIAN, &CLINIC, blind(Imaging), Treatment, NOW, ANY),
			Err(NoConsent)
		);
	});
}

#[test]
fn a_practitioner_consent_is_preferred_to_the_organisation_one() {
	new_test_ext().execute_with(|| {
		let for_hospital = grant(PATIENT, to_hospital(), treatment(&[Imaging]));
		let for_physician = grant(PATIENT, to_physician(), treatment(&[Imaging]));
		assert_eq!(check_by(PHYSICIAN, Imaging, Treatment), by_physician(for_physician));
		assert_eq!(check_by(NURSE, Imaging, Treatment), by_hospital(for_hospital));
	});
}

#[test]
fn a_denial_names_the_consent_that_came_closest() {
	new_test_ext().execute_with(|| {
		grant(PATIENT, to_physician(), treatment(&[Allergies]));
		assert_eq!(check(Imaging, Payment), Err(CategoryNotCovered));
		grant(PATIENT, to_hospital(), terms(only(&[Imaging]), &[Research]));
		assert_eq!(check(Imaging, Payment), Err(PurposeNotCovered));
		grant(
			PATIENT,
			to_hospital(),
			ConsentTerms { from: NOW + DAY, ..terms(only(&[Imaging]), &[Payment]) },
		);
		assert_eq!(check(Imaging, Payment), Err(ConsentNotYetValid));
	});
}

#[test]
fn a_consent_holds_from_from_until_just_before_until() {
	new_test_ext().execute_with(|| {
		let id = grant(
			PATIENT,
			to_physician(),
			ConsentTerms { from: NOW + HOUR, until: Some(NOW + DAY), ..treatment(&[Imaging]) },
		);
		assert_eq!(check(Imaging, Treatment), Err(ConsentNotYetValid));
		set_now(NOW + HOUR);
		assert_eq!(check(Imaging, Treatment), by_physician(id));
		set_now(NOW + DAY - 1);
		assert_eq!(check(Imaging, Treatment), by_physician(id));
		set_now(NOW + DAY);
		assert_eq!(check(Imaging, Treatment), Err(ConsentExpired));
	});
}

// --- use: counting, expiry on use ---

#[test]
fn checking_counts_nothing_and_using_counts_only_limited_consents() {
	new_test_ext().execute_with(|| {
		let limited = grant(
			PATIENT,
			to_physician(),
			ConsentTerms { max_accesses: Some(5), ..treatment(&[Imaging]) },
		);
		let unlimited = grant(PATIENT, to_hospital(), treatment(&[Allergies]));
		for _ in 0..10 {
			assert_eq!(check(Imaging, Treatment), by_physician(limited));
		}
		assert_eq!(use_consent(Imaging, Treatment), (by_physician(limited), Counted));
		assert_eq!(use_consent(Allergies, Treatment), (by_hospital(unlimited), Nothing));

		assert_eq!(Consents::<Test>::get(to_physician(), PATIENT)[0].accesses, 1);
		assert_eq!(Consents::<Test>::get(to_hospital(), PATIENT)[0].accesses, 0);
	});
}

#[test]
fn a_consent_allows_max_accesses_then_is_exhausted_and_cleared() {
	new_test_ext().execute_with(|| {
		let id = grant(
			PATIENT,
			to_physician(),
			ConsentTerms { max_accesses: Some(2), ..treatment(&[Imaging]) },
		);
		assert_eq!(use_consent(Imaging, Treatment), (by_physician(id), Counted));
		assert_eq!(use_consent(Imaging, Treatment), (by_physician(id), Counted));
		// Used up, but still on chain until a request finds it so.
		assert_eq!(check(Imaging, Treatment), Err(ConsentExhausted));
		assert_eq!(stored(to_physician()), vec![id]);

		assert_eq!(use_consent(Imaging, Treatment), (Err(ConsentExhausted), Cleared));
		assert_eq!(last_event(), lapsed(id, to_physician(), LapseCause::UsedUp));
		assert!(!Consents::<Test>::contains_key(to_physician(), PATIENT));
		assert!(!PatientConsents::<Test>::contains_key(PATIENT));
		assert_eq!(use_consent(Imaging, Treatment), (Err(NoConsent), Nothing));
	});
}

#[test]
fn an_ended_consent_is_cleared_by_the_first_request_that_finds_it() {
	new_test_ext().execute_with(|| {
		let ending = grant(
			PATIENT,
			to_physician(),
			ConsentTerms { until: Some(NOW + DAY), ..treatment(&[Imaging]) },
		);
		let lasting = grant(PATIENT, to_physician(), treatment(&[Allergies]));
		set_now(NOW + DAY);
		// Reading does not clear it.
		assert_eq!(check(Imaging, Treatment), Err(ConsentExpired));
		assert_eq!(stored(to_physician()), vec![ending, lasting]);

		assert_eq!(use_consent(Imaging, Treatment), (Err(ConsentExpired), Cleared));
		assert_eq!(last_event(), lapsed(ending, to_physician(), LapseCause::Ended));
		assert_eq!(stored(to_physician()), vec![lasting]);
		assert_eq!(consent_ids_of(PATIENT), vec![lasting]);
		assert_eq!(use_consent(Imaging, Treatment), (Err(CategoryNotCovered), Nothing));
	});
}

#[test]
fn a_request_clears_only_the_lapsed_consent_that_denied_it() {
	new_test_ext().execute_with(|| {
		let other_ended = grant(
			PATIENT,
			to_hospital(),
			ConsentTerms { until: Some(NOW + HOUR), ..treatment(&[Genetics]) },
		);
		let ended = grant(
			PATIENT,
			to_physician(),
			ConsentTerms { until: Some(NOW + HOUR), ..treatment(&[Imaging]) },
		);
		let lasting = grant(PATIENT, to_physician(), treatment(&[Allergies]));
		set_now(NOW + HOUR);
		// Granted: nothing is cleared.
		assert_eq!(use_consent(Allergies, Treatment), (by_physician(lasting), Nothing));
		assert_eq!(consent_ids_of(PATIENT), vec![other_ended, ended, lasting]);
		// Denied by `ended`: only that one goes.
		assert_eq!(use_consent(Imaging, Treatment), (Err(ConsentExpired), Cleared));
		assert_eq!(consent_ids_of(PATIENT), vec![other_ended, lasting]);
		assert_eq!(stored(to_hospital()), vec![other_ended]);
	});
}

// --- revoke ---

#[test]
fn a_revocation_holds_in_the_same_block() {
	new_test_ext().execute_with(|| {
		let id = grant(PATIENT, to_physician(), treatment(&[Imaging]));
		let block = System::block_number();
		assert_eq!(use_consent(Imaging, Treatment), (by_physician(id), Nothing));

		assert_ok!(Consent::revoke(signed(PATIENT), None, id));
		assert_eq!(System::block_number(), block);
		assert_eq!(use_consent(Imaging, Treatment), (Err(NoConsent), Nothing));
		assert_eq!(
			last_event(),
			Event::ConsentRevoked {
				consent: id,
				patient: PATIENT,
				grantee: to_physician(),
				by: PATIENT
			}
		);
		assert!(!Consents::<Test>::contains_key(to_physician(), PATIENT));
		assert!(!PatientConsents::<Test>::contains_key(PATIENT));
	});
}

#[test]
fn revoking_one_consent_leaves_the_others() {
	new_test_ext().execute_with(|| {
		let imaging = grant(PATIENT, to_physician(), treatment(&[Imaging]));
		let allergies = grant(PATIENT, to_physician(), treatment(&[Allergies]));
		let hospital = grant(PATIENT, to_hospital(), treatment(&[Conditions]));
		assert_ok!(Consent::revoke(signed(PATIENT), None, imaging));
		assert_eq!(stored(to_physician()), vec![allergies]);
		assert_eq!(consent_ids_of(PATIENT), vec![allergies, hospital]);
		assert_eq!(check(Allergies, Treatment), by_physician(allergies));
	});
}

#[test]
fn revoke_refuses_an_unknown_consent() {
	new_test_ext().execute_with(|| {
		let others = grant(OTHER_PATIENT, to_physician(), treatment(&[Imaging]));
		assert_noop!(Consent::revoke(signed(PATIENT), None, others), Error::<Test>::UnknownConsent);
		assert_noop!(Consent::revoke(signed(PATIENT), None, 77), Error::<Test>::UnknownConsent);
		assert_noop!(
			Consent::revoke(RuntimeOrigin::root(), None, others),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn revoke_clears_a_lapsed_consent() {
	new_test_ext().execute_with(|| {
		let id = grant(
			PATIENT,
			to_physician(),
			ConsentTerms { until: Some(NOW + HOUR), ..treatment(&[Imaging]) },
		);
		set_now(NOW + DAY);
		assert_ok!(Consent::revoke(signed(PATIENT), None, id));
		assert!(consent_ids_of(PATIENT).is_empty());
	});
}

// --- guardians ---

#[test]
fn a_guardian_grants_and_revokes_for_the_patient() {
	new_test_ext().execute_with(|| {
		set_guardian(PARENT, None);
		assert_eq!(
			last_event(),
			Event::GuardianSet { patient: PATIENT, guardian: PARENT, until: None }
		);
		let terms = treatment(&[Immunizations]);
		assert_ok!(Consent::grant(signed(PARENT), Some(PATIENT), to_hospital(), terms.clone()));
		assert_eq!(
			last_event(),
			Event::ConsentGranted {
				consent: 0,
				patient: PATIENT,
				grantee: to_hospital(),
				terms,
				by: PARENT
			}
		);
		assert_eq!(Consents::<Test>::get(to_hospital(), PATIENT)[0].granted_by, PARENT);
		assert_eq!(check(Immunizations, Treatment), by_hospital(0));
		// The guardian's own record is untouched.
		assert!(consent_ids_of(PARENT).is_empty());

		assert_ok!(Consent::revoke(signed(PARENT), Some(PATIENT), 0));
		assert_eq!(
			last_event(),
			Event::ConsentRevoked {
				consent: 0,
				patient: PATIENT,
				grantee: to_hospital(),
				by: PARENT
			}
		);
		assert_eq!(check(Immunizations, Treatment), Err(NoConsent));
	});
}

#[test]
fn only_a_guardian_acts_for_a_patient() {
	new_test_ext().execute_with(|| {
		let id = grant(PATIENT, to_physician(), treatment(&[Imaging]));
		assert_noop!(
			Consent::grant(signed(STRANGER), Some(PATIENT), to_physician(), treatment(&[Imaging])),
			Error::<Test>::NotGuardian
		);
		assert_noop!(
			Consent::revoke(signed(STRANGER), Some(PATIENT), id),
			Error::<Test>::NotGuardian
		);
		assert_noop!(
			Consent::set_break_glass_policy(
				signed(STRANGER),
				Some(PATIENT),
				BreakGlassPolicy::OptedOut
			),
			Error::<Test>::NotGuardian
		);
	});
}

#[test]
fn a_guardianship_ends_at_its_until() {
	new_test_ext().execute_with(|| {
		set_guardian(PARENT, Some(NOW + DAY));
		set_now(NOW + DAY - 1);
		assert_ok!(Consent::grant(
			signed(PARENT),
			Some(PATIENT),
			to_hospital(),
			treatment(&[Imaging])
		));
		set_now(NOW + DAY);
		assert_noop!(
			Consent::grant(signed(PARENT), Some(PATIENT), to_hospital(), treatment(&[Allergies])),
			Error::<Test>::GuardianshipEnded
		);
		assert_noop!(
			Consent::revoke(signed(PARENT), Some(PATIENT), 0),
			Error::<Test>::GuardianshipEnded
		);
	});
}

#[test]
fn a_guardian_cannot_name_further_guardians() {
	new_test_ext().execute_with(|| {
		set_guardian(PARENT, None);
		// `set_guardian` acts on the signer's own record only: this names a guardian of PARENT.
		assert_ok!(Consent::set_guardian(signed(PARENT), STRANGER, None));
		assert_eq!(Guardians::<Test>::get(PATIENT).len(), 1);
		assert_noop!(
			Consent::grant(signed(STRANGER), Some(PATIENT), to_hospital(), treatment(&[Imaging])),
			Error::<Test>::NotGuardian
		);
		// Nor remove the patient's other guardians.
		set_guardian(CARER, None);
		assert_noop!(
			Consent::remove_guardian(signed(PARENT), CARER),
			Error::<Test>::UnknownGuardian
		);
		assert_eq!(Guardians::<Test>::get(PATIENT).len(), 2);
	});
}

#[test]
fn set_guardian_refuses_bad_input() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Consent::set_guardian(signed(PATIENT), PATIENT, None),
			Error::<Test>::CannotGuardSelf
		);
		assert_noop!(
			Consent::set_guardian(signed(PATIENT), PARENT, Some(NOW)),
			Error::<Test>::WindowInPast
		);
		assert_noop!(
			Consent::set_guardian(RuntimeOrigin::root(), PARENT, None),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_patient_names_at_most_max_guardians_and_may_change_their_end() {
	new_test_ext().execute_with(|| {
		set_guardian(PARENT, None);
		set_guardian(CARER, None);
		assert_noop!(
			Consent::set_guardian(signed(PATIENT), STRANGER, None),
			Error::<Test>::TooManyGuardians
		);
		set_guardian(PARENT, Some(NOW + DAY));
		assert_eq!(
			Guardians::<Test>::get(PATIENT).into_inner(),
			vec![
				Guardianship { guardian: PARENT, until: Some(NOW + DAY) },
				Guardianship { guardian: CARER, until: None }
			]
		);
	});
}

#[test]
fn a_removed_guardian_can_no_longer_act() {
	new_test_ext().execute_with(|| {
		set_guardian(PARENT, None);
		assert_ok!(Consent::remove_guardian(signed(PATIENT), PARENT));
		assert_eq!(last_event(), Event::GuardianRemoved { patient: PATIENT, guardian: PARENT });
		assert!(!Guardians::<Test>::contains_key(PATIENT));
		assert_noop!(
			Consent::grant(signed(PARENT), Some(PATIENT), to_hospital(), treatment(&[Imaging])),
			Error::<Test>::NotGuardian
		);
		assert_noop!(
			Consent::remove_guardian(signed(PATIENT), PARENT),
			Error::<Test>::UnknownGuardian
		);
		assert_noop!(
			Consent::remove_guardian(RuntimeOrigin::none(), PARENT),
			DispatchError::BadOrigin
		);
	});
}

// --- break-glass ---

#[test]
fn break_glass_is_allowed_until_the_patient_opts_out() {
	new_test_ext().execute_with(|| {
		assert_eq!(Consent::break_glass_policy(&PATIENT), BreakGlassPolicy::Allowed);
		assert_ok!(Consent::set_break_glass_policy(
			signed(PATIENT),
			None,
			BreakGlassPolicy::OptedOut
		));
		assert_eq!(Consent::break_glass_policy(&PATIENT), BreakGlassPolicy::OptedOut);
		assert_eq!(
			last_event(),
			Event::BreakGlassPolicySet {
				patient: PATIENT,
				policy: BreakGlassPolicy::OptedOut,
				by: PATIENT
			}
		);
		assert_eq!(Consent::break_glass_policy(&OTHER_PATIENT), BreakGlassPolicy::Allowed);

		assert_ok!(Consent::set_break_glass_policy(
			signed(PATIENT),
			None,
			BreakGlassPolicy::Allowed
		));
		assert_eq!(Consent::break_glass_policy(&PATIENT), BreakGlassPolicy::Allowed);
		assert!(!BreakGlass::<Test>::contains_key(PATIENT));
	});
}

#[test]
fn a_guardian_sets_the_break_glass_policy() {
	new_test_ext().execute_with(|| {
		set_guardian(PARENT, None);
		assert_ok!(Consent::set_break_glass_policy(
			signed(PARENT),
			Some(PATIENT),
			BreakGlassPolicy::OptedOut
		));
		assert_eq!(Consent::break_glass_policy(&PATIENT), BreakGlassPolicy::OptedOut);
		assert_eq!(
			last_event(),
			Event::BreakGlassPolicySet {
				patient: PATIENT,
				policy: BreakGlassPolicy::OptedOut,
				by: PARENT
			}
		);
	});
}

// --- restricted records ---

/// `PATIENT`'s restriction as stored.
fn restriction() -> Option<crate::Restriction<u64>> {
	crate::Restrictions::<Test>::get(PATIENT)
}

/// `PHYSICIAN` of `HOSPITAL` asks for `PATIENT`'s imaging for treatment, with `reach`.
fn imaging_with(reach: ConsentReach) -> Result<ConsentMatch, ConsentDenial> {
	Consent::check(&PATIENT, &PHYSICIAN, &HOSPITAL, blind(Imaging), Treatment, NOW, reach)
}

#[test]
fn a_restricted_record_opens_only_to_a_consent_naming_the_practitioner() {
	new_test_ext().execute_with(|| {
		let to_hospital_id = grant(PATIENT, to_hospital(), treatment(&[Imaging]));
		assert_eq!(imaging_with(ANY), by_hospital(0));
		// Restricted, the organisation's consent would allow it and does not.
		assert_eq!(imaging_with(ConsentReach::PractitionerOnly), Err(RecordRestricted));
		let (decision, writes) = Consent::use_consent(
			&PATIENT,
			&PHYSICIAN,
			&HOSPITAL,
			blind(Imaging),
			Treatment,
			NOW,
			ConsentReach::PractitionerOnly,
		);
		assert_eq!((decision, writes), (Err(RecordRestricted), Nothing));
		// A consent naming the physician opens it.
		let named = grant(PATIENT, to_physician(), treatment(&[Imaging]));
		assert_eq!(imaging_with(ConsentReach::PractitionerOnly), by_physician(named));
		assert_ne!(named, to_hospital_id);
	});
}

#[test]
fn a_patient_or_guardian_restricts_and_lifts_its_own_restriction() {
	new_test_ext().execute_with(|| {
		assert!(!Consent::is_restricted(&PATIENT));
		assert_ok!(Consent::set_restriction(signed(PATIENT), None, true));
		assert!(Consent::is_restricted(&PATIENT));
		assert_eq!(
			last_event(),
			Event::PatientRestrictionSet { patient: PATIENT, restricted: true, by: PATIENT }
		);
		assert_noop!(
			Consent::set_restriction(signed(PATIENT), None, true),
			Error::<Test>::RestrictionUnchanged
		);
		// A stranger can neither lift it nor restrict another patient.
		assert_noop!(
			Consent::set_restriction(signed(STRANGER), Some(PATIENT), false),
			Error::<Test>::NotGuardian
		);
		set_guardian(PARENT, None);
		assert_ok!(Consent::set_restriction(signed(PARENT), Some(PATIENT), false));
		assert_eq!(restriction(), None);
		assert_eq!(
			last_event(),
			Event::PatientRestrictionSet { patient: PATIENT, restricted: false, by: PARENT }
		);
	});
}

#[test]
fn a_custodian_flags_a_record_that_only_it_can_lift() {
	new_test_ext().execute_with(|| {
		// Only an active organisation flags a record.
		assert_noop!(
			Consent::flag_restriction(signed(STRANGER), PATIENT, true),
			Error::<Test>::NotACustodian
		);
		assert_noop!(
			Consent::flag_restriction(signed(PHYSICIAN), PATIENT, true),
			Error::<Test>::NotACustodian
		);
		// Nor an organisation the patient has not consented to: it is not its custodian.
		assert_noop!(
			Consent::flag_restriction(signed(HOSPITAL), PATIENT, true),
			Error::<Test>::NotACustodian
		);
		grant(PATIENT, to_hospital(), treatment(&[Imaging]));
		grant(PATIENT, Grantee::Organisation(CLINIC), treatment(&[Imaging]));
		assert_ok!(Consent::flag_restriction(signed(HOSPITAL), PATIENT, true));
		assert_eq!(
			last_event(),
			Event::CustodianRestrictionSet {
				patient: PATIENT,
				restricted: true,
				custodian: HOSPITAL
			}
		);
		// The patient adds its own restriction; lifting it leaves the custodian's flag.
		assert_ok!(Consent::set_restriction(signed(PATIENT), None, true));
		assert_ok!(Consent::set_restriction(signed(PATIENT), None, false));
		assert!(Consent::is_restricted(&PATIENT));
		assert_noop!(
			Consent::set_restriction(signed(PATIENT), None, false),
			Error::<Test>::RestrictionUnchanged
		);
		// Another custodian can neither lift nor replace the flag.
		for restricted in [false, true] {
			assert_noop!(
				Consent::flag_restriction(signed(CLINIC), PATIENT, restricted),
				Error::<Test>::FlaggedByAnotherCustodian
			);
		}
		// The hospital lifts its flag even after the patient revoked its consent.
		assert_ok!(Consent::revoke(signed(PATIENT), None, 0));
		assert_ok!(Consent::flag_restriction(signed(HOSPITAL), PATIENT, false));
		assert_eq!(restriction(), None);
		assert_noop!(
			Consent::flag_restriction(signed(HOSPITAL), PATIENT, false),
			Error::<Test>::RestrictionUnchanged
		);
	});
}

// --- what the runtime API answers ---

#[test]
fn consents_of_lists_every_consent_of_the_patient_with_its_state() {
	new_test_ext().execute_with(|| {
		let active = grant(PATIENT, to_physician(), treatment(&[Imaging]));
		let scheduled = grant(
			PATIENT,
			to_hospital(),
			ConsentTerms { from: NOW + DAY, ..treatment(&[Imaging]) },
		);
		let ending = grant(
			PATIENT,
			to_physician(),
			ConsentTerms { until: Some(NOW + HOUR), ..treatment(&[Allergies]) },
		);
		let once = grant(
			PATIENT,
			to_hospital(),
			ConsentTerms { max_accesses: Some(1), ..treatment(&[Conditions]) },
		);
		grant(OTHER_PATIENT, to_physician(), treatment(&[Imaging]));
		assert_eq!(use_consent(Conditions, Treatment), (by_hospital(once), Counted));
		set_now(NOW + HOUR);

		let mut states: Vec<_> = Consent::consents_of(&PATIENT)
			.into_iter()
			.inspect(|info| assert_eq!(info.patient, PATIENT))
			.map(|info| (info.consent.id, info.grantee, info.state))
			.collect();
		states.sort_by_key(|(id, ..)| *id);
		assert_eq!(
			states,
			vec![
				(active, to_physician(), ConsentState::Active),
				(scheduled, to_hospital(), ConsentState::Scheduled),
				(ending, to_physician(), ConsentState::Ended),
				(once, to_hospital(), ConsentState::UsedUp),
			]
		);
		assert!(Consent::consents_of(&STRANGER).is_empty());
	});
}

#[test]
fn consents_to_pages_through_a_grantees_patients() {
	new_test_ext().execute_with(|| {
		let patients = [PATIENT, OTHER_PATIENT, PARENT, CARER, STRANGER];
		for patient in patients {
			grant(patient, to_hospital(), treatment(&[Imaging]));
			grant(patient, to_hospital(), treatment(&[Allergies]));
		}
		grant(PATIENT, to_physician(), treatment(&[Imaging]));

		let mut seen = Vec::new();
		let mut start_after = None;
		loop {
			let page = Consent::consents_to(&to_hospital(), start_after, 2);
			assert!(page.len() <= 4);
			let Some(last) = page.last() else { break };
			start_after = Some(last.patient);
			seen.extend(page.into_iter().map(|info| {
				assert_eq!(info.grantee, to_hospital());
				(info.patient, info.consent.id)
			}));
		}
		seen.sort();
		let mut expected: Vec<_> = patients
			.iter()
			.flat_map(Consent::consents_of)
			.filter(|info| info.grantee == to_hospital())
			.map(|info| (info.patient, info.consent.id))
			.collect();
		expected.sort();
		assert_eq!(seen.len(), 10);
		assert_eq!(seen, expected);
	});
}

#[test]
fn check_now_answers_at_the_current_block_without_counting() {
	new_test_ext().execute_with(|| {
		let id = grant(
			PATIENT,
			to_physician(),
			ConsentTerms { max_accesses: Some(1), ..treatment(&[Imaging]) },
		);
		for _ in 0..3 {
			assert_eq!(
				Consent::check_now(&PATIENT, &PHYSICIAN, &HOSPITAL, blind(Imaging), Treatment),
				by_physician(id)
			);
		}
		assert_eq!(Consents::<Test>::get(to_physician(), PATIENT)[0].accesses, 0);
	});
}

// --- migrations ---

#[test]
fn migrating_to_v1_clears_sensitive_categories_in_clear() {
	use crate::migrations::{v1::*, MigrateToV1};
	use codec::Encode;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

	new_test_ext().execute_with(|| {
		StorageVersion::new(0).put::<Consent>();
		let old = |id, categories| ConsentV0 {
			id,
			terms: TermsV0 {
				categories,
				purposes: list(&[Treatment]),
				from: NOW,
				until: None,
				max_accesses: Some(3),
			},
			accesses: 1,
			granted_by: PATIENT,
			granted_at: NOW,
		};
		let put = |grantee: Grantee<u64>, consents: Vec<ConsentV0<u64>>| {
			let key = Consents::<Test>::hashed_key_for(grantee, PATIENT);
			frame_support::storage::unhashed::put_raw(&key, &consents.encode());
		};
		put(
			to_physician(),
			vec![
				old(0, CategoriesV0::AllStandard { sensitive: vec![Hiv] }),
				old(1, CategoriesV0::Only(vec![Imaging, MentalHealth])),
			],
		);
		put(to_hospital(), vec![old(2, CategoriesV0::Only(vec![SubstanceUse]))]);
		let refs = [(0, to_physician()), (1, to_physician()), (2, to_hospital())]
			.map(|(consent, grantee)| crate::ConsentRef { consent, grantee });
		PatientConsents::<Test>::insert(PATIENT, list(&refs));

		MigrateToV1::<Test>::on_runtime_upgrade();

		assert_eq!(Consent::on_chain_storage_version(), 1);
		let migrated = Consents::<Test>::get(to_physician(), PATIENT);
		let categories: Vec<_> = migrated.iter().map(|c| c.terms.categories.clone()).collect();
		assert_eq!(categories, vec![all_standard_and(&[]), only(&[Imaging])]);
		assert_eq!((migrated[1].accesses, migrated[1].terms.max_accesses), (1, Some(3)));
		// Nothing was left of the substance-use consent: gone, from the index too.
		assert!(!Consents::<Test>::contains_key(to_hospital(), PATIENT));
		assert_eq!(consent_ids_of(PATIENT), vec![0, 1]);
		assert_eq!(check(Imaging, Treatment), by_physician(0));
		assert_eq!(check(Hiv, Treatment), Err(SensitiveCategoryNotCovered));
	});
}
