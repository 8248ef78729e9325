//! A test runtime: System, Timestamp and the sentinel pallet, with a provider registry and an
//! access log whose answers the tests set, accounts and signatures as the real runtime's
//! (`AccountId32`, `MultiSignature`), and offchain externalities (keystore, transaction pool,
//! a scoring extension standing in for the node's model).

use crate as pallet_sentinel;
use codec::Encode;
use core::cell::RefCell;
use ehr_primitives::{
	anomaly::{AnomalyScorer, AnomalyScorerExt, ScorePpm},
	audit::{AccessDecision, AccessLog, AccessOutcome, DenyReason},
	consent::{ConsentDenial, Purpose, RecordCategory},
	features::{Features, WorkingHours},
	providers::{
		ActivePractitioner, DepartmentId, PractitionerRole, ProviderDenial, ProviderInspect,
		ProviderStatusManager, StatusReason,
	},
	Moment,
};
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use frame_system::{
	offchain::{AppCrypto, CreateSignedTransaction, CreateTransactionBase, SigningTypes},
	EnsureRoot,
};
use sp_core::{
	offchain::{testing, OffchainDbExt, OffchainWorkerExt, TransactionPoolExt},
	H256,
};
use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
use sp_runtime::{
	traits::IdentityLookup, AccountId32, BuildStorage, DispatchResult, MultiSignature, MultiSigner,
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

impl<C> CreateSignedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<A: AppCrypto<MultiSigner, MultiSignature>>(
		call: RuntimeCall,
		public: MultiSigner,
		account: AccountId,
		_nonce: u32,
	) -> Option<Extrinsic> {
		let signature = A::sign(&call.encode(), public)?;
		Some(Extrinsic::new_signed(call, account, signature, ()))
	}
}

/// Reports count for this many blocks.
pub const REPORT_LIFETIME: u64 = 10;
pub const MAX_SENTINELS: u32 = 3;

impl pallet_sentinel::Config for Test {
	type AuthorityId = pallet_sentinel::crypto::SentinelId;
	type Providers = MockRegistry;
	type AccessLog = MockLog;
	type Time = Timestamp;
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type MaxSentinels = ConstU32<MAX_SENTINELS>;
	type ReportLifetime = ConstU64<REPORT_LIFETIME>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockRegistry;
}

pub fn account(n: u8) -> AccountId {
	AccountId32::new([n; 32])
}

// Accounts.
pub fn sentinel_a() -> AccountId {
	account(1)
}
pub fn sentinel_b() -> AccountId {
	account(2)
}
pub fn stranger() -> AccountId {
	account(9)
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
	static TOUCHED: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	static WINDOWS: RefCell<BTreeMap<AccountId, Vec<AccessDecision<AccountId>>>> = const { RefCell::new(BTreeMap::new()) };
	static DEPARTMENTS: RefCell<BTreeMap<AccountId, DepartmentId>> = const { RefCell::new(BTreeMap::new()) };
	static WORKING_HOURS: RefCell<BTreeMap<AccountId, WorkingHours>> = const { RefCell::new(BTreeMap::new()) };
}

pub struct MockRegistry;

impl MockRegistry {
	pub fn set(who: AccountId, denial: Option<ProviderDenial>) {
		REGISTRY.with(|r| r.borrow_mut().insert(who, denial));
	}

	/// The hospital assigns `who` to `department`.
	pub fn assign(who: AccountId, department: DepartmentId) {
		DEPARTMENTS.with(|d| d.borrow_mut().insert(who, department));
	}

	/// The suspensions the pallet asked for, in order.
	pub fn suspensions() -> Vec<(AccountId, StatusReason)> {
		SUSPENSIONS.with(|s| s.borrow().clone())
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
				role: PractitionerRole::Physician,
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
		Self::set(who.clone(), Some(ProviderDenial::Suspended));
		SUSPENSIONS.with(|s| s.borrow_mut().push((who.clone(), reason)));
		Ok(())
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockRegistry {
	fn active_practitioner() -> AccountId {
		Self::set(physician(), None);
		physician()
	}
}

/// The access log: who made requests in this block, and each one's window.
pub struct MockLog;

impl MockLog {
	/// `practitioner` made `requests` denied requests in this block; the last has `seq = last`.
	pub fn touch(practitioner: AccountId, requests: u64, last: u64) {
		let decision = |seq: u64| AccessDecision {
			seq,
			at: NOW,
			block: 1,
			practitioner: practitioner.clone(),
			organisation: Some(hospital()),
			role: Some(PractitionerRole::Physician),
			patient: account(100),
			category: RecordCategory::ClinicalNotes,
			purpose: Purpose::Treatment,
			emergency: false,
			outcome: AccessOutcome::Denied {
				reason: DenyReason::Consent(ConsentDenial::NoConsent),
			},
		};
		let window = (last + 1 - requests..=last).map(decision).collect();
		TOUCHED.with(|t| t.borrow_mut().push(practitioner.clone()));
		WINDOWS.with(|w| w.borrow_mut().insert(practitioner, window));
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
		quorum: Some(2),
		approved_model: Some(MODEL),
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(NOW);
		REGISTRY.with(|r| r.borrow_mut().clear());
		SUSPENSIONS.with(|s| s.borrow_mut().clear());
		TOUCHED.with(|t| t.borrow_mut().clear());
		WINDOWS.with(|w| w.borrow_mut().clear());
		DEPARTMENTS.with(|d| d.borrow_mut().clear());
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
