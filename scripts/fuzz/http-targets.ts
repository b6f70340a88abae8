/**
 * Fuzz targets of the reference servers on real HTTP (loopback): the Application Server, the Authentication
 * Server and the Resource Server, every route, with random and route-shaped JSON (wrong types, missing fields),
 * random bytes, huge bodies, bodies shorter than their Content-Length, broken chunking, wrong content types,
 * wrong methods and paths, and good, wrong and malformed Authorization headers. Documented outcome
 * (docs/profile/http-api.md 6-7, gba-api.md): an answer with a JSON body, a refusal as
 * {"status":"NOK","error":{"code","message"}}, never 500 and never a stack trace; or, for a request the client
 * cut short, a refusal or a closed connection; always within the bound.
 */
import { randomBytes as cryptoRandom } from 'node:crypto';
import fc from 'fast-check';
import { toHex, writeUint } from '../../protocol/hex.ts';
import { withLuhn } from '../../protocol/iccid.ts';
import { OBF_TAR, keyIdentifierFor, profileSpi } from '../../protocol/obf-profile.ts';
import { encodeCommandPacket } from '../../protocol/ts-102-225.ts';
import { startApplicationServer, startAuthenticationServer, startResourceServer, type RunningServer } from '../../reference-impl/index.ts';
import { rawExchange } from './http-client.ts';
import { type AnyProperty, type FuzzTarget, finding, mutated } from './target.ts';

const ICCID = withLuhn('899100999900000002');
const UNKNOWN_ICCID = withLuhn('899100999900000003');
const IMPI = `${ICCID}@ims.fuzz.example`;
const NAF_ID = toHex(new TextEncoder().encode('naf.fuzz.example')) + '0100000002';
const KEY = 'A1'.repeat(16);

/** Values a field may be sent with: the right shape, near misses, and every other JSON type. */
function values(good: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: good.length ? 6 : 0, arbitrary: good.length ? fc.constantFrom(...good) : fc.constant(null) },
    { weight: 2, arbitrary: fc.constantFrom('', ' ', '0', 'zz', '0x12', 'A'.repeat(5000), '\u0000', '\ud800', ICCID, UNKNOWN_ICCID, IMPI, NAF_ID, KEY, 'Bearer x') },
    { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 15, 16, -1, 1.5, 1e308, 2 ** 53, 31536000, 315360000, 315360001, true, false, null) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 80 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
}

type FieldModel = Record<string, fc.Arbitrary<unknown>>;

/** A JSON object with a random subset of the route's fields (and sometimes stray ones). */
function routeBody(model: FieldModel): fc.Arbitrary<string> {
  return fc.tuple(fc.record(model, { requiredKeys: [] }), fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }), fc.boolean())
    .map(([known, stray, addStray]) => JSON.stringify(addStray ? { ...stray, ...known } : known));
}

interface Route {
  method: string;
  path: string;
  body: fc.Arbitrary<string>;
}

interface ServerUnderFuzz {
  port: number;
  routes: Route[];
  /** Authorization header values worth sending (valid tokens, Digest attempts). */
  authorizations: string[];
  close(): Promise<void>;
}

