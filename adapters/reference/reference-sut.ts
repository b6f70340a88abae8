/**
 * The bundled reference implementation as a system under test. The only harness module that imports
 * reference-impl/ (through its index): it starts the Application Server on a free loopback port, and makes a
 * personalised SE and a device for each scenario's devices, all reached through the adapter interfaces.
 */
import { randomBytes } from 'node:crypto';
import { ReferenceDevice, ReferenceEuicc, ReferenceSecureElement, startApplicationServer, startAuthenticationServer, startResourceServer, DeviceSeError, referenceTestKeys, DEFAULT_KEY_SEED, REFERENCE_IMPI_DOMAIN, type FaultName, type RunningServer, type SecureElementPersonalisation, type ReferenceTestKeys } from '../../reference-impl/index.ts';
import { withLuhn } from '../../protocol/iccid.ts';
import { toHex } from '../../protocol/hex.ts';
import { providerKeyPairs, x25519PublicKey } from '../../protocol/obf-provider-transfer.ts';
import { HttpApplicationServer } from '../http/application-server-client.ts';
import { HttpAuthenticationServer, HttpResourceServer } from '../http/gba-servers-client.ts';
import { HarnessError } from '../../harness/verdicts.ts';
import { TracedSecureElement } from '../apdu/traced-secure-element.ts';
import { Trace } from '../trace.ts';
import type { AuthenticationProvider, DeviceAdapter, DeviceUnderTest, ProviderKind, ProvisionOptions, SubscriptionProfile, SystemUnderTest, SutDescription } from '../types.ts';

export interface ReferenceOptions {
  faults: FaultName[];
  /** Seed from which the test keys are derived, so a run is reproducible. */
  keySeed?: string;
  timeoutMs?: number;
  /** SQLite file the three reference servers keep their state in; in memory when absent. */
  data?: string;
  /**
   * Where the devices' serial numbers start (default 0: the same ICCIDs every run, reproducible). A run with a
   * third-party server gives a random one, so a server that keeps its state never meets a card of an earlier run.
   */
  serialBase?: number;
}

/**
 * The test keys of the reference device with this ICCID: reference-impl/test-keys.ts derives them (one
 * derivation for the SUT, the virtual card and the serial device), so a run is reproducible and the project's
 * key-hygiene check can recompute every key a run used and search the run's output for it.
 */
export { DEFAULT_KEY_SEED };
export function referenceKeysFor(iccid: string, seed = DEFAULT_KEY_SEED): ReferenceTestKeys {
  return referenceTestKeys(iccid, seed);
}

/** The realm of the reference Authentication Server (the B-TID domain) and the IMS domain of its subscribers. */
export const REFERENCE_REALM = 'bsf.obf-reference.example';

/**
 * The reference deployment's authentication providers (6.3.1 a, d): each runs its own Authentication Server and
 * Resource Server. The first is the deployment's default (`authenticationServer`, `resourceServer`).
 */
export const REFERENCE_PROVIDERS: ReadonlyArray<{ name: string; kind: ProviderKind; realm: string; impiDomain: string; iccidPrefix: string }> = [
  { name: 'Operator A', kind: 'telecom operator', realm: REFERENCE_REALM, impiDomain: 'ims.obf-reference.example', iccidPrefix: '899100' },
  { name: 'Operator B', kind: 'telecom operator', realm: 'bsf.operator-b.example', impiDomain: 'ims.operator-b.example', iccidPrefix: '899102' },
  { name: 'M2M Provider', kind: 'M2M service provider', realm: 'bsf.m2m-provider.example', impiDomain: 'm2m-provider.example', iccidPrefix: '898803' },
  { name: 'App Provider', kind: 'application service provider', realm: 'bsf.app-provider.example', impiDomain: 'app-provider.example', iccidPrefix: '898804' },
];

interface ProviderServers {
  auth: RunningServer;
  rs: RunningServer;
  tokens: { authAdmin: string; rsAdmin: string; rpr: string };
  /** The provider's Ed25519 public key (6.4.3 a), with which the cards it issues are personalised. */
  signingKey: Uint8Array;
}

/** The IMS domain of the default provider's subscribers (target files derive IMPIs with it, as keySeed does). */
export const IMPI_DOMAIN = REFERENCE_IMPI_DOMAIN;

interface Servers {
  as: RunningServer;
  providers: ProviderServers[];
  /** Bearer token of the AS's key import (docs/profile/http-api.md 1). */
  asAdmin: string;
}

export class ReferenceSystem implements SystemUnderTest {
  private trace: Trace | null = null;
  private sequence = 0;
  readonly applicationServer: HttpApplicationServer;
  readonly authenticationServer: HttpAuthenticationServer;
  readonly resourceServer: HttpResourceServer;
  readonly providers: readonly (AuthenticationProvider & { authenticationServer: HttpAuthenticationServer })[];

