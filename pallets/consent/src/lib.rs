//! # Consent: patients decide who may see which part of their record, for what, and until when
//!
//! A **consent** is given by a patient (any account: a patient needs no registration) to one
//! practitioner or to a whole organisation (every practitioner of it). Its [`ConsentTerms`] say
//! which [`Category`]s it covers, for which [`Purpose`]s, from when and until when (unix
//! milliseconds; `until` optional), and optionally how many accesses it allows. The patient
//! revokes it at any moment, and the revocation holds from the next request on, in the same
//! block. No clinical content is kept: ids, enums and numbers only (`docs/privacy.md` says what
//! they still tell, and to whom).
//!
//! ## Sensitive categories, blinded
//!
//! Mental health, substance use, sexual and reproductive health, genetics and HIV are the
//! categories that law treats apart, and that a patient has such a record is itself protected.
//! The chain never sees them in clear: a consent and a request name a sensitive category by its
//! commitment ([`Category::Sensitive`]), an HMAC of the category under a salt that the patient
//! and the organisation's custodian share off chain (`ehr-privacy`). The salt is the one of the
//! grantee's organisation: a consent to a practitioner uses its organisation's. The pallet
//! compares commitments and never learns the category; a reader of the chain sees "sensitive",
//! and cannot link the commitments of two patients, or of one patient at two organisations.
//!
//! [`Categories::AllStandard`] (the "everything" of a consent) covers every standard category
//! and, of the sensitive ones, only those whose commitments it lists; [`Categories::Only`]
//! covers exactly the ones listed. So no wildcard ever reaches a sensitive category.
//!
//! ## Guardians
//!
//! A patient names guardians (a minor's parent, a carer), each with an optional end. A guardian
//! grants and revokes consents and sets the break-glass policy on the patient's behalf; it cannot
//! name or remove guardians, which only the patient does. Every consent records who granted it,
//! and every event who acted. Other pallets ask who may act for a patient through
//! [`PatientAgents`] (the records pallet: who may ask for an erasure).
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
//! ## Restricted records
//!
//! The answer real EHRs give to snooping on a VIP, a colleague or a neighbour: a patient (or a
//! guardian) restricts its record with `set_restriction`, or the custodian of its records (an
//! active organisation the patient has given a consent to) flags it with `flag_restriction`. Consents to an organisation then stop
//! covering it ([`ConsentDenial::RecordRestricted`]): only a consent naming the practitioner, a
//! referral of the patient to the practitioner (the audit pallet checks it), or break-glass
//! opens it, and a break-glass on a restricted record is reviewed by the council, not by the
//! practitioner's own organisation. Each party lifts only its own restriction: a patient cannot
//! lift its custodian's flag, nor a custodian the patient's. The flag is public, like
//! everything on chain: it marks the account, which is why a patient uses one account per
//! organisation (`docs/privacy.md`).
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
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

pub use ehr_primitives::consent::{
	BreakGlassPolicy, Category, CategoryCommitment, ConsentDenial, ConsentId, ConsentInspect,
	ConsentMatch, ConsentReach, ConsentScope, ConsentWrites, PatientAgents, Purpose,
	StandardCategory, SENSITIVE_CATEGORIES,
};
use ehr_primitives::{providers::ProviderInspect, Moment};
pub use weights::WeightInfo;

extern crate alloc;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, traits::Time, BoundedVec};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::traits::StaticLookup;

type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;

/// A list of categories: each at most once, so at most every standard one and a commitment for
/// each sensitive one.
pub type CategoryList =
	BoundedVec<Category, ConstU32<{ StandardCategory::COUNT + SENSITIVE_CATEGORIES }>>;
/// The commitments of a consent's sensitive categories: one for each at most.
pub type SensitiveList = BoundedVec<CategoryCommitment, ConstU32<SENSITIVE_CATEGORIES>>;
/// A list of purposes: each at most once, so at most all of them.
pub type PurposeList = BoundedVec<Purpose, ConstU32<{ Purpose::COUNT }>>;

/// The record categories a consent covers.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum Categories {
	/// Every standard category, and of the sensitive ones only those whose commitments are
	/// listed here.
	AllStandard {
		/// The commitments of the sensitive categories covered as well.
		sensitive: SensitiveList,
	},
	/// Exactly the categories listed, standard ones by name, sensitive ones by commitment.
	Only(CategoryList),
}

