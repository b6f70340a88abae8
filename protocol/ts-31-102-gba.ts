/**
 * 3GPP TS 31.102 clause 7.1.2 AUTHENTICATE in GBA security context (P2 = 84, GBA_U) and EF_GBABP (clause 4.2.79):
 * the command data and responses as bytes, for the card and for the terminal that drives it.
 *
 * Command: 00 88 00 84 Lc data 00 (short APDU; every length below is one byte).
 * - Bootstrapping mode: data = DD L(RAND) RAND L(AUTN) AUTN, RAND and AUTN 16 bytes each (TS 33.102 6.3.2).
 *   Success: DB L RES with 9000 (the card keeps Ks = CK || IK, TS 33.220 5.3.2). Synchronisation failure:
 *   DC L AUTS with 9000, AUTS 14 bytes. MAC failure: no data, status word 98 62.
 * - NAF derivation mode: data = DE L(NAF_ID) NAF_ID L(IMPI) IMPI (IMPI in UTF-8). Success: DB L Ks_ext_NAF with
 *   9000 (32 bytes, TS 33.220 Annex B).
 *
 * EF_GBABP ('6FD6', transparent): L(RAND) RAND, L(B-TID) B-TID, L(key lifetime) key lifetime, one length byte
 * each (as pySim's ts_31_102.py EF_GBABP: Struct(rand/LV, b_tid/LV, key_lifetime/LV)). B-TID and key lifetime are
 * text (TS 33.220 4.5.2; the lifetime as the Ub response carries it, TS 24.109). A card may allocate the file larger
 * than its content: unused bytes after the three fields are 'FF'.
 *
 * Every malformed input is a MalformedPacketError naming the field; a bad argument to an encoder is a
 * HexFormatError. Nothing here knows about the harness or the reference card.
 */
import { encodeApdu, SW } from './iso-7816.ts';
import { HexFormatError, MalformedPacketError } from './errors.ts';
import { concatBytes, toHex } from './hex.ts';

export const GBA = {
  /** AUTHENTICATE (TS 31.102 7.1.2 / TS 31.101). */
  INS_AUTHENTICATE: 0x88,
  /** UPDATE BINARY (ISO/IEC 7816-4), used by the terminal to store B-TID and key lifetime in EF_GBABP. */
  INS_UPDATE_BINARY: 0xd6,
  P1: 0x00,
  /** P2 = 84: specific reference data, authentication context 100 = GBA security context. */
  P2_GBA_CONTEXT: 0x84,
  TAG_BOOTSTRAP: 0xdd,
  TAG_NAF_DERIVATION: 0xde,
  /** Successful answer in either mode: RES (bootstrapping) or Ks_ext_NAF (NAF derivation). */
  TAG_SUCCESS: 0xdb,
  TAG_SYNC_FAILURE: 0xdc,
  /** EF_GBABP file identifier (TS 31.102 4.2.79). */
  EF_GBABP: 0x6fd6,
} as const;

export const RAND_LENGTH = 16;
export const AUTN_LENGTH = 16;
export const AUTS_LENGTH = 14;
/** RES is 4 to 16 bytes (TS 33.102 6.3.2: 32 to 128 bits). */
export const RES_MIN_LENGTH = 4;
export const RES_MAX_LENGTH = 16;
/** Ks_ext_NAF is the 256-bit output of the KDF (TS 33.220 Annex B). */
export const KS_EXT_NAF_LENGTH = 32;

export type GbaCommand =
  | { mode: 'bootstrap'; rand: Uint8Array; autn: Uint8Array }
  | { mode: 'naf'; nafId: Uint8Array; impi: string };

export type GbaMode = GbaCommand['mode'];

export type GbaResponse =
  /** DB: RES in bootstrapping mode, Ks_ext_NAF in NAF derivation mode. */
  | { kind: 'success'; value: Uint8Array }
  | { kind: 'sync-failure'; auts: Uint8Array }
  /** SW 98 62 without data: AUTN's MAC did not verify. */
  | { kind: 'mac-failure' };

