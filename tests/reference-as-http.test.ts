/**
 * The reference Application Server on real HTTP (startApplicationServer) against docs/profile/http-api.md:
 * transport (routes, methods, content type, body size), request validation, importKey, decryptData and
 * encryptData refusals with their documented code, HTTP status and field, interoperation with the reference SE,
 * and a property: random JSON objects never give a 500 or an undocumented status, and the server keeps answering.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fc from 'fast-check';
import { ReferenceSecureElement, startApplicationServer, type RunningServer } from '../reference-impl/index.ts';
import { referenceKeysFor } from '../adapters/reference/reference-sut.ts';
import { withLuhn } from '../protocol/iccid.ts';
import { encodeApdu, splitResponse, SW } from '../protocol/iso-7816.ts';
import { APDU, OBF_AID, OBF_TAR, keyIdentifierFor, profileSpi, type KeySet } from '../protocol/obf-profile.ts';
import { encodeCommandPacket, openCommandPacket } from '../protocol/ts-102-225.ts';
import { fromHex, readUint, toHex, writeUint } from '../protocol/hex.ts';
import { draftSamplePacket } from '../harness/draft-sample.ts';

/** Error codes and their HTTP status (http-api.md section 6). */
const ERROR_STATUS: Record<string, number> = {
  BAD_REQUEST: 400, INVALID_ICCID: 400, INVALID_KEY: 400, KEY_INDEX_MISMATCH: 400, MALFORMED_PACKET: 400,
  UNKNOWN_DEVICE: 404, UNKNOWN_KEY: 404, NOT_FOUND: 404, METHOD_NOT_ALLOWED: 405,
  REPLAY: 409, COUNTER_HIGH: 409, COUNTER_BLOCKED: 409, BODY_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415,
  INSUFFICIENT_SECURITY: 422, INTEGRITY_FAILED: 422, UNSUPPORTED_ALGORITHM: 422, INTERNAL_ERROR: 500,
};
const TEXT = new TextEncoder();

let server: RunningServer;
let iccidSeq = 100;
/** A fresh valid ICCID for each test, so tests do not share counters. */
const freshIccid = () => withLuhn(`8991000000${String(iccidSeq++).padStart(9, '0')}`);

