/**
 * Coding of the security header fields of ETSI TS 102 225 clause 5.1.1 (SPI, KIc, KID).
 * Decoding never throws for a syntactically complete field: reserved codes surface as
 * UnsupportedAlgorithmError only when an algorithm is actually needed (so `packet decode` can still show them).
 */
import { UnsupportedAlgorithmError, KeyLengthError } from './errors.ts';
import type { CipherAlgorithm, MacAlgorithm } from './block-ciphers.ts';

export type IntegrityKind = 'none' | 'RC' | 'CC' | 'DS';
/** b5b4 of the first SPI byte (TS 102 225 5.1.1). */
export type CounterMode = 'none' | 'no-check' | 'higher' | 'one-higher';
export type PorRequest = 'none' | 'always' | 'on-error' | 'reserved';

export interface Spi {
  raw: Uint8Array;
  integrity: IntegrityKind;
  ciphered: boolean;
  counter: CounterMode;
  /** Bits 8-6 of byte 1 are reserved; a non-zero value is reported, not rejected. */
  reservedBitsSet: boolean;
  por: PorRequest;
  porIntegrity: IntegrityKind;
  porCiphered: boolean;
  porVia: 'SMS-DELIVER-REPORT' | 'SMS-SUBMIT';
}

const INTEGRITY: IntegrityKind[] = ['none', 'RC', 'CC', 'DS'];
const COUNTER: CounterMode[] = ['none', 'no-check', 'higher', 'one-higher'];
const POR: PorRequest[] = ['none', 'always', 'on-error', 'reserved'];

export function decodeSpi(raw: Uint8Array): Spi {
  const [b1, b2] = raw;
  return {
    raw: raw.slice(0, 2),
    integrity: INTEGRITY[b1 & 0x03],
    ciphered: (b1 & 0x04) !== 0,
    counter: COUNTER[(b1 >> 3) & 0x03],
    reservedBitsSet: (b1 & 0xe0) !== 0,
    por: POR[b2 & 0x03],
    porIntegrity: INTEGRITY[(b2 >> 2) & 0x03],
    porCiphered: (b2 & 0x10) !== 0,
    porVia: b2 & 0x20 ? 'SMS-SUBMIT' : 'SMS-DELIVER-REPORT',
  };
}

export interface SpiFields {
  integrity: IntegrityKind;
  ciphered: boolean;
  counter: CounterMode;
  por?: PorRequest;
  porIntegrity?: IntegrityKind;
  porCiphered?: boolean;
  porViaSubmit?: boolean;
}

export function encodeSpi(f: SpiFields): Uint8Array {
  const b1 = INTEGRITY.indexOf(f.integrity) | (f.ciphered ? 0x04 : 0) | (COUNTER.indexOf(f.counter) << 3);
  const b2 =
    POR.indexOf(f.por ?? 'none') |
    (INTEGRITY.indexOf(f.porIntegrity ?? 'none') << 2) |
    (f.porCiphered ? 0x10 : 0) |
    (f.porViaSubmit ? 0x20 : 0);
  return Uint8Array.of(b1, b2);
}

/** KIc or KID split into its algorithm bits and key index (b8-b5). */
export interface KeyIdentifier {
  raw: number;
  keyIndex: number;
  /** b2b1 */
  family: 'implicit' | 'DES' | 'AES' | 'proprietary';
  /** b4b3 */
  variant: number;
}

const FAMILY: KeyIdentifier['family'][] = ['implicit', 'DES', 'AES', 'proprietary'];

export function decodeKeyIdentifier(raw: number): KeyIdentifier {
  return { raw, keyIndex: raw >> 4, family: FAMILY[raw & 0x03], variant: (raw >> 2) & 0x03 };
}

