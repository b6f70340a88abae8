/**
 * The reference Secure Element (reference-impl/secure-element) against docs/profile/apdus.md: every status word
 * path of SELECT, READ BINARY, DECRYPT DATA and ENCRYPT DATA, the routing table, malformed APDUs, and a
 * property: transmit() never throws and always answers data || SW with a status word of the profile.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReferenceSecureElement } from '../reference-impl/index.ts';
import { referenceKeysFor } from '../adapters/reference/reference-sut.ts';
import { decodeIccidBcd, withLuhn } from '../protocol/iccid.ts';
import { encodeApdu, splitResponse, SW } from '../protocol/iso-7816.ts';
import { APDU, OBF_AID, OBF_TAR, keyIdentifierFor, profileSpi, type KeySet } from '../protocol/obf-profile.ts';
import { decodeCommandPacket, encodeCommandPacket, openCommandPacket } from '../protocol/ts-102-225.ts';
import { encodeKeyIdentifier, encodeSpi } from '../protocol/ts-102-225-coding.ts';
import { CNTR_MAX } from '../protocol/ts-102-225-counter.ts';
import { concatBytes, fromHex, readUint, toHex, writeUint } from '../protocol/hex.ts';
import { draftSamplePacket, DRAFT_SAMPLE_HEX } from '../harness/draft-sample.ts';

const ICCID = withLuhn('8991000000000000001');
const KEYS = referenceKeysFor(ICCID);
const OTHER_KEYS = referenceKeysFor(withLuhn('8991000000000000002'));
const PROFILE_SWS = new Set<number>(Object.values(SW));
const EMPTY = new Uint8Array(0);
const TEXT = new TextEncoder();

function newCard(): ReferenceSecureElement {
  return new ReferenceSecureElement({ iccid: ICCID, decryptionKeys: KEYS.downlink, encryptionKeys: KEYS.uplink });
}

/** transmit() must return data || SW synchronously and never throw. */
function tx(card: ReferenceSecureElement, apdu: Uint8Array): { data: Uint8Array; sw: number } {
  const raw = card.transmit(apdu);
  assert.ok(raw instanceof Uint8Array, 'transmit must return bytes');
  assert.ok(raw.length >= 2, `response of ${raw.length} bytes has no status word`);
  const r = splitResponse(raw);
  if (r.sw !== SW.OK) assert.equal(r.data.length, 0, `a refusal (${r.sw.toString(16)}) must carry no data`);
  return r;
}

