/** Hex <-> bytes for the CLI, vectors and JSON APIs. Spaces and a 0x prefix are tolerated; anything else is a HexFormatError. */
import { HexFormatError } from './errors.ts';

export function fromHex(text: string, what = 'value'): Uint8Array {
  if (typeof text !== 'string') throw new HexFormatError(`${what}: expected a hex string, got ${typeof text}`);
  const clean = text.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) {
    const bad = clean.match(/[^0-9a-fA-F]/)?.[0] ?? '?';
    throw new HexFormatError(`${what}: '${bad}' is not a hex digit`, 'hex digits 0-9 A-F', bad);
  }
  if (clean.length % 2 !== 0) {
    throw new HexFormatError(`${what}: odd number of hex digits (${clean.length})`, 'an even number of digits', String(clean.length));
  }
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

export function fromHexExact(text: string, length: number, what: string): Uint8Array {
  const bytes = fromHex(text, what);
  if (bytes.length !== length) {
    throw new HexFormatError(`${what}: must be ${length} byte(s), got ${bytes.length}`, String(length), String(bytes.length));
  }
  return bytes;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Big-endian unsigned integer of up to 6 bytes (CNTR is 5). */
export function readUint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function writeUint(value: bigint, length: number): Uint8Array {
  if (value < 0n || value >= 1n << BigInt(8 * length)) {
    throw new RangeError(`${value} does not fit in ${length} byte(s)`);
  }
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}
