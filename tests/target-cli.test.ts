/**
 * The target file on the command line: run --target and targets check on malformed files (one line, exit 2),
 * the example plug-in carrying the Application Server features against a vendor API, targets check probing,
 * and serve starting parties, printing where they listen and stopping on Ctrl-C.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAcmeHub } from './acme-hub-fixture.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/obf-conformance.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-target-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Asynchronous, so servers of this process keep answering while the command runs. */
function cli(args: string[], timeoutMs = 120_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(killer);
      resolve({ status, stdout, stderr });
    });
  });
}

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('malformed target files on the command line: one line on stderr, exit 2', () => {
  const bad = () => file('bad.yaml', 'sut: { vendor: A, product: B, version: "1" }\nroles:\n  applicationServer:\n    baseURL: http://x/obf/v1\n');
  const cases: Array<[string, () => string[], RegExp]> = [
    ['run, unknown field', () => ['run', '--target', bad(), '--out', path.join(dir, 'o1')], /bad\.yaml:4: roles\.applicationServer\.baseURL: unknown field \(did you mean 'baseUrl'\?\)/],
    ['targets check, unknown field', () => ['targets', 'check', bad()], /bad\.yaml:4: roles\.applicationServer\.baseURL/],
    ['run, missing file', () => ['run', '--target', path.join(dir, 'nope.yaml'), '--out', path.join(dir, 'o2')], /target file \S*nope\.yaml: no such file$/],
    ['targets check, a folder (no line to name)', () => ['targets', 'check', dir], /^obf-conformance: targets check: target file \S+: is a folder, not a target file$/],
    // A binary file's bytes come back escaped: no raw control character reaches the terminal.
    ['targets check, a binary file', () => ['targets', 'check', file('binary.yaml', '\x7fELF\x02\x01\x1b[2J\x00\x00\r\x07')], /target file \S*binary\.yaml:1: .*\\x7fELF\\x02\\x01\\e\[2J\\x00/],
    ['plug-in without a default export', () => ['targets', 'check', file('p.yaml', `sut: { vendor: A, product: B, version: "1" }\nroles:\n  applicationServer:\n    plugin: ./no-default.mjs\n`)], /no default export function/],
    ['plug-in that does not exist', () => ['run', '--target', file('q.yaml', `sut: { vendor: A, product: B, version: "1" }\nroles:\n  applicationServer:\n    plugin: ./missing.ts\n`), '--out', path.join(dir, 'o3')], /missing\.ts cannot be loaded: no such file/],
    ['targets check without a file', () => ['targets', 'check'], /give a target file/],
    ['serve, unknown role', () => ['serve', '--roles', 'as,toaster'], /unknown role 'toaster'/],
    ['serve, bad ICCID', () => ['serve', '--iccid', '123'], /--iccid '123'/],
  ];
  before(() => writeFileSync(path.join(dir, 'no-default.mjs'), 'export const x = 1;\n'));
  for (const [name, args, pattern] of cases) {
    test(name, async () => {
      const r = await cli(args());
      assert.equal(r.status, 2, r.stderr + r.stdout);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.doesNotMatch(lines[0], /[\x00-\x08\x0b-\x1f\x7f]/, 'no raw control character');
      assert.match(lines[0], pattern);
    });
  }
});

describe('targets check probes each named role', () => {
  test('a server that is down: FAIL with the reason, exit 1; the roles left out are the reference', async () => {
    const net = await import('node:net');
    const s = net.createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s.address() as { port: number }).port;
    await new Promise((r) => s.close(r));
    const target = file('down.yaml', `sut: { vendor: A, product: B, version: "1" }\nroles:\n  applicationServer: { baseUrl: "http://127.0.0.1:${port}/obf/v1" }\ncapabilities: { algorithms: [aes] }\n`);
    const r = await cli(['targets', 'check', target]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /applicationServer\s+http:\/\/127\.0\.0\.1:\d+\/obf\/v1\s+FAIL\s+.*connection refused/);
    assert.match(r.stdout, /secureElement\s+reference\s+--/);
    assert.match(r.stdout, /not applicable with these: scenarios tagged @needs-3des/);
    const json = JSON.parse((await cli(['targets', 'check', target, '--json'])).stdout);
    assert.equal(json.ok, false);
    assert.equal(json.roles.find((x: any) => x.role === 'applicationServer').ok, false);
  });
});

