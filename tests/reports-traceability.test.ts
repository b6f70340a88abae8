/** traceability.csv: every catalogued requirement, its test purposes, scenarios and verdicts; not covered ones too. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REQUIREMENTS } from '../harness/requirements.ts';
import { buildCertification } from '../reports/certification.ts';
import { renderTraceabilityCsv } from '../reports/traceability.ts';
import { fixtureMeta } from './report-fixture.ts';
import { fakeStream, failedWith, PASSED } from './report-messages.ts';

const report = buildCertification(fakeStream([
  { name: 'ok', tags: ['@OBF-B.2.3', '@TP/OBF/X/P-01'], attempts: [[PASSED]] },
  { name: '=cmd "quoted", two', tags: ['@OBF-B.2.3', '@OBF-B.2-up-3', '@TP/OBF/X/F-01'], attempts: [[failedWith('NonConformance', 'replay accepted')]] },
]), fixtureMeta('2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 'test'));
const lines = renderTraceabilityCsv(report).trimEnd().split('\r\n');

test('one header, one row per requirement and scenario, a not-covered row for each requirement without one', () => {
  assert.equal(lines[0], 'requirement,clause,title,area,requirement verdict,test purpose,scenario,feature,location,scenario verdict,reason,waiver');
  assert.equal(lines.length, 1 + (REQUIREMENTS.length - 2) + 3);
  for (const r of REQUIREMENTS) assert.ok(lines.some((l) => l.startsWith(`${r.id},`)), r.id);
  assert.ok(lines.some((l) => l.startsWith('OBF-6.4.2-RPB,') && l.endsWith(',not-covered,,')));
  assert.ok(lines.some((l) => l.startsWith('OBF-B.2.3,B.2.3,') && l.includes(',fail,TP/OBF/X/P-01,ok,Fake feature,features/fake.feature:10,pass,,')));
});

test('fields are quoted, and a leading = never becomes a spreadsheet formula', () => {
  assert.ok(lines.some((l) => l.includes(`,"'=cmd ""quoted"", two",`)));
});
