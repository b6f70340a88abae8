/**
 * HTTP plumbing shared by the reference servers (Application Server, Authentication Server, Resource Server):
 * JSON in, JSON out; every refusal is { "status": "NOK", "error": { "code", "message", "field"? } } with a
 * documented HTTP status (docs/profile/http-api.md, docs/profile/gba-api.md). Routes match the path exactly (a
 * query string is ignored); an unknown path is 404 NOT_FOUND, a method the path does not serve 405
 * METHOD_NOT_ALLOWED. JSON bodies: content-type application/json (else 415), at most 65,536 bytes (else 413,
 * the rest drained), one object (else 400). Anything unexpected is 500 INTERNAL_ERROR with no detail.
 * Binds to 127.0.0.1 unless told otherwise. Bodies and headers are never logged (they carry keys and tokens).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import { fromHex, toHex } from '../protocol/hex.ts';
import { validateIccid, IccidError } from '../protocol/iccid.ts';

export const API_BASE = '/obf/v1';
export const MAX_BODY = 64 * 1024;

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** A refusal with its HTTP status, code, message, optional request field and extra response headers. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = new.target.name;
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function sendError(res: http.ServerResponse, e: HttpError): void {
  sendJson(res, e.status, { status: 'NOK', error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } }, e.headers);
}

export function readJsonBody(req: http.IncomingMessage, maxBody = MAX_BODY): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      reject(new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `content-type must be application/json, got '${type.slice(0, 64)}'`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (tooLarge) return; // drained, not kept, so the 413 answer reaches the client
      size += c.length;
      if (size > maxBody) {
        tooLarge = true;
        chunks.length = 0;
        reject(new HttpError(413, 'BODY_TOO_LARGE', `request body exceeds ${maxBody} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => reject(new HttpError(400, 'BAD_REQUEST', 'request body could not be read')));
    req.on('end', () => {
      if (tooLarge) return;
      let value: unknown;
      try {
        value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        reject(new HttpError(400, 'BAD_REQUEST', `body is not valid JSON: ${(e as Error).message}`));
        return;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        reject(new HttpError(400, 'BAD_REQUEST', 'body must be a JSON object'));
        return;
      }
      resolve(value as Record<string, unknown>);
    });
  });
}

export interface JsonRequest {
  method: string;
  /** The request-target as sent (path and query). */
  target: string;
  headers: http.IncomingHttpHeaders;
  /** The JSON object for `body: 'json'` routes; empty for `body: 'none'`. */
  body: Record<string, unknown>;
}

export interface JsonReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  /** 'json': read and check a JSON object body; 'none': the body is not read. */
  body: 'json' | 'none';
  /** Checked before the body is read (credentials); throws HttpError. */
  authorize?: (req: JsonRequest) => void;
  handle: (req: JsonRequest) => JsonReply | Promise<JsonReply>;
}

/** Path -> method -> route. */
export type Routes = Record<string, Partial<Record<string, Route>>>;

export function jsonRouter(routes: Routes): http.RequestListener {
  return (req, res) => {
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      req.resume();
      return sendError(res, new HttpError(400, 'BAD_REQUEST', 'an HTTP/1.1 request needs a Host header (RFC 9112 3.2)'));
    }
    const target = req.url ?? '/';
    const path = target.split('?')[0];
    const methods = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!methods) return sendError(res, new HttpError(404, 'NOT_FOUND', `no route ${path.slice(0, 100)}`));
    const method = req.method ?? '';
    const route = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (!route) return sendError(res, new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${Object.keys(methods).join(' or ')}`));
    const request: JsonRequest = { method, target, headers: req.headers, body: {} };
    Promise.resolve()
      .then(() => route.authorize?.(request))
      .then(() => (route.body === 'json' ? readJsonBody(req) : {}))
      .then((body) => route.handle({ ...request, body }))
      .then((reply) => sendJson(res, reply.status, reply.body, reply.headers))
      .catch((e: unknown) => {
        if (res.headersSent) return;
        if (e instanceof HttpError) return sendError(res, e);
        sendError(res, new HttpError(500, 'INTERNAL_ERROR', 'internal error'));
      });
  };
}

/**
 * Requests Node's HTTP parser refuses before any route sees them (malformed request line or headers, bad chunking,
 * headers over the size limit, a request not complete within the timeouts) get the same error object as any other
 * refusal, then the connection is closed; Node's own answer would be a bare status line.
 */
function clientErrorAnswer(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'HEADERS_TOO_LARGE', 'request headers too large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT' ? [408, 'REQUEST_TIMEOUT', 'the request was not complete in time']
    : [400, 'BAD_REQUEST', 'malformed HTTP request'];
  const body = JSON.stringify({ status: 'NOK', error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`);
}

