//! # Sentinel: the anomaly model watches the access log and suspends intruders
//!
//! Every validator runs this pallet's offchain worker after each block it imports. The worker
//! takes the practitioners that made a request in that block (the audit pallet's touched set,
//! through [`AccessLog`]), computes each one's features from its window of recent decisions and
//! the logs of that window's patients (and the wards of the practitioner and of those patients'
//! clinicians, from the provider registry) with the shared `no_std` [`features`] function, and asks
//! the node's anomaly model for scores through the
//! [`anomaly::score`](ehr_primitives::anomaly::anomaly::score) host function. A window younger
//! than [`MIN_SCORED_WINDOW`] decisions is not scored: the model knows practitioners with a
//! working history. The model (ONNX, run by tract) lives in the node, which registers it for
//! offchain workers only: block import never depends on it, and where it is absent the host
//! function answers `None` and the worker does nothing. A node whose model is not the one
//! approved on chain scores nothing.
//!
//! For every score at or above the on-chain [`Threshold`], the worker signs a [`Report`] with its
//! sentinel key (key type [`KEY_TYPE`], `sntl`; sr25519, part of the session keys, so `--dev`
//! and `--alice` insert it; on a real validator `ehr-node key insert --key-type sntl --scheme
//! sr25519 --suri ...`) and submits it as an *authorized* transaction
//! ([`report`](Pallet::report), `#[pallet::authorize]`): the sentinel's signature is inside the
//! call, the transaction has no signer, no nonce and no fee. Two runs in a row never collide on
//! a nonce, so a report still in the pool never keeps the next one out.
//!
//! ## Reports are bound to the chain's log
//!
//! A report names the practitioner, its score in parts per million, the model's sha256 and
//! `window_end`, the sequence number of the last decision of the window it scored. It is
//! accepted only
//! - signed by a registered sentinel's key, for the approved model, at or above the threshold,
//!   for a practitioner who may still act;
//! - for a window the chain holds now: `window_end` is the practitioner's newest decision, or
//!   the newest before that decision's block (the worker scored block B; its report lands in
//!   B + 1, where the practitioner may have made requests first), made within
//!   [`Config::ReportLifetime`] blocks. An idle practitioner, an invented window or an old one
//!   cannot be reported;
//! - after the practitioner's last reinstatement ([`ClearedThrough`]): decisions that led to a
//!   suspension the council lifted never count again;
//! - once per sentinel, practitioner and window (a sentinel's next report on a practitioner
//!   must score a later window).
//!
//! The same check runs in the transaction pool and in the block, so a report refused by it
//! never reaches a block: nobody pays for it and it costs the chain nothing. A report signed by
//! an ordinary account fails on its origin and pays its fee.
//!
//! ## Peer groups: shadow, then calibrated
//!
//! A model trained on some hospitals scores another's ordinary work higher than it should. With
//! a [`Calibration`] policy (the consortium's chain has one; `--dev` none), a practitioner is
//! judged against its *peer group*, its organisation's practitioners in its role
//! (`ehr_primitives::calibration` has the arithmetic, shared with `ehr-anomaly score
//! --calibrate`). From the model's approval a group is in *shadow*: the workers score it, report
//! none of it and note each practitioner's highest score of each day in their node's local
//! storage. After the policy's burn-in, each sentinel proposes the group's calibrated score, the
//! score at most the policy's false-alert rate of its recent practitioner-days exceeded
//! ([`propose_calibration`](Pallet::propose_calibration), an authorized transaction like a
//! report). With a quorum of proposals for the approved model the group is *live* at their
//! median: a report must then exceed it as well as reach the threshold
//! ([`Pallet::peer_group`], the runtime API's answer). A new model, or a new policy, puts every
//! group back in shadow until the sentinels propose again.
//!
//! ## Quorum, circuit breaker, review
//!
//! Reports count for `ReportLifetime` blocks. When more than [`Quorum`] (a fraction of the
//! sentinel set, at least `MinQuorum`: more than two thirds on this chain) distinct sentinels have
//! live reports on a practitioner, the pallet acts, with the lowest score of the quorum (what
//! every reporter agrees on):
//! - If fewer than [`AutoSuspensionLimit`] practitioners were suspended automatically in the last
//!   `AutoSuspensionPeriod` (a rolling day), it suspends the practitioner through the provider
//!   registry ([`ProviderStatusManager`]) with the reason `AnomalyDetected { score_ppm,
//!   model_hash }` and emits [`Event::PractitionerSuspended`]: the security officers'
//!   notification. The suspension waits for the council:
//!   [`confirm_suspension`](Pallet::confirm_suspension) makes it stand; without it,
//!   `ReviewPeriod` blocks later the practitioner is reinstated automatically
//!   ([`Event::SuspensionLapsed`]). The practitioners are clinicians: an unreviewed false alarm
//!   must not deny care for long.
//! - Otherwise the circuit breaker holds: the practitioner is [`FlaggedForReview`]
//!   ([`Event::PractitionerFlagged`]; the runtime API
//!   [`SentinelApi`](runtime_api::SentinelApi) lists them) and keeps working until the council
//!   decides ([`review_flag`](Pallet::review_flag)). A model gone wrong cannot suspend half the
//!   staff.
//!
//! Whoever reinstates a practitioner (the council through the registry, or the review period
//! elapsing), the registry tells this pallet ([`OnReinstated`]) and only decisions after that
//! point are scored or reported again.
//!
//! ## The worker's budget
//!
//! A run reads each patient's log and each clinician's ward once for all the practitioners it
//! scores ([`FeatureReads`]): a ward's staff share their patients. One run at a time per node
//! (a node-local `StorageLock`), and each within
//! [`Config::WorkerBudget`] milliseconds of the node's clock: the practitioners a run has not
//! scored by then, or the block's practitioners while the previous run still holds the lock, are
//! kept in the node's local storage and scored first by the next run. Nothing is dropped
//! silently: the log says how many wait (at `warn`), as it says when the node has no sentinel key
//! of a registered sentinel or the chain no approved model. A report not on chain a block after
//! it was sent (the pool lost it, or blocks left it out) is scored and sent again by the next
//! three runs: a burst whose practitioner then goes quiet is still suspended.
//!
//! ## Governance
//!
//! The sentinels are the validators: the session keys a validator registers include its sentinel
//! key, and at each session boundary that changes the validators the session pallet hands this
//! pallet the new set (`OneSessionHandler`): the council admits a validator and its sentinel in
//! one motion, and a removed validator's reports stop counting with its authoring. (A sentinel
//! set of its own would let the council trust a node to accuse clinicians that it does not trust
//! to author blocks; a validator can censor reports anyway.)
//!
//! `GovernanceOrigin` (the council) keeps the threshold (default 920,000 ppm), the quorum, the
//! approved model hash, the daily limit and the calibration policy, and reviews suspensions and
//! flags; each change emits an event. Scores are integers: no float enters consensus, and the runtime
//! checks who reported, not the model's arithmetic.
#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
mod peer_groups;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

pub use ehr_primitives::anomaly::ScorePpm;
use ehr_primitives::{
	anomaly::{anomaly, WorkerRun, MAX_SCORE_PPM},
	audit::{block_of, AccessDecision, AccessLog, AccessSeq},
	calibration::{alerts, CalibrationPolicy, PeerGroupState, RECALIBRATION_INTERVAL},
	features::{features, Features, CARE_LOG_READS, MIN_SCORED_WINDOW, SEQUENCE_LENGTH},
	providers::{
		ActivePractitioner, DepartmentId, OnReinstated, PractitionerRole, ProviderInspect,
		ProviderStatusManager, StatusReason, UtcOffset,
	},
	Moment,
};
pub use peer_groups::PeerGroup;
use peer_groups::Watching;
pub use weights::WeightInfo;

