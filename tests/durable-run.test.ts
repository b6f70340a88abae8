/**
 * `run --reference-data <file>`: the in-process reference servers keep their state in that SQLite file (WAL) instead
 * of in memory; it holds what the run did (imported keys, counters, subscribers, bootstraps), mode 0600; and the
 * file is refused when it exists already or lies inside --out (it holds keys in clear).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/obf-conformance.js'), 'run', '--no-allure-report', ...args], { encoding: 'utf8', timeout: 120_000 });
const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-run-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('run --reference-data: the reference state of the run is in the file', () => {
  const data = path.join(dir, 'reference.db');
  const r = cli('--out', path.join(dir, 'out'), '--reference-data', data, '--tags', '@TP/OBF/SEC/UP/BI-05 or @TP/OBF/RPB/BV-01');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal((statSync(data).mode & 0o777).toString(8), '600');
  const db = new Database(data, { readonly: true });
  try {
    const count = (table: string, where = '') => (db.prepare(`SELECT count(*) AS n FROM ${table} ${where}`).get() as { n: number }).n;
    assert.ok(count('as_keys') >= 2, 'imported keysets');
    assert.ok(count('as_counters', "WHERE direction = 'uplink' AND counter >= 1") >= 1, 'an accepted uplink counter');
    assert.ok(count('auth_subscribers') >= 1 && count('auth_bootstraps') === 1, 'subscribers and the bootstrap');
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  } finally {
    db.close();
  }
});

test('run --reference-data refuses an existing file and a file inside --out', () => {
  const out = path.join(dir, 'out2');
  mkdirSync(out);
  const existing = path.join(dir, 'existing.db');
  writeFileSync(existing, '');
  for (const [args, pattern] of [
    [['--out', out, '--reference-data', existing], /exists already/],
    [['--out', out, '--reference-data', path.join(out, 'ref.db')], /inside --out/],
    [['--out', out, '--reference-data', path.join(dir, 'none', 'ref.db')], /folder does not exist/],
    [['--out', out, '--reference-data', ''], /needs a file name/],
  ] as const) {
    const r = cli(...args);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
  }
});
