//! Benchmarks at the worst case. `request_access`: an active practitioner (registry and
//! organisation read), every consent of the patient to it and its organisation read, the closest
//! one used up so that no consent holds and it is cleared, then an emergency grant on the
//! category found and the patient's break-glass policy read (granted under it), and the
//! practitioner's first request in the block (the touched set grows). `refer`: both
//! practitioners read from the registry and the referrer's whole window read, its access to the
//! patient the oldest decision there. The runtime's
//! [`BenchmarkHelper`] sets up the registry and the consents with the real pallets.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

const SEED: u32 = 0;

/// A sensitive category, blinded: the longest to encode, and the last a consent of the
/// runtime's helper lists (`pallet_consent::every_category`), so the longest to find.
fn blinded() -> Category {
	Category::Sensitive(sp_core::H256::repeat_byte(4))
}

fn patient<T: Config>() -> T::AccountId {
	account("patient", 0, SEED)
}

/// Rings that have wrapped already: the practitioner's and the patient's cursors exist.
fn full_rings<T: Config>(practitioner: &T::AccountId, patient: &T::AccountId) {
	let logged = u64::from(T::WindowLength::get().max(T::PatientLogLength::get())) * 3;
	PractitionerCursors::<T>::insert(practitioner, WindowCursor { logged, ..Default::default() });
	PatientLogCursors::<T>::insert(patient, logged);
}

fn last_outcome<T: Config>(practitioner: &T::AccountId) -> Option<AccessOutcome> {
	Pallet::<T>::window_of(practitioner).last().map(|decision| decision.outcome)
}

