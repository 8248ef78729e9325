//! A test runtime: System, Timestamp and the audit pallet, with a registry and consents
//! whose answers the tests set (the real pallets are tested in their own crates and together
//! in the runtime).

use crate as pallet_audit;
use core::cell::RefCell;
use ehr_primitives::{
	consent::{
		BreakGlassPolicy, Category, ConsentDenial, ConsentInspect, ConsentMatch, ConsentReach,
		ConsentScope, ConsentWrites, Purpose,
	},
	providers::{
		ActivePractitioner, DepartmentId, PractitionerRole, ProviderDenial, ProviderInspect,
		UtcOffset,
	},
	Moment,
};
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;
use std::collections::{BTreeMap, BTreeSet};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Audit: pallet_audit,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	// The database weights `()`'s weights are in: a request's refunds are in them too.
	type DbWeight = frame_support::weights::constants::ParityDbWeight;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

pub const WINDOW: u32 = 4;
pub const PATIENT_LOG: u32 = 3;
pub const HOUR: u64 = 60 * 60 * 1000;
pub const DAY: u64 = 24 * HOUR;
pub const EMERGENCY_GRANT: u64 = 4 * HOUR;
pub const MAX_OPEN_EMERGENCIES: u32 = 2;
pub const MAX_REFERRAL: u64 = 7 * DAY;
pub const OVERRIDE_PERIOD: u64 = 7 * DAY;
pub const CARE_LOOKBACK: u64 = 4 * DAY;

impl pallet_audit::Config for Test {
	type Providers = MockRegistry;
	type Consents = MockConsents;
	type Time = Timestamp;
	type ReviewOrigin = EnsureRoot<u64>;
	type EmergencyGrantDuration = ConstU64<EMERGENCY_GRANT>;
	type VerdictOverridePeriod = ConstU64<OVERRIDE_PERIOD>;
	type MaxOpenEmergencies = ConstU32<MAX_OPEN_EMERGENCIES>;
	type MaxReferralDuration = ConstU64<MAX_REFERRAL>;
	type CareLookback = ConstU64<CARE_LOOKBACK>;
	type WindowLength = ConstU32<WINDOW>;
	type PatientLogLength = ConstU32<PATIENT_LOG>;
	type MaxTouchedPerBlock = ConstU32<100_000>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockRegistry;
}

// Accounts.
pub const HOSPITAL: u64 = 10;
pub const CLINIC: u64 = 20;
/// An active physician of `HOSPITAL`.
pub const PHYSICIAN: u64 = 11;
/// An active nurse of `HOSPITAL`.
pub const NURSE: u64 = 12;
/// An active physician of `HOSPITAL` on another ward, called to consult.
pub const CONSULTANT: u64 = 13;
/// An active physician of `CLINIC`.
pub const LOCUM: u64 = 21;
pub const PATIENT: u64 = 1;
pub const OTHER_PATIENT: u64 = 2;
pub const STRANGER: u64 = 99;

/// The chain's clock at the start of every test (unix milliseconds).
pub const NOW: u64 = 1_700_000_000_000;

/// A registered practitioner of the mock registry, and why it is refused if it is.
type Registration = (ActivePractitioner<u64>, Option<ProviderDenial>);

thread_local! {
	static REGISTRY: RefCell<BTreeMap<u64, Registration>> = const { RefCell::new(BTreeMap::new()) };
	static CONSENTS: RefCell<BTreeMap<(u64, u64), Result<ConsentMatch, ConsentDenial>>> =
		const { RefCell::new(BTreeMap::new()) };
	static USES: RefCell<u32> = const { RefCell::new(0) };
	static WRITES: RefCell<ConsentWrites> = const { RefCell::new(ConsentWrites::Nothing) };
	static OPTED_OUT: RefCell<BTreeSet<u64>> = const { RefCell::new(BTreeSet::new()) };
	static RESTRICTED: RefCell<BTreeSet<u64>> = const { RefCell::new(BTreeSet::new()) };
}

/// The registry: practitioners with their organisation, role and, if they may not act, why.
pub struct MockRegistry;

impl MockRegistry {
	pub fn set(
		who: u64,
		organisation: u64,
		role: PractitionerRole,
		denial: Option<ProviderDenial>,
	) {
		REGISTRY.with(|r| {
			let member = ActivePractitioner { organisation, role, utc_offset: 0 };
			r.borrow_mut().insert(who, (member, denial))
		});
	}

	/// `who`'s organisation is `utc_offset` minutes east of UTC (at UTC otherwise).
	pub fn set_utc_offset(who: u64, utc_offset: UtcOffset) {
		REGISTRY.with(|r| {
			if let Some(entry) = r.borrow_mut().get_mut(&who) {
				entry.0.utc_offset = utc_offset;
			}
		});
	}

	/// Stop (or, with `None`, restore) a registered practitioner.
	pub fn set_standing(who: u64, denial: Option<ProviderDenial>) {
		REGISTRY.with(|r| {
			if let Some(entry) = r.borrow_mut().get_mut(&who) {
				entry.1 = denial;
			}
		});
	}
}

impl ProviderInspect<u64> for MockRegistry {
	fn active_practitioner(
		who: &u64,
		_now: Moment,
	) -> Result<ActivePractitioner<u64>, ProviderDenial> {
		match REGISTRY.with(|r| r.borrow().get(who).cloned()) {
			None => Err(ProviderDenial::Unknown),
			Some((_, Some(denial))) => Err(denial),
			Some((member, None)) => Ok(member),
		}
	}

	fn membership(who: &u64) -> Option<ActivePractitioner<u64>> {
		REGISTRY.with(|r| r.borrow().get(who).map(|(member, _)| member.clone()))
	}

