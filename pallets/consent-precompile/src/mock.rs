//! A test runtime: System, Balances, Timestamp, the real consent pallet, pallet-revive with the
//! consent precompile, and a registry of three practitioners.

use crate as pallet_consent_precompile;
use ehr_primitives::{
	consent::{Category, Purpose, StandardCategory},
	providers::{
		ActivePractitioner, DepartmentId, PractitionerRole, ProviderDenial, ProviderInspect,
	},
};
use frame_support::{
	derive_impl,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, VariantCountOf},
};
use pallet_consent::{Categories, ConsentTerms, Grantee};
use sp_runtime::{AccountId32, BuildStorage};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = AccountId32;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeTask,
		RuntimeHoldReason,
		RuntimeFreezeReason
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(3)]
	pub type Consent = pallet_consent;
	#[runtime::pallet_index(4)]
	pub type Revive = pallet_revive;
	#[runtime::pallet_index(5)]
	pub type ConsentPrecompile = pallet_consent_precompile;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<u128>;
	type OnNewAccount = pallet_revive::AutoMapper<Test>;
	type OnKilledAccount = pallet_revive::AutoMapper<Test>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

impl pallet_consent::Config for Test {
	type Time = Timestamp;
	type MaxConsentsPerPatient = ConstU32<16>;
	type MaxConsentsPerGrantee = ConstU32<4>;
	type MaxGuardians = ConstU32<2>;
	type Providers = Registry;
	type WeightInfo = ();
}

#[derive_impl(pallet_revive::config_preludes::TestDefaultConfig)]
impl pallet_revive::Config for Test {
	type Balance = u128;
	type Currency = Balances;
	type Time = Timestamp;
	type AddressMapper = pallet_revive::AccountId32Mapper<Self>;
	type AutoMap = ConstBool<true>;
	type UploadOrigin = frame_system::EnsureSigned<AccountId>;
	type InstantiateOrigin = frame_system::EnsureSigned<AccountId>;
	type Precompiles = (crate::ConsentPrecompile<Self>,);
}

impl pallet_consent_precompile::Config for Test {
	type Consents = Consent;
	type Providers = Registry;
	type Clock = Timestamp;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Registry;
}

// Accounts: patients need no registration.
pub const PATIENT: AccountId = AccountId32::new([1; 32]);
pub const OTHER_PATIENT: AccountId = AccountId32::new([2; 32]);
/// A research organisation (a university hospital's research institute).
pub const INSTITUTE: AccountId = AccountId32::new([10; 32]);
/// A hospital.
pub const HOSPITAL: AccountId = AccountId32::new([20; 32]);
/// An active researcher of `INSTITUTE`.
pub const RESEARCHER: AccountId = AccountId32::new([11; 32]);
/// A suspended practitioner of `INSTITUTE`.
pub const SUSPENDED: AccountId = AccountId32::new([12; 32]);
/// An active physician of `HOSPITAL`.
pub const PHYSICIAN: AccountId = AccountId32::new([21; 32]);

/// The chain's clock at the start of every test (unix milliseconds).
pub const NOW: u64 = 1_700_000_000_000;
pub const DAY: u64 = 24 * 60 * 60 * 1000;

/// The registry as the precompile sees it: `RESEARCHER` and `PHYSICIAN` active, `SUSPENDED`
/// suspended; `INSTITUTE` and `HOSPITAL` active organisations.
pub struct Registry;

impl ProviderInspect<AccountId> for Registry {
	fn active_practitioner(
		who: &AccountId,
		_: u64,
	) -> Result<ActivePractitioner<AccountId>, ProviderDenial> {
		match Self::membership(who) {
			Some(_) if *who == SUSPENDED => Err(ProviderDenial::Suspended),
			Some(practitioner) => Ok(practitioner),
			None => Err(ProviderDenial::Unknown),
		}
	}

	fn membership(who: &AccountId) -> Option<ActivePractitioner<AccountId>> {
		let organisation = match who {
			w if *w == RESEARCHER || *w == SUSPENDED => INSTITUTE,
			w if *w == PHYSICIAN => HOSPITAL,
			_ => return None,
		};
		Some(ActivePractitioner { organisation, role: PractitionerRole::Physician, utc_offset: 0 })
	}

	fn ward_of(_: &AccountId) -> Option<(AccountId, DepartmentId)> {
		None
	}

	fn is_active_organisation(who: &AccountId, _: u64) -> bool {
		*who == INSTITUTE || *who == HOSPITAL
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for Registry {
	fn research_consent_worst_case() -> (AccountId, AccountId, StandardCategory) {
		fill_worst_case();
		(PATIENT, INSTITUTE, StandardCategory::Imaging)
	}

	fn active_practitioner() -> (AccountId, AccountId) {
		(RESEARCHER, INSTITUTE)
	}
}

/// Every account the tests use, funded (and so mapped to its address).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let accounts = [PATIENT, OTHER_PATIENT, INSTITUTE, HOSPITAL, RESEARCHER, SUSPENDED, PHYSICIAN];
	let storage = RuntimeGenesisConfig {
		balances: pallet_balances::GenesisConfig {
			balances: accounts.iter().map(|who| (who.clone(), 1_000_000_000_000_000)).collect(),
			..Default::default()
		},
		..Default::default()
	}
	.build_storage()
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(NOW);
	});
	ext
}

/// `patient` grants `grantee` a consent to `categories` for `purposes`, from now on, ending
/// at `until` if given.
pub fn grant(
	patient: &AccountId,
	grantee: Grantee<AccountId>,
	categories: &[Category],
	purposes: &[Purpose],
	until: Option<u64>,
) {
	let terms = ConsentTerms {
		categories: Categories::Only(categories.to_vec().try_into().unwrap()),
		purposes: purposes.to_vec().try_into().unwrap(),
		from: NOW,
		until,
		max_accesses: None,
	};
	Consent::grant(RuntimeOrigin::signed(patient.clone()), None, grantee, terms).unwrap();
}

/// The most `researchConsent` reads: `PATIENT`'s record restricted, and full lists of consents
/// to `INSTITUTE` (as organisation and as practitioner), each for a category other than
/// Imaging, and the last for treatment only: every consent is read, and research of Imaging is
/// refused with `PurposeNotCovered`.
pub fn fill_worst_case() {
	let others = [
		StandardCategory::Demographics,
		StandardCategory::Encounters,
		StandardCategory::Conditions,
	];
	for grantee in [Grantee::Practitioner(INSTITUTE), Grantee::Organisation(INSTITUTE)] {
		for category in others {
			grant(&PATIENT, grantee.clone(), &[category.into()], &[Purpose::Research], None);
		}
		grant(&PATIENT, grantee, &[StandardCategory::Imaging.into()], &[Purpose::Treatment], None);
	}
	Consent::set_restriction(RuntimeOrigin::signed(PATIENT), None, true).unwrap();
}