extern crate alloc;
use alloc::{collections::BTreeMap, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{OneSessionHandler, Time},
};
use frame_system::{
	offchain::{AppCrypto, CreateAuthorizedTransaction, SigningTypes, SubmitTransaction},
	pallet_prelude::*,
};
use scale_info::TypeInfo;
use sp_core::{crypto::KeyTypeId, H256};
use sp_runtime::{
	offchain::{self, storage::StorageValueRef, storage_lock::StorageLock, Duration},
	traits::{IdentifyAccount, SaturatedConversion, Saturating, Zero},
	transaction_validity::{
		InvalidTransaction, TransactionPriority, TransactionValidityWithRefund, ValidTransaction,
	},
	Perbill, RuntimeAppPublic,
};

/// The sentinel key's type in the keystore.
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"sntl");

/// What a sentinel signs: this context, the chain's genesis hash and the [`Report`]. A signature
/// made for another purpose or another chain is no report here.
pub const REPORT_CONTEXT: &[u8] = b"ehr-chain/sentinel-report/1";

/// What a sentinel signs for a [`CalibrationProposal`], as for a report.
pub const CALIBRATION_CONTEXT: &[u8] = b"ehr-chain/sentinel-calibration/1";

/// The practitioners scored in one host call: bounds the memory a call takes in the runtime.
const SCORING_BATCH: usize = 256;

/// The node-local lock that keeps two runs of the worker from overlapping, and how long it
/// holds if a run dies without releasing it.
const WORKER_LOCK: &[u8] = b"ehr-chain/sentinel/worker-lock";
const WORKER_LOCK_EXPIRY_MS: u64 = 30_000;

/// The node-local list of practitioners a run could not score in its budget: the next run
/// scores them first.
const CARRIED: &[u8] = b"ehr-chain/sentinel/carried";

/// The most practitioners carried to the next run; beyond, the oldest are dropped (and said).
const MAX_CARRIED: usize = 8192;

/// The node-local list of practitioners this node reported lately: until the report is seen on
/// chain, the [`FOLLOW_UPS`] runs after the next one score them again and report them again. A
/// report the pool lost (or blocks that left it out) does not let a burst go unsuspended.
const FOLLOWED: &[u8] = b"ehr-chain/sentinel/followed";
const FOLLOW_UPS: u8 = 3;

/// Reports go before ordinary transactions: an intruder's burst must not delay its suspension.
const REPORT_PRIORITY: TransactionPriority = TransactionPriority::MAX / 2;

const LOG_TARGET: &str = "runtime::sentinel";

/// The sentinel's signing key: sr25519, key type [`KEY_TYPE`].
pub mod crypto {
	use super::KEY_TYPE;
	use sp_runtime::{
		app_crypto::{app_crypto, sr25519},
		MultiSignature, MultiSigner,
	};

	app_crypto!(sr25519, KEY_TYPE);

	/// Signs the offchain worker's reports with the sentinel key.
	pub struct SentinelId;

	impl frame_system::offchain::AppCrypto<MultiSigner, MultiSignature> for SentinelId {
		type RuntimeAppPublic = Public;
		type GenericSignature = sp_core::sr25519::Signature;
		type GenericPublic = sp_core::sr25519::Public;
	}
}

/// A sentinel's report on a practitioner, as it signs it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
#[scale_info(capture_docs = "always")]
pub struct Report<AccountId> {
	/// The sentinel's key; its account is the sentinel.
	pub sentinel: crypto::Public,
	/// The practitioner reported.
	pub practitioner: AccountId,
	/// The model's score of the window, in parts per million.
	pub score_ppm: ScorePpm,
	/// The sha256 of the model that scored it.
	pub model_hash: H256,
	/// The sequence number of the last decision of the window it scored.
	pub window_end: AccessSeq,
}

/// A sentinel's live report on a practitioner, as the chain keeps it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct LiveReport<AccountId, BlockNumber> {
	/// The sentinel that reported, by its account.
	pub sentinel: AccountId,
	/// The model's score of the window, in parts per million.
	pub score_ppm: ScorePpm,
	/// The sha256 of the model that scored it.
	pub model_hash: H256,
	/// The sequence number of the last decision of the window it scored.
	pub window_end: AccessSeq,
	/// The block it was accepted in.
	pub at: BlockNumber,
}

/// A practitioner a quorum reported while the circuit breaker held: the council decides.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct Flag<BlockNumber> {
	/// The lowest score of the quorum, in parts per million.
	pub score_ppm: ScorePpm,
	/// The sha256 of the model that scored the window.
	pub model_hash: H256,
	/// The last decision of the window the quorum scored.
	pub window_end: AccessSeq,
	/// The block it was flagged in.
	pub at: BlockNumber,
}

/// The council's decision on a flagged practitioner.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum FlagVerdict {
	/// Suspend it (`AnomalyDetected`): a decision of the council, not time-boxed.
	Suspend,
	/// A false alarm: the decisions flagged never count again.
	Dismiss,
}

/// A sentinel's proposal of a peer group's calibrated score, as it signs it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
#[scale_info(capture_docs = "always")]
pub struct CalibrationProposal<AccountId> {
	/// The sentinel's key; its account is the sentinel.
	pub sentinel: crypto::Public,
	/// The peer group's organisation: a peer group is an organisation's practitioners in one
	/// role.
	pub organisation: AccountId,
	/// The peer group's role.
	pub role: PractitionerRole,
	/// The sha256 of the model the group's windows were scored with.
	pub model_hash: H256,
	/// The score that only the policy's false-alert rate of the group's recent
	/// practitioner-days exceeded.
	pub score_ppm: ScorePpm,
	/// How many practitioner-days it was computed on.
	pub practitioner_days: u32,
	/// When the sentinel scored the group's first window with this model (unix milliseconds).
	pub since: Moment,
}

/// A sentinel's proposal for a peer group, as the chain keeps it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct Proposal<AccountId> {
	/// The sentinel that proposed it, by its account.
	pub sentinel: AccountId,
	/// The sha256 of the model the group's windows were scored with.
	pub model_hash: H256,
	/// The calibrated score proposed, in parts per million.
	pub score_ppm: ScorePpm,
	/// How many practitioner-days it was computed on.
	pub practitioner_days: u32,
	/// When it was accepted (the chain's time).
	pub at: Moment,
}

pub type ReportOf<T> = Report<<T as frame_system::Config>::AccountId>;
pub type CalibrationProposalOf<T> = CalibrationProposal<<T as frame_system::Config>::AccountId>;
type ProposalsOf<T> =
	BoundedVec<Proposal<<T as frame_system::Config>::AccountId>, <T as Config>::MaxSentinels>;
type LiveReportOf<T> = LiveReport<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
type LiveReportsOf<T> = BoundedVec<LiveReportOf<T>, <T as Config>::MaxSentinels>;
type SentinelsOf<T> =
	BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxSentinels>;
type SuspensionsOf<T> = BoundedVec<BlockNumberFor<T>, <T as Config>::MaxAutoSuspensionsPerDay>;
type DueOf<T> =
	BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxAutoSuspensionsPerDay>;

