/**
 * The one base every HTTP exchange with a system under test passes through: records request and answer in the
 * trace (key fields masked), turns no answer into Inconclusive, and a body that is not JSON into NonConformance.
 */
import { Inconclusive, NonConformance } from '../../harness/verdicts.ts';
import { maskKeyFields, type Trace } from '../trace.ts';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as is; objects are JSON-encoded with content-type application/json. */
  body?: string | object;
  contentType?: string;
}

/** The profile's answers are small JSON objects; a larger body is outside the profile (and must not exhaust the harness). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** Why a request failed, from fetch's error: a product that did not answer (inconclusive) or answered something that is not HTTP (fail). */
function failureOf(e: unknown, timeoutMs: number): { verdict: 'inconclusive' | 'fail'; why: string } {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return { verdict: 'inconclusive', why: `no answer within ${timeoutMs} ms` };
  const code = err.cause?.code ?? '';
  if (code.startsWith('HPE_')) return { verdict: 'fail', why: `answered bytes that are not HTTP/1.1 (${err.cause?.message ?? code})` };
  if (code === 'ECONNREFUSED') return { verdict: 'inconclusive', why: 'connection failed: connection refused (is the server running?)' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { verdict: 'inconclusive', why: `connection failed: host not found (${code})` };
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || err.message === 'terminated') return { verdict: 'inconclusive', why: `connection failed: closed before a complete answer (${err.cause?.message ?? err.message})` };
  return { verdict: 'inconclusive', why: `connection failed: ${err.cause?.message ?? err.message}${code ? ` (${code})` : ''}` };
}

/** The body as text, refusing more than MAX_ANSWER_BYTES. */
async function readCapped(res: Response): Promise<string | null> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function tracedHttp(req: HttpRequest, ctx: { timeoutMs: number; trace: Trace | null; link: string }): Promise<HttpAnswer> {
  const text = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const headers: Record<string, string> = { ...(text !== undefined ? { 'content-type': req.contentType ?? 'application/json' } : {}), ...req.headers };
  const path = new URL(req.url).pathname;
  // Credentials never reach the evidence: Bearer tokens, and headers named like a key or token (a plug-in's x-api-key).
  const shownHeaders = Object.entries(req.headers ?? {}).map(([k, v]) => `${k}: ${/^bearer /i.test(v) ? 'Bearer <token masked>' : /key|token|secret|password|cookie/i.test(k) ? '<masked>' : v}`).join('; ');
  ctx.trace?.record('http', '>>', ctx.link, `${req.method} ${path}${shownHeaders ? ` [${shownHeaders}]` : ''} ${text !== undefined ? maskKeyFields(text).slice(0, 2000) : ''}`);
  let res: Response;
  let answer: string | null;
  try {
    // One deadline for the whole exchange, body included: a server that sends headers and then stalls is as silent as one that never answers.
    res = await fetch(req.url, { method: req.method, headers, body: text, signal: AbortSignal.timeout(ctx.timeoutMs), redirect: 'manual' });
    answer = await readCapped(res);
  } catch (e) {
    const { verdict, why } = failureOf(e, ctx.timeoutMs);
    ctx.trace?.record('http', '<<', ctx.link, why);
    if (verdict === 'fail') throw new NonConformance(`${ctx.link}: ${req.method} ${path} ${why}`);
    throw new Inconclusive(`${ctx.link}: ${req.method} ${path}: ${why}`);
  }
  if (answer === null) {
    ctx.trace?.record('http', '<<', ctx.link, `${res.status} body larger than ${MAX_ANSWER_BYTES} bytes (not read further)`);
    throw new NonConformance(`${ctx.link}: ${req.method} ${path} answered a body larger than the profile's answers can be`, `at most ${MAX_ANSWER_BYTES} bytes of JSON`, `more than ${MAX_ANSWER_BYTES} bytes`);
  }
  const challenge = res.headers.get('www-authenticate');
  ctx.trace?.record('http', '<<', ctx.link, `${res.status}${challenge ? ` [www-authenticate: ${challenge}]` : ''} ${maskKeyFields(answer).slice(0, 2000)}`);
  let body: unknown;
  try {
    // 204 No Content has no body by definition (RFC 9110 15.3.5); a vendor API behind a plug-in may use it.
    body = answer === '' && res.status === 204 ? {} : JSON.parse(answer);
  } catch {
    throw new NonConformance(`${ctx.link}: ${req.method} ${path} answered a body that is not JSON`, 'a JSON object', answer.slice(0, 80));
  }
  // JSON that is not an object (null, an array) carries none of the profile's fields: callers' shape checks report it.
  const object = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  return { status: res.status, headers: res.headers, body: object };
}
