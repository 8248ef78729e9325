use crate::{
	mock::*, ApprovedModel, CheckSentinelReport, Error, Event, Quorum, Reports, Sentinels,
	Threshold,
};
use codec::Decode;
use ehr_primitives::{
	features::{WorkingHours, WINDOW_FEATURES},
	providers::{ProviderDenial, StatusReason},
};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{DispatchInfo, GetDispatchInfo, Pays},
	traits::Hooks,
};
use sp_core::H256;
use sp_runtime::{
	traits::{DispatchTransaction, Dispatchable},
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	DispatchError,
};

fn report(
	sentinel: AccountId,
	practitioner: AccountId,
	score_ppm: u32,
	window_end: u64,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Sentinel::report(RuntimeOrigin::signed(sentinel), practitioner, score_ppm, MODEL, window_end)
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
}

#[test]
fn genesis_sets_the_sentinels_the_quorum_the_model_and_the_default_threshold() {
	new_test_ext().execute_with(|| {
		assert_eq!(Sentinels::<Test>::get().into_inner(), vec![sentinel_a(), sentinel_b()]);
		assert_eq!(Quorum::<Test>::get(), 2);
		assert_eq!(Threshold::<Test>::get(), 920_000);
		assert_eq!(ApprovedModel::<Test>::get(), Some(MODEL));
	});
}

#[test]
fn a_report_below_the_quorum_is_kept_and_pays_no_fee() {
	new_test_ext().execute_with(|| {
		let post = report(sentinel_a(), physician(), 950_000, 42).unwrap();
		assert_eq!(post.pays_fee, Pays::No);
		assert!(MockRegistry::suspensions().is_empty());
		let reports = Reports::<Test>::get(physician());
		assert_eq!(reports.len(), 1);
		assert_eq!(
			(
				reports[0].sentinel.clone(),
				reports[0].score_ppm,
				reports[0].window_end,
				reports[0].at
			),
			(sentinel_a(), 950_000, 42, 1)
		);
		assert_eq!(
			events(),
			vec![Event::AnomalyReported {
				practitioner: physician(),
				sentinel: sentinel_a(),
				score_ppm: 950_000,
				model_hash: MODEL,
				window_end: 42,
			}]
		);
	});
}

#[test]
fn a_quorum_of_sentinels_suspends_the_practitioner_with_the_lowest_score() {
	new_test_ext().execute_with(|| {
		assert_ok!(report(sentinel_b(), physician(), 990_000, 40));
		assert_ok!(report(sentinel_a(), physician(), 930_000, 42));
		assert_eq!(
			MockRegistry::suspensions(),
			vec![(
				physician(),
				StatusReason::AnomalyDetected { score_ppm: 930_000, model_hash: MODEL }
			)]
		);
		assert!(Reports::<Test>::get(physician()).is_empty());
		assert_eq!(
			events().last(),
			Some(&Event::PractitionerSuspended {
				practitioner: physician(),
				score_ppm: 930_000,
				model_hash: MODEL,
				window_end: 42,
				reporters: vec![sentinel_a(), sentinel_b()].try_into().unwrap(),
			})
		);
		// Suspended: no more reports on it.
		assert_noop!(
			report(sentinel_a(), physician(), 990_000, 50),
			Error::<Test>::PractitionerNotActive
		);
	});
}

#[test]
fn a_sentinel_reports_a_practitioner_once_per_window_and_counts_once() {
	new_test_ext().execute_with(|| {
		assert_ok!(report(sentinel_a(), physician(), 950_000, 42));
		assert_noop!(
			report(sentinel_a(), physician(), 990_000, 42),
			Error::<Test>::AlreadyReported
		);
		assert_noop!(
			report(sentinel_a(), physician(), 990_000, 41),
			Error::<Test>::AlreadyReported
		);
		// A later window replaces its report: still one sentinel, no quorum.
		assert_ok!(report(sentinel_a(), physician(), 990_000, 43));
		let reports = Reports::<Test>::get(physician());
		assert_eq!(reports.len(), 1);
		assert_eq!((reports[0].score_ppm, reports[0].window_end), (990_000, 43));
		assert!(MockRegistry::suspensions().is_empty());
	});
}

