//! Benchmarks at the worst case, every governance call through `GovernanceOrigin`'s successful
//! origin (the council on the chain). `report` and `authorize_report`: a full sentinel set, the
//! quorum at all of them, every other sentinel's live report stored, so the report reads and
//! rewrites the most and reaches the quorum: the practitioner (set up by the runtime's
//! [`BenchmarkHelper`] in the real registry and access log) is suspended, into a review
//! deadline already holding all but one of the period's suspensions; its peer group is live,
//! calibrated by every sentinel. `propose_calibration` and `authorize_proposal`: every other
//! sentinel has proposed, so the proposal reads and rewrites the most and makes the group live.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;

const MODEL: H256 = H256::repeat_byte(7);
const SCORE: ScorePpm = 990_000;

/// `n` active practitioners with a decision each in block 1 (genesis, block 0, keeps no events,
/// so its decisions' sequence numbers would all be 0: no window a report can name).
fn practitioners<T: Config>(n: u32) -> Vec<(T::AccountId, AccessSeq)> {
	frame_system::Pallet::<T>::set_block_number(1u32.into());
	T::BenchmarkHelper::active_practitioners(n)
}

/// A sentinel key in the keystore and its account.
fn sentinel_key<T: Config>() -> (crypto::Public, T::AccountId) {
	let key = crypto::Public::generate_pair(None);
	let account = account_of::<T>(&key);
	(key, account)
}

/// `MaxSentinels` sentinels, `reporter` among them, with the quorum at all of them and the
/// model approved. The others, sorted.
fn full_house<T: Config>(reporter: &T::AccountId) -> Vec<T::AccountId> {
	let others: Vec<T::AccountId> =
		(1..T::MaxSentinels::get()).map(|i| account("sentinel", i, 0)).collect();
	let mut sentinels = others.clone();
	sentinels.push(reporter.clone());
	sentinels.sort();
	Sentinels::<T>::put(SentinelsOf::<T>::truncate_from(sentinels));
	// More than 99.9999999%: all of them.
	Quorum::<T>::put(Perbill::from_parts(999_999_999));
	ApprovedModel::<T>::put(MODEL);
	others
}

/// Calibration on, without burn-in (the chain's clock may stand at 0 here); every one of
/// `sentinels` proposed for `practitioner`'s peer group, below [`SCORE`]. The group.
fn calibrated_by<T: Config>(
	practitioner: &T::AccountId,
	sentinels: &[T::AccountId],
) -> PeerGroup<T::AccountId> {
	Calibration::<T>::put(CalibrationPolicy { burn_in: 0, ..CalibrationPolicy::DEFAULT });
	let member = T::Providers::membership(practitioner).expect("a registered practitioner");
	let proposals = sentinels.iter().map(|sentinel| Proposal {
		sentinel: sentinel.clone(),
		model_hash: MODEL,
		score_ppm: SCORE / 2,
		practitioner_days: 1_000,
		at: T::Time::now(),
	});
	let proposals = ProposalsOf::<T>::truncate_from(proposals.collect());
	PeerGroupProposals::<T>::insert(&member.organisation, member.role, proposals);
	(member.organisation, member.role)
}

/// A proposal by `key` for a group every other sentinel of a full set has proposed for: it
/// makes the quorum.
fn last_proposal<T: Config>(
	key: crypto::Public,
	proposer: &T::AccountId,
) -> (CalibrationProposalOf<T>, crypto::Signature) {
	let (practitioner, _) = practitioners::<T>(1).pop().expect("one practitioner was asked for");
	let others = full_house::<T>(proposer);
	let (organisation, role) = calibrated_by::<T>(&practitioner, &others);
	let proposal = CalibrationProposal {
		sentinel: key,
		organisation,
		role,
		model_hash: MODEL,
		score_ppm: SCORE / 2,
		practitioner_days: 1_000,
		since: T::Time::now(),
	};
	let signature = proposal
		.sentinel
		.sign(&Pallet::<T>::signed_proposal(&proposal))
		.expect("the key was generated in the keystore");
	(proposal, signature)
}

/// A practitioner every sentinel but `reporter` has reported on its latest window, with the
/// period's automatic suspensions all but used up: `reporter`'s report decides.
fn all_but_one_reported<T: Config>(reporter: &T::AccountId) -> (T::AccountId, AccessSeq) {
	let (practitioner, window_end) =
		practitioners::<T>(1).pop().expect("one practitioner was asked for");
	let at = frame_system::Pallet::<T>::block_number();
	let mut calibrators = full_house::<T>(reporter);
	calibrators.push(reporter.clone());
	calibrated_by::<T>(&practitioner, &calibrators);
	calibrators.pop();
	let reports = calibrators.into_iter().map(|sentinel| LiveReport {
		sentinel,
		score_ppm: SCORE,
		model_hash: MODEL,
		window_end,
		at,
	});
	Reports::<T>::insert(&practitioner, LiveReportsOf::<T>::truncate_from(reports.collect()));
	let limit = T::MaxAutoSuspensionsPerDay::get();
	let earlier = limit.saturating_sub(1);
	RecentAutoSuspensions::<T>::put(SuspensionsOf::<T>::truncate_from(
		(0..earlier).map(|_| at).collect(),
	));
	let review_by = at.saturating_add(T::ReviewPeriod::get());
	let due = (0..earlier).map(|i| account("suspended", i, 0)).collect();
	ReviewDeadlines::<T>::insert(review_by, DueOf::<T>::truncate_from(due));
	(practitioner, window_end)
}