/** Slow-loris bounds: the headers within 10 s, the whole request within 15 s (then 408 and close). */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 15_000;

/** Listen (127.0.0.1 and a free port unless told otherwise) with the reference timeouts; url = origin + basePath. */
export async function listenJson(
  listener: http.RequestListener,
  opts: { basePath: string; host?: string; port?: number; headersTimeoutMs?: number; requestTimeoutMs?: number },
): Promise<RunningServer> {
  const headersTimeout = opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  // Node checks the timeouts every connectionsCheckingInterval (30 s by default): check often enough to keep the bounds.
  // requireHostHeader off: jsonRouter refuses a missing Host itself, with the error object instead of Node's bare 400.
  const server = http.createServer({ connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))), requireHostHeader: false }, listener);
  server.headersTimeout = headersTimeout;
  server.requestTimeout = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', clientErrorAnswer);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}${opts.basePath}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** RFC 6750 token68 characters; the reference accepts tokens of 16 to 512 of them. */
export const TOKEN_PATTERN = /^[A-Za-z0-9\-._~+/]{16,512}=*$/;

/** The token of `Authorization: Bearer <token>`, or null when the header is absent or not of that form. */
export function bearerToken(headers: http.IncomingHttpHeaders): string | null {
  const m = /^Bearer +(\S+)$/i.exec(headers.authorization ?? '');
  return m && TOKEN_PATTERN.test(m[1]) ? m[1] : null;
}

/** SHA-256 of a token: servers keep and compare digests, never the tokens themselves. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A token given at start: checked against TOKEN_PATTERN (else TypeError), returned as its digest. */
export function checkToken(name: string, token: unknown): string {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) throw new TypeError(`${name} must be 16 to 512 token68 characters (RFC 6750)`);
  return tokenDigest(token);
}

/** Constant-time check of a presented token against a stored digest. */
export function tokenMatches(presented: string | null, digest: string): boolean {
  if (presented === null) return false;
  return timingSafeEqual(Buffer.from(tokenDigest(presented), 'hex'), Buffer.from(digest, 'hex'));
}

/** 401 UNAUTHORISED with a Bearer challenge (RFC 6750 3). */
export function unauthorised(realm: string, what: string, presented: boolean): HttpError {
  const challenge = `Bearer realm="${realm}"${presented ? ', error="invalid_token"' : ''}`;
  return new HttpError(401, 'UNAUTHORISED', `${what}: send 'Authorization: Bearer <token>' with a valid token`, undefined, { 'www-authenticate': challenge });
}

/** A required (or optional) field of one JSON type; missing, null or of another type: 400 BAD_REQUEST naming it. */
export function field<T>(body: Record<string, unknown>, name: string, type: 'string' | 'number' | 'boolean', optional = false): T {
  const v = body[name];
  if (v === undefined && optional) return v as T;
  if (v === undefined) throw new HttpError(400, 'BAD_REQUEST', `field '${name}' is required`, name);
  if (typeof v !== type) throw new HttpError(400, 'BAD_REQUEST', `field '${name}' must be a ${type}, got ${v === null ? 'null' : typeof v}`, name);
  return v as T;
}

/** A hex string field of at most maxBytes bytes (protocol/hex.ts rules); otherwise 400 BAD_REQUEST naming it. */
export function hexField(body: Record<string, unknown>, name: string, maxBytes: number): Uint8Array {
  const text = field<string>(body, name, 'string');
  if (text.length > maxBytes * 2) throw new HttpError(400, 'BAD_REQUEST', `field '${name}' exceeds ${maxBytes} bytes`, name);
  try {
    return fromHex(text, name);
  } catch (e) {
    throw new HttpError(400, 'BAD_REQUEST', (e as Error).message, name);
  }
}

/** ICCID field (draft B.2.1 item 1): wrong type or missing 400 BAD_REQUEST, otherwise invalid 400 INVALID_ICCID. */
export function iccidField(body: Record<string, unknown>): string {
  const iccid = field<string>(body, 'iccid', 'string');
  try {
    return validateIccid(iccid);
  } catch (e) {
    if (e instanceof IccidError) throw new HttpError(400, 'INVALID_ICCID', e.message, 'iccid');
    throw e;
  }
}

/** NAF_Id: FQDN || Ua security protocol identifier (TS 33.220 Annex H); the reference accepts 1 to 512 bytes. */
export const MAX_NAF_ID = 512;

/** NAF_Id field as hex, returned in upper case without separators (the form the servers key it by). */
export function nafIdField(body: Record<string, unknown>): string {
  const bytes = hexField(body, 'nafId', MAX_NAF_ID);
  if (bytes.length === 0) throw new HttpError(400, 'BAD_REQUEST', "field 'nafId' must not be empty", 'nafId');
  return toHex(bytes);
}
