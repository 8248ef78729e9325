//! # Research study: paying patients who consent, checked by the chain itself
//!
//! A research organisation that wants records of one standard category (say, laboratory
//! results) instantiates this contract with a per-patient reward and funds it. A patient then
//! calls [`enroll`](research_study::ResearchStudy::enroll) from their own account. The study
//! never takes the patient's word, nor the organisation's, for whether consent exists: it asks
//! EHR Chain's consent precompile, which answers from `pallet-consent`'s live state with the
//! same rules the chain applies to any research access (purpose, category, validity window,
//! remaining uses, restrictions). Only a "yes" (answer 0) for *this* organisation and *this*
//! category admits the patient; every other answer is passed back unchanged as
//! [`Error::ConsentRefused`](research_study::Error::ConsentRefused) so a wallet can tell the
//! patient exactly which part of their consent is missing.
//!
//! The contract enforces three promises:
//! - a patient is paid at most once (enrolment is recorded before the payment leaves);
//! - nobody is paid without consent at the moment of enrolment;
//! - the reward can only be paid out of funds the study holds; the owner (the instantiator)
//!   may withdraw what is left, but cannot touch anything else.
//!
//! The consent itself is not stored here: revoking consent later is the chain's business
//! (`pallet-consent`), and the payment, once made, is not clawed back.
//!
//! ## ABI and units
//! The contract speaks ink!'s default ABI (SCALE; a message's selector is the first four bytes
//! of blake2b-256 of its name) so `@polkadot/api` can call it. It calls the precompile in the
//! Solidity ABI, which is what `pallet-revive` precompiles speak. Amounts are `U256` in the
//! units `pallet-revive` shows contracts (`self.env().balance()`, `transferred_value()`), i.e.
//! the native balance scaled by the runtime's `NativeToEthRatio`.
//!
//! ## Failure and state
//! A message that returns `Err` makes ink! return with the `REVERT` flag, and `pallet-revive`
//! then discards every storage write, transfer and event of that call. The bookkeeping below is
//! still ordered so that a refused enrolment records nothing even without that revert (as in
//! the off-chain `#[ink::test]` engine): all checks first, then the record, then the payment,
//! with the record undone if the payment fails.
//!
//! ## Host functions
//! `pallet-revive` 0.20.2 no longer defines the `set_code_hash` and `weight_to_fee` syscalls
//! that `ink_env` 6.0.0-beta.1 can import; a contract importing them is rejected at upload,
//! so this contract uses neither `set_code_hash` nor `weight_to_fee`.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

/// The part of EHR Chain's consent precompile (`pallets/consent-precompile/IConsent.sol`) that
/// the study needs. Its Solidity signature is
/// `function researchConsent(address patient, address organisation, uint8 category)
/// external view returns (uint8);`: 0 if `patient` consents now to research use of the
/// standard `category` by `organisation`, otherwise 1 + the index of the chain's
/// `ConsentDenial` (1 NoConsent, 2 CategoryNotCovered, 3 SensitiveCategoryNotCovered,
/// 4 PurposeNotCovered, 5 ConsentNotYetValid, 6 ConsentExpired, 7 ConsentExhausted,
/// 8 RecordRestricted).
#[ink::contract_ref(abi = "sol")]
pub trait IConsent {
	/// `researchConsent(address,address,uint8)`; the `name` sets the Solidity selector.
	#[ink(message, name = "researchConsent")]
	fn research_consent(
		&self,
		patient: ink::Address,
		organisation: ink::Address,
		category: u8,
	) -> u8;
}

#[ink::contract]
pub mod research_study {
	use super::{IConsent, IConsentRef};
	use ink::{codegen::TraitCallBuilder, storage::Mapping, H160, U256};

	/// The consent precompile's fixed address: pallet-revive's `Fixed` precompile scheme puts
	/// the 16-bit index 0x0EC0 in bytes 16..18 and zeroes everywhere else.
	pub const CONSENT_PRECOMPILE: ink::Address =
		H160([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0E, 0xC0, 0, 0]);

	/// The highest standard record category index: 0 Demographics, 1 Encounters,
	/// 2 Conditions, 3 Medications, 4 Allergies, 5 LaboratoryResults, 6 Imaging,
	/// 7 Immunizations, 8 ClinicalNotes.
	pub const MAX_CATEGORY: u8 = 8;