/** What a card answers: a GBA response, or a refusal with another status word and no data. */
export type GbaAnswer = GbaResponse | { kind: 'refused'; sw: number };

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

function lv(value: Uint8Array, field: string): Uint8Array {
  if (value.length > 255) throw new HexFormatError(`${field} of ${value.length} bytes does not fit a one-byte length`, '<= 255', String(value.length));
  return concatBytes(Uint8Array.of(value.length), value);
}

function needLength(value: Uint8Array, length: number, field: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new HexFormatError(`${field} must be ${length} bytes, got ${value?.length ?? 0}`, String(length), String(value?.length ?? 0));
  }
}

/** Reads length-prefixed fields from a byte string, naming the field in every error. */
class LvReader {
  at = 0;
  constructor(private readonly bytes: Uint8Array, private readonly what: string) {}

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  byte(field: string): number {
    if (this.at >= this.bytes.length) throw new MalformedPacketError(field, `${this.what} ends at byte ${this.at} where ${field} was expected`, '1 more byte', '0');
    return this.bytes[this.at++];
  }

  lv(field: string): Uint8Array {
    const length = this.byte(`length of ${field}`);
    if (length > this.remaining) {
      throw new MalformedPacketError(field, `length byte says ${length} bytes, but only ${this.remaining} follow in the ${this.what}`, String(length), String(this.remaining));
    }
    const value = this.bytes.slice(this.at, this.at + length);
    this.at += length;
    return value;
  }

  end(): void {
    if (this.remaining !== 0) {
      throw new MalformedPacketError(this.what, `${this.remaining} byte(s) after the last field (from offset ${this.at}: ${toHex(this.bytes.slice(this.at, this.at + 8))}${this.remaining > 8 ? '...' : ''})`, '0', String(this.remaining));
    }
  }
}

function decodeText(bytes: Uint8Array, field: string): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    throw new MalformedPacketError(field, `is not valid UTF-8: ${toHex(bytes.slice(0, 16))}${bytes.length > 16 ? '...' : ''}`);
  }
}

/** Bootstrapping mode command data: DD 10 RAND 10 AUTN. */
export function encodeBootstrapCommand(rand: Uint8Array, autn: Uint8Array): Uint8Array {
  needLength(rand, RAND_LENGTH, 'RAND');
  needLength(autn, AUTN_LENGTH, 'AUTN');
  return concatBytes(Uint8Array.of(GBA.TAG_BOOTSTRAP), lv(rand, 'RAND'), lv(autn, 'AUTN'));
}

/** NAF derivation mode command data: DE L NAF_ID L IMPI. The whole must fit a short APDU (255 bytes). */
export function encodeNafCommand(nafId: Uint8Array, impi: string): Uint8Array {
  if (!(nafId instanceof Uint8Array) || nafId.length === 0) throw new HexFormatError('NAF_ID must not be empty', '1..255 bytes', '0');
  if (typeof impi !== 'string' || impi.length === 0) throw new HexFormatError('IMPI must not be empty', '1..255 bytes', '0');
  const data = concatBytes(Uint8Array.of(GBA.TAG_NAF_DERIVATION), lv(nafId, 'NAF_ID'), lv(utf8.encode(impi), 'IMPI'));
  if (data.length > 255) throw new HexFormatError(`NAF derivation data of ${data.length} bytes exceeds a short APDU's 255`, '<= 255', String(data.length));
  return data;
}

/** AUTHENTICATE in GBA context as a short command APDU: 00 88 00 84 Lc data 00. */
export function gbaAuthenticateApdu(data: Uint8Array): Uint8Array {
  return encodeApdu({ cla: 0x00, ins: GBA.INS_AUTHENTICATE, p1: GBA.P1, p2: GBA.P2_GBA_CONTEXT, data, le: 0x00 });
}

