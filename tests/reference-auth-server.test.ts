/**
 * The reference Authentication Server on real HTTP (docs/profile/gba-api.md): RPB (Digest AKA bootstrap with the
 * test playing the card on TS 35.208 set 1, wrong RES, resynchronisation, stale and unknown nonces, unknown IMPI),
 * RPO (Ks_NAF equal to the one computed here, unknown and expired B-TIDs, rights, another NAF's key, Resource
 * Server down), the admin API, and the worked example of gba-api.md. Malformed input and the faults: reference-gba-robustness.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { bTid, deriveNafKey, nafId } from '../protocol/ts-33-220.ts';
import { concatBytes, fromHex, readUint, toHex } from '../protocol/hex.ts';
import { digestResponse, parseAkaNonce, parseDigestHeader, verifyDigest } from '../protocol/rfc-3310-digest-aka.ts';
import { cardAuthenticate } from '../protocol/ts-33-102-aka.ts';
import { milenage } from '../protocol/milenage.ts';
import {
  BOOTSTRAP_PATH, REALM, SET1, SET1_KEYS, bootstrap, bootstrapCall, call, challengeOf, digestAuthorization, expectError,
  freshIdentity, initialAuthorization, nafKey, provisioned, registeredNaf, startGbaServers, type GbaServers,
} from './support/gba-servers.ts';

let s: GbaServers;
before(async () => {
  s = await startGbaServers();
});
after(async () => {
  await s.close();
});

/** SQN inside an AUTN: (SQN xor AK) xor AK. */
function sqnOf(nonce: string): bigint {
  const { rand, autn } = parseAkaNonce(nonce);
  const ak = milenage(SET1_KEYS.k, SET1_KEYS.opc, rand, new Uint8Array(6), new Uint8Array(2)).ak;
  return readUint(autn.slice(0, 6).map((b, i) => b ^ ak[i]));
}

