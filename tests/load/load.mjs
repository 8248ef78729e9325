// The load generator (docs/performance.md, "Throughput"): pre-signs transactions over many
// accounts, submits them over RPC at a target rate or as fast as the node takes them, and
// measures what the chain did with them, from its blocks.
//
//   node load/load.mjs [--url ws://...] [--mix transfer,request] [--count 20000] [--rate 0]
//                      [--senders 500] [--patients 300] [--denied 0.1] [--out DIR] [--node-arg ARG]...
//
// Without --url it starts its own `ehr-node --dev` (EHR_NODE picks the binary). Each mix runs in
// turn against the same node: `transfer` (balances.transfer_keep_alive between the senders, the
// Substrate reference load) and `request` (audit.request_access by registered practitioners of
// one hospital: patients gave the hospital consent beforehand; a `--denied` share of requests is
// for patients who did not, and is denied). `--rate 0` submits as fast as the node accepts.
//
// For each mix it writes DIR/<mix>-blocks.csv (per block: time, our transactions, all, the
// normal class's ref time and length against their limits), DIR/<mix>-seconds.csv (every 2 s:
// submitted, included, finalised per second, submit->inclusion and submit->finality p50) and prints, and
// writes to DIR/<mix>-summary.json: inclusion and finalised TPS, latency p50/p95/p99, dropped,
// invalid and lost (accepted, never finalised) counts, block fill, and (for a node it started) the cores the node used on average.
// Not a test: nothing is asserted.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Keyring, WsProvider } from '@polkadot/api';
import { connect } from '../lib/chain.mjs';
import { govern } from '../lib/governance.mjs';
import { all, credential, practitioners, UNIT } from '../lib/hospital.mjs';
import { disposeUnlessFailed, startNode } from '../lib/node.mjs';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    mix: { type: 'string', default: 'transfer,request' },
    count: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '0' },
    senders: { type: 'string', default: '500' },
    patients: { type: 'string', default: '300' },
    denied: { type: 'string', default: '0.1' },
    out: { type: 'string', default: 'load-results' },
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const COUNT = Number(opts.count);
const RATE = Number(opts.rate);
const SENDERS = Number(opts.senders);
const PATIENTS = Number(opts.patients);
const DENIED = Number(opts.denied);
// How many submissions are in flight at once when submitting as fast as possible.
const IN_FLIGHT = 256;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value at quantile `q` of the sorted numbers `xs`. */
const quantile = (xs, q) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] : null);
const ms = (x) => (x === null ? null : Math.round(x));

/** Everyone's funds and registrations for the mixes: senders, practitioners, patients. */
async function setUp(api, accounts, mixes) {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const { alice, bob } = accounts;
  // Accounts of this run only, so that a chain that already ran one takes another.
  const tag = `//Load/${Date.now()}`;
  const hospital = keyring.addFromUri(`${tag}/Hospital`);
  const world = {};
  if (mixes.includes('transfer')) {
    world.senders = Array.from({ length: SENDERS }, (_, i) => keyring.addFromUri(`${tag}/Sender/${i}`));
    for (let i = 0; i < SENDERS; i += 1000) {
      await all(api, world.senders.slice(i, i + 1000).map((s) => [api.tx.balances.transferKeepAlive(s.address, 100n * UNIT), alice]));
    }
  }
  if (mixes.includes('request')) {
    await all(api, [[api.tx.balances.transferKeepAlive(hospital.address, 100_000n * UNIT), alice]]);
    await all(api, [[api.tx.providers.registerOrganisation('Hospital', credential(), 0), hospital]]);
    await govern(api, api.tx.providers.approve(hospital.address));
    world.practitioners = await practitioners(api, { bob, hospital }, SENDERS, `${tag}/Practitioner`.slice(2), 100n * UNIT);
    const patients = Array.from({ length: PATIENTS }, (_, i) => keyring.addFromUri(`${tag}/Patient/${i}`));
    const terms = { categories: { AllStandard: { sensitive: [] } }, purposes: ['Treatment'], from: 0, until: null, maxAccesses: null };
    await all(api, patients.map((p) => [api.tx.balances.transferKeepAlive(p.address, UNIT), bob]));
    await all(api, patients.map((p) => [api.tx.consent.grant(null, { Organisation: hospital.address }, terms), p]));
    world.patients = patients;
    // Accounts that never consented: requests for them are denied.
    world.strangers = Array.from({ length: PATIENTS }, (_, i) => keyring.addFromUri(`${tag}/Stranger/${i}`));
  }
  return world;
}

const STANDARD = ['Encounters', 'Conditions', 'Medications', 'Allergies', 'LaboratoryResults', 'Imaging', 'Immunizations'];

