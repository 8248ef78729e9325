// Contracts on pallet-revive through @polkadot/api: the study contract's blob (built from source by
// scripts/build-contracts.sh), its messages encoded as ink! encodes them (a 4-byte selector, the
// first bytes of the BLAKE2b-256 of the message's name, then SCALE arguments), dry runs through
// the `ReviveApi` runtime API and calls as signed extrinsics.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, keccakAsU8a } from '@polkadot/util-crypto';
import { submit } from './chain.mjs';
import { UNIT } from './hospital.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where scripts/build-contracts.sh leaves the linked contracts. */
export const CONTRACTS = join(ROOT, 'contracts', 'target');
/** The consent precompile's address (`pallets/consent-precompile/IConsent.sol`). */
export const CONSENT_PRECOMPILE = `0x${'00'.repeat(16)}0ec00000`;
/** Contracts count balances in 18 decimals; the chain's token has 12. */
export const NATIVE_TO_ETH = 10n ** 6n;
/** Limits for a call: a tenth of a block's execution at most, and what storage may cost. */
const WEIGHT_LIMIT = { refTime: 50_000_000_000n, proofSize: 2_000_000n };
const DEPOSIT_LIMIT = 100n * UNIT;

/** The linked blob of contract `name` (e.g. `research_study`). */
export function contractBlob(name) {
  const path = join(CONTRACTS, `${name}.polkavm`);
  assert.ok(existsSync(path), `${path} is missing: scripts/build-contracts.sh builds it`);
  return u8aToHex(readFileSync(path));
}

/** The SCALE types of the study's messages and answers (`contracts/research-study`). */
export const STUDY_TYPES = {
  StudyError: {
    _enum: {
      NotOwner: 'Null',
      AlreadyEnrolled: 'Null',
      ConsentRefused: 'u8',
      InsufficientFunds: 'Null',
      TransferFailed: 'Null',
      InvalidCategory: 'Null',
      InvalidReward: 'Null',
      PrecompileFailed: 'Null',
    },
  },
};

/** An ink! message or constructor: its selector, then `args` as the SCALE `types`. */
export function message(api, name, types = [], args = []) {
  const selector = blake2AsU8a(name, 256).slice(0, 4);
  const encoded = types.map((type, i) => api.createType(type, args[i]).toU8a());
  return u8aToHex(u8aConcat(selector, ...encoded));
}

/**
 * A Solidity ABI call: the first 4 bytes of the Keccak-256 of `signature`, then each argument in
 * a 32-byte word (addresses as hex strings, integers as numbers or bigints; static types only).
 */
export function solidityCall(signature, args) {
  const word = (arg) => {
    const bytes = typeof arg === 'string' ? hexToU8a(arg) : hexToU8a(`0x${BigInt(arg).toString(16).padStart(64, '0')}`);
    return u8aConcat(new Uint8Array(32 - bytes.length), bytes);
  };
  return u8aToHex(u8aConcat(keccakAsU8a(signature, 256).slice(0, 4), ...args.map(word)));
}

/** The address `account` is known by to contracts. */
export const addressOf = async (api, account) => (await api.call.reviveApi.address(account.address ?? account)).toHex();

/** Dry-run `data` sent to `dest` by `origin` with `value` (native units): the runtime API's answer. */
export async function dryRun(api, origin, dest, data, value = 0n) {
  return api.call.reviveApi.call(origin.address, dest, value, null, null, data);
}

/**
 * What an ink! message answered in a dry run, decoded as `Result<type, LangError>`'s inner value
 * (`type` a SCALE type, e.g. `Result<(), StudyError>`), with whether the call reverted.
 */
export async function ask(api, origin, dest, data, type, value = 0n) {
  const { result } = await dryRun(api, origin, dest, data, value);
  assert.ok(result.isOk, `the call failed: ${result.toString()}`);
  const { flags, data: output } = result.asOk;
  const answer = api.createType(`Result<${type}, u8>`, output);
  assert.ok(answer.isOk, `ink! refused the message: ${answer.toString()}`);
  return { reverted: reverted(flags), value: answer.asOk };
}

/** Whether a call's `ReturnFlags` say it reverted (bit 0). */
export const reverted = (flags) => (Number((flags.bits ?? flags).toString()) & 1) === 1;

/** Send `data` to `dest` from `signer` with `value` (native units), in a block. */
export const call = (api, signer, dest, data, value = 0n) =>
  submit(api, api.tx.revive.call(dest, value, WEIGHT_LIMIT, DEPOSIT_LIMIT, data), signer);

/** Upload and instantiate `code` with constructor `data` and `value`; resolves with its address. */
export async function instantiate(api, signer, code, data, value) {
  const tx = api.tx.revive.instantiateWithCode(value, WEIGHT_LIMIT, DEPOSIT_LIMIT, code, data, null);
  const { events, error } = await submit(api, tx, signer);
  assert.equal(error, null);
  const instantiated = events.find(({ event }) => api.events.revive.Instantiated.is(event));
  assert.ok(instantiated, 'an Instantiated event');
  return instantiated.event.data.contract.toHex();
}
