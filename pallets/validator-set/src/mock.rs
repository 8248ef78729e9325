//! A test runtime: System and the validator set, with account 1 as the council and accounts
//! below 100 holding session keys.

use crate as pallet_validator_set;
use frame_support::{
	derive_impl, ord_parameter_types, parameter_types, traits::ValidatorRegistration,
};
use frame_system::EnsureSignedBy;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		ValidatorSet: pallet_validator_set,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

ord_parameter_types! {
	pub const Council: u64 = COUNCIL;
}

parameter_types! {
	pub const SessionPeriod: u64 = PERIOD;
}

/// The account that stands for an approved motion of the council.
pub const COUNCIL: u64 = 1;
/// Blocks per session.
pub const PERIOD: u64 = 10;
/// The genesis validators.
pub const GENESIS: [u64; 3] = [10, 11, 12];
/// An account with registered session keys that is not a validator.
pub const CANDIDATE: u64 = 13;
/// An account without session keys.
pub const UNREGISTERED: u64 = 100;

thread_local! {
	/// Accounts at or above 100 whose keys a benchmark registered.
	static REGISTERED: core::cell::RefCell<std::collections::BTreeSet<u64>> = Default::default();
}

/// Accounts below 100 have registered session keys, and those a benchmark registers.
pub struct SessionKeys;
impl ValidatorRegistration<u64> for SessionKeys {
	fn is_registered(who: &u64) -> bool {
		*who < 100 || REGISTERED.with(|registered| registered.borrow().contains(who))
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<u64> for SessionKeys {
	fn register_keys(who: &u64) {
		REGISTERED.with(|registered| registered.borrow_mut().insert(*who));
	}
}

impl pallet_validator_set::Config for Test {
	type GovernanceOrigin = EnsureSignedBy<Council, u64>;
	type Registration = SessionKeys;
	type MinValidators = frame_support::traits::ConstU32<3>;
	type MaxValidators = frame_support::traits::ConstU32<5>;
	type SessionPeriod = SessionPeriod;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = SessionKeys;
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_validator_set::GenesisConfig::<Test> { validators: GENESIS.to_vec() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