export function describeKeyIdentifier(id: KeyIdentifier, role: 'KIc' | 'KID', integrity: IntegrityKind): string {
  try {
    if (role === 'KIc') return `${cipherAlgorithmOf(id)}, key index ${id.keyIndex}`;
    if (integrity === 'RC') return `${rcAlgorithmOf(id)}, key index ${id.keyIndex}`;
    if (integrity === 'CC') return `${macAlgorithmOf(id)}, key index ${id.keyIndex}`;
    return `key index ${id.keyIndex} (no integrity check in SPI)`;
  } catch (e) {
    return `${(e as Error).message} (key index ${id.keyIndex})`;
  }
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** KIc b4..b1 -> ciphering algorithm (TS 102 225 5.1.1). DES-CBC and DES-ECB are legacy and refused. */
export function cipherAlgorithmOf(id: KeyIdentifier): CipherAlgorithm {
  if (id.family === 'AES') {
    if (id.variant === 0) return 'aes-cbc';
    throw new UnsupportedAlgorithmError('KIc', `AES mode b4b3=${id.variant.toString(2).padStart(2, '0')} is reserved`, hex2(id.raw));
  }
  if (id.family === 'DES') {
    if (id.variant === 1) return '3des-2key-cbc';
    if (id.variant === 2) return '3des-3key-cbc';
    const legacy = id.variant === 0 ? 'single DES-CBC' : 'DES-ECB';
    throw new UnsupportedAlgorithmError('KIc', `${legacy} is legacy/reserved and not accepted by this profile`, hex2(id.raw));
  }
  throw new UnsupportedAlgorithmError('KIc', `algorithm family '${id.family}' (b2b1) cannot be used by this profile`, hex2(id.raw));
}

/** KID b4..b1 when the SPI asks for a cryptographic checksum. */
export function macAlgorithmOf(id: KeyIdentifier): MacAlgorithm {
  if (id.family === 'AES') {
    if (id.variant === 0) return 'aes-cmac';
    throw new UnsupportedAlgorithmError('KID', `AES mode b4b3=${id.variant.toString(2).padStart(2, '0')} is reserved`, hex2(id.raw));
  }
  if (id.family === 'DES') {
    if (id.variant === 1) return '3des-2key-cbc-mac';
    if (id.variant === 2) return '3des-3key-cbc-mac';
    const legacy = id.variant === 0 ? 'single DES CBC-MAC' : 'DES-ECB';
    throw new UnsupportedAlgorithmError('KID', `${legacy} is legacy/reserved and not accepted by this profile`, hex2(id.raw));
  }
  throw new UnsupportedAlgorithmError('KID', `algorithm family '${id.family}' (b2b1) cannot be used for a CC`, hex2(id.raw));
}

export type RcAlgorithm = 'crc16' | 'crc32';

/** KID b4..b1 when the SPI asks for a redundancy check: b2b1 = 01 (CRC), b4b3 = 00 CRC-16, 01 CRC-32. */
export function rcAlgorithmOf(id: KeyIdentifier): RcAlgorithm {
  if (id.family !== 'DES') {
    throw new UnsupportedAlgorithmError('KID', `for an RC, b2b1 must be 01 (CRC), got ${(id.raw & 3).toString(2).padStart(2, '0')}`, hex2(id.raw));
  }
  if (id.variant === 0) return 'crc16';
  if (id.variant === 1) return 'crc32';
  throw new UnsupportedAlgorithmError('KID', `CRC variant b4b3=${id.variant.toString(2).padStart(2, '0')} is reserved`, hex2(id.raw));
}

export function rcLength(alg: RcAlgorithm): number {
  return alg === 'crc16' ? 2 : 4;
}

const KEY_LENGTHS: Record<string, number[]> = {
  'aes-cbc': [16, 24, 32],
  'aes-cmac': [16, 24, 32],
  '3des-2key-cbc': [16],
  '3des-2key-cbc-mac': [16],
  '3des-3key-cbc': [24],
  '3des-3key-cbc-mac': [24],
};

export function assertKeyLength(role: 'KIc' | 'KID', alg: CipherAlgorithm | MacAlgorithm, key: Uint8Array): void {
  const allowed = KEY_LENGTHS[alg];
  if (!allowed.includes(key.length)) throw new KeyLengthError(role, alg, allowed.join(' or '), key.length);
}

/** Build a KIc/KID byte. */
export function encodeKeyIdentifier(family: KeyIdentifier['family'], variant: number, keyIndex: number): number {
  if (!Number.isInteger(keyIndex) || keyIndex < 0 || keyIndex > 15) throw new RangeError(`key index must be 0..15, got ${keyIndex}`);
  if (!Number.isInteger(variant) || variant < 0 || variant > 3) throw new RangeError(`variant (b4b3) must be 0..3, got ${variant}`);
  return (keyIndex << 4) | (variant << 2) | FAMILY.indexOf(family);
}
