//! # Mandate: the council acts as Root
//!
//! Some acts belong to no pallet of ours and need the chain's `Root` origin: authorising a
//! runtime upgrade (`system.authorize_upgrade`), forcing a balance, killing a storage key. On
//! `--dev` the sudo key holds `Root`; on a consortium's chain nobody does, and a motion of the
//! council cannot be `Root` by itself (an approved motion dispatches as the collective's origin,
//! `Members(yes, total)`). This pallet is the bridge: `dispatch_as_root(call)`, from
//! `MandateOrigin` (the council by its constitutional majority), dispatches `call` as `Root`.
//!
//! ## Upgrading the runtime
//!
//! A council member proposes `mandate.dispatch_as_root(system.authorize_upgrade(code_hash))`;
//! once the motion is approved and closed, anyone submits `system.apply_authorized_upgrade(code)`
//! with the wasm whose hash was authorised (free when it matches). The motion carries 32 bytes,
//! not the runtime.
//!
//! ## Why not `pallet-whitelist`
//!
//! The whitelist is built for two bodies: one that vouches for a call's hash and a referendum
//! that dispatches it, with the call's preimage noted (and a deposit held) in between. The
//! consortium has one body, its council: here one motion is one act, and the call travels in the
//! motion itself.
//!
//! ## Results
//!
//! The call's own result is this call's result: a failed call fails `dispatch_as_root` with the
//! call's error, which the council's `Executed { result }` event shows. The weight charged is the
//! call's (its actual weight where it reports one) plus this pallet's overhead.
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

#[frame_support::pallet]
pub mod pallet {
	use super::WeightInfo;
	use alloc::boxed::Box;
	use frame_support::{
		dispatch::{GetDispatchInfo, PostDispatchInfo},
		pallet_prelude::*,
		traits::UnfilteredDispatchable,
	};
	use frame_system::{pallet_prelude::*, RawOrigin};
	use sp_runtime::traits::Dispatchable;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// A call of the runtime, dispatched as `Root`.
		type RuntimeCall: Parameter
			+ Dispatchable<RuntimeOrigin = Self::RuntimeOrigin, PostInfo = PostDispatchInfo>
			+ UnfilteredDispatchable<RuntimeOrigin = Self::RuntimeOrigin>
			+ GetDispatchInfo;
		/// Who may act as `Root`: the council by its constitutional majority.
		type MandateOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Weights of this pallet's own work (`weights.rs`, from `benchmarking.rs`).
		type WeightInfo: WeightInfo;
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Dispatch `call` as `Root`. Origin: `MandateOrigin` (a motion of the council).
		///
		/// Fails with the call's own error if the call fails; `BadOrigin` for any other origin,
		/// before the call is looked at.
		#[pallet::call_index(0)]
		#[pallet::weight({
			let info = call.get_dispatch_info();
			(T::WeightInfo::dispatch_as_root().saturating_add(info.call_weight), info.class)
		})]
		pub fn dispatch_as_root(
			origin: OriginFor<T>,
			call: Box<<T as Config>::RuntimeCall>,
		) -> DispatchResultWithPostInfo {
			T::MandateOrigin::ensure_origin(origin)?;
			let with_overhead = |mut post: PostDispatchInfo| {
				// `None` means the declared weight, which already counts the overhead.
				post.actual_weight = post
					.actual_weight
					.map(|weight| weight.saturating_add(T::WeightInfo::dispatch_as_root()));
				post
			};
			call.dispatch_bypass_filter(RawOrigin::Root.into()).map(with_overhead).map_err(
				|mut error| {
					error.post_info = with_overhead(error.post_info);
					error
				},
			)
		}
	}
}
