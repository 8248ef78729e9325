// tests/lib/privacy.mjs against the vectors the Rust crate (privacy/) checks too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Keyring } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { CATEGORIES, blind, commitment, isSensitive, patientSecret, pseudonymUri, reveal, saltFor } from '../lib/privacy.mjs';

const vectors = JSON.parse(readFileSync(new URL('../../privacy/test-vectors.json', import.meta.url), 'utf8'));

test('secret, salts, commitments and pseudonyms match the shared vectors', async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  assert.deepEqual(CATEGORIES, vectors.categories);
  const secret = patientSecret(vectors.phrase);
  assert.equal(u8aToHex(secret), vectors.patientSecret);
  for (const entry of vectors.organisations) {
    const salt = saltFor(secret, entry.organisation);
    assert.equal(u8aToHex(salt), entry.salt);
    for (const category of CATEGORIES) assert.equal(commitment(salt, category), entry.commitments[category], category);
    assert.equal(keyring.addFromUri(pseudonymUri(vectors.phrase, entry.organisation)).address, entry.pseudonym);
  }
});

test('a commitment reveals its category to its salt only', () => {
  const secret = patientSecret(vectors.phrase);
  const [hospital, laboratory] = vectors.organisations.map((o) => saltFor(secret, o.organisation));
  const hiv = commitment(hospital, 'Hiv');
  assert.equal(reveal(hospital, hiv), 'Hiv');
  assert.equal(reveal(laboratory, hiv), null);
  assert.notEqual(hiv, commitment(laboratory, 'Hiv'));
  assert.equal(CATEGORIES.filter(isSensitive).length, 5);
  assert.throws(() => patientSecret('not a phrase'), /BIP-39/);
  assert.throws(() => commitment(hospital, 'Nonsense'), /no category/);
});

test('blind names a standard category and commits to a sensitive one, as the Rust crate does', () => {
  const salt = saltFor(patientSecret(vectors.phrase), vectors.organisations[0].organisation);
  assert.deepEqual(blind(salt, 'Imaging'), { Standard: 'Imaging' });
  assert.deepEqual(blind(salt, 'Hiv'), { Sensitive: vectors.organisations[0].commitments.Hiv });
});
