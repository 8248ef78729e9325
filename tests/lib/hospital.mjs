// A hospital, its staff and its patients' consents, set up on a chain whose sudo key is Alice's
// (the registrar until the council governs): shared by the e2e tests, the zombienet checks and
// the measurement scripts.
import assert from 'node:assert/strict';
import { submit } from './chain.mjs';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** A credential valid for a year: only its hash and issuer go on chain. */
export const credential = () => ({ documentHash: `0x${'cd'.repeat(32)}`, issuer: 7, jurisdiction: 'GB', validUntil: Date.now() + YEAR_MS });

/** Await a submitted transaction and fail unless its call succeeded. */
export const ok = async (promise) => assert.equal((await promise).error, null);

/**
 * Register and approve `hospital` (UTC, no offset) and its practitioners `staff` (`[account,
 * role]` pairs: each invited, it accepts; sudo is the registrar), who work on one of the
 * hospital's wards: the sentinel's features read it from the registry.
 */
export async function registerStaff(api, { alice, hospital, staff }) {
  await ok(submit(api, api.tx.providers.registerOrganisation('Hospital', credential(), 0), hospital));
  await ok(submit(api, api.tx.sudo.sudo(api.tx.providers.approve(hospital.address)), alice));
  for (const [practitioner, role] of staff) {
    await ok(submit(api, api.tx.providers.invitePractitioner(practitioner.address, role, credential()), hospital));
    await ok(submit(api, api.tx.providers.acceptInvitation(hospital.address), practitioner));
    await ok(submit(api, api.tx.sudo.sudo(api.tx.providers.approve(practitioner.address)), alice));
    await ok(submit(api, api.tx.providers.assignDepartment(practitioner.address, 3), hospital));
  }
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
