// The council on a real `ehr-node --dev` (council: Alice, Bob, Charlie), driven by the motion
// snippet of docs/operators.md exactly as the handbook prints it: a motion of all three
// approves a hospital; a motion the threshold does not reach cannot be closed early.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, submit } from '../lib/chain.mjs';
import { handbookSnippet } from '../lib/handbook.mjs';
import { credential, ok } from '../lib/hospital.mjs';
import { disposeUnlessFailed, startNode } from '../lib/node.mjs';

/** The handbook's motion snippet (its section "The council"). */
const handbookMotion = () => handbookSnippet('## The council', ['api', 'members', 'proposal']);

describe('the council on a dev chain', () => {
  let node;
  let api;
  let accounts;

  before(async () => {
    node = await startNode(['--dev']);
    ({ api, accounts } = await connect(node));
  });

  after(async () => {
    await api?.disconnect();
    await disposeUnlessFailed(node);
  });

  test('the handbook motion of the three members approves a hospital', async () => {
    const { alice, bob, charlie, dave: hospital } = accounts;
    await ok(submit(api, api.tx.providers.registerOrganisation('Hospital', credential(), 0), hospital));
    const result = await handbookMotion()(api, [alice, bob, charlie], api.tx.providers.approve(hospital.address));
    assert.equal(result.isOk, true, `the approval failed: ${result}`);
    const status = (await api.query.providers.organisations(hospital.address)).unwrap().status.status.toString();
    assert.equal(status, 'Active');
  });

  test('a non-member cannot propose, and two of three ayes do not close a motion of three', async () => {
    const { alice, bob, eve } = accounts;
    const proposal = api.tx.sentinel.setCalibration(null);
    const length = proposal.method.encodedLength;
    const { error } = await submit(api, api.tx.council.propose(2, proposal, length), eve);
    assert.equal(error, 'council.NotMember');
    const { events } = await submit(api, api.tx.council.propose(3, proposal, length), alice);
    const { proposalIndex, proposalHash } = events.find(({ event }) => api.events.council.Proposed.is(event)).event.data;
    for (const member of [alice, bob]) await ok(submit(api, api.tx.council.vote(proposalHash, proposalIndex, true), member));
    const { weight } = await proposal.paymentInfo(alice);
    const closed = await submit(api, api.tx.council.close(proposalHash, proposalIndex, weight, length), alice);
    assert.equal(closed.error, 'council.TooEarly');
  });
});