describe('RPB: Digest AKA bootstrap', () => {
  test('challenge, card answer, B-TID and lifetime; then RPO gives the Ks_NAF the card derives', async () => {
    const { card, iccid } = await provisioned(s);
    const first = await bootstrapCall(s, initialAuthorization(card.impi));
    expectError(first, 'AKA_CHALLENGE', null);
    const c = challengeOf(first);
    assert.equal(c.realm, REALM);
    assert.equal(c.stale, undefined);
    assert.equal(sqnOf(c.nonce), 1n, 'the first vector carries SQN_HE + 1');
    const r = card.authenticate(c.nonce);
    assert.equal(r.kind, 'ok');
    if (r.kind !== 'ok') return;
    const cnonce = '0a4f113b';
    const before = Date.now();
    const ok = await bootstrapCall(s, digestAuthorization({ impi: card.impi, nonce: c.nonce, opaque: c.opaque, password: r.res, cnonce }));
    assert.equal(ok.status, 200, ok.text);
    const { rand } = parseAkaNonce(c.nonce);
    assert.equal(ok.json.btid, `${Buffer.from(rand).toString('base64')}@${REALM}`);
    const lifetime = Date.parse(ok.json.lifetime as string);
    assert.ok(lifetime >= before + 3_600_000 - 1000 && lifetime <= Date.now() + 3_600_000 + 1000, `lifetime ${ok.json.lifetime}`);
    const info = parseDigestHeader(`Digest ${ok.headers.get('authentication-info')}`);
    assert.equal(info.rspauth, digestResponse({ username: card.impi, realm: REALM, password: r.res, method: '', uri: BOOTSTRAP_PATH, nonce: c.nonce, nc: '00000001', cnonce, qop: 'auth' }));

    const naf = await registeredNaf(s, 'fleet', { iccid, dataClasses: ['position', 'alarms'] });
    const key = await nafKey(s, naf.token, { btid: ok.json.btid, nafId: naf.nafId });
    assert.equal(key.status, 200, key.text);
    const expected = deriveNafKey(card.ks!, rand, card.impi, fromHex(naf.nafId), 'gba-me');
    const expectedInt = deriveNafKey(card.ks!, rand, card.impi, fromHex(naf.nafId), 'gba-u');
    assert.deepEqual(key.json, { ksNaf: toHex(expected), ksIntNaf: toHex(expectedInt), lifetime: ok.json.lifetime, impi: card.impi, iccid, settings: { dataClasses: ['position', 'alarms'] } });
  });

  test('SQN_HE advances with every vector', async () => {
    const { card } = await provisioned(s, '00000000002A');
    const sqns = [];
    for (let i = 0; i < 3; i++) sqns.push(sqnOf(challengeOf(await bootstrapCall(s, initialAuthorization(card.impi))).nonce));
    assert.deepEqual(sqns, [0x2bn, 0x2cn, 0x2dn]);
  });

  test('a wrong RES is AUTH_FAILED and uses up the nonce: the right RES on it is then stale', async () => {
    const { card } = await provisioned(s);
    const c = challengeOf(await bootstrapCall(s, initialAuthorization(card.impi)));
    const r = card.authenticate(c.nonce);
    assert.equal(r.kind, 'ok');
    if (r.kind !== 'ok') return;
    const wrong = r.res.map((b, i) => (i === 0 ? b ^ 1 : b));
    expectError(await bootstrapCall(s, digestAuthorization({ impi: card.impi, nonce: c.nonce, opaque: c.opaque, password: wrong })), 'AUTH_FAILED', null);
    const again = await bootstrapCall(s, digestAuthorization({ impi: card.impi, nonce: c.nonce, opaque: c.opaque, password: r.res }));
    expectError(again, 'STALE_NONCE');
    assert.equal(challengeOf(again).stale, 'TRUE');
  });

  test('a client reporting a MAC-A failure (empty password, no auts) is AUTH_FAILED', async () => {
    const { card } = await provisioned(s);
    const c = challengeOf(await bootstrapCall(s, initialAuthorization(card.impi)));
    expectError(await bootstrapCall(s, digestAuthorization({ impi: card.impi, nonce: c.nonce, opaque: c.opaque, password: '' })), 'AUTH_FAILED');
  });

  test('resynchronisation: the card is ahead, sends AUTS, the server takes SQN_MS and the bootstrap succeeds', async () => {
    const { card } = await provisioned(s);
    card.sqnMs = fromHex('000000001000');
    const c = challengeOf(await bootstrapCall(s, initialAuthorization(card.impi)));
    const r = card.authenticate(c.nonce);
    assert.equal(r.kind, 'sync-failure');
    if (r.kind !== 'sync-failure') return;
    const resync = await bootstrapCall(s, digestAuthorization({ impi: card.impi, nonce: c.nonce, opaque: c.opaque, password: '', auts: r.auts }));
    expectError(resync, 'SQN_RESYNCHRONISED');
    assert.equal(sqnOf(challengeOf(resync).nonce), 0x1001n);
    const c2 = challengeOf(resync);
    const r2 = card.authenticate(c2.nonce);
    if (r2.kind !== 'ok') return assert.fail(r2.kind);
    const ok = await bootstrapCall(s, digestAuthorization({ impi: card.impi, nonce: c2.nonce, opaque: c2.opaque, password: r2.res }));
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.json.btid as string, /@bsf\.obf\.example$/);
  });

  test('an AUTS whose MAC-S does not verify is RESYNC_FAILED; one sent with a password too', async () => {
    const { card } = await provisioned(s);
    card.sqnMs = fromHex('000000000100');
    for (const [tamper, password] of [[true, ''], [false, 'not-empty']] as const) {
      const c = challengeOf(await bootstrapCall(s, initialAuthorization(card.impi)));
      const r = card.authenticate(c.nonce);
      if (r.kind !== 'sync-failure') return assert.fail(r.kind);
      const auts = tamper ? r.auts.map((b, i) => (i === 13 ? b ^ 0x80 : b)) : r.auts;
      expectError(await bootstrapCall(s, digestAuthorization({ impi: card.impi, nonce: c.nonce, opaque: c.opaque, password, auts })), 'RESYNC_FAILED');
    }
  });

  test('unknown IMPI: UNKNOWN_SUBSCRIBER, and the answer does not repeat the identity', async () => {
    const impi = freshIdentity().impi;
    const a = await bootstrapCall(s, initialAuthorization(impi));
    expectError(a, 'UNKNOWN_SUBSCRIBER', null);
    assert.ok(!a.text.includes(impi.split('@')[0]));
    assert.equal(a.headers.get('www-authenticate'), null);
  });

  test('a nonce the server never issued, or issued for another IMPI, gets a fresh stale challenge', async () => {
    const { card } = await provisioned(s);
    const other = await provisioned(s);
    const forged = Buffer.alloc(32, 7).toString('base64');
    const a = await bootstrapCall(s, digestAuthorization({ impi: card.impi, nonce: forged, password: 'x' }));
    expectError(a, 'STALE_NONCE');
    assert.equal(challengeOf(a).stale, 'TRUE');
    const theirs = challengeOf(await bootstrapCall(s, initialAuthorization(other.card.impi)));
    expectError(await bootstrapCall(s, digestAuthorization({ impi: card.impi, nonce: theirs.nonce, opaque: theirs.opaque, password: 'x' })), 'STALE_NONCE');
  });

  test('no Authorization: IDENTITY_REQUIRED with a Digest AKA challenge asking for the IMPI', async () => {
    const a = await bootstrapCall(s);
    expectError(a, 'IDENTITY_REQUIRED');
    assert.equal(a.headers.get('www-authenticate'), `Digest realm="${REALM}", nonce="", algorithm=AKAv1-MD5, qop="auth"`);
  });

  test('a new bootstrap replaces the previous B-TID of the subscriber', async () => {
    const { card, iccid } = await provisioned(s);
    const old = await bootstrap(s, card);
    const fresh = await bootstrap(s, card);
    const naf = await registeredNaf(s, 'replace', { iccid, dataClasses: [] });
    expectError(await nafKey(s, naf.token, { btid: old.btid, nafId: naf.nafId }), 'UNKNOWN_BTID', 'btid');
    assert.equal((await nafKey(s, naf.token, { btid: fresh.btid, nafId: naf.nafId })).status, 200);
  });
});

