/**
 * The harness adapters' contract (docs/architecture.md section 2): a silent SUT gives Inconclusive, an answer
 * outside the profile gives NonConformance, a refusal the profile defines is a result. Also the evidence trace:
 * both directions recorded with the status word decoded, and key material masked.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpApplicationServer } from '../adapters/http/application-server-client.ts';
import { TracedSecureElement, type ApduTransport } from '../adapters/apdu/traced-secure-element.ts';
import { Trace, maskKeyFields } from '../adapters/trace.ts';
import { Inconclusive, NonConformance } from '../harness/verdicts.ts';
import { ReferenceSecureElement, startApplicationServer } from '../reference-impl/index.ts';
import { referenceKeysFor } from '../adapters/reference/reference-sut.ts';
import { withLuhn } from '../protocol/iccid.ts';
import { toHex } from '../protocol/hex.ts';

const TIMEOUT_MS = 400;

/** A local HTTP server whose handler decides the answer; `hang` never answers. */
interface Stub {
  url: string;
  requests: { method: string; url: string; body: string }[];
  close(): Promise<void>;
}

async function stub(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<Stub> {
  const requests: Stub['requests'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/obf/v1`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function reply(status: number, body: string, type = 'application/json'): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
}

function client(baseUrl: string, trace: Trace | null = null): HttpApplicationServer {
  return new HttpApplicationServer({ baseUrl, timeoutMs: TIMEOUT_MS, trace: () => trace });
}

const IMPORT = { iccid: '89910000000000000012', keyIndex: 1, keyFunction: 'encrypt' as const, algorithm: 'aes' as const, kic: '000102030405060708090A0B0C0D0E0F', kid: '101112131415161718191A1B1C1D1E1F' };
const DECRYPT = { iccid: '89910000000000000012', keyIndex: 1, packet: '00' };
const ENCRYPT = { iccid: '89910000000000000012', keyIndex: 1, data: '41', replayCheck: true };

/** Run `fn` and return what it threw, asserting the class and that it came within `withinMs`. */
async function thrown<T extends Error>(fn: () => Promise<unknown>, cls: new (...args: never[]) => T, withinMs = TIMEOUT_MS + 1000): Promise<T> {
  const start = performance.now();
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  const elapsed = performance.now() - start;
  assert.ok(caught !== undefined, `expected ${cls.name}, nothing was thrown`);
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${(caught as Error)?.name}: ${(caught as Error)?.message}`);
  assert.equal(caught.name, cls.name, 'the verdict keys on the class name');
  assert.ok(elapsed < withinMs, `took ${Math.round(elapsed)} ms, more than ${withinMs} ms`);
  return caught;
}

describe('HttpApplicationServer: a silent or broken Application Server', () => {
  test('a server that never answers gives Inconclusive within the timeout + 1 s, for every call', async () => {
    const s = await stub(() => {
      /* never answer */
    });
    try {
      const trace = new Trace();
      const as = client(s.url, trace);
      const e = await thrown(() => as.importKey(IMPORT), Inconclusive);
      assert.match(e.message, new RegExp(`no answer within ${TIMEOUT_MS} ms`));
      await thrown(() => as.decryptData(DECRYPT), Inconclusive);
      await thrown(() => as.encryptData(ENCRYPT), Inconclusive);
      await thrown(() => as.postRaw('keys', '{}'), Inconclusive);
      assert.equal(s.requests.length, 4, 'the requests did reach the server');
      assert.ok(trace.entries.some((x) => x.direction === '<<' && /no answer within/.test(x.text)), 'the silence is in the trace');
    } finally {
      await s.close();
    }
  });

  test('a server that sends headers and then stalls the body gives Inconclusive', async () => {
    const s = await stub((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":');
    });
    try {
      await thrown(() => client(s.url).importKey(IMPORT), Inconclusive);
    } finally {
      await s.close();
    }
  });

  test('a closed port gives Inconclusive', async () => {
    const s = await stub(reply(200, '{}'));
    const url = s.url;
    await s.close();
    const trace = new Trace();
    const e = await thrown(() => client(url, trace).importKey(IMPORT), Inconclusive);
    assert.match(e.message, /connection failed/);
    await thrown(() => client(url).decryptData(DECRYPT), Inconclusive);
    assert.ok(trace.entries.some((x) => x.direction === '<<' && /connection failed/.test(x.text)));
  });

  test('a connection dropped without an answer gives Inconclusive', async () => {
    const s = await stub((req) => req.socket.destroy());
    try {
      await thrown(() => client(s.url).encryptData(ENCRYPT), Inconclusive);
    } finally {
      await s.close();
    }
  });

  test('an answer that is not JSON gives NonConformance (2xx and 4xx alike)', async () => {
    for (const [status, body, type] of [[200, '<html>OK</html>', 'text/html'], [201, 'OK', 'text/plain'], [400, 'Bad Request', 'text/plain'], [500, '', 'text/plain'], [200, '{"status":"OK"', 'application/json']] as const) {
      const s = await stub(reply(status, body, type));
      try {
        const e = await thrown(() => client(s.url).importKey(IMPORT), NonConformance);
        assert.match(e.message, /not JSON/);
        await thrown(() => client(s.url).postRaw('decrypt', '{}'), NonConformance);
      } finally {
        await s.close();
      }
    }
  });

  test('a 2xx without the profile\'s success fields gives NonConformance', async () => {
    const cases: [string, () => (as: HttpApplicationServer) => Promise<unknown>, string][] = [
      ['{}', () => (as) => as.importKey(IMPORT), 'keys'],
      ['{"status":"ok"}', () => (as) => as.importKey(IMPORT), 'keys'],
      ['{"status":true}', () => (as) => as.importKey(IMPORT), 'keys'],
      ['null', () => (as) => as.importKey(IMPORT), 'keys'],
      ['["OK"]', () => (as) => as.importKey(IMPORT), 'keys'],
      ['{"status":"OK"}', () => (as) => as.decryptData(DECRYPT), 'decrypt'],
      ['{"data":41}', () => (as) => as.decryptData(DECRYPT), 'decrypt'],
      ['{"data":null,"counter":"0000000001"}', () => (as) => as.decryptData(DECRYPT), 'decrypt'],
      ['{"status":"OK"}', () => (as) => as.encryptData(ENCRYPT), 'encrypt'],
      ['{"packet":["00"]}', () => (as) => as.encryptData(ENCRYPT), 'encrypt'],
      ['"00381516"', () => (as) => as.encryptData(ENCRYPT), 'encrypt'],
    ];
    for (const [body, call, route] of cases) {
      const s = await stub(reply(200, body));
      try {
        const e = await thrown(() => call()(client(s.url)), NonConformance);
        assert.match(e.message, /lacks the profile's fields/, body);
        assert.equal(s.requests[0].url, `/obf/v1/${route}`);
      } finally {
        await s.close();
      }
    }
  });

  test('a refusal without the profile\'s error object gives NonConformance', async () => {
    for (const [status, body] of [[400, '{}'], [400, '{"error":"BAD_REQUEST"}'], [404, '{"status":"NOK"}'], [409, '{"status":"NOK","error":{}}'], [422, '{"status":"NOK","error":{"code":422}}'], [400, '{"status":"ERROR","error":{"code":"BAD_REQUEST"}}'], [500, 'null'], [302, '{"status":"NOK"}']] as const) {
      const s = await stub(reply(status, body));
      try {
        const e = await thrown(() => client(s.url).decryptData(DECRYPT), NonConformance);
        assert.match(e.message, /without the profile's error object/, `${status} ${body}`);
        assert.match(e.message, new RegExp(`HTTP ${status}`));
      } finally {
        await s.close();
      }
    }
  });

  test('profile answers are results: success values and refusals with their code', async () => {
    const ok = await stub(reply(201, '{"status":"OK"}'));
    const refused = await stub(reply(409, '{"status":"NOK","error":{"code":"REPLAY","message":"counter low"}}'));
    const noMessage = await stub(reply(422, '{"status":"NOK","error":{"code":"INTEGRITY_FAILED"}}'));
    try {
      assert.deepEqual(await client(ok.url).importKey(IMPORT), { ok: true, httpStatus: 201, value: { status: 'OK' } });
      assert.deepEqual(await client(refused.url).decryptData(DECRYPT), { ok: false, httpStatus: 409, code: 'REPLAY', message: 'counter low' });
      assert.deepEqual(await client(noMessage.url).decryptData(DECRYPT), { ok: false, httpStatus: 422, code: 'INTEGRITY_FAILED', message: '' });
      assert.equal(ok.requests[0].method, 'POST');
      assert.deepEqual(JSON.parse(ok.requests[0].body), IMPORT);
    } finally {
      await Promise.all([ok.close(), refused.close(), noMessage.close()]);
    }
  });

  test('against the reference server: refusals are results, and the trace masks key fields', async () => {
    const server = await startApplicationServer();
    try {
      const trace = new Trace();
      const as = client(server.url, trace);
      assert.deepEqual(await as.importKey(IMPORT), { ok: true, httpStatus: 201, value: { status: 'OK' } });
      const bad = await as.importKey({ ...IMPORT, iccid: '89910000000000000013' });
      assert.equal(bad.ok, false);
      assert.equal(!bad.ok && bad.code, 'INVALID_ICCID');
      assert.equal(bad.httpStatus, 400);
      const raw = await as.postRaw('keys', 'not json');
      assert.equal(raw.httpStatus, 400);
      assert.equal((raw.body as { error: { code: string } }).error.code, 'BAD_REQUEST');
      const raw415 = await as.postRaw('encrypt', '{}', 'text/plain');
      assert.equal(raw415.httpStatus, 415);
      const rendered = trace.render();
      assert.ok(!rendered.includes(IMPORT.kic) && !rendered.includes(IMPORT.kid), rendered);
      assert.match(rendered, /"kic":"<16 bytes masked>"/);
      assert.match(rendered, /harness -> AS >> POST \/obf\/v1\/keys/);
      assert.match(rendered, /harness -> AS << 201 \{"status":"OK"\}/);
    } finally {
      await server.close();
    }
  });
});

describe('TracedSecureElement: a silent or broken SE', () => {
  const apdu = Uint8Array.from([0x00, 0xa4, 0x04, 0x00, 0x05, 0xf0, 0x4f, 0x42, 0x46, 0x01]);

  test('a transport that never resolves gives Inconclusive within the timeout + 1 s', async () => {
    const trace = new Trace();
    const se = new TracedSecureElement(() => new Promise<Uint8Array>(() => {}), 'harness -> SE A', () => trace, TIMEOUT_MS);
    const e = await thrown(() => se.transmit(apdu), Inconclusive);
    assert.match(e.message, /harness -> SE A: no response within 400 ms/);
    assert.equal(trace.entries.length, 2);
    assert.equal(trace.entries[1].direction, '<<');
    assert.match(trace.entries[1].text, /no response/);
  });

  test('a transport that rejects, or throws synchronously, gives Inconclusive', async () => {
    const rejecting = new TracedSecureElement(async () => {
      throw new Error('reader removed');
    }, 'harness -> SE A', () => null, TIMEOUT_MS);
    const e = await thrown(() => rejecting.transmit(apdu), Inconclusive);
    assert.match(e.message, /reader removed/);
    const throwing: ApduTransport = () => {
      throw new TypeError('card mute');
    };
    await thrown(() => new TracedSecureElement(throwing, 'x', () => null, TIMEOUT_MS).transmit(apdu), Inconclusive);
  });

  test('a response shorter than its status word gives NonConformance', async () => {
    for (const response of [Uint8Array.of(0x90), new Uint8Array(0)]) {
      const trace = new Trace();
      const se = new TracedSecureElement(async () => response, 'device A -> SE A', () => trace, TIMEOUT_MS);
      const e = await thrown(() => se.transmit(apdu), NonConformance);
      assert.match(e.message, /shorter than its status word/);
      assert.match(trace.entries[1].text, /malformed response/);
    }
  });

  test('a normal answer is split into data and SW; both directions are traced with the SW decoded', async () => {
    const trace = new Trace();
    const responses = [Uint8Array.of(0x90, 0x00), Uint8Array.of(0xde, 0xad, 0x90, 0x00), Uint8Array.of(0x69, 0x85), Uint8Array.of(0x12, 0x34)];
    let i = 0;
    const se = new TracedSecureElement(async () => responses[i++], 'device A -> SE A', () => trace, TIMEOUT_MS);
    assert.deepEqual(await se.transmit(apdu), { data: new Uint8Array(0), sw: 0x9000 });
    assert.deepEqual(await se.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x02)), { data: Uint8Array.of(0xde, 0xad), sw: 0x9000 });
    assert.deepEqual(await se.transmit(Uint8Array.of(0x80, 0x5a, 0x00, 0x01)), { data: new Uint8Array(0), sw: 0x6985 });
    assert.deepEqual(await se.transmit(Uint8Array.of(0x80)), { data: new Uint8Array(0), sw: 0x1234 }, 'an undefined SW is a result too');
    const lines = trace.entries.map((e) => `${e.channel} ${e.link} ${e.direction} ${e.text}`);
    assert.deepEqual(lines, [
      'apdu device A -> SE A >> SELECT: 00A40400 Lc=5 F04F424601',
      'apdu device A -> SE A << SW 9000 (OK)',
      'apdu device A -> SE A >> READ BINARY: 00B00000 Lc=0 Le=2 ',
      'apdu device A -> SE A << DEAD SW 9000 (OK)',
      'apdu device A -> SE A >> DECRYPT DATA (seDecryptData): 805A0001 Lc=0 ',
      'apdu device A -> SE A << SW 6985 (counter low: replay refused)',
      'apdu device A -> SE A >> 80',
      'apdu device A -> SE A << SW 1234 (not defined by the profile)',
    ]);
    for (const e of trace.entries) assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('with the reference SE as transport, refusals are results', async () => {
    const iccid = withLuhn('8991000000000000009');
    const keys = referenceKeysFor(iccid);
    const card = new ReferenceSecureElement({ iccid, decryptionKeys: keys.downlink, encryptionKeys: keys.uplink });
    const se = new TracedSecureElement(async (a) => card.transmit(a), 'harness -> SE A', () => null, TIMEOUT_MS);
    assert.equal((await se.transmit(Uint8Array.of(0x80, 0x5c, 0x01, 0x01, 0x01, 0x41, 0x00))).sw, 0x6a82);
    assert.equal((await se.transmit(Uint8Array.of(0x00))).sw, 0x6700);
  });

  test('the timer does not outlive a quick answer (no pending timeout keeps the process alive)', async () => {
    const se = new TracedSecureElement(async () => Uint8Array.of(0x90, 0x00), 'x', () => null, 60_000);
    const start = performance.now();
    for (let i = 0; i < 50; i++) await se.transmit(Uint8Array.of(0, 0xa4, 0, 0));
    assert.ok(performance.now() - start < 1000);
  });
});

describe('Trace: evidence and key masking', () => {
  const KEY = '000102030405060708090A0B0C0D0E0F';

  test('records entries with time, channel, link and direction; note() is a harness note', () => {
    const trace = new Trace();
    trace.record('http', '>>', 'harness -> AS', 'POST /keys {}');
    trace.note('device A: ICCID 89910000000000000012');
    assert.equal(trace.entries.length, 2);
    assert.deepEqual({ ...trace.entries[1], at: '' }, { at: '', channel: 'note', direction: '--', link: 'harness', text: 'device A: ICCID 89910000000000000012' });
    const lines = trace.render().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^\S+Z http {3}harness -> AS >> POST \/keys \{\}$/);
    assert.match(lines[1], /^\S+Z note {3}harness -- device A: ICCID 89910000000000000012$/);
  });

  test('render() masks a registered secret in upper-case, lower-case and mixed-case hex', () => {
    const trace = new Trace();
    trace.addSecret(KEY.toLowerCase());
    trace.record('apdu', '>>', 'l', `upper ${KEY} lower ${KEY.toLowerCase()} mixed ${'000102030405060708090a0B0c0D0e0F'} inside 99${KEY}99`);
    const out = trace.render();
    assert.ok(!out.toUpperCase().includes(KEY), out);
    assert.equal(out.match(/<key 16 bytes masked>/g)?.length, 4, out);
    assert.match(out, /inside 99<key 16 bytes masked>99/);
  });

  test('render() masks the base64 form of a registered secret', () => {
    const trace = new Trace();
    trace.addSecret(KEY);
    const b64 = Buffer.from(KEY, 'hex').toString('base64');
    assert.equal(b64, 'AAECAwQFBgcICQoLDA0ODw==');
    trace.record('http', '<<', 'l', `{"k":"${b64}"}`);
    const out = trace.render();
    assert.ok(!out.includes(b64), out);
    assert.ok(!out.includes(b64.replace(/=+$/, '')), out);
    assert.match(out, /<key masked>/);
  });

  test('render() masks every registered secret, including 3DES and 32-byte keys, and leaves other hex alone', () => {
    const keys = referenceKeysFor(withLuhn('8991000000000000011'));
    const trace = new Trace();
    const all = [...Object.values(keys.downlink), ...Object.values(keys.uplink)].flatMap((k) => [toHex(k.kic), toHex(k.kid)]);
    for (const k of all) trace.addSecret(k);
    const long = 'AB'.repeat(32);
    trace.addSecret(long);
    trace.record('note', '--', 'harness', [...all, ...all.map((k) => k.toLowerCase()), long, 'DEADBEEF00112233'].join(' '));
    const out = trace.render();
    for (const k of [...all, long]) assert.ok(!out.toUpperCase().includes(k), `${k} leaked`);
    assert.match(out, /<key 32 bytes masked>/);
    assert.match(out, /DEADBEEF00112233/);
  });

  test('secrets shorter than 4 bytes are not registered (they would mask ordinary data)', () => {
    const trace = new Trace();
    trace.addSecret('9000');
    trace.record('apdu', '<<', 'l', 'SW 9000');
    assert.match(trace.render(), /SW 9000$/);
  });

  test('the entries keep the raw text; only render() masks', () => {
    const trace = new Trace();
    trace.addSecret(KEY);
    trace.record('apdu', '>>', 'l', KEY);
    assert.equal(trace.entries[0].text, KEY);
    assert.equal(trace.mask(`x${KEY}x`), 'x<key 16 bytes masked>x');
  });

  test('several secrets in one pass: a secret containing another is masked whole, base64 forms too', () => {
    const trace = new Trace();
    const inner = KEY.slice(8, 24);
    trace.addSecret(inner);
    trace.addSecret(KEY);
    const other = '0123456789ABCDEF0123456789ABCDEF';
    trace.addSecret(other);
    const b64 = Buffer.from(other, 'hex').toString('base64');
    assert.equal(trace.mask(`a ${KEY.toLowerCase()} b ${inner} c ${b64} d`), 'a <key 16 bytes masked> b <key 8 bytes masked> c <key masked> d');
  });

  test('maskKeyFields masks kic, kid and key JSON fields, whatever the spacing or case', () => {
    const body = JSON.stringify({ iccid: '89910000000000000012', keyIndex: 1, kic: KEY, kid: KEY.toLowerCase(), key: 'AABBCCDD' });
    const masked = maskKeyFields(body);
    assert.equal(masked, '{"iccid":"89910000000000000012","keyIndex":1,"kic":"<16 bytes masked>","kid":"<16 bytes masked>","key":"<4 bytes masked>"}');
    assert.equal(maskKeyFields('{ "kic" : "0011223344556677", "KID":"00112233445566778899AABBCCDDEEFF0011223344556677" }'), '{ "kic" : "<8 bytes masked>", "KID":"<24 bytes masked>" }');
    assert.equal(maskKeyFields('{"packet":"0011","data":"41"}'), '{"packet":"0011","data":"41"}', 'other fields untouched');
    assert.equal(maskKeyFields('not json at all'), 'not json at all');
  });
});
