use crate::{
	crypto, migrations, mock::*, quorum_count, ApprovedModel, AutoSuspensionLimit, AwaitingReview,
	Calibration, CalibrationProposal, ClearedThrough, Error, Event, Flag, FlagVerdict,
	FlaggedForReview, PeerGroupProposals, Quorum, Report, Reports, Sentinels, Threshold,
};
use codec::{Decode, Encode};
use ehr_primitives::{
	calibration::{CalibrationPolicy, PeerGroupState, RECALIBRATION_INTERVAL},
	features::{WorkingHours, WINDOW_FEATURES},
	providers::{PractitionerRole, ProviderDenial, StatusReason},
};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, Pays, PostDispatchInfo},
	pallet_prelude::{StorageVersion, TransactionSource},
	traits::{
		Authorize, GetStorageVersion, Hooks, OnRuntimeUpgrade, OneSessionHandler,
		UnfilteredDispatchable,
	},
};
use sp_core::{Pair, H256};
use sp_runtime::{
	transaction_validity::{InvalidTransaction, TransactionValidityError, ValidTransaction},
	DispatchError, Perbill,
};

/// The sequence number of the `i`th decision of `block`.
fn seq(block: u64, i: u64) -> u64 {
	(block << 32) | i
}

/// The call the sentinel of key `n` makes to report `practitioner` at `score_ppm` with `model`
/// on its window ending at `window_end`, signed with that key.
fn call_with(
	n: u8,
	practitioner: AccountId,
	score_ppm: u32,
	model_hash: H256,
	window_end: u64,
) -> crate::Call<Test> {
	let report = Report {
		sentinel: crypto::Public::from(key(n).public()),
		practitioner,
		score_ppm,
		model_hash,
		window_end,
	};
	let signature = crypto::Signature::from(key(n).sign(&Sentinel::signed_message(&report)));
	crate::Call::report { report, signature }
}

fn call(n: u8, practitioner: AccountId, score_ppm: u32, window_end: u64) -> crate::Call<Test> {
	call_with(n, practitioner, score_ppm, MODEL, window_end)
}

/// What the pool and the block's `AuthorizeCall` say of `call`.
fn authorize(call: &crate::Call<Test>) -> Result<ValidTransaction, TransactionValidityError> {
	call.authorize(TransactionSource::External)
		.expect("a report is an authorized call")
		.map(|(valid, _)| valid)
}

/// As the chain runs `call`: authorized, then dispatched with the `Authorized` origin.
fn submit(call: crate::Call<Test>) -> Result<PostDispatchInfo, TransactionValidityError> {
	authorize(&call)?;
	Ok(call
		.dispatch_bypass_filter(frame_system::RawOrigin::Authorized.into())
		.expect("an authorized report dispatches"))
}

fn report(
	n: u8,
	practitioner: AccountId,
	score_ppm: u32,
	window_end: u64,
) -> Result<PostDispatchInfo, TransactionValidityError> {
	submit(call(n, practitioner, score_ppm, window_end))
}

/// How the pool refuses a report the pallet's `error` refuses.
fn refused(error: Error<Test>) -> TransactionValidityError {
	InvalidTransaction::Custom(error.encode()[0]).into()
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Sentinel(e) => Some(e),
			_ => None,
		})
		.collect()
}

fn run_to(block: u64) {
	System::set_block_number(block);
	MockLog::next_block();
}

/// `who` made 40 requests in block 1: the window a report names ends at the last.
fn acted(who: AccountId) -> u64 {
	MockLog::touch(who, 40, seq(1, 40));
	seq(1, 40)
}

/// The sentinel set is `set` (sorted here, as governance keeps it).
fn sentinels_are(mut set: Vec<AccountId>) {
	set.sort();
	Sentinels::<Test>::put(crate::SentinelsOf::<Test>::truncate_from(set));
}

/// A session starts whose validators hold the sentinel keys of seeds `seeds`, as the session
/// pallet announces it.
fn validators_hold(seeds: &[u8], changed: bool) {
	let validators: Vec<(AccountId, crypto::Public)> =
		seeds.iter().map(|n| (account(*n), crypto::Public::from(key(*n).public()))).collect();
	let keys = || validators.iter().map(|(account, key)| (account, key.clone()));
	<Sentinel as OneSessionHandler<AccountId>>::on_new_session(changed, keys(), keys());
}

fn anomaly(score_ppm: u32) -> StatusReason {
	StatusReason::AnomalyDetected { score_ppm, model_hash: MODEL }
}

fn root() -> RuntimeOrigin {
	RuntimeOrigin::root()
}

#[test]
fn genesis_sets_the_sentinels_the_quorum_the_model_and_the_default_threshold() {
	new_test_ext().execute_with(|| {
		assert_eq!(Sentinels::<Test>::get().into_inner(), vec![sentinel_a(), sentinel_b()]);
		assert_eq!(Quorum::<Test>::get(), Perbill::from_parts(666_666_667));
		assert_eq!(Sentinel::quorum_count(), 2);
		assert_eq!(Threshold::<Test>::get(), 920_000);
		assert_eq!(ApprovedModel::<Test>::get(), Some(MODEL));
		assert_eq!(AutoSuspensionLimit::<Test>::get(), MAX_AUTO_SUSPENSIONS);
	});
}

#[test]
fn the_sentinels_follow_the_sessions_validators() {
	new_test_ext().execute_with(|| {
		// A session whose validators did not change changes nothing.
		validators_hold(&[9], false);
		assert_eq!(Sentinels::<Test>::get().into_inner(), vec![sentinel_a(), sentinel_b()]);
		assert!(events().is_empty());

		validators_hold(&[9, 2, 2], true);
		let mut expected = vec![sentinel_b(), stranger()];
		expected.sort();
		assert_eq!(Sentinels::<Test>::get().into_inner(), expected);
		let sentinels = crate::SentinelsOf::<Test>::truncate_from(expected);
		assert_eq!(events(), vec![Event::SentinelsChanged { sentinels }]);

		// The sentinel is the account of the key, not the validator's account.
		assert!(!Sentinels::<Test>::get().contains(&account(9)));
	});
}

#[test]
fn the_genesis_session_names_the_sentinels() {
	new_test_ext().execute_with(|| {
		let stranger_key = crypto::Public::from(key(9).public());
		let validator = account(9);
		<Sentinel as OneSessionHandler<AccountId>>::on_genesis_session(
			[(&validator, stranger_key)].into_iter(),
		);
		assert_eq!(Sentinels::<Test>::get().into_inner(), vec![stranger()]);
	});
}

#[test]
fn a_quorum_is_more_than_its_fraction_of_the_set() {
	// Two thirds, rounded up: more than it is more than two thirds.
	let two_thirds = Perbill::from_parts(666_666_667);
	let counts: Vec<u32> = (1..=7).map(|n| quorum_count(two_thirds, n)).collect();
	assert_eq!(counts, vec![1, 2, 3, 3, 4, 5, 5]);
	assert_eq!(quorum_count(Perbill::from_percent(50), 4), 3);
	assert_eq!(quorum_count(Perbill::from_parts(999_999_999), 32), 32);
	// No set: one report would be needed, and none can come.
	assert_eq!(quorum_count(two_thirds, 0), 1);
}