before(async () => {
  server = await startApplicationServer();
});
after(async () => {
  await server.close();
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

async function request(path: string, init: RequestInit = {}, base = server.url): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`${init.method ?? 'GET'} ${path}: HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  assert.match(res.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/i, `${path}: content-type`);
  assert.equal(res.headers.get('cache-control'), 'no-store', `${path}: cache-control`);
  return { status: res.status, headers: res.headers, text, json };
}

function post(route: string, body: unknown, contentType = 'application/json', base = server.url): Promise<Answer> {
  return request(`/${route}`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) }, base);
}

/** The documented refusal: {"status":"NOK","error":{"code","message","field"?}} with the code's HTTP status. */
function expectError(a: Answer, code: string, field?: string | null): { code: string; message: string; field?: string } {
  assert.equal(a.status, ERROR_STATUS[code], `HTTP status for ${code}: ${a.text}`);
  const body = a.json as { status?: unknown; error?: { code?: unknown; message?: unknown; field?: unknown } };
  assert.equal(body.status, 'NOK', a.text);
  assert.equal(body.error?.code, code, a.text);
  assert.equal(typeof body.error?.message, 'string', a.text);
  assert.ok((body.error!.message as string).length > 0);
  if (field === null) assert.equal(body.error?.field, undefined, `no field expected: ${a.text}`);
  else if (field !== undefined) assert.equal(body.error?.field, field, a.text);
  const keys = Object.keys(body.error!).sort();
  assert.ok(keys.every((k) => ['code', 'field', 'message'].includes(k)), `unexpected error fields: ${a.text}`);
  return body.error as { code: string; message: string; field?: string };
}

function importBody(iccid: string, keyIndex: number, keyFunction: 'encrypt' | 'decrypt', keys: KeySet): Record<string, unknown> {
  return { iccid, keyIndex, keyFunction, algorithm: keys.algorithm, kic: toHex(keys.kic), kid: toHex(keys.kid) };
}

/** A device whose keys are imported: downlink keysets as 'encrypt', uplink as 'decrypt', key indexes 1 and 2. */
async function importedDevice(): Promise<{ iccid: string; keys: ReturnType<typeof referenceKeysFor>; card: ReferenceSecureElement }> {
  const iccid = freshIccid();
  const keys = referenceKeysFor(iccid);
  for (const index of [1, 2]) {
    assert.equal((await post('keys', importBody(iccid, index, 'encrypt', keys.downlink[index]))).status, 201);
    assert.equal((await post('keys', importBody(iccid, index, 'decrypt', keys.uplink[index]))).status, 201);
  }
  const card = new ReferenceSecureElement({ iccid, decryptionKeys: keys.downlink, encryptionKeys: keys.uplink });
  return { iccid, keys, card };
}

function seTransmit(card: ReferenceSecureElement, cla: number, ins: number, p1: number, p2: number, data: Uint8Array): { data: Uint8Array; sw: number } {
  const sel = splitResponse(card.transmit(encodeApdu({ cla: 0, ins: APDU.INS_SELECT, p1: 4, p2: 0, data: OBF_AID, le: null })));
  assert.equal(sel.sw, SW.OK);
  return splitResponse(card.transmit(encodeApdu({ cla, ins, p1, p2, data, le: 0 })));
}

/** Uplink data secured by the card (ENCRYPT DATA), as hex. */
function uplink(card: ReferenceSecureElement, text: string, keyIndex = 1, replayCheck = true): string {
  const r = seTransmit(card, APDU.CLA_PROPRIETARY, APDU.INS_ENCRYPT_DATA, keyIndex, replayCheck ? 1 : 0, TEXT.encode(text));
  assert.equal(r.sw, SW.OK);
  return toHex(r.data);
}

describe('reference AS over HTTP: transport', () => {
  test('the base URL ends with /obf/v1 on 127.0.0.1', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/obf\/v1$/);
  });

  test('GET /health answers 200 {"status":"UP","profile":"obf-test-profile/1"}; a query string is ignored', async () => {
    for (const path of ['/health', '/health?probe=1']) {
      const a = await request(path);
      assert.equal(a.status, 200);
      assert.deepEqual(a.json, { status: 'UP', profile: 'obf-test-profile/1' });
    }
  });

  test('a wrong method answers 405 METHOD_NOT_ALLOWED', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) expectError(await request('/health', { method }), 'METHOD_NOT_ALLOWED', null);
    for (const route of ['keys', 'decrypt', 'encrypt']) {
      for (const method of ['GET', 'PUT', 'DELETE']) expectError(await request(`/${route}`, { method }), 'METHOD_NOT_ALLOWED', null);
    }
    const head = await fetch(`${server.url}/keys`, { method: 'HEAD' });
    assert.equal(head.status, 405, 'HEAD on a POST route');
  });

  test('an unknown route answers 404 NOT_FOUND, whatever the method', async () => {
    for (const path of ['/', '/nope', '/health/', '/keys/', '/KEYS', '/keys/1', '/decrypt/x']) {
      expectError(await request(path), 'NOT_FOUND', null);
      expectError(await request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 'NOT_FOUND', null);
    }
    const origin = server.url.replace(/\/obf\/v1$/, '');
    expectError(await request('/obf/v2/health', {}, origin), 'NOT_FOUND', null);
    expectError(await request('/', {}, origin), 'NOT_FOUND', null);
  });

  test('a content-type other than application/json answers 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const route of ['keys', 'decrypt', 'encrypt']) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'application/json-patch+json', 'text/json', 'multipart/form-data; boundary=x']) {
        expectError(await post(route, '{}', type), 'UNSUPPORTED_MEDIA_TYPE', null);
      }
      // no content-type at all (a byte body gets none from fetch)
      expectError(await request(`/${route}`, { method: 'POST', body: TEXT.encode('{}') }), 'UNSUPPORTED_MEDIA_TYPE', null);
    }
  });

  test('application/json with parameters, in any case, is accepted', async () => {
    for (const type of ['application/json; charset=utf-8', 'Application/JSON', 'APPLICATION/JSON;charset=UTF-8', 'application/json ; charset=utf-8']) {
      expectError(await post('keys', '{}', type), 'BAD_REQUEST', 'iccid');
    }
  });

  test('a body that is not a JSON object answers 400 BAD_REQUEST without a field', async () => {
    for (const route of ['keys', 'decrypt', 'encrypt']) {
      for (const body of ['', '{', '{"iccid":', 'not json', '{"a":1,}', "{'a':1}", '[]', '[{"iccid":"1"}]', 'null', '"text"', '42', 'true', '\u0000']) {
        expectError(await post(route, body), 'BAD_REQUEST', null);
      }
    }
  });

  test('a body over 64 KiB answers 413 BODY_TOO_LARGE with the error object (not a dropped connection)', async () => {
    for (const route of ['keys', 'decrypt', 'encrypt']) {
      const body = JSON.stringify({ iccid: '89910000000000000012', keyIndex: 1, packet: 'A'.repeat(70_000) });
      expectError(await post(route, body), 'BODY_TOO_LARGE', null);
    }
    const exactly = '{"x":"' + ' '.repeat(65_536 - 8) + '"}';
    assert.equal(TEXT.encode(exactly).length, 65_536);
    expectError(await post('keys', exactly), 'BAD_REQUEST', 'iccid'); // exactly at the limit: read
    expectError(await post('keys', exactly + ' '), 'BODY_TOO_LARGE', null); // one byte over
    const health = await request('/health');
    assert.equal(health.status, 200, 'the server still answers');
  });

  test('a body of several megabytes (chunked, raw node:http) answers 413 too', async () => {
    const { hostname, port, pathname } = new URL(`${server.url}/decrypt`);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: hostname, port, path: pathname, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(256 * 1024, 0x41);
      for (let i = 0; i < 16; i++) req.write(chunk);
      req.end();
    });
    assert.equal(answer.status, 413);
    assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'BODY_TOO_LARGE');
  });
});

describe('reference AS over HTTP: request validation', () => {
  const valid = { iccid: '89910000000000000012', keyIndex: 1, keyFunction: 'encrypt', algorithm: 'aes', kic: '00'.repeat(16), kid: '11'.repeat(16), packet: '00', data: '41' };

  test('missing fields answer 400 BAD_REQUEST naming the field, in the documented order', async () => {
    const order: Record<string, string[]> = { keys: ['iccid', 'keyIndex', 'keyFunction', 'kic', 'kid'], decrypt: ['iccid', 'keyIndex', 'packet'], encrypt: ['iccid', 'keyIndex', 'data'] };
    for (const [route, fields] of Object.entries(order)) {
      for (let i = 0; i < fields.length; i++) {
        const body: Record<string, unknown> = { ...valid };
        for (const f of fields.slice(i)) delete body[f];
        const e = expectError(await post(route, body), 'BAD_REQUEST', fields[i]);
        assert.match(e.message, new RegExp(fields[i]));
      }
      expectError(await post(route, {}), 'BAD_REQUEST', 'iccid');
    }
  });

  test('wrong types answer 400 BAD_REQUEST naming the field; null is a wrong type', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['keys', { iccid: 8991000000000000 }, 'iccid'],
      ['keys', { iccid: null }, 'iccid'],
      ['keys', { keyIndex: '1' }, 'keyIndex'],
      ['keys', { keyIndex: null }, 'keyIndex'],
      ['keys', { keyIndex: true }, 'keyIndex'],
      ['keys', { keyIndex: [1] }, 'keyIndex'],
      ['keys', { keyFunction: 1 }, 'keyFunction'],
      ['keys', { keyFunction: 'sign' }, 'keyFunction'],
      ['keys', { algorithm: null }, 'algorithm'],
      ['keys', { kic: 16 }, 'kic'],
      ['keys', { kid: { hex: '00' } }, 'kid'],
      ['decrypt', { packet: null }, 'packet'],
      ['decrypt', { keyIndex: '1' }, 'keyIndex'],
      ['encrypt', { data: ['41'] }, 'data'],
      ['encrypt', { replayCheck: 'true' }, 'replayCheck'],
      ['encrypt', { replayCheck: 1 }, 'replayCheck'],
      ['encrypt', { replayCheck: null }, 'replayCheck'],
    ];
    for (const [route, patch, field] of cases) {
      expectError(await post(route, { ...valid, ...patch }), 'BAD_REQUEST', field);
    }
  });

  test('keyIndex 0, 16, 1.5, -1 and huge answer 400 BAD_REQUEST (field keyIndex)', async () => {
    for (const route of ['keys', 'decrypt', 'encrypt']) {
      for (const keyIndex of [0, 16, 1.5, -1, 255, 1e300]) {
        const e = expectError(await post(route, { ...valid, keyIndex }), 'BAD_REQUEST', 'keyIndex');
        assert.match(e.message, /1\.\.15/);
      }
    }
    // 1.0 is the integer 1 in JSON
    assert.notEqual((await post('encrypt', `{"iccid":"${valid.iccid}","keyIndex":1.0,"data":"41"}`)).status, 400);
  });

  test('bad hex answers 400 BAD_REQUEST naming the field; separators and 0x are accepted', async () => {
    for (const [route, field] of [['keys', 'kic'], ['keys', 'kid'], ['decrypt', 'packet'], ['encrypt', 'data']] as const) {
      for (const bad of ['0G', 'zz', '123', 'A', '0x0x00', '00-11', 'é0']) {
        expectError(await post(route, { ...valid, [field]: bad }), 'BAD_REQUEST', field);
      }
    }
    const iccid = freshIccid();
    const spaced = '00 01 02 03:04:05:06:07 08090A0B0C0D0E0F';
    assert.equal((await post('keys', { iccid, keyIndex: 1, keyFunction: 'encrypt', kic: spaced, kid: '0x' + '11'.repeat(16) })).status, 201);
  });

  test('hex longer than the field allows answers 400 BAD_REQUEST (kic/kid 32 bytes, packet 4096, data 200)', async () => {
    expectError(await post('keys', { ...valid, kic: '00'.repeat(33) }), 'BAD_REQUEST', 'kic');
    expectError(await post('keys', { ...valid, kid: '00'.repeat(33) }), 'BAD_REQUEST', 'kid');
    expectError(await post('decrypt', { ...valid, packet: '00'.repeat(4097) }), 'BAD_REQUEST', 'packet');
    expectError(await post('encrypt', { ...valid, data: '41'.repeat(201) }), 'BAD_REQUEST', 'data');
    expectError(await post('encrypt', { ...valid, data: '' }), 'BAD_REQUEST', 'data');
  });

  test('unknown fields are ignored', async () => {
    const iccid = freshIccid();
    const a = await post('keys', { iccid, keyIndex: 1, keyFunction: 'encrypt', kic: '00'.repeat(16), kid: '11'.repeat(16), extra: { nested: [1, 2] }, __proto__x: 1 });
    assert.equal(a.status, 201);
    assert.deepEqual(a.json, { status: 'OK' });
  });
});

describe('reference AS over HTTP: importKey', () => {
  test('a valid import answers 201 {"status":"OK"} for each algorithm and key length', async () => {
    const iccid = freshIccid();
    const cases: [string | undefined, number][] = [[undefined, 16], ['aes', 16], ['aes', 24], ['aes', 32], ['3des-2key', 16], ['3des-3key', 24]];
    for (const [algorithm, n] of cases) {
      const a = await post('keys', { iccid, keyIndex: 3, keyFunction: 'decrypt', ...(algorithm ? { algorithm } : {}), kic: 'ab'.repeat(n), kid: 'CD'.repeat(n) });
      assert.equal(a.status, 201, `${algorithm} ${n}: ${a.text}`);
      assert.equal(a.text, '{"status":"OK"}');
    }
  });

  test('an ICCID with a wrong Luhn digit, or not 18..20 digits, answers 400 INVALID_ICCID (field iccid)', async () => {
    const good = withLuhn('8991000000000000001');
    const badLuhn = good.slice(0, -1) + String((Number(good.at(-1)) + 1) % 10);
    for (const iccid of [badLuhn, '89910000000000000013', '1234567890123456', '123456789012345678901', '8991000000000000001X', '', ' 89910000000000000012', '８９９１０００００００００００００００１２']) {
      const e = expectError(await post('keys', { iccid, keyIndex: 1, keyFunction: 'encrypt', kic: '00'.repeat(16), kid: '11'.repeat(16) }), 'INVALID_ICCID', 'iccid');
      assert.ok(e.message.length > 10);
    }
    // 18- and 19-digit ICCIDs with a correct Luhn digit are valid
    for (const payload of ['89910000000000001', '899100000000000001']) {
      assert.equal((await post('keys', { iccid: withLuhn(payload), keyIndex: 1, keyFunction: 'encrypt', kic: '00'.repeat(16), kid: '11'.repeat(16) })).status, 201, payload);
    }
  });

  test('key lengths that do not fit the algorithm answer 400 INVALID_KEY naming kic or kid', async () => {
    const iccid = freshIccid();
    const cases: [string | undefined, number, number, string][] = [
      [undefined, 8, 16, 'kic'], ['aes', 15, 16, 'kic'], ['aes', 17, 16, 'kic'], ['aes', 16, 20, 'kid'], ['aes', 32, 0, 'kid'], ['aes', 0, 16, 'kic'],
      ['3des-2key', 24, 16, 'kic'], ['3des-2key', 16, 8, 'kid'], ['3des-2key', 32, 32, 'kic'],
      ['3des-3key', 16, 24, 'kic'], ['3des-3key', 24, 16, 'kid'], ['3des-3key', 24, 32, 'kid'],
    ];
    for (const [algorithm, kicLen, kidLen, field] of cases) {
      expectError(await post('keys', { iccid, keyIndex: 1, keyFunction: 'encrypt', ...(algorithm ? { algorithm } : {}), kic: 'aa'.repeat(kicLen), kid: 'bb'.repeat(kidLen) }), 'INVALID_KEY', field);
    }
    expectError(await post('encrypt', { iccid, keyIndex: 1, data: '41' }), 'UNKNOWN_DEVICE', 'iccid'); // nothing was stored
  });

  test('an unknown algorithm answers 400 BAD_REQUEST (field algorithm)', async () => {
    for (const algorithm of ['des', 'AES', 'aes-128', '3des', '3des-2key ', '', 'toString', '__proto__']) {
      expectError(await post('keys', { iccid: freshIccid(), keyIndex: 1, keyFunction: 'encrypt', algorithm, kic: '00'.repeat(16), kid: '11'.repeat(16) }), 'BAD_REQUEST', 'algorithm');
    }
  });
});

describe('reference AS over HTTP: decryptData', () => {
  test('opens the SE\'s uplink packet: data and counter; the same packet again is 409 REPLAY', async () => {
    const { iccid, card } = await importedDevice();
    const packet = uplink(card, '$HLM,battery=87');
    const ok = await post('decrypt', { iccid, keyIndex: 1, packet });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json, { data: toHex(TEXT.encode('$HLM,battery=87')), counter: '0000000001' });
    expectError(await post('decrypt', { iccid, keyIndex: 1, packet }), 'REPLAY', null);
    expectError(await post('decrypt', { iccid, keyIndex: 1, packet: packet.toLowerCase() }), 'REPLAY', null);
    const next = await post('decrypt', { iccid, keyIndex: 1, packet: '027000' + uplink(card, 'second') });
    assert.deepEqual(next.json, { data: toHex(TEXT.encode('second')), counter: '0000000002' });
  });

  test('an older packet after a newer one is 409 REPLAY; key index 2 (3DES) has its own counter', async () => {
    const { iccid, card } = await importedDevice();
    const first = uplink(card, 'one');
    const second = uplink(card, 'two');
    assert.equal((await post('decrypt', { iccid, keyIndex: 1, packet: second })).status, 200);
    expectError(await post('decrypt', { iccid, keyIndex: 1, packet: first }), 'REPLAY', null);
    const des = await post('decrypt', { iccid, keyIndex: 2, packet: uplink(card, 'three-des', 2) });
    assert.deepEqual(des.json, { data: toHex(TEXT.encode('three-des')), counter: '0000000001' });
  });

  test('an unknown ICCID answers 404 UNKNOWN_DEVICE (field iccid)', async () => {
    const { card } = await importedDevice();
    expectError(await post('decrypt', { iccid: freshIccid(), keyIndex: 1, packet: uplink(card, 'x') }), 'UNKNOWN_DEVICE', 'iccid');
  });

  test('no decrypt keyset at the key index answers 404 UNKNOWN_KEY (field keyIndex), even with an encrypt keyset there', async () => {
    const iccid = freshIccid();
    const keys = referenceKeysFor(iccid);
    assert.equal((await post('keys', importBody(iccid, 1, 'decrypt', keys.uplink[1]))).status, 201);
    assert.equal((await post('keys', importBody(iccid, 2, 'encrypt', keys.downlink[2]))).status, 201);
    const card = new ReferenceSecureElement({ iccid, decryptionKeys: keys.downlink, encryptionKeys: keys.uplink });
    expectError(await post('decrypt', { iccid, keyIndex: 2, packet: uplink(card, 'x', 2) }), 'UNKNOWN_KEY', 'keyIndex');
  });

  test('a malformed packet answers 400 MALFORMED_PACKET (field packet)', async () => {
    const { iccid, card } = await importedDevice();
    const packet = uplink(card, 'x');
    for (const bad of ['', '00', '0000', packet.slice(0, -2), packet + '00', '0028' + packet.slice(4, 6) + packet.slice(6), '027000', '00020C00']) {
      expectError(await post('decrypt', { iccid, keyIndex: 1, packet: bad }), 'MALFORMED_PACKET', 'packet');
    }
    // CHL 12
    expectError(await post('decrypt', { iccid, keyIndex: 1, packet: packet.slice(0, 4) + '0C' + packet.slice(6) }), 'MALFORMED_PACKET', 'packet');
  });

  test('a refused algorithm code answers 422 UNSUPPORTED_ALGORITHM (field packet)', async () => {
    const { iccid, card } = await importedDevice();
    const packet = uplink(card, 'x');
    // KIc 10 (implicit), 11 (single DES), 1D (DES-ECB) at key index 1
    for (const kic of ['10', '11', '1D', '16', '13']) {
      expectError(await post('decrypt', { iccid, keyIndex: 1, packet: packet.slice(0, 10) + kic + packet.slice(12) }), 'UNSUPPORTED_ALGORITHM', 'packet');
    }
  });

  test('a packet whose KIc or KID names another key index answers 400 KEY_INDEX_MISMATCH (field keyIndex)', async () => {
    const { iccid, card } = await importedDevice();
    const packet = uplink(card, 'x');
    const e = expectError(await post('decrypt', { iccid, keyIndex: 2, packet }), 'KEY_INDEX_MISMATCH', 'keyIndex');
    assert.match(e.message, /key index 1/);
    expectError(await post('decrypt', { iccid, keyIndex: 1, packet: packet.slice(0, 12) + '22' + packet.slice(14) }), 'KEY_INDEX_MISMATCH', 'keyIndex');
    expectError(await post('decrypt', { iccid, keyIndex: 15, packet }), 'KEY_INDEX_MISMATCH', 'keyIndex');
  });

  test('a tampered packet, another device\'s packet, or a KIc of another algorithm answers 422 INTEGRITY_FAILED', async () => {
    const a = await importedDevice();
    const b = await importedDevice();
    const packet = uplink(a.card, 'genuine');
    const last = packet.slice(-2);
    const tampered = packet.slice(0, -2) + (last === 'FF' ? '00' : 'FF');
    expectError(await post('decrypt', { iccid: a.iccid, keyIndex: 1, packet: tampered }), 'INTEGRITY_FAILED', null);
    const tamperedTar = packet.slice(0, 14) + 'A00004' + packet.slice(20); // TAR is covered by the CC
    expectError(await post('decrypt', { iccid: a.iccid, keyIndex: 1, packet: tamperedTar }), 'INTEGRITY_FAILED', null);
    expectError(await post('decrypt', { iccid: b.iccid, keyIndex: 1, packet }), 'INTEGRITY_FAILED', null);
    const desKic = packet.slice(0, 10) + '15' + packet.slice(12); // 3DES KIc at an AES key index
    expectError(await post('decrypt', { iccid: a.iccid, keyIndex: 1, packet: desKic }), 'INTEGRITY_FAILED', null);
    // a packet made with the downlink ('encrypt') keyset does not open with the uplink one
    const k = a.keys.downlink[1];
    const wrongDirection = encodeCommandPacket({ spi: profileSpi(true), kic: 0x12, kid: 0x12, tar: OBF_TAR, cntr: writeUint(7n, 5), data: TEXT.encode('x'), keys: { kic: k.kic, kid: k.kid } });
    expectError(await post('decrypt', { iccid: a.iccid, keyIndex: 1, packet: toHex(wrongDirection) }), 'INTEGRITY_FAILED', null);
    assert.equal((await post('decrypt', { iccid: a.iccid, keyIndex: 1, packet })).status, 200, 'the genuine packet was not used up');
  });

  test('a packet below the profile minimum answers 422 INSUFFICIENT_SECURITY: the draft sample, SPI 0E 00 from the SE', async () => {
    const { iccid, card } = await importedDevice();
    const e = expectError(await post('decrypt', { iccid, keyIndex: 1, packet: toHex(draftSamplePacket()) }), 'INSUFFICIENT_SECURITY', null);
    assert.match(e.message, /0100/);
    const noReplayCheck = uplink(card, 'x', 1, false);
    expectError(await post('decrypt', { iccid, keyIndex: 1, packet: noReplayCheck }), 'INSUFFICIENT_SECURITY', null);
    const k = referenceKeysFor(iccid).uplink[1];
    const clearCc = encodeCommandPacket({ spi: fromHex('1200'), kic: 0x12, kid: 0x12, tar: OBF_TAR, cntr: writeUint(9n, 5), data: TEXT.encode('x'), keys: { kic: k.kic, kid: k.kid } });
    expectError(await post('decrypt', { iccid, keyIndex: 1, packet: toHex(clearCc) }), 'INSUFFICIENT_SECURITY', null);
  });

  test('counter mode one-higher: a gap answers 409 COUNTER_HIGH; counter 2^40 - 1 blocks the index (409 COUNTER_BLOCKED)', async () => {
    const { iccid, keys } = await importedDevice();
    const k = keys.uplink[1];
    const make = (cntr: bigint, spi: string) => toHex(encodeCommandPacket({ spi: fromHex(spi), kic: 0x12, kid: 0x12, tar: OBF_TAR, cntr: writeUint(cntr, 5), data: TEXT.encode('x'), keys: { kic: k.kic, kid: k.kid } }));
    assert.equal((await post('decrypt', { iccid, keyIndex: 1, packet: make(1n, '1E00') })).status, 200);
    expectError(await post('decrypt', { iccid, keyIndex: 1, packet: make(3n, '1E00') }), 'COUNTER_HIGH', null);
    assert.equal((await post('decrypt', { iccid, keyIndex: 1, packet: make((1n << 40n) - 1n, '1600') })).status, 200);
    expectError(await post('decrypt', { iccid, keyIndex: 1, packet: make(5n, '1600') }), 'COUNTER_BLOCKED', null);
  });
});

describe('reference AS over HTTP: encryptData', () => {
  test('a command encrypted by the AS is deciphered by a reference SE personalised with the same keys', async () => {
    const { iccid, keys, card } = await importedDevice();
    for (const [index, n] of [[1, 1n], [1, 2n], [2, 1n]] as const) {
      const text = `#ip1 10.0.0.${n} 900${index}`;
      const a = await post('encrypt', { iccid, keyIndex: index, data: toHex(TEXT.encode(text)) });
      assert.equal(a.status, 200, a.text);
      const packet = (a.json as { packet: string }).packet;
      assert.match(packet, /^[0-9A-F]+$/, 'upper-case hex without separators');
      const p = openCommandPacket(fromHex(packet), keys.downlink[index]);
      assert.equal(toHex(p.spi.raw), '1600');
      assert.equal(p.kic.raw, keyIdentifierFor(keys.downlink[index].algorithm, index));
      assert.equal(toHex(p.tar), 'A00003');
      assert.equal(readUint(p.cntr), n);
      const r = seTransmit(card, APDU.CLA_PROPRIETARY, APDU.INS_DECRYPT_DATA, 0, APDU.P2_REPLAY_CHECK, fromHex(packet));
      assert.equal(r.sw.toString(16), '9000');
      assert.equal(new TextDecoder().decode(r.data), text);
    }
  });

  test('replayCheck false gives SPI 0E 00 and still advances the counter; the SE refuses it with ReplayCheck (6982)', async () => {
    const { iccid, keys, card } = await importedDevice();
    const a = await post('encrypt', { iccid, keyIndex: 1, data: '41', replayCheck: false });
    const packet = fromHex((a.json as { packet: string }).packet);
    const p = openCommandPacket(packet, keys.downlink[1]);
    assert.equal(toHex(p.spi.raw), '0E00');
    assert.equal(readUint(p.cntr), 1n);
    const b = await post('encrypt', { iccid, keyIndex: 1, data: '41', replayCheck: true });
    assert.equal(readUint(openCommandPacket(fromHex((b.json as { packet: string }).packet), keys.downlink[1]).cntr), 2n);
    assert.equal(seTransmit(card, 0x80, 0x5a, 0, 1, packet).sw.toString(16), '6982');
  });

  test('200 bytes of data fit one DECRYPT DATA APDU for both algorithms', async () => {
    const { iccid, card } = await importedDevice();
    for (const index of [1, 2]) {
      const a = await post('encrypt', { iccid, keyIndex: index, data: '23'.repeat(200) });
      const packet = fromHex((a.json as { packet: string }).packet);
      assert.ok(packet.length <= 255, `${packet.length} bytes`);
      assert.equal(seTransmit(card, 0x80, 0x5a, 0, 1, packet).sw.toString(16), '9000');
    }
  });

  test('an unknown device answers 404 UNKNOWN_DEVICE; no encrypt keyset at the index 404 UNKNOWN_KEY (even with a decrypt keyset)', async () => {
    expectError(await post('encrypt', { iccid: freshIccid(), keyIndex: 1, data: '41' }), 'UNKNOWN_DEVICE', 'iccid');
    const iccid = freshIccid();
    const keys = referenceKeysFor(iccid);
    await post('keys', importBody(iccid, 1, 'decrypt', keys.uplink[1]));
    expectError(await post('encrypt', { iccid, keyIndex: 1, data: '41' }), 'UNKNOWN_KEY', 'keyIndex');
    expectError(await post('encrypt', { iccid, keyIndex: 2, data: '41' }), 'UNKNOWN_KEY', 'keyIndex');
  });

  test('an invalid ICCID answers 400 INVALID_ICCID before the device is looked up', async () => {
    expectError(await post('encrypt', { iccid: '89910000000000000013', keyIndex: 1, data: '41' }), 'INVALID_ICCID', 'iccid');
    expectError(await post('decrypt', { iccid: '89910000000000000013', keyIndex: 1, packet: '00' }), 'INVALID_ICCID', 'iccid');
  });

  test('a re-import keeps the counters; the other key function is untouched', async () => {
    const { iccid, keys } = await importedDevice();
    await post('encrypt', { iccid, keyIndex: 1, data: '41' });
    assert.equal((await post('keys', importBody(iccid, 1, 'encrypt', keys.downlink[1]))).status, 201);
    const a = await post('encrypt', { iccid, keyIndex: 1, data: '41' });
    assert.equal(readUint(openCommandPacket(fromHex((a.json as { packet: string }).packet), keys.downlink[1]).cntr), 2n);
  });
});

