/**
 * Every fuzz target of `npm run fuzz` (scripts/fuzz/targets.ts) with its small seeded count (FuzzTarget.ciRuns):
 * each case must end in a result or the interface's documented, typed error, within the case bound, with no
 * unhandled rejection. A target added to FUZZ_TARGETS is tested here without further edits.
 */
import { test } from 'node:test';
import { runFuzzTarget } from '../scripts/fuzz/run-target.ts';
import { FUZZ_TARGETS } from '../scripts/fuzz/targets.ts';

const SEED = 20261203;

for (const target of FUZZ_TARGETS) {
  test(`fuzz: ${target.name}: ${target.ciRuns} seeded cases, no finding`, { timeout: 120_000 }, async () => {
    await runFuzzTarget(target, { runs: target.ciRuns, seed: SEED });
  });
}
