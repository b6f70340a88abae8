/**
 * Provider transfer on the reference Secure Element (reference-impl/secure-element/provider-transfer.ts) against
 * docs/profile/provider-transfer.md section 4: GET TRANSFER DATA, TRANSFER PROVIDER and every status word in the
 * order of its checks, the re-keyed GBA subscription (a challenge made by B from the statement and the card's public
 * key succeeds, one with the old keys fails), the four SE faults, and a property: any TRANSFER PROVIDER data gets a
 * status word of the profile, never an exception.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReferenceSecureElement, type FaultName } from '../reference-impl/index.ts';
import { encodeApdu, splitResponse, SW } from '../protocol/iso-7816.ts';
import { APDU, OBF_AID } from '../protocol/obf-profile.ts';
import { makeAuthenticationVector } from '../protocol/ts-33-102-aka.ts';
import { nafId } from '../protocol/ts-33-220.ts';
import { decodeGbaResponse, encodeBootstrapCommand, encodeNafCommand, gbaAuthenticateApdu } from '../protocol/ts-31-102-gba.ts';
import { fromHex, toHex } from '../protocol/hex.ts';
import {
  TRANSFER_APDU, decodeProviderRecord, decodeTransferStatement, deriveSubscription, providerKeyPairs, signTransferStatement, transferredImpi,
  type ProviderKeyPairs, type TransferBody,
} from '../protocol/obf-provider-transfer.ts';

const KEYS = { k: fromHex('465b5ce8b199b49faa5f0a2ee238a6bc'), opc: fromHex('cd63cb71954a9f4e48a5994e37a02baf') };
const ICCID = '89910000000000000012';
const IMPI = `${ICCID}@ims.operator-a.example`;
const SE = providerKeyPairs(new Uint8Array(32).fill(0x11), new Uint8Array(32).fill(0x12));
const A = providerKeyPairs(new Uint8Array(32).fill(0xa1), new Uint8Array(32).fill(0xa2));
const B = providerKeyPairs(new Uint8Array(32).fill(0xb1), new Uint8Array(32).fill(0xb2));
const IDS = { A: 'ims.operator-a.example', B: 'ims.operator-b.example' };
const NOW = 1_790_000_000;
const hexSw = (sw: number) => sw.toString(16).toUpperCase().padStart(4, '0');

function newCard(faults: FaultName[] = [], transfer = true): ReferenceSecureElement {
  return new ReferenceSecureElement({
    iccid: ICCID, decryptionKeys: {}, encryptionKeys: {}, gba: { ...KEYS, impi: IMPI },
    ...(transfer ? { transfer: { keyAgreementSecret: SE.keyAgreement.secretKey, provider: { id: IDS.A, signingKey: A.signing.publicKey } } } : {}),
  }, new Set(faults));
}

function tx(card: ReferenceSecureElement, apdu: Uint8Array): { data: Uint8Array; sw: number } {
  const r = splitResponse(card.transmit(apdu));
  if (r.sw !== SW.OK) assert.equal(r.data.length, 0, `refusal ${hexSw(r.sw)} must carry no data`);
  return r;
}

const select = (card: ReferenceSecureElement) => assert.equal(tx(card, encodeApdu({ cla: 0, ins: APDU.INS_SELECT, p1: 4, p2: 0, data: OBF_AID, le: null })).sw, SW.OK);
const getData = (p1: number, p2 = 0) => encodeApdu({ cla: 0x80, ins: TRANSFER_APDU.INS_GET_TRANSFER_DATA, p1, p2, data: new Uint8Array(0), le: 0 });
const transferApdu = (statement: Uint8Array, p1 = 0) => encodeApdu({ cla: 0x80, ins: TRANSFER_APDU.INS_TRANSFER_PROVIDER, p1, p2: 0, data: statement, le: null });

function statement(signer: ProviderKeyPairs, to: ProviderKeyPairs, toId: string, overrides: Partial<TransferBody> = {}): Uint8Array {
  return signTransferStatement({
    sequence: 1, notBefore: NOW, notAfter: NOW + 86_400, iccid: ICCID, seKeyAgreementKey: SE.keyAgreement.publicKey,
    providerId: toId, signingKey: to.signing.publicKey, keyAgreementKey: to.keyAgreement.publicKey, ...overrides,
  }, signer.signing.secretKey);
}

function transfer(card: ReferenceSecureElement, s: Uint8Array, sw: number, what = ''): void {
  assert.equal(hexSw(tx(card, transferApdu(s)).sw), hexSw(sw), what);
}

function provider(card: ReferenceSecureElement) {
  const r = tx(card, getData(TRANSFER_APDU.P1_PROVIDER));
  assert.equal(r.sw, SW.OK);
  return decodeProviderRecord(r.data);
}

/** The network side: an AUTN for the keys, and the card's answer to it. */
function challenge(card: ReferenceSecureElement, keys: { k: Uint8Array; opc: Uint8Array }, sqnLow: number) {
  const rand = new Uint8Array(16).fill(sqnLow);
  const v = makeAuthenticationVector(keys, rand, Uint8Array.of(0, 0, 0, 0, 0, sqnLow), new Uint8Array(2));
  const r = tx(card, gbaAuthenticateApdu(encodeBootstrapCommand(rand, v.autn)));
  return { answer: decodeGbaResponse(r.data, r.sw, 'bootstrap'), xres: v.xres };
}

