/**
 * Fuzz target of the command line's argument parsing: random argument lists for every command that ends by
 * itself (packet decode and encode, milenage, gba derive, faults, the help texts, unknown commands) through
 * main(), and for `run` through its parser (parseRunArgs: running the suite per case is not fuzzing).
 * `reference serve` and `report serve` start servers that run until stopped and are left out. Documented
 * outcome (README, cli/usage-error.ts): exit 0 or 1 with output, or exit 2 with exactly one line on stderr;
 * never 3 (internal error) and never a stack trace.
 */
import fc from 'fast-check';
import { main, reportFailure } from '../../cli/main.ts';
import { parseRunArgs } from '../../cli/run-command.ts';
import { type FuzzTarget, finding } from './target.ts';

const COMMANDS = [['packet', 'decode'], ['packet', 'encode'], ['milenage'], ['gba', 'derive'], ['faults'], ['packet'], ['gba'], ['reference'], ['report'], ['help'], ['run'], ['nonsense'], []];
const OPTIONS = [
  '--kic-key', '--kid-key', '--json', '--spi', '--kic', '--kid', '--tar', '--cntr', '--data', '--padding', '--udh', '--k', '--op', '--opc',
  '--rand', '--sqn', '--amf', '--ks', '--impi', '--naf-id', '--gba-u', '--out', '--tags', '--reference-fault', '--list-faults',
  '--no-allure-report', '--parallel', '--timeout', '--help', '-h', '--port', '--', '-', '--unknown', '-x',
];
const SAMPLE = '02700000281101001515A0000300000000000368E70C3223697031203132372E302E302E312038303830000000';
const hex = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: max });
const value = fc.oneof(
  hex(80), fc.constantFrom(SAMPLE, '1600', '12', 'A00003', '0000000001', '200102030405060708090a0b0c0d0e0f', '0x12', '12 34', '', ' ', '-1', '1e3', '99999999999', 'NaN',
    '@OBF-B.2-up-3', '(@a or', 'not', 'se-skip-replay-check', 'se-skip-replay-check,', ',', '/proc/x', '/nonexistent/dir', '.', 'user@realm', '\u0000'),
  fc.string({ maxLength: 30 }),
);
const token = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...OPTIONS) },
  { weight: 3, arbitrary: value },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...OPTIONS), value).map(([o, v]) => `${o}=${v}`) },
);

export const cliTarget: FuzzTarget = {
  name: 'command-line argument parsing',
  ciRuns: 1500,
  caseTimeoutMs: 5000,
  async open() {
    // Each case captures stdout and stderr while a command runs; let what others queued for them (node:test's
    // reports of earlier tests) go out first, or it would be captured with the command's output and lost.
    await new Promise((r) => setTimeout(r, 100));
    return {
      property: fc.asyncProperty(fc.constantFrom(...COMMANDS), fc.array(token, { maxLength: 10 }), async (command, rest) => {
        const argv = [...command, ...rest];
        const out: string[] = [];
        const err: string[] = [];
        const saved = { log: console.log, error: console.error, out: process.stdout.write, err: process.stderr.write };
        console.log = (...a: unknown[]) => void out.push(a.join(' '));
        console.error = (...a: unknown[]) => void err.push(a.join(' '));
        process.stdout.write = ((c: string | Uint8Array) => (out.push(String(c)), true)) as typeof process.stdout.write;
        process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
        let code: number;
        try {
          if (command[0] === 'run') {
            try {
              parseRunArgs(rest);
              code = 0;
            } catch (e) {
              code = reportFailure(e);
            }
          } else {
            code = await main(argv);
          }
        } finally {
          Object.assign(console, { log: saved.log, error: saved.error });
          process.stdout.write = saved.out;
          process.stderr.write = saved.err;
        }
        const stderr = err.join('');
        const shown = JSON.stringify(argv);
        finding(code !== 3, () => `internal error for ${shown}: ${stderr.slice(0, 500)}`);
        finding([0, 1, 2].includes(code), () => `exit code ${code} for ${shown}`);
        finding(!/\n\s+at /.test(stderr), () => `stack trace for ${shown}: ${stderr.slice(0, 300)}`);
        // No arguments at all: the help on stdout with exit 2 (cli/main.ts), the one usage answer longer than a line.
        if (code === 2 && argv.length > 0) finding(stderr.trim().split('\n').length === 1 && stderr.startsWith('obf-conformance: '), () => `exit 2 without exactly one line on stderr for ${shown}: ${JSON.stringify(stderr.slice(0, 300))}`);
      }),
    };
  },
};
