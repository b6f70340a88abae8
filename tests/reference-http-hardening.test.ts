/**
 * Hardening of the reference servers' HTTP layer (reference-impl/http-json.ts; issue 7 item 5): loopback bind by
 * default, key import only with the admin token, the body size limit, structured errors without stack traces,
 * and slow-loris requests (headers or body never completed) cut off with 408 within the timeouts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { startApplicationServer, startAuthenticationServer, startResourceServer } from '../reference-impl/index.ts';
import { jsonRouter, listenJson, MAX_BODY } from '../reference-impl/http-json.ts';
import { rawExchange } from '../scripts/fuzz/http-client.ts';
import { withLuhn } from '../protocol/iccid.ts';

const token = () => randomBytes(24).toString('base64url');
const ICCID = withLuhn('899100000000000001');
const KEY_BODY = JSON.stringify({ iccid: ICCID, keyIndex: 1, keyFunction: 'encrypt', algorithm: 'aes', kic: '00'.repeat(16), kid: '11'.repeat(16) });

test('the three reference servers bind to 127.0.0.1 unless told otherwise', async () => {
  const t = { admin: token(), rpr: token(), auth: token() };
  const as = await startApplicationServer({ adminToken: token() });
  const rs = await startResourceServer({ adminToken: t.admin, rprToken: t.rpr });
  const auth = await startAuthenticationServer({ realm: 'bsf.test.example', adminToken: t.auth, resourceServer: { url: rs.url, token: t.rpr }, lifetimeSeconds: 60 });
  try {
    for (const s of [as, rs, auth]) assert.equal(new URL(s.url).hostname, '127.0.0.1');
  } finally {
    for (const s of [auth, rs, as]) await s.close();
  }
});

test('Application Server: key import needs the admin Bearer token when one is set; decrypt and health do not', async () => {
  const admin = token();
  const as = await startApplicationServer({ adminToken: admin });
  try {
    const post = (auth?: string) => fetch(`${as.url}/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: KEY_BODY });
    for (const auth of [undefined, `Bearer ${token()}`, 'Bearer', `Basic ${admin}`]) {
      const r = await post(auth);
      assert.equal(r.status, 401, String(auth));
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'UNAUTHORISED');
    }
    assert.equal((await post(`Bearer ${admin}`)).status, 201);
    const d = await fetch(`${as.url}/decrypt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ iccid: ICCID, keyIndex: 1, packet: '00' }) });
    assert.equal(d.status, 400); // MALFORMED_PACKET: reached the route, no credential asked
    assert.equal((await fetch(`${as.url}/health`)).status, 200);
  } finally {
    await as.close();
  }
  await assert.rejects(startApplicationServer({ adminToken: 'short' }), TypeError);
});

test('bodies over 65,536 bytes get 413 BODY_TOO_LARGE; errors carry no stack trace or source path', async () => {
  const as = await startApplicationServer();
  try {
    const r = await fetch(`${as.url}/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"x":"${'a'.repeat(MAX_BODY)}"}` });
    assert.equal(r.status, 413);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'BODY_TOO_LARGE');
    for (const [path, init] of [['/nope', {}], ['/keys', { method: 'PUT' }], ['/keys', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }]] as const) {
      const e = await fetch(`${as.url}${path}`, init);
      const text = await e.text();
      assert.ok(e.status >= 400 && e.status < 500, `${path}: ${e.status}`);
      assert.doesNotMatch(text, /\n\s+at |\.ts:\d+|node:internal/);
      assert.equal((JSON.parse(text) as { status: string }).status, 'NOK');
    }
  } finally {
    await as.close();
  }
});

/** Write `bytes`, then nothing more; resolve with the answer and how long the server took to give it. */
function slowClient(port: number, bytes: string): Promise<{ ms: number; text: string }> {
  return new Promise((resolve) => {
    const start = performance.now();
    const chunks: Buffer[] = [];
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => resolve({ ms: performance.now() - start, text: Buffer.concat(chunks).toString() }));
    setTimeout(() => s.destroy(), 10_000);
  });
}

test('slow-loris: headers never completed, or a body never completed, get 408 REQUEST_TIMEOUT and the connection closed within the timeouts', async () => {
  const server = await listenJson(jsonRouter({ '/echo': { POST: { body: 'json', handle: (req) => ({ status: 200, body: req.body }) } } }), { basePath: '', headersTimeoutMs: 400, requestTimeoutMs: 800 });
  const port = Number(new URL(server.url).port);
  try {
    const headers = await slowClient(port, 'POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: appl');
    const body = await slowClient(port, 'POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":');
    for (const [what, r, bound] of [['headers', headers, 400], ['body', body, 800]] as const) {
      assert.match(r.text, /^HTTP\/1\.1 408 /, what);
      assert.match(r.text, /"code":"REQUEST_TIMEOUT"/, what);
      // Node checks the timeouts every 100 ms here (a quarter of the headers timeout); 1.5 s of slack for a busy machine.
      assert.ok(r.ms < bound + 1500, `${what}: closed after ${r.ms.toFixed(0)} ms`);
    }
    // The server still answers afterwards.
    const ok = await rawExchange(port, Buffer.from('POST /echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 7\r\n\r\n{"a":1}'), { halfClose: false, timeoutMs: 2000 });
    assert.equal(ok.status, 200);
  } finally {
    await server.close();
  }
});
