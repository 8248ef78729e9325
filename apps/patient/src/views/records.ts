// Records: what the chain anchors of the person's records (never their content), and erasure
// requests with their state.
import { fill, h, short, when } from '../dom';
import type { AccountState, RecordInfo } from '../store';
import { accountLabel, accountOf, organisationLabel, submitTx, table, txStatus, type Context } from '../ui';

export function recordsView(context: Context): { element: HTMLElement; refresh: () => void } {
  const body = h('div', { id: 'records' });
  const element = h('section', { 'aria-labelledby': 'records-title' },
    h('h2', { id: 'records-title' }, 'My records'),
    h('p', {}, 'Your records stay encrypted at the organisation that keeps them (the custodian); the chain holds only a fingerprint of each version. Asking for erasure makes the custodian destroy the record’s keys and confirm it on the chain.'),
    body);
  return { element, refresh: () => fill(body, context.store.accounts.map((account) => accountRecords(context, account))) };
}

function accountRecords(context: Context, account: AccountState): HTMLElement {
  const rows = account.records.map((record) => recordRow(context, account.address, record));
  const status = txStatus();
  const eraseAll = h('button', {
    type: 'button', class: 'danger',
    onclick: async () => {
      if (!window.confirm('Ask every custodian to erase all your records of this account? This cannot be undone.')) return;
      eraseAll.disabled = true;
      await submitTx(context, status, context.chain.api.tx.records.requestErasure(null, 'All'), accountOf(context.person, account.address));
    },
  }, 'Ask to erase all these records');
  const allState = account.erasureOfAll ? h('p', {}, `Erasure of all records asked on ${when(account.erasureOfAll)}.`) : null;
  return h('div', { class: 'account-block' },
    h('h3', {}, accountLabel(context.person, account.address)),
    table('Records anchored on the chain', ['Kind', 'Kept by', 'Versions', 'Last change', 'Erasure', ''], rows, 'No record of yours is anchored for this account.'),
    allState ?? (account.records.some((r) => !r.erased) ? eraseAll : null), status);
}

function recordRow(context: Context, patient: string, record: RecordInfo): HTMLTableRowElement {
  const last = record.versions[record.versions.length - 1];
  const status = txStatus();
  const erase = h('button', {
    type: 'button', class: 'danger', 'aria-label': `Ask to erase record ${record.recordId.slice(0, 10)}`,
    onclick: async () => {
      erase.disabled = true;
      const ok = await submitTx(context, status, context.chain.api.tx.records.requestErasure(null, { Record: record.recordId }), accountOf(context.person, patient));
      if (!ok) erase.disabled = false;
    },
  }, 'Ask to erase');
  const state = record.erased ? 'Erased' : record.erasureRequested ? `Asked on ${when(record.erasureRequested)}, waiting for the custodian` : null;
  return h('tr', { 'data-record': record.recordId },
    h('td', {}, context.person.describe(record.category, record.custodian).label, ' ', short(record.recordId)),
    h('td', {}, organisationLabel(context, record.custodian)),
    h('td', {}, record.versions.length),
    h('td', {}, last ? when(last.anchoredAt) : '—'),
    h('td', {}, state ?? 'Kept'),
    h('td', {}, state ? null : erase, status));
}
