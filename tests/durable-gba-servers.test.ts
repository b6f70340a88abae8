/**
 * Durable state of the reference Authentication Server and Resource Server (issue 7 item 3): `reference serve
 * --data <file>` is killed with SIGKILL and restarted on the same file. The B-TID of a bootstrap made before the kill
 * still gives the same Ks_NAF over RPO (draft 6.4.2; TS 33.220 4.5.3), with its lifetime; the registered
 * Application Server's token still works; a revocation acknowledged before the kill still holds (6.3.1 f, h); a
 * subscription transferred out stays transferred (6.3.1 c) and rights moved to a new ICCID stay moved (6.3.1 e); and
 * SQN_HE did not go back: the card accepts the next challenge without resynchronisation (TS 33.102 6.3.3).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startReferenceChild, type ReferenceChild } from '../cli/reference-child.ts';
import { SET1, TestCard, bearer, call, challengeOf, digestAuthorization, freshIdentity, freshNaf, type Answer } from './support/gba-servers.ts';
import { REFERENCE_REALM } from '../adapters/reference/reference-sut.ts';
import { BootstrapStore } from '../reference-impl/authentication-server/bootstrap-store.ts';
import { RightsStore } from '../reference-impl/resource-server/rights-store.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-durable-gba-'));
const data = path.join(dir, 'reference.db');
const children: ReferenceChild[] = [];
after(async () => {
  for (const c of children) await c.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<ReferenceChild> {
  const c = await startReferenceChild({ data });
  children.push(c);
  return c;
}

const PATH = '/obf/v1/auth/rpb/bootstrap';

/** RPB as the client and its card run it; returns the B-TID and whether the card had to resynchronise. */
async function bootstrap(s: ReferenceChild, card: TestCard): Promise<{ btid: string; lifetime: string; resynchronised: boolean }> {
  const post = (authorization: string) => call(`${s.authenticationServer}/rpb/bootstrap`, 'POST', undefined, { authorization });
  let a: Answer = await post(`Digest username="${card.impi}", realm="${REFERENCE_REALM}", nonce="", uri="${PATH}", response=""`);
  let resynchronised = false;
  for (let round = 0; round < 2; round++) {
    assert.equal(a.status, 401, a.text);
    const c = challengeOf(a);
    const r = card.authenticate(c.nonce);
    const answer = { impi: card.impi, nonce: c.nonce, opaque: c.opaque, realm: REFERENCE_REALM, uri: PATH };
    if (r.kind === 'ok') {
      const done = await post(digestAuthorization({ ...answer, password: r.res }));
      assert.equal(done.status, 200, done.text);
      return { btid: String(done.json.btid), lifetime: String(done.json.lifetime), resynchronised };
    }
    assert.equal(r.kind, 'sync-failure');
    if (r.kind !== 'sync-failure') break;
    resynchronised = true;
    a = await post(digestAuthorization({ ...answer, password: '', auts: r.auts }));
  }
  assert.fail('no bootstrap after one resynchronisation');
}

