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
