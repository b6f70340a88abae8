/**
 * End to end in a real browser: run the fixture suite, and the real suite against a reference fault, write
 * certification.json/.html and the Allure report into run folders, serve them over loopback HTTP and open the
 * pages in Debian's chromium (playwright-core). Needs `apt-get install -y --no-install-recommends chromium` and
 * Java; OBF_SKIP_BROWSER=1 skips it. Screenshots (and a PDF print of the certification) are test artefacts, always
 * copied to test-artifacts/browser/ (gitignored); the run folders are kept with OBF_KEEP_ARTIFACTS=1 or when a
 * test fails.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { alignAllureStatuses, generateAllureReport, writeAllureExtras } from '../reports/allure-report.ts';
import { renderCertificationHtml } from '../reports/certification-html.ts';
import { buildCertification } from '../reports/certification.ts';
import { REQUIREMENTS } from '../harness/requirements.ts';
import { serveDirectory, type StaticServer } from '../reports/serve.ts';
import { runFixtureSuite, type FixtureRun } from './report-fixture.ts';
import { PROJECT_ROOT } from '../harness/suite-info.ts';
import { referenceKeysFor } from '../adapters/reference/reference-sut.ts';
import { toHex } from '../protocol/hex.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const skip = process.env.OBF_SKIP_BROWSER === '1' ? 'OBF_SKIP_BROWSER=1' : false;
/** Where screenshots are kept as test artefacts (CI can archive the folder). */
export const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts', 'browser');
const keepArtifact = (file: string) => {
  mkdirSync(ARTIFACTS, { recursive: true });
  copyFileSync(file, path.join(ARTIFACTS, path.basename(file)));
};