#[test]
fn a_report_below_the_quorum_is_kept_and_pays_no_fee() {
	new_test_ext().execute_with(|| {
		let end = acted(physician());
		let post = report(1, physician(), 950_000, end).unwrap();
		assert_eq!(post.pays_fee, Pays::No);
		assert!(MockRegistry::suspensions().is_empty());
		let reports = Reports::<Test>::get(physician());
		assert_eq!(
			reports
				.iter()
				.map(|r| (r.sentinel.clone(), r.score_ppm, r.window_end, r.at))
				.collect::<Vec<_>>(),
			vec![(sentinel_a(), 950_000, end, 1)]
		);
		assert_eq!(
			events(),
			vec![Event::AnomalyReported {
				practitioner: physician(),
				sentinel: sentinel_a(),
				score_ppm: 950_000,
				model_hash: MODEL,
				window_end: end,
			}]
		);
	});
}

#[test]
fn a_quorum_suspends_the_practitioner_with_the_lowest_score_pending_review() {
	new_test_ext().execute_with(|| {
		let end = acted(physician());
		assert_ok!(report(2, physician(), 990_000, end));
		assert_ok!(report(1, physician(), 930_000, end));
		assert_eq!(MockRegistry::suspensions(), vec![(physician(), anomaly(930_000))]);
		assert!(Reports::<Test>::get(physician()).is_empty());
		let review_by = 1 + REVIEW_PERIOD;
		assert_eq!(AwaitingReview::<Test>::get(physician()), Some(review_by));
		assert_eq!(Sentinel::awaiting_review(), vec![(physician(), review_by)]);
		assert_eq!(
			events().last(),
			Some(&Event::PractitionerSuspended {
				practitioner: physician(),
				score_ppm: 930_000,
				model_hash: MODEL,
				window_end: end,
				reporters: vec![sentinel_a(), sentinel_b()].try_into().unwrap(),
				review_by,
			})
		);
		// Suspended: no more reports on it.
		assert_eq!(
			report(1, physician(), 990_000, end),
			Err(refused(Error::PractitionerNotActive))
		);
	});
}

#[test]
fn a_sentinel_reports_a_practitioner_once_per_window_and_counts_once() {
	new_test_ext().execute_with(|| {
		let first = acted(physician());
		assert_ok!(report(1, physician(), 950_000, first));
		assert_eq!(report(1, physician(), 990_000, first), Err(refused(Error::AlreadyReported)));
		// In the pool, a second copy of the same report is the same transaction.
		let tag = |c: &crate::Call<Test>| authorize(c).map(|v| v.provides);
		run_to(2);
		MockLog::touch(physician(), 1, seq(2, 1));
		assert_eq!(
			tag(&call(1, physician(), 990_000, seq(2, 1))),
			tag(&call(1, physician(), 990_000, seq(2, 1)))
		);
		// A later window replaces its report: still one sentinel, no quorum.
		assert_ok!(report(1, physician(), 990_000, seq(2, 1)));
		let reports = Reports::<Test>::get(physician());
		assert_eq!(reports.len(), 1);
		assert_eq!((reports[0].score_ppm, reports[0].window_end), (990_000, seq(2, 1)));
		assert!(MockRegistry::suspensions().is_empty());
	});
}

#[test]
fn reports_are_refused_from_non_sentinels_for_other_models_below_the_threshold_or_out_of_range() {
	new_test_ext().execute_with(|| {
		let end = acted(physician());
		acted(nurse());
		assert_eq!(report(9, physician(), 990_000, end), Err(refused(Error::NotSentinel)));
		let other_model = call_with(1, physician(), 990_000, H256::repeat_byte(8), end);
		assert_eq!(submit(other_model), Err(refused(Error::ModelNotApproved)));
		assert_eq!(report(1, physician(), 919_999, end), Err(refused(Error::BelowThreshold)));
		assert_eq!(report(1, physician(), 1_000_001, end), Err(refused(Error::ScoreOutOfRange)));
		assert_eq!(report(1, stranger(), 990_000, end), Err(refused(Error::PractitionerNotActive)));
		MockRegistry::set(nurse(), Some(ProviderDenial::CredentialExpired));
		assert_eq!(report(1, nurse(), 990_000, end), Err(refused(Error::PractitionerNotActive)));
		// With no approved model, no one reports.
		assert_ok!(Sentinel::approve_model(root(), None));
		assert_eq!(report(1, physician(), 990_000, end), Err(refused(Error::ModelNotApproved)));
		assert!(Reports::<Test>::iter().next().is_none());
	});
}

#[test]
fn a_forged_or_altered_report_is_refused_and_a_signed_one_fails_on_its_origin() {
	new_test_ext().execute_with(|| {
		let end = acted(physician());
		// Sentinel A's name, signed by another key.
		let crate::Call::report { report, .. } = call(1, physician(), 990_000, end) else {
			unreachable!()
		};
		let crate::Call::report { signature: strangers, .. } = call(9, physician(), 990_000, end)
		else {
			unreachable!()
		};
		let forged = crate::Call::report { report: report.clone(), signature: strangers };
		assert_eq!(authorize(&forged), Err(refused(Error::BadSignature)));
		// A's signature on a report whose score was raised afterwards.
		let crate::Call::report { signature, .. } = call(1, physician(), 990_000, end) else {
			unreachable!()
		};
		let altered = Report { score_ppm: 1_000_000, ..report.clone() };
		let altered = crate::Call::report { report: altered, signature: signature.clone() };
		assert_eq!(authorize(&altered), Err(refused(Error::BadSignature)));
		// A signed transaction carrying a valid report is not authorized: it fails and pays.
		let valid = crate::Call::<Test>::report { report, signature };
		for origin in [RuntimeOrigin::signed(sentinel_a()), RuntimeOrigin::none()] {
			let failed = valid.clone().dispatch_bypass_filter(origin).unwrap_err();
			assert_eq!(failed.error, DispatchError::BadOrigin);
			assert_eq!(failed.post_info.pays_fee, Pays::Yes);
		}
		assert!(Reports::<Test>::iter().next().is_none());
		assert_eq!(
			valid.get_dispatch_info().class,
			frame_support::dispatch::DispatchClass::Operational
		);
	});
}