function hexSw(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

function expectSw(card: ReferenceSecureElement, apdu: Uint8Array, sw: number, what = ''): Uint8Array {
  const r = tx(card, apdu);
  assert.equal(hexSw(r.sw), hexSw(sw), `${what} ${toHex(apdu)}`.trim());
  return r.data;
}

const selectAidApdu = (aid: Uint8Array = OBF_AID) => encodeApdu({ cla: 0x00, ins: APDU.INS_SELECT, p1: 0x04, p2: 0x00, data: aid, le: null });
const selectFidApdu = (fid: number) => encodeApdu({ cla: 0x00, ins: APDU.INS_SELECT, p1: 0x00, p2: 0x0c, data: Uint8Array.of(fid >> 8, fid & 0xff), le: null });
const readBinaryApdu = (offset: number, le: number | null) => encodeApdu({ cla: 0x00, ins: APDU.INS_READ_BINARY, p1: offset >> 8, p2: offset & 0xff, data: EMPTY, le });
const decryptApdu = (packet: Uint8Array, opts: { p1?: number; replayCheck?: boolean; p2?: number } = {}) =>
  encodeApdu({ cla: APDU.CLA_PROPRIETARY, ins: APDU.INS_DECRYPT_DATA, p1: opts.p1 ?? 0, p2: opts.p2 ?? (opts.replayCheck === false ? 0 : APDU.P2_REPLAY_CHECK), data: packet, le: 0 });
const encryptApdu = (data: Uint8Array, keyIndex: number, replayCheck = true) =>
  encodeApdu({ cla: APDU.CLA_PROPRIETARY, ins: APDU.INS_ENCRYPT_DATA, p1: keyIndex, p2: replayCheck ? APDU.P2_REPLAY_CHECK : 0, data, le: 0 });

function selectObf(card: ReferenceSecureElement): void {
  expectSw(card, selectAidApdu(), SW.OK, 'SELECT OBF');
}

interface PacketOptions {
  index?: number;
  cntr?: bigint;
  replayCheck?: boolean;
  spi?: Uint8Array;
  kic?: number;
  kid?: number;
  tar?: Uint8Array;
  keys?: KeySet;
  text?: string;
  data?: Uint8Array;
}

/** A downlink command packet as the AS makes it (the card's decryption keys, SPI 16 00, TAR A0 00 03). */
function commandPacket(o: PacketOptions = {}): Uint8Array {
  const index = o.index ?? 1;
  const keys = o.keys ?? KEYS.downlink[index] ?? KEYS.downlink[1];
  const id = keyIdentifierFor(keys.algorithm, index);
  return encodeCommandPacket({
    spi: o.spi ?? profileSpi(o.replayCheck ?? true),
    kic: o.kic ?? id,
    kid: o.kid ?? id,
    tar: o.tar ?? OBF_TAR,
    cntr: writeUint(o.cntr ?? 1n, 5),
    data: o.data ?? TEXT.encode(o.text ?? '#ip1 10.20.30.40 9001'),
    keys: { kic: keys.kic, kid: keys.kid },
  });
}

function readyCard(): ReferenceSecureElement {
  const card = newCard();
  selectObf(card);
  return card;
}

describe('reference SE: worked exchange of apdus.md section 8', () => {
  const perso = {
    iccid: '89910000000000000012',
    decryptionKeys: { 1: { algorithm: 'aes' as const, kic: fromHex('000102030405060708090A0B0C0D0E0F'), kid: fromHex('101112131415161718191A1B1C1D1E1F') } },
    encryptionKeys: { 1: { algorithm: 'aes' as const, kic: fromHex('202122232425262728292A2B2C2D2E2F'), kid: fromHex('303132333435363738393A3B3C3D3E3F') } },
  };
  const command = fromHex('00381516001212A00003D8B4C7F33152D15F5CF90DF021B6EA93B9B9F5F0F36322BDA16EF2F59F4E0593134073A9F1F8B7E82AFCB63ABC462EB5');

  test('the documented APDUs give the documented answers byte for byte', () => {
    const card = new ReferenceSecureElement(perso);
    const raw = (hex: string) => toHex(card.transmit(fromHex(hex)));
    assert.equal(raw('00A4000C022FE2'), '9000');
    assert.equal(raw('00B000000A'), '981900000000000000219000');
    assert.equal(raw('805A0001'), '6A82');
    assert.equal(raw('00A4040005F04F424601'), '9000');
    const decrypt = `805A0001${toHex(Uint8Array.of(command.length))}${toHex(command)}00`;
    assert.equal(raw(decrypt), '236970312031302E32302E33302E34302039303031' + '9000');
    assert.equal(raw(decrypt), '6985');
    const encrypt = '805C01010F24484C4D2C626174746572793D383700';
    assert.equal(raw(encrypt), '00281516001212A00003A3DCFF8C38B34E1F48E6C1035BA4331BB0BB575B5A6EE31C692E8A7A49FA1C4F' + '9000');
    assert.equal(raw(encrypt), '00281516001212A00003AE1293F55E74C276920066C9BF0D4F236E65F51F5AC5C8C85CFAAF4EE1C8CE23' + '9000');
    // The refused replay is answered again without ReplayCheck (P2 = 00).
    assert.equal(raw(`805A0000${decrypt.slice(8)}`), '236970312031302E32302E33302E34302039303031' + '9000');
  });

  test('the answer-to-reset is the documented one', () => {
    assert.equal(toHex(new ReferenceSecureElement(perso).atr), '3B8880014F42462D52454600');
  });
});

describe('reference SE: SELECT and READ BINARY', () => {
  test('SELECT EF_ICCID by FID 2FE2 then READ BINARY returns the ICCID in swapped BCD', () => {
    const card = newCard();
    expectSw(card, selectFidApdu(0x2fe2), SW.OK);
    const data = expectSw(card, readBinaryApdu(0, 10), SW.OK);
    assert.equal(data.length, 10);
    assert.equal(decodeIccidBcd(data), ICCID);
  });

  test('READ BINARY: Le absent or 00 reads to the end; offsets, short reads and Le beyond the end', () => {
    const card = newCard();
    expectSw(card, selectFidApdu(0x2fe2), SW.OK);
    const whole = expectSw(card, readBinaryApdu(0, 10), SW.OK);
    assert.deepEqual(expectSw(card, readBinaryApdu(0, null), SW.OK), whole);
    assert.deepEqual(expectSw(card, readBinaryApdu(0, 0), SW.OK), whole);
    assert.deepEqual(expectSw(card, readBinaryApdu(4, 3), SW.OK), whole.slice(4, 7));
    assert.deepEqual(expectSw(card, readBinaryApdu(6, 0), SW.OK), whole.slice(6));
    assert.deepEqual(expectSw(card, readBinaryApdu(8, 0x20), SW.OK), whole.slice(8), 'Le beyond the end: fewer bytes, no warning');
    assert.equal(expectSw(card, readBinaryApdu(10, 0), SW.OK).length, 0, 'offset 10: no data, 9000');
  });

  test('READ BINARY with an offset beyond the file answers 6A86', () => {
    const card = newCard();
    expectSw(card, selectFidApdu(0x2fe2), SW.OK);
    expectSw(card, readBinaryApdu(11, 0), SW.WRONG_P1P2);
    expectSw(card, readBinaryApdu(0x8000, 0), SW.WRONG_P1P2);
    expectSw(card, readBinaryApdu(0xffff, 1), SW.WRONG_P1P2);
  });

  test('READ BINARY without EF_ICCID selected answers 6A82 (after reset, with the MF, with the OBF application)', () => {
    const card = newCard();
    expectSw(card, readBinaryApdu(0, 10), SW.NOT_FOUND, 'after reset');
    expectSw(card, selectFidApdu(0x3f00), SW.OK, 'SELECT MF');
    expectSw(card, readBinaryApdu(0, 10), SW.NOT_FOUND, 'MF selected');
    selectObf(card);
    expectSw(card, readBinaryApdu(0, 10), SW.NOT_FOUND, 'OBF selected');
    card.reset();
    expectSw(card, readBinaryApdu(0, 10), SW.NOT_FOUND, 'after reset()');
  });

  test('SELECT of an unknown AID answers 6A82 and leaves the selection unchanged', () => {
    const card = readyCard();
    expectSw(card, selectAidApdu(Uint8Array.of(0xf0, 0x4f, 0x42, 0x46, 0x02)), SW.NOT_FOUND, 'other version');
    expectSw(card, selectAidApdu(OBF_AID.slice(0, 4)), SW.NOT_FOUND, 'AID prefix');
    expectSw(card, selectAidApdu(concatBytes(OBF_AID, Uint8Array.of(0))), SW.NOT_FOUND, 'AID plus one byte');
    expectSw(card, encodeApdu({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: EMPTY, le: 0 }), SW.NOT_FOUND, 'SELECT by AID without data');
    // the OBF application is still selected
    expectSw(card, encryptApdu(TEXT.encode('x'), 1), SW.OK, 'ENCRYPT after failed SELECT');
  });

  test('SELECT of an unknown file answers 6A82 and leaves EF_ICCID selected', () => {
    const card = newCard();
    expectSw(card, selectFidApdu(0x2fe2), SW.OK);
    expectSw(card, selectFidApdu(0x2f00), SW.NOT_FOUND, 'EF_DIR is not there');
    expectSw(card, selectFidApdu(0x7fff), SW.NOT_FOUND);
    assert.equal(decodeIccidBcd(expectSw(card, readBinaryApdu(0, 10), SW.OK)), ICCID);
  });

  test('SELECT with a bad P1 or a FID of other than 2 bytes answers 6A86', () => {
    const card = newCard();
    for (const p1 of [0x01, 0x02, 0x03, 0x08, 0x09, 0xff]) {
      expectSw(card, encodeApdu({ cla: 0, ins: 0xa4, p1, p2: 0, data: Uint8Array.of(0x2f, 0xe2), le: null }), SW.WRONG_P1P2, `P1=${p1}`);
    }
    expectSw(card, encodeApdu({ cla: 0, ins: 0xa4, p1: 0, p2: 0x0c, data: Uint8Array.of(0x3f, 0x00, 0x2f), le: null }), SW.WRONG_P1P2, '3-byte FID');
    expectSw(card, encodeApdu({ cla: 0, ins: 0xa4, p1: 0, p2: 0x0c, data: Uint8Array.of(0x2f), le: null }), SW.WRONG_P1P2, '1-byte FID');
    expectSw(card, encodeApdu({ cla: 0, ins: 0xa4, p1: 0, p2: 0x0c, data: EMPTY, le: null }), SW.WRONG_P1P2, 'no FID');
  });

  test('SELECT ignores P2 and Le and returns no FCP/FCI', () => {
    const card = newCard();
    assert.equal(expectSw(card, encodeApdu({ cla: 0, ins: 0xa4, p1: 4, p2: 0x0c, data: OBF_AID, le: 0 }), SW.OK).length, 0);
    assert.equal(expectSw(card, encodeApdu({ cla: 0, ins: 0xa4, p1: 0, p2: 0x04, data: Uint8Array.of(0x2f, 0xe2), le: 0x20 }), SW.OK).length, 0);
  });
});

describe('reference SE: routing', () => {
  test('proprietary commands before SELECT of the OBF application answer 6A82', () => {
    const card = newCard();
    expectSw(card, decryptApdu(commandPacket()), SW.NOT_FOUND, 'DECRYPT DATA');
    expectSw(card, encryptApdu(TEXT.encode('data'), 1), SW.NOT_FOUND, 'ENCRYPT DATA');
    expectSw(card, encodeApdu({ cla: 0x80, ins: 0x10, p1: 0, p2: 0, data: EMPTY, le: null }), SW.NOT_FOUND, 'unknown INS is checked after the selection');
    expectSw(card, fromHex('805A0001'), SW.NOT_FOUND, 'case 1');
  });

  test('selecting EF_ICCID or the MF deselects the OBF application', () => {
    const card = readyCard();
    expectSw(card, selectFidApdu(0x2fe2), SW.OK);
    expectSw(card, encryptApdu(TEXT.encode('data'), 1), SW.NOT_FOUND, 'after SELECT EF_ICCID');
    selectObf(card);
    expectSw(card, selectFidApdu(0x3f00), SW.OK);
    expectSw(card, encryptApdu(TEXT.encode('data'), 1), SW.NOT_FOUND, 'after SELECT MF');
    selectObf(card);
    card.reset();
    expectSw(card, encryptApdu(TEXT.encode('data'), 1), SW.NOT_FOUND, 'after reset');
  });

  test('an unknown CLA answers 6E00, with or without the application selected', () => {
    for (const card of [newCard(), readyCard()]) {
      for (const cla of [0x01, 0x0c, 0x40, 0x81, 0x84, 0xa0, 0xff]) {
        expectSw(card, encodeApdu({ cla, ins: 0xa4, p1: 4, p2: 0, data: OBF_AID, le: null }), SW.CLA_NOT_SUPPORTED, `CLA ${cla}`);
        expectSw(card, encodeApdu({ cla, ins: 0x5a, p1: 0, p2: 1, data: commandPacket(), le: 0 }), SW.CLA_NOT_SUPPORTED, `CLA ${cla}`);
      }
    }
  });

  test('an unknown INS answers 6D00 (CLA 00 always, CLA 80 once the application is selected)', () => {
    const card = readyCard();
    for (const ins of [0x00, 0x5a, 0x5c, 0xb2, 0xc0, 0xca, 0xd6, 0xf2]) {
      expectSw(card, encodeApdu({ cla: 0x00, ins, p1: 0, p2: 0, data: EMPTY, le: 0 }), SW.INS_NOT_SUPPORTED, `CLA 00 INS ${ins}`);
    }
    for (const ins of [0x00, 0x5b, 0x5d, 0xa4, 0xb0, 0xc0, 0xca]) {
      expectSw(card, encodeApdu({ cla: 0x80, ins, p1: 0, p2: 0, data: EMPTY, le: 0 }), SW.INS_NOT_SUPPORTED, `CLA 80 INS ${ins}`);
    }
    expectSw(newCard(), encodeApdu({ cla: 0x00, ins: 0xca, p1: 0, p2: 0, data: EMPTY, le: 0 }), SW.INS_NOT_SUPPORTED, 'CLA 00 INS CA after reset');
  });

  test('APDUs of 0 to 3 bytes answer 6700', () => {
    const card = readyCard();
    for (const apdu of [EMPTY, Uint8Array.of(0x80), Uint8Array.of(0x80, 0x5a), Uint8Array.of(0x80, 0x5a, 0x00), Uint8Array.of(0x00, 0xa4, 0x04)]) {
      expectSw(card, apdu, SW.WRONG_LENGTH, `${apdu.length} bytes`);
    }
  });

  test('an Lc that disagrees with the APDU length answers 6700', () => {
    const card = readyCard();
    const good = encryptApdu(TEXT.encode('hello'), 1); // 80 5C 01 01 05 hello 00
    expectSw(card, good.slice(0, -2), SW.WRONG_LENGTH, 'one data byte missing, no Le');
    expectSw(card, concatBytes(good, Uint8Array.of(0)), SW.WRONG_LENGTH, 'one byte too many');
    expectSw(card, fromHex('805C0101' + '05' + '414243'), SW.WRONG_LENGTH, 'Lc 5, 3 bytes');
    expectSw(card, fromHex('805C0101' + '02' + '41424344' + '00'), SW.WRONG_LENGTH, 'Lc 2, 4 bytes and Le');
    expectSw(card, fromHex('00A40400' + 'FF' + toHex(OBF_AID)), SW.WRONG_LENGTH, 'Lc 255, 5 bytes');
    expectSw(card, fromHex('00A40400' + '06' + toHex(OBF_AID)), SW.WRONG_LENGTH, 'Lc 6, 5 bytes (SELECT)');
    // the failed APDUs changed nothing: the application is still selected and counter 1 is still free
    const packet = expectSw(card, good, SW.OK);
    assert.equal(readUint(openCommandPacket(packet, KEYS.uplink[1]).cntr), 1n);
  });

  test('Lc = 00 (extended length) answers 6700', () => {
    const card = readyCard();
    expectSw(card, fromHex('805C010100' + '41'), SW.WRONG_LENGTH, 'Lc 00 with one byte');
    expectSw(card, fromHex('00A4040000' + toHex(OBF_AID)), SW.WRONG_LENGTH, 'SELECT with Lc 00');
    expectSw(card, concatBytes(fromHex('805A000100'), commandPacket()), SW.WRONG_LENGTH, 'DECRYPT with Lc 00');
    expectSw(card, fromHex('805A00010000'), SW.WRONG_LENGTH, 'Lc 00 Le 00');
    expectSw(card, fromHex('805A0001000100' + 'AA'.repeat(256)), SW.WRONG_LENGTH, 'extended Lc 0100');
  });

  test('a 5-byte APDU is case 2: the fifth byte is Le, so DECRYPT DATA gets no packet (6A80) and ENCRYPT DATA no data (6700)', () => {
    const card = readyCard();
    expectSw(card, fromHex('805A000105'), SW.MALFORMED);
    expectSw(card, fromHex('805C010105'), SW.WRONG_LENGTH);
  });
});

describe('reference SE: DECRYPT DATA', () => {
  test('a packet made with the decryption keyset is deciphered (P1 00 or its key index; with or without 02 70 00)', () => {
    const card = readyCard();
    assert.equal(new TextDecoder().decode(expectSw(card, decryptApdu(commandPacket({ cntr: 1n })), SW.OK)), '#ip1 10.20.30.40 9001');
    assert.equal(new TextDecoder().decode(expectSw(card, decryptApdu(commandPacket({ cntr: 2n, text: '#ip2 a 1' }), { p1: 1 }), SW.OK)), '#ip2 a 1');
    const withUdh = concatBytes(fromHex('027000'), commandPacket({ cntr: 3n, text: 'udh' }));
    assert.equal(new TextDecoder().decode(expectSw(card, decryptApdu(withUdh), SW.OK)), 'udh');
  });

  test('key index 2 (3DES two-key) deciphers too, with its own counter', () => {
    const card = readyCard();
    expectSw(card, decryptApdu(commandPacket({ index: 1, cntr: 9n })), SW.OK);
    assert.deepEqual(expectSw(card, decryptApdu(commandPacket({ index: 2, cntr: 1n, text: 'three-des' })), SW.OK), TEXT.encode('three-des'));
    assert.deepEqual(expectSw(card, decryptApdu(commandPacket({ index: 2, cntr: 2n, text: 'three-des' }), { p1: 2 }), SW.OK), TEXT.encode('three-des'));
  });

  test('a wrong CC answers 6988 and uses up no counter', () => {
    const card = readyCard();
    const good = commandPacket({ cntr: 1n });
    const tampered = good.slice();
    tampered[tampered.length - 1] ^= 0x01;
    expectSw(card, decryptApdu(tampered), SW.INTEGRITY_FAILED, 'last byte changed');
    const tamperedFirstBlock = good.slice();
    tamperedFirstBlock[20] ^= 0x80;
    expectSw(card, decryptApdu(tamperedFirstBlock), SW.INTEGRITY_FAILED, 'CNTR block changed');
    expectSw(card, decryptApdu(good), SW.OK, 'the genuine packet with counter 1 is still accepted');
  });

  test('a packet made with another card\'s keys answers 6988', () => {
    const card = readyCard();
    for (let i = 1n; i <= 8n; i++) expectSw(card, decryptApdu(commandPacket({ cntr: i, keys: OTHER_KEYS.downlink[1] })), SW.INTEGRITY_FAILED, `cntr ${i}`);
    expectSw(card, decryptApdu(commandPacket({ index: 2, keys: OTHER_KEYS.downlink[2] })), SW.INTEGRITY_FAILED, '3DES');
  });

  test('a packet made with the card\'s encryption (uplink) keyset answers 6988: separate keysets per direction', () => {
    const card = readyCard();
    expectSw(card, decryptApdu(commandPacket({ keys: KEYS.uplink[1] })), SW.INTEGRITY_FAILED);
  });

  test('a replayed packet answers 6985 with ReplayCheck; a lower counter too', () => {
    const card = readyCard();
    const p5 = commandPacket({ cntr: 5n });
    expectSw(card, decryptApdu(p5), SW.OK);
    expectSw(card, decryptApdu(p5), SW.COUNTER_LOW, 'same packet');
    expectSw(card, decryptApdu(commandPacket({ cntr: 5n, text: 'other' })), SW.COUNTER_LOW, 'same counter, other data');
    expectSw(card, decryptApdu(commandPacket({ cntr: 4n })), SW.COUNTER_LOW, 'lower counter');
    expectSw(card, decryptApdu(commandPacket({ cntr: 7n })), SW.OK, 'a higher one (gap allowed in mode higher)');
  });

  test('without ReplayCheck (P2 = 00) the counter is neither checked nor recorded', () => {
    const card = readyCard();
    const p5 = commandPacket({ cntr: 5n });
    expectSw(card, decryptApdu(p5), SW.OK);
    expectSw(card, decryptApdu(p5, { replayCheck: false }), SW.OK, 'replay accepted without ReplayCheck');
    expectSw(card, decryptApdu(p5, { replayCheck: false }), SW.OK, 'again');
    expectSw(card, decryptApdu(commandPacket({ cntr: 9n }), { replayCheck: false }), SW.OK);
    expectSw(card, decryptApdu(commandPacket({ cntr: 6n })), SW.OK, 'counter 9 was not recorded');
    expectSw(card, decryptApdu(p5, { p2: 0xfe }), SW.OK, 'P2 bits other than b1 are ignored (b1 = 0)');
    expectSw(card, decryptApdu(p5, { p2: 0xff }), SW.COUNTER_LOW, 'P2 FF has b1 set');
  });

  test('an SPI 0E 00 packet (no checked counter) is accepted without ReplayCheck and refused (6982) with it', () => {
    const card = readyCard();
    const packet = commandPacket({ replayCheck: false, cntr: 3n });
    assert.equal(toHex(packet.slice(3, 5)), '0E00');
    expectSw(card, decryptApdu(packet), SW.INSUFFICIENT_SECURITY, 'with ReplayCheck');
    assert.equal(new TextDecoder().decode(expectSw(card, decryptApdu(packet, { replayCheck: false }), SW.OK)), '#ip1 10.20.30.40 9001');
    expectSw(card, decryptApdu(packet, { replayCheck: false }), SW.OK, 'and again');
  });

  test('SPI 01 00 packets (the draft sample: RC only, clear) answer 6982 with or without ReplayCheck', () => {
    const card = readyCard();
    const sample = draftSamplePacket();
    assert.ok(DRAFT_SAMPLE_HEX.startsWith('027000'));
    expectSw(card, decryptApdu(sample), SW.INSUFFICIENT_SECURITY, 'draft sample');
    expectSw(card, decryptApdu(sample.slice(3)), SW.INSUFFICIENT_SECURITY, 'draft sample without UDH');
    expectSw(card, decryptApdu(sample, { replayCheck: false }), SW.INSUFFICIENT_SECURITY, 'without ReplayCheck');
    const crc16 = encodeCommandPacket({ spi: fromHex('0100'), kic: 0x12, kid: 0x11, tar: OBF_TAR, cntr: writeUint(1n, 5), data: TEXT.encode('#ip1 h 1') });
    expectSw(card, decryptApdu(crc16), SW.INSUFFICIENT_SECURITY, 'SPI 0100 with CRC-16');
  });

  test('other SPIs below the minimum answer 6982 (no CC, no ciphering, CC without ciphering)', () => {
    const card = readyCard();
    const k = KEYS.downlink[1];
    const cases: [string, Uint8Array][] = [
      ['0600 CC ciphered, no counter', encodeSpi({ integrity: 'CC', ciphered: true, counter: 'none' })],
      ['1200 CC clear, higher', encodeSpi({ integrity: 'CC', ciphered: false, counter: 'higher' })],
      ['1400 ciphered, no check', encodeSpi({ integrity: 'none', ciphered: true, counter: 'higher' })],
      ['0000 nothing', encodeSpi({ integrity: 'none', ciphered: false, counter: 'none' })],
    ];
    for (const [what, spi] of cases) {
      const packet = encodeCommandPacket({ spi, kic: 0x12, kid: 0x12, tar: OBF_TAR, cntr: writeUint(1n, 5), data: TEXT.encode('#ip1 h 1'), keys: { kic: k.kic, kid: k.kid } });
      expectSw(card, decryptApdu(packet), SW.INSUFFICIENT_SECURITY, what);
    }
    const rcCiphered = encodeCommandPacket({ spi: encodeSpi({ integrity: 'RC', ciphered: true, counter: 'higher' }), kic: 0x12, kid: 0x15, tar: OBF_TAR, cntr: writeUint(1n, 5), data: TEXT.encode('#ip1 h 1'), keys: { kic: k.kic } });
    expectSw(card, decryptApdu(rcCiphered), SW.INSUFFICIENT_SECURITY, '1500 RC ciphered higher');
  });

  test('a key index without a decryption keyset answers 6A88', () => {
    const card = readyCard();
    for (const index of [0, 3, 15]) {
      const packet = commandPacket({ index, keys: KEYS.downlink[1] });
      expectSw(card, decryptApdu(packet), SW.KEY_NOT_FOUND, `index ${index}`);
      expectSw(card, decryptApdu(packet, { p1: index }), SW.KEY_NOT_FOUND, `index ${index}, P1 = index`);
    }
    const encryptOnly = new ReferenceSecureElement({ iccid: ICCID, decryptionKeys: {}, encryptionKeys: KEYS.uplink });
    selectObf(encryptOnly);
    expectSw(encryptOnly, decryptApdu(commandPacket()), SW.KEY_NOT_FOUND, 'no decryption keys at all, but encryption keys');
  });

  test('a P1 other than 00 and the packet\'s key index answers 6A86', () => {
    const card = readyCard();
    const packet = commandPacket({ index: 1 });
    for (const p1 of [0x02, 0x0f, 0x10, 0x11, 0xff]) expectSw(card, decryptApdu(packet, { p1 }), SW.WRONG_P1P2, `P1 ${p1}`);
    expectSw(card, decryptApdu(commandPacket({ index: 2 }), { p1: 1 }), SW.WRONG_P1P2, 'index 2 packet, P1 1');
    expectSw(card, decryptApdu(packet), SW.OK, 'no counter was used up');
  });

  test('KIc and KID naming different key indexes answer 6A80', () => {
    const card = readyCard();
    expectSw(card, decryptApdu(commandPacket({ kic: 0x12, kid: 0x22 })), SW.MALFORMED);
    expectSw(card, decryptApdu(commandPacket({ kic: 0x22, kid: 0x12 })), SW.MALFORMED);
  });

  test('a TAR other than A0 00 03 answers 6A82', () => {
    const card = readyCard();
    for (const tar of ['A00004', '000000', 'B00003', 'FFFFFF']) expectSw(card, decryptApdu(commandPacket({ tar: fromHex(tar) })), SW.NOT_FOUND, `TAR ${tar}`);
    expectSw(card, decryptApdu(commandPacket()), SW.OK, 'no counter was used up');
  });

  test('a KIc of another algorithm than the keyset\'s answers 6A81', () => {
    const card = readyCard();
    // index 1 holds AES; a 3DES two-key packet at index 1 (16-byte keys fit both)
    const des = { algorithm: '3des-2key' as const, kic: KEYS.downlink[1].kic, kid: KEYS.downlink[1].kid };
    expectSw(card, decryptApdu(commandPacket({ index: 1, keys: des })), SW.ALGORITHM_NOT_SUPPORTED, '3DES KIc at an AES index');
    const aesAt2 = { algorithm: 'aes' as const, kic: KEYS.downlink[2].kic, kid: KEYS.downlink[2].kid };
    expectSw(card, decryptApdu(commandPacket({ index: 2, keys: aesAt2 })), SW.ALGORITHM_NOT_SUPPORTED, 'AES KIc at a 3DES index');
  });

  test('a refused KIc code (single DES, DES-ECB, reserved AES mode, proprietary) answers 6A81', () => {
    const card = readyCard();
    const base = commandPacket();
    for (const kic of [encodeKeyIdentifier('DES', 0, 1), encodeKeyIdentifier('DES', 3, 1), encodeKeyIdentifier('AES', 1, 1), encodeKeyIdentifier('proprietary', 0, 1), encodeKeyIdentifier('implicit', 0, 1)]) {
      const p = base.slice();
      p[5] = kic;
      expectSw(card, decryptApdu(p), SW.ALGORITHM_NOT_SUPPORTED, `KIc ${kic.toString(16)}`);
    }
  });

  test('a KID naming another algorithm than the keyset is refused with 6A81 (profile: KIc = KID byte)', () => {
    const card = readyCard();
    const base = commandPacket();
    const p = base.slice();
    p[6] = encodeKeyIdentifier('DES', 1, 1); // 3DES CBC-MAC with the AES keyset's 16-byte KID key
    expectSw(card, decryptApdu(p), SW.ALGORITHM_NOT_SUPPORTED, 'KID 3DES two-key');
    const q = base.slice();
    q[6] = encodeKeyIdentifier('implicit', 0, 1);
    expectSw(card, decryptApdu(q), SW.ALGORITHM_NOT_SUPPORTED, 'KID implicit');
  });

  test('malformed packets answer 6A80: CPL lying, CHL too small or too large, not whole blocks, empty data field', () => {
    const card = readyCard();
    const good = commandPacket();
    const cplPlus = good.slice();
    cplPlus[1] += 1;
    expectSw(card, decryptApdu(cplPlus), SW.MALFORMED, 'CPL + 1');
    const cplMinus = good.slice();
    cplMinus[1] -= 1;
    expectSw(card, decryptApdu(cplMinus), SW.MALFORMED, 'CPL - 1');
    expectSw(card, decryptApdu(good.slice(0, -1)), SW.MALFORMED, 'cut short');
    const chlSmall = good.slice();
    chlSmall[2] = 12;
    expectSw(card, decryptApdu(chlSmall), SW.MALFORMED, 'CHL 12');
    const chlBig = good.slice();
    chlBig[2] = 0xff;
    expectSw(card, decryptApdu(chlBig), SW.MALFORMED, 'CHL FF');
    // 8 bytes cut off the end, with CPL fixed up: the ciphered part is no longer whole 16-byte blocks
    const notBlocks = good.slice(0, -8);
    notBlocks[1] = notBlocks.length - 2;
    expectSw(card, decryptApdu(notBlocks), SW.MALFORMED, 'not whole blocks');
    const headerOnly = concatBytes(Uint8Array.of(0, 22, 21), good.slice(3, 10), new Uint8Array(14));
    expectSw(card, decryptApdu(headerOnly), SW.MALFORMED, 'empty data field: 14 bytes after TAR');
    expectSw(card, decryptApdu(Uint8Array.of(0x00)), SW.MALFORMED, 'one byte');
    expectSw(card, decryptApdu(fromHex('027000')), SW.MALFORMED, 'header only');
  });

  test('counter mode one-higher: a gap answers 6986', () => {
    const card = readyCard();
    const spi = encodeSpi({ integrity: 'CC', ciphered: true, counter: 'one-higher' });
    expectSw(card, decryptApdu(commandPacket({ spi, cntr: 1n })), SW.OK);
    expectSw(card, decryptApdu(commandPacket({ spi, cntr: 3n })), SW.COUNTER_HIGH, 'skips 2');
    expectSw(card, decryptApdu(commandPacket({ spi, cntr: 1n })), SW.COUNTER_LOW, 'replay of 1');
    expectSw(card, decryptApdu(commandPacket({ spi, cntr: 2n })), SW.OK, 'the next value');
  });

  test('once counter 2^40 - 1 was accepted the key index is blocked (6983)', () => {
    const card = readyCard();
    expectSw(card, decryptApdu(commandPacket({ cntr: CNTR_MAX })), SW.OK);
    expectSw(card, decryptApdu(commandPacket({ cntr: CNTR_MAX })), SW.COUNTER_BLOCKED);
    expectSw(card, decryptApdu(commandPacket({ cntr: 1n })), SW.COUNTER_BLOCKED);
    expectSw(card, decryptApdu(commandPacket({ index: 2, cntr: 1n })), SW.OK, 'key index 2 is not blocked');
    expectSw(card, decryptApdu(commandPacket({ cntr: 1n }), { replayCheck: false }), SW.OK, 'without ReplayCheck the counter is not checked');
  });
});

describe('reference SE: other keysets and card life', () => {
  const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff);
  const down: Record<number, KeySet> = { 3: { algorithm: 'aes', kic: bytes(32, 1), kid: bytes(32, 2) }, 4: { algorithm: '3des-3key', kic: bytes(24, 3), kid: bytes(24, 4) }, 5: { algorithm: 'aes', kic: bytes(24, 5), kid: bytes(24, 6) } };
  const up: Record<number, KeySet> = { 3: { algorithm: 'aes', kic: bytes(32, 7), kid: bytes(32, 8) }, 4: { algorithm: '3des-3key', kic: bytes(24, 9), kid: bytes(24, 10) }, 5: { algorithm: 'aes', kic: bytes(24, 11), kid: bytes(24, 12) } };

  test('AES-256, AES-192 and 3DES three-key keysets decipher and encipher; 226 bytes fit, 227 do not', () => {
    const card = new ReferenceSecureElement({ iccid: ICCID, decryptionKeys: down, encryptionKeys: up });
    selectObf(card);
    for (const index of [3, 4, 5]) {
      assert.equal(new TextDecoder().decode(expectSw(card, decryptApdu(commandPacket({ index, keys: down[index], text: `#ip1 k${index} 1` })), SW.OK)), `#ip1 k${index} 1`);
      const packet = expectSw(card, encryptApdu(new Uint8Array(226).fill(index), index), SW.OK, `index ${index}`);
      const p = openCommandPacket(packet, up[index]);
      assert.equal(p.kic.raw, keyIdentifierFor(up[index].algorithm, index));
      assert.equal(p.verified, true);
      assert.equal(p.data.length, 226);
      expectSw(card, encryptApdu(new Uint8Array(227), index), SW.WRONG_LENGTH, `index ${index}`);
    }
    expectSw(card, decryptApdu(commandPacket({ index: 1 })), SW.KEY_NOT_FOUND, 'index 1 is not personalised on this card');
  });

  test('a CC of another length than 8 (4..16 for AES) is verified at that length', () => {
    const card = readyCard();
    const k = KEYS.downlink[1];
    let cntr = 0n;
    for (const ccLength of [4, 12, 16]) {
      const packet = encodeCommandPacket({ spi: profileSpi(true), kic: 0x12, kid: 0x12, tar: OBF_TAR, cntr: writeUint(++cntr, 5), data: TEXT.encode('#ip1 a 1'), keys: { kic: k.kic, kid: k.kid }, ccLength });
      assert.equal(packet[2], 13 + ccLength);
      expectSw(card, decryptApdu(packet), SW.OK, `CC of ${ccLength} bytes`);
      const tampered = packet.slice();
      tampered[tampered.length - 1] ^= 1;
      expectSw(card, decryptApdu(tampered), SW.INTEGRITY_FAILED, `tampered, CC of ${ccLength} bytes`);
    }
  });

  test('reset() clears the selection only: the counters survive it', () => {
    const card = readyCard();
    const packet = commandPacket({ cntr: 3n });
    expectSw(card, decryptApdu(packet), SW.OK);
    expectSw(card, encryptApdu(TEXT.encode('x'), 1), SW.OK);
    card.reset();
    expectSw(card, decryptApdu(packet), SW.NOT_FOUND, 'nothing selected after reset');
    selectObf(card);
    expectSw(card, decryptApdu(packet), SW.COUNTER_LOW, 'the replay is still refused');
    assert.equal(readUint(openCommandPacket(expectSw(card, encryptApdu(TEXT.encode('x'), 1), SW.OK), KEYS.uplink[1]).cntr), 2n);
  });

  test('the decryption and encryption counters of one key index are independent', () => {
    const card = readyCard();
    expectSw(card, decryptApdu(commandPacket({ cntr: 100n })), SW.OK);
    assert.equal(readUint(openCommandPacket(expectSw(card, encryptApdu(TEXT.encode('x'), 1), SW.OK), KEYS.uplink[1]).cntr), 1n);
    expectSw(card, decryptApdu(commandPacket({ cntr: 101n })), SW.OK);
  });
});

