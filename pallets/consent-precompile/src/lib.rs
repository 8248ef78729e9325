//! # Consent precompile: what a contract may ask the chain about consent and the registry
//!
//! Contracts run on `pallet-revive` (PolkaVM: ink!, Rust) and reach the runtime only through
//! **precompiles**, built-in contracts at fixed addresses with a Solidity interface. This one,
//! [`ConsentPrecompile`] at [`ADDRESS`] (`IConsent.sol`), answers three questions, read only:
//!
//! - `researchConsent(patient, organisation, category)`: does `patient` consent now to research
//!   use ([`Purpose::Research`]) of a standard record category by `organisation`? The answer is
//!   the consent pallet's decision ([`ConsentInspect::check`]) as a number: 0 if it does,
//!   otherwise 1 + the [`ConsentDenial`] (so a contract can say why it refuses).
//! - `researchConsentSensitive(patient, organisation, commitment)`: the same for a sensitive
//!   category, which the chain knows only by its commitment under the salt the patient shares
//!   with that organisation. No function takes a sensitive category by name: a contract learns
//!   nothing the chain's state does not already show.
//! - `isActivePractitioner(account, organisation)`: whether `account` is a practitioner of
//!   `organisation` who may act now ([`ProviderInspect::active_practitioner`]).
//!
//! Accounts are named by the 20-byte addresses `pallet-revive` maps them to; a patient is the
//! account it uses with that organisation (its pseudonym there), usually the contract's caller.
//! A consent to the organisation answers; one given to a single practitioner does not (research
//! is the organisation's). A restricted record answers `RecordRestricted`: consents to an
//! organisation do not open it.
//!
//! ## Read only, and paid for
//!
//! Nothing here writes: the consent pallet's `check` counts no access, and a call that carries
//! value is refused (reverted, so the value stays with the caller). Precompiles are not metered
//! by the contract engine: each function charges its benchmarked weight ([`WeightInfo`]) before
//! it reads. An unknown function or a malformed argument reverts.
//!
//! The pallet part of this crate is empty; it exists for the benchmarks' sake.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use core::{marker::PhantomData, num::NonZero};
use ehr_primitives::{
	consent::{Category, ConsentDenial, ConsentInspect, ConsentReach, Purpose, StandardCategory},
	providers::ProviderInspect,
	Moment,
};
use frame_support::traits::Time;
use pallet_revive::precompiles::{
	alloy::{self, sol_types::SolCall},
	AddressMatcher, Error, Ext, Precompile, RuntimeCosts, H160, H256,
};

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

alloy::sol!("IConsent.sol");
use IConsent::IConsentCalls;

/// Where the precompile lives: `0x000000000000000000000000000000000ec00000`.
pub const MATCHER: AddressMatcher = AddressMatcher::Fixed(match NonZero::new(0x0ec0) {
	Some(id) => id,
	None => panic!("the precompile's id is not zero"),
});
/// The precompile's address, as contracts call it.
pub const ADDRESS: [u8; 20] = MATCHER.base_address();

/// What a `researchConsent` answer means: 0 consents, 1 + the denial otherwise.
pub fn answer(decision: Result<(), ConsentDenial>) -> u8 {
	match decision {
		Ok(()) => 0,
		Err(denial) => (denial as u8).saturating_add(1),
	}
}

/// The pallet that carries the precompile's configuration and benchmarks. No calls, no storage.
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::config]
	pub trait Config: frame_system::Config + pallet_revive::Config {
		/// Patients' consents.
		type Consents: ConsentInspect<Self::AccountId>;
		/// The provider registry.
		type Providers: ProviderInspect<Self::AccountId>;
		/// The chain's clock (unix milliseconds), as the consent pallet reads it.
		type Clock: Time<Moment = Moment>;
		/// Weights of the precompile's functions.
		type WeightInfo: WeightInfo;
		/// Sets up the state the benchmarks read.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	#[pallet::pallet]
	pub struct Pallet<T>(_);
}

/// The state the benchmarks need, which only the runtime (or a mock) can write.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// A patient, an organisation and a category such that answering `researchConsent` reads
	/// the most: the patient's record restricted, full lists of consents to the organisation
	/// (as grantee and as practitioner), none of which allows research of the category, so that
	/// every one is read.
	fn research_consent_worst_case() -> (AccountId, AccountId, StandardCategory);
	/// An active practitioner and its organisation.
	fn active_practitioner() -> (AccountId, AccountId);
}

/// The consent precompile (see the crate's documentation).
pub struct ConsentPrecompile<T>(PhantomData<T>);

