/**
 * Test support for the reference Authentication Server and Resource Server (docs/profile/gba-api.md): start
 * both on loopback, call their JSON APIs, and play the card and the client of the RPB Digest AKA exchange.
 * The card's keys are 3GPP TS 35.208 test set 1 (K, OPc), as in ../shared/vectors/milenage.json.
 */
import assert from 'node:assert/strict';
import { startAuthenticationServer, startResourceServer, type FaultName, type RunningServer } from '../../reference-impl/index.ts';
import { cardAuthenticate, type CardAkaResult, type SubscriberKeys } from '../../protocol/ts-33-102-aka.ts';
import { AKA_ALGORITHM, digestResponse, formatDigestHeader, parseAkaNonce, parseDigestHeader } from '../../protocol/rfc-3310-digest-aka.ts';
import { concatBytes, fromHex, toHex } from '../../protocol/hex.ts';
import { nafId } from '../../protocol/ts-33-220.ts';
import { withLuhn } from '../../protocol/iccid.ts';

/** 3GPP TS 35.208 test set 1 (4.3.1): K and OPc. */
export const SET1 = { k: '465B5CE8B199B49FAA5F0A2EE238A6BC', opc: 'CD63CB71954A9F4E48A5994E37A02BAF' };
export const SET1_KEYS: SubscriberKeys = { k: fromHex(SET1.k), opc: fromHex(SET1.opc) };
export const REALM = 'bsf.obf.example';
export const BOOTSTRAP_PATH = '/obf/v1/auth/rpb/bootstrap';
export const TOKENS = { asAdmin: 'auth-admin-token-0001', rsAdmin: 'rs-admin-token-00001', rpr: 'rpr-token-from-the-bsf-01' };

