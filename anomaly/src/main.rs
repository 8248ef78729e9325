//! `ehr-anomaly`: simulate an access log, export the model's features from one.

use clap::{Parser, Subcommand};
use ehr_anomaly::{
	calibrate::{Group, Sentinel},
	export::{export, samples, Truth},
	log::{read_log, registry, role_name, ChainState, Label, LogEntry, OnMalformed, Referrals},
	score::{hex, layout_hex, parse_sha256, Scorer, BRANCHES, CHAIN_THRESHOLD},
	simulate::{simulate, Config, Family, Profile, CURBSIDE},
};
use ehr_primitives::{
	anomaly::{to_ppm, MAX_SCORE_PPM},
	audit::AccessDecision,
	calibration::{CalibrationPolicy, PeerGroupState, Perbill, MAX_BURN_IN, MAX_FALSE_ALERT_RATE},
	providers::UTC_OFFSETS,
};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::{
	fs::File,
	io::{BufRead, BufReader, BufWriter, Write},
	path::{Path, PathBuf},
	process::ExitCode,
};

#[derive(Parser)]
#[command(name = "ehr-anomaly", version, about = "EHR Chain's anomaly model, natively")]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Simulate a hospital network's access log, with labelled attacks (docs/access-log.md).
	Simulate {
		#[arg(long)]
		seed: u64,
		#[arg(long)]
		days: u32,
		#[arg(long)]
		practitioners: u32,
		/// The share of practitioner-days under attack.
		#[arg(long, default_value_t = 0.005)]
		attack_rate: f64,
		/// The share of consults never referred on chain (asked for in the corridor).
		#[arg(long, default_value_t = CURBSIDE)]
		curbside: f64,
		#[arg(long)]
		out: PathBuf,
		#[arg(long)]
		labels: PathBuf,
		/// Also write every attack access (`{"seq","attack"}` per line): finer ground truth.
		#[arg(long)]
		truth: Option<PathBuf>,
		/// Also write the practitioners' registrations, with their departments.
		#[arg(long)]
		registry: Option<PathBuf>,
		/// Also write the consults' referrals (the audit pallet's `refer`).
		#[arg(long)]
		referrals: Option<PathBuf>,
		/// The organisations' offsets from UTC in minutes, east positive, taken in turn
		/// (`--utc-offsets=-300,0,60`): each works its local hours, the log is in UTC. All at
		/// UTC by default.
		#[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
		utc_offsets: Vec<i16>,
		/// Draw how the network's hospitals work from a family of configurations (shifts,
		/// service patterns and volumes, admissions, referral habits, visitors, office days,
		/// time zones, staff mix): `training` around the base hospital, `held-out` beyond it.
		#[arg(long, value_enum, conflicts_with = "utc_offsets")]
		family: Option<FamilyArg>,
	},
	/// Export the features the model reads, computed by the chain's feature function.
	Features {
		#[arg(long)]
		log: PathBuf,
		#[arg(long)]
		labels: Option<PathBuf>,
		/// Mark as attacks the samples near these attack accesses (`simulate --truth`) instead
		/// of those inside the labels' windows.
		#[arg(long)]
		truth: Option<PathBuf>,
		/// The practitioners' registrations (`simulate --registry`): their wards. Without it, no
		/// practitioner has a ward.
		#[arg(long)]
		registry: Option<PathBuf>,
		/// The referrals (`simulate --referrals`). Without it, nobody is referred.
		#[arg(long)]
		referrals: Option<PathBuf>,
		/// Keep every n-th sample of each practitioner (and every sample inside an attack).
		#[arg(long, default_value_t = 1)]
		stride: usize,
		/// Stop at the first malformed line instead of skipping it.
		#[arg(long)]
		strict: bool,
		#[arg(long)]
		out_dir: PathBuf,
	},
	/// Print the feature layout this build computes (16 hex digits): what a model's ONNX metadata
	/// `ehr_feature_layout` must name for the node to load it.
	Layout,
	/// Score every practitioner of a log where the sentinel would (at the end of each block it
	/// made requests in); print one JSON line per alert, then a summary line.
	///
	/// With `--calibrate`, alert as the chain's sentinel reports, with per-peer-group
	/// calibration: each organisation's role in shadow for the burn-in, then alerting above its
	/// own calibrated score and the threshold (`docs/sentinel.md`).
	Score {
		#[arg(long)]
		log: PathBuf,
		/// An ONNX model instead of the embedded one.
		#[arg(long)]
		model: Option<PathBuf>,
		/// The practitioners' registrations: their wards. Without it, no practitioner has a ward.
		#[arg(long)]
		registry: Option<PathBuf>,
		/// The referrals. Without it, nobody is referred.
		#[arg(long)]
		referrals: Option<PathBuf>,
		/// The sha256 (hex) the model must have; the embedded model is always checked.
		#[arg(long)]
		sha256: Option<String>,
		#[arg(long, default_value_t = CHAIN_THRESHOLD)]
		threshold: f64,
		/// Stop at the first malformed line instead of skipping it.
		#[arg(long)]
		strict: bool,
		/// Judge as the sentinel reports with peer-group calibration.
		#[arg(long)]
		calibrate: bool,
		/// With `--calibrate`: the days each peer group is watched in shadow (at most 28).
		#[arg(long, default_value_t = 14.0, requires = "calibrate")]
		burn_in_days: f64,
		/// With `--calibrate`: the share of a group's practitioner-days that may alert
		/// (above 0, at most 0.01).
		#[arg(long, default_value_t = 0.001, requires = "calibrate")]
		false_alert_rate: f64,
	},
}

