//! Runtime API of patients' consents, so that the patient app and integrators read consents
//! without decoding storage by hand.

use crate::{
	BreakGlassPolicy, Category, ConsentDenial, ConsentInfo, ConsentMatch, Grantee, Guardianship,
	Purpose, Restriction,
};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Read patients' consents.
	pub trait ConsentApi<AccountId>
	where
		AccountId: Codec,
	{
		/// Every consent `patient` has on chain (in force, scheduled, or lapsed and not yet
		/// cleared), each with its state at this block.
		fn consents_of(patient: AccountId) -> Vec<ConsentInfo<AccountId>>;

		/// The consents given to `grantee`, for at most `limit` patients (at most 256) after
		/// the patient `start_after` (the last patient of the previous page; `None`: from the
		/// start), in storage order.
		fn consents_to(
			grantee: Grantee<AccountId>,
			start_after: Option<AccountId>,
			limit: u32,
		) -> Vec<ConsentInfo<AccountId>>;

		/// Whether `practitioner`, a member of `organisation`, may see `category` of `patient`
		/// for `purpose` at this block, and through which consent; nothing is counted. A
		/// restricted record is answered as if the practitioner held no referral of the patient
		/// (the audit pallet's decision counts one).
		fn check(
			patient: AccountId,
			practitioner: AccountId,
			organisation: AccountId,
			category: Category,
			purpose: Purpose,
		) -> Result<ConsentMatch, ConsentDenial>;

		/// The guardians `patient` has named.
		fn guardians_of(patient: AccountId) -> Vec<Guardianship<AccountId>>;

		/// The break-glass policy of `patient`.
		fn break_glass_policy(patient: AccountId) -> BreakGlassPolicy;

		/// Who restricted `patient`'s record; `None` if it is not restricted.
		fn restriction_of(patient: AccountId) -> Option<Restriction<AccountId>>;
	}
}
