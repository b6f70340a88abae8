/**
 * The block-cipher primitives TS 102 225 clause 5.1 names: AES-CBC (FIPS 197, SP 800-38A) and AES-CMAC
 * (RFC 4493) from @noble/ciphers; triple DES outer-CBC and its CBC-MAC from node:crypto (noble has no DES).
 * All CBC uses an all-zero IV, as TS 102 225 prescribes for secured packets. Callers pad; these functions
 * only check that whole blocks arrive.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { cbc, cmac } from '@noble/ciphers/aes.js';

export type CipherAlgorithm = 'aes-cbc' | '3des-2key-cbc' | '3des-3key-cbc';
export type MacAlgorithm = 'aes-cmac' | '3des-2key-cbc-mac' | '3des-3key-cbc-mac';

export function blockSizeOf(alg: CipherAlgorithm | MacAlgorithm): 8 | 16 {
  return alg.startsWith('aes') ? 16 : 8;
}

function desCipherName(alg: string): string {
  return alg.startsWith('3des-2key') ? 'des-ede-cbc' : 'des-ede3-cbc';
}

function assertBlocks(data: Uint8Array, size: number): void {
  if (data.length % size !== 0) throw new RangeError(`data length ${data.length} is not a multiple of the block size ${size}`);
}

export function encryptCbc(alg: CipherAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const size = blockSizeOf(alg);
  assertBlocks(data, size);
  if (alg === 'aes-cbc') return cbc(key, new Uint8Array(16), { disablePadding: true }).encrypt(data);
  const c = createCipheriv(desCipherName(alg), key, Buffer.alloc(8));
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

export function decryptCbc(alg: CipherAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const size = blockSizeOf(alg);
  assertBlocks(data, size);
  if (alg === 'aes-cbc') return cbc(key, new Uint8Array(16), { disablePadding: true }).decrypt(data);
  const d = createDecipheriv(desCipherName(alg), key, Buffer.alloc(8));
  d.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

/**
 * Full-length MAC: AES-CMAC over exactly the given bytes (16 bytes out); for triple DES the CBC-MAC, i.e. the last
 * cipher block of the zero-padded input (8 bytes out). TS 102 225 5.1.3: the MAC padding is not transmitted.
 */
export function computeMac(alg: MacAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  if (alg === 'aes-cmac') return cmac(data, key);
  const padded = new Uint8Array(Math.max(8, Math.ceil(data.length / 8) * 8));
  padded.set(data);
  const c = createCipheriv(desCipherName(alg), key, Buffer.alloc(8));
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(padded), c.final()]);
  return new Uint8Array(out.subarray(out.length - 8));
}
