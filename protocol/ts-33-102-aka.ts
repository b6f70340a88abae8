/**
 * UMTS AKA (3GPP TS 33.102 clause 6.3) on top of MILENAGE: the network's authentication vector, the card's check of
 * AUTN (MAC, then SQN freshness), and resynchronisation with AUTS. The card keeps the highest SQN it accepted
 * (SQN_MS); a SQN not above it is stale. The MAC-S of AUTS uses a dummy AMF of 00 00 (TS 33.102 6.3.3).
 */
import { milenage } from './milenage.ts';
import { concatBytes, equalBytes, readUint, writeUint } from './hex.ts';
import { HexFormatError } from './errors.ts';

export interface SubscriberKeys {
  k: Uint8Array;
  opc: Uint8Array;
}

export interface AuthenticationVector {
  rand: Uint8Array;
  xres: Uint8Array;
  ck: Uint8Array;
  ik: Uint8Array;
  autn: Uint8Array;
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((x, i) => x ^ b[i]);
}

export const RESYNC_AMF = new Uint8Array(2);

/** Network side: AUTN = (SQN xor AK) || AMF || MAC-A, with XRES, CK and IK. */
export function makeAuthenticationVector(keys: SubscriberKeys, rand: Uint8Array, sqn: Uint8Array, amf: Uint8Array): AuthenticationVector {
  const m = milenage(keys.k, keys.opc, rand, sqn, amf);
  return { rand, xres: m.res, ck: m.ck, ik: m.ik, autn: concatBytes(xor(sqn, m.ak), amf, m.macA) };
}

export type CardAkaResult =
  | { kind: 'ok'; res: Uint8Array; ck: Uint8Array; ik: Uint8Array; sqn: Uint8Array }
  | { kind: 'mac-failure' }
  | { kind: 'sync-failure'; auts: Uint8Array };

/**
 * Card side: recover SQN, verify MAC-A, then freshness against `sqnMs` (the highest accepted). The caller stores
 * `sqn` as the new SQN_MS on 'ok'.
 */
export function cardAuthenticate(keys: SubscriberKeys, rand: Uint8Array, autn: Uint8Array, sqnMs: Uint8Array): CardAkaResult {
  if (autn.length !== 16) throw new HexFormatError(`AUTN must be 16 bytes, got ${autn.length}`, '16', String(autn.length));
  const amf = autn.slice(6, 8);
  const ak = milenage(keys.k, keys.opc, rand, new Uint8Array(6), amf).ak; // f5 does not depend on SQN or AMF
  const sqn = xor(autn.slice(0, 6), ak);
  const m = milenage(keys.k, keys.opc, rand, sqn, amf);
  if (!equalBytes(m.macA, autn.slice(8, 16))) return { kind: 'mac-failure' };
  if (readUint(sqn) <= readUint(sqnMs)) {
    const resync = milenage(keys.k, keys.opc, rand, sqnMs, RESYNC_AMF);
    return { kind: 'sync-failure', auts: concatBytes(xor(sqnMs, resync.akStar), resync.macS) };
  }
  return { kind: 'ok', res: m.res, ck: m.ck, ik: m.ik, sqn };
}

/** Network side of resynchronisation: SQN_MS from AUTS, or null when MAC-S does not verify. */
export function recoverSqnMs(keys: SubscriberKeys, rand: Uint8Array, auts: Uint8Array): Uint8Array | null {
  if (auts.length !== 14) throw new HexFormatError(`AUTS must be 14 bytes, got ${auts.length}`, '14', String(auts.length));
  const akStar = milenage(keys.k, keys.opc, rand, new Uint8Array(6), RESYNC_AMF).akStar;
  const sqnMs = xor(auts.slice(0, 6), akStar);
  const macS = milenage(keys.k, keys.opc, rand, sqnMs, RESYNC_AMF).macS;
  return equalBytes(macS, auts.slice(6, 14)) ? sqnMs : null;
}

export function nextSqn(sqn: Uint8Array): Uint8Array {
  return writeUint((readUint(sqn) + 1n) % (1n << 48n), 6);
}