#[test]
fn a_report_must_name_the_practitioners_latest_recent_window() {
	new_test_ext().execute_with(|| {
		// An idle practitioner: nothing on chain to report.
		assert_eq!(report(1, nurse(), 990_000, seq(1, 7)), Err(refused(Error::NotTheLatestWindow)));
		let end = acted(physician());
		// An invented window, one inside the real one, one beyond it.
		for invented in [seq(1, 39), seq(1, 41), seq(0, 40), 0] {
			assert_eq!(
				report(1, physician(), 990_000, invented),
				Err(refused(Error::NotTheLatestWindow))
			);
		}
		// The worker scored block 1; its report lands in block 2 after the practitioner's
		// next request there: still the window it scored.
		run_to(2);
		MockLog::touch(physician(), 1, seq(2, 3));
		assert_ok!(report(1, physician(), 990_000, end));
		// Two blocks behind, it is superseded.
		run_to(3);
		MockLog::touch(physician(), 1, seq(3, 2));
		assert_eq!(report(2, physician(), 990_000, end), Err(refused(Error::NotTheLatestWindow)));
		// B on the current window, A's report on the one before still live: a quorum.
		assert_ok!(report(2, physician(), 990_000, seq(3, 2)));
		assert_eq!(MockRegistry::suspensions().len(), 1);
	});
	new_test_ext().execute_with(|| {
		let end = acted(physician());
		run_to(1 + REPORT_LIFETIME);
		assert_eq!(report(1, physician(), 990_000, end), Err(refused(Error::WindowTooOld)));
		// The call itself checks too, whatever the pool said earlier.
		let late = call(1, physician(), 990_000, end);
		let error = late.dispatch_bypass_filter(frame_system::RawOrigin::Authorized.into());
		assert_eq!(error.unwrap_err().error, Error::<Test>::WindowTooOld.into());
	});
}

#[test]
fn a_threshold_change_applies_to_the_next_report() {
	new_test_ext().execute_with(|| {
		let end = acted(physician());
		assert_eq!(report(1, physician(), 850_000, end), Err(refused(Error::BelowThreshold)));
		assert_ok!(Sentinel::set_threshold(root(), 800_000));
		assert_eq!(events(), vec![Event::ThresholdSet { threshold_ppm: 800_000 }]);
		assert_ok!(report(1, physician(), 850_000, end));
		assert_noop!(Sentinel::set_threshold(root(), 0), Error::<Test>::InvalidThreshold);
		assert_noop!(Sentinel::set_threshold(root(), 1_000_001), Error::<Test>::InvalidThreshold);
	});
}

#[test]
fn old_reports_and_reports_of_removed_sentinels_or_replaced_models_do_not_count() {
	new_test_ext().execute_with(|| {
		// Too old: B's report, then the physician acts again much later.
		acted(physician());
		assert_ok!(report(2, physician(), 990_000, seq(1, 40)));
		run_to(1 + REPORT_LIFETIME);
		MockLog::touch(physician(), 1, seq(1 + REPORT_LIFETIME, 1));
		assert_ok!(report(1, physician(), 990_000, seq(1 + REPORT_LIFETIME, 1)));
		assert!(MockRegistry::suspensions().is_empty());
		assert_eq!(Reports::<Test>::get(physician()).len(), 1);

		// Another model approved since.
		let now = 1 + REPORT_LIFETIME;
		MockLog::touch(nurse(), 40, seq(now, 2));
		assert_ok!(report(1, nurse(), 990_000, seq(now, 2)));
		let model = H256::repeat_byte(9);
		assert_ok!(Sentinel::approve_model(root(), Some(model)));
		assert_ok!(submit(call_with(2, nurse(), 990_000, model, seq(now, 2))));
		assert!(MockRegistry::suspensions().is_empty());

		// Its reporter's validator removed: the report of sentinel B no longer counts.
		validators_hold(&[1, 9], true);
		assert_eq!(Sentinel::quorum_count(), 2);
		assert_ok!(submit(call_with(9, nurse(), 990_000, model, seq(now, 2))));
		assert!(MockRegistry::suspensions().is_empty());
		assert_ok!(submit(call_with(1, nurse(), 990_000, model, seq(now, 2))));
		assert_eq!(
			MockRegistry::suspensions(),
			vec![(
				nurse(),
				StatusReason::AnomalyDetected { score_ppm: 990_000, model_hash: model }
			)]
		);
	});
}

#[test]
fn the_quorum_is_a_fraction_that_grows_with_the_set_and_governance_cannot_lower_it() {
	new_test_ext().execute_with(|| {
		// A third validator, a third sentinel: more than two thirds of three is three.
		validators_hold(&[1, 2, 9], true);
		assert_eq!(Sentinel::quorum_count(), 3);
		// One compromised key, or two, cannot suspend anyone.
		let end = acted(physician());
		assert_ok!(report(9, physician(), 1_000_000, end));
		assert_ok!(report(1, physician(), 1_000_000, end));
		assert!(MockRegistry::suspensions().is_empty());
		assert_ok!(report(2, physician(), 1_000_000, end));
		assert_eq!(MockRegistry::suspensions().len(), 1);

		// Not below two thirds, not all or more.
		assert_noop!(
			Sentinel::set_quorum(root(), Perbill::from_percent(50)),
			Error::<Test>::QuorumTooLow
		);
		assert_noop!(
			Sentinel::set_quorum(root(), Perbill::one()),
			Error::<Test>::QuorumUnreachable
		);
		assert_ok!(Sentinel::set_quorum(root(), Perbill::from_percent(90)));
		assert_eq!(Sentinel::quorum_count(), 3);
		// Validators leave down to one, whose report then suffices.
		validators_hold(&[1], true);
		assert_eq!(Sentinel::quorum_count(), 1);
		let quorum_set = Event::QuorumSet { quorum: Perbill::from_percent(90) };
		assert!(events().contains(&quorum_set));
	});
}

#[test]
fn genesis_refuses_a_quorum_below_the_minimum() {
	let genesis = crate::GenesisConfig::<Test> {
		sentinels: vec![sentinel_a()],
		quorum: Some(Perbill::from_percent(10)),
		..Default::default()
	};
	let built = std::panic::catch_unwind(|| {
		frame_support::traits::BuildGenesisConfig::build(&genesis);
	});
	assert!(built.is_err());
}

#[test]
fn beyond_the_days_limit_a_quorum_flags_for_review_instead_of_suspending() {
	new_test_ext().execute_with(|| {
		assert_ok!(Sentinel::set_auto_suspension_limit(root(), 1));
		let end = acted(physician());
		assert_ok!(report(1, physician(), 990_000, end));
		assert_ok!(report(2, physician(), 990_000, end));
		assert_eq!(MockRegistry::suspensions().len(), 1);

		// The model goes wrong: the next practitioner is flagged, and keeps working.
		let nurse_end = acted(nurse());
		assert_ok!(report(1, nurse(), 995_000, nurse_end));
		assert_ok!(report(2, nurse(), 990_000, nurse_end));
		assert_eq!(MockRegistry::suspensions().len(), 1);
		assert!(MockRegistry::is_active(&nurse()));
		let flag = Flag { score_ppm: 990_000, model_hash: MODEL, window_end: nurse_end, at: 1 };
		assert_eq!(Sentinel::flagged_for_review(), vec![(nurse(), flag)]);
		assert_eq!(
			events().last(),
			Some(&Event::PractitionerFlagged {
				practitioner: nurse(),
				score_ppm: 990_000,
				model_hash: MODEL,
				window_end: nurse_end,
				reporters: vec![sentinel_a(), sentinel_b()].try_into().unwrap(),
			})
		);

		// A day after the first suspension the breaker has room again.
		run_to(1 + DAY);
		MockLog::touch(nurse(), 1, seq(1 + DAY, 1));
		assert_ok!(report(1, nurse(), 990_000, seq(1 + DAY, 1)));
		assert_ok!(report(2, nurse(), 990_000, seq(1 + DAY, 1)));
		assert!(!MockRegistry::is_active(&nurse()));
		assert!(FlaggedForReview::<Test>::get(nurse()).is_none());

		assert_noop!(
			Sentinel::set_auto_suspension_limit(root(), MAX_AUTO_SUSPENSIONS + 1),
			Error::<Test>::LimitTooHigh
		);
	});
}