	/// Why a constructor or message refused to act.
	#[derive(Debug, Clone, Copy, PartialEq, Eq)]
	#[ink::scale_derive(Encode, Decode, TypeInfo)]
	pub enum Error {
		/// Only the study's owner (its instantiator) may withdraw funds.
		NotOwner,
		/// The caller is already enrolled; each patient is paid once.
		AlreadyEnrolled,
		/// The consent precompile refused; the code is its answer (1 + the chain's
		/// `ConsentDenial` index, see [`crate::IConsent`]).
		ConsentRefused(u8),
		/// The study holds less than the amount to pay out.
		InsufficientFunds,
		/// The chain refused the transfer (e.g. the recipient could not receive it).
		TransferFailed,
		/// The category is not a standard category index (0..=8).
		InvalidCategory,
		/// A study must pay something; a zero reward is refused.
		InvalidReward,
		/// The call to the consent precompile failed or its answer could not be decoded.
		PrecompileFailed,
	}

	/// Someone added funds to the study.
	#[ink(event)]
	pub struct Funded {
		#[ink(topic)]
		pub from: Address,
		pub amount: U256,
	}

	/// A consenting patient was enrolled and paid.
	#[ink(event)]
	pub struct Enrolled {
		#[ink(topic)]
		pub patient: Address,
		pub reward: U256,
	}

	/// The owner withdrew funds.
	#[ink(event)]
	pub struct Withdrawn {
		#[ink(topic)]
		pub to: Address,
		pub amount: U256,
	}

	#[ink(storage)]
	pub struct ResearchStudy {
		/// The instantiator; the only account that may withdraw.
		owner: Address,
		/// The research organisation whose research consent a patient must have given.
		organisation: Address,
		/// The standard record category the study uses (0..=8).
		category: u8,
		/// Paid to each enrolled patient, in the contract's balance units.
		reward: U256,
		/// Patients already enrolled (and paid).
		enrolled: Mapping<Address, ()>,
		/// How many patients are enrolled.
		enrolments: u32,
	}

	impl ResearchStudy {
		/// Opens a study for `organisation` on the standard `category`, paying `reward` per
		/// patient. Any value sent along funds the study.
		#[ink(constructor, payable)]
		pub fn new(organisation: Address, category: u8, reward: U256) -> Result<Self, Error> {
			if category > MAX_CATEGORY {
				return Err(Error::InvalidCategory);
			}
			if reward.is_zero() {
				return Err(Error::InvalidReward);
			}
			Ok(Self {
				owner: Self::env().caller(),
				organisation,
				category,
				reward,
				enrolled: Mapping::default(),
				enrolments: 0,
			})
		}

		/// Adds the value sent to the study's funds. Anyone may fund a study.
		#[ink(message, payable)]
		pub fn fund(&mut self) {
			let from = self.env().caller();
			let amount = self.env().transferred_value();
			self.env().emit_event(Funded { from, amount });
		}

		/// Enrols the caller as a patient and pays them the reward, if the chain says they
		/// consent now to research use of the study's category by its organisation.
		#[ink(message)]
		pub fn enroll(&mut self) -> Result<(), Error> {
			let patient = self.env().caller();
			// Checked before the precompile so a repeat attempt costs no cross-call.
			if self.enrolled.contains(patient) {
				return Err(Error::AlreadyEnrolled);
			}
			let refusal = self.consent_of(patient)?;
			self.admit(patient, refusal)?;
			self.settle(patient)
		}

		/// Whether `patient` is enrolled.
		#[ink(message)]
		pub fn is_enrolled(&self, patient: Address) -> bool {
			self.enrolled.contains(patient)
		}

		/// What the study still holds (its balance).
		#[ink(message)]
		pub fn remaining(&self) -> U256 {
			self.env().balance()
		}

		/// How many patients are enrolled.
		#[ink(message)]
		pub fn enrolments(&self) -> u32 {
			self.enrolments
		}

		/// The study's terms: (organisation, category, reward).
		#[ink(message)]
		pub fn terms(&self) -> (Address, u8, U256) {
			(self.organisation, self.category, self.reward)
		}

		/// Sends `amount` of the study's funds to the owner.
		#[ink(message)]
		pub fn withdraw(&mut self, amount: U256) -> Result<(), Error> {
			let caller = self.env().caller();
			if caller != self.owner {
				return Err(Error::NotOwner);
			}
			if amount > self.env().balance() {
				return Err(Error::InsufficientFunds);
			}
			self.env().transfer(caller, amount).map_err(|_| Error::TransferFailed)?;
			self.env().emit_event(Withdrawn { to: caller, amount });
			Ok(())
		}

