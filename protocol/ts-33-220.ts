/**
 * 3GPP TS 33.220 (GBA): the key derivation function of Annex B and the NAF-specific keys of clause 4.5.2 / 5.3.2.
 * KDF(Key, S) = HMAC-SHA-256(Key, S), S = FC || P0 || L0 || P1 || L1 || ... with each Li the two-byte big-endian
 * length of Pi. Ks_(ext)_NAF = KDF(Ks, "gba-me", RAND, IMPI, NAF_Id); Ks_int_NAF uses "gba-u" (GBA_U, on the card).
 * NAF_Id = FQDN of the NAF || Ua security protocol identifier (Annex H).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { HexFormatError } from './errors.ts';
import { concatBytes } from './hex.ts';

/** FC for the NAF-specific key derivation (TS 33.220 Annex B.2.1). */
export const FC_NAF = 0x01;

const utf8 = (s: string) => new TextEncoder().encode(s);

export function kdf(key: Uint8Array, fc: number, ...params: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(fc)];
  for (const p of params) {
    if (p.length > 0xffff) throw new HexFormatError(`KDF parameter of ${p.length} bytes exceeds 65535`, '<= 65535', String(p.length));
    parts.push(p, Uint8Array.of(p.length >> 8, p.length & 0xff));
  }
  return hmac(sha256, key, concatBytes(...parts));
}

export type NafKeyVariant = 'gba-me' | 'gba-u';

/** Ks_(ext)_NAF ('gba-me') or Ks_int_NAF ('gba-u') from Ks = CK || IK (32 bytes). */
export function deriveNafKey(ks: Uint8Array, rand: Uint8Array, impi: string, nafId: Uint8Array, variant: NafKeyVariant = 'gba-me'): Uint8Array {
  if (ks.length !== 32) throw new HexFormatError(`Ks must be 32 bytes (CK || IK), got ${ks.length}`, '32', String(ks.length));
  if (rand.length !== 16) throw new HexFormatError(`RAND must be 16 bytes, got ${rand.length}`, '16', String(rand.length));
  if (impi.length === 0) throw new HexFormatError('IMPI must not be empty');
  if (nafId.length === 0) throw new HexFormatError('NAF_Id must not be empty');
  return kdf(ks, FC_NAF, utf8(variant), rand, utf8(impi), nafId);
}

/** Ua security protocol identifiers (TS 33.220 Annex H): HTTP Digest is 01 00 00 00 02. */
export const UA_HTTP_DIGEST = Uint8Array.of(0x01, 0x00, 0x00, 0x00, 0x02);

export function nafId(fqdn: string, uaProtocol: Uint8Array = UA_HTTP_DIGEST): Uint8Array {
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(fqdn)) throw new HexFormatError(`NAF FQDN '${fqdn.slice(0, 64)}' is not a host name`);
  return concatBytes(utf8(fqdn), uaProtocol);
}

/** B-TID = base64(RAND) "@" BSF domain (TS 33.220 4.5.2). */
export function bTid(rand: Uint8Array, domain: string): string {
  return `${Buffer.from(rand).toString('base64')}@${domain}`;
}