#[test]
fn the_council_suspends_or_dismisses_a_flagged_practitioner() {
	new_test_ext().execute_with(|| {
		assert_ok!(Sentinel::set_auto_suspension_limit(root(), 0));
		for who in [physician(), nurse()] {
			let end = acted(who.clone());
			assert_ok!(report(1, who.clone(), 990_000, end));
			assert_ok!(report(2, who, 990_000, end));
		}
		assert_eq!(Sentinel::flagged_for_review().len(), 2);

		assert_ok!(Sentinel::review_flag(root(), physician(), FlagVerdict::Suspend));
		assert_eq!(MockRegistry::suspensions(), vec![(physician(), anomaly(990_000))]);
		// The council's own suspension does not lapse.
		assert!(AwaitingReview::<Test>::get(physician()).is_none());

		assert_ok!(Sentinel::review_flag(root(), nurse(), FlagVerdict::Dismiss));
		assert!(MockRegistry::is_active(&nurse()));
		// The dismissed window never counts again.
		assert_eq!(ClearedThrough::<Test>::get(nurse()), seq(1, 40));
		assert_eq!(report(1, nurse(), 990_000, seq(1, 40)), Err(refused(Error::WindowCleared)));
		assert_noop!(
			Sentinel::review_flag(root(), nurse(), FlagVerdict::Dismiss),
			Error::<Test>::NotFlagged
		);
		assert!(events().contains(&Event::FlagReviewed {
			practitioner: nurse(),
			verdict: FlagVerdict::Dismiss
		}));
	});
}

#[test]
fn an_unconfirmed_automatic_suspension_lapses_and_a_confirmed_one_stands() {
	new_test_ext().execute_with(|| {
		for who in [physician(), nurse()] {
			let end = acted(who.clone());
			assert_ok!(report(1, who.clone(), 990_000, end));
			assert_ok!(report(2, who, 990_000, end));
		}
		assert_ok!(Sentinel::confirm_suspension(root(), nurse()));
		assert_noop!(
			Sentinel::confirm_suspension(root(), nurse()),
			Error::<Test>::NotAwaitingReview
		);
		let deadline = 1 + REVIEW_PERIOD;
		run_to(deadline - 1);
		Sentinel::on_initialize(deadline - 1);
		assert!(MockRegistry::lifted().is_empty());
		run_to(deadline);
		Sentinel::on_initialize(deadline);
		assert_eq!(MockRegistry::lifted(), vec![physician()]);
		assert!(MockRegistry::is_active(&physician()));
		assert!(!MockRegistry::is_active(&nurse()));
		assert!(events().contains(&Event::SuspensionLapsed { practitioner: physician() }));
		assert!(events().contains(&Event::SuspensionConfirmed { practitioner: nurse() }));
		assert!(Sentinel::awaiting_review().is_empty());
		// Lifted for good: the decisions that led to it never count again.
		assert_eq!(ClearedThrough::<Test>::get(physician()), seq(1, 40));
	});
}

#[test]
fn a_reinstatement_sticks_until_new_behaviour_is_reported() {
	let (mut ext, offchain, sentinel) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		sentinels_are(vec![sentinel.clone()]);
		// The mock model scores a window by how full it is.
		assert_ok!(Sentinel::set_threshold(root(), 500_000));
		// A burst: a full window scores 1.0 with the mock model; the worker reports it and
		// the quorum (one of one) suspends.
		MockLog::touch(physician(), 64, seq(1, 64));
		Sentinel::offchain_worker(1);
		submit_pool(&offchain);
		assert!(!MockRegistry::is_active(&physician()));

		// The council reinstates it. Its next, normal request (the window still holds the
		// burst) is not scored, and the burst cannot be reported again.
		MockRegistry::reinstate(physician());
		run_to(2);
		MockLog::touch(physician(), 1, seq(2, 1));
		Sentinel::offchain_worker(2);
		assert_eq!(submit_pool(&offchain), 0);
		assert_eq!(
			authorize(&call_signed_by_worker_key(seq(1, 64))),
			Err(refused(Error::WindowCleared))
		);
		assert!(MockRegistry::is_active(&physician()));

		// A new burst after the reinstatement is: 34 decisions since, a window the model judges.
		run_to(3);
		MockLog::touch(physician(), 33, seq(3, 33));
		Sentinel::offchain_worker(3);
		assert_eq!(submit_pool(&offchain), 1);
		assert!(!MockRegistry::is_active(&physician()));
	});
}

#[test]
fn only_the_governance_origin_changes_the_configuration_or_reviews() {
	new_test_ext().execute_with(|| {
		let signed = || RuntimeOrigin::signed(sentinel_a());
		let bad = DispatchError::BadOrigin;
		assert_noop!(Sentinel::set_threshold(signed(), 1), bad);
		assert_noop!(Sentinel::set_quorum(signed(), Perbill::from_percent(90)), bad);
		assert_noop!(Sentinel::approve_model(signed(), None), bad);
		assert_noop!(Sentinel::confirm_suspension(signed(), physician()), bad);
		assert_noop!(Sentinel::review_flag(signed(), physician(), FlagVerdict::Dismiss), bad);
		assert_noop!(Sentinel::set_auto_suspension_limit(signed(), 0), bad);
		assert_ok!(Sentinel::approve_model(root(), Some(H256::repeat_byte(3))));
		assert_eq!(events(), vec![Event::ModelApproved { model_hash: Some(H256::repeat_byte(3)) }]);
	});
}

#[test]
fn the_pool_gives_a_report_priority_and_a_tag_per_sentinel_practitioner_and_window() {
	new_test_ext().execute_with(|| {
		let end = acted(physician());
		let valid = authorize(&call(1, physician(), 990_000, end)).unwrap();
		assert!(valid.priority >= u64::MAX / 2, "a report goes first: {}", valid.priority);
		assert_eq!(valid.longevity, REPORT_LIFETIME);
		let other = authorize(&call(2, physician(), 990_000, end)).unwrap();
		assert_ne!(valid.provides, other.provides);
	});
}

#[test]
fn the_quorum_migration_keeps_a_count_that_holds_and_raises_one_that_does_not() {
	new_test_ext().execute_with(|| {
		let migrate = |count: u32, sentinels: u32| {
			sentinels_are((1..=sentinels as u8).map(key_account).collect());
			frame_support::storage::unhashed::put(&Quorum::<Test>::hashed_key(), &count);
			StorageVersion::new(0).put::<Sentinel>();
			migrations::MigrateToV1::<Test>::on_runtime_upgrade();
			assert_eq!(Sentinel::on_chain_storage_version(), 1);
			Sentinel::quorum_count()
		};
		// All of three stays all of three; one of three (one key suspends) becomes more than
		// two thirds; one of one stays.
		assert_eq!(migrate(3, 3), 3);
		assert_eq!(migrate(1, 3), 3);
		assert_eq!(migrate(1, 1), 1);
		assert_eq!(migrate(2, 2), 2);
	});
}