		/// Asks the consent precompile about `patient`; 0 means consent.
		fn consent_of(&self, patient: Address) -> Result<u8, Error> {
			let consent: IConsentRef = CONSENT_PRECOMPILE.into();
			// `try_invoke` instead of the forwarder's plain call, which panics on failure:
			// the outer error is the host's (call failed, reverted), the inner one ink!'s.
			consent
				.call()
				.research_consent(patient, self.organisation, self.category)
				.try_invoke()
				.map_err(|_| Error::PrecompileFailed)?
				.map_err(|_| Error::PrecompileFailed)
		}

		/// Records `patient` given the precompile's answer `refusal`, after every check: a
		/// refused patient leaves no trace. Does not pay.
		fn admit(&mut self, patient: Address, refusal: u8) -> Result<(), Error> {
			if self.enrolled.contains(patient) {
				return Err(Error::AlreadyEnrolled);
			}
			if refusal != 0 {
				return Err(Error::ConsentRefused(refusal));
			}
			if self.env().balance() < self.reward {
				return Err(Error::InsufficientFunds);
			}
			self.enrolled.insert(patient, &());
			// Cannot realistically saturate: each enrolment is a distinct paid account.
			self.enrolments = self.enrolments.saturating_add(1);
			Ok(())
		}

		/// Pays an admitted `patient`. The record is made before the transfer so a
		/// re-entrant call finds the patient enrolled; it is undone if the transfer fails.
		fn settle(&mut self, patient: Address) -> Result<(), Error> {
			let reward = self.reward;
			if self.env().transfer(patient, reward).is_err() {
				self.enrolled.remove(patient);
				self.enrolments = self.enrolments.saturating_sub(1);
				return Err(Error::TransferFailed);
			}
			self.env().emit_event(Enrolled { patient, reward });
			Ok(())
		}
	}

	/// Off-chain tests of the bookkeeping. The precompile cannot be reached off chain, so
	/// `enroll`'s cross-call is exercised against a node; here `admit` gets its answer directly.
	#[cfg(test)]
	mod tests {
		use super::*;
		use ink::env::{test, DefaultEnvironment};

		const REWARD: u64 = 1_000;
		const CATEGORY: u8 = 5;

		/// The study's own address in the off-chain engine.
		fn contract() -> Address {
			test::callee()
		}

		fn balance_of(account: Address) -> U256 {
			test::get_contract_balance::<DefaultEnvironment>(account).unwrap_or_default()
		}

		/// A study instantiated by Eve for Frank's organisation, holding `funds`.
		fn study(funds: u64) -> ResearchStudy {
			let accounts = test::default_accounts();
			test::set_caller(accounts.eve);
			test::set_contract_balance(contract(), U256::from(funds));
			match ResearchStudy::new(accounts.frank, CATEGORY, U256::from(REWARD)) {
				Ok(study) => study,
				Err(error) => panic!("constructor refused valid terms: {error:?}"),
			}
		}

		/// The last event's SCALE data as (address, amount); all three events have that shape.
		fn last_event() -> (Address, U256) {
			let events = test::recorded_events();
			let event = events.last().expect("an event was emitted");
			<(Address, U256) as ink::scale::Decode>::decode(&mut &event.data[..])
				.expect("event data decodes")
		}

		#[ink::test]
		fn constructor_stores_terms() {
			let accounts = test::default_accounts();
			let study = study(5_000);
			assert_eq!(study.terms(), (accounts.frank, CATEGORY, U256::from(REWARD)));
			assert_eq!(study.owner, accounts.eve);
			assert_eq!(study.enrolments(), 0);
		}

		#[ink::test]
		fn constructor_rejects_category_9_and_accepts_8() {
			let accounts = test::default_accounts();
			test::set_caller(accounts.eve);
			let refused = ResearchStudy::new(accounts.frank, 9, U256::from(REWARD));
			assert_eq!(refused.err(), Some(Error::InvalidCategory));
			let accepted = ResearchStudy::new(accounts.frank, MAX_CATEGORY, U256::from(REWARD));
			assert!(accepted.is_ok());
		}

		#[ink::test]
		fn constructor_rejects_zero_reward() {
			let accounts = test::default_accounts();
			test::set_caller(accounts.eve);
			let refused = ResearchStudy::new(accounts.frank, CATEGORY, U256::zero());
			assert_eq!(refused.err(), Some(Error::InvalidReward));
		}