describe('reference SE: ENCRYPT DATA', () => {
  const decodeUp = (packet: Uint8Array, index = 1) => openCommandPacket(packet, KEYS.uplink[index]);

  test('returns a packet secured with the encryption keyset: SPI 16 00, KIc = KID = 12, TAR A0 00 03, CNTR 1, 8-byte CC', () => {
    const card = readyCard();
    const packet = expectSw(card, encryptApdu(TEXT.encode('$HLM,battery=87'), 1), SW.OK);
    assert.ok(packet.length <= 256);
    assert.notEqual(toHex(packet.slice(0, 3)), '027000', 'no user-data header');
    const p = decodeUp(packet);
    assert.equal(p.verified, true);
    assert.equal(toHex(p.spi.raw), '1600');
    assert.equal(p.kic.raw, 0x12);
    assert.equal(p.kid.raw, 0x12);
    assert.equal(toHex(p.tar), 'A00003');
    assert.equal(p.chl, 21);
    assert.equal(readUint(p.cntr), 1n);
    assert.equal(new TextDecoder().decode(p.data), '$HLM,battery=87');
  });

  test('is not made with the decryption keyset (B.2.2.2.2 NOTE 1)', () => {
    const card = readyCard();
    const packet = expectSw(card, encryptApdu(TEXT.encode('$HLM,battery=87'), 1), SW.OK);
    let opened: boolean;
    try {
      opened = decodeCommandPacket(packet, KEYS.downlink[1]).verified === true;
    } catch {
      opened = false;
    }
    assert.equal(opened, false);
  });

  test('the uplink counter increases by one per packet, with and without ReplayCheck, per key index', () => {
    const card = readyCard();
    const data = TEXT.encode('same data');
    const p1 = expectSw(card, encryptApdu(data, 1), SW.OK);
    const p2 = expectSw(card, encryptApdu(data, 1), SW.OK);
    const p3 = expectSw(card, encryptApdu(data, 1, false), SW.OK);
    const p4 = expectSw(card, encryptApdu(data, 1), SW.OK);
    assert.deepEqual([p1, p2, p3, p4].map((p) => readUint(decodeUp(p).cntr)), [1n, 2n, 3n, 4n]);
    assert.notDeepEqual(p1, p2, 'same data, different packets');
    assert.equal(toHex(decodeUp(p3).spi.raw), '0E00', 'without ReplayCheck: SPI 0E 00');
    const q1 = expectSw(card, encryptApdu(data, 2), SW.OK);
    const q = decodeUp(q1, 2);
    assert.equal(readUint(q.cntr), 1n, 'key index 2 has its own counter');
    assert.equal(q.kic.raw, 0x25);
    assert.equal(q.kid.raw, 0x25);
    assert.equal(q.verified, true);
    assert.equal(readUint(decodeUp(expectSw(card, encryptApdu(data, 1), SW.OK)).cntr), 5n);
  });

  test('P2 bits other than b1 are ignored', () => {
    const card = readyCard();
    const p = expectSw(card, encodeApdu({ cla: 0x80, ins: 0x5c, p1: 1, p2: 0xfe, data: TEXT.encode('x'), le: 0 }), SW.OK);
    assert.equal(toHex(decodeUp(p).spi.raw), '0E00');
    const q = expectSw(card, encodeApdu({ cla: 0x80, ins: 0x5c, p1: 1, p2: 0xff, data: TEXT.encode('x'), le: null }), SW.OK);
    assert.equal(toHex(decodeUp(q).spi.raw), '1600');
  });

  test('key index 0 and 16.. answer 6A86', () => {
    const card = readyCard();
    for (const p1 of [0x00, 0x10, 0x11, 0x80, 0xff]) expectSw(card, encryptApdu(TEXT.encode('x'), p1), SW.WRONG_P1P2, `P1 ${p1}`);
    expectSw(card, encodeApdu({ cla: 0x80, ins: 0x5c, p1: 0, p2: 1, data: EMPTY, le: null }), SW.WRONG_P1P2, 'P1 is checked before the data');
  });

  test('a key index without an encryption keyset answers 6A88', () => {
    const card = readyCard();
    for (const p1 of [3, 4, 15]) expectSw(card, encryptApdu(TEXT.encode('x'), p1), SW.KEY_NOT_FOUND, `P1 ${p1}`);
    const decryptOnly = new ReferenceSecureElement({ iccid: ICCID, decryptionKeys: KEYS.downlink, encryptionKeys: {} });
    selectObf(decryptOnly);
    expectSw(decryptOnly, encryptApdu(TEXT.encode('x'), 1), SW.KEY_NOT_FOUND, 'decryption keys only');
  });

  test('no data answers 6700 (case 1 and case 2 APDUs)', () => {
    const card = readyCard();
    expectSw(card, fromHex('805C0101'), SW.WRONG_LENGTH, 'case 1');
    expectSw(card, fromHex('805C010100'), SW.WRONG_LENGTH, 'case 2, Le 00');
    expectSw(card, fromHex('805C0100'), SW.WRONG_LENGTH, 'without ReplayCheck');
    assert.equal(readUint(decodeUp(expectSw(card, encryptApdu(TEXT.encode('x'), 1), SW.OK)).cntr), 1n, 'no counter used up');
  });

  test('plaintext up to 226 bytes fits in 256 bytes; 227..255 bytes answer 6700 without using up a counter value', () => {
    for (const index of [1, 2]) {
      const card = readyCard();
      for (const n of [227, 240, 255]) expectSw(card, encryptApdu(new Uint8Array(n).fill(0x41), index), SW.WRONG_LENGTH, `index ${index}, ${n} bytes`);
      const biggest = expectSw(card, encryptApdu(new Uint8Array(226).fill(0x42), index), SW.OK, `index ${index}, 226 bytes`);
      assert.equal(biggest.length, 250, '10 header bytes + 240 ciphered bytes');
      const p = decodeUp(biggest, index);
      assert.equal(readUint(p.cntr), 1n, `index ${index}: the refusals used up no counter value`);
      assert.equal(p.data.length, 226);
      expectSw(card, encryptApdu(new Uint8Array(227), index), SW.WRONG_LENGTH);
      assert.equal(readUint(decodeUp(expectSw(card, encryptApdu(TEXT.encode('x'), index), SW.OK), index).cntr), 2n);
    }
  });

  test('a packet the SE made for the AS does not open on the SE (different keysets, 6988)', () => {
    const card = readyCard();
    const up = expectSw(card, encryptApdu(TEXT.encode('#ip1 evil 1'), 1), SW.OK);
    expectSw(card, decryptApdu(up), SW.INTEGRITY_FAILED);
  });
});

