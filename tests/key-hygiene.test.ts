/**
 * The key-hygiene scan of npm test (scripts/key-hygiene.ts) finds what it must: a device's keysets and the GBA keys
 * derived in a bootstrap the output shows (Ks, Ks_NAF), in hex of either case, base64 and base64url, and nothing in
 * output that carries only masked keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findNeedles, runKeyNeedles } from '../scripts/key-hygiene.ts';
import { referenceKeysFor } from '../adapters/reference/reference-sut.ts';
import { toHex } from '../protocol/hex.ts';
import { milenage } from '../protocol/milenage.ts';
import { deriveNafKey } from '../protocol/ts-33-220.ts';
import { withLuhn } from '../protocol/iccid.ts';

const ICCID = withLuhn('8991000000000000012');
const RAND = '00112233445566778899AABBCCDDEEFF';
const NAF_ID = toHex(new TextEncoder().encode('naf.example')) + '0100000002';
const TRACE = `note harness -- device A: ICCID ${ICCID}
apdu device A -> SE A >> 00880084 Lc=34 DD10${RAND}10${'0'.repeat(32)}
http harness -> Authentication Server >> POST /obf/v1/auth/rpo/naf-key {"btid":"x@y","nafId":"${NAF_ID}"}
http harness -> Authentication Server << 200 {"ksNaf":"<32 bytes masked>"}`;

test('key hygiene: keysets, K, Ks and Ks_NAF of a traced bootstrap are found in every written form; a masked trace is clean', () => {
  const { needles, devices, keys } = runKeyNeedles([TRACE]);
  assert.equal(devices, 1);
  assert.ok(keys >= 12, `${keys} keys`);
  assert.deepEqual(findNeedles(TRACE, needles), []);
  const k = referenceKeysFor(ICCID);
  const rand = Uint8Array.from(Buffer.from(RAND, 'hex'));
  const m = milenage(k.gba.k, k.gba.opc, rand, new Uint8Array(6), new Uint8Array(2));
  const ks = Uint8Array.from([...m.ck, ...m.ik]);
  const ksNaf = deriveNafKey(ks, rand, `${ICCID}@ims.obf-reference.example`, Uint8Array.from(Buffer.from(NAF_ID, 'hex')), 'gba-me');
  const leaks: [string, string][] = [
    [`"kic":"${toHex(k.downlink[1].kic).toLowerCase()}"`, 'KIc'],
    [`K=${Buffer.from(k.gba.k).toString('base64')}`, ' K'],
    [`{"ks":"${toHex(ks)}"}`, ' Ks'],
    [`ksNaf=${Buffer.from(ksNaf).toString('base64url')}.`, ' Ks_NAF'],
    [`"ksNaf":"${Buffer.from(ksNaf).toString('base64')}"`, ' Ks_NAF'],
  ];
  for (const [text, what] of leaks) {
    const hits = findNeedles(text, needles);
    assert.ok(hits.some((h) => h.what.endsWith(what) || h.what.includes(what)), `${what} not found in ${text}`);
  }
});
