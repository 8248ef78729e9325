// The access decision point on a real `ehr-node --dev`: a practitioner with consent is
// granted, one without is denied (and the denial is kept), a revocation denies the next
// request, a practitioner caring for the patient refers it to a colleague (which opens nothing),
// break-glass opens a reviewed emergency grant, an account outside the registry cannot write
// the log at all, and a suspended practitioner's attempt is kept.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, eventsOf, submit } from '../lib/chain.mjs';
import { disposeUnlessFailed, startNode } from '../lib/node.mjs';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

describe('pallet-audit on a dev chain', () => {
  let node;
  let api;
  let alice; // sudo: the registrar on the dev chain
  let hospital;
  let physician; // has the patient's consent
  let nurse; // has none
  let patient;
  let outsider; // registered as nothing
  let consentId;

  const credential = () => ({
    documentHash: `0x${'cd'.repeat(32)}`,
    issuer: 7,
    jurisdiction: 'GB',
    validUntil: Date.now() + YEAR_MS,
  });
  const sudo = (call) => submit(api, api.tx.sudo.sudo(call), alice);
  const ok = async (promise) => {
    const result = await promise;
    assert.equal(result.error, null);
    return result;
  };
  /** `who` asks for the patient's `category` (imaging) for treatment; the decision from its event. */
  const request = async (who, purpose = 'Treatment', category = 'Imaging') => {
    const { events, blockHash } = await ok(
      submit(api, api.tx.audit.requestAccess(patient.address, { Standard: category }, purpose, null), who),
    );
    const [decided] = eventsOf(events, api.events.audit.AccessDecided);
    return { decision: decided.data.decision.toJSON(), blockHash };
  };
  const accessesOf = async () => (await api.call.auditApi.accessesOf(patient.address, 0, 100)).toJSON();

  before(async () => {
    node = await startNode(['--dev']);
    ({
      api,
      accounts: { alice, bob: outsider, charlie: hospital, dave: physician, ferdie: nurse, eve: patient },
    } = await connect(node));
    await ok(submit(api, api.tx.providers.registerOrganisation('Hospital', credential(), 0), hospital));
    await sudo(api.tx.providers.approve(hospital.address));
    for (const [who, role] of [[physician, 'Physician'], [nurse, 'Nurse']]) {
      await ok(submit(api, api.tx.providers.invitePractitioner(who.address, role, credential()), hospital));
      await ok(submit(api, api.tx.providers.acceptInvitation(hospital.address), who));
      await sudo(api.tx.providers.approve(who.address));
    }
    const terms = { categories: { Only: [{ Standard: 'Imaging' }] }, purposes: ['Treatment'], from: 0, until: null, maxAccesses: null };
    const { events } = await ok(
      submit(api, api.tx.consent.grant(null, { Practitioner: physician.address }, terms), patient),
    );
    consentId = eventsOf(events, api.events.consent.ConsentGranted)[0].data.consent.toNumber();
  });

  after(async () => {
    await api?.disconnect();
    await disposeUnlessFailed(node);
  });

  test('a practitioner with consent is granted, and touched in its block', async () => {
    const { decision, blockHash } = await request(physician);
    assert.deepEqual(decision.outcome, { granted: { consent: consentId, scope: 'Practitioner' } });
    assert.equal(decision.practitioner, physician.address);
    assert.equal(decision.organisation, hospital.address);
    assert.equal(decision.role, 'Physician');
    assert.equal(decision.emergency, false);
    const touched = (await (await api.at(blockHash)).call.auditApi.touched()).toJSON();
    assert.deepEqual(touched, [physician.address]);
  });

  test('a practitioner without consent is denied; the denial is an event and in the patient log', async () => {
    const { decision } = await request(nurse);
    assert.deepEqual(decision.outcome, { denied: { reason: { consent: 'NoConsent' } } });
    const log = await accessesOf();
    assert.deepEqual(
      log.map((d) => [d.practitioner, d.outcome]),
      [
        [physician.address, { granted: { consent: consentId, scope: 'Practitioner' } }],
        [nurse.address, { denied: { reason: { consent: 'NoConsent' } } }],
      ],
    );
    assert.ok(log[0].seq < log[1].seq);
  });

  test('after a revocation, the next request is denied', async () => {
    await ok(submit(api, api.tx.consent.revoke(null, consentId), patient));
    const { decision } = await request(physician);
    assert.deepEqual(decision.outcome, { denied: { reason: { consent: 'NoConsent' } } });
    const window = (await api.call.auditApi.windowOf(physician.address)).toJSON();
    assert.deepEqual(
      window.map((d) => Object.keys(d.outcome)[0]),
      ['granted', 'denied'],
    );
  });

  test('a practitioner that was granted the patient refers it to a colleague; that opens no access', async () => {
    const until = Date.now() + 24 * 60 * 60 * 1000;
    const refer = (who, consultant) => submit(api, api.tx.audit.refer(patient.address, consultant.address, until), who);
    // Not a practitioner, or one whose only request was denied: refused, nothing stored.
    assert.equal((await refer(alice, nurse)).error, 'audit.ReferrerMayNotAct');
    assert.equal((await refer(nurse, physician)).error, 'audit.NotInCare');
    assert.ok((await api.query.audit.referrals(physician.address, patient.address)).isNone);

    const { events } = await ok(refer(physician, nurse));
    const [referred] = eventsOf(events, api.events.audit.Referred);
    assert.equal(referred.data.by.toString(), physician.address);
    assert.equal(referred.data.consultant.toString(), nurse.address);
    const stored = (await api.query.audit.referrals(nurse.address, patient.address)).unwrap();
    assert.equal(stored.by.toString(), physician.address);
    assert.equal(stored.until.toNumber(), until);
    const { decision } = await request(nurse);
    assert.deepEqual(decision.outcome, { denied: { reason: { consent: 'NoConsent' } } });

    const ended = await ok(submit(api, api.tx.audit.endReferral(patient.address, nurse.address), patient));
    assert.equal(eventsOf(ended.events, api.events.audit.ReferralEnded).length, 1);
    // Kept, ended then: the consultant's reads under it stay care to the sentinel.
    const kept = (await api.query.audit.referrals(nurse.address, patient.address)).unwrap();
    assert.ok(kept.until.toNumber() < until);
    assert.equal(kept.until.toNumber(), (await api.query.timestamp.now.at(ended.blockHash)).toNumber());
  });

  test('break-glass opens a flagged grant that the organisation reviews', async () => {
    const { events } = await ok(
      submit(api, api.tx.audit.emergencyAccess(patient.address, { Standard: 'Allergies' }, 'PatientIncapacitated'), nurse),
    );
    const [opened] = eventsOf(events, api.events.audit.EmergencyAccessOpened);
    const access = opened.data.access.toBigInt();
    assert.equal(opened.data.patient.toString(), patient.address);

    const { decision } = await request(nurse, 'Treatment', 'Allergies');
    assert.equal(BigInt(decision.outcome.emergencyGranted.access), access);
    assert.equal(decision.emergency, true);
    // The grant opens the category broken into, nothing else.
    const imaging = await request(nurse);
    assert.deepEqual(imaging.decision.outcome, { denied: { reason: { consent: 'NoConsent' } } });
    assert.ok((await api.call.auditApi.pendingReview(access)).isSome);

    const reviewed = await ok(submit(api, api.tx.audit.reviewEmergency(access, 'Unjustified'), hospital));
    assert.equal(eventsOf(reviewed.events, api.events.audit.EmergencyReviewed).length, 1);
    assert.equal((await api.query.audit.unjustifiedEmergencies(nurse.address)).toNumber(), 1);
    const after = await request(nurse, 'Treatment', 'Allergies');
    assert.deepEqual(after.decision.outcome, { denied: { reason: { consent: 'NoConsent' } } });
  });

  test('the pool refuses an outsider\'s requests; a suspended practitioner\'s attempt is logged', async () => {
    const before = await accessesOf();
    // InvalidTransaction::Custom(100): not a registered practitioner (pallet-audit, NOT_A_PRACTITIONER).
    for (const tx of [
      api.tx.audit.requestAccess(patient.address, { Standard: 'Imaging' }, 'Treatment', null),
      api.tx.audit.emergencyAccess(patient.address, { Standard: 'Allergies' }, 'Other'),
    ]) {
      await assert.rejects(submit(api, tx, outsider), /Custom error: 100/);
    }
    assert.deepEqual(await accessesOf(), before);
    assert.deepEqual((await api.call.auditApi.windowOf(outsider.address)).toJSON(), []);

    await ok(sudo(api.tx.providers.suspend(physician.address, 'CouncilDecision')));
    const { decision } = await request(physician);
    assert.deepEqual(decision.outcome, { denied: { reason: { provider: 'Suspended' } } });
    const after = await accessesOf();
    assert.deepEqual(after.slice(0, -1), before);
    assert.deepEqual(after.at(-1), decision);
  });
});
