/**
 * The reference products' test keys: every key of a reference card is derived from its ICCID and a seed
 * (HMAC-SHA-256 of "<iccid>/<direction>/<index>/<kic|kid>", "<iccid>/gba/k", "<iccid>/gba/opc", "<iccid>/transfer/se-x25519"), so a run is
 * reproducible and the project's key-hygiene check can recompute every key a run used and search its output.
 * Key index 1 is AES-128, key index 2 triple DES two-key (docs/architecture.md 2).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { KeyAlgorithm, KeySet } from '../protocol/obf-profile.ts';

const PERSONALISED: Record<number, { algorithm: KeyAlgorithm; length: number }> = { 1: { algorithm: 'aes', length: 16 }, 2: { algorithm: '3des-2key', length: 16 } };
export const DEFAULT_KEY_SEED = 'obf-conformance reference test keys';
/** The IMS domain of the reference subscribers: IMPI = <iccid>@<domain>. */
export const REFERENCE_IMPI_DOMAIN = 'ims.obf-reference.example';

export interface ReferenceTestKeys {
  downlink: Record<number, KeySet>;
  uplink: Record<number, KeySet>;
  gba: { k: Uint8Array; opc: Uint8Array };
  /** The card's X25519 key-agreement secret for the provider transfer (6.4.3 a). */
  seKeyAgreement: Uint8Array;
}

export function referenceTestKeys(iccid: string, seed = DEFAULT_KEY_SEED): ReferenceTestKeys {
  const derive = (purpose: string, length: number) => hmac(sha256, new TextEncoder().encode(seed), new TextEncoder().encode(`${iccid}/${purpose}`)).slice(0, length);
  const keySets = (direction: string): Record<number, KeySet> => {
    const out: Record<number, KeySet> = {};
    for (const [i, { algorithm, length }] of Object.entries(PERSONALISED)) {
      out[Number(i)] = { algorithm, kic: derive(`${direction}/${i}/kic`, length), kid: derive(`${direction}/${i}/kid`, length) };
    }
    return out;
  };
  return { downlink: keySets('down'), uplink: keySets('up'), gba: { k: derive('gba/k', 16), opc: derive('gba/opc', 16) }, seKeyAgreement: derive('transfer/se-x25519', 32) };
}
