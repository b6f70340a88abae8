/**
 * `obf-conformance packet decode|encode`, run as a child process the way a lab engineer runs it.
 * Exit codes: 0 ok, 1 verification failed, 2 bad input (exactly one line on stderr, no stack trace).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fromHex, toHex } from '../protocol/hex.ts';
import { DRAFT_SAMPLE_ID, PYSIM_AES_ID, keysOf, repoRoot, vectorById, vectors } from './support/scp80-vectors.ts';

const BIN = path.join(repoRoot, 'bin', 'obf-conformance.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(r: Run): Record<string, unknown> {
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    assert.fail(`stdout is not JSON (exit ${r.status}): ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

/** Exit 2 with exactly one line on stderr, no stack trace. */
function assertBadInput(r: Run, pattern?: RegExp): void {
  assert.equal(r.status, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `exactly one line on stderr, got: ${JSON.stringify(r.stderr)}`);
  assert.ok(r.stderr.endsWith('\n'));
  assert.ok(!r.stderr.includes('    at '), `stack trace on stderr: ${r.stderr}`);
  assert.match(lines[0], /^obf-conformance: /);
  if (pattern) assert.match(lines[0], pattern);
}

const draft = vectorById(DRAFT_SAMPLE_ID);
const aes = vectorById(PYSIM_AES_ID);

describe('packet decode', () => {
  test('the draft sample (with its 02 70 00 header) decodes and verifies: exit 0', () => {
    const r = cli('packet', 'decode', '--json', (draft.udh ?? '027000') + draft.packet);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const j = json(r);
    assert.equal(j.udh, true);
    assert.equal(j.spi, '0100');
    assert.equal(j.kic, '15');
    assert.equal(j.kid, '15');
    assert.equal(j.tar, 'A00003');
    assert.equal(j.cntr, '0000000000');
    assert.equal(j.pcntr, 3);
    assert.equal(j.data, Buffer.from('#ip1 127.0.0.1 8080', 'latin1').toString('hex').toUpperCase());
    assert.equal(j.dataText, '#ip1 127.0.0.1 8080');
    assert.equal(j.check, '68E70C32');
    assert.equal(j.verified, true);
  });

  test('the draft sample without the header, hex split over several arguments, human output', () => {
    const r = cli('packet', 'decode', draft.packet.slice(0, 20), draft.packet.slice(20));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^UDH\s+\(none\)$/m);
    assert.match(r.stdout, /^verified\s+yes$/m);
    assert.match(r.stdout, /"#ip1 127\.0\.0\.1 8080"/);
  });

  test('the pysim AES vector with its keys verifies: exit 0', () => {
    const r = cli('packet', 'decode', aes.packet, '--kic-key', aes.kicKey!, '--kid-key', aes.kidKey!, '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = json(r);
    assert.equal(j.spi, '0619');
    assert.equal(j.data, toHex(fromHex(aes.data)));
    assert.equal(j.verified, true);
  });

  test('the pysim AES vector with a wrong --kid-key: verified false, exit 1', () => {
    const wrongKid = toHex(keysOf(aes).kid!.map((b, i) => (i === 0 ? b ^ 0xff : b)));
    const r = cli('packet', 'decode', aes.packet, '--kic-key', aes.kicKey!, '--kid-key', wrongKid, '--json');
    assert.equal(r.status, 1, r.stderr);
    const j = json(r);
    assert.equal(j.verified, false);
    assert.notEqual(j.computedCheck, j.check);
    const human = cli('packet', 'decode', aes.packet, '--kic-key', aes.kicKey!, '--kid-key', wrongKid);
    assert.equal(human.status, 1);
    assert.match(human.stdout, /^verified\s+NO: computed [0-9A-F]+$/m);
  });

  test('a ciphered packet without keys: verified null, data null, exit 0', () => {
    const r = cli('packet', 'decode', aes.packet, '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = json(r);
    assert.equal(j.verified, null);
    assert.equal(j.data, null);
    assert.equal(j.cntr, null);
    assert.equal(j.tar, 'B00011');
  });

  test('bad hex: exit 2, one line on stderr', () => {
    assertBadInput(cli('packet', 'decode', '00zz'), /not a hex digit/);
    assertBadInput(cli('packet', 'decode', '002'), /odd number of hex digits/);
  });

  test('truncated packet: exit 2, one line on stderr', () => {
    assertBadInput(cli('packet', 'decode', draft.packet.slice(0, -2)), /CPL: says 40 bytes follow it, but 39 are present/);
    assertBadInput(cli('packet', 'decode', aes.packet.slice(0, 10), '--json'), /CPL/);
  });

  test('wrong key length: exit 2, one line on stderr', () => {
    assertBadInput(cli('packet', 'decode', aes.packet, '--kic-key', aes.kicKey!.slice(2)), /KIc key for aes-cbc must be 16 or 24 or 32 bytes, got 15/);
    assertBadInput(cli('packet', 'decode', aes.packet, '--kic-key', aes.kicKey!, '--kid-key', '0011'), /KID key for aes-cmac/);
  });

  test('no packet, or an unknown option: exit 2, one line on stderr', () => {
    assertBadInput(cli('packet', 'decode'), /^obf-conformance: packet decode: give the packet \(hex\)/);
    // "" (an unset shell variable) is a missing packet, not a 0-byte one with a CPL error
    assertBadInput(cli('packet', 'decode', ''), /^obf-conformance: packet decode: give the packet \(hex\)/);
    assertBadInput(cli('packet', 'decode', draft.packet, '--no-such-option'), /^obf-conformance: packet decode: unknown option '--no-such-option' \(see 'obf-conformance packet decode --help'\)$/);
  });

  test('protocol errors name the command', () => {
    assertBadInput(cli('packet', 'decode', '0011'), /^obf-conformance: packet decode: CPL: /);
    assertBadInput(cli('packet', 'decode', '00zz'), /^obf-conformance: packet decode: packet: 'z' is not a hex digit/);
    assertBadInput(cli('packet', 'encode', '--spi', '16', '--kic', '12', '--kid', '12', '--tar', 'A00003', '--cntr', '0000000001', '--data', '00'), /^obf-conformance: packet encode: --spi: must be 2 byte/);
  });

  test('--help: exit 0, usage on stdout', () => {
    for (const flag of ['--help', '-h']) {
      const r = cli('packet', 'decode', flag);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Usage: obf-conformance packet decode/);
      assert.equal(r.stderr, '');
    }
  });
});

