//! A test runtime: System, Timestamp, Balances, the real consent pallet (consents, guardians,
//! restrictions) and the records pallet, with a provider registry whose answers the tests set.

use crate as pallet_records;
use core::cell::RefCell;
use ehr_primitives::{
	providers::{
		ActivePractitioner, DepartmentId, PractitionerRole, ProviderDenial, ProviderInspect,
	},
	Moment,
};
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::BuildStorage;
use std::collections::BTreeMap;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Balances: pallet_balances,
		Consent: pallet_consent,
		Records: pallet_records,
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

impl pallet_consent::Config for Test {
	type Time = Timestamp;
	type MaxConsentsPerPatient = ConstU32<8>;
	type MaxConsentsPerGrantee = ConstU32<4>;
	type MaxGuardians = ConstU32<2>;
	type Providers = Registry;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Registry;
}

pub const RECORD_DEPOSIT: u64 = 10;
pub const VERSION_DEPOSIT: u64 = 2;
pub const MAX_VERSIONS: u32 = 3;
pub const MAX_RECORDS: u32 = 3;
pub const HOUR: u64 = 60 * 60 * 1000;
pub const DAY: u64 = 24 * HOUR;
pub const ERASURE_PERIOD: u64 = 30 * DAY;

impl pallet_records::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type Providers = Registry;
	type Consents = Consent;
	type Agents = Consent;
	type RecordDeposit = ConstU64<RECORD_DEPOSIT>;
	type VersionDeposit = ConstU64<VERSION_DEPOSIT>;
	type MaxVersionsPerRecord = ConstU32<MAX_VERSIONS>;
	type MaxRecordsPerPatient = ConstU32<MAX_RECORDS>;
	type ErasurePeriod = ConstU64<ERASURE_PERIOD>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Registry;
}

// Accounts.
pub const PATIENT: u64 = 1;
pub const OTHER_PATIENT: u64 = 2;
pub const PARENT: u64 = 3;
pub const STRANGER: u64 = 99;
pub const HOSPITAL: u64 = 10;
/// An active physician of `HOSPITAL`.
pub const PHYSICIAN: u64 = 11;
/// Another active practitioner of `HOSPITAL`.
pub const NURSE: u64 = 12;
pub const CLINIC: u64 = 20;
/// An active physician of `CLINIC`.
pub const LOCUM: u64 = 21;
/// An organisation without funds for deposits.
pub const POOR_LAB: u64 = 30;
/// An active practitioner of `POOR_LAB`.
pub const TECHNICIAN: u64 = 31;

/// The chain's clock at the start of every test (unix milliseconds).
pub const NOW: u64 = 1_700_000_000_000;
/// What every funded account starts with.
pub const FUNDS: u64 = 1_000;

thread_local! {
	static REGISTRY: RefCell<BTreeMap<u64, (u64, Option<ProviderDenial>)>> =
		RefCell::new(BTreeMap::from([
			(PHYSICIAN, (HOSPITAL, None)),
			(NURSE, (HOSPITAL, None)),
			(LOCUM, (CLINIC, None)),
			(TECHNICIAN, (POOR_LAB, None)),
		]));
}

/// The provider registry: practitioners with their organisation and, if they may not act, why;
/// `HOSPITAL`, `CLINIC` and `POOR_LAB` are active organisations.
pub struct Registry;

impl Registry {
	/// Stop (or, with `None`, restore) a practitioner.
	pub fn set_standing(who: u64, denial: Option<ProviderDenial>) {
		REGISTRY.with(|r| {
			if let Some(entry) = r.borrow_mut().get_mut(&who) {
				entry.1 = denial;
			}
		});
	}
}

impl ProviderInspect<u64> for Registry {
	fn active_practitioner(
		who: &u64,
		_now: Moment,
	) -> Result<ActivePractitioner<u64>, ProviderDenial> {
		match REGISTRY.with(|r| r.borrow().get(who).copied()) {
			None => Err(ProviderDenial::Unknown),
			Some((_, Some(denial))) => Err(denial),
			Some((organisation, None)) => Ok(ActivePractitioner {
				organisation,
				role: PractitionerRole::Physician,
				utc_offset: 0,
			}),
		}
	}

	fn membership(who: &u64) -> Option<ActivePractitioner<u64>> {
		Self::active_practitioner(who, 0).ok()
	}

	fn ward_of(_who: &u64) -> Option<(u64, DepartmentId)> {
		None
	}

	fn is_active_organisation(who: &u64, _now: Moment) -> bool {
		[HOSPITAL, CLINIC, POOR_LAB].contains(who)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_consent::BenchmarkHelper<u64> for Registry {
	fn active_organisation() -> u64 {
		HOSPITAL
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_records::BenchmarkHelper<u64> for Registry {
	fn practitioner_with_consent(category: crate::Category) -> (u64, u64, u64) {
		use pallet_consent::{Categories, CategoryList, ConsentTerms, Grantee};
		let terms = ConsentTerms {
			categories: Categories::Only(CategoryList::truncate_from(vec![category])),
			purposes: pallet_consent::PurposeList::truncate_from(vec![
				pallet_consent::Purpose::Treatment,
			]),
			from: 0,
			until: None,
			max_accesses: None,
		};
		let granted = Consent::grant(
			RuntimeOrigin::signed(PATIENT),
			None,
			Grantee::Organisation(HOSPITAL),
			terms,
		);
		assert!(granted.is_ok(), "consent granted: {granted:?}");
		(PHYSICIAN, HOSPITAL, PATIENT)
	}

	fn guardian(patient: &u64) -> u64 {
		let named = Consent::set_guardian(RuntimeOrigin::signed(*patient), PARENT, None);
		assert!(named.is_ok(), "guardian named: {named:?}");
		PARENT
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [PATIENT, OTHER_PATIENT, HOSPITAL, CLINIC, PHYSICIAN, STRANGER]
			.into_iter()
			.map(|who| (who, FUNDS))
			.collect(),
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

/// Move the chain's clock `by` milliseconds on (a later block).
pub fn pass(by: u64) {
	System::set_block_number(System::block_number() + 1);
	pallet_timestamp::Now::<Test>::mutate(|now| *now += by);
}
