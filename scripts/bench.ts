/**
 * npm run bench [-- --json <file>] [--only packet,http,suite,pcsc]: figures as ratios measured in one run (the machines
 * are shared and noisy: compare figures from the same run, not across runs). Nothing here is asserted.
 *   1. packets decoded+verified and built per second, AES-128 and 3DES vectors (../shared/vectors, pysim sources),
 *      beside the same process's raw node:crypto floor: one createCipheriv + update of the same bytes;
 *   2. the reference Application Server's /decrypt route over HTTP beside a bare node:http echo server, same load
 *      generator and connections (scripts/bench-http.ts);
 *   3. wall time of the full suite against the reference, beside Cucumber running the same number of empty
 *      scenarios with the same loader and the Allure formatter: the ratio is the harness's own cost;
 *   4. one APDU through pcscd + vpcd beside the card alone, and where the time goes (bench-pcsc.ts; --only pcsc).
 */
import { readFileSync, mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { parseArgs } from 'node:util';
import { httpBench } from './bench-http.ts';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeCommandPacket, encodeCommandPacket } from '../protocol/ts-102-225.ts';
import { fromHex } from '../protocol/hex.ts';
import { pcscBench } from './bench-pcsc.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VECTORS = process.env.OBF_VECTORS_DIR ?? path.resolve(ROOT, '../shared/vectors');

interface Vector { id: string; spi: string; kic: string; kid: string; tar: string; cntr: string; data: string; packet: string; kicKey?: string; kidKey?: string }

function rate(fn: () => void, ms = 1500): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  return n / ((performance.now() - start) / 1000);
}

const figures: Record<string, unknown> = {};

function packetBench(): void {
  const vectors = (JSON.parse(readFileSync(path.join(VECTORS, 'scp80-command-packets.json'), 'utf8')) as { commandPackets: Vector[] }).commandPackets;
  console.log('Secured-packet core (ops/s, higher is better; floor = one createCipheriv + update of the same bytes)');
  const out: Record<string, unknown> = {};
  for (const id of ['pysim-aes128-ciphered-cc-counter', 'pysim-3des-ciphered-cc-counter']) {
    const v = vectors.find((x) => x.id === id)!;
    const keys = { kic: fromHex(v.kicKey!), kid: fromHex(v.kidKey!) };
    const packet = fromHex(v.packet);
    const decode = rate(() => {
      if (decodeCommandPacket(packet, keys).verified !== true) throw new Error('vector did not verify');
    });
    const input = { spi: fromHex(v.spi), kic: parseInt(v.kic, 16), kid: parseInt(v.kid, 16), tar: fromHex(v.tar), cntr: fromHex(v.cntr), data: fromHex(v.data), keys };
    const encode = rate(() => encodeCommandPacket(input));
    // The floor: what one OpenSSL context costs per packet, over the packet's ciphered part (CNTR to end).
    const aes = id.includes('aes');
    const secured = packet.subarray(10);
    const floor = rate(() => createCipheriv(aes ? 'aes-128-cbc' : 'des-ede-cbc', keys.kic, Buffer.alloc(aes ? 16 : 8)).update(secured));
    console.log(`  ${id.padEnd(34)} decode+verify ${fmt(decode)}/s (${(decode / floor).toFixed(2)}x floor)   build ${fmt(encode)}/s (${(encode / floor).toFixed(2)}x)   floor ${fmt(floor)}/s`);
    out[aes ? 'aes128' : 'tdes'] = { vector: id, decodeVerifyPerSecond: Math.round(decode), buildPerSecond: Math.round(encode), cipherFloorPerSecond: Math.round(floor), decodeVsFloor: +(decode / floor).toFixed(2), buildVsFloor: +(encode / floor).toFixed(2) };
  }
  figures.packet = out;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en').padStart(8);
}

async function httpFigures(): Promise<void> {
  const h = await httpBench();
  console.log(`\nApplication Server over HTTP (${h.connections} keep-alive connections, ${h.seconds} s each side, medians of alternating rounds)`);
  console.log(`  bare node:http JSON echo                   ${fmt(h.bareEchoPerSecond)}/s   1.00x`);
  console.log(`  reference AS POST /decrypt (verified)      ${fmt(h.asDecryptPerSecond)}/s   ${h.ratio.toFixed(2)}x${h.refused ? `   (${h.refused} refused!)` : ''}`);
  figures.http = { connections: h.connections, bareEchoPerSecond: Math.round(h.bareEchoPerSecond), asDecryptPerSecond: Math.round(h.asDecryptPerSecond), ratio: +h.ratio.toFixed(2), refused: h.refused };
}

function timed(cmd: string, args: string[], cwd = ROOT): { ms: number; out: string; code: number } {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { ms: performance.now() - start, out: r.stdout + r.stderr, code: r.status ?? 1 };
}