/// The threshold until governance sets one: 0.92.
pub const DEFAULT_THRESHOLD_PPM: ScorePpm = 920_000;

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// 1: the quorum is a fraction of the sentinel set (it was a count).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		CreateAuthorizedTransaction<Call<Self>> + SigningTypes + frame_system::Config
	{
		/// The sentinel key the offchain worker signs reports with, and how its public half
		/// maps to the sentinel's account.
		type AuthorityId: AppCrypto<
			Self::Public,
			Self::Signature,
			RuntimeAppPublic = crypto::Public,
		>;

		/// The provider registry: who may act, and how a practitioner is suspended.
		type Providers: ProviderInspect<Self::AccountId> + ProviderStatusManager<Self::AccountId>;

		/// The access log: who made requests in this block, and their windows.
		type AccessLog: AccessLog<Self::AccountId>;

		/// The chain's clock, in unix milliseconds.
		type Time: Time<Moment = Moment>;

		/// Keeps the threshold, the quorum, the approved model, the daily limit and the
		/// calibration policy, and reviews suspensions and flags (the council).
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The most sentinels: at least the most validators (one each).
		#[pallet::constant]
		type MaxSentinels: Get<u32>;

		/// How many blocks a report counts towards a quorum, and how recent the decision it
		/// names must be.
		#[pallet::constant]
		type ReportLifetime: Get<BlockNumberFor<Self>>;

		/// The least quorum governance may set (and the default): a report counts when more
		/// than this fraction of the sentinels agree.
		#[pallet::constant]
		type MinQuorum: Get<Perbill>;

		/// The most automatic suspensions governance may allow per `AutoSuspensionPeriod`, and
		/// the limit until it sets one.
		#[pallet::constant]
		type MaxAutoSuspensionsPerDay: Get<u32>;

		/// The rolling period (blocks: a day) the automatic suspensions are counted over.
		#[pallet::constant]
		type AutoSuspensionPeriod: Get<BlockNumberFor<Self>>;

		/// How long (blocks) an automatic suspension waits for the council's confirmation before
		/// it lapses.
		#[pallet::constant]
		type ReviewPeriod: Get<BlockNumberFor<Self>>;

		/// The offchain worker's time budget per run (milliseconds of the node's clock): the
		/// practitioners it has not scored by then are carried to the next run.
		#[pallet::constant]
		type WorkerBudget: Get<u64>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets up the provider registry and the access log for this pallet's benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The accounts whose reports count, sorted.
	#[pallet::storage]
	pub type Sentinels<T: Config> = StorageValue<_, SentinelsOf<T>, ValueQuery>;

	/// The score (parts per million) from which a sentinel reports a practitioner.
	#[pallet::storage]
	pub type Threshold<T: Config> =
		StorageValue<_, ScorePpm, ValueQuery, ConstU32<DEFAULT_THRESHOLD_PPM>>;

	#[pallet::type_value]
	pub fn DefaultQuorum<T: Config>() -> Perbill {
		T::MinQuorum::get()
	}

	/// A practitioner is acted on when more than this fraction of the sentinels report it.
	#[pallet::storage]
	pub type Quorum<T: Config> = StorageValue<_, Perbill, ValueQuery, DefaultQuorum<T>>;

	/// The sha256 of the model sentinels must score with; none, and no one reports.
	#[pallet::storage]
	pub type ApprovedModel<T: Config> = StorageValue<_, H256, OptionQuery>;

	/// Reports on each practitioner not yet acted on, at most one per sentinel.
	#[pallet::storage]
	pub type Reports<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, LiveReportsOf<T>, ValueQuery>;

	/// Each reinstated practitioner's newest decision when it was reinstated: only later ones
	/// are scored and reported.
	#[pallet::storage]
	pub type ClearedThrough<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, AccessSeq, ValueQuery>;

	#[pallet::type_value]
	pub fn DefaultAutoSuspensionLimit<T: Config>() -> u32 {
		T::MaxAutoSuspensionsPerDay::get()
	}

	/// The most practitioners suspended automatically per `AutoSuspensionPeriod`; beyond it, a
	/// quorum flags for review.
	#[pallet::storage]
	pub type AutoSuspensionLimit<T: Config> =
		StorageValue<_, u32, ValueQuery, DefaultAutoSuspensionLimit<T>>;

	/// The blocks of the automatic suspensions of the last `AutoSuspensionPeriod`, oldest first.
	#[pallet::storage]
	pub type RecentAutoSuspensions<T: Config> = StorageValue<_, SuspensionsOf<T>, ValueQuery>;

	/// Practitioners suspended automatically and not yet confirmed by the council, with the
	/// block their suspension lapses in.
	#[pallet::storage]
	pub type AwaitingReview<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BlockNumberFor<T>>;

	/// The automatic suspensions that lapse in each block.
	#[pallet::storage]
	pub type ReviewDeadlines<T: Config> =
		StorageMap<_, Twox64Concat, BlockNumberFor<T>, DueOf<T>, ValueQuery>;

	/// Practitioners a quorum reported while the circuit breaker held.
	#[pallet::storage]
	pub type FlaggedForReview<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Flag<BlockNumberFor<T>>>;

	/// How peer groups are calibrated; `None`: they are not, the threshold alone decides.
	#[pallet::storage]
	pub type Calibration<T: Config> = StorageValue<_, CalibrationPolicy, OptionQuery>;

	/// When the approved model was approved: every group's shadow starts there.
	#[pallet::storage]
	pub type ModelApprovedAt<T: Config> = StorageValue<_, Moment, ValueQuery>;

	/// When the calibration policy was last set: proposals made before it do not count.
	#[pallet::storage]
	pub type CalibrationSetAt<T: Config> = StorageValue<_, Moment, ValueQuery>;

	/// The sentinels' proposals of each peer group's calibrated score (an organisation and a
	/// role), at most one per sentinel.
	#[pallet::storage]
	pub type PeerGroupProposals<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		PractitionerRole,
		ProposalsOf<T>,
		ValueQuery,
	>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		pub sentinels: Vec<T::AccountId>,
		/// `None`: the default, 920,000 ppm.
		pub threshold_ppm: Option<ScorePpm>,
		/// `None`: `MinQuorum`.
		pub quorum: Option<Perbill>,
		pub approved_model: Option<H256>,
		/// The calibration policy: the burn-in (milliseconds) and the false-alert rate; `None`:
		/// no calibration.
		pub calibration: Option<(Moment, Perbill)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let mut sentinels = self.sentinels.clone();
			sentinels.sort();
			sentinels.dedup();
			let sentinels = SentinelsOf::<T>::try_from(sentinels)
				.expect("genesis names more sentinels than MaxSentinels");
			let threshold = self.threshold_ppm.unwrap_or(DEFAULT_THRESHOLD_PPM);
			assert!(valid_threshold(threshold), "genesis threshold outside 1..=1,000,000");
			let quorum = self.quorum.unwrap_or_else(T::MinQuorum::get);
			assert!(valid_quorum::<T>(quorum), "genesis quorum below MinQuorum or unreachable");
			// Empty where the session pallet names the sentinels (`OneSessionHandler`).
			if !sentinels.is_empty() {
				Sentinels::<T>::put(sentinels);
			}
			Threshold::<T>::put(threshold);
			Quorum::<T>::put(quorum);
			if let Some(model) = self.approved_model {
				ApprovedModel::<T>::put(model);
			}
			if let Some((burn_in, false_alert_rate)) = self.calibration {
				let policy = CalibrationPolicy { burn_in, false_alert_rate };
				assert!(policy.is_valid(), "genesis calibration beyond its bounds");
				Calibration::<T>::put(policy);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A sentinel reported a practitioner; not yet a quorum.
		AnomalyReported {
			practitioner: T::AccountId,
			sentinel: T::AccountId,
			score_ppm: ScorePpm,
			model_hash: H256,
			window_end: AccessSeq,
		},
		/// A quorum of sentinels reported a practitioner, and it is suspended until the council
		/// confirms it or `review_by` (a block) passes. `score_ppm` is the lowest score among
		/// the reporters.
		PractitionerSuspended {
			practitioner: T::AccountId,
			score_ppm: ScorePpm,
			model_hash: H256,
			window_end: AccessSeq,
			reporters: SentinelsOf<T>,
			review_by: BlockNumberFor<T>,
		},
		/// A quorum reported a practitioner while the day's automatic suspensions were used up:
		/// it is flagged for the council's review and keeps working.
		PractitionerFlagged {
			practitioner: T::AccountId,
			score_ppm: ScorePpm,
			model_hash: H256,
			window_end: AccessSeq,
			reporters: SentinelsOf<T>,
		},
		/// The council confirmed an automatic suspension: it stands.
		SuspensionConfirmed { practitioner: T::AccountId },
		/// The council did not confirm an automatic suspension within `ReviewPeriod`: the
		/// practitioner is reinstated (`providers.Reinstated` with `ReviewPeriodElapsed`).
		SuspensionLapsed { practitioner: T::AccountId },
		/// The council reviewed a flagged practitioner.
		FlagReviewed { practitioner: T::AccountId, verdict: FlagVerdict },
		/// The validators changed at a session boundary, and with them the sentinels: only
		/// these accounts' reports count from now on (pending ones of others included).
		SentinelsChanged { sentinels: SentinelsOf<T> },
		/// The score from which sentinels report changed.
		ThresholdSet { threshold_ppm: ScorePpm },
		/// The fraction of the sentinels that must agree changed.
		QuorumSet { quorum: Perbill },
		/// The model sentinels must score with changed; `None`: no model, no reports.
		ModelApproved { model_hash: Option<H256> },
		/// The most automatic suspensions per `AutoSuspensionPeriod` changed.
		AutoSuspensionLimitSet { limit: u32 },
		/// A sentinel proposed a peer group's calibrated score.
		CalibrationProposed {
			organisation: T::AccountId,
			role: PractitionerRole,
			sentinel: T::AccountId,
			score_ppm: ScorePpm,
			practitioner_days: u32,
		},
		/// A peer group is live, or its calibrated score changed: its practitioners are reported
		/// above `score_ppm` (and at or above the threshold).
		PeerGroupCalibrated {
			organisation: T::AccountId,
			role: PractitionerRole,
			score_ppm: ScorePpm,
			practitioner_days: u32,
		},
		/// The calibration policy changed; every group waits for new proposals. `None`: the
		/// threshold alone decides.
		CalibrationSet { policy: Option<CalibrationPolicy> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The reporter is not a registered sentinel.
		NotSentinel,
		/// The report was scored with a model other than the approved one.
		ModelNotApproved,
		/// The score is below the threshold.
		BelowThreshold,
		/// A score is at most 1,000,000 parts per million.
		ScoreOutOfRange,
		/// The practitioner cannot act already (suspended, revoked, unknown, ...).
		PractitionerNotActive,
		/// This sentinel has already reported this practitioner for this window or a later one.
		AlreadyReported,
		/// The sentinel set is full (`MaxSentinels`).
		TooManySentinels,
		/// The quorum would need all sentinels or more.
		QuorumUnreachable,
		/// A threshold is between 1 and 1,000,000 parts per million.
		InvalidThreshold,
		/// The sentinel's signature does not match the report.
		BadSignature,
		/// The report's window does not end at the practitioner's newest decision (or the
		/// newest before that one's block): an invented or superseded window, or an idle
		/// practitioner.
		NotTheLatestWindow,
		/// The window's last decision is older than `ReportLifetime` blocks.
		WindowTooOld,
		/// The window ends before the practitioner's last reinstatement: those decisions were
		/// cleared.
		WindowCleared,
		/// The quorum is below `MinQuorum`.
		QuorumTooLow,
		/// The practitioner's automatic suspension is not waiting for review.
		NotAwaitingReview,
		/// The practitioner is not flagged for review.
		NotFlagged,
		/// The limit is above `MaxAutoSuspensionsPerDay`.
		LimitTooHigh,
		/// The practitioner's peer group is in shadow: scored, not reported, until a quorum of
		/// sentinels has calibrated it.
		PeerGroupInShadow,
		/// The score does not exceed the practitioner's peer group's calibrated score.
		WithinPeerGroup,
		/// The chain calibrates no peer group: there is nothing to propose.
		CalibrationOff,
		/// The sentinel has not watched the group for the policy's burn-in since the model's
		/// approval.
		BurnInNotOver,
		/// The sentinel proposed for this group less than `RECALIBRATION_INTERVAL` ago.
		ProposedTooRecently,
		/// The peer group's organisation is not an active organisation.
		NotAnOrganisation,
		/// A burn-in is at most 28 days, a false-alert rate above zero and at most 1%.
		InvalidCalibration,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Lift the automatic suspensions whose review period ends in this block.
		fn on_initialize(block: BlockNumberFor<T>) -> Weight {
			let due = ReviewDeadlines::<T>::take(block);
			let lapsing = due.len() as u32;
			for practitioner in due {
				Self::lapse(practitioner, block);
			}
			T::WeightInfo::lapse_reviews(lapsing)
		}

		fn offchain_worker(block: BlockNumberFor<T>) {
			let started = sp_io::offchain::timestamp();
			let mut lock = StorageLock::<offchain::storage_lock::Time>::with_deadline(
				WORKER_LOCK,
				Duration::from_millis(WORKER_LOCK_EXPIRY_MS),
			);
			let Ok(_guard) = lock.try_lock() else {
				let carried = Self::carry(T::AccessLog::touched());
				anomaly::worker_ran(WorkerRun { carried, ..Default::default() });
				log::warn!(
					target: LOG_TARGET,
					"block {block:?}: the previous run is still scoring; {carried} practitioner(s) wait for the next run",
				);
				return;
			};
			let deadline = started.add(Duration::from_millis(T::WorkerBudget::get()));
			match Self::watch(deadline) {
				Ok(Watched { scored, reported, proposed, carried }) => {
					let ms = sp_io::offchain::timestamp().diff(&started).millis();
					anomaly::worker_ran(WorkerRun { scored, reported, carried, millis: ms });
					if scored == 0 && carried == 0 {
						return;
					}
					log::info!(
						target: LOG_TARGET,
						"block {block:?}: scored {scored} practitioner(s) in {ms} ms, {reported} report(s) sent",
					);
					if proposed > 0 {
						log::info!(
							target: LOG_TARGET,
							"block {block:?}: {proposed} peer group calibration(s) proposed",
						);
					}
					if carried > 0 {
						log::warn!(
							target: LOG_TARGET,
							"block {block:?}: out of the {} ms budget; {carried} practitioner(s) carried to the next run",
							T::WorkerBudget::get(),
						);
					}
				},
				Err(Idle(why)) => log::debug!(target: LOG_TARGET, "block {block:?}: {why}"),
				Err(Misconfigured(why)) => log::warn!(target: LOG_TARGET, "block {block:?}: {why}"),
			}
		}

		fn integrity_test() {
			assert!(T::MaxSentinels::get() > 0, "MaxSentinels must be positive");
			assert!(valid_quorum::<T>(T::MinQuorum::get()), "MinQuorum must be below 100%");
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// A sentinel's signed report that `report.practitioner` scored `report.score_ppm` with
		/// the model `report.model_hash` on its window ending at `report.window_end`. An
		/// authorized transaction: no signer, no fee; the pool and the block accept it only if
		/// the sentinel's `signature` and the report hold (the module doc). With a quorum, the
		/// practitioner is suspended or flagged for review.
		#[pallet::call_index(0)]
		#[pallet::weight((T::WeightInfo::report(), DispatchClass::Operational))]
		#[pallet::authorize(|_source, report, signature| Pallet::<T>::authorize_report(report, signature))]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_report())]
		pub fn report(
			origin: OriginFor<T>,
			report: ReportOf<T>,
			signature: crypto::Signature,
		) -> DispatchResultWithPostInfo {
			ensure_authorized(origin)?;
			// `authorize_report` verified the signature just before, in this block's state.
			let _ = signature;
			let sentinel = account_of::<T>(&report.sentinel);
			let mut reports = Self::check_report(&sentinel, &report)?;
			let Report { practitioner, score_ppm, model_hash, window_end, .. } = report;
			let at = frame_system::Pallet::<T>::block_number();
			let live =
				LiveReport { sentinel: sentinel.clone(), score_ppm, model_hash, window_end, at };
			// `check_report` left out this sentinel's report and every non-sentinel's: room.
			reports.try_push(live).map_err(|_| Error::<T>::TooManySentinels)?;
			Self::deposit_event(Event::AnomalyReported {
				practitioner: practitioner.clone(),
				sentinel,
				score_ppm,
				model_hash,
				window_end,
			});
			if reports.len() as u32 >= Self::quorum_count() {
				Self::act(practitioner, reports, model_hash, window_end)?;
			} else {
				Reports::<T>::insert(&practitioner, reports);
			}
			Ok(Pays::No.into())
		}

		/// Report practitioners from `threshold_ppm` (1..=1,000,000) on.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_threshold())]
		pub fn set_threshold(origin: OriginFor<T>, threshold_ppm: ScorePpm) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(valid_threshold(threshold_ppm), Error::<T>::InvalidThreshold);
			Threshold::<T>::put(threshold_ppm);
			Self::deposit_event(Event::ThresholdSet { threshold_ppm });
			Ok(())
		}

		/// Act on a practitioner when more than `quorum` of the sentinels report it: at least
		/// `MinQuorum`, below 100%.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_quorum())]
		pub fn set_quorum(origin: OriginFor<T>, quorum: Perbill) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(quorum >= T::MinQuorum::get(), Error::<T>::QuorumTooLow);
			ensure!(valid_quorum::<T>(quorum), Error::<T>::QuorumUnreachable);
			Quorum::<T>::put(quorum);
			Self::deposit_event(Event::QuorumSet { quorum });
			Ok(())
		}

		/// Make `model_hash` (the model file's sha256) the model sentinels score with; `None`
		/// stops every report until a model is approved again.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::approve_model())]
		pub fn approve_model(origin: OriginFor<T>, model_hash: Option<H256>) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ApprovedModel::<T>::set(model_hash);
			ModelApprovedAt::<T>::put(T::Time::now());
			Self::deposit_event(Event::ModelApproved { model_hash });
			Ok(())
		}

		/// Confirm `practitioner`'s automatic suspension: it stands until the registrar
		/// reinstates it.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::confirm_suspension())]
		pub fn confirm_suspension(
			origin: OriginFor<T>,
			practitioner: T::AccountId,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			AwaitingReview::<T>::take(&practitioner).ok_or(Error::<T>::NotAwaitingReview)?;
			Self::deposit_event(Event::SuspensionConfirmed { practitioner });
			Ok(())
		}

		/// Decide on a flagged practitioner: suspend it, or dismiss the flag (the decisions
		/// flagged never count again).
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::review_flag())]
		pub fn review_flag(
			origin: OriginFor<T>,
			practitioner: T::AccountId,
			verdict: FlagVerdict,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let flag = FlaggedForReview::<T>::take(&practitioner).ok_or(Error::<T>::NotFlagged)?;
			match verdict {
				FlagVerdict::Suspend => T::Providers::suspend(
					&practitioner,
					StatusReason::AnomalyDetected {
						score_ppm: flag.score_ppm,
						model_hash: flag.model_hash,
					},
				)?,
				FlagVerdict::Dismiss => Self::clear(&practitioner),
			}
			Self::deposit_event(Event::FlagReviewed { practitioner, verdict });
			Ok(())
		}

		/// Suspend at most `limit` practitioners automatically per `AutoSuspensionPeriod`
		/// (0..=`MaxAutoSuspensionsPerDay`; 0: every quorum flags for review).
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_auto_suspension_limit())]
		pub fn set_auto_suspension_limit(origin: OriginFor<T>, limit: u32) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(limit <= T::MaxAutoSuspensionsPerDay::get(), Error::<T>::LimitTooHigh);
			AutoSuspensionLimit::<T>::put(limit);
			Self::deposit_event(Event::AutoSuspensionLimitSet { limit });
			Ok(())
		}

		/// A sentinel's signed proposal of a peer group's calibrated score, made after it
		/// watched the group for the policy's burn-in. An authorized transaction, as a report.
		/// With a quorum of proposals, the group is live at their median.
		#[pallet::call_index(9)]
		#[pallet::weight((T::WeightInfo::propose_calibration(), DispatchClass::Operational))]
		#[pallet::authorize(|_source, proposal, signature| Pallet::<T>::authorize_proposal(proposal, signature))]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_proposal())]
		pub fn propose_calibration(
			origin: OriginFor<T>,
			proposal: CalibrationProposalOf<T>,
			signature: crypto::Signature,
		) -> DispatchResultWithPostInfo {
			ensure_authorized(origin)?;
			// `authorize_proposal` verified the signature just before, in this block's state.
			let _ = signature;
			let sentinel = account_of::<T>(&proposal.sentinel);
			let mut proposals = Self::check_proposal(&sentinel, &proposal)?;
			let before = Self::state_of(&proposals);
			let CalibrationProposal {
				organisation,
				role,
				model_hash,
				score_ppm,
				practitioner_days,
				..
			} = proposal;
			let at = T::Time::now();
			let own = Proposal {
				sentinel: sentinel.clone(),
				model_hash,
				score_ppm,
				practitioner_days,
				at,
			};
			// `check_proposal` left out this sentinel's proposal and every non-sentinel's: room.
			proposals.try_push(own).map_err(|_| Error::<T>::TooManySentinels)?;
			let after = Self::state_of(&proposals);
			PeerGroupProposals::<T>::insert(&organisation, role, proposals);
			Self::deposit_event(Event::CalibrationProposed {
				organisation: organisation.clone(),
				role,
				sentinel,
				score_ppm,
				practitioner_days,
			});
			if let (true, PeerGroupState::Live { score_ppm, practitioner_days }) =
				(after != before, after)
			{
				Self::deposit_event(Event::PeerGroupCalibrated {
					organisation,
					role,
					score_ppm,
					practitioner_days,
				});
			}
			Ok(Pays::No.into())
		}

		/// Calibrate peer groups with `policy` (a burn-in of at most 28 days, a false-alert rate
		/// in (0, 1%]); `None`: no shadow, the threshold alone decides. Proposals made before
		/// count no longer: the sentinels propose again.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::set_calibration())]
		pub fn set_calibration(
			origin: OriginFor<T>,
			policy: Option<CalibrationPolicy>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(policy.is_none_or(|p| p.is_valid()), Error::<T>::InvalidCalibration);
			Calibration::<T>::set(policy);
			CalibrationSetAt::<T>::put(T::Time::now());
			Self::deposit_event(Event::CalibrationSet { policy });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The pool's and the block's check of a report: the sentinel's signature, then
		/// [`check_report`](Self::check_report). Refused with `InvalidTransaction::Custom(i)`,
		/// `i` the index of the [`Error`].
		pub fn authorize_report(
			report: &ReportOf<T>,
			signature: &crypto::Signature,
		) -> TransactionValidityWithRefund {
			let message = Self::signed_message(report);
			Self::authorize_signed(
				&report.sentinel,
				&message,
				signature,
				"SentinelReport",
				|sentinel| {
					Self::check_report(sentinel, report)?;
					Ok((report.practitioner.clone(), report.window_end))
				},
			)
		}

		/// The pool's and the block's check of what a sentinel signed: `key`'s `signature` of
		/// `message`, then `check` of the sentinel's account, which gives what the transaction
		/// provides with the sentinel (under the tag `prefix`). Refused with
		/// `InvalidTransaction::Custom(i)`, `i` the index of the [`Error`].
		pub(crate) fn authorize_signed<Provides: Encode>(
			key: &crypto::Public,
			message: &[u8],
			signature: &crypto::Signature,
			prefix: &'static str,
			check: impl FnOnce(&T::AccountId) -> Result<Provides, Error<T>>,
		) -> TransactionValidityWithRefund {
			ensure!(key.verify(&message, signature), refuse::<T>(Error::<T>::BadSignature));
			let sentinel = account_of::<T>(key);
			let provides = check(&sentinel).map_err(refuse::<T>)?;
			let valid = ValidTransaction::with_tag_prefix(prefix)
				.and_provides((sentinel, provides))
				.priority(REPORT_PRIORITY)
				.longevity(T::ReportLifetime::get().saturated_into())
				.build()?;
			Ok((valid, Weight::zero()))
		}

		/// What a sentinel signs for `report`.
		pub fn signed_message(report: &ReportOf<T>) -> Vec<u8> {
			Self::for_this_chain(REPORT_CONTEXT, report)
		}

		/// `payload` under `context` and this chain's genesis hash: what a sentinel signs.
		pub(crate) fn for_this_chain(context: &[u8], payload: &impl Encode) -> Vec<u8> {
			let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
			(context, genesis, payload).encode()
		}

		/// Whether `sentinel` may make `report`; if so, the other sentinels' live reports on
		/// its practitioner.
		pub fn check_report(
			sentinel: &T::AccountId,
			report: &ReportOf<T>,
		) -> Result<LiveReportsOf<T>, Error<T>> {
			let Report { practitioner, score_ppm, model_hash, window_end, .. } = report;
			let sentinels = Sentinels::<T>::get();
			ensure!(sentinels.binary_search(sentinel).is_ok(), Error::<T>::NotSentinel);
			ensure!(ApprovedModel::<T>::get() == Some(*model_hash), Error::<T>::ModelNotApproved);
			ensure!(*score_ppm <= MAX_SCORE_PPM, Error::<T>::ScoreOutOfRange);
			ensure!(*score_ppm >= Threshold::<T>::get(), Error::<T>::BelowThreshold);
			let member = T::Providers::active_practitioner(practitioner, T::Time::now())
				.map_err(|_| Error::<T>::PractitionerNotActive)?;
			match Self::peer_group(&member.organisation, member.role) {
				PeerGroupState::Uncalibrated => {},
				PeerGroupState::Shadow { .. } => return Err(Error::<T>::PeerGroupInShadow),
				PeerGroupState::Live { score_ppm: calibrated, .. } => {
					ensure!(*score_ppm > calibrated, Error::<T>::WithinPeerGroup)
				},
			}
			ensure!(
				T::AccessLog::latest_decisions(practitioner)
					.is_some_and(|latest| latest.reportable(*window_end)),
				Error::<T>::NotTheLatestWindow
			);
			let now = frame_system::Pallet::<T>::block_number();
			let lifetime = T::ReportLifetime::get();
			let decided: BlockNumberFor<T> = block_of(*window_end).into();
			ensure!(decided.saturating_add(lifetime) > now, Error::<T>::WindowTooOld);
			ensure!(
				*window_end > ClearedThrough::<T>::get(practitioner),
				Error::<T>::WindowCleared
			);
			let mut reports = Reports::<T>::get(practitioner);
			reports.retain(|r| {
				r.model_hash == *model_hash
					&& r.at.saturating_add(lifetime) > now
					&& sentinels.binary_search(&r.sentinel).is_ok()
			});
			if let Some(own) = reports.iter().find(|r| r.sentinel == *sentinel) {
				ensure!(own.window_end < *window_end, Error::<T>::AlreadyReported);
			}
			reports.retain(|r| r.sentinel != *sentinel);
			Ok(reports)
		}

		/// How many sentinels make a quorum now: more than [`Quorum`] of them.
		pub fn quorum_count() -> u32 {
			let sentinels = Sentinels::<T>::decode_len().unwrap_or_default() as u32;
			quorum_count(Quorum::<T>::get(), sentinels)
		}

		/// A quorum has reported `practitioner`: suspend it pending review, or flag it if the
		/// period's automatic suspensions are used up.
		fn act(
			practitioner: T::AccountId,
			reports: LiveReportsOf<T>,
			model_hash: H256,
			window_end: AccessSeq,
		) -> DispatchResult {
			let score_ppm = reports.iter().map(|r| r.score_ppm).min().unwrap_or_default();
			let mut reporters: Vec<T::AccountId> =
				reports.into_iter().map(|r| r.sentinel).collect();
			reporters.sort();
			// As many as the reports, which are bounded the same.
			let reporters = SentinelsOf::<T>::truncate_from(reporters);
			Reports::<T>::remove(&practitioner);
			let now = frame_system::Pallet::<T>::block_number();
			let Some(review_by) = Self::count_auto_suspension(now) else {
				FlaggedForReview::<T>::insert(
					&practitioner,
					Flag { score_ppm, model_hash, window_end, at: now },
				);
				Self::deposit_event(Event::PractitionerFlagged {
					practitioner,
					score_ppm,
					model_hash,
					window_end,
					reporters,
				});
				return Ok(());
			};
			T::Providers::suspend(
				&practitioner,
				StatusReason::AnomalyDetected { score_ppm, model_hash },
			)?;
			FlaggedForReview::<T>::remove(&practitioner);
			// At most the period's limit is suspended in one block, and so lapses in one.
			ReviewDeadlines::<T>::try_append(review_by, &practitioner)
				.map_err(|_| Error::<T>::LimitTooHigh)?;
			AwaitingReview::<T>::insert(&practitioner, review_by);
			Self::deposit_event(Event::PractitionerSuspended {
				practitioner,
				score_ppm,
				model_hash,
				window_end,
				reporters,
				review_by,
			});
			Ok(())
		}

		/// Count an automatic suspension at `now` if the period's limit allows one; the block
		/// its review period ends in.
		fn count_auto_suspension(now: BlockNumberFor<T>) -> Option<BlockNumberFor<T>> {
			let limit = AutoSuspensionLimit::<T>::get();
			let period = T::AutoSuspensionPeriod::get();
			RecentAutoSuspensions::<T>::mutate(|recent| {
				recent.retain(|at| at.saturating_add(period) > now);
				if recent.len() as u32 >= limit {
					return None;
				}
				recent.try_push(now).ok()?;
				Some(now.saturating_add(T::ReviewPeriod::get()))
			})
		}

		/// `practitioner`'s review period ended in `block`: reinstate it unless the council
		/// confirmed the suspension (or changed its status) meanwhile.
		fn lapse(practitioner: T::AccountId, block: BlockNumberFor<T>) {
			if AwaitingReview::<T>::get(&practitioner) != Some(block) {
				return;
			}
			AwaitingReview::<T>::remove(&practitioner);
			match T::Providers::lift_anomaly_suspension(&practitioner) {
				Ok(()) => Self::deposit_event(Event::SuspensionLapsed { practitioner }),
				Err(why) => log::warn!(
					target: LOG_TARGET,
					"suspension of {practitioner:?} not lifted at the end of its review: {why:?}"
				),
			}
		}

		/// Forget `practitioner`'s behaviour so far: only later decisions are scored and
		/// reported, and nothing about it waits for review.
		pub(crate) fn clear(practitioner: &T::AccountId) {
			if let Some(latest) = T::AccessLog::latest_decisions(practitioner) {
				ClearedThrough::<T>::insert(practitioner, latest.newest);
			}
			Reports::<T>::remove(practitioner);
			AwaitingReview::<T>::remove(practitioner);
			FlaggedForReview::<T>::remove(practitioner);
		}

		/// The offchain worker: score the practitioners carried from the last run and those
		/// touched in this block, until `deadline`, and report those at or above the threshold.
		fn watch(deadline: offchain::Timestamp) -> Result<Watched, NotWatching> {
			let (touched, mut waiting) = (T::AccessLog::touched(), Self::carried());
			let followed = Self::followed();
			if touched.is_empty() && waiting.is_empty() && followed.is_empty() {
				return Err(Idle("no request in this block"));
			}
			let model = ApprovedModel::<T>::get().ok_or(Misconfigured(
				"no model is approved on chain: the sentinel reports nothing",
			))?;
			let local = Self::local_sentinels();
			if local.is_empty() && !sp_io::offchain::is_validator() {
				// Every node runs offchain workers (the peer list); only validators report.
				return Err(Idle("not a validator"));
			}
			if local.is_empty() {
				return Err(Misconfigured(
					"no sentinel key of a registered sentinel in this node's keystore: it reports nothing",
				));
			}
			let threshold = Threshold::<T>::get();
			let now = T::Time::now();
			StorageValueRef::persistent(CARRIED).clear();
			let mut following = Vec::new();
			for (practitioner, window_end, runs) in followed {
				if Self::report_landed(&practitioner, window_end, &local) {
					continue;
				}
				following.push((practitioner.clone(), window_end, runs.saturating_sub(1)));
				// The first run after a report gives the next block the time to include it.
				if runs <= FOLLOW_UPS && !waiting.contains(&practitioner) {
					waiting.push(practitioner);
				}
			}
			for practitioner in touched {
				if !waiting.contains(&practitioner) {
					waiting.push(practitioner);
				}
			}
			let waiting: Vec<(T::AccountId, ActivePractitioner<T::AccountId>)> = waiting
				.into_iter()
				.filter_map(|p| Some((p.clone(), T::Providers::active_practitioner(&p, now).ok()?)))
				.collect();
			let mut watched = Watched::default();
			let mut reads = FeatureReads::default();
			let mut groups = Watching::<T>::new(model, now);
			let mut queue = waiting.into_iter();
			while queue.len() > 0 {
				let batch: Vec<_> = queue.by_ref().take(SCORING_BATCH).collect();
				let mut scored = Vec::with_capacity(batch.len());
				let mut wire = Features::new_batch(batch.len());
				for (i, (practitioner, member)) in batch.iter().enumerate() {
					if sp_io::offchain::timestamp() >= deadline {
						// Out of time: this one and the rest wait for the next run.
						let rest =
							batch.get(i..).unwrap_or_default().iter().map(|(p, _)| p.clone());
						let rest = rest.chain(queue.by_ref().map(|(p, _)| p)).collect();
						watched.carried = Self::carry(rest);
						break;
					}
					let Some(window) = Self::scoreable_window(practitioner) else { continue };
					let Some(last) = window.last() else { continue };
					let (end, at) = (last.seq, last.at);
					if Self::already_reported(practitioner, &local, end) {
						continue;
					}
					Self::features_of(practitioner, &window, &mut reads, member.utc_offset)
						.encode_to(&mut wire);
					scored.push((
						practitioner,
						(member.organisation.clone(), member.role),
						end,
						at,
					));
				}
				if scored.is_empty() {
					continue;
				}
				let scores = anomaly::score(model.as_fixed_bytes(), &wire)
					.ok_or(Misconfigured("this node has no model, or not the approved one"))?;
				watched.scored = watched.scored.saturating_add(scores.len() as u32);
				for ((practitioner, group, window_end, at), score_ppm) in
					scored.into_iter().zip(scores)
				{
					let state = groups.observe(practitioner, &group, at, score_ppm);
					if !alerts(&state, threshold, score_ppm) {
						continue;
					}
					for (key, account) in &local {
						let report = Report {
							sentinel: key.clone(),
							practitioner: practitioner.clone(),
							score_ppm,
							model_hash: model,
							window_end,
						};
						match Self::submit(report) {
							Ok(()) => watched.reported = watched.reported.saturating_add(1),
							Err(()) => log::warn!(
								target: LOG_TARGET,
								"the pool refused {account:?}'s report on {practitioner:?} (the same report, sent by an earlier run, may still wait in it)"
							),
						}
					}
					let followed = (practitioner.clone(), window_end, FOLLOW_UPS + 1);
					match following.iter_mut().find(|(p, _, _)| p == practitioner) {
						// Sent again: its follow-ups run on.
						Some((_, end, _)) if *end == window_end => {},
						Some(earlier) => *earlier = followed,
						None => following.push(followed),
					}
				}
			}
			Self::follow(following);
			watched.proposed = groups.finish(&local);
			Ok(watched)
		}

		/// The practitioners this node reported lately, with the window reported and how many
		/// more runs look for the report on chain.
		fn followed() -> Vec<(T::AccountId, AccessSeq, u8)> {
			let mut stored = StorageValueRef::persistent(FOLLOWED);
			let followed = stored.get().ok().flatten().unwrap_or_default();
			stored.clear();
			followed
		}

		/// Look for these reports on chain in the next runs (as many as each says).
		fn follow(mut reported: Vec<(T::AccountId, AccessSeq, u8)>) {
			reported.retain(|(_, _, runs)| *runs > 0);
			reported.truncate(MAX_CARRIED);
			if !reported.is_empty() {
				StorageValueRef::persistent(FOLLOWED).set(&reported);
			}
		}

		/// Whether a report of one of `local`'s sentinels on `practitioner`'s window ending at
		/// `window_end` (or a later one) reached the chain, or the practitioner was acted on
		/// (suspended, flagged, no longer active).
		fn report_landed(
			practitioner: &T::AccountId,
			window_end: AccessSeq,
			local: &[(crypto::Public, T::AccountId)],
		) -> bool {
			Self::already_reported(practitioner, local, window_end)
				|| FlaggedForReview::<T>::contains_key(practitioner)
				|| T::Providers::active_practitioner(practitioner, T::Time::now()).is_err()
		}

		/// The practitioners the last runs left for this one.
		fn carried() -> Vec<T::AccountId> {
			StorageValueRef::persistent(CARRIED).get().ok().flatten().unwrap_or_default()
		}

		/// Leave `practitioners` for the next run, after those already waiting; how many wait.
		fn carry(practitioners: Vec<T::AccountId>) -> u32 {
			let mut waiting = Self::carried();
			for practitioner in practitioners {
				if !waiting.contains(&practitioner) {
					waiting.push(practitioner);
				}
			}
			let excess = waiting.len().saturating_sub(MAX_CARRIED);
			if excess > 0 {
				log::warn!(target: LOG_TARGET, "{excess} practitioner(s) dropped from the carried list");
				waiting.drain(..excess);
			}
			StorageValueRef::persistent(CARRIED).set(&waiting);
			waiting.len() as u32
		}

		/// The features of `practitioner`'s `window` (from [`Pallet::scoreable_window`]) as
		/// the worker scores them: read from the chain's state as it stands, the patients' logs
		/// and the clinicians' wards through `reads` (one per run), the hours on the clock of
		/// its organisation, `utc_offset` from UTC.
		pub fn features_of(
			practitioner: &T::AccountId,
			window: &[AccessDecision<T::AccountId>],
			reads: &mut FeatureReads<T::AccountId>,
			utc_offset: UtcOffset,
		) -> Features {
			reads.read_logs_of(window, |patient| T::AccessLog::patient_log(patient.clone()));
			let FeatureReads { logs, wards } = reads;
			let patient_log =
				|patient: &T::AccountId| logs.get(patient).map(Vec::as_slice).unwrap_or_default();
			let ward_of = |who: &T::AccountId| {
				if wards.len() >= MAX_READ_WARDS {
					wards.clear();
				}
				wards.entry(who.clone()).or_insert_with(|| T::Providers::ward_of(who)).clone()
			};
			let hours = T::AccessLog::working_hours(practitioner);
			let referrals = T::AccessLog::referrals_of(practitioner, SEQUENCE_LENGTH);
			let referral_until = |patient: &T::AccountId| match &referrals {
				Some(referrals) => {
					referrals.iter().find(|(p, _)| p == patient).map(|(_, until)| *until)
				},
				None => T::AccessLog::referral_until(practitioner, patient),
			};
			features(window, patient_log, ward_of, &hours, referral_until, utc_offset)
		}

		/// `practitioner`'s window as the model judges it: its decisions since its last
		/// reinstatement, if there are enough of them.
		pub fn scoreable_window(
			practitioner: &T::AccountId,
		) -> Option<Vec<AccessDecision<T::AccountId>>> {
			let cleared = ClearedThrough::<T>::get(practitioner);
			let mut window = T::AccessLog::window(practitioner);
			window.retain(|decision| decision.seq > cleared);
			(window.len() >= MIN_SCORED_WINDOW).then_some(window)
		}

		/// Sign `report` with its sentinel's key and put it in the pool.
		fn submit(report: ReportOf<T>) -> Result<(), ()> {
			let signature = report.sentinel.sign(&Self::signed_message(&report)).ok_or(())?;
			Self::submit_authorized(Call::report { report, signature })
		}

		/// Put `call` in the pool as an authorized transaction.
		pub(crate) fn submit_authorized(call: Call<T>) -> Result<(), ()> {
			let xt = T::create_authorized_transaction(call.into());
			SubmitTransaction::<T, Call<T>>::submit_transaction(xt)
		}

		/// This node's sentinel keys that belong to registered sentinels, with their accounts.
		fn local_sentinels() -> Vec<(crypto::Public, T::AccountId)> {
			let sentinels = Sentinels::<T>::get();
			crypto::Public::all()
				.into_iter()
				.map(|key| {
					let account = account_of::<T>(&key);
					(key, account)
				})
				.filter(|(_, account)| sentinels.binary_search(account).is_ok())
				.collect()
		}

		/// Whether one of `local`'s sentinels has a report on `practitioner` for `window_end`
		/// or later on chain.
		fn already_reported(
			practitioner: &T::AccountId,
			local: &[(crypto::Public, T::AccountId)],
			window_end: AccessSeq,
		) -> bool {
			Reports::<T>::get(practitioner).iter().any(|r| {
				r.window_end >= window_end
					&& local.iter().any(|(_, account)| *account == r.sentinel)
			})
		}

		/// The practitioners flagged for review: the runtime API's answer.
		pub fn flagged_for_review() -> Vec<(T::AccountId, Flag<BlockNumberFor<T>>)> {
			FlaggedForReview::<T>::iter().collect()
		}

		/// The automatic suspensions waiting for the council, with the block each lapses in:
		/// the runtime API's answer.
		pub fn awaiting_review() -> Vec<(T::AccountId, BlockNumberFor<T>)> {
			AwaitingReview::<T>::iter().collect()
		}
	}

	impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
		type Public = crypto::Public;
	}

	/// The sentinels are the validators: the session pallet hands this pallet each session's
	/// validators with their sentinel keys, and the accounts of those keys are the sentinels.
	impl<T: Config> OneSessionHandler<T::AccountId> for Pallet<T> {
		type Key = crypto::Public;

		fn on_genesis_session<'a, I>(validators: I)
		where
			I: 'a + Iterator<Item = (&'a T::AccountId, crypto::Public)>,
		{
			Sentinels::<T>::put(sentinels_of::<T, _>(validators.map(|(_, key)| key)));
		}

		fn on_new_session<'a, I>(changed: bool, validators: I, _queued: I)
		where
			I: 'a + Iterator<Item = (&'a T::AccountId, crypto::Public)>,
		{
			if !changed {
				return;
			}
			let sentinels = sentinels_of::<T, _>(validators.map(|(_, key)| key));
			if sentinels != Sentinels::<T>::get() {
				Sentinels::<T>::put(&sentinels);
				Self::deposit_event(Event::SentinelsChanged { sentinels });
			}
		}

		fn on_disabled(_: u32) {}
	}
}