describe('GET TRANSFER DATA (80 7A)', () => {
  test('P1 00: the card\'s X25519 public key; P1 01: the provider it was issued to, sequence 0', () => {
    const card = newCard();
    select(card);
    assert.equal(toHex(tx(card, getData(0)).data), toHex(SE.keyAgreement.publicKey));
    assert.deepEqual(provider(card), { sequence: 0, signingKey: A.signing.publicKey, providerId: IDS.A });
  });

  test('other P1 or P2: 6A86; before SELECT: 6A82; a card without the transfer: 6D00', () => {
    const card = newCard();
    assert.equal(hexSw(tx(card, getData(0)).sw), '6A82');
    select(card);
    assert.equal(hexSw(tx(card, getData(2)).sw), '6A86');
    assert.equal(hexSw(tx(card, getData(0, 1)).sw), '6A86');
    const plain = newCard([], false);
    select(plain);
    assert.equal(hexSw(tx(plain, getData(0)).sw), '6D00');
    assert.equal(hexSw(tx(plain, transferApdu(statement(A, B, IDS.B))).sw), '6D00');
  });

  test('a transfer personalisation needs GBA', () => {
    assert.throws(() => new ReferenceSecureElement({ iccid: ICCID, decryptionKeys: {}, encryptionKeys: {}, transfer: { keyAgreementSecret: SE.keyAgreement.secretKey, provider: { id: IDS.A, signingKey: A.signing.publicKey } } }), RangeError);
  });
});

describe('TRANSFER PROVIDER (80 7C): checks in order', () => {
  test('P1 P2 not 00 00: 6A86; no statement: 6700; not a statement: 6A80', () => {
    const card = newCard();
    select(card);
    assert.equal(hexSw(tx(card, transferApdu(statement(A, B, IDS.B), 1)).sw), '6A86');
    assert.equal(hexSw(tx(card, encodeApdu({ cla: 0x80, ins: TRANSFER_APDU.INS_TRANSFER_PROVIDER, p1: 0, p2: 0, data: new Uint8Array(0), le: null })).sw), '6700');
    transfer(card, new Uint8Array(200), SW.MALFORMED, 'zeros');
    const lowOrder = statement(A, B, IDS.B);
    lowOrder.fill(0, lowOrder.length - 96, lowOrder.length - 64);
    transfer(card, lowOrder, SW.MALFORMED, 'low-order key-agreement key');
  });

  test('another SE (ICCID or public key): 6A88, before the signature is looked at', () => {
    const card = newCard();
    select(card);
    transfer(card, statement(B, B, IDS.B, { iccid: '89910000000000000020' }), SW.KEY_NOT_FOUND, 'other ICCID');
    transfer(card, statement(A, B, IDS.B, { seKeyAgreementKey: B.keyAgreement.publicKey }), SW.KEY_NOT_FOUND, 'other SE key');
  });

  test('signed by anyone but the current provider, or altered: 6988; nothing changes', () => {
    const card = newCard();
    select(card);
    transfer(card, statement(B, B, IDS.B), SW.INTEGRITY_FAILED, 'signed by B itself');
    const altered = statement(A, B, IDS.B);
    altered[altered.length - 65] ^= 0x01;
    const r = tx(card, transferApdu(altered)).sw;
    assert.ok(r === SW.INTEGRITY_FAILED || r === SW.MALFORMED, hexSw(r));
    assert.deepEqual(provider(card), { sequence: 0, signingKey: A.signing.publicKey, providerId: IDS.A });
  });

  test('valid: 9000 and B is the provider; a replay (after B handed back to A) and an expired statement: 6985', () => {
    const card = newCard();
    select(card);
    const aToB = statement(A, B, IDS.B);
    transfer(card, aToB, SW.OK);
    assert.deepEqual(provider(card), { sequence: 1, signingKey: B.signing.publicKey, providerId: IDS.B });
    transfer(card, aToB, SW.INTEGRITY_FAILED, 'A no longer signs for this card');
    // B's statement ending before A's began: the card's time floor (it has no clock) refuses it.
    transfer(card, statement(B, A, IDS.A, { sequence: 2, notBefore: NOW - 7200, notAfter: NOW - 3600 }), SW.COUNTER_LOW, 'expired');
    transfer(card, statement(B, A, IDS.A, { sequence: 1 }), SW.COUNTER_LOW, 'sequence not above 1');
    transfer(card, statement(B, A, IDS.A, { sequence: 2 }), SW.OK);
    transfer(card, aToB, SW.COUNTER_LOW, 'replay of sequence 1, signed by A again current');
    assert.deepEqual(provider(card), { sequence: 2, signingKey: A.signing.publicKey, providerId: IDS.A });
  });

  test('any data gets a status word of the profile, never an exception', () => {
    const card = newCard();
    select(card);
    const allowed = new Set<number>([SW.OK, SW.MALFORMED, SW.KEY_NOT_FOUND, SW.INTEGRITY_FAILED, SW.COUNTER_LOW]);
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 255 }), (data) => {
      assert.ok(allowed.has(tx(card, transferApdu(data)).sw));
    }), { numRuns: 300 });
  });
});

