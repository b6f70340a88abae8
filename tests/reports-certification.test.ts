/** buildCertification on a real cucumber-js run of the report fixture, and on synthetic message streams. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REQUIREMENTS } from '../harness/requirements.ts';
import { buildCertification, type CertificationReport, type ScenarioVerdict } from '../reports/certification.ts';
import { validateSchema } from './json-schema-lite.ts';
import { fakeStream, failedWith, PASSED } from './report-messages.ts';
import { fixtureMeta, runFixtureSuite, type FixtureRun } from './report-fixture.ts';

const schema = JSON.parse(readFileSync(new URL('../reports/certification.schema.json', import.meta.url), 'utf8'));
const META = fixtureMeta('2025-01-01T00:00:00Z', '2025-01-01T00:00:05Z', 'test');
const byTp = (report: CertificationReport, tp: string): ScenarioVerdict[] => report.scenarios.filter((s) => s.testPurpose === tp);

describe('certification report of the fixture suite', () => {
  let run: FixtureRun;
  let ndjson: string;
  let report: CertificationReport;
  before(async () => {
    run = await runFixtureSuite(mkdtempSync(path.join(tmpdir(), 'obf-cert-')));
    ndjson = readFileSync(run.messagesPath, 'utf8');
    report = buildCertification(ndjson, run.meta);
  });
  after(() => rmSync(run.runDir, { recursive: true, force: true }));

  test('cucumber-js ran the fixture and failed (exit code 1)', () => {
    assert.equal(run.exitCode, 1, run.output);
    assert.match(run.output, /8 scenarios \(4 failed, 1 skipped, 3 passed\)/);
  });

  test('cucumber records the error class name as exception.type', () => {
    const types = ndjson.trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.testStepFinished?.testStepResult.exception)
      .map((m) => m.testStepFinished.testStepResult.exception.type);
    assert.deepEqual([...new Set(types)].sort(), ['Inconclusive', 'NonConformance', 'TypeError']);
  });

  test('one verdict per scenario, from the worst step and the exception type', () => {
    const verdicts = Object.fromEntries(report.scenarios.filter((s) => s.testPurpose !== 'TP/OBF/FIX/OUT-01').map((s) => [s.testPurpose, s.verdict]));
    assert.deepEqual(verdicts, {
      'TP/OBF/FIX/PASS-01': 'pass',
      'TP/OBF/FIX/FAIL-01': 'fail',
      'TP/OBF/FIX/INC-01': 'inconclusive',
      'TP/OBF/FIX/ERR-01': 'error',
      'TP/OBF/FIX/NA-01': 'not-applicable',
      'TP/OBF/FIX/RETRY-01': 'pass',
    });
    assert.deepEqual(report.totals, { scenarios: 8, pass: 3, fail: 2, inconclusive: 1, notApplicable: 1, error: 1, waived: 0 });
  });

  test('reasons are the first line of the error message', () => {
    assert.equal(byTp(report, 'TP/OBF/FIX/FAIL-01')[0].reason, 'importKey accepted a replayed packet <counter 5>: expected status 0x0B & no key, actual status 0x00');
    assert.equal(byTp(report, 'TP/OBF/FIX/INC-01')[0].reason, 'no answer from the SUT within 50 ms');
    const err = byTp(report, 'TP/OBF/FIX/ERR-01')[0];
    assert.equal(err.exceptionType, 'TypeError');
    assert.match(err.reason ?? '', /^Cannot read properties of undefined/);
    assert.equal(byTp(report, 'TP/OBF/FIX/PASS-01')[0].reason, null);
    assert.match(byTp(report, 'TP/OBF/FIX/NA-01')[0].reason ?? '', /capability is not declared/);
  });

  test('a retried scenario keeps its last attempt', () => {
    const [retried] = byTp(report, 'TP/OBF/FIX/RETRY-01');
    assert.equal(retried.attempts, 2);
    assert.equal(retried.verdict, 'pass');
  });

  test('Scenario Outline rows are distinct scenarios', () => {
    const rows = byTp(report, 'TP/OBF/FIX/OUT-01');
    assert.equal(rows.length, 2);
    assert.deepEqual(rows.map((r) => r.example), [{ length: '16', outcome: 'accepted' }, { length: '17', outcome: 'rejected' }]);
    assert.deepEqual(rows.map((r) => r.verdict), ['pass', 'fail']);
    assert.notEqual(rows[0].line, rows[1].line);
    assert.deepEqual(rows.map((r) => r.name), ['importKey handles key length 16', 'importKey handles key length 17']);
  });

  test('overall verdict fail; the conclusion lists failed, then inconclusive, then errored test purposes', () => {
    assert.equal(report.verdict, 'fail');
    const c = report.conclusion;
    assert.match(c, /^Fixture SUT <ref> & "co" is not conformant: 2 scenarios failed \(TP\/OBF\/FIX\/FAIL-01, TP\/OBF\/FIX\/OUT-01\)/);
    assert.ok(c.indexOf('failed') < c.indexOf('inconclusive') && c.indexOf('inconclusive') < c.indexOf('harness error'), c);
    assert.ok(c.includes('TP/OBF/FIX/INC-01') && c.includes('TP/OBF/FIX/ERR-01'));
    assert.ok(!c.includes('RETRY-01') && !c.includes('NA-01'));
  });

  test('every catalogue requirement is listed; uncovered ones as not-covered; extra OBF tags are added', () => {
    const ids = report.requirements.map((r) => r.id);
    assert.deepEqual(ids.slice(0, REQUIREMENTS.length), REQUIREMENTS.map((r) => r.id));
    const get = (id: string) => report.requirements.find((r) => r.id === id)!;
    assert.equal(get('OBF-B.2.2.3.1').verdict, 'fail'); // feature-level tag: inherited by all 8 scenarios
    assert.equal(get('OBF-B.2.2.3.1').scenarios.length, 8);
    assert.equal(get('OBF-B.2-up-3').verdict, 'fail');
    assert.deepEqual(get('OBF-B.2-up-3').scenarios.map((s) => s.testPurpose), ['TP/OBF/FIX/FAIL-01']);
    assert.equal(get('OBF-6.4.2-RPB').verdict, 'not-covered');
    assert.deepEqual(get('OBF-6.4.2-RPB').scenarios, []);
    const extra = get('OBF-FIX-extra');
    assert.deepEqual([extra.catalogued, extra.area, extra.verdict], [false, 'uncatalogued', 'error']);
    assert.deepEqual([report.coverage.catalogued, report.coverage.covered], [REQUIREMENTS.length, 2]);
    assert.ok(report.coverage.notCovered.includes('OBF-6.4.2-RPB'));
    assert.ok(report.problems.some((p) => p.severity === 'warning' && p.message.includes('@OBF-FIX-extra')));
    assert.ok(!report.problems.some((p) => p.severity === 'error'), JSON.stringify(report.problems));
  });

  test('the report matches its JSON Schema and carries suite, SUT and run identity', () => {
    assert.deepEqual(validateSchema(schema, JSON.parse(JSON.stringify(report))), []);
    assert.equal(report.schema, 'obf-conformance/certification');
    assert.equal(report.schemaVersion, '1.1.0');
    assert.equal(report.sut.fault, 'replay-accepted');
    assert.equal(report.suite.commit, run.meta.suite.commit);
    assert.equal(report.run.cucumberVersion, '12.9.0');
    assert.equal(report.run.nodeVersion, process.versions.node);
  });
});

describe('certification report of synthetic message streams', () => {
  test('all applicable scenarios passed: conformant', () => {
    const report = buildCertification(fakeStream([
      { name: 'a', tags: ['@OBF-6.4.2-RPB', '@TP/OBF/X/A-01'], attempts: [[PASSED, PASSED]] },
      { name: 'b', tags: ['@OBF-6.4.2-RPB', '@TP/OBF/X/B-01'], attempts: [[PASSED, { status: 'SKIPPED' }]] },
    ]), META);
    assert.equal(report.verdict, 'pass');
    assert.match(report.conclusion, /^Fixture SUT <ref> & "co" is conformant to the 1 requirement this suite covers: all 1 applicable scenario passed, 1 not applicable; \d+ catalogued requirements have no scenario in this suite version and are not certified\.$/);
    assert.deepEqual(validateSchema(schema, report), []);
  });

  test('requirement whose scenarios are all not applicable is not-applicable; nothing applicable is inconclusive', () => {
    const report = buildCertification(fakeStream([{ name: 'a', tags: ['@OBF-6.4.2-RPO', '@TP/OBF/X/A-01'], attempts: [[{ status: 'SKIPPED' }]] }]), META);
    assert.equal(report.requirements.find((r) => r.id === 'OBF-6.4.2-RPO')!.verdict, 'not-applicable');
    assert.equal(report.verdict, 'inconclusive');
    assert.match(report.conclusion, /is not established: no applicable scenario was executed\.$/);
  });

  test('retries: the last attempt decides, whatever the order of earlier failures', () => {
    const report = buildCertification(fakeStream([
      { name: 'flaky', tags: ['@OBF-6.4.2-RPA', '@TP/OBF/X/F-01'], attempts: [[failedWith('Inconclusive', 'timeout')], [failedWith('NonConformance', 'bad MAC\nexpected: 1')]] },
    ]), META);
    assert.deepEqual([report.scenarios[0].verdict, report.scenarios[0].attempts, report.scenarios[0].reason], ['fail', 2, 'bad MAC']);
  });

  test('undefined, ambiguous and pending steps, and the first failure, give verdict error with a reason', () => {
    const report = buildCertification(fakeStream([
      { name: 'u', tags: ['@OBF-6.4.2-RPA', '@TP/OBF/X/U-01'], attempts: [[PASSED, { status: 'UNDEFINED', text: 'an unknown step' }]] },
      { name: 'p', tags: ['@OBF-6.4.2-RPA', '@TP/OBF/X/P-01'], attempts: [[{ status: 'PENDING', text: 'a pending step' }]] },
      { name: 'two', tags: ['@OBF-6.4.2-RPA', '@TP/OBF/X/T-01'], attempts: [[failedWith('NonConformance', 'first'), failedWith('TypeError', 'after hook')]] },
    ]), META);
    assert.deepEqual(report.scenarios.map((s) => s.verdict), ['error', 'error', 'fail']);
    assert.match(report.scenarios[0].reason ?? '', /undefined step.*an unknown step/);
    assert.match(report.scenarios[1].reason ?? '', /pending step.*a pending step/);
    assert.equal(report.scenarios[2].reason, 'first');
    assert.equal(report.verdict, 'fail');
  });

  test('an interrupted run: unstarted and unfinished scenarios are errors and the run is a fault', () => {
    const report = buildCertification(fakeStream([
      { name: 'done', tags: ['@OBF-6.4.2-RPA', '@TP/OBF/X/D-01'], attempts: [[PASSED]] },
      { name: 'cut', tags: ['@OBF-6.4.2-RPA', '@TP/OBF/X/C-01'], attempts: [[PASSED]], finished: false },
      { name: 'never', tags: ['@OBF-6.4.2-RPA', '@TP/OBF/X/N-01'], attempts: [] },
    ], { runFinished: false }) + '{"testCaseStar', META);
    assert.deepEqual(report.scenarios.map((s) => s.verdict), ['pass', 'error', 'error']);
    assert.match(report.scenarios[2].reason ?? '', /not executed/);
    assert.equal(report.verdict, 'error');
    assert.ok(report.problems.some((p) => p.severity === 'error' && /no testRunFinished/.test(p.message)));
    assert.ok(report.problems.some((p) => /not JSON/.test(p.message)));
    assert.deepEqual(validateSchema(schema, report), []);
  });

  test('a parse error and a failed BeforeAll hook are run faults', () => {
    const report = buildCertification(fakeStream([{ name: 'a', tags: ['@OBF-6.4.2-RPA', '@TP/OBF/X/A-01'], attempts: [[PASSED]] }], {
      extra: [
        { parseError: { source: { uri: 'features/broken.feature' }, message: '(3:5): expected: #TagLine, got: Foo' } },
        { testRunHookFinished: { testRunHookStartedId: 'h', result: { status: 'FAILED', exception: { type: 'Error', message: 'pcscd not running' } }, timestamp: { seconds: 0, nanos: 0 } } },
      ],
    }), META);
    assert.equal(report.verdict, 'error');
    assert.match(report.conclusion, /the run had 2 faults \(feature file could not be parsed: features\/broken\.feature.*pcscd not running\)/);
  });

  test('tagging mistakes are warnings: missing test purpose, no requirement', () => {
    const report = buildCertification(fakeStream([{ name: 'untagged', tags: [], attempts: [[PASSED]] }]), META);
    assert.equal(report.verdict, 'pass');
    assert.equal(report.scenarios[0].testPurpose, null);
    assert.deepEqual(report.problems.map((p) => p.severity), ['warning', 'warning']);
  });

  test('an empty stream is an error, not a pass', () => {
    const report = buildCertification('', META);
    assert.equal(report.verdict, 'error');
    assert.equal(report.totals.scenarios, 0);
    assert.equal(report.requirements.filter((r) => r.verdict === 'not-covered').length, REQUIREMENTS.length);
  });
});
