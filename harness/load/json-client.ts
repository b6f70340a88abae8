/**
 * A lean JSON-over-HTTP client for load: node:http with a keep-alive agent (fetch costs several times more per
 * request, and the load generator shares the machine with the server it measures). No trace: the load run
 * reports counts and latencies, never bodies (they carry keys on import).
 */
import http from 'node:http';

export interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Thrown when no HTTP answer came: connection refused or reset, timeout. `reason` is short, for counting. */
export class TransportError extends Error {
  constructor(readonly reason: string) {
    super(`no answer: ${reason}`);
    this.name = 'TransportError';
  }
}

export class JsonClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  /** `baseUrl` up to and including /obf/v1; `headers` go with every request (e.g. an admin token). */
  constructor(baseUrl: string, private readonly opts: { maxSockets?: number; timeoutMs?: number; headers?: Record<string, string> } = {}) {
    this.base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 64 });
  }

  post(path: string, body: unknown): Promise<JsonAnswer> {
    const text = JSON.stringify(body);
    const url = new URL(path, this.base);
    return new Promise((resolve, reject) => {
      const req = http.request(url, {
        method: 'POST', agent: this.agent, timeout: this.opts.timeoutMs ?? 10_000,
        headers: { ...this.opts.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e: NodeJS.ErrnoException) => reject(new TransportError(e.code ?? e.message)));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            parsed = {};
          }
          resolve({ status: res.statusCode ?? 0, body: typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {} });
        });
      });
      req.on('timeout', () => req.destroy(new TransportError('timeout')));
      req.on('error', (e: NodeJS.ErrnoException) => reject(e instanceof TransportError ? e : new TransportError(e.code ?? e.message)));
      req.end(text);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** error.code of a {"status":"NOK","error":{...}} answer, else `HTTP <status>`. */
export function refusalCode(a: JsonAnswer): string {
  const e = a.body.error as { code?: unknown } | undefined;
  return typeof e?.code === 'string' ? e.code : `HTTP ${a.status}`;
}
