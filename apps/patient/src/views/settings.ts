// Settings of each of the person's accounts: guardians, the break-glass policy, and restriction
// of the record.
import { fill, h, short, shortText, when } from '../dom';
import type { AccountState } from '../store';
import { accountLabel, accountOf, dateMillis, refuse, submitTx, table, txStatus, type Context } from '../ui';

export function settingsView(context: Context): { element: HTMLElement; refresh: () => void } {
  const body = h('div', { id: 'settings' });
  const element = h('section', { 'aria-labelledby': 'settings-title' },
    h('h2', { id: 'settings-title' }, 'Guardians and emergencies'),
    body);
  // Built once per account, refreshed in place: a half-typed guardian must survive a new block.
  const blocks = new Map<string, { element: HTMLElement; refresh: (state: AccountState) => void }>();
  const refresh = () => {
    for (const state of context.store.accounts) {
      if (!blocks.has(state.address)) blocks.set(state.address, accountSettings(context, state.address));
      blocks.get(state.address)?.refresh(state);
    }
    fill(body, [...blocks.values()].map((block) => block.element));
  };
  return { element, refresh };
}

function accountSettings(context: Context, address: string): { element: HTMLElement; refresh: (state: AccountState) => void } {
  const { chain, person } = context;
  const api = chain.api;
  const account = accountOf(person, address);
  const slug = address.slice(0, 8);
  const guardians = h('div', {});
  const guardianStatus = txStatus();

  const guardianInput = h('input', { id: `guardian-${slug}`, name: 'guardian', autocomplete: 'off', spellcheck: 'false', placeholder: '5…' });
  const guardianUntil = h('input', { id: `guardian-until-${slug}`, name: 'guardian-until', type: 'date' });
  const guardianForm = h('form', {
    class: 'row', novalidate: true,
    onsubmit: async (event: Event) => {
      event.preventDefault();
      const until = dateMillis(guardianUntil);
      if (!guardianInput.value.trim()) return refuse(guardianStatus, 'Give the guardian’s account address.');
      if (until !== null && until <= Date.now()) return refuse(guardianStatus, 'The end date must be in the future.');
      let tx;
      try {
        tx = api.tx.consent.setGuardian(guardianInput.value.trim(), until);
      } catch {
        return refuse(guardianStatus, 'That is not an account address.');
      }
      if (await submitTx(context, guardianStatus, tx, account)) (event.target as HTMLFormElement).reset();
    },
  },
  h('div', { class: 'field' }, h('label', { for: guardianInput.id }, 'Guardian’s account'), guardianInput),
  h('div', { class: 'field' }, h('label', { for: guardianUntil.id }, 'Until (optional)'), guardianUntil),
  h('button', { type: 'submit' }, 'Add guardian'));

  const policyStatus = txStatus();
  const optOut = h('input', { type: 'checkbox', id: `break-glass-${slug}`, name: 'break-glass' });
  const policyButton = h('button', {
    type: 'button',
    onclick: () => submitTx(context, policyStatus, api.tx.consent.setBreakGlassPolicy(null, optOut.checked ? 'OptedOut' : 'Allowed'), account),
  }, 'Save emergency choice');

  const restrictStatus = txStatus();
  const restricted = h('input', { type: 'checkbox', id: `restrict-${slug}`, name: 'restricted' });
  const restrictButton = h('button', {
    type: 'button',
    onclick: () => submitTx(context, restrictStatus, api.tx.consent.setRestriction(null, restricted.checked), account),
  }, 'Save restriction');
  const custodianRestriction = h('p', { class: 'hint' });

  const element = h('div', { class: 'account-block card' },
    h('h3', {}, accountLabel(person, address)),
    h('h4', {}, 'Guardians'),
    h('p', {}, 'A guardian may give and revoke consents for you.'),
    guardians, guardianForm, guardianStatus,
    h('h4', {}, 'Emergency access (break-glass)'),
    h('label', { class: 'check', for: optOut.id }, optOut, ' Refuse emergency access to my records, even when my life may depend on it'),
    policyButton, policyStatus,
    h('h4', {}, 'Restricted record'),
    h('label', { class: 'check', for: restricted.id }, restricted, ' Restrict my record: only practitioners I name, a referral, or an emergency may open it'),
    custodianRestriction, restrictButton, restrictStatus);

  let shown = '';
  const refresh = (state: AccountState) => {
    // Controls follow the chain only when the chain changed, not while the patient edits them.
    const key = JSON.stringify([state.guardians, state.breakGlass, state.restriction]);
    if (key === shown) return;
    shown = key;
    const restriction = state.restriction as { byPatient: boolean; byCustodian: string | null } | null;
    optOut.checked = state.breakGlass === 'OptedOut';
    restricted.checked = Boolean(restriction?.byPatient);
    custodianRestriction.textContent = restriction?.byCustodian ? `Also restricted by the organisation keeping your records, ${shortText(restriction.byCustodian)}: only it can lift that.` : '';
    fill(guardians, table('Guardians', ['Guardian', 'Until', ''], state.guardians.map(({ guardian, until }) => {
      const status = txStatus();
      const remove = h('button', {
        type: 'button', class: 'danger', 'aria-label': `Remove guardian ${guardian}`,
        onclick: () => submitTx(context, status, api.tx.consent.removeGuardian(guardian), account),
      }, 'Remove');
      return h('tr', {}, h('td', {}, short(guardian)), h('td', {}, until ? when(until) : 'no end'), h('td', {}, remove, status));
    }), 'No guardian.'));
  };
  return { element, refresh };
}
