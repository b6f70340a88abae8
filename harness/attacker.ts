/**
 * What an attacker on the network between device and Application Server can do to a secured packet, as pure
 * functions on bytes: the invalid-behaviour scenarios of B.2 are built from these. None needs a key the
 * attacker would not have, except `resealWithCipheringKeyOnly`, which models a leaked ciphering key (KIc)
 * to show that the CC, not the ciphering, authenticates the sender.
 */
import { randomBytes } from 'node:crypto';
import { decodeCommandPacket, encodeCommandPacket } from '../protocol/ts-102-225.ts';
import { encodeKeyIdentifier } from '../protocol/ts-102-225-coding.ts';
import { OBF_TAR } from '../protocol/obf-profile.ts';

/** The attack cannot be mounted on this packet (e.g. it is not what the profile says it should be). */
export class AttackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttackError';
  }
}

/** Flip the lowest bit of the last byte: in CBC this garbles only the last plaintext block. */
export function flipLastBit(packet: Uint8Array): Uint8Array {
  const out = packet.slice();
  out[out.length - 1] ^= 0x01;
  return out;
}

/** Drop the last `n` bytes: the CPL then claims more than arrives. */
export function truncate(packet: Uint8Array, n: number): Uint8Array {
  return packet.slice(0, Math.max(0, packet.length - n));
}

/** Change one byte of the data of an unciphered packet (the first data byte), leaving its RC as it was. */
export function changeDataByte(packet: Uint8Array): Uint8Array {
  const p = decodeCommandPacket(packet);
  const at = packet.length - p.securedPart.length + 6 + p.checkLength;
  const out = packet.slice();
  out[at] ^= 0x20;
  return out;
}

/**
 * A packet anyone can make: SPI 01 00 (RC only), a CRC-32 recomputed over the attacker's data, key index 1,
 * the profile's TAR, counter zero.
 */
export function forgeRcOnly(text: string, keyIndex = 1): Uint8Array {
  const kid = encodeKeyIdentifier('DES', 1, keyIndex); // b2b1 01 + b4b3 01 = CRC-32
  return encodeCommandPacket({ spi: Uint8Array.of(0x01, 0x00), kic: kid, kid, tar: OBF_TAR, cntr: new Uint8Array(5), data: new TextEncoder().encode(text) });
}

/** Decipher with the (leaked) KIc key, replace the data, re-cipher, and sign with a key of the attacker's own. */
export function resealWithCipheringKeyOnly(packet: Uint8Array, text: string, kicKey: Uint8Array): Uint8Array {
  const p = decodeCommandPacket(packet, { kic: kicKey });
  if (!p.cntr) throw new AttackError('the packet is not ciphered with a KIc, nothing to re-seal');
  return encodeCommandPacket({
    spi: p.spi.raw, kic: p.kic.raw, kid: p.kid.raw, tar: p.tar, cntr: p.cntr,
    data: new TextEncoder().encode(text), keys: { kic: kicKey, kid: randomBytes(kicKey.length) }, ccLength: p.checkLength,
    withUdh: p.hadUdh,
  });
}

/** True when any `window` consecutive bytes of `plain` occur in `packet`. */
export function leaksPlaintext(packet: Uint8Array, plain: Uint8Array, window = 4): boolean {
  const hay = Buffer.from(packet);
  for (let i = 0; i + window <= plain.length; i++) if (hay.includes(Buffer.from(plain.subarray(i, i + window)))) return true;
  return false;
}
