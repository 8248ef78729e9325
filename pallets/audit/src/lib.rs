//! # Audit: the access decision point that logs every decision, granted or denied
//!
//! Before an integrator (an EHR system, a FHIR server) releases any part of a patient's record to
//! a practitioner, the practitioner signs `request_access(patient, category, purpose, record?)`.
//! The category is a standard one by name or a sensitive one by its commitment under the salt the
//! patient shares with the practitioner's organisation (`Category`; the consent pallet explains
//! the blinding); `record` is an opaque 32-byte reference the integrator makes
//! (`docs/privacy.md`, "Record references").
//! This pallet asks the provider registry ([`ProviderInspect`]) whether the practitioner may act
//! now, then the patient's consents ([`ConsentInspect`]) whether one given to the practitioner or
//! to its organisation covers the category and purpose now, and decides `Granted` or
//! `Denied { reason }`. **A denial is a successful extrinsic**: it is stored and emitted like a
//! grant, because attempted access is what an audit must keep; only a malformed call (bad origin)
//! fails. The integrator reads the decision from the [`Event::AccessDecided`] event.
//!
//! ## Only the registry writes the log
//!
//! The log is the registry's: a request signed by an account that is not a registered
//! practitioner is refused in the transaction pool by [`CheckRegisteredPractitioner`] (a
//! transaction extension; `InvalidTransaction::Custom(100)`, [`NOT_A_PRACTITIONER`]), and by the
//! call itself with [`Error::NotAPractitioner`]: it never writes a practitioner's window, a
//! patient's log or the touched set, so an outsider can neither flush a patient's history nor
//! make a patient look out of care to the anomaly model. A registered practitioner that may not
//! act (pending, suspended, revoked, expired, of an inactive organisation) is denied *and
//! logged*: that attempted access is what the audit exists for.
//!
//! ## Break-glass
//!
//! `emergency_access(patient, category, reason)` lets an active practitioner reach a record
//! without consent, unless the patient has opted out of break-glass. It opens an emergency grant
//! for that practitioner, patient and **category** for `EmergencyGrantDuration`, during which its
//! requests for that category (no other: a sensitive category opens only when it is the one
//! named), for treatment or emergency purposes, are granted (flagged `emergency`) whatever the
//! consents say; it emits [`Event::EmergencyAccessOpened`] for the patient's wallet and puts the
//! access in a review queue. A patient who opts out of break-glass ends every grant open on its
//! record at once (each is checked against the policy when used). The practitioner's
//! organisation or `ReviewOrigin` (the council) reviews it; a break-glass on a restricted record
//! (below) only `ReviewOrigin` (`ReviewedByCouncil`); an unjustified verdict is counted
//! against the practitioner ([`UnjustifiedEmergencies`], for the security officers; the anomaly
//! model does not read it) and closes the grant. An organisation judges its own staff, so its
//! verdict is kept for `VerdictOverridePeriod` ([`OrganisationVerdicts`]), in which
//! `ReviewOrigin` may override it once (`override_verdict`): an unjustified break-glass whitewashed
//! as justified is then counted and its grant closed, or a count taken back; after the period
//! anyone may clear the record (`forget_verdict`). A practitioner with `MaxOpenEmergencies`
//! accesses waiting for review is denied the next break-glass (`EmergencyLimitReached`, logged)
//! until they are reviewed: the review queue does not grow without its reviewers.
//!
//! ## Referrals
//!
//! A practitioner caring for a patient asks a colleague to see it: a consult. `refer(patient,
//! consultant, until)` records it: the signer must be an active practitioner that was granted
//! access to the patient within `CareLookback` (found among its last `WindowLength`
//! decisions), the consultant an active practitioner of any organisation, and the referral
//! ends within `MaxReferralDuration`. A referral opens nothing (the patient's consents still
//! decide every request): it is the care relation that tells a consultant on another ward's
//! patient from a clinician snooping on one, which the practitioner's own window cannot: the
//! anomaly model's features count the consultant's reads under it as care. An unreferred consult
//! reads like a snoop, so integrators should record every consult (`docs/sentinel.md`). The
//! referrer, the consultant or the patient ends it at any time with `end_referral`, which keeps
//! it, ended then (`until = now`): reads made under it stay care to the sentinel, as the
//! training pipeline reads them. Anyone may remove it, to clear the state, once it has run out
//! `CareLookback` ago.
//!
//! ## Restricted records
//!
//! A record its patient or custodian restricted (the consent pallet's `Restrictions`) opens only
//! to a consent naming the practitioner, to a practitioner holding a running referral of the
//! patient (then its organisation's consents count again), or to break-glass. A request under the
//! organisation's consent alone is denied `RecordRestricted` and logged; every decision notes
//! whether the record was restricted.
//!
//! ## What the chain keeps, and for how long
//!
//! Every decision is an [`AccessDecision`]: sequence number, time, block, practitioner,
//! organisation, role, patient, category (sensitive ones blinded), purpose, emergency and
//! restricted flags, outcome; no clinical content, but the metadata of care, every field of it
//! readable by every member node (`docs/privacy.md`).
//! - The [`Event::AccessDecided`] event of every decision (with the record reference, if given)
//!   stays in its block for good: any archive node (`--state-pruning archive`, or any node for
//!   blocks it has not pruned) proves every decision ever made, and so does the block body with
//!   the extrinsic.
//! - In state, each practitioner's last `WindowLength` decisions (the sentinel's input) and each
//!   patient's last `PatientLogLength` decisions (what the patient app shows; the runtime API
//!   `accesses_of`). Both are rings: a decision overwrites the oldest slot and a cursor, so
//!   logging writes a fixed number of bytes whatever the length. Older decisions leave state but
//!   not the chain's history. With each practitioner's cursor, its working hours: the hours of
//!   the day it made requests in on each of its last 14 days (`WorkingHours`, 60 bytes), which
//!   its window is too short to tell and the anomaly features compare its last hour with; and
//!   its latest decisions ([`LatestDecisions`]: the newest, and the newest before that one's
//!   block), which a sentinel's report must name.
//! - The practitioners that made a request in the current block ([`Touched`]), cleared at the
//!   start of the next block: the sentinel's offchain worker scores only those.
//! - Emergency accesses until they are reviewed; the count of unjustified ones per practitioner.
//!
//! ## Cost
//!
//! `request_access` is the chain's hottest call. Its declared weight is its benchmarked worst
//! case: 13 reads and 7 writes (two rings of a slot and a cursor each, the touched set, and the
//! consent pallet clearing a lapsed consent; an emergency grant found and the patient's
//! break-glass policy read; the record restricted, and the practitioner's referral read). It is
//! charged for the storage it did touch: the common case, a grant by a consent without an access
//! limit from a practitioner already seen in the block on a record not restricted, pays 5 reads
//! and 3 writes less (`docs/performance.md`, Weights).
//!
//! ## Sequence numbers
//!
//! `seq = block << 32 | index of the decision's event in the block`: unique, increasing in chain
//! order, and free to compute (no counter to write). It is not contiguous.
//!
//! ## HL7 FHIR R4 `AuditEvent`
//!
//! The fields of a decision map one to one onto an `AuditEvent`, so that an exporter needs no
//! other source:
//!
//! | `AuditEvent` | from the decision |
//! |---|---|
//! | `type` | DICOM `110110` "Patient Record"; `subtype` `read` (restful-interaction), or `emergency-access` when `emergency` |
//! | `action` | `R` (read) |
//! | `recorded` | `at` (unix milliseconds -> instant) |
//! | `outcome` | `0` for `Granted` / `EmergencyGranted`, `4` (minor failure) for `Denied`, with `outcomeDesc` = the `DenyReason` |
//! | `agent[0]` | `who` = `practitioner`, `role` = its `PractitionerRole`, `requestor` = true; `agent[1]` = `organisation` |
//! | `entity[0]` | `what` = `patient`; `entity[1]` (when given) the record reference; `securityLabel` from `category` (the consent pallet's table) |
//! | `purposeOfEvent` | `purpose` (HL7 v3 PurposeOfUse: `TREAT`, `HPAYMT`, `HOPERAT`, `HRESCH`, `PUBHLTH`, `ETREAT`) |
//! | `source.observer` | the chain; `source.site` = `block`; `AuditEvent.id` = `seq` |
//!
//! The consent used (`Granted { consent, scope }`) or the emergency access goes in
//! `entity[2]` (a `Consent` reference) with the scope as its role.
#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod extension;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