/** Error codes and their HTTP status (gba-api.md section 7). */
export const ERROR_STATUS: Record<string, number> = {
  BAD_REQUEST: 400, INVALID_ICCID: 400, INVALID_KEY: 400, MALFORMED_AUTHORIZATION: 400,
  UNAUTHORISED: 401, IDENTITY_REQUIRED: 401, AKA_CHALLENGE: 401, STALE_NONCE: 401, SQN_RESYNCHRONISED: 401,
  AUTH_FAILED: 403, RESYNC_FAILED: 403, UNKNOWN_SUBSCRIBER: 403, NAF_NOT_AUTHORISED: 403, NO_RIGHTS: 403,
  NOT_FOUND: 404, UNKNOWN_BTID: 404, UNKNOWN_GRANT: 404, METHOD_NOT_ALLOWED: 405,
  DUPLICATE_SUBSCRIBER: 409, TOKEN_IN_USE: 409, BTID_EXPIRED: 410, BODY_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_ERROR: 500, RESOURCE_SERVER_UNAVAILABLE: 503,
  // Provider transfer (docs/profile/provider-transfer.md 5).
  MALFORMED_STATEMENT: 400, UNKNOWN_PROVIDER: 403, NOT_FOR_THIS_PROVIDER: 403, BAD_SIGNATURE: 403, STATEMENT_EXPIRED: 403,
  NO_SE_KEY: 409, REPLAYED_STATEMENT: 409, SEQUENCE_EXHAUSTED: 409,
};

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/** One request; the answer must be JSON with the profile's headers. */
export async function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, signal: AbortSignal.timeout(10_000) };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    assert.fail(`${method} ${url}: HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8', `${url}: content-type`);
  assert.equal(res.headers.get('cache-control'), 'no-store', `${url}: cache-control`);
  return { status: res.status, headers: res.headers, text, json };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The documented refusal: {"status":"NOK","error":{"code","message","field"?}} with the code's HTTP status. */
export function expectError(a: Answer, code: string, field?: string | null): { code: string; message: string; field?: string } {
  assert.equal(a.status, ERROR_STATUS[code], `HTTP status for ${code}: ${a.text}`);
  const error = a.json.error as { code?: unknown; message?: unknown; field?: unknown } | undefined;
  assert.equal(a.json.status, 'NOK', a.text);
  assert.equal(error?.code, code, a.text);
  assert.ok(typeof error?.message === 'string' && error.message.length > 0, a.text);
  if (field === null) assert.equal(error?.field, undefined, `no field expected: ${a.text}`);
  else if (field !== undefined) assert.equal(error?.field, field, a.text);
  assert.ok(Object.keys(error!).every((k) => ['code', 'field', 'message'].includes(k)), `unexpected error fields: ${a.text}`);
  return error as { code: string; message: string; field?: string };
}

export interface GbaServers {
  as: RunningServer;
  rs: RunningServer;
  admin(path: string, body: unknown, method?: string): Promise<Answer>;
  rsAdmin(method: 'PUT' | 'DELETE', body: unknown): Promise<Answer>;
  close(): Promise<void>;
}

export async function startGbaServers(opts: { faults?: FaultName[]; lifetimeSeconds?: number } = {}): Promise<GbaServers> {
  const faults = new Set(opts.faults ?? []);
  const rs = await startResourceServer({ adminToken: TOKENS.rsAdmin, rprToken: TOKENS.rpr, faults });
  const as = await startAuthenticationServer({ realm: REALM, adminToken: TOKENS.asAdmin, resourceServer: { url: rs.url, token: TOKENS.rpr }, lifetimeSeconds: opts.lifetimeSeconds ?? 3600, faults });
  return {
    as,
    rs,
    admin: (path, body, method = 'POST') => call(`${as.url}/${path}`, method, body, bearer(TOKENS.asAdmin)),
    rsAdmin: (method, body) => call(`${rs.url}/rights`, method, body, bearer(TOKENS.rsAdmin)),
    close: async () => {
      await as.close();
      await rs.close();
    },
  };
}

let seq = 0;
/** A fresh subscriber identity per test: IMPI and a Luhn-valid ICCID. */
export function freshIdentity(): { impi: string; iccid: string } {
  seq++;
  const iccid = withLuhn(`8991077${String(process.pid % 1000).padStart(3, '0')}${String(seq).padStart(9, '0')}`);
  return { impi: `00101${String(seq).padStart(10, '0')}@ims.mnc001.mcc001.3gppnetwork.org`, iccid };
}

/** A NAF_Id (FQDN || Ua HTTP Digest) as hex, and a token for it. */
export function freshNaf(name: string): { nafId: string; token: string } {
  seq++;
  return { nafId: toHex(nafId(`${name}-${seq}.naf.example`)), token: `naf-token-${name}-${seq}-xxxxxxxx` };
}

/** The card side of RPB: AKA on TS 35.208 set 1 with the card's SQN_MS (TS 33.102 6.3.3). */
export class TestCard {
  sqnMs: Uint8Array;
  ks: Uint8Array | null = null;
  rand: Uint8Array | null = null;
  constructor(readonly impi: string, sqnMs = new Uint8Array(6), readonly keys: SubscriberKeys = SET1_KEYS) {
    this.sqnMs = sqnMs;
  }
  authenticate(nonce: string): CardAkaResult {
    const { rand, autn } = parseAkaNonce(nonce);
    const r = cardAuthenticate(this.keys, rand, autn, this.sqnMs);
    if (r.kind === 'ok') {
      this.sqnMs = r.sqn;
      this.ks = concatBytes(r.ck, r.ik);
      this.rand = rand;
    }
    return r;
  }
}

export interface DigestAnswer {
  impi: string;
  nonce: string;
  opaque?: string;
  password: Uint8Array | string;
  auts?: Uint8Array;
  realm?: string;
  uri?: string;
  cnonce?: string;
  nc?: string;
}

/** The client's Authorization: Digest with RES (or an empty password and auts) as RFC 3310 says. */
export function digestAuthorization(d: DigestAnswer): string {
  const realm = d.realm ?? REALM;
  const uri = d.uri ?? BOOTSTRAP_PATH;
  const cnonce = d.cnonce ?? 'b0a7c1e5d3f2';
  const nc = d.nc ?? '00000001';
  const response = digestResponse({ username: d.impi, realm, password: d.password, method: 'POST', uri, nonce: d.nonce, nc, cnonce, qop: 'auth' });
  return formatDigestHeader({
    username: d.impi, realm, nonce: d.nonce, uri, qop: 'auth', nc, cnonce, response, algorithm: AKA_ALGORITHM,
    ...(d.opaque !== undefined ? { opaque: d.opaque } : {}), ...(d.auts ? { auts: Buffer.from(d.auts).toString('base64') } : {}),
  });
}

export const initialAuthorization = (impi: string, realm = REALM) => `Digest username="${impi}", realm="${realm}", nonce="", uri="${BOOTSTRAP_PATH}", response=""`;

export const bootstrapCall = (servers: GbaServers, authorization?: string) =>
  call(`${servers.as.url}/rpb/bootstrap`, 'POST', undefined, authorization === undefined ? {} : { authorization });

/** The challenge of a 401: its parameters, checked against the profile's form. */
export function challengeOf(a: Answer): Record<string, string> {
  const header = a.headers.get('www-authenticate') ?? '';
  assert.match(header, /^Digest realm="[^"]+", nonce="[A-Za-z0-9+/=]+", algorithm=AKAv1-MD5, qop="auth", opaque="[0-9a-f]{32}"(, stale=TRUE)?$/, header);
  return parseDigestHeader(header);
}

/** A whole bootstrap as the client and its card run it; resynchronises once if the card asks. */
export async function bootstrap(servers: GbaServers, card: TestCard): Promise<{ btid: string; lifetime: string; answer: Answer }> {
  let a = await bootstrapCall(servers, initialAuthorization(card.impi));
  for (let round = 0; round < 2; round++) {
    expectError(a, round === 0 ? 'AKA_CHALLENGE' : 'SQN_RESYNCHRONISED');
    const c = challengeOf(a);
    const r = card.authenticate(c.nonce);
    if (r.kind === 'ok') {
      const answer = await bootstrapCall(servers, digestAuthorization({ impi: card.impi, nonce: c.nonce, opaque: c.opaque, password: r.res }));
      assert.equal(answer.status, 200, answer.text);
      return { btid: answer.json.btid as string, lifetime: answer.json.lifetime as string, answer };
    }
    assert.equal(r.kind, 'sync-failure', 'the card refused the network (MAC-A)');
    if (r.kind !== 'sync-failure') break;
    a = await bootstrapCall(servers, digestAuthorization({ impi: card.impi, nonce: c.nonce, opaque: c.opaque, password: '', auts: r.auts }));
  }
  assert.fail('bootstrap did not complete after one resynchronisation');
}

/** Provision a subscriber with set 1 keys and return its card. */
export async function provisioned(servers: GbaServers, sqn?: string): Promise<{ card: TestCard; iccid: string }> {
  const { impi, iccid } = freshIdentity();
  const a = await servers.admin('subscribers', { impi, iccid, k: SET1.k, opc: SET1.opc, ...(sqn ? { sqn } : {}) });
  assert.equal(a.status, 201, a.text);
  return { card: new TestCard(impi), iccid };
}

/** Register a NAF at the Authentication Server and, optionally, grant it rights at the Resource Server. */
export async function registeredNaf(servers: GbaServers, name: string, grantFor?: { iccid: string; dataClasses: string[] }): Promise<{ nafId: string; token: string }> {
  const naf = freshNaf(name);
  assert.equal((await servers.admin('nafs', naf)).status, 201);
  if (grantFor) assert.equal((await servers.rsAdmin('PUT', { iccid: grantFor.iccid, nafId: naf.nafId, dataClasses: grantFor.dataClasses })).status, 200);
  return naf;
}

export const nafKey = (servers: GbaServers, token: string, body: unknown) => call(`${servers.as.url}/rpo/naf-key`, 'POST', body, bearer(token));
