// A hospital, its staff and its patients' consents, set up on a development chain (the registrar
// is Alice's sudo key on `--dev`, the development council on `--chain local`: `govern`): shared by
// the e2e tests, the zombienet checks and the measurement scripts.
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/api';
import { submit } from './chain.mjs';
import { govern } from './governance.mjs';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
/** One unit of the chain's currency (12 decimals). */
export const UNIT = 10n ** 12n;

/** A credential valid for a year: only its hash and issuer go on chain. */
export const credential = () => ({ documentHash: `0x${'cd'.repeat(32)}`, issuer: 7, jurisdiction: 'GB', validUntil: Date.now() + YEAR_MS });

/** Await a submitted transaction, fail unless its call succeeded, and resolve with it. */
export async function ok(promise) {
  const result = await promise;
  assert.equal(result.error, null);
  return result;
}

/**
 * Register and approve `hospital` (UTC, no offset) and its practitioners `staff` (`[account,
 * role]` pairs: each invited, it accepts; the registrar approves), who work on one of the
 * hospital's wards: the sentinel's features read it from the registry.
 */
export async function registerStaff(api, { hospital, staff }) {
  await ok(submit(api, api.tx.providers.registerOrganisation('Hospital', credential(), 0), hospital));
  await govern(api, api.tx.providers.approve(hospital.address));
  for (const [practitioner, role] of staff) {
    await ok(submit(api, api.tx.providers.invitePractitioner(practitioner.address, role, credential()), hospital));
    await ok(submit(api, api.tx.providers.acceptInvitation(hospital.address), practitioner));
    await govern(api, api.tx.providers.approve(practitioner.address));
    await ok(submit(api, api.tx.providers.assignDepartment(practitioner.address, 3), hospital));
  }
}

/**
 * A little of every kind of state, for the compatibility checks to decode: Charlie's hospital,
 * Dave its physician, Eve's consent to the hospital, a decision on her record, an anchored record.
 */
export async function someOfEverything(api, { charlie: hospital, dave: physician, eve: patient }) {
  await registerStaff(api, { hospital, staff: [[physician, 'Physician']] });
  const terms = { categories: { Only: [{ Standard: 'Imaging' }] }, purposes: ['Treatment'], from: 0, until: null, maxAccesses: null };
  await ok(submit(api, api.tx.consent.grant(null, { Organisation: hospital.address }, terms), patient));
  await ok(submit(api, api.tx.audit.requestAccess(patient.address, { Standard: 'Imaging' }, 'Treatment', null), physician));
  await ok(submit(api, api.tx.records.anchorRecord(patient.address, `0x${'11'.repeat(32)}`, { Standard: 'Imaging' }, `0x${'22'.repeat(32)}`), physician));
}

/** Every patient of `patients` consents to `practitioner` reading its standard records. */
export async function consentTo(api, practitioner, patients) {
  const terms = { categories: { AllStandard: { sensitive: [] } }, purposes: ['Treatment'], from: 0, until: null, maxAccesses: null };
  for (const patient of patients) {
    await ok(submit(api, api.tx.consent.grant(null, { Practitioner: practitioner.address }, terms), patient));
  }
}

/** The registry's status of practitioner `who` (`{ status, reason }`). */
export const statusOf = async (api, who) => (await api.query.providers.practitioners(who.address)).unwrap().status.toJSON();

/** How long `all` waits for a batch's transactions to be in blocks. */
const ALL_TIMEOUT_MS = 120_000;

/** Submit `calls` (each `[tx, signer]`) at once, consecutive nonces per signer; wait for all. */
export async function all(api, calls) {
  const next = new Map();
  const pending = [];
  for (const [tx, signer] of calls) {
    if (!next.has(signer.address)) next.set(signer.address, (await api.rpc.system.accountNextIndex(signer.address)).toNumber());
    const nonce = next.get(signer.address);
    next.set(signer.address, nonce + 1);
    pending.push(submit(api, tx, signer, { nonce }));
  }
  // A watched transaction that never reports its block fails the batch rather than hang it.
  let settled = 0;
  const count = () => { settled += 1; };
  pending.forEach((p) => p.then(count, count));
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${pending.length - settled} of ${pending.length} transactions not in a block after ${ALL_TIMEOUT_MS / 1000} s`)), ALL_TIMEOUT_MS);
  });
  const results = await Promise.race([Promise.all(pending), timeout]).finally(() => clearTimeout(timer));
  const failed = results.filter((r) => r.error);
  if (failed.length) throw new Error(`${failed.length} calls failed: ${failed[0].error}`);
  return results;
}

/** `count` new practitioners of `hospital`, approved, each given `funds` (from Bob) for its fees. */
export async function practitioners(api, { bob, hospital }, count, tag, funds = 10n * UNIT) {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const made = Array.from({ length: count }, (_, i) => keyring.addFromUri(`//${tag}/${i}`));
  for (let i = 0; i < made.length; i += 500) {
    const chunk = made.slice(i, i + 500);
    await all(api, chunk.flatMap((p) => [
      [api.tx.balances.transferKeepAlive(p.address, funds), bob],
      [api.tx.providers.invitePractitioner(p.address, 'Physician', credential()), hospital],
    ]));
    await all(api, chunk.map((p) => [api.tx.providers.acceptInvitation(hospital.address), p]));
    await govern(api, ...chunk.map((p) => api.tx.providers.approve(p.address)));
  }
  return made;
}
