// Helpers for talking to a node through @polkadot/api.
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
import { cryptoWaitReady } from '@polkadot/util-crypto';

/** An API connected to `node`, and the well-known dev accounts by name (`//Alice` ...). */
export async function connect(node) {
  await cryptoWaitReady();
  const api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const accounts = Object.fromEntries(
    ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'].map((name) => [name.toLowerCase(), keyring.addFromUri(`//${name}`)]),
  );
  return { api, accounts };
}

/**
 * Sign and submit `tx` (with the next nonce, or `nonce`), and wait until it is in a block (or
 * finalized, with `{ finalized: true }`).
 * Resolves with the block hash, the transaction's events and, if the call failed, its error:
 * `section.Name` for a pallet's error, else the `DispatchError` variant (`BadOrigin`, ...).
 * Rejects only if the transaction never made it into a block.
 */
export function submit(api, tx, signer, { finalized = false, nonce = -1 } = {}) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, { nonce }, ({ status, events, dispatchError }) => {
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        reject(new Error(`transaction ${status.type}`));
        return;
      }
      // A pool may report a transaction finalised without an in-block status before it (under
      // load the two come for the same block): finalised is in a block too.
      if (!(status.isFinalized || (!finalized && status.isInBlock))) return;
      const error = dispatchError ? errorName(api, dispatchError) : null;
      resolve({ blockHash: status.isFinalized ? status.asFinalized : status.asInBlock, events, error });
    }).catch(reject);
  });
}

/** A `DispatchError` by name: `section.Name` for a pallet's error, else its variant (`BadOrigin`, ...). */
export function errorName(api, dispatchError) {
  if (!dispatchError.isModule) return dispatchError.type;
  const { section, name } = api.registry.findMetaError(dispatchError.asModule);
  return `${section}.${name}`;
}

/** The events of `events` that `eventType` (e.g. `api.events.providers.Approved`) matches. */
export function eventsOf(events, eventType) {
  return events.filter(({ event }) => eventType.is(event)).map(({ event }) => event);
}

/** The number of the block `blockHash`. */
export async function blockNumber(api, blockHash) {
  return (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
}
