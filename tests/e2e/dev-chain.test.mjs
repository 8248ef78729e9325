// A real `ehr-node --dev`, driven through @polkadot/api (what Polkadot.js Apps is built on).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, eventsOf, submit } from '../lib/chain.mjs';
import { disposeUnlessFailed, runNode, startNode, waitFor } from '../lib/node.mjs';

const PALLETS = ['System', 'Timestamp', 'Aura', 'Grandpa', 'Balances', 'TransactionPayment', 'Sudo', 'Providers', 'ValidatorSet', 'Session', 'NodeAuthorization'];
const RUNTIME_APIS = [
  'Core', 'Metadata', 'BlockBuilder', 'TaggedTransactionQueue', 'OffchainWorkerApi', 'AuraApi',
  'SessionKeys', 'GrandpaApi', 'AccountNonceApi', 'TransactionPaymentApi',
  'TransactionPaymentCallApi', 'GenesisBuilder', 'ProvidersApi',
];

describe('ehr-node --dev', () => {
  let node;
  let api;
  let alice;
  let bob;

  before(async () => {
    node = await startNode(['--dev']);
    ({ api, accounts: { alice, bob } } = await connect(node));
  });

  after(async () => {
    await api?.disconnect();
    await disposeUnlessFailed(node);
  });

  test('produces blocks and GRANDPA finalizes them', async () => {
    const finalized = await waitFor('finalized height >= 3', async () => {
      const hash = await api.rpc.chain.getFinalizedHead();
      const header = await api.rpc.chain.getHeader(hash);
      return header.number.toNumber() >= 3 && header.number.toNumber();
    });
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    assert.ok(best >= finalized, `best ${best} < finalized ${finalized}`);
  });

  test('slots are 2 seconds long', async () => {
    const slot = await api.call.auraApi.slotDuration();
    assert.equal(slot.toNumber(), 2000);
  });

  test('a transfer signed by Alice is included and finalized', async () => {
    const amount = 1_234_567_890_000n;
    const before = (await api.query.system.account(bob.address)).data.free.toBigInt();

    const { blockHash, events, error } = await submit(
      api,
      api.tx.balances.transferKeepAlive(bob.address, amount),
      alice,
      { finalized: true },
    );
    assert.equal(error, null, `transfer failed: ${error}`);

    const [transfer] = eventsOf(events, api.events.balances.Transfer);
    assert.ok(transfer, 'no Balances.Transfer event');
    const [from, to, value] = transfer.data;
    assert.equal(from.toString(), alice.address);
    assert.equal(to.toString(), bob.address);
    assert.equal(value.toBigInt(), amount);
    assert.ok(eventsOf(events, api.events.system.ExtrinsicSuccess).length > 0);

    const finalizedHead = await api.rpc.chain.getFinalizedHead();
    const finalizedNumber = (await api.rpc.chain.getHeader(finalizedHead)).number.toNumber();
    const blockNumber = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
    assert.ok(blockNumber <= finalizedNumber, 'the block of the transfer is not finalized');

    const after = (await api.query.system.account.at(blockHash, bob.address)).data.free.toBigInt();
    assert.equal(after - before, amount);
  });

  test('metadata v15+ decodes and lists the pallets and runtime APIs', async () => {
    const versions = (await api.call.metadata.metadataVersions()).map((v) => v.toNumber());
    assert.ok(versions.includes(15), `metadata versions ${versions}`);
    assert.ok(api.runtimeMetadata.version >= 15, `api decoded metadata v${api.runtimeMetadata.version}`);

    const latest = api.runtimeMetadata.asLatest;
    const pallets = latest.pallets.map((p) => p.name.toString());
    for (const pallet of PALLETS) assert.ok(pallets.includes(pallet), `pallet ${pallet} missing from ${pallets}`);
    const apis = latest.apis.map((a) => a.name.toString());
    for (const runtimeApi of RUNTIME_APIS) assert.ok(apis.includes(runtimeApi), `runtime API ${runtimeApi} missing from ${apis}`);

    assert.equal(api.runtimeVersion.specName.toString(), 'ehr-chain');
  });

  test('chain properties name the token and the address format', async () => {
    const properties = await api.rpc.system.properties();
    assert.equal(properties.tokenSymbol.unwrap()[0].toString(), 'EHR');
    assert.equal(properties.tokenDecimals.unwrap()[0].toNumber(), 12);
    assert.equal(properties.ss58Format.unwrap().toNumber(), 42);
    assert.equal(api.registry.chainSS58, 42);
  });

  test('serves Prometheus metrics', async () => {
    const metrics = await (await fetch(node.prometheusUrl)).text();
    assert.match(metrics, /^substrate_block_height\{status="finalized"/m);
  });

  // Last: the node is gone afterwards.
  test('shuts down cleanly on SIGINT and restarts from its database', async () => {
    const bestBeforeStop = (await api.rpc.chain.getHeader()).number.toNumber();
    await api.disconnect();
    const { code, signal, timedOut, ms } = await node.stop('SIGINT');
    assert.equal(timedOut, false, 'the node did not exit within 30 s of SIGINT');
    assert.equal(signal, null, `the node died of ${signal}`);
    assert.equal(code, 0, `the node exited with ${code}`);
    // sc-cli reports tasks that did not stop as "potentially stalled"; a panic is never clean.
    // (The fork-aware pool logs "Essential task `txpool-background` failed" while the task
    // manager is torn down after the signal; that line is not a failure of the shutdown.)
    assert.doesNotMatch(node.log(), /panicked|stalled/);
    console.log(`  shutdown took ${ms} ms`);

    const restarted = await startNode(['--dev'], { basePath: node.basePath });
    node = restarted;
    ({ api } = await connect(node));
    const resumed = (await api.rpc.chain.getHeader()).number.toNumber();
    assert.ok(resumed >= bestBeforeStop, `restarted at #${resumed}, stopped at #${bestBeforeStop}`);
    await waitFor('a block after the restart', async () =>
      (await api.rpc.chain.getHeader()).number.toNumber() > resumed);
  });
});

describe('RPC exposure', () => {
  test('outside --dev a node serves safe methods only, unless told otherwise', async () => {
    const ask = async (node, method) => {
      const response = await fetch(node.httpUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params: [] }),
      });
      return response.json();
    };
    for (const [args, unsafeAnswered] of [[[], false], [['--rpc-methods', 'unsafe'], true]]) {
      // A validator outside --dev needs a network key of its own.
      const node = await startNode(['--chain', 'local', '--alice', '--node-key', '01'.repeat(32), ...args]);
      try {
        assert.ok((await ask(node, 'system_health')).result, 'a safe method answers');
        const rotated = await ask(node, 'author_rotateKeys');
        assert.equal(Boolean(rotated.result), unsafeAnswered, JSON.stringify(rotated));
        if (!unsafeAnswered) assert.match(rotated.error.message, /unsafe/i);
      } finally {
        await disposeUnlessFailed(node);
      }
    }
  });
});

