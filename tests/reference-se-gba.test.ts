/**
 * GBA on the reference Secure Element (reference-impl/secure-element/gba.ts) against docs/profile/apdus.md
 * section 9: AUTHENTICATE in GBA security context driven by a network-side authentication vector
 * (makeAuthenticationVector, TS 35.208 test set 1 K and OPc), resynchronisation, MAC failure, NAF derivation
 * checked against the derivation done outside the card, EF_GBABP, the three GBA faults, and a property: any
 * AUTHENTICATE data gets a status word of the profile, never an exception.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReferenceSecureElement, type FaultName } from '../reference-impl/index.ts';
import { EF_GBABP_SIZE } from '../reference-impl/secure-element/gba.ts';
import { encodeApdu, splitResponse, SW } from '../protocol/iso-7816.ts';
import { APDU, OBF_AID } from '../protocol/obf-profile.ts';
import { makeAuthenticationVector, nextSqn, recoverSqnMs, type AuthenticationVector } from '../protocol/ts-33-102-aka.ts';
import { bTid, deriveNafKey, nafId } from '../protocol/ts-33-220.ts';
import {
  GBA,
  decodeGbaResponse,
  decodeGbabp,
  encodeBootstrapCommand,
  encodeNafCommand,
  gbaAuthenticateApdu,
  type GbaAnswer,
} from '../protocol/ts-31-102-gba.ts';
import { concatBytes, fromHex, toHex } from '../protocol/hex.ts';

// TS 35.208 test set 1 (also tests/protocol-milenage.test.ts, from ../shared/vectors/milenage.json).
const KEYS = { k: fromHex('465b5ce8b199b49faa5f0a2ee238a6bc'), opc: fromHex('cd63cb71954a9f4e48a5994e37a02baf') };
const RAND = fromHex('23553cbe9637a89d218ae64dae47bf35');
const SQN = fromHex('ff9bb4d0b607');
const AMF = fromHex('b9b9');
const F2_RES = 'A54211D5E3BA50BF';
const IMPI = '404685505601234@ims.mnc068.mcc404.3gppnetwork.org';
const NAF = nafId('vtams.state.example');
/** Ks_ext_NAF for Ks = CK || IK of set 1, computed independently with Python (tests/protocol-gba-kdf.test.ts). */
const KS_EXT_NAF = '31F6601AC9007A420B9573816C3C20A5EA815D52B1D97F659B1036BB2B77CE71';
const ICCID = '89910000000000000012';
const EMPTY = new Uint8Array(0);
const PROFILE_SWS = new Set<number>(Object.values(SW));
const TEXT = new TextEncoder();

function newCard(faults: FaultName[] = []): ReferenceSecureElement {
  return new ReferenceSecureElement({ iccid: ICCID, decryptionKeys: {}, encryptionKeys: {}, gba: { ...KEYS, impi: IMPI } }, new Set(faults));
}

const hexSw = (sw: number) => sw.toString(16).toUpperCase().padStart(4, '0');

function tx(card: ReferenceSecureElement, apdu: Uint8Array): { data: Uint8Array; sw: number } {
  const r = splitResponse(card.transmit(apdu));
  if (r.sw !== SW.OK) assert.equal(r.data.length, 0, `refusal ${hexSw(r.sw)} must carry no data`);
  return r;
}

function expectSw(card: ReferenceSecureElement, apdu: Uint8Array, sw: number, what = ''): Uint8Array {
  const r = tx(card, apdu);
  assert.equal(hexSw(r.sw), hexSw(sw), `${what} ${toHex(apdu)}`.trim());
  return r.data;
}

const vector = (sqn: Uint8Array = SQN, rand: Uint8Array = RAND): AuthenticationVector => makeAuthenticationVector(KEYS, rand, sqn, AMF);

