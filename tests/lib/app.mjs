// The patient app under test: built from apps/patient, served over HTTP, and opened in Debian's
// headless chromium (playwright-core) with a test wallet injected into the page, as the
// Polkadot.js extension, Talisman or SubWallet inject theirs (`window.injectedWeb3`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const APP = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'apps', 'patient');
/** Where the browser tests leave their screenshots: `$EHR_TEST_OUTPUT`, else tests/.tmp/. */
export const OUTPUT = process.env.EHR_TEST_OUTPUT ?? join(APP, '..', '..', 'tests', '.tmp', 'patient-app');
export const WALLET = 'ehr-test-wallet';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Build the app (its own `npm run build`: type check and Vite) and return its directory. */
export function buildApp() {
  const built = spawnSync('npm', ['run', 'build', '--prefix', APP], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`the patient app does not build:\n${built.stdout}\n${built.stderr}`);
  return join(APP, 'dist');
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };

/** Serve `root` on a free local port; resolves with `{ url, close }`. */
export function serve(root) {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(root) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((done) => server.close(done)),
  })));
}

/**
 * A headless browser and a page whose wallet holds `accounts` (keyring pairs) and signs with them
 * through `api`'s registry, as an extension does. Every console error and page error is kept in
 * `errors`: the tests fail on any.
 */
export async function openApp(api, accounts, { width = 1280, height = 900 } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(error.message));
  const byAddress = new Map(accounts.map((pair) => [pair.address, pair]));
  await page.exposeFunction('ehrTestWalletSign', (payload) => {
    const pair = byAddress.get(payload.address);
    if (!pair) throw new Error(`the test wallet holds no key for ${payload.address}`);
    return api.registry.createType('ExtrinsicPayload', payload, { version: payload.version }).sign(pair).signature;
  });
  const injected = accounts.map((pair) => ({ address: pair.address, name: pair.meta.name ?? 'Test', type: 'sr25519' }));
  await page.addInitScript(({ name, injected }) => {
    let id = 0;
    window.injectedWeb3 = {
      [name]: {
        version: '1.0.0',
        enable: async () => ({
          accounts: { get: async () => injected, subscribe: (cb) => { cb(injected); return () => {}; } },
          signer: {
            signPayload: async (payload) => ({ id: ++id, signature: await window.ehrTestWalletSign(payload) }),
          },
        }),
      },
    };
  }, { name: WALLET, injected });
  mkdirSync(OUTPUT, { recursive: true });
  return {
    browser,
    page,
    errors,
    /** Save a screenshot of the whole page as `OUTPUT/name.png`. */
    shot: (name) => page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true }),
  };
}
