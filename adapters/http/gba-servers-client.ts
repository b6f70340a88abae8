/** Authentication Server and Resource Server adapters over the profile's HTTP APIs (docs/profile/gba-api.md). */
import type { Trace } from '../trace.ts';
import type { AuthenticationServerAdapter, ProviderKeys, ProviderTransferAdapter, ResourceServerAdapter } from '../types.ts';
import { tracedHttp, type HttpAnswer } from './traced-http.ts';

interface Options {
  /** Base URL up to /obf/v1/auth or /obf/v1/rs. */
  baseUrl: string;
  adminToken: string;
  timeoutMs: number;
  trace: () => Trace | null;
  /** Names the server in traces when a deployment has several (e.g. "Resource Server of M2M Provider"). */
  name?: string;
}

export class HttpAuthenticationServer implements AuthenticationServerAdapter {
  readonly bootstrapUri: string;
  readonly realm: string;
  /** Present only when the server offers the reference's clock hook. */
  readonly advanceClock?: (seconds: number) => Promise<HttpAnswer>;
  /** Present only when the server offers the provider transfer of 6.4.3 a. */
  readonly transfer?: ProviderTransferAdapter;

  constructor(private readonly opts: Options & { realm: string; clockHook: boolean; transferApi?: boolean }) {
    this.realm = opts.realm;
    if (opts.transferApi) {
      const admin = () => ({ authorization: `Bearer ${this.opts.adminToken}` });
      this.transfer = {
        provider: () => this.send('GET', 'transfer/provider', undefined, {}),
        registerPartner: (keys: ProviderKeys) => this.send('POST', 'transfer/partners', keys, admin()),
        signTransfer: (req) => this.send('POST', 'transfer/statements', req, admin()),
        acceptSubscription: (statement) => this.send('POST', 'transfer/subscriptions', { statement }, admin()),
      };
    }
    this.bootstrapUri = new URL(`${opts.baseUrl}/rpb/bootstrap`).pathname;
    if (opts.clockHook) {
      this.advanceClock = (seconds) => this.send('POST', 'clock', { advanceSeconds: seconds }, { authorization: `Bearer ${this.opts.adminToken}` });
    }
  }

  private send(method: 'GET' | 'POST' | 'PUT', route: string, body: object | undefined, headers: Record<string, string>): Promise<HttpAnswer> {
    // Only the admin token is the harness's configured credential; NAF tokens and Digest answers are under test.
    const credential = headers.authorization === `Bearer ${this.opts.adminToken}` ? 'its admin token' : undefined;
    return tracedHttp({ method, url: `${this.opts.baseUrl}/${route}`, body, headers, credential }, { timeoutMs: this.opts.timeoutMs, trace: this.opts.trace(), link: `harness -> ${this.opts.name ?? 'Authentication Server'}` });
  }

  rpb(authorization: string | null): Promise<HttpAnswer> {
    return this.send('POST', 'rpb/bootstrap', undefined, authorization === null ? {} : { authorization });
  }

  rpo(nafToken: string, req: { btid: string; nafId: string; dataClass?: string }): Promise<HttpAnswer> {
    return this.send('POST', 'rpo/naf-key', req, { authorization: `Bearer ${nafToken}` });
  }

  transferOut(impi: string): Promise<HttpAnswer> {
    return this.send('POST', 'subscribers/transfer-out', { impi }, { authorization: `Bearer ${this.opts.adminToken}` });
  }

  registerNaf(nafId: string, token: string): Promise<HttpAnswer> {
    return this.send('POST', 'nafs', { nafId, token }, { authorization: `Bearer ${this.opts.adminToken}` });
  }

  /** Reference set-up: the subscription the card holds. */
  provisionSubscriber(s: { impi: string; iccid: string; k: string; opc: string; sePublicKey?: string }): Promise<HttpAnswer> {
    return this.send('POST', 'subscribers', s, { authorization: `Bearer ${this.opts.adminToken}` });
  }
}

export class HttpResourceServer implements ResourceServerAdapter {
  constructor(private readonly opts: Options) {}

  private send(method: 'PUT' | 'DELETE' | 'POST', body: object, route = 'rights'): Promise<HttpAnswer> {
    return tracedHttp({ method, url: `${this.opts.baseUrl}/${route}`, body, headers: { authorization: `Bearer ${this.opts.adminToken}` }, credential: 'its admin token' }, { timeoutMs: this.opts.timeoutMs, trace: this.opts.trace(), link: `harness -> ${this.opts.name ?? 'Resource Server'}` });
  }

  grant(iccid: string, nafId: string, dataClasses: string[], notifyUrl?: string): Promise<HttpAnswer> {
    return this.send('PUT', notifyUrl === undefined ? { iccid, nafId, dataClasses } : { iccid, nafId, dataClasses, notifyUrl });
  }

  revoke(iccid: string, nafId: string): Promise<HttpAnswer> {
    return this.send('DELETE', { iccid, nafId });
  }

  exportRights(iccid: string): Promise<HttpAnswer> {
    return this.send('POST', { iccid }, 'rights/export');
  }

  subscriptionChange(req: { iccid: string; newIccid: string; authenticationServer: { realm: string; url: string } }): Promise<HttpAnswer> {
    return this.send('POST', req, 'subscription-change');
  }
}
