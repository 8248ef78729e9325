use super::*;
use serde_json::Value;
use sp_core::crypto::Ss58Codec;

/// The vectors `tests/lib/privacy.mjs` checks too.
fn vectors() -> Value {
	serde_json::from_str(include_str!("../test-vectors.json")).expect("the vectors are JSON")
}

fn hex(value: &Value) -> Vec<u8> {
	let text = value.as_str().expect("a hex string");
	sp_core::bytes::from_hex(text).expect("hex")
}

fn organisation(entry: &Value) -> AccountId32 {
	AccountId32::from_ss58check(entry["organisation"].as_str().expect("an address")).expect("SS58")
}

fn phrase() -> String {
	vectors()["phrase"].as_str().expect("a phrase").into()
}

#[test]
fn the_categories_are_the_chains_in_its_order() {
	let names: Vec<String> = RecordCategory::ALL.iter().map(|c| format!("{c:?}")).collect();
	let listed: Vec<String> = serde_json::from_value(vectors()["categories"].clone()).unwrap();
	assert_eq!(names, listed);
}

#[test]
fn secret_salts_commitments_and_pseudonyms_match_the_vectors() {
	let vectors = vectors();
	let secret = PatientSecret::from_phrase(&phrase()).expect("a valid phrase");
	assert_eq!(secret.to_bytes().to_vec(), hex(&vectors["patientSecret"]));
	for entry in vectors["organisations"].as_array().expect("organisations") {
		let organisation = organisation(entry);
		let salt = secret.salt_for(&organisation);
		assert_eq!(salt.0.to_vec(), hex(&entry["salt"]));
		for category in RecordCategory::ALL {
			let expected = &entry["commitments"][format!("{category:?}")];
			let ours = salt.commitment(category).map(|c| c.0.to_vec());
			assert_eq!(ours, (!expected.is_null()).then(|| hex(expected)), "{category:?}");
		}
		let account = AccountId32::from(pseudonym(&phrase(), &organisation).unwrap().public());
		assert_eq!(account.to_ss58check(), entry["pseudonym"].as_str().unwrap());
	}
}

#[test]
fn a_commitment_matches_only_its_own_category_salt_patient_and_organisation() {
	let [hospital, laboratory] = [[1u8; 32], [2u8; 32]].map(AccountId32::new);
	let patient = PatientSecret::from_phrase(&phrase()).unwrap();
	let other = PatientSecret::from_phrase(
		"legal winner thank year wave sausage worth useful legal winner thank yellow",
	)
	.unwrap();
	let hiv = |secret: &PatientSecret, at: &AccountId32| {
		secret.salt_for(at).commitment(RecordCategory::Hiv).expect("sensitive")
	};
	let mine = hiv(&patient, &hospital);
	assert_ne!(mine, hiv(&patient, &laboratory), "one patient at two organisations");
	assert_ne!(mine, hiv(&other, &hospital), "two patients at one organisation");
	let salt = patient.salt_for(&hospital);
	let sensitive = RecordCategory::ALL.into_iter().filter(|c| c.is_sensitive());
	let commitments: Vec<H256> = sensitive.filter_map(|c| salt.commitment(c)).collect();
	assert_eq!(commitments.len(), 5);
	assert!(commitments.iter().all(|c| commitments.iter().filter(|d| *d == c).count() == 1));
	assert_eq!(salt.reveal(&mine), Some(RecordCategory::Hiv));
	assert_eq!(other.salt_for(&hospital).reveal(&mine), None);
}

#[test]
fn standard_categories_have_no_commitment() {
	let salt = PatientSecret::from_phrase(&phrase()).unwrap().salt_for(&AccountId32::new([1; 32]));
	for category in RecordCategory::ALL.into_iter().filter(|c| !c.is_sensitive()) {
		assert_eq!(salt.commitment(category), None);
	}
}

#[test]
fn pseudonyms_differ_per_organisation_and_from_the_phrase_account() {
	let [hospital, laboratory] = [[1u8; 32], [2u8; 32]].map(AccountId32::new);
	let at = |organisation| pseudonym(&phrase(), organisation).unwrap().public();
	let root = sr25519::Pair::from_phrase(&phrase(), None).unwrap().0.public();
	assert_ne!(at(&hospital), at(&laboratory));
	assert_ne!(at(&hospital), root);
	assert_eq!(at(&hospital), at(&hospital), "recoverable from the phrase");
}

#[test]
fn a_phrase_that_is_not_bip39_is_refused() {
	assert_eq!(PatientSecret::from_phrase("not a phrase").err(), Some(Error::InvalidPhrase));
	let word_swapped = "drive bottom obey lake curtain smoke basket hold race lonely fit walk";
	assert!(PatientSecret::from_phrase(word_swapped).is_err(), "a bad checksum");
}

#[test]
fn blind_names_standard_categories_and_commits_to_sensitive_ones() {
	let salt = PatientSecret::from_phrase(&phrase()).unwrap().salt_for(&AccountId32::new([1; 32]));
	for category in RecordCategory::ALL {
		let expected = match (category.standard(), salt.commitment(category)) {
			(Some(standard), None) => Category::Standard(standard),
			(None, Some(commitment)) => Category::Sensitive(commitment),
			_ => panic!("{category:?} is standard or has a commitment, not both"),
		};
		assert_eq!(salt.blind(category), expected);
	}
}
