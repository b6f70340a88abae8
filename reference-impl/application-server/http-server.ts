/**
 * The reference Application Server on HTTP (docs/profile/http-api.md). JSON in, JSON out; every refusal is
 * { "status": "NOK", "error": { "code", "message", "field"? } } with a documented HTTP status. Binds to
 * 127.0.0.1 unless told otherwise. Bodies are never logged (they carry keys). The transport rules (content type,
 * body limit, 404/405/413/415/500) are those of ../http-json.ts, shared with the other reference servers.
 */
import type http from 'node:http';
import { ReferenceApplicationServer } from './application-server.ts';
import { ApplicationServerStore } from './key-store.ts';
import { closingStore } from '../storage/database.ts';
import { RpaNaf, httpRpoClient } from './rpa.ts';
import type { FaultSet } from '../faults.ts';
import { API_BASE, bearerToken, checkToken, jsonRouter, listenJson, tokenMatches, unauthorised, type JsonReply, type Route, type RunningServer } from '../http-json.ts';

export { API_BASE, type RunningServer };

const post = (status: number, handler: (body: Record<string, unknown>) => unknown, authorize?: Route['authorize']): Route => ({
  body: 'json',
  authorize,
  handle: (req): JsonReply => ({ status, body: handler(req.body) }),
});

/**
 * With an admin token digest, key import and the RPA NAF credential (administrative calls: they install device keys
 * or credentials) need that Bearer token.
 */
export function createApplicationServerHandler(as: ReferenceApplicationServer, rpa: RpaNaf, adminDigest?: string): http.RequestListener {
  const admin: Route['authorize'] = adminDigest === undefined ? undefined : (req) => {
    if (!tokenMatches(bearerToken(req.headers), adminDigest)) throw unauthorised('obf-application-server', 'key import', req.headers.authorization !== undefined);
  };
  return jsonRouter({
    [`${API_BASE}/health`]: { GET: { body: 'none', handle: () => ({ status: 200, body: { status: 'UP', profile: 'obf-test-profile/1' } }) } },
    [`${API_BASE}/keys`]: { POST: post(201, (b) => as.importKey(b), admin) },
    [`${API_BASE}/decrypt`]: { POST: post(200, (b) => as.decryptData(b)) },
    [`${API_BASE}/encrypt`]: { POST: post(200, (b) => as.encryptData(b)) },
    [`${API_BASE}/rpa/nafs`]: { POST: post(201, (b) => rpa.configureNaf(b), admin) },
    [`${API_BASE}/rpa/keys`]: { POST: { body: 'json', handle: async (req): Promise<JsonReply> => ({ status: 201, body: await rpa.establish(req.body) }) } },
  });
}

/**
 * `data`: the SQLite data file holding keys and counters (created if missing); in memory when absent.
 * `adminToken`: the Bearer token POST /keys and POST /rpa/nafs require (docs/profile/http-api.md 1, 3, 9); without one, they are open.
 * `authenticationServerUrl`: where RPO is (up to /obf/v1/auth); without it, RPA key set-up answers 503.
 */
export async function startApplicationServer(opts: { faults?: FaultSet; host?: string; port?: number; data?: string; adminToken?: string; authenticationServerUrl?: string } = {}): Promise<RunningServer> {
  const admin = opts.adminToken === undefined ? undefined : checkToken('adminToken', opts.adminToken);
  const store = ApplicationServerStore.open(opts.data);
  const as = new ReferenceApplicationServer(opts.faults, store);
  const rpa = new RpaNaf(as, httpRpoClient(opts.authenticationServerUrl), opts.faults);
  return closingStore(store, () => listenJson(createApplicationServerHandler(as, rpa, admin), { basePath: API_BASE, host: opts.host, port: opts.port }));
}
