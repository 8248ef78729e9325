//! The access-log JSONL format and its labels (`docs/access-log.md`): reading, writing, and the
//! conversion to and from the chain's [`AccessDecision`].

use ehr_primitives::{
	audit::{AccessDecision, AccessOutcome, DenyReason},
	consent::{Category, ConsentDenial, ConsentScope, Purpose, RecordCategory},
	providers::{PractitionerRole, ProviderDenial, UtcOffset, UTC_OFFSETS},
};
use serde::{Deserialize, Serialize};
use std::{
	collections::{BTreeMap, BTreeSet},
	fmt,
	io::BufRead,
};

/// One line of `log.jsonl`, field for field.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
	pub seq: u64,
	pub ts: u64,
	pub practitioner: String,
	pub organisation: String,
	pub role: String,
	pub patient: String,
	pub category: String,
	pub purpose: String,
	pub outcome: Outcome,
	pub deny_reason: Option<String>,
	pub emergency: bool,
	pub consent_scope: Option<String>,
	/// Whether the patient's record was restricted (false if absent: logs written before the
	/// field).
	#[serde(default)]
	pub restricted: bool,
}

/// `"granted"` or `"denied"`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
	Granted,
	Denied,
}

/// One line of `labels.jsonl`: an injected attack.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
	pub practitioner: String,
	pub attack: String,
	pub start_ts: u64,
	pub end_ts: u64,
}

/// One line of `registry.jsonl`: a practitioner as its organisation registered it, with the
/// department it works in if it has one (float staff and residents on rotation do not).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
	pub practitioner: String,
	pub organisation: String,
	pub department: Option<String>,
	/// The organisation's offset from UTC in minutes, east positive (0 if absent).
	#[serde(default)]
	pub utc_offset: UtcOffset,
}

/// The ward of each practitioner that has one: its organisation and department.
pub type Wards = BTreeMap<String, (String, String)>;

/// The offset from UTC of each practitioner's organisation, where it is not 0.
pub type UtcOffsets = BTreeMap<String, UtcOffset>;

/// A registration the registry cannot hold: where it is (from 0), and why.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BadRegistration {
	pub index: usize,
	pub practitioner: String,
	pub problem: RegistrationProblem,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RegistrationProblem {
	/// The practitioner is registered twice: ambiguous.
	Duplicate,
	/// The offset is not between -720 and 840 minutes.
	UtcOffset(UtcOffset),
}

impl fmt::Display for BadRegistration {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self.problem {
			RegistrationProblem::Duplicate => {
				write!(f, "practitioner {:?} is registered twice", self.practitioner)
			},
			RegistrationProblem::UtcOffset(offset) => {
				write!(f, "utc_offset {offset} is not between -720 and 840 minutes")
			},
		}
	}
}

/// The wards and the organisations' offsets of `registrations`.
pub fn registry(
	registrations: impl IntoIterator<Item = Registration>,
) -> Result<(Wards, UtcOffsets), BadRegistration> {
	let mut registered = BTreeSet::new();
	let (mut wards, mut offsets) = (Wards::new(), UtcOffsets::new());
	for (index, r) in registrations.into_iter().enumerate() {
		let refuse =
			|problem| BadRegistration { index, practitioner: r.practitioner.clone(), problem };
		if !registered.insert(r.practitioner.clone()) {
			return Err(refuse(RegistrationProblem::Duplicate));
		}
		if !UTC_OFFSETS.contains(&r.utc_offset) {
			return Err(refuse(RegistrationProblem::UtcOffset(r.utc_offset)));
		}
		if r.utc_offset != 0 {
			offsets.insert(r.practitioner.clone(), r.utc_offset);
		}
		if let Some(department) = r.department {
			wards.insert(r.practitioner, (r.organisation, department));
		}
	}
	Ok((wards, offsets))
}

/// One line of `referrals.jsonl`: a patient referred to a consultant (the audit pallet's
/// `refer`), made at `from`, ending at `until` (unix milliseconds, exclusive).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Referral {
	pub consultant: String,
	pub patient: String,
	pub by: String,
	pub from: u64,
	pub until: u64,
}

/// The referrals of a log, by consultant and patient, each pair's in the order they were made.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct Referrals(BTreeMap<(String, String), Vec<(u64, u64)>>);

/// A referral that ends before it starts, as the chain would never hold: its place (from 0).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EmptyReferral {
	pub index: usize,
}

