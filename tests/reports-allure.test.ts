/** Allure extras, status alignment and report generation on a real run of the report fixture. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ALLURE_CATEGORIES, alignAllureStatuses, annotateAllureResults, generateAllureReport, toProperties, writeAllureExtras } from '../reports/allure-report.ts';
import { buildCertification } from '../reports/certification.ts';
import { writeFileSync } from 'node:fs';
import { runFixtureSuite, type FixtureRun } from './report-fixture.ts';

interface Result { name: string; status: string; historyId: string; statusDetails: { message?: string; trace?: string }; labels: { name: string; value: string }[]; links: { name: string; url: string }[] }
const results = (dir: string): Result[] =>
  readdirSync(dir).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Result);
/** Allure 2 matches a category regex against the whole message (Java Pattern.matches, DOTALL via "(?s)"). */
const javaMatches = (regex: string, text: string) => new RegExp(`^(?:${regex.replace(/^\(\?s\)/, '')})$`, 's').test(text);

describe('Allure output of the fixture suite', () => {
  let run: FixtureRun;
  before(async () => {
    run = await runFixtureSuite(mkdtempSync(path.join(tmpdir(), 'obf-allure-')));
  });
  after(() => rmSync(run.runDir, { recursive: true, force: true }));

  test('allure-cucumberjs reports failures as "<exception type>: <message>" (what the categories match)', () => {
    const byName = new Map(results(run.allureResultsDir).map((r) => [r.name, r]));
    assert.match(byName.get('importKey rejects a replayed packet')!.statusDetails.message!, /^NonConformance: importKey accepted a replayed packet/);
    assert.match(byName.get('importKey answers in time')!.statusDetails.message!, /^Inconclusive: no answer/);
    assert.match(byName.get('harness crashes while checking importKey')!.statusDetails.trace!, /^TypeError: /);
    const [product, inconclusive, harness] = ALLURE_CATEGORIES;
    const message = (name: string) => byName.get(name)!.statusDetails.message!;
    assert.ok(javaMatches(product.messageRegex!, message('importKey rejects a replayed packet')));
    assert.ok(!javaMatches(harness.messageRegex!, message('importKey rejects a replayed packet')));
    assert.ok(javaMatches(inconclusive.messageRegex!, message('importKey answers in time')));
    assert.ok(!javaMatches(harness.messageRegex!, message('importKey answers in time')));
    assert.ok(javaMatches(harness.messageRegex!, message('harness crashes while checking importKey')));
  });

  test('alignAllureStatuses: NonConformance -> failed, skipped scenario -> skipped, the rest untouched', async () => {
    const raw = new Map(results(run.allureResultsDir).map((r) => [r.name, r.status]));
    assert.deepEqual([raw.get('importKey rejects a replayed packet'), raw.get('optional capability is not offered')], ['broken', 'passed']);
    assert.equal(await alignAllureStatuses(run.allureResultsDir), 3);
    assert.equal(await alignAllureStatuses(run.allureResultsDir), 0, 'idempotent');
    const after = Object.fromEntries(results(run.allureResultsDir).filter((r) => !r.statusDetails.message?.includes('first attempt')).map((r) => [r.name, r.status]));
    assert.deepEqual(after, {
      'importKey accepts a well-formed key': 'passed',
      'importKey rejects a replayed packet': 'failed',
      'importKey answers in time': 'broken',
      'harness crashes while checking importKey': 'broken',
      'optional capability is not offered': 'skipped',
      'importKey answers on the second attempt': 'passed',
      'importKey handles key length 16': 'passed',
      'importKey handles key length 17': 'failed',
    });
  });

  test('writeAllureExtras writes environment.properties and categories.json', async () => {
    await writeAllureExtras(run.allureResultsDir, run.meta);
    const props = readFileSync(path.join(run.allureResultsDir, 'environment.properties'), 'latin1');
    assert.match(props, /^SUT=Fixture SUT <ref> & "co"$/m);
    assert.match(props, /^SUT\.fault=replay-accepted$/m);
    assert.match(props, /^Suite\.commit=0123456789abcdef0123456789abcdef01234567$/m);
    assert.match(props, new RegExp(`^Node=${process.version.replace(/\./g, '\\.')}$`, 'm'));
    assert.deepEqual(JSON.parse(readFileSync(path.join(run.allureResultsDir, 'categories.json'), 'utf8')), ALLURE_CATEGORIES);
  });

  test('annotateAllureResults: epic per area, story per requirement, clause and test-purpose labels, a link per clause', async () => {
    const report = buildCertification(readFileSync(run.messagesPath, 'utf8'), run.meta);
    assert.ok(await annotateAllureResults(run.allureResultsDir, report) >= 8);
    assert.equal(await annotateAllureResults(run.allureResultsDir, report), 0, 'idempotent');
    const failed = results(run.allureResultsDir).find((r) => r.name === 'importKey rejects a replayed packet')!;
    const labels = (name: string) => failed.labels.filter((l) => l.name === name).map((l) => l.value).sort();
    assert.deepEqual(labels('epic'), ['Appendix B functions', 'security properties']);
    assert.deepEqual(labels('clause'), ['OBF-B.2-up-3', 'OBF-B.2.2.3.1']);
    assert.deepEqual(labels('testPurpose'), ['TP/OBF/FIX/FAIL-01']);
    assert.ok(labels('story').includes('B.2.2.3.1: Application Server: importKey'));
    assert.deepEqual(failed.links.map((l) => l.url).sort(), ['../certification.html#req-OBF-B.2-up-3', '../certification.html#req-OBF-B.2.2.3.1']);
  });

  test('generateAllureReport builds the report: 8 test cases, categories and environment', async (t) => {
    const reportDir = path.join(run.runDir, 'allure-report');
    const started = Date.now();
    const outcome = await generateAllureReport(run.allureResultsDir, reportDir, { reportName: 'OBF fixture' });
    t.diagnostic(`allure generate took ${Date.now() - started} ms`);
    assert.equal(outcome.ok, true, outcome.message);
    assert.ok(!readFileSync(path.join(reportDir, 'index.html'), 'utf8').includes('googletagmanager'), 'analytics must be disabled');
    const summary = JSON.parse(readFileSync(path.join(reportDir, 'widgets', 'summary.json'), 'utf8'));
    assert.equal(summary.reportName, 'OBF fixture');
    assert.deepEqual(summary.statistic, { failed: 2, broken: 2, skipped: 1, passed: 3, unknown: 0, total: 8 });
    const categories = JSON.parse(readFileSync(path.join(reportDir, 'data', 'categories.json'), 'utf8')) as { children: { name: string; children: { children?: { name: string }[] }[] }[] };
    const members = Object.fromEntries(categories.children.map((c) => [c.name, c.children.flatMap((m) => m.children ?? []).map((x) => x.name).sort()]));
    assert.deepEqual(members, {
      'Product failures (NonConformance)': ['importKey handles key length 17', 'importKey rejects a replayed packet'],
      'Inconclusive (SUT did not answer)': ['importKey answers in time'],
      'Harness errors': ['harness crashes while checking importKey'],
      'Not applicable (capability not declared) or waived': ['optional capability is not offered'],
    });
    const environment = JSON.parse(readFileSync(path.join(reportDir, 'widgets', 'environment.json'), 'utf8')) as { name: string; values: string[] }[];
    assert.deepEqual(environment.find((e) => e.name === 'SUT')?.values, ['Fixture SUT <ref> & "co"']);
  });
});

