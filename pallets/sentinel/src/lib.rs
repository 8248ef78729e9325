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
//! For every score at or above the on-chain [`Threshold`], the worker signs a
//! [`report`](Pallet::report) with its sentinel key (key type [`KEY_TYPE`], `sntl`; sr25519, part
//! of the session keys, so `--dev` and `--alice` insert it; on a real validator
//! `ehr-node key insert --key-type sntl --scheme sr25519 --suri ...`).
//!
//! ## Reports and quorum
//!
//! A report names the practitioner, its score in parts per million, the model's sha256 and the
//! sequence number of the last decision in the window it scored. It is accepted only from a
//! registered sentinel, for the approved model, at or above the threshold, for a practitioner who
//! may still act, and once per sentinel per practitioner per window (a sentinel's next report on
//! the same practitioner must score a later window). The same checks run in the transaction pool
//! ([`CheckSentinelReport`], a transaction extension), so reports from anyone else never reach a
//! block; an accepted report pays no fee.
//!
//! Reports count for [`Config::ReportLifetime`] blocks. When [`Quorum`] distinct sentinels have
//! live reports on a practitioner, the pallet suspends it through the provider registry
//! ([`ProviderStatusManager`]) with the reason `AnomalyDetected { score_ppm, model_hash }` (the
//! lowest score of the quorum: what every reporter agrees on) and emits
//! [`Event::PractitionerSuspended`] with the reporters: the security officers' notification.
//! Reinstatement is the council's act, in the provider registry.
//!
//! ## Governance
//!
//! `GovernanceOrigin` (the council) keeps the sentinel set, the threshold (default 920,000 ppm),
//! the quorum and the approved model hash; each change emits an event. Scores are integers: no
//! float enters consensus, and the runtime checks who reported, not the model's arithmetic.
#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod extension;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use ehr_primitives::anomaly::ScorePpm;
use ehr_primitives::{
	anomaly::{anomaly, MAX_SCORE_PPM},
	audit::{AccessLog, AccessSeq},
	features::{features, Features, MIN_SCORED_WINDOW},
	providers::{ProviderInspect, ProviderStatusManager, StatusReason},
	Moment,
};
pub use extension::CheckSentinelReport;
pub use weights::WeightInfo;

extern crate alloc;
use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, traits::Time};
use frame_system::{
	offchain::{AppCrypto, CreateSignedTransaction, ForAll, SendSignedTransaction, Signer},
	pallet_prelude::*,
};
use scale_info::TypeInfo;
use sp_core::{crypto::KeyTypeId, H256};
use sp_runtime::{
	traits::{IdentifyAccount, Saturating},
	RuntimeAppPublic,
};

/// The sentinel key's type in the keystore.
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"sntl");

/// The practitioners scored in one host call: bounds the memory a call takes in the runtime.
const SCORING_BATCH: usize = 256;

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

/// A sentinel's report on a practitioner.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Report<AccountId, BlockNumber> {
	pub sentinel: AccountId,
	pub score_ppm: ScorePpm,
	pub model_hash: H256,
	/// The sequence number of the last decision of the window it scored.
	pub window_end: AccessSeq,
	/// The block it was accepted in.
	pub at: BlockNumber,
}

type ReportOf<T> = Report<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
type ReportsOf<T> = BoundedVec<ReportOf<T>, <T as Config>::MaxSentinels>;
type SentinelsOf<T> =
	BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxSentinels>;

