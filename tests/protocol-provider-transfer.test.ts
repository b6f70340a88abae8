/**
 * The provider-transfer codec (protocol/obf-provider-transfer.ts; draft 6.4.3 a): known answers for its primitives
 * (RFC 8032 7.1 Ed25519 test 1, RFC 7748 6.1 X25519), the signature, ECDH and KDF path cross-checked against an
 * independent implementation (Node's OpenSSL-backed crypto), and malformed input giving typed errors.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { MalformedPacketError } from '../protocol/errors.ts';
import { fromHex, toHex, concatBytes } from '../protocol/hex.ts';
import {
  MAX_STATEMENT, MIN_STATEMENT, STATEMENT_SIGNING_CONTEXT, decodeProviderRecord, decodeTransferStatement, deriveSubscription, encodeProviderRecord,
  encodeTransferBody, namesSe, providerKeyPairs, signTransferStatement, transferredImpi, verifyTransferStatement, type TransferBody,
} from '../protocol/obf-provider-transfer.ts';

/** RFC 8032 section 7.1, TEST 1 (empty message). */
const RFC8032_TEST1 = {
  secret: '9D61B19DEFFD5A60BA844AF492EC2CC44449C5697B326919703BAC031CAE7F60',
  public: 'D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A',
  signature: 'E5564300C360AC729086E2CC806E828A84877F1EB8E5D974D873E065224901555FB8821590A33BACC61E39701CF9B46BD25BF5F0595BBE24655141438E7A100B',
};

/** RFC 7748 section 6.1 (Diffie-Hellman on Curve25519). */
const RFC7748_61 = {
  alicePrivate: '77076D0A7318A57D3C16C17251B26645DF4C2F87EBC0992AB177FBA51DB92C2A',
  alicePublic: '8520F0098930A754748B7DDCB43EF75A0DBF3A0D26381AF4EBA4A98EAA9B4E6A',
  bobPrivate: '5DAB087E624A8A4B79E17F8B83800EE66F3BB1292618B6FD1C2F8B27FF88E0EB',
  bobPublic: 'DE9EDB7D7B7DC1B4D35B61C2ECE435373F8343C85B78674DADFC7E146F882B4F',
  shared: '4A5D9D5BA4CE2DE1728E3BF480350F25E07E21C947D19E3376F09B3C1E161742',
};

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

function body(overrides: Partial<TransferBody> = {}): TransferBody {
  const se = providerKeyPairs(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
  const b = providerKeyPairs(new Uint8Array(32).fill(3), new Uint8Array(32).fill(4));
  return {
    sequence: 1, notBefore: 1_790_000_000, notAfter: 1_790_086_400, iccid: '89910000000000000145', seKeyAgreementKey: se.keyAgreement.publicKey,
    providerId: 'ims.operator-b.example', signingKey: b.signing.publicKey, keyAgreementKey: b.keyAgreement.publicKey, ...overrides,
  };
}

const A = providerKeyPairs(fromHex(RFC8032_TEST1.secret), fromHex(RFC7748_61.alicePrivate));

function malformed(bytes: Uint8Array, field: string): void {
  assert.throws(() => decodeTransferStatement(bytes), (e: unknown) => e instanceof MalformedPacketError && e.field === field, `expected a MalformedPacketError on '${field}'`);
}

describe('known answers for the primitives', () => {
  test('RFC 8032 7.1 test 1: Ed25519 public key and signature of the empty message', () => {
    assert.equal(toHex(A.signing.publicKey), RFC8032_TEST1.public);
    assert.equal(toHex(ed25519.sign(new Uint8Array(0), fromHex(RFC8032_TEST1.secret))), RFC8032_TEST1.signature);
  });

  test('RFC 7748 6.1: X25519 public keys and the shared secret, both ways', () => {
    assert.equal(toHex(A.keyAgreement.publicKey), RFC7748_61.alicePublic);
    assert.equal(toHex(x25519.getPublicKey(fromHex(RFC7748_61.bobPrivate))), RFC7748_61.bobPublic);
    assert.equal(toHex(x25519.getSharedSecret(fromHex(RFC7748_61.alicePrivate), fromHex(RFC7748_61.bobPublic))), RFC7748_61.shared);
    assert.equal(toHex(x25519.getSharedSecret(fromHex(RFC7748_61.bobPrivate), fromHex(RFC7748_61.alicePublic))), RFC7748_61.shared);
  });
});

describe('statement signature and subscription keys against an independent implementation (node:crypto)', () => {
  test('a statement signed with the RFC 8032 key verifies with OpenSSL over context || body', () => {
    const statement = signTransferStatement(body(), A.signing.secretKey);
    const s = decodeTransferStatement(statement);
    const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(fromHex(RFC8032_TEST1.public)) }, format: 'jwk' });
    assert.ok(crypto.verify(null, concatBytes(STATEMENT_SIGNING_CONTEXT, s.body), publicKey, s.signature));
    assert.ok(verifyTransferStatement(s, A.signing.publicKey));
  });

  test('K || OPc = HKDF-SHA-256(X25519(SE, B), SHA-256(body), context || " subscription"), the same from both ends', () => {
    const b = body({ seKeyAgreementKey: fromHex(RFC7748_61.alicePublic), keyAgreementKey: fromHex(RFC7748_61.bobPublic) });
    const encoded = encodeTransferBody(b);
    const onCard = deriveSubscription(fromHex(RFC7748_61.alicePrivate), fromHex(RFC7748_61.bobPublic), encoded);
    const atB = deriveSubscription(fromHex(RFC7748_61.bobPrivate), fromHex(RFC7748_61.alicePublic), encoded);
    assert.deepEqual(onCard, atB);
    // Independently: OpenSSL's X25519 and HKDF.
    const alice = crypto.createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(fromHex(RFC7748_61.alicePrivate)), x: b64url(fromHex(RFC7748_61.alicePublic)) }, format: 'jwk' });
    const bob = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(fromHex(RFC7748_61.bobPublic)) }, format: 'jwk' });
    const z = crypto.diffieHellman({ privateKey: alice, publicKey: bob });
    assert.equal(toHex(z), RFC7748_61.shared);
    const salt = crypto.createHash('sha256').update(encoded).digest();
    const info = Buffer.concat([Buffer.from(STATEMENT_SIGNING_CONTEXT), Buffer.from(' subscription')]);
    const okm = new Uint8Array(crypto.hkdfSync('sha256', z, salt, info, 32));
    assert.equal(toHex(onCard.k), toHex(okm.slice(0, 16)));
    assert.equal(toHex(onCard.opc), toHex(okm.slice(16)));
  });

  test('another statement (sequence) gives other keys; another peer gives other keys', () => {
    const base = deriveSubscription(fromHex(RFC7748_61.alicePrivate), fromHex(RFC7748_61.bobPublic), encodeTransferBody(body()));
    const next = deriveSubscription(fromHex(RFC7748_61.alicePrivate), fromHex(RFC7748_61.bobPublic), encodeTransferBody(body({ sequence: 2 })));
    const other = deriveSubscription(fromHex(RFC7748_61.alicePrivate), A.keyAgreement.publicKey, encodeTransferBody(body()));
    assert.notEqual(toHex(base.k), toHex(next.k));
    assert.notEqual(toHex(base.k), toHex(other.k));
  });
});

