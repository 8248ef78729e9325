//! # Consent: patients decide who may see which part of their record, for what, and until when
//!
//! A **consent** is given by a patient (any account: a patient needs no registration) to one
//! practitioner or to a whole organisation (every practitioner of it). Its [`ConsentTerms`] say
//! which [`RecordCategory`]s it covers, for which [`Purpose`]s, from when and until when (unix
//! milliseconds; `until` optional), and optionally how many accesses it allows. The patient
//! revokes it at any moment, and the revocation holds from the next request on, in the same
//! block. No clinical content is kept: ids, enums and numbers only, which still say which
//! categories (the sensitive ones included) a patient lets whom read (`docs/privacy.md`).
//!
//! ## Sensitive categories
//!
//! Mental health, substance use, sexual and reproductive health, genetics and HIV are the
//! categories that law treats apart. [`Categories::AllStandard`] (the "everything" of a consent)
//! covers every other category and, of these five, only the ones it names; [`Categories::Only`]
//! covers exactly the ones listed. So no wildcard ever reaches a sensitive category.
//!
//! ## Guardians
//!
//! A patient names guardians (a minor's parent, a carer), each with an optional end. A guardian
//! grants and revokes consents and sets the break-glass policy on the patient's behalf; it cannot
//! name or remove guardians, which only the patient does. Every consent records who granted it,
//! and every event who acted.
//!
//! ## Deciding an access
//!
//! Consents are kept by `(grantee, patient)`, so answering [`ConsentInspect::check`] reads two
//! bounded lists (the consents to the practitioner and to its organisation), never all of a
//! patient's consents. A consent allows an access at `now` when it covers the category and the
//! purpose, `from <= now < until`, and it has accesses left. A consent given to the practitioner
//! is preferred over one given to its organisation. When none allows it, the denial names the
//! reason of the consent that came closest (see [`ConsentDenial`]).
//!
//! Nothing scans for expiry. [`ConsentInspect::use_consent`] (the audit pallet's call for an
//! access about to happen) counts the access against the consent that allows it, if that has a
//! limit. A request denied because the consent that came closest has ended or used up its
//! accesses clears that consent and emits [`Event::ConsentLapsed`]: that request is denied with
//! `ConsentExpired` / `ConsentExhausted`, later ones with whatever remains. So a request writes
//! at most one list of consents (and, when it clears one, the patient's index). A patient
//! clears any other lapsed consent with `revoke`.
//!
//! ## Break-glass
//!
//! Each patient has a [`BreakGlassPolicy`]: `Allowed` by default, or `OptedOut`. The audit
//! pallet reads it before it opens an emergency access without consent.
//!
//! ## Record categories and HL7 FHIR R4
//!
//! | category | FHIR R4 resources |
//! |---|---|
//! | `Demographics` | Patient, RelatedPerson |
//! | `Encounters` | Encounter, EpisodeOfCare, Appointment |
//! | `Conditions` | Condition, Procedure, ClinicalImpression |
//! | `Medications` | MedicationRequest, MedicationStatement, MedicationAdministration, MedicationDispense |
//! | `Allergies` | AllergyIntolerance |
//! | `LaboratoryResults` | Observation (category `laboratory`), DiagnosticReport (LAB), Specimen |
//! | `Imaging` | ImagingStudy, DiagnosticReport (imaging), Media |
//! | `Immunizations` | Immunization, ImmunizationRecommendation |
//! | `ClinicalNotes` | DocumentReference, Composition |
//! | `MentalHealth` | any of the above with security label `PSY` / `PSYTHPN` |
//! | `SubstanceUse` | any of the above with security label `SUD` (42 CFR Part 2) / `ETH` |
//! | `SexualReproductiveHealth` | any of the above with security label `SDV` / `SEX` |
//! | `Genetics` | MolecularSequence, Observation (genetics), with security label `GDIS` |
//! | `Hiv` | any of the above with security label `HIV` |
#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

pub use ehr_primitives::consent::{
	BreakGlassPolicy, ConsentDenial, ConsentId, ConsentInspect, ConsentMatch, ConsentScope,
	ConsentWrites, Purpose, RecordCategory,
};
use ehr_primitives::Moment;
pub use weights::WeightInfo;

