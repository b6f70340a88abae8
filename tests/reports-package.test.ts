/**
 * Signed results packages: keys, package, verify. One changed byte in each kind of file the package holds (and in
 * the archive structure) must be refused with the file named; the signature is cross-checked with node:crypto, an
 * independent Ed25519 implementation, and the archive with the system's tar.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildCertification } from '../reports/certification.ts';
import { renderCertificationHtml } from '../reports/certification-html.ts';
import { renderJunitXml } from '../reports/junit.ts';
import { buildPackage, verifyPackage, MANIFEST, SIGNATURE } from '../reports/results-package.ts';
import { generateKeyPair, readPrivateKey, readPublicKey } from '../reports/signing.ts';
import { readTar, writeTar } from '../reports/tar.ts';
import { fixtureMeta } from './report-fixture.ts';
import { fakeStream, failedWith, PASSED } from './report-messages.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/obf-conformance.js'), ...args], { encoding: 'utf8', timeout: 60_000 });

/** A run folder with one file of every kind a real run writes. */
function makeRunFolder(dir: string): void {
  const stream = fakeStream([
    { name: 'ok', tags: ['@OBF-B.2.3', '@TP/OBF/X/P-01'], attempts: [[PASSED]] },
    { name: 'bad', tags: ['@OBF-B.2.3', '@TP/OBF/X/F-01'], attempts: [[failedWith('NonConformance', 'replay accepted')]] },
  ]);
  const report = buildCertification(stream, fixtureMeta('2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 'test'));
  mkdirSync(path.join(dir, 'allure-results'), { recursive: true });
  writeFileSync(path.join(dir, 'certification.json'), JSON.stringify(report, null, 2));
  writeFileSync(path.join(dir, 'certification.html'), renderCertificationHtml(report));
  writeFileSync(path.join(dir, 'junit.xml'), renderJunitXml(report));
  writeFileSync(path.join(dir, 'cucumber-messages.ndjson'), stream);
  writeFileSync(path.join(dir, 'target.masked.yaml'), 'sut:\n  vendor: ACME\n  kic: <masked>\n');
  writeFileSync(path.join(dir, 'capabilities.json'), '{"declared":{"gba":true},"sut":{"vendor":"ACME","product":"P","version":"1"}}');
  writeFileSync(path.join(dir, 'waivers.yaml'), 'waivers: []\n');
  writeFileSync(path.join(dir, 'allure-results', '0a-result.json'), '{"name":"bad","status":"failed"}');
  writeFileSync(path.join(dir, 'allure-results', '0b-attachment.txt'), 'apdu device A -> SE A >> 80 5A 01 01\n'.repeat(40));
  writeFileSync(path.join(dir, 'allure-results', 'environment.properties'), 'SUT=ACME\n');
  writeFileSync(path.join(dir, 'screenshot.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array(700).fill(7)]));
  mkdirSync(path.join(dir, 'allure-report'));
  writeFileSync(path.join(dir, 'allure-report', 'index.html'), '<html></html>');
}

describe('results package', () => {
  let dir: string;
  let runDir: string;
  let keys: ReturnType<typeof generateKeyPair>;
  let archive: Uint8Array;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'obf-pkg-'));
    runDir = path.join(dir, 'run');
    makeRunFolder(runDir);
    keys = generateKeyPair();
    archive = buildPackage(runDir, readPrivateKey(keys.privatePem)).archive;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a fresh package verifies; allure-report/ is left out', () => {
    const outcome = verifyPackage(archive, readPublicKey(keys.publicPem));
    assert.deepEqual(outcome.problems, []);
    assert.equal(outcome.ok, true);
    assert.equal(outcome.verified, 11);
    assert.ok(!outcome.manifest!.files.some((f) => f.path.startsWith('allure-report/')));
    assert.equal(outcome.manifest!.run.certificate, 'not conformant');
  });

  test('the system tar lists it, and node:crypto verifies the Ed25519 signature of manifest.json', () => {
    const file = path.join(dir, 'plain.tar');
    writeFileSync(file, archive);
    const listed = spawnSync('tar', ['-tf', file], { encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(listed.stdout.trim().split('\n').slice(0, 3), [MANIFEST, SIGNATURE, 'allure-results/0a-result.json']);
    const { entries } = readTar(archive);
    const manifest = entries.find((e) => e.path === MANIFEST)!.data;
    const sig = Buffer.from(JSON.parse(Buffer.from(entries.find((e) => e.path === SIGNATURE)!.data).toString()).signature, 'base64');
    assert.equal(cryptoVerify(null, manifest, createPublicKey(keys.publicPem), sig), true);
  });

  test('one changed byte in any file is refused with that file named', () => {
    const { entries } = readTar(archive);
    let offset = 0;
    const pub = readPublicKey(keys.publicPem);
    for (const e of entries) {
      const dataAt = offset + 512;
      for (const at of [0, Math.floor(e.data.length / 2), e.data.length - 1].filter((x) => x >= 0 && e.data.length > 0)) {
        const bad = Uint8Array.from(archive);
        bad[dataAt + at] ^= 0x01;
        const outcome = verifyPackage(bad, pub);
        assert.equal(outcome.ok, false, `${e.path} byte ${at}`);
        assert.ok(outcome.problems.some((p) => p.startsWith(`${e.path}: `)), `${e.path} byte ${at}: ${outcome.problems.join(' | ')}`);
      }
      offset = dataAt + Math.ceil(e.data.length / 512) * 512;
    }
    assert.equal(entries.length, 13);
  });

  test('a changed byte in a tar header, in the padding or after the end is refused', () => {
    const pub = readPublicKey(keys.publicPem);
    const [first, second] = readTar(archive).entries;
    const third = 512 + Math.ceil(first.data.length / 512) * 512 + 512 + Math.ceil(second.data.length / 512) * 512;
    const header = Uint8Array.from(archive);
    header[third + 140] ^= 0x01; // the mtime field of the third entry's header
    const h = verifyPackage(header, pub);
    assert.equal(h.ok, false);
    assert.match(h.problems[0], /damaged archive at byte \d+ .*header of entry 'allure-results\/0a-result.json' is damaged/);
    const padding = Uint8Array.from(archive);
    const size = readTar(archive).entries[0].data.length;
    padding[512 + size + 1] = 0x20;
    assert.match(verifyPackage(padding, pub).problems.join('\n'), /padding after entry 'manifest.json'/);
    const trailing = Uint8Array.from([...archive, 1]);
    const tail = Uint8Array.from(archive);
    tail[archive.length - 3] = 9;
    assert.equal(verifyPackage(trailing, pub).ok, false);
    assert.match(verifyPackage(tail, pub).problems.join('\n'), /after the end of the archive/);
  });

  test('another key, a removed file and an added file are named', () => {
    const other = generateKeyPair();
    const wrong = verifyPackage(archive, readPublicKey(other.publicPem));
    assert.match(wrong.problems.join('\n'), /manifest.sig: signed with another key/);
    const { entries } = readTar(archive);
    const removed = verifyPackage(writeTar(entries.filter((e) => e.path !== 'junit.xml')), readPublicKey(keys.publicPem));
    assert.deepEqual(removed.problems, ['junit.xml: missing from the package (listed in the manifest)']);
    const added = verifyPackage(writeTar([...entries, { path: 'extra.txt', data: new Uint8Array([1]) }]), readPublicKey(keys.publicPem));
    assert.deepEqual(added.problems, ['extra.txt: added (not in the signed manifest)']);
  });
});

describe('package, verify and keys on the command line', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'obf-pkg-cli-'));
    makeRunFolder(path.join(dir, 'run'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('keys generate writes a 0600 private key and a public key, and never overwrites', () => {
    const r = cli('keys', 'generate', '--out', path.join(dir, 'lab'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(path.join(dir, 'lab.key')).mode & 0o777, 0o600);
    assert.match(readFileSync(path.join(dir, 'lab.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
    assert.ok(!r.stdout.includes(readFileSync(path.join(dir, 'lab.key'), 'utf8').split('\n')[1]), 'the private key is never printed');
    const again = cli('keys', 'generate', '--out', path.join(dir, 'lab'));
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already exists/);
  });

  test('package then verify: exit 0; one changed byte: exit 1 naming the file; bad usage: exit 2', () => {
    const pkg = path.join(dir, 'run.obfpkg');
    const p = cli('package', '--key', path.join(dir, 'lab.key'), path.join(dir, 'run'), '--out', pkg);
    assert.equal(p.status, 0, p.stderr);
    const v = cli('verify', pkg, '--pub', path.join(dir, 'lab.pub'));
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^verified: .*signature valid.*11 files intact/);
    const bytes = readFileSync(pkg);
    const at = bytes.indexOf('apdu device A');
    bytes[at] ^= 0x20;
    writeFileSync(pkg, bytes);
    const bad = cli('verify', pkg, '--pub', path.join(dir, 'lab.pub'));
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /^NOT VERIFIED: .*1 problem\n  allure-results\/0b-attachment\.txt: changed/);
    for (const [args, pattern] of [
      [['verify', pkg], /--pub <lab-public-key> is required/],
      [['verify', pkg, '--pub', path.join(dir, 'lab.key')], /not an Ed25519 public key/],
      [['verify', path.join(dir, 'nope'), '--pub', path.join(dir, 'lab.pub')], /does not exist/],
      [['package', '--key', path.join(dir, 'lab.pub'), path.join(dir, 'run'), '--out', path.join(dir, 'x')], /not an Ed25519 private key/],
      [['package', '--key', path.join(dir, 'lab.key'), path.join(dir, 'run', 'allure-results'), '--out', path.join(dir, 'y')], /no certification.json/],
      [['package', '--key', path.join(dir, 'lab.key'), path.join(dir, 'run'), '--out', pkg], /already exists/],
      [['keys'], /give a command/],
    ] as Array<[string[], RegExp]>) {
      const r = cli(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, pattern);
    }
  });

  test('entry names are printed escaped: a name cannot forge a line or send terminal escapes', () => {
    const pkg = path.join(dir, 'run.obfpkg');
    const forged = 'a\x1b[1;32m\nverified: OK all intact\x07';
    const { entries } = readTar(readFileSync(pkg));
    const file = path.join(dir, 'forged.tar');
    writeFileSync(file, writeTar([...entries, { path: forged, data: new Uint8Array([1]) }]));
    const r = cli('verify', file, '--pub', path.join(dir, 'lab.pub'));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /[\x00-\x08\x0b-\x1f\x7f]/, 'no raw control character on stdout');
    assert.ok(!r.stdout.split('\n').some((l) => l.startsWith('verified')), r.stdout);
    assert.match(r.stdout, /^ {2}a\\e\[1;32m\\nverified: OK all intact\\x07: added \(not in the signed manifest\)$/m);
  });

  test('a gzip-compressed package is named as such (exit 2), not listed as damaged bytes', () => {
    const file = path.join(dir, 'run.obfpkg.gz');
    writeFileSync(file, gzipSync(readFileSync(path.join(dir, 'run.obfpkg'))));
    const r = cli('verify', file, '--pub', path.join(dir, 'lab.pub'));
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^obf-conformance: verify: \S+run\.obfpkg\.gz is gzip-compressed; give the \.tar itself/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  test('package warns (one line, still exit 0) when the private key can be read by others', () => {
    const key = path.join(dir, 'open.key');
    writeFileSync(key, readFileSync(path.join(dir, 'lab.key')));
    chmodSync(key, 0o644);
    const r = cli('package', '--key', key, path.join(dir, 'run'), '--out', path.join(dir, 'open.obfpkg'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^obf-conformance: package: warning: private key \S+open\.key can be read by others \(mode 0644\); make it private with chmod 600\n$/);
    const quiet = cli('package', '--key', path.join(dir, 'lab.key'), path.join(dir, 'run'), '--out', path.join(dir, 'private.obfpkg'));
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(quiet.stderr, '', 'no warning for a 0600 key');
  });

  test('a run folder holding a private key is refused', () => {
    writeFileSync(path.join(dir, 'run', 'oops.pem'), readFileSync(path.join(dir, 'lab.key')));
    const r = cli('package', '--key', path.join(dir, 'lab.key'), path.join(dir, 'run'), '--out', path.join(dir, 'z.obfpkg'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /oops\.pem in the run folder holds a private key/);
    rmSync(path.join(dir, 'run', 'oops.pem'));
  });
});
