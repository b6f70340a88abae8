/**
 * Application Server adapter over the profile's HTTP API (docs/profile/http-api.md). Used for the bundled
 * reference server (a real HTTP server on loopback) and for third-party servers alike.
 */
import { NonConformance } from '../../harness/verdicts.ts';
import type { Trace } from '../trace.ts';
import { tracedHttp } from './traced-http.ts';
import type { ApplicationServerAdapter, AsResult, ImportKeyRequest } from '../types.ts';

export interface HttpClientOptions {
  /** Base URL up to and including /obf/v1. */
  baseUrl: string;
  timeoutMs: number;
  trace: () => Trace | null;
  name?: string;
  /** Bearer token for POST /keys, when the server asks for one (docs/profile/http-api.md 3). */
  adminToken?: string;
  /** Sent as `Authorization: Bearer <token>` on every call when the server wants one (target file PIXIT). */
  token?: string;
}

export class HttpApplicationServer implements ApplicationServerAdapter {
  constructor(private readonly opts: HttpClientOptions) {}

  private get link(): string {
    return `harness -> ${this.opts.name ?? 'AS'}`;
  }

  async postRaw(path: 'keys' | 'decrypt' | 'encrypt' | 'rpa/nafs' | 'rpa/keys', body: string, contentType = 'application/json'): Promise<{ httpStatus: number; body: unknown }> {
    // Key import and the RPA NAF credential are administrative (the admin token); a target's token goes with every other call.
    const admin = (path === 'keys' || path === 'rpa/nafs') && this.opts.adminToken;
    const bearer = admin ? this.opts.adminToken : this.opts.token;
    const headers = bearer ? { authorization: `Bearer ${bearer}` } : undefined;
    const credential = bearer ? (admin ? 'its admin token' : 'its access token') : undefined;
    const a = await tracedHttp({ method: 'POST', url: `${this.opts.baseUrl}/${path}`, body, contentType, headers, credential }, { timeoutMs: this.opts.timeoutMs, trace: this.opts.trace(), link: this.link });
    return { httpStatus: a.status, body: a.body };
  }

  private async call<T>(path: 'keys' | 'decrypt' | 'encrypt' | 'rpa/nafs' | 'rpa/keys', req: object, shape: (v: Record<string, unknown>) => boolean): Promise<AsResult<T>> {
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

  configureNaf(nafId: string, token: string): Promise<AsResult<{ status: string }>> {
    return this.call('rpa/nafs', { nafId, token }, (v) => v.status === 'OK');
  }

  establishRpaKeys(req: { iccid: string; nafId: string; btid: string; keyIndex: number }): Promise<AsResult<{ status: string; keyIndex: number; lifetime: string }>> {
    return this.call('rpa/keys', req, (v) => v.status === 'OK' && v.keyIndex === req.keyIndex && typeof v.lifetime === 'string');
  }
}
