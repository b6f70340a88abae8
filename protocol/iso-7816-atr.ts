/**
 * Answer-to-reset (ISO/IEC 7816-3 clause 8): structure check and the protocols a card offers. A UICC SHALL
 * support T=0 (ETSI TS 102 221 clause 6.3), so a reader of an OBF SE needs to know whether T=0 is on offer.
 */
import { MalformedPacketError } from './errors.ts';
import { toHex } from './hex.ts';

export interface Atr {
  /** Protocols indicated by the TDi bytes (T=0 implicit when no TD1); T=15 (global bytes) excluded. */
  protocols: number[];
  historical: Uint8Array;
  /** TCK, when present (it must be unless only T=0 is indicated). */
  tck: number | null;
}

/** Parse an ATR; anything ISO 7816-3 forbids (wrong TS, bytes missing or left over, a wrong TCK) is a MalformedPacketError. */
export function parseAtr(bytes: Uint8Array): Atr {
  const fail = (what: string, expected: string, actual: string): never => {
    throw new MalformedPacketError('ATR', `${what} (ATR ${toHex(bytes) || 'empty'})`, expected, actual);
  };
  if (bytes.length < 2) fail('too short', '>= 2 bytes', `${bytes.length} bytes`);
  if (bytes[0] !== 0x3b && bytes[0] !== 0x3f) fail('TS is not a convention byte', '3B or 3F', toHex(bytes.slice(0, 1)));
  const k = bytes[1] & 0x0f;
  const indicated = new Set<number>();
  let y = bytes[1] >> 4;
  let i = 2;
  let sawTd = false;
  while (true) {
    // TAi, TBi, TCi present per bits b5..b7 of the previous Y; TDi per b8 (clause 8.2.3).
    for (const bit of [0x1, 0x2, 0x4]) if (y & bit) i++;
    if (!(y & 0x8)) break;
    if (i >= bytes.length) fail('a TD byte is announced but missing', 'more bytes', `${bytes.length} bytes`);
    const td = bytes[i++];
    sawTd = true;
    indicated.add(td & 0x0f);
    y = td >> 4;
  }
  if (!sawTd) indicated.add(0);
  const histEnd = i + k;
  if (histEnd > bytes.length) fail('historical bytes missing', `${histEnd} bytes at least`, `${bytes.length} bytes`);
  const onlyT0 = [...indicated].every((t) => t === 0);
  const needsTck = !onlyT0;
  if (needsTck) {
    if (bytes.length !== histEnd + 1) fail('TCK is required when a protocol other than T=0 is indicated', `${histEnd + 1} bytes`, `${bytes.length} bytes`);
    let x = 0;
    for (let j = 1; j < bytes.length; j++) x ^= bytes[j];
    if (x !== 0) fail('TCK does not check', 'XOR of T0..TCK = 00', toHex(Uint8Array.of(x)));
  } else if (bytes.length !== histEnd) {
    fail('bytes after the historical bytes (TCK must be absent when only T=0 is indicated)', `${histEnd} bytes`, `${bytes.length} bytes`);
  }
  return { protocols: [...indicated].filter((t) => t !== 15).sort(), historical: bytes.slice(i, histEnd), tck: needsTck ? bytes[bytes.length - 1] : null };
}

/** Append the TCK to an ATR body (T0 .. last historical byte after TS). */
export function withTck(body: Uint8Array): Uint8Array {
  let x = 0;
  for (let j = 1; j < body.length; j++) x ^= body[j];
  return Uint8Array.from([...body, x]);
}
