/**
 * Application Server adapter over the profile's HTTP API (docs/profile/http-api.md). Used for the bundled
 * reference server (a real HTTP server on loopback) and for third-party servers alike.
 */
import { Inconclusive, NonConformance } from '../../harness/verdicts.ts';
import { maskKeyFields, type Trace } from '../trace.ts';
import type { ApplicationServerAdapter, AsResult, ImportKeyRequest } from '../types.ts';

export interface HttpClientOptions {
  /** Base URL up to and including /obf/v1. */
  baseUrl: string;
  timeoutMs: number;
  trace: () => Trace | null;
  name?: string;
}

export class HttpApplicationServer implements ApplicationServerAdapter {
  constructor(private readonly opts: HttpClientOptions) {}

  private get link(): string {
    return `harness -> ${this.opts.name ?? 'AS'}`;
  }

  async postRaw(path: 'keys' | 'decrypt' | 'encrypt', body: string, contentType = 'application/json'): Promise<{ httpStatus: number; body: unknown }> {
    const url = `${this.opts.baseUrl}/${path}`;
    const trace = this.opts.trace();
    trace?.record('http', '>>', this.link, `POST /${path} ${maskKeyFields(body).slice(0, 2000)}`);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      text = await res.text();
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? `no answer within ${this.opts.timeoutMs} ms` : `connection failed: ${(e as Error).message}`;
      trace?.record('http', '<<', this.link, why);
      throw new Inconclusive(`Application Server at ${url}: ${why}`);
    }
    trace?.record('http', '<<', this.link, `${res.status} ${text.slice(0, 2000)}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new NonConformance(`Application Server answered POST /${path} with a body that is not JSON`, 'a JSON object', text.slice(0, 80));
    }
    return { httpStatus: res.status, body: parsed };
  }

  private async call<T>(path: 'keys' | 'decrypt' | 'encrypt', req: object, shape: (v: Record<string, unknown>) => boolean): Promise<AsResult<T>> {
    const { httpStatus, body } = await this.postRaw(path, JSON.stringify(req));
    const obj = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (httpStatus >= 200 && httpStatus < 300) {
      if (!shape(obj)) throw new NonConformance(`Application Server's answer to POST /${path} lacks the profile's fields`, 'fields of docs/profile/http-api.md', JSON.stringify(obj).slice(0, 120));
      return { ok: true, httpStatus, value: obj as T };
    }
    const err = obj.error as Record<string, unknown> | undefined;
    if (obj.status !== 'NOK' || typeof err?.code !== 'string') {
      throw new NonConformance(`Application Server refused POST /${path} (HTTP ${httpStatus}) without the profile's error object`, '{"status":"NOK","error":{"code":...}}', JSON.stringify(obj).slice(0, 120));
    }
    return { ok: false, httpStatus, code: err.code, message: String(err.message ?? '') };
  }

  importKey(req: ImportKeyRequest): Promise<AsResult<{ status: string }>> {
    return this.call('keys', req, (v) => v.status === 'OK');
  }

  decryptData(req: { iccid: string; keyIndex: number; packet: string }): Promise<AsResult<{ data: string; counter?: string }>> {
    return this.call('decrypt', req, (v) => typeof v.data === 'string');
  }

  encryptData(req: { iccid: string; keyIndex: number; data: string; replayCheck: boolean }): Promise<AsResult<{ packet: string }>> {
    return this.call('encrypt', req, (v) => typeof v.packet === 'string');
  }
}
