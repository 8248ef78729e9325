// Contracts on a real `ehr-node --dev`, through @polkadot/api: a research institute deploys the
// ink! study contract (built from source by scripts/build-contracts.sh) and funds it; patients
// enrol, and the contract asks the consent precompile whether each consents to research use of
// the study's category by the institute. Consent pays exactly the reward; no consent, a
// treatment-only consent, a revoked consent, a second enrolment and an underfunded study are
// refused with their reason; calls that try to change state through the precompile fail.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, submit } from '../lib/chain.mjs';
import {
  CONSENT_PRECOMPILE, NATIVE_TO_ETH, STUDY_TYPES, addressOf, ask, call, contractBlob, dryRun, instantiate, message,
  reverted, solidityCall,
} from '../lib/contracts.mjs';
import { UNIT, credential, ok } from '../lib/hospital.mjs';
import { govern } from '../lib/governance.mjs';
import { disposeUnlessFailed, startNode } from '../lib/node.mjs';

/** `StandardCategory::Imaging`, as the precompile numbers categories. */
const IMAGING = 6;
const REWARD = 5n * UNIT;
const terms = (purpose) => ({ categories: { Only: [{ Standard: 'Imaging' }] }, purposes: [purpose], from: 0, until: null, maxAccesses: null });

describe('contracts on a dev chain', () => {
  let node;
  let api;
  let institute;
  let accounts;
  let study;
  let code;

  const grant = (patient, purpose) =>
    ok(submit(api, api.tx.consent.grant(null, { Organisation: institute.address }, terms(purpose)), patient));
  const enrol = (patient, dest = study) => ask(api, patient, dest, message(api, 'enroll'), 'Result<(), StudyError>');
  const remaining = async (dest = study) => (await ask(api, institute, dest, message(api, 'remaining'), 'U256')).value.toBigInt();
  const refusal = (answer) => (answer.value.isErr ? answer.value.asErr.toJSON() : null);
  const deploy = async (funds, reward = REWARD) => {
    const organisation = await addressOf(api, institute);
    const data = message(api, 'new', ['H160', 'u8', 'U256'], [organisation, IMAGING, reward * NATIVE_TO_ETH]);
    return instantiate(api, institute, code, data, funds);
  };

  before(async () => {
    node = await startNode(['--dev']);
    ({ api, accounts } = await connect(node));
    api.registry.register(STUDY_TYPES);
    institute = accounts.charlie;
    await ok(submit(api, api.tx.providers.registerOrganisation('ResearchInstitute', credential(), 0), institute));
    await govern(api, api.tx.providers.approve(institute.address));
    code = contractBlob('research_study');
    study = await deploy(12n * UNIT);
  });

  after(async () => {
    await api?.disconnect();
    await disposeUnlessFailed(node);
  });

  test('the institute deploys the study with its terms, funded', async () => {
    const { value: studyTerms } = await ask(api, institute, study, message(api, 'terms'), '(H160, u8, U256)');
    assert.deepEqual(studyTerms.toJSON(), [await addressOf(api, institute), IMAGING, `0x${(REWARD * NATIVE_TO_ETH).toString(16).padStart(64, '0')}`]);
    assert.equal(await remaining(), 12n * UNIT * NATIVE_TO_ETH);
  });

  test('a patient who consents to research enrols once and is paid exactly the reward', async () => {
    const { eve } = accounts;
    await grant(eve, 'Research');
    const before = await remaining();
    const answer = await enrol(eve);
    assert.equal(answer.reverted, false);
    assert.ok(answer.value.isOk);

    const { events, error } = await call(api, eve, study, message(api, 'enroll'));
    assert.equal(error, null);
    const paid = events
      .filter(({ event }) => api.events.balances.Transfer.is(event) && event.data.to.toString() === eve.address)
      .map(({ event }) => event.data.amount.toBigInt());
    assert.deepEqual(paid, [REWARD]);
    const emitted = events.filter(({ event }) => api.events.revive.ContractEmitted.is(event) && event.data.contract.toHex() === study);
    assert.equal(emitted.length, 1, 'Enrolled');
    assert.equal(await remaining(), before - REWARD * NATIVE_TO_ETH);
    const enrolled = await ask(api, eve, study, message(api, 'is_enrolled', ['H160'], [await addressOf(api, eve)]), 'bool');
    assert.equal(enrolled.value.isTrue, true);

    // Once only.
    assert.deepEqual(refusal(await enrol(eve)), { alreadyEnrolled: null });
    const again = await call(api, eve, study, message(api, 'enroll'));
    assert.equal(again.error, 'revive.ContractReverted');
    assert.equal(await remaining(), before - REWARD * NATIVE_TO_ETH);
  });

  test('no consent, or a consent for treatment only, is refused with its reason', async () => {
    const { dave, ferdie } = accounts;
    // 1: NoConsent.
    assert.deepEqual(refusal(await enrol(ferdie)), { consentRefused: 1 });
    // 4: PurposeNotCovered.
    await grant(dave, 'Treatment');
    assert.deepEqual(refusal(await enrol(dave)), { consentRefused: 4 });
    const before = await remaining();
    assert.equal((await call(api, dave, study, message(api, 'enroll'))).error, 'revive.ContractReverted');
    assert.equal(await remaining(), before);
  });

  test('after revocation a new enrolment is refused', async () => {
    const { bob } = accounts;
    const { events } = await grant(bob, 'Research');
    assert.ok((await enrol(bob)).value.isOk);
    const granted = events.find(({ event }) => api.events.consent.ConsentGranted.is(event));
    await ok(submit(api, api.tx.consent.revoke(null, granted.event.data.consent), bob));
    assert.deepEqual(refusal(await enrol(bob)), { consentRefused: 1 });
    assert.equal((await call(api, bob, study, message(api, 'enroll'))).error, 'revive.ContractReverted');
  });

  test('an underfunded study refuses, and only its owner withdraws', async () => {
    const { eve, ferdie } = accounts;
    const poor = await deploy(UNIT);
    assert.deepEqual(refusal(await enrol(eve, poor)), { insufficientFunds: null });

    const withdraw = message(api, 'withdraw', ['U256'], [UNIT * NATIVE_TO_ETH]);
    assert.deepEqual(refusal(await ask(api, ferdie, poor, withdraw, 'Result<(), StudyError>')), { notOwner: null });
    assert.equal((await call(api, ferdie, poor, withdraw)).error, 'revive.ContractReverted');
    const before = await remaining(poor);
    const { error } = await call(api, institute, poor, withdraw);
    assert.equal(error, null);
    assert.equal(await remaining(poor), before - UNIT * NATIVE_TO_ETH);
  });

  test('a contract that tries to change state through the precompile fails and changes nothing', async () => {
    const { eve } = accounts;
    // The probe relays whatever it is sent, value included, to the precompile.
    const probe = await instantiate(api, institute, contractBlob('precompile_probe'), '0x', 0n);
    const [patient, organisation] = [await addressOf(api, eve), await addressOf(api, institute)];
    const question = solidityCall('researchConsent(address,address,uint8)', [patient, organisation, IMAGING]);
    const consents = (await api.query.consent.patientConsents(eve.address)).toJSON();
    const balance = async (who) => (await api.query.system.account(who)).data.free.toBigInt();
    const before = await balance(eve.address);

    // Value sent on to the precompile with a question: refused, the value stays with the caller.
    for (const dest of [probe, CONSENT_PRECOMPILE]) {
      const withValue = await call(api, eve, dest, question, UNIT);
      assert.equal(withValue.error, 'revive.ContractReverted', dest);
    }
    assert.ok(before - (await balance(eve.address)) < UNIT / 10n, 'only fees were paid');
    assert.equal(await balance(await api.call.reviveApi.accountId(CONSENT_PRECOMPILE)), 0n);
    // A function the interface does not have: what revoking a consent would look like.
    const revoke = solidityCall('revoke(address,uint64)', [patient, 0]);
    for (const dest of [probe, CONSENT_PRECOMPILE]) {
      assert.notEqual((await call(api, eve, dest, revoke)).error, null, dest);
    }
    assert.deepEqual((await api.query.consent.patientConsents(eve.address)).toJSON(), consents);
    // The same question without value is answered through the probe: Eve consents (0).
    const { result } = await dryRun(api, eve, probe, question);
    assert.equal(reverted(result.asOk.flags), false);
    assert.equal(BigInt(result.asOk.data.toHex()), 0n);
  });
});
