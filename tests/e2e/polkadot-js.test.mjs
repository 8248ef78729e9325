// Polkadot.js compatibility: @polkadot/api reads everything of our pallets from the metadata
// alone (no custom types), on a real `ehr-node --dev` with real state in it: every call, event,
// error and storage item is documented, every storage item decodes, every runtime API of ours
// answers, and every public call of our pallets goes through the real signer path. A dispatch
// error is an answer; a decoding or signing failure is not.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, submit } from '../lib/chain.mjs';
import { someOfEverything } from '../lib/hospital.mjs';
import { disposeUnlessFailed, startNode } from '../lib/node.mjs';

/** Our pallets, as @polkadot/api names their sections, and our runtime APIs. */
const PALLETS = ['providers', 'consent', 'records', 'audit', 'sentinel', 'mandate', 'validatorSet'];
const RUNTIME_APIS = ['providersApi', 'consentApi', 'recordsApi', 'auditApi', 'sentinelApi'];

/** What a failure to decode or to sign looks like, in a node's or the client's words. */
const BROKEN = /decod|bad signature|BadProof|Unable to|Cannot (construct|encode)|createType/i;

describe('@polkadot/api against our pallets, from metadata alone', () => {
  let node;
  let api;
  let accounts;

  before(async () => {
    node = await startNode(['--dev']);
    ({ api, accounts } = await connect(node));
    await someOfEverything(api, accounts);
  });

  after(async () => {
    await api?.disconnect();
    await disposeUnlessFailed(node);
  });

  test('every call, event, error and storage item of our pallets has docs', () => {
    const undocumented = [];
    for (const section of PALLETS) {
      const items = [
        ...Object.entries(api.tx[section]).map(([name, call]) => [`call ${name}`, call.meta.docs]),
        ...Object.entries(api.events[section] ?? {}).map(([name, event]) => [`event ${name}`, event.meta.docs]),
        ...Object.entries(api.errors[section] ?? {}).map(([name, error]) => [`error ${name}`, error.meta.docs]),
        ...Object.entries(api.query[section] ?? {}).map(([name, query]) => [`storage ${name}`, query.creator.meta.docs]),
      ];
      assert.ok(items.length > 0, section);
      for (const [what, docs] of items) {
        if (!docs.length || !docs.map(String).join(' ').trim()) undocumented.push(`${section} ${what}`);
      }
    }
    assert.deepEqual(undocumented, []);
  });

  test("every type of ours documents itself, its fields and its variants (Polkadot.js Apps shows them)", () => {
    const OURS = /^(ehr_primitives|pallet_(providers|consent|records|audit|sentinel|mandate|validator_set))$/;
    const undocumented = [];
    let types = 0;
    for (const { type } of api.registry.lookup.types) {
      const path = type.path.map(String);
      // Calls, events and errors: the test above; the sentinel's key types come from `app_crypto!`.
      if (!OURS.test(path[0] ?? '') || ['Call', 'Event', 'Error'].includes(path.at(-1)) || path.includes('crypto')) continue;
      types += 1;
      const name = path.join('::');
      const missing = (docs) => !docs.map(String).join(' ').trim();
      if (missing(type.docs)) undocumented.push(name);
      const fields = (owner, list) => list.forEach((field) => {
        if (field.name.isSome && missing(field.docs)) undocumented.push(`${owner}.${field.name.unwrap()}`);
      });
      if (type.def.isComposite) fields(name, type.def.asComposite.fields);
      if (type.def.isVariant) {
        for (const variant of type.def.asVariant.variants) {
          if (missing(variant.docs)) undocumented.push(`${name}::${variant.name}`);
          fields(`${name}::${variant.name}`, variant.fields);
        }
      }
    }
    assert.ok(types > 50, `only ${types} types of ours`);
    assert.deepEqual(undocumented, []);
  });

  test('every storage item of our pallets decodes', async () => {
    let decoded = 0;
    for (const section of PALLETS) {
      for (const [name, query] of Object.entries(api.query[section] ?? {})) {
        const values = query.creator.meta.type.isMap ? (await query.entries()).map(([, value]) => value) : [await query()];
        assert.ok(values.every((value) => value.toJSON() !== undefined), `${section}.${name}`);
        decoded += values.length;
      }
    }
    assert.ok(decoded > 20, `only ${decoded} values`);
  });

  test('every runtime API of ours answers default arguments', async () => {
    for (const section of RUNTIME_APIS) {
      const methods = Object.entries(api.call[section] ?? {});
      assert.ok(methods.length > 0, section);
      for (const [name, method] of methods) {
        const args = method.meta.params.map((param) => api.createType(param.type.toString()));
        const answer = await method(...args);
        assert.ok(answer.toJSON() !== undefined, `${section}.${name}`);
      }
    }
  });

  test('every public call of our pallets goes through the signer and is answered', async (t) => {
    const outcomes = [];
    for (const section of PALLETS) {
      for (const [name, call] of Object.entries(api.tx[section])) {
        const args = call.meta.args.map((arg) => api.createType(arg.type.toString()));
        // The physician signs what the transaction extension reserves for practitioners.
        const signer = section === 'audit' ? accounts.dave : accounts.ferdie;
        let outcome;
        try {
          const { error } = await submit(api, call(...args), signer);
          outcome = error ?? 'ok';
        } catch (refused) {
          outcome = `refused: ${refused.message}`;
        }
        outcomes.push([`${section}.${name}`, outcome]);
        assert.doesNotMatch(outcome, BROKEN, `${section}.${name}`);
      }
    }
    t.diagnostic(outcomes.map(([call, outcome]) => `${call}: ${outcome}`).join('\n'));
    // Most fail in dispatch, as they should with default arguments; each was decoded and signed.
    assert.ok(outcomes.filter(([, outcome]) => !outcome.startsWith('refused')).length > outcomes.length / 2, JSON.stringify(outcomes));
  });
});
