// The custodian service (`ehr-custodian`) started for real next to a test's node, and a client
// that signs its requests as `custodian/src/auth.rs` defines.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { u8aToHex } from '@polkadot/util';

/** The custodian binary: `$EHR_CUSTODIAN`, else the one cargo built beside the node. */
export function custodianBinary() {
  if (process.env.EHR_CUSTODIAN) return process.env.EHR_CUSTODIAN;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'ehr-chain', 'target');
  return join(target, 'debug', 'ehr-custodian');
}

/** Run a custodian subcommand to completion, with `input` on stdin. */
export function runCustodian(args, input = '') {
  return spawnSync(custodianBinary(), args, { input, encoding: 'utf8', timeout: 60_000 });
}

/**
 * A data directory with a new master key and the signing keys `suris`, and the service on it,
 * started on a free port against `node`: SQLite in the directory, or `database`.
 */
export async function startCustodian(node, { organisation, suris, database, args = [] }) {
  const data = mkdtempSync(join(tmpdir(), 'ehr-custodian-'));
  const must = (result) => {
    if (result.status !== 0) throw new Error(`ehr-custodian: ${result.stderr}`);
    return result.stdout.trim();
  };
  must(runCustodian(['init', '--data', data]));
  for (const suri of suris) must(runCustodian(['add-key', '--data', data], `${suri}\n`));
  const child = spawn(
    custodianBinary(),
    ['serve', '--data', data, '--organisation', organisation, '--listen', '127.0.0.1:0', '--node', node.httpUrl,
      ...(database ? ['--database', database] : []), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (chunk) => { log += chunk; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const listening = out.match(/listening on (http:\/\/\S+)\/fhir/);
      if (listening) resolve(listening[1]);
    });
    child.on('exit', (code) => reject(new Error(`ehr-custodian exited with ${code}:\n${log}`)));
  });
  process.on('exit', () => child.kill('SIGKILL'));
  return {
    url,
    data,
    database: database ?? join(data, 'custodian.db'),
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
    async dispose() {
      await this.stop();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** A new empty database on the PostgreSQL server of `url` (a custodian's database serves one chain); its URL. */
export function freshPostgres(url) {
  const name = `ehr_custodian_${process.pid}_${Date.now()}`;
  const created = spawnSync('psql', [url, '-qc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`psql: ${created.stderr}`);
  return url.replace(/\/[^/]*$/, `/${name}`);
}

/** The headers that sign a request as `pair` (auth.rs: the message, then sr25519). */
export function signedHeaders(pair, method, pathAndQuery, body = '', { decision, timestamp = Date.now() } = {}) {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const message = `ehr-custodian/request/v1\n${method}\n${pathAndQuery}\n${timestamp}\n${decision ?? ''}\n${bodyHash}\n`;
  const headers = {
    'x-ehr-account': pair.address,
    'x-ehr-timestamp': String(timestamp),
    'x-ehr-signature': u8aToHex(pair.sign(new TextEncoder().encode(message))),
  };
  if (decision !== undefined) headers['x-ehr-decision'] = String(decision);
  return headers;
}

/**
 * A FHIR request to `custodian` signed by `pair` (unsigned if `pair` is null): resolves with
 * the status, the JSON body and the response's headers.
 */
export async function fhir(custodian, pair, method, path, { resource, body, decision, headers = {} } = {}) {
  const text = body ?? (resource === undefined ? '' : JSON.stringify(resource));
  const signed = pair ? signedHeaders(pair, method, path, text, { decision }) : {};
  const response = await fetch(`${custodian.url}${path}`, {
    method,
    headers: { ...(text ? { 'content-type': 'application/fhir+json' } : {}), ...signed, ...headers },
    body: text || undefined,
  });
  return { status: response.status, json: await response.json(), headers: response.headers };
}

/** A glucose result of `patient` (an account with `.address`): a LaboratoryResults record. */
export const labResult = (patient, value) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose' }] },
  subject: { reference: `Patient/${patient.address}` },
  valueQuantity: { value, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
});
