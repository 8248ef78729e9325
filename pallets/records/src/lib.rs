//! # Records: tamper-evident anchors of off-chain records, and erasure the chain can prove
//!
//! A patient's records stay off chain, encrypted at their **custodian** (the organisation that
//! holds them, running `ehr-custodian` next to its node). What this pallet keeps is an
//! **anchor** per version of each record: a 32-byte content hash, when it was anchored and by
//! whom. An integrator holding a copy asks [`RecordsApi::verify_record`](runtime_api::RecordsApi)
//! whether it is the current version, an outdated one, unknown to the chain (altered, or never
//! anchored) or erased, before trusting it.
//!
//! ## Anchors and versions
//!
//! [`anchor_record`](Pallet::anchor_record) names the patient, the record (an opaque 32-byte
//! [`RecordId`], made as `docs/privacy.md` says, the same reference a `request_access` names),
//! its [`Category`] (a sensitive one blinded, by its commitment under the patient's salt with the
//! custodian) and the content hash. Who may anchor:
//! - an active practitioner of an organisation, when a consent of the patient covers the
//!   category for treatment by the practitioner or its organisation (for a restricted record,
//!   only a consent naming the practitioner): the record's custodian is then that organisation;
//! - the patient itself, for a record it keeps: the patient is then the custodian.
//!
//! A second anchor of the same record is its next **version** (1, 2, ...), by the custodian's
//! practitioners (with the same consent rule) or, for the patient's own record, by the patient;
//! it keeps the record's category, and nothing is overwritten: the chain answers for every
//! version up to `MaxVersionsPerRecord`. The content hash is the custodian's to define; the
//! pallet never reads it. It must be keyed (`docs/privacy.md`): a bare hash of a short
//! document could be confirmed by whoever guesses the document.
//!
//! ## Erasure by crypto-shredding
//!
//! GDPR art. 17 gives a patient the right to have its data erased; a chain cannot forget, so
//! the data never comes here and erasure happens where it is: the custodian destroys the
//! record's data key, and with it every copy of the ciphertext, backups included.
//! - The patient, or a guardian (the consent pallet's, through [`PatientAgents`]), asks with
//!   [`request_erasure`](Pallet::request_erasure) for one record or for all of the patient's
//!   records ([`ErasureTarget`]); the event tells the custodians.
//! - The custodian confirms each record with [`confirm_erasure`](Pallet::confirm_erasure): every
//!   version's content hash leaves state, and a [`Tombstone`] keeps when erasure was asked and
//!   when it was confirmed. From then on the record verifies as `Erased` and takes no new
//!   version. A custodian cannot erase a record nobody asked to erase.
//! - A request not confirmed within `ErasurePeriod` (a month on this chain: GDPR's "without
//!   undue delay") is listed by [`RecordsApi::overdue_erasures`](runtime_api::RecordsApi) for
//!   the council. While a patient's request is pending, the record (or, for `All`, the
//!   patient) takes no new anchor.
//!
//! ## Deposits and bounds
//!
//! What a record holds in state is paid for by its custodian: `RecordDeposit` for the record
//! (kept for its tombstone after erasure) and `VersionDeposit` for each version (released at
//! erasure), held on the custodian's account (the organisation's, not the practitioner's). A
//! record has at most `MaxVersionsPerRecord` versions and a patient at most
//! `MaxRecordsPerPatient` records, tombstones included.
//!
//! ## What a reader of the chain learns
//!
//! That a patient account has a record at a custodian, of which standard category (a sensitive
//! one only as "sensitive"), how many versions and when, and whether it was erased: never its
//! content. `docs/privacy.md` has the whole picture.
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

pub use ehr_primitives::consent::Category;
use ehr_primitives::{
	consent::{ConsentInspect, ConsentReach, PatientAgents, Purpose},
	providers::ProviderInspect,
	Moment,
};
pub use weights::WeightInfo;

extern crate alloc;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::Precision,
		Time,
	},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::{traits::StaticLookup, Saturating};

/// A record, as the chain refers to it: an opaque 32-byte value (`docs/privacy.md`).
pub type RecordId = H256;
/// A keyed hash of one version of a record's content, made by its custodian.
pub type ContentHash = H256;
/// A version of a record: 1 for its first anchor.
pub type VersionNumber = u32;

/// Balance of the currency that deposits are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;