  private constructor(private readonly servers: Servers, private readonly opts: ReferenceOptions, readonly description: SutDescription) {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const trace = () => this.trace;
    this.applicationServer = new HttpApplicationServer({ baseUrl: servers.as.url, timeoutMs, trace, name: 'AS', adminToken: servers.asAdmin });
    this.providers = REFERENCE_PROVIDERS.map((p, i) => {
      const s = servers.providers[i];
      // The default provider keeps the plain names in traces, as before the deployment had several.
      const suffix = i === 0 ? '' : ` of ${p.name}`;
      return {
        name: p.name,
        kind: p.kind,
        url: s.auth.url,
        authenticationServer: new HttpAuthenticationServer({ baseUrl: s.auth.url, adminToken: s.tokens.authAdmin, realm: p.realm, clockHook: true, transferApi: true, timeoutMs, trace, name: `Authentication Server${suffix}` }),
        resourceServer: new HttpResourceServer({ baseUrl: s.rs.url, adminToken: s.tokens.rsAdmin, timeoutMs, trace, name: `Resource Server${suffix}` }),
      };
    });
    this.authenticationServer = this.providers[0].authenticationServer;
    this.resourceServer = this.providers[0].resourceServer as HttpResourceServer;
  }

  static async start(opts: ReferenceOptions): Promise<ReferenceSystem> {
    const faults = new Set(opts.faults);
    // Fresh random credentials per run: they are secrets of this run only, and traces mask Bearer tokens.
    const token = () => randomBytes(24).toString('base64url');
    const data = opts.data;
    const asAdmin = token();
    const started: ProviderServers[] = [];
    let as: RunningServer;
    try {
      for (const p of REFERENCE_PROVIDERS) {
        const tokens = { authAdmin: token(), rsAdmin: token(), rpr: token() };
        // The provider's signing and key-agreement secrets (6.4.3 a) are fresh per run and stay inside its server.
        const provider = { id: p.impiDomain, signingSecret: randomBytes(32), keyAgreementSecret: randomBytes(32) };
        const { signing } = providerKeyPairs(provider.signingSecret, provider.keyAgreementSecret);
        // One data file for every provider: each Resource Server keeps its rights under its provider's realm.
        const rs = await startResourceServer({ adminToken: tokens.rsAdmin, rprToken: tokens.rpr, faults, data, dataScope: p.realm });
        const auth = await startAuthenticationServer({ realm: p.realm, adminToken: tokens.authAdmin, resourceServer: { url: rs.url, token: tokens.rpr }, lifetimeSeconds: 3600, provider, faults, data }).catch(async (e) => {
          await rs.close();
          throw e;
        });
        started.push({ auth, rs, tokens, signingKey: signing.publicKey });
      }
      // The AS is also a NAF (RPA): it reaches RPO at the first provider's Authentication Server.
      as = await startApplicationServer({ faults, data, adminToken: asAdmin, authenticationServerUrl: started[0].auth.url });
    } catch (e) {
      for (const s of started) await Promise.all([s.auth.close(), s.rs.close()]);
      throw e;
    }
    const fault = opts.faults.length ? opts.faults.join(',') : null;
    const [first] = started;
    return new ReferenceSystem({ as, providers: started, asAdmin }, opts, {
      kind: 'reference',
      name: 'OBF reference implementation',
      description: `bundled reference SE (card or eUICC), device, Application Server (${as.url}), Authentication Server (${first.auth.url}) and Resource Server (${first.rs.url}) of ${REFERENCE_PROVIDERS[0].name}, and of ${REFERENCE_PROVIDERS.slice(1).map((p) => `${p.name} (${p.kind})`).join(', ')}${fault ? `, fault: ${fault}` : ''}`,
      fault,
    });
  }

  beginScenario(trace: Trace): void {
    this.trace = trace;
  }

  /** One subscription of a device with a provider: the card's personalisation, and the provider's subscriber record. */
  private async subscribe(label: string, providerName: string, serial: string): Promise<{ perso: SecureElementPersonalisation; profile: SubscriptionProfile; keys: ReturnType<typeof referenceKeysFor> }> {
    const index = REFERENCE_PROVIDERS.findIndex((p) => p.name === providerName);
    if (index < 0) throw new HarnessError(`the reference deployment has no provider "${providerName}" (it has ${REFERENCE_PROVIDERS.map((p) => p.name).join(', ')})`);
    const p = REFERENCE_PROVIDERS[index];
    const iccid = withLuhn(`${p.iccidPrefix}${serial}`);
    const keys = referenceKeysFor(iccid, this.opts.keySeed);
    for (const set of [...Object.values(keys.downlink), ...Object.values(keys.uplink)]) {
      this.trace?.addSecret(toHex(set.kic));
      this.trace?.addSecret(toHex(set.kid));
    }
    this.trace?.addSecret(toHex(keys.gba.k));
    this.trace?.addSecret(toHex(keys.gba.opc));
    this.trace?.addSecret(toHex(keys.seKeyAgreement));
    const impi = `${iccid}@${p.impiDomain}`;
    // The owner declares the SE's public key to its provider, which puts it in a transfer statement (6.4.3 a).
    const sePublicKey = toHex(x25519PublicKey(keys.seKeyAgreement));
    const sub = await this.providers[index].authenticationServer.provisionSubscriber({ impi, iccid, k: toHex(keys.gba.k), opc: toHex(keys.gba.opc), sePublicKey });
    if (sub.status !== 201) throw new HarnessError(`the reference Authentication Server of ${p.name} refused the subscription of device ${label}: HTTP ${sub.status}`);
    const gba = { k: keys.gba.k, opc: keys.gba.opc, impi };
    const transfer = { keyAgreementSecret: keys.seKeyAgreement, provider: { id: p.impiDomain, signingKey: this.servers.providers[index].signingKey } };
    return { perso: { iccid, decryptionKeys: keys.downlink, encryptionKeys: keys.uplink, gba, transfer }, profile: { provider: p.name, iccid, gba }, keys };
  }

