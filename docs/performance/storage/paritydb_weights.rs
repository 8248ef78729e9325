// SPDX-License-Identifier: Apache-2.0
// This file is part of EHR Chain.

//! What one storage read and one write cost on this chain's ParityDB, measured by the benchmark
//! CLI 64.0.0 on 2026-12-07 (Y/M/D) (`scripts/benchmark-storage.sh`): every key of the state at block
//! Number(144) read, then written, in random order. Do not edit by hand.
//!
//! HOSTNAME: `vm`, CPU: `AMD EPYC`, DATABASE: `ParityDb`, RUNTIME: `EHR Chain Development`
//! WARMUPS: `1`, STATE-VERSION: `V1`
//! METRIC: `Average`, WEIGHT-MUL: `1.0`, WEIGHT-ADD: `0`
//!
//! Executed command:
//! /tmp/ehr-node-bench
//! benchmark
//! storage
//! --dev
//! --base-path
//! /tmp/ehr-storage-state
//! --state-version
//! 1
//! --database
//! paritydb
//! --batch-size
//! 1000
//! --template-path
//! scripts/storage-weight-template.hbs
//! --header
//! scripts/weights-header.txt
//! --weight-path
//! docs/performance/storage/paritydb_weights.rs

use frame_support::{
	parameter_types,
	weights::{constants::WEIGHT_REF_TIME_PER_NANOS, RuntimeDbWeight},
};

parameter_types! {
	/// The chain's database weights: a read and a write of one storage item.
	pub const MeasuredParityDbWeight: RuntimeDbWeight = RuntimeDbWeight {
		// The Average read times `1.0`, plus `0`.
		//
		// Nanoseconds: min 1_242, max 3_653_030,
		// average 10_155, median 9_367,
		// p75 10_409, p95 12_153, p99 31_189.
		read: 10_155 * WEIGHT_REF_TIME_PER_NANOS,
		// The Average write times `1.0`, plus `0`.
		//
		// Nanoseconds: min 17_309, max 35_452,
		// average 26_065, median 27_264,
		// p75 28_986, p95 33_496, p99 35_452.
		write: 26_065 * WEIGHT_REF_TIME_PER_NANOS,
	};
}
