// Patients' consents on a real `ehr-node --dev`: a patient grants, the consent answers through
// the runtime API, a guardian acts for the patient, and a revocation takes effect at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, eventsOf, submit } from '../lib/chain.mjs';
import { disposeUnlessFailed, startNode } from '../lib/node.mjs';
import { blind, patientSecret, saltFor } from '../lib/privacy.mjs';
import { mnemonicGenerate } from '@polkadot/util-crypto';

const HOUR_MS = 60 * 60 * 1000;

describe('pallet-consent on a dev chain', () => {
  let node;
  let api;
  let patient;
  let guardian;
  let stranger;
  let hospital; // an organisation
  let physician; // a practitioner of it
  let consentId; // the patient's, to the physician
  let organisationConsentId; // the guardian's, for the patient, to the hospital
  let salt; // the patient's, shared with the hospital

  const toPhysician = () => ({ Practitioner: physician.address });
  const terms = (categories, extra = {}) => ({
    categories,
    purposes: ['Treatment'],
    from: Date.now() - HOUR_MS,
    until: null,
    maxAccesses: null,
    ...extra,
  });
  /** Exactly `categories`, blinded as the patient and the hospital name them. */
  const only = (categories) => ({ Only: categories.map((category) => blind(salt, category)) });
  const check = async (category, purpose = 'Treatment', by = physician) =>
    (await api.call.consentApi.check(patient.address, by.address, hospital.address, blind(salt, category), purpose)).toJSON();
  const consentsOf = async (who) => (await api.call.consentApi.consentsOf(who.address)).toJSON();

  before(async () => {
    node = await startNode(['--dev']);
    ({
      api,
      accounts: { eve: patient, ferdie: guardian, bob: stranger, charlie: hospital, dave: physician },
    } = await connect(node));
    salt = saltFor(patientSecret(mnemonicGenerate()), hospital.address);
  });

  after(async () => {
    await api?.disconnect();
    await disposeUnlessFailed(node);
  });

  test('a patient grants a consent that the runtime API then finds', async () => {
    const { events, error } = await submit(
      api,
      api.tx.consent.grant(null, toPhysician(), terms(only(['Imaging', 'LaboratoryResults', 'Hiv']))),
      patient,
    );
    assert.equal(error, null);
    const [granted] = eventsOf(events, api.events.consent.ConsentGranted);
    consentId = granted.data.consent.toNumber();
    assert.equal(granted.data.patient.toString(), patient.address);
    assert.equal(granted.data.by.toString(), patient.address);

    assert.deepEqual(await check('Imaging'), { ok: { consent: consentId, scope: 'Practitioner' } });
    assert.deepEqual(await check('Imaging', 'Payment'), { err: 'PurposeNotCovered' });
    // HIV by its commitment: the chain matches it without knowing what it is; another
    // sensitive category does not match.
    assert.deepEqual(await check('Hiv'), { ok: { consent: consentId, scope: 'Practitioner' } });
    assert.deepEqual(await check('Genetics'), { err: 'SensitiveCategoryNotCovered' });
    assert.deepEqual(await check('Imaging', 'Treatment', stranger), { err: 'NoConsent' });

    const [info] = await consentsOf(patient);
    assert.equal(info.consent.id, consentId);
    assert.equal(info.state, 'Active');
    assert.deepEqual(info.grantee, { practitioner: physician.address });
    assert.deepEqual(info.consent.terms.categories, {
      only: [{ standard: 'Imaging' }, { standard: 'LaboratoryResults' }, { sensitive: blind(salt, 'Hiv').Sensitive }],
    });

    const toHim = (await api.call.consentApi.consentsTo(toPhysician(), null, 10)).toJSON();
    assert.deepEqual(toHim.map((c) => [c.patient, c.consent.id]), [[patient.address, consentId]]);
  });

  test('bad terms are refused with a named error and store nothing', async () => {
    const from = Date.now() + HOUR_MS;
    const { error } = await submit(
      api,
      api.tx.consent.grant(null, toPhysician(), terms(only(['Imaging']), { from, until: from - 1 })),
      patient,
    );
    assert.equal(error, 'consent.UntilBeforeFrom');
    assert.equal((await consentsOf(patient)).length, 1);
  });

  test('a guardian grants for the patient; a stranger cannot', async () => {
    let { error } = await submit(api, api.tx.consent.setGuardian(guardian.address, null), patient);
    assert.equal(error, null);
    const guardians = (await api.call.consentApi.guardiansOf(patient.address)).toJSON();
    assert.deepEqual(guardians, [{ guardian: guardian.address, until: null }]);

    ({ error } = await submit(
      api,
      api.tx.consent.grant(patient.address, { Organisation: hospital.address }, terms({ AllStandard: { sensitive: [] } })),
      stranger,
    ));
    assert.equal(error, 'consent.NotGuardian');

    const { events } = await submit(
      api,
      api.tx.consent.grant(patient.address, { Organisation: hospital.address }, terms({ AllStandard: { sensitive: [] } })),
      guardian,
    );
    const [granted] = eventsOf(events, api.events.consent.ConsentGranted);
    assert.equal(granted.data.by.toString(), guardian.address);
    // Any practitioner of the organisation, for any standard category; never a sensitive one.
    organisationConsentId = granted.data.consent.toNumber();
    const byOrganisation = { ok: { consent: organisationConsentId, scope: 'Organisation' } };
    assert.deepEqual(await check('Allergies', 'Treatment', stranger), byOrganisation);
    assert.deepEqual(await check('MentalHealth', 'Treatment', stranger), { err: 'SensitiveCategoryNotCovered' });
  });

  test('a revocation holds from the next check on', async () => {
    assert.deepEqual(await check('Imaging'), { ok: { consent: consentId, scope: 'Practitioner' } });
    let { events, error } = await submit(api, api.tx.consent.revoke(null, consentId), patient);
    assert.equal(error, null);
    assert.equal(eventsOf(events, api.events.consent.ConsentRevoked)[0].data.consent.toNumber(), consentId);
    // Only the organisation-wide consent is left.
    assert.deepEqual(await check('Imaging'), { ok: { consent: organisationConsentId, scope: 'Organisation' } });
    const toHim = (await api.call.consentApi.consentsTo(toPhysician(), null, 10)).toJSON();
    assert.deepEqual(toHim, []);

    ({ events, error } = await submit(api, api.tx.consent.revoke(patient.address, organisationConsentId), guardian));
    assert.equal(error, null);
    assert.equal(eventsOf(events, api.events.consent.ConsentRevoked)[0].data.by.toString(), guardian.address);
    assert.deepEqual(await check('Imaging'), { err: 'NoConsent' });
    assert.deepEqual(await consentsOf(patient), []);
  });

  test('a patient opts out of break-glass', async () => {
    assert.equal((await api.call.consentApi.breakGlassPolicy(patient.address)).toString(), 'Allowed');
    const { error } = await submit(api, api.tx.consent.setBreakGlassPolicy(null, 'OptedOut'), patient);
    assert.equal(error, null);
    assert.equal((await api.call.consentApi.breakGlassPolicy(patient.address)).toString(), 'OptedOut');
  });
});
