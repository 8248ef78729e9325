//! Runtime API of the access log, so that the patient app, integrators and the sentinel read
//! decisions without decoding storage by hand.

use crate::{AccessDecision, AccessSeq, EmergencyAccess, EmergencyAccessId};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Read the access log.
	pub trait AuditApi<AccountId>
	where
		AccountId: Codec,
	{
		/// `patient`'s recent access decisions with a sequence number of at least `from`,
		/// oldest first, at most `limit` (the chain keeps the last `PatientLogLength`; older
		/// ones are in the blocks' events).
		fn accesses_of(patient: AccountId, from: AccessSeq, limit: u32) -> Vec<AccessDecision<AccountId>>;

		/// `practitioner`'s last `WindowLength` decisions, oldest first: the sentinel's window.
		fn window_of(practitioner: AccountId) -> Vec<AccessDecision<AccountId>>;

		/// The practitioners that made a request in this block.
		fn touched() -> Vec<AccountId>;

		/// The emergency access `access`, if it waits for review.
		fn pending_review(access: EmergencyAccessId) -> Option<EmergencyAccess<AccountId>>;
	}
}