function bootstrap(card: ReferenceSecureElement, rand: Uint8Array, autn: Uint8Array): GbaAnswer {
  const r = tx(card, gbaAuthenticateApdu(encodeBootstrapCommand(rand, autn)));
  return decodeGbaResponse(r.data, r.sw, 'bootstrap');
}

function derive(card: ReferenceSecureElement, naf: Uint8Array = NAF, impi = IMPI): GbaAnswer {
  const r = tx(card, gbaAuthenticateApdu(encodeNafCommand(naf, impi)));
  return decodeGbaResponse(r.data, r.sw, 'naf');
}

const value = (a: GbaAnswer): string => {
  assert.equal(a.kind, 'success', `expected DB, got ${JSON.stringify(a)}`);
  return a.kind === 'success' ? toHex(a.value) : '';
};

const ksOf = (av: AuthenticationVector) => concatBytes(av.ck, av.ik);
const selectFid = (fid: number) => encodeApdu({ cla: 0x00, ins: APDU.INS_SELECT, p1: 0x00, p2: 0x0c, data: Uint8Array.of(fid >> 8, fid & 0xff), le: null });
const readBinary = (offset = 0, le: number | null = 0) => encodeApdu({ cla: 0x00, ins: APDU.INS_READ_BINARY, p1: offset >> 8, p2: offset & 0xff, data: EMPTY, le });
const updateBinary = (offset: number, data: Uint8Array) => encodeApdu({ cla: 0x00, ins: GBA.INS_UPDATE_BINARY, p1: offset >> 8, p2: offset & 0xff, data, le: null });

function readGbabp(card: ReferenceSecureElement): Uint8Array {
  expectSw(card, selectFid(GBA.EF_GBABP), SW.OK, 'SELECT EF_GBABP');
  return expectSw(card, readBinary(), SW.OK, 'READ BINARY EF_GBABP');
}

