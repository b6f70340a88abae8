/**
 * RPA in the reference implementation (docs/profile/apdus.md 10, http-api.md 9): INSTALL RPA KEYSET on the card,
 * checked against the Python-computed keys of tests/protocol-obf-rpa.test.ts (TS 35.208 set 1, the same RAND and
 * IMPI), and the Application Server as NAF: RPO over real HTTP on loopback, its refusals, the key lifetime.
 */
import { describe, test, before, after } from 'node:test';
import { readFile } from 'node:fs/promises';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReferenceSecureElement, startApplicationServer, type FaultName, type RunningServer } from '../reference-impl/index.ts';
import { encodeApdu, splitResponse, SW } from '../protocol/iso-7816.ts';
import { APDU, OBF_AID, keyIdentifierFor, profileSpi } from '../protocol/obf-profile.ts';
import { makeAuthenticationVector } from '../protocol/ts-33-102-aka.ts';
import { encodeBootstrapCommand, gbaAuthenticateApdu } from '../protocol/ts-31-102-gba.ts';
import { decodeCommandPacket, encodeCommandPacket } from '../protocol/ts-102-225.ts';
import { deriveRpaKeysets, installRpaKeysetApdu, rpaNafId } from '../protocol/obf-rpa.ts';
import { deriveNafKey } from '../protocol/ts-33-220.ts';
import { fromHex, toHex, writeUint } from '../protocol/hex.ts';
import { OBF_TAR } from '../protocol/obf-profile.ts';
import { ERROR_STATUS, bootstrap, call, expectError, provisioned, startGbaServers, type GbaServers } from './support/gba-servers.ts';

// The Application Server's RPA refusals (http-api.md 9), beside the Authentication Server's codes.
Object.assign(ERROR_STATUS, { UNKNOWN_NAF: 404, KEY_MATERIAL_REFUSED: 403, BTID_NOT_OF_DEVICE: 403, AUTHENTICATION_SERVER_UNAVAILABLE: 503, KEY_EXPIRED: 410 });
let nafSeq = 0;

const KEYS = { k: fromHex('465b5ce8b199b49faa5f0a2ee238a6bc'), opc: fromHex('cd63cb71954a9f4e48a5994e37a02baf') };
const RAND = fromHex('23553cbe9637a89d218ae64dae47bf35');
const IMPI = '404685505601234@ims.mnc068.mcc404.3gppnetwork.org';
const NAF = rpaNafId('vtams.state.example');
/** Ks_int_NAF of set 1 for NAF, computed with Python (tests/protocol-obf-rpa.test.ts). */
const KS_INT_NAF = 'DED24B91B1A9C17C445C1B496A244A01DA354973A4B97A841E037F2C62EF07FE';

const hexSw = (sw: number) => sw.toString(16).toUpperCase().padStart(4, '0');

function card(faults: FaultName[] = [], gba = true): ReferenceSecureElement {
  return new ReferenceSecureElement({ iccid: '89910000000000000012', decryptionKeys: {}, encryptionKeys: {}, ...(gba ? { gba: { ...KEYS, impi: IMPI } } : {}) }, new Set(faults));
}

function tx(c: ReferenceSecureElement, apdu: Uint8Array) {
  return splitResponse(c.transmit(apdu));
}

function bootstrapCard(c: ReferenceSecureElement, sqn: number): void {
  const v = makeAuthenticationVector(KEYS, RAND, writeUint(BigInt(sqn), 6), new Uint8Array(2));
  assert.equal(hexSw(tx(c, gbaAuthenticateApdu(encodeBootstrapCommand(RAND, v.autn))).sw), '9000');
}

const selectObf = (c: ReferenceSecureElement) => assert.equal(tx(c, encodeApdu({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: OBF_AID, le: null })).sw, SW.OK);
const install = (c: ReferenceSecureElement, p1 = 8, p2 = 0, data = NAF) => tx(c, encodeApdu({ cla: 0x80, ins: 0x5e, p1, p2, data, le: null }));
const encrypt = (c: ReferenceSecureElement, index: number, text: string) => tx(c, encodeApdu({ cla: 0x80, ins: APDU.INS_ENCRYPT_DATA, p1: index, p2: 1, data: new TextEncoder().encode(text), le: 0 }));

/** A NAF_Id for RPA (FQDN || FF 4F 42 46 01) registered at the Authentication Server with a fresh token. */
async function registeredRpaNaf(s: GbaServers, name: string): Promise<{ nafId: string; token: string }> {
  nafSeq++;
  const naf = { nafId: toHex(rpaNafId(`${name}-${nafSeq}.naf.example`)), token: `rpa-naf-token-${name}-${nafSeq}-xxxxxxxx` };
  assert.equal((await s.admin('nafs', naf)).status, 201);
  return naf;
}

