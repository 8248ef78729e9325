//! Scoring with the anomaly model, from the runtime's offchain worker.
//!
//! The model (ONNX, run by tract) lives in the node: tract does not build for the runtime. The
//! runtime reaches it through the host function [`anomaly::score`], which the node backs with an
//! [`AnomalyScorerExt`] registered for offchain workers only. Block import and runtime APIs never
//! see the extension, so consensus never depends on the model: there the host function answers
//! `None`, which the runtime reads as "no model here".
//!
//! The features cross the boundary as little-endian `f32`s, [`ENCODED_FEATURES_LEN`] bytes per
//! practitioner (the codec has no floats), after a header that says how many `f32`s a
//! practitioner has and which layout they are in ([`FEATURE_LAYOUT`]: their names, in order): a
//! runtime upgrade that changes the features meets nodes built for the old ones, which must
//! refuse the batch rather than read it shifted or misnamed. (A change of what a feature means,
//! its name unchanged, is the model's: a model is approved for the features it was trained on.)
//! Scores come back in parts per million.

use crate::features::{Features, FEATURE_LAYOUT, SEQUENCE_LENGTH, STEP_FEATURES, WINDOW_FEATURES};
use alloc::vec::Vec;
use codec::{Decode, Encode};
#[cfg(not(substrate_runtime))]
use sp_externalities::ExternalitiesExt;
use sp_runtime_interface::{
	pass_by::{
		AllocateAndReturnByCodec, PassFatPointerAndDecode, PassFatPointerAndRead,
		PassPointerAndRead,
	},
	runtime_interface,
};

/// A score in parts per million: 0 is normal behaviour, 1,000,000 the model's certainty of an
/// intruder. Integers, so that no float ever enters consensus.
pub type ScorePpm = u32;

/// The highest score.
pub const MAX_SCORE_PPM: ScorePpm = 1_000_000;

/// `f32`s per practitioner on the wire: the window features, then the sequence, step by step.
const FLOATS: usize = WINDOW_FEATURES.len() + SEQUENCE_LENGTH * STEP_FEATURES.len();

/// Bytes per practitioner on the wire.
pub const ENCODED_FEATURES_LEN: usize = FLOATS * 4;

/// The wire format's header: how many `f32`s a practitioner has (`u32`), then the feature
/// layout (`u64`), little-endian.
const HEADER: [u8; 12] = header(FLOATS as u32, FEATURE_LAYOUT);

const fn header(floats: u32, layout: u64) -> [u8; 12] {
	let (f, l) = (floats.to_le_bytes(), layout.to_le_bytes());
	[f[0], f[1], f[2], f[3], l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7]]
}

impl Features {
	/// An empty batch in the wire format, room made for `practitioners`.
	pub fn new_batch(practitioners: usize) -> Vec<u8> {
		let mut out = Vec::with_capacity(
			practitioners.saturating_mul(ENCODED_FEATURES_LEN).saturating_add(HEADER.len()),
		);
		out.extend(HEADER);
		out
	}

	/// Append these features to `batch`, begun by [`Features::new_batch`].
	pub fn encode_to(&self, batch: &mut Vec<u8>) {
		let floats = self.window.iter().chain(self.sequence.iter().flatten());
		batch.extend(floats.flat_map(|x| x.to_le_bytes()));
	}

	/// The features of a batch in the wire format, or `None` if its header is not these
	/// features' (another number of them, or another layout) or `bytes` is not a whole number
	/// of practitioners.
	pub fn decode_batch(bytes: &[u8]) -> Option<Vec<Features>> {
		let bytes = bytes.strip_prefix(&HEADER)?;
		if bytes.len() % ENCODED_FEATURES_LEN != 0 {
			return None;
		}
		let decode = |chunk: &[u8]| {
			let mut floats =
				chunk.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
			let mut features = Features::default();
			for x in features.window.iter_mut().chain(features.sequence.iter_mut().flatten()) {
				*x = floats.next().unwrap_or_default();
			}
			features
		};
		Some(bytes.chunks_exact(ENCODED_FEATURES_LEN).map(decode).collect())
	}
}

