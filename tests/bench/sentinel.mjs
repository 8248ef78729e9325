// Measures the sentinel on a real `ehr-node --dev` (scripts/measure-sentinel.sh):
// 1. blocks from a stolen-credential burst's last access to the suspension, over RUNS bursts;
// 2. the offchain worker's time for a block in which N practitioners made requests (its own
//    log line, `scored N practitioner(s) in X ms`). PATIENTS patients (default 2) consent to the
//    hospital, and the crowd's requests go round them: with many, each window holds many
//    patients whose logs are full (the features' costliest reads).
// Prints a JSON summary. Not a test: nothing is asserted about the figures.
import { connect, submit } from '../lib/chain.mjs';
import { govern } from '../lib/governance.mjs';
import { all, credential, practitioners, UNIT } from '../lib/hospital.mjs';
import { startNode, waitFor } from '../lib/node.mjs';
import { bestBlock, sentinelEvents, stolenCredentialBurst } from '../lib/sentinel.mjs';

const RUNS = Number(process.env.RUNS ?? 20);
const TOUCHED = (process.env.TOUCHED ?? '100,1000').split(',').map(Number);
const PATIENTS = Number(process.env.PATIENTS ?? 2);
// ehr_primitives::features::MIN_SCORED_WINDOW: the worker scores windows at least this long.
const MIN_SCORED_WINDOW = 32;

// Thousands of transactions watched at once on one connection.
const node = await startNode(['--dev', '--rpc-max-subscriptions-per-connection', '8192']);
try {
  const { api, accounts } = await connect(node);
  const { bob, charlie: hospital } = accounts;
  await all(api, [[api.tx.providers.registerOrganisation('Hospital', credential(), 0), hospital]]);
  await govern(api, api.tx.providers.approve(hospital.address));

  // 1. Blocks to suspension.
  const attackers = await practitioners(api, { bob, hospital }, RUNS, 'attacker');
  const delays = [];
  for (const attacker of attackers) {
    const burst = await stolenCredentialBurst(api, attacker, 150);
    // Past the day's automatic suspensions (10) the quorum flags instead: the same answer,
    // as fast.
    const suspended = await waitFor('the suspension or the flag', async () => {
      const events = await sentinelEvents(api, burst.firstBlock, await bestBlock(api));
      return events.find((e) => ['PractitionerSuspended', 'PractitionerFlagged'].includes(e.name) && e.data.practitioner === attacker.address);
    }, { timeoutMs: 60_000 });
    delays.push({ burstBlocks: burst.lastBlock - burst.firstBlock + 1, blocksAfterLastAccess: suspended.block - burst.lastBlock });
  }
  const sorted = delays.map((d) => d.blocksAfterLastAccess).sort((a, b) => a - b);

  // 2. Offchain worker time per block: the requests are signed first, then sent at once, so that
  // as many as a block admits land in one block. Each size three times. Two patients consent to
  // the whole hospital and every practitioner of the crowd reads both. The worker scores only
  // windows of at least MIN_SCORED_WINDOW decisions: the crowd builds that history first.
  const largest = Math.max(...TOUCHED);
  const crowd = await practitioners(api, { bob, hospital }, largest, 'crowd');
  const terms = { categories: { AllStandard: { sensitive: [] } }, purposes: ['Treatment'], from: 0, until: null, maxAccesses: null };
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const patients = Array.from({ length: PATIENTS }, (_, i) => keyring.addFromUri(`//patient/${i}`));
  await all(api, patients.map((patient) => [api.tx.balances.transferKeepAlive(patient.address, 10n * UNIT), bob]));
  await all(api, patients.map((patient) => [api.tx.consent.grant(null, { Organisation: hospital.address }, terms), patient]));
  /** One request from each of `who`, all in as few blocks as they fit, practitioner j of
   * round `round` to patient `round + j`; waits for the pool. */
  const requestAll = async (who, round) => {
    const signed = await Promise.all(who.map((p, j) =>
      api.tx.audit.requestAccess(patients[(round + j) % PATIENTS].address, { Standard: 'Imaging' }, 'Treatment', null).signAsync(p)));
    await Promise.all(signed.map((tx) => api.rpc.author.submitExtrinsic(tx)));
    await waitFor('the pool to empty', async () => (await api.rpc.author.pendingExtrinsics()).length === 0, { timeoutMs: 300_000 });
  };
  for (let i = 0; i < MIN_SCORED_WINDOW; i += 1) await requestAll(crowd, i);
  const workerTimes = [];
  for (const n of TOUCHED) {
    for (let round = 0; round < 3; round += 1) {
      const before = node.log().length;
      await requestAll(crowd.slice(0, n), round);
      const runs = () => [...node.log().slice(before).matchAll(/block (\d+): scored (\d+) practitioner\(s\) in (\d+) ms, (\d+) report/g)]
        .map((m) => ({ block: Number(m[1]), scored: Number(m[2]), ms: Number(m[3]), reports: Number(m[4]) }));
      const settled = (await bestBlock(api)) + 2;
      await waitFor('two more blocks', async () => (await bestBlock(api)) >= settled);
      workerTimes.push({ requests: n, round, runs: runs() });
    }
  }
  console.log(JSON.stringify({
    patients: PATIENTS,
    blocksToSuspension: { runs: delays.length, p50: sorted[Math.floor((sorted.length - 1) / 2)], max: sorted.at(-1), delays },
    workerTimes,
  }, null, 2));
  await api.disconnect();
} finally {
  await node.dispose();
}
