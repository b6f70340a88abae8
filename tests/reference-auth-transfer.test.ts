/**
 * Provider transfer at the reference Authentication Server (reference-impl/authentication-server/provider-transfer.ts)
 * against docs/profile/provider-transfer.md section 5, over real HTTP on loopback: two providers A and B sharing a
 * Resource Server; A signs a transfer for a partner only, ends the subscription, B takes it over from the statement
 * and the device bootstraps with B using the keys the card derives; every refusal code; the three server faults.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAuthenticationServer, startResourceServer, type FaultName, type RunningServer } from '../reference-impl/index.ts';
import { fromHex, toHex } from '../protocol/hex.ts';
import { decodeTransferStatement, deriveSubscription, providerKeyPairs, signTransferStatement, transferredImpi, verifyTransferStatement } from '../protocol/obf-provider-transfer.ts';
import { REALM, SET1, TOKENS, TestCard, bearer, bootstrap, bootstrapCall, call, expectError, freshIdentity, initialAuthorization, type Answer, type GbaServers } from './support/gba-servers.ts';

const SECRETS = {
  A: { signingSecret: new Uint8Array(32).fill(0xa1), keyAgreementSecret: new Uint8Array(32).fill(0xa2) },
  B: { signingSecret: new Uint8Array(32).fill(0xb1), keyAgreementSecret: new Uint8Array(32).fill(0xb2) },
};
const ID = { A: 'ims.operator-a.example', B: 'ims.operator-b.example' };
const KEYS = { A: providerKeyPairs(SECRETS.A.signingSecret, SECRETS.A.keyAgreementSecret), B: providerKeyPairs(SECRETS.B.signingSecret, SECRETS.B.keyAgreementSecret) };
const ADMIN = { A: TOKENS.asAdmin, B: 'auth-b-admin-token-0001' };

interface Deployment {
  rs: RunningServer;
  a: RunningServer;
  b: RunningServer;
  /** One GbaServers view per provider, for the support helpers (bootstrap). */
  view: { A: GbaServers; B: GbaServers };
  close(): Promise<void>;
}

/** `data`: a data file per provider (both use the realm the support helpers speak), for the restart test. */
async function deploy(faults: FaultName[] = [], data?: { A: string; B: string }): Promise<Deployment> {
  const set = new Set(faults);
  const rs = await startResourceServer({ adminToken: TOKENS.rsAdmin, rprToken: TOKENS.rpr, faults: set });
  const start = (p: 'A' | 'B') => startAuthenticationServer({ realm: REALM, adminToken: ADMIN[p], resourceServer: { url: rs.url, token: TOKENS.rpr }, lifetimeSeconds: 3600, provider: { id: ID[p], ...SECRETS[p] }, faults: set, data: data?.[p] });
  const a = await start('A');
  const b = await start('B');
  const view = (as: RunningServer, token: string): GbaServers => ({
    as, rs,
    admin: (path, body, method = 'POST') => call(`${as.url}/${path}`, method, body, bearer(token)),
    rsAdmin: (method, body) => call(`${rs.url}/rights`, method, body, bearer(TOKENS.rsAdmin)),
    close: async () => {},
  });
  return { rs, a, b, view: { A: view(a, ADMIN.A), B: view(b, ADMIN.B) }, close: async () => { await b.close(); await a.close(); await rs.close(); } };
}

const publicKeys = (p: 'A' | 'B') => ({ providerId: ID[p], signingKey: toHex(KEYS[p].signing.publicKey), keyAgreementKey: toHex(KEYS[p].keyAgreement.publicKey) });
const SE = providerKeyPairs(new Uint8Array(32).fill(0x11), new Uint8Array(32).fill(0x12));

async function agree(d: Deployment): Promise<void> {
  assert.equal((await d.view.A.admin('transfer/partners', publicKeys('B'))).status, 201);
  assert.equal((await d.view.B.admin('transfer/partners', publicKeys('A'))).status, 201);
}

/** A subscriber at A with the card's public key declared. */
async function subscriber(d: Deployment, withKey = true): Promise<{ impi: string; iccid: string }> {
  const id = freshIdentity();
  const a = await d.view.A.admin('subscribers', { ...id, k: SET1.k, opc: SET1.opc, ...(withKey ? { sePublicKey: toHex(SE.keyAgreement.publicKey) } : {}) });
  assert.equal(a.status, 201, a.text);
  return id;
}

const sign = (d: Deployment, iccid: string, to = publicKeys('B'), extra: object = {}) => d.view.A.admin('transfer/statements', { iccid, ...to, ...extra });
const takeOver = (d: Deployment, statement: string, p: 'A' | 'B' = 'B') => d.view[p].admin('transfer/subscriptions', { statement });