/** The `i`-th call of `mix` and who signs it. */
function callOf(api, world, mix, i) {
  if (mix === 'transfer') {
    const n = world.senders.length;
    return [api.tx.balances.transferKeepAlive(world.senders[(i + 1) % n].address, UNIT / 1000n), world.senders[i % n]];
  }
  const practitioner = world.practitioners[i % world.practitioners.length];
  // A fixed draw per i: the same share of denials in every run.
  const denied = ((i * 2654435761) % 1000) / 1000 < DENIED;
  const patient = (denied ? world.strangers : world.patients)[(i * 7919) % PATIENTS];
  return [api.tx.audit.requestAccess(patient.address, { Standard: STANDARD[i % STANDARD.length] }, 'Treatment', null), practitioner];
}

/** Sign `COUNT` calls of `mix` offline (immortal, consecutive nonces per signer). */
async function preSign(api, world, mix) {
  const nonces = new Map();
  const genesisHash = api.genesisHash;
  const runtimeVersion = api.runtimeVersion;
  const signed = [];
  for (let i = 0; i < COUNT; i += 1) {
    const [tx, signer] = callOf(api, world, mix, i);
    if (!nonces.has(signer.address)) nonces.set(signer.address, (await api.rpc.system.accountNextIndex(signer.address)).toNumber());
    const nonce = nonces.get(signer.address);
    nonces.set(signer.address, nonce + 1);
    tx.sign(signer, { nonce, era: 0, blockHash: genesisHash, genesisHash, runtimeVersion, signedExtensions: api.registry.signedExtensions });
    signed.push({ hex: tx.toHex(), hash: tx.hash.toHex(), length: tx.encodedLength, sender: signer.address });
  }
  return signed;
}

/**
 * Follow the chain while the transactions of `byHash` land: each new best block's body (for
 * inclusion), each finalised block (for finality), and the block's weight and length.
 */
function follow(api, byHash, origin) {
  const blocks = new Map();
  const finalisedNumbers = new Set();
  const maxWeight = api.consts.system.blockWeights.perClass.normal.maxTotal.unwrap().refTime.toBigInt();
  const maxLength = api.consts.system.blockLength.max.normal.toNumber();
  const read = async (hash) => {
    const key = hash.toHex();
    if (blocks.has(key)) return blocks.get(key);
    const [{ block }, weight, timestamp] = await Promise.all([
      api.rpc.chain.getBlock(hash),
      api.query.system.blockWeight.at(hash),
      api.query.timestamp.now.at(hash),
    ]);
    const info = {
      number: block.header.number.toNumber(),
      timestamp: timestamp.toNumber(),
      seen: Date.now() - origin,
      ours: 0,
      all: block.extrinsics.length,
      length: block.extrinsics.reduce((sum, x) => sum + x.encodedLength, 0),
      weightShare: Number(weight.normal.refTime.toBigInt()) / Number(maxWeight),
      hashes: block.extrinsics.map((x) => x.hash.toHex()),
    };
    info.lengthShare = info.length / maxLength;
    for (const h of info.hashes) if (byHash.has(h)) info.ours += 1;
    blocks.set(key, info);
    return info;
  };
  const onBest = api.rpc.chain.subscribeNewHeads(async (header) => {
    const info = await read(header.hash);
    for (const h of info.hashes) {
      const tx = byHash.get(h);
      if (tx && tx.included === undefined) tx.included = info.seen;
    }
  });
  let finalisedUpTo = null;
  const onFinal = api.rpc.chain.subscribeFinalizedHeads(async (header) => {
    const now = Date.now() - origin;
    const to = header.number.toNumber();
    const from = finalisedUpTo === null ? to : finalisedUpTo + 1;
    finalisedUpTo = Math.max(finalisedUpTo ?? to, to);
    for (let number = from; number <= to; number += 1) {
      const info = await read(await api.rpc.chain.getBlockHash(number));
      finalisedNumbers.add(info.number);
      for (const h of info.hashes) {
        const tx = byHash.get(h);
        if (tx && tx.finalised === undefined) tx.finalised = now;
      }
    }
  });
  return {
    blocks: () => [...blocks.values()].filter((b) => finalisedNumbers.has(b.number)).sort((a, b) => a.number - b.number),
    stop: async () => {
      (await onBest)();
      (await onFinal)();
    },
  };
}

/**
 * Submit `signed` at `RATE` per second (0: as fast as accepted), recording each outcome. Each
 * sender's transactions go in nonce order, one after the other: the pool keeps at most a tenth of
 * its limit as future transactions (a nonce ahead of the sender's next) and drops the rest
 * without a word, and every later one of that sender then waits forever.
 */
