// Consents: the person's consents at every organisation, a form that grants only valid ones,
// and revocation.
import { fill, h, when } from '../dom';
import { CATEGORIES, categoryName, isSensitive, type ChainCategoryValue } from '../person';
import type { ConsentInfo } from '../store';
import { accountLabel, accountOf, accountSelect, dateMillis, organisationLabel, practitionerLabel, submitTx, table, txStatus, type Context } from '../ui';

const PURPOSES: [string, string][] = [
  ['Treatment', 'Treatment'], ['Payment', 'Payment'], ['Operations', 'Running the service'],
  ['Research', 'Research'], ['PublicHealth', 'Public health'], ['Emergency', 'Emergencies'],
];
const STANDARD = CATEGORIES.filter((category: string) => !isSensitive(category));
const SENSITIVE = CATEGORIES.filter((category: string) => isSensitive(category));
const MAX_ACCESSES = 4_294_967_295;
/** A consent's state in words (`ConsentState`); any of them may be revoked, ending it for good. */
const STATES: Record<string, string> = { Scheduled: 'Starts later', Active: 'Active', Ended: 'Ended', UsedUp: 'Used up' };

export function consentsView(context: Context): { element: HTMLElement; refresh: () => void } {
  const list = h('div', { id: 'consent-list' });
  const form = grantForm(context);
  const element = h('section', { 'aria-labelledby': 'consents-title' },
    h('h2', { id: 'consents-title' }, 'Consents'),
    h('p', {}, 'Who may read which of your records, for what, and until when. Nothing is shared without one, except in an emergency (see Settings).'),
    list,
    form.element);
  const refresh = () => {
    fill(list, consentTable(context));
    form.refresh();
  };
  return { element, refresh };
}

function consentTable(context: Context): HTMLElement {
  const consents = context.store.accounts.flatMap((account) => account.consents);
  const rows = consents.map((info) => consentRow(context, info));
  return table('Your consents', ['Who', 'Records', 'Purposes', 'Valid', 'Uses', 'State', 'Your account', ''], rows, 'You have given no consent yet.');
}

function consentRow(context: Context, info: ConsentInfo): HTMLTableRowElement {
  const { person } = context;
  const { terms, accesses, id } = info.consent;
  const organisation = info.grantee.organisation ?? context.store.practitioners.get(info.grantee.practitioner ?? '')?.organisation;
  const categories = terms.categories.only
    ? terms.categories.only.map((category) => person.describe(category, organisation).label).join(', ')
    : ['All standard categories', ...(terms.categories.allStandard?.sensitive ?? []).map((c) => person.describe({ sensitive: c }, organisation).label)].join(', ');
  const valid = `${terms.from ? when(terms.from) : 'from the start'} – ${terms.until ? when(terms.until) : 'until revoked'}`;
  const uses = terms.maxAccesses === null ? `${accesses} (no limit)` : `${accesses} of ${terms.maxAccesses}`;
  const status = txStatus();
  const revoke = h('button', {
    type: 'button',
    class: 'danger',
    'aria-label': `Revoke consent ${id}`,
    onclick: async () => {
      revoke.disabled = true;
      const ok = await submitTx(context, status, context.chain.api.tx.consent.revoke(null, id), accountOf(person, info.patient));
      if (!ok) revoke.disabled = false;
    },
  }, 'Revoke');
  return h('tr', { 'data-consent': id },
    h('td', {}, info.grantee.organisation ? organisationLabel(context, info.grantee.organisation) : practitionerLabel(context, info.grantee.practitioner ?? '')),
    h('td', {}, categories),
    h('td', {}, terms.purposes.map((p) => PURPOSES.find(([code]) => code === p)?.[1] ?? p).join(', ')),
    h('td', {}, valid),
    h('td', {}, uses),
    h('td', {}, STATES[info.state] ?? info.state),
    h('td', {}, accountLabel(person, info.patient)),
    h('td', {}, revoke, status));
}

function checkboxes(legend: string, name: string, options: [string, string][]): HTMLFieldSetElement {
  return h('fieldset', {}, h('legend', {}, legend), options.map(([value, label]) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value }), ` ${label}`)));
}

