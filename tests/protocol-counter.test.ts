/**
 * Replay counters (TS 102 225 5.1.1, SPI b5b4), PoR status codes (5.2.2) and the coding of SPI, KIc and KID.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CNTR_MAX, POR_STATUS, checkCounter, counterStatus, describePorStatus, type CounterVerdict } from '../protocol/ts-102-225-counter.ts';
import {
  cipherAlgorithmOf,
  decodeKeyIdentifier,
  decodeSpi,
  describeKeyIdentifier,
  encodeKeyIdentifier,
  encodeSpi,
  macAlgorithmOf,
  rcAlgorithmOf,
  rcLength,
  type CounterMode,
  type KeyIdentifier,
  type Spi,
  type SpiFields,
} from '../protocol/ts-102-225-coding.ts';
import { UnsupportedAlgorithmError } from '../protocol/errors.ts';
import { fromHex, readUint, toHex, writeUint } from '../protocol/hex.ts';
import { vectors } from './support/scp80-vectors.ts';

describe('checkCounter', () => {
  const last = 0x1234n;

  test('CNTR_MAX is the largest 5-byte counter', () => {
    assert.equal(CNTR_MAX, 0xff_ffff_ffffn);
    assert.equal(readUint(fromHex('FFFFFFFFFF')), CNTR_MAX);
    assert.equal(toHex(writeUint(CNTR_MAX, 5)), 'FFFFFFFFFF');
    assert.equal(readUint(writeUint(last, 5)), last);
  });

  for (const mode of ['none', 'no-check'] as const) {
    test(`mode '${mode}' accepts any counter, even lower, equal or after the stored one is at its maximum`, () => {
      for (const received of [0n, last - 1n, last, last + 1n, last + 2n, CNTR_MAX]) {
        assert.equal(checkCounter(mode, received, last), 'accept', `received ${received}`);
        assert.equal(checkCounter(mode, received, CNTR_MAX), 'accept', `received ${received}, stored at max`);
      }
    });
  }

  test("mode 'higher': only a value above the stored one", () => {
    assert.equal(checkCounter('higher', last + 1n, last), 'accept');
    assert.equal(checkCounter('higher', last + 2n, last), 'accept');
    assert.equal(checkCounter('higher', last + 1000n, last), 'accept');
    assert.equal(checkCounter('higher', CNTR_MAX, last), 'accept');
    assert.equal(checkCounter('higher', last, last), 'low');
    assert.equal(checkCounter('higher', last - 1n, last), 'low');
    assert.equal(checkCounter('higher', 0n, last), 'low');
    assert.equal(checkCounter('higher', 1n, 0n), 'accept');
    assert.equal(checkCounter('higher', 0n, 0n), 'low');
  });

  test("mode 'one-higher': exactly the next value", () => {
    assert.equal(checkCounter('one-higher', last + 1n, last), 'accept');
    assert.equal(checkCounter('one-higher', last + 2n, last), 'high');
    assert.equal(checkCounter('one-higher', CNTR_MAX, last), 'high');
    assert.equal(checkCounter('one-higher', last, last), 'low');
    assert.equal(checkCounter('one-higher', last - 1n, last), 'low');
    assert.equal(checkCounter('one-higher', 1n, 0n), 'accept');
  });

  test('the last counter value can still be used once; a stored maximum blocks the key', () => {
    for (const mode of ['higher', 'one-higher'] as const) {
      assert.equal(checkCounter(mode, CNTR_MAX, CNTR_MAX - 1n), 'accept', mode);
      assert.equal(checkCounter(mode, CNTR_MAX, CNTR_MAX), 'blocked', mode);
      assert.equal(checkCounter(mode, 0n, CNTR_MAX), 'blocked', mode);
      assert.equal(checkCounter(mode, CNTR_MAX - 1n, CNTR_MAX), 'blocked', mode);
    }
  });

  test('verdicts map to the PoR status codes 00, 02, 03, 04', () => {
    const expected: Array<[CounterVerdict, number, string]> = [
      ['accept', 0x00, 'PoR OK'],
      ['low', 0x02, 'CNTR low'],
      ['high', 0x03, 'CNTR high'],
      ['blocked', 0x04, 'CNTR blocked'],
    ];
    for (const [verdict, code, text] of expected) {
      assert.equal(counterStatus(verdict), code, verdict);
      assert.equal(describePorStatus(counterStatus(verdict)), text, verdict);
    }
  });

  test('the counter mode comes from SPI b5b4', () => {
    const modes: Array<[number, CounterMode]> = [[0x00, 'none'], [0x08, 'no-check'], [0x10, 'higher'], [0x18, 'one-higher']];
    for (const [b1, mode] of modes) {
      assert.equal(decodeSpi(Uint8Array.of(b1 | 0x06, 0x00)).counter, mode, `SPI byte 1 ${b1.toString(16)}`);
    }
  });
});

describe('describePorStatus', () => {
  test(`every status code of the vector file [source: ${vectors.responseStatusCodes.source}]`, () => {
    const codes = Object.entries(vectors.responseStatusCodes).filter(([k]) => /^[0-9A-Fa-f]{2}$/.test(k));
    assert.equal(codes.length, 13);
    for (const [code, text] of codes) assert.equal(describePorStatus(parseInt(code, 16)), text, code);
    assert.equal(Object.keys(POR_STATUS).length, 13);
  });
  test('reserved codes are named as such, with their value', () => {
    assert.equal(describePorStatus(0x0d), 'reserved status 0x0d');
    assert.equal(describePorStatus(0xff), 'reserved status 0xff');
  });
});

/** The SpiFields that encodeSpi takes, read back from a decoded SPI. */
function fieldsOf(s: Spi): SpiFields {
  return {
    integrity: s.integrity, ciphered: s.ciphered, counter: s.counter, por: s.por,
    porIntegrity: s.porIntegrity, porCiphered: s.porCiphered, porViaSubmit: s.porVia === 'SMS-SUBMIT',
  };
}

