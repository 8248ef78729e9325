// The provider registry on a real `ehr-node --dev`: an organisation registers itself and a
// practitioner, sudo (the registrar on the dev chain) approves both, and the registry answers
// through its runtime API and its storage.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, eventsOf, submit } from '../lib/chain.mjs';
import { disposeUnlessFailed, startNode } from '../lib/node.mjs';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const UNIT = 10n ** 12n;

describe('pallet-providers on a dev chain', () => {
  let node;
  let api;
  let alice; // sudo: the registrar on the dev chain
  let hospital;
  let physician;

  const credential = (jurisdiction = 'US-CA') => ({
    documentHash: `0x${'ab'.repeat(32)}`,
    issuer: 42,
    jurisdiction,
    validUntil: Date.now() + YEAR_MS,
  });
  const sudo = (call) => submit(api, api.tx.sudo.sudo(call), alice);
  const access = async (who) => (await api.call.providersApi.practitionerAccess(who.address)).toJSON();

  before(async () => {
    node = await startNode(['--dev']);
    ({ api, accounts: { alice, charlie: hospital, dave: physician } } = await connect(node));
  });

  after(async () => {
    await api?.disconnect();
    await disposeUnlessFailed(node);
  });

  test('an organisation registers itself, pending, on its local clock, with its deposit held', async () => {
    // A Californian hospital: UTC-8 in winter.
    const { events, error } = await submit(
      api,
      api.tx.providers.registerOrganisation('Hospital', credential(), -480),
      hospital,
    );
    assert.equal(error, null);
    const [registered] = eventsOf(events, api.events.providers.OrganisationRegistered);
    assert.equal(registered.data.organisation.toString(), hospital.address);
    assert.equal(registered.data.status.toString(), 'Pending');

    const org = (await api.query.providers.organisations(hospital.address)).unwrap();
    assert.equal(org.status.status.toString(), 'Pending');
    assert.equal(org.credential.jurisdiction.toUtf8(), 'US-CA');
    assert.equal(org.utcOffset.toNumber(), -480);
    const holds = await api.query.balances.holds(hospital.address);
    assert.equal(holds[0].amount.toBigInt(), 100n * UNIT);
  });

  test('bad input is refused with a named error and changes nothing', async () => {
    const { error } = await submit(
      api,
      api.tx.providers.registerOrganisation('Clinic', credential('usa'), 0),
      physician,
    );
    assert.equal(error, 'providers.InvalidJurisdiction');
    const offTheClock = await submit(api, api.tx.providers.registerOrganisation('Clinic', credential(), 900), physician);
    assert.equal(offTheClock.error, 'providers.InvalidUtcOffset');
    assert.ok((await api.query.providers.organisations(physician.address)).isNone);
  });

  test('a pending organisation cannot invite practitioners', async () => {
    const { error } = await submit(
      api,
      api.tx.providers.invitePractitioner(physician.address, 'Physician', credential()),
      hospital,
    );
    assert.equal(error, 'providers.OrganisationNotActive');
  });

  test('sudo approves the organisation, which invites a practitioner that accepts and sudo approves', async () => {
    let { events } = await sudo(api.tx.providers.approve(hospital.address));
    assert.equal(eventsOf(events, api.events.sudo.Sudid)[0].data.sudoResult.isOk, true);
    assert.equal(eventsOf(events, api.events.providers.Approved).length, 1);

    let { error } = await submit(
      api,
      api.tx.providers.invitePractitioner(physician.address, 'Physician', credential()),
      hospital,
    );
    assert.equal(error, null);
    // Invited is not registered: only the account's own signature makes it a practitioner.
    assert.deepEqual(await access(physician), { err: 'Unknown' });
    assert.ok((await api.query.providers.invitations(physician.address)).isSome);
    ({ error } = await submit(api, api.tx.providers.acceptInvitation(hospital.address), physician));
    assert.equal(error, null);
    assert.deepEqual(await access(physician), { err: 'Pending' });

    ({ events } = await sudo(api.tx.providers.approve(physician.address)));
    assert.equal(eventsOf(events, api.events.sudo.Sudid)[0].data.sudoResult.isOk, true);
    assert.deepEqual(await access(physician), {
      ok: { organisation: hospital.address, role: 'Physician', utcOffset: -480 },
    });

    const practitioner = (await api.call.providersApi.practitioner(physician.address)).unwrap();
    assert.equal(practitioner.organisation.toString(), hospital.address);
    assert.equal(practitioner.status.status.toString(), 'Active');
    assert.equal(practitioner.status.by.type, 'Registrar');
  });

  test('suspending the organisation stops its practitioner at once; reinstating restores it', async () => {
    await sudo(api.tx.providers.suspend(hospital.address, 'CouncilDecision'));
    assert.deepEqual(await access(physician), { err: 'OrganisationInactive' });
    await sudo(api.tx.providers.reinstate(hospital.address));
    assert.deepEqual(await access(physician), {
      ok: { organisation: hospital.address, role: 'Physician', utcOffset: -480 },
    });
  });

  test('the organisation assigns its practitioner to a department, and nobody else can', async () => {
    const department = async () =>
      (await api.query.providers.practitioners(physician.address)).unwrap().department.toJSON();
    let { events, error } = await submit(
      api,
      api.tx.providers.assignDepartment(physician.address, 3),
      hospital,
    );
    assert.equal(error, null);
    const [assigned] = eventsOf(events, api.events.providers.DepartmentAssigned);
    assert.equal(assigned.data.practitioner.toString(), physician.address);
    assert.equal(assigned.data.department.toJSON(), 3);
    assert.equal(await department(), 3);

    ({ error } = await submit(api, api.tx.providers.assignDepartment(physician.address, 4), physician));
    assert.equal(error, 'providers.NotAnOrganisation');
    assert.equal(await department(), 3);

    ({ events, error } = await submit(
      api,
      api.tx.providers.assignDepartment(physician.address, null),
      hospital,
    ));
    assert.equal(error, null);
    assert.equal(await department(), null);
  });

  test('only the registrar revokes', async () => {
    const { error } = await submit(api, api.tx.providers.revoke(physician.address, 'CouncilDecision'), hospital);
    assert.equal(error, 'BadOrigin');
  });
});
