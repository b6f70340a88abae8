/**
 * Runs the report fixture suite (tests/fixtures/report-suite) with cucumber-js in a child process, writing the
 * message stream and Allure results into a run folder, as a real conformance run does.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../harness/suite-info.ts';
import type { RunMetadata } from '../reports/certification.ts';

export const FIXTURE_DIR = path.join(PROJECT_ROOT, 'tests', 'fixtures', 'report-suite');
const CUCUMBER_BIN = path.join(PROJECT_ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');

export interface FixtureRun {
  runDir: string;
  messagesPath: string;
  allureResultsDir: string;
  exitCode: number | null;
  output: string;
  durationMs: number;
  meta: RunMetadata;
}

export function fixtureMeta(startedAt: string, finishedAt: string, command: string): RunMetadata {
  return {
    suite: { name: 'obf-conformance', version: '0.0.0-fixture', commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    sut: { kind: 'reference', name: 'Fixture SUT <ref> & "co"', description: 'The report fixture: every verdict on purpose', fault: 'replay-accepted' },
    run: { startedAt, finishedAt, tags: null, command },
  };
}

export async function runFixtureSuite(runDir: string): Promise<FixtureRun> {
  const messagesPath = path.join(runDir, 'messages.ndjson');
  const allureResultsDir = path.join(runDir, 'allure-results');
  const args = [
    CUCUMBER_BIN,
    '--config', path.relative(PROJECT_ROOT, path.join(FIXTURE_DIR, 'cucumber.json')),
    '--format', `message:${messagesPath}`,
    '--format', `allure-cucumberjs/reporter:${path.join(runDir, 'allure-formatter.log')}`,
    '--format-options', JSON.stringify({ resultsDir: allureResultsDir }),
    '--format', 'summary',
  ];
  const startedAt = new Date();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    let output = '';
    // the support file 00-tsx.mjs loads tsx itself; node:test's NODE_TEST_CONTEXT must not leak into cucumber
    const { NODE_TEST_CONTEXT: _ctx, NODE_OPTIONS: _opts, ...env } = process.env;
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, output }));
  });
  const finishedAt = new Date();
  const command = ['cucumber-js', ...args.slice(1)].join(' ');
  return {
    runDir, messagesPath, allureResultsDir, exitCode: code, output,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    meta: fixtureMeta(startedAt.toISOString(), finishedAt.toISOString(), command),
  };
}