describe('INSTALL RPA KEYSET on the reference card (apdus.md 10)', () => {
  test('installs the keysets derived from Ks_int_NAF: uplink and downlink packets match the Python-computed keys', () => {
    const c = card();
    bootstrapCard(c, 1);
    selectObf(c);
    const r = tx(c, installRpaKeysetApdu(NAF, 8));
    assert.equal(hexSw(r.sw), '9000');
    assert.equal(r.data.length, 0, 'Ks_int_NAF stays on the card');
    const keys = deriveRpaKeysets(fromHex(KS_INT_NAF));
    const up = encrypt(c, 8, 'hello');
    assert.equal(hexSw(up.sw), '9000');
    const opened = decodeCommandPacket(up.data, keys.uplink);
    assert.equal(opened.verified, true);
    assert.equal(Buffer.from(opened.data!).toString(), 'hello');
    const id = keyIdentifierFor('aes', 8);
    const down = encodeCommandPacket({ spi: profileSpi(true), kic: id, kid: id, tar: OBF_TAR, cntr: writeUint(1n, 5), data: new TextEncoder().encode('#ip1 1.2.3.4 80'), keys: keys.downlink });
    const d = tx(c, encodeApdu({ cla: 0x80, ins: APDU.INS_DECRYPT_DATA, p1: 0, p2: 1, data: down, le: 0 }));
    assert.equal(hexSw(d.sw), '9000');
    assert.equal(Buffer.from(d.data).toString(), '#ip1 1.2.3.4 80');
  });

  test('refusals: before a bootstrap 6985; P1 outside 08..0F or P2 not 00: 6A86; no NAF_Id: 6700; no GBA: 6D00', () => {
    const c = card();
    selectObf(c);
    assert.equal(hexSw(install(c).sw), '6985');
    bootstrapCard(c, 1);
    assert.equal(hexSw(install(c, 7).sw), '6A86');
    assert.equal(hexSw(install(c, 0x10).sw), '6A86');
    assert.equal(hexSw(install(c, 8, 1).sw), '6A86');
    assert.equal(hexSw(install(c, 8, 0, new Uint8Array(0)).sw), '6700');
    const plain = card([], false);
    selectObf(plain);
    assert.equal(hexSw(install(plain).sw), '6D00');
  });

  test('a new bootstrap erases the keysets (6A88) until they are installed again; the fault keeps them', () => {
    for (const [faults, after] of [[[], '6A88'], [['se-rpa-keyset-kept'], '9000']] as const) {
      const c = card([...faults]);
      bootstrapCard(c, 1);
      selectObf(c);
      assert.equal(hexSw(install(c).sw), '9000');
      bootstrapCard(c, 2);
      assert.equal(hexSw(encrypt(c, 8, 'x').sw), after, faults.join());
      assert.equal(hexSw(install(c).sw), '9000');
      assert.equal(hexSw(encrypt(c, 8, 'x').sw), '9000');
    }
  });

  test('property: any INSTALL RPA KEYSET (P1, P2, data) gets a status word of the profile and no data, never an internal error', () => {
    const c = card();
    bootstrapCard(c, 1);
    selectObf(c);
    const sws = new Set<number>(Object.values(SW));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 0, maxLength: 255 }), (p1, p2, data) => {
        const r = tx(c, encodeApdu({ cla: 0x80, ins: 0x5e, p1, p2, data, le: null }));
        assert.ok(sws.has(r.sw) && r.sw !== SW.INTERNAL_ERROR, `80 5E ${p1} ${p2}: ${hexSw(r.sw)}`);
        assert.equal(r.data.length, 0);
        if (r.sw === SW.OK) assert.ok(p1 >= 8 && p1 <= 15 && p2 === 0 && data.length > 0);
      }),
      { numRuns: 300 },
    );
  });

  test('fault se-rpa-key-exposed: the card answers Ks_int_NAF', () => {
    const c = card(['se-rpa-key-exposed']);
    bootstrapCard(c, 1);
    selectObf(c);
    assert.equal(toHex(install(c).data), KS_INT_NAF);
  });
});

test('the worked example of docs/profile/apdus.md section 10.4 is what the reference card answers', async () => {
  const doc = await readFile(new URL('../docs/profile/apdus.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### 10.4 Worked example'), doc.indexOf('### 10.5'));
  const block = /```\n([\s\S]*?)```/.exec(section)![1];
  // Each line: the direction, then hex groups separated by single spaces; two spaces start the comment.
  const lines = block.split('\n').filter((l) => l.startsWith('>> ') || l.startsWith('<< ')).map((l) => ({ dir: l.slice(0, 2), hex: l.slice(3).split(/\s{2,}/)[0].replace(/ /g, '') }));
  const c = card();
  bootstrapCard(c, 0xff9bb4d0b607);
  assert.equal(lines.length, 6);
  for (let i = 0; i < lines.length; i += 2) {
    assert.equal(lines[i].dir, '>>');
    const r = c.transmit(fromHex(lines[i].hex));
    assert.equal(toHex(r), lines[i + 1].hex.toUpperCase(), `answer to ${lines[i].hex}`);
  }
});