/** The command data of AUTHENTICATE in GBA context, by its first byte (mode tag). */
export function decodeGbaCommand(data: Uint8Array): GbaCommand {
  const r = new LvReader(data, 'AUTHENTICATE data');
  if (data.length === 0) throw new MalformedPacketError('AUTHENTICATE data', 'is empty; GBA context needs a mode tag (DD or DE)', 'DD or DE', 'nothing');
  const tag = r.byte('mode tag');
  if (tag === GBA.TAG_BOOTSTRAP) {
    const rand = r.lv('RAND');
    if (rand.length !== RAND_LENGTH) throw new MalformedPacketError('RAND', `must be ${RAND_LENGTH} bytes, got ${rand.length}`, String(RAND_LENGTH), String(rand.length));
    const autn = r.lv('AUTN');
    if (autn.length !== AUTN_LENGTH) throw new MalformedPacketError('AUTN', `must be ${AUTN_LENGTH} bytes, got ${autn.length}`, String(AUTN_LENGTH), String(autn.length));
    r.end();
    return { mode: 'bootstrap', rand, autn };
  }
  if (tag === GBA.TAG_NAF_DERIVATION) {
    const nafId = r.lv('NAF_ID');
    if (nafId.length === 0) throw new MalformedPacketError('NAF_ID', 'is empty', '1..255 bytes', '0');
    const impiBytes = r.lv('IMPI');
    if (impiBytes.length === 0) throw new MalformedPacketError('IMPI', 'is empty', '1..255 bytes', '0');
    r.end();
    return { mode: 'naf', nafId, impi: decodeText(impiBytes, 'IMPI') };
  }
  throw new MalformedPacketError('mode tag', `${hex2(tag)} is neither DD (bootstrapping) nor DE (NAF derivation)`, 'DD or DE', hex2(tag));
}

/** The card's response data for a success (DB L value) or a synchronisation failure (DC 0E AUTS). */
export function encodeGbaResponse(response: Exclude<GbaResponse, { kind: 'mac-failure' }>): Uint8Array {
  if (response.kind === 'success') {
    if (response.value.length === 0) throw new HexFormatError('a DB response carries a value', '1..255 bytes', '0');
    return concatBytes(Uint8Array.of(GBA.TAG_SUCCESS), lv(response.value, 'DB value'));
  }
  needLength(response.auts, AUTS_LENGTH, 'AUTS');
  return concatBytes(Uint8Array.of(GBA.TAG_SYNC_FAILURE), lv(response.auts, 'AUTS'));
}

/**
 * The terminal's view of a card's answer to AUTHENTICATE in GBA context. With `mode`, the answer is also checked
 * against what that mode allows (RES 4..16 bytes or Ks_ext_NAF 32 bytes; DC and 98 62 only when bootstrapping).
 * Any other status word without data is a refusal; data with a status word other than 9000 is malformed.
 */