impl fmt::Display for EmptyReferral {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "a referral must end after it is made (`until` > `from`)")
	}
}

impl Referrals {
	/// The referrals of `entries`; one that ends before it starts is refused.
	pub fn new(entries: impl IntoIterator<Item = Referral>) -> Result<Self, EmptyReferral> {
		let mut by_pair: BTreeMap<_, Vec<_>> = BTreeMap::new();
		for (index, r) in entries.into_iter().enumerate() {
			if r.until <= r.from {
				return Err(EmptyReferral { index });
			}
			by_pair.entry((r.consultant, r.patient)).or_default().push((r.from, r.until));
		}
		for made in by_pair.values_mut() {
			made.sort_unstable();
		}
		Ok(Self(by_pair))
	}

	/// When the referral of `patient` to `consultant` that the chain holds at `at` ends: the
	/// last one made by then (a new referral of a pair replaces the old).
	pub fn until(&self, consultant: &str, patient: &str, at: u64) -> Option<u64> {
		let made = self.0.get(&(consultant.to_string(), patient.to_string()))?;
		made.iter().take_while(|(from, _)| *from <= at).last().map(|(_, until)| *until)
	}
}

/// What the chain knows besides the log that the features read: the registry's wards and
/// organisations' offsets from UTC, and the referrals.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct ChainState {
	pub wards: Wards,
	pub utc_offsets: UtcOffsets,
	pub referrals: Referrals,
}

impl ChainState {
	/// The offset from UTC of `practitioner`'s organisation.
	pub fn utc_offset(&self, practitioner: &str) -> UtcOffset {
		self.utc_offsets.get(practitioner).copied().unwrap_or_default()
	}
}

/// A line that is not a valid entry.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LineError {
	/// 1-based.
	pub line: usize,
	pub message: String,
}

impl fmt::Display for LineError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "line {}: {}", self.line, self.message)
	}
}

const ROLES: [&str; 11] = [
	"physician",
	"nurse",
	"pharmacist",
	"lab_technician",
	"radiographer",
	"therapist",
	"paramedic",
	"researcher",
	"administrative",
	"billing",
	"records_officer",
];
const ALL_ROLES: [PractitionerRole; 11] = [
	PractitionerRole::Physician,
	PractitionerRole::Nurse,
	PractitionerRole::Pharmacist,
	PractitionerRole::LabTechnician,
	PractitionerRole::Radiographer,
	PractitionerRole::Therapist,
	PractitionerRole::Paramedic,
	PractitionerRole::Researcher,
	PractitionerRole::Administrative,
	PractitionerRole::Billing,
	PractitionerRole::RecordsOfficer,
];
/// The categories' names, in [`RecordCategory::ALL`]'s order: the standard ones, then the
/// sensitive ones, which the chain never names (a log from before blinding may).
const CATEGORIES: [&str; 14] = [
	"demographics",
	"encounters",
	"conditions",
	"medications",
	"allergies",
	"laboratory_results",
	"imaging",
	"immunizations",
	"clinical_notes",
	"mental_health",
	"substance_use",
	"sexual_reproductive_health",
	"genetics",
	"hiv",
];
const PURPOSES: [&str; 6] =
	["treatment", "payment", "operations", "research", "public_health", "emergency"];
const PROVIDER_DENIALS: [(ProviderDenial, &str); 6] = [
	(ProviderDenial::Unknown, "unknown"),
	(ProviderDenial::Pending, "pending"),
	(ProviderDenial::Suspended, "suspended"),
	(ProviderDenial::Revoked, "revoked"),
	(ProviderDenial::CredentialExpired, "credential_expired"),
	(ProviderDenial::OrganisationInactive, "organisation_inactive"),
];
const CONSENT_DENIALS: [(ConsentDenial, &str); 8] = [
	(ConsentDenial::NoConsent, "no_consent"),
	(ConsentDenial::CategoryNotCovered, "category_not_covered"),
	(ConsentDenial::SensitiveCategoryNotCovered, "sensitive_category_not_covered"),
	(ConsentDenial::PurposeNotCovered, "purpose_not_covered"),
	(ConsentDenial::ConsentNotYetValid, "consent_not_yet_valid"),
	(ConsentDenial::ConsentExpired, "consent_expired"),
	(ConsentDenial::ConsentExhausted, "consent_exhausted"),
	(ConsentDenial::RecordRestricted, "record_restricted"),
];
const BREAK_GLASS_OPTED_OUT: &str = "break_glass_opted_out";
const EMERGENCY_LIMIT_REACHED: &str = "emergency_limit_reached";

