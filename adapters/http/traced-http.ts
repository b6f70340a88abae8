/**
 * The one base every HTTP exchange with a system under test passes through: records request and answer in the
 * trace (key fields masked), turns no answer into Inconclusive, and a body that is not JSON into NonConformance.
 * node:http with keep-alive, not fetch: fetch (undici) cost about a millisecond more per exchange on loopback, and a
 * run makes over a thousand (issue 7 item 7).
 */
import http from 'node:http';
import https from 'node:https';
import { HarnessError, Inconclusive, NonConformance } from '../../harness/verdicts.ts';
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
  /**
   * The configured credential this request carries (e.g. "its admin token"), when it carries one: a 401 to it is a
   * configuration fault (a wrong or expired token in the target file), verdict error, not the product's failure.
   */
  credential?: string;
}

/** The profile's answers are small JSON objects; a larger body is outside the profile (and must not exhaust the harness). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** The exchange took longer than the deadline (our own timer, not a socket error). */
class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** A body over MAX_ANSWER_BYTES: the exchange is cut there. */
class OversizeError extends Error {
  override readonly name = 'OversizeError';
  constructor(readonly status: number) {
    super('answer too large');
  }
}

/** Why a request failed: a product that did not answer (inconclusive) or answered something that is not HTTP (fail). */
function failureOf(e: unknown, timeoutMs: number): { verdict: 'inconclusive' | 'fail'; why: string } {
  const err = e as NodeJS.ErrnoException;
  if (err instanceof DeadlineError) return { verdict: 'inconclusive', why: `no answer within ${timeoutMs} ms` };
  const code = err.code ?? '';
  if (code.startsWith('HPE_')) return { verdict: 'fail', why: `answered bytes that are not HTTP/1.1 (${err.message})` };
  if (code === 'ECONNREFUSED') return { verdict: 'inconclusive', why: 'connection failed: connection refused (is the server running?)' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { verdict: 'inconclusive', why: `connection failed: host not found (${code})` };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || err.message === 'aborted') {
    return { verdict: 'inconclusive', why: `connection failed: closed before a complete answer (${err.message})` };
  }
  return { verdict: 'inconclusive', why: `connection failed: ${err.message}${code ? ` (${code})` : ''}` };
}

// Keep-alive pools: the profile's exchanges are many small ones to the same few servers.
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

interface RawAnswer {
  status: number;
  headers: Headers;
  /** null: larger than MAX_ANSWER_BYTES (not read further). */
  text: string | null;
}

/** One exchange, body included, within timeoutMs; redirects are not followed (an answer like any other). */
function exchange(url: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<RawAnswer> {
  const deadline = Date.now() + timeoutMs;
  const attempt = (retry: boolean): Promise<RawAnswer> =>
    new Promise<RawAnswer>((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const req = (secure ? https : http).request(url, { method, headers, agent: secure ? agents.https : agents.http });
      let answered = false;
      // One deadline for the whole exchange, body included: a server that sends headers and then stalls is as silent as one that never answers.
      const timer = setTimeout(() => req.destroy(new DeadlineError()), Math.max(0, deadline - Date.now()));
      const fail = (e: Error) => {
        clearTimeout(timer);
        // A kept-alive connection the server closed while idle, before this request reached it: Node's documented
        // case for sending once more on a new connection (http.ClientRequest.reusedSocket). Not a product failure.
        if (retry && !answered && req.reusedSocket && (e as NodeJS.ErrnoException).code === 'ECONNRESET') return void attempt(false).then(resolve, reject);
        reject(e);
      };
      req.on('error', fail);
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) return void req.destroy(new OversizeError(res.statusCode ?? 0));
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          if (!res.complete) return reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
          const h = new Headers();
          for (let k = 0; k + 1 < res.rawHeaders.length; k += 2) {
            try {
              h.append(res.rawHeaders[k], res.rawHeaders[k + 1]);
            } catch {
              // A header value the Fetch standard refuses: not one the profile reads.
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(body);
    });
  return attempt(true).catch((e: unknown) => {
    if (e instanceof OversizeError) return { status: e.status, headers: new Headers(), text: null };
    throw e;
  });
}

export async function tracedHttp(req: HttpRequest, ctx: { timeoutMs: number; trace: Trace | null; link: string }): Promise<HttpAnswer> {
  const text = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  // content-length always with a body: Node would not send one by itself for DELETE, and servers must know where it ends.
  const headers: Record<string, string> = {};
  // Later wins, whatever the case of the name: a plug-in's own content-type replaces the default, never doubles it.
  const given = { ...(text !== undefined ? { 'content-type': req.contentType ?? 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {}), ...req.headers };
  for (const [k, v] of Object.entries(given)) headers[k.toLowerCase()] = v;
  const path = new URL(req.url).pathname;
  // Credentials never reach the evidence: Bearer tokens, and headers named like a key or token (a plug-in's x-api-key).
  const shownHeaders = Object.entries(req.headers ?? {}).map(([k, v]) => `${k}: ${/^bearer /i.test(v) ? 'Bearer <token masked>' : /key|token|secret|password|cookie/i.test(k) ? '<masked>' : v}`).join('; ');
  ctx.trace?.record('http', '>>', ctx.link, `${req.method} ${path}${shownHeaders ? ` [${shownHeaders}]` : ''} ${text !== undefined ? maskKeyFields(text).slice(0, 2000) : ''}`);
  let res: RawAnswer;
  try {
    res = await exchange(new URL(req.url), req.method, headers, text, ctx.timeoutMs);
  } catch (e) {
    const { verdict, why } = failureOf(e, ctx.timeoutMs);
    ctx.trace?.record('http', '<<', ctx.link, why);
    if (verdict === 'fail') throw new NonConformance(`${ctx.link}: ${req.method} ${path} ${why}`);
    throw new Inconclusive(`${ctx.link}: ${req.method} ${path}: ${why}`);
  }
  const answer = res.text;
  if (answer === null) {
    ctx.trace?.record('http', '<<', ctx.link, `${res.status} body larger than ${MAX_ANSWER_BYTES} bytes (not read further)`);
    throw new NonConformance(`${ctx.link}: ${req.method} ${path} answered a body larger than the profile's answers can be`, `at most ${MAX_ANSWER_BYTES} bytes of JSON`, `more than ${MAX_ANSWER_BYTES} bytes`);
  }
  if (res.status === 401 && req.credential) {
    ctx.trace?.record('http', '<<', ctx.link, `401 ${maskKeyFields(answer).slice(0, 200)}`);
    throw new HarnessError(`${ctx.link}: ${req.method} ${path} refused ${req.credential} (HTTP 401): the credential the harness was given for this server is wrong or expired; correct it (target file: the role's token or adminToken) and run again`);
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