// The offchain worker.

/// What the offchain worker put in the pool, each an authorized (general) transaction.
fn pool_calls(offchain: &Offchain) -> Vec<crate::Call<Test>> {
	offchain
		.pool
		.read()
		.transactions
		.iter()
		.map(|tx| {
			let xt = Extrinsic::decode(&mut &tx[..]).expect("the worker submits our extrinsics");
			assert!(
				matches!(xt.preamble, sp_runtime::generic::Preamble::General(..)),
				"not an authorized transaction: {:?}",
				xt.preamble
			);
			match xt.function {
				RuntimeCall::Sentinel(call) => call,
				other => panic!("not the sentinel's: {other:?}"),
			}
		})
		.collect()
}

/// The reports the offchain worker put in the pool.
fn pool_reports(offchain: &Offchain) -> Vec<crate::Call<Test>> {
	let calls = pool_calls(offchain).into_iter();
	calls.filter(|call| matches!(call, crate::Call::report { .. })).collect()
}

/// (role, calibrated score, practitioner-days) of each proposal the worker put in the pool.
fn pool_proposals(offchain: &Offchain) -> Vec<(PractitionerRole, u32, u32)> {
	pool_calls(offchain)
		.into_iter()
		.filter_map(|call| match call {
			crate::Call::propose_calibration { proposal, .. } => {
				Some((proposal.role, proposal.score_ppm, proposal.practitioner_days))
			},
			_ => None,
		})
		.collect()
}

/// (sentinel, practitioner, score, model, window end) of each report in the pool.
fn pool_summary(offchain: &Offchain) -> Vec<(AccountId, AccountId, u32, H256, u64)> {
	pool_reports(offchain)
		.into_iter()
		.map(|call| match call {
			crate::Call::report { report, .. } => (
				crate::account_of::<Test>(&report.sentinel),
				report.practitioner,
				report.score_ppm,
				report.model_hash,
				report.window_end,
			),
			_ => unreachable!(),
		})
		.collect()
}

/// Authorize and dispatch every report and proposal the worker put in the pool, as the next
/// block would, then empty the pool; how many there were.
fn submit_pool(offchain: &Offchain) -> usize {
	let calls = pool_calls(offchain);
	offchain.pool.write().transactions.clear();
	for call in &calls {
		assert_ok!(submit(call.clone()));
	}
	calls.len()
}

/// A report on the physician's window ending at `window_end`, signed by the worker's key.
fn call_signed_by_worker_key(window_end: u64) -> crate::Call<Test> {
	let key =
		<crypto::Public as sp_runtime::RuntimeAppPublic>::all().pop().expect("the worker's key");
	let report = Report {
		sentinel: key.clone(),
		practitioner: physician(),
		score_ppm: 1_000_000,
		model_hash: MODEL,
		window_end,
	};
	let signature = sp_runtime::RuntimeAppPublic::sign(&key, &Sentinel::signed_message(&report))
		.expect("the keystore holds it");
	crate::Call::report { report, signature }
}

#[test]
fn the_offchain_worker_reports_touched_practitioners_at_or_above_the_threshold() {
	let (mut ext, offchain, sentinel) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		// A full window scores 1.0 with the mock model, 40 of 64 0.625; a window of 8 is too
		// young to be scored.
		MockLog::touch(physician(), 64, seq(1, 64));
		MockLog::touch(nurse(), 40, seq(1, 40));
		MockLog::touch(stranger(), 8, seq(1, 8));
		Sentinel::offchain_worker(1);
		// The pool and the block accept what it sent.
		for call in pool_reports(&offchain) {
			assert_ok!(authorize(&call));
		}
	});
	assert_eq!(
		pool_summary(&offchain),
		vec![(sentinel, physician(), 1_000_000, MODEL, seq(1, 64))]
	);
	let batches = offchain.model.batches.lock().unwrap();
	assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![2]);
}

#[test]
fn reports_of_two_blocks_in_a_row_both_reach_the_chain() {
	// A signed report of block 1 still in the pool took the sentinel's nonce: block 2's report
	// was refused as a duplicate. Authorized reports have no nonce.
	let (mut ext, offchain, sentinel) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		sentinels_are(vec![sentinel.clone(), sentinel_a()]);
		MockLog::touch(physician(), 64, seq(1, 64));
		Sentinel::offchain_worker(1);
		run_to(2);
		MockLog::touch(nurse(), 64, seq(2, 64));
		Sentinel::offchain_worker(2);
		// Both still in the pool, then both in the next block.
		assert_eq!(pool_summary(&offchain).len(), 2);
		assert_eq!(submit_pool(&offchain), 2);
		assert_eq!(Reports::<Test>::iter().count(), 2);
	});
}

#[test]
fn a_report_that_never_reaches_the_chain_is_sent_again_by_the_next_runs() {
	let (mut ext, offchain, sentinel) = offchain_ext(true, Some(MODEL));
	let sent = vec![(sentinel.clone(), physician(), 1_000_000, MODEL, seq(1, 64))];
	ext.execute_with(|| {
		sentinels_are(vec![sentinel.clone(), sentinel_a()]);
		MockLog::touch(physician(), 64, seq(1, 64));
		Sentinel::offchain_worker(1);
		assert_eq!(pool_summary(&offchain), sent);
		// The pool loses it; nobody makes a request in the next blocks. The next run leaves
		// the next block the time to include it, the three after send it again, then the worker
		// gives up.
		for block in 2..=6 {
			offchain.pool.write().transactions.clear();
			run_to(block);
			Sentinel::offchain_worker(block);
			let expected = if (3..=5).contains(&block) { sent.clone() } else { Vec::new() };
			assert_eq!(pool_summary(&offchain), expected, "block {block}");
		}
		// A new window reported and landed: the next runs send nothing.
		MockLog::touch(physician(), 1, seq(7, 1));
		Sentinel::offchain_worker(7);
		assert_eq!(submit_pool(&offchain), 1);
		for block in 8..=10 {
			run_to(block);
			Sentinel::offchain_worker(block);
			assert!(pool_calls(&offchain).is_empty());
		}
	});
}

/// The window feature `name` of each practitioner the worker scored, after `setup` and the
/// physician's then the nurse's requests (40 each) in the block.
fn scored_feature(name: &str, setup: impl FnOnce()) -> Vec<f32> {
	let (mut ext, offchain, _) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		setup();
		MockLog::touch(physician(), 40, seq(1, 40));
		MockLog::touch(nurse(), 40, seq(1, 80));
		Sentinel::offchain_worker(1);
	});
	let feature = WINDOW_FEATURES.iter().position(|n| *n == name).unwrap();
	let batches = offchain.model.batches.lock().unwrap();
	batches.iter().flatten().map(|f| f.window[feature]).collect()
}

#[test]
fn the_features_the_worker_scores_read_the_registrys_wards() {
	let flags = scored_feature("ward_registered", || MockRegistry::assign(physician(), 3));
	// Touched in that order: the physician has a ward, the nurse none.
	assert_eq!(flags, vec![1.0, 0.0]);
}