describe('reference AS over HTTP: the examples of http-api.md section 8, byte for byte', () => {
  let docServer: RunningServer;
  before(async () => {
    docServer = await startApplicationServer();
  });
  after(async () => {
    await docServer.close();
  });
  const raw = async (route: string, body: string, type = 'application/json') => {
    const res = await fetch(`${docServer.url}/${route}`, { method: 'POST', headers: { 'content-type': type }, body });
    return `${await res.text()} HTTP ${res.status}`;
  };
  const ICCID = '89910000000000000012';
  const SE_PACKET = '00281516001212A00003A3DCFF8C38B34E1F48E6C1035BA4331BB0BB575B5A6EE31C692E8A7A49FA1C4F';

  test('health, imports, encrypt, decrypt, replay and the refusals answer exactly as documented', async () => {
    const health = await fetch(`${docServer.url}/health`);
    assert.equal(health.headers.get('content-length'), '46');
    assert.equal(await health.text(), '{"status":"UP","profile":"obf-test-profile/1"}');
    assert.equal(await raw('keys', `{"iccid":"${ICCID}","keyIndex":1,"keyFunction":"encrypt","algorithm":"aes","kic":"000102030405060708090A0B0C0D0E0F","kid":"101112131415161718191A1B1C1D1E1F"}`), '{"status":"OK"} HTTP 201');
    assert.equal(await raw('keys', `{"iccid":"${ICCID}","keyIndex":1,"keyFunction":"decrypt","kic":"202122232425262728292A2B2C2D2E2F","kid":"303132333435363738393A3B3C3D3E3F"}`), '{"status":"OK"} HTTP 201');
    assert.equal(await raw('encrypt', `{"iccid":"${ICCID}","keyIndex":1,"data":"236970312031302E32302E33302E34302039303031","replayCheck":true}`),
      '{"packet":"00381516001212A00003D8B4C7F33152D15F5CF90DF021B6EA93B9B9F5F0F36322BDA16EF2F59F4E0593134073A9F1F8B7E82AFCB63ABC462EB5"} HTTP 200');
    assert.equal(await raw('decrypt', `{"iccid":"${ICCID}","keyIndex":1,"packet":"${SE_PACKET}"}`), '{"data":"24484C4D2C626174746572793D3837","counter":"0000000001"} HTTP 200');
    assert.equal(await raw('decrypt', `{"iccid":"${ICCID}","keyIndex":1,"packet":"${SE_PACKET}"}`),
      '{"status":"NOK","error":{"code":"REPLAY","message":"counter 0000000001 refused (low); last accepted 0000000001"}} HTTP 409');
    assert.equal(await raw('decrypt', `{"iccid":"${ICCID}","keyIndex":2,"packet":"${SE_PACKET}"}`),
      '{"status":"NOK","error":{"code":"KEY_INDEX_MISMATCH","message":"the packet names key index 1 (KIc) / 1 (KID), the request 2","field":"keyIndex"}} HTTP 400');
    assert.equal(await raw('decrypt', `{"iccid":"89910000000000000013","keyIndex":1,"packet":"${SE_PACKET}"}`),
      '{"status":"NOK","error":{"code":"INVALID_ICCID","message":"ICCID 89910000000000000013: Luhn check digit is 3, should be 2","field":"iccid"}} HTTP 400');
    assert.equal(await raw('decrypt', `{"iccid":"89910000000000000020","keyIndex":1,"packet":"${SE_PACKET}"}`),
      '{"status":"NOK","error":{"code":"UNKNOWN_DEVICE","message":"no keys imported for ICCID 89910000000000000020","field":"iccid"}} HTTP 404');
    assert.equal(await raw('decrypt', `{"iccid":"${ICCID}","keyIndex":1,"packet":"${toHex(draftSamplePacket())}"}`),
      '{"status":"NOK","error":{"code":"INSUFFICIENT_SECURITY","message":"SPI 0100 is below the profile minimum (CC, ciphered, counter checked)"}} HTTP 422');
    assert.equal(await raw('decrypt', `{"iccid":"${ICCID}","keyIndex":1,"packet":"${SE_PACKET.slice(0, -2)}4E"}`),
      '{"status":"NOK","error":{"code":"INTEGRITY_FAILED","message":"the CC does not verify with this device\'s key (or deciphering failed)"}} HTTP 422');
    assert.equal(await raw('decrypt', `{"iccid":"${ICCID}","keyIndex":1,"packet":"${SE_PACKET.slice(0, 70)}"}`),
      '{"status":"NOK","error":{"code":"MALFORMED_PACKET","message":"CPL: says 40 bytes follow it, but 33 are present","field":"packet"}} HTTP 400');
    assert.equal(await raw('decrypt', `{"iccid":"${ICCID}","keyIndex":0,"packet":"00"}`),
      '{"status":"NOK","error":{"code":"BAD_REQUEST","message":"field \'keyIndex\' must be an integer 1..15, got 0","field":"keyIndex"}} HTTP 400');
    assert.equal(await raw('keys', '{}', 'text/plain'),
      '{"status":"NOK","error":{"code":"UNSUPPORTED_MEDIA_TYPE","message":"content-type must be application/json, got \'text/plain\'"}} HTTP 415');
  });
});

