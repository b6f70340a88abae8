/** capabilities.json and target.masked.yaml in a run folder: read, validated, and shown in both reports. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { buildCertification, type RunMetadata } from '../reports/certification.ts';
import { renderCertificationHtml } from '../reports/certification-html.ts';
import { allureEnvironment } from '../reports/allure-report.ts';
import { readRunContext } from '../reports/run-context.ts';
import { fakeStream, PASSED } from './report-messages.ts';

const stream = fakeStream([{ name: 'ok', tags: ['@OBF-B.2.3', '@TP/OBF/X/P-01'], attempts: [[PASSED]] }]);
const base = (ctx: ReturnType<typeof readRunContext>): RunMetadata => ({
  suite: { name: 'obf-conformance', version: '1.0.0', commit: null, dirty: false },
  sut: { kind: 'third-party', name: 'ACME Tracker 2.0', description: 'target', fault: null, identity: ctx.identity ?? undefined, capabilities: ctx.capabilities ?? undefined, targetFile: ctx.targetFile },
  run: { startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z', tags: null, command: 'test', lab: 'Lab', operator: 'Op' },
  problems: ctx.problems,
});

test('a target run: identity, declared capabilities and the masked target file in JSON, HTML and Allure', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'obf-ctx-'));
  writeFileSync(path.join(dir, 'capabilities.json'), JSON.stringify({ declared: { gba: false, 'key-index-2': true, transport: 'pcsc' }, sut: { vendor: 'ACME', product: 'Tracker', version: '2.0', iccidRange: '89910000000000000000-89910000000000000999', serverUrl: 'https://as.acme.example/obf/v1' } }));
  writeFileSync(path.join(dir, 'target.masked.yaml'), 'sut:\n  vendor: ACME\ndevices:\n  - kic: "<masked>" # <b>\n');
  const ctx = readRunContext(dir);
  assert.deepEqual(ctx.problems, []);
  const report = buildCertification(stream, base(ctx));
  assert.deepEqual(report.sut.identity, { vendor: 'ACME', product: 'Tracker', version: '2.0', iccidRange: '89910000000000000000-89910000000000000999', serverUrl: 'https://as.acme.example/obf/v1' });
  assert.deepEqual(report.sut.capabilities, { source: 'target', declared: { gba: false, 'key-index-2': true, transport: 'pcsc' } });
  const html = renderCertificationHtml(report);
  assert.match(html, /<th>ICCID range<\/th><td><code>89910000000000000000-89910000000000000999<\/code>/);
  assert.match(html, /<th>Server URL<\/th><td><code>https:\/\/as\.acme\.example\/obf\/v1<\/code>/);
  assert.match(html, /<th class="mono">gba<\/th><td>not declared<\/td>/);
  assert.match(html, /<th class="mono">transport<\/th><td>pcsc<\/td>/);
  assert.match(html, /<pre class="target" id="target-file">sut:\n  vendor: ACME\ndevices:\n  - kic: &quot;&lt;masked&gt;&quot; # &lt;b&gt;\n<\/pre>/);
  assert.match(html, /<th>Lab<\/th><td>Lab<\/td>/);
  const env = allureEnvironment(base(ctx));
  assert.equal(env['SUT.capabilities'], 'gba=false, key-index-2=true, transport=pcsc');
  assert.equal(env['SUT.iccidRange'], '89910000000000000000-89910000000000000999');
  rmSync(dir, { recursive: true });
});

test('a reference run: the reference identity and all capabilities of the reference', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'obf-ctx-'));
  const ctx = readRunContext(dir);
  assert.deepEqual(ctx, { identity: null, capabilities: null, targetFile: null, problems: [] });
  const report = buildCertification(stream, { ...base(ctx), sut: { kind: 'reference', name: 'OBF reference implementation', description: 'ref', fault: null } });
  assert.equal(report.sut.identity.product, 'OBF reference implementation');
  assert.equal(report.sut.capabilities.source, 'reference');
  assert.match(renderCertificationHtml(report), /All capabilities of the reference implementation/);
  rmSync(dir, { recursive: true });
});

test('an unusable capabilities.json is a run fault: verdict error, never conformant', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'obf-ctx-'));
  writeFileSync(path.join(dir, 'capabilities.json'), '{"declared":{"gba":1},"sut":{}}');
  const ctx = readRunContext(dir);
  assert.match(ctx.problems[0], /capabilities\.json in the run folder is unusable: declared\.gba is neither true\/false nor text/);
  const report = buildCertification(stream, base(ctx));
  assert.deepEqual([report.verdict, report.certificate.status], ['error', 'not conformant']);
  writeFileSync(path.join(dir, 'capabilities.json'), '{"declared":{},"sut":{"vendor":"A"}}');
  assert.match(readRunContext(dir).problems[0], /sut\.vendor, sut\.product and sut\.version are required/);
  rmSync(dir, { recursive: true });
});
