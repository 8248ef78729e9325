//! A test runtime: System, Timestamp and the sentinel pallet, with a provider registry and an
//! access log whose answers the tests set, accounts and signatures as the real runtime's
//! (`AccountId32`, `MultiSignature`), and offchain externalities (keystore, transaction pool,
//! a scoring extension standing in for the node's model).

use crate as pallet_sentinel;
use core::cell::RefCell;
use ehr_primitives::{
	anomaly::{AnomalyScorer, AnomalyScorerExt, ScorePpm},
	audit::{block_of, AccessDecision, AccessLog, AccessOutcome, DenyReason, LatestDecisions},
	consent::{ConsentDenial, Purpose, StandardCategory},
	features::{Features, WorkingHours},
	providers::{
		ActivePractitioner, DepartmentId, OnReinstated, PractitionerRole, ProviderDenial,
		ProviderInspect, ProviderStatusManager, StatusReason,
	},
	Moment,
};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
};
use frame_system::{
	offchain::{
		CreateAuthorizedTransaction, CreateTransaction, CreateTransactionBase, SigningTypes,
	},
	EnsureRoot,
};
use sp_core::{
	offchain::{testing, OffchainDbExt, OffchainWorkerExt, TransactionPoolExt},
	sr25519, Pair, H256,
};
use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
use sp_runtime::{
	traits::IdentityLookup, AccountId32, BuildStorage, DispatchResult, MultiSignature, MultiSigner,
	Perbill,
};
use std::{
	collections::BTreeMap,
	sync::{Arc, Mutex},
};

pub type AccountId = AccountId32;
pub type Extrinsic =
	sp_runtime::generic::UncheckedExtrinsic<AccountId, RuntimeCall, MultiSignature, ()>;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Sentinel: pallet_sentinel,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

impl SigningTypes for Test {
	type Public = MultiSigner;
	type Signature = MultiSignature;
}

impl<C> CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = Extrinsic;
}

impl<C> CreateTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extension = ();

	fn create_transaction(call: RuntimeCall, extension: ()) -> Extrinsic {
		Extrinsic::new_transaction(call, extension)
	}
}

impl<C> CreateAuthorizedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_extension() {}
}

/// Reports count for this many blocks.
pub const REPORT_LIFETIME: u64 = 10;
pub const MAX_SENTINELS: u32 = 3;
pub const MAX_AUTO_SUSPENSIONS: u32 = 3;
/// A "day" of the circuit breaker, and the review period, in blocks.
pub const DAY: u64 = 100;
pub const REVIEW_PERIOD: u64 = 20;

parameter_types! {
	/// Two thirds, rounded up: a quorum is more than two thirds of the sentinels.
	pub TwoThirds: Perbill = Perbill::from_parts(666_666_667);
	/// Tests set it to 0 to see a run out of time.
	pub static WorkerBudget: u64 = 10_000;
}

impl pallet_sentinel::Config for Test {
	type AuthorityId = pallet_sentinel::crypto::SentinelId;
	type Providers = MockRegistry;
	type AccessLog = MockLog;
	type Time = Timestamp;
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type MaxSentinels = ConstU32<MAX_SENTINELS>;
	type ReportLifetime = ConstU64<REPORT_LIFETIME>;
	type MinQuorum = TwoThirds;
	type MaxAutoSuspensionsPerDay = ConstU32<MAX_AUTO_SUSPENSIONS>;
	type AutoSuspensionPeriod = ConstU64<DAY>;
	type ReviewPeriod = ConstU64<REVIEW_PERIOD>;
	type WorkerBudget = WorkerBudget;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockRegistry;
}

pub fn account(n: u8) -> AccountId {
	AccountId32::new([n; 32])
}

/// The sentinel key made from seed `n`.
pub fn key(n: u8) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[n; 32])
}

pub fn key_account(n: u8) -> AccountId {
	AccountId32::from(key(n).public())
}

