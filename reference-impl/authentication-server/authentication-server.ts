/**
 * The reference Authentication Server (draft 3.2 i; 6.1; 6.4.2), in the role of the GBA BSF (3GPP TS 33.220):
 * subscribers (IMPI, ICCID, K, OPc, SQN_HE), registered Application Servers (NAFs) with their RPO credentials,
 * the key lifetime policy, and the bootstraps made over RPB (rpb.ts). RPO (Zn-like): an Application Server fetches
 * Ks_NAF for a B-TID after the Resource Server confirmed its rights over RPR (Zh-like). Transport-free; the HTTP
 * routes are in http-server.ts (docs/profile/gba-api.md). State in bootstrap-store.ts (in memory, or durable in a
 * data file); NAF tokens kept as SHA-256 digests.
 */
import { deriveNafKey } from '../../protocol/ts-33-220.ts';
import { fromHex, toHex } from '../../protocol/hex.ts';
import type { SubscriberKeys } from '../../protocol/ts-33-102-aka.ts';
import type { FaultSet } from '../faults.ts';
import { HttpError, TOKEN_PATTERN, field, hexField, iccidField, nafIdField, tokenDigest } from '../http-json.ts';
import { BootstrapStore } from './bootstrap-store.ts';

/** IMPI as an NAI (TS 23.003 13.3, RFC 4282): user part @ realm, ASCII, at most 255 characters. */
export const IMPI_PATTERN = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]{1,128}@[A-Za-z0-9.-]{1,126}$/;
export const MAX_LIFETIME_SECONDS = 365 * 24 * 3600;
export const MAX_CLOCK_ADVANCE_SECONDS = 10 * MAX_LIFETIME_SECONDS;
/** The clock hook stops at 9000-01-01: lifetimes added to it stay valid, four-digit-year dates. */
export const CLOCK_LIMIT_MS = Date.UTC(9000, 0, 1);

export interface Subscriber {
  impi: string;
  iccid: string;
  keys: SubscriberKeys;
  /** SQN_HE: the last SQN put in a vector for this subscriber. */
  sqnHe: Uint8Array;
  /** Set when the owner moved the subscription to another provider (6.3.1 c): no bootstrap, no key from here on. */
  transferredAt?: number;
  /** Provider transfer (6.4.3 a, provider-transfer.ts): the SE's X25519 public key, when the owner declared it. */
  sePublicKey?: Uint8Array;
  /** The last transfer sequence number of the device this server knows (absent: 0, none since personalisation). */
  transferSequence?: number;
}

export interface Bootstrap {
  btid: string;
  impi: string;
  iccid: string;
  rand: Uint8Array;
  /** Ks = CK || IK. */
  ks: Uint8Array;
  /** Server clock, ms. */
  expiresAt: number;
}

export interface Rights {
  granted: boolean;
  dataClasses: string[];
}

/** RPR as the Authentication Server sees it: throws HttpError 503 when the Resource Server cannot answer. */
export type RightsLookup = (iccid: string, nafId: string) => Promise<Rights>;

export interface NafKeyAnswer {
  ksNaf: string;
  /** GBA_U: the key the card keeps (TS 33.220 5.3.2), for a NAF whose Ua protocol runs on the card (RPA). */
  ksIntNaf: string;
  lifetime: string;
  impi: string;
  iccid: string;
  settings: { dataClasses: string[] };
}

export function boundedInteger(body: Record<string, unknown>, name: string, min: number, max: number): number {
  const v = field<number>(body, name, 'number');
  if (!Number.isInteger(v) || v < min || v > max) throw new HttpError(400, 'BAD_REQUEST', `field '${name}' must be an integer ${min}..${max}, got ${v}`, name);
  return v;
}

export function exactHex(body: Record<string, unknown>, name: string, length: number, code: string): Uint8Array {
  const bytes = hexField(body, name, 64);
  if (bytes.length !== length) throw new HttpError(400, code, `field '${name}' must be ${length} bytes, got ${bytes.length}`, name);
  return bytes;
}

