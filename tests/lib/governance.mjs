// Acting as the chain's government: the council's motions (propose, vote, close) and, for the
// tests, `govern`: what the registrar, reviewer or Root does, done by the sudo key where the
// chain has one (`--dev`) and by a motion of the council where it has none (`--chain local`).
import { Keyring } from '@polkadot/api';
import { errorName, eventsOf, submit } from './chain.mjs';

const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
/** The development accounts a council of a test chain is made of, by address. */
const DEV_SIGNERS = new Map(
  ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'].map((name) => {
    const pair = keyring.addFromUri(`//${name}`);
    return [pair.address, pair];
  }),
);

/** The error of a dispatch result (`Result<(), DispatchError>` of an event), or null. */
const resultError = (api, result) => (result.isOk ? null : errorName(api, result.asErr));

/** Fail with `what` unless `outcome` (from `submit`) succeeded. */
function succeeded(outcome, what) {
  if (outcome.error) throw new Error(`${what} failed: ${outcome.error}`);
  return outcome;
}

/** The fewest ayes of `members` members that reach two thirds (the council's `EnsureProportionAtLeast<2, 3>`). */
export const twoThirdsOf = (members) => Math.ceil((2 * members) / 3);

/**
 * A motion of the council for `proposal` (a call), proposed by `voters[0]`, approved by every
 * one of `voters`, closed, and the council's `Executed` event: `{ blockHash, error }` with the
 * proposal's own error (null when it succeeded). `threshold` defaults to two thirds of the
 * council. Rejects if the motion itself cannot be made (a non-member, a wrong threshold).
 */
export async function motion(api, proposal, voters, threshold) {
  const members = await api.query.council.members();
  threshold ??= twoThirdsOf(members.length);
  const length = proposal.method.encodedLength;
  const proposed = succeeded(await submit(api, api.tx.council.propose(threshold, proposal, length), voters[0]), 'council.propose');
  const [{ data: { proposalIndex, proposalHash } }] = eventsOf(proposed.events, api.events.council.Proposed);
  // Every voter, the proposer too: a proposal carries no vote.
  await Promise.all(voters.map(async (voter) =>
    succeeded(await submit(api, api.tx.council.vote(proposalHash, proposalIndex, true), voter), 'council.vote')));
  const { weight } = await proposal.paymentInfo(voters[0]);
  const closed = succeeded(await submit(api, api.tx.council.close(proposalHash, proposalIndex, weight, length), voters[0]), 'council.close');
  const [executed] = eventsOf(closed.events, api.events.council.Executed);
  if (!executed) throw new Error('the motion closed without being executed (disapproved?)');
  return { blockHash: closed.blockHash, error: resultError(api, executed.data.result) };
}

/** The council's members that are development accounts, as signers: every one of them votes. */
export async function devCouncil(api) {
  const members = (await api.query.council.members()).map((m) => DEV_SIGNERS.get(m.toString()));
  if (members.some((m) => !m)) throw new Error('the council has members that are not development accounts');
  return members;
}

/**
 * Do `calls` (one call, or several in one `utility.batchAll`) as the chain's `Root`: with Alice's
 * sudo key on a chain that has one, otherwise by a motion of the development council through
 * `mandate.dispatchAsRoot`. Fails unless every call succeeded.
 */
export async function govern(api, ...calls) {
  const call = calls.length === 1 ? calls[0] : api.tx.utility.batchAll(calls);
  const sudo = await api.query.sudo.key();
  if (sudo.isSome) {
    const signer = DEV_SIGNERS.get(sudo.unwrap().toString());
    const { events } = succeeded(await submit(api, api.tx.sudo.sudo(call), signer), 'sudo');
    const error = resultError(api, eventsOf(events, api.events.sudo.Sudid)[0].data.sudoResult);
    if (error) throw new Error(`${call.method.section}.${call.method.method} as Root failed: ${error}`);
    return;
  }
  const { error } = await motion(api, api.tx.mandate.dispatchAsRoot(call), await devCouncil(api));
  if (error) throw new Error(`${call.method.section}.${call.method.method} by the council failed: ${error}`);
}
