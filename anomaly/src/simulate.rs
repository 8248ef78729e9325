//! A hospital network's access log, simulated, with injected attacks and their labels.
//!
//! Hospitals with departments; practitioners with roles, shifts (day, evening, night, office
//! hours) and days off, physicians in training rotating between departments weekly, float nurses
//! sent to another ward each day, each ward's patients shared out among the clinicians on shift
//! (a nurse for every patient every shift, a physician every day), specialists called to consult
//! on another ward's patient,
//! overtime and the odd shift covered for a colleague;
//! patients with a home hospital and consents (organisation-wide for treatment, payment and
//! operations; sensitive categories only where their care needs them; research for some; a named
//! physician for a few; none at all for a few), admitted with stays of realistic length or seen
//! in the emergency department, where patients of other hospitals are reached by break-glass.
//! A few patients' records are restricted (staff, public figures, victims of violence): their
//! custodians name their care teams in consents, a clinician refused before that breaks the
//! glass, a referred consultant reads them under the organisation's consent, office batches and
//! insurers are refused them; half the VIP snooping is on such a record.
//! Laboratory, radiology (radiographers and radiologists) and pharmacy staff read many patients
//! each; billing, insurer and
//! records-office staff work through batches of records in office hours: the hard negatives that
//! fool simple rules.
//!
//! Every practitioner is registered with its department (`registry`), but for the clinicians
//! with no ward of their own (float nurses and physicians in training, whose ward changes, and
//! radiologists, who report on every ward's images): their organisations register them without
//! one.
//!
//! Attacks take a share of practitioner-days (`attack_rate`), each of one named type
//! ([`ATTACKS`]), on accounts chosen at random; some stolen credentials are a new hire's, whose
//! account has no history but the attack. Everything is decided by the seed.

use crate::log::{Label, Referral, Registration};
use ehr_primitives::{
	audit::{AccessDecision, AccessOutcome, DenyReason},
	consent::{ConsentDenial, ConsentScope, Purpose, RecordCategory},
	features::local,
	providers::{PractitionerRole, UtcOffset},
	Moment,
};
use rand::{seq::IndexedRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use PractitionerRole::*;
use RecordCategory::*;

/// The attack types, as the labels spell them.
pub const ATTACKS: [&str; 8] = [
	"stolen_credential",
	"vip_snooping",
	"snooping_acquaintance",
	"slow_exfiltration",
	"off_shift",
	"break_glass_abuse",
	"purpose_misuse",
	"probing",
];

/// Monday 2026-01-05 00:00 UTC: day 0 of every simulation, on each organisation's wall clock.
pub const START: Moment = 1_767_571_200_000;
const SECOND: Moment = 1000;
const MINUTE: Moment = 60 * SECOND;
const HOUR: Moment = 60 * MINUTE;
const DAY: Moment = 24 * HOUR;
/// The time of the chain's block 1: before the first hour of day 0 anywhere on earth.
const GENESIS: Moment = START - DAY;
/// The chance that a specialist physician is called to consult on another ward's patient on a
/// working day: the reads of a patient nobody on the physician's ward cares for that VIP snooping
/// must be told apart from.
const CONSULTS_PER_DAY: f64 = 0.3;
/// The chance that a clinician also reads a patient of a colleague on its shift (covering a
/// break) on a working day.
const COVERING: f64 = 0.3;
/// The chance that a practitioner stays on one to two hours after its shift on a working day
/// (a handover, notes to finish, a batch to close).
const OVERTIME: f64 = 0.2;
/// The chance that a practitioner on shifts (not office hours) works another of the three shifts
/// than its own on a working day (covering for a colleague): a whole day at hours it does not
/// usually work, the hard negative of off-shift access.
const SHIFT_SWAP: f64 = 0.03;
/// The share of consults never recorded on chain by default ([`Config::curbside`]).
pub const CURBSIDE: f64 = 0.1;
/// The chain's longest referral (the runtime's `MaxReferralDuration`).
const MAX_REFERRAL: Moment = 7 * DAY;
/// The share of stolen credentials that are a new hire's, taken before its first shift (phished
/// with the welcome email): the account's window holds nothing but the attack, as a practitioner
/// registered on the chain that day has.
const NEW_HIRE_SHARE: f64 = 0.3;
/// The share of patients whose record is restricted (members of staff, public figures, victims of
/// violence): organisation consents do not cover it; the VIPs' is, one in two.
const RESTRICTED: f64 = 0.02;
/// The chance that a clinician meets a restricted patient in its care before the custodian named
/// it in a consent: refused, it breaks the glass (and is named after).
const UNNAMED_CARE: f64 = 0.15;
/// The share of VIP snooping on a restricted record, where there is one to snoop on.
const RESTRICTED_CELEBRITY: f64 = 0.5;
/// The chance that a snooper refused a restricted record breaks the glass on it.
const SNOOPER_BREAKS_GLASS: f64 = 0.5;
/// The chain's block time: decisions carry their block's timestamp.
const BLOCK: Moment = 2 * SECOND;
/// The runs of a service department that works in runs ([`Profile::service_runs`]), per shift.
const SERVICE_RUNS: u64 = 3;

/// What to simulate.
#[derive(Clone, Debug)]
pub struct Config {
	pub seed: u64,
	pub days: u32,
	pub practitioners: u32,
	/// The share of practitioner-days under attack (0.001 to 0.01 is realistic).
	pub attack_rate: f64,
	/// The share of consults never recorded on chain: asked for in the corridor ("curbside"),
	/// with no referral, so that their reads look like a snooper's on another ward's patient.
	/// A consortium whose EHR systems record every consult with the audit pallet's `refer` has
	/// none. In [0, 1] (`simulate` panics otherwise; the CLI refuses it first).
	pub curbside: f64,
	/// How each hospital works, in turn: hospital `i` keeps the `i % len`-th (the insurer,
	/// [`Profile::BASE`]). Empty: every hospital [`Profile::BASE`], with `curbside`.
	pub hospitals: Vec<Profile>,
	/// The network's service staff (laboratory, pharmacy, radiology) against the base mix.
	pub service_staff: f64,
}

impl Default for Config {
	/// A month of a 400-practitioner network, attacks on 1% of practitioner-days, every hospital
	/// as the base one.
	fn default() -> Self {
		Self {
			seed: 0,
			days: 30,
			practitioners: 400,
			attack_rate: 0.01,
			curbside: CURBSIDE,
			hospitals: Vec::new(),
			service_staff: 1.0,
		}
	}
}

/// How one hospital works. A network's hospitals may each work differently: the anomaly model
/// must hold in a hospital it was not trained on ([`Family`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
	/// Clinical and service staff work two 12-hour shifts (07:00 and 19:00) instead of three
	/// 8-hour ones (07:00, 15:00, 23:00).
	pub twelve_hour_shifts: bool,
	/// The laboratory, pharmacy and radiology read in a few runs per shift (an analyser's
	/// batches, a round of the wards) instead of one patient at a time over the shift.
	pub service_runs: bool,
	/// The patients a service practitioner reads per shift, against the base hospital's.
	pub service_volume: f64,
	/// Admissions per day, against the base hospital's.
	pub admissions: f64,
	/// The share of consults never referred on chain.
	pub curbside: f64,
	/// The share of emergency visits by patients of other hospitals (who need break-glass).
	pub visitors: f64,
	/// The offices (billing, records, research) work on Saturdays too.
	pub saturday_office: bool,
	/// Its offset from UTC in minutes, east positive: it works its local hours, the log is in
	/// UTC and the registry says each practitioner's organisation's offset.
	pub utc_offset: UtcOffset,
}

impl Profile {
	/// The hospital every network had before profiles: what the committed model is trained on.
	pub const BASE: Profile = Profile {
		twelve_hour_shifts: false,
		service_runs: false,
		service_volume: 1.0,
		admissions: 1.0,
		curbside: CURBSIDE,
		visitors: 0.15,
		saturday_office: false,
		utc_offset: 0,
	};
}

/// A family of hospital networks: the ranges their configurations are drawn from. The two
/// families share no range, so a model trained on one is tested on the other on hospitals
/// unlike any it has seen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Family {
	/// Around the base hospital: 8-hour shifts mostly, walk-up services, volumes within 30%
	/// of the base, a tenth of consults unreferred, Europe and the American east coast.
	Training,
	/// Beyond it: 12-hour shifts, services in runs, up to twice the service volume, busier
	/// wards, more unreferred consults and visitors, offices open on Saturdays, India, the
	/// American west coast, Japan, Brazil.
	HeldOut,
}

impl Family {
	/// A network of this family: `config` with the service staff and every hospital's profile
	/// drawn (from `config.seed`, apart from the world's own draws).
	pub fn draw(self, config: &Config, hospitals: usize) -> Config {
		let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x5eed_fa31_17e5);
		let range = match self {
			Family::Training => TRAINING_RANGES,
			Family::HeldOut => HELD_OUT_RANGES,
		};
		let service_staff = rng.random_range(range.service_staff.0..range.service_staff.1);
		let profiles = (0..hospitals.max(1))
			.map(|_| Profile {
				twelve_hour_shifts: rng.random_bool(range.twelve_hour_shifts),
				service_runs: rng.random_bool(range.service_runs),
				service_volume: rng.random_range(range.service_volume.0..range.service_volume.1),
				admissions: rng.random_range(range.admissions.0..range.admissions.1),
				curbside: rng.random_range(range.curbside.0..range.curbside.1),
				visitors: rng.random_range(range.visitors.0..range.visitors.1),
				saturday_office: rng.random_bool(range.saturday_office),
				utc_offset: *range.utc_offsets.choose(&mut rng).unwrap_or(&0),
			})
			.collect();
		Config { hospitals: profiles, service_staff, ..config.clone() }
	}

	/// How many hospitals a network of `practitioners` has.
	pub fn hospitals_of(practitioners: u32) -> usize {
		(practitioners.max(12) as usize / PRACTITIONERS_PER_HOSPITAL).max(1)
	}
}