export class ReferenceAuthenticationServer {
  readonly subscribers: Map<string, Subscriber>;
  /** B-TID -> bootstrap; one per IMPI (a new bootstrap replaces the old, TS 33.220 4.5.2). */
  readonly bootstraps: Map<string, Bootstrap>;
  /** SHA-256(token) -> NAF_Id (upper-case hex). */
  private readonly nafOfToken: Map<string, string>;
  private clockOffsetMs = 0;

  constructor(
    readonly realm: string,
    private lifetimeSeconds: number,
    private readonly adminDigest: string,
    private readonly lookupRights: RightsLookup,
    readonly faults: FaultSet = new Set(),
    private readonly store = BootstrapStore.open(undefined, realm),
  ) {
    this.subscribers = store.subscribers;
    this.bootstraps = store.bootstraps;
    this.nafOfToken = store.nafOfToken;
  }

  /** The server clock (ms): wall clock plus what the clock hook added. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Admin: provision a subscriber. */
  addSubscriber(body: Record<string, unknown>): { status: 'OK' } {
    const impi = field<string>(body, 'impi', 'string');
    if (!IMPI_PATTERN.test(impi)) throw new HttpError(400, 'BAD_REQUEST', "field 'impi' must be an NAI: user@realm, ASCII, at most 255 characters", 'impi');
    const iccid = iccidField(body);
    const k = exactHex(body, 'k', 16, 'INVALID_KEY');
    const opc = exactHex(body, 'opc', 16, 'INVALID_KEY');
    const sqn = body.sqn === undefined ? new Uint8Array(6) : exactHex(body, 'sqn', 6, 'BAD_REQUEST');
    const sePublicKey = body.sePublicKey === undefined ? undefined : exactHex(body, 'sePublicKey', 32, 'INVALID_KEY');
    const transferSequence = body.transferSequence === undefined ? 0 : boundedInteger(body, 'transferSequence', 0, 0xffffffff);
    if (this.subscribers.has(impi)) throw new HttpError(409, 'DUPLICATE_SUBSCRIBER', 'a subscriber with this IMPI is already provisioned', 'impi');
    this.store.putSubscriber({ impi, iccid, keys: { k, opc }, sqnHe: sqn, sePublicKey, transferSequence });
    return { status: 'OK' };
  }

  /**
   * Admin (the subscription owner's authorisation, 6.3.1 c): the subscription moves to another provider. No
   * later bootstrap is made and no key is handed out for its B-TIDs (410 SUBSCRIPTION_TRANSFERRED). What the answer carries is what moves:
   * identities only, never K, OPc or Ks (docs/profile/providers.md section 4).
   */
  transferOut(body: Record<string, unknown>): { status: 'OK'; transferred: { impi: string; iccid: string; at: string } } {
    const impi = field<string>(body, 'impi', 'string');
    const sub = this.subscribers.get(impi);
    if (!sub) throw new HttpError(404, 'UNKNOWN_SUBSCRIBER', 'no subscriber with this IMPI', 'impi');
    if (sub.transferredAt !== undefined) throw new HttpError(409, 'SUBSCRIPTION_TRANSFERRED', 'this subscription was already transferred', 'impi');
    const at = this.now();
    this.store.putTransferred(sub, at);
    return { status: 'OK', transferred: { impi, iccid: sub.iccid, at: new Date(at).toISOString() } };
  }

  /** Whether this subscriber may still bootstrap here (RPB). */
  servesSubscriber(sub: Subscriber): boolean {
    return sub.transferredAt === undefined || this.faults.has('auth-serve-after-transfer');
  }