#[test]
fn the_features_the_worker_scores_read_the_practitioners_working_hours() {
	let shares = scored_feature("unusual_hour_share", || {
		// The physician worked three earlier days, twelve hours off the hour of its window.
		const HALF_A_DAY: u64 = 12 * 3_600_000;
		let mut hours = WorkingHours::default();
		for day in (1..=3).rev() {
			hours.record(NOW - day * 2 * HALF_A_DAY - HALF_A_DAY);
		}
		MockLog::worked(physician(), hours);
	});
	// The nurse has no working hours on chain: none of its hours is unusual.
	assert_eq!(shares, vec![1.0, 0.0]);
}

#[test]
fn the_offchain_worker_skips_practitioners_it_cannot_or_need_not_report() {
	let (mut ext, offchain, sentinel) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		sentinels_are(vec![sentinel.clone(), sentinel_a()]);
		MockLog::touch(physician(), 64, seq(1, 64));
		MockLog::touch(nurse(), 64, seq(1, 128));
		MockLog::touch(stranger(), 64, seq(1, 192));
		// The nurse is suspended already; the stranger is no practitioner; this sentinel has
		// reported the physician's window already.
		MockRegistry::set(nurse(), Some(ProviderDenial::Suspended));
		Sentinel::offchain_worker(1);
		assert_eq!(submit_pool(&offchain), 1);
		Sentinel::offchain_worker(1);
	});
	assert!(pool_reports(&offchain).is_empty());
	assert_eq!(offchain.model.batches.lock().unwrap().len(), 1, "nothing left to score");
}

#[test]
fn without_the_approved_model_or_a_sentinel_key_the_worker_sends_nothing() {
	// The node's model is not the approved one: the host function scores nothing.
	let (mut ext, offchain, _) = offchain_ext(true, Some(H256::repeat_byte(8)));
	ext.execute_with(|| {
		MockLog::touch(physician(), 64, seq(1, 64));
		Sentinel::offchain_worker(1);
	});
	assert!(pool_reports(&offchain).is_empty());

	// No model in this node (block import, or a node without one).
	let (mut ext, offchain, _) = offchain_ext(true, None);
	ext.execute_with(|| {
		MockLog::touch(physician(), 64, seq(1, 64));
		Sentinel::offchain_worker(1);
	});
	assert!(pool_reports(&offchain).is_empty());

	// The key in the keystore is not a registered sentinel's: nothing is even scored.
	let (mut ext, offchain, _) = offchain_ext(false, Some(MODEL));
	ext.execute_with(|| {
		MockLog::touch(physician(), 64, seq(1, 64));
		Sentinel::offchain_worker(1);
	});
	assert!(pool_reports(&offchain).is_empty());
	assert!(offchain.model.batches.lock().unwrap().is_empty());

	// No model approved on chain.
	let (mut ext, offchain, _) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		ApprovedModel::<Test>::kill();
		MockLog::touch(physician(), 64, seq(1, 64));
		Sentinel::offchain_worker(1);
	});
	assert!(pool_reports(&offchain).is_empty());
}

#[test]
fn a_run_out_of_time_carries_the_rest_to_the_next_run() {
	let (mut ext, offchain, _) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		WorkerBudget::set(0);
		MockLog::touch(physician(), 64, seq(1, 64));
		MockLog::touch(nurse(), 40, seq(1, 40));
		Sentinel::offchain_worker(1);
		assert!(offchain.model.batches.lock().unwrap().is_empty(), "no time to score");
		WorkerBudget::set(10_000);
		// The next block has no requests of its own: the carried two are scored.
		run_to(2);
		Sentinel::offchain_worker(2);
		assert_eq!(pool_summary(&offchain).len(), 1, "the physician's full window");
		// Nothing is left over.
		run_to(3);
		Sentinel::offchain_worker(3);
	});
	let batches = offchain.model.batches.lock().unwrap();
	assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![2]);
}

#[test]
fn a_run_that_overlaps_the_previous_one_scores_nothing_and_carries_its_block() {
	use sp_runtime::offchain::{storage_lock::StorageLock, Duration};
	let (mut ext, offchain, _) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		MockLog::touch(physician(), 64, seq(1, 64));
		{
			// The previous run holds the lock.
			let mut lock = StorageLock::<sp_runtime::offchain::storage_lock::Time>::with_deadline(
				b"ehr-chain/sentinel/worker-lock",
				Duration::from_millis(30_000),
			);
			let _held = lock.try_lock().expect("free");
			Sentinel::offchain_worker(1);
			assert!(pool_reports(&offchain).is_empty());
		}
		run_to(2);
		Sentinel::offchain_worker(2);
		assert_eq!(pool_summary(&offchain).len(), 1, "the carried practitioner, once");
	});
}

#[test]
fn a_runs_reads_of_each_patients_log_are_made_once_and_bounded() {
	use ehr_primitives::{
		audit::{AccessDecision, AccessOutcome, DenyReason},
		consent::{ConsentDenial, Purpose, StandardCategory},
		features::CARE_LOG_READS,
	};
	let read_of = |patient: u8| AccessDecision {
		seq: u64::from(patient),
		at: NOW,
		block: 1,
		practitioner: account(1),
		organisation: None,
		role: None,
		patient: account(patient),
		category: StandardCategory::Imaging.into(),
		purpose: Purpose::Treatment,
		emergency: false,
		restricted: false,
		outcome: AccessOutcome::Denied { reason: DenyReason::Consent(ConsentDenial::NoConsent) },
	};
	let asked = core::cell::RefCell::new(Vec::new());
	let log_of = |patient: &AccountId| {
		asked.borrow_mut().push(patient.clone());
		core::iter::repeat_n(read_of(9), CARE_LOG_READS + 10)
	};
	let mut reads = crate::FeatureReads::default();
	// Two practitioners' windows over patients 10 and 11: each log read once, to the cap.
	reads.read_logs_of(&[read_of(10), read_of(11), read_of(10)], log_of);
	reads.read_logs_of(&[read_of(11)], log_of);
	assert_eq!(*asked.borrow(), [account(10), account(11)]);
	assert!(reads.logs.values().all(|log| log.len() == CARE_LOG_READS));
	// Windows of 64 new patients each: past the bound, what was read before goes, and a
	// window's own patients are always there.
	for round in 0..12u8 {
		let window: Vec<_> = (0..64u8)
			.map(|i| {
				let mut id = [0u8; 32];
				id[..2].copy_from_slice(&[round + 1, i]);
				AccessDecision { patient: AccountId::new(id), ..read_of(0) }
			})
			.collect();
		reads.read_logs_of(&window, log_of);
		assert!(reads.logs.len() <= crate::MAX_READ_LOGS);
		assert!(window.iter().all(|d| reads.logs.contains_key(&d.patient)));
	}
}

// Peer groups: shadow, calibration, live.

const HOUR: u64 = 3_600_000;

/// Calibration on: an hour of shadow, one practitioner-day in a thousand may alert.
fn calibrating() {
	assert_ok!(Sentinel::set_calibration(
		root(),
		Some(CalibrationPolicy { burn_in: HOUR, ..CalibrationPolicy::DEFAULT })
	));
}

