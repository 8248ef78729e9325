//! The transaction pool's check on access requests: only a registered practitioner writes the
//! audit log. A `request_access` or `emergency_access` signed by any other account is invalid
//! (`InvalidTransaction::Custom(NOT_A_PRACTITIONER)`), so it never reaches a block: it cannot
//! evict a patient's history from its log, make a patient look out of care to the anomaly model,
//! or cost the chain anything. A registered practitioner that may not act (suspended, revoked,
//! expired, of an inactive organisation) passes: its denied attempt is what the audit keeps.

use crate::{Call, Config};
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use ehr_primitives::providers::ProviderInspect;
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::{Get, IsSubType, OriginTrait},
	DefaultNoBound,
};
use scale_info::TypeInfo;
use sp_runtime::{
	impl_tx_ext_default,
	traits::{DispatchInfoOf, TransactionExtension, ValidateResult},
	transaction_validity::{InvalidTransaction, ValidTransaction},
	Weight,
};

type CallOf<T> = <T as frame_system::Config>::RuntimeCall;

/// The pool's custom error code for a request signed by an account that is not a registered
/// practitioner. Codes below 100 are the sentinel's (its errors' indices).
pub const NOT_A_PRACTITIONER: u8 = 100;

/// Refuses access requests from accounts outside the provider registry; lets every other call
/// through.
#[derive(Encode, Decode, DecodeWithMemTracking, DefaultNoBound, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T), capture_docs = "always")]
pub struct CheckRegisteredPractitioner<T>(PhantomData<T>);

impl<T> CheckRegisteredPractitioner<T> {
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<T> core::fmt::Debug for CheckRegisteredPractitioner<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckRegisteredPractitioner")
	}
}

/// Whether `call` writes the audit log in its signer's name.
fn logs_signer<T: Config>(call: &CallOf<T>) -> bool
where
	CallOf<T>: IsSubType<Call<T>>,
{
	matches!(call.is_sub_type(), Some(Call::request_access { .. } | Call::emergency_access { .. }))
}

impl<T: Config + Send + Sync> TransactionExtension<CallOf<T>> for CheckRegisteredPractitioner<T>
where
	CallOf<T>: IsSubType<Call<T>>,
{
	const IDENTIFIER: &'static str = "CheckRegisteredPractitioner";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	fn weight(&self, call: &CallOf<T>) -> Weight {
		// One read of the signer's registry record (`Providers::Practitioners`), which the call
		// reads again; nothing else.
		if logs_signer::<T>(call) {
			T::DbWeight::get().reads(1)
		} else {
			Weight::zero()
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
		if logs_signer::<T>(call) {
			// An unsigned request fails in dispatch on its origin.
			if let Some(signer) = origin.as_signer() {
				if T::Providers::membership(signer).is_none() {
					return Err(InvalidTransaction::Custom(NOT_A_PRACTITIONER).into());
				}
			}
		}
		Ok((ValidTransaction::default(), (), origin))
	}

	impl_tx_ext_default!(CallOf<T>; prepare);
}