/// The threshold until governance sets one: 0.92.
pub const DEFAULT_THRESHOLD_PPM: ScorePpm = 920_000;

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: CreateSignedTransaction<Call<Self>> + frame_system::Config {
		/// The sentinel key the offchain worker signs reports with.
		type AuthorityId: AppCrypto<Self::Public, Self::Signature>;

		/// The provider registry: who may act, and how a practitioner is suspended.
		type Providers: ProviderInspect<Self::AccountId> + ProviderStatusManager<Self::AccountId>;

		/// The access log: who made requests in this block, and their windows.
		type AccessLog: AccessLog<Self::AccountId>;

		/// The chain's clock, in unix milliseconds.
		type Time: Time<Moment = Moment>;

		/// Keeps the sentinel set, the threshold, the quorum and the approved model (the
		/// council).
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The most sentinels (one per validator, usually).
		#[pallet::constant]
		type MaxSentinels: Get<u32>;

		/// How many blocks a report counts towards a quorum.
		#[pallet::constant]
		type ReportLifetime: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets up the provider registry for this pallet's benchmarks.
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

	/// How many distinct sentinels must report a practitioner to suspend it.
	#[pallet::storage]
	pub type Quorum<T: Config> = StorageValue<_, u32, ValueQuery, ConstU32<1>>;

	/// The sha256 of the model sentinels must score with; none, and no one reports.
	#[pallet::storage]
	pub type ApprovedModel<T: Config> = StorageValue<_, H256, OptionQuery>;

	/// Reports on each practitioner not yet suspended, at most one per sentinel.
	#[pallet::storage]
	pub type Reports<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ReportsOf<T>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		pub sentinels: Vec<T::AccountId>,
		/// `None`: the default, 920,000 ppm.
		pub threshold_ppm: Option<ScorePpm>,
		/// `None`: 1.
		pub quorum: Option<u32>,
		pub approved_model: Option<H256>,
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
			let quorum = self.quorum.unwrap_or(1);
			assert!(
				quorum >= 1 && quorum as usize <= sentinels.len().max(1),
				"genesis quorum must be between 1 and the number of sentinels"
			);
			Sentinels::<T>::put(sentinels);
			Threshold::<T>::put(threshold);
			Quorum::<T>::put(quorum);
			if let Some(model) = self.approved_model {
				ApprovedModel::<T>::put(model);
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
		/// A quorum of sentinels reported a practitioner, and it is suspended. `score_ppm` is the
		/// lowest score among the reporters.
		PractitionerSuspended {
			practitioner: T::AccountId,
			score_ppm: ScorePpm,
			model_hash: H256,
			window_end: AccessSeq,
			reporters: SentinelsOf<T>,
		},
		/// An account's reports count from now on.
		SentinelAdded { sentinel: T::AccountId },
		/// An account's reports no longer count (its pending ones included).
		SentinelRemoved { sentinel: T::AccountId },
		/// The score from which sentinels report changed.
		ThresholdSet { threshold_ppm: ScorePpm },
		/// The number of sentinels needed to suspend changed.
		QuorumSet { quorum: u32 },
		/// The model sentinels must score with changed; `None`: no model, no reports.
		ModelApproved { model_hash: Option<H256> },
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
		/// The account is already a sentinel.
		AlreadySentinel,
		/// The sentinel set is full (`MaxSentinels`).
		TooManySentinels,
		/// The quorum must be at least 1 and at most the number of sentinels.
		QuorumUnreachable,
		/// A threshold is between 1 and 1,000,000 parts per million.
		InvalidThreshold,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn offchain_worker(block: BlockNumberFor<T>) {
			let started = sp_io::offchain::timestamp();
			match Self::watch() {
				Ok(Watched { scored: 0, .. }) => {},
				Ok(Watched { scored, reported }) => log::info!(
					target: LOG_TARGET,
					"block {block:?}: scored {scored} practitioner(s) in {} ms, {reported} report(s) sent",
					sp_io::offchain::timestamp().diff(&started).millis(),
				),
				Err(why) => log::debug!(target: LOG_TARGET, "block {block:?}: {why}"),
			}
		}

		fn integrity_test() {
			assert!(T::MaxSentinels::get() > 0, "MaxSentinels must be positive");
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Report that `practitioner` scored `score_ppm` with the model `model_hash` on its window
		/// ending at `window_end`. Only a sentinel's report is accepted, and then it pays no fee;
		/// with a quorum of reports the practitioner is suspended.
		#[pallet::call_index(0)]
		#[pallet::weight((T::WeightInfo::report(), DispatchClass::Operational))]
		pub fn report(
			origin: OriginFor<T>,
			practitioner: T::AccountId,
			score_ppm: ScorePpm,
			model_hash: H256,
			window_end: AccessSeq,
		) -> DispatchResultWithPostInfo {
			let sentinel = ensure_signed(origin)?;
			let mut reports =
				Self::check_report(&sentinel, &practitioner, score_ppm, model_hash, window_end)?;
			let at = frame_system::Pallet::<T>::block_number();
			let report =
				Report { sentinel: sentinel.clone(), score_ppm, model_hash, window_end, at };
			// `check_report` left out this sentinel's report and every non-sentinel's: room.
			reports.try_push(report).map_err(|_| Error::<T>::TooManySentinels)?;
			Self::deposit_event(Event::AnomalyReported {
				practitioner: practitioner.clone(),
				sentinel,
				score_ppm,
				model_hash,
				window_end,
			});
			if reports.len() >= Quorum::<T>::get() as usize {
				Self::suspend(practitioner, reports, model_hash, window_end)?;
			} else {
				Reports::<T>::insert(&practitioner, reports);
			}
			Ok(Pays::No.into())
		}

		/// Count `sentinel`'s reports from now on.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::add_sentinel())]
		pub fn add_sentinel(origin: OriginFor<T>, sentinel: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Sentinels::<T>::try_mutate(|sentinels| {
				let at =
					sentinels.binary_search(&sentinel).err().ok_or(Error::<T>::AlreadySentinel)?;
				sentinels.try_insert(at, sentinel.clone()).map_err(|_| Error::<T>::TooManySentinels)
			})?;
			Self::deposit_event(Event::SentinelAdded { sentinel });
			Ok(())
		}

		/// Stop counting `sentinel`'s reports, its pending ones included. Refused if fewer
		/// sentinels than the quorum would remain.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::remove_sentinel())]
		pub fn remove_sentinel(origin: OriginFor<T>, sentinel: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Sentinels::<T>::try_mutate(|sentinels| {
				let at = sentinels.binary_search(&sentinel).map_err(|_| Error::<T>::NotSentinel)?;
				ensure!(
					sentinels.len() > Quorum::<T>::get() as usize,
					Error::<T>::QuorumUnreachable
				);
				sentinels.remove(at);
				Ok::<_, Error<T>>(())
			})?;
			Self::deposit_event(Event::SentinelRemoved { sentinel });
			Ok(())
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

		/// Suspend a practitioner once `quorum` distinct sentinels report it (1..=the number of
		/// sentinels).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_quorum())]
		pub fn set_quorum(origin: OriginFor<T>, quorum: u32) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let sentinels = Sentinels::<T>::decode_len().unwrap_or_default();
			ensure!(quorum >= 1 && quorum as usize <= sentinels, Error::<T>::QuorumUnreachable);
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
			Self::deposit_event(Event::ModelApproved { model_hash });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Whether `sentinel` may report `practitioner` as given; if so, the other sentinels'
		/// live reports on it. The call and the transaction pool both check with this.
		pub fn check_report(
			sentinel: &T::AccountId,
			practitioner: &T::AccountId,
			score_ppm: ScorePpm,
			model_hash: H256,
			window_end: AccessSeq,
		) -> Result<ReportsOf<T>, Error<T>> {
			let sentinels = Sentinels::<T>::get();
			ensure!(sentinels.binary_search(sentinel).is_ok(), Error::<T>::NotSentinel);
			ensure!(ApprovedModel::<T>::get() == Some(model_hash), Error::<T>::ModelNotApproved);
			ensure!(score_ppm <= MAX_SCORE_PPM, Error::<T>::ScoreOutOfRange);
			ensure!(score_ppm >= Threshold::<T>::get(), Error::<T>::BelowThreshold);
			T::Providers::active_practitioner(practitioner, T::Time::now())
				.map_err(|_| Error::<T>::PractitionerNotActive)?;
			let now = frame_system::Pallet::<T>::block_number();
			let mut reports = Reports::<T>::get(practitioner);
			reports.retain(|r| {
				r.model_hash == model_hash
					&& r.at.saturating_add(T::ReportLifetime::get()) > now
					&& sentinels.binary_search(&r.sentinel).is_ok()
			});
			if let Some(own) = reports.iter().find(|r| r.sentinel == *sentinel) {
				ensure!(own.window_end < window_end, Error::<T>::AlreadyReported);
			}
			reports.retain(|r| r.sentinel != *sentinel);
			Ok(reports)
		}

		/// A quorum has reported `practitioner`: suspend it and tell the security officers.
		fn suspend(
			practitioner: T::AccountId,
			reports: ReportsOf<T>,
			model_hash: H256,
			window_end: AccessSeq,
		) -> DispatchResult {
			let score_ppm = reports.iter().map(|r| r.score_ppm).min().unwrap_or_default();
			T::Providers::suspend(
				&practitioner,
				StatusReason::AnomalyDetected { score_ppm, model_hash },
			)?;
			Reports::<T>::remove(&practitioner);
			let mut reporters: Vec<T::AccountId> =
				reports.into_iter().map(|r| r.sentinel).collect();
			reporters.sort();
			Self::deposit_event(Event::PractitionerSuspended {
				practitioner,
				score_ppm,
				model_hash,
				window_end,
				// As many as the reports, which are bounded the same.
				reporters: SentinelsOf::<T>::truncate_from(reporters),
			});
			Ok(())
		}

		/// The offchain worker: score the practitioners touched in this block and report those
		/// at or above the threshold.
		fn watch() -> Result<Watched, &'static str> {
			let model = ApprovedModel::<T>::get().ok_or("no model is approved")?;
			let (signer, local) = Self::local_sentinels();
			if local.is_empty() {
				return Err("no sentinel key of a registered sentinel in the keystore");
			}
			let threshold = Threshold::<T>::get();
			let now = T::Time::now();
			let touched: Vec<T::AccountId> = T::AccessLog::touched()
				.into_iter()
				.filter(|p| T::Providers::active_practitioner(p, now).is_ok())
				.collect();
			let mut watched = Watched::default();
			for batch in touched.chunks(SCORING_BATCH) {
				let mut scored = Vec::with_capacity(batch.len());
				let mut wire = Features::new_batch(batch.len());
				for practitioner in batch {
					let window = T::AccessLog::window(practitioner);
					if window.len() < MIN_SCORED_WINDOW {
						continue;
					}
					let Some(end) = window.last().map(|d| d.seq) else { continue };
					if Self::already_reported(practitioner, &local, end) {
						continue;
					}
					let patient_log =
						|patient: &T::AccountId| T::AccessLog::patient_log(patient.clone());
					let hours = T::AccessLog::working_hours(practitioner);
					let referral_until = |patient: &T::AccountId| {
						T::AccessLog::referral_until(practitioner, patient)
					};
					features(&window, patient_log, T::Providers::ward_of, &hours, referral_until)
						.encode_to(&mut wire);
					scored.push((practitioner, end));
				}
				if scored.is_empty() {
					continue;
				}
				let scores = anomaly::score(model.as_fixed_bytes(), &wire)
					.ok_or("this node has no model, or not the approved one")?;
				watched.scored = watched.scored.saturating_add(scores.len() as u32);
				for ((practitioner, window_end), score_ppm) in scored.into_iter().zip(scores) {
					if score_ppm < threshold {
						continue;
					}
					let results = signer.send_signed_transaction(|_| Call::report {
						practitioner: practitioner.clone(),
						score_ppm,
						model_hash: model,
						window_end,
					});
					for (account, result) in results {
						match result {
							Ok(()) => watched.reported = watched.reported.saturating_add(1),
							Err(()) => log::warn!(
								target: LOG_TARGET,
								"the pool refused {:?}'s report on {practitioner:?}",
								account.id
							),
						}
					}
				}
			}
			Ok(watched)
		}

		/// A signer for this node's sentinel keys that belong to registered sentinels, and their
		/// accounts.
		fn local_sentinels() -> (Signer<T, T::AuthorityId, ForAll>, Vec<T::AccountId>) {
			let sentinels = Sentinels::<T>::get();
			let (publics, accounts): (Vec<T::Public>, Vec<T::AccountId>) =
				<T::AuthorityId as AppCrypto<T::Public, T::Signature>>::RuntimeAppPublic::all()
					.into_iter()
					.map(|key| {
						let generic: <T::AuthorityId as AppCrypto<_, _>>::GenericPublic =
							key.into();
						let public: T::Public = generic.into();
						let account = public.clone().into_account();
						(public, account)
					})
					.filter(|(_, account)| sentinels.binary_search(account).is_ok())
					.unzip();
			(Signer::<T, T::AuthorityId>::all_accounts().with_filter(publics), accounts)
		}

		/// Whether one of `local`'s sentinels has a report on `practitioner` for `window_end`
		/// or later on chain.
		fn already_reported(
			practitioner: &T::AccountId,
			local: &[T::AccountId],
			window_end: AccessSeq,
		) -> bool {
			Reports::<T>::get(practitioner)
				.iter()
				.any(|r| r.window_end >= window_end && local.contains(&r.sentinel))
		}
	}

	impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
		type Public = crypto::Public;
	}
}

/// What one run of the offchain worker did.
#[derive(Default)]
struct Watched {
	scored: u32,
	reported: u32,
}

/// A threshold is a score in 1..=1,000,000 (0 would report everyone).
fn valid_threshold(threshold: ScorePpm) -> bool {
	(1..=MAX_SCORE_PPM).contains(&threshold)
}

/// How the runtime sets up the provider registry for this pallet's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// A practitioner who may act (and so may be reported and suspended).
	fn active_practitioner() -> AccountId;
}
