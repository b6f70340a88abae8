/**
 * The reference Authentication Server against bad input and with its faults (docs/profile/gba-api.md): malformed
 * Authorization headers and bodies get the documented code, never a 500; each auth-* fault changes exactly the
 * behaviour it names; and a fast-check property (fixed seed) posting random JSON and random Authorization
 * headers to every route of both servers: never a 500, and a full bootstrap still works afterwards.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDigestHeader } from '../protocol/rfc-3310-digest-aka.ts';
import { toHex } from '../protocol/hex.ts';
import type { FaultName } from '../reference-impl/index.ts';
import {
  BOOTSTRAP_PATH, REALM, SET1, TOKENS, bearer, bootstrap, bootstrapCall, call, challengeOf, digestAuthorization, expectError,
  freshIdentity, initialAuthorization, nafKey, provisioned, registeredNaf, startGbaServers, type GbaServers,
} from './support/gba-servers.ts';

async function withServers(faults: FaultName[], run: (s: GbaServers) => Promise<void>): Promise<void> {
  const s = await startGbaServers({ faults });
  try {
    await run(s);
  } finally {
    await s.close();
  }
}

describe('malformed input gets the documented code', () => {
  test('Authorization headers on RPB: MALFORMED_AUTHORIZATION', () => withServers([], async (s) => {
    const { card } = await provisioned(s);
    const impi = card.impi;
    const c = challengeOf(await bootstrapCall(s, initialAuthorization(impi)));
    const good = { impi, nonce: c.nonce, opaque: c.opaque, password: 'x' };
    const cases: [string, string][] = [
      ['another scheme', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l'],
      ['unterminated quote', 'Digest username="abc'],
      ['no username', `Digest realm="${REALM}", nonce="", response=""`],
      ['username not an NAI', `Digest username="not an impi", realm="${REALM}", nonce="", response=""`],
      ['another realm', initialAuthorization(impi, 'other.example')],
      ['algorithm MD5', `${initialAuthorization(impi)}, algorithm=MD5`],
      ['parameter twice', `${initialAuthorization(impi)}, nonce="a"`],
      ['response without cnonce', digestAuthorization(good).replace(/cnonce="[^"]*", /, '')],
      ['uri of another resource', digestAuthorization({ ...good, uri: '/obf/v1/auth/other' })],
      ['nc not 8 hex digits', digestAuthorization({ ...good, nc: '1' })],
      ['qop auth-int', digestAuthorization(good).replace('qop=auth', 'qop=auth-int')],
      ['cnonce with a control-free but empty value', digestAuthorization({ ...good, cnonce: '' })],
      ['header over 8192 characters', `Digest username="${impi}", x="${'a'.repeat(8200)}"`],
    ];
    for (const [name, header] of cases) {
      const a = await bootstrapCall(s, header);
      assert.equal((a.json.error as { code: string }).code, 'MALFORMED_AUTHORIZATION', `${name}: ${a.text}`);
      expectError(a, 'MALFORMED_AUTHORIZATION', null);
    }
    // the nonce is still unused (none of the above named it with a valid form): opaque altered, then auts not 14 bytes
    expectError(await bootstrapCall(s, digestAuthorization({ ...good, opaque: 'f'.repeat(32) })), 'MALFORMED_AUTHORIZATION');
    const c2 = challengeOf(await bootstrapCall(s, initialAuthorization(impi)));
    expectError(await bootstrapCall(s, digestAuthorization({ ...good, nonce: c2.nonce, opaque: c2.opaque, password: '', auts: new Uint8Array(13) })), 'MALFORMED_AUTHORIZATION');
  }));

  test('admin bodies: BAD_REQUEST, INVALID_ICCID, INVALID_KEY with the field at fault', () => withServers([], async (s) => {
    const { impi, iccid } = freshIdentity();
    const sub = { impi, iccid, k: SET1.k, opc: SET1.opc };
    const cases: [string, unknown, string, string | null][] = [
      ['subscribers', { ...sub, impi: undefined }, 'BAD_REQUEST', 'impi'],
      ['subscribers', { ...sub, impi: 'no-at-sign' }, 'BAD_REQUEST', 'impi'],
      ['subscribers', { ...sub, impi: `${'a'.repeat(129)}@x` }, 'BAD_REQUEST', 'impi'],
      ['subscribers', { ...sub, iccid: '89910000000000000013' }, 'INVALID_ICCID', 'iccid'],
      ['subscribers', { ...sub, k: 'zz'.repeat(16) }, 'BAD_REQUEST', 'k'],
      ['subscribers', { ...sub, k: 'AB'.repeat(65) }, 'BAD_REQUEST', 'k'],
      ['subscribers', { ...sub, opc: 16 }, 'BAD_REQUEST', 'opc'],
      ['subscribers', { ...sub, sqn: null }, 'BAD_REQUEST', 'sqn'],
      ['nafs', { nafId: '', token: 'a-token-long-enough-1' }, 'BAD_REQUEST', 'nafId'],
      ['nafs', { nafId: 'AB', token: 'short' }, 'BAD_REQUEST', 'token'],
      ['nafs', { nafId: 'AB', token: 'has spaces in the token' }, 'BAD_REQUEST', 'token'],
      ['clock', { advanceSeconds: -1 }, 'BAD_REQUEST', 'advanceSeconds'],
      ['clock', { advanceSeconds: '5' }, 'BAD_REQUEST', 'advanceSeconds'],
      ['clock', [], 'BAD_REQUEST', null],
    ];
    for (const [path, body, code, field] of cases) expectError(await s.admin(path, body), code, field);
    for (const v of [0, 1.5, '60', 365 * 24 * 3600 + 1, null]) expectError(await s.admin('policy', { lifetimeSeconds: v }, 'PUT'), 'BAD_REQUEST', 'lifetimeSeconds');
    expectError(await s.admin('subscribers', '{"impi":'), 'BAD_REQUEST', null);
  }));

  test('RPO bodies and the transport refusals', () => withServers([], async (s) => {
    const naf = await registeredNaf(s, 'bad');
    expectError(await nafKey(s, naf.token, { nafId: naf.nafId }), 'BAD_REQUEST', 'btid');
    expectError(await nafKey(s, naf.token, { btid: '', nafId: naf.nafId }), 'BAD_REQUEST', 'btid');
    expectError(await nafKey(s, naf.token, { btid: 'x'.repeat(513), nafId: naf.nafId }), 'BAD_REQUEST', 'btid');
    expectError(await nafKey(s, naf.token, { btid: 'a@b', nafId: 'nothex' }), 'BAD_REQUEST', 'nafId');
    expectError(await nafKey(s, naf.token, 'null'), 'BAD_REQUEST', null);
    expectError(await call(`${s.as.url}/rpo/naf-key`, 'POST', undefined, { ...bearer(naf.token), 'content-type': 'text/plain' }), 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await nafKey(s, naf.token, { btid: 'a@b', pad: 'p'.repeat(70_000) }), 'BODY_TOO_LARGE');
    expectError(await call(`${s.as.url}/unknown`, 'POST', {}), 'NOT_FOUND');
    assert.equal(expectError(await call(`${s.as.url}/rpb/bootstrap`, 'GET'), 'METHOD_NOT_ALLOWED').message, 'use POST');
    assert.equal(expectError(await call(`${s.as.url}/policy`, 'POST', {}, bearer(TOKENS.asAdmin)), 'METHOD_NOT_ALLOWED').message, 'use PUT');
  }));
});

describe('faults of the Authentication Server', () => {
  test('auth-accept-any-res: a wrong RES completes the bootstrap', () => withServers(['auth-accept-any-res'], async (s) => {
    const { card } = await provisioned(s);
    const c = challengeOf(await bootstrapCall(s, initialAuthorization(card.impi)));
    const a = await bootstrapCall(s, digestAuthorization({ impi: card.impi, nonce: c.nonce, opaque: c.opaque, password: 'not-the-res' }));
    assert.equal(a.status, 200, a.text);
  }));

  test('auth-ignore-sqn-resync: after a valid AUTS the next challenge is still stale for the card', () => withServers(['auth-ignore-sqn-resync'], async (s) => {
    const { card } = await provisioned(s);
    card.sqnMs = Uint8Array.of(0, 0, 0, 0, 0x10, 0);
    const c = challengeOf(await bootstrapCall(s, initialAuthorization(card.impi)));
    const r = card.authenticate(c.nonce);
    if (r.kind !== 'sync-failure') return assert.fail(r.kind);
    const resync = await bootstrapCall(s, digestAuthorization({ impi: card.impi, nonce: c.nonce, opaque: c.opaque, password: '', auts: r.auts }));
    expectError(resync, 'SQN_RESYNCHRONISED');
    assert.equal(card.authenticate(challengeOf(resync).nonce).kind, 'sync-failure');
  }));

  test('auth-rpo-ignore-rights: a NAF without rights gets Ks_NAF', () => withServers(['auth-rpo-ignore-rights'], async (s) => {
    const { card } = await provisioned(s);
    const { btid } = await bootstrap(s, card);
    const naf = await registeredNaf(s, 'norights');
    const a = await nafKey(s, naf.token, { btid, nafId: naf.nafId });
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.json.settings, { dataClasses: [] });
  }));

  test('auth-ignore-lifetime: an expired B-TID still gives Ks_NAF', () => withServers(['auth-ignore-lifetime'], async (s) => {
    const { card, iccid } = await provisioned(s);
    const { btid } = await bootstrap(s, card);
    const naf = await registeredNaf(s, 'late', { iccid, dataClasses: [] });
    await s.admin('clock', { advanceSeconds: 7200 });
    assert.equal((await nafKey(s, naf.token, { btid, nafId: naf.nafId })).status, 200);
  }));

  test("auth-rpo-any-naf: a NAF gets another NAF's key", () => withServers(['auth-rpo-any-naf'], async (s) => {
    const { card, iccid } = await provisioned(s);
    const { btid } = await bootstrap(s, card);
    const mine = await registeredNaf(s, 'mine');
    const theirs = await registeredNaf(s, 'theirs', { iccid, dataClasses: ['all'] });
    assert.equal((await nafKey(s, mine.token, { btid, nafId: theirs.nafId })).status, 200);
  }));
});

test('property: random JSON and Authorization headers never give a 500, and the servers keep working', () => withServers([], async (s) => {
  const { card, iccid } = await provisioned(s);
  const naf = await registeredNaf(s, 'fuzz', { iccid, dataClasses: ['a'] });
  const { btid } = await bootstrap(s, card);
  const nonce = challengeOf(await bootstrapCall(s, initialAuthorization(card.impi))).nonce;
  const text = fc.string({ maxLength: 40 });
  const anyJson = fc.jsonValue({ maxDepth: 2 });
  const digestValue = fc.oneof(text, fc.constantFrom(card.impi, REALM, nonce, BOOTSTRAP_PATH, '', 'auth', 'AKAv1-MD5', '00000001', 'AAAAAAAAAAAAAAAAAAA=', 'f'.repeat(32)));
  const digestParams = fc.dictionary(fc.constantFrom('username', 'realm', 'nonce', 'uri', 'response', 'nc', 'cnonce', 'qop', 'opaque', 'auts', 'algorithm', 'stale', 'x'), digestValue);
  const nearlyValid = fc.record({ nonce: fc.constantFrom(nonce, 'AAAA'), opaque: fc.option(text, { nil: undefined }), password: text, nc: fc.constantFrom('00000001', '1') })
    .map((d) => digestAuthorization({ impi: card.impi, ...d }));
  const digest = fc.oneof(digestParams.map((p) => formatDigestHeader(p)), fc.constant(initialAuthorization(card.impi)), nearlyValid);
  const randomAuth = fc.oneof(fc.constant(undefined), digest, text.map((t) => `Bearer ${t}`), text.map((t) => `Digest ${t}`), text);
  const auth = (good: fc.Arbitrary<string>) => fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: randomAuth });
  const asAdmin = fc.constant(`Bearer ${TOKENS.asAdmin}`);
  const rsAdmin = fc.constant(`Bearer ${TOKENS.rsAdmin}`);
  const likely = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: good as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyJson as fc.Arbitrary<unknown> });
  const fields = {
    impi: likely(fc.oneof(fc.constant(card.impi), fc.nat().map((n) => `${n}@fuzz.example`))), iccid: likely(fc.constant(iccid)),
    k: likely(fc.constant(SET1.k)), opc: likely(fc.constant(SET1.opc)), sqn: likely(fc.constant('000000000009')),
    nafId: likely(fc.oneof(fc.constant(naf.nafId), fc.uint8Array({ maxLength: 8 }).map(toHex))), token: likely(fc.string({ minLength: 14, maxLength: 20 })),
    btid: likely(fc.constant(btid)), dataClasses: likely(fc.array(text, { maxLength: 3 })),
    lifetimeSeconds: likely(fc.integer({ min: -5, max: 100_000 })), advanceSeconds: likely(fc.integer({ min: -5, max: 100 })),
  };
  const body = fc.oneof(
    { weight: 4, arbitrary: fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: anyJson as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const routes = fc.oneof(
    fc.tuple(fc.constant(s.as.url), fc.constantFrom('subscribers', 'nafs', 'clock'), fc.constant('POST'), auth(asAdmin)),
    fc.tuple(fc.constant(s.as.url), fc.constant('policy'), fc.constant('PUT'), auth(asAdmin)),
    fc.tuple(fc.constant(s.as.url), fc.constant('rpb/bootstrap'), fc.constant('POST'), auth(digest)),
    fc.tuple(fc.constant(s.as.url), fc.constant('rpo/naf-key'), fc.constant('POST'), auth(fc.constant(`Bearer ${naf.token}`))),
    fc.tuple(fc.constant(s.rs.url), fc.constant('rights'), fc.constantFrom('PUT', 'DELETE'), auth(rsAdmin)),
    fc.tuple(fc.constant(s.rs.url), fc.constant('rpr/rights'), fc.constant('POST'), auth(fc.constant(`Bearer ${TOKENS.rpr}`))),
  );
  const allowed = new Set([200, 201, 400, 401, 403, 404, 405, 409, 410, 415]);
  const seen = new Map<string, number>();
  await fc.assert(fc.asyncProperty(routes, body, async ([base, path, method, authorization], b) => {
    const a = await call(`${base}/${path}`, method, b === undefined ? undefined : JSON.stringify(b), authorization === undefined ? {} : { authorization });
    assert.ok(allowed.has(a.status), `${method} ${path}: HTTP ${a.status} ${a.text}`);
    if (a.status >= 400) assert.equal(a.json.status, 'NOK', a.text);
    const code = a.status >= 400 ? (a.json.error as { code: string }).code : String(a.status);
    seen.set(code, (seen.get(code) ?? 0) + 1);
  }), { seed: 0x0bf6, numRuns: 300 });
  for (const code of ['200', '201', 'BAD_REQUEST', 'UNAUTHORISED', 'MALFORMED_AUTHORIZATION', 'AKA_CHALLENGE', 'STALE_NONCE']) assert.ok(seen.has(code), `the random requests never got ${code}: ${[...seen].join(' ')}`);
  assert.equal((await s.admin('policy', { lifetimeSeconds: 3600 }, 'PUT')).status, 200);
  const other = await provisioned(s);
  const again = await bootstrap(s, other.card);
  const naf2 = await registeredNaf(s, 'after', { iccid: other.iccid, dataClasses: [] });
  assert.equal((await nafKey(s, naf2.token, { btid: again.btid, nafId: naf2.nafId })).status, 200);
}));
