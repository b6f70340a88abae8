/**
 * The reference Resource Server (draft 3.2 iv, v; 6.1; 6.4.2 RPR): it holds, per device (ICCID) and Application
 * Server (NAF_Id), the rights granted and the data classes they cover (6.3.1 f, h: several beneficiaries of one
 * device, each with its own part). Its owner grants and revokes rights on the admin API; the Authentication Server
 * asks over RPR whether a NAF has rights for a device before it hands out Ks_NAF (docs/profile/gba-api.md).
 * State in rights-store.ts (in memory, or durable in a data file); tokens kept as SHA-256 digests; bodies never logged.
 */
import { postJson } from '../http-client.ts';
import type { FaultSet } from '../faults.ts';
import {
  API_BASE, HttpError, bearerToken, checkToken, iccidField, jsonRouter, nafIdField, listenJson, tokenMatches, unauthorised,
  type JsonRequest, type RunningServer,
} from '../http-json.ts';
import { RightsStore, type Grant } from './rights-store.ts';
import { closingStore } from '../storage/database.ts';

export const RS_BASE = `${API_BASE}/rs`;
export const MAX_DATA_CLASSES = 32;
export const DATA_CLASS_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

export interface ResourceServerOptions {
  /** Bearer token of the admin API (granting and revoking rights). */
  adminToken: string;
  /** Bearer token the Authentication Server presents on RPR. */
  rprToken: string;
  faults?: FaultSet;
  host?: string;
  port?: number;
  /** SQLite data file for the rights (created if missing); in memory when absent. */
  data?: string;
  /** Resource Servers sharing one data file keep their rights apart under their scope (default ''). */
  dataScope?: string;
}

function dataClassesField(body: Record<string, unknown>): string[] {
  const v = body.dataClasses;
  if (!Array.isArray(v)) throw new HttpError(400, 'BAD_REQUEST', `field 'dataClasses' must be an array of strings${v === undefined ? ' and is required' : ''}`, 'dataClasses');
  if (v.length > MAX_DATA_CLASSES) throw new HttpError(400, 'BAD_REQUEST', `field 'dataClasses' has ${v.length} entries, at most ${MAX_DATA_CLASSES} allowed`, 'dataClasses');
  for (const c of v) {
    if (typeof c !== 'string' || !DATA_CLASS_PATTERN.test(c)) {
      throw new HttpError(400, 'BAD_REQUEST', "each data class must be 1 to 64 characters of A-Z a-z 0-9 . _ : -", 'dataClasses');
    }
  }
  return [...new Set(v as string[])];
}

/** Optional `notifyUrl` of a grant: where the Application Server wants to hear of subscription changes (6.3.1 e). */
function notifyUrlField(body: Record<string, unknown>): string | undefined {
  const v = body.notifyUrl;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > 2048) throw new HttpError(400, 'BAD_REQUEST', "field 'notifyUrl' must be an http(s) URL of at most 2048 characters", 'notifyUrl');
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', "field 'notifyUrl' must be an http(s) URL", 'notifyUrl');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpError(400, 'BAD_REQUEST', "field 'notifyUrl' must be an http(s) URL", 'notifyUrl');
  return url.href;
}

/** How long the Resource Server waits for an Application Server to take a notification. */
export const NOTIFY_TIMEOUT_MS = 5_000;

/** A notification to send: the transport (fetch in the server, a stub in unit tests) is the caller's. */
export interface Notification {
  url: string;
  nafId: string;
  body: Record<string, unknown>;
}

/** Rights per device and NAF; transport-free. */
export class ReferenceResourceServer {
  private readonly grants: Map<string, Grant>;

  constructor(private readonly faults: FaultSet = new Set(), private readonly store = RightsStore.open(undefined)) {
    this.grants = store.grants;
  }

  private static key(iccid: string, nafId: string): string {
    return RightsStore.key(iccid, nafId);
  }

  grant(body: Record<string, unknown>): { status: 'OK' } {
    const iccid = iccidField(body);
    const nafId = nafIdField(body);
    const classes = dataClassesField(body);
    const notifyUrl = notifyUrlField(body);
    this.store.put(iccid, nafId, { dataClasses: classes, ...(notifyUrl !== undefined ? { notifyUrl } : {}) });
    return { status: 'OK' };
  }

  private grantsOf(iccid: string): Array<[string, Grant]> {
    const prefix = `${iccid}/`;
    return [...this.grants].filter(([k]) => k.startsWith(prefix)).map(([k, g]) => [k.slice(prefix.length), g]);
  }

  /**
   * Admin (6.3.1 c): the rights of a device, for the owner to move to a new provider's Resource Server. Rights
   * and data classes only: the Resource Server holds no key material.
   */
  exportRights(body: Record<string, unknown>): { status: 'OK'; iccid: string; rights: Array<{ nafId: string; dataClasses: string[] }> } {
    const iccid = iccidField(body);
    return { status: 'OK', iccid, rights: this.grantsOf(iccid).map(([nafId, g]) => ({ nafId, dataClasses: [...g.dataClasses] })) };
  }

