//! The golden parity test: the features the sentinel computes on chain are the features the
//! model is trained on. One access log is made by the audit pallet's real calls (requests,
//! denials, break-glass, a referral made and ended, over five days of shifts) and read twice:
//! by the sentinel's own `features_of` on the chain's state after each block (one run's reads
//! shared by the block's practitioners, as the worker does), and by the
//! training exporter (`ehr_anomaly::export::samples`) from the log's JSONL lines, the registry
//! and the referrals. Every sample must be identical, bit for bit.

use crate::{
	tests::{credential_from, register_practitioner, signed},
	*,
};
use ehr_anomaly::{
	export::{samples, Truth},
	log::{
		read_log, registry, ChainState, LogEntry, OnMalformed, Referral, Referrals, Registration,
	},
};
use ehr_primitives::{
	audit::AccessDecision,
	features::Features,
	providers::{ProviderInspect, UtcOffset},
	Moment,
};
use frame_support::{assert_ok, traits::fungible::Mutate, BoundedVec};
use pallet_audit::EmergencyReason;
use pallet_consent::{Categories, Category, ConsentTerms, Grantee, Purpose, StandardCategory};
use pallet_providers::{Credential, OrganisationKind, PractitionerRole};
use pallet_sentinel::FeatureReads;
use sp_runtime::BuildStorage;

/// Monday 2023-11-13 06:00 UTC.
const START: Moment = 1_699_855_200_000;
const MINUTE: Moment = 60_000;
const HOUR: Moment = 60 * MINUTE;

fn account(n: u8) -> AccountId {
	AccountId::new([n; 32])
}

fn credential() -> Credential {
	credential_from(START)
}

/// A small deterministic generator (a 64-bit LCG): the log is the same on every run.
struct Dice(u64);

impl Dice {
	fn below(&mut self, n: u64) -> u64 {
		self.0 =
			self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
		(self.0 >> 33) % n
	}
}

/// The hospital, its staff (role, ward) and the patients; patients 0..8 consent to the
/// hospital's treatment of every standard category, 8 and 9 to nothing.
struct Hospital {
	organisation: AccountId,
	staff: Vec<(AccountId, PractitionerRole, Option<u32>)>,
	patients: Vec<AccountId>,
}

/// The hospital is in New York (UTC-5): its hours are read on its clock on both sides.
const NEW_YORK: UtcOffset = -300;

fn hospital() -> Hospital {
	use PractitionerRole::*;
	let organisation = account(1);
	let _ = Balances::set_balance(&organisation, 1_000 * UNIT);
	assert_ok!(Providers::register_organisation(
		signed(&organisation),
		OrganisationKind::Hospital,
		credential(),
		NEW_YORK
	));
	assert_ok!(Providers::approve(RuntimeOrigin::root(), organisation.clone().into()));
	let roles = [
		(Nurse, Some(1)),
		(Nurse, Some(1)),
		(Physician, Some(1)),
		(Nurse, Some(2)),
		(Physician, Some(2)),
		(LabTechnician, None),
	];
	let staff: Vec<_> = roles
		.into_iter()
		.enumerate()
		.map(|(i, (role, ward))| (account(10 + i as u8), role, ward))
		.collect();
	for (who, role, ward) in &staff {
		register_practitioner(&organisation, who, *role, credential());
		assert_ok!(Providers::assign_department(signed(&organisation), who.clone().into(), *ward));
	}
	let patients: Vec<_> = (0..10).map(|i| account(100 + i)).collect();
	for patient in &patients[..8] {
		let terms = ConsentTerms {
			categories: Categories::AllStandard { sensitive: BoundedVec::new() },
			purposes: BoundedVec::truncate_from(vec![Purpose::Treatment]),
			from: START,
			until: None,
			max_accesses: None,
		};
		let grantee = Grantee::Organisation(organisation.clone());
		assert_ok!(Consent::grant(signed(patient), None, grantee, terms));
	}
	Hospital { organisation, staff, patients }
}

/// The decision `who` just had logged.
fn last_decision(who: &AccountId) -> AccessDecision<AccountId> {
	Audit::window_of(who).last().cloned().expect("the request was logged")
}

/// A runtime account as the access log names it.
fn name(who: &AccountId) -> String {
	who.to_string()
}

fn named(decision: &AccessDecision<AccountId>) -> AccessDecision<String> {
	AccessDecision {
		seq: decision.seq,
		at: decision.at,
		block: decision.block,
		practitioner: name(&decision.practitioner),
		organisation: decision.organisation.as_ref().map(name),
		role: decision.role,
		patient: name(&decision.patient),
		category: decision.category,
		purpose: decision.purpose,
		emergency: decision.emergency,
		restricted: decision.restricted,
		outcome: decision.outcome,
	}
}

