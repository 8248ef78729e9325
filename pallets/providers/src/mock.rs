//! A test runtime: System, Timestamp, Balances and the providers pallet, with root as registrar.

use crate as pallet_providers;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Balances: pallet_balances,
		Providers: pallet_providers,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

pub const ORGANISATION_DEPOSIT: u64 = 100;
pub const PRACTITIONER_DEPOSIT: u64 = 10;
pub const MAX_PRACTITIONERS: u32 = 3;
pub const INVITATION_PERIOD: u64 = 14 * DAY;
pub const PURGE_DELAY: u64 = 90 * DAY;

parameter_types! {
	/// Tests switch it off to see registrations go straight to `Active`.
	pub static RequireApproval: bool = true;
}

impl pallet_providers::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type RegistrarOrigin = EnsureRoot<u64>;
	type RequireApproval = RequireApproval;
	type OrganisationDeposit = ConstU64<ORGANISATION_DEPOSIT>;
	type PractitionerDeposit = ConstU64<PRACTITIONER_DEPOSIT>;
	type MaxPractitionersPerOrganisation = ConstU32<MAX_PRACTITIONERS>;
	type InvitationPeriod = ConstU64<INVITATION_PERIOD>;
	type PurgeDelay = ConstU64<PURGE_DELAY>;
	type OnReinstated = ReinstatedLog;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Clock;
}

/// Moves the mock's clock for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct Clock;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_providers::BenchmarkHelper for Clock {
	fn pass_time(by: u64) {
		Timestamp::set_timestamp(pallet_timestamp::Now::<Test>::get() + by);
	}
}

parameter_types! {
	/// The providers the runtime was told were reinstated, in order.
	pub static Reinstatements: Vec<u64> = Vec::new();
}

/// Records what the pallet tells the runtime on a reinstatement.
pub struct ReinstatedLog;

impl ehr_primitives::providers::OnReinstated<u64> for ReinstatedLog {
	fn on_reinstated(who: &u64) {
		Reinstatements::mutate(|told| told.push(*who));
	}
}

// Accounts.
pub const HOSPITAL: u64 = 1;
pub const CLINIC: u64 = 2;
/// An organisation that cannot afford its deposit.
pub const SHOESTRING: u64 = 3;
pub const ALICE: u64 = 11;
pub const BOB: u64 = 12;
pub const CAROL: u64 = 13;
pub const DAVE: u64 = 14;
pub const NOBODY: u64 = 99;

/// The chain's clock at the start of every test (unix milliseconds).
pub const NOW: u64 = 1_700_000_000_000;
pub const DAY: u64 = 24 * 60 * 60 * 1000;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(HOSPITAL, 1_000), (CLINIC, 1_000), (SHOESTRING, ORGANISATION_DEPOSIT / 2)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(NOW);
	});
	ext
}
