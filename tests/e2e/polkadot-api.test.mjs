// polkadot-api compatibility: papi reads our pallets from the metadata alone (its untyped API,
// no generated descriptors), on a real `ehr-node --dev` with real state in it: every storage
// item decodes, every runtime API of ours answers, and every public call of our pallets goes
// through papi's own signer and comes back from a block with a decoded outcome. A dispatch
// error is an answer; a decoding or signing failure is not. (Docs: tests/e2e/polkadot-js.test.mjs.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getLookupFn } from '@polkadot-api/metadata-builders';
import { decAnyMetadata, unifyMetadata } from '@polkadot-api/substrate-bindings';
import { sr25519CreateDerive } from '@polkadot-labs/hdkd';
import { DEV_PHRASE, entropyToMiniSecret, mnemonicToEntropy } from '@polkadot-labs/hdkd-helpers';
import { createClient } from 'polkadot-api';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { getWsProvider } from 'polkadot-api/ws';
import { WebSocket } from 'ws';
import { connect } from '../lib/chain.mjs';
import { someOfEverything } from '../lib/hospital.mjs';
import { disposeUnlessFailed, startNode } from '../lib/node.mjs';

/** Our pallets and runtime APIs, as the metadata names them. */
const PALLETS = ['Providers', 'Consent', 'Records', 'Audit', 'Sentinel', 'Mandate', 'ValidatorSet'];
const RUNTIME_APIS = ['ProvidersApi', 'ConsentApi', 'RecordsApi', 'AuditApi', 'SentinelApi'];

/** A development account as papi's signer, with its address. */
function devSigner(name) {
  const keyPair = sr25519CreateDerive(entropyToMiniSecret(mnemonicToEntropy(DEV_PHRASE)))(`//${name}`);
  return getPolkadotSigner(keyPair.publicKey, 'Sr25519', keyPair.sign);
}

/**
 * The default value of a type, as papi's dynamic codecs take it: zeros, empty sequences, the
 * first variant of an enum, `undefined` for an option; `account` for an account id.
 */
function defaultOf(entry, account) {
  const next = (inner) => defaultOf(inner, account);
  switch (entry.type) {
    case 'primitive':
      if (entry.value === 'bool') return false;
      if (entry.value === 'str' || entry.value === 'char') return '';
      return /(64|128|256)$/.test(entry.value) ? 0n : 0;
    case 'compact': return entry.isBig ? 0n : 0;
    case 'AccountId32': return account;
    case 'AccountId20': return `0x${'00'.repeat(20)}`;
    case 'bitSequence': return { bitsLen: 0, bytes: new Uint8Array() };
    case 'void': return undefined;
    case 'option': return undefined;
    case 'result': return { success: true, value: next(entry.value.ok) };
    case 'sequence': return isByte(entry.value) ? new Uint8Array() : [];
    case 'array': return isByte(entry.value) ? `0x${'00'.repeat(entry.len)}` : Array.from({ length: entry.len }, () => next(entry.value));
    case 'tuple': return entry.value.map(next);
    case 'struct': return Object.fromEntries(Object.entries(entry.value).map(([name, inner]) => [name, next(inner)]));
    case 'enum': {
      const [tag, variant] = Object.entries(entry.value).sort(([, a], [, b]) => a.idx - b.idx)[0];
      const value = variant.type === 'lookupEntry' ? next(variant.value) : variant.type === 'void' ? undefined : next(variant);
      return { type: tag, value };
    }
    default: throw new Error(`no default for a ${entry.type}`);
  }
}
const isByte = (entry) => entry.type === 'primitive' && entry.value === 'u8';

/** Sign and submit with papi; resolves with the outcome once a best block holds it. */
function submitted(transaction, signer) {
  return new Promise((resolve, reject) => {
    const subscription = transaction.signSubmitAndWatch(signer).subscribe({
      next: (event) => {
        if (event.type !== 'txBestBlocksState' || !event.found) return;
        subscription.unsubscribe();
        resolve(event);
      },
      error: reject,
    });
  });
}

/** A decoded dispatch error by name: `Consent.NotGuardian`, `BadOrigin`. */
const errorName = ({ type, value }) => (type === 'Module' ? `${value.type}.${value.value.type}` : type);

describe('polkadot-api against our pallets, from metadata alone', () => {
  let node;
  let pjs;
  let client;
  let api;
  let lookup;
  let alice;

  before(async () => {
    node = await startNode(['--dev']);
    // Real state to decode, made with @polkadot/api (whose count of calls is checked below).
    let accounts;
    ({ api: pjs, accounts } = await connect(node));
    alice = accounts.alice.address;
    await someOfEverything(pjs, accounts);

    // Node 20 has no global WebSocket: papi takes the `ws` package's.
    client = createClient(getWsProvider(node.wsUrl, { websocketClass: WebSocket }));
    api = client.getUnsafeApi();
    const finalized = await client.getFinalizedBlock();
    lookup = getLookupFn(unifyMetadata(decAnyMetadata(await client.getMetadata(finalized.hash))));
  });

  after(async () => {
    client?.destroy();
    await pjs?.disconnect();
    await disposeUnlessFailed(node);
  });

  const palletOf = (name) => lookup.metadata.pallets.find((pallet) => pallet.name === name);

  test('every storage item of our pallets decodes', async () => {
    let decoded = 0;
    for (const name of PALLETS) {
      const pallet = palletOf(name);
      assert.ok(pallet, name);
      for (const item of pallet.storage?.items ?? []) {
        const query = api.query[name][item.name];
        const values = item.type.tag === 'map' ? (await query.getEntries()).map(({ value }) => value) : [await query.getValue()];
        decoded += values.length;
      }
    }
    assert.ok(decoded > 20, `only ${decoded} values`);
  });

  test('every runtime API of ours answers default arguments', async () => {
    for (const name of RUNTIME_APIS) {
      const runtimeApi = lookup.metadata.apis.find((a) => a.name === name);
      assert.ok(runtimeApi?.methods.length, name);
      for (const method of runtimeApi.methods) {
        const args = method.inputs.map((input) => defaultOf(lookup(input.type), alice));
        await assert.doesNotReject(api.apis[name][method.name](...args), `${name}.${method.name}`);
      }
    }
  });

  test('every public call of our pallets goes through papi\'s signer and is answered', async (t) => {
    const outcomes = [];
    for (const name of PALLETS) {
      const calls = lookup(palletOf(name).calls.type);
      assert.equal(calls.type, 'enum', name);
      for (const [call, variant] of Object.entries(calls.value)) {
        const args = variant.type === 'void' ? {} : defaultOf(variant, alice);
        // The physician signs what the transaction extension reserves for practitioners.
        const signer = devSigner(name === 'Audit' ? 'Dave' : 'Ferdie');
        const result = await submitted(api.tx[name][call](args), signer);
        outcomes.push(`${name}.${call}: ${result.ok ? 'ok' : errorName(result.dispatchError)}`);
      }
    }
    t.diagnostic(outcomes.join('\n'));
    // Every call @polkadot/api sees made it into a block with a decoded outcome; with default
    // arguments most fail.
    const pjsCalls = PALLETS.reduce((count, name) => count + Object.keys(pjs.tx[name[0].toLowerCase() + name.slice(1)]).length, 0);
    assert.equal(outcomes.length, pjsCalls);
    assert.ok(outcomes.every((outcome) => /: (ok|[A-Za-z]+(\.[A-Za-z]+)?)$/.test(outcome)), outcomes.join('\n'));
  });
});
