/**
 * SGP.22 ES10c EnableProfile and GetEID coding, against an independent implementation's test data: the Android Open
 * Source Project's eUICC client test (frameworks/opt/telephony, tests/.../uicc/euicc/EuiccCardTest.java:
 * testSwitchToProfile, testGetEid, testSwitchToProfile_Error), which encodes ICCID "98760000000000543210" as
 * 5A 0A 89670000000000452301.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEnableProfileResponse, decodeEs10Command, decodeGetEidResponse, encodeEnableProfile, encodeEnableProfileResponse, encodeGetEid, encodeGetEidResponse } from '../protocol/sgp-22-es10.ts';
import { MalformedPacketError } from '../protocol/errors.ts';
import { fromHex, toHex } from '../protocol/hex.ts';

test('EnableProfile by ICCID with refresh: AOSP EuiccCardTest.testSwitchToProfile', () => {
  assert.equal(toHex(encodeEnableProfile('98760000000000543210', true)), 'BF3111A00C5A0A896700000000004523018101FF');
  assert.deepEqual(decodeEs10Command(fromHex('BF3111A00C5A0A896700000000004523018101FF')), { kind: 'enable-profile', iccid: '98760000000000543210', refreshFlag: true });
});

test('GetEID command: AOSP EuiccCardTest.testGetEid (BF3E035C015A)', () => {
  assert.equal(toHex(encodeGetEid()), 'BF3E035C015A');
  assert.deepEqual(decodeEs10Command(fromHex('BF3E035C015A')), { kind: 'get-eid' });
});

test('EnableProfileResponse: ok (BF3103800100) and disallowedByPolicy (BF3103800103), AOSP testSwitchToProfile(_Error)', () => {
  assert.deepEqual(decodeEnableProfileResponse(fromHex('BF3103800100')), { result: 'ok', code: 0 });
  assert.deepEqual(decodeEnableProfileResponse(fromHex('BF3103800103')), { result: 'disallowedByPolicy', code: 3 });
  assert.equal(toHex(encodeEnableProfileResponse('profileNotInDisabledState')), 'BF3103800102');
  assert.deepEqual(decodeEnableProfileResponse(fromHex('BF3103800142')), { result: 'unknown', code: 0x42 });
});

test('GetEID response round trip for a 32-digit EID', () => {
  const eid = '89049032000000000000000000000017';
  assert.equal(toHex(encodeGetEidResponse(eid)), `BF3E125A10${eid}`);
  assert.equal(decodeGetEidResponse(encodeGetEidResponse(eid)), eid);
});

test('malformed ES10 data gives MalformedPacketError, never another exception', () => {
  for (const hex of ['', 'BF', 'BF31', 'BF3105A0035A0101', 'BF3111A00C5A0A8967000000000045230181', 'BF3111A00C5A0A896700000000004523018101FF00', 'BF2D00', 'BF3103A0015A', 'BF318400']) {
    assert.throws(() => decodeEs10Command(fromHex(hex)), MalformedPacketError, hex);
  }
  assert.throws(() => decodeEnableProfileResponse(fromHex('BF3E03800100')), MalformedPacketError);
  assert.throws(() => decodeGetEidResponse(fromHex('BF3E065A041A2B3C4D')), MalformedPacketError);
});
