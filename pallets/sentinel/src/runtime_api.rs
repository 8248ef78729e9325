//! What the council's tools ask the sentinel: the automatic suspensions waiting for its review,
//! the practitioners the circuit breaker flagged instead of suspending, and (version 2) where
//! each peer group stands: uncalibrated, in shadow, or live above its calibrated score.

use crate::Flag;
use alloc::vec::Vec;
use codec::Codec;
use ehr_primitives::{calibration::PeerGroupState, providers::PractitionerRole};

sp_api::decl_runtime_apis! {
	/// The sentinel's work waiting for the council, and its peer groups.
	#[api_version(2)]
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

		/// Where `organisation`'s practitioners in `role` stand.
		#[api_version(2)]
		fn peer_group(organisation: AccountId, role: PractitionerRole) -> PeerGroupState;

		/// Every peer group a sentinel has proposed a calibrated score for, with where it
		/// stands (a group not listed is uncalibrated or in shadow with no proposal).
		#[api_version(2)]
		fn peer_groups() -> Vec<(AccountId, PractitionerRole, PeerGroupState)>;
	}
}
