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
import type { FaultSet } from '../faults.ts';
import { API_BASE, jsonRouter, listenJson, type JsonReply, type Route, type RunningServer } from '../http-json.ts';

export { API_BASE, type RunningServer };

const post = (status: number, handler: (body: Record<string, unknown>) => unknown): Route => ({
  body: 'json',
  handle: (req): JsonReply => ({ status, body: handler(req.body) }),
});

export function createApplicationServerHandler(as: ReferenceApplicationServer): http.RequestListener {
  return jsonRouter({
    [`${API_BASE}/health`]: { GET: { body: 'none', handle: () => ({ status: 200, body: { status: 'UP', profile: 'obf-test-profile/1' } }) } },
    [`${API_BASE}/keys`]: { POST: post(201, (b) => as.importKey(b)) },
    [`${API_BASE}/decrypt`]: { POST: post(200, (b) => as.decryptData(b)) },
    [`${API_BASE}/encrypt`]: { POST: post(200, (b) => as.encryptData(b)) },
  });
}

/** `data`: the SQLite data file holding keys and counters (created if missing); in memory when absent. */
export async function startApplicationServer(opts: { faults?: FaultSet; host?: string; port?: number; data?: string } = {}): Promise<RunningServer> {
  const store = ApplicationServerStore.open(opts.data);
  return closingStore(store, () => listenJson(createApplicationServerHandler(new ReferenceApplicationServer(opts.faults, store)), { basePath: API_BASE, host: opts.host, port: opts.port }));
}
