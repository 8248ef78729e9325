//! The precompile called as a contract calls it (`pallet-revive`'s call path), against the real
//! consent pallet.

use crate::{address_of, answer, call_precompile, mock::*, IConsent, WeightInfo};
use ehr_primitives::consent::{Category, ConsentDenial, Purpose, StandardCategory};
use frame_support::traits::fungible::Inspect;
use pallet_consent::Grantee;
use pallet_revive::{
	precompiles::alloy::{
		primitives::FixedBytes,
		sol_types::{SolCall, SolValue},
	},
	ExecReturnValue, U256,
};
use sp_core::H256;

const IMAGING: Category = Category::Standard(StandardCategory::Imaging);

/// What the precompile returns to `caller` for `input`, or the call's error.
fn call_with(caller: &AccountId, input: Vec<u8>, value: U256) -> ExecReturnValue {
	call_precompile::<Test>(caller, input, value).result.expect("the call executes")
}

/// `researchConsent(patient, organisation, category)` as the patient asks it.
fn research_consent(patient: &AccountId, organisation: &AccountId, category: u8) -> u8 {
	let input = IConsent::researchConsentCall {
		patient: address_of::<Test>(patient),
		organisation: address_of::<Test>(organisation),
		category,
	}
	.abi_encode();
	let output = call_with(patient, input, U256::zero());
	assert!(!output.did_revert(), "reverted: {:?}", output.data);
	IConsent::researchConsentCall::abi_decode_returns(&output.data).expect("a uint8")
}

fn refused(denial: ConsentDenial) -> u8 {
	answer(Err(denial))
}

#[test]
fn a_consent_to_research_by_the_organisation_answers_zero() {
	new_test_ext().execute_with(|| {
		grant(&PATIENT, Grantee::Organisation(INSTITUTE), &[IMAGING], &[Purpose::Research], None);
		assert_eq!(research_consent(&PATIENT, &INSTITUTE, StandardCategory::Imaging as u8), 0);
		// Another organisation, another category, another patient: no.
		assert_eq!(
			research_consent(&PATIENT, &HOSPITAL, StandardCategory::Imaging as u8),
			refused(ConsentDenial::NoConsent)
		);
		assert_eq!(
			research_consent(&PATIENT, &INSTITUTE, StandardCategory::Demographics as u8),
			refused(ConsentDenial::CategoryNotCovered)
		);
		assert_eq!(
			research_consent(&OTHER_PATIENT, &INSTITUTE, StandardCategory::Imaging as u8),
			refused(ConsentDenial::NoConsent)
		);
	});
}

#[test]
fn each_refusal_names_the_consent_pallets_reason() {
	new_test_ext().execute_with(|| {
		let imaging = StandardCategory::Imaging as u8;
		assert_eq!(research_consent(&PATIENT, &INSTITUTE, imaging), 1);
		// A consent for treatment only is not one for research.
		grant(&PATIENT, Grantee::Organisation(INSTITUTE), &[IMAGING], &[Purpose::Treatment], None);
		assert_eq!(
			research_consent(&PATIENT, &INSTITUTE, imaging),
			refused(ConsentDenial::PurposeNotCovered)
		);
		// One for research that has ended.
		grant(
			&OTHER_PATIENT,
			Grantee::Organisation(INSTITUTE),
			&[IMAGING],
			&[Purpose::Research],
			Some(NOW + DAY),
		);
		assert_eq!(research_consent(&OTHER_PATIENT, &INSTITUTE, imaging), 0);
		Timestamp::set_timestamp(NOW + DAY);
		assert_eq!(
			research_consent(&OTHER_PATIENT, &INSTITUTE, imaging),
			refused(ConsentDenial::ConsentExpired)
		);
	});
}

#[test]
fn a_revoked_consent_answers_no_more() {
	new_test_ext().execute_with(|| {
		grant(&PATIENT, Grantee::Organisation(INSTITUTE), &[IMAGING], &[Purpose::Research], None);
		let imaging = StandardCategory::Imaging as u8;
		assert_eq!(research_consent(&PATIENT, &INSTITUTE, imaging), 0);
		let consent = pallet_consent::NextConsentId::<Test>::get() - 1;
		Consent::revoke(RuntimeOrigin::signed(PATIENT), None, consent).unwrap();
		assert_eq!(
			research_consent(&PATIENT, &INSTITUTE, imaging),
			refused(ConsentDenial::NoConsent)
		);
	});
}

#[test]
fn a_restricted_record_is_not_opened_by_a_consent_to_the_organisation() {
	new_test_ext().execute_with(|| {
		grant(&PATIENT, Grantee::Organisation(INSTITUTE), &[IMAGING], &[Purpose::Research], None);
		Consent::set_restriction(RuntimeOrigin::signed(PATIENT), None, true).unwrap();
		assert_eq!(
			research_consent(&PATIENT, &INSTITUTE, StandardCategory::Imaging as u8),
			refused(ConsentDenial::RecordRestricted)
		);
	});
}

