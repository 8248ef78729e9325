//! # Validator set: the council decides who authors and finalises blocks
//!
//! The consortium's validators are member organisations' nodes, admitted and removed by the
//! council, not elected by stake. This pallet keeps the set the council decided
//! ([`Validators`]) and hands it to `pallet-session` as its [`SessionManager`]: the session
//! pallet then gives every session key's pallet (Aura for authoring, GRANDPA for finality, the
//! sentinel for anomaly reports) the new validators' keys at a session boundary.
//!
//! ## Admitting a validator
//!
//! 1. The organisation's node makes its session keys and a proof that it holds them:
//!    `author_rotateKeysWithOwner(account)` on the node's own RPC answers `{ keys, proof }`.
//! 2. The organisation's validator account registers them: `session.set_keys(keys, proof)`.
//! 3. A council motion: [`add_validator`](Pallet::add_validator). It refuses an account without
//!    registered keys ([`Error::NoSessionKeys`]): a validator that cannot author would only cost
//!    the set a slot.
//!
//! [`remove_validator`](Pallet::remove_validator) takes one out; the set never goes below
//! [`Config::MinValidators`] (three on this chain: with fewer, one faulty validator stops
//! finality). A genesis may start with fewer (the one-node development chain).
//!
//! ## When a change applies
//!
//! FRAME applies a new set two sessions after it is planned: the session that starts next was
//! planned at the start of the current one. Sessions are long ([`Config::SessionPeriod`] blocks:
//! nothing else in the runtime hangs on them, and every session boundary's block is reserved for
//! the rotation), so a council change ends the current session at the next block and that new
//! session at the block after ([`RotationsDue`]): the new validators author from the second
//! block after the motion, and GRANDPA's set changes in that block.
#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;
pub use weights::WeightInfo;

extern crate alloc;

use alloc::vec::Vec;
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_session::{PeriodicSessions, SessionManager, ShouldEndSession};

/// Sessions to end early after a change: the one that runs and the one it planned.
const ROTATIONS_TO_APPLY: u32 = 2;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::ValidatorRegistration};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::StaticLookup;

	type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;
	/// The validators, sorted.
	pub type ValidatorsOf<T> =
		BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxValidators>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Who admits and removes validators: the council.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Whether an account has registered session keys (`pallet-session`).
		type Registration: ValidatorRegistration<Self::AccountId>;
		/// The fewest validators a removal may leave.
		#[pallet::constant]
		type MinValidators: Get<u32>;
		/// The most validators (Aura's and GRANDPA's limit).
		#[pallet::constant]
		type MaxValidators: Get<u32>;
		/// Blocks per session when the council changes nothing.
		#[pallet::constant]
		type SessionPeriod: Get<BlockNumberFor<Self>>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
		/// Registers session keys for an account in benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The validators the council decided, sorted. The session pallet's `Validators` is the set
	/// that authors now; this one is the set from the session after next.
	#[pallet::storage]
	pub type Validators<T: Config> = StorageValue<_, ValidatorsOf<T>, ValueQuery>;

	/// Whether [`Validators`] changed since the session pallet last planned a session.
	#[pallet::storage]
	pub type ChangePlanned<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// Sessions to end at the next block, so that a change applies now rather than in two
	/// sessions' time.
	#[pallet::storage]
	pub type RotationsDue<T: Config> = StorageValue<_, u32, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The first validators; each needs its keys in the session pallet's genesis. None: the
		/// session pallet's genesis keys name them.
		pub validators: Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let mut validators = self.validators.clone();
			validators.sort();
			validators.dedup();
			assert_eq!(validators.len(), self.validators.len(), "genesis names a validator twice");
			let validators = ValidatorsOf::<T>::try_from(validators)
				.expect("genesis names more validators than MaxValidators");
			Validators::<T>::put(validators);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `validator` joins the set; it authors from the second block on.
		ValidatorAdded { validator: T::AccountId },
		/// `validator` leaves the set; it stops authoring from the second block on.
		ValidatorRemoved { validator: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is a validator already.
		AlreadyValidator,
		/// The account is not a validator.
		NotValidator,
		/// The account has registered no session keys (`session.set_keys`).
		NoSessionKeys,
		/// The set is at `MaxValidators`.
		TooManyValidators,
		/// The removal would leave fewer than `MinValidators`.
		TooFewValidators,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Admit `validator`, whose session keys are registered. Origin: `GovernanceOrigin`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_validator(T::MaxValidators::get()))]
		pub fn add_validator(
			origin: OriginFor<T>,
			validator: AccountIdLookupOf<T>,
		) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let validator = T::Lookup::lookup(validator)?;
			ensure!(T::Registration::is_registered(&validator), Error::<T>::NoSessionKeys);
			let count = Validators::<T>::try_mutate(|validators| {
				let at = validators
					.binary_search(&validator)
					.err()
					.ok_or(Error::<T>::AlreadyValidator)?;
				validators
					.try_insert(at, validator.clone())
					.map_err(|_| Error::<T>::TooManyValidators)?;
				Ok::<_, Error<T>>(validators.len() as u32)
			})?;
			Self::apply_change();
			Self::deposit_event(Event::ValidatorAdded { validator });
			Ok(Some(T::WeightInfo::add_validator(count)).into())
		}

		/// Remove `validator`, unless fewer than `MinValidators` would remain. Origin:
		/// `GovernanceOrigin`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_validator(T::MaxValidators::get()))]
		pub fn remove_validator(
			origin: OriginFor<T>,
			validator: AccountIdLookupOf<T>,
		) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let validator = T::Lookup::lookup(validator)?;
			let count = Validators::<T>::try_mutate(|validators| {
				let at =
					validators.binary_search(&validator).map_err(|_| Error::<T>::NotValidator)?;
				ensure!(
					validators.len() > T::MinValidators::get() as usize,
					Error::<T>::TooFewValidators
				);
				validators.remove(at);
				Ok::<_, Error<T>>(validators.len() as u32 + 1)
			})?;
			Self::apply_change();
			Self::deposit_event(Event::ValidatorRemoved { validator });
			Ok(Some(T::WeightInfo::remove_validator(count)).into())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Have the next session plan the new set, and end sessions until it authors.
		fn apply_change() {
			ChangePlanned::<T>::put(true);
			RotationsDue::<T>::put(ROTATIONS_TO_APPLY);
		}
	}
}

impl<T: Config> SessionManager<T::AccountId> for Pallet<T> {
	/// The council's set if it changed since the last plan; `None` keeps the planned set (and
	/// GRANDPA's set id).
	fn new_session(_: u32) -> Option<Vec<T::AccountId>> {
		ChangePlanned::<T>::take().then(|| Validators::<T>::get().into_inner())
	}

	fn new_session_genesis(_: u32) -> Option<Vec<T::AccountId>> {
		Some(Validators::<T>::get().into_inner()).filter(|validators| !validators.is_empty())
	}

	fn end_session(_: u32) {}

	fn start_session(_: u32) {
		RotationsDue::<T>::mutate(|due| *due = due.saturating_sub(1));
	}
}

impl<T: Config> ShouldEndSession<BlockNumberFor<T>> for Pallet<T> {
	/// Every `SessionPeriod` blocks, and at once while a change has rotations due.
	fn should_end_session(now: BlockNumberFor<T>) -> bool {
		RotationsDue::<T>::get() > 0
			|| PeriodicSessions::<T::SessionPeriod, ()>::should_end_session(now)
	}
}

/// What benchmarks need of the runtime: session keys registered for an account.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Register session keys for `who`, as `session.set_keys` would.
	fn register_keys(who: &AccountId);
}
