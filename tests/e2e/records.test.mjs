// Record anchors on a real `ehr-node --dev`, through @polkadot/api: a physician under the
// patient's consent anchors a record and a new version, and the runtime API tells a current copy
// from an outdated, an altered and an unknown one; the patient asks for erasure, the hospital
// confirms it, and every copy then verifies as erased. Who may do each is checked by trying.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { randomAsU8a } from '@polkadot/util-crypto';
import { connect, eventsOf, submit } from '../lib/chain.mjs';
import { ok, registerStaff } from '../lib/hospital.mjs';
import { disposeUnlessFailed, startNode } from '../lib/node.mjs';

const random32 = () => u8aToHex(randomAsU8a(32));

describe('pallet-records on a dev chain', () => {
  let node;
  let api;
  let hospital;
  let physician;
  let patient;
  let stranger;

  before(async () => {
    node = await startNode(['--dev']);
    let accounts;
    ({ api, accounts } = await connect(node));
    ({ charlie: hospital, dave: physician, eve: patient, ferdie: stranger } = accounts);
    await registerStaff(api, { hospital, staff: [[physician, 'Physician']] });
    const terms = { categories: { Only: [{ Standard: 'Imaging' }] }, purposes: ['Treatment'], from: 0, until: null, maxAccesses: null };
    await ok(submit(api, api.tx.consent.grant(null, { Organisation: hospital.address }, terms), patient));
  });

  after(async () => {
    await api?.disconnect();
    await disposeUnlessFailed(node);
  });

  const anchor = (who, record, hash, category = { Standard: 'Imaging' }) =>
    submit(api, api.tx.records.anchorRecord(patient.address, record, category, hash), who);
  const verify = async (record, hash) => (await api.call.recordsApi.verifyRecord(patient.address, record, hash)).toJSON();
  const held = async (who) => (await api.query.balances.holds(who.address)).toJSON()
    .filter(({ id }) => id.records === 'RecordDeposit').reduce((sum, { amount }) => sum + BigInt(amount), 0n);

  test('anchors version a record; the chain tells current, outdated and altered copies apart', async () => {
    const record = random32();
    const [first, second, altered] = [random32(), random32(), random32()];
    const before = await held(hospital);
    const { events } = await ok(anchor(physician, record, first));
    const [anchored] = eventsOf(events, api.events.records.RecordAnchored);
    assert.equal(anchored.data.version.toNumber(), 1);
    assert.equal(anchored.data.custodian.toString(), hospital.address);
    await ok(anchor(physician, record, second));

    assert.deepEqual(await verify(record, second), { current: { version: 2 } });
    assert.deepEqual(await verify(record, first), { outdated: { currentVersion: 2 } });
    assert.deepEqual(await verify(record, altered), { unknown: null });
    assert.deepEqual(await verify(random32(), first), { unknown: null });
    // The hospital, not its physician, holds the deposit: the record's and two versions'.
    const deposits = api.consts.records;
    assert.equal(await held(hospital) - before, deposits.recordDeposit.toBigInt() + 2n * deposits.versionDeposit.toBigInt());

    const info = (await api.call.recordsApi.record(patient.address, record)).toJSON();
    assert.deepEqual(info.versions.map((v) => v.contentHash), [first, second]);
    assert.equal(info.custodian, hospital.address);
  });

  test('whoever is not the custodian\'s practitioner under consent, nor the patient, cannot anchor', async () => {
    const record = random32();
    assert.equal((await anchor(stranger, record, random32())).error, 'records.NotAPractitioner');
    assert.equal((await anchor(physician, record, random32(), { Standard: 'Medications' })).error, 'records.NotCoveredByConsent');
    await ok(anchor(physician, record, random32()));
    // The patient does not overwrite its hospital's record.
    assert.equal((await anchor(patient, record, random32())).error, 'records.NotCustodian');
  });

  test('the patient asks for erasure, the hospital confirms, and every copy verifies as erased', async () => {
    const record = random32();
    const hash = random32();
    await ok(anchor(physician, record, hash));
    const { events } = await ok(submit(api, api.tx.records.requestErasure(null, { Record: record }), patient));
    const [requested] = eventsOf(events, api.events.records.ErasureRequested);
    const period = api.consts.records.erasurePeriod.toNumber();
    const now = (await api.query.timestamp.now()).toNumber();
    assert.ok(requested.data.due.toNumber() <= now + period && requested.data.due.toNumber() > now + period - 60_000);
    assert.equal((await anchor(physician, record, random32())).error, 'records.ErasurePending');

    assert.equal((await submit(api, api.tx.records.confirmErasure(patient.address, record), stranger)).error, 'records.NotCustodian');
    assert.equal((await submit(api, api.tx.records.confirmErasure(patient.address, record), physician)).error, 'records.NotCustodian');
    const confirmed = await ok(submit(api, api.tx.records.confirmErasure(patient.address, record), hospital));
    assert.equal(eventsOf(confirmed.events, api.events.records.RecordErased).length, 1);

    assert.deepEqual(await verify(record, hash), { erased: null });
    const info = (await api.call.recordsApi.record(patient.address, record)).toJSON();
    assert.deepEqual(info.versions, []);
    assert.equal(info.erased.versions, 1);
    assert.equal((await anchor(physician, record, random32())).error, 'records.RecordErased');
    // Nothing is overdue: the one request was confirmed in time.
    assert.deepEqual((await api.call.recordsApi.overdueErasures(null, 10)).toJSON(), []);
  });

  test('only the patient or its guardian asks for erasure', async () => {
    const { error } = await submit(api, api.tx.records.requestErasure(patient.address, 'All'), stranger);
    assert.equal(error, 'records.NotPatientOrGuardian');
  });
});
