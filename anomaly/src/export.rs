//! Features for training, computed from an access log by the chain's own feature function.
//!
//! A sample is taken where the sentinel would score: for a practitioner, at the end of each
//! block it made requests in, over its window of decisions up to then (once it holds
//! [`MIN_SCORED_WINDOW`] decisions) and the logs of its patients as they stand then. With a
//! stride, only every `stride`-th sample of each practitioner is kept, and every sample of an
//! attack.
//!
//! A sample belongs to an attack by the labels (its time inside an attack on that practitioner)
//! or, given the simulator's finer ground truth ([`Truth::Accesses`]), when one of the window's
//! last [`RECENT`] decisions is an attack access: what training wants, since an attack window
//! (a shift, or weeks of slow exfiltration) is mostly normal work.
//!
//! Written to a directory: `window.npy` (`f32`, `[n, 50]`), `sequence.npy` (`f32`,
//! `[n, 64, 14]`) and `samples.jsonl` (`{"practitioner","seq","ts","attack"}` per row, `attack`
//! null for normal behaviour); the feature names are in `features.json`.

use crate::log::{ChainState, Label};
use ehr_primitives::{
	audit::{AccessDecision, PATIENT_LOG_LENGTH},
	features::{
		features, local, Features, WorkingHours, MIN_SCORED_WINDOW, SEQUENCE_LENGTH, STEP_FEATURES,
		WINDOW_FEATURES,
	},
};
use serde::Serialize;
use std::{
	collections::{BTreeMap, VecDeque},
	fs::File,
	io::{self, BufWriter, Seek, SeekFrom, Write},
	path::Path,
};

/// One exported sample, as `samples.jsonl` describes it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Sample {
	pub practitioner: String,
	/// The last decision of the window.
	pub seq: u64,
	pub ts: u64,
	/// The attack the practitioner is under at `ts`, if any.
	pub attack: Option<String>,
}

/// How many of a window's last decisions make its sample an attack one, with [`Truth::Accesses`].
pub const RECENT: usize = 8;

/// What says which samples belong to an attack.
#[derive(Clone, Copy)]
pub enum Truth<'a> {
	/// The labels: attack windows per practitioner.
	Labels(&'a [Label]),
	/// The attack accesses, by sequence number, with their attack type.
	Accesses(&'a BTreeMap<u64, String>),
}

impl Truth<'_> {
	/// The attack that `window` (oldest first, ending at `last`) belongs to, if any.
	fn attack(
		&self,
		window: &[AccessDecision<String>],
		last: &AccessDecision<String>,
	) -> Option<String> {
		match self {
			Truth::Labels(labels) => labels
				.iter()
				.find(|l| {
					l.practitioner == last.practitioner
						&& (l.start_ts..=l.end_ts).contains(&last.at)
				})
				.map(|l| l.attack.clone()),
			Truth::Accesses(accesses) => {
				window.iter().rev().take(RECENT).find_map(|d| accesses.get(&d.seq).cloned())
			},
		}
	}
}

