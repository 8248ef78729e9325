//! The provider registry as other pallets see it: who a practitioner is, whether it may act now,
//! and how another pallet (the sentinel) suspends it.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::DispatchResult;

use crate::Moment;

/// What kind of member of the consortium an organisation is.
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
pub enum OrganisationKind {
	/// A hospital: wards and inpatient care.
	Hospital,
	/// A clinic or general practice: outpatient care.
	Clinic,
	/// A medical laboratory.
	Laboratory,
	/// A pharmacy.
	Pharmacy,
	/// A health insurer or other payer.
	Insurer,
	/// A research institute.
	ResearchInstitute,
	/// A public-health agency.
	PublicHealthAgency,
}

/// The professional role of a practitioner. The audit log records it with every access, and the
/// anomaly model weighs accesses by it (a billing clerk reading clinical notes is unusual).
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
pub enum PractitionerRole {
	/// A physician (doctor).
	Physician,
	/// A nurse.
	Nurse,
	/// A pharmacist.
	Pharmacist,
	/// A laboratory technician.
	LabTechnician,
	/// A radiographer (imaging).
	Radiographer,
	/// A therapist: physical, occupational or psychological.
	Therapist,
	/// A paramedic (emergency medical services).
	Paramedic,
	/// A researcher.
	Researcher,
	/// Administrative staff (admissions, scheduling).
	Administrative,
	/// Billing staff: claims and payments.
	Billing,
	/// A health records officer (records management, release of information).
	RecordsOfficer,
}

/// A department of an organisation (a ward, a unit, a service), numbered by the organisation: the
/// chain keeps the number, the organisation's own directory what it names.
pub type DepartmentId = u32;

/// Where a provider stands in the registry's life cycle.
///
/// `Pending -> Active -> Suspended -> Active` (reinstated); any of them `-> Revoked`, which is final.
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
pub enum ProviderStatus {
	/// Registered, waiting for the registrar's approval.
	Pending,
	/// May act (if its credential is unexpired and, for a practitioner, its organisation active).
	Active,
	/// Stopped until the registrar reinstates it.
	Suspended,
	/// Removed for good; the registration deposit has been returned.
	Revoked,
}

/// Why a provider's status changed. Stored with every transition and carried by its event.
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
pub enum StatusReason {
	/// The registrar (the council) decided.
	CouncilDecision,
	/// The sentinels' anomaly model scored the practitioner at or above the threshold.
	AnomalyDetected {
		/// The score in parts per million (920_000 = 0.92).
		score_ppm: u32,
		/// sha256 of the ONNX model that scored it.
		model_hash: H256,
	},
	/// The provider's credential expired.
	CredentialExpired,
	/// The practitioner's organisation was suspended.
	OrganisationSuspended,
	/// The provider declared itself (registration).
	SelfDeclared,
	/// An automatic suspension (`AnomalyDetected`) was not confirmed by the council within its
	/// review period: the practitioner is reinstated without a human decision.
	ReviewPeriodElapsed,
}

/// Why a practitioner may not act now.
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
pub enum ProviderDenial {
	/// The account is not a registered practitioner.
	Unknown,
	/// Registered but not yet approved.
	Pending,
	/// Suspended.
	Suspended,
	/// Revoked.
	Revoked,
	/// Its credential's `valid_until` has passed.
	CredentialExpired,
	/// Its organisation is not active (pending, suspended, revoked, or its credential expired).
	OrganisationInactive,
}

/// A practitioner that may act now, with what the audit log records about it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct ActivePractitioner<AccountId> {
	/// The organisation it acts for.
	pub organisation: AccountId,
	/// Its professional role.
	pub role: PractitionerRole,
	/// Its organisation's offset from UTC: the hours it works are counted in local time.
	pub utc_offset: UtcOffset,
}

/// An organisation's offset from UTC in minutes, east positive (-300: New York in winter, 60:
/// Paris in winter, 330: India). The anomaly model's hour-of-day features read local time with
/// it. An organisation that keeps summer time changes it twice a year (`set_utc_offset`); the
/// features tolerate an hour either way meanwhile.
pub type UtcOffset = i16;

/// The offsets the world uses: from UTC-12:00 to UTC+14:00.
pub const UTC_OFFSETS: core::ops::RangeInclusive<UtcOffset> = -12 * 60..=14 * 60;

/// Read access to the provider registry.
pub trait ProviderInspect<AccountId> {
	/// The practitioner `who` if it may act at `now` (unix milliseconds): its own status active,
	/// its credential unexpired, its organisation active with an unexpired credential.
	fn active_practitioner(
		who: &AccountId,
		now: Moment,
	) -> Result<ActivePractitioner<AccountId>, ProviderDenial>;

	/// The organisation and role of the registered practitioner `who`, whatever its status:
	/// what the audit log records about a practitioner that was denied.
	fn membership(who: &AccountId) -> Option<ActivePractitioner<AccountId>>;

	/// The ward of the registered practitioner `who`, whatever its status: its organisation and
	/// the department the organisation assigned it to, if any (staff who move between wards have
	/// none): what tells a clinician's own ward's patients from another ward's.
	fn ward_of(who: &AccountId) -> Option<(AccountId, DepartmentId)>;

	/// Whether `who` is an organisation that may act at `now`.
	fn is_active_organisation(who: &AccountId, now: Moment) -> bool;
}

/// Status changes that other pallets may make, each with a reason code; not through an origin,
/// so that no pallet impersonates the registrar.
pub trait ProviderStatusManager<AccountId> {
	/// Suspend the active provider `who` for `reason`.
	fn suspend(who: &AccountId, reason: StatusReason) -> DispatchResult;

	/// Reinstate `who` if it is still suspended for an anomaly (`AnomalyDetected`), the one
	/// suspension another pallet may lift, with the reason `ReviewPeriodElapsed`. A provider
	/// the registrar suspended meanwhile, or revoked, stays as it is (an error).
	fn lift_anomaly_suspension(who: &AccountId) -> DispatchResult;
}

/// Told when a suspended provider becomes active again, whoever reinstated it: the sentinel
/// forgets the behaviour that led to the suspension.
pub trait OnReinstated<AccountId> {
	fn on_reinstated(who: &AccountId);
}

impl<AccountId> OnReinstated<AccountId> for () {
	fn on_reinstated(_: &AccountId) {}
}