/// The sentinels whose keys are `keys`, sorted. `MaxSentinels` is at least the session's
/// validator bound (the runtime's integrity test), so none is dropped.
fn sentinels_of<T: Config, I: Iterator<Item = crypto::Public>>(keys: I) -> SentinelsOf<T> {
	let mut sentinels: Vec<T::AccountId> = keys.map(|key| account_of::<T>(&key)).collect();
	sentinels.sort();
	sentinels.dedup();
	SentinelsOf::<T>::truncate_from(sentinels)
}

impl<T: Config> OnReinstated<T::AccountId> for Pallet<T> {
	fn on_reinstated(who: &T::AccountId) {
		Self::clear(who);
	}
}

/// The account of the sentinel whose key is `key`.
pub fn account_of<T: Config>(key: &crypto::Public) -> T::AccountId {
	let generic: <T::AuthorityId as AppCrypto<T::Public, T::Signature>>::GenericPublic =
		key.clone().into();
	let public: T::Public = generic.into();
	public.into_account()
}

/// The most patients' logs, and clinicians' wards, [`FeatureReads`] keeps: about 10 MB of logs
/// (their newest [`CARE_LOG_READS`] entries each) and 1 MB of wards at most.
const MAX_READ_LOGS: usize = 512;
const MAX_READ_WARDS: usize = 8192;