#[test]
fn the_chain_and_the_exporter_compute_the_same_features_from_one_log() {
	let storage = frame_system::GenesisConfig::<Runtime>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Runtime>::put(START);
		let Hospital { organisation, staff, patients } = hospital();
		// A sensitive category, blinded: the exporter writes it as `sensitive`, and reads it
		// back as another commitment of the same class.
		let categories: [Category; 6] = [
			StandardCategory::Medications.into(),
			StandardCategory::Conditions.into(),
			StandardCategory::ClinicalNotes.into(),
			StandardCategory::LaboratoryResults.into(),
			StandardCategory::Imaging.into(),
			Category::Sensitive([7; 32].into()),
		];
		let (physician, consultant, referred) = (&staff[2].0, &staff[4].0, &patients[3]);
		let mut dice = Dice(44);
		let (mut log, mut referrals, mut on_chain) = (Vec::new(), Vec::new(), Vec::new());
		let mut now = START;
		for block in 2..=320u32 {
			// Shifts: 06:00-22:00 in steps of a few minutes, then the night passes at once.
			now += (1 + dice.below(20)) * MINUTE;
			if (now / HOUR) % 24 >= 22 {
				now += 8 * HOUR;
			}
			System::set_block_number(block);
			System::reset_events();
			pallet_timestamp::Now::<Runtime>::put(now);
			let mut asked = Vec::new();
			for _ in 0..1 + dice.below(4) {
				let (who, role, _) = &staff[dice.below(staff.len() as u64) as usize];
				let patient = &patients[dice.below(patients.len() as u64) as usize];
				let category = categories[dice.below(categories.len() as u64) as usize];
				if dice.below(40) == 0 {
					let reason = EmergencyReason::PatientIncapacitated;
					assert_ok!(Audit::emergency_access(
						signed(who),
						patient.clone().into(),
						category,
						reason
					));
				} else {
					let purpose = if *role == PractitionerRole::LabTechnician || dice.below(12) > 0
					{
						Purpose::Treatment
					} else {
						Purpose::Payment
					};
					assert_ok!(Audit::request_access(
						signed(who),
						patient.clone().into(),
						category,
						purpose,
						None
					));
				}
				log.push(last_decision(who));
				asked.push(who.clone());
			}
			// A consult: the physician caring for the patient refers it to another ward's
			// physician, who reads it; the consult ends early, a day and a half later.
			let consult_read = match block {
				120 => Some(physician),
				121 => Some(consultant),
				_ => None,
			};
			if let Some(who) = consult_read {
				let (category, purpose) =
					(StandardCategory::Medications.into(), Purpose::Treatment);
				let patient = referred.clone().into();
				assert_ok!(Audit::request_access(signed(who), patient, category, purpose, None));
				log.push(last_decision(who));
				asked.push(who.clone());
			}
			if block == 120 {
				let (patient, to) = (referred.clone().into(), consultant.clone().into());
				assert_ok!(Audit::refer(signed(physician), patient, to, now + 48 * HOUR));
				referrals.push((now, now + 48 * HOUR));
			}
			if block == 200 {
				let (patient, to) = (referred.clone().into(), consultant.clone().into());
				assert_ok!(Audit::end_referral(signed(consultant), patient, to));
				referrals[0].1 = now;
			}
			// What the sentinel scores at the block's end, as its worker reads the chain: one
			// run's reads shared by the block's practitioners.
			asked.sort();
			asked.dedup();
			let mut reads = FeatureReads::default();
			for who in asked {
				if let Some(window) = Sentinel::scoreable_window(&who) {
					let end = window.last().map(|d| d.seq).unwrap_or_default();
					let utc_offset = Providers::membership(&who).map(|m| m.utc_offset);
					assert_eq!(utc_offset, Some(NEW_YORK));
					let features = Sentinel::features_of(&who, &window, &mut reads, NEW_YORK);
					on_chain.push((name(&who), end, features));
				}
			}
		}

		// The exporter's inputs: the log's JSONL lines, the registry and the referrals.
		let lines: Vec<String> = log
			.iter()
			.map(|d| serde_json::to_string(&LogEntry::from_decision(&named(d))).unwrap())
			.collect();
		let (decisions, skipped) =
			read_log(lines.join("\n").as_bytes(), OnMalformed::Refuse).unwrap();
		assert!(skipped.is_empty());
		let registrations = staff.iter().map(|(who, _, ward)| Registration {
			practitioner: name(who),
			organisation: name(&organisation),
			department: ward.map(|w| w.to_string()),
			utc_offset: NEW_YORK,
		});
		let referral = referrals.iter().map(|(from, until)| Referral {
			consultant: name(consultant),
			patient: name(referred),
			by: name(physician),
			from: *from,
			until: *until,
		});
		let (wards, utc_offsets) = registry(registrations).unwrap();
		let chain = ChainState { wards, utc_offsets, referrals: Referrals::new(referral).unwrap() };
		let mut exported: Vec<(String, u64, Features)> =
			samples(&decisions, &chain, Truth::Labels(&[]), 1)
				.map(|(sample, features)| (sample.practitioner, sample.seq, features))
				.collect();

		// A log that exercises what the features read.
		let outcomes = |test: &dyn Fn(&AccessDecision<AccountId>) -> bool| {
			log.iter().filter(|d| test(d)).count()
		};
		assert!(outcomes(&|d| d.outcome.is_granted()) > 300);
		assert!(outcomes(&|d| !d.outcome.is_granted()) > 50);
		assert!(outcomes(&|d| d.emergency) > 5);
		assert!(on_chain.len() > 150, "{} samples", on_chain.len());

		// Samples of one block in the order of their last decisions, on both sides.
		on_chain.sort_by_key(|(_, seq, _)| *seq);
		exported.sort_by_key(|(_, seq, _)| *seq);
		assert_eq!(exported.len(), on_chain.len());
		for (chain_sample, export_sample) in on_chain.iter().zip(&exported) {
			assert_eq!(chain_sample, export_sample);
		}
	});
}
