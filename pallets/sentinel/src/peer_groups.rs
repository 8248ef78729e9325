//! Peer groups: the chain's side (proposals, the state each group stands at) and the offchain
//! worker's (what this node has seen of each group, in its local storage, and the proposals it
//! makes). The calibration itself is `ehr_primitives::calibration`'s, shared with
//! `ehr-anomaly score --calibrate`.

use super::*;
use ehr_primitives::calibration::{
	proposal_due, PeerGroupScores, PractitionerDay, MAX_CALIBRATED_PPM,
};

/// A peer group: an organisation and a role.
pub type PeerGroup<AccountId> = (AccountId, PractitionerRole);

/// Node-local storage: what the node has seen of a peer group (`++` the group), and each
/// practitioner's highest score of its last scored day (`++` the practitioner).
const SEEN: &[u8] = b"ehr-chain/sentinel/peer-group/";
const PRACTITIONER_DAY: &[u8] = b"ehr-chain/sentinel/practitioner-day/";

fn local_key(prefix: &[u8], of: &impl Encode) -> Vec<u8> {
	let mut key = prefix.to_vec();
	of.encode_to(&mut key);
	key
}

impl<T: Config> Pallet<T> {
	/// The state `organisation`'s `role` stands at: uncalibrated (no policy), in shadow until a
	/// quorum of sentinels has proposed a calibrated score for the approved model, then live at
	/// the median proposal. The runtime API's answer, and what a report is judged by.
	pub fn peer_group(organisation: &T::AccountId, role: PractitionerRole) -> PeerGroupState {
		if Calibration::<T>::get().is_none() {
			return PeerGroupState::Uncalibrated;
		}
		Self::state_of(&Self::counted(PeerGroupProposals::<T>::get(organisation, role)))
	}

	/// Every peer group a sentinel has proposed for, with its state.
	pub fn peer_groups() -> Vec<(T::AccountId, PractitionerRole, PeerGroupState)> {
		PeerGroupProposals::<T>::iter_keys()
			.map(|(organisation, role)| {
				let state = Self::peer_group(&organisation, role);
				(organisation, role, state)
			})
			.collect()
	}

	/// Of `proposals`, those that count: by a sentinel, for the approved model, made since the
	/// model's approval and the policy's last change.
	pub(crate) fn counted(mut proposals: ProposalsOf<T>) -> ProposalsOf<T> {
		let model = ApprovedModel::<T>::get();
		let from = ModelApprovedAt::<T>::get().max(CalibrationSetAt::<T>::get());
		let sentinels = Sentinels::<T>::get();
		proposals.retain(|p| {
			Some(p.model_hash) == model
				&& p.at >= from
				&& sentinels.binary_search(&p.sentinel).is_ok()
		});
		proposals
	}

	/// The state of a group whose counted proposals are `proposals` (calibration on).
	pub(crate) fn state_of(proposals: &[Proposal<T::AccountId>]) -> PeerGroupState {
		let (count, quorum) = (proposals.len() as u32, Self::quorum_count());
		let mut figures: Vec<(ScorePpm, u32)> =
			proposals.iter().map(|p| (p.score_ppm, p.practitioner_days)).collect();
		figures.sort_unstable();
		match figures.get(figures.len() / 2) {
			Some(&(score_ppm, practitioner_days)) if count >= quorum => {
				PeerGroupState::Live { score_ppm, practitioner_days }
			},
			_ => PeerGroupState::Shadow { proposals: count, quorum },
		}
	}

	/// The pool's and the block's check of a proposal: the sentinel's signature, then
	/// [`check_proposal`](Self::check_proposal).
	pub fn authorize_proposal(
		proposal: &CalibrationProposalOf<T>,
		signature: &crypto::Signature,
	) -> TransactionValidityWithRefund {
		let message = Self::signed_proposal(proposal);
		Self::authorize_signed(
			&proposal.sentinel,
			&message,
			signature,
			"SentinelCalibration",
			|s| {
				Self::check_proposal(s, proposal)?;
				Ok((proposal.organisation.clone(), proposal.role))
			},
		)
	}

	/// What a sentinel signs for `proposal`.
	pub fn signed_proposal(proposal: &CalibrationProposalOf<T>) -> Vec<u8> {
		Self::for_this_chain(CALIBRATION_CONTEXT, proposal)
	}

	/// Whether `sentinel` may make `proposal`; if so, the other sentinels' counted proposals
	/// for its group.
	pub fn check_proposal(
		sentinel: &T::AccountId,
		proposal: &CalibrationProposalOf<T>,
	) -> Result<ProposalsOf<T>, Error<T>> {
		let CalibrationProposal { organisation, role, model_hash, score_ppm, since, .. } = proposal;
		ensure!(Sentinels::<T>::get().binary_search(sentinel).is_ok(), Error::<T>::NotSentinel);
		let policy = Calibration::<T>::get().ok_or(Error::<T>::CalibrationOff)?;
		ensure!(ApprovedModel::<T>::get() == Some(*model_hash), Error::<T>::ModelNotApproved);
		ensure!(*score_ppm <= MAX_CALIBRATED_PPM, Error::<T>::ScoreOutOfRange);
		let now = T::Time::now();
		ensure!(
			T::Providers::is_active_organisation(organisation, now),
			Error::<T>::NotAnOrganisation
		);
		ensure!(
			*since >= ModelApprovedAt::<T>::get() && since.saturating_add(policy.burn_in) <= now,
			Error::<T>::BurnInNotOver
		);
		let mut proposals = Self::counted(PeerGroupProposals::<T>::get(organisation, role));
		if let Some(own) = proposals.iter().find(|p| p.sentinel == *sentinel) {
			ensure!(
				now >= own.at.saturating_add(RECALIBRATION_INTERVAL),
				Error::<T>::ProposedTooRecently
			);
		}
		proposals.retain(|p| p.sentinel != *sentinel);
		Ok(proposals)
	}
}

