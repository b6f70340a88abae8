/**
 * npm run fuzz [-- --runs <n>] [--seed <n>] [--only <text>]: every fuzz target of scripts/fuzz/targets.ts with
 * 100,000 cases each (issue 7 item 1), printing cases and time per interface. Exit 1 on the first finding, with
 * fast-check's report (seed, path and shrunk counterexample: replay with --seed and --only). `npm test` runs the
 * same targets with small seeded counts (tests/fuzz-*.test.ts).
 */
import { parseArgs } from 'node:util';
import { FUZZ_TARGETS } from './fuzz/targets.ts';
import { runFuzzTarget } from './fuzz/run-target.ts';

const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' } } });
const runs = values.runs === undefined ? 100_000 : Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  process.stderr.write('fuzz: --runs and --seed must be integers (runs >= 1)\n');
  process.exit(2);
}
const targets = FUZZ_TARGETS.filter((t) => !values.only || t.name.includes(values.only));
if (targets.length === 0) {
  process.stderr.write(`fuzz: no target matches '${values.only}'; targets: ${FUZZ_TARGETS.map((t) => t.name).join('; ')}\n`);
  process.exit(2);
}
console.log(`fuzz: ${targets.length} interfaces, ${runs.toLocaleString('en')} cases each, seed ${seed}`);
let total = 0;
const start = performance.now();
for (const t of targets) {
  try {
    const r = await runFuzzTarget(t, { runs, seed });
    total += r.runs;
    console.log(`  ${t.name.padEnd(60)} ${r.runs.toLocaleString('en').padStart(9)} cases  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${Math.round(r.runs / (r.ms / 1000)).toLocaleString('en').padStart(8)}/s  slowest case ${r.slowestMs.toFixed(1)} ms`);
  } catch (e) {
    console.log(`  ${t.name}: FINDING\n${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
    break;
  }
}
console.log(`fuzz: ${total.toLocaleString('en')} cases in ${((performance.now() - start) / 1000).toFixed(1)} s, ${process.exitCode ? 'a finding (above)' : 'no finding'}`);
