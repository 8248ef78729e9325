// The integrators' guide (docs/integrators.md) as printed: its `ts` blocks, type-checked and run
// as one module against a real `ehr-node --dev`, through every flow it describes.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ts from 'typescript';
import { WebSocket } from 'ws';
import { connect, submit } from '../lib/chain.mjs';
import { govern } from '../lib/governance.mjs';
import { guideModule, guideSource } from '../lib/handbook.mjs';
import { ok, registerStaff } from '../lib/hospital.mjs';
import { disposeUnlessFailed, startNode, waitFor } from '../lib/node.mjs';

describe("the integrators' guide, as printed", () => {
  let node;
  let api;
  let accounts;
  let guide;
  let practitioner;
  let guideApi;

  before(async () => {
    node = await startNode(['--dev']);
    ({ api, accounts } = await connect(node));
    const { charlie: hospital, dave: physician, eve: patient } = accounts;
    await registerStaff(api, { hospital, staff: [[physician, 'Physician']] });
    const terms = { categories: { Only: [{ Standard: 'Imaging' }] }, purposes: ['Treatment'], from: 0, until: null, maxAccesses: null };
    await ok(submit(api, api.tx.consent.grant(null, { Organisation: hospital.address }, terms), patient));
    guide = await guideModule('integrators.md');
  });

  after(async () => {
    await guideApi?.disconnect();
    await api?.disconnect();
    await disposeUnlessFailed(node);
  });

  test('its TypeScript type-checks against the packages it names', () => {
    const dir = join(import.meta.dirname, '..', '.tmp');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'integrators-guide.ts');
    writeFileSync(file, guideSource('integrators.md'));
    const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => `${d.start}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    assert.deepEqual(problems, []);
  });

  test('connectAs connects and holds the practitioner key', async () => {
    ({ api: guideApi, practitioner } = await guide.connectAs(node.wsUrl, '//Dave'));
    assert.equal(practitioner.address, accounts.dave.address);
  });

  test('a request a consent covers is granted, final, releasable, and logged under its seq', async () => {
    const decision = await guide.requestAccess(guideApi, practitioner, accounts.eve.address, { Standard: 'Imaging' }, 'Treatment');
    assert.equal(decision.outcome.granted.consent, 0);
    assert.equal(guide.mayRelease(decision), true);
    const [logged] = await api.call.auditApi.accessesOf(accounts.eve.address, 0, 1);
    assert.equal(decision.seq, logged.seq.toString());
  });

  test('a denied request comes back with its reason, in words, not releasable', async () => {
    const decision = await guide.requestAccess(guideApi, practitioner, accounts.eve.address, { Standard: 'Allergies' }, 'Treatment');
    assert.deepEqual(decision.outcome.denied.reason, { consent: 'CategoryNotCovered' });
    assert.equal(guide.mayRelease(decision), false);
    assert.equal(guide.handleDenial(decision.outcome.denied.reason), guide.DENIAL_HANDLING.consent.CategoryNotCovered);
  });

  test('the denial table handles every reason the metadata has', () => {
    const variants = (name) => {
      const found = api.registry.lookup.types.find(({ type }) => type.path.at(-1)?.toString() === name);
      return found.type.def.asVariant.variants.map((v) => v.name.toString());
    };
    const reasons = variants('DenyReason').flatMap((variant) => {
      if (variant === 'Provider') return variants('ProviderDenial').map((inner) => ({ provider: inner }));
      if (variant === 'Consent') return variants('ConsentDenial').map((inner) => ({ consent: inner }));
      return [variant[0].toLowerCase() + variant.slice(1)];
    });
    assert.ok(reasons.length >= 16);
    assert.deepEqual(reasons.filter((reason) => guide.handleDenial(reason).startsWith('Unknown reason')), []);
  });

  test("a patient's consents and the dry run agree with the chain", async () => {
    const { eve, dave, charlie } = accounts;
    assert.equal((await guide.activeConsents(guideApi, eve.address)).length, 1);
    assert.deepEqual(await guide.wouldAllow(guideApi, eve.address, dave.address, charlie.address, { Standard: 'Imaging' }, 'Treatment'), { allowed: true, consent: 0 });
    assert.deepEqual(await guide.wouldAllow(guideApi, eve.address, dave.address, charlie.address, { Standard: 'Allergies' }, 'Treatment'), { allowed: false, reason: 'CategoryNotCovered' });
  });

  test('a record anchored is verified; an altered copy is not', async () => {
    const record = `0x${'5a'.repeat(32)}`;
    const hash = `0x${'c3'.repeat(32)}`;
    await guide.anchorRecord(guideApi, practitioner, accounts.eve.address, record, { Standard: 'Imaging' }, hash);
    assert.equal(await guide.verifyCopy(guideApi, accounts.eve.address, record, hash), 'Current');
    assert.equal(await guide.verifyCopy(guideApi, accounts.eve.address, record, `0x${'c4'.repeat(32)}`), 'Unknown');
  });

  test('a failed call names its error', async () => {
    await assert.rejects(guide.finalised(guideApi, guideApi.tx.consent.revoke(null, 99), practitioner), /consent\.UnknownConsent/);
  });

  test('a suspension is seen in the finalised blocks', async () => {
    const seen = [];
    const stop = await guide.watchSuspensions(guideApi, (suspension) => seen.push(suspension));
    await govern(api, api.tx.providers.suspend(accounts.dave.address, 'CouncilDecision'));
    await waitFor('the suspension', () => seen.length > 0);
    stop();
    assert.deepEqual(seen.map(({ practitioner: who, by }) => [who, by]), [[accounts.dave.address, 'registry']]);
  });

  test("polkadot-api reads the patient's consents", async () => {
    // Node 20 has no WebSocket of its own: the guide's reader on Node 20 adds the `ws` package's.
    globalThis.WebSocket ??= WebSocket;
    const consents = await guide.consentsWithPapi(node.wsUrl, accounts.eve.address);
    assert.equal(consents.length, 1);
    assert.equal(consents[0].grantee.value, accounts.charlie.address);
  });
});
