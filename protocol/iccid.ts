/**
 * ICCID: the device identity of the OBF use case (draft B.2.1 item 1). ITU-T E.118: up to 19 digits plus a
 * Luhn check digit (ISO/IEC 7812-1); stored in EF_ICCID (2FE2, TS 102 221 13.2) as BCD with swapped nibbles.
 */
export class IccidError extends Error {
  readonly code = 'INVALID_ICCID';
  constructor(message: string, readonly expected?: string, readonly actual?: string) {
    super(message);
    this.name = 'IccidError';
  }
}

export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = payload.charCodeAt(payload.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** Throws IccidError unless `iccid` is 18-20 decimal digits whose last digit is the Luhn check digit. */
export function validateIccid(iccid: unknown): string {
  if (typeof iccid !== 'string') throw new IccidError(`ICCID must be a string of digits, got ${typeof iccid}`);
  if (!/^\d{18,20}$/.test(iccid)) throw new IccidError(`ICCID must be 18 to 20 decimal digits, got '${iccid.slice(0, 32)}'`, '18-20 digits', iccid.slice(0, 32));
  const want = luhnCheckDigit(iccid.slice(0, -1));
  const got = Number(iccid.at(-1));
  if (want !== got) throw new IccidError(`ICCID ${iccid}: Luhn check digit is ${got}, should be ${want}`, String(want), String(got));
  return iccid;
}

/** Append the Luhn digit to a payload of 17-19 digits. */
export function withLuhn(payload: string): string {
  return payload + luhnCheckDigit(payload);
}

export function encodeIccidBcd(iccid: string): Uint8Array {
  const digits = iccid.padEnd(20, 'F');
  const out = new Uint8Array(10);
  for (let i = 0; i < 10; i++) out[i] = (parseInt(digits[2 * i + 1], 16) << 4) | parseInt(digits[2 * i], 16);
  return out;
}

export function decodeIccidBcd(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b & 0x0f).toString(16) + (b >> 4).toString(16);
  return s.replace(/f+$/i, '').toUpperCase();
}