/// One version of a record, as anchored.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct Anchor<AccountId> {
	/// The custodian's keyed hash of this version's content.
	pub content_hash: ContentHash,
	/// When it was anchored (unix milliseconds).
	pub anchored_at: Moment,
	/// Who anchored it: a practitioner of the custodian, or the patient.
	pub anchored_by: AccountId,
}

/// What remains of an erased record.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct Tombstone {
	/// How many versions the record had.
	pub versions: VersionNumber,
	/// When its erasure was asked (unix milliseconds).
	pub requested_at: Moment,
	/// When its custodian confirmed the erasure (unix milliseconds).
	pub erased_at: Moment,
}

/// A record's versions while it lives, or its tombstone.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T), capture_docs = "always")]
#[codec(mel_bound())]
pub enum RecordState<T: Config> {
	/// Its versions, oldest first: version `n` is the `n`th.
	Live(BoundedVec<Anchor<T::AccountId>, T::MaxVersionsPerRecord>),
	/// Erased: its content hashes are gone.
	Erased(Tombstone),
}

/// A record of a patient, as the chain keeps it.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T), capture_docs = "always")]
#[codec(mel_bound())]
pub struct Record<T: Config> {
	/// The organisation holding the record (or the patient, for a record it keeps itself); the
	/// deposits are held on its account.
	pub custodian: T::AccountId,
	/// Its category, fixed at its first anchor: in clear if standard, blinded if sensitive.
	pub category: Category,
	/// Held for the record itself, kept for its tombstone.
	pub record_deposit: BalanceOf<T>,
	/// Held for its versions, released at erasure.
	pub versions_deposit: BalanceOf<T>,
	/// Its versions, or its tombstone.
	pub state: RecordState<T>,
}

/// How many records a patient has, and how many of them are not erased.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct RecordCount {
	/// Every record, tombstones included: what `MaxRecordsPerPatient` bounds.
	pub total: u32,
	/// Those not erased.
	pub live: u32,
}

/// What a patient asks to erase.
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
pub enum ErasureTarget {
	/// One record.
	Record(RecordId),
	/// Every record of the patient not yet erased, at every custodian.
	All,
}

/// What the chain says of a copy of a record.
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
pub enum RecordVerdict {
	/// The copy is the record's current version.
	Current {
		/// Which version the copy is.
		version: VersionNumber,
	},
	/// The copy is an earlier version; the record is now at `current_version`.
	Outdated {
		/// The record's current version.
		current_version: VersionNumber,
	},
	/// The chain knows no such record of the patient, or no version with this content: the
	/// copy was altered, or never anchored.
	Unknown,
	/// The record was erased: no copy of it should exist.
	Erased,
}

/// A record as the runtime API shows it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct RecordInfo<AccountId> {
	/// The record's opaque id.
	pub record_id: RecordId,
	/// The organisation holding the record, or the patient for a record it keeps itself.
	pub custodian: AccountId,
	/// Its category: in clear if standard, blinded if sensitive.
	pub category: Category,
	/// Its versions, oldest first; empty once erased.
	pub versions: Vec<Anchor<AccountId>>,
	/// Its tombstone, once erased.
	pub erased: Option<Tombstone>,
	/// When its erasure was asked, if a request (for it, or for all the patient's records) waits.
	pub erasure_requested: Option<Moment>,
}