function grantForm(context: Context): { element: HTMLElement; refresh: () => void } {
  const { person, store, chain } = context;
  const kind = h('select', { id: 'grantee-kind', name: 'grantee-kind' },
    h('option', { value: 'organisation' }, 'An organisation (all its practitioners)'),
    h('option', { value: 'practitioner' }, 'One practitioner'));
  const grantee = h('select', { id: 'grantee', name: 'grantee', required: true });
  const everything = h('input', { type: 'checkbox', name: 'all-standard', id: 'all-standard' });
  const standard = checkboxes('Standard categories', 'standard', STANDARD.map((c: string) => [c, categoryName(c)]));
  const sensitive = checkboxes('Sensitive categories: each one only if you tick it', 'sensitive', SENSITIVE.map((c: string) => [c, categoryName(c)]));
  const sensitiveHint = h('p', { class: 'hint', id: 'sensitive-hint' });
  const purposes = checkboxes('For what', 'purpose', PURPOSES);
  const today = new Date();
  const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const from = h('input', { type: 'date', id: 'from', name: 'from', value: iso(today), required: true });
  const until = h('input', { type: 'date', id: 'until', name: 'until', min: iso(new Date(today.getTime() + 86_400_000)) });
  const limit = h('input', { type: 'number', id: 'max-accesses', name: 'max-accesses', min: 1, max: MAX_ACCESSES, step: 1, inputmode: 'numeric' });
  const signer = accountSelect(person);
  signer.id = 'grant-account';
  const problems = h('ul', { class: 'problems', id: 'grant-problems', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Grant consent');
  const status = txStatus();

  const organisationOf = (address: string) => (kind.value === 'organisation' ? address : store.practitioners.get(address)?.organisation ?? '');
  const ticked = (set: HTMLFieldSetElement) => [...set.querySelectorAll<HTMLInputElement>('input:checked')].map((input) => input.value);

  /** The grant's arguments, or the reasons there are none yet. */
  const build = (): { problems: string[]; args?: [Record<string, string>, Record<string, unknown>] } => {
    const found: string[] = [];
    const organisation = organisationOf(grantee.value);
    if (!grantee.value) found.push('Choose who the consent is for.');
    const blinded = ticked(sensitive).map((category) => person.blindFor(category, organisation));
    if (blinded.some((value) => value === null)) found.push('Unlock your sensitive categories to name one.');
    const named = ticked(standard).map((category) => ({ Standard: category }) as ChainCategoryValue);
    if (!everything.checked && !named.length && !blinded.length) found.push('Choose at least one category of records.');
    if (!ticked(purposes).length) found.push('Choose at least one purpose.');
    const start = dateMillis(from);
    const end = dateMillis(until);
    if (start === null) found.push('Give the date it starts.');
    if (end !== null && (end <= Date.now() || (start !== null && end <= start))) found.push('The end date must be after the start and in the future.');
    const max = limit.value ? Number(limit.value) : null;
    if (max !== null && (!Number.isInteger(max) || max < 1 || max > MAX_ACCESSES)) found.push('The number of uses must be a whole number from 1.');
    if (found.length) return { problems: found };
    const sensitiveValues = blinded as ChainCategoryValue[];
    const categories = everything.checked
      ? { AllStandard: { sensitive: sensitiveValues.flatMap((value) => ('Sensitive' in value ? [value.Sensitive] : [])) } }
      : { Only: [...named, ...sensitiveValues] };
    const startsToday = start !== null && start <= Date.now();
    return {
      problems: [],
      args: [
        { [kind.value === 'organisation' ? 'Organisation' : 'Practitioner']: grantee.value },
        { categories, purposes: ticked(purposes), from: startsToday ? 0 : start, until: end, maxAccesses: max },
      ],
    };
  };

  const check = () => {
    standard.disabled = everything.checked;
    sensitive.disabled = !person.unlocked;
    sensitiveHint.textContent = person.unlocked
      ? 'Sensitive categories are named to the chain only in blinded form, under the salt you share with this organisation.'
      : 'To name a sensitive category, unlock your sensitive categories with your recovery phrase (Accounts).';
    const pseudonym = person.accountAt(organisationOf(grantee.value));
    if (pseudonym && signer.value !== pseudonym.address) signer.value = pseudonym.address;
    const { problems: found } = build();
    fill(problems, found.map((problem) => h('li', {}, problem)));
    submit.disabled = found.length > 0;
  };

  let shown = '';
  const refillGrantees = () => {
    const previous = grantee.value;
    const options = kind.value === 'organisation'
      ? store.activeOrganisations().map((address) => [address, organisationLabel(context, address).textContent ?? address])
      : [...store.practitioners].filter(([, p]) => p.status.status === 'Active').map(([address]) => [address, practitionerLabel(context, address).textContent ?? address]);
    // Rebuilt only when the registry changed: an open list must not close under the patient.
    const key = JSON.stringify(options);
    if (key === shown) return;
    shown = key;
    fill(grantee, h('option', { value: '' }, 'Choose…'), options.map(([value, label]) => h('option', { value, selected: value === previous }, label)));
  };

  const element = h('form', {
    class: 'card', 'aria-labelledby': 'grant-title', novalidate: true,
    onchange: check, oninput: check,
    onsubmit: async (event: Event) => {
      event.preventDefault();
      const { args } = build();
      if (!args) return;
      submit.disabled = true;
      const done = await submitTx(context, status, chain.api.tx.consent.grant(null, args[0], args[1]), accountOf(person, signer.value));
      if (done) (event.target as HTMLFormElement).reset();
      check();
    },
  },
  h('h3', { id: 'grant-title' }, 'Give a consent'),
  h('div', { class: 'field' }, h('label', { for: 'grantee-kind' }, 'Consent to'), kind),
  h('div', { class: 'field' }, h('label', { for: 'grantee' }, 'Who'), grantee),
  h('fieldset', {}, h('legend', {}, 'Which records'),
    h('label', { class: 'check' }, everything, ' All standard categories (never a sensitive one unless ticked below)'),
    standard, sensitive, sensitiveHint),
  purposes,
  h('div', { class: 'row' },
    h('div', { class: 'field' }, h('label', { for: 'from' }, 'Starts'), from),
    h('div', { class: 'field' }, h('label', { for: 'until' }, 'Ends (optional)'), until),
    h('div', { class: 'field' }, h('label', { for: 'max-accesses' }, 'Most uses (optional)'), limit)),
  h('div', { class: 'field' }, h('label', { for: 'grant-account' }, 'Sign as'), signer),
  problems, submit, status);
  kind.addEventListener('change', refillGrantees);

  return {
    element,
    refresh: () => {
      refillGrantees();
      check();
    },
  };
}
