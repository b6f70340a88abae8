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
import type { RunMetadata } from './certification.ts';

export const ALLURE_BIN = path.join(PROJECT_ROOT, 'node_modules', 'allure-commandline', 'dist', 'bin', 'allure');

export interface AllureCategory { name: string; matchedStatuses: string[]; messageRegex?: string; traceRegex?: string }

/** Allure categories (Java regexes, matched against the whole message with DOTALL). */
export const ALLURE_CATEGORIES: readonly AllureCategory[] = [
  { name: 'Product failures (NonConformance)', matchedStatuses: ['failed', 'broken'], messageRegex: '(?s)\\s*NonConformance: .*' },
  { name: 'Inconclusive (SUT did not answer)', matchedStatuses: ['failed', 'broken'], messageRegex: '(?s)\\s*Inconclusive: .*' },
  { name: 'Harness errors', matchedStatuses: ['failed', 'broken', 'unknown'], messageRegex: '(?s)(?!\\s*(?:NonConformance|Inconclusive): ).*' },
];

/** The key/value pairs shown in Allure's Environment widget. */
export function allureEnvironment(meta: RunMetadata): Record<string, string> {
  return {
    'SUT': meta.sut.name,
    'SUT.kind': meta.sut.kind,
    'SUT.description': meta.sut.description,
    'SUT.fault': meta.sut.fault ?? 'none',
    'Suite': meta.suite.name,
    'Suite.version': meta.suite.version,
    'Suite.commit': meta.suite.commit === null ? 'unknown' : `${meta.suite.commit}${meta.suite.dirty ? ' (dirty)' : ''}`,
    'Run.tags': meta.run.tags ?? 'none',
    'Run.startedAt': meta.run.startedAt,
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
