/**
 * ETSI TS 102 225 (3GPP TS 31.115 for SMS-PP) secured command packets: build, parse, decipher and verify.
 * Clause 5.1: command packet = CPL(2) CHL(1) SPI(2) KIc(1) KID(1) TAR(3) CNTR(5) PCNTR(1) RC/CC/DS, then the
 * secured data and PCNTR padding bytes. With the SMS-PP user-data header, the packet starts with 02 70 00.
 * The RC/CC covers CPL..PCNTR and the data with its padding (the RC/CC field itself left out); ciphering covers
 * CNTR..end with an all-zero IV. The byte layouts are also in docs/profile/packet-profile.md.
 */
import { MalformedPacketError, MissingKeyError, UnsupportedAlgorithmError, DecipherError, IntegrityCheckError } from './errors.ts';
import { concatBytes, equalBytes, toHex } from './hex.ts';
import { crc16X25, crc32 } from './checksums.ts';
import { blockSizeOf, computeMac, decryptCbc, encryptCbc } from './block-ciphers.ts';
import {
  assertKeyLength,
  cipherAlgorithmOf,
  decodeKeyIdentifier,
  decodeSpi,
  encodeSpi,
  macAlgorithmOf,
  rcAlgorithmOf,
  rcLength,
  type KeyIdentifier,
  type Spi,
  type SpiFields,
} from './ts-102-225-coding.ts';

export const COMMAND_UDH = Uint8Array.of(0x02, 0x70, 0x00);
export const RESPONSE_UDH = Uint8Array.of(0x02, 0x71, 0x00);
/** SPI(2) KIc KID TAR(3) CNTR(5) PCNTR: the part of CHL that does not depend on the RC/CC length. */
const FIXED_HEADER = 13;
const CNTR_OFFSET = 10; // from CPL: CPL(2) CHL(1) SPI(2) KIc KID TAR(3)

export interface PacketKeys {
  /** Ciphering key (KIc). */
  kic?: Uint8Array;
  /** Integrity key (KID), for a CC. */
  kid?: Uint8Array;
}

export interface CommandPacketInput {
  spi: Uint8Array | SpiFields;
  kic: number;
  kid: number;
  tar: Uint8Array;
  cntr: Uint8Array;
  data: Uint8Array;
  keys?: PacketKeys;
  /** CC length in bytes (CHL - 13); 8 unless a profile says otherwise. */
  ccLength?: number;
  /** Padding bytes for an unciphered packet (the draft's sample carries 3); ciphered packets are padded to whole blocks. */
  padding?: number;
  /** Prefix the SMS-PP user-data header 02 70 00. */
  withUdh?: boolean;
}

/** Length of the RC/CC/DS field an SPI and KID imply. `ccLength` applies to CC only. */
export function checkLengthOf(spi: Spi, kid: KeyIdentifier, ccLength = 8): number {
  switch (spi.integrity) {
    case 'none':
      return 0;
    case 'RC':
      return rcLength(rcAlgorithmOf(kid));
    case 'CC': {
      const max = kid.family === 'AES' ? 16 : 8;
      if (!Number.isInteger(ccLength) || ccLength < 4 || ccLength > max) {
        throw new RangeError(`CC length must be 4..${max} bytes for ${kid.family}, got ${ccLength}`);
      }
      return ccLength;
    }
    case 'DS':
      throw new UnsupportedAlgorithmError('SPI', 'digital signatures (b2b1 = 11) are not supported by this profile', toHex(spi.raw));
  }
}

/** RC or CC over `covered`, as the SPI and KID name it. */
export function computeCheck(spi: Spi, kid: KeyIdentifier, key: Uint8Array | undefined, covered: Uint8Array, length: number): Uint8Array {
  if (spi.integrity === 'RC') return rcAlgorithmOf(kid) === 'crc16' ? crc16X25(covered) : crc32(covered);
  if (spi.integrity === 'CC') {
    const alg = macAlgorithmOf(kid);
    if (!key) throw new MissingKeyError('KID', 'the SPI asks for a cryptographic checksum');
    assertKeyLength('KID', alg, key);
    return computeMac(alg, key, covered).slice(0, length);
  }
  return new Uint8Array(0);
}

function u16(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}