/// The ranges of a [`Family`]: chances of the patterns, and (low, high) of the numbers.
struct Ranges {
	service_staff: (f64, f64),
	twelve_hour_shifts: f64,
	service_runs: f64,
	service_volume: (f64, f64),
	admissions: (f64, f64),
	curbside: (f64, f64),
	visitors: (f64, f64),
	saturday_office: f64,
	utc_offsets: &'static [UtcOffset],
}

const TRAINING_RANGES: Ranges = Ranges {
	service_staff: (0.7, 1.3),
	twelve_hour_shifts: 0.2,
	service_runs: 0.2,
	service_volume: (0.7, 1.3),
	admissions: (0.8, 1.2),
	curbside: (0.05, 0.15),
	visitors: (0.1, 0.2),
	saturday_office: 0.1,
	utc_offsets: &[0, 60, -300],
};

const HELD_OUT_RANGES: Ranges = Ranges {
	service_staff: (1.5, 2.0),
	twelve_hour_shifts: 1.0,
	service_runs: 1.0,
	service_volume: (1.5, 2.2),
	admissions: (1.3, 1.7),
	curbside: (0.2, 0.3),
	visitors: (0.3, 0.4),
	saturday_office: 1.0,
	utc_offsets: &[330, -480, 540, -180],
};

/// Practitioners per hospital: a network of 400 has two hospitals and the insurer.
const PRACTITIONERS_PER_HOSPITAL: usize = 150;

