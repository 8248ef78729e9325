//! The anomaly model in the node: loaded once at start (the embedded default or
//! `--anomaly-model PATH`) and handed to offchain workers only, as the extension behind the
//! runtime's `anomaly::score` host function. Block import and runtime APIs never see it.

use ehr_primitives::{
	anomaly::{
		to_ppm, AnomalyScorer, AnomalyScorerExt, ScorePpm, WorkerMonitor, WorkerMonitorExt,
		WorkerRun,
	},
	features::Features,
};
use ehr_scorer::{hex, ModelError, Scorer};
use prometheus_endpoint::{
	exponential_buckets, register, Counter, Gauge, Histogram, HistogramOpts, PrometheusError,
	Registry, U64,
};
use std::{
	path::Path,
	sync::{Arc, Mutex},
};

const LOG_TARGET: &str = "sentinel";

/// The node's model, shared by every offchain worker run.
#[derive(Clone)]
pub struct NodeModel {
	scorer: Arc<Scorer>,
	/// The last approved hash this model was refused for, so that the refusal is logged once.
	refused_for: Arc<Mutex<Option<[u8; 32]>>>,
}

impl NodeModel {
	/// The model at `path`, or the embedded one. A file that cannot be read stops the node (a
	/// typo in a path should not pass unnoticed); a file that is not the anomaly model leaves the
	/// node without one, and it says so: it runs, and scores nothing.
	pub fn load(path: Option<&Path>) -> Result<Option<Self>, String> {
		let (name, loaded) = match path {
			Some(path) => (path.display().to_string(), Scorer::from_path(path, None)),
			None => ("the embedded model".to_string(), Scorer::embedded()),
		};
		match loaded {
			Ok(scorer) => {
				log::info!(
					target: LOG_TARGET,
					"anomaly model {name} loaded, sha256 {}",
					hex(&scorer.sha256())
				);
				Ok(Some(Self { scorer: Arc::new(scorer), refused_for: Arc::default() }))
			},
			Err(ModelError::Unreadable(e)) => Err(format!("--anomaly-model: {e}")),
			Err(e) => {
				log::error!(target: LOG_TARGET, "anomaly model {name} refused ({e}): this node scores nothing");
				Ok(None)
			},
		}
	}

	/// The offchain worker extension backed by this model.
	pub fn extension(&self) -> AnomalyScorerExt {
		AnomalyScorerExt(Box::new(self.clone()))
	}

	/// Log, once per approved hash, that this model is not the approved one.
	fn refuse(&self, approved: &[u8; 32]) {
		let Ok(mut refused_for) = self.refused_for.lock() else { return };
		if *refused_for != Some(*approved) {
			log::warn!(
				target: LOG_TARGET,
				"this node's anomaly model (sha256 {}) is not the one approved on chain ({}): it scores nothing",
				hex(&self.scorer.sha256()),
				hex(approved),
			);
			*refused_for = Some(*approved);
		}
	}
}

impl AnomalyScorer for NodeModel {
	fn score(&mut self, approved: &[u8; 32], batch: &[Features]) -> Option<Vec<ScorePpm>> {
		if self.scorer.sha256() != *approved {
			self.refuse(approved);
			return None;
		}
		match self.scorer.score(batch) {
			Ok(scores) => Some(scores.iter().map(|s| to_ppm(s.score)).collect()),
			Err(e) => {
				log::error!(target: LOG_TARGET, "scoring {} practitioners failed: {e}", batch.len());
				None
			},
		}
	}
}

/// The sentinel worker's Prometheus metrics, fed by the runtime through `anomaly::worker_ran`
/// after each run (`docs/sentinel.md` lists them).
#[derive(Clone)]
pub struct WorkerMetrics {
	runs: Counter<U64>,
	scored: Counter<U64>,
	reported: Counter<U64>,
	carried: Gauge<U64>,
	run_time: Histogram,
}

