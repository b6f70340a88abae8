/**
 * Allure 2 extras for a run: environment.properties and categories.json in the results directory, a status
 * correction for allure-cucumberjs results, and report generation through the allure-commandline package
 * (which needs Java 8+).
 *
 * allure-cucumberjs builds each failure from Cucumber's testStepResult: statusDetails.message and .trace are
 * both Cucumber's formatted stack trace, which starts with "<exception type>: <message>" (for example
 * "NonConformance: importKey accepted a replayed packet"). The categories below match on that prefix.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../harness/suite-info.ts';
import { REQUIREMENTS, REQUIREMENT_TAG, TEST_PURPOSE_TAG } from '../harness/requirements.ts';
import type { CertificationReport, RunMetadata } from './certification.ts';

export const ALLURE_BIN = path.join(PROJECT_ROOT, 'node_modules', 'allure-commandline', 'dist', 'bin', 'allure');

export interface AllureCategory { name: string; matchedStatuses: string[]; messageRegex?: string; traceRegex?: string }

/** Allure categories (Java regexes, matched against the whole message with DOTALL). */
export const ALLURE_CATEGORIES: readonly AllureCategory[] = [
  { name: 'Product failures (NonConformance)', matchedStatuses: ['failed', 'broken'], messageRegex: '(?s)\\s*NonConformance: .*' },
  { name: 'Inconclusive (SUT did not answer)', matchedStatuses: ['failed', 'broken'], messageRegex: '(?s)\\s*Inconclusive: .*' },
  { name: 'Harness errors', matchedStatuses: ['failed', 'broken', 'unknown'], messageRegex: '(?s)(?!\\s*(?:NonConformance|Inconclusive): ).*' },
  { name: 'Not applicable (capability not declared) or waived', matchedStatuses: ['skipped'] },
];

/** The key/value pairs shown in Allure's Environment widget. */
export function allureEnvironment(meta: RunMetadata): Record<string, string> {
  return {
    'SUT': meta.sut.name,
    'SUT.kind': meta.sut.kind,
    'SUT.description': meta.sut.description,
    'SUT.fault': meta.sut.fault ?? 'none',
    'SUT.vendor': meta.sut.identity?.vendor ?? 'obf-conformance project',
    'SUT.product': meta.sut.identity?.product ?? meta.sut.name,
    'SUT.version': meta.sut.identity?.version ?? meta.suite.version,
    ...(meta.sut.identity?.iccidRange ? { 'SUT.iccidRange': meta.sut.identity.iccidRange } : {}),
    ...(meta.sut.identity?.serverUrl ? { 'SUT.serverUrl': meta.sut.identity.serverUrl } : {}),
    'SUT.capabilities': meta.sut.capabilities && meta.sut.capabilities.source === 'target'
      ? Object.entries(meta.sut.capabilities.declared).map(([k, v]) => `${k}=${v}`).join(', ') || 'none declared'
      : 'all capabilities of the reference',
    'Suite': meta.suite.name,
    'Suite.version': meta.suite.version,
    'Suite.commit': meta.suite.commit === null ? 'unknown' : `${meta.suite.commit}${meta.suite.dirty ? ' (dirty)' : ''}`,
    'Run.tags': meta.run.tags ?? 'none',
    'Run.shard': meta.run.shard ? `${meta.run.shard.index}/${meta.run.shard.count}` : meta.run.mergedFrom ? `merged from ${meta.run.mergedFrom.length} runs` : 'none',
    'Run.lab': meta.run.lab ?? 'not given',
    'Run.operator': meta.run.operator ?? 'not given',
    'Run.startedAt': meta.run.startedAt,
    'Run.command': meta.run.command,
    'Run.waivers': meta.waivers?.file ? `${meta.waivers.entries.length} from ${path.basename(meta.waivers.file)}` : 'none',
    'Node': process.version,
  };
}