/// The simulated log, in chain order, and the attacks in it.
pub struct Simulation {
	pub log: Vec<AccessDecision<String>>,
	pub labels: Vec<Label>,
	/// Ground truth finer than the labels: the sequence number of every attack access, with its
	/// attack type, in chain order.
	pub attack_accesses: Vec<(u64, &'static str)>,
	/// Every practitioner's registration.
	pub registry: Vec<Registration>,
	/// The consults' referrals, in the order they were made.
	pub referrals: Vec<Referral>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dept {
	Emergency,
	Intensive,
	Cardiology,
	Oncology,
	Psychiatry,
	Paediatrics,
	Radiology,
	Laboratory,
	Pharmacy,
	Billing,
	Records,
	Research,
}

/// The wards where patients stay.
const WARDS: [Dept; 6] = [
	Dept::Emergency,
	Dept::Intensive,
	Dept::Cardiology,
	Dept::Oncology,
	Dept::Psychiatry,
	Dept::Paediatrics,
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shift {
	Day,
	Evening,
	Night,
	Office,
}

impl Shift {
	/// Start hour (UTC) and length in hours.
	fn hours(self) -> (u64, u64) {
		match self {
			Shift::Day => (7, 8),
			Shift::Evening => (15, 8),
			Shift::Night => (23, 8),
			Shift::Office => (9, 8),
		}
	}
}

struct Practitioner {
	id: String,
	/// Index into the organisations; the last one is the insurer.
	org: usize,
	role: PractitionerRole,
	dept: Dept,
	shift: Shift,
	/// A physician in training, rotating between wards weekly.
	rotating: bool,
	/// A float nurse, sent to another ward each day.
	float: bool,
	days_off: [u64; 2],
	/// The first day it works: a new hire's comes after the attack on its credential.
	starts: u64,
}

impl Practitioner {
	/// A physician of a department where no patient stays: a radiologist.
	fn radiologist(&self) -> bool {
		self.role == Physician && !WARDS.contains(&self.dept)
	}

	/// A clinician whose ward changes, or who serves every ward.
	fn without_ward(&self) -> bool {
		self.rotating || self.float || self.radiologist()
	}
}

struct Patient {
	id: String,
	home: usize,
	/// No organisation-wide consent at all.
	no_consent: bool,
	/// Sensitive categories its consent names.
	sensitive: Vec<RecordCategory>,
	research: bool,
	insurer: bool,
	/// A practitioner given a consent of its own.
	named: Option<usize>,
	vip: bool,
	/// Its record restricted: organisation consents do not cover it.
	restricted: bool,
}

#[derive(Clone, Copy)]
struct Stay {
	patient: usize,
	org: usize,
	dept: Dept,
	from: Moment,
	until: Moment,
}

struct World {
	rng: ChaCha8Rng,
	hospitals: usize,
	practitioners: Vec<Practitioner>,
	patients: Vec<Patient>,
	stays: Vec<Stay>,
	/// Open emergency grants: (practitioner, patient) -> until.
	grants: BTreeMap<(usize, usize), Moment>,
	log: Vec<AccessDecision<String>>,
	/// The rows of `log` that are attack accesses, with their attack type.
	attack_rows: BTreeMap<usize, &'static str>,
	referrals: Vec<Referral>,
	/// The referrals as the chain checks them: (consultant, patient) -> [from, until), local time.
	referred: BTreeMap<(usize, usize), (Moment, Moment)>,
	/// The consents naming a practitioner that restricted patients' custodians gave their care
	/// teams: (practitioner, patient).
	care_teams: BTreeSet<(usize, usize)>,
	/// How each organisation works, in turn ([`Config::hospitals`]).
	profiles: Vec<Profile>,
}

/// Simulate `config`.
pub fn simulate(config: &Config) -> Simulation {
	let mut world = World::new(config);
	let attacks = world.plan_attacks(config);
	let mut labels = Vec::new();
	for day in 0..u64::from(config.days) {
		world.admit(day);
		for p in 0..world.practitioners.len() {
			if world.works(p, day) {
				world.work(p, day);
			}
		}
		for attack in attacks.iter().filter(|a| a.days.contains(&day)) {
			let from = world.log.len();
			world.attack(attack, day);
			world.attack_rows.extend((from..world.log.len()).map(|row| (row, attack.kind)));
			let times = world.log[from..].iter().map(|d| d.at);
			if let (Some(start), Some(end)) = (times.clone().min(), times.max()) {
				labels.push((attack.practitioner, attack.kind, start, end));
			}
		}
		// Billing looks back three days after discharge.
		world.stays.retain(|s| s.until + 4 * DAY > START + (day + 1) * DAY);
	}
	let labels = merge_labels(&world.practitioners, labels);
	let registry = world.registry();
	let mut referrals = std::mem::take(&mut world.referrals);
	referrals.sort_by_key(|r| r.from);
	let (log, attack_accesses) = world.in_chain_order();
	Simulation { log, labels, attack_accesses, registry, referrals }
}

/// One label per attack: a multi-day attack's days merge.
fn merge_labels(
	practitioners: &[Practitioner],
	days: Vec<(usize, &'static str, Moment, Moment)>,
) -> Vec<Label> {
	let mut merged: BTreeMap<(usize, &str), (Moment, Moment)> = BTreeMap::new();
	for (p, kind, start, end) in days {
		let span = merged.entry((p, kind)).or_insert((start, end));
		*span = (span.0.min(start), span.1.max(end));
	}
	let mut labels: Vec<_> = merged
		.into_iter()
		.map(|((p, kind), (start_ts, end_ts))| Label {
			practitioner: practitioners[p].id.clone(),
			attack: kind.to_string(),
			start_ts,
			end_ts,
		})
		.collect();
	labels.sort_by_key(|l| (l.start_ts, l.practitioner.clone()));
	labels
}

struct Attack {
	practitioner: usize,
	kind: &'static str,
	days: std::ops::Range<u64>,
}

/// Pick from `(value, weight)` pairs.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, choices: &[(T, u32)]) -> T {
	let total: u32 = choices.iter().map(|(_, w)| w).sum();
	let mut pick = rng.random_range(0..total.max(1));
	for (value, weight) in choices {
		if pick < *weight {
			return *value;
		}
		pick -= weight;
	}
	choices[0].0
}

impl World {
	fn new(config: &Config) -> Self {
		let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
		let count = config.practitioners.max(12) as usize;
		let hospitals = Family::hospitals_of(config.practitioners);
		let profiles = match config.hospitals.is_empty() {
			true => vec![Profile { curbside: config.curbside, ..Profile::BASE }],
			false => config.hospitals.clone(),
		};
		let service = |weight: u32| (f64::from(weight) * config.service_staff).round() as u32;
		let insurer = hospitals;
		let mut practitioners = Vec::with_capacity(count);
		for i in 0..count {
			let (role, dept) = weighted(
				&mut rng,
				&[
					((Physician, Dept::Emergency), 4),
					((Nurse, Dept::Emergency), 7),
					((Paramedic, Dept::Emergency), 2),
					((Physician, Dept::Intensive), 3),
					((Nurse, Dept::Intensive), 7),
					((Physician, Dept::Cardiology), 4),
					((Nurse, Dept::Cardiology), 7),
					((Physician, Dept::Oncology), 4),
					((Nurse, Dept::Oncology), 7),
					((Physician, Dept::Psychiatry), 3),
					((Therapist, Dept::Psychiatry), 3),
					((Nurse, Dept::Psychiatry), 4),
					((Physician, Dept::Paediatrics), 3),
					((Nurse, Dept::Paediatrics), 6),
					((Radiographer, Dept::Radiology), service(4)),
					((Physician, Dept::Radiology), service(2)),
					((LabTechnician, Dept::Laboratory), service(6)),
					((Pharmacist, Dept::Pharmacy), service(4)),
					((Billing, Dept::Billing), 4),
					((RecordsOfficer, Dept::Records), 3),
					((Administrative, Dept::Records), 2),
					((Researcher, Dept::Research), 2),
				],
			);
			let clinical_ward = WARDS.contains(&dept);
			let shift = match role {
				Billing | RecordsOfficer | Administrative | Researcher => Shift::Office,
				_ => weighted(&mut rng, &[(Shift::Day, 5), (Shift::Evening, 3), (Shift::Night, 2)]),
			};
			// Some billing staff work for the insurer.
			let org = if role == Billing && rng.random_bool(0.4) {
				insurer
			} else {
				rng.random_range(0..hospitals)
			};
			let first_off = rng.random_range(0..7);
			practitioners.push(Practitioner {
				id: format!("p-{:05}", i + 1),
				org,
				role,
				dept,
				shift,
				rotating: role == Physician && clinical_ward && rng.random_bool(0.2),
				float: role == Nurse && clinical_ward && rng.random_bool(0.1),
				days_off: if shift == Shift::Office {
					if profiles[org % profiles.len()].saturday_office {
						[6, 6]
					} else {
						[5, 6]
					}
				} else {
					[first_off, (first_off + 3) % 7]
				},
				starts: 0,
			});
		}
		let patients = (0..count * 40)
			.map(|i| {
				let (home, no_consent) = (rng.random_range(0..hospitals), rng.random_bool(0.02));
				let (research, insurer) = (rng.random_bool(0.2), rng.random_bool(0.9));
				let vip = rng.random_bool(0.001);
				let restricted = rng.random_bool(if vip { 0.5 } else { RESTRICTED });
				Patient {
					id: format!("pt-{:06}", i + 1),
					home,
					no_consent,
					sensitive: Vec::new(),
					research,
					insurer,
					named: None,
					vip,
					restricted,
				}
			})
			.collect();
		let mut world = World {
			rng,
			hospitals,
			practitioners,
			patients,
			stays: Vec::new(),
			grants: BTreeMap::new(),
			log: Vec::new(),
			attack_rows: BTreeMap::new(),
			referrals: Vec::new(),
			referred: BTreeMap::new(),
			care_teams: BTreeSet::new(),
			profiles,
		};
		world.name_physicians();
		world
	}

	/// A few patients give one physician of their hospital a consent of its own.
	fn name_physicians(&mut self) {
		for i in 0..self.patients.len() {
			if self.rng.random_bool(0.05) {
				let home = self.patients[i].home;
				let physicians: Vec<usize> = (0..self.practitioners.len())
					.filter(|&p| {
						self.practitioners[p].role == Physician && self.practitioners[p].org == home
					})
					.collect();
				self.patients[i].named = physicians.choose(&mut self.rng).copied();
			}
		}
	}

	/// Each practitioner with its department, which the clinicians without a ward lack.
	fn registry(&self) -> Vec<Registration> {
		self.practitioners
			.iter()
			.map(|p| Registration {
				practitioner: p.id.clone(),
				organisation: self.organisation_id(p.org),
				department: (!p.without_ward()).then(|| format!("{:?}", p.dept).to_lowercase()),
				utc_offset: self.utc_offset(p.org),
			})
			.collect()
	}

	/// How organisation `org` works (the insurer: only its offset from UTC matters).
	fn profile(&self, org: usize) -> &Profile {
		&self.profiles[org % self.profiles.len()]
	}

	/// Organisation `org`'s offset from UTC.
	fn utc_offset(&self, org: usize) -> UtcOffset {
		self.profile(org).utc_offset
	}

	/// Organisation `org`'s local time `at`, in UTC. The world is simulated on each
	/// organisation's wall clock; the log is in the chain's time.
	fn to_utc(&self, org: usize, at: Moment) -> Moment {
		local(at, self.utc_offset(org).saturating_neg())
	}

	fn organisation_id(&self, org: usize) -> String {
		if org == self.hospitals {
			"org-insurer".into()
		} else {
			format!("org-{}", org + 1)
		}
	}

	/// New stays of `day`: emergency visits (some by patients of other hospitals) and ward
	/// admissions, each consenting to the sensitive categories its care needs.
	fn admit(&mut self, day: u64) {
		let midnight = START + day * DAY;
		for org in 0..self.hospitals {
			let profile = self.profile(org).clone();
			for dept in WARDS {
				let (admissions, los_hours) = match dept {
					Dept::Emergency => (60, 2..10),
					Dept::Intensive => (4, 48..240),
					Dept::Psychiatry => (3, 120..480),
					_ => (8, 24..144),
				};
				let admissions = (f64::from(admissions) * profile.admissions).round() as u32;
				for _ in 0..admissions {
					let home_patient =
						dept != Dept::Emergency || self.rng.random_bool(1.0 - profile.visitors);
					let from = midnight + self.rng.random_range(0..DAY);
					let until = from + self.rng.random_range(los_hours.clone()) * HOUR;
					let patient =
						self.pick_absent_patient(home_patient.then_some(org), from, until);
					let sensitive = match dept {
						Dept::Psychiatry => Some(MentalHealth),
						Dept::Oncology => Some(Genetics),
						_ => None,
					};
					if let Some(category) = sensitive {
						if !self.patients[patient].sensitive.contains(&category) {
							self.patients[patient].sensitive.push(category);
						}
					}
					self.stays.push(Stay { patient, org, dept, from, until });
				}
			}
		}
	}

	/// A patient of `home`, or of any hospital, who is in no stay during `[from, until)`: one
	/// patient is not on two wards at once (after a few tries, in a tiny network, anyone).
	fn pick_absent_patient(&mut self, home: Option<usize>, from: Moment, until: Moment) -> usize {
		let mut patient = self.pick_patient(home);
		for _ in 0..20 {
			let staying = |s: &Stay| s.patient == patient && s.from < until && s.until > from;
			if !self.stays.iter().any(staying) {
				break;
			}
			patient = self.pick_patient(home);
		}
		patient
	}

	/// A patient of `home`, or of any hospital.
	fn pick_patient(&mut self, home: Option<usize>) -> usize {
		loop {
			let patient = self.rng.random_range(0..self.patients.len());
			if home.is_none_or(|h| self.patients[patient].home == h) {
				return patient;
			}
		}
	}

	fn works(&self, p: usize, day: u64) -> bool {
		let pr = &self.practitioners[p];
		day >= pr.starts && !pr.days_off.contains(&(day % 7))
	}

	/// The practitioner's shift on `day`, as unix milliseconds.
	fn shift_of(&self, p: usize, day: u64) -> (Moment, Moment) {
		self.shift_on(p, self.practitioners[p].shift, day)
	}

	/// `shift` on `day` at `p`'s hospital, as unix milliseconds: its hospital's three 8-hour
	/// shifts, or two 12-hour ones (the evening and night staff then work the night).
	fn shift_on(&self, p: usize, shift: Shift, day: u64) -> (Moment, Moment) {
		let twelve_hours = self.profile(self.practitioners[p].org).twelve_hour_shifts;
		let (start, length) = match (shift, twelve_hours) {
			(Shift::Day, true) => (7, 12),
			(Shift::Evening | Shift::Night, true) => (19, 12),
			_ => shift.hours(),
		};
		let from = START + day * DAY + start * HOUR;
		(from, from + length * HOUR)
	}

	/// The ward the practitioner works in on `day`.
	fn ward_of(&self, p: usize, day: u64) -> Dept {
		let pr = &self.practitioners[p];
		if pr.rotating {
			WARDS[(day / 7 + p as u64) as usize % WARDS.len()]
		} else if pr.float {
			WARDS[(day + p as u64) as usize % WARDS.len()]
		} else {
			pr.dept
		}
	}

	/// Stays of `org` (in `dept`, if given) that overlap `[from, until)`.
	fn stays_in(&self, org: usize, dept: Option<Dept>, from: Moment, until: Moment) -> Vec<Stay> {
		self.stays
			.iter()
			.filter(|s| s.org == org && dept.is_none_or(|d| s.dept == d))
			.filter(|s| s.from < until && s.until > from)
			.copied()
			.collect()
	}

	/// The hours `p` works on `day`: its shift, or on some days a colleague's, and on some days
	/// longer.
	fn hours_worked(&mut self, p: usize, day: u64) -> (Moment, Moment) {
		let (mut from, mut until) = self.shift_of(p, day);
		let shift = self.practitioners[p].shift;
		if shift != Shift::Office && self.rng.random_bool(SHIFT_SWAP) {
			let others: Vec<Shift> = [Shift::Day, Shift::Evening, Shift::Night]
				.into_iter()
				.filter(|s| *s != shift)
				.collect();
			if let Some(other) = others.choose(&mut self.rng).copied() {
				(from, until) = self.shift_on(p, other, day);
			}
		}
		if self.rng.random_bool(OVERTIME) {
			until += self.rng.random_range(HOUR..2 * HOUR);
		}
		(from, until)
	}

	/// A normal day's work.
	fn work(&mut self, p: usize, day: u64) {
		let (from, until) = self.hours_worked(p, day);
		let org = self.practitioners[p].org;
		let role = self.practitioners[p].role;
		if org == self.hospitals {
			return self.insurer_batch(p, from, until);
		}
		match role {
			// Reports on the hospital's images, with the clinical question and history.
			Physician if self.practitioners[p].radiologist() => self.service(
				p,
				from,
				until,
				15..40,
				&[(Imaging, 6), (ClinicalNotes, 2), (Conditions, 1)],
			),
			Physician | Nurse | Paramedic | Therapist => {
				let ward = self.ward_of(p, day);
				for stay in self.patients_of(p, day, ward, from, until) {
					self.care_for(p, &stay, from.max(stay.from), until.min(stay.until));
				}
				let specialist = ward != Dept::Emergency && WARDS.contains(&ward);
				if role == Physician && specialist && self.rng.random_bool(CONSULTS_PER_DAY) {
					self.consult(p, ward, from, until);
				}
			},
			Radiographer => self.service(p, from, until, 12..30, &[(Imaging, 8), (Allergies, 1)]),
			LabTechnician => {
				self.service(p, from, until, 25..60, &[(LaboratoryResults, 12), (Genetics, 1)])
			},
			Pharmacist => self.service(p, from, until, 20..45, &[(Medications, 6), (Allergies, 3)]),
			Billing => self.batch(
				p,
				from,
				until,
				80..200,
				Purpose::Payment,
				&[(Demographics, 3), (Encounters, 3), (Conditions, 2), (Medications, 1)],
			),
			RecordsOfficer | Administrative => self.batch(
				p,
				from,
				until,
				30..120,
				Purpose::Operations,
				&[(Demographics, 3), (Encounters, 3), (ClinicalNotes, 2)],
			),
			Researcher => {
				let count = self.rng.random_range(8..25);
				for _ in 0..count {
					let patient = self.pick_patient(Some(org));
					let at = self.rng.random_range(from..until);
					let category = weighted(
						&mut self.rng,
						&[(LaboratoryResults, 4), (Conditions, 3), (Genetics, 1), (Medications, 2)],
					);
					self.request(p, patient, category, Purpose::Research, at);
				}
			},
		}
	}

	/// The stays of `ward` in `[from, until)` that clinician `p` cares for on `day`. The ward's
	/// patients are shared out among the clinicians of `p`'s role rostered on `p`'s shift that
	/// day, so that every patient has a nurse each shift and a physician each day shift; a
	/// physician on the evening or night shift, on call for the whole ward, sees only some of
	/// them. Now and then a clinician also reads a colleague's patient (covering a break).
	fn patients_of(
		&mut self,
		p: usize,
		day: u64,
		ward: Dept,
		from: Moment,
		until: Moment,
	) -> Vec<Stay> {
		let pr = &self.practitioners[p];
		let (org, role, shift) = (pr.org, pr.role, pr.shift);
		let on_shift = self.on_shift(org, role, shift, ward, day);
		let rank = on_shift.iter().position(|&q| q == p).unwrap_or(0);
		let stays = self.stays_in(org, Some(ward), from, until);
		let (mine, others): (Vec<_>, Vec<_>) =
			stays.into_iter().enumerate().partition(|(i, _)| i % on_shift.len().max(1) == rank);
		let mut mine: Vec<Stay> = mine.into_iter().map(|(_, stay)| stay).collect();
		if role == Physician && shift != Shift::Day {
			let on_call = self.rng.random_range(4..12).min(mine.len());
			mine = mine.choose_multiple(&mut self.rng, on_call).copied().collect();
		}
		if self.rng.random_bool(COVERING) {
			mine.extend(others.choose(&mut self.rng).map(|(_, stay)| *stay));
		}
		mine
	}

	/// The clinicians of `org` in `role`, rostered on `shift`, working on `ward` on `day`.
	fn on_shift(
		&self,
		org: usize,
		role: PractitionerRole,
		shift: Shift,
		ward: Dept,
		day: u64,
	) -> Vec<usize> {
		(0..self.practitioners.len())
			.filter(|&q| {
				let pr = &self.practitioners[q];
				(pr.org, pr.role, pr.shift) == (org, role, shift)
					&& self.works(q, day)
					&& self.ward_of(q, day) == ward
			})
			.collect()
	}

	/// A physician of `own` ward called to another ward's patient during its shift
	/// `[from, until)` (referred by one of that ward's physicians, unless curbside): reads as
	/// care does, for an hour or two.
	fn consult(&mut self, p: usize, own: Dept, from: Moment, until: Moment) {
		let org = self.practitioners[p].org;
		let stays: Vec<Stay> = self
			.stays_in(org, None, from, until)
			.into_iter()
			.filter(|stay| stay.dept != own)
			.collect();
		let Some(stay) = stays.choose(&mut self.rng).copied() else { return };
		let start = self.rng.random_range(from.max(stay.from)..until.min(stay.until));
		let end = (start + self.rng.random_range(HOUR..2 * HOUR)).min(stay.until);
		if !self.rng.random_bool(self.profile(org).curbside) {
			self.refer(p, &stay, start);
		}
		self.care_for(p, &stay, start, end);
	}

	/// One of the physicians of `stay`'s ward refers its patient to consultant `p`, up to an
	/// hour before `at`, until the stay ends (a consult stays open until the patient leaves) or
	/// for the chain's longest referral, a week, whichever is first.
	fn refer(&mut self, p: usize, stay: &Stay, at: Moment) {
		let treating: Vec<usize> = (0..self.practitioners.len())
			.filter(|&q| {
				let pr = &self.practitioners[q];
				q != p && pr.role == Physician && pr.org == stay.org && pr.dept == stay.dept
			})
			.collect();
		let Some(&by) = treating.choose(&mut self.rng) else { return };
		let from = at.saturating_sub(self.rng.random_range(BLOCK..HOUR));
		let until = stay.until.min(from + MAX_REFERRAL);
		self.referred.insert((p, stay.patient), (from, until));
		self.referrals.push(Referral {
			consultant: self.practitioners[p].id.clone(),
			patient: self.patients[stay.patient].id.clone(),
			by: self.practitioners[by].id.clone(),
			from: self.to_utc(stay.org, from),
			until: self.to_utc(stay.org, until),
		});
	}

	/// A clinician's accesses to one patient in its care during `[from, until)`: a burst when
	/// taking the patient over, then a few reads.
	fn care_for(&mut self, p: usize, stay: &Stay, from: Moment, until: Moment) {
		if until <= from {
			return;
		}
		let role = self.practitioners[p].role;
		let needs_break_glass = stay.dept == Dept::Emergency
			&& self.decide(p, stay.patient, Encounters, Purpose::Treatment, from).is_err();
		if needs_break_glass {
			self.break_glass(p, stay.patient, from);
		}
		self.join_care_team(p, stay.patient, from, UNNAMED_CARE);
		let reads = self.rng.random_range(2..8);
		let mut at = from;
		for _ in 0..reads {
			let category = self.clinical_category(role, stay.dept);
			self.request(p, stay.patient, category, Purpose::Treatment, at);
			at += self.rng.random_range(30 * SECOND..90 * MINUTE);
			if at >= until {
				break;
			}
		}
	}

	fn clinical_category(&mut self, role: PractitionerRole, dept: Dept) -> RecordCategory {
		let sensitive = match dept {
			Dept::Psychiatry => MentalHealth,
			Dept::Oncology => Genetics,
			_ => SubstanceUse,
		};
		let sensitive_weight = match dept {
			Dept::Psychiatry => 6,
			Dept::Oncology => 1,
			_ => 0,
		};
		match role {
			Therapist => weighted(&mut self.rng, &[(MentalHealth, 6), (ClinicalNotes, 4)]),
			Nurse => weighted(
				&mut self.rng,
				&[
					(Medications, 6),
					(Allergies, 3),
					(Encounters, 3),
					(ClinicalNotes, 3),
					(LaboratoryResults, 2),
					(Demographics, 2),
					(sensitive, sensitive_weight),
				],
			),
			_ => weighted(
				&mut self.rng,
				&[
					(ClinicalNotes, 5),
					(LaboratoryResults, 4),
					(Conditions, 4),
					(Medications, 3),
					(Imaging, 2),
					(Allergies, 1),
					(Immunizations, 1),
					(sensitive, sensitive_weight),
				],
			),
		}
	}

	/// Service departments: many patients of the hospital, one or two reads each.
	fn service(
		&mut self,
		p: usize,
		from: Moment,
		until: Moment,
		patients: std::ops::Range<usize>,
		categories: &[(RecordCategory, u32)],
	) {
		let org = self.practitioners[p].org;
		let profile = self.profile(org).clone();
		let scaled = |n: usize| (n as f64 * profile.service_volume).round() as usize;
		let patients = scaled(patients.start)..scaled(patients.end).max(scaled(patients.start) + 1);
		let stays = self.stays_in(org, None, from, until);
		let count = self.rng.random_range(patients).min(stays.len());
		for stay in stays.choose_multiple(&mut self.rng, count).copied().collect::<Vec<_>>() {
			let (first, last) = (from.max(stay.from), until.min(stay.until).max(from + 1));
			let at = if profile.service_runs {
				// One of the shift's runs, every three hours, each read within minutes.
				let run =
					from + self.rng.random_range(0..SERVICE_RUNS) * (until - from) / SERVICE_RUNS;
				(run + self.rng.random_range(0..15 * MINUTE)).clamp(first, last.max(first + 1) - 1)
			} else {
				self.rng.random_range(first..last)
			};
			let category = weighted(&mut self.rng, categories);
			// Named with the order it serves.
			self.join_care_team(p, stay.patient, at, 0.0);
			self.request(p, stay.patient, category, Purpose::Treatment, at);
		}
	}

	/// Office batch work on recently discharged patients: many records, seconds apart.
	fn batch(
		&mut self,
		p: usize,
		from: Moment,
		until: Moment,
		records: std::ops::Range<usize>,
		purpose: Purpose,
		categories: &[(RecordCategory, u32)],
	) {
		let org = self.practitioners[p].org;
		let discharged: Vec<usize> = self
			.stays
			.iter()
			.filter(|s| s.org == org && s.until < from && s.until + 3 * DAY > from)
			.map(|s| s.patient)
			.collect();
		let count = self.rng.random_range(records).min(discharged.len());
		let mut at = from + self.rng.random_range(0..HOUR);
		for patient in discharged.choose_multiple(&mut self.rng, count).copied().collect::<Vec<_>>()
		{
			for _ in 0..self.rng.random_range(1..4) {
				let category = weighted(&mut self.rng, categories);
				self.request(p, patient, category, purpose, at);
				at += self.rng.random_range(5 * SECOND..3 * MINUTE);
			}
			if at >= until {
				break;
			}
		}
	}

	/// An insurer's claims clerk: patients of every hospital, for payment.
	fn insurer_batch(&mut self, p: usize, from: Moment, until: Moment) {
		let count = self.rng.random_range(30..90);
		let mut at = from;
		for _ in 0..count {
			let patient = self.pick_patient(None);
			let category =
				weighted(&mut self.rng, &[(Demographics, 2), (Encounters, 3), (Conditions, 2)]);
			self.request(p, patient, category, Purpose::Payment, at);
			at += self.rng.random_range(20 * SECOND..6 * MINUTE);
			if at >= until {
				break;
			}
		}
	}

	/// What the chain decides for a request of `p` at `at` (consents as the consent pallet
	/// would answer, then an open emergency grant).
	fn decide(
		&self,
		p: usize,
		patient: usize,
		category: RecordCategory,
		purpose: Purpose,
		at: Moment,
	) -> Result<AccessOutcome, DenyReason> {
		let pr = &self.practitioners[p];
		let pt = &self.patients[patient];
		let covers_sensitive = !category.is_sensitive() || pt.sensitive.contains(&category);
		let named = pt.named == Some(p) || self.care_teams.contains(&(p, patient));
		let consent = if named && covers_sensitive && purpose == Purpose::Treatment {
			Ok(ConsentScope::Practitioner)
		} else if pr.org == self.hospitals {
			// The insurer: demographics, encounters and conditions, for payment.
			match (pt.insurer, category, purpose) {
				(false, ..) => Err(ConsentDenial::NoConsent),
				(true, Demographics | Encounters | Conditions, Purpose::Payment) => {
					Ok(ConsentScope::Organisation)
				},
				(true, c, Purpose::Payment) if c.is_sensitive() => {
					Err(ConsentDenial::SensitiveCategoryNotCovered)
				},
				(true, _, Purpose::Payment) => Err(ConsentDenial::CategoryNotCovered),
				(true, ..) => Err(ConsentDenial::PurposeNotCovered),
			}
		} else if pt.home != pr.org || pt.no_consent {
			Err(ConsentDenial::NoConsent)
		} else if !covers_sensitive {
			Err(ConsentDenial::SensitiveCategoryNotCovered)
		} else if match purpose {
			Purpose::Treatment | Purpose::Payment | Purpose::Operations | Purpose::Emergency => {
				true
			},
			Purpose::Research => pt.research,
			Purpose::PublicHealth => false,
		} {
			Ok(ConsentScope::Organisation)
		} else {
			Err(ConsentDenial::PurposeNotCovered)
		};
		// A restricted record: an organisation's consent does not cover it, but for a referral.
		let consent = match consent {
			Ok(ConsentScope::Organisation)
				if pt.restricted && !self.referred_at(p, patient, at) =>
			{
				Err(ConsentDenial::RecordRestricted)
			},
			other => other,
		};
		match consent {
			Ok(scope) => Ok(AccessOutcome::Granted { consent: 0, scope }),
			Err(denial) => {
				let under_grant = matches!(purpose, Purpose::Treatment | Purpose::Emergency)
					&& self.grants.get(&(p, patient)).is_some_and(|until| at < *until);
				if under_grant {
					Ok(AccessOutcome::EmergencyGranted { access: 0 })
				} else {
					Err(DenyReason::Consent(denial))
				}
			},
		}
	}

	/// Whether `p` has a running referral to `patient` at `at`.
	fn referred_at(&self, p: usize, patient: usize, at: Moment) -> bool {
		self.referred.get(&(p, patient)).is_some_and(|(from, until)| (*from..*until).contains(&at))
	}

	/// `p` takes a restricted `patient` into its care at `at`: the custodian names it in a
	/// consent; but with chance `unnamed` it is refused first (not named yet) and breaks the
	/// glass. Nothing for a patient not restricted, or already open to `p`.
	fn join_care_team(&mut self, p: usize, patient: usize, at: Moment, unnamed: f64) {
		let open = self.care_teams.contains(&(p, patient))
			|| self.referred_at(p, patient, at)
			|| self.grants.get(&(p, patient)).is_some_and(|until| at < *until);
		if !self.patients[patient].restricted || open {
			return;
		}
		if self.rng.random_bool(unnamed) {
			self.request(p, patient, Encounters, Purpose::Treatment, at);
			self.break_glass(p, patient, at + BLOCK);
		}
		self.care_teams.insert((p, patient));
	}

	/// `p` asks for `category` of `patient` for `purpose` at `at`; logged whatever the outcome.
	fn request(
		&mut self,
		p: usize,
		patient: usize,
		category: RecordCategory,
		purpose: Purpose,
		at: Moment,
	) {
		let decided = self.decide(p, patient, category, purpose, at);
		let emergency = matches!(decided, Ok(AccessOutcome::EmergencyGranted { .. }));
		let outcome = decided.unwrap_or_else(|reason| AccessOutcome::Denied { reason });
		self.push(p, patient, category, purpose, at, emergency, outcome);
	}

	/// `p` breaks the glass on `patient` at `at` (every patient here allows it).
	fn break_glass(&mut self, p: usize, patient: usize, at: Moment) {
		self.grants.insert((p, patient), at + 4 * HOUR);
		let outcome = AccessOutcome::EmergencyGranted { access: 0 };
		self.push(p, patient, Allergies, Purpose::Emergency, at, true, outcome);
	}

	#[allow(clippy::too_many_arguments)]
	fn push(
		&mut self,
		p: usize,
		patient: usize,
		category: RecordCategory,
		purpose: Purpose,
		at: Moment,
		emergency: bool,
		outcome: AccessOutcome,
	) {
		let pr = &self.practitioners[p];
		let at = self.to_utc(pr.org, at);
		let at = at - (at - GENESIS) % BLOCK;
		let decision = AccessDecision {
			seq: 0,
			at,
			block: ((at - GENESIS) / BLOCK + 1) as u32,
			practitioner: pr.id.clone(),
			organisation: Some(self.organisation_id(pr.org)),
			role: Some(pr.role),
			patient: self.patients[patient].id.clone(),
			// As the chain logs it: the sensitive categories blinded, one class to the features.
			category: category.without_salt(),
			purpose,
			emergency,
			restricted: self.patients[patient].restricted,
			outcome,
		};
		self.log.push(decision);
	}

	/// Sorted by time, with sequence numbers as the chain gives them; and the sequence numbers
	/// of the attack accesses.
	fn in_chain_order(self) -> (Vec<AccessDecision<String>>, Vec<(u64, &'static str)>) {
		let mut rows: Vec<(AccessDecision<String>, Option<&'static str>)> = self
			.log
			.into_iter()
			.enumerate()
			.map(|(row, decision)| (decision, self.attack_rows.get(&row).copied()))
			.collect();
		rows.sort_by_key(|(d, _)| d.at);
		let mut index_in_block = 0u64;
		let mut previous_block = 0;
		let mut attacks = Vec::new();
		for (decision, attack) in &mut rows {
			if decision.block != previous_block {
				(previous_block, index_in_block) = (decision.block, 0);
			}
			decision.seq = (u64::from(decision.block) << 32) | index_in_block;
			index_in_block += 1;
			if let Some(kind) = attack {
				attacks.push((decision.seq, *kind));
			}
		}
		(rows.into_iter().map(|(d, _)| d).collect(), attacks)
	}

	/// Attacks enough to cover `attack_rate` of the practitioner-days: every type in turn, each
	/// on a different practitioner, one day long except slow exfiltration (two to four weeks).
	fn plan_attacks(&mut self, config: &Config) -> Vec<Attack> {
		let days = u64::from(config.days.max(1));
		let target = (config.attack_rate * self.practitioners.len() as f64 * days as f64).ceil();
		let mut planned = Vec::new();
		let mut covered = 0.0;
		let mut candidates: Vec<usize> = (0..self.practitioners.len()).collect();
		let mut kinds = ATTACKS.to_vec();
		while covered < target && !candidates.is_empty() {
			if planned.len() % ATTACKS.len() == 0 {
				kinds.sort_by_key(|_| self.rng.random::<u32>());
			}
			let kind = kinds[planned.len() % ATTACKS.len()];
			let clinical_only =
				matches!(kind, "break_glass_abuse" | "purpose_misuse" | "vip_snooping");
			let eligible: Vec<usize> = candidates
				.iter()
				.copied()
				.filter(|&p| {
					let pr = &self.practitioners[p];
					pr.org < self.hospitals
						&& (!clinical_only || matches!(pr.role, Physician | Nurse | Therapist))
				})
				.collect();
			let Some(&practitioner) = eligible.choose(&mut self.rng) else { break };
			candidates.retain(|&p| p != practitioner);
			let length =
				if kind == "slow_exfiltration" { self.rng.random_range(14..29) } else { 1 };
			let start = self.rng.random_range(0..days);
			let span = start..(start + length).min(days);
			if kind == "stolen_credential" && self.rng.random_bool(NEW_HIRE_SHARE) {
				self.practitioners[practitioner].starts = span.end;
			}
			covered += (span.end - span.start) as f64;
			planned.push(Attack { practitioner, kind, days: span });
		}
		planned
	}

	/// The attacker's accesses on `day`.
	fn attack(&mut self, attack: &Attack, day: u64) {
		let p = attack.practitioner;
		let org = self.practitioners[p].org;
		let (shift_from, shift_until) = self.shift_of(p, day);
		let midnight = START + day * DAY;
		match attack.kind {
			"stolen_credential" => {
				// By hand through an app, a request every few seconds, mostly in the account's
				// hospital; or by a script, anywhere in the network, at its own rate: from a few
				// to a few hundred per block (two seconds).
				let scripted = self.rng.random_bool(0.3);
				let (own_share, gap) = if scripted {
					let gap = self.script_gap();
					(0.0, gap / 2..gap * 3 / 2)
				} else {
					(0.7, 2 * SECOND..12 * SECOND)
				};
				let mut at = midnight + self.rng.random_range(0..DAY - HOUR);
				for _ in 0..self.rng.random_range(150..400) {
					let own_hospital = self.rng.random_bool(own_share);
					let patient = self.pick_patient(own_hospital.then_some(org));
					let category =
						*RecordCategory::ALL.choose(&mut self.rng).unwrap_or(&Demographics);
					self.request(p, patient, category, Purpose::Treatment, at);
					at += self.rng.random_range(gap.clone());
				}
			},
			"vip_snooping" => {
				let vip = self.pick_vip(org, self.ward_of(p, day), shift_from);
				// Refused a restricted record, some snoopers break the glass at their next try.
				let breaks_glass =
					self.patients[vip].restricted && self.rng.random_bool(SNOOPER_BREAKS_GLASS);
				let reads = self.rng.random_range(3..9);
				let mut times: Vec<Moment> = (0..reads)
					.map(|_| self.rng.random_range(shift_from..shift_until + 2 * HOUR))
					.collect();
				times.sort_unstable();
				for (i, at) in times.into_iter().enumerate() {
					if breaks_glass && i == 1 {
						self.break_glass(p, vip, at);
					}
					let category = weighted(
						&mut self.rng,
						&[(ClinicalNotes, 4), (Conditions, 3), (MentalHealth, 2), (Imaging, 1)],
					);
					self.request(p, vip, category, Purpose::Treatment, at);
				}
			},
			"snooping_acquaintance" => {
				for _ in 0..self.rng.random_range(2..6) {
					let patient = self.pick_patient(Some(org));
					for _ in 0..self.rng.random_range(1..4) {
						let at = self.rng.random_range(shift_from..shift_until);
						let category = weighted(
							&mut self.rng,
							&[
								(Demographics, 2),
								(ClinicalNotes, 3),
								(SexualReproductiveHealth, 2),
								(MentalHealth, 2),
								(Conditions, 2),
							],
						);
						self.request(p, patient, category, Purpose::Treatment, at);
					}
				}
			},
			"slow_exfiltration" => {
				if self.works(p, day) {
					for _ in 0..self.rng.random_range(3..9) {
						let patient = self.pick_patient(Some(org));
						let at = self.rng.random_range(shift_from..shift_until);
						let category = weighted(
							&mut self.rng,
							&[(Demographics, 3), (Conditions, 2), (Medications, 1)],
						);
						self.request(p, patient, category, Purpose::Treatment, at);
					}
				}
			},
			"off_shift" => {
				let mut at = shift_until + self.rng.random_range(4 * HOUR..10 * HOUR);
				let recent = self.stays_in(org, Some(self.practitioners[p].dept), at - DAY, at);
				for _ in 0..self.rng.random_range(5..20) {
					let patient = match recent.choose(&mut self.rng) {
						Some(stay) if self.rng.random_bool(0.6) => stay.patient,
						_ => self.pick_patient(Some(org)),
					};
					let category = self.clinical_category(Physician, Dept::Intensive);
					self.request(p, patient, category, Purpose::Treatment, at);
					at += self.rng.random_range(MINUTE..15 * MINUTE);
				}
			},
			"break_glass_abuse" => {
				for _ in 0..self.rng.random_range(2..6) {
					let patient = self.pick_patient(None);
					let at = self.rng.random_range(shift_from..shift_until);
					self.break_glass(p, patient, at);
					for i in 0..self.rng.random_range(2..5) {
						let category = weighted(
							&mut self.rng,
							&[(ClinicalNotes, 3), (MentalHealth, 2), (Hiv, 1)],
						);
						self.request(
							p,
							patient,
							category,
							Purpose::Treatment,
							at + (i + 1) * MINUTE,
						);
					}
				}
			},
			"purpose_misuse" => {
				for _ in 0..self.rng.random_range(5..16) {
					let patient = self.pick_patient(Some(org));
					let at = self.rng.random_range(shift_from..shift_until);
					let purpose =
						weighted(&mut self.rng, &[(Purpose::Payment, 3), (Purpose::Research, 2)]);
					let category =
						weighted(&mut self.rng, &[(ClinicalNotes, 3), (MentalHealth, 2)]);
					self.request(p, patient, category, purpose, at);
				}
			},
			_ => {
				// Probing: many requests that the chain refuses.
				let mut at = self.rng.random_range(shift_from..shift_until);
				for _ in 0..self.rng.random_range(30..100) {
					let patient = self.pick_patient(None);
					let category = weighted(
						&mut self.rng,
						&[(Hiv, 2), (SubstanceUse, 2), (Genetics, 1), (ClinicalNotes, 1)],
					);
					self.request(p, patient, category, Purpose::Treatment, at);
					at += self.rng.random_range(10 * SECOND..2 * MINUTE);
				}
			},
		}
	}

	/// A script's mean time between requests: 2 to 200 per second, as likely each tenfold.
	fn script_gap(&mut self) -> Moment {
		let per_second = 2.0 * 100f64.powf(self.rng.random::<f64>());
		(SECOND as f64 / per_second).round() as Moment
	}

	/// The celebrity in the news: a patient admitted at `at` to a ward of `org` other than the
	/// snooper's `own` (whose staff may be caring for them) (a VIP if one is there; otherwise
	/// whoever the admitted patient is becomes one), or, when no such ward has anyone, a VIP of
	/// `org` or any patient of it. One whose record is restricted with chance
	/// [`RESTRICTED_CELEBRITY`], where the pool has one (and one whose record is not otherwise).
	fn pick_vip(&mut self, org: usize, own: Dept, at: Moment) -> usize {
		let restricted = self.rng.random_bool(RESTRICTED_CELEBRITY);
		let admitted: Vec<usize> = self
			.stays_in(org, None, at, at + 1)
			.iter()
			.filter(|stay| stay.dept != Dept::Emergency && stay.dept != own)
			.map(|stay| stay.patient)
			.collect();
		let vips: Vec<usize> = admitted.iter().copied().filter(|&i| self.patients[i].vip).collect();
		let home_vips: Vec<usize> = (0..self.patients.len())
			.filter(|&i| self.patients[i].vip && self.patients[i].home == org)
			.collect();
		let pool = [vips, admitted, home_vips].into_iter().find(|pool| !pool.is_empty());
		let pool = pool.unwrap_or_default();
		let preferred: Vec<usize> =
			pool.iter().copied().filter(|&i| self.patients[i].restricted == restricted).collect();
		let pool = if preferred.is_empty() { pool } else { preferred };
		match pool.choose(&mut self.rng) {
			Some(&celebrity) => celebrity,
			None => self.pick_patient(Some(org)),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn small(seed: u64) -> Config {
		Config { seed, days: 14, practitioners: 150, ..Config::default() }
	}

	/// Attacks on 5% of practitioner-days: every type many times.
	fn attacked() -> Simulation {
		simulate(&Config { seed: 5, practitioners: 300, attack_rate: 0.05, ..Config::default() })
	}

	/// The attack accesses of `kind`, in chain order.
	fn accesses_of<'a>(simulation: &'a Simulation, kind: &str) -> Vec<&'a AccessDecision<String>> {
		let by_seq: BTreeMap<u64, &AccessDecision<String>> =
			simulation.log.iter().map(|d| (d.seq, d)).collect();
		simulation
			.attack_accesses
			.iter()
			.filter(|(_, k)| *k == kind)
			.map(|(seq, _)| by_seq[seq])
			.collect()
	}

	#[test]
	fn the_same_seed_gives_the_same_log() {
		let (a, b) = (simulate(&small(7)), simulate(&small(7)));
		assert_eq!(a.log, b.log);
		assert_eq!(a.labels, b.labels);
		assert_ne!(simulate(&small(8)).log, a.log);
	}

	#[test]
	fn the_log_is_in_chain_order_with_unique_sequence_numbers() {
		let log = simulate(&small(1)).log;
		assert!(log.len() > 10_000, "{} decisions", log.len());
		assert!(log.windows(2).all(|w| w[0].seq < w[1].seq && w[0].at <= w[1].at));
		assert!(log.iter().all(|d| (d.at - START).is_multiple_of(BLOCK)));
	}

	#[test]
	fn attacks_cover_their_share_of_practitioner_days_and_every_type_appears() {
		let config =
			Config { seed: 3, practitioners: 300, attack_rate: 0.005, ..Config::default() };
		let simulation = simulate(&config);
		let kinds: std::collections::BTreeSet<_> =
			simulation.labels.iter().map(|l| l.attack.as_str()).collect();
		assert_eq!(kinds.len(), ATTACKS.len(), "{kinds:?}");
		for kind in ATTACKS {
			for decision in accesses_of(&simulation, kind) {
				assert!(simulation.labels.iter().any(|l| l.attack == kind
					&& l.practitioner == decision.practitioner
					&& (l.start_ts..=l.end_ts).contains(&decision.at)));
			}
		}
		for label in &simulation.labels {
			assert!(label.start_ts <= label.end_ts);
			let attacker = simulation.log.iter().filter(|d| {
				d.practitioner == label.practitioner
					&& (label.start_ts..=label.end_ts).contains(&d.at)
			});
			assert!(attacker.count() > 0, "{label:?}");
		}
	}

	#[test]
	fn stolen_credentials_are_used_by_hand_and_by_script() {
		let simulation = attacked();
		// Per stolen credential: the most of its accesses in one block.
		let mut per_block: BTreeMap<(&str, u32), usize> = BTreeMap::new();
		for decision in accesses_of(&simulation, "stolen_credential") {
			*per_block.entry((decision.practitioner.as_str(), decision.block)).or_default() += 1;
		}
		let mut most: BTreeMap<&str, usize> = BTreeMap::new();
		for ((practitioner, _), count) in per_block {
			let top = most.entry(practitioner).or_default();
			*top = (*top).max(count);
		}
		assert!(most.values().any(|&n| n == 1), "some by hand: {most:?}");
		assert!(most.values().any(|&n| n >= 5), "some by script: {most:?}");
		// A network holds a few scripts: whether one of them is fast is its seed's luck; of many
		// scripts, some put a window's worth (64) in one block, and some only a few.
		let mut world = World::new(&small(5));
		let per_block: Vec<Moment> = (0..200).map(|_| BLOCK / world.script_gap().max(1)).collect();
		assert!(per_block.iter().any(|&n| n >= 64), "{per_block:?}");
		assert!(per_block.iter().any(|&n| n <= 8), "{per_block:?}");
	}

	#[test]
	fn some_stolen_credentials_are_new_hires_with_no_history_but_the_attack() {
		let simulation = attacked();
		let of = |label: &Label| -> Vec<Moment> {
			let own = simulation.log.iter().filter(|d| d.practitioner == label.practitioner);
			own.map(|d| d.at).collect()
		};
		let new_hires: Vec<_> = simulation
			.labels
			.iter()
			// Everybody else has worked in the first four days.
			.filter(|label| label.attack == "stolen_credential" && label.start_ts > START + 4 * DAY)
			.filter(|label| of(label).iter().all(|at| *at >= label.start_ts))
			.collect();
		assert!(!new_hires.is_empty(), "no new hire's credential was stolen");
		// Those attacked before the last day start work after it.
		let last_day = START + 29 * DAY;
		for label in new_hires.iter().filter(|label| label.end_ts < last_day) {
			assert!(of(label).iter().any(|at| *at > label.end_ts + DAY / 2), "{label:?}");
		}
	}

	#[test]
	fn vip_snooping_reads_a_patient_others_are_caring_for() {
		let simulation = attacked();
		let snooped: Vec<(&str, &str, Moment)> = accesses_of(&simulation, "vip_snooping")
			.into_iter()
			.map(|d| (d.practitioner.as_str(), d.patient.as_str(), d.at))
			.collect();
		let attacks: std::collections::BTreeSet<_> = snooped.iter().map(|s| s.0).collect();
		let cared_for = attacks
			.iter()
			.filter(|&&attacker| {
				let (_, celebrity, at) = snooped.iter().find(|s| s.0 == attacker).unwrap();
				simulation.log.iter().any(|d| {
					d.patient == *celebrity
						&& d.practitioner != attacker
						&& d.outcome.is_granted()
						&& d.at.abs_diff(*at) < DAY
				})
			})
			.count();
		assert!(attacks.len() >= 10, "{} VIP snooping attacks", attacks.len());
		assert!(cared_for * 10 >= attacks.len() * 9, "{cared_for} of {}", attacks.len());
	}

	#[test]
	fn a_restricted_record_opens_to_its_care_team_and_not_to_an_organisations_consent() {
		let simulation = simulate(&small(3));
		let attack: BTreeSet<u64> = simulation.attack_accesses.iter().map(|(s, _)| *s).collect();
		let normal = || simulation.log.iter().filter(|d| !attack.contains(&d.seq));
		let restricted_denial = DenyReason::Consent(ConsentDenial::RecordRestricted);
		let refused = |d: &&AccessDecision<String>| {
			d.outcome == AccessOutcome::Denied { reason: restricted_denial }
		};
		// Only a restricted record is refused as one.
		assert!(simulation.log.iter().filter(refused).all(|d| d.restricted));
		// A restricted record granted under an organisation's consent is a referred consult's.
		let referred: BTreeSet<(&str, &str)> = simulation
			.referrals
			.iter()
			.map(|r| (r.consultant.as_str(), r.patient.as_str()))
			.collect();
		let organisation = AccessOutcome::Granted { consent: 0, scope: ConsentScope::Organisation };
		for d in simulation.log.iter().filter(|d| d.restricted && d.outcome == organisation) {
			assert!(referred.contains(&(d.practitioner.as_str(), d.patient.as_str())), "{d:?}");
		}
		// Care teams read them under named consents; some clinicians, refused, break the glass;
		// office batches are refused.
		let named = AccessOutcome::Granted { consent: 0, scope: ConsentScope::Practitioner };
		let restricted = || normal().filter(|d| d.restricted);
		assert!(restricted().filter(|d| d.outcome == named).count() > 100);
		assert!(
			restricted().filter(|d| d.emergency && d.purpose == Purpose::Emergency).count() > 5
		);
		let office = |d: &&AccessDecision<String>| matches!(d.role, Some(Billing | RecordsOfficer));
		assert!(restricted().filter(refused).filter(office).count() > 5);
		let share = restricted().count() as f64 / normal().count() as f64;
		assert!((0.005..0.05).contains(&share), "{share}");
	}

	#[test]
	fn vip_snooping_on_a_restricted_record_is_refused_or_breaks_the_glass() {
		let simulation = attacked();
		let mut by_attacker: BTreeMap<&str, Vec<&AccessDecision<String>>> = BTreeMap::new();
		for d in accesses_of(&simulation, "vip_snooping") {
			by_attacker.entry(d.practitioner.as_str()).or_default().push(d);
		}
		let (restricted, open): (Vec<_>, Vec<_>) =
			by_attacker.values().partition(|reads| reads.iter().all(|d| d.restricted));
		assert!(restricted.len() >= 5 && open.len() >= 5, "{} / {}", restricted.len(), open.len());
		let restricted_denial =
			AccessOutcome::Denied { reason: DenyReason::Consent(ConsentDenial::RecordRestricted) };
		// The first try is refused: as restricted, but for a sensitive category not consented to.
		assert!(restricted.iter().all(|reads| !reads[0].outcome.is_granted()), "{restricted:?}");
		let as_restricted = restricted.iter().filter(|r| r[0].outcome == restricted_denial);
		assert!(as_restricted.count() * 2 > restricted.len());
		// The glass broken after it, by some.
		let broke_glass = restricted.iter().filter(|reads| reads.iter().any(|d| d.emergency));
		assert!((1..restricted.len()).contains(&broke_glass.count()));
		assert!(open.iter().flat_map(|reads| reads.iter()).all(|d| !d.restricted));
	}

	#[test]
	fn every_inpatient_has_a_nurse_every_shift_and_is_on_one_ward_at_a_time() {
		let mut world = World::new(&small(3));
		for day in 0..3 {
			world.admit(day);
		}
		let day = 2;
		for p in 0..world.practitioners.len() {
			if world.works(p, day) {
				world.work(p, day);
			}
		}
		let index: BTreeMap<&str, usize> =
			world.practitioners.iter().enumerate().map(|(i, pr)| (pr.id.as_str(), i)).collect();
		let (start, length) = Shift::Day.hours();
		let from = START + day * DAY + start * HOUR;
		let until = from + length * HOUR;
		let nurse_on = |ward| !world.on_shift(0, Nurse, Shift::Day, ward, day).is_empty();
		let mut read = Vec::new();
		for stay in world.stays_in(0, None, from, until) {
			let staffed = stay.from <= from && stay.until >= until && nurse_on(stay.dept);
			if staffed && stay.dept != Dept::Emergency {
				let patient = &world.patients[stay.patient].id;
				let of_ward =
					|who: &str| index.get(who).is_some_and(|&q| world.ward_of(q, day) == stay.dept);
				read.push(world.log.iter().any(|d| {
					d.patient == *patient
						&& (from..until).contains(&d.at)
						&& d.role == Some(Nurse)
						&& of_ward(&d.practitioner)
				}));
			}
			let elsewhere = world.stays.iter().filter(|other| {
				other.patient == stay.patient && other.from < stay.until && other.until > stay.from
			});
			assert_eq!(elsewhere.count(), 1, "patient {} in two stays at once", stay.patient);
		}
		let share = read.iter().filter(|&&r| r).count() as f64 / read.len() as f64;
		assert!(
			read.len() > 50 && share > 0.95,
			"{share} of {} inpatients read by a nurse",
			read.len()
		);
	}

	#[test]
	fn the_celebrity_is_admitted_to_another_ward_than_the_snoopers() {
		let mut world = World::new(&small(3));
		for day in 0..3 {
			world.admit(day);
		}
		let at = START + 2 * DAY + 12 * HOUR;
		for own in WARDS {
			for _ in 0..20 {
				let celebrity = world.pick_vip(0, own, at);
				let wards: Vec<Dept> = world
					.stays_in(0, None, at, at + 1)
					.iter()
					.filter(|stay| stay.patient == celebrity)
					.map(|stay| stay.dept)
					.collect();
				assert!(
					wards.iter().any(|&ward| ward != own && ward != Dept::Emergency),
					"snooper of {own:?} picked a patient in {wards:?}"
				);
			}
		}
	}

	/// The day shift of day 2 (07:00-15:00) in which every ward physician of a small network
	/// consults once.
	const SHIFT: (Moment, Moment) = (START + 2 * DAY + 7 * HOUR, START + 2 * DAY + 15 * HOUR);

	/// A consult of practitioner `p`: the rows of its reads and its referrals in the world.
	struct Consult {
		p: usize,
		reads: std::ops::Range<usize>,
		referrals: std::ops::Range<usize>,
	}

	/// A small network with three days of admissions, after [`SHIFT`]'s consults (those that
	/// found a patient).
	fn consults_of_a_shift() -> (World, Vec<Consult>) {
		consults_of_a_shift_with(CURBSIDE)
	}

	fn consults_of_a_shift_with(curbside: f64) -> (World, Vec<Consult>) {
		let mut world = World::new(&Config { curbside, ..small(3) });
		for day in 0..3 {
			world.admit(day);
		}
		let mut consults = Vec::new();
		for p in 0..world.practitioners.len() {
			let own = world.practitioners[p].dept;
			if world.practitioners[p].role != Physician || !WARDS.contains(&own) {
				continue;
			}
			let (reads, referrals) = (world.log.len(), world.referrals.len());
			world.consult(p, own, SHIFT.0, SHIFT.1);
			if world.log.len() > reads {
				let (reads, referrals) = (reads..world.log.len(), referrals..world.referrals.len());
				consults.push(Consult { p, reads, referrals });
			}
		}
		(world, consults)
	}

	#[test]
	fn a_consult_reads_a_patient_of_another_ward() {
		let (world, consults) = consults_of_a_shift();
		let (from, until) = SHIFT;
		for Consult { p, reads, .. } in &consults {
			let (own, org) = (world.practitioners[*p].dept, world.practitioners[*p].org);
			for read in &world.log[reads.clone()] {
				assert_eq!(read.practitioner, world.practitioners[*p].id);
				assert!((from..until + 2 * HOUR).contains(&read.at));
				let wards: Vec<Dept> = world
					.stays_in(org, None, from, until)
					.iter()
					.filter(|stay| world.patients[stay.patient].id == read.patient)
					.map(|stay| stay.dept)
					.collect();
				assert!(wards.iter().any(|&ward| ward != own), "{own:?} consulted in {wards:?}");
			}
		}
		assert!(consults.len() >= 10, "{} consults", consults.len());
	}

	#[test]
	fn most_consults_are_referred_by_a_physician_of_the_patients_ward() {
		let (world, consults) = consults_of_a_shift();
		let mut referred = 0;
		for Consult { p, reads, referrals } in &consults {
			let (org, id) = (world.practitioners[*p].org, &world.practitioners[*p].id);
			let first = &world.log[reads.start];
			for referral in &world.referrals[referrals.clone()] {
				referred += 1;
				assert_eq!((&referral.consultant, &referral.patient), (id, &first.patient));
				assert!(referral.from <= first.at && first.at < referral.until);
				let by = world.practitioners.iter().find(|q| q.id == referral.by).unwrap();
				let stays = world.stays_in(org, None, first.at, first.at + BLOCK);
				let mut wards =
					stays.iter().filter(|s| world.patients[s.patient].id == first.patient);
				assert_eq!((by.role, by.org), (Physician, org));
				assert!(wards.any(|s| s.dept == by.dept), "{:?}", by.dept);
			}
		}
		// About nine in ten: the rest are curbside.
		let consulted = consults.len();
		assert!(referred * 10 > consulted * 7 && referred < consulted, "{referred} of {consulted}");
	}

	#[test]
	fn the_share_of_curbside_consults_is_the_configs() {
		let referred = |curbside| {
			let (_, consults) = consults_of_a_shift_with(curbside);
			let referred = consults.iter().filter(|c| !c.referrals.is_empty()).count();
			(referred, consults.len())
		};
		let (all, consulted) = referred(0.0);
		assert!(consulted > 10);
		assert_eq!(all, consulted);
		assert_eq!(referred(1.0).0, 0);
	}

	#[test]
	fn a_family_draws_every_hospital_within_its_ranges_and_the_two_families_share_none() {
		for seed in 0..20 {
			let config = Config { seed, ..Config::default() };
			let training = Family::Training.draw(&config, 3);
			let held_out = Family::HeldOut.draw(&config, 3);
			assert_eq!((training.hospitals.len(), held_out.hospitals.len()), (3, 3));
			assert!((0.7..1.3).contains(&training.service_staff));
			assert!((1.5..2.0).contains(&held_out.service_staff));
			for p in &training.hospitals {
				assert!(
					(0.7..1.3).contains(&p.service_volume) && (0.8..1.2).contains(&p.admissions)
				);
				assert!((0.05..0.15).contains(&p.curbside) && (0.1..0.2).contains(&p.visitors));
				assert!([0, 60, -300].contains(&p.utc_offset));
			}
			for p in &held_out.hospitals {
				assert!(p.twelve_hour_shifts && p.service_runs && p.saturday_office);
				assert!(
					(1.5..2.2).contains(&p.service_volume) && (1.3..1.7).contains(&p.admissions)
				);
				assert!((0.2..0.3).contains(&p.curbside) && (0.3..0.4).contains(&p.visitors));
				assert!([330, -480, 540, -180].contains(&p.utc_offset));
			}
			assert_eq!(Family::Training.draw(&config, 3).hospitals, training.hospitals, "seeded");
		}
	}

	#[test]
	fn a_twelve_hour_hospital_works_from_seven_to_seven() {
		let base = Profile::BASE;
		let twelve = Profile { twelve_hour_shifts: true, ..Profile::BASE };
		let world = World::new(&Config { hospitals: vec![base, twelve], ..small(2) });
		let shift = |org: usize, shift: Shift| {
			let p = world.practitioners.iter().position(|p| p.org == org).unwrap();
			let (from, until) = world.shift_on(p, shift, 0);
			((from - START) / HOUR, (until - from) / HOUR)
		};
		assert_eq!(shift(0, Shift::Evening), (15, 8));
		assert_eq!(shift(1, Shift::Day), (7, 12));
		assert_eq!(shift(1, Shift::Evening), (19, 12));
		assert_eq!(shift(1, Shift::Night), (19, 12));
		assert_eq!(shift(1, Shift::Office), (9, 8));
	}

	#[test]
	fn a_held_out_network_is_busier_and_spread_over_time_zones() {
		let config =
			Config { seed: 3, days: 3, practitioners: 300, attack_rate: 0.0, ..Config::default() };
		let base = simulate(&config);
		let held_out = simulate(&Family::HeldOut.draw(&config, Family::hospitals_of(300)));
		assert!(held_out.log.len() as f64 > 1.3 * base.log.len() as f64);
		let offsets: std::collections::BTreeSet<_> =
			held_out.registry.iter().map(|r| r.utc_offset).collect();
		assert!(offsets.iter().all(|o| [330, -480, 540, -180].contains(o)), "{offsets:?}");
		assert!(base.registry.iter().all(|r| r.utc_offset == 0));
	}

	#[test]
	fn every_practitioner_works_within_a_week() {
		// Radiologists, whose department has no stays, used to have nothing to do: an attack
		// on one was its only window.
		let simulation = simulate(&Config { attack_rate: 0.0, days: 7, ..small(6) });
		let working: std::collections::BTreeSet<&str> =
			simulation.log.iter().map(|d| d.practitioner.as_str()).collect();
		let idle: Vec<&str> = simulation
			.registry
			.iter()
			.map(|r| r.practitioner.as_str())
			.filter(|p| !working.contains(p))
			.collect();
		assert!(idle.is_empty(), "{idle:?}");
		let radiologists =
			World::new(&small(6)).practitioners.iter().filter(|p| p.radiologist()).count();
		assert!(radiologists > 0);
	}

	#[test]
	fn clinicians_without_a_ward_of_their_own_are_registered_without_one() {
		let world = World::new(&small(4));
		let registry = world.registry();
		assert_eq!(registry.len(), world.practitioners.len());
		for (practitioner, registration) in world.practitioners.iter().zip(&registry) {
			assert_eq!(registration.practitioner, practitioner.id);
			let own_ward = WARDS.contains(&practitioner.dept) || practitioner.role != Physician;
			let moves = practitioner.rotating || practitioner.float;
			assert_eq!(registration.department.is_none(), moves || !own_ward, "{registration:?}");
		}
		assert!(registry.iter().any(|r| r.department.is_none()));
	}

	#[test]
	fn some_days_run_over_and_a_few_are_another_shift() {
		let mut world = World::new(&small(6));
		let (mut days, mut over, mut swapped) = (0, 0, 0);
		for p in 0..world.practitioners.len() {
			for day in 0..28 {
				let (from, until) = world.shift_of(p, day);
				let (worked_from, worked_until) = world.hours_worked(p, day);
				days += 1;
				if worked_from == from {
					assert!((until..until + 2 * HOUR).contains(&worked_until));
					over += usize::from(worked_until > until);
				} else {
					// Another of the three shifts of a clinician, the same day.
					assert_ne!(world.practitioners[p].shift, Shift::Office);
					assert_eq!((worked_from - START) / DAY, day);
					assert_eq!(worked_from.abs_diff(from) % (8 * HOUR), 0);
					swapped += 1;
				}
			}
		}
		let share = |n: usize| n as f64 / days as f64;
		assert!((0.15..0.25).contains(&share(over)), "overtime on {over} of {days} days");
		assert!((0.01..0.04).contains(&share(swapped)), "another shift on {swapped} of {days}");
	}

	#[test]
	fn normal_work_has_its_hard_negatives() {
		let log = simulate(&small(2)).log;
		let share = |test: &dyn Fn(&AccessDecision<String>) -> bool| {
			log.iter().filter(|d| test(d)).count() as f64 / log.len() as f64
		};
		let emergency = share(&|d| d.emergency);
		let denied = share(&|d| !d.outcome.is_granted());
		let payment = share(&|d| d.purpose == Purpose::Payment);
		assert!(emergency > 0.001 && emergency < 0.1, "emergency {emergency}");
		assert!(denied > 0.001 && denied < 0.2, "denied {denied}");
		assert!(payment > 0.05, "payment {payment}");
	}
}
