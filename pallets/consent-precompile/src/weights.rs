// SPDX-License-Identifier: Apache-2.0
// This file is part of EHR Chain.

//! Weights for `pallet_consent_precompile`.
//!
//! Not yet generated on the reference machine (`scripts/benchmark.sh pallet_consent_precompile`
//! runs `benchmarking.rs` and overwrites this file): until then each function is priced by the
//! storage reads its worst case makes (the benchmarks' setup) at the runtime's database weights,
//! plus the largest value each read may load as proof size.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_consent_precompile`.
pub trait WeightInfo {
	fn research_consent() -> Weight;
	fn is_active_practitioner() -> Weight;
}

/// Weights for `pallet_consent_precompile` with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Consent::Restrictions` (r:1 w:0), `Consent::Consents` (r:2 w:0),
	/// `Timestamp::Now` (r:1 w:0); two full lists of consents decided in memory.
	fn research_consent() -> Weight {
		Weight::from_parts(20_000_000, 9_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
	}
	/// Storage: `Providers::Practitioners` (r:1 w:0), `Providers::Organisations` (r:1 w:0),
	/// `Timestamp::Now` (r:1 w:0).
	fn is_active_practitioner() -> Weight {
		Weight::from_parts(10_000_000, 1_500)
			.saturating_add(T::DbWeight::get().reads(3_u64))
	}
}

/// The same with ParityDB's weights, for tests and mock runtimes.
impl WeightInfo for () {
	fn research_consent() -> Weight {
		Weight::from_parts(20_000_000, 9_000)
			.saturating_add(ParityDbWeight::get().reads(4_u64))
	}
	fn is_active_practitioner() -> Weight {
		Weight::from_parts(10_000_000, 1_500)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
	}
}
