/**
 * `run`: the main job. Starts the system under test (by default the bundled reference implementation, its
 * Application Server a real HTTP server on a free loopback port), runs every feature against it with a progress
 * display, and writes Allure results and report, the certification report (JSON and HTML) and the raw
 * Cucumber message stream into --out.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import parseTagExpression from '@cucumber/tag-expressions';
import { PassThrough } from 'node:stream';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfiguration, loadSources, runCucumber } from '@cucumber/cucumber/api';
import { UsageError, EXIT } from './usage-error.ts';
import { parseCommandArgs } from './args.ts';
import { PROJECT_ROOT, suiteCommit, suiteTestPurposes, suiteVersion } from '../harness/suite-info.ts';
import { referenceFaults } from '../adapters/index.ts';
import { HarnessError } from '../harness/verdicts.ts';
import { buildCertification, type CertificationReport, type RunMetadata } from '../reports/certification.ts';
import { alignAllureStatuses, annotateAllureResults, generateAllureReport, writeAllureExtras } from '../reports/allure-report.ts';
import { prepareTargetRun, writeTargetRecords, type TargetRun } from './target-options.ts';
import { RunResultsWriter } from '../reports/allure-results-writer.ts';
import { REPORT_FILES, summaryLine, verdictLine, writeRunReports } from '../reports/run-reports.ts';
import { CAPABILITIES_FILE, TARGET_MASKED_FILE, readRunContext } from '../reports/run-context.ts';
import { loadWaivers, WaiverFileError, type Waiver } from '../reports/waivers.ts';
import type { Shard } from '../reports/certification.ts';
import { parseShard, selectShard, shardPaths } from './shard.ts';

export const DEFAULT_OUT = 'results';
/** Files that mark a folder as an earlier run's output, which a new run may replace. */
const RUN_FOLDER_MARKERS = ['certification.json', 'allure-results', 'cucumber-messages.ndjson'];

const HELP = `Usage: obf-conformance run [--target <file>] [--out <dir>] [--tags <expr>] [--reference-fault <name>]
                           [--list-faults] [--no-allure-report] [--parallel <n>] [--timeout <ms>]
                           [--reference-data <file>] [--lab <name>] [--operator <name>] [--waivers <file>]
                           [--shard <i>/<n>]

Run the OBF conformance suite (features/) against the system under test and write reports.
The system under test is the bundled reference implementation (SE, device, Application, Authentication and
Resource Servers), or the mix a target file describes.

Options:
  --target <file>           target file (YAML, docs/target-file.md): the third-party roles and how to reach
                            them, their declared capabilities and the test parameters; roles it does not name
                            stay on the reference. Check it first with 'obf-conformance targets check <file>'.
  --out <dir>               where reports go (default: ${DEFAULT_OUT}/, relative to the current directory):
                              certification.html, certification.json   the certification report
                              junit.xml                                 JUnit XML for CI
                              traceability.csv                          requirement -> clause -> test
                                                                        purpose -> scenario -> verdict
                              allure-results/, allure-report/index.html Allure results and report
                              cucumber-messages.ndjson                  the raw Cucumber message stream
                            Earlier reports in that folder are replaced.
  --tags <expr>             run only the scenarios matching a Cucumber tag expression,
                            e.g. '@OBF-B.2-up-3' or '@secure-element and not @sample-packet'
  --reference-fault <name>  switch on a fault in the reference implementation (repeatable), to see the
                            suite catch it; see --list-faults
  --list-faults             list the reference implementation's faults and exit
  --no-allure-report        write Allure results but do not generate the HTML report (no Java needed)
  --parallel <n>            run scenarios in n worker processes (default 1)
  --timeout <ms>            how long to wait for the system under test to answer (default 5000; a target
                            file's parameters.timeouts win for what they cover)
  --reference-data <file>   the reference servers keep their state (keys, counters, bootstraps, rights) in
                            this new SQLite file instead of in memory, to inspect after the run; it holds
                            keys in clear, so it must be outside --out, and it must not exist yet
  --lab <name>              the testing lab's name, shown in the reports
  --operator <name>         the name of the person running the campaign, shown in the reports
  --waivers <file>          the lab's waivers (YAML: test purpose, SUT, justification, approver,
                            expiry); shown beside the verdicts; see docs/certification-report.md
  --shard <i>/<n>           run only shard i of n (a stable split); join the shards' run folders
                            with 'obf-conformance merge'
  -h, --help                show this help

Exit codes: 0 every applicable scenario passed; 1 a scenario failed or was inconclusive;
2 bad usage; 3 harness error. The Allure report needs HTTP to open:
  obf-conformance report serve <dir>`;

