//! A test runtime: System, Timestamp and the consent pallet.

use crate as pallet_consent;
use ehr_primitives::providers::{
	ActivePractitioner, DepartmentId, ProviderDenial, ProviderInspect,
};
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Consent: pallet_consent,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

pub const MAX_CONSENTS_PER_PATIENT: u32 = 4;
pub const MAX_CONSENTS_PER_GRANTEE: u32 = 3;
pub const MAX_GUARDIANS: u32 = 2;

impl pallet_consent::Config for Test {
	type Time = Timestamp;
	type MaxConsentsPerPatient = ConstU32<MAX_CONSENTS_PER_PATIENT>;
	type MaxConsentsPerGrantee = ConstU32<MAX_CONSENTS_PER_GRANTEE>;
	type MaxGuardians = ConstU32<MAX_GUARDIANS>;
	type Providers = Organisations;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Organisations;
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_consent::BenchmarkHelper<u64> for Organisations {
	fn active_organisation() -> u64 {
		HOSPITAL
	}
}

/// The registry as the consent pallet sees it: `HOSPITAL` and `CLINIC` are active
/// organisations, nothing else is registered.
pub struct Organisations;

impl ProviderInspect<u64> for Organisations {
	fn active_practitioner(_: &u64, _: u64) -> Result<ActivePractitioner<u64>, ProviderDenial> {
		Err(ProviderDenial::Unknown)
	}

	fn membership(_: &u64) -> Option<ActivePractitioner<u64>> {
		None
	}

	fn ward_of(_: &u64) -> Option<(u64, DepartmentId)> {
		None
	}

	fn is_active_organisation(who: &u64, _: u64) -> bool {
		[HOSPITAL, CLINIC].contains(who)
	}
}

// Accounts. Patients need no registration; the consent pallet does not know providers.
pub const PATIENT: u64 = 1;
pub const OTHER_PATIENT: u64 = 2;
pub const PARENT: u64 = 3;
pub const CARER: u64 = 4;
pub const STRANGER: u64 = 5;
pub const HOSPITAL: u64 = 10;
pub const CLINIC: u64 = 20;
/// A physician of `HOSPITAL`.
pub const PHYSICIAN: u64 = 11;
/// Another practitioner of `HOSPITAL`.
pub const NURSE: u64 = 12;

/// The chain's clock at the start of every test (unix milliseconds).
pub const NOW: u64 = 1_700_000_000_000;
pub const HOUR: u64 = 60 * 60 * 1000;
pub const DAY: u64 = 24 * HOUR;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(NOW);
	});
	ext
}

/// The salt `patient` shares with `organisation`'s custodian in these tests.
pub fn salt(patient: u64, organisation: u64) -> ehr_privacy::Salt {
	ehr_privacy::Salt(sp_io::hashing::blake2_256(&codec::Encode::encode(&(patient, organisation))))
}

/// Move the chain's clock to `now` (a later block).
pub fn set_now(now: u64) {
	System::set_block_number(System::block_number() + 1);
	pallet_timestamp::Now::<Test>::put(now);
}
