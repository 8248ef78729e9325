//! Calibration of the sentinel's alerts per peer group: what the offchain workers and
//! `ehr-anomaly score --calibrate` share.
//!
//! A model trained on some hospitals scores the normal work of another hospital's lab
//! technicians or emergency physicians higher than it should. So a model does not alert on a
//! practitioner for its score alone: its *peer group* (its organisation and its role) is watched
//! first. While a group is in *shadow*, the sentinels score its practitioners and report nothing;
//! they note each practitioner's highest score of each day (a *practitioner-day*). After the
//! [`CalibrationPolicy`]'s burn-in, each sentinel proposes the group's *calibrated score*: the
//! score that only the policy's false-alert rate of the group's practitioner-days exceeded
//! ([`PeerGroupScores::calibrated`]). Once a quorum of sentinels has proposed one, the group is
//! *live*: a practitioner is reported when its score reaches the chain's absolute threshold and
//! exceeds the group's calibrated score ([`alerts`]).
//!
//! The scores kept are the last burn-in's days (at least today's), so a group's calibrated score
//! follows its own recent behaviour; each sentinel proposes again when its figure has changed,
//! at most every [`RECALIBRATION_INTERVAL`]. A new model starts every group's shadow afresh.

use crate::{
	anomaly::{ScorePpm, MAX_SCORE_PPM},
	features::{day_of, DAY, HOUR},
	Moment,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
pub use sp_runtime::Perbill;

/// The longest burn-in governance may set, and so the most days of scores a group keeps.
pub const MAX_BURN_IN: Moment = 28 * DAY;

/// The highest false-alert rate governance may aim at: 1% of the practitioner-days.
pub const MAX_FALSE_ALERT_RATE: Perbill = Perbill::from_percent(1);

/// How many of each day's highest practitioner-day scores a group keeps. The calibrated score is
/// exact while the practitioner-days times the false-alert rate stay below it (256,000 days at
/// 0.1%); beyond, it is the lowest one kept: fewer alerts than the rate allows, never more.
pub const TOP_SCORES: usize = 256;

/// The highest calibrated score: just below certainty. The model's scores lose their order at the
/// top (a share of windows, attacks and some normal days, score exactly 1,000,000); a group
/// whose burn-in held one of them would otherwise never alert again. A window the model is
/// certain of alerts in every live group.
pub const MAX_CALIBRATED_PPM: ScorePpm = MAX_SCORE_PPM - 1;

/// The least time between two proposals of one sentinel for one group and model: a group's
/// calibrated score follows its scores a few times a day.
pub const RECALIBRATION_INTERVAL: Moment = 6 * HOUR;

/// How the chain calibrates its peer groups, as governance sets it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
#[scale_info(capture_docs = "always")]
pub struct CalibrationPolicy {
	/// How long (milliseconds of the chain's time) a group is watched in shadow, from the first
	/// window of it a sentinel scored with the approved model; also the span of the recent
	/// scores its calibrated score is computed on (whole days, at least one).
	pub burn_in: Moment,
	/// The share of a group's practitioner-days that may raise an alert.
	pub false_alert_rate: Perbill,
}

impl CalibrationPolicy {
	/// What a consortium's chain starts with: two weeks of shadow, one practitioner-day in a
	/// thousand.
	pub const DEFAULT: Self =
		Self { burn_in: 14 * DAY, false_alert_rate: Perbill::from_parts(1_000_000) };

	/// A burn-in of at most [`MAX_BURN_IN`] and a rate in (0, [`MAX_FALSE_ALERT_RATE`]].
	pub fn is_valid(&self) -> bool {
		self.burn_in <= MAX_BURN_IN
			&& !self.false_alert_rate.is_zero()
			&& self.false_alert_rate <= MAX_FALSE_ALERT_RATE
	}

	/// How many days of scores a group keeps: the burn-in's, today's included.
	pub fn days_kept(&self) -> u32 {
		u32::try_from(self.burn_in.div_ceil(DAY)).unwrap_or(u32::MAX).max(1)
	}
}

/// A peer group's standing, as the chain judges its reports.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum PeerGroupState {
	/// Calibration is off: the absolute threshold alone decides.
	Uncalibrated,
	/// Watched, not reported: fewer than a quorum of sentinels have proposed a calibrated score
	/// for the approved model.
	Shadow {
		/// How many sentinels have proposed one.
		proposals: u32,
		/// How many sentinels must propose one for the group to go live.
		quorum: u32,
	},
	/// Reported above `score_ppm`, the median of the quorum's proposals.
	Live {
		/// The group's calibrated score, in parts per million: its practitioners are reported
		/// only above it.
		score_ppm: ScorePpm,
		/// The practitioner-days that median proposal was computed on.
		practitioner_days: u32,
	},
}

