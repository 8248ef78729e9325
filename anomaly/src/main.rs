//! `ehr-anomaly`: simulate an access log, export the model's features from one.

use clap::{Parser, Subcommand};
use ehr_anomaly::{
	export::export,
	log::{read_log, Label, LogEntry, OnMalformed},
	simulate::{simulate, Config},
};
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
		#[arg(long)]
		out: PathBuf,
		#[arg(long)]
		labels: PathBuf,
	},
	/// Export the features the model reads, computed by the chain's feature function.
	Features {
		#[arg(long)]
		log: PathBuf,
		#[arg(long)]
		labels: Option<PathBuf>,
		/// Keep every n-th sample of each practitioner (and every sample inside an attack).
		#[arg(long, default_value_t = 1)]
		stride: usize,
		/// Stop at the first malformed line instead of skipping it.
		#[arg(long)]
		strict: bool,
		#[arg(long)]
		out_dir: PathBuf,
	},
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
		Command::Simulate { seed, days, practitioners, attack_rate, out, labels } => {
			if !(0.0..=1.0).contains(&attack_rate) {
				return Err(format!("--attack-rate {attack_rate} is not a share in [0, 1]"));
			}
			let simulation = simulate(&Config { seed, days, practitioners, attack_rate });
			write_jsonl(&out, simulation.log.iter().map(LogEntry::from_decision))?;
			write_jsonl(&labels, simulation.labels.iter().cloned())?;
			eprintln!(
				"{} decisions, {} attacks: {} and {}",
				simulation.log.len(),
				simulation.labels.len(),
				out.display(),
				labels.display()
			);
			Ok(())
		},
		Command::Features { log, labels, stride, strict, out_dir } => {
			let on_malformed = if strict { OnMalformed::Refuse } else { OnMalformed::Skip };
			let (decisions, skipped) = read_log(open(&log)?, on_malformed)
				.map_err(|e| format!("{}: {e}", log.display()))?;
			for error in &skipped {
				eprintln!("{}: skipped {error}", log.display());
			}
			let labels = match labels {
				Some(path) => read_labels(&path)?,
				None => Vec::new(),
			};
			let rows = export(&decisions, &labels, stride, &out_dir)
				.map_err(|e| format!("{}: {e}", out_dir.display()))?;
			eprintln!("{rows} samples in {}", out_dir.display());
			Ok(())
		},
	}
}

fn open(path: &Path) -> Result<BufReader<File>, String> {
	File::open(path).map(BufReader::new).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_labels(path: &Path) -> Result<Vec<Label>, String> {
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
