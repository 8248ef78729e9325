//! What the council's tools ask the sentinel: the automatic suspensions waiting for its review
//! and the practitioners the circuit breaker flagged instead of suspending.

use crate::Flag;
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// The sentinel's work waiting for the council.
	pub trait SentinelApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// Practitioners suspended automatically and not yet confirmed, with the block each
		/// suspension lapses in.
		fn awaiting_review() -> Vec<(AccountId, BlockNumber)>;

		/// Practitioners a quorum reported while the day's automatic suspensions were used up.
		fn flagged_for_review() -> Vec<(AccountId, Flag<BlockNumber>)>;
	}
}
