/**
 * Misbehaving HTTP servers under test (issue 7 item 2, HTTP part): each gives the right verdict, fail or
 * inconclusive with the reason, within the target's timeout plus a small margin; and a whole run against one
 * always completes with its reports.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpApplicationServer } from '../adapters/http/application-server-client.ts';
import { Trace } from '../adapters/trace.ts';
import { closedPort, MISBEHAVIOURS, startMisbehavingServer, type Misbehaviour } from './misbehaving-http-fixture.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TIMEOUT_MS = 400;
/** Margin over the timeout: event-loop and connection set-up on a loaded 2-core machine. */
const MARGIN_MS = 600;
/** A whole run: a cold process's first exchange also loads fetch (undici), so the PIXIT timeout is a realistic second. */
const RUN_TIMEOUT_MS = 1000;
/** A whole scenario also provisions its device (the first one in a cold process), on a machine other runs share. */
const RUN_MARGIN_MS = 1500;

const EXPECTED: Record<Misbehaviour, { verdict: 'Inconclusive' | 'NonConformance'; reason: RegExp }> = {
  silent: { verdict: 'Inconclusive', reason: /no answer within 400 ms/ },
  late: { verdict: 'Inconclusive', reason: /no answer within 400 ms/ },
  'stall-body': { verdict: 'Inconclusive', reason: /no answer within 400 ms/ },
  'close-mid-response': { verdict: 'Inconclusive', reason: /closed before a complete answer/ },
  'not-http': { verdict: 'NonConformance', reason: /bytes that are not HTTP/ },
  'garbage-body': { verdict: 'NonConformance', reason: /not JSON/ },
  'huge-body': { verdict: 'NonConformance', reason: /larger than the profile's answers/ },
};

describe('the HTTP adapter against misbehaving servers', () => {
  for (const kind of Object.keys(MISBEHAVIOURS) as Misbehaviour[]) {
    test(`${kind} (${MISBEHAVIOURS[kind]}) -> ${EXPECTED[kind].verdict}`, async () => {
      const server = await startMisbehavingServer(kind, { lateMs: TIMEOUT_MS * 3 });
      const trace = new Trace();
      try {
        const as = new HttpApplicationServer({ baseUrl: server.url, timeoutMs: TIMEOUT_MS, trace: () => trace });
        const started = performance.now();
        const error = await as.importKey({ iccid: '89910000000000000145', keyIndex: 1, keyFunction: 'decrypt', algorithm: 'aes', kic: '00'.repeat(16), kid: '00'.repeat(16) }).then(() => null, (e: Error) => e);
        const took = performance.now() - started;
        assert.ok(error, 'the adapter must not return a result');
        assert.equal(error.name, EXPECTED[kind].verdict, error.message);
        assert.match(error.message, EXPECTED[kind].reason);
        assert.ok(took < TIMEOUT_MS + MARGIN_MS, `verdict after ${Math.round(took)} ms (timeout ${TIMEOUT_MS} ms)`);
        assert.match(trace.render(), /<< /, 'the failed exchange is in the evidence trace');
        assert.doesNotMatch(trace.render(), /A{1000}/, 'the trace does not carry the huge body');
      } finally {
        await server.close();
      }
    });
  }

  test('connection refused -> Inconclusive, at once', async () => {
    const port = await closedPort();
    const as = new HttpApplicationServer({ baseUrl: `http://127.0.0.1:${port}/obf/v1`, timeoutMs: TIMEOUT_MS, trace: () => null });
    const started = performance.now();
    const error = await as.decryptData({ iccid: '89910000000000000145', keyIndex: 1, packet: '00' }).then(() => null, (e: Error) => e);
    assert.equal(error?.name, 'Inconclusive');
    assert.match(error!.message, /connection refused/);
    assert.ok(performance.now() - started < TIMEOUT_MS + MARGIN_MS);
  });
});

describe('a credential the harness was given, refused with 401: a configuration fault, not the product\'s', () => {
  test('admin token refused on key import -> HarnessError naming the token; the Digest 401 of RPB is untouched elsewhere', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="obf-application-server"' });
      res.end(JSON.stringify({ status: 'NOK', error: { code: 'UNAUTHORISED', message: 'admin token required' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const as = new HttpApplicationServer({ baseUrl: `http://127.0.0.1:${port}/obf/v1`, timeoutMs: TIMEOUT_MS, trace: () => null, adminToken: 'change-me-change-me' });
      const error = await as.importKey({ iccid: '89910000000000000145', keyIndex: 1, keyFunction: 'decrypt', algorithm: 'aes', kic: '00'.repeat(16), kid: '00'.repeat(16) }).then(() => null, (e: Error) => e);
      assert.equal(error?.name, 'HarnessError', error?.message);
      assert.match(error!.message, /refused its admin token \(HTTP 401\).*adminToken/);
      assert.doesNotMatch(error!.message, /change-me/, 'the token itself is not shown');
      // Without a configured credential a 401 is an answer like any other (the scenario judges it).
      const open = new HttpApplicationServer({ baseUrl: `http://127.0.0.1:${port}/obf/v1`, timeoutMs: TIMEOUT_MS, trace: () => null });
      const r = await open.decryptData({ iccid: '89910000000000000145', keyIndex: 1, packet: '00' });
      assert.equal(r.ok, false);
      assert.equal(r.ok ? 0 : r.httpStatus, 401);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('a run against a misbehaving or absent Application Server completes with its reports', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-misbehaving-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Asynchronous: the misbehaving servers live in this process and must keep running while the run does. */
  async function runAgainst(name: string, baseUrl: string): Promise<{ cert: any; out: string; status: number | null; wallMs: number }> {
    const target = path.join(dir, `${name}.yaml`);
    writeFileSync(target, `sut: { vendor: Test, product: "${name} AS", version: "0" }\nroles:\n  applicationServer:\n    baseUrl: ${baseUrl}\n    token: secret-token-${name}\ncapabilities: { algorithms: [aes], replayCheck: true, counterModes: [higher] }\nparameters:\n  timeouts: { httpMs: ${RUN_TIMEOUT_MS} }\n`);
    const out = path.join(dir, name);
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/obf-conformance.js'), 'run', '--no-allure-report', '--target', target, '--out', out, '--tags', '@application-server'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    clearTimeout(killer);
    const r = { stdout: text, stderr: '', status };
    const wallMs = performance.now() - started;
    assert.ok(existsSync(path.join(out, 'certification.json')), `no certification.json:\n${r.stdout}\n${r.stderr}`);
    for (const f of ['certification.html', 'target.masked.yaml', 'capabilities.json']) assert.ok(existsSync(path.join(out, f)), f);
    assert.doesNotMatch(readFileSync(path.join(out, 'target.masked.yaml'), 'utf8'), /secret-token/);
    return { cert: JSON.parse(readFileSync(path.join(out, 'certification.json'), 'utf8')), out: r.stdout + r.stderr, status: r.status, wallMs };
  }

  test('a target file naming a server that is down: inconclusive verdicts with the reason', async () => {
    const port = await closedPort();
    const { cert, status } = await runAgainst('down', `http://127.0.0.1:${port}/obf/v1`);
    assert.equal(status, 1);
    assert.equal(cert.verdict, 'inconclusive');
    assert.equal(cert.sut.kind, 'third-party');
    const applicable = cert.scenarios.filter((s: any) => s.verdict !== 'not-applicable');
    assert.ok(applicable.length >= 5);
    for (const s of applicable) {
      assert.equal(s.verdict, 'inconclusive', `${s.testPurpose}: ${s.reason}`);
      assert.match(s.reason, /connection refused/);
    }
    // The 3DES scenarios need a capability this target does not declare.
    const na = cert.scenarios.filter((s: any) => s.verdict === 'not-applicable');
    assert.ok(na.length >= 1 && na.every((s: any) => /@needs-3des/.test(s.reason)), JSON.stringify(na));
  });

  for (const kind of ['silent', 'huge-body'] as const) {
    test(`a server that ${MISBEHAVIOURS[kind]}: each scenario ends within the timeout plus a margin`, async () => {
      const server = await startMisbehavingServer(kind);
      try {
        const { cert } = await runAgainst(kind, server.url);
        for (const s of cert.scenarios.filter((x: any) => x.verdict !== 'not-applicable')) {
          assert.equal(s.verdict, kind === 'silent' ? 'inconclusive' : 'fail', `${s.testPurpose}: ${s.reason}`);
          assert.ok(s.durationMs < RUN_TIMEOUT_MS + RUN_MARGIN_MS, `${s.testPurpose} took ${s.durationMs} ms`);
        }
      } finally {
        await server.close();
      }
    });
  }
});