describe('reference SE: GBA bootstrapping mode (TS 33.220 G.1)', () => {
  test('a fresh AUTN: DB RES with 9000, and RES equals XRES (f2 of TS 35.208 set 1)', () => {
    const av = vector();
    assert.equal(toHex(av.xres), F2_RES);
    assert.equal(value(bootstrap(newCard(), RAND, av.autn)), toHex(av.xres));
  });

  test('the same AUTN again: DC AUTS with 9000, and AUTS gives back the SQN_MS the card stored', () => {
    const card = newCard();
    const av = vector();
    value(bootstrap(card, RAND, av.autn));
    const again = bootstrap(card, RAND, av.autn);
    assert.equal(again.kind, 'sync-failure');
    if (again.kind !== 'sync-failure') return;
    assert.equal(again.auts.length, 14);
    const sqnMs = recoverSqnMs(KEYS, RAND, again.auts);
    assert.ok(sqnMs, 'MAC-S of AUTS verifies');
    assert.equal(toHex(sqnMs!), toHex(SQN));
  });

  test('SQN_MS starts at 0: SQN 0 is stale (AUTS carries 0), SQN 1 is fresh', () => {
    const card = newCard();
    const zero = bootstrap(card, RAND, vector(new Uint8Array(6)).autn);
    assert.equal(zero.kind, 'sync-failure');
    if (zero.kind === 'sync-failure') assert.equal(toHex(recoverSqnMs(KEYS, RAND, zero.auts)!), '000000000000');
    assert.equal(bootstrap(card, RAND, vector(fromHex('000000000001')).autn).kind, 'success');
  });

  test('SQN_MS is the highest accepted: a lower SQN is stale, a higher one is accepted and stored', () => {
    const card = newCard();
    const low = fromHex('000000000100');
    value(bootstrap(card, RAND, vector(low).autn));
    const lower = bootstrap(card, RAND, vector(fromHex('0000000000ff')).autn);
    assert.equal(lower.kind === 'sync-failure' && toHex(recoverSqnMs(KEYS, RAND, lower.auts)!), toHex(low));
    const higher = nextSqn(low);
    value(bootstrap(card, RAND, vector(higher).autn));
    const replay = bootstrap(card, RAND, vector(higher).autn);
    assert.equal(replay.kind === 'sync-failure' && toHex(recoverSqnMs(KEYS, RAND, replay.auts)!), toHex(higher));
  });

  test('a tampered AUTN (SQN xor AK, AMF or MAC-A) or another RAND: 98 62 with no data', () => {
    const av = vector();
    for (const at of [0, 5, 6, 7, 8, 15]) {
      const autn = av.autn.slice();
      autn[at] ^= 0x01;
      const card = newCard();
      expectSw(card, gbaAuthenticateApdu(encodeBootstrapCommand(RAND, autn)), SW.AUTH_MAC_FAILURE, `AUTN byte ${at} flipped`);
    }
    const otherRand = RAND.slice();
    otherRand[0] ^= 0x80;
    assert.deepEqual(bootstrap(newCard(), otherRand, av.autn), { kind: 'mac-failure' });
  });

  test('a failed bootstrap keeps the previous Ks, RAND and EF_GBABP', () => {
    const card = newCard();
    const av = vector(fromHex('000000000010'));
    value(bootstrap(card, RAND, av.autn));
    const before = toHex(readGbabp(card));
    const tampered = vector(fromHex('000000000020')).autn;
    tampered[15] ^= 1;
    assert.equal(bootstrap(card, fromHex('00112233445566778899aabbccddeeff'), tampered).kind, 'mac-failure');
    assert.equal(bootstrap(card, RAND, av.autn).kind, 'sync-failure');
    assert.equal(toHex(readGbabp(card)), before);
    assert.equal(value(derive(card)), toHex(deriveNafKey(ksOf(av), RAND, IMPI, NAF)));
  });

  test('command checks: P1/P2 other than 00 84 -> 6A86, no data -> 6700, malformed data -> 6A80', () => {
    const card = newCard();
    const data = encodeBootstrapCommand(RAND, vector().autn);
    for (const [p1, p2] of [[0x00, 0x81], [0x00, 0x80], [0x01, 0x84], [0x00, 0x85]]) {
      expectSw(card, encodeApdu({ cla: 0x00, ins: 0x88, p1, p2, data, le: 0 }), SW.WRONG_P1P2, `P1 ${p1} P2 ${p2}`);
    }
    expectSw(card, encodeApdu({ cla: 0x00, ins: 0x88, p1: 0x00, p2: 0x84, data: EMPTY, le: 0 }), SW.WRONG_LENGTH);
    expectSw(card, encodeApdu({ cla: 0x00, ins: 0x88, p1: 0x00, p2: 0x84, data: EMPTY, le: null }), SW.WRONG_LENGTH);
    expectSw(card, gbaAuthenticateApdu(data.slice(0, 20)), SW.MALFORMED, 'truncated');
    expectSw(card, gbaAuthenticateApdu(concatBytes(Uint8Array.of(0xdb), data.slice(1))), SW.MALFORMED, 'wrong tag');
    expectSw(card, gbaAuthenticateApdu(concatBytes(data, Uint8Array.of(0))), SW.MALFORMED, 'trailing byte');
    // Le is not needed: the command without it is answered the same way.
    const noLe = encodeApdu({ cla: 0x00, ins: 0x88, p1: 0x00, p2: 0x84, data, le: null });
    assert.equal(toHex(expectSw(card, noLe, SW.OK)), 'DB08' + F2_RES);
  });

  test('AUTHENTICATE does not depend on the current selection and survives a reset', () => {
    const card = newCard();
    expectSw(card, encodeApdu({ cla: 0x00, ins: APDU.INS_SELECT, p1: 0x04, p2: 0x00, data: OBF_AID, le: null }), SW.OK);
    value(bootstrap(card, RAND, vector().autn));
    card.reset();
    assert.equal(value(derive(card)), KS_EXT_NAF, 'Ks is kept in non-volatile memory');
    assert.equal(bootstrap(card, RAND, vector().autn).kind, 'sync-failure', 'SQN_MS too');
  });

  test('CLA 80 INS 88 is not AUTHENTICATE (routing of the OBF application unchanged)', () => {
    const card = newCard();
    expectSw(card, encodeApdu({ cla: 0x80, ins: 0x88, p1: 0x00, p2: 0x84, data: encodeBootstrapCommand(RAND, vector().autn), le: 0 }), SW.NOT_FOUND);
  });
});