/** One request: a route or a random path, method, headers, body and how it is framed. */
function requestFor(s: ServerUnderFuzz): fc.Arbitrary<{ request: string; halfClose: boolean; framing: string }> {
  const route = fc.constantFrom(...s.routes);
  const body = route.chain((r) => fc.oneof(
    { weight: 12, arbitrary: r.body.map((t) => Buffer.from(t)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '{"a":', '[]', 'null', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '{"iccid":"' + ICCID + '"'.repeat(2)).map((t) => Buffer.from(t)) },
    // Over the 65,536-byte limit: a 413 must come back.
    { weight: 1, arbitrary: fc.integer({ min: 65_537, max: 200_000 }).map((n) => Buffer.from(`{"x":"${'a'.repeat(n)}"}`)) },
  ).map((b) => ({ route: r, body: b })));
  return fc.record({
    rb: body,
    method: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'FOO') }),
    path: fc.oneof(
      { weight: 8, arbitrary: fc.constant(null) },
      { weight: 2, arbitrary: fc.constantFrom('/', '/obf/v1', '/obf/v1/', '/obf/v1/../obf/v1/keys', '/%00', '/obf/v1/keys?x=1', '/obf/v1/keys#x', `/${'a'.repeat(3000)}`, '/obf/v1/auth/rpb/bootstrap/', '*', '/obf/v1/rs/rights?__proto__=1', '/constructor', '/__proto__') },
    ),
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      { weight: 3, arbitrary: fc.constantFrom(null, 'text/plain', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/jsonx', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '') },
    ),
    auth: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(null, ...s.authorizations) },
      { weight: 2, arbitrary: fc.constantFrom(null, 'Bearer', 'Bearer ', 'Bearer short', `Bearer ${'A'.repeat(600)}`, 'Basic YTpi', 'Digest', 'Digest username=', 'Digest username="a@b", realm="x", nonce="", uri="/", response=""', 'bearer ' + 'x'.repeat(20)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((t) => t.replace(/[\r\n]/g, '')) },
    ),
    framing: fc.oneof(
      { weight: 10, arbitrary: fc.constant('length') },
      { weight: 1, arbitrary: fc.constantFrom('chunked', 'bad-chunks', 'truncated', 'no-length') },
    ),
    noHost: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  }).map(({ rb, method, path, contentType, auth, framing, noHost }) => {
    const head = [`${method ?? rb.route.method} ${path ?? rb.route.path} HTTP/1.1`, ...(noHost ? [] : ['host: 127.0.0.1']), 'connection: close'];
    if (contentType !== null) head.push(`content-type: ${contentType}`);
    if (auth !== null) head.push(`authorization: ${auth}`);
    let payload: Buffer = rb.body;
    if (framing === 'length') head.push(`content-length: ${payload.length}`);
    else if (framing === 'truncated') {
      head.push(`content-length: ${payload.length + 10}`);
    } else if (framing === 'chunked' || framing === 'bad-chunks') {
      head.push('transfer-encoding: chunked');
      const size = framing === 'chunked' ? payload.length.toString(16) : 'zz';
      payload = Buffer.concat([Buffer.from(`${size}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]);
    }
    // Kept as a latin1 string so that a counterexample prints readably.
    return { request: Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), payload]).toString('latin1'), halfClose: framing === 'truncated' || framing === 'no-length', framing };
  });
}

const STACK = /\n\s+at |node:internal|\.ts:\d+|\/work\//;

function httpProperty(s: ServerUnderFuzz, timeoutMs: number): AnyProperty {
  return fc.asyncProperty(requestFor(s), async ({ request, halfClose, framing }) => {
    const raw = Buffer.from(request, 'latin1');
    const a = await rawExchange(s.port, raw, { halfClose, timeoutMs });
    const what = () => `${raw.subarray(0, 300).toString('latin1').replace(/\r\n/g, '\\r\\n')}${raw.length > 300 ? '...' : ''}`;
    finding(!a.timedOut, () => `no answer and no close within ${timeoutMs} ms to ${what()}`);
    if (a.status === null) {
      finding(framing === 'truncated' || framing === 'no-length', () => `connection closed without an answer to ${what()}`);
      return;
    }
    finding(a.status !== 500, () => `500 (unexpected exception) to ${what()}: ${a.body.slice(0, 300)}`);
    finding(!STACK.test(a.body), () => `stack trace or source path in the answer to ${what()}: ${a.body.slice(0, 300)}`);
    if (raw.subarray(0, 5).toString() === 'HEAD ') return;
    finding(/^application\/json/.test(a.headers['content-type'] ?? ''), () => `${a.status} answer without a JSON content type to ${what()}: ${JSON.stringify(a.headers)}`);
    let body: unknown;
    try {
      body = JSON.parse(a.body);
    } catch {
      throw new Error(`answer ${a.status} is not JSON to ${what()}: ${a.body.slice(0, 200)}`);
    }
    if (a.status >= 400) {
      const b = body as { status?: unknown; error?: { code?: unknown; message?: unknown } };
      finding(b?.status === 'NOK' && typeof b.error?.code === 'string' && typeof b.error?.message === 'string', () => `refusal ${a.status} outside the error object to ${what()}: ${a.body.slice(0, 200)}`);
    }
  });
}

function portOf(s: RunningServer): number {
  return Number(new URL(s.url).port);
}

const token = () => cryptoRandom(24).toString('base64url');

async function post(url: string, body: unknown, auth?: string): Promise<void> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`fuzz set-up: ${url} answered ${r.status} ${await r.text()}`);
}

function httpTarget(name: string, start: () => Promise<ServerUnderFuzz>): FuzzTarget {
  const timeoutMs = 5000;
  return {
    name, ciRuns: 300, caseTimeoutMs: timeoutMs + 3000,
    async open() {
      const s = await start();
      return { property: httpProperty(s, timeoutMs), close: () => s.close() };
    },
  };
}

export const applicationServerTarget = httpTarget('Application Server HTTP (keys, decrypt, encrypt, health)', async () => {
  const as = await startApplicationServer();
  for (const keyFunction of ['encrypt', 'decrypt']) {
    await post(`${as.url}/keys`, { iccid: ICCID, keyIndex: 1, keyFunction, algorithm: 'aes', kic: KEY, kid: KEY });
  }
  const key = Uint8Array.from(Buffer.from(KEY, 'hex'));
  const packets = [1n, 2n, 3n].map((c) => encodeCommandPacket({ spi: profileSpi(true), kic: keyIdentifierFor('aes', 1), kid: keyIdentifierFor('aes', 1), tar: OBF_TAR, cntr: writeUint(c, 5), data: Uint8Array.of(1, 2, 3), keys: { kic: key, kid: key } }));
  const packetHex = fc.oneof(fc.constantFrom(...packets), mutated(packets)).map(toHex);
  const common: FieldModel = { iccid: values([ICCID, UNKNOWN_ICCID]), keyIndex: values(['1']).map((v) => (v === '1' ? 1 : v)) };
  return {
    port: portOf(as),
    authorizations: [],
    close: () => as.close(),
    routes: [
      { method: 'GET', path: '/obf/v1/health', body: fc.constant('') },
      { method: 'POST', path: '/obf/v1/keys', body: routeBody({ ...common, keyFunction: values(['encrypt', 'decrypt']), algorithm: values(['aes', '3des-2key', '3des-3key']), kic: values([KEY, 'B2'.repeat(24)]), kid: values([KEY, 'C3'.repeat(32)]) }) },
      { method: 'POST', path: '/obf/v1/decrypt', body: routeBody({ ...common, packet: fc.oneof(packetHex, values([])) }) },
      { method: 'POST', path: '/obf/v1/encrypt', body: routeBody({ ...common, data: values(['23697031', '00'.repeat(200), '00'.repeat(201)]), replayCheck: values([]).map((v) => (typeof v === 'string' ? v === '1' : v)) }) },
    ],
  };
});

export const resourceServerTarget = httpTarget('Resource Server HTTP (rights, RPR)', async () => {
  const tokens = { admin: token(), rpr: token() };
  const rs = await startResourceServer({ adminToken: tokens.admin, rprToken: tokens.rpr });
  const model: FieldModel = { iccid: values([ICCID, UNKNOWN_ICCID]), nafId: values([NAF_ID, '00', 'ff'.repeat(513)]), dataClasses: fc.oneof(fc.constant(['location']), fc.array(fc.oneof(fc.string({ maxLength: 70 }), fc.jsonValue({ maxDepth: 0 })), { maxLength: 40 }), values([])) };
  return {
    port: portOf(rs),
    authorizations: [`Bearer ${tokens.admin}`, `Bearer ${tokens.rpr}`],
    close: () => rs.close(),
    routes: [
      { method: 'PUT', path: '/obf/v1/rs/rights', body: routeBody(model) },
      { method: 'DELETE', path: '/obf/v1/rs/rights', body: routeBody(model) },
      { method: 'POST', path: '/obf/v1/rs/rpr/rights', body: routeBody(model) },
    ],
  };
});

export const authenticationServerTarget = httpTarget('Authentication Server HTTP (admin, RPB Digest AKA, RPO)', async () => {
  const tokens = { admin: token(), rsAdmin: token(), rpr: token(), naf: token() };
  const rs = await startResourceServer({ adminToken: tokens.rsAdmin, rprToken: tokens.rpr });
  const auth = await startAuthenticationServer({ realm: 'bsf.fuzz.example', adminToken: tokens.admin, resourceServer: { url: rs.url, token: tokens.rpr }, lifetimeSeconds: 3600 });
  await post(`${auth.url}/subscribers`, { impi: IMPI, iccid: ICCID, k: KEY, opc: KEY }, tokens.admin);
  await post(`${auth.url}/nafs`, { nafId: NAF_ID, token: tokens.naf }, tokens.admin);
  const digest = [
    `Digest username="${IMPI}", realm="bsf.fuzz.example", nonce="", uri="/obf/v1/auth/rpb/bootstrap", response=""`,
    `Digest username="${IMPI}", realm="bsf.fuzz.example", nonce="AAAA", uri="/obf/v1/auth/rpb/bootstrap", response="00000000000000000000000000000000", nc=00000001, cnonce="x", qop=auth, opaque="x"`,
    `Digest username="${IMPI}", realm="bsf.fuzz.example", nonce="${Buffer.alloc(32).toString('base64')}", uri="/obf/v1/auth/rpb/bootstrap", response="", nc=00000001, cnonce="x", qop=auth, auts="${Buffer.alloc(14).toString('base64')}"`,
    'Digest username="nobody@nowhere", nonce="", uri="/", response=""',
    'Digest username="a@b", realm="bsf.fuzz.example", algorithm=MD5, nonce="", uri="/obf/v1/auth/rpb/bootstrap", response=""',
    'Digest ,,,,=,"', 'Digest username="unterminated',
  ];
  return {
    port: portOf(auth),
    authorizations: [`Bearer ${tokens.admin}`, `Bearer ${tokens.naf}`, ...digest],
    close: async () => {
      await auth.close();
      await rs.close();
    },
    routes: [
      { method: 'POST', path: '/obf/v1/auth/subscribers', body: routeBody({ impi: values([IMPI, `x${IMPI}`, 'no-at-sign']), iccid: values([ICCID, UNKNOWN_ICCID]), k: values([KEY]), opc: values([KEY]), sqn: values(['000000000001', 'FFFFFFFFFFFF']) }) },
      { method: 'POST', path: '/obf/v1/auth/nafs', body: routeBody({ nafId: values([NAF_ID]), token: values([tokens.naf, token(), tokens.admin]) }) },
      { method: 'PUT', path: '/obf/v1/auth/policy', body: routeBody({ lifetimeSeconds: values([]) }) },
      { method: 'POST', path: '/obf/v1/auth/clock', body: routeBody({ advanceSeconds: values([]) }) },
      { method: 'POST', path: '/obf/v1/auth/rpb/bootstrap', body: fc.constant('') },
      { method: 'POST', path: '/obf/v1/auth/rpo/naf-key', body: routeBody({ btid: values(['AAAA@bsf.fuzz.example', '']), nafId: values([NAF_ID]) }) },
    ],
  };
});