fn signed_report<T: Config>(
	key: crypto::Public,
	practitioner: T::AccountId,
	window_end: AccessSeq,
) -> (ReportOf<T>, crypto::Signature) {
	let report =
		Report { sentinel: key, practitioner, score_ppm: SCORE, model_hash: MODEL, window_end };
	let signature = report
		.sentinel
		.sign(&Pallet::<T>::signed_message(&report))
		.expect("the key was generated in the keystore");
	(report, signature)
}

fn governance<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn report() {
		let (key, reporter) = sentinel_key::<T>();
		let (practitioner, window_end) = all_but_one_reported::<T>(&reporter);
		let (signed, signature) = signed_report::<T>(key, practitioner.clone(), window_end);

		#[extrinsic_call]
		_(frame_system::RawOrigin::Authorized, signed, signature);

		assert!(Reports::<T>::get(&practitioner).is_empty());
		assert!(AwaitingReview::<T>::contains_key(&practitioner));
		assert!(T::Providers::active_practitioner(&practitioner, T::Time::now()).is_err());
	}

	#[benchmark]
	fn authorize_report() -> Result<(), BenchmarkError> {
		let (key, reporter) = sentinel_key::<T>();
		let (practitioner, window_end) = all_but_one_reported::<T>(&reporter);
		let (signed, signature) = signed_report::<T>(key, practitioner, window_end);
		let valid;

		#[block]
		{
			valid = Pallet::<T>::authorize_report(&signed, &signature);
		}

		assert!(valid.is_ok(), "the report is valid: {valid:?}");
		Ok(())
	}

	#[benchmark]
	fn propose_calibration() {
		let (key, proposer) = sentinel_key::<T>();
		let (proposal, signature) = last_proposal::<T>(key, &proposer);
		let (organisation, role) = (proposal.organisation.clone(), proposal.role);

		#[extrinsic_call]
		_(frame_system::RawOrigin::Authorized, proposal, signature);

		let live = Pallet::<T>::peer_group(&organisation, role);
		assert!(matches!(live, PeerGroupState::Live { .. }), "{live:?}");
	}

	#[benchmark]
	fn authorize_proposal() -> Result<(), BenchmarkError> {
		let (key, proposer) = sentinel_key::<T>();
		let (proposal, signature) = last_proposal::<T>(key, &proposer);
		let valid;

		#[block]
		{
			valid = Pallet::<T>::authorize_proposal(&proposal, &signature);
		}

		assert!(valid.is_ok(), "the proposal is valid: {valid:?}");
		Ok(())
	}

	#[benchmark]
	fn set_calibration() -> Result<(), BenchmarkError> {
		let origin = governance::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Some(CalibrationPolicy::DEFAULT));

		assert_eq!(Calibration::<T>::get(), Some(CalibrationPolicy::DEFAULT));
		Ok(())
	}

	#[benchmark]
	fn set_threshold() -> Result<(), BenchmarkError> {
		let origin = governance::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 800_000);

		assert_eq!(Threshold::<T>::get(), 800_000);
		Ok(())
	}

	#[benchmark]
	fn set_quorum() -> Result<(), BenchmarkError> {
		let origin = governance::<T>()?;
		let quorum = Perbill::from_percent(90);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, quorum);

		assert_eq!(Quorum::<T>::get(), quorum);
		Ok(())
	}

	#[benchmark]
	fn approve_model() -> Result<(), BenchmarkError> {
		let origin = governance::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Some(H256::repeat_byte(9)));

		assert_eq!(ApprovedModel::<T>::get(), Some(H256::repeat_byte(9)));
		Ok(())
	}

	#[benchmark]
	fn confirm_suspension() -> Result<(), BenchmarkError> {
		let origin = governance::<T>()?;
		let practitioner: T::AccountId = account("practitioner", 0, 0);
		AwaitingReview::<T>::insert(&practitioner, T::ReviewPeriod::get());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, practitioner.clone());

		assert!(!AwaitingReview::<T>::contains_key(&practitioner));
		Ok(())
	}

	#[benchmark]
	fn review_flag() -> Result<(), BenchmarkError> {
		let origin = governance::<T>()?;
		let (practitioner, window_end) = practitioners::<T>(1)
			.pop()
			.ok_or(BenchmarkError::Stop("one practitioner was asked for"))?;
		let at = frame_system::Pallet::<T>::block_number();
		let flag = Flag { score_ppm: SCORE, model_hash: MODEL, window_end, at };
		FlaggedForReview::<T>::insert(&practitioner, flag);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, practitioner.clone(), FlagVerdict::Suspend);

		assert!(T::Providers::active_practitioner(&practitioner, T::Time::now()).is_err());
		Ok(())
	}

	#[benchmark]
	fn set_auto_suspension_limit() -> Result<(), BenchmarkError> {
		let origin = governance::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0);

		assert_eq!(AutoSuspensionLimit::<T>::get(), 0);
		Ok(())
	}

	/// `n` automatic suspensions lapse in one block: each practitioner is reinstated.
	#[benchmark]
	fn lapse_reviews(n: Linear<0, { T::MaxAutoSuspensionsPerDay::get() }>) {
		let suspended = practitioners::<T>(n);
		let deadline = frame_system::Pallet::<T>::block_number().saturating_add(1u32.into());
		for (practitioner, _) in &suspended {
			let anomaly = StatusReason::AnomalyDetected { score_ppm: SCORE, model_hash: MODEL };
			assert!(T::Providers::suspend(practitioner, anomaly).is_ok());
			AwaitingReview::<T>::insert(practitioner, deadline);
		}
		let due = suspended.iter().map(|(p, _)| p.clone()).collect();
		ReviewDeadlines::<T>::insert(deadline, DueOf::<T>::truncate_from(due));

		#[block]
		{
			Pallet::<T>::on_initialize(deadline);
		}

		for (practitioner, _) in &suspended {
			assert!(T::Providers::active_practitioner(practitioner, T::Time::now()).is_ok());
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
