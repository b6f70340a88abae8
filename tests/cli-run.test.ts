/**
 * The run, faults, report and reference commands on bad input: one line on stderr, exit code 2, no stack trace,
 * and earlier reports kept. (The suite itself is exercised by scripts/test-all.ts.)
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/obf-conformance.js'), ...args], { encoding: 'utf8', timeout: 60_000 });

function expectUsageError(args: string[], pattern: RegExp): void {
  const r = cli(...args);
  assert.equal(r.status, 2, `exit code of ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.match(lines[0], pattern);
}

describe('bad input to the commands is one line and exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['bogus'], /unknown command 'bogus'/],
    [['run', '--reference-fault', 'no-such-fault'], /unknown reference fault 'no-such-fault'/],
    [['run', '--reference-fault', ''], /needs a fault name/],
    [['run', '--tags', '@a and ('], /not a valid tag expression/],
    [['run', '--tags', ''], /--tags is empty/],
    [['run', '--tags', 'OBF-B.2-up-3'], /tags start with @/],
    [['run', '--tags', '@no-such-tag'], /matches no scenario/],
    [['run', '--out', ''], /--out is empty/],
    [['run', '--parallel', '0'], /--parallel must be/],
    [['run', '--parallel', '-1'], /write --parallel=<value>/],
    [['run', '--timeout', 'soon'], /--timeout must be/],
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['faults', 'extra'], /^obf-conformance: faults: unexpected argument 'extra'; this command takes only options \(see 'obf-conformance faults --help'\)$/],
    [['run', '--shard'], /^obf-conformance: run: option --shard needs a value \(see 'obf-conformance run --help'\)$/],
    // An option given twice is refused, not silently the last one (a shard or lab the user did not mean).
    [['run', '--shard', '1/2', '--shard', '2/2'], /^obf-conformance: run: option --shard given twice/],
    [['run', '--lab', 'A', '--lab', 'B'], /^obf-conformance: run: option --lab given twice/],
    [['run', '--out=/tmp/a', '--out', '/tmp/b'], /option --out given twice/],
    [['merge', 'a', '--out', 'x', '--out', 'y'], /^obf-conformance: merge: option --out given twice/],
    [['verify', 'p.tar', '--pub', 'a.pub', '--pub', 'b.pub'], /^obf-conformance: verify: option --pub given twice/],
    [['packet', 'decode', '00', '--kic-key', '00', '--kic-key', '11'], /^obf-conformance: packet decode: option --kic-key given twice/],
    [['load', '--devices', '1', '--devices', '2'], /^obf-conformance: load: option --devices given twice/],
    [['report'], /give a command/],
    [['report', 'bogus'], /unknown report command/],
    [['report', 'serve', '/no/such/folder'], /does not exist/],
    [['reference', 'serve', '--port', '70000'], /--port must be/],
    [['reference', 'serve', '--reference-fault', 'nope'], /unknown reference fault/],
    [['packet'], /give a command/],
    [['run', '--shard', '3/2'], /--shard 3\/2: i must be 1..n/],
    [['run', '--shard', 'half'], /--shard 'half' is not i\/n/],
    [['run', '--shard', '1000/1000'], /holds no scenario/],
    [['run', '--lab', ' '], /--lab must be one line/],
    [['run', '--operator', 'a\nb'], /--operator must be one line/],
    [['run', '--waivers', '/no/such/waivers.yaml'], /cannot read waivers file/],
    [['merge'], /give the run folders/],
    [['merge', '/no/such/run', '--out', '/tmp/never-written'], /is not a folder/],
  ];
  for (const [args, pattern] of cases) test(args.join(' ') || '(none)', () => expectUsageError(args, pattern));

  test('run --waivers with a mistake names the file, the entry and the field', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-cli-'));
    const file = path.join(dir, 'waivers.yaml');
    writeFileSync(file, 'waivers:\n  - testPurpose: TP/OBF/AS/DEC/BI-01\n    sut: P\n    justification: J\n    expires: 2027-01-01\n');
    expectUsageError(['run', '--waivers', file], /waivers file .*waivers\.yaml, entry 1: 'approver' must be a non-empty text/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('run --waivers: an impossible date, or a test purpose the suite does not have, is refused', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-cli-'));
    const file = path.join(dir, 'waivers.yaml');
    const waiver = (tp: string, expires: string) => writeFileSync(file, `waivers:\n  - testPurpose: ${tp}\n    sut: P\n    justification: J\n    approver: A\n    expires: ${expires}\n`);
    try {
      waiver('TP/OBF/AS/DEC/BI-01', '2027-02-30');
      expectUsageError(['run', '--waivers', file], /entry 1: expires '2027-02-30' is not a day of the calendar/);
      waiver('TP/OBF/NOPE/BI-99', '2027-03-31');
      expectUsageError(['run', '--waivers', file], /entry 1: testPurpose 'TP\/OBF\/NOPE\/BI-99' is not a test purpose of this suite/);
      waiver('TP/OBF/AS/DEC/BI-1', '2027-03-31');
      expectUsageError(['merge', dir, '--out', path.join(dir, 'm'), '--waivers', file], /^obf-conformance: merge: .*did you mean 'TP\/OBF\/AS\/DEC\/BI-01'\?/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('run --out naming a file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-cli-'));
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    try {
      expectUsageError(['run', '--out', file], /not a folder/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('run --out naming a folder with other content leaves it untouched', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-cli-'));
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    try {
      expectUsageError(['run', '--out', dir], /other content/);
      assert.deepEqual(readdirSync(dir), ['notes.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a tag filter matching nothing keeps the earlier reports', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-cli-'));
    mkdirSync(path.join(dir, 'allure-results'));
    writeFileSync(path.join(dir, 'certification.json'), '{"earlier":true}');
    try {
      expectUsageError(['run', '--out', dir, '--tags', '@no-such-tag'], /earlier reports were kept/);
      assert.deepEqual(readdirSync(dir).sort(), ['allure-results', 'certification.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('report serve on a folder without reports', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-cli-'));
    try {
      expectUsageError(['report', 'serve', dir], /holds no reports/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runs that do not give a whole result say so', () => {
  test('a partial run (--tags) that passed prints INCOMPLETE, not PASS, above NOT CONFORMANT; certification.json keeps verdict pass', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-cli-'));
    try {
      const r = cli('run', '--tags', '@TP/OBF/AS/DEC/BI-01', '--no-allure-report', '--out', dir);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.match(lines.at(-2)!, /^verdict: INCOMPLETE: .*passed this partial run.*A partial run does not establish conformance\.$/);
      assert.match(lines.at(-1)!, /; NOT CONFORMANT$/);
      const report = JSON.parse(readFileSync(path.join(dir, 'certification.json'), 'utf8')) as { verdict: string; certificate: { complete: boolean } };
      assert.equal(report.verdict, 'pass');
      assert.equal(report.certificate.complete, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('verdictLine: INCOMPLETE only for a partial run that passed; a failure found in a partial run stays FAIL', async () => {
    const { verdictLine } = await import('../reports/run-reports.ts');
    const line = (verdict: 'pass' | 'fail', complete: boolean) => verdictLine({ verdict, conclusion: 'C', certificate: { complete } as never });
    assert.equal(line('pass', false), 'verdict: INCOMPLETE: C');
    assert.equal(line('pass', true), 'verdict: PASS: C');
    assert.equal(line('fail', false), 'verdict: FAIL: C');
  });

  test('Ctrl-C during a run: exit 130 and one line saying the reports in --out are incomplete', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-cli-'));
    try {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/obf-conformance.js'), 'run', '--no-allure-report', '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      // "running N scenarios" is printed after the clean-up of --out: from then on the earlier reports are gone.
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (/running \d+ scenarios/.test(stdout) && child.exitCode === null) child.kill('SIGINT');
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
      clearTimeout(killer);
      assert.equal(signal, null, `ended by ${signal}; stderr: ${stderr}`);
      assert.equal(code, 130, stderr);
      assert.equal(stderr, `interrupted: the reports in ${dir} are incomplete\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reference serve', () => {
  test('prints the RPR token, and it is the one the Resource Server takes on RPR', async () => {
    const { startReferenceChild } = await import('../cli/reference-child.ts');
    const child = await startReferenceChild();
    try {
      const { rpr, rsAdmin } = child.tokens;
      assert.match(rpr, /^[\w-]{20,}$/);
      const rights = (token: string) => fetch(`${new URL(child.resourceServer).origin}/obf/v1/rs/rpr/rights`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      const withRpr = await rights(rpr);
      assert.ok(withRpr.status !== 401 && withRpr.status !== 403, `RPR token refused: ${withRpr.status}`);
      const withAdmin = await rights(rsAdmin);
      assert.ok(withAdmin.status === 401 || withAdmin.status === 403, `the admin token is not the RPR one: ${withAdmin.status}`);
    } finally {
      await child.stop();
    }
  });

  test('--help says the ports follow one another only with --port', () => {
    const r = cli('reference', 'serve', '--help');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /only with --port; without it each server gets its own free port, unrelated to the\s+others/);
  });
});

describe('repeatable options', () => {
  test('--reference-fault may be given more than once (documented as repeatable)', async () => {
    const { parseRunArgs } = await import('../cli/run-command.ts');
    const r = parseRunArgs(['--reference-fault', 'se-skip-replay-check', '--reference-fault', 'se-ignore-integrity', '--out', path.join(os.tmpdir(), 'obf-cli-never-written')]);
    assert.equal(r.kind, 'run');
    if (r.kind === 'run') assert.deepEqual(r.options.faults, ['se-skip-replay-check', 'se-ignore-integrity']);
  });
  test('a flag given twice changes nothing and is accepted', () => {
    const r = cli('faults', '--json', '--json');
    assert.equal(r.status, 0, r.stderr);
  });
});

describe('help', () => {
  for (const args of [['--help'], ['run', '--help'], ['faults', '--help'], ['report', '--help'], ['report', 'serve', '--help'], ['reference', 'serve', '--help'], ['packet', '--help']]) {
    test(args.join(' '), () => {
      const r = cli(...args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Usage: obf-conformance/);
    });
  }
  test('faults lists every reference fault with the clause it breaks', () => {
    const r = cli('faults', '--json');
    assert.equal(r.status, 0);
    const faults = JSON.parse(r.stdout) as Record<string, { breaks: string }>;
    assert.ok(Object.keys(faults).length >= 6);
    // Each names the draft clause first: Appendix B, or a clause of the body (6.4.2 RPB for GBA on the card).
    for (const f of Object.values(faults)) assert.match(f.breaks, /^(B\.2|[1-9]\.\d)/);
  });
});
