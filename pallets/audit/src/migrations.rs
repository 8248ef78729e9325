//! Storage migrations of the audit pallet.

use crate::{
	ring_slot, Config, EmergencyAccess, EmergencyGrant, EmergencyGrants, LatestDecisions,
	OpenEmergencies, OrganisationVerdicts, Pallet, PatientLog, PendingReviews, PractitionerCursors,
	PractitionerWindow, ReviewedEmergency, Verdict,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use ehr_primitives::{
	audit::{
		block_of, AccessDecision, AccessOutcome, AccessSeq, EmergencyAccessId, EmergencyReason,
	},
	consent::{Category, Purpose, RecordCategory},
	features::WorkingHours,
	providers::PractitionerRole,
	BlockNumber, Moment,
};
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
	/// its emergency access named (in clear, as version 1 kept it) (a grant whose access was reviewed already, so that the
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
				if let Some(access) = v2::v1::PendingReviews::<T>::get(grant.access) {
					let key = (practitioner, patient, access.category);
					v2::v1::EmergencyGrants::<T>::insert(key, grant);
				}
			}
			T::DbWeight::get().reads_writes(grants.saturating_mul(2), grants.saturating_mul(2))
		}

		fn count_open_emergencies() -> Weight {
			let mut pending = 0u64;
			for access in v2::v1::PendingReviews::<T>::iter_values() {
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
						v2::v1::PractitionerWindow::<T>::get(&practitioner, ring_slot(n, length))
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

/// Version 1 to 2: sensitive categories are blinded, and decisions and emergency accesses note
/// whether the record was restricted (none was before). The chain never held the salts that
/// blind them, so what state logged in clear becomes [`Category::SENSITIVE_UNNAMED`], which
/// says "sensitive" and nothing more; an open emergency grant on a sensitive category ends (the
/// practitioner breaks the glass again, naming its commitment). The block history keeps the
/// categories it recorded: `docs/privacy.md` says so.
pub type MigrateToV2<T> =
	VersionedMigration<1, 2, v2::FromV1<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

pub mod v2 {
	use super::*;

	/// `AccessDecision` as version 1 stored it.
	#[derive(Encode, Decode)]
	pub struct DecisionV1<AccountId> {
		pub seq: AccessSeq,
		pub at: Moment,
		pub block: BlockNumber,
		pub practitioner: AccountId,
		pub organisation: Option<AccountId>,
		pub role: Option<PractitionerRole>,
		pub patient: AccountId,
		pub category: RecordCategory,
		pub purpose: Purpose,
		pub emergency: bool,
		pub outcome: AccessOutcome,
	}

	#[cfg(feature = "std")]
	impl<AccountId> DecisionV1<AccountId> {
		/// `decision` as version 1 stored it, its category `category` in clear: what a
		/// migration test starts from.
		pub fn of(decision: AccessDecision<AccountId>, category: RecordCategory) -> Self {
			DecisionV1 {
				seq: decision.seq,
				at: decision.at,
				block: decision.block,
				practitioner: decision.practitioner,
				organisation: decision.organisation,
				role: decision.role,
				patient: decision.patient,
				category,
				purpose: decision.purpose,
				emergency: decision.emergency,
				outcome: decision.outcome,
			}
		}
	}

	/// `EmergencyAccess` as version 1 stored it.
	#[derive(Encode, Decode)]
	pub struct EmergencyAccessV1<AccountId> {
		pub practitioner: AccountId,
		pub organisation: AccountId,
		pub patient: AccountId,
		pub category: RecordCategory,
		pub reason: EmergencyReason,
		pub opened_at: Moment,
		pub until: Moment,
	}

	/// `ReviewedEmergency` as version 1 stored it.
	#[derive(Encode, Decode)]
	pub struct ReviewedEmergencyV1<AccountId> {
		pub access: EmergencyAccessV1<AccountId>,
		pub verdict: Verdict,
		pub reviewed_at: Moment,
	}

	impl<AccountId> From<DecisionV1<AccountId>> for AccessDecision<AccountId> {
		fn from(old: DecisionV1<AccountId>) -> Self {
			AccessDecision {
				seq: old.seq,
				at: old.at,
				block: old.block,
				practitioner: old.practitioner,
				organisation: old.organisation,
				role: old.role,
				patient: old.patient,
				category: old.category.without_salt(),
				purpose: old.purpose,
				emergency: old.emergency,
				restricted: false,
				outcome: old.outcome,
			}
		}
	}

	impl<AccountId> From<EmergencyAccessV1<AccountId>> for EmergencyAccess<AccountId> {
		fn from(old: EmergencyAccessV1<AccountId>) -> Self {
			EmergencyAccess {
				practitioner: old.practitioner,
				organisation: old.organisation,
				patient: old.patient,
				category: old.category.without_salt(),
				restricted: false,
				reason: old.reason,
				opened_at: old.opened_at,
				until: old.until,
			}
		}
	}

	/// Storage as version 1 kept it.
	pub mod v1 {
		use super::*;

		/// Each practitioner's last decisions, categories in clear.
		#[frame_support::storage_alias]
		pub type PractitionerWindow<T: Config> = StorageDoubleMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			Twox64Concat,
			u32,
			DecisionV1<<T as frame_system::Config>::AccountId>,
		>;

		/// Emergency accesses waiting for review, categories in clear.
		#[frame_support::storage_alias]
		pub type PendingReviews<T: Config> = StorageMap<
			Pallet<T>,
			Twox64Concat,
			EmergencyAccessId,
			EmergencyAccessV1<<T as frame_system::Config>::AccountId>,
		>;

		/// The emergency grants, by practitioner, patient and category in clear.
		#[frame_support::storage_alias]
		pub type EmergencyGrants<T: Config> = StorageNMap<
			Pallet<T>,
			(
				NMapKey<Blake2_128Concat, <T as frame_system::Config>::AccountId>,
				NMapKey<Blake2_128Concat, <T as frame_system::Config>::AccountId>,
				NMapKey<Twox64Concat, RecordCategory>,
			),
			EmergencyGrant,
		>;
	}

	/// Rewrites every logged decision, every emergency access waiting for review or for an
	/// override, and the open emergency grants on standard categories.
	pub struct FromV1<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for FromV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut items = 0u64;
			let mut count = || items.saturating_inc();
			PractitionerWindow::<T>::translate::<DecisionV1<T::AccountId>, _>(|_, _, old| {
				count();
				Some(old.into())
			});
			PatientLog::<T>::translate::<DecisionV1<T::AccountId>, _>(|_, _, old| {
				count();
				Some(old.into())
			});
			PendingReviews::<T>::translate::<EmergencyAccessV1<T::AccountId>, _>(|_, old| {
				count();
				Some(old.into())
			});
			OrganisationVerdicts::<T>::translate::<ReviewedEmergencyV1<T::AccountId>, _>(
				|_, old| {
					count();
					Some(ReviewedEmergency {
						access: old.access.into(),
						verdict: old.verdict,
						reviewed_at: old.reviewed_at,
					})
				},
			);
			// Read all first: the new map lives under the same prefix.
			let grants: Vec<_> = v1::EmergencyGrants::<T>::drain().collect();
			for ((practitioner, patient, category), grant) in grants {
				count();
				if let Some(standard) = category.standard() {
					EmergencyGrants::<T>::insert(
						(practitioner, patient, Category::Standard(standard)),
						grant,
					);
				}
			}
			T::DbWeight::get().reads_writes(items, items)
		}
	}
}