test('SIGKILL and restart on the same data file: B-TIDs, NAF registrations, rights, revocations, transfers and SQN_HE survive', { timeout: 60_000 }, async () => {
  let s = await start();
  const admin = (path: string, body: unknown) => call(`${s.authenticationServer}/${path}`, 'POST', body, bearer(s.tokens.authAdmin));
  const rights = (method: string, body: unknown) => call(`${s.resourceServer}/rights`, method, body, bearer(s.tokens.rsAdmin));
  const { impi, iccid } = freshIdentity();
  assert.equal((await admin('subscribers', { impi, iccid, k: SET1.k, opc: SET1.opc })).status, 201);
  const [kept, revoked] = [freshNaf('kept'), freshNaf('revoked')];
  for (const naf of [kept, revoked]) {
    assert.equal((await admin('nafs', naf)).status, 201);
    assert.equal((await rights('PUT', { iccid, nafId: naf.nafId, dataClasses: ['position', 'speed'] })).status, 200);
  }
  assert.equal((await rights('DELETE', { iccid, nafId: revoked.nafId })).status, 200);
  const card = new TestCard(impi);
  const first = await bootstrap(s, card);
  assert.equal(first.resynchronised, false);
  const rpo = (naf: { nafId: string; token: string }, btid: string) => call(`${s.authenticationServer}/rpo/naf-key`, 'POST', { btid, nafId: naf.nafId }, bearer(naf.token));
  const before = await rpo(kept, first.btid);
  assert.equal(before.status, 200, before.text);
  // A second subscriber moves to another provider; a third device's rights move to its new ICCID.
  const gone = freshIdentity();
  assert.equal((await admin('subscribers', { ...gone, k: SET1.k, opc: SET1.opc })).status, 201);
  assert.equal((await admin('subscribers/transfer-out', { impi: gone.impi })).status, 200);
  const [moved, movedTo] = [freshIdentity().iccid, freshIdentity().iccid];
  assert.equal((await rights('PUT', { iccid: moved, nafId: kept.nafId, dataClasses: ['fuel'] })).status, 200);
  const change = await call(`${s.resourceServer}/subscription-change`, 'POST', { iccid: moved, newIccid: movedTo, authenticationServer: { realm: 'bsf.other.example', url: 'http://127.0.0.1:9/obf/v1/auth' } }, bearer(s.tokens.rsAdmin));
  assert.equal(change.status, 200, change.text);

  assert.deepEqual(await s.stop('SIGKILL'), { code: null, signal: 'SIGKILL' });
  s = await start();

  const after = await rpo(kept, first.btid);
  assert.equal(after.status, 200, `the B-TID and the NAF's token survived: ${after.text}`);
  assert.equal(after.json.ksNaf, before.json.ksNaf, 'the same Ks_NAF: Ks and RAND survived');
  assert.equal(after.json.lifetime, first.lifetime, 'the same key lifetime');
  assert.deepEqual((after.json.settings as { dataClasses: string[] }).dataClasses, ['position', 'speed'], 'the rights survived');
  const refused = await rpo(revoked, first.btid);
  assert.equal((refused.json.error as { code: string }).code, 'NO_RIGHTS', `the revocation survived: ${refused.text}`);
  const transferred = await call(`${s.authenticationServer}/rpb/bootstrap`, 'POST', undefined, { authorization: `Digest username="${gone.impi}", realm="${REFERENCE_REALM}", nonce="", uri="${PATH}", response=""` });
  assert.equal((transferred.json.error as { code: string }).code, 'SUBSCRIPTION_TRANSFERRED', `the transfer survived: ${transferred.text}`);
  const exported = async (iccid: string) => (await call(`${s.resourceServer}/rights/export`, 'POST', { iccid }, bearer(s.tokens.rsAdmin))).json.rights;
  assert.deepEqual(await exported(movedTo), [{ nafId: kept.nafId, dataClasses: ['fuel'] }], 'the moved rights survived');
  assert.deepEqual(await exported(moved), []);

  const second = await bootstrap(s, card);
  assert.equal(second.resynchronised, false, 'SQN_HE did not go back: the card took the next challenge as fresh');
  assert.notEqual(second.btid, first.btid);
  assert.equal((await rpo(kept, first.btid)).status, 404, 'the new bootstrap replaced the old B-TID, durably too');
  assert.equal((await rpo(kept, second.btid)).status, 200);
  assert.deepEqual(await s.stop('SIGTERM'), { code: 0, signal: null });
});

test('servers of one kind sharing a data file keep their state apart (Authentication Servers by realm, Resource Servers by scope)', () => {
  const file = path.join(dir, 'shared.db');
  const a = BootstrapStore.open(file, 'bsf.a.example');
  const b = BootstrapStore.open(file, 'bsf.b.example');
  const ra = RightsStore.open(file, 'bsf.a.example');
  try {
    a.putSubscriber({ impi: 'same@ims.example', iccid: '89910000000000000012', keys: { k: new Uint8Array(16), opc: new Uint8Array(16) }, sqnHe: new Uint8Array(6) });
    b.putSubscriber({ impi: 'same@ims.example', iccid: '89910000000000000020', keys: { k: new Uint8Array(16).fill(1), opc: new Uint8Array(16) }, sqnHe: new Uint8Array(6) });
    ra.put('89910000000000000012', 'AB', { dataClasses: ['x'] });
  } finally {
    for (const s of [a, b, ra]) s.close();
  }
  const [a2, b2, rb] = [BootstrapStore.open(file, 'bsf.a.example'), BootstrapStore.open(file, 'bsf.b.example'), RightsStore.open(file, 'bsf.b.example')];
  try {
    assert.equal(a2.subscribers.get('same@ims.example')?.iccid, '89910000000000000012');
    assert.equal(b2.subscribers.get('same@ims.example')?.iccid, '89910000000000000020');
    assert.equal(rb.grants.size, 0);
  } finally {
    for (const s of [a2, b2, rb]) s.close();
  }
});
