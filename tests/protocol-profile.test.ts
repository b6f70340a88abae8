/**
 * The OBF test profile's security-level check (protocol/obf-profile.ts assessSecurity), against the eight
 * properties of draft B.2, and the profile's SPI and key-identifier choices (docs/profile/packet-profile.md).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assessSecurity, keyIdentifierFor, meetsProfileMinimum, profileSpi } from '../protocol/obf-profile.ts';
import { decodeSpi } from '../protocol/ts-102-225-coding.ts';
import { fromHex, toHex } from '../protocol/hex.ts';

const provided = (spi: string, dir: 'up' | 'down') => assessSecurity(decodeSpi(fromHex(spi)), dir).map((p) => p.provided);

describe('assessSecurity: which B.2 properties an SPI can provide', () => {
  for (const dir of ['up', 'down'] as const) {
    test(`SPI 01 00 (the draft's B.2.3 sample: RC only) provides none of B.2-${dir}-1..4`, () => {
      const a = assessSecurity(decodeSpi(fromHex('0100')), dir);
      assert.deepEqual(a.map((p) => p.id), [1, 2, 3, 4].map((n) => `B.2-${dir}-${n}`));
      assert.deepEqual(a.map((p) => p.provided), [false, false, false, false]);
      assert.match(a[1].reason, /RC \(CRC\)/);
    });
  }
  test('SPI 16 00 (CC, ciphered, counter higher) provides all four', () => assert.deepEqual(provided('1600', 'down'), [true, true, true, true]));
  test('SPI 1E 00 (counter exactly one higher) provides all four', () => assert.deepEqual(provided('1E00', 'up'), [true, true, true, true]));
  test('SPI 0E 00 (counter not checked) lacks replay protection only', () => assert.deepEqual(provided('0E00', 'up'), [true, true, false, true]));
  test('SPI 12 00 (CC and checked counter, not ciphered) lacks confidentiality only', () => assert.deepEqual(provided('1200', 'down'), [true, true, true, false]));
  test('SPI 15 00 (RC, ciphered, checked counter) lacks identity, integrity and replay (the counter is not under a keyed check)', () => {
    assert.deepEqual(provided('1500', 'down'), [false, false, false, true]);
  });
  test('SPI 00 00 provides nothing', () => assert.deepEqual(provided('0000', 'up'), [false, false, false, false]));
});

describe('profile choices', () => {
  test('profileSpi: 16 00 with ReplayCheck, 0E 00 without', () => {
    assert.equal(toHex(profileSpi(true)), '1600');
    assert.equal(toHex(profileSpi(false)), '0E00');
  });
  test('only the ReplayCheck SPI meets the minimum', () => {
    assert.equal(meetsProfileMinimum(decodeSpi(profileSpi(true)), 'up'), true);
    assert.equal(meetsProfileMinimum(decodeSpi(profileSpi(false)), 'up'), false);
  });
  test('key identifiers: AES key 1 = 12, 3DES two-key key 2 = 25, 3DES three-key key 3 = 39', () => {
    assert.equal(keyIdentifierFor('aes', 1), 0x12);
    assert.equal(keyIdentifierFor('3des-2key', 2), 0x25);
    assert.equal(keyIdentifierFor('3des-3key', 3), 0x39);
  });
});