#[test]
fn a_sensitive_category_is_asked_by_its_commitment_only() {
	new_test_ext().execute_with(|| {
		let commitment = H256::repeat_byte(0xab);
		grant(
			&PATIENT,
			Grantee::Organisation(INSTITUTE),
			&[Category::Sensitive(commitment)],
			&[Purpose::Research],
			None,
		);
		let ask = |commitment: H256| {
			let input = IConsent::researchConsentSensitiveCall {
				patient: address_of::<Test>(&PATIENT),
				organisation: address_of::<Test>(&INSTITUTE),
				commitment: FixedBytes(commitment.0),
			}
			.abi_encode();
			IConsent::researchConsentSensitiveCall::abi_decode_returns(
				&call_with(&PATIENT, input, U256::zero()).data,
			)
			.unwrap()
		};
		assert_eq!(ask(commitment), 0);
		assert_eq!(
			ask(H256::repeat_byte(0xcd)),
			refused(ConsentDenial::SensitiveCategoryNotCovered)
		);
	});
}

#[test]
fn an_unknown_category_reverts() {
	new_test_ext().execute_with(|| {
		let input = IConsent::researchConsentCall {
			patient: address_of::<Test>(&PATIENT),
			organisation: address_of::<Test>(&INSTITUTE),
			category: StandardCategory::COUNT as u8,
		}
		.abi_encode();
		assert!(call_with(&PATIENT, input, U256::zero()).did_revert());
	});
}

#[test]
fn active_practitioners_of_the_organisation_only() {
	new_test_ext().execute_with(|| {
		let ask = |account: &AccountId, organisation: &AccountId| {
			let input = IConsent::isActivePractitionerCall {
				account: address_of::<Test>(account),
				organisation: address_of::<Test>(organisation),
			}
			.abi_encode();
			IConsent::isActivePractitionerCall::abi_decode_returns(
				&call_with(&PATIENT, input, U256::zero()).data,
			)
			.unwrap()
		};
		assert!(ask(&RESEARCHER, &INSTITUTE));
		assert!(!ask(&RESEARCHER, &HOSPITAL));
		assert!(ask(&PHYSICIAN, &HOSPITAL));
		assert!(!ask(&SUSPENDED, &INSTITUTE));
		assert!(!ask(&PATIENT, &INSTITUTE));
	});
}

#[test]
fn a_call_that_sends_value_is_refused_and_keeps_it() {
	new_test_ext().execute_with(|| {
		grant(&PATIENT, Grantee::Organisation(INSTITUTE), &[IMAGING], &[Purpose::Research], None);
		let before = Balances::balance(&PATIENT);
		let input = IConsent::researchConsentCall {
			patient: address_of::<Test>(&PATIENT),
			organisation: address_of::<Test>(&INSTITUTE),
			category: StandardCategory::Imaging as u8,
		}
		.abi_encode();
		// A value in the contracts' 18 decimals: one unit of the native balance.
		let output = call_with(&PATIENT, input, U256::from(1_000_000u64));
		assert!(output.did_revert());
		assert_eq!(Balances::balance(&PATIENT), before);
	});
}

#[test]
fn a_function_outside_the_interface_fails_and_changes_nothing() {
	new_test_ext().execute_with(|| {
		grant(&PATIENT, Grantee::Organisation(INSTITUTE), &[IMAGING], &[Purpose::Research], None);
		let consents = pallet_consent::PatientConsents::<Test>::get(&PATIENT);
		// What a contract would send to revoke a consent, were there such a function.
		let mut input = sp_io::hashing::keccak_256(b"revoke(address,uint64)")[..4].to_vec();
		input.extend(address_of::<Test>(&PATIENT).abi_encode());
		input.extend(0u64.abi_encode());
		let failed = match call_precompile::<Test>(&PATIENT, input, U256::zero()).result {
			Ok(output) => output.did_revert(),
			Err(_) => true,
		};
		assert!(failed);
		assert_eq!(pallet_consent::PatientConsents::<Test>::get(&PATIENT), consents);
		assert_eq!(research_consent(&PATIENT, &INSTITUTE, StandardCategory::Imaging as u8), 0);
	});
}

#[test]
fn each_function_charges_its_weight() {
	new_test_ext().execute_with(|| {
		fill_worst_case();
		let input = IConsent::researchConsentCall {
			patient: address_of::<Test>(&PATIENT),
			organisation: address_of::<Test>(&INSTITUTE),
			category: StandardCategory::Imaging as u8,
		}
		.abi_encode();
		let result = call_precompile::<Test>(&PATIENT, input, U256::zero());
		assert!(result.weight_consumed.all_gte(<() as WeightInfo>::research_consent()));
		assert_eq!(
			IConsent::researchConsentCall::abi_decode_returns(&result.result.unwrap().data)
				.unwrap(),
			refused(ConsentDenial::PurposeNotCovered)
		);
	});
}
