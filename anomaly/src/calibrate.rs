//! `ehr-anomaly score --calibrate`: a whole log judged as the chain's sentinel judges it, with
//! per-peer-group calibration (`ehr_primitives::calibration`, the very code the offchain worker
//! runs).
//!
//! One sentinel is played: each peer group (organisation and role) is in shadow from its first
//! scored window until the burn-in is over and one of its practitioners is scored again; the
//! sentinel then proposes the group's calibrated score, which takes effect from the next block
//! (as its proposal lands in the next block on chain), and proposes again when the figure changes,
//! at most every `RECALIBRATION_INTERVAL`. A window alerts when its score reaches the absolute
//! threshold and its group is live with a calibrated score below it. With a quorum of honest
//! sentinels the chain's figure is their median, the same one.

use ehr_primitives::{
	anomaly::ScorePpm,
	audit::block_of,
	calibration::{
		alerts, proposal_due, CalibrationPolicy, PeerGroupScores, PeerGroupState, PractitionerDay,
	},
	BlockNumber, Moment,
};
use std::collections::BTreeMap;

/// A peer group as the log names it: the organisation and the role.
pub type Group = (String, String);

/// A group as the sentinel has seen it.
#[derive(Debug)]
pub struct GroupView {
	pub seen: PeerGroupScores,
	/// The proposal on chain: the calibrated score, when it was made.
	pub proposal: Option<(ScorePpm, Moment)>,
	/// The proposal made in the current block, on chain from the next.
	pending: Option<(ScorePpm, Moment, u32)>,
	/// The practitioner-days of the proposal on chain.
	pub practitioner_days: u32,
	/// Scores of the group in shadow that reached the threshold: not reported.
	pub held_in_shadow: usize,
}

/// One sentinel's view of a log's peer groups.
pub struct Sentinel {
	policy: CalibrationPolicy,
	threshold: ScorePpm,
	pub groups: BTreeMap<Group, GroupView>,
	days: BTreeMap<String, PractitionerDay>,
	block: Option<BlockNumber>,
}

impl Sentinel {
	pub fn new(policy: CalibrationPolicy, threshold: ScorePpm) -> Self {
		Self { policy, threshold, groups: BTreeMap::new(), days: BTreeMap::new(), block: None }
	}

	pub fn policy(&self) -> &CalibrationPolicy {
		&self.policy
	}

	/// Judge `practitioner`'s window ending at decision `seq` (time `at`), of `group`, scored
	/// `score`: whether the sentinel reports it. Windows come in the chain's order.
	pub fn judge(
		&mut self,
		practitioner: &str,
		group: Group,
		seq: u64,
		at: Moment,
		score: ScorePpm,
	) -> bool {
		let block = block_of(seq);
		if self.block != Some(block) {
			self.block = Some(block);
			for view in self.groups.values_mut() {
				if let Some((score, at, days)) = view.pending.take() {
					view.proposal = Some((score, at));
					view.practitioner_days = days;
				}
			}
		}
		let view = self.groups.entry(group).or_insert_with(|| GroupView {
			seen: PeerGroupScores::new(at),
			proposal: None,
			pending: None,
			practitioner_days: 0,
			held_in_shadow: 0,
		});
		let state = view.state();
		let day = self.days.get(practitioner).copied();
		let day = view.seen.record(at, score, day, &self.policy);
		self.days.insert(practitioner.to_string(), day);
		if view.seen.burnt_in(at, &self.policy) {
			let calibrated = view.seen.calibrated(&self.policy);
			if proposal_due(view.proposal, calibrated.score_ppm, at) {
				view.pending = Some((calibrated.score_ppm, at, calibrated.practitioner_days));
			}
		}
		let alert = alerts(&state, self.threshold, score);
		if !alert && matches!(state, PeerGroupState::Shadow { .. }) && score >= self.threshold {
			view.held_in_shadow += 1;
		}
		alert
	}
}

impl GroupView {
	/// Where the group stands on chain: live once its proposal landed.
	pub fn state(&self) -> PeerGroupState {
		match self.proposal {
			Some((score_ppm, _)) => {
				PeerGroupState::Live { score_ppm, practitioner_days: self.practitioner_days }
			},
			None => PeerGroupState::Shadow { proposals: 0, quorum: 1 },
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use ehr_primitives::calibration::Perbill;

	const HOUR: Moment = 3_600_000;

	fn sentinel() -> Sentinel {
		let policy =
			CalibrationPolicy { burn_in: HOUR, false_alert_rate: Perbill::from_percent(1) };
		Sentinel::new(policy, 900_000)
	}

	fn group(role: &str) -> Group {
		("hospital".into(), role.into())
	}

	#[test]
	fn a_group_alerts_only_after_its_burn_in_and_above_its_own_calibrated_score() {
		let mut s = sentinel();
		let seq = |block: u64| block << 32;
		// In shadow: even a certain score is held.
		assert!(!s.judge("lab-1", group("lab"), seq(1), 0, 1_000_000));
		assert!(!s.judge("lab-2", group("lab"), seq(1), 0, 950_000));
		// After the burn-in, the proposal is made in this block, live from the next.
		assert!(!s.judge("lab-2", group("lab"), seq(2), HOUR, 960_000));
		assert!(s.groups[&group("lab")].proposal.is_none());
		// Live at its highest day, below certainty: only a certain window alerts.
		assert!(!s.judge("lab-3", group("lab"), seq(3), HOUR + 1, 999_999));
		assert_eq!(s.groups[&group("lab")].proposal, Some((999_999, HOUR)));
		assert!(s.judge("lab-3", group("lab"), seq(4), HOUR + 2, 1_000_000));
		assert_eq!(s.groups[&group("lab")].held_in_shadow, 3);
		// A quieter group of the same hospital alerts above its own figure.
		s.judge("nurse-1", group("nurse"), seq(3), 0, 300_000);
		s.judge("nurse-1", group("nurse"), seq(4), HOUR, 310_000);
		assert!(s.judge("nurse-2", group("nurse"), seq(5), HOUR + 1, 950_000));
		assert!(!s.judge("nurse-2", group("nurse"), seq(6), HOUR + 2, 899_999));
	}
}
