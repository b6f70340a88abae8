/**
 * The block-cipher primitives TS 102 225 clause 5.1 names: AES-CBC (FIPS 197, SP 800-38A), AES-CMAC (RFC 4493),
 * triple DES outer-CBC and its CBC-MAC, all on node:crypto (OpenSSL). All CBC uses an all-zero IV, as TS 102 225
 * prescribes for secured packets. Callers pad; these functions only check that whole blocks arrive.
 *
 * Speed (issue 7: a receiver decodes and verifies packets at scale): creating an OpenSSL cipher context costs more
 * than ciphering a 40-byte packet, so each key keeps one context per direction (a CBC encryptor, an ECB decryptor)
 * and its CMAC subkeys, cached per key object. The encryptor's chain is restarted from the zero IV by XORing its
 * previous last output block into the first input block; CBC decryption is ECB decryption XORed with the previous
 * ciphertext block (SP 800-38A 6.2). One update call per operation, no final.
 */
import { createCipheriv, createDecipheriv, type Cipher, type Decipher } from 'node:crypto';

export type CipherAlgorithm = 'aes-cbc' | '3des-2key-cbc' | '3des-3key-cbc';
export type MacAlgorithm = 'aes-cmac' | '3des-2key-cbc-mac' | '3des-3key-cbc-mac';

export function blockSizeOf(alg: CipherAlgorithm | MacAlgorithm): 8 | 16 {
  return alg.startsWith('aes') ? 16 : 8;
}

function assertBlocks(data: Uint8Array, size: number): void {
  if (data.length % size !== 0) throw new RangeError(`data length ${data.length} is not a multiple of the block size ${size}`);
}

/** One key's cipher contexts; `copy` detects a key array changed in place by its owner. */
interface KeySchedule {
  copy: Uint8Array;
  family: 'aes' | '3des';
  size: 8 | 16;
  enc: Cipher;
  /** The encryptor's last output block: its CBC chaining state. */
  last: Uint8Array;
  dec: Decipher;
  /** CMAC subkeys K1, K2 (RFC 4493 2.3), AES only. */
  k1?: Uint8Array;
  k2?: Uint8Array;
}

const schedules = new WeakMap<Uint8Array, KeySchedule>();

function opensslNames(family: 'aes' | '3des', key: Uint8Array): [cbc: string, ecb: string] {
  if (family === 'aes') {
    const bits = key.length * 8;
    if (bits !== 128 && bits !== 192 && bits !== 256) throw new RangeError(`AES key must be 16, 24 or 32 bytes, got ${key.length}`);
    return [`aes-${bits}-cbc`, `aes-${bits}-ecb`];
  }
  // Two-key triple DES is K1 K2 K1 (16 bytes), three-key K1 K2 K3 (24 bytes).
  if (key.length === 16) return ['des-ede-cbc', 'des-ede'];
  if (key.length === 24) return ['des-ede3-cbc', 'des-ede3'];
  throw new RangeError(`triple DES key must be 16 or 24 bytes, got ${key.length}`);
}

/** RFC 4493 2.3: doubling in GF(2^128). */
function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 15; i++) out[i] = ((block[i] << 1) | (block[i + 1] >>> 7)) & 0xff;
  out[15] = (block[15] << 1) & 0xff;
  if (block[0] & 0x80) out[15] ^= 0x87;
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function scheduleFor(family: 'aes' | '3des', key: Uint8Array): KeySchedule {
  const cached = schedules.get(key);
  if (cached && cached.family === family && sameBytes(cached.copy, key)) return cached;
  const [cbcName, ecbName] = opensslNames(family, key);
  const size = family === 'aes' ? 16 : 8;
  const enc = createCipheriv(cbcName, key, Buffer.alloc(size));
  enc.setAutoPadding(false);
  const dec = createDecipheriv(ecbName, key, null);
  dec.setAutoPadding(false);
  const s: KeySchedule = { copy: Uint8Array.from(key), family, size, enc, last: new Uint8Array(size), dec };
  if (family === 'aes') {
    const l = cbcChain(s, new Uint8Array(16));
    s.k1 = dbl(l);
    s.k2 = dbl(s.k1);
  }
  schedules.set(key, s);
  return s;
}

/** CBC encryption from a zero IV through the key's persistent encryptor; `input` is consumed (its first block is changed). */
function cbcChain(s: KeySchedule, input: Uint8Array): Uint8Array {
  for (let i = 0; i < s.size; i++) input[i] ^= s.last[i];
  const out = s.enc.update(input);
  s.last = out.slice(out.length - s.size);
  return out;
}

function familyOf(alg: CipherAlgorithm | MacAlgorithm): 'aes' | '3des' {
  return alg.startsWith('aes') ? 'aes' : '3des';
}

export function encryptCbc(alg: CipherAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const size = blockSizeOf(alg);
  assertBlocks(data, size);
  if (data.length === 0) return new Uint8Array(0);
  const out = cbcChain(scheduleFor(familyOf(alg), key), Uint8Array.from(data));
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function decryptCbc(alg: CipherAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const size = blockSizeOf(alg);
  assertBlocks(data, size);
  if (data.length === 0) return new Uint8Array(0);
  const out = scheduleFor(familyOf(alg), key).dec.update(data);
  for (let i = out.length - 1; i >= size; i--) out[i] ^= data[i - size];
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Full-length MAC: AES-CMAC over exactly the given bytes (16 bytes out); for triple DES the CBC-MAC, i.e. the last
 * cipher block of the zero-padded input (8 bytes out). TS 102 225 5.1.3: the MAC padding is not transmitted.
 */
export function computeMac(alg: MacAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = scheduleFor(familyOf(alg), key);
  const size = s.size;
  const complete = data.length > 0 && data.length % size === 0;
  const padded = new Uint8Array(complete ? data.length : Math.max(size, Math.ceil((data.length + (s.family === 'aes' ? 1 : 0)) / size) * size));
  padded.set(data);
  if (s.family === 'aes') {
    // RFC 4493 2.4: a complete last block is XORed with K1; otherwise 10* padding and K2.
    if (!complete) padded[data.length] = 0x80;
    const sub = complete ? s.k1! : s.k2!;
    const at = padded.length - 16;
    for (let i = 0; i < 16; i++) padded[at + i] ^= sub[i];
  }
  cbcChain(s, padded);
  return s.last.slice();
}