test('alignAllureStatuses: a NotApplicable failure becomes skipped', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'obf-na-'));
  writeFileSync(path.join(dir, 'x-result.json'), JSON.stringify({ name: 'na', status: 'broken', statusDetails: { message: 'NotApplicable: GBA (capability gba not declared)' } }));
  assert.equal(await alignAllureStatuses(dir), 1);
  assert.equal(results(dir)[0].status, 'skipped');
  rmSync(dir, { recursive: true });
});

test('toProperties escapes like java.util.Properties expects', () => {
  assert.equal(toProperties({ 'a key': ' v=1:2\nnext', 'x': 'Réseau ✓ \\ end' }), 'a\\ key=\\ v=1:2\\nnext\nx=R\\u00e9seau \\u2713 \\\\ end\n');
});

test('generateAllureReport without Java returns ok:false with a clear message (no throw)', async () => {
  const saved = { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME };
  const empty = mkdtempSync(path.join(tmpdir(), 'obf-nojava-'));
  process.env.PATH = empty;
  delete process.env.JAVA_HOME;
  try {
    const outcome = await generateAllureReport(empty, path.join(empty, 'report'));
    assert.equal(outcome.ok, false);
    assert.match(outcome.message ?? '', /Java is needed to generate the Allure report and was not found.*default-jre-headless/s);
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.JAVA_HOME !== undefined) process.env.JAVA_HOME = saved.JAVA_HOME;
    rmSync(empty, { recursive: true, force: true });
  }
});

test('generateAllureReport with a missing results directory returns ok:false', async () => {
  const outcome = await generateAllureReport('/nonexistent/obf-results', '/nonexistent/obf-report');
  assert.equal(outcome.ok, false);
  assert.match(outcome.message ?? '', /does not exist/);
});
