/**
 * ISO/IEC 7816-4 command and response APDUs (short length fields only, as TS 102 221 cards use) and the
 * status words this profile uses, with their meanings, for traces and verdict messages.
 */
import { MalformedPacketError } from './errors.ts';
import { toHex } from './hex.ts';

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data: Uint8Array;
  /** Expected response length; null when absent (case 1/3). 0 means 256. */
  le: number | null;
}

export function encodeApdu(c: CommandApdu): Uint8Array {
  if (c.data.length > 255) throw new RangeError(`APDU data of ${c.data.length} bytes needs extended length, which this profile does not use`);
  const out = [c.cla, c.ins, c.p1, c.p2];
  if (c.data.length > 0) out.push(c.data.length, ...c.data);
  if (c.le !== null) out.push(c.le & 0xff);
  return Uint8Array.from(out);
}

/** Parse a short command APDU (cases 1-4). Length bytes that disagree with the APDU size are a MalformedPacketError. */
export function decodeApdu(bytes: Uint8Array): CommandApdu {
  if (bytes.length < 4) throw new MalformedPacketError('APDU', `a command APDU has at least 4 bytes (CLA INS P1 P2), got ${bytes.length}`, '>= 4', String(bytes.length));
  const [cla, ins, p1, p2] = bytes;
  if (bytes.length === 4) return { cla, ins, p1, p2, data: new Uint8Array(0), le: null };
  if (bytes.length === 5) return { cla, ins, p1, p2, data: new Uint8Array(0), le: bytes[4] };
  const lc = bytes[4];
  if (lc === 0) throw new MalformedPacketError('Lc', 'Lc = 00 announces extended length, which this profile does not use', '1..255', '0');
  if (bytes.length === 5 + lc) return { cla, ins, p1, p2, data: bytes.slice(5), le: null };
  if (bytes.length === 6 + lc) return { cla, ins, p1, p2, data: bytes.slice(5, 5 + lc), le: bytes[5 + lc] };
  throw new MalformedPacketError('Lc', `says ${lc} data bytes, but the APDU carries ${bytes.length - 5} bytes after it`, String(lc), String(bytes.length - 5));
}

export interface ResponseApdu {
  data: Uint8Array;
  sw: number;
}

export function splitResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) throw new MalformedPacketError('response APDU', `needs at least the 2 status bytes, got ${bytes.length}`, '>= 2', String(bytes.length));
  return { data: bytes.slice(0, -2), sw: (bytes[bytes.length - 2] << 8) | bytes[bytes.length - 1] };
}

export function joinResponse(data: Uint8Array, sw: number): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}

/** Status words of the OBF test profile (docs/profile/apdus.md), with the TS 102 225 PoR status each stands for. */
export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  INSUFFICIENT_SECURITY: 0x6982, // PoR 0A insufficient security level
  COUNTER_BLOCKED: 0x6983, // PoR 04
  COUNTER_LOW: 0x6985, // PoR 02: replay
  COUNTER_HIGH: 0x6986, // PoR 03
  INTEGRITY_FAILED: 0x6988, // PoR 01 RC/CC/DS failed
  MALFORMED: 0x6a80, // incorrect data: packet structure (a packet that does not decipher gives INTEGRITY_FAILED)
  ALGORITHM_NOT_SUPPORTED: 0x6a81,
  NOT_FOUND: 0x6a82, // application or file not found; TAR unknown (PoR 09)
  WRONG_P1P2: 0x6a86,
  KEY_NOT_FOUND: 0x6a88,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  INTERNAL_ERROR: 0x6f00,
  AUTH_MAC_FAILURE: 0x9862, // TS 31.102 7.3 / TS 31.101: authentication error, incorrect MAC (AUTHENTICATE)
} as const;

const SW_TEXT: Record<number, string> = {
  0x9000: 'OK',
  0x6700: 'wrong length',
  0x6982: 'security status not satisfied: insufficient security level',
  0x6983: 'counter blocked',
  0x6985: 'counter low: replay refused',
  0x6986: 'counter high: not the next value',
  0x6988: 'RC/CC or signature check failed',
  0x6a80: 'incorrect data: malformed secured packet',
  0x6a81: 'algorithm not supported',
  0x6a82: 'application, file or TAR not found',
  0x6a86: 'incorrect P1/P2',
  0x6a88: 'referenced data not found: key index not personalised, or a transfer statement for another SE',
  0x6d00: 'instruction not supported',
  0x6e00: 'class not supported',
  0x6f00: 'internal error, no precise diagnosis',
  0x9862: 'authentication error: incorrect MAC in AUTN',
};

export function describeSw(sw: number): string {
  const hex = sw.toString(16).toUpperCase().padStart(4, '0');
  if (SW_TEXT[sw]) return `${hex} (${SW_TEXT[sw]})`;
  if (sw >> 8 === 0x61) return `${hex} (${sw & 0xff} response bytes available)`;
  if (sw >> 8 === 0x6c) return `${hex} (wrong Le, ${sw & 0xff} expected)`;
  return `${hex} (not defined by the profile)`;
}

export function describeApdu(bytes: Uint8Array): string {
  try {
    const a = decodeApdu(bytes);
    return `${toHex(bytes.subarray(0, 4))} Lc=${a.data.length}${a.le !== null ? ` Le=${a.le}` : ''} ${toHex(a.data)}`;
  } catch {
    return toHex(bytes);
  }
}