#[test]
fn reports_are_refused_from_non_sentinels_for_other_models_below_the_threshold_or_out_of_range() {
	new_test_ext().execute_with(|| {
		assert_noop!(report(stranger(), physician(), 990_000, 1), Error::<Test>::NotSentinel);
		assert_noop!(
			Sentinel::report(
				RuntimeOrigin::signed(sentinel_a()),
				physician(),
				990_000,
				H256::repeat_byte(8),
				1
			),
			Error::<Test>::ModelNotApproved
		);
		assert_noop!(report(sentinel_a(), physician(), 919_999, 1), Error::<Test>::BelowThreshold);
		assert_noop!(
			report(sentinel_a(), physician(), 1_000_001, 1),
			Error::<Test>::ScoreOutOfRange
		);
		assert_noop!(
			report(sentinel_a(), stranger(), 990_000, 1),
			Error::<Test>::PractitionerNotActive
		);
		MockRegistry::set(nurse(), Some(ProviderDenial::CredentialExpired));
		assert_noop!(
			report(sentinel_a(), nurse(), 990_000, 1),
			Error::<Test>::PractitionerNotActive
		);
		assert_noop!(
			Sentinel::report(RuntimeOrigin::none(), physician(), 990_000, MODEL, 1),
			DispatchError::BadOrigin
		);
		// With no approved model, no one reports.
		assert_ok!(Sentinel::approve_model(RuntimeOrigin::root(), None));
		assert_noop!(
			report(sentinel_a(), physician(), 990_000, 1),
			Error::<Test>::ModelNotApproved
		);
	});
}

#[test]
fn a_threshold_change_applies_to_the_next_report() {
	new_test_ext().execute_with(|| {
		assert_noop!(report(sentinel_a(), physician(), 850_000, 1), Error::<Test>::BelowThreshold);
		assert_ok!(Sentinel::set_threshold(RuntimeOrigin::root(), 800_000));
		assert_eq!(events(), vec![Event::ThresholdSet { threshold_ppm: 800_000 }]);
		assert_ok!(report(sentinel_a(), physician(), 850_000, 1));
		assert_noop!(
			Sentinel::set_threshold(RuntimeOrigin::root(), 0),
			Error::<Test>::InvalidThreshold
		);
		assert_noop!(
			Sentinel::set_threshold(RuntimeOrigin::root(), 1_000_001),
			Error::<Test>::InvalidThreshold
		);
	});
}

#[test]
fn old_reports_and_reports_of_removed_sentinels_or_replaced_models_do_not_count() {
	new_test_ext().execute_with(|| {
		// Too old.
		assert_ok!(report(sentinel_b(), physician(), 990_000, 1));
		run_to(1 + REPORT_LIFETIME);
		assert_ok!(report(sentinel_a(), physician(), 990_000, 2));
		assert!(MockRegistry::suspensions().is_empty());
		assert_eq!(Reports::<Test>::get(physician()).len(), 1);

		// Another model approved since.
		assert_ok!(report(sentinel_a(), nurse(), 990_000, 3));
		let model = H256::repeat_byte(9);
		assert_ok!(Sentinel::approve_model(RuntimeOrigin::root(), Some(model)));
		assert_ok!(Sentinel::report(
			RuntimeOrigin::signed(sentinel_b()),
			nurse(),
			990_000,
			model,
			4
		));
		assert!(MockRegistry::suspensions().is_empty());

		// Its reporter removed: the report of sentinel B no longer counts.
		assert_ok!(Sentinel::add_sentinel(RuntimeOrigin::root(), stranger()));
		assert_ok!(Sentinel::remove_sentinel(RuntimeOrigin::root(), sentinel_b()));
		assert_ok!(Sentinel::report(RuntimeOrigin::signed(stranger()), nurse(), 990_000, model, 5));
		assert!(MockRegistry::suspensions().is_empty());
		assert_ok!(Sentinel::report(
			RuntimeOrigin::signed(sentinel_a()),
			nurse(),
			990_000,
			model,
			6
		));
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
fn governance_keeps_the_sentinel_set_and_the_quorum_reachable() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Sentinel::add_sentinel(RuntimeOrigin::root(), sentinel_a()),
			Error::<Test>::AlreadySentinel
		);
		assert_ok!(Sentinel::add_sentinel(RuntimeOrigin::root(), stranger()));
		assert_noop!(
			Sentinel::add_sentinel(RuntimeOrigin::root(), nurse()),
			Error::<Test>::TooManySentinels
		);
		assert_eq!(
			Sentinels::<Test>::get().into_inner(),
			vec![sentinel_a(), sentinel_b(), stranger()]
		);

		assert_noop!(
			Sentinel::set_quorum(RuntimeOrigin::root(), 0),
			Error::<Test>::QuorumUnreachable
		);
		assert_noop!(
			Sentinel::set_quorum(RuntimeOrigin::root(), 4),
			Error::<Test>::QuorumUnreachable
		);
		assert_ok!(Sentinel::set_quorum(RuntimeOrigin::root(), 3));
		assert_noop!(
			Sentinel::remove_sentinel(RuntimeOrigin::root(), stranger()),
			Error::<Test>::QuorumUnreachable
		);
		assert_ok!(Sentinel::set_quorum(RuntimeOrigin::root(), 2));
		assert_ok!(Sentinel::remove_sentinel(RuntimeOrigin::root(), stranger()));
		assert_noop!(
			Sentinel::remove_sentinel(RuntimeOrigin::root(), stranger()),
			Error::<Test>::NotSentinel
		);
		assert_eq!(
			events(),
			vec![
				Event::SentinelAdded { sentinel: stranger() },
				Event::QuorumSet { quorum: 3 },
				Event::QuorumSet { quorum: 2 },
				Event::SentinelRemoved { sentinel: stranger() },
			]
		);
	});
}

