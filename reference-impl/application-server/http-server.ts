/**
 * The reference Application Server on HTTP (docs/profile/http-api.md). JSON in, JSON out; every refusal is
 * { "status": "NOK", "error": { "code", "message", "field"? } } with a documented HTTP status. Binds to
 * 127.0.0.1 unless told otherwise. Bodies are never logged (they carry keys).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AsError, ReferenceApplicationServer } from './application-server.ts';
import type { FaultSet } from '../faults.ts';

const MAX_BODY = 64 * 1024;
export const API_BASE = '/obf/v1';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function fail(res: http.ServerResponse, e: AsError): void {
  send(res, e.status, { status: 'NOK', error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } });
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      reject(new AsError(415, 'UNSUPPORTED_MEDIA_TYPE', `content-type must be application/json, got '${type.slice(0, 64)}'`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (tooLarge) return; // drained, not kept, so the 413 answer reaches the client
      size += c.length;
      if (size > MAX_BODY) {
        tooLarge = true;
        chunks.length = 0;
        reject(new AsError(413, 'BODY_TOO_LARGE', `request body exceeds ${MAX_BODY} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => reject(new AsError(400, 'BAD_REQUEST', 'request body could not be read')));
    req.on('end', () => {
      if (tooLarge) return;
      let value: unknown;
      try {
        value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        reject(new AsError(400, 'BAD_REQUEST', `body is not valid JSON: ${(e as Error).message}`));
        return;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        reject(new AsError(400, 'BAD_REQUEST', 'body must be a JSON object'));
        return;
      }
      resolve(value as Record<string, unknown>);
    });
  });
}

type Handler = (body: Record<string, unknown>) => unknown;

export function createApplicationServerHandler(as: ReferenceApplicationServer): http.RequestListener {
  const routes: Record<string, { handler: Handler; created?: boolean }> = {
    [`${API_BASE}/keys`]: { handler: (b) => as.importKey(b), created: true },
    [`${API_BASE}/decrypt`]: { handler: (b) => as.decryptData(b) },
    [`${API_BASE}/encrypt`]: { handler: (b) => as.encryptData(b) },
  };
  return (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === `${API_BASE}/health`) {
      if (req.method !== 'GET') return fail(res, new AsError(405, 'METHOD_NOT_ALLOWED', 'use GET'));
      return send(res, 200, { status: 'UP', profile: 'obf-test-profile/1' });
    }
    const route = routes[url];
    if (!route) return fail(res, new AsError(404, 'NOT_FOUND', `no route ${url.slice(0, 100)}`));
    if (req.method !== 'POST') return fail(res, new AsError(405, 'METHOD_NOT_ALLOWED', 'use POST'));
    readJson(req)
      .then((body) => send(res, route.created ? 201 : 200, route.handler(body)))
      .catch((e: unknown) => {
        if (e instanceof AsError) return fail(res, e);
        fail(res, new AsError(500, 'INTERNAL_ERROR', 'internal error'));
      });
  };
}

export async function startApplicationServer(opts: { faults?: FaultSet; host?: string; port?: number } = {}): Promise<RunningServer> {
  const server = http.createServer(createApplicationServerHandler(new ReferenceApplicationServer(opts.faults)));
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}${API_BASE}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