async function submitAll(provider, signed, origin) {
  const one = async (tx) => {
    tx.submitted = Date.now() - origin;
    try {
      await provider.send('author_submitExtrinsic', [tx.hex]);
    } catch (error) {
      const message = String(error.message ?? error);
      // The pool's answer: full ("Immediately Dropped", "limit"), or the transaction invalid.
      tx.error = /dropped|limit|full|priority/i.test(message) ? 'dropped' : 'invalid';
      tx.message = message;
    }
  };
  if (RATE > 0) {
    // Due in order; a sender's next waits for its previous one's answer.
    const chains = new Map();
    const started = Date.now();
    let next = 0;
    while (next < signed.length) {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE);
      for (; next < Math.min(due, signed.length); next += 1) {
        const tx = signed[next];
        chains.set(tx.sender, (chains.get(tx.sender) ?? Promise.resolve()).then(() => one(tx)));
      }
      await sleep(5);
    }
    await Promise.all(chains.values());
  } else {
    // IN_FLIGHT submitters, each with its own senders, taking their transactions in turn.
    const bySender = new Map();
    for (const tx of signed) {
      if (!bySender.has(tx.sender)) bySender.set(tx.sender, []);
      bySender.get(tx.sender).push(tx);
    }
    const queues = [...bySender.values()];
    await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, w) => {
      const mine = queues.filter((_, q) => q % IN_FLIGHT === w);
      for (let i = 0; mine.some((q) => i < q.length); i += 1) {
        for (const queue of mine) if (i < queue.length) await one(queue[i]);
      }
    }));
  }
}

/** The run's figures, from the transactions' times and the finalised blocks. */
function summarise(mix, signed, blocks, outcomes) {
  const included = signed.filter((t) => t.included !== undefined);
  const finalised = signed.filter((t) => t.finalised !== undefined);
  const inclusion = included.map((t) => t.included - t.submitted).sort((a, b) => a - b);
  const finality = finalised.map((t) => t.finalised - t.submitted).sort((a, b) => a - b);
  const ours = blocks.filter((b) => b.ours > 0);
  // Inclusion TPS on the chain's own clock: our transactions over the span of the blocks that
  // hold them (one slot per block, the last included).
  const slot = ours.length > 1 ? (ours.at(-1).timestamp - ours[0].timestamp) / (ours.length - 1) : 0;
  const span = ours.length ? (ours.at(-1).timestamp - ours[0].timestamp + slot) / 1000 : 0;
  const firstSubmit = Math.min(...signed.map((t) => t.submitted));
  const lastFinal = Math.max(...finalised.map((t) => t.finalised));
  const full = ours.slice(0, -1);
  return {
    mix,
    transactions: signed.length,
    included: included.length,
    finalised: finalised.length,
    dropped: signed.filter((t) => t.error === 'dropped').length,
    invalid: signed.filter((t) => t.error === 'invalid').length,
    // Accepted by the pool, never finalised (the run waits until nothing moves for 30 s).
    lost: signed.filter((t) => !t.error && t.finalised === undefined).length,
    firstError: signed.find((t) => t.error)?.message ?? null,
    blocks: ours.length,
    inclusionTps: span ? Math.round(included.length / span) : null,
    finalisedTps: finalised.length ? Math.round(finalised.length / ((lastFinal - firstSubmit) / 1000)) : null,
    submitToInclusionMs: { p50: ms(quantile(inclusion, 0.5)), p95: ms(quantile(inclusion, 0.95)), p99: ms(quantile(inclusion, 0.99)) },
    submitToFinalityMs: { p50: ms(quantile(finality, 0.5)), p95: ms(quantile(finality, 0.95)), p99: ms(quantile(finality, 0.99)) },
    perBlock: full.length ? {
      transactions: Math.round(full.reduce((s, b) => s + b.ours, 0) / full.length),
      weightShare: Number((full.reduce((s, b) => s + b.weightShare, 0) / full.length).toFixed(3)),
      lengthShare: Number((full.reduce((s, b) => s + b.lengthShare, 0) / full.length).toFixed(3)),
    } : null,
    outcomes,
  };
}

// The series' buckets: one slot, so that a rate does not alternate between a block and none.
const BUCKET_MS = 2000;

/**
 * The run over time, a row per 2 s: transactions submitted, included and finalised per second,
 * and the median latencies of those submitted in it.
 */