extern crate alloc;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, traits::Time, BoundedVec};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::traits::StaticLookup;

type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;

/// A list of record categories: each at most once, so at most all of them.
pub type CategoryList = BoundedVec<RecordCategory, ConstU32<{ RecordCategory::COUNT }>>;
/// A list of purposes: each at most once, so at most all of them.
pub type PurposeList = BoundedVec<Purpose, ConstU32<{ Purpose::COUNT }>>;

/// The record categories a consent covers.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum Categories {
	/// Every standard category, and of the sensitive ones only those listed here.
	AllStandard { sensitive: CategoryList },
	/// Exactly the categories listed, sensitive or not.
	Only(CategoryList),
}

impl Categories {
	/// Whether an access to `category` is covered.
	pub fn covers(&self, category: RecordCategory) -> bool {
		match self {
			Self::AllStandard { sensitive } => {
				!category.is_sensitive() || sensitive.contains(&category)
			},
			Self::Only(listed) => listed.contains(&category),
		}
	}
}

/// Whom a consent is given to.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum Grantee<AccountId> {
	/// One practitioner.
	Practitioner(AccountId),
	/// Every practitioner of an organisation.
	Organisation(AccountId),
}

impl<AccountId> Grantee<AccountId> {
	fn scope(&self) -> ConsentScope {
		match self {
			Self::Practitioner(_) => ConsentScope::Practitioner,
			Self::Organisation(_) => ConsentScope::Organisation,
		}
	}
}

/// What a consent allows, as the patient states it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct ConsentTerms {
	/// The record categories covered.
	pub categories: Categories,
	/// The purposes covered: at least one.
	pub purposes: PurposeList,
	/// When it starts (unix milliseconds); may be in the past.
	pub from: Moment,
	/// When it ends (unix milliseconds), exclusive; `None`: until revoked.
	pub until: Option<Moment>,
	/// How many accesses it allows; `None`: no limit.
	pub max_accesses: Option<u32>,
}

/// A consent on chain.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Consent<AccountId> {
	pub id: ConsentId,
	pub terms: ConsentTerms,
	/// Accesses counted against `max_accesses` so far (only counted when there is a limit).
	pub accesses: u32,
	/// The patient, or the guardian who granted it on the patient's behalf.
	pub granted_by: AccountId,
	/// When it was granted (unix milliseconds).
	pub granted_at: Moment,
}

/// Where a consent stands at some instant.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum ConsentState {
	/// It starts later.
	Scheduled,
	/// It allows accesses now.
	Active,
	/// Its `until` has passed.
	Ended,
	/// It has used all its accesses.
	UsedUp,
}

/// Why a consent lapsed.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum LapseCause {
	/// Its `until` passed.
	Ended,
	/// It used all its accesses.
	UsedUp,
}

impl<AccountId> Consent<AccountId> {
	/// Its state at `now`.
	pub fn state(&self, now: Moment) -> ConsentState {
		if self.terms.until.is_some_and(|until| now >= until) {
			ConsentState::Ended
		} else if self.terms.max_accesses.is_some_and(|max| self.accesses >= max) {
			ConsentState::UsedUp
		} else if now < self.terms.from {
			ConsentState::Scheduled
		} else {
			ConsentState::Active
		}
	}

	/// Whether it allows an access to `category` for `purpose` at `now`, and if not, why.
	fn allows(
		&self,
		category: RecordCategory,
		purpose: Purpose,
		now: Moment,
	) -> Result<(), ConsentDenial> {
		if !self.terms.categories.covers(category) {
			return Err(if category.is_sensitive() {
				ConsentDenial::SensitiveCategoryNotCovered
			} else {
				ConsentDenial::CategoryNotCovered
			});
		}
		ensure!(self.terms.purposes.contains(&purpose), ConsentDenial::PurposeNotCovered);
		match self.state(now) {
			ConsentState::Active => Ok(()),
			ConsentState::Scheduled => Err(ConsentDenial::ConsentNotYetValid),
			ConsentState::Ended => Err(ConsentDenial::ConsentExpired),
			ConsentState::UsedUp => Err(ConsentDenial::ConsentExhausted),
		}
	}
}