/** Java .properties escaping (ISO-8859-1 file: everything outside printable ASCII becomes \uXXXX). */
function propertiesEscape(text: string, isKey: boolean): string {
  let out = '';
  for (const [i, ch] of [...text].entries()) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === ' ' && (isKey || i === 0)) out += '\\ ';
    else if ('=:#!'.includes(ch) && (isKey || i === 0)) out += `\\${ch}`;
    else if (ch < ' ' || ch > '~') for (let j = 0; j < ch.length; j++) out += `\\u${ch.charCodeAt(j).toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

export function toProperties(entries: Record<string, string>): string {
  return Object.entries(entries).map(([k, v]) => `${propertiesEscape(k, true)}=${propertiesEscape(v, false)}`).join('\n') + '\n';
}

/** Writes environment.properties and categories.json into an Allure results directory (after the run: allure-cucumberjs may write its own). */
export async function writeAllureExtras(resultsDir: string, meta: RunMetadata): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  await writeFile(path.join(resultsDir, 'environment.properties'), toProperties(allureEnvironment(meta)), 'latin1');
  await writeFile(path.join(resultsDir, 'categories.json'), JSON.stringify(ALLURE_CATEGORIES, null, 2) + '\n');
}

interface AllureStep { status?: string; statusDetails?: { message?: string }; steps?: AllureStep[] }

/**
 * allure-cucumberjs marks every failure 'broken' (it only says 'failed' for assertion-library errors) and a
 * scenario whose step returned 'skipped' as 'passed'. This rewrites the result files so Allure's own statuses
 * agree with the certification verdicts: NonConformance -> failed, skipped (not applicable) -> skipped;
 * Inconclusive and harness errors stay broken. Returns the number of results changed.
 */
export async function alignAllureStatuses(resultsDir: string): Promise<number> {
  let changed = 0;
  for (const file of (await readdir(resultsDir)).filter((f) => f.endsWith('-result.json'))) {
    const full = path.join(resultsDir, file);
    const result = JSON.parse(await readFile(full, 'utf8')) as AllureStep;
    let touched = false;
    const visit = (node: AllureStep, isRoot: boolean) => {
      if (/^\s*NonConformance: /.test(node.statusDetails?.message ?? '') && node.status !== 'failed') {
        node.status = 'failed';
        touched = true;
      }
      if (/^\s*NotApplicable: /.test(node.statusDetails?.message ?? '') && node.status !== 'skipped') {
        node.status = 'skipped';
        touched = true;
      }
      node.steps?.forEach((s) => visit(s, false));
      if (isRoot && node.status === 'passed' && node.steps?.some((s) => s.status === 'skipped')) {
        node.status = 'skipped';
        touched = true;
      }
    };
    visit(result, true);
    if (touched) {
      await writeFile(full, JSON.stringify(result));
      changed++;
    }
  }
  return changed;
}

interface AllureLabel { name: string; value: string }
interface AllureResult { fullName?: string; name?: string; status?: string; labels?: AllureLabel[]; links?: { name?: string; url: string; type?: string }[]; statusDetails?: { message?: string } }

/**
 * Labels and links the certification report knows, added to every result (idempotent): an epic per area and a
 * story per requirement (the same grouping as certification.html), a `clause` and a `testPurpose` label, a link
 * per clause to its row in certification.html (which sits next to allure-report/ in the run folder), and for a
 * waived scenario a `waiver` label, a skipped status and the waiver in the status message, so it never shows
 * as passed. Returns the number of results changed.
 */
export async function annotateAllureResults(resultsDir: string, report: Pick<CertificationReport, 'scenarios'>): Promise<number> {
  const catalogue = new Map(REQUIREMENTS.map((r) => [r.id, r]));
  let changed = 0;
  for (const file of (await readdir(resultsDir)).filter((f) => f.endsWith('-result.json'))) {
    const full = path.join(resultsDir, file);
    const before = await readFile(full, 'utf8');
    const result = JSON.parse(before) as AllureResult;
    const labels = (result.labels ??= []);
    const links = (result.links ??= []);
    const add = (name: string, value: string) => {
      if (!labels.some((l) => l.name === name && l.value === value)) labels.push({ name, value });
    };
    const tags = labels.filter((l) => l.name === 'tag').map((l) => l.value);
    for (const id of tags.map((t) => REQUIREMENT_TAG.exec(t)?.[1]).filter((t): t is string => t !== undefined)) {
      const r = catalogue.get(id);
      add('clause', id);
      if (r) {
        add('epic', r.area);
        add('story', `${r.clause}: ${r.title}`);
      }
      const url = `../certification.html#req-${id}`;
      if (!links.some((l) => l.url === url)) links.push({ name: `${id} (clause ${r?.clause ?? id.replace(/^OBF-/, '')})`, url, type: 'link' });
    }
    for (const tp of tags.map((t) => TEST_PURPOSE_TAG.exec(t)?.[1]).filter((t): t is string => t !== undefined)) add('testPurpose', tp);
    const where = /^[^:]*:(.*)#(.*)$/s.exec(result.fullName ?? '');
    const scenario = where ? report.scenarios.find((s) => s.uri === where[1] && s.name === where[2] && s.waiver) : undefined;
    if (scenario?.waiver) {
      const w = scenario.waiver;
      add('waiver', `${w.applied ? 'applied' : w.expired ? 'expired' : 'not needed'}: ${w.justification} (approved by ${w.approver}, until ${w.expires})`);
      if (w.applied && result.status !== 'skipped') {
        result.statusDetails = { ...result.statusDetails, message: `waived (not passed; verdict ${scenario.verdict}): ${w.justification}\n${result.statusDetails?.message ?? ''}` };
        result.status = 'skipped';
      }
    }
    const after = JSON.stringify(result);
    if (after !== JSON.stringify(JSON.parse(before))) {
      await writeFile(full, after);
      changed++;
    }
  }
  return changed;
}

