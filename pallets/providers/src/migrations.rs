//! Storage migrations of the providers pallet.

use crate::{BalanceOf, Config, Credential, Organisation, Organisations, Pallet, StatusRecord};
use ehr_primitives::providers::OrganisationKind;
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};

/// Version 0 to 1: every organisation gets an offset from UTC, 0 (UTC) until it sets its own.
pub type MigrateToV1<T> =
	VersionedMigration<0, 1, v1::FromV0<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

pub mod v1 {
	use super::*;

	/// An organisation as version 0 kept it.
	#[derive(Decode)]
	pub struct OrganisationV0<AccountId, Balance> {
		pub kind: OrganisationKind,
		pub credential: Credential,
		pub status: StatusRecord<AccountId>,
		pub practitioners: u32,
		pub deposit: Balance,
	}

	/// Each organisation kept as it was, at UTC. The consortium's organisations are few (each
	/// holds a deposit): one block's work.
	pub struct FromV0<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for FromV0<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut translated = 0u64;
			Organisations::<T>::translate::<OrganisationV0<T::AccountId, BalanceOf<T>>, _>(
				|_, old| {
					translated = translated.saturating_add(1);
					Some(Organisation {
						kind: old.kind,
						credential: old.credential,
						status: old.status,
						practitioners: old.practitioners,
						deposit: old.deposit,
						utc_offset: 0,
					})
				},
			);
			T::DbWeight::get().reads_writes(translated, translated)
		}
	}
}