pub use ehr_primitives::audit::{
	block_of, AccessDecision, AccessOutcome, AccessSeq, DenyReason, EmergencyAccessId,
	EmergencyReason, LatestDecisions,
};
use ehr_primitives::{
	consent::{BreakGlassPolicy, Category, ConsentInspect, ConsentReach, ConsentWrites, Purpose},
	features::{local, WorkingHours},
	providers::{ActivePractitioner, ProviderInspect, UtcOffset},
	BlockNumber, Moment,
};
pub use extension::{CheckRegisteredPractitioner, NOT_A_PRACTITIONER};
pub use weights::WeightInfo;

extern crate alloc;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, traits::Time};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::traits::{StaticLookup, UniqueSaturatedInto};

type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;

/// The reviewer's finding on an emergency access.
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
pub enum Verdict {
	/// The emergency was real.
	Justified,
	/// It was not: counted against the practitioner, and the grant is closed.
	Unjustified,
}

/// Who reviewed an emergency access.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum Reviewer<AccountId> {
	/// `ReviewOrigin` (the council).
	ReviewOrigin,
	/// The practitioner's organisation.
	Organisation(AccountId),
}

/// An emergency access waiting for its review.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct EmergencyAccess<AccountId> {
	/// The practitioner who broke the glass.
	pub practitioner: AccountId,
	/// The practitioner's organisation, which may review the access unless the record was
	/// restricted.
	pub organisation: AccountId,
	/// The patient whose record it opened.
	pub patient: AccountId,
	/// The category asked for when the glass was broken.
	pub category: Category,
	/// Whether the patient's record was restricted then: `ReviewOrigin` alone reviews it.
	pub restricted: bool,
	/// The emergency the practitioner declared.
	pub reason: EmergencyReason,
	/// When it was opened (unix milliseconds).
	pub opened_at: Moment,
	/// When its grant ends (unix milliseconds), exclusive.
	pub until: Moment,
}

/// An emergency access its practitioner's organisation reviewed: open to `ReviewOrigin`'s
/// override until `reviewed_at + VerdictOverridePeriod`.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct ReviewedEmergency<AccountId> {
	/// The emergency access reviewed.
	pub access: EmergencyAccess<AccountId>,
	/// The organisation's verdict.
	pub verdict: Verdict,
	/// When the organisation gave its verdict (unix milliseconds).
	pub reviewed_at: Moment,
}

/// An open emergency grant of a practitioner to a patient's record.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct EmergencyGrant {
	/// The emergency access that opened it.
	pub access: EmergencyAccessId,
	/// When it ends (unix milliseconds), exclusive.
	pub until: Moment,
}

