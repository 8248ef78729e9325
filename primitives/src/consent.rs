//! Patient consent as other pallets see it: the record categories and purposes a consent covers,
//! the answer to "may this practitioner see this now", and the patient's break-glass policy.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::Moment;

/// Identifies one consent for the life of the chain.
pub type ConsentId = u64;

/// A part of a patient's record, as the patient, the custodian and the practitioner's software
/// know it. Each maps onto a group of HL7 FHIR R4 resources (the consent pallet's documentation
/// has the table).
///
/// The last five are the categories that law treats apart (42 CFR Part 2, state HIV and genetic
/// privacy laws, GDPR art. 9 special categories): no consent covers them unless it names them,
/// and the chain never sees them in clear. What the chain sees is a [`Category`]: a standard
/// category by name, a sensitive one by its commitment (`ehr-privacy` makes it).
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
#[scale_info(capture_docs = "always")]
pub enum RecordCategory {
	/// Who the patient is and who is related to them (FHIR Patient, RelatedPerson).
	Demographics,
	/// Visits, stays and appointments (FHIR Encounter, EpisodeOfCare, Appointment).
	Encounters,
	/// Diagnoses, problems and procedures (FHIR Condition, Procedure, ClinicalImpression).
	Conditions,
	/// Medication prescribed, taken, administered and dispensed (FHIR MedicationRequest,
	/// MedicationStatement, MedicationAdministration, MedicationDispense).
	Medications,
	/// Allergies and intolerances (FHIR AllergyIntolerance).
	Allergies,
	/// Laboratory results, reports and specimens (FHIR Observation of category
	/// `laboratory`, DiagnosticReport (LAB), Specimen).
	LaboratoryResults,
	/// Imaging studies and their reports (FHIR ImagingStudy, DiagnosticReport (imaging), Media).
	Imaging,
	/// Vaccinations given and recommended (FHIR Immunization, ImmunizationRecommendation).
	Immunizations,
	/// Clinical documents and notes (FHIR DocumentReference, Composition).
	ClinicalNotes,
	/// Sensitive: mental health (records labelled `PSY` / `PSYTHPN`).
	MentalHealth,
	/// Sensitive: substance use, alcohol and drugs (records labelled `SUD` / `ETH`; 42 CFR
	/// Part 2).
	SubstanceUse,
	/// Sensitive: sexual and reproductive health, sexual abuse and domestic violence
	/// (records labelled `SDV` / `SEX`).
	SexualReproductiveHealth,
	/// Sensitive: genetic information (FHIR MolecularSequence, genetics Observation;
	/// labelled `GDIS`).
	Genetics,
	/// Sensitive: HIV status and care (records labelled `HIV`).
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

	/// Whether the category is one that law treats apart.
	pub fn is_sensitive(self) -> bool {
		self.standard().is_none()
	}

	/// The category as the chain names it in clear; `None` for a sensitive one.
	pub fn standard(self) -> Option<StandardCategory> {
		StandardCategory::ALL.into_iter().find(|standard| Self::from(*standard) == self)
	}

	/// The category as the chain would show it where no salt is known (a simulated log, state
	/// logged before blinding): a standard one by name, a sensitive one as
	/// [`Category::SENSITIVE_UNNAMED`].
	pub fn without_salt(self) -> Category {
		self.standard().map_or(Category::SENSITIVE_UNNAMED, Category::Standard)
	}
}

/// A category that law does not treat apart: the chain names it in clear, and the anomaly
/// features and the FHIR mapping read it.
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
#[scale_info(capture_docs = "always")]
pub enum StandardCategory {
	/// Who the patient is and who is related to them (FHIR Patient, RelatedPerson).
	Demographics,
	/// Visits, stays and appointments (FHIR Encounter, EpisodeOfCare, Appointment).
	Encounters,
	/// Diagnoses, problems and procedures (FHIR Condition, Procedure, ClinicalImpression).
	Conditions,
	/// Medication prescribed, taken, administered and dispensed (FHIR MedicationRequest,
	/// MedicationStatement, MedicationAdministration, MedicationDispense).
	Medications,
	/// Allergies and intolerances (FHIR AllergyIntolerance).
	Allergies,
	/// Laboratory results, reports and specimens (FHIR Observation of category
	/// `laboratory`, DiagnosticReport (LAB), Specimen).
	LaboratoryResults,
	/// Imaging studies and their reports (FHIR ImagingStudy, DiagnosticReport (imaging), Media).
	Imaging,
	/// Vaccinations given and recommended (FHIR Immunization, ImmunizationRecommendation).
	Immunizations,
	/// Clinical documents and notes (FHIR DocumentReference, Composition).
	ClinicalNotes,
}

impl StandardCategory {
	/// Every standard category, in order.
	pub const ALL: [Self; 9] = [
		Self::Demographics,
		Self::Encounters,
		Self::Conditions,
		Self::Medications,
		Self::Allergies,
		Self::LaboratoryResults,
		Self::Imaging,
		Self::Immunizations,
		Self::ClinicalNotes,
	];
	/// How many there are: the bound of any list of them.
	pub const COUNT: u32 = Self::ALL.len() as u32;
}