/** A path as the user would type it: relative when under the current directory, else absolute. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
}

export async function faultsCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('faults', { args, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('Usage: obf-conformance faults [--json]\n\nList the switchable faults of the reference implementation (for run --reference-fault):\nname, what the faulty party does, and the draft clause whose rule it breaks.\n\n  --json      print them as one JSON object keyed by fault name\n  -h, --help  show this help');
    return EXIT.ok;
  }
  const faults = referenceFaults();
  if (values.json) {
    console.log(JSON.stringify(faults, null, 2));
    return EXIT.ok;
  }
  const width = Math.max(...Object.keys(faults).map((f) => f.length));
  for (const [name, f] of Object.entries(faults)) console.log(`${name.padEnd(width)}  ${f.description} [breaks ${f.breaks}]`);
  return EXIT.ok;
}

export interface RunOptions {
  out: string;
  tags?: string;
  faults: string[];
  allureReport: boolean;
  parallel: number;
  timeoutMs: number;
  quiet?: boolean;
  /** SQLite file for the reference servers' state; in memory when absent. */
  referenceData?: string;
  lab?: string;
  operator?: string;
  shard?: Shard;
  waivers?: { file: string; entries: Waiver[] };
  /** The target file's system under test, capabilities and timeouts (default: the reference). */
  targetRun?: TargetRun;
  /** run --target: the target file, loaded and checked by prepareTargetRun before the run. */
  targetFile?: string;
  /** Whether --timeout was given (a target file's timeouts win over the default, not over an explicit value's role). */
  timeoutGiven?: boolean;
}

/** A name for the reports: one line, not empty, not absurdly long. */
function nameOption(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '' || v.length > 200 || /[\r\n\t]/.test(v)) throw new UsageError(`run: --${option} must be one line of 1..200 characters`);
  return v;
}

/** What the run command line asks for; throws UsageError (or parseArgs' errors) on a mistake. Writes nothing. */
export type RunRequest = { kind: 'help' } | { kind: 'list-faults' } | { kind: 'run'; options: RunOptions };

