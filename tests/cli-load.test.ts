/**
 * `obf-conformance load` (cli/load-command.ts) with small numbers: the reference in process and as a child process
 * with a data file; the report's figures and checks; bad options of load and an unusable `reference serve --data`
 * file: one line and exit 2. The figures are reported, never asserted against a speed (README: benchmarks).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/obf-conformance.js'), 'load', ...args], { encoding: 'utf8', timeout: 60_000 });
const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-load-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  devices: number;
  sent: { fresh: number; replays: number };
  accepted: number;
  acceptedPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  rejectedByReason: Record<string, number>;
  checks: { everyFreshAcceptedOnce: boolean; everyReplayRejected: boolean; problems: string[] };
  memory: { generatorBytesPerDevice: number; serverHeapBytesPerDevice: number | null; dataFileBytesPerDevice: number | null };
}

function runJson(...args: string[]): Report {
  const r = cli(...args, '--json');
  assert.equal(r.status, 0, `exit code: ${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as Report;
}

function expectSound(r: Report, devices: number): void {
  assert.equal(r.devices, devices);
  assert.ok(r.sent.fresh > 0 && r.sent.replays > 0, JSON.stringify(r.sent));
  assert.equal(r.accepted, r.sent.fresh, 'every fresh packet accepted once');
  assert.deepEqual(r.rejectedByReason, { REPLAY: r.sent.replays }, 'every replay refused with REPLAY, nothing else refused');
  assert.deepEqual(r.checks, { everyFreshAcceptedOnce: true, everyReplayRejected: true, problems: [] });
  assert.ok(r.latencyMs.p50 > 0 && r.latencyMs.p50 <= r.latencyMs.p99 && r.latencyMs.p99 <= r.latencyMs.max, JSON.stringify(r.latencyMs));
  assert.ok(r.acceptedPerSecond > 0);
  assert.ok(r.memory.generatorBytesPerDevice >= 0, 'a heap difference, clamped at 0 (noise with few devices)');
}

describe('load', () => {
  test('in process, state in memory: every packet accepted once, every replay refused', () => {
    const r = runJson('--devices', '20', '--rate', '200', '--duration', '1', '--replay-every', '10');
    expectSound(r, 20);
    assert.ok(r.memory.serverHeapBytesPerDevice !== null);
    assert.equal(r.memory.dataFileBytesPerDevice, null);
  });

  test('the reference as a child process with a data file', () => {
    const r = runJson('--devices', '5', '--rate', '50', '--duration', '1', '--server', 'child', '--data', path.join(dir, 'load.db'));
    expectSound(r, 5);
    assert.equal(r.memory.serverHeapBytesPerDevice, null, 'not measured in another process');
    assert.ok((r.memory.dataFileBytesPerDevice ?? 0) > 0);
  });

  test('the text report names every figure', () => {
    const r = cli('--devices', '3', '--rate', '60', '--duration', '1', '--replay-every', '5');
    assert.equal(r.status, 0, r.stderr);
    for (const label of ['sent', 'accepted', 'latency   p50', 'rejected  REPLAY', 'memory', 'check     every fresh packet accepted exactly once: yes; every replay refused with REPLAY: yes']) {
      assert.ok(r.stdout.includes(label), `${label} in:\n${r.stdout}`);
    }
  });

  test('--help', () => {
    const r = cli('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: obf-conformance load/);
  });

  const notDb = path.join(dir, 'not-a-db');
  writeFileSync(notDb, 'plain text, not SQLite');
  const cases: Array<[string[], RegExp]> = [
    [['--devices', '0'], /--devices must be an integer 1\.\.1000000, got '0'$/],
    [['--replay-every', 'x'], /--replay-every must be an integer 0\.\.1000000, got 'x'$/],
    [['--duration', '0'], /--duration must be a number above 0, at most 3600, got '0'$/],
    [['--devices', '2.5'], /--devices must be an integer/],
    [['--rate', 'fast'], /--rate must be a number/],
    [['--duration', '-1'], /write --duration=<value>/],
    [['--duration', '99999'], /--duration must be/],
    [['--replay-every', '-3'], /write --replay-every=<value>/],
    [['--server', 'remote'], /--server must be in-process or child/],
    [['--connections', '0'], /--connections must be an integer 1\.\.1024/],
    [['--data', ''], /--data needs a file name/],
    [['--data', notDb, '--duration', '1'], /not an SQLite database/],
    [['--data', notDb, '--duration', '1', '--server', 'child'], /not an SQLite database/],
    [['--data', path.join(dir, 'no', 'such', 'folder.db')], /folder does not exist/],
    [['--target', 'x.yaml'], /unknown option '--target'/],
  ];
  const serve = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/obf-conformance.js'), 'reference', 'serve', ...args], { encoding: 'utf8', timeout: 60_000 });
  const serveCases: Array<[string[], RegExp]> = [
    [['--data', notDb], /cannot use '.*not-a-db' as the reference data file: it is not an SQLite database/],
    [['--data', dir], /it is not a regular file/],
    [['--data', path.join(dir, 'no', 'such.db')], /its folder does not exist/],
    [['--data', ''], /--data needs a file name/],
  ];
  const all: Array<[string[], RegExp, (...a: string[]) => ReturnType<typeof cli>]> = [
    ...cases.map(([a, p]): [string[], RegExp, typeof cli] => [a, p, cli]),
    ...serveCases.map(([a, p]): [string[], RegExp, typeof cli] => [['reference serve', ...a], p, (...x: string[]) => serve(...x.slice(1))]),
  ];
  for (const [args, pattern, run] of all) {
    test(`bad input: ${args.join(' ')}`, () => {
      const r = run(...args);
      assert.equal(r.status, 2, `exit code: ${r.stderr}${r.stdout}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
      assert.match(lines[0], pattern);
    });
  }
});