// Accounts. Sentinels are their keys' accounts.
pub fn sentinel_a() -> AccountId {
	key_account(1)
}
pub fn sentinel_b() -> AccountId {
	key_account(2)
}
/// A key whose account is no sentinel (until a test adds it).
pub fn stranger() -> AccountId {
	key_account(9)
}
pub fn physician() -> AccountId {
	account(11)
}
pub fn nurse() -> AccountId {
	account(12)
}
pub fn hospital() -> AccountId {
	account(10)
}

/// The approved model's sha256 in the tests.
pub const MODEL: H256 = H256::repeat_byte(7);
/// The chain's clock at the start of every test (unix milliseconds).
pub const NOW: u64 = 1_700_000_000_000;

thread_local! {
	/// Practitioners and, if they may not act, why.
	static REGISTRY: RefCell<BTreeMap<AccountId, Option<ProviderDenial>>> = const { RefCell::new(BTreeMap::new()) };
	static SUSPENSIONS: RefCell<Vec<(AccountId, StatusReason)>> = const { RefCell::new(Vec::new()) };
	static LIFTED: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	static TOUCHED: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	static WINDOWS: RefCell<BTreeMap<AccountId, Vec<AccessDecision<AccountId>>>> = const { RefCell::new(BTreeMap::new()) };
	static DEPARTMENTS: RefCell<BTreeMap<AccountId, DepartmentId>> = const { RefCell::new(BTreeMap::new()) };
	static WORKING_HOURS: RefCell<BTreeMap<AccountId, WorkingHours>> = const { RefCell::new(BTreeMap::new()) };
	/// Roles other than physician.
	static ROLES: RefCell<BTreeMap<AccountId, PractitionerRole>> = const { RefCell::new(BTreeMap::new()) };
}

pub struct MockRegistry;

impl MockRegistry {
	pub fn set(who: AccountId, denial: Option<ProviderDenial>) {
		REGISTRY.with(|r| r.borrow_mut().insert(who, denial));
	}

	/// `who` is a practitioner of the hospital in `role` (a physician otherwise).
	pub fn set_role(who: AccountId, role: PractitionerRole) {
		ROLES.with(|r| r.borrow_mut().insert(who, role));
	}

	/// The hospital assigns `who` to `department`.
	pub fn assign(who: AccountId, department: DepartmentId) {
		DEPARTMENTS.with(|d| d.borrow_mut().insert(who, department));
	}

	/// The suspensions the pallet asked for, in order.
	pub fn suspensions() -> Vec<(AccountId, StatusReason)> {
		SUSPENSIONS.with(|s| s.borrow().clone())
	}

	/// The anomaly suspensions the pallet lifted, in order.
	pub fn lifted() -> Vec<AccountId> {
		LIFTED.with(|l| l.borrow().clone())
	}

	/// Whether `who` may act now.
	pub fn is_active(who: &AccountId) -> bool {
		Self::active_practitioner(who, 0).is_ok()
	}

	/// The registrar reinstates `who`, and the registry tells the runtime.
	pub fn reinstate(who: AccountId) {
		Self::set(who.clone(), None);
		<Sentinel as OnReinstated<AccountId>>::on_reinstated(&who);
	}
}

impl ProviderInspect<AccountId> for MockRegistry {
	fn active_practitioner(
		who: &AccountId,
		_now: Moment,
	) -> Result<ActivePractitioner<AccountId>, ProviderDenial> {
		match REGISTRY.with(|r| r.borrow().get(who).cloned()) {
			None => Err(ProviderDenial::Unknown),
			Some(Some(denial)) => Err(denial),
			Some(None) => Ok(ActivePractitioner {
				organisation: hospital(),
				role: ROLES
					.with(|r| r.borrow().get(who).copied())
					.unwrap_or(PractitionerRole::Physician),
				utc_offset: 0,
			}),
		}
	}

	fn membership(who: &AccountId) -> Option<ActivePractitioner<AccountId>> {
		Self::active_practitioner(who, 0).ok()
	}

	fn ward_of(who: &AccountId) -> Option<(AccountId, DepartmentId)> {
		DEPARTMENTS.with(|d| d.borrow().get(who).map(|department| (hospital(), *department)))
	}

	fn is_active_organisation(who: &AccountId, _now: Moment) -> bool {
		*who == hospital()
	}
}

