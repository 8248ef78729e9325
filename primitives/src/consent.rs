//! Patient consent as other pallets see it: the record categories and purposes a consent covers,
//! the answer to "may this practitioner see this now", and the patient's break-glass policy.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::Moment;

/// Identifies one consent for the life of the chain.
pub type ConsentId = u64;

/// A part of a patient's record, as consents and access requests name it. Each maps onto a group
/// of HL7 FHIR R4 resources (the consent pallet's documentation has the table).
///
/// The last five are the categories that law treats apart (42 CFR Part 2, state HIV and genetic
/// privacy laws, GDPR art. 9 special categories): no consent covers them unless it names them.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum RecordCategory {
	Demographics,
	Encounters,
	Conditions,
	Medications,
	Allergies,
	LaboratoryResults,
	Imaging,
	Immunizations,
	ClinicalNotes,
	MentalHealth,
	SubstanceUse,
	SexualReproductiveHealth,
	Genetics,
	Hiv,
}

impl RecordCategory {
	/// Every category, in order.
	pub const ALL: [Self; 14] = [
		Self::Demographics,
		Self::Encounters,
		Self::Conditions,
		Self::Medications,
		Self::Allergies,
		Self::LaboratoryResults,
		Self::Imaging,
		Self::Immunizations,
		Self::ClinicalNotes,
		Self::MentalHealth,
		Self::SubstanceUse,
		Self::SexualReproductiveHealth,
		Self::Genetics,
		Self::Hiv,
	];
	/// How many categories there are: the bound of any list of them.
	pub const COUNT: u32 = Self::ALL.len() as u32;

	/// Whether the category is one that law treats apart.
	pub fn is_sensitive(self) -> bool {
		matches!(
			self,
			Self::MentalHealth
				| Self::SubstanceUse
				| Self::SexualReproductiveHealth
				| Self::Genetics
				| Self::Hiv
		)
	}
}

/// Why a practitioner asks to see a record (HL7 v3 PurposeOfUse, coarsened).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Purpose {
	/// Care of the patient (HL7 `TREAT`).
	Treatment,
	/// Billing and insurance claims (HL7 `HPAYMT`).
	Payment,
	/// Running the organisation: quality, audit, records management (HL7 `HOPERAT`).
	Operations,
	/// Research (HL7 `HRESCH`).
	Research,
	/// Public-health reporting (HL7 `PUBHLTH`).
	PublicHealth,
	/// Emergency care (HL7 `ETREAT`) under a consent; break-glass without one is the audit
	/// pallet's `emergency_access`.
	Emergency,
}

impl Purpose {
	/// Every purpose, in order.
	pub const ALL: [Self; 6] = [
		Self::Treatment,
		Self::Payment,
		Self::Operations,
		Self::Research,
		Self::PublicHealth,
		Self::Emergency,
	];
	/// How many purposes there are: the bound of any list of them.
	pub const COUNT: u32 = Self::ALL.len() as u32;
}

/// Whom a consent was given to: one practitioner, or a whole organisation (every practitioner
/// of it).
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
pub enum ConsentScope {
	Practitioner,
	Organisation,
}

/// The consent that allows an access, and whether it was given to the practitioner or to its
/// organisation.
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
pub struct ConsentMatch {
	pub consent: ConsentId,
	pub scope: ConsentScope,
}

/// Why no consent allows an access. Where several consents exist and none allows it, the reason
/// given is that of the consent that came closest (covering the category, then the purpose,
/// then failing only on its window or its access count).
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
pub enum ConsentDenial {
	/// The patient has no consent for this practitioner or its organisation.
	NoConsent,
	/// No consent covers this (standard) category.
	CategoryNotCovered,
	/// The category is a sensitive one and no consent names it.
	SensitiveCategoryNotCovered,
	/// A consent covers the category but not this purpose.
	PurposeNotCovered,
	/// The consent that covers it starts later.
	ConsentNotYetValid,
	/// The consent that covered it has ended.
	ConsentExpired,
	/// The consent that covered it has used all its accesses.
	ConsentExhausted,
}

/// Whether a patient allows break-glass (emergency access without consent).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum BreakGlassPolicy {
	/// An active practitioner may open a time-limited emergency grant (the default).
	#[default]
	Allowed,
	/// Nobody may access the record without consent, even in an emergency.
	OptedOut,
}

/// What [`ConsentInspect::use_consent`] wrote, so that its caller is charged for that alone.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ConsentWrites {
	/// Nothing: a consent without an access limit allowed it, or none came close.
	Nothing,
	/// The access counted against the allowing consent's limit: its grantee's list rewritten.
	Counted,
	/// The closest consent had ended or was used up, and was cleared: its grantee's list and
	/// the patient's list of consents read and rewritten (the worst case).
	Cleared,
}

/// Read access to patients' consents, for the access decision point (the audit pallet).
pub trait ConsentInspect<AccountId> {
	/// The consent of `patient` that allows `practitioner` (a member of `organisation`) to see
	/// `category` for `purpose` at `now` (unix milliseconds), or why there is none. Reads the
	/// consents given to that practitioner and to that organisation, never all of the patient's.
	fn check(
		patient: &AccountId,
		practitioner: &AccountId,
		organisation: &AccountId,
		category: RecordCategory,
		purpose: Purpose,
		now: Moment,
	) -> Result<ConsentMatch, ConsentDenial>;

	/// [`Self::check`], and count the access against the consent's limit: the call for an
	/// access that is about to happen. When the access is denied because the closest consent
	/// has ended or used up its accesses, that consent is cleared (with an event). Says what it
	/// wrote.
	fn use_consent(
		patient: &AccountId,
		practitioner: &AccountId,
		organisation: &AccountId,
		category: RecordCategory,
		purpose: Purpose,
		now: Moment,
	) -> (Result<ConsentMatch, ConsentDenial>, ConsentWrites);

	/// The patient's break-glass policy.
	fn break_glass_policy(patient: &AccountId) -> BreakGlassPolicy;
}
