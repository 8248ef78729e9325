// The custodian service for real: `ehr-custodian serve` next to a real `ehr-node --dev`, on
// SQLite and (when scripts/test.sh started one: EHR_TEST_POSTGRES) on PostgreSQL. A physician
// writes a patient's record through it (anchored on chain, signed with the physician's key);
// the physician reads it back only on a finalised `Granted` decision of its own, once; every
// refusal is an OperationOutcome and leaves nothing behind; a tampered or rolled-back copy is
// refused; the patient's erasure destroys the record's keys and the chain says `Erased`. The
// examples of docs/custodian.md run here as written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, eventsOf, submit } from '../lib/chain.mjs';
import { custodianBinary, fhir, freshPostgres, labResult, runCustodian, signedHeaders, startCustodian } from '../lib/custodian.mjs';
import { ok, registerStaff } from '../lib/hospital.mjs';
import { disposeUnlessFailed, startNode, waitFor } from '../lib/node.mjs';

/** The databases to run against: SQLite always, PostgreSQL if the test script started one. */
const backends = [['SQLite', null]];
if (process.env.EHR_TEST_POSTGRES) backends.push(['PostgreSQL', process.env.EHR_TEST_POSTGRES]);

/** One SQL statement against the custodian's database; its rows, as text. */
function sql(database, statement) {
  const result = database.startsWith('postgres')
    ? spawnSync('psql', [database, '-Atc', statement], { encoding: 'utf8' })
    : spawnSync('python3', ['-c', 'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nfor row in c.execute(sys.argv[2]): print("|".join(map(str, row)))\nc.commit()', database, statement], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

/**
 * A POST that declares a body of `length` bytes and sends none: the service answers before it
 * reads a body it would refuse (a client that kept writing would meet a closed connection).
 */
function declaring(custodian, length) {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${custodian.url}/fhir/Observation`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', 'content-length': String(length) },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => {
        resolve({ status: response.statusCode, json: JSON.parse(body) });
        request.destroy();
      });
    });
    request.flushHeaders();
  });
}

/** SQL for a blob given in hex, and for a blob column as hex, in each database's dialect. */
const blob = (database, hex) => (database.startsWith('postgres') ? `decode('${hex}', 'hex')` : `X'${hex}'`);
const hexOf = (database, column) => (database.startsWith('postgres') ? `encode(${column}, 'hex')` : `lower(hex(${column}))`);

const condition = (patient) => ({
  resourceType: 'Condition',
  code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }] },
  subject: { reference: `Patient/${patient.address}` },
});
const imagingReport = (patient) => ({
  resourceType: 'DiagnosticReport',
  status: 'final',
  category: [{ coding: [{ code: 'RAD' }] }],
  code: { text: 'Chest X-ray' },
  subject: { reference: `Patient/${patient.address}` },
});

for (const [backend, postgres] of backends) {
  describe(`ehr-custodian on ${backend}, next to a dev chain`, () => {
    let node;
    let api;
    let custodian;
    let hospital;
    let physician;
    let patient;
    let otherPatient;
    let stranger;
    let consentId;
    let lab; // the lab result's id
    const records = () => Number(sql(custodian.database, 'SELECT COUNT(*) FROM records'));

    before(async () => {
      node = await startNode(['--dev']);
      let accounts;
      ({ api, accounts } = await connect(node));
      ({ charlie: hospital, dave: physician, eve: patient, ferdie: otherPatient, bob: stranger } = accounts);
      await registerStaff(api, { hospital, staff: [[physician, 'Physician']] });
      const terms = { categories: { Only: [{ Standard: 'LaboratoryResults' }, { Standard: 'Conditions' }] }, purposes: ['Treatment'], from: 0, until: null, maxAccesses: null };
      for (const who of [patient, otherPatient]) {
        const { events } = await ok(submit(api, api.tx.consent.grant(null, { Organisation: hospital.address }, terms), who));
        if (who === patient) consentId = eventsOf(events, api.events.consent.ConsentGranted)[0].data.consent.toNumber();
      }
      custodian = await startCustodian(node, {
        organisation: hospital.address,
        suris: ['//Charlie', '//Dave'],
        database: postgres ? freshPostgres(postgres) : undefined,
      });
    });

    after(async () => {
      await api?.disconnect();
      if (process.exitCode && custodian) console.error(`custodian log:\n${custodian.log()}`);
      await custodian?.dispose();
      await disposeUnlessFailed(node);
    });

    /** The physician's finalised access decision about `whom` for `category`: its seq. */
    const decide = async (category, whom = patient, who = physician) => {
      const { events } = await submit(api, api.tx.audit.requestAccess(whom.address, { Standard: category }, 'Treatment', null), who, { finalized: true });
      const [decided] = eventsOf(events, api.events.audit.AccessDecided);
      return decided.data.decision.seq.toString();
    };
    const chainRecord = async (id) => (await api.call.recordsApi.record(patient.address, `0x${id}`)).toJSON();

    test('a physician writes a lab result: stored encrypted, anchored with its key, released on its grant', async () => {
      const created = await fhir(custodian, physician, 'POST', '/fhir/Observation', { resource: labResult(patient, 6.1) });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      lab = created.json.id;
      assert.match(lab, /^[0-9a-f]{64}$/);
      assert.equal(created.headers.get('location'), `/fhir/Observation/${lab}/_history/1`);
      assert.equal(created.json.meta.versionId, '1');
      const onChain = await chainRecord(lab);
      assert.equal(onChain.custodian, hospital.address);
      assert.equal(onChain.versions.length, 1);
      assert.equal(onChain.versions[0].anchoredBy, physician.address);
      // Nothing of the resource is in the database in clear.
      const stored = sql(custodian.database, `SELECT ${hexOf(custodian.database, 'ciphertext')} FROM versions`);
      assert.ok(!Buffer.from(stored, 'hex').toString('latin1').includes('Glucose'));

      const seq = await decide('LaboratoryResults');
      const read = await fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}`, { decision: seq });
      assert.equal(read.status, 200, JSON.stringify(read.json));
      assert.deepEqual(read.json, created.json);
      // The reader checks its copy: the CLI's content hash under the key it was given is the
      // anchored one, and the chain says it is current.
      const dir = mkdtempSync(join(tmpdir(), 'ehr-copy-'));
      writeFileSync(join(dir, 'copy.json'), JSON.stringify(read.json));
      const hashed = runCustodian(['content-hash', '--content-key', read.headers.get('x-ehr-content-key'), join(dir, 'copy.json')]);
      rmSync(dir, { recursive: true });
      assert.equal(hashed.stdout.trim(), onChain.versions[0].contentHash);
      const verdict = (await api.call.recordsApi.verifyRecord(patient.address, `0x${lab}`, hashed.stdout.trim())).toJSON();
      assert.deepEqual(verdict, { current: { version: 1 } });

      // One decision, one release.
      const again = await fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}`, { decision: seq });
      assert.equal(again.status, 403);
      assert.match(again.json.issue[0].diagnostics, /released data already/);
    });

    // docs/custodian.md's examples, run as written (once: they do not depend on the database).
    if (!postgres) {
      test('the examples of docs/custodian.md run as written', async () => {
        const docs = readFileSync(new URL('../../docs/custodian.md', import.meta.url), 'utf8');
        const examples = [...docs.split('## Examples')[1].matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]);
        assert.equal(examples.length, 4);
        const dir = mkdtempSync(join(tmpdir(), 'ehr-docs-'));
        const keyFile = (name, suri) => {
          writeFileSync(join(dir, name), `${suri}\n`, { mode: 0o600 });
          return join(dir, name);
        };
        const env = {
          ...process.env,
          PATH: `${dirname(custodianBinary())}:${process.env.PATH}`,
          CUSTODIAN: custodian.url,
          DAVE_KEY: keyFile('dave.key', '//Dave'),
          EVE_KEY: keyFile('eve.key', '//Eve'),
          EVE: patient.address,
        };
        const run = (script, extra = {}) => {
          const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env: { ...env, ...extra }, encoding: 'utf8' });
          assert.equal(result.status, 0, `${script}\n${result.stdout}\n${result.stderr}`);
          return result.stdout.trim();
        };
        run(examples[0]);
        const created = JSON.parse(readFileSync(join(dir, 'created.json'), 'utf8'));
        const seq = await decide('LaboratoryResults');
        const hash = run(examples[1], { SEQ: seq });
        const onChain = await chainRecord(created.id);
        assert.equal(hash, onChain.versions[0].contentHash);
        run(examples[2], { SEQ: seq, ID: created.id });
        run(examples[3]);
        const audit = JSON.parse(readFileSync(join(dir, 'audit.json'), 'utf8'));
        assert.ok(audit.entry.some(({ resource }) => resource.id === seq));
        rmSync(dir, { recursive: true });
      });
    }

    test('a replayed signed request is refused', async () => {
      const seq = await decide('LaboratoryResults');
      const path = `/fhir/Observation/${lab}`;
      const headers = signedHeaders(physician, 'GET', path, '', { decision: seq });
      assert.equal((await fetch(`${custodian.url}${path}`, { headers })).status, 200);
      const replay = await fetch(`${custodian.url}${path}`, { headers });
      assert.equal(replay.status, 401);
      assert.match((await replay.json()).issue[0].diagnostics, /replay/);
    });

    test('an update is version 2 on chain; version 1 still reads as itself', async () => {
      const first = await fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}`, { decision: await decide('LaboratoryResults') });
      const updated = await fhir(custodian, physician, 'PUT', `/fhir/Observation/${lab}`, { resource: { ...first.json, valueQuantity: { ...first.json.valueQuantity, value: 5.4 } } });
      assert.equal(updated.status, 200, JSON.stringify(updated.json));
      assert.equal(updated.json.meta.versionId, '2');
      assert.equal((await chainRecord(lab)).versions.length, 2);
      const old = await fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}/_history/1`, { decision: await decide('LaboratoryResults') });
      assert.equal(old.status, 200, JSON.stringify(old.json));
      assert.equal(old.json.valueQuantity.value, 6.1);
      const latest = await fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}`, { decision: await decide('LaboratoryResults') });
      assert.equal(latest.json.valueQuantity.value, 5.4);
    });

    test('a search by patient returns the records of the decision\'s category only', async () => {
      const created = await fhir(custodian, physician, 'POST', '/fhir/Condition', { resource: condition(patient) });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const labs = await fhir(custodian, physician, 'GET', `/fhir/Observation?patient=${patient.address}`, { decision: await decide('LaboratoryResults') });
      assert.equal(labs.status, 200, JSON.stringify(labs.json));
      // The lab results (the docs' example wrote one more on SQLite), and nothing else.
      assert.ok(labs.json.entry.some((entry) => entry.resource.id === lab));
      assert.ok(labs.json.entry.every(({ resource }) => resource.category[0].coding[0].code === 'laboratory'));
      const conditionsByLab = await fhir(custodian, physician, 'GET', `/fhir/Condition?patient=${patient.address}`, { decision: await decide('LaboratoryResults') });
      assert.equal(conditionsByLab.json.total, 0);
      const conditions = await fhir(custodian, physician, 'GET', `/fhir/Condition?patient=${patient.address}`, { decision: await decide('Conditions') });
      assert.deepEqual(conditions.json.entry.map((entry) => entry.resource.id), [created.json.id]);
    });

    test('every refusal is an OperationOutcome, and stores and releases nothing', async () => {
      const before = records();
      const refused = async (expected, pattern, request) => {
        const { status, json } = await request;
        assert.equal(status, expected, JSON.stringify(json));
        assert.equal(json.resourceType, 'OperationOutcome');
        assert.match(json.issue[0].diagnostics, pattern);
        return json.issue[0];
      };
      // Anchoring needs the patient's consent for the category: imaging is not covered.
      await refused(403, /records\.NotCoveredByConsent/, fhir(custodian, physician, 'POST', '/fhir/DiagnosticReport', { resource: imagingReport(patient) }));
      await refused(403, /holds no key/, fhir(custodian, stranger, 'POST', '/fhir/Observation', { resource: labResult(patient, 1) }));
      const missing = await refused(400, /status is required/, fhir(custodian, physician, 'POST', '/fhir/Observation', { resource: { ...labResult(patient, 1), status: undefined } }));
      assert.deepEqual(missing.expression, ['Observation.status']);
      await refused(400, /not JSON/, fhir(custodian, physician, 'POST', '/fhir/Observation', { body: '{"resourceType": "Observation",' }));
      await refused(404, /holds no Patient/, fhir(custodian, physician, 'POST', '/fhir/Patient', { resource: { resourceType: 'Patient' } }));
      await refused(413, /larger than/, declaring(custodian, 2 << 20));
      await refused(401, /not signed/, fhir(custodian, null, 'GET', `/fhir/Observation/${lab}`));
      const forged = signedHeaders(physician, 'GET', `/fhir/Observation/${lab}`, '', { decision: await decide('LaboratoryResults') });
      forged['x-ehr-account'] = stranger.address;
      await refused(401, /does not verify/, fetch(`${custodian.url}/fhir/Observation/${lab}`, { headers: forged }).then(async (r) => ({ status: r.status, json: await r.json() })));

      // Decisions that do not fit the read.
      await refused(403, /names its on-chain access decision/, fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}`));
      await refused(403, /denied access/, fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}`, { decision: await decide('Imaging') }));
      await refused(403, /another category/, fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}`, { decision: await decide('Conditions') }));
      await refused(403, /no finalised access decision/, fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}`, { decision: await decide('LaboratoryResults', otherPatient) }));
      await refused(403, /another practitioner's/, fhir(custodian, stranger, 'GET', `/fhir/Observation/${lab}`, { decision: await decide('LaboratoryResults') }));
      await refused(403, /no finalised access decision/, fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}`, { decision: '999999999999' }));
      assert.equal(records(), before);
    });

    test('a tampered or rolled-back copy is refused', async () => {
      const db = custodian.database;
      const where = `record = ${blob(db, lab)} AND version = 2`;
      const original = sql(db, `SELECT ${hexOf(db, 'ciphertext')} FROM versions WHERE ${where}`);
      const flipped = original.slice(0, 40) + (original[40] === '0' ? '1' : '0') + original.slice(41);
      sql(db, `UPDATE versions SET ciphertext = ${blob(db, flipped)} WHERE ${where}`);
      const tampered = await fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}`, { decision: await decide('LaboratoryResults') });
      assert.equal(tampered.status, 500);
      assert.match(tampered.json.issue[0].diagnostics, /ciphertext does not open/);

      // An insider rolls the record back to version 1: it decrypts, but the chain has moved on.
      sql(db, `DELETE FROM versions WHERE ${where}`);
      const rolledBack = await fhir(custodian, physician, 'GET', `/fhir/Observation/${lab}`, { decision: await decide('LaboratoryResults') });
      assert.equal(rolledBack.status, 500);
      assert.match(rolledBack.json.issue[0].diagnostics, /Outdated/);
    });

    test('the patient reads the chain\'s decisions about it as AuditEvents; nobody else does', async () => {
      await decide('Imaging'); // not consented: a denial in the log
      const path = `/fhir/AuditEvent?patient=${patient.address}`;
      const { status, json } = await fhir(custodian, patient, 'GET', path);
      assert.equal(status, 200, JSON.stringify(json));
      const events = json.entry.map((entry) => entry.resource);
      assert.ok(events.every((event) => event.resourceType === 'AuditEvent'));
      assert.ok(events.some((event) => event.outcome === '0' && event.entity[1].what.reference === `Consent/${consentId}`));
      assert.ok(events.some((event) => event.outcome === '4' && /NoConsent|CategoryNotCovered/.test(event.outcomeDesc)));
      assert.equal((await fhir(custodian, physician, 'GET', path)).status, 403);
    });

    test('after the patient revokes its consent, a new decision is denied and nothing is released', async () => {
      await ok(submit(api, api.tx.consent.revoke(null, consentId), patient));
      const denied = await fhir(custodian, physician, 'GET', `/fhir/Condition?patient=${patient.address}`, { decision: await decide('Conditions') });
      assert.equal(denied.status, 403);
      assert.match(denied.json.issue[0].diagnostics, /denied access/);
    });

    test('the patient\'s erasure destroys the record\'s keys, and the chain says Erased', async () => {
      const db = custodian.database;
      const [conditionId] = sql(db, `SELECT ${hexOf(db, 'id')} FROM records WHERE resource_type = 'Condition'`).split('\n');
      await ok(submit(api, api.tx.records.requestErasure(null, { Record: `0x${conditionId}` }), patient));
      const anyHash = `0x${'00'.repeat(32)}`;
      await waitFor('the custodian to confirm the erasure', async () =>
        (await api.call.recordsApi.verifyRecord(patient.address, `0x${conditionId}`, anyHash)).toJSON().erased !== undefined, { timeoutMs: 90_000 });
      const row = sql(db, `SELECT wrapped_keys IS NULL, length(ciphertext) > 0 FROM records JOIN versions ON record = id WHERE id = ${blob(db, conditionId)}`);
      assert.match(row, /^(1|t)\|(1|t)$/, 'the ciphertext is there, the keys that opened it are not');
      const gone = await fhir(custodian, physician, 'GET', `/fhir/Condition/${conditionId}`, { decision: '1' });
      assert.equal(gone.status, 410);
      assert.equal(gone.json.issue[0].code, 'deleted');
    });
  });
}
