//! Benchmarks of every call at its worst case: a guardian acting for the patient (found last
//! among `MaxGuardians`), the patient's list of consents and the grantee's list one short of
//! full (or full, with the consent sought last), and the largest terms.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

const SEED: u32 = 0;
const YEAR_MS: Moment = 365 * 24 * 60 * 60 * 1000;

/// Terms of the largest encoding: every category, every purpose, an end and a limit.
fn largest_terms<T: Config>() -> ConsentTerms {
	let now = T::Time::now();
	ConsentTerms {
		categories: Categories::Only(every_category()),
		purposes: BoundedVec::truncate_from(Purpose::ALL.to_vec()),
		from: now,
		until: Some(now.saturating_add(YEAR_MS)),
		max_accesses: Some(u32::MAX),
	}
}

fn patient<T: Config>() -> T::AccountId {
	account("patient", 0, SEED)
}

fn grantee<T: Config>() -> Grantee<T::AccountId> {
	Grantee::Practitioner(account("practitioner", 0, SEED))
}

/// `MaxGuardians` guardians of `patient`; returns the last, which the calls find last.
fn guardian_of<T: Config>(patient: &T::AccountId) -> T::AccountId {
	let guardians: Vec<_> = (0..T::MaxGuardians::get())
		.map(|i| Guardianship::<T::AccountId> {
			guardian: account("guardian", i, SEED),
			until: None,
		})
		.collect();
	let last = guardians.last().map(|g| g.guardian.clone()).unwrap_or_else(|| patient.clone());
	Guardians::<T>::insert(patient, BoundedVec::truncate_from(guardians));
	last
}

/// Give `patient` `count` consents of the largest terms to `grantee` and `others` more to other
/// practitioners (listed before them), as `grant` would store them. Returns the last id.
fn consents<T: Config>(
	patient: &T::AccountId,
	grantee: &Grantee<T::AccountId>,
	count: u32,
	others: u32,
) -> ConsentId {
	let mut refs = PatientConsents::<T>::get(patient);
	let mut listed = Consents::<T>::get(grantee, patient);
	let mut id = NextConsentId::<T>::get();
	for i in 0..others.saturating_add(count) {
		let to = if i < others {
			Grantee::Practitioner(account("other", i, SEED))
		} else {
			grantee.clone()
		};
		let consent = Consent {
			id,
			terms: largest_terms::<T>(),
			accesses: 0,
			granted_by: patient.clone(),
			granted_at: T::Time::now(),
		};
		if to == *grantee {
			let _ = listed.try_push(consent);
		} else {
			Consents::<T>::insert(&to, patient, BoundedVec::truncate_from(alloc::vec![consent]));
		}
		let _ = refs.try_push(ConsentRef { consent: id, grantee: to });
		id = id.saturating_add(1);
	}
	PatientConsents::<T>::insert(patient, refs);
	Consents::<T>::insert(grantee, patient, listed);
	NextConsentId::<T>::put(id);
	id.saturating_sub(1)
}

/// Fill the patient's lists so that one more consent to `grantee` just fits; or, with
/// `full`, so that both are full.
fn fill<T: Config>(
	patient: &T::AccountId,
	grantee: &Grantee<T::AccountId>,
	full: bool,
) -> ConsentId {
	let room = if full { 0 } else { 1 };
	let for_grantee = T::MaxConsentsPerGrantee::get().saturating_sub(room);
	let per_patient = T::MaxConsentsPerPatient::get().saturating_sub(room);
	consents::<T>(patient, grantee, for_grantee, per_patient.saturating_sub(for_grantee))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn grant() {
		let patient = patient::<T>();
		let guardian = guardian_of::<T>(&patient);
		let grantee = grantee::<T>();
		let id = fill::<T>(&patient, &grantee, false).saturating_add(1);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(guardian),
			Some(T::Lookup::unlookup(patient.clone())),
			grantee.clone(),
			largest_terms::<T>(),
		);

		assert_eq!(Consents::<T>::get(&grantee, &patient).last().map(|c| c.id), Some(id));
	}

	#[benchmark]
	fn revoke() {
		let patient = patient::<T>();
		let guardian = guardian_of::<T>(&patient);
		let grantee = grantee::<T>();
		let id = fill::<T>(&patient, &grantee, true);

		#[extrinsic_call]
		_(RawOrigin::Signed(guardian), Some(T::Lookup::unlookup(patient.clone())), id);

		assert!(!PatientConsents::<T>::get(&patient).iter().any(|r| r.consent == id));
	}

	#[benchmark]
	fn set_guardian() {
		let patient = patient::<T>();
		let guardians: Vec<_> = (1..T::MaxGuardians::get())
			.map(|i| Guardianship::<T::AccountId> {
				guardian: account("guardian", i, SEED),
				until: None,
			})
			.collect();
		Guardians::<T>::insert(&patient, BoundedVec::truncate_from(guardians));
		let guardian: T::AccountId = account("guardian", 0, SEED);
		let until = Some(T::Time::now().saturating_add(YEAR_MS));

		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), T::Lookup::unlookup(guardian.clone()), until);

		assert!(Guardians::<T>::get(&patient).iter().any(|g| g.guardian == guardian));
	}

	#[benchmark]
	fn remove_guardian() {
		let patient = patient::<T>();
		let guardian = guardian_of::<T>(&patient);

		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), T::Lookup::unlookup(guardian.clone()));

		assert!(!Guardians::<T>::get(&patient).iter().any(|g| g.guardian == guardian));
	}

	#[benchmark]
	fn set_break_glass_policy() {
		let patient = patient::<T>();
		let guardian = guardian_of::<T>(&patient);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(guardian),
			Some(T::Lookup::unlookup(patient.clone())),
			BreakGlassPolicy::OptedOut,
		);

		assert_eq!(BreakGlass::<T>::get(&patient), BreakGlassPolicy::OptedOut);
	}

	/// A guardian lifts the patient's restriction; a custodian's flag stays.
	#[benchmark]
	fn set_restriction() {
		let patient = patient::<T>();
		let guardian = guardian_of::<T>(&patient);
		let custodian = T::BenchmarkHelper::active_organisation();
		let restriction = Restriction { by_patient: true, by_custodian: Some(custodian) };
		Restrictions::<T>::insert(&patient, restriction);

		#[extrinsic_call]
		_(RawOrigin::Signed(guardian), Some(T::Lookup::unlookup(patient.clone())), false);

		assert!(Restrictions::<T>::get(&patient).is_some_and(|r| !r.by_patient));
	}

	/// A custodian the patient consented to flags a record the patient restricted already.
	#[benchmark]
	fn flag_restriction() {
		let patient = patient::<T>();
		let custodian = T::BenchmarkHelper::active_organisation();
		consents::<T>(&patient, &Grantee::Organisation(custodian.clone()), 1, 0);
		Restrictions::<T>::insert(&patient, Restriction { by_patient: true, by_custodian: None });

		#[extrinsic_call]
		_(RawOrigin::Signed(custodian.clone()), T::Lookup::unlookup(patient.clone()), true);

		let flagged = Restrictions::<T>::get(&patient).and_then(|r| r.by_custodian);
		assert_eq!(flagged, Some(custodian));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