/// Every sample point of `log` (in chain order) with its features, after the stride.
///
/// Each block's decisions are logged first, as the chain does, then its practitioners are
/// sampled: their windows and working hours, and the patients' logs ([`PATIENT_LOG_LENGTH`]
/// decisions each) that the care features read, stand as the sentinel finds them after the
/// block.
pub fn samples<'a>(
	log: &'a [AccessDecision<String>],
	chain: &'a ChainState,
	truth: Truth<'a>,
	stride: usize,
) -> impl Iterator<Item = (Sample, Features)> + 'a {
	let mut windows: BTreeMap<&str, VecDeque<AccessDecision<String>>> = BTreeMap::new();
	let mut patient_logs: BTreeMap<&str, VecDeque<&AccessDecision<String>>> = BTreeMap::new();
	let mut working_hours: BTreeMap<&str, WorkingHours> = BTreeMap::new();
	let mut taken: BTreeMap<&str, usize> = BTreeMap::new();
	log.chunk_by(|a, b| a.block == b.block).flat_map(move |block| {
		for decision in block {
			let window = windows.entry(&decision.practitioner).or_default();
			push_capped(window, decision.clone(), SEQUENCE_LENGTH);
			let utc_offset = chain.utc_offset(&decision.practitioner);
			working_hours
				.entry(&decision.practitioner)
				.or_default()
				.record(local(decision.at, utc_offset));
			let patient_log = patient_logs.entry(&decision.patient).or_default();
			push_capped(patient_log, decision, PATIENT_LOG_LENGTH as usize);
		}
		let mut sampled = Vec::new();
		for (i, decision) in block.iter().enumerate() {
			let practitioner = decision.practitioner.as_str();
			if block[i + 1..].iter().any(|d| d.practitioner == practitioner) {
				continue;
			}
			let Some(window) = windows.get_mut(practitioner) else { continue };
			if window.len() < MIN_SCORED_WINDOW {
				continue;
			}
			let window = &*window.make_contiguous();
			let attack = truth.attack(window, decision);
			let count = taken.entry(practitioner).or_default();
			*count += 1;
			if attack.is_none() && !(*count - 1).is_multiple_of(stride.max(1)) {
				continue;
			}
			let patient_log = |patient: &String| {
				let log = patient_logs.get(patient.as_str());
				log.into_iter().flat_map(|log| log.iter().rev().copied())
			};
			let sample = Sample {
				practitioner: decision.practitioner.clone(),
				seq: decision.seq,
				ts: decision.at,
				attack,
			};
			let hours = working_hours.get(practitioner).copied().unwrap_or_default();
			let ward_of = |who: &String| chain.wards.get(who);
			let referral_until =
				|patient: &String| chain.referrals.until(practitioner, patient, decision.at);
			let utc_offset = chain.utc_offset(practitioner);
			let features =
				features(window, patient_log, ward_of, &hours, referral_until, utc_offset);
			sampled.push((sample, features));
		}
		sampled
	})
}

/// Append `item`, dropping the oldest beyond `cap`: the chain's rings.
fn push_capped<T>(ring: &mut VecDeque<T>, item: T, cap: usize) {
	if ring.len() == cap {
		ring.pop_front();
	}
	ring.push_back(item);
}

/// Write the samples of `log` to `dir`; returns how many.
pub fn export(
	log: &[AccessDecision<String>],
	chain: &ChainState,
	truth: Truth<'_>,
	stride: usize,
	dir: &Path,
) -> io::Result<usize> {
	std::fs::create_dir_all(dir)?;
	let names = serde_json::json!({ "window": &WINDOW_FEATURES[..], "step": &STEP_FEATURES[..] });
	std::fs::write(dir.join("features.json"), names.to_string())?;
	let mut window = Npy::create(&dir.join("window.npy"))?;
	let mut sequence = Npy::create(&dir.join("sequence.npy"))?;
	let mut index = BufWriter::new(File::create(dir.join("samples.jsonl"))?);
	let mut rows = 0;
	for (sample, f) in samples(log, chain, truth, stride) {
		window.row(&f.window)?;
		for step in &f.sequence {
			sequence.row(step)?;
		}
		serde_json::to_writer(&mut index, &sample)?;
		index.write_all(b"\n")?;
		rows += 1;
	}
	window.finish(&[rows, WINDOW_FEATURES.len()])?;
	sequence.finish(&[rows, SEQUENCE_LENGTH, STEP_FEATURES.len()])?;
	index.flush()?;
	Ok(rows)
}

/// A little-endian `f32` `.npy` file written row by row; its header (with the final shape) is
/// written last, into room kept at the start.
struct Npy {
	file: BufWriter<File>,
}

const NPY_HEADER: usize = 128;

impl Npy {
	fn create(path: &Path) -> io::Result<Self> {
		let mut file = BufWriter::new(File::create(path)?);
		file.write_all(&[b' '; NPY_HEADER])?;
		Ok(Self { file })
	}

