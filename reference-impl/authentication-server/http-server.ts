/**
 * The reference Authentication Server on HTTP (docs/profile/gba-api.md), under /obf/v1/auth: the admin API
 * (Bearer admin token), RPB (Digest AKA, rpb.ts) and RPO (Bearer NAF token), and the RPR client that asks the
 * Resource Server for a NAF's rights. Transport rules (JSON, 404/405/413/415/500) from ../http-json.ts.
 */
import { postJson, type PeerAnswer } from '../http-client.ts';
import { API_BASE, HttpError, bearerToken, checkToken, jsonRouter, listenJson, tokenMatches, unauthorised, type JsonRequest, type Route, type RunningServer } from '../http-json.ts';
import type { FaultSet } from '../faults.ts';
import { MAX_LIFETIME_SECONDS, ReferenceAuthenticationServer, type Rights, type RightsLookup } from './authentication-server.ts';
import { RpbEndpoint } from './rpb.ts';
import { BootstrapStore } from './bootstrap-store.ts';
import { closingStore } from '../storage/database.ts';
import { TransferEndpoint, type ProviderIdentity } from './provider-transfer.ts';

export const AUTH_BASE = `${API_BASE}/auth`;
/** How long the Authentication Server waits for the Resource Server on RPR. */
export const RPR_TIMEOUT_MS = 5_000;

export interface AuthenticationServerOptions {
  /** Digest realm and B-TID domain: a DNS name. */
  realm: string;
  adminToken: string;
  /** The Resource Server's base URL (what startResourceServer returns) and the RPR token it expects. */
  resourceServer: { url: string; token: string };
  /** Initial key lifetime policy (PUT .../policy changes it). */
  lifetimeSeconds: number;
  /** This server as an authentication provider (6.4.3 a): id and key secrets; id = realm and random keys when absent. */
  provider?: ProviderIdentity;
  faults?: FaultSet;
  host?: string;
  port?: number;
  /** SQLite data file for subscribers, bootstraps and NAF registrations (created if missing); in memory when absent. */
  data?: string;
}

const unavailable = (why: string) => new HttpError(503, 'RESOURCE_SERVER_UNAVAILABLE', `the Resource Server ${why}`);

/** RPR client: POST <rs>/rpr/rights. No answer, another status or a body outside RPR: 503. */
export function rprClient(rs: { url: string; token: string }, timeoutMs = RPR_TIMEOUT_MS): RightsLookup {
  return async (iccid, nafId) => {
    let res: PeerAnswer;
    try {
      res = await postJson(`${rs.url}/rpr/rights`, { iccid, nafId }, { authorization: `Bearer ${rs.token}` }, timeoutMs);
    } catch {
      throw unavailable('did not answer');
    }
    const body = res.json;
    if (body === undefined) throw unavailable(`answered HTTP ${res.status} without a JSON body`);
    if (res.status !== 200) throw unavailable(`refused the rights request (HTTP ${res.status})`);
    const r = body as Partial<Rights>;
    if (typeof r.granted !== 'boolean' || !Array.isArray(r.dataClasses) || !r.dataClasses.every((c) => typeof c === 'string')) {
      throw unavailable('answered outside RPR (granted, dataClasses)');
    }
    return { granted: r.granted, dataClasses: r.dataClasses };
  };
}

export async function startAuthenticationServer(opts: AuthenticationServerOptions): Promise<RunningServer> {
  if (typeof opts.realm !== 'string' || !/^[A-Za-z0-9.-]{1,253}$/.test(opts.realm)) throw new TypeError('realm must be a DNS name');
  if (!Number.isInteger(opts.lifetimeSeconds) || opts.lifetimeSeconds < 1 || opts.lifetimeSeconds > MAX_LIFETIME_SECONDS) {
    throw new TypeError(`lifetimeSeconds must be an integer 1..${MAX_LIFETIME_SECONDS}`);
  }
  const rsUrl = new URL(opts.resourceServer.url);
  if (rsUrl.protocol !== 'http:' && rsUrl.protocol !== 'https:') throw new TypeError('resourceServer.url must be an http(s) URL');
  checkToken('resourceServer.token', opts.resourceServer.token);
  const admin = checkToken('adminToken', opts.adminToken);
  const store = BootstrapStore.open(opts.data, opts.realm);
  const as = new ReferenceAuthenticationServer(opts.realm, opts.lifetimeSeconds, admin, rprClient(opts.resourceServer), opts.faults, store);
  const rpb = new RpbEndpoint(as);
  const transfer = new TransferEndpoint(as, opts.provider ?? { id: opts.realm });

  const adminRoute = (status: number, handler: (body: Record<string, unknown>) => unknown): Route => ({
    body: 'json',
    authorize: (req) => {
      if (!tokenMatches(bearerToken(req.headers), admin)) throw unauthorised(opts.realm, 'admin API', req.headers.authorization !== undefined);
    },
    handle: (req) => ({ status, body: handler(req.body) }),
  });
  const callerNaf = (req: JsonRequest): string => {
    const naf = as.nafOf(bearerToken(req.headers));
    if (naf === undefined) throw unauthorised(opts.realm, 'RPO', req.headers.authorization !== undefined);
    return naf;
  };

  return closingStore(store, () => listenJson(jsonRouter({
    // Liveness, no credential: what `targets check` asks to see the base URL is right (as the AS's /health).
    [`${AUTH_BASE}/health`]: { GET: { body: 'none', handle: () => ({ status: 200, body: { status: 'UP', profile: 'obf-test-profile/1' } }) } },
    [`${AUTH_BASE}/subscribers`]: { POST: adminRoute(201, (b) => as.addSubscriber(b)) },
    [`${AUTH_BASE}/subscribers/transfer-out`]: { POST: adminRoute(200, (b) => as.transferOut(b)) },
    [`${AUTH_BASE}/nafs`]: { POST: adminRoute(201, (b) => as.registerNaf(b)) },
    [`${AUTH_BASE}/policy`]: { PUT: adminRoute(200, (b) => as.setPolicy(b)) },
    [`${AUTH_BASE}/clock`]: { POST: adminRoute(200, (b) => as.advanceClock(b)) },
    [`${AUTH_BASE}/transfer/provider`]: { GET: { body: 'none', handle: () => ({ status: 200, body: transfer.provider() }) } },
    [`${AUTH_BASE}/transfer/partners`]: { POST: adminRoute(201, (b) => transfer.registerPartner(b)) },
    [`${AUTH_BASE}/transfer/statements`]: { POST: adminRoute(201, (b) => transfer.signStatement(b)) },
    [`${AUTH_BASE}/transfer/subscriptions`]: { POST: adminRoute(201, (b) => transfer.acceptSubscription(b)) },
    [`${AUTH_BASE}/rpb/bootstrap`]: { POST: { body: 'none', handle: (req) => rpb.bootstrap(req) } },
    [`${AUTH_BASE}/rpo/naf-key`]: {
      POST: { body: 'json', authorize: (req) => void callerNaf(req), handle: async (req) => ({ status: 200, body: await as.nafKey(callerNaf(req), req.body) }) },
    },
  }), { basePath: AUTH_BASE, host: opts.host, port: opts.port }));
}
