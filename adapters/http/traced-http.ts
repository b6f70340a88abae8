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

export async function tracedHttp(req: HttpRequest, ctx: { timeoutMs: number; trace: Trace | null; link: string }): Promise<HttpAnswer> {
  const text = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const headers: Record<string, string> = { ...(text !== undefined ? { 'content-type': req.contentType ?? 'application/json' } : {}), ...req.headers };
  const path = new URL(req.url).pathname;
  const shownHeaders = Object.entries(req.headers ?? {}).map(([k, v]) => `${k}: ${/^bearer /i.test(v) ? 'Bearer <token masked>' : v}`).join('; ');
  ctx.trace?.record('http', '>>', ctx.link, `${req.method} ${path}${shownHeaders ? ` [${shownHeaders}]` : ''} ${text !== undefined ? maskKeyFields(text).slice(0, 2000) : ''}`);
  let res: Response;
  let answer: string;
  try {
    res = await fetch(req.url, { method: req.method, headers, body: text, signal: AbortSignal.timeout(ctx.timeoutMs) });
    answer = await res.text();
  } catch (e) {
    const why = (e as Error).name === 'TimeoutError' ? `no answer within ${ctx.timeoutMs} ms` : `connection failed: ${(e as Error).message}`;
    ctx.trace?.record('http', '<<', ctx.link, why);
    throw new Inconclusive(`${ctx.link}: ${req.method} ${path}: ${why}`);
  }
  const challenge = res.headers.get('www-authenticate');
  ctx.trace?.record('http', '<<', ctx.link, `${res.status}${challenge ? ` [www-authenticate: ${challenge}]` : ''} ${maskKeyFields(answer).slice(0, 2000)}`);
  let body: unknown;
  try {
    body = JSON.parse(answer);
  } catch {
    throw new NonConformance(`${ctx.link}: ${req.method} ${path} answered a body that is not JSON`, 'a JSON object', answer.slice(0, 80));
  }
  // JSON that is not an object (null, an array) carries none of the profile's fields: callers' shape checks report it.
  const object = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  return { status: res.status, headers: res.headers, body: object };
}
