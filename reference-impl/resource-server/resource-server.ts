/**
 * The reference Resource Server (draft 3.2 iv, v; 6.1; 6.4.2 RPR): it holds, per device (ICCID) and Application
 * Server (NAF_Id), the rights granted and the data classes they cover (6.3.1 f, h: several beneficiaries of one
 * device, each with its own part). Its owner grants and revokes rights on the admin API; the Authentication Server
 * asks over RPR whether a NAF has rights for a device before it hands out Ks_NAF (docs/profile/gba-api.md).
 * State in memory; tokens kept as SHA-256 digests; bodies never logged.
 */
import type { FaultSet } from '../faults.ts';
import {
  API_BASE, HttpError, bearerToken, checkToken, iccidField, jsonRouter, nafIdField, listenJson, tokenMatches, unauthorised,
  type JsonRequest, type RunningServer,
} from '../http-json.ts';

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

/** Rights per device and NAF; transport-free. */
export class ReferenceResourceServer {
  private readonly grants = new Map<string, string[]>();

  constructor(private readonly faults: FaultSet = new Set()) {}

  private static key(iccid: string, nafId: string): string {
    return `${iccid}/${nafId}`;
  }

  grant(body: Record<string, unknown>): { status: 'OK' } {
    const iccid = iccidField(body);
    const nafId = nafIdField(body);
    const classes = dataClassesField(body);
    this.grants.set(ReferenceResourceServer.key(iccid, nafId), classes);
    return { status: 'OK' };
  }

  revoke(body: Record<string, unknown>): { status: 'OK' } {
    const iccid = iccidField(body);
    const nafId = nafIdField(body);
    const key = ReferenceResourceServer.key(iccid, nafId);
    if (!this.grants.has(key)) throw new HttpError(404, 'UNKNOWN_GRANT', `no rights granted to this NAF for ICCID ${iccid}`);
    if (!this.faults.has('rs-ignore-revocation')) this.grants.delete(key);
    return { status: 'OK' };
  }

  /** RPR: the rights of one NAF for one device. */
  rights(body: Record<string, unknown>): { granted: boolean; dataClasses: string[] } {
    const classes = this.grants.get(ReferenceResourceServer.key(iccidField(body), nafIdField(body)));
    return classes ? { granted: true, dataClasses: [...classes] } : { granted: false, dataClasses: [] };
  }
}

export async function startResourceServer(opts: ResourceServerOptions): Promise<RunningServer> {
  const admin = checkToken('adminToken', opts.adminToken);
  const rpr = checkToken('rprToken', opts.rprToken);
  if (admin === rpr) throw new TypeError('adminToken and rprToken must differ');
  const rs = new ReferenceResourceServer(opts.faults);
  const need = (digest: string, what: string) => (req: JsonRequest) => {
    const token = bearerToken(req.headers);
    if (!tokenMatches(token, digest)) throw unauthorised('obf-resource-server', what, req.headers.authorization !== undefined);
  };
  const adminOnly = need(admin, 'admin API');
  return listenJson(jsonRouter({
    [`${RS_BASE}/rights`]: {
      PUT: { body: 'json', authorize: adminOnly, handle: (req) => ({ status: 200, body: rs.grant(req.body) }) },
      DELETE: { body: 'json', authorize: adminOnly, handle: (req) => ({ status: 200, body: rs.revoke(req.body) }) },
    },
    [`${RS_BASE}/rpr/rights`]: {
      POST: { body: 'json', authorize: need(rpr, 'RPR'), handle: (req) => ({ status: 200, body: rs.rights(req.body) }) },
    },
  }), { basePath: RS_BASE, host: opts.host, port: opts.port });
}
