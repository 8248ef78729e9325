// The patient app in a real browser (Debian's chromium, headless) against a real `ehr-node
// --dev`, with a test wallet injected into the page: the patient grants a consent, a practitioner
// (scripted with @polkadot/api) reads, the access appears live, the patient revokes, the next
// request is refused and shown refused, an emergency access and a suspension raise
// notifications; records, erasure, guardians and the break-glass policy; a phone-sized screen,
// labels and keyboard. A screenshot of each screen goes to tests/.tmp/patient-app/ (or
// $EHR_TEST_OUTPUT); any console error fails the suite.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/api';
import { mnemonicGenerate } from '@polkadot/util-crypto';
import { OUTPUT, WALLET, buildApp, openApp, serve } from '../lib/app.mjs';
import { connect, submit } from '../lib/chain.mjs';
import { govern } from '../lib/governance.mjs';
import { UNIT, ok, registerStaff } from '../lib/hospital.mjs';
import { disposeUnlessFailed, startNode, waitFor } from '../lib/node.mjs';
import { commitment, patientSecret, pseudonymUri, saltFor } from '../lib/privacy.mjs';

/** How long the page may take to show what a finalised block says. */
const SHOWN = { timeout: 60_000 };

describe('the patient app in a browser', () => {
  let node;
  let api;
  let accounts;
  let server;
  let app;
  let page;
  let patient;
  let phrase;

  before(async () => {
    const dist = buildApp();
    node = await startNode(['--dev']);
    ({ api, accounts } = await connect(node));
    const { bob, charlie: hospital, dave: physician } = accounts;
    await registerStaff(api, { hospital, staff: [[physician, 'Physician']] });
    // The patient keeps one account per organisation: its pseudonym at the hospital.
    phrase = mnemonicGenerate();
    patient = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(pseudonymUri(phrase, hospital.address), { name: 'At the hospital' });
    await ok(submit(api, api.tx.balances.transferKeepAlive(patient.address, 10n * UNIT), bob));
    server = await serve(dist);
    app = await openApp(api, [patient]);
    ({ page } = app);
  });

  after(async () => {
    await app?.browser.close();
    await server?.close();
    await api?.disconnect();
    await disposeUnlessFailed(node);
  });

  const tab = (name) => page.getByRole('tab', { name }).click();
  const physicianRequests = (category = 'Imaging') =>
    submit(api, api.tx.audit.requestAccess(patient.address, { Standard: category }, 'Treatment', null), accounts.dave);

  test('connects to the node and takes the patient from the injected wallet', async () => {
    await page.goto(`${server.url}?node=${encodeURIComponent(node.wsUrl)}`);
    await app.shot('1-connect');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('button', { name: WALLET }).click();
    await assert.doesNotReject(page.getByRole('checkbox', { name: /At the hospital/ }).waitFor());
    assert.equal(await page.getByRole('checkbox', { name: /At the hospital/ }).isChecked(), true);
    await app.shot('2-wallet');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Consents' }).waitFor();
  });

  test('the recovery phrase finds the pseudonym and unlocks sensitive categories, in the page', async () => {
    await tab('Accounts');
    await page.getByLabel('Recovery phrase').fill(phrase);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText('your account at Hospital').waitFor(SHOWN);
    assert.equal(await page.getByLabel('Recovery phrase').inputValue(), '', 'the phrase is not kept in the form');
    await app.shot('6-accounts');
  });

  test('the consent form refuses what is invalid, then grants what the patient chose', async () => {
    await tab('Consents');
    const grant = page.getByRole('button', { name: 'Grant consent' });
    assert.equal(await grant.isDisabled(), true);
    await page.getByLabel('Who', { exact: true }).selectOption(accounts.charlie.address);
    await page.getByLabel('Imaging').check();
    await page.getByLabel('Mental health').check();
    assert.match(await page.locator('#grant-problems').innerText(), /at least one purpose/);
    await page.getByLabel('Treatment').check();
    await page.getByLabel('Ends (optional)').fill('2001-01-01');
    assert.match(await page.locator('#grant-problems').innerText(), /end date must be after/);
    assert.equal(await grant.isDisabled(), true);
    await page.getByLabel('Ends (optional)').fill('');
    assert.equal(await page.getByLabel('Sign as').inputValue(), patient.address, 'signed by the pseudonym at this organisation');
    await grant.click();
    await page.getByText(/Done: final in block/).first().waitFor(SHOWN);

    const [consent] = (await api.call.consentApi.consentsOf(patient.address)).toJSON();
    const salt = saltFor(patientSecret(phrase), accounts.charlie.address);
    assert.deepEqual(consent.consent.terms.categories.only, [{ standard: 'Imaging' }, { sensitive: commitment(salt, 'MentalHealth') }]);
    assert.deepEqual(consent.consent.terms.purposes, ['Treatment']);
    const row = page.locator(`tr[data-consent="${consent.consent.id}"]`);
    await row.waitFor(SHOWN);
    assert.match(await row.innerText(), /Imaging, Mental health/);
    await app.shot('3-consents');
  });

  test('an access by the practitioner appears in the log as it happens', async () => {
    await tab('Who looked');
    await ok(physicianRequests());
    const granted = page.locator('tr[data-outcome="granted"]');
    await granted.waitFor(SHOWN);
    assert.match(await granted.innerText(), /Allowed[\s\S]*by your consent #0/);
    assert.match(await granted.innerText(), /Physician/);
  });

  test('records: an anchored record is listed and the patient asks to erase it', async () => {
    const record = `0x${'ab'.repeat(32)}`;
    await ok(submit(api, api.tx.records.anchorRecord(patient.address, record, { Standard: 'Imaging' }, `0x${'cd'.repeat(32)}`), accounts.dave));
    await tab('Records');
    const row = page.locator(`tr[data-record="${record}"]`);
    await row.waitFor(SHOWN);
    await app.shot('5-records');
    await row.getByRole('button', { name: /Ask to erase record/ }).click();
    await page.getByText(/waiting for the custodian/).waitFor(SHOWN);
    assert.equal((await api.call.recordsApi.record(patient.address, record)).unwrap().erasureRequested.isSome, true);
  });

  test('the patient revokes; the next request is refused and shown refused, in plain words', async () => {
    await tab('Consents');
    await page.getByRole('button', { name: 'Revoke consent 0' }).click();
    await waitFor('the consent revoked', async () => (await api.call.consentApi.consentsOf(patient.address)).length === 0);
    const { events } = await ok(physicianRequests());
    assert.ok(events.length);
    await tab('Who looked');
    const denied = page.locator('tr[data-outcome="denied"]');
    await denied.waitFor(SHOWN);
    assert.match(await denied.innerText(), /Refused — you have given no consent to this practitioner or its organisation/);
  });

  test('an emergency access raises a notification, and a suspension of its practitioner another', async () => {
    await ok(submit(api, api.tx.audit.emergencyAccess(patient.address, { Standard: 'Allergies' }, 'LifeThreatening'), accounts.dave));
    await page.locator('.notice[data-kind="emergency"]').waitFor(SHOWN);
    await page.locator('tr[data-outcome="emergency"]').waitFor(SHOWN);
    await govern(api, api.tx.providers.suspend(accounts.dave.address, 'CouncilDecision'));
    await page.locator('.notice[data-kind="suspension"]').waitFor(SHOWN);
    await app.shot('4-who-looked');
  });

  test('the whole log downloads as a FHIR Bundle of AuditEvents', async () => {
    await tab('Who looked');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download as FHIR/ }).click()]);
    const bundle = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(bundle.resourceType, 'Bundle');
    const events = bundle.entry.map(({ resource }) => resource);
    assert.deepEqual(events.map((event) => event.resourceType), ['AuditEvent', 'AuditEvent', 'AuditEvent']);
    assert.deepEqual(events.map((event) => event.outcome), ['0', '4', '0']);
    assert.equal(events[1].outcomeDesc, 'Consent(NoConsent)');
    assert.equal(events[2].subtype[1].code, 'emergency-access');
    assert.equal(events[0].entity[0].what.reference, `Patient/${patient.address}`);
  });

  test('guardians, the break-glass policy and restriction', async () => {
    await tab('Settings');
    await page.getByLabel('Guardian’s account').fill(accounts.ferdie.address);
    await page.getByRole('button', { name: 'Add guardian' }).click();
    await page.getByRole('button', { name: `Remove guardian ${accounts.ferdie.address}` }).waitFor(SHOWN);
    await page.getByLabel(/Refuse emergency access/).check();
    await page.getByRole('button', { name: 'Save emergency choice' }).click();
    await waitFor('the opt-out on chain', async () => (await api.call.consentApi.breakGlassPolicy(patient.address)).toString() === 'OptedOut');
    await page.getByLabel(/Restrict my record/).check();
    await page.getByRole('button', { name: 'Save restriction' }).click();
    await waitFor('the restriction on chain', async () => {
      const restriction = await api.call.consentApi.restrictionOf(patient.address);
      return restriction.isSome && restriction.unwrap().byPatient.isTrue;
    });
    await page.getByLabel('Guardian’s account').fill('not an address');
    await page.getByRole('button', { name: 'Add guardian' }).click();
    await page.getByText('That is not an account address.').waitFor();
    await app.shot('7-settings');
  });

  test('every control has a label, the tabs work from the keyboard, and a phone screen fits', async () => {
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, button, textarea')]
      .filter((element) => !(element.labels?.length || element.getAttribute('aria-label') || (element.tagName === 'BUTTON' && element.textContent.trim())))
      .map((element) => element.outerHTML));
    assert.deepEqual(unlabelled, []);
    await page.getByRole('tab', { name: 'Consents' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Who looked');
    assert.equal(await page.getByRole('tab', { name: 'Who looked' }).getAttribute('aria-selected'), 'true');
    await page.setViewportSize({ width: 390, height: 844 });
    const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1 || element.scrollWidth > element.clientWidth + 1)
      .map((element) => `${element.tagName}#${element.id}.${element.className}`));
    assert.deepEqual(wide, [], 'nothing wider than the screen: table rows stack');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
    await app.shot('8-phone');
  });

  test('no console errors', () => {
    assert.deepEqual(app.errors, [], `screenshots in ${OUTPUT}`);
  });
});