describe('statement codec', () => {
  test('round trip: every field, body and signature; names its SE; the IMPI rule', () => {
    const b = body();
    const statement = signTransferStatement(b, A.signing.secretKey);
    assert.equal(statement.length, MIN_STATEMENT - 1 + b.providerId.length);
    const s = decodeTransferStatement(statement);
    assert.deepEqual({ ...s, signature: undefined, body: undefined }, { ...b, signature: undefined, body: undefined });
    assert.equal(toHex(s.body), toHex(encodeTransferBody(b)));
    assert.ok(namesSe(s, b.iccid, b.seKeyAgreementKey));
    assert.ok(!namesSe(s, '89910000000000000152', b.seKeyAgreementKey));
    assert.ok(!namesSe(s, b.iccid, b.keyAgreementKey));
    assert.equal(transferredImpi(b.iccid, b.providerId), '89910000000000000145@ims.operator-b.example');
  });

  test('a 64-character provider id fits a short APDU; a 19-digit ICCID is kept', () => {
    const long = signTransferStatement(body({ providerId: `${'a'.repeat(56)}.example`, iccid: '8991000000000000014' }), A.signing.secretKey);
    assert.equal(long.length, MAX_STATEMENT);
    assert.ok(long.length <= 255);
    assert.equal(decodeTransferStatement(long).iccid, '8991000000000000014');
  });

  test('verification fails for another signer, a changed byte anywhere, a non-canonical S', () => {
    const statement = signTransferStatement(body(), A.signing.secretKey);
    const other = providerKeyPairs(new Uint8Array(32).fill(9), new Uint8Array(32).fill(8));
    assert.ok(!verifyTransferStatement(decodeTransferStatement(statement), other.signing.publicKey));
    for (const at of [1, 5, 20, 40, 60, statement.length - 70, statement.length - 1]) {
      const t = statement.slice();
      t[at] ^= 0x01;
      let s;
      try {
        s = decodeTransferStatement(t);
      } catch (e) {
        assert.ok(e instanceof MalformedPacketError, `byte ${at}`);
        continue;
      }
      assert.ok(!verifyTransferStatement(s, A.signing.publicKey), `byte ${at} changed but the signature verifies`);
    }
    // S + L (the group order) is the same scalar mod L: RFC 8032 5.1.7 requires S < L, so it must not verify.
    const s = decodeTransferStatement(statement);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const sLe = s.signature.slice(32);
    let v = 0n;
    for (let i = 31; i >= 0; i--) v = (v << 8n) | BigInt(sLe[i]);
    v += L;
    const forged = s.signature.slice();
    for (let i = 0; i < 32; i++) forged[32 + i] = Number((v >> BigInt(8 * i)) & 0xffn);
    assert.ok(!verifyTransferStatement({ ...s, signature: forged }, A.signing.publicKey));
  });

  test('malformed statements give MalformedPacketError naming the field', () => {
    const good = signTransferStatement(body(), A.signing.secretKey);
    malformed(good.slice(0, MIN_STATEMENT - 1), 'transfer statement');
    malformed(concatBytes(good, new Uint8Array(MAX_STATEMENT)), 'transfer statement');
    const version = good.slice();
    version[0] = 0x02;
    malformed(version, 'version');
    const idLength = good.slice();
    idLength[55] += 1;
    malformed(idLength, 'provider id length');
    const iccid = good.slice();
    iccid[13] = 0xaa;
    malformed(iccid, 'ICCID');
    const id = good.slice();
    id[56] = 0x20; // a space
    malformed(id, 'provider id');
    const seq = good.slice();
    seq.fill(0, 1, 5);
    malformed(seq, 'sequence');
    const validity = good.slice();
    validity.set(validity.slice(5, 9), 9); // notAfter = notBefore
    malformed(validity, 'notAfter');
    const at = good.length - 64 - 64;
    const notAPoint = good.slice();
    notAPoint.fill(0xff, at, at + 32);
    malformed(notAPoint, 'signing key');
    for (const lowOrder of [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31))]) {
      const weak = good.slice();
      weak.set(lowOrder, at + 32);
      malformed(weak, 'key-agreement key');
    }
  });

  test('encoding refuses what it could not decode', () => {
    assert.throws(() => encodeTransferBody(body({ sequence: 0 })), MalformedPacketError);
    assert.throws(() => encodeTransferBody(body({ sequence: 2 ** 32 })), MalformedPacketError);
    assert.throws(() => encodeTransferBody(body({ notAfter: 1_790_000_000 })), MalformedPacketError);
    assert.throws(() => encodeTransferBody(body({ iccid: '1234' })), MalformedPacketError);
    assert.throws(() => encodeTransferBody(body({ providerId: 'a'.repeat(65) })), MalformedPacketError);
    assert.throws(() => encodeTransferBody(body({ providerId: '-bad.example' })), MalformedPacketError);
    assert.throws(() => encodeTransferBody(body({ signingKey: new Uint8Array(31) })), MalformedPacketError);
  });

  test('a low-order key gives no subscription', () => {
    assert.throws(() => deriveSubscription(fromHex(RFC7748_61.alicePrivate), new Uint8Array(32), new Uint8Array(1)), MalformedPacketError);
  });
});

