// What the chain reveals, checked on a real `ehr-node --dev`: a patient, through its pseudonym at
// a hospital, consents to sensitive categories (blinded with the salt it shares with the
// hospital), its physician is granted and, after a revocation, denied; the patient restricts its
// record, a colleague's request under the hospital's consent is denied, and the colleague's
// break-glass waits for the council. Then every block (calls and events) and every storage item
// of the consent and audit pallets is decoded, and none names a sensitive category or holds a
// readable record reference; nor do the records pallet's anchors of a sensitive record.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { mnemonicGenerate, randomAsU8a } from '@polkadot/util-crypto';
import { connect, eventsOf, submit } from '../lib/chain.mjs';
import { govern } from '../lib/governance.mjs';
import { ok, registerStaff, UNIT } from '../lib/hospital.mjs';
import { disposeUnlessFailed, startNode } from '../lib/node.mjs';
import { blind, CATEGORIES, isSensitive, patientSecret, pseudonymUri, saltFor } from '../lib/privacy.mjs';

/** The sensitive categories' names, as Rust, the metadata and decoded JSON spell them (`Hiv`, `mental_health`). */
const SPELLINGS = CATEGORIES.filter(isSensitive)
  .flatMap((name) => [name, name.replace(/[A-Z]/g, (c, i) => `${i ? '_' : ''}${c.toLowerCase()}`)])
  .join('|');
/** One of them as a whole name: a variant of the metadata's types. */
const A_NAME = new RegExp(`^(${SPELLINGS})$`, 'i');
/** One of them as a quoted string of decoded JSON (a value or a key; not inside an address). */
const QUOTED = new RegExp(`"(${SPELLINGS})"`, 'i');

