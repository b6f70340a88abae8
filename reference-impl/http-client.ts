/**
 * The reference servers' one HTTP client, for their calls to each other (RPR, RPO, subscription-change
 * notifications): node:http with keep-alive. fetch (undici) cost about a millisecond more per call on loopback.
 */
import http from 'node:http';
import https from 'node:https';

/** Answers larger than this are not read (the peers' answers are small JSON objects). */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** The peer did not answer within the time, refused the connection, broke it, or sent too much. */
export class PeerUnavailableError extends Error {
  override readonly name = 'PeerUnavailableError';
}

export interface PeerAnswer {
  status: number;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: unknown;
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** POST a JSON body and read the JSON answer, all within timeoutMs. */
export function postJson(url: string, body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<PeerAnswer> {
  const target = new URL(url);
  const text = JSON.stringify(body);
  const deadline = Date.now() + timeoutMs;
  const attempt = (retry: boolean): Promise<PeerAnswer> =>
    new Promise<PeerAnswer>((resolve, reject) => {
      const secure = target.protocol === 'https:';
      const req = (secure ? https : http).request(target, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) },
        agent: secure ? agents.https : agents.http,
      });
      let answered = false;
      const timer = setTimeout(() => req.destroy(new PeerUnavailableError(`no answer within ${timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
      const fail = (e: Error) => {
        clearTimeout(timer);
        // A kept-alive connection the peer closed while idle: send once more on a new one (http.ClientRequest.reusedSocket).
        if (retry && !answered && req.reusedSocket && (e as NodeJS.ErrnoException).code === 'ECONNRESET') return void attempt(false).then(resolve, reject);
        reject(e instanceof PeerUnavailableError ? e : new PeerUnavailableError(e.message));
      };
      req.on('error', fail);
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) return void req.destroy(new PeerUnavailableError(`answered more than ${MAX_ANSWER_BYTES} bytes`));
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          if (!res.complete) return reject(new PeerUnavailableError('closed the connection before a complete answer'));
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      });
      req.end(text);
    });
  return attempt(true);
}