describe('SPI coding', () => {
  test('decodeSpi then encodeSpi round-trips every SPI without reserved bits', () => {
    for (let b1 = 0; b1 < 0x20; b1++) {
      for (let b2 = 0; b2 < 0x40; b2++) {
        const raw = Uint8Array.of(b1, b2);
        const s = decodeSpi(raw);
        assert.equal(s.reservedBitsSet, false);
        assert.equal(toHex(s.raw), toHex(raw));
        assert.equal(toHex(encodeSpi(fieldsOf(s))), toHex(raw));
      }
    }
  });

  test('encodeSpi then decodeSpi round-trips every combination of fields', () => {
    const integrity = ['none', 'RC', 'CC', 'DS'] as const;
    const counters = ['none', 'no-check', 'higher', 'one-higher'] as const;
    const pors = ['none', 'always', 'on-error', 'reserved'] as const;
    for (const i of integrity) for (const c of [false, true]) for (const n of counters)
      for (const por of pors) for (const pi of integrity) for (const pc of [false, true]) for (const sub of [false, true]) {
        const f: SpiFields = { integrity: i, ciphered: c, counter: n, por, porIntegrity: pi, porCiphered: pc, porViaSubmit: sub };
        assert.deepEqual(fieldsOf(decodeSpi(encodeSpi(f))), f);
      }
  });

  test('reserved bits b8-b6 of byte 1 are reported, not rejected', () => {
    const s = decodeSpi(Uint8Array.of(0xe6, 0x19));
    assert.equal(s.reservedBitsSet, true);
    assert.equal(s.integrity, 'CC');
    assert.equal(s.ciphered, true);
    assert.equal(toHex(s.raw), 'E619');
  });

  test('encodeSpi defaults: no PoR, clear, via SMS-DELIVER-REPORT', () => {
    assert.equal(toHex(encodeSpi({ integrity: 'RC', ciphered: false, counter: 'none' })), '0100');
  });

  test('known SPIs: the draft sample, the pysim vectors and the CLI help example', () => {
    const d = decodeSpi(fromHex('0100'));
    assert.deepEqual([d.integrity, d.ciphered, d.counter, d.por], ['RC', false, 'none', 'none']);
    const p = decodeSpi(fromHex('0619'));
    assert.deepEqual(
      [p.integrity, p.ciphered, p.counter, p.por, p.porIntegrity, p.porCiphered, p.porVia],
      ['CC', true, 'none', 'always', 'CC', true, 'SMS-DELIVER-REPORT'],
    );
    const q = decodeSpi(fromHex('0609'));
    assert.deepEqual([q.porIntegrity, q.porCiphered], ['CC', false]);
    const r = decodeSpi(fromHex('0601'));
    assert.deepEqual([r.por, r.porIntegrity, r.porCiphered], ['always', 'none', false]);
    const h = decodeSpi(fromHex('1621'));
    assert.deepEqual([h.integrity, h.ciphered, h.counter, h.por, h.porVia], ['CC', true, 'higher', 'always', 'SMS-SUBMIT']);
    assert.equal(toHex(encodeSpi({ integrity: 'CC', ciphered: true, counter: 'higher', por: 'always', porViaSubmit: true })), '1621');
  });
});

