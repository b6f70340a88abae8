/**
 * Fuzz targets of the harness's own input parsers: the AT-line codec both ways (what a device sends and what the
 * reference device is sent: docs/profile/at-commands.md) and the target-file loader (docs/target-file.md).
 * Documented outcomes: a parsed value, AtSyntaxError, or one YamlSchemaError whose message is one line with a
 * line number; anything else is a finding.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { AtSyntaxError, formatAtCommand, parseAtCommand, parseAtResponse } from '../../protocol/at-commands.ts';
import { parseTarget, YamlSchemaError } from '../../adapters/target/target-file.ts';
import { ROOT, type FuzzTarget, finding, onlyTyped } from './target.ts';

const AT_SEEDS = ['AT', 'ATZ', 'ATE0', 'ATE1', 'AT+OBFSTATE?', 'AT+CSIM=10,"00A4040000"', 'AT+OBFDL="027000000D0D"', 'AT+OBFUL=1,1,"48656C6C6F"', 'OK', 'ERROR', '+CME ERROR: 13', '+CSIM: 4,"9000"', '+OBFSTATE: "127.0.0.1",8080,"",0,3', '+OBFRDY'];

/** A seed line with characters replaced, inserted or dropped, or random text (quotes, commas and digits favoured). */
const atLine = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('A', 'T', '+', '=', ',', '"', '?', '0', '9', 'F', ' ', '\\', ':'), maxLength: 60 }) },
  {
    weight: 4,
    arbitrary: fc.tuple(fc.constantFrom(...AT_SEEDS), fc.array(fc.tuple(fc.nat(), fc.constantFrom('drop', 'dup', 'quote', 'comma', 'digit', 'char')), { maxLength: 4 }), fc.string({ minLength: 1, maxLength: 1 }))
      .map(([seed, edits, c]) => edits.reduce((s, [at, op]) => {
        const i = s.length ? at % s.length : 0;
        const put = (x: string) => s.slice(0, i) + x + s.slice(i);
        return op === 'drop' ? s.slice(0, i) + s.slice(i + 1) : op === 'dup' ? put(s[i] ?? '') : op === 'quote' ? put('"') : op === 'comma' ? put(',') : op === 'digit' ? put(String(at % 10)) : put(c);
      }, seed)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 1100 }).map((n) => `AT+OBFDL="${'0'.repeat(n)}"`) },
);

export const atCodecTarget: FuzzTarget = {
  name: 'AT-line codec (commands and responses)',
  ciRuns: 2000,
  caseTimeoutMs: 5000,
  open() {
    return {
      property: fc.property(atLine, (line) => {
        try {
          const c = parseAtCommand(line);
          // What parses must format back to a line that parses to the same command.
          const again = parseAtCommand(formatAtCommand(c));
          finding(JSON.stringify(again, (_k, v) => (v instanceof Uint8Array ? [...v] : v)) === JSON.stringify(c, (_k, v) => (v instanceof Uint8Array ? [...v] : v)), () => `command does not survive format/parse: ${JSON.stringify(line)}`);
        } catch (e) {
          onlyTyped(e, [AtSyntaxError], `parseAtCommand(${JSON.stringify(line.slice(0, 80))})`);
        }
        try {
          parseAtResponse(line);
        } catch (e) {
          onlyTyped(e, [AtSyntaxError], `parseAtResponse(${JSON.stringify(line.slice(0, 80))})`);
        }
      }),
    };
  },
};

export const targetFileTarget: FuzzTarget = {
  name: 'target-file loader (YAML)',
  ciRuns: 300,
  caseTimeoutMs: 5000,
  open() {
    const dir = path.join(ROOT, 'examples/targets');
    const examples = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(path.join(dir, f), 'utf8'));
    const text = fc.oneof(
      { weight: 1, arbitrary: fc.string({ maxLength: 400 }) },
      {
        weight: 3,
        arbitrary: fc.tuple(fc.constantFrom(...examples), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('drop', 'dup', 'indent', 'dedent', 'swap', 'garble')), { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 12 }))
          .map(([t, edits, junk]) => {
            const lines = t.split('\n');
            for (const [a, b, kind] of edits) {
              const i = a % lines.length;
              const j = b % lines.length;
              if (kind === 'drop') lines.splice(i, 1);
              else if (kind === 'dup') lines.splice(i, 0, lines[i]);
              else if (kind === 'indent') lines[i] = `  ${lines[i]}`;
              else if (kind === 'dedent') lines[i] = lines[i].replace(/^ {1,2}/, '');
              else if (kind === 'swap') [lines[i], lines[j]] = [lines[j], lines[i]];
              else lines[i] = lines[i].replace(/:\s.*$/, `: ${junk}`);
            }
            return lines.join('\n');
          }),
      },
    );
    return {
      property: fc.property(text, (t) => {
        try {
          parseTarget(t, 'fuzz.yaml');
        } catch (e) {
          onlyTyped(e, [YamlSchemaError], 'parseTarget');
          const m = (e as Error).message;
          finding(/^fuzz\.yaml:\d+: /.test(m) && !m.includes('\n'), () => `not one line with a line number: ${JSON.stringify(m.slice(0, 120))}`);
        }
      }),
    };
  },
};
