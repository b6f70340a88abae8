/**
 * The OBF test profile: the concrete choices this project makes where the draft's Appendix B is silent.
 * Shared, as a vendor's library would be, by the reference implementation and the harness. Every constant
 * here is documented in docs/profile/ (APDUs, packet profile, HTTP API).
 */
import { encodeKeyIdentifier, encodeSpi, type Spi } from './ts-102-225-coding.ts';

/** AID of the OBF application on the Secure Element (proprietary RID category F0, "OBF", version 01). */
export const OBF_AID = Uint8Array.of(0xf0, 0x4f, 0x42, 0x46, 0x01);
/** TAR of the device-command application: the draft's B.2.3 sample uses A0 00 03. */
export const OBF_TAR = Uint8Array.of(0xa0, 0x00, 0x03);
export const EF_ICCID = 0x2fe2;

/** Proprietary APDUs of the profile (CLA 80). */
export const APDU = {
  CLA_PROPRIETARY: 0x80,
  /** seDecryptData (B.2.2.2.1): P1 key index (00: the packet's), P2 b1 = ReplayCheck. Data: secured packet. */
  INS_DECRYPT_DATA: 0x5a,
  /** seEncryptData (B.2.2.2.2): P1 key index, P2 b1 = ReplayCheck. Data: plaintext. Response: secured packet. */
  INS_ENCRYPT_DATA: 0x5c,
  INS_SELECT: 0xa4,
  INS_READ_BINARY: 0xb0,
  P2_REPLAY_CHECK: 0x01,
} as const;

export type KeyAlgorithm = 'aes' | '3des-2key' | '3des-3key';

/** One key index's keyset: the ciphering key (KIc) and the integrity key (KID, for the CC). */
export interface KeySet {
  algorithm: KeyAlgorithm;
  kic: Uint8Array;
  kid: Uint8Array;
}

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['aes', '3des-2key', '3des-3key'];

/** KIc/KID byte for a keyset algorithm and key index (TS 102 225 5.1.1; the same coding serves both for a CC). */
export function keyIdentifierFor(algorithm: KeyAlgorithm, keyIndex: number): number {
  if (algorithm === 'aes') return encodeKeyIdentifier('AES', 0, keyIndex);
  return encodeKeyIdentifier('DES', algorithm === '3des-2key' ? 1 : 2, keyIndex);
}

export function keyLengthsFor(algorithm: KeyAlgorithm): number[] {
  return algorithm === 'aes' ? [16, 24, 32] : algorithm === '3des-2key' ? [16] : [24];
}

/**
 * SPI the profile uses for a secured packet in either direction: CC, ciphered, and a counter that the receiver
 * checks ("higher") when ReplayCheck is asked for; otherwise a counter present but not checked, so that two
 * packets never share a first cipher block (confidentiality, B.2 property 4). No PoR.
 */
export function profileSpi(replayCheck: boolean): Uint8Array {
  return encodeSpi({ integrity: 'CC', ciphered: true, counter: replayCheck ? 'higher' : 'no-check' });
}

export type Direction = 'up' | 'down';
export type PropertyName = 'identity' | 'integrity' | 'replay' | 'confidentiality';
export const PROPERTIES: readonly PropertyName[] = ['identity', 'integrity', 'replay', 'confidentiality'];

export interface PropertyAssessment {
  /** The draft's numbering in B.2: 1 identity, 2 integrity, 3 replay, 4 confidentiality. */
  id: `B.2-${Direction}-${1 | 2 | 3 | 4}`;
  property: PropertyName;
  provided: boolean;
  reason: string;
}

/**
 * Which of the four B.2 properties a packet's SPI can provide in one direction. An RC (CRC) detects accidents,
 * not an attacker, who recomputes it: identity and integrity need a CC. A counter protects against replay only
 * when the receiver checks it and a CC covers it. Confidentiality needs ciphering.
 */
export function assessSecurity(spi: Spi, direction: Direction): PropertyAssessment[] {
  const cc = spi.integrity === 'CC' || spi.integrity === 'DS';
  const checked = spi.counter === 'higher' || spi.counter === 'one-higher';
  const integrityWhy = cc
    ? `SPI ${spi.integrity}: keyed check`
    : spi.integrity === 'RC'
      ? 'SPI asks only for an RC (CRC), which anyone can recompute after changing the bytes'
      : 'SPI asks for no integrity check';
  return [
    { id: `B.2-${direction}-1`, property: 'identity', provided: cc, reason: cc ? integrityWhy : `${integrityWhy}: the sender is not authenticated` },
    { id: `B.2-${direction}-2`, property: 'integrity', provided: cc, reason: integrityWhy },
    {
      id: `B.2-${direction}-3`, property: 'replay', provided: checked && cc,
      reason: !checked ? `SPI counter mode '${spi.counter}': the receiver does not check the counter` : cc ? 'counter checked, covered by the CC' : 'counter checked but not covered by a keyed check: it can be rewritten',
    },
    { id: `B.2-${direction}-4`, property: 'confidentiality', provided: spi.ciphered, reason: spi.ciphered ? 'ciphered' : 'SPI asks for no ciphering: the data crosses the network in clear' },
  ];
}

/** The profile's minimum for a packet a receiver acts on: all four properties. */
export function meetsProfileMinimum(spi: Spi, direction: Direction): boolean {
  return assessSecurity(spi, direction).every((p) => p.provided);
}