describe('reference SE: GBA NAF derivation mode (TS 33.220 G.2)', () => {
  test('Ks_ext_NAF equals deriveNafKey(CK || IK, RAND, IMPI, NAF_ID) computed outside the card', () => {
    const card = newCard();
    const av = vector();
    value(bootstrap(card, RAND, av.autn));
    const key = value(derive(card));
    assert.equal(key, toHex(deriveNafKey(ksOf(av), RAND, IMPI, NAF, 'gba-me')));
    assert.equal(key, KS_EXT_NAF);
    assert.notEqual(key, toHex(ksOf(av)), 'Ks itself never leaves the card');
    const other = value(derive(card, nafId('ers.example')));
    assert.equal(other, toHex(deriveNafKey(ksOf(av), RAND, IMPI, nafId('ers.example'))));
    assert.notEqual(other, key);
  });

  test('before any bootstrap: 6985 (conditions of use not satisfied)', () => {
    const card = newCard();
    assert.deepEqual(derive(card), { kind: 'refused', sw: 0x6985 });
    bootstrap(card, RAND, vector(new Uint8Array(6)).autn); // a synchronisation failure bootstraps nothing
    assert.deepEqual(derive(card), { kind: 'refused', sw: 0x6985 });
  });

  test('an IMPI other than the card\'s: 6A80', () => {
    const card = newCard();
    value(bootstrap(card, RAND, vector().autn));
    expectSw(card, gbaAuthenticateApdu(encodeNafCommand(NAF, 'someone.else@ims.example')), SW.MALFORMED);
    expectSw(card, gbaAuthenticateApdu(encodeNafCommand(NAF, IMPI.toUpperCase())), SW.MALFORMED);
  });

  test('a new bootstrap replaces Ks and RAND', () => {
    const card = newCard();
    value(bootstrap(card, RAND, vector(fromHex('000000000001')).autn));
    const rand2 = fromHex('f0e0d0c0b0a090807060504030201000');
    const av2 = vector(fromHex('000000000002'), rand2);
    value(bootstrap(card, rand2, av2.autn));
    assert.equal(value(derive(card)), toHex(deriveNafKey(ksOf(av2), rand2, IMPI, NAF)));
  });
});

