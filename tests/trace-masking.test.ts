/** Evidence traces never carry key material or credentials (adapters/trace.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskKeyFields, Trace } from '../adapters/trace.ts';

test('GBA key fields (k, opc, ksNaf, ksIntNaf) and tokens are masked in traced JSON bodies', () => {
  const body = JSON.stringify({ impi: 'x@y', k: '00'.repeat(16), opc: '11'.repeat(16), ksNaf: '22'.repeat(32), ksIntNaf: '33'.repeat(32), token: 'secret-token-value-1234', nafId: 'ABCD' });
  const masked = maskKeyFields(body);
  for (const secret of ['00'.repeat(16), '11'.repeat(16), '22'.repeat(32), '33'.repeat(32), 'secret-token-value-1234']) assert.ok(!masked.includes(secret), secret);
  assert.ok(masked.includes('"nafId":"ABCD"') && masked.includes('"impi":"x@y"'));
});

test('a key learnt during a scenario (addSecret) is masked in APDU traces, in hex of either case and base64', () => {
  const t = new Trace();
  const key = '0123456789ABCDEF0123456789ABCDEF';
  t.addSecret(key);
  t.record('apdu', '<<', 'harness -> SE A', `DB20${key} SW 9000`);
  t.record('note', '--', 'harness', key.toLowerCase() + ' ' + Buffer.from(key, 'hex').toString('base64'));
  const out = t.render();
  assert.ok(!out.toUpperCase().includes(key));
  assert.ok(!out.includes(Buffer.from(key, 'hex').toString('base64')));
});
