/**
 * End to end in a real browser: run the fixture suite, write certification.json/.html and the Allure report
 * into a run folder, serve it over loopback HTTP and open both pages in Debian's chromium (playwright-core).
 * Needs `apt-get install -y --no-install-recommends chromium` and Java; OBF_SKIP_BROWSER=1 skips it.
 * Screenshots and a PDF print of the certification land in the run folder (kept with OBF_KEEP_ARTIFACTS=1 or
 * when a test fails).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
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

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const skip = process.env.OBF_SKIP_BROWSER === '1' ? 'OBF_SKIP_BROWSER=1' : false;

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
      await page.pdf({ path: path.join(run.runDir, 'certification.pdf'), format: 'A4', printBackground: true });
      assert.ok(statSync(path.join(run.runDir, 'certification.pdf')).size > 10_000);
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
      await page.close();
      t.diagnostic(`pages: ${timings.slice(3).join(', ')}`);
      assert.deepEqual(offsite, [], 'the reports must not load anything from outside the run folder');
    } catch (e) {
      failed = true;
      throw e;
    }
  });
});
