//! What the anomaly model sees of a practitioner: features computed from its recent window of
//! access decisions, and nothing else.
//!
//! One definition for every side: the sentinel's offchain worker calls [`features`] inside the
//! runtime on the audit pallet's window, and the training pipeline reads features that
//! `ehr-anomaly features` computed with this same function from the access log. Never
//! re-implement it elsewhere.
//!
//! Two parts, both `f32` and squashed into `[0, 1]` without transcendental functions (so the
//! function is the same in the runtime's `no_std` wasm and natively):
//! - [`WINDOW_FEATURES`] numbers over the whole window (volume, spread over patients, timing,
//!   denials, emergencies, sensitive categories, restricted records, role/purpose mismatches, ...)
//!   and over its last [`LAST_DECISIONS`] decisions;
//! - a sequence of the last [`SEQUENCE_LENGTH`] decisions, [`STEP_FEATURES`] numbers each, oldest
//!   first, padded at the front with zero steps (whose `present` is 0).
//!
//! Hours and days are the organisation's local ones ([`local`]): each organisation registers its
//! offset from UTC, and a night shift is a night shift in New York as in London.
//!
//! Which hours of the day a practitioner usually works its window cannot tell: 64 decisions are
//! a day or two of a nurse's work (mostly the reads of taking its patients over) and part of a
//! clerk's batch. The audit pallet keeps each practitioner's [`WorkingHours`], the hours it made
//! requests in on each of its last [`WORKING_HOURS_DAYS`] days; a read at an hour it worked at
//! (give or take one) on none of the days before is at an *unusual hour*.
//!
//! What the practitioner's own window cannot tell is whether it has any business with a patient.
//! The patients' logs (the audit pallet keeps one per patient) say it, as far back as
//! [`CARE_LOOKBACK`] from the window's last decision:
//! - *out of care*: nobody else was granted access to the patient: the neighbour or the stranger
//!   a snooper reads usually has no one caring for them;
//! - *unexplained*: the patient has a team (at least three other clinicians read it) and fewer
//!   than a quarter of them also read another patient of the window: a ward's clinicians share
//!   their patients, while the admitted celebrity whom a clinician of another ward reads is cared
//!   for by people that clinician never works with (but for a float nurse or two, who alone
//!   should not explain it). A new admission's first readers have no team to share it with yet:
//!   that is not unexplained.
//! - *foreign ward*: the practitioner has a ward (the department its organisation registered it
//!   in), none of the patient's clinicians shares it, and some who have one have read the patient
//!   since the practitioner first did in its window: the celebrity on another ward, whose staff
//!   keep caring for it, read by a clinician whose own ward's patients fill its window. Not the
//!   patient just admitted to the practitioner's ward from the emergency department or another
//!   ward, whom its former clinicians have handed over (and its new ward's other clinicians may
//!   not have read yet): a patient's current team is those who read it after the practitioner,
//!   so a read becomes foreign at a later decision of the window. Float staff and residents on
//!   rotation are registered without a ward: they neither have foreign patients nor make a
//!   patient foreign.
//!
//! A patient whom the practitioner reads under a referral (the audit pallet's record that a
//! clinician caring for the patient called it in as a consultant) is neither unexplained nor of
//! a foreign ward: the consult is the care. Reads before the referral was recorded count too (a
//! consultant often looks before the order is on chain); reads after it ended do not.
//!
//! A decision on a restricted record (the patient's or its custodian's flag, which organisation
//! consents stop covering) is flagged as such: its care team reads it under named consents, a
//! referral or break-glass; the snooper who tries the celebrity's record under its
//! organisation's consent is refused, and one who then breaks the glass leaves an emergency on a
//! restricted record.