/// Whether a practitioner whose group stands at `state` is reported for `score`, with the chain's
/// absolute `threshold`.
pub fn alerts(state: &PeerGroupState, threshold: ScorePpm, score: ScorePpm) -> bool {
	score >= threshold
		&& match state {
			PeerGroupState::Uncalibrated => true,
			PeerGroupState::Shadow { .. } => false,
			PeerGroupState::Live { score_ppm, .. } => score > *score_ppm,
		}
}

/// A practitioner's highest score of its last scored day.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, Debug)]
pub struct PractitionerDay {
	pub day: u32,
	pub highest: ScorePpm,
}

/// One day of a peer group: its practitioner-days, and the highest of their scores.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, Debug)]
pub struct DayScores {
	/// The day since the unix epoch (UTC).
	pub day: u32,
	/// The group's practitioners scored that day.
	pub practitioner_days: u32,
	/// Their highest scores of the day, highest first, at most [`TOP_SCORES`].
	pub top: Vec<ScorePpm>,
}

impl DayScores {
	fn insert(&mut self, score: ScorePpm) {
		let at = self.top.partition_point(|s| *s >= score);
		if at < TOP_SCORES {
			self.top.insert(at, score);
			self.top.truncate(TOP_SCORES);
		}
	}

	fn remove(&mut self, score: ScorePpm) {
		if let Some(at) = self.top.iter().position(|s| *s == score) {
			self.top.remove(at);
		}
	}
}

/// What a sentinel has seen of a peer group under one model.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, Debug)]
pub struct PeerGroupScores {
	/// When it scored the group's first window.
	pub since: Moment,
	/// The days within the policy's span, oldest first.
	pub days: Vec<DayScores>,
}

/// A group's calibrated score, and the practitioner-days it was computed on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Calibrated {
	pub score_ppm: ScorePpm,
	pub practitioner_days: u32,
}

impl PeerGroupScores {
	/// A group first scored at `since`.
	pub fn new(since: Moment) -> Self {
		Self { since, days: Vec::new() }
	}

	/// Note `score`, a practitioner's window ending at `at`; `day` is the practitioner's highest
	/// score of its last scored day, as this returns it. Days beyond the policy's span are
	/// forgotten; a score older than the newest day kept is noted on its own day, if kept.
	pub fn record(
		&mut self,
		at: Moment,
		score: ScorePpm,
		day: Option<PractitionerDay>,
		policy: &CalibrationPolicy,
	) -> PractitionerDay {
		let today = day_of(at);
		let earlier = day.filter(|d| d.day == today).map(|d| d.highest);
		let highest = earlier.map_or(score, |e| e.max(score));
		let oldest_kept = today.saturating_sub(policy.days_kept().saturating_sub(1));
		if self.days.last().is_none_or(|d| d.day < today) {
			self.days.retain(|d| d.day >= oldest_kept);
			self.days.push(DayScores { day: today, ..Default::default() });
		}
		if let Some(scores) = self.days.iter_mut().find(|d| d.day == today) {
			match earlier {
				None => {
					scores.practitioner_days = scores.practitioner_days.saturating_add(1);
					scores.insert(score);
				},
				Some(earlier) if score > earlier => {
					scores.remove(earlier);
					scores.insert(score);
				},
				Some(_) => {},
			}
		}
		PractitionerDay { day: today, highest }
	}

	/// Whether the group has been watched for the policy's burn-in at `now`.
	pub fn burnt_in(&self, now: Moment, policy: &CalibrationPolicy) -> bool {
		now >= self.since.saturating_add(policy.burn_in)
	}