describe('bad input', () => {
  test('--chain nonsense exits non-zero with a one-line reason', () => {
    const result = runNode(['--chain', 'nonsense', '--tmp']);
    assert.notEqual(result.status, 0);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
    assert.match(lines[0], /nonsense/);
  });

  test('export-chain-spec knows the local four-validator chain', () => {
    const result = runNode(['export-chain-spec', '--chain', 'local']);
    assert.equal(result.status, 0, result.stderr);
    const spec = JSON.parse(result.stdout);
    assert.equal(spec.id, 'ehr_local');
    assert.equal(spec.chainType, 'Local');
    assert.equal(spec.properties.tokenSymbol, 'EHR');
    const genesis = spec.genesis.runtimeGenesis.patch;
    assert.equal(genesis.session.keys.length, 4);
    assert.equal(genesis.validatorSet.validators.length, 4);
    assert.equal(genesis.nodeAuthorization.nodes.length, 4);
    assert.equal(genesis.councilMembership.members.length, 4);
    assert.equal(genesis.sudo.key, null);
  });

  test('a consortium configuration becomes a spec without sudo; a bad one is refused, naming the field', () => {
    const example = readFileSync(new URL('../../docs/consortium.example.json', import.meta.url), 'utf8');
    const built = runNode(['build-spec', '--chain', 'consortium']);
    assert.equal(built.status, 0, built.stderr);
    const spec = JSON.parse(built.stdout);
    assert.equal(spec.chainType, 'Live');
    assert.equal(spec.genesis.runtimeGenesis.patch.sudo.key, null);
    assert.equal(spec.genesis.runtimeGenesis.patch.councilMembership.members.length, 4);

    const config = JSON.parse(example);
    config.members = config.members.slice(0, 2);
    const path = join(mkdtempSync(join(tmpdir(), 'ehr-consortium-')), 'two.json');
    writeFileSync(path, JSON.stringify(config));
    const refused = runNode(['build-spec', '--chain', path]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /validators: 2 in all; a consortium starts with 3/);
  });
});
