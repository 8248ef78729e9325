//! Benchmarks of every call at its worst case: the consents the helper makes costliest to
//! check, a record one version short of full (or full), and for erasure a guardian acting for
//! the patient, found last among its guardians.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

const RECORD: RecordId = H256([0xaa; 32]);
const CATEGORY: Category = Category::Sensitive(H256([1; 32]));

fn content(n: u32) -> ContentHash {
	let mut hash = [0xcc; 32];
	hash[..4].copy_from_slice(&n.to_le_bytes());
	H256(hash)
}

/// `patient`'s record held by `custodian` with `versions` versions anchored by `by`, its
/// deposits held, as `anchor_record` leaves it.
fn record_with<T: Config>(
	patient: &T::AccountId,
	custodian: &T::AccountId,
	by: &T::AccountId,
	versions: u32,
) {
	let anchors = (0..versions)
		.map(|n| Anchor {
			content_hash: content(n),
			anchored_at: T::Time::now(),
			anchored_by: by.clone(),
		})
		.collect::<Vec<_>>();
	let versions_deposit = T::VersionDeposit::get().saturating_mul(versions.into());
	let record_deposit = T::RecordDeposit::get();
	assert!(Pallet::<T>::hold(custodian, record_deposit.saturating_add(versions_deposit)).is_ok());
	let record = Record::<T> {
		custodian: custodian.clone(),
		category: CATEGORY,
		record_deposit,
		versions_deposit,
		state: RecordState::Live(BoundedVec::truncate_from(anchors)),
	};
	Records::<T>::insert(patient, RECORD, record);
	RecordCounts::<T>::insert(patient, RecordCount { total: 1, live: 1 });
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A patient's new record.
	#[benchmark]
	fn anchor_record() {
		let (practitioner, _, patient) = T::BenchmarkHelper::practitioner_with_consent(CATEGORY);
		let lookup = T::Lookup::unlookup(patient.clone());

		#[extrinsic_call]
		anchor_record(RawOrigin::Signed(practitioner), lookup, RECORD, CATEGORY, content(0));

		assert_eq!(
			Pallet::<T>::verify_record(&patient, RECORD, content(0)),
			RecordVerdict::Current { version: 1 }
		);
	}

	/// The last version a record takes.
	#[benchmark]
	fn anchor_version() {
		let (practitioner, organisation, patient) =
			T::BenchmarkHelper::practitioner_with_consent(CATEGORY);
		let last = T::MaxVersionsPerRecord::get();
		record_with::<T>(&patient, &organisation, &practitioner, last.saturating_sub(1));
		let lookup = T::Lookup::unlookup(patient.clone());

		#[extrinsic_call]
		anchor_record(RawOrigin::Signed(practitioner), lookup, RECORD, CATEGORY, content(last));

		assert_eq!(
			Pallet::<T>::verify_record(&patient, RECORD, content(last)),
			RecordVerdict::Current { version: last }
		);
	}

	/// A guardian asks to erase a full record.
	#[benchmark]
	fn request_erasure() {
		let (practitioner, organisation, patient) =
			T::BenchmarkHelper::practitioner_with_consent(CATEGORY);
		record_with::<T>(&patient, &organisation, &practitioner, T::MaxVersionsPerRecord::get());
		let guardian = T::BenchmarkHelper::guardian(&patient);
		let lookup = T::Lookup::unlookup(patient.clone());

		#[extrinsic_call]
		request_erasure(RawOrigin::Signed(guardian), Some(lookup), ErasureTarget::Record(RECORD));

		assert!(ErasureRequests::<T>::contains_key(&patient, ErasureTarget::Record(RECORD)));
	}

	/// The custodian erases a full record, the last of a patient who asked for all and for this
	/// one: both requests are fulfilled.
	#[benchmark]
	fn confirm_erasure() {
		let (practitioner, organisation, patient) =
			T::BenchmarkHelper::practitioner_with_consent(CATEGORY);
		record_with::<T>(&patient, &organisation, &practitioner, T::MaxVersionsPerRecord::get());
		let now = T::Time::now();
		ErasureRequests::<T>::insert(&patient, ErasureTarget::Record(RECORD), now);
		ErasureRequests::<T>::insert(&patient, ErasureTarget::All, now);
		let lookup = T::Lookup::unlookup(patient.clone());

		#[extrinsic_call]
		confirm_erasure(RawOrigin::Signed(organisation), lookup, RECORD);

		assert_eq!(Pallet::<T>::verify_record(&patient, RECORD, content(0)), RecordVerdict::Erased);
		assert_eq!(ErasureRequests::<T>::iter_prefix(&patient).count(), 0);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
