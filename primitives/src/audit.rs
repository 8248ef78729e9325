//! The access log as the sentinel, the node and the training pipeline read it: one
//! [`AccessDecision`] per request, granted or denied.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::{
	consent::{Category, ConsentDenial, ConsentId, ConsentScope, Purpose},
	providers::{PractitionerRole, ProviderDenial},
	BlockNumber, Moment,
};

/// Orders the access decisions of the whole chain: `block << 32 | index of the decision's event
/// in its block`. Unique and increasing; not contiguous.
pub type AccessSeq = u64;

/// How many recent decisions the chain keeps per patient: the runtime's `PatientLogLength`, and
/// what the anomaly model's care features were trained on (the exporter keeps the same ring).
pub const PATIENT_LOG_LENGTH: u32 = 256;

/// Identifies an emergency (break-glass) access: the sequence number of the decision that
/// opened it.
pub type EmergencyAccessId = AccessSeq;

/// Why an access was denied: the provider's standing, the patient's consent, or the patient's
/// break-glass policy.
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
pub enum DenyReason {
	/// The practitioner may not act.
	Provider(ProviderDenial),
	/// No consent allows the access.
	Consent(ConsentDenial),
	/// Break-glass, and the patient has opted out of it.
	BreakGlassOptedOut,
	/// Break-glass, and the practitioner has as many emergency accesses waiting for review as
	/// the chain allows (`MaxOpenEmergencies`).
	EmergencyLimitReached,
}

impl From<ProviderDenial> for DenyReason {
	fn from(denial: ProviderDenial) -> Self {
		Self::Provider(denial)
	}
}

impl From<ConsentDenial> for DenyReason {
	fn from(denial: ConsentDenial) -> Self {
		Self::Consent(denial)
	}
}

/// What was decided.
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
pub enum AccessOutcome {
	/// Allowed by a consent given to the practitioner or to its organisation.
	Granted {
		/// The consent that allowed it.
		consent: ConsentId,
		/// Whether that consent was given to the practitioner or to its organisation.
		scope: ConsentScope,
	},
	/// Allowed without consent, under the emergency access `access` (break-glass).
	EmergencyGranted {
		/// The emergency access it falls under: the sequence number of the decision that
		/// opened it.
		access: EmergencyAccessId,
	},
	/// Refused.
	Denied {
		/// Why it was refused.
		reason: DenyReason,
	},
}

impl AccessOutcome {
	/// Whether the access was allowed.
	pub fn is_granted(&self) -> bool {
		!matches!(self, Self::Denied { .. })
	}
}

/// Why a practitioner breaks the glass. A code, never free text.
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
pub enum EmergencyReason {
	/// A threat to life or limb.
	LifeThreatening,
	/// The patient cannot consent (unconscious, incapacitated).
	PatientIncapacitated,
	/// Urgent medication or allergy information is needed.
	UrgentMedication,
	/// A mass-casualty or disaster situation.
	MassCasualty,
	/// Another emergency, to be explained to the reviewer off chain.
	Other,
}

/// One access decision, as the chain keeps it and as the access log exports it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
#[scale_info(capture_docs = "always")]
pub struct AccessDecision<AccountId> {
	/// Its place in the chain's order of decisions.
	pub seq: AccessSeq,
	/// When it was decided (the block's timestamp, unix milliseconds).
	pub at: Moment,
	/// The block it was decided in.
	pub block: BlockNumber,
	/// Who asked.
	pub practitioner: AccountId,
	/// The practitioner's organisation; `None` for an unregistered signer (logged only before
	/// runtime spec 101, which refuses such a signer's request).
	pub organisation: Option<AccountId>,
	/// The practitioner's professional role; `None` for an unregistered signer, as for
	/// `organisation`.
	pub role: Option<PractitionerRole>,
	/// Whose record.
	pub patient: AccountId,
	/// Which part of it: a standard category by name, a sensitive one blinded.
	pub category: Category,
	/// What for.
	pub purpose: Purpose,
	/// Whether the request was break-glass (`emergency_access`, or an access under an open
	/// emergency grant).
	pub emergency: bool,
	/// Whether the patient's record was restricted when it was decided.
	pub restricted: bool,
	/// The decision.
	pub outcome: AccessOutcome,
}

/// Where a practitioner's log ends: what a sentinel's report must name.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct LatestDecisions {
	/// The sequence number of its newest decision.
	pub newest: AccessSeq,
	/// The newest of its decisions made before `newest`'s block (0 if none): a worker that
	/// scored the window ending there reports it in the next block, where the practitioner may
	/// have made requests before the report.
	pub before_newest_block: AccessSeq,
}

impl LatestDecisions {
	/// The block of the newest decision (the high half of its sequence number).
	pub fn newest_block(&self) -> BlockNumber {
		block_of(self.newest)
	}

	/// Whether `seq` is where a window that may be reported now ends.
	pub fn reportable(&self, seq: AccessSeq) -> bool {
		seq != 0 && (seq == self.newest || seq == self.before_newest_block)
	}
}

/// The block of the decision `seq` (its high half).
pub fn block_of(seq: AccessSeq) -> BlockNumber {
	// The high half of a u64 fits a u32.
	(seq >> 32) as BlockNumber
}

/// The access log as the sentinel reads it.
pub trait AccessLog<AccountId> {
	/// The practitioners that made a request in the current block.
	fn touched() -> alloc::vec::Vec<AccountId>;

	/// `practitioner`'s recent decisions, oldest first: the window the anomaly model scores.
	fn window(practitioner: &AccountId) -> alloc::vec::Vec<AccessDecision<AccountId>>;

	/// `patient`'s recent decisions, newest first, read as far as the caller goes: the care
	/// features of the window's patients.
	fn patient_log(patient: AccountId) -> impl Iterator<Item = AccessDecision<AccountId>>;

	/// The hours of the day `practitioner` made requests in over its last days, its window's
	/// decisions included.
	fn working_hours(practitioner: &AccountId) -> crate::features::WorkingHours;

	/// When the referral of `patient` to `consultant` ends, if there is one: the care features
	/// count the consultant's reads under it as care.
	fn referral_until(consultant: &AccountId, patient: &AccountId) -> Option<crate::Moment>;

	/// Every referral to `consultant`, by patient, with when it ends; `None` if it has more than
	/// `at_most` (then ask [`AccessLog::referral_until`] patient by patient). One read of a
	/// consultant's few referrals instead of one per patient of its window.
	fn referrals_of(
		consultant: &AccountId,
		at_most: usize,
	) -> Option<alloc::vec::Vec<(AccountId, crate::Moment)>>;

	/// Where `practitioner`'s log ends; `None` if it never made a request.
	fn latest_decisions(practitioner: &AccountId) -> Option<LatestDecisions>;
}