/// Converts a model's score in [0, 1] to parts per million; anything not a number scores 0.
pub fn to_ppm(score: f32) -> ScorePpm {
	if score.is_nan() {
		return 0;
	}
	// Clamped to [0, 1] first, so the product fits.
	(score.clamp(0.0, 1.0) * MAX_SCORE_PPM as f32 + 0.5) as ScorePpm
}

/// A model's sha256 from its 64 hexadecimal digits (as `anomaly.onnx.sha256` holds them).
pub fn parse_sha256(text: &str) -> Option<[u8; 32]> {
	let text = text.trim();
	if text.len() != 64 || !text.is_ascii() {
		return None;
	}
	let mut out = [0u8; 32];
	for (i, byte) in out.iter_mut().enumerate() {
		*byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
	}
	Some(out)
}

/// What the node plugs in behind [`anomaly::score`].
#[cfg(not(substrate_runtime))]
pub trait AnomalyScorer: Send + 'static {
	/// The scores of `batch` in parts per million, in order; `None` when this node's model is not
	/// `approved_model` (the sha256 approved on chain) or cannot score.
	fn score(&mut self, approved_model: &[u8; 32], batch: &[Features]) -> Option<Vec<ScorePpm>>;
}

#[cfg(not(substrate_runtime))]
sp_externalities::decl_extension! {
	/// The node's anomaly model, registered for offchain workers only.
	pub struct AnomalyScorerExt(alloc::boxed::Box<dyn AnomalyScorer>);
}

/// What one run of the sentinel's offchain worker did, for the node's metrics.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Encode, Decode)]
pub struct WorkerRun {
	/// Practitioners scored.
	pub scored: u32,
	/// Reports put in the pool.
	pub reported: u32,
	/// Practitioners left for the next run (out of time, or the previous run still scoring).
	pub carried: u32,
	/// How long the run took, by the offchain clock.
	pub millis: u64,
}

/// What the node plugs in behind [`anomaly::worker_ran`]: its metrics.
#[cfg(not(substrate_runtime))]
pub trait WorkerMonitor: Send + 'static {
	/// Note a run of the worker.
	fn ran(&mut self, run: WorkerRun);
}

#[cfg(not(substrate_runtime))]
sp_externalities::decl_extension! {
	/// The node's metrics of the sentinel's worker, registered for offchain workers only.
	pub struct WorkerMonitorExt(alloc::boxed::Box<dyn WorkerMonitor>);
}