#[test]
fn only_the_governance_origin_changes_the_configuration() {
	new_test_ext().execute_with(|| {
		let signed = || RuntimeOrigin::signed(sentinel_a());
		assert_noop!(Sentinel::add_sentinel(signed(), stranger()), DispatchError::BadOrigin);
		assert_noop!(Sentinel::remove_sentinel(signed(), sentinel_b()), DispatchError::BadOrigin);
		assert_noop!(Sentinel::set_threshold(signed(), 1), DispatchError::BadOrigin);
		assert_noop!(Sentinel::set_quorum(signed(), 1), DispatchError::BadOrigin);
		assert_noop!(Sentinel::approve_model(signed(), None), DispatchError::BadOrigin);
		assert_ok!(Sentinel::approve_model(RuntimeOrigin::root(), Some(H256::repeat_byte(3))));
		assert_eq!(events(), vec![Event::ModelApproved { model_hash: Some(H256::repeat_byte(3)) }]);
	});
}

#[test]
fn the_report_is_operational_so_a_burst_of_requests_cannot_crowd_it_out() {
	let call = crate::Call::<Test>::report {
		practitioner: physician(),
		score_ppm: 1,
		model_hash: MODEL,
		window_end: 1,
	};
	assert_eq!(call.get_dispatch_info().class, frame_support::dispatch::DispatchClass::Operational);
}

/// The pool's verdict on `call` signed by `who`.
fn validate(who: AccountId, call: RuntimeCall) -> Result<u64, TransactionValidityError> {
	CheckSentinelReport::<Test>::new()
		.validate_only(
			RuntimeOrigin::signed(who),
			&call,
			&DispatchInfo::default(),
			0,
			TransactionSource::External,
			0,
		)
		.map(|(valid, ..)| valid.priority)
}

fn error_code(error: Error<Test>) -> TransactionValidityError {
	use codec::Encode;
	InvalidTransaction::Custom(error.encode()[0]).into()
}

#[test]
fn the_pool_refuses_reports_the_call_would_refuse_and_lets_other_calls_through() {
	new_test_ext().execute_with(|| {
		let call = |score_ppm| {
			RuntimeCall::Sentinel(crate::Call::report {
				practitioner: physician(),
				score_ppm,
				model_hash: MODEL,
				window_end: 7,
			})
		};
		assert_eq!(validate(stranger(), call(990_000)), Err(error_code(Error::NotSentinel)));
		assert_eq!(validate(sentinel_a(), call(10)), Err(error_code(Error::BelowThreshold)));
		let priority = validate(sentinel_a(), call(990_000)).unwrap();
		assert!(priority >= u64::MAX / 2, "a report goes first: {priority}");
		assert_ok!(report(sentinel_a(), physician(), 990_000, 7));
		assert_eq!(validate(sentinel_a(), call(990_000)), Err(error_code(Error::AlreadyReported)));
		// Anything else is not this extension's business.
		let remark = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
		assert_eq!(validate(stranger(), remark), Ok(0));
	});
}

// The offchain worker.

/// The reports the offchain worker put in the pool: (signer, practitioner, score, model, window end).
fn pool_reports(offchain: &Offchain) -> Vec<(AccountId, AccountId, u32, H256, u64)> {
	offchain
		.pool
		.read()
		.transactions
		.iter()
		.map(|tx| {
			let xt = Extrinsic::decode(&mut &tx[..]).expect("the worker submits our extrinsics");
			let signer = match xt.preamble {
				sp_runtime::generic::Preamble::Signed(who, ..) => who,
				other => panic!("not signed: {other:?}"),
			};
			match xt.function {
				RuntimeCall::Sentinel(crate::Call::report {
					practitioner,
					score_ppm,
					model_hash,
					window_end,
				}) => (signer, practitioner, score_ppm, model_hash, window_end),
				other => panic!("not a report: {other:?}"),
			}
		})
		.collect()
}