describe('provider transfer at the Authentication Server', () => {
  let d: Deployment;
  before(async () => {
    d = await deploy();
    await agree(d);
  });
  after(async () => d.close());

  test('GET transfer/provider publishes the id and public keys, without credentials; other methods 405', async () => {
    const a = await call(`${d.a.url}/transfer/provider`, 'GET');
    assert.equal(a.status, 200);
    assert.deepEqual(a.json, publicKeys('A'));
    expectError(await call(`${d.a.url}/transfer/provider`, 'POST', {}), 'METHOD_NOT_ALLOWED');
  });

  test('partners: admin only; keys must be an Ed25519 point and an X25519 key of large order; not oneself', async () => {
    expectError(await call(`${d.a.url}/transfer/partners`, 'POST', publicKeys('B')), 'UNAUTHORISED');
    expectError(await d.view.A.admin('transfer/partners', { ...publicKeys('B'), keyAgreementKey: '00'.repeat(32) }), 'INVALID_KEY', 'keyAgreementKey');
    expectError(await d.view.A.admin('transfer/partners', { ...publicKeys('B'), signingKey: 'FF'.repeat(32) }), 'INVALID_KEY', 'signingKey');
    expectError(await d.view.A.admin('transfer/partners', { ...publicKeys('B'), signingKey: 'AB' }), 'INVALID_KEY', 'signingKey');
    expectError(await d.view.A.admin('transfer/partners', { ...publicKeys('B'), providerId: 'not a name' }), 'BAD_REQUEST', 'providerId');
    expectError(await d.view.A.admin('transfer/partners', publicKeys('A')), 'BAD_REQUEST', 'providerId');
  });

  test('A signs a statement for the device to B: A\'s keys on it, the card\'s identity, sequence 1; then A no longer serves it', async () => {
    const sub = await subscriber(d);
    const card = new TestCard(sub.impi);
    const old = await bootstrap(d.view.A, card);
    const a = await sign(d, sub.iccid);
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.sequence, 1);
    const s = decodeTransferStatement(fromHex(a.json.statement as string));
    assert.ok(verifyTransferStatement(s, KEYS.A.signing.publicKey));
    assert.deepEqual([s.iccid, toHex(s.seKeyAgreementKey), s.providerId, toHex(s.keyAgreementKey)], [sub.iccid, toHex(SE.keyAgreement.publicKey), ID.B, toHex(KEYS.B.keyAgreement.publicKey)]);
    assert.equal(s.notAfter - s.notBefore, 86_400);
    assert.equal(new Date(s.notAfter * 1000).toISOString(), a.json.notAfter);
    // The old provider's keys stop working: no bootstrap, no second statement, no key for the old B-TID.
    const rpb = await bootstrapCall(d.view.A, initialAuthorization(sub.impi));
    assert.equal(rpb.status, 403);
    assert.equal((rpb.json.error as { code: string }).code, 'SUBSCRIPTION_TRANSFERRED');
    const again = await sign(d, sub.iccid);
    assert.equal(again.status, 409);
    assert.equal((again.json.error as { code: string }).code, 'SUBSCRIPTION_TRANSFERRED');
    const naf = { nafId: '6E61662E6578616D706C650100000002', token: 'naf-token-transfer-test-0001' };
    assert.equal((await d.view.A.admin('nafs', naf)).status, 201);
    const rpo = await call(`${d.a.url}/rpo/naf-key`, 'POST', { btid: old.btid, nafId: naf.nafId }, bearer(naf.token));
    assert.equal(rpo.status, 410, rpo.text);
    assert.equal((rpo.json.error as { code: string }).code, 'SUBSCRIPTION_TRANSFERRED');
  });

  test('A refuses: an unknown device, a subscriber without the card\'s public key, a provider without agreement or with other keys', async () => {
    expectError(await sign(d, freshIdentity().iccid), 'UNKNOWN_SUBSCRIBER', 'iccid');
    expectError(await sign(d, (await subscriber(d, false)).iccid), 'NO_SE_KEY', 'iccid');
    const rogue = providerKeyPairs(new Uint8Array(32).fill(0x51), new Uint8Array(32).fill(0x52));
    const sub = await subscriber(d);
    expectError(await sign(d, sub.iccid, { providerId: 'ims.rogue.example', signingKey: toHex(rogue.signing.publicKey), keyAgreementKey: toHex(rogue.keyAgreement.publicKey) }), 'UNKNOWN_PROVIDER', 'providerId');
    expectError(await sign(d, sub.iccid, { ...publicKeys('B'), keyAgreementKey: toHex(rogue.keyAgreement.publicKey) }), 'UNKNOWN_PROVIDER', 'providerId');
    expectError(await sign(d, sub.iccid, publicKeys('B'), { validitySeconds: 10 }), 'BAD_REQUEST', 'validitySeconds');
    expectError(await call(`${d.a.url}/transfer/statements`, 'POST', { iccid: sub.iccid, ...publicKeys('B') }), 'UNAUTHORISED');
  });

  test('B takes over from the statement; the card, with the keys it derives, bootstraps with B; a resubmission is a replay', async () => {
    const sub = await subscriber(d);
    const statement = (await sign(d, sub.iccid)).json.statement as string;
    const a = await takeOver(d, statement);
    assert.equal(a.status, 201, a.text);
    assert.deepEqual(a.json, { status: 'OK', impi: transferredImpi(sub.iccid, ID.B), iccid: sub.iccid, sequence: 1 });
    const s = decodeTransferStatement(fromHex(statement));
    const onCard = deriveSubscription(SE.keyAgreement.secretKey, s.keyAgreementKey, s.body);
    const b = await bootstrap(d.view.B, new TestCard(a.json.impi as string, new Uint8Array(6), onCard));
    assert.match(b.btid, /@bsf\.obf\.example$/);
    expectError(await takeOver(d, statement), 'REPLAYED_STATEMENT', 'statement');
  });

  test('B refuses: not a statement, one naming another provider, one no partner signed', async () => {
    expectError(await takeOver(d, 'zz'), 'MALFORMED_STATEMENT', 'statement');
    expectError(await takeOver(d, '00'.repeat(200)), 'MALFORMED_STATEMENT', 'statement');
    const sub = await subscriber(d);
    const statement = (await sign(d, sub.iccid)).json.statement as string;
    expectError(await takeOver(d, statement, 'A'), 'NOT_FOR_THIS_PROVIDER', 'statement');
    const s = decodeTransferStatement(fromHex(statement));
    const forged = signTransferStatement({ ...s, sequence: 7 }, new Uint8Array(32).fill(0x99));
    expectError(await takeOver(d, toHex(forged)), 'BAD_SIGNATURE', 'statement');
  });

  test('B refuses a statement outside its validity', async () => {
    const sub = await subscriber(d);
    const statement = (await sign(d, sub.iccid, publicKeys('B'), { validitySeconds: 60 })).json.statement as string;
    assert.equal((await d.view.B.admin('clock', { advanceSeconds: 120 })).status, 200);
    expectError(await takeOver(d, statement), 'STATEMENT_EXPIRED', 'statement');
  });
});

