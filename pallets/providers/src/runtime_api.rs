//! Runtime API of the provider registry, so that Polkadot.js Apps, integrators and the patient
//! app read providers without decoding storage by hand.

use crate::{ActivePractitioner, Organisation, Practitioner, ProviderDenial};
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Read the provider registry.
	pub trait ProvidersApi<AccountId, Balance>
	where
		AccountId: Codec,
		Balance: Codec,
	{
		/// The organisation registered under `who`, if any.
		fn organisation(who: AccountId) -> Option<Organisation<AccountId, Balance>>;

		/// The practitioner registered under `who`, if any.
		fn practitioner(who: AccountId) -> Option<Practitioner<AccountId, Balance>>;

		/// Whether `who` may act as a practitioner now (at the block's timestamp), and if not, why.
		fn practitioner_access(who: AccountId) -> Result<ActivePractitioner<AccountId>, ProviderDenial>;
	}
}
