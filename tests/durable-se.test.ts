/**
 * The reference SE's non-volatile memory in a file (reference-impl/secure-element/card-memory.ts; issue 7 item 3):
 * a card made again from its memory file is the same card. Its command counter still refuses a replay
 * (B.2.2.2.1 step 3, 6985), its uplink counter carries on (B.2.2.2.2), its GBA state keeps SQN_MS (a used AUTN
 * gets DC AUTS), Ks (NAF derivation gives the same key) and EF_GBABP (TS 33.220 G.1). Every write is atomic
 * (no temporary file left, always a whole image), and a file of another card or not an image is refused.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CardMemoryError, ReferenceSecureElement, type SecureElementPersonalisation } from '../reference-impl/index.ts';
import { referenceKeysFor } from '../adapters/reference/reference-sut.ts';
import { encodeApdu, splitResponse, SW } from '../protocol/iso-7816.ts';
import { APDU, OBF_AID, OBF_TAR, keyIdentifierFor, profileSpi } from '../protocol/obf-profile.ts';
import { decodeCommandPacket, encodeCommandPacket } from '../protocol/ts-102-225.ts';
import { fromHex, readUint, toHex, writeUint } from '../protocol/hex.ts';
import { withLuhn } from '../protocol/iccid.ts';
import { makeAuthenticationVector } from '../protocol/ts-33-102-aka.ts';
import { GBA, decodeGbaResponse, encodeBootstrapCommand, encodeNafCommand, gbaAuthenticateApdu } from '../protocol/ts-31-102-gba.ts';
import { nafId } from '../protocol/ts-33-220.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-durable-se-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ICCID = withLuhn('899100999900000001');
const KEYS = referenceKeysFor(ICCID);
const IMPI = `${ICCID}@ims.obf-reference.example`;
const PERSO: SecureElementPersonalisation = { iccid: ICCID, decryptionKeys: KEYS.downlink, encryptionKeys: KEYS.uplink, gba: { ...KEYS.gba, impi: IMPI } };
const NAF = nafId('tracker.durable.example');
const RAND = fromHex('00112233445566778899AABBCCDDEEFF');
const hexSw = (sw: number) => sw.toString(16).toUpperCase().padStart(4, '0');

function tx(card: ReferenceSecureElement, c: { cla: number; ins: number; p1: number; p2: number; data?: Uint8Array; le?: number | null }) {
  return splitResponse(card.transmit(encodeApdu({ data: new Uint8Array(0), le: null, ...c })));
}
function select(card: ReferenceSecureElement): void {
  assert.equal(hexSw(tx(card, { cla: 0, ins: APDU.INS_SELECT, p1: 0x04, p2: 0, data: OBF_AID }).sw), '9000');
}
/** A command from the Application Server (its encryption keys = the card's decryption keys), key index 1. */
function command(counter: bigint): Uint8Array {
  const keys = KEYS.downlink[1];
  const id = keyIdentifierFor(keys.algorithm, 1);
  return encodeCommandPacket({ spi: profileSpi(true), kic: id, kid: id, tar: OBF_TAR, cntr: writeUint(counter, 5), data: new TextEncoder().encode(`#ip1 10.0.0.${counter} 80`), keys: { kic: keys.kic, kid: keys.kid } });
}
const decrypt = (card: ReferenceSecureElement, packet: Uint8Array) => tx(card, { cla: APDU.CLA_PROPRIETARY, ins: APDU.INS_DECRYPT_DATA, p1: 1, p2: APDU.P2_REPLAY_CHECK, data: packet, le: 0 });
function uplinkCounter(card: ReferenceSecureElement): bigint {
  const r = tx(card, { cla: APDU.CLA_PROPRIETARY, ins: APDU.INS_ENCRYPT_DATA, p1: 1, p2: APDU.P2_REPLAY_CHECK, data: Uint8Array.of(1, 2, 3), le: 0 });
  assert.equal(hexSw(r.sw), '9000');
  return readUint(decodeCommandPacket(r.data, { kic: KEYS.uplink[1].kic, kid: KEYS.uplink[1].kid }).cntr!);
}
const RAND2 = fromHex('FFEEDDCCBBAA99887766554433221100');
const av = (sqn: string, rand = RAND) => ({ rand, autn: makeAuthenticationVector(KEYS.gba, rand, fromHex(sqn), fromHex('0000')).autn });
const bootstrap = (card: ReferenceSecureElement, v: { rand: Uint8Array; autn: Uint8Array }) => {
  const r = tx(card, { cla: 0, ins: GBA.INS_AUTHENTICATE, p1: 0, p2: GBA.P2_GBA_CONTEXT, data: encodeBootstrapCommand(v.rand, v.autn), le: 0 });
  return decodeGbaResponse(r.data, r.sw, 'bootstrap');
};
const nafKey = (card: ReferenceSecureElement) => {
  const r = splitResponse(card.transmit(gbaAuthenticateApdu(encodeNafCommand(NAF, IMPI))));
  const a = decodeGbaResponse(r.data, r.sw, 'naf');
  assert.equal(a.kind, 'success');
  return a.kind === 'success' ? toHex(a.value) : '';
};