describe('reference SE: transmit never throws (fast-check)', () => {
  const decodeOk = (card: ReferenceSecureElement, apdu: Uint8Array): void => {
    let raw: Uint8Array;
    try {
      raw = card.transmit(apdu);
    } catch (e) {
      assert.fail(`transmit(${toHex(apdu)}) threw ${String((e as Error)?.stack ?? e)}`);
    }
    assert.ok(raw instanceof Uint8Array && raw.length >= 2, `transmit(${toHex(apdu)}) answered ${raw?.length} bytes`);
    const { data, sw } = splitResponse(raw);
    assert.ok(PROFILE_SWS.has(sw), `transmit(${toHex(apdu)}) answered SW ${hexSw(sw)}, not a status word of the profile`);
    assert.notEqual(hexSw(sw), '6F00', `transmit(${toHex(apdu)}) hit an internal error`);
    if (sw !== SW.OK) assert.equal(data.length, 0, `refusal ${hexSw(sw)} with data`);
    assert.ok(data.length <= 256, 'response data at most 256 bytes');
  };

  test('random bytes as APDUs, on a fresh card and with the application selected', () => {
    const card = newCard();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.boolean(), (bytes, select) => {
        if (select) card.transmit(selectAidApdu());
        else card.reset();
        decodeOk(card, bytes);
      }),
      { seed: 0x5e01, numRuns: 3000 },
    );
  });

  test('random well-formed APDUs: CLA 80, INS 5A or 5C, random P1, P2 and data, after SELECT', () => {
    const card = newCard();
    fc.assert(
      fc.property(
        fc.constantFrom(APDU.INS_DECRYPT_DATA, APDU.INS_ENCRYPT_DATA),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ minLength: 0, maxLength: 255 }),
        fc.option(fc.integer({ min: 0, max: 255 }), { nil: null }),
        (ins, p1, p2, data, le) => {
          decodeOk(card, selectAidApdu());
          decodeOk(card, encodeApdu({ cla: 0x80, ins, p1, p2, data, le }));
        },
      ),
      { seed: 0x5e02, numRuns: 3000 },
    );
  });

  test('DECRYPT DATA with mutated genuine packets (header bytes, lengths, ciphertext)', () => {
    const card = newCard();
    const genuine = [1, 2].flatMap((index) => [true, false].map((replayCheck) => commandPacket({ index, replayCheck, cntr: 1000n })));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: genuine.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -16, max: 16 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        (which, edits, cut, fixCpl, p2) => {
          let p: Uint8Array = genuine[which].slice();
          for (const [at, value] of edits) p[at % p.length] = value;
          if (cut < 0) p = p.slice(0, Math.max(0, p.length + cut));
          else if (cut > 0 && p.length + cut <= 255) p = concatBytes(p, new Uint8Array(cut).fill(cut));
          if (fixCpl && p.length >= 2) {
            p[0] = (p.length - 2) >> 8;
            p[1] = (p.length - 2) & 0xff;
          }
          decodeOk(card, selectAidApdu());
          decodeOk(card, encodeApdu({ cla: 0x80, ins: 0x5a, p1: 0, p2, data: p, le: 0 }));
        },
      ),
      { seed: 0x5e03, numRuns: 3000 },
    );
  });
});