/** Rounds of each measurement, taken alternately so that a burst of load on the shared machine hits all sides alike. */
const SUITE_ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function suiteBench(): void {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'obf-bench-'));
  try {
    const runSuite = (k: number) => timed(process.execPath, ['bin/obf-conformance.js', 'run', '--no-allure-report', '--out', path.join(tmp, `suite${k}`)]);
    const first = runSuite(0);
    const n = Number(/(\d+) scenarios:/.exec(first.out)?.[1] ?? 0);
    const steps = Number(/(\d+) steps \(/.exec(first.out)?.[1] ?? n);
    if (first.code !== 0 || n === 0) throw new Error(`suite run failed:\n${first.out.slice(-2000)}`);
    // The same number of empty scenarios, the same TypeScript loader, the message and Allure formatters.
    const empty = path.join(tmp, 'empty');
    mkdirSync(path.join(empty, 'features'), { recursive: true });
    mkdirSync(path.join(empty, 'steps'), { recursive: true });
    writeFileSync(path.join(empty, 'package.json'), '{"type":"module"}\n');
    writeFileSync(path.join(empty, 'features', 'empty.feature'), 'Feature: empty\n' + Array.from({ length: n }, (_, i) => `  Scenario: s${i}\n    Given nothing\n`).join(''));
    // The same scenarios with as many empty steps as the suite has (Cucumber and the formatters cost per step too).
    const emptySteps = path.join(tmp, 'empty-steps');
    mkdirSync(path.join(emptySteps, 'features'), { recursive: true });
    writeFileSync(path.join(emptySteps, 'features', 'empty.feature'), 'Feature: empty\n' + Array.from({ length: n }, (_, i) => {
      const k = Math.floor(steps / n) + (i < steps % n ? 1 : 0);
      return `  Scenario: s${i}\n` + Array.from({ length: k }, () => '    Given nothing\n').join('');
    }).join(''));
    writeFileSync(path.join(empty, 'steps', 'nothing.ts'), `import { Given } from '${path.join(ROOT, 'node_modules/@cucumber/cucumber/lib/index.js')}';\nGiven('nothing', () => {});\n`);
    const cucumberBin = path.join(ROOT, 'node_modules/@cucumber/cucumber/bin/cucumber.js');
    const allure = path.join(ROOT, 'node_modules/allure-cucumberjs/dist/esm/reporter.js');
    const runEmpty = (features = path.join(empty, 'features')) => timed(process.execPath, [
      cucumberBin, '--import', path.join(ROOT, 'steps/support/00-register-tsx.mjs'), '--import', path.join(empty, 'steps', 'nothing.ts'),
      '--format', `message:${path.join(empty, 'm.ndjson')}`, '--format', `${allure}:${path.join(empty, 'allure.log')}`,
      '--format-options', JSON.stringify({ resultsDir: path.join(empty, 'allure-results') }), features,
    ], empty);
    // One scenario: the run's fixed cost (loading, servers, reports); the rest is per scenario.
    const runOne = (k: number) => timed(process.execPath, ['bin/obf-conformance.js', 'run', '--no-allure-report', '--tags', '@TP/OBF/SE/GEN/BV-01', '--out', path.join(tmp, `one${k}`)]);
    const times = { suite: [] as number[], one: [] as number[], bare: [] as number[], bareSteps: [] as number[] };
    for (let k = 1; k <= SUITE_ROUNDS; k++) {
      const bare = runEmpty();
      if (bare.code !== 0) throw new Error(`empty cucumber run failed:\n${bare.out.slice(-2000)}`);
      times.bare.push(bare.ms);
      const bareSteps = runEmpty(path.join(emptySteps, 'features'));
      if (bareSteps.code !== 0) throw new Error(`empty cucumber run failed:\n${bareSteps.out.slice(-2000)}`);
      times.bareSteps.push(bareSteps.ms);
      const suite = runSuite(k);
      if (suite.code !== 0) throw new Error(`suite run failed:\n${suite.out.slice(-2000)}`);
      times.suite.push(suite.ms);
      times.one.push(runOne(k).ms);
    }
    const [bare, bareSteps, suite, one] = [median(times.bare), median(times.bareSteps), median(times.suite), median(times.one)];
    const withAllure = timed(process.execPath, ['bin/obf-conformance.js', 'run', '--out', path.join(tmp, 'allure')]);
    const perScenario = (suite - one) / (n - 1);
    console.log(`\nConformance suite (${n} scenarios, wall time, medians of ${SUITE_ROUNDS} alternating rounds, lower is better)`);
    console.log(`  cucumber-js + Allure formatter, ${n} empty scenarios ${bare.toFixed(0).padStart(6)} ms   1.00x`);
    console.log(`  the same with ${steps} empty steps (the suite's count)   ${bareSteps.toFixed(0).padStart(6)} ms   ${(bareSteps / bare).toFixed(2)}x`);
    console.log(`  obf-conformance run, no Allure HTML                 ${suite.toFixed(0).padStart(6)} ms   ${(suite / bare).toFixed(2)}x (${(suite / bareSteps).toFixed(2)}x the empty steps)`);
    console.log(`    of which fixed (a 1-scenario run)                 ${one.toFixed(0).padStart(6)} ms; per scenario ${perScenario.toFixed(1)} ms`);
    console.log(`  obf-conformance run, with Allure HTML (Java, once)  ${withAllure.ms.toFixed(0).padStart(6)} ms   ${(withAllure.ms / bare).toFixed(2)}x`);
    figures.suite = {
      scenarios: n, steps, rounds: SUITE_ROUNDS, emptyCucumberAllureMs: Math.round(bare), emptyStepsMs: Math.round(bareSteps), suiteMs: Math.round(suite), ratio: +(suite / bare).toFixed(2), ratioToEmptySteps: +(suite / bareSteps).toFixed(2),
      oneScenarioRunMs: Math.round(one), perScenarioMs: +perScenario.toFixed(1), withAllureHtmlMs: Math.round(withAllure.ms), withAllureHtmlRatio: +(withAllure.ms / bare).toFixed(2),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const { values } = parseArgs({ options: { json: { type: 'string' }, only: { type: 'string' } } });
const only = new Set((values.only ?? 'packet,http,suite,pcsc').split(','));
figures.machine = { node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg().map((x) => +x.toFixed(1)), at: new Date().toISOString() };
if (only.has('packet')) packetBench();
if (only.has('http')) await httpFigures();
if (only.has('suite')) suiteBench();
if (only.has('pcsc')) await pcscBench();
if (values.json) {
  writeFileSync(values.json, JSON.stringify(figures, null, 2) + '\n');
  console.log(`\nfigures written to ${values.json}`);
}