describe('the example plug-in (examples/plugins/acme-as-plugin.ts) against a vendor API', () => {
  test('carries the Application Server features: every scenario passes through the vendor API', async () => {
    const hub = await startAcmeHub('acme-api-key-1234');
    try {
      const target = file('acme.yaml', readFileSync(path.join(ROOT, 'examples/targets/acme-plugin.yaml'), 'utf8')
        .replace('../plugins/acme-as-plugin.ts', path.join(ROOT, 'examples/plugins/acme-as-plugin.ts'))
        .replace('http://127.0.0.1:18090', hub.url)
        .replace('apiKey: change-me', 'apiKey: acme-api-key-1234'));
      const check = await cli(['targets', 'check', target]);
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /applicationServer\s+plug-in .*acme-as-plugin\.ts\s+OK/);
      const out = path.join(dir, 'acme-run');
      const r = await cli(['run', '--no-allure-report', '--target', target, '--out', out, '--tags', '@application-server']);
      const cert = JSON.parse(readFileSync(path.join(out, 'certification.json'), 'utf8'));
      assert.equal(cert.verdict, 'pass', r.stdout);
      assert.ok(cert.scenarios.length >= 8);
      assert.equal(cert.sut.name, 'Acme Acme IoT Hub 2.0');
      assert.ok(hub.calls > 20, `the vendor API was used (${hub.calls} calls)`);
      assert.doesNotMatch(readFileSync(path.join(out, 'target.masked.yaml'), 'utf8'), /acme-api-key-1234/);
      assert.ok(!readFileSync(path.join(out, 'cucumber-messages.ndjson'), 'utf8').includes('acme-api-key-1234'), 'the API key is masked in the evidence');
      assert.ok(readFileSync(path.join(out, 'cucumber-messages.ndjson'), 'utf8').includes('x-api-key: <masked>'), 'the plug-in\'s exchanges are in the evidence');
      const caps = JSON.parse(readFileSync(path.join(out, 'capabilities.json'), 'utf8'));
      assert.deepEqual(caps.sut, { vendor: 'Acme', product: 'Acme IoT Hub', version: '2.0' });
      assert.equal(caps.declared.algorithms, 'aes, 3des-2key');
      assert.equal(caps.declared.replayCheck, true);
    } finally {
      await hub.close();
    }
  });

  test('a vendor API that refuses without its fault object is a fail with the reason', async () => {
    const hub = await startAcmeHub('the-right-key');
    try {
      const target = file('acme-wrong-key.yaml', readFileSync(path.join(ROOT, 'examples/targets/acme-plugin.yaml'), 'utf8')
        .replace('../plugins/acme-as-plugin.ts', path.join(ROOT, 'examples/plugins/acme-as-plugin.ts'))
        .replace('http://127.0.0.1:18090', hub.url));
      const out = path.join(dir, 'acme-wrong-key');
      await cli(['run', '--no-allure-report', '--target', target, '--out', out, '--tags', '@TP/OBF/AS/DEC/BV-01']);
      const cert = JSON.parse(readFileSync(path.join(out, 'certification.json'), 'utf8'));
      assert.equal(cert.scenarios[0].verdict, 'fail');
      assert.match(cert.scenarios[0].reason, /importKey .* was refused.*UNAUTHORIZED/);
    } finally {
      await hub.close();
    }
  });
});

describe('a third-party Secure Element (a plug-in card) with the reference device and servers', () => {
  const target = (fault?: string) => file(`card${fault ? '-' + fault : ''}.yaml`, [
    'sut: { vendor: Test, product: Card, version: "1" }',
    'roles:',
    '  secureElement:',
    `    plugin: ${path.join(ROOT, 'tests/card-plugin-fixture.ts')}`,
    `    options: { iccid: "8991009999000000006"${fault ? `, fault: ${fault}` : ''} }`,
    'capabilities: { algorithms: [aes, 3des-2key], replayCheck: true, counterModes: [higher], gbaU: true }',
    'parameters:',
    '  devices:',
    '    A: { iccid: "8991009999000000006", keySeed: "obf-conformance reference test keys" }',
    '',
  ].join('\n'));

  test('the SE and device features pass; the card keeps its state across scenarios as a lab card does', async () => {
    const out = path.join(dir, 'card-run');
    const r = await cli(['run', '--no-allure-report', '--target', target(), '--out', out, '--tags', '@secure-element or @device']);
    const cert = JSON.parse(readFileSync(path.join(out, 'certification.json'), 'utf8'));
    assert.equal(cert.verdict, 'pass', r.stdout);
    assert.ok(cert.scenarios.length >= 13);
    assert.ok(cert.scenarios.every((s: any) => s.verdict === 'pass'));
  });

  test('a faulty card is caught through the plug-in', async () => {
    const out = path.join(dir, 'card-fault-run');
    await cli(['run', '--no-allure-report', '--target', target('se-skip-replay-check'), '--out', out, '--tags', '@secure-element']);
    const cert = JSON.parse(readFileSync(path.join(out, 'certification.json'), 'utf8'));
    assert.deepEqual(cert.scenarios.filter((s: any) => s.verdict === 'fail').map((s: any) => s.testPurpose), ['TP/OBF/SE/DEC/BI-01']);
  });
});

