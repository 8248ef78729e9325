// A patient's privacy on chain in JavaScript: the same definitions as the `ehr-privacy` crate
// (privacy/src/lib.rs, which explains them), checked against the same vectors
// (privacy/test-vectors.json) by tests/unit/privacy.test.mjs.
//   pseudonym: the sr25519 key PHRASE//ehr//ORGANISATION (the organisation's SS58 address)
//   patient secret: HMAC-SHA256(mini-secret of PHRASE, "ehr-chain/patient-secret/v1")
//   salt: HMAC-SHA256(patient secret, "ehr-chain/salt/v1" ‖ organisation's 32-byte account id)
//   commitment of a sensitive category: HMAC-SHA256(salt, "ehr-chain/category/v1" ‖ its index)
import { stringToU8a, u8aConcat, u8aEq, u8aToHex } from '@polkadot/util';
import { decodeAddress, encodeAddress, hmacSha256AsU8a, mnemonicToMiniSecret, mnemonicValidate } from '@polkadot/util-crypto';

/** The record categories in the chain's order (their SCALE index), the sensitive ones last. */
export const CATEGORIES = [
  'Demographics', 'Encounters', 'Conditions', 'Medications', 'Allergies', 'LaboratoryResults',
  'Imaging', 'Immunizations', 'ClinicalNotes',
  'MentalHealth', 'SubstanceUse', 'SexualReproductiveHealth', 'Genetics', 'Hiv',
];
const FIRST_SENSITIVE = CATEGORIES.indexOf('MentalHealth');

/** Whether `category` is one that law treats apart (and the chain only sees blinded). */
export const isSensitive = (category) => CATEGORIES.indexOf(category) >= FIRST_SENSITIVE;

/** The patient's secret (32 bytes) from its BIP-39 phrase; throws on an invalid phrase. */
export function patientSecret(phrase) {
  if (!mnemonicValidate(phrase)) throw new Error('not a BIP-39 phrase');
  return hmacSha256AsU8a(mnemonicToMiniSecret(phrase), stringToU8a('ehr-chain/patient-secret/v1'));
}

/** The salt the patient shares with `organisation` (an SS58 address or 32 bytes). */
export function saltFor(secret, organisation) {
  return hmacSha256AsU8a(secret, u8aConcat(stringToU8a('ehr-chain/salt/v1'), decodeAddress(organisation)));
}

/** The commitment (hex) that stands on chain for the sensitive `category`; null for a standard one. */
export function commitment(salt, category) {
  const index = CATEGORIES.indexOf(category);
  if (index < 0) throw new Error(`no category ${category}`);
  if (index < FIRST_SENSITIVE) return null;
  return u8aToHex(hmacSha256AsU8a(salt, u8aConcat(stringToU8a('ehr-chain/category/v1'), new Uint8Array([index]))));
}

/**
 * `category` as the chain names it in a consent or a request of this salt's patient and
 * organisation: `{ Standard: name }`, or `{ Sensitive: commitment }` for a sensitive one.
 */
export const blind = (salt, category) =>
  isSensitive(category) ? { Sensitive: commitment(salt, category) } : { Standard: category };

/** The sensitive category behind `blinded` (hex), if it is one of this salt's; else null. */
export function reveal(salt, blinded) {
  return CATEGORIES.slice(FIRST_SENSITIVE).find((category) => u8aEq(commitment(salt, category), blinded)) ?? null;
}

/**
 * The derivation URI of the patient's account at `organisation`, for a keyring (sr25519): the
 * organisation's address in the generic SS58 format (42), as a hard junction.
 */
export const pseudonymUri = (phrase, organisation) => `${phrase}//ehr//${encodeAddress(decodeAddress(organisation), 42)}`;