		#[ink::test]
		fn refusal_is_passed_on_and_nothing_recorded() {
			let bob = test::default_accounts().bob;
			let mut study = study(5_000);
			assert_eq!(study.admit(bob, 1), Err(Error::ConsentRefused(1)));
			assert_eq!(study.admit(bob, 7), Err(Error::ConsentRefused(7)));
			assert!(!study.is_enrolled(bob));
			assert_eq!(study.enrolments(), 0);
		}

		#[ink::test]
		fn consent_records_patient_once() {
			let accounts = test::default_accounts();
			let mut study = study(5_000);
			assert_eq!(study.admit(accounts.bob, 0), Ok(()));
			assert!(study.is_enrolled(accounts.bob));
			assert_eq!(study.enrolments(), 1);

			assert_eq!(study.admit(accounts.bob, 0), Err(Error::AlreadyEnrolled));
			assert_eq!(study.enrolments(), 1);

			assert!(!study.is_enrolled(accounts.charlie));
			assert_eq!(study.admit(accounts.charlie, 0), Ok(()));
			assert_eq!(study.enrolments(), 2);
		}

		#[ink::test]
		fn enrolled_patient_is_refused_before_consent_is_read() {
			let bob = test::default_accounts().bob;
			let mut study = study(5_000);
			assert_eq!(study.admit(bob, 0), Ok(()));
			// A later refusal code does not mask the duplicate.
			assert_eq!(study.admit(bob, 3), Err(Error::AlreadyEnrolled));
		}

		#[ink::test]
		fn insufficient_funds_refused() {
			let accounts = test::default_accounts();
			let mut study = study(REWARD - 1);
			assert_eq!(study.admit(accounts.bob, 0), Err(Error::InsufficientFunds));
			assert!(!study.is_enrolled(accounts.bob));
			assert_eq!(study.enrolments(), 0);

			test::set_contract_balance(contract(), U256::from(REWARD));
			assert_eq!(study.admit(accounts.bob, 0), Ok(()));
		}

		#[ink::test]
		fn settle_pays_the_reward_and_emits_enrolled() {
			let bob = test::default_accounts().bob;
			let mut study = study(5_000);
			let bob_before = balance_of(bob);
			assert_eq!(study.admit(bob, 0), Ok(()));
			assert_eq!(study.settle(bob), Ok(()));
			assert_eq!(study.remaining(), U256::from(5_000 - REWARD));
			assert_eq!(balance_of(bob), bob_before + U256::from(REWARD));
			assert_eq!(last_event(), (bob, U256::from(REWARD)));
		}

		#[ink::test]
		fn fund_receives_value_and_emits_funded() {
			let bob = test::default_accounts().bob;
			let mut study = study(5_000);
			test::set_caller(bob);
			// Moves 300 from Bob to the study and sets it as the transferred value.
			test::transfer_in(U256::from(300));
			study.fund();
			assert_eq!(study.remaining(), U256::from(5_300));
			assert_eq!(last_event(), (bob, U256::from(300)));
		}

		#[ink::test]
		fn withdraw_by_non_owner_is_refused() {
			let bob = test::default_accounts().bob;
			let mut study = study(5_000);
			test::set_caller(bob);
			assert_eq!(study.withdraw(U256::from(1)), Err(Error::NotOwner));
			assert_eq!(study.remaining(), U256::from(5_000));
		}

		#[ink::test]
		fn withdraw_is_limited_to_the_balance() {
			let eve = test::default_accounts().eve;
			let mut study = study(5_000);
			test::set_caller(eve);
			assert_eq!(study.withdraw(U256::from(5_001)), Err(Error::InsufficientFunds));
			assert_eq!(study.remaining(), U256::from(5_000));

			let eve_before = balance_of(eve);
			assert_eq!(study.withdraw(U256::from(400)), Ok(()));
			assert_eq!(study.remaining(), U256::from(4_600));
			assert_eq!(balance_of(eve), eve_before + U256::from(400));
			assert_eq!(last_event(), (eve, U256::from(400)));
		}

		#[ink::test]
		fn remaining_reflects_balance() {
			let study = study(5_000);
			assert_eq!(study.remaining(), U256::from(5_000));
			test::set_contract_balance(contract(), U256::from(12_345));
			assert_eq!(study.remaining(), U256::from(12_345));
		}

		#[ink::test]
		fn precompile_address_is_index_0x0ec0() {
			let bytes = CONSENT_PRECOMPILE.as_bytes();
			assert_eq!(bytes.len(), 20);
			assert_eq!(&bytes[16..18], &[0x0Eu8, 0xC0u8][..]);
			assert!(bytes[..16].iter().chain(&bytes[18..]).all(|b| *b == 0));
		}
	}
}