describe('reference SE: EF_GBABP (6FD6)', () => {
  const domain = 'bsf.mnc068.mcc404.pub.3gppnetwork.org';
  const lifetime = '2025-06-01T12:00:00Z';

  test('personalised: 00 00 00 then FF to 128 bytes; after a bootstrap the card has written RAND, B-TID and lifetime empty', () => {
    const card = newCard();
    const before = readGbabp(card);
    assert.equal(before.length, EF_GBABP_SIZE);
    assert.equal(toHex(before.slice(0, 4)), '000000FF');
    assert.deepEqual(decodeGbabp(before), { rand: EMPTY, bTid: '', keyLifetime: '' });
    value(bootstrap(card, RAND, vector().autn));
    assert.deepEqual(decodeGbabp(readGbabp(card)), { rand: RAND, bTid: '', keyLifetime: '' });
  });

  test('the terminal stores B-TID and key lifetime with UPDATE BINARY after the RAND; a new bootstrap clears them', () => {
    const card = newCard();
    value(bootstrap(card, RAND, vector(fromHex('000000000001')).autn));
    const id = bTid(RAND, domain);
    const fields = concatBytes(Uint8Array.of(id.length), TEXT.encode(id), Uint8Array.of(lifetime.length), TEXT.encode(lifetime));
    expectSw(card, selectFid(GBA.EF_GBABP), SW.OK);
    expectSw(card, updateBinary(17, fields), SW.OK);
    assert.deepEqual(decodeGbabp(expectSw(card, readBinary(), SW.OK)), { rand: RAND, bTid: id, keyLifetime: lifetime });
    assert.equal(toHex(expectSw(card, readBinary(1, 16), SW.OK)), toHex(RAND), 'READ BINARY with offset and Le');
    assert.equal(expectSw(card, readBinary(120, 0), SW.OK).length, 8);
    assert.equal(expectSw(card, readBinary(EF_GBABP_SIZE, 0), SW.OK).length, 0);
    expectSw(card, readBinary(EF_GBABP_SIZE + 1, 0), SW.WRONG_P1P2);
    const rand2 = fromHex('f0e0d0c0b0a090807060504030201000');
    value(bootstrap(card, rand2, vector(fromHex('000000000002'), rand2).autn));
    assert.deepEqual(decodeGbabp(readGbabp(card)), { rand: rand2, bTid: '', keyLifetime: '' });
  });

  test('UPDATE BINARY refusals: past the end 6700, offset beyond 6A86, no data 6700, EF_ICCID 6982, nothing selected 6A82', () => {
    const card = newCard();
    expectSw(card, updateBinary(0, Uint8Array.of(0)), SW.NOT_FOUND, 'after reset');
    expectSw(card, selectFid(GBA.EF_GBABP), SW.OK);
    expectSw(card, updateBinary(EF_GBABP_SIZE - 1, Uint8Array.of(1, 2)), SW.WRONG_LENGTH);
    expectSw(card, updateBinary(EF_GBABP_SIZE - 2, Uint8Array.of(1, 2)), SW.OK);
    expectSw(card, updateBinary(EF_GBABP_SIZE + 1, Uint8Array.of(1)), SW.WRONG_P1P2);
    expectSw(card, encodeApdu({ cla: 0x00, ins: 0xd6, p1: 0, p2: 0, data: EMPTY, le: null }), SW.WRONG_LENGTH);
    expectSw(card, selectFid(0x2fe2), SW.OK);
    expectSw(card, updateBinary(0, Uint8Array.of(0)), SW.INSUFFICIENT_SECURITY);
    expectSw(card, encodeApdu({ cla: 0x00, ins: APDU.INS_SELECT, p1: 0x04, p2: 0x00, data: OBF_AID, le: null }), SW.OK);
    expectSw(card, updateBinary(0, Uint8Array.of(0)), SW.NOT_FOUND);
  });

  test('the terminal cannot change the RAND used for NAF derivation by writing EF_GBABP', () => {
    const card = newCard();
    value(bootstrap(card, RAND, vector().autn));
    expectSw(card, selectFid(GBA.EF_GBABP), SW.OK);
    expectSw(card, updateBinary(1, new Uint8Array(16)), SW.OK);
    assert.equal(value(derive(card)), KS_EXT_NAF);
  });

  test('a card without GBA personalisation has none of it: 6D00 for AUTHENTICATE and UPDATE BINARY, 6A82 for 6FD6', () => {
    const card = new ReferenceSecureElement({ iccid: ICCID, decryptionKeys: {}, encryptionKeys: {} });
    expectSw(card, gbaAuthenticateApdu(encodeBootstrapCommand(RAND, vector().autn)), SW.INS_NOT_SUPPORTED);
    expectSw(card, selectFid(GBA.EF_GBABP), SW.NOT_FOUND);
    expectSw(card, selectFid(0x2fe2), SW.OK);
    expectSw(card, updateBinary(0, Uint8Array.of(0)), SW.INS_NOT_SUPPORTED);
  });

  test('personalisation is checked', () => {
    const perso = (gba: { k: Uint8Array; opc: Uint8Array; impi: string }) => () => new ReferenceSecureElement({ iccid: ICCID, decryptionKeys: {}, encryptionKeys: {}, gba });
    assert.throws(perso({ ...KEYS, k: KEYS.k.slice(1), impi: IMPI }), /K must be 16 bytes, got 15/);
    assert.throws(perso({ ...KEYS, opc: new Uint8Array(0), impi: IMPI }), /OPc must be 16 bytes, got 0/);
    assert.throws(perso({ ...KEYS, impi: '' }), /IMPI must not be empty/);
  });
});