/// `--family`'s values.
#[derive(Clone, Copy, clap::ValueEnum)]
enum FamilyArg {
	Training,
	HeldOut,
}

impl From<FamilyArg> for Family {
	fn from(family: FamilyArg) -> Self {
		match family {
			FamilyArg::Training => Family::Training,
			FamilyArg::HeldOut => Family::HeldOut,
		}
	}
}

fn main() -> ExitCode {
	match run(Cli::parse().command) {
		Ok(()) => ExitCode::SUCCESS,
		Err(message) => {
			eprintln!("Error: {message}");
			ExitCode::FAILURE
		},
	}
}

fn run(command: Command) -> Result<(), String> {
	match command {
		Command::Simulate {
			seed,
			days,
			practitioners,
			attack_rate,
			curbside,
			out,
			labels,
			truth,
			registry,
			referrals,
			utc_offsets,
			family,
		} => {
			if let Some(offset) = utc_offsets.iter().find(|o| !UTC_OFFSETS.contains(o)) {
				return Err(format!("--utc-offsets: {offset} is not between -720 and 840 minutes"));
			}
			for (flag, share) in [("--attack-rate", attack_rate), ("--curbside", curbside)] {
				if !(0.0..=1.0).contains(&share) {
					return Err(format!("{flag} {share} is not a share in [0, 1]"));
				}
			}
			let hospitals = utc_offsets
				.into_iter()
				.map(|utc_offset| Profile { utc_offset, curbside, ..Profile::BASE })
				.collect();
			let config = Config {
				seed,
				days,
				practitioners,
				attack_rate,
				curbside,
				hospitals,
				..Config::default()
			};
			let config = match family {
				None => config,
				Some(family) => {
					Family::from(family).draw(&config, Family::hospitals_of(practitioners))
				},
			};
			let simulation = simulate(&config);
			write_jsonl(&out, simulation.log.iter().map(LogEntry::from_decision))?;
			write_jsonl(&labels, simulation.labels.iter().cloned())?;
			if let Some(truth) = truth {
				let accesses = simulation.attack_accesses.iter();
				write_jsonl(
					&truth,
					accesses.map(|(seq, attack)| json!({ "seq": seq, "attack": attack })),
				)?;
			}
			if let Some(registry) = registry {
				write_jsonl(&registry, simulation.registry.iter())?;
			}
			if let Some(referrals) = referrals {
				write_jsonl(&referrals, simulation.referrals.iter())?;
			}
			eprintln!(
				"{} decisions, {} attacks: {} and {}",
				simulation.log.len(),
				simulation.labels.len(),
				out.display(),
				labels.display()
			);
			Ok(())
		},
		Command::Features { log, labels, truth, registry, referrals, stride, strict, out_dir } => {
			let (decisions, _) = load_log(&log, strict)?;
			let chain = read_chain_state(registry.as_deref(), referrals.as_deref())?;
			let labels = match labels {
				Some(path) => read_labels(&path)?,
				None => Vec::new(),
			};
			let accesses = match truth {
				Some(path) => Some(read_truth(&path)?),
				None => None,
			};
			let truth = match &accesses {
				Some(accesses) => Truth::Accesses(accesses),
				None => Truth::Labels(&labels),
			};
			let rows = export(&decisions, &chain, truth, stride, &out_dir)
				.map_err(|e| format!("{}: {e}", out_dir.display()))?;
			eprintln!("{rows} samples in {}", out_dir.display());
			Ok(())
		},
		Command::Layout => {
			println!("{}", layout_hex());
			Ok(())
		},
		Command::Score {
			log,
			model,
			registry,
			referrals,
			sha256,
			threshold,
			strict,
			calibrate,
			burn_in_days,
			false_alert_rate,
		} => {
			if !(0.0..=1.0).contains(&threshold) {
				return Err(format!("--threshold {threshold} is not a score in [0, 1]"));
			}
			let sentinel = calibrate
				.then(|| calibration_policy(burn_in_days, false_alert_rate))
				.transpose()?
				.map(|policy| Sentinel::new(policy, to_ppm(threshold as f32)));
			let expected = sha256
				.map(|hex| parse_sha256(&hex).ok_or(format!("--sha256 {hex}: not 64 hex digits")))
				.transpose()?;
			let scorer = match model {
				Some(path) => Scorer::from_path(&path, expected),
				None => Scorer::embedded(),
			}
			.map_err(|e| e.to_string())?;
			let (decisions, skipped) = load_log(&log, strict)?;
			let chain = read_chain_state(registry.as_deref(), referrals.as_deref())?;
			score(&scorer, &decisions, &chain, skipped, threshold, sentinel)
		},
	}
}