impl<T: Config> Precompile for ConsentPrecompile<T> {
	type T = T;
	type Interface = IConsentCalls;
	const MATCHER: AddressMatcher = MATCHER;
	const HAS_CONTRACT_INFO: bool = false;

	fn call(
		_address: &[u8; 20],
		input: &Self::Interface,
		env: &mut impl Ext<T = Self::T>,
	) -> Result<Vec<u8>, Error> {
		if !env.value_transferred().is_zero() {
			return Err(Error::Revert("IConsent: read only, send no value".into()));
		}
		match input {
			IConsentCalls::researchConsent(call) => {
				let category = StandardCategory::ALL
					.get(usize::from(call.category))
					.copied()
					.ok_or_else(|| Error::Revert("IConsent: unknown category".into()))?;
				let category = Category::Standard(category);
				research_consent::<T>(env, &call.patient, &call.organisation, category)
			},
			IConsentCalls::researchConsentSensitive(call) => {
				let category = Category::Sensitive(H256::from_slice(call.commitment.as_slice()));
				research_consent::<T>(env, &call.patient, &call.organisation, category)
			},
			IConsentCalls::isActivePractitioner(call) => {
				charge(env, <T as Config>::WeightInfo::is_active_practitioner())?;
				let account = account_of(env, &call.account);
				let organisation = account_of(env, &call.organisation);
				let active = T::Providers::active_practitioner(&account, T::Clock::now())
					.is_ok_and(|practitioner| practitioner.organisation == organisation);
				Ok(IConsent::isActivePractitionerCall::abi_encode_returns(&active))
			},
		}
	}
}

/// `caller` calls the precompile with `input` (ABI-encoded), sending `value`: what the tests
/// and benchmarks run, as a contract's call would reach it.
#[cfg(any(test, feature = "runtime-benchmarks"))]
pub fn call_precompile<T: Config>(
	caller: &T::AccountId,
	input: Vec<u8>,
	value: pallet_revive::U256,
) -> pallet_revive::ContractResult<pallet_revive::ExecReturnValue, pallet_revive::BalanceOf<T>> {
	use frame_support::sp_runtime::traits::Bounded;
	pallet_revive::Pallet::<T>::bare_call(
		frame_system::RawOrigin::Signed(caller.clone()).into(),
		H160(ADDRESS),
		value,
		pallet_revive::TransactionLimits::WeightAndDeposit {
			weight_limit: frame_support::weights::Weight::MAX,
			deposit_limit: pallet_revive::BalanceOf::<T>::max_value(),
		},
		input,
		&pallet_revive::ExecConfig::new_substrate_tx(),
	)
}

/// The address `account` is known by to contracts.
#[cfg(any(test, feature = "runtime-benchmarks"))]
pub fn address_of<T: Config>(account: &T::AccountId) -> alloy::primitives::Address {
	use pallet_revive::AddressMapper;
	alloy::primitives::Address::from(T::AddressMapper::to_address(account).0)
}

/// Charge `weight` to the calling contract before any read.
fn charge<T: Config>(
	env: &mut impl Ext<T = T>,
	weight: frame_support::weights::Weight,
) -> Result<(), Error> {
	env.frame_meter_mut().charge_weight_token(RuntimeCosts::Precompile(weight))?;
	Ok(())
}

/// The account an address names (an unmapped address names an account that has nothing).
fn account_of<T: Config>(
	env: &impl Ext<T = T>,
	address: &alloy::primitives::Address,
) -> T::AccountId {
	env.to_account_id(&H160::from_slice(address.as_slice()))
}

/// Whether `patient` consents now to research use of `category` by `organisation` (a consent
/// to the organisation, unless the record is restricted), as the `uint8` both research
/// functions return; charged first.
fn research_consent<T: Config>(
	env: &mut impl Ext<T = T>,
	patient: &alloy::primitives::Address,
	organisation: &alloy::primitives::Address,
	category: Category,
) -> Result<Vec<u8>, Error> {
	charge(env, <T as Config>::WeightInfo::research_consent())?;
	let patient = account_of(env, patient);
	let organisation = account_of(env, organisation);
	let reach = match T::Consents::is_restricted(&patient) {
		true => ConsentReach::PractitionerOnly,
		false => ConsentReach::PractitionerOrOrganisation,
	};
	let decision = T::Consents::check(
		&patient,
		&organisation,
		&organisation,
		category,
		Purpose::Research,
		T::Clock::now(),
		reach,
	);
	Ok(IConsent::researchConsentCall::abi_encode_returns(&answer(decision.map(|_| ()))))
}
