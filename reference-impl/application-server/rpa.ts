/**
 * The reference Application Server as a NAF for RPA (draft 3.2 viii, 6.4.2; docs/profile/http-api.md section 9):
 * it holds its NAF identities (NAF_Id and RPO token, set up by its operator), fetches Ks_int_NAF for a device's
 * B-TID from the Authentication Server over RPO, checks that the B-TID is that device's, and installs the packet
 * keysets derived from it (protocol/obf-rpa.ts) at an RPA key index; /encrypt and /decrypt then use them.
 */
import { postJson, type PeerAnswer } from '../http-client.ts';
import { deriveRpaKeysets, isRpaKeyIndex, RPA_KEY_INDEX_MAX, RPA_KEY_INDEX_MIN } from '../../protocol/obf-rpa.ts';
import { fromHex } from '../../protocol/hex.ts';
import type { FaultSet } from '../faults.ts';
import { TOKEN_PATTERN, field, nafIdField } from '../http-json.ts';
import { AsError, type ReferenceApplicationServer } from './application-server.ts';

/** How long the Application Server waits for the Authentication Server on RPO. */
export const RPO_TIMEOUT_MS = 5_000;

export interface RpoAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** RPO as the NAF sees it: POST <auth>/rpo/naf-key with its Bearer token. Throws AsError 503 when there is no answer. */
export type RpoClient = (token: string, req: { btid: string; nafId: string }) => Promise<RpoAnswer>;

const unavailable = (why: string) => new AsError(503, 'AUTHENTICATION_SERVER_UNAVAILABLE', `the Authentication Server ${why}`);

export function httpRpoClient(authUrl: string | undefined, timeoutMs = RPO_TIMEOUT_MS): RpoClient {
  return async (token, req) => {
    if (!authUrl) throw unavailable('is not configured (start the Application Server with its URL)');
    let res: PeerAnswer;
    try {
      res = await postJson(`${authUrl}/rpo/naf-key`, req, { authorization: `Bearer ${token}` }, timeoutMs);
    } catch {
      throw unavailable('did not answer');
    }
    const body = res.json;
    if (body === undefined) throw unavailable(`answered HTTP ${res.status} without a JSON body`);
    return { status: res.status, body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {} };
  };
}

export class RpaNaf {
  /** NAF_Id (upper-case hex) -> RPO token. */
  private readonly tokens = new Map<string, string>();

  constructor(private readonly as: ReferenceApplicationServer, private readonly rpo: RpoClient, private readonly faults: FaultSet = new Set()) {}

  /** Set-up: one NAF identity of this Application Server and its RPO credential. Replaces an earlier token. */
  configureNaf(body: Record<string, unknown>): { status: 'OK' } {
    const nafId = nafIdField(body);
    const token = field<string>(body, 'token', 'string');
    if (!TOKEN_PATTERN.test(token)) throw new AsError(400, 'BAD_REQUEST', "field 'token' must be 16 to 512 token68 characters (RFC 6750)", 'token');
    this.tokens.set(nafId, token);
    return { status: 'OK' };
  }

  /** RPA key set-up for one device: RPO with its B-TID, then the keysets at `keyIndex`. */
  async establish(body: Record<string, unknown>): Promise<{ status: 'OK'; keyIndex: number; lifetime: string }> {
    const iccid = this.as.iccidOf(body);
    const nafId = nafIdField(body);
    const btid = field<string>(body, 'btid', 'string');
    if (btid.length === 0 || btid.length > 512) throw new AsError(400, 'BAD_REQUEST', "field 'btid' must be 1 to 512 characters", 'btid');
    const keyIndex = field<number>(body, 'keyIndex', 'number');
    if (!isRpaKeyIndex(keyIndex)) throw new AsError(400, 'BAD_REQUEST', `field 'keyIndex' must be an RPA key index ${RPA_KEY_INDEX_MIN}..${RPA_KEY_INDEX_MAX}, got ${keyIndex}`, 'keyIndex');
    const token = this.tokens.get(nafId);
    if (!token) throw new AsError(404, 'UNKNOWN_NAF', 'this Application Server has no RPO credential for this NAF_Id (POST /obf/v1/rpa/nafs)', 'nafId');
    const a = await this.rpo(token, { btid, nafId });
    if (a.status !== 200) {
      const e = a.body.error as { code?: unknown } | undefined;
      const code = a.body.status === 'NOK' && typeof e?.code === 'string' ? e.code : `HTTP ${a.status}`;
      if (a.status >= 500) throw unavailable(`could not answer RPO (${code})`);
      throw new AsError(403, 'KEY_MATERIAL_REFUSED', `the Authentication Server refused the key material: ${code}`, 'btid');
    }
    const { ksIntNaf, iccid: owner, lifetime } = a.body;
    if (typeof ksIntNaf !== 'string' || !/^[0-9A-Fa-f]{64}$/.test(ksIntNaf) || typeof owner !== 'string' || typeof lifetime !== 'string' || Number.isNaN(Date.parse(lifetime))) {
      throw unavailable('answered RPO without ksIntNaf (32 bytes), iccid and lifetime');
    }
    // The B-TID identifies a bootstrap, not a device: only the Authentication Server can say whose it is (B.2 up 1).
    if (owner !== iccid && !this.faults.has('as-rpa-iccid-unchecked')) {
      throw new AsError(403, 'BTID_NOT_OF_DEVICE', 'the Authentication Server names another device as the owner of this B-TID', 'btid');
    }
    this.as.installRpaKeysets(iccid, keyIndex, deriveRpaKeysets(fromHex(ksIntNaf)), { nafId, btid, expiresAt: Date.parse(lifetime) });
    return { status: 'OK', keyIndex, lifetime };
  }
}