/// The policy `score --calibrate` plays, from its flags.
fn calibration_policy(
	burn_in_days: f64,
	false_alert_rate: f64,
) -> Result<CalibrationPolicy, String> {
	let max_days = MAX_BURN_IN as f64 / DAY_MS;
	if !(0.0..=max_days).contains(&burn_in_days) {
		return Err(format!("--burn-in-days {burn_in_days} is not in [0, {max_days}]"));
	}
	let max_rate = MAX_FALSE_ALERT_RATE.deconstruct() as f64 / 1e9;
	if !(false_alert_rate > 0.0 && false_alert_rate <= max_rate) {
		return Err(format!("--false-alert-rate {false_alert_rate} is not in (0, {max_rate}]"));
	}
	Ok(CalibrationPolicy {
		burn_in: (burn_in_days * DAY_MS) as u64,
		false_alert_rate: Perbill::from_float(false_alert_rate),
	})
}

const DAY_MS: f64 = 86_400_000.0;

/// The decisions of the log at `path`; malformed lines are reported on stderr and skipped, or
/// with `strict` refused. Returns how many were skipped.
fn load_log(path: &Path, strict: bool) -> Result<(Vec<AccessDecision<String>>, usize), String> {
	let on_malformed = if strict { OnMalformed::Refuse } else { OnMalformed::Skip };
	let (decisions, skipped) =
		read_log(open(path)?, on_malformed).map_err(|e| format!("{}: {e}", path.display()))?;
	for error in &skipped {
		eprintln!("{}: skipped {error}", path.display());
	}
	Ok((decisions, skipped.len()))
}

fn score(
	scorer: &Scorer,
	decisions: &[AccessDecision<String>],
	chain: &ChainState,
	skipped: usize,
	threshold: f64,
	mut sentinel: Option<Sentinel>,
) -> Result<(), String> {
	let mut stdout = std::io::stdout().lock();
	let mut print = |line: serde_json::Value| writeln!(stdout, "{line}").map_err(|e| e.to_string());
	let groups: BTreeMap<&str, Group> = decisions
		.iter()
		.map(|d| {
			let organisation = d.organisation.clone().unwrap_or_default();
			let role = d.role.map(role_name).unwrap_or_default().to_string();
			(d.practitioner.as_str(), (organisation, role))
		})
		.collect();
	let (mut scored, mut alerted) = (0usize, BTreeSet::new());
	let mut alerts = 0usize;
	let mut pending = samples(decisions, chain, Truth::Labels(&[]), 1).peekable();
	while pending.peek().is_some() {
		let batch: Vec<_> = pending.by_ref().take(1024).collect();
		let features: Vec<_> = batch.iter().map(|(_, f)| f.clone()).collect();
		let scores = scorer.score(&features).map_err(|e| e.to_string())?;
		scored += scores.len();
		for ((sample, features), score) in batch.iter().zip(scores) {
			let alert = match &mut sentinel {
				None => f64::from(score.score) >= threshold,
				Some(sentinel) => {
					let group =
						groups.get(sample.practitioner.as_str()).cloned().unwrap_or_default();
					let score_ppm = to_ppm(score.score);
					sentinel.judge(&sample.practitioner, group, sample.seq, sample.ts, score_ppm)
				},
			};
			if !alert {
				continue;
			}
			alerts += 1;
			alerted.insert(sample.practitioner.clone());
			let parts: serde_json::Map<_, _> =
				BRANCHES.iter().zip(score.parts).map(|(b, p)| (b.to_string(), json!(p))).collect();
			let top: Vec<_> = scorer
				.top_features(features, 3)
				.into_iter()
				.map(|(name, value)| json!({ "name": name, "value": value }))
				.collect();
			print(json!({
				"practitioner": sample.practitioner,
				"ts": sample.ts,
				"seq": sample.seq,
				"score": score.score,
				"parts": parts,
				"top_features": top,
			}))?;
		}
	}
	let mut summary = json!({
		"decisions": decisions.len(),
		"skipped_lines": skipped,
		"scored": scored,
		"alerts": alerts,
		"practitioners_alerted": alerted.len(),
		"threshold": threshold,
		"model_sha256": hex(&scorer.sha256()),
	});
	if let Some(sentinel) = sentinel {
		summary["calibration"] = calibration_summary(&sentinel);
	}
	print(json!({ "summary": summary }))
}

