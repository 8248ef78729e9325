// Pieces every screen shares: the transaction status line, names of accounts, buttons.
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { send, type Chain, type Step } from './chain';
import { h, short, shortText } from './dom';
import type { Person } from './person';
import type { Store } from './store';
import type { Account } from './wallet';

export interface Context {
  chain: Chain;
  person: Person;
  store: Store;
}

const STEP_WORDS: Record<Step['state'], string> = {
  signing: 'Waiting for your signature…',
  submitted: 'Sent to the network, waiting for a block…',
  'in-block': 'In block',
  finalised: 'Done: final in block',
  failed: 'Failed',
};

/** A status line that follows a transaction's life, announced to screen readers. */
export function txStatus(): HTMLElement {
  return h('p', { class: 'tx', role: 'status', 'aria-live': 'polite' });
}

/** Show in `status` why an action was not even sent (bad input). */
export function refuse(status: HTMLElement, words: string): void {
  status.dataset.state = 'failed';
  status.textContent = words;
}

/** Sign and send `tx` as `account`, showing each step in `status`; true when final and successful. */
export async function submitTx(context: Context, status: HTMLElement, tx: SubmittableExtrinsic<'promise'>, account: Account): Promise<boolean> {
  return send(context.chain, tx, account, (step) => {
    status.dataset.state = step.state;
    if (step.state === 'in-block' || step.state === 'finalised') status.textContent = `${STEP_WORDS[step.state]} #${step.block}.`;
    else if (step.state === 'failed') status.textContent = `${STEP_WORDS.failed}: ${step.words}${step.name ? ` (${step.name})` : ''}`;
    else status.textContent = STEP_WORDS[step.state];
  });
}

/** An account of the person, by its wallet name and short address. */
export function accountLabel(person: Person, address: string): string {
  const account = person.accounts.find((a) => a.address === address);
  return account ? `${account.name} (${address.slice(0, 6)}…)` : shortText(address);
}

/** A select of the person's accounts (the signer of an action). */
export function accountSelect(person: Person, selected?: string): HTMLSelectElement {
  return h('select', { name: 'account' }, person.accounts.map((account) =>
    h('option', { value: account.address, selected: account.address === selected }, accountLabel(person, account.address))));
}

/** An organisation as the registry knows it: its kind and address. */
export function organisationLabel(context: Context, address: string): HTMLElement {
  const organisation = context.store.organisations.get(address);
  return h('span', {}, `${organisation?.kind ?? 'Organisation'} `, short(address));
}

/** A practitioner: role, organisation and address. */
export function practitionerLabel(context: Context, address: string): HTMLElement {
  const practitioner = context.store.practitioners.get(address);
  if (!practitioner) return h('span', {}, 'Practitioner ', short(address));
  const suspended = practitioner.status.status !== 'Active' ? h('strong', { class: 'badge warn' }, practitioner.status.status) : null;
  return h('span', {}, `${practitioner.role} `, short(address), ' at ', organisationLabel(context, practitioner.organisation), ' ', suspended);
}

/** The account of the person with `address`. */
export function accountOf(person: Person, address: string): Account {
  const account = person.accounts.find((a) => a.address === address);
  if (!account) throw new Error('not an account of this person');
  return account;
}

/** A table with a caption and column headers; on a narrow screen its rows stack. */
export function table(caption: string, headers: string[], rows: HTMLTableRowElement[], empty: string): HTMLElement {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  // Each cell names its column: on a phone the rows stack as cards, and the names show.
  for (const row of rows) [...row.cells].forEach((cell, i) => headers[i] && cell.setAttribute('data-label', headers[i]));
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col' }, header)))),
      h('tbody', {}, rows)));
}

/** A date input's value as unix milliseconds at the start of that day, local time; null if empty. */
export function dateMillis(input: HTMLInputElement): number | null {
  if (!input.value) return null;
  const [year, month, day] = input.value.split('-').map(Number);
  return new Date(year, month - 1, day).getTime();
}
