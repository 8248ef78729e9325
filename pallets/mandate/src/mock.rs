//! A test runtime: System and the mandate, with account 1 as the council.

use crate as pallet_mandate;
use frame_support::{derive_impl, ord_parameter_types};
use frame_system::EnsureSignedBy;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Mandate: pallet_mandate,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

ord_parameter_types! {
	pub const Council: u64 = COUNCIL;
}

/// The account that stands for an approved motion of the council.
pub const COUNCIL: u64 = 1;

impl pallet_mandate::Config for Test {
	type RuntimeCall = RuntimeCall;
	type MandateOrigin = EnsureSignedBy<Council, u64>;
	type WeightInfo = ();
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