/// A patient referred to a consultant.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct Referral<AccountId> {
	/// The practitioner caring for the patient who referred it.
	pub by: AccountId,
	/// When it was made (unix milliseconds).
	pub from: Moment,
	/// When it ends (unix milliseconds), exclusive; when it was ended, if ended early.
	pub until: Moment,
}

/// A signer of a request as the registry sees it: its organisation and role, and why it may not
/// act now if it may not.
type Standing<AccountId> = (ActivePractitioner<AccountId>, Option<DenyReason>);

/// Where a practitioner's ring of recent decisions stands, and the hours it has worked.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct WindowCursor {
	/// Decisions logged so far; the next goes to slot `logged % WindowLength`.
	pub logged: u64,
	/// Its newest decision, and the newest before that one's block: the windows a sentinel may
	/// report (a report names one of them).
	pub latest: LatestDecisions,
	/// The hours of the day it made requests in, over its last days: what its window is too
	/// short to tell (the anomaly features' unusual hours). Kept here, read and written with the
	/// cursor on every request anyway, it costs no storage access of its own.
	pub hours: WorkingHours,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// 1: `WindowCursor` keeps the practitioner's latest decisions instead of its last block.
	/// 2: sensitive categories are blinded; decisions and emergency accesses note restriction.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The provider registry.
		type Providers: ProviderInspect<Self::AccountId>;

		/// Patients' consents.
		type Consents: ConsentInspect<Self::AccountId>;

		/// The chain's clock, in unix milliseconds.
		type Time: Time<Moment = Moment>;

		/// Who reviews emergency accesses besides the practitioner's organisation (the council).
		type ReviewOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// How long an emergency grant lasts (milliseconds).
		#[pallet::constant]
		type EmergencyGrantDuration: Get<Moment>;

		/// How long after an organisation's verdict on an emergency access `ReviewOrigin` may
		/// override it (milliseconds).
		#[pallet::constant]
		type VerdictOverridePeriod: Get<Moment>;

		/// The most emergency accesses of one practitioner waiting for review: a further
		/// break-glass is denied (and logged) until they are reviewed.
		#[pallet::constant]
		type MaxOpenEmergencies: Get<u32>;

		/// The longest a referral lasts (milliseconds).
		#[pallet::constant]
		type MaxReferralDuration: Get<Moment>;

		/// How long an access or a referral counts as care (milliseconds): a referrer must have
		/// been granted access to the patient within it, and a referral that has run out stays
		/// that long (a window of the consultant's may still hold reads made under it).
		#[pallet::constant]
		type CareLookback: Get<Moment>;

		/// How many recent decisions are kept per practitioner (the sentinel's window).
		#[pallet::constant]
		type WindowLength: Get<u32>;

		/// How many recent decisions are kept per patient.
		#[pallet::constant]
		type PatientLogLength: Get<u32>;

		/// The most practitioners that can make requests in one block. The block's weight limit
		/// must make it unreachable (checked by the pallet's integrity test).
		#[pallet::constant]
		type MaxTouchedPerBlock: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets up the other pallets for this pallet's benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Each practitioner's last `WindowLength` decisions, by slot.
	#[pallet::storage]
	pub type PractitionerWindow<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		u32,
		AccessDecision<T::AccountId>,
	>;

	/// Where each practitioner's window stands.
	#[pallet::storage]
	pub type PractitionerCursors<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, WindowCursor, ValueQuery>;

	/// Each patient's last `PatientLogLength` decisions, by slot.
	#[pallet::storage]
	pub type PatientLog<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		u32,
		AccessDecision<T::AccountId>,
	>;

	/// Decisions logged so far per patient; the next goes to slot `logged % PatientLogLength`.
	#[pallet::storage]
	pub type PatientLogCursors<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u64, ValueQuery>;

	/// The practitioners that made a request in this block, each once. Cleared at the start of
	/// every block.
	#[pallet::storage]
	pub type Touched<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxTouchedPerBlock>, ValueQuery>;

	/// Open emergency grants, by practitioner, patient and the category broken into.
	#[pallet::storage]
	pub type EmergencyGrants<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Twox64Concat, Category>,
		),
		EmergencyGrant,
	>;

	/// Emergency accesses waiting for review.
	#[pallet::storage]
	pub type PendingReviews<T: Config> =
		StorageMap<_, Twox64Concat, EmergencyAccessId, EmergencyAccess<T::AccountId>>;

	/// How many of each practitioner's emergency accesses wait for review.
	#[pallet::storage]
	pub type OpenEmergencies<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// How many of each practitioner's emergency accesses were found unjustified.
	#[pallet::storage]
	pub type UnjustifiedEmergencies<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Emergency accesses reviewed by the practitioner's organisation, with its verdict and
	/// when it was given: `ReviewOrigin` may override them for `VerdictOverridePeriod`.
	#[pallet::storage]
	pub type OrganisationVerdicts<T: Config> =
		StorageMap<_, Twox64Concat, EmergencyAccessId, ReviewedEmergency<T::AccountId>>;

	/// Open referrals, by consultant and patient.
	#[pallet::storage]
	pub type Referrals<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		Referral<T::AccountId>,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An access was decided (granted or denied); `record` is the reference the request
		/// named, if any.
		AccessDecided { decision: AccessDecision<T::AccountId>, record: Option<H256> },
		/// A practitioner broke the glass on a patient's record: its requests are granted until
		/// `until`, and the access waits for review.
		EmergencyAccessOpened {
			access: EmergencyAccessId,
			practitioner: T::AccountId,
			patient: T::AccountId,
			category: Category,
			reason: EmergencyReason,
			until: Moment,
		},
		/// An emergency access was reviewed.
		EmergencyReviewed {
			access: EmergencyAccessId,
			practitioner: T::AccountId,
			verdict: Verdict,
			by: Reviewer<T::AccountId>,
		},
		/// `ReviewOrigin` overrode an organisation's verdict on an emergency access (or, with
		/// the same verdict, made it final).
		EmergencyVerdictOverridden {
			access: EmergencyAccessId,
			practitioner: T::AccountId,
			organisation_verdict: Verdict,
			verdict: Verdict,
		},
		/// An organisation's verdict past its override period was cleared from state.
		EmergencyVerdictForgotten { access: EmergencyAccessId },
		/// A practitioner caring for `patient` referred it to `consultant` until `until`.
		Referred {
			patient: T::AccountId,
			consultant: T::AccountId,
			by: T::AccountId,
			until: Moment,
		},
		/// The referral of `patient` to `consultant` was ended by `by`.
		ReferralEnded { patient: T::AccountId, consultant: T::AccountId, by: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The signer is not a registered practitioner: it has no access to ask for, and the
		/// audit log is the registry's (the pool refuses such a request before this, with
		/// `InvalidTransaction::Custom(NOT_A_PRACTITIONER)`).
		NotAPractitioner,
		/// No emergency access with this id waits for review.
		UnknownEmergencyAccess,
		/// Only the practitioner's organisation or `ReviewOrigin` reviews an emergency access.
		NotReviewer,
		/// No organisation's verdict on this emergency access is open to override (none was
		/// given, `ReviewOrigin` gave it, or it was overridden or forgotten already).
		UnknownVerdict,
		/// The organisation's verdict is older than `VerdictOverridePeriod`: it stands.
		OverridePeriodOver,
		/// The organisation's verdict may still be overridden: it is kept until
		/// `VerdictOverridePeriod` has passed.
		OverridePeriodOpen,
		/// The referrer may not act now (unknown, not approved, suspended, revoked, expired
		/// credential or inactive organisation).
		ReferrerMayNotAct,
		/// The consultant may not act now.
		ConsultantMayNotAct,
		/// A practitioner cannot refer a patient to itself.
		SelfReferral,
		/// A referral must end after now and within `MaxReferralDuration`.
		ReferralPeriod,
		/// The referrer was not granted access to the patient within `CareLookback` (among
		/// its last `WindowLength` decisions): only a practitioner caring for a patient refers
		/// it.
		NotInCare,
		/// No referral of this patient to this consultant.
		UnknownReferral,
		/// The referral has ended already; it is kept until it ran out `CareLookback` ago.
		ReferralEnded,
		/// Only the referrer, the consultant or the patient ends a referral before it has run
		/// out `CareLookback` ago.
		NotReferralParty,
		/// The emergency access broke into a restricted record: `ReviewOrigin` (the council)
		/// reviews it, not the practitioner's organisation.
		ReviewedByCouncil,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_: BlockNumberFor<T>) -> Weight {
			Touched::<T>::kill();
			T::DbWeight::get().writes(1)
		}

		fn integrity_test() {
			assert!(T::WindowLength::get() > 0, "WindowLength must be positive");
			assert!(T::PatientLogLength::get() > 0, "PatientLogLength must be positive");
			let cheapest =
				T::WeightInfo::request_access().min(T::WeightInfo::emergency_access()).ref_time();
			let most_requests = T::BlockWeights::get().max_block.ref_time() / cheapest.max(1);
			assert!(
				most_requests <= u64::from(T::MaxTouchedPerBlock::get()),
				"a block can hold {most_requests} requests: raise MaxTouchedPerBlock"
			);
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Ask to see `category` of `patient`'s record for `purpose`, optionally naming the
		/// record (its anchor hash). Decides, logs and emits the decision; a denial is not an
		/// error.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::request_access())]
		pub fn request_access(
			origin: OriginFor<T>,
			patient: AccountIdLookupOf<T>,
			category: Category,
			purpose: Purpose,
			record: Option<H256>,
		) -> DispatchResultWithPostInfo {
			let practitioner = ensure_signed(origin)?;
			let patient = T::Lookup::lookup(patient)?;
			let now = T::Time::now();
			let (member, denial) = Self::standing(&practitioner, now)?;
			let restricted = T::Consents::is_restricted(&patient);
			let (outcome, consent_writes) = match denial {
				None => {
					let reach = Self::reach(&practitioner, &patient, restricted, now);
					Self::decide(&practitioner, &member, &patient, category, purpose, now, reach)
				},
				Some(reason) => (AccessOutcome::Denied { reason }, None),
			};
			let granted_by_consent = matches!(outcome, AccessOutcome::Granted { .. });
			let emergency = matches!(outcome, AccessOutcome::EmergencyGranted { .. });
			// After the consent pallet's events, if any: the decision's own is next.
			let seq = Self::next_seq();
			let utc_offset = member.utc_offset;
			let decision = Self::decision(
				seq,
				now,
				practitioner,
				member,
				patient,
				category,
				purpose,
				emergency,
				restricted,
				outcome,
			);
			let first_this_block = Self::log(decision, utc_offset, record);
			let weight = Self::request_weight(
				granted_by_consent,
				consent_writes,
				restricted,
				first_this_block,
			);
			Ok(Some(weight).into())
		}

		/// Break the glass: reach `category` of `patient`'s record without consent, for an
		/// emergency. Opens an emergency grant for `EmergencyGrantDuration` unless the patient
		/// has opted out of break-glass or the signer may not act; logged either way.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::emergency_access())]
		pub fn emergency_access(
			origin: OriginFor<T>,
			patient: AccountIdLookupOf<T>,
			category: Category,
			reason: EmergencyReason,
		) -> DispatchResult {
			let practitioner = ensure_signed(origin)?;
			let patient = T::Lookup::lookup(patient)?;
			let now = T::Time::now();
			// Nothing before the decision emits an event: its sequence number, which is also the
			// emergency access's id, is the next event's index.
			let seq = Self::next_seq();
			let (member, denial) = Self::standing(&practitioner, now)?;
			let denial = denial.or_else(|| {
				let open = OpenEmergencies::<T>::get(&practitioner);
				(open >= T::MaxOpenEmergencies::get()).then_some(DenyReason::EmergencyLimitReached)
			});
			let outcome = match denial {
				Some(reason) => AccessOutcome::Denied { reason },
				None => match T::Consents::break_glass_policy(&patient) {
					BreakGlassPolicy::OptedOut => {
						AccessOutcome::Denied { reason: DenyReason::BreakGlassOptedOut }
					},
					BreakGlassPolicy::Allowed => AccessOutcome::EmergencyGranted { access: seq },
				},
			};
			let restricted = T::Consents::is_restricted(&patient);
			let opened = match outcome {
				AccessOutcome::EmergencyGranted { .. } => Some(EmergencyAccess {
					practitioner: practitioner.clone(),
					organisation: member.organisation.clone(),
					patient: patient.clone(),
					category,
					restricted,
					reason,
					opened_at: now,
					until: now.saturating_add(T::EmergencyGrantDuration::get()),
				}),
				_ => None,
			};
			let utc_offset = member.utc_offset;
			let decision = Self::decision(
				seq,
				now,
				practitioner,
				member,
				patient,
				category,
				Purpose::Emergency,
				true,
				restricted,
				outcome,
			);
			Self::log(decision, utc_offset, None);
			if let Some(opened) = opened {
				Self::open_emergency(seq, opened);
			}
			Ok(())
		}

		/// Review emergency access `access`: by the practitioner's organisation or
		/// `ReviewOrigin`. An unjustified verdict counts against the practitioner and closes
		/// its grant; a justified one leaves the grant to run out.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::review_emergency())]
		pub fn review_emergency(
			origin: OriginFor<T>,
			access: EmergencyAccessId,
			verdict: Verdict,
		) -> DispatchResult {
			let reviewer = match T::ReviewOrigin::try_origin(origin) {
				Ok(_) => None,
				Err(origin) => Some(ensure_signed(origin)?),
			};
			let pending =
				PendingReviews::<T>::get(access).ok_or(Error::<T>::UnknownEmergencyAccess)?;
			let by = match reviewer {
				None => Reviewer::ReviewOrigin,
				Some(_) if pending.restricted => return Err(Error::<T>::ReviewedByCouncil.into()),
				Some(who) if who == pending.organisation => Reviewer::Organisation(who),
				Some(_) => return Err(Error::<T>::NotReviewer.into()),
			};

			PendingReviews::<T>::remove(access);
			OpenEmergencies::<T>::mutate_exists(&pending.practitioner, |open| {
				*open = open.map(|n| n.saturating_sub(1)).filter(|n| *n > 0);
			});
			Self::apply_verdict(access, &pending, verdict);
			let practitioner = pending.practitioner.clone();
			if matches!(by, Reviewer::Organisation(_)) {
				let reviewed_at = T::Time::now();
				let reviewed = ReviewedEmergency { access: pending, verdict, reviewed_at };
				OrganisationVerdicts::<T>::insert(access, reviewed);
			}
			Self::deposit_event(Event::EmergencyReviewed { access, practitioner, verdict, by });
			Ok(())
		}

		/// Override the organisation's verdict on emergency access `access`, within
		/// `VerdictOverridePeriod` of it: by `ReviewOrigin`, once. Unjustified where it was
		/// justified counts against the practitioner and closes the grant; justified where it
		/// was unjustified takes the count back (a closed grant stays closed). The same verdict
		/// makes it final.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::override_verdict())]
		pub fn override_verdict(
			origin: OriginFor<T>,
			access: EmergencyAccessId,
			verdict: Verdict,
		) -> DispatchResult {
			T::ReviewOrigin::ensure_origin(origin)?;
			let reviewed =
				OrganisationVerdicts::<T>::get(access).ok_or(Error::<T>::UnknownVerdict)?;
			ensure!(!Self::override_period_over(&reviewed), Error::<T>::OverridePeriodOver);

			OrganisationVerdicts::<T>::remove(access);
			let practitioner = &reviewed.access.practitioner;
			match (reviewed.verdict, verdict) {
				(Verdict::Justified, Verdict::Unjustified) => {
					Self::apply_verdict(access, &reviewed.access, verdict)
				},
				(Verdict::Unjustified, Verdict::Justified) => {
					UnjustifiedEmergencies::<T>::mutate_exists(practitioner, |count| {
						*count = count.map(|n| n.saturating_sub(1)).filter(|n| *n > 0);
					})
				},
				_ => {},
			}
			Self::deposit_event(Event::EmergencyVerdictOverridden {
				access,
				practitioner: reviewed.access.practitioner,
				organisation_verdict: reviewed.verdict,
				verdict,
			});
			Ok(())
		}

		/// Clear an organisation's verdict whose override period has passed: by anyone.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::forget_verdict())]
		pub fn forget_verdict(origin: OriginFor<T>, access: EmergencyAccessId) -> DispatchResult {
			ensure_signed(origin)?;
			let reviewed =
				OrganisationVerdicts::<T>::get(access).ok_or(Error::<T>::UnknownVerdict)?;
			ensure!(Self::override_period_over(&reviewed), Error::<T>::OverridePeriodOpen);
			OrganisationVerdicts::<T>::remove(access);
			Self::deposit_event(Event::EmergencyVerdictForgotten { access });
			Ok(())
		}

		/// Refer `patient`, whom the signer cares for, to `consultant` until `until`. Opens no
		/// access: it records the consult. Replaces an earlier referral of the same consultant
		/// and patient.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::refer())]
		pub fn refer(
			origin: OriginFor<T>,
			patient: AccountIdLookupOf<T>,
			consultant: AccountIdLookupOf<T>,
			until: Moment,
		) -> DispatchResult {
			let referrer = ensure_signed(origin)?;
			let patient = T::Lookup::lookup(patient)?;
			let consultant = T::Lookup::lookup(consultant)?;
			let now = T::Time::now();
			ensure!(consultant != referrer, Error::<T>::SelfReferral);
			let latest = now.saturating_add(T::MaxReferralDuration::get());
			ensure!(now < until && until <= latest, Error::<T>::ReferralPeriod);
			T::Providers::active_practitioner(&referrer, now)
				.map_err(|_| Error::<T>::ReferrerMayNotAct)?;
			T::Providers::active_practitioner(&consultant, now)
				.map_err(|_| Error::<T>::ConsultantMayNotAct)?;
			ensure!(Self::cares_for(&referrer, &patient, now), Error::<T>::NotInCare);

			let referral = Referral { by: referrer.clone(), from: now, until };
			Referrals::<T>::insert(&consultant, &patient, referral);
			Self::deposit_event(Event::Referred { patient, consultant, by: referrer, until });
			Ok(())
		}

		/// End the referral of `patient` to `consultant`: its referrer, consultant or patient at
		/// any time; anyone once it has run out `CareLookback` ago.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::end_referral())]
		pub fn end_referral(
			origin: OriginFor<T>,
			patient: AccountIdLookupOf<T>,
			consultant: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let patient = T::Lookup::lookup(patient)?;
			let consultant = T::Lookup::lookup(consultant)?;
			let mut referral =
				Referrals::<T>::get(&consultant, &patient).ok_or(Error::<T>::UnknownReferral)?;
			let now = T::Time::now();
			let stale = now >= referral.until.saturating_add(T::CareLookback::get());
			let party = [&referral.by, &consultant, &patient].contains(&&who);
			ensure!(party || stale, Error::<T>::NotReferralParty);

			if stale {
				Referrals::<T>::remove(&consultant, &patient);
			} else {
				// Kept, ended now: the consultant's reads under it stay care to the sentinel.
				ensure!(now < referral.until, Error::<T>::ReferralEnded);
				referral.until = now;
				Referrals::<T>::insert(&consultant, &patient, referral);
			}
			Self::deposit_event(Event::ReferralEnded { patient, consultant, by: who });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// What `verdict` on emergency access `access` does: an unjustified one counts against
		/// the practitioner and closes the grant it opened; the grant also goes once run out.
		fn apply_verdict(
			access: EmergencyAccessId,
			emergency: &EmergencyAccess<T::AccountId>,
			verdict: Verdict,
		) {
			if verdict == Verdict::Unjustified {
				UnjustifiedEmergencies::<T>::mutate(&emergency.practitioner, |count| {
					*count = count.saturating_add(1)
				});
			}
			let key = (&emergency.practitioner, &emergency.patient, emergency.category);
			let grant = EmergencyGrants::<T>::get(key).filter(|grant| grant.access == access);
			if grant.is_some_and(|g| verdict == Verdict::Unjustified || T::Time::now() >= g.until) {
				EmergencyGrants::<T>::remove(key);
			}
		}

		/// Whether `reviewed`'s verdict can no longer be overridden.
		fn override_period_over(reviewed: &ReviewedEmergency<T::AccountId>) -> bool {
			let until = reviewed.reviewed_at.saturating_add(T::VerdictOverridePeriod::get());
			T::Time::now() >= until
		}

		/// The signer's organisation and role, and why it may not act now if it may not (a
		/// denial to log). An account outside the registry may not ask at all: nothing is
		/// logged for it.
		fn standing(
			practitioner: &T::AccountId,
			now: Moment,
		) -> Result<Standing<T::AccountId>, Error<T>> {
			match T::Providers::active_practitioner(practitioner, now) {
				Ok(member) => Ok((member, None)),
				Err(denial) => T::Providers::membership(practitioner)
					.map(|member| (member, Some(denial.into())))
					.ok_or(Error::<T>::NotAPractitioner),
			}
		}

		/// The outcome of a request by the active practitioner `member`: a consent, else an open
		/// emergency grant (for treatment or emergency purposes), else the consent's denial; and
		/// what the consent pallet wrote.
		fn decide(
			practitioner: &T::AccountId,
			member: &ActivePractitioner<T::AccountId>,
			patient: &T::AccountId,
			category: Category,
			purpose: Purpose,
			now: Moment,
			reach: ConsentReach,
		) -> (AccessOutcome, Option<ConsentWrites>) {
			let (decision, writes) = T::Consents::use_consent(
				patient,
				practitioner,
				&member.organisation,
				category,
				purpose,
				now,
				reach,
			);
			let denial = match decision {
				Ok(found) => {
					let granted =
						AccessOutcome::Granted { consent: found.consent, scope: found.scope };
					return (granted, Some(writes));
				},
				Err(denial) => denial,
			};
			// A grant opens the category broken into, while it runs and the patient allows
			// break-glass: opting out ends every grant at once.
			let emergency = matches!(purpose, Purpose::Treatment | Purpose::Emergency)
				.then(|| EmergencyGrants::<T>::get((practitioner, patient, category)))
				.flatten()
				.filter(|grant| now < grant.until)
				.filter(|_| T::Consents::break_glass_policy(patient) == BreakGlassPolicy::Allowed);
			let outcome = match emergency {
				Some(grant) => AccessOutcome::EmergencyGranted { access: grant.access },
				None => AccessOutcome::Denied { reason: denial.into() },
			};
			(outcome, Some(writes))
		}

		/// Which consents may open `patient`'s record to `practitioner`: a restricted record
		/// only those naming it, unless it holds a running referral of the patient.
		fn reach(
			practitioner: &T::AccountId,
			patient: &T::AccountId,
			restricted: bool,
			now: Moment,
		) -> ConsentReach {
			let referred = || {
				Referrals::<T>::get(practitioner, patient)
					.is_some_and(|referral| referral.from <= now && now < referral.until)
			};
			if restricted && !referred() {
				ConsentReach::PractitionerOnly
			} else {
				ConsentReach::PractitionerOrOrganisation
			}
		}

		/// `request_access`'s weight: the benchmarked worst case less the storage this request
		/// did not touch. A practitioner not active consulted no consent (`consent_writes` is
		/// `None`) and no emergency grant; a grant by consent read no emergency grant nor
		/// break-glass policy (a denial is charged both); a record not restricted read no
		/// referral; a practitioner already in the block left the touched set as it was.
		fn request_weight(
			granted_by_consent: bool,
			consent_writes: Option<ConsentWrites>,
			restricted: bool,
			first_this_block: bool,
		) -> Weight {
			// Of the worst case's consent storage (both grantees' lists and the patient's list
			// read, a grantee's list and the patient's list written) and its two emergency reads.
			let (reads, writes) = match consent_writes {
				None => (5, 2),
				Some(writes) => {
					let (reads, writes) = match writes {
						ConsentWrites::Nothing => (1, 2),
						ConsentWrites::Counted => (1, 1),
						ConsentWrites::Cleared => (0, 0),
					};
					(reads + if granted_by_consent { 2 } else { 0 }, writes)
				},
			};
			let touched = if first_this_block { 0 } else { 1 };
			let referral = if restricted { 0 } else { 1 };
			T::WeightInfo::request_access().saturating_sub(
				T::DbWeight::get().reads_writes(reads + touched + referral, writes + touched),
			)
		}

		/// Whether `practitioner` was granted access to `patient` within `CareLookback` of
		/// `now`, among its last `WindowLength` decisions (read newest first: a recent access
		/// is found early).
		fn cares_for(practitioner: &T::AccountId, patient: &T::AccountId, now: Moment) -> bool {
			let since = now.saturating_sub(T::CareLookback::get());
			Self::window_ring(practitioner)
				.rev()
				.take_while(|decision| decision.at >= since)
				.any(|decision| decision.patient == *patient && decision.outcome.is_granted())
		}

		/// Open the emergency grant of `access` and queue it for review.
		fn open_emergency(access: EmergencyAccessId, opened: EmergencyAccess<T::AccountId>) {
			let grant = EmergencyGrant { access, until: opened.until };
			EmergencyGrants::<T>::insert(
				(&opened.practitioner, &opened.patient, opened.category),
				grant,
			);
			Self::deposit_event(Event::EmergencyAccessOpened {
				access,
				practitioner: opened.practitioner.clone(),
				patient: opened.patient.clone(),
				category: opened.category,
				reason: opened.reason,
				until: opened.until,
			});
			OpenEmergencies::<T>::mutate(&opened.practitioner, |open| {
				*open = open.saturating_add(1)
			});
			PendingReviews::<T>::insert(access, opened);
		}

		/// The sequence number the next decision logged in this block gets: its event's index.
		fn next_seq() -> AccessSeq {
			let block: BlockNumber = Self::block();
			(u64::from(block) << 32) | u64::from(frame_system::Pallet::<T>::event_count())
		}

		fn block() -> BlockNumber {
			frame_system::Pallet::<T>::block_number().unique_saturated_into()
		}

		#[allow(clippy::too_many_arguments)]
		fn decision(
			seq: AccessSeq,
			now: Moment,
			practitioner: T::AccountId,
			member: ActivePractitioner<T::AccountId>,
			patient: T::AccountId,
			category: Category,
			purpose: Purpose,
			emergency: bool,
			restricted: bool,
			outcome: AccessOutcome,
		) -> AccessDecision<T::AccountId> {
			AccessDecision {
				seq,
				at: now,
				block: block_of(seq),
				practitioner,
				organisation: Some(member.organisation),
				role: Some(member.role),
				patient,
				category,
				purpose,
				emergency,
				restricted,
				outcome,
			}
		}

		/// Store `decision` in the practitioner's window and the patient's log (its hour in the
		/// working hours, in its organisation's local time, `utc_offset` from UTC), mark the
		/// practitioner touched in this block, and emit it. Whether it was the practitioner's
		/// first decision in the block (the touched set grew).
		fn log(
			decision: AccessDecision<T::AccountId>,
			utc_offset: UtcOffset,
			record: Option<H256>,
		) -> bool {
			let practitioner = &decision.practitioner;
			let (slot, first_this_block) =
				PractitionerCursors::<T>::mutate(practitioner, |cursor| {
					let slot = ring_slot(cursor.logged, T::WindowLength::get());
					let first =
						cursor.logged == 0 || cursor.latest.newest_block() != decision.block;
					if first {
						cursor.latest.before_newest_block = cursor.latest.newest;
					}
					cursor.latest.newest = decision.seq;
					cursor.logged = cursor.logged.saturating_add(1);
					cursor.hours.record(local(decision.at, utc_offset));
					(slot, first)
				});
			PractitionerWindow::<T>::insert(practitioner, slot, &decision);
			if first_this_block && Touched::<T>::try_append(practitioner).is_err() {
				log::warn!(target: "runtime::audit", "touched set full: MaxTouchedPerBlock too low");
			}

			let slot = PatientLogCursors::<T>::mutate(&decision.patient, |logged| {
				let slot = ring_slot(*logged, T::PatientLogLength::get());
				*logged = logged.saturating_add(1);
				slot
			});
			PatientLog::<T>::insert(&decision.patient, slot, &decision);
			Self::deposit_event(Event::AccessDecided { decision, record });
			first_this_block
		}

		/// The decisions of a ring, oldest first.
		pub(crate) fn ring(
			logged: u64,
			length: u32,
			slot: impl Fn(u32) -> Option<AccessDecision<T::AccountId>>,
		) -> impl DoubleEndedIterator<Item = AccessDecision<T::AccountId>> {
			(logged.saturating_sub(u64::from(length))..logged)
				.filter_map(move |n| slot(ring_slot(n, length)))
		}

		/// `practitioner`'s recent decisions, oldest first, each read when the iterator gets
		/// to it.
		fn window_ring(
			practitioner: &T::AccountId,
		) -> impl DoubleEndedIterator<Item = AccessDecision<T::AccountId>> + '_ {
			let logged = PractitionerCursors::<T>::get(practitioner).logged;
			Self::ring(logged, T::WindowLength::get(), move |slot| {
				PractitionerWindow::<T>::get(practitioner, slot)
			})
		}

		/// `practitioner`'s recent decisions, oldest first: the sentinel's window.
		pub fn window_of(practitioner: &T::AccountId) -> Vec<AccessDecision<T::AccountId>> {
			Self::window_ring(practitioner).collect()
		}

		/// `patient`'s recent decisions with `seq >= from`, oldest first, at most `limit`: the
		/// runtime API's answer.
		pub fn accesses_of(
			patient: &T::AccountId,
			from: AccessSeq,
			limit: u32,
		) -> Vec<AccessDecision<T::AccountId>> {
			let logged = PatientLogCursors::<T>::get(patient);
			Self::ring(logged, T::PatientLogLength::get(), |slot| {
				PatientLog::<T>::get(patient, slot)
			})
			.filter(|decision| decision.seq >= from)
			.take(limit as usize)
			.collect()
		}
	}
}

