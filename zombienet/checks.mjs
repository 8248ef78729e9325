// The checks that faults.zndsl and governance.zndsl run through checks.js, against the nodes
// zombienet started. Each resolves to 0 or throws with what it saw. Zombienet runs them all in its one
// process, so what one check records (the transactions submitted, the heads watched, the
// finalised head before a restart) is in this module's state for the next.
import { readFileSync } from 'node:fs';
import { Keyring, WsProvider } from '@polkadot/api';
import { base58Encode } from '@polkadot/util-crypto';
import { blockNumber, connect, eventsOf, submit } from '../tests/lib/chain.mjs';
import { devCouncil, govern, motion } from '../tests/lib/governance.mjs';
import { handbookSnippet } from '../tests/lib/handbook.mjs';
import { registerStaff, statusOf } from '../tests/lib/hospital.mjs';
import { waitFor } from '../tests/lib/node.mjs';
import { bestBlock, sentinelEvents, stolenCredentialBurst } from '../tests/lib/sentinel.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Transactions accepted by a node's pool, by the label of the batch they were sent in. */
const accepted = new Map();
/** Heads sampled in the background by `watch`: `{ at, best, finalised }`. */
let samples = [];
let watcher = null;
/** The finalised head recorded before the whole network was restarted. */
let beforeRestart = null;

/** Run the check `name` with `args` against the node `nodeName`. */
export async function check(nodeName, networkInfo, [name, ...args]) {
  const run = CHECKS[name];
  if (!run) throw new Error(`no check called ${name}`);
  const wsUrl = networkInfo.nodesByName[nodeName].wsUri;
  const { api, accounts } = await connect({ wsUrl });
  try {
    await run({ api, accounts, wsUrl, networkInfo }, ...args);
    return 0;
  } finally {
    await api.disconnect();
  }
}

/** Run `use` with an API connected to the node `name` of the network. */
async function onNode(networkInfo, name, use) {
  const { api } = await connect({ wsUrl: networkInfo.nodesByName[name].wsUri });
  try {
    return await use(api);
  } finally {
    await api.disconnect();
  }
}

/** The account that authored block `number` (from its Aura slot and the session's validators). */
async function authorOf(api, number) {
  const header = await api.derive.chain.getHeader(await api.rpc.chain.getBlockHash(number));
  return header.author?.toString();
}