describe('provider record (GET TRANSFER DATA P1 01)', () => {
  test('round trip and malformed records', () => {
    const r = { sequence: 7, signingKey: A.signing.publicKey, providerId: 'ims.obf-reference.example' };
    const bytes = encodeProviderRecord(r);
    assert.equal(bytes.length, 4 + 32 + 1 + r.providerId.length);
    assert.deepEqual(decodeProviderRecord(bytes), r);
    assert.throws(() => decodeProviderRecord(bytes.slice(0, 30)), MalformedPacketError);
    assert.throws(() => decodeProviderRecord(bytes.slice(0, -1)), MalformedPacketError);
    const bad = bytes.slice();
    bad[37] = 0x2f; // '/'
    assert.throws(() => decodeProviderRecord(bad), MalformedPacketError);
  });
});

describe('worked example of docs/profile/provider-transfer.md section 3.4', () => {
  test('the statement, its signature and the subscription keys, byte for byte', () => {
    const b = providerKeyPairs(new Uint8Array(32).fill(0xb1), fromHex(RFC7748_61.bobPrivate));
    const statement = signTransferStatement({
      sequence: 1, notBefore: Date.parse('2027-01-01T00:00:00Z') / 1000, notAfter: Date.parse('2027-01-02T00:00:00Z') / 1000,
      iccid: '89910000000000000012', seKeyAgreementKey: fromHex(RFC7748_61.alicePublic),
      providerId: 'ims.operator-b.example', signingKey: b.signing.publicKey, keyAgreementKey: b.keyAgreement.publicKey,
    }, A.signing.secretKey);
    assert.equal(toHex(b.signing.publicKey), '4721B5B632272E65A68DDA7AC25B4185F8B01916DB185C14287DB92E2B770FAE');
    assert.equal(statement.length, 206);
    assert.equal(toHex(statement), '01' + '00000001' + '6B36EC80' + '6B383E00' + '98190000000000000021' + RFC7748_61.alicePublic
      + '16' + Buffer.from('ims.operator-b.example').toString('hex').toUpperCase() + toHex(b.signing.publicKey) + RFC7748_61.bobPublic
      + '4B9201FB650965199FD910D23F7E313FD1AF2CC5B2066A00867EAF14F695A7B9FCBAC18C4C45A24CB2CB7775AF4F49FE310211874B82063CA6C8458477AFBA02');
    const keys = deriveSubscription(fromHex(RFC7748_61.alicePrivate), fromHex(RFC7748_61.bobPublic), decodeTransferStatement(statement).body);
    assert.deepEqual([toHex(keys.k), toHex(keys.opc)], ['E42CE745062BF55CFD9FBBD7E6F084F1', 'C4FD50B6696A460845FCD3A91928E06F']);
  });
});
