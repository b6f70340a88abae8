/**
 * ETSI TS 102 225 clause 5.2 response packets (Proof of Receipt): UDH 02 71 00, RPL(2), RHL(1) = 10 + RC/CC length,
 * TAR(3), CNTR(5) (the command's), PCNTR(1), status(1), RC/CC, data. Its security follows the command's SPI second
 * byte with the command's KIc/KID. Ciphering starts at CNTR; the RC/CC covers the UDH, RPL..status and the data
 * (with padding), the RC/CC field left out. A packet without its UDH is checked as if 02 71 00 preceded it (SMS-PP).
 */
import { MalformedPacketError, MissingKeyError, DecipherError } from './errors.ts';
import { concatBytes, equalBytes } from './hex.ts';
import { blockSizeOf, decryptCbc, encryptCbc } from './block-ciphers.ts';
import { assertKeyLength, cipherAlgorithmOf, decodeKeyIdentifier, decodeSpi, type Spi } from './ts-102-225-coding.ts';
import { RESPONSE_UDH, checkLengthOf, computeCheck, stripUdh, type PacketKeys } from './ts-102-225.ts';
import { describePorStatus } from './ts-102-225-counter.ts';

export interface ResponseContext {
  /** SPI of the command this PoR answers: byte 2 says how the PoR is secured. */
  commandSpi: Uint8Array;
  kic: number;
  kid: number;
  keys?: PacketKeys;
  ccLength?: number;
}

/** The command SPI's second byte, seen as the SPI of the PoR itself. */
function porSecurity(commandSpi: Uint8Array): Spi {
  const s = decodeSpi(commandSpi);
  return { ...s, integrity: s.porIntegrity, ciphered: s.porCiphered, counter: 'none' };
}

export interface ResponsePacketInput extends ResponseContext {
  tar: Uint8Array;
  cntr: Uint8Array;
  status: number;
  data: Uint8Array;
  withUdh?: boolean;
}

export function encodeResponsePacket(input: ResponsePacketInput): Uint8Array {
  const sec = porSecurity(input.commandSpi);
  const kic = decodeKeyIdentifier(input.kic);
  const kid = decodeKeyIdentifier(input.kid);
  const checkLen = checkLengthOf(sec, kid, input.ccLength);
  let padding = 0;
  if (sec.ciphered) {
    const alg = cipherAlgorithmOf(kic);
    if (!input.keys?.kic) throw new MissingKeyError('KIc', 'the command SPI asks for a ciphered PoR');
    assertKeyLength('KIc', alg, input.keys.kic);
    const bs = blockSizeOf(alg);
    padding = (bs - ((5 + 1 + 1 + checkLen + input.data.length) % bs)) % bs;
  }
  const rhl = 10 + checkLen;
  const rpl = 1 + rhl + input.data.length + padding;
  const rplBytes = Uint8Array.of(rpl >> 8, rpl & 0xff);
  const body = concatBytes(input.data, new Uint8Array(padding));
  const fixed = concatBytes(rplBytes, Uint8Array.of(rhl), input.tar);
  const counterPart = concatBytes(input.cntr, Uint8Array.of(padding, input.status));
  const check = computeCheck(sec, kid, input.keys?.kid, concatBytes(RESPONSE_UDH, fixed, counterPart, body), checkLen);
  let secured = concatBytes(counterPart, check, body);
  if (sec.ciphered) secured = encryptCbc(cipherAlgorithmOf(kic), input.keys!.kic!, secured);
  const packet = concatBytes(fixed, secured);
  return input.withUdh === false ? packet : concatBytes(RESPONSE_UDH, packet);
}

export interface ResponsePacket {
  hadUdh: boolean;
  rpl: number;
  rhl: number;
  tar: Uint8Array;
  cntr: Uint8Array | null;
  pcntr: number | null;
  status: number | null;
  statusText: string | null;
  check: Uint8Array | null;
  data: Uint8Array | null;
  verified: boolean | null;
}

export function decodeResponsePacket(bytes: Uint8Array, ctx: ResponseContext): ResponsePacket {
  const { body: p, hadUdh } = stripUdh(bytes, RESPONSE_UDH);
  if (p.length < 3) throw new MalformedPacketError('RPL', `response is ${p.length} byte(s); RPL and RHL alone need 3`, '>= 3', String(p.length));
  const rpl = (p[0] << 8) | p[1];
  if (rpl !== p.length - 2) throw new MalformedPacketError('RPL', `says ${rpl} bytes follow it, but ${p.length - 2} are present`, String(rpl), String(p.length - 2));
  const rhl = p[2];
  const sec = porSecurity(ctx.commandSpi);
  const kic = decodeKeyIdentifier(ctx.kic);
  const kid = decodeKeyIdentifier(ctx.kid);
  const checkLen = rhl - 10;
  if (rhl < 10 || 3 + rhl > p.length) throw new MalformedPacketError('RHL', `${rhl} does not fit a response of ${p.length} bytes`, `10..${p.length - 3}`, String(rhl));
  if (sec.integrity === 'none' && checkLen !== 0) throw new MalformedPacketError('RHL', 'the command SPI asks for no RC/CC on the PoR, so RHL must be 10', '10', String(rhl));
  if (sec.integrity === 'RC' && checkLen !== checkLengthOf(sec, kid)) {
    throw new MalformedPacketError('RHL', `an RC on the PoR needs RHL ${10 + checkLengthOf(sec, kid)}`, String(10 + checkLengthOf(sec, kid)), String(rhl));
  }
  const fixed = p.subarray(0, 6);
  const tar = p.slice(3, 6);
  const result: ResponsePacket = { hadUdh, rpl, rhl, tar, cntr: null, pcntr: null, status: null, statusText: null, check: null, data: null, verified: null };
  let clear: Uint8Array = p.subarray(6);
  if (sec.ciphered) {
    const alg = cipherAlgorithmOf(kic);
    const bs = blockSizeOf(alg);
    if (clear.length % bs !== 0) throw new MalformedPacketError('RPL', `the ciphered part is ${clear.length} bytes, not whole ${bs}-byte blocks`, `a multiple of ${bs}`, String(clear.length));
    if (!ctx.keys?.kic) return result;
    assertKeyLength('KIc', alg, ctx.keys.kic);
    clear = decryptCbc(alg, ctx.keys.kic, clear);
  }
  const rest = clear.length - (7 + checkLen);
  const pcntr = clear[5];
  if (pcntr > rest) {
    const msg = `PCNTR says ${pcntr} padding bytes, but only ${rest} bytes follow the header`;
    throw sec.ciphered ? new DecipherError(msg + ' (wrong KIc key?)', `<= ${rest}`, String(pcntr)) : new MalformedPacketError('PCNTR', msg, `<= ${rest}`, String(pcntr));
  }
  result.cntr = clear.slice(0, 5);
  result.pcntr = pcntr;
  result.status = clear[6];
  result.statusText = describePorStatus(clear[6]);
  result.check = clear.slice(7, 7 + checkLen);
  const body = clear.subarray(7 + checkLen);
  result.data = body.slice(0, body.length - pcntr);
  if (sec.integrity === 'RC' || (sec.integrity === 'CC' && ctx.keys?.kid)) {
    const computed = computeCheck(sec, kid, ctx.keys?.kid, concatBytes(RESPONSE_UDH, fixed, clear.subarray(0, 7), body), checkLen);
    result.verified = equalBytes(computed, result.check);
  }
  return result;
}
