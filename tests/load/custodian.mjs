// The custodian's load generator (docs/performance.md, "The custodian"): a real `ehr-node
// --dev` and a real `ehr-custodian serve` on SQLite or PostgreSQL; creates lab results through
// it (each anchored and finalised on chain before it answers), then reads each back on its own
// decision (requested, finalised, then used), a fixed number of requests in flight.
//
//   node load/custodian.mjs [--database postgres://SERVER/DB (a new database on its server)] [--creates 200] [--concurrency 16]
//                           [--practitioners 20] [--patients 40] [--out DIR]
//
// Prints and writes DIR/custodian-<database>.json: per interaction, latency p50/p99 with the
// chain's wait and without it (a create's: its anchor, from the service's Server-Timing
// `chain`; a read's: its decision's request to finality), and throughput.
// Not a test: nothing is asserted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Keyring } from '@polkadot/api';
import { connect, eventsOf, submit } from '../lib/chain.mjs';
import { fhir, freshPostgres, labResult, startCustodian } from '../lib/custodian.mjs';
import { all, practitioners, registerStaff, UNIT } from '../lib/hospital.mjs';
import { disposeUnlessFailed, startNode } from '../lib/node.mjs';

const { values: opts } = parseArgs({
  options: {
    database: { type: 'string' },
    creates: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
    practitioners: { type: 'string', default: '20' },
    patients: { type: 'string', default: '40' },
    out: { type: 'string', default: 'load-results' },
  },
});
const [creates, concurrency] = [Number(opts.creates), Number(opts.concurrency)];

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const round = (ms) => Math.round(ms * 10) / 10;

/** Runs `jobs` (functions returning promises) with `concurrency` in flight; their results and the wall time. */
async function pool(jobs) {
  const results = new Array(jobs.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]();
    }
  }));
  return { results, seconds: (performance.now() - started) / 1000 };
}

/** Latency and throughput of `timings` (`{ total, chain }` in ms) over `seconds`. */
function summary(timings, seconds) {
  const totals = timings.map((t) => t.total);
  const local = timings.map((t) => t.total - t.chain);
  return {
    count: timings.length,
    throughputPerSecond: round(timings.length / seconds),
    p50Ms: round(percentile(totals, 50)),
    p99Ms: round(percentile(totals, 99)),
    withoutChainP50Ms: round(percentile(local, 50)),
    withoutChainP99Ms: round(percentile(local, 99)),
  };
}

const node = await startNode(['--dev']);
const { api, accounts: { bob, charlie: hospital } } = await connect(node);
let custodian;
try {
  await registerStaff(api, { hospital, staff: [] });
  const staff = await practitioners(api, { bob, hospital }, Number(opts.practitioners), 'custodian-load');
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const patients = Array.from({ length: Number(opts.patients) }, (_, i) => keyring.addFromUri(`//custodian-load/patient/${i}`));
  await all(api, patients.map((p) => [api.tx.balances.transferKeepAlive(p.address, UNIT), bob]));
  const terms = { categories: { Only: [{ Standard: 'LaboratoryResults' }] }, purposes: ['Treatment'], from: 0, until: null, maxAccesses: null };
  await all(api, patients.map((p) => [api.tx.consent.grant(null, { Organisation: hospital.address }, terms), p]));
  custodian = await startCustodian(node, {
    organisation: hospital.address,
    suris: ['//Charlie', ...staff.map((_, i) => `//custodian-load/${i}`)],
    database: opts.database && freshPostgres(opts.database),
  });

  // Creates: each answers once its anchor is final.
  const timed = async (request) => {
    const started = performance.now();
    const response = await request();
    const total = performance.now() - started;
    if (response.status >= 300) throw new Error(`${response.status}: ${JSON.stringify(response.json)}`);
    const chain = Number(/chain;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '')?.[1] ?? 0);
    return { total, chain, response };
  };
  const written = await pool(Array.from({ length: creates }, (_, i) => () => {
    const [author, patient] = [staff[i % staff.length], patients[i % patients.length]];
    return timed(() => fhir(custodian, author, 'POST', '/fhir/Observation', { resource: labResult(patient, 4 + (i % 40) / 10) }))
      .then((timing) => ({ ...timing, id: timing.response.json.id, patient }));
  }));

  // Reads: each asks the chain for its own decision, waits for it to be final (the chain's
  // part), then reads the record with it.
  const nonces = new Map(await Promise.all(staff.map(async (p) => [p.address, (await api.rpc.system.accountNextIndex(p.address)).toNumber()])));
  const read = await pool(written.results.map((record, i) => {
    const reader = staff[(i + 1) % staff.length];
    const nonce = nonces.get(reader.address);
    nonces.set(reader.address, nonce + 1);
    return async () => {
      const started = performance.now();
      const { events } = await submit(api, api.tx.audit.requestAccess(record.patient.address, { Standard: 'LaboratoryResults' }, 'Treatment', null), reader, { finalized: true, nonce });
      const chain = performance.now() - started;
      const seq = eventsOf(events, api.events.audit.AccessDecided)[0].data.decision.seq.toString();
      const get = await timed(() => fhir(custodian, reader, 'GET', `/fhir/Observation/${record.id}`, { decision: seq }));
      return { total: chain + get.total, chain };
    };
  }));

  const result = {
    database: opts.database ? 'PostgreSQL' : 'SQLite',
    concurrency,
    practitioners: staff.length,
    patients: patients.length,
    create: summary(written.results, written.seconds),
    read: summary(read.results, read.seconds),
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, `custodian-${result.database.toLowerCase()}.json`), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await api.disconnect();
  await custodian?.dispose();
  await disposeUnlessFailed(node);
}
