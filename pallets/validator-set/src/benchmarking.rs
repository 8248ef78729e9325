//! The council's changes to the validator set, at every size of the set. The origin is
//! `GovernanceOrigin`'s successful one (a motion of the council on the chain).

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};
use sp_runtime::traits::StaticLookup;

/// A set of `count` validators, each with registered session keys.
fn set_of<T: Config>(count: u32) -> Vec<T::AccountId> {
	let mut validators: Vec<T::AccountId> =
		(0..count).map(|i| account("validator", i, 0)).collect();
	validators.iter().for_each(T::BenchmarkHelper::register_keys);
	validators.sort();
	Validators::<T>::put(ValidatorsOf::<T>::truncate_from(validators.clone()));
	validators
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `v`: validators before the addition.
	#[benchmark]
	fn add_validator(
		v: Linear<1, { T::MaxValidators::get().saturating_sub(1) }>,
	) -> Result<(), BenchmarkError> {
		set_of::<T>(v);
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let candidate: T::AccountId = account("candidate", 0, 0);
		T::BenchmarkHelper::register_keys(&candidate);
		let lookup = T::Lookup::unlookup(candidate.clone());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, lookup);

		assert!(Validators::<T>::get().contains(&candidate));
		Ok(())
	}

	/// `v`: validators before the removal.
	#[benchmark]
	fn remove_validator(
		v: Linear<{ T::MinValidators::get().saturating_add(1) }, { T::MaxValidators::get() }>,
	) -> Result<(), BenchmarkError> {
		let validators = set_of::<T>(v);
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let leaving = validators[0].clone();
		let lookup = T::Lookup::unlookup(leaving.clone());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, lookup);

		assert!(!Validators::<T>::get().contains(&leaving));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
