/** The reference eUICC: profile switching through the ISD-R, and what each profile answers (docs/profile/providers.md section 2). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceEuicc } from '../reference-impl/index.ts';
import { encodeApdu, splitResponse } from '../protocol/iso-7816.ts';
import { ISD_R_AID, encodeEnableProfile, encodeGetEid, decodeEnableProfileResponse, decodeGetEidResponse } from '../protocol/sgp-22-es10.ts';
import { decodeIccidBcd } from '../protocol/iccid.ts';
import { toHex } from '../protocol/hex.ts';

const keys = { 1: { algorithm: 'aes' as const, kic: new Uint8Array(16).fill(1), kid: new Uint8Array(16).fill(2) } };
const profile = (iccid: string, n: number) => ({ iccid, decryptionKeys: keys, encryptionKeys: keys, gba: { k: new Uint8Array(16).fill(n), opc: new Uint8Array(16).fill(n + 1), impi: `${iccid}@ims.example` } });
const EID = '89049032000000000000000000000017';
const card = (faults: string[] = []) => new ReferenceEuicc({ eid: EID, profiles: [profile('8991000000000000018', 3), profile('8988030000000000015', 5)] }, new Set(faults as never[]));

const send = (c: ReferenceEuicc, apdu: Parameters<typeof encodeApdu>[0]) => splitResponse(c.transmit(encodeApdu(apdu)));
const selectIsdR = (c: ReferenceEuicc) => send(c, { cla: 0, ins: 0xa4, p1: 4, p2: 0, data: ISD_R_AID, le: null });
const storeData = (c: ReferenceEuicc, data: Uint8Array, p1 = 0x91) => send(c, { cla: 0x80, ins: 0xe2, p1, p2: 0, data, le: 0 });
const iccidOnCard = (c: ReferenceEuicc) => {
  send(c, { cla: 0, ins: 0xa4, p1: 0, p2: 0x0c, data: Uint8Array.of(0x2f, 0xe2), le: null });
  return decodeIccidBcd(send(c, { cla: 0, ins: 0xb0, p1: 0, p2: 0, data: new Uint8Array(0), le: 10 }).data);
};

test('GetEID and EnableProfile through the ISD-R; EF_ICCID follows the enabled profile', () => {
  const c = card();
  assert.equal(selectIsdR(c).sw, 0x9000);
  assert.equal(decodeGetEidResponse(storeData(c, encodeGetEid()).data), EID);
  assert.equal(iccidOnCard(c), '8991000000000000018');
  selectIsdR(c);
  assert.equal(decodeEnableProfileResponse(storeData(c, encodeEnableProfile('8988030000000000015')).data).result, 'ok');
  assert.equal(c.enabledProfile(), '8988030000000000015');
  assert.equal(iccidOnCard(c), '8988030000000000015');
});

test('EnableProfile of the enabled profile, of an unknown ICCID, malformed data and a wrong P1 are refused as SGP.22 says', () => {
  const c = card();
  selectIsdR(c);
  assert.equal(decodeEnableProfileResponse(storeData(c, encodeEnableProfile('8991000000000000018')).data).result, 'profileNotInDisabledState');
  assert.equal(decodeEnableProfileResponse(storeData(c, encodeEnableProfile('8944000000000000001')).data).result, 'iccidOrAidNotFound');
  assert.equal(storeData(c, Uint8Array.of(0xbf, 0x31, 0x05, 0x00)).sw, 0x6a80);
  assert.equal(storeData(c, encodeGetEid(), 0x11).sw, 0x6a86);
  assert.equal(c.enabledProfile(), '8991000000000000018');
});

test('STORE DATA without the ISD-R selected goes to the enabled profile, which does not know it', () => {
  const c = card();
  assert.notEqual(storeData(c, encodeGetEid()).sw, 0x9000);
});

test('fault se-euicc-keeps-old-profile: ok is answered but the old subscription stays', () => {
  const c = card(['se-euicc-keeps-old-profile']);
  selectIsdR(c);
  assert.equal(toHex(storeData(c, encodeEnableProfile('8988030000000000015')).data), 'BF3103800100');
  assert.equal(c.enabledProfile(), '8991000000000000018');
});