describe('RPO: Ks_NAF for an Application Server', () => {
  test('unknown B-TID: UNKNOWN_BTID', async () => {
    const naf = await registeredNaf(s, 'nobtid');
    expectError(await nafKey(s, naf.token, { btid: `AAAAAAAAAAAAAAAAAAAAAA==@${REALM}`, nafId: naf.nafId }), 'UNKNOWN_BTID', 'btid');
  });

  test('the lifetime policy and the clock hook: expired B-TID is BTID_EXPIRED', async () => {
    const srv = await startGbaServers();
    try {
      assert.deepEqual((await srv.admin('policy', { lifetimeSeconds: 60 }, 'PUT')).json, { status: 'OK', lifetimeSeconds: 60 });
      const { card, iccid } = await provisioned(srv);
      const b = await bootstrap(srv, card);
      assert.ok(Math.abs(Date.parse(b.lifetime) - Date.now() - 60_000) < 2000, b.lifetime);
      const naf = await registeredNaf(srv, 'clock', { iccid, dataClasses: ['x'] });
      assert.equal((await srv.admin('clock', { advanceSeconds: 59 })).status, 200);
      assert.equal((await nafKey(srv, naf.token, { btid: b.btid, nafId: naf.nafId })).status, 200);
      const moved = await srv.admin('clock', { advanceSeconds: 2 });
      assert.ok(Date.parse(moved.json.now as string) >= Date.parse(b.lifetime));
      expectError(await nafKey(srv, naf.token, { btid: b.btid, nafId: naf.nafId }), 'BTID_EXPIRED', 'btid');
    } finally {
      await srv.close();
    }
  });

  test('a NAF without rights, and one whose rights were revoked: NO_RIGHTS', async () => {
    const { card, iccid } = await provisioned(s);
    const { btid } = await bootstrap(s, card);
    const none = await registeredNaf(s, 'norights');
    expectError(await nafKey(s, none.token, { btid, nafId: none.nafId }), 'NO_RIGHTS', null);
    const revoked = await registeredNaf(s, 'revoked', { iccid, dataClasses: ['alarms'] });
    assert.equal((await nafKey(s, revoked.token, { btid, nafId: revoked.nafId })).status, 200);
    assert.equal((await s.rsAdmin('DELETE', { iccid, nafId: revoked.nafId })).status, 200);
    expectError(await nafKey(s, revoked.token, { btid, nafId: revoked.nafId }), 'NO_RIGHTS');
  });

  test("a NAF asking for another NAF's key: NAF_NOT_AUTHORISED; an unknown token: UNAUTHORISED", async () => {
    const { card, iccid } = await provisioned(s);
    const { btid } = await bootstrap(s, card);
    const mine = await registeredNaf(s, 'mine', { iccid, dataClasses: [] });
    const theirs = await registeredNaf(s, 'theirs', { iccid, dataClasses: ['all'] });
    expectError(await nafKey(s, mine.token, { btid, nafId: theirs.nafId }), 'NAF_NOT_AUTHORISED', 'nafId');
    const a = await nafKey(s, 'never-registered-token-1234', { btid, nafId: mine.nafId });
    expectError(a, 'UNAUTHORISED');
    assert.equal(a.headers.get('www-authenticate'), `Bearer realm="${REALM}", error="invalid_token"`);
    expectError(await call(`${s.as.url}/rpo/naf-key`, 'POST', { btid, nafId: mine.nafId }), 'UNAUTHORISED');
  });

  test('Resource Server down: RESOURCE_SERVER_UNAVAILABLE', async () => {
    const srv = await startGbaServers();
    const { card, iccid } = await provisioned(srv);
    const { btid } = await bootstrap(srv, card);
    const naf = await registeredNaf(srv, 'down', { iccid, dataClasses: [] });
    await srv.rs.close();
    try {
      expectError(await nafKey(srv, naf.token, { btid, nafId: naf.nafId }), 'RESOURCE_SERVER_UNAVAILABLE', null);
    } finally {
      await srv.as.close();
    }
  });
});