/// What the features of one run's practitioners read, read once: the patients' logs (their
/// newest [`CARE_LOG_READS`] entries, all the features look at) and the clinicians' wards. A
/// block's practitioners share patients (a ward's staff read the same ones, and their
/// clinicians are each other), so most of a practitioner's reads are the practitioner before
/// it's. The chain does not change during a run; kept for one run only.
pub struct FeatureReads<AccountId> {
	logs: BTreeMap<AccountId, Vec<AccessDecision<AccountId>>>,
	wards: BTreeMap<AccountId, Option<(AccountId, DepartmentId)>>,
}

impl<AccountId> Default for FeatureReads<AccountId> {
	fn default() -> Self {
		Self { logs: BTreeMap::new(), wards: BTreeMap::new() }
	}
}

impl<AccountId: Ord + Clone> FeatureReads<AccountId> {
	/// Read the logs of `window`'s patients not read yet with `read`; when there is no room
	/// for them, the logs read before are dropped first.
	fn read_logs_of<Log: Iterator<Item = AccessDecision<AccountId>>>(
		&mut self,
		window: &[AccessDecision<AccountId>],
		mut read: impl FnMut(&AccountId) -> Log,
	) {
		let window = &window[window.len().saturating_sub(SEQUENCE_LENGTH)..];
		if self.logs.len().saturating_add(window.len()) > MAX_READ_LOGS {
			self.logs.clear();
		}
		for decision in window {
			if !self.logs.contains_key(&decision.patient) {
				let log = read(&decision.patient).take(CARE_LOG_READS).collect();
				self.logs.insert(decision.patient.clone(), log);
			}
		}
	}
}