/// Each peer group's standing at the end of the log, for the summary line.
fn calibration_summary(sentinel: &Sentinel) -> serde_json::Value {
	let policy = sentinel.policy();
	let groups: Vec<_> = sentinel
		.groups
		.iter()
		.map(|((organisation, role), view)| {
			let (state, calibrated) = match view.state() {
				PeerGroupState::Live { score_ppm, .. } => {
					("live", Some(f64::from(score_ppm) / f64::from(MAX_SCORE_PPM)))
				},
				_ => ("shadow", None),
			};
			json!({
				"organisation": organisation,
				"role": role,
				"state": state,
				"calibrated_score": calibrated,
				"practitioner_days": view.practitioner_days,
				"held_in_shadow": view.held_in_shadow,
			})
		})
		.collect();
	json!({
		"burn_in_days": policy.burn_in as f64 / DAY_MS,
		"false_alert_rate": f64::from(policy.false_alert_rate.deconstruct()) / 1e9,
		"groups": groups,
	})
}

fn open(path: &Path) -> Result<BufReader<File>, String> {
	File::open(path).map(BufReader::new).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_labels(path: &Path) -> Result<Vec<Label>, String> {
	read_jsonl(path)
}

/// The wards and offsets from UTC of the registry at `registrations` and the referrals at
/// `referrals`; none of what is not given.
fn read_chain_state(
	registrations: Option<&Path>,
	referrals: Option<&Path>,
) -> Result<ChainState, String> {
	let (wards, utc_offsets) = match registrations {
		None => Default::default(),
		Some(path) => registry(read_jsonl(path)?)
			.map_err(|bad| format!("{}: line {}: {bad}", path.display(), bad.index + 1))?,
	};
	let referrals = match referrals {
		None => Referrals::default(),
		Some(path) => Referrals::new(read_jsonl(path)?)
			.map_err(|empty| format!("{}: line {}: {empty}", path.display(), empty.index + 1))?,
	};
	Ok(ChainState { wards, utc_offsets, referrals })
}

fn read_truth(path: &Path) -> Result<std::collections::BTreeMap<u64, String>, String> {
	#[derive(serde::Deserialize)]
	struct AttackAccess {
		seq: u64,
		attack: String,
	}
	let accesses: Vec<AttackAccess> = read_jsonl(path)?;
	Ok(accesses.into_iter().map(|a| (a.seq, a.attack)).collect())
}

/// Every line of `path` as a `T`; the first bad line is refused with its number.
fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, String> {
	open(path)?
		.lines()
		.enumerate()
		.map(|(i, line)| {
			line.map_err(|e| e.to_string())
				.and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
				.map_err(|e| format!("{}: line {}: {e}", path.display(), i + 1))
		})
		.collect()
}

fn write_jsonl<T: serde::Serialize>(
	path: &Path,
	items: impl Iterator<Item = T>,
) -> Result<(), String> {
	let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
	let mut out = BufWriter::new(File::create(path).map_err(|e| fail(&e))?);
	for item in items {
		serde_json::to_writer(&mut out, &item).map_err(|e| fail(&e))?;
		out.write_all(b"\n").map_err(|e| fail(&e))?;
	}
	out.flush().map_err(|e| fail(&e))
}