export function encodeCommandPacket(input: CommandPacketInput): Uint8Array {
  const spiRaw = input.spi instanceof Uint8Array ? input.spi : encodeSpi(input.spi);
  if (spiRaw.length !== 2) throw new MalformedPacketError('SPI', 'must be 2 bytes', '2', String(spiRaw.length));
  if (input.tar.length !== 3) throw new MalformedPacketError('TAR', 'must be 3 bytes', '3', String(input.tar.length));
  if (input.cntr.length !== 5) throw new MalformedPacketError('CNTR', 'must be 5 bytes', '5', String(input.cntr.length));
  const spi = decodeSpi(spiRaw);
  const kic = decodeKeyIdentifier(input.kic & 0xff);
  const kid = decodeKeyIdentifier(input.kid & 0xff);
  const checkLen = checkLengthOf(spi, kid, input.ccLength);

  let padding = input.padding ?? 0;
  if (spi.ciphered) {
    const alg = cipherAlgorithmOf(kic);
    if (!input.keys?.kic) throw new MissingKeyError('KIc', 'the SPI asks for ciphering');
    assertKeyLength('KIc', alg, input.keys.kic);
    const bs = blockSizeOf(alg);
    padding = (bs - ((5 + 1 + checkLen + input.data.length) % bs)) % bs;
  }
  if (padding < 0 || padding > 255) throw new RangeError(`padding must be 0..255, got ${padding}`);
  const chl = FIXED_HEADER + checkLen;
  const cpl = 1 + chl + input.data.length + padding;
  if (cpl > 0xffff) throw new MalformedPacketError('CPL', 'packet too long', '<= 65535', String(cpl));

  const head = concatBytes(u16(cpl), Uint8Array.of(chl), spiRaw, Uint8Array.of(kic.raw, kid.raw), input.tar);
  const body = concatBytes(input.data, new Uint8Array(padding));
  const covered = concatBytes(head, input.cntr, Uint8Array.of(padding), body);
  const check = computeCheck(spi, kid, input.keys?.kid, covered, checkLen);
  let secured = concatBytes(input.cntr, Uint8Array.of(padding), check, body);
  if (spi.ciphered) secured = encryptCbc(cipherAlgorithmOf(kic), input.keys!.kic!, secured);
  const packet = concatBytes(head, secured);
  return input.withUdh ? concatBytes(COMMAND_UDH, packet) : packet;
}

export interface CommandPacket {
  /** True when the packet arrived with the 02 70 00 user-data header. */
  hadUdh: boolean;
  cpl: number;
  chl: number;
  spi: Spi;
  kic: KeyIdentifier;
  kid: KeyIdentifier;
  tar: Uint8Array;
  /** CNTR..end as transmitted (ciphertext when ciphered). */
  securedPart: Uint8Array;
  checkLength: number;
  /** The following are null while the packet is ciphered and no KIc key was given. */
  cntr: Uint8Array | null;
  pcntr: number | null;
  check: Uint8Array | null;
  /** Secured data, padding removed. */
  data: Uint8Array | null;
  /** true/false once the RC/CC was computed; null when there is no check or its key was not given. */
  verified: boolean | null;
  /** The RC/CC computed over the packet, when `verified` is not null. */
  computedCheck: Uint8Array | null;
}

/** The packet without its SMS-PP user-data header (02 70 00 or 02 71 00), when it has one. */
export function stripUdh(bytes: Uint8Array, udh: Uint8Array): { body: Uint8Array; hadUdh: boolean } {
  if (bytes.length >= 3 && bytes[0] === udh[0] && bytes[1] === udh[1] && bytes[2] === udh[2]) {
    return { body: bytes.subarray(3), hadUdh: true };
  }
  return { body: bytes, hadUdh: false };
}

