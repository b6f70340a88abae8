/** renderCertificationHtml: self-contained, escaped, reasons before the per-area tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REQUIREMENTS } from '../harness/requirements.ts';
import { renderCertificationHtml, escapeHtml } from '../reports/certification-html.ts';
import { buildCertification, type RunMetadata } from '../reports/certification.ts';
import { fakeStream, failedWith, PASSED } from './report-messages.ts';

const EVIL = '<img src=x onerror="alert(1)">';
const META: RunMetadata = {
  suite: { name: 'obf-conformance', version: '1.2.3', commit: 'cafebabe', dirty: true },
  sut: { kind: 'third-party', name: `Vendor ${EVIL}`, description: 'A & B', fault: null },
  run: { startedAt: '2025-01-01T10:00:00Z', finishedAt: '2025-01-01T10:01:00Z', tags: '@OBF-6.4.2-RPB and not @slow', command: 'obf-conformance run' },
};

const report = buildCertification(fakeStream([
  { name: 'error one', tags: ['@OBF-6.4.2-RPB', '@TP/OBF/X/E-01'], attempts: [[failedWith('TypeError', `boom ${EVIL}`)]] },
  { name: 'inconclusive one', tags: ['@OBF-6.4.2-RPB', '@TP/OBF/X/I-01'], attempts: [[failedWith('Inconclusive', 'no answer')]] },
  { name: `failing <b>one</b>`, tags: ['@OBF-6.4.2-RPB', '@TP/OBF/X/F-01'], attempts: [[failedWith('NonConformance', 'MAC accepted <bad>')]] },
  { name: 'passing one', tags: ['@OBF-B.2.3', '@OBF-Z-9', '@TP/OBF/X/P-01'], attempts: [[PASSED]] },
]), META);
const html = renderCertificationHtml(report);

test('escapeHtml escapes the five special characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('self-contained: no script, no external stylesheet, image or link', () => {
  assert.match(html, /^<!doctype html>/);
  assert.doesNotMatch(html, /<(script|link|img|iframe|object|embed)\b/i);
  assert.doesNotMatch(html, /<[a-z][^>]*\s(src|href)=/i);
  assert.doesNotMatch(html, /url\(|@import/i);
});

test('all text is escaped', () => {
  assert.ok(!html.includes(EVIL));
  assert.ok(html.includes(escapeHtml(EVIL)));
  assert.ok(html.includes('MAC accepted &lt;bad&gt;'));
  assert.ok(html.includes('failing &lt;b&gt;one&lt;/b&gt;'));
  assert.ok(html.includes('@OBF-6.4.2-RPB and not @slow'));
});

test('header: overall verdict badge and conclusion', () => {
  assert.match(html, /<header id="verdict" class="v-fail"><span class="badge v-fail big" data-verdict="fail">FAIL<\/span>/);
  assert.ok(html.includes(`<p class="conclusion" id="conclusion">${escapeHtml(report.conclusion)}</p>`));
  assert.ok(html.includes('cafebabe') && html.includes('(uncommitted changes)') && html.includes('1.2.3'));
  assert.ok(html.includes('2025-01-01T10:00:00Z') && html.includes('2025-01-01T10:01:00Z'));
});

test('reasons come before the requirement tables, failures first, then inconclusive, then errors', () => {
  const reasons = html.indexOf('<h2>Reasons</h2>');
  const requirements = html.indexOf('<h2>Verdicts by requirement</h2>');
  assert.ok(reasons > 0 && reasons < requirements);
  const findings = html.slice(reasons, requirements);
  const order = ['TP/OBF/X/F-01', 'TP/OBF/X/I-01', 'TP/OBF/X/E-01'].map((tp) => findings.indexOf(tp));
  assert.ok(order.every((i) => i > 0) && order[0] < order[1] && order[1] < order[2], String(order));
  assert.ok(!findings.includes('TP/OBF/X/P-01'));
  assert.ok(findings.includes('<code>TypeError</code>: boom'));
});

test('per-area tables list every requirement; uncovered ones are greyed rows', () => {
  for (const area of ['Requirements (6.3.1)', 'Reference points', 'Mechanisms (6.4.3)', 'Appendix B functions', 'Security properties', 'Uncatalogued']) {
    assert.ok(html.includes(`<h3>${area}</h3>`), area);
  }
  for (const r of REQUIREMENTS) assert.ok(html.includes(`data-requirement="${r.id}"`), r.id);
  const notCovered = html.match(/<tr class="not-covered"/g) ?? [];
  assert.equal(notCovered.length, report.coverage.notCovered.length);
  assert.equal(notCovered.length, REQUIREMENTS.length - 2);
  assert.match(html, /<tr id="req-OBF-6.4.2-RPB" data-requirement="OBF-6.4.2-RPB"><td rowspan="3">/);
});

test('a passing report has no Reasons section', () => {
  const ok = buildCertification(fakeStream([{ name: 'p', tags: ['@OBF-6.4.2-RPB', '@TP/OBF/X/P-01'], attempts: [[PASSED]] }]), META);
  const page = renderCertificationHtml(ok);
  assert.ok(!page.includes('<h2>Reasons</h2>'));
  assert.match(page, /data-verdict="pass">PASS/);
});