describe('KIc / KID coding', () => {
  test('decodeKeyIdentifier then encodeKeyIdentifier round-trips all 256 values', () => {
    for (let raw = 0; raw < 256; raw++) {
      const id = decodeKeyIdentifier(raw);
      assert.equal(id.raw, raw);
      assert.equal(id.keyIndex, raw >> 4);
      assert.equal(encodeKeyIdentifier(id.family, id.variant, id.keyIndex), raw);
    }
  });

  test('encodeKeyIdentifier then decodeKeyIdentifier round-trips every field combination', () => {
    for (const family of ['implicit', 'DES', 'AES', 'proprietary'] as const)
      for (let variant = 0; variant < 4; variant++)
        for (let keyIndex = 0; keyIndex < 16; keyIndex++) {
          const id: KeyIdentifier = decodeKeyIdentifier(encodeKeyIdentifier(family, variant, keyIndex));
          assert.deepEqual([id.family, id.variant, id.keyIndex], [family, variant, keyIndex]);
        }
  });

  test('encodeKeyIdentifier refuses a key index or variant that does not fit its bits', () => {
    for (const keyIndex of [-1, 16, 1.5]) assert.throws(() => encodeKeyIdentifier('AES', 0, keyIndex), RangeError);
    for (const variant of [-1, 4, 0.5]) assert.throws(() => encodeKeyIdentifier('AES', variant, 1), RangeError);
  });

  test('known identifiers', () => {
    assert.equal(encodeKeyIdentifier('DES', 1, 1), 0x15);
    assert.equal(encodeKeyIdentifier('AES', 0, 2), 0x22);
    assert.equal(encodeKeyIdentifier('DES', 1, 3), 0x35);
    assert.equal(encodeKeyIdentifier('AES', 0, 1), 0x12);
  });

  test('KIc algorithms', () => {
    assert.equal(cipherAlgorithmOf(decodeKeyIdentifier(0x12)), 'aes-cbc');
    assert.equal(cipherAlgorithmOf(decodeKeyIdentifier(0x15)), '3des-2key-cbc');
    assert.equal(cipherAlgorithmOf(decodeKeyIdentifier(0x19)), '3des-3key-cbc');
    for (const raw of [0x10, 0x11, 0x1d, 0x13, 0x16, 0x1a, 0x1e]) {
      assert.throws(() => cipherAlgorithmOf(decodeKeyIdentifier(raw)), UnsupportedAlgorithmError, raw.toString(16));
    }
  });

  test('KID algorithms for a CC and for an RC', () => {
    assert.equal(macAlgorithmOf(decodeKeyIdentifier(0x22)), 'aes-cmac');
    assert.equal(macAlgorithmOf(decodeKeyIdentifier(0x35)), '3des-2key-cbc-mac');
    assert.equal(macAlgorithmOf(decodeKeyIdentifier(0x39)), '3des-3key-cbc-mac');
    assert.equal(rcAlgorithmOf(decodeKeyIdentifier(0x11)), 'crc16');
    assert.equal(rcAlgorithmOf(decodeKeyIdentifier(0x15)), 'crc32');
    assert.equal(rcLength('crc16'), 2);
    assert.equal(rcLength('crc32'), 4);
    for (const raw of [0x30, 0x31, 0x3d, 0x33, 0x36]) assert.throws(() => macAlgorithmOf(decodeKeyIdentifier(raw)), UnsupportedAlgorithmError);
    for (const raw of [0x10, 0x12, 0x13, 0x19, 0x1d]) assert.throws(() => rcAlgorithmOf(decodeKeyIdentifier(raw)), UnsupportedAlgorithmError);
  });

  test('describeKeyIdentifier never throws, even for reserved codes', () => {
    assert.equal(describeKeyIdentifier(decodeKeyIdentifier(0x15), 'KIc', 'RC'), '3des-2key-cbc, key index 1');
    assert.equal(describeKeyIdentifier(decodeKeyIdentifier(0x15), 'KID', 'RC'), 'crc32, key index 1');
    assert.equal(describeKeyIdentifier(decodeKeyIdentifier(0x22), 'KID', 'CC'), 'aes-cmac, key index 2');
    assert.equal(describeKeyIdentifier(decodeKeyIdentifier(0x22), 'KID', 'none'), 'key index 2 (no integrity check in SPI)');
    assert.match(describeKeyIdentifier(decodeKeyIdentifier(0x31), 'KIc', 'CC'), /^KIc: single DES-CBC is legacy\/reserved.*\(key index 3\)$/);
    assert.match(describeKeyIdentifier(decodeKeyIdentifier(0x12), 'KID', 'RC'), /^KID: for an RC, b2b1 must be 01.*\(key index 1\)$/);
  });
});