impl From<StandardCategory> for RecordCategory {
	fn from(category: StandardCategory) -> Self {
		match category {
			StandardCategory::Demographics => Self::Demographics,
			StandardCategory::Encounters => Self::Encounters,
			StandardCategory::Conditions => Self::Conditions,
			StandardCategory::Medications => Self::Medications,
			StandardCategory::Allergies => Self::Allergies,
			StandardCategory::LaboratoryResults => Self::LaboratoryResults,
			StandardCategory::Imaging => Self::Imaging,
			StandardCategory::Immunizations => Self::Immunizations,
			StandardCategory::ClinicalNotes => Self::ClinicalNotes,
		}
	}
}

/// How many sensitive categories there are: the most commitments a consent may name.
pub const SENSITIVE_CATEGORIES: u32 = 5;

/// A sensitive category of one patient at one organisation, blinded: `HMAC-SHA256(salt,
/// "ehr-chain/category/v1" ‖ category index)` under the salt that patient and that
/// organisation's custodian share (`ehr-privacy`, `docs/privacy.md`). Equal commitments name the
/// same category of the same (patient, organisation) pair; nothing else can be read from one.
pub type CategoryCommitment = sp_core::H256;

/// A part of a patient's record as the chain sees it: in clear if standard, blinded if
/// sensitive.
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
#[scale_info(capture_docs = "always")]
pub enum Category {
	/// A standard category, by name.
	Standard(StandardCategory),
	/// A sensitive category, by its commitment under the patient's salt with the practitioner's
	/// organisation.
	Sensitive(CategoryCommitment),
}

impl Category {
	/// A sensitive category whose commitment is not known: what a log exported without
	/// commitments reads back as, and what state logged in clear before blinding became. No
	/// salt makes it, so no consent covers it.
	pub const SENSITIVE_UNNAMED: Self = Self::Sensitive(sp_core::H256([0; 32]));

	/// Whether it is a sensitive category.
	pub fn is_sensitive(&self) -> bool {
		matches!(self, Self::Sensitive(_))
	}

	/// The standard category it names; `None` for a sensitive one, which the anomaly features
	/// read as one class.
	pub fn standard(&self) -> Option<StandardCategory> {
		match self {
			Self::Standard(category) => Some(*category),
			Self::Sensitive(_) => None,
		}
	}
}

impl From<StandardCategory> for Category {
	fn from(category: StandardCategory) -> Self {
		Self::Standard(category)
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
#[scale_info(capture_docs = "always")]
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
#[scale_info(capture_docs = "always")]
pub enum ConsentScope {
	/// To one practitioner, by name.
	Practitioner,
	/// To an organisation: every practitioner of it.
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
#[scale_info(capture_docs = "always")]
pub struct ConsentMatch {
	/// The consent that allows the access.
	pub consent: ConsentId,
	/// Whether it was given to the practitioner or to its organisation.
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
#[scale_info(capture_docs = "always")]
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
	/// The patient's record is restricted, and only a consent to the organisation covers it: a
	/// restricted record opens to a consent naming the practitioner, a referral, or break-glass.
	RecordRestricted,
}

/// Which of a patient's consents may open its record to a request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ConsentReach {
	/// Those given to the practitioner and those given to its organisation.
	PractitionerOrOrganisation,
	/// Only those given to the practitioner by name: the record is restricted, and the
	/// practitioner holds no referral of the patient.
	PractitionerOnly,
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
#[scale_info(capture_docs = "always")]
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
	/// consents given to that practitioner and to that organisation, never all of the patient's;
	/// a consent to the organisation allows nothing if `reach` is `PractitionerOnly`.
	fn check(
		patient: &AccountId,
		practitioner: &AccountId,
		organisation: &AccountId,
		category: Category,
		purpose: Purpose,
		now: Moment,
		reach: ConsentReach,
	) -> Result<ConsentMatch, ConsentDenial>;

	/// [`Self::check`], and count the access against the consent's limit: the call for an
	/// access that is about to happen. When the access is denied because the closest consent
	/// has ended or used up its accesses, that consent is cleared (with an event). Says what it
	/// wrote.
	fn use_consent(
		patient: &AccountId,
		practitioner: &AccountId,
		organisation: &AccountId,
		category: Category,
		purpose: Purpose,
		now: Moment,
		reach: ConsentReach,
	) -> (Result<ConsentMatch, ConsentDenial>, ConsentWrites);

	/// The patient's break-glass policy.
	fn break_glass_policy(patient: &AccountId) -> BreakGlassPolicy;

	/// Whether the patient's record is restricted (by the patient, a guardian or a custodian):
	/// consents to an organisation do not open it.
	fn is_restricted(patient: &AccountId) -> bool;
}

/// Who may act for a patient, for pallets other than the consent pallet (which keeps the
/// guardians): the erasure of a patient's records is asked by the patient or a guardian.
pub trait PatientAgents<AccountId> {
	/// Whether `who` may act for `patient` at `now` (unix milliseconds): it is the patient, or a
	/// guardian the patient named whose guardianship has not ended.
	fn acts_for(who: &AccountId, patient: &AccountId, now: Moment) -> bool;
}
