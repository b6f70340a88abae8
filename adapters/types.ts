/**
 * The adapter interfaces: the only way steps reach a system under test. The bundled reference implementation
 * and third-party products (PC/SC cards, serial devices, HTTP servers) sit behind the same interfaces.
 * Adapters throw Inconclusive when the SUT does not answer and NonConformance when it answers outside the
 * profile (harness/verdicts.ts); they never throw for a refusal the profile defines (that is a result).
 */
import type { KeyAlgorithm, KeySet } from '../protocol/obf-profile.ts';
import type { Trace } from './trace.ts';
import type { HttpAnswer } from './http/traced-http.ts';

export type { HttpAnswer };

/** The profile's error code of a refusal, or null when the answer is not the documented error object. */
export function errorCodeOf(a: HttpAnswer): string | null {
  const e = a.body.error as { code?: unknown } | undefined;
  return a.body.status === 'NOK' && typeof e?.code === 'string' ? e.code : null;
}

export interface ApduResult {
  data: Uint8Array;
  sw: number;
}

/** A Secure Element, one command APDU at a time (ISO 7816-4 short APDUs). */
export interface SecureElementAdapter {
  transmit(apdu: Uint8Array): Promise<ApduResult>;
}

export type DownlinkStage = 'checksum' | 'secure-element' | 'command' | 'executed';

export interface DownlinkReport {
  accepted: boolean;
  stage: DownlinkStage;
  reason: string;
  sw?: string;
  command?: string;
}

export interface DeviceStateReport {
  ip1: { host: string; port: number } | null;
  ip2: { host: string; port: number } | null;
  commandsExecuted: number;
}

export type UplinkResult = { ok: true; packet: Uint8Array } | { ok: false; sw: string; reason: string };

/** A constrained device with its SE (draft B.2.2.1). */
export interface DeviceAdapter {
  /** Hand the device a packet as the network would deliver it (with or without 02 70 00). */
  deliverDownlink(packet: Uint8Array): Promise<DownlinkReport>;
  /** Ask the device to send data to the Application Server: it has the SE secure it (getEncryptedDataFromSE). */
  requestUplink(data: Uint8Array, keyIndex: number, replayCheck: boolean): Promise<UplinkResult>;
  readState(): Promise<DeviceStateReport>;
}

export type AsResult<T> = { ok: true; httpStatus: number; value: T } | { ok: false; httpStatus: number; code: string; message: string };

export interface ImportKeyRequest {
  iccid: string;
  keyIndex: number;
  keyFunction: 'encrypt' | 'decrypt';
  algorithm: KeyAlgorithm;
  kic: string;
  kid: string;
}

/** An Application Server at the profile's HTTP API (draft B.2.2.3). */
export interface ApplicationServerAdapter {
  importKey(req: ImportKeyRequest): Promise<AsResult<{ status: string }>>;
  decryptData(req: { iccid: string; keyIndex: number; packet: string }): Promise<AsResult<{ data: string; counter?: string }>>;
  encryptData(req: { iccid: string; keyIndex: number; data: string; replayCheck: boolean }): Promise<AsResult<{ packet: string }>>;
  /** Send a raw body, for malformed-input scenarios. */
  postRaw(path: 'keys' | 'decrypt' | 'encrypt', body: string, contentType?: string): Promise<{ httpStatus: number; body: unknown }>;
  /**
   * RPA (docs/profile/http-api.md 9): the operator's set-up of one NAF identity of the AS and its RPO token.
   * Absent when the product does not offer RPA; the RPA scenarios are then not applicable.
   */
  configureNaf?(nafId: string, token: string): Promise<AsResult<{ status: string }>>;
  /** RPA: the AS fetches Ks_int_NAF for the device's B-TID over RPO and installs the packet keysets at `keyIndex` (8..15). */
  establishRpaKeys?(req: { iccid: string; nafId: string; btid: string; keyIndex: number }): Promise<AsResult<{ status: string; keyIndex: number; lifetime: string }>>;
}

/**
 * The Authentication Server (GBA's BSF role) at the profile's API (docs/profile/gba-api.md). Answers are returned
 * as they come (status, headers, JSON body): refusals are results the steps judge.
 */
export interface AuthenticationServerAdapter {
  readonly realm: string;
  /** The path the Digest `uri` parameter names for RPB. */
  readonly bootstrapUri: string;
  /** RPB: one request of the HTTP Digest AKA exchange (RFC 3310), with this Authorization header or none. */
  rpb(authorization: string | null): Promise<HttpAnswer>;
  /** RPO: an Application Server, with its token, asks for the key of a B-TID for a NAF_Id (hex), optionally for one data class. */
  rpo(nafToken: string, req: { btid: string; nafId: string; dataClass?: string }): Promise<HttpAnswer>;
  /** The subscription owner moves a subscription to another provider (6.3.1 c): this provider stops serving it. */
  transferOut(impi: string): Promise<HttpAnswer>;
  /** Register an Application Server's NAF_Id and token (the lab's set-up step). */
  registerNaf(nafId: string, token: string): Promise<HttpAnswer>;
  /** Move the server's clock forward (a reference-only test hook); absent on products that cannot. */
  advanceClock?(seconds: number): Promise<HttpAnswer>;
  /** Provider transfer (6.4.3 a, docs/profile/provider-transfer.md); absent on servers without it. */
  readonly transfer?: ProviderTransferAdapter;
}