impl Categories {
	/// Whether an access to `category` is covered.
	pub fn covers(&self, category: &Category) -> bool {
		match (self, category) {
			(Self::AllStandard { .. }, Category::Standard(_)) => true,
			(Self::AllStandard { sensitive }, Category::Sensitive(commitment)) => {
				sensitive.contains(commitment)
			},
			(Self::Only(listed), category) => listed.contains(category),
		}
	}
}

/// The longest list of categories a consent may name: every standard one and five sensitive
/// commitments (placeholders: the benchmarks need their size, not their meaning).
#[cfg(feature = "runtime-benchmarks")]
pub fn every_category() -> CategoryList {
	let standard = StandardCategory::ALL.into_iter().map(Category::Standard);
	let sensitive = (0..SENSITIVE_CATEGORIES as u8)
		.map(|n| Category::Sensitive(CategoryCommitment::repeat_byte(n)));
	CategoryList::truncate_from(standard.chain(sensitive).collect())
}

/// Whom a consent is given to.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
#[scale_info(capture_docs = "always")]
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
#[scale_info(capture_docs = "always")]
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
#[scale_info(capture_docs = "always")]
pub struct Consent<AccountId> {
	/// Its id, unique on the chain, given in the order consents are granted.
	pub id: ConsentId,
	/// What it allows, as the patient stated it.
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
#[scale_info(capture_docs = "always")]
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
#[scale_info(capture_docs = "always")]
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
		category: &Category,
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
		// It would have been allowed.
		ConsentDenial::RecordRestricted => 4,
	}
}

/// A consent of a patient, as listed under the patient: enough to find it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct ConsentRef<AccountId> {
	/// The consent's id.
	pub consent: ConsentId,
	/// Whom it is given to: where it is kept in [`Consents`], with the patient.
	pub grantee: Grantee<AccountId>,
}

/// A guardian of a patient.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct Guardianship<AccountId> {
	/// The guardian's account: it acts on the patient's behalf.
	pub guardian: AccountId,
	/// When the guardianship ends (unix milliseconds), exclusive; `None`: until removed.
	pub until: Option<Moment>,
}

/// Who restricted a patient's record: the patient (or a guardian), its custodian, or both.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct Restriction<AccountId> {
	/// The patient or one of its guardians restricted it.
	pub by_patient: bool,
	/// The organisation that flagged it, as the custodian of the patient's records.
	pub by_custodian: Option<AccountId>,
}

impl<AccountId> Default for Restriction<AccountId> {
	fn default() -> Self {
		Self { by_patient: false, by_custodian: None }
	}
}

impl<AccountId> Restriction<AccountId> {
	/// Whether anybody restricts the record.
	pub fn is_restricted(&self) -> bool {
		self.by_patient || self.by_custodian.is_some()
	}
}

/// A consent with everything an app shows about it: the runtime API's answer.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct ConsentInfo<AccountId> {
	/// The patient whose consent it is (a guardian may have granted it).
	pub patient: AccountId,
	/// Whom it is given to.
	pub grantee: Grantee<AccountId>,
	/// The consent itself.
	pub consent: Consent<AccountId>,
	/// Its state at the block the API was called at.
	pub state: ConsentState,
}

