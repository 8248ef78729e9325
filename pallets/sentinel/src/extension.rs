//! The transaction pool's check on sentinel reports: a report that the call would refuse (from
//! an account that is not a sentinel, for another model, a duplicate, ...) is invalid, so it
//! never reaches a block and costs the chain nothing.

use crate::{Call, Config, Pallet, WeightInfo};
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::{IsSubType, OriginTrait},
	DefaultNoBound,
};
use scale_info::TypeInfo;
use sp_runtime::{
	impl_tx_ext_default,
	traits::{DispatchInfoOf, TransactionExtension, ValidateResult},
	transaction_validity::{InvalidTransaction, TransactionPriority, ValidTransaction},
	Weight,
};

type CallOf<T> = <T as frame_system::Config>::RuntimeCall;

/// Reports go before ordinary transactions: an intruder's burst must not delay its suspension.
const REPORT_PRIORITY: TransactionPriority = TransactionPriority::MAX / 2;

/// Checks a `sentinel.report` in the pool as the call will; lets every other call through.
#[derive(Encode, Decode, DecodeWithMemTracking, DefaultNoBound, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct CheckSentinelReport<T>(PhantomData<T>);

impl<T> CheckSentinelReport<T> {
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<T> core::fmt::Debug for CheckSentinelReport<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckSentinelReport")
	}
}

impl<T: Config + Send + Sync> TransactionExtension<CallOf<T>> for CheckSentinelReport<T>
where
	CallOf<T>: IsSubType<Call<T>>,
{
	const IDENTIFIER: &'static str = "CheckSentinelReport";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	fn weight(&self, call: &CallOf<T>) -> Weight {
		match call.is_sub_type() {
			Some(Call::report { .. }) => T::WeightInfo::check_report(),
			_ => Weight::zero(),
		}
	}

	fn validate(
		&self,
		origin: T::RuntimeOrigin,
		call: &CallOf<T>,
		_info: &DispatchInfoOf<CallOf<T>>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, CallOf<T>> {
		let report = match call.is_sub_type() {
			Some(Call::report { practitioner, score_ppm, model_hash, window_end }) => {
				(practitioner, *score_ppm, *model_hash, *window_end)
			},
			_ => return Ok((ValidTransaction::default(), (), origin)),
		};
		// An unsigned report fails in dispatch on its origin.
		let Some(sentinel) = origin.as_signer().cloned() else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		let (practitioner, score_ppm, model_hash, window_end) = report;
		Pallet::<T>::check_report(&sentinel, practitioner, score_ppm, model_hash, window_end)
			.map_err(|error| {
				InvalidTransaction::Custom(error.encode().first().copied().unwrap_or(u8::MAX))
			})?;
		let valid = ValidTransaction::with_tag_prefix("SentinelReport")
			.and_provides((sentinel, practitioner, window_end))
			.priority(REPORT_PRIORITY)
			.build()?;
		Ok((valid, (), origin))
	}

	impl_tx_ext_default!(CallOf<T>; prepare);
}