/// What one run of the offchain worker did.
#[derive(Default)]
struct Watched {
	scored: u32,
	reported: u32,
	/// Peer groups' calibrated scores proposed.
	proposed: u32,
	/// Left for the next run: the budget ran out.
	carried: u32,
}

/// Why a run of the offchain worker scored nothing.
enum NotWatching {
	/// Nothing to do.
	Idle(&'static str),
	/// This node or the chain is set up so that the sentinel cannot work: the operator must know.
	Misconfigured(&'static str),
}
use NotWatching::{Idle, Misconfigured};

/// How the pool refuses what the pallet's `error` refuses: `InvalidTransaction::Custom(i)`, `i`
/// the index of the error.
fn refuse<T: Config>(error: Error<T>) -> InvalidTransaction {
	InvalidTransaction::Custom(error.encode().first().copied().unwrap_or(u8::MAX))
}

/// A threshold is a score in 1..=1,000,000 (0 would report everyone).
fn valid_threshold(threshold: ScorePpm) -> bool {
	(1..=MAX_SCORE_PPM).contains(&threshold)
}

/// A quorum is at least `MinQuorum` and below 100% (more than all is never reached).
fn valid_quorum<T: Config>(quorum: Perbill) -> bool {
	quorum >= T::MinQuorum::get() && quorum < Perbill::one()
}

/// The least number of `sentinels` that is more than `quorum` of them (at least one).
pub fn quorum_count(quorum: Perbill, sentinels: u32) -> u32 {
	quorum.mul_floor(sentinels).saturating_add(1).min(sentinels.max(1))
}

/// How the runtime sets up the provider registry and the access log for this pallet's
/// benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// `n` new practitioners who may act (and so may be reported and suspended), each with a
	/// decision in the access log in the current block: its sequence number.
	fn active_practitioners(n: u32) -> Vec<(AccountId, AccessSeq)>;
}