describe('reports in a browser', { skip }, () => {
  let run: FixtureRun;
  let server: StaticServer;
  let browser: Browser;
  let failed = false;
  const offsite: string[] = [];
  const timings: string[] = [];
  const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await work();
    } finally {
      timings.push(`${label} ${Date.now() - t0} ms`);
    }
  };
  const openPage = async (relative: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) offsite.push(r.url());
    });
    await page.goto(new URL(relative, server.url).href);
    return page;
  };

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found: install it with "apt-get update && apt-get install -y --no-install-recommends chromium" (never "npx playwright install"), or set OBF_SKIP_BROWSER=1 to skip the browser tests`);
    }
    run = await timed('fixture run (cucumber-js)', () => runFixtureSuite(mkdtempSync(path.join(tmpdir(), 'obf-browser-'))));
    const report = buildCertification(await readFile(run.messagesPath, 'utf8'), run.meta);
    await writeFile(path.join(run.runDir, 'certification.json'), JSON.stringify(report, null, 2));
    await writeFile(path.join(run.runDir, 'certification.html'), renderCertificationHtml(report));
    await alignAllureStatuses(run.allureResultsDir);
    await writeAllureExtras(run.allureResultsDir, run.meta);
    const generated = await timed('allure generate', () => generateAllureReport(run.allureResultsDir, path.join(run.runDir, 'allure-report')));
    assert.equal(generated.ok, true, generated.message);
    server = await serveDirectory(run.runDir);
    browser = await timed('chromium launch', () => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (!run) return;
    if (failed || process.env.OBF_KEEP_ARTIFACTS === '1') console.log(`artifacts kept in ${run.runDir}`);
    else rmSync(run.runDir, { recursive: true, force: true });
  });

  test('certification.html shows the overall verdict, the conclusion and the reasons', async (t) => {
    t.diagnostic(`set-up: ${timings.join(', ')}`);
    try {
      const page = await timed('certification page', () => openPage('certification.html'));
      const badge = page.locator('#verdict [data-verdict]');
      assert.equal(await badge.getAttribute('data-verdict'), 'fail');
      assert.equal((await badge.innerText()).trim(), 'FAIL');
      assert.match(await page.locator('#conclusion').innerText(), /^Fixture SUT <ref> & "co" is not conformant: 2 scenarios failed/);
      assert.equal(await page.locator('#findings tbody tr').count(), 4);
      assert.equal(await page.locator('tr.not-covered').count(), REQUIREMENTS.length - 2); // the fixture covers two catalogued requirements
      assert.equal(await page.locator('script').count(), 0);
      await page.screenshot({ path: path.join(run.runDir, 'certification.png'), fullPage: true });
      keepArtifact(path.join(run.runDir, 'certification.png'));
      await page.pdf({ path: path.join(run.runDir, 'certification.pdf'), format: 'A4', printBackground: true });
      assert.ok(statSync(path.join(run.runDir, 'certification.pdf')).size > 10_000);
      keepArtifact(path.join(run.runDir, 'certification.pdf'));
      await page.close();
    } catch (e) {
      failed = true;
      throw e;
    }
  });

  test('the Allure overview counts the 8 test cases (retries folded)', async (t) => {
    try {
      const page = await timed('allure overview', async () => {
        const p = await openPage('allure-report/index.html');
        await p.waitForSelector('[data-id="summary"] .splash__title', { timeout: 30_000 });
        return p;
      });
      const summary = page.locator('[data-id="summary"]');
      assert.equal((await summary.locator('.splash__title').innerText()).trim(), '8');
      assert.match(await summary.locator('.splash__subtitle').innerText(), /test cases/i);
      await page.waitForSelector('[data-id="categories"] .table__row', { timeout: 10_000 });
      const categories = await page.locator('[data-id="categories"]').innerText();
      for (const name of ['Product failures (NonConformance)', 'Inconclusive (SUT did not answer)', 'Harness errors']) assert.ok(categories.includes(name), categories);
      await page.screenshot({ path: path.join(run.runDir, 'allure-overview.png'), fullPage: true });
      keepArtifact(path.join(run.runDir, 'allure-overview.png'));
      await page.close();
      t.diagnostic(`pages: ${timings.slice(3).join(', ')}`);
      assert.deepEqual(offsite, [], 'the reports must not load anything from outside the run folder');
    } catch (e) {
      failed = true;
      throw e;
    }
  });
});

/** Every key the reference provisioned for the devices named in a text (their ICCIDs), in hex and base64. */
function referenceKeyNeedles(text: string): string[] {
  const iccids = new Set(text.match(/\b8991\d{16}\b/g) ?? []);
  return [...iccids].flatMap((iccid) => {
    const k = referenceKeysFor(iccid);
    const keys = [...Object.values(k.downlink), ...Object.values(k.uplink)].flatMap((set) => [set.kic, set.kid]).concat([k.gba.k, k.gba.opc]);
    return keys.flatMap((key) => [toHex(key), toHex(key).toLowerCase(), Buffer.from(key).toString('base64')]);
  });
}

describe('a real run against a reference fault, in a browser', { skip }, () => {
  const FAULT = 'se-skip-replay-check';
  let runDir: string;
  let server: StaticServer;
  let browser: Browser;
  let failed = false;
  const rendered: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y --no-install-recommends chromium (or OBF_SKIP_BROWSER=1)`);
    runDir = mkdtempSync(path.join(tmpdir(), 'obf-browser-fault-'));
    const code = await new Promise<number | null>((resolve) => {
      const { NODE_TEST_CONTEXT: _c, ...env } = process.env;
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/obf-conformance.js'), 'run', '--reference-fault', FAULT, '--lab', 'Browser lab', '--out', runDir], { env, stdio: 'ignore' });
      child.on('close', resolve);
    });
    assert.equal(code, 1, 'a run against a fault exits 1');
    assert.ok(existsSync(path.join(runDir, 'allure-report', 'index.html')), 'the Allure report was generated (needs Java)');
    server = await serveDirectory(runDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (!runDir) return;
    if (failed || process.env.OBF_KEEP_ARTIFACTS === '1') console.log(`artifacts kept in ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  });

  const guarded = (fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      throw e;
    }
  };

  test('certification.html: NOT CONFORMANT, the failing requirement first, the verdict table rendered', guarded(async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(new URL('certification.html', server.url).href);
    assert.equal(await page.locator('#certificate').getAttribute('data-status'), 'not conformant');
    assert.equal((await page.locator('#certificate .status').innerText()).trim(), 'NOT CONFORMANT');
    const first = page.locator('#certificate-reasons li').first();
    assert.equal(await first.getAttribute('data-reason-kind'), 'requirement');
    assert.match(await first.innerText(), /^FAIL OBF-/);
    const cert = JSON.parse(readFileSync(path.join(runDir, 'certification.json'), 'utf8'));
    assert.equal(await first.getAttribute('data-requirement'), cert.certificate.reasons[0].requirement);
    assert.ok(await page.locator('table.area tbody tr').count() >= REQUIREMENTS.length);
    assert.ok(await page.locator('table.area [data-verdict="fail"]').count() >= 4);
    assert.ok(await page.locator('#capabilities').isVisible());
    rendered.push(await page.content(), await page.locator('body').innerText());
    const shot = path.join(runDir, 'certification-fault.png');
    await page.screenshot({ path: shot, fullPage: true });
    keepArtifact(shot);
    await page.close();
  }));

  test('Allure: a failed scenario shows its evidence trace attachment, with a link to its clause', guarded(async () => {
    const casesDir = path.join(runDir, 'allure-report', 'data', 'test-cases');
    const failedCase = readdirSync(casesDir).map((f) => JSON.parse(readFileSync(path.join(casesDir, f), 'utf8'))).find((c) => c.status === 'failed');
    assert.ok(failedCase, 'a failed test case in the Allure data');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(new URL(`allure-report/index.html#testresult/${failedCase.uid}`, server.url).href);
    await page.waitForSelector('.attachment-row__name', { state: 'attached', timeout: 60_000 });
    const row = page.locator('.attachment-row', { hasText: 'evidence-trace.txt' });
    const stage = row.locator('xpath=ancestor::div[contains(@class,"step__content")][1]/preceding-sibling::div[contains(@class,"step__title")]');
    const trace = page.locator('.attachment-preview__text').first();
    // The trace is attached by the After hook: open the "Tear down" stage, then the attachment. Retried, because on a
    // loaded machine a click can land before the page's handlers are in place (and a second click would fold it again).
    const deadline = Date.now() + 60_000;
    while (!(await trace.isVisible())) {
      if (Date.now() > deadline) throw new Error('the evidence trace attachment did not open in the Allure page within 60 s');
      if (await row.isVisible()) await row.click({ timeout: 5_000 }).catch(() => undefined);
      else await stage.click({ timeout: 5_000 }).catch(() => undefined);
      await trace.waitFor({ timeout: 3_000 }).catch(() => undefined);
    }
    const text = await trace.innerText();
    assert.match(text, /apdu\s+.+ -> SE A >> /);
    assert.match(text, /<16 bytes masked>/);
    assert.ok(await page.locator('a[href^="../certification.html#req-OBF-"]').count() >= 1, 'a link to the clause');
    rendered.push(await page.content(), await page.locator('body').innerText(), text);
    const shot = path.join(runDir, 'allure-failed-scenario.png');
    await page.screenshot({ path: shot, fullPage: true });
    keepArtifact(shot);
    await page.close();
  }));

  test('no key material appears in any rendered page', guarded(async () => {
    assert.equal(rendered.length, 5);
    const all = rendered.join('\n');
    const needles = referenceKeyNeedles(all);
    assert.ok(needles.length >= 10, `keys of the devices in the pages: ${needles.length / 3}`);
    assert.deepEqual(needles.filter((n) => all.includes(n)).map((n) => `${n.slice(0, 6)}...`), []);
  }));
});