const heads = async (api) => ({
  best: await bestBlock(api),
  finalised: (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber(),
});

const CHECKS = {
  /**
   * Sign `count` transfers from the six development accounts and submit them, each sender's in
   * nonce order; each is accepted when the node's pool answers with its hash. Not waited into a
   * block.
   */
  async submit({ api, accounts }, label, count) {
    const senders = Object.values(accounts);
    const recipient = new Keyring({ type: 'sr25519' }).addFromUri('//Zombienet').address;
    const perSender = Math.ceil(Number(count) / senders.length);
    const hashes = await Promise.all(senders.map(async (sender) => {
      const first = (await api.rpc.system.accountNextIndex(sender.address)).toNumber();
      const mine = [];
      for (let nonce = first; nonce < first + perSender; nonce += 1) {
        const tx = await api.tx.balances.transferKeepAlive(recipient, 1_000_000_000_000n).signAsync(sender, { nonce });
        mine.push((await api.rpc.author.submitExtrinsic(tx)).toHex());
      }
      return mine;
    }));
    accepted.set(label, hashes.flat());
  },

  /** Sample the node's best and finalised heights twice a second from now on, in the background. */
  async watch({ wsUrl }) {
    samples = [];
    const { api } = await connect({ wsUrl });
    clearInterval(watcher);
    watcher = setInterval(async () => {
      try {
        samples.push({ at: Date.now(), ...(await heads(api)) });
      } catch {
        // A sample lost while the node is busy: the next one counts.
      }
    }, 500);
  },

  /**
   * While a validator was down (from `downAfterSeconds` after `watch` to `seconds` after it),
   * finality went on: the finalised height grew by at least `blocks`.
   */
  async advancedWhileDown(_, downAfterSeconds, seconds, blocks) {
    clearInterval(watcher);
    const start = samples[0]?.at ?? Date.now();
    const within = samples.filter((s) => s.at >= start + downAfterSeconds * 1000 && s.at <= start + seconds * 1000);
    if (within.length < 2) throw new Error(`only ${within.length} samples while the validator was down`);
    const grown = within.at(-1).finalised - within[0].finalised;
    if (grown < Number(blocks)) throw new Error(`finalised height grew by ${grown} while a validator was down: ${JSON.stringify(within.map((s) => s.finalised))}`);
    console.log(`  one validator down: finalised #${within[0].finalised} -> #${within.at(-1).finalised}`);
  },

  /** Over `seconds`, blocks are still authored (at least three) and no block is finalised. */
  async stalled({ api }, seconds) {
    // A round that had its votes before the pause may still conclude.
    await sleep(4000);
    const before = await heads(api);
    await sleep(Number(seconds) * 1000);
    const after = await heads(api);
    if (after.best - before.best < 3) throw new Error(`only ${after.best - before.best} blocks authored in ${seconds} s`);
    if (after.finalised !== before.finalised) throw new Error(`finality moved ${before.finalised} -> ${after.finalised} with two validators paused`);
    console.log(`  two validators paused: best #${before.best} -> #${after.best}, finalised stays #${after.finalised}`);
  },

  /** Finality reaches the best block of now (authored while it stalled). */
  async caughtUp({ api }) {
    const target = await bestBlock(api);
    const started = Date.now();
    await waitFor(`finality to reach #${target}`, async () => (await heads(api)).finalised >= target, { timeoutMs: 90_000 });
    console.log(`  resumed: finalised #${target} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  },

  /**
   * Every transaction accepted in the batches `labels` is in exactly one finalised block (a
   * finalised block's body read from block 1 to the finalised head).
   */
  async finalisedOnce({ api }, ...labels) {
    const wanted = new Map(labels.flatMap((label) => (accepted.get(label) ?? []).map((hash) => [hash, 0])));
    if (wanted.size === 0) throw new Error(`no transactions recorded for ${labels.join(', ')}`);
    const wantedCount = wanted.size;
    await waitFor('every accepted transaction finalised', async () => {
      for (const hash of wanted.keys()) wanted.set(hash, 0);
      const finalised = (await heads(api)).finalised;
      for (let number = 1; number <= finalised; number += 1) {
        const { block } = await api.rpc.chain.getBlock(await api.rpc.chain.getBlockHash(number));
        for (const extrinsic of block.extrinsics) {
          const hash = extrinsic.hash.toHex();
          if (wanted.has(hash)) wanted.set(hash, wanted.get(hash) + 1);
        }
      }
      return [...wanted.values()].every((n) => n >= 1);
    }, { timeoutMs: 90_000, intervalMs: 4000 });
    const twice = [...wanted].filter(([, n]) => n !== 1);
    if (twice.length) throw new Error(`finalised more than once: ${JSON.stringify(twice)}`);
    if (wanted.size !== wantedCount) throw new Error('lost track of a transaction');
    console.log(`  ${wanted.size} accepted transactions, each in one finalised block`);
  },

  /** Remember the finalised head, before the network is restarted. */
  async recordFinalised({ api }) {
    const hash = await api.rpc.chain.getFinalizedHead();
    beforeRestart = { hash: hash.toHex(), number: (await api.rpc.chain.getHeader(hash)).number.toNumber() };
  },

  /**
   * After a restart from the databases: the finalised block recorded before is still finalised
   * (same hash at its height), and finality goes `blocks` beyond it.
   */
  async resumed({ api }, blocks) {
    if (!beforeRestart) throw new Error('recordFinalised was not run');
    const { number, hash } = beforeRestart;
    await waitFor(`finality past #${number + Number(blocks)}`, async () => (await heads(api)).finalised >= number + Number(blocks), { timeoutMs: 120_000 });
    const now = (await api.rpc.chain.getBlockHash(number)).toHex();
    if (now !== hash) throw new Error(`block #${number} was ${hash} before the restart, ${now} after`);
    console.log(`  restarted: #${number} still finalised (${hash.slice(0, 10)}), finality past #${number + Number(blocks)}`);
  },

  /**
   * A stolen-credential burst on the four-validator network is suspended, reported by a quorum
   * (three of four sentinels). Calibration off first, by a motion of the council: the local
   * chain starts its peer groups with two weeks of shadow.
   */
  async sentinelSuspends({ api, accounts }) {
    const { alice, ferdie: hospital, eve: physician } = accounts;
    await govern(api, api.tx.sentinel.setCalibration(null));
    await registerStaff(api, { hospital, staff: [[physician, 'Physician']] });
    const burst = await stolenCredentialBurst(api, physician, 150);
    const suspended = await waitFor('the suspension', async () => {
      const events = await sentinelEvents(api, burst.firstBlock, await bestBlock(api));
      return events.find((e) => e.name === 'PractitionerSuspended');
    }, { timeoutMs: 60_000 });
    if (suspended.data.practitioner !== physician.address) throw new Error(`suspended ${suspended.data.practitioner}`);
    const quorum = (await api.query.sentinel.sentinels()).length * 2 / 3;
    if (suspended.data.reporters.length <= quorum) throw new Error(`reported by ${suspended.data.reporters.length} sentinels`);
    const { status } = await statusOf(api, physician);
    if (status !== 'Suspended') throw new Error(`the practitioner is ${status}`);
    const { events } = await submit(api, api.tx.audit.requestAccess(alice.address, { Standard: 'Imaging' }, 'Treatment', null), physician);
    const [decided] = eventsOf(events, api.events.audit.AccessDecided);
    if (!('denied' in decided.data.decision.toJSON().outcome)) throw new Error('a suspended practitioner was granted access');
    console.log(`  burst in #${burst.firstBlock}-#${burst.lastBlock}, suspended in #${suspended.block} by ${suspended.data.reporters.length} sentinels`);
  },

  /**
   * The council upgrades the runtime: a motion has the mandate authorise the new code's hash,
   * anyone applies the code, and the chain runs spec_version + 1 and goes on finalising; the
   * motion and the transaction are the handbook's (section "Upgrading the runtime").
   * The code is this runtime one spec_version on (EHR_UPGRADE_WASM, built with the node).
   */
  async councilUpgrades({ api, accounts }) {
    const code = new Uint8Array(readFileSync(process.env.EHR_UPGRADE_WASM));
    const before = (await api.rpc.state.getRuntimeVersion()).specVersion.toNumber();
    const upgrade = await handbookSnippet('### Upgrading the runtime', ['api', 'code'])(api, code);
    const { error } = await motion(api, upgrade.motion, await devCouncil(api));
    if (error) throw new Error(`the council's motion failed: ${error}`);
    const applied = await submit(api, upgrade.apply, accounts.eve);
    if (applied.error) throw new Error(`applying the upgrade failed: ${applied.error}`);
    // Not the block's `CodeUpdated` event: @polkadot/api may decode the upgrade block's events
    // with the new runtime's registry and fail (a race of its version subscription).
    const upgradedAt = await blockNumber(api, applied.blockHash);
    await waitFor(`spec_version ${before + 1}`, async () => (await api.rpc.state.getRuntimeVersion()).specVersion.toNumber() === before + 1, { timeoutMs: 30_000 });
    const recorded = (await api.query.system.lastRuntimeUpgrade()).unwrap().specVersion.toNumber();
    if (recorded !== before + 1) throw new Error(`system.lastRuntimeUpgrade records spec_version ${recorded}`);
    await waitFor(`finality past #${upgradedAt + 3}`, async () => (await heads(api)).finalised >= upgradedAt + 3, { timeoutMs: 60_000 });
    console.log(`  upgraded in #${upgradedAt}: spec_version ${before} -> ${before + 1}, finalising`);
  },

  /**
   * The node `name` is not a well-known node: ten blocks on, no well-known node is among its
   * peers (another node nobody admitted may be: neither applies the list before it imports a
   * block), it is at least ten blocks behind, and the validator does not count it as a peer.
   */
  async unauthorised({ api, networkInfo }, name) {
    const target = (await bestBlock(api)) + 10;
    await waitFor(`the chain past #${target}`, async () => (await bestBlock(api)) >= target, { timeoutMs: 60_000 });
    const { peers, best, peerId } = await onNode(networkInfo, name, async (outsider) => ({
      peers: (await outsider.rpc.system.peers()).map((p) => p.peerId.toString()),
      best: await bestBlock(outsider),
      peerId: (await outsider.rpc.system.localPeerId()).toString(),
    }));
    const wellKnown = [...await api.query.nodeAuthorization.wellKnownNodes()].map((node) => base58Encode(node));
    const admitted = peers.filter((peer) => wellKnown.includes(peer));
    if (admitted.length) throw new Error(`${name}'s node is connected to well-known node(s) ${admitted}`);
    const ours = await bestBlock(api);
    if (ours - best < 10) throw new Error(`${name}'s node is at #${best}, the chain at #${ours}`);
    const validatorPeers = (await api.rpc.system.peers()).map((p) => p.peerId.toString());
    if (validatorPeers.includes(peerId)) throw new Error(`${name}'s node is a peer of the validator`);
    console.log(`  ${name}'s node: no well-known peer, at #${best} while the chain is at #${ours}`);
  },

  /**
   * The organisation of the development account `name` joins with the handbook's snippet
   * (section "Joining the consortium") run against its node; the development council approves
   * the motion it prepares; the validator is in the session's set within two blocks.
   */
  async councilAdmits({ api, accounts, networkInfo }, name) {
    const validator = accounts[name];
    const join = handbookSnippet('## Joining the consortium', ['api', 'node', 'validator']);
    const node = new WsProvider(networkInfo.nodesByName[name].wsUri);
    let proposal;
    try {
      await node.isReady;
      proposal = await join(api, node, validator);
    } finally {
      await node.disconnect();
    }
    const { error } = await motion(api, proposal, await devCouncil(api));
    if (error) throw new Error(`the admitting motion failed: ${error}`);
    await waitFor(`${name} among the session's validators`, async () =>
      (await api.query.session.validators()).some((v) => v.toString() === validator.address), { timeoutMs: 30_000 });
    const peerId = await onNode(networkInfo, name, async (node) => (await node.rpc.system.localPeerId()).toString());
    const nodes = [...await api.query.nodeAuthorization.wellKnownNodes()].map((node) => base58Encode(node));
    if (!nodes.includes(peerId)) throw new Error(`${name}'s node ${peerId} is not among the well-known nodes ${nodes}`);
    console.log(`  ${name} admitted: ${(await api.query.session.validators()).length} validators, ${nodes.length} well-known nodes`);
  },

  /** The development account `name` authors a block that is finalised. */
  async authors({ api, accounts }, name) {
    const who = accounts[name].address;
    let next = (await heads(api)).finalised + 1;
    const authored = await waitFor(`a finalised block authored by ${name}`, async () => {
      const { finalised } = await heads(api);
      for (; next <= finalised; next += 1) if (await authorOf(api, next) === who) return next;
      return null;
    }, { timeoutMs: 170_000, intervalMs: 2_000 });
    console.log(`  #${authored} authored by ${name} and finalised`);
  },

  /**
   * The organisation of `name` leaves by the handbook's motion (section "Leaving the
   * consortium"): its validator, its node and its council seat go in one motion; the others
   * finalise ten more blocks, none authored by it.
   */
  async councilRemoves({ api, accounts, networkInfo }, name) {
    const validator = accounts[name].address;
    const peerId = await onNode(networkInfo, name, async (node) => (await node.rpc.system.localPeerId()).toString());
    const leave = handbookSnippet('## Leaving the consortium', ['api', 'validator', 'governance', 'peerId']);
    const { error } = await motion(api, await leave(api, validator, validator, peerId), await devCouncil(api));
    if (error) throw new Error(`the leaving motion failed: ${error}`);
    await waitFor(`${name} out of the session's validators`, async () =>
      !(await api.query.session.validators()).some((v) => v.toString() === validator), { timeoutMs: 30_000 });
    const from = (await bestBlock(api)) + 1;
    await waitFor(`finality past #${from + 10}`, async () => (await heads(api)).finalised >= from + 10, { timeoutMs: 90_000 });
    for (let number = from; number <= from + 10; number += 1) {
      if (await authorOf(api, number) === validator) throw new Error(`#${number} authored by ${name} after its removal`);
    }
    if ((await api.query.council.members()).some((m) => m.toString() === validator)) throw new Error(`${name} still on the council`);
    console.log(`  ${name} removed; #${from}-#${from + 10} finalised without it`);
  },
};