impl<T: Config> ehr_primitives::audit::AccessLog<T::AccountId> for Pallet<T> {
	fn touched() -> Vec<T::AccountId> {
		Touched::<T>::get().into_inner()
	}

	fn window(practitioner: &T::AccountId) -> Vec<AccessDecision<T::AccountId>> {
		Self::window_of(practitioner)
	}

	fn working_hours(practitioner: &T::AccountId) -> WorkingHours {
		PractitionerCursors::<T>::get(practitioner).hours
	}

	fn patient_log(patient: T::AccountId) -> impl Iterator<Item = AccessDecision<T::AccountId>> {
		let logged = PatientLogCursors::<T>::get(&patient);
		Self::ring(logged, T::PatientLogLength::get(), move |slot| {
			PatientLog::<T>::get(&patient, slot)
		})
		.rev()
	}

	fn referral_until(consultant: &T::AccountId, patient: &T::AccountId) -> Option<Moment> {
		Referrals::<T>::get(consultant, patient).map(|referral| referral.until)
	}

	fn referrals_of(
		consultant: &T::AccountId,
		at_most: usize,
	) -> Option<Vec<(T::AccountId, Moment)>> {
		let mut referrals = Vec::new();
		for (patient, referral) in Referrals::<T>::iter_prefix(consultant) {
			if referrals.len() == at_most {
				return None;
			}
			referrals.push((patient, referral.until));
		}
		Some(referrals)
	}