describe('reference SE memory file', () => {
  const file = path.join(dir, 'card.json');

  test('a card made again from its memory file keeps its counters, keys and GBA state', () => {
    let card = new ReferenceSecureElement(PERSO, new Set(), file);
    assert.equal((statSync(file).mode & 0o777).toString(8), '600', 'the image holds keys: owner only');
    select(card);
    assert.equal(hexSw(decrypt(card, command(5n)).sw), '9000');
    assert.equal(uplinkCounter(card), 1n);
    assert.equal(uplinkCounter(card), 2n);
    assert.equal(bootstrap(card, av('000000000021')).kind, 'success');
    const key = nafKey(card);

    // Power cycle: nothing survives but the file. The personalisation given no longer matters (keys come from the file).
    card = new ReferenceSecureElement({ ...PERSO, decryptionKeys: {}, encryptionKeys: {} }, new Set(), file);
    select(card);
    assert.equal(hexSw(decrypt(card, command(5n)).sw), hexSw(SW.COUNTER_LOW), 'the command accepted before the restart is a replay after it');
    assert.equal(hexSw(decrypt(card, command(4n)).sw), hexSw(SW.COUNTER_LOW));
    assert.equal(hexSw(decrypt(card, command(6n)).sw), '9000', 'the keys survived');
    assert.equal(uplinkCounter(card), 3n, 'the uplink counter carries on');
    assert.equal(bootstrap(card, av('000000000021')).kind, 'sync-failure', 'SQN_MS survived: the used AUTN is stale');
    assert.equal(nafKey(card), key, 'Ks and RAND survived: the same Ks_ext_NAF');
    assert.equal(bootstrap(card, av('000000000022', RAND2)).kind, 'success');
    assert.notEqual(nafKey(card), key, 'a new bootstrap replaced Ks');

    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('card.json')), ['card.json'], 'no temporary file left');
    const image = JSON.parse(readFileSync(file, 'utf8')) as { lastAcceptedCounter: Record<string, string>; uplinkCounter: Record<string, string>; gba: { sqnMs: string } };
    assert.deepEqual(image.lastAcceptedCounter, { 1: '6' });
    assert.deepEqual(image.uplinkCounter, { 1: '3' });
    assert.equal(image.gba.sqnMs, '000000000022');
  });

  test('the memory file of another card, a file that is not a card image, or a missing folder is refused with CardMemoryError', () => {
    const other = { ...PERSO, iccid: withLuhn('899100999900000002') };
    assert.throws(() => new ReferenceSecureElement(other, new Set(), file), (e: unknown) => e instanceof CardMemoryError && /holds card/.test(e.message));
    const junk = path.join(dir, 'junk.json');
    writeFileSync(junk, 'not json');
    assert.throws(() => new ReferenceSecureElement(PERSO, new Set(), junk), CardMemoryError);
    writeFileSync(junk, JSON.stringify({ format: 'obf-reference-card/1', iccid: ICCID, decryptionKeys: {}, encryptionKeys: {}, lastAcceptedCounter: { 1: 'x' }, uplinkCounter: {}, gba: null }));
    assert.throws(() => new ReferenceSecureElement(PERSO, new Set(), junk), (e: unknown) => e instanceof CardMemoryError && /counter 1/.test(e.message));
    assert.throws(() => new ReferenceSecureElement(PERSO, new Set(), path.join(dir, 'none', 'card.json')), (e: unknown) => e instanceof CardMemoryError && /folder does not exist/.test(e.message));
  });

  test('a card whose memory cannot be written gives out nothing: 6581 memory failure', () => {
    const image = path.join(dir, 'card2.json');
    const card = new ReferenceSecureElement(PERSO, new Set(), image);
    select(card);
    // The image's name now holds a non-empty folder: the rename that commits the next write fails.
    rmSync(image);
    mkdirSync(path.join(image, 'x'), { recursive: true });
    const r = tx(card, { cla: APDU.CLA_PROPRIETARY, ins: APDU.INS_ENCRYPT_DATA, p1: 1, p2: APDU.P2_REPLAY_CHECK, data: Uint8Array.of(1), le: 0 });
    assert.equal(hexSw(r.sw), '6581');
    assert.equal(r.data.length, 0, 'no packet without its counter on disk');
  });
});
