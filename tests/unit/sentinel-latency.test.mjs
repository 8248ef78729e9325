// The e2e's reading of the worker's log: a suspension later than two blocks after a burst passes
// only when the log shows the worker waiting for the CPU, never when a run skipped the burst.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unexplainedLatency, workerRuns } from '../lib/sentinel.mjs';

const burst = { firstBlock: 17, lastBlock: 18 };
const line = (block, what) => `2026-12-07 12:10:48 INFO tokio-runtime-worker sentinel: block ${block}: ${what}\n`;
const scored = (block, reports) => line(block, `scored 1 practitioner(s) in 480 ms, ${reports} report(s) sent`);
const locked = (block) => line(block, 'the previous run is still scoring; 1 practitioner(s) wait for the next run');
const outOfBudget = (block) => line(block, 'out of the 500 ms budget; 1 practitioner(s) carried to the next run');

test('the log reads as runs: scored, reports sent, delayed', () => {
  const log = scored(17, 0) + outOfBudget(18) + line(18, 'scored 0 practitioner(s) in 501 ms, 0 report(s) sent') + locked(19);
  assert.deepEqual(workerRuns(log), [
    { block: 17, scored: 1, reports: 0, delayed: false },
    { block: 18, scored: 0, reports: 0, delayed: true },
    { block: 19, scored: 0, reports: 0, delayed: true },
  ]);
});

test('within two blocks of the burst needs no explanation', () => {
  assert.equal(unexplainedLatency(burst, 20, ''), null);
});

test('a later suspension passes when every run before the report was delayed', () => {
  assert.equal(unexplainedLatency(burst, 21, locked(18) + scored(19, 1)), null);
  // The report lost by the pool, sent again by the follow-up run.
  assert.equal(unexplainedLatency(burst, 22, outOfBudget(18) + locked(19) + scored(20, 1) + scored(21, 1)), null);
});

test('a run that had the time and sent nothing, or a report slow to land, is a failure', () => {
  assert.match(unexplainedLatency(burst, 21, scored(18, 0) + scored(19, 1)), /#18: scored 1, 0 report\(s\)/);
  assert.match(unexplainedLatency(burst, 22, scored(18, 1)), /suspended in #22, burst ended in #18/);
  assert.match(unexplainedLatency(burst, 21, ''), /none logged/);
});
