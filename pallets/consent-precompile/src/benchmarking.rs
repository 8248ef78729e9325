//! Benchmarks: each function in the worst case the runtime's `BenchmarkHelper` sets up, called
//! as a contract would call it (so the measure includes the engine's call overhead as well).

use crate::{address_of, call_precompile, BenchmarkHelper, Config, IConsent, Pallet};
use frame_benchmarking::v2::*;
use pallet_revive::{precompiles::alloy::sol_types::SolCall, U256};

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn research_consent() -> Result<(), BenchmarkError> {
		let (patient, organisation, category) = T::BenchmarkHelper::research_consent_worst_case();
		let input = IConsent::researchConsentCall {
			patient: address_of::<T>(&patient),
			organisation: address_of::<T>(&organisation),
			category: category as u8,
		}
		.abi_encode();

		let result;
		#[block]
		{
			result = call_precompile::<T>(&patient, input, U256::zero());
		}

		let output = result.result.map_err(|_| BenchmarkError::Stop("the call failed"))?;
		let answer = IConsent::researchConsentCall::abi_decode_returns(&output.data)
			.map_err(|_| BenchmarkError::Stop("no answer"))?;
		// Denied, after reading every consent: the worst case is a refusal.
		assert_ne!(answer, 0);
		Ok(())
	}

	#[benchmark]
	fn is_active_practitioner() -> Result<(), BenchmarkError> {
		let (practitioner, organisation) = T::BenchmarkHelper::active_practitioner();
		let input = IConsent::isActivePractitionerCall {
			account: address_of::<T>(&practitioner),
			organisation: address_of::<T>(&organisation),
		}
		.abi_encode();

		let result;
		#[block]
		{
			result = call_precompile::<T>(&practitioner, input, U256::zero());
		}

		let output = result.result.map_err(|_| BenchmarkError::Stop("the call failed"))?;
		assert!(IConsent::isActivePractitionerCall::abi_decode_returns(&output.data)
			.map_err(|_| BenchmarkError::Stop("no answer"))?);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
