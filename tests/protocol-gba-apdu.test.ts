/**
 * AUTHENTICATE in GBA security context (TS 31.102 7.1.2, P2 = 84) and EF_GBABP (TS 31.102 4.2.79) as bytes
 * (protocol/ts-31-102-gba.ts): the layouts, round trips, and every way the data can be malformed: wrong tags,
 * lengths that lie, truncation, trailing bytes, wrong field sizes. Each malformed input must be a ProtocolError
 * naming the field, never another exception.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AUTS_LENGTH,
  GBA,
  decodeGbaCommand,
  decodeGbaResponse,
  decodeGbabp,
  encodeBootstrapCommand,
  encodeGbaResponse,
  encodeGbabp,
  encodeNafCommand,
  gbaAuthenticateApdu,
} from '../protocol/ts-31-102-gba.ts';
import { decodeApdu, SW } from '../protocol/iso-7816.ts';
import { HexFormatError, MalformedPacketError, ProtocolError } from '../protocol/errors.ts';
import { concatBytes, fromHex, toHex } from '../protocol/hex.ts';
import { nafId } from '../protocol/ts-33-220.ts';

// TS 35.208 test set 1: RAND, and the AUTN (SQN xor AK || AMF || MAC-A) it gives with SQN ff9bb4d0b607, AMF b9b9.
const RAND = fromHex('23553cbe9637a89d218ae64dae47bf35');
const AUTN = fromHex('55f328b43577b9b94a9ffac354dfafb3');
const RES = fromHex('a54211d5e3ba50bf');
const AUTS = fromHex('ba853f3c123ccf44e93596e355c6');
const IMPI = '404685505601234@ims.mnc068.mcc404.3gppnetwork.org';
const NAF_ID = nafId('vtams.state.example');
const TEXT = new TextEncoder();

/** The error must be a MalformedPacketError whose message matches. */
function malformed(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MalformedPacketError, `expected MalformedPacketError, got ${String(e)}`);
    assert.match(e.message, message);
    return true;
  });
}