export function parseRunArgs(args: string[]): RunRequest {
  const { values } = parseCommandArgs('run', {
    args,
    options: {
      out: { type: 'string' }, target: { type: 'string' }, tags: { type: 'string' }, 'reference-fault': { type: 'string', multiple: true },
      'list-faults': { type: 'boolean' }, 'no-allure-report': { type: 'boolean' }, parallel: { type: 'string' },
      timeout: { type: 'string' }, 'reference-data': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      lab: { type: 'string' }, operator: { type: 'string' }, waivers: { type: 'string' }, shard: { type: 'string' },
    },
  });
  if (values.help) return { kind: 'help' };
  if (values['list-faults']) return { kind: 'list-faults' };
  const known = referenceFaults();
  const faults = (values['reference-fault'] ?? []).flatMap((f) => f.split(','));
  for (const f of faults) {
    if (f.trim() === '') throw new UsageError("run: --reference-fault needs a fault name (see 'obf-conformance run --list-faults')");
    if (!Object.hasOwn(known, f)) throw new UsageError(`run: unknown reference fault '${f}' (see 'obf-conformance run --list-faults')`);
  }
  const parallel = values.parallel === undefined ? 1 : Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) throw new UsageError(`run: --parallel must be an integer 1..16, got '${values.parallel}'`);
  const timeoutMs = values.timeout === undefined ? 5000 : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000) throw new UsageError(`run: --timeout must be 100..600000 ms, got '${values.timeout}'`);
  if (values.tags !== undefined) {
    if (values.tags.trim() === '') throw new UsageError("run: --tags is empty; give a tag expression such as '@OBF-B.2-up-3', or leave it out to run everything");
    const bare = values.tags.replace(/[()]/g, ' ').split(/\s+/).filter((w) => w && !/^(and|or|not)$/.test(w) && !w.startsWith('@'));
    if (bare.length) throw new UsageError(`run: --tags '${values.tags}': tags start with @ (did you mean '@${bare[0]}'?)`);
    try {
      parseTagExpression(values.tags);
    } catch (e) {
      throw new UsageError(`run: --tags '${values.tags}' is not a valid tag expression: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (values.out !== undefined && values.out.trim() === '') throw new UsageError('run: --out is empty; give a folder for the reports');
  const out = path.resolve(values.out ?? DEFAULT_OUT);
  if (/^\/(proc|sys|dev)(\/|$)/.test(out)) throw new UsageError(`run: --out ${out} is inside a system folder; give a folder of your own`);
  try {
    if (!statSync(out).isDirectory()) throw new UsageError(`run: --out ${out} exists and is not a folder`);
    const entries = readdirSync(out);
    const runFolder = entries.length === 0 || entries.some((e) => RUN_FOLDER_MARKERS.includes(e));
    if (!runFolder) throw new UsageError(`run: --out ${out} is a folder with other content (${entries.length} entries) and no earlier reports; give a new or empty folder, or an earlier run folder`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new UsageError(`run: --out ${out}: a part of that path is a file, not a folder`);
  }
  const referenceData = values['reference-data'] === undefined ? undefined : referenceDataFile(values['reference-data'], out);
  const lab = nameOption('lab', values.lab);
  const operator = nameOption('operator', values.operator);
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  let waivers: RunOptions['waivers'];
  if (values.waivers !== undefined) {
    try {
      waivers = { file: path.resolve(values.waivers), entries: loadWaivers(path.resolve(values.waivers), suiteTestPurposes()) };
    } catch (e) {
      if (e instanceof WaiverFileError) throw new UsageError(`run: ${e.message}`);
      throw e;
    }
  }
  if (referenceData && values.target !== undefined) throw new UsageError('run: --reference-data is for a run against the reference alone, not with --target');
  return { kind: 'run', options: { out, tags: values.tags, faults, allureReport: !values['no-allure-report'], parallel, timeoutMs, referenceData, lab, operator, shard, waivers, targetFile: values.target, timeoutGiven: values.timeout !== undefined } };
}

export async function runCommand(args: string[]): Promise<number> {
  const request = parseRunArgs(args);
  if (request.kind === 'help') {
    console.log(HELP);
    return EXIT.ok;
  }
  if (request.kind === 'list-faults') return faultsCommand([]);
  const o = request.options;
  const targetRun = await prepareTargetRun(o.targetFile, { faults: o.faults, timeoutMs: o.timeoutGiven ? o.timeoutMs : undefined, parallel: o.parallel });
  const report = await runSuite({ ...o, timeoutMs: targetRun.timeouts.httpMs, targetRun });
  return report.verdict === 'pass' ? EXIT.ok : report.verdict === 'error' ? EXIT.error : EXIT.failed;
}

/**
 * --reference-data: a new file (the run provisions fresh devices; an earlier run's counters and subscribers would
 * collide with them) outside --out (it holds keys in clear; the reports are meant to be shared and are scanned for
 * keys by the project's own tests).
 */
function referenceDataFile(given: string, out: string): string {
  if (given.trim() === '') throw new UsageError('run: --reference-data needs a file name');
  const file = path.resolve(given);
  const rel = path.relative(out, file);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) throw new UsageError(`run: --reference-data ${given} is inside --out; it holds keys in clear, keep it apart from the reports`);
  if (existsSync(file)) throw new UsageError(`run: --reference-data ${given} exists already; give a new file (a run provisions fresh devices)`);
  if (!existsSync(path.dirname(file))) throw new UsageError(`run: --reference-data ${given}: its folder does not exist`);
  return file;
}

/** Run the suite and write every report. Returns the certification report. */
export async function runSuite(opts: RunOptions): Promise<CertificationReport> {
  const targetRun = opts.targetRun ?? (await prepareTargetRun(undefined, { faults: opts.faults, timeoutMs: opts.timeoutMs, parallel: opts.parallel }));
  process.env.OBF_STEP_TIMEOUT_MS = String(targetRun.timeouts.stepMs);
  const log = (line: string) => {
    if (!opts.quiet) process.stdout.write(line + '\n');
  };
  const resultsDir = path.join(opts.out, 'allure-results');
  const resultsWriter = new RunResultsWriter(resultsDir);
  const messagesFile = path.join(opts.out, 'cucumber-messages.ndjson');
  const progress = opts.quiet ? [] : [process.stdout.isTTY ? 'progress-bar' : 'progress'];
  const { runConfiguration } = await loadConfiguration({
    file: false,
    provided: {
      paths: [path.join(PROJECT_ROOT, 'features/**/*.feature')],
      import: [path.join(PROJECT_ROOT, 'steps/support/00-register-tsx.mjs'), path.join(PROJECT_ROOT, 'steps/**/*.ts')],
      format: [...progress, `message:${messagesFile}`, ['allure-cucumberjs/reporter', path.join(opts.out, 'allure-formatter.log')]],
      // Clause and test-purpose labels come from steps/support/allure-labels.ts, which sees Examples-row tags too.
      // printAttachments off: the evidence traces belong in the reports, not in the console's failure list.
      // RunResultsWriter: Allure's own writer fsyncs every file, the largest cost of a run (reports/allure-results-writer.ts).
      // Cucumber types formatOptions as JSON; the Allure formatter takes a writer object there as well, used as given.
      formatOptions: { resultsDir, printAttachments: false, writer: resultsWriter } as unknown as { resultsDir: string },
      worldParameters: { target: 'reference', faults: opts.faults, timeoutMs: opts.timeoutMs, allure: true, ...(opts.referenceData ? { referenceData: opts.referenceData } : {}), ...(targetRun.target ? { targetFile: targetRun.target.file } : {}), capabilities: { ...targetRun.capabilities } },
      tags: opts.tags ?? '',
      parallel: opts.parallel > 1 ? opts.parallel : 0,
      strict: true,
    },
  }, { cwd: PROJECT_ROOT });
  // Everything the user could have got wrong is checked before the earlier reports in --out are replaced.
  const { plan: fullPlan, errors } = await loadSources(runConfiguration.sources, { cwd: PROJECT_ROOT });
  if (errors.length) throw new HarnessError(`the features do not parse: ${errors.map((e) => `${e.uri}: ${e.message}`).join('; ')}`);
  if (fullPlan.length === 0) throw new UsageError(`run: --tags '${opts.tags}' matches no scenario (tags look like @OBF-B.2-up-3, @TP/OBF/AS/DEC/BI-01, @secure-element); earlier reports were kept`);
  let plan = fullPlan;
  if (opts.shard) {
    plan = selectShard(fullPlan, opts.shard);
    if (plan.length === 0) throw new UsageError(`run: --shard ${opts.shard.index}/${opts.shard.count} holds no scenario (the run has ${fullPlan.length}); use fewer shards`);
    runConfiguration.sources.paths = shardPaths(PROJECT_ROOT, plan, (root, uri) => path.join(root, uri));
  }
  try {
    await mkdir(opts.out, { recursive: true });
  } catch (e) {
    throw new UsageError(`run: cannot create the report folder ${opts.out}: ${(e as Error).message}`);
  }
  // From the clean-up on, the folder's earlier reports are gone and the new ones not yet written: Ctrl-C must say so
  // rather than leave a half-written folder that reads as a result. Exit 130 as for any SIGINT (128 + 2).
  const interrupted = () => {
    process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}interrupted: the reports in ${shown(opts.out) || '.'} are incomplete\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    // A run with --target writes target.masked.yaml and capabilities.json after this clean-up (docs/certification-report.md).
    for (const stale of ['allure-results', 'allure-report', REPORT_FILES.json, REPORT_FILES.html, REPORT_FILES.junit, REPORT_FILES.traceability, 'cucumber-messages.ndjson', 'waivers.yaml', TARGET_MASKED_FILE, CAPABILITIES_FILE]) {
      await rm(path.join(opts.out, stale), { recursive: true, force: true });
    }
    await writeTargetRecords(opts.out, targetRun);
    await mkdir(resultsDir, { recursive: true });
    const startedAt = new Date().toISOString();
    const fault = opts.faults.length ? opts.faults.join(',') : null;
    if (opts.waivers) await writeFile(path.join(opts.out, 'waivers.yaml'), await readFile(opts.waivers.file));
    const shardNote = opts.shard ? ` (shard ${opts.shard.index}/${opts.shard.count} of ${fullPlan.length})` : '';
    log(`obf-conformance ${suiteVersion()}: running ${plan.length} scenario${plan.length === 1 ? '' : 's'}${shardNote} against ${targetRun.target ? targetRun.sut.name : 'the reference implementation'}${fault ? ` with fault ${fault}` : ''}`);
    if (targetRun.target) log(`  ${targetRun.sut.description}`);

    const stderrChunks: string[] = [];
    const stderr = new PassThrough();
    stderr.on('data', (c: Buffer) => stderrChunks.push(c.toString()));
    await runCucumber(runConfiguration, {
      cwd: PROJECT_ROOT,
      stdout: process.stdout,
      stderr,
      env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' },
    });
    // The Allure results are written off the main thread while the scenarios run; all must be on disk before they are read back.
    await resultsWriter.flush();
    const commit = suiteCommit();
    const context = readRunContext(opts.out);
    const meta: RunMetadata = {
      suite: { name: 'obf-conformance', version: suiteVersion(), commit: commit.commit, dirty: commit.dirty },
      sut: context.identity
        ? {
          kind: 'third-party',
          name: `${context.identity.vendor} ${context.identity.product} ${context.identity.version}`,
          description: targetRun.target ? targetRun.sut.description : `declared in the target file (${TARGET_MASKED_FILE}, ${CAPABILITIES_FILE})`,
          fault: null, identity: context.identity, capabilities: context.capabilities ?? undefined, targetFile: context.targetFile,
        }
        : targetRun.target ? targetRun.sut : {
          kind: 'reference',
          name: 'OBF reference implementation',
          description: `bundled reference Secure Element, device, Application Server, Authentication Server and Resource Server (HTTP on loopback)${fault ? `; fault switched on: ${fault}` : ''}`,
          fault,
        },
      run: {
        startedAt, finishedAt: new Date().toISOString(), tags: opts.tags ?? null, command: ['obf-conformance', 'run', ...process.argv.slice(3)].join(' '),
        lab: opts.lab ?? null, operator: opts.operator ?? null, shard: opts.shard ?? null,
      },
      waivers: opts.waivers,
      problems: context.problems,
    };
    const report = buildCertification(await readFile(messagesFile, 'utf8'), meta);
    await writeRunReports(opts.out, report);
    await writeAllureExtras(resultsDir, meta);
    await alignAllureStatuses(resultsDir);
    await annotateAllureResults(resultsDir, report);
    let allureLine = `allure results: ${shown(resultsDir)}`;
    if (opts.allureReport) {
      const g = await generateAllureReport(resultsDir, path.join(opts.out, 'allure-report'), { reportName: 'OBF conformance' });
      allureLine = g.ok ? `allure report:  ${shown(path.join(opts.out, 'allure-report', 'index.html'))} (open with: npx obf-conformance report serve ${shown(opts.out) || '.'})` : `allure report NOT generated: ${g.message}`;
    }
    const harnessNoise = stderrChunks.join('').trim();
    if (harnessNoise && !opts.quiet) process.stderr.write(harnessNoise + '\n');
    log('');
    for (const s of report.scenarios.filter((x) => x.verdict !== 'pass' && x.verdict !== 'not-applicable')) {
      log(`  ${s.verdict.toUpperCase().padEnd(12)} ${s.testPurpose ?? '(no TP)'}  ${s.name}\n               ${s.reason ?? ''}`);
    }
    log(`certification:  ${shown(path.join(opts.out, REPORT_FILES.html))}, certification.json, junit.xml`);
    log(allureLine);
    log(verdictLine(report));
    log(summaryLine(report));
    return report;
  } finally {
    process.removeListener('SIGINT', interrupted);
  }
}