  /**
   * Admin (6.3.1 e): the device's eUICC now runs another subscription (new ICCID, new Authentication Server). The
   * rights move to the new ICCID, and exactly the Application Servers holding rights over the device are told,
   * each at the notifyUrl of its grant. Returns the notifications to send.
   */
  subscriptionChange(body: Record<string, unknown>): { answer: { status: 'OK'; iccid: string; newIccid: string; notified: number }; notifications: Notification[] } {
    const iccid = iccidField(body);
    const newIccid = iccidField({ iccid: body.newIccid });
    const auth = body.authenticationServer as Record<string, unknown> | undefined;
    if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) throw new HttpError(400, 'BAD_REQUEST', "field 'authenticationServer' must be an object with 'realm' and 'url'", 'authenticationServer');
    const realm = auth.realm;
    if (typeof realm !== 'string' || !/^[A-Za-z0-9.-]{1,253}$/.test(realm)) throw new HttpError(400, 'BAD_REQUEST', "field 'authenticationServer.realm' must be a DNS name", 'authenticationServer');
    const url = notifyUrlField({ notifyUrl: auth.url });
    if (url === undefined) throw new HttpError(400, 'BAD_REQUEST', "field 'authenticationServer.url' is required", 'authenticationServer');
    const mine = this.grantsOf(iccid);
    if (mine.length === 0) throw new HttpError(404, 'UNKNOWN_DEVICE', `no rights are held over ICCID ${iccid}`, 'iccid');
    const event = { event: 'subscription-change', iccid, newIccid, authenticationServer: { realm, url } };
    let told: Array<[string, Grant]> = mine;
    if (this.faults.has('rs-change-told-to-all')) told = [...this.grants].map(([k, g]) => [k.split('/')[1], g]);
    if (this.faults.has('rs-change-not-forwarded')) told = [];
    const notifications = told.filter(([, g]) => g.notifyUrl !== undefined).map(([nafId, g]) => ({ url: g.notifyUrl!, nafId, body: { ...event, nafId } }));
    this.store.move(iccid, newIccid, mine.map(([nafId]) => nafId));
    return { answer: { status: 'OK', iccid, newIccid, notified: notifications.length }, notifications };
  }

  revoke(body: Record<string, unknown>): { status: 'OK' } {
    const iccid = iccidField(body);
    const nafId = nafIdField(body);
    const key = ReferenceResourceServer.key(iccid, nafId);
    if (!this.grants.has(key)) throw new HttpError(404, 'UNKNOWN_GRANT', `no rights granted to this NAF for ICCID ${iccid}`);
    if (this.faults.has('rs-revoke-all-nafs')) {
      // The fault: one beneficiary's revocation takes every beneficiary's rights over the device (6.3.1 h).
      for (const [other] of this.grantsOf(iccid)) this.store.drop(iccid, other);
    } else if (!this.faults.has('rs-ignore-revocation')) this.store.drop(iccid, nafId);
    return { status: 'OK' };
  }

  /** RPR: the rights of one NAF for one device. */
  rights(body: Record<string, unknown>): { granted: boolean; dataClasses: string[] } {
    const g = this.grants.get(ReferenceResourceServer.key(iccidField(body), nafIdField(body)));
    return g ? { granted: true, dataClasses: [...g.dataClasses] } : { granted: false, dataClasses: [] };
  }
}

/** POST one notification; false when the Application Server did not take it (it is not retried: the profile's reference keeps it simple). */
async function notify(n: Notification): Promise<boolean> {
  try {
    const res = await postJson(n.url, n.body, {}, NOTIFY_TIMEOUT_MS);
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

export async function startResourceServer(opts: ResourceServerOptions): Promise<RunningServer> {
  const admin = checkToken('adminToken', opts.adminToken);
  const rpr = checkToken('rprToken', opts.rprToken);
  if (admin === rpr) throw new TypeError('adminToken and rprToken must differ');
  const store = RightsStore.open(opts.data, opts.dataScope);
  const rs = new ReferenceResourceServer(opts.faults, store);
  const need = (digest: string, what: string) => (req: JsonRequest) => {
    const token = bearerToken(req.headers);
    if (!tokenMatches(token, digest)) throw unauthorised('obf-resource-server', what, req.headers.authorization !== undefined);
  };
  const adminOnly = need(admin, 'admin API');
  return closingStore(store, () => listenJson(jsonRouter({
    // Liveness, no credential: what `targets check` asks to see the base URL is right (as the AS's /health).
    [`${RS_BASE}/health`]: { GET: { body: 'none', handle: () => ({ status: 200, body: { status: 'UP', profile: 'obf-test-profile/1' } }) } },
    [`${RS_BASE}/rights`]: {
      PUT: { body: 'json', authorize: adminOnly, handle: (req) => ({ status: 200, body: rs.grant(req.body) }) },
      DELETE: { body: 'json', authorize: adminOnly, handle: (req) => ({ status: 200, body: rs.revoke(req.body) }) },
    },
    [`${RS_BASE}/rights/export`]: {
      POST: { body: 'json', authorize: adminOnly, handle: (req) => ({ status: 200, body: rs.exportRights(req.body) }) },
    },
    [`${RS_BASE}/subscription-change`]: {
      POST: {
        body: 'json',
        authorize: adminOnly,
        handle: async (req) => {
          const { answer, notifications } = rs.subscriptionChange(req.body);
          const delivered = await Promise.all(notifications.map((n) => notify(n)));
          return { status: 200, body: { ...answer, delivered: delivered.filter(Boolean).length } };
        },
      },
    },
    [`${RS_BASE}/rpr/rights`]: {
      POST: { body: 'json', authorize: need(rpr, 'RPR'), handle: (req) => ({ status: 200, body: rs.rights(req.body) }) },
    },
  }), { basePath: RS_BASE, host: opts.host, port: opts.port }));
}
