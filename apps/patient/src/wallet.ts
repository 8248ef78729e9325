// Where the patient's keys are: an injected wallet extension (Polkadot.js extension, Talisman,
// SubWallet all inject `window.injectedWeb3`), or on a development chain the dev keyring.
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Signer } from '@polkadot/api/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

export interface Account {
  address: string;
  name: string;
  /** The wallet's signer (an extension), or… */
  signer?: Signer;
  /** …a key held by the page (the dev keyring, development chains only). */
  pair?: KeyringPair;
}

interface InjectedAccount {
  address: string;
  name?: string;
  type?: string;
}
interface Injected {
  accounts: { get: () => Promise<InjectedAccount[]> };
  signer: Signer;
}
interface InjectedWindowProvider {
  enable: (origin: string) => Promise<Injected>;
  version?: string;
}
declare global {
  interface Window {
    injectedWeb3?: Record<string, InjectedWindowProvider>;
  }
}

export const DEV_KEYRING = 'Development accounts';
const APP_NAME = 'EHR Chain patient app';

/** The wallet extensions the page sees; extensions inject at load, so wait for them briefly. */
export async function walletNames(waitMs = 1000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  while (!Object.keys(window.injectedWeb3 ?? {}).length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Object.keys(window.injectedWeb3 ?? {});
}

/** The accounts of wallet `name`, after the patient lets this app see them. */
export async function walletAccounts(name: string): Promise<Account[]> {
  if (name === DEV_KEYRING) return devAccounts();
  const provider = window.injectedWeb3?.[name];
  if (!provider) throw new Error(`No wallet named ${name}.`);
  const injected = await provider.enable(APP_NAME);
  const accounts = await injected.accounts.get();
  // The chain's accounts are sr25519 (or ed25519) keys; an Ethereum account cannot sign here.
  return accounts
    .filter((account) => !account.type || account.type === 'sr25519' || account.type === 'ed25519')
    .map((account) => ({ address: account.address, name: account.name || 'Unnamed account', signer: injected.signer }));
}

async function devAccounts(): Promise<Account[]> {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  return ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'].map((name) => {
    const pair = keyring.addFromUri(`//${name}`, { name });
    return { address: pair.address, name, pair };
  });
}