#[test]
fn the_offchain_worker_reports_touched_practitioners_at_or_above_the_threshold() {
	let (mut ext, offchain, sentinel) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		// A full window scores 1.0 with the mock model, 40 of 64 0.625; a window of 8 is too
		// young to be scored.
		MockLog::touch(physician(), 64, 4_000);
		MockLog::touch(nurse(), 40, 5_000);
		MockLog::touch(stranger(), 8, 6_000);
		Sentinel::offchain_worker(1);
	});
	assert_eq!(pool_reports(&offchain), vec![(sentinel, physician(), 1_000_000, MODEL, 4_000)]);
	let batches = offchain.model.batches.lock().unwrap();
	assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![2]);
}

/// The window feature `name` of each practitioner the worker scored, after `setup` and the
/// physician's then the nurse's requests (40 each) in the block.
fn scored_feature(name: &str, setup: impl FnOnce()) -> Vec<f32> {
	let (mut ext, offchain, _) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		setup();
		MockLog::touch(physician(), 40, 4_000);
		MockLog::touch(nurse(), 40, 5_000);
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
fn a_signed_report_from_the_worker_is_accepted_by_the_chain() {
	let (mut ext, offchain, sentinel) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		Quorum::<Test>::put(1);
		MockLog::touch(physician(), 64, 4_000);
		Sentinel::offchain_worker(1);
		let tx = offchain.pool.read().transactions[0].clone();
		let xt = Extrinsic::decode(&mut &tx[..]).unwrap();
		assert_ok!(xt.function.dispatch(RuntimeOrigin::signed(sentinel)));
		assert_eq!(
			MockRegistry::suspensions(),
			vec![(
				physician(),
				StatusReason::AnomalyDetected { score_ppm: 1_000_000, model_hash: MODEL }
			)]
		);
	});
}

#[test]
fn the_offchain_worker_skips_practitioners_it_cannot_or_need_not_report() {
	let (mut ext, offchain, sentinel) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		MockLog::touch(physician(), 64, 4_000);
		MockLog::touch(nurse(), 64, 5_000);
		MockLog::touch(stranger(), 64, 6_000);
		// The nurse is suspended already; the stranger is no practitioner; this sentinel has
		// reported the physician's window already.
		MockRegistry::set(nurse(), Some(ProviderDenial::Suspended));
		assert_ok!(report(sentinel, physician(), 990_000, 4_000));
		Sentinel::offchain_worker(1);
	});
	assert!(pool_reports(&offchain).is_empty());
	assert!(offchain.model.batches.lock().unwrap().is_empty(), "nothing left to score");
}

#[test]
fn without_the_approved_model_or_a_sentinel_key_the_worker_sends_nothing() {
	// The node's model is not the approved one: the host function scores nothing.
	let (mut ext, offchain, _) = offchain_ext(true, Some(H256::repeat_byte(8)));
	ext.execute_with(|| {
		MockLog::touch(physician(), 64, 4_000);
		Sentinel::offchain_worker(1);
	});
	assert!(pool_reports(&offchain).is_empty());

	// No model in this node (block import, or a node without one).
	let (mut ext, offchain, _) = offchain_ext(true, None);
	ext.execute_with(|| {
		MockLog::touch(physician(), 64, 4_000);
		Sentinel::offchain_worker(1);
	});
	assert!(pool_reports(&offchain).is_empty());

	// The key in the keystore is not a registered sentinel's: nothing is even scored.
	let (mut ext, offchain, _) = offchain_ext(false, Some(MODEL));
	ext.execute_with(|| {
		MockLog::touch(physician(), 64, 4_000);
		Sentinel::offchain_worker(1);
	});
	assert!(pool_reports(&offchain).is_empty());
	assert!(offchain.model.batches.lock().unwrap().is_empty());

	// No model approved on chain.
	let (mut ext, offchain, _) = offchain_ext(true, Some(MODEL));
	ext.execute_with(|| {
		ApprovedModel::<Test>::kill();
		MockLog::touch(physician(), 64, 4_000);
		Sentinel::offchain_worker(1);
	});
	assert!(pool_reports(&offchain).is_empty());
}
