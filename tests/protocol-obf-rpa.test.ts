/**
 * The RPA keyset derivation (protocol/obf-rpa.ts). The expected values were computed once, independently, with
 * Python 3's hmac and hashlib modules from the formulas of docs/profile/apdus.md section 10, and are written here
 * as data:
 *   ks_int = hmac.new(Ks, b'\x01' + lv(b'gba-u') + lv(RAND) + lv(IMPI) + lv(NAF_Id), hashlib.sha256).digest()
 *     with lv(p) = p + len(p).to_bytes(2, 'big') and NAF_Id = b'vtams.state.example' + bytes.fromhex('ff4f424601')
 *   key = hmac.new(ks_int, b'obf-rpa/down/kic', hashlib.sha256).digest()[:16]   (and down/kid, up/kic, up/kid)
 * Ks is CK || IK of TS 35.208 test set 1, as in tests/protocol-gba-kdf.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { deriveRpaKeysets, installRpaKeysetApdu, isRpaKeyIndex, rpaNafId, UA_OBF_RPA } from '../protocol/obf-rpa.ts';
import { deriveNafKey, nafId } from '../protocol/ts-33-220.ts';
import { fromHex, toHex } from '../protocol/hex.ts';
import { HexFormatError } from '../protocol/errors.ts';

const ks = fromHex('b40ba9a3c58b2a05bbf0d987b21bf8cb' + 'f769bcd751044604127672711c6d3441');
const rand = fromHex('23553cbe9637a89d218ae64dae47bf35');
const impi = '404685505601234@ims.mnc068.mcc404.3gppnetwork.org';
const naf = rpaNafId('vtams.state.example');
const KS_INT_NAF = 'DED24B91B1A9C17C445C1B496A244A01DA354973A4B97A841E037F2C62EF07FE';

test('the RPA NAF_Id is the FQDN followed by FF 4F 42 46 01', () => {
  assert.equal(toHex(naf), toHex(Buffer.from('vtams.state.example')) + 'FF4F424601');
  assert.equal(toHex(UA_OBF_RPA), 'FF4F424601');
  assert.notEqual(toHex(naf), toHex(nafId('vtams.state.example')));
});

test('Ks_int_NAF for the RPA NAF_Id matches the independent Python computation', () => {
  assert.equal(toHex(deriveNafKey(ks, rand, impi, naf, 'gba-u')), KS_INT_NAF);
});

test('the four RPA keys match the independent Python computation', () => {
  const k = deriveRpaKeysets(fromHex(KS_INT_NAF));
  assert.equal(toHex(k.downlink.kic), '3A70B483B2A6292E5544626D9C437FFB');
  assert.equal(toHex(k.downlink.kid), '09B68A065BA5FADD4E43BE93EFC02D05');
  assert.equal(toHex(k.uplink.kic), 'D37AB6AE1DE11859E17D9F7EB1B6A5BF');
  assert.equal(toHex(k.uplink.kid), '0F07115D92376E11641CD59D4BDBCE43');
  assert.equal(k.downlink.algorithm, 'aes');
  assert.equal(k.uplink.algorithm, 'aes');
});

test('each RPA key equals node:crypto HMAC-SHA-256 of its label, truncated to 16 bytes', () => {
  const key = fromHex(KS_INT_NAF);
  const k = deriveRpaKeysets(key);
  const h = (label: string) => createHmac('sha256', key).update(label).digest('hex').slice(0, 32).toUpperCase();
  assert.equal(toHex(k.downlink.kic), h('obf-rpa/down/kic'));
  assert.equal(toHex(k.uplink.kid), h('obf-rpa/up/kid'));
});

test('another Ks_int_NAF gives other keys; the four keys differ', () => {
  const other = fromHex(KS_INT_NAF);
  other[31] ^= 1;
  const a = deriveRpaKeysets(fromHex(KS_INT_NAF));
  const b = deriveRpaKeysets(other);
  assert.notEqual(toHex(a.downlink.kic), toHex(b.downlink.kic));
  const all = [a.downlink.kic, a.downlink.kid, a.uplink.kic, a.uplink.kid].map(toHex);
  assert.equal(new Set(all).size, 4);
});

test('INSTALL RPA KEYSET: 80 5E <index> 00 Lc NAF_Id; bad input is a HexFormatError', () => {
  assert.equal(toHex(installRpaKeysetApdu(naf, 8)), `805E0800${(naf.length).toString(16).toUpperCase().padStart(2, '0')}${toHex(naf)}`);
  assert.throws(() => installRpaKeysetApdu(naf, 7), HexFormatError);
  assert.throws(() => installRpaKeysetApdu(naf, 16), HexFormatError);
  assert.throws(() => installRpaKeysetApdu(new Uint8Array(0), 8), HexFormatError);
  assert.throws(() => deriveRpaKeysets(new Uint8Array(16)), HexFormatError);
  assert.equal(isRpaKeyIndex(8) && isRpaKeyIndex(15) && !isRpaKeyIndex(1) && !isRpaKeyIndex(8.5), true);
});