/// How close a denied request came to being allowed: the denial reported is the closest one.
fn closeness(denial: ConsentDenial) -> u8 {
	match denial {
		ConsentDenial::NoConsent => 0,
		ConsentDenial::CategoryNotCovered | ConsentDenial::SensitiveCategoryNotCovered => 1,
		ConsentDenial::PurposeNotCovered => 2,
		ConsentDenial::ConsentNotYetValid
		| ConsentDenial::ConsentExpired
		| ConsentDenial::ConsentExhausted => 3,
	}
}

/// A consent of a patient, as listed under the patient: enough to find it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct ConsentRef<AccountId> {
	pub consent: ConsentId,
	pub grantee: Grantee<AccountId>,
}

/// A guardian of a patient.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Guardianship<AccountId> {
	pub guardian: AccountId,
	/// When the guardianship ends (unix milliseconds), exclusive; `None`: until removed.
	pub until: Option<Moment>,
}

/// A consent with everything an app shows about it: the runtime API's answer.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct ConsentInfo<AccountId> {
	pub patient: AccountId,
	pub grantee: Grantee<AccountId>,
	pub consent: Consent<AccountId>,
	/// Its state at the block the API was called at.
	pub state: ConsentState,
}

/// The most patients [`Pallet::consents_to`] answers for in one call.
pub const MAX_PATIENTS_PER_PAGE: u32 = 256;

/// The consents of one patient to one grantee.
pub type ConsentsOf<T> = BoundedVec<
	Consent<<T as frame_system::Config>::AccountId>,
	<T as Config>::MaxConsentsPerGrantee,