	fn row(&mut self, values: &[f32]) -> io::Result<()> {
		for value in values {
			self.file.write_all(&value.to_le_bytes())?;
		}
		Ok(())
	}

	fn finish(mut self, shape: &[usize]) -> io::Result<()> {
		let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
		let dict = format!(
			"{{'descr': '<f4', 'fortran_order': False, 'shape': ({},), }}",
			dims.join(", ")
		);
		// Magic, version 1.0, header length, then the dictionary padded with spaces to the room.
		let room = NPY_HEADER - 10;
		if dict.len() + 1 > room {
			return Err(io::Error::other("npy shape too long for its header"));
		}
		let mut header = b"\x93NUMPY\x01\x00".to_vec();
		header.extend_from_slice(&(room as u16).to_le_bytes());
		header.extend_from_slice(dict.as_bytes());
		header.resize(NPY_HEADER - 1, b' ');
		header.push(b'\n');
		self.file.seek(SeekFrom::Start(0))?;
		self.file.write_all(&header)?;
		self.file.flush()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		log::{Referral, Referrals, Wards},
		simulate::{simulate, Config, Profile, Simulation},
	};

	/// A week of a small network, attacks on 2% of its practitioner-days.
	fn a_week() -> Simulation {
		let config =
			Config { seed: 5, days: 7, practitioners: 100, attack_rate: 0.02, ..Config::default() };
		simulate(&config)
	}

	#[test]
	fn samples_are_taken_at_block_ends_with_labels_and_stride() {
		let simulation = a_week();
		let labels = Truth::Labels(&simulation.labels);
		let all: Vec<_> = samples(&simulation.log, &ChainState::default(), labels, 1).collect();
		let strided: Vec<_> =
			samples(&simulation.log, &ChainState::default(), labels, 10).collect();
		assert!(strided.len() * 5 < all.len());
		let attacked =
			|s: &[(Sample, Features)]| s.iter().filter(|(x, _)| x.attack.is_some()).count();
		assert!(attacked(&all) > 0);
		assert_eq!(attacked(&all), attacked(&strided));
		// One sample per practitioner and block, of a window old enough to be scored.
		let mut seen = std::collections::BTreeSet::new();
		for (sample, f) in &all {
			let block = sample.seq >> 32;
			assert!(seen.insert((sample.practitioner.clone(), block)));
			assert_eq!(f.sequence[SEQUENCE_LENGTH - 1][0], 1.0);
			assert_eq!(f.sequence[SEQUENCE_LENGTH - MIN_SCORED_WINDOW][0], 1.0);
		}
	}

	/// `practitioner` (a nurse) reads `patient` in `block`, `index`-th of the block.
	fn read(practitioner: &str, patient: &str, block: u32, index: u64) -> AccessDecision<String> {
		use ehr_primitives::{
			audit::AccessOutcome,
			consent::{ConsentScope, Purpose, StandardCategory},
			providers::PractitionerRole,
		};
		AccessDecision {
			seq: (u64::from(block) << 32) | index,
			at: 1_767_600_000_000 + u64::from(block) * 2000,
			block,
			practitioner: practitioner.into(),
			organisation: Some("org-1".into()),
			role: Some(PractitionerRole::Nurse),
			patient: patient.into(),
			category: StandardCategory::Medications.into(),
			purpose: Purpose::Treatment,
			emergency: false,
			restricted: false,
			outcome: AccessOutcome::Granted { consent: 0, scope: ConsentScope::Organisation },
		}
	}

	/// A nurse reads a new patient in each of blocks 1..=40; a colleague reads the last two of
	/// them, the last one later in the nurse's own block.
	fn nurse_and_colleague() -> Vec<AccessDecision<String>> {
		let mut log: Vec<_> = (1..=40).map(|b| read("nurse", &format!("pt-{b}"), b, 0)).collect();
		log.insert(39, read("colleague", "pt-39", 39, 1));
		log.push(read("colleague", "pt-40", 40, 1));
		log
	}