describe('reference SE: the GBA faults', () => {
  test('se-accept-stale-sqn: a replayed AUTN is answered DB RES instead of DC AUTS; MAC failures still 98 62', () => {
    const card = newCard(['se-accept-stale-sqn']);
    const av = vector();
    value(bootstrap(card, RAND, av.autn));
    assert.equal(value(bootstrap(card, RAND, av.autn)), F2_RES);
    assert.equal(value(bootstrap(card, RAND, vector(fromHex('000000000001')).autn)).length, 16, 'a lower SQN too');
    const tampered = av.autn.slice();
    tampered[15] ^= 1;
    assert.deepEqual(bootstrap(card, RAND, tampered), { kind: 'mac-failure' });
    assert.equal(value(derive(card)), KS_EXT_NAF);
  });

  test('se-ignore-autn-mac: an AUTN with a wrong MAC-A is answered DB RES; a replay is still DC AUTS', () => {
    const card = newCard(['se-ignore-autn-mac']);
    const av = vector();
    const tampered = av.autn.slice();
    tampered[15] ^= 1;
    assert.equal(value(bootstrap(card, RAND, tampered)), F2_RES);
    assert.equal(value(derive(card)), KS_EXT_NAF, 'Ks from the SQN the forged AUTN carries');
    assert.equal(bootstrap(card, RAND, av.autn).kind, 'sync-failure');
    assert.equal(bootstrap(card, RAND, tampered).kind, 'sync-failure', 'freshness still checked');
  });

  test('se-export-ks: NAF derivation answers Ks = CK || IK; bootstrapping unchanged', () => {
    const card = newCard(['se-export-ks']);
    const av = vector();
    assert.equal(value(bootstrap(card, RAND, av.autn)), F2_RES);
    assert.equal(value(derive(card)), toHex(ksOf(av)));
    assert.equal(bootstrap(card, RAND, av.autn).kind, 'sync-failure');
    assert.deepEqual(derive(newCard(['se-export-ks'])), { kind: 'refused', sw: 0x6985 });
  });

  test('the other SE faults leave GBA alone', () => {
    for (const fault of ['se-skip-replay-check', 'se-ignore-integrity', 'se-accept-low-security', 'se-wrong-iccid'] as FaultName[]) {
      const card = newCard([fault]);
      const av = vector();
      assert.equal(value(bootstrap(card, RAND, av.autn)), F2_RES, fault);
      assert.equal(bootstrap(card, RAND, av.autn).kind, 'sync-failure', fault);
      assert.equal(value(derive(card)), KS_EXT_NAF, fault);
    }
  });
});

