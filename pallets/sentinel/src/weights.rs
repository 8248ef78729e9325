// SPDX-License-Identifier: Apache-2.0
// This file is part of EHR Chain.

//! Weights for `pallet_sentinel`: replaced by `scripts/benchmark.sh pallet_sentinel`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_sentinel`.
pub trait WeightInfo {
	fn report() -> Weight;
	fn check_report() -> Weight;
	fn add_sentinel() -> Weight;
	fn remove_sentinel() -> Weight;
	fn set_threshold() -> Weight;
	fn set_quorum() -> Weight;
	fn approve_model() -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn report() -> Weight { Weight::zero() }
	fn check_report() -> Weight { Weight::zero() }
	fn add_sentinel() -> Weight { Weight::zero() }
	fn remove_sentinel() -> Weight { Weight::zero() }
	fn set_threshold() -> Weight { Weight::zero() }
	fn set_quorum() -> Weight { Weight::zero() }
	fn approve_model() -> Weight { Weight::zero() }
}

impl WeightInfo for () {
	fn report() -> Weight { Weight::zero() }
	fn check_report() -> Weight { Weight::zero() }
	fn add_sentinel() -> Weight { Weight::zero() }
	fn remove_sentinel() -> Weight { Weight::zero() }
	fn set_threshold() -> Weight { Weight::zero() }
	fn set_quorum() -> Weight { Weight::zero() }
	fn approve_model() -> Weight { Weight::zero() }
}
