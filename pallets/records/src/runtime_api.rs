//! Runtime API of records: what an integrator asks before trusting a copy of a record, what a
//! patient's app and a custodian list, and what the council watches.

use crate::{ContentHash, ErasureTarget, OverdueErasure, RecordId, RecordInfo, RecordVerdict};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Read patients' record anchors.
	pub trait RecordsApi<AccountId>
	where
		AccountId: Codec,
	{
		/// Whether a copy of `patient`'s record `record_id` whose content hashes to
		/// `content_hash` is its current version, an outdated one, unknown (altered, or never
		/// anchored) or erased.
		fn verify_record(patient: AccountId, record_id: RecordId, content_hash: ContentHash) -> RecordVerdict;

		/// `patient`'s record `record_id`: its custodian, category, versions or tombstone, and
		/// any erasure request waiting for it.
		fn record(patient: AccountId, record_id: RecordId) -> Option<RecordInfo<AccountId>>;

		/// At most `limit` (at most 256) records of `patient` after the record `start_after`
		/// (the last of the previous page; `None`: from the start), in storage order.
		fn records_of(patient: AccountId, start_after: Option<RecordId>, limit: u32) -> Vec<RecordInfo<AccountId>>;

		/// Erasure requests that their custodians have not confirmed within the erasure period,
		/// at most `limit` (at most 256) after `start_after` (the last of the previous page), for
		/// the council.
		fn overdue_erasures(start_after: Option<(AccountId, ErasureTarget)>, limit: u32) -> Vec<OverdueErasure<AccountId>>;
	}
}