function seconds(signed) {
  const rows = new Map();
  const row = (t) => {
    const s = Math.floor(t / BUCKET_MS);
    if (!rows.has(s)) rows.set(s, { submitted: 0, included: 0, finalised: 0, inclusion: [], finality: [] });
    return rows.get(s);
  };
  for (const tx of signed) {
    row(tx.submitted).submitted += 1;
    if (tx.included !== undefined) {
      row(tx.included).included += 1;
      row(tx.submitted).inclusion.push(tx.included - tx.submitted);
    }
    if (tx.finalised !== undefined) {
      row(tx.finalised).finalised += 1;
      row(tx.submitted).finality.push(tx.finalised - tx.submitted);
    }
  }
  const first = Math.min(...rows.keys());
  const last = Math.max(...rows.keys());
  const median = (xs) => ms(quantile(xs.sort((a, b) => a - b), 0.5)) ?? '';
  const lines = [];
  for (let s = first; s <= last; s += 1) {
    const r = row(s * BUCKET_MS);
    const rate = (n) => n / (BUCKET_MS / 1000);
    lines.push([((s - first) * BUCKET_MS) / 1000, rate(r.submitted), rate(r.included), rate(r.finalised), median(r.inclusion), median(r.finality)].join(','));
  }
  return ['second,submitted,included,finalised,inclusion_p50_ms,finality_p50_ms', ...lines].join('\n') + '\n';
}

/** Count the access decisions of the run's blocks by outcome (granted, denied, emergency). */
async function decisions(api, blocks) {
  const counts = {};
  for (const b of blocks.filter((x) => x.ours > 0)) {
    const events = await api.query.system.events.at(await api.rpc.chain.getBlockHash(b.number));
    for (const { event } of events) {
      if (!api.events.audit.AccessDecided.is(event)) continue;
      const outcome = Object.keys(event.data.decision.toJSON().outcome)[0];
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
  }
  return counts;
}

/** CPU seconds (user and system) the process `pid` has used so far, from /proc. */
function cpuSeconds(pid) {
  if (!pid) return null;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function run(api, provider, world, mix, nodePid) {
  const signStart = Date.now();
  const signed = await preSign(api, world, mix);
  console.error(`${mix}: ${signed.length} signed in ${((Date.now() - signStart) / 1000).toFixed(1)} s`);
  const byHash = new Map(signed.map((t) => [t.hash, t]));
  const origin = Date.now();
  const cpuBefore = cpuSeconds(nodePid);
  const follower = follow(api, byHash, origin);
  await submitAll(provider, signed, origin);
  // Until every accepted transaction is finalised, or nothing moves for 30 s.
  let last = -1;
  let still = Date.now();
  for (;;) {
    const done = signed.filter((t) => t.finalised !== undefined || t.error).length;
    if (done === signed.length) break;
    if (done !== last) [last, still] = [done, Date.now()];
    if (Date.now() - still > 30_000) break;
    await sleep(500);
  }
  await follower.stop();
  const cpu = nodePid ? (cpuSeconds(nodePid) - cpuBefore) / ((Date.now() - origin) / 1000) : null;
  const blocks = follower.blocks();
  const outcomes = mix === 'request' ? await decisions(api, blocks) : null;
  const summary = { ...summarise(mix, signed, blocks, outcomes), nodeCores: cpu === null ? null : Number(cpu.toFixed(2)) };
  writeFileSync(join(opts.out, `${mix}-summary.json`), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(opts.out, `${mix}-seconds.csv`), seconds(signed));
  writeFileSync(join(opts.out, `${mix}-blocks.csv`), ['block,timestamp_ms,seen_ms,ours,extrinsics,weight_share,length_bytes,length_share',
    ...blocks.map((b) => [b.number, b.timestamp, b.seen, b.ours, b.all, b.weightShare.toFixed(4), b.length, b.lengthShare.toFixed(4)].join(','))].join('\n') + '\n');
  console.log(JSON.stringify(summary));
  return summary;
}

mkdirSync(opts.out, { recursive: true });
const mixes = opts.mix.split(',');
// The setup watches up to a thousand transactions at once on one connection, and a block that
// holds them all sends their notifications at once (the server's buffer, 64 by default, would
// stall the connection and lose them); the pool holds a
// whole run (its default, 8,192 transactions and 20 MiB, drops most of one submitted at once),
// and is the one validators run (docs/operators.md: the fork-aware pool lost transactions).
const NODE_ARGS = ['--rpc-max-subscriptions-per-connection', '8192', '--rpc-message-buffer-capacity-per-connection', '16384',
  '--pool-limit', '100000', '--pool-kbytes', '204800',
  '--pool-type', 'single-state'];
const node = opts.url ? null : await startNode(['--dev', ...NODE_ARGS, ...opts['node-arg']]);
try {
  const wsUrl = node?.wsUrl ?? opts.url;
  const { api, accounts } = await connect({ wsUrl });
  // Submissions on a connection of their own, apart from the blocks being followed.
  const provider = await new WsProvider(wsUrl).isReady;
  const world = await setUp(api, accounts, mixes);
  for (const mix of mixes) await run(api, provider, world, mix, node?.child.pid);
  await provider.disconnect();
  await api.disconnect();
} finally {
  if (node) await disposeUnlessFailed(node);
}