export interface AllureGenerateOptions { reportName?: string; singleFile?: boolean; timeoutMs?: number }

function javaAvailable(): { ok: boolean; detail: string } {
  const javaHome = process.env.JAVA_HOME;
  const java = javaHome ? path.join(javaHome, 'bin', 'java') : 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : `exit status ${probe.status}`;
    return { ok: false, detail: `${java} -version failed (${why})` };
  }
  return { ok: true, detail: (probe.stderr || probe.stdout).split('\n')[0] ?? '' };
}

/** Runs `allure generate <results> -o <report> --clean`. Never throws: failures come back as ok:false with a message. */
export async function generateAllureReport(resultsDir: string, reportDir: string, options: AllureGenerateOptions = {}): Promise<{ ok: boolean; message?: string }> {
  if (!existsSync(ALLURE_BIN)) return { ok: false, message: `allure-commandline is not installed (${ALLURE_BIN} missing): run npm install` };
  if (!existsSync(resultsDir)) return { ok: false, message: `Allure results directory ${resultsDir} does not exist` };
  const java = javaAvailable();
  if (!java.ok) {
    return { ok: false, message: `Java is needed to generate the Allure report and was not found: ${java.detail}. Install a JRE 8+ (Debian: apt-get install -y --no-install-recommends default-jre-headless) or set JAVA_HOME. The certification report does not need Java.` };
  }
  const args = ['generate', resultsDir, '-o', reportDir, '--clean'];
  if (options.reportName) args.push('--name', options.reportName);
  if (options.singleFile) args.push('--single-file');
  return new Promise((resolve) => {
    let output = '';
    // ALLURE_NO_ANALYTICS=true (Boolean.parseBoolean: "1" does not work): without it, index.html loads Google Tag Manager (a certification report stays offline)
    const child = spawn(ALLURE_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ALLURE_NO_ANALYTICS: 'true' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `could not start ${ALLURE_BIN}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const tail = output.trim().split('\n').slice(-5).join('\n');
      if (code === 0 && existsSync(path.join(reportDir, 'index.html'))) resolve({ ok: true, message: tail });
      else resolve({ ok: false, message: `allure generate failed (${signal ? `killed by ${signal}` : `exit code ${code}`}): ${tail}` });
    });
  });
}