/// One run of the offchain worker's view of the peer groups: their states on chain, read once,
/// and, with a calibration policy, what the node has seen of them, kept in its local storage
/// at the end of the run.
pub(crate) struct Watching<T: Config> {
	model: H256,
	now: Moment,
	policy: Option<CalibrationPolicy>,
	states: BTreeMap<PeerGroup<T::AccountId>, PeerGroupState>,
	seen: BTreeMap<PeerGroup<T::AccountId>, PeerGroupScores>,
}

impl<T: Config> Watching<T> {
	pub(crate) fn new(model: H256, now: Moment) -> Self {
		let policy = Calibration::<T>::get();
		Self { model, now, policy, states: BTreeMap::new(), seen: BTreeMap::new() }
	}

	/// Note `practitioner`'s `score` of its window ending at `at` in what the node has seen of
	/// its `group`; the group's state on chain, to judge the score by.
	pub(crate) fn observe(
		&mut self,
		practitioner: &T::AccountId,
		group: &PeerGroup<T::AccountId>,
		at: Moment,
		score: ScorePpm,
	) -> PeerGroupState {
		if let Some(policy) = &self.policy {
			let key = local_key(PRACTITIONER_DAY, practitioner);
			let stored = StorageValueRef::persistent(&key);
			let day: Option<(H256, PractitionerDay)> = stored.get().ok().flatten();
			let day = day.filter(|(model, _)| *model == self.model).map(|(_, day)| day);
			let seen =
				self.seen.entry(group.clone()).or_insert_with(|| Self::load(group, self.model, at));
			stored.set(&(self.model, seen.record(at, score, day, policy)));
		}
		*self
			.states
			.entry(group.clone())
			.or_insert_with(|| Pallet::<T>::peer_group(&group.0, group.1))
	}

	/// What the node has seen of `group` with `model` since the model's approval, or a group
	/// first seen at `at`.
	fn load(group: &PeerGroup<T::AccountId>, model: H256, at: Moment) -> PeerGroupScores {
		let stored: Option<(H256, PeerGroupScores)> =
			StorageValueRef::persistent(&local_key(SEEN, group)).get().ok().flatten();
		match stored {
			Some((seen_with, scores))
				if seen_with == model && scores.since >= ModelApprovedAt::<T>::get() =>
			{
				scores
			},
			_ => {
				log::info!(
					target: LOG_TARGET,
					"no calibration data on {group:?} for this model: in shadow on this node from now",
				);
				PeerGroupScores::new(at)
			},
		}
	}

	/// Keep what the run saw, and propose the calibrated score of each group seen and burnt in
	/// for each of `local`'s sentinels whose proposal is missing or out of date; how many were
	/// proposed.
	pub(crate) fn finish(self, local: &[(crypto::Public, T::AccountId)]) -> u32 {
		let Some(policy) = self.policy else { return 0 };
		let mut proposed = 0u32;
		for (group, seen) in self.seen {
			StorageValueRef::persistent(&local_key(SEEN, &group)).set(&(self.model, &seen));
			if !seen.burnt_in(self.now, &policy) {
				continue;
			}
			let calibrated = seen.calibrated(&policy);
			let (organisation, role) = group;
			let proposals = Pallet::<T>::counted(PeerGroupProposals::<T>::get(&organisation, role));
			for (key, account) in local {
				let last = proposals.iter().find(|p| p.sentinel == *account);
				if !proposal_due(last.map(|p| (p.score_ppm, p.at)), calibrated.score_ppm, self.now)
				{
					continue;
				}
				let proposal = CalibrationProposal {
					sentinel: key.clone(),
					organisation: organisation.clone(),
					role,
					model_hash: self.model,
					score_ppm: calibrated.score_ppm,
					practitioner_days: calibrated.practitioner_days,
					since: seen.since,
				};
				let signed = key.sign(&Pallet::<T>::signed_proposal(&proposal));
				let sent = signed.ok_or(()).and_then(|signature| {
					Pallet::<T>::submit_authorized(Call::propose_calibration {
						proposal,
						signature,
					})
				});
				match sent {
					Ok(()) => proposed = proposed.saturating_add(1),
					Err(()) => log::warn!(
						target: LOG_TARGET,
						"the pool refused {account:?}'s calibration of {organisation:?}'s {role:?}"
					),
				}
			}
		}
		proposed
	}
}
