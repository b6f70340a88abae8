/** JUnit XML: only pass passes; fail and inconclusive are failures, error is an error, not applicable is skipped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCertification } from '../reports/certification.ts';
import { renderJunitXml, xmlEscape } from '../reports/junit.ts';
import { fixtureMeta } from './report-fixture.ts';
import { fakeStream, failedWith, PASSED } from './report-messages.ts';

const report = buildCertification(fakeStream([
  { name: 'passes', tags: ['@OBF-B.2.3', '@TP/OBF/X/P-01'], attempts: [[PASSED]] },
  { name: 'fails <&>', tags: ['@OBF-B.2.3', '@TP/OBF/X/F-01'], attempts: [[failedWith('NonConformance', 'MAC "accepted" <bad>')]] },
  { name: 'times out', tags: ['@OBF-B.2.3', '@TP/OBF/X/I-01'], attempts: [[failedWith('Inconclusive', 'no answer within 5000 ms')]] },
  { name: 'not declared', tags: ['@OBF-B.2.3', '@TP/OBF/X/N-01'], attempts: [[failedWith('NotApplicable', 'GBA not declared (capability gba not declared)')]] },
  { name: 'skips', tags: ['@OBF-B.2.3', '@TP/OBF/X/S-01'], attempts: [[{ status: 'SKIPPED' }]] },
  { name: 'crashes', tags: ['@OBF-B.2.3', '@TP/OBF/X/E-01'], attempts: [[failedWith('TypeError', 'x is undefined')]] },
]), fixtureMeta('2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 'test'));
const xml = renderJunitXml(report);
const testcase = (tp: string) => {
  const m = new RegExp(`<testcase name="${tp.replace(/\//g, '\\/')} [^>]*>(.*?)</testcase>`, 's').exec(xml);
  assert.ok(m, `${tp} missing in\n${xml}`);
  return m[1];
};

test('a NotApplicable exception is verdict not-applicable', () => {
  assert.deepEqual(report.scenarios.map((s) => s.verdict), ['pass', 'fail', 'inconclusive', 'not-applicable', 'not-applicable', 'error']);
});

test('pass: a bare test case', () => {
  assert.doesNotMatch(testcase('TP/OBF/X/P-01'), /<(failure|error|skipped)/);
});

test('fail: a failure of type NonConformance with the reason', () => {
  assert.match(testcase('TP/OBF/X/F-01'), /<failure type="NonConformance" message="fail: MAC &quot;accepted&quot; &lt;bad&gt;">/);
});

test('inconclusive: a failure (never a pass) saying inconclusive', () => {
  assert.match(testcase('TP/OBF/X/I-01'), /<failure type="Inconclusive" message="inconclusive \(not passed\): no answer within 5000 ms">/);
});

test('not applicable: skipped with the reason, from a NotApplicable throw or a skipped step', () => {
  assert.match(testcase('TP/OBF/X/N-01'), /<skipped message="not applicable: GBA not declared \(capability gba not declared\)">/);
  assert.match(testcase('TP/OBF/X/S-01'), /<skipped message="not applicable: skipped at step/);
});

test('error: an error with the exception type', () => {
  assert.match(testcase('TP/OBF/X/E-01'), /<error type="TypeError" message="error \(harness\): x is undefined">/);
});

test('counts: 6 tests, 2 failures, 1 error, 2 skipped; each test case carries its verdict', () => {
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="obf-conformance" tests="6" failures="2" errors="1" skipped="2" /);
  assert.match(xml, /<testsuite name="Fake feature" tests="6" failures="2" errors="1" skipped="2"/);
  assert.equal((xml.match(/<property name="verdict" value="inconclusive"\/>/g) ?? []).length, 1);
  assert.match(xml, /<property name="certificate" value="not conformant"\/>/);
  assert.ok(xml.includes('fails &lt;&amp;&gt;'));
});

test('xmlEscape drops characters XML 1.0 cannot carry', () => {
  assert.equal(xmlEscape('a\u0000b\u001bc\ud800'), 'a\ufffdb\ufffdc\ufffd');
});