	/// The group's calibrated score: with `n` practitioner-days kept and the rate `p`, the
	/// `floor(n p) + 1`-th highest of their scores, so that at most `n p` of them exceed it.
	/// With fewer than `1 / p` days, the highest: none of the burn-in's days would have alerted.
	/// Never certainty ([`MAX_CALIBRATED_PPM`]): a window the model is certain of still alerts.
	pub fn calibrated(&self, policy: &CalibrationPolicy) -> Calibrated {
		let practitioner_days =
			self.days.iter().fold(0u32, |n, d| n.saturating_add(d.practitioner_days));
		let passed = policy.false_alert_rate.mul_floor(practitioner_days) as usize;
		let rank = passed.min(TOP_SCORES - 1);
		let mut top: Vec<ScorePpm> = self.days.iter().flat_map(|d| d.top.iter().copied()).collect();
		top.sort_unstable_by(|a, b| b.cmp(a));
		// `top` holds every day's highest, so its `rank`-th is the group's while rank < TOP_SCORES.
		let score_ppm = top.get(rank).or(top.last()).copied().unwrap_or_default();
		Calibrated { score_ppm: score_ppm.min(MAX_CALIBRATED_PPM), practitioner_days }
	}
}

/// Whether a sentinel whose last proposal for a group was `last` (its calibrated score and when
/// it was made, for the approved model) proposes `now` the group's figure `calibrated`.
pub fn proposal_due(last: Option<(ScorePpm, Moment)>, calibrated: ScorePpm, now: Moment) -> bool {
	match last {
		None => true,
		Some((score, at)) => {
			score != calibrated && now >= at.saturating_add(RECALIBRATION_INTERVAL)
		},
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const NOON: Moment = 20_000 * DAY + 12 * HOUR;

	fn policy(days: u64, rate_ppm: u32) -> CalibrationPolicy {
		CalibrationPolicy {
			burn_in: days * DAY,
			false_alert_rate: Perbill::from_parts(rate_ppm * 1000),
		}
	}

	/// `scores[d][p]`: practitioner `p`'s scores on day `d` (from `NOON`), its windows an hour
	/// apart.
	fn group_of(scores: &[Vec<Vec<ScorePpm>>], policy: &CalibrationPolicy) -> PeerGroupScores {
		let mut group = PeerGroupScores::new(NOON);
		for (d, day) in scores.iter().enumerate() {
			let mut last = alloc::vec![None; day.len()];
			for (p, windows) in day.iter().enumerate() {
				for (h, score) in windows.iter().enumerate() {
					let at = NOON + d as u64 * DAY + h as u64 * HOUR / 2;
					last[p] = Some(group.record(at, *score, last[p], policy));
				}
			}
		}
		group
	}

	#[test]
	fn a_practitioner_day_counts_once_at_its_highest_score() {
		let policy = policy(14, 1000);
		let group = group_of(&[alloc::vec![alloc::vec![10, 900, 50], alloc::vec![20]]], &policy);
		assert_eq!(group.days.len(), 1);
		assert_eq!(group.days[0].practitioner_days, 2);
		assert_eq!(group.days[0].top, alloc::vec![900, 20]);
	}

	#[test]
	fn the_calibrated_score_lets_the_rate_of_days_exceed_it_and_no_more() {
		// 2,000 practitioner-days scoring 1..=2000 over two days: at 0.1%, two days may exceed.
		let policy = policy(14, 1000);
		let day = |from: u32| (from..from + 1000).map(|s| alloc::vec![s]).collect::<Vec<_>>();
		let group = group_of(&[day(1), day(1001)], &policy);
		let calibrated = group.calibrated(&policy);
		assert_eq!(calibrated, Calibrated { score_ppm: 1998, practitioner_days: 2000 });
		// 1% of them: twenty.
		let policy_1 = CalibrationPolicy { false_alert_rate: Perbill::from_percent(1), ..policy };
		assert_eq!(group.calibrated(&policy_1).score_ppm, 1980);
	}

	#[test]
	fn a_certain_window_is_never_calibrated_away() {
		let policy = policy(14, 1000);
		let group = group_of(&[alloc::vec![alloc::vec![MAX_SCORE_PPM], alloc::vec![700]]], &policy);
		assert_eq!(group.calibrated(&policy).score_ppm, MAX_CALIBRATED_PPM);
		let live = PeerGroupState::Live { score_ppm: MAX_CALIBRATED_PPM, practitioner_days: 2 };
		assert!(alerts(&live, 920_000, MAX_SCORE_PPM));
		assert!(!alerts(&live, 920_000, MAX_CALIBRATED_PPM));
	}

	#[test]
	fn with_fewer_days_than_the_rate_needs_no_burn_in_day_would_have_alerted() {
		let policy = policy(14, 1000);
		let group =
			group_of(&[alloc::vec![alloc::vec![400], alloc::vec![700], alloc::vec![30]]], &policy);
		assert_eq!(group.calibrated(&policy).score_ppm, 700);
		assert_eq!(PeerGroupScores::new(NOON).calibrated(&policy).score_ppm, 0);
	}

	#[test]
	fn beyond_what_is_kept_the_calibrated_score_is_higher_never_lower() {
		// 100,000 days at 1%: the 1,001st highest is wanted, the 256th is what is kept.
		let policy = CalibrationPolicy { burn_in: DAY, false_alert_rate: Perbill::from_percent(1) };
		let mut group = PeerGroupScores::new(NOON);
		for score in 0..100_000u32 {
			group.record(NOON, score, None, &policy);
		}
		let calibrated = group.calibrated(&policy);
		assert_eq!(calibrated.practitioner_days, 100_000);
		assert_eq!(calibrated.score_ppm, 100_000 - TOP_SCORES as u32);
	}

	#[test]
	fn only_the_burn_ins_span_of_days_is_kept() {
		let policy = policy(2, 1000);
		let days: Vec<_> = (0..5u32).map(|d| alloc::vec![alloc::vec![100 * (5 - d)]]).collect();
		let group = group_of(&days, &policy);
		assert_eq!(group.days.iter().map(|d| d.day).collect::<Vec<_>>(), [20_003, 20_004]);
		// The high scores of the first days are forgotten.
		assert_eq!(group.calibrated(&policy).score_ppm, 200);
	}

	#[test]
	fn a_group_is_burnt_in_after_the_policys_time() {
		let policy = policy(14, 1000);
		let group = PeerGroupScores::new(NOON);
		assert!(!group.burnt_in(NOON + 14 * DAY - 1, &policy));
		assert!(group.burnt_in(NOON + 14 * DAY, &policy));
	}

	#[test]
	fn alerts_need_the_threshold_and_a_live_groups_calibrated_score() {
		let live = PeerGroupState::Live { score_ppm: 950_000, practitioner_days: 10 };
		assert!(alerts(&PeerGroupState::Uncalibrated, 920_000, 920_000));
		assert!(!alerts(&PeerGroupState::Shadow { proposals: 0, quorum: 1 }, 920_000, 999_999));
		assert!(!alerts(&live, 920_000, 950_000));
		assert!(alerts(&live, 920_000, 950_001));
		let quiet = PeerGroupState::Live { score_ppm: 10, practitioner_days: 10 };
		assert!(!alerts(&quiet, 920_000, 919_999));
	}

	#[test]
	fn a_proposal_is_renewed_when_it_changed_and_not_too_often() {
		assert!(proposal_due(None, 5, NOON));
		assert!(!proposal_due(Some((5, NOON)), 5, NOON + DAY));
		assert!(!proposal_due(Some((5, NOON)), 6, NOON + RECALIBRATION_INTERVAL - 1));
		assert!(proposal_due(Some((5, NOON)), 6, NOON + RECALIBRATION_INTERVAL));
	}

	#[test]
	fn policies_are_bounded() {
		assert!(CalibrationPolicy::DEFAULT.is_valid());
		assert!(!policy(29, 1000).is_valid());
		assert!(!policy(14, 0).is_valid());
		assert!(!policy(14, 10_001).is_valid());
		assert_eq!(policy(0, 1000).days_kept(), 1);
		assert_eq!(CalibrationPolicy::DEFAULT.days_kept(), 14);
	}
}