/// An erasure request its custodians have not confirmed within `ErasurePeriod`.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct OverdueErasure<AccountId> {
	/// The patient who asked for the erasure (or on whose behalf a guardian asked).
	pub patient: AccountId,
	/// One record, or all of the patient's records.
	pub target: ErasureTarget,
	/// When the erasure was asked (unix milliseconds).
	pub requested_at: Moment,
	/// When it was due: `requested_at + ErasurePeriod`.
	pub due: Moment,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency deposits are held in.
		type Currency: Inspect<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The chain's clock, in unix milliseconds.
		type Time: Time<Moment = Moment>;

		/// The provider registry: who is an active practitioner, of which organisation.
		type Providers: ProviderInspect<Self::AccountId>;

		/// Patients' consents: whether one covers a category for treatment.
		type Consents: ConsentInspect<Self::AccountId>;

		/// Who may act for a patient: the patient or its guardians.
		type Agents: PatientAgents<Self::AccountId>;

		/// Held on the custodian for each record, tombstone included.
		#[pallet::constant]
		type RecordDeposit: Get<BalanceOf<Self>>;

		/// Held on the custodian for each version of a record, until erasure.
		#[pallet::constant]
		type VersionDeposit: Get<BalanceOf<Self>>;

		/// The most versions a record has.
		#[pallet::constant]
		type MaxVersionsPerRecord: Get<u32>;

		/// The most records a patient has, tombstones included.
		#[pallet::constant]
		type MaxRecordsPerPatient: Get<u32>;

		/// How long custodians have to confirm an erasure (milliseconds) before the request is
		/// listed as overdue.
		#[pallet::constant]
		type ErasurePeriod: Get<Moment>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets up practitioners, consents and guardians for this pallet's benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Why this pallet holds funds.
	/// Why this pallet holds an account's funds.
	#[pallet::composite_enum]
	#[derive(
		Copy,
		Clone,
		Eq,
		PartialEq,
		Encode,
		Decode,
		DecodeWithMemTracking,
		MaxEncodedLen,
		TypeInfo,
		Debug,
	)]
	#[scale_info(capture_docs = "always")]
	pub enum HoldReason {
		/// Deposit for a record and its versions.
		RecordDeposit,
	}

	/// Patients' records, by patient and record.
	#[pallet::storage]
	pub type Records<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		RecordId,
		Record<T>,
		OptionQuery,
	>;

	/// How many records each patient has.
	#[pallet::storage]
	pub type RecordCounts<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, RecordCount, ValueQuery>;

	/// Erasure requests waiting for their custodians, with when each was made.
	#[pallet::storage]
	pub type ErasureRequests<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		ErasureTarget,
		Moment,
		OptionQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `by` anchored `version` of a record of `patient` held by `custodian`.
		RecordAnchored {
			patient: T::AccountId,
			record_id: RecordId,
			version: VersionNumber,
			content_hash: ContentHash,
			custodian: T::AccountId,
			by: T::AccountId,
		},
		/// The patient (or a guardian: `by`) asked its custodians to erase `target`, by `due`.
		ErasureRequested {
			patient: T::AccountId,
			target: ErasureTarget,
			by: T::AccountId,
			due: Moment,
		},
		/// The custodian confirmed the erasure of a record: its content hashes are gone.
		RecordErased {
			patient: T::AccountId,
			record_id: RecordId,
			custodian: T::AccountId,
			requested_at: Moment,
			erased_at: Moment,
		},
		/// Every record of the patient is erased: its request for all of them is fulfilled.
		ErasureCompleted { patient: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The signer is neither the patient nor an active practitioner.
		NotAPractitioner,
		/// No consent of the patient covers this category for treatment by the practitioner or
		/// its organisation (for a restricted record: by the practitioner by name).
		NotCoveredByConsent,
		/// The record is held by another custodian: only its practitioners (or, for a record
		/// the patient keeps, the patient) version it, and only the custodian confirms its
		/// erasure.
		NotCustodian,
		/// A new version must keep the record's category.
		CategoryMismatch,
		/// The content is that of the current version already.
		UnchangedContent,
		/// The record has `MaxVersionsPerRecord` versions.
		TooManyVersions,
		/// The patient has `MaxRecordsPerPatient` records.
		TooManyRecords,
		/// The record is erased: it takes no version, and has nothing left to erase.
		RecordErased,
		/// The patient asked to erase this record (or all its records): it takes no new anchor
		/// until the erasure is done.
		ErasurePending,
		/// The patient has no such record.
		UnknownRecord,
		/// This erasure was asked already.
		ErasureAlreadyRequested,
		/// The patient has no record left to erase.
		NothingToErase,
		/// Nobody asked to erase this record.
		NoErasureRequested,
		/// The signer is not the patient nor a guardian of it whose guardianship runs.
		NotPatientOrGuardian,
		/// The custodian's free balance does not cover the deposit.
		InsufficientDeposit,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Anchor `content_hash` as the next version of `patient`'s record `record_id` of
		/// `category` (its first version if the chain does not know it). By an active
		/// practitioner whose organisation holds, or will hold, the record, under a consent of
		/// the patient for treatment; or by the patient, for a record it keeps itself.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::anchor_record().max(T::WeightInfo::anchor_version()))]
		pub fn anchor_record(
			origin: OriginFor<T>,
			patient: AccountIdLookupOf<T>,
			record_id: RecordId,
			category: Category,
			content_hash: ContentHash,
		) -> DispatchResult {
			let signer = ensure_signed(origin)?;
			let patient = T::Lookup::lookup(patient)?;
			let now = T::Time::now();
			let custodian = Self::custodian_for(&signer, &patient, category, now)?;
			ensure!(
				!ErasureRequests::<T>::contains_key(&patient, ErasureTarget::All)
					&& !ErasureRequests::<T>::contains_key(
						&patient,
						ErasureTarget::Record(record_id)
					),
				Error::<T>::ErasurePending
			);
			let anchor = Anchor { content_hash, anchored_at: now, anchored_by: signer.clone() };
			let version = match Records::<T>::get(&patient, record_id) {
				Some(record) => {
					Self::add_version(&patient, record_id, record, &custodian, category, anchor)?
				},
				None => Self::add_record(&patient, record_id, &custodian, category, anchor)?,
			};
			Self::deposit_event(Event::RecordAnchored {
				patient,
				record_id,
				version,
				content_hash,
				custodian,
				by: signer,
			});
			Ok(())
		}

		/// Ask the custodians of `for_patient` (`None`: the signer) to erase `target`: one
		/// record, or every record not yet erased. By the patient or a guardian of it.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::request_erasure())]
		pub fn request_erasure(
			origin: OriginFor<T>,
			for_patient: Option<AccountIdLookupOf<T>>,
			target: ErasureTarget,
		) -> DispatchResult {
			let signer = ensure_signed(origin)?;
			let patient = match for_patient {
				Some(patient) => T::Lookup::lookup(patient)?,
				None => signer.clone(),
			};
			let now = T::Time::now();
			ensure!(T::Agents::acts_for(&signer, &patient, now), Error::<T>::NotPatientOrGuardian);
			ensure!(
				!ErasureRequests::<T>::contains_key(&patient, target)
					&& !ErasureRequests::<T>::contains_key(&patient, ErasureTarget::All),
				Error::<T>::ErasureAlreadyRequested
			);
			match target {
				ErasureTarget::Record(record_id) => {
					let record =
						Records::<T>::get(&patient, record_id).ok_or(Error::<T>::UnknownRecord)?;
					ensure!(matches!(record.state, RecordState::Live(_)), Error::<T>::RecordErased);
				},
				ErasureTarget::All => {
					ensure!(RecordCounts::<T>::get(&patient).live > 0, Error::<T>::NothingToErase)
				},
			}
			ErasureRequests::<T>::insert(&patient, target, now);
			let due = now.saturating_add(T::ErasurePeriod::get());
			Self::deposit_event(Event::ErasureRequested { patient, target, by: signer, due });
			Ok(())
		}

		/// Confirm, as the custodian of `patient`'s record `record_id` (the signer), that its
		/// data is destroyed: every version's content hash leaves state, a tombstone stays, and
		/// the versions' deposits are released. Only for a record whose erasure was asked.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::confirm_erasure())]
		pub fn confirm_erasure(
			origin: OriginFor<T>,
			patient: AccountIdLookupOf<T>,
			record_id: RecordId,
		) -> DispatchResult {
			let signer = ensure_signed(origin)?;
			let patient = T::Lookup::lookup(patient)?;
			let mut record =
				Records::<T>::get(&patient, record_id).ok_or(Error::<T>::UnknownRecord)?;
			ensure!(record.custodian == signer, Error::<T>::NotCustodian);
			let RecordState::Live(versions) = &record.state else {
				return Err(Error::<T>::RecordErased.into());
			};
			let requested_at = Self::erasure_requested(&patient, record_id)
				.ok_or(Error::<T>::NoErasureRequested)?;
			let erased_at = T::Time::now();
			let tombstone =
				Tombstone { versions: versions.len() as VersionNumber, requested_at, erased_at };

			// Best effort: what the custodian no longer holds cannot block an erasure.
			T::Currency::release(
				&HoldReason::RecordDeposit.into(),
				&record.custodian,
				record.versions_deposit,
				Precision::BestEffort,
			)?;
			record.versions_deposit = Default::default();
			record.state = RecordState::Erased(tombstone);
			Records::<T>::insert(&patient, record_id, record);
			ErasureRequests::<T>::remove(&patient, ErasureTarget::Record(record_id));
			let count = RecordCounts::<T>::mutate(&patient, |count| {
				count.live = count.live.saturating_sub(1);
				*count
			});
			Self::deposit_event(Event::RecordErased {
				patient: patient.clone(),
				record_id,
				custodian: signer,
				requested_at,
				erased_at,
			});
			if count.live == 0 && ErasureRequests::<T>::take(&patient, ErasureTarget::All).is_some()
			{
				Self::deposit_event(Event::ErasureCompleted { patient });
			}
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxVersionsPerRecord::get() > 0, "MaxVersionsPerRecord must be positive");
			assert!(T::MaxRecordsPerPatient::get() > 0, "MaxRecordsPerPatient must be positive");
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The custodian of a record `signer` anchors for `patient`: the patient itself, or the
	/// organisation of the active practitioner `signer` when a consent of the patient covers
	/// `category` for treatment (only one naming it if the record is restricted).
	fn custodian_for(
		signer: &T::AccountId,
		patient: &T::AccountId,
		category: Category,
		now: Moment,
	) -> Result<T::AccountId, Error<T>> {
		if signer == patient {
			return Ok(patient.clone());
		}
		let member = T::Providers::active_practitioner(signer, now)
			.map_err(|_| Error::<T>::NotAPractitioner)?;
		let reach = if T::Consents::is_restricted(patient) {
			ConsentReach::PractitionerOnly
		} else {
			ConsentReach::PractitionerOrOrganisation
		};
		let organisation = member.organisation;
		T::Consents::check(
			patient,
			signer,
			&organisation,
			category,
			Purpose::Treatment,
			now,
			reach,
		)
		.map_err(|_| Error::<T>::NotCoveredByConsent)?;
		Ok(organisation)
	}

	/// Store a patient's new record with its first version; hold its deposits.
	fn add_record(
		patient: &T::AccountId,
		record_id: RecordId,
		custodian: &T::AccountId,
		category: Category,
		anchor: Anchor<T::AccountId>,
	) -> Result<VersionNumber, DispatchError> {
		let mut count = RecordCounts::<T>::get(patient);
		ensure!(count.total < T::MaxRecordsPerPatient::get(), Error::<T>::TooManyRecords);
		let (record_deposit, version_deposit) = (T::RecordDeposit::get(), T::VersionDeposit::get());
		Self::hold(custodian, record_deposit.saturating_add(version_deposit))?;
		let versions =
			BoundedVec::try_from(alloc::vec![anchor]).map_err(|_| Error::<T>::TooManyVersions)?;
		let record = Record::<T> {
			custodian: custodian.clone(),
			category,
			record_deposit,
			versions_deposit: version_deposit,
			state: RecordState::Live(versions),
		};
		count.total = count.total.saturating_add(1);
		count.live = count.live.saturating_add(1);
		RecordCounts::<T>::insert(patient, count);
		Records::<T>::insert(patient, record_id, record);
		Ok(1)
	}

	/// Add `anchor` as the next version of `record`, anchored by a practitioner of `custodian`
	/// (or the patient, as `custodian`); hold its deposit.
	fn add_version(
		patient: &T::AccountId,
		record_id: RecordId,
		mut record: Record<T>,
		custodian: &T::AccountId,
		category: Category,
		anchor: Anchor<T::AccountId>,
	) -> Result<VersionNumber, DispatchError> {
		ensure!(record.custodian == *custodian, Error::<T>::NotCustodian);
		ensure!(record.category == category, Error::<T>::CategoryMismatch);
		let RecordState::Live(versions) = &mut record.state else {
			return Err(Error::<T>::RecordErased.into());
		};
		ensure!(
			versions.last().is_none_or(|current| current.content_hash != anchor.content_hash),
			Error::<T>::UnchangedContent
		);
		versions.try_push(anchor).map_err(|_| Error::<T>::TooManyVersions)?;
		let version = versions.len() as VersionNumber;
		let deposit = T::VersionDeposit::get();
		Self::hold(custodian, deposit)?;
		record.versions_deposit = record.versions_deposit.saturating_add(deposit);
		Records::<T>::insert(patient, record_id, record);
		Ok(version)
	}

	fn hold(custodian: &T::AccountId, deposit: BalanceOf<T>) -> DispatchResult {
		T::Currency::hold(&HoldReason::RecordDeposit.into(), custodian, deposit)
			.map_err(|_| Error::<T>::InsufficientDeposit.into())
	}

	/// When the erasure of `patient`'s `record_id` was first asked, for it or for all the
	/// patient's records; `None` if it was not.
	fn erasure_requested(patient: &T::AccountId, record_id: RecordId) -> Option<Moment> {
		let one = ErasureRequests::<T>::get(patient, ErasureTarget::Record(record_id));
		let all = ErasureRequests::<T>::get(patient, ErasureTarget::All);
		one.into_iter().chain(all).min()
	}

	/// What the chain says of a copy of `patient`'s record `record_id` whose content hashes to
	/// `content_hash`.
	pub fn verify_record(
		patient: &T::AccountId,
		record_id: RecordId,
		content_hash: ContentHash,
	) -> RecordVerdict {
		let Some(record) = Records::<T>::get(patient, record_id) else {
			return RecordVerdict::Unknown;
		};
		let RecordState::Live(versions) = record.state else { return RecordVerdict::Erased };
		let current = versions.len() as VersionNumber;
		match versions.iter().rposition(|anchor| anchor.content_hash == content_hash) {
			Some(index) if index.saturating_add(1) == versions.len() => {
				RecordVerdict::Current { version: current }
			},
			Some(_) => RecordVerdict::Outdated { current_version: current },
			None => RecordVerdict::Unknown,
		}
	}

	/// `patient`'s record `record_id`, as the runtime API shows it.
	pub fn record_info(
		patient: &T::AccountId,
		record_id: RecordId,
	) -> Option<RecordInfo<T::AccountId>> {
		Records::<T>::get(patient, record_id).map(|record| Self::info(patient, record_id, record))
	}

	/// At most `limit` (at most [`MAX_PAGE`]) records of `patient` after `start_after` (the
	/// last of the previous page; `None`: from the start), in storage order.
	pub fn records_of(
		patient: &T::AccountId,
		start_after: Option<RecordId>,
		limit: u32,
	) -> Vec<RecordInfo<T::AccountId>> {
		let page = limit.min(MAX_PAGE) as usize;
		let records = match start_after {
			Some(last) => {
				Records::<T>::iter_prefix_from(patient, Records::<T>::hashed_key_for(patient, last))
			},
			None => Records::<T>::iter_prefix(patient),
		};
		records.take(page).map(|(id, record)| Self::info(patient, id, record)).collect()
	}

	/// At most `limit` (at most [`MAX_PAGE`]) erasure requests overdue at this block, after
	/// `start_after` (the last of the previous page), in storage order of all the requests.
	pub fn overdue_erasures(
		start_after: Option<(T::AccountId, ErasureTarget)>,
		limit: u32,
	) -> Vec<OverdueErasure<T::AccountId>> {
		let now = T::Time::now();
		let period = T::ErasurePeriod::get();
		let requests = match start_after {
			Some((patient, target)) => ErasureRequests::<T>::iter_from(
				ErasureRequests::<T>::hashed_key_for(patient, target),
			),
			None => ErasureRequests::<T>::iter(),
		};
		requests
			.filter_map(|(patient, target, requested_at)| {
				let due = requested_at.saturating_add(period);
				(due <= now).then_some(OverdueErasure { patient, target, requested_at, due })
			})
			.take(limit.min(MAX_PAGE) as usize)
			.collect()
	}

	fn info(
		patient: &T::AccountId,
		record_id: RecordId,
		record: Record<T>,
	) -> RecordInfo<T::AccountId> {
		let (versions, erased) = match record.state {
			RecordState::Live(versions) => (versions.into_inner(), None),
			RecordState::Erased(tombstone) => (Vec::new(), Some(tombstone)),
		};
		let erasure_requested =
			if erased.is_none() { Self::erasure_requested(patient, record_id) } else { None };
		RecordInfo {
			record_id,
			custodian: record.custodian,
			category: record.category,
			versions,
			erased,
			erasure_requested,
		}
	}
}

/// The most records or erasure requests one runtime API call returns.
pub const MAX_PAGE: u32 = 256;

/// Sets up what this pallet's benchmarks need from the other pallets.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// An active practitioner, its active organisation (funded for deposits), and a patient
	/// whose consents make the practitioner's anchor of `category` cost the most to check.
	fn practitioner_with_consent(category: Category) -> (AccountId, AccountId, AccountId);

	/// A guardian of `patient`, found last among the most guardians a patient has.
	fn guardian(patient: &AccountId) -> AccountId;
}