describe('the reference Application Server as NAF (http-api.md 9)', () => {
  let s: GbaServers;
  let as: RunningServer;
  const post = (path: string, body: unknown) => call(`${as.url}/${path}`, 'POST', body);

  before(async () => {
    s = await startGbaServers();
    as = await startApplicationServer({ authenticationServerUrl: s.as.url });
  });
  after(async () => {
    await as.close();
    await s.close();
  });

  async function rpaNaf(name: string, grantFor?: { iccid: string; dataClasses: string[] }) {
    const naf = await registeredRpaNaf(s, name);
    if (grantFor) assert.equal((await s.rsAdmin('PUT', { iccid: grantFor.iccid, nafId: naf.nafId, dataClasses: grantFor.dataClasses })).status, 200);
    assert.equal((await post('rpa/nafs', naf)).status, 201);
    return naf;
  }

  test('sets up the keysets from Ks_int_NAF over RPO; /encrypt then uses the downlink keyset', async () => {
    const { card: c, iccid } = await provisioned(s);
    const { btid, lifetime } = await bootstrap(s, c);
    const naf = await rpaNaf('fleet', { iccid, dataClasses: ['position'] });
    const a = await post('rpa/keys', { iccid, nafId: naf.nafId, btid, keyIndex: 9 });
    assert.equal(a.status, 201, a.text);
    assert.deepEqual(a.json, { status: 'OK', keyIndex: 9, lifetime });
    const e = await post('encrypt', { iccid, keyIndex: 9, data: '2369703120312E322E332E34203830' });
    assert.equal(e.status, 200, e.text);
    const keys = deriveRpaKeysets(deriveNafKey(c.ks!, c.rand!, c.impi, fromHex(naf.nafId), 'gba-u'));
    const p = decodeCommandPacket(fromHex(e.json.packet as string), keys.downlink);
    assert.equal(p.verified, true);
    assert.equal(Buffer.from(p.data!).toString(), '#ip1 1.2.3.4 80');
  });

  test('refusals: unknown NAF, key index outside 8..15, no rights, another device\'s B-TID, bad token', async () => {
    const { card: c, iccid } = await provisioned(s);
    const { btid } = await bootstrap(s, c);
    const other = await provisioned(s);
    const naf = await rpaNaf('insurer', { iccid, dataClasses: ['mileage'] });
    expectError(await post('rpa/keys', { iccid, nafId: 'AABB', btid, keyIndex: 8 }), 'UNKNOWN_NAF', 'nafId');
    expectError(await post('rpa/keys', { iccid, nafId: naf.nafId, btid, keyIndex: 2 }), 'BAD_REQUEST', 'keyIndex');
    const unentitled = await rpaNaf('intruder');
    const refused = expectError(await post('rpa/keys', { iccid, nafId: unentitled.nafId, btid, keyIndex: 8 }), 'KEY_MATERIAL_REFUSED', 'btid');
    assert.match(refused.message, /NO_RIGHTS/);
    assert.equal((await s.rsAdmin('PUT', { iccid: other.iccid, nafId: naf.nafId, dataClasses: ['mileage'] })).status, 200);
    expectError(await post('rpa/keys', { iccid: other.iccid, nafId: naf.nafId, btid, keyIndex: 8 }), 'BTID_NOT_OF_DEVICE', 'btid');
    expectError(await post('rpa/nafs', { nafId: naf.nafId, token: 'short' }), 'BAD_REQUEST', 'token');
  });

  test('without the Authentication Server\'s URL the set-up is 503 AUTHENTICATION_SERVER_UNAVAILABLE', async () => {
    const lone = await startApplicationServer();
    try {
      assert.equal((await call(`${lone.url}/rpa/nafs`, 'POST', { nafId: 'AABB', token: 'a-token-of-twenty-chars' })).status, 201);
      expectError(await call(`${lone.url}/rpa/keys`, 'POST', { iccid: '89910000000000000012', nafId: 'AABB', btid: 'x@y', keyIndex: 8 }), 'AUTHENTICATION_SERVER_UNAVAILABLE');
    } finally {
      await lone.close();
    }
  });
});

test('the AS stops using an RPA keyset when its key lifetime ends: 410 KEY_EXPIRED', async () => {
  const s = await startGbaServers({ lifetimeSeconds: 1 });
  const as = await startApplicationServer({ authenticationServerUrl: s.as.url });
  try {
    const { card: c, iccid } = await provisioned(s);
    const { btid } = await bootstrap(s, c);
    const { nafId, token } = await registeredRpaNaf(s, 'short');
    assert.equal((await s.rsAdmin('PUT', { iccid, nafId, dataClasses: [] })).status, 200);
    assert.equal((await call(`${as.url}/rpa/nafs`, 'POST', { nafId, token })).status, 201);
    assert.equal((await call(`${as.url}/rpa/keys`, 'POST', { iccid, nafId, btid, keyIndex: 8 })).status, 201);
    await new Promise((r) => setTimeout(r, 1100));
    expectError(await call(`${as.url}/encrypt`, 'POST', { iccid, keyIndex: 8, data: '00' }), 'KEY_EXPIRED', 'keyIndex');
  } finally {
    await as.close();
    await s.close();
  }
});
