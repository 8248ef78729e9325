// The patient app: connect to a node, choose the wallet and the accounts that are "me", then
// consents, the access log, records and settings, kept live from new blocks.
import './style.css';
import { DEFAULT_NODE, connect, type Chain } from './chain';
import { fill, h } from './dom';
import { Person } from './person';
import { Store, type Notice } from './store';
import type { Context } from './ui';
import { accountsView } from './views/accounts';
import { consentsView } from './views/consents';
import { logView } from './views/log';
import { recordsView } from './views/records';
import { settingsView } from './views/settings';
import { DEV_KEYRING, walletAccounts, walletNames, type Account } from './wallet';

const root = document.getElementById('app') as HTMLElement;
const NODE_KEY = 'ehr-patient-app/node';

function layout(...content: (Node | null)[]): void {
  fill(root,
    h('header', { class: 'top' }, h('h1', {}, 'EHR Chain · My records'), h('p', { id: 'connection', class: 'connection' })),
    h('main', { id: 'main', tabindex: -1 }, content));
}

/** First screen: which node. `?node=` or the last one used, else the local dev node. */
function connectScreen(error?: string): void {
  const initial = new URLSearchParams(location.search).get('node') ?? localStorage.getItem(NODE_KEY) ?? DEFAULT_NODE;
  const url = h('input', { id: 'node-url', name: 'node', type: 'url', value: initial, required: true, spellcheck: 'false' });
  const status = h('p', { role: 'status', 'aria-live': 'polite', class: error ? 'error' : '' }, error ?? '');
  const button = h('button', { type: 'submit' }, 'Connect');
  layout(h('section', { 'aria-labelledby': 'connect-title' },
    h('h2', { id: 'connect-title' }, 'Connect to EHR Chain'),
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: async (event: Event) => {
        event.preventDefault();
        if (!/^wss?:\/\/.+/.test(url.value)) {
          status.textContent = 'Give a node address starting with ws:// or wss://.';
          return;
        }
        button.disabled = true;
        status.textContent = 'Connecting…';
        try {
          const chain = await connect(url.value);
          localStorage.setItem(NODE_KEY, url.value);
          await walletScreen(chain);
        } catch (failure) {
          status.textContent = (failure as Error).message;
          status.className = 'error';
          button.disabled = false;
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'node-url' }, 'Node address'), url,
      h('span', { class: 'hint' }, 'Your organisation gives you this address. On a development machine: ws://127.0.0.1:9944.')),
    button, status)));
}

/** Second screen: the wallet, and which of its accounts are this person's. */
async function walletScreen(chain: Chain): Promise<void> {
  const wallets = await walletNames();
  if (chain.development) wallets.push(DEV_KEYRING);
  const choices = h('div', { id: 'accounts-choice' });
  const status = h('p', { role: 'status', 'aria-live': 'polite' });
  layout(h('section', { 'aria-labelledby': 'wallet-title' },
    h('h2', { id: 'wallet-title' }, 'Your wallet'),
    wallets.length
      ? h('div', { class: 'row' }, wallets.map((name) => h('button', { type: 'button', 'data-wallet': name, onclick: () => chooseAccounts(name) }, name)))
      : h('p', {}, 'No wallet extension found. Install the Polkadot.js extension, Talisman or SubWallet, add your account, and reload this page.'),
    status, choices));
  showConnection(chain);

  async function chooseAccounts(name: string): Promise<void> {
    let accounts: Account[];
    try {
      accounts = await walletAccounts(name);
    } catch (failure) {
      status.textContent = `The wallet refused: ${(failure as Error).message}`;
      return;
    }
    if (!accounts.length) {
      status.textContent = 'This wallet shares no account with this app. Add one, or allow this site in the wallet.';
      return;
    }
    // A wallet's accounts are presumed the patient's own; the dev keyring's are everybody's.
    const mine = name !== DEV_KEYRING;
    const boxes = accounts.map((account) => h('input', { type: 'checkbox', name: 'me', value: account.address, checked: mine }));
    fill(choices, h('form', {
      class: 'card', novalidate: true,
      onsubmit: (event: Event) => {
        event.preventDefault();
        const chosen = accounts.filter((_, i) => boxes[i].checked);
        if (!chosen.length) {
          status.textContent = 'Choose at least one account.';
          return;
        }
        appScreen(chain, new Person(chosen));
      },
    },
    h('fieldset', {}, h('legend', {}, 'These accounts are me (one per organisation, or one for all)'),
      accounts.map((account, i) => h('label', { class: 'check' }, boxes[i], ` ${account.name} `, h('span', { class: 'address' }, account.address)))),
    h('button', { type: 'submit' }, 'Continue')));
  }
}

const TABS = ['Consents', 'Who looked', 'Records', 'Settings', 'Accounts'] as const;

/** The app itself: tabs over the person's data, notifications, live from new blocks. */
async function appScreen(chain: Chain, person: Person): Promise<void> {
  const store = new Store(chain, person);
  const context: Context = { chain, person, store };
  const views = [consentsView(context), logView(context), recordsView(context), settingsView(context), accountsView(context, () => refreshAll())];
  const refreshAll = () => views.forEach((view) => view.refresh());
  const notices = h('div', { id: 'notices', class: 'notices', role: 'alert', 'aria-live': 'assertive' });
  const tabs = TABS.map((name, i) => h('button', {
    type: 'button', role: 'tab', id: `tab-${i}`, 'aria-controls': `panel-${i}`,
    onclick: () => select(i),
    onkeydown: (event: KeyboardEvent) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step) select((i + step + TABS.length) % TABS.length, true);
    },
  }, name));
  const panels = views.map((view, i) => h('div', { role: 'tabpanel', id: `panel-${i}`, 'aria-labelledby': `tab-${i}`, tabindex: 0 }, view.element));
  function select(index: number, focus = false): void {
    tabs.forEach((tab, i) => {
      tab.setAttribute('aria-selected', String(i === index));
      tab.tabIndex = i === index ? 0 : -1;
      panels[i].hidden = i !== index;
    });
    if (focus) tabs[index].focus();
  }
  layout(notices, h('nav', { 'aria-label': 'Sections' }, h('div', { role: 'tablist', class: 'tabs' }, tabs)), ...panels);
  select(0);
  showConnection(chain, store);
  store.onChange(() => {
    refreshAll();
    showConnection(chain, store);
  });
  store.onNotice((notice) => notices.prepend(noticeElement(notice)));
  chain.api.on('disconnected', () => showConnection(chain, store, 'connection lost, reconnecting…'));
  chain.api.on('connected', () => showConnection(chain, store));
  await store.start();
}

function noticeElement(notice: Notice): HTMLElement {
  const element: HTMLElement = h('div', { class: `notice ${notice.kind}`, 'data-kind': notice.kind },
    h('span', {}, h('strong', {}, notice.kind === 'emergency' ? 'Emergency access' : 'Practitioner suspended'), ' ', notice.text),
    h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss', onclick: () => element.remove() }, '×'));
  return element;
}

function showConnection(chain: Chain, store?: Store, trouble?: string): void {
  const connection = document.getElementById('connection');
  const problem = trouble ?? store?.problem;
  if (connection) connection.textContent = `${chain.name} · ${chain.url}${store?.block ? ` · block #${store.block}` : ''}${problem ? ` · ${problem}` : ''}`;
}

connectScreen();