/// The host functions of the anomaly model.
#[runtime_interface]
pub trait Anomaly {
	/// Score practitioners whose features are `features` (the wire format, any number of
	/// practitioners) with the node's model, if that model is `approved_model`. `None` when there
	/// is no model here (outside offchain workers, or a node without one), when the model is not
	/// the approved one, or when `features` is malformed.
	fn score(
		&mut self,
		approved_model: PassPointerAndRead<&[u8; 32], 32>,
		features: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Option<Vec<ScorePpm>>> {
		let batch = Features::decode_batch(features)?;
		self.extension::<AnomalyScorerExt>()?.0.score(approved_model, &batch)
	}

	/// Tell the node what a run of the sentinel's worker did (its metrics). Does nothing where
	/// the node keeps none (outside offchain workers, or without Prometheus).
	fn worker_ran(&mut self, run: PassFatPointerAndDecode<WorkerRun>) {
		if let Some(monitor) = self.extension::<WorkerMonitorExt>() {
			monitor.0.ran(run);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn features_survive_the_wire_and_a_partial_practitioner_is_refused() {
		let mut a = Features::default();
		a.window[0] = 0.25;
		a.window[WINDOW_FEATURES.len() - 1] = -1.5;
		a.sequence[SEQUENCE_LENGTH - 1][STEP_FEATURES.len() - 1] = 7.0;
		let mut b = Features::default();
		b.sequence[0][0] = 1.0;
		let mut bytes = Features::new_batch(2);
		a.encode_to(&mut bytes);
		b.encode_to(&mut bytes);
		assert_eq!(bytes.len(), HEADER.len() + 2 * ENCODED_FEATURES_LEN);
		assert_eq!(Features::decode_batch(&bytes), Some(vec![a, b]));
		assert_eq!(Features::decode_batch(&bytes[..bytes.len() - 1]), None);
		assert_eq!(Features::decode_batch(&Features::new_batch(0)), Some(vec![]));
		assert_eq!(Features::decode_batch(&[]), None);
	}

	#[test]
	fn a_batch_of_other_features_is_refused_even_when_its_length_fits() {
		// A runtime with one window feature fewer, and as many practitioners as make the
		// lengths agree: read without the header, its floats would be shifted.
		let other = FLOATS - 1;
		let mut bytes = header(other as u32, FEATURE_LAYOUT).to_vec();
		bytes.resize(HEADER.len() + FLOATS * other * 4, 0);
		assert_eq!((bytes.len() - HEADER.len()) % ENCODED_FEATURES_LEN, 0);
		assert_eq!(Features::decode_batch(&bytes), None);
	}

	#[test]
	fn a_batch_of_another_layout_is_refused_even_when_its_number_fits() {
		// Two features swapped: as many floats, another layout.
		let mut bytes = header(FLOATS as u32, FEATURE_LAYOUT ^ 1).to_vec();
		bytes.resize(HEADER.len() + ENCODED_FEATURES_LEN, 0);
		assert_eq!(Features::decode_batch(&bytes), None);
		bytes[..HEADER.len()].copy_from_slice(&HEADER);
		assert_eq!(Features::decode_batch(&bytes), Some(vec![Features::default()]));
	}

	struct Runs(std::sync::Arc<std::sync::Mutex<Vec<WorkerRun>>>);
	impl WorkerMonitor for Runs {
		fn ran(&mut self, run: WorkerRun) {
			self.0.lock().unwrap().push(run);
		}
	}

	#[test]
	fn a_run_reaches_the_nodes_monitor_where_there_is_one() {
		let run = WorkerRun { scored: 3, reported: 1, carried: 2, millis: 40 };
		sp_io::TestExternalities::default().execute_with(|| anomaly::worker_ran(run));
		let runs = std::sync::Arc::default();
		let mut ext = sp_io::TestExternalities::default();
		ext.register_extension(WorkerMonitorExt(Box::new(Runs(std::sync::Arc::clone(&runs)))));
		ext.execute_with(|| anomaly::worker_ran(run));
		assert_eq!(*runs.lock().unwrap(), vec![run]);
	}

	#[test]
	fn scores_become_parts_per_million() {
		assert_eq!(to_ppm(0.92), 920_000);
		assert_eq!(to_ppm(1.0), MAX_SCORE_PPM);
		assert_eq!(to_ppm(1.5), MAX_SCORE_PPM);
		assert_eq!(to_ppm(-0.1), 0);
		assert_eq!(to_ppm(f32::NAN), 0);
		assert_eq!(to_ppm(0.0000004), 0);
		assert_eq!(to_ppm(0.0000006), 1);
	}

	struct Fixed(Vec<ScorePpm>);
	impl AnomalyScorer for Fixed {
		fn score(&mut self, model: &[u8; 32], batch: &[Features]) -> Option<Vec<ScorePpm>> {
			(*model == [7; 32]).then(|| self.0.iter().copied().take(batch.len()).collect())
		}
	}

	#[test]
	fn the_host_function_answers_none_without_the_extension_or_the_approved_model() {
		let mut bytes = Features::new_batch(1);
		Features::default().encode_to(&mut bytes);
		sp_io::TestExternalities::default().execute_with(|| {
			assert_eq!(anomaly::score(&[7; 32], &bytes), None);
		});
		let mut ext = sp_io::TestExternalities::default();
		ext.register_extension(AnomalyScorerExt(Box::new(Fixed(vec![950_000]))));
		ext.execute_with(|| {
			assert_eq!(anomaly::score(&[7; 32], &bytes), Some(vec![950_000]));
			assert_eq!(anomaly::score(&[8; 32], &bytes), None);
			assert_eq!(anomaly::score(&[7; 32], &bytes[..10]), None);
		});
	}
}