/// The snake_case spelling of a role.
pub fn role_name(role: PractitionerRole) -> &'static str {
	spelling(&ALL_ROLES, &ROLES, role)
}

/// How the log spells any sensitive category: blinded on chain, one class to the features.
pub const SENSITIVE: &str = "sensitive";

/// The snake_case spelling of a category, [`SENSITIVE`] for a blinded one.
pub fn category_name(category: Category) -> &'static str {
	match category.standard() {
		Some(standard) => spelling(&RecordCategory::ALL, &CATEGORIES, standard.into()),
		None => SENSITIVE,
	}
}

/// The category a log names: a standard one, or [`SENSITIVE`] (or, in a log from before
/// blinding, a sensitive one by name), which reads as [`Category::SENSITIVE_UNNAMED`].
fn parse_category(name: &str) -> Result<Category, String> {
	if name == SENSITIVE {
		return Ok(Category::SENSITIVE_UNNAMED);
	}
	Ok(parse(&RecordCategory::ALL, &CATEGORIES, "category", name)?.without_salt())
}

/// The snake_case spelling of a purpose.
pub fn purpose_name(purpose: Purpose) -> &'static str {
	spelling(&Purpose::ALL, &PURPOSES, purpose)
}

/// The snake_case spelling of a deny reason.
pub fn deny_reason_name(reason: DenyReason) -> &'static str {
	match reason {
		DenyReason::Provider(denial) => lookup_name(&PROVIDER_DENIALS, denial),
		DenyReason::Consent(denial) => lookup_name(&CONSENT_DENIALS, denial),
		DenyReason::BreakGlassOptedOut => BREAK_GLASS_OPTED_OUT,
		DenyReason::EmergencyLimitReached => EMERGENCY_LIMIT_REACHED,
	}
}