	/// The last three steps' value of the step feature `name` in the nurse's last sample.
	fn nurse_last_steps(
		log: &[AccessDecision<String>],
		chain: &ChainState,
		name: &str,
	) -> [f32; 3] {
		let all: Vec<_> = samples(log, chain, Truth::Labels(&[]), 1).collect();
		let (sample, features) = all.last().expect("the nurse's last sample");
		assert_eq!(sample.practitioner, "nurse");
		let column = STEP_FEATURES.iter().position(|n| *n == name).expect("a step feature");
		core::array::from_fn(|back| features.sequence[SEQUENCE_LENGTH - 1 - back][column])
	}

	#[test]
	fn care_features_see_the_patients_logs_as_they_stand_after_the_block() {
		let log = nurse_and_colleague();
		let all: Vec<_> = samples(&log, &ChainState::default(), Truth::Labels(&[]), 1).collect();
		// The nurse is sampled from its 32nd decision on; the colleague's window is too young.
		assert_eq!(all.len(), 40 - MIN_SCORED_WINDOW + 1);
		assert!(all.iter().all(|(s, _)| s.practitioner == "nurse"));
		let (last, _) = all.last().expect("the nurse's last sample");
		assert_eq!(last.seq >> 32, 40);
		// pt-40 and pt-39 are in the colleague's care; pt-38 in nobody's. None has a team the
		// nurse could be outside of.
		let none = ChainState::default();
		assert_eq!(nurse_last_steps(&log, &none, "out_of_care"), [0.0, 0.0, 1.0]);
		assert_eq!(nurse_last_steps(&log, &none, "unexplained"), [0.0; 3]);
	}

	#[test]
	fn the_registrys_wards_reach_the_features() {
		let log = nurse_and_colleague();
		let ward = |department: &str| ("org-1".to_string(), department.to_string());
		let registered = |colleagues_ward| ChainState {
			wards: Wards::from([
				("nurse".into(), ward("icu")),
				("colleague".into(), ward(colleagues_ward)),
			]),
			..ChainState::default()
		};
		// pt-40 and pt-39 are read by a colleague of another ward only; pt-38 by nobody.
		let foreign = nurse_last_steps(&log, &registered("surgery"), "foreign_ward");
		assert_eq!(foreign, [1.0, 1.0, 0.0]);
		// The colleague on the nurse's own ward, or no registry at all: nothing foreign.
		assert_eq!(nurse_last_steps(&log, &registered("icu"), "foreign_ward"), [0.0; 3]);
		assert_eq!(nurse_last_steps(&log, &ChainState::default(), "foreign_ward"), [0.0; 3]);
	}

	#[test]
	fn the_referrals_made_by_then_reach_the_features() {
		let log = nurse_and_colleague();
		let at_block = |block: u32| read("nurse", "pt-40", block, 0).at;
		let referred_to_pt_40_at = |block| ChainState {
			wards: Wards::from([
				("nurse".into(), ("org-1".into(), "icu".into())),
				("colleague".into(), ("org-1".into(), "surgery".into())),
			]),
			referrals: Referrals::new([Referral {
				consultant: "nurse".into(),
				patient: "pt-40".into(),
				by: "colleague".into(),
				from: at_block(block),
				until: at_block(block) + 60 * 60 * 1000,
			}])
			.unwrap(),
			..ChainState::default()
		};
		// Referred before the read: pt-40 is care; pt-39 is still another ward's.
		let foreign = nurse_last_steps(&log, &referred_to_pt_40_at(39), "foreign_ward");
		assert_eq!(foreign, [0.0, 1.0, 0.0]);
		// A referral made after the sample's block is not on chain yet.
		let foreign = nurse_last_steps(&log, &referred_to_pt_40_at(41), "foreign_ward");
		assert_eq!(foreign, [1.0, 1.0, 0.0]);
	}

