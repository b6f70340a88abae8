/**
 * The GBA key derivation (TS 33.220 Annex B). No public Ks_NAF known-answer vectors exist, so the derived keys are
 * cross-checked two ways: (1) against values computed independently with Python 3.11's hmac and hashlib modules
 * from the formula of Annex B (S = FC || P0 || L0 || ...), written here as data; (2) against node:crypto's HMAC,
 * a second implementation besides @noble/hashes, over a byte string assembled by hand.
 * Ks is CK || IK of TS 35.208 test set 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { bTid, deriveNafKey, kdf, nafId, UA_HTTP_DIGEST } from '../protocol/ts-33-220.ts';
import { fromHex, toHex } from '../protocol/hex.ts';
import { HexFormatError } from '../protocol/errors.ts';

const ks = fromHex('b40ba9a3c58b2a05bbf0d987b21bf8cb' + 'f769bcd751044604127672711c6d3441');
const rand = fromHex('23553cbe9637a89d218ae64dae47bf35');
const impi = '404685505601234@ims.mnc068.mcc404.3gppnetwork.org';
const naf = nafId('vtams.state.example');

test('Ks_ext_NAF ("gba-me") matches the independent Python computation', () => {
  assert.equal(toHex(deriveNafKey(ks, rand, impi, naf, 'gba-me')), '31F6601AC9007A420B9573816C3C20A5EA815D52B1D97F659B1036BB2B77CE71');
});

test('Ks_int_NAF ("gba-u") matches the independent Python computation', () => {
  assert.equal(toHex(deriveNafKey(ks, rand, impi, naf, 'gba-u')), 'E5F8E27D95C62E495EC5D34B219B0226BA877570BB88480FE6876F23C597452A');
});

test('kdf equals node:crypto HMAC-SHA-256 over the hand-assembled S', () => {
  const p0 = Buffer.from('gba-me');
  const s = Buffer.concat([Buffer.from([0x01]), p0, Buffer.from([0, p0.length]), Buffer.from(rand), Buffer.from([0, 16])]);
  assert.equal(toHex(kdf(ks, 0x01, p0, rand)), createHmac('sha256', ks).update(s).digest('hex').toUpperCase());
});

test('a different NAF_Id, IMPI or RAND gives a different key', () => {
  const base = toHex(deriveNafKey(ks, rand, impi, naf));
  assert.notEqual(toHex(deriveNafKey(ks, rand, impi, nafId('ers.example'))), base);
  assert.notEqual(toHex(deriveNafKey(ks, rand, 'other@example', naf)), base);
  const rand2 = rand.slice();
  rand2[0] ^= 1;
  assert.notEqual(toHex(deriveNafKey(ks, rand2, impi, naf)), base);
});

test('NAF_Id is the FQDN followed by the Ua protocol identifier; B-TID is base64(RAND)@domain', () => {
  assert.equal(toHex(naf), toHex(Buffer.from('vtams.state.example')) + toHex(UA_HTTP_DIGEST));
  assert.equal(bTid(rand, 'bsf.example'), `${Buffer.from(rand).toString('base64')}@bsf.example`);
});

test('bad lengths are HexFormatErrors', () => {
  assert.throws(() => deriveNafKey(ks.slice(0, 16), rand, impi, naf), HexFormatError);
  assert.throws(() => deriveNafKey(ks, rand.slice(0, 8), impi, naf), HexFormatError);
  assert.throws(() => deriveNafKey(ks, rand, '', naf), HexFormatError);
  assert.throws(() => nafId('not a host'), HexFormatError);
});
