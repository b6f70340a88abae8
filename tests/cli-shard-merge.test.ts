/**
 * Real suite runs through the CLI: `run --shard i/n` then `merge` equals the unsharded run; a missing shard is
 * never conformant; a run against a reference fault is "not conformant" with the failing requirement first in
 * certification.json, certification.html and JUnit, and ends with the one-line summary.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { selectShard } from '../cli/shard.ts';
import type { CertificationReport } from '../reports/certification.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const { NODE_TEST_CONTEXT: _c, ...env } = process.env;
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/obf-conformance.js'), ...args], { env: { ...env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
const cert = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'certification.json'), 'utf8')) as CertificationReport;
const outcome = (r: CertificationReport) => r.scenarios.map((s) => `${s.uri}:${s.line} ${s.testPurpose} ${s.verdict}`);
const SUMMARY = /^\d+ scenarios: \d+ pass, \d+ fail, \d+ inconclusive, \d+ not applicable, \d+ error, \d+ waived; (CONFORMANT|NOT CONFORMANT)$/;

test('selectShard: stable, disjoint, complete and balanced', () => {
  const plan = Array.from({ length: 23 }, (_, i) => ({ uri: `features/f${i % 4}.feature`, location: { line: 10 + i } }));
  const shuffled = [...plan].reverse();
  const shards = [1, 2, 3].map((index) => selectShard(plan, { index, count: 3 }));
  assert.deepEqual([1, 2, 3].map((index) => selectShard(shuffled, { index, count: 3 })), shards, 'independent of plan order');
  const all = shards.flat().map((s) => `${s.uri}:${s.location.line}`);
  assert.equal(new Set(all).size, 23);
  assert.deepEqual(shards.map((s) => s.length), [8, 8, 7]);
});

describe('sharded campaign and fault run (real suite)', () => {
  let dir: string;
  const d = (name: string) => path.join(dir, name);
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'obf-shard-'));
    // two at a time: the machine has two cores
    await Promise.all([cli('run', '--no-allure-report', '--out', d('whole')), cli('run', '--no-allure-report', '--shard', '1/2', '--lab', 'Lab A', '--out', d('s1'))]);
    await Promise.all([
      cli('run', '--no-allure-report', '--shard', '2/2', '--lab', 'Lab A', '--out', d('s2')),
      cli('run', '--no-allure-report', '--reference-fault', 'se-skip-replay-check', '--lab', 'Test lab <1>', '--operator', 'J. Doe', '--out', d('fault')).then((r) => {
        faultRun = r;
      }),
    ]);
  });
  let faultRun: { status: number | null; stdout: string; stderr: string };
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('each shard is a partial run: never conformant on its own', () => {
    const [s1, s2, whole] = [cert(d('s1')), cert(d('s2')), cert(d('whole'))];
    assert.deepEqual(s1.run.shard, { index: 1, count: 2 });
    assert.equal(s1.totals.scenarios + s2.totals.scenarios, whole.totals.scenarios);
    assert.equal(s1.certificate.status, 'not conformant');
    assert.equal(s1.certificate.reasons.at(-1)!.verdict, 'partial');
    assert.equal(whole.certificate.status, 'conformant');
  });

  test('merge of all shards equals the unsharded run', async () => {
    const r = await cli('merge', d('s2'), d('s1'), '--out', d('merged'));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout.trim().split('\n').at(-1)!, SUMMARY);
    const [merged, whole] = [cert(d('merged')), cert(d('whole'))];
    assert.deepEqual(outcome(merged), outcome(whole));
    assert.deepEqual(merged.requirements.map((q) => `${q.id} ${q.verdict} ${q.scenarios.length}`), whole.requirements.map((q) => `${q.id} ${q.verdict} ${q.scenarios.length}`));
    assert.deepEqual(merged.totals, whole.totals);
    assert.deepEqual([merged.verdict, merged.certificate.status, merged.run.shard, merged.run.lab], ['pass', 'conformant', null, 'Lab A']);
    assert.deepEqual(merged.run.mergedFrom!.map((m) => m.shard), [{ index: 2, count: 2 }, { index: 1, count: 2 }]);
    assert.equal(readFileSync(path.join(d('merged'), 'junit.xml'), 'utf8').match(/<testcase /g)!.length, whole.totals.scenarios);
    // one Allure report over both shards (needs Java, as run does)
    const summary = JSON.parse(readFileSync(path.join(d('merged'), 'allure-report', 'widgets', 'summary.json'), 'utf8'));
    assert.deepEqual([summary.statistic.total, summary.statistic.passed], [whole.totals.scenarios, whole.totals.pass]);
    const env = readFileSync(path.join(d('merged'), 'allure-results', 'environment.properties'), 'latin1');
    assert.match(env, /^Run\.shard=merged from 2 runs$/m);
    assert.match(env, /^Run\.lab=Lab A$/m);
  });

  test('a missing shard makes the merge an error, never conformant; the same shard twice is refused', async () => {
    const r = await cli('merge', d('s1'), '--out', d('hole'), '--no-allure-report');
    assert.equal(r.status, 3, r.stdout + r.stderr);
    const hole = cert(d('hole'));
    assert.deepEqual([hole.verdict, hole.certificate.status], ['error', 'not conformant']);
    assert.ok(hole.certificate.reasons.some((x) => /shard 2\/2 is missing/.test(x.message)));
    const twice = await cli('merge', d('s1'), d('s1'), '--out', d('twice'));
    assert.equal(twice.status, 2);
    assert.match(twice.stderr, /^obf-conformance: merge: shard 1\/2 is given twice/);
    const mixed = await cli('merge', d('s1'), d('fault'), '--out', d('mixed'));
    assert.equal(mixed.status, 2);
    assert.match(mixed.stderr, /another (reference fault|system under test)|different splits/);
  });

  test('a reference fault: not conformant, the failing requirement first in JSON, HTML and JUnit', () => {
    assert.equal(faultRun.status, 1, faultRun.stderr);
    assert.match(faultRun.stdout.trim().split('\n').at(-1)!, SUMMARY);
    assert.match(faultRun.stdout.trim().split('\n').at(-1)!, /NOT CONFORMANT$/);
    const report = cert(d('fault'));
    assert.deepEqual([report.verdict, report.certificate.status], ['fail', 'not conformant']);
    const first = report.certificate.reasons[0];
    assert.deepEqual([first.kind, first.verdict], ['requirement', 'fail']);
    assert.ok(report.requirements.find((q) => q.id === first.requirement)!.verdict === 'fail');
    assert.ok(first.testPurposes.some((tp) => ['TP/OBF/DEV/DEC/BI-01', 'TP/OBF/SE/DEC/BI-01', 'TP/OBF/SEC/DOWN/BI-04', 'TP/OBF/SEC/DOWN/BI-05'].includes(tp)), first.testPurposes.join());
    assert.deepEqual([report.run.lab, report.run.operator], ['Test lab <1>', 'J. Doe']);
    const html = readFileSync(path.join(d('fault'), 'certification.html'), 'utf8');
    assert.ok(html.indexOf('id="certificate"') < html.indexOf('<h2>Identity</h2>'), 'the certificate comes first');
    assert.match(html, new RegExp(`<ol id="certificate-reasons"><li data-reason-kind="requirement" data-requirement="${first.requirement!.replace(/\./g, '\\.')}">`));
    assert.ok(html.includes('Test lab &lt;1&gt;') && html.includes('J. Doe'));
    assert.match(html, /All capabilities of the reference implementation/);
    const junit = readFileSync(path.join(d('fault'), 'junit.xml'), 'utf8');
    assert.match(junit, new RegExp(`<testsuites name="obf-conformance" tests="${report.totals.scenarios}" failures="${report.totals.fail}" errors="0" skipped="0"`));
  });
});