  /** Admin: register (or re-key) an Application Server's RPO credential for its NAF_Id. */
  registerNaf(body: Record<string, unknown>): { status: 'OK' } {
    const nafId = nafIdField(body);
    if (this.faults.has('auth-operator-domain-nafs-only')) {
      // The fault: a provider that serves only applications inside its own domain (6.3.1 g forbids it).
      const fqdn = Buffer.from(fromHex(nafId).slice(0, -5)).toString('latin1');
      const domain = this.realm.split('.').slice(1).join('.');
      if (!fqdn.endsWith(`.${domain}`)) throw new HttpError(403, 'NAF_OUTSIDE_DOMAIN', `only applications under ${domain} are served`, 'nafId');
    }
    const token = field<string>(body, 'token', 'string');
    if (!TOKEN_PATTERN.test(token)) throw new HttpError(400, 'BAD_REQUEST', "field 'token' must be 16 to 512 token68 characters (RFC 6750)", 'token');
    const digest = tokenDigest(token);
    const holder = this.nafOfToken.get(digest);
    if (digest === this.adminDigest || (holder !== undefined && holder !== nafId)) {
      throw new HttpError(409, 'TOKEN_IN_USE', 'this token is already the credential of another party', 'token');
    }
    this.store.putNaf(nafId, digest);
    return { status: 'OK' };
  }

  /** The NAF_Id a presented RPO token was registered for, or undefined. */
  nafOf(token: string | null): string | undefined {
    return token === null ? undefined : this.nafOfToken.get(tokenDigest(token));
  }

  /** Admin: the key lifetime given to bootstraps made from now on. */
  setPolicy(body: Record<string, unknown>): { status: 'OK'; lifetimeSeconds: number } {
    this.lifetimeSeconds = boundedInteger(body, 'lifetimeSeconds', 1, MAX_LIFETIME_SECONDS);
    return { status: 'OK', lifetimeSeconds: this.lifetimeSeconds };
  }

  /** Admin, reference-only test hook: move the server clock forward. */
  advanceClock(body: Record<string, unknown>): { status: 'OK'; now: string } {
    const seconds = boundedInteger(body, 'advanceSeconds', 0, MAX_CLOCK_ADVANCE_SECONDS);
    // Repeated advances must not run the clock out of the Date range (found by fuzzing: a 500 after ~27,000 calls).
    if (this.now() + seconds * 1000 > CLOCK_LIMIT_MS) {
      throw new HttpError(400, 'BAD_REQUEST', `the clock cannot be advanced past ${new Date(CLOCK_LIMIT_MS).toISOString()}`, 'advanceSeconds');
    }
    this.clockOffsetMs += seconds * 1000;
    return { status: 'OK', now: new Date(this.now()).toISOString() };
  }

  /** The subscriber of a device (ICCID), or undefined. */
  subscriberOf(iccid: string): Subscriber | undefined {
    for (const sub of this.subscribers.values()) if (sub.iccid === iccid) return sub;
    return undefined;
  }

  /**
   * 6.4.3 a, as provider A: the statement for the next transfer sequence number is signed; the subscription ends
   * as after a transfer-out. Durable before the statement leaves the server.
   */
  endSubscriptionBySequence(sub: Subscriber, sequence: number): void {
    this.store.putTransferred(sub, this.now(), sequence);
  }

  /** 6.4.3 a, as provider B: the subscription taken over replaces any earlier one of the device, its bootstrap included. */
  replaceSubscriber(previous: Subscriber | undefined, sub: Subscriber): void {
    this.store.replaceSubscriber(previous, sub);
  }

  /** 6.4.3 a: the providers this one has a business agreement with, and recording one. */
  get partners(): ReadonlyMap<string, { signingKey: Uint8Array; keyAgreementKey: Uint8Array }> {
    return this.store.partners;
  }

  putPartner(providerId: string, keys: { signingKey: Uint8Array; keyAgreementKey: Uint8Array }): void {
    this.store.putPartner(providerId, keys);
  }

