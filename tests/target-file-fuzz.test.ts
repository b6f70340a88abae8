/**
 * The target-file loader on arbitrary input: random text and mutations of the shipped examples end in a target or
 * one YamlSchemaError (a one-line message with a line number), never another exception, and quickly.
 * (issue 7 item 1 lists the loader among the interfaces to fuzz; `npm run fuzz` may run more cases.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseTarget, YamlSchemaError } from '../adapters/target/target-file.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLES = readdirSync(path.join(ROOT, 'examples/targets')).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(path.join(ROOT, 'examples/targets', f), 'utf8'));
const RUNS = Number(process.env.OBF_FUZZ_RUNS ?? 300);

function loadsOrExplains(text: string): void {
  const t0 = performance.now();
  try {
    parseTarget(text, 'fuzz.yaml');
  } catch (e) {
    if (!(e instanceof YamlSchemaError)) throw new Error(`not a YamlSchemaError: ${(e as Error)?.stack ?? e}\n--- input ---\n${text.slice(0, 500)}`);
    assert.match(e.message, /^fuzz\.yaml:\d+: /);
    assert.doesNotMatch(e.message, /\n/);
  }
  assert.ok(performance.now() - t0 < 500, 'loaded within 500 ms');
}

test('random text', () => {
  fc.assert(fc.property(fc.string({ maxLength: 400 }), loadsOrExplains), { numRuns: RUNS, seed: 5 });
});

test('mutated examples: lines dropped, duplicated, re-indented, values swapped', () => {
  const mutate = fc.tuple(fc.constantFrom(...EXAMPLES), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('drop', 'dup', 'indent', 'dedent', 'swap', 'garble')), { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 12 }))
    .map(([text, edits, junk]) => {
      const lines = text.split('\n');
      for (const [a, b, kind] of edits) {
        const i = a % lines.length;
        const j = b % lines.length;
        if (kind === 'drop') lines.splice(i, 1);
        else if (kind === 'dup') lines.splice(i, 0, lines[i]);
        else if (kind === 'indent') lines[i] = `  ${lines[i]}`;
        else if (kind === 'dedent') lines[i] = lines[i].replace(/^ {1,2}/, '');
        else if (kind === 'swap') [lines[i], lines[j]] = [lines[j], lines[i]];
        else lines[i] = lines[i].replace(/:\s*(.*)$/, `: ${junk}`);
      }
      return lines.join('\n');
    });
  fc.assert(fc.property(mutate, loadsOrExplains), { numRuns: RUNS, seed: 7 });
});