describe('admin API', () => {
  test('a subscriber: created, duplicate refused, keys of the wrong length refused', async () => {
    const { impi, iccid } = freshIdentity();
    const body = { impi, iccid, k: SET1.k, opc: SET1.opc };
    assert.deepEqual((await s.admin('subscribers', body)).json, { status: 'OK' });
    expectError(await s.admin('subscribers', body), 'DUPLICATE_SUBSCRIBER', 'impi');
    const other = freshIdentity();
    expectError(await s.admin('subscribers', { ...other, k: SET1.k.slice(2), opc: SET1.opc }), 'INVALID_KEY', 'k');
    expectError(await s.admin('subscribers', { ...other, k: SET1.k, opc: `${SET1.opc}00` }), 'INVALID_KEY', 'opc');
    expectError(await s.admin('subscribers', { ...other, k: SET1.k, opc: SET1.opc, sqn: '0001' }), 'BAD_REQUEST', 'sqn');
  });

  test('a NAF token: re-registering the NAF rotates it; a token in use by another NAF or the admin is refused', async () => {
    const a = await registeredNaf(s, 'rot');
    const b = await registeredNaf(s, 'other');
    expectError(await s.admin('nafs', { nafId: b.nafId, token: a.token }), 'TOKEN_IN_USE', 'token');
    expectError(await s.admin('nafs', { nafId: b.nafId, token: 'auth-admin-token-0001' }), 'TOKEN_IN_USE', 'token');
    assert.equal((await s.admin('nafs', { nafId: a.nafId, token: 'rotated-token-for-naf-a' })).status, 201);
    expectError(await nafKey(s, a.token, { btid: 'x@y', nafId: a.nafId }), 'UNAUTHORISED');
    expectError(await nafKey(s, 'rotated-token-for-naf-a', { btid: 'x@y', nafId: a.nafId }), 'UNKNOWN_BTID');
  });

  test('every admin route needs the admin token', async () => {
    for (const [path, method] of [['subscribers', 'POST'], ['nafs', 'POST'], ['policy', 'PUT'], ['clock', 'POST']]) {
      expectError(await call(`${s.as.url}/${path}`, method, {}), 'UNAUTHORISED');
      expectError(await call(`${s.as.url}/${path}`, method, {}, { authorization: 'Bearer rs-admin-token-00001' }), 'UNAUTHORISED');
    }
  });
});

