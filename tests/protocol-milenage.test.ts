/**
 * MILENAGE (TS 35.206) against the TS 35.208 test sets, as reproduced in free5gc/util milenage/milenage_test.go
 * (../shared/vectors/milenage.json): one reported test per test set and function. Then UMTS AKA (TS 33.102 6.3)
 * built on it: AUTN, MAC failure, stale SQN and resynchronisation with AUTS.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeOpc, milenage } from '../protocol/milenage.ts';
import { cardAuthenticate, makeAuthenticationVector, nextSqn, recoverSqnMs } from '../protocol/ts-33-102-aka.ts';
import { fromHex, toHex } from '../protocol/hex.ts';
import { HexFormatError } from '../protocol/errors.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = path.join(process.env.OBF_VECTORS_DIR ?? path.resolve(ROOT, '../shared/vectors'), 'milenage.json');
interface Set35208 { id: string; K: string; RAND: string; SQN: string; AMF: string; OP: string; OPc: string; f1: string; f1s: string; f2: string; f3: string; f4: string; f5: string; f5s: string }
const data = JSON.parse(readFileSync(file, 'utf8')) as { source: string; milenage: Set35208[] };

for (const v of data.milenage) {
  describe(`${v.id} (source: ${data.source})`, () => {
    const k = fromHex(v.K);
    const opc = computeOpc(k, fromHex(v.OP));
    const out = milenage(k, fromHex(v.OPc), fromHex(v.RAND), fromHex(v.SQN), fromHex(v.AMF));
    test('OPc from OP', () => assert.equal(toHex(opc), v.OPc.toUpperCase()));
    test('f1 (MAC-A)', () => assert.equal(toHex(out.macA), v.f1.toUpperCase()));
    test('f1* (MAC-S)', () => assert.equal(toHex(out.macS), v.f1s.toUpperCase()));
    test('f2 (RES)', () => assert.equal(toHex(out.res), v.f2.toUpperCase()));
    test('f3 (CK)', () => assert.equal(toHex(out.ck), v.f3.toUpperCase()));
    test('f4 (IK)', () => assert.equal(toHex(out.ik), v.f4.toUpperCase()));
    test('f5 (AK)', () => assert.equal(toHex(out.ak), v.f5.toUpperCase()));
    test('f5* (AK for resynchronisation)', () => assert.equal(toHex(out.akStar), v.f5s.toUpperCase()));
  });
}

describe('UMTS AKA on MILENAGE (TS 33.102 6.3)', () => {
  const v = data.milenage[0];
  const keys = { k: fromHex(v.K), opc: fromHex(v.OPc) };
  const rand = fromHex(v.RAND);
  const sqn = fromHex(v.SQN);
  const amf = fromHex(v.AMF);

  test('AUTN = (SQN xor AK) || AMF || MAC-A, and the card recovers SQN, RES, CK and IK', () => {
    const av = makeAuthenticationVector(keys, rand, sqn, amf);
    assert.equal(toHex(av.autn.slice(6, 8)), v.AMF.toUpperCase());
    assert.equal(toHex(av.autn.slice(8)), v.f1.toUpperCase());
    const r = cardAuthenticate(keys, rand, av.autn, new Uint8Array(6));
    assert.equal(r.kind, 'ok');
    if (r.kind === 'ok') {
      assert.equal(toHex(r.sqn), v.SQN.toUpperCase());
      assert.equal(toHex(r.res), v.f2.toUpperCase());
      assert.equal(toHex(r.ck), v.f3.toUpperCase());
      assert.equal(toHex(r.ik), v.f4.toUpperCase());
    }
  });

  test('a tampered AUTN is a MAC failure', () => {
    const av = makeAuthenticationVector(keys, rand, sqn, amf);
    for (const at of [0, 6, 15]) {
      const bad = av.autn.slice();
      bad[at] ^= 0x01;
      assert.equal(cardAuthenticate(keys, rand, bad, new Uint8Array(6)).kind, 'mac-failure', `byte ${at}`);
    }
  });

  test('a SQN not above SQN_MS gives AUTS, from which the network recovers SQN_MS', () => {
    const av = makeAuthenticationVector(keys, rand, sqn, amf);
    const sqnMs = nextSqn(sqn); // the card has already seen a higher SQN
    const r = cardAuthenticate(keys, rand, av.autn, sqnMs);
    assert.equal(r.kind, 'sync-failure');
    if (r.kind === 'sync-failure') {
      assert.equal(r.auts.length, 14);
      assert.equal(toHex(recoverSqnMs(keys, rand, r.auts)!), toHex(sqnMs));
      const forged = r.auts.slice();
      forged[13] ^= 0x01;
      assert.equal(recoverSqnMs(keys, rand, forged), null);
    }
  });

  test('the same AUTN replayed after acceptance is stale', () => {
    const av = makeAuthenticationVector(keys, rand, sqn, amf);
    const first = cardAuthenticate(keys, rand, av.autn, new Uint8Array(6));
    assert.equal(first.kind, 'ok');
    if (first.kind === 'ok') assert.equal(cardAuthenticate(keys, rand, av.autn, first.sqn).kind, 'sync-failure');
  });

  test('wrong lengths are HexFormatErrors', () => {
    assert.throws(() => milenage(new Uint8Array(15), keys.opc, rand, sqn, amf), HexFormatError);
    assert.throws(() => cardAuthenticate(keys, rand, new Uint8Array(15), new Uint8Array(6)), HexFormatError);
    assert.throws(() => recoverSqnMs(keys, rand, new Uint8Array(13)), HexFormatError);
  });
});