	fn latest_decisions(practitioner: &T::AccountId) -> Option<LatestDecisions> {
		let cursor = PractitionerCursors::<T>::get(practitioner);
		(cursor.logged > 0).then_some(cursor.latest)
	}
}

/// The slot of the `n`th entry of a ring of `length` slots.
fn ring_slot(n: u64, length: u32) -> u32 {
	// The remainder is below `length`, so it fits.
	(n % u64::from(length.max(1))) as u32
}

/// How the runtime sets up the registry and the consents for this pallet's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// An active practitioner with an unexpired credential, and its active organisation.
	fn active_practitioner() -> (AccountId, AccountId);

	/// Another active practitioner of `organisation` (made by `active_practitioner`).
	fn colleague(organisation: &AccountId) -> AccountId;

	/// Move the chain's clock `by` milliseconds on.
	fn pass_time(by: Moment);

	/// Restrict `patient`'s record (in the consent pallet).
	fn restrict(patient: &AccountId);

	/// Consents of `patient` that make a request by `practitioner` of `organisation` for
	/// `category` and `purpose` cost the most: every consent read, the one that comes closest
	/// used up, so the request is denied and clears it.
	fn costliest_consents(
		patient: &AccountId,
		practitioner: &AccountId,
		organisation: &AccountId,
		category: Category,
		purpose: Purpose,
	);
}