describe('what the chain reveals', () => {
  let node;
  let api;
  let hospital;
  let physician;
  let nurse;
  let patient; // the patient's pseudonym at the hospital
  let salt; // the patient's salt with the hospital
  const records = []; // the record references the requests named

  before(async () => {
    node = await startNode(['--dev']);
    let accounts;
    ({ api, accounts } = await connect(node));
    ({ charlie: hospital, dave: physician, ferdie: nurse } = accounts);
    await registerStaff(api, { hospital, staff: [[physician, 'Physician'], [nurse, 'Nurse']] });
    const phrase = mnemonicGenerate();
    patient = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(pseudonymUri(phrase, hospital.address));
    salt = saltFor(patientSecret(phrase), hospital.address);
    await ok(submit(api, api.tx.balances.transferKeepAlive(patient.address, 10n * UNIT), accounts.alice));
  });

  after(async () => {
    await api?.disconnect();
    await disposeUnlessFailed(node);
  });

  /** `who` asks for the patient's `category` for treatment, naming a fresh opaque record reference. */
  const request = async (who, category) => {
    const record = u8aToHex(randomAsU8a(32));
    records.push(record);
    const tx = api.tx.audit.requestAccess(patient.address, blind(salt, category), 'Treatment', record);
    const { events } = await submit(api, tx, who);
    return eventsOf(events, api.events.audit.AccessDecided)[0].data.decision.toJSON();
  };
  const terms = (categories) => ({ categories, purposes: ['Treatment'], from: 0, until: null, maxAccesses: null });

  test('a sensitive consent is matched blinded, revoked, and then denied', async () => {
    const named = { Only: ['Imaging', 'Hiv'].map((category) => blind(salt, category)) };
    const { events } = await submit(api, api.tx.consent.grant(null, { Practitioner: physician.address }, terms(named)), patient);
    const consent = eventsOf(events, api.events.consent.ConsentGranted)[0].data.consent.toNumber();
    const organisationWide = { AllStandard: { sensitive: [blind(salt, 'MentalHealth').Sensitive] } };
    await ok(submit(api, api.tx.consent.grant(null, { Organisation: hospital.address }, terms(organisationWide)), patient));

    const hiv = await request(physician, 'Hiv');
    assert.deepEqual(hiv.outcome, { granted: { consent, scope: 'Practitioner' } });
    assert.deepEqual(hiv.category, { sensitive: blind(salt, 'Hiv').Sensitive });
    assert.deepEqual((await request(physician, 'Genetics')).outcome, { denied: { reason: { consent: 'SensitiveCategoryNotCovered' } } });

    await ok(submit(api, api.tx.consent.revoke(null, consent), patient));
    assert.deepEqual((await request(physician, 'Hiv')).outcome, { denied: { reason: { consent: 'SensitiveCategoryNotCovered' } } });
    // The hospital's consent still opens mental health to any of its practitioners.
    assert.ok('granted' in (await request(nurse, 'MentalHealth')).outcome);
  });

  test('a restricted record closes to the hospital\'s consent; break-glass on it waits for the council', async () => {
    await ok(submit(api, api.tx.consent.setRestriction(null, true), patient));
    const snoop = await request(nurse, 'MentalHealth');
    assert.deepEqual(snoop.outcome, { denied: { reason: { consent: 'RecordRestricted' } } });
    assert.equal(snoop.restricted, true);

    const { events } = await ok(submit(api, api.tx.audit.emergencyAccess(patient.address, blind(salt, 'SubstanceUse'), 'PatientIncapacitated'), nurse));
    const access = eventsOf(events, api.events.audit.EmergencyAccessOpened)[0].data.access.toBigInt();
    const review = await submit(api, api.tx.audit.reviewEmergency(access, 'Justified'), hospital);
    assert.equal(review.error, 'audit.ReviewedByCouncil');
    await govern(api, api.tx.audit.reviewEmergency(access, 'Unjustified'));
    assert.equal((await api.query.audit.unjustifiedEmergencies(nurse.address)).toNumber(), 1);
  });

  test('a record of a sensitive category is anchored, versioned and erased blinded', async () => {
    const [record, hash] = [u8aToHex(randomAsU8a(32)), u8aToHex(randomAsU8a(32))];
    // The patient's own record (a pseudonym pays its deposit like a custodian).
    await ok(submit(api, api.tx.records.anchorRecord(patient.address, record, blind(salt, 'Hiv'), hash), patient));
    const stored = (await api.call.recordsApi.record(patient.address, record)).toJSON();
    assert.deepEqual(stored.category, { sensitive: blind(salt, 'Hiv').Sensitive });
    await ok(submit(api, api.tx.records.requestErasure(null, 'All'), patient));
    await ok(submit(api, api.tx.records.confirmErasure(patient.address, record), patient));
  });

  test('the chain\'s types cannot name a sensitive category', () => {
    const types = api.runtimeMetadata.asLatest.lookup.types.map(({ type }) => type);
    const variants = types.flatMap((type) => (type.def.isVariant ? type.def.asVariant.variants.map((v) => v.name.toString()) : []));
    assert.deepEqual(variants.filter((name) => A_NAME.test(name)), []);
  });

  test('no block, event or storage item names a sensitive category or a readable record reference', async () => {
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    let scanned = 0;
    for (let number = 1; number <= head; number += 1) {
      const hash = await api.rpc.chain.getBlockHash(number);
      const [block, events] = await Promise.all([api.rpc.chain.getBlock(hash), (await api.at(hash)).query.system.events()]);
      for (const extrinsic of block.block.extrinsics) assertBlinded(extrinsic.method.toHuman(), `block ${number}'s call`);
      for (const { event } of events) {
        assertBlinded(event.toHuman(), `block ${number}'s event ${event.section}.${event.method}`);
        if (api.events.audit.AccessDecided.is(event) && event.data.record.isSome) {
          const record = event.data.record.unwrap().toHex();
          assert.match(record, /^0x[0-9a-f]{64}$/);
          assert.ok(records.includes(record), `${record}: a reference a request named`);
        }
      }
      scanned += block.block.extrinsics.length;
    }
    assert.ok(scanned > head, 'the blocks carry the flow\'s calls');
    for (const pallet of ['consent', 'audit', 'records']) {
      for (const [name, query] of Object.entries(api.query[pallet])) {
        const entries = query.entries ? await query.entries() : [[null, await query()]];
        for (const [key, value] of entries) assertBlinded([key?.toHuman(), value.toHuman()], `${pallet}.${name}`);
      }
    }
  });
});

/** Fail if `value` (decoded, human-readable) spells a sensitive category anywhere. */
function assertBlinded(value, where) {
  const text = JSON.stringify(value);
  assert.doesNotMatch(text, QUOTED, `${where} names a sensitive category: ${text}`);
}
