//! Benchmarks at the worst case. `report` and `check_report`: a full sentinel set, the quorum
//! at all of them, every other sentinel's live report stored, so the report read and rewrites
//! the most and reaches the quorum: the practitioner (set up by the runtime's
//! [`BenchmarkHelper`] in the real registry) is suspended.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

const MODEL: H256 = H256::repeat_byte(7);
const SCORE: ScorePpm = 990_000;

/// `MaxSentinels` sentinels, sorted, with the quorum at all of them and the model approved.
fn full_house<T: Config>() -> Vec<T::AccountId> {
	let mut sentinels: Vec<T::AccountId> =
		(0..T::MaxSentinels::get()).map(|i| account("sentinel", i, 0)).collect();
	sentinels.sort();
	Sentinels::<T>::put(SentinelsOf::<T>::truncate_from(sentinels.clone()));
	Quorum::<T>::put(T::MaxSentinels::get());
	ApprovedModel::<T>::put(MODEL);
	sentinels
}

/// Every sentinel but the last has reported `practitioner`; the last one's report decides.
fn all_but_one_reported<T: Config>(practitioner: &T::AccountId) -> T::AccountId {
	let mut sentinels = full_house::<T>();
	let last = sentinels.pop().expect("MaxSentinels is positive");
	let at = frame_system::Pallet::<T>::block_number();
	let reports = sentinels.into_iter().map(|sentinel| Report {
		sentinel,
		score_ppm: SCORE,
		model_hash: MODEL,
		window_end: 1,
		at,
	});
	Reports::<T>::insert(practitioner, ReportsOf::<T>::truncate_from(reports.collect()));
	last
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn report() {
		let practitioner = T::BenchmarkHelper::active_practitioner();
		let sentinel = all_but_one_reported::<T>(&practitioner);

		#[extrinsic_call]
		_(RawOrigin::Signed(sentinel), practitioner.clone(), SCORE, MODEL, 2);

		assert!(Reports::<T>::get(&practitioner).is_empty());
		assert!(T::Providers::active_practitioner(&practitioner, T::Time::now()).is_err());
	}

	#[benchmark]
	fn check_report() -> Result<(), BenchmarkError> {
		let practitioner = T::BenchmarkHelper::active_practitioner();
		let sentinel = all_but_one_reported::<T>(&practitioner);
		let reports;

		#[block]
		{
			reports = Pallet::<T>::check_report(&sentinel, &practitioner, SCORE, MODEL, 2)
				.map_err(|_| BenchmarkError::Stop("the report is valid"))?;
		}

		assert_eq!(reports.len() as u32, T::MaxSentinels::get() - 1);
		Ok(())
	}

	#[benchmark]
	fn add_sentinel() {
		let mut sentinels = full_house::<T>();
		let newcomer = sentinels.pop().expect("MaxSentinels is positive");
		Sentinels::<T>::put(SentinelsOf::<T>::truncate_from(sentinels));

		#[extrinsic_call]
		_(RawOrigin::Root, newcomer.clone());

		assert!(Sentinels::<T>::get().contains(&newcomer));
	}

	#[benchmark]
	fn remove_sentinel() {
		let sentinels = full_house::<T>();
		Quorum::<T>::put(1);
		let leaving = sentinels[0].clone();

		#[extrinsic_call]
		_(RawOrigin::Root, leaving.clone());

		assert!(!Sentinels::<T>::get().contains(&leaving));
	}

	#[benchmark]
	fn set_threshold() {
		#[extrinsic_call]
		_(RawOrigin::Root, 800_000);

		assert_eq!(Threshold::<T>::get(), 800_000);
	}

	#[benchmark]
	fn set_quorum() {
		full_house::<T>();

		#[extrinsic_call]
		_(RawOrigin::Root, 1);

		assert_eq!(Quorum::<T>::get(), 1);
	}

	#[benchmark]
	fn approve_model() {
		#[extrinsic_call]
		_(RawOrigin::Root, Some(H256::repeat_byte(9)));

		assert_eq!(ApprovedModel::<T>::get(), Some(H256::repeat_byte(9)));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
