// A stolen-credential burst and the sentinel's answer to it, shared by the e2e test and the
// measurement script (scripts/measure-sentinel.sh).
import { randomAsHex } from '@polkadot/util-crypto';
import { blockNumber, eventsOf, submit } from './chain.mjs';
import { CATEGORIES, isSensitive } from './privacy.mjs';

/**
 * `who` asks for `count` records of patients it has never seen, every category in turn, as fast
 * as it can sign (consecutive nonces, submitted at once): what a stolen credential does. Resolves
 * when every request is in a block, with the first and last block numbers and the decisions.
 */
export async function stolenCredentialBurst(api, who, count = 150) {
  // Every category: the standard ones by name, the sensitive ones blinded, by commitments the
  // script makes up, as a stolen credential without the patients' salts must.
  const categories = CATEGORIES.map((name) => (isSensitive(name) ? { Sensitive: randomAsHex(32) } : { Standard: name }));
  const first = (await api.rpc.system.accountNextIndex(who.address)).toNumber();
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const tx = api.tx.audit.requestAccess(randomAsHex(32), categories[i % categories.length], 'Treatment', null);
      return submit(api, tx, who, { nonce: first + i });
    }),
  );
  const blocks = await Promise.all(results.map(({ blockHash }) => blockNumber(api, blockHash)));
  const decisions = results.flatMap(({ events }) =>
    eventsOf(events, api.events.audit.AccessDecided).map((e) => e.data.decision.toJSON()),
  );
  return { firstBlock: Math.min(...blocks), lastBlock: Math.max(...blocks), decisions };
}

/** The sentinel events of blocks `from` ..= `to`, with their block numbers. */
export async function sentinelEvents(api, from, to) {
  const found = [];
  for (let number = from; number <= to; number += 1) {
    const hash = await api.rpc.chain.getBlockHash(number);
    const events = await (await api.at(hash)).query.system.events();
    for (const { event } of events) {
      if (event.section !== 'sentinel') continue;
      const data = Object.fromEntries(event.data.names.map((name, i) => [name, event.data[i].toJSON()]));
      found.push({ block: number, name: event.method, data });
    }
  }
  return found;
}

/** The current best block number. */
export async function bestBlock(api) {
  return (await api.rpc.chain.getHeader()).number.toNumber();
}

/**
 * What the node's offchain worker said of its runs, block by block: `scored` practitioners and
 * `reports` sent, or `delayed` (the previous run still held the lock, or the run ran out of its
 * budget and carried practitioners to the next one).
 */
export function workerRuns(log) {
  const runs = new Map();
  const run = (block) => runs.get(block) ?? runs.set(block, { block, scored: 0, reports: 0, delayed: false }).get(block);
  for (const [, block, scored, reports] of log.matchAll(/block (\d+): scored (\d+) practitioner\(s\) in \d+ ms, (\d+) report\(s\) sent/g)) {
    Object.assign(run(Number(block)), { scored: Number(scored), reports: Number(reports) });
  }
  for (const [, block] of log.matchAll(/block (\d+): (?:the previous run is still scoring|out of the \d+ ms budget)/g)) {
    run(Number(block)).delayed = true;
  }
  return [...runs.values()].sort((a, b) => a.block - b.block);
}

/**
 * Why `suspendedIn` is not within two blocks of the burst's last block, or null when it is, or
 * when the worker's log accounts for every block beyond: the run that sent the report is the
 * first after the burst that was not delayed (out of its budget, or locked out by the run
 * before on a busy machine), and the report is on chain at most two blocks after that run (the
 * next block, or the block after the follow-up run sent it again).
 */
export function unexplainedLatency(burst, suspendedIn, log) {
  if (suspendedIn <= burst.lastBlock + 2) return null;
  const runs = workerRuns(log).filter((run) => run.block >= burst.lastBlock && run.block < suspendedIn);
  const sender = runs.find((run) => run.reports > 0);
  const trail = runs.map((r) => `#${r.block}: scored ${r.scored}, ${r.reports} report(s)${r.delayed ? ', delayed' : ''}`).join('; ');
  const why = `suspended in #${suspendedIn}, burst ended in #${burst.lastBlock}; the worker's runs: ${trail || 'none logged'}`;
  if (!sender) return why;
  const undelayedBefore = runs.some((run) => run.block < sender.block && !run.delayed);
  return undelayedBefore || suspendedIn > sender.block + 2 ? why : null;
}
