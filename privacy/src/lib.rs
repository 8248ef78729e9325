//! A patient's privacy on chain, defined once for every party that needs it: the patient's
//! wallet and app (`index.mjs`, the same definitions in JavaScript), the custodian and the tests
//! (this crate). `test-vectors.json` holds vectors both implementations check.
//!
//! - **One secret, many pseudonyms.** A patient keeps one secret phrase (BIP-39). Its account at
//!   an organisation is the sr25519 key `PHRASE//ehr//ORGANISATION` (the organisation's SS58
//!   address as a hard junction): a different account at each organisation, none linkable to
//!   another through the chain, all recoverable from the phrase ([`pseudonym`]).
//! - **Salts.** The patient secret is `HMAC-SHA256(mini-secret of the phrase,
//!   "ehr-chain/patient-secret/v1")`; the salt of an organisation is `HMAC-SHA256(patient
//!   secret, "ehr-chain/salt/v1" ‖ organisation's 32-byte account id)`. The patient gives it to
//!   that organisation's custodian at registration; nobody else holds it.
//! - **Commitments.** A sensitive category is named on chain only by `HMAC-SHA256(salt,
//!   "ehr-chain/category/v1" ‖ the category's SCALE index)`: the patient (in a consent) and the
//!   organisation (in a request) compute the same value, the chain compares them, and a reader
//!   without the salt cannot tell the categories apart, nor link two patients, nor one patient at
//!   two organisations. Standard categories have no commitment: they stay in clear.

use codec::Encode;
use ehr_primitives::consent::{Category, RecordCategory};
use hmac::{digest::KeyInit, Hmac, Mac};
use sha2::Sha256;
use sp_core::{
	crypto::{AccountId32, Ss58Codec},
	sr25519, Pair, H256,
};

/// Domain separators: a value made for one purpose never equals one made for another.
const PATIENT_SECRET: &[u8] = b"ehr-chain/patient-secret/v1";
const SALT: &[u8] = b"ehr-chain/salt/v1";
const CATEGORY: &[u8] = b"ehr-chain/category/v1";

/// Why a phrase gives no secret.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
	/// Not a BIP-39 phrase (a wrong word, a wrong checksum, a wrong length).
	InvalidPhrase,
}

/// `HMAC-SHA256(key, parts...)` of a 32-byte key.
fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
	// HMAC pads a key shorter than SHA-256's 64-byte block with zeros: the padded key is the same
	// key, and a block-sized one makes the constructor infallible.
	let mut block = [0u8; 64];
	block[..32].copy_from_slice(key);
	let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
	parts.iter().for_each(|part| mac.update(part));
	mac.finalize().into_bytes().into()
}

/// The patient's secret, from which every salt is made. Held by the patient's wallet only.
#[derive(Clone, PartialEq, Eq)]
pub struct PatientSecret([u8; 32]);

impl PatientSecret {
	/// The secret of the patient whose phrase is `phrase`.
	pub fn from_phrase(phrase: &str) -> Result<Self, Error> {
		let (_, mini_secret) =
			sr25519::Pair::from_phrase(phrase, None).map_err(|_| Error::InvalidPhrase)?;
		Ok(Self(hmac(&mini_secret, &[PATIENT_SECRET])))
	}

	/// The salt the patient shares with `organisation`'s custodian.
	pub fn salt_for(&self, organisation: &AccountId32) -> Salt {
		Salt(hmac(&self.0, &[SALT, organisation.as_ref()]))
	}

	/// The secret's bytes (for the wallet's own storage).
	pub fn to_bytes(&self) -> [u8; 32] {
		self.0
	}
}

/// The salt of one patient at one organisation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Salt(pub [u8; 32]);

impl Salt {
	/// What stands on chain for `category`: a commitment for a sensitive one, `None` for a
	/// standard one (which stays in clear).
	pub fn commitment(&self, category: RecordCategory) -> Option<H256> {
		category.is_sensitive().then(|| H256(hmac(&self.0, &[CATEGORY, &category.encode()])))
	}

	/// `category` as the chain names it in a consent or a request of this patient at this
	/// salt's organisation: in clear if standard, by its commitment if sensitive.
	pub fn blind(&self, category: RecordCategory) -> Category {
		self.commitment(category).map_or_else(|| category.without_salt(), Category::Sensitive)
	}

	/// The sensitive category behind `commitment`, if it is one of this salt's.
	pub fn reveal(&self, commitment: &H256) -> Option<RecordCategory> {
		RecordCategory::ALL
			.into_iter()
			.find(|category| self.commitment(*category).as_ref() == Some(commitment))
	}
}

/// The patient's account at `organisation`: the sr25519 key `PHRASE//ehr//ORGANISATION`.
pub fn pseudonym(phrase: &str, organisation: &AccountId32) -> Result<sr25519::Pair, Error> {
	let uri = format!("{phrase}//ehr//{}", organisation.to_ss58check());
	sr25519::Pair::from_string(&uri, None).map_err(|_| Error::InvalidPhrase)
}

#[cfg(test)]
mod tests;
