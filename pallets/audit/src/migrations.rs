//! Storage migrations of the audit pallet.

use crate::{
	ring_slot, Config, EmergencyGrant, EmergencyGrants, LatestDecisions, OpenEmergencies, Pallet,
	PendingReviews, PractitionerCursors, PractitionerWindow,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use ehr_primitives::{audit::block_of, features::WorkingHours, BlockNumber};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};
use sp_runtime::Saturating;

/// Version 0 to 1: each practitioner's `WindowCursor` keeps its latest decisions (the newest,
/// and the newest before that one's block) instead of its last block, so that a sentinel's
/// report can be checked against them; an emergency grant is kept per category (it was per
/// practitioner and patient, and opened every category); each practitioner's count of emergency
/// accesses waiting for review is kept (`OpenEmergencies`, new).
pub type MigrateToV1<T> =
	VersionedMigration<0, 1, v1::FromV0<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

pub mod v1 {
	use super::*;

	/// `WindowCursor` as version 0 stored it.
	#[derive(Encode, Decode)]
	pub struct CursorV0 {
		pub logged: u64,
		pub last_block: BlockNumber,
		pub hours: WorkingHours,
	}

	/// Storage as version 0 kept it.
	pub mod v0 {
		use super::*;

		/// The emergency grants, by practitioner and patient.
		#[frame_support::storage_alias]
		pub type EmergencyGrants<T: Config> = StorageDoubleMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			EmergencyGrant,
		>;
	}

	/// Rewrites every cursor, reading its practitioner's window from the newest decision back
	/// to the first one of an earlier block; and every emergency grant, keyed by the category
	/// its emergency access named (a grant whose access was reviewed already, so that the
	/// category is not on chain, ends: the practitioner breaks the glass again if it must).
	pub struct FromV0<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for FromV0<T> {
		fn on_runtime_upgrade() -> Weight {
			Self::migrate_cursors()
				.saturating_add(Self::migrate_grants())
				.saturating_add(Self::count_open_emergencies())
		}
	}

	impl<T: Config> FromV0<T> {
		fn migrate_grants() -> Weight {
			// Read all first: the new map lives under the same prefix.
			let old: Vec<_> = v0::EmergencyGrants::<T>::drain().collect();
			let grants = old.len() as u64;
			for (practitioner, patient, grant) in old {
				if let Some(access) = PendingReviews::<T>::get(grant.access) {
					EmergencyGrants::<T>::insert((practitioner, patient, access.category), grant);
				}
			}
			T::DbWeight::get().reads_writes(grants.saturating_mul(2), grants.saturating_mul(2))
		}

		fn count_open_emergencies() -> Weight {
			let mut pending = 0u64;
			for access in PendingReviews::<T>::iter_values() {
				pending.saturating_inc();
				OpenEmergencies::<T>::mutate(&access.practitioner, |open| open.saturating_inc());
			}
			T::DbWeight::get().reads_writes(pending.saturating_mul(2), pending)
		}

		fn migrate_cursors() -> Weight {
			let (mut cursors, mut slots) = (0u64, 0u64);
			PractitionerCursors::<T>::translate::<CursorV0, _>(|practitioner, old| {
				cursors.saturating_inc();
				let length = T::WindowLength::get();
				// Newest first, as far as the ring goes.
				let mut window = (old.logged.saturating_sub(u64::from(length))..old.logged)
					.rev()
					.filter_map(|n| {
						slots.saturating_inc();
						PractitionerWindow::<T>::get(&practitioner, ring_slot(n, length))
					});
				let newest = window.next().map_or(u64::from(old.last_block) << 32, |d| d.seq);
				let before_newest_block =
					window.find(|d| d.block < block_of(newest)).map_or(0, |d| d.seq);
				Some(crate::WindowCursor {
					logged: old.logged,
					latest: LatestDecisions { newest, before_newest_block },
					hours: old.hours,
				})
			});
			T::DbWeight::get().reads_writes(cursors.saturating_add(slots), cursors)
		}
	}
}