describe('reference SE: worked example of apdus.md section 9', () => {
  test('the APDUs and answers as documented', () => {
    const card = newCard();
    const ex = (apdu: string, answer: string) => {
      const raw = card.transmit(fromHex(apdu));
      assert.equal(toHex(raw), answer.replace(/\s/g, '').toUpperCase(), apdu);
    };
    const naf = '00 88 00 84 4C DE 18 7674616D732E73746174652E6578616D706C65 0100000002 31 3430343638353530353630313233344069' +
      '6D732E6D6E633036382E6D63633430342E336770706E6574776F726B2E6F7267 00';
    ex(naf, '6985');
    const boot = '00 88 00 84 23 DD 10 23553CBE9637A89D218AE64DAE47BF35 10 55F328B43577B9B94A9FFAC354DFAFB3 00';
    ex(boot, 'DB 08 A54211D5E3BA50BF 9000');
    ex(boot, 'DC 0E BA853F3C123CCF44E93596E355C6 9000');
    ex('00 88 00 84 23 DD 10 23553CBE9637A89D218AE64DAE47BF35 10 55F328B43577B9B94A9FFAC354DFAFB2 00', '9862');
    ex(naf, 'DB 20 31F6601AC9007A420B9573816C3C20A5EA815D52B1D97F659B1036BB2B77CE71 9000');
    ex('00 A4 00 0C 02 6FD6', '9000');
    ex('00 B0 00 00 14', '10 23553CBE9637A89D218AE64DAE47BF35 00 00 FF 9000');
    ex('00 D6 00 11 54 3E 4931553876705933714A306869755A4E726B652F4E513D3D406273662E6D6E633036382E6D63633430342E7075622E336770706E6574776F726B2E6F7267' +
      ' 14 323032352D30362D30315431323A30303A30305A', '9000');
    ex('00 B0 00 00 66', '10 23553CBE9637A89D218AE64DAE47BF35 3E 4931553876705933714A306869755A4E726B652F4E513D3D406273662E6D6E633036382E6D63633430342E7075622E336770706E6574776F726B2E6F7267' +
      ' 14 323032352D30362D30315431323A30303A30305A FF 9000');
  });
});

describe('reference SE: AUTHENTICATE property (fast-check, fixed seed)', () => {
  test('random AUTHENTICATE data, P1 and P2 never throw and always answer a status word of the profile', () => {
    const card = newCard();
    const av = vector(fromHex('000000000001'));
    const genuine = [encodeBootstrapCommand(RAND, av.autn), encodeNafCommand(NAF, IMPI)];
    const data = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 255 }),
      fc.tuple(fc.constantFrom(0xdd, 0xde), fc.uint8Array({ maxLength: 80 })).map(([tag, rest]) => concatBytes(Uint8Array.of(tag), rest)),
      fc.tuple(fc.integer({ min: 0, max: genuine.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.integer({ min: -8, max: 4 })).map(([which, edits, cut]) => {
        let d: Uint8Array = genuine[which].slice();
        for (const [at, v] of edits) d[at % d.length] = v;
        if (cut < 0) d = d.slice(0, d.length + cut);
        else if (cut > 0) d = concatBytes(d, new Uint8Array(cut));
        return d;
      }),
    );
    const header = fc.oneof({ weight: 4, arbitrary: fc.constant([0x00, 0x84]) }, { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })) });
    fc.assert(
      fc.property(data, header, fc.option(fc.integer({ min: 0, max: 255 }), { nil: null }), (d, [p1, p2], le) => {
        const apdu = encodeApdu({ cla: 0x00, ins: GBA.INS_AUTHENTICATE, p1, p2, data: d, le });
        let raw: Uint8Array;
        try {
          raw = card.transmit(apdu);
        } catch (e) {
          assert.fail(`transmit(${toHex(apdu)}) threw ${String((e as Error)?.stack ?? e)}`);
        }
        assert.ok(raw.length >= 2, `transmit(${toHex(apdu)}) answered ${raw.length} bytes`);
        const { data: out, sw } = splitResponse(raw);
        assert.ok(PROFILE_SWS.has(sw), `transmit(${toHex(apdu)}) answered ${hexSw(sw)}, not a status word of the profile`);
        assert.notEqual(hexSw(sw), '6F00', `transmit(${toHex(apdu)}) hit an internal error`);
        if (sw !== SW.OK) assert.equal(out.length, 0, `refusal ${hexSw(sw)} with data`);
        else assert.doesNotThrow(() => decodeGbaResponse(out, sw), `9000 answer ${toHex(out)} decodes`);
      }),
      { seed: 0x6ba0, numRuns: 2000 },
    );
  });
});