/// `practitioner`'s window full of granted accesses made now, only the oldest to `patient`.
fn window_caring_last_for<T: Config>(practitioner: &T::AccountId, patient: &T::AccountId) {
	let now = T::Time::now();
	let length = T::WindowLength::get();
	for slot in 0..length {
		let read = if slot == 0 { patient.clone() } else { account("other patient", slot, SEED) };
		let decision = AccessDecision {
			seq: u64::from(slot),
			at: now,
			block: 0,
			practitioner: practitioner.clone(),
			organisation: None,
			role: None,
			patient: read,
			category: blinded(),
			purpose: Purpose::Treatment,
			emergency: false,
			restricted: false,
			outcome: AccessOutcome::Granted {
				consent: 0,
				scope: ehr_primitives::consent::ConsentScope::Organisation,
			},
		};
		PractitionerWindow::<T>::insert(practitioner, slot, decision);
	}
	let cursor = WindowCursor { logged: u64::from(length), ..Default::default() };
	PractitionerCursors::<T>::insert(practitioner, cursor);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn request_access() {
		let (practitioner, organisation) = T::BenchmarkHelper::active_practitioner();
		let patient = patient::<T>();
		let (category, purpose) = (blinded(), Purpose::Treatment);
		T::BenchmarkHelper::costliest_consents(
			&patient,
			&practitioner,
			&organisation,
			category,
			purpose,
		);
		full_rings::<T>(&practitioner, &patient);
		// The record is restricted and the practitioner holds a referral of the patient: both
		// read, and the organisation's consents count.
		T::BenchmarkHelper::restrict(&patient);
		let now = T::Time::now();
		let referral =
			Referral { by: practitioner.clone(), from: now, until: now.saturating_add(1) };
		Referrals::<T>::insert(&practitioner, &patient, referral);
		// No consent holds, an emergency grant does: it is read, and the patient's policy.
		let until = now.saturating_add(T::EmergencyGrantDuration::get());
		let grant = EmergencyGrant { access: 1, until };
		EmergencyGrants::<T>::insert((&practitioner, &patient, category), grant);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(practitioner.clone()),
			T::Lookup::unlookup(patient),
			category,
			purpose,
			Some(H256::repeat_byte(1)),
		);

		assert_eq!(
			last_outcome::<T>(&practitioner),
			Some(AccessOutcome::EmergencyGranted { access: 1 })
		);
		assert!(Touched::<T>::get().contains(&practitioner));
	}

	#[benchmark]
	fn emergency_access() {
		let (practitioner, _) = T::BenchmarkHelper::active_practitioner();
		let patient = patient::<T>();
		full_rings::<T>(&practitioner, &patient);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(practitioner.clone()),
			T::Lookup::unlookup(patient.clone()),
			blinded(),
			EmergencyReason::PatientIncapacitated,
		);

		assert!(EmergencyGrants::<T>::contains_key((&practitioner, &patient, blinded())));
	}

	#[benchmark]
	fn review_emergency() -> Result<(), BenchmarkError> {
		let (practitioner, organisation) = T::BenchmarkHelper::active_practitioner();
		let patient = patient::<T>();
		Pallet::<T>::emergency_access(
			RawOrigin::Signed(practitioner.clone()).into(),
			T::Lookup::unlookup(patient.clone()),
			blinded(),
			EmergencyReason::LifeThreatening,
		)?;
		let access = PendingReviews::<T>::iter_keys().next().ok_or(BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(organisation), access, Verdict::Unjustified);

		assert_eq!(UnjustifiedEmergencies::<T>::get(&practitioner), 1);
		assert!(!EmergencyGrants::<T>::contains_key((&practitioner, &patient, blinded())));
		Ok(())
	}

	/// An active practitioner's emergency access to a sensitive category of the patient, judged justified
	/// by its organisation: the practitioner and the access.
	fn justified_by_organisation<T: Config>(
	) -> Result<(T::AccountId, EmergencyAccessId), BenchmarkError> {
		let (practitioner, organisation) = T::BenchmarkHelper::active_practitioner();
		Pallet::<T>::emergency_access(
			RawOrigin::Signed(practitioner.clone()).into(),
			T::Lookup::unlookup(patient::<T>()),
			blinded(),
			EmergencyReason::LifeThreatening,
		)?;
		let access = PendingReviews::<T>::iter_keys().next().ok_or(BenchmarkError::Weightless)?;
		let origin = RawOrigin::Signed(organisation).into();
		Pallet::<T>::review_emergency(origin, access, Verdict::Justified)?;
		Ok((practitioner, access))
	}

	/// A justified verdict overridden: the count grows and the open grant is closed.
	#[benchmark]
	fn override_verdict() -> Result<(), BenchmarkError> {
		let (practitioner, access) = justified_by_organisation::<T>()?;
		let origin =
			T::ReviewOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, access, Verdict::Unjustified);

		assert_eq!(UnjustifiedEmergencies::<T>::get(&practitioner), 1);
		let key = (&practitioner, &patient::<T>(), blinded());
		assert!(!EmergencyGrants::<T>::contains_key(key));
		assert!(!OrganisationVerdicts::<T>::contains_key(access));
		Ok(())
	}

	#[benchmark]
	fn forget_verdict() -> Result<(), BenchmarkError> {
		let (_, access) = justified_by_organisation::<T>()?;
		T::BenchmarkHelper::pass_time(T::VerdictOverridePeriod::get());

		#[extrinsic_call]
		_(RawOrigin::Signed(patient::<T>()), access);

		assert!(!OrganisationVerdicts::<T>::contains_key(access));
		Ok(())
	}

	#[benchmark]
	fn refer() {
		let (referrer, organisation) = T::BenchmarkHelper::active_practitioner();
		let consultant = T::BenchmarkHelper::colleague(&organisation);
		let patient = patient::<T>();
		window_caring_last_for::<T>(&referrer, &patient);
		let until = T::Time::now().saturating_add(T::MaxReferralDuration::get());

		#[extrinsic_call]
		_(
			RawOrigin::Signed(referrer.clone()),
			T::Lookup::unlookup(patient.clone()),
			T::Lookup::unlookup(consultant.clone()),
			until,
		);

		assert_eq!(Referrals::<T>::get(&consultant, &patient).map(|r| r.by), Some(referrer));
	}

	#[benchmark]
	fn end_referral() {
		let consultant: T::AccountId = account("consultant", 0, SEED);
		let patient = patient::<T>();
		let until = T::Time::now().saturating_add(T::MaxReferralDuration::get());
		let referral = Referral { by: account("referrer", 0, SEED), from: 0, until };
		Referrals::<T>::insert(&consultant, &patient, referral);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(patient.clone()),
			T::Lookup::unlookup(patient.clone()),
			T::Lookup::unlookup(consultant.clone()),
		);

		// Kept, ended now.
		let ended = Referrals::<T>::get(&consultant, &patient).map(|r| r.until);
		assert_eq!(ended, Some(T::Time::now()));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
