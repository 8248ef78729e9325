// The person's accounts (one per organisation, if the patient keeps pseudonyms) and the
// recovery phrase that reveals blinded sensitive categories, held in this page's memory only.
import { fill, h, short } from '../dom';
import type { Context } from '../ui';

export function accountsView(context: Context, onUnlock: () => void): { element: HTMLElement; refresh: () => void } {
  const { person, store } = context;
  const list = h('div', { id: 'account-list' });
  const phrase = h('input', { type: 'password', id: 'phrase', name: 'phrase', autocomplete: 'off', spellcheck: 'false' });
  const message = h('p', { role: 'status', 'aria-live': 'polite', id: 'unlock-status' });
  const lock = h('button', { type: 'button', onclick: () => { person.lock(); message.textContent = 'Locked: sensitive categories are hidden again.'; onUnlock(); } }, 'Lock');
  const form = h('form', {
    class: 'card', novalidate: true,
    onsubmit: (event: Event) => {
      event.preventDefault();
      try {
        person.unlock(phrase.value, [...store.organisations.keys()]);
        message.textContent = `Unlocked for ${store.organisations.size} organisation(s). The phrase is not kept; the salts stay in this page until you lock or close it.`;
        onUnlock();
      } catch {
        message.textContent = 'That is not a valid recovery phrase (12 or 24 words).';
      }
      phrase.value = '';
    },
  },
  h('h3', {}, 'Sensitive categories'),
  h('p', {}, 'The chain sees your sensitive categories (mental health, substance use, sexual and reproductive health, genetics, HIV) only blinded. Your recovery phrase reveals them here, in this page, and lets you name them in a consent. It never leaves this page and is not stored.'),
  h('div', { class: 'field' }, h('label', { for: 'phrase' }, 'Recovery phrase'), phrase),
  h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Unlock'), lock), message);

  const element = h('section', { 'aria-labelledby': 'accounts-title' },
    h('h2', { id: 'accounts-title' }, 'My accounts'),
    h('p', {}, 'You may use a different account with each organisation, so that none of them, nor anyone reading the chain, can link your care across them. This app joins them into one view, in your browser only.'),
    list, form);
  const refresh = () => fill(list, h('ul', { class: 'accounts' }, person.accounts.map((account) => {
    const organisation = person.organisationOf(account.address);
    return h('li', {}, h('strong', {}, account.name), ' ', short(account.address),
      organisation ? h('span', { class: 'detail' }, ' — your account at ', store.organisations.get(organisation)?.kind ?? 'organisation', ' ', short(organisation)) : null);
  })));
  return { element, refresh };
}