test('the worked example of docs/profile/gba-api.md section 8 is what the card, Digest and the KDF give', async () => {
  const doc = await readFile(new URL('../docs/profile/gba-api.md', import.meta.url), 'utf8');
  const grab = (re: RegExp) => {
    const m = re.exec(doc);
    assert.ok(m, `${re} not found in gba-api.md`);
    return m[1];
  };
  const challenge = parseDigestHeader(grab(/^<< www-authenticate: (Digest .*)$/m));
  const answer = parseDigestHeader(grab(/^>> authorization: (Digest .*response="[0-9a-f]{32}".*)$/m));
  const info = parseDigestHeader(`Digest ${grab(/^<< authentication-info: (.*)$/m)}`);
  const boot = JSON.parse(grab(/^<< (\{"btid".*\})$/m)) as { btid: string; lifetime: string };
  const key = JSON.parse(grab(/^<< 200 (\{"ksNaf".*\})$/m)) as { ksNaf: string; ksIntNaf: string; lifetime: string; impi: string };
  const naf = (JSON.parse(grab(/^>> (\{"btid".*\})$/m)) as { nafId: string }).nafId;
  const { rand, autn } = parseAkaNonce(challenge.nonce);
  assert.equal(grab(/RAND `([0-9A-F]{32})`/), toHex(rand));
  assert.equal(grab(/AUTN `([0-9A-F]{32})`/), toHex(autn));
  const r = cardAuthenticate(SET1_KEYS, rand, autn, new Uint8Array(6));
  if (r.kind !== 'ok') return assert.fail(r.kind);
  assert.equal(grab(/SQN `([0-9A-F]{12})`/), toHex(r.sqn));
  assert.equal(grab(/RES `([0-9A-F]{16})`/), toHex(r.res));
  assert.equal(grab(/CK\s+`([0-9A-F]{32})`/), toHex(r.ck));
  assert.equal(grab(/IK\s+`([0-9A-F]{32})`/), toHex(r.ik));
  assert.equal(answer.nonce, challenge.nonce);
  assert.equal(answer.opaque, challenge.opaque);
  assert.equal(answer.uri, BOOTSTRAP_PATH);
  assert.ok(verifyDigest(answer, { password: r.res, method: 'POST' }));
  assert.equal(info.rspauth, digestResponse({ username: answer.username, realm: REALM, password: r.res, method: '', uri: answer.uri, nonce: answer.nonce, nc: answer.nc, cnonce: answer.cnonce, qop: 'auth' }));
  assert.equal(boot.btid, bTid(rand, REALM));
  assert.equal(naf, toHex(nafId('fleet.naf.example')));
  assert.equal(key.ksNaf, toHex(deriveNafKey(concatBytes(r.ck, r.ik), rand, answer.username, fromHex(naf))));
  assert.equal(key.ksIntNaf, toHex(deriveNafKey(concatBytes(r.ck, r.ik), rand, answer.username, fromHex(naf), 'gba-u')));
  assert.equal(key.impi, answer.username);
  assert.equal(key.lifetime, boot.lifetime);
  const len = (n: number) => `\`00 ${n.toString(16).toUpperCase().padStart(2, '0')}\``;
  assert.ok(doc.includes(`IMPI || ${len(answer.username.length)} ||`) && doc.includes(`NAF_Id || ${len(fromHex(naf).length)})`), 'KDF lengths in the text');
});