impl WorkerMetrics {
	/// The metrics, registered in `registry`.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		let counter = |name: &str, help: &str| register(Counter::new(name, help)?, registry);
		Ok(Self {
			runs: counter("ehr_sentinel_runs_total", "Runs of the sentinel's offchain worker")?,
			scored: counter(
				"ehr_sentinel_practitioners_scored_total",
				"Practitioners the sentinel's worker scored",
			)?,
			reported: counter(
				"ehr_sentinel_reports_sent_total",
				"Sentinel reports the worker put in the transaction pool",
			)?,
			carried: register(
				Gauge::new(
					"ehr_sentinel_practitioners_carried",
					"Practitioners the worker's last run left for the next (out of time)",
				)?,
				registry,
			)?,
			run_time: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"ehr_sentinel_run_seconds",
						"How long a run of the sentinel's worker took",
					)
					.buckets(exponential_buckets(0.001, 2.0, 14)?),
				)?,
				registry,
			)?,
		})
	}

	/// The offchain worker extension that feeds these metrics.
	pub fn extension(&self) -> WorkerMonitorExt {
		WorkerMonitorExt(Box::new(self.clone()))
	}
}

impl WorkerMonitor for WorkerMetrics {
	fn ran(&mut self, run: WorkerRun) {
		self.runs.inc();
		self.scored.inc_by(run.scored.into());
		self.reported.inc_by(run.reported.into());
		self.carried.set(run.carried.into());
		self.run_time.observe(run.millis as f64 / 1000.0);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn batch() -> Vec<Features> {
		vec![Features::default(); 3]
	}

	#[test]
	fn a_run_of_the_worker_shows_in_the_metrics() {
		let registry = Registry::new();
		let mut metrics = WorkerMetrics::register(&registry).unwrap();
		metrics.ran(WorkerRun { scored: 5, reported: 2, carried: 0, millis: 30 });
		metrics.ran(WorkerRun { scored: 3, reported: 0, carried: 4, millis: 500 });
		let value = |name: &str| {
			let family = registry.gather().into_iter().find(|f| f.get_name() == name).unwrap();
			let metric = &family.get_metric()[0];
			match name {
				"ehr_sentinel_practitioners_carried" => metric.get_gauge().get_value(),
				"ehr_sentinel_run_seconds" => metric.get_histogram().get_sample_sum(),
				_ => metric.get_counter().get_value(),
			}
		};
		assert_eq!(value("ehr_sentinel_runs_total"), 2.0);
		assert_eq!(value("ehr_sentinel_practitioners_scored_total"), 8.0);
		assert_eq!(value("ehr_sentinel_reports_sent_total"), 2.0);
		assert_eq!(value("ehr_sentinel_practitioners_carried"), 4.0);
		assert!((value("ehr_sentinel_run_seconds") - 0.53).abs() < 1e-9);
	}

	#[test]
	fn the_embedded_model_scores_for_its_own_hash_only() {
		let mut model = NodeModel::load(None).unwrap().expect("the embedded model loads");
		let own = model.scorer.sha256();
		let scores = model.score(&own, &batch()).expect("scores with the approved hash");
		assert_eq!(scores.len(), 3);
		assert!(scores.iter().all(|&s| s <= 1_000_000));
		assert_eq!(model.score(&[0; 32], &batch()), None);
		assert_eq!(*model.refused_for.lock().unwrap(), Some([0; 32]));
	}

	#[test]
	fn an_unreadable_path_is_an_error_and_a_file_that_is_no_model_leaves_none() {
		let missing = Path::new("/nonexistent/anomaly.onnx");
		let Err(error) = NodeModel::load(Some(missing)) else { panic!("a missing file loads") };
		assert!(error.contains("/nonexistent/anomaly.onnx"), "{error}");
		let dir = std::env::temp_dir().join(format!("ehr-node-model-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let garbage = dir.join("garbage.onnx");
		std::fs::write(&garbage, b"not an onnx graph").unwrap();
		assert!(NodeModel::load(Some(&garbage)).unwrap().is_none());
		std::fs::remove_dir_all(dir).unwrap();
	}
}