describe('serve', () => {
  test('starts the servers, prints where they listen, and stops on Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--roles', 'as,auth'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('Ctrl-C to stop') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, /Application Server\s+http:\/\/127\.0\.0\.1:\d+\/obf\/v1/);
      assert.match(out, /Authentication Server\s+http:\/\/127\.0\.0\.1:\d+\/obf\/v1\/auth/);
      assert.match(out, /Resource Server\s+http:\/\/127\.0\.0\.1:\d+\/obf\/v1\/rs/, 'the Authentication Server needs its Resource Server');
      const url = /Application Server\s+(\S+)/.exec(out)![1];
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200);
      const stopped = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const t0 = Date.now();
      child.kill('SIGINT');
      assert.equal(await stopped, 0);
      assert.ok(Date.now() - t0 < 5000, 'stops promptly');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('the target file serve prints: targets check passes, and two runs against the same servers pass (state kept between runs); a wrong admin token is a FAIL of the check and error verdicts, not product failures', async () => {
    const child = spawn(process.execPath, [BIN, 'serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('Ctrl-C to stop') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const block = /a target file reaching them \(docs\/target-file\.md\):\n([\s\S]*?)\nCtrl-C to stop/.exec(out)?.[1];
      assert.ok(block, out);
      const yaml = block.split('\n').map((l) => l.replace(/^ {2}/, '')).join('\n') + '\n';
      assert.match(yaml, /provisionSubscribers: true/);
      const target = file('served.yaml', yaml);
      const check = await cli(['targets', 'check', target]);
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /authenticationServer .* OK .*admin token accepted/);
      for (const round of [1, 2]) {
        const runOut = path.join(dir, `served-run-${round}`);
        const r = await cli(['run', '--no-allure-report', '--target', target, '--out', runOut]);
        const cert = JSON.parse(readFileSync(path.join(runOut, 'certification.json'), 'utf8'));
        assert.equal(cert.verdict, 'pass', `run ${round}: ${r.stdout.slice(-3000)}`);
        assert.ok(cert.totals.pass >= 60, `run ${round}: ${JSON.stringify(cert.totals)}`);
      }
      const wrong = file('served-wrong-token.yaml', yaml.replace(/(applicationServer: \{[^}]*adminToken: )[^,}]+/, '$1wrong-token-0123456789'));
      const badCheck = await cli(['targets', 'check', wrong]);
      assert.equal(badCheck.status, 1, badCheck.stdout);
      assert.match(badCheck.stdout, /applicationServer .* FAIL .*refused its admin token \(HTTP 401\)/);
      const badOut = path.join(dir, 'served-wrong-token');
      await cli(['run', '--no-allure-report', '--target', wrong, '--out', badOut, '--tags', '@TP/OBF/AS/DEC/BV-01']);
      const bad = JSON.parse(readFileSync(path.join(badOut, 'certification.json'), 'utf8'));
      assert.equal(bad.verdict, 'error', JSON.stringify(bad.scenarios.map((x: { verdict: string; reason: string }) => [x.verdict, x.reason])));
      assert.doesNotMatch(readFileSync(path.join(badOut, 'certification.json'), 'utf8'), /wrong-token-0123456789/, 'the token is not in the report');
    } finally {
      child.kill('SIGINT');
    }
  });

  test('the device on a pty: targets check finds it, and a run through the target file passes the device features', { skip: spawnSync('socat', ['-V']).error ? 'socat is not installed' : false }, async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--roles', 'device'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('Ctrl-C to stop') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const tty = /device\s+serial (\S+)/.exec(out)?.[1];
      assert.ok(tty, out);
      const target = file('serial.yaml', readFileSync(path.join(ROOT, 'examples/targets/serial-device.yaml'), 'utf8').replace('/dev/ttyUSB0', tty));
      const check = await cli(['targets', 'check', target]);
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /device\s+serial .* OK\s+port opens, device answers.*OBF application selected \(9000\); EF_ICCID 8991009999000000006/);
      const dirOut = path.join(dir, 'serial-run');
      const r = await cli(['run', '--no-allure-report', '--target', target, '--out', dirOut, '--tags', '@device']);
      const cert = JSON.parse(readFileSync(path.join(dirOut, 'certification.json'), 'utf8'));
      assert.equal(cert.verdict, 'pass', r.stdout);
      // The evidence attached to the scenarios has the AT lines the harness exchanged with the device.
      const messages = readFileSync(path.join(dirOut, 'cucumber-messages.ndjson'), 'utf8');
      assert.ok(/at {5}harness -> device A >> AT\+OBF/.test(messages), 'AT lines in the evidence traces');
    } finally {
      child.kill('SIGINT');
    }
  });
});