>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The layout of this pallet's storage; a change to it comes with a migration.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The chain's clock, in unix milliseconds.
		type Time: Time<Moment = Moment>;

		/// The most consents a patient may have on chain (lapsed ones count until cleared).
		#[pallet::constant]
		type MaxConsentsPerPatient: Get<u32>;

		/// The most consents a patient may give one grantee.
		#[pallet::constant]
		type MaxConsentsPerGrantee: Get<u32>;

		/// The most guardians a patient may name.
		#[pallet::constant]
		type MaxGuardians: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The id the next consent gets.
	#[pallet::storage]
	pub type NextConsentId<T: Config> = StorageValue<_, ConsentId, ValueQuery>;

	/// Consents, by grantee and patient: what an access decision reads.
	#[pallet::storage]
	pub type Consents<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		Grantee<T::AccountId>,
		Blake2_128Concat,
		T::AccountId,
		ConsentsOf<T>,
		ValueQuery,
	>;

	/// Every consent of a patient, by id and grantee: the patient's index into [`Consents`].
	#[pallet::storage]
	pub type PatientConsents<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<ConsentRef<T::AccountId>, T::MaxConsentsPerPatient>,
		ValueQuery,
	>;

	/// The guardians of a patient.
	#[pallet::storage]
	pub type Guardians<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<Guardianship<T::AccountId>, T::MaxGuardians>,
		ValueQuery,
	>;

	/// Patients' break-glass policies; absent means `Allowed`.
	#[pallet::storage]
	pub type BreakGlass<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BreakGlassPolicy, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A patient (or a guardian for the patient: `by`) granted a consent.
		ConsentGranted {
			consent: ConsentId,
			patient: T::AccountId,
			grantee: Grantee<T::AccountId>,
			terms: ConsentTerms,
			by: T::AccountId,
		},
		/// A consent was revoked; it allows nothing from now on.
		ConsentRevoked {
			consent: ConsentId,
			patient: T::AccountId,
			grantee: Grantee<T::AccountId>,
			by: T::AccountId,
		},
		/// A request found a consent ended or used up; it was cleared.
		ConsentLapsed {
			consent: ConsentId,
			patient: T::AccountId,
			grantee: Grantee<T::AccountId>,
			cause: LapseCause,
		},
		/// A patient named a guardian (or changed when its guardianship ends).
		GuardianSet { patient: T::AccountId, guardian: T::AccountId, until: Option<Moment> },
		/// A patient removed a guardian.
		GuardianRemoved { patient: T::AccountId, guardian: T::AccountId },
		/// A patient's break-glass policy was set.
		BreakGlassPolicySet { patient: T::AccountId, policy: BreakGlassPolicy, by: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// `until` is not in the future.
		WindowInPast,
		/// `until` is not after `from`.
		UntilBeforeFrom,
		/// The consent covers no category.
		EmptyCategorySet,
		/// A category is listed twice.
		DuplicateCategory,
		/// `AllStandard` lists a standard category among the sensitive ones it adds.
		NotASensitiveCategory,
		/// The consent covers no purpose.
		EmptyPurposeSet,
		/// A purpose is listed twice.
		DuplicatePurpose,
		/// `max_accesses` is zero: such a consent would allow nothing.
		NoAccessesAllowed,
		/// The patient has `MaxConsentsPerPatient` consents already (revoke some first).
		TooManyConsents,
		/// The patient has `MaxConsentsPerGrantee` consents to this grantee already.
		TooManyConsentsForGrantee,
		/// The patient has no consent with this id.
		UnknownConsent,
		/// The signer acts for a patient whose guardian it is not.
		NotGuardian,
		/// The signer's guardianship of the patient has ended.
		GuardianshipEnded,
		/// A patient cannot be its own guardian.
		CannotGuardSelf,
		/// The patient has `MaxGuardians` guardians already.
		TooManyGuardians,
		/// The account is not a guardian of the patient.
		UnknownGuardian,
		/// No more consent ids (2^64 consents granted).
		ConsentIdsExhausted,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Grant a consent of `for_patient` (`None`: the signer) to `grantee` on `terms`. A
		/// guardian of the patient may grant on its behalf.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::grant())]
		pub fn grant(
			origin: OriginFor<T>,
			for_patient: Option<AccountIdLookupOf<T>>,
			grantee: Grantee<T::AccountId>,
			terms: ConsentTerms,
		) -> DispatchResult {
			let now = Self::now();
			let (patient, by) = Self::acting_for(origin, for_patient, now)?;
			Self::ensure_valid_terms(&terms, now)?;

			let id = NextConsentId::<T>::get();
			let next_id = id.checked_add(1).ok_or(Error::<T>::ConsentIdsExhausted)?;
			let mut refs = PatientConsents::<T>::get(&patient);
			refs.try_push(ConsentRef { consent: id, grantee: grantee.clone() })
				.map_err(|_| Error::<T>::TooManyConsents)?;
			let mut consents = Consents::<T>::get(&grantee, &patient);
			consents
				.try_push(Consent {
					id,
					terms: terms.clone(),
					accesses: 0,
					granted_by: by.clone(),
					granted_at: now,
				})
				.map_err(|_| Error::<T>::TooManyConsentsForGrantee)?;

			NextConsentId::<T>::put(next_id);
			PatientConsents::<T>::insert(&patient, refs);
			Consents::<T>::insert(&grantee, &patient, consents);
			Self::deposit_event(Event::ConsentGranted { consent: id, patient, grantee, terms, by });
			Ok(())
		}

		/// Revoke consent `consent` of `for_patient` (`None`: the signer); it allows nothing
		/// from now on, in this block too. Also clears a consent that has lapsed. A guardian of
		/// the patient may revoke on its behalf.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::revoke())]
		pub fn revoke(
			origin: OriginFor<T>,
			for_patient: Option<AccountIdLookupOf<T>>,
			consent: ConsentId,
		) -> DispatchResult {
			let (patient, by) = Self::acting_for(origin, for_patient, Self::now())?;
			let mut refs = PatientConsents::<T>::get(&patient);
			let position =
				refs.iter().position(|r| r.consent == consent).ok_or(Error::<T>::UnknownConsent)?;
			let ConsentRef { grantee, .. } = refs.remove(position);
			let mut consents = Consents::<T>::get(&grantee, &patient);
			consents.retain(|c| c.id != consent);

			Self::store_patient_consents(&patient, refs);
			Self::store_consents(&grantee, &patient, consents);
			Self::deposit_event(Event::ConsentRevoked { consent, patient, grantee, by });
			Ok(())
		}

		/// Name `guardian` as a guardian of the signer until `until` (`None`: until removed),
		/// or change when an existing guardianship ends. Only the patient names guardians.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_guardian())]
		pub fn set_guardian(
			origin: OriginFor<T>,
			guardian: AccountIdLookupOf<T>,
			until: Option<Moment>,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			let guardian = T::Lookup::lookup(guardian)?;
			ensure!(guardian != patient, Error::<T>::CannotGuardSelf);
			ensure!(until.is_none_or(|until| until > Self::now()), Error::<T>::WindowInPast);

			Guardians::<T>::try_mutate(&patient, |guardians| {
				match guardians.iter_mut().find(|g| g.guardian == guardian) {
					Some(existing) => existing.until = until,
					None => guardians
						.try_push(Guardianship { guardian: guardian.clone(), until })
						.map_err(|_| Error::<T>::TooManyGuardians)?,
				}
				Ok::<_, Error<T>>(())
			})?;
			Self::deposit_event(Event::GuardianSet { patient, guardian, until });
			Ok(())
		}

		/// Remove `guardian` from the signer's guardians. Only the patient removes guardians.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::remove_guardian())]
		pub fn remove_guardian(
			origin: OriginFor<T>,
			guardian: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			let guardian = T::Lookup::lookup(guardian)?;
			Guardians::<T>::try_mutate_exists(&patient, |guardians| {
				let list = guardians.as_mut().ok_or(Error::<T>::UnknownGuardian)?;
				let position = list
					.iter()
					.position(|g| g.guardian == guardian)
					.ok_or(Error::<T>::UnknownGuardian)?;
				list.remove(position);
				if list.is_empty() {
					*guardians = None;
				}
				Ok::<_, Error<T>>(())
			})?;
			Self::deposit_event(Event::GuardianRemoved { patient, guardian });
			Ok(())
		}

		/// Set the break-glass policy of `for_patient` (`None`: the signer). A guardian of the
		/// patient may set it on its behalf.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_break_glass_policy())]
		pub fn set_break_glass_policy(
			origin: OriginFor<T>,
			for_patient: Option<AccountIdLookupOf<T>>,
			policy: BreakGlassPolicy,
		) -> DispatchResult {
			let (patient, by) = Self::acting_for(origin, for_patient, Self::now())?;
			match policy {
				BreakGlassPolicy::Allowed => BreakGlass::<T>::remove(&patient),
				BreakGlassPolicy::OptedOut => BreakGlass::<T>::insert(&patient, policy),
			}
			Self::deposit_event(Event::BreakGlassPolicySet { patient, policy, by });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		fn now() -> Moment {
			T::Time::now()
		}

		/// The patient a call acts for and the account acting: the signer for itself, or as a
		/// guardian of `for_patient` whose guardianship has not ended.
		fn acting_for(
			origin: OriginFor<T>,
			for_patient: Option<AccountIdLookupOf<T>>,
			now: Moment,
		) -> Result<(T::AccountId, T::AccountId), DispatchError> {
			let signer = ensure_signed(origin)?;
			let Some(patient) = for_patient else { return Ok((signer.clone(), signer)) };
			let patient = T::Lookup::lookup(patient)?;
			if patient != signer {
				let guardians = Guardians::<T>::get(&patient);
				let guardianship = guardians
					.iter()
					.find(|g| g.guardian == signer)
					.ok_or(Error::<T>::NotGuardian)?;
				ensure!(
					guardianship.until.is_none_or(|until| now < until),
					Error::<T>::GuardianshipEnded
				);
			}
			Ok((patient, signer))
		}

		fn ensure_valid_terms(terms: &ConsentTerms, now: Moment) -> Result<(), Error<T>> {
			if let Some(until) = terms.until {
				ensure!(until > terms.from, Error::<T>::UntilBeforeFrom);
				ensure!(until > now, Error::<T>::WindowInPast);
			}
			match &terms.categories {
				Categories::AllStandard { sensitive } => ensure!(
					sensitive.iter().all(|c| c.is_sensitive()),
					Error::<T>::NotASensitiveCategory
				),
				Categories::Only(listed) => {
					ensure!(!listed.is_empty(), Error::<T>::EmptyCategorySet)
				},
			}
			let (Categories::AllStandard { sensitive: listed } | Categories::Only(listed)) =
				&terms.categories;
			ensure!(!has_duplicates(listed), Error::<T>::DuplicateCategory);
			ensure!(!terms.purposes.is_empty(), Error::<T>::EmptyPurposeSet);
			ensure!(!has_duplicates(&terms.purposes), Error::<T>::DuplicatePurpose);
			ensure!(terms.max_accesses != Some(0), Error::<T>::NoAccessesAllowed);
			Ok(())
		}

		fn store_patient_consents(
			patient: &T::AccountId,
			refs: BoundedVec<ConsentRef<T::AccountId>, T::MaxConsentsPerPatient>,
		) {
			if refs.is_empty() {
				PatientConsents::<T>::remove(patient)
			} else {
				PatientConsents::<T>::insert(patient, refs)
			}
		}

		fn store_consents(
			grantee: &Grantee<T::AccountId>,
			patient: &T::AccountId,
			consents: ConsentsOf<T>,
		) {
			if consents.is_empty() {
				Consents::<T>::remove(grantee, patient)
			} else {
				Consents::<T>::insert(grantee, patient, consents)
			}
		}

		/// The consents a request of `practitioner` (of `organisation`) reads: those given to
		/// the practitioner, then those given to its organisation.
		fn candidates(
			patient: &T::AccountId,
			practitioner: &T::AccountId,
			organisation: &T::AccountId,
		) -> [(Grantee<T::AccountId>, ConsentsOf<T>); 2] {
			[
				Grantee::Practitioner(practitioner.clone()),
				Grantee::Organisation(organisation.clone()),
			]
			.map(|grantee| {
				let consents = Consents::<T>::get(&grantee, patient);
				(grantee, consents)
			})
		}

		/// The first consent among `candidates` that allows the access, or the closest denial;
		/// with where that consent is (list, position), if there is one.
		fn decide(
			candidates: &[(Grantee<T::AccountId>, ConsentsOf<T>)],
			category: RecordCategory,
			purpose: Purpose,
			now: Moment,
		) -> (Result<ConsentMatch, ConsentDenial>, Option<(usize, usize)>) {
			let mut closest = (ConsentDenial::NoConsent, None);
			for (list, (grantee, consents)) in candidates.iter().enumerate() {
				for (position, consent) in consents.iter().enumerate() {
					match consent.allows(category, purpose, now) {
						Ok(()) => {
							let found =
								ConsentMatch { consent: consent.id, scope: grantee.scope() };
							return (Ok(found), Some((list, position)));
						},
						Err(denial) if closeness(denial) > closeness(closest.0) => {
							closest = (denial, Some((list, position)))
						},
						Err(_) => {},
					}
				}
			}
			(Err(closest.0), closest.1)
		}

		/// After a request: count the access against the consent that allowed it, if that has
		/// a limit; or clear the consent that denied it because it had ended or was used up.
		/// Says what it wrote.
		fn record_use(
			patient: &T::AccountId,
			candidates: [(Grantee<T::AccountId>, ConsentsOf<T>); 2],
			decision: Result<ConsentMatch, ConsentDenial>,
			(list, position): (usize, usize),
		) -> ConsentWrites {
			let Some((grantee, mut consents)) = candidates.into_iter().nth(list) else {
				return ConsentWrites::Nothing;
			};
			let Some(consent) = consents.get_mut(position) else { return ConsentWrites::Nothing };
			let cause = match decision {
				Ok(_) if consent.terms.max_accesses.is_some() => {
					consent.accesses = consent.accesses.saturating_add(1);
					None
				},
				Err(ConsentDenial::ConsentExpired) => Some(LapseCause::Ended),
				Err(ConsentDenial::ConsentExhausted) => Some(LapseCause::UsedUp),
				_ => return ConsentWrites::Nothing,
			};
			let Some(cause) = cause else {
				Self::store_consents(&grantee, patient, consents);
				return ConsentWrites::Counted;
			};
			let id = consents.remove(position).id;
			Self::store_consents(&grantee, patient, consents);
			let mut refs = PatientConsents::<T>::get(patient);
			refs.retain(|r| r.consent != id);
			Self::store_patient_consents(patient, refs);
			Self::deposit_event(Event::ConsentLapsed {
				consent: id,
				patient: patient.clone(),
				grantee,
				cause,
			});
			ConsentWrites::Cleared
		}

		/// Every consent of `patient`, with its state now: the runtime API's answer.
		pub fn consents_of(patient: &T::AccountId) -> Vec<ConsentInfo<T::AccountId>> {
			let mut grantees = Vec::<Grantee<T::AccountId>>::new();
			for ConsentRef { grantee, .. } in PatientConsents::<T>::get(patient) {
				if !grantees.contains(&grantee) {
					grantees.push(grantee);
				}
			}
			let now = Self::now();
			let mut infos = Vec::new();
			for grantee in grantees {
				let consents = Consents::<T>::get(&grantee, patient);
				Self::push_infos(&mut infos, patient, &grantee, consents, now);
			}
			infos
		}

		/// The consents given to `grantee`, patient by patient in storage order: those of at
		/// most `limit` patients (capped at [`MAX_PATIENTS_PER_PAGE`]) after `start_after` (the
		/// last patient of the previous page). The runtime API's answer.
		pub fn consents_to(
			grantee: &Grantee<T::AccountId>,
			start_after: Option<T::AccountId>,
			limit: u32,
		) -> Vec<ConsentInfo<T::AccountId>> {
			let pages = match start_after {
				Some(patient) => Consents::<T>::iter_prefix_from(
					grantee,
					Consents::<T>::hashed_key_for(grantee, patient),
				),
				None => Consents::<T>::iter_prefix(grantee),
			};
			let now = Self::now();
			let mut infos = Vec::new();
			for (patient, consents) in pages.take(limit.min(MAX_PATIENTS_PER_PAGE) as usize) {
				Self::push_infos(&mut infos, &patient, grantee, consents, now);
			}
			infos
		}

		fn push_infos(
			infos: &mut Vec<ConsentInfo<T::AccountId>>,
			patient: &T::AccountId,
			grantee: &Grantee<T::AccountId>,
			consents: ConsentsOf<T>,
			now: Moment,
		) {
			infos.extend(consents.into_iter().map(|consent| ConsentInfo {
				patient: patient.clone(),
				grantee: grantee.clone(),
				state: consent.state(now),
				consent,
			}));
		}

		/// Whether `practitioner` of `organisation` may see `category` of `patient` for
		/// `purpose` now: the runtime API's answer (nothing is counted).
		pub fn check_now(
			patient: &T::AccountId,
			practitioner: &T::AccountId,
			organisation: &T::AccountId,
			category: RecordCategory,
			purpose: Purpose,
		) -> Result<ConsentMatch, ConsentDenial> {
			<Self as ConsentInspect<T::AccountId>>::check(
				patient,
				practitioner,
				organisation,
				category,
				purpose,
				Self::now(),
			)
		}
	}

	impl<T: Config> ConsentInspect<T::AccountId> for Pallet<T> {
		fn check(
			patient: &T::AccountId,
			practitioner: &T::AccountId,
			organisation: &T::AccountId,
			category: RecordCategory,
			purpose: Purpose,
			now: Moment,
		) -> Result<ConsentMatch, ConsentDenial> {
			let candidates = Self::candidates(patient, practitioner, organisation);
			Self::decide(&candidates, category, purpose, now).0
		}

		fn use_consent(
			patient: &T::AccountId,
			practitioner: &T::AccountId,
			organisation: &T::AccountId,
			category: RecordCategory,
			purpose: Purpose,
			now: Moment,
		) -> (Result<ConsentMatch, ConsentDenial>, ConsentWrites) {
			let candidates = Self::candidates(patient, practitioner, organisation);
			let (decision, found) = Self::decide(&candidates, category, purpose, now);
			let writes = match found {
				Some(found) => Self::record_use(patient, candidates, decision, found),
				None => ConsentWrites::Nothing,
			};
			(decision, writes)
		}

		fn break_glass_policy(patient: &T::AccountId) -> BreakGlassPolicy {
			BreakGlass::<T>::get(patient)
		}
	}
}

/// Whether some item of `items` appears twice (the lists are at most 14 long).
fn has_duplicates<I: PartialEq>(items: &[I]) -> bool {
	items.iter().enumerate().any(|(i, item)| items.iter().skip(i + 1).any(|other| other == item))
}