describe('Authentication Server faults of the provider transfer', () => {
  async function withFault(fault: FaultName, body: (d: Deployment) => Promise<void>): Promise<void> {
    const d = await deploy([fault]);
    try {
      await agree(d);
      await body(d);
    } finally {
      await d.close();
    }
  }

  test('auth-sign-unknown-provider: A signs for keys it has no agreement for', async () => withFault('auth-sign-unknown-provider', async (d) => {
    const rogue = providerKeyPairs(new Uint8Array(32).fill(0x51), new Uint8Array(32).fill(0x52));
    const a = await sign(d, (await subscriber(d)).iccid, { providerId: 'ims.rogue.example', signingKey: toHex(rogue.signing.publicKey), keyAgreementKey: toHex(rogue.keyAgreement.publicKey) });
    assert.equal(a.status, 201, a.text);
  }));

  test('auth-accept-unsigned-transfer: B takes over from a statement nobody it knows signed', async () => withFault('auth-accept-unsigned-transfer', async (d) => {
    const sub = await subscriber(d);
    const s = decodeTransferStatement(fromHex((await sign(d, sub.iccid)).json.statement as string));
    const a: Answer = await takeOver(d, toHex(signTransferStatement({ ...s, sequence: 9 }, new Uint8Array(32).fill(0x99))));
    assert.equal(a.status, 201, a.text);
  }));

  test('auth-serve-after-transfer: A keeps challenging the device after signing it over', async () => withFault('auth-serve-after-transfer', async (d) => {
    const sub = await subscriber(d);
    assert.equal((await sign(d, sub.iccid)).status, 201);
    expectError(await bootstrapCall(d.view.A, initialAuthorization(sub.impi)), 'AKA_CHALLENGE');
  }));
});

describe('provider transfer state in the data file', () => {
  test('partners, the card\'s public key, the sequence and a taken-over subscription survive a restart', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-transfer-'));
    const data = { A: path.join(dir, 'a.db'), B: path.join(dir, 'b.db') };
    try {
      let d = await deploy([], data);
      const moved = await subscriber(d);
      const waiting = await subscriber(d);
      let statement: string;
      try {
        await agree(d);
        statement = (await sign(d, moved.iccid)).json.statement as string;
        assert.equal((await takeOver(d, statement)).status, 201);
      } finally {
        await d.close();
      }
      d = await deploy([], data);
      try {
        expectError(await takeOver(d, statement), 'REPLAYED_STATEMENT', 'statement');
        const again = await sign(d, moved.iccid);
        assert.equal(again.status, 409, again.text);
        const next = await sign(d, waiting.iccid);
        assert.equal(next.status, 201, `partner and card key kept: ${next.text}`);
        const s = decodeTransferStatement(fromHex(statement));
        const onCard = deriveSubscription(SE.keyAgreement.secretKey, s.keyAgreementKey, s.body);
        await bootstrap(d.view.B, new TestCard(transferredImpi(moved.iccid, ID.B), new Uint8Array(6), onCard));
      } finally {
        await d.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
