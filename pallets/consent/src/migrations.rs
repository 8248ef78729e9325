//! Storage migrations of the consent pallet.

use crate::{
	Categories, CategoryList, Config, Consent, ConsentTerms, Consents, ConsentsOf, Pallet,
	PatientConsents, PurposeList, SensitiveList,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use ehr_primitives::{
	consent::{Category, ConsentId, RecordCategory},
	Moment,
};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};
use sp_runtime::Saturating;

/// Version 0 to 1: consents name sensitive categories by commitment, never in clear. A
/// commitment needs the patient's salt, which the chain never held: a consent loses the
/// sensitive categories it named in clear (a patient grants them again, blinded), and one that
/// named nothing else is removed. Failing closed is the only choice that clears them from state.
pub type MigrateToV1<T> =
	VersionedMigration<0, 1, v1::FromV0<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

pub mod v1 {
	use super::*;

	/// `Categories` as version 0 stored it: the 14 categories in clear.
	#[derive(Encode, Decode)]
	pub enum CategoriesV0 {
		AllStandard { sensitive: Vec<RecordCategory> },
		Only(Vec<RecordCategory>),
	}

	/// `ConsentTerms` as version 0 stored it.
	#[derive(Encode, Decode)]
	pub struct TermsV0 {
		pub categories: CategoriesV0,
		pub purposes: PurposeList,
		pub from: Moment,
		pub until: Option<Moment>,
		pub max_accesses: Option<u32>,
	}

	/// `Consent` as version 0 stored it.
	#[derive(Encode, Decode)]
	pub struct ConsentV0<AccountId> {
		pub id: ConsentId,
		pub terms: TermsV0,
		pub accesses: u32,
		pub granted_by: AccountId,
		pub granted_at: Moment,
	}

	/// Rewrites every consent without its sensitive categories, and removes from the patients'
	/// indexes the consents that covered nothing else.
	pub struct FromV0<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for FromV0<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut lists, mut removed) = (0u64, Vec::new());
			Consents::<T>::translate::<Vec<ConsentV0<T::AccountId>>, _>(|_, patient, old| {
				lists.saturating_inc();
				let mut kept = Vec::new();
				for consent in old {
					match blinded(consent) {
						Ok(consent) => kept.push(consent),
						Err(id) => removed.push((patient.clone(), id)),
					}
				}
				let kept = ConsentsOf::<T>::truncate_from(kept);
				(!kept.is_empty()).then_some(kept)
			});
			let indexes = removed.len() as u64;
			for (patient, id) in removed {
				PatientConsents::<T>::mutate_exists(&patient, |refs| {
					if let Some(list) = refs {
						list.retain(|r| r.consent != id);
						if list.is_empty() {
							*refs = None;
						}
					}
				});
			}
			T::DbWeight::get()
				.reads_writes(lists.saturating_add(indexes), lists.saturating_add(indexes))
		}
	}

	/// The consent without its sensitive categories, or its id if nothing is left of it.
	fn blinded<AccountId>(old: ConsentV0<AccountId>) -> Result<Consent<AccountId>, ConsentId> {
		let categories = match old.terms.categories {
			CategoriesV0::AllStandard { .. } => {
				Categories::AllStandard { sensitive: SensitiveList::new() }
			},
			CategoriesV0::Only(listed) => {
				let kept: Vec<Category> = listed
					.into_iter()
					.filter_map(|c| c.standard().map(Category::Standard))
					.collect();
				if kept.is_empty() {
					return Err(old.id);
				}
				Categories::Only(CategoryList::truncate_from(kept))
			},
		};
		let terms = ConsentTerms {
			categories,
			purposes: old.terms.purposes,
			from: old.terms.from,
			until: old.terms.until,
			max_accesses: old.terms.max_accesses,
		};
		Ok(Consent {
			id: old.id,
			terms,
			accesses: old.accesses,
			granted_by: old.granted_by,
			granted_at: old.granted_at,
		})
	}
}
