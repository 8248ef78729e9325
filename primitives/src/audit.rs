//! The access log as the sentinel, the node and the training pipeline read it: one
//! [`AccessDecision`] per request, granted or denied.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::{
	consent::{ConsentDenial, ConsentId, ConsentScope, Purpose, RecordCategory},
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
pub enum DenyReason {
	/// The practitioner may not act.
	Provider(ProviderDenial),
	/// No consent allows the access.
	Consent(ConsentDenial),
	/// Break-glass, and the patient has opted out of it.
	BreakGlassOptedOut,
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
pub enum AccessOutcome {
	/// Allowed by a consent given to the practitioner or to its organisation.
	Granted { consent: ConsentId, scope: ConsentScope },
	/// Allowed without consent, under the emergency access `access` (break-glass).
	EmergencyGranted { access: EmergencyAccessId },
	/// Refused.
	Denied { reason: DenyReason },
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
pub struct AccessDecision<AccountId> {
	/// Its place in the chain's order of decisions.
	pub seq: AccessSeq,
	/// When it was decided (the block's timestamp, unix milliseconds).
	pub at: Moment,
	/// The block it was decided in.
	pub block: BlockNumber,
	/// Who asked.
	pub practitioner: AccountId,
	/// The practitioner's organisation and role; `None` for an unregistered signer.
	pub organisation: Option<AccountId>,
	pub role: Option<PractitionerRole>,
	/// Whose record.
	pub patient: AccountId,
	/// Which part of it.
	pub category: RecordCategory,
	/// What for.
	pub purpose: Purpose,
	/// Whether the request was break-glass (`emergency_access`, or an access under an open
	/// emergency grant).
	pub emergency: bool,
	/// The decision.
	pub outcome: AccessOutcome,
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
}