impl ProviderStatusManager<AccountId> for MockRegistry {
	fn suspend(who: &AccountId, reason: StatusReason) -> DispatchResult {
		Self::active_practitioner(who, 0).map_err(|_| "not active")?;
		Self::set(who.clone(), Some(ProviderDenial::Suspended));
		SUSPENSIONS.with(|s| s.borrow_mut().push((who.clone(), reason)));
		Ok(())
	}

	/// As the registry: only a practitioner still suspended for an anomaly, and it tells the
	/// runtime.
	fn lift_anomaly_suspension(who: &AccountId) -> DispatchResult {
		let suspended = REGISTRY.with(|r| r.borrow().get(who).cloned())
			== Some(Some(ProviderDenial::Suspended));
		let last_reason = Self::suspensions().into_iter().rev().find(|(p, _)| p == who);
		let for_anomaly = matches!(last_reason, Some((_, StatusReason::AnomalyDetected { .. })));
		if !(suspended && for_anomaly) {
			return Err("not suspended for an anomaly".into());
		}
		LIFTED.with(|l| l.borrow_mut().push(who.clone()));
		Self::reinstate(who.clone());
		Ok(())
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockRegistry {
	fn active_practitioners(n: u32) -> Vec<(AccountId, ehr_primitives::audit::AccessSeq)> {
		let block = System::block_number() as u32;
		(0..n)
			.map(|i| {
				let practitioner = key_account(100u8.saturating_add(i as u8));
				Self::set(practitioner.clone(), None);
				let seq = (u64::from(block) << 32) | u64::from(i + 1);
				MockLog::touch(practitioner.clone(), 1, seq);
				(practitioner, seq)
			})
			.collect()
	}
}

/// The access log: who made requests in this block, and each one's window.
pub struct MockLog;

impl MockLog {
	/// `practitioner` made `requests` denied requests in the block of `last`, the last one
	/// numbered `last` (the ones before it `last - 1`, ...): they join its window (the last
	/// 64), and it is touched.
	pub fn touch(practitioner: AccountId, requests: u64, last: u64) {
		let decision = |seq: u64| AccessDecision {
			seq,
			at: NOW,
			block: block_of(seq),
			practitioner: practitioner.clone(),
			organisation: Some(hospital()),
			role: Some(PractitionerRole::Physician),
			patient: account(100),
			category: StandardCategory::ClinicalNotes.into(),
			purpose: Purpose::Treatment,
			emergency: false,
			restricted: false,
			outcome: AccessOutcome::Denied {
				reason: DenyReason::Consent(ConsentDenial::NoConsent),
			},
		};
		TOUCHED.with(|t| {
			let mut touched = t.borrow_mut();
			if !touched.contains(&practitioner) {
				touched.push(practitioner.clone());
			}
		});
		WINDOWS.with(|w| {
			let mut windows = w.borrow_mut();
			let window = windows.entry(practitioner.clone()).or_default();
			window.extend((last + 1 - requests..=last).map(decision));
			let excess = window.len().saturating_sub(64);
			window.drain(..excess);
		});
	}

	/// A new block: nobody is touched yet.
	pub fn next_block() {
		TOUCHED.with(|t| t.borrow_mut().clear());
	}

	/// `practitioner` worked at `hours` (none by default).
	pub fn worked(practitioner: AccountId, hours: WorkingHours) {
		WORKING_HOURS.with(|w| w.borrow_mut().insert(practitioner, hours));
	}
}

impl AccessLog<AccountId> for MockLog {
	fn touched() -> Vec<AccountId> {
		TOUCHED.with(|t| t.borrow().clone())
	}

	fn window(practitioner: &AccountId) -> Vec<AccessDecision<AccountId>> {
		WINDOWS.with(|w| w.borrow().get(practitioner).cloned().unwrap_or_default())
	}

	fn working_hours(practitioner: &AccountId) -> WorkingHours {
		WORKING_HOURS.with(|w| w.borrow().get(practitioner).copied().unwrap_or_default())
	}

	fn patient_log(patient: AccountId) -> impl Iterator<Item = AccessDecision<AccountId>> {
		let mut log: Vec<_> = WINDOWS.with(|w| {
			w.borrow().values().flatten().filter(|d| d.patient == patient).cloned().collect()
		});
		log.sort_by_key(|d| core::cmp::Reverse(d.seq));
		log.into_iter()
	}

	/// Nobody is referred here: the care features are the audit pallet's and the model's
	/// business, tested there.
	fn referral_until(_consultant: &AccountId, _patient: &AccountId) -> Option<Moment> {
		None
	}

	fn referrals_of(_consultant: &AccountId, _at_most: usize) -> Option<Vec<(AccountId, Moment)>> {
		Some(Vec::new())
	}

	fn latest_decisions(practitioner: &AccountId) -> Option<LatestDecisions> {
		let window = Self::window(practitioner);
		let newest = window.last()?;
		let before_newest_block =
			window.iter().rev().find(|d| d.block < newest.block).map_or(0, |d| d.seq);
		Some(LatestDecisions { newest: newest.seq, before_newest_block })
	}
}

/// The node's model as the tests see it: scores each practitioner by its window's `fill`
/// feature (how full its window is), knows its own sha256, and records what it was asked.
#[derive(Clone, Default)]
pub struct MockModel {
	/// The features it was asked to score, batch by batch.
	pub batches: Arc<Mutex<Vec<Vec<Features>>>>,
	pub sha256: [u8; 32],
}

impl AnomalyScorer for MockModel {
	fn score(&mut self, approved: &[u8; 32], batch: &[Features]) -> Option<Vec<ScorePpm>> {
		if *approved != self.sha256 {
			return None;
		}
		self.batches.lock().ok()?.push(batch.to_vec());
		Some(batch.iter().map(|f| ehr_primitives::anomaly::to_ppm(f.window[0])).collect())
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_sentinel::GenesisConfig::<Test> {
		sentinels: vec![sentinel_a(), sentinel_b()],
		threshold_ppm: None,
		// More than two thirds: of two sentinels, both.
		quorum: None,
		approved_model: Some(MODEL),
		calibration: None,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	// The benchmarks generate sentinel keys.
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(NOW);
		REGISTRY.with(|r| r.borrow_mut().clear());
		SUSPENSIONS.with(|s| s.borrow_mut().clear());
		LIFTED.with(|l| l.borrow_mut().clear());
		TOUCHED.with(|t| t.borrow_mut().clear());
		WINDOWS.with(|w| w.borrow_mut().clear());
		DEPARTMENTS.with(|d| d.borrow_mut().clear());
		ROLES.with(|r| r.borrow_mut().clear());
		MockRegistry::set(physician(), None);
		MockRegistry::set(nurse(), None);
	});
	ext
}

/// What an offchain worker test inspects after the run.
pub struct Offchain {
	pub pool: Arc<parking_lot::RwLock<testing::PoolState>>,
	pub model: MockModel,
}

/// The test externalities of an offchain worker: a keystore holding a sentinel key whose
/// account is registered as a sentinel (when `registered`), a transaction pool, and the node's
/// model (when `model` names its sha256).
pub fn offchain_ext(
	registered: bool,
	model: Option<H256>,
) -> (sp_io::TestExternalities, Offchain, AccountId) {
	let keystore = MemoryKeystore::new();
	let key = keystore
		.sr25519_generate_new(crate::KEY_TYPE, Some("//Sentinel"))
		.expect("the memory keystore generates keys");
	let sentinel = AccountId32::from(key.0);
	let mut ext = new_test_ext();
	let (offchain, _) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.register_extension(KeystoreExt::new(keystore));
	let mock = MockModel { sha256: model.unwrap_or_default().0, ..Default::default() };
	if model.is_some() {
		ext.register_extension(AnomalyScorerExt(Box::new(mock.clone())));
	}
	if registered {
		ext.execute_with(|| {
			pallet_sentinel::Sentinels::<Test>::mutate(|s| {
				s.try_push(sentinel.clone()).unwrap();
				s.sort();
			})
		});
	}
	(ext, Offchain { pool: pool_state, model: mock }, sentinel)
}
