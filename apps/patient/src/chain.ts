// The connection to a node, and a transaction's life from signing to finality.
import { ApiPromise, WsProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { DispatchError } from '@polkadot/types/interfaces';
import type { Account } from './wallet';

export const DEFAULT_NODE = 'ws://127.0.0.1:9944';

export interface Chain {
  api: ApiPromise;
  url: string;
  /** A development chain (`--dev`): the dev keyring is offered only there. */
  development: boolean;
  name: string;
}

/** How soon the app reconnects after losing the node. */
const RECONNECT_MS = 2_500;

/** Connect to the node at `url`; rejects if it cannot be reached. Later drops reconnect by themselves. */
export async function connect(url: string): Promise<Chain> {
  const provider = new WsProvider(url, RECONNECT_MS);
  try {
    const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
    const [chainType, name] = await Promise.all([api.rpc.system.chainType(), api.rpc.system.chain()]);
    return { api, url, development: chainType.isDevelopment || chainType.isLocal, name: name.toString() };
  } catch {
    await provider.disconnect().catch(() => undefined);
    throw new Error(`No EHR Chain node answers at ${url}.`);
  }
}

/** A dispatch error in plain words (the error's own docs from the metadata) and its name. */
function explainError(api: ApiPromise, error: DispatchError): { name: string; words: string } {
  if (error.isModule) {
    const { section, name, docs } = api.registry.findMetaError(error.asModule);
    return { name: `${section}.${name}`, words: docs.join(' ').trim() || name };
  }
  const words: Record<string, string> = {
    BadOrigin: 'This account may not do that.',
    Token: 'The account cannot pay for this: it holds too little.',
  };
  return { name: error.type, words: words[error.type] ?? `The chain refused it (${error.type}).` };
}

/** Where a transaction is in its life. */
export type Step =
  | { state: 'signing' }
  | { state: 'submitted' }
  | { state: 'in-block'; block: number }
  | { state: 'finalised'; block: number }
  | { state: 'failed'; words: string; name?: string };

/**
 * Sign `tx` with `account` and follow it to finality, reporting each step; resolves true when it
 * is final and its call succeeded.
 */
export function send(chain: Chain, tx: SubmittableExtrinsic<'promise'>, account: Account, report: (step: Step) => void): Promise<boolean> {
  const { api } = chain;
  report({ state: 'signing' });
  return new Promise((resolve) => {
    let done = false;
    const finish = (step: Step) => {
      if (done) return;
      report(step);
      if (step.state === 'failed' || step.state === 'finalised') {
        done = true;
        resolve(step.state === 'finalised');
      }
    };
    const blockOf = (hash: Parameters<typeof api.rpc.chain.getHeader>[0]) => api.rpc.chain.getHeader(hash).then((header) => header.number.toNumber());
    const options = account.pair ? {} : { signer: account.signer };
    tx.signAndSend(account.pair ?? account.address, options, ({ status, dispatchError }) => {
      if (status.isReady || status.isBroadcast || status.isFuture) finish({ state: 'submitted' });
      else if (status.isInvalid || status.isDropped || status.isUsurped) finish({ state: 'failed', words: `The network dropped the transaction (${status.type}).` });
      else if (dispatchError && (status.isInBlock || status.isFinalized)) finish({ state: 'failed', ...explainError(api, dispatchError) });
      else if (status.isInBlock) blockOf(status.asInBlock).then((block) => finish({ state: 'in-block', block }));
      else if (status.isFinalized) blockOf(status.asFinalized).then((block) => finish({ state: 'finalised', block }));
    }).catch((error: Error) => {
      const declined = /cancel|reject|denied/i.test(error.message);
      finish({ state: 'failed', words: declined ? 'You declined to sign.' : `The node refused the transaction: ${error.message}` });
    });
  });
}