  /** Store a successful bootstrap (RPB), replacing the subscriber's previous one. */
  storeBootstrap(sub: Subscriber, btid: string, rand: Uint8Array, ks: Uint8Array): Bootstrap {
    const b: Bootstrap = { btid, impi: sub.impi, iccid: sub.iccid, rand, ks, expiresAt: this.now() + this.lifetimeSeconds * 1000 };
    this.store.putBootstrap(b);
    return b;
  }

  /** A subscriber's SQN_HE (RPB): durable before the challenge made with it is sent. */
  updateSqn(sub: Subscriber, sqn: Uint8Array): void {
    this.store.putSqn(sub, sqn);
  }

  /** RPO: Ks_NAF for a B-TID, to the Application Server registered for that NAF_Id, if it has rights. */
  async nafKey(callerNaf: string, body: Record<string, unknown>): Promise<NafKeyAnswer> {
    const btid = field<string>(body, 'btid', 'string');
    if (btid.length === 0 || btid.length > 512) throw new HttpError(400, 'BAD_REQUEST', "field 'btid' must be 1 to 512 characters", 'btid');
    const nafId = nafIdField(body);
    const dataClass = body.dataClass === undefined ? undefined : field<string>(body, 'dataClass', 'string');
    if (callerNaf !== nafId && !this.faults.has('auth-rpo-any-naf')) {
      throw new HttpError(403, 'NAF_NOT_AUTHORISED', 'this credential is not registered for the requested NAF_Id', 'nafId');
    }
    // The fault models a lookup that falls back to the latest bootstrap instead of refusing an unknown B-TID.
    const b = this.bootstraps.get(btid) ?? (this.faults.has('auth-rpo-any-btid') ? [...this.bootstraps.values()].at(-1) : undefined);
    if (!b) throw new HttpError(404, 'UNKNOWN_BTID', 'no bootstrap with this B-TID', 'btid');
    if (this.now() >= b.expiresAt && !this.faults.has('auth-ignore-lifetime')) {
      throw new HttpError(410, 'BTID_EXPIRED', `the key lifetime of this B-TID ended at ${new Date(b.expiresAt).toISOString()}`, 'btid');
    }
    const sub = this.subscribers.get(b.impi);
    if (sub && !this.servesSubscriber(sub)) throw new HttpError(410, 'SUBSCRIPTION_TRANSFERRED', 'the subscription of this B-TID moved to another provider', 'btid');
    const rights = await this.lookupRights(b.iccid, nafId);
    if (!rights.granted && !this.faults.has('auth-rpo-ignore-rights')) {
      throw new HttpError(403, 'NO_RIGHTS', 'the Resource Server grants this NAF no rights for the device');
    }
    // 6.3.1 f: an Application Server that says which part of the device's data it wants gets key material only
    // for a part the Resource Server granted it.
    if (dataClass !== undefined && !rights.dataClasses.includes(dataClass) && !this.faults.has('auth-rpo-ignore-data-class')) {
      throw new HttpError(403, 'DATA_CLASS_NOT_GRANTED', `the Resource Server grants this NAF no rights for data class '${dataClass.slice(0, 64)}'`, 'dataClass');
    }
    const ksNaf = deriveNafKey(b.ks, b.rand, b.impi, fromHex(nafId), 'gba-me');
    // Every reference card is GBA_U, so the server always gives both keys (TS 33.220 5.3.2: the NAF uses the one its Ua protocol needs).
    const ksIntNaf = this.faults.has('auth-int-naf-as-ext') ? ksNaf : deriveNafKey(b.ks, b.rand, b.impi, fromHex(nafId), 'gba-u');
    return { ksNaf: toHex(ksNaf), ksIntNaf: toHex(ksIntNaf), lifetime: new Date(b.expiresAt).toISOString(), impi: b.impi, iccid: b.iccid, settings: { dataClasses: rights.dataClasses } };
  }
}