/// Sets up what this pallet's benchmarks need from other pallets.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// An organisation that is active in the registry now.
	fn active_organisation() -> AccountId;
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
	/// 1: consents name sensitive categories by commitment (restrictions are new).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

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

		/// The provider registry: which accounts are active organisations (custodians).
		type Providers: ProviderInspect<Self::AccountId>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets up the provider registry for this pallet's benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
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

	/// Restricted records, with who restricted each; absent means not restricted.
	#[pallet::storage]
	pub type Restrictions<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Restriction<T::AccountId>, OptionQuery>;

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
		/// A patient (or a guardian: `by`) restricted its record, or lifted its restriction.
		PatientRestrictionSet { patient: T::AccountId, restricted: bool, by: T::AccountId },
		/// A custodian flagged a patient's record restricted, or lifted its flag.
		CustodianRestrictionSet { patient: T::AccountId, restricted: bool, custodian: T::AccountId },
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
		/// More sensitive categories are listed than there are (5): some commitment is not one.
		TooManySensitiveCategories,
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
		/// The signer is not an active organisation the patient has consented to: only a
		/// custodian of the patient's records flags them.
		NotACustodian,
		/// Another custodian has flagged this record; only it lifts its flag.
		FlaggedByAnotherCustodian,
		/// The restriction is already as asked.
		RestrictionUnchanged,
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

		/// Restrict the record of `for_patient` (`None`: the signer), or lift the restriction
		/// the patient set. A guardian of the patient may act on its behalf. A custodian's flag
		/// stays until the custodian lifts it.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_restriction())]
		pub fn set_restriction(
			origin: OriginFor<T>,
			for_patient: Option<AccountIdLookupOf<T>>,
			restricted: bool,
		) -> DispatchResult {
			let (patient, by) = Self::acting_for(origin, for_patient, Self::now())?;
			Self::update_restriction(&patient, |restriction| {
				ensure!(restriction.by_patient != restricted, Error::<T>::RestrictionUnchanged);
				restriction.by_patient = restricted;
				Ok(())
			})?;
			Self::deposit_event(Event::PatientRestrictionSet { patient, restricted, by });
			Ok(())
		}

		/// Flag the record of `patient` restricted as its custodian (the signer: an active
		/// organisation the patient has given a consent to), or lift the signer's own flag,
		/// whatever its standing now. One custodian flags a record at a time.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::flag_restriction())]
		pub fn flag_restriction(
			origin: OriginFor<T>,
			patient: AccountIdLookupOf<T>,
			restricted: bool,
		) -> DispatchResult {
			let custodian = ensure_signed(origin)?;
			let patient = T::Lookup::lookup(patient)?;
			// Flagging needs the standing of a custodian; lifting one's own flag does not (a
			// patient who revoked the organisation's consent must not stay flagged for good).
			if restricted {
				let grantee = Grantee::Organisation(custodian.clone());
				ensure!(
					T::Providers::is_active_organisation(&custodian, Self::now())
						&& Consents::<T>::contains_key(&grantee, &patient),
					Error::<T>::NotACustodian
				);
			}
			Self::update_restriction(&patient, |restriction| {
				let flag = match &restriction.by_custodian {
					Some(other) if *other != custodian => {
						return Err(Error::<T>::FlaggedByAnotherCustodian)
					},
					flag => flag.is_some(),
				};
				ensure!(flag != restricted, Error::<T>::RestrictionUnchanged);
				restriction.by_custodian = restricted.then(|| custodian.clone());
				Ok(())
			})?;
			Self::deposit_event(Event::CustodianRestrictionSet { patient, restricted, custodian });
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
			Self::ensure_acts_for(&signer, &patient, now)?;
			Ok((patient, signer))
		}

		/// `who` is `patient`, or a guardian of it whose guardianship has not ended at `now`.
		fn ensure_acts_for(
			who: &T::AccountId,
			patient: &T::AccountId,
			now: Moment,
		) -> Result<(), Error<T>> {
			if who == patient {
				return Ok(());
			}
			let guardians = Guardians::<T>::get(patient);
			let guardianship =
				guardians.iter().find(|g| g.guardian == *who).ok_or(Error::<T>::NotGuardian)?;
			ensure!(
				guardianship.until.is_none_or(|until| now < until),
				Error::<T>::GuardianshipEnded
			);
			Ok(())
		}

		/// Change `patient`'s restriction with `change`; an unrestricted record leaves no
		/// entry.
		fn update_restriction(
			patient: &T::AccountId,
			change: impl FnOnce(&mut Restriction<T::AccountId>) -> Result<(), Error<T>>,
		) -> Result<(), Error<T>> {
			Restrictions::<T>::try_mutate_exists(patient, |entry| {
				let mut restriction = entry.take().unwrap_or_default();
				change(&mut restriction)?;
				*entry = restriction.is_restricted().then_some(restriction);
				Ok(())
			})
		}

		fn ensure_valid_terms(terms: &ConsentTerms, now: Moment) -> Result<(), Error<T>> {
			if let Some(until) = terms.until {
				ensure!(until > terms.from, Error::<T>::UntilBeforeFrom);
				ensure!(until > now, Error::<T>::WindowInPast);
			}
			match &terms.categories {
				Categories::AllStandard { sensitive } => {
					ensure!(!has_duplicates(sensitive), Error::<T>::DuplicateCategory)
				},
				Categories::Only(listed) => {
					ensure!(!listed.is_empty(), Error::<T>::EmptyCategorySet);
					ensure!(!has_duplicates(listed), Error::<T>::DuplicateCategory);
					let sensitive = listed.iter().filter(|c| c.is_sensitive()).count();
					ensure!(
						sensitive <= SENSITIVE_CATEGORIES as usize,
						Error::<T>::TooManySensitiveCategories
					);
				},
			}
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
			category: &Category,
			purpose: Purpose,
			now: Moment,
			reach: ConsentReach,
		) -> (Result<ConsentMatch, ConsentDenial>, Option<(usize, usize)>) {
			let mut closest = (ConsentDenial::NoConsent, None);
			for (list, (grantee, consents)) in candidates.iter().enumerate() {
				let restricted = reach == ConsentReach::PractitionerOnly
					&& grantee.scope() == ConsentScope::Organisation;
				for (position, consent) in consents.iter().enumerate() {
					let allows = consent.allows(category, purpose, now).and_then(|()| {
						ensure!(!restricted, ConsentDenial::RecordRestricted);
						Ok(())
					});
					match allows {
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
		/// `purpose` now: the runtime API's answer (nothing is counted). A restricted record is
		/// answered as if the practitioner held no referral of the patient.
		pub fn check_now(
			patient: &T::AccountId,
			practitioner: &T::AccountId,
			organisation: &T::AccountId,
			category: Category,
			purpose: Purpose,
		) -> Result<ConsentMatch, ConsentDenial> {
			let reach = match Self::is_restricted(patient) {
				true => ConsentReach::PractitionerOnly,
				false => ConsentReach::PractitionerOrOrganisation,
			};
			<Self as ConsentInspect<T::AccountId>>::check(
				patient,
				practitioner,
				organisation,
				category,
				purpose,
				Self::now(),
				reach,
			)
		}
	}

	impl<T: Config> ConsentInspect<T::AccountId> for Pallet<T> {
		fn check(
			patient: &T::AccountId,
			practitioner: &T::AccountId,
			organisation: &T::AccountId,
			category: Category,
			purpose: Purpose,
			now: Moment,
			reach: ConsentReach,
		) -> Result<ConsentMatch, ConsentDenial> {
			let candidates = Self::candidates(patient, practitioner, organisation);
			Self::decide(&candidates, &category, purpose, now, reach).0
		}

		fn use_consent(
			patient: &T::AccountId,
			practitioner: &T::AccountId,
			organisation: &T::AccountId,
			category: Category,
			purpose: Purpose,
			now: Moment,
			reach: ConsentReach,
		) -> (Result<ConsentMatch, ConsentDenial>, ConsentWrites) {
			let candidates = Self::candidates(patient, practitioner, organisation);
			let (decision, found) = Self::decide(&candidates, &category, purpose, now, reach);
			let writes = match found {
				Some(found) => Self::record_use(patient, candidates, decision, found),
				None => ConsentWrites::Nothing,
			};
			(decision, writes)
		}

		fn break_glass_policy(patient: &T::AccountId) -> BreakGlassPolicy {
			BreakGlass::<T>::get(patient)
		}

		fn is_restricted(patient: &T::AccountId) -> bool {
			Restrictions::<T>::contains_key(patient)
		}
	}

	impl<T: Config> PatientAgents<T::AccountId> for Pallet<T> {
		fn acts_for(who: &T::AccountId, patient: &T::AccountId, now: Moment) -> bool {
			Self::ensure_acts_for(who, patient, now).is_ok()
		}
	}
}

/// Whether some item of `items` appears twice (the lists are at most 14 long).
fn has_duplicates<I: PartialEq>(items: &[I]) -> bool {
	items.iter().enumerate().any(|(i, item)| items.iter().skip(i + 1).any(|other| other == item))
}
