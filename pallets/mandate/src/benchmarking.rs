//! The mandate's own overhead: checking the origin and dispatching the smallest call as Root
//! (`system.remark` of nothing). The origin is `MandateOrigin`'s successful one (a motion of the
//! council on the chain).

use super::*;
use alloc::{boxed::Box, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;

#[benchmarks(where <T as Config>::RuntimeCall: From<frame_system::Call<T>>)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn dispatch_as_root() -> Result<(), BenchmarkError> {
		let origin =
			T::MandateOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let call: <T as Config>::RuntimeCall =
			frame_system::Call::<T>::remark { remark: Vec::new() }.into();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Box::new(call));

		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