describe('AUTHENTICATE command data (TS 31.102 7.1.2, GBA security context)', () => {
  test('bootstrapping mode: DD 10 RAND 10 AUTN, and back', () => {
    const data = encodeBootstrapCommand(RAND, AUTN);
    assert.equal(toHex(data), 'DD10' + toHex(RAND) + '10' + toHex(AUTN));
    assert.equal(data.length, 35);
    assert.deepEqual(decodeGbaCommand(data), { mode: 'bootstrap', rand: RAND, autn: AUTN });
  });

  test('NAF derivation mode: DE L NAF_ID L IMPI (UTF-8), and back', () => {
    const data = encodeNafCommand(NAF_ID, IMPI);
    assert.equal(toHex(data), 'DE' + '18' + toHex(NAF_ID) + '31' + toHex(TEXT.encode(IMPI)));
    assert.deepEqual(decodeGbaCommand(data), { mode: 'naf', nafId: NAF_ID, impi: IMPI });
    const unicode = 'usér@ims.example'; // é is two bytes in UTF-8
    const back = decodeGbaCommand(encodeNafCommand(NAF_ID, unicode));
    assert.equal(back.mode === 'naf' && back.impi, unicode);
  });

  test('the APDU is 00 88 00 84 Lc data 00', () => {
    const apdu = gbaAuthenticateApdu(encodeBootstrapCommand(RAND, AUTN));
    assert.equal(toHex(apdu.slice(0, 5)), '0088008423');
    assert.equal(apdu[apdu.length - 1], 0x00);
    const c = decodeApdu(apdu);
    assert.deepEqual([c.cla, c.ins, c.p1, c.p2, c.le], [0x00, GBA.INS_AUTHENTICATE, 0x00, GBA.P2_GBA_CONTEXT, 0]);
    assert.equal(toHex(c.data), toHex(encodeBootstrapCommand(RAND, AUTN)));
  });

  test('encoders refuse wrong sizes with a HexFormatError', () => {
    assert.throws(() => encodeBootstrapCommand(RAND.slice(0, 15), AUTN), /RAND must be 16 bytes, got 15/);
    assert.throws(() => encodeBootstrapCommand(RAND, concatBytes(AUTN, Uint8Array.of(0))), /AUTN must be 16 bytes, got 17/);
    assert.throws(() => encodeNafCommand(new Uint8Array(0), IMPI), HexFormatError);
    assert.throws(() => encodeNafCommand(NAF_ID, ''), HexFormatError);
    assert.throws(() => encodeNafCommand(new Uint8Array(256), 'a'), /NAF_ID of 256 bytes does not fit a one-byte length/);
    assert.throws(() => encodeNafCommand(new Uint8Array(200), 'x'.repeat(60)), /exceeds a short APDU's 255/);
    assert.doesNotThrow(() => encodeNafCommand(new Uint8Array(200), 'x'.repeat(52))); // 1 + 201 + 53 = 255
  });

  test('empty data and unknown mode tags', () => {
    malformed(() => decodeGbaCommand(new Uint8Array(0)), /is empty; GBA context needs a mode tag/);
    for (const tag of [0x00, 0xdb, 0xdc, 0xdf, 0x80, 0xff]) {
      const data = encodeBootstrapCommand(RAND, AUTN);
      data[0] = tag;
      malformed(() => decodeGbaCommand(data), new RegExp(`mode tag: ${toHex(Uint8Array.of(tag))} is neither DD`));
    }
  });

  test('every truncation of a bootstrapping command is refused', () => {
    const data = encodeBootstrapCommand(RAND, AUTN);
    for (let n = 1; n < data.length; n++) {
      assert.throws(() => decodeGbaCommand(data.slice(0, n)), MalformedPacketError, `cut to ${n} bytes`);
    }
    malformed(() => decodeGbaCommand(data.slice(0, 1)), /length of RAND: AUTHENTICATE data ends at byte 1/);
    malformed(() => decodeGbaCommand(data.slice(0, 10)), /RAND: length byte says 16 bytes, but only 8 follow/);
    malformed(() => decodeGbaCommand(data.slice(0, 18)), /length of AUTN: AUTHENTICATE data ends at byte 18/);
    malformed(() => decodeGbaCommand(data.slice(0, 34)), /AUTN: length byte says 16 bytes, but only 15 follow/);
  });

  test('lengths that lie, fields of the wrong size, trailing bytes', () => {
    const lying = encodeBootstrapCommand(RAND, AUTN);
    lying[1] = 0x30;
    malformed(() => decodeGbaCommand(lying), /RAND: length byte says 48 bytes, but only 33 follow/);
    const shortRand = concatBytes(Uint8Array.of(0xdd, 15), RAND.slice(0, 15), Uint8Array.of(16), AUTN);
    malformed(() => decodeGbaCommand(shortRand), /RAND: must be 16 bytes, got 15/);
    const longAutn = concatBytes(Uint8Array.of(0xdd, 16), RAND, Uint8Array.of(17), AUTN, Uint8Array.of(0));
    malformed(() => decodeGbaCommand(longAutn), /AUTN: must be 16 bytes, got 17/);
    // AUTN's length byte says 15 while 16 bytes follow: AUTN has the wrong size (and a byte would trail).
    const autnLengthLow = encodeBootstrapCommand(RAND, AUTN);
    autnLengthLow[18] = 15;
    malformed(() => decodeGbaCommand(autnLengthLow), /AUTN: must be 16 bytes, got 15/);
    malformed(() => decodeGbaCommand(concatBytes(encodeBootstrapCommand(RAND, AUTN), Uint8Array.of(0x00))), /1 byte\(s\) after the last field \(from offset 35: 00\)/);
    malformed(() => decodeGbaCommand(concatBytes(encodeNafCommand(NAF_ID, IMPI), Uint8Array.of(1, 2))), /AUTHENTICATE data: 2 byte\(s\) after the last field/);
  });

  test('NAF derivation: truncation, empty fields, lying lengths, IMPI not UTF-8', () => {
    const data = encodeNafCommand(NAF_ID, IMPI);
    for (let n = 1; n < data.length; n++) assert.throws(() => decodeGbaCommand(data.slice(0, n)), MalformedPacketError, `cut to ${n} bytes`);
    malformed(() => decodeGbaCommand(Uint8Array.of(0xde, 0x00, 0x01, 0x61)), /NAF_ID: is empty/);
    malformed(() => decodeGbaCommand(concatBytes(Uint8Array.of(0xde, 1, 0x61, 0))), /IMPI: is empty/);
    malformed(() => decodeGbaCommand(concatBytes(Uint8Array.of(0xde, 1, 0x61, 2, 0xc3, 0x28))), /IMPI: is not valid UTF-8: C328/);
    const lying = data.slice();
    lying[1] = 0xff;
    malformed(() => decodeGbaCommand(lying), /NAF_ID: length byte says 255 bytes/);
  });
});

describe('AUTHENTICATE responses in GBA context', () => {
  test('success: DB L RES, and DB L Ks_ext_NAF', () => {
    const data = encodeGbaResponse({ kind: 'success', value: RES });
    assert.equal(toHex(data), 'DB08' + toHex(RES));
    assert.deepEqual(decodeGbaResponse(data, SW.OK), { kind: 'success', value: RES });
    assert.deepEqual(decodeGbaResponse(data, SW.OK, 'bootstrap'), { kind: 'success', value: RES });
    const key = new Uint8Array(32).fill(7);
    assert.deepEqual(decodeGbaResponse(encodeGbaResponse({ kind: 'success', value: key }), SW.OK, 'naf'), { kind: 'success', value: key });
  });

  test('synchronisation failure: DC 0E AUTS, and back', () => {
    const data = encodeGbaResponse({ kind: 'sync-failure', auts: AUTS });
    assert.equal(toHex(data), 'DC0E' + toHex(AUTS));
    assert.deepEqual(decodeGbaResponse(data, SW.OK, 'bootstrap'), { kind: 'sync-failure', auts: AUTS });
  });

  test('MAC failure is 98 62 without data; other status words are refusals', () => {
    assert.deepEqual(decodeGbaResponse(new Uint8Array(0), 0x9862), { kind: 'mac-failure' });
    assert.deepEqual(decodeGbaResponse(new Uint8Array(0), 0x6985, 'naf'), { kind: 'refused', sw: 0x6985 });
    malformed(() => decodeGbaResponse(Uint8Array.of(1), 0x9862), /status word 9862 comes with 1 data byte/);
    malformed(() => decodeGbaResponse(RES, 0x6a80), /status word 6A80 comes with 8 data byte/);
    malformed(() => decodeGbaResponse(new Uint8Array(0), 0x9862, 'naf'), /98 62 \(MAC failure\) answers a bootstrapping command/);
  });

  test('AUTS that is not 14 bytes is refused, by encoder and decoder', () => {
    for (const n of [0, 13, 15, 16]) {
      malformed(() => decodeGbaResponse(concatBytes(Uint8Array.of(0xdc, n), new Uint8Array(n)), SW.OK), new RegExp(`AUTS: must be ${AUTS_LENGTH} bytes, got ${n}`));
      if (n !== 0) assert.throws(() => encodeGbaResponse({ kind: 'sync-failure', auts: new Uint8Array(n) }), HexFormatError);
    }
  });

  test('9000 without data, unknown tags, lying lengths, truncation, trailing bytes', () => {
    malformed(() => decodeGbaResponse(new Uint8Array(0), SW.OK), /9000 without data/);
    malformed(() => decodeGbaResponse(concatBytes(Uint8Array.of(0xdd, 8), RES), SW.OK), /response tag: DD is neither DB \(success\) nor DC/);
    malformed(() => decodeGbaResponse(concatBytes(Uint8Array.of(0xdb, 9), RES), SW.OK), /DB value: length byte says 9 bytes, but only 8 follow/);
    malformed(() => decodeGbaResponse(concatBytes(Uint8Array.of(0xdb, 7), RES), SW.OK), /AUTHENTICATE response: 1 byte\(s\) after the last field/);
    malformed(() => decodeGbaResponse(Uint8Array.of(0xdb), SW.OK), /length of DB value: AUTHENTICATE response ends at byte 1/);
    malformed(() => decodeGbaResponse(Uint8Array.of(0xdb, 0), SW.OK), /DB value: is empty/);
    const sync = encodeGbaResponse({ kind: 'sync-failure', auts: AUTS });
    for (let n = 1; n < sync.length; n++) assert.throws(() => decodeGbaResponse(sync.slice(0, n), SW.OK), MalformedPacketError, `cut to ${n}`);
  });

  test('with a mode: RES 4..16 bytes, Ks_ext_NAF 32 bytes, DC only when bootstrapping', () => {
    const db = (n: number) => concatBytes(Uint8Array.of(0xdb, n), new Uint8Array(n));
    malformed(() => decodeGbaResponse(db(3), SW.OK, 'bootstrap'), /RES: must be 4 to 16 bytes, got 3/);
    malformed(() => decodeGbaResponse(db(17), SW.OK, 'bootstrap'), /RES: must be 4 to 16 bytes, got 17/);
    assert.equal(decodeGbaResponse(db(4), SW.OK, 'bootstrap').kind, 'success');
    assert.equal(decodeGbaResponse(db(16), SW.OK, 'bootstrap').kind, 'success');
    malformed(() => decodeGbaResponse(db(8), SW.OK, 'naf'), /Ks_ext_NAF: must be 32 bytes, got 8/);
    malformed(() => decodeGbaResponse(encodeGbaResponse({ kind: 'sync-failure', auts: AUTS }), SW.OK, 'naf'), /DC \(synchronisation failure\) answers a bootstrapping command/);
  });
});

describe('EF_GBABP coding (TS 31.102 4.2.79; pySim EF_GBABP: rand/LV, b_tid/LV, key_lifetime/LV)', () => {
  const bTid = 'I1U8vpY3qJ0hiuZNrke/NQ==@bsf.mnc068.mcc404.pub.3gppnetwork.org';
  const keyLifetime = '2025-06-01T12:00:00Z';

  test('three LV fields, and back', () => {
    const content = encodeGbabp({ rand: RAND, bTid, keyLifetime });
    assert.equal(toHex(content), '10' + toHex(RAND) + '3E' + toHex(TEXT.encode(bTid)) + '14' + toHex(TEXT.encode(keyLifetime)));
    assert.deepEqual(decodeGbabp(content), { rand: RAND, bTid, keyLifetime });
  });

  test('before any bootstrap: 00 00 00; a file larger than its content is padded with FF', () => {
    assert.equal(toHex(encodeGbabp({ rand: new Uint8Array(0), bTid: '', keyLifetime: '' })), '000000');
    const padded = encodeGbabp({ rand: new Uint8Array(0), bTid: '', keyLifetime: '' }, 8);
    assert.equal(toHex(padded), '000000FFFFFFFFFF');
    assert.deepEqual(decodeGbabp(padded), { rand: new Uint8Array(0), bTid: '', keyLifetime: '' });
    const full = encodeGbabp({ rand: RAND, bTid, keyLifetime }, 128);
    assert.equal(full.length, 128);
    assert.deepEqual(decodeGbabp(full), { rand: RAND, bTid, keyLifetime });
  });

  test('encoder refusals: RAND neither 0 nor 16 bytes, content larger than the file, B-TID over 255 bytes', () => {
    assert.throws(() => encodeGbabp({ rand: RAND.slice(0, 8), bTid, keyLifetime }), HexFormatError);
    assert.throws(() => encodeGbabp({ rand: RAND, bTid, keyLifetime }, 100), /EF_GBABP content of 101 bytes does not fit a 100-byte file/);
    assert.throws(() => encodeGbabp({ rand: RAND, bTid: 'x'.repeat(256), keyLifetime }), /B-TID of 256 bytes/);
  });

  test('malformed content: truncation, lying lengths, RAND of a wrong size, bytes other than FF after it, text not UTF-8', () => {
    const content = encodeGbabp({ rand: RAND, bTid, keyLifetime });
    for (let n = 0; n < content.length; n++) assert.throws(() => decodeGbabp(content.slice(0, n)), MalformedPacketError, `cut to ${n}`);
    malformed(() => decodeGbabp(new Uint8Array(0)), /length of RAND: EF_GBABP ends at byte 0/);
    malformed(() => decodeGbabp(Uint8Array.of(0x05, 1, 2, 3, 4, 5, 0, 0)), /RAND: must be 16 bytes \(or empty before a bootstrap\), got 5/);
    malformed(() => decodeGbabp(Uint8Array.of(0x00, 0x09, 0x41, 0x00)), /B-TID: length byte says 9 bytes, but only 2 follow in the EF_GBABP/);
    malformed(() => decodeGbabp(Uint8Array.of(0x00, 0x00, 0x00, 0xff, 0x00)), /EF_GBABP: byte 4 after the key lifetime is 00; unused bytes must be FF/);
    malformed(() => decodeGbabp(Uint8Array.of(0x00, 0x01, 0xff, 0x00)), /B-TID: is not valid UTF-8/);
    malformed(() => decodeGbabp(Uint8Array.of(0x00, 0x00, 0x02, 0xc3, 0x28)), /key lifetime: is not valid UTF-8/);
  });
});

describe('properties (fast-check, fixed seeds)', () => {
  const onlyProtocolErrors = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof ProtocolError, `threw ${String(e)}, not a ProtocolError`);
    }
  };

  test('any bytes: the decoders return or throw a ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(undefined, 'bootstrap' as const, 'naf' as const), (bytes, sw, mode) => {
        onlyProtocolErrors(() => decodeGbaCommand(bytes));
        onlyProtocolErrors(() => decodeGbaResponse(bytes, sw, mode));
        onlyProtocolErrors(() => decodeGbaResponse(bytes, SW.OK, mode));
        onlyProtocolErrors(() => decodeGbabp(bytes));
      }),
      { seed: 0x9ba1, numRuns: 2000 },
    );
  });

  test('round trips for any well-formed values', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 1, maxLength: 100 }), text, text, (rand, autn, naf, impi, lifetime) => {
        assert.deepEqual(decodeGbaCommand(encodeBootstrapCommand(rand, autn)), { mode: 'bootstrap', rand, autn });
        assert.deepEqual(decodeGbaCommand(encodeNafCommand(naf, impi)), { mode: 'naf', nafId: naf, impi });
        assert.deepEqual(decodeGbabp(encodeGbabp({ rand, bTid: impi, keyLifetime: lifetime }, 255)), { rand, bTid: impi, keyLifetime: lifetime });
      }),
      { seed: 0x9ba2, numRuns: 500 },
    );
  });
});