/// The sentinel of key `n`'s proposal that the hospital's `role` be reported above `score_ppm`,
/// having watched it since `since`, signed with that key.
fn proposal(n: u8, role: PractitionerRole, score_ppm: u32, since: u64) -> crate::Call<Test> {
	let proposal = CalibrationProposal {
		sentinel: crypto::Public::from(key(n).public()),
		organisation: hospital(),
		role,
		model_hash: MODEL,
		score_ppm,
		practitioner_days: 500,
		since,
	};
	let signature = crypto::Signature::from(key(n).sign(&Sentinel::signed_proposal(&proposal)));
	crate::Call::propose_calibration { proposal, signature }
}

/// The clock an hour on: the burn-in of a group first seen at `NOW` is over.
fn an_hour_later() {
	Timestamp::set_timestamp(NOW + HOUR);
}

fn physicians() -> PeerGroupState {
	Sentinel::peer_group(&hospital(), PractitionerRole::Physician)
}

/// Both sentinels of the genesis propose the physicians' calibrated score: live at the median.
fn physicians_live_above(scores: [u32; 2]) {
	an_hour_later();
	for (n, score) in [1, 2].into_iter().zip(scores) {
		assert_ok!(submit(proposal(n, PractitionerRole::Physician, score, NOW)));
	}
}

#[test]
fn without_a_policy_every_group_is_uncalibrated_and_the_threshold_alone_decides() {
	new_test_ext().execute_with(|| {
		assert_eq!(physicians(), PeerGroupState::Uncalibrated);
		assert_ok!(report(1, physician(), 920_000, acted(physician())));
		assert_eq!(
			authorize(&proposal(1, PractitionerRole::Physician, 0, 0)),
			Err(refused(Error::CalibrationOff))
		);
	});
}

#[test]
fn a_group_in_shadow_is_not_reported() {
	new_test_ext().execute_with(|| {
		calibrating();
		assert_eq!(physicians(), PeerGroupState::Shadow { proposals: 0, quorum: 2 });
		let end = acted(physician());
		assert_eq!(report(1, physician(), 1_000_000, end), Err(refused(Error::PeerGroupInShadow)));
		// One proposal of the two a quorum needs: still in shadow.
		an_hour_later();
		assert_ok!(submit(proposal(1, PractitionerRole::Physician, 500_000, NOW)));
		assert_eq!(physicians(), PeerGroupState::Shadow { proposals: 1, quorum: 2 });
		assert_eq!(report(1, physician(), 1_000_000, end), Err(refused(Error::PeerGroupInShadow)));
	});
}

#[test]
fn a_quorum_of_proposals_makes_a_group_live_at_their_median_above_the_threshold() {
	new_test_ext().execute_with(|| {
		calibrating();
		physicians_live_above([950_000, 970_000]);
		assert_eq!(
			physicians(),
			PeerGroupState::Live { score_ppm: 970_000, practitioner_days: 500 }
		);
		assert!(events().contains(&Event::PeerGroupCalibrated {
			organisation: hospital(),
			role: PractitionerRole::Physician,
			score_ppm: 970_000,
			practitioner_days: 500,
		}));
		// Other groups stay in shadow.
		let nurses = Sentinel::peer_group(&hospital(), PractitionerRole::Nurse);
		assert_eq!(nurses, PeerGroupState::Shadow { proposals: 0, quorum: 2 });
		// Above the threshold but not above the group's calibrated score: refused.
		let end = acted(physician());
		assert_eq!(report(1, physician(), 970_000, end), Err(refused(Error::WithinPeerGroup)));
		assert_ok!(report(1, physician(), 970_001, end));
		// A group calibrated below the threshold: the threshold still decides.
		physicians_live_quiet();
		let end = acted(nurse());
		assert_eq!(report(1, nurse(), 919_999, end), Err(refused(Error::BelowThreshold)));
	});
}

/// The physicians live at a calibrated score far below the threshold.
fn physicians_live_quiet() {
	Timestamp::set_timestamp(NOW + HOUR + RECALIBRATION_INTERVAL);
	for n in [1, 2] {
		assert_ok!(submit(proposal(n, PractitionerRole::Physician, 100_000, NOW)));
	}
	assert!(matches!(physicians(), PeerGroupState::Live { score_ppm: 100_000, .. }));
}

#[test]
fn a_new_model_or_policy_puts_every_group_back_in_shadow_until_proposed_again() {
	new_test_ext().execute_with(|| {
		calibrating();
		physicians_live_above([950_000, 950_000]);
		// The same model approved again restarts its shadow too.
		Timestamp::set_timestamp(NOW + 2 * HOUR);
		assert_ok!(Sentinel::approve_model(root(), Some(MODEL)));
		assert_eq!(physicians(), PeerGroupState::Shadow { proposals: 0, quorum: 2 });
		// Proposals watched from before the approval are refused; a new burn-in is needed.
		let before = proposal(1, PractitionerRole::Physician, 950_000, NOW);
		assert_eq!(authorize(&before), Err(refused(Error::BurnInNotOver)));
		let too_soon = proposal(1, PractitionerRole::Physician, 950_000, NOW + 2 * HOUR);
		assert_eq!(authorize(&too_soon), Err(refused(Error::BurnInNotOver)));
		Timestamp::set_timestamp(NOW + 3 * HOUR);
		assert_ok!(authorize(&too_soon));
		// A change of policy: the proposals before it count no more, the sentinels' burn-in
		// stands.
		for n in [1, 2] {
			assert_ok!(submit(proposal(n, PractitionerRole::Physician, 950_000, NOW + 2 * HOUR)));
		}
		assert!(matches!(physicians(), PeerGroupState::Live { .. }));
		Timestamp::set_timestamp(NOW + 4 * HOUR);
		calibrating();
		assert_eq!(physicians(), PeerGroupState::Shadow { proposals: 0, quorum: 2 });
		assert_ok!(authorize(&proposal(1, PractitionerRole::Physician, 950_000, NOW + 2 * HOUR)));
	});
}

