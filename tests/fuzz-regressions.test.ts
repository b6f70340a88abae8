/**
 * Regression tests for what fuzzing found (scripts/fuzz/), one per finding, named after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startApplicationServer, startAuthenticationServer, startResourceServer } from '../reference-impl/index.ts';
import { rawExchange } from '../scripts/fuzz/http-client.ts';

const token = () => randomBytes(24).toString('base64url');

test('fuzz finding 1: a request Node\'s HTTP layer refuses (pipelined garbage, bad chunking, a bad request line, no Host) gets the JSON error object, not a bare 400', async () => {
  const as = await startApplicationServer();
  const port = Number(new URL(as.url).port);
  try {
    // The fuzzer's counterexample: a GET with a chunked body and garbage after it.
    const pipelined = 'GET /obf/v1/health HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n0\r\n\r\n';
    for (const raw of [pipelined, 'NOT HTTP AT ALL\r\n\r\n', 'POST /obf/v1/keys HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n']) {
      const a = await rawExchange(port, Buffer.from(raw, 'latin1'), { halfClose: false, timeoutMs: 3000 });
      assert.equal(a.timedOut, false);
      assert.match(a.headers['content-type'] ?? '', /^application\/json/, raw);
      const body = JSON.parse(a.body) as { status: string; error: { code: string } };
      assert.equal(body.status, 'NOK');
      if (a.status !== 200) assert.equal(body.error.code, 'BAD_REQUEST');
    }
    const huge = `GET /obf/v1/health HTTP/1.1\r\nhost: x\r\nx-filler: ${'a'.repeat(20_000)}\r\n\r\n`;
    const a = await rawExchange(port, Buffer.from(huge), { halfClose: false, timeoutMs: 3000 });
    assert.equal(a.status, 431);
    assert.equal((JSON.parse(a.body) as { error: { code: string } }).error.code, 'HEADERS_TOO_LARGE');
  } finally {
    await as.close();
  }
});

test('fuzz finding 2: the Authentication Server\'s clock hook refuses to pass 9000-01-01 instead of failing with 500 once past the Date range', async () => {
  const t = { admin: token(), rsAdmin: token(), rpr: token() };
  const rs = await startResourceServer({ adminToken: t.rsAdmin, rprToken: t.rpr });
  const auth = await startAuthenticationServer({ realm: 'bsf.fuzz.example', adminToken: t.admin, resourceServer: { url: rs.url, token: t.rpr }, lifetimeSeconds: 60 });
  try {
    const advance = async (seconds: number) => {
      const r = await fetch(`${auth.url}/clock`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.admin}` }, body: JSON.stringify({ advanceSeconds: seconds }) });
      return { status: r.status, body: (await r.json()) as { now?: string; error?: { code: string; field?: string } } };
    };
    // 315,360,000 s (ten years) at a time: before the fix the 27,392nd call got a 500. Here: until refused.
    let last = await advance(315_360_000);
    let calls = 1;
    while (last.status === 200 && calls < 30_000) {
      last = await advance(315_360_000);
      calls++;
    }
    assert.equal(last.status, 400, `after ${calls} calls: ${JSON.stringify(last.body)}`);
    assert.equal(last.body.error?.code, 'BAD_REQUEST');
    assert.equal(last.body.error?.field, 'advanceSeconds');
    assert.ok(calls < 800, `refused only after ${calls} calls`);
    const small = await advance(0);
    assert.equal(small.status, 200);
    assert.ok(small.body.now!.startsWith('8'), small.body.now);
  } finally {
    await auth.close();
    await rs.close();
  }
});