	#[test]
	fn with_the_attack_accesses_only_samples_near_them_are_attacks() {
		let simulation = a_week();
		let accesses: BTreeMap<u64, String> =
			simulation.attack_accesses.iter().map(|(seq, kind)| (*seq, kind.to_string())).collect();
		let all: Vec<_> =
			samples(&simulation.log, &ChainState::default(), Truth::Accesses(&accesses), 1)
				.collect();
		let near: Vec<_> = all.iter().filter(|(s, _)| s.attack.is_some()).collect();
		assert!(!near.is_empty());
		// A sample that ends on an attack access is an attack one.
		for (sample, _) in &all {
			if let Some(kind) = accesses.get(&sample.seq) {
				assert_eq!(sample.attack.as_ref(), Some(kind));
			}
		}
		// Every such sample ends within RECENT decisions of an attack access of its practitioner.
		for (sample, _) in &near {
			let own: Vec<_> = simulation
				.log
				.iter()
				.filter(|d| d.practitioner == sample.practitioner && d.seq <= sample.seq)
				.collect();
			assert!(own.iter().rev().take(RECENT).any(|d| accesses.contains_key(&d.seq)));
		}
	}

	#[test]
	fn a_network_on_new_yorks_clocks_has_the_features_it_has_on_londons() {
		// The same hospitals, working the same local hours: the log five hours later in UTC.
		let features_of = |utc_offset: i16| {
			let hospitals = vec![Profile { utc_offset, ..Profile::BASE }];
			let config =
				Config { seed: 2, days: 4, practitioners: 160, hospitals, ..Config::default() };
			let simulation = simulate(&config);
			let (wards, utc_offsets) = crate::log::registry(simulation.registry).unwrap();
			let referrals = Referrals::new(simulation.referrals).unwrap();
			let chain = ChainState { wards, utc_offsets, referrals };
			let exported: Vec<_> = samples(&simulation.log, &chain, Truth::Labels(&[]), 1)
				.map(|(sample, features)| (sample.practitioner, sample.ts, features))
				.collect();
			exported
		};
		let london = features_of(0);
		let new_york = features_of(-300);
		assert!(london.len() > 1000, "{} samples", london.len());
		assert_eq!(london.len(), new_york.len());
		for ((p, ts, in_london), (q, ts_ny, in_new_york)) in london.iter().zip(&new_york) {
			assert_eq!((p, *ts + 5 * 3_600_000), (q, *ts_ny));
			assert_eq!(in_london, in_new_york, "{p} at {ts}");
		}
	}

	#[test]
	fn the_npy_files_have_their_shapes() {
		let simulation = simulate(&Config {
			seed: 6,
			days: 2,
			practitioners: 40,
			attack_rate: 0.0,
			..Config::default()
		});
		let dir = std::env::temp_dir().join(format!("ehr-export-{}", std::process::id()));
		let rows = export(
			&simulation.log,
			&ChainState::default(),
			Truth::Labels(&simulation.labels),
			3,
			&dir,
		)
		.unwrap();
		let window = std::fs::read(dir.join("window.npy")).unwrap();
		let header = String::from_utf8_lossy(&window[10..NPY_HEADER]).to_string();
		let columns = WINDOW_FEATURES.len();
		assert!(header.contains(&format!("'shape': ({rows}, {columns},)")), "{header}");
		assert_eq!(window.len(), NPY_HEADER + rows * columns * 4);
		let sequence = std::fs::metadata(dir.join("sequence.npy")).unwrap().len() as usize;
		assert_eq!(sequence, NPY_HEADER + rows * SEQUENCE_LENGTH * STEP_FEATURES.len() * 4);
		let index = std::fs::read_to_string(dir.join("samples.jsonl")).unwrap();
		assert_eq!(index.lines().count(), rows);
		std::fs::remove_dir_all(dir).unwrap();
	}
}
