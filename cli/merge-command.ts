/**
 * `merge <dir>... --out <dir>`: one Allure report and one certification report from the run folders of a sharded
 * campaign (reports/merge.ts says what must agree). Allure results are copied side by side (their file names are
 * UUIDs), the message streams are concatenated for the record, the target file and capabilities come with them.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, EXIT } from './usage-error.ts';
import { parseCommandArgs } from './args.ts';
import { parseMessageStream } from '../reports/cucumber-messages.ts';
import { MergeError, mergeShards, type ShardInput } from '../reports/merge.ts';
import type { CertificationReport } from '../reports/certification.ts';
import { REPORT_FILES, summaryLine, verdictLine, writeRunReports } from '../reports/run-reports.ts';
import { CAPABILITIES_FILE, TARGET_MASKED_FILE } from '../reports/run-context.ts';
import { loadWaivers, WaiverFileError } from '../reports/waivers.ts';
import { suiteTestPurposes } from '../harness/suite-info.ts';
import { annotateAllureResults, generateAllureReport, writeAllureExtras } from '../reports/allure-report.ts';

const HELP = `Usage: obf-conformance merge <run-dir>... --out <dir> [--waivers <file>] [--no-allure-report]

Merge the run folders of a sharded campaign (obf-conformance run --shard i/n, one folder per shard)
into one certification report (certification.json/.html, junit.xml) and one Allure report in --out.
The shards must come from the same suite commit, SUT, fault and tag filter; a missing shard makes
the merged verdict an error. Waivers are those the shards ran with, unless --waivers is given.

Exit codes: 0 merged verdict pass; 1 fail or inconclusive; 2 bad usage; 3 error.`;

const MESSAGES = 'cucumber-messages.ndjson';

async function readShard(dir: string): Promise<ShardInput> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`merge: ${dir} is not a folder`);
  const file = (name: string) => path.join(dir, name);
  if (!existsSync(file(REPORT_FILES.json)) || !existsSync(file(MESSAGES))) throw new UsageError(`merge: ${dir} is not a run folder (no ${REPORT_FILES.json} or ${MESSAGES})`);
  let report: CertificationReport;
  try {
    report = JSON.parse(await readFile(file(REPORT_FILES.json), 'utf8')) as CertificationReport;
  } catch (e) {
    throw new UsageError(`merge: ${file(REPORT_FILES.json)} is not JSON: ${(e as Error).message}`);
  }
  if (report.schema !== 'obf-conformance/certification' || !/^1\.1\./.test(report.schemaVersion ?? '')) {
    throw new UsageError(`merge: ${file(REPORT_FILES.json)} has schema ${report.schema} ${report.schemaVersion}; merge needs obf-conformance/certification 1.1.x`);
  }
  return { source: dir, report, parsed: parseMessageStream(await readFile(file(MESSAGES), 'utf8')) };
}

export async function mergeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('merge', {
    args, allowPositionals: true,
    options: { out: { type: 'string' }, waivers: { type: 'string' }, 'no-allure-report': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('merge: give the run folders of the shards, e.g. obf-conformance merge shard-1 shard-2 --out merged');
  if (!values.out || values.out.trim() === '') throw new UsageError('merge: --out <dir> is required (a new or empty folder, or an earlier run folder)');
  const out = path.resolve(values.out);
  const dirs = positionals.map((p) => path.resolve(p));
  if (dirs.includes(out)) throw new UsageError('merge: --out must not be one of the folders being merged');
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new UsageError(`merge: --out ${out} exists and is not a folder`);
    const entries = readdirSync(out);
    if (entries.length && !entries.includes(REPORT_FILES.json)) throw new UsageError(`merge: --out ${out} is a folder with other content and no earlier reports; give a new or empty folder`);
  }
  let waivers;
  if (values.waivers !== undefined) {
    try {
      waivers = { file: path.resolve(values.waivers), entries: loadWaivers(path.resolve(values.waivers), suiteTestPurposes()) };
    } catch (e) {
      throw e instanceof WaiverFileError ? new UsageError(`merge: ${e.message}`) : e;
    }
  }
  const inputs: ShardInput[] = [];
  for (const d of dirs) inputs.push(await readShard(d));
  let report: CertificationReport;
  try {
    report = mergeShards(inputs, ['obf-conformance', 'merge', ...args].join(' '), waivers);
  } catch (e) {
    if (e instanceof MergeError) throw new UsageError(`merge: ${e.message}`);
    throw e;
  }

  for (const stale of ['allure-results', 'allure-report', REPORT_FILES.json, REPORT_FILES.html, REPORT_FILES.junit, REPORT_FILES.traceability, MESSAGES, TARGET_MASKED_FILE, CAPABILITIES_FILE, 'waivers.yaml']) {
    await rm(path.join(out, stale), { recursive: true, force: true });
  }
  const results = path.join(out, 'allure-results');
  await mkdir(results, { recursive: true });
  for (const d of dirs) {
    const from = path.join(d, 'allure-results');
    if (!existsSync(from)) continue;
    for (const f of readdirSync(from).filter((x) => x !== 'environment.properties' && x !== 'categories.json')) await copyFile(path.join(from, f), path.join(results, f));
  }
  await writeFile(path.join(out, MESSAGES), (await Promise.all(dirs.map((d) => readFile(path.join(d, MESSAGES), 'utf8')))).join(''));
  for (const f of [TARGET_MASKED_FILE, CAPABILITIES_FILE]) if (existsSync(path.join(dirs[0], f))) await copyFile(path.join(dirs[0], f), path.join(out, f));
  if (waivers) await copyFile(waivers.file, path.join(out, 'waivers.yaml'));
  else if (existsSync(path.join(dirs[0], 'waivers.yaml'))) await copyFile(path.join(dirs[0], 'waivers.yaml'), path.join(out, 'waivers.yaml'));
  await writeRunReports(out, report);
  await writeAllureExtras(results, { suite: report.suite, sut: report.sut, run: report.run, waivers: report.waivers.file ? { file: report.waivers.file, entries: report.waivers.entries } : undefined });
  await annotateAllureResults(results, report);
  console.log(`merged ${dirs.length} run folder${dirs.length === 1 ? '' : 's'} into ${out}`);
  if (!values['no-allure-report']) {
    const g = await generateAllureReport(results, path.join(out, 'allure-report'), { reportName: 'OBF conformance' });
    console.log(g.ok ? `allure report:  ${path.join(out, 'allure-report', 'index.html')}` : `allure report NOT generated: ${g.message}`);
  }
  console.log(verdictLine(report));
  console.log(summaryLine(report));
  return report.verdict === 'pass' ? EXIT.ok : report.verdict === 'error' ? EXIT.error : EXIT.failed;
}
