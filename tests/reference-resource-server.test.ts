/**
 * The reference Resource Server on real HTTP (docs/profile/gba-api.md sections 5 and 6): granting and revoking
 * rights on the admin API, RPR answers per device and NAF, the two credentials kept apart, input validation with
 * the documented codes, the transport refusals, and the fault rs-ignore-revocation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startResourceServer, type RunningServer } from '../reference-impl/index.ts';
import { TOKENS, bearer, call, expectError, freshIdentity, freshNaf } from './support/gba-servers.ts';

let rs: RunningServer;
before(async () => {
  rs = await startResourceServer({ adminToken: TOKENS.rsAdmin, rprToken: TOKENS.rpr });
});
after(async () => {
  await rs.close();
});

const grant = (body: unknown, server = rs) => call(`${server.url}/rights`, 'PUT', body, bearer(TOKENS.rsAdmin));
const revoke = (body: unknown, server = rs) => call(`${server.url}/rights`, 'DELETE', body, bearer(TOKENS.rsAdmin));
const rights = (body: unknown, server = rs, token = TOKENS.rpr) => call(`${server.url}/rpr/rights`, 'POST', body, bearer(token));

describe('rights and RPR', () => {
  test('a grant is answered on RPR for that device and that NAF only, until revoked', async () => {
    const { iccid } = freshIdentity();
    const other = freshIdentity().iccid;
    const a = freshNaf('a');
    const b = freshNaf('b');
    assert.deepEqual((await grant({ iccid, nafId: a.nafId, dataClasses: ['position', 'alarms', 'position'] })).json, { status: 'OK' });
    assert.deepEqual((await rights({ iccid, nafId: a.nafId })).json, { granted: true, dataClasses: ['position', 'alarms'] });
    assert.deepEqual((await rights({ iccid, nafId: b.nafId })).json, { granted: false, dataClasses: [] });
    assert.deepEqual((await rights({ iccid: other, nafId: a.nafId })).json, { granted: false, dataClasses: [] });
    assert.deepEqual((await revoke({ iccid, nafId: a.nafId })).json, { status: 'OK' });
    assert.deepEqual((await rights({ iccid, nafId: a.nafId })).json, { granted: false, dataClasses: [] });
  });

  test('a second grant replaces the data classes; an empty list is still a grant', async () => {
    const { iccid } = freshIdentity();
    const { nafId } = freshNaf('c');
    await grant({ iccid, nafId, dataClasses: ['x'] });
    await grant({ iccid, nafId, dataClasses: [] });
    assert.deepEqual((await rights({ iccid, nafId })).json, { granted: true, dataClasses: [] });
  });

  test('the NAF_Id is compared as bytes: case and separators do not matter', async () => {
    const { iccid } = freshIdentity();
    const { nafId } = freshNaf('d');
    await grant({ iccid, nafId: nafId.toLowerCase().replace(/(..)/g, '$1:').slice(0, -1), dataClasses: ['y'] });
    assert.equal((await rights({ iccid, nafId })).json.granted, true);
  });

  test('revoking what was never granted: UNKNOWN_GRANT', async () => {
    const { iccid } = freshIdentity();
    expectError(await revoke({ iccid, nafId: freshNaf('e').nafId }), 'UNKNOWN_GRANT', null);
  });
});

describe('credentials', () => {
  test('the admin API takes only the admin token, RPR only the RPR token', async () => {
    const { iccid } = freshIdentity();
    const { nafId } = freshNaf('f');
    const noToken = await call(`${rs.url}/rights`, 'PUT', { iccid, nafId, dataClasses: [] });
    expectError(noToken, 'UNAUTHORISED', null);
    assert.equal(noToken.headers.get('www-authenticate'), 'Bearer realm="obf-resource-server"');
    const wrong = await call(`${rs.url}/rights`, 'PUT', { iccid, nafId, dataClasses: [] }, bearer(TOKENS.rpr));
    expectError(wrong, 'UNAUTHORISED');
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="obf-resource-server", error="invalid_token"');
    expectError(await rights({ iccid, nafId }, rs, TOKENS.rsAdmin), 'UNAUTHORISED');
    expectError(await call(`${rs.url}/rpr/rights`, 'POST', { iccid, nafId }, { authorization: `Basic ${TOKENS.rpr}` }), 'UNAUTHORISED');
    expectError(await call(`${rs.url}/rpr/rights`, 'POST', { iccid, nafId }, { authorization: 'Bearer short' }), 'UNAUTHORISED');
  });

  test('credentials are checked before the body is read', async () => {
    expectError(await call(`${rs.url}/rights`, 'PUT', 'not json'), 'UNAUTHORISED');
  });

  test('startResourceServer refuses tokens outside RFC 6750, and one token for both roles', async () => {
    await assert.rejects(startResourceServer({ adminToken: 'short', rprToken: TOKENS.rpr }), TypeError);
    await assert.rejects(startResourceServer({ adminToken: TOKENS.rpr, rprToken: TOKENS.rpr }), TypeError);
    await assert.rejects(startResourceServer({ adminToken: 'has space in the token', rprToken: TOKENS.rpr }), TypeError);
  });
});

describe('input validation', () => {
  const iccid = freshIdentity().iccid;
  const { nafId } = freshNaf('g');
  const cases: [string, unknown, string, string | null][] = [
    ['iccid missing', { nafId, dataClasses: [] }, 'BAD_REQUEST', 'iccid'],
    ['iccid a number', { iccid: 8991, nafId, dataClasses: [] }, 'BAD_REQUEST', 'iccid'],
    ['iccid Luhn digit wrong', { iccid: iccid.slice(0, -1) + ((Number(iccid.at(-1)) + 1) % 10), nafId, dataClasses: [] }, 'INVALID_ICCID', 'iccid'],
    ['iccid too short', { iccid: '8991', nafId, dataClasses: [] }, 'INVALID_ICCID', 'iccid'],
    ['nafId missing', { iccid, dataClasses: [] }, 'BAD_REQUEST', 'nafId'],
    ['nafId not hex', { iccid, nafId: 'zz', dataClasses: [] }, 'BAD_REQUEST', 'nafId'],
    ['nafId empty', { iccid, nafId: '', dataClasses: [] }, 'BAD_REQUEST', 'nafId'],
    ['nafId too long', { iccid, nafId: 'AB'.repeat(513), dataClasses: [] }, 'BAD_REQUEST', 'nafId'],
    ['dataClasses missing', { iccid, nafId }, 'BAD_REQUEST', 'dataClasses'],
    ['dataClasses a string', { iccid, nafId, dataClasses: 'position' }, 'BAD_REQUEST', 'dataClasses'],
    ['dataClasses with a number', { iccid, nafId, dataClasses: ['a', 1] }, 'BAD_REQUEST', 'dataClasses'],
    ['dataClasses with a space', { iccid, nafId, dataClasses: ['a b'] }, 'BAD_REQUEST', 'dataClasses'],
    ['dataClasses with an empty string', { iccid, nafId, dataClasses: [''] }, 'BAD_REQUEST', 'dataClasses'],
    ['33 dataClasses', { iccid, nafId, dataClasses: Array.from({ length: 33 }, (_, i) => `c${i}`) }, 'BAD_REQUEST', 'dataClasses'],
    ['a JSON array', [], 'BAD_REQUEST', null],
    ['not JSON', '{"iccid":', 'BAD_REQUEST', null],
  ];
  for (const [name, body, code, field] of cases) {
    test(`grant: ${name} -> ${code}`, async () => {
      expectError(await grant(body), code, field);
    });
  }
  test('revoke and RPR validate iccid and nafId the same way', async () => {
    expectError(await revoke({ iccid: '8991', nafId }), 'INVALID_ICCID', 'iccid');
    expectError(await rights({ iccid, nafId: 'x' }), 'BAD_REQUEST', 'nafId');
    expectError(await rights({ iccid: null, nafId }), 'BAD_REQUEST', 'iccid');
  });
});

describe('transport', () => {
  test('unknown path, wrong method, content type, body size', async () => {
    expectError(await call(`${rs.url}/nothing`, 'GET'), 'NOT_FOUND');
    const m = expectError(await call(`${rs.url}/rights`, 'POST', {}, bearer(TOKENS.rsAdmin)), 'METHOD_NOT_ALLOWED');
    assert.equal(m.message, 'use PUT or DELETE');
    expectError(await call(`${rs.url}/rpr/rights`, 'GET', undefined, bearer(TOKENS.rpr)), 'METHOD_NOT_ALLOWED');
    const text = await fetch(`${rs.url}/rights`, { method: 'PUT', headers: { 'content-type': 'text/plain', ...bearer(TOKENS.rsAdmin) }, body: '{}' });
    assert.equal(text.status, 415);
    await text.text();
    const big = await grant({ iccid: 'x', pad: 'x'.repeat(70_000) });
    expectError(big, 'BODY_TOO_LARGE');
  });
});

test('fault rs-ignore-revocation: the revocation is acknowledged but RPR still grants', async () => {
  const faulty = await startResourceServer({ adminToken: TOKENS.rsAdmin, rprToken: TOKENS.rpr, faults: new Set(['rs-ignore-revocation']) });
  try {
    const { iccid } = freshIdentity();
    const { nafId } = freshNaf('h');
    await grant({ iccid, nafId, dataClasses: ['z'] }, faulty);
    assert.deepEqual((await revoke({ iccid, nafId }, faulty)).json, { status: 'OK' });
    assert.deepEqual((await rights({ iccid, nafId }, faulty)).json, { granted: true, dataClasses: ['z'] });
  } finally {
    await faulty.close();
  }
});
