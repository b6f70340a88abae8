/** Waivers: parsing, expiry, SUT matching; a waived scenario keeps its verdict and never counts as passed. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildCertification, type RunMetadata } from '../reports/certification.ts';
import { renderCertificationHtml } from '../reports/certification-html.ts';
import { renderJunitXml } from '../reports/junit.ts';
import { isExpired, parseWaivers, WaiverFileError } from '../reports/waivers.ts';
import { validateSchema } from './json-schema-lite.ts';
import { fakeStream, failedWith, PASSED } from './report-messages.ts';

const schema = JSON.parse(readFileSync(new URL('../reports/certification.schema.json', import.meta.url), 'utf8'));
const stream = fakeStream([
  { name: 'ok', tags: ['@OBF-B.2.3', '@TP/OBF/X/P-01'], attempts: [[PASSED]] },
  { name: 'bad', tags: ['@OBF-B.2-up-3', '@TP/OBF/X/F-01'], attempts: [[failedWith('NonConformance', 'replay accepted')]] },
]);
const YAML = `waivers:
  - testPurpose: TP/OBF/X/F-01
    sut: Product P
    justification: Known counter issue, fixed in 2.1 (ticket 42)
    approver: Dr. Q, lab quality manager
    expires: 2026-06-30
  - testPurpose: TP/OBF/X/P-01
    sut: { vendor: ACME, product: Product P }
    justification: precaution
    approver: Q
    expires: "2026-06-30"
  - testPurpose: TP/OBF/X/F-01
    sut: Other product
    justification: not for this SUT
    approver: Q
    expires: 2030-01-01
`;
const meta = (startedAt: string): RunMetadata => ({
  suite: { name: 'obf-conformance', version: '1.0.0', commit: null, dirty: false },
  sut: { kind: 'third-party', name: 'ACME Product P 2.0', description: 'test', fault: null, identity: { vendor: 'ACME', product: 'Product P', version: '2.0', iccidRange: '8991000000000000000-8991000000000000999', serverUrl: null } },
  run: { startedAt, finishedAt: startedAt, tags: null, command: 'test' },
  waivers: { file: 'waivers.yaml', entries: parseWaivers(YAML, 'waivers.yaml') },
});

test('a waiver in force: the failure is waived, never passed, shown beside the verdict', () => {
  const r = buildCertification(stream, meta('2026-06-30T23:00:00Z'));
  const bad = r.scenarios.find((s) => s.testPurpose === 'TP/OBF/X/F-01')!;
  assert.equal(bad.verdict, 'fail', 'a waiver never changes the verdict');
  assert.deepEqual(bad.waiver, { justification: 'Known counter issue, fixed in 2.1 (ticket 42)', approver: 'Dr. Q, lab quality manager', expires: '2026-06-30', expired: false, applied: true });
  assert.deepEqual([r.totals.pass, r.totals.fail, r.totals.waived], [1, 1, 1]);
  assert.equal(r.verdict, 'pass');
  assert.equal(r.certificate.status, 'conformant');
  assert.deepEqual(r.certificate.waived, ['TP/OBF/X/F-01']);
  assert.match(r.conclusion, /1 scenario was waived and did not pass \(TP\/OBF\/X\/F-01\)/);
  assert.equal(r.requirements.find((q) => q.id === 'OBF-B.2-up-3')!.verdict, 'waived');
  assert.deepEqual(r.waivers.entries.map((w) => w.status), ['applied', 'not-needed', 'other-sut']);
  assert.deepEqual(validateSchema(schema, JSON.parse(JSON.stringify(r))), []);
  const html = renderCertificationHtml(r);
  assert.match(html, /FAIL<\/span><span class="waiver" data-waiver="applied">waived: Known counter issue/);
  assert.match(html, /<table id="waivers">/);
  assert.match(renderJunitXml(r), /<skipped message="waived \(not passed; verdict fail\): replay accepted">/);
});

test('an expired waiver no longer applies: not conformant, the failing requirement first', () => {
  const r = buildCertification(stream, meta('2026-07-01T00:00:00Z'));
  const bad = r.scenarios.find((s) => s.testPurpose === 'TP/OBF/X/F-01')!;
  assert.deepEqual([bad.waiver?.expired, bad.waiver?.applied], [true, false]);
  assert.deepEqual([r.verdict, r.certificate.status, r.totals.waived], ['fail', 'not conformant', 0]);
  assert.deepEqual([r.certificate.reasons[0].requirement, r.certificate.reasons[0].verdict], ['OBF-B.2-up-3', 'fail']);
  assert.equal(r.waivers.entries[0].status, 'expired');
  assert.match(renderCertificationHtml(r), /<span class="waiver expired" data-waiver="expired">expired waiver, does not apply/);
  assert.match(renderJunitXml(r), /<failure type="NonConformance" message="fail: replay accepted">/);
});

test('expiry is the end of the given day, UTC', () => {
  assert.equal(isExpired({ expires: '2026-06-30' }, '2026-06-30T23:59:59Z'), false);
  assert.equal(isExpired({ expires: '2026-06-30' }, '2026-07-01T00:00:00Z'), true);
});

test('a waivers file with a mistake is refused naming the entry and field', () => {
  const bad: Array<[string, RegExp]> = [
    ['nope: 1', /top-level 'waivers:' list/],
    ['waivers: [{testPurpose: TP/OBF/X/F-01, sut: P, approver: Q, expires: 2026-01-01}]', /entry 1: 'justification' must be a non-empty text/],
    ['waivers: [{testPurpose: TP/OBF/X/F-01, sut: P, justification: J, approver: Q, expires: 31.12.2026}]', /expires '31.12.2026' is not a date/],
    ['waivers: [{testPurpose: F-01, sut: P, justification: J, approver: Q, expires: 2026-01-01}]', /not a test purpose id/],
    ['waivers: [{testPurpose: TP/OBF/X/F-01, sut: P, justification: J, approver: Q, expires: 2026-01-01, until: x}]', /unknown field 'until'/],
    ['waivers: [{testPurpose: TP/OBF/X/F-01, sut: {name: P}, justification: J, approver: Q, expires: 2026-01-01}]', /unknown field 'sut.name'/],
    ['waivers: [ {', /not valid YAML/],
    // The pattern fits, the calendar does not (Date.parse would roll these over into the next month).
    ['waivers: [{testPurpose: TP/OBF/X/F-01, sut: P, justification: J, approver: Q, expires: 2027-02-30}]', /entry 1: expires '2027-02-30' is not a day of the calendar/],
    ['waivers: [{testPurpose: TP/OBF/X/F-01, sut: P, justification: J, approver: Q, expires: 2026-13-01}]', /expires '2026-13-01' is not a day of the calendar/],
    ['waivers: [{testPurpose: TP/OBF/X/F-01, sut: P, justification: J, approver: Q, expires: 2026-04-31}]', /expires '2026-04-31' is not a day of the calendar/],
  ];
  for (const [text, pattern] of bad) assert.throws(() => parseWaivers(text, 'w.yaml'), (e: Error) => e instanceof WaiverFileError && pattern.test(e.message), text);
});

test('29 February is a day in a leap year only', () => {
  assert.equal(parseWaivers('waivers: [{testPurpose: TP/OBF/X/F-01, sut: P, justification: J, approver: Q, expires: 2028-02-29}]', 'w.yaml')[0].expires, '2028-02-29');
  assert.throws(() => parseWaivers('waivers: [{testPurpose: TP/OBF/X/F-01, sut: P, justification: J, approver: Q, expires: 2027-02-29}]', 'w.yaml'), /not a day of the calendar/);
});

test('with the suite\'s test purposes, a waiver for one it does not have is refused, with the near one when it is a typo', () => {
  const known = new Set(['TP/OBF/AS/DEC/BI-01', 'TP/OBF/AS/DEC/BV-01', 'TP/OBF/SE/DEC/BI-01']);
  const one = (tp: string) => `waivers: [{testPurpose: ${tp}, sut: P, justification: J, approver: Q, expires: 2026-01-01}]`;
  assert.throws(() => parseWaivers(one('TP/OBF/NOPE/BI-99'), 'w.yaml', known), (e: Error) => e instanceof WaiverFileError && /entry 1: testPurpose 'TP\/OBF\/NOPE\/BI-99' is not a test purpose of this suite \(see docs\/test-purposes\.md\)$/.test(e.message));
  assert.throws(() => parseWaivers(one('TP/OBF/AS/DEC/BI-1'), 'w.yaml', known), /did you mean 'TP\/OBF\/AS\/DEC\/BI-01'\?/);
  assert.throws(() => parseWaivers(one('TP/OBF/as/dec/BI-01'), 'w.yaml', known), /did you mean 'TP\/OBF\/AS\/DEC\/BI-01'\?/);
  assert.equal(parseWaivers(one('TP/OBF/SE/DEC/BI-01'), 'w.yaml', known).length, 1);
  // Without a catalogue (a report built elsewhere), only the form is checked.
  assert.equal(parseWaivers(one('TP/OBF/NOPE/BI-99'), 'w.yaml').length, 1);
});