/** A provider's public keys, as its Authentication Server publishes them (hex). */
export interface ProviderKeys {
  providerId: string;
  signingKey: string;
  keyAgreementKey: string;
}

/**
 * The provider-transfer API of an Authentication Server (draft 6.4.3 a): the lab acts for the SE owner (admin
 * credentials) and for the business agreement between providers. Answers are returned as they come.
 */
export interface ProviderTransferAdapter {
  /** GET the provider's public keys. */
  provider(): Promise<HttpAnswer>;
  /** Record a business agreement with another provider (its public keys). */
  registerPartner(keys: ProviderKeys): Promise<HttpAnswer>;
  /** As provider A, on the owner's authorisation: sign a transfer of the device to the named provider. */
  signTransfer(req: { iccid: string } & ProviderKeys): Promise<HttpAnswer>;
  /** As provider B: take over the device's subscription from a signed statement (hex). */
  acceptSubscription(statement: string): Promise<HttpAnswer>;
}

/** The Resource Server's rights administration (the owner's side of RPR). */
export interface ResourceServerAdapter {
  /** Grant rights; `notifyUrl` is where the Application Server wants to hear of subscription changes (6.3.1 e). */
  grant(iccid: string, nafId: string, dataClasses: string[], notifyUrl?: string): Promise<HttpAnswer>;
  revoke(iccid: string, nafId: string): Promise<HttpAnswer>;
  /** The rights held over a device, as they move to a new provider (6.3.1 c). */
  exportRights(iccid: string): Promise<HttpAnswer>;
  /** The device's eUICC runs a new subscription (6.3.1 e): its beneficiaries are told the new Authentication Server. */
  subscriptionChange(req: { iccid: string; newIccid: string; authenticationServer: { realm: string; url: string } }): Promise<HttpAnswer>;
}

/** The kinds of provider the draft names (6.3.1 a, d). */
export type ProviderKind = 'telecom operator' | 'M2M service provider' | 'application service provider';

/** One authentication provider: its Authentication Server and the Resource Server of its rights. */
export interface AuthenticationProvider {
  readonly name: string;
  readonly kind: ProviderKind;
  readonly authenticationServer: AuthenticationServerAdapter;
  readonly resourceServer: ResourceServerAdapter;
  /** Where Application Servers reach its Authentication Server (told on a subscription change, 6.3.1 e). */
  readonly url: string;
}

/** One subscription (eUICC profile) of a device: which provider, the profile's ICCID and its GBA identity. */
export interface SubscriptionProfile {
  provider: string;
  iccid: string;
  gba: { impi: string; k: Uint8Array; opc: Uint8Array };
}

/** The keys and identity a lab knows for one device (PIXIT): downlink = AS encrypts / SE decrypts; uplink the reverse. */
export interface DeviceUnderTest {
  label: string;
  iccid: string;
  keys: { downlink: Record<number, KeySet>; uplink: Record<number, KeySet> };
  /** The GBA subscription of the card (test card keys), when the SE supports GBA. */
  gba?: { impi: string; k: Uint8Array; opc: Uint8Array };
  secureElement: SecureElementAdapter;
  device: DeviceAdapter;
  /** When the SE is an eUICC: its EID and its profiles (the first enabled at the start); `iccid`/`gba` are the first's. */
  euicc?: { eid: string; profiles: SubscriptionProfile[] };
}

/** `subscriptions`: the device's SE is an eUICC holding a profile of each named provider, the first enabled. */
export interface ProvisionOptions {
  subscriptions?: string[];
}

export interface SutDescription {
  kind: 'reference' | 'third-party';
  name: string;
  description: string;
  fault: string | null;
}

export interface SystemUnderTest {
  readonly description: SutDescription;
  readonly applicationServer: ApplicationServerAdapter;
  readonly authenticationServer: AuthenticationServerAdapter;
  readonly resourceServer: ResourceServerAdapter;
  /** Every authentication provider of the deployment; the first is `authenticationServer` / `resourceServer`. */
  readonly providers: readonly AuthenticationProvider[];
  /** PIXIT: the NAF_Id (hex) of each Application Server the scenarios name, when the lab fixes them (target file). */
  readonly nafIds?: Record<string, string>;
  /** Start a scenario: later exchanges are recorded in `trace`. */
  beginScenario(trace: Trace): void;
  /** A device with its SE, personalised with keys the harness knows; `label` names it in the scenario ("A", "B"). */
  provisionDevice(label: string, opts?: ProvisionOptions): Promise<DeviceUnderTest>;
  close(): Promise<void>;
}