#[test]
fn proposals_are_refused_from_non_sentinels_too_soon_too_often_or_altered() {
	new_test_ext().execute_with(|| {
		calibrating();
		let refused_with = |call, error| assert_eq!(authorize(&call), Err(refused(error)));
		// Before the hour of shadow is over.
		refused_with(proposal(1, PractitionerRole::Physician, 1, NOW), Error::BurnInNotOver);
		an_hour_later();
		refused_with(proposal(9, PractitionerRole::Physician, 1, NOW), Error::NotSentinel);
		// Certainty is never calibrated away.
		refused_with(
			proposal(1, PractitionerRole::Physician, 1_000_000, NOW),
			Error::ScoreOutOfRange,
		);
		// Another model's, another organisation's.
		let mut other = proposal(1, PractitionerRole::Physician, 1, NOW);
		if let crate::Call::propose_calibration { proposal, signature } = &mut other {
			proposal.model_hash = H256::repeat_byte(8);
			*signature = crypto::Signature::from(key(1).sign(&Sentinel::signed_proposal(proposal)));
		}
		refused_with(other.clone(), Error::ModelNotApproved);
		if let crate::Call::propose_calibration { proposal, signature } = &mut other {
			proposal.model_hash = MODEL;
			proposal.organisation = physician();
			*signature = crypto::Signature::from(key(1).sign(&Sentinel::signed_proposal(proposal)));
		}
		refused_with(other.clone(), Error::NotAnOrganisation);
		// Altered after signing.
		if let crate::Call::propose_calibration { proposal, .. } = &mut other {
			proposal.organisation = hospital();
		}
		refused_with(other, Error::BadSignature);
		// One proposal per sentinel, group and interval.
		assert_ok!(submit(proposal(1, PractitionerRole::Physician, 5, NOW)));
		refused_with(proposal(1, PractitionerRole::Physician, 6, NOW), Error::ProposedTooRecently);
		Timestamp::set_timestamp(NOW + HOUR + RECALIBRATION_INTERVAL);
		assert_ok!(submit(proposal(1, PractitionerRole::Physician, 6, NOW)));
		assert_eq!(
			PeerGroupProposals::<Test>::get(hospital(), PractitionerRole::Physician).len(),
			1
		);
		// Signed by a sentinel but sent by an account: fails on its origin, changes nothing.
		let call = proposal(2, PractitionerRole::Physician, 6, NOW);
		assert!(call.dispatch_bypass_filter(RuntimeOrigin::signed(sentinel_b())).is_err());
		assert_eq!(physicians(), PeerGroupState::Shadow { proposals: 1, quorum: 2 });
	});
}

#[test]
fn a_removed_sentinels_proposal_no_longer_counts() {
	new_test_ext().execute_with(|| {
		validators_hold(&[1, 2, 9], true);
		calibrating();
		an_hour_later();
		for n in [1, 2, 9] {
			assert_ok!(submit(proposal(n, PractitionerRole::Physician, u32::from(n) * 1000, NOW)));
		}
		assert!(matches!(physicians(), PeerGroupState::Live { score_ppm: 2000, .. }));
		validators_hold(&[1, 2], true);
		// Two of two remain: the median of their proposals.
		assert!(matches!(physicians(), PeerGroupState::Live { score_ppm: 2000, .. }));
		validators_hold(&[1], true);
		assert!(matches!(physicians(), PeerGroupState::Live { score_ppm: 1000, .. }));
	});
}

#[test]
fn only_the_governance_origin_sets_a_policy_within_its_bounds() {
	new_test_ext().execute_with(|| {
		let policy = Some(CalibrationPolicy::DEFAULT);
		assert_noop!(
			Sentinel::set_calibration(RuntimeOrigin::signed(sentinel_a()), policy),
			DispatchError::BadOrigin
		);
		let month = CalibrationPolicy { burn_in: 29 * 24 * HOUR, ..CalibrationPolicy::DEFAULT };
		assert_noop!(
			Sentinel::set_calibration(root(), Some(month)),
			Error::<Test>::InvalidCalibration
		);
		let never =
			CalibrationPolicy { false_alert_rate: Perbill::zero(), ..CalibrationPolicy::DEFAULT };
		assert_noop!(
			Sentinel::set_calibration(root(), Some(never)),
			Error::<Test>::InvalidCalibration
		);
		assert_ok!(Sentinel::set_calibration(root(), policy));
		assert_eq!(Calibration::<Test>::get(), policy);
		assert!(events().contains(&Event::CalibrationSet { policy }));
		assert_ok!(Sentinel::set_calibration(root(), None));
		assert_eq!(physicians(), PeerGroupState::Uncalibrated);
	});
}

#[test]
fn the_worker_scores_a_shadow_group_reports_nothing_and_proposes_after_the_burn_in() {
	let (mut ext, offchain, sentinel) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		sentinels_are(vec![sentinel.clone(), sentinel_a()]);
		calibrating();
		MockRegistry::set_role(nurse(), PractitionerRole::Nurse);
		// Full windows score 1.0 with the mock model: physicians; 40 of 64, 0.625: the nurse.
		MockLog::touch(physician(), 64, seq(1, 64));
		MockLog::touch(nurse(), 40, seq(1, 104));
		Sentinel::offchain_worker(1);
		assert_eq!(offchain.model.batches.lock().unwrap().len(), 1, "scored");
		assert!(pool_calls(&offchain).is_empty(), "in shadow: no report, no proposal yet");
		// An hour on, each group's calibrated score is its own practitioners' highest.
		run_to(2);
		an_hour_later();
		MockLog::touch(physician(), 1, seq(2, 1));
		MockLog::touch(nurse(), 1, seq(2, 2));
		Sentinel::offchain_worker(2);
		assert!(pool_reports(&offchain).is_empty());
		let mut proposals = pool_proposals(&offchain);
		proposals.sort();
		assert_eq!(
			proposals,
			vec![(PractitionerRole::Physician, 999_999, 1), (PractitionerRole::Nurse, 640_625, 1)]
		);
		assert_eq!(submit_pool(&offchain), 2);
		// With sentinel A's proposals the groups are live; the worker does not propose the
		// same figures again.
		let physician_day = proposal(1, PractitionerRole::Physician, 999_999, NOW);
		let nurse_day = proposal(1, PractitionerRole::Nurse, 640_625, NOW);
		assert_ok!(submit(physician_day));
		assert_ok!(submit(nurse_day));
		assert!(matches!(physicians(), PeerGroupState::Live { score_ppm: 999_999, .. }));
		run_to(3);
		MockLog::touch(nurse(), 1, seq(3, 1));
		Sentinel::offchain_worker(3);
		assert!(pool_calls(&offchain).is_empty());
	});
}

#[test]
fn the_worker_reports_in_a_live_group_above_its_calibrated_score_even_without_data_of_its_own() {
	// A node with no calibration data (new, or its local storage lost) judges by the chain.
	let (mut ext, offchain, sentinel) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		sentinels_are(vec![sentinel.clone(), sentinel_a()]);
		calibrating();
		Threshold::<Test>::put(500_000);
		MockRegistry::set_role(nurse(), PractitionerRole::Nurse);
		an_hour_later();
		// Physicians live above 0.7; nurses above 0.6.
		for (n, role, score) in
			[(1, PractitionerRole::Physician, 700_000), (1, PractitionerRole::Nurse, 600_000)]
		{
			assert_ok!(submit(proposal(n, role, score, NOW)));
		}
		for role in [PractitionerRole::Physician, PractitionerRole::Nurse] {
			let mut own = PeerGroupProposals::<Test>::get(hospital(), role).into_inner();
			own.push(crate::Proposal { sentinel: sentinel.clone(), ..own[0].clone() });
			PeerGroupProposals::<Test>::insert(
				hospital(),
				role,
				crate::ProposalsOf::<Test>::truncate_from(own),
			);
		}
		// 40 of 64 (0.625) for both: the nurse above its group's, the physician not.
		MockLog::touch(physician(), 40, seq(1, 40));
		MockLog::touch(nurse(), 40, seq(1, 80));
		Sentinel::offchain_worker(1);
	});
	let reported: Vec<_> = pool_summary(&offchain).into_iter().map(|r| r.1).collect();
	assert_eq!(reported, vec![nurse()]);
}