describe('the re-keyed subscription', () => {
  test('B derives the card\'s new K and OPc from the statement and the card\'s public key: its challenge succeeds, the old keys fail', () => {
    const card = newCard();
    select(card);
    const s = statement(A, B, IDS.B);
    assert.equal(challenge(card, KEYS, 1).answer.kind, 'success', 'before the transfer the old keys work');
    transfer(card, s, SW.OK);
    const atB = deriveSubscription(B.keyAgreement.secretKey, decodeTransferStatement(s).seKeyAgreementKey, decodeTransferStatement(s).body);
    assert.equal(challenge(card, KEYS, 2).answer.kind, 'mac-failure', 'after the transfer a challenge with the old keys');
    const ok = challenge(card, atB, 1);
    assert.equal(ok.answer.kind, 'success', 'B\'s challenge, SQN restarting at 1');
    if (ok.answer.kind === 'success') assert.equal(toHex(ok.answer.value), toHex(ok.xres));
    // NAF derivation answers for the new IMPI only.
    const naf = nafId('vtams.state.example');
    const newImpi = tx(card, gbaAuthenticateApdu(encodeNafCommand(naf, transferredImpi(ICCID, IDS.B))));
    assert.equal(newImpi.sw, SW.OK);
    assert.equal(hexSw(tx(card, gbaAuthenticateApdu(encodeNafCommand(naf, IMPI))).sw), '6A80');
  });

  test('a transfer drops the old bootstrap: NAF derivation needs a new one (6985)', () => {
    const card = newCard();
    select(card);
    challenge(card, KEYS, 1);
    transfer(card, statement(A, B, IDS.B), SW.OK);
    assert.equal(hexSw(tx(card, gbaAuthenticateApdu(encodeNafCommand(nafId('x.example'), transferredImpi(ICCID, IDS.B)))).sw), '6985');
  });
});

describe('SE faults of the provider transfer', () => {
  test('se-accept-unsigned-provider-key: a statement signed by B itself is accepted', () => {
    const card = newCard(['se-accept-unsigned-provider-key']);
    select(card);
    transfer(card, statement(B, B, IDS.B), SW.OK);
  });

  test('se-accept-replayed-transfer: a statement with an old sequence number is accepted', () => {
    const card = newCard(['se-accept-replayed-transfer']);
    select(card);
    transfer(card, statement(A, A, IDS.A, { sequence: 5 }), SW.OK);
    transfer(card, statement(A, B, IDS.B, { sequence: 1 }), SW.OK);
  });

  test('se-accept-other-se-transfer: a statement for another ICCID is accepted', () => {
    const card = newCard(['se-accept-other-se-transfer']);
    select(card);
    transfer(card, statement(A, B, IDS.B, { iccid: '89910000000000000020' }), SW.OK);
  });

  test('se-transfer-keeps-old-key: the card names B but still authenticates with the old K', () => {
    const card = newCard(['se-transfer-keeps-old-key']);
    select(card);
    transfer(card, statement(A, B, IDS.B), SW.OK);
    assert.equal(provider(card).providerId, IDS.B);
    assert.equal(challenge(card, KEYS, 1).answer.kind, 'success');
  });
});