fn spelling<T: PartialEq + Copy>(values: &[T], names: &[&'static str], value: T) -> &'static str {
	values.iter().zip(names).find(|(v, _)| **v == value).map(|(_, n)| *n).unwrap_or("")
}

fn lookup_name<T: PartialEq + Copy>(table: &[(T, &'static str)], value: T) -> &'static str {
	table.iter().find(|(v, _)| *v == value).map(|(_, n)| *n).unwrap_or("")
}

fn parse<T: Copy>(values: &[T], names: &[&str], what: &str, name: &str) -> Result<T, String> {
	names
		.iter()
		.position(|n| *n == name)
		.and_then(|i| values.get(i).copied())
		.ok_or_else(|| format!("unknown {what} `{name}`"))
}

fn parse_deny_reason(name: &str) -> Result<DenyReason, String> {
	match name {
		BREAK_GLASS_OPTED_OUT => return Ok(DenyReason::BreakGlassOptedOut),
		EMERGENCY_LIMIT_REACHED => return Ok(DenyReason::EmergencyLimitReached),
		_ => {},
	}
	let find = |table: &[(_, &str)]| table.iter().find(|(_, n)| *n == name).map(|(v, _)| *v);
	find(&PROVIDER_DENIALS)
		.map(DenyReason::Provider)
		.or_else(|| find_consent(name).map(DenyReason::Consent))
		.ok_or_else(|| format!("unknown deny_reason `{name}`"))
}

fn find_consent(name: &str) -> Option<ConsentDenial> {
	CONSENT_DENIALS.iter().find(|(_, n)| *n == name).map(|(v, _)| *v)
}

impl LogEntry {
	/// The line for `decision`. Ids are written as given; the consent or emergency-access id
	/// of a grant is not part of the format.
	pub fn from_decision(decision: &AccessDecision<String>) -> Self {
		let (outcome, deny_reason, consent_scope) = match decision.outcome {
			AccessOutcome::Granted { scope, .. } => (
				Outcome::Granted,
				None,
				Some(match scope {
					ConsentScope::Practitioner => "practitioner",
					ConsentScope::Organisation => "organisation",
				}),
			),
			AccessOutcome::EmergencyGranted { .. } => (Outcome::Granted, None, Some("emergency")),
			AccessOutcome::Denied { reason } => {
				(Outcome::Denied, Some(deny_reason_name(reason).to_string()), None)
			},
		};
		LogEntry {
			seq: decision.seq,
			ts: decision.at,
			practitioner: decision.practitioner.clone(),
			organisation: decision.organisation.clone().unwrap_or_default(),
			role: decision.role.map(role_name).unwrap_or_default().to_string(),
			patient: decision.patient.clone(),
			category: category_name(decision.category).to_string(),
			purpose: purpose_name(decision.purpose).to_string(),
			outcome,
			deny_reason,
			emergency: decision.emergency,
			consent_scope: consent_scope.map(str::to_string),
			restricted: decision.restricted,
		}
	}

	/// The decision this line records (consent and emergency-access ids are 0: the format
	/// does not carry them), or why the line is inconsistent.
	pub fn to_decision(&self) -> Result<AccessDecision<String>, String> {
		let outcome =
			match (self.outcome, self.deny_reason.as_deref(), self.consent_scope.as_deref()) {
				(Outcome::Granted, None, Some("practitioner")) => {
					AccessOutcome::Granted { consent: 0, scope: ConsentScope::Practitioner }
				},
				(Outcome::Granted, None, Some("organisation")) => {
					AccessOutcome::Granted { consent: 0, scope: ConsentScope::Organisation }
				},
				(Outcome::Granted, None, Some("emergency")) => {
					AccessOutcome::EmergencyGranted { access: 0 }
				},
				(Outcome::Denied, Some(reason), None) => {
					AccessOutcome::Denied { reason: parse_deny_reason(reason)? }
				},
				_ => {
					return Err("outcome, deny_reason and consent_scope do not agree \
					(granted: a scope and no reason; denied: a reason and no scope)"
						.into())
				},
			};
		let role = match self.role.as_str() {
			"" => None,
			name => Some(parse(&ALL_ROLES, &ROLES, "role", name)?),
		};
		Ok(AccessDecision {
			seq: self.seq,
			at: self.ts,
			block: (self.seq >> 32) as u32,
			practitioner: self.practitioner.clone(),
			organisation: Some(self.organisation.clone()).filter(|o| !o.is_empty()),
			role,
			patient: self.patient.clone(),
			category: parse_category(&self.category)?,
			purpose: parse(&Purpose::ALL, &PURPOSES, "purpose", &self.purpose)?,
			emergency: self.emergency,
			restricted: self.restricted,
			outcome,
		})
	}
}

/// What to do with a malformed line.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OnMalformed {
	/// Report it and go on.
	Skip,
	/// Stop at it.
	Refuse,
}

/// The decisions of a JSONL log, with the malformed lines skipped (and reported) or the first
/// one refused. A decision whose `seq` is not after the previous one's (out of order, or the
/// same decision twice) is always refused: the features read the log in the chain's order, and
/// no skipping makes a shuffled log the chain's.
pub fn read_log(
	reader: impl BufRead,
	on_malformed: OnMalformed,
) -> Result<(Vec<AccessDecision<String>>, Vec<LineError>), LineError> {
	let mut decisions = Vec::new();
	let mut skipped = Vec::new();
	for (index, line) in reader.lines().enumerate() {
		let line_number = index + 1;
		let parsed = line
			.map_err(|e| format!("unreadable: {e}"))
			.and_then(|text| serde_json::from_str::<LogEntry>(&text).map_err(|e| e.to_string()))
			.and_then(|entry| entry.to_decision());
		match parsed {
			Ok(decision) => {
				if let Some(previous) = decisions.last().map(|d: &AccessDecision<String>| d.seq) {
					if decision.seq <= previous {
						let message = format!(
							"seq {} is not after the previous decision's {previous}: a log is in \
							 increasing seq order, each decision once",
							decision.seq
						);
						return Err(LineError { line: line_number, message });
					}
				}
				decisions.push(decision)
			},
			Err(message) => {
				let error = LineError { line: line_number, message };
				match on_malformed {
					OnMalformed::Skip => skipped.push(error),
					OnMalformed::Refuse => return Err(error),
				}
			},
		}
	}
	Ok((decisions, skipped))
}

#[cfg(test)]
mod tests {
	use super::*;
	use ehr_primitives::consent::StandardCategory;

	fn entry(outcome: &str, deny_reason: &str, consent_scope: &str) -> String {
		format!(
			r#"{{"seq":4294967297,"ts":1700000000000,"practitioner":"p-1","organisation":"org-1","role":"lab_technician","patient":"pt-1","category":"laboratory_results","purpose":"treatment","outcome":"{outcome}","deny_reason":{deny_reason},"emergency":false,"consent_scope":{consent_scope},"restricted":false}}"#
		)
	}

	#[test]
	fn every_outcome_round_trips() {
		for line in [
			entry("granted", "null", r#""organisation""#),
			entry("granted", "null", r#""practitioner""#),
			entry("granted", "null", r#""emergency""#),
			entry("denied", r#""no_consent""#, "null"),
			entry("denied", r#""suspended""#, "null"),
			entry("denied", r#""break_glass_opted_out""#, "null"),
			entry("denied", r#""emergency_limit_reached""#, "null"),
			entry("denied", r#""record_restricted""#, "null")
				.replace(r#""restricted":false"#, r#""restricted":true"#),
		] {
			let parsed: LogEntry = serde_json::from_str(&line).unwrap();
			let decision = parsed.to_decision().unwrap();
			assert_eq!(LogEntry::from_decision(&decision), parsed);
			assert_eq!(serde_json::to_string(&parsed).unwrap(), line);
		}
	}

	#[test]
	fn a_line_without_restricted_is_of_an_unrestricted_record() {
		let line =
			entry("granted", "null", r#""organisation""#).replace(r#","restricted":false"#, "");
		let parsed: LogEntry = serde_json::from_str(&line).unwrap();
		assert!(!parsed.to_decision().unwrap().restricted);
		let restricted =
			line.replace(r#""emergency":false"#, r#""emergency":false,"restricted":true"#);
		let parsed: LogEntry = serde_json::from_str(&restricted).unwrap();
		assert!(parsed.to_decision().unwrap().restricted);
	}

	#[test]
	fn a_log_out_of_seq_order_or_with_a_decision_twice_is_refused_by_line() {
		let at = |seq: u64| {
			entry("granted", "null", r#""organisation""#).replace("4294967297", &seq.to_string())
		};
		let log = |seqs: &[u64]| seqs.iter().map(|s| at(*s)).collect::<Vec<_>>().join("\n");
		for on_malformed in [OnMalformed::Skip, OnMalformed::Refuse] {
			let (ok, _) = read_log(log(&[5, 9, 4294967297]).as_bytes(), on_malformed).unwrap();
			assert_eq!(ok.len(), 3);
			for (seqs, line) in [(&[5, 9, 7][..], 3), (&[5, 5][..], 2)] {
				let error = read_log(log(seqs).as_bytes(), on_malformed).unwrap_err();
				assert_eq!(error.line, line);
				assert!(error.message.contains("increasing seq order"), "{error}");
			}
		}
		// A skipped line does not count as the previous decision.
		let with_bad = format!("{}\nnot json\n{}", at(5), at(6));
		assert_eq!(read_log(with_bad.as_bytes(), OnMalformed::Skip).unwrap().0.len(), 2);
	}

	#[test]
	fn every_spelling_parses_back() {
		for role in ALL_ROLES {
			assert_eq!(parse(&ALL_ROLES, &ROLES, "role", role_name(role)), Ok(role));
		}
		for category in StandardCategory::ALL.map(Category::Standard) {
			assert_eq!(parse_category(category_name(category)), Ok(category));
		}
		// Every sensitive category is one class, named alike; so is one a log names in clear.
		let blinded = Category::Sensitive([7; 32].into());
		assert_eq!(category_name(blinded), SENSITIVE);
		for name in [SENSITIVE, "hiv", "mental_health"] {
			assert_eq!(parse_category(name), Ok(Category::SENSITIVE_UNNAMED));
		}
		assert!(parse_category("psychiatry").is_err());
		for (denial, name) in CONSENT_DENIALS {
			assert_eq!(parse_deny_reason(name), Ok(DenyReason::Consent(denial)));
		}
		for (denial, name) in PROVIDER_DENIALS {
			assert_eq!(parse_deny_reason(name), Ok(DenyReason::Provider(denial)));
		}
	}

	#[test]
	fn malformed_lines_are_skipped_or_refused_with_their_number() {
		let log = [
			entry("granted", "null", r#""organisation""#),
			"not json".to_string(),
			entry("granted", r#""no_consent""#, "null"),
			entry("denied", r#""no_such_reason""#, "null"),
			entry("granted", "null", r#""organisation""#).replace("treatment", "fun"),
			entry("granted", "null", r#""organisation""#).replace(r#""seq":4294967297,"#, ""),
			entry("denied", r#""no_consent""#, "null").replace("4294967297", "4294967298"),
		]
		.join("\n");
		let (decisions, skipped) = read_log(log.as_bytes(), OnMalformed::Skip).unwrap();
		assert_eq!(decisions.len(), 2);
		assert_eq!(skipped.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 3, 4, 5, 6]);
		assert!(skipped[2].message.contains("no_such_reason"));
		assert!(skipped[3].message.contains("unknown purpose `fun`"));
		assert!(skipped[4].message.contains("seq"));

		let refused = read_log(log.as_bytes(), OnMalformed::Refuse).unwrap_err();
		assert_eq!(refused.line, 2);
	}

	fn registration(practitioner: &str, department: Option<&str>) -> Registration {
		Registration {
			practitioner: practitioner.into(),
			organisation: "org-1".into(),
			department: department.map(Into::into),
			utc_offset: 0,
		}
	}

	#[test]
	fn a_ward_is_the_organisation_and_department_of_a_registration_that_has_one() {
		let registered =
			registry([registration("p-1", Some("cardiology")), registration("p-2", None)]);
		let expected = Wards::from([("p-1".into(), ("org-1".into(), "cardiology".into()))]);
		assert_eq!(registered, Ok((expected, UtcOffsets::new())));
	}

	#[test]
	fn a_practitioner_registered_twice_or_off_the_worlds_clocks_is_refused() {
		let twice = [
			registration("p-1", Some("cardiology")),
			registration("p-2", None),
			registration("p-1", None),
		];
		let refused =
			|index, problem| BadRegistration { index, practitioner: "p-1".into(), problem };
		assert_eq!(registry(twice), Err(refused(2, RegistrationProblem::Duplicate)));
		let east = Registration { utc_offset: 841, ..registration("p-1", None) };
		let refused_offset = refused(0, RegistrationProblem::UtcOffset(841));
		assert_eq!(registry([east]), Err(refused_offset.clone()));
		assert!(refused_offset.to_string().contains("utc_offset 841"));
	}

	#[test]
	fn a_registration_names_its_organisations_offset_from_utc_or_is_at_utc() {
		let line = r#"{"practitioner":"p-1","organisation":"org-1","department":null}"#;
		let old: Registration = serde_json::from_str(line).unwrap();
		assert_eq!(old.utc_offset, 0);
		let line =
			r#"{"practitioner":"p-2","organisation":"org-2","department":null,"utc_offset":-300}"#;
		let new: Registration = serde_json::from_str(line).unwrap();
		let (_, offsets) = registry([old, new]).unwrap();
		assert_eq!(offsets, UtcOffsets::from([("p-2".into(), -300)]));
		let chain = ChainState { utc_offsets: offsets, ..ChainState::default() };
		assert_eq!((chain.utc_offset("p-1"), chain.utc_offset("p-2")), (0, -300));
	}

	fn referral(patient: &str, from: u64, until: u64) -> Referral {
		Referral {
			consultant: "p-1".into(),
			patient: patient.into(),
			by: "p-2".into(),
			from,
			until,
		}
	}

	#[test]
	fn the_referral_standing_at_a_moment_is_the_last_made_by_then() {
		let referrals =
			Referrals::new([referral("pt-1", 100, 500), referral("pt-1", 50, 80)]).unwrap();
		assert_eq!(referrals.until("p-1", "pt-1", 49), None);
		assert_eq!(referrals.until("p-1", "pt-1", 60), Some(80));
		// A run-out referral still says when it ended: the features judge the reads by it.
		assert_eq!(referrals.until("p-1", "pt-1", 90), Some(80));
		assert_eq!(referrals.until("p-1", "pt-1", 100), Some(500));
		assert_eq!(referrals.until("p-1", "pt-2", 100), None);
		assert_eq!(referrals.until("p-2", "pt-1", 100), None);
	}

	#[test]
	fn a_referral_that_ends_before_it_starts_is_refused() {
		let refused = Referrals::new([referral("pt-1", 50, 80), referral("pt-1", 80, 80)]);
		assert_eq!(refused, Err(EmptyReferral { index: 1 }));
	}
}