/** Parse the clear header; decipher and verify when keys allow. Structural faults throw typed errors; a wrong RC/CC gives verified=false. */
export function decodeCommandPacket(bytes: Uint8Array, keys: PacketKeys = {}): CommandPacket {
  const { body: p, hadUdh } = stripUdh(bytes, COMMAND_UDH);
  if (p.length < 3) throw new MalformedPacketError('CPL', `packet is ${p.length} byte(s) long; the CPL and CHL alone need 3`, '>= 3', String(p.length));
  const cpl = (p[0] << 8) | p[1];
  if (cpl !== p.length - 2) {
    throw new MalformedPacketError('CPL', `says ${cpl} bytes follow it, but ${p.length - 2} are present`, String(cpl), String(p.length - 2));
  }
  const chl = p[2];
  if (chl < FIXED_HEADER) throw new MalformedPacketError('CHL', `must be at least ${FIXED_HEADER} (SPI..PCNTR), got ${chl}`, `>= ${FIXED_HEADER}`, String(chl));
  if (3 + chl > p.length) {
    throw new MalformedPacketError('CHL', `says the header is ${chl} bytes, but only ${p.length - 3} bytes follow it`, `<= ${p.length - 3}`, String(chl));
  }
  const spi = decodeSpi(p.subarray(3, 5));
  const kic = decodeKeyIdentifier(p[5]);
  const kid = decodeKeyIdentifier(p[6]);
  const tar = p.slice(7, 10);
  const checkLength = chl - FIXED_HEADER;
  if (spi.integrity === 'RC') {
    const want = rcLength(rcAlgorithmOf(kid));
    if (checkLength !== want) throw new MalformedPacketError('CHL', `an RC of ${rcAlgorithmOf(kid)} is ${want} bytes, so CHL must be ${FIXED_HEADER + want}`, String(FIXED_HEADER + want), String(chl));
  } else if (spi.integrity === 'none' && checkLength !== 0) {
    throw new MalformedPacketError('CHL', `the SPI asks for no RC/CC/DS, so CHL must be ${FIXED_HEADER}`, String(FIXED_HEADER), String(chl));
  } else if (spi.integrity === 'CC') {
    // A DES-family CBC-MAC is one 8-byte block; an AES-CMAC at most 16 (TS 102 225 5.1.3).
    const max = kid.family === 'AES' ? 16 : 8;
    if (checkLength < 4 || checkLength > max) {
      throw new MalformedPacketError('CHL', `a CC of ${checkLength} bytes is outside 4..${max} for a ${kid.family} KID`, `${FIXED_HEADER + 4}..${FIXED_HEADER + max}`, String(chl));
    }
  }
  const securedPart = p.slice(CNTR_OFFSET);
  const head = p.subarray(0, CNTR_OFFSET);
  const result: CommandPacket = {
    hadUdh, cpl, chl, spi, kic, kid, tar, securedPart, checkLength,
    cntr: null, pcntr: null, check: null, data: null, verified: null, computedCheck: null,
  };

  let clear: Uint8Array = securedPart;
  if (spi.ciphered) {
    const alg = cipherAlgorithmOf(kic);
    const bs = blockSizeOf(alg);
    if (securedPart.length % bs !== 0) {
      throw new MalformedPacketError('CPL', `the ciphered part (CNTR to end) is ${securedPart.length} bytes, not whole ${bs}-byte blocks`, `a multiple of ${bs}`, String(securedPart.length));
    }
    if (!keys.kic) return result;
    assertKeyLength('KIc', alg, keys.kic);
    clear = decryptCbc(alg, keys.kic, securedPart);
  }
  const afterHeader = clear.length - (6 + checkLength);
  const pcntr = clear[5];
  if (pcntr > afterHeader) {
    const hint = spi.ciphered ? ' (wrong KIc key, or a corrupted packet?)' : '';
    const Err = spi.ciphered ? DecipherError : MalformedPacketError;
    const msg = `PCNTR says ${pcntr} padding bytes, but only ${afterHeader} bytes follow the header${hint}`;
    throw Err === DecipherError ? new DecipherError(msg, `<= ${afterHeader}`, String(pcntr)) : new MalformedPacketError('PCNTR', msg, `<= ${afterHeader}`, String(pcntr));
  }
  result.cntr = clear.slice(0, 5);
  result.pcntr = pcntr;
  result.check = clear.slice(6, 6 + checkLength);
  const dataWithPadding = clear.subarray(6 + checkLength);
  result.data = dataWithPadding.slice(0, dataWithPadding.length - pcntr);

  if (spi.integrity === 'RC' || (spi.integrity === 'CC' && keys.kid)) {
    const covered = concatBytes(head, clear.subarray(0, 6), dataWithPadding);
    result.computedCheck = computeCheck(spi, kid, keys.kid, covered, checkLength);
    result.verified = equalBytes(result.computedCheck, result.check);
  } else if (spi.integrity === 'DS') {
    throw new UnsupportedAlgorithmError('SPI', 'digital signatures (b2b1 = 11) are not supported by this profile', toHex(spi.raw));
  }
  return result;
}

/** decodeCommandPacket, then insist on a readable, verified packet: for receivers that must not act on anything less. */
export function openCommandPacket(bytes: Uint8Array, keys: PacketKeys): CommandPacket & { cntr: Uint8Array; data: Uint8Array; pcntr: number } {
  const packet = decodeCommandPacket(bytes, keys);
  if (packet.data === null) throw new MissingKeyError('KIc', 'the packet is ciphered');
  if (packet.spi.integrity === 'CC' && !keys.kid) throw new MissingKeyError('KID', 'the SPI asks for a cryptographic checksum');
  if (packet.verified === false) {
    throw new IntegrityCheckError(packet.spi.integrity === 'RC' ? 'RC' : 'CC', toHex(packet.computedCheck!), toHex(packet.check!));
  }
  return packet as CommandPacket & { cntr: Uint8Array; data: Uint8Array; pcntr: number };
}
