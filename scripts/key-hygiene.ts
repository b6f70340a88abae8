/**
 * The key material a conformance run against the reference handled, recomputed from what its output shows, for
 * the key-hygiene scan of `npm test` (issue 7 item 4): per reference device (any 20-digit 89... ICCID in the output) its keysets and
 * GBA K and OPc; per RAND the run shows (AUTHENTICATE APDUs `DD 10 <RAND> 10 <AUTN>`, Digest AKA nonces) and
 * device, MILENAGE's RES, CK and IK and the GBA Ks = CK || IK (TS 33.220 4.5.2); per NAF_Id shown (JSON `nafId`,
 * NAF derivation APDUs `DE <len> <NAF_Id>`, INSTALL RPA KEYSET `80 5E`), Ks_NAF / Ks_ext_NAF (gba-me), Ks_int_NAF (gba-u)
 * and the four RPA packet keys derived from Ks_int_NAF (protocol/obf-rpa.ts). Every key is
 * searched in hex of both cases, base64 and base64url.
 */
import { REFERENCE_PROVIDERS, referenceKeysFor } from '../adapters/reference/reference-sut.ts';
import { toHex } from '../protocol/hex.ts';
import { milenage } from '../protocol/milenage.ts';
import { deriveNafKey } from '../protocol/ts-33-220.ts';
import { deriveRpaKeysets } from '../protocol/obf-rpa.ts';

/** The IMPI domains a device's ICCID may have (its provider's, by ICCID prefix; every provider's if none matches). */
function impiDomains(iccid: string): string[] {
  const own = REFERENCE_PROVIDERS.filter((p) => iccid.startsWith(p.iccidPrefix));
  return (own.length ? own : REFERENCE_PROVIDERS).map((p) => p.impiDomain);
}

export interface Needles {
  /** Each key in every written form. */
  needles: { text: string; what: string }[];
  devices: number;
  keys: number;
}

/** RANDs and NAF_Ids one text shows. */
function gbaInputs(text: string): { rands: Set<string>; nafIds: Set<string> } {
  const rands = new Set<string>();
  for (const m of text.matchAll(/DD10([0-9A-Fa-f]{32})10[0-9A-Fa-f]{32}/g)) rands.add(m[1].toUpperCase());
  for (const m of text.matchAll(/nonce="([A-Za-z0-9+/=]{40,})"/g)) {
    const raw = Buffer.from(m[1], 'base64');
    if (raw.length >= 32) rands.add(toHex(raw.subarray(0, 16)));
  }
  const nafIds = new Set<string>();
  for (const m of text.matchAll(/"nafId":"([0-9A-Fa-f]+)"/g)) nafIds.add(m[1].toUpperCase());
  for (const m of text.matchAll(/805E[0-9A-F]{2}00 Lc=\d+ ([0-9A-F]+)/g)) nafIds.add(m[1]);
  for (const m of text.matchAll(/DE([0-9A-F]{2})([0-9A-F]+)/g)) {
    const len = parseInt(m[1], 16);
    if (m[2].length >= len * 2 && len > 0) nafIds.add(m[2].slice(0, len * 2));
  }
  return { rands, nafIds };
}

/**
 * A device's GBA keys are recomputed from the RANDs and NAF_Ids shown in the same text as its ICCID (each
 * scenario's evidence trace names its devices and their bootstraps), then searched in every text.
 */
export function runKeyNeedles(texts: string[]): Needles {
  const keys = new Map<string, { key: Uint8Array; what: string }>();
  const add = (key: Uint8Array, what: string) => keys.set(toHex(key), { key, what });
  const devices = new Set<string>();
  for (const text of texts) {
    const iccids = new Set(text.match(/\b89\d{18}\b/g) ?? []);
    if (iccids.size === 0) continue;
    const { rands, nafIds } = iccids.size <= 8 ? gbaInputs(text) : { rands: new Set<string>(), nafIds: new Set<string>() };
    for (const iccid of iccids) {
      const k = referenceKeysFor(iccid);
      if (!devices.has(iccid)) {
        devices.add(iccid);
        for (const [dir, sets] of [['downlink', k.downlink], ['uplink', k.uplink]] as const) {
          for (const [i, set] of Object.entries(sets)) {
            add(set.kic, `${iccid} ${dir} ${i} KIc`);
            add(set.kid, `${iccid} ${dir} ${i} KID`);
          }
        }
        add(k.gba.k, `${iccid} K`);
        add(k.gba.opc, `${iccid} OPc`);
        add(k.seKeyAgreement, `${iccid} SE X25519 secret`);
      }
      for (const randHex of rands) {
        const rand = Uint8Array.from(Buffer.from(randHex, 'hex'));
        // CK, IK and RES do not depend on SQN or AMF (TS 35.206 f2-f4).
        const m = milenage(k.gba.k, k.gba.opc, rand, new Uint8Array(6), new Uint8Array(2));
        const ks = Uint8Array.from([...m.ck, ...m.ik]);
        add(m.ck, `${iccid} CK`);
        add(m.ik, `${iccid} IK`);
        add(ks, `${iccid} Ks`);
        for (const naf of nafIds) {
          const nafId = Uint8Array.from(Buffer.from(naf, 'hex'));
          for (const domain of impiDomains(iccid)) {
            add(deriveNafKey(ks, rand, `${iccid}@${domain}`, nafId, 'gba-me'), `${iccid} Ks_NAF`);
            const intKey = deriveNafKey(ks, rand, `${iccid}@${domain}`, nafId, 'gba-u');
            add(intKey, `${iccid} Ks_int_NAF`);
            const rpa = deriveRpaKeysets(intKey);
            add(rpa.downlink.kic, `${iccid} RPA downlink KIc`);
            add(rpa.downlink.kid, `${iccid} RPA downlink KID`);
            add(rpa.uplink.kic, `${iccid} RPA uplink KIc`);
            add(rpa.uplink.kid, `${iccid} RPA uplink KID`);
          }
        }
      }
    }
  }
  const needles = [...keys.values()].flatMap(({ key, what }) => {
    const hex = toHex(key);
    const b = Buffer.from(key);
    // Base64 without its '=' padding: the padded form contains it, and so does a run that is cut after it.
    return [hex, hex.toLowerCase(), b.toString('base64').replace(/=+$/, ''), b.toString('base64url')].map((text) => ({ text, what }));
  });
  return { needles, devices: devices.size, keys: keys.size };
}

/** The needles found in a text: one pass per needle length over the text's hex and base64 runs, not one search per needle. */
export function findNeedles(text: string, needles: Needles['needles']): Needles['needles'] {
  const byText = new Map(needles.map((n) => [n.text, n]));
  const lengths = [...new Set(needles.map((n) => n.text.length))];
  const found = new Map<string, Needles['needles'][number]>();
  for (const run of text.matchAll(/[A-Za-z0-9+/_-]{16,}/g)) {
    const r = run[0];
    for (const len of lengths) {
      for (let i = 0; i + len <= r.length; i++) {
        const hit = byText.get(r.slice(i, i + len));
        if (hit) found.set(hit.text, hit);
      }
    }
  }
  return [...found.values()];
}
