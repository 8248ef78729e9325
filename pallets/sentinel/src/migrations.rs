//! Storage migrations of the sentinel pallet.

use crate::{Config, Pallet, Quorum, Sentinels};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};
use sp_runtime::{PerThing, Perbill, Rounding};

/// Version 0 to 1: the quorum, a count of sentinels, becomes a fraction of the set.
pub type MigrateToV1<T> =
	VersionedMigration<0, 1, v1::FromV0<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

pub mod v1 {
	use super::*;

	/// The count `q` of `n` sentinels becomes the fraction that needs the same count today,
	/// (q - 1) / n rounded up, or `MinQuorum` if that is more: a count that one key could
	/// meet in a larger set does not survive the upgrade.
	pub struct FromV0<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for FromV0<T> {
		fn on_runtime_upgrade() -> Weight {
			let sentinels = Sentinels::<T>::decode_len().unwrap_or_default() as u32;
			let translated = Quorum::<T>::translate::<u32, _>(|count| {
				let count = count.unwrap_or(1).clamp(1, sentinels.max(1));
				let kept = Perbill::from_rational_with_rounding(
					count.saturating_sub(1),
					sentinels.max(1),
					Rounding::Up,
				)
				.unwrap_or(Perbill::zero());
				Some(kept.max(T::MinQuorum::get()).min(Perbill::from_parts(999_999_999)))
			});
			if translated.is_err() {
				// Not a count: written by this version already.
				log::warn!(target: "runtime::sentinel", "quorum migration: not a count, left as is");
			}
			T::DbWeight::get().reads_writes(2, 1)
		}
	}
}
