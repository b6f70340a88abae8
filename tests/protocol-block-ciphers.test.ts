/**
 * The cached-context block ciphers of protocol/block-ciphers.ts against independent implementations: AES-CMAC
 * against RFC 4493's examples and @noble/ciphers, AES-CBC against @noble/ciphers, triple DES against a fresh
 * node:crypto context per call; and the cache's edge cases (a key changed in place, one key used for both
 * directions and for the MAC in any order).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { cbc, cmac } from '@noble/ciphers/aes.js';
import { computeMac, decryptCbc, encryptCbc } from '../protocol/block-ciphers.ts';
import { fromHex, toHex } from '../protocol/hex.ts';

const RFC4493_KEY = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
const RFC4493_MSG = fromHex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710');

test('AES-CMAC: the four examples of RFC 4493 section 4', () => {
  assert.equal(toHex(computeMac('aes-cmac', RFC4493_KEY, new Uint8Array(0))), 'BB1D6929E95937287FA37D129B756746');
  assert.equal(toHex(computeMac('aes-cmac', RFC4493_KEY, RFC4493_MSG.subarray(0, 16))), '070A16B46B4D4144F79BDD9DD04A287C');
  assert.equal(toHex(computeMac('aes-cmac', RFC4493_KEY, RFC4493_MSG.subarray(0, 40))), 'DFA66747DE9AE63030CA32611497C827');
  assert.equal(toHex(computeMac('aes-cmac', RFC4493_KEY, RFC4493_MSG)), '51F0BEBF7E3B9D92FC49741779363CFE');
});

const aesKey = fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
const blocks = (size: number) => fc.integer({ min: 0, max: 8 }).chain((n) => fc.uint8Array({ minLength: n * size, maxLength: n * size }));

test('AES-CBC and AES-CMAC agree with @noble/ciphers, whatever order one key is used in', () => {
  fc.assert(fc.property(aesKey, blocks(16), fc.uint8Array({ maxLength: 100 }), (key, data, msg) => {
    const iv = new Uint8Array(16);
    assert.equal(toHex(encryptCbc('aes-cbc', key, data)), toHex(cbc(key, iv, { disablePadding: true }).encrypt(data)));
    assert.equal(toHex(computeMac('aes-cmac', key, msg)), toHex(cmac(msg, key)));
    assert.equal(toHex(decryptCbc('aes-cbc', key, data)), toHex(cbc(key, iv, { disablePadding: true }).decrypt(data)));
    assert.equal(toHex(computeMac('aes-cmac', key, msg)), toHex(cmac(msg, key)));
  }), { seed: 4493, numRuns: 300 });
});

function desReference(key: Uint8Array, data: Uint8Array, decrypt: boolean): string {
  const name = key.length === 16 ? 'des-ede-cbc' : 'des-ede3-cbc';
  const c = decrypt ? createDecipheriv(name, key, Buffer.alloc(8)) : createCipheriv(name, key, Buffer.alloc(8));
  c.setAutoPadding(false);
  return toHex(Buffer.concat([c.update(data), c.final()]));
}

test('triple DES CBC and CBC-MAC agree with a fresh node:crypto context per call', () => {
  const desKey = fc.constantFrom(16, 24).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
  fc.assert(fc.property(desKey, blocks(8), fc.uint8Array({ maxLength: 60 }), (key, data, msg) => {
    const alg = key.length === 16 ? '3des-2key-cbc' : '3des-3key-cbc';
    assert.equal(toHex(encryptCbc(alg, key, data)), desReference(key, data, false));
    assert.equal(toHex(decryptCbc(alg, key, data)), desReference(key, data, true));
    const padded = new Uint8Array(Math.max(8, Math.ceil(msg.length / 8) * 8));
    padded.set(msg);
    const mac = key.length === 16 ? '3des-2key-cbc-mac' : '3des-3key-cbc-mac';
    assert.equal(toHex(computeMac(mac, key, msg)), desReference(key, padded, false).slice(-16));
  }), { seed: 3, numRuns: 300 });
});

test('a key array changed in place gets a new context, not the old key\'s', () => {
  const key = fromHex('000102030405060708090A0B0C0D0E0F');
  const first = toHex(computeMac('aes-cmac', key, RFC4493_MSG));
  key.set(RFC4493_KEY);
  assert.equal(toHex(computeMac('aes-cmac', key, RFC4493_MSG)), '51F0BEBF7E3B9D92FC49741779363CFE');
  assert.notEqual(first, '51F0BEBF7E3B9D92FC49741779363CFE');
});

test('whole blocks only: a partial block is a RangeError', () => {
  assert.throws(() => encryptCbc('aes-cbc', RFC4493_KEY, new Uint8Array(15)), RangeError);
  assert.throws(() => decryptCbc('3des-2key-cbc', RFC4493_KEY, new Uint8Array(9)), RangeError);
});