  /** What each card of the run was personalised with, by ICCID: the transports wrapper puts the same on its virtual cards. */
  private readonly personalisations = new Map<string, SecureElementPersonalisation>();

  cardPersonalisation(iccid: string): SecureElementPersonalisation | undefined {
    return this.personalisations.get(iccid);
  }

  async provisionDevice(label: string, opts: ProvisionOptions = {}): Promise<DeviceUnderTest> {
    this.sequence++;
    const serial = `${String(Number(process.env.CUCUMBER_WORKER_ID ?? 0) % 10000).padStart(4, '0')}${String((this.opts.serialBase ?? 0) + this.sequence).padStart(9, '0')}`;
    const subscriptions = opts.subscriptions?.length ? opts.subscriptions : [REFERENCE_PROVIDERS[0].name];
    if (new Set(subscriptions).size !== subscriptions.length) throw new HarnessError(`device ${label}: one profile per provider`);
    const made = [];
    for (const name of subscriptions) made.push(await this.subscribe(label, name, serial));
    const { perso, keys } = made[0];
    this.personalisations.set(perso.iccid, perso);
    const iccid = perso.iccid;
    const impi = perso.gba!.impi;
    const faults = new Set(this.opts.faults);
    // A device named with its subscriptions has an eUICC (one profile each); otherwise a plain card, as before.
    const eid = `89049032${serial.padStart(24, '0')}`;
    const card = opts.subscriptions?.length ? new ReferenceEuicc({ eid, profiles: made.map((m) => m.perso) }, faults) : new ReferenceSecureElement(perso, faults);
    const timeout = this.opts.timeoutMs ?? 5000;
    const cardTransport = async (apdu: Uint8Array) => card.transmit(apdu);
    const seForDevice = new TracedSecureElement(cardTransport, `device ${label} -> SE ${label}`, () => this.trace, timeout);
    const device = new ReferenceDevice(async (apdu) => {
      const r = await seForDevice.transmit(apdu);
      return Uint8Array.from([...r.data, r.sw >> 8, r.sw & 0xff]);
    }, faults);
    return {
      label,
      iccid,
      keys: { downlink: keys.downlink, uplink: keys.uplink },
      gba: { impi, ...keys.gba },
      secureElement: new TracedSecureElement(cardTransport, `harness -> SE ${label}`, () => this.trace, timeout),
      device: referenceDeviceAdapter(device, label, () => this.trace),
      ...(opts.subscriptions?.length ? { euicc: { eid, profiles: made.map((m) => m.profile) } } : {}),
    };
  }

  async close(): Promise<void> {
    for (const p of this.servers.providers) {
      await p.auth.close();
      await p.rs.close();
    }
    await this.servers.as.close();
  }
}

/** The reference device behind the DeviceAdapter interface, each exchange recorded in the scenario's trace. */
export function referenceDeviceAdapter(device: ReferenceDevice, label: string, traceOf: () => Trace | null): DeviceAdapter {
  const link = `harness -> device ${label}`;
  return {
    deliverDownlink: async (packet) => {
      traceOf()?.record('device', '>>', link, `downlink ${toHex(packet)}`);
      const outcome = await device.receiveDownlink(packet);
      traceOf()?.record('device', '<<', link, `${outcome.accepted ? 'accepted' : 'rejected'} at ${outcome.stage}: ${outcome.reason}`);
      return outcome;
    },
    requestUplink: async (data, keyIndex, replayCheck) => {
      traceOf()?.record('device', '>>', link, `uplink ${toHex(data)} key index ${keyIndex}${replayCheck ? ' ReplayCheck' : ''}`);
      try {
        const packet = await device.getEncryptedDataFromSE(data, keyIndex, replayCheck);
        traceOf()?.record('device', '<<', link, `packet ${toHex(packet)}`);
        return { ok: true, packet };
      } catch (e) {
        if (!(e instanceof DeviceSeError)) throw e;
        traceOf()?.record('device', '<<', link, e.message);
        return { ok: false, sw: e.sw.toString(16).toUpperCase().padStart(4, '0'), reason: e.message };
      }
    },
    readState: async () => {
      const s = device.snapshot();
      return { ip1: s.ip1, ip2: s.ip2, commandsExecuted: s.commandsExecuted };
    },
  };
}

export { Trace };