use crate::{
	audit::{AccessDecision, AccessOutcome},
	consent::{Category, ConsentScope, Purpose, StandardCategory},
	providers::{PractitionerRole, UtcOffset},
	Moment,
};
use alloc::{collections::BTreeMap, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use core::borrow::Borrow;
use scale_info::TypeInfo;

/// Declares a struct of named `f32` features, the const list of their names in the same order,
/// and the struct as an array in that order: the one definition of a layout. A value is given
/// by name (a struct literal), so swapping two entries of the list reorders names and values
/// alike (and changes [`FEATURE_LAYOUT`], which the model must match); it cannot compile into
/// values under the wrong names.
macro_rules! named_features {
	($(#[$doc:meta])* struct $name:ident, $names:ident: [$($field:ident),+ $(,)?]) => {
		$(#[$doc])*
		#[derive(Clone, Copy, PartialEq, Debug, Default)]
		pub struct $name {
			$(pub $field: f32),+
		}

		#[doc = concat!("The names of [`", stringify!($name), "`], in order.")]
		pub const $names: [&str; [$(stringify!($field)),+].len()] = [$(stringify!($field)),+];

		impl $name {
			/// The features in the order of their names.
			pub fn to_array(&self) -> [f32; $names.len()] {
				[$(self.$field),+]
			}
		}
	};
}

/// How many decisions the sequence part holds: the audit pallet's window length.
pub const SEQUENCE_LENGTH: usize = 64;

/// The fewest decisions a window must hold to be scored. The model knows practitioners with a
/// working history (training skips younger windows, as the sentinel does): a new practitioner's
/// first few requests are outside what it has seen. A burst of requests fills a window at once.
pub const MIN_SCORED_WINDOW: usize = SEQUENCE_LENGTH / 2;

/// How many of the window's last decisions the `*_last16_*` features look at: the few minutes of
/// a snooper's detour amid a day's care, which the whole window's shares dilute.
pub const LAST_DECISIONS: usize = 16;

named_features! {
	/// The window features, by name; [`WINDOW_FEATURES`] names them in this order. A `*_share` is
	/// of the window's decisions (or of its patients, its last hour's, its last
	/// [`LAST_DECISIONS`]); `out_of_care_patients` and `organisation_scope_out_of_care_reads` count
	/// over a full window's length, so they grow with the window's fill. Those that name two flags
	/// count decisions with both: the combinations the supervised head gained most from
	/// (`model/EXPERIMENTS.md`).
	struct WindowFeatures, WINDOW_FEATURES: [
		fill,
		rate_per_hour,
		last_hour_share,
		distinct_patient_share,
		distinct_patients_last_hour,
		off_hours_share,
		denial_share,
		emergency_share,
		sensitive_share,
		purpose_role_mismatch_share,
		category_role_mismatch_share,
		organisation_scope_share,
		first_time_patient_share,
		max_burst_5min_share,
		secondary_use_share,
		weekend_share,
		unusual_hour_share,
		one_off_patient_share,
		novel_category_share,
		novel_purpose_share,
		role_clinical,
		role_service,
		role_office,
		role_physician,
		out_of_care_patient_share,
		out_of_care_last_hour_share,
		unexplained_patient_share,
		unexplained_last_hour_share,
		ward_registered,
		foreign_ward_patient_share,
		foreign_ward_last_hour_share,
		out_of_care_share,
		out_of_care_first_read_share,
		out_of_care_patients,
		organisation_scope_out_of_care_share,
		organisation_scope_out_of_care_reads,
		organisation_scope_foreign_ward_share,
		emergency_out_of_care_share,
		emergency_sensitive_share,
		first_read_clinical_notes_share,
		foreign_ward_last16_share,
		unexplained_last16_share,
		out_of_care_first_read_last16_share,
		sensitive_out_of_care_last16_share,
		emergency_out_of_care_last16_share,
		denied_sensitive_last16_share,
		organisation_scope_first_read_last16_share,
		restricted_share,
		emergency_restricted_share,
		denied_restricted_last16_share,
	]
}

/// The window features that say who the practitioner is, not what it did: the model reads them
/// as context (normal differs by role), and an alert is never explained by them.
pub const CONTEXT_FEATURES: [&str; 5] =
	["role_clinical", "role_service", "role_office", "role_physician", "ward_registered"];

named_features! {
	/// The features of one step of the sequence, by name; [`STEP_FEATURES`] names them in this
	/// order.
	struct StepFeatures, STEP_FEATURES: [
		present,
		granted,
		emergency,
		sensitive,
		off_hours,
		gap,
		first_time_patient,
		purpose_role_mismatch,
		organisation_scope,
		clinical_notes,
		out_of_care,
		unexplained,
		foreign_ward,
		restricted,
	]
}

/// The feature layout: FNV-1a (64 bits) of the sequence length and of every feature's name, the
/// window's then the step's, in order. It tells layouts apart against mistakes (a model trained
/// on other features, a node built for another runtime), not against an adversary: the model is
/// approved on chain by its sha256. The wire format's header ([`crate::anomaly`]) and the
/// model's ONNX metadata (`ehr_feature_layout`, 16 hexadecimal digits) carry it.
pub const FEATURE_LAYOUT: u64 = layout_of(&[&WINDOW_FEATURES, &STEP_FEATURES], SEQUENCE_LENGTH);

const fn layout_of(lists: &[&[&str]], sequence_length: usize) -> u64 {
	const PRIME: u64 = 0x0000_0100_0000_01b3;
	const fn mix(hash: u64, byte: u8) -> u64 {
		(hash ^ byte as u64).wrapping_mul(PRIME)
	}
	let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
	let length = (sequence_length as u64).to_le_bytes();
	let mut i = 0;
	while i < length.len() {
		hash = mix(hash, length[i]);
		i += 1;
	}
	let mut list = 0;
	while list < lists.len() {
		let mut name = 0;
		while name < lists[list].len() {
			let bytes = lists[list][name].as_bytes();
			let mut b = 0;
			while b < bytes.len() {
				hash = mix(hash, bytes[b]);
				b += 1;
			}
			// Each name ends with a zero byte, each list with 0xff: ("ab", "c") is not ("a", "bc").
			hash = mix(hash, 0);
			name += 1;
		}
		hash = mix(hash, 0xff);
		list += 1;
	}
	hash
}

/// The features of one practitioner's window.
#[derive(Clone, PartialEq, Debug)]
pub struct Features {
	pub window: [f32; WINDOW_FEATURES.len()],
	pub sequence: [[f32; STEP_FEATURES.len()]; SEQUENCE_LENGTH],
}

impl Default for Features {
	/// The features of an empty window: all zero.
	fn default() -> Self {
		Self {
			window: [0.0; WINDOW_FEATURES.len()],
			sequence: [[0.0; STEP_FEATURES.len()]; SEQUENCE_LENGTH],
		}
	}
}

pub(crate) const MINUTE: Moment = 60 * 1000;
pub(crate) const HOUR: Moment = 60 * MINUTE;
pub(crate) const DAY: Moment = 24 * HOUR;

/// How long after another practitioner's granted access a patient counts as in care: a stay's
/// last reads to the office's batches on it after discharge.
pub const CARE_LOOKBACK: Moment = 4 * DAY;

/// The most entries of one patient's log the care features read, newest first: with the window's
/// at most [`SEQUENCE_LENGTH`] patients, what bounds the storage one practitioner's features read
/// (the offchain worker's cost; `docs/sentinel.md` counts it). The exporter applies it too (it
/// calls [`features`]), so the model is trained on what the chain computes.
pub const CARE_LOG_READS: usize = 128;

/// How many days a practitioner's [`WorkingHours`] reach back: two weeks hold every shift of a
/// rota with days off, and every hour of an office's batches.
pub const WORKING_HOURS_DAYS: usize = 14;

/// The fewest earlier days a practitioner must have worked on before its hours tell anything: a
/// new practitioner has no usual hours, so none of its hours is unusual.
const KNOWN_DAYS: u32 = 3;

/// The hours of the day (its organisation's local time) a practitioner made requests in, on each
/// of its last [`WORKING_HOURS_DAYS`] days: 60 bytes, kept by the audit pallet with the
/// practitioner's window and updated by [`WorkingHours::record`] on each of its decisions.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct WorkingHours {
	/// The day (since the unix epoch) of the practitioner's last decision.
	pub last_day: u32,
	/// Bit `h` of `hours[d]`: a decision at hour `h` on day `last_day - d`.
	pub hours: [u32; WORKING_HOURS_DAYS],
}

impl WorkingHours {
	/// Note a decision at `at`, local time ([`local`]). The chain's time does not go back; a
	/// decision older than the last one is noted on its own day, if that is still held.
	pub fn record(&mut self, at: Moment) {
		let day = day_of(at);
		if day > self.last_day {
			let shift = (day - self.last_day) as usize;
			if shift >= WORKING_HOURS_DAYS {
				self.hours = [0; WORKING_HOURS_DAYS];
			} else {
				self.hours.rotate_right(shift);
				self.hours[..shift].fill(0);
			}
			self.last_day = day;
		}
		if let Some(hours) = self.hours.get_mut(self.last_day.saturating_sub(day) as usize) {
			*hours |= 1 << hour_of(at);
		}
	}

	/// The hours worked, give or take one, on the days held before `at`'s day, if the
	/// practitioner worked on at least [`KNOWN_DAYS`] of them.
	fn usual_before(&self, at: Moment) -> Option<u32> {
		let today = day_of(at);
		let earlier = self
			.hours
			.iter()
			.enumerate()
			.filter(|(d, hours)| **hours != 0 && self.last_day.saturating_sub(*d as u32) < today)
			.map(|(_, hours)| *hours);
		let (days, worked) = earlier
			.fold((0u32, 0), |(days, worked), hours| (days.saturating_add(1), worked | hours));
		(days >= KNOWN_DAYS).then(|| {
			let around = |bits: u32, by: u32| ((bits << by) | (bits >> (24 - by))) & 0x00ff_ffff;
			worked | around(worked, 1) | around(worked, 23)
		})
	}
}

pub(crate) fn day_of(at: Moment) -> u32 {
	u32::try_from(at / DAY).unwrap_or(u32::MAX)
}

/// A patient of the window is explained when at least one in `EXPLAINED_BY` of its clinicians
/// also read another patient of the window.
const EXPLAINED_BY: u32 = 4;

/// The fewest other clinicians who make a patient's team. With fewer, the patient has not been
/// taken over yet (a new admission): counted as unexplained, such reads put a fifth of normal
/// practitioner-days at an unexplained last-hour share of 1 at some moment (with a team of two
/// 3.1%, of three 2.4%; VIP snooping's celebrity has had its ward's staff for hours).
const TEAM: u32 = 3;

/// What a patient's log says of the others who were granted access to the patient at or after
/// `since`: whether there is anyone but `practitioner`, and which of them are clinicians (each
/// once, with its latest read; by account). Reads the log, newest first, only down to `since`
/// and at most [`CARE_LOG_READS`] entries.
fn others_of<AccountId: Ord + Clone>(
	log_newest_first: impl IntoIterator<Item = impl Borrow<AccessDecision<AccountId>>>,
	practitioner: &AccountId,
	since: Moment,
) -> (bool, Vec<(AccountId, Moment)>) {
	let mut anyone = false;
	// A map, not a list searched at each read: a busy patient's log holds a hundred clinicians.
	let mut clinicians = BTreeMap::new();
	for decision in log_newest_first.into_iter().take(CARE_LOG_READS) {
		let d = decision.borrow();
		if d.at < since {
			break;
		}
		if d.practitioner == *practitioner || !d.outcome.is_granted() {
			continue;
		}
		anyone = true;
		if role_group(d.role) == Some(RoleGroup::Clinical) {
			// Newest first: the first read kept is the latest.
			clinicians.entry(d.practitioner.clone()).or_insert(d.at);
		}
	}
	(anyone, clinicians.into_iter().collect())
}

/// `x / (x + scale)`: 0 at 0, 1/2 at `scale`, towards 1 beyond.
fn squash(x: f32, scale: f32) -> f32 {
	if x <= 0.0 {
		0.0
	} else {
		x / (x + scale)
	}
}

fn share(count: usize, of: usize) -> f32 {
	if of == 0 {
		0.0
	} else {
		count as f32 / of as f32
	}
}

/// `at` on the wall clock of an organisation `utc_offset` minutes east of UTC, counted as if it
/// were UTC: what the hour-of-day features read, so that a hospital's night is night wherever
/// it is.
pub fn local(at: Moment, utc_offset: UtcOffset) -> Moment {
	let shift = u64::from(utc_offset.unsigned_abs()).saturating_mul(MINUTE);
	if utc_offset >= 0 {
		at.saturating_add(shift)
	} else {
		at.saturating_sub(shift)
	}
}

/// The hour of the day of a (local) time.
fn hour_of(at: Moment) -> usize {
	((at / HOUR) % 24) as usize
}

/// Between 22:00 and 06:00.
fn is_off_hours(at: Moment) -> bool {
	!(6..22).contains(&hour_of(at))
}

/// Saturday or Sunday (1970-01-01 was a Thursday).
fn is_weekend(at: Moment) -> bool {
	let weekday = (at / DAY + 3) % 7; // Monday = 0
	weekday >= 5
}

/// A purpose that the role does not usually have: clinicians asking for payment, billing and
/// administrative staff asking for treatment, anyone but researchers asking for research.
fn purpose_mismatch(role: Option<PractitionerRole>, purpose: Purpose) -> bool {
	use PractitionerRole::*;
	let Some(role) = role else { return true };
	match purpose {
		Purpose::Treatment | Purpose::Emergency => {
			matches!(role, Billing | Administrative | RecordsOfficer | Researcher)
		},
		Purpose::Payment => !matches!(role, Billing | Administrative),
		Purpose::Operations => !matches!(role, Administrative | RecordsOfficer | Billing),
		Purpose::Research => role != Researcher,
		Purpose::PublicHealth => !matches!(role, Physician | Nurse | LabTechnician),
	}
}

/// A category that the role does not usually read: clinical notes or sensitive categories for
/// non-clinical staff, a sensitive category for a radiographer, and so on. The sensitive
/// categories are one blinded class: a lab technician's HIV test and a therapist's mental-health
/// notes read as any sensitive category, which neither role is unusual to read.
fn category_mismatch(role: Option<PractitionerRole>, category: Category) -> bool {
	use PractitionerRole::*;
	use StandardCategory::*;
	let Some(role) = role else { return true };
	// A sensitive category is blinded: which one it is, nobody on chain knows.
	let Some(standard) = category.standard() else {
		return matches!(
			role,
			Pharmacist | Radiographer | Administrative | Billing | RecordsOfficer
		);
	};
	match role {
		Physician | Nurse | Paramedic => false,
		Pharmacist => !matches!(standard, Demographics | Medications | Allergies | Conditions),
		LabTechnician => !matches!(standard, Demographics | LaboratoryResults),
		Radiographer => !matches!(standard, Demographics | Imaging | Encounters | Allergies),
		Therapist => false,
		Researcher => matches!(standard, Demographics | ClinicalNotes),
		Administrative | Billing | RecordsOfficer => {
			matches!(standard, ClinicalNotes | LaboratoryResults)
		},
	}
}

/// What kind of work a role does: it sets what normal looks like.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RoleGroup {
	/// Cares for the patients of a ward: reads them again and again.
	Clinical,
	/// Serves the whole hospital (laboratory, radiology, pharmacy): many patients, once each.
	Service,
	/// Office work in batches (billing, records, administration, research).
	Office,
}

fn role_group(role: Option<PractitionerRole>) -> Option<RoleGroup> {
	use PractitionerRole::*;
	Some(match role? {
		Physician | Nurse | Paramedic | Therapist => RoleGroup::Clinical,
		Pharmacist | LabTechnician | Radiographer => RoleGroup::Service,
		Researcher | Administrative | Billing | RecordsOfficer => RoleGroup::Office,
	})
}

fn is_organisation_scope(outcome: &AccessOutcome) -> bool {
	matches!(outcome, AccessOutcome::Granted { scope: ConsentScope::Organisation, .. })
}

/// The features of `window`: a practitioner's decisions, oldest first (as the audit pallet's
/// `window_of` returns them). Only the last [`SEQUENCE_LENGTH`] count. An empty window has all
/// features 0.
///
/// `patient_log(patient)` gives the patient's log as the chain holds it now, newest first; it
/// is asked once per patient of the window and read only [`CARE_LOOKBACK`] back from the
/// window's last decision. `ward_of(practitioner)` gives the ward a practitioner is registered
/// in (any value that tells wards apart, organisations included), if any; it is asked for the
/// window's practitioner and, if that has a ward, once for each clinician of the window's
/// patients. `working_hours` are the practitioner's, its window's decisions noted.
/// `referral_until(patient)` gives when the window's practitioner's referral to `patient` ends,
/// if it has one; it is asked once per patient of the window. `utc_offset` is the
/// practitioner's organisation's: the hours and days are its local ones.
pub fn features<AccountId, Log, Ward>(
	window: &[AccessDecision<AccountId>],
	mut patient_log: impl FnMut(&AccountId) -> Log,
	mut ward_of: impl FnMut(&AccountId) -> Option<Ward>,
	working_hours: &WorkingHours,
	mut referral_until: impl FnMut(&AccountId) -> Option<Moment>,
	utc_offset: UtcOffset,
) -> Features
where
	AccountId: Ord + Clone,
	Log: IntoIterator,
	Log::Item: Borrow<AccessDecision<AccountId>>,
	Ward: PartialEq,
{
	let window = &window[window.len().saturating_sub(SEQUENCE_LENGTH)..];
	let mut out = Features::default();
	let (Some(first), Some(last)) = (window.first(), window.last()) else { return out };
	let n = window.len();

	// Where each decision's patient first appears in the window.
	let mut first_of = [0; SEQUENCE_LENGTH];
	for (i, decision) in window.iter().enumerate() {
		first_of[i] = window[..i].iter().position(|e| e.patient == decision.patient).unwrap_or(i);
	}
	let first_time: [bool; SEQUENCE_LENGTH] = core::array::from_fn(|i| first_of[i] == i);
	let role = role_group(last.role);
	// Only a clinician's ward is where its patients are: service and office staff serve them all.
	let own_ward =
		(role == Some(RoleGroup::Clinical)).then(|| ward_of(&last.practitioner)).flatten();
	let Care { out_of_care, unexplained, foreign_ward } = care(
		window,
		&first_of,
		&mut patient_log,
		own_ward.as_ref(),
		&mut ward_of,
		&mut referral_until,
	);
	let wall = |at: Moment| local(at, utc_offset);
	let last_hour_from = last.at.saturating_sub(HOUR);
	let in_last_hour = |d: &AccessDecision<AccountId>| d.at >= last_hour_from;
	let count_from = |from: usize, test: &dyn Fn(usize, &AccessDecision<AccountId>) -> bool| {
		window.iter().enumerate().skip(from).filter(|(i, d)| test(*i, d)).count()
	};
	let count = |test: &dyn Fn(usize, &AccessDecision<AccountId>) -> bool| count_from(0, test);
	let last_from = n.saturating_sub(LAST_DECISIONS);
	// The share of the window's last decisions that pass `test`.
	let last_share = |test: &dyn Fn(usize, &AccessDecision<AccountId>) -> bool| {
		share(count_from(last_from, test), n - last_from)
	};

	let span_hours = (last.at.saturating_sub(first.at).max(MINUTE)) as f32 / HOUR as f32;
	let distinct = count(&|i, _| first_time[i]);
	let distinct_last_hour = window
		.iter()
		.enumerate()
		.filter(|(i, d)| {
			in_last_hour(d)
				&& !window[..*i].iter().any(|e| in_last_hour(e) && e.patient == d.patient)
		})
		.count();
	let recent = count(&|_, d| in_last_hour(d));
	let earlier = &window[..n - recent];
	// Of the last hour's decisions: patients not seen before it, and those at an unusual hour.
	let new_patients =
		count(&|_, d| in_last_hour(d) && !earlier.iter().any(|e| e.patient == d.patient));
	// Usual are the hours of the days before the last hour's first: a last hour that spans
	// midnight does not make its own first half usual.
	let unusual_hours = match working_hours.usual_before(wall(last_hour_from)) {
		Some(usual) => count(&|_, d| in_last_hour(d) && usual & (1 << hour_of(wall(d.at))) == 0),
		None => 0,
	};
	// Of the last hour's decisions: categories and purposes the practitioner did not use before
	// it (its own baseline, as far as the window reaches).
	let novel = |same: &dyn Fn(&AccessDecision<AccountId>, &AccessDecision<AccountId>) -> bool| {
		if earlier.is_empty() {
			0
		} else {
			count(&|_, d| in_last_hour(d) && !earlier.iter().any(|e| same(e, d)))
		}
	};
	let novel_categories = novel(&|e, d| e.category.standard() == d.category.standard());
	let novel_purposes = novel(&|e, d| e.purpose == d.purpose);
	// Patients seen once in the whole window: care reads a patient again and again.
	let one_off = count(&|i, d| {
		first_time[i] && !window[i + 1..].iter().any(|later| later.patient == d.patient)
	});
	let max_burst = (0..n)
		.map(|i| {
			let until = window[i].at.saturating_add(5 * MINUTE);
			window[i..].iter().take_while(|d| d.at < until).count()
		})
		.max()
		.unwrap_or(0);

	// Patients out of care, and reads of such patients under an organisation's consent: each
	// both as a share and as a count over a full window.
	let out_of_care_patients = count(&|i, _| first_time[i] && out_of_care[i]);
	let organisation_out_of_care =
		count(&|i, d| is_organisation_scope(&d.outcome) && out_of_care[i]);

	out.window = WindowFeatures {
		fill: share(n, SEQUENCE_LENGTH),
		rate_per_hour: squash(n as f32 / span_hours, 60.0),
		last_hour_share: share(recent, n),
		distinct_patient_share: share(distinct, n),
		distinct_patients_last_hour: squash(distinct_last_hour as f32, 20.0),
		off_hours_share: share(count(&|_, d| is_off_hours(wall(d.at))), n),
		denial_share: share(count(&|_, d| !d.outcome.is_granted()), n),
		emergency_share: share(count(&|_, d| d.emergency), n),
		sensitive_share: share(count(&|_, d| d.category.is_sensitive()), n),
		purpose_role_mismatch_share: share(count(&|_, d| purpose_mismatch(d.role, d.purpose)), n),
		category_role_mismatch_share: share(
			count(&|_, d| category_mismatch(d.role, d.category)),
			n,
		),
		organisation_scope_share: share(count(&|_, d| is_organisation_scope(&d.outcome)), n),
		first_time_patient_share: share(new_patients, recent),
		max_burst_5min_share: share(max_burst, n),
		secondary_use_share: share(
			count(&|_, d| matches!(d.purpose, Purpose::Payment | Purpose::Research)),
			n,
		),
		weekend_share: share(count(&|_, d| is_weekend(wall(d.at))), n),
		unusual_hour_share: share(unusual_hours, recent),
		one_off_patient_share: share(one_off, distinct),
		novel_category_share: share(novel_categories, recent),
		novel_purpose_share: share(novel_purposes, recent),
		role_clinical: flag(role == Some(RoleGroup::Clinical)),
		role_service: flag(role == Some(RoleGroup::Service)),
		role_office: flag(role == Some(RoleGroup::Office)),
		// Physicians consult on other wards' patients; nurses seldom leave their ward.
		role_physician: flag(last.role == Some(PractitionerRole::Physician)),
		out_of_care_patient_share: share(out_of_care_patients, distinct),
		out_of_care_last_hour_share: share(
			count(&|i, d| in_last_hour(d) && out_of_care[i]),
			recent,
		),
		unexplained_patient_share: share(count(&|i, _| first_time[i] && unexplained[i]), distinct),
		unexplained_last_hour_share: share(
			count(&|i, d| in_last_hour(d) && unexplained[i]),
			recent,
		),
		ward_registered: flag(own_ward.is_some()),
		foreign_ward_patient_share: share(
			count(&|i, _| first_time[i] && foreign_ward[i]),
			distinct,
		),
		foreign_ward_last_hour_share: share(
			count(&|i, d| in_last_hour(d) && foreign_ward[i]),
			recent,
		),
		out_of_care_share: share(count(&|i, _| out_of_care[i]), n),
		out_of_care_first_read_share: share(out_of_care_patients, n),
		out_of_care_patients: share(out_of_care_patients, SEQUENCE_LENGTH),
		organisation_scope_out_of_care_share: share(organisation_out_of_care, n),
		organisation_scope_out_of_care_reads: share(organisation_out_of_care, SEQUENCE_LENGTH),
		organisation_scope_foreign_ward_share: share(
			count(&|i, d| is_organisation_scope(&d.outcome) && foreign_ward[i]),
			n,
		),
		emergency_out_of_care_share: share(count(&|i, d| d.emergency && out_of_care[i]), n),
		emergency_sensitive_share: share(
			count(&|_, d| d.emergency && d.category.is_sensitive()),
			n,
		),
		first_read_clinical_notes_share: share(
			count(&|i, d| {
				first_time[i] && d.category == Category::Standard(StandardCategory::ClinicalNotes)
			}),
			n,
		),
		foreign_ward_last16_share: last_share(&|i, _| foreign_ward[i]),
		unexplained_last16_share: last_share(&|i, _| unexplained[i]),
		out_of_care_first_read_last16_share: last_share(&|i, _| first_time[i] && out_of_care[i]),
		sensitive_out_of_care_last16_share: last_share(&|i, d| {
			d.category.is_sensitive() && out_of_care[i]
		}),
		emergency_out_of_care_last16_share: last_share(&|i, d| d.emergency && out_of_care[i]),
		denied_sensitive_last16_share: last_share(&|_, d| {
			!d.outcome.is_granted() && d.category.is_sensitive()
		}),
		organisation_scope_first_read_last16_share: last_share(&|i, d| {
			first_time[i] && is_organisation_scope(&d.outcome)
		}),
		restricted_share: share(count(&|_, d| d.restricted), n),
		emergency_restricted_share: share(count(&|_, d| d.emergency && d.restricted), n),
		denied_restricted_last16_share: last_share(&|_, d| !d.outcome.is_granted() && d.restricted),
	}
	.to_array();

	let pad = SEQUENCE_LENGTH - n;
	for (i, decision) in window.iter().enumerate() {
		let gap_minutes = match i.checked_sub(1).and_then(|p| window.get(p)) {
			Some(previous) => decision.at.saturating_sub(previous.at) as f32 / MINUTE as f32,
			None => 0.0,
		};
		out.sequence[pad + i] = StepFeatures {
			present: 1.0,
			granted: flag(decision.outcome.is_granted()),
			emergency: flag(decision.emergency),
			sensitive: flag(decision.category.is_sensitive()),
			off_hours: flag(is_off_hours(wall(decision.at))),
			gap: squash(gap_minutes, 30.0),
			first_time_patient: flag(first_time[i]),
			purpose_role_mismatch: flag(purpose_mismatch(decision.role, decision.purpose)),
			organisation_scope: flag(is_organisation_scope(&decision.outcome)),
			clinical_notes: flag(
				decision.category == Category::Standard(StandardCategory::ClinicalNotes),
			),
			out_of_care: flag(out_of_care[i]),
			unexplained: flag(unexplained[i]),
			foreign_ward: flag(foreign_ward[i]),
			restricted: flag(decision.restricted),
		}
		.to_array();
	}
	out
}

/// What the patients' logs say of each decision of a window.
struct Care {
	/// Nobody else was granted access to the decision's patient.
	out_of_care: [bool; SEQUENCE_LENGTH],
	/// The patient has a team, and fewer than a quarter of it also read another patient of the
	/// window; the read was not under a referral.
	unexplained: [bool; SEQUENCE_LENGTH],
	/// None of the patient's clinicians is of the practitioner's ward, and some of its current
	/// team (those who read it since the practitioner first did in the window) have a ward; the
	/// read was not under a referral.
	foreign_ward: [bool; SEQUENCE_LENGTH],
}

/// The [`Care`] of each decision of `window` (whose patients first appear at `first_of`) of a
/// practitioner of `own_ward`. Each patient's log and referral are read once, and each of their
/// clinicians' ward asked once.
fn care<AccountId, Log, Ward>(
	window: &[AccessDecision<AccountId>],
	first_of: &[usize; SEQUENCE_LENGTH],
	patient_log: &mut impl FnMut(&AccountId) -> Log,
	own_ward: Option<&Ward>,
	ward_of: &mut impl FnMut(&AccountId) -> Option<Ward>,
	referral_until: &mut impl FnMut(&AccountId) -> Option<Moment>,
) -> Care
where
	AccountId: Ord + Clone,
	Log: IntoIterator,
	Log::Item: Borrow<AccessDecision<AccountId>>,
	Ward: PartialEq,
{
	let mut care = Care {
		out_of_care: [false; SEQUENCE_LENGTH],
		unexplained: [false; SEQUENCE_LENGTH],
		foreign_ward: [false; SEQUENCE_LENGTH],
	};
	let Some(last) = window.last() else { return care };
	let since = last.at.saturating_sub(CARE_LOOKBACK);
	// (clinician, the window index where the patient they read first appears, whether they read
	// the patient since that first read: its current team, not the one it had before)
	let mut teams: Vec<(AccountId, usize, bool)> = Vec::new();
	let mut referred_until = [None; SEQUENCE_LENGTH];
	for (i, decision) in window.iter().enumerate().filter(|(i, _)| first_of[*i] == *i) {
		let (anyone, clinicians) =
			others_of(patient_log(&decision.patient), &last.practitioner, since);
		care.out_of_care[i] = !anyone;
		teams.extend(
			clinicians.into_iter().map(|(clinician, latest)| (clinician, i, latest >= decision.at)),
		);
		referred_until[i] = referral_until(&decision.patient);
	}
	// A clinician who read two of the window's patients links both; a patient is explained when
	// at least 1 / EXPLAINED_BY of its clinicians are such links (one float nurse who read the
	// celebrity and a patient of the window does not put the window's practitioner in the
	// celebrity's team).
	teams.sort();
	let mut clinicians = [0u32; SEQUENCE_LENGTH];
	let mut links = [0u32; SEQUENCE_LENGTH];
	// Of each patient's clinicians: those of its current team with a ward, and those of the
	// practitioner's ward.
	let mut current_with_ward = [0u32; SEQUENCE_LENGTH];
	let mut colleagues = [0u32; SEQUENCE_LENGTH];
	for run in teams.chunk_by(|a, b| a.0 == b.0) {
		let linking = run.iter().any(|(_, i, _)| *i != run[0].1);
		let ward = own_ward.and_then(|_| ward_of(&run[0].0));
		let colleague = ward.is_some() && ward.as_ref() == own_ward;
		for (_, i, current) in run {
			clinicians[*i] = clinicians[*i].saturating_add(1);
			links[*i] = links[*i].saturating_add(u32::from(linking));
			current_with_ward[*i] =
				current_with_ward[*i].saturating_add(u32::from(*current && ward.is_some()));
			colleagues[*i] = colleagues[*i].saturating_add(u32::from(colleague));
		}
	}
	for (i, decision) in window.iter().enumerate() {
		let first = first_of[i];
		let referred = referred_until[first].is_some_and(|until| decision.at < until);
		care.out_of_care[i] = care.out_of_care[first];
		care.unexplained[i] = !referred
			&& clinicians[first] >= TEAM
			&& links[first].saturating_mul(EXPLAINED_BY) < clinicians[first];
		care.foreign_ward[i] = !referred && current_with_ward[first] > 0 && colleagues[first] == 0;
	}
	care
}

fn flag(b: bool) -> f32 {
	if b {
		1.0
	} else {
		0.0
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{audit::DenyReason, consent::ConsentDenial};

	/// Monday 2023-11-13 12:00 UTC.
	const NOON: Moment = 1_699_876_800_000;
	/// A practitioner without working hours yet.
	const NEW: WorkingHours = WorkingHours { last_day: 0, hours: [0; WORKING_HOURS_DAYS] };

	/// Working hours with a decision at each of `times`, in order.
	fn worked_at(times: impl IntoIterator<Item = Moment>) -> WorkingHours {
		let mut hours = NEW;
		for at in times {
			hours.record(at);
		}
		hours
	}

	fn decision(at: Moment, patient: u32, outcome: AccessOutcome) -> AccessDecision<u32> {
		AccessDecision {
			seq: at,
			at,
			block: 1,
			practitioner: 7,
			organisation: Some(1),
			role: Some(PractitionerRole::Nurse),
			patient,
			category: StandardCategory::Medications.into(),
			purpose: Purpose::Treatment,
			emergency: false,
			restricted: false,
			outcome,
		}
	}

	fn granted() -> AccessOutcome {
		AccessOutcome::Granted { consent: 1, scope: ConsentScope::Organisation }
	}

	/// Patients whose logs hold nobody else's reads.
	fn no_log(_: &u32) -> Vec<AccessDecision<u32>> {
		Vec::new()
	}

	/// Practitioners registered without a ward.
	fn no_ward(_: &u32) -> Option<u32> {
		None
	}

	/// A practitioner referred to no patient.
	fn no_referral(_: &u32) -> Option<Moment> {
		None
	}

	fn feature(f: &Features, name: &str) -> f32 {
		let i = WINDOW_FEATURES.iter().position(|n| *n == name).expect("a window feature");
		f.window[i]
	}

	/// The step feature `name` of the last `steps` steps of the sequence.
	fn last_steps(f: &Features, name: &str, steps: usize) -> Vec<f32> {
		let i = STEP_FEATURES.iter().position(|n| *n == name).expect("a step feature");
		f.sequence[SEQUENCE_LENGTH - steps..].iter().map(|s| s[i]).collect()
	}

	#[test]
	fn an_empty_window_has_no_features() {
		let f = features::<u32, _, u32>(&[], no_log, no_ward, &NEW, no_referral, 0);
		assert!(f.window.iter().all(|x| *x == 0.0));
		assert!(f.sequence.iter().flatten().all(|x| *x == 0.0));
	}

	#[test]
	fn a_quiet_day_shift_looks_quiet() {
		// Ten patients, one every 20 minutes, all granted, during the day.
		let window: Vec<_> =
			(0..10).map(|i| decision(NOON + i as u64 * 20 * MINUTE, i, granted())).collect();
		let f = features(&window, no_log, no_ward, &NEW, no_referral, 0);
		assert_eq!(feature(&f, "fill"), 10.0 / 64.0);
		assert_eq!(feature(&f, "off_hours_share"), 0.0);
		assert_eq!(feature(&f, "denial_share"), 0.0);
		assert_eq!(feature(&f, "distinct_patient_share"), 1.0);
		assert_eq!(feature(&f, "organisation_scope_share"), 1.0);
		assert_eq!(feature(&f, "purpose_role_mismatch_share"), 0.0);
		assert_eq!(feature(&f, "weekend_share"), 0.0);
		// 10 accesses over 3 hours: about 3.3 an hour.
		assert!((feature(&f, "rate_per_hour") - (10.0 / 3.0) / (10.0 / 3.0 + 60.0)).abs() < 1e-6);
		// The sequence is padded at the front and present at the back.
		assert_eq!(f.sequence[53][0], 0.0);
		assert_eq!(f.sequence[54][0], 1.0);
		assert_eq!(f.sequence[63][5], 20.0 / 50.0);
	}

	#[test]
	fn a_night_burst_of_denials_stands_out() {
		let night = NOON + 14 * HOUR; // 02:00
		let denied =
			AccessOutcome::Denied { reason: DenyReason::Consent(ConsentDenial::NoConsent) };
		let window: Vec<_> =
			(0..64).map(|i| decision(night + i as u64 * 2000, i, denied)).collect();
		let f = features(&window, no_log, no_ward, &NEW, no_referral, 0);
		assert_eq!(feature(&f, "fill"), 1.0);
		assert_eq!(feature(&f, "off_hours_share"), 1.0);
		assert_eq!(feature(&f, "denial_share"), 1.0);
		assert_eq!(feature(&f, "first_time_patient_share"), 1.0);
		assert!(feature(&f, "rate_per_hour") > 0.9);
		assert!(feature(&f, "max_burst_5min_share") == 1.0);
		assert!(f.sequence.iter().all(|step| step[0] == 1.0 && step[1] == 0.0));
	}

	#[test]
	fn new_patients_and_unusual_hours_are_those_of_the_last_hour() {
		// Two day shifts on four patients, then, twelve hours later, two new patients and one
		// old; the practitioner worked middays the two days before too.
		let mut window: Vec<_> = (0..8)
			.map(|i| {
				decision(NOON + (i / 4) * DAY + (i % 4) * 10 * MINUTE, i as u32 % 4, granted())
			})
			.collect();
		let night = NOON + DAY + 12 * HOUR;
		window.extend([
			decision(night, 100, granted()),
			decision(night + MINUTE, 101, granted()),
			decision(night + 2 * MINUTE, 2, granted()),
		]);
		let hours =
			worked_at([NOON - 2 * DAY, NOON - DAY].into_iter().chain(window.iter().map(|d| d.at)));
		let f = features(&window, no_log, no_ward, &hours, no_referral, 0);
		assert_eq!(feature(&f, "last_hour_share"), 3.0 / 11.0);
		assert_eq!(feature(&f, "first_time_patient_share"), 2.0 / 3.0);
		assert_eq!(feature(&f, "unusual_hour_share"), 1.0);
		assert_eq!(feature(&f, "distinct_patient_share"), 6.0 / 11.0);
		// Patients 100 and 101 once each, of six.
		assert_eq!(feature(&f, "one_off_patient_share"), 2.0 / 6.0);
		assert_eq!(feature(&f, "novel_category_share"), 0.0);
		assert_eq!(feature(&f, "role_clinical"), 1.0);
		assert_eq!(feature(&f, "role_office"), 0.0);
	}

	/// The `unusual_hour_share` of a last hour of reads at `times`, with `hours` as the
	/// practitioner's working hours before them.
	fn unusual_share(hours: WorkingHours, times: &[Moment]) -> f32 {
		let mut hours = hours;
		let window: Vec<_> = times
			.iter()
			.enumerate()
			.map(|(i, at)| {
				hours.record(*at);
				decision(*at, i as u32, granted())
			})
			.collect();
		feature(&features(&window, no_log, no_ward, &hours, no_referral, 0), "unusual_hour_share")
	}

	#[test]
	fn hours_and_days_are_the_organisations_local_ones() {
		// An evening shift, 17:00 to 19:20 local time, on four days, with four days of the
		// same shift before: in London (UTC) and in New York (UTC-5).
		let evenings = |utc_offset: UtcOffset| {
			let at = |local_at: Moment| local(local_at, -utc_offset);
			let times: Vec<Moment> = (0..4)
				.flat_map(|d| (0..8).map(move |k| NOON + d * DAY + 5 * HOUR + k * 20 * MINUTE))
				.collect();
			let earlier = (1..=4).map(|d| NOON - d * DAY + 5 * HOUR);
			let mut hours = WorkingHours::default();
			for local_at in earlier.chain(times.iter().copied()) {
				hours.record(local(at(local_at), utc_offset));
			}
			let window: Vec<_> = times
				.iter()
				.enumerate()
				.map(|(i, t)| decision(at(*t), i as u32 % 5, granted()))
				.collect();
			(window, hours)
		};
		let (london, hours) = evenings(0);
		let (new_york, ny_hours) = evenings(-300);
		let in_london = features(&london, no_log, no_ward, &hours, no_referral, 0);
		assert_eq!(features(&new_york, no_log, no_ward, &ny_hours, no_referral, -300), in_london);
		assert_eq!(feature(&in_london, "off_hours_share"), 0.0);
		assert_eq!(feature(&in_london, "unusual_hour_share"), 0.0);
		// Read in UTC, New York's evening shift is from 22:00 to 00:20: off hours.
		let as_utc = features(&new_york, no_log, no_ward, &ny_hours, no_referral, 0);
		assert_eq!(feature(&as_utc, "off_hours_share"), 1.0);
		assert_eq!(local(NOON, -300), NOON - 5 * HOUR);
		assert_eq!(local(3 * HOUR, -300), 0, "no time before the epoch");
	}

	#[test]
	fn hours_worked_on_earlier_days_are_usual_give_or_take_one() {
		// A day shift, 07:00 to 15:00 (NOON is 12:00 UTC), on five days.
		let shifts = worked_at((0..5).flat_map(|d| {
			(7..15).map(move |h| NOON - 12 * HOUR + d * DAY + h * HOUR + 5 * MINUTE)
		}));
		let today = NOON + 5 * DAY;
		assert_eq!(unusual_share(shifts, &[today]), 0.0);
		// 15:30, an hour after the last hour worked: still usual; 17:00 is not.
		assert_eq!(unusual_share(shifts, &[today + 3 * HOUR + 30 * MINUTE]), 0.0);
		assert_eq!(unusual_share(shifts, &[today + 5 * HOUR, today + 5 * HOUR + MINUTE]), 1.0);
		// 05:50 and 06:10: one of two before the hour before the shift's first.
		let dawn = today - 6 * HOUR;
		assert_eq!(unusual_share(shifts, &[dawn - 10 * MINUTE, dawn + 10 * MINUTE]), 0.5);
	}

	#[test]
	fn the_hours_of_the_day_itself_are_not_usual_yet() {
		// Three nights at 02:00, then a whole evening of reads today: none of today's hours
		// makes another of today's usual.
		let nights = worked_at((0..3).map(|d| NOON - 10 * HOUR + d * DAY));
		let evening: Vec<_> = (0..40).map(|i| NOON + 4 * DAY + i * 10 * MINUTE).collect();
		assert_eq!(unusual_share(nights, &evening), 1.0);
		// Nor does a last hour that spans midnight make its own first half usual.
		let middays = worked_at((0..3).map(|d| NOON + d * DAY));
		let midnight = NOON + 3 * DAY + 12 * HOUR;
		assert_eq!(unusual_share(middays, &[midnight - 20 * MINUTE, midnight + 20 * MINUTE]), 1.0);
		// Midnight is next to 23:00 and 01:00.
		let late = worked_at((0..3).map(|d| NOON + 11 * HOUR + d * DAY));
		assert_eq!(unusual_share(late, &[NOON + 3 * DAY + 12 * HOUR + 30 * MINUTE]), 0.0);
	}

	#[test]
	fn a_practitioner_without_enough_earlier_days_has_no_unusual_hours() {
		let two_days = worked_at([NOON, NOON + DAY]);
		assert_eq!(unusual_share(two_days, &[NOON + 2 * DAY + 10 * HOUR]), 0.0);
		let three_days = worked_at([NOON, NOON + DAY, NOON + 2 * DAY]);
		assert_eq!(unusual_share(three_days, &[NOON + 3 * DAY + 10 * HOUR]), 1.0);
		// The days held are today and the 13 before it.
		assert_eq!(unusual_share(three_days, &[NOON + 13 * DAY + 10 * HOUR]), 1.0);
		assert_eq!(unusual_share(three_days, &[NOON + 14 * DAY + 10 * HOUR]), 0.0);
	}

	#[test]
	fn working_hours_keep_each_day_in_its_place() {
		let mut hours = worked_at([NOON, NOON + HOUR]);
		assert_eq!(hours.hours[0], 0b11 << 12);
		hours.record(NOON + 3 * DAY);
		assert_eq!(hours.hours[..4], [1 << 12, 0, 0, 0b11 << 12]);
		// A decision of a day already passed is noted on that day.
		hours.record(NOON + 2 * DAY + 6 * HOUR);
		assert_eq!(hours.hours[1], 1 << 18);
		hours.record(NOON + 20 * DAY);
		assert_eq!(hours.hours, [1 << 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
		assert_eq!(hours.encoded_size(), WorkingHours::max_encoded_len());
	}

	#[test]
	fn only_the_last_sequence_length_decisions_count() {
		let window: Vec<_> =
			(0..100).map(|i| decision(NOON + i as u64 * MINUTE, i % 3, granted())).collect();
		assert_eq!(
			features(&window, no_log, no_ward, &NEW, no_referral, 0),
			features(&window[36..], no_log, no_ward, &NEW, no_referral, 0)
		);
	}

	#[test]
	fn role_mismatches_are_counted() {
		let mut billing_notes = decision(NOON, 1, granted());
		billing_notes.role = Some(PractitionerRole::Billing);
		billing_notes.category = StandardCategory::ClinicalNotes.into();
		billing_notes.purpose = Purpose::Payment;
		let earlier = decision(NOON - 2 * HOUR, 1, granted());
		let f = features(&[earlier, billing_notes.clone()], no_log, no_ward, &NEW, no_referral, 0);
		assert_eq!(feature(&f, "novel_category_share"), 1.0);
		assert_eq!(feature(&f, "novel_purpose_share"), 1.0);
		assert_eq!(feature(&f, "role_office"), 1.0);
		let f = features(&[billing_notes], no_log, no_ward, &NEW, no_referral, 0);
		assert_eq!(feature(&f, "category_role_mismatch_share"), 1.0);
		assert_eq!(feature(&f, "purpose_role_mismatch_share"), 0.0);
		assert_eq!(feature(&f, "secondary_use_share"), 1.0);
	}

	/// `practitioner`'s (of `role`) decision on `patient` at `at`.
	fn by(
		practitioner: u32,
		role: PractitionerRole,
		at: Moment,
		patient: u32,
		outcome: AccessOutcome,
	) -> AccessDecision<u32> {
		AccessDecision { practitioner, role: Some(role), ..decision(at, patient, outcome) }
	}

	#[test]
	fn the_others_of_a_patient_are_those_granted_access_since_the_lookback() {
		use PractitionerRole::*;
		let denied =
			AccessOutcome::Denied { reason: DenyReason::Consent(ConsentDenial::NoConsent) };
		// Newest first: its own read, another's denied request, the laboratory's and a nurse's
		// reads, the nurse's again, a physician's read three days ago.
		let log = [
			by(7, Nurse, NOON, 1, granted()),
			by(8, Physician, NOON - HOUR, 1, denied),
			by(10, LabTechnician, NOON - 2 * HOUR, 1, granted()),
			by(9, Nurse, NOON - 3 * HOUR, 1, granted()),
			by(9, Nurse, NOON - 4 * HOUR, 1, granted()),
			by(11, Physician, NOON - 3 * DAY, 1, granted()),
		];
		let (nurse, physician) = ((9, NOON - 3 * HOUR), (11, NOON - 3 * DAY));
		assert_eq!(others_of(&log, &7, NOON - 4 * DAY), (true, vec![nurse, physician]));
		assert_eq!(others_of(&log, &7, NOON - DAY), (true, vec![nurse]));
		assert_eq!(others_of(&log[..3], &7, NOON - DAY), (true, vec![]));
		assert_eq!(others_of(&log[..2], &7, NOON - DAY), (false, vec![]));
		// The reads of the practitioner asking do not count for it.
		assert_eq!(others_of(&log[3..], &9, NOON - 4 * DAY), (true, vec![physician]));
	}

	#[test]
	fn a_patients_log_is_read_no_further_than_the_cap() {
		use PractitionerRole::*;
		// A patient flooded with the practitioner's own reads, one a minute, newest first; a
		// physician read it an hour before the flood began, well within the look-back.
		let flood = NOON - CARE_LOG_READS as u64 * MINUTE;
		let mut log: Vec<_> = (0..CARE_LOG_READS as u64)
			.map(|i| by(7, Nurse, NOON - i * MINUTE, 1, granted()))
			.collect();
		log.push(by(11, Physician, flood - HOUR, 1, granted()));
		let mut read = 0;
		let counted = log.iter().inspect(|_| read += 1);
		assert_eq!(others_of(counted, &7, NOON - CARE_LOOKBACK), (false, vec![]));
		assert_eq!(read, CARE_LOG_READS);
		// One own read fewer, and the physician is within the cap.
		let within = others_of(&log[1..], &7, NOON - CARE_LOOKBACK);
		assert_eq!(within, (true, vec![(11, flood - HOUR)]));
	}

	#[test]
	fn the_layout_tells_apart_orders_names_and_lengths() {
		let layout = |lists: &[&[&str]], length| layout_of(lists, length);
		let ab = layout(&[&["a", "b"], &["c"]], 64);
		assert_ne!(ab, layout(&[&["b", "a"], &["c"]], 64));
		assert_ne!(ab, layout(&[&["a", "b"], &["c"]], 32));
		assert_ne!(ab, layout(&[&["a"], &["b", "c"]], 64));
		assert_ne!(layout(&[&["ab", "c"]], 64), layout(&[&["a", "bc"]], 64));
		assert_eq!(ab, layout(&[&["a", "b"], &["c"]], 64));
		assert_eq!(FEATURE_LAYOUT, layout(&[&WINDOW_FEATURES, &STEP_FEATURES], SEQUENCE_LENGTH));
	}

	#[test]
	fn the_context_features_are_window_features() {
		assert!(CONTEXT_FEATURES.iter().all(|name| WINDOW_FEATURES.contains(name)));
	}

	#[test]
	fn a_feature_is_at_its_names_place() {
		let place = |name| WINDOW_FEATURES.iter().position(|n| *n == name).unwrap();
		let window = WindowFeatures { ward_registered: 1.0, fill: 0.5, ..Default::default() };
		let array = window.to_array();
		assert_eq!((array[place("ward_registered")], array[place("fill")]), (1.0, 0.5));
		assert_eq!(array.iter().filter(|x| **x != 0.0).count(), 2);
		let step = StepFeatures { restricted: 1.0, ..Default::default() }.to_array();
		assert_eq!(step[STEP_FEATURES.len() - 1], 1.0);
		assert_eq!(STEP_FEATURES[STEP_FEATURES.len() - 1], "restricted");
	}

	#[test]
	fn patients_nobody_else_reads_are_out_of_care_and_those_of_strangers_unexplained() {
		use PractitionerRole::*;
		// Patients 0..4, each read twice by nurse 7, over three hours.
		let window: Vec<_> = (0..8)
			.map(|i| decision(NOON - 3 * HOUR + i as u64 * 25 * MINUTE, i % 4, granted()))
			.collect();
		let last = window[7].at;
		// Physician 20 reads patients 0 and 1; nurses 21 to 23 only patient 2; nobody patient
		// 3 but a physician five days ago.
		let logs = |patient: &u32| match patient {
			0 | 1 => vec![by(20, Physician, NOON - 5 * HOUR, *patient, granted())],
			2 => (21..24).map(|nurse| by(nurse, Nurse, NOON - DAY, 2, granted())).collect(),
			_ => vec![by(20, Physician, last - 5 * DAY, 3, granted())],
		};
		let mut asked = Vec::new();
		let f = features(
			&window,
			|patient| {
				asked.push(*patient);
				logs(patient)
			},
			no_ward,
			&NEW,
			no_referral,
			0,
		);
		assert_eq!(asked, [0, 1, 2, 3]);
		assert_eq!(feature(&f, "out_of_care_patient_share"), 0.25);
		assert_eq!(feature(&f, "unexplained_patient_share"), 0.25);
		// The last hour holds the second reads of patients 1, 2 and 3 (at 2:05, 2:30, 2:55).
		assert_eq!(feature(&f, "out_of_care_last_hour_share"), 1.0 / 3.0);
		assert_eq!(feature(&f, "unexplained_last_hour_share"), 1.0 / 3.0);
		assert_eq!(last_steps(&f, "out_of_care", 8), [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
		assert_eq!(last_steps(&f, "unexplained", 8), [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
	}

	/// Nurse 7's last hour: its ward's patients 0 and 1, twice each, then patient 2.
	fn ward_round_then_patient_2() -> Vec<AccessDecision<u32>> {
		[0, 1, 0, 1, 2]
			.iter()
			.enumerate()
			.map(|(i, &patient)| decision(NOON - HOUR + i as u64 * 10 * MINUTE, patient, granted()))
			.collect()
	}

	/// The reads of `patient` by the clinicians `readers`, two hours before noon, newest first.
	fn read_by(readers: &[u32], patient: u32) -> Vec<AccessDecision<u32>> {
		read_by_at(readers, patient, NOON - 2 * HOUR)
	}

	fn read_by_at(readers: &[u32], patient: u32, at: Moment) -> Vec<AccessDecision<u32>> {
		readers
			.iter()
			.map(|&who| by(who, PractitionerRole::Nurse, at, patient, granted()))
			.collect()
	}

	#[test]
	fn one_clinician_in_common_does_not_put_a_practitioner_in_a_wards_team() {
		use PractitionerRole::*;
		// Nurse 7 reads its ward's patients 0 and 1, then the celebrity 2 of another ward.
		let window = ward_round_then_patient_2();
		// Clinician 20 and float nurse 21 read patients 0 and 1; the celebrity's ward (30..36)
		// and float nurse 21 read the celebrity.
		let logs = |patient: &u32| match patient {
			2 => read_by(&[21, 30, 31, 32, 33, 34, 35], 2),
			_ => read_by(&[20, 21], *patient),
		};
		let unexplained = |f: Features| last_steps(&f, "unexplained", 5);
		// One of the celebrity's seven clinicians in common: fewer than a quarter.
		assert_eq!(
			unexplained(features(&window, logs, no_ward, &NEW, no_referral, 0)),
			[0.0, 0.0, 0.0, 0.0, 1.0]
		);
		// Two of eight: a quarter, the practitioner's reads are explained.
		let logs = |patient: &u32| {
			let mut log = logs(patient);
			log.push(by(20, Physician, NOON - 3 * HOUR, *patient, granted()));
			log
		};
		assert_eq!(unexplained(features(&window, logs, no_ward, &NEW, no_referral, 0)), [0.0; 5]);
	}

	#[test]
	fn a_patient_without_a_team_is_not_unexplained() {
		// Nurse 7 reads its ward's patients 0 and 1, then takes over a new admission 2.
		let window = ward_round_then_patient_2();
		// Clinician 20 reads patients 0 and 1; the clinicians `admitting` the new admission.
		let logs = |admitting: &'static [u32]| {
			move |patient: &u32| match patient {
				2 => read_by(admitting, 2),
				_ => read_by(&[20], *patient),
			}
		};
		let unexplained = |f: Features| last_steps(&f, "unexplained", 5);
		// Nobody yet, or fewer than three: no team to be part of.
		for admitting in [&[][..], &[30], &[30, 31]] {
			assert_eq!(
				unexplained(features(&window, logs(admitting), no_ward, &NEW, no_referral, 0)),
				[0.0; 5]
			);
		}
		// Three who never read nurse 7's other patients: a team the nurse is not part of.
		let team = logs(&[30, 31, 32]);
		assert_eq!(
			unexplained(features(&window, team, no_ward, &NEW, no_referral, 0)),
			[0.0, 0.0, 0.0, 0.0, 1.0]
		);
	}

	/// Wards: practitioners 7 and 20 work on ward 1, 30 to 39 on ward 2; float nurse 21 and
	/// everybody else on none.
	fn wards(who: &u32) -> Option<u32> {
		match who {
			7 | 20 => Some(1),
			30..40 => Some(2),
			_ => None,
		}
	}

	/// Nurse 7 (ward 1) reads its ward's patients 0 and 1, then patient 2 (at 11:40), then
	/// patient 0 again at noon.
	fn ward_round_with_patient_2() -> Vec<AccessDecision<u32>> {
		let mut window = ward_round_then_patient_2();
		window.push(decision(NOON, 0, granted()));
		window
	}

	/// Patients 0 and 1 read by clinicians 20 and 21 two hours before noon; patient 2 by
	/// `readers_of_2` ten minutes before noon, after nurse 7 first read it.
	fn logs_with(readers_of_2: &[u32]) -> impl FnMut(&u32) -> Vec<AccessDecision<u32>> + '_ {
		move |patient| match patient {
			2 => read_by_at(readers_of_2, 2, NOON - 10 * MINUTE),
			_ => read_by(&[20, 21], *patient),
		}
	}

	#[test]
	fn a_patient_whose_clinicians_all_work_on_another_ward_is_foreign() {
		let window = ward_round_with_patient_2();
		let foreign = |readers_of_2| {
			let f = features(&window, logs_with(readers_of_2), wards, &NEW, no_referral, 0);
			(last_steps(&f, "foreign_ward", 6), feature(&f, "foreign_ward_patient_share"))
		};
		// Ward 2's clinicians, and a float nurse, who has no ward: foreign.
		assert_eq!(foreign(&[30, 21]), (vec![0.0, 0.0, 0.0, 0.0, 1.0, 0.0], 1.0 / 3.0));
		// One of nurse 7's ward among them: not.
		assert_eq!(foreign(&[30, 20]), (vec![0.0; 6], 0.0));
		// Nobody with a ward, or nobody at all: nothing to compare with.
		assert_eq!(foreign(&[21]), (vec![0.0; 6], 0.0));
		assert_eq!(foreign(&[]), (vec![0.0; 6], 0.0));
		let f = features(&window, logs_with(&[30]), wards, &NEW, no_referral, 0);
		assert_eq!(feature(&f, "ward_registered"), 1.0);
		assert_eq!(feature(&f, "foreign_ward_last_hour_share"), 1.0 / 6.0);
	}

	#[test]
	fn a_patient_is_foreign_only_once_another_wards_team_reads_it_after_the_practitioner() {
		let foreign = |window: &[AccessDecision<u32>], readers_at: Moment| {
			let logs = |patient: &u32| match patient {
				2 => read_by_at(&[30, 31], 2, readers_at),
				_ => read_by(&[20, 21], *patient),
			};
			let f = features(window, logs, wards, &NEW, no_referral, 0);
			feature(&f, "foreign_ward_patient_share")
		};
		// Ward 2 read patient 2 before nurse 7 did, and no more: handed over to nurse 7's ward.
		assert_eq!(foreign(&ward_round_with_patient_2(), NOON - HOUR), 0.0);
		// Ward 2 still reads it after nurse 7 did: its patient.
		assert_eq!(foreign(&ward_round_with_patient_2(), NOON - 10 * MINUTE), 1.0 / 3.0);
		// At nurse 7's read of patient 2, ten minutes after ward 2's, nobody has read it since:
		// handed over or not, it cannot tell yet.
		assert_eq!(foreign(&ward_round_then_patient_2(), NOON - 30 * MINUTE), 0.0);
	}

	#[test]
	fn only_a_clinician_with_a_ward_has_foreign_patients() {
		use PractitionerRole::*;
		let as_ = |practitioner: u32, role: PractitionerRole| -> Vec<_> {
			let window = ward_round_with_patient_2().into_iter();
			window.map(|d| AccessDecision { practitioner, role: Some(role), ..d }).collect()
		};
		// Ward 1's physician: foreign, and a physician.
		let f = features(&as_(20, Physician), logs_with(&[30, 31]), wards, &NEW, no_referral, 0);
		assert_eq!(last_steps(&f, "foreign_ward", 2), [1.0, 0.0]);
		assert_eq!(feature(&f, "role_physician"), 1.0);
		// The same reads by practitioner 7 as a lab technician (service staff serve every ward)
		// and by float nurse 21: no ward of their own, nothing foreign.
		for window in [as_(7, LabTechnician), as_(21, Nurse)] {
			let f = features(&window, logs_with(&[30, 31]), wards, &NEW, no_referral, 0);
			assert_eq!(feature(&f, "ward_registered"), 0.0);
			assert_eq!(feature(&f, "role_physician"), 0.0);
			assert_eq!(last_steps(&f, "foreign_ward", 6), [0.0; 6]);
		}
	}

	#[test]
	fn a_patient_read_under_a_referral_is_neither_foreign_nor_unexplained() {
		// Patient 2, whom nurse 7 reads at 11:40, only ward 2's team cares for.
		let window = ward_round_with_patient_2();
		let last_read = |referral: Option<(u32, Moment)>| {
			let referral_until =
				|patient: &u32| referral.filter(|(to, _)| to == patient).map(|(_, until)| until);
			let f = features(&window, logs_with(&[30, 31, 32]), wards, &NEW, referral_until, 0);
			[last_steps(&f, "foreign_ward", 2)[0], last_steps(&f, "unexplained", 2)[0]]
		};
		assert_eq!(last_read(None), [1.0, 1.0]);
		// Referred to patient 2 until noon: the consult is the care.
		assert_eq!(last_read(Some((2, NOON))), [0.0, 0.0]);
		// A referral that ended before the read, or one to another patient, explains nothing.
		assert_eq!(last_read(Some((2, NOON - 30 * MINUTE))), [1.0, 1.0]);
		assert_eq!(last_read(Some((0, NOON))), [1.0, 1.0]);
	}

	#[test]
	fn pairs_count_decisions_with_both_flags_and_last16_only_the_last_decisions() {
		use PractitionerRole::*;
		// Nurse 7 reads 40 patients once each; somebody else cares for patients 0..30 only.
		// Decisions 22..26 are denied reads of mental health records, 36..40 emergency ones.
		let denied =
			AccessOutcome::Denied { reason: DenyReason::Consent(ConsentDenial::NoConsent) };
		let window: Vec<_> = (0..40)
			.map(|i| {
				let mut d = decision(NOON + i as u64 * MINUTE, i, granted());
				if (22..26).contains(&i) {
					d.outcome = denied;
				}
				if (22..26).contains(&i) || i >= 36 {
					d.category = Category::Sensitive(Default::default());
				}
				d.emergency = i >= 36;
				d
			})
			.collect();
		let logs = |patient: &u32| match *patient < 30 {
			true => vec![by(20, Physician, NOON - HOUR, *patient, granted())],
			false => vec![],
		};
		let f = features(&window, logs, no_ward, &NEW, no_referral, 0);
		let whole = [
			("out_of_care_share", 10.0 / 40.0),
			("out_of_care_first_read_share", 10.0 / 40.0),
			("out_of_care_patients", 10.0 / 64.0),
			("organisation_scope_out_of_care_share", 10.0 / 40.0),
			("organisation_scope_out_of_care_reads", 10.0 / 64.0),
			("emergency_out_of_care_share", 4.0 / 40.0),
			("emergency_sensitive_share", 4.0 / 40.0),
			("first_read_clinical_notes_share", 0.0),
		];
		// The last 16 are decisions 24..40: two of the denied, all ten out of care.
		let last16 = [
			("out_of_care_first_read_last16_share", 10.0 / 16.0),
			("sensitive_out_of_care_last16_share", 4.0 / 16.0),
			("emergency_out_of_care_last16_share", 4.0 / 16.0),
			("denied_sensitive_last16_share", 2.0 / 16.0),
			("organisation_scope_first_read_last16_share", 14.0 / 16.0),
			("unexplained_last16_share", 0.0),
			("foreign_ward_last16_share", 0.0),
		];
		for (name, value) in whole.into_iter().chain(last16) {
			assert_eq!(feature(&f, name), value, "{name}");
		}
		// A window shorter than 16 is its own last 16.
		let f = features(&window[30..], logs, no_ward, &NEW, no_referral, 0);
		assert_eq!(feature(&f, "out_of_care_first_read_last16_share"), 1.0);
		assert_eq!(feature(&f, "emergency_out_of_care_last16_share"), 0.4);
	}
	#[test]
	fn reads_of_a_restricted_record_are_flagged_and_its_denials_and_emergencies_counted() {
		// Nurse 7 reads patients 0..20; patient 20, restricted, refuses it under the
		// organisation's consent twice, then the nurse breaks the glass and reads it.
		let restricted_denial =
			AccessOutcome::Denied { reason: DenyReason::Consent(ConsentDenial::RecordRestricted) };
		let mut window: Vec<_> =
			(0..20).map(|i| decision(NOON + i as u64 * MINUTE, i, granted())).collect();
		for (i, outcome) in [restricted_denial, restricted_denial].into_iter().enumerate() {
			let at = NOON + (20 + i as u64) * MINUTE;
			window.push(AccessDecision { restricted: true, ..decision(at, 20, outcome) });
		}
		let emergency = AccessOutcome::EmergencyGranted { access: 0 };
		window.push(AccessDecision {
			restricted: true,
			emergency: true,
			..decision(NOON + 22 * MINUTE, 20, emergency)
		});
		let f = features(&window, no_log, no_ward, &NEW, no_referral, 0);
		assert_eq!(feature(&f, "restricted_share"), 3.0 / 23.0);
		assert_eq!(feature(&f, "emergency_restricted_share"), 1.0 / 23.0);
		assert_eq!(feature(&f, "denied_restricted_last16_share"), 2.0 / 16.0);
		assert_eq!(last_steps(&f, "restricted", 4), [0.0, 1.0, 1.0, 1.0]);
		// The same reads of an unrestricted record: nothing restricted.
		let unflagged: Vec<_> =
			window.into_iter().map(|d| AccessDecision { restricted: false, ..d }).collect();
		let f = features(&unflagged, no_log, no_ward, &NEW, no_referral, 0);
		assert_eq!(feature(&f, "restricted_share"), 0.0);
		assert_eq!(feature(&f, "denied_restricted_last16_share"), 0.0);
	}
}