describe('packet encode', () => {
  test('--help: exit 0, usage on stdout', () => {
    const r = cli('packet', 'encode', '--help');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: obf-conformance packet encode/);
  });

  for (const v of vectors.commandPackets) {
    test(`${v.id}: encode --json gives the vector packet [source: ${v.source}]`, () => {
      const args = ['packet', 'encode', '--json', '--spi', v.spi, '--kic', v.kic, '--kid', v.kid, '--tar', v.tar, '--cntr', v.cntr, '--data', v.data];
      if (v.kicKey) args.push('--kic-key', v.kicKey);
      if (v.kidKey) args.push('--kid-key', v.kidKey);
      if (v.pcntr !== undefined) args.push('--padding', String(v.pcntr));
      const r = cli(...args);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(json(r), { packet: toHex(fromHex(v.packet)) });
    });
  }

  test('--udh prefixes 02 70 00, and the output decodes again', () => {
    const r = cli('packet', 'encode', '--spi', draft.spi, '--kic', draft.kic, '--kid', draft.kid, '--tar', draft.tar, '--cntr', draft.cntr,
      '--data', draft.data, '--padding', String(draft.pcntr ?? 0), '--udh');
    assert.equal(r.status, 0, r.stderr);
    const packet = r.stdout.trim();
    assert.equal(packet, toHex(fromHex('027000' + draft.packet)));
    const d = cli('packet', 'decode', '--json', packet);
    assert.equal(d.status, 0, d.stderr);
    assert.equal(json(d).verified, true);
  });

  test('bad input: missing field, bad padding, wrong field length, missing key: exit 2, one line on stderr', () => {
    const base = ['packet', 'encode', '--spi', aes.spi, '--kic', aes.kic, '--kid', aes.kid, '--tar', aes.tar, '--cntr', aes.cntr, '--data', aes.data];
    assertBadInput(cli('packet', 'encode', '--spi', '0100'), /--kic is required/);
    assertBadInput(cli(...base, '--kic-key', aes.kicKey!, '--kid-key', aes.kidKey!, '--padding', '256'), /--padding must be 0\.\.255/);
    assertBadInput(cli('packet', 'encode', '--spi', '01', '--kic', '15', '--kid', '15', '--tar', 'A00003', '--cntr', '0000000000', '--data', ''), /--spi: must be 2 byte/);
    assertBadInput(cli(...base, '--kid-key', aes.kidKey!), /KIc key required/);
    assertBadInput(cli(...base, '--kic-key', aes.kicKey!, '--kid-key', aes.kidKey!.slice(2)), /KID key for aes-cmac/);
  });
});