describe('reference AS over HTTP: random JSON objects (fast-check)', () => {
  let fuzzServer: RunningServer;
  before(async () => {
    fuzzServer = await startApplicationServer();
  });
  after(async () => {
    await fuzzServer.close();
  });

  test('every POST route answers JSON with 2xx or a documented 4xx, never 500, and /health keeps answering', async () => {
    const iccid = withLuhn('8991009999000000001');
    const scratch = withLuhn('8991009999000000003');
    const keys = referenceKeysFor(iccid);
    for (const index of [1, 2]) {
      assert.equal((await post('keys', importBody(iccid, index, 'encrypt', keys.downlink[index]), 'application/json', fuzzServer.url)).status, 201);
      assert.equal((await post('keys', importBody(iccid, index, 'decrypt', keys.uplink[index]), 'application/json', fuzzServer.url)).status, 201);
    }
    const card = new ReferenceSecureElement({ iccid, decryptionKeys: keys.downlink, encryptionKeys: keys.uplink });
    const genuine = [uplink(card, 'a', 1), uplink(card, 'b', 2), uplink(card, 'c', 1, false), toHex(draftSamplePacket()), uplink(card, 'd', 1), uplink(card, 'e', 1), uplink(card, 'f', 2)];
    const hexOf = (bytes: Uint8Array) => toHex(bytes);
    const packetArb = fc.oneof(
      fc.uint8Array({ maxLength: 80 }).map(hexOf),
      fc.tuple(fc.constantFrom(...genuine), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 15 })), { maxLength: 3 }), fc.integer({ min: -4, max: 4 }))
        .map(([hex, edits, cut]) => {
          const chars = hex.split('');
          for (const [at, v] of edits) chars[at % chars.length] = v.toString(16).toUpperCase();
          let out = chars.join('');
          if (cut < 0) out = out.slice(0, out.length + 2 * cut);
          if (cut > 0) out += '00'.repeat(cut);
          return out;
        }),
      fc.constantFrom(...genuine),
    );
    const anyJson = fc.jsonValue({ maxDepth: 2 });
    const keyLength = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(16, 24, 32) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 34 }) });
    const fields = {
      iccid: fc.oneof({ weight: 4, arbitrary: fc.constant(iccid) }, fc.constant(withLuhn('8991009999000000002')), fc.stringMatching(/^\d{17,21}$/), anyJson),
      keyIndex: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 2 }) }, fc.integer({ min: -1, max: 17 }), fc.double(), anyJson),
      keyFunction: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('encrypt', 'decrypt') }, anyJson),
      algorithm: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('aes', '3des-2key', '3des-3key') }, anyJson),
      kic: fc.oneof({ weight: 4, arbitrary: keyLength.map((n) => 'a5'.repeat(n)) }, anyJson),
      kid: fc.oneof({ weight: 4, arbitrary: keyLength.map((n) => '5A'.repeat(n)) }, anyJson),
      packet: fc.oneof({ weight: 4, arbitrary: packetArb }, anyJson),
      data: fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ maxLength: 210 }).map(hexOf) }, fc.string(), anyJson),
      replayCheck: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, anyJson),
    };
    const bodyArb = fc.oneof(
      { weight: 5, arbitrary: fc.record(fields) as fc.Arbitrary<unknown> },
      { weight: 3, arbitrary: fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<unknown> },
      { weight: 1, arbitrary: fc.object() as fc.Arbitrary<unknown> },
      { weight: 1, arbitrary: anyJson as fc.Arbitrary<unknown> },
    );
    const allowed = new Set([200, 201, 400, 404, 409, 413, 415, 422]);
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(bodyArb, async (body) => {
        for (const route of ['keys', 'decrypt', 'encrypt']) {
          // random imports go to a scratch device, so that the genuine packets keep opening
          const sent = route === 'keys' && typeof body === 'object' && body !== null && (body as Record<string, unknown>).iccid === iccid ? { ...body, iccid: scratch } : body;
          const res = await fetch(`${fuzzServer.url}/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sent), signal: AbortSignal.timeout(10_000) });
          const text = await res.text();
          let json: Record<string, unknown> & { status?: unknown; error?: { code?: unknown } };
          try {
            json = JSON.parse(text) as typeof json;
          } catch {
            assert.fail(`${route} ${JSON.stringify(body)}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
          }
          assert.ok(allowed.has(res.status), `${route} ${JSON.stringify(body)}: HTTP ${res.status} ${text}`);
          if (res.status < 300) {
            if (route === 'keys') assert.deepEqual({ ...json }, { status: 'OK' });
            if (route === 'decrypt') assert.equal(typeof json.data, 'string');
            if (route === 'encrypt') assert.equal(typeof json.packet, 'string');
            seen.set(`${route} ${res.status}`, (seen.get(`${route} ${res.status}`) ?? 0) + 1);
          } else {
            assert.equal(json.status, 'NOK', text);
            const code = json.error?.code as string;
            assert.equal(ERROR_STATUS[code], res.status, `${route}: code ${code} with HTTP ${res.status}`);
            seen.set(`${route} ${code}`, (seen.get(`${route} ${code}`) ?? 0) + 1);
          }
        }
      }),
      { seed: 0xa5a5, numRuns: 500 },
    );
    if (process.env.OBF_TEST_VERBOSE) console.log(JSON.stringify([...seen].sort()));
    const health = await request('/health', {}, fuzzServer.url);
    assert.equal(health.status, 200);
    // the generator reached beyond the field checks
    for (const reached of ['keys 201', 'encrypt 200', 'decrypt 200', 'decrypt REPLAY', 'decrypt INTEGRITY_FAILED', 'decrypt MALFORMED_PACKET', 'decrypt KEY_INDEX_MISMATCH']) assert.ok(seen.has(reached), `never reached ${reached}: ${JSON.stringify([...seen])}`);
  });
});
