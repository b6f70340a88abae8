/**
 * npm run bench: throughput of the secured-packet core and the cost of the conformance suite, as ratios measured
 * in one run (the machines are shared and noisy: compare figures from the same run, not across runs).
 *   1. packets decoded+verified and built per second, AES-128 and 3DES vectors (../shared/vectors, pysim sources);
 *   2. wall time of the full suite against the reference, beside Cucumber running the same number of empty
 *      scenarios with the same loader: the ratio is the harness's own cost per scenario.
 */
import { readFileSync, mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeCommandPacket, encodeCommandPacket } from '../protocol/ts-102-225.ts';
import { fromHex } from '../protocol/hex.ts';

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

function packetBench(): void {
  const vectors = (JSON.parse(readFileSync(path.join(VECTORS, 'scp80-command-packets.json'), 'utf8')) as { commandPackets: Vector[] }).commandPackets;
  console.log('Secured-packet core (ops/s, higher is better)');
  for (const id of ['pysim-aes128-ciphered-cc-counter', 'pysim-3des-ciphered-cc-counter']) {
    const v = vectors.find((x) => x.id === id)!;
    const keys = { kic: fromHex(v.kicKey!), kid: fromHex(v.kidKey!) };
    const packet = fromHex(v.packet);
    const decode = rate(() => {
      if (decodeCommandPacket(packet, keys).verified !== true) throw new Error('vector did not verify');
    });
    const input = { spi: fromHex(v.spi), kic: parseInt(v.kic, 16), kid: parseInt(v.kid, 16), tar: fromHex(v.tar), cntr: fromHex(v.cntr), data: fromHex(v.data), keys };
    const encode = rate(() => encodeCommandPacket(input));
    console.log(`  ${id.padEnd(34)} decode+verify ${Math.round(decode).toString().padStart(7)}/s   build ${Math.round(encode).toString().padStart(7)}/s`);
  }
}

function timed(cmd: string, args: string[], cwd = ROOT): { ms: number; out: string; code: number } {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { ms: performance.now() - start, out: r.stdout + r.stderr, code: r.status ?? 1 };
}

function suiteBench(): void {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'obf-bench-'));
  try {
    const suite = timed(process.execPath, ['bin/obf-conformance.js', 'run', '--no-allure-report', '--out', path.join(tmp, 'suite')]);
    const n = Number(/(\d+) scenarios:/.exec(suite.out)?.[1] ?? 0);
    if (suite.code !== 0 || n === 0) throw new Error(`suite run failed:\n${suite.out.slice(-2000)}`);
    const withAllure = timed(process.execPath, ['bin/obf-conformance.js', 'run', '--out', path.join(tmp, 'suite2')]);
    // The same number of empty scenarios, the same TypeScript loader, the same message formatter.
    const empty = path.join(tmp, 'empty');
    mkdirSync(path.join(empty, 'features'), { recursive: true });
    mkdirSync(path.join(empty, 'steps'), { recursive: true });
    writeFileSync(path.join(empty, 'package.json'), '{"type":"module"}\n');
    writeFileSync(path.join(empty, 'features', 'empty.feature'), 'Feature: empty\n' + Array.from({ length: n }, (_, i) => `  Scenario: s${i}\n    Given nothing\n`).join(''));
    writeFileSync(path.join(empty, 'steps', 'nothing.ts'), `import { Given } from '${path.join(ROOT, 'node_modules/@cucumber/cucumber/lib/index.js')}';\nGiven('nothing', () => {});\n`);
    const cucumberBin = path.join(ROOT, 'node_modules/@cucumber/cucumber/bin/cucumber.js');
    const bare = timed(process.execPath, [cucumberBin, '--import', path.join(ROOT, 'steps/support/00-register-tsx.mjs'), '--import', path.join(empty, 'steps', 'nothing.ts'), '--format', `message:${path.join(empty, 'm.ndjson')}`, path.join(empty, 'features')], empty);
    if (bare.code !== 0) throw new Error(`empty cucumber run failed:\n${bare.out.slice(-2000)}`);
    console.log(`\nConformance suite (${n} scenarios, wall time, lower is better)`);
    console.log(`  cucumber-js, ${n} empty scenarios            ${bare.ms.toFixed(0).padStart(6)} ms   1.00x`);
    console.log(`  obf-conformance run, no Allure HTML        ${suite.ms.toFixed(0).padStart(6)} ms   ${(suite.ms / bare.ms).toFixed(2)}x`);
    console.log(`  obf-conformance run, with Allure HTML      ${withAllure.ms.toFixed(0).padStart(6)} ms   ${(withAllure.ms / bare.ms).toFixed(2)}x`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

packetBench();
suiteBench();