	/// No practitioner here has a department.
	fn ward_of(_who: &u64) -> Option<(u64, DepartmentId)> {
		None
	}

	fn is_active_organisation(who: &u64, _now: Moment) -> bool {
		*who == HOSPITAL || *who == CLINIC
	}
}

/// Consents: per (patient, grantee) the answer a request gets, whatever the category.
pub struct MockConsents;

impl MockConsents {
	pub fn set(patient: u64, grantee: u64, answer: Result<ConsentMatch, ConsentDenial>) {
		CONSENTS.with(|c| c.borrow_mut().insert((patient, grantee), answer));
	}

	pub fn grant(patient: u64, grantee: u64, consent: u64, scope: ConsentScope) {
		Self::set(patient, grantee, Ok(ConsentMatch { consent, scope }));
	}

	pub fn revoke(patient: u64, grantee: u64) {
		CONSENTS.with(|c| c.borrow_mut().remove(&(patient, grantee)));
	}

	pub fn opt_out(patient: u64) {
		OPTED_OUT.with(|o| o.borrow_mut().insert(patient));
	}

	pub fn restrict(patient: u64, restricted: bool) {
		RESTRICTED.with(|r| match restricted {
			true => r.borrow_mut().insert(patient),
			false => r.borrow_mut().remove(&patient),
		});
	}

	/// Accesses counted by `use_consent`.
	pub fn uses() -> u32 {
		USES.with(|u| *u.borrow())
	}

	/// What `use_consent` says it wrote from now on (`Nothing` until then).
	pub fn writes(writes: ConsentWrites) {
		WRITES.with(|w| *w.borrow_mut() = writes);
	}
}

impl ConsentInspect<u64> for MockConsents {
	fn check(
		patient: &u64,
		practitioner: &u64,
		organisation: &u64,
		_category: Category,
		_purpose: Purpose,
		_now: Moment,
		reach: ConsentReach,
	) -> Result<ConsentMatch, ConsentDenial> {
		let answer =
			|grantee: &u64| CONSENTS.with(|c| c.borrow().get(&(*patient, *grantee)).copied());
		let by_organisation = match (reach, answer(organisation)) {
			(ConsentReach::PractitionerOnly, Some(Ok(_))) => {
				Some(Err(ConsentDenial::RecordRestricted))
			},
			(_, answer) => answer,
		};
		match (answer(practitioner), by_organisation) {
			(Some(Ok(found)), _) | (_, Some(Ok(found))) => Ok(found),
			(Some(Err(denial)), _) | (_, Some(Err(denial))) => Err(denial),
			(None, None) => Err(ConsentDenial::NoConsent),
		}
	}

	fn use_consent(
		patient: &u64,
		practitioner: &u64,
		organisation: &u64,
		category: Category,
		purpose: Purpose,
		now: Moment,
		reach: ConsentReach,
	) -> (Result<ConsentMatch, ConsentDenial>, ConsentWrites) {
		let answer =
			Self::check(patient, practitioner, organisation, category, purpose, now, reach);
		if answer.is_ok() {
			USES.with(|u| *u.borrow_mut() += 1);
		}
		(answer, WRITES.with(|w| *w.borrow()))
	}

	fn is_restricted(patient: &u64) -> bool {
		RESTRICTED.with(|r| r.borrow().contains(patient))
	}

	fn break_glass_policy(patient: &u64) -> BreakGlassPolicy {
		if OPTED_OUT.with(|o| o.borrow().contains(patient)) {
			BreakGlassPolicy::OptedOut
		} else {
			BreakGlassPolicy::Allowed
		}
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<u64> for MockRegistry {
	fn active_practitioner() -> (u64, u64) {
		Self::set(PHYSICIAN, HOSPITAL, PractitionerRole::Physician, None);
		(PHYSICIAN, HOSPITAL)
	}

	fn colleague(organisation: &u64) -> u64 {
		Self::set(CONSULTANT, *organisation, PractitionerRole::Physician, None);
		CONSULTANT
	}

	fn pass_time(by: u64) {
		Timestamp::set_timestamp(pallet_timestamp::Now::<Test>::get() + by);
	}

	fn costliest_consents(
		patient: &u64,
		practitioner: &u64,
		_organisation: &u64,
		_category: Category,
		_purpose: Purpose,
	) {
		MockConsents::set(*patient, *practitioner, Err(ConsentDenial::ConsentExhausted));
	}

	fn restrict(patient: &u64) {
		MockConsents::restrict(*patient, true);
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(NOW);
		REGISTRY.with(|r| r.borrow_mut().clear());
		CONSENTS.with(|c| c.borrow_mut().clear());
		OPTED_OUT.with(|o| o.borrow_mut().clear());
		RESTRICTED.with(|r| r.borrow_mut().clear());
		USES.with(|u| *u.borrow_mut() = 0);
		MockRegistry::set(PHYSICIAN, HOSPITAL, PractitionerRole::Physician, None);
		MockRegistry::set(NURSE, HOSPITAL, PractitionerRole::Nurse, None);
		MockRegistry::set(LOCUM, CLINIC, PractitionerRole::Physician, None);
		MockRegistry::set(CONSULTANT, HOSPITAL, PractitionerRole::Physician, None);
	});
	ext
}

/// Start the next block at `now`, as the executive would (hooks included).
pub fn next_block(now: u64) {
	use frame_support::traits::Hooks;
	let next = System::block_number() + 1;
	System::set_block_number(next);
	System::reset_events();
	pallet_timestamp::Now::<Test>::put(now);
	Audit::on_initialize(next);
}