export function decodeGbaResponse(data: Uint8Array, sw: number, mode?: GbaMode): GbaAnswer {
  if (sw !== SW.OK) {
    if (data.length !== 0) throw new MalformedPacketError('response', `status word ${hex4(sw)} comes with ${data.length} data byte(s); only 9000 carries data`, '0', String(data.length));
    if (sw === SW.AUTH_MAC_FAILURE) {
      if (mode === 'naf') throw new MalformedPacketError('response', '98 62 (MAC failure) answers a bootstrapping command, not NAF derivation', 'not 9862', '9862');
      return { kind: 'mac-failure' };
    }
    return { kind: 'refused', sw };
  }
  const r = new LvReader(data, 'AUTHENTICATE response');
  if (data.length === 0) throw new MalformedPacketError('response', '9000 without data; GBA context answers DB or DC', 'DB or DC', 'nothing');
  const tag = r.byte('response tag');
  if (tag === GBA.TAG_SUCCESS) {
    const value = r.lv('DB value');
    r.end();
    if (mode === 'naf' && value.length !== KS_EXT_NAF_LENGTH) {
      throw new MalformedPacketError('Ks_ext_NAF', `must be ${KS_EXT_NAF_LENGTH} bytes, got ${value.length}`, String(KS_EXT_NAF_LENGTH), String(value.length));
    }
    if (mode === 'bootstrap' && (value.length < RES_MIN_LENGTH || value.length > RES_MAX_LENGTH)) {
      throw new MalformedPacketError('RES', `must be ${RES_MIN_LENGTH} to ${RES_MAX_LENGTH} bytes, got ${value.length}`, `${RES_MIN_LENGTH}..${RES_MAX_LENGTH}`, String(value.length));
    }
    if (value.length === 0) throw new MalformedPacketError('DB value', 'is empty', '1..255 bytes', '0');
    return { kind: 'success', value };
  }
  if (tag === GBA.TAG_SYNC_FAILURE) {
    if (mode === 'naf') throw new MalformedPacketError('response tag', 'DC (synchronisation failure) answers a bootstrapping command, not NAF derivation', 'DB', 'DC');
    const auts = r.lv('AUTS');
    if (auts.length !== AUTS_LENGTH) throw new MalformedPacketError('AUTS', `must be ${AUTS_LENGTH} bytes, got ${auts.length}`, String(AUTS_LENGTH), String(auts.length));
    r.end();
    return { kind: 'sync-failure', auts };
  }
  throw new MalformedPacketError('response tag', `${hex2(tag)} is neither DB (success) nor DC (synchronisation failure)`, 'DB or DC', hex2(tag));
}

/** EF_GBABP content (TS 31.102 4.2.79). `rand` is empty before the first bootstrap. */
export interface GbaBootstrapParameters {
  rand: Uint8Array;
  /** B-TID, base64(RAND)@BSF domain (TS 33.220 4.5.2); empty until the terminal writes it. */
  bTid: string;
  /** Key lifetime as the BSF gave it (TS 24.109 xs:dateTime text); empty until the terminal writes it. */
  keyLifetime: string;
}

/**
 * Encode EF_GBABP. With `size`, pad with 'FF' to a file of that many bytes (a card's allocated size); the
 * content must fit.
 */
export function encodeGbabp(p: GbaBootstrapParameters, size?: number): Uint8Array {
  if (p.rand.length !== 0 && p.rand.length !== RAND_LENGTH) throw new HexFormatError(`RAND must be ${RAND_LENGTH} bytes (or empty before a bootstrap), got ${p.rand.length}`, String(RAND_LENGTH), String(p.rand.length));
  const content = concatBytes(lv(p.rand, 'RAND'), lv(utf8.encode(p.bTid), 'B-TID'), lv(utf8.encode(p.keyLifetime), 'key lifetime'));
  if (size === undefined) return content;
  if (content.length > size) throw new HexFormatError(`EF_GBABP content of ${content.length} bytes does not fit a ${size}-byte file`, `<= ${size}`, String(content.length));
  const out = new Uint8Array(size).fill(0xff);
  out.set(content);
  return out;
}

/** Decode EF_GBABP: three LV fields, then nothing or 'FF' padding. */
export function decodeGbabp(content: Uint8Array): GbaBootstrapParameters {
  const r = new LvReader(content, 'EF_GBABP');
  const rand = r.lv('RAND');
  if (rand.length !== 0 && rand.length !== RAND_LENGTH) throw new MalformedPacketError('RAND', `must be ${RAND_LENGTH} bytes (or empty before a bootstrap), got ${rand.length}`, `0 or ${RAND_LENGTH}`, String(rand.length));
  const bTid = decodeText(r.lv('B-TID'), 'B-TID');
  const keyLifetime = decodeText(r.lv('key lifetime'), 'key lifetime');
  const rest = content.slice(r.at);
  const bad = rest.findIndex((b) => b !== 0xff);
  if (bad >= 0) {
    throw new MalformedPacketError('EF_GBABP', `byte ${r.at + bad} after the key lifetime is ${hex2(rest[bad])}; unused bytes must be FF`, 'FF', hex2(rest[bad]));
  }
  return { rand, bTid, keyLifetime };
}
